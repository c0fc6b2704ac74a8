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

-- Suspicious places in valid data (a group separator probably lost): rows,
-- not errors, because GS1's rules accept the data as it is.  ROWS 1: most
-- scans give none.  The C name is prefixed: gs1_lint_* is the namespace of
-- GS1's own C library (the syntax dictionary's linters).
CREATE FUNCTION lottrace.gs1_lint(data text)
	RETURNS TABLE ("position" integer, ai text, problem text, message text, alternative text)
	AS 'MODULE_PATHNAME', 'lottrace_gs1_lint' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE ROWS 1;
COMMENT ON FUNCTION lottrace.gs1_lint(text) IS
	'suspicious places in valid raw GS1 data (a group separator probably lost, or written as text) with the other reading; raises like gs1_parse on invalid data';

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
