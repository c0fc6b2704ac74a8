--
-- Reservations: reserve, release (by id and by reference), ship, set_status
--
SET search_path = lottrace, public;
\set SHOW_CONTEXT never

CREATE FUNCTION pg_temp.outcome(statement text, OUT state text, OUT message text, OUT detail text)
LANGUAGE plpgsql AS $$
BEGIN
	EXECUTE statement;
	state := '00000';
EXCEPTION WHEN OTHERS THEN
	GET STACKED DIAGNOSTICS state = RETURNED_SQLSTATE, message = MESSAGE_TEXT, detail = PG_EXCEPTION_DETAIL;
END $$;

-- The counters and the reservations agree: this view lists where they do not.
CREATE TEMP VIEW stock_mismatches AS
SELECT s.lot_id, s.location, s.on_hand, s.reserved, coalesce(sum(r.quantity), 0) AS reservations
  FROM stock s LEFT JOIN reservations r ON r.lot_id = s.lot_id AND r.location = s.location
 GROUP BY s.lot_id, s.location, s.on_hand, s.reserved
HAVING s.reserved <> coalesce(sum(r.quantity), 0);

INSERT INTO lots (id, item, code, produced_at, expires_at, uom) VALUES
	(1, 'yogurt', 'Y-1', '2024-03-01', '2024-03-12', 'cup'),
	(2, 'yogurt', 'Y-2', '2024-03-02', '2024-03-11', 'cup'),
	(3, 'yogurt', 'Y-3', '2024-03-03', '2024-03-20', 'cup'),
	(4, 'yogurt', 'Y-4', '2024-02-20', '2024-03-09', 'cup'),		-- expired
	(10, 'kefir', 'K-1', '2024-03-01', '2024-03-30', 'bottle');
INSERT INTO stock (lot_id, location, on_hand) VALUES
	(1, 'A', 10), (2, 'A', 5), (2, 'B', 5), (3, 'A', 20), (4, 'A', 10), (10, 'A', 10);

-- reserve records the fefo pick list as reservations
SELECT * FROM reserve('yogurt', 12, 'SO-1', as_of => '2024-03-10');
SELECT id, lot_id, location, quantity, reference, created_at > now() - interval '1 hour' AS recent
  FROM reservations ORDER BY id;
SELECT * FROM stock ORDER BY lot_id, location;
-- the next one takes what is still free, in fefo order
SELECT * FROM reserve('yogurt', 10, 'SO-2', as_of => '2024-03-10');
SELECT * FROM allocate('yogurt', 5, as_of => '2024-03-10');
-- the options are allocate's
SELECT * FROM reserve('yogurt', 3, 'SO-3', location => 'A', policy => 'lifo', as_of => '2024-03-10');
SELECT * FROM reserve('yogurt', 100, 'SO-4', as_of => '2024-03-10', allow_partial => true);
-- nothing free is left: LT001, and nothing is written
SELECT * FROM reserve('yogurt', 1, 'SO-5', as_of => '2024-03-10');
SELECT * FROM reserve('yogurt', 1, 'SO-5', as_of => '2024-03-10', allow_partial => true);
SELECT count(*) AS reservations, sum(quantity) AS reserved FROM reservations;
SELECT * FROM stock_mismatches;
-- a reference is optional
SELECT reservation_id, code, quantity FROM reserve('kefir', 1, NULL, as_of => '2024-03-10');
SELECT id, reference FROM reservations WHERE lot_id = 10;

-- bad arguments: 22023, as for allocate
SELECT statement, (pg_temp.outcome('SELECT * FROM lottrace.' || statement)).*
  FROM (VALUES
	($$reserve(NULL, 1, 'SO-9')$$),
	($$reserve('kefir', 0, 'SO-9')$$),
	($$reserve('kefir', NULL, 'SO-9')$$),
	($$reserve('kefir', 1, 'SO-9', policy => 'random')$$),
	($$reserve('kefir', 1, 'SO-9', min_shelf_life => '-1 day')$$),
	($$reserve('kefir', 1, 'SO-9', as_of => NULL)$$),
	($$reserve('kefir', 1, 'SO-9', allow_partial => NULL)$$)
  ) AS calls(statement);

-- reservers of an item wait for each other on an advisory lock, held to
-- the end of the transaction: key (1819243636, hashtext(item) & 1023)
BEGIN;
SELECT count(*) FROM reserve('kefir', 2, 'SO-K', as_of => '2024-03-10');
SELECT classid, objid = (hashtext('kefir') & 1023) AS objid_is_bucket, objsubid, mode
  FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid();
ROLLBACK;
SELECT * FROM stock WHERE lot_id = 10;

-- release by id gives the quantity back and returns the reservation
SELECT id, lot_id, location, quantity, reference FROM release(1);
SELECT * FROM stock WHERE lot_id = 2 ORDER BY location;
SELECT * FROM release(1);
SELECT * FROM release(424242);
SELECT * FROM release(NULL::bigint);
-- release by reference ends them all; none left is not an error
SELECT id, lot_id, location, quantity, reference FROM release('SO-2');
SELECT id, lot_id, location, quantity, reference FROM release('SO-2');
SELECT * FROM release(NULL::text);
SELECT * FROM release(NULL);
-- what was released is free again, first in fefo order
SELECT * FROM allocate('yogurt', 15, as_of => '2024-03-10');
SELECT * FROM stock_mismatches;

