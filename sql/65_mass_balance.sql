--------------------------------------------------------------------------
-- Mass balance (issue 12): where each lot's quantity went
--------------------------------------------------------------------------

-- Records that move stock out of a lot other than into another lot or to
-- a customer: a dispose event (written off, destroyed) and an adjust event
-- (a count correction, a yield or drying loss), each with the lot as
-- subject.  A dispose quantity is what went; an adjust quantity is the
-- signed change (negative: stock lost).  Both keep stock in step, under
-- the per-item lock reserve and set_status take, and never touch reserved
-- stock.
CREATE FUNCTION lottrace.record_stock_change(kind lottrace.event_kind, lot_id bigint, location text,
		change numeric, reason text, occurred_at timestamptz, reference text)
	RETURNS bigint
	LANGUAGE plpgsql VOLATILE
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	changed_lot lottrace.lots;
	row_stock lottrace.stock;
	delta numeric;
	recorded bigint;
BEGIN
	IF record_stock_change.lot_id IS NULL THEN
		RAISE EXCEPTION 'lot_id must not be null' USING ERRCODE = 'invalid_parameter_value';
	END IF;
	IF record_stock_change.location IS NULL THEN
		RAISE EXCEPTION 'location must not be null' USING ERRCODE = 'invalid_parameter_value';
	END IF;
	IF record_stock_change.change IS NULL OR record_stock_change.change = 0
	   OR pg_catalog.scale(record_stock_change.change) IS NULL
	   OR (record_stock_change.kind = 'dispose' AND record_stock_change.change < 0) THEN
		RAISE EXCEPTION '% must be a % number, not %',
			CASE record_stock_change.kind WHEN 'dispose' THEN 'quantity' ELSE 'change' END,
			CASE record_stock_change.kind WHEN 'dispose' THEN 'positive' ELSE 'nonzero' END,
			coalesce(record_stock_change.change::text, 'null')
			USING ERRCODE = 'invalid_parameter_value';
	END IF;
	IF record_stock_change.occurred_at IS NULL THEN
		RAISE EXCEPTION 'occurred_at must not be null' USING ERRCODE = 'invalid_parameter_value';
	END IF;
	SELECT l.* INTO changed_lot FROM lottrace.lots l WHERE l.id = record_stock_change.lot_id;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'lot % does not exist', record_stock_change.lot_id USING ERRCODE = 'no_data_found';
	END IF;

	-- what the stock row gains: a disposal takes, an adjustment adds its sign
	delta := CASE record_stock_change.kind WHEN 'dispose' THEN -record_stock_change.change
			 ELSE record_stock_change.change END;

	-- the lock order of reserve and set_status: item, lot, stock row
	PERFORM lottrace.lock_items(ARRAY[changed_lot.item]);
	PERFORM FROM lottrace.lots l WHERE l.id = record_stock_change.lot_id FOR SHARE;
	SELECT s.* INTO row_stock FROM lottrace.stock s
	 WHERE s.lot_id = record_stock_change.lot_id AND s.location = record_stock_change.location
	   FOR NO KEY UPDATE;
	IF NOT FOUND AND delta > 0 THEN
		INSERT INTO lottrace.stock (lot_id, location, on_hand)
		VALUES (record_stock_change.lot_id, record_stock_change.location, delta);
	ELSIF coalesce(row_stock.on_hand - row_stock.reserved, 0) + delta < 0 THEN
		RAISE EXCEPTION 'not enough unreserved stock of lot % at location "%"',
			record_stock_change.lot_id, record_stock_change.location
			USING ERRCODE = 'LT001',
				  DETAIL = format('%s on hand, %s of it reserved; the change is %s.',
								  coalesce(row_stock.on_hand, 0), coalesce(row_stock.reserved, 0), delta),
				  HINT = 'Release the reservations first, or record less.';
	ELSE
		UPDATE lottrace.stock s SET on_hand = s.on_hand + delta
		 WHERE s.lot_id = record_stock_change.lot_id AND s.location = record_stock_change.location;
	END IF;

	INSERT INTO lottrace.events (kind, occurred_at, location, reference, attributes)
	VALUES (record_stock_change.kind, record_stock_change.occurred_at, record_stock_change.location,
			record_stock_change.reference,
			pg_catalog.jsonb_strip_nulls(pg_catalog.jsonb_build_object('reason', record_stock_change.reason)))
	RETURNING id INTO recorded;
	INSERT INTO lottrace.event_lots (event_id, lot_id, role, quantity, uom)
	VALUES (recorded, record_stock_change.lot_id, 'subject', record_stock_change.change, changed_lot.uom);
	RETURN recorded;
END
$$;
COMMENT ON FUNCTION lottrace.record_stock_change(lottrace.event_kind, bigint, text, numeric, text, timestamptz, text) IS
	'internal to dispose and adjust: changes the stock of a lot at a location and records the event';
