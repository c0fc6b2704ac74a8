-- Trace: a food-manufacturing genealogy of about SCALE million lots and
-- 3 x SCALE million links, traced by lottrace and by the recursive CTEs a
-- user would otherwise write; then the same traces by an in-memory
-- breadth-first search in C (trace_floor.c), the floor to aim at.
--
-- The plant, per day of production (SCALE = 1 is a year):
--   raw material lots: 120 ingredients and 20 packaging materials, each lot
--     used for a few days; salt goes into 90% of the batches and flour into
--     80%, the others by a skewed (cubic) popularity;
--   900 intermediate batches of 5-8 ingredients; 1% also rework a finished
--     lot of the past week (long chains across days);
--   590 finished lots of 2-3 intermediates of the day and one packaging lot;
--   two pallets per finished lot (split);
--   and a few cycles: pallets reworked into the very batch they came from.
-- Lot ids follow production time, as an identity column would give them.

\set days '(365 * ' :scale ')::int'
\echo trace: generating the genealogy (:scale x 365 days)

CREATE FUNCTION bench.rnd(key bigint, salt bigint) RETURNS float8
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS
$$ SELECT (hashint8extended(key, salt) & 2147483647)::float8 / 2147483648.0 $$;

-- days a raw material lot lasts
CREATE FUNCTION bench.raw_window(item int) RETURNS int
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS
$$ SELECT CASE WHEN item = 1 THEN 2 WHEN item = 2 THEN 1 WHEN item > 200 THEN 7 ELSE 3 + item % 10 END $$;

-- (autovacuum off on the staging tables: a concurrent ANALYZE would keep
-- VACUUM below from marking the genealogy all-visible)
CREATE TABLE bench.g_lots WITH (autovacuum_enabled = off) AS
SELECT row_number() OVER (ORDER BY day, kind, seq) AS id, kind, day, seq, item, code
  FROM (SELECT 'a'::text AS kind, greatest(0, w * bench.raw_window(k) - k) AS day,
			   k * 100000 + w AS seq,
			   CASE k WHEN 1 THEN 'salt' WHEN 2 THEN 'flour' ELSE 'raw-' || k END AS item,
			   'R' || k || '-' || w AS code
		  FROM (SELECT generate_series(1, 120) AS k UNION ALL SELECT generate_series(201, 220)) items,
			   LATERAL generate_series(0, (:days + k) / bench.raw_window(k)) w
		UNION ALL
		SELECT 'b', d, j, 'mix-' || j % 40, 'I' || d || '-' || j
		  FROM generate_series(0, :days - 1) d, generate_series(1, 900) j
		UNION ALL
		SELECT 'c', d, j, 'bread-' || j % 30, 'F' || d || '-' || j
		  FROM generate_series(0, :days - 1) d, generate_series(1, 590) j
		UNION ALL
		SELECT 'd', d, j, 'pallet', 'P' || d || '-' || j
		  FROM generate_series(0, :days - 1) d, generate_series(1, 1180) j) s;
CREATE INDEX ON bench.g_lots (kind, day, seq);
CREATE INDEX ON bench.g_lots (kind, seq);
ANALYZE bench.g_lots;

CREATE TABLE bench.g_links WITH (autovacuum_enabled = off) AS
SELECT DISTINCT parent, child, kind FROM (
	-- ingredients into intermediate batches
	SELECT r.id AS parent, i.id AS child, 'consume'::lottrace.link_kind AS kind
	  FROM bench.g_lots i
	 CROSS JOIN LATERAL generate_series(1, 5 + (i.id % 4)::int) m
	 CROSS JOIN LATERAL (SELECT CASE WHEN m = 1 AND bench.rnd(i.id, 1) < 0.9 THEN 1
									 WHEN m = 2 AND bench.rnd(i.id, 2) < 0.8 THEN 2
									 ELSE 3 + floor(117 * bench.rnd(i.id, 10 + m) ^ 3)::int END AS item) k
	  JOIN bench.g_lots r ON r.kind = 'a'
		   AND r.seq = k.item * 100000 + (i.day + k.item) / bench.raw_window(k.item)
	 WHERE i.kind = 'b'
	UNION ALL
	-- intermediates of the day into finished lots
	SELECT i.id, f.id, 'consume'
	  FROM bench.g_lots f
	 CROSS JOIN LATERAL generate_series(1, 2 + (f.id % 2)::int) m
	  JOIN bench.g_lots i ON i.kind = 'b' AND i.day = f.day
		   AND i.seq = 1 + floor(900 * bench.rnd(f.id, 20 + m))::int
	 WHERE f.kind = 'c'
	UNION ALL
	-- packaging
	SELECT r.id, f.id, 'consume'
	  FROM bench.g_lots f
	 CROSS JOIN LATERAL (SELECT 201 + floor(20 * bench.rnd(f.id, 30))::int AS item) k
	  JOIN bench.g_lots r ON r.kind = 'a'
		   AND r.seq = k.item * 100000 + (f.day + k.item) / bench.raw_window(k.item)
	 WHERE f.kind = 'c'
	UNION ALL
	-- finished lots split into pallets
	SELECT f.id, p.id, 'split'
	  FROM bench.g_lots p
	  JOIN bench.g_lots f ON f.kind = 'c' AND f.day = p.day AND f.seq = (p.seq + 1) / 2
	 WHERE p.kind = 'd'
	UNION ALL
	-- rework: a finished lot of the past week into a batch
	SELECT f.id, i.id, 'rework'
	  FROM bench.g_lots i
	  JOIN bench.g_lots f ON f.kind = 'c'
		   AND f.day = i.day - 1 - floor(7 * bench.rnd(i.id, 40))::int
		   AND f.seq = 1 + floor(590 * bench.rnd(i.id, 41))::int
	 WHERE i.kind = 'b' AND bench.rnd(i.id, 42) < 0.01) l;

