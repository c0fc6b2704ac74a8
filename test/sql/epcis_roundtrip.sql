--
-- GS1 EPCIS 2.0 round trip: a genealogy made here is exported, wiped,
-- imported back, and is the same genealogy, fact by fact.
--
-- The export half is epcis_export's; THE COMPARISONS AFTER THE IMPORT
-- DEPEND ON epcis_import reading back what the export writes: free-text
-- locations, parties and references from the lottrace: extension keys (the
-- standard fields hold them as URIs), lots with their roles, quantities and
-- units from lottrace:lots, links with their event and time from
-- lottrace:links on any event type, event attributes from
-- lottrace:attributes, and lot attributes from the lottrace:attributes
-- master data attribute.  Those keys are described in doc/recall.md.
--
SET search_path = lottrace, public;
\set SHOW_CONTEXT never
TRUNCATE epcis_imported, event_lots, links, lot_status_log, events, lots RESTART IDENTITY CASCADE;
CREATE TABLE IF NOT EXISTS public.epcis_exported_documents (name text PRIMARY KEY, document jsonb NOT NULL);
DELETE FROM public.epcis_exported_documents WHERE name LIKE 'epcis_roundtrip:%';

-- A farm to bakery genealogy.  Co-ingredients: flour FL-1 and salt SA-7
-- into dough D1; roles: the initial packing has an input and an output,
-- the receipt and shipment a subject; partners on harvest, cooling,
-- receipt and shipment; links inside events (of a transformation and of an
-- initial packing) and outside any (a split, a rework cycle); units with
-- and without a Recommendation 20 code; lot and event attributes.
INSERT INTO lots (item, code, produced_at, quantity, uom, supplier, tlc_source, expires_at, attributes) VALUES
	('09506000134413', 'H-1', '2024-03-01 06:00+00', 500, 'kg', NULL, NULL, NULL, '{"variety": "Romaine"}'),
	('09506000134420', 'TLC-1', '2024-03-02 08:00+00', 480, 'kg', NULL, 'Pack Inc, 9 Dock Rd', '2024-03-20', '{}'),
	('09506000134352', 'FL-1', NULL, 500, 'kg', 'Millers & Co', NULL, '2024-09-01', '{}'),
	('09506000134369', 'SA-7', NULL, 20, 'kg', 'Salt Works', NULL, NULL, '{}'),
	('09506000134376', 'D1', '2024-03-05 06:00+00', 52, 'kg', NULL, 'bakery, 1 Main St', '2024-03-06',
	 '{"product_description": "bread dough"}'),
	('09506000134383', 'B1', '2024-03-05 10:00:00.123456+00', 40, 'each', NULL, 'bakery, 1 Main St', '2024-03-12', '{}'),
	('09506000134383', 'B2', '2024-03-05 11:00+00', 25, 'each', NULL, 'bakery, 1 Main St', '2024-03-12', '{}'),
	('09506000134390', 'P1', '2024-03-05 14:00+00', 10, 'crate', NULL, NULL, '2024-03-12', '{}');
CREATE TEMPORARY TABLE ev (name text PRIMARY KEY, id bigint);
WITH e AS (
	INSERT INTO events (kind, occurred_at, location, partner, reference_type, reference, attributes) VALUES
		('harvest', '2024-03-01 06:00+00', 'Green Farm, field road 2', 'Cool Co', NULL, NULL,
		 '{"field": "North 3", "harvester_name": "Green Farm LLC", "harvester_phone": "+1 555 0100"}'),
		('cool', '2024-03-01 09:00+00', 'Cool Co', 'Pack Inc', 'BOL', 'BOL-1', '{"harvest_location": "Green Farm"}'),
		('initial_pack', '2024-03-02 08:00+00', 'Pack Inc', NULL, 'production order', 'P-1', '{}'),
		('receive', '2024-03-02 07:30+00', 'bakery', 'Salt Works', 'PO', 'PO-77', '{}'),
		('transform', '2024-03-05 06:00+00', 'bakery', NULL, 'work order', 'WO-1', '{}'),
		('transform', '2024-03-05 10:00+00', 'bakery', NULL, 'work order', 'WO-2', '{}'),
		('ship', '2024-03-06 09:00+00', 'bakery', 'Café Lumière', 'BOL', 'BOL-881', '{}')
	RETURNING id, coalesce(reference, kind::text) AS name)
