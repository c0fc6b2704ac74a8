/*
 * citus.c
 *	  Tracing a genealogy distributed with Citus (doc/citus.md).
 *
 * lottrace.distribute_genealogy() makes lottrace.links a hash-distributed
 * table by parent_id and the other tables reference tables.  On such a
 * node lottrace.links is an empty shell: its rows and its genealogy indexes
 * are in the shards (lottrace.links_<shardid>) on the workers.  A trace then
 * runs level by level, its loop here on the node that was asked: each
 * level's frontier is sent to the shards in one parallel round
 * (run_command_on_shards), each shard expands it with the engine over its
 * own genealogy index (lottrace.citus_expand_shard), and the links that come
 * back make the next frontier.
 *
 * Going forward a lot's links are all in the shard of its hash; going
 * backward its links are in the shards of its parents, any of them, so every
 * shard looks at the whole frontier and the index of those that hold none of
 * it costs a descent per key run.
 *
 * Each shard command runs in its own transaction on its own connection:
 * it sees what was committed when it started, not the caller's snapshot
 * nor its uncommitted writes (Citus has no distributed snapshot).
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "catalog/namespace.h"
#include "catalog/pg_type.h"
#include "commands/extension.h"
#include "executor/spi.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "nodes/makefuncs.h"
#include "utils/acl.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/rls.h"
#include "utils/tuplestore.h"

#include "citus.h"
#include "genealogy.h"
#include "lotset.h"
#include "trace.h"

PG_FUNCTION_INFO_V1(citus_expand_shard);

/*
 * Is lottrace.links a Citus distributed table here?  Where Citus is not
 * loaded, a single node, this costs one test of a flag: Citus can only be
 * loaded through shared_preload_libraries (it refuses to load otherwise), so
 * a backend that started without its setting citus.version never has it,
 * and looking the setting up once per backend is enough.
 */
bool
lottrace_citus_links_distributed(void)
{
	static int	citus_loaded = -1;	/* not known yet */
	Oid			links;
	bool		result;
	Oid			argtypes[1] = {OIDOID};
	Datum		values[1];

	if (citus_loaded < 0)
		citus_loaded = GetConfigOption("citus.version", true, false) != NULL;
	if (!citus_loaded)
		return false;
	if (!OidIsValid(get_extension_oid("citus", true)))
		return false;
	links = RangeVarGetRelid(makeRangeVar("lottrace", "links", -1), NoLock, true);
	if (!OidIsValid(links))
		return false;
	values[0] = ObjectIdGetDatum(links);
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	if (SPI_execute_with_args("SELECT 1 FROM pg_catalog.pg_dist_partition WHERE logicalrelid = $1",
							  1, argtypes, values, NULL, true, 1) != SPI_OK_SELECT)
		elog(ERROR, "could not read pg_dist_partition");
	result = SPI_processed > 0;
	SPI_finish();
	return result;
}

void
lottrace_citus_refuse_time(const char *function)
{
	ereport(ERROR,
			(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
			 errmsg("%s with respect_time is not supported on a distributed lottrace.links", function),
			 errdetail("lottrace.links is a Citus distributed table; time-respecting traces read link times through the local genealogy indexes."),
			 errhint("Trace without respect_time, or on a single node.")));
}

/*
 * SELECT on a table of the genealogy, or on the columns a trace reads:
 * checked here because a shard's refusal would come back as text only.
 * Row-level security cannot be honoured: the shards are read directly.
 */
static void
check_table(const char *name, const char *const *columns, int ncolumns)
{
	Oid			relid = RangeVarGetRelid(makeRangeVar("lottrace", pstrdup(name), -1),
										 AccessShareLock, false);
	Oid			user = GetUserId();

	if (pg_class_aclcheck(relid, user, ACL_SELECT) != ACLCHECK_OK)
	{
		for (int i = 0; i < ncolumns; i++)
		{
			AttrNumber	attnum = get_attnum(relid, columns[i]);

			if (attnum == InvalidAttrNumber ||
				pg_attribute_aclcheck(relid, attnum, user, ACL_SELECT) != ACLCHECK_OK)
				aclcheck_error(ACLCHECK_NO_PRIV, OBJECT_TABLE, name);
		}
	}
	if (check_enable_rls(relid, InvalidOid, false) == RLS_ENABLED)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("row-level security on lottrace.%s is not supported with Citus", name),
				 errdetail("A distributed trace reads the shards of lottrace.links directly.")));
}

