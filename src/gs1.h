/*
 * gs1.h
 *	  GS1 barcode data: the Application Identifier (AI) dictionary, the
 *	  scanners for the three input forms (bracketed element strings, raw
 *	  scanner data, Digital Link URIs) and the rules an AI value must follow.
 *
 * Parsing never raises: the scanners and validators fill a Gs1Error and
 * return false, so that gs1_valid() can answer for any input and only the
 * functions that must fail turn the error into an ereport().
 */
#ifndef LOTTRACE_GS1_H
#define LOTTRACE_GS1_H

#include "utils/date.h"

#include "compat.h"

#define GS1_MAX_AI_LENGTH		4
#define GS1_MAX_COMPONENTS		5
#define GS1_MAX_LINTERS			3

/*
 * A bound on the AIs one input may carry: far more than any symbol holds,
 * and it keeps the pairwise rules (duplicates, requisites) cheap.
 */
#define GS1_MAX_ELEMENTS		128

/* GTIN-14, the length every GTIN is normalized to */
#define GTIN_LENGTH				14

/*
 * The dictionary as transcribed in gs1_ai_table.c: one row per entry of the
 * GS1 Barcode Syntax Dictionary, ranges of AIs sharing a row.
 */
#define GS1_PREDEFINED_LENGTH	0x01	/* "*": no separator needed after it */
#define GS1_DL_DATA_ATTRIBUTE	0x02	/* "?": allowed in a Digital Link query */

typedef struct Gs1AiRow
{
	const char *first;			/* first AI of the range */
	const char *last;			/* last AI of the range (same for one AI) */
	uint8		flags;			/* GS1_PREDEFINED_LENGTH, GS1_DL_DATA_ATTRIBUTE */
	const char *format;			/* components, e.g. "N13,csum,gcppos1 [X..17]" */
	const char *requires;		/* groups separated by " ", each "01,02+21,31nn" */
	const char *excludes;		/* "01,03,310n", or NULL */
	const char *dl_qualifiers;	/* NULL unless a Digital Link primary key;
								 * then "" or "22,10,21|235" */
	const char *title;
} Gs1AiRow;

extern const Gs1AiRow gs1_ai_rows[];
extern const int gs1_ai_row_count;
extern const char gs1_dictionary_release[];

/* Code lists the dictionary's linters check values against. */
extern const uint16 gs1_iso3166_numeric[];
extern const int gs1_iso3166_numeric_count;
extern const char gs1_iso3166_alpha2[][3];
extern const int gs1_iso3166_alpha2_count;
extern const uint16 gs1_iso4217_numeric[];
extern const int gs1_iso4217_numeric_count;
extern const char gs1_package_types[][4];
extern const int gs1_package_type_count;

/* Digital Link short names ("gtin", "lot", ...) for key and qualifier AIs. */
typedef struct Gs1ShortName
{
	const char *name;
	const char *ai;
} Gs1ShortName;

extern const Gs1ShortName gs1_short_names[];
extern const int gs1_short_name_count;

/* A component's character set: N digits, X CSET 82, Y CSET 39, Z CSET 64. */
typedef enum Gs1Cset
{
	GS1_CSET_N,
	GS1_CSET_82,
	GS1_CSET_39,
	GS1_CSET_64
} Gs1Cset;

/* The content rules ("linters") the dictionary names, by name. */
typedef enum Gs1Linter
{
	GS1_LINT_NONE = 0,
	GS1_LINT_CSUM,
	GS1_LINT_CSUMALPHA,
	GS1_LINT_GCPPOS1,
	GS1_LINT_GCPPOS2,
	GS1_LINT_YYMMD0,
	GS1_LINT_YYMMDD,
	GS1_LINT_YYYYMMDD,
	GS1_LINT_HH,
	GS1_LINT_MI,
	GS1_LINT_SS,
	GS1_LINT_HHMI,
	GS1_LINT_ISO3166,
	GS1_LINT_ISO3166999,
	GS1_LINT_ISO3166ALPHA2,
	GS1_LINT_ISO4217,
	GS1_LINT_ISO5218,
	GS1_LINT_PCENC,
	GS1_LINT_HYPHEN,
	GS1_LINT_YESNO,
	GS1_LINT_NONZERO,
	GS1_LINT_ZERO,
	GS1_LINT_WINDING,
	GS1_LINT_PIECEOFTOTAL,
	GS1_LINT_IBAN,
	GS1_LINT_HASNONDIGIT,
	GS1_LINT_NOZEROPREFIX,
	GS1_LINT_MEDIATYPE,
	GS1_LINT_POSINSEQSLASH,
	GS1_LINT_IMPORTERIDX,
	GS1_LINT_PACKAGETYPE,
	GS1_LINT_COUPONCODE,
	GS1_LINT_COUPONPOSOFFER,
	GS1_LINT_LATITUDE,
	GS1_LINT_LONGITUDE
} Gs1Linter;

typedef struct Gs1Component
{
	uint8		cset;			/* Gs1Cset */
	uint8		min_length;
	uint8		max_length;
	bool		optional;
	uint8		linters[GS1_MAX_LINTERS];	/* Gs1Linter, GS1_LINT_NONE ends */
} Gs1Component;

