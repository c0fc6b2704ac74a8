--
-- GS1 EPCIS 2.0: epcis_export (what a partner reads).  Every document
-- exported here is also kept in public.epcis_exported_documents, which
-- test/t/030_epcis_schema.pl validates against GS1's EPCIS 2.0 JSON Schema.
--
SET search_path = lottrace, public;
\set SHOW_CONTEXT never
TRUNCATE epcis_imported, event_lots, links, lot_status_log, events, lots RESTART IDENTITY CASCADE;
CREATE TABLE IF NOT EXISTS public.epcis_exported_documents (name text PRIMARY KEY, document jsonb NOT NULL);
DELETE FROM public.epcis_exported_documents WHERE name LIKE 'epcis_export:%';

-- The helpers: free text as URIs (RFC 3986 percent-encoding of the UTF-8
-- bytes, "é" is C3 A9), units as UN/ECE Recommendation 20 codes, reference
-- document types as CBV business transaction types.
SELECT v, epcis_uri('location', v) FROM (VALUES ('bakery'), ('Shop A'), ('Café Lumière, 2 rue Haute'),
	('urn:epc:id:sgln:9506000.00001.0'), ('https://example.com/farms/7'), ('100%'), ('a:b c'), ('')) t(v);
SELECT v, epcis_uom(v) FROM (VALUES ('kg'), ('KGM'), ('each'), ('Pcs'), ('lb'), ('crate'), ('kgs'), ('Kg ')) t(v);
SELECT v, epcis_transaction_type(v) FROM (VALUES ('BOL'), ('bill of lading'), ('PO'), ('ASN'), ('work order'),
	('invoice'), ('recadv'), ('weigh ticket')) t(v);

-- flour FL-1 ...352 and salt SA-7 ...369 into dough D1 ...376, dough into
-- bread B1 ...383; flour also into cake C1 ...406
INSERT INTO lots (item, code, uom, expires_at, tlc_source, attributes) VALUES
	('09506000134352', 'FL-1', 'kg', '2024-09-01', NULL, '{}'),
	('09506000134369', 'SA-7', 'kg', NULL, NULL, '{}'),
	('09506000134376', 'D1', 'kg', '2024-03-06', 'bakery, 1 Main St', '{"product_description": "bread dough"}'),
	('09506000134383', 'B1', 'each', '2024-03-12', 'bakery, 1 Main St', '{}'),
	('09506000134406', 'C1', 'crate', NULL, NULL, '{}');
CREATE TEMPORARY TABLE ev (name text PRIMARY KEY, id bigint);
WITH e AS (
	INSERT INTO events (kind, occurred_at, location, partner, reference_type, reference) VALUES
		('receive', '2024-03-02 07:30+00', 'bakery', 'Salt Works', 'PO', 'PO-77'),
		('transform', '2024-03-05 06:00+00', 'bakery', NULL, 'work order', 'WO-1'),
		('transform', '2024-03-05 09:00+00', 'bakery', NULL, 'work order', 'WO-2'),
		('transform', '2024-03-05 11:00+00', 'bakery', NULL, 'weigh ticket', 'T 9/1'),
		('ship', '2024-03-06 09:00+00', 'bakery', 'Café Lumière', 'BOL', 'BOL-881')
	RETURNING id, reference)
INSERT INTO ev SELECT reference, id FROM e;
INSERT INTO event_lots (event_id, lot_id, role, quantity, uom)
SELECT ev.id, lot_id('0950600013' || v.gtin, v.code::lot), v.role::event_lot_role, v.quantity, v.uom
  FROM ev JOIN (VALUES ('PO-77', '4369', 'SA-7', 'subject', 20, 'kg'),
					   ('WO-1', '4352', 'FL-1', 'input', 50, 'kg'), ('WO-1', '4369', 'SA-7', 'input', 1, 'kg'),
					   ('WO-1', '4376', 'D1', 'output', 52, 'kg'),
					   ('WO-2', '4376', 'D1', 'input', 30, 'kg'), ('WO-2', '4383', 'B1', 'output', 40, 'each'),
					   ('T 9/1', '4352', 'FL-1', 'input', 5, 'kg'), ('T 9/1', '4406', 'C1', 'output', 2, 'crate'),
					   ('BOL-881', '4383', 'B1', 'subject', 40, 'each')) v(ref, gtin, code, role, quantity, uom)
	ON v.ref = ev.name;
INSERT INTO links (parent_id, child_id, quantity, uom, event_id, linked_at)
SELECT lot_id('0950600013' || v.p, v.pc::lot), lot_id('0950600013' || v.c, v.cc::lot), v.q, 'kg', ev.id, v.t::timestamptz
  FROM ev JOIN (VALUES ('WO-1', '4352', 'FL-1', '4376', 'D1', 50, '2024-03-05 06:00+00'),
					   ('WO-1', '4369', 'SA-7', '4376', 'D1', 1, '2024-03-05 06:00+00'),
					   ('WO-2', '4376', 'D1', '4383', 'B1', 30, '2024-03-05 09:00+00'),
					   ('T 9/1', '4352', 'FL-1', '4406', 'C1', 5, '2024-03-05 11:00+00')) v(ref, p, pc, c, cc, q, t)
	ON v.ref = ev.name;

