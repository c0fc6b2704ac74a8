-- lottrace 0.2.0 -> 0.3.0
--
-- Brings an installed 0.2.0 to exactly what a fresh install of 0.3.0 creates
-- (test/t/020_upgrade.pl compares the two catalogs object by object).  An
-- installed 0.1.0 gets here through lottrace--0.1.0--0.2.0.sql first.
--
-- One block per topic, each under a header naming it.

\echo Use "ALTER EXTENSION lottrace UPDATE TO '0.3.0'" to load this file. \quit

--------------------------------------------------------------------------
-- Quantities through the genealogy (issue 12): sql/55_quantities.sql and
-- the grants of sql/95_roles.sql
--------------------------------------------------------------------------
-- Conversions between units that users keep: one from_uom is factor
-- to_uom, for one item or (item NULL) for every item; each row converts
-- both ways.  Conversions within mass, volume and count are built in.
CREATE TABLE lottrace.uom_conversions (
	item text,
	from_uom text NOT NULL CHECK (pg_catalog.btrim(from_uom) <> ''),
	to_uom text NOT NULL CHECK (pg_catalog.btrim(to_uom) <> ''),
	factor numeric NOT NULL CHECK (factor > 0 AND factor < 'Infinity'),
	CHECK (from_uom <> to_uom)
);
CREATE UNIQUE INDEX uom_conversions_item_idx ON lottrace.uom_conversions (item, from_uom, to_uom);
CREATE UNIQUE INDEX uom_conversions_any_item_idx ON lottrace.uom_conversions (from_uom, to_uom)
	WHERE item IS NULL;
COMMENT ON TABLE lottrace.uom_conversions IS
	'unit conversions: one from_uom is factor to_uom, for the item (NULL: every item), both ways';
SELECT pg_catalog.pg_extension_config_dump('lottrace.uom_conversions', '');

-- The rows of lots that trace_quantities reads (item, quantity, uom), from
-- the index alone: a heap fetch per lot was a fifth of its time.  Dropping
-- it only makes trace_quantities read the heap (same answers).
CREATE INDEX lots_quantities_idx ON lottrace.lots (id) INCLUDE (item, quantity, uom);
COMMENT ON INDEX lottrace.lots_quantities_idx IS
	'the rows of lots that trace_quantities reads, without the heap';

CREATE FUNCTION lottrace.uom_convert(quantity numeric, from_uom text, to_uom text,
									 item text DEFAULT NULL)
	RETURNS numeric
	AS 'MODULE_PATHNAME', 'lottrace_uom_convert'
	LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION lottrace.uom_convert(numeric, text, text, text) IS
	'the quantity in another unit (built-in or lottrace.uom_conversions for the item), NULL when none applies';

CREATE FUNCTION lottrace.trace_quantities(roots bigint[], direction text DEFAULT 'forward',
										  max_depth integer DEFAULT NULL,
										  respect_time boolean DEFAULT false)
	RETURNS TABLE (lot_id bigint, depth integer, share double precision, quantity numeric,
				   uom text, note text)
	AS 'MODULE_PATHNAME', 'lottrace_trace_quantities'
	LANGUAGE C STABLE PARALLEL RESTRICTED;
COMMENT ON FUNCTION lottrace.trace_quantities(bigint[], text, integer, boolean) IS
	'traced lots with the share and amount of root material they hold (forward), or how much of each ancestor went into the roots (backward); with respect_time, along time-respecting paths only';
-- the predefined roles: everyone reads the conversions, the admin keeps them
GRANT SELECT ON lottrace.uom_conversions TO lottrace_reader, lottrace_operator, lottrace_admin;
GRANT INSERT, UPDATE, DELETE ON lottrace.uom_conversions TO lottrace_admin;

--------------------------------------------------------------------------
-- Mass balance and mock recalls (issue 12 parts 2-4): sql/65_mass_balance.sql,
-- sql/76_mock_recall.sql, the recall views of sql/70_recall.sql and the
-- grants of sql/95_roles.sql
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

-- As the recall views: the reader's privileges and policies from 15 on,
-- before 15 the reader check (70_recall.sql).
DO $$
BEGIN
	IF pg_catalog.current_setting('server_version_num')::int >= 150000 THEN
		ALTER VIEW lottrace.lot_balances SET (security_invoker = true);
	ELSE
		EXECUTE pg_catalog.format('CREATE OR REPLACE VIEW lottrace.lot_balances AS SELECT * FROM (%s) v WHERE lottrace.check_recall_view_reader()',
								  pg_catalog.rtrim(pg_catalog.rtrim(pg_catalog.pg_get_viewdef('lottrace.lot_balances'::regclass)), ';'));
	END IF;
END
$$;

-- One row per exercise.  The figures are those found when it ran, kept as
-- the record an auditor asks for; lots are named by item and code as well
-- as by id, so that the record reads the same after the lots change.
CREATE TABLE lottrace.mock_recalls (
	id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
	title text NOT NULL CHECK (pg_catalog.btrim(title) <> ''),
	reason text,
	roots bigint[] NOT NULL,
	tolerance numeric NOT NULL,
	respect_time boolean NOT NULL DEFAULT false,
	run_at timestamptz NOT NULL,
	run_by text NOT NULL,
	trace_time interval NOT NULL,
	root_uom text,
	root_quantity numeric,
	root_shipped numeric,
	root_on_hand numeric,
	root_disposed numeric
);
COMMENT ON TABLE lottrace.mock_recalls IS
	'mock recalls run by mock_recall: roots, tolerance, when, by whom, how long the trace took, root material reconciled';
COMMENT ON COLUMN lottrace.mock_recalls.tolerance IS
	'a lot reconciles when its recovery is within 100 % plus or minus this many percentage points';
COMMENT ON COLUMN lottrace.mock_recalls.respect_time IS
	'the traces respected time (respect_time of mock_recall)';
COMMENT ON COLUMN lottrace.mock_recalls.trace_time IS
	'time the traces and the reconciliation took';
COMMENT ON COLUMN lottrace.mock_recalls.root_quantity IS
	'the quantity of the roots, in root_uom (the unit of the root with the smallest id)';
COMMENT ON COLUMN lottrace.mock_recalls.root_shipped IS
	'root material shipped, over every lot of the forward scope, in root_uom';
SELECT pg_catalog.pg_extension_config_dump('lottrace.mock_recalls', '');
SELECT pg_catalog.pg_extension_config_dump(pg_catalog.pg_get_serial_sequence('lottrace.mock_recalls', 'id')::regclass, '');

-- Every lot in scope: the roots, their direct ingredients (one step back)
-- and everything made from them (every step forward), with its balance.
CREATE TABLE lottrace.mock_recall_lots (
	exercise_id bigint NOT NULL REFERENCES lottrace.mock_recalls (id) ON DELETE CASCADE,
	lot_id bigint NOT NULL,
	scope text NOT NULL CHECK (scope IN ('root', 'back', 'forward')),
	depth integer NOT NULL,
	item text NOT NULL,
	code lottrace.lot NOT NULL,
	supplier text,
	share double precision,
	root_quantity numeric,
	uom text,
	produced numeric,
	consumed numeric,
	shipped numeric,
	on_hand numeric,
	disposed numeric,
	unaccounted numeric,
	recovery numeric,
	root_shipped numeric,
	root_on_hand numeric,
	root_disposed numeric,
	reconciled boolean NOT NULL,
	note text,
	PRIMARY KEY (exercise_id, lot_id, scope)
);
COMMENT ON TABLE lottrace.mock_recall_lots IS
	'the lots of each mock recall: roots, one step back, every step forward, with quantities and mass balance';
COMMENT ON COLUMN lottrace.mock_recall_lots.share IS
	'forward: fraction of the lot that is root material; back: fraction of the ingredient that went into the roots';
COMMENT ON COLUMN lottrace.mock_recall_lots.root_quantity IS
	'forward and roots: root material in the lot, in the exercise''s root_uom; back: amount of the ingredient that went into the roots, in its uom';
COMMENT ON COLUMN lottrace.mock_recall_lots.root_shipped IS
	'root material in what the lot shipped (root_on_hand: holds, root_disposed: disposed of), in the exercise''s root_uom';
SELECT pg_catalog.pg_extension_config_dump('lottrace.mock_recall_lots', '');

CREATE TABLE lottrace.mock_recall_shipments (
	exercise_id bigint NOT NULL REFERENCES lottrace.mock_recalls (id) ON DELETE CASCADE,
	event_id bigint NOT NULL,
	lot_id bigint NOT NULL,
	shipped_at timestamptz NOT NULL,
	ship_to text,
	quantity numeric,
	uom text,
	root_quantity numeric,
	reference text,
	PRIMARY KEY (exercise_id, event_id, lot_id)
);
COMMENT ON TABLE lottrace.mock_recall_shipments IS
	'every shipment of a lot in the forward scope of a mock recall: the customers to call, with the root material they got';
SELECT pg_catalog.pg_extension_config_dump('lottrace.mock_recall_shipments', '');

CREATE TABLE lottrace.mock_recall_reservations (
	exercise_id bigint NOT NULL REFERENCES lottrace.mock_recalls (id) ON DELETE CASCADE,
	reservation_id bigint NOT NULL,
	lot_id bigint NOT NULL,
	location text NOT NULL,
	quantity numeric NOT NULL,
	reference text,
	created_at timestamptz NOT NULL,
	PRIMARY KEY (exercise_id, reservation_id)
);
COMMENT ON TABLE lottrace.mock_recall_reservations IS
	'open reservations of lots in the forward scope of a mock recall: shipments a real recall could still stop';
SELECT pg_catalog.pg_extension_config_dump('lottrace.mock_recall_reservations', '');

CREATE TABLE lottrace.mock_recall_stock (
	exercise_id bigint NOT NULL REFERENCES lottrace.mock_recalls (id) ON DELETE CASCADE,
	lot_id bigint NOT NULL,
	location text NOT NULL,
	on_hand numeric NOT NULL,
	reserved numeric NOT NULL,
	PRIMARY KEY (exercise_id, lot_id, location)
);
COMMENT ON TABLE lottrace.mock_recall_stock IS
	'stock by location of the lots in the forward scope of a mock recall';
SELECT pg_catalog.pg_extension_config_dump('lottrace.mock_recall_stock', '');

CREATE FUNCTION lottrace.mock_recall(title text, roots bigint[], tolerance numeric DEFAULT 5,
									 reason text DEFAULT NULL, respect_time boolean DEFAULT false)
	RETURNS bigint
	LANGUAGE plpgsql VOLATILE
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	started timestamptz := clock_timestamp();
	exercise bigint;
	hidden text;
