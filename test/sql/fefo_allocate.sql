--
-- FEFO allocation: stock, eligibility, the three policies, partial picks,
-- shortfalls and bad arguments
--
SET search_path = lottrace, public;
\set SHOW_CONTEXT never

-- Runs a statement and reports its SQLSTATE, message and detail.
CREATE FUNCTION pg_temp.outcome(statement text, OUT state text, OUT message text, OUT detail text)
LANGUAGE plpgsql AS $$
BEGIN
	EXECUTE statement;
	state := '00000';
EXCEPTION WHEN OTHERS THEN
	GET STACKED DIAGNOSTICS state = RETURNED_SQLSTATE, message = MESSAGE_TEXT, detail = PG_EXCEPTION_DETAIL;
END $$;

-- A dairy's lots, as of 2024-03-10.  Dates are chosen so that every
-- ordering rule decides somewhere: expiry, then production (NULL last),
-- then lot id, then location; lots that never expire come last.
INSERT INTO lots (id, item, code, produced_at, expires_at, status, uom) VALUES
	(1,  'milk', 'M-01', '2024-03-01', '2024-03-09', 'released', 'l'),		-- expired the day before
	(2,  'milk', 'M-02', '2024-03-02', '2024-03-10', 'released', 'l'),		-- expires on the day: usable
	(3,  'milk', 'M-03', '2024-03-03', '2024-03-12', 'released', 'l'),
	(4,  'milk', 'M-04', '2024-03-01', '2024-03-12', 'released', 'l'),		-- same expiry as 3, made earlier
	(5,  'milk', 'M-05', NULL,         '2024-03-12', 'released', 'l'),		-- same expiry, made when? last
	(6,  'milk', 'M-06', '2024-03-04', NULL,         'released', 'l'),		-- never expires
	(7,  'milk', 'M-07', '2024-03-05', '2024-03-20', 'hold', 'l'),
	(8,  'milk', 'M-08', '2024-03-05', '2024-03-20', 'quarantine', 'l'),
	(9,  'milk', 'M-09', '2024-03-05', '2024-03-20', 'recalled', 'l'),
	(10, 'milk', 'M-10', '2024-03-06', '2024-03-15', 'released', 'l'),		-- all reserved, or empty
	(11, 'milk', 'M-11', '2024-03-06', '2024-03-15', 'released', 'l'),		-- partly reserved
	(12, 'milk', 'M-12', '2024-03-07', '2024-03-13', 'consumed', 'l'),
	(13, 'milk', 'M-13', NULL,         NULL,         'released', 'l'),
	(14, 'milk', 'M-14', '2024-03-02', NULL,         'released', 'l'),
	(15, 'milk', 'M-15', '2024-03-03', '2024-03-12', 'released', 'l'),		-- same dates as 3: by id
	(16, 'milk', 'M-16', '2024-03-05', '2024-03-11', 'released', 'l'),
	(20, 'cream', 'C-01', '2024-03-01', '2024-03-20', 'released', 'l');
INSERT INTO stock (lot_id, location, on_hand, reserved) VALUES
	(1, 'A', 10, 0),
	(2, 'B', 3, 0), (2, 'A', 4, 0),
	(3, 'B', 5, 0),
	(4, 'A', 6, 0),
	(5, 'A', 2, 0),
	(6, 'A', 20, 0),
	(7, 'A', 50, 0), (8, 'A', 50, 0), (9, 'A', 50, 0),
	(10, 'A', 8, 8), (10, 'B', 0, 0),
	(11, 'C', 7, 3),
	(12, 'A', 9, 0),
	(13, 'A', 1, 0),
	(14, 'B', 2, 0),
	(15, 'A', 1, 0),
	(16, 'A', 1, 0),
	(20, 'A', 100, 0);

-- stock: reserved stays within 0..on_hand; quantities are finite numbers
INSERT INTO stock (lot_id, location, on_hand) VALUES (1, 'Z', 5) RETURNING *;
UPDATE stock SET reserved = 6 WHERE lot_id = 1 AND location = 'Z';
UPDATE stock SET reserved = -1 WHERE lot_id = 1 AND location = 'Z';
UPDATE stock SET on_hand = -1 WHERE lot_id = 1 AND location = 'Z';
UPDATE stock SET on_hand = 'NaN' WHERE lot_id = 1 AND location = 'Z';
INSERT INTO stock (lot_id, location, on_hand) VALUES (1, 'Z', 1);
INSERT INTO stock (lot_id, location, on_hand) VALUES (999, 'Z', 1);
INSERT INTO stock (lot_id, location, on_hand) VALUES (1, NULL, 1);
INSERT INTO stock (lot_id, location, on_hand) VALUES (1, 'Y', NULL);
DELETE FROM stock WHERE lot_id = 1 AND location = 'Z';
-- reservations need a stock row and a positive quantity
INSERT INTO reservations (lot_id, location, quantity) VALUES (1, 'Q', 1);
\set VERBOSITY terse
INSERT INTO reservations (lot_id, location, quantity) VALUES (1, 'A', 0);
INSERT INTO reservations (lot_id, location, quantity) VALUES (1, 'A', 'NaN');
\set VERBOSITY default

CREATE TEMP TABLE stock_before AS SELECT * FROM stock;

-- fefo: earliest expiry first, then production (NULL last), lot id,
-- location; lots without expiry last.  M-01 expired yesterday; M-02 expires
-- today and is still usable.  Held, quarantined, recalled and consumed lots,
-- lots of other items and stock that is all reserved are never offered.
SELECT * FROM allocate('milk', 1000, as_of => '2024-03-10', allow_partial => true);
-- the default as_of is today: everything above has expired but the undated lots
SELECT * FROM allocate('milk', 1000, allow_partial => true);

