--
-- GS1 EPCIS 2.0: epcis_import and epcis_export
--
SET search_path = lottrace, public;
\set SHOW_CONTEXT never

-- flour 09506000134352, salt ...369, dough ...376, bread ...383, pallet ...390
\set document '{"@context": ["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"], "type": "EPCISDocument", "schemaVersion": "2.0", "creationDate": "2024-03-07T10:00:00Z", "epcisBody": {"eventList": [ {"type": "ObjectEvent", "eventID": "urn:uuid:00000000-0000-4000-8000-000000000001", "eventTime": "2024-03-01T08:00:00.000+01:00", "eventTimeZoneOffset": "+01:00", "action": "ADD", "bizStep": "commissioning", "bizLocation": {"id": "urn:epc:id:sgln:9506000.00001.0"}, "quantityList": [{"epcClass": "urn:epc:class:lgtin:9506000.013435.FL-1", "quantity": 500, "uom": "KGM"}], "ilmd": {"cbvmda:itemExpirationDate": "2024-09-01"}}, {"type": "ObjectEvent", "eventID": "urn:uuid:00000000-0000-4000-8000-000000000002", "eventTime": "2024-03-02T07:30:00Z", "eventTimeZoneOffset": "+00:00", "action": "OBSERVE", "bizStep": "urn:epcglobal:cbv:bizstep:receiving", "bizLocation": {"id": "bakery"}, "sourceList": [{"type": "urn:epcglobal:cbv:sdt:owning_party", "source": "Salt Works"}], "bizTransactionList": [{"type": "urn:epcglobal:cbv:btt:po", "bizTransaction": "PO-77"}], "quantityList": [{"epcClass": "https://id.gs1.org/01/09506000134369/10/SA-7", "quantity": 20, "uom": "KGM"}]}, {"type": "TransformationEvent", "eventID": "urn:uuid:00000000-0000-4000-8000-000000000003", "eventTime": "2024-03-05T06:00:00Z", "eventTimeZoneOffset": "+00:00", "bizStep": "https://ref.gs1.org/cbv/BizStep-transforming", "bizLocation": {"id": "bakery"}, "inputQuantityList": [{"epcClass": "urn:epc:class:lgtin:9506000.013435.FL-1", "quantity": 50, "uom": "KGM"}, {"epcClass": "https://id.gs1.org/01/09506000134369/10/SA-7", "quantity": 1, "uom": "KGM"}], "outputQuantityList": [{"epcClass": "https://example.com/01/09506000134376/10/D1?17=240306", "quantity": 52, "uom": "KGM"}]}, {"type": "ObjectEvent", "eventID": "urn:uuid:00000000-0000-4000-8000-000000000004", "eventTime": "2024-03-06T09:00:00Z", "eventTimeZoneOffset": "+00:00", "action": "OBSERVE", "bizStep": "shipping", "bizLocation": {"id": "bakery"}, "destinationList": [{"type": "owning_party", "destination": "Shop A"}], "bizTransactionList": [{"type": "desadv", "bizTransaction": "ASN-9"}], "epcList": ["https://id.gs1.org/01/09506000134376/10/D1/21/1", "https://id.gs1.org/01/09506000134376/10/D1/21/2"]} ]}}'

SELECT epcis_import(:'document') AS imported;
SELECT item, code, expires_at FROM lots ORDER BY item, code;
SELECT kind, occurred_at, location, partner, reference_type, reference, attributes ->> 'epcis_event_id' AS epcis_id
  FROM events ORDER BY occurred_at;
SELECT e.kind, l.code, el.role, el.quantity, el.uom
  FROM event_lots el JOIN events e ON e.id = el.event_id JOIN lots l ON l.id = el.lot_id
 ORDER BY e.occurred_at, el.role, l.code;
SELECT p.code AS parent, c.code AS child, k.quantity, k.uom, k.kind, k.linked_at
  FROM links k JOIN lots p ON p.id = k.parent_id JOIN lots c ON c.id = k.child_id ORDER BY parent;

-- idempotent: importing the same document again imports nothing
SELECT epcis_import(:'document') AS imported_again;
SELECT (SELECT count(*) FROM events) AS events, (SELECT count(*) FROM links) AS links,
	   (SELECT count(*) FROM lots) AS lots, (SELECT count(*) FROM epcis_imported) AS claimed;

-- without an eventID, the event's content identifies it
\set anonymous '{"type": "EPCISDocument", "epcisBody": {"eventList": [{"type": "ObjectEvent", "eventTime": "2024-03-08T12:00:00Z", "action": "OBSERVE", "bizStep": "shipping", "destinationList": [{"type": "owning_party", "destination": "Shop B"}], "quantityList": [{"epcClass": "https://id.gs1.org/01/09506000134376/10/D1", "quantity": 3}]}]}}'
SELECT epcis_import(:'anonymous') AS first, epcis_import(:'anonymous') AS second;
SELECT left(attributes ->> 'epcis_event_id', 16) AS id_prefix, partner FROM events WHERE partner = 'Shop B';

