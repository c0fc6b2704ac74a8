/*
 * genealogy.c
 *	  Access to the genealogy store for the trace engine: privileges,
 *	  row-level security, the genealogy indexes, and reading the links of a
 *	  whole frontier at once.
 *
 * The genealogy index is two covering btrees, lottrace.links_parent_idx
 * (parent_id) INCLUDE (child_id, id, linked_at) and lottrace.links_child_idx
 * (child_id) INCLUDE (parent_id, id, linked_at, quantity, uom): the second
 * also serves trace_quantities, which reads every input of the lots it
 * reaches with its quantity and unit.  PostgreSQL maintains them on every write, so
 * they are right after rollbacks, in subtransactions and after a crash
 * without any code of ours; we only read them, with the calling
 * statement's snapshot.  A call opens only the index of each direction it
 * traces, and checks its definition and the columns it reads against what
 * the readers assume (genealogy_shape.c): a definition they cannot read is
 * an error, an index not ready yet sends its direction (only) to SQL.
 *
 * A frontier (a set of lots, one level of a search) is read in one of these
 * ways, the methods that read keys taking them in order, KEY_CHUNK at a
 * time, so that no array proportional to the frontier is ever built:
 *
 *	index	The btree read page by page for the sorted keys
 *			(genealogy_btree.c).  Index tuples are used as they are when the
 *			visibility map says their heap page is all-visible, as an
 *			index-only scan does; otherwise the heap tuple decides.  Btrees
 *			older than version 4 are read through the index AM instead
 *			("index AM"): the sorted keys are cut into runs of nearby ids,
 *			each run one index search (a range when it holds several keys)
 *			merged with the keys; a run that wades through many tuples of
 *			lots not in the frontier (a popular lot between two keys) starts
 *			a new search at the next key.
 *	heap	One sequential scan of links, probing a set of the keys: cheaper
 *			when the frontier is a large part of the graph and the
 *			visibility map would send most index tuples to the heap anyway.
 *	sql		When row-level security applies to links or lots, a query per
 *			KEY_CHUNK lots of a level (not per lot) under the caller's
 *			policies.
 *
 * The choice is made per level from the table's statistics (see
 * lottrace_genealogy_choose_method); genealogy_info() shows what each level did.
 */
#include "postgres.h"

#include <math.h>

#include "access/genam.h"
#include "access/htup_details.h"
#include "access/relscan.h"
#include "access/table.h"
#include "access/tableam.h"
#include "access/visibilitymap.h"
#include "access/xact.h"
#include "catalog/namespace.h"
#include "catalog/pg_am.h"
#include "catalog/pg_index.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "executor/tuptable.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "nodes/makefuncs.h"
#include "portability/instr_time.h"
#include "storage/bufmgr.h"
#include "storage/lmgr.h"
#include "storage/predicate.h"
#include "utils/acl.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/rls.h"
#include "utils/snapmgr.h"

#include "citus.h"
#include "compat.h"
#include "genealogy.h"
#include "genealogy_btree.h"
#include "kept.h"
#include "lotset.h"

/*
 * Cost model, in microseconds, measured on a hot cache (see doc/trace.md).
 * Only their ratios matter.
 */
#define COST_INDEX_KEY		0.15	/* one key looked up page by page */
#define COST_INDEX_DESCENT	1.0		/* one search through the index AM */
#define COST_INDEX_TUPLE	0.03	/* one index tuple read */
#define COST_HEAP_FETCH		0.5		/* one heap tuple fetched by TID */
#define COST_HEAP_TUPLE		0.06	/* one heap tuple of a sequential scan */

/* the fewest rows a page of links and of lots is taken to hold (estimated_tuples) */
#define LINKS_PER_PAGE		60
#define LOTS_PER_PAGE		40

/* a run gives up on its range after this many index tuples of other lots */
#define RUN_WASTE_LIMIT		64

/* keys handed to the readers at a time (128 kB) */
#define KEY_CHUNK			16384

const char *const lottrace_genealogy_index_names[2] = {"links_parent_idx", "links_child_idx"};
static const char *const near_columns[2] = {"parent_id", "child_id"};

/* the definitions the extension creates, for hints */
static const char *const index_definitions[2] = {
	"CREATE INDEX links_parent_idx ON lottrace.links (parent_id) INCLUDE (child_id, id, linked_at);",
	"CREATE INDEX links_child_idx ON lottrace.links (child_id) INCLUDE (parent_id, id, linked_at, quantity, uom);"
};

struct GenealogyStore
{
	const char *function;
	MemoryContext cxt;			/* lives as long as the store: scans, slots */
	Snapshot	snapshot;
	bool		use_sql;		/* everything through SQL */
	char		sql_reason[96];
	bool		index_sql[2];	/* a direction through SQL, its index not ready */
	char		index_sql_reason[2][96];
	bool		lots_sql;		/* roots checked through SQL */
	char		lots_sql_reason[96];

	Relation	links;
	const char *index_suffix;	/* after the index names: "" or a shard's
								 * "_<shardid>" (lottrace_genealogy_open_shard) */
	Relation	lots;
	Relation	lots_pkey;
	Relation	index[2];		/* by TraceDirection; NULL if not traced */
	AttrNumber	index_far[2];	/* far end's column in the index tuple */
	AttrNumber	index_id[2];	/* link id's column in the index tuple */
	AttrNumber	index_time[2];	/* linked_at's, when times are read */
	AttrNumber	index_quantity[2];	/* quantity's and uom's, when units are */
	AttrNumber	index_uom[2];	/* read and the index has both, else 0 */
	bool		times;			/* links carry linked_at */

	AttrNumber	col_id;			/* columns of links */
	AttrNumber	col_near[2];	/* parent_id, child_id by direction */
	AttrNumber	col_quantity;
	AttrNumber	col_kind;
	AttrNumber	col_uom;
	bool		units;			/* details include uom */
	AttrNumber	lots_item;		/* columns of lots, with units */
	AttrNumber	lots_quantity;
	AttrNumber	lots_uom;
	AttrNumber	col_linked_at;

	BtreeLinkReader *btree[2];	/* page-by-page readers, when possible */
	bool		btree_tried[2];
	BtreeLinkReader *lots_btree;	/* the same for lots' primary key */
	bool		lots_btree_tried;
	Relation	lots_cover;		/* lots_quantities_idx, when usable */
	AttrNumber	cover_item;		/* its columns of lots' item, quantity, uom */
	AttrNumber	cover_quantity;
	AttrNumber	cover_uom;
	BtreeLinkReader *cover_btree;
	bool		cover_btree_tried;
	IndexScanDesc scan[2];		/* the index AM otherwise */
	IndexScanDesc pkey_scan;
	TupleTableSlot *links_slot;
	TupleTableSlot *lots_slot;
	Buffer		links_vmbuffer;
	Buffer		lots_vmbuffer;

	/* statistics for the cost model (table_statistics) */
	bool		statistics_known;
	double		links_tuples;
	double		tuples_per_key;
	double		all_visible;
	int64		run_gap;		/* largest id gap a range may bridge */

	bool		spi_connected;
	instr_time	trace_start;
	instr_time	level_start;
};

static TraceStats last_trace;

/*
 * lottrace.links and lots as the first call of a backend found them by
 * name, the columns of links every trace reads, and each genealogy index
 * once a call has found and checked it (kept.h): a small trace paid these
 * catalog lookups on every call.  Only what passed the checks is kept.
 * Privileges, row-level security and whether an index may be used with
 * this snapshot depend on the caller and the transaction: checked on every
 * call.  Citus shards are always looked up.
 */
typedef struct KeptGenealogy
{
	KeptRelations rels;			/* links, lots, the indexes as found */
	Oid			links;
	Oid			lots;
	AttrNumber	col_id;
	AttrNumber	col_near[2];
	Oid			index[2];		/* by TraceDirection, InvalidOid: not yet */
	AttrNumber	index_far[2];
	AttrNumber	index_id[2];
} KeptGenealogy;

static KeptGenealogy kept;

/* lottrace.trace_method: how links are read, for diagnosis and tests */
typedef enum TraceMethodSetting
{
	TRACE_METHOD_AUTO,
	TRACE_METHOD_INDEX,
	TRACE_METHOD_INDEX_AM,
	TRACE_METHOD_HEAP,
	TRACE_METHOD_SQL
} TraceMethodSetting;

