-- lottrace demo: Sunrise Bakery.  Run by `make demo` in a throwaway cluster.
\set ECHO queries
\pset footer off

CREATE EXTENSION lottrace;
SET search_path = lottrace, public;

\echo
\echo '=== 1. Supplier lots arrive: scanned codes become validated lot values'
\echo '    (white space from the scanner is trimmed; anything outside GS1 CSET 82 is refused)'
CREATE TABLE receipts (supplier text, item text, code lot, received date);
INSERT INTO receipts VALUES
	('Millers & Co', 'flour T55',  E'  FL-2024-0311-A\r\n', '2024-03-12'),
	('Millers & Co', 'flour T55',  'FL-2024-0309-B',        '2024-03-10'),
	('SaltWorks',    'sea salt',   '24069/17',              '2024-03-09'),
	('Dairy Vale',   'butter',     'DV240305L2-117',        '2024-03-06'),
	('Dairy Vale',   'butter',     'DV240305L2-9',          '2024-03-06'),
	('Sugar Ltd',    'cane sugar', 'SL.3011',               '2024-03-01'),
	('SaltWorks',    'sea salt',   'SW-2024-069-BATCH-0017', '2024-03-09');
SELECT supplier, item, code, length(code) AS chars FROM receipts ORDER BY supplier, code;

\echo
\echo '--- a scan with a GS control character in it, and a typo, are refused with the position:'
INSERT INTO receipts VALUES ('Dairy Vale', 'butter', E'DV2403\x1d05L2-118', '2024-03-06');
INSERT INTO receipts VALUES ('Sugar Ltd', 'cane sugar', 'SL#3012', '2024-03-06');

\echo
\echo '=== 2. Natural order: DV240305L2-9 sorts before DV240305L2-117'
SELECT code FROM receipts WHERE item = 'butter' ORDER BY code;

\echo
\echo '=== 3. The bakery numbers its own batches from a template'
\echo '    YYMMDD = production date, FF = oven, S = shift, NNN = batch of the day, C = check digit'
CREATE TABLE batches (code lot PRIMARY KEY, product text, produced date);
INSERT INTO batches
SELECT lot_next('YYMMDD-FF-S-NNNC', d, oven, shift => s), product, d
  FROM (VALUES ('2024-03-12'::date, 'O1', 1, 'baguette'),
			   ('2024-03-12', 'O1', 1, 'baguette'),
			   ('2024-03-12', 'O2', 1, 'croissant'),
			   ('2024-03-12', 'O1', 2, 'baguette'),
			   ('2024-03-11', 'O1', 1, 'pain de mie')) AS p(d, oven, s, product);
SELECT code, product, produced FROM batches ORDER BY code;
\echo '--- backdated production (entered a day late) gets its own date''s next number:'
SELECT lot_next('YYMMDD-FF-S-NNNC', '2024-03-11', 'O1', shift => 1) AS late_entry;
SELECT template, scope, last_value FROM lot_sequences ORDER BY scope;

\echo
\echo '=== 4. Reading a code back: lot_parse'
SELECT b.code, p.* FROM batches b, lot_parse(b.code, 'YYMMDD-FF-S-NNNC') p ORDER BY b.code;

\echo
\echo '=== 5. Checking codes against their template: @@ never raises for a code'
SELECT code, code @@ 'YYMMDD-FF-S-NNNC' AS conforms
  FROM unnest('{240312-O1-1-0015,240312-O1-1-0012,240230-O1-1-0015,240312-O1-X-0011}'::lot[]) AS code;
\echo '--- and lot_parse says why a code does not conform:'
SELECT * FROM lot_parse('240312-O1-1-0012', 'YYMMDD-FF-S-NNNC');
SELECT * FROM lot_parse('240230-O1-1-0015', 'YYMMDD-FF-S-NNNC');

\echo
\echo '=== 6. Which supplier codes fit the GS1 AI (10) limit of 20 characters?'
SELECT code, lot_is_gs1(code) AS fits_gs1 FROM receipts ORDER BY code;

