--
-- FEFO allocation from C: the copies of the lots' sort keys in stock, the
-- allocation indexes, used-up stock that costs nothing, and the SQL walk
-- taken under row-level security or when an index cannot be read
--
SET search_path = lottrace, public;
\set SHOW_CONTEXT never

-- Two items, as of 2024-03-10.  Lots 1 to 3 are cheese's first in fefo
-- order but used up; 4 is expired; 7 never expires.
INSERT INTO lots (id, item, code, produced_at, expires_at, status, uom) VALUES
	(1, 'cheese', 'CH-1', '2024-03-01', '2024-03-11', 'released', 'kg'),
	(2, 'cheese', 'CH-2', '2024-03-01', '2024-03-11', 'released', 'kg'),
	(3, 'cheese', 'CH-3', '2024-03-01', '2024-03-12', 'released', 'kg'),
	(4, 'cheese', 'CH-4', '2024-02-01', '2024-03-09', 'released', 'kg'),
	(5, 'cheese', 'CH-5', '2024-03-02', '2024-03-14', 'released', 'kg'),
	(6, 'cheese', 'CH-6', '2024-03-03', '2024-03-13', 'released', 'kg'),
	(7, 'cheese', 'CH-7', '2024-03-04', NULL,         'released', 'kg'),
	(8, 'butter', 'BU-1', '2024-03-01', '2024-04-01', 'released', 'kg');
INSERT INTO stock (lot_id, location, on_hand, reserved) VALUES
	(1, 'A', 0, 0), (2, 'A', 5, 5), (3, 'A', 0, 0), (4, 'A', 9, 0),
	(5, 'A', 4, 1), (5, 'B', 2, 0), (6, 'B', 1, 0), (7, 'A', 10, 0), (8, 'A', 3, 0);

-- inserting stock copies its lot's item, dates and status, whatever is written
INSERT INTO stock (lot_id, location, on_hand, lot_item, lot_expires_at, lot_produced_at, lot_status)
VALUES (8, 'B', 1, 'lies', '1999-01-01', '1999-01-01', 'hold');
SELECT lot_id, location, lot_item, lot_expires_at, lot_produced_at, lot_status
  FROM stock WHERE lot_id = 8 ORDER BY location;
-- so does writing a copy, or moving the row to another lot
UPDATE stock SET lot_status = 'recalled', lot_item = 'lies' WHERE lot_id = 8 AND location = 'B';
UPDATE stock SET lot_id = 7 WHERE lot_id = 8 AND location = 'B';
SELECT lot_id, location, lot_item, lot_expires_at, lot_produced_at, lot_status
  FROM stock WHERE location = 'B' ORDER BY lot_id;
DELETE FROM stock WHERE lot_id = 7 AND location = 'B';
-- an unknown lot is still the foreign key's error
INSERT INTO stock (lot_id, location, on_hand) VALUES (999, 'A', 1);

-- fefo skips the used-up lots 1 to 3 and the expired 4; fifo and lifo too
SELECT * FROM allocate('cheese', 6, as_of => '2024-03-10');
SELECT * FROM allocate('cheese', 6, policy => 'fifo', as_of => '2024-03-10');
SELECT * FROM allocate('cheese', 6, policy => 'lifo', as_of => '2024-03-10');
SELECT * FROM allocate('cheese', 2, location => 'B', as_of => '2024-03-10');
SELECT * FROM allocate('cheese', 100, as_of => '2024-03-10', allow_partial => true);

