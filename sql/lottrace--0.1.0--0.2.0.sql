-- lottrace 0.1.0 -> 0.2.0
--
-- Brings an installed 0.1.0 to exactly what a fresh install of 0.2.0 creates
-- (test/t/020_upgrade.pl compares the two catalogs object by object).

\echo Use "ALTER EXTENSION lottrace UPDATE TO '0.2.0'" to load this file. \quit

--------------------------------------------------------------------------
-- lot -> text is an assignment cast, no longer implicit (issue 10)
--------------------------------------------------------------------------
-- Implicit, it let a lot operator that is not on the search_path resolve to
-- a text operator ('L9' < 'L10' false, @@ a full-text search).  Nothing in
-- the catalog depends on the cast itself (a binary-coercible cast leaves no
-- dependency in stored expressions), so it is dropped and created again as
-- a fresh install creates it.
DROP CAST (lottrace.lot AS text);
CREATE CAST (lottrace.lot AS text) WITHOUT FUNCTION AS ASSIGNMENT;

-- Without an implicit cast to text, text functions need code::text; these
-- take a lot as it is (with lottrace on the search_path), for the queries
-- query builders write: lower(code) LIKE '%abc%', code ILIKE 'abc%',
-- length(code).
CREATE FUNCTION lottrace.lower(lottrace.lot) RETURNS text
	AS 'MODULE_PATHNAME', 'lot_lower' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION lottrace.lower(lottrace.lot) IS
	'the lot code in lower case, as text';
CREATE FUNCTION lottrace.upper(lottrace.lot) RETURNS text
	AS 'MODULE_PATHNAME', 'lot_upper' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION lottrace.upper(lottrace.lot) IS
	'the lot code in upper case, as text';
CREATE FUNCTION lottrace.length(lottrace.lot) RETURNS integer
	AS 'MODULE_PATHNAME', 'lot_length' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION lottrace.length(lottrace.lot) IS
	'the number of characters of the lot code';

CREATE FUNCTION lottrace.lot_like(lottrace.lot, text) RETURNS boolean
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION lottrace.lot_like(lottrace.lot, text) IS
	'implementation of the lot LIKE text operator (~~)';
CREATE FUNCTION lottrace.lot_not_like(lottrace.lot, text) RETURNS boolean
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION lottrace.lot_not_like(lottrace.lot, text) IS
	'implementation of the lot NOT LIKE text operator (!~~)';
CREATE FUNCTION lottrace.lot_ilike(lottrace.lot, text) RETURNS boolean
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION lottrace.lot_ilike(lottrace.lot, text) IS
	'implementation of the lot ILIKE text operator (~~*)';
CREATE FUNCTION lottrace.lot_not_ilike(lottrace.lot, text) RETURNS boolean
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION lottrace.lot_not_ilike(lottrace.lot, text) IS
	'implementation of the lot NOT ILIKE text operator (!~~*)';

CREATE OPERATOR lottrace.~~ (
	LEFTARG = lottrace.lot, RIGHTARG = text, FUNCTION = lottrace.lot_like,
	NEGATOR = OPERATOR(lottrace.!~~), RESTRICT = matchingsel, JOIN = matchingjoinsel
);
CREATE OPERATOR lottrace.!~~ (
	LEFTARG = lottrace.lot, RIGHTARG = text, FUNCTION = lottrace.lot_not_like,
	NEGATOR = OPERATOR(lottrace.~~), RESTRICT = matchingsel, JOIN = matchingjoinsel
);
CREATE OPERATOR lottrace.~~* (
	LEFTARG = lottrace.lot, RIGHTARG = text, FUNCTION = lottrace.lot_ilike,
	NEGATOR = OPERATOR(lottrace.!~~*), RESTRICT = matchingsel, JOIN = matchingjoinsel
);
CREATE OPERATOR lottrace.!~~* (
	LEFTARG = lottrace.lot, RIGHTARG = text, FUNCTION = lottrace.lot_not_ilike,
	NEGATOR = OPERATOR(lottrace.~~*), RESTRICT = matchingsel, JOIN = matchingjoinsel
);

-- min and max in natural order; without them max(code) would not resolve
-- (with an implicit cast to text it took the text maximum: 'L9', not 'L10').
CREATE FUNCTION lottrace.lot_smaller(lottrace.lot, lottrace.lot) RETURNS lottrace.lot
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION lottrace.lot_smaller(lottrace.lot, lottrace.lot) IS
	'the smaller of two lot codes in natural order (support of min)';
CREATE FUNCTION lottrace.lot_larger(lottrace.lot, lottrace.lot) RETURNS lottrace.lot
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION lottrace.lot_larger(lottrace.lot, lottrace.lot) IS
	'the larger of two lot codes in natural order (support of max)';
CREATE AGGREGATE lottrace.min(lottrace.lot) (
	SFUNC = lottrace.lot_smaller, STYPE = lottrace.lot,
	COMBINEFUNC = lottrace.lot_smaller, SORTOP = OPERATOR(lottrace.<), PARALLEL = SAFE
);
COMMENT ON AGGREGATE lottrace.min(lottrace.lot) IS 'the first lot code in natural order';
CREATE AGGREGATE lottrace.max(lottrace.lot) (
	SFUNC = lottrace.lot_larger, STYPE = lottrace.lot,
	COMBINEFUNC = lottrace.lot_larger, SORTOP = OPERATOR(lottrace.>), PARALLEL = SAFE
);
COMMENT ON AGGREGATE lottrace.max(lottrace.lot) IS 'the last lot code in natural order';
