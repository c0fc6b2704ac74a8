--
-- trace_quantities, uom_convert, uom_conversions
--
-- Every expected number below is worked out by hand in the comments; the
-- definitions are in doc/quantities.md.
--
SET search_path = lottrace, public;
SET extra_float_digits = 0;

-- units: built-in codes and spellings, user conversions per item
INSERT INTO uom_conversions (item, from_uom, to_uom, factor) VALUES
	('flour', 'bag', 'KGM', 25),		-- 1 bag of flour = 25 kg
	('water', 'LTR', 'KGM', 1);			-- 1 l of water = 1 kg
SELECT uom_convert(1000, 'g', 'kg') AS kg_1,
       uom_convert(3, 'L', 'ml') AS ml_3000,
       uom_convert(2, 'dozen', 'pcs') AS pcs_24,
       uom_convert(5, ' KGM ', 'Kilograms') AS kg_5,
       uom_convert(1, 'lb', 'kg') AS kg_0_45359237,
       uom_convert(1, 'GLL', 'LTR') AS l_3_785411784;
-- through the item's row: 2 bags = 50 kg; back: 50 kg = 2 bags; a bag in
-- pounds = 25 / 0.45359237 = 55.11556554621939...
SELECT uom_convert(2, 'bag', 'kg', 'flour') AS kg_50,
       uom_convert(50, 'kg', 'bag', 'flour') AS bags_2,
       round(uom_convert(1, 'bag', 'lb', 'flour'), 10) AS lb_55_1155655462,
       uom_convert(500, 'g', 'bag', 'flour') AS bags_0_02;
-- no conversion: across dimensions, another item's row, unknown units
SELECT uom_convert(1, 'kg', 'L') IS NULL AS mass_volume,
       uom_convert(1, 'bag', 'kg') IS NULL AS no_item,
       uom_convert(1, 'bag', 'kg', 'sugar') IS NULL AS other_item,
       uom_convert(1, 'crate', 'box') IS NULL AS unknown,
       uom_convert(NULL, 'kg', 'g') IS NULL AS null_quantity,
       uom_convert(1, NULL, 'g') IS NULL AS null_unit,
       uom_convert(7, 'crate', 'crate') AS same_7;
-- rows are checked
INSERT INTO uom_conversions (item, from_uom, to_uom, factor) VALUES ('x', 'bag', 'kg', 0);
INSERT INTO uom_conversions (item, from_uom, to_uom, factor) VALUES ('x', 'kg', 'kg', 1);
INSERT INTO uom_conversions (item, from_uom, to_uom, factor) VALUES (NULL, ' ', 'kg', 1);
INSERT INTO uom_conversions (item, from_uom, to_uom, factor) VALUES ('flour', 'bag', 'KGM', 20);
INSERT INTO uom_conversions (from_uom, to_uom, factor) VALUES ('box', 'EA', 6), ('box', 'EA', 8);

-- A. Diamond, merge and split, all in kilograms but the bread (EA).
--   flour 1 (100 kg) and salt 2 (20 kg) make dough 3 (flour 40, salt 10:
--   50 kg) and dough 4 (flour 60, salt 20: 80 kg); both doughs make bread 5
--   (25 kg of 3, 40 kg of 4; 130 EA), split into pallets 6 (50 EA) and 7
--   (80 EA).
INSERT INTO lots (id, item, code, quantity, uom) VALUES
	(1, 'flour', 'F-1', 100, 'KGM'), (2, 'salt', 'S-1', 20, 'kg'),
	(3, 'dough', 'D-1', 50, 'KGM'), (4, 'dough', 'D-2', 80, 'KGM'),
	(5, 'bread', 'B-1', 130, 'EA'), (6, 'pallet', 'P-1', 50, 'EA'), (7, 'pallet', 'P-2', 80, 'EA');
INSERT INTO links (id, parent_id, child_id, quantity, uom) VALUES
	(1, 1, 3, 40, 'KGM'), (2, 2, 3, 10, 'KGM'), (3, 1, 4, 60, 'KGM'), (4, 2, 4, 20, 'kg'),
	(5, 3, 5, 25, 'KGM'), (6, 4, 5, 40, 'KGM'), (7, 5, 6, 50, 'EA'), (8, 5, 7, 80, NULL);
