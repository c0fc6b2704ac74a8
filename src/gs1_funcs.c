/*
 * gs1_funcs.c
 *	  SQL functions reading GS1 data: gs1_parse, gs1_decode, gs1_valid,
 *	  gtin_valid and gtin_normalize.
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "funcapi.h"
#include "utils/builtins.h"
#include "utils/date.h"
#include "utils/datetime.h"
#include "utils/jsonb.h"
#include "utils/numeric.h"

#include "charset.h"
#include "gs1.h"
#include "lot.h"

/*
 * The entry points keep the names of their SQL functions, as the released
 * 0.1.0 install script links them (AS 'MODULE_PATHNAME'): CREATE EXTENSION
 * lottrace VERSION '0.1.0', and an installation not yet updated, look them
 * up by those names in this library.
 */
PG_FUNCTION_INFO_V1(gs1_parse);
PG_FUNCTION_INFO_V1(gs1_decode);
PG_FUNCTION_INFO_V1(gs1_decode_at);
PG_FUNCTION_INFO_V1(gs1_valid);
PG_FUNCTION_INFO_V1(gtin_valid);
PG_FUNCTION_INFO_V1(gtin_normalize);

/* lottrace.gs1_data, in column order */
enum
{
	DATA_GTIN,
	DATA_LOT,
	DATA_SERIAL,
	DATA_EXPIRY,
	DATA_BEST_BEFORE,
	DATA_SELL_BY,
	DATA_PRODUCTION_DATE,
	DATA_PACK_DATE,
	DATA_SSCC,
	DATA_COUNT,
	DATA_NET_WEIGHT_KG,
	DATA_AIS,
	DATA_NATTS
};

/* Parse, raising the first problem found. */
static void
parse_or_raise(text *data, Gs1Message *msg)
{
	Gs1Error	err;

	if (!gs1_parse_message(VARDATA_ANY(data), VARSIZE_ANY_EXHDR(data), msg, &err))
		gs1_raise(&err, "GS1 data");
}

/* Every AI and its value as a jsonb object (duplicates once). */
static Jsonb *
elements_to_jsonb(const Gs1Message *msg)
{
	JsonbParseState *state = NULL;
	JsonbValue *result;

	pushJsonbValue(&state, WJB_BEGIN_OBJECT, NULL);
	for (int i = 0; i < msg->nelements; i++)
	{
		const Gs1Element *el = &msg->elements[i];
		JsonbValue	key;
		JsonbValue	value;

		if (el->duplicate)
			continue;
		key.type = jbvString;
		key.val.string.val = (char *) el->ai->code;
		key.val.string.len = el->ai->code_length;
		value.type = jbvString;
		value.val.string.val = (char *) el->value;
		value.val.string.len = el->length;
		pushJsonbValue(&state, WJB_KEY, &key);
		pushJsonbValue(&state, WJB_VALUE, &value);
	}
	result = pushJsonbValue(&state, WJB_END_OBJECT, NULL);
	return JsonbValueToJsonb(result);
}

Datum
gs1_parse(PG_FUNCTION_ARGS)
{
	text	   *data = PG_GETARG_TEXT_PP(0);
	Gs1Message *msg = palloc(sizeof(Gs1Message));

	parse_or_raise(data, msg);
	PG_RETURN_JSONB_P(elements_to_jsonb(msg));
}

Datum
gs1_valid(PG_FUNCTION_ARGS)
{
	text	   *data = PG_GETARG_TEXT_PP(0);
	Gs1Message *msg = palloc(sizeof(Gs1Message));
	Gs1Error	err;

	PG_RETURN_BOOL(gs1_parse_message(VARDATA_ANY(data), VARSIZE_ANY_EXHDR(data), msg, &err));
}

static Datum
text_datum(const Gs1Element *el)
{
	return PointerGetDatum(cstring_to_text_with_len(el->value, el->length));
}

static Datum
date_datum(const Gs1Element *el, int reference_year)
{
	DateADT		date;

	if (!gs1_date(el->value, reference_year, &date))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
				 errmsg("invalid GS1 data: AI (%s): date \"%.*s\" does not exist in %d",
						el->ai->code, el->length, el->value,
						gs1_full_year((el->value[0] - '0') * 10 + el->value[1] - '0',
									  reference_year))));
	return DateADTGetDatum(date);
}

/* An integer of up to 8 digits (AIs 30, 37) as numeric. */
static Datum
count_datum(const Gs1Element *el)
{
	int64		count = 0;

	for (int i = 0; i < el->length; i++)
		count = count * 10 + (el->value[i] - '0');
	return DirectFunctionCall1(int8_numeric, Int64GetDatum(count));
}

/* AI 310n: six digits with n decimals, n the AI's last digit. */
static Datum
measure_datum(const Gs1Element *el)
{
	int			decimals = el->ai->code[3] - '0';
	char		buf[16];
	int			integer_digits = el->length - decimals;

	snprintf(buf, sizeof(buf), "%.*s.%.*s", integer_digits, el->value,
			 decimals, el->value + integer_digits);
	return DirectFunctionCall3(numeric_in, CStringGetDatum(buf),
							   ObjectIdGetDatum(InvalidOid), Int32GetDatum(-1));
}

/* The result row type, looked up once per call site. */
static TupleDesc
gs1_data_tupdesc(FunctionCallInfo fcinfo)
{
	TupleDesc	tupdesc = (TupleDesc) fcinfo->flinfo->fn_extra;

	if (tupdesc == NULL)
	{
		MemoryContext old;

		if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
			ereport(ERROR,
					(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
					 errmsg("function returning record called in context that cannot accept type record")));
		if (tupdesc->natts != DATA_NATTS)
			elog(ERROR, "lottrace.gs1_data has %d attributes, expected %d",
				 tupdesc->natts, DATA_NATTS);
		old = MemoryContextSwitchTo(fcinfo->flinfo->fn_mcxt);
		tupdesc = BlessTupleDesc(CreateTupleDescCopy(tupdesc));
		MemoryContextSwitchTo(old);
		fcinfo->flinfo->fn_extra = tupdesc;
	}
	return tupdesc;
}

