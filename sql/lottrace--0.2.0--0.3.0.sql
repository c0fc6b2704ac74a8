-- lottrace 0.2.0 -> 0.3.0
--
-- Brings an installed 0.2.0 to exactly what a fresh install of 0.3.0 creates
-- (test/t/020_upgrade.pl compares the two catalogs object by object).  An
-- installed 0.1.0 gets here through lottrace--0.1.0--0.2.0.sql first.
--
-- One block per topic, each under a header naming it.

\echo Use "ALTER EXTENSION lottrace UPDATE TO '0.3.0'" to load this file. \quit

--------------------------------------------------------------------------
-- EPCIS export and FSMA 204 (issue 14, parts 2-4)
--------------------------------------------------------------------------
-- epcis_export writes documents that validate against the EPCIS 2.0 JSON
-- Schema (CBV business steps, URIs for free text, Recommendation 20 units,
-- CBV transaction types), whole events and the exact lottrace record in
-- lottrace: keys, reading every table by key.  fsma204_sortable has more
-- key data elements: its result columns change, so it is dropped and made
-- anew (it is granted to PUBLIC, as a new function is).

-- EPCIS names locations, parties, business transactions and event ids by
-- URIs.  lottrace keeps them as free text ("bakery", "Shop A", "BOL-881"): a
-- value that already is a URI is written as it is, any other as a URN in
-- lottrace's namespace with the text percent-encoded (RFC 3986), so that
-- the document validates and the text can be read back from it.
CREATE FUNCTION lottrace.epcis_uri(namespace text, value text) RETURNS text
	LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
	SET search_path = pg_catalog, pg_temp
	AS $$
	SELECT CASE WHEN value ~ '^[A-Za-z][A-Za-z0-9+.-]*:[A-Za-z0-9._~:/?#@!$&''()*+,;=-]+$' THEN value
				ELSE 'urn:lottrace:' || namespace || ':'
					 || coalesce((SELECT string_agg(CASE WHEN b BETWEEN 48 AND 57 OR b BETWEEN 65 AND 90
															 OR b BETWEEN 97 AND 122 OR b IN (45, 46, 95, 126)
														THEN chr(b)
														ELSE '%' || upper(lpad(to_hex(b), 2, '0')) END, '' ORDER BY i)
									FROM (SELECT i, get_byte(convert_to(value, 'UTF8'), i) AS b
											FROM generate_series(0, octet_length(convert_to(value, 'UTF8')) - 1) i) bytes), '')
		   END
$$;
COMMENT ON FUNCTION lottrace.epcis_uri(text, text) IS
	'internal to epcis_export: a free-text value as a URI (itself if it is one, else urn:lottrace:<namespace>:<percent-encoded>)';
REVOKE EXECUTE ON FUNCTION lottrace.epcis_uri(text, text) FROM PUBLIC;

-- EPCIS quantities take units of UN/ECE Recommendation 20 (two or three
-- upper-case letters or digits).  A unit already written so is kept; the
-- usual spellings of common units are translated; any other has no code,
-- and the quantity is then left out of the standard quantity list (the exact
-- one travels in lottrace:lots).
CREATE FUNCTION lottrace.epcis_uom(uom text) RETURNS text
	LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
	SET search_path = pg_catalog, pg_temp
	AS $$
	SELECT CASE WHEN uom ~ '^[A-Z0-9]{2,3}$' THEN uom
				ELSE CASE lower(btrim(uom))
					WHEN 'kg' THEN 'KGM' WHEN 'kilogram' THEN 'KGM' WHEN 'kilograms' THEN 'KGM'
					WHEN 'g' THEN 'GRM' WHEN 'gram' THEN 'GRM' WHEN 'grams' THEN 'GRM'
					WHEN 'mg' THEN 'MGM' WHEN 't' THEN 'TNE' WHEN 'tonne' THEN 'TNE'
					WHEN 'lb' THEN 'LBR' WHEN 'lbs' THEN 'LBR' WHEN 'pound' THEN 'LBR' WHEN 'pounds' THEN 'LBR'
					WHEN 'oz' THEN 'ONZ' WHEN 'ounce' THEN 'ONZ'
					WHEN 'l' THEN 'LTR' WHEN 'litre' THEN 'LTR' WHEN 'liter' THEN 'LTR' WHEN 'ml' THEN 'MLT'
					WHEN 'gal' THEN 'GLL' WHEN 'gallon' THEN 'GLL'
					WHEN 'm' THEN 'MTR'
					WHEN 'each' THEN 'EA' WHEN 'ea' THEN 'EA'
					WHEN 'piece' THEN 'H87' WHEN 'pieces' THEN 'H87' WHEN 'pc' THEN 'H87' WHEN 'pcs' THEN 'H87'
					WHEN 'case' THEN 'CS' WHEN 'cases' THEN 'CS' WHEN 'box' THEN 'BX' WHEN 'boxes' THEN 'BX'
				END
		   END