-- cycles: a pallet reworked into a batch its own finished lot was made of
INSERT INTO bench.g_links
SELECT DISTINCT ON (p.child) p.child, b.parent, 'rework'::lottrace.link_kind
  FROM bench.g_links p
  JOIN bench.g_links b ON b.child = p.parent AND b.kind = 'consume'
  JOIN bench.g_lots bl ON bl.id = b.parent AND bl.kind = 'b'
 WHERE p.kind = 'split' AND bench.rnd(p.child, 50) < 0.0001
 ORDER BY p.child, b.parent;

-- The usual recipe for a first load of tens of millions of links: load
-- without the genealogy indexes and foreign keys, then build them once, as
-- the extension defines them.
SELECT string_agg(pg_get_indexdef(i), '; ') AS genealogy_indexes,
	   string_agg(replace(replace(pg_get_indexdef(i), ' ON lottrace.links ', ' ON bench.links_genealogy '),
						  'INDEX links_', 'INDEX bulk_links_'), '; ') AS bulk_genealogy_indexes
  FROM unnest('{lottrace.links_parent_idx, lottrace.links_child_idx}'::regclass[]) i \gset
ALTER TABLE lottrace.links DROP CONSTRAINT links_parent_id_fkey, DROP CONSTRAINT links_child_id_fkey;
DROP INDEX lottrace.links_parent_idx, lottrace.links_child_idx;
INSERT INTO lottrace.lots (id, item, code) SELECT id, item, code FROM bench.g_lots ORDER BY id;
INSERT INTO lottrace.links (parent_id, child_id, kind, quantity)
SELECT parent, child, kind, 1 + (parent + child) % 50 FROM bench.g_links ORDER BY child, parent;
:genealogy_indexes;
ALTER TABLE lottrace.links
	ADD CONSTRAINT links_parent_id_fkey FOREIGN KEY (parent_id) REFERENCES lottrace.lots (id),
	ADD CONSTRAINT links_child_id_fkey FOREIGN KEY (child_id) REFERENCES lottrace.lots (id);
SELECT setval(pg_get_serial_sequence('lottrace.lots', 'id'), max(id)) FROM lottrace.lots;
VACUUM ANALYZE lottrace.lots, lottrace.links;

SELECT format('trace: %s lots, %s links; links %s, each genealogy index %s',
			  (SELECT count(*) FROM lottrace.lots), (SELECT count(*) FROM lottrace.links),
			  pg_size_pretty(pg_relation_size('lottrace.links')),
			  pg_size_pretty(pg_relation_size('lottrace.links_parent_idx'))) AS sizes \gset
\echo :sizes

-- The roots, from the middle of the time range.
CREATE TABLE bench.raw_uses AS
SELECT r.id, r.item, count(*) AS uses
  FROM bench.g_lots r JOIN bench.g_links l ON l.parent = r.id
 WHERE r.kind = 'a' AND r.item NOT LIKE 'raw-2__' AND r.day BETWEEN :days / 3 AND 2 * :days / 3
 GROUP BY r.id, r.item;
SELECT (SELECT id FROM bench.g_lots WHERE kind = 'c' AND day = :days / 2 AND seq = 295) AS finished_lot,
	   (SELECT id FROM bench.raw_uses ORDER BY uses, id OFFSET (SELECT count(*) / 2 FROM bench.raw_uses) LIMIT 1) AS raw_lot,
	   (SELECT id FROM bench.raw_uses ORDER BY uses DESC, id LIMIT 1) AS hot_lot,
	   (SELECT array_agg(id ORDER BY id) FROM bench.g_lots WHERE kind = 'a' AND bench.rnd(id, 60) < 0.01)::text AS recall_roots,
	   (SELECT array_agg(id ORDER BY id) FROM bench.g_lots WHERE kind = 'a')::text AS all_raw
