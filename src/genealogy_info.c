/*
 * genealogy_info.c
 *	  genealogy_info(): what the genealogy index is, how big, how it is kept,
 *	  and what the last trace of this session did, level by level.
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/relation.h"
#include "access/table.h"
#include "catalog/namespace.h"
#include "catalog/pg_index.h"
#include "funcapi.h"
#include "lib/stringinfo.h"
#include "nodes/makefuncs.h"
#include "storage/bufmgr.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/ruleutils.h"
#include "utils/syscache.h"

#include "compat.h"
#include "genealogy.h"

PG_FUNCTION_INFO_V1(genealogy_info);

static const char *const direction_names[2] = {"forward", "backward"};
static const char *const method_names[4] = {"index", "heap scan", "sql", "index AM"};
static const char *const read_units[4] = {"index pages read", "scans", "queries", "index searches"};

static void
put_row(ReturnSetInfo *rsinfo, const char *property, const char *value)
{
	Datum		values[2];
	bool		nulls[2] = {false, false};

	values[0] = CStringGetTextDatum(property);
	values[1] = CStringGetTextDatum(value);
	tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
}

static char *
size_pretty(int64 bytes)
{
	return text_to_cstring(DatumGetTextPP(DirectFunctionCall1(pg_size_pretty,
															  Int64GetDatum(bytes))));
}

/*
 * A genealogy index: its definition, size, and whether traces read it
 * directly, through SQL (not ready yet), or raise an error (a definition
 * the readers cannot read), as lottrace_genealogy_open decides.
 */
static void
put_index(ReturnSetInfo *rsinfo, Relation links, TraceDirection direction)
{
	const char *name = lottrace_genealogy_index_names[direction];
	Oid			indexoid = get_relname_relid(name, RelationGetNamespace(links));
	char		property[64];
	Relation	index;
	AttrNumber	far_col;
	AttrNumber	id_col;
	const char *problem;
	const char *unready;

	snprintf(property, sizeof(property), "%s index", direction_names[direction]);
	if (!OidIsValid(indexoid))
	{
		put_row(rsinfo, property, psprintf("lottrace.%s is missing", name));
		return;
	}
	put_row(rsinfo, property, pg_get_indexdef_string(indexoid));

	index = index_open(indexoid, AccessShareLock);
	snprintf(property, sizeof(property), "%s index size", direction_names[direction]);
	put_row(rsinfo, property,
			size_pretty((int64) RelationGetNumberOfBlocks(index) * BLCKSZ));
	problem = lottrace_genealogy_index_problem(links, index, direction, &far_col, &id_col);
	unready = problem ? NULL : lottrace_genealogy_index_unready(index);
	index_close(index, AccessShareLock);

	snprintf(property, sizeof(property), "%s index state", direction_names[direction]);
	if (problem)
		put_row(rsinfo, property,
				psprintf("not usable: %s %s traces raise an error until it is recreated "
						 "as the extension defines it", problem,
						 direction == TRACE_FORWARD ? "Forward" : "Backward"));
	else if (unready)
		put_row(rsinfo, property,
				psprintf("%s: %s traces read links through SQL until it is rebuilt (REINDEX)",
						 strcmp(unready, "is not valid") == 0 ? "not valid"
						 : "newer than this transaction's snapshot",
						 direction_names[direction]));
	else
		put_row(rsinfo, property,
				"valid, maintained by PostgreSQL on every write (btree, WAL-logged)");
}

/* whether the check that roots exist probes lots' primary key or uses SQL */
static void
put_lots_pkey(ReturnSetInfo *rsinfo)
{
	Oid			lots_oid = RangeVarGetRelid(makeRangeVar("lottrace", "lots", -1),
											AccessShareLock, false);
	Relation	lots = table_open(lots_oid, NoLock);
	Relation	pkey = NULL;
	const char *problem;

	RelationGetIndexList(lots);
	if (OidIsValid(lots->rd_pkindex))
		pkey = index_open(lots->rd_pkindex, AccessShareLock);
	problem = lottrace_genealogy_lots_pkey_problem(lots, pkey);
	put_row(rsinfo, "lots primary key",
			problem ? psprintf("%s: roots are checked with SQL", problem)
			: psprintf("%s: roots are checked by probing it", RelationGetRelationName(pkey)));
	if (pkey)
		index_close(pkey, AccessShareLock);
	table_close(lots, NoLock);
}