static const struct config_enum_entry trace_method_options[] = {
	{"auto", TRACE_METHOD_AUTO, false},
	{"index", TRACE_METHOD_INDEX, false},
	{"index_am", TRACE_METHOD_INDEX_AM, false},
	{"heap", TRACE_METHOD_HEAP, false},
	{"sql", TRACE_METHOD_SQL, false},
	{NULL, 0, false}
};

static int	trace_method = TRACE_METHOD_AUTO;

void
lottrace_genealogy_init(void)
{
	DefineCustomEnumVariable("lottrace.trace_method",
							 "How traces read the links of each level.",
							 "auto chooses per level by cost; index (page by page), index_am "
							 "(through the index AM), heap and sql (as under row-level "
							 "security) force one method, for diagnosis and tests.",
							 &trace_method, TRACE_METHOD_AUTO, trace_method_options,
							 PGC_USERSET, 0, NULL, NULL, NULL);
}

/*
 * SELECT on the table, or else on each of the columns read, as a query
 * naming those columns would need (42501 otherwise).  Also for allocate's
 * direct reads (fefo_walk.c).
 */
void
lottrace_check_select(Relation rel, const char *const *columns, int ncolumns)
{
	Oid			relid = RelationGetRelid(rel);
	Oid			user = GetUserId();

	if (pg_class_aclcheck(relid, user, ACL_SELECT) == ACLCHECK_OK)
		return;
	for (int i = 0; i < ncolumns; i++)
	{
		AttrNumber	attnum = get_attnum(relid, columns[i]);

		if (attnum == InvalidAttrNumber ||
			pg_attribute_aclcheck(relid, attnum, user, ACL_SELECT) != ACLCHECK_OK)
			aclcheck_error(ACLCHECK_NO_PRIV, OBJECT_TABLE, RelationGetRelationName(rel));
	}
}

/*
 * A column of links the readers read: an error (55000) when its type is
 * not what they take it for (lottrace_genealogy_links_column_problem).
 */
static AttrNumber
links_column(GenealogyStore *store, const char *name)
{
	const char *problem;

	if (get_attnum(RelationGetRelid(store->links), name) == InvalidAttrNumber)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_COLUMN),
				 errmsg("column \"%s\" of lottrace.links does not exist", name)));
	problem = lottrace_genealogy_links_column_problem(store->links, name);
	if (problem)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("column \"%s\" of lottrace.links does not have the expected definition", name),
				 errdetail("%s", problem),
				 errhint("Traces read links as created by the extension: id, parent_id and child_id "
						 "bigint NOT NULL, quantity numeric, kind lottrace.link_kind, uom text.")));
	return get_attnum(RelationGetRelid(store->links), name);
}

/*
 * Open the genealogy index of a direction and find its columns.  A missing
 * index (42704) or one whose definition the readers cannot read (55000,
 * saying what is wrong) is an error; one that exists but may not be used
 * by this snapshot yet sends that direction to SQL, which stays correct.
 * The other direction is not concerned.
 */
static void
open_genealogy_index(GenealogyStore *store, TraceDirection direction, bool known)
{
	const char *name;
	Oid			indexoid;
	Relation	index;
	const char *problem;

	if (known)
	{
		/* locked with links and lots (genealogy_open_relation) */
		index = index_open(kept.index[direction], NoLock);
		store->index_far[direction] = kept.index_far[direction];
		store->index_id[direction] = kept.index_id[direction];
		problem = lottrace_genealogy_index_unready(index);
		if (problem)
		{
			store->index_sql[direction] = true;
			snprintf(store->index_sql_reason[direction], sizeof(store->index_sql_reason[direction]),
					 "sql: index %s %s", RelationGetRelationName(index), problem);
		}
		store->index[direction] = index;
		return;
	}
	name = psprintf("%s%s", lottrace_genealogy_index_names[direction], store->index_suffix);
	indexoid = get_relname_relid(name, RelationGetNamespace(store->links));
	if (!OidIsValid(indexoid))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("genealogy index lottrace.%s does not exist", name),
				 errhint("Recreate it with: %s", index_definitions[direction])));
	index = index_open(indexoid, AccessShareLock);
	problem = lottrace_genealogy_index_problem(store->links, index, direction,
											   &store->index_far[direction], &store->index_id[direction]);
	if (problem)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("genealogy index lottrace.%s does not have the expected definition", name),
				 errdetail("%s", problem),
				 errhint("Recreate it with: %s", index_definitions[direction])));

	if (store->index_suffix[0] == '\0' && kept.rels.valid &&
		RelationGetRelid(store->links) == kept.links)
	{
		kept.index[direction] = indexoid;
		kept.index_far[direction] = store->index_far[direction];
		kept.index_id[direction] = store->index_id[direction];
		kept.rels.relids[2 + direction] = indexoid;
	}

	problem = lottrace_genealogy_index_unready(index);
	if (problem)
	{
		store->index_sql[direction] = true;
		snprintf(store->index_sql_reason[direction], sizeof(store->index_sql_reason[direction]),
				 "sql: index %s %s", name, problem);
	}
	store->index[direction] = index;
}

/*
 * Open lots' primary key for the check that roots exist, when it can be
 * probed with int8 keys; otherwise that check uses SQL.
 */
static void
open_lots_pkey(GenealogyStore *store)
{
	const char *problem;

	RelationGetIndexList(store->lots);
	if (OidIsValid(store->lots->rd_pkindex))
		store->lots_pkey = index_open(store->lots->rd_pkindex, AccessShareLock);
	problem = lottrace_genealogy_lots_pkey_problem(store->lots, store->lots_pkey);
	if (problem)
	{
		store->lots_sql = true;
		snprintf(store->lots_sql_reason, sizeof(store->lots_sql_reason), "%s", problem);
		if (store->lots_pkey)
			index_close(store->lots_pkey, AccessShareLock);
		store->lots_pkey = NULL;
	}
}

/*
 * The rows of a table now.  reltuples is as of the last VACUUM or ANALYZE:
 * after a bulk load that none has seen since, it may say the table is
 * (nearly) empty, and a heap scan per level of a trace would look free.  So,
 * like the planner, the density it gives is scaled to the table's size now,
 * and never taken below that of pages filled with rows of the guessed
 * width: too many rows only make a whole-table scan look dearer than it
 * is, too few make each level of a deep trace read the whole table.
 */
static double
estimated_tuples(Relation rel, double tuples_per_page)
{
	BlockNumber blocks = RelationGetNumberOfBlocks(rel);
	double		filled = blocks * tuples_per_page;

	if (rel->rd_rel->reltuples >= 0 && rel->rd_rel->relpages > 0)
		return Max(filled, rel->rd_rel->reltuples / rel->rd_rel->relpages * blocks);
	return filled;
}

/*
 * The store over links_oid, lottrace.links or one of its Citus shards,
 * whose genealogy indexes are named with index_suffix after the usual names.
 */