\gset
\set shape ''
\ir ../trace_shape.sql

-- With depths, a recursive CTE must carry them, so it revisits a lot once
-- per path length up to the bound.
SELECT bench.compare('trace: forward with depths (max 6), hottest raw lot',
	format($$SELECT lot_id, depth FROM lottrace.trace_forward(%s, 6)$$, :hot_lot),
	format($$WITH RECURSIVE r(id, depth) AS (SELECT %s::bigint, 0 UNION
			  SELECT l.child_id, r.depth + 1 FROM r JOIN lottrace.links l ON l.parent_id = r.id
			   WHERE r.depth < 6)
			 SELECT id, min(depth) FROM r GROUP BY id$$, :hot_lot),
	runs => 5);

SELECT bench.compare('trace: backward links with quantities, typical finished lot',
	format($$SELECT link_id, quantity FROM lottrace.trace_edges(ARRAY[%s::bigint], 'backward')$$, :finished_lot),
	format($$WITH RECURSIVE r(id) AS (SELECT %s::bigint UNION
			  SELECT l.parent_id FROM r JOIN lottrace.links l ON l.child_id = r.id)
			 SELECT l.id, l.quantity FROM r JOIN lottrace.links l ON l.child_id = r.id$$, :finished_lot),
	runs => 21);

-- is_descendant: half the pairs related (a raw lot of the finished lot's
-- recipe), half not; the plain side walks up from the lot, the smaller way.
CREATE TABLE bench.trace_pairs AS
SELECT n, f.id AS lot,
	   CASE WHEN n % 2 = 0
			THEN (SELECT min(t.lot_id) FROM lottrace.trace_backward(f.id) t
				   JOIN bench.g_lots r ON r.id = t.lot_id AND r.kind = 'a')
			ELSE (SELECT id FROM bench.g_lots WHERE kind = 'a' ORDER BY bench.rnd(id, n) LIMIT 1) END AS ancestor
  FROM generate_series(1, 200) n
  JOIN bench.g_lots f ON f.kind = 'c' AND f.day = (n * 7919) % :days AND f.seq = 1 + n % 590;
SELECT bench.compare('trace: is_descendant, 200 pairs',
	$$SELECT n, lottrace.is_descendant(lot, ancestor) FROM bench.trace_pairs$$,
	$$SELECT n, EXISTS (WITH RECURSIVE r(id) AS (SELECT l.parent_id FROM lottrace.links l WHERE l.child_id = p.lot
												UNION
												SELECT l.parent_id FROM r JOIN lottrace.links l ON l.child_id = r.id)
						SELECT FROM r WHERE r.id = p.ancestor)
		FROM bench.trace_pairs p$$,
	runs => 5);

-- Bulk load: COPY of links with the genealogy index maintained, against
-- the same COPY into a table with the plain indexes a user would create.
\getenv workdir PWD
\set links_file :workdir '/trace_bulk_links.tsv'
COPY (SELECT parent_id, child_id, kind, quantity FROM lottrace.links WHERE id % 10 = 0) TO :'links_file';
CREATE TABLE bench.links_genealogy (LIKE lottrace.links INCLUDING DEFAULTS INCLUDING IDENTITY INCLUDING CONSTRAINTS);
ALTER TABLE bench.links_genealogy ADD PRIMARY KEY (id),
	ADD FOREIGN KEY (parent_id) REFERENCES lottrace.lots (id), ADD FOREIGN KEY (child_id) REFERENCES lottrace.lots (id);
CREATE TABLE bench.links_plain (LIKE bench.links_genealogy INCLUDING ALL);
ALTER TABLE bench.links_plain
	ADD FOREIGN KEY (parent_id) REFERENCES lottrace.lots (id), ADD FOREIGN KEY (child_id) REFERENCES lottrace.lots (id);
:bulk_genealogy_indexes;
CREATE INDEX ON bench.links_plain (parent_id);
CREATE INDEX ON bench.links_plain (child_id);
SELECT bench.compare_statements('trace: bulk load, COPY of 10% of the links',
	format($$TRUNCATE bench.links_genealogy; COPY bench.links_genealogy (parent_id, child_id, kind, quantity) FROM %L$$, :'links_file'),
	format($$TRUNCATE bench.links_plain; COPY bench.links_plain (parent_id, child_id, kind, quantity) FROM %L$$, :'links_file'),
	'same rows; plain side: non-covering indexes on parent_id and child_id, same foreign keys',
	runs => 3);
\! rm -f "$PWD/trace_bulk_links.tsv"
DROP TABLE bench.links_genealogy, bench.links_plain;
