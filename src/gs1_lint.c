/*
 * gs1_lint.c
 *	  gs1_lint(data): what is suspicious in GS1 data that follows the rules.
 *
 * In raw scanner data a variable-length value runs to the next group
 * separator (GS) or the end of the data, so gs1_parse reads it that way,
 * whatever its characters look like.  When an encoder or scanner dropped
 * the separator, the AIs that followed are inside the value: a lot
 * "ABC123" and an expiry (17)250100 read as the lot "ABC12317250100", valid
 * data that means something else.  GS1 gives no way to tell the two apart,
 * and refusing such data would refuse real lots (a lot "33650100138" looks
 * like a lot "3" and a volume (3650) "100138"), so the question is asked
 * here, on request, rather than in the parser.
 */
#include "postgres.h"

#include "funcapi.h"
#include "lib/stringinfo.h"
#include "utils/builtins.h"

#include "compat.h"
#include "gs1.h"

PG_FUNCTION_INFO_V1(lottrace_gs1_lint);

/* the text some scanners can be set to write for a group separator */
#define GS_TEXT "<GS>"
#define GS_TEXT_LENGTH 4

/*
 * The shortest predefined-length value that counts as evidence of a lost
 * separator: six characters (a date, a measure; GTINs, GLNs and SSCCs are
 * longer and carry a check digit) read as an AI too well to be chance,
 * where two or four digits (AI 20, a variant) would not.
 */
#define MIN_EVIDENCE_LENGTH 6

/* lottrace.gs1_lint's columns, in order */
enum
{
	LINT_POSITION,
	LINT_AI,
	LINT_PROBLEM,
	LINT_MESSAGE,
	LINT_ALTERNATIVE,
	LINT_NATTS
};

typedef struct LintOutput
{
	ReturnSetInfo *rsinfo;
	const Gs1Message *msg;
} LintOutput;

static void
emit(LintOutput *out, const char *at, const Gs1Element *el, const char *problem,
	 const char *message, const char *alternative)
{
	Datum		values[LINT_NATTS];
	bool		nulls[LINT_NATTS] = {false};

	values[LINT_POSITION] = Int32GetDatum(gs1_position(out->msg, at));
	values[LINT_AI] = CStringGetTextDatum(el->ai->code);
	values[LINT_PROBLEM] = CStringGetTextDatum(problem);
	values[LINT_MESSAGE] = CStringGetTextDatum(message);
	if (alternative != NULL)
		values[LINT_ALTERNATIVE] = CStringGetTextDatum(alternative);
	else
		nulls[LINT_ALTERNATIVE] = true;
	tuplestore_putvalues(out->rsinfo->setResult, out->rsinfo->setDesc, values, nulls);
}

/* The elements as a bracketed element string, "(" in values as "\(". */
static char *
bracketed(const Gs1Message *msg)
{
	StringInfoData buf;

	initStringInfo(&buf);
	for (int i = 0; i < msg->nelements; i++)
	{
		const Gs1Element *el = &msg->elements[i];

		appendStringInfo(&buf, "(%s)", el->ai->code);
		for (int k = 0; k < el->length; k++)
		{
			if (el->value[k] == '(')
				appendStringInfoChar(&buf, '\\');
			appendStringInfoChar(&buf, el->value[k]);
		}
	}
	return buf.data;
}

/*
 * The data read with a separator before value[at] of element "k": valid
 * GS1 data in its own right, whose part after the separator starts with a
 * predefined-length AI of at least MIN_EVIDENCE_LENGTH characters?  Fills
 * "alt" with that reading.
 */