\echo
\echo '=== 7. The genealogy: what went into what'
\echo '    flour and salt into dough, dough into bread, bread onto pallets; a bread lot reworked into new dough'
INSERT INTO lots (id, item, code, produced_at, expires_at, uom, supplier) VALUES
	(1, 'flour T55', 'FL-2024-0311-A', '2024-03-11', '2024-09-30', 'kg', 'Millers & Co'),
	(2, 'flour T55', 'FL-2024-0309-B', '2024-03-09', '2024-09-30', 'kg', 'Millers & Co'),
	(3, 'sea salt', '24069/17', '2024-03-09', NULL, 'kg', 'SaltWorks'),
	(4, 'butter', 'DV240305L2-117', '2024-03-05', '2024-04-05', 'kg', 'Dairy Vale'),
	(10, 'dough', '240312-D-1', '2024-03-12 05:00', '2024-03-13', 'kg', NULL),
	(11, 'dough', '240312-D-2', '2024-03-12 05:30', '2024-03-13', 'kg', NULL),
	(12, 'dough', '240312-D-3', '2024-03-12 09:00', '2024-03-13', 'kg', NULL),
	(20, 'baguette', '240312-O1-1-0015', '2024-03-12 07:00', '2024-03-14', 'each', NULL),
	(21, 'baguette', '240312-O1-1-0022', '2024-03-12 08:00', '2024-03-15', 'each', NULL),
	(22, 'croissant', '240312-O2-1-0012', '2024-03-12 07:30', '2024-03-14', 'each', NULL),
	(23, 'pain de mie', '240311-O1-1-0016', '2024-03-11 07:00', '2024-03-18', 'each', NULL),
	(30, 'pallet', 'PAL-0311', '2024-03-12 10:00', '2024-03-14', 'each', NULL),
	(31, 'pallet', 'PAL-0312', '2024-03-12 10:30', '2024-03-15', 'each', NULL);
INSERT INTO links (parent_id, child_id, quantity, kind) VALUES
	(1, 10, 50, 'consume'), (3, 10, 1, 'consume'),
	(1, 11, 40, 'consume'), (4, 11, 10, 'consume'), (3, 11, 1, 'consume'),
	(2, 12, 45, 'consume'), (3, 12, 1, 'consume'),
	(10, 20, 30, 'consume'), (10, 21, 20, 'consume'), (11, 22, 50, 'consume'), (12, 23, 45, 'consume'),
	(21, 12, 5, 'rework'),
	(20, 30, 200, 'split'), (21, 31, 150, 'split'), (22, 31, 80, 'merge');
SELECT repeat('    ', t.depth) || l.item || ' ' || l.code AS "made from flour FL-2024-0311-A"
  FROM trace_forward(lot_id('flour T55', 'FL-2024-0311-A')) t JOIN lots l ON l.id = t.lot_id
 ORDER BY t.depth, l.item, l.code;
SELECT repeat('    ', t.depth) || l.item || ' ' || l.code AS "what went into PAL-0312"
  FROM trace_backward(lot_id('pallet', 'PAL-0312')) t JOIN lots l ON l.id = t.lot_id
 ORDER BY t.depth, l.item, l.code;

\echo
\echo '=== 8. Stock, a FEFO pick, a reservation, shipments'
INSERT INTO stock (lot_id, location, on_hand) VALUES
	(20, 'shop', 60), (21, 'shop', 80), (23, 'shop', 40), (30, 'dock', 200), (31, 'dock', 230);
\echo '--- the pick list for 100 baguettes: the lot expiring first is taken first (nothing is changed)'
SELECT code, location, expires_at, quantity FROM allocate('baguette', 100, as_of => '2024-03-12');
\echo '--- reserve it for order 4711, then ship the pallets to two customers'
SELECT code, location, quantity FROM reserve('baguette', 100, 'order-4711', as_of => '2024-03-12');
SELECT ship(r.reservation_id, 'Café Lumière', '2024-03-12 11:00', 'BOL-881')
  FROM reserve('pallet', 120, 'order-4712', as_of => '2024-03-12') r;
SELECT ship(r.reservation_id, 'Hotel Bellevue', '2024-03-12 12:00', 'BOL-882')
  FROM reserve('pallet', 90, 'order-4713', location => 'dock', as_of => '2024-03-12') r;

\echo
\echo '=== 9. The yearly mock recall (BRCGS 3.9.3, SQF 2.6.3): trace and reconcile quantities, hold nothing'
\echo '    lots carry their quantities; a baguette weighs 0.25 kg; 1 kg of dough scraps was thrown away'
UPDATE lots l SET quantity = q.quantity
  FROM (VALUES (1, 100), (2, 50), (3, 25), (4, 10), (10, 51), (11, 50), (12, 45), (20, 260), (21, 235),
			   (22, 80), (23, 48), (30, 200), (31, 230)) q(id, quantity)
 WHERE l.id = q.id;
