-- Mock recall at whole-graph scale: mock_recall of 1% of the raw lots (the
-- roots of the trace workload's recall), on the quantities and units of the
-- quantities workload and the shipments and stock of the recall workload,
-- against the SQL a user would otherwise write: a recursive CTE carrying
-- the products of link fractions along every path from the roots (the root
-- material in each lot), joined with each lot's balance summed by hand.
--
-- A path never comes back to a lot it went through, so the CTE has no
-- answer for what goes round a cycle (trace_quantities solves it): the
-- roots are those of the 1% whose material reaches no cycle.  A shipment's
-- "case" is 12 EA (a row of uom_conversions for every item).

SELECT to_regclass('bench.raw_uses') IS NOT NULL AND EXISTS (SELECT FROM lottrace.uom_conversions)
	   AND EXISTS (SELECT FROM lottrace.stock) AS have_data \gset
\if :have_data
\else
\echo mock recall: skipped, it runs on the data of the trace, quantities and recall workloads (BENCH_ONLY excluded one)
\quit
\endif

INSERT INTO lottrace.uom_conversions (item, from_uom, to_uom, factor) VALUES (NULL, 'case', 'EA', 12);

-- lots on a cycle: the parents of rework links that lead back to them
SELECT coalesce(array_agg(DISTINCT l.parent_id), '{}')::text AS cycle_lots
  FROM lottrace.links l
 WHERE l.kind = 'rework' AND lottrace.is_descendant(l.parent_id, l.child_id) \gset
SELECT array_agg(g.id ORDER BY g.id)::text AS roots
  FROM bench.g_lots g
 WHERE g.kind = 'a' AND bench.rnd(g.id, 60) < 0.01
   AND g.id NOT IN (SELECT t.lot_id FROM lottrace.trace_backward(:'cycle_lots'::bigint[]) t) \gset

SELECT format($$
	WITH RECURSIVE
	 roots AS (SELECT l.id, l.item, l.uom, l.quantity FROM lottrace.lots l WHERE l.id = ANY (%1$L::bigint[])),
	 paths(id, amount, path) AS (
		SELECT r.id, lottrace.uom_convert(r.quantity, r.uom, (SELECT uom FROM roots ORDER BY id LIMIT 1), r.item)::float8,
			   ARRAY[r.id]
		  FROM roots r
		UNION ALL
		SELECT k.child_id,
			   p.amount * (lottrace.uom_convert(k.quantity, coalesce(k.uom, pl.uom), pl.uom, pl.item) / pl.quantity)::float8,
			   p.path || k.child_id
		  FROM paths p
		  JOIN lottrace.links k ON k.parent_id = p.id
		  JOIN lottrace.lots pl ON pl.id = p.id
		 WHERE k.child_id <> ALL (p.path) AND k.child_id <> ALL (%1$L::bigint[])),
	 amounts AS (SELECT id, sum(amount) AS amount FROM paths GROUP BY id)
	SELECT a.id, a.amount, l.quantity AS produced,
		   (SELECT CASE WHEN count(*) = count(c.q) THEN coalesce(sum(c.q), 0) END
			  FROM (SELECT lottrace.uom_convert(k.quantity, coalesce(k.uom, l.uom), l.uom, l.item) AS q
					  FROM lottrace.links k WHERE k.parent_id = a.id) c) AS consumed,
		   (SELECT CASE WHEN count(*) = count(s.q) THEN coalesce(sum(s.q), 0) END
			  FROM (SELECT lottrace.uom_convert(el.quantity, coalesce(el.uom, l.uom), l.uom, l.item) AS q
					  FROM lottrace.event_lots el JOIN lottrace.events e ON e.id = el.event_id AND e.kind = 'ship'
					 WHERE el.lot_id = a.id AND el.role = 'subject') s) AS shipped,
		   (SELECT coalesce(sum(st.on_hand), 0) FROM lottrace.stock st WHERE st.lot_id = a.id) AS on_hand
	  FROM amounts a JOIN lottrace.lots l ON l.id = a.id$$, :'roots') AS plain_query \gset

SELECT lottrace.mock_recall('bench: 1% of raw lots', :'roots'::bigint[]) AS exercise \gset

-- The same answers: the same lots forward, the root material in each
-- within 1e-9 of the value (the two sum the same products in another
-- order), the same balances.
SELECT count(*) > 0 AND count(*) FILTER (
		   WHERE m.lot_id IS NULL OR p.id IS NULL
			  OR abs(p.amount - m.root_quantity::float8) > 1e-9 * abs(m.root_quantity::float8)
			  OR p.produced IS DISTINCT FROM m.produced OR p.consumed IS DISTINCT FROM m.consumed
			  OR p.shipped IS DISTINCT FROM m.shipped OR p.on_hand IS DISTINCT FROM m.on_hand) = 0 AS same_answer
  FROM (SELECT * FROM lottrace.mock_recall_lots WHERE exercise_id = :exercise AND scope <> 'back') m
  FULL JOIN (:plain_query) p ON p.id = m.lot_id \gset
SELECT format('mock recall: %s raw lots (1%%, none reaching a cycle) reach %s lots, %s customers, root recovery %s %%; answers %s',
			  cardinality(:'roots'::bigint[]), r.lots_forward, r.customers, r.root_recovery,
			  CASE WHEN :'same_answer' THEN 'the same' ELSE 'DIFFERENT' END) AS sizes
  FROM lottrace.mock_recall_report r WHERE r.exercise_id = :exercise \gset
\echo :sizes

SELECT bench.record('mock recall: 1% of raw lots (whole-graph scale)',
	format($$SELECT lottrace.mock_recall('bench', %L::bigint[])$$, :'roots'),
	format('SELECT count(s) FROM (%s) s', :'plain_query'),
	:'same_answer', 3,
	'lottrace: the whole exercise, recorded (also one step back, shipments, reservations, stock); plain SQL: recursive CTE over every path with uom_convert, and balances; same answer = root material within 1e-9 relative, balances equal');
