-- lottrace: lot (batch) genealogy and traceability for PostgreSQL.
--
-- This is the source of the install script; the Makefile copies it to
-- lottrace--<version>.sql.  Once a version is released its script is never
-- edited: changes go into sql/lottrace--<old>--<new>.sql as well.

\echo Use "CREATE EXTENSION lottrace" to load this file. \quit

--------------------------------------------------------------------------
-- The lot-number type
--------------------------------------------------------------------------

CREATE TYPE lottrace.lot;

CREATE FUNCTION lottrace.lot_in(cstring) RETURNS lottrace.lot
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION lottrace.lot_out(lottrace.lot) RETURNS cstring
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION lottrace.lot_recv(internal) RETURNS lottrace.lot
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION lottrace.lot_send(lottrace.lot) RETURNS bytea
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

-- Stored like text: a short varlena header on disk and no alignment padding
-- for codes of up to 126 bytes, which every lot code is.
CREATE TYPE lottrace.lot (
	INPUT = lottrace.lot_in,
	OUTPUT = lottrace.lot_out,
	RECEIVE = lottrace.lot_recv,
	SEND = lottrace.lot_send,
	INTERNALLENGTH = VARIABLE,
	STORAGE = extended,
	CATEGORY = 'S',
	COLLATABLE = false
);

COMMENT ON TYPE lottrace.lot IS
	'lot (batch) code: 1 to 64 GS1 CSET 82 characters, natural ordering';

CREATE FUNCTION lottrace.lot(text) RETURNS lottrace.lot
	AS 'MODULE_PATHNAME', 'lot_from_text' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION lottrace.lot(text) IS
	'validates a lot code (trims surrounding white space)';

-- text -> lot validates, so it is never applied silently; lot -> text is
-- free (same representation) and implicit, so every text function works.
CREATE CAST (text AS lottrace.lot) WITH FUNCTION lottrace.lot(text) AS ASSIGNMENT;
CREATE CAST (varchar AS lottrace.lot) WITH FUNCTION lottrace.lot(text) AS ASSIGNMENT;
CREATE CAST (lottrace.lot AS text) WITHOUT FUNCTION AS IMPLICIT;
CREATE CAST (lottrace.lot AS varchar) WITHOUT FUNCTION AS ASSIGNMENT;

CREATE FUNCTION lottrace.lot_is_gs1(lottrace.lot) RETURNS boolean
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION lottrace.lot_is_gs1(lottrace.lot) IS
	'true when the code fits GS1 AI (10), at most 20 characters';

--------------------------------------------------------------------------
-- Comparison: natural order, byte equality
--------------------------------------------------------------------------

CREATE FUNCTION lottrace.lot_cmp(lottrace.lot, lottrace.lot) RETURNS integer
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION lottrace.lot_eq(lottrace.lot, lottrace.lot) RETURNS boolean
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE FUNCTION lottrace.lot_ne(lottrace.lot, lottrace.lot) RETURNS boolean
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE FUNCTION lottrace.lot_lt(lottrace.lot, lottrace.lot) RETURNS boolean
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE FUNCTION lottrace.lot_le(lottrace.lot, lottrace.lot) RETURNS boolean
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE FUNCTION lottrace.lot_gt(lottrace.lot, lottrace.lot) RETURNS boolean
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE FUNCTION lottrace.lot_ge(lottrace.lot, lottrace.lot) RETURNS boolean
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE FUNCTION lottrace.lot_sortsupport(internal) RETURNS void
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION lottrace.lot_hash(lottrace.lot) RETURNS integer
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE FUNCTION lottrace.lot_hash_extended(lottrace.lot, bigint) RETURNS bigint
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;

COMMENT ON FUNCTION lottrace.lot_cmp(lottrace.lot, lottrace.lot) IS
	'natural order: digit runs by numeric value, then byte order';

CREATE OPERATOR lottrace.= (
	LEFTARG = lottrace.lot, RIGHTARG = lottrace.lot, FUNCTION = lottrace.lot_eq,
	COMMUTATOR = OPERATOR(lottrace.=), NEGATOR = OPERATOR(lottrace.<>),
	RESTRICT = eqsel, JOIN = eqjoinsel, HASHES, MERGES
);
CREATE OPERATOR lottrace.<> (
	LEFTARG = lottrace.lot, RIGHTARG = lottrace.lot, FUNCTION = lottrace.lot_ne,
	COMMUTATOR = OPERATOR(lottrace.<>), NEGATOR = OPERATOR(lottrace.=),
	RESTRICT = neqsel, JOIN = neqjoinsel
);
CREATE OPERATOR lottrace.< (
	LEFTARG = lottrace.lot, RIGHTARG = lottrace.lot, FUNCTION = lottrace.lot_lt,
	COMMUTATOR = OPERATOR(lottrace.>), NEGATOR = OPERATOR(lottrace.>=),
	RESTRICT = scalarltsel, JOIN = scalarltjoinsel
);
CREATE OPERATOR lottrace.<= (
	LEFTARG = lottrace.lot, RIGHTARG = lottrace.lot, FUNCTION = lottrace.lot_le,
	COMMUTATOR = OPERATOR(lottrace.>=), NEGATOR = OPERATOR(lottrace.>),
	RESTRICT = scalarlesel, JOIN = scalarlejoinsel
);
CREATE OPERATOR lottrace.> (
	LEFTARG = lottrace.lot, RIGHTARG = lottrace.lot, FUNCTION = lottrace.lot_gt,
	COMMUTATOR = OPERATOR(lottrace.<), NEGATOR = OPERATOR(lottrace.<=),
	RESTRICT = scalargtsel, JOIN = scalargtjoinsel
);
CREATE OPERATOR lottrace.>= (
	LEFTARG = lottrace.lot, RIGHTARG = lottrace.lot, FUNCTION = lottrace.lot_ge,
	COMMUTATOR = OPERATOR(lottrace.<=), NEGATOR = OPERATOR(lottrace.<),
	RESTRICT = scalargesel, JOIN = scalargejoinsel
);