-- a lot's new dates, item and status reach its stock rows and the allocation
UPDATE lots SET expires_at = '2024-03-12' WHERE id = 5;
SELECT * FROM allocate('cheese', 3, as_of => '2024-03-10');
SELECT * FROM set_status(ARRAY[5]::bigint[], 'hold', 'mould');
SELECT * FROM allocate('cheese', 3, as_of => '2024-03-10');
SELECT * FROM set_status(ARRAY[5]::bigint[], 'released', 'false alarm');
UPDATE lots SET item = 'brie', produced_at = '2024-03-05' WHERE id = 6;
SELECT * FROM allocate('brie', 1, as_of => '2024-03-10');
SELECT lot_id, location, lot_item, lot_expires_at, lot_produced_at, lot_status
  FROM stock WHERE lot_id IN (5, 6) ORDER BY lot_id, location;
-- the copies agree with the lots everywhere
SELECT count(*) AS copies_that_disagree
  FROM stock s JOIN lots l ON l.id = s.lot_id
 WHERE (s.lot_item, s.lot_expires_at, s.lot_produced_at, s.lot_status)
	   IS DISTINCT FROM (l.item, l.expires_at, l.produced_at, l.status);

-- used-up stock is not in the index: a walk past 500 used-up lots reads
-- only the index entry it returns (counted in this transaction's
-- statistics).  The item is a new one: the updates above left dead entries
-- in cheese's range, which a scan reads (and counts) until an earlier scan
-- could mark them dead, and whether it could depends on other snapshots,
-- autovacuum and hint bits; gouda's range has only the entry of GO-1.
INSERT INTO lots (id, item, code, produced_at, expires_at)
SELECT 100 + i, 'gouda', 'OLD-' || i, '2024-01-01', '2024-03-10'
  FROM generate_series(1, 500) AS i;
INSERT INTO stock (lot_id, location, on_hand) SELECT 100 + i, 'A', 0 FROM generate_series(1, 500) AS i;
INSERT INTO lots (id, item, code, produced_at, expires_at) VALUES (601, 'gouda', 'GO-1', '2024-01-02', '2024-03-12');
INSERT INTO stock (lot_id, location, on_hand) VALUES (601, 'A', 3);
-- (the counts so far go to the statistics system first)
SELECT pg_stat_force_next_flush();
BEGIN;
SELECT code, quantity FROM allocate('gouda', 2, as_of => '2024-03-10');
SELECT pg_stat_get_xact_numscans('stock_fefo_idx'::regclass) AS fefo_index_scans,
	   pg_stat_get_xact_tuples_returned('stock_fefo_idx'::regclass) AS fefo_index_entries_read;
COMMIT;
DELETE FROM stock WHERE lot_id > 100;
DELETE FROM lots WHERE id > 100;

-- the caller's privileges: SELECT on stock and lots, as for the query it replaces
CREATE ROLE lottrace_test_picker;
GRANT USAGE ON SCHEMA lottrace TO lottrace_test_picker;
SET ROLE lottrace_test_picker;
SELECT * FROM lottrace.allocate('butter', 1);
RESET ROLE;
GRANT SELECT ON lottrace.stock TO lottrace_test_picker;
SET ROLE lottrace_test_picker;
SELECT * FROM lottrace.allocate('butter', 1);
RESET ROLE;
GRANT SELECT (id, item, code, produced_at, expires_at, status) ON lottrace.lots TO lottrace_test_picker;
SET ROLE lottrace_test_picker;
SELECT * FROM lottrace.allocate('butter', 1, as_of => '2024-03-10');
RESET ROLE;

-- row-level security on stock: the walk is SQL's, and sees only what the
-- policy lets the caller see
ALTER TABLE stock ENABLE ROW LEVEL SECURITY;
CREATE POLICY picker_sees_b ON stock FOR SELECT TO lottrace_test_picker USING (location = 'B');
SET ROLE lottrace_test_picker;
SELECT * FROM lottrace.allocate('cheese', 3, as_of => '2024-03-10');
RESET ROLE;
DROP POLICY picker_sees_b ON stock;
ALTER TABLE stock DISABLE ROW LEVEL SECURITY;
REVOKE ALL ON lottrace.stock, lottrace.lots FROM lottrace_test_picker;
REVOKE USAGE ON SCHEMA lottrace FROM lottrace_test_picker;
DROP ROLE lottrace_test_picker;

