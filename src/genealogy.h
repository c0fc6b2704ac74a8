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
 *	genealogy_btree.c	reads a genealogy index page by page.
 *	lotset.c/.h		sets of lot ids.
 *	trace_bfs.c		the breadth-first search over those reads: visited set,
 *					shortest depth, via, levels, and the two-sided search of
 *					is_descendant.
 *	trace_funcs.c, trace_dot.c, genealogy_info.c	the SQL-callable functions.
 *
 * Every read uses the calling statement's snapshot, so a trace sees exactly
 * what a recursive CTE in the same statement would see.
 */
#ifndef LOTTRACE_GENEALOGY_H
#define LOTTRACE_GENEALOGY_H

#include "postgres.h"

#include "fmgr.h"
#include "utils/array.h"

#include "port/pg_bitutils.h"

#include "lotset.h"

typedef enum TraceDirection
{
	TRACE_FORWARD = 0,			/* parent to child: what a lot went into */
	TRACE_BACKWARD = 1			/* child to parent: what a lot was made of */
} TraceDirection;

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
	Datum		uom;			/* text, with genealogy_read_units; valid
								 * until the next link */
	bool		uom_isnull;
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
extern void genealogy_init(void);

/*
 * Open the store for a call of "function": checks SELECT privileges (42501)
 * on what it will read (with "details", links.quantity and links.kind too)
 * and the genealogy indexes, and decides between direct reads and SQL
 * (row-level security).  Allocates in the current memory context.
 */
extern GenealogyStore *genealogy_open(const char *function, bool details);
extern void genealogy_close(GenealogyStore *store);

/*
 * Read links.uom with the details too (trace_quantities); checks SELECT on
 * that column as well.
 */
extern void genealogy_read_units(GenealogyStore *store);

/*
 * Raise P0002 naming the first of the (sorted, distinct) lot ids that is
 * not in lottrace.lots as the caller sees it.
 */
extern void genealogy_check_lots_exist(GenealogyStore *store,
									   const int64 *ids, int64 nids);

/*
 * Choose how to read the links of a frontier of nkeys lots, the near ends
 * (parents going forward, children going backward).  "details" means
 * quantity and kind will be wanted.
 */
extern LinkReadMethod genealogy_choose_method(GenealogyStore *store, int64 nkeys,
											  bool details);

/*
 * Read every visible link whose near end is one of the keys (about nkeys
 * of them), from "from" up, calling "visit" for each; stops early when the visitor says so (and
 * then returns true).  Links whose far end is in "skip" (if not NULL) are
 * passed over without a look at their visibility: a search has no use for
 * links to lots it has reached.
 * LINK_READ_INDEX delivers links in ascending order of their near end, the
 * other methods in no particular order.
 */
extern bool genealogy_read_links(GenealogyStore *store, LinkReadMethod method,
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
	char		path[128];		/* "index" or why SQL was used */
	int64		roots;
	int64		lots;
	int64		links;
	double		ms;
	int			nlevels;		/* levels recorded in "levels" */
	TraceLevelStats levels[TRACE_STATS_MAX_LEVELS];
	TraceLevelStats more;		/* sum of the levels past those */
	int64		more_levels;
} TraceStats;

extern void genealogy_stats_begin(GenealogyStore *store, int64 nroots);
extern TraceLevelStats *genealogy_stats_level(GenealogyStore *store,
											  TraceDirection direction, int32 depth);
extern void genealogy_stats_level_done(GenealogyStore *store, TraceLevelStats *level);
extern void genealogy_stats_end(GenealogyStore *store, int64 lots);
extern const TraceStats *genealogy_last_trace(void);

/* ---- trace_bfs.c ---- */

typedef struct TraceSide TraceSide;

/*
 * Memory a search may use for itself, besides its sets of lots (a bit or so
 * per lot): work_mem.  Its lists of lots go to temporary files beyond that.
 */
extern Size trace_memory_limit(void);

/*
 * Start a breadth-first search from the roots (sorted, distinct, known to
 * exist), which become depth 0.
 */
extern TraceSide *trace_side_create(GenealogyStore *store, TraceDirection direction,
									const int64 *roots, int64 nroots);
extern void trace_side_free(TraceSide *side);

/*
 * Expand the frontier by one level.  Every link read is passed to "visit"
 * (if not NULL) first; it may stop the search by returning true, and then
 * this returns true.  Afterwards the lots reached for the first time are the
 * new frontier, at depth trace_side_depth().  The frontier's lots must have
 * been handed out (if wanted) before.
 */
