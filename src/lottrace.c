/*
 * lottrace.c
 *	  Module entry point of the lottrace extension: each subsystem's
 *	  settings, the settings of the SQL-level features, and the reserved
 *	  prefix of all of them.
 */
#include "postgres.h"

#include "fmgr.h"
#include "utils/guc.h"

#include "compat.h"
#include "drop_guard.h"
#include "genealogy.h"

PG_MODULE_MAGIC;

/*
 * Read by SQL only (set_status sets it, the status-log trigger reads it):
 * declared so that the prefix can be reserved, and a misspelt
 * lottrace.* setting is an error instead of a new placeholder.
 */
static char *status_reason = NULL;

PGDLLEXPORT void _PG_init(void);

void
_PG_init(void)
{
	lottrace_genealogy_init();
	lottrace_drop_guard_init();

	DefineCustomStringVariable("lottrace.status_reason",
							   "Reason recorded in lot_status_log with the status changes of this session.",
							   "set_status sets it, for the transaction, to its reason argument; "
							   "set it yourself (SET LOCAL) before updating lottrace.lots.status directly.",
							   &status_reason, "",
							   PGC_USERSET, 0, NULL, NULL, NULL);

	MarkGUCPrefixReserved("lottrace");
}
