-- Quantities through the genealogy of the trace workload: trace_quantities
-- from the hottest raw lot against the SQL a user would otherwise write (a
-- recursive CTE carrying products of link fractions along every path, with
-- uom_convert putting a lot's inputs in one unit), and against trace_forward
-- on the same root (the aim: within 2x of it, speedup >= 0.5).
--
-- Lots get quantities and units first: raw materials in kg, some in lb or g,
-- packaging in EA (a packaging lot's EA is 0.05 kg, a row per item), batches
-- in kg, finished lots and pallets in EA (any item's EA is 0.8 kg); a lot
-- holds what its links take from it plus a tenth, or (a lot nothing is made
-- from) what went into it.  Links carry no unit: their quantities are in
-- their parents' units.

SELECT to_regclass('bench.raw_uses') IS NOT NULL AS have_genealogy \gset
\if :have_genealogy
\else
\echo quantities: skipped, it runs on the genealogy of the trace workload (BENCH_ONLY excluded it)
\quit
\endif

\echo quantities: giving lots quantities and units
UPDATE lottrace.lots l SET
	uom = CASE WHEN g.kind = 'a' AND l.item LIKE 'raw-2__' THEN 'EA'
			   WHEN g.kind = 'a' AND g.seq / 100000 % 7 = 0 THEN 'lb'
			   WHEN g.kind = 'a' AND g.seq / 100000 % 11 = 0 THEN 'g'
			   WHEN g.kind IN ('a', 'b') THEN 'kg' ELSE 'EA' END,
	quantity = coalesce(ceil(o.out_total * 1.1), i.in_total, 100)
  FROM bench.g_lots g
  LEFT JOIN (SELECT parent_id, sum(quantity) AS out_total FROM lottrace.links GROUP BY parent_id) o
	ON o.parent_id = g.id
  LEFT JOIN (SELECT child_id, sum(quantity) AS in_total FROM lottrace.links GROUP BY child_id) i
	ON i.child_id = g.id
 WHERE g.id = l.id;
INSERT INTO lottrace.uom_conversions (item, from_uom, to_uom, factor)
SELECT 'raw-' || k, 'EA', 'kg', 0.05 FROM generate_series(201, 220) k
UNION ALL
SELECT NULL, 'EA', 'kg', 0.8;
VACUUM ANALYZE lottrace.lots;

SELECT id AS hot_lot FROM bench.raw_uses ORDER BY uses DESC, id LIMIT 1 \gset

-- What a user would write: the lots reached, the fraction each input link
-- is of its child's inputs (w, in the child's unit) and of its parent (f),
-- then every path from the root with the products of those fractions,
-- summed per lot.  A path never comes back to a lot it went through: the
-- CTE has no answer for what goes round a cycle (trace_quantities does; no
-- cycle is reached from this root, so the answers must agree).
SELECT format($$
	WITH RECURSIVE
	 r(id) AS (SELECT %1$s::bigint
			   UNION SELECT l.child_id FROM r JOIN lottrace.links l ON l.parent_id = r.id),
	 w AS MATERIALIZED (
		SELECT l.parent_id, l.child_id,
			   lottrace.uom_convert(l.quantity, coalesce(l.uom, p.uom), c.uom, p.item)
				 / sum(lottrace.uom_convert(l.quantity, coalesce(l.uom, p.uom), c.uom, p.item))
					 OVER (PARTITION BY l.child_id) AS w,
			   lottrace.uom_convert(l.quantity, coalesce(l.uom, p.uom), p.uom, p.item) / p.quantity AS f
		  FROM r JOIN lottrace.links l ON l.child_id = r.id
		  JOIN lottrace.lots p ON p.id = l.parent_id JOIN lottrace.lots c ON c.id = l.child_id
		 WHERE r.id <> %1$s),
	 paths(id, share, amount, path) AS (
		SELECT id, 1::float8, quantity::float8, ARRAY[id] FROM lottrace.lots WHERE id = %1$s
		UNION ALL
		SELECT w.child_id, p.share * w.w::float8, p.amount * w.f::float8, p.path || w.child_id
		  FROM paths p JOIN w ON w.parent_id = p.id
		 WHERE w.child_id <> ALL (p.path))
	SELECT id, sum(share) AS share, sum(amount) AS amount FROM paths GROUP BY id$$, :hot_lot) AS plain_query,
	format($$SELECT lot_id, share, quantity FROM lottrace.trace_quantities(ARRAY[%s::bigint])$$,
		   :hot_lot) AS quantities_query
\gset

-- The same answers: every lot on both sides, shares and amounts equal to
-- within 1e-9 of the value (the two sum the same products in another order).
SELECT count(*) > 0 AND count(*) FILTER (
		   WHERE t.lot_id IS NULL OR p.id IS NULL
			  OR abs(p.share - t.share) > 1e-9 * abs(t.share)
			  OR abs(p.amount - t.quantity::float8) > 1e-9 * abs(t.quantity::float8)) = 0 AS same_quantities
  FROM (:quantities_query) t FULL JOIN (:plain_query) p ON p.id = t.lot_id \gset
SELECT format('quantities: hottest raw lot %s, %s lots forward, answers %s', :hot_lot,
			  (SELECT count(*) FROM lottrace.trace_forward(:hot_lot)),
			  CASE WHEN :'same_quantities' THEN 'the same' ELSE 'DIFFERENT' END) AS sizes \gset
\echo :sizes

SELECT bench.record('quantities: forward shares and amounts, hottest raw lot',
	format('SELECT count(s) FROM (%s) s', :'quantities_query'),
	format('SELECT count(s) FROM (%s) s', :'plain_query'),
	:'same_quantities', 5,
	'plain SQL: recursive CTE over every path with uom_convert; same answer = within 1e-9 relative');

SELECT bench.compare('quantities: trace_quantities against trace_forward, hottest raw lot',
	format($$SELECT lot_id, depth FROM lottrace.trace_quantities(ARRAY[%s::bigint])$$, :hot_lot),
	format($$SELECT lot_id, depth FROM lottrace.trace_forward(%s)$$, :hot_lot),
	runs => 11,
	note => 'plain SQL column: trace_forward on the same root; the aim is speedup >= 0.5 (within 2x)');
