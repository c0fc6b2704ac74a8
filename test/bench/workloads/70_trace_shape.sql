-- Trace, second shape: a genealogy unlike the plant of 20_trace.sql, where
-- the engine's advantage is smallest (issue 15), traced side by side with
-- the recursive CTE and the in-memory floor like the first (trace_shape.sql).
-- About SCALE million lots, added next to the first genealogy (the two are
-- not linked, so traces of one never reach the other):
--   4000 x SCALE raw lots with Zipf-like popularity: a batch draws raw lot k
--     with a probability about proportional to 1/k, so the hottest few go
--     into a quarter of the batches and the median one into about a hundred;
--   625000 x SCALE batches in production order, each of 2-4 raw lots; half
--     of them also rework a batch made among the 50 before (chains of
--     reworked batches across the whole time range, many levels deep);
--   a pallet split from 3 batches in 5.
-- Lot ids are scattered over the shape's id range (a fixed permutation of
-- the production order), as codes hashed into ids or lots loaded from
-- several sites would give them: neighbours in a trace are far apart in the
-- genealogy indexes.

\set raws '(4000 * ' :scale ')::bigint'
\set batches '(625000 * ' :scale ')::bigint'
\echo trace, rework shape: generating the genealogy (:scale x 1 million lots)

SELECT max(id) + 1 AS shape_base FROM lottrace.lots \gset

-- production order o (0 = first raw lot) of every lot: raw lots, batches,
-- pallets of batches t % 5 < 3
CREATE TABLE bench.s_lots WITH (autovacuum_enabled = off) AS
SELECT o, kind, t, item, code
  FROM (SELECT k - 1 AS o, 'a'::text AS kind, k AS t, 'zraw-' || k AS item, 'ZR' || k AS code
		  FROM generate_series(1, :raws) k
		UNION ALL
		SELECT :raws + t - 1, 'b', t, 'zmix-' || t % 50, 'ZB' || t
		  FROM generate_series(1, :batches) t
		UNION ALL
		SELECT :raws + :batches + (t / 5) * 3 + t % 5 - 1, 'p', t, 'zpallet', 'ZP' || t
		  FROM generate_series(1, :batches) t WHERE t % 5 < 3) s;
SELECT count(*) AS shape_lots FROM bench.s_lots \gset
-- a bijection of 0 .. shape_lots - 1 (1000003 is a prime that divides no
-- count this generator makes), so that ids follow no order of production
ALTER TABLE bench.s_lots ADD COLUMN id bigint;
UPDATE bench.s_lots SET id = :shape_base + (o * 1000003) % :shape_lots;
CREATE INDEX ON bench.s_lots (kind, t);
ANALYZE bench.s_lots;

CREATE TABLE bench.s_links WITH (autovacuum_enabled = off) AS
SELECT DISTINCT parent, child, kind FROM (
	-- raw lots into batches, raw lot k = floor(raws ^ u) for uniform u
	SELECT r.id AS parent, b.id AS child, 'consume'::lottrace.link_kind AS kind
	  FROM bench.s_lots b
	 CROSS JOIN LATERAL generate_series(1, 2 + (b.t % 3)::int) m
	  JOIN bench.s_lots r ON r.kind = 'a'
		   AND r.t = floor(power(:raws, bench.rnd(b.t, 100 + m)))::bigint
	 WHERE b.kind = 'b'
	UNION ALL
	-- half the batches rework one of the 50 batches before
	SELECT p.id, b.id, 'rework'
	  FROM bench.s_lots b
	  JOIN bench.s_lots p ON p.kind = 'b' AND p.t = b.t - 1 - floor(50 * bench.rnd(b.t, 110))::bigint
	 WHERE b.kind = 'b' AND bench.rnd(b.t, 111) < 0.5
	UNION ALL
	-- pallets
	SELECT b.id, p.id, 'split'
	  FROM bench.s_lots p
	  JOIN bench.s_lots b ON b.kind = 'b' AND b.t = p.t
	 WHERE p.kind = 'p') l;

-- loaded as the first shape was: without the genealogy indexes and foreign
-- keys, built once afterwards as the extension defines them
SELECT string_agg(pg_get_indexdef(i), '; ') AS genealogy_indexes
  FROM unnest('{lottrace.links_parent_idx, lottrace.links_child_idx}'::regclass[]) i \gset
ALTER TABLE lottrace.links DROP CONSTRAINT links_parent_id_fkey, DROP CONSTRAINT links_child_id_fkey;
DROP INDEX lottrace.links_parent_idx, lottrace.links_child_idx;
INSERT INTO lottrace.lots (id, item, code) SELECT id, item, code FROM bench.s_lots ORDER BY id;
INSERT INTO lottrace.links (parent_id, child_id, kind, quantity)
SELECT parent, child, kind, 1 + (parent + child) % 50 FROM bench.s_links ORDER BY child, parent;
:genealogy_indexes;
ALTER TABLE lottrace.links
	ADD CONSTRAINT links_parent_id_fkey FOREIGN KEY (parent_id) REFERENCES lottrace.lots (id),
	ADD CONSTRAINT links_child_id_fkey FOREIGN KEY (child_id) REFERENCES lottrace.lots (id);
SELECT setval(pg_get_serial_sequence('lottrace.lots', 'id'), max(id)) FROM lottrace.lots;
VACUUM ANALYZE lottrace.lots, lottrace.links;

SELECT format('trace, rework shape: %s lots, %s links (%s lots, %s links with the first shape)',
			  :shape_lots, (SELECT count(*) FROM bench.s_links),
			  (SELECT count(*) FROM lottrace.lots), (SELECT count(*) FROM lottrace.links)) AS sizes \gset
\echo :sizes

-- The roots: a pallet of the middle of the time range, the raw lot of
-- median use, the hottest, 1% of the raw lots, all of them.
CREATE TABLE bench.s_raw_uses AS
SELECT r.id, count(*) AS uses
  FROM bench.s_lots r JOIN bench.s_links l ON l.parent = r.id
 WHERE r.kind = 'a'
 GROUP BY r.id;
SELECT (SELECT id FROM bench.s_lots WHERE kind = 'p' AND t = :batches / 2) AS finished_lot,
	   (SELECT id FROM bench.s_raw_uses ORDER BY uses, id OFFSET (SELECT count(*) / 2 FROM bench.s_raw_uses) LIMIT 1) AS raw_lot,
	   (SELECT id FROM bench.s_raw_uses ORDER BY uses DESC, id LIMIT 1) AS hot_lot,
	   (SELECT array_agg(id ORDER BY id) FROM bench.s_lots WHERE kind = 'a' AND bench.rnd(t, 120) < 0.01)::text AS recall_roots,
	   (SELECT array_agg(id ORDER BY id) FROM bench.s_lots WHERE kind = 'a')::text AS all_raw
\gset
\set shape ', rework shape'
\ir ../trace_shape.sql