-- Forward from the flour: the dough's transformation is exported whole, salt
-- included (its input, its link to the dough, its lot); the salt's receipt
-- is not (the salt is not in the trace, only in an event of it).
INSERT INTO public.epcis_exported_documents
SELECT 'epcis_export: forward from FL-1', epcis_export(ARRAY[lot_id('09506000134352', 'FL-1')], 'forward');
CREATE TEMPORARY VIEW exported_events AS
SELECT d.name, n AS position, e
  FROM public.epcis_exported_documents d, jsonb_array_elements(d.document #> '{epcisBody,eventList}') WITH ORDINALITY AS x(e, n);
CREATE TEMPORARY VIEW exported_lots AS
SELECT d.name, regexp_replace(m ->> 'id', '^https://id.gs1.org/01/0950600013(\d+)/10/', '\1 ') AS lot
  FROM public.epcis_exported_documents d,
	   jsonb_array_elements(d.document #> '{epcisHeader,epcisMasterData,vocabularyList,0,vocabularyElementList}') m;
-- shorter to read: GTIN 0950600013xxxx and lot of a Digital Link URI
CREATE FUNCTION pg_temp.short(uri text) RETURNS text LANGUAGE sql
	AS $$ SELECT regexp_replace(uri, '^https://id.gs1.org/01/0950600013(\d+)/10/', '\1 ') $$;
SELECT lot FROM exported_lots WHERE name = 'epcis_export: forward from FL-1' ORDER BY lot;
SELECT position, e ->> 'type' AS type, e ->> 'action' AS action, e ->> 'bizStep' AS biz_step,
	   e #>> '{bizLocation,id}' AS location, e ->> 'disposition' AS disposition,
	   e ->> 'lottrace:eventKind' AS kind
  FROM exported_events WHERE name = 'epcis_export: forward from FL-1' ORDER BY position;
SELECT position, side, pg_temp.short(q ->> 'epcClass') AS lot, q -> 'quantity' AS quantity, q ->> 'uom' AS uom
  FROM exported_events, LATERAL (SELECT 'input' AS side, x FROM jsonb_array_elements(e -> 'inputQuantityList') x
								 UNION ALL SELECT 'output', x FROM jsonb_array_elements(e -> 'outputQuantityList') x
								 UNION ALL SELECT 'object', x FROM jsonb_array_elements(e -> 'quantityList') x) s(side, q)
 WHERE name = 'epcis_export: forward from FL-1' ORDER BY position, side, lot;
SELECT position, pg_temp.short(k ->> 'parent') AS parent, pg_temp.short(k ->> 'child') AS child, k -> 'quantity' AS quantity,
	   k ->> 'kind' AS kind, k ->> 'linkedAt' AS linked_at
  FROM exported_events, jsonb_array_elements(e -> 'lottrace:links') k
 WHERE name = 'epcis_export: forward from FL-1' ORDER BY position, parent;
-- parties, business transactions and the exact lottrace record
SELECT position, e -> 'sourceList' AS sources, e -> 'destinationList' AS destinations, e -> 'bizTransactionList' AS transactions
  FROM exported_events WHERE name = 'epcis_export: forward from FL-1' ORDER BY position;
SELECT position, e ->> 'lottrace:location' AS location, e ->> 'lottrace:partner' AS partner,
	   e ->> 'lottrace:referenceType' AS reference_type, e ->> 'lottrace:reference' AS reference
  FROM exported_events WHERE name = 'epcis_export: forward from FL-1' ORDER BY position;
-- a unit without a Recommendation 20 code: no quantity in the standard list,
-- the exact one in lottrace:lots (with every lot's role)
SELECT position, pg_temp.short(l ->> 'epcClass') AS lot, l ->> 'role' AS role, l -> 'quantity' AS quantity, l ->> 'uom' AS uom
  FROM exported_events, jsonb_array_elements(e -> 'lottrace:lots') l
 WHERE name = 'epcis_export: forward from FL-1' ORDER BY position, lot;

-- Backward from the bread: the cake's transformation only consumed a traced
-- lot (the flour) and is left out, and so is the cake.
INSERT INTO public.epcis_exported_documents
SELECT 'epcis_export: backward from B1', epcis_export(ARRAY[lot_id('09506000134383', 'B1')], 'backward');
SELECT lot FROM exported_lots WHERE name = 'epcis_export: backward from B1' ORDER BY lot;
SELECT e ->> 'lottrace:eventKind' AS kind, e #>> '{bizTransactionList,0,bizTransaction}' AS reference
  FROM exported_events WHERE name = 'epcis_export: backward from B1' ORDER BY position;

-- Farm to fork: harvest and cooling carry their immediate subsequent
-- recipient as a destination; the initial packing (harvested lot in, packed
-- lot out) is a TransformationEvent whose link carries its event id; a link
-- of no event becomes a links-only TransformationEvent; a disposal is a
-- DELETE.  lettuce harvest lot H-1 ...413, packed lettuce TLC-1 ...420,
-- salad S-1 ...437.
INSERT INTO lots (item, code, uom, tlc_source) VALUES
	('09506000134413', 'H-1', 'kg', NULL), ('09506000134420', 'TLC-1', 'kg', 'Packer, 9 Dock Rd'),
	('09506000134437', 'S-1', 'kg', NULL);
WITH e AS (
	INSERT INTO events (kind, occurred_at, location, partner, reference_type, reference, attributes) VALUES
		('harvest', '2024-05-01 06:00+00', 'Green Farm', 'Cool Co', NULL, NULL,
		 '{"field": "North 3", "harvester_name": "Green Farm LLC", "harvester_phone": "+1 555 0100"}'),
		('cool', '2024-05-01 09:00+00', 'Cool Co', 'Pack Inc', 'BOL', 'BOL-1', '{}'),
		('initial_pack', '2024-05-02 08:00+00', 'Pack Inc', NULL, 'prodorder', 'P-1', '{}'),
		('dispose', '2024-05-09 08:00+00', 'Pack Inc', NULL, NULL, NULL, '{}')
	RETURNING id, kind)
INSERT INTO ev SELECT kind::text, id FROM e;
INSERT INTO event_lots (event_id, lot_id, role, quantity, uom)
SELECT ev.id, lot_id('0950600013' || v.gtin, v.code::lot), v.role::event_lot_role, v.quantity, 'kg'
  FROM ev JOIN (VALUES ('harvest', '4413', 'H-1', 'subject', 500), ('cool', '4413', 'H-1', 'subject', 500),
					   ('initial_pack', '4413', 'H-1', 'input', 500), ('initial_pack', '4420', 'TLC-1', 'output', 480),
					   ('dispose', '4420', 'TLC-1', 'subject', 10)) v(kind, gtin, code, role, quantity)
	ON v.kind = ev.name;
INSERT INTO links (parent_id, child_id, quantity, uom, event_id, linked_at)
SELECT lot_id('09506000134413', 'H-1'), lot_id('09506000134420', 'TLC-1'), 500, 'kg', id, '2024-05-02 08:00+00'
  FROM ev WHERE name = 'initial_pack';
INSERT INTO links (parent_id, child_id, quantity, uom, kind, linked_at)
SELECT lot_id('09506000134420', 'TLC-1'), lot_id('09506000134437', 'S-1'), 100, 'kg', 'consume', '2024-05-03 10:00+00';
INSERT INTO public.epcis_exported_documents
SELECT 'epcis_export: farm from H-1', epcis_export(ARRAY[lot_id('09506000134413', 'H-1')]);
SELECT position, e ->> 'type' AS type, e ->> 'action' AS action, e ->> 'bizStep' AS biz_step, e ->> 'disposition' AS disposition,
	   e -> 'destinationList' AS destinations, e ->> 'lottrace:eventKind' AS kind, e ? 'lottrace:linksOnly' AS links_only,
	   e -> 'lottrace:attributes' AS attributes
  FROM exported_events WHERE name = 'epcis_export: farm from H-1' ORDER BY position;
SELECT position, pg_temp.short(k ->> 'parent') AS parent, pg_temp.short(k ->> 'child') AS child, k ->> 'linkedAt' AS linked_at
  FROM exported_events, jsonb_array_elements(e -> 'lottrace:links') k
 WHERE name = 'epcis_export: farm from H-1' ORDER BY position;

-- No business step outside the CBV, no location, party, transaction or
-- unit written as free text, in any document exported here (the JSON Schema
-- checks it again, in 030_epcis_schema.pl).
SELECT count(*) AS events,
	   count(*) FILTER (WHERE e ->> 'bizStep' NOT IN ('commissioning', 'storing', 'receiving', 'shipping',
													   'stock_taking', 'destroying', 'repackaging')) AS other_steps,
	   count(*) FILTER (WHERE e #>> '{bizLocation,id}' ~ '\s' OR e::text ~ '"(source|destination|bizTransaction)": "[^"]*\s') AS free_text
  FROM exported_events WHERE name LIKE 'epcis_export:%';

-- export errors
SELECT epcis_export(ARRAY[1], 'sideways');
SELECT epcis_export(NULL);
SELECT epcis_export('{}');
SELECT epcis_export(ARRAY[999999]);
-- a lot EPCIS cannot name, reached only as a co-input of a whole event
INSERT INTO lots (item, code) VALUES ('rye flour', 'R-1');
INSERT INTO event_lots (event_id, lot_id, role, quantity)
SELECT id, lot_id('rye flour', 'R-1'), 'input', 3 FROM ev WHERE name = 'WO-2';
SELECT epcis_export(ARRAY[lot_id('09506000134383', 'B1')], 'backward');

TRUNCATE epcis_imported, event_lots, links, lot_status_log, events, lots RESTART IDENTITY CASCADE;
