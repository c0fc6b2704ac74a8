/*
 * kept.h
 *	  What a backend found out about some relations, kept from one call to
 *	  the next until a change that could make it wrong.
 */
#ifndef LOTTRACE_KEPT_H
#define LOTTRACE_KEPT_H

#include "postgres.h"

#define KEPT_MAX_RELATIONS 8

/*
 * The relations a kept finding is about.  It stays valid until a relcache
 * invalidation of one of them (DDL on them or their columns, CREATE INDEX
 * CONCURRENTLY's flags, GRANT and REVOKE, a drop, a rename), a change in
 * pg_namespace (lottrace renamed), pg_enum or pg_opclass (an enum value
 * renamed, another default operator class), or the reset of every cache.
 * A caller locks the kept relations before it trusts them: taking a lock
 * the transaction does not hold yet processes the pending invalidations,
 * so a finding still valid then has seen every change committed before
 * the lock, and a lock already held keeps out the DDL that would change
 * the relations.
 */
typedef struct KeptRelations
{
	bool		valid;
	Oid			relids[KEPT_MAX_RELATIONS];	/* InvalidOid where unused */
	struct KeptRelations *next; /* all those tracked */
} KeptRelations;

/*
 * Keep *kept (static storage) valid from now on, its relids filled in, until
 * an invalidation above.
 */
extern void lottrace_kept_track(KeptRelations *kept);

#endif							/* LOTTRACE_KEPT_H */