static GenealogyStore *
genealogy_open_relation(const char *function, bool details, TraceWay way, Oid links_oid,
						const char *index_suffix)
{
	static const char *const links_columns[] = {"id", "parent_id", "child_id", "quantity", "kind"};
	static const char *const lots_columns[] = {"id"};
	GenealogyStore *store = palloc0(sizeof(GenealogyStore));
	Oid			lots_oid;
	bool		known = false;
	bool		index_known[2] = {false, false};

	store->function = function;
	store->cxt = CurrentMemoryContext;
	store->index_suffix = index_suffix;
	if (!OidIsValid(links_oid) && kept.rels.valid)
	{
		/* in the order a call without a kept store locks them */
		LockRelationOid(kept.links, AccessShareLock);
		LockRelationOid(kept.lots, AccessShareLock);
		for (int d = 0; d < 2; d++)
			if (way != (d == TRACE_FORWARD ? TRACE_WAY_BACKWARD : TRACE_WAY_FORWARD) &&
				OidIsValid(kept.index[d]))
			{
				LockRelationOid(kept.index[d], AccessShareLock);
				index_known[d] = true;
			}
		known = kept.rels.valid;
	}
	if (known)
	{
		links_oid = kept.links;
		lots_oid = kept.lots;
	}
	else
	{
		index_known[0] = index_known[1] = false;
		if (!OidIsValid(links_oid))
			links_oid = RangeVarGetRelid(makeRangeVar("lottrace", "links", -1), AccessShareLock, false);
		lots_oid = RangeVarGetRelid(makeRangeVar("lottrace", "lots", -1), AccessShareLock, false);
	}
	store->links = table_open(links_oid, NoLock);
	store->lots = table_open(lots_oid, NoLock);

	lottrace_check_select(store->links, links_columns, details ? 5 : 3);
	lottrace_check_select(store->lots, lots_columns, 1);

	if (known)
	{
		store->col_id = kept.col_id;
		store->col_near[TRACE_FORWARD] = kept.col_near[TRACE_FORWARD];
		store->col_near[TRACE_BACKWARD] = kept.col_near[TRACE_BACKWARD];
	}
	else
	{
		store->col_id = links_column(store, "id");
		store->col_near[TRACE_FORWARD] = links_column(store, "parent_id");
		store->col_near[TRACE_BACKWARD] = links_column(store, "child_id");
		if (!index_suffix[0])
		{
			kept.links = links_oid;
			kept.lots = lots_oid;
			kept.col_id = store->col_id;
			kept.col_near[TRACE_FORWARD] = store->col_near[TRACE_FORWARD];
			kept.col_near[TRACE_BACKWARD] = store->col_near[TRACE_BACKWARD];
			kept.index[TRACE_FORWARD] = kept.index[TRACE_BACKWARD] = InvalidOid;
			memset(kept.rels.relids, 0, sizeof(kept.rels.relids));
			kept.rels.relids[0] = links_oid;
			kept.rels.relids[1] = lots_oid;
			lottrace_kept_track(&kept.rels);
		}
	}
	if (details)
	{
		store->col_quantity = links_column(store, "quantity");
		store->col_kind = links_column(store, "kind");
	}

	if (check_enable_rls(links_oid, InvalidOid, false) == RLS_ENABLED)
	{
		store->use_sql = true;
		strlcpy(store->sql_reason, "sql: row-level security on links", sizeof(store->sql_reason));
	}
	else if (check_enable_rls(lots_oid, InvalidOid, false) == RLS_ENABLED)
	{
		store->use_sql = true;
		strlcpy(store->sql_reason, "sql: row-level security on lots", sizeof(store->sql_reason));
	}
	else if (trace_method == TRACE_METHOD_SQL)
	{
		store->use_sql = true;
		strlcpy(store->sql_reason, "sql: lottrace.trace_method = sql", sizeof(store->sql_reason));
	}

	if (way != TRACE_WAY_BACKWARD)
		open_genealogy_index(store, TRACE_FORWARD, index_known[TRACE_FORWARD]);
	if (way != TRACE_WAY_FORWARD)
		open_genealogy_index(store, TRACE_BACKWARD, index_known[TRACE_BACKWARD]);

	store->snapshot = RegisterSnapshot(GetActiveSnapshot());
	store->links_vmbuffer = InvalidBuffer;
	store->lots_vmbuffer = InvalidBuffer;

	if (!store->use_sql)
	{
		open_lots_pkey(store);
		store->links_slot = table_slot_create(store->links, NULL);
		store->lots_slot = table_slot_create(store->lots, NULL);
	}

	if (store->links->rd_rel->relpages > 0)
		store->all_visible = Min(1.0, (double) store->links->rd_rel->relallvisible /
								 store->links->rd_rel->relpages);
	return store;
}

/*
 * The statistics of the cost model, found the first time they are needed:
 * the tables' sizes now cost a system call each (lseek), which on a small
 * trace is a sizeable part of the call, and a trace whose frontiers stay
 * small never needs them (lottrace_genealogy_choose_method).
 */
static void
table_statistics(GenealogyStore *store)
{
	double		lots_tuples;

	if (store->statistics_known)
		return;
	store->links_tuples = estimated_tuples(store->links, LINKS_PER_PAGE);
	/* a shard holds the links of some lots only: count one per link */
	lots_tuples = store->index_suffix[0] ? store->links_tuples : estimated_tuples(store->lots, LOTS_PER_PAGE);
	store->tuples_per_key = store->links_tuples / Max(lots_tuples, 1.0);
	if (store->tuples_per_key <= 0)
		store->tuples_per_key = 1;
	store->run_gap = (int64) Max(1.0, floor(COST_INDEX_DESCENT /
											(COST_INDEX_TUPLE * store->tuples_per_key)));
	store->statistics_known = true;
}

/*
 * A column of lots that lottrace_genealogy_read_lots reads: an error (55000)
 * when its type is not the one it decodes.
 */
static AttrNumber
lots_column(GenealogyStore *store, const char *name, Oid type)
{
	AttrNumber	attnum = get_attnum(RelationGetRelid(store->lots), name);

	if (attnum == InvalidAttrNumber)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_COLUMN),
				 errmsg("column \"%s\" of lottrace.lots does not exist", name)));
	if (TupleDescAttr(RelationGetDescr(store->lots), attnum - 1)->atttypid != type)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("column \"%s\" of lottrace.lots does not have the expected definition", name),
				 errdetail("Column %s has type %s, not %s.", name,
						   format_type_be(TupleDescAttr(RelationGetDescr(store->lots), attnum - 1)->atttypid),
						   format_type_be(type)),
				 errhint("trace_quantities reads lots as created by the extension: item text, "
						 "quantity numeric, uom text.")));
	return attnum;
}

/*
 * lots_quantities_idx, the covering index that serves the rows of lots
 * without a heap fetch each, when it is there, has the definition the
 * reader assumes and may be used by this snapshot.  It is only quicker:
 * without it the rows come from the primary key and the heap, with the
 * same answer, so it may be dropped (and then is not an error).
 */
static void
open_lots_cover(GenealogyStore *store)
{
	Oid			indexoid = get_relname_relid("lots_quantities_idx", RelationGetNamespace(store->lots));
	Relation	index;

	if (!OidIsValid(indexoid))
		return;
	index = index_open(indexoid, AccessShareLock);
	if (lottrace_genealogy_lots_cover_problem(store->lots, index, &store->cover_item,
											  &store->cover_quantity, &store->cover_uom) != NULL ||
		lottrace_genealogy_index_unready(index) != NULL)
	{
		index_close(index, AccessShareLock);
		return;
	}
	store->lots_cover = index;
}

void
lottrace_genealogy_read_units(GenealogyStore *store)
{
	static const char *const uom_column[] = {"uom"};
	static const char *const lots_columns[] = {"id", "item", "quantity", "uom"};

	lottrace_check_select(store->links, uom_column, 1);
	lottrace_check_select(store->lots, lots_columns, 4);
	store->col_uom = links_column(store, "uom");
	store->units = true;
	store->lots_item = lots_column(store, "item", TEXTOID);
	store->lots_quantity = lots_column(store, "quantity", NUMERICOID);
	store->lots_uom = lots_column(store, "uom", TEXTOID);

	/*
	 * An index that lacks them (one created before 0.3.0's definition)
	 * still serves: the details then come from the heap, as they did.
	 */
	for (int d = 0; d < 2; d++)
	{
		AttrNumber	quantity;
		AttrNumber	uom;

		if (store->index[d] == NULL)
			continue;
		quantity = lottrace_genealogy_index_include_col(store->links, store->index[d], "quantity");
		uom = lottrace_genealogy_index_include_col(store->links, store->index[d], "uom");
		if (quantity != InvalidAttrNumber && uom != InvalidAttrNumber)
		{
			store->index_quantity[d] = quantity;
			store->index_uom[d] = uom;
		}
	}
	if (!store->use_sql && !store->lots_sql)
		open_lots_cover(store);
}

GenealogyStore *
lottrace_genealogy_open(const char *function, bool details, TraceWay way)
{
	/*
	 * On a Citus node the links are in the shards, not in this table: a
	 * function without a distributed path (citus.c) would see none.
	 */
	if (lottrace_citus_links_distributed())
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("%s is not supported on a distributed lottrace.links", function),
				 errdetail("lottrace.links is a Citus distributed table."),
				 errhint("trace_forward, trace_backward, trace_edges, is_descendant, trace_quantities and open_recall work with Citus.")));
	return genealogy_open_relation(function, details, way, InvalidOid, "");
}