REVOKE EXECUTE ON FUNCTION lottrace.record_stock_change(lottrace.event_kind, bigint, text, numeric, text, timestamptz, text)
	FROM PUBLIC;

CREATE FUNCTION lottrace.dispose(lot_id bigint, location text, quantity numeric, reason text DEFAULT NULL,
		disposed_at timestamptz DEFAULT now(), reference text DEFAULT NULL)
	RETURNS bigint
	LANGUAGE sql VOLATILE
	SET search_path = pg_catalog, pg_temp
	RETURN lottrace.record_stock_change('dispose', lot_id, location, quantity, reason, disposed_at, reference);
COMMENT ON FUNCTION lottrace.dispose(bigint, text, numeric, text, timestamptz, text) IS
	'writes off a quantity of a lot at a location: takes it out of stock and records a dispose event; returns the event id';

CREATE FUNCTION lottrace.adjust(lot_id bigint, location text, change numeric, reason text DEFAULT NULL,
		adjusted_at timestamptz DEFAULT now(), reference text DEFAULT NULL)
	RETURNS bigint
	LANGUAGE sql VOLATILE
	SET search_path = pg_catalog, pg_temp
	RETURN lottrace.record_stock_change('adjust', lot_id, location, change, reason, adjusted_at, reference);
COMMENT ON FUNCTION lottrace.adjust(bigint, text, numeric, text, timestamptz, text) IS
	'corrects the stock of a lot at a location by a signed change (a count, a loss) and records an adjust event; returns the event id';

-- The links out of a lot, for lot_balances: a function rather than a join
-- on links in the view so that Citus can be given another body
-- (distribute_genealogy).  Here it is inlined into the view, an index scan
-- per lot; a standard-SQL body, as it cannot pin search_path and still be
-- inlined, and is resolved when it is created.
CREATE FUNCTION lottrace.lot_links_out(lot_id bigint)
	RETURNS TABLE (id bigint, quantity numeric, uom text)
	LANGUAGE sql STABLE
BEGIN ATOMIC
	SELECT k.id, k.quantity, k.uom FROM lottrace.links k WHERE k.parent_id = lot_links_out.lot_id;
END;
COMMENT ON FUNCTION lottrace.lot_links_out(bigint) IS
	'internal to lot_balances: the id, quantity and unit of the links out of a lot';
REVOKE EXECUTE ON FUNCTION lottrace.lot_links_out(bigint) FROM PUBLIC;

-- One row per lot.  Every quantity is in the lot's unit: links and events
-- in another unit are converted (uom_convert, with the lot's item), a link
-- or event without a unit is taken to be in the lot's; stock has no unit
-- and is the lot's.  An unknown term makes its total NULL and says why:
-- the first link or event by id that lacks a number, looked up by its id,
-- and only for a lot that has one (array_agg(... ORDER BY id) would sort
-- once per lot, even for the lots without one: a third of the view's
-- time).
-- Readers' privileges and policies apply as in the recall views (set up
-- with theirs in 70_recall.sql).
CREATE VIEW lottrace.lot_balances AS
SELECT l.id AS lot_id, l.item, l.code, l.uom,
	   l.quantity AS produced, c.consumed, e.shipped, s.on_hand, e.disposed,
	   l.quantity - c.consumed - e.shipped - s.on_hand - e.disposed AS unaccounted,
	   round(100 * (c.consumed + e.shipped + s.on_hand + e.disposed) / nullif(l.quantity, 0), 2) AS recovery,
	   nullif(concat_ws('; ',
						CASE WHEN l.quantity IS NULL THEN format('lot %s has no quantity', l.id)
							 WHEN l.quantity = 0 THEN format('lot %s has quantity 0', l.id) END,
						CASE WHEN c.problem IS NOT NULL THEN
							(SELECT CASE WHEN k.quantity IS NULL THEN format('link %s has no quantity', k.id)
										 ELSE format('no conversion from %s to %s for item "%s" (link %s)',
													 k.uom, coalesce(l.uom, 'no unit'), l.item, k.id) END
							   FROM lottrace.lot_links_out(l.id) k
							  WHERE k.id = c.problem) END,
						CASE WHEN e.problem IS NOT NULL THEN
							(SELECT CASE WHEN el.quantity IS NULL THEN format('event %s has no quantity', el.event_id)
										 ELSE format('no conversion from %s to %s for item "%s" (event %s)',
													 el.uom, coalesce(l.uom, 'no unit'), l.item, el.event_id) END
							   FROM lottrace.event_lots el
							  WHERE el.event_id = e.problem AND el.lot_id = l.id AND el.role = 'subject') END),
			'') AS note
  FROM lottrace.lots l
 CROSS JOIN LATERAL (
		SELECT CASE WHEN count(k.id) = count(k.converted) THEN coalesce(sum(k.converted), 0) END AS consumed,
			   min(k.id) FILTER (WHERE k.converted IS NULL) AS problem
		  FROM (SELECT k.id,
					   CASE WHEN k.uom IS NULL THEN k.quantity
								ELSE lottrace.uom_convert(k.quantity, k.uom, l.uom, l.item) END AS converted
				  FROM lottrace.lot_links_out(l.id) k) k) c
 CROSS JOIN LATERAL (
		SELECT CASE WHEN count(x.event_id) FILTER (WHERE x.kind = 'ship')
						 = count(x.converted) FILTER (WHERE x.kind = 'ship')
					THEN coalesce(sum(x.converted) FILTER (WHERE x.kind = 'ship'), 0) END AS shipped,
			   CASE WHEN count(x.event_id) FILTER (WHERE x.kind <> 'ship')
						 = count(x.converted) FILTER (WHERE x.kind <> 'ship')
					THEN coalesce(sum(CASE x.kind WHEN 'adjust' THEN -x.converted ELSE x.converted END)
									  FILTER (WHERE x.kind <> 'ship'), 0) END AS disposed,
			   min(x.event_id) FILTER (WHERE x.converted IS NULL) AS problem
		  FROM (SELECT el.event_id, e.kind,
					   CASE WHEN el.uom IS NULL THEN el.quantity
								ELSE lottrace.uom_convert(el.quantity, el.uom, l.uom, l.item) END AS converted
				  FROM lottrace.event_lots el
				  JOIN lottrace.events e ON e.id = el.event_id
				 WHERE el.lot_id = l.id AND el.role = 'subject'
				   AND e.kind IN ('ship', 'dispose', 'adjust')) x) e
 CROSS JOIN LATERAL (
		SELECT coalesce(sum(st.on_hand), 0) AS on_hand
		  FROM lottrace.stock st
		 WHERE st.lot_id = l.id) s;
