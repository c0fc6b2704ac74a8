-- lottrace 0.1.0 -> 0.2.0
--
-- Brings an installed 0.1.0 to exactly what a fresh install of 0.2.0 creates
-- (test/t/020_upgrade.pl compares the two catalogs object by object).

\echo Use "ALTER EXTENSION lottrace UPDATE TO '0.2.0'" to load this file. \quit

--------------------------------------------------------------------------
-- lot -> text is an assignment cast, no longer implicit (issue 10)
--------------------------------------------------------------------------
-- Implicit, it let a lot operator that is not on the search_path resolve to
-- a text operator ('L9' < 'L10' false, @@ a full-text search).  Nothing in
-- the catalog depends on the cast itself (a binary-coercible cast leaves no
-- dependency in stored expressions), so it is dropped and created again as
-- a fresh install creates it.
DROP CAST (lottrace.lot AS text);
CREATE CAST (lottrace.lot AS text) WITHOUT FUNCTION AS ASSIGNMENT;

-- Without an implicit cast to text, text functions need code::text; these
-- take a lot as it is (with lottrace on the search_path), for the queries
-- query builders write: lower(code) LIKE '%abc%', code ILIKE 'abc%',
-- length(code).
CREATE FUNCTION lottrace.lower(lottrace.lot) RETURNS text
	AS 'MODULE_PATHNAME', 'lot_lower' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION lottrace.lower(lottrace.lot) IS
	'the lot code in lower case, as text';
CREATE FUNCTION lottrace.upper(lottrace.lot) RETURNS text
	AS 'MODULE_PATHNAME', 'lot_upper' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION lottrace.upper(lottrace.lot) IS
	'the lot code in upper case, as text';
CREATE FUNCTION lottrace.length(lottrace.lot) RETURNS integer
	AS 'MODULE_PATHNAME', 'lot_length' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION lottrace.length(lottrace.lot) IS
	'the number of characters of the lot code';

CREATE FUNCTION lottrace.lot_like(lottrace.lot, text) RETURNS boolean
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION lottrace.lot_like(lottrace.lot, text) IS
	'implementation of the lot LIKE text operator (~~)';
CREATE FUNCTION lottrace.lot_not_like(lottrace.lot, text) RETURNS boolean
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION lottrace.lot_not_like(lottrace.lot, text) IS
	'implementation of the lot NOT LIKE text operator (!~~)';
CREATE FUNCTION lottrace.lot_ilike(lottrace.lot, text) RETURNS boolean
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION lottrace.lot_ilike(lottrace.lot, text) IS
	'implementation of the lot ILIKE text operator (~~*)';
CREATE FUNCTION lottrace.lot_not_ilike(lottrace.lot, text) RETURNS boolean
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION lottrace.lot_not_ilike(lottrace.lot, text) IS
	'implementation of the lot NOT ILIKE text operator (!~~*)';

CREATE OPERATOR lottrace.~~ (
	LEFTARG = lottrace.lot, RIGHTARG = text, FUNCTION = lottrace.lot_like,
	NEGATOR = OPERATOR(lottrace.!~~), RESTRICT = matchingsel, JOIN = matchingjoinsel
);
CREATE OPERATOR lottrace.!~~ (
	LEFTARG = lottrace.lot, RIGHTARG = text, FUNCTION = lottrace.lot_not_like,
	NEGATOR = OPERATOR(lottrace.~~), RESTRICT = matchingsel, JOIN = matchingjoinsel
);
CREATE OPERATOR lottrace.~~* (
	LEFTARG = lottrace.lot, RIGHTARG = text, FUNCTION = lottrace.lot_ilike,
	NEGATOR = OPERATOR(lottrace.!~~*), RESTRICT = matchingsel, JOIN = matchingjoinsel
);
CREATE OPERATOR lottrace.!~~* (
	LEFTARG = lottrace.lot, RIGHTARG = text, FUNCTION = lottrace.lot_not_ilike,
	NEGATOR = OPERATOR(lottrace.~~*), RESTRICT = matchingsel, JOIN = matchingjoinsel
);