INSERT INTO uom_conversions (item, from_uom, to_uom, factor) VALUES ('baguette', 'each', 'kg', 0.25);
INSERT INTO stock (lot_id, location, on_hand) VALUES (1, 'store', 8), (2, 'store', 5), (3, 'store', 22), (10, 'bakery', 1);
SELECT dispose(10, 'bakery', 1, 'dough scraps') AS dispose_event;
SELECT mock_recall('Mock recall 2024: flour FL-2024-0311-A', ARRAY[lot_id('flour T55', 'FL-2024-0311-A')],
				   tolerance => 5, reason => 'annual traceability test') AS exercise \gset
\echo '--- the report an auditor opens (lottrace.mock_recall_report):'
\x on
SELECT title, trace_time, lots_back, lots_forward, suppliers, customers, open_reservations, locations,
	   root_uom, root_quantity, round(root_shipped, 2) AS root_shipped, round(root_on_hand, 2) AS root_on_hand,
	   round(root_disposed, 2) AS root_disposed, round(root_unaccounted, 2) AS root_unaccounted,
	   root_recovery || ' %' AS root_recovery, lots_not_reconciled, passed
  FROM mock_recall_report WHERE exercise_id = :exercise;
\x off
\echo '--- every lot in scope, with the root material it holds and its balance (lottrace.mock_recall_lots):'
SELECT scope, depth, item, code, round(share::numeric, 3) AS share, round(root_quantity, 2) AS flour_kg,
	   uom, produced, consumed, shipped, on_hand, disposed, unaccounted, recovery, reconciled
  FROM mock_recall_lots WHERE exercise_id = :exercise ORDER BY scope DESC, depth, item, code;
\echo '--- the customers, and how much of the flour each one got:'
SELECT ship_to, quantity, uom, round(root_quantity, 2) AS flour_kg, reference
  FROM mock_recall_shipments WHERE exercise_id = :exercise ORDER BY shipped_at;
\echo '--- nothing was held: no status changed'
SELECT count(*) AS status_changes FROM lot_status_log;

\echo
\echo '=== 10. Millers & Co report flour FL-2024-0311-A contaminated: open a recall'
SELECT open_recall('Flour FL-2024-0311-A: foreign matter', ARRAY[lot_id('flour T55', 'FL-2024-0311-A')],
				   'supplier notice MC-2024-117') AS recall_id \gset
\echo '--- the scope, live (what a BI tool reads from lottrace.recall_scope):'
SELECT depth, item, code, status, expires_at, on_hand FROM recall_scope WHERE recall_id = :recall_id ORDER BY depth, item, code;
\echo '--- the customers to call (lottrace.recall_shipments):'
SELECT ship_to, code, shipped_at, quantity, reference FROM recall_shipments WHERE recall_id = :recall_id ORDER BY shipped_at;
\echo '--- the summary (lottrace.recall_summary):'
SELECT title, lots, items, on_hand, shipped_quantity, customers FROM recall_summary WHERE recall_id = :recall_id;
\echo '--- the flour itself, reconciled as in the mock recall (kg):'
SELECT root_quantity, round(root_shipped, 2) AS shipped, round(root_on_hand, 2) AS on_hand, round(root_disposed, 2) AS disposed,
	   round(root_unaccounted, 2) AS unaccounted, root_recovery || ' %' AS recovery
  FROM recall_summary WHERE recall_id = :recall_id;
\echo '--- the reservation of order 4711 was released: nothing recalled can be shipped'
SELECT count(*) AS open_reservations FROM reservations WHERE reference = 'order-4711';
\echo '--- the pain de mie made from reworked baguette is in scope too (through the rework cycle);'
\echo '    the flour FL-2024-0309-B lot and its other products are not'
SELECT l.item, l.code, l.status FROM lots l WHERE l.id IN (2, 23) ORDER BY l.id;

\echo
\echo '=== 11. A production record entered late shows up in the live scope, not in the frozen one'
INSERT INTO lots (id, item, code) VALUES (40, 'sandwich', 'SW-240312-9');
INSERT INTO links (parent_id, child_id) VALUES (20, 40);
SELECT item, code, change FROM recall_scope_changes WHERE recall_id = :recall_id;