COMMENT ON VIEW lottrace.lot_balances IS
	'mass balance of every lot, in its unit: produced or received, consumed into other lots, shipped, on hand, disposed or adjusted, unaccounted, recovery %';

-- The root material in part of a lot: the lot's root material (from
-- trace_quantities, in the root's unit) in proportion to the part of the
-- lot's quantity.  Nothing of a lot holds no root material, whatever is
-- unknown about the lot.
--
-- No SET search_path, unlike the other SQL functions: a function with one
-- cannot be inlined, and called per row (three times per lot of a mock
-- recall or a recall summary) it took seconds at whole-graph scale.  The
-- standard-SQL body is resolved when the function is created, so the
-- caller's search_path never reaches it.
CREATE FUNCTION lottrace.root_part(root_quantity numeric, lot_quantity numeric, part numeric)
	RETURNS numeric
	LANGUAGE sql IMMUTABLE PARALLEL SAFE
	RETURN CASE WHEN part = 0 THEN 0 ELSE pg_catalog.trim_scale(root_quantity * part / nullif(lot_quantity, 0)) END;
COMMENT ON FUNCTION lottrace.root_part(numeric, numeric, numeric) IS
	'internal to the recall and mock recall figures: the root material in part of a lot, NULL when unknown';
REVOKE EXECUTE ON FUNCTION lottrace.root_part(numeric, numeric, numeric) FROM PUBLIC;

CREATE FUNCTION lottrace.mass_balance(lot_ids bigint[])
	RETURNS TABLE (lot_id bigint, uom text, produced numeric, consumed numeric, shipped numeric,
				   on_hand numeric, disposed numeric, unaccounted numeric, recovery numeric)
	LANGUAGE plpgsql STABLE
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	unknown bigint;
BEGIN
	IF mass_balance.lot_ids IS NULL OR pg_catalog.array_position(mass_balance.lot_ids, NULL) IS NOT NULL THEN
		RAISE EXCEPTION 'lot_ids must not be null or contain null' USING ERRCODE = 'null_value_not_allowed';
	END IF;
	SELECT u.id INTO unknown
	  FROM pg_catalog.unnest(mass_balance.lot_ids) AS u(id)
	 WHERE NOT EXISTS (SELECT FROM lottrace.lots l WHERE l.id = u.id)
	 ORDER BY u.id LIMIT 1;
	IF FOUND THEN
		RAISE EXCEPTION 'lot % does not exist', unknown USING ERRCODE = 'no_data_found';
	END IF;
	RETURN QUERY
		SELECT b.lot_id, b.uom, b.produced, b.consumed, b.shipped, b.on_hand, b.disposed, b.unaccounted, b.recovery
		  FROM lottrace.lot_balances b
		 WHERE b.lot_id = ANY (mass_balance.lot_ids)
		 ORDER BY b.lot_id;
END
$$;
COMMENT ON FUNCTION lottrace.mass_balance(bigint[]) IS
	'mass balance of these lots, in each lot''s unit (the rows of the view lot_balances); recovery in %, NULL where a quantity is unknown';