-- ship consumes the reservation, takes the quantity out of stock and
-- records a ship event with the lot as subject
SELECT id, lot_id, location, quantity, reference FROM reservations ORDER BY id;
SELECT ship(2, 'Corner Shop', '2024-03-10 09:00+00', 'BOL-7') AS event_id;
SELECT ship(3, 'Deli & Co', '2024-03-10 10:30+00') AS event_id;
SELECT id, kind, occurred_at, location, partner, reference_type, reference, attributes
  FROM events ORDER BY id;
SELECT * FROM event_lots ORDER BY event_id;
SELECT * FROM stock WHERE lot_id IN (1, 2) ORDER BY lot_id, location;
SELECT count(*) AS left_of_reservations_2_and_3 FROM reservations WHERE id IN (2, 3);
-- shipping a reservation that is gone, or with arguments missing
SELECT statement, (pg_temp.outcome('SELECT lottrace.' || statement)).*
  FROM (VALUES
	($$ship(2, 'Corner Shop')$$),
	($$ship(NULL, 'Corner Shop')$$),
	($$ship(4, NULL)$$),
	($$ship(4, '  ')$$),
	($$ship(4, 'Corner Shop', NULL)$$)
  ) AS calls(statement);
-- a lot put on hold behind lottrace's back is not shipped
UPDATE lots SET status = 'hold' WHERE id = 3;
SELECT ship(6, 'Corner Shop');
UPDATE lots SET status = 'released' WHERE id = 3;
SELECT * FROM stock_mismatches;

-- set_status: a hold releases the lot's reservations and returns them
SELECT r.id, r.lot_id, r.location, r.quantity, r.reference FROM reservations r ORDER BY r.id;
SELECT id, lot_id, location, quantity, reference FROM set_status(ARRAY[3], 'hold', 'lab result pending');
SELECT id, code, status FROM lots WHERE item = 'yogurt' ORDER BY id;
SELECT * FROM stock WHERE lot_id = 3;
SELECT * FROM stock_mismatches;
-- a held lot is never allocated nor reserved
SELECT * FROM allocate('yogurt', 100, as_of => '2024-03-10', allow_partial => true);
SELECT * FROM reserve('yogurt', 20, 'SO-6', as_of => '2024-03-10');
-- released again, it is offered again; releasing returns no reservations
SELECT * FROM set_status(ARRAY[3], 'released', 'lab result negative');
SELECT lot_id, quantity FROM allocate('yogurt', 20, as_of => '2024-03-10');
-- every status but released ends reservations
SELECT reservation_id, code, quantity FROM reserve('yogurt', 20, 'SO-7', as_of => '2024-03-10');
SELECT id, lot_id, quantity FROM set_status(ARRAY[1], 'quarantine', 'temperature excursion');
SELECT id, lot_id, quantity FROM set_status(ARRAY[3], 'consumed', 'used in production');
SELECT count(*) AS reservations FROM reservations;
-- the reason goes to the status log; without one, the caller's setting
-- lottrace.status_reason is used; either way the setting is left as it was
BEGIN;
SET LOCAL lottrace.status_reason = 'recall 12';
SELECT count(*) FROM set_status(ARRAY[1, 2], 'recalled', NULL);
SELECT count(*) FROM set_status(ARRAY[3], 'released', 'audit');
SELECT current_setting('lottrace.status_reason') AS status_reason;
COMMIT;
SELECT lot_id, old_status, new_status, reason FROM lot_status_log ORDER BY id;
-- setting the status a lot already has logs nothing
SELECT count(*) FROM set_status(ARRAY[1, 2], 'recalled', 'again');
SELECT count(*) AS log_entries FROM lot_status_log;
SELECT * FROM set_status('{}', 'hold', 'nothing');

-- bad arguments: 22023; an unknown lot: P0002, and nothing changes
SELECT statement, (pg_temp.outcome('SELECT * FROM lottrace.' || statement)).*
  FROM (VALUES
	($$set_status(NULL, 'hold', 'x')$$),
	($$set_status(ARRAY[1, NULL], 'hold', 'x')$$),
	($$set_status(ARRAY[1], NULL, 'x')$$),
	($$set_status(ARRAY[3, 999, 998], 'hold', 'x')$$),
	($$set_status(ARRAY[3], 'lost', 'x')$$)
  ) AS calls(statement);
SELECT id, status FROM lots WHERE id = 3;
SELECT * FROM stock_mismatches;

-- (CASCADE: tables of other features may refer to lots)
SET client_min_messages = warning;
TRUNCATE lots, links, events, event_lots, lot_status_log, stock, reservations RESTART IDENTITY CASCADE;
RESET client_min_messages;
