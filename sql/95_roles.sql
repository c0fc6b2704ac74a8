--------------------------------------------------------------------------
-- Predefined roles
--------------------------------------------------------------------------

-- Three group roles (NOLOGIN) hold what each kind of user needs; a DBA
-- grants membership in them instead of working out per-table privileges:
--
--   lottrace_reader    trace, read every table and view, allocate, export
--   lottrace_operator  the reader's rights, and record production (lots,
--                      links, events, stock, lot_next, epcis_import),
--                      reserve, release, ship, dispose and adjust
--   lottrace_admin     the reader's rights, and open and close recalls, run
--                      mock recalls and change lot statuses (set_status)
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
		lottrace.epcis_import_log, lottrace.epcis_serials, lottrace.epcis_transformations,
		lottrace.recall_scope, lottrace.recall_scope_changes, lottrace.recall_shipments,
		lottrace.recall_summary, lottrace.uom_conversions
	TO lottrace_reader, lottrace_operator, lottrace_admin;
GRANT SELECT ON lottrace.lot_balances, lottrace.mock_recalls, lottrace.mock_recall_lots,
		lottrace.mock_recall_shipments, lottrace.mock_recall_reservations, lottrace.mock_recall_stock,
		lottrace.mock_recall_report
	TO lottrace_reader, lottrace_operator, lottrace_admin;
GRANT EXECUTE ON FUNCTION lottrace.check_allocation_arguments(text, numeric, text, date, interval, boolean),
		lottrace.epcis_time(timestamptz), lottrace.epcis_uri(text, text), lottrace.epcis_uom(text),
		lottrace.epcis_transaction_type(text)
	TO lottrace_reader, lottrace_operator, lottrace_admin;
GRANT EXECUTE ON FUNCTION lottrace.root_part(numeric, numeric, numeric), lottrace.lot_links_out(bigint)
	TO lottrace_reader, lottrace_operator, lottrace_admin;

-- Recording production, reserving and shipping.  Lots' status is left to
-- the admin; the UPDATE of the other columns also lets ship lock its lot.
-- SELECT ... FOR UPDATE needs UPDATE of some column: that is what the
-- UPDATE (reference) of reservations is for (release_reservations).
GRANT INSERT ON lottrace.lots, lottrace.links, lottrace.events, lottrace.event_lots,
		lottrace.stock, lottrace.reservations, lottrace.lot_sequences, lottrace.epcis_imported,
		lottrace.epcis_import_log, lottrace.epcis_serials, lottrace.epcis_transformations
	TO lottrace_operator;
GRANT UPDATE (quantity, uom, produced_at, expires_at, tlc_source, supplier, attributes)
	ON lottrace.lots TO lottrace_operator;
GRANT UPDATE (on_hand, reserved) ON lottrace.stock TO lottrace_operator;
GRANT UPDATE (reference), DELETE ON lottrace.reservations TO lottrace_operator;
GRANT UPDATE (last_value) ON lottrace.lot_sequences TO lottrace_operator;
GRANT UPDATE (lottrace_event_id, retracted_at) ON lottrace.epcis_imported TO lottrace_operator;
GRANT UPDATE (transformation_id) ON lottrace.epcis_transformations TO lottrace_operator;
GRANT EXECUTE ON FUNCTION lottrace.lock_items(text[]), lottrace.release_reservations(bigint[]),
		lottrace.epcis_lot(text, text), lottrace.epcis_term(text),
		lottrace.epcis_list_lots(jsonb, jsonb, text, lottrace.lot), lottrace.epcis_epc_lot(text, text),
		lottrace.epcis_urn_value(text), lottrace.epcis_lock_transformation(text),
		lottrace.epcis_link_transformation(text),
		lottrace.epcis_log(integer, text, text, text, text, bigint), lottrace.epcis_text(jsonb),
		lottrace.epcis_uri_text(text, text, text)
	TO lottrace_operator;
GRANT EXECUTE ON FUNCTION lottrace.record_stock_change(lottrace.event_kind, bigint, text, numeric, text, timestamptz, text)
	TO lottrace_operator;

-- Recalls and statuses.  A status change releases the lots' reservations
-- and is logged by a trigger that runs as the changer.
GRANT UPDATE (status) ON lottrace.lots TO lottrace_admin;
GRANT INSERT ON lottrace.lot_status_log TO lottrace_admin;
GRANT UPDATE (reference), DELETE ON lottrace.reservations TO lottrace_admin;
GRANT UPDATE (reserved) ON lottrace.stock TO lottrace_admin;
GRANT INSERT ON lottrace.recalls, lottrace.recall_roots, lottrace.recall_lots TO lottrace_admin;
GRANT UPDATE (status, closed_at) ON lottrace.recalls TO lottrace_admin;
-- Unit conversions are master data the admin keeps.
GRANT INSERT, UPDATE, DELETE ON lottrace.uom_conversions TO lottrace_admin;
-- Mock recalls (mock_recall) write only their own records.
GRANT INSERT, UPDATE ON lottrace.mock_recalls TO lottrace_admin;
GRANT INSERT ON lottrace.mock_recall_lots, lottrace.mock_recall_shipments, lottrace.mock_recall_reservations,
		lottrace.mock_recall_stock
	TO lottrace_admin;
GRANT EXECUTE ON FUNCTION lottrace.lock_items(text[]), lottrace.release_reservations(bigint[])
	TO lottrace_admin;

-- Tracing on Citus: the trace functions run citus_expand_shard on every
-- shard of links as the calling user.
GRANT EXECUTE ON FUNCTION lottrace.citus_expand_shard(regclass, boolean, bigint[])
	TO lottrace_reader, lottrace_operator, lottrace_admin;