INSERT INTO ev SELECT name, id FROM e;
INSERT INTO event_lots (event_id, lot_id, role, quantity, uom)
SELECT ev.id, l.id, v.role::event_lot_role, v.quantity, v.uom
  FROM ev JOIN (VALUES ('harvest', 'H-1', 'subject', 500, 'kg'), ('BOL-1', 'H-1', 'subject', 500, 'kg'),
					   ('P-1', 'H-1', 'input', 500, 'kg'), ('P-1', 'TLC-1', 'output', 480, 'kg'),
					   ('PO-77', 'SA-7', 'subject', 20, 'kg'),
					   ('WO-1', 'FL-1', 'input', 50, 'kg'), ('WO-1', 'SA-7', 'input', 1, 'kg'),
					   ('WO-1', 'TLC-1', 'input', 1, 'kg'), ('WO-1', 'D1', 'output', 52, 'kg'),
					   ('WO-2', 'D1', 'input', 30, 'kg'), ('WO-2', 'B1', 'output', 40, 'each'),
					   ('WO-2', 'B2', 'output', 25, 'each'),
					   ('BOL-881', 'P1', 'subject', 3, 'crate')) v(ref, code, role, quantity, uom) ON v.ref = ev.name
  JOIN lots l ON l.code = v.code::lot;
INSERT INTO links (parent_id, child_id, quantity, uom, kind, event_id, linked_at)
SELECT p.id, c.id, v.quantity, v.uom, v.kind::link_kind, ev.id, v.linked_at::timestamptz
  FROM (VALUES ('P-1', 'H-1', 'TLC-1', 500, 'kg', 'repack', '2024-03-02 08:00+00'),
			   ('WO-1', 'FL-1', 'D1', 50, 'kg', 'consume', '2024-03-05 06:00+00'),
			   ('WO-1', 'SA-7', 'D1', 1, 'kg', 'consume', '2024-03-05 06:00+00'),
			   ('WO-1', 'TLC-1', 'D1', 1, 'kg', 'consume', '2024-03-05 06:00+00'),
			   ('WO-2', 'D1', 'B1', 18, 'kg', 'consume', '2024-03-05 10:00+00'),
			   ('WO-2', 'D1', 'B2', 12, 'kg', 'consume', '2024-03-05 10:30+00'),
			   (NULL, 'B1', 'P1', 10, NULL, 'split', '2024-03-05 14:00+00'),
			   (NULL, 'B2', 'FL-1', NULL, NULL, 'rework', '2024-03-06 08:00+00'))
		v(ref, parent, child, quantity, uom, kind, linked_at)
  JOIN lots p ON p.code = v.parent::lot JOIN lots c ON c.code = v.child::lot
  LEFT JOIN ev ON ev.name = v.ref;

-- every fact of the genealogy, as one line each
CREATE TEMPORARY VIEW genealogy_facts AS
SELECT format('lot %s/%s expires %s produced %s quantity %s %s supplier %s tlc source %s status %s attributes %s',
			  item, code, expires_at, produced_at, quantity, uom, supplier, tlc_source, status, attributes) AS fact
  FROM lots
UNION ALL
SELECT format('link %s/%s -> %s/%s %s %s %s at %s, of the %s event at %s', p.item, p.code, c.item, c.code,
			  k.quantity, k.uom, k.kind, k.linked_at, e.kind, e.occurred_at)
  FROM links k JOIN lots p ON p.id = k.parent_id JOIN lots c ON c.id = k.child_id
  LEFT JOIN events e ON e.id = k.event_id
UNION ALL
SELECT format('event %s at %s location %s partner %s reference %s %s attributes %s lots %s', e.kind, e.occurred_at,
			  e.location, e.partner, e.reference_type, e.reference,
			  -- what epcis_import adds to say where the event came from is not the event's
			  (SELECT coalesce(jsonb_object_agg(a.key, a.value), '{}') FROM jsonb_each(e.attributes) a
				WHERE a.key NOT LIKE 'epcis%' AND a.key NOT IN ('bizStep', 'disposition')),
			  (SELECT string_agg(format('%s/%s %s %s %s', l.item, l.code, el.role, el.quantity, el.uom),
								 ', ' ORDER BY l.item, l.code, el.role)
				 FROM event_lots el JOIN lots l ON l.id = el.lot_id WHERE el.event_id = e.id))
  FROM events e;

