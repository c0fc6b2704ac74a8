--------------------------------------------------------------------------
-- FEFO allocation, reservations and holds
--------------------------------------------------------------------------

-- Stock per lot and location.  "reserved" is the sum of the open
-- reservations of the row: reserve, release, ship and set_status keep the
-- two in step, so reservations are written through those functions only.
CREATE TABLE lottrace.stock (
	lot_id bigint NOT NULL REFERENCES lottrace.lots (id),
	location text NOT NULL,
	on_hand numeric NOT NULL,
	reserved numeric NOT NULL DEFAULT 0,
	lot_item text,
	lot_expires_at date,
	lot_produced_at timestamptz,
	lot_status lottrace.lot_status,
	PRIMARY KEY (lot_id, location),
	CONSTRAINT stock_reserved_within_on_hand CHECK (0 <= reserved AND reserved <= on_hand),
	-- scale() is NULL for NaN and infinity, which no count of goods can be
	CONSTRAINT stock_quantities_finite
		CHECK (pg_catalog.scale(on_hand) IS NOT NULL AND pg_catalog.scale(reserved) IS NOT NULL)
);
COMMENT ON TABLE lottrace.stock IS 'quantity on hand and reserved, per lot and location';
COMMENT ON COLUMN lottrace.stock.reserved IS 'sum of the open reservations of this lot at this location';
SELECT pg_catalog.pg_extension_config_dump('lottrace.stock', '');

-- Allocation reads stock in policy order through the two indexes below,
-- whose keys are the lot's sort keys copied into each stock row (lot_item,
-- lot_expires_at, lot_produced_at, lot_status) and whose predicate leaves
-- out every row that cannot be allocated: lots not released and rows with
-- nothing free.  Used-up stock is not in them at all, so it costs an
-- allocation nothing however much of it there is.  The copies are kept
-- right by the two triggers below; see doc/fefo.md.
CREATE INDEX stock_fefo_idx ON lottrace.stock (lot_item, lot_expires_at, lot_produced_at, lot_id, location)
	WHERE lot_status = 'released' AND on_hand > reserved;
CREATE INDEX stock_fifo_idx ON lottrace.stock (lot_item, lot_produced_at, lot_id, location)
	WHERE lot_status = 'released' AND on_hand > reserved;
COMMENT ON INDEX lottrace.stock_fefo_idx IS 'allocation walk, fefo: stock that can be allocated, by expiry';
COMMENT ON INDEX lottrace.stock_fifo_idx IS 'allocation walk, fifo and lifo: stock that can be allocated, by production';
COMMENT ON COLUMN lottrace.stock.lot_item IS 'copy of the lot''s item, kept by triggers, for the allocation indexes';
COMMENT ON COLUMN lottrace.stock.lot_expires_at IS 'copy of the lot''s expires_at, kept by triggers, for the allocation indexes';
COMMENT ON COLUMN lottrace.stock.lot_produced_at IS 'copy of the lot''s produced_at, kept by triggers, for the allocation indexes';
COMMENT ON COLUMN lottrace.stock.lot_status IS 'copy of the lot''s status, kept by triggers, for the allocation indexes';

-- A stock row takes its copies from its lot whenever it is inserted, moved
-- to another lot or has a copy written.  The lot is share-locked: a
-- concurrent change of the lot's keys or status waits for this transaction
-- (and then updates this row too, see lots_copy_to_stock), or this waits
-- for it and reads the lot as it committed.  SECURITY DEFINER: the copies
-- are kept, as a foreign key's checks are, whatever the writer may do with
-- lots (share-locking a row needs UPDATE on its table).
CREATE FUNCTION lottrace.stock_copy_lot() RETURNS trigger
	LANGUAGE plpgsql SECURITY DEFINER
	SET search_path = pg_catalog, pg_temp
	AS $$
BEGIN
	-- a lot that does not exist leaves NULLs, and the foreign key reports it
	SELECT l.item, l.expires_at, l.produced_at, l.status
	  INTO NEW.lot_item, NEW.lot_expires_at, NEW.lot_produced_at, NEW.lot_status
	  FROM lottrace.lots l
	 WHERE l.id = NEW.lot_id
	   FOR SHARE;
	RETURN NEW;
