--
-- Recall: open_recall, close_recall, scope views, FSMA 204 export
--
SET search_path = lottrace, public;
\set SHOW_CONTEXT never

-- A bakery: flour and salt go into dough, dough into bread, bread is split
-- into pallets and shipped.  Bread B2 is partly reworked into dough D3,
-- which went back into B2 (a cycle).
INSERT INTO lots (id, item, code, produced_at, expires_at, uom) VALUES
	(1001, 'flour', 'FL-1', '2024-03-01 08:00+00', NULL, 'kg'),
	(1002, 'salt', 'SA-7', '2024-02-01 08:00+00', NULL, 'kg'),
	(1003, 'flour', 'FL-2', '2024-03-02 08:00+00', NULL, 'kg'),
	(1010, 'dough', 'D1', '2024-03-05 06:00+00', '2024-03-06', 'kg'),
	(1011, 'dough', 'D2', '2024-03-05 07:00+00', '2024-03-06', 'kg'),
	(1012, 'dough', 'D3', '2024-03-06 07:00+00', '2024-03-07', 'kg'),
	(1020, 'bread', 'B1', '2024-03-05 10:00+00', '2024-03-12', 'each'),
	(1021, 'bread', 'B2', '2024-03-05 11:00+00', '2024-03-12', 'each'),
	(1022, 'bread', 'B3', '2024-03-05 12:00+00', '2024-03-12', 'each'),
	(1030, 'pallet', 'P1', '2024-03-05 14:00+00', '2024-03-12', 'each'),
	(1031, 'pallet', 'P2', '2024-03-05 15:00+00', '2024-03-12', 'each');
INSERT INTO links (parent_id, child_id, kind) VALUES
	(1001, 1010, 'consume'), (1002, 1010, 'consume'),
	(1001, 1011, 'consume'), (1002, 1011, 'consume'),
	(1003, 1012, 'consume'),
	(1010, 1020, 'consume'), (1010, 1021, 'consume'), (1011, 1021, 'consume'),
	(1021, 1012, 'rework'), (1012, 1021, 'rework'),
	(1020, 1030, 'split'), (1021, 1031, 'split');
-- B3 is made from flour FL-2 only: outside the FL-1 recall
INSERT INTO links (parent_id, child_id) VALUES (1003, 1022);

INSERT INTO stock (lot_id, location, on_hand) VALUES
	(1020, 'bakery', 40), (1021, 'bakery', 25), (1022, 'bakery', 30),
	(1030, 'dock', 10), (1031, 'dock', 12), (1031, 'depot', 8);

-- shipments to three customers, and reservations still open
SELECT ship(reservation_id, 'Shop A', '2024-03-06 09:00+00', 'BOL-1')
  FROM reserve('pallet', 4, 'order-1', location => 'dock', as_of => '2024-03-06') WHERE code = 'P1';
SELECT ship(reservation_id, 'Shop B', '2024-03-06 10:00+00', 'BOL-2')
  FROM reserve('pallet', 5, 'order-2', location => 'depot', as_of => '2024-03-06');
SELECT ship(reservation_id, 'Shop C', '2024-03-06 11:00+00', 'BOL-3')
  FROM reserve('bread', 3, 'order-3', policy => 'lifo', as_of => '2024-03-06');
SELECT code, location, quantity FROM reserve('bread', 50, 'order-4', as_of => '2024-03-06') ORDER BY code;
SELECT count(*) AS open_reservations, min(id) AS held_reservation FROM reservations \gset
SELECT :open_reservations AS open_reservations;

-- the flour was received from the mill, and the dough made in a
-- transformation event (critical tracking events for FSMA 204)
INSERT INTO events (id, kind, occurred_at, location, partner, reference_type, reference) VALUES
	(9001, 'receive', '2024-03-02 07:30+00', 'bakery', 'Millers & Co', 'BOL', 'M-5531'),
	(9002, 'transform', '2024-03-05 06:00+00', 'bakery', NULL, 'work order', 'WO-88'),
	(9003, 'adjust', '2024-03-05 06:30+00', 'bakery', NULL, NULL, NULL);
INSERT INTO event_lots (event_id, lot_id, role, quantity, uom) VALUES
	(9001, 1001, 'subject', 500, 'kg'),
	(9002, 1001, 'input', 50, 'kg'), (9002, 1002, 'input', 1, 'kg'), (9002, 1010, 'output', 52, NULL),
	(9003, 1010, 'subject', -1, 'kg');
UPDATE lots SET tlc_source = 'Millers & Co, Mill Road 1', attributes = '{"product_description": "wheat flour T55, 25 kg bag"}'
 WHERE id = 1001;

-- open a recall of flour FL-1: scope frozen, lots recalled, reservations released
SELECT open_recall('Flour FL-1 contamination', ARRAY[1001], 'supplier notice 2024-117') AS recall_id \gset
SELECT recall_id = :recall_id AS same, l.code, depth, (SELECT code FROM lots WHERE id = via_id) AS via
  FROM recall_lots rl JOIN lots l ON l.id = rl.lot_id WHERE recall_id = :recall_id ORDER BY depth, l.code;
