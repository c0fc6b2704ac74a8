/*
 * drop_guard.c
 *	  Refusing to drop the extension while its store holds data.
 *
 * DROP EXTENSION lottrace drops the tables that hold the genealogy, the
 * stock and the recalls, rows and all.  The extension's event trigger
 * lottrace_drop_guard (ddl_command_start, for the tags DROP EXTENSION,
 * DROP SCHEMA and DROP OWNED only) calls lottrace.drop_guard(), which reads
 * the statement about to run: when it would drop lottrace and one of the
 * extension's data tables has a row, it raises, unless the setting
 * lottrace.allow_drop_with_data is on.
 *
 * Why ddl_command_start: it runs before anything is dropped, and it still
 * runs when the statement is about to drop the event trigger itself; by
 * sql_drop the trigger is gone along with the extension.  Its parse tree
 * tells which objects the statement names, so unrelated drops cost a look
 * at a list of names and nothing more.
 */
#include "postgres.h"

#include "commands/event_trigger.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "lib/stringinfo.h"
#include "nodes/parsenodes.h"
#include "utils/acl.h"
#include "utils/guc.h"

#include "compat.h"
#include "drop_guard.h"

/* the control file fixes both: schema = lottrace, relocatable = false */
#define LOTTRACE_EXTENSION_NAME "lottrace"
#define LOTTRACE_SCHEMA_NAME "lottrace"

static bool allow_drop_with_data = false;

void
lottrace_drop_guard_init(void)
{
	DefineCustomBoolVariable("lottrace.allow_drop_with_data",
							 "Lets DROP EXTENSION lottrace delete the data the extension holds.",
							 "Off, dropping the extension (or its schema with CASCADE, or "
							 "with DROP OWNED its owner's objects) is refused while any of "
							 "its tables has a row.",
							 &allow_drop_with_data, false,
							 PGC_SUSET, 0, NULL, NULL, NULL);
}

/* the owner of the extension in this database, InvalidOid if none */
static Oid
extension_owner(void)
{
	Oid			owner = InvalidOid;
	bool		isnull;

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	if (SPI_execute("SELECT e.extowner FROM pg_catalog.pg_extension e "
					"WHERE e.extname = '" LOTTRACE_EXTENSION_NAME "'",
					true, 1) != SPI_OK_SELECT)
		elog(ERROR, "SPI_execute failed: reading pg_extension");
	if (SPI_processed == 1)
	{
		Datum		value = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);

		if (!isnull)
			owner = DatumGetObjectId(value);
	}
	SPI_finish();
	return owner;
}

static bool
names_include(List *names, const char *name)
{
	ListCell   *cell;

	foreach(cell, names)
	{
		if (strcmp(strVal(lfirst(cell)), name) == 0)
			return true;
	}
	return false;
}

/* whether the statement would drop the extension */
static bool
drops_extension(Node *parsetree)
{
	if (IsA(parsetree, DropStmt))
	{
		DropStmt   *stmt = (DropStmt *) parsetree;

		if (stmt->removeType == OBJECT_EXTENSION)
			return names_include(stmt->objects, LOTTRACE_EXTENSION_NAME);
		/* without CASCADE the extension, which depends on it, stops it */
		if (stmt->removeType == OBJECT_SCHEMA && stmt->behavior == DROP_CASCADE)
			return names_include(stmt->objects, LOTTRACE_SCHEMA_NAME);
	}
	else if (IsA(parsetree, DropOwnedStmt))
	{
		DropOwnedStmt *stmt = (DropOwnedStmt *) parsetree;
		Oid			owner = extension_owner();
		ListCell   *cell;

		foreach(cell, stmt->roles)
		{
			if (get_rolespec_oid((RoleSpec *) lfirst(cell), true) == owner)
				return true;
		}
	}
	return false;
}

/*
 * Raises when a table of the extension that holds users' data (those
 * registered with pg_extension_config_dump) has a row.
 */
static void
refuse_if_store_holds_data(void)
{
	int			save_nestlevel;
	SPITupleTable *tables;
	uint64		ntables;
	StringInfoData nonempty;
	int			count = 0;

	/*
	 * With row_security off, a policy that would hide rows from the caller
	 * makes the look an error instead of an empty table.
	 */
	save_nestlevel = NewGUCNestLevel();
	(void) set_config_option("row_security", "off", PGC_USERSET, PGC_S_SESSION,
							 GUC_ACTION_SAVE, true, 0, false);

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	if (SPI_execute("SELECT pg_catalog.format('%I.%I', n.nspname, c.relname) "
					"FROM pg_catalog.pg_extension e "
					"CROSS JOIN LATERAL pg_catalog.unnest(e.extconfig) AS t(relid) "
					"JOIN pg_catalog.pg_class c ON c.oid = t.relid "
					"JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
					"WHERE e.extname = '" LOTTRACE_EXTENSION_NAME "' "
					"AND c.relkind IN ('r', 'p') "
					"ORDER BY c.relname",
					true, 0) != SPI_OK_SELECT)
		elog(ERROR, "SPI_execute failed: listing the extension's tables");
	tables = SPI_tuptable;
	ntables = SPI_processed;

	initStringInfo(&nonempty);
	for (uint64 i = 0; i < ntables; i++)
	{
		char	   *table = SPI_getvalue(tables->vals[i], tables->tupdesc, 1);

		if (SPI_execute(psprintf("SELECT FROM %s LIMIT 1", table), true, 1) != SPI_OK_SELECT)
			elog(ERROR, "SPI_execute failed: reading %s", table);
		if (SPI_processed > 0)
		{
			appendStringInfo(&nonempty, "%s%s", count > 0 ? ", " : "", table);
			count++;
		}
	}

	/* still inside SPI: the error's cleanup ends it, and the setting */
	if (count > 0)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("extension \"%s\" still holds data", LOTTRACE_EXTENSION_NAME),
				 errdetail_plural("Table %s has rows, which dropping the extension would delete.",
								  "Tables %s have rows, which dropping the extension would delete.",
								  count, nonempty.data),
				 errhint("To delete them with the extension, SET lottrace.allow_drop_with_data = on "
						 "first (as a superuser, in the same session); to keep them, pg_dump them first.")));

	SPI_finish();
	AtEOXact_GUC(true, save_nestlevel);
}

PG_FUNCTION_INFO_V1(lottrace_drop_guard);

Datum
lottrace_drop_guard(PG_FUNCTION_ARGS)
{
	EventTriggerData *trigdata;

	if (!CALLED_AS_EVENT_TRIGGER(fcinfo))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_EVENT_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("lottrace.drop_guard() may only be called as an event trigger")));
	trigdata = (EventTriggerData *) fcinfo->context;

	if (!allow_drop_with_data && drops_extension(trigdata->parsetree))
		refuse_if_store_holds_data();
	PG_RETURN_VOID();
}
