/*
 * kept.c
 *	  Per-backend findings about relations, forgotten on invalidation
 *	  (kept.h): allocate's checked store (fefo_walk.c) and the trace
 *	  engine's genealogy store (genealogy.c).
 */
#include "postgres.h"

#include "utils/inval.h"
#include "utils/syscache.h"

#include "kept.h"

static KeptRelations *tracked = NULL;
static bool callbacks_registered = false;

static void
forget_relation(Datum arg pg_attribute_unused(), Oid relid)
{
	for (KeptRelations *kept = tracked; kept != NULL; kept = kept->next)
		for (int i = 0; i < KEPT_MAX_RELATIONS; i++)
			if (!OidIsValid(relid) || (kept->relids[i] == relid))
			{
				kept->valid = false;
				break;
			}
}

static void
forget_all(Datum arg pg_attribute_unused(), int cacheid pg_attribute_unused(),
		   uint32 hashvalue pg_attribute_unused())
{
	for (KeptRelations *kept = tracked; kept != NULL; kept = kept->next)
		kept->valid = false;
}

void
lottrace_kept_track(KeptRelations *kept)
{
	KeptRelations *k;

	if (!callbacks_registered)
	{
		CacheRegisterRelcacheCallback(forget_relation, (Datum) 0);
		CacheRegisterSyscacheCallback(NAMESPACEOID, forget_all, (Datum) 0);
		CacheRegisterSyscacheCallback(ENUMOID, forget_all, (Datum) 0);
		CacheRegisterSyscacheCallback(CLAOID, forget_all, (Datum) 0);
		callbacks_registered = true;
	}
	for (k = tracked; k != NULL && k != kept; k = k->next)
		;
	if (k == NULL)
	{
		kept->next = tracked;
		tracked = kept;
	}
	kept->valid = true;
}