-- malformed documents: a clear error naming the event, and nothing written
SELECT count(*) AS events_before FROM events \gset
SELECT epcis_import('[]');
SELECT epcis_import('{"type": "EPCISQueryDocument"}');
SELECT epcis_import('{"type": "EPCISMasterDataDocument", "epcisBody": {"eventList": []}}');
SELECT epcis_import('{"type": "EPCISDocument"}');
SELECT epcis_import('{"type": "EPCISDocument", "epcisBody": {"eventList": {}}}');
SELECT epcis_import('{"type": "EPCISDocument", "epcisHeader": {"epcisMasterData": {"vocabularyList": {}}}, "epcisBody": {"eventList": []}}');
SELECT epcis_import('{"type": "EPCISQueryDocument", "epcisBody": {"queryResults": {"queryName": "SimpleEventQuery", "resultsBody": {"eventList": [], "vocabularyList": "none"}}}}');
SELECT epcis_import('{"type": "EPCISDocument", "epcisBody": {"eventList": [42]}}');
SELECT epcis_import('{"type": "EPCISDocument", "epcisBody": {"eventList": [{"type": "ObjectEvent", "action": "ADD", "bizStep": "commissioning"}]}}');
SELECT epcis_import('{"type": "EPCISDocument", "epcisBody": {"eventList": [{"type": "ObjectEvent", "eventTime": "yesterday-ish", "action": "ADD"}]}}');
SELECT epcis_import('{"type": "EPCISDocument", "epcisBody": {"eventList": [{"type": "ObjectEvent", "eventTime": "2024-03-08T12:00:00Z", "action": "OBSERVE", "bizStep": "shipping", "quantityList": [{"epcClass": "urn:epc:class:lgtin:9506000.013435"}]}]}}');
SELECT epcis_import('{"type": "EPCISDocument", "epcisBody": {"eventList": [{"type": "ObjectEvent", "eventTime": "2024-03-08T12:00:00Z", "action": "OBSERVE", "bizStep": "shipping", "quantityList": [{"epcClass": "https://id.gs1.org/01/09506000134377/10/D1"}]}]}}');
SELECT epcis_import('{"type": "EPCISDocument", "epcisBody": {"eventList": [{"type": "ObjectEvent", "eventTime": "2024-03-08T12:00:00Z", "action": "OBSERVE", "bizStep": "shipping", "quantityList": [{"epcClass": "https://id.gs1.org/01/09506000134376/10/D1", "quantity": "lots"}]}]}}');
-- not an EPCIS 2.0 event type; an action that EPCIS does not have, or none
SELECT epcis_import('{"type": "EPCISDocument", "epcisBody": {"eventList": [{"type": "QuantityEvent", "eventTime": "2024-03-08T12:00:00Z"}]}}');
SELECT epcis_import('{"type": "EPCISDocument", "epcisBody": {"eventList": [{"type": "AggregationEvent", "eventTime": "2024-03-08T12:00:00Z"}]}}');
SELECT epcis_import('{"type": "EPCISDocument", "epcisBody": {"eventList": [{"type": "ObjectEvent", "eventTime": "2024-03-08T12:00:00Z", "action": "REMOVE", "bizStep": "shipping"}]}}');
-- lists that are not lists of objects
SELECT epcis_import('{"type": "EPCISDocument", "epcisBody": {"eventList": [{"type": "ObjectEvent", "eventTime": "2024-03-08T12:00:00Z", "action": "OBSERVE", "sourceList": {"type": "location", "source": "x"}}]}}');
SELECT epcis_import('{"type": "EPCISDocument", "epcisBody": {"eventList": [{"type": "ObjectEvent", "eventTime": "2024-03-08T12:00:00Z", "action": "OBSERVE", "bizTransactionList": ["PO-1"]}]}}');
-- an SGTIN URN, an ILMD lot number and error declarations that break their rules
SELECT epcis_import('{"type": "EPCISDocument", "epcisBody": {"eventList": [{"type": "ObjectEvent", "eventTime": "2024-03-08T12:00:00Z", "action": "OBSERVE", "bizStep": "shipping", "epcList": ["urn:epc:id:sgtin:9506000.01343.77"]}]}}');
SELECT epcis_import('{"type": "EPCISDocument", "epcisBody": {"eventList": [{"type": "ObjectEvent", "eventTime": "2024-03-08T12:00:00Z", "action": "ADD", "bizStep": "commissioning", "epcList": ["urn:epc:id:sgtin:9506000.013438.77"], "ilmd": {"cbvmda:lotNumber": "LOT 1"}}]}}');
SELECT epcis_import('{"type": "EPCISDocument", "epcisBody": {"eventList": [{"type": "ObjectEvent", "eventID": "e", "eventTime": "2024-03-08T12:00:00Z", "action": "OBSERVE", "errorDeclaration": "wrong"}]}}');
SELECT epcis_import('{"type": "EPCISDocument", "epcisBody": {"eventList": [{"type": "ObjectEvent", "eventID": "e", "eventTime": "2024-03-08T12:00:00Z", "action": "OBSERVE", "errorDeclaration": {"reason": "incorrect_data"}}]}}');
SELECT epcis_import('{"type": "EPCISDocument", "epcisBody": {"eventList": [{"type": "ObjectEvent", "eventID": "e", "eventTime": "2024-03-08T12:00:00Z", "action": "OBSERVE", "errorDeclaration": {"declarationTime": "soon"}}]}}');
-- a Digital Link URI whose key breaks GS1's rules is malformed; a URI that
-- is no Digital Link is only not a lot (see below)
SELECT epcis_import('{"type": "EPCISDocument", "epcisBody": {"eventList": [{"type": "ObjectEvent", "eventTime": "2024-03-08T12:00:00Z", "action": "OBSERVE", "bizStep": "shipping", "epcList": ["https://example.com/00/1234"]}]}}');
-- an eventID longer than 1000 bytes, which the claim's index could not hold
-- (3200 bytes of hex digits, which do not compress): a malformed document,
-- not an index row size error; 1000 bytes are kept
SELECT string_agg(md5(i::text), '') AS long_id FROM generate_series(1, 100) i \gset
SELECT epcis_import(jsonb_build_object('type', 'EPCISDocument', 'epcisBody', jsonb_build_object('eventList', jsonb_build_array(
	jsonb_build_object('type', 'ObjectEvent', 'eventID', :'long_id', 'eventTime', '2024-03-08T12:00:00Z', 'action', 'OBSERVE',
					   'bizStep', 'shipping', 'quantityList', '[{"epcClass": "https://id.gs1.org/01/09506000134376/10/D1"}]'::jsonb)))));
