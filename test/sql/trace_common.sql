--
-- trace_common_sources: the ancestors several lots share, ranked
--
SET search_path = lottrace, public;
-- the genealogy the trace tests share
\i test/sql/include/bakery_genealogy.sql

-- complaints on both pallets: the bread 6 they share comes first, then
-- dough 4, then the raw lots 1-3 (all reach both); bread 7 and dough 5
-- reach pallet 10 only.  Rows come in rank order: hits descending, lots
-- that reach no clean lot first, depth, id.
SELECT * FROM trace_common_sources(ARRAY[9, 10]);
-- the example of doc/trace.md: salt and flour reach all three complaints
-- and the clean rolls; bread 12 is its own ancestor through the cycle
SELECT c.hits, c.depth, c.reaches_clean, l.item, l.code
  FROM trace_common_sources(ARRAY[9, 10, 12], NULL, ARRAY[8]) WITH ORDINALITY c
  JOIN lots l ON l.id = c.lot_id
 ORDER BY c.ordinality;
-- duplicates count once
SELECT * FROM trace_common_sources(ARRAY[10, 9, 10]);
-- the rolls 8 are fine: flour 1, salt 2 and dough 5 went into them too, so
-- they rank below yeast 3 among the lots with the same hits
SELECT * FROM trace_common_sources(ARRAY[9, 10], NULL, ARRAY[8]);
-- max_depth bounds case and clean lots alike: within two links of the
-- pallets, and dough 5 is one link from the rolls
SELECT * FROM trace_common_sources(ARRAY[9, 10], 2, ARRAY[8]);
SELECT * FROM trace_common_sources(ARRAY[9, 10], 1);
SELECT * FROM trace_common_sources(ARRAY[9, 10], 0);
-- a clean lot's own ancestors, not the clean lot itself: bread 7 is clean,
-- and is reported as an ancestor of pallet 10 that reaches no clean lot
SELECT * FROM trace_common_sources(ARRAY[9, 10], NULL, ARRAY[7]);
-- a lot in both arrays counts in both
SELECT * FROM trace_common_sources(ARRAY[9, 10], NULL, ARRAY[9]);
-- a given lot is an ancestor of another given lot (bread 6 of pallet 9),
-- not of itself
SELECT * FROM trace_common_sources(ARRAY[6, 9]);
-- through the rework cycle 8 -> 11 -> 12 -> 8 a given lot is its own
-- ancestor: 8 reaches itself in three links, 12 in three, and each
-- reaches the other
SELECT * FROM trace_common_sources(ARRAY[8, 12]);
SELECT * FROM trace_common_sources(ARRAY[8, 12], 2);
-- the separate cycle, a lot without links, no lots
SELECT * FROM trace_common_sources(ARRAY[13]);
SELECT * FROM trace_common_sources(ARRAY[16]);
SELECT * FROM trace_common_sources('{}');
SELECT * FROM trace_common_sources('{}', NULL, ARRAY[8]);
-- one search, recorded like a trace
SELECT regexp_replace(value, ', [0-9.]+ ms$', '') AS last_trace FROM genealogy_info() WHERE property = 'last trace';
SELECT count(*) FROM trace_common_sources(ARRAY[9, 10, 12]);
SELECT regexp_replace(value, ', [0-9.]+ ms$', '') AS last_trace FROM genealogy_info() WHERE property = 'last trace';

-- the same answers through every read method
SET lottrace.trace_method = heap;
SELECT * FROM trace_common_sources(ARRAY[9, 10], NULL, ARRAY[8]);
SET lottrace.trace_method = index_am;
SELECT * FROM trace_common_sources(ARRAY[8, 12]);
SET lottrace.trace_method = sql;
SELECT * FROM trace_common_sources(ARRAY[9, 10], 2, ARRAY[8]);
RESET lottrace.trace_method;

-- more than 64 given lots: masks of several words.  Lots 101-200 are
-- each made from lot 100, and the even ones from lot 99 too
INSERT INTO lots (id, item, code) SELECT g, 'many', 'M-' || g FROM generate_series(99, 200) g;
INSERT INTO links (id, parent_id, child_id) SELECT 1000 + g, 100, g FROM generate_series(101, 200) g;
INSERT INTO links (id, parent_id, child_id) SELECT 2000 + g, 99, g FROM generate_series(102, 200, 2) g;
SELECT * FROM trace_common_sources(ARRAY(SELECT generate_series(101, 200)::bigint));
SELECT * FROM trace_common_sources(ARRAY(SELECT generate_series(101, 200)::bigint), NULL, ARRAY[200]);

-- bad input
SELECT * FROM trace_common_sources(NULL);
SELECT * FROM trace_common_sources(ARRAY[9, NULL]);
SELECT * FROM trace_common_sources(ARRAY[9], NULL, ARRAY[NULL::bigint]);
SELECT * FROM trace_common_sources(ARRAY[9, 999, 998]);
SELECT * FROM trace_common_sources(ARRAY[9], NULL, ARRAY[997]);
SELECT * FROM trace_common_sources(ARRAY[9], -1);
-- memory: three masks of a bit per given lot for every lot met, within
-- work_mem.  In 64 kB: the 102 lots met from 100 given lots (108 bytes
-- each), not the 600 given ones (300 bytes each)
SET work_mem = 64;
SELECT count(*) FROM trace_common_sources(ARRAY(SELECT generate_series(101, 200)::bigint));
INSERT INTO lots (id, item, code) SELECT g, 'many', 'M-' || g FROM generate_series(201, 700) g;
SELECT count(*) FROM trace_common_sources(ARRAY(SELECT generate_series(101, 700)::bigint));
RESET work_mem;

SET client_min_messages = warning;
TRUNCATE lots, links, events, event_lots, lot_status_log RESTART IDENTITY CASCADE;
RESET client_min_messages;