END
$$;
COMMENT ON FUNCTION lottrace.stock_copy_lot() IS
	'trigger: copies the item, dates and status of a stock row''s lot into the row';
REVOKE EXECUTE ON FUNCTION lottrace.stock_copy_lot() FROM PUBLIC;

CREATE TRIGGER stock_copy_lot
	BEFORE INSERT OR UPDATE OF lot_id, lot_item, lot_expires_at, lot_produced_at, lot_status
	ON lottrace.stock
	FOR EACH ROW EXECUTE FUNCTION lottrace.stock_copy_lot();

-- A lot whose item, dates or status change updates the copies in its stock
-- rows.  SECURITY DEFINER: set_status's callers may change a lot's status
-- without any right on these columns of stock.
CREATE FUNCTION lottrace.lots_copy_to_stock() RETURNS trigger
	LANGUAGE plpgsql SECURITY DEFINER
	SET search_path = pg_catalog, pg_temp
	AS $$
BEGIN
	UPDATE lottrace.stock s
	   SET lot_item = NEW.item, lot_expires_at = NEW.expires_at,
		   lot_produced_at = NEW.produced_at, lot_status = NEW.status
	 WHERE s.lot_id = NEW.id;
	RETURN NULL;
END
$$;
COMMENT ON FUNCTION lottrace.lots_copy_to_stock() IS
	'trigger: copies a lot''s new item, dates or status into its stock rows';
REVOKE EXECUTE ON FUNCTION lottrace.lots_copy_to_stock() FROM PUBLIC;

CREATE TRIGGER lots_copy_to_stock
	AFTER UPDATE OF item, expires_at, produced_at, status ON lottrace.lots
	FOR EACH ROW
	WHEN (OLD.item IS DISTINCT FROM NEW.item OR OLD.expires_at IS DISTINCT FROM NEW.expires_at
		  OR OLD.produced_at IS DISTINCT FROM NEW.produced_at OR OLD.status IS DISTINCT FROM NEW.status)
	EXECUTE FUNCTION lottrace.lots_copy_to_stock();

-- An open reservation; releasing or shipping it deletes the row.
CREATE TABLE lottrace.reservations (
	id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
	lot_id bigint NOT NULL,
	location text NOT NULL,
	quantity numeric NOT NULL CHECK (quantity > 0 AND pg_catalog.scale(quantity) IS NOT NULL),
	reference text,
	created_at timestamptz NOT NULL DEFAULT now(),
	FOREIGN KEY (lot_id, location) REFERENCES lottrace.stock (lot_id, location)
);
CREATE INDEX reservations_stock_idx ON lottrace.reservations (lot_id, location);
CREATE INDEX reservations_reference_idx ON lottrace.reservations (reference);
COMMENT ON TABLE lottrace.reservations IS 'open reservations of stock, made by reserve, ended by release, ship and set_status';
COMMENT ON COLUMN lottrace.reservations.reference IS 'the caller''s reference (order, pick list); release(reference) ends them all';
SELECT pg_catalog.pg_extension_config_dump('lottrace.reservations', '');
SELECT pg_catalog.pg_extension_config_dump(pg_catalog.pg_get_serial_sequence('lottrace.reservations', 'id')::regclass, '');

-- The allocation walks: released lots of one item in policy order, so that
-- allocate reads only the lots it returns and the few it skips.  NULL dates
-- sort last in an ascending btree, as the policies want them.
CREATE INDEX lots_fefo_idx ON lottrace.lots (item, expires_at, produced_at, id)
	WHERE status = 'released';
CREATE INDEX lots_fifo_idx ON lottrace.lots (item, produced_at, id)
	WHERE status = 'released';
COMMENT ON INDEX lottrace.lots_fefo_idx IS 'allocation walk, fefo: released lots by expiry';
COMMENT ON INDEX lottrace.lots_fifo_idx IS 'allocation walk, fifo and lifo: released lots by production';

-- One line of a pick list.  A composite type rather than RETURNS TABLE:
-- the output columns share names with the parameters.
CREATE TYPE lottrace.pick AS (
	lot_id bigint,
	code lottrace.lot,
	location text,
	expires_at date,
	quantity numeric
);
COMMENT ON TYPE lottrace.pick IS 'one line of a pick list: how much to take of a lot at a location';

