/*
 * trace_funcs.c
 *	  The SQL-callable trace functions: trace_forward, trace_backward (one
 *	  root or an array), trace_edges and is_descendant.
 *
 * Each has its own C symbol, so that a profile or a backtrace names the
 * function the user called.  Results go through a tuplestore (materialize
 * mode), which spills to disk past work_mem.
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "access/tupmacs.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/memutils.h"
#include "utils/tuplestore.h"

#include "citus.h"
#include "compat.h"
#include "lotset.h"
#include "trace.h"

PG_FUNCTION_INFO_V1(trace_forward_one);
PG_FUNCTION_INFO_V1(trace_forward_many);
PG_FUNCTION_INFO_V1(trace_backward_one);
PG_FUNCTION_INFO_V1(trace_backward_many);
PG_FUNCTION_INFO_V1(trace_edges);
PG_FUNCTION_INFO_V1(is_descendant);

int32
lottrace_trace_max_depth_arg(FunctionCallInfo fcinfo, int argno)
{
	int32		max_depth;

	if (PG_ARGISNULL(argno))
		return -1;
	max_depth = PG_GETARG_INT32(argno);
	if (max_depth < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("max_depth must not be negative"),
				 errhint("Pass NULL for no bound.")));
	return max_depth;
}

LotSet *
lottrace_trace_roots_arg(FunctionCallInfo fcinfo, int argno, int64 *nroots)
{
	if (PG_ARGISNULL(argno))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("root lot ids must not be null")));
	return lottrace_trace_roots_from_array(PG_GETARG_ARRAYTYPE_P(argno), nroots);
}

static LotSet *
trace_root_arg(FunctionCallInfo fcinfo, int argno, int64 *nroots)
{
	LotSet	   *root = lotset_create_in(CurrentMemoryContext, 1);

	if (PG_ARGISNULL(argno))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("root lot id must not be null")));
	lotset_add(root, PG_GETARG_INT64(argno));
	*nroots = 1;
	return root;
}

TraceWay
lottrace_trace_direction_arg(FunctionCallInfo fcinfo, int argno)
{
	char	   *direction;

	if (PG_ARGISNULL(argno))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("direction must not be null")));
	direction = text_to_cstring(PG_GETARG_TEXT_PP(argno));
	if (strcmp(direction, "forward") == 0)
		return TRACE_WAY_FORWARD;
	if (strcmp(direction, "backward") == 0)
		return TRACE_WAY_BACKWARD;
	if (strcmp(direction, "both") == 0)
		return TRACE_WAY_BOTH;
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("invalid trace direction \"%s\"", direction),
			 errhint("Valid directions are \"forward\", \"backward\" and \"both\".")));
	return TRACE_WAY_BOTH;		/* keep compiler quiet */
}

bool
lottrace_trace_respect_time_arg(FunctionCallInfo fcinfo, int argno)
{
	if (PG_NARGS() <= argno)
		return false;
	if (PG_ARGISNULL(argno))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("respect_time must not be null")));
	return PG_GETARG_BOOL(argno);
}

/*
 * The memory of result rows, kept from one call to the next.  A trace
 * writes its rows into a tuplestore (up to work_mem in memory), whose
 * memory went back to malloc with the query's: glibc then returned it to
 * the kernel, and the next trace's rows paid a page fault for every page
 * they were written to, on a wide trace as much as a third of the call.  The
 * tuplestores of traces are made in this context instead; the executor
 * still ends them (tuplestore_end frees their rows into it, for the next
 * trace to reuse).  Once no query that made one is left (on success or
 * error), a context grown past work_mem is emptied, so that a backend keeps
 * at most that much between traces.
 */
static MemoryContext result_cxt = NULL;
static int	live_results = 0;	/* queries counted, not yet gone */
static MemoryContext counted_query = NULL;	/* the last one counted */

static void
result_query_gone(void *arg)
{
	if (counted_query == (MemoryContext) arg)
		counted_query = NULL;
	if (--live_results == 0 &&
		MemoryContextMemAllocated(result_cxt, false) > (Size) work_mem * 1024)
		MemoryContextReset(result_cxt);
}

/*
 * Materialize mode, as InitMaterializedSRF sets it up but for the context
 * of the tuplestore (above).  The row type is the one the executor expects
 * of the function when it gives one (a function scan, a set-returning
 * function in a target list): building it from the function's catalog entry
 * (its OUT arguments) cost every call a noticeable part of a small trace.
 */