-- an index the walk cannot read (redefined, or missing) gives the same
-- answer, through SQL
DROP INDEX stock_fefo_idx;
SET client_min_messages = debug1;
SELECT * FROM allocate('cheese', 6, as_of => '2024-03-10');
RESET client_min_messages;
CREATE INDEX stock_fefo_idx ON stock (lot_item, lot_expires_at DESC, lot_produced_at, lot_id, location)
	WHERE lot_status = 'released' AND on_hand > reserved;
SET client_min_messages = debug1;
SELECT * FROM allocate('cheese', 6, as_of => '2024-03-10');
RESET client_min_messages;
DROP INDEX stock_fefo_idx;
CREATE INDEX stock_fefo_idx ON stock (lot_item, lot_expires_at, lot_produced_at, lot_id, location)
	WHERE lot_status = 'released' AND on_hand > reserved AND location = 'A';
SET client_min_messages = debug1;
SELECT * FROM allocate('cheese', 6, as_of => '2024-03-10');
RESET client_min_messages;
DROP INDEX stock_fefo_idx;
CREATE INDEX stock_fifo_idx_2 ON stock (lot_item) WHERE on_hand > reserved;
DROP INDEX stock_fifo_idx;
ALTER INDEX stock_fifo_idx_2 RENAME TO stock_fifo_idx;
SET client_min_messages = debug1;
SELECT * FROM allocate('cheese', 6, policy => 'lifo', as_of => '2024-03-10');
RESET client_min_messages;
DROP INDEX stock_fifo_idx;
-- as created: read from C again (no DEBUG message)
CREATE INDEX stock_fefo_idx ON stock (lot_item, lot_expires_at, lot_produced_at, lot_id, location)
	WHERE on_hand > reserved AND lot_status = 'released';
CREATE INDEX stock_fifo_idx ON stock (lot_item, lot_produced_at, lot_id, location)
	WHERE lot_status = 'released' AND on_hand > reserved;
SET client_min_messages = debug1;
SELECT * FROM allocate('cheese', 6, as_of => '2024-03-10');
RESET client_min_messages;
SET client_min_messages = debug1;
SELECT * FROM allocate('cheese', 6, policy => 'lifo', as_of => '2024-03-10');
RESET client_min_messages;
-- a backend keeps what it found of the store between calls, and forgets
-- it when the store changes: an index renamed away is not read any more,
-- and read again when it is back
ALTER INDEX stock_fefo_idx RENAME TO stock_fefo_idx_old;
SET client_min_messages = debug1;
SELECT * FROM allocate('cheese', 6, as_of => '2024-03-10');
RESET client_min_messages;
ALTER INDEX stock_fefo_idx_old RENAME TO stock_fefo_idx;
SET client_min_messages = debug1;
SELECT * FROM allocate('cheese', 6, as_of => '2024-03-10');
RESET client_min_messages;
-- a copy that disagrees with its lot (only a writer that disables the
-- triggers can make one) sends the call to SQL rather than answer wrong
ALTER TABLE stock DISABLE TRIGGER stock_copy_lot;
UPDATE stock SET lot_expires_at = '2024-03-10' WHERE lot_id = 7;
ALTER TABLE stock ENABLE TRIGGER stock_copy_lot;
SET client_min_messages = debug1;
SELECT * FROM allocate('cheese', 6, as_of => '2024-03-10');
RESET client_min_messages;
UPDATE stock SET lot_expires_at = NULL WHERE lot_id = 7;
SELECT lot_expires_at FROM stock WHERE lot_id = 7;

-- (CASCADE: tables of other features may refer to lots)
SET client_min_messages = warning;
TRUNCATE lots, links, events, event_lots, lot_status_log, stock, reservations RESTART IDENTITY CASCADE;
RESET client_min_messages;
