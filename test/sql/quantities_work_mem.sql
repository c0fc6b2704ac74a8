--
-- trace_quantities and the recall views give the same answers whatever
-- work_mem is: a trace whose working state is far beyond 64 kB.
--
SET search_path = lottrace, public;
SET extra_float_digits = 0;

-- Flour 1 (3000 kg) and water 2 (3000 kg) make 3000 doughs 11..3010, each
-- of 1 kg of flour and 1 kg of water (2 kg); doughs 11..1010 make breads
-- 3011..4010 (2 kg each), wholly.  Forward from the flour: every dough and
-- bread is half flour, holding 1 kg of it; 3000 + 3000 * 1 + 1000 * 1 =
-- 7000 kg in all, over 4001 lots.
INSERT INTO lots (id, item, code, quantity, uom)
VALUES (1, 'flour', 'F-1', 3000, 'kg'), (2, 'water', 'W-1', 3000, 'kg');
INSERT INTO lots (id, item, code, quantity, uom)
SELECT i, CASE WHEN i <= 3010 THEN 'dough' ELSE 'bread' END, 'L-' || i, 2, 'kg'
  FROM generate_series(11, 4010) i;
INSERT INTO links (parent_id, child_id, quantity, uom)
SELECT p, i, 1, 'kg' FROM generate_series(11, 3010) i, (VALUES (1), (2)) v(p);
INSERT INTO links (parent_id, child_id, quantity, uom)
SELECT i - 3000, i, 2, 'kg' FROM generate_series(3011, 4010) i;
-- the bread leaves: 600 of them shipped to one customer, 2 kg each
INSERT INTO events (id, kind, occurred_at, partner) VALUES (1, 'ship', '2026-03-01', 'shop');
INSERT INTO event_lots (event_id, lot_id, role, quantity, uom)
SELECT 1, i, 'subject', 2, 'kg' FROM generate_series(3011, 3610) i;

SET work_mem = '64kB';
CREATE TEMP TABLE small AS SELECT * FROM trace_quantities(ARRAY[1::bigint]);
CREATE TEMP TABLE small_back AS SELECT * FROM trace_quantities(ARRAY(SELECT generate_series(3011, 4010)::bigint), 'backward');
SELECT count(*) AS lots_4001, sum(quantity) AS kg_7000,
       count(*) FILTER (WHERE share = 0.5) AS halves_4000,
       count(note) AS notes_0
  FROM small;
-- backward from the breads: 1000 kg of the flour and of the water went in
SELECT lot_id, depth, round(quantity, 6) AS kg_1000 FROM small_back WHERE lot_id IN (1, 2) ORDER BY lot_id;
SELECT open_recall('big', ARRAY[1::bigint], hold => false) AS recall_id \gset
CREATE TEMP TABLE small_summary AS SELECT * FROM recall_summary WHERE recall_id = :recall_id;
CREATE TEMP TABLE small_scope AS SELECT * FROM recall_scope WHERE recall_id = :recall_id;
-- 4001 lots, 3 items, 600 * 2 = 1200 kg shipped to 1 customer; of the
-- 3000 kg of flour 600 kg left in the breads shipped
SELECT lots, items, shipped_quantity, customers, root_uom, root_quantity, root_shipped
  FROM small_summary;
SELECT count(*) AS lots_4001, sum(root_quantity) AS kg_7000 FROM small_scope;

RESET work_mem;
SET work_mem = '64MB';
SELECT (SELECT count(*) FROM (SELECT * FROM trace_quantities(ARRAY[1::bigint])
							  EXCEPT ALL SELECT * FROM small) d) AS forward_differs,
       (SELECT count(*) FROM (SELECT * FROM trace_quantities(ARRAY(SELECT generate_series(3011, 4010)::bigint), 'backward')
							  EXCEPT ALL SELECT * FROM small_back) d) AS backward_differs,
       (SELECT count(*) FROM (SELECT * FROM recall_summary WHERE recall_id = :recall_id
							  EXCEPT ALL SELECT * FROM small_summary) d) AS summary_differs,
       (SELECT count(*) FROM (SELECT * FROM recall_scope WHERE recall_id = :recall_id
							  EXCEPT ALL SELECT * FROM small_scope) d) AS scope_differs;
RESET work_mem;
TRUNCATE lots, links, events, event_lots, lot_status_log, recalls, recall_roots, recall_lots RESTART IDENTITY CASCADE;