-- Equality is byte equality, so btree may deduplicate (btequalimage).
CREATE OPERATOR CLASS lottrace.lot_ops
	DEFAULT FOR TYPE lottrace.lot USING btree AS
		OPERATOR 1 lottrace.<,
		OPERATOR 2 lottrace.<=,
		OPERATOR 3 lottrace.=,
		OPERATOR 4 lottrace.>=,
		OPERATOR 5 lottrace.>,
		FUNCTION 1 lottrace.lot_cmp(lottrace.lot, lottrace.lot),
		FUNCTION 2 lottrace.lot_sortsupport(internal),
		FUNCTION 4 pg_catalog.btequalimage(oid);

CREATE OPERATOR CLASS lottrace.lot_hash_ops
	DEFAULT FOR TYPE lottrace.lot USING hash AS
		OPERATOR 1 lottrace.=,
		FUNCTION 1 lottrace.lot_hash(lottrace.lot),
		FUNCTION 2 lottrace.lot_hash_extended(lottrace.lot, bigint);

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

--------------------------------------------------------------------------
-- GS1 barcodes
--------------------------------------------------------------------------

CREATE TYPE lottrace.gs1_data AS (
	gtin text,
	lot lottrace.lot,
	serial text,
	expiry date,
	best_before date,
	sell_by date,
	production_date date,
	pack_date date,
	sscc text,
	count numeric,
	net_weight_kg numeric,
	ais jsonb
);
COMMENT ON TYPE lottrace.gs1_data IS
	'GS1 barcode data decoded into typed fields, with every AI in ais';

CREATE FUNCTION lottrace.gs1_parse(data text) RETURNS jsonb
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION lottrace.gs1_parse(text) IS
	'validates GS1 data (bracketed, raw scan or Digital Link URI) and returns its AIs and values';

-- The century of a two-digit year depends on the current date, so the
-- one-argument form is STABLE; with an explicit reference date it is not.
CREATE FUNCTION lottrace.gs1_decode(data text) RETURNS lottrace.gs1_data
	AS 'MODULE_PATHNAME' LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION lottrace.gs1_decode(text) IS
	'decodes GS1 data into GTIN, lot, serial, dates, SSCC, count and net weight; two-digit years seen from today';

CREATE FUNCTION lottrace.gs1_decode(data text, reference date) RETURNS lottrace.gs1_data
	AS 'MODULE_PATHNAME', 'gs1_decode_at' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION lottrace.gs1_decode(text, date) IS
	'decodes GS1 data into typed fields; two-digit years seen from the reference date';

CREATE FUNCTION lottrace.gs1_valid(data text) RETURNS boolean
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION lottrace.gs1_valid(text) IS
	'true when gs1_parse would accept the data; never raises';

CREATE FUNCTION lottrace.gtin_valid(gtin text) RETURNS boolean
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION lottrace.gtin_valid(text) IS
	'true for a GTIN-8, -12, -13 or -14 with a correct check digit; never raises';

CREATE FUNCTION lottrace.gtin_normalize(gtin text) RETURNS text
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION lottrace.gtin_normalize(text) IS
	'a GTIN-8, -12, -13 or -14 as 14 digits; raises on a bad check digit';

-- Not STRICT: NULL lot, expiry or serial are left out.  STABLE: an expiry
-- date is checked against the century window around the current year.
CREATE FUNCTION lottrace.gs1_element_string(
	gtin text,
	lot lottrace.lot DEFAULT NULL,
	expiry date DEFAULT NULL,
	serial text DEFAULT NULL)
	RETURNS text
	AS 'MODULE_PATHNAME' LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION lottrace.gs1_element_string(text, lottrace.lot, date, text) IS
	'the bracketed GS1 element string (01)(17)(10)(21) of a GTIN, lot, expiry date and serial';

CREATE FUNCTION lottrace.gs1_digital_link(
	gtin text,
	lot lottrace.lot DEFAULT NULL,
	serial text DEFAULT NULL,
	expiry date DEFAULT NULL,
	base text DEFAULT 'https://id.gs1.org')
	RETURNS text
	AS 'MODULE_PATHNAME' LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION lottrace.gs1_digital_link(text, lottrace.lot, text, date, text) IS
	'the GS1 Digital Link URI of a GTIN, lot, serial and expiry date';

CREATE FUNCTION lottrace.lgtin_urn(gtin text, lot lottrace.lot, company_prefix_length integer)
	RETURNS text
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION lottrace.lgtin_urn(text, lottrace.lot, integer) IS
	'the EPC class URI (urn:epc:class:lgtin:...) of a GTIN and lot';

CREATE FUNCTION lottrace.lgtin_parse(urn text, OUT gtin text, OUT lot lottrace.lot)
	RETURNS record
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION lottrace.lgtin_parse(text) IS
	'the GTIN and lot of an EPC class URI (urn:epc:class:lgtin:...)';