GenealogyStore *
lottrace_genealogy_open_shard(const char *function, Oid shard, TraceWay way)
{
	const char *name;
	GenealogyStore *store;

	LockRelationOid(shard, AccessShareLock);
	name = get_rel_name(shard);
	if (name == NULL || get_rel_namespace(shard) != get_namespace_oid("lottrace", false) ||
		strncmp(name, "links_", 6) != 0 || strspn(name + 6, "0123456789") != strlen(name + 6) ||
		name[6] == '\0')
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("relation %u is not a shard of lottrace.links", shard)));
	store = genealogy_open_relation(function, false, way, shard, name + 5);

	/*
	 * The SQL reader queries lottrace.links itself, which on a Citus node is
	 * the distributed table, not this shard.
	 */
	for (int d = 0; d < 2; d++)
		if (store->index_sql[d])
			ereport(ERROR,
					(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
					 errmsg("%s cannot read a shard of lottrace.links through SQL", function),
					 errdetail("%s", store->index_sql_reason[d])));
	if (store->use_sql)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("%s cannot read a shard of lottrace.links through SQL", function),
				 errdetail("%s", store->sql_reason)));
	return store;
}

void
lottrace_genealogy_close(GenealogyStore *store)
{
	for (int d = 0; d < 2; d++)
	{
		if (store->btree[d])
			lottrace_btree_reader_free(store->btree[d]);
		if (store->scan[d])
			index_endscan(store->scan[d]);
		if (store->index[d])
			index_close(store->index[d], NoLock);
	}
	if (store->lots_btree)
		lottrace_btree_reader_free(store->lots_btree);
	if (store->cover_btree)
		lottrace_btree_reader_free(store->cover_btree);
	if (store->lots_cover)
		index_close(store->lots_cover, NoLock);
	if (store->pkey_scan)
		index_endscan(store->pkey_scan);
	if (store->lots_pkey)
		index_close(store->lots_pkey, NoLock);
	if (store->links_slot)
		ExecDropSingleTupleTableSlot(store->links_slot);
	if (store->lots_slot)
		ExecDropSingleTupleTableSlot(store->lots_slot);
	if (BufferIsValid(store->links_vmbuffer))
		ReleaseBuffer(store->links_vmbuffer);
	if (BufferIsValid(store->lots_vmbuffer))
		ReleaseBuffer(store->lots_vmbuffer);
	if (store->spi_connected)
		SPI_finish();
	UnregisterSnapshot(store->snapshot);
	table_close(store->links, NoLock);
	table_close(store->lots, NoLock);
	pfree(store);
}

/* SPI, connected on first use and kept until lottrace_genealogy_close */
static void
connect_spi(GenealogyStore *store)
{
	MemoryContext cxt = CurrentMemoryContext;

	if (store->spi_connected)
		return;
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	store->spi_connected = true;
	MemoryContextSwitchTo(cxt);
}

static SPIPlanPtr
prepare_kept(const char *query)
{
	Oid			argtypes[1] = {INT8ARRAYOID};
	SPIPlanPtr	plan = SPI_prepare(query, 1, argtypes);

	if (plan == NULL)
		elog(ERROR, "SPI_prepare failed: %s", SPI_result_code_string(SPI_result));
	SPI_keepplan(plan);
	return plan;
}

static Datum
int8_array_datum(const int64 *ids, int64 n)
{
	Datum	   *elems = palloc_extended(Max(n, 1) * sizeof(Datum), MCXT_ALLOC_HUGE);
	ArrayType  *array;

	for (int64 i = 0; i < n; i++)
		elems[i] = Int64GetDatum(ids[i]);
	array = construct_array(elems, (int) n, INT8OID, sizeof(int64), FLOAT8PASSBYVAL, TYPALIGN_DOUBLE);
	pfree(elems);
	return PointerGetDatum(array);
}

static void
missing_lot_error(int64 id)
{
	ereport(ERROR,
			(errcode(ERRCODE_NO_DATA_FOUND),
			 errmsg("lot %lld does not exist", (long long) id)));
}

/* Does the lot exist for this snapshot?  One probe of lots' primary key. */
static bool
lot_exists_direct(GenealogyStore *store, int64 id)
{
	ScanKeyData key;
	ItemPointer tid;
	bool		found = false;
	MemoryContext old = MemoryContextSwitchTo(store->cxt);

	/* the index AM keeps state across calls: see read_links_index */
	if (store->pkey_scan == NULL)
	{
		store->pkey_scan = lottrace_index_beginscan(store->lots, store->lots_pkey, store->snapshot, 1, 0);
		store->pkey_scan->xs_want_itup = true;
	}
	ScanKeyInit(&key, 1, BTEqualStrategyNumber, F_INT8EQ, Int64GetDatum(id));
	index_rescan(store->pkey_scan, &key, 1, NULL, 0);
	while (!found && (tid = index_getnext_tid(store->pkey_scan, ForwardScanDirection)) != NULL)
	{
		if (VM_ALL_VISIBLE(store->lots, ItemPointerGetBlockNumber(tid), &store->lots_vmbuffer))
		{
			if (IsolationIsSerializable())
				PredicateLockPage(store->lots, ItemPointerGetBlockNumber(tid), store->snapshot);
			found = true;
		}
		else if (index_fetch_heap(store->pkey_scan, store->lots_slot))
		{
			ExecClearTuple(store->lots_slot);
			found = true;
		}
	}
	MemoryContextSwitchTo(old);
	return found;
}

/* existence checks through the page-by-page reader: mark what is seen */
typedef struct FoundLots
{
	const int64 *ids;
	bool	   *found;
	int64		pos;
} FoundLots;

static bool
mark_found(void *arg, const GenealogyLink *link)
{
	FoundLots  *f = (FoundLots *) arg;

	while (f->ids[f->pos] < link->near)
		f->pos++;
	f->found[f->pos] = true;
	return false;
}

/* the smallest of the sorted ids that is not a lot, if any, through SQL */
static bool
first_missing_lot_sql(GenealogyStore *store, const int64 *ids, int64 nids, int64 *missing)
{
	static SPIPlanPtr plan = NULL;
	Datum		arg;
	bool		isnull;
	Datum		first;

	/*
	 * The ids come back as the int8 they were passed as, whatever the type
	 * of lots.id (this path is also taken when it is not bigint).
	 */
	connect_spi(store);
	if (plan == NULL)
		plan = prepare_kept("SELECT pg_catalog.min(k.id) FROM pg_catalog.unnest($1) AS k(id) "
							"WHERE NOT EXISTS (SELECT FROM lottrace.lots l "
							"WHERE l.id OPERATOR(pg_catalog.=) k.id)");
	arg = int8_array_datum(ids, nids);
	if (SPI_execute_plan(plan, &arg, NULL, true, 1) != SPI_OK_SELECT || SPI_processed != 1)
		elog(ERROR, "could not check that lots exist");
	first = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);
	if (!isnull)
		*missing = DatumGetInt64(first);
	SPI_freetuptable(SPI_tuptable);
	pfree(DatumGetPointer(arg));
	return !isnull;
}

/* the same through lots' primary key */
static bool
first_missing_lot_direct(GenealogyStore *store, const int64 *ids, int64 nids, int64 *missing)
{
	bool		found_missing = false;

	if (!store->lots_btree_tried)
	{
		MemoryContext old = MemoryContextSwitchTo(store->cxt);

		store->lots_btree_tried = true;
		store->lots_btree = lottrace_btree_reader_create(store->lots, store->lots_pkey, 0, 0, 0, 0, 0, 0,
														 store->snapshot, store->lots_slot);
		MemoryContextSwitchTo(old);
	}
	if (store->lots_btree)
	{
		FoundLots	f;
		TraceLevelStats stats;
		MemoryContext old = MemoryContextSwitchTo(store->cxt);

		memset(&stats, 0, sizeof(stats));
		f.ids = ids;
		f.pos = 0;
		f.found = palloc0(Max(nids, 1) * sizeof(bool));
		lottrace_btree_reader_read(store->lots_btree, ids, nids, false, NULL, mark_found, &f,
								   NULL, NULL, &stats);
		MemoryContextSwitchTo(old);
		for (int64 i = 0; i < nids && !found_missing; i++)
			if (!f.found[i])
			{
				*missing = ids[i];
				found_missing = true;
			}
		pfree(f.found);
		return found_missing;
	}
	for (int64 i = 0; i < nids; i++)
	{
		CHECK_FOR_INTERRUPTS();
		if (!lot_exists_direct(store, ids[i]))
		{
			*missing = ids[i];
			return true;
		}
	}
	return false;
}

/*
 * The ids are taken from the set in order, KEY_CHUNK at a time: no array
 * proportional to the roots is built, and the btree reader, which goes
 * through all the keys a leaf covers under its lock, is never handed more
 * than a chunk (keys beyond the last lot would all fall on the rightmost
 * leaf).  The first chunk with a missing lot has the smallest one.
 */