SELECT epcis_import(jsonb_build_object('type', 'EPCISDocument', 'epcisBody', jsonb_build_object('eventList', jsonb_build_array(
	jsonb_build_object('type', 'ObjectEvent', 'eventID', left(:'long_id', 1000), 'eventTime', '2024-03-08T12:00:00Z', 'action', 'OBSERVE',
					   'bizStep', 'shipping', 'quantityList', '[{"epcClass": "https://id.gs1.org/01/09506000134376/10/D1"}]'::jsonb))))) AS imported;
SELECT octet_length(event_id) FROM epcis_imported WHERE event_id = left(:'long_id', 1000);
-- so is a transformationID, indexed as well
SELECT epcis_import(jsonb_build_object('type', 'EPCISDocument', 'epcisBody', jsonb_build_object('eventList', jsonb_build_array(
	jsonb_build_object('type', 'TransformationEvent', 'eventID', 'long-tf', 'eventTime', '2024-03-08T12:00:00Z', 'transformationID', :'long_id',
					   'outputQuantityList', '[{"epcClass": "https://id.gs1.org/01/09506000134376/10/D1"}]'::jsonb)))));
DELETE FROM event_lots WHERE event_id = (SELECT lottrace_event_id FROM epcis_imported WHERE event_id = left(:'long_id', 1000));
DELETE FROM events WHERE id = (SELECT lottrace_event_id FROM epcis_imported WHERE event_id = left(:'long_id', 1000));
DELETE FROM epcis_imported WHERE event_id = left(:'long_id', 1000);
-- two good events and a bad third one: nothing of the first two stays
SELECT epcis_import('{"type": "EPCISDocument", "epcisBody": {"eventList": [
	{"type": "ObjectEvent", "eventID": "good-1", "eventTime": "2024-03-09T12:00:00Z", "action": "OBSERVE", "bizStep": "shipping", "quantityList": [{"epcClass": "https://id.gs1.org/01/09506000134383/10/NEW-1"}]},
	{"type": "ObjectEvent", "eventID": "good-2", "eventTime": "2024-03-09T13:00:00Z", "action": "OBSERVE", "bizStep": "receiving", "quantityList": [{"epcClass": "https://id.gs1.org/01/09506000134383/10/NEW-2"}]},
	{"type": "ObjectEvent", "eventID": "bad-3", "eventTime": "2024-03-09T14:00:00Z", "action": "OBSERVE", "bizStep": "shipping", "quantityList": [{"epcClass": "https://id.gs1.org/01/0950600013438/10/NEW-3"}]}]}}');
SELECT count(*) = :events_before AS nothing_written,
	   NOT EXISTS (SELECT FROM lots WHERE code IN ('NEW-1', 'NEW-2')) AS no_new_lots,
	   NOT EXISTS (SELECT FROM epcis_imported WHERE event_id LIKE 'good-%') AS nothing_claimed,
	   NOT EXISTS (SELECT FROM epcis_import_log WHERE event_id LIKE 'good-%') AS nothing_reported
  FROM events;

TRUNCATE epcis_imported, event_lots, links, lot_status_log, events, lots RESTART IDENTITY CASCADE;

