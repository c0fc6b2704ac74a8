/*
 * genealogy.h
 *	  Reading the lot genealogy (lottrace.lots, lottrace.links) for the trace
 *	  engine, and tracing it breadth first.
 *
 * The layers, one file each:
 *
 *	genealogy.c		opens the store for one call: privileges, row-level
 *					security, the genealogy indexes; checks that root lots
 *					exist; reads the links of a whole frontier at once, by the
 *					cheapest method (the index page by page, a sequential scan
 *					of links, or SQL when row-level security applies); keeps
 *					the statistics that genealogy_info() shows.
 *	genealogy_shape.c	checks that the tables and indexes have the
 *					definitions the direct readers assume.
 *	genealogy_btree.c	reads a genealogy index page by page.
 *	lotset.c/.h		sets of lot ids.
 *	trace.h			the engine over the store: trace_bfs.c (breadth first),
 *					trace_search.c (is_descendant), trace_common.c (the
 *					multi-source search of trace_common_sources), and the
 *					SQL-callable functions (trace_funcs.c, trace_dot.c);
 *					genealogy_info.c.
 *
 * Every read uses the calling statement's snapshot, so a trace sees exactly
 * what a recursive CTE in the same statement would see.
 */
#ifndef LOTTRACE_GENEALOGY_H
#define LOTTRACE_GENEALOGY_H

#include "postgres.h"

#include "fmgr.h"
#include "datatype/timestamp.h"
#include "utils/array.h"
#include "utils/relcache.h"

#include "port/pg_bitutils.h"

#include "lotset.h"

typedef enum TraceDirection
{
	TRACE_FORWARD = 0,			/* parent to child: what a lot went into */
	TRACE_BACKWARD = 1			/* child to parent: what a lot was made of */
} TraceDirection;

/* Directions a function may be asked to trace in. */
typedef enum TraceWay
{
	TRACE_WAY_FORWARD,
	TRACE_WAY_BACKWARD,
	TRACE_WAY_BOTH
} TraceWay;

/* the genealogy index of each direction, by name, in the schema of links */
extern const char *const lottrace_genealogy_index_names[2];

/* How the links of one level were read. */
typedef enum LinkReadMethod
{
	LINK_READ_INDEX,			/* the covering index, page by page */
	LINK_READ_HEAP,				/* one sequential scan of links */
	LINK_READ_SQL,				/* a query under row-level security */
	LINK_READ_INDEX_AM			/* the covering index through the index AM */
} LinkReadMethod;

/* One link as the trace meets it: "near" is the end it came from. */
typedef struct GenealogyLink
{
	int64		near;
	int64		far;
	int64		link_id;
	/* the following only when details were asked for */
	Datum		quantity;		/* numeric, valid until the next link */
	bool		quantity_isnull;
	Oid			kind;			/* lottrace.link_kind label */
	Datum		uom;			/* text, with lottrace_genealogy_read_units; valid
								 * until the next link */
	bool		uom_isnull;
	Datum		item;			/* only lots read from their covering index */
	bool		item_isnull;
	/* only when the store reads times (lottrace_genealogy_read_times) */
	TimestampTz linked_at;
} GenealogyLink;

/* Called for every visible link read; returns true to stop reading. */
typedef bool (*GenealogyLinkVisitor) (void *arg, const GenealogyLink *link);

/* What one level of a trace did, for genealogy_info(). */
typedef struct TraceLevelStats
{
	TraceDirection direction;
	int32		depth;			/* depth of the frontier that was expanded */
	LinkReadMethod method;
	int64		frontier;		/* lots expanded */
	int64		reads;			/* index pages read, index searches, scans or
								 * queries, by method */
	int64		tuples;			/* index or heap tuples read */
	int64		heap_fetches;	/* index tuples checked against the heap */
	int64		links;			/* visible links followed */
	int64		new_lots;		/* lots reached for the first time */
	int64		spilled;		/* bytes of its lists in temporary files */
	double		ms;
} TraceLevelStats;

typedef struct GenealogyStore GenealogyStore;

/* defines the setting lottrace.trace_method; called from _PG_init */
extern void lottrace_genealogy_init(void);

