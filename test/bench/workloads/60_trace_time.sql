-- Time-respecting traces through flour silos: lottrace's
-- trace_forward(..., respect_time => true) against the recursive CTE a user
-- would otherwise write, carrying each lot's arrival time and checking the
-- silo's cleanings.  Runs last: it replaces the genealogy of 20_trace.sql.
--
-- The plant, per day (SCALE = 1 is a year), for each of :silos flour silos
-- (psql variable, 4 unless set): two flour lots delivered and fed into the
-- silo (06:00 and 18:00), 20 dough batches drawn from it through the day,
-- each with the salt lot of the week (the hot raw lot: one a week for the
-- whole plant), baked into one finished lot, split onto two pallets; every
-- silo is cleaned on Sunday night.  A plain trace of one flour lot takes in
-- everything the silo ever fed; a time-respecting one, that week's batches.

\if :{?silos}
\else
\set silos 4
\endif
\set days '(365 * ' :scale ')::int'
\echo trace_time: generating :silos silos over :days days

TRUNCATE lottrace.lots, lottrace.links, lottrace.events, lottrace.event_lots,
	lottrace.lot_status_log, lottrace.recalls, lottrace.recall_roots, lottrace.recall_lots
	RESTART IDENTITY CASCADE;

-- lots: silos, flour, salt, doughs, finished, pallets (ids in that order)
CREATE TABLE bench.t_lots AS
SELECT row_number() OVER (ORDER BY kind, a, b, c) AS id, kind, a, b, c
  FROM (SELECT 'a-silo'::text AS kind, s AS a, 0 AS b, 0 AS c FROM generate_series(1, :silos) s
		UNION ALL SELECT 'b-flour', d, s, f FROM generate_series(0, :days - 1) d,
			generate_series(1, :silos) s, generate_series(0, 1) f
		UNION ALL SELECT 'c-salt', w, 0, 0 FROM generate_series(0, :days / 7) w
		UNION ALL SELECT 'd-dough', d, s, j FROM generate_series(0, :days - 1) d,
			generate_series(1, :silos) s, generate_series(1, 20) j
		UNION ALL SELECT 'e-finished', d, s, j FROM generate_series(0, :days - 1) d,
			generate_series(1, :silos) s, generate_series(1, 20) j
		UNION ALL SELECT 'f-pallet', d, s, j * 2 + p FROM generate_series(0, :days - 1) d,
			generate_series(1, :silos) s, generate_series(1, 20) j, generate_series(0, 1) p) x;
CREATE INDEX ON bench.t_lots (kind, a, b, c);

INSERT INTO lottrace.lots (id, item, code, produced_at, container)
SELECT id, kind, kind || '-' || a || '-' || b || '-' || c,
	   CASE kind WHEN 'b-flour' THEN timestamptz '2024-01-01 06:00+00' + a * interval '1 day' + c * interval '12 hours'
				 WHEN 'c-salt' THEN timestamptz '2024-01-01 00:00+00' + a * interval '7 days' END,
	   kind = 'a-silo'
  FROM bench.t_lots ORDER BY id;

INSERT INTO lottrace.links (parent_id, child_id, linked_at)
-- flour into its silo when delivered
SELECT f.id, s.id, timestamptz '2024-01-01 06:00+00' + f.a * interval '1 day' + f.c * interval '12 hours'
  FROM bench.t_lots f JOIN bench.t_lots s ON s.kind = 'a-silo' AND s.a = f.b WHERE f.kind = 'b-flour'
UNION ALL
-- doughs drawn from the silo from 04:00 on, one every 45 minutes
SELECT s.id, g.id, timestamptz '2024-01-01 04:00+00' + g.a * interval '1 day' + g.c * interval '45 minutes'
  FROM bench.t_lots g JOIN bench.t_lots s ON s.kind = 'a-silo' AND s.a = g.b WHERE g.kind = 'd-dough'
UNION ALL
-- the salt of the week into every dough
SELECT t.id, g.id, timestamptz '2024-01-01 04:00+00' + g.a * interval '1 day' + g.c * interval '45 minutes'
  FROM bench.t_lots g JOIN bench.t_lots t ON t.kind = 'c-salt' AND t.a = g.a / 7 WHERE g.kind = 'd-dough'
