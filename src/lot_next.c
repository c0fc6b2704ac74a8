/*
 * lot_next.c
 *	  lot_next: the next code of a template's sequence.
 *
 * The counter lives in lottrace.lot_sequences, one row per template and
 * scope, the scope being the code with its sequence and check characters
 * blanked out ("2024-ATL-3-####").  Keying on the scope rather than on the
 * raw arguments means two calls share a counter exactly when they would
 * otherwise produce the same codes: a template with only a year counts per
 * year, one without a date counts forever.
 *
 * The increment is an INSERT … ON CONFLICT DO UPDATE, so concurrent callers
 * of one scope queue on its row lock and never see the same value, and a
 * rolled-back caller hands its number to the next one (no gaps).  The price
 * is that a second caller waits until the first one's transaction ends.
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "utils/builtins.h"
#include "utils/date.h"

#include "lot_template.h"

PG_FUNCTION_INFO_V1(lot_next);

static const char *const next_value_query =
"INSERT INTO lottrace.lot_sequences AS s (template, scope, last_value) "
"VALUES ($1, $2, 1) "
"ON CONFLICT (template, scope) "
"DO UPDATE SET last_value = s.last_value OPERATOR(pg_catalog.+) 1 "
"RETURNING s.last_value";

static SPIPlanPtr next_value_plan = NULL;

static int64
next_value(text *template_text, text *scope)
{
	Datum		args[2] = {PointerGetDatum(template_text), PointerGetDatum(scope)};
	int64		result;
	bool		isnull;

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	if (next_value_plan == NULL)
	{
		Oid			argtypes[2] = {TEXTOID, TEXTOID};
		SPIPlanPtr	plan = SPI_prepare(next_value_query, 2, argtypes);

		if (plan == NULL)
			elog(ERROR, "SPI_prepare failed: %s", SPI_result_code_string(SPI_result));
		SPI_keepplan(plan);
		next_value_plan = plan;
	}
	if (SPI_execute_plan(next_value_plan, args, NULL, false, 1) != SPI_OK_INSERT_RETURNING ||
		SPI_processed != 1)
		elog(ERROR, "could not advance lot sequence");
	result = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1,
										 &isnull));
	SPI_finish();
	return result;
}

/*
 * lot_next(template, production_date, facility, line, shift, variant)
 */
Datum
lot_next(PG_FUNCTION_ARGS)
{
	text	   *template_text;
	const LotTemplate *tmpl;
	const LotTemplateField *seq;
	LotFormatValues values = {0};
	char		code[LOT_MAX_LENGTH];
	int			len;
	int64		value;
	int64		limit = 1;

	if (PG_ARGISNULL(0))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("the lot template must not be null")));
	template_text = PG_GETARG_TEXT_PP(0);
	tmpl = &lottrace_lot_template_cached(fcinfo->flinfo, template_text)->compiled;
	seq = &tmpl->fields[LOT_FIELD_SEQUENCE];
	if (!seq->present)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("the template has no sequence field (N) to number lots with")));

	lottrace_lot_format_values_from_args(fcinfo, &values);
	values.variant = PG_ARGISNULL(5) ? NULL : PG_GETARG_TEXT_PP(5);

	/* Validates every argument before the counter is touched. */
	len = lottrace_lot_template_format(tmpl, &values, true, code);
	value = next_value(template_text, cstring_to_text_with_len(code, len));

	for (int i = 0; i < seq->width; i++)
		limit *= 10;
	if (value >= limit)
		ereport(ERROR,
				(errcode(ERRCODE_SEQUENCE_GENERATOR_LIMIT_EXCEEDED),
				 errmsg("lot sequence \"%.*s\" is exhausted", len, code),
				 errdetail("All %lld values of the %d-digit sequence field (N) have been used.",
						   (long long) (limit - 1), seq->width)));

	values.has_sequence = true;
	values.sequence = (int32) value;
	len = lottrace_lot_template_format(tmpl, &values, false, code);
	PG_RETURN_TEXT_P(cstring_to_text_with_len(code, len));
}
