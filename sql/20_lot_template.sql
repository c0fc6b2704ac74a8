--------------------------------------------------------------------------
-- Lot templates
--------------------------------------------------------------------------

CREATE TYPE lottrace.lot_parts AS (
	production_date date,
	facility text,
	line text,
	shift integer,
	sequence integer,
	variant text
);
COMMENT ON TYPE lottrace.lot_parts IS 'the fields of a lot code, as read by lot_parse';

CREATE FUNCTION lottrace.lot_parse(code lottrace.lot, template text)
	RETURNS lottrace.lot_parts
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION lottrace.lot_parse(lottrace.lot, text) IS
	'reads the fields of a lot code; raises if it does not match the template';

CREATE FUNCTION lottrace.lot_matches(code lottrace.lot, template text) RETURNS boolean
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION lottrace.lot_matches(lottrace.lot, text) IS
	'true when the lot code matches the template (the @@ operator)';

CREATE OPERATOR lottrace.@@ (
	LEFTARG = lottrace.lot, RIGHTARG = text, FUNCTION = lottrace.lot_matches,
	RESTRICT = matchingsel, JOIN = matchingjoinsel
);

CREATE FUNCTION lottrace.lot_format(
	template text,
	production_date date,
	facility text DEFAULT NULL,
	line text DEFAULT NULL,
	shift integer DEFAULT NULL,
	sequence integer DEFAULT NULL,
	variant text DEFAULT NULL)
	RETURNS lottrace.lot
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION lottrace.lot_format(text, date, text, text, integer, integer, text) IS
	'builds a lot code from a template, computing check characters';

-- One counter per template and scope (the code with its sequence blanked).
CREATE TABLE lottrace.lot_sequences (
	template text NOT NULL,
	scope text NOT NULL,
	last_value bigint NOT NULL,
	PRIMARY KEY (template, scope)
);
COMMENT ON TABLE lottrace.lot_sequences IS
	'counters of lot_next: last sequence number used per template and scope';
SELECT pg_catalog.pg_extension_config_dump('lottrace.lot_sequences', '');

CREATE FUNCTION lottrace.lot_next(
	template text,
	production_date date DEFAULT current_date,
	facility text DEFAULT NULL,
	line text DEFAULT NULL,
	shift integer DEFAULT NULL,
	variant text DEFAULT NULL)
	RETURNS lottrace.lot
	AS 'MODULE_PATHNAME' LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION lottrace.lot_next(text, date, text, text, integer, text) IS
	'the next lot code of a template''s sequence for a production date, facility, line, shift and variant';
