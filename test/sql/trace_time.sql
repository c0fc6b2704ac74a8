--
-- Time-respecting traces (respect_time => true) and containers
--
SET search_path = lottrace, public;
SET TimeZone = 'UTC';

-- A flour silo (3, a container) filled from flour lots 1 (received March 1),
-- 2 (March 4) and 9 (March 8, after the cleaning of March 8 00:00), drawn
-- into batches 4 (March 2), 5 (March 6) and 6 (March 9); batches 4 and 5
-- go onto pallets 7 and 8.
INSERT INTO lots (id, item, code, produced_at, container) VALUES
	(1, 'flour', 'FL-A', '2024-03-01 00:00+00', false),
	(2, 'flour', 'FL-B', '2024-03-04 00:00+00', false),
	(3, 'silo', 'SILO-1', NULL, true),
	(4, 'batch', 'B-1', NULL, false), (5, 'batch', 'B-2', NULL, false),
	(6, 'batch', 'B-3', NULL, false),
	(7, 'pallet', 'P-1', NULL, false), (8, 'pallet', 'P-2', NULL, false),
	(9, 'flour', 'FL-C', '2024-03-08 12:00+00', false);
INSERT INTO links (id, parent_id, child_id, linked_at) VALUES
	(1, 1, 3, '2024-03-01 06:00+00'), (2, 2, 3, '2024-03-05 06:00+00'),
	(3, 3, 4, '2024-03-02 06:00+00'), (4, 3, 5, '2024-03-06 06:00+00'),
	(5, 9, 3, '2024-03-08 12:00+00'), (6, 3, 6, '2024-03-09 06:00+00'),
	(7, 4, 7, '2024-03-03 06:00+00'), (8, 5, 8, '2024-03-07 06:00+00');
INSERT INTO events (id, kind, occurred_at) VALUES (1, 'clean', '2024-03-08 00:00+00');
INSERT INTO event_lots (event_id, lot_id, role) VALUES (1, 3, 'subject');

-- plain reachability: the silo links every flour lot to every batch
SELECT * FROM trace_forward(1) ORDER BY depth, lot_id;
-- FL-A was in the silo from March 1 to the cleaning: batches 4 and 5
SELECT * FROM trace_forward(1, respect_time => true) ORDER BY depth, lot_id;
-- FL-B came on March 5: not into batch 4 drawn March 2
SELECT * FROM trace_forward(2, NULL, true) ORDER BY depth, lot_id;
-- FL-C came after the cleaning: batch 6 only
SELECT * FROM trace_forward(ARRAY[9], respect_time => true) ORDER BY depth, lot_id;
-- false is the plain trace
SELECT count(*) FROM trace_forward(2, respect_time => false);
-- backward (latest departure): batch 5 was drawn March 6, from FL-A and FL-B
SELECT * FROM trace_backward(5, respect_time => true) ORDER BY depth, lot_id;
-- batch 4, drawn March 2: FL-A only; batch 6, after the cleaning: FL-C only
SELECT * FROM trace_backward(ARRAY[4], respect_time => true) ORDER BY depth, lot_id;
SELECT * FROM trace_backward(ARRAY[8, 6], NULL, true) ORDER BY depth, lot_id;
-- a cleaning counts only for a lot marked container
UPDATE lots SET container = false WHERE id = 3;
SELECT lot_id FROM trace_forward(1, respect_time => true) ORDER BY lot_id;
UPDATE lots SET container = true WHERE id = 3;
-- a cleaning of a lot as input or output of an event is no cleaning of it
UPDATE event_lots SET role = 'input' WHERE event_id = 1;
SELECT lot_id FROM trace_forward(1, respect_time => true) ORDER BY lot_id;
UPDATE event_lots SET role = 'subject' WHERE event_id = 1;

-- the links followed, with the depth of their near end
SELECT * FROM trace_edges(ARRAY[1], respect_time => true) ORDER BY link_id;
SELECT link_id, depth FROM trace_edges(ARRAY[5], 'backward', respect_time => true) ORDER BY link_id;
SELECT link_id, depth FROM trace_edges(ARRAY[3], 'both', NULL, true) ORDER BY link_id;
SELECT trace_dot(ARRAY[2], 'forward', respect_time => true);

-- Rework across time: 20 (made March 1) goes into 21 on March 5 and into
-- 22 on March 2; 22 into 23 on March 3 and 23 into 21 on March 4, so
-- material of 20 reaches 21 on March 4 already, through a longer path; 21
-- goes into 24 on March 4 12:00, which only that earlier arrival allows;
-- 24 is reworked into 20 on March 6 (a cycle).
INSERT INTO lots (id, item, code, produced_at) VALUES
	(20, 'dough', 'D-20', '2024-03-01 00:00+00'), (21, 'dough', 'D-21', NULL),
	(22, 'dough', 'D-22', NULL), (23, 'dough', 'D-23', NULL), (24, 'bread', 'B-24', NULL);
