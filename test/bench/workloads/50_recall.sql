-- Recall on the genealogy the trace workload generated: shipments of every
-- pallet to 2,000 customers and stock for a tenth of the finished lots and
-- pallets, then a recall of the hottest raw lot, read through the BI views,
-- against the SQL a user would write (a recursive CTE and joins).

SELECT to_regclass('bench.raw_uses') IS NOT NULL AS have_genealogy \gset
\if :have_genealogy
\else
\echo recall: skipped, it runs on the genealogy of the trace workload (BENCH_ONLY excluded it)
\quit
\endif

\echo recall: shipping pallets and stocking lots
-- one shipment per pallet, numbered after the events other workloads made
SELECT coalesce(max(id), 0) AS first_event FROM lottrace.events \gset
INSERT INTO lottrace.events (id, kind, occurred_at, location, partner, reference_type, reference)
SELECT :first_event + id, 'ship', timestamptz '2024-01-01' + day * interval '1 day', 'dock',
	   'customer-' || (1 + floor(2000 * bench.rnd(id, 70))::int), 'BOL', 'BOL-' || id
  FROM bench.g_lots WHERE kind = 'd';
INSERT INTO lottrace.event_lots (event_id, lot_id, role, quantity, uom)
SELECT :first_event + id, id, 'subject', 1 + id % 40, 'case' FROM bench.g_lots WHERE kind = 'd';
SELECT setval(pg_get_serial_sequence('lottrace.events', 'id'), max(id)) FROM lottrace.events;
INSERT INTO lottrace.stock (lot_id, location, on_hand)
SELECT id, 'warehouse', 10 + id % 90 FROM bench.g_lots WHERE kind IN ('c', 'd') AND bench.rnd(id, 71) < 0.1;
VACUUM ANALYZE lottrace.events, lottrace.event_lots, lottrace.stock;

SELECT id AS hot_lot FROM bench.raw_uses ORDER BY uses DESC, id LIMIT 1 \gset
SELECT lottrace.open_recall('bench: hottest raw lot', ARRAY[:hot_lot]::bigint[], hold => false) AS recall_id \gset
SELECT format('recall: recall %s of raw lot %s: %s lots in scope, %s shipments',
			  :recall_id, :hot_lot, (SELECT count(*) FROM lottrace.recall_lots WHERE recall_id = :recall_id),
			  (SELECT count(*) FROM lottrace.recall_shipments WHERE recall_id = :recall_id)) AS scope \gset
\echo :scope

-- Opening a recall without hold: the recall, its roots and its frozen scope.
SELECT bench.compare_statements('recall: open_recall of the hottest raw lot (freeze, no hold)',
	format($$SELECT lottrace.open_recall('bench', ARRAY[%s]::bigint[], hold => false)$$, :hot_lot),
	format($$WITH recall AS (INSERT INTO lottrace.recalls (title) VALUES ('bench') RETURNING id),
				  roots AS (INSERT INTO lottrace.recall_roots SELECT id, %1$s FROM recall),
				  scope AS (WITH RECURSIVE r(id, depth) AS (SELECT %1$s::bigint, 0 UNION
							SELECT l.child_id, r.depth + 1 FROM r JOIN lottrace.links l ON l.parent_id = r.id)
							SELECT id, min(depth) AS depth FROM r GROUP BY id)
			 INSERT INTO lottrace.recall_lots (recall_id, lot_id, depth)
			 SELECT recall.id, scope.id, scope.depth FROM recall, scope$$, :hot_lot),
	'same rows written; the plain side computes depths by revisiting lots per path length and no via',
	runs => 3);

SELECT bench.compare('recall: recall_summary of the hottest raw lot',
	format($$SELECT recall_id, lots, items, on_hand, shipped_quantity, customers
			   FROM lottrace.recall_summary WHERE recall_id = %s$$, :recall_id),
	format($$WITH RECURSIVE scope(id) AS (
				SELECT lot_id FROM lottrace.recall_roots WHERE recall_id = %1$s
				UNION SELECT l.child_id FROM scope JOIN lottrace.links l ON l.parent_id = scope.id),
			 lots AS (SELECT s.id, l.item FROM scope s JOIN lottrace.lots l ON l.id = s.id),
			 shipped AS (SELECT e.partner, el.quantity FROM lots
						   JOIN lottrace.event_lots el ON el.lot_id = lots.id AND el.role = 'subject'
						   JOIN lottrace.events e ON e.id = el.event_id AND e.kind = 'ship')
			 SELECT %1$s::bigint, (SELECT count(*) FROM lots), (SELECT count(DISTINCT item) FROM lots),
					(SELECT coalesce(sum(s.on_hand), 0) FROM lots JOIN lottrace.stock s ON s.lot_id = lots.id),
					(SELECT coalesce(sum(quantity), 0) FROM shipped), (SELECT count(DISTINCT partner) FROM shipped)$$,
		   :recall_id),
	runs => 5);

SELECT bench.compare('recall: recall_shipments of the hottest raw lot',
	format($$SELECT lot_id, event_id, ship_to, quantity FROM lottrace.recall_shipments WHERE recall_id = %s$$, :recall_id),
	format($$WITH RECURSIVE scope(id) AS (
				SELECT lot_id FROM lottrace.recall_roots WHERE recall_id = %s
				UNION SELECT l.child_id FROM scope JOIN lottrace.links l ON l.parent_id = scope.id)
			 SELECT scope.id, e.id, e.partner, el.quantity FROM scope
			   JOIN lottrace.event_lots el ON el.lot_id = scope.id AND el.role = 'subject'
			   JOIN lottrace.events e ON e.id = el.event_id AND e.kind = 'ship'$$, :recall_id),
	runs => 5);