void
lottrace_genealogy_check_lots_exist(GenealogyStore *store, LotSet *ids)
{
	LotSetWalk	walk;
	int64	   *chunk = palloc(KEY_CHUNK * sizeof(int64));
	int64		n;
	int64		missing = 0;
	bool		found_missing = false;

	lottrace_lotset_walk_begin(ids, &walk, PG_INT64_MIN);
	while (!found_missing && (n = lottrace_lotset_walk_ids(&walk, chunk, KEY_CHUNK)) > 0)
	{
		CHECK_FOR_INTERRUPTS();
		if (store->use_sql || store->lots_sql)
			found_missing = first_missing_lot_sql(store, chunk, n, &missing);
		else
			found_missing = first_missing_lot_direct(store, chunk, n, &missing);
	}
	lottrace_lotset_walk_end(&walk);
	pfree(chunk);
	if (found_missing)
		missing_lot_error(missing);
}

/* ---- the rows of lots (trace_quantities) ---- */

typedef struct LotRowsRead
{
	GenealogyStore *store;
	GenealogyLotVisitor visit;
	void	   *arg;
	GenealogyLot lot;
} LotRowsRead;

/* the row of a lot whose heap tuple the primary key reader left in lots_slot */
static void
lot_row_details(void *arg, GenealogyLink *entry)
{
	LotRowsRead *r = (LotRowsRead *) arg;
	TupleTableSlot *slot = r->store->lots_slot;

	r->lot.id = entry->near;
	r->lot.item = slot_getattr(slot, r->store->lots_item, &r->lot.item_isnull);
	r->lot.quantity = slot_getattr(slot, r->store->lots_quantity, &r->lot.quantity_isnull);
	r->lot.uom = slot_getattr(slot, r->store->lots_uom, &r->lot.uom_isnull);
}

static bool
visit_lot_row(void *arg, const GenealogyLink *entry pg_attribute_unused())
{
	LotRowsRead *r = (LotRowsRead *) arg;

	Assert(r->lot.id == entry->near);
	return r->visit(r->arg, &r->lot);
}

/* the row of a lot as lots_quantities_idx holds it */
static bool
visit_lot_cover(void *arg, const GenealogyLink *entry)
{
	LotRowsRead *r = (LotRowsRead *) arg;

	r->lot.id = entry->near;
	r->lot.item = entry->item;
	r->lot.item_isnull = entry->item_isnull;
	r->lot.quantity = entry->quantity;
	r->lot.quantity_isnull = entry->quantity_isnull;
	r->lot.uom = entry->uom;
	r->lot.uom_isnull = entry->uom_isnull;
	return r->visit(r->arg, &r->lot);
}

static void
read_lots_sql(GenealogyStore *store, const int64 *ids, int64 nids,
			  GenealogyLotVisitor visit, void *arg)
{
	static SPIPlanPtr plan = NULL;
	Datum		keys;
	Portal		portal;
	bool		stopped = false;

	connect_spi(store);
	if (plan == NULL)
		plan = prepare_kept("SELECT l.id, l.item, l.quantity, l.uom FROM lottrace.lots l "
							"WHERE l.id OPERATOR(pg_catalog.=) ANY ($1)");
	keys = int8_array_datum(ids, nids);
	portal = SPI_cursor_open(NULL, plan, &keys, NULL, true);
	while (!stopped)
	{
		SPI_cursor_fetch(portal, true, 1000);
		if (SPI_processed == 0)
			break;
		for (uint64 i = 0; i < SPI_processed && !stopped; i++)
		{
			HeapTuple	tuple = SPI_tuptable->vals[i];
			TupleDesc	desc = SPI_tuptable->tupdesc;
			GenealogyLot lot;
			bool		isnull;

			CHECK_FOR_INTERRUPTS();
			lot.id = DatumGetInt64(SPI_getbinval(tuple, desc, 1, &isnull));
			lot.item = SPI_getbinval(tuple, desc, 2, &lot.item_isnull);
			lot.quantity = SPI_getbinval(tuple, desc, 3, &lot.quantity_isnull);
			lot.uom = SPI_getbinval(tuple, desc, 4, &lot.uom_isnull);
			stopped = visit(arg, &lot);
		}
		SPI_freetuptable(SPI_tuptable);
	}
	SPI_cursor_close(portal);
}

/*
 * The covering index of lots page by page (no heap access for an
 * all-visible page), else the primary key as the check that roots exist
 * reads it, fetching each row; through SQL under row-level security or
 * where neither reader can be used.
 */
void
lottrace_genealogy_read_lots(GenealogyStore *store, LotSet *ids,
							 GenealogyLotVisitor visit, void *arg)
{
	LotSetWalk	walk;
	int64	   *chunk = palloc(KEY_CHUNK * sizeof(int64));
	int64		n;
	MemoryContext cxt = CurrentMemoryContext;

	Assert(store->units);
	if (!store->use_sql && !store->lots_sql && !store->lots_btree_tried)
	{
		MemoryContext old = MemoryContextSwitchTo(store->cxt);

		store->lots_btree_tried = true;
		store->lots_btree = lottrace_btree_reader_create(store->lots, store->lots_pkey, 0, 0, 0, 0, 0, 0,
														 store->snapshot, store->lots_slot);
		MemoryContextSwitchTo(old);
	}
	if (store->lots_cover && !store->cover_btree_tried)
	{
		MemoryContext old = MemoryContextSwitchTo(store->cxt);

		store->cover_btree_tried = true;
		store->cover_btree = lottrace_btree_reader_create(store->lots, store->lots_cover, 0, 0, 0,
														  store->cover_quantity, store->cover_uom,
														  store->cover_item,
														  store->snapshot, store->lots_slot);
		MemoryContextSwitchTo(old);
	}
	lottrace_lotset_walk_begin(ids, &walk, PG_INT64_MIN);
	while ((n = lottrace_lotset_walk_ids(&walk, chunk, KEY_CHUNK)) > 0)
	{
		CHECK_FOR_INTERRUPTS();
		if (store->cover_btree && !store->use_sql && !store->lots_sql)
		{
			LotRowsRead r;
			TraceLevelStats stats;

			memset(&r, 0, sizeof(r));
			r.visit = visit;
			r.arg = arg;
			memset(&stats, 0, sizeof(stats));
			if (lottrace_btree_reader_read(store->cover_btree, chunk, n, true, NULL, visit_lot_cover, &r,
										   NULL, NULL, &stats))
				break;
		}
		else if (store->lots_btree && !store->use_sql && !store->lots_sql)
		{
			LotRowsRead r;
			TraceLevelStats stats;

			memset(&r, 0, sizeof(r));
			r.store = store;
			r.visit = visit;
			r.arg = arg;
			memset(&stats, 0, sizeof(stats));
			if (lottrace_btree_reader_read(store->lots_btree, chunk, n, true, NULL, visit_lot_row, &r,
										   lot_row_details, &r, &stats))
				break;
		}
		else
			read_lots_sql(store, chunk, n, visit, arg);
		MemoryContextSwitchTo(cxt);
	}
	lottrace_lotset_walk_end(&walk);
	pfree(chunk);
}

double
lottrace_genealogy_links_per_lot(GenealogyStore *store)
{
	table_statistics(store);
	return store->tuples_per_key;
}

/*
 * Whether the comparison below chooses the index whatever the tables' sizes
 * now, judging from lower bounds of their estimates (estimated_tuples): the
 * pages they had at their last VACUUM, ANALYZE, CREATE INDEX or TRUNCATE
 * (relpages: a table shrinks only through those, which set it), filled
 * with the fewest rows a page is assumed to hold.  The scan costs more the
 * more links there are, and the index less the more lots they spread over,
 * so if the scan is dearer at the smallest sizes it is at the actual ones.
 * This spares most levels, and every small trace of a large genealogy, the
 * tables' sizes now, which cost a system call each (lseek).
 */
static bool
index_surely_cheaper(GenealogyStore *store, int64 nkeys, double per_link)
{
	double		links_low = (double) store->links->rd_rel->relpages * LINKS_PER_PAGE;
	double		lots_low;
	double		margin;

	/* a shard counts a lot per link: the index costs its links' worth */
	if (store->index_suffix[0])
		return links_low * COST_HEAP_TUPLE >= nkeys * (COST_INDEX_KEY + per_link);
	lots_low = (double) store->lots->rd_rel->relpages * LOTS_PER_PAGE;
	if (lots_low <= 0)
		return false;
	/* heap_cost - index_cost = links * margin - nkeys * COST_INDEX_KEY, at most */
	margin = COST_HEAP_TUPLE - nkeys * per_link / lots_low;
	return margin > 0 && links_low * margin >= nkeys * COST_INDEX_KEY;
}

