--
-- Mock recalls, and the root material in real recalls' views
--
SET search_path = lottrace, public;
\set SHOW_CONTEXT never

-- Wheat W1 (0.5 t, from Farm Co) was milled into flour F1 (100 kg, from
-- Millers); the flour (60 kg) and salt S1 (4 kg) made dough D1 (64 kg),
-- baked into 100 loaves B1.  Sugar SU1 has no quantity; 2 kg of it made
-- 10 cakes C1.
INSERT INTO lots (id, item, code, quantity, uom, supplier) VALUES
	(3000, 'wheat', 'W1', 0.5, 'TNE', 'Farm Co'),
	(3001, 'flour', 'F1', 100, 'kg', 'Millers'),
	(3002, 'salt', 'S1', 10, 'kg', 'Salt Works'),
	(3003, 'dough', 'D1', 64, 'kg', NULL),
	(3004, 'bread', 'B1', 100, 'EA', NULL),
	(3006, 'sugar', 'SU1', NULL, 'kg', 'Sugar Co'),
	(3007, 'cake', 'C1', 10, 'EA', NULL);
INSERT INTO links (parent_id, child_id, quantity, uom) VALUES
	(3000, 3001, 100, 'kg'),
	(3001, 3003, 60, 'kg'), (3002, 3003, 4, 'kg'),
	(3003, 3004, 64, 'kg'),
	(3006, 3007, 2, 'kg');
INSERT INTO stock (lot_id, location, on_hand) VALUES
	(3000, 'silo', 0.4), (3001, 'store', 40), (3002, 'store', 6),
	(3004, 'bakery', 60), (3004, 'depot', 38), (3007, 'bakery', 10);
SELECT dispose(3001, 'store', 10, 'wet sacks') > 0 AS disposed;
SELECT ship(reservation_id, 'Shop A', '2024-03-06 09:00+00', 'BOL-1') > 0 AS shipped
  FROM reserve('bread', 50, 'order-1', location => 'bakery');
SELECT ship(reservation_id, 'Shop B', '2024-03-06 10:00+00', 'BOL-2') > 0 AS shipped
  FROM reserve('bread', 30, 'order-2', location => 'depot');
SELECT ship(reservation_id, 'Shop C', '2024-03-06 11:00+00', 'BOL-3') > 0 AS shipped
  FROM reserve('cake', 10, 'order-3');
SELECT count(*) AS reserved FROM reserve('bread', 5, 'order-9', location => 'depot');

-- Hand-computed, for the flour F1 as root (tolerance 5):
--   forward: dough D1 holds 60 of its 64 kg from the flour (share 0.9375),
--     bread B1 all 64 kg of the dough: 60 kg of flour (share 0.9375)
--   back: wheat W1, of which 100 kg of 500 went into the flour (share 0.2,
--     0.1 t); its balance in tonnes: 0.1 consumed + 0.4 on hand = 100 %
--   balances: flour 60 consumed + 30 on hand + 10 disposed = 100 %,
--     dough 64 consumed = 100 %, bread 80 shipped + 18 on hand = 98 %
--     (2 loaves unaccounted); all within 5 points
--   root material (kg): flour on hand 30 and disposed 10; bread ships
--     60 * 80/100 = 48 (30 to Shop A, 18 to Shop B), holds 60 * 18/100 =
--     10.8; accounted 48 + 40.8 + 10 = 98.8 of 100, recovery 98.80 %
SELECT mock_recall('Annual exercise 2024', ARRAY[3001], reason => 'BRCGS 3.9.3') AS exercise \gset
SELECT exercise_id = :exercise AS same, title, reason, run_by = current_user AS by_me,
	   trace_time >= '0' AND trace_time < '4 hours' AS in_time, roots, tolerance,
	   lots_back, lots_forward, suppliers, customers, open_reservations, locations,
	   root_uom, root_quantity, root_shipped, root_on_hand, root_disposed, root_unaccounted, root_recovery,
	   lots_not_reconciled, passed
  FROM mock_recall_report WHERE exercise_id = :exercise;
