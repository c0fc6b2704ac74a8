-- Included by the trace workloads (\ir), once per genealogy shape: the
-- traces every shape is measured on, by lottrace and by the recursive CTE a
-- user would otherwise write, then by an in-memory breadth-first search in C
-- (trace_floor.c), the floor to aim at.
--
-- Variables set by the including file: shape (the workload names' suffix
-- after "trace": '' or ', rework shape'), finished_lot (a typical end
-- product, traced backward), raw_lot (a raw lot of median use), hot_lot (the
-- most used raw lot), recall_roots (1% of the raw lots) and all_raw (every
-- raw lot of the shape), the last two as bigint[] literals.

SELECT format('trace%s: finished lot %s (%s lots backward), raw lot %s (%s lots forward), hottest raw lot %s (%s lots forward)',
			  :'shape',
			  :finished_lot, (SELECT count(*) FROM lottrace.trace_backward(:finished_lot)),
			  :raw_lot, (SELECT count(*) FROM lottrace.trace_forward(:raw_lot)),
			  :hot_lot, (SELECT count(*) FROM lottrace.trace_forward(:hot_lot))) AS roots,
	   format('trace%s: recall of %s raw lots (1%%) reaches %s lots; all %s raw lots reach %s',
			  :'shape',
			  cardinality(:'recall_roots'::bigint[]),
			  (SELECT count(*) FROM lottrace.trace_forward(:'recall_roots'::bigint[])),
			  cardinality(:'all_raw'::bigint[]),
			  (SELECT count(*) FROM lottrace.trace_forward(:'all_raw'::bigint[]))) AS recalls \gset
\echo :roots
\echo :recalls

-- The SQL a user would write: a recursive CTE with UNION over links.
SELECT bench.compare('trace' || :'shape' || ': backward, typical finished lot',
	format($$SELECT lot_id FROM lottrace.trace_backward(%s)$$, :finished_lot),
	format($$WITH RECURSIVE r(id) AS (SELECT %s::bigint UNION
			  SELECT l.parent_id FROM r JOIN lottrace.links l ON l.child_id = r.id)
			 SELECT id FROM r$$, :finished_lot),
	runs => 21);

SELECT bench.compare('trace' || :'shape' || ': forward, typical raw lot',
	format($$SELECT lot_id FROM lottrace.trace_forward(%s)$$, :raw_lot),
	format($$WITH RECURSIVE r(id) AS (SELECT %s::bigint UNION
			  SELECT l.child_id FROM r JOIN lottrace.links l ON l.parent_id = r.id)
			 SELECT id FROM r$$, :raw_lot),
	runs => 21);

SELECT bench.compare('trace' || :'shape' || ': forward, hottest raw lot',
	format($$SELECT lot_id FROM lottrace.trace_forward(%s)$$, :hot_lot),
	format($$WITH RECURSIVE r(id) AS (SELECT %s::bigint UNION
			  SELECT l.child_id FROM r JOIN lottrace.links l ON l.parent_id = r.id)
			 SELECT id FROM r$$, :hot_lot),
	runs => 11);

SELECT bench.compare('trace' || :'shape' || ': recall of 1% of raw lots',
	format($$SELECT lot_id FROM lottrace.trace_forward(%L::bigint[])$$, :'recall_roots'),
	format($$WITH RECURSIVE r(id) AS (SELECT unnest(%L::bigint[]) UNION
			  SELECT l.child_id FROM r JOIN lottrace.links l ON l.parent_id = r.id)
			 SELECT id FROM r$$, :'recall_roots'),
	runs => 5);

SELECT bench.compare('trace' || :'shape' || ': recall of every raw lot (whole graph)',
	format($$SELECT lot_id FROM lottrace.trace_forward(%L::bigint[])$$, :'all_raw'),
	format($$WITH RECURSIVE r(id) AS (SELECT unnest(%L::bigint[]) UNION
			  SELECT l.child_id FROM r JOIN lottrace.links l ON l.parent_id = r.id)
			 SELECT id FROM r$$, :'all_raw'),
	runs => 3);

-- The floor: the same traces by breadth-first search over an adjacency
-- array in memory (trace_floor.c), against lottrace's times above.  The
-- "plain SQL" column of these rows is the floor; speedup < 1 says how far
-- lottrace is from it.
\echo trace:shape: measuring the in-memory floor
\getenv workdir PWD
\set edges_file :workdir '/trace_floor_edges.tsv'
\set queries_file :workdir '/trace_floor_queries.tsv'
\set floor_file :workdir '/trace_floor_results.tsv'
COPY (SELECT parent_id, child_id FROM lottrace.links) TO :'edges_file';
COPY (VALUES ('backward, typical finished lot', 'backward', :'finished_lot'),
			 ('forward, typical raw lot', 'forward', :'raw_lot'),
			 ('forward, hottest raw lot', 'forward', :'hot_lot'),
			 ('recall of 1% of raw lots', 'forward',
			  array_to_string(:'recall_roots'::bigint[], ',')),
			 ('recall of every raw lot (whole graph)', 'forward',
			  array_to_string(:'all_raw'::bigint[], ',')))
	TO :'queries_file';
\! cc -O2 -o "$PWD/trace_floor" "$PWD/trace_floor.c" && "$PWD/trace_floor" "$PWD/trace_floor_edges.tsv" "$PWD/trace_floor_queries.tsv" > "$PWD/trace_floor_results.tsv"
CREATE TEMP TABLE trace_floor (workload text, lots bigint, ms float8);
COPY trace_floor FROM :'floor_file';
\! rm -f "$PWD/trace_floor_edges.tsv" "$PWD/trace_floor_queries.tsv" "$PWD/trace_floor_results.tsv" "$PWD/trace_floor"
INSERT INTO bench.results (workload, lottrace_ms, plain_ms, same_answer, note)
SELECT 'floor' || :'shape' || ': ' || f.workload, r.lottrace_ms, f.ms,
	   f.lots = CASE f.workload
					WHEN 'backward, typical finished lot'
						THEN (SELECT count(*) FROM lottrace.trace_backward(:finished_lot))
					WHEN 'forward, typical raw lot'
						THEN (SELECT count(*) FROM lottrace.trace_forward(:raw_lot))
					WHEN 'forward, hottest raw lot'
						THEN (SELECT count(*) FROM lottrace.trace_forward(:hot_lot))
					WHEN 'recall of 1% of raw lots'
						THEN (SELECT count(*) FROM lottrace.trace_forward(:'recall_roots'::bigint[]))
					ELSE (SELECT count(*) FROM lottrace.trace_forward(:'all_raw'::bigint[])) END,
	   'plain SQL column: in-memory C BFS (trace_floor.c); speedup < 1 = how far lottrace is from it'
  FROM trace_floor f JOIN bench.results r ON r.workload = 'trace' || :'shape' || ': ' || f.workload
 ORDER BY r.seq;
DROP TABLE trace_floor;