LinkReadMethod
lottrace_genealogy_choose_method(GenealogyStore *store, TraceDirection direction, int64 nkeys,
								 bool details)
{
	double		links;
	/* the index serves the details without the heap where it has them */
	bool		heap_details = details && store->index_quantity[direction] == InvalidAttrNumber;
	double		heap_share = heap_details ? 1.0 : 1.0 - store->all_visible;
	double		index_cost;
	double		heap_cost;

	if (store->use_sql || store->index_sql[direction])
		return LINK_READ_SQL;
	if (trace_method == TRACE_METHOD_INDEX || trace_method == TRACE_METHOD_INDEX_AM)
		return LINK_READ_INDEX;
	if (trace_method == TRACE_METHOD_HEAP)
		return LINK_READ_HEAP;

	if (index_surely_cheaper(store, nkeys, COST_INDEX_TUPLE + heap_share * COST_HEAP_FETCH))
		return LINK_READ_INDEX;
	table_statistics(store);
	links = nkeys * store->tuples_per_key;

	/*
	 * The scan reads every link once, checking each against the frontier;
	 * the index reads the frontier's links, each key costing a little and
	 * each entry on a page the visibility map does not vouch for a heap
	 * fetch.  With a good visibility map the index wins unless the frontier
	 * is nearly the whole graph.
	 */
	index_cost = nkeys * COST_INDEX_KEY +
		links * (COST_INDEX_TUPLE + heap_share * COST_HEAP_FETCH);
	heap_cost = store->links_tuples * COST_HEAP_TUPLE;
	return heap_cost < index_cost ? LINK_READ_HEAP : LINK_READ_INDEX;
}

static IndexScanDesc
links_index_scan(GenealogyStore *store, TraceDirection direction)
{
	if (store->scan[direction] == NULL)
	{
		store->scan[direction] = lottrace_index_beginscan(store->links, store->index[direction],
														  store->snapshot, 2, 0);
		store->scan[direction]->xs_want_itup = true;
	}
	return store->scan[direction];
}

static void
read_details(GenealogyStore *store, GenealogyLink *link)
{
	bool		isnull;
	Datum		kind;

	link->quantity = slot_getattr(store->links_slot, store->col_quantity, &link->quantity_isnull);
	kind = slot_getattr(store->links_slot, store->col_kind, &isnull);
	link->kind = isnull ? InvalidOid : DatumGetObjectId(kind);
	link->uom_isnull = true;
	if (store->units)
		link->uom = slot_getattr(store->links_slot, store->col_uom, &link->uom_isnull);
}

static void
read_details_callback(void *arg, GenealogyLink *link)
{
	read_details((GenealogyStore *) arg, link);
}

/* the page-by-page reader of a direction, created on first use */
static BtreeLinkReader *
links_btree_reader(GenealogyStore *store, TraceDirection direction)
{
	if (!store->btree_tried[direction])
	{
		MemoryContext old = MemoryContextSwitchTo(store->cxt);

		store->btree_tried[direction] = true;
		store->btree[direction] = lottrace_btree_reader_create(store->links, store->index[direction],
															   store->index_far[direction],
															   store->index_id[direction],
															   store->times ? store->index_time[direction] : 0,
															   store->index_quantity[direction],
															   store->index_uom[direction], 0,
															   store->snapshot, store->links_slot);
		MemoryContextSwitchTo(old);
	}
	return store->btree[direction];
}

/*
 * The index method through the index AM, for btrees older than version 4:
 * runs of nearby keys, each one index search merged with the keys.
 *
 * The index AM allocates state lazily during a scan (btree's killed-items
 * array, tuple workspace at rescan) in the current memory context and frees
 * it at index_endscan, so all calls run in the store's context, which lives
 * as long as the scan; visitors allocate in contexts of their own.
 */
static bool
read_links_index(GenealogyStore *store, TraceDirection direction,
				 const int64 *keys, int64 nkeys, bool details, LotSet *skip,
				 GenealogyLinkVisitor visit, void *arg, TraceLevelStats *stats)
{
	MemoryContext old = MemoryContextSwitchTo(store->cxt);
	IndexScanDesc scan = links_index_scan(store, direction);
	TupleDesc	itupdesc = RelationGetDescr(store->index[direction]);
	AttrNumber	far_col = store->index_far[direction];
	AttrNumber	id_col = store->index_id[direction];
	bool		serializable = IsolationIsSerializable();
	int64		next = 0;

	table_statistics(store);
	while (next < nkeys)
	{
		ScanKeyData skeys[2];
		int64		last = next;
		int64		k = next;
		int64		wasted = 0;
		bool		restarted = false;
		ItemPointer tid;

		while (last + 1 < nkeys &&
			   (uint64) keys[last + 1] - (uint64) keys[last] <= (uint64) store->run_gap)
			last++;
		/* the scan was begun with two keys: a lone key is the range [k, k] */
		ScanKeyInit(&skeys[0], 1, BTGreaterEqualStrategyNumber, F_INT8GE, Int64GetDatum(keys[next]));
		ScanKeyInit(&skeys[1], 1, BTLessEqualStrategyNumber, F_INT8LE, Int64GetDatum(keys[last]));
		index_rescan(scan, skeys, 2, NULL, 0);
		stats->reads++;

		while ((tid = index_getnext_tid(scan, ForwardScanDirection)) != NULL)
		{
			IndexTuple	itup = scan->xs_itup;
			GenealogyLink link;
			bool		isnull;

			CHECK_FOR_INTERRUPTS();
			stats->tuples++;
			link.near = DatumGetInt64(index_getattr(itup, 1, itupdesc, &isnull));
			while (keys[k] < link.near)
				k++;
			if (keys[k] != link.near)
			{
				/* a long stretch of lots not in the frontier: search anew */
				if (++wasted > RUN_WASTE_LIMIT)
				{
					next = k;
					restarted = true;
					break;
				}
				continue;
			}
			wasted = 0;
			link.far = DatumGetInt64(index_getattr(itup, far_col, itupdesc, &isnull));
			if (skip && lotset_contains(skip, link.far))
				continue;

			if (details)
			{
				stats->heap_fetches++;
				if (!index_fetch_heap(scan, store->links_slot))
					continue;
				read_details(store, &link);
			}
			else if (!VM_ALL_VISIBLE(store->links, ItemPointerGetBlockNumber(tid),
									 &store->links_vmbuffer))
			{
				stats->heap_fetches++;
				if (!index_fetch_heap(scan, store->links_slot))
					continue;
				ExecClearTuple(store->links_slot);
			}
			else if (serializable)
				PredicateLockPage(store->links, ItemPointerGetBlockNumber(tid), store->snapshot);

			link.link_id = DatumGetInt64(index_getattr(itup, id_col, itupdesc, &isnull));
			if (store->times)
				link.linked_at = DatumGetTimestampTz(index_getattr(itup, store->index_time[direction],
																   itupdesc, &isnull));
			stats->links++;
			if (visit(arg, &link))
			{
				MemoryContextSwitchTo(old);
				return true;
			}
		}
		if (!restarted)
			next = last + 1;
	}
	MemoryContextSwitchTo(old);
	return false;
}

/*
 * The heap method: one sequential scan of links, probing the set of keys
 * (those at least "from").
 */
static bool
read_links_heap(GenealogyStore *store, TraceDirection direction,
				LotSet *keys, int64 from, bool details, LotSet *skip,
				GenealogyLinkVisitor visit, void *arg, TraceLevelStats *stats)
{
	TableScanDesc scan;
	TupleTableSlot *slot = store->links_slot;
	AttrNumber	near_col = store->col_near[direction];
	AttrNumber	far_col = store->col_near[1 - direction];
	bool		stopped = false;

	scan = table_beginscan(store->links, store->snapshot, 0, NULL);
	stats->reads++;
	while (table_scan_getnextslot(scan, ForwardScanDirection, slot))
	{
		GenealogyLink link;
		bool		isnull;

		CHECK_FOR_INTERRUPTS();
		stats->tuples++;
		link.near = DatumGetInt64(slot_getattr(slot, near_col, &isnull));
		if (link.near < from || !lotset_contains(keys, link.near))
			continue;
		link.far = DatumGetInt64(slot_getattr(slot, far_col, &isnull));
		if (skip && lotset_contains(skip, link.far))
			continue;
		link.link_id = DatumGetInt64(slot_getattr(slot, store->col_id, &isnull));
		if (store->times)
			link.linked_at = DatumGetTimestampTz(slot_getattr(slot, store->col_linked_at, &isnull));
		if (details)
			read_details(store, &link);
		stats->links++;
		if (visit(arg, &link))
		{
			stopped = true;
			break;
		}
	}
	table_endscan(scan);
	ExecClearTuple(slot);
	return stopped;
}

