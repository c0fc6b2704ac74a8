/*
 * lot_template_funcs.c
 *	  SQL functions over lot templates: lot_parse, the @@ operator and
 *	  lot_format.
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "datatype/timestamp.h"
#include "funcapi.h"
#include "utils/builtins.h"
#include "utils/date.h"
#include "utils/datetime.h"

#include "lot_template.h"

PG_FUNCTION_INFO_V1(lot_parse);
PG_FUNCTION_INFO_V1(lot_matches);
PG_FUNCTION_INFO_V1(lot_format);

/* lottrace.lot_parts, in column order */
enum
{
	PARTS_PRODUCTION_DATE,
	PARTS_FACILITY,
	PARTS_LINE,
	PARTS_SHIFT,
	PARTS_SEQUENCE,
	PARTS_VARIANT,
	PARTS_NATTS
};

/*
 * The production date, when the template pins down a whole date: year with
 * month and day, or year with day of year.  Partial dates (a year alone, a
 * month and day without year) are validated but give no date.
 */
static bool
production_date(const LotParts *parts, DateADT *result)
{
	int			julian;

	if (parts->year < 0)
		return false;
	if (parts->month > 0 && parts->day > 0)
		julian = date2j(parts->year, parts->month, parts->day);
	else if (parts->day_of_year > 0)
		julian = date2j(parts->year, 1, 1) + parts->day_of_year - 1;
	else
		return false;
	*result = julian - POSTGRES_EPOCH_JDATE;
	return true;
}

static Datum
field_text(const LotTemplate *tmpl, LotField field, const char *code, bool *isnull)
{
	const LotTemplateField *f = &tmpl->fields[field];

	*isnull = !f->present;
	return f->present ? PointerGetDatum(cstring_to_text_with_len(code + f->start, f->width)) : (Datum) 0;
}

Datum
lot_parse(PG_FUNCTION_ARGS)
{
	text	   *code = PG_GETARG_LOT_PP(0);
	LotTemplateCache *cache = lottrace_lot_template_cached(fcinfo->flinfo, PG_GETARG_TEXT_PP(1));
	const LotTemplate *tmpl = &cache->compiled;
	const char *s = VARDATA_ANY(code);
	int			len = VARSIZE_ANY_EXHDR(code);
	LotParts	parts;
	LotMismatch mismatch;
	Datum		values[PARTS_NATTS];
	bool		nulls[PARTS_NATTS];
	DateADT		date = 0;

	if (!lottrace_lot_template_match(tmpl, s, len, &parts, &mismatch))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
				 errmsg("lot code \"%.*s\" does not match the template at position %d: %s",
						len, s, mismatch.position + 1,
						lottrace_lot_mismatch_describe(tmpl, s, len, &mismatch))));

	/* Looking the row type up costs more than parsing: once per call site. */
	if (cache->result_desc == NULL)
	{
		TupleDesc	desc;
		MemoryContext old_context;

		if (get_call_result_type(fcinfo, NULL, &desc) != TYPEFUNC_COMPOSITE)
			elog(ERROR, "lot_parse must return a composite type");
		old_context = MemoryContextSwitchTo(fcinfo->flinfo->fn_mcxt);
		cache->result_desc = BlessTupleDesc(CreateTupleDescCopy(desc));
		MemoryContextSwitchTo(old_context);
	}

	nulls[PARTS_PRODUCTION_DATE] = !production_date(&parts, &date);
	values[PARTS_PRODUCTION_DATE] = DateADTGetDatum(date);
	values[PARTS_FACILITY] = field_text(tmpl, LOT_FIELD_FACILITY, s, &nulls[PARTS_FACILITY]);
	values[PARTS_LINE] = field_text(tmpl, LOT_FIELD_LINE, s, &nulls[PARTS_LINE]);
	nulls[PARTS_SHIFT] = parts.shift < 0;
	values[PARTS_SHIFT] = Int32GetDatum(parts.shift);
	nulls[PARTS_SEQUENCE] = parts.sequence < 0;
	values[PARTS_SEQUENCE] = Int32GetDatum(parts.sequence);
	values[PARTS_VARIANT] = field_text(tmpl, LOT_FIELD_VARIANT, s, &nulls[PARTS_VARIANT]);

	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(cache->result_desc, values, nulls)));
}

/* lot @@ template: never raises for a code, only for a bad template */
Datum
lot_matches(PG_FUNCTION_ARGS)
{
	text	   *code = PG_GETARG_LOT_PP(0);
	const LotTemplate *tmpl = &lottrace_lot_template_cached(fcinfo->flinfo, PG_GETARG_TEXT_PP(1))->compiled;
	LotParts	parts;
	LotMismatch mismatch;

	PG_RETURN_BOOL(lottrace_lot_template_match(tmpl, VARDATA_ANY(code),
											   VARSIZE_ANY_EXHDR(code),
											   &parts, &mismatch));
}

void
lottrace_lot_format_values_from_args(FunctionCallInfo fcinfo, LotFormatValues *values)
{
	values->has_date = !PG_ARGISNULL(1);
	values->date = values->has_date ? PG_GETARG_DATEADT(1) : 0;
	values->facility = PG_ARGISNULL(2) ? NULL : PG_GETARG_TEXT_PP(2);
	values->line = PG_ARGISNULL(3) ? NULL : PG_GETARG_TEXT_PP(3);
	values->has_shift = !PG_ARGISNULL(4);
	values->shift = values->has_shift ? PG_GETARG_INT32(4) : 0;
}

/*
 * lot_format(template, production_date, facility, line, shift, sequence,
 * variant); not strict, since most fields are optional.
 */
Datum
lot_format(PG_FUNCTION_ARGS)
{
	const LotTemplate *tmpl;
	LotFormatValues values;
	char		code[LOT_MAX_LENGTH];
	int			len;

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	tmpl = &lottrace_lot_template_cached(fcinfo->flinfo, PG_GETARG_TEXT_PP(0))->compiled;

	lottrace_lot_format_values_from_args(fcinfo, &values);
	values.has_sequence = !PG_ARGISNULL(5);
	values.sequence = values.has_sequence ? PG_GETARG_INT32(5) : 0;
	values.variant = PG_ARGISNULL(6) ? NULL : PG_GETARG_TEXT_PP(6);

	len = lottrace_lot_template_format(tmpl, &values, false, code);
	PG_RETURN_TEXT_P(cstring_to_text_with_len(code, len));
}
