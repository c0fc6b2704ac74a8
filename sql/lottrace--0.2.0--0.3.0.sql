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

CREATE FUNCTION lottrace.uom_convert(quantity numeric, from_uom text, to_uom text,
									 item text DEFAULT NULL)
	RETURNS numeric
	AS 'MODULE_PATHNAME', 'lottrace_uom_convert'
	LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION lottrace.uom_convert(numeric, text, text, text) IS
	'the quantity in another unit (built-in or lottrace.uom_conversions for the item), NULL when none applies';

CREATE FUNCTION lottrace.trace_quantities(roots bigint[], direction text DEFAULT 'forward',
										  max_depth integer DEFAULT NULL)
	RETURNS TABLE (lot_id bigint, depth integer, share double precision, quantity numeric,
				   uom text, note text)
	AS 'MODULE_PATHNAME', 'lottrace_trace_quantities'
	LANGUAGE C STABLE PARALLEL RESTRICTED;
COMMENT ON FUNCTION lottrace.trace_quantities(bigint[], text, integer) IS
	'traced lots with the share and amount of root material they hold (forward), or how much of each ancestor went into the roots (backward)';
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

-- One row per lot.  Every quantity is in the lot's unit: links and events
-- in another unit are converted (uom_convert, with the lot's item), a link
-- or event without a unit is taken to be in the lot's; stock has no unit
-- and is the lot's.  An unknown term makes its total NULL and says why:
-- the first link or event by id that lacks a number, looked up by its id
-- (array_agg(... ORDER BY id) would sort once per lot, even for the lots
-- without one: a third of the view's time).
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
						cn.note, en.note), '') AS note
  FROM lottrace.lots l
 CROSS JOIN LATERAL (
		SELECT CASE WHEN count(k.id) = count(k.converted) THEN coalesce(sum(k.converted), 0) END AS consumed,
			   min(k.id) FILTER (WHERE k.converted IS NULL) AS problem
		  FROM (SELECT k.id,
					   CASE WHEN k.uom IS NULL THEN k.quantity
								ELSE lottrace.uom_convert(k.quantity, k.uom, l.uom, l.item) END AS converted
				  FROM lottrace.links k
				 WHERE k.parent_id = l.id) k) c
  LEFT JOIN LATERAL (
		SELECT CASE WHEN k.quantity IS NULL THEN format('link %s has no quantity', k.id)
					ELSE format('no conversion from %s to %s for item "%s" (link %s)',
								k.uom, coalesce(l.uom, 'no unit'), l.item, k.id) END AS note
		  FROM lottrace.links k
		 WHERE k.id = c.problem) cn ON true
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
  LEFT JOIN LATERAL (
		SELECT CASE WHEN el.quantity IS NULL THEN format('event %s has no quantity', el.event_id)
					ELSE format('no conversion from %s to %s for item "%s" (event %s)',
								el.uom, coalesce(l.uom, 'no unit'), l.item, el.event_id) END AS note
		  FROM lottrace.event_lots el
		 WHERE el.event_id = e.problem AND el.lot_id = l.id AND el.role = 'subject') en ON true
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
									 reason text DEFAULT NULL)
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

	INSERT INTO lottrace.mock_recalls (title, reason, roots, tolerance, run_at, run_by, trace_time)
	VALUES (mock_recall.title, mock_recall.reason,
			ARRAY(SELECT DISTINCT r FROM unnest(mock_recall.roots) r ORDER BY r),
			mock_recall.tolerance, started, current_user, interval '0')
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
		  FROM lottrace.trace_quantities(mock_recall.roots, 'forward') q
		UNION ALL
		SELECT 'back', q.*
		  FROM lottrace.trace_quantities(mock_recall.roots, 'backward', 1) q
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
COMMENT ON FUNCTION lottrace.mock_recall(text, bigint[], numeric, text) IS
	'runs and records a mock recall of these roots without holding anything: scope one step back and every step forward, time taken, quantities reconciled within the tolerance (percentage points), customers, open reservations, stock; returns the exercise id';

-- One row per exercise, everything an auditor checks; the details are in
-- the mock_recall_* tables, by exercise_id.
CREATE VIEW lottrace.mock_recall_report AS
SELECT x.id AS exercise_id, x.title, x.reason, x.run_at, x.run_by, x.trace_time, x.roots, x.tolerance,
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
GRANT EXECUTE ON FUNCTION lottrace.root_part(numeric, numeric, numeric)
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
-- traced through time (trace_forward), without root material: shares through
-- time are not computed yet.  A filter on recall_id reaches the recalls
-- table, so only that recall is traced.
CREATE VIEW lottrace.recall_scope AS
SELECT r.id AS recall_id, t.lot_id, l.item, l.code, t.depth, l.status, l.expires_at, b.on_hand,
	   t.share, t.quantity AS root_quantity, t.uom AS root_uom,
	   b.uom, b.produced, b.consumed, b.shipped, b.disposed, b.unaccounted, b.recovery,
	   nullif(concat_ws('; ', t.note, b.note), '') AS note
  FROM lottrace.recalls r
 CROSS JOIN LATERAL (
		SELECT q.lot_id, q.depth, q.share, q.quantity, q.uom, q.note
		  FROM lottrace.trace_quantities(
				ARRAY(SELECT rr.lot_id FROM lottrace.recall_roots rr WHERE rr.recall_id = r.id)) q
		 WHERE NOT r.respect_time
		UNION ALL
		SELECT f.lot_id, f.depth, NULL, NULL, NULL, 'root material is not traced through time'
		  FROM lottrace.trace_forward(
				ARRAY(SELECT rr.lot_id FROM lottrace.recall_roots rr WHERE rr.recall_id = r.id), NULL, true) f
		 WHERE r.respect_time) t
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
					ARRAY(SELECT rr.lot_id FROM lottrace.recall_roots rr WHERE rr.recall_id = r.id)) q
			 WHERE NOT r.respect_time
			UNION ALL
			SELECT f.lot_id, f.depth, NULL, NULL
			  FROM lottrace.trace_forward(
					ARRAY(SELECT rr.lot_id FROM lottrace.recall_roots rr WHERE rr.recall_id = r.id), NULL, true) f
			 WHERE r.respect_time),
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