\echo
\echo '=== 12. The picture and the FDA spreadsheet'
\getenv outdir LOTTRACE_DEMO_OUT
\set dotfile :outdir/recall.dot
\set csvfile :outdir/fsma204.csv
\pset format unaligned
\pset tuples_only on
\o :dotfile
SELECT trace_dot(ARRAY[lot_id('flour T55', 'FL-2024-0311-A')], 'both');
\o :csvfile
SET DateStyle = ISO;
COPY (SELECT * FROM fsma204_sortable('2024-03-01', '2024-03-31')) TO STDOUT WITH (FORMAT csv, HEADER);
\o
\pset format aligned
\pset tuples_only off
\echo 'trace_dot wrote recall.dot (rendered to SVG and PNG with Graphviz), fsma204_sortable wrote fsma204.csv'

\echo
\echo '=== 13. A flour silo: filled from many lots, drawn daily, cleaned every Sunday night'
\echo '    Modelled as one lot, the silo links every flour lot to every batch ever drawn from it.'
\echo '    Marked as a container, with its cleanings recorded, a time-respecting recall'
\echo '    (respect_time => true) follows the flour only into what was drawn while it was there.'
INSERT INTO lots (id, item, code, produced_at, uom, supplier, container) VALUES
	(200, 'flour silo', 'SILO-1', NULL, 'kg', NULL, true);
-- flour lots delivered Mondays, fed into the silo Monday and Thursday 06:00
INSERT INTO lots (id, item, code, produced_at, uom, supplier)
SELECT 200 + w, 'flour T65', 'FL-T65-W' || w, d, 'kg', 'Millers & Co'
  FROM generate_series(1, 4) w, LATERAL (SELECT timestamptz '2024-02-26 06:00+00' + (w - 1) * interval '7 days' AS d) m;
INSERT INTO links (parent_id, child_id, quantity, linked_at)
SELECT 200 + w, 200, 2000, timestamptz '2024-02-26 06:00+00' + (w - 1) * interval '7 days' + f * interval '3 days'
  FROM generate_series(1, 4) w, generate_series(0, 1) f;
-- the silo cleaned every Sunday 22:00
INSERT INTO events (kind, occurred_at, location, reference_type, reference)
SELECT 'clean', timestamptz '2024-03-03 22:00+00' + k * interval '7 days', 'bakery', 'cleaning log', 'CL-' || k
  FROM generate_series(0, 2) k;
INSERT INTO event_lots (event_id, lot_id, role)
SELECT e.id, 200, 'subject' FROM events e WHERE e.kind = 'clean';
-- a dough batch drawn every morning at 05:00, baked into a bread lot shipped to a customer
INSERT INTO lots (id, item, code, produced_at, uom)
SELECT 300 + d, 'dough', 'SD-' || to_char(day, 'MMDD'), day, 'kg'
  FROM generate_series(1, 26) d, LATERAL (SELECT timestamptz '2024-02-26 05:00+00' + d * interval '1 day' AS day) x;
INSERT INTO links (parent_id, child_id, quantity, linked_at)
SELECT 200, 300 + d, 300, timestamptz '2024-02-26 05:00+00' + d * interval '1 day' FROM generate_series(1, 26) d;
INSERT INTO lots (id, item, code, produced_at, uom)
SELECT 400 + d, 'country loaf', 'CL-' || to_char(day, 'MMDD'), day, 'each'
  FROM generate_series(1, 26) d, LATERAL (SELECT timestamptz '2024-02-26 08:00+00' + d * interval '1 day' AS day) x;
INSERT INTO links (parent_id, child_id, quantity, linked_at)
SELECT 300 + d, 400 + d, 300, timestamptz '2024-02-26 08:00+00' + d * interval '1 day' FROM generate_series(1, 26) d;
WITH shipped AS (
	INSERT INTO events (kind, occurred_at, partner, reference_type, reference)
	SELECT 'ship', timestamptz '2024-02-26 12:00+00' + d * interval '1 day', 'Shop ' || chr(65 + d % 7), 'BOL', 'BOL-S' || d
	  FROM generate_series(1, 26) d
	RETURNING id, reference)
INSERT INTO event_lots (event_id, lot_id, role, quantity, uom)
SELECT s.id, 400 + substr(s.reference, 6)::int, 'subject', 250, 'each' FROM shipped s;
\echo '--- flour FL-T65-W2 went into the silo on March 4 and 7; the silo was cleaned March 3 and 10'
SELECT open_recall('FL-T65-W2, plain', ARRAY[lot_id('flour T65', 'FL-T65-W2')], hold => false) AS plain_id \gset
SELECT open_recall('FL-T65-W2, time-respecting', ARRAY[lot_id('flour T65', 'FL-T65-W2')], hold => false,
				   respect_time => true) AS time_id \gset