--
-- Documents as partners send them: lot and serial events, pallets, assets,
-- transactions, business steps lottrace has no event kind for, GDST lots,
-- product master data.  What names a lot is imported; the rest is reported
-- per event, with the reason; nothing of it is an error.
--
-- bread 09506000134383 is SGTIN 9506000.013438.<serial>
SELECT $doc${"@context": ["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"],
 "type": "EPCISDocument", "schemaVersion": "2.0", "creationDate": "2024-04-02T00:00:00Z",
 "epcisHeader": {"epcisMasterData": {"vocabularyList": [
  {"type": "urn:epcglobal:epcis:vtype:EPCClass", "vocabularyElementList": [
   {"id": "urn:epc:idpat:sgtin:9506000.013438.*", "attributes": [{"id": "urn:epcglobal:cbv:mda#descriptionShort", "attribute": "Sourdough bread"}]},
   {"id": "https://id.gs1.org/01/09506000134376", "attributes": [{"id": "urn:epcglobal:cbv:mda#descriptionShort", "attribute": [{"@value": "Dough", "@language": "en"}]}]},
   {"id": "urn:gdst:example.org:product:class:processor.2u", "attributes": [{"id": "urn:epcglobal:cbv:mda#descriptionShort", "attribute": "Yellowfin tuna loins"}]},
   {"id": "urn:epc:id:sscc:9506000.0000000001", "attributes": []}]},
  {"type": "urn:epcglobal:epcis:vtype:EPCInstance", "vocabularyElementList": [
   {"id": "urn:epc:id:sgtin:9506000.013438.2001", "attributes": [{"id": "urn:epcglobal:cbv:mda#lotNumber", "attribute": "BR-2"}]}]}]}},
 "epcisBody": {"eventList": [
  {"type": "ObjectEvent", "eventID": "m-1", "eventTime": "2024-04-01T06:00:00Z", "eventTimeZoneOffset": "+00:00",
   "action": "ADD", "bizStep": "commissioning", "bizLocation": {"id": "urn:epc:id:sgln:9506000.00001.0"},
   "epcList": ["urn:epc:id:sgtin:9506000.013438.1001", "urn:epc:id:sgtin:9506000.013438.1002"],
   "ilmd": {"cbvmda:lotNumber": "BR-1", "cbvmda:itemExpirationDate": "2024-04-08"}},
  {"type": "ObjectEvent", "eventID": "m-2", "eventTime": "2024-04-01T09:00:00Z", "eventTimeZoneOffset": "+00:00",
   "action": "OBSERVE", "bizStep": "shipping", "readPoint": {"id": "urn:epc:id:sgln:9506000.00001.1"},
   "epcList": ["urn:epc:id:sgtin:9506000.013438.1001", "urn:epc:id:sgtin:9506000.013438.2001",
               "urn:epc:id:sgtin:9506000.013438.9999", "urn:epc:id:sscc:9506000.0000000001"],
   "destinationList": [{"type": "owning_party", "destination": "urn:epc:id:pgln:9506000.00010"},
                       {"type": "urn:epcglobal:cbv:sdt:location", "destination": "urn:epc:id:sgln:9506000.00011.0"}],
   "bizTransactionList": [{"type": "po", "bizTransaction": "PO-1"}, {"type": "https://ref.gs1.org/cbv/BTT-desadv", "bizTransaction": "ASN-1"}]},
  {"type": "ObjectEvent", "eventID": "m-3", "eventTime": "2024-04-01T09:05:00Z", "eventTimeZoneOffset": "+00:00",
   "action": "OBSERVE", "bizStep": "shipping", "epcList": ["urn:epc:id:sgtin:9506000.013438.9998"]},
  {"type": "AggregationEvent", "eventID": "m-4", "eventTime": "2024-04-01T07:00:00Z", "eventTimeZoneOffset": "+00:00",
   "action": "ADD", "bizStep": "packing", "parentID": "urn:epc:id:sscc:9506000.0000000001",
   "childEPCs": ["urn:epc:id:sgtin:9506000.013438.1002"],
   "childQuantityList": [{"epcClass": "urn:epc:class:lgtin:9506000.013438.BR-3", "quantity": 5}]},
  {"type": "AssociationEvent", "eventID": "m-5", "eventTime": "2024-04-01T07:30:00Z", "eventTimeZoneOffset": "+00:00",
   "action": "ADD", "bizStep": "assembling", "parentID": "urn:epc:id:grai:9506000.12345.1",
   "childQuantityList": [{"epcClass": "urn:epc:class:lgtin:9506000.013438.BR-3", "quantity": 2}]},
  {"type": "TransactionEvent", "eventID": "m-6", "eventTime": "2024-04-01T10:00:00Z", "eventTimeZoneOffset": "+00:00",
   "action": "ADD", "bizStep": "shipping",
   "bizTransactionList": [{"type": "po", "bizTransaction": "urn:epcglobal:cbv:bt:9506000000012:PO-7"}, {"type": "inv", "bizTransaction": "INV-7"}],
   "destinationList": [{"type": "possessing_party", "destination": "Shop C"}],
   "quantityList": [{"epcClass": "https://id.gs1.org/01/09506000134383/10/BR-3", "quantity": 3}]},
  {"type": "ObjectEvent", "eventID": "m-7", "eventTime": "2024-04-01T11:00:00Z", "eventTimeZoneOffset": "+00:00",
   "action": "OBSERVE", "bizStep": "inspecting", "quantityList": [{"epcClass": "https://id.gs1.org/01/09506000134383/10/BR-3"}]},
  {"type": "ObjectEvent", "eventID": "m-8", "eventTime": "2024-04-01T12:00:00Z", "eventTimeZoneOffset": "+00:00",
   "action": "OBSERVE", "bizStep": "urn:epcglobal:cbv:bizstep:storing", "disposition": "urn:epcglobal:cbv:disp:in_progress",
   "bizLocation": {"id": "cold store"}, "quantityList": [{"epcClass": "https://id.gs1.org/01/09506000134383/10/BR-3"}]},
  {"type": "ObjectEvent", "eventID": "m-9", "eventTime": "2024-04-01T13:00:00Z", "eventTimeZoneOffset": "+00:00",
   "action": "DELETE", "bizStep": "https://ref.gs1.org/cbv/BizStep-destroying", "quantityList": [{"epcClass": "https://id.gs1.org/01/09506000134383/10/BR-3", "quantity": 1}]},
  {"type": "ObjectEvent", "eventID": "m-10", "eventTime": "2024-04-01T14:00:00Z", "eventTimeZoneOffset": "+00:00",
   "action": "OBSERVE", "bizStep": "receiving",
   "quantityList": [{"epcClass": "urn:gdst:example.org:product:lot:class:processor.2u.v1-0122-2022", "quantity": 100, "uom": "KGM"}],
   "sourceList": [{"type": "owning_party", "source": "urn:gdst:example.org:party:vessel.1"},
                  {"type": "location", "source": "urn:gdst:example.org:location:loc:vessel.1"}]},
  {"type": "ObjectEvent", "eventID": "m-11", "eventTime": "2024-04-01T15:00:00Z", "eventTimeZoneOffset": "+00:00",
   "action": "OBSERVE", "bizStep": "holding", "epcList": ["https://example.com/product/123"]},
  {"type": "ObjectEvent", "eventID": "m-12", "eventTime": "2024-04-01T16:00:00Z", "eventTimeZoneOffset": "+00:00",
   "action": "OBSERVE", "bizStep": "receiving", "sourceList": [{"type": "owning_party", "source": "Mill"}],
   "quantityList": [{"epcClass": "https://id.gs1.org/01/09506000134376/10/DG-1", "quantity": 4}]}]}}$doc$ AS mixed \gset
