/*
 * lot_text.c
 *	  The text functions BI tools call on a lot column: lower, upper,
 *	  length, LIKE and ILIKE.
 *
 * A lot converts to text only by an assignment or explicit cast, so that a
 * lot operator missing from the search_path is an error instead of a text
 * operator quietly answering something else.  The price is that text
 * functions no longer take a lot as it is; these are the ones query
 * builders generate for a text-like column ("contains", "starts with",
 * case-insensitive filters, length fingerprints).  A lot is stored exactly
 * like text, so each hands the value to the built-in text function.
 *
 * A lot is not collatable, so a call such as lower(code) has no input
 * collation; the built-ins need one for case mapping and ILIKE.  They get
 * the pattern's collation where there is one and otherwise the database
 * default, which is what the same call on code::text would use.
 */
#include "postgres.h"

#include "catalog/pg_collation.h"
#include "fmgr.h"
#include "utils/fmgrprotos.h"

#include "lot.h"

PG_FUNCTION_INFO_V1(lot_lower);
PG_FUNCTION_INFO_V1(lot_upper);
PG_FUNCTION_INFO_V1(lot_length);
PG_FUNCTION_INFO_V1(lot_like);
PG_FUNCTION_INFO_V1(lot_not_like);
PG_FUNCTION_INFO_V1(lot_ilike);
PG_FUNCTION_INFO_V1(lot_not_ilike);

static Oid
text_collation(FunctionCallInfo fcinfo)
{
	Oid			collation = PG_GET_COLLATION();

	return OidIsValid(collation) ? collation : DEFAULT_COLLATION_OID;
}

Datum
lot_lower(PG_FUNCTION_ARGS)
{
	return DirectFunctionCall1Coll(lower, text_collation(fcinfo), PG_GETARG_DATUM(0));
}

Datum
lot_upper(PG_FUNCTION_ARGS)
{
	return DirectFunctionCall1Coll(upper, text_collation(fcinfo), PG_GETARG_DATUM(0));
}

/* Every character of a lot is ASCII, so its length is its size in bytes. */
Datum
lot_length(PG_FUNCTION_ARGS)
{
	text	   *code = PG_GETARG_LOT_PP(0);

	PG_RETURN_INT32(VARSIZE_ANY_EXHDR(code));
}

Datum
lot_like(PG_FUNCTION_ARGS)
{
	return DirectFunctionCall2Coll(textlike, text_collation(fcinfo),
								   PG_GETARG_DATUM(0), PG_GETARG_DATUM(1));
}

Datum
lot_not_like(PG_FUNCTION_ARGS)
{
	return DirectFunctionCall2Coll(textnlike, text_collation(fcinfo),
								   PG_GETARG_DATUM(0), PG_GETARG_DATUM(1));
}

Datum
lot_ilike(PG_FUNCTION_ARGS)
{
	return DirectFunctionCall2Coll(texticlike, text_collation(fcinfo),
								   PG_GETARG_DATUM(0), PG_GETARG_DATUM(1));
}

Datum
lot_not_ilike(PG_FUNCTION_ARGS)
{
	return DirectFunctionCall2Coll(texticnlike, text_collation(fcinfo),
								   PG_GETARG_DATUM(0), PG_GETARG_DATUM(1));
}