static Datum
decode(FunctionCallInfo fcinfo, text *data, int reference_year)
{
	Gs1Message *msg = palloc(sizeof(Gs1Message));
	TupleDesc	tupdesc = gs1_data_tupdesc(fcinfo);
	Datum		values[DATA_NATTS];
	bool		nulls[DATA_NATTS];
	const Gs1Element *el;

	parse_or_raise(data, msg);
	memset(nulls, true, sizeof(nulls));

	/* a trade item's GTIN, or that of the items a logistic unit contains */
	if ((el = gs1_find(msg, "01")) != NULL ||
		(el = gs1_find(msg, "02")) != NULL ||
		(el = gs1_find(msg, "03")) != NULL)
	{
		values[DATA_GTIN] = text_datum(el);
		nulls[DATA_GTIN] = false;
	}
	if ((el = gs1_find(msg, "10")) != NULL)
	{
		values[DATA_LOT] = PointerGetDatum(lottrace_lot_from_chars(el->value, el->length));
		nulls[DATA_LOT] = false;
	}
	if ((el = gs1_find(msg, "21")) != NULL)
	{
		values[DATA_SERIAL] = text_datum(el);
		nulls[DATA_SERIAL] = false;
	}
	if ((el = gs1_find(msg, "17")) != NULL)
	{
		values[DATA_EXPIRY] = date_datum(el, reference_year);
		nulls[DATA_EXPIRY] = false;
	}
	if ((el = gs1_find(msg, "15")) != NULL)
	{
		values[DATA_BEST_BEFORE] = date_datum(el, reference_year);
		nulls[DATA_BEST_BEFORE] = false;
	}
	if ((el = gs1_find(msg, "16")) != NULL)
	{
		values[DATA_SELL_BY] = date_datum(el, reference_year);
		nulls[DATA_SELL_BY] = false;
	}
	if ((el = gs1_find(msg, "11")) != NULL)
	{
		values[DATA_PRODUCTION_DATE] = date_datum(el, reference_year);
		nulls[DATA_PRODUCTION_DATE] = false;
	}
	if ((el = gs1_find(msg, "13")) != NULL)
	{
		values[DATA_PACK_DATE] = date_datum(el, reference_year);
		nulls[DATA_PACK_DATE] = false;
	}
	if ((el = gs1_find(msg, "00")) != NULL)
	{
		values[DATA_SSCC] = text_datum(el);
		nulls[DATA_SSCC] = false;
	}
	if ((el = gs1_find(msg, "30")) != NULL || (el = gs1_find(msg, "37")) != NULL)
	{
		values[DATA_COUNT] = count_datum(el);
		nulls[DATA_COUNT] = false;
	}
	for (int i = 0; i < msg->nelements; i++)
	{
		el = &msg->elements[i];
		if (strncmp(el->ai->code, "310", 3) == 0)
		{
			values[DATA_NET_WEIGHT_KG] = measure_datum(el);
			nulls[DATA_NET_WEIGHT_KG] = false;
			break;
		}
	}
	values[DATA_AIS] = JsonbPGetDatum(elements_to_jsonb(msg));
	nulls[DATA_AIS] = false;

	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(tupdesc, values, nulls)));
}

static int
year_of(DateADT date)
{
	int			year,
				month,
				day;

	j2date(date + POSTGRES_EPOCH_JDATE, &year, &month, &day);
	return year;
}

/* gs1_decode(data text): two-digit years seen from today */
Datum
gs1_decode(PG_FUNCTION_ARGS)
{
	return decode(fcinfo, PG_GETARG_TEXT_PP(0), year_of(GetSQLCurrentDate()));
}

/* gs1_decode(data text, reference date): seen from the given date */
Datum
gs1_decode_at(PG_FUNCTION_ARGS)
{
	DateADT		reference = PG_GETARG_DATEADT(1);

	if (DATE_NOT_FINITE(reference))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("reference date must be finite")));
	return decode(fcinfo, PG_GETARG_TEXT_PP(0), year_of(reference));
}

/* The GTIN argument as 14 digits, surrounding white space ignored. */
bool
gs1_normalize_gtin_text(text *gtin, char *gtin14, Gs1Error *err)
{
	const char *p = VARDATA_ANY(gtin);
	const char *end = p + VARSIZE_ANY_EXHDR(gtin);

	while (p < end && is_trimmable_space((unsigned char) *p))
		p++;
	while (end > p && is_trimmable_space((unsigned char) end[-1]))
		end--;
	return gs1_normalize_gtin(p, end - p, gtin14, err);
}

Datum
gtin_valid(PG_FUNCTION_ARGS)
{
	char		gtin14[GTIN_LENGTH + 1];
	Gs1Error	err;

	PG_RETURN_BOOL(gs1_normalize_gtin_text(PG_GETARG_TEXT_PP(0), gtin14, &err));
}

Datum
gtin_normalize(PG_FUNCTION_ARGS)
{
	char		gtin14[GTIN_LENGTH + 1];
	Gs1Error	err;

	if (!gs1_normalize_gtin_text(PG_GETARG_TEXT_PP(0), gtin14, &err))
		gs1_raise(&err, "GTIN");
	PG_RETURN_TEXT_P(cstring_to_text_with_len(gtin14, GTIN_LENGTH));
}