INSERT INTO links (id, parent_id, child_id, kind, linked_at) VALUES
	(20, 20, 21, 'consume', '2024-03-05 00:00+00'), (21, 20, 22, 'consume', '2024-03-02 00:00+00'),
	(22, 22, 23, 'consume', '2024-03-03 00:00+00'), (23, 23, 21, 'consume', '2024-03-04 00:00+00'),
	(24, 21, 24, 'consume', '2024-03-04 12:00+00'), (25, 24, 20, 'rework', '2024-03-06 00:00+00');
-- 24 at depth 4: the only time-respecting path to it has four links
SELECT * FROM trace_forward(20, respect_time => true) ORDER BY depth, lot_id;
SELECT * FROM trace_forward(20) ORDER BY depth, lot_id;
SELECT * FROM trace_forward(20, 3, true) ORDER BY depth, lot_id;
-- backward from 24 (made from 21 on March 4 12:00): 21 had 23's material
-- (March 4) but not 20's direct one (March 5); 20 still comes through 22
SELECT * FROM trace_backward(24, respect_time => true) ORDER BY depth, lot_id;
SELECT link_id FROM trace_edges(ARRAY[24], 'backward', respect_time => true) ORDER BY link_id;
-- the cycle through the rework link: from 24, the rework reaches 20 on
-- March 6, after everything it went into
SELECT * FROM trace_forward(24, respect_time => true) ORDER BY depth, lot_id;

-- Equal times: a link at the very time material arrived is followed; a
-- cleaning comes before a link at the same time.  30 (made March 1 10:00)
-- goes into 31 at 10:00, 31 into 32 at 10:00 and into 33 at 09:59; tank 34
-- is cleaned at March 2 00:00, filled from 30 and 36 (made March 1) at
-- March 2 00:00 and March 1 12:00, and drawn into 35 at March 2 00:00.
INSERT INTO lots (id, item, code, produced_at, container) VALUES
	(30, 'milk', 'M-30', '2024-03-01 10:00+00', false), (31, 'cream', 'C-31', NULL, false),
	(32, 'butter', 'BU-32', NULL, false), (33, 'butter', 'BU-33', NULL, false),
	(34, 'tank', 'T-34', NULL, true), (35, 'cheese', 'CH-35', NULL, false),
	(36, 'milk', 'M-36', '2024-03-01 00:00+00', false);
INSERT INTO links (id, parent_id, child_id, linked_at) VALUES
	(30, 30, 31, '2024-03-01 10:00+00'), (31, 31, 32, '2024-03-01 10:00+00'),
	(32, 31, 33, '2024-03-01 09:59+00'), (33, 30, 34, '2024-03-02 00:00+00'),
	(34, 36, 34, '2024-03-01 12:00+00'), (35, 34, 35, '2024-03-02 00:00+00');
INSERT INTO events (id, kind, occurred_at) VALUES (2, 'clean', '2024-03-02 00:00+00');
INSERT INTO event_lots (event_id, lot_id, role) VALUES (2, 34, 'subject');
SELECT * FROM trace_forward(30, respect_time => true) ORDER BY depth, lot_id;
SELECT * FROM trace_forward(36, respect_time => true) ORDER BY depth, lot_id;
SELECT * FROM trace_backward(35, respect_time => true) ORDER BY depth, lot_id;

-- Lots and links without a time.  A link always has one (linked_at is NOT
-- NULL, now() by default).  A root with no produced_at is taken at its
-- first receive event; with neither, its material is there from the start.
\set VERBOSITY terse
INSERT INTO links (parent_id, child_id, linked_at) VALUES (30, 31, NULL);
\set VERBOSITY default
INSERT INTO lots (id, item, code, produced_at) VALUES
	(40, 'salt', 'SA-40', NULL), (41, 'brine', 'BR-41', NULL), (45, 'brine', 'BR-45', NULL),
	(42, 'salt', 'SA-42', NULL), (43, 'brine', 'BR-43', NULL), (44, 'brine', 'BR-44', NULL);
INSERT INTO links (id, parent_id, child_id, linked_at) VALUES
	(40, 40, 41, '2000-01-01 00:00+00'), (41, 40, 45, '-infinity'),
	(42, 42, 43, '2024-03-02 00:00+00'), (43, 42, 44, '2024-03-04 00:00+00');
INSERT INTO events (id, kind, occurred_at) VALUES
	(3, 'receive', '2024-03-03 00:00+00'), (4, 'receive', '2024-03-05 00:00+00');
INSERT INTO event_lots (event_id, lot_id, role) VALUES (3, 42, 'subject'), (4, 42, 'subject');
SELECT * FROM trace_forward(40, respect_time => true) ORDER BY depth, lot_id;
SELECT * FROM trace_forward(42, respect_time => true) ORDER BY depth, lot_id;
-- a produced_at comes first
UPDATE lots SET produced_at = '2024-03-01 00:00+00' WHERE id = 42;
SELECT * FROM trace_forward(42, respect_time => true) ORDER BY depth, lot_id;

