--
-- trace_quantities with respect_time: material follows only the links a
-- time-respecting trace follows; a draw from a container holds what was
-- filled into it since its last cleaning, known only when that came from
-- one lot.  Expected values worked out by hand (doc/quantities.md).
--
SET search_path = lottrace, public;
SET extra_float_digits = 0;
SET timezone = 'UTC';

-- Flour A 1 (made day 1), B 2 (day 2), C 3 (day 4), 100 kg each, and
-- salt X 5, into silo S 10 (a container, 300 kg through it):
--   day 1  A -> S 100 kg           day 2  S -> bread 11, 50 kg
--   day 2  S -> bread 14, 40 kg, with 60 kg of X (bread 14: 100 kg)
--   day 3  B -> S 100 kg           day 4  S -> bread 12, 50 kg
--   day 5  S cleaned; C -> S 100 kg, S -> bread 16, 30 kg (same instant)
--   day 7  S -> bread 13, 50 kg
INSERT INTO lots (id, item, code, quantity, uom, produced_at, container) VALUES
	(1, 'flour', 'A', 100, 'kg', '2026-03-01', false),
	(2, 'flour', 'B', 100, 'kg', '2026-03-02', false),
	(3, 'flour', 'C', 100, 'kg', '2026-03-04', false),
	(5, 'salt', 'X', 60, 'kg', '2026-03-01', false),
	(10, 'silo', 'S', 300, 'kg', NULL, true),
	(11, 'bread', 'B11', 50, 'kg', NULL, false),
	(12, 'bread', 'B12', 50, 'kg', NULL, false),
	(13, 'bread', 'B13', 50, 'kg', NULL, false),
	(14, 'bread', 'B14', 100, 'kg', NULL, false),
	(16, 'bread', 'B16', 30, 'kg', NULL, false);
INSERT INTO links (id, parent_id, child_id, quantity, uom, linked_at) VALUES
	(1, 1, 10, 100, 'kg', '2026-03-01'), (2, 10, 11, 50, 'kg', '2026-03-02'),
	(3, 10, 14, 40, 'kg', '2026-03-02'), (4, 5, 14, 60, 'kg', '2026-03-02'),
	(5, 2, 10, 100, 'kg', '2026-03-03'), (6, 10, 12, 50, 'kg', '2026-03-04'),
	(7, 3, 10, 100, 'kg', '2026-03-05'), (8, 10, 16, 30, 'kg', '2026-03-05'),
	(9, 10, 13, 50, 'kg', '2026-03-07');
INSERT INTO events (id, kind, occurred_at) VALUES (1, 'clean', '2026-03-05');
INSERT INTO event_lots (event_id, lot_id, role) VALUES (1, 10, 'subject');

-- Forward from A through time: S holds A's 100 of the 300 kg filled into
-- it (share 1/3, 100 kg); bread 11 (day 2) drew only A: share 1, 50 kg;
-- bread 14: 40 of its 100 kg came from S while S held only A: 0.4, 40 kg;
-- bread 12 (day 4) drew after A and B were both in: not recorded (NULL);
-- breads 13 and 16 were drawn after the cleaning: not reached.
SELECT * FROM trace_quantities(ARRAY[1::bigint], respect_time => true);
-- Without time, every bread is reached and holds a third of what it drew
-- (S's share): 11, 12, 13, 16 share 1/3, 14 share 0.4/3; amounts 50/300
-- of S's 100 kg of A per kg drawn: 16.67, 16.67, 16.67, 10, 13.33.
SELECT * FROM trace_quantities(ARRAY[1::bigint]);
-- From C: filled at the instant of the cleaning, so after it; bread 16,
-- drawn at that same instant, and bread 13 drew only C: share 1, 30 and 50 kg.
SELECT * FROM trace_quantities(ARRAY[3::bigint], 'forward', NULL, true);
-- From B (made day 2, into S day 3): only bread 12, mixed with A: NULL.
SELECT * FROM trace_quantities(ARRAY[2::bigint], respect_time => true);
-- max_depth 1: S only, with the same numbers as unbounded
SELECT * FROM trace_quantities(ARRAY[1::bigint], 'forward', 1, true);

-- Backward from bread 11: S gave 50 of its 300 kg (share 1/6, 50 kg); what
-- S held on day 2 was A alone, so 50 of A's 100 kg went in (0.5, 50 kg).
-- B's fill (day 3) came after: B is not reached.
SELECT * FROM trace_quantities(ARRAY[11::bigint], 'backward', NULL, true);
-- Backward from bread 12: A and B were both in S on day 4: how much of
-- each bread 12 got is not recorded (NULL); S gave 50 kg (1/6).
SELECT * FROM trace_quantities(ARRAY[12::bigint], 'backward', NULL, true);
-- Backward from breads 13 and 16: all of C's material in them, 80 kg (0.8).
SELECT * FROM trace_quantities(ARRAY[13, 16]::bigint[], 'backward', NULL, true);

-- A link before its parent got the material carries none but still counts
-- in its child's inputs: R 20 (made day 1) went into P 21 on day 3, but P
-- went into Q 22 on day 2 (10 kg) and R into Q on day 4 (10 kg).  Through
-- time P is all R (share 1, 20 kg) and Q half (10 of its 20 kg); without
-- time Q is all R (10 kg through P, whose 20 kg are R's, and 10 direct).
INSERT INTO lots (id, item, code, quantity, uom, produced_at) VALUES
	(20, 'raw', 'R', 100, 'kg', '2026-03-01'), (21, 'mid', 'P', 20, 'kg', NULL),
	(22, 'end', 'Q', 20, 'kg', NULL);
INSERT INTO links (id, parent_id, child_id, quantity, uom, linked_at) VALUES
	(20, 20, 21, 20, 'kg', '2026-03-03'), (21, 21, 22, 10, 'kg', '2026-03-02'),
	(22, 20, 22, 10, 'kg', '2026-03-04');
SELECT * FROM trace_quantities(ARRAY[20::bigint], respect_time => true);
SELECT * FROM trace_quantities(ARRAY[20::bigint]);

-- a recall through time: the views give the root material of trace_quantities
SELECT open_recall('A through time', ARRAY[1::bigint], hold => false, respect_time => true) AS recall_id \gset
SELECT lot_id, depth, share, root_quantity, root_uom, note FROM recall_scope
 WHERE recall_id = :recall_id ORDER BY depth, lot_id;
SELECT lots, root_uom, root_quantity FROM recall_summary WHERE recall_id = :recall_id;

-- bad input
SELECT * FROM trace_quantities(ARRAY[1::bigint], 'forward', NULL, NULL);

TRUNCATE lots, links, events, event_lots, lot_status_log, recalls, recall_roots, recall_lots RESTART IDENTITY CASCADE;
