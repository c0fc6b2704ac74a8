/*
 * lot_template.h
 *	  Lot templates: the structure of a lot code (date, facility, line, shift,
 *	  sequence, variant, check characters), compiled once and then used to
 *	  validate, parse and generate codes.
 */
#ifndef LOTTRACE_LOT_TEMPLATE_H
#define LOTTRACE_LOT_TEMPLATE_H

#include "access/tupdesc.h"
#include "fmgr.h"
#include "utils/date.h"

#include "lot.h"

typedef enum LotField
{
	LOT_NO_FIELD = -1,
	LOT_FIELD_YEAR,				/* YYYY or YY */
	LOT_FIELD_MONTH,			/* MM */
	LOT_FIELD_DAY,				/* DD */
	LOT_FIELD_DAY_OF_YEAR,		/* JJJ */
	LOT_FIELD_FACILITY,			/* F… */
	LOT_FIELD_LINE,				/* L… */
	LOT_FIELD_SHIFT,			/* S… */
	LOT_FIELD_SEQUENCE,			/* N… */
	LOT_FIELD_VARIANT,			/* V… */
	LOT_FIELD_CHECK_MOD10,		/* C */
	LOT_FIELD_CHECK_MOD37_36,	/* K */
	LOT_NUM_FIELDS
} LotField;

/* What a position of the code must hold. */
typedef enum LotPositionClass
{
	LOT_POS_LITERAL,			/* exactly template->literal[pos] */
	LOT_POS_DIGIT,
	LOT_POS_ALNUM,
	LOT_POS_ANY					/* any CSET 82 character (X) */
} LotPositionClass;

typedef struct LotTemplateField
{
	bool		present;
	uint8		start;			/* 0-based position in the code */
	uint8		width;
} LotTemplateField;

typedef struct LotTemplate
{
	int			width;			/* every conforming code has this length */
	bool		two_digit_year; /* YY rather than YYYY */
	bool		has_any;		/* contains X, so cannot generate codes */
	LotField	last_date_field;	/* date is checked when it ends, or
									 * LOT_NO_FIELD */
	LotTemplateField fields[LOT_NUM_FIELDS];
	uint8		position_class[LOT_MAX_LENGTH];
	char		literal[LOT_MAX_LENGTH];
	int8		field_ending_at[LOT_MAX_LENGTH];	/* LotField or LOT_NO_FIELD */
} LotTemplate;

/* Values read from a conforming code; -1 where the template has no field. */
typedef struct LotParts
{
	int			year;
	int			month;
	int			day;
	int			day_of_year;
	int			shift;
	int			sequence;
} LotParts;

/* Why a code does not conform, kept cheap so that @@ can fail fast. */
typedef enum LotMismatchReason
{
	LOT_MISMATCH_TOO_SHORT,
	LOT_MISMATCH_TOO_LONG,
	LOT_MISMATCH_LITERAL,
	LOT_MISMATCH_NOT_DIGIT,
	LOT_MISMATCH_NOT_ALNUM,
	LOT_MISMATCH_OUT_OF_RANGE,
	LOT_MISMATCH_NO_SUCH_DATE,
	LOT_MISMATCH_CHECK
} LotMismatchReason;

typedef struct LotMismatch
{
	LotMismatchReason reason;
	int			position;		/* 0-based */
	LotField	field;
	char		expected;		/* literal or check character */
	int			year;			/* for impossible dates: the year read */
} LotMismatch;

/* Values to build a code from; NULL / has_… false where not given. */
typedef struct LotFormatValues
{
	bool		has_date;
	DateADT		date;
	text	   *facility;
	text	   *line;
	bool		has_shift;
	int32		shift;
	bool		has_sequence;
	int32		sequence;
	text	   *variant;
} LotFormatValues;

/* Compile; a bad template raises 22023 naming the position. */
extern void lottrace_lot_template_compile(const char *tmpl, int len, LotTemplate *result);

/*
 * What a call site keeps in flinfo->fn_extra: the last template it saw,
 * compiled, so that a query checking a million codes against one template
 * compiles it once; and, for lot_parse, its result row type.
 */
typedef struct LotTemplateCache
{
	int			len;
	char	   *source;
	LotTemplate compiled;
	TupleDesc	result_desc;	/* set and used by lot_parse only */
} LotTemplateCache;

/* The call site's cache, holding the compiled form of "tmpl". */
extern LotTemplateCache *lottrace_lot_template_cached(FmgrInfo *flinfo, text *tmpl);

extern bool lottrace_lot_template_match(const LotTemplate *tmpl, const char *code,
										int len, LotParts *parts, LotMismatch *mismatch);

/* A sentence fragment for errmsg: "expected a digit for the shift (S), …" */
extern char *lottrace_lot_mismatch_describe(const LotTemplate *tmpl, const char *code,
											int len, const LotMismatch *mismatch);

/*
 * Build a code into "out" (LOT_MAX_LENGTH bytes); returns its length.  With
 * "sequence_placeholder", the sequence and check characters are written as
 * '#': the counter scope lot_next keys its sequence on.
 */
extern int	lottrace_lot_template_format(const LotTemplate *tmpl,
										 const LotFormatValues *values,
										 bool sequence_placeholder, char *out);

/*
 * Fills the production date, facility, line and shift of "values" from
 * arguments 1 to 4, which lot_format and lot_next share; NULL means not given.
 */
extern void lottrace_lot_format_values_from_args(FunctionCallInfo fcinfo, LotFormatValues *values);

extern const char *lottrace_lot_field_name(LotField field);

#endif							/* LOTTRACE_LOT_TEMPLATE_H */