void
lottrace_trace_result_begin(FunctionCallInfo fcinfo)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	MemoryContext query_cxt;
	MemoryContext old;
	MemoryContextCallback *gone;
	TupleDesc	desc;

	if (rsinfo == NULL || !IsA(rsinfo, ReturnSetInfo) ||
		(rsinfo->allowedModes & SFRM_Materialize) == 0)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("set-valued function called in context that cannot accept a set")));
	query_cxt = rsinfo->econtext->ecxt_per_query_memory;
	old = MemoryContextSwitchTo(query_cxt);
	if (rsinfo->expectedDesc != NULL)
		desc = CreateTupleDescCopy(rsinfo->expectedDesc);
	else if (get_call_result_type(fcinfo, NULL, &desc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");

	if (result_cxt == NULL)
		result_cxt = AllocSetContextCreate(TopMemoryContext, "lottrace result rows",
										   ALLOCSET_DEFAULT_SIZES);
	/* once per query, not per call: a lateral join may call it many times */
	if (query_cxt != counted_query)
	{
		gone = palloc(sizeof(MemoryContextCallback));
		gone->func = result_query_gone;
		gone->arg = (void *) query_cxt;
		MemoryContextRegisterResetCallback(query_cxt, gone);
		live_results++;
		counted_query = query_cxt;
	}

	MemoryContextSwitchTo(result_cxt);
	rsinfo->returnMode = SFRM_Materialize;
	rsinfo->setResult = tuplestore_begin_heap((rsinfo->allowedModes & SFRM_Materialize_Random) != 0,
											  false, work_mem);
	rsinfo->setDesc = desc;
	MemoryContextSwitchTo(old);
}

/*
 * Rows of trace_forward and trace_backward.  Forming a tuple from values
 * costs more than copying one, and the rows of a whole-graph trace number in
 * the millions: so rows with a via are a template tuple whose three
 * fixed-width fields are overwritten, then copied into the tuplestore.
 */
typedef struct LotRowWriter
{
	ReturnSetInfo *rsinfo;
	HeapTuple	template;
	char	   *fields[3];
} LotRowWriter;

static void
lot_rows_begin(LotRowWriter *w, ReturnSetInfo *rsinfo)
{
	TupleDesc	desc = rsinfo->setDesc;
	Datum		values[3] = {0, 0, 0};
	bool		nulls[3] = {false, false, false};
	char	   *data;
	int			off = 0;

	w->rsinfo = rsinfo;
	w->template = heap_form_tuple(desc, values, nulls);
	data = (char *) w->template->t_data + w->template->t_data->t_hoff;
	for (int i = 0; i < 3; i++)
	{
		Form_pg_attribute att = TupleDescAttr(desc, i);

		off = att_align_nominal(off, att->attalign);
		w->fields[i] = data + off;
		off += att->attlen;
	}
}

/* a row as the search reaches its lot (lottrace_trace_side_stream), or from put_frontier */
static void
put_row(void *arg, int64 lot, int32 depth, int64 via)
{
	LotRowWriter *w = (LotRowWriter *) arg;

	memcpy(w->fields[0], &lot, sizeof(int64));
	memcpy(w->fields[1], &depth, sizeof(int32));
	memcpy(w->fields[2], &via, sizeof(int64));
	tuplestore_puttuple(w->rsinfo->setResult, w->template);
}

/* a row of a time-respecting trace: roots (depth 0) have no via */
static void
put_time_row(void *arg, int64 lot, int32 depth, int64 via)
{
	LotRowWriter *w = (LotRowWriter *) arg;

	if (depth > 0)
		put_row(w, lot, depth, via);
	else
	{
		Datum		values[3] = {Int64GetDatum(lot), Int32GetDatum(0), 0};
		bool		nulls[3] = {false, false, true};

		tuplestore_putvalues(w->rsinfo->setResult, w->rsinfo->setDesc, values, nulls);
	}
}

/*
 * The rows of the frontier's lots that were not written as they were
 * reached: the roots (no via), and the lots of levels read in no order.
 */
static void
put_frontier(LotRowWriter *w, TraceSide *side)
{
	TracePiece	piece;
	int32		depth = lottrace_trace_side_depth(side);
	Datum		values[3] = {0, Int32GetDatum(0), 0};
	bool		nulls[3] = {false, false, true};

	while (lottrace_trace_side_frontier_next(side, true, &piece))
	{
		TRACE_PIECE_FOREACH(&piece, i, bits, rank)
		{
			int64		lot = TRACE_PIECE_LOT(&piece, i, bits);

			if ((rank & 4095) == 0)
				CHECK_FOR_INTERRUPTS();
			if (piece.vias)
				put_row(w, lot, depth, piece.vias[rank]);
			else
			{
				values[0] = Int64GetDatum(lot);
				tuplestore_putvalues(w->rsinfo->setResult, w->rsinfo->setDesc, values, nulls);
			}
		}
	}
}

/* a row of the distributed trace (citus.c): a root when via is -1 */
static void
put_citus_row(void *arg, int64 lot, int32 depth, int64 via)
{
	LotRowWriter *w = (LotRowWriter *) arg;
	Datum		values[3] = {Int64GetDatum(lot), Int32GetDatum(0), 0};
	bool		nulls[3] = {false, false, true};

	if (depth > 0)
		put_row(w, lot, depth, via);
	else
		tuplestore_putvalues(w->rsinfo->setResult, w->rsinfo->setDesc, values, nulls);
}

static Datum
trace_lots(FunctionCallInfo fcinfo, const char *function, TraceDirection direction,
		   LotSet *roots, int64 nroots)
{
	int32		max_depth = lottrace_trace_max_depth_arg(fcinfo, 1);
	bool		respect_time = lottrace_trace_respect_time_arg(fcinfo, 2);
	TraceWay	way = direction == TRACE_FORWARD ? TRACE_WAY_FORWARD : TRACE_WAY_BACKWARD;
	ReturnSetInfo *rsinfo;
	GenealogyStore *store;
	TraceSide  *side;
	LotRowWriter rows;

	lottrace_trace_result_begin(fcinfo);
	rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	lot_rows_begin(&rows, rsinfo);

	if (lottrace_citus_links_distributed())
	{
		int32		levels;

		if (respect_time)
			lottrace_citus_refuse_time(function);
		lottrace_citus_trace(direction, roots, nroots, max_depth, NULL, NULL,
							 put_citus_row, NULL, &rows, &levels);
		return (Datum) 0;
	}

	store = lottrace_genealogy_open(function, false, way);
	lottrace_genealogy_stats_begin(store, nroots);
	lottrace_genealogy_check_lots_exist(store, roots);
	if (respect_time)
	{
		int64		reached;

		lottrace_genealogy_read_times(store);
		reached = lottrace_trace_time_walk(store, way, roots, nroots, max_depth, NULL,
										   put_time_row, &rows);
		lottrace_genealogy_stats_end(store, reached);
		lottrace_genealogy_close(store);
		return (Datum) 0;
	}
	side = lottrace_trace_side_create(store, direction, roots, nroots);
	lottrace_trace_side_stream(side, put_row, &rows);
	put_frontier(&rows, side);
	while (lottrace_trace_side_frontier_size(side) > 0 &&
		   (max_depth < 0 || lottrace_trace_side_depth(side) < max_depth))
	{
		lottrace_trace_side_expand(side, false, NULL, NULL);
		put_frontier(&rows, side);
	}
	lottrace_genealogy_stats_end(store, lottrace_trace_side_reached_count(side));
	lottrace_trace_side_free(side);
	lottrace_genealogy_close(store);
	return (Datum) 0;
}

/* trace_forward(root bigint, max_depth int, respect_time boolean) */
Datum
trace_forward_one(PG_FUNCTION_ARGS)
{
	int64		nroots;
	LotSet	   *roots = trace_root_arg(fcinfo, 0, &nroots);

	return trace_lots(fcinfo, "trace_forward", TRACE_FORWARD, roots, nroots);
}

/* trace_forward(roots bigint[], max_depth int, respect_time boolean) */
Datum
trace_forward_many(PG_FUNCTION_ARGS)
{
	int64		nroots;
	LotSet	   *roots = lottrace_trace_roots_arg(fcinfo, 0, &nroots);

	return trace_lots(fcinfo, "trace_forward", TRACE_FORWARD, roots, nroots);
}

/* trace_backward(root bigint, max_depth int, respect_time boolean) */
Datum
trace_backward_one(PG_FUNCTION_ARGS)
{
	int64		nroots;
	LotSet	   *roots = trace_root_arg(fcinfo, 0, &nroots);

	return trace_lots(fcinfo, "trace_backward", TRACE_BACKWARD, roots, nroots);
}

/* trace_backward(roots bigint[], max_depth int, respect_time boolean) */
Datum
trace_backward_many(PG_FUNCTION_ARGS)
{
	int64		nroots;
	LotSet	   *roots = lottrace_trace_roots_arg(fcinfo, 0, &nroots);

	return trace_lots(fcinfo, "trace_backward", TRACE_BACKWARD, roots, nroots);
}

/* trace_edges: one row per link */
static void
put_link(void *arg, const GenealogyLink *link, TraceDirection direction, int32 depth)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) arg;
	Datum		values[6];
	bool		nulls[6] = {false, false, false, false, false, false};

	CHECK_FOR_INTERRUPTS();
	values[0] = Int64GetDatum(link->link_id);
	values[1] = Int64GetDatum(direction == TRACE_FORWARD ? link->near : link->far);
	values[2] = Int64GetDatum(direction == TRACE_FORWARD ? link->far : link->near);
	values[3] = Int32GetDatum(depth);
	values[4] = link->quantity;
	nulls[4] = link->quantity_isnull;
	values[5] = ObjectIdGetDatum(link->kind);
	nulls[5] = !OidIsValid(link->kind);
	tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
}