SELECT position, event_id, event_type, outcome, reason, lottrace_event_id IS NOT NULL AS has_event
  FROM epcis_import_report(:'mixed') ORDER BY id;
SELECT item, code, expires_at, attributes ->> 'product_description' AS description FROM lots ORDER BY item, code;
SELECT attributes ->> 'epcis_event_id' AS epcis_id, kind, location, partner, reference_type, reference,
	   attributes - 'epcis_event_id' AS attributes
  FROM events ORDER BY id;
SELECT e.attributes ->> 'epcis_event_id' AS epcis_id, l.code, el.role, el.quantity, el.uom
  FROM event_lots el JOIN events e ON e.id = el.event_id JOIN lots l ON l.id = el.lot_id
 ORDER BY e.id, l.code;
SELECT item, serial, code, event_id FROM epcis_serials ORDER BY serial;
-- again: what was imported is not imported twice, what was skipped is
-- skipped again; epcis_import counts the events imported
SELECT outcome, count(*) FROM epcis_import_report(:'mixed') GROUP BY outcome ORDER BY outcome;
SELECT epcis_import(:'mixed') AS imported_again, (SELECT count(*) FROM events) AS events;
-- the log keeps the three reports: 9 + 1 + 2 of the first, 10 + 2 of each other
SELECT outcome, count(*) FROM epcis_import_log WHERE event_id LIKE 'm-%' GROUP BY outcome ORDER BY outcome;
TRUNCATE epcis_imported, epcis_import_log, epcis_serials, event_lots, links, lot_status_log, events, lots RESTART IDENTITY CASCADE;

--
-- transformationID: the inputs and the outputs of one transformation in
-- separate TransformationEvents, here in separate documents
--
-- flour 9506000.013435, salt .013436, dough .013437
SELECT epcis_import('{"type": "EPCISDocument", "epcisBody": {"eventList": [
	{"type": "TransformationEvent", "eventID": "t-in", "eventTime": "2024-05-01T06:00:00Z", "transformationID": "urn:uuid:tf-1",
	 "bizStep": "transforming", "inputQuantityList": [{"epcClass": "urn:epc:class:lgtin:9506000.013435.FL-9", "quantity": 50, "uom": "KGM"},
													   {"epcClass": "urn:epc:class:lgtin:9506000.013436.SA-9", "quantity": 1, "uom": "KGM"}]}]}}') AS inputs;
SELECT count(*) AS links FROM links;
SELECT epcis_import('{"type": "EPCISDocument", "epcisBody": {"eventList": [
	{"type": "TransformationEvent", "eventID": "t-out", "eventTime": "2024-05-01T08:00:00Z", "transformationID": "urn:uuid:tf-1",
	 "bizStep": "transforming", "outputQuantityList": [{"epcClass": "urn:epc:class:lgtin:9506000.013437.DG-9", "quantity": 52, "uom": "KGM"}]},
	{"type": "TransformationEvent", "eventID": "t-out-2", "eventTime": "2024-05-01T09:00:00Z", "transformationID": "urn:uuid:tf-1",
	 "bizStep": "transforming", "outputQuantityList": [{"epcClass": "urn:epc:class:lgtin:9506000.013437.DG-10", "quantity": 10, "uom": "KGM"}]},
	{"type": "TransformationEvent", "eventID": "t-other", "eventTime": "2024-05-01T09:00:00Z", "transformationID": "urn:uuid:tf-2",
	 "bizStep": "transforming", "outputQuantityList": [{"epcClass": "urn:epc:class:lgtin:9506000.013437.DG-11"}]}]}}') AS outputs;
