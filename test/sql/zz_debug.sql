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
SELECT * FROM trace_quantities(ARRAY[3001], 'forward');
SELECT * FROM trace_quantities(ARRAY[3001], 'backward', 1);
SELECT * FROM trace_quantities(ARRAY[3001], 'backward');
SELECT * FROM lot_balances;