-- min and max in natural order; without them max(code) would not resolve
-- (with an implicit cast to text it took the text maximum: 'L9', not 'L10').
CREATE FUNCTION lottrace.lot_smaller(lottrace.lot, lottrace.lot) RETURNS lottrace.lot
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION lottrace.lot_smaller(lottrace.lot, lottrace.lot) IS
	'the smaller of two lot codes in natural order (support of min)';
CREATE FUNCTION lottrace.lot_larger(lottrace.lot, lottrace.lot) RETURNS lottrace.lot
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION lottrace.lot_larger(lottrace.lot, lottrace.lot) IS
	'the larger of two lot codes in natural order (support of max)';
CREATE AGGREGATE lottrace.min(lottrace.lot) (
	SFUNC = lottrace.lot_smaller, STYPE = lottrace.lot,
	COMBINEFUNC = lottrace.lot_smaller, SORTOP = OPERATOR(lottrace.<), PARALLEL = SAFE
);
COMMENT ON AGGREGATE lottrace.min(lottrace.lot) IS 'the first lot code in natural order';
CREATE AGGREGATE lottrace.max(lottrace.lot) (
	SFUNC = lottrace.lot_larger, STYPE = lottrace.lot,
	COMBINEFUNC = lottrace.lot_larger, SORTOP = OPERATOR(lottrace.>), PARALLEL = SAFE
);
COMMENT ON AGGREGATE lottrace.max(lottrace.lot) IS 'the last lot code in natural order';

--------------------------------------------------------------------------
-- Privileges and safety: internal helpers not executable by PUBLIC,
-- open_recall under row-level security, the recall views before 15,
-- predefined roles, DROP EXTENSION refused while the store holds data
--------------------------------------------------------------------------

REVOKE EXECUTE ON FUNCTION lottrace.log_status_change() FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION lottrace.check_allocation_arguments(text, numeric, text, date, interval, boolean) FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION lottrace.lock_items(text[]) FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION lottrace.release_reservations(bigint[]) FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION lottrace.epcis_lot(text, text) FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION lottrace.epcis_term(text) FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION lottrace.epcis_list_lots(jsonb, jsonb, text) FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION lottrace.epcis_time(timestamptz) FROM PUBLIC;
COMMENT ON FUNCTION lottrace.check_allocation_arguments(text, numeric, text, date, interval, boolean) IS
	'internal to allocate and reserve: raises 22023 for arguments they do not accept';
COMMENT ON FUNCTION lottrace.release_reservations(bigint[]) IS
	'internal to release and set_status: ends these reservations, returns their quantities to stock and returns them; ids already gone are skipped';

CREATE OR REPLACE FUNCTION lottrace.open_recall(title text, roots bigint[], reason text DEFAULT NULL,
									 hold boolean DEFAULT true)
	RETURNS bigint
	LANGUAGE plpgsql VOLATILE
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	recall bigint;
	hidden text;
