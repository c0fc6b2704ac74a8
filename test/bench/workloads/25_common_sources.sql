-- Common sources on the genealogy the trace workload generated: complaints
-- arrive for 50 pallets (40 made from one raw lot of middling use, 10 at
-- random), and 200 other pallets are known to be fine.  lottrace does one
-- search (trace_common_sources); the SQL a user would write runs a
-- recursive CTE per complaint lot (one CTE keyed by the lot) and counts
-- with a GROUP BY.  Compared: each ancestor with the number of complaint
-- lots it reaches, and whether it reaches a clean pallet (depths are
-- checked by the differential test, test/t/010_trace_differential.pl: a
-- CTE that carries depths does not end on the genealogy's cycles).

SELECT to_regclass('bench.raw_uses') IS NOT NULL AS have_genealogy \gset
\if :have_genealogy
\else
\echo common sources: skipped, they run on the genealogy of the trace workload (BENCH_ONLY excluded it)
\quit
\endif

SELECT id AS source_lot FROM bench.raw_uses
 ORDER BY uses, id OFFSET (SELECT count(*) / 2 FROM bench.raw_uses) LIMIT 1 \gset
SELECT (SELECT array_agg(id ORDER BY id) FROM (
			(SELECT p.id FROM lottrace.trace_forward(:source_lot) t
			   JOIN bench.g_lots p ON p.id = t.lot_id AND p.kind = 'd'
			  ORDER BY bench.rnd(p.id, 80) LIMIT 40)
			UNION
			(SELECT id FROM bench.g_lots WHERE kind = 'd' ORDER BY bench.rnd(id, 81) LIMIT 10)) c)::text
		AS complaints,
	   (SELECT array_agg(id ORDER BY id) FROM (
			SELECT id FROM bench.g_lots WHERE kind = 'd' ORDER BY bench.rnd(id, 82) LIMIT 200) c)::text
		AS clean
\gset
SELECT format('common sources: %s complaint lots (from raw lot %s and at random), %s clean; %s ancestors, %s of them reach 40 or more',
			  cardinality(:'complaints'::bigint[]), :source_lot, cardinality(:'clean'::bigint[]),
			  (SELECT count(*) FROM lottrace.trace_common_sources(:'complaints'::bigint[])),
			  (SELECT count(*) FROM lottrace.trace_common_sources(:'complaints'::bigint[]) WHERE hits >= 40))
	AS common \gset
\echo :common

SELECT bench.compare('common sources: 50 complaint lots',
	format($$SELECT lot_id, hits FROM lottrace.trace_common_sources(%L::bigint[])$$, :'complaints'),
	format($$WITH RECURSIVE r(complaint, id) AS (
				SELECT l.child_id, l.parent_id FROM lottrace.links l WHERE l.child_id = ANY (%L::bigint[])
				UNION
				SELECT r.complaint, l.parent_id FROM r JOIN lottrace.links l ON l.child_id = r.id)
			 SELECT id, count(*)::int FROM r GROUP BY id$$, :'complaints'),
	runs => 11);

SELECT bench.compare('common sources: 50 complaint lots, 200 clean',
	format($$SELECT lot_id, hits, reaches_clean
			   FROM lottrace.trace_common_sources(%L::bigint[], NULL, %L::bigint[])$$,
		   :'complaints', :'clean'),
	format($$WITH RECURSIVE r(complaint, id) AS (
				SELECT l.child_id, l.parent_id FROM lottrace.links l WHERE l.child_id = ANY (%L::bigint[])
				UNION
				SELECT r.complaint, l.parent_id FROM r JOIN lottrace.links l ON l.child_id = r.id),
			 c(id) AS (
				SELECT l.parent_id FROM lottrace.links l WHERE l.child_id = ANY (%L::bigint[])
				UNION
				SELECT l.parent_id FROM c JOIN lottrace.links l ON l.child_id = c.id)
			 SELECT r.id, count(*)::int, bool_or(c.id IS NOT NULL)
			   FROM r LEFT JOIN c ON c.id = r.id GROUP BY r.id$$, :'complaints', :'clean'),
	runs => 11);