static bool
reads_with_separator(const Gs1Message *msg, int k, int at, Gs1Message *alt)
{
	const Gs1Element *el = &msg->elements[k];
	const char *tail = el->value + at;
	int			rest = el->length - at;
	int			ai_length;
	const Gs1Ai *ai;
	Gs1Element *head;
	Gs1Error	ignored;

	if (rest < 2)
		return false;
	ai_length = gs1_ai_length(tail);
	if (ai_length == 0 || rest < ai_length)
		return false;
	ai = gs1_lookup_ai(tail, ai_length);
	if (ai == NULL || !(ai->flags & GS1_PREDEFINED_LENGTH) ||
		ai->max_length < MIN_EVIDENCE_LENGTH || rest < ai_length + ai->max_length)
		return false;

	alt->form = GS1_FORM_RAW;
	alt->input = msg->input;
	alt->end = msg->end;
	alt->npath = 0;
	memcpy(alt->elements, msg->elements, sizeof(Gs1Element) * (k + 1));
	alt->nelements = k + 1;
	head = &alt->elements[k];
	head->length = at;
	if (!gs1_validate_element(alt, head, &ignored) ||
		!gs1_scan_raw(alt, tail, el->value + el->length, &ignored))
		return false;
	if (alt->nelements + msg->nelements - (k + 1) > GS1_MAX_ELEMENTS)
		return false;
	memcpy(&alt->elements[alt->nelements], &msg->elements[k + 1],
		   sizeof(Gs1Element) * (msg->nelements - (k + 1)));
	alt->nelements += msg->nelements - (k + 1);
	for (int i = 0; i < alt->nelements; i++)
		alt->elements[i].duplicate = false;
	return gs1_validate_associations(alt, &ignored);
}

/*
 * Element "k", a variable-length value, place by place:
 *
 * - the text "<GS>": all CSET 82, so a valid part of a value, but what a
 *	 scanner set to spell out the group separator writes.  The alternative
 *	 is the data with a real separator there, if that is valid.
 * - a separator that may have been lost before the place: the data reads
 *	 as valid with one there.
 */
static void
lint_value(LintOutput *out, int k, Gs1Message *alt)
{
	const Gs1Message *msg = out->msg;
	const Gs1Element *el = &msg->elements[k];

	for (int at = 0; at < el->length; at++)
	{
		const char *p = el->value + at;

		if (at + GS_TEXT_LENGTH <= el->length &&
			pg_strncasecmp(p, GS_TEXT, GS_TEXT_LENGTH) == 0)
		{
			int			before = p - msg->input;
			int			after = msg->end - (p + GS_TEXT_LENGTH);
			char	   *replaced = palloc(before + 1 + after);
			Gs1Error	ignored;

			memcpy(replaced, msg->input, before);
			replaced[before] = '\x1d';
			memcpy(replaced + before + 1, p + GS_TEXT_LENGTH, after);
			emit(out, p, el, "separator_text",
				 psprintf("AI (%s) contains the text \"%.*s\" at position %d, which some scanners write for a group separator",
						  el->ai->code, GS_TEXT_LENGTH, p, gs1_position(msg, p)),
				 gs1_parse_message(replaced, before + 1 + after, alt, &ignored) ?
				 bracketed(alt) : NULL);
		}
		if (at > 0 && reads_with_separator(msg, k, at, alt))
			emit(out, p, el, "missing_separator",
				 psprintf("a group separator may be missing before AI (%s) at position %d: the value of AI (%s) would then be \"%.*s\"",
						  alt->elements[k + 1].ai->code, gs1_position(msg, p),
						  el->ai->code, at, el->value),
				 bracketed(alt));
	}
}

/*
 * gs1_lint(data text) → table (position, ai, problem, message, alternative)
 *
 * Raises like gs1_parse for data that breaks the rules; for valid data, one
 * row per suspicious place, in input order.  Only raw data can be
 * misread this way: the bracketed form and Digital Link URIs delimit every
 * value, and give no rows.
 */
Datum
lottrace_gs1_lint(PG_FUNCTION_ARGS)
{
	text	   *data = PG_GETARG_TEXT_PP(0);
	Gs1Message *msg = palloc(sizeof(Gs1Message));
	Gs1Message *alt = palloc(sizeof(Gs1Message));
	Gs1Error	err;
	LintOutput	out;

	if (!gs1_parse_message(VARDATA_ANY(data), VARSIZE_ANY_EXHDR(data), msg, &err))
		gs1_raise(&err, "GS1 data");

	InitMaterializedSRF(fcinfo, 0);
	out.rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	out.msg = msg;
	if (msg->form != GS1_FORM_RAW)
		return (Datum) 0;

	for (int k = 0; k < msg->nelements; k++)
	{
		if (msg->elements[k].ai->flags & GS1_PREDEFINED_LENGTH)
			continue;
		lint_value(&out, k, alt);
	}
	return (Datum) 0;
}