/* One AI, compiled from its dictionary row. */
typedef struct Gs1Ai
{
	char		code[GS1_MAX_AI_LENGTH + 1];
	uint8		code_length;
	uint8		flags;
	uint8		ncomponents;
	uint8		min_length;		/* of the whole value */
	uint8		max_length;
	bool		has_date;		/* a YYMMDD component: strong evidence of an AI */
	bool		has_check_digit;
	Gs1Component components[GS1_MAX_COMPONENTS];
	const Gs1AiRow *row;
} Gs1Ai;

/* The AI "digits" (exactly "len" of them), or NULL if the dictionary lacks it. */
extern const Gs1Ai *gs1_lookup_ai(const char *digits, int len);

/*
 * How many digits the AI starting with these two digits has (2 to 4), or 0
 * when no AI starts with them.
 */
extern int	gs1_ai_length(const char *two_digits);

/* The AI a Digital Link short name stands for, or NULL. */
extern const Gs1Ai *gs1_lookup_short_name(const char *name, int len);

/* What went wrong, ready to be raised or ignored. */
#define GS1_ERROR_TEXT_LENGTH	512

typedef struct Gs1Error
{
	bool		failed;
	char		message[GS1_ERROR_TEXT_LENGTH];
	char		detail[GS1_ERROR_TEXT_LENGTH];
	char		hint[GS1_ERROR_TEXT_LENGTH];
} Gs1Error;

/* Records the first error only; returns false so callers can "return gs1_fail(…)". */
extern bool gs1_fail(Gs1Error *err, const char *fmt,...) pg_attribute_printf(2, 3);
extern void gs1_fail_detail(Gs1Error *err, const char *fmt,...) pg_attribute_printf(2, 3);
extern void gs1_fail_hint(Gs1Error *err, const char *fmt,...) pg_attribute_printf(2, 3);

/*
 * Input quoted in an error message is cut to this many bytes (at a
 * character boundary) and "..." marks the cut: messages go to clients and
 * server logs, and a megabyte of input has no place there.
 */
#define GS1_ECHO_LENGTH			60

/* The input to quote in an error message, cut to GS1_ECHO_LENGTH. */
extern char *gs1_echo(const char *s, int len);

/* ereport(ERROR), SQLSTATE 22P02: "invalid <subject>: <message>". */
pg_noreturn extern void gs1_raise(const Gs1Error *err, const char *subject);

typedef enum Gs1Form
{
	GS1_FORM_BRACKETED,
	GS1_FORM_RAW,
	GS1_FORM_DIGITAL_LINK
} Gs1Form;

typedef struct Gs1Element
{
	const Gs1Ai *ai;
	const char *value;			/* not NUL-terminated */
	int			length;
	/*
	 * Where the value starts in the input, for error positions; NULL when
	 * the value was decoded (Digital Link percent-encoding), and positions
	 * then count within the value.
	 */
	const char *source;
	bool		duplicate;		/* repeats an earlier element exactly */
} Gs1Element;

typedef struct Gs1Message
{
	Gs1Form		form;
	const char *input;			/* the text as given, for positions */
	const char *end;
	int			nelements;
	int			npath;			/* Digital Link: elements[0..npath) are the
								 * path, key first */
	Gs1Element	elements[GS1_MAX_ELEMENTS];
} Gs1Message;

/*
 * Parse and validate GS1 data in any of the three forms.  Returns false and
 * fills "err" on the first problem; never raises for bad input.
 */
extern bool gs1_parse_message(const char *input, int len, Gs1Message *msg, Gs1Error *err);

/*
 * Raw data from "p" to "end" (no symbology identifier or leading FNC1)
 * added to msg's elements, each validated; the rules between AIs are left
 * to the caller.  gs1_lint() reads the other readings of a value with it.
 */
extern bool gs1_scan_raw(Gs1Message *msg, const char *p, const char *end, Gs1Error *err);

/* Rules of one AI value: length, character set, check digits, dates, ... */
extern bool gs1_validate_element(const Gs1Message *msg, const Gs1Element *el, Gs1Error *err);

/* Rules between AIs: duplicates, requisite AIs, mutually exclusive AIs. */
extern bool gs1_validate_associations(Gs1Message *msg, Gs1Error *err);

/* "at position 12" or "at position 3 of the value", for an error message. */
extern char *gs1_where(const Gs1Message *msg, const Gs1Element *el, int offset);

/* 1-based character position of "p" within the input. */
extern int	gs1_position(const Gs1Message *msg, const char *p);

/* The element carrying "ai", or NULL. */
extern const Gs1Element *gs1_find(const Gs1Message *msg, const char *ai);

/*
 * The four-digit year a GS1 two-digit year stands for, seen from
 * "reference_year": within 49 years before and 50 after it.
 */
extern int	gs1_full_year(int yy, int reference_year);

/*
 * A YYMMDD value as a date; day 00 is the last day of the month.  Returns
 * false if the date does not exist in the year the century window gives.
 */
extern bool gs1_date(const char *yymmdd, int reference_year, DateADT *result);

/* GTIN-8/12/13/14 to GTIN-14: false (and err filled) if not a valid GTIN. */
extern bool gs1_normalize_gtin(const char *str, int len, char *gtin14, Gs1Error *err);
extern bool gs1_normalize_gtin_text(text *gtin, char *gtin14, Gs1Error *err);

#endif							/* LOTTRACE_GS1_H */
