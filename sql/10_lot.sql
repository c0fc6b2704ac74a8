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

-- text -> lot validates, so it is never applied silently.  lot -> text is
-- free (same representation) but not implicit either: an implicit cast would
-- turn a lot operator that is not on the search_path into a text operator
-- ('L9' < 'L10' false, @@ a full-text search) instead of an error.
CREATE CAST (text AS lottrace.lot) WITH FUNCTION lottrace.lot(text) AS ASSIGNMENT;
CREATE CAST (varchar AS lottrace.lot) WITH FUNCTION lottrace.lot(text) AS ASSIGNMENT;
CREATE CAST (lottrace.lot AS text) WITHOUT FUNCTION AS ASSIGNMENT;
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
-- What BI tools call on a code column: text functions, LIKE, min, max
--------------------------------------------------------------------------

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