/* the ids of a set, ascending, into a palloc'd array */
static int64 *
lotset_ids(LotSet *set, int64 n)
{
	int64	   *ids = palloc_extended(Max(n, 1) * sizeof(int64), MCXT_ALLOC_HUGE);
	LotSetWalk	walk;
	int64		got = 0;

	lottrace_lotset_walk_begin(set, &walk, PG_INT64_MIN);
	while (got < n)
	{
		int64		k = lottrace_lotset_walk_ids(&walk, ids + got, n - got);

		if (k == 0)
			break;
		got += k;
	}
	lottrace_lotset_walk_end(&walk);
	return ids;
}

/* P0002 for the smallest root that is not in lottrace.lots */
static void
check_roots_exist(const int64 *roots, int64 nroots)
{
	Datum	   *elems = palloc_extended(Max(nroots, 1) * sizeof(Datum), MCXT_ALLOC_HUGE);
	Oid			argtypes[1] = {INT8ARRAYOID};
	Datum		values[1];
	LotSet	   *found = lotset_create_in(CurrentMemoryContext, (uint32) Min(nroots, 1 << 20));

	for (int64 i = 0; i < nroots; i++)
		elems[i] = Int64GetDatum(roots[i]);
	values[0] = PointerGetDatum(construct_array(elems, (int) nroots, INT8OID, sizeof(int64),
												FLOAT8PASSBYVAL, TYPALIGN_DOUBLE));
	if (SPI_execute_with_args("SELECT id FROM lottrace.lots WHERE id = ANY ($1)",
							  1, argtypes, values, NULL, true, 0) != SPI_OK_SELECT)
		elog(ERROR, "could not read lottrace.lots");
	for (uint64 i = 0; i < SPI_processed; i++)
	{
		bool		isnull;

		lotset_add(found, DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[i],
													  SPI_tuptable->tupdesc, 1, &isnull)));
	}
	for (int64 i = 0; i < nroots; i++)
		if (!lotset_contains(found, roots[i]))
			ereport(ERROR,
					(errcode(ERRCODE_NO_DATA_FOUND),
					 errmsg("lot %lld does not exist", (long long) roots[i])));
}

/*
 * Expand one frontier on every shard: the links whose near end is in it,
 * as flat triples (near, far, link id) passed to "visit".
 */
static void
expand_level(TraceDirection direction, const int64 *frontier, int64 n,
			 void (*visit) (void *arg, int64 near, int64 far, int64 link), void *arg)
{
	StringInfoData command;
	Oid			argtypes[1] = {TEXTOID};
	Datum		values[1];

	initStringInfo(&command);
	appendStringInfo(&command, "SELECT lottrace.citus_expand_shard('%%s', %s, '{",
					 direction == TRACE_BACKWARD ? "true" : "false");
	for (int64 i = 0; i < n; i++)
	{
		if ((i & 65535) == 0)
			CHECK_FOR_INTERRUPTS();
		appendStringInfo(&command, i ? ",%lld" : "%lld", (long long) frontier[i]);
	}
	appendStringInfoString(&command, "}')");
	values[0] = CStringGetTextDatum(command.data);
	if (SPI_execute_with_args("SELECT shardid, success, result, "
							  "CASE WHEN success THEN result::bigint[] END "
							  "FROM pg_catalog.run_command_on_shards('lottrace.links', $1)",
							  1, argtypes, values, NULL, false, 0) != SPI_OK_SELECT)
		elog(ERROR, "run_command_on_shards failed");
	for (uint64 r = 0; r < SPI_processed; r++)
	{
		HeapTuple	tuple = SPI_tuptable->vals[r];
		TupleDesc	desc = SPI_tuptable->tupdesc;
		bool		isnull;
		ArrayType  *links;
		Datum	   *elems;
		int			nelems;

		if (!DatumGetBool(SPI_getbinval(tuple, desc, 2, &isnull)))
			ereport(ERROR,
					(errcode(ERRCODE_CONNECTION_EXCEPTION),
					 errmsg("a distributed trace failed on shard %s of lottrace.links",
							SPI_getvalue(tuple, desc, 1)),
					 errdetail("%s", SPI_getvalue(tuple, desc, 3))));
		links = DatumGetArrayTypeP(SPI_getbinval(tuple, desc, 4, &isnull));
		deconstruct_array(links, INT8OID, sizeof(int64), FLOAT8PASSBYVAL, TYPALIGN_DOUBLE,
						  &elems, NULL, &nelems);
		for (int i = 0; i + 2 < nelems; i += 3)
			visit(arg, DatumGetInt64(elems[i]), DatumGetInt64(elems[i + 1]),
				  DatumGetInt64(elems[i + 2]));
	}
}