BEGIN
	IF open_recall.title IS NULL OR btrim(open_recall.title) = '' THEN
		RAISE EXCEPTION 'a recall needs a title' USING ERRCODE = 'invalid_parameter_value';
	END IF;
	IF open_recall.roots IS NULL OR cardinality(open_recall.roots) = 0
	   OR array_position(open_recall.roots, NULL) IS NOT NULL THEN
		RAISE EXCEPTION 'a recall needs at least one root lot, and no null ones'
			USING ERRCODE = 'invalid_parameter_value';
	END IF;
	IF open_recall.hold IS NULL THEN
		RAISE EXCEPTION 'hold must not be null' USING ERRCODE = 'invalid_parameter_value';
	END IF;
	-- A recall covers the whole genealogy or nothing: under row-level
	-- security the trace, the frozen scope and the hold would each cover
	-- only the rows the caller's policies let it see, silently.
	SELECT string_agg(t::text, ', ' ORDER BY t::text) INTO hidden
	  FROM unnest('{lottrace.lots, lottrace.links, lottrace.recall_lots, lottrace.stock, lottrace.reservations}'::regclass[]) t
	 WHERE row_security_active(t);
	IF hidden IS NOT NULL THEN
		RAISE EXCEPTION 'open_recall needs to see the whole genealogy'
			USING ERRCODE = 'insufficient_privilege',
				  DETAIL = format('Row-level security applies to role "%s" on %s, so the recall would cover only the rows that role may see.',
								  current_user, hidden),
				  HINT = 'Open recalls as a role that row-level security does not apply to: the tables'' owner, a superuser or a role with BYPASSRLS.';
	END IF;

	INSERT INTO lottrace.recalls (title, reason) VALUES (open_recall.title, open_recall.reason)
	RETURNING id INTO recall;
	-- trace_forward raises for a root that is not a lot, before anything stays written
	INSERT INTO lottrace.recall_lots (recall_id, lot_id, depth, via_id)
	SELECT recall, t.lot_id, t.depth, t.via_id
	  FROM lottrace.trace_forward(open_recall.roots) t;
	INSERT INTO lottrace.recall_roots (recall_id, lot_id)
	SELECT DISTINCT recall, r FROM unnest(open_recall.roots) r;

	IF open_recall.hold THEN
		PERFORM lottrace.set_status(
			ARRAY(SELECT rl.lot_id FROM lottrace.recall_lots rl WHERE rl.recall_id = recall ORDER BY rl.lot_id),
			'recalled',
			format('recall %s: %s', recall, open_recall.title));
	END IF;
	RETURN recall;
END
$$;
COMMENT ON FUNCTION lottrace.open_recall(text, bigint[], text, boolean) IS
	'opens a recall: records the roots, freezes the scope (their forward trace) and, with hold, marks every lot in it recalled and releases its reservations';

-- From 15 on, the views run with the privileges and row-level security
-- policies of whoever reads them.  13 and 14 have no security_invoker: a
-- view reads its tables with its owner's privileges, past the reader's
-- policies.  There each view instead refuses a reader that may not read
-- every table under it whole, rather than show it more than it may see.
DO $$
DECLARE
	recall_view regclass;
BEGIN
	IF pg_catalog.current_setting('server_version_num')::int >= 150000 THEN
		ALTER VIEW lottrace.recall_scope SET (security_invoker = true);
		ALTER VIEW lottrace.recall_scope_changes SET (security_invoker = true);
		ALTER VIEW lottrace.recall_shipments SET (security_invoker = true);
		ALTER VIEW lottrace.recall_summary SET (security_invoker = true);
	ELSE
		-- Left executable by PUBLIC, as every reader of the views needs it:
		-- it reads nothing but the reader's own privileges, and only raises.
		CREATE FUNCTION lottrace.check_recall_view_reader() RETURNS boolean
			LANGUAGE plpgsql STABLE
			SET search_path = pg_catalog, pg_temp
			AS $check$
		DECLARE
			refused text;
		BEGIN
			SELECT string_agg(t::text, ', ' ORDER BY t::text) INTO refused
			  FROM unnest('{lottrace.recalls, lottrace.recall_roots, lottrace.recall_lots, lottrace.lots,
							lottrace.links, lottrace.stock, lottrace.events, lottrace.event_lots}'::regclass[]) t
			 WHERE NOT has_table_privilege(t, 'SELECT') OR row_security_active(t);
			IF refused IS NOT NULL THEN
				RAISE EXCEPTION 'the recall views need to read all of %', refused
					USING ERRCODE = 'insufficient_privilege',
						  DETAIL = format('Role "%s" lacks SELECT on these tables, or row-level security applies to it there; '
										  'before PostgreSQL 15 a view cannot apply the reader''s policies.', current_user),
						  HINT = 'Read them as a role with SELECT on those tables (lottrace_reader has it) and no row-level security policy applying to it there.';
			END IF;
			RETURN true;
		END
		$check$;
		COMMENT ON FUNCTION lottrace.check_recall_view_reader() IS
			'internal to the recall views before PostgreSQL 15: raises unless the reader may read every table under them whole';
		FOREACH recall_view IN ARRAY
			'{lottrace.recall_scope, lottrace.recall_scope_changes, lottrace.recall_shipments, lottrace.recall_summary}'::regclass[]
		LOOP
			EXECUTE pg_catalog.format('CREATE OR REPLACE VIEW %s AS SELECT * FROM (%s) v WHERE lottrace.check_recall_view_reader()',
									  recall_view, pg_catalog.rtrim(pg_catalog.rtrim(pg_catalog.pg_get_viewdef(recall_view)), ';'));
		END LOOP;
	END IF;