BEGIN
	IF mock_recall.title IS NULL OR btrim(mock_recall.title) = '' THEN
		RAISE EXCEPTION 'a mock recall needs a title' USING ERRCODE = 'invalid_parameter_value';
	END IF;
	IF mock_recall.roots IS NULL OR cardinality(mock_recall.roots) = 0
	   OR array_position(mock_recall.roots, NULL) IS NOT NULL THEN
		RAISE EXCEPTION 'a mock recall needs at least one root lot, and no null ones'
			USING ERRCODE = 'invalid_parameter_value';
	END IF;
	IF mock_recall.tolerance IS NULL OR scale(mock_recall.tolerance) IS NULL
	   OR mock_recall.tolerance < 0 OR mock_recall.tolerance >= 100 THEN
		RAISE EXCEPTION 'tolerance must be at least 0 and below 100 percentage points, not %',
			coalesce(mock_recall.tolerance::text, 'null')
			USING ERRCODE = 'invalid_parameter_value',
				  HINT = 'A tolerance of 5 accepts a recovery from 95 % to 105 %.';
	END IF;
	IF mock_recall.respect_time IS NULL THEN
		RAISE EXCEPTION 'respect_time must not be null' USING ERRCODE = 'invalid_parameter_value';
	END IF;
	-- Citus pushes the exercise's INSERT ... SELECT over reference tables
	-- down to a worker, where lot_balances cannot read the links of a lot
	-- (a distributed query from a query on a shard): refused plainly
	-- (doc/citus.md).  pg_dist_partition exists only with Citus; the
	-- inner statement is planned only when it does.
	IF to_regclass('pg_catalog.pg_dist_partition') IS NOT NULL THEN
		IF EXISTS (SELECT FROM pg_catalog.pg_dist_partition
					WHERE logicalrelid = 'lottrace.links'::regclass) THEN
			RAISE EXCEPTION 'mock_recall is not supported on a distributed lottrace.links'
				USING ERRCODE = 'feature_not_supported',
					  DETAIL = 'lottrace.links is a Citus distributed table; the mass balance of a mock recall is not computed there.',
					  HINT = 'Run mock recalls on a single node; open_recall and the trace functions work with Citus.';
		END IF;
	END IF;
	-- Like open_recall: an exercise under row-level security would cover
	-- only the rows the caller may see, and report them as the whole.
	SELECT string_agg(t::text, ', ' ORDER BY t::text) INTO hidden
	  FROM unnest('{lottrace.lots, lottrace.links, lottrace.events, lottrace.event_lots, lottrace.stock, lottrace.reservations}'::regclass[]) t
	 WHERE row_security_active(t);
	IF hidden IS NOT NULL THEN
		RAISE EXCEPTION 'mock_recall needs to see the whole genealogy'
			USING ERRCODE = 'insufficient_privilege',
				  DETAIL = format('Row-level security applies to role "%s" on %s, so the exercise would cover only the rows that role may see.',
								  current_user, hidden),
				  HINT = 'Run mock recalls as a role that row-level security does not apply to: the tables'' owner, a superuser or a role with BYPASSRLS.';
	END IF;

	INSERT INTO lottrace.mock_recalls (title, reason, roots, tolerance, respect_time, run_at, run_by, trace_time)
	VALUES (mock_recall.title, mock_recall.reason,
			ARRAY(SELECT DISTINCT r FROM unnest(mock_recall.roots) r ORDER BY r),
			mock_recall.tolerance, mock_recall.respect_time, started, current_user, interval '0')
	RETURNING id INTO exercise;

	-- Every step forward, with the root material each lot holds (the trace
	-- raises for a root that is not a lot, before anything stays written),
	-- and one step back, with how much of each ingredient went in; then the
	-- balance of each lot, read for those lots only, and the root material
	-- in what left each forward lot or is still there.  A lot reconciles
	-- when its recovery is within the tolerance.
	INSERT INTO lottrace.mock_recall_lots (exercise_id, lot_id, scope, depth, item, code, supplier, share,
										   root_quantity, uom, produced, consumed, shipped, on_hand, disposed,
										   unaccounted, recovery, root_shipped, root_on_hand, root_disposed,
										   reconciled, note)
	WITH scope AS MATERIALIZED (
		SELECT CASE WHEN q.depth = 0 THEN 'root' ELSE 'forward' END AS scope, q.*
		  FROM lottrace.trace_quantities(mock_recall.roots, 'forward', NULL, mock_recall.respect_time) q
		UNION ALL
		SELECT 'back', q.*
		  FROM lottrace.trace_quantities(mock_recall.roots, 'backward', 1, mock_recall.respect_time) q
		 WHERE q.depth = 1),
	balances AS MATERIALIZED (
		SELECT b.*
		  FROM lottrace.lot_balances b
		 WHERE b.lot_id = ANY (ARRAY(SELECT DISTINCT s.lot_id FROM scope s)))
	SELECT exercise, s.lot_id, s.scope, s.depth, b.item, b.code, l.supplier, s.share, s.quantity, b.uom,
		   b.produced, b.consumed, b.shipped, b.on_hand, b.disposed, b.unaccounted, b.recovery,
		   CASE WHEN s.scope <> 'back' THEN lottrace.root_part(s.quantity, b.produced, b.shipped) END,
		   CASE WHEN s.scope <> 'back' THEN lottrace.root_part(s.quantity, b.produced, b.on_hand) END,
		   CASE WHEN s.scope <> 'back' THEN lottrace.root_part(s.quantity, b.produced, b.disposed) END,
		   coalesce(abs(b.recovery - 100) <= mock_recall.tolerance, false),
		   b.note
	  FROM scope s
	  JOIN balances b ON b.lot_id = s.lot_id
	  JOIN lottrace.lots l ON l.id = s.lot_id;

	INSERT INTO lottrace.mock_recall_shipments (exercise_id, event_id, lot_id, shipped_at, ship_to, quantity,
												uom, root_quantity, reference)
	SELECT exercise, e.id, el.lot_id, e.occurred_at, e.partner, el.quantity, coalesce(el.uom, m.uom),
		   lottrace.root_part(m.root_quantity, m.produced,
							  CASE WHEN el.uom IS NULL THEN el.quantity
								   ELSE lottrace.uom_convert(el.quantity, el.uom, m.uom, m.item) END),
		   e.reference
	  FROM lottrace.mock_recall_lots m
	  JOIN lottrace.event_lots el ON el.lot_id = m.lot_id AND el.role = 'subject'
	  JOIN lottrace.events e ON e.id = el.event_id AND e.kind = 'ship'
	 WHERE m.exercise_id = exercise AND m.scope <> 'back';

	INSERT INTO lottrace.mock_recall_reservations (exercise_id, reservation_id, lot_id, location, quantity,
												   reference, created_at)
	SELECT exercise, r.id, r.lot_id, r.location, r.quantity, r.reference, r.created_at
	  FROM lottrace.mock_recall_lots m
	  JOIN lottrace.reservations r ON r.lot_id = m.lot_id
	 WHERE m.exercise_id = exercise AND m.scope <> 'back';

	INSERT INTO lottrace.mock_recall_stock (exercise_id, lot_id, location, on_hand, reserved)
	SELECT exercise, s.lot_id, s.location, s.on_hand, s.reserved
	  FROM lottrace.mock_recall_lots m
	  JOIN lottrace.stock s ON s.lot_id = m.lot_id
	 WHERE m.exercise_id = exercise AND m.scope <> 'back';

	UPDATE lottrace.mock_recalls x
	   SET root_uom = r.uom, root_quantity = r.quantity, root_shipped = r.shipped, root_on_hand = r.on_hand,
		   root_disposed = r.disposed, trace_time = clock_timestamp() - started
	  FROM (SELECT (array_agg(m.uom ORDER BY m.lot_id) FILTER (WHERE m.scope = 'root'))[1] AS uom,
				   CASE WHEN count(*) FILTER (WHERE m.scope = 'root') = count(m.root_quantity) FILTER (WHERE m.scope = 'root')
						THEN sum(m.root_quantity) FILTER (WHERE m.scope = 'root') END AS quantity,
				   CASE WHEN count(*) FILTER (WHERE m.scope <> 'back') = count(m.root_shipped)
						THEN sum(m.root_shipped) END AS shipped,
				   CASE WHEN count(*) FILTER (WHERE m.scope <> 'back') = count(m.root_on_hand)
						THEN sum(m.root_on_hand) END AS on_hand,
				   CASE WHEN count(*) FILTER (WHERE m.scope <> 'back') = count(m.root_disposed)
						THEN sum(m.root_disposed) END AS disposed
			  FROM lottrace.mock_recall_lots m
			 WHERE m.exercise_id = exercise) r
	 WHERE x.id = exercise;
	RETURN exercise;
END
$$;
COMMENT ON FUNCTION lottrace.mock_recall(text, bigint[], numeric, text, boolean) IS
	'runs and records a mock recall of these roots without holding anything: scope one step back and every step forward, time taken, quantities reconciled within the tolerance (percentage points), customers, open reservations, stock, the traces time-respecting with respect_time; returns the exercise id';

-- One row per exercise, everything an auditor checks; the details are in
-- the mock_recall_* tables, by exercise_id.
CREATE VIEW lottrace.mock_recall_report AS
SELECT x.id AS exercise_id, x.title, x.reason, x.run_at, x.run_by, x.trace_time, x.roots, x.tolerance,
	   x.respect_time,
	   f.lots_back, f.lots_forward, f.suppliers, f.customers, f.open_reservations, f.locations,
	   x.root_uom, x.root_quantity, x.root_shipped, x.root_on_hand, x.root_disposed,
	   x.root_quantity - x.root_shipped - x.root_on_hand - x.root_disposed AS root_unaccounted,
	   y.root_recovery, f.lots_not_reconciled,
	   coalesce(abs(y.root_recovery - 100) <= x.tolerance, false) AND f.lots_not_reconciled = 0 AS passed
  FROM lottrace.mock_recalls x
 CROSS JOIN LATERAL (
		SELECT round(100 * (x.root_shipped + x.root_on_hand + x.root_disposed) / nullif(x.root_quantity, 0), 2)
				   AS root_recovery) y
 CROSS JOIN LATERAL (
		SELECT (SELECT count(*) FROM lottrace.mock_recall_lots m
				 WHERE m.exercise_id = x.id AND m.scope = 'back') AS lots_back,
			   (SELECT count(*) FROM lottrace.mock_recall_lots m
				 WHERE m.exercise_id = x.id AND m.scope = 'forward') AS lots_forward,
			   (SELECT count(DISTINCT m.supplier) FROM lottrace.mock_recall_lots m
				 WHERE m.exercise_id = x.id AND m.scope IN ('root', 'back')) AS suppliers,
			   (SELECT count(DISTINCT s.ship_to) FROM lottrace.mock_recall_shipments s
				 WHERE s.exercise_id = x.id) AS customers,
			   (SELECT count(*) FROM lottrace.mock_recall_reservations r
				 WHERE r.exercise_id = x.id) AS open_reservations,
			   (SELECT count(DISTINCT s.location) FROM lottrace.mock_recall_stock s
				 WHERE s.exercise_id = x.id AND s.on_hand > 0) AS locations,
			   (SELECT count(*) FROM lottrace.mock_recall_lots m
				 WHERE m.exercise_id = x.id AND NOT m.reconciled) AS lots_not_reconciled) f;
COMMENT ON VIEW lottrace.mock_recall_report IS
	'one row per mock recall: scope, time taken, suppliers, customers, open reservations, root material reconciled, lots that do not reconcile, and whether it passed';

-- As the recall views from 15 on: the reader's privileges and policies
-- apply.  Before 15 the view reads its tables, which hold nothing but
-- exercise records, with its owner's privileges.
DO $$
BEGIN
	IF pg_catalog.current_setting('server_version_num')::int >= 150000 THEN
		ALTER VIEW lottrace.mock_recall_report SET (security_invoker = true);
	END IF;
END
$$;

-- the predefined roles
GRANT SELECT ON lottrace.lot_balances, lottrace.mock_recalls, lottrace.mock_recall_lots,
		lottrace.mock_recall_shipments, lottrace.mock_recall_reservations, lottrace.mock_recall_stock,
		lottrace.mock_recall_report
	TO lottrace_reader, lottrace_operator, lottrace_admin;
GRANT EXECUTE ON FUNCTION lottrace.root_part(numeric, numeric, numeric), lottrace.lot_links_out(bigint)
	TO lottrace_reader, lottrace_operator, lottrace_admin;
GRANT EXECUTE ON FUNCTION lottrace.record_stock_change(lottrace.event_kind, bigint, text, numeric, text, timestamptz, text)
	TO lottrace_operator;
GRANT INSERT, UPDATE ON lottrace.mock_recalls TO lottrace_admin;
GRANT INSERT ON lottrace.mock_recall_lots, lottrace.mock_recall_shipments, lottrace.mock_recall_reservations,
		lottrace.mock_recall_stock
	TO lottrace_admin;

-- Common sources (trace_common_sources, issue 13)
--------------------------------------------------------------------------
CREATE FUNCTION lottrace.trace_common_sources(lots bigint[], max_depth integer DEFAULT NULL,
											  clean_lots bigint[] DEFAULT NULL)
	RETURNS TABLE (lot_id bigint, hits integer, depth integer, reaches_clean boolean)
	AS 'MODULE_PATHNAME', 'trace_common_sources'
	LANGUAGE C STABLE PARALLEL RESTRICTED;
COMMENT ON FUNCTION lottrace.trace_common_sources(bigint[], integer, bigint[]) IS
	'every ancestor of the lots, with how many of them it reaches, its shortest depth and whether it reaches a clean lot, ranked';

--------------------------------------------------------------------------
-- Time-respecting traces and containers (issue 13 parts 2-3)
--------------------------------------------------------------------------
-- The new enum label is not used by this script (ALTER TYPE ... ADD VALUE
-- in a transaction allows that from PostgreSQL 12 on).
ALTER TYPE lottrace.event_kind ADD VALUE 'clean';

ALTER TABLE lottrace.lots ADD COLUMN container boolean NOT NULL DEFAULT false;
COMMENT ON COLUMN lottrace.lots.container IS
	'a silo, tank or line: a clean event with it as subject cuts every time-respecting path through it';

-- The genealogy indexes gain linked_at, and the backward one quantity and
-- uom (trace_quantities reads them there): rebuilt here, which blocks writes
-- to links for as long as two index builds take (doc/upgrading.md).
DROP INDEX lottrace.links_parent_idx;
DROP INDEX lottrace.links_child_idx;
CREATE INDEX links_parent_idx ON lottrace.links (parent_id) INCLUDE (child_id, id, linked_at);
CREATE INDEX links_child_idx ON lottrace.links (child_id) INCLUDE (parent_id, id, linked_at, quantity, uom);
COMMENT ON INDEX lottrace.links_parent_idx IS 'genealogy index, forward: parent to children';
COMMENT ON INDEX lottrace.links_child_idx IS 'genealogy index, backward: child to parents';