-- forward from the flour:
--   share 3 = 40/50 = 0.8, share 4 = 60/80 = 0.75,
--   share 5 = (25 * 0.8 + 40 * 0.75) / 65 = 50/65 = 0.769230769230769,
--   pallets as the bread.  Flour in them (kg): 3 holds 40, 4 holds 60,
--   5 holds 40/50 * 25 + 60/80 * 40 = 50, 6 holds 50/130 * 50 = 19.2307692307692,
--   7 holds 50/130 * 80 = 30.7692307692308 (6 + 7 = 50).
SELECT * FROM trace_quantities(ARRAY[1]);
-- the salt: 3 holds 10, 4 holds 20, 5 holds 10/50 * 25 + 20/80 * 40 = 15,
-- 6 holds 15 * 50/130 = 5.76923076923077; shares 0.2, 0.25, 15/65
SELECT lot_id, depth, round(share::numeric, 12) AS share, quantity, uom
  FROM trace_quantities(ARRAY[2]) ORDER BY lot_id;
-- max_depth: the lots within it, from the links among them
SELECT * FROM trace_quantities(ARRAY[1], 'forward', 1);
SELECT * FROM trace_quantities(ARRAY[1], max_depth => 2);
-- backward from pallet 6: the part of each ancestor that went into it.
--   5: 50 of 130 EA (0.384615384615385, 50 EA); 3: 25/50 of dough 3 went into
--   5, so 0.5 * 50/130 = 5/26 = 0.192307692307692 (9.61538461538462 kg);
--   4: 40/80 * 50/130 = 5/26 (15.3846153846154 kg); flour: 0.4 * 5/26 + 0.6 *
--   5/26 = 5/26 (19.2307692307692 kg, as the forward trace found);
--   salt: 0.5 * 5/26 + 1 * 5/26 = 7.5/26 = 0.288461538461538 (5.76923076923077 kg).
SELECT * FROM trace_quantities(ARRAY[6], 'backward');
-- two roots: both count whole; the roots' unit is the first one's
SELECT * FROM trace_quantities(ARRAY[1, 2]) ORDER BY depth, lot_id;

-- B. A rework cycle.  Raw 10 (200 kg) and sugar 13 (50 kg) make batch 11
--   (60 kg raw, 30 kg sugar, 10 kg of product 12 reworked: 100 kg); batch 11
--   makes product 12 (80 kg of it, 80 kg), which goes to pallet 14 (70 kg).
INSERT INTO lots (id, item, code, quantity, uom) VALUES
	(10, 'raw', 'R-1', 200, 'KGM'), (11, 'batch', 'BA-1', 100, 'KGM'),
	(12, 'product', 'PR-1', 80, 'KGM'), (13, 'sugar', 'SU-1', 50, 'KGM'),
	(14, 'pallet', 'P-14', 70, 'KGM');
INSERT INTO links (id, parent_id, child_id, quantity, uom, kind) VALUES
	(10, 10, 11, 60, 'KGM', 'consume'), (11, 13, 11, 30, 'KGM', 'consume'),
	(12, 12, 11, 10, 'KGM', 'rework'), (13, 11, 12, 80, 'KGM', 'consume'),
	(14, 12, 14, 70, 'KGM', 'consume');
-- forward from the raw lot: share 11 = 0.6 + 0.1 * share 12, share 12 =
-- share 11, so share 11 = 0.6 / 0.9 = 2/3 (and 12, 14 too).  Raw in them:
-- a11 = 60 + a12 / 80 * 10, a12 = a11 / 100 * 80, so a11 = 60 / 0.9 =
-- 66.6666666666667, a12 = 53.3333333333333, a14 = a12 / 80 * 70 = 46.6666666666667.
SELECT * FROM trace_quantities(ARRAY[10]);
-- backward from pallet 14: g12 = 70/80 + 10/80 * g11, g11 = 80/100 * g12, so
-- g12 = 0.875 / 0.9 = 0.972222222222222 (77.7777777777778 kg), g11 =
-- 0.777777777777778 (77.7777777777778 kg); raw: 60/200 * g11 =
-- 0.233333333333333 (46.6666666666667 kg, as forward); sugar: 30/50 * g11 =
-- 0.466666666666667 (23.3333333333333 kg).
SELECT * FROM trace_quantities(ARRAY[14], 'backward');