SELECT lot_id, scope, depth, item, code, supplier, share, root_quantity, uom, produced, consumed, shipped,
	   on_hand, disposed, unaccounted, recovery, root_shipped, root_on_hand, root_disposed, reconciled, note
  FROM mock_recall_lots WHERE exercise_id = :exercise ORDER BY scope DESC, depth, lot_id;
SELECT l.code, s.shipped_at, s.ship_to, s.quantity, s.uom, s.root_quantity, s.reference
  FROM mock_recall_shipments s JOIN lots l ON l.id = s.lot_id
 WHERE s.exercise_id = :exercise ORDER BY s.shipped_at;
SELECT l.code, r.location, r.quantity, r.reference
  FROM mock_recall_reservations r JOIN lots l ON l.id = r.lot_id WHERE r.exercise_id = :exercise;
SELECT l.code, s.location, s.on_hand, s.reserved
  FROM mock_recall_stock s JOIN lots l ON l.id = s.lot_id
 WHERE s.exercise_id = :exercise ORDER BY l.code, s.location;

-- nothing was held, released or changed
SELECT count(*) AS status_changes FROM lot_status_log;
SELECT count(*) AS open_reservations FROM reservations;
SELECT count(*) AS recalls FROM recalls;

-- a tighter tolerance: the bread (98 %) and the root material (98.8 %)
-- no longer reconcile
SELECT mock_recall('Tight', ARRAY[3001], tolerance => 1) AS tight \gset
SELECT root_recovery, lots_not_reconciled, passed FROM mock_recall_report WHERE exercise_id = :tight;
SELECT code, recovery FROM mock_recall_lots WHERE exercise_id = :tight AND NOT reconciled;

-- a root without quantity: its root material is unknown, and so is every
-- figure that needs it; the cakes themselves balance (10 shipped of 10)
SELECT mock_recall('Sugar', ARRAY[3006, 3006]) AS sugar \gset
SELECT roots, lots_forward, customers, root_uom, root_quantity, root_shipped, root_recovery,
	   lots_not_reconciled, passed
  FROM mock_recall_report WHERE exercise_id = :sugar;
SELECT code, scope, share, root_quantity, recovery, root_shipped, reconciled, note
  FROM mock_recall_lots WHERE exercise_id = :sugar ORDER BY lot_id;
SELECT ship_to, quantity, uom, root_quantity FROM mock_recall_shipments WHERE exercise_id = :sugar;

-- a real recall of the flour, without hold, reports the same quantities
SELECT open_recall('Flour F1', ARRAY[3001], hold => false) AS recall_id \gset
SELECT code, depth, on_hand, share, root_quantity, root_uom, uom, produced, consumed, shipped, disposed,
	   unaccounted, recovery, note
  FROM recall_scope WHERE recall_id = :recall_id ORDER BY depth, code;
SELECT lots, root_uom, root_quantity, root_shipped, root_on_hand, root_disposed, root_unaccounted, root_recovery
  FROM recall_summary WHERE recall_id = :recall_id;
SELECT open_recall('Sugar SU1', ARRAY[3006], hold => false) AS sugar_recall \gset
SELECT lots, root_uom, root_quantity, root_shipped, root_recovery FROM recall_summary WHERE recall_id = :sugar_recall;

-- through time: flour FA (made March 1) filled silo S on March 1, which
-- bread BA drew from on March 2; S was cleaned on March 5, then filled with
-- flour FB and drawn into bread BB on March 6.  Through time, FA reaches S
-- and BA only (BB came after the cleaning), and BA is all FA (50 kg);
-- without time BB too.
INSERT INTO lots (id, item, code, quantity, uom, produced_at, container) VALUES
	(4001, 'flour', 'FA', 100, 'kg', '2024-03-01', false),
	(4002, 'flour', 'FB', 100, 'kg', '2024-03-04', false),
	(4010, 'silo', 'S', 200, 'kg', NULL, true),
	(4011, 'bread', 'BA', 50, 'kg', NULL, false),
	(4012, 'bread', 'BB', 50, 'kg', NULL, false);