/* a lot reached in a level, and a lot it was reached from */
typedef struct Reach
{
	int64		lot;
	int64		via;
} Reach;

typedef struct LevelState
{
	LotSet	   *reached;		/* the lots of the levels before */
	Reach	   *next;			/* this level's, with every via met */
	int64		nnext;
	int64		maxnext;
	const int64 *target;		/* the lot looked for, or NULL */
	bool		found;
	int32		depth;			/* of the frontier being expanded */
	LottraceCitusLinkSink link_sink;
	void	   *arg;
} LevelState;

static void
collect(void *arg, int64 near, int64 far, int64 link)
{
	LevelState *s = (LevelState *) arg;

	if (s->link_sink)
		s->link_sink(s->arg, near, far, link, s->depth);
	if (s->target && far == *s->target)
		s->found = true;
	if (lotset_contains(s->reached, far))
		return;
	if (s->nnext == s->maxnext)
	{
		s->maxnext *= 2;
		s->next = repalloc_huge(s->next, s->maxnext * sizeof(Reach));
	}
	s->next[s->nnext].lot = far;
	s->next[s->nnext].via = near;
	s->nnext++;
}

/* by lot, then via: the first of a lot has its smallest via, as on one node */
static int
reach_cmp(const void *a, const void *b)
{
	const Reach *x = (const Reach *) a;
	const Reach *y = (const Reach *) b;

	if (x->lot != y->lot)
		return (x->lot > y->lot) - (x->lot < y->lot);
	return (x->via > y->via) - (x->via < y->via);
}

int64
lottrace_citus_trace(TraceDirection direction, LotSet *roots, int64 nroots, int32 max_depth,
					 const int64 *target, bool *found, LottraceCitusRowSink sink,
					 LottraceCitusLinkSink link_sink, void *arg, int32 *levels)
{
	static const char *const links_columns[] = {"id", "parent_id", "child_id"};
	static const char *const lots_columns[] = {"id"};
	LevelState	s;
	int64	   *frontier = lotset_ids(roots, nroots);
	int64		nfrontier = nroots;
	int64		total = nroots;
	int32		depth = 0;

	check_table("links", links_columns, 3);
	check_table("lots", lots_columns, 1);
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	check_roots_exist(frontier, nroots);
	if (target)
		check_roots_exist(target, 1);

	memset(&s, 0, sizeof(s));
	s.reached = lotset_create_in(CurrentMemoryContext, (uint32) Min(nroots, 1 << 20));
	s.target = target;
	s.link_sink = link_sink;
	s.arg = arg;
	s.maxnext = 1024;
	s.next = palloc(s.maxnext * sizeof(Reach));
	for (int64 i = 0; i < nroots; i++)
	{
		lotset_add(s.reached, frontier[i]);
		if (sink)
			sink(arg, frontier[i], 0, -1);
	}
	*levels = 0;
	while (nfrontier > 0 && !s.found && (max_depth < 0 || depth < max_depth))
	{
		s.depth = depth++;
		s.nnext = 0;
		expand_level(direction, frontier, nfrontier, collect, &s);
		(*levels)++;
		qsort(s.next, s.nnext, sizeof(Reach), reach_cmp);
		nfrontier = 0;
		frontier = repalloc_huge(frontier, Max(s.nnext, 1) * sizeof(int64));
		for (int64 i = 0; i < s.nnext; i++)
		{
			if (i > 0 && s.next[i].lot == s.next[i - 1].lot)
				continue;
			lotset_add(s.reached, s.next[i].lot);
			frontier[nfrontier++] = s.next[i].lot;
			if (sink)
				sink(arg, s.next[i].lot, depth, s.next[i].via);
		}
		total += nfrontier;
	}
	SPI_finish();
	if (found)
		*found = s.found;
	return total;
}

