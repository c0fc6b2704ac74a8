--------------------------------------------------------------------------
-- Dropping the extension deliberately
--------------------------------------------------------------------------

-- DROP EXTENSION lottrace, DROP SCHEMA lottrace CASCADE and DROP OWNED BY
-- the extension's owner are refused while a table of the extension holds a
-- row, unless lottrace.allow_drop_with_data is on (src/drop_guard.c).  The
-- event trigger is part of the extension, so it goes with it; the tag
-- filter keeps every other DDL statement from calling it.
CREATE FUNCTION lottrace.drop_guard() RETURNS event_trigger
	AS 'MODULE_PATHNAME', 'lottrace_drop_guard' LANGUAGE C;
REVOKE EXECUTE ON FUNCTION lottrace.drop_guard() FROM PUBLIC;
COMMENT ON FUNCTION lottrace.drop_guard() IS
	'internal, event trigger: refuses to drop the extension while it holds data, unless lottrace.allow_drop_with_data is on';

CREATE EVENT TRIGGER lottrace_drop_guard ON ddl_command_start
	WHEN TAG IN ('DROP EXTENSION', 'DROP SCHEMA', 'DROP OWNED')
	EXECUTE FUNCTION lottrace.drop_guard();
-- also under session_replication_role = replica
ALTER EVENT TRIGGER lottrace_drop_guard ENABLE ALWAYS;
COMMENT ON EVENT TRIGGER lottrace_drop_guard IS
	'lottrace: refuses DROP EXTENSION lottrace while its tables hold data (see lottrace.allow_drop_with_data)';
