--------------------------------------------------------------------------
-- Quantities through the genealogy (issue 12)
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
