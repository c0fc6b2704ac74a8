--------------------------------------------------------------------------
-- GS1 EPCIS 2.0 import and export
--------------------------------------------------------------------------

-- Imports are idempotent on the EPCIS eventID: every imported one is
-- claimed here first (a concurrent import of the same event waits, then
-- skips it), including TransformationEvents that only carry links.
CREATE TABLE lottrace.epcis_imported (
	event_id text PRIMARY KEY,
	imported_at timestamptz NOT NULL DEFAULT now(),
	lottrace_event_id bigint REFERENCES lottrace.events (id) ON DELETE SET NULL
);
COMMENT ON TABLE lottrace.epcis_imported IS
	'EPCIS eventIDs already imported by epcis_import, and the event each became (if any)';
SELECT pg_catalog.pg_extension_config_dump('lottrace.epcis_imported', '');

-- The lot an EPC class id names: an LGTIN URN or a GS1 Digital Link URI with
-- a GTIN and a lot.  Returns the lot's id, creating the lot if needed.
CREATE FUNCTION lottrace.epcis_lot(epc text, context text) RETURNS bigint
	LANGUAGE plpgsql VOLATILE
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	lot_gtin text;
	lot_code lottrace.lot;
	result bigint;
BEGIN
	IF epc IS NULL THEN
		RAISE EXCEPTION '%: an EPC id is missing', context USING ERRCODE = 'invalid_text_representation';
	END IF;
	BEGIN
		IF epc LIKE 'urn:epc:class:lgtin:%' THEN
			SELECT p.gtin, p.lot INTO lot_gtin, lot_code FROM lottrace.lgtin_parse(epc) p;
		ELSIF epc ~ '^https?://' THEN
			SELECT d.gtin, d.lot INTO lot_gtin, lot_code FROM lottrace.gs1_decode(epc) d;
		ELSE
			RAISE EXCEPTION 'it is neither an LGTIN URN nor a GS1 Digital Link URI'
				USING ERRCODE = 'invalid_text_representation';
		END IF;
	EXCEPTION WHEN invalid_text_representation THEN
		RAISE EXCEPTION '%: EPC id "%": %', context, epc, SQLERRM USING ERRCODE = 'invalid_text_representation';
	END;
	IF lot_gtin IS NULL OR lot_code IS NULL THEN
		RAISE EXCEPTION '%: EPC id "%" names no lot', context, epc
			USING ERRCODE = 'invalid_text_representation',
				  HINT = 'lottrace traces lots: use an LGTIN URN or a Digital Link URI with AI (10).';
	END IF;
	INSERT INTO lottrace.lots (item, code) VALUES (lot_gtin, lot_code) ON CONFLICT (item, code) DO NOTHING;
	SELECT l.id INTO result FROM lottrace.lots l WHERE l.item = lot_gtin AND l.code OPERATOR(lottrace.=) lot_code;
	RETURN result;
END
$$;
COMMENT ON FUNCTION lottrace.epcis_lot(text, text) IS
	'internal to epcis_import: the lot an LGTIN URN or Digital Link URI names, created if new';
REVOKE EXECUTE ON FUNCTION lottrace.epcis_lot(text, text) FROM PUBLIC;

-- The value of a CBV term with or without its URN or URI prefix.
CREATE FUNCTION lottrace.epcis_term(value text) RETURNS text
	LANGUAGE sql IMMUTABLE PARALLEL SAFE
	SET search_path = pg_catalog, pg_temp
	AS $$
	SELECT regexp_replace(value, '^(urn:epcglobal:cbv:[a-z]+:|https://ref\.gs1\.org/cbv/[A-Za-z]+-)', '')
$$;
COMMENT ON FUNCTION lottrace.epcis_term(text) IS
	'internal to epcis_import: a CBV term without its URN or URI prefix';
REVOKE EXECUTE ON FUNCTION lottrace.epcis_term(text) FROM PUBLIC;

-- The lots of one EPCIS quantity list or EPC list, with their quantities.
CREATE FUNCTION lottrace.epcis_list_lots(quantities jsonb, epcs jsonb, context text,
										 OUT lot_id bigint, OUT quantity numeric, OUT uom text, OUT epc text)
	RETURNS SETOF record
	LANGUAGE plpgsql VOLATILE
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	entry jsonb;
	position int := 0;