extern bool trace_side_expand(TraceSide *side, bool details,
							  GenealogyLinkVisitor visit, void *arg);

/*
 * Have the lots of a level handed to "sink" as they are reached, with
 * their depth and via, when the order links are read in settles the via at
 * once (through the index); trace_side_frontier_next then has nothing to
 * hand out for that level.  Levels read otherwise still go through
 * trace_side_frontier_next.
 */
typedef void (*TraceRowSink) (void *arg, int64 lot, int32 depth, int64 via);
extern void trace_side_stream(TraceSide *side, TraceRowSink sink, void *arg);

extern int32 trace_side_depth(TraceSide *side);
extern int64 trace_side_frontier_size(TraceSide *side);
extern int64 trace_side_reached_count(TraceSide *side);

/*
 * A piece of a frontier: its lots as words of a lot set (word numbers and
 * bits, ascending), and the lot each was reached from, in the same order.
 * TRACE_PIECE_FOREACH walks them.
 */
typedef struct TracePiece
{
	int64		nlots;
	int64		nwords;
	const uint64 *words;
	const uint64 *bits;
	const int64 *vias;			/* NULL at depth 0, or if not asked for */
} TracePiece;

#define TRACE_PIECE_FOREACH(piece, w, bits, rank) \
	for (int64 w = 0, rank = 0; w < (piece)->nwords; w++) \
		for (uint64 bits = (piece)->bits[w]; bits != 0; bits &= bits - 1, rank++)

/* the lot of TRACE_PIECE_FOREACH's current bit */
#define TRACE_PIECE_LOT(piece, w, bits) \
	lotset_word_id((piece)->words[w], pg_rightmost_one_pos64(bits))

/*
 * Hand out the frontier in order of id, a piece at a time: false once all
 * was handed out, or at once for a level whose lots went to the sink of
 * trace_side_stream.  With "vias" (which needs that sink: it is what makes
 * a level list them), the piece has them, except at depth 0, the roots.
 * What it points to is valid until the next call.
 */
extern bool trace_side_frontier_next(TraceSide *side, bool vias, TracePiece *piece);

/* sorted, distinct copy of an int8[] argument; NULL elements raise 22004 */
extern int64 *trace_roots_from_array(ArrayType *roots, int64 *nroots);

/* Directions a function may be asked to trace in. */
typedef enum TraceWay
{
	TRACE_WAY_FORWARD,
	TRACE_WAY_BACKWARD,
	TRACE_WAY_BOTH
} TraceWay;

/* a link of the traced subgraph, with the depth of its near end */
typedef void (*TraceLinkCallback) (void *arg, const GenealogyLink *link,
								   TraceDirection direction, int32 depth);

/* the lots of a new frontier (the roots first) */
typedef void (*TraceLotsCallback) (void *arg, TraceSide *side);

/*
 * Trace the subgraph of roots in one or both directions, expanding lots at
 * depths below max_depth (-1: no bound).  on_link gets every link read, each
 * once (with both directions, a link the forward trace met is not passed
 * again); details (quantity, kind) are read when on_link is given.  Returns
 * the number of lots reached, summed over the directions.
 */
extern int64 trace_walk(GenealogyStore *store, TraceWay way,
						const int64 *roots, int64 nroots, int32 max_depth,
						TraceLinkCallback on_link, TraceLotsCallback on_lots,
						void *arg);

/* sort int64 ids ascending and drop duplicates; returns the new count */
extern int64 trace_sort_unique(int64 *ids, int64 n);

/* ---- trace_search.c ---- */

/* true when a path of one or more links leads from ancestor to lot */
extern bool trace_is_descendant(GenealogyStore *store, int64 lot, int64 ancestor);

/* ---- trace_funcs.c: arguments shared by the SQL functions ---- */

/* max_depth: NULL is -1 (no bound), negative raises 22023 */
extern int32 trace_max_depth_arg(FunctionCallInfo fcinfo, int argno);

/* roots bigint[]: sorted and distinct; NULL raises 22004 */
extern int64 *trace_roots_arg(FunctionCallInfo fcinfo, int argno, int64 *nroots);

/* direction text: forward, backward or both (22023 otherwise) */
extern TraceWay trace_direction_arg(FunctionCallInfo fcinfo, int argno);

#endif							/* LOTTRACE_GENEALOGY_H */