/*
 * Open the store for a call of "function" that traces the way given:
 * checks SELECT privileges (42501) on what it will read (with "details",
 * links.quantity and links.kind too), the types of the columns of links
 * (55000), and the genealogy index of each direction traced: missing 42704,
 * a definition the readers cannot read 55000; one that exists but may not be
 * used yet sends that direction to SQL.  Decides between direct reads and
 * SQL (row-level security).  Allocates in the current memory context.
 */
extern GenealogyStore *lottrace_genealogy_open(const char *function, bool details, TraceWay way);

/*
 * The same over one Citus shard of lottrace.links (lottrace.links_<shardid>,
 * read through its own genealogy indexes), for the distributed trace
 * (citus.c): no details, and no SQL reader (0A000 where row-level security
 * would need it).
 */
extern GenealogyStore *lottrace_genealogy_open_shard(const char *function, Oid shard, TraceWay way);
extern void lottrace_genealogy_close(GenealogyStore *store);

/* SELECT on the table or on each of the columns, else 42501 */
extern void lottrace_check_select(Relation rel, const char *const *columns, int ncolumns);

/*
 * Read links.uom with the details too, and allow lottrace_genealogy_read_lots
 * (trace_quantities); checks SELECT on links.uom and on lots (id, item,
 * quantity, uom), and the types of those columns of lots (55000).  The
 * details are then a link's quantity and uom only: where the genealogy
 * index includes both, they are read from it (no heap access for an
 * all-visible page) and kind is left InvalidOid.  Call before the first
 * read.
 */
extern void lottrace_genealogy_read_units(GenealogyStore *store);

/* A row of lots as trace_quantities reads it; values valid until the next. */
typedef struct GenealogyLot
{
	int64		id;
	Datum		item;			/* text */
	bool		item_isnull;
	Datum		quantity;		/* numeric */
	bool		quantity_isnull;
	Datum		uom;			/* text */
	bool		uom_isnull;
} GenealogyLot;

/* Called for every visible row read; returns true to stop reading. */
typedef bool (*GenealogyLotVisitor) (void *arg, const GenealogyLot *lot);

/*
 * Read the rows of the lots of the set that the caller sees, in order of
 * id when read directly (lots_quantities_idx, else the primary key and the
 * heap, page by page), in no particular
 * order through SQL (row-level security).  After
 * lottrace_genealogy_read_units.
 */
extern void lottrace_genealogy_read_lots(GenealogyStore *store, LotSet *ids,
										 GenealogyLotVisitor visit, void *arg);

/*
 * Have every link read carry its linked_at, for time-respecting traces:
 * checks SELECT on links.linked_at and on what the functions below read
 * (lots.produced_at, events, event_lots: 42501), the column's type (55000),
 * and that each genealogy index the store reads directly includes the
 * column (55000 naming the index and how to rebuild it).  Call before the
 * first read.
 */
extern void lottrace_genealogy_read_times(GenealogyStore *store);

/*
 * The time material is known to be in each lot of the set from: its
 * produced_at, else its earliest receive or first_receive event, else
 * neither ("found" false); "visit" gets each lot once.  Through SQL, under
 * the caller's privileges and policies, in pieces of the set.
 */
typedef void (*GenealogyLotTimeVisitor) (void *arg, int64 lot, bool found, TimestampTz at);
extern void lottrace_genealogy_lot_times(GenealogyStore *store, LotSet *lots,
										 GenealogyLotTimeVisitor visit, void *arg);

/*
 * Every cleaning of a container: events of kind clean with a lot marked
 * container (lots.container) as subject, by lot and then time.
 */
typedef void (*GenealogyCleaningVisitor) (void *arg, int64 lot, TimestampTz at);
extern void lottrace_genealogy_cleanings(GenealogyStore *store,
										 GenealogyCleaningVisitor visit, void *arg);

/*
 * Every lot marked container (lots.container), by id: trace_quantities
 * through time (the same privileges as the cleanings).
 */
typedef void (*GenealogyContainerVisitor) (void *arg, int64 lot);
extern void lottrace_genealogy_containers(GenealogyStore *store,
										  GenealogyContainerVisitor visit, void *arg);

/*
 * Raise P0002 naming the smallest lot id of the set that is not in
 * lottrace.lots as the caller sees it.  Reads the set in pieces, checking
 * for interrupts between them.
 */
extern void lottrace_genealogy_check_lots_exist(GenealogyStore *store, LotSet *ids);

/*
 * Choose how to read the links of a frontier of nkeys lots in a direction,
 * the near ends (parents going forward, children going backward).
 * "details" means quantity and kind will be wanted.
 */