SELECT code, status FROM lots ORDER BY id;
SELECT l.code, r.quantity FROM reservations r JOIN lots l ON l.id = r.lot_id ORDER BY l.code;
SELECT lot_id, location, on_hand, reserved FROM stock ORDER BY lot_id, location;
SELECT l.code, old_status, new_status, reason FROM lot_status_log s JOIN lots l ON l.id = s.lot_id
 ORDER BY l.code;
SELECT title, reason, status, closed_at IS NULL AS open FROM recalls WHERE id = :recall_id;
SELECT lot_id FROM recall_roots WHERE recall_id = :recall_id;

-- the views a BI tool reads
SELECT lot_id, item, code, depth, status, expires_at, on_hand FROM recall_scope
 WHERE recall_id = :recall_id ORDER BY depth, code;
SELECT code, shipped_at, ship_to, quantity, uom, reference FROM recall_shipments
 WHERE recall_id = :recall_id ORDER BY shipped_at;
SELECT title, lots, items, on_hand, shipped_quantity, customers FROM recall_summary WHERE recall_id = :recall_id;
SELECT count(*) AS changes FROM recall_scope_changes WHERE recall_id = :recall_id;

-- a recalled lot can be neither shipped (its reservation is gone) nor reserved
SELECT ship(:held_reservation, 'Shop D');
SELECT reserve('pallet', 1, 'order-5', as_of => '2024-03-06');

-- a late production record: FL-1 also went into a sandwich lot; the live
-- scope shows it, the frozen one does not, and the difference is queryable
INSERT INTO lots (id, item, code) VALUES (1040, 'sandwich', 'SW-9');
INSERT INTO links (parent_id, child_id) VALUES (1030, 1040);
SELECT code, depth FROM recall_scope WHERE recall_id = :recall_id AND code = 'SW-9';
SELECT lot_id, item, code, change FROM recall_scope_changes WHERE recall_id = :recall_id;
SELECT lots FROM recall_summary WHERE recall_id = :recall_id;
-- a link found to be wrong and deleted: the lot leaves the live scope
DELETE FROM links WHERE parent_id = 1010 AND child_id = 1020;
SELECT code, change FROM recall_scope_changes WHERE recall_id = :recall_id ORDER BY code;

-- a second recall, without hold, from two roots
SELECT open_recall('Salt SA-7 check', ARRAY[1002, 1002, 1003], hold => false) AS second_id \gset
SELECT count(*) AS frozen_lots FROM recall_lots WHERE recall_id = :second_id;
SELECT lot_id FROM recall_roots WHERE recall_id = :second_id ORDER BY lot_id;
SELECT code, status FROM lots WHERE id = 1022;
SELECT recall_id, lots, customers FROM recall_summary ORDER BY recall_id;

-- closing: the views no longer list the recall; lot statuses stay
SELECT close_recall(:recall_id);
SELECT status, closed_at IS NOT NULL AS closed FROM recalls WHERE id = :recall_id;
SELECT count(*) FROM recall_scope WHERE recall_id = :recall_id;
SELECT count(*) FROM recall_summary WHERE recall_id = :recall_id;
SELECT status FROM lots WHERE id = 1001;

-- bad input; nothing is written
SELECT count(*) AS recalls_before FROM recalls \gset
SELECT open_recall(NULL, ARRAY[1001]);
SELECT open_recall('  ', ARRAY[1001]);
SELECT open_recall('x', NULL);
SELECT open_recall('x', '{}');
SELECT open_recall('x', ARRAY[1001, NULL]);
SELECT open_recall('x', ARRAY[1001], hold => NULL);
SELECT open_recall('x', ARRAY[1001, 999999]);
SELECT count(*) = :recalls_before AS nothing_written FROM recalls;
SELECT close_recall(:recall_id);
SELECT close_recall(999999);

-- FSMA 204 sortable spreadsheet
SELECT * FROM fsma204_sortable('2024-03-01', '2024-03-31');
SELECT "Traceability Lot Code", "Critical Tracking Event", "Ship-To Location"
  FROM fsma204_sortable('2024-03-06', '2024-03-06', ARRAY['P1', 'B3']::lot[]);
SELECT count(*) FROM fsma204_sortable('2024-03-07', '2024-03-31');
SELECT * FROM fsma204_sortable('2024-03-31', '2024-03-01');
SELECT * FROM fsma204_sortable(NULL, '2024-03-01');
COPY (SELECT * FROM fsma204_sortable('2024-03-06', '2024-03-06') LIMIT 1) TO STDOUT WITH CSV HEADER;

-- clean up for the other tests
TRUNCATE epcis_imported, recall_lots, recall_roots, recalls, reservations, stock, event_lots, events, links,
	lot_status_log, lots RESTART IDENTITY;