SELECT title, lots, items, shipped_quantity, customers FROM recall_summary
 WHERE recall_id IN (:plain_id, :time_id) ORDER BY recall_id;
\echo '--- the doughs in scope with time: drawn March 5 to 10 (March 4 05:00 came before the flour)'
SELECT code, depth FROM recall_scope WHERE recall_id = :time_id AND item = 'dough' ORDER BY code;
\echo '--- the customers to call, with and without time'
SELECT recall_id = :time_id AS respect_time, count(*) AS shipments, count(DISTINCT ship_to) AS customers,
	   string_agg(DISTINCT ship_to, ', ') AS ship_to
  FROM recall_shipments WHERE recall_id IN (:plain_id, :time_id) GROUP BY 1 ORDER BY 1;
\pset format unaligned
\pset tuples_only on
\set dotfile :outdir/silo-plain.dot
\o :dotfile
SELECT trace_dot(ARRAY[lot_id('flour T65', 'FL-T65-W2')], 'forward');
\set dotfile :outdir/silo-time.dot
\o :dotfile
SELECT trace_dot(ARRAY[lot_id('flour T65', 'FL-T65-W2')], 'forward', respect_time => true);
\o
\pset format aligned
\pset tuples_only off
\echo 'trace_dot wrote silo-plain.dot and silo-time.dot: the recall of FL-T65-W2 without and with time'

\echo '=== 14. Farm to fork under FSMA 204: farm -> cooler -> packer -> processor -> distributor'
\echo '    romaine harvested by Green Valley Farm, cooled by Valley Cooling, packed by FreshPack (which'
\echo '    assigns the traceability lot code), made into salad kits by SaladWorks, sold on by North Distribution'
INSERT INTO lots (id, item, code, uom, tlc_source, attributes) VALUES
	(50, '09506000134413', 'GVF-0501-N3', 'lb', NULL, '{"product_description": "romaine lettuce, field run", "variety": "Romaine"}'),
	(51, '09506000134420', 'FP-240502-01', 'lb', 'FreshPack Inc, 9 Dock Rd, Salinas CA',
	 '{"product_description": "romaine hearts, 3 ct"}'),
	(52, '09506000134444', 'DR-77', 'kg', 'Dressings Ltd, 1 Oil St, Fresno CA', '{"product_description": "caesar dressing"}'),
	(53, '09506000134437', 'SW-240503-A', 'each', 'SaladWorks, 4 Mill Ln, Gilroy CA', '{"product_description": "caesar salad kit"}');
CREATE TEMPORARY TABLE chain (step text PRIMARY KEY, event_id bigint);
WITH e AS (
	INSERT INTO events (kind, occurred_at, location, partner, reference_type, reference, attributes) VALUES
		('harvest', '2024-05-01 06:00-07', 'Green Valley Farm, 100 Ranch Rd, Salinas CA', 'Valley Cooling Co', NULL, NULL,
		 '{"field": "North 3", "harvester_name": "Green Valley Farm LLC", "harvester_phone": "+1 831 555 0100"}'),
		('cool', '2024-05-01 10:00-07', 'Valley Cooling Co, 2 Cold St, Salinas CA', 'FreshPack Inc', 'BOL', 'VC-BOL-17', '{}'),
		('receive', '2024-05-02 07:00-07', 'FreshPack Inc, 9 Dock Rd, Salinas CA', 'Valley Cooling Co', 'BOL', 'VC-BOL-17', '{}'),
		('initial_pack', '2024-05-02 09:00-07', 'FreshPack Inc, 9 Dock Rd, Salinas CA', NULL, 'work order', 'FP-WO-311', '{}'),
		('ship', '2024-05-02 15:00-07', 'FreshPack Inc, 9 Dock Rd, Salinas CA', 'SaladWorks', 'BOL', 'FP-BOL-88', '{}'),
		('receive', '2024-05-03 06:00-07', 'SaladWorks, 4 Mill Ln, Gilroy CA', 'FreshPack Inc', 'BOL', 'FP-BOL-88', '{}'),
		('transform', '2024-05-03 09:00-07', 'SaladWorks, 4 Mill Ln, Gilroy CA', NULL, 'work order', 'SW-WO-9', '{}'),
		('ship', '2024-05-03 16:00-07', 'SaladWorks, 4 Mill Ln, Gilroy CA', 'North Distribution', 'BOL', 'SW-BOL-5', '{}'),
		('receive', '2024-05-04 05:00-07', 'North Distribution, 7 Hub Way, San Jose CA', 'SaladWorks', 'BOL', 'SW-BOL-5', '{}'),
		('ship', '2024-05-04 11:00-07', 'North Distribution, 7 Hub Way, San Jose CA', 'Corner Grocery', 'BOL', 'ND-BOL-301', '{}')
	RETURNING id, kind, location)