-- Time zones: times are instants; the session's zone changes nothing
SET TimeZone = 'Pacific/Auckland';
SELECT * FROM trace_forward(2, NULL, true) ORDER BY depth, lot_id;
-- the same instant written in another zone
UPDATE links SET linked_at = '2024-03-05 19:00+13' WHERE id = 2;
SELECT * FROM trace_forward(2, NULL, true) ORDER BY depth, lot_id;
SET TimeZone = 'UTC';

-- the same answers by every read method
SET lottrace.trace_method = heap;
SELECT lot_id, depth, via_id FROM trace_forward(ARRAY[1, 20], respect_time => true) ORDER BY depth, lot_id;
SET lottrace.trace_method = index_am;
SELECT lot_id, depth, via_id FROM trace_forward(ARRAY[1, 20], respect_time => true) ORDER BY depth, lot_id;
SET lottrace.trace_method = sql;
SELECT lot_id, depth, via_id FROM trace_forward(ARRAY[1, 20], respect_time => true) ORDER BY depth, lot_id;
SELECT link_id, depth, kind FROM trace_edges(ARRAY[24], 'both', respect_time => true) ORDER BY link_id;
RESET lottrace.trace_method;
SELECT lot_id, depth, via_id FROM trace_forward(ARRAY[1, 20], respect_time => true) ORDER BY depth, lot_id;

-- bad input
SELECT * FROM trace_forward(1, NULL, NULL);
SELECT * FROM trace_backward(ARRAY[1], respect_time => NULL);
SELECT * FROM trace_edges(ARRAY[1], respect_time => NULL);
SELECT trace_dot(ARRAY[1], respect_time => NULL);
SELECT * FROM trace_forward(999, respect_time => true);
SELECT * FROM trace_forward(1, -1, true);
-- an index without linked_at (an installation that rebuilt it so): time-
-- respecting traces say what to do, plain ones go on
BEGIN;
DROP INDEX links_parent_idx;
CREATE INDEX links_parent_idx ON links (parent_id) INCLUDE (child_id, id);
SELECT count(*) FROM trace_forward(1);
SELECT count(*) FROM trace_forward(1, respect_time => true);
ROLLBACK;

-- Recalls: the scope of FL-B with and without time
SELECT open_recall('FL-B with time', ARRAY[2::bigint], hold => false, respect_time => true) AS with_time \gset
SELECT open_recall('FL-B', ARRAY[2::bigint], hold => false) AS without_time \gset
SELECT title, respect_time FROM recalls ORDER BY id;
SELECT recall_id = :with_time AS with_time, lot_id, depth, via_id
  FROM recall_lots ORDER BY recall_id, lot_id;
SELECT recall_id = :with_time AS with_time, count(*) FROM recall_scope GROUP BY 1 ORDER BY 1;
SELECT recall_id = :with_time AS with_time, lots FROM recall_summary ORDER BY 1;
SELECT open_recall('x', ARRAY[2::bigint], respect_time => NULL);
SELECT close_recall(:with_time), close_recall(:without_time);

-- Privileges and row-level security: a time-respecting trace also reads
-- events and event_lots (the cleanings, the receipts)
CREATE ROLE lottrace_time_clerk;
GRANT USAGE ON SCHEMA lottrace TO lottrace_time_clerk;
GRANT SELECT ON lots, links TO lottrace_time_clerk;
SET ROLE lottrace_time_clerk;
SELECT count(*) FROM trace_forward(2);
SELECT count(*) FROM trace_forward(2, respect_time => true);
RESET ROLE;
GRANT SELECT ON events, event_lots TO lottrace_time_clerk;
-- a policy hiding the draw of March 6: FL-B reaches the silo only
ALTER TABLE links ENABLE ROW LEVEL SECURITY;
CREATE POLICY no_march_6 ON links TO lottrace_time_clerk USING (id <> 4);
SET ROLE lottrace_time_clerk;
SELECT * FROM trace_forward(2, respect_time => true) ORDER BY depth, lot_id;
RESET ROLE;
-- a policy hiding the cleaning: FL-A reaches batch 6 too
DROP POLICY no_march_6 ON links;
ALTER TABLE links DISABLE ROW LEVEL SECURITY;
ALTER TABLE events ENABLE ROW LEVEL SECURITY;
CREATE POLICY no_cleaning ON events TO lottrace_time_clerk USING (kind <> 'clean');
SET ROLE lottrace_time_clerk;
SELECT lot_id FROM trace_forward(1, respect_time => true) ORDER BY lot_id;
RESET ROLE;
DROP POLICY no_cleaning ON events;
ALTER TABLE events DISABLE ROW LEVEL SECURITY;
REVOKE ALL ON lots, links, events, event_lots FROM lottrace_time_clerk;
REVOKE USAGE ON SCHEMA lottrace FROM lottrace_time_clerk;
DROP ROLE lottrace_time_clerk;

-- clean up (CASCADE: tables of other features may refer to lots)
SET client_min_messages = warning;
TRUNCATE lots, links, events, event_lots, lot_status_log, recalls, recall_roots, recall_lots
	RESTART IDENTITY CASCADE;
RESET client_min_messages;
RESET TimeZone;