CREATE TEMPORARY VIEW link_list AS
SELECT p.code AS parent, c.code AS child, k.quantity, k.kind, k.linked_at, e.attributes ->> 'epcis_event_id' AS event
  FROM links k JOIN lots p ON p.id = k.parent_id JOIN lots c ON c.id = k.child_id LEFT JOIN events e ON e.id = k.event_id;
SELECT * FROM link_list ORDER BY parent, child;
SELECT e.attributes ->> 'epcis_event_id' AS epcis_id, e.attributes ->> 'transformationID' AS transformation, l.code, el.role, el.quantity
  FROM event_lots el JOIN events e ON e.id = el.event_id JOIN lots l ON l.id = el.lot_id ORDER BY e.id, l.code;
-- the inputs declared erroneous: the links they made go with them; a
-- corrected input event links the new input to both outputs
SELECT position, event_id, outcome, reason FROM epcis_import_report('{"type": "EPCISDocument", "epcisBody": {"eventList": [
	{"type": "TransformationEvent", "eventID": "t-in", "eventTime": "2024-05-01T06:00:00Z", "transformationID": "urn:uuid:tf-1",
	 "bizStep": "transforming", "inputQuantityList": [{"epcClass": "urn:epc:class:lgtin:9506000.013435.FL-9", "quantity": 50, "uom": "KGM"},
													   {"epcClass": "urn:epc:class:lgtin:9506000.013436.SA-9", "quantity": 1, "uom": "KGM"}],
	 "errorDeclaration": {"declarationTime": "2024-05-02T00:00:00Z", "reason": "urn:epcglobal:cbv:er:incorrect_data", "correctiveEventIDs": ["t-in-2"]}},
	{"type": "TransformationEvent", "eventID": "t-in-2", "eventTime": "2024-05-01T06:00:00Z", "transformationID": "urn:uuid:tf-1",
	 "bizStep": "transforming", "inputQuantityList": [{"epcClass": "urn:epc:class:lgtin:9506000.013435.FL-8", "quantity": 50, "uom": "KGM"}]}]}}') ORDER BY id;
SELECT * FROM link_list ORDER BY parent, child;
SELECT count(*) AS events_of_t_in FROM events WHERE attributes ->> 'epcis_event_id' = 't-in';
TRUNCATE epcis_imported, epcis_import_log, epcis_serials, event_lots, links, lot_status_log, events, lots RESTART IDENTITY CASCADE;

--
-- errorDeclaration: the declared event is retracted, exactly what it wrote
-- is removed, and it is never imported again
--
CREATE TEMPORARY VIEW store_digest AS
SELECT md5(string_agg(line, E'\n' ORDER BY line)) AS digest, count(*) AS facts FROM (
	SELECT format('event %s %s %s %s', e.kind, e.occurred_at, e.partner, e.attributes) AS line FROM events e
	UNION ALL
	SELECT format('event_lot %s %s %s %s', e.attributes ->> 'epcis_event_id', el.lot_id, el.role, el.quantity)
	  FROM event_lots el JOIN events e ON e.id = el.event_id
	UNION ALL
	SELECT format('link %s %s %s', k.parent_id, k.child_id, k.quantity) FROM links k
	UNION ALL
	SELECT format('serial %s %s %s', s.item, s.serial, s.code) FROM epcis_serials s) facts;
SELECT epcis_import('{"type": "EPCISDocument", "epcisBody": {"eventList": [
	{"type": "ObjectEvent", "eventID": "e-0", "eventTime": "2024-06-01T06:00:00Z", "action": "ADD", "bizStep": "commissioning",
	 "quantityList": [{"epcClass": "urn:epc:class:lgtin:9506000.013438.BR-4", "quantity": 20}]}]}}') AS before_it;
SELECT digest AS before, facts FROM store_digest \gset
SELECT facts AS facts_before FROM store_digest;
\set erroneous '{"type": "ObjectEvent", "eventID": "e-1", "eventTime": "2024-06-01T07:00:00Z", "action": "ADD", "bizStep": "commissioning", "epcList": ["urn:epc:id:sgtin:9506000.013438.3001", "urn:epc:id:sgtin:9506000.013438.3002"], "ilmd": {"cbvmda:lotNumber": "BR-4"}}'
\set shipment '{"type": "ObjectEvent", "eventID": "e-2", "eventTime": "2024-06-01T09:00:00Z", "action": "OBSERVE", "bizStep": "shipping", "destinationList": [{"type": "location", "destination": "Shop D"}], "epcList": ["urn:epc:id:sgtin:9506000.013438.3001"]}'
SELECT epcis_import(jsonb_build_object('type', 'EPCISDocument', 'epcisBody', jsonb_build_object('eventList',
	jsonb_build_array(:'erroneous'::jsonb, :'shipment'::jsonb)))) AS imported;
SELECT facts AS facts_with_it FROM store_digest;
-- the declaration: the serials it gave are unknown again, so the shipment
-- of one of them is now the only fact about 3001 (it stays: it was
-- imported on what was known then)
SELECT position, event_id, outcome, reason FROM epcis_import_report(jsonb_build_object('type', 'EPCISDocument', 'epcisBody', jsonb_build_object('eventList',
	jsonb_build_array(:'erroneous'::jsonb || '{"errorDeclaration": {"declarationTime": "2024-06-02T00:00:00Z", "reason": "incorrect_data"}}')))) ORDER BY id;