BEGIN
	IF quantities IS NOT NULL AND jsonb_typeof(quantities) <> 'array' THEN
		RAISE EXCEPTION '%: the quantity list is not an array', context USING ERRCODE = 'invalid_text_representation';
	END IF;
	IF epcs IS NOT NULL AND jsonb_typeof(epcs) <> 'array' THEN
		RAISE EXCEPTION '%: the EPC list is not an array', context USING ERRCODE = 'invalid_text_representation';
	END IF;
	FOR entry IN SELECT value FROM jsonb_array_elements(coalesce(quantities, '[]')) LOOP
		position := position + 1;
		IF jsonb_typeof(entry) <> 'object' OR jsonb_typeof(entry -> 'epcClass') IS DISTINCT FROM 'string' THEN
			RAISE EXCEPTION '%: quantity element % has no epcClass', context, position
				USING ERRCODE = 'invalid_text_representation';
		END IF;
		IF entry ? 'quantity' AND jsonb_typeof(entry -> 'quantity') <> 'number' THEN
			RAISE EXCEPTION '%: the quantity of % is not a number', context, entry ->> 'epcClass'
				USING ERRCODE = 'invalid_text_representation';
		END IF;
		epc := entry ->> 'epcClass';
		lot_id := lottrace.epcis_lot(epc, context);
		quantity := (entry ->> 'quantity')::numeric;
		uom := entry ->> 'uom';
		RETURN NEXT;
	END LOOP;
	FOR entry IN SELECT value FROM jsonb_array_elements(coalesce(epcs, '[]')) LOOP
		IF jsonb_typeof(entry) <> 'string' THEN
			RAISE EXCEPTION '%: an EPC list entry is not a string', context USING ERRCODE = 'invalid_text_representation';
		END IF;
		epc := entry #>> '{}';
		lot_id := lottrace.epcis_lot(epc, context);
		quantity := 1;
		uom := NULL;
		RETURN NEXT;
	END LOOP;
END
$$;
COMMENT ON FUNCTION lottrace.epcis_list_lots(jsonb, jsonb, text) IS
	'internal to epcis_import: the lots of a quantity list and an EPC list';
REVOKE EXECUTE ON FUNCTION lottrace.epcis_list_lots(jsonb, jsonb, text) FROM PUBLIC;

CREATE FUNCTION lottrace.epcis_import(document jsonb) RETURNS integer
	LANGUAGE plpgsql VOLATILE
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	events jsonb := document #> '{epcisBody,eventList}';
	master jsonb := document #> '{epcisHeader,epcisMasterData,vocabularyList}';
	ev jsonb;
	position int := 0;
	imported int := 0;
	context text;
	event_type text;
	epcis_id text;
	biz_step text;
	kind lottrace.event_kind;
	occurred timestamptz;
	new_event bigint;
	location_id text;
	partner_id text;
	transaction jsonb;
	links_only boolean;
	claimed int;
	input_ids bigint[];
	input_quantities numeric[];
	input_uoms text[];
	output_ids bigint[];
	output_quantities numeric[];
	output_uoms text[];
	vocabulary jsonb;
	element jsonb;
	attribute jsonb;
	lot bigint;
