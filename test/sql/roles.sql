--
-- Privileges: the predefined roles, internal helpers, reserved settings
--
SET search_path = lottrace, public;
\set SHOW_CONTEXT never

-- what a role gets when it runs a statement: ok, or the error
CREATE FUNCTION pg_temp.run_as(role name, statement text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
	EXECUTE format('SET LOCAL ROLE %I', role);
	EXECUTE statement;
	RESET ROLE;
	RETURN 'ok';
EXCEPTION WHEN OTHERS THEN
	RETURN SQLSTATE || ': ' || SQLERRM;
END $$;

-- CREATE EXTENSION made three group roles that cannot log in
SELECT rolname, rolcanlogin, rolsuper, rolcreaterole, rolbypassrls, rolinherit
  FROM pg_roles WHERE rolname IN ('lottrace_reader', 'lottrace_operator', 'lottrace_admin')
 ORDER BY rolname;
SELECT shobj_description(oid, 'pg_authid') FROM pg_roles
 WHERE rolname IN ('lottrace_reader', 'lottrace_operator', 'lottrace_admin') ORDER BY rolname;

-- the functions PUBLIC may not execute: internal helpers only
SELECT p.oid::regprocedure AS not_for_public
  FROM pg_proc p
 WHERE p.pronamespace = 'lottrace'::regnamespace
   AND NOT has_function_privilege('public', p.oid, 'EXECUTE')
 ORDER BY p.oid::regprocedure::text COLLATE "C";

-- a role with nothing but the schema: the helpers are refused as functions,
-- before any table privilege is looked at
CREATE ROLE lottrace_test_nobody;
GRANT USAGE ON SCHEMA lottrace TO lottrace_test_nobody;
SELECT pg_temp.run_as('lottrace_test_nobody', 'SELECT lottrace.lock_items(ARRAY[''flour''])');
SELECT pg_temp.run_as('lottrace_test_nobody', 'SELECT lottrace.release_reservations(ARRAY[1]::bigint[])');
SELECT pg_temp.run_as('lottrace_test_nobody',
	'SELECT lottrace.check_allocation_arguments(''flour'', 1, ''fefo'', current_date, ''0 days'', false)');
SELECT pg_temp.run_as('lottrace_test_nobody', 'SELECT lottrace.epcis_lot(''urn:epc:class:lgtin:4012345.012345.998877'', ''test'')');
SELECT pg_temp.run_as('lottrace_test_nobody', 'SELECT lottrace.epcis_term(''urn:epcglobal:cbv:bizstep:shipping'')');
SELECT pg_temp.run_as('lottrace_test_nobody', 'SELECT lottrace.epcis_time(now())');
SELECT pg_temp.run_as('lottrace_test_nobody', 'SELECT * FROM lottrace.epcis_list_lots(''[]'', NULL, ''test'', NULL)');
-- API functions stay PUBLIC: what they touch decides
SELECT pg_temp.run_as('lottrace_test_nobody', 'SELECT lottrace.gs1_valid(''(01)09506000134352'')');
SELECT pg_temp.run_as('lottrace_test_nobody', 'SELECT * FROM lottrace.trace_forward(1)');

-- a small genealogy with stock: flour and salt into dough, dough into bread
INSERT INTO lots (id, item, code) VALUES
	(1, 'flour', 'F-1'), (2, 'salt', 'S-1'), (3, 'dough', 'D-1'), (4, 'bread', 'B-1'), (5, 'bread', 'B-2'),
	(7, '09506000134352', 'ABC123');
INSERT INTO links (parent_id, child_id) VALUES (1, 3), (2, 3), (3, 4);
INSERT INTO stock (lot_id, location, on_hand) VALUES (4, 'store', 10), (5, 'store', 10);

-- lottrace_reader: traces, reads tables and views, proposes pick lists,
-- exports; writes nothing
SELECT pg_temp.run_as('lottrace_reader', 'SELECT * FROM lottrace.trace_forward(1)');
SELECT pg_temp.run_as('lottrace_reader', 'SELECT lottrace.trace_dot(ARRAY[1]::bigint[])');
SELECT pg_temp.run_as('lottrace_reader', 'SELECT * FROM lottrace.allocate(''bread'', 5)');
SELECT pg_temp.run_as('lottrace_reader', 'SELECT lottrace.epcis_export(ARRAY[7]::bigint[])');
SELECT pg_temp.run_as('lottrace_reader', 'SELECT * FROM lottrace.fsma204_sortable(''2024-01-01'', ''2024-12-31'')');
SELECT pg_temp.run_as('lottrace_reader', 'SELECT * FROM lottrace.recall_summary');
SELECT pg_temp.run_as('lottrace_reader', 'SELECT * FROM lottrace.recall_shipments');
SELECT pg_temp.run_as('lottrace_reader', 'SELECT * FROM lottrace.lot_status_log');
SELECT pg_temp.run_as('lottrace_reader', 'INSERT INTO lottrace.lots (item, code) VALUES (''flour'', ''F-2'')');
SELECT pg_temp.run_as('lottrace_reader', 'INSERT INTO lottrace.links (parent_id, child_id) VALUES (2, 4)');
SELECT pg_temp.run_as('lottrace_reader', 'SELECT lottrace.lot_next(''NNN'', ''2024-03-05'')');
SELECT pg_temp.run_as('lottrace_reader', 'SELECT * FROM lottrace.reserve(''bread'', 5, ''SO-1'')');
SELECT pg_temp.run_as('lottrace_reader', 'SELECT * FROM lottrace.set_status(ARRAY[4]::bigint[], ''hold'', ''test'')');
SELECT pg_temp.run_as('lottrace_reader', 'SELECT lottrace.open_recall(''test'', ARRAY[1]::bigint[])');
SELECT pg_temp.run_as('lottrace_reader', 'SELECT lottrace.lock_items(ARRAY[''bread''])');

-- lottrace_operator: records production, numbers lots, reserves, releases
-- and ships; no status changes, no recalls, no deletes of the genealogy
SELECT pg_temp.run_as('lottrace_operator', 'INSERT INTO lottrace.lots (id, item, code) VALUES (6, ''flour'', ''F-2'')');
SELECT pg_temp.run_as('lottrace_operator', 'INSERT INTO lottrace.links (parent_id, child_id, quantity) VALUES (6, 5, 20)');
SELECT pg_temp.run_as('lottrace_operator', 'UPDATE lottrace.lots SET expires_at = ''2024-03-12'' WHERE id = 5');
SELECT pg_temp.run_as('lottrace_operator',
	'INSERT INTO lottrace.events (kind, occurred_at) VALUES (''receive'', ''2024-03-01'')');
SELECT pg_temp.run_as('lottrace_operator', 'INSERT INTO lottrace.stock (lot_id, location, on_hand) VALUES (6, ''silo'', 500)');
SELECT pg_temp.run_as('lottrace_operator', 'SELECT lottrace.lot_next(''YYMMDD-NNN'', ''2024-03-05'')');
SELECT pg_temp.run_as('lottrace_operator', 'SELECT * FROM lottrace.reserve(''bread'', 4, ''SO-1'')');
SELECT pg_temp.run_as('lottrace_operator', 'SELECT * FROM lottrace.release(''SO-1'')');
SELECT pg_temp.run_as('lottrace_operator', 'SELECT * FROM lottrace.reserve(''bread'', 3, ''SO-2'')');
SELECT id AS so2 FROM reservations WHERE reference = 'SO-2' \gset
SELECT pg_temp.run_as('lottrace_operator', format('SELECT lottrace.ship(%s, ''Corner Shop'', ''2024-03-06'')', :so2));
SELECT pg_temp.run_as('lottrace_operator', 'SELECT * FROM lottrace.reserve(''bread'', 2, ''SO-3'')');
SELECT pg_temp.run_as('lottrace_operator', 'SELECT lottrace.lock_items(ARRAY[''bread''])');
SELECT pg_temp.run_as('lottrace_operator', 'UPDATE lottrace.lots SET status = ''hold'' WHERE id = 4');
SELECT pg_temp.run_as('lottrace_operator', 'SELECT * FROM lottrace.set_status(ARRAY[4]::bigint[], ''hold'', ''test'')');
SELECT pg_temp.run_as('lottrace_operator', 'SELECT lottrace.open_recall(''test'', ARRAY[1]::bigint[])');
SELECT pg_temp.run_as('lottrace_operator', 'DELETE FROM lottrace.links WHERE parent_id = 6');
SELECT pg_temp.run_as('lottrace_operator', 'INSERT INTO lottrace.lot_status_log (lot_id, old_status, new_status) VALUES (4, ''hold'', ''released'')');
-- EPCIS import, its report and a serial's lot; a retraction deletes what
-- the event wrote, which an operator may not (nothing of that import stays)
SELECT pg_temp.run_as('lottrace_operator', $$SELECT count(*) FROM lottrace.epcis_import_report('{"type": "EPCISDocument", "epcisBody": {"eventList": [{"type": "ObjectEvent", "eventID": "op-1", "eventTime": "2024-03-06T10:00:00Z", "action": "ADD", "bizStep": "commissioning", "epcList": ["urn:epc:id:sgtin:9506000.013435.1"], "ilmd": {"cbvmda:lotNumber": "ABC123"}}, {"type": "ObjectEvent", "eventID": "op-2", "eventTime": "2024-03-06T10:00:00Z", "action": "OBSERVE", "bizStep": "storing", "epcList": ["urn:epc:id:sscc:9506000.0000000001"]}]}}')$$);
SELECT pg_temp.run_as('lottrace_operator', $$SELECT lottrace.epcis_import('{"type": "EPCISDocument", "epcisBody": {"eventList": [{"type": "ObjectEvent", "eventID": "op-3", "eventTime": "2024-03-06T10:00:00Z", "action": "OBSERVE", "bizStep": "shipping", "epcList": ["urn:epc:id:sgtin:9506000.013435.1"]}, {"type": "ObjectEvent", "eventID": "op-1", "eventTime": "2024-03-06T10:00:00Z", "action": "ADD", "errorDeclaration": {"declarationTime": "2024-03-07T00:00:00Z"}}]}}')$$);
SELECT event_id, outcome, reason FROM epcis_import_log ORDER BY id;
SELECT item, serial, code FROM epcis_serials;
SELECT event_id, retracted_at IS NOT NULL AS retracted FROM epcis_imported WHERE event_id LIKE 'op-%' ORDER BY event_id;
-- the halves of a split transformation: the second import writes the row of
-- the transformationID that the first made (epcis_lock_transformation); the
-- new lot's id is drawn past the ids given above
SELECT setval(pg_get_serial_sequence('lots', 'id'), 100) \gset
SELECT pg_temp.run_as('lottrace_operator', $$SELECT lottrace.epcis_import('{"type": "EPCISDocument", "epcisBody": {"eventList": [{"type": "TransformationEvent", "eventID": "op-tf-in", "eventTime": "2024-03-06T11:00:00Z", "transformationID": "op-tf", "inputQuantityList": [{"epcClass": "urn:epc:class:lgtin:9506000.013435.ABC123", "quantity": 5, "uom": "KGM"}]}]}}')$$);
SELECT pg_temp.run_as('lottrace_operator', $$SELECT lottrace.epcis_import('{"type": "EPCISDocument", "epcisBody": {"eventList": [{"type": "TransformationEvent", "eventID": "op-tf-out", "eventTime": "2024-03-06T12:00:00Z", "transformationID": "op-tf", "outputQuantityList": [{"epcClass": "urn:epc:class:lgtin:9506000.013435.ABC124", "quantity": 5, "uom": "KGM"}]}]}}')$$);
SELECT p.code AS parent, c.code AS child FROM links k JOIN lots p ON p.id = k.parent_id JOIN lots c ON c.id = k.child_id
 WHERE k.event_id = (SELECT lottrace_event_id FROM epcis_imported WHERE event_id = 'op-tf-out');
SELECT on_hand, reserved FROM stock WHERE lot_id = 4;
SELECT count(*) AS shipments FROM events WHERE kind = 'ship' AND partner = 'Corner Shop';

-- lottrace_admin: opens and closes recalls and changes statuses, which
-- releases reservations; records no production and ships nothing
SELECT pg_temp.run_as('lottrace_admin', 'INSERT INTO lottrace.lots (item, code) VALUES (''flour'', ''F-3'')');
SELECT pg_temp.run_as('lottrace_admin', 'SELECT * FROM lottrace.reserve(''bread'', 1, ''SO-4'')');
SELECT pg_temp.run_as('lottrace_admin', 'SELECT lottrace.lot_next(''NNN'', ''2024-03-05'')');
SELECT pg_temp.run_as('lottrace_admin', 'UPDATE lottrace.lots SET expires_at = NULL WHERE id = 5');
SELECT pg_temp.run_as('lottrace_admin', 'DELETE FROM lottrace.lots WHERE id = 6');
SELECT id AS so3 FROM reservations WHERE reference = 'SO-3' \gset
SELECT pg_temp.run_as('lottrace_admin', format('SELECT lottrace.ship(%s, ''Corner Shop'')', :so3));
SELECT pg_temp.run_as('lottrace_admin', 'SELECT * FROM lottrace.set_status(ARRAY[5]::bigint[], ''quarantine'', ''lab sample'')');
SELECT pg_temp.run_as('lottrace_admin', 'SELECT lottrace.open_recall(''Flour F-1'', ARRAY[1]::bigint[])');
SELECT id, status FROM lots ORDER BY id;
SELECT lot_id, old_status, new_status, reason, changed_by FROM lot_status_log ORDER BY id;
SELECT count(*) AS open_reservations FROM reservations;
SELECT on_hand, reserved FROM stock WHERE lot_id = 4;
SELECT pg_temp.run_as('lottrace_admin', 'SELECT * FROM lottrace.recall_summary');
SELECT id AS recall FROM recalls \gset
SELECT pg_temp.run_as('lottrace_admin', format('SELECT lottrace.close_recall(%s)', :recall));

-- members get the rights of the role
CREATE ROLE lottrace_test_member IN ROLE lottrace_reader;
SELECT pg_temp.run_as('lottrace_test_member', 'SELECT count(*) FROM lottrace.trace_backward(4)');
SELECT pg_temp.run_as('lottrace_test_member', 'DELETE FROM lottrace.lot_sequences');

-- settings: lottrace.* names are reserved for the extension's own
SHOW lottrace.status_reason;
SHOW lottrace.allow_drop_with_data;
SET lottrace.typo = 1;
SET lottrace.status_reasons = 'misspelt';
SELECT pg_temp.run_as('lottrace_test_nobody', 'SET lottrace.allow_drop_with_data = on');
BEGIN;
SET LOCAL lottrace.status_reason = 'manual count';
UPDATE lots SET status = 'disposed' WHERE id = 2;
COMMIT;
SELECT lot_id, new_status, reason FROM lot_status_log WHERE lot_id = 2;
SHOW lottrace.status_reason;

-- clean up
DROP ROLE lottrace_test_member;
REVOKE USAGE ON SCHEMA lottrace FROM lottrace_test_nobody;
DROP ROLE lottrace_test_nobody;
SET client_min_messages = warning;
TRUNCATE lots, links, events, event_lots, lot_status_log, stock, reservations, recalls, recall_roots,
	recall_lots, lot_sequences RESTART IDENTITY CASCADE;
RESET client_min_messages;
