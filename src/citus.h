/*
 * citus.h
 *	  Tracing a genealogy distributed with Citus (citus.c, doc/citus.md).
 */
#ifndef LOTTRACE_CITUS_H
#define LOTTRACE_CITUS_H

#include "postgres.h"

#include "genealogy.h"
#include "lotset.h"

/* true when lottrace.links is a Citus distributed table on this node */
extern bool lottrace_citus_links_distributed(void);

/* a lot reached, with its depth and the lot it came from (-1 for a root) */
typedef void (*LottraceCitusRowSink) (void *arg, int64 lot, int32 depth, int64 via);

/*
 * Trace level by level over the shards, handing each lot to "sink" (if not
 * NULL) once; returns the number of lots and sets *levels to the rounds of
 * shard commands it took.  With a target (which must exist, like the
 * roots), stops after the level where a link leads to it, and says in
 * *found whether one did.
 */
extern int64 lottrace_citus_trace(TraceDirection direction, LotSet *roots, int64 nroots,
								  int32 max_depth, const int64 *target, bool *found,
								  LottraceCitusRowSink sink, void *arg, int32 *levels);

#endif							/* LOTTRACE_CITUS_H */