/*
 * The SQL method, for row-level security: one query per piece of a level
 * (KEY_CHUNK lots), not per lot, under the caller's policies on links and
 * lots.  A link counts only when the lot at its far end is visible too.
 */
static bool
read_links_sql(GenealogyStore *store, TraceDirection direction,
			   const int64 *keys, int64 nkeys, bool details, LotSet *skip,
			   GenealogyLinkVisitor visit, void *arg, TraceLevelStats *stats)
{
	/* by direction; none, details, details with units; with times or not */
	static SPIPlanPtr plans[2][3][2];
	int			columns = details ? (store->units ? 2 : 1) : 0;
	SPIPlanPtr	plan;
	Datum		keys_array;
	Portal		portal;
	bool		stopped = false;

	connect_spi(store);
	plan = plans[direction][columns][store->times];
	if (plan == NULL)
	{
		static const char *const extra[3] = {"", ", k.quantity, k.kind", ", k.quantity, k.kind, k.uom"};
		char		query[512];
		const char *near = near_columns[direction];
		const char *far = near_columns[1 - direction];

		snprintf(query, sizeof(query),
				 "SELECT k.%s, k.%s, k.id%s%s FROM lottrace.links k "
				 "WHERE k.%s OPERATOR(pg_catalog.=) ANY ($1) "
				 "AND EXISTS (SELECT FROM lottrace.lots l WHERE l.id OPERATOR(pg_catalog.=) k.%s)",
				 near, far, store->times ? ", k.linked_at" : "",
				 extra[columns], near, far);
		plan = plans[direction][columns][store->times] = prepare_kept(query);
	}

	keys_array = int8_array_datum(keys, nkeys);
	portal = SPI_cursor_open(NULL, plan, &keys_array, NULL, true);
	stats->reads++;
	while (!stopped)
	{
		SPI_cursor_fetch(portal, true, 10000);
		if (SPI_processed == 0)
			break;
		for (uint64 i = 0; i < SPI_processed; i++)
		{
			HeapTuple	tuple = SPI_tuptable->vals[i];
			TupleDesc	desc = SPI_tuptable->tupdesc;
			GenealogyLink link;
			bool		isnull;

			CHECK_FOR_INTERRUPTS();
			stats->tuples++;
			link.near = DatumGetInt64(SPI_getbinval(tuple, desc, 1, &isnull));
			link.far = DatumGetInt64(SPI_getbinval(tuple, desc, 2, &isnull));
			if (skip && lotset_contains(skip, link.far))
				continue;
			link.link_id = DatumGetInt64(SPI_getbinval(tuple, desc, 3, &isnull));
			if (store->times)
				link.linked_at = DatumGetTimestampTz(SPI_getbinval(tuple, desc, 4, &isnull));
			if (details)
			{
				Datum		kind;
				int			col = store->times ? 5 : 4;

				link.quantity = SPI_getbinval(tuple, desc, col, &link.quantity_isnull);
				kind = SPI_getbinval(tuple, desc, col + 1, &isnull);
				link.kind = isnull ? InvalidOid : DatumGetObjectId(kind);
				link.uom_isnull = true;
				if (columns == 2)
					link.uom = SPI_getbinval(tuple, desc, col + 2, &link.uom_isnull);
			}
			stats->links++;
			if (visit(arg, &link))
			{
				stopped = true;
				break;
			}
		}
		SPI_freetuptable(SPI_tuptable);
	}
	SPI_cursor_close(portal);
	pfree(DatumGetPointer(keys_array));
	return stopped;
}

/* links of sorted keys, by a method that reads keys */
static bool
read_links_of_keys(GenealogyStore *store, LinkReadMethod method, TraceDirection direction,
				   const int64 *keys, int64 nkeys, bool details, LotSet *skip,
				   GenealogyLinkVisitor visit, void *arg, TraceLevelStats *stats)
{
	if (method == LINK_READ_INDEX && trace_method != TRACE_METHOD_INDEX_AM)
	{
		BtreeLinkReader *reader = links_btree_reader(store, direction);

		if (reader)
			return lottrace_btree_reader_read(reader, keys, nkeys, details, skip, visit, arg,
											  read_details_callback, store, stats);
	}
	if (method == LINK_READ_SQL)
		return read_links_sql(store, direction, keys, nkeys, details, skip, visit, arg, stats);
	stats->method = LINK_READ_INDEX_AM;
	return read_links_index(store, direction, keys, nkeys, details, skip, visit, arg, stats);
}

bool
lottrace_genealogy_read_links(GenealogyStore *store, LinkReadMethod method, TraceDirection direction,
							  LotSet *keys, int64 nkeys, int64 from, bool details, LotSet *skip,
							  GenealogyLinkVisitor visit, void *arg, TraceLevelStats *stats)
{
	LotSetWalk	walk;
	int64	   *chunk;
	int64		chunk_size = Max(Min(nkeys, KEY_CHUNK), 1);
	int64		n;
	bool		stopped = false;

	stats->method = method;
	if (method == LINK_READ_HEAP)
		return read_links_heap(store, direction, keys, from, details, skip, visit, arg, stats);

	/* the keys in order, a piece at a time */
	chunk = palloc(chunk_size * sizeof(int64));
	lottrace_lotset_walk_begin(keys, &walk, from);
	while (!stopped && (n = lottrace_lotset_walk_ids(&walk, chunk, chunk_size)) > 0)
		stopped = read_links_of_keys(store, method, direction, chunk, n, details,
									 skip, visit, arg, stats);
	lottrace_lotset_walk_end(&walk);
	pfree(chunk);
	return stopped;
}

void
lottrace_genealogy_read_times(GenealogyStore *store)
{
	static const char *const links_columns[] = {"linked_at"};
	static const char *const lots_columns[] = {"produced_at", "container"};
	Oid			events_oid = RangeVarGetRelid(makeRangeVar("lottrace", "events", -1), AccessShareLock, false);
	Oid			event_lots_oid = RangeVarGetRelid(makeRangeVar("lottrace", "event_lots", -1), AccessShareLock, false);
	Relation	events = table_open(events_oid, NoLock);
	Relation	event_lots = table_open(event_lots_oid, NoLock);

	/* the queries below would raise as well, but only once they run */
	lottrace_check_select(store->links, links_columns, 1);
	lottrace_check_select(store->lots, lots_columns, 2);
	if (pg_class_aclcheck(events_oid, GetUserId(), ACL_SELECT) != ACLCHECK_OK)
		aclcheck_error(ACLCHECK_NO_PRIV, OBJECT_TABLE, RelationGetRelationName(events));
	if (pg_class_aclcheck(event_lots_oid, GetUserId(), ACL_SELECT) != ACLCHECK_OK)
		aclcheck_error(ACLCHECK_NO_PRIV, OBJECT_TABLE, RelationGetRelationName(event_lots));
	table_close(events, NoLock);
	table_close(event_lots, NoLock);

	store->col_linked_at = links_column(store, "linked_at");
	for (int d = 0; d < 2; d++)
	{
		const char *name = lottrace_genealogy_index_names[d];

		if (store->index[d] == NULL || store->use_sql || store->index_sql[d])
			continue;
		store->index_time[d] = lottrace_genealogy_index_include_col(store->links, store->index[d],
																	"linked_at");
		if (store->index_time[d] == InvalidAttrNumber)
			ereport(ERROR,
					(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
					 errmsg("genealogy index lottrace.%s does not include linked_at", name),
					 errdetail("Time-respecting traces read the time of each link from the genealogy index."),
					 errhint("Recreate it with: %s", index_definitions[d])));
	}
	store->times = true;

	/*
	 * SPI now, in the caller's context: SPI_finish (at close) goes back to
	 * the context SPI_connect was called in, which a search's own would not
	 * outlive.
	 */
	connect_spi(store);
}

