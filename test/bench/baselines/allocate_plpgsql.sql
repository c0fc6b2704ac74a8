-- The PL/pgSQL allocate of lottrace 0.2.0, kept as a baseline for the
-- C version (workloads/40_fefo.sql): a cursor per walk over lots_fefo_idx or
-- lots_fifo_idx, joined to stock, stepping over used-up stock row by row.
-- Only the name changed (bench.allocate_plpgsql).

CREATE FUNCTION bench.allocate_plpgsql(item text, quantity numeric, location text DEFAULT NULL,
		policy text DEFAULT 'fefo', as_of date DEFAULT current_date,
		min_shelf_life interval DEFAULT '0 days', allow_partial boolean DEFAULT false)
	RETURNS SETOF lottrace.pick
	LANGUAGE plpgsql STABLE
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	-- the earliest eligible expiry: a lot is usable through its expiry day,
	-- and must still be usable on as_of + min_shelf_life
	bound date;
	remaining numeric := allocate_plpgsql.quantity;
	walk int;
	candidates refcursor;
	line lottrace.pick;
BEGIN
	PERFORM lottrace.check_allocation_arguments(allocate_plpgsql.item, allocate_plpgsql.quantity, allocate_plpgsql.policy,
		allocate_plpgsql.as_of, allocate_plpgsql.min_shelf_life, allocate_plpgsql.allow_partial);
	bound := (allocate_plpgsql.as_of + allocate_plpgsql.min_shelf_life)::date;

	-- Each walk follows an index in policy order, fetching one candidate at a
	-- time, and stops as soon as the quantity is met.  fefo walks the lots
	-- that expire first, then those that never do (NULL sorts last).
	FOR walk IN 1 .. 2 LOOP
		IF allocate_plpgsql.policy = 'fefo' AND walk = 1 THEN
			OPEN candidates FOR
				SELECT l.id, l.code, s.location, l.expires_at, s.on_hand - s.reserved
				  FROM lottrace.lots l
				  JOIN lottrace.stock s ON s.lot_id = l.id
				 WHERE l.item = allocate_plpgsql.item AND l.status = 'released'
				   AND l.expires_at >= bound
				   AND s.on_hand > s.reserved
				   AND (allocate_plpgsql.location IS NULL OR s.location = allocate_plpgsql.location)
				 ORDER BY l.expires_at, l.produced_at, l.id, s.location;
		ELSIF allocate_plpgsql.policy = 'fefo' AND walk = 2 THEN
			OPEN candidates FOR
				SELECT l.id, l.code, s.location, l.expires_at, s.on_hand - s.reserved
				  FROM lottrace.lots l
				  JOIN lottrace.stock s ON s.lot_id = l.id
				 WHERE l.item = allocate_plpgsql.item AND l.status = 'released'
				   AND l.expires_at IS NULL
				   AND s.on_hand > s.reserved
				   AND (allocate_plpgsql.location IS NULL OR s.location = allocate_plpgsql.location)
				 ORDER BY l.expires_at, l.produced_at, l.id, s.location;
		ELSIF allocate_plpgsql.policy = 'fifo' AND walk = 1 THEN
			OPEN candidates FOR
				SELECT l.id, l.code, s.location, l.expires_at, s.on_hand - s.reserved
				  FROM lottrace.lots l
				  JOIN lottrace.stock s ON s.lot_id = l.id
				 WHERE l.item = allocate_plpgsql.item AND l.status = 'released'
				   AND (l.expires_at >= bound OR l.expires_at IS NULL)
				   AND s.on_hand > s.reserved
				   AND (allocate_plpgsql.location IS NULL OR s.location = allocate_plpgsql.location)
				 ORDER BY l.produced_at, l.id, s.location;
		ELSIF allocate_plpgsql.policy = 'lifo' AND walk = 1 THEN
			OPEN candidates FOR
				SELECT l.id, l.code, s.location, l.expires_at, s.on_hand - s.reserved
				  FROM lottrace.lots l
				  JOIN lottrace.stock s ON s.lot_id = l.id
				 WHERE l.item = allocate_plpgsql.item AND l.status = 'released'
				   AND (l.expires_at >= bound OR l.expires_at IS NULL)
				   AND s.on_hand > s.reserved
				   AND (allocate_plpgsql.location IS NULL OR s.location = allocate_plpgsql.location)
				 ORDER BY l.produced_at DESC, l.id DESC, s.location DESC;
		ELSE
			EXIT;
		END IF;
		LOOP
			FETCH candidates INTO line;
			EXIT WHEN NOT FOUND;
			line.quantity := least(line.quantity, remaining);
			remaining := remaining - line.quantity;
			RETURN NEXT line;
			EXIT WHEN remaining = 0;
		END LOOP;
		CLOSE candidates;
		EXIT WHEN remaining = 0;
	END LOOP;

	IF remaining > 0 AND NOT allocate_plpgsql.allow_partial THEN
		RAISE EXCEPTION 'not enough stock of item "%"%', allocate_plpgsql.item,
			CASE WHEN allocate_plpgsql.location IS NOT NULL THEN format(' at location "%s"', allocate_plpgsql.location) ELSE '' END
			USING ERRCODE = 'LT001',
				  DETAIL = format('Requested %s but only %s %s available; the shortfall is %s.',
								  allocate_plpgsql.quantity, allocate_plpgsql.quantity - remaining,
								  CASE WHEN allocate_plpgsql.quantity - remaining = 1 THEN 'is' ELSE 'are' END,
								  remaining),
				  HINT = 'Pass allow_partial => true to take what there is.';
	END IF;
END
$$;