$$;
COMMENT ON FUNCTION lottrace.epcis_uom(text) IS
	'internal to epcis_export: the UN/ECE Recommendation 20 code of a unit, null if it has none';
REVOKE EXECUTE ON FUNCTION lottrace.epcis_uom(text) FROM PUBLIC;

-- A reference document type as a CBV business transaction type: the CBV
-- term for the usual names, else a URI outside the CBV's namespace (which
-- is what the standard allows for other types).
CREATE FUNCTION lottrace.epcis_transaction_type(reference_type text) RETURNS text
	LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
	SET search_path = pg_catalog, pg_temp
	AS $$
	SELECT coalesce(CASE lower(regexp_replace(reference_type, '[^A-Za-z]', '', 'g'))
						WHEN 'bol' THEN 'bol' WHEN 'billoflading' THEN 'bol'
						WHEN 'po' THEN 'po' WHEN 'purchaseorder' THEN 'po'
						WHEN 'asn' THEN 'desadv' WHEN 'desadv' THEN 'desadv' WHEN 'despatchadvice' THEN 'desadv'
						WHEN 'dispatchadvice' THEN 'desadv' WHEN 'advanceshipnotice' THEN 'desadv'
						WHEN 'inv' THEN 'inv' WHEN 'invoice' THEN 'inv'
						WHEN 'wo' THEN 'prodorder' WHEN 'workorder' THEN 'prodorder'
						WHEN 'prodorder' THEN 'prodorder' WHEN 'productionorder' THEN 'prodorder'
						WHEN 'rma' THEN 'rma' WHEN 'recadv' THEN 'recadv' WHEN 'receivingadvice' THEN 'recadv'
						WHEN 'cert' THEN 'cert' WHEN 'certificate' THEN 'cert'
						WHEN 'poc' THEN 'poc' WHEN 'pedigree' THEN 'pedigree'
						WHEN 'testprd' THEN 'testprd' WHEN 'testres' THEN 'testres' WHEN 'upevt' THEN 'upevt'
					END,
					lottrace.epcis_uri('btt', reference_type))
$$;
COMMENT ON FUNCTION lottrace.epcis_transaction_type(text) IS
	'internal to epcis_export: a reference document type as a CBV business transaction type';
REVOKE EXECUTE ON FUNCTION lottrace.epcis_transaction_type(text) FROM PUBLIC;

-- The export works outward from the traced links in steps, each driven by
-- the (small) arrays of the step before and reading every table by key
-- only: a LATERAL subquery per key, which OFFSET 0 keeps from being merged
-- into a join of whole tables, runs once per key.  A fresh bulk import has
-- no statistics, or ones taken when the store was nearly empty, and on the
-- default selectivity of a key without statistics a sequential scan can
-- look as cheap as the index: enable_seqscan is off for the function, so
-- each lookup reads the index whatever the statistics say, and the work
-- stays in proportion to what is exported, not to the store.
CREATE OR REPLACE FUNCTION lottrace.epcis_export(roots bigint[], direction text DEFAULT 'both') RETURNS jsonb
	LANGUAGE plpgsql STABLE
	SET search_path = pg_catalog, pg_temp
	SET enable_seqscan = off
	AS $$