CREATE TYPE lottrace.reserved_pick AS (
	reservation_id bigint,
	lot_id bigint,
	code lottrace.lot,
	location text,
	expires_at date,
	quantity numeric
);
COMMENT ON TYPE lottrace.reserved_pick IS 'one line of a reserved pick list, with its reservation';

CREATE FUNCTION lottrace.check_allocation_arguments(item text, quantity numeric, policy text,
		as_of date, min_shelf_life interval, allow_partial boolean) RETURNS void
	LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
	SET search_path = pg_catalog, pg_temp
	AS $$
BEGIN
	IF item IS NULL THEN
		RAISE EXCEPTION 'item must not be null' USING ERRCODE = 'invalid_parameter_value';
	END IF;
	IF quantity IS NULL OR NOT quantity > 0 OR pg_catalog.scale(quantity) IS NULL THEN
		RAISE EXCEPTION 'quantity must be a positive number, not %', coalesce(quantity::text, 'null')
			USING ERRCODE = 'invalid_parameter_value';
	END IF;
	IF policy IS NULL OR policy NOT IN ('fefo', 'fifo', 'lifo') THEN
		RAISE EXCEPTION 'unknown allocation policy "%"', coalesce(policy, 'null')
			USING ERRCODE = 'invalid_parameter_value',
				  HINT = 'The policies are fefo, fifo and lifo.';
	END IF;
	IF as_of IS NULL THEN
		RAISE EXCEPTION 'as_of must not be null' USING ERRCODE = 'invalid_parameter_value';
	END IF;
	IF min_shelf_life IS NULL OR min_shelf_life < interval '0' THEN
		RAISE EXCEPTION 'min_shelf_life must be zero or more, not %', coalesce(min_shelf_life::text, 'null')
			USING ERRCODE = 'invalid_parameter_value';
	END IF;
	IF allow_partial IS NULL THEN
		RAISE EXCEPTION 'allow_partial must not be null' USING ERRCODE = 'invalid_parameter_value';
	END IF;
END
$$;
COMMENT ON FUNCTION lottrace.check_allocation_arguments(text, numeric, text, date, interval, boolean) IS
	'internal to allocate and reserve: raises 22023 for arguments they do not accept';
REVOKE EXECUTE ON FUNCTION lottrace.check_allocation_arguments(text, numeric, text, date, interval, boolean) FROM PUBLIC;

-- Reservers of an item are serialized by a transaction-level advisory lock
-- with the two-key form (1819243636, hashtext(item) & 1023); 1819243636 is
-- 'lott' in ASCII.  1024 buckets bound the locks one set_status may take,
-- however many items its lots belong to; two items in one bucket merely
-- wait for each other.  Keys are taken in ascending order: no deadlocks.
CREATE FUNCTION lottrace.lock_items(items text[]) RETURNS void
	LANGUAGE plpgsql VOLATILE
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	bucket int;
BEGIN
	FOR bucket IN
		SELECT DISTINCT pg_catalog.hashtext(i) & 1023 FROM pg_catalog.unnest(items) AS i
		 WHERE i IS NOT NULL ORDER BY 1
	LOOP
		PERFORM pg_catalog.pg_advisory_xact_lock(1819243636, bucket);
	END LOOP;
END
$$;
COMMENT ON FUNCTION lottrace.lock_items(text[]) IS
	'waits for and takes, until the end of the transaction, the lock reserve and set_status take on these items';
REVOKE EXECUTE ON FUNCTION lottrace.lock_items(text[]) FROM PUBLIC;

-- A C function (src/fefo_allocate.c): it walks stock_fefo_idx or
-- stock_fifo_idx with the caller's snapshot and stops as soon as the
-- quantity is met; under row-level security on stock or lots it runs the
-- same walk as SQL.
CREATE FUNCTION lottrace.allocate(item text, quantity numeric, location text DEFAULT NULL,
		policy text DEFAULT 'fefo', as_of date DEFAULT current_date,
		min_shelf_life interval DEFAULT '0 days', allow_partial boolean DEFAULT false)
	RETURNS SETOF lottrace.pick
	AS 'MODULE_PATHNAME', 'lottrace_allocate'
	LANGUAGE C STABLE;