-- C. Mixed units.  Flour 20 (4 bags) and water 21 (100 l) make dough 22
--   (2 bags, 50 l: with the conversions 50 kg each; 100 kg), baked into 200
--   pieces of bread 23, of which 20 EA go into box 24 (20 each).  Flour 25
--   (50 kg) is a lot of its own.
INSERT INTO lots (id, item, code, quantity, uom) VALUES
	(20, 'flour', 'F-20', 4, 'bag'), (21, 'water', 'W-21', 100, 'L'),
	(22, 'dough', 'D-22', 100, 'kg'), (23, 'bread', 'B-23', 200, 'pcs'),
	(24, 'box', 'X-24', 20, 'each'), (25, 'flour', 'F-25', 50, 'kg');
INSERT INTO links (id, parent_id, child_id, quantity, uom) VALUES
	(20, 20, 22, 2, 'bag'), (21, 21, 22, 50, 'L'), (22, 22, 23, 100, 'kg'),
	(23, 23, 24, 20, 'EA');
-- share 22 = 50 kg / 100 kg = 0.5 (23 and 24 too); flour in them, in bags:
-- 22 holds 2, 23 holds 2/100 * 100 = 2, 24 holds 2/200 * 20 = 0.2.  With
-- flour 25 as a second root its 50 kg are 2 bags.
SELECT * FROM trace_quantities(ARRAY[20]);
SELECT * FROM trace_quantities(ARRAY[20, 25]) ORDER BY depth, lot_id;
-- backward from the box: bread 20/200 = 0.1 (20 pcs), dough 0.1 (10 kg),
-- flour 2/4 * 0.1 = 0.05 (0.2 bags), water 50/100 * 0.1 = 0.05 (5 l)
SELECT * FROM trace_quantities(ARRAY[24], 'backward');

-- D. A missing conversion.  Cocoa 30 (10 kg) and milk 31 (20 l, no
--   conversion to kg) make chocolate 32 (30 kg), all of which makes bar 33.
INSERT INTO lots (id, item, code, quantity, uom) VALUES
	(30, 'cocoa', 'C-30', 10, 'KGM'), (31, 'milk', 'M-31', 20, 'LTR'),
	(32, 'chocolate', 'CH-32', 30, 'KGM'), (33, 'bar', 'BAR-33', 30, 'KGM');
INSERT INTO links (id, parent_id, child_id, quantity, uom) VALUES
	(30, 30, 32, 10, 'KGM'), (31, 31, 32, 20, 'LTR'), (32, 32, 33, 30, 'KGM');
-- the share of 32 needs the milk in kg: NULL, and the bar's with it; the
-- cocoa in them is known all the same: 10 kg, then 10/30 * 30 = 10 kg
SELECT * FROM trace_quantities(ARRAY[30]);
-- with the conversion, share 32 = 10 / (10 + 20 * 1.03) = 0.326797385620915
INSERT INTO uom_conversions (item, from_uom, to_uom, factor) VALUES ('milk', 'LTR', 'KGM', 1.03);
SELECT lot_id, share, quantity, note FROM trace_quantities(ARRAY[30]);
DELETE FROM uom_conversions WHERE item = 'milk';

-- E. A lot without quantity, a link without quantity.  Nuts 40 (10 kg) all
--   go into mix 41 (no quantity); 5 kg of the mix go into bar 42 (10 kg),
--   an unknown amount into bar 43 (10 kg).
INSERT INTO lots (id, item, code, quantity, uom) VALUES
	(40, 'nuts', 'N-40', 10, 'KGM'), (41, 'mix', 'MX-41', NULL, 'KGM'),
	(42, 'bar', 'BAR-42', 10, 'KGM'), (43, 'bar', 'BAR-43', 10, 'KGM');
INSERT INTO links (id, parent_id, child_id, quantity, uom) VALUES
	(40, 40, 41, 10, 'KGM'), (41, 41, 42, 5, 'KGM'), (42, 41, 43, NULL, 'KGM');