CREATE TEMPORARY TABLE facts_before AS SELECT fact FROM genealogy_facts;
SELECT count(*) AS facts FROM facts_before;
-- from the harvested lettuce and the salt, both ways: the whole genealogy
INSERT INTO public.epcis_exported_documents
SELECT 'epcis_roundtrip: both from H-1 and SA-7', epcis_export(ARRAY(SELECT id FROM lots WHERE code IN ('H-1', 'SA-7') ORDER BY id));
SELECT document AS exported FROM public.epcis_exported_documents WHERE name = 'epcis_roundtrip: both from H-1 and SA-7' \gset
SELECT jsonb_array_length(:'exported'::jsonb #> '{epcisBody,eventList}') AS events_exported,
	   jsonb_array_length(:'exported'::jsonb #> '{epcisHeader,epcisMasterData,vocabularyList,0,vocabularyElementList}') AS lots_exported;

TRUNCATE epcis_imported, event_lots, links, lot_status_log, events, lots CASCADE;
-- depends on epcis_import: from here on
SELECT epcis_import(:'exported') AS reimported;
SELECT 'lost' AS change, fact FROM (SELECT fact FROM facts_before EXCEPT ALL SELECT fact FROM genealogy_facts) lost
UNION ALL
SELECT 'gained', fact FROM (SELECT fact FROM genealogy_facts EXCEPT ALL SELECT fact FROM facts_before) gained
ORDER BY 1, 2;
SELECT epcis_import(:'exported') AS reimported_again;
SELECT count(*) AS differences
  FROM ((SELECT fact FROM facts_before EXCEPT ALL SELECT fact FROM genealogy_facts)
		UNION ALL (SELECT fact FROM genealogy_facts EXCEPT ALL SELECT fact FROM facts_before)) d;
-- the event ids survive: each event exported again under the id it had
SELECT count(*) AS events, count(*) FILTER (WHERE x.e ->> 'eventID' = y.e ->> 'eventID') AS same_id
  FROM jsonb_array_elements(:'exported'::jsonb #> '{epcisBody,eventList}') WITH ORDINALITY x(e, n)
  JOIN jsonb_array_elements(epcis_export(ARRAY(SELECT id FROM lots WHERE code IN ('H-1', 'SA-7') ORDER BY id)) #> '{epcisBody,eventList}')
	   WITH ORDINALITY y(e, n) ON x.n = y.n
 WHERE NOT x.e ? 'lottrace:linksOnly';


-- What other writers do with lottrace's URIs and keys.
TRUNCATE epcis_imported, epcis_import_log, event_lots, links, lot_status_log, events, lots RESTART IDENTITY CASCADE;
-- the lottrace: keys stripped (a partner's system that re-sends what it
-- read): lottrace's URIs read back as the text they encode, a CBV type as
-- the CBV says it, units as written; URIs lottrace did not write (bad
-- escapes, bytes that are no UTF-8) kept as they are
SELECT epcis_import('{"type": "EPCISDocument", "epcisBody": {"eventList": [
	{"type": "ObjectEvent", "eventID": "rt-plain-1", "eventTime": "2024-04-01T10:00:00Z", "action": "OBSERVE",
	 "bizStep": "shipping", "bizLocation": {"id": "urn:lottrace:location:Caf%C3%A9%20Nord"},
	 "destinationList": [{"type": "owning_party", "destination": "urn:lottrace:party:Shop%20A%2C%20Dock%201"}],
	 "bizTransactionList": [{"type": "urn:lottrace:btt:delivery%20note", "bizTransaction": "urn:lottrace:bt:DN%2F7"}],
	 "quantityList": [{"epcClass": "https://id.gs1.org/01/09506000134383/10/B9", "quantity": 5, "uom": "KGM"}]},
	{"type": "ObjectEvent", "eventID": "rt-plain-2", "eventTime": "2024-04-01T11:00:00Z", "action": "OBSERVE",
	 "bizStep": "receiving", "bizLocation": {"id": "urn:lottrace:location:%FF%FE"},
	 "sourceList": [{"type": "owning_party", "source": "urn:lottrace:party:100%"}],
	 "bizTransactionList": [{"type": "bol", "bizTransaction": "urn:lottrace:bt:"}],
	 "quantityList": [{"epcClass": "https://id.gs1.org/01/09506000134383/10/B9", "quantity": 5, "uom": "KGM"}]}]}}') AS imported;
SELECT e.attributes ->> 'epcis_event_id' AS event, e.location, e.partner, e.reference_type, e.reference,
	   el.role, el.quantity, el.uom, e.attributes ->> 'action' AS action
  FROM events e JOIN event_lots el ON el.event_id = e.id ORDER BY e.id;
-- an edited document: where a lottrace: key and the standard field
-- disagree the standard field wins; a key with no standard field to check
-- it against (the partner of an initial packing) is taken
SELECT epcis_import('{"type": "EPCISDocument", "epcisBody": {"eventList": [
	{"type": "ObjectEvent", "eventID": "rt-edited-1", "eventTime": "2024-04-02T10:00:00Z", "action": "OBSERVE",
	 "bizStep": "shipping", "bizLocation": {"id": "urn:lottrace:location:warehouse"},
	 "destinationList": [{"type": "owning_party", "destination": "urn:lottrace:party:Shop%20B"}],
	 "bizTransactionList": [{"type": "po", "bizTransaction": "urn:lottrace:bt:PO-9"}],
	 "quantityList": [{"epcClass": "https://id.gs1.org/01/09506000134383/10/B9", "quantity": 4, "uom": "KGM"}],
	 "lottrace:eventKind": "ship", "lottrace:location": "bakery", "lottrace:partner": "Shop A",
	 "lottrace:referenceType": "BOL", "lottrace:reference": "BOL-1", "lottrace:attributes": {"container": "C-1"},
	 "lottrace:lots": [{"epcClass": "https://id.gs1.org/01/09506000134383/10/B9", "role": "subject", "quantity": 3, "uom": "crate"}]},
	{"type": "ObjectEvent", "eventID": "rt-edited-2", "eventTime": "2024-04-02T11:00:00Z", "action": "ADD",
	 "bizStep": "commissioning", "bizLocation": {"id": "urn:lottrace:location:Pack%20Inc"},
	 "quantityList": [{"epcClass": "https://id.gs1.org/01/09506000134383/10/B9", "quantity": 2, "uom": "KGM"}],
	 "lottrace:eventKind": "initial_pack", "lottrace:location": "Pack Inc", "lottrace:partner": "Green Farm",
	 "lottrace:lots": [{"epcClass": "https://id.gs1.org/01/09506000134383/10/B9", "role": "output", "quantity": 2000, "uom": "g"}]}]}}') AS imported;