COMMENT ON FUNCTION lottrace.allocate(text, numeric, text, text, date, interval, boolean) IS
	'proposes a pick list for a quantity of an item (fefo, fifo or lifo), changing nothing';

-- Ends reservations and gives their quantities back to stock.  Row locks
-- are taken in one order everywhere (lots, then reservations, then stock
-- rows, each by key), so that concurrent calls cannot deadlock.
CREATE FUNCTION lottrace.release_reservations(ids bigint[]) RETURNS SETOF lottrace.reservations
	LANGUAGE plpgsql VOLATILE
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	released lottrace.reservations[];
BEGIN
	PERFORM FROM lottrace.reservations r WHERE r.id = ANY (ids) ORDER BY r.id FOR UPDATE;
	WITH gone AS (
		DELETE FROM lottrace.reservations r WHERE r.id = ANY (ids) RETURNING r AS reservation
	)
	SELECT pg_catalog.array_agg(gone.reservation ORDER BY (gone.reservation).id) INTO released FROM gone;

	PERFORM FROM lottrace.stock s
	 WHERE (s.lot_id, s.location) IN (SELECT g.lot_id, g.location FROM pg_catalog.unnest(released) g)
	 ORDER BY s.lot_id, s.location
	   FOR NO KEY UPDATE;
	UPDATE lottrace.stock s SET reserved = s.reserved - g.quantity
	  FROM (SELECT g.lot_id, g.location, sum(g.quantity) AS quantity
			  FROM pg_catalog.unnest(released) g GROUP BY g.lot_id, g.location) g
	 WHERE s.lot_id = g.lot_id AND s.location = g.location;

	RETURN QUERY SELECT * FROM pg_catalog.unnest(released);
END
$$;
COMMENT ON FUNCTION lottrace.release_reservations(bigint[]) IS
	'internal to release and set_status: ends these reservations, returns their quantities to stock and returns them; ids already gone are skipped';
REVOKE EXECUTE ON FUNCTION lottrace.release_reservations(bigint[]) FROM PUBLIC;

CREATE FUNCTION lottrace.reserve(item text, quantity numeric, reference text,
		location text DEFAULT NULL, policy text DEFAULT 'fefo', as_of date DEFAULT current_date,
		min_shelf_life interval DEFAULT '0 days', allow_partial boolean DEFAULT false)
	RETURNS SETOF lottrace.reserved_pick
	LANGUAGE plpgsql VOLATILE
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	picks lottrace.pick[];
	p lottrace.pick;
	line lottrace.reserved_pick;
BEGIN
	PERFORM lottrace.check_allocation_arguments(reserve.item, reserve.quantity, reserve.policy,
		reserve.as_of, reserve.min_shelf_life, reserve.allow_partial);
	PERFORM lottrace.lock_items(ARRAY[reserve.item]);

	-- A new statement, so in READ COMMITTED a new snapshot: it sees what the
	-- reservers this call waited for have committed.
	picks := ARRAY(SELECT a FROM lottrace.allocate(reserve.item, reserve.quantity, reserve.location,
						   reserve.policy, reserve.as_of, reserve.min_shelf_life,
						   reserve.allow_partial) a);

	-- Stock rows are locked by key, as release_reservations locks them.
	FOR p IN SELECT * FROM pg_catalog.unnest(picks) u ORDER BY u.lot_id, u.location LOOP
		UPDATE lottrace.stock s SET reserved = s.reserved + p.quantity
		 WHERE s.lot_id = p.lot_id AND s.location = p.location
		   AND s.on_hand - s.reserved >= p.quantity;
		IF NOT FOUND THEN
			-- only a writer that bypasses lottrace's functions gets here
			RAISE EXCEPTION 'stock of lot % at location "%" changed while it was being reserved',
				p.lot_id, p.location
				USING ERRCODE = 'serialization_failure',
					  HINT = 'Retry the transaction.';
		END IF;
	END LOOP;

	FOREACH p IN ARRAY picks LOOP
		INSERT INTO lottrace.reservations (lot_id, location, quantity, reference)
		VALUES (p.lot_id, p.location, p.quantity, reserve.reference)
		RETURNING id INTO line.reservation_id;
		line.lot_id := p.lot_id;
		line.code := p.code;
		line.location := p.location;
		line.expires_at := p.expires_at;
		line.quantity := p.quantity;
		RETURN NEXT line;
	END LOOP;