-- the expiry day is the last usable day
SELECT * FROM allocate('milk', 1, as_of => '2024-03-09');
SELECT * FROM allocate('milk', 1, as_of => '2024-03-10');
SELECT * FROM allocate('milk', 1, as_of => '2024-03-11');

-- minimum shelf life: the lot must still be usable on as_of + min_shelf_life
-- (36 hours after the start of 03-10 falls on 03-11, M-16's last day)
SELECT shelf_life, (SELECT min(expires_at)
					  FROM allocate('milk', 1000, as_of => '2024-03-10', min_shelf_life => shelf_life,
									allow_partial => true)) AS first_expiry_offered
  FROM unnest('{0 days, 1 day, 36 hours, 2 days, 3 days}'::interval[]) AS shelf_life;
SELECT lot_id, code, location, expires_at FROM allocate('milk', 4, as_of => '2024-02-14', min_shelf_life => '1 mon');
-- when nothing dated is left, the lots that never expire are still offered
SELECT lot_id, code, location, expires_at FROM allocate('milk', 4, as_of => '2024-06-01');

-- fifo: production date (NULL last), lot id, location; expired lots excluded
SELECT * FROM allocate('milk', 1000, policy => 'fifo', as_of => '2024-03-10', allow_partial => true);
-- lifo: the exact reverse of fifo
SELECT * FROM allocate('milk', 1000, policy => 'lifo', as_of => '2024-03-10', allow_partial => true);
SELECT lot_id, location, quantity FROM allocate('milk', 5, policy => 'lifo', as_of => '2024-03-10');

-- location filter
SELECT * FROM allocate('milk', 10, 'B', as_of => '2024-03-10');
SELECT * FROM allocate('milk', 4, location => 'C', as_of => '2024-03-10');
SELECT * FROM allocate('milk', 1, location => 'nowhere', as_of => '2024-03-10', allow_partial => true);

-- greedy: whole rows in order, the last one in part
SELECT * FROM allocate('milk', 7, as_of => '2024-03-10');
SELECT * FROM allocate('milk', 8, as_of => '2024-03-10');
SELECT * FROM allocate('milk', 0.5, as_of => '2024-03-10');
SELECT count(*), sum(quantity) FROM allocate('milk', 49, as_of => '2024-03-10');

-- not enough: LT001 with the shortfall in the detail, unless allow_partial
SELECT * FROM allocate('milk', 50, as_of => '2024-03-10');
SELECT count(*), sum(quantity) FROM allocate('milk', 50, as_of => '2024-03-10', allow_partial => true);
SELECT * FROM allocate('milk', 5, 'C', as_of => '2024-03-10');
SELECT * FROM allocate('milk', 2, location => 'Y', as_of => '2024-03-10');
SELECT * FROM allocate('butter', 1);
SELECT * FROM allocate('butter', 1, allow_partial => true);
SELECT * FROM pg_temp.outcome($$SELECT * FROM lottrace.allocate('milk', 3, 'C', policy => 'fifo', as_of => '2024-03-16')$$);

-- bad arguments: 22023
SELECT statement, (pg_temp.outcome('SELECT * FROM lottrace.' || statement)).*
  FROM (VALUES
	($$allocate(NULL, 1)$$),
	($$allocate('milk', NULL)$$),
	($$allocate('milk', 0)$$),
	($$allocate('milk', -2)$$),
	($$allocate('milk', 'NaN')$$),
	($$allocate('milk', 1, policy => 'FEFO')$$),
	($$allocate('milk', 1, policy => 'lefo')$$),
	($$allocate('milk', 1, policy => NULL)$$),
	($$allocate('milk', 1, as_of => NULL)$$),
	($$allocate('milk', 1, min_shelf_life => NULL)$$),
	($$allocate('milk', 1, min_shelf_life => '-1 day')$$),
	($$allocate('milk', 1, min_shelf_life => '1 mon -40 days')$$),
	($$allocate('milk', 1, allow_partial => NULL)$$)
  ) AS calls(statement);

-- allocate changes nothing
SELECT count(*) AS changed_rows
  FROM (SELECT * FROM stock EXCEPT SELECT * FROM stock_before) changed;
SELECT count(*) AS reservations FROM reservations;

-- the walk follows the fefo index: an index scan that stops when filled,
-- sorting only the stock rows of a lot by location
SET enable_seqscan = off;
SET enable_bitmapscan = off;
SET enable_sort = off;
EXPLAIN (COSTS OFF)
SELECT l.id, l.code, s.location, l.expires_at, s.on_hand - s.reserved
  FROM lots l JOIN stock s ON s.lot_id = l.id
 WHERE l.item = 'milk' AND l.status = 'released' AND l.expires_at >= '2024-03-10'
   AND s.on_hand > s.reserved
 ORDER BY l.expires_at, l.produced_at, l.id, s.location;
RESET enable_seqscan;
RESET enable_bitmapscan;
RESET enable_sort;

-- the functions
SELECT p.oid::regprocedure AS function, p.provolatile AS volatility, p.prosecdef AS security_definer,
	   p.proconfig AS settings, obj_description(p.oid, 'pg_proc') IS NOT NULL AS documented
  FROM pg_proc p
 WHERE p.pronamespace = 'lottrace'::regnamespace
   AND p.proname IN ('allocate', 'reserve', 'release', 'ship', 'set_status', 'lock_items',
					 'release_reservations', 'check_allocation_arguments')
 ORDER BY p.oid::regprocedure::text;

-- (CASCADE: tables of other features may refer to lots)
SET client_min_messages = warning;
TRUNCATE lots, links, events, event_lots, lot_status_log, stock, reservations RESTART IDENTITY CASCADE;
RESET client_min_messages;
