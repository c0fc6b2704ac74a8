/*
 * trace.h
 *	  The trace engine over the genealogy store (genealogy.h): breadth-first
 *	  search (trace_bfs.c), the two-sided search of is_descendant
 *	  (trace_search.c), and the arguments the SQL functions share
 *	  (trace_funcs.c).  trace_common.c (trace_common_sources) reads the
 *	  store's levels itself, as trace_search.c does, because its frontier
 *	  carries bits per lot and a lot may be expanded more than once.
 */
#ifndef LOTTRACE_TRACE_H
#define LOTTRACE_TRACE_H

#include "postgres.h"

#include "fmgr.h"
#include "port/pg_bitutils.h"
#include "utils/array.h"

#include "genealogy.h"
#include "lotset.h"

/* ---- trace_bfs.c ---- */

typedef struct TraceSide TraceSide;

/*
 * Memory a search may use for itself, besides its sets of lots (a bit or so
 * per lot): work_mem.  Its lists of lots go to temporary files beyond that.
 */
extern Size lottrace_trace_memory_limit(void);

/*
 * Start a breadth-first search from the roots (nroots of them, known to
 * exist), which become depth 0.
 */
extern TraceSide *lottrace_trace_side_create(GenealogyStore *store, TraceDirection direction,
											 LotSet *roots, int64 nroots);
extern void lottrace_trace_side_free(TraceSide *side);

/*
 * Expand the frontier by one level.  Every link read is passed to "visit"
 * (if not NULL) first; it may stop the search by returning true, and then
 * this returns true.  Afterwards the lots reached for the first time are the
 * new frontier, at depth lottrace_trace_side_depth().  The frontier's lots must have
 * been handed out (if wanted) before.
 */
extern bool lottrace_trace_side_expand(TraceSide *side, bool details,
									   GenealogyLinkVisitor visit, void *arg);

/*
 * Have the lots of a level handed to "sink" as they are reached, with
 * their depth and via, when the order links are read in settles the via at
 * once (through the index); lottrace_trace_side_frontier_next then has nothing to
 * hand out for that level.  Levels read otherwise still go through
 * lottrace_trace_side_frontier_next.
 */
typedef void (*TraceRowSink) (void *arg, int64 lot, int32 depth, int64 via);
extern void lottrace_trace_side_stream(TraceSide *side, TraceRowSink sink, void *arg);

extern int32 lottrace_trace_side_depth(TraceSide *side);
extern int64 lottrace_trace_side_frontier_size(TraceSide *side);
extern int64 lottrace_trace_side_reached_count(TraceSide *side);

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
 * lottrace_trace_side_stream.  With "vias" (which needs that sink: it is what makes
 * a level list them), the piece has them, except at depth 0, the roots.
 * What it points to is valid until the next call.
 */
extern bool lottrace_trace_side_frontier_next(TraceSide *side, bool vias, TracePiece *piece);

/*
 * The set of the ids of an int8[] argument, and how many distinct ones;
 * NULL elements raise 22004.  Interruptible at any size.
 */
extern LotSet *lottrace_trace_roots_from_array(ArrayType *roots, int64 *nroots);

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
extern int64 lottrace_trace_walk(GenealogyStore *store, TraceWay way,
								 LotSet *roots, int64 nroots, int32 max_depth,
								 TraceLinkCallback on_link, TraceLotsCallback on_lots,
								 void *arg);

/* ---- trace_time.c ---- */

/*
 * The time-respecting trace of roots in one or both directions (see
 * trace_time.c; the store must read times: lottrace_genealogy_read_times),
 * through time-respecting paths of at most max_depth links (-1: no bound).
 * on_lot gets every lot reached, once per direction, with its depth and via
 * (via undefined at depth 0), level by level; on_link every link followed,
 * once (as lottrace_trace_walk), with details.  Returns the number of lots
 * reached, summed over the directions.
 */
extern int64 lottrace_trace_time_walk(GenealogyStore *store, TraceWay way,
									  LotSet *roots, int64 nroots, int32 max_depth,
									  TraceLinkCallback on_link, TraceRowSink on_lot,
									  void *arg);

/* ---- trace_search.c ---- */

/* true when a path of one or more links leads from ancestor to lot */
extern bool lottrace_trace_is_descendant(GenealogyStore *store, int64 lot, int64 ancestor);

/* ---- trace_funcs.c: arguments shared by the SQL functions ---- */

/* max_depth: NULL is -1 (no bound), negative raises 22023 */
extern int32 lottrace_trace_max_depth_arg(FunctionCallInfo fcinfo, int argno);

/* roots bigint[]: their set (lottrace_trace_roots_from_array); NULL raises 22004 */
extern LotSet *lottrace_trace_roots_arg(FunctionCallInfo fcinfo, int argno, int64 *nroots);

/* direction text: forward, backward or both (22023 otherwise) */
extern TraceWay lottrace_trace_direction_arg(FunctionCallInfo fcinfo, int argno);

/*
 * respect_time boolean, if the function was called with that many
 * arguments (an older SQL definition has none: false); NULL raises 22004.
 */
extern bool lottrace_trace_respect_time_arg(FunctionCallInfo fcinfo, int argno);

/* the result's tuplestore and row type (InitMaterializedSRF) */
extern void lottrace_trace_result_begin(FunctionCallInfo fcinfo);

#endif							/* LOTTRACE_TRACE_H */