UNION ALL
SELECT g.id, e.id, timestamptz '2024-01-01 06:00+00' + g.a * interval '1 day' + g.c * interval '45 minutes'
  FROM bench.t_lots g JOIN bench.t_lots e ON e.kind = 'e-finished' AND (e.a, e.b, e.c) = (g.a, g.b, g.c)
 WHERE g.kind = 'd-dough'
UNION ALL
SELECT e.id, p.id, timestamptz '2024-01-01 08:00+00' + e.a * interval '1 day' + e.c * interval '45 minutes'
  FROM bench.t_lots e JOIN bench.t_lots p ON p.kind = 'f-pallet' AND (p.a, p.b) = (e.a, e.b) AND p.c / 2 = e.c
 WHERE e.kind = 'e-finished';

-- every silo cleaned on Sunday 22:00 (2024-01-07 was a Sunday)
INSERT INTO lottrace.events (kind, occurred_at)
SELECT 'clean', timestamptz '2024-01-07 22:00+00' + w * interval '7 days' FROM generate_series(0, :days / 7) w;
INSERT INTO lottrace.event_lots (event_id, lot_id, role)
SELECT e.id, s.id, 'subject' FROM lottrace.events e, bench.t_lots s WHERE e.kind = 'clean' AND s.kind = 'a-silo';
-- what the user's query reads the cleanings from
CREATE TABLE bench.cleanings AS
SELECT el.lot_id, e.occurred_at AS at FROM lottrace.events e JOIN lottrace.event_lots el ON el.event_id = e.id
 WHERE e.kind = 'clean' AND el.role = 'subject';
CREATE INDEX ON bench.cleanings (lot_id, at);
VACUUM ANALYZE lottrace.lots, lottrace.links, lottrace.events, lottrace.event_lots, bench.cleanings;

-- a flour lot of mid-year, and the hottest raw lot (the salt of that week)
SELECT id AS flour_lot FROM bench.t_lots WHERE kind = 'b-flour' AND (a, b, c) = (:days / 2, 1, 0) \gset
SELECT id AS salt_lot FROM bench.t_lots WHERE kind = 'c-salt' AND a = :days / 14 \gset
SELECT format('trace_time: flour lot %s reaches %s lots plainly, %s respecting time; salt lot %s: %s and %s',
			  :flour_lot, (SELECT count(*) FROM lottrace.trace_forward(:flour_lot)),
			  (SELECT count(*) FROM lottrace.trace_forward(:flour_lot, respect_time => true)),
			  :salt_lot, (SELECT count(*) FROM lottrace.trace_forward(:salt_lot)),
			  (SELECT count(*) FROM lottrace.trace_forward(:salt_lot, respect_time => true))) AS roots \gset
\echo :roots

-- The user's recursive CTE: a lot with the time material arrived in it (the
-- root's production time), a link followed when it is not earlier and, out
-- of a container, when no cleaning came in between.  UNION keeps each
-- (lot, arrival) once, so it ends; a lot reached at several times is
-- expanded at each.
\set plain_time 'WITH RECURSIVE r(id, at) AS (SELECT l.id, coalesce(l.produced_at, ''-infinity'') FROM lottrace.lots l WHERE l.id = %s UNION SELECT k.child_id, k.linked_at FROM r JOIN lottrace.links k ON k.parent_id = r.id AND k.linked_at >= r.at WHERE NOT EXISTS (SELECT FROM bench.cleanings c WHERE c.lot_id = r.id AND c.at > r.at AND c.at <= k.linked_at)) SELECT DISTINCT id FROM r'

SELECT bench.compare('trace_time: forward respecting time, flour lot through a silo',
	format($$SELECT lot_id FROM lottrace.trace_forward(%s, respect_time => true)$$, :flour_lot),
	format(:'plain_time', :flour_lot), runs => 11, note => :'roots');
SELECT bench.compare('trace_time: forward respecting time, hottest raw lot (salt)',
	format($$SELECT lot_id FROM lottrace.trace_forward(%s, respect_time => true)$$, :salt_lot),
	format(:'plain_time', :salt_lot), runs => 11);
