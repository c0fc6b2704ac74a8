--------------------------------------------------------------------------
-- FDA FSMA 204
--------------------------------------------------------------------------
-- FDA FSMA 204: the key data elements of every critical tracking event, one
-- row per event and lot, for the electronic sortable spreadsheet.
CREATE FUNCTION lottrace.fsma204_sortable(from_date date, to_date date,
										  tlcs lottrace.lot[] DEFAULT NULL)
	RETURNS TABLE (
		"Traceability Lot Code" lottrace.lot,
		"Traceability Lot Code Source" text,
		"Product Description" text,
		"Quantity" numeric,
		"Unit of Measure" text,
		"Critical Tracking Event" text,
		"Role" text,
		"Event Date" date,
		"Event Time" time,
		"Location Description" text,
		"Ship-From Location" text,
		"Ship-To Location" text,
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
	SELECT l.code,
		   l.tlc_source,
		   coalesce(l.attributes ->> 'product_description', l.item),
		   el.quantity,
		   coalesce(el.uom, l.uom),
		   CASE e.kind
				WHEN 'harvest' THEN 'Harvesting'
				WHEN 'cool' THEN 'Cooling'
				WHEN 'initial_pack' THEN 'Initial Packing'
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
		   e.reference_type,
		   e.reference,
		   e.id
	  FROM lottrace.events e
	  JOIN lottrace.event_lots el ON el.event_id = e.id
	  JOIN lottrace.lots l ON l.id = el.lot_id
	 WHERE e.kind IN ('harvest', 'cool', 'initial_pack', 'first_receive', 'receive', 'ship', 'transform')
	   AND e.occurred_at >= fsma204_sortable.from_date::timestamptz
	   AND e.occurred_at < (fsma204_sortable.to_date + 1)::timestamptz
	   AND (fsma204_sortable.tlcs IS NULL OR l.code OPERATOR(lottrace.=) ANY (fsma204_sortable.tlcs))
	 ORDER BY (e.occurred_at)::date, l.code, e.occurred_at, e.id, el.role;
END
$$;
COMMENT ON FUNCTION lottrace.fsma204_sortable(date, date, lottrace.lot[]) IS
	'FDA FSMA 204 electronic sortable spreadsheet: one row per critical tracking event and lot, key data elements as columns';