END
$$;
COMMENT ON FUNCTION lottrace.reserve(text, numeric, text, text, text, date, interval, boolean) IS
	'allocates like allocate and records the pick list as reservations, safely under concurrency';

CREATE FUNCTION lottrace.release(reservation_id bigint) RETURNS SETOF lottrace.reservations
	LANGUAGE plpgsql VOLATILE
	SET search_path = pg_catalog, pg_temp
	AS $$
BEGIN
	IF release.reservation_id IS NULL THEN
		RAISE EXCEPTION 'reservation_id must not be null' USING ERRCODE = 'invalid_parameter_value';
	END IF;
	RETURN QUERY SELECT * FROM lottrace.release_reservations(ARRAY[release.reservation_id]);
	IF NOT FOUND THEN
		RAISE EXCEPTION 'reservation % does not exist', release.reservation_id
			USING ERRCODE = 'no_data_found',
				  HINT = 'A reservation that was released or shipped exists no more.';
	END IF;
END
$$;
COMMENT ON FUNCTION lottrace.release(bigint) IS
	'ends a reservation, returns its quantity to stock and returns it';

CREATE FUNCTION lottrace.release(reference text) RETURNS SETOF lottrace.reservations
	LANGUAGE plpgsql VOLATILE
	SET search_path = pg_catalog, pg_temp
	AS $$
BEGIN
	IF release.reference IS NULL THEN
		RAISE EXCEPTION 'reference must not be null' USING ERRCODE = 'invalid_parameter_value';
	END IF;
	RETURN QUERY SELECT * FROM lottrace.release_reservations(
		ARRAY(SELECT r.id FROM lottrace.reservations r WHERE r.reference = release.reference));
END
$$;
COMMENT ON FUNCTION lottrace.release(text) IS
	'ends every open reservation with this reference, returns their quantities to stock and returns them';

CREATE FUNCTION lottrace.ship(reservation_id bigint, ship_to text, shipped_at timestamptz DEFAULT now(),
		reference text DEFAULT NULL) RETURNS bigint
	LANGUAGE plpgsql VOLATILE
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	shipped_lot lottrace.lots;
	shipped lottrace.reservations;
	shipment bigint;
BEGIN
	IF ship.reservation_id IS NULL THEN
		RAISE EXCEPTION 'reservation_id must not be null' USING ERRCODE = 'invalid_parameter_value';
	END IF;
	IF ship.ship_to IS NULL OR btrim(ship.ship_to) = '' THEN
		RAISE EXCEPTION 'ship_to must name the customer' USING ERRCODE = 'invalid_parameter_value';
	END IF;
	IF ship.shipped_at IS NULL THEN
		RAISE EXCEPTION 'shipped_at must not be null' USING ERRCODE = 'invalid_parameter_value';
	END IF;

	-- The lot first, share-locked so that no hold can slip in before commit;
	-- then the reservation, then the stock row (the order set_status uses).
	SELECT l.* INTO shipped_lot
	  FROM lottrace.lots l
	 WHERE l.id = (SELECT r.lot_id FROM lottrace.reservations r WHERE r.id = ship.reservation_id)
	   FOR SHARE;
	IF FOUND AND shipped_lot.status <> 'released' THEN
		RAISE EXCEPTION 'lot "%" of item "%" has status %, not released', shipped_lot.code, shipped_lot.item,
			shipped_lot.status
			USING ERRCODE = 'object_not_in_prerequisite_state',
				  HINT = 'Only released lots are shipped; release the reservation instead.';
	END IF;
	DELETE FROM lottrace.reservations r WHERE r.id = ship.reservation_id RETURNING r.* INTO shipped;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'reservation % does not exist', ship.reservation_id
			USING ERRCODE = 'no_data_found',
				  HINT = 'A reservation that was released or shipped exists no more.';
	END IF;

	UPDATE lottrace.stock s
	   SET on_hand = s.on_hand - shipped.quantity, reserved = s.reserved - shipped.quantity
	 WHERE s.lot_id = shipped.lot_id AND s.location = shipped.location;
	INSERT INTO lottrace.events (kind, occurred_at, location, partner, reference, attributes)
	VALUES ('ship', ship.shipped_at, shipped.location, ship.ship_to,
			coalesce(ship.reference, shipped.reference),
			pg_catalog.jsonb_strip_nulls(pg_catalog.jsonb_build_object(
				'reservation_id', shipped.id, 'reservation_reference', shipped.reference)))
	RETURNING id INTO shipment;
	INSERT INTO lottrace.event_lots (event_id, lot_id, role, quantity, uom)
	VALUES (shipment, shipped.lot_id, 'subject', shipped.quantity, shipped_lot.uom);
	RETURN shipment;
