-- lottrace 0.2.0 -> 0.3.0
--
-- Brings an installed 0.2.0 to exactly what a fresh install of 0.3.0 creates
-- (test/t/020_upgrade.pl compares the two catalogs object by object).  An
-- installed 0.1.0 gets here through lottrace--0.1.0--0.2.0.sql first.
--
-- One block per topic, each under a header naming it.

\echo Use "ALTER EXTENSION lottrace UPDATE TO '0.3.0'" to load this file. \quit

--------------------------------------------------------------------------
-- FEFO allocation in C, over copies of the lots' sort keys in stock
-- (issue 16)
--------------------------------------------------------------------------

ALTER TABLE lottrace.stock
	ADD COLUMN lot_item text,
	ADD COLUMN lot_expires_at date,
	ADD COLUMN lot_produced_at timestamptz,
	ADD COLUMN lot_status lottrace.lot_status;
UPDATE lottrace.stock s
   SET lot_item = l.item, lot_expires_at = l.expires_at, lot_produced_at = l.produced_at,
	   lot_status = l.status
  FROM lottrace.lots l
 WHERE l.id = s.lot_id;

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

-- SECURITY DEFINER: see sql/60_fefo.sql
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

-- SECURITY DEFINER: see sql/60_fefo.sql
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

-- Same signature, now in C: CREATE OR REPLACE keeps the grants and the
-- comment, and drops the SET search_path of the PL/pgSQL version.
CREATE OR REPLACE FUNCTION lottrace.allocate(item text, quantity numeric, location text DEFAULT NULL,
		policy text DEFAULT 'fefo', as_of date DEFAULT current_date,
		min_shelf_life interval DEFAULT '0 days', allow_partial boolean DEFAULT false)
	RETURNS SETOF lottrace.pick
	AS 'MODULE_PATHNAME', 'lottrace_allocate'
	LANGUAGE C STABLE;

-- set_status releases the reservations before it changes the status: the
-- change now locks the lots' stock rows (lots_copy_to_stock), which must
-- come after the reservations, as in release
CREATE OR REPLACE FUNCTION lottrace.set_status(lot_ids bigint[], status lottrace.lot_status, reason text)
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