/* ---- on the node of a shard ---- */

typedef struct ShardLinks
{
	int64	   *v;
	int64		n;
	int64		max;
} ShardLinks;

static bool
append_link(void *arg, const GenealogyLink *link)
{
	ShardLinks *out = (ShardLinks *) arg;

	if (out->n + 3 > out->max)
	{
		out->max *= 2;
		out->v = repalloc_huge(out->v, out->max * sizeof(int64));
	}
	out->v[out->n++] = link->near;
	out->v[out->n++] = link->far;
	out->v[out->n++] = link->link_id;
	return false;
}

/*
 * citus_expand_shard(shard regclass, backward boolean, frontier bigint[])
 * RETURNS bigint[]: the visible links of the shard whose near end is in the
 * frontier, flat (near, far, link id), read by the engine through the
 * shard's own genealogy index.
 */
Datum
citus_expand_shard(PG_FUNCTION_ARGS)
{
	Oid			shard = PG_GETARG_OID(0);
	TraceDirection direction = PG_GETARG_BOOL(1) ? TRACE_BACKWARD : TRACE_FORWARD;
	int64		nkeys;
	LotSet	   *keys = lottrace_trace_roots_from_array(PG_GETARG_ARRAYTYPE_P(2), &nkeys);
	GenealogyStore *store;
	TraceLevelStats stats;
	ShardLinks	out;
	Datum	   *elems;

	store = lottrace_genealogy_open_shard("citus_expand_shard", shard,
										  direction == TRACE_FORWARD ? TRACE_WAY_FORWARD : TRACE_WAY_BACKWARD);
	memset(&stats, 0, sizeof(stats));
	out.max = 3 * 64;
	out.n = 0;
	out.v = palloc(out.max * sizeof(int64));
	if (nkeys > 0)
		lottrace_genealogy_read_links(store,
									  lottrace_genealogy_choose_method(store, direction, nkeys, false),
									  direction, keys, nkeys, PG_INT64_MIN, false, NULL,
									  append_link, &out, &stats);
	lottrace_genealogy_close(store);
	elems = palloc_extended(Max(out.n, 1) * sizeof(Datum), MCXT_ALLOC_HUGE);
	for (int64 i = 0; i < out.n; i++)
		elems[i] = Int64GetDatum(out.v[i]);
	PG_RETURN_ARRAYTYPE_P(construct_array(elems, (int) out.n, INT8OID, sizeof(int64),
										  FLOAT8PASSBYVAL, TYPALIGN_DOUBLE));
}

/* ---- trace_edges ---- */

typedef struct EdgeRow
{
	int64		link;
	int64		parent;
	int64		child;
	int32		depth;
} EdgeRow;

typedef struct EdgeState
{
	TraceDirection direction;
	LotSet	   *seen;			/* link ids passed on already */
	EdgeRow    *rows;
	int64		n;
	int64		max;
} EdgeState;

static void
collect_edge(void *arg, int64 near, int64 far, int64 link, int32 depth)
{
	EdgeState  *e = (EdgeState *) arg;

	/* with both ways, a link the forward trace met is not passed again */
	if (!lotset_add(e->seen, link))
		return;
	if (e->n == e->max)
	{
		e->max *= 2;
		e->rows = repalloc_huge(e->rows, e->max * sizeof(EdgeRow));
	}
	e->rows[e->n].link = link;
	e->rows[e->n].parent = e->direction == TRACE_FORWARD ? near : far;
	e->rows[e->n].child = e->direction == TRACE_FORWARD ? far : near;
	e->rows[e->n].depth = depth;
	e->n++;
}