END
$$;
COMMENT ON FUNCTION lottrace.ship(bigint, text, timestamptz, text) IS
	'ships a reservation: takes it out of stock and records a ship event with the lot as subject; returns the event id';

CREATE FUNCTION lottrace.set_status(lot_ids bigint[], status lottrace.lot_status, reason text)
	RETURNS SETOF lottrace.reservations
	LANGUAGE plpgsql VOLATILE
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	unknown bigint;
	caller_reason text;
BEGIN
	IF set_status.lot_ids IS NULL OR pg_catalog.array_position(set_status.lot_ids, NULL) IS NOT NULL THEN
		RAISE EXCEPTION 'lot_ids must not be null or contain null' USING ERRCODE = 'invalid_parameter_value';
	END IF;
	IF set_status.status IS NULL THEN
		RAISE EXCEPTION 'status must not be null' USING ERRCODE = 'invalid_parameter_value';
	END IF;
	SELECT u.id INTO unknown
	  FROM pg_catalog.unnest(set_status.lot_ids) AS u(id)
	 WHERE NOT EXISTS (SELECT FROM lottrace.lots l WHERE l.id = u.id)
	 ORDER BY u.id LIMIT 1;
	IF FOUND THEN
		RAISE EXCEPTION 'lot % does not exist', unknown USING ERRCODE = 'no_data_found';
	END IF;

	-- Wait for the reservers of these items, so that none of them still
	-- reserves a lot this call holds; then lock the lots by id.
	PERFORM lottrace.lock_items(ARRAY(SELECT DISTINCT l.item FROM lottrace.lots l
									   WHERE l.id = ANY (set_status.lot_ids)));
	PERFORM FROM lottrace.lots l WHERE l.id = ANY (set_status.lot_ids) ORDER BY l.id FOR NO KEY UPDATE;

	-- Only released lots are allocated and shipped: whatever else a lot
	-- becomes, its reservations would block stock for nothing.  Released
	-- before the status changes: release_reservations locks reservations,
	-- then stock rows, as release does, and the status change then locks
	-- the lots' stock rows (lots_copy_to_stock); the other way round, a
	-- concurrent release would deadlock with this call.
	IF set_status.status <> 'released' THEN
		RETURN QUERY SELECT * FROM lottrace.release_reservations(
			ARRAY(SELECT r.id FROM lottrace.reservations r WHERE r.lot_id = ANY (set_status.lot_ids)));
	END IF;

	IF set_status.reason IS NOT NULL THEN
		caller_reason := pg_catalog.current_setting('lottrace.status_reason', true);
		PERFORM pg_catalog.set_config('lottrace.status_reason', set_status.reason, true);
	END IF;
	UPDATE lottrace.lots l SET status = set_status.status
	 WHERE l.id = ANY (set_status.lot_ids) AND l.status <> set_status.status;
	IF set_status.reason IS NOT NULL THEN
		PERFORM pg_catalog.set_config('lottrace.status_reason', coalesce(caller_reason, ''), true);
	END IF;
END
$$;
COMMENT ON FUNCTION lottrace.set_status(bigint[], lottrace.lot_status, text) IS
	'changes the status of lots (logged with the reason); a status other than released releases their reservations and returns them';
