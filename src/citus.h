/*
 * citus.h
 *	  Tracing a genealogy distributed with Citus (citus.c, doc/citus.md).
 */
#ifndef LOTTRACE_CITUS_H
#define LOTTRACE_CITUS_H

#include "postgres.h"

#include "funcapi.h"

#include "compat.h"
#include "genealogy.h"
#include "lotset.h"

/* true when lottrace.links is a Citus distributed table on this node */
extern bool lottrace_citus_links_distributed(void);

/* Time-respecting traces have no distributed path: raises 0A000. */
pg_noreturn extern void lottrace_citus_refuse_time(const char *function);

/* a lot reached, with its depth and the lot it came from (-1 for a root) */
typedef void (*LottraceCitusRowSink) (void *arg, int64 lot, int32 depth, int64 via);

/* a link met, read from its near end, which was reached at depth */
typedef void (*LottraceCitusLinkSink) (void *arg, int64 near, int64 far, int64 link, int32 depth);

/*
 * Trace level by level over the shards, handing each lot to "sink" (if not
 * NULL) once, and every link met to "link_sink" (if not NULL); returns the number of lots and sets *levels to the rounds of
 * shard commands it took.  With a target (which must exist, like the
 * roots), stops after the level where a link leads to it, and says in
 * *found whether one did.
 */
extern int64 lottrace_citus_trace(TraceDirection direction, LotSet *roots, int64 nroots,
								  int32 max_depth, const int64 *target, bool *found,
								  LottraceCitusRowSink sink, LottraceCitusLinkSink link_sink,
								  void *arg, int32 *levels);

/*
 * trace_edges over the shards: the links met by the traces of the way
 * asked, each once, with quantity and kind, into the tuplestore of rsinfo.
 */
extern void lottrace_citus_trace_edges(ReturnSetInfo *rsinfo, TraceWay way, LotSet *roots,
									   int64 nroots, int32 max_depth);

/*
 * trace_quantities' readers over the shards, through SQL, in place of the
 * genealogy store's (lottrace_genealogy_read_links backward with details,
 * lottrace_genealogy_read_lots): every input link of the lots of the set,
 * and the rows of the lots of the set.
 */
extern void lottrace_citus_read_inputs(LotSet *lots, GenealogyLinkVisitor visit, void *arg);
extern void lottrace_citus_read_lots(LotSet *ids, GenealogyLotVisitor visit, void *arg);

#endif							/* LOTTRACE_CITUS_H */