END
$$;

-- Three group roles (NOLOGIN) hold what each kind of user needs; a DBA
-- grants membership in them instead of working out per-table privileges:
--
--   lottrace_reader    trace, read every table and view, allocate, export
--   lottrace_operator  the reader's rights, and record production (lots,
--                      links, events, stock, lot_next, epcis_import),
--                      reserve, release and ship
--   lottrace_admin     the reader's rights, and open and close recalls and
--                      change lot statuses (set_status)
--
-- Roles belong to the cluster, not to a database: CREATE EXTENSION creates
-- them when they are missing and otherwise uses them as they are (another
-- database's lottrace, or the DBA, made them); DROP EXTENSION never drops
-- them.  The privileges below are on this database's objects, so they come
-- and go with the extension.
DO $$
DECLARE
	role_name name;
	purpose text;
BEGIN
	FOR role_name, purpose IN VALUES
		('lottrace_reader', 'lottrace: trace and read the genealogy, stock and recalls'),
		('lottrace_operator', 'lottrace: read, record production, reserve, release and ship'),
		('lottrace_admin', 'lottrace: read, open and close recalls, change lot statuses')
	LOOP
		IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles r WHERE r.rolname = role_name) THEN
			BEGIN
				EXECUTE pg_catalog.format('CREATE ROLE %I NOLOGIN', role_name);
				EXECUTE pg_catalog.format('COMMENT ON ROLE %I IS %L', role_name, purpose);
			EXCEPTION WHEN duplicate_object THEN
				NULL;			-- created meanwhile by CREATE EXTENSION in another database
			END;
		END IF;
	END LOOP;
END
$$;

GRANT USAGE ON SCHEMA lottrace TO lottrace_reader, lottrace_operator, lottrace_admin;

-- Reading: every table and view.
GRANT SELECT ON lottrace.lots, lottrace.links, lottrace.events, lottrace.event_lots,
		lottrace.lot_status_log, lottrace.lot_sequences, lottrace.stock, lottrace.reservations,
		lottrace.recalls, lottrace.recall_roots, lottrace.recall_lots, lottrace.epcis_imported,
		lottrace.recall_scope, lottrace.recall_scope_changes, lottrace.recall_shipments,
		lottrace.recall_summary
	TO lottrace_reader, lottrace_operator, lottrace_admin;
GRANT EXECUTE ON FUNCTION lottrace.check_allocation_arguments(text, numeric, text, date, interval, boolean),
		lottrace.epcis_time(timestamptz)
	TO lottrace_reader, lottrace_operator, lottrace_admin;

-- Recording production, reserving and shipping.  Lots' status is left to
-- the admin; the UPDATE of the other columns also lets ship lock its lot.
-- SELECT ... FOR UPDATE needs UPDATE of some column: that is what the
-- UPDATE (reference) of reservations is for (release_reservations).
GRANT INSERT ON lottrace.lots, lottrace.links, lottrace.events, lottrace.event_lots,
		lottrace.stock, lottrace.reservations, lottrace.lot_sequences, lottrace.epcis_imported
	TO lottrace_operator;
GRANT UPDATE (quantity, uom, produced_at, expires_at, tlc_source, supplier, attributes)
	ON lottrace.lots TO lottrace_operator;
GRANT UPDATE (on_hand, reserved) ON lottrace.stock TO lottrace_operator;
GRANT UPDATE (reference), DELETE ON lottrace.reservations TO lottrace_operator;
GRANT UPDATE (last_value) ON lottrace.lot_sequences TO lottrace_operator;
GRANT UPDATE (lottrace_event_id) ON lottrace.epcis_imported TO lottrace_operator;
GRANT EXECUTE ON FUNCTION lottrace.lock_items(text[]), lottrace.release_reservations(bigint[]),
		lottrace.epcis_lot(text, text), lottrace.epcis_term(text),
		lottrace.epcis_list_lots(jsonb, jsonb, text)
	TO lottrace_operator;