SELECT event_id, lottrace_event_id, retracted_at IS NOT NULL AS retracted FROM epcis_imported ORDER BY event_id;
SELECT count(*) AS serials FROM epcis_serials;
-- without the shipment, the store is what it was before the erroneous event
SELECT position, event_id, outcome, reason FROM epcis_import_report(jsonb_build_object('type', 'EPCISDocument', 'epcisBody', jsonb_build_object('eventList',
	jsonb_build_array(:'shipment'::jsonb || '{"errorDeclaration": {"declarationTime": "2024-06-02T00:00:00Z"}}')))) ORDER BY id;
SELECT digest = :'before' AS as_before, facts FROM store_digest;
-- the erroneous event and its declaration, sent again: nothing changes
SELECT position, event_id, outcome, reason FROM epcis_import_report(jsonb_build_object('type', 'EPCISDocument', 'epcisBody', jsonb_build_object('eventList',
	jsonb_build_array(:'erroneous'::jsonb, :'erroneous'::jsonb || '{"errorDeclaration": {"declarationTime": "2024-06-02T00:00:00Z"}}')))) ORDER BY id;
SELECT digest = :'before' AS still_as_before FROM store_digest;
-- a declaration that arrives first: the event is never imported; one
-- without eventID names nothing
SELECT position, event_id, outcome, reason FROM epcis_import_report('{"type": "EPCISDocument", "epcisBody": {"eventList": [
	{"type": "ObjectEvent", "eventID": "e-3", "eventTime": "2024-06-03T07:00:00Z", "action": "OBSERVE", "bizStep": "shipping",
	 "quantityList": [{"epcClass": "urn:epc:class:lgtin:9506000.013438.BR-4"}], "errorDeclaration": {"declarationTime": "2024-06-03T08:00:00Z"}},
	{"type": "ObjectEvent", "eventID": "e-3", "eventTime": "2024-06-03T07:00:00Z", "action": "OBSERVE", "bizStep": "shipping",
	 "quantityList": [{"epcClass": "urn:epc:class:lgtin:9506000.013438.BR-4"}]},
	{"type": "ObjectEvent", "eventTime": "2024-06-03T07:00:00Z", "action": "OBSERVE", "bizStep": "shipping",
	 "quantityList": [{"epcClass": "urn:epc:class:lgtin:9506000.013438.BR-4"}], "errorDeclaration": {"declarationTime": "2024-06-03T08:00:00Z"}}]}}') ORDER BY id;
SELECT digest = :'before' AS unchanged FROM store_digest;
TRUNCATE epcis_imported, epcis_import_log, epcis_serials, event_lots, links, lot_status_log, events, lots RESTART IDENTITY CASCADE;