ALTER TABLE lottrace.recalls ADD COLUMN respect_time boolean NOT NULL DEFAULT false;
COMMENT ON COLUMN lottrace.recalls.respect_time IS
	'the scope follows links only forward in time and through containers only between cleanings';

-- The trace functions and open_recall gain respect_time: a new argument
-- list is a new function, and the recall views that call trace_forward go
-- and come back with it, with the root material and the balances (columns
-- at the end, so that queries written on 0.2.0 keep working).
DROP VIEW lottrace.recall_summary;
DROP VIEW lottrace.recall_shipments;
DROP VIEW lottrace.recall_scope_changes;
DROP VIEW lottrace.recall_scope;
DROP FUNCTION lottrace.trace_forward(bigint, integer);
DROP FUNCTION lottrace.trace_forward(bigint[], integer);
DROP FUNCTION lottrace.trace_backward(bigint, integer);
DROP FUNCTION lottrace.trace_backward(bigint[], integer);
DROP FUNCTION lottrace.trace_edges(bigint[], text, integer);
DROP FUNCTION lottrace.trace_dot(bigint[], text, integer);
DROP FUNCTION lottrace.open_recall(text, bigint[], text, boolean);

CREATE FUNCTION lottrace.trace_forward(root bigint, max_depth integer DEFAULT NULL,
									   respect_time boolean DEFAULT false)
	RETURNS TABLE (lot_id bigint, depth integer, via_id bigint)
	AS 'MODULE_PATHNAME', 'trace_forward_one'
	LANGUAGE C STABLE PARALLEL RESTRICTED;
COMMENT ON FUNCTION lottrace.trace_forward(bigint, integer, boolean) IS
	'every lot made from the root, once, with its shortest depth and the lot it was reached from';

CREATE FUNCTION lottrace.trace_forward(roots bigint[], max_depth integer DEFAULT NULL,
									   respect_time boolean DEFAULT false)
	RETURNS TABLE (lot_id bigint, depth integer, via_id bigint)
	AS 'MODULE_PATHNAME', 'trace_forward_many'
	LANGUAGE C STABLE PARALLEL RESTRICTED;
COMMENT ON FUNCTION lottrace.trace_forward(bigint[], integer, boolean) IS
	'every lot made from any of the roots, once, with its depth from the nearest root';

CREATE FUNCTION lottrace.trace_backward(root bigint, max_depth integer DEFAULT NULL,
									   respect_time boolean DEFAULT false)
	RETURNS TABLE (lot_id bigint, depth integer, via_id bigint)
	AS 'MODULE_PATHNAME', 'trace_backward_one'
	LANGUAGE C STABLE PARALLEL RESTRICTED;
COMMENT ON FUNCTION lottrace.trace_backward(bigint, integer, boolean) IS
	'every lot the root was made from, once, with its shortest depth and the lot it was reached from';

CREATE FUNCTION lottrace.trace_backward(roots bigint[], max_depth integer DEFAULT NULL,
									   respect_time boolean DEFAULT false)
	RETURNS TABLE (lot_id bigint, depth integer, via_id bigint)
	AS 'MODULE_PATHNAME', 'trace_backward_many'
	LANGUAGE C STABLE PARALLEL RESTRICTED;
COMMENT ON FUNCTION lottrace.trace_backward(bigint[], integer, boolean) IS
	'every lot any of the roots was made from, once, with its depth from the nearest root';

CREATE FUNCTION lottrace.trace_edges(roots bigint[], direction text DEFAULT 'forward',
									 max_depth integer DEFAULT NULL, respect_time boolean DEFAULT false)
	RETURNS TABLE (link_id bigint, parent_id bigint, child_id bigint, depth integer,
				   quantity numeric, kind lottrace.link_kind)
	AS 'MODULE_PATHNAME', 'trace_edges'
	LANGUAGE C STABLE PARALLEL RESTRICTED;
COMMENT ON FUNCTION lottrace.trace_edges(bigint[], text, integer, boolean) IS
	'the links of the traced subgraph (forward, backward or both), with the depth of their near end';

CREATE FUNCTION lottrace.trace_dot(roots bigint[], direction text DEFAULT 'both',
								   max_depth integer DEFAULT NULL, respect_time boolean DEFAULT false)
	RETURNS text
	AS 'MODULE_PATHNAME', 'trace_dot'
	LANGUAGE C STABLE PARALLEL RESTRICTED;
COMMENT ON FUNCTION lottrace.trace_dot(bigint[], text, integer, boolean) IS
	'the traced subgraph as Graphviz DOT: lots labelled with item, code and status, roots highlighted';

CREATE FUNCTION lottrace.open_recall(title text, roots bigint[], reason text DEFAULT NULL,
									 hold boolean DEFAULT true, respect_time boolean DEFAULT false)
	RETURNS bigint
	LANGUAGE plpgsql VOLATILE
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	recall bigint;
	hidden text;
BEGIN
	IF open_recall.title IS NULL OR btrim(open_recall.title) = '' THEN
		RAISE EXCEPTION 'a recall needs a title' USING ERRCODE = 'invalid_parameter_value';
	END IF;
	IF open_recall.roots IS NULL OR cardinality(open_recall.roots) = 0
	   OR array_position(open_recall.roots, NULL) IS NOT NULL THEN
		RAISE EXCEPTION 'a recall needs at least one root lot, and no null ones'
			USING ERRCODE = 'invalid_parameter_value';
	END IF;
	IF open_recall.hold IS NULL THEN
		RAISE EXCEPTION 'hold must not be null' USING ERRCODE = 'invalid_parameter_value';
	END IF;
	IF open_recall.respect_time IS NULL THEN
		RAISE EXCEPTION 'respect_time must not be null' USING ERRCODE = 'invalid_parameter_value';
	END IF;
	-- A recall covers the whole genealogy or nothing: under row-level
	-- security the trace, the frozen scope and the hold would each cover
	-- only the rows the caller's policies let it see, silently.
	SELECT string_agg(t::text, ', ' ORDER BY t::text) INTO hidden
	  FROM unnest('{lottrace.lots, lottrace.links, lottrace.recall_lots, lottrace.stock, lottrace.reservations}'::regclass[]) t
	 WHERE row_security_active(t);
	IF hidden IS NOT NULL THEN
		RAISE EXCEPTION 'open_recall needs to see the whole genealogy'
			USING ERRCODE = 'insufficient_privilege',
				  DETAIL = format('Row-level security applies to role "%s" on %s, so the recall would cover only the rows that role may see.',
								  current_user, hidden),
				  HINT = 'Open recalls as a role that row-level security does not apply to: the tables'' owner, a superuser or a role with BYPASSRLS.';
	END IF;

	INSERT INTO lottrace.recalls (title, reason, respect_time)
	VALUES (open_recall.title, open_recall.reason, open_recall.respect_time)
	RETURNING id INTO recall;
	-- trace_forward raises for a root that is not a lot, before anything stays written
	INSERT INTO lottrace.recall_lots (recall_id, lot_id, depth, via_id)
	SELECT recall, t.lot_id, t.depth, t.via_id
	  FROM lottrace.trace_forward(open_recall.roots, NULL, open_recall.respect_time) t;
	INSERT INTO lottrace.recall_roots (recall_id, lot_id)
	SELECT DISTINCT recall, r FROM unnest(open_recall.roots) r;

	IF open_recall.hold THEN
		PERFORM lottrace.set_status(
			ARRAY(SELECT rl.lot_id FROM lottrace.recall_lots rl WHERE rl.recall_id = recall ORDER BY rl.lot_id),
			'recalled',
			format('recall %s: %s', recall, open_recall.title));
	END IF;
	RETURN recall;
END
$$;
COMMENT ON FUNCTION lottrace.open_recall(text, bigint[], text, boolean, boolean) IS
	'opens a recall: records the roots, freezes the scope (their forward trace, time-respecting with respect_time) and, with hold, marks every lot in it recalled and releases its reservations';

-- The live scope: the forward trace of each open recall's roots, as the
-- genealogy stands now, with the root material in each lot (trace_quantities)
-- and its mass balance (lot_balances).  A recall opened with respect_time is
-- traced through time (trace_quantities with respect_time).  A filter on
-- recall_id reaches the recalls table, so only that recall is traced.
CREATE VIEW lottrace.recall_scope AS
SELECT r.id AS recall_id, t.lot_id, l.item, l.code, t.depth, l.status, l.expires_at, b.on_hand,
	   t.share, t.quantity AS root_quantity, t.uom AS root_uom,
	   b.uom, b.produced, b.consumed, b.shipped, b.disposed, b.unaccounted, b.recovery,
	   nullif(concat_ws('; ', t.note, b.note), '') AS note
  FROM lottrace.recalls r
 CROSS JOIN LATERAL (
		SELECT q.lot_id, q.depth, q.share, q.quantity, q.uom, q.note
		  FROM lottrace.trace_quantities(
				ARRAY(SELECT rr.lot_id FROM lottrace.recall_roots rr WHERE rr.recall_id = r.id),
				'forward', NULL, r.respect_time) q) t
  JOIN lottrace.lots l ON l.id = t.lot_id
 -- OFFSET 0 keeps the balance a per-lot subquery: joined as a view, the
 -- planner may compute it for every lot and hash the traced ones against it
 CROSS JOIN LATERAL (SELECT * FROM lottrace.lot_balances lb WHERE lb.lot_id = t.lot_id OFFSET 0) b
 WHERE r.status = 'open';
COMMENT ON VIEW lottrace.recall_scope IS
	'live scope of each open recall: every lot made from its roots, with depth, status, expiry, stock on hand, the root material it holds and its mass balance';

-- What changed since a recall was opened: lots now reachable that were not
-- in the frozen scope (a late production record), and frozen lots that are
-- no longer reachable (a link deleted as wrong).
CREATE VIEW lottrace.recall_scope_changes AS
SELECT coalesce(live.recall_id, frozen.recall_id) AS recall_id,
	   coalesce(live.lot_id, frozen.lot_id) AS lot_id,
	   l.item, l.code,
	   CASE WHEN frozen.lot_id IS NULL THEN 'added' ELSE 'removed' END AS change
  FROM lottrace.recall_scope live
  FULL JOIN (SELECT rl.recall_id, rl.lot_id
			   FROM lottrace.recall_lots rl
			   JOIN lottrace.recalls r ON r.id = rl.recall_id AND r.status = 'open') frozen
	ON frozen.recall_id = live.recall_id AND frozen.lot_id = live.lot_id
  JOIN lottrace.lots l ON l.id = coalesce(live.lot_id, frozen.lot_id)
 WHERE live.lot_id IS NULL OR frozen.lot_id IS NULL;
COMMENT ON VIEW lottrace.recall_scope_changes IS
	'differences between the live and the frozen scope of each open recall: lots added or removed since it was opened';

CREATE VIEW lottrace.recall_shipments AS
SELECT sc.recall_id, sc.lot_id, sc.item, sc.code, e.id AS event_id, e.occurred_at AS shipped_at,
	   e.partner AS ship_to, el.quantity, el.uom, e.reference
  FROM lottrace.recall_scope sc
  JOIN lottrace.event_lots el ON el.lot_id = sc.lot_id AND el.role = 'subject'
  JOIN lottrace.events e ON e.id = el.event_id AND e.kind = 'ship';
COMMENT ON VIEW lottrace.recall_shipments IS
	'every shipment of a lot in the live scope of an open recall: the customers to call';

