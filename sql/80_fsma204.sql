--------------------------------------------------------------------------
-- FDA FSMA 204
--------------------------------------------------------------------------
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