static int
edge_cmp(const void *a, const void *b)
{
	int64		x = ((const EdgeRow *) a)->link;
	int64		y = ((const EdgeRow *) b)->link;

	return (x > y) - (x < y);
}

void
lottrace_citus_trace_edges(ReturnSetInfo *rsinfo, TraceWay way, LotSet *roots, int64 nroots,
						   int32 max_depth)
{
	EdgeState	e;
	int32		levels;
	Datum	   *ids;
	Oid			argtypes[1] = {INT8ARRAYOID};
	Datum		values[1];
	uint64		r = 0;

	memset(&e, 0, sizeof(e));
	e.seen = lotset_create_in(CurrentMemoryContext, 1024);
	e.max = 1024;
	e.rows = palloc(e.max * sizeof(EdgeRow));
	if (way != TRACE_WAY_BACKWARD)
	{
		e.direction = TRACE_FORWARD;
		lottrace_citus_trace(TRACE_FORWARD, roots, nroots, max_depth, NULL, NULL, NULL,
							 collect_edge, &e, &levels);
	}
	if (way != TRACE_WAY_FORWARD)
	{
		e.direction = TRACE_BACKWARD;
		lottrace_citus_trace(TRACE_BACKWARD, roots, nroots, max_depth, NULL, NULL, NULL,
							 collect_edge, &e, &levels);
	}

	/*
	 * Quantity and kind, in one query as the caller (privileges on those
	 * columns apply); link ids are unique, and so a merge by id pairs them.
	 */
	qsort(e.rows, e.n, sizeof(EdgeRow), edge_cmp);
	ids = palloc_extended(Max(e.n, 1) * sizeof(Datum), MCXT_ALLOC_HUGE);
	for (int64 i = 0; i < e.n; i++)
		ids[i] = Int64GetDatum(e.rows[i].link);
	values[0] = PointerGetDatum(construct_array(ids, (int) e.n, INT8OID, sizeof(int64),
												FLOAT8PASSBYVAL, TYPALIGN_DOUBLE));
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	if (SPI_execute_with_args("SELECT id, quantity, kind FROM lottrace.links "
							  "WHERE id = ANY ($1) ORDER BY id",
							  1, argtypes, values, NULL, true, 0) != SPI_OK_SELECT)
		elog(ERROR, "could not read lottrace.links");
	for (int64 i = 0; i < e.n; i++)
	{
		Datum		row[6];
		bool		nulls[6] = {false, false, false, false, true, true};
		bool		isnull;

		CHECK_FOR_INTERRUPTS();
		row[0] = Int64GetDatum(e.rows[i].link);
		row[1] = Int64GetDatum(e.rows[i].parent);
		row[2] = Int64GetDatum(e.rows[i].child);
		row[3] = Int32GetDatum(e.rows[i].depth);
		row[4] = row[5] = (Datum) 0;
		while (r < SPI_processed &&
			   DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[r], SPI_tuptable->tupdesc, 1, &isnull)) <
			   e.rows[i].link)
			r++;
		if (r < SPI_processed &&
			DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[r], SPI_tuptable->tupdesc, 1, &isnull)) ==
			e.rows[i].link)
		{
			row[4] = SPI_getbinval(SPI_tuptable->vals[r], SPI_tuptable->tupdesc, 2, &nulls[4]);
			row[5] = SPI_getbinval(SPI_tuptable->vals[r], SPI_tuptable->tupdesc, 3, &nulls[5]);
		}
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, row, nulls);
	}
	SPI_finish();
}

/* ---- trace_quantities ---- */

/*
 * trace_quantities finds the lots with lottrace_citus_trace and reads the
 * rest of what it solves for through SQL, which Citus routes: the shells of
 * links and lots on this node are empty, so the genealogy store's readers
 * cannot serve it.  A cursor keeps one batch of rows in memory at a time
 * (Citus gathers the shards' rows into a tuple store, which spills).
 */
#define QUANTITIES_BATCH 10000

