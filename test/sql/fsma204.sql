--
-- FDA FSMA 204 sortable spreadsheet: the key data elements of harvesting,
-- cooling and initial packing (21 CFR 1.1325, 1.1330) and what is a
-- traceability lot code.  recall.sql checks the columns every event has.
--
SET search_path = lottrace, public;
SET TimeZone = 'UTC';
SET DateStyle = ISO;
TRUNCATE epcis_imported, event_lots, links, lot_status_log, events, lots RESTART IDENTITY CASCADE;

-- Romaine: harvested on two fields of one farm (H-1, H-2), cooled, received
-- and initially packed by Pack Inc into TLC-1; a harvest lot given a TLC by
-- the farm itself (H-3, with a TLC source); a salad kit commissioned in an
-- EPCIS document (K-1, nothing harvested behind it); a commissioning by
-- EPCIS of a harvested lot (TLC-2 from H-3), which is an initial packing.
INSERT INTO lots (item, code, uom, tlc_source, attributes) VALUES
	('romaine', 'H-1', 'lb', NULL, '{"variety": "Green Forest"}'),
	('romaine', 'H-2', 'lb', NULL, '{}'),
	('romaine', 'H-3', 'lb', 'Hill Farm, 3 Ridge Rd', '{}'),
	('romaine hearts', 'TLC-1', 'case', 'Pack Inc, 9 Dock Rd', '{"product_description": "romaine hearts, 24 ct"}'),
	('romaine hearts', 'TLC-2', 'case', 'Pack Inc, 9 Dock Rd', '{}'),
	('salad kit', 'K-1', 'each', 'Kit Co, 1 Mill Ln', '{}');
CREATE TEMPORARY TABLE ev (name text PRIMARY KEY, id bigint);
WITH e AS (
	INSERT INTO events (kind, occurred_at, location, partner, reference_type, reference, attributes) VALUES
		('harvest', '2024-05-01 06:00+00', 'Green Farm', 'Cool Co', NULL, NULL,
		 '{"field": "North 3", "harvester_name": "Green Farm LLC", "harvester_phone": "+1 555 0100"}'),
		('harvest', '2024-05-01 07:00+00', 'Green Farm', 'Cool Co', NULL, NULL,
		 '{"field": "South 1", "harvester_name": "Green Farm LLC", "harvester_phone": "+1 555 0100"}'),
		('harvest', '2024-05-01 08:00+00', 'Hill Farm', 'Pack Inc', NULL, NULL, '{"container": "Pond 4"}'),
		('cool', '2024-05-01 10:00+00', 'Cool Co', 'Pack Inc', 'BOL', 'BOL-1', '{}'),
		('receive', '2024-05-02 06:00+00', 'Pack Inc', 'Cool Co', 'BOL', 'BOL-1', '{}'),
		('initial_pack', '2024-05-02 08:00+00', 'Pack Inc', NULL, 'work order', 'P-1', '{}'),
		('initial_pack', '2024-05-03 08:00+00', 'Kit Co', NULL, NULL, NULL,
		 '{"epcis_event_id": "urn:uuid:k1", "epcis_type": "ObjectEvent", "bizStep": "commissioning"}'),
		('initial_pack', '2024-05-03 09:00+00', 'Pack Inc', NULL, NULL, NULL,
		 '{"epcis_event_id": "urn:uuid:t2", "epcis_type": "ObjectEvent", "bizStep": "commissioning"}')
	RETURNING id, kind::text || ' ' || coalesce(reference, attributes ->> 'epcis_event_id', attributes ->> 'field',
											   attributes ->> 'container') AS name)
INSERT INTO ev SELECT name, id FROM e ORDER BY id;
INSERT INTO event_lots (event_id, lot_id, role, quantity, uom)
SELECT ev.id, l.id, v.role::event_lot_role, v.quantity, v.uom
  FROM (VALUES ('harvest North 3', 'H-1', 'subject', 500, 'lb'), ('harvest South 1', 'H-2', 'subject', 300, 'lb'),
			   ('harvest Pond 4', 'H-3', 'subject', 200, 'lb'),
			   ('cool BOL-1', 'H-1', 'subject', 500, 'lb'), ('cool BOL-1', 'H-2', 'subject', 300, 'lb'),
			   ('receive BOL-1', 'H-1', 'subject', 500, 'lb'), ('receive BOL-1', 'H-2', 'subject', 300, 'lb'),
			   ('initial_pack P-1', 'H-1', 'input', 500, 'lb'), ('initial_pack P-1', 'H-2', 'input', 300, 'lb'),
			   ('initial_pack P-1', 'TLC-1', 'output', 30, 'case'),
			   ('initial_pack urn:uuid:k1', 'K-1', 'subject', 100, 'each'),
			   ('initial_pack urn:uuid:t2', 'TLC-2', 'subject', 8, 'case')) v(name, code, role, quantity, uom)
  JOIN ev USING (name) JOIN lots l ON l.code = v.code::lot;
-- TLC-2 was packed from H-3: a link of no event
INSERT INTO links (parent_id, child_id, kind) VALUES (lot_id('romaine', 'H-3'), lot_id('romaine hearts', 'TLC-2'), 'repack');

-- harvesting and cooling: no TLC for a harvest lot without a TLC source (the
-- farm's H-3 is one), the immediate subsequent recipient, the field or
-- container, the harvester; cooling names the farm it was harvested on
SELECT "Critical Tracking Event", "Traceability Lot Code" AS tlc, "Lot Code", "Variety", "Quantity",
	   "Immediate Subsequent Recipient" AS recipient, "Harvest Location", "Field or Growing Area" AS field,
	   "Container Name" AS container, "Harvester Business Name" AS harvester, "Harvester Phone" AS phone
  FROM fsma204_sortable('2024-05-01', '2024-05-01') ORDER BY "Event Id", "Lot Code";
-- initial packing: the receipt (date received; commodity and quantity on the
-- input rows), the harvest (farm, fields, harvester, date) and the cooling
-- (location, date) of what was packed, on every row of the event; an EPCIS
-- commissioning with nothing harvested behind it is a transformation, one of
-- a harvested lot an initial packing
SELECT "Critical Tracking Event", "Traceability Lot Code" AS tlc, "Traceability Lot Code Source" AS tlc_source,
	   "Product Description", "Role", "Quantity", "Unit of Measure" AS uom, "Date Received" AS received,
	   "Harvest Location", "Field or Growing Area" AS field, "Harvester Business Name" AS harvester,
	   "Harvest Date", "Cooling Location" AS cooler, "Cooling Date"
  FROM fsma204_sortable('2024-05-02', '2024-05-03') ORDER BY "Event Id", "Role", "Lot Code";
-- the KDEs an event records itself take precedence over those found on the
-- harvest and cooling events
UPDATE events SET attributes = '{"harvest_location": "Green Farm, Salinas CA", "cooling_date": "2024-05-01 10:30", "received_at": "2024-05-02 05:45"}'
 WHERE id = (SELECT id FROM ev WHERE name = 'initial_pack P-1');
SELECT DISTINCT "Harvest Location", "Cooling Date", "Date Received"
  FROM fsma204_sortable('2024-05-02', '2024-05-02') WHERE "Critical Tracking Event" = 'Initial Packing';

TRUNCATE epcis_imported, event_lots, links, lot_status_log, events, lots RESTART IDENTITY CASCADE;