/* the columns of links that traces read */
static void
put_links_columns(ReturnSetInfo *rsinfo, Relation links)
{
	static const char *const columns[] = {"id", "parent_id", "child_id", "quantity", "kind", "uom"};
	StringInfoData buf;

	initStringInfo(&buf);
	for (size_t i = 0; i < lengthof(columns); i++)
	{
		const char *problem = lottrace_genealogy_links_column_problem(links, columns[i]);

		if (problem)
			appendStringInfo(&buf, "%s%s", buf.len > 0 ? " " : "", problem);
	}
	put_row(rsinfo, "links columns",
			buf.len == 0 ? "as traces read them" :
			psprintf("%s Traces that read them raise an error.", buf.data));
}

static void
put_level(ReturnSetInfo *rsinfo, const char *property, const char *what,
		  const TraceLevelStats *level)
{
	/* levels bigger than work_mem say how much went to temporary files */
	char	   *spilled = level->spilled > 0
		? psprintf(", %lld kB in temporary files", (long long) ((level->spilled + 1023) / 1024))
		: "";

	put_row(rsinfo, property,
			psprintf("%s: %s, %lld lots expanded, %lld %s, %lld tuples read, "
					 "%lld heap checks, %lld links, %lld new lots%s, %.3f ms",
					 what, method_names[level->method],
					 (long long) level->frontier, (long long) level->reads,
					 read_units[level->method],
					 (long long) level->tuples, (long long) level->heap_fetches,
					 (long long) level->links, (long long) level->new_lots, spilled,
					 level->ms));
}

/* genealogy_info() returns table (property text, value text) */
Datum
genealogy_info(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo;
	Oid			links_oid;
	Relation	links;
	const TraceStats *last = lottrace_genealogy_last_trace();
	BlockNumber pages;

	InitMaterializedSRF(fcinfo, 0);
	rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;

	links_oid = RangeVarGetRelid(makeRangeVar("lottrace", "links", -1), AccessShareLock, false);
	links = table_open(links_oid, NoLock);
	put_index(rsinfo, links, TRACE_FORWARD);
	put_index(rsinfo, links, TRACE_BACKWARD);
	put_links_columns(rsinfo, links);
	put_lots_pkey(rsinfo);

	pages = RelationGetNumberOfBlocks(links);
	put_row(rsinfo, "links",
			links->rd_rel->reltuples >= 0 ?
			psprintf("%.0f rows (estimated), %s", links->rd_rel->reltuples,
					 size_pretty((int64) pages * BLCKSZ)) :
			psprintf("never analyzed, %s", size_pretty((int64) pages * BLCKSZ)));
	put_row(rsinfo, "links all-visible",
			links->rd_rel->relpages > 0 ?
			psprintf("%d of %d pages at the last VACUUM: index entries there need no heap check",
					 links->rd_rel->relallvisible, links->rd_rel->relpages) :
			"never vacuumed: every index entry needs a heap check until VACUUM links");
	table_close(links, NoLock);

	if (!last->valid)
		put_row(rsinfo, "last trace", "none in this session");
	else
	{
		put_row(rsinfo, "last trace",
				psprintf("%s from %lld root%s: %lld lots reached, %lld links read, %d level%s, %.3f ms",
						 last->function, (long long) last->roots, last->roots == 1 ? "" : "s",
						 (long long) last->lots, (long long) last->links,
						 (int) (last->nlevels + last->more_levels),
						 last->nlevels + last->more_levels == 1 ? "" : "s", last->ms));
		put_row(rsinfo, "last trace path",
				strcmp(last->path, "index") == 0 ?
				"direct: genealogy indexes read from C, method chosen per level" : last->path);
		for (int i = 0; i < last->nlevels; i++)
			put_level(rsinfo, psprintf("last trace level %d", i + 1),
					  last->levels[i].depth < 0 ?
					  psprintf("%s: the inputs of every lot reached",
							   direction_names[last->levels[i].direction]) :
					  psprintf("%s from depth %d", direction_names[last->levels[i].direction],
							   last->levels[i].depth),
					  &last->levels[i]);
		if (last->more_levels > 0)
			put_level(rsinfo, psprintf("last trace levels %d to %lld", last->nlevels + 1,
									   (long long) (last->nlevels + last->more_levels)),
					  "together", &last->more);
	}
	return (Datum) 0;
}
