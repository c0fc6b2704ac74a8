-- lottrace 0.1.0 -> 0.2.0
--
-- Brings an installed 0.1.0 to exactly what a fresh install of 0.2.0 creates
-- (test/t/020_upgrade.pl compares the two catalogs object by object).

\echo Use "ALTER EXTENSION lottrace UPDATE TO '0.2.0'" to load this file. \quit

--------------------------------------------------------------------------
-- GS1: C entry points renamed lottrace_<function>; gs1_lint
--------------------------------------------------------------------------

CREATE OR REPLACE FUNCTION lottrace.gs1_parse(data text) RETURNS jsonb
	AS 'MODULE_PATHNAME', 'lottrace_gs1_parse' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE OR REPLACE FUNCTION lottrace.gs1_decode(data text) RETURNS lottrace.gs1_data
	AS 'MODULE_PATHNAME', 'lottrace_gs1_decode' LANGUAGE C STABLE STRICT PARALLEL SAFE;
CREATE OR REPLACE FUNCTION lottrace.gs1_decode(data text, reference date) RETURNS lottrace.gs1_data
	AS 'MODULE_PATHNAME', 'lottrace_gs1_decode_at' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE OR REPLACE FUNCTION lottrace.gs1_valid(data text) RETURNS boolean
	AS 'MODULE_PATHNAME', 'lottrace_gs1_valid' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE OR REPLACE FUNCTION lottrace.gtin_valid(gtin text) RETURNS boolean
	AS 'MODULE_PATHNAME', 'lottrace_gtin_valid' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE OR REPLACE FUNCTION lottrace.gtin_normalize(gtin text) RETURNS text
	AS 'MODULE_PATHNAME', 'lottrace_gtin_normalize' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE OR REPLACE FUNCTION lottrace.gs1_element_string(
	gtin text,
	lot lottrace.lot DEFAULT NULL,
	expiry date DEFAULT NULL,
	serial text DEFAULT NULL)
	RETURNS text
	AS 'MODULE_PATHNAME', 'lottrace_gs1_element_string' LANGUAGE C STABLE PARALLEL SAFE;
CREATE OR REPLACE FUNCTION lottrace.gs1_digital_link(
	gtin text,
	lot lottrace.lot DEFAULT NULL,
	serial text DEFAULT NULL,
	expiry date DEFAULT NULL,
	base text DEFAULT 'https://id.gs1.org')
	RETURNS text
	AS 'MODULE_PATHNAME', 'lottrace_gs1_digital_link' LANGUAGE C STABLE PARALLEL SAFE;
CREATE OR REPLACE FUNCTION lottrace.lgtin_urn(gtin text, lot lottrace.lot, company_prefix_length integer)
	RETURNS text
	AS 'MODULE_PATHNAME', 'lottrace_lgtin_urn' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE OR REPLACE FUNCTION lottrace.lgtin_parse(urn text, OUT gtin text, OUT lot lottrace.lot)
	RETURNS record
	AS 'MODULE_PATHNAME', 'lottrace_lgtin_parse' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION lottrace.gs1_lint(data text)
	RETURNS TABLE ("position" integer, ai text, problem text, message text, alternative text)
	AS 'MODULE_PATHNAME', 'lottrace_gs1_lint' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE ROWS 1;
COMMENT ON FUNCTION lottrace.gs1_lint(text) IS
	'suspicious places in valid raw GS1 data (a group separator probably lost, or written as text) with the other reading; raises like gs1_parse on invalid data';