DECLARE
	link_ids bigint[];
	traced_lots bigint[];
	event_ids bigint[];
	all_links bigint[];
	lot_ids bigint[];
	bad record;
	epc_of jsonb;
	master jsonb;
	links_of jsonb;
	events jsonb;
	link_groups jsonb;
BEGIN
	IF epcis_export.direction IS NULL OR epcis_export.direction NOT IN ('forward', 'backward', 'both') THEN
		RAISE EXCEPTION 'direction must be forward, backward or both, not %', coalesce(epcis_export.direction, 'null')
			USING ERRCODE = 'invalid_parameter_value';
	END IF;
	IF epcis_export.roots IS NULL OR cardinality(epcis_export.roots) = 0
	   OR array_position(epcis_export.roots, NULL) IS NOT NULL THEN
		RAISE EXCEPTION 'roots must name at least one lot, and no null ones' USING ERRCODE = 'invalid_parameter_value';
	END IF;

	-- the traced subgraph (trace_edges raises for a root that is not a lot)
	link_ids := ARRAY(SELECT DISTINCT e.link_id FROM lottrace.trace_edges(epcis_export.roots, epcis_export.direction) e);
	traced_lots := ARRAY(SELECT unnest(epcis_export.roots)
						 UNION SELECT unnest(ARRAY[k.parent_id, k.child_id])
								 FROM unnest(link_ids) t(id)
								CROSS JOIN LATERAL (SELECT * FROM lottrace.links k WHERE k.id = t.id OFFSET 0) k);

	-- the events the subgraph touches: those a traced link belongs to, and
	-- those with a traced lot as subject or output (an event that only
	-- consumed a traced lot made something outside the subgraph)
	event_ids := ARRAY(SELECT k.event_id
						 FROM unnest(link_ids) t(id)
						CROSS JOIN LATERAL (SELECT * FROM lottrace.links k WHERE k.id = t.id OFFSET 0) k
						WHERE k.event_id IS NOT NULL
					   UNION
					   SELECT el.event_id
						 FROM unnest(traced_lots) t(id)
						CROSS JOIN LATERAL (SELECT el.event_id FROM lottrace.event_lots el
											 WHERE el.lot_id = t.id AND el.role IN ('subject', 'output') OFFSET 0) el);

	-- whole events: every link of an exported event goes with it (from one
	-- of its inputs or into one of its outputs), and so every lot it names
	all_links := ARRAY(SELECT unnest(link_ids)
					   UNION
					   SELECT k.id
						 FROM unnest(event_ids) t(id)
						CROSS JOIN LATERAL (SELECT el.lot_id, el.role FROM lottrace.event_lots el
											 WHERE el.event_id = t.id OFFSET 0) el
						CROSS JOIN LATERAL (SELECT k.id FROM lottrace.links k
											 WHERE el.role = 'input' AND k.parent_id = el.lot_id AND k.event_id = t.id
											UNION ALL
											SELECT k.id FROM lottrace.links k
											 WHERE el.role = 'output' AND k.child_id = el.lot_id AND k.event_id = t.id
											OFFSET 0) k);
	lot_ids := ARRAY(SELECT unnest(traced_lots)
					 UNION
					 SELECT el.lot_id
					   FROM unnest(event_ids) t(id)
					  CROSS JOIN LATERAL (SELECT el.lot_id FROM lottrace.event_lots el WHERE el.event_id = t.id OFFSET 0) el
					 UNION
					 SELECT unnest(ARRAY[k.parent_id, k.child_id])
					   FROM unnest(all_links) t(id)
					  CROSS JOIN LATERAL (SELECT * FROM lottrace.links k WHERE k.id = t.id OFFSET 0) k);

	SELECT l.item, l.code INTO bad
	  FROM unnest(lot_ids) t(id)
	 CROSS JOIN LATERAL (SELECT * FROM lottrace.lots l WHERE l.id = t.id OFFSET 0) l
	 WHERE NOT (l.item ~ '^[0-9]{14}$' AND lottrace.gtin_valid(l.item) AND lottrace.lot_is_gs1(l.code))
	 ORDER BY l.id LIMIT 1;
	IF FOUND THEN
		RAISE EXCEPTION 'lot "%" of item "%" cannot be written as EPCIS', bad.code, bad.item
			USING ERRCODE = 'invalid_parameter_value',
				  DETAIL = 'EPCIS names a lot by a GTIN-14 and a lot code of at most 20 characters.';
	END IF;

	-- each lot's EPC id: its Digital Link URI, which needs no company prefix length
	SELECT jsonb_object_agg(l.id::text, lottrace.gs1_digital_link(l.item, l.code)) INTO epc_of
	  FROM unnest(lot_ids) t(id)
	 CROSS JOIN LATERAL (SELECT * FROM lottrace.lots l WHERE l.id = t.id OFFSET 0) l;

	-- lot master data
	SELECT coalesce(jsonb_agg(jsonb_build_object('id', epc_of ->> l.id::text, 'attributes', a.attributes)
							  ORDER BY l.item, l.code), '[]')
	  INTO master
	  FROM unnest(lot_ids) t(id)
	 CROSS JOIN LATERAL (SELECT * FROM lottrace.lots l WHERE l.id = t.id OFFSET 0) l
	 CROSS JOIN LATERAL (
			SELECT coalesce(jsonb_agg(jsonb_build_object('id', v.id, 'attribute', v.value) ORDER BY v.id), '[]') AS attributes
			  FROM (VALUES ('urn:epcglobal:cbv:mda#itemExpirationDate', to_jsonb(to_char(l.expires_at, 'YYYY-MM-DD'))),
						   ('urn:epcglobal:cbv:mda#descriptionShort', to_jsonb(l.attributes ->> 'product_description')),
						   ('lottrace:producedAt', to_jsonb(lottrace.epcis_time(l.produced_at))),
						   ('lottrace:quantity', to_jsonb(l.quantity::text)),
						   ('lottrace:uom', to_jsonb(l.uom)),
						   ('lottrace:supplier', to_jsonb(l.supplier)),
						   ('lottrace:tlcSource', to_jsonb(l.tlc_source)),
						   ('lottrace:attributes', CASE WHEN l.attributes <> '{}' THEN l.attributes END)) AS v(id, value)
			 WHERE v.value IS NOT NULL) a;

	-- the links of each exported event, exactly (EPCIS would imply every
	-- input into every output)
	SELECT jsonb_object_agg(s.event_id::text, s.links) INTO links_of
	  FROM (SELECT k.event_id,
				   jsonb_agg(jsonb_strip_nulls(jsonb_build_object(
						'parent', epc_of ->> k.parent_id::text, 'child', epc_of ->> k.child_id::text,
						'quantity', k.quantity, 'uom', k.uom, 'kind', k.kind,
						'linkedAt', lottrace.epcis_time(k.linked_at))) ORDER BY k.id) AS links
			  FROM unnest(all_links) t(id)
			 CROSS JOIN LATERAL (SELECT * FROM lottrace.links k WHERE k.id = t.id OFFSET 0) k
			 WHERE k.event_id IS NOT NULL
			 GROUP BY k.event_id) s;

	-- every touched event, whole.  One with inputs and outputs is a
	-- TransformationEvent, any other an ObjectEvent; the business step is
	-- the CBV's for the event kind, the exact lottrace record travels in
	-- lottrace: extension keys.
	SELECT coalesce(jsonb_agg(s.ev ORDER BY s.occurred_at, s.id), '[]') INTO events
	  FROM (SELECT e.id, e.occurred_at,
				   jsonb_strip_nulls(jsonb_build_object(
					'type', CASE WHEN sides.transformation THEN 'TransformationEvent' ELSE 'ObjectEvent' END,
					'eventID', coalesce(lottrace.epcis_uri('eventid', e.attributes ->> 'epcis_event_id'),
										'urn:lottrace:event:' || e.id),
					'eventTime', lottrace.epcis_time(e.occurred_at),
					'eventTimeZoneOffset', '+00:00',
					-- a kind without a step of its own keeps what it was imported with
					'action', CASE WHEN NOT sides.transformation
								   THEN CASE e.kind WHEN 'harvest' THEN 'ADD' WHEN 'initial_pack' THEN 'ADD'
													WHEN 'dispose' THEN 'DELETE' WHEN 'cool' THEN 'OBSERVE'
													WHEN 'first_receive' THEN 'OBSERVE' WHEN 'receive' THEN 'OBSERVE'
													WHEN 'ship' THEN 'OBSERVE' WHEN 'adjust' THEN 'OBSERVE'
													ELSE CASE WHEN e.attributes ->> 'action' IN ('ADD', 'OBSERVE', 'DELETE')
															  THEN e.attributes ->> 'action' ELSE 'OBSERVE' END END END,
					'bizStep', coalesce(CASE e.kind WHEN 'harvest' THEN 'commissioning' WHEN 'cool' THEN 'storing'
											WHEN 'initial_pack' THEN 'commissioning' WHEN 'transform' THEN 'commissioning'
											WHEN 'first_receive' THEN 'receiving' WHEN 'receive' THEN 'receiving'
											WHEN 'ship' THEN 'shipping' WHEN 'adjust' THEN 'stock_taking'
											WHEN 'dispose' THEN 'destroying' END,
										e.attributes ->> 'bizStep'),
					'disposition', CASE e.kind WHEN 'ship' THEN 'in_transit' WHEN 'dispose' THEN 'destroyed' END,
					'bizLocation', CASE WHEN e.location IS NOT NULL
										THEN jsonb_build_object('id', lottrace.epcis_uri('location', e.location)) END,
					-- partner: who the lots went to (shipping; for harvesting and
					-- cooling the immediate subsequent recipient), or came from
					'destinationList', CASE WHEN e.kind IN ('ship', 'harvest', 'cool') AND e.partner IS NOT NULL
						THEN jsonb_build_array(jsonb_build_object('type', 'owning_party',
																  'destination', lottrace.epcis_uri('party', e.partner))) END,
					'sourceList', CASE WHEN e.kind IN ('receive', 'first_receive') AND e.partner IS NOT NULL
						THEN jsonb_build_array(jsonb_build_object('type', 'owning_party',
																  'source', lottrace.epcis_uri('party', e.partner))) END,
					'bizTransactionList', CASE WHEN e.reference IS NOT NULL
						THEN jsonb_build_array(jsonb_strip_nulls(jsonb_build_object(
								'type', lottrace.epcis_transaction_type(e.reference_type),
								'bizTransaction', lottrace.epcis_uri('bt', e.reference)))) END,
					'quantityList', CASE WHEN NOT sides.transformation THEN sides.standard END,
					'inputQuantityList', CASE WHEN sides.transformation THEN sides.inputs END,
					'outputQuantityList', CASE WHEN sides.transformation THEN sides.outputs END,
					'lottrace:eventKind', e.kind,
					'lottrace:location', e.location,
					'lottrace:partner', e.partner,
					'lottrace:referenceType', e.reference_type,
					'lottrace:reference', e.reference,
					'lottrace:attributes', nullif(e.attributes - ARRAY['epcis_event_id', 'epcis_type', 'bizStep', 'disposition'], '{}'),
					'lottrace:lots', sides.exact,
					'lottrace:links', links_of -> e.id::text)) AS ev
			  FROM unnest(event_ids) t(id)
			 CROSS JOIN LATERAL (SELECT * FROM lottrace.events e WHERE e.id = t.id OFFSET 0) e
			 CROSS JOIN LATERAL (
					SELECT bool_or(q.role = 'input') AND bool_or(q.role = 'output') AS transformation,
						   jsonb_agg(q.entry ORDER BY q.lot_id, q.role) AS standard,
						   jsonb_agg(q.entry ORDER BY q.lot_id) FILTER (WHERE q.role = 'input') AS inputs,
						   jsonb_agg(q.entry ORDER BY q.lot_id) FILTER (WHERE q.role = 'output') AS outputs,
						   jsonb_agg(q.exact ORDER BY q.lot_id, q.role) AS exact
					  FROM (SELECT el.role, el.lot_id,
								   jsonb_strip_nulls(jsonb_build_object(
									'epcClass', epc_of ->> el.lot_id::text,
									'quantity', CASE WHEN el.uom IS NULL OR lottrace.epcis_uom(el.uom) IS NOT NULL THEN el.quantity END,
									'uom', lottrace.epcis_uom(el.uom))) AS entry,
								   jsonb_strip_nulls(jsonb_build_object(
									'epcClass', epc_of ->> el.lot_id::text, 'role', el.role,
									'quantity', el.quantity, 'uom', el.uom)) AS exact
							  FROM lottrace.event_lots el
							 WHERE el.event_id = e.id OFFSET 0) q) sides) s;

	-- links of the subgraph that belong to no event: one links-only
	-- TransformationEvent per child lot and time
	SELECT coalesce(jsonb_agg(s.ev ORDER BY s.linked_at, s.child_id), '[]') INTO link_groups
	  FROM (SELECT k.child_id, k.linked_at,
				   jsonb_build_object(
					'type', 'TransformationEvent',
					'eventID', 'urn:lottrace:links:' || md5(string_agg(k.id::text, ',' ORDER BY k.id)),
					'eventTime', lottrace.epcis_time(k.linked_at),
					'eventTimeZoneOffset', '+00:00',
					'bizStep', CASE WHEN bool_and(k.kind IN ('repack', 'relabel')) THEN 'repackaging' ELSE 'commissioning' END,
					'inputQuantityList', jsonb_agg(DISTINCT jsonb_build_object('epcClass', epc_of ->> k.parent_id::text)),
					'outputQuantityList', jsonb_build_array(jsonb_build_object('epcClass', epc_of ->> k.child_id::text)),
					'lottrace:linksOnly', true,
					'lottrace:links', jsonb_agg(jsonb_strip_nulls(jsonb_build_object(
											'parent', epc_of ->> k.parent_id::text, 'child', epc_of ->> k.child_id::text,
											'quantity', k.quantity, 'uom', k.uom, 'kind', k.kind,
											'linkedAt', lottrace.epcis_time(k.linked_at))) ORDER BY k.id)) AS ev
			  FROM unnest(all_links) t(id)
			 CROSS JOIN LATERAL (SELECT * FROM lottrace.links k WHERE k.id = t.id OFFSET 0) k
			 WHERE k.event_id IS NULL
			 GROUP BY k.child_id, k.linked_at) s;

	RETURN jsonb_build_object(
		'@context', jsonb_build_array('https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld',
									  jsonb_build_object('lottrace', 'urn:lottrace:ns:')),
		'type', 'EPCISDocument',
		'schemaVersion', '2.0',
		'creationDate', lottrace.epcis_time(now()),
		'epcisHeader', jsonb_build_object('epcisMasterData', jsonb_build_object('vocabularyList', jsonb_build_array(
			jsonb_build_object('type', 'urn:epcglobal:epcis:vtype:EPCClass', 'vocabularyElementList', master)))),
		'epcisBody', jsonb_build_object('eventList', events || link_groups));
