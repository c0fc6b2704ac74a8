/*
 * fefo_allocate.c
 *	  lottrace.allocate: a proposed pick list for a quantity of an item, in
 *	  fefo, fifo or lifo order (SPEC section 5).
 *
 * The arguments are checked here with the messages of
 * check_allocation_arguments (which reserve calls before it locks); the
 * walk is fefo_walk.c's, or fefo_sql.c's when the index cannot be read
 * directly; this file takes greedily what the walk offers and reports a
 * shortfall.
 */
#include "postgres.h"

#include "funcapi.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/datetime.h"
#include "utils/timestamp.h"
#include "utils/tuplestore.h"

#include "compat.h"
#include "fefo.h"

PG_FUNCTION_INFO_V1(lottrace_allocate);

pg_noreturn static void
invalid_argument(const char *message)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg_internal("%s", message)));
}

static const char *
numeric_text(Numeric value)
{
	return DatumGetCString(DirectFunctionCall1(numeric_out, NumericGetDatum(value)));
}

static int
numeric_compare(Numeric a, Numeric b)
{
	return DatumGetInt32(DirectFunctionCall2(numeric_cmp, NumericGetDatum(a), NumericGetDatum(b)));
}

static Numeric
numeric_minus(Numeric a, Numeric b)
{
	return DatumGetNumeric(DirectFunctionCall2(numeric_sub, NumericGetDatum(a), NumericGetDatum(b)));
}

static bool
numeric_positive(Numeric value)
{
	Numeric		zero = int64_to_numeric(0);

	return numeric_compare(value, zero) > 0;
}

/* Checks the arguments and fills *request; 22023 for what is not accepted. */
static void
read_arguments(FunctionCallInfo fcinfo, FefoRequest *request)
{
	const char *policy;
	Interval   *min_shelf_life;
	Interval	zero = {0};

	if (PG_ARGISNULL(0))
		invalid_argument("item must not be null");
	request->item = PG_GETARG_TEXT_PP(0);

	/* > 0 lets NaN and Infinity through: they sort above every number */
	if (PG_ARGISNULL(1))
		invalid_argument("quantity must be a positive number, not null");
	request->quantity = PG_GETARG_NUMERIC(1);
	if (!numeric_positive(request->quantity) || numeric_is_nan(request->quantity) ||
		numeric_is_inf(request->quantity))
		invalid_argument(psprintf("quantity must be a positive number, not %s",
								  numeric_text(request->quantity)));

	request->location = PG_ARGISNULL(2) ? NULL : PG_GETARG_TEXT_PP(2);

	policy = PG_ARGISNULL(3) ? NULL : text_to_cstring(PG_GETARG_TEXT_PP(3));
	if (policy != NULL && strcmp(policy, "fefo") == 0)
		request->policy = FEFO_POLICY_FEFO;
	else if (policy != NULL && strcmp(policy, "fifo") == 0)
		request->policy = FEFO_POLICY_FIFO;
	else if (policy != NULL && strcmp(policy, "lifo") == 0)
		request->policy = FEFO_POLICY_LIFO;
	else
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("unknown allocation policy \"%s\"", policy ? policy : "null"),
				 errhint("The policies are fefo, fifo and lifo.")));

	if (PG_ARGISNULL(4))
		invalid_argument("as_of must not be null");
	if (PG_ARGISNULL(5))
		invalid_argument("min_shelf_life must be zero or more, not null");
	min_shelf_life = PG_GETARG_INTERVAL_P(5);
	if (DatumGetInt32(DirectFunctionCall2(interval_cmp, IntervalPGetDatum(min_shelf_life),
										  IntervalPGetDatum(&zero))) < 0)
		invalid_argument(psprintf("min_shelf_life must be zero or more, not %s",
								  DatumGetCString(DirectFunctionCall1(interval_out,
																	  IntervalPGetDatum(min_shelf_life)))));
	if (PG_ARGISNULL(6))
		invalid_argument("allow_partial must not be null");

	/*
	 * A lot is usable through its expiry day, and must still be usable on
	 * as_of + min_shelf_life: (as_of + min_shelf_life)::date, as in SQL.
	 */
	request->bound = DatumGetDateADT(DirectFunctionCall1(timestamp_date,
														 DirectFunctionCall2(date_pl_interval,
																			 PG_GETARG_DATUM(4),
																			 IntervalPGetDatum(min_shelf_life))));
}

bool
lottrace_fefo_take(FefoPick *pick, int64 lot_id, Datum code, Datum location,
				   bool expires_null, DateADT expires_at, Numeric available)
{
	FefoLine   *line = palloc(sizeof(FefoLine));

	/* the walks offer only what is above zero: met when it covers the rest */
	bool		met = numeric_compare(available, pick->remaining) >= 0;

	line->lot_id = lot_id;
	line->code = PointerGetDatum(PG_DETOAST_DATUM_COPY(code));
	line->location = PointerGetDatum(PG_DETOAST_DATUM_COPY(location));
	line->expires_null = expires_null;
	line->expires_at = expires_at;
	if (met)
		line->quantity = pick->remaining;
	else
		line->quantity = DatumGetNumericCopy(NumericGetDatum(available));
	pick->remaining = numeric_minus(pick->remaining, line->quantity);
	pick->lines = lappend(pick->lines, line);
	return met;
}

Datum
lottrace_allocate(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	FefoRequest request;
	FefoPick	pick;
	const char *why_not;
	ListCell   *lc;

	read_arguments(fcinfo, &request);
	InitMaterializedSRF(fcinfo, 0);

	pick.remaining = request.quantity;
	pick.lines = NIL;
	if (!lottrace_fefo_walk_index(&request, &pick, &why_not))
	{
		elog(DEBUG1, "allocate walks with SQL: %s", why_not);
		lottrace_fefo_walk_sql(&request, &pick);
	}

	if (numeric_positive(pick.remaining) && !PG_GETARG_BOOL(6))
	{
		Numeric		available = numeric_minus(request.quantity, pick.remaining);
		char	   *item = text_to_cstring(request.item);

		ereport(ERROR,
				(errcode(MAKE_SQLSTATE('L', 'T', '0', '0', '1')),
				 errmsg("not enough stock of item \"%s\"%s", item,
						request.location ?
						psprintf(" at location \"%s\"", text_to_cstring(request.location)) : ""),
				 errdetail("Requested %s but only %s %s available; the shortfall is %s.",
						   numeric_text(request.quantity), numeric_text(available),
						   numeric_compare(available, int64_to_numeric(1)) == 0 ? "is" : "are",
						   numeric_text(pick.remaining)),
				 errhint("Pass allow_partial => true to take what there is.")));
	}

	foreach(lc, pick.lines)
	{
		FefoLine   *line = lfirst(lc);
		Datum		values[5];
		bool		nulls[5] = {false, false, false, line->expires_null, false};

		values[0] = Int64GetDatum(line->lot_id);
		values[1] = line->code;
		values[2] = line->location;
		values[3] = DateADTGetDatum(line->expires_at);
		values[4] = NumericGetDatum(line->quantity);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	return (Datum) 0;
}