-- Recalls and statuses.  A status change releases the lots' reservations
-- and is logged by a trigger that runs as the changer.
GRANT UPDATE (status) ON lottrace.lots TO lottrace_admin;
GRANT INSERT ON lottrace.lot_status_log TO lottrace_admin;
GRANT UPDATE (reference), DELETE ON lottrace.reservations TO lottrace_admin;
GRANT UPDATE (reserved) ON lottrace.stock TO lottrace_admin;
GRANT INSERT ON lottrace.recalls, lottrace.recall_roots, lottrace.recall_lots TO lottrace_admin;
GRANT UPDATE (status, closed_at) ON lottrace.recalls TO lottrace_admin;
GRANT EXECUTE ON FUNCTION lottrace.lock_items(text[]), lottrace.release_reservations(bigint[])
	TO lottrace_admin;

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

--------------------------------------------------------------------------
-- GS1: gs1_lint
--------------------------------------------------------------------------

CREATE FUNCTION lottrace.gs1_lint(data text)
	RETURNS TABLE ("position" integer, ai text, problem text, message text, alternative text)
	AS 'MODULE_PATHNAME', 'lottrace_gs1_lint' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE ROWS 1;
COMMENT ON FUNCTION lottrace.gs1_lint(text) IS
	'suspicious places in valid raw GS1 data (a group separator probably lost, or written as text) with the other reading; raises like gs1_parse on invalid data';

-- quantities (issue 12)
-- Conversions between units that users keep: one from_uom is factor
-- to_uom, for one item or (item NULL) for every item; each row converts
-- both ways.  Conversions within mass, volume and count are built in.
CREATE TABLE lottrace.uom_conversions (
	item text,
	from_uom text NOT NULL CHECK (pg_catalog.btrim(from_uom) <> ''),
	to_uom text NOT NULL CHECK (pg_catalog.btrim(to_uom) <> ''),
	factor numeric NOT NULL CHECK (factor > 0 AND factor < 'Infinity'),
	CHECK (from_uom <> to_uom)
);
CREATE UNIQUE INDEX uom_conversions_item_idx ON lottrace.uom_conversions (item, from_uom, to_uom);
CREATE UNIQUE INDEX uom_conversions_any_item_idx ON lottrace.uom_conversions (from_uom, to_uom)
	WHERE item IS NULL;
COMMENT ON TABLE lottrace.uom_conversions IS
	'unit conversions: one from_uom is factor to_uom, for the item (NULL: every item), both ways';
SELECT pg_catalog.pg_extension_config_dump('lottrace.uom_conversions', '');

CREATE FUNCTION lottrace.uom_convert(quantity numeric, from_uom text, to_uom text,
									 item text DEFAULT NULL)
	RETURNS numeric
	AS 'MODULE_PATHNAME', 'uom_convert'
	LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION lottrace.uom_convert(numeric, text, text, text) IS
	'the quantity in another unit (built-in or lottrace.uom_conversions for the item), NULL when none applies';

CREATE FUNCTION lottrace.trace_quantities(roots bigint[], direction text DEFAULT 'forward',
										  max_depth integer DEFAULT NULL)
	RETURNS TABLE (lot_id bigint, depth integer, share double precision, quantity numeric,
				   uom text, note text)
	AS 'MODULE_PATHNAME', 'trace_quantities'
	LANGUAGE C STABLE PARALLEL RESTRICTED;
COMMENT ON FUNCTION lottrace.trace_quantities(bigint[], text, integer) IS
	'traced lots with the share and amount of root material they hold (forward), or how much of each ancestor went into the roots (backward)';
-- the predefined roles (created above): everyone reads the conversions,
-- the admin keeps them
GRANT SELECT ON lottrace.uom_conversions TO lottrace_reader, lottrace_operator, lottrace_admin;
GRANT INSERT, UPDATE, DELETE ON lottrace.uom_conversions TO lottrace_admin;