END
$$;
COMMENT ON FUNCTION lottrace.epcis_export(bigint[], text) IS
	'the traced subgraph and the whole events it touches as a GS1 EPCIS 2.0 JSON document (lots as Digital Link URIs) that epcis_import reads back';

GRANT EXECUTE ON FUNCTION lottrace.epcis_uri(text, text), lottrace.epcis_uom(text),
		lottrace.epcis_transaction_type(text)
	TO lottrace_reader, lottrace_operator, lottrace_admin;

DROP FUNCTION lottrace.fsma204_sortable(date, date, lottrace.lot[]);
-- FDA FSMA 204: the key data elements of every critical tracking event, one
-- row per event and lot, for the electronic sortable spreadsheet.  The KDEs
-- the event and lot columns do not hold come from event attributes (see
-- doc/recall.md): field, container, harvester_name, harvester_phone,
-- harvest_location, harvest_date, cooling_location, cooling_date,
-- received_at; the lot attributes product_description and variety.  What
-- an initial packer or cooler has to report about the harvest, the cooling
-- and the receipt of the food is found on those attributes of its own event
-- first, else on the harvest, cooling and receiving events of the lots that
-- went into the row's lot.
CREATE FUNCTION lottrace.fsma204_sortable(from_date date, to_date date,
										  tlcs lottrace.lot[] DEFAULT NULL)
	RETURNS TABLE (
		"Traceability Lot Code" lottrace.lot,
		"Traceability Lot Code Source" text,
		"Lot Code" lottrace.lot,
		"Product Description" text,
		"Variety" text,
		"Quantity" numeric,
		"Unit of Measure" text,
		"Critical Tracking Event" text,
		"Role" text,
		"Event Date" date,
		"Event Time" time,
		"Location Description" text,
		"Ship-From Location" text,
		"Ship-To Location" text,
		"Immediate Subsequent Recipient" text,
		"Harvest Location" text,
		"Field or Growing Area" text,
		"Container Name" text,
		"Harvester Business Name" text,
		"Harvester Phone" text,
		"Harvest Date" text,
		"Cooling Location" text,
		"Cooling Date" text,
		"Date Received" text,
		"Reference Document Type" text,
		"Reference Document Number" text,
		"Event Id" bigint)
	LANGUAGE plpgsql STABLE
	SET search_path = pg_catalog, pg_temp
	AS $$
