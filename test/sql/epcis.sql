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
SELECT epcis_import('{"type": "EPCISDocument"}');
SELECT epcis_import('{"type": "EPCISDocument", "epcisBody": {"eventList": {}}}');
SELECT epcis_import('{"type": "EPCISDocument", "epcisBody": {"eventList": [42]}}');
SELECT epcis_import('{"type": "EPCISDocument", "epcisBody": {"eventList": [{"type": "AggregationEvent", "eventTime": "2024-03-08T12:00:00Z"}]}}');
SELECT epcis_import('{"type": "EPCISDocument", "epcisBody": {"eventList": [{"type": "ObjectEvent", "action": "ADD", "bizStep": "commissioning"}]}}');
SELECT epcis_import('{"type": "EPCISDocument", "epcisBody": {"eventList": [{"type": "ObjectEvent", "eventTime": "yesterday-ish", "action": "ADD"}]}}');
SELECT epcis_import('{"type": "EPCISDocument", "epcisBody": {"eventList": [{"type": "ObjectEvent", "eventTime": "2024-03-08T12:00:00Z", "action": "DELETE", "bizStep": "shipping"}]}}');
SELECT epcis_import('{"type": "EPCISDocument", "epcisBody": {"eventList": [{"type": "ObjectEvent", "eventTime": "2024-03-08T12:00:00Z", "action": "OBSERVE", "bizStep": "inspecting", "quantityList": [{"epcClass": "https://id.gs1.org/01/09506000134376/10/D1"}]}]}}');
SELECT epcis_import('{"type": "EPCISDocument", "epcisBody": {"eventList": [{"type": "ObjectEvent", "eventTime": "2024-03-08T12:00:00Z", "action": "OBSERVE", "bizStep": "shipping"}]}}');
SELECT epcis_import('{"type": "EPCISDocument", "epcisBody": {"eventList": [{"type": "ObjectEvent", "eventTime": "2024-03-08T12:00:00Z", "action": "OBSERVE", "bizStep": "shipping", "quantityList": [{"epcClass": "urn:epc:class:lgtin:9506000.013435"}]}]}}');
SELECT epcis_import('{"type": "EPCISDocument", "epcisBody": {"eventList": [{"type": "ObjectEvent", "eventTime": "2024-03-08T12:00:00Z", "action": "OBSERVE", "bizStep": "shipping", "quantityList": [{"epcClass": "https://id.gs1.org/01/09506000134377/10/D1"}]}]}}');
SELECT epcis_import('{"type": "EPCISDocument", "epcisBody": {"eventList": [{"type": "ObjectEvent", "eventTime": "2024-03-08T12:00:00Z", "action": "OBSERVE", "bizStep": "shipping", "epcList": ["https://id.gs1.org/01/09506000134376/21/77"]}]}}');
SELECT epcis_import('{"type": "EPCISDocument", "epcisBody": {"eventList": [{"type": "ObjectEvent", "eventTime": "2024-03-08T12:00:00Z", "action": "OBSERVE", "bizStep": "shipping", "epcList": ["urn:epc:id:sgtin:9506000.013437.77"]}]}}');
SELECT epcis_import('{"type": "EPCISDocument", "epcisBody": {"eventList": [{"type": "ObjectEvent", "eventTime": "2024-03-08T12:00:00Z", "action": "OBSERVE", "bizStep": "shipping", "quantityList": [{"epcClass": "https://id.gs1.org/01/09506000134376/10/D1", "quantity": "lots"}]}]}}');
SELECT epcis_import('{"type": "EPCISDocument", "epcisBody": {"eventList": [{"type": "TransformationEvent", "eventTime": "2024-03-08T12:00:00Z", "inputQuantityList": [{"epcClass": "https://id.gs1.org/01/09506000134376/10/D1"}]}]}}');
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
	   NOT EXISTS (SELECT FROM epcis_imported WHERE event_id LIKE 'good-%') AS nothing_claimed
  FROM events;

TRUNCATE epcis_imported, event_lots, links, lot_status_log, events, lots RESTART IDENTITY CASCADE;