--
-- An EPCISQueryDocument, the answer to an EPCIS query (what the /events
-- resource of EPCIS's REST interface returns): its events, under
-- epcisBody.queryResults.resultsBody.eventList, are imported as an
-- EPCISDocument's, and its master data, beside them in the resultsBody's
-- vocabularyList, as an EPCISDocument's header.
--
SELECT $doc$
{"@context": ["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"],
  "type": "EPCISQueryDocument", "schemaVersion": "2.0", "creationDate": "2024-07-02T10:00:00Z",
  "epcisBody": {"queryResults": {"queryName": "SimpleEventQuery", "subscriptionID": "sub-7", "resultsBody": {
   "eventList": [
    {"type": "ObjectEvent", "eventID": "urn:example:q-1", "eventTime": "2024-07-01T06:00:00Z", "eventTimeZoneOffset": "+00:00",
     "action": "ADD", "bizStep": "commissioning", "bizLocation": {"id": "urn:epc:id:sgln:9506000.00001.0"},
     "quantityList": [{"epcClass": "urn:epc:class:lgtin:9506000.013435.FL-Q", "quantity": 100, "uom": "KGM"}]},
    {"type": "TransformationEvent", "eventID": "urn:example:q-2", "eventTime": "2024-07-01T08:00:00Z", "eventTimeZoneOffset": "+00:00",
     "bizStep": "commissioning", "bizLocation": {"id": "urn:epc:id:sgln:9506000.00001.0"},
     "inputQuantityList": [{"epcClass": "urn:epc:class:lgtin:9506000.013435.FL-Q", "quantity": 40, "uom": "KGM"}],
     "outputQuantityList": [{"epcClass": "https://id.gs1.org/01/09506000134376/10/DG-Q", "quantity": 45, "uom": "KGM"}]},
    {"type": "ObjectEvent", "eventID": "urn:example:q-3", "eventTime": "2024-07-01T10:00:00Z", "eventTimeZoneOffset": "+00:00",
     "action": "OBSERVE", "bizStep": "shipping", "epcList": ["urn:epc:id:sscc:9506000.0000000002"]},
    {"type": "ObjectEvent", "eventID": "urn:example:q-4", "eventTime": "2024-07-01T11:00:00Z", "eventTimeZoneOffset": "+00:00",
     "action": "OBSERVE", "bizStep": "shipping",
     "destinationList": [{"type": "owning_party", "destination": "urn:epc:id:pgln:9506000.00010"}],
     "quantityList": [{"epcClass": "https://id.gs1.org/01/09506000134376/10/DG-Q", "quantity": 45, "uom": "KGM"}]}],
   "vocabularyList": [{"type": "urn:epcglobal:epcis:vtype:EPCClass", "vocabularyElementList": [
    {"id": "urn:epc:class:lgtin:9506000.013435.FL-Q",
     "attributes": [{"id": "urn:epcglobal:cbv:mda#itemExpirationDate", "attribute": "2024-12-31"}]},
    {"id": "https://id.gs1.org/01/09506000134376/10/DG-Q",
     "attributes": [{"id": "urn:epcglobal:cbv:mda#descriptionShort", "attribute": "Dough"}]},
    {"id": "urn:epc:id:sscc:9506000.0000000002"}]}]}}}}$doc$ AS query_document \gset
-- what GS1's JSON Schema refuses is refused, and nothing is written (not even
-- the master data, which is read first): no query results, no query name
-- or one that is no string, a subscription id that is no string, no results
-- body, an event list that is no list, the header of an EPCISDocument, the
-- body of an EPCISDocument; an event that does not read, after good ones
SELECT epcis_import(:'query_document'::jsonb #- '{epcisBody,queryResults}');
SELECT epcis_import(jsonb_set(:'query_document', '{epcisBody,queryResults}', '[]'));
SELECT epcis_import(:'query_document'::jsonb #- '{epcisBody,queryResults,queryName}');
SELECT epcis_import(jsonb_set(:'query_document', '{epcisBody,queryResults,queryName}', '42'));
SELECT epcis_import(jsonb_set(:'query_document', '{epcisBody,queryResults,subscriptionID}', '7'));
SELECT epcis_import(:'query_document'::jsonb #- '{epcisBody,queryResults,resultsBody}');
SELECT epcis_import(jsonb_set(:'query_document', '{epcisBody,queryResults,resultsBody,eventList}', '{}'));
SELECT epcis_import(:'query_document'::jsonb || '{"epcisHeader": {"epcisMasterData": {"vocabularyList": []}}}');
SELECT epcis_import(jsonb_set(:'query_document', '{epcisBody}', '{"eventList": []}'));
SELECT epcis_import(jsonb_set(:'query_document', '{epcisBody,queryResults,resultsBody,eventList,3,eventTime}', '"noon"'));
SELECT (SELECT count(*) FROM lots) AS lots, (SELECT count(*) FROM events) AS events,
	   (SELECT count(*) FROM epcis_imported) AS claimed, (SELECT count(*) FROM epcis_import_log) AS reported;
-- (the last one drew lot ids before it failed: start again from 1 for the
-- comparison below)
TRUNCATE epcis_imported, epcis_import_log, epcis_serials, event_lots, links, lot_status_log, events, lots RESTART IDENTITY CASCADE;
-- flour FL-Q (expiring 2024-12-31) made into dough DG-Q ("Dough"), which is
-- shipped to party 9506000.00010; the shipment of a pallet names no lot
-- and the pallet's master data entry is no lot's: both are skipped
SELECT position, event_id, event_type, outcome, reason, lottrace_event_id IS NOT NULL AS has_event
  FROM epcis_import_report(:'query_document') ORDER BY id;
SELECT item, code, expires_at, attributes ->> 'product_description' AS description FROM lots ORDER BY item, code;
SELECT attributes ->> 'epcis_event_id' AS epcis_id, kind, occurred_at, location, partner FROM events ORDER BY id;
SELECT e.attributes ->> 'epcis_event_id' AS epcis_id, l.code, el.role, el.quantity, el.uom
  FROM event_lots el JOIN events e ON e.id = el.event_id JOIN lots l ON l.id = el.lot_id
 ORDER BY e.id, l.code;
SELECT * FROM link_list ORDER BY parent, child;
SELECT epcis_import(:'query_document') AS imported_again;
-- exactly what the same events and master data in an EPCISDocument give:
-- the same report and the same store
SELECT digest AS from_query, facts FROM store_digest \gset
SELECT string_agg(concat_ws(' ', position, event_id, event_type, outcome, reason), E'\n' ORDER BY id) AS query_report
  FROM (SELECT * FROM epcis_import_log ORDER BY id LIMIT 5) first_report \gset
TRUNCATE epcis_imported, epcis_import_log, epcis_serials, event_lots, links, lot_status_log, events, lots RESTART IDENTITY CASCADE;
SELECT count(*) AS imported_from_document
  FROM epcis_import_report(jsonb_build_object('type', 'EPCISDocument',
	'epcisHeader', jsonb_build_object('epcisMasterData', jsonb_build_object('vocabularyList',
		:'query_document'::jsonb #> '{epcisBody,queryResults,resultsBody,vocabularyList}')),
	'epcisBody', jsonb_build_object('eventList', :'query_document'::jsonb #> '{epcisBody,queryResults,resultsBody,eventList}')))
 WHERE outcome = 'imported';
SELECT digest = :'from_query' AS same_store, facts FROM store_digest;
SELECT string_agg(concat_ws(' ', position, event_id, event_type, outcome, reason), E'\n' ORDER BY id) = :'query_report' AS same_report
  FROM epcis_import_log;
TRUNCATE epcis_imported, epcis_import_log, epcis_serials, event_lots, links, lot_status_log, events, lots RESTART IDENTITY CASCADE;