-- 41: share 1, 10 kg of nuts; 42: share 1, nuts unknown (the mix's quantity
-- is); 43: neither
SELECT * FROM trace_quantities(ARRAY[40]);
-- backward from bar 42: the mix's share needs its quantity, but its amount
-- is 5 kg; the nuts' share and amount need the mix's share
SELECT * FROM trace_quantities(ARRAY[42], 'backward');

-- F. Quantities that cannot be: 51 and 52 each hold 10 kg yet pass 20 kg to
--   each other.  Shares: s51 = (10 + 20 s52) / 30, s52 = s51, so 1; the
--   amounts grow around the cycle without end (a51 = 10 + 2 a52, a52 = 2 a51).
INSERT INTO lots (id, item, code, quantity, uom) VALUES
	(50, 'raw', 'R-50', 10, 'KGM'), (51, 'a', 'A-51', 10, 'KGM'), (52, 'b', 'B-52', 10, 'KGM'),
	(53, 'c', 'C-53', 5, 'KGM');
INSERT INTO links (id, parent_id, child_id, quantity, uom) VALUES
	(50, 50, 51, 10, 'KGM'), (51, 51, 52, 20, 'KGM'), (52, 52, 51, 20, 'KGM'),
	(53, 52, 53, 5, 'KGM');
SELECT * FROM trace_quantities(ARRAY[50]);

-- G. Quantity 0 and negative quantities.  Raw 60 (10 kg) goes into 61
--   (10 kg) and, 0 kg of it, into 62, whose other input is -1 kg of 61:
--   no quantity.  63 takes 5 kg of the raw lot and 0 kg of 62: what 62
--   holds does not matter, share 5/5 = 1 and 5 kg.
INSERT INTO lots (id, item, code, quantity, uom) VALUES
	(60, 'raw', 'R-60', 10, 'KGM'), (61, 'x', 'X-61', 10, 'KGM'), (62, 'y', 'Y-62', 10, 'KGM'),
	(63, 'z', 'Z-63', 5, 'KGM');
INSERT INTO links (id, parent_id, child_id, quantity, uom) VALUES
	(60, 60, 61, 10, 'KGM'), (61, 60, 62, 0, 'KGM'), (62, 61, 62, -1, 'KGM'),
	(63, 60, 63, 5, 'KGM'), (64, 62, 63, 0, 'KGM');
SELECT * FROM trace_quantities(ARRAY[60]);