void
lottrace_genealogy_lot_times(GenealogyStore *store, LotSet *lots,
							 GenealogyLotTimeVisitor visit, void *arg)
{
	static SPIPlanPtr plan = NULL;
	MemoryContext cxt = CurrentMemoryContext;
	LotSetWalk	walk;
	int64	   *chunk = palloc(KEY_CHUNK * sizeof(int64));
	int64		n;

	connect_spi(store);
	if (plan == NULL)
		plan = prepare_kept("SELECT l.id, coalesce(l.produced_at, "
							"(SELECT pg_catalog.min(e.occurred_at) FROM lottrace.event_lots el "
							"JOIN lottrace.events e ON e.id OPERATOR(pg_catalog.=) el.event_id "
							"WHERE el.lot_id OPERATOR(pg_catalog.=) l.id "
							"AND e.kind::text OPERATOR(pg_catalog.=) ANY ('{receive,first_receive}'::text[]))) "
							"FROM lottrace.lots l WHERE l.id OPERATOR(pg_catalog.=) ANY ($1)");
	lottrace_lotset_walk_begin(lots, &walk, PG_INT64_MIN);
	while ((n = lottrace_lotset_walk_ids(&walk, chunk, KEY_CHUNK)) > 0)
	{
		Datum		keys = int8_array_datum(chunk, n);

		CHECK_FOR_INTERRUPTS();
		if (SPI_execute_plan(plan, &keys, NULL, true, 0) != SPI_OK_SELECT)
			elog(ERROR, "could not read the times of lots");
		/* SPI leaves us in its own context */
		MemoryContextSwitchTo(cxt);
		for (uint64 i = 0; i < SPI_processed; i++)
		{
			bool		isnull;
			int64		lot = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 1, &isnull));
			Datum		at = SPI_getbinval(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 2, &isnull);

			visit(arg, lot, !isnull, isnull ? 0 : DatumGetTimestampTz(at));
		}
		SPI_freetuptable(SPI_tuptable);
		pfree(DatumGetPointer(keys));
	}
	lottrace_lotset_walk_end(&walk);
	pfree(chunk);
}

void
lottrace_genealogy_cleanings(GenealogyStore *store, GenealogyCleaningVisitor visit, void *arg)
{
	static SPIPlanPtr plan = NULL;
	MemoryContext cxt = CurrentMemoryContext;
	Portal		portal;

	connect_spi(store);
	if (plan == NULL)
	{
		/* kind as text: the label is compared when the query runs */
		plan = SPI_prepare("SELECT el.lot_id, e.occurred_at FROM lottrace.events e "
						   "JOIN lottrace.event_lots el ON el.event_id OPERATOR(pg_catalog.=) e.id "
						   "JOIN lottrace.lots l ON l.id OPERATOR(pg_catalog.=) el.lot_id "
						   "WHERE e.kind::text OPERATOR(pg_catalog.=) 'clean' "
						   "AND el.role::text OPERATOR(pg_catalog.=) 'subject' AND l.container "
						   "ORDER BY 1, 2", 0, NULL);
		if (plan == NULL)
			elog(ERROR, "SPI_prepare failed: %s", SPI_result_code_string(SPI_result));
		SPI_keepplan(plan);
	}
	portal = SPI_cursor_open(NULL, plan, NULL, NULL, true);
	for (;;)
	{
		SPI_cursor_fetch(portal, true, 10000);
		/* SPI leaves us in its own context */
		MemoryContextSwitchTo(cxt);
		if (SPI_processed == 0)
			break;
		for (uint64 i = 0; i < SPI_processed; i++)
		{
			bool		isnull;

			CHECK_FOR_INTERRUPTS();
			visit(arg,
				  DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 1, &isnull)),
				  DatumGetTimestampTz(SPI_getbinval(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 2, &isnull)));
		}
		SPI_freetuptable(SPI_tuptable);
	}
	SPI_cursor_close(portal);
	MemoryContextSwitchTo(cxt);
}

/* Every lot marked container (lots.container), by id. */
void
lottrace_genealogy_containers(GenealogyStore *store, GenealogyContainerVisitor visit, void *arg)
{
	static SPIPlanPtr plan = NULL;
	MemoryContext cxt = CurrentMemoryContext;
	Portal		portal;

	connect_spi(store);
	if (plan == NULL)
	{
		plan = SPI_prepare("SELECT l.id FROM lottrace.lots l WHERE l.container ORDER BY 1", 0, NULL);
		if (plan == NULL)
			elog(ERROR, "SPI_prepare failed: %s", SPI_result_code_string(SPI_result));
		SPI_keepplan(plan);
	}
	portal = SPI_cursor_open(NULL, plan, NULL, NULL, true);
	for (;;)
	{
		SPI_cursor_fetch(portal, true, 10000);
		/* SPI leaves us in its own context */
		MemoryContextSwitchTo(cxt);
		if (SPI_processed == 0)
			break;
		for (uint64 i = 0; i < SPI_processed; i++)
		{
			bool		isnull;

			CHECK_FOR_INTERRUPTS();
			visit(arg, DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 1, &isnull)));
		}
		SPI_freetuptable(SPI_tuptable);
	}
	SPI_cursor_close(portal);
	MemoryContextSwitchTo(cxt);
}

/*
 * How the store is read, for genealogy_info(): "index" when everything is
 * read directly, else where SQL is used and why.
 */
static void
genealogy_path(GenealogyStore *store, char *path, size_t size)
{
	StringInfoData buf;

	if (store->use_sql)
	{
		strlcpy(path, store->sql_reason, size);
		return;
	}
	initStringInfo(&buf);
	for (int d = 0; d < 2; d++)
		if (store->index_sql[d])
			appendStringInfo(&buf, "%s%s: %s", buf.len > 0 ? "; " : "",
							 d == TRACE_FORWARD ? "forward" : "backward",
							 store->index_sql_reason[d]);
	if (store->lots_sql)
		appendStringInfo(&buf, "%sroots checked with sql: %s", buf.len > 0 ? "; " : "",
						 store->lots_sql_reason);
	strlcpy(path, buf.len > 0 ? buf.data : "index", size);
	pfree(buf.data);
}

void
lottrace_genealogy_stats_begin(GenealogyStore *store, int64 nroots)
{
	memset(&last_trace, 0, sizeof(last_trace));
	strlcpy(last_trace.function, store->function, sizeof(last_trace.function));
	genealogy_path(store, last_trace.path, sizeof(last_trace.path));
	last_trace.roots = nroots;
	INSTR_TIME_SET_CURRENT(store->trace_start);
}

TraceLevelStats *
lottrace_genealogy_stats_level(GenealogyStore *store, TraceDirection direction, int32 depth)
{
	TraceLevelStats *level;

	if (last_trace.nlevels < TRACE_STATS_MAX_LEVELS)
		level = &last_trace.levels[last_trace.nlevels++];
	else
	{
		static TraceLevelStats scratch;

		level = &scratch;
	}
	memset(level, 0, sizeof(*level));
	level->direction = direction;
	level->depth = depth;
	INSTR_TIME_SET_CURRENT(store->level_start);
	return level;
}

void
lottrace_genealogy_stats_level_done(GenealogyStore *store, TraceLevelStats *level)
{
	instr_time	now;

	INSTR_TIME_SET_CURRENT(now);
	INSTR_TIME_SUBTRACT(now, store->level_start);
	level->ms = INSTR_TIME_GET_MILLISEC(now);
	if (level < last_trace.levels || level >= last_trace.levels + TRACE_STATS_MAX_LEVELS)
	{
		TraceLevelStats *more = &last_trace.more;

		last_trace.more_levels++;
		more->method = level->method;
		more->frontier += level->frontier;
		more->reads += level->reads;
		more->tuples += level->tuples;
		more->heap_fetches += level->heap_fetches;
		more->links += level->links;
		more->new_lots += level->new_lots;
		more->spilled += level->spilled;
		more->ms += level->ms;
	}
}

void
lottrace_genealogy_stats_end(GenealogyStore *store, int64 lots)
{
	instr_time	now;

	INSTR_TIME_SET_CURRENT(now);
	INSTR_TIME_SUBTRACT(now, store->trace_start);
	last_trace.ms = INSTR_TIME_GET_MILLISEC(now);
	last_trace.lots = lots;
	last_trace.links = last_trace.more.links;
	for (int i = 0; i < last_trace.nlevels; i++)
		last_trace.links += last_trace.levels[i].links;
	last_trace.valid = true;
}

const TraceStats *
lottrace_genealogy_last_trace(void)
{
	return &last_trace;
}