SELECT e.attributes ->> 'epcis_event_id' AS event, e.kind, e.location, e.partner, e.reference_type, e.reference,
	   el.role, el.quantity, el.uom, e.attributes - ARRAY['epcis_event_id', 'epcis_type', 'bizStep', 'disposition'] AS attributes
  FROM events e JOIN event_lots el ON el.event_id = e.id
 WHERE e.attributes ->> 'epcis_event_id' LIKE 'rt-edited-%' ORDER BY e.id;
-- malformed lottrace: keys refuse the document (22P02), nothing written
CREATE FUNCTION pg_temp.import_error(document jsonb) RETURNS text LANGUAGE plpgsql AS $f$
BEGIN
	PERFORM lottrace.epcis_import(document);
	RETURN 'imported';
EXCEPTION WHEN OTHERS THEN
	RETURN SQLSTATE || ': ' || SQLERRM;
END
$f$;
SELECT pg_temp.import_error(format('{"type": "EPCISDocument", "epcisBody": {"eventList": [{"type": "ObjectEvent",
		"eventID": "rt-bad", "eventTime": "2024-04-03T10:00:00Z", "action": "OBSERVE", "bizStep": "shipping",
		"quantityList": [{"epcClass": "https://id.gs1.org/01/09506000134383/10/B9"}], "lottrace:eventKind": "ship", %s}]}}',
		bad)::jsonb) AS refused
  FROM (VALUES ('"lottrace:lots": {"epcClass": "https://id.gs1.org/01/09506000134383/10/B9"}'),
			   ('"lottrace:lots": ["https://id.gs1.org/01/09506000134383/10/B9"]'),
			   ('"lottrace:attributes": ["container"]'),
			   ('"lottrace:links": [["https://id.gs1.org/01/09506000134383/10/B9"]]'),
			   ('"lottrace:links": [{"parent": "https://id.gs1.org/01/09506000134383/10/B9",
									 "child": "https://id.gs1.org/01/09506000134383/10/B8", "linkedAt": "the day after"}]')) v(bad);
SELECT pg_temp.import_error('{"type": "EPCISDocument", "epcisHeader": {"epcisMasterData": {"vocabularyList": [
		{"type": "urn:epcglobal:epcis:vtype:EPCClass", "vocabularyElementList": [
		 {"id": "https://id.gs1.org/01/09506000134383/10/B7", "attributes": [{"id": "lottrace:attributes", "attribute": "Romaine"}]}]}]}},
		"epcisBody": {"eventList": []}}') AS refused;
SELECT count(*) AS events_of_refused_documents FROM events WHERE attributes ->> 'epcis_event_id' = 'rt-bad';
SELECT count(*) AS lots_of_refused_documents FROM lots WHERE code IN ('B7', 'B8');

-- leave nothing behind: the tests share one database
TRUNCATE epcis_imported, epcis_import_log, epcis_serials, event_lots, links, lot_status_log, events, lots RESTART IDENTITY CASCADE;