INSERT INTO links (parent_id, child_id, quantity, uom, linked_at) VALUES
	(4001, 4010, 100, 'kg', '2024-03-01'), (4010, 4011, 50, 'kg', '2024-03-02'),
	(4002, 4010, 100, 'kg', '2024-03-05'), (4010, 4012, 50, 'kg', '2024-03-06');
INSERT INTO events (id, kind, occurred_at) VALUES (4001, 'clean', '2024-03-05');
INSERT INTO event_lots (event_id, lot_id, role) VALUES (4001, 4010, 'subject');
SELECT mock_recall('FA through time', ARRAY[4001], respect_time => true) AS timed \gset
SELECT mock_recall('FA', ARRAY[4001]) AS untimed \gset
SELECT exercise_id = :timed AS timed, respect_time, lots_forward FROM mock_recall_report
 WHERE exercise_id IN (:timed, :untimed) ORDER BY exercise_id;
SELECT exercise_id = :timed AS timed, code, scope, share, root_quantity
  FROM mock_recall_lots WHERE exercise_id IN (:timed, :untimed) ORDER BY exercise_id, depth, lot_id;

-- bad input; nothing is written
SELECT count(*) AS exercises_before FROM mock_recalls \gset
SELECT mock_recall(NULL, ARRAY[3001]);
SELECT mock_recall(' ', ARRAY[3001]);
SELECT mock_recall('x', NULL);
SELECT mock_recall('x', '{}');
SELECT mock_recall('x', ARRAY[3001, NULL]);
SELECT mock_recall('x', ARRAY[3001], tolerance => NULL);
SELECT mock_recall('x', ARRAY[3001], tolerance => -1);
SELECT mock_recall('x', ARRAY[3001], tolerance => 100);
SELECT mock_recall('x', ARRAY[3001], tolerance => 'NaN');
SELECT mock_recall('x', ARRAY[3001, 999999]);
SELECT mock_recall('x', ARRAY[3001], respect_time => NULL);
SELECT count(*) = :exercises_before AS nothing_written FROM mock_recalls;
SELECT count(*) AS lots_recorded FROM mock_recall_lots;

-- the predefined roles: the admin runs mock recalls, a reader reads them
-- (and the recall views, with their quantities), an operator disposes
SET ROLE lottrace_admin;
SELECT mock_recall('By the admin', ARRAY[3001]) > 0 AS ran;
SET ROLE lottrace_reader;
SELECT title, root_recovery, passed FROM mock_recall_report WHERE title = 'By the admin';
SELECT count(*) AS recalls, min(root_recovery) AS root_recovery FROM recall_summary;
SELECT recovery FROM mass_balance(ARRAY[3004]);
SELECT mock_recall('By a reader', ARRAY[3001]);
SELECT dispose(3002, 'store', 1);
SET ROLE lottrace_operator;
SELECT dispose(3002, 'store', 1, 'spilt') > 0 AS disposed;
RESET ROLE;

-- the exercises are the tables' rows: pg_dump keeps them
SELECT c.relname FROM pg_extension e CROSS JOIN LATERAL unnest(e.extconfig) AS t(relid)
  JOIN pg_class c ON c.oid = t.relid
 WHERE e.extname = 'lottrace' AND c.relname LIKE 'mock%' ORDER BY 1;

-- clean up for the other tests
TRUNCATE mock_recalls, mock_recall_lots, mock_recall_shipments, mock_recall_reservations, mock_recall_stock,
	epcis_imported, recall_lots, recall_roots, recalls, reservations, stock, event_lots, events, links,
	lot_status_log, lots RESTART IDENTITY;