INSERT INTO chain SELECT kind || ' at ' || split_part(location, ',', 1), id FROM e;
INSERT INTO event_lots (event_id, lot_id, role, quantity, uom)
SELECT c.event_id, v.lot_id, v.role::event_lot_role, v.quantity, v.uom
  FROM chain c JOIN (VALUES
		('harvest at Green Valley Farm', 50, 'subject', 2000, 'lb'),
		('cool at Valley Cooling Co', 50, 'subject', 2000, 'lb'),
		('receive at FreshPack Inc', 50, 'subject', 2000, 'lb'),
		('initial_pack at FreshPack Inc', 50, 'input', 2000, 'lb'),
		('initial_pack at FreshPack Inc', 51, 'output', 1900, 'lb'),
		('ship at FreshPack Inc', 51, 'subject', 1900, 'lb'),
		('receive at SaladWorks', 51, 'subject', 1900, 'lb'),
		('transform at SaladWorks', 51, 'input', 1900, 'lb'),
		('transform at SaladWorks', 52, 'input', 120, 'kg'),
		('transform at SaladWorks', 53, 'output', 4000, 'each'),
		('ship at SaladWorks', 53, 'subject', 4000, 'each'),
		('receive at North Distribution', 53, 'subject', 4000, 'each'),
		('ship at North Distribution', 53, 'subject', 600, 'each')) v(step, lot_id, role, quantity, uom) USING (step);
INSERT INTO links (parent_id, child_id, quantity, uom, kind, event_id, linked_at)
SELECT v.parent_id, v.child_id, v.quantity, v.uom, v.kind::link_kind, c.event_id, e.occurred_at
  FROM (VALUES ('initial_pack at FreshPack Inc', 50, 51, 2000, 'lb', 'repack'),
			   ('transform at SaladWorks', 51, 53, 1900, 'lb', 'consume'),
			   ('transform at SaladWorks', 52, 53, 120, 'kg', 'consume')) v(step, parent_id, child_id, quantity, uom, kind)
  JOIN chain c USING (step) JOIN events e ON e.id = c.event_id;
\echo '--- the FDA sortable spreadsheet of the chain (some of its columns): the harvest lot is no TLC,'
\echo '    harvesting and cooling name the next recipient, initial packing the harvest, cooling and receipt'
SET TimeZone = 'America/Los_Angeles';
SELECT "Critical Tracking Event" AS cte, "Traceability Lot Code" AS tlc, "Lot Code" AS lot, "Role" AS role,
	   "Quantity" AS qty, "Unit of Measure" AS uom, "Event Date" AS date, "Immediate Subsequent Recipient" AS next,
	   "Harvest Location" AS farm, "Field or Growing Area" AS field, "Cooling Location" AS cooler,
	   "Date Received" AS received
  FROM fsma204_sortable('2024-05-01', '2024-05-31') ORDER BY "Event Id", "Role";
\echo '--- and the GS1 EPCIS 2.0 document a partner reads: the chain traced from the harvest lot,'
\echo '    with the dressing that went into the same salad kits (whole events)'
SELECT e ->> 'type' AS type, e ->> 'bizStep' AS "bizStep", e #>> '{bizLocation,id}' AS "bizLocation",
	   coalesce(e #>> '{destinationList,0,destination}', e #>> '{sourceList,0,source}') AS party
  FROM jsonb_array_elements(epcis_export(ARRAY[lot_id('09506000134413', 'GVF-0501-N3')]) #> '{epcisBody,eventList}') e;
\set fsmafile :outdir/fsma204-farm-to-fork.csv
\set epcisfile :outdir/epcis-farm-to-fork.json
\pset format unaligned
\pset tuples_only on
\o :fsmafile
COPY (SELECT * FROM fsma204_sortable('2024-05-01', '2024-05-31')) TO STDOUT WITH (FORMAT csv, HEADER);
\o :epcisfile
SELECT jsonb_pretty(epcis_export(ARRAY[lot_id('09506000134413', 'GVF-0501-N3')]));
\o
\pset format aligned
\pset tuples_only off
RESET TimeZone;
\echo 'fsma204_sortable wrote fsma204-farm-to-fork.csv, epcis_export wrote epcis-farm-to-fork.json'