BEGIN
	IF fsma204_sortable.from_date IS NULL OR fsma204_sortable.to_date IS NULL THEN
		RAISE EXCEPTION 'from_date and to_date must not be null' USING ERRCODE = 'invalid_parameter_value';
	END IF;
	IF fsma204_sortable.from_date > fsma204_sortable.to_date THEN
		RAISE EXCEPTION 'from_date % is after to_date %', fsma204_sortable.from_date, fsma204_sortable.to_date
			USING ERRCODE = 'invalid_parameter_value';
	END IF;

	RETURN QUERY
	SELECT CASE WHEN NOT harvested.lot OR l.tlc_source IS NOT NULL THEN l.code END,
		   l.tlc_source,
		   l.code,
		   coalesce(l.attributes ->> 'product_description', l.item),
		   l.attributes ->> 'variety',
		   el.quantity,
		   coalesce(el.uom, l.uom),
		   CASE e.kind
				WHEN 'harvest' THEN 'Harvesting'
				WHEN 'cool' THEN 'Cooling'
				-- a lot commissioned in an EPCIS document with nothing
				-- harvested behind it was made, not initially packed
				WHEN 'initial_pack' THEN
					CASE WHEN e.attributes ->> 'bizStep' = 'commissioning'
							  AND NOT e.attributes ?| ARRAY['field', 'container', 'harvester_name', 'harvester_phone',
														   'harvest_location', 'harvest_date']
							  AND harvest.location IS NULL AND harvest.dates IS NULL
						 THEN 'Transformation' ELSE 'Initial Packing' END
				WHEN 'first_receive' THEN 'First Land-Based Receiving'
				WHEN 'receive' THEN 'Receiving'
				WHEN 'ship' THEN 'Shipping'
				WHEN 'transform' THEN 'Transformation'
		   END,
		   CASE el.role WHEN 'input' THEN 'input' WHEN 'output' THEN 'output' END,
		   (e.occurred_at)::date,
		   (e.occurred_at)::time,
		   e.location,
		   CASE e.kind WHEN 'ship' THEN e.location WHEN 'receive' THEN e.partner
					   WHEN 'first_receive' THEN e.partner END,
		   CASE e.kind WHEN 'ship' THEN e.partner WHEN 'receive' THEN e.location
					   WHEN 'first_receive' THEN e.location END,
		   CASE WHEN e.kind IN ('harvest', 'cool') THEN e.partner END,
		   CASE e.kind WHEN 'harvest' THEN e.location
					   ELSE coalesce(e.attributes ->> 'harvest_location', harvest.location) END,
		   coalesce(e.attributes ->> 'field', harvest.field),
		   coalesce(e.attributes ->> 'container', harvest.container),
		   coalesce(e.attributes ->> 'harvester_name', harvest.harvester_name),
		   coalesce(e.attributes ->> 'harvester_phone', harvest.harvester_phone),
		   CASE WHEN e.kind <> 'harvest' THEN coalesce(e.attributes ->> 'harvest_date', harvest.dates) END,
		   coalesce(e.attributes ->> 'cooling_location', cooling.location),
		   coalesce(e.attributes ->> 'cooling_date', cooling.dates),
		   coalesce(e.attributes ->> 'received_at', receipt.dates),
		   e.reference_type,
		   e.reference,
		   e.id
	  FROM lottrace.events e
	  JOIN lottrace.event_lots el ON el.event_id = e.id
	  JOIN lottrace.lots l ON l.id = el.lot_id
	 -- a harvested lot's code is the harvester's, not a traceability lot
	 -- code, unless a TLC source says where it was assigned as one
	 CROSS JOIN LATERAL (
			SELECT EXISTS (SELECT FROM lottrace.event_lots hel JOIN lottrace.events h ON h.id = hel.event_id
							WHERE hel.lot_id = l.id AND hel.role IN ('subject', 'output') AND h.kind = 'harvest') AS lot) harvested
	 -- the lots the harvest, cooling and receipt KDEs of a cooling or an
	 -- initial packing row are about: the row's lot, the event's inputs and
	 -- the row lot's parents
	 CROSS JOIN LATERAL (
			SELECT CASE WHEN e.kind IN ('cool', 'initial_pack') THEN ARRAY(
						SELECT l.id
						UNION SELECT i.lot_id FROM lottrace.event_lots i WHERE i.event_id = e.id AND i.role = 'input'
						UNION SELECT k.parent_id FROM lottrace.links k WHERE k.child_id = l.id) END AS lots) source
	 CROSS JOIN LATERAL (
			SELECT string_agg(DISTINCT h.location, '; ') AS location,
				   string_agg(DISTINCT h.attributes ->> 'field', '; ') AS field,
				   string_agg(DISTINCT h.attributes ->> 'container', '; ') AS container,
				   string_agg(DISTINCT h.attributes ->> 'harvester_name', '; ') AS harvester_name,
				   string_agg(DISTINCT h.attributes ->> 'harvester_phone', '; ') AS harvester_phone,
				   string_agg(DISTINCT to_char(h.occurred_at, 'YYYY-MM-DD'), '; ') AS dates
			  FROM unnest(source.lots) s(lot_id)
			  JOIN lottrace.event_lots hel ON hel.lot_id = s.lot_id AND hel.role IN ('subject', 'output')
			  JOIN lottrace.events h ON h.id = hel.event_id AND h.kind = 'harvest') harvest
	 CROSS JOIN LATERAL (
			SELECT string_agg(DISTINCT c.location, '; ') AS location,
				   string_agg(DISTINCT to_char(c.occurred_at, 'YYYY-MM-DD'), '; ') AS dates
			  FROM unnest(source.lots) s(lot_id)
			  JOIN lottrace.event_lots cel ON cel.lot_id = s.lot_id
			  JOIN lottrace.events c ON c.id = cel.event_id AND c.kind = 'cool' AND c.id <> e.id
			 WHERE e.kind = 'initial_pack') cooling
	 CROSS JOIN LATERAL (
			SELECT string_agg(DISTINCT to_char(r.occurred_at, 'YYYY-MM-DD'), '; ') AS dates
			  FROM unnest(source.lots) s(lot_id)
			  JOIN lottrace.event_lots rel ON rel.lot_id = s.lot_id
			  JOIN lottrace.events r ON r.id = rel.event_id AND r.kind IN ('receive', 'first_receive')
			 WHERE e.kind = 'initial_pack' AND r.occurred_at <= e.occurred_at) receipt
	 WHERE e.kind IN ('harvest', 'cool', 'initial_pack', 'first_receive', 'receive', 'ship', 'transform')
	   AND e.occurred_at >= fsma204_sortable.from_date::timestamptz
	   AND e.occurred_at < (fsma204_sortable.to_date + 1)::timestamptz
	   AND (fsma204_sortable.tlcs IS NULL OR l.code OPERATOR(lottrace.=) ANY (fsma204_sortable.tlcs))
	 ORDER BY (e.occurred_at)::date, l.code, e.occurred_at, e.id, el.role;
END
$$;
COMMENT ON FUNCTION lottrace.fsma204_sortable(date, date, lottrace.lot[]) IS
	'FDA FSMA 204 electronic sortable spreadsheet: one row per critical tracking event and lot, key data elements as columns';