-- privileges: SELECT on what it reads, links.uom and uom_conversions too
CREATE ROLE lottrace_quantities_reader;
GRANT USAGE ON SCHEMA lottrace TO lottrace_quantities_reader;
GRANT SELECT (id, parent_id, child_id, quantity, kind) ON links TO lottrace_quantities_reader;
GRANT SELECT ON lots TO lottrace_quantities_reader;
CREATE FUNCTION pg_temp.sqlstate_as(role name, query text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
	EXECUTE format('SET LOCAL ROLE %I', role);
	EXECUTE query;
	RESET ROLE;
	RETURN 'ok';
EXCEPTION WHEN OTHERS THEN
	RETURN SQLSTATE || ' ' || SQLERRM;
END $$;
SELECT pg_temp.sqlstate_as('lottrace_quantities_reader',
						   'SELECT * FROM lottrace.trace_quantities(ARRAY[1])') AS without_uom;
GRANT SELECT (uom) ON links TO lottrace_quantities_reader;
SELECT pg_temp.sqlstate_as('lottrace_quantities_reader',
						   'SELECT * FROM lottrace.trace_quantities(ARRAY[1])') AS without_conversions;
GRANT SELECT ON uom_conversions TO lottrace_quantities_reader;
-- and the item, quantity and unit of lots
REVOKE SELECT ON lots FROM lottrace_quantities_reader;
GRANT SELECT (id, item, code) ON lots TO lottrace_quantities_reader;
SELECT pg_temp.sqlstate_as('lottrace_quantities_reader',
						   'SELECT * FROM lottrace.trace_quantities(ARRAY[1])') AS without_lot_quantities;
GRANT SELECT ON lots TO lottrace_quantities_reader;
-- row-level security: the reader does not see the salt, so its links are
-- neither followed nor counted: dough 3 is all flour (40/40), and so is all
-- that follows; the amounts of flour are those of A.  Backward from pallet
-- 6, the ancestors but the salt, with the shares of A.
ALTER TABLE lots ENABLE ROW LEVEL SECURITY;
CREATE POLICY no_salt ON lots TO lottrace_quantities_reader USING (item <> 'salt');
SET ROLE lottrace_quantities_reader;
SELECT * FROM trace_quantities(ARRAY[1]);
SELECT * FROM trace_quantities(ARRAY[6], 'backward');
RESET ROLE;
DROP POLICY no_salt ON lots;
ALTER TABLE lots DISABLE ROW LEVEL SECURITY;
REVOKE ALL ON links, lots, uom_conversions FROM lottrace_quantities_reader;
REVOKE USAGE ON SCHEMA lottrace FROM lottrace_quantities_reader;
DROP ROLE lottrace_quantities_reader;

-- bad input
SELECT * FROM trace_quantities(ARRAY[1], 'both');
SELECT * FROM trace_quantities(ARRAY[1], 'sideways');
SELECT * FROM trace_quantities(ARRAY[1], NULL);
SELECT * FROM trace_quantities(ARRAY[1], 'forward', -1);
SELECT * FROM trace_quantities(ARRAY[1, 99]);
SELECT * FROM trace_quantities(NULL);
SELECT * FROM trace_quantities('{}');

-- the extra read shows in genealogy_info
SELECT count(*) FROM trace_quantities(ARRAY[1]);
SELECT property, regexp_replace(regexp_replace(value, '[0-9.]+ ms', 'N ms'), '[0-9]+ tuples', 'N tuples') AS value
  FROM genealogy_info() WHERE property LIKE 'last trace%';

-- links_child_idx carries each link's quantity and uom: read page by page,
-- the 8 inputs of the lots reached need no heap check once VACUUM has made
-- the pages all-visible.  The answers are those above.
VACUUM links;
SET lottrace.trace_method = index;
SELECT * FROM trace_quantities(ARRAY[1]);
SELECT value ~ ': index, 6 lots expanded, .* 0 heap checks, 8 links,' AS inputs_index_only
  FROM genealogy_info() WHERE property = 'last trace level 5';
-- an index without them (as before 0.3.0) still serves: the quantities
-- come from the heap, one check per link, and the answers are the same
BEGIN;
DROP INDEX links_child_idx;
CREATE INDEX links_child_idx ON links (child_id) INCLUDE (parent_id, id, linked_at);
SELECT * FROM trace_quantities(ARRAY[1]);
SELECT value ~ ': index, 6 lots expanded, .* 8 heap checks, 8 links,' AS inputs_from_heap
  FROM genealogy_info() WHERE property = 'last trace level 5';
SELECT * FROM trace_quantities(ARRAY[6], 'backward');
ROLLBACK;
RESET lottrace.trace_method;

-- lots_quantities_idx holds the rows of lots it reads (item, quantity,
-- uom): read page by page, no heap access once VACUUM has made the pages
-- all-visible.  The answers are those above, with it and without it.
SELECT indexdef FROM pg_indexes WHERE schemaname = 'lottrace' AND indexname = 'lots_quantities_idx';
VACUUM lots;
SELECT * FROM trace_quantities(ARRAY[1]);
BEGIN;
-- an updated row is read as updated: bread 5 at 260 EA, the pallets'
-- links take 50/260 and 80/260 of its 50 kg of flour, 6 holds
-- 2500/260 = 9.61538461538462 and 7 holds 4000/260 = 15.3846153846154
UPDATE lots SET quantity = 260 WHERE id = 5;
SELECT * FROM trace_quantities(ARRAY[1]);
ROLLBACK;
-- its columns are found by name; a partial index, which may lack lots (5
-- here, which would lose its unit), is not used, nor is one without uom;
-- without any, the rows come from the heap
BEGIN;
DROP INDEX lots_quantities_idx;
CREATE INDEX lots_quantities_idx ON lots (id) INCLUDE (uom, quantity, item);
SELECT * FROM trace_quantities(ARRAY[1]);
DROP INDEX lots_quantities_idx;
CREATE INDEX lots_quantities_idx ON lots (id) INCLUDE (item, quantity, uom) WHERE id <> 5;
SELECT * FROM trace_quantities(ARRAY[1]);
DROP INDEX lots_quantities_idx;
CREATE INDEX lots_quantities_idx ON lots (id) INCLUDE (item, quantity);
SELECT * FROM trace_quantities(ARRAY[1]);
DROP INDEX lots_quantities_idx;
SELECT * FROM trace_quantities(ARRAY[1]);
ROLLBACK;

-- lots are read directly: their columns must have the types it decodes
BEGIN;
-- (lot_balances reads the column: it goes first)
ALTER EXTENSION lottrace DROP VIEW recall_summary;
ALTER EXTENSION lottrace DROP VIEW recall_shipments;
ALTER EXTENSION lottrace DROP VIEW recall_scope_changes;
ALTER EXTENSION lottrace DROP VIEW recall_scope;
ALTER EXTENSION lottrace DROP VIEW lot_balances;
DROP VIEW recall_summary, recall_shipments, recall_scope_changes, recall_scope, lot_balances;
ALTER TABLE lots ALTER COLUMN quantity TYPE float8;
SELECT * FROM trace_quantities(ARRAY[1]);
ROLLBACK;

-- H. A quantity beyond double precision is no amount either: raw 80 (10
--   kg) into 81 through a link of 1e400 kg.
INSERT INTO lots (id, item, code, quantity, uom) VALUES
	(80, 'raw', 'R-80', 10, 'KGM'), (81, 'x', 'X-81', 10, 'KGM');
INSERT INTO links (id, parent_id, child_id, quantity, uom) VALUES (80, 80, 81, 1e400, 'KGM');
SELECT * FROM trace_quantities(ARRAY[80]);

-- memory: what it holds does not depend on work_mem (quantities_work_mem
-- compares the answers): 3001 lots under 64 kB.  A fan of 3000 lots from
-- raw 70.
INSERT INTO lots (id, item, code, quantity, uom) VALUES (70, 'raw', 'R-70', 3000, 'KGM');
INSERT INTO lots (id, item, code, quantity, uom)
SELECT 1000 + g, 'part', 'P-' || g, 1, 'KGM' FROM generate_series(1, 3000) g;
INSERT INTO links (id, parent_id, child_id, quantity, uom)
SELECT 1000 + g, 70, 1000 + g, 1, 'KGM' FROM generate_series(1, 3000) g;
SET work_mem = '64kB';
SELECT count(*) FROM trace_quantities(ARRAY[1]);
SELECT count(*) FROM trace_quantities(ARRAY[70]);
RESET work_mem;
-- every part is all raw 70, 1 kg of it
SELECT count(*), min(share), max(share), sum(quantity) FROM trace_quantities(ARRAY[70]) WHERE depth = 1;

-- uom_convert reads uom_conversions once for the rows a snapshot sees, not
-- once per call: 200 calls, one scan
SELECT pg_stat_force_next_flush();
CREATE TEMP TABLE conversion_scans AS
SELECT seq_scan + coalesce(idx_scan, 0) AS scans FROM pg_stat_user_tables
 WHERE relid = 'lottrace.uom_conversions'::regclass;
SELECT count(uom_convert(g, 'bag', 'kg', 'flour')) AS converted FROM generate_series(1, 200) g;
SELECT pg_stat_force_next_flush();
SELECT t.seq_scan + coalesce(t.idx_scan, 0) - c.scans AS scans_for_200_calls
  FROM pg_stat_user_tables t, conversion_scans c
 WHERE t.relid = 'lottrace.uom_conversions'::regclass;
-- and sees a row added between two calls from the same place (a PL/pgSQL
-- expression keeps its state across the loop): NULL, then 12
DO $$
DECLARE
	results numeric[] := '{}';
BEGIN
	FOR i IN 1 .. 2 LOOP
		results := results || uom_convert(1, 'crate', 'box', 'nails');
		IF i = 1 THEN
			INSERT INTO uom_conversions (item, from_uom, to_uom, factor) VALUES ('nails', 'crate', 'box', 12);
		END IF;
	END LOOP;
	RAISE NOTICE 'crate in boxes: %', results;
END $$;

TRUNCATE lots, links, events, event_lots, lot_status_log, uom_conversions RESTART IDENTITY CASCADE;