/* the n ids of a set as a bigint[] datum */
static Datum
lotset_array(LotSet *set, int64 n)
{
	int64	   *ids = lotset_ids(set, n);
	Datum	   *elems = palloc_extended(Max(n, 1) * sizeof(Datum), MCXT_ALLOC_HUGE);

	for (int64 i = 0; i < n; i++)
		elems[i] = Int64GetDatum(ids[i]);
	pfree(ids);
	return PointerGetDatum(construct_array(elems, (int) n, INT8OID, sizeof(int64),
										   FLOAT8PASSBYVAL, TYPALIGN_DOUBLE));
}

/* run a query of one bigint[] parameter and pass each row to "row" */
static void
read_rows(const char *query, LotSet *ids, void (*row) (HeapTuple tuple, TupleDesc desc, void *arg),
		  void *arg)
{
	int64		n = lotset_count_ids(ids);
	Oid			argtypes[1] = {INT8ARRAYOID};
	Datum		values[1];
	Portal		portal;

	if (n == 0)
		return;
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	values[0] = lotset_array(ids, n);
	portal = SPI_cursor_open_with_args(NULL, query, 1, argtypes, values, NULL, true, 0);
	for (;;)
	{
		SPI_cursor_fetch(portal, true, QUANTITIES_BATCH);
		if (SPI_processed == 0)
			break;
		for (uint64 i = 0; i < SPI_processed; i++)
		{
			if ((i & 1023) == 0)
				CHECK_FOR_INTERRUPTS();
			row(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, arg);
		}
		SPI_freetuptable(SPI_tuptable);
	}
	SPI_cursor_close(portal);
	SPI_finish();
}

typedef struct InputReader
{
	GenealogyLinkVisitor visit;
	void	   *arg;
} InputReader;

static void
input_row(HeapTuple tuple, TupleDesc desc, void *arg)
{
	InputReader *reader = (InputReader *) arg;
	GenealogyLink link;
	bool		isnull;

	memset(&link, 0, sizeof(link));
	link.near = DatumGetInt64(SPI_getbinval(tuple, desc, 1, &isnull));
	link.far = DatumGetInt64(SPI_getbinval(tuple, desc, 2, &isnull));
	link.link_id = DatumGetInt64(SPI_getbinval(tuple, desc, 3, &isnull));
	link.quantity = SPI_getbinval(tuple, desc, 4, &link.quantity_isnull);
	link.uom = SPI_getbinval(tuple, desc, 5, &link.uom_isnull);
	reader->visit(reader->arg, &link);
}

/*
 * Every input link of the lots of the set, as the genealogy store reads
 * them backward with details (near: the child, far: the parent, quantity
 * and unit): one query, which Citus sends to every shard of links at once,
 * each reading its links_child_idx.  By child and then link id, the order
 * in which one node's index gives them, so that sums come out the same.
 */
void
lottrace_citus_read_inputs(LotSet *lots, GenealogyLinkVisitor visit, void *arg)
{
	InputReader reader = {visit, arg};

	read_rows("SELECT child_id, parent_id, id, quantity, uom FROM lottrace.links "
			  "WHERE child_id = ANY ($1) ORDER BY child_id, id",
			  lots, input_row, &reader);
}

typedef struct LotReader
{
	GenealogyLotVisitor visit;
	void	   *arg;
} LotReader;

static void
lot_row(HeapTuple tuple, TupleDesc desc, void *arg)
{
	LotReader  *reader = (LotReader *) arg;
	GenealogyLot lot;
	bool		isnull;

	lot.id = DatumGetInt64(SPI_getbinval(tuple, desc, 1, &isnull));
	lot.item = SPI_getbinval(tuple, desc, 2, &lot.item_isnull);
	lot.quantity = SPI_getbinval(tuple, desc, 3, &lot.quantity_isnull);
	lot.uom = SPI_getbinval(tuple, desc, 4, &lot.uom_isnull);
	reader->visit(reader->arg, &lot);
}

/* the rows of the lots of the set, as lottrace_genealogy_read_lots gives them */
void
lottrace_citus_read_lots(LotSet *ids, GenealogyLotVisitor visit, void *arg)
{
	LotReader	reader = {visit, arg};

	read_rows("SELECT id, item, quantity, uom FROM lottrace.lots WHERE id = ANY ($1)",
			  ids, lot_row, &reader);
}
