--
-- Mass balance: lot_balances, mass_balance, dispose, adjust
--
SET search_path = lottrace, public;
\set SHOW_CONTEXT never

-- A bakery.  Flour 2001 (100 kg) goes into dough 2003 (40 kg) and dough
-- 2008 (30000 g); salt 2002 into both doughs, once with no quantity on the
-- link; sugar 2005 has no quantity itself; yeast 2006 is counted in bags,
-- with no conversion from kg; misc 2009 has no unit at all.
INSERT INTO lots (id, item, code, quantity, uom) VALUES
	(2001, 'flour', 'F1', 100, 'kg'),
	(2002, 'salt', 'S1', 10, 'kg'),
	(2003, 'dough', 'D1', 50, 'kg'),
	(2004, 'bread', 'B1', 100, 'EA'),
	(2005, 'sugar', 'SU1', NULL, 'kg'),
	(2006, 'yeast', 'Y1', 5, 'bag'),
	(2008, 'dough', 'D2', 30, 'kg'),
	(2009, 'misc', 'M1', 10, NULL);
INSERT INTO links (id, parent_id, child_id, quantity, uom) VALUES
	(301, 2001, 2003, 40, 'kg'),
	(302, 2001, 2008, 30000, 'g'),
	(303, 2002, 2003, 2000, 'g'),
	(304, 2002, 2008, NULL, 'kg'),
	(305, 2003, 2004, 45, NULL),
	(306, 2005, 2003, 8, 'kg'),
	(307, 2006, 2003, 1, 'kg'),
	(308, 2009, 2004, 1, 'kg');
INSERT INTO stock (lot_id, location, on_hand) VALUES
	(2001, 'store', 26), (2003, 'mixer', 5), (2004, 'bakery', 100);

-- stock leaves a lot: shipped, disposed, lost at a count, found at a count
SELECT ship(reservation_id, 'Shop A', '2024-03-06 09:00+00', 'BOL-1') > 0 AS shipped
  FROM reserve('bread', 60, 'order-1');
SELECT dispose(2001, 'store', 6, 'mouldy sacks', '2024-03-06 10:00+00') > 0 AS disposed;
SELECT adjust(2003, 'mixer', -3, 'drying loss', '2024-03-06 11:00+00') > 0 AS adjusted;
SELECT adjust(2004, 'bakery', 2, 'count', '2024-03-06 12:00+00') > 0 AS adjusted;
SELECT adjust(2004, 'shop', 1, 'found in the shop') > 0 AS adjusted;
SELECT e.kind, l.code, el.role, el.quantity, el.uom, e.location, e.attributes
  FROM events e JOIN event_lots el ON el.event_id = e.id JOIN lots l ON l.id = el.lot_id
 ORDER BY e.id;
SELECT lot_id, location, on_hand, reserved FROM stock ORDER BY lot_id, location;
-- records kept by hand: a disposal in grams, a shipment without quantity
INSERT INTO events (id, kind, occurred_at) VALUES
	(9101, 'dispose', '2024-03-07 08:00+00'), (9102, 'ship', '2024-03-07 09:00+00');
INSERT INTO event_lots (event_id, lot_id, role, quantity, uom) VALUES
	(9101, 2001, 'subject', 500, 'g'), (9102, 2008, 'subject', NULL, NULL);

-- Hand-computed, every figure in the lot's unit:
--   flour F1: consumed 40 + 30 = 70, on hand 20, disposed 6 + 0.5,
--             unaccounted 100 - 70 - 20 - 6.5 = 3.5, recovery 96.50
--   salt S1:  consumed unknown (link 304 has no quantity)
--   dough D1: consumed 45 (link 305 has no unit: the lot's), on hand 2,
--             disposed 3 (adjusted by -3), unaccounted 0, recovery 100.00
--   bread B1: shipped 60, on hand 40 + 2 + 1 = 43, disposed -3 (found
--             3 more), unaccounted 100 - 60 - 43 + 3 = 0, recovery 100.00
--   sugar:    no quantity, so neither unaccounted nor recovery
--   yeast:    no conversion from kg to bag
--   dough D2: shipped unknown (event 9102 has no quantity)
--   misc:     no unit, so its link in kg does not convert
SELECT * FROM lot_balances ORDER BY lot_id;
SELECT * FROM mass_balance(ARRAY[2004, 2001, 2001]);
SELECT * FROM mass_balance('{}');

-- a view a BI tool filters: the lots that do not balance
SELECT item, code, unaccounted, recovery FROM lot_balances
 WHERE recovery NOT BETWEEN 99 AND 101 OR recovery IS NULL ORDER BY code;

-- bad input
SELECT * FROM mass_balance(NULL);
SELECT * FROM mass_balance(ARRAY[2001, NULL]);
SELECT * FROM mass_balance(ARRAY[2001, 999999, 888888]);
SELECT count(*) AS events_before FROM events \gset
SELECT dispose(NULL, 'store', 1);
SELECT dispose(999999, 'store', 1);
SELECT dispose(2001, NULL, 1);
SELECT dispose(2001, 'store', 0);
SELECT dispose(2001, 'store', -1);
SELECT dispose(2001, 'store', 'NaN');
SELECT dispose(2001, 'store', 21);
SELECT dispose(2001, 'nowhere', 1);
SELECT dispose(2001, 'store', 1, disposed_at => NULL);
SELECT adjust(2001, 'store', 0);
SELECT adjust(2001, 'store', NULL);
SELECT adjust(2001, 'store', -21);
SELECT adjust(2001, 'nowhere', -1);
-- reserved stock is not written off
SELECT count(*) FROM reserve('bread', 40, 'order-2', location => 'bakery');
SELECT dispose(2004, 'bakery', 3);
SELECT count(*) = :events_before AS nothing_written FROM events;
SELECT lot_id, location, on_hand, reserved FROM stock WHERE lot_id = 2001;

-- root_part (root material in part of a lot, for the recall and mock
-- recall figures) is inlined where it is called, not called per row: 30 kg
-- of root material in a lot of 120 kg, 40 kg of it shipped, hold 10 kg
SELECT root_part(30, 120, 40) AS kg_10, root_part(30, 0, 40) AS unknown, root_part(NULL, NULL, 0) AS kg_0;
EXPLAIN (VERBOSE, COSTS OFF) SELECT root_part(v.r, 120, 40) FROM (SELECT 30::numeric AS r OFFSET 0) v;

-- clean up for the other tests
TRUNCATE epcis_imported, recall_lots, recall_roots, recalls, reservations, stock, event_lots, events, links,
	lot_status_log, lots RESTART IDENTITY;