-- One trace per recall, shared by every figure.  The root material in what
-- a lot shipped, holds or disposed of is that part of the lot's quantity
-- that is root material (its root_quantity over its quantity); a sum with
-- an unknown term is unknown.
CREATE VIEW lottrace.recall_summary AS
SELECT r.id AS recall_id, r.title, r.opened_at, f.lots, f.items, f.on_hand, f.shipped_quantity, f.customers,
	   f.root_uom, f.root_quantity, f.root_shipped, f.root_on_hand, f.root_disposed,
	   f.root_quantity - f.root_shipped - f.root_on_hand - f.root_disposed AS root_unaccounted,
	   round(100 * (f.root_shipped + f.root_on_hand + f.root_disposed) / nullif(f.root_quantity, 0), 2)
		   AS root_recovery
  FROM lottrace.recalls r
 CROSS JOIN LATERAL (
		WITH traced AS MATERIALIZED (
			SELECT q.lot_id, q.depth, q.quantity, q.uom
			  FROM lottrace.trace_quantities(
					ARRAY(SELECT rr.lot_id FROM lottrace.recall_roots rr WHERE rr.recall_id = r.id),
					'forward', NULL, r.respect_time) q),
		-- the balances of the traced lots only (a lot_id = ANY filter
		-- reaches the lots' primary key)
		scope AS MATERIALIZED (
			SELECT t.lot_id, t.depth, b.item, t.quantity, t.uom,
				   lottrace.root_part(t.quantity, b.produced, b.shipped) AS root_shipped,
				   lottrace.root_part(t.quantity, b.produced, b.on_hand) AS root_on_hand,
				   lottrace.root_part(t.quantity, b.produced, b.disposed) AS root_disposed
			  FROM traced t
			  JOIN lottrace.lot_balances b ON b.lot_id = t.lot_id
			 WHERE b.lot_id = ANY (ARRAY(SELECT traced.lot_id FROM traced))),
		shipments AS MATERIALIZED (
			SELECT e.partner, el.quantity
			  FROM scope
			  JOIN lottrace.event_lots el ON el.lot_id = scope.lot_id AND el.role = 'subject'
			  JOIN lottrace.events e ON e.id = el.event_id AND e.kind = 'ship')
		SELECT (SELECT count(*) FROM scope) AS lots,
			   (SELECT count(DISTINCT scope.item) FROM scope) AS items,
			   (SELECT coalesce(sum(s.on_hand), 0) FROM scope JOIN lottrace.stock s ON s.lot_id = scope.lot_id) AS on_hand,
			   (SELECT coalesce(sum(shipments.quantity), 0) FROM shipments) AS shipped_quantity,
			   (SELECT count(DISTINCT shipments.partner) FROM shipments) AS customers,
			   (SELECT min(scope.uom) FROM scope WHERE scope.depth = 0) AS root_uom,
			   (SELECT CASE WHEN count(*) = count(scope.quantity) THEN sum(scope.quantity) END
				  FROM scope WHERE scope.depth = 0) AS root_quantity,
			   (SELECT CASE WHEN count(*) = count(scope.root_shipped) THEN sum(scope.root_shipped) END
				  FROM scope) AS root_shipped,
			   (SELECT CASE WHEN count(*) = count(scope.root_on_hand) THEN sum(scope.root_on_hand) END
				  FROM scope) AS root_on_hand,
			   (SELECT CASE WHEN count(*) = count(scope.root_disposed) THEN sum(scope.root_disposed) END
				  FROM scope) AS root_disposed) f
 WHERE r.status = 'open';
COMMENT ON VIEW lottrace.recall_summary IS
	'one row per open recall: lots and items in scope, quantity on hand and shipped, customers reached, and the root material reconciled: in the roots, shipped, on hand, disposed, unaccounted, recovery %';

DO $$
DECLARE
	recall_view regclass;
BEGIN
	IF pg_catalog.current_setting('server_version_num')::int >= 150000 THEN
		ALTER VIEW lottrace.recall_scope SET (security_invoker = true);
		ALTER VIEW lottrace.recall_scope_changes SET (security_invoker = true);
		ALTER VIEW lottrace.recall_shipments SET (security_invoker = true);
		ALTER VIEW lottrace.recall_summary SET (security_invoker = true);
	ELSE
		-- lottrace.check_recall_view_reader() is there since 0.2.0
		FOREACH recall_view IN ARRAY
			'{lottrace.recall_scope, lottrace.recall_scope_changes, lottrace.recall_shipments, lottrace.recall_summary}'::regclass[]
		LOOP
			EXECUTE pg_catalog.format('CREATE OR REPLACE VIEW %s AS SELECT * FROM (%s) v WHERE lottrace.check_recall_view_reader()',
									  recall_view, pg_catalog.rtrim(pg_catalog.rtrim(pg_catalog.pg_get_viewdef(recall_view)), ';'));
		END LOOP;
	END IF;
END
$$;
GRANT SELECT ON lottrace.recall_scope, lottrace.recall_scope_changes, lottrace.recall_shipments,
		lottrace.recall_summary
	TO lottrace_reader, lottrace_operator, lottrace_admin;

--------------------------------------------------------------------------
-- EPCIS import: every valid document, lot-level content imported, the
-- rest reported per event (issue 14, part 1)
--------------------------------------------------------------------------

ALTER TYPE lottrace.event_kind ADD VALUE 'observe';

ALTER TABLE lottrace.epcis_imported ADD COLUMN retracted_at timestamptz;
COMMENT ON COLUMN lottrace.epcis_imported.retracted_at IS
	'when an errorDeclaration retracted the event (its lottrace event is deleted)';

-- What each import did with each event, and why it skipped what it skipped.
CREATE TABLE lottrace.epcis_import_log (
	id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
	imported_at timestamptz NOT NULL DEFAULT now(),
	position integer,
	event_id text NOT NULL,
	event_type text NOT NULL,
	outcome text NOT NULL
		CHECK (outcome IN ('imported', 'partly imported', 'skipped', 'already imported', 'retracted')),
	reason text,
	lottrace_event_id bigint
);
COMMENT ON TABLE lottrace.epcis_import_log IS
	'epcis_import''s report: one row per event of every imported document (and per master data entry not kept)';
COMMENT ON COLUMN lottrace.epcis_import_log.position IS
	'the event''s place in eventList, from 1; NULL for a master data entry';
COMMENT ON COLUMN lottrace.epcis_import_log.lottrace_event_id IS
	'the event it became (history: the event may have been retracted or deleted since)';
COMMENT ON COLUMN lottrace.epcis_import_log.reason IS
	'why the event, or part of it, was skipped; what a retraction did';
SELECT pg_catalog.pg_extension_config_dump('lottrace.epcis_import_log', '');
SELECT pg_catalog.pg_extension_config_dump(pg_catalog.pg_get_serial_sequence('lottrace.epcis_import_log', 'id')::regclass, '');

-- The lot of a serialized item (SGTIN), as the ILMD of its commissioning
-- event or instance master data gave it.  The first lot given is kept.  The
-- lot is named by item and code, not referenced: it need not exist yet,
-- and the table stands in the way of no TRUNCATE of lots.
CREATE TABLE lottrace.epcis_serials (
	item text NOT NULL,
	serial text NOT NULL,
	code lottrace.lot NOT NULL,
	event_id text,
	PRIMARY KEY (item, serial)
);
COMMENT ON TABLE lottrace.epcis_serials IS
	'the lot (item and code) of each serialized item (GTIN and serial) that EPCIS documents gave';
COMMENT ON COLUMN lottrace.epcis_serials.event_id IS
	'the EPCIS eventID whose ILMD gave the lot; NULL when master data gave it';
SELECT pg_catalog.pg_extension_config_dump('lottrace.epcis_serials', '');

-- The events of one transformation split over several TransformationEvents.
CREATE INDEX events_transformation_idx ON lottrace.events ((attributes ->> 'transformationID'))
	WHERE (attributes ->> 'transformationID') IS NOT NULL;
COMMENT ON INDEX lottrace.events_transformation_idx IS
	'the events of an EPCIS transformationID';

-- One row per transformationID an import or a retraction has touched: where
-- concurrent transactions that change one transformation meet (see
-- epcis_lock_transformation).  Its ids come from the documents, and like
-- every table of the extension it is dumped.
CREATE TABLE lottrace.epcis_transformations (
	transformation_id text PRIMARY KEY
);
COMMENT ON TABLE lottrace.epcis_transformations IS
	'the EPCIS transformationIDs imported: each row is the lock that orders the imports and retractions of its parts';
SELECT pg_catalog.pg_extension_config_dump('lottrace.epcis_transformations', '');

-- A value inside an EPC URN, with the escapes the URN syntax needs undone.
CREATE FUNCTION lottrace.epcis_urn_value(value text) RETURNS text
	LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
	SET search_path = pg_catalog, pg_temp
	AS $$
	SELECT replace(replace(replace(replace(replace(replace(replace(value,
		'%22', '"'), '%26', '&'), '%2F', '/'), '%3C', '<'), '%3E', '>'), '%3F', '?'), '%25', '%')
$$;
COMMENT ON FUNCTION lottrace.epcis_urn_value(text) IS
	'internal to epcis_import: a serial or lot of an EPC URN without its escapes';
REVOKE EXECUTE ON FUNCTION lottrace.epcis_urn_value(text) FROM PUBLIC;

-- What an EPC id names.  A lot: item and code.  A serialized item: item,
-- serial, and the code of its lot when known.  A product: item alone.  When
-- it names no lot, reason says what it names instead.  An id of a scheme
-- lottrace reads that breaks that scheme's rules raises: the document is
-- malformed.
CREATE FUNCTION lottrace.epcis_epc_lot(epc text, context text,
									   OUT item text, OUT code lottrace.lot, OUT serial text, OUT reason text)
	RETURNS record
	LANGUAGE plpgsql STABLE
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	parts text[];
	decoded lottrace.gs1_data;
BEGIN
	IF epc IS NULL THEN
		RAISE EXCEPTION '%: an EPC id is missing', context USING ERRCODE = 'invalid_text_representation';
	END IF;
	BEGIN
		IF epc LIKE 'urn:epc:class:lgtin:%' THEN
			SELECT p.gtin, p.lot INTO item, code FROM lottrace.lgtin_parse(epc) p;
		ELSIF epc LIKE 'urn:epc:id:sgtin:%' OR epc LIKE 'urn:epc:idpat:sgtin:%' THEN
			parts := regexp_match(epc, '^urn:epc:(id|idpat):sgtin:([0-9]{6,12})\.([0-9]{1,7})\.(.+)$');
			IF parts IS NULL OR length(parts[2] || parts[3]) <> 13 OR (parts[1] = 'idpat' AND parts[4] <> '*') THEN
				RAISE EXCEPTION 'it is not an SGTIN: company prefix and item reference of 13 digits, then a serial'
					USING ERRCODE = 'invalid_text_representation';
			END IF;
			SELECT body || d INTO item
			  FROM (SELECT left(parts[3], 1) || parts[2] || substr(parts[3], 2) AS body) b,
				   generate_series(0, 9) d
			 WHERE lottrace.gtin_valid(body || d);
			IF parts[1] = 'idpat' THEN
				reason := 'a product (GTIN) without a lot';
			ELSE
				serial := lottrace.epcis_urn_value(parts[4]);
			END IF;
		ELSIF epc LIKE 'urn:gdst:%' THEN
			-- GDST: urn:gdst:<domain>:product:lot:class:<owner>.<product>.<lot>,
			-- the product being urn:gdst:<domain>:product:class:<owner>.<product>
			parts := regexp_match(epc, '^(urn:gdst:[^:]+:product:)(lot:)?class:([^.:]+\.[^.:]+)(\.(.+))?$');
			IF parts IS NULL OR (parts[2] IS NULL) <> (parts[5] IS NULL) THEN
				reason := 'a GDST identifier that names no lot';
			ELSE
				item := parts[1] || 'class:' || parts[3];
				IF parts[5] IS NULL THEN
					reason := 'a product without a lot';
				ELSE
					code := lottrace.epcis_urn_value(parts[5]);
				END IF;
			END IF;
		ELSIF epc LIKE 'urn:epc:id:sscc:%' THEN
			reason := 'a logistic unit (SSCC), not a lot';
		ELSIF epc ~ '^urn:epc:(id|idpat|class):' THEN
			reason := format('an EPC of scheme %s, not a lot', split_part(epc, ':', 4));
		ELSIF epc ~* '^https?://' THEN
			-- a URI with a GS1 primary key in its path claims to be a Digital Link
			IF epc !~ '^[A-Za-z]+://[^/?#]+(/[^?#]*)?/(00|01|253|255|401|402|414|417|8003|8004|8006|8010|8013|8017|8018)/' THEN
				reason := 'not an identifier lottrace reads (a GS1 Digital Link URI, an EPC URN or a GDST URN)';
			ELSE
				decoded := lottrace.gs1_decode(epc);
				item := decoded.gtin;
				code := decoded.lot;
				serial := decoded.serial;
				reason := CASE WHEN decoded.sscc IS NOT NULL THEN 'a logistic unit (SSCC), not a lot'
							   WHEN decoded.gtin IS NULL THEN 'a GS1 key that is not a trade item'
							   WHEN decoded.lot IS NULL AND decoded.serial IS NULL THEN 'a product (GTIN) without a lot' END;
			END IF;
		ELSE
			reason := 'not an identifier lottrace reads (a GS1 Digital Link URI, an EPC URN or a GDST URN)';
		END IF;
	EXCEPTION WHEN invalid_text_representation THEN
		RAISE EXCEPTION '%: EPC id "%": %', context, epc, SQLERRM USING ERRCODE = 'invalid_text_representation';
	END;
	IF serial IS NOT NULL AND code IS NULL THEN
		SELECT s.code INTO code
		  FROM lottrace.epcis_serials s
		 WHERE s.item = epcis_epc_lot.item AND s.serial = epcis_epc_lot.serial;
		IF code IS NULL THEN
			reason := 'a serialized item (SGTIN) whose lot is not known';
		END IF;
	END IF;
END
$$;
COMMENT ON FUNCTION lottrace.epcis_epc_lot(text, text) IS
	'internal to epcis_import: the lot, serialized item or product an EPC id names, or why it names none';
REVOKE EXECUTE ON FUNCTION lottrace.epcis_epc_lot(text, text) FROM PUBLIC;

-- The lot an EPC id names, created if new; an id that names no lot raises.
CREATE OR REPLACE FUNCTION lottrace.epcis_lot(epc text, context text) RETURNS bigint
	LANGUAGE plpgsql VOLATILE
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	named record;
	result bigint;
BEGIN
	SELECT * INTO named FROM lottrace.epcis_epc_lot(epc, context);
	IF named.code IS NULL THEN
		RAISE EXCEPTION '%: EPC id "%" names no lot', context, epc
			USING ERRCODE = 'invalid_text_representation', DETAIL = format('It is %s.', named.reason);
	END IF;
	INSERT INTO lottrace.lots (item, code) VALUES (named.item, named.code) ON CONFLICT (item, code) DO NOTHING;
	SELECT l.id INTO result FROM lottrace.lots l WHERE l.item = named.item AND l.code OPERATOR(lottrace.=) named.code;
	RETURN result;
END
$$;
COMMENT ON FUNCTION lottrace.epcis_lot(text, text) IS
	'internal to epcis_import: the lot an EPC id names, created if new';
REVOKE EXECUTE ON FUNCTION lottrace.epcis_lot(text, text) FROM PUBLIC;

DROP FUNCTION lottrace.epcis_list_lots(jsonb, jsonb, text);

-- What each entry of one EPCIS quantity list or EPC list names (see
-- epcis_epc_lot), with its quantity.  Serialized items whose lot is not
-- known take the lot of the event's ILMD, if it has one.  Creates nothing.
CREATE FUNCTION lottrace.epcis_list_lots(quantities jsonb, epcs jsonb, context text, ilmd_lot lottrace.lot,
										 OUT item text, OUT code lottrace.lot, OUT serial text,
										 OUT quantity numeric, OUT uom text, OUT epc text, OUT reason text)
	RETURNS SETOF record
	LANGUAGE plpgsql STABLE
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
		SELECT n.item, n.code, n.serial, n.reason INTO item, code, serial, reason FROM lottrace.epcis_epc_lot(epc, context) n;
		quantity := (entry ->> 'quantity')::numeric;
		uom := entry ->> 'uom';
		RETURN NEXT;
	END LOOP;
	FOR entry IN SELECT value FROM jsonb_array_elements(coalesce(epcs, '[]')) LOOP
		IF jsonb_typeof(entry) <> 'string' THEN
			RAISE EXCEPTION '%: an EPC list entry is not a string', context USING ERRCODE = 'invalid_text_representation';
		END IF;
		epc := entry #>> '{}';
		SELECT n.item, n.code, n.serial, n.reason INTO item, code, serial, reason FROM lottrace.epcis_epc_lot(epc, context) n;
		IF code IS NULL AND serial IS NOT NULL AND ilmd_lot IS NOT NULL THEN
			code := ilmd_lot;
			reason := NULL;
		END IF;
		quantity := 1;
		uom := NULL;
		RETURN NEXT;
	END LOOP;
END
$$;
COMMENT ON FUNCTION lottrace.epcis_list_lots(jsonb, jsonb, text, lottrace.lot) IS
	'internal to epcis_import: what the entries of a quantity list and an EPC list name';
REVOKE EXECUTE ON FUNCTION lottrace.epcis_list_lots(jsonb, jsonb, text, lottrace.lot) FROM PUBLIC;

-- Taken by every import and retraction of a part of a transformation before
-- it reads or changes the other parts: two transactions importing the two
-- halves of one transformation at once would each miss the other's
-- uncommitted events, and no link would be made.  Writing the
-- transformation's row makes the second writer wait until the first ends.
-- Then, under READ COMMITTED, the caller's next statement takes a new
-- snapshot and sees the first one's events.  Under REPEATABLE READ and
-- SERIALIZABLE the snapshot is the transaction's and cannot see them: there
-- the write fails with a serialization failure (40001) whenever a
-- transaction that wrote the row committed after the snapshot was taken
-- (before this write, or while it waited), and the caller retries the
-- transaction.  DO UPDATE, not DO NOTHING:
-- an existing row must be written too, to meet a writer that came before.
CREATE FUNCTION lottrace.epcis_lock_transformation(transformation_id text) RETURNS void
	LANGUAGE sql VOLATILE
	SET search_path = pg_catalog, pg_temp
	AS $$
	INSERT INTO lottrace.epcis_transformations (transformation_id) VALUES ($1)
	ON CONFLICT (transformation_id) DO UPDATE SET transformation_id = excluded.transformation_id
$$;
COMMENT ON FUNCTION lottrace.epcis_lock_transformation(text) IS
	'internal to epcis_import: orders concurrent imports and retractions of the parts of one transformationID';
REVOKE EXECUTE ON FUNCTION lottrace.epcis_lock_transformation(text) FROM PUBLIC;

-- The links of a transformation split over several TransformationEvents
-- sharing a transformationID: every input of one of them into every output
-- of another, where no event of the transformation links the pair yet.
-- Each link belongs to the event of its output, at that event's time.  The
-- caller has taken epcis_lock_transformation in an earlier statement.
CREATE FUNCTION lottrace.epcis_link_transformation(transformation_id text) RETURNS void
	LANGUAGE sql VOLATILE
	SET search_path = pg_catalog, pg_temp
	AS $$
	INSERT INTO lottrace.links (parent_id, child_id, kind, event_id, linked_at)
	SELECT DISTINCT ON (i.lot_id, o.lot_id) i.lot_id, o.lot_id, 'consume'::lottrace.link_kind, oe.id, oe.occurred_at
	  FROM lottrace.events ie
	  JOIN lottrace.event_lots i ON i.event_id = ie.id AND i.role = 'input'
	  JOIN lottrace.events oe ON oe.attributes ->> 'transformationID' = transformation_id AND oe.kind = 'transform'
	  JOIN lottrace.event_lots o ON o.event_id = oe.id AND o.role = 'output'
	 WHERE ie.attributes ->> 'transformationID' = transformation_id AND ie.kind = 'transform'
	   AND ie.id <> oe.id AND i.lot_id <> o.lot_id
	   AND NOT EXISTS (SELECT FROM lottrace.links k JOIN lottrace.events ke ON ke.id = k.event_id
					    WHERE k.parent_id = i.lot_id AND k.child_id = o.lot_id
						  AND ke.attributes ->> 'transformationID' = transformation_id)
	 ORDER BY i.lot_id, o.lot_id, oe.id
$$;
COMMENT ON FUNCTION lottrace.epcis_link_transformation(text) IS
	'internal to epcis_import: links the inputs and outputs of the events of one transformationID';
REVOKE EXECUTE ON FUNCTION lottrace.epcis_link_transformation(text) FROM PUBLIC;

-- One row of the import report.
CREATE FUNCTION lottrace.epcis_log(event_position integer, event_id text, event_type text, outcome text,
								   reason text, lottrace_event_id bigint) RETURNS bigint
	LANGUAGE sql VOLATILE
	SET search_path = pg_catalog, pg_temp
	AS $$
	INSERT INTO lottrace.epcis_import_log (position, event_id, event_type, outcome, reason, lottrace_event_id)
	VALUES ($1, $2, $3, $4, $5, $6)
	RETURNING id
$$;
COMMENT ON FUNCTION lottrace.epcis_log(integer, text, text, text, text, bigint) IS
	'internal to epcis_import: writes one row of its report';
REVOKE EXECUTE ON FUNCTION lottrace.epcis_log(integer, text, text, text, text, bigint) FROM PUBLIC;

-- The text of a master data attribute: a string, or the first of its
-- language-tagged values.
CREATE FUNCTION lottrace.epcis_text(value jsonb) RETURNS text
	LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
	SET search_path = pg_catalog, pg_temp
	AS $$
	SELECT CASE jsonb_typeof(value)
		WHEN 'string' THEN value #>> '{}'
		WHEN 'object' THEN value ->> '@value'
		WHEN 'array' THEN coalesce(value -> 0 ->> '@value', value ->> 0)
	END
$$;
COMMENT ON FUNCTION lottrace.epcis_text(jsonb) IS
	'internal to epcis_import: a master data attribute as text';
REVOKE EXECUTE ON FUNCTION lottrace.epcis_text(jsonb) FROM PUBLIC;

CREATE FUNCTION lottrace.epcis_import_report(document jsonb) RETURNS SETOF lottrace.epcis_import_log
	LANGUAGE plpgsql VOLATILE
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	events jsonb;
	master jsonb;
	log_ids bigint[] := '{}';
	descriptions jsonb := '{}';
	ev jsonb;
	position int := 0;
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
	claim record;
	transformation_id text;
	ilmd_lot lottrace.lot;
	names jsonb;
	lots_named int;
	skipped text;
	input_ids bigint[];
	input_quantities numeric[];
	input_uoms text[];
	output_ids bigint[];
	output_quantities numeric[];
	output_uoms text[];
	list_name text;
	vocabulary jsonb;
	element jsonb;
	attribute jsonb;
	named record;
	lot bigint;
	serial_lot lottrace.lot;
	exact jsonb;
	exact_names jsonb;
	location_std text;
	partner_std text;
	attributes jsonb;
BEGIN
	IF document IS NULL OR jsonb_typeof(document) <> 'object' THEN
		RAISE EXCEPTION 'an EPCIS document is a JSON object' USING ERRCODE = 'invalid_text_representation';
	END IF;
	IF document ->> 'type' = 'EPCISDocument' THEN
		events := document #> '{epcisBody,eventList}';
		master := document #> '{epcisHeader,epcisMasterData,vocabularyList}';
		IF jsonb_typeof(events) IS DISTINCT FROM 'array' THEN
			RAISE EXCEPTION 'the EPCIS document has no epcisBody.eventList array'
				USING ERRCODE = 'invalid_text_representation';
		END IF;
	ELSIF document ->> 'type' = 'EPCISQueryDocument' THEN
		-- The answer to a query (what the /events resource of EPCIS's REST
		-- interface returns): the same events, and master data beside them
		-- instead of in a header, which the schema does not let it have.
		-- What the schema requires of the query results is checked here,
		-- lest the answer to something else pass for one.
		IF jsonb_typeof(document #> '{epcisBody,queryResults}') IS DISTINCT FROM 'object' THEN
			RAISE EXCEPTION 'the EPCIS query document has no epcisBody.queryResults object'
				USING ERRCODE = 'invalid_text_representation';
		END IF;
		IF jsonb_typeof(document #> '{epcisBody,queryResults,queryName}') IS DISTINCT FROM 'string' THEN
			RAISE EXCEPTION 'the EPCIS query document has no epcisBody.queryResults.queryName string'
				USING ERRCODE = 'invalid_text_representation';
		END IF;
		IF jsonb_typeof(document #> '{epcisBody,queryResults,subscriptionID}') <> 'string' THEN
			RAISE EXCEPTION 'the EPCIS query document''s epcisBody.queryResults.subscriptionID is not a string'
				USING ERRCODE = 'invalid_text_representation';
		END IF;
		IF document ? 'epcisHeader' THEN
			RAISE EXCEPTION 'an EPCIS query document has no epcisHeader'
				USING ERRCODE = 'invalid_text_representation',
					  HINT = 'Its master data goes in epcisBody.queryResults.resultsBody.vocabularyList.';
		END IF;
		events := document #> '{epcisBody,queryResults,resultsBody,eventList}';
		master := document #> '{epcisBody,queryResults,resultsBody,vocabularyList}';
		IF jsonb_typeof(events) IS DISTINCT FROM 'array' THEN
			RAISE EXCEPTION 'the EPCIS query document has no epcisBody.queryResults.resultsBody.eventList array'
				USING ERRCODE = 'invalid_text_representation';
		END IF;
	ELSE
		RAISE EXCEPTION 'not an EPCIS document: "type" is %', coalesce('"' || (document ->> 'type') || '"', 'missing')
			USING ERRCODE = 'invalid_text_representation',
				  HINT = 'An EPCIS 2.0 document is an EPCISDocument or an EPCISQueryDocument.';
	END IF;

	-- Master data (EPCClass and EPCInstance vocabularies): lots and their
	-- attributes, the lots of serialized items, product descriptions.  A
	-- vocabularyList that is not a list is refused, not passed over: the
	-- schema refuses it, and skipping it would drop master data unsaid.
	IF master IS NOT NULL AND jsonb_typeof(master) <> 'array' THEN
		RAISE EXCEPTION 'the EPCIS document''s vocabularyList is not an array'
			USING ERRCODE = 'invalid_text_representation';
	END IF;
	IF master IS NOT NULL THEN
		FOR vocabulary IN SELECT value FROM jsonb_array_elements(master) LOOP
			CONTINUE WHEN lottrace.epcis_term(vocabulary ->> 'type') NOT IN
				('urn:epcglobal:epcis:vtype:EPCClass', 'EPCClass', 'urn:epcglobal:epcis:vtype:EPCInstance', 'EPCInstance');
			FOR element IN SELECT value FROM jsonb_array_elements(coalesce(vocabulary -> 'vocabularyElementList', '[]')) LOOP
				SELECT * INTO named FROM lottrace.epcis_epc_lot(element ->> 'id', 'master data');
				IF named.code IS NOT NULL AND named.serial IS NULL THEN
					lot := lottrace.epcis_lot(element ->> 'id', 'master data');
				ELSE
					lot := NULL;
				END IF;
				serial_lot := NULL;
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
						WHEN 'lottrace:attributes' THEN
							IF jsonb_typeof(attribute -> 'attribute') IS DISTINCT FROM 'object' THEN
								RAISE EXCEPTION 'master data of "%": lottrace:attributes is not an object', element ->> 'id'
									USING ERRCODE = 'invalid_text_representation';
							END IF;
							UPDATE lottrace.lots l SET attributes = l.attributes || (attribute -> 'attribute') WHERE l.id = lot;
						WHEN 'urn:epcglobal:cbv:mda#descriptionShort' THEN
							IF lot IS NOT NULL THEN
								UPDATE lottrace.lots l
								   SET attributes = l.attributes || jsonb_build_object('product_description',
																					   lottrace.epcis_text(attribute -> 'attribute'))
								 WHERE l.id = lot AND lottrace.epcis_text(attribute -> 'attribute') IS NOT NULL;
							ELSIF named.item IS NOT NULL AND named.serial IS NULL THEN
								descriptions := descriptions || jsonb_strip_nulls(jsonb_build_object(named.item,
																			lottrace.epcis_text(attribute -> 'attribute')));
							END IF;
						WHEN 'urn:epcglobal:cbv:mda#lotNumber' THEN
							serial_lot := attribute ->> 'attribute';
						ELSE
							NULL;	-- other master data is not kept
					END CASE;
				END LOOP;
				IF named.serial IS NOT NULL AND serial_lot IS NOT NULL THEN
					INSERT INTO lottrace.epcis_serials (item, serial, code)
					VALUES (named.item, named.serial, serial_lot)
					ON CONFLICT DO NOTHING;
				ELSIF named.code IS NULL AND (named.item IS NULL OR named.serial IS NOT NULL) THEN
					log_ids := log_ids || lottrace.epcis_log(NULL, element ->> 'id', 'master data', 'skipped', named.reason, NULL);
				END IF;
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
		IF event_type IS NULL OR event_type NOT IN ('ObjectEvent', 'AggregationEvent', 'AssociationEvent',
													'TransactionEvent', 'TransformationEvent') THEN
			RAISE EXCEPTION '%: event type % is not an EPCIS 2.0 event type', context,
				coalesce('"' || (ev ->> 'type') || '"', 'missing')
				USING ERRCODE = 'invalid_text_representation',
					  HINT = 'EPCIS 2.0 has ObjectEvent, AggregationEvent, AssociationEvent, TransactionEvent and TransformationEvent.';
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
		IF event_type <> 'TransformationEvent' AND (ev ->> 'action' IS NULL OR ev ->> 'action' NOT IN ('ADD', 'OBSERVE', 'DELETE')) THEN
			RAISE EXCEPTION '%: the action must be ADD, OBSERVE or DELETE, not %', context, coalesce('"' || (ev ->> 'action') || '"', 'missing')
				USING ERRCODE = 'invalid_text_representation';
		END IF;
		FOREACH list_name IN ARRAY ARRAY['sourceList', 'destinationList', 'bizTransactionList'] LOOP
			IF ev ? list_name AND (jsonb_typeof(ev -> list_name) <> 'array'
								   OR EXISTS (SELECT FROM jsonb_array_elements(ev -> list_name) e WHERE jsonb_typeof(e) <> 'object')) THEN
				RAISE EXCEPTION '%: % is not a list of objects', context, list_name
					USING ERRCODE = 'invalid_text_representation';
			END IF;
		END LOOP;

		-- An error declaration retracts the event of its eventID: what that
		-- event wrote is deleted, and the claim is kept, marked retracted.
		IF ev ? 'errorDeclaration' THEN
			IF jsonb_typeof(ev -> 'errorDeclaration') <> 'object' THEN
				RAISE EXCEPTION '%: errorDeclaration is not an object', context USING ERRCODE = 'invalid_text_representation';
			END IF;
			BEGIN
				PERFORM (ev #>> '{errorDeclaration,declarationTime}')::timestamptz;
			EXCEPTION WHEN invalid_datetime_format OR datetime_field_overflow THEN
				RAISE EXCEPTION '%: declarationTime "%" is not a date and time', context,
					ev #>> '{errorDeclaration,declarationTime}' USING ERRCODE = 'invalid_text_representation';
			END;
			IF ev #>> '{errorDeclaration,declarationTime}' IS NULL THEN
				RAISE EXCEPTION '%: errorDeclaration has no declarationTime', context USING ERRCODE = 'invalid_text_representation';
			END IF;
			IF NOT ev ? 'eventID' THEN
				log_ids := log_ids || lottrace.epcis_log(position, epcis_id, event_type, 'skipped',
														  'an errorDeclaration without eventID names no event to retract', NULL);
				CONTINUE;
			END IF;
			INSERT INTO lottrace.epcis_imported (event_id, retracted_at) VALUES (epcis_id, now()) ON CONFLICT DO NOTHING;
			GET DIAGNOSTICS claimed = ROW_COUNT;
			IF claimed = 1 THEN
				log_ids := log_ids || lottrace.epcis_log(position, epcis_id, event_type, 'retracted',
														  'declared erroneous before it was imported: it will not be', NULL);
				CONTINUE;
			END IF;
			SELECT i.lottrace_event_id, i.retracted_at INTO claim FROM lottrace.epcis_imported i WHERE i.event_id = epcis_id FOR UPDATE;
			IF claim.retracted_at IS NOT NULL THEN
				log_ids := log_ids || lottrace.epcis_log(position, epcis_id, event_type, 'already imported', 'already retracted', NULL);
				CONTINUE;
			END IF;
			IF claim.lottrace_event_id IS NOT NULL THEN
				transformation_id := (SELECT e.attributes ->> 'transformationID' FROM lottrace.events e WHERE e.id = claim.lottrace_event_id);
				IF transformation_id IS NOT NULL THEN
					-- before the links of the transformation are read: a
					-- concurrent import of another part may be making some
					PERFORM lottrace.epcis_lock_transformation(transformation_id);
				END IF;
				DELETE FROM lottrace.links k WHERE k.event_id = claim.lottrace_event_id;
				DELETE FROM lottrace.epcis_serials s WHERE s.event_id = epcis_id;
				DELETE FROM lottrace.events e WHERE e.id = claim.lottrace_event_id;
				IF transformation_id IS NOT NULL THEN
					-- links that paired the retracted event's lots with another
					-- event of its transformation, and that no remaining event
					-- supports any more
					DELETE FROM lottrace.links k USING lottrace.events ke
					 WHERE ke.id = k.event_id AND ke.attributes ->> 'transformationID' = transformation_id
					   AND (NOT EXISTS (SELECT FROM lottrace.event_lots el JOIN lottrace.events e ON e.id = el.event_id
										 WHERE e.attributes ->> 'transformationID' = transformation_id AND e.kind = 'transform'
										   AND el.role = 'input' AND el.lot_id = k.parent_id)
							OR NOT EXISTS (SELECT FROM lottrace.event_lots el JOIN lottrace.events e ON e.id = el.event_id
											WHERE e.attributes ->> 'transformationID' = transformation_id AND e.kind = 'transform'
											  AND el.role = 'output' AND el.lot_id = k.child_id));
					PERFORM lottrace.epcis_link_transformation(transformation_id);
				END IF;
			END IF;
			UPDATE lottrace.epcis_imported i SET retracted_at = now() WHERE i.event_id = epcis_id;
			log_ids := log_ids || lottrace.epcis_log(position, epcis_id, event_type, 'retracted',
				format('retracts the event imported as event %s%s', coalesce(claim.lottrace_event_id::text, '(links only)'),
					   ' (' || lottrace.epcis_term(ev #>> '{errorDeclaration,reason}') || ')'),
				NULL);
			CONTINUE;
		END IF;

		SELECT i.retracted_at INTO claim FROM lottrace.epcis_imported i WHERE i.event_id = epcis_id;
		IF FOUND THEN
			log_ids := log_ids || lottrace.epcis_log(position, epcis_id, event_type,
				CASE WHEN claim.retracted_at IS NULL THEN 'already imported' ELSE 'retracted' END,
				CASE WHEN claim.retracted_at IS NOT NULL THEN 'an errorDeclaration retracted it' END, NULL);
			CONTINUE;
		END IF;

		biz_step := lottrace.epcis_term(ev ->> 'bizStep');
		links_only := coalesce((ev ->> 'lottrace:linksOnly')::boolean, false);
		transformation_id := CASE WHEN event_type = 'TransformationEvent' THEN ev ->> 'transformationID' END;
		-- indexed too (events_transformation_idx, epcis_transformations), so
		-- bounded as the eventID is
		IF octet_length(transformation_id) > 1000 THEN
			RAISE EXCEPTION '%: transformationID is longer than 1000 bytes', context
				USING ERRCODE = 'invalid_text_representation';
		END IF;
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
			kind := CASE biz_step WHEN 'commissioning' THEN 'initial_pack' WHEN 'shipping' THEN 'ship'
								  WHEN 'receiving' THEN 'receive' WHEN 'destroying' THEN 'dispose'
								  ELSE 'observe' END;
		END IF;
		IF links_only AND event_type <> 'TransformationEvent' THEN
			RAISE EXCEPTION '%: lottrace:linksOnly applies to TransformationEvents', context
				USING ERRCODE = 'invalid_text_representation';
		END IF;
		BEGIN
			ilmd_lot := ev #>> '{ilmd,cbvmda:lotNumber}';
		EXCEPTION WHEN invalid_text_representation THEN
			RAISE EXCEPTION '%: ILMD lotNumber "%": %', context, ev #>> '{ilmd,cbvmda:lotNumber}', SQLERRM
				USING ERRCODE = 'invalid_text_representation';
		END;

		-- what the event names, lots or not
		SELECT coalesce(jsonb_agg(jsonb_build_object('role', s.role, 'item', n.item, 'code', n.code, 'serial', n.serial,
													 'quantity', n.quantity, 'uom', n.uom, 'epc', n.epc, 'reason', n.reason)
								  ORDER BY s.side), '[]'),
			   count(n.code)
		  INTO names, lots_named
		  FROM (VALUES (1, CASE WHEN event_type = 'TransformationEvent' THEN 'input' ELSE 'subject' END,
						CASE event_type WHEN 'TransformationEvent' THEN ev -> 'inputQuantityList'
										WHEN 'AggregationEvent' THEN ev -> 'childQuantityList'
										WHEN 'AssociationEvent' THEN ev -> 'childQuantityList'
										ELSE ev -> 'quantityList' END,
						CASE event_type WHEN 'TransformationEvent' THEN ev -> 'inputEPCList'
										WHEN 'AggregationEvent' THEN ev -> 'childEPCs'
										WHEN 'AssociationEvent' THEN ev -> 'childEPCs'
										ELSE ev -> 'epcList' END,
						CASE WHEN event_type = 'TransformationEvent' THEN context || ', inputs' ELSE context END),
					   (2, 'output', ev -> 'outputQuantityList', ev -> 'outputEPCList', context || ', outputs')) AS s(side, role, quantities, epcs, list_context)
		 CROSS JOIN LATERAL lottrace.epcis_list_lots(s.quantities, s.epcs, s.list_context, ilmd_lot) n
		 WHERE s.side = 1 OR event_type = 'TransformationEvent';
		-- lottrace's own export: each lot with the role, quantity and unit it
		-- had (the standard lists say subject for any role of an ObjectEvent,
		-- hold Recommendation 20 codes, and no quantity in a unit without
		-- one).  Taken when it names the same lots as the standard lists and
		-- agrees with them; else the standard lists are read as from anyone.
		IF ev ? 'lottrace:lots' THEN
			exact := ev -> 'lottrace:lots';
			IF jsonb_typeof(exact) <> 'array'
			   OR EXISTS (SELECT FROM jsonb_array_elements(exact) x WHERE jsonb_typeof(x) <> 'object') THEN
				RAISE EXCEPTION '%: lottrace:lots is not a list of objects', context
					USING ERRCODE = 'invalid_text_representation';
			END IF;
			SELECT CASE WHEN count(*) = jsonb_array_length(names) AND count(*) = jsonb_array_length(exact)
							 AND bool_and(p.agrees)
						THEN jsonb_agg(p.entry ORDER BY p.ordinality) END
			  INTO exact_names
			  FROM (SELECT s.ordinality,
						   s.entry || jsonb_build_object('role', x.entry ->> 'role', 'quantity', x.quantity,
														 'uom', x.entry ->> 'uom') AS entry,
						   (x.entry ->> 'role' = s.entry ->> 'role'
							OR (event_type <> 'TransformationEvent' AND x.entry ->> 'role' IN ('input', 'output')))
						   AND jsonb_typeof(coalesce(x.entry -> 'quantity', 'null')) IN ('number', 'null')
						   AND jsonb_typeof(coalesce(x.entry -> 'uom', 'null')) IN ('string', 'null')
						   AND (s.entry ->> 'quantity')::numeric IS NOT DISTINCT FROM
								CASE WHEN x.entry ->> 'uom' IS NULL OR lottrace.epcis_uom(x.entry ->> 'uom') IS NOT NULL
									 THEN x.quantity END
						   AND s.entry ->> 'uom' IS NOT DISTINCT FROM lottrace.epcis_uom(x.entry ->> 'uom') AS agrees
					  FROM (SELECT n.entry, n.ordinality, n.entry ->> 'role' = 'output' AS output,
								   row_number() OVER (PARTITION BY n.entry ->> 'epc', n.entry ->> 'role' = 'output'
													  ORDER BY n.ordinality) AS k
							  FROM jsonb_array_elements(names) WITH ORDINALITY AS n(entry, ordinality)) s
					  JOIN (SELECT x.entry,
								   CASE WHEN jsonb_typeof(x.entry -> 'quantity') = 'number'
										THEN (x.entry ->> 'quantity')::numeric END AS quantity,
								   event_type = 'TransformationEvent' AND x.entry ->> 'role' = 'output' AS output,
								   row_number() OVER (PARTITION BY x.entry ->> 'epcClass',
															   event_type = 'TransformationEvent' AND x.entry ->> 'role' = 'output'
													  ORDER BY x.ordinality) AS k
							  FROM jsonb_array_elements(exact) WITH ORDINALITY AS x(entry, ordinality)) x
						ON x.entry ->> 'epcClass' = s.entry ->> 'epc' AND x.output = s.output AND x.k = s.k) p;
			names := coalesce(exact_names, names);
		END IF;
		SELECT string_agg(n.entry ->> 'epc' || ': ' || (n.entry ->> 'reason'), '; ' ORDER BY n.ordinality)
		  INTO skipped
		  FROM jsonb_array_elements(names) WITH ORDINALITY AS n(entry, ordinality)
		 WHERE n.entry ->> 'reason' IS NOT NULL;
		IF lots_named = 0 THEN
			log_ids := log_ids || lottrace.epcis_log(position, epcis_id, event_type, 'skipped',
													  coalesce(skipped, 'the event names no lot'), NULL);
			CONTINUE;
		END IF;

		INSERT INTO lottrace.epcis_imported (event_id) VALUES (epcis_id) ON CONFLICT DO NOTHING;
		GET DIAGNOSTICS claimed = ROW_COUNT;
		IF claimed = 0 THEN
			log_ids := log_ids || lottrace.epcis_log(position, epcis_id, event_type, 'already imported', NULL, NULL);
			CONTINUE;
		END IF;

		INSERT INTO lottrace.lots (item, code)
		SELECT DISTINCT n ->> 'item', (n ->> 'code')::lottrace.lot
		  FROM jsonb_array_elements(names) n WHERE n ->> 'code' IS NOT NULL
		ON CONFLICT (item, code) DO NOTHING;
		-- the lot of each serialized item, as the event's ILMD gives it
		INSERT INTO lottrace.epcis_serials (item, serial, code, event_id)
		SELECT DISTINCT n ->> 'item', n ->> 'serial', ilmd_lot, epcis_id
		  FROM jsonb_array_elements(names) n
		 WHERE n ->> 'serial' IS NOT NULL AND n ->> 'code' = ilmd_lot::text
		ON CONFLICT DO NOTHING;

		-- free text lottrace exported as a URI is read back as that text, and
		-- so is the exact text of a lottrace: key (see epcis_uri_text)
		location_std := coalesce(ev #>> '{bizLocation,id}', ev #>> '{readPoint,id}');
		location_id := lottrace.epcis_uri_text('location', location_std, ev ->> 'lottrace:location');
		-- the FSMA ship-to / previous source: the entry of type location,
		-- else the first; for harvesting and cooling (lottrace's kinds) the
		-- immediate subsequent recipient
		partner_std := CASE
			WHEN kind IN ('ship', 'harvest', 'cool') THEN
				coalesce((SELECT d ->> 'destination' FROM jsonb_array_elements(ev -> 'destinationList') d
						   WHERE lottrace.epcis_term(d ->> 'type') = 'location' LIMIT 1),
						 ev #>> '{destinationList,0,destination}')
			WHEN kind IN ('receive', 'first_receive') THEN
				coalesce((SELECT s ->> 'source' FROM jsonb_array_elements(ev -> 'sourceList') s
						   WHERE lottrace.epcis_term(s ->> 'type') = 'location' LIMIT 1),
						 ev #>> '{sourceList,0,source}')
		END;
		partner_id := lottrace.epcis_uri_text('party', partner_std, ev ->> 'lottrace:partner');
		transaction := ev #> '{bizTransactionList,0}';
		attributes := jsonb_strip_nulls(jsonb_build_object(
			'epcis_event_id', epcis_id, 'epcis_type', event_type,
			'bizStep', biz_step, 'disposition', lottrace.epcis_term(ev ->> 'disposition')));
		IF ev ? 'lottrace:eventKind' THEN
			-- lottrace's export: the attributes the event had (none when the
			-- key is left out), not what the export derived from the event
			IF jsonb_typeof(coalesce(ev -> 'lottrace:attributes', '{}')) <> 'object' THEN
				RAISE EXCEPTION '%: lottrace:attributes is not an object', context
					USING ERRCODE = 'invalid_text_representation';
			END IF;
			attributes := coalesce(ev -> 'lottrace:attributes', '{}') || attributes;
		ELSE
			attributes := attributes || jsonb_strip_nulls(jsonb_build_object(
				'action', ev ->> 'action', 'transformationID', transformation_id,
				'parentID', ev ->> 'parentID',
				'readPoint', CASE WHEN ev #>> '{bizLocation,id}' IS NOT NULL THEN ev #>> '{readPoint,id}' END,
				'bizTransactionList', (SELECT jsonb_agg(jsonb_build_object('type', lottrace.epcis_term(t ->> 'type'),
																		   'bizTransaction', t ->> 'bizTransaction'))
										 FROM jsonb_array_elements(ev -> 'bizTransactionList') t),
				'sourceList', (SELECT jsonb_agg(jsonb_build_object('type', lottrace.epcis_term(s ->> 'type'),
																   'source', s ->> 'source'))
								 FROM jsonb_array_elements(ev -> 'sourceList') s),
				'destinationList', (SELECT jsonb_agg(jsonb_build_object('type', lottrace.epcis_term(d ->> 'type'),
																		'destination', d ->> 'destination'))
									  FROM jsonb_array_elements(ev -> 'destinationList') d)));
		END IF;

		new_event := NULL;
		IF NOT links_only THEN
			INSERT INTO lottrace.events (kind, occurred_at, location, partner, reference_type, reference, attributes)
			VALUES (kind, occurred, location_id, partner_id,
					lottrace.epcis_uri_text('btt', lottrace.epcis_term(transaction ->> 'type'), ev ->> 'lottrace:referenceType'),
					lottrace.epcis_uri_text('bt', transaction ->> 'bizTransaction', ev ->> 'lottrace:reference'),
					attributes)
			RETURNING id INTO new_event;
			UPDATE lottrace.epcis_imported i SET lottrace_event_id = new_event WHERE i.event_id = epcis_id;
		END IF;

		-- the lots of each side: subject lots count as inputs here
		SELECT coalesce(array_agg(l.id ORDER BY n.ordinality) FILTER (WHERE n.entry ->> 'role' <> 'output'), '{}'),
			   array_agg((n.entry ->> 'quantity')::numeric ORDER BY n.ordinality) FILTER (WHERE n.entry ->> 'role' <> 'output'),
			   array_agg(n.entry ->> 'uom' ORDER BY n.ordinality) FILTER (WHERE n.entry ->> 'role' <> 'output'),
			   coalesce(array_agg(l.id ORDER BY n.ordinality) FILTER (WHERE n.entry ->> 'role' = 'output'), '{}'),
			   array_agg((n.entry ->> 'quantity')::numeric ORDER BY n.ordinality) FILTER (WHERE n.entry ->> 'role' = 'output'),
			   array_agg(n.entry ->> 'uom' ORDER BY n.ordinality) FILTER (WHERE n.entry ->> 'role' = 'output')
		  INTO input_ids, input_quantities, input_uoms, output_ids, output_quantities, output_uoms
		  FROM jsonb_array_elements(names) WITH ORDINALITY AS n(entry, ordinality)
		  JOIN lottrace.lots l ON l.item = n.entry ->> 'item' AND l.code OPERATOR(lottrace.=) (n.entry ->> 'code')::lottrace.lot;

		IF new_event IS NOT NULL THEN
			INSERT INTO lottrace.event_lots (event_id, lot_id, role, quantity, uom)
			SELECT new_event, l.id, (n ->> 'role')::lottrace.event_lot_role, sum((n ->> 'quantity')::numeric), min(n ->> 'uom')
			  FROM jsonb_array_elements(names) n
			  JOIN lottrace.lots l ON l.item = n ->> 'item' AND l.code OPERATOR(lottrace.=) (n ->> 'code')::lottrace.lot
			 GROUP BY l.id, n ->> 'role';
		END IF;

		IF ev ? 'lottrace:links' THEN
			-- the exact links of the event, of any type, as lottrace exported
			-- them: each at the time it was made
			IF jsonb_typeof(ev -> 'lottrace:links') <> 'array'
			   OR EXISTS (SELECT FROM jsonb_array_elements(ev -> 'lottrace:links') link WHERE jsonb_typeof(link) <> 'object') THEN
				RAISE EXCEPTION '%: lottrace:links is not a list of objects', context USING ERRCODE = 'invalid_text_representation';
			END IF;
			BEGIN
				INSERT INTO lottrace.links (parent_id, child_id, quantity, uom, kind, event_id, linked_at)
				SELECT lottrace.epcis_lot(link ->> 'parent', context), lottrace.epcis_lot(link ->> 'child', context),
					   (link ->> 'quantity')::numeric, link ->> 'uom',
					   coalesce((link ->> 'kind')::lottrace.link_kind, 'consume'), new_event,
					   coalesce((link ->> 'linkedAt')::timestamptz, occurred)
				  FROM jsonb_array_elements(ev -> 'lottrace:links') link;
			EXCEPTION WHEN invalid_datetime_format OR datetime_field_overflow THEN
				RAISE EXCEPTION '%: a linkedAt of lottrace:links is not a date and time', context
					USING ERRCODE = 'invalid_text_representation';
			END;
		ELSIF event_type = 'TransformationEvent' THEN
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
			IF transformation_id IS NOT NULL AND new_event IS NOT NULL THEN
				-- a statement of its own: the links are looked for in a
				-- snapshot taken after any wait for another part's import
				PERFORM lottrace.epcis_lock_transformation(transformation_id);
				PERFORM lottrace.epcis_link_transformation(transformation_id);
			END IF;
		END IF;
		-- lot master data carried by the event
		UPDATE lottrace.lots l SET expires_at = (ev #>> '{ilmd,cbvmda:itemExpirationDate}')::date
		 WHERE ev #>> '{ilmd,cbvmda:itemExpirationDate}' IS NOT NULL
		   AND l.id = ANY (CASE WHEN event_type = 'TransformationEvent' THEN output_ids ELSE input_ids END);
		log_ids := log_ids || lottrace.epcis_log(position, epcis_id, event_type,
												  CASE WHEN skipped IS NULL THEN 'imported' ELSE 'partly imported' END,
												  skipped, new_event);
	END LOOP;

	-- product descriptions, for the lots of the product that have none
	UPDATE lottrace.lots l SET attributes = l.attributes || jsonb_build_object('product_description', d.value)
	  FROM jsonb_each_text(descriptions) d
	 WHERE l.item = d.key AND NOT l.attributes ? 'product_description';

	RETURN QUERY SELECT * FROM lottrace.epcis_import_log g WHERE g.id = ANY (log_ids) ORDER BY g.id;
END
$$;
COMMENT ON FUNCTION lottrace.epcis_import_report(jsonb) IS
	'imports a GS1 EPCIS 2.0 JSON document and returns its report: per event, imported, skipped (and why) or retracted';

CREATE OR REPLACE FUNCTION lottrace.epcis_import(document jsonb) RETURNS integer
	LANGUAGE sql VOLATILE
	SET search_path = pg_catalog, pg_temp
	AS $$
	SELECT count(*)::integer FROM lottrace.epcis_import_report(document) r
	 WHERE r.position IS NOT NULL AND r.outcome IN ('imported', 'partly imported')
$$;
COMMENT ON FUNCTION lottrace.epcis_import(jsonb) IS
	'imports a GS1 EPCIS 2.0 JSON document: lots, events and links; idempotent on eventID; returns the number of events imported (the report is in epcis_import_log)';

GRANT SELECT ON lottrace.epcis_import_log, lottrace.epcis_serials, lottrace.epcis_transformations
	TO lottrace_reader, lottrace_operator, lottrace_admin;
GRANT INSERT ON lottrace.epcis_import_log, lottrace.epcis_serials, lottrace.epcis_transformations TO lottrace_operator;
GRANT UPDATE (retracted_at) ON lottrace.epcis_imported TO lottrace_operator;
GRANT UPDATE (transformation_id) ON lottrace.epcis_transformations TO lottrace_operator;
GRANT EXECUTE ON FUNCTION lottrace.epcis_list_lots(jsonb, jsonb, text, lottrace.lot), lottrace.epcis_epc_lot(text, text),
		lottrace.epcis_urn_value(text), lottrace.epcis_lock_transformation(text), lottrace.epcis_link_transformation(text),
		lottrace.epcis_log(integer, text, text, text, text, bigint), lottrace.epcis_text(jsonb)
	TO lottrace_operator;

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
	'internal to epcis_export and epcis_import: a free-text value as a URI (itself if it is one, else urn:lottrace:<namespace>:<percent-encoded>)';
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
	'internal to epcis_export and epcis_import: the UN/ECE Recommendation 20 code of a unit, null if it has none';
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
	'internal to epcis_export and epcis_import: a reference document type as a CBV business transaction type';
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

--------------------------------------------------------------------------
-- EPCIS round trip (issue 14): epcis_import reads back what epcis_export
-- writes (URIs of free text, the lottrace: keys); epcis_import_report is
-- replaced in the EPCIS import block above.
--------------------------------------------------------------------------

-- The free text a URI of epcis_uri stands for, read back by epcis_import:
-- original (the text lottrace's export keeps in a lottrace: key) when uri is
-- what the export made of it, or when there is no uri (a partner of an
-- initial packing has no place in EPCIS); else the percent-decoded text of a
-- urn:lottrace:<namespace>: URI; else the URI itself, as anyone's.  For the
-- namespace btt, uri is a business transaction type without its CBV prefix
-- (bol), as epcis_transaction_type writes it.
CREATE FUNCTION lottrace.epcis_uri_text(namespace text, uri text, original text) RETURNS text
	LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	prefix text := 'urn:lottrace:' || namespace || ':';
	encoded text := substr(uri, length(prefix) + 1);
BEGIN
	IF original IS NOT NULL
	   AND (uri IS NULL OR uri = CASE WHEN namespace = 'btt' THEN lottrace.epcis_transaction_type(original)
									  ELSE lottrace.epcis_uri(namespace, original) END) THEN
		RETURN original;
	END IF;
	IF left(uri, length(prefix)) IS DISTINCT FROM prefix OR encoded !~ '^([A-Za-z0-9._~-]|%[0-9A-Fa-f]{2})*$' THEN
		RETURN uri;
	END IF;
	RETURN convert_from(coalesce((SELECT string_agg(CASE WHEN m[1] IS NOT NULL THEN decode(m[1], 'hex')
														 ELSE convert_to(m[2], 'UTF8') END, ''::bytea ORDER BY n)
									FROM regexp_matches(encoded, '%([0-9A-Fa-f]{2})|([^%]+)', 'g') WITH ORDINALITY AS t(m, n)),
								 ''::bytea), 'UTF8');
EXCEPTION WHEN character_not_in_repertoire OR untranslatable_character THEN
	RETURN uri;		-- bytes that are no text: not a URI lottrace wrote
END
$$;
COMMENT ON FUNCTION lottrace.epcis_uri_text(text, text, text) IS
	'internal to epcis_import: the free text a URI of epcis_uri stands for (the exact text when given and it matches)';
REVOKE EXECUTE ON FUNCTION lottrace.epcis_uri_text(text, text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION lottrace.epcis_uri_text(text, text, text) TO lottrace_operator;

--------------------------------------------------------------------------
-- Scale-out on Citus (sql/93_citus.sql, doc/citus.md)
--------------------------------------------------------------------------

-- Runs on the node that holds a shard of lottrace.links: expands a
-- frontier there with the trace engine over the shard's own genealogy
-- index.  The trace functions call it on every shard, one level at a time,
-- when lottrace.links is distributed; it is no use to anyone else.
CREATE FUNCTION lottrace.citus_expand_shard(shard regclass, backward boolean, frontier bigint[])
	RETURNS bigint[]
	AS 'MODULE_PATHNAME', 'citus_expand_shard'
	LANGUAGE C STABLE STRICT PARALLEL RESTRICTED;
COMMENT ON FUNCTION lottrace.citus_expand_shard(regclass, boolean, bigint[]) IS
	'internal: the links of one Citus shard of links whose near end is in the frontier, as (near, far, link id) triples';
REVOKE EXECUTE ON FUNCTION lottrace.citus_expand_shard(regclass, boolean, bigint[]) FROM PUBLIC;

-- The DBA's one step after CREATE EXTENSION citus and lottrace on every
-- node and citus_add_node for the workers, while the tables are small or
-- empty (Citus copies what they hold).  links is distributed by parent_id;
-- every other table becomes a reference table, copied to every node, so
-- that their keys and foreign keys stay enforced as on one node.  Citus
-- enforces a unique constraint of a distributed table only when it
-- includes the distribution column: links' primary key becomes (id,
-- parent_id), and id stays unique through its identity sequence.
CREATE FUNCTION lottrace.distribute_genealogy(shard_count integer DEFAULT 32) RETURNS void
	LANGUAGE plpgsql
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	reference_table text;
	foreign_keys text[];
	shell_foreign_keys text[];
	foreign_key text;
BEGIN
	IF NOT EXISTS (SELECT FROM pg_catalog.pg_extension WHERE extname = 'citus') THEN
		RAISE EXCEPTION 'the citus extension is not installed in this database'
			USING ERRCODE = 'object_not_in_prerequisite_state',
			      HINT = 'CREATE EXTENSION citus on every node first.';
	END IF;
	IF shard_count IS NULL OR shard_count < 1 THEN
		RAISE EXCEPTION 'shard_count must be at least 1'
			USING ERRCODE = 'invalid_parameter_value';
	END IF;
	IF EXISTS (SELECT FROM pg_catalog.pg_dist_partition
			    WHERE logicalrelid = 'lottrace.links'::regclass) THEN
		RAISE EXCEPTION 'lottrace.links is distributed already'
			USING ERRCODE = 'object_not_in_prerequisite_state';
	END IF;
	-- Citus refuses a table with triggers, and a trigger on the copy of a
	-- reference table on a worker could not write another reference table:
	-- status changes are not logged in lot_status_log on Citus.
	DROP TRIGGER lots_status_log ON lottrace.lots;
	-- So do FEFO's copies of the lots' fields in stock (the triggers
	-- lots_copy_to_stock and stock_copy_lot), and the indexes that read
	-- those copies: without them allocate reads lots and stock themselves
	-- (its SQL walk, src/fefo_sql.c), never copies left stale.
	DROP TRIGGER lots_copy_to_stock ON lottrace.lots;
	DROP TRIGGER stock_copy_lot ON lottrace.stock;
	DROP INDEX lottrace.stock_fefo_idx;
	DROP INDEX lottrace.stock_fifo_idx;
	-- one connection per node: foreign keys to reference tables need it
	PERFORM pg_catalog.set_config('citus.multi_shard_modify_mode', 'sequential', true);
	-- The foreign keys between the tables go while they are distributed
	-- and come back the same after: Citus would otherwise turn the tables
	-- that reference a new reference table into Citus local tables first,
	-- by recreating them and the extension's views on them.
	SELECT pg_catalog.array_agg(pg_catalog.format('ALTER TABLE %s ADD CONSTRAINT %I %s',
			c.conrelid::regclass, c.conname, pg_catalog.pg_get_constraintdef(c.oid))),
		   pg_catalog.array_agg(pg_catalog.format('ALTER TABLE %s DROP CONSTRAINT IF EXISTS %I',
			c.conrelid::regclass, c.conname))
	  INTO foreign_keys, shell_foreign_keys
	  FROM pg_catalog.pg_constraint c
	 WHERE c.contype = 'f' AND c.connamespace = 'lottrace'::regnamespace;
	-- The workers' lottrace made their own tables, which Citus uses as
	-- the shells of the distributed ones: their foreign keys go too, so
	-- that adding them back (to the shells and the shards) can proceed.
	-- This runs first, in transactions of its own on the workers, before
	-- this transaction locks their tables.
	FOREACH foreign_key IN ARRAY coalesce(shell_foreign_keys, '{}') LOOP
		PERFORM run_command_on_workers(foreign_key);
	END LOOP;
	FOR reference_table, foreign_key IN
		SELECT c.conrelid::regclass::text, c.conname
		  FROM pg_catalog.pg_constraint c
		 WHERE c.contype = 'f' AND c.connamespace = 'lottrace'::regnamespace LOOP
		EXECUTE pg_catalog.format('ALTER TABLE %s DROP CONSTRAINT %I', reference_table, foreign_key);
	END LOOP;
	-- every table of the extension but links, those of features added
	-- later too (mock recalls, unit conversions, EPCIS import log, ...)
	FOR reference_table IN
		SELECT c.oid::regclass::text
		  FROM pg_catalog.pg_class c
		 WHERE c.relnamespace = 'lottrace'::regnamespace AND c.relkind IN ('r', 'p')
		   AND c.relname <> 'links'
		 ORDER BY c.relname LOOP
		PERFORM create_reference_table(reference_table::regclass);
	END LOOP;
	ALTER TABLE lottrace.links DROP CONSTRAINT links_pkey;
	ALTER TABLE lottrace.links ADD CONSTRAINT links_pkey PRIMARY KEY (id, parent_id);
	PERFORM create_distributed_table('lottrace.links'::regclass, 'parent_id',
									 shard_count => shard_count, colocate_with => 'none');
	FOREACH foreign_key IN ARRAY coalesce(foreign_keys, '{}') LOOP
		EXECUTE foreign_key;
	END LOOP;
	-- lot_balances (under the recall views and mass_balance) as Citus can
	-- plan it: the links out of a lot read by a query of their own, which
	-- Citus routes to the lot's one shard, while the view around it reads
	-- only reference tables and runs on the coordinator (Citus cannot plan a
	-- per-lot aggregate over a distributed table correlated with a reference
	-- table, nor run uom_convert, which reads uom_conversions, on the
	-- shards).  SET search_path keeps it from being inlined into the view,
	-- where it would read the coordinator's empty lottrace.links.
	CREATE OR REPLACE FUNCTION lottrace.lot_links_out(lot_id bigint)
		RETURNS TABLE (id bigint, quantity numeric, uom text)
		LANGUAGE sql STABLE
		SET search_path = pg_catalog, pg_temp
		AS $body$
			SELECT k.id, k.quantity, k.uom FROM lottrace.links k WHERE k.parent_id = lot_links_out.lot_id
		$body$;
END
$$;
COMMENT ON FUNCTION lottrace.distribute_genealogy(integer) IS
	'Citus: distributes links by parent_id over shard_count shards, makes the other tables reference tables and lot_balances plannable there';
REVOKE EXECUTE ON FUNCTION lottrace.distribute_genealogy(integer) FROM PUBLIC;

GRANT EXECUTE ON FUNCTION lottrace.citus_expand_shard(regclass, boolean, bigint[])
	TO lottrace_reader, lottrace_operator, lottrace_admin;

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