/* the links a lot has in one direction, on average (the cost model's estimate) */
extern double lottrace_genealogy_links_per_lot(GenealogyStore *store);

extern LinkReadMethod lottrace_genealogy_choose_method(GenealogyStore *store, TraceDirection direction,
													   int64 nkeys, bool details);

/*
 * Read every visible link whose near end is one of the keys (about nkeys
 * of them), from "from" up, calling "visit" for each; stops early when the visitor says so (and
 * then returns true).  Links whose far end is in "skip" (if not NULL) are
 * passed over without a look at their visibility: a search has no use for
 * links to lots it has reached.
 * LINK_READ_INDEX delivers links in ascending order of their near end, the
 * other methods in no particular order.
 */
extern bool lottrace_genealogy_read_links(GenealogyStore *store, LinkReadMethod method,
										  TraceDirection direction, LotSet *keys, int64 nkeys,
										  int64 from, bool details, LotSet *skip,
										  GenealogyLinkVisitor visit, void *arg,
										  TraceLevelStats *stats);

/* Statistics of the last trace of this backend, for genealogy_info(). */
#define TRACE_STATS_MAX_LEVELS 64

typedef struct TraceStats
{
	bool		valid;
	char		function[NAMEDATALEN];
	char		path[256];		/* "index" or where and why SQL was used */
	int64		roots;
	int64		lots;
	int64		links;
	double		ms;
	int			nlevels;		/* levels recorded in "levels" */
	TraceLevelStats levels[TRACE_STATS_MAX_LEVELS];
	TraceLevelStats more;		/* sum of the levels past those */
	int64		more_levels;
} TraceStats;

extern void lottrace_genealogy_stats_begin(GenealogyStore *store, int64 nroots);
extern TraceLevelStats *lottrace_genealogy_stats_level(GenealogyStore *store,
													   TraceDirection direction, int32 depth);
extern void lottrace_genealogy_stats_level_done(GenealogyStore *store, TraceLevelStats *level);
extern void lottrace_genealogy_stats_end(GenealogyStore *store, int64 lots);
extern const TraceStats *lottrace_genealogy_last_trace(void);

/* ---- genealogy_shape.c ---- */

/*
 * What is wrong with a column of links for the readers (a sentence), or
 * NULL: id, parent_id and child_id must be bigint NOT NULL, quantity
 * numeric, kind lottrace.link_kind, uom text, linked_at timestamptz NOT NULL.
 */
extern const char *lottrace_genealogy_links_column_problem(Relation links, const char *column);

/*
 * What is wrong with the definition of a genealogy index for the readers
 * (a sentence), or NULL: a btree on the near end of the direction, int8_ops
 * ascending, no predicate or expression, with the far end and the link id
 * among its INCLUDE columns, whose positions in the index tuple are
 * returned.  Whether it may be used yet is another question
 * (lottrace_genealogy_index_unready).
 */
extern const char *lottrace_genealogy_index_problem(Relation links, Relation index,
													TraceDirection direction,
													AttrNumber *far_col, AttrNumber *id_col);

/*
 * A column of links' position among the INCLUDE columns of a genealogy
 * index (linked_at, quantity, uom), or 0; the same for lots and its index
 */
extern AttrNumber lottrace_genealogy_index_include_col(Relation links, Relation index,
													   const char *column);

/*
 * Why an index whose definition is right may not be read by this
 * transaction (a phrase), or NULL: not valid or not ready (being built or
 * dropped concurrently, a failed build), or built over broken HOT chains
 * too recently for the snapshot.
 */
extern const char *lottrace_genealogy_index_unready(Relation index);

/*
 * What keeps the primary key of lots from being probed directly with int8
 * keys (a phrase), or NULL; the check that roots exist then uses SQL.
 */
extern const char *lottrace_genealogy_lots_pkey_problem(Relation lots, Relation pkey);

/*
 * What keeps lots_quantities_idx from serving the rows of lots (a phrase),
 * or NULL and the positions of item, quantity and uom in its tuples.
 */
extern const char *lottrace_genealogy_lots_cover_problem(Relation lots, Relation index,
														 AttrNumber *item_col,
														 AttrNumber *quantity_col,
														 AttrNumber *uom_col);

#endif							/* LOTTRACE_GENEALOGY_H */