BEGIN
	IF document IS NULL OR jsonb_typeof(document) <> 'object' THEN
		RAISE EXCEPTION 'an EPCIS document is a JSON object' USING ERRCODE = 'invalid_text_representation';
	END IF;
	IF document ->> 'type' IS DISTINCT FROM 'EPCISDocument' THEN
		RAISE EXCEPTION 'not an EPCIS document: "type" is %', coalesce('"' || (document ->> 'type') || '"', 'missing')
			USING ERRCODE = 'invalid_text_representation';
	END IF;
	IF events IS NULL OR jsonb_typeof(events) <> 'array' THEN
		RAISE EXCEPTION 'the EPCIS document has no epcisBody.eventList array'
			USING ERRCODE = 'invalid_text_representation';
	END IF;

	-- Lot master data (EPCClass vocabulary): lots and their attributes.
	IF master IS NOT NULL THEN
		FOR vocabulary IN SELECT value FROM jsonb_array_elements(CASE jsonb_typeof(master) WHEN 'array' THEN master ELSE '[]' END) LOOP
			CONTINUE WHEN lottrace.epcis_term(vocabulary ->> 'type') NOT IN ('urn:epcglobal:epcis:vtype:EPCClass', 'EPCClass');
			FOR element IN SELECT value FROM jsonb_array_elements(coalesce(vocabulary -> 'vocabularyElementList', '[]')) LOOP
				lot := lottrace.epcis_lot(element ->> 'id', 'master data');
				FOR attribute IN SELECT value FROM jsonb_array_elements(coalesce(element -> 'attributes', '[]')) LOOP
					CASE attribute ->> 'id'
						WHEN 'urn:epcglobal:cbv:mda#itemExpirationDate' THEN
							UPDATE lottrace.lots SET expires_at = (attribute ->> 'attribute')::date WHERE id = lot;
						WHEN 'lottrace:producedAt' THEN
							UPDATE lottrace.lots SET produced_at = (attribute ->> 'attribute')::timestamptz WHERE id = lot;
						WHEN 'lottrace:quantity' THEN
							UPDATE lottrace.lots SET quantity = (attribute ->> 'attribute')::numeric WHERE id = lot;
						WHEN 'lottrace:uom' THEN
							UPDATE lottrace.lots SET uom = attribute ->> 'attribute' WHERE id = lot;
						WHEN 'lottrace:supplier' THEN
							UPDATE lottrace.lots SET supplier = attribute ->> 'attribute' WHERE id = lot;
						WHEN 'lottrace:tlcSource' THEN
							UPDATE lottrace.lots SET tlc_source = attribute ->> 'attribute' WHERE id = lot;
						ELSE
							NULL;	-- other master data is not kept
					END CASE;
				END LOOP;
			END LOOP;
		END LOOP;
	END IF;

	FOR ev IN SELECT value FROM jsonb_array_elements(events) LOOP
		position := position + 1;
		context := format('EPCIS event %s', position);
		IF jsonb_typeof(ev) <> 'object' THEN
			RAISE EXCEPTION '%: not a JSON object', context USING ERRCODE = 'invalid_text_representation';
		END IF;
		event_type := ev ->> 'type';
		IF event_type IS NULL OR event_type NOT IN ('ObjectEvent', 'TransformationEvent') THEN
			RAISE EXCEPTION '%: event type % is not supported', context, coalesce('"' || (ev ->> 'type') || '"', 'missing')
				USING ERRCODE = 'invalid_text_representation',
					  HINT = 'lottrace imports ObjectEvent and TransformationEvent.';
		END IF;
		BEGIN
			occurred := (ev ->> 'eventTime')::timestamptz;
		EXCEPTION WHEN invalid_datetime_format OR datetime_field_overflow THEN
			RAISE EXCEPTION '%: eventTime "%" is not a date and time', context, ev ->> 'eventTime'
				USING ERRCODE = 'invalid_text_representation';
		END;
		IF occurred IS NULL OR occurred IN ('infinity', '-infinity') THEN
			RAISE EXCEPTION '%: eventTime is missing', context USING ERRCODE = 'invalid_text_representation';
		END IF;
		-- without an eventID, the event's own content identifies it
		epcis_id := coalesce(ev ->> 'eventID', 'lottrace:sha256:' || encode(sha256(convert_to(ev::text, 'UTF8')), 'hex'));
		-- it is claimed in a btree index, whose entries hold about 2.7 kB:
		-- longer, it would fail there as a program limit, not as bad input
		IF octet_length(epcis_id) > 1000 THEN
			RAISE EXCEPTION '%: eventID is longer than 1000 bytes', context
				USING ERRCODE = 'invalid_text_representation';
		END IF;
		context := format('EPCIS event %s (%s)', position, epcis_id);
		INSERT INTO lottrace.epcis_imported (event_id) VALUES (epcis_id) ON CONFLICT DO NOTHING;
		GET DIAGNOSTICS claimed = ROW_COUNT;
		CONTINUE WHEN claimed = 0;

		biz_step := lottrace.epcis_term(ev ->> 'bizStep');
		links_only := coalesce((ev ->> 'lottrace:linksOnly')::boolean, false);
		IF ev ? 'lottrace:eventKind' THEN
			BEGIN
				kind := (ev ->> 'lottrace:eventKind')::lottrace.event_kind;
			EXCEPTION WHEN invalid_text_representation THEN
				RAISE EXCEPTION '%: lottrace:eventKind "%" is not an event kind', context, ev ->> 'lottrace:eventKind'
					USING ERRCODE = 'invalid_text_representation';
			END;
		ELSIF event_type = 'TransformationEvent' THEN
			kind := 'transform';
		ELSE
			IF ev ->> 'action' IS NULL OR ev ->> 'action' NOT IN ('ADD', 'OBSERVE') THEN
				RAISE EXCEPTION '%: action % is not supported', context, coalesce('"' || (ev ->> 'action') || '"', 'missing')
					USING ERRCODE = 'invalid_text_representation',
						  HINT = 'lottrace imports ObjectEvents with action ADD or OBSERVE.';
			END IF;
			kind := CASE biz_step WHEN 'commissioning' THEN 'initial_pack' WHEN 'shipping' THEN 'ship'
								  WHEN 'receiving' THEN 'receive' END;
			IF kind IS NULL THEN
				RAISE EXCEPTION '%: bizStep % is not supported', context, coalesce('"' || (ev ->> 'bizStep') || '"', 'missing')
					USING ERRCODE = 'invalid_text_representation',
						  HINT = 'lottrace imports ObjectEvents of bizStep commissioning, shipping and receiving.';
			END IF;
		END IF;

		location_id := coalesce(ev #>> '{bizLocation,id}', ev #>> '{readPoint,id}');
		partner_id := CASE kind
			WHEN 'ship' THEN ev #>> '{destinationList,0,destination}'
			WHEN 'receive' THEN ev #>> '{sourceList,0,source}'
			WHEN 'first_receive' THEN ev #>> '{sourceList,0,source}'
		END;
		transaction := ev #> '{bizTransactionList,0}';

		new_event := NULL;
		IF NOT links_only THEN
			INSERT INTO lottrace.events (kind, occurred_at, location, partner, reference_type, reference, attributes)
			VALUES (kind, occurred, location_id, partner_id,
					lottrace.epcis_term(transaction ->> 'type'), transaction ->> 'bizTransaction',
					jsonb_strip_nulls(jsonb_build_object('epcis_event_id', epcis_id, 'epcis_type', event_type,
														 'bizStep', biz_step, 'disposition', lottrace.epcis_term(ev ->> 'disposition'))))
			RETURNING id INTO new_event;
			UPDATE lottrace.epcis_imported i SET lottrace_event_id = new_event WHERE i.event_id = epcis_id;
		END IF;

		IF event_type = 'ObjectEvent' THEN
			IF new_event IS NULL THEN
				RAISE EXCEPTION '%: lottrace:linksOnly applies to TransformationEvents', context
					USING ERRCODE = 'invalid_text_representation';
			END IF;
			INSERT INTO lottrace.event_lots AS el (event_id, lot_id, role, quantity, uom)
			SELECT new_event, l.lot_id, 'subject', sum(l.quantity), min(l.uom)
			  FROM lottrace.epcis_list_lots(ev -> 'quantityList', ev -> 'epcList', context) l
			 GROUP BY l.lot_id;
			IF NOT FOUND THEN
				RAISE EXCEPTION '%: the event names no lot', context USING ERRCODE = 'invalid_text_representation';
			END IF;
			-- lot master data carried by a commissioning event
			UPDATE lottrace.lots l SET expires_at = (ev #>> '{ilmd,cbvmda:itemExpirationDate}')::date
			  FROM lottrace.event_lots el
			 WHERE ev #>> '{ilmd,cbvmda:itemExpirationDate}' IS NOT NULL
			   AND el.event_id = new_event AND l.id = el.lot_id;
		ELSE
			SELECT coalesce(array_agg(l.lot_id), '{}'), array_agg(l.quantity), array_agg(l.uom)
			  INTO input_ids, input_quantities, input_uoms
			  FROM lottrace.epcis_list_lots(ev -> 'inputQuantityList', ev -> 'inputEPCList', context || ', inputs') l;
			SELECT coalesce(array_agg(l.lot_id), '{}'), array_agg(l.quantity), array_agg(l.uom)
			  INTO output_ids, output_quantities, output_uoms
			  FROM lottrace.epcis_list_lots(ev -> 'outputQuantityList', ev -> 'outputEPCList', context || ', outputs') l;
			IF cardinality(input_ids) = 0 OR cardinality(output_ids) = 0 THEN
				RAISE EXCEPTION '%: a TransformationEvent needs inputs and outputs', context
					USING ERRCODE = 'invalid_text_representation';
			END IF;
			IF new_event IS NOT NULL THEN
				INSERT INTO lottrace.event_lots (event_id, lot_id, role, quantity, uom)
				SELECT new_event, s.lot_id, s.role, sum(s.quantity), min(s.uom)
				  FROM (SELECT 'input'::lottrace.event_lot_role AS role, u.*
						  FROM unnest(input_ids, input_quantities, input_uoms) AS u(lot_id, quantity, uom)
						UNION ALL
						SELECT 'output', u.*
						  FROM unnest(output_ids, output_quantities, output_uoms) AS u(lot_id, quantity, uom)) s
				 GROUP BY s.lot_id, s.role;
			END IF;

			IF ev ? 'lottrace:links' THEN
				-- the exact links, as lottrace exported them
				IF jsonb_typeof(ev -> 'lottrace:links') <> 'array' THEN
					RAISE EXCEPTION '%: lottrace:links is not an array', context USING ERRCODE = 'invalid_text_representation';
				END IF;
				INSERT INTO lottrace.links (parent_id, child_id, quantity, uom, kind, event_id, linked_at)
				SELECT lottrace.epcis_lot(link ->> 'parent', context), lottrace.epcis_lot(link ->> 'child', context),
					   (link ->> 'quantity')::numeric, link ->> 'uom',
					   coalesce((link ->> 'kind')::lottrace.link_kind, 'consume'), new_event, occurred
				  FROM jsonb_array_elements(ev -> 'lottrace:links') link;
			ELSE
				-- every input went into every output; the input quantity is
				-- what was consumed when there is a single output
				INSERT INTO lottrace.links (parent_id, child_id, quantity, uom, kind, event_id, linked_at)
				SELECT i.lot_id, o.lot_id,
					   CASE WHEN cardinality(output_ids) = 1 THEN i.quantity END,
					   CASE WHEN cardinality(output_ids) = 1 THEN i.uom END,
					   'consume', new_event, occurred
				  FROM (SELECT u.lot_id, sum(u.quantity) AS quantity, min(u.uom) AS uom
						  FROM unnest(input_ids, input_quantities, input_uoms) AS u(lot_id, quantity, uom)
						 GROUP BY u.lot_id) i
				 CROSS JOIN (SELECT DISTINCT u.lot_id FROM unnest(output_ids) AS u(lot_id)) o
				 WHERE i.lot_id <> o.lot_id;
			END IF;
			UPDATE lottrace.lots l SET expires_at = (ev #>> '{ilmd,cbvmda:itemExpirationDate}')::date
			 WHERE ev #>> '{ilmd,cbvmda:itemExpirationDate}' IS NOT NULL AND l.id = ANY (output_ids);
		END IF;
		imported := imported + 1;
	END LOOP;
	RETURN imported;
END
$$;
COMMENT ON FUNCTION lottrace.epcis_import(jsonb) IS
	'imports a GS1 EPCIS 2.0 JSON document: lots, events and links; idempotent on eventID; returns the number of events imported';

-- An instant as EPCIS writes it: UTC, microseconds kept.
-- An instant as EPCIS writes it: UTC, microseconds kept.
CREATE FUNCTION lottrace.epcis_time(instant timestamptz) RETURNS text
	LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
	SET search_path = pg_catalog, pg_temp
	AS $$
	SELECT to_char(instant AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')
$$;
COMMENT ON FUNCTION lottrace.epcis_time(timestamptz) IS
	'internal to epcis_export: an instant in EPCIS form (UTC, microseconds)';
REVOKE EXECUTE ON FUNCTION lottrace.epcis_time(timestamptz) FROM PUBLIC;

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
CREATE FUNCTION lottrace.epcis_export(roots bigint[], direction text DEFAULT 'both') RETURNS jsonb
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