/* trace_edges(roots bigint[], direction text, max_depth int, respect_time boolean) */
Datum
trace_edges(PG_FUNCTION_ARGS)
{
	int64		nroots;
	LotSet	   *roots = lottrace_trace_roots_arg(fcinfo, 0, &nroots);
	TraceWay	way = lottrace_trace_direction_arg(fcinfo, 1);
	int32		max_depth = lottrace_trace_max_depth_arg(fcinfo, 2);
	bool		respect_time = lottrace_trace_respect_time_arg(fcinfo, 3);
	ReturnSetInfo *rsinfo;
	GenealogyStore *store;
	int64		reached;

	lottrace_trace_result_begin(fcinfo);
	rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;

	if (lottrace_citus_links_distributed())
	{
		if (respect_time)
			lottrace_citus_refuse_time("trace_edges");
		lottrace_citus_trace_edges(rsinfo, way, roots, nroots, max_depth);
		return (Datum) 0;
	}
	store = lottrace_genealogy_open("trace_edges", true, way);
	lottrace_genealogy_stats_begin(store, nroots);
	lottrace_genealogy_check_lots_exist(store, roots);
	if (respect_time)
	{
		lottrace_genealogy_read_times(store);
		reached = lottrace_trace_time_walk(store, way, roots, nroots, max_depth, put_link, NULL, rsinfo);
	}
	else
		reached = lottrace_trace_walk(store, way, roots, nroots, max_depth, put_link, NULL, rsinfo);
	lottrace_genealogy_stats_end(store, reached);
	lottrace_genealogy_close(store);
	return (Datum) 0;
}

/* is_descendant(lot bigint, ancestor bigint): strict */
Datum
is_descendant(PG_FUNCTION_ARGS)
{
	int64		lot = PG_GETARG_INT64(0);
	int64		ancestor = PG_GETARG_INT64(1);
	LotSet	   *ids = lotset_create_in(CurrentMemoryContext, 2);
	GenealogyStore *store;
	bool		result;

	if (lottrace_citus_links_distributed())
	{
		int32		levels;

		lotset_add(ids, ancestor);
		lottrace_citus_trace(TRACE_FORWARD, ids, 1, -1, &lot, &result, NULL, NULL, NULL, &levels);
		PG_RETURN_BOOL(result);
	}
	lotset_add(ids, lot);
	lotset_add(ids, ancestor);
	store = lottrace_genealogy_open("is_descendant", false, TRACE_WAY_BOTH);
	lottrace_genealogy_stats_begin(store, 2);
	lottrace_genealogy_check_lots_exist(store, ids);
	result = lottrace_trace_is_descendant(store, lot, ancestor);
	lottrace_genealogy_close(store);
	PG_RETURN_BOOL(result);
}
