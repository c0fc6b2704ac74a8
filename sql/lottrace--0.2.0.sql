-- lottrace 0.2.0 install script, assembled by the Makefile from
-- sql/10_lot.sql sql/20_lot_template.sql sql/30_gs1.sql sql/40_genealogy.sql sql/50_trace.sql sql/60_fefo.sql sql/70_recall.sql sql/80_fsma204.sql sql/90_epcis.sql sql/95_roles.sql sql/97_drop_guard.sql

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

--------------------------------------------------------------------------
-- Genealogy store
--------------------------------------------------------------------------

CREATE TYPE lottrace.lot_status AS ENUM
	('quarantine', 'released', 'hold', 'recalled', 'consumed', 'disposed');
COMMENT ON TYPE lottrace.lot_status IS 'where a lot stands: usable (released) or not';

CREATE TYPE lottrace.link_kind AS ENUM
	('consume', 'split', 'merge', 'repack', 'relabel', 'rework');
COMMENT ON TYPE lottrace.link_kind IS 'how a parent lot went into a child lot';

CREATE TYPE lottrace.event_kind AS ENUM
	('harvest', 'cool', 'initial_pack', 'first_receive', 'receive', 'ship',
	 'transform', 'adjust', 'dispose');
COMMENT ON TYPE lottrace.event_kind IS 'critical tracking event types (FDA FSMA 204 and more)';

CREATE TYPE lottrace.event_lot_role AS ENUM ('input', 'output', 'subject');
COMMENT ON TYPE lottrace.event_lot_role IS 'the part a lot plays in an event';

-- Ids are identities BY DEFAULT, so that COPY may bring the ids of another
-- system along with links that refer to them.  The identity sequences are
-- registered for pg_dump too, or a restored database would hand out ids
-- that are taken.
CREATE TABLE lottrace.lots (
	id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
	item text NOT NULL,
	code lottrace.lot NOT NULL,
	quantity numeric,
	uom text,
	produced_at timestamptz,
	expires_at date,
	status lottrace.lot_status NOT NULL DEFAULT 'released',
	tlc_source text,
	supplier text,
	attributes jsonb NOT NULL DEFAULT '{}',
	UNIQUE (item, code)
);
COMMENT ON TABLE lottrace.lots IS 'lots (batches): one row per item and lot code';
COMMENT ON COLUMN lottrace.lots.expires_at IS 'last day the lot may be used';
COMMENT ON COLUMN lottrace.lots.tlc_source IS 'where the traceability lot code was assigned';
SELECT pg_catalog.pg_extension_config_dump('lottrace.lots', '');
SELECT pg_catalog.pg_extension_config_dump(pg_catalog.pg_get_serial_sequence('lottrace.lots', 'id')::regclass, '');

CREATE TABLE lottrace.events (
	id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
	kind lottrace.event_kind NOT NULL,
	occurred_at timestamptz NOT NULL,
	location text,
	partner text,
	reference_type text,
	reference text,
	attributes jsonb NOT NULL DEFAULT '{}'
);
COMMENT ON TABLE lottrace.events IS 'critical tracking events';
COMMENT ON COLUMN lottrace.events.partner IS 'ship-to for ship, ship-from for receive';
COMMENT ON COLUMN lottrace.events.reference_type IS 'kind of reference document: BOL, PO, ASN, work order...';
SELECT pg_catalog.pg_extension_config_dump('lottrace.events', '');
SELECT pg_catalog.pg_extension_config_dump(pg_catalog.pg_get_serial_sequence('lottrace.events', 'id')::regclass, '');

CREATE TABLE lottrace.event_lots (
	event_id bigint NOT NULL REFERENCES lottrace.events (id) ON DELETE CASCADE,
	lot_id bigint NOT NULL REFERENCES lottrace.lots (id),
	role lottrace.event_lot_role NOT NULL,
	quantity numeric,
	uom text,
	PRIMARY KEY (event_id, lot_id, role)
);
CREATE INDEX event_lots_lot_idx ON lottrace.event_lots (lot_id);
COMMENT ON TABLE lottrace.event_lots IS 'the lots of each event, as inputs, outputs or subject';
SELECT pg_catalog.pg_extension_config_dump('lottrace.event_lots', '');

-- The genealogy: "parent went into child".  Cycles may exist (rework,
-- returns of returns); every trace function terminates on them.
CREATE TABLE lottrace.links (
	id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
	parent_id bigint NOT NULL REFERENCES lottrace.lots (id),
	child_id bigint NOT NULL REFERENCES lottrace.lots (id),
	quantity numeric,
	uom text,
	kind lottrace.link_kind NOT NULL DEFAULT 'consume',
	event_id bigint REFERENCES lottrace.events (id),
	linked_at timestamptz NOT NULL DEFAULT now(),
	CHECK (parent_id <> child_id)
);
COMMENT ON TABLE lottrace.links IS 'lot genealogy: the parent lot went into the child lot';
COMMENT ON COLUMN lottrace.links.quantity IS 'amount of the parent consumed';
SELECT pg_catalog.pg_extension_config_dump('lottrace.links', '');
SELECT pg_catalog.pg_extension_config_dump(pg_catalog.pg_get_serial_sequence('lottrace.links', 'id')::regclass, '');

-- The genealogy index: one covering btree per direction.  The trace engine
-- reads them by name, index-only where the visibility map allows; PostgreSQL
-- keeps them right through every write, rollback and crash.
CREATE INDEX links_parent_idx ON lottrace.links (parent_id) INCLUDE (child_id, id);
CREATE INDEX links_child_idx ON lottrace.links (child_id) INCLUDE (parent_id, id);
COMMENT ON INDEX lottrace.links_parent_idx IS 'genealogy index, forward: parent to children';
COMMENT ON INDEX lottrace.links_child_idx IS 'genealogy index, backward: child to parents';

CREATE TABLE lottrace.lot_status_log (
	id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
	lot_id bigint NOT NULL REFERENCES lottrace.lots (id),
	old_status lottrace.lot_status NOT NULL,
	new_status lottrace.lot_status NOT NULL,
	reason text,
	changed_at timestamptz NOT NULL DEFAULT now(),
	changed_by text NOT NULL DEFAULT current_user
);
CREATE INDEX lot_status_log_lot_idx ON lottrace.lot_status_log (lot_id, changed_at);
COMMENT ON TABLE lottrace.lot_status_log IS 'every change of a lot''s status, written by a trigger on lots';
COMMENT ON COLUMN lottrace.lot_status_log.reason IS
	'the setting lottrace.status_reason of the changing transaction, if any';
SELECT pg_catalog.pg_extension_config_dump('lottrace.lot_status_log', '');
SELECT pg_catalog.pg_extension_config_dump(pg_catalog.pg_get_serial_sequence('lottrace.lot_status_log', 'id')::regclass, '');

-- Only UPDATE fires it (and only when the status really changes), so that
-- inserting and COPYing lots costs no trigger call.
CREATE FUNCTION lottrace.log_status_change() RETURNS trigger
	LANGUAGE plpgsql
	SET search_path = pg_catalog, pg_temp
	AS $$
BEGIN
	INSERT INTO lottrace.lot_status_log (lot_id, old_status, new_status, reason)
	VALUES (NEW.id, OLD.status, NEW.status,
	        nullif(current_setting('lottrace.status_reason', true), ''));
	RETURN NULL;
END
$$;
COMMENT ON FUNCTION lottrace.log_status_change() IS
	'trigger: records a status change of a lot in lot_status_log';
REVOKE EXECUTE ON FUNCTION lottrace.log_status_change() FROM PUBLIC;

CREATE TRIGGER lots_status_log
	AFTER UPDATE OF status ON lottrace.lots
	FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status)
	EXECUTE FUNCTION lottrace.log_status_change();

CREATE FUNCTION lottrace.lot_id(item text, code lottrace.lot) RETURNS bigint
	LANGUAGE plpgsql STABLE STRICT PARALLEL SAFE
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	result bigint;
BEGIN
	SELECT l.id INTO result
	  FROM lottrace.lots l
	 WHERE l.item = lot_id.item AND l.code OPERATOR(lottrace.=) lot_id.code;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'lot "%" of item "%" does not exist', code, item
			USING ERRCODE = 'no_data_found';
	END IF;
	RETURN result;
END
$$;
COMMENT ON FUNCTION lottrace.lot_id(text, lottrace.lot) IS
	'the id of the lot with this item and code; raises if there is none';

--------------------------------------------------------------------------
-- Trace
--------------------------------------------------------------------------
-- Trace.  The functions read links through the genealogy indexes with the
-- calling statement's snapshot; they keep per-session statistics for
-- genealogy_info() and use SQL under row-level security, hence PARALLEL
-- RESTRICTED.
CREATE FUNCTION lottrace.trace_forward(root bigint, max_depth integer DEFAULT NULL)
	RETURNS TABLE (lot_id bigint, depth integer, via_id bigint)
	AS 'MODULE_PATHNAME', 'trace_forward_one'
	LANGUAGE C STABLE PARALLEL RESTRICTED;
COMMENT ON FUNCTION lottrace.trace_forward(bigint, integer) IS
	'every lot made from the root, once, with its shortest depth and the lot it was reached from';

CREATE FUNCTION lottrace.trace_forward(roots bigint[], max_depth integer DEFAULT NULL)
	RETURNS TABLE (lot_id bigint, depth integer, via_id bigint)
	AS 'MODULE_PATHNAME', 'trace_forward_many'
	LANGUAGE C STABLE PARALLEL RESTRICTED;
COMMENT ON FUNCTION lottrace.trace_forward(bigint[], integer) IS
	'every lot made from any of the roots, once, with its depth from the nearest root';

CREATE FUNCTION lottrace.trace_backward(root bigint, max_depth integer DEFAULT NULL)
	RETURNS TABLE (lot_id bigint, depth integer, via_id bigint)
	AS 'MODULE_PATHNAME', 'trace_backward_one'
	LANGUAGE C STABLE PARALLEL RESTRICTED;
COMMENT ON FUNCTION lottrace.trace_backward(bigint, integer) IS
	'every lot the root was made from, once, with its shortest depth and the lot it was reached from';

CREATE FUNCTION lottrace.trace_backward(roots bigint[], max_depth integer DEFAULT NULL)
	RETURNS TABLE (lot_id bigint, depth integer, via_id bigint)
	AS 'MODULE_PATHNAME', 'trace_backward_many'
	LANGUAGE C STABLE PARALLEL RESTRICTED;
COMMENT ON FUNCTION lottrace.trace_backward(bigint[], integer) IS
	'every lot any of the roots was made from, once, with its depth from the nearest root';

CREATE FUNCTION lottrace.trace_edges(roots bigint[], direction text DEFAULT 'forward',
									 max_depth integer DEFAULT NULL)
	RETURNS TABLE (link_id bigint, parent_id bigint, child_id bigint, depth integer,
				   quantity numeric, kind lottrace.link_kind)
	AS 'MODULE_PATHNAME', 'trace_edges'
	LANGUAGE C STABLE PARALLEL RESTRICTED;
COMMENT ON FUNCTION lottrace.trace_edges(bigint[], text, integer) IS
	'the links of the traced subgraph (forward, backward or both), with the depth of their near end';

CREATE FUNCTION lottrace.is_descendant(lot bigint, ancestor bigint) RETURNS boolean
	AS 'MODULE_PATHNAME', 'is_descendant'
	LANGUAGE C STABLE STRICT PARALLEL RESTRICTED;
COMMENT ON FUNCTION lottrace.is_descendant(bigint, bigint) IS
	'true when a path of one or more links leads from the ancestor to the lot';

CREATE FUNCTION lottrace.trace_dot(roots bigint[], direction text DEFAULT 'both',
								   max_depth integer DEFAULT NULL)
	RETURNS text
	AS 'MODULE_PATHNAME', 'trace_dot'
	LANGUAGE C STABLE PARALLEL RESTRICTED;
COMMENT ON FUNCTION lottrace.trace_dot(bigint[], text, integer) IS
	'the traced subgraph as Graphviz DOT: lots labelled with item, code and status, roots highlighted';

CREATE FUNCTION lottrace.genealogy_info()
	RETURNS TABLE (property text, value text)
	AS 'MODULE_PATHNAME', 'genealogy_info'
	LANGUAGE C VOLATILE PARALLEL RESTRICTED;
COMMENT ON FUNCTION lottrace.genealogy_info() IS
	'the genealogy index (definition, size, state) and what the last trace of this session did';

--------------------------------------------------------------------------
-- FEFO allocation, reservations and holds
--------------------------------------------------------------------------

-- Stock per lot and location.  "reserved" is the sum of the open
-- reservations of the row: reserve, release, ship and set_status keep the
-- two in step, so reservations are written through those functions only.
CREATE TABLE lottrace.stock (
	lot_id bigint NOT NULL REFERENCES lottrace.lots (id),
	location text NOT NULL,
	on_hand numeric NOT NULL,
	reserved numeric NOT NULL DEFAULT 0,
	PRIMARY KEY (lot_id, location),
	CONSTRAINT stock_reserved_within_on_hand CHECK (0 <= reserved AND reserved <= on_hand),
	-- scale() is NULL for NaN and infinity, which no count of goods can be
	CONSTRAINT stock_quantities_finite
		CHECK (pg_catalog.scale(on_hand) IS NOT NULL AND pg_catalog.scale(reserved) IS NOT NULL)
);
COMMENT ON TABLE lottrace.stock IS 'quantity on hand and reserved, per lot and location';
COMMENT ON COLUMN lottrace.stock.reserved IS 'sum of the open reservations of this lot at this location';
SELECT pg_catalog.pg_extension_config_dump('lottrace.stock', '');

-- An open reservation; releasing or shipping it deletes the row.
CREATE TABLE lottrace.reservations (
	id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
	lot_id bigint NOT NULL,
	location text NOT NULL,
	quantity numeric NOT NULL CHECK (quantity > 0 AND pg_catalog.scale(quantity) IS NOT NULL),
	reference text,
	created_at timestamptz NOT NULL DEFAULT now(),
	FOREIGN KEY (lot_id, location) REFERENCES lottrace.stock (lot_id, location)
);
CREATE INDEX reservations_stock_idx ON lottrace.reservations (lot_id, location);
CREATE INDEX reservations_reference_idx ON lottrace.reservations (reference);
COMMENT ON TABLE lottrace.reservations IS 'open reservations of stock, made by reserve, ended by release, ship and set_status';
COMMENT ON COLUMN lottrace.reservations.reference IS 'the caller''s reference (order, pick list); release(reference) ends them all';
SELECT pg_catalog.pg_extension_config_dump('lottrace.reservations', '');
SELECT pg_catalog.pg_extension_config_dump(pg_catalog.pg_get_serial_sequence('lottrace.reservations', 'id')::regclass, '');

-- The allocation walks: released lots of one item in policy order, so that
-- allocate reads only the lots it returns and the few it skips.  NULL dates
-- sort last in an ascending btree, as the policies want them.
CREATE INDEX lots_fefo_idx ON lottrace.lots (item, expires_at, produced_at, id)
	WHERE status = 'released';
CREATE INDEX lots_fifo_idx ON lottrace.lots (item, produced_at, id)
	WHERE status = 'released';
COMMENT ON INDEX lottrace.lots_fefo_idx IS 'allocation walk, fefo: released lots by expiry';
COMMENT ON INDEX lottrace.lots_fifo_idx IS 'allocation walk, fifo and lifo: released lots by production';

-- One line of a pick list.  A composite type rather than RETURNS TABLE:
-- the output columns share names with the parameters.
CREATE TYPE lottrace.pick AS (
	lot_id bigint,
	code lottrace.lot,
	location text,
	expires_at date,
	quantity numeric
);
COMMENT ON TYPE lottrace.pick IS 'one line of a pick list: how much to take of a lot at a location';

CREATE TYPE lottrace.reserved_pick AS (
	reservation_id bigint,
	lot_id bigint,
	code lottrace.lot,
	location text,
	expires_at date,
	quantity numeric
);
COMMENT ON TYPE lottrace.reserved_pick IS 'one line of a reserved pick list, with its reservation';

CREATE FUNCTION lottrace.check_allocation_arguments(item text, quantity numeric, policy text,
		as_of date, min_shelf_life interval, allow_partial boolean) RETURNS void
	LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
	SET search_path = pg_catalog, pg_temp
	AS $$
BEGIN
	IF item IS NULL THEN
		RAISE EXCEPTION 'item must not be null' USING ERRCODE = 'invalid_parameter_value';
	END IF;
	IF quantity IS NULL OR NOT quantity > 0 OR pg_catalog.scale(quantity) IS NULL THEN
		RAISE EXCEPTION 'quantity must be a positive number, not %', coalesce(quantity::text, 'null')
			USING ERRCODE = 'invalid_parameter_value';
	END IF;
	IF policy IS NULL OR policy NOT IN ('fefo', 'fifo', 'lifo') THEN
		RAISE EXCEPTION 'unknown allocation policy "%"', coalesce(policy, 'null')
			USING ERRCODE = 'invalid_parameter_value',
				  HINT = 'The policies are fefo, fifo and lifo.';
	END IF;
	IF as_of IS NULL THEN
		RAISE EXCEPTION 'as_of must not be null' USING ERRCODE = 'invalid_parameter_value';
	END IF;
	IF min_shelf_life IS NULL OR min_shelf_life < interval '0' THEN
		RAISE EXCEPTION 'min_shelf_life must be zero or more, not %', coalesce(min_shelf_life::text, 'null')
			USING ERRCODE = 'invalid_parameter_value';
	END IF;
	IF allow_partial IS NULL THEN
		RAISE EXCEPTION 'allow_partial must not be null' USING ERRCODE = 'invalid_parameter_value';
	END IF;
END
$$;
COMMENT ON FUNCTION lottrace.check_allocation_arguments(text, numeric, text, date, interval, boolean) IS
	'internal to allocate and reserve: raises 22023 for arguments they do not accept';
REVOKE EXECUTE ON FUNCTION lottrace.check_allocation_arguments(text, numeric, text, date, interval, boolean) FROM PUBLIC;

-- Reservers of an item are serialized by a transaction-level advisory lock
-- with the two-key form (1819243636, hashtext(item) & 1023); 1819243636 is
-- 'lott' in ASCII.  1024 buckets bound the locks one set_status may take,
-- however many items its lots belong to; two items in one bucket merely
-- wait for each other.  Keys are taken in ascending order: no deadlocks.
CREATE FUNCTION lottrace.lock_items(items text[]) RETURNS void
	LANGUAGE plpgsql VOLATILE
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	bucket int;
BEGIN
	FOR bucket IN
		SELECT DISTINCT pg_catalog.hashtext(i) & 1023 FROM pg_catalog.unnest(items) AS i
		 WHERE i IS NOT NULL ORDER BY 1
	LOOP
		PERFORM pg_catalog.pg_advisory_xact_lock(1819243636, bucket);
	END LOOP;
END
$$;
COMMENT ON FUNCTION lottrace.lock_items(text[]) IS
	'waits for and takes, until the end of the transaction, the lock reserve and set_status take on these items';
REVOKE EXECUTE ON FUNCTION lottrace.lock_items(text[]) FROM PUBLIC;

CREATE FUNCTION lottrace.allocate(item text, quantity numeric, location text DEFAULT NULL,
		policy text DEFAULT 'fefo', as_of date DEFAULT current_date,
		min_shelf_life interval DEFAULT '0 days', allow_partial boolean DEFAULT false)
	RETURNS SETOF lottrace.pick
	LANGUAGE plpgsql STABLE
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	-- the earliest eligible expiry: a lot is usable through its expiry day,
	-- and must still be usable on as_of + min_shelf_life
	bound date;
	remaining numeric := allocate.quantity;
	walk int;
	candidates refcursor;
	line lottrace.pick;
BEGIN
	PERFORM lottrace.check_allocation_arguments(allocate.item, allocate.quantity, allocate.policy,
		allocate.as_of, allocate.min_shelf_life, allocate.allow_partial);
	bound := (allocate.as_of + allocate.min_shelf_life)::date;

	-- Each walk follows an index in policy order, fetching one candidate at a
	-- time, and stops as soon as the quantity is met.  fefo walks the lots
	-- that expire first, then those that never do (NULL sorts last).
	FOR walk IN 1 .. 2 LOOP
		IF allocate.policy = 'fefo' AND walk = 1 THEN
			OPEN candidates FOR
				SELECT l.id, l.code, s.location, l.expires_at, s.on_hand - s.reserved
				  FROM lottrace.lots l
				  JOIN lottrace.stock s ON s.lot_id = l.id
				 WHERE l.item = allocate.item AND l.status = 'released'
				   AND l.expires_at >= bound
				   AND s.on_hand > s.reserved
				   AND (allocate.location IS NULL OR s.location = allocate.location)
				 ORDER BY l.expires_at, l.produced_at, l.id, s.location;
		ELSIF allocate.policy = 'fefo' AND walk = 2 THEN
			OPEN candidates FOR
				SELECT l.id, l.code, s.location, l.expires_at, s.on_hand - s.reserved
				  FROM lottrace.lots l
				  JOIN lottrace.stock s ON s.lot_id = l.id
				 WHERE l.item = allocate.item AND l.status = 'released'
				   AND l.expires_at IS NULL
				   AND s.on_hand > s.reserved
				   AND (allocate.location IS NULL OR s.location = allocate.location)
				 ORDER BY l.expires_at, l.produced_at, l.id, s.location;
		ELSIF allocate.policy = 'fifo' AND walk = 1 THEN
			OPEN candidates FOR
				SELECT l.id, l.code, s.location, l.expires_at, s.on_hand - s.reserved
				  FROM lottrace.lots l
				  JOIN lottrace.stock s ON s.lot_id = l.id
				 WHERE l.item = allocate.item AND l.status = 'released'
				   AND (l.expires_at >= bound OR l.expires_at IS NULL)
				   AND s.on_hand > s.reserved
				   AND (allocate.location IS NULL OR s.location = allocate.location)
				 ORDER BY l.produced_at, l.id, s.location;
		ELSIF allocate.policy = 'lifo' AND walk = 1 THEN
			OPEN candidates FOR
				SELECT l.id, l.code, s.location, l.expires_at, s.on_hand - s.reserved
				  FROM lottrace.lots l
				  JOIN lottrace.stock s ON s.lot_id = l.id
				 WHERE l.item = allocate.item AND l.status = 'released'
				   AND (l.expires_at >= bound OR l.expires_at IS NULL)
				   AND s.on_hand > s.reserved
				   AND (allocate.location IS NULL OR s.location = allocate.location)
				 ORDER BY l.produced_at DESC, l.id DESC, s.location DESC;
		ELSE
			EXIT;
		END IF;
		LOOP
			FETCH candidates INTO line;
			EXIT WHEN NOT FOUND;
			line.quantity := least(line.quantity, remaining);
			remaining := remaining - line.quantity;
			RETURN NEXT line;
			EXIT WHEN remaining = 0;
		END LOOP;
		CLOSE candidates;
		EXIT WHEN remaining = 0;
	END LOOP;

	IF remaining > 0 AND NOT allocate.allow_partial THEN
		RAISE EXCEPTION 'not enough stock of item "%"%', allocate.item,
			CASE WHEN allocate.location IS NOT NULL THEN format(' at location "%s"', allocate.location) ELSE '' END
			USING ERRCODE = 'LT001',
				  DETAIL = format('Requested %s but only %s %s available; the shortfall is %s.',
								  allocate.quantity, allocate.quantity - remaining,
								  CASE WHEN allocate.quantity - remaining = 1 THEN 'is' ELSE 'are' END,
								  remaining),
				  HINT = 'Pass allow_partial => true to take what there is.';
	END IF;
END
$$;
COMMENT ON FUNCTION lottrace.allocate(text, numeric, text, text, date, interval, boolean) IS
	'proposes a pick list for a quantity of an item (fefo, fifo or lifo), changing nothing';

-- Ends reservations and gives their quantities back to stock.  Row locks
-- are taken in one order everywhere (lots, then reservations, then stock
-- rows, each by key), so that concurrent calls cannot deadlock.
CREATE FUNCTION lottrace.release_reservations(ids bigint[]) RETURNS SETOF lottrace.reservations
	LANGUAGE plpgsql VOLATILE
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	released lottrace.reservations[];
BEGIN
	PERFORM FROM lottrace.reservations r WHERE r.id = ANY (ids) ORDER BY r.id FOR UPDATE;
	WITH gone AS (
		DELETE FROM lottrace.reservations r WHERE r.id = ANY (ids) RETURNING r AS reservation
	)
	SELECT pg_catalog.array_agg(gone.reservation ORDER BY (gone.reservation).id) INTO released FROM gone;

	PERFORM FROM lottrace.stock s
	 WHERE (s.lot_id, s.location) IN (SELECT g.lot_id, g.location FROM pg_catalog.unnest(released) g)
	 ORDER BY s.lot_id, s.location
	   FOR NO KEY UPDATE;
	UPDATE lottrace.stock s SET reserved = s.reserved - g.quantity
	  FROM (SELECT g.lot_id, g.location, sum(g.quantity) AS quantity
			  FROM pg_catalog.unnest(released) g GROUP BY g.lot_id, g.location) g
	 WHERE s.lot_id = g.lot_id AND s.location = g.location;

	RETURN QUERY SELECT * FROM pg_catalog.unnest(released);
END
$$;
COMMENT ON FUNCTION lottrace.release_reservations(bigint[]) IS
	'internal to release and set_status: ends these reservations, returns their quantities to stock and returns them; ids already gone are skipped';
REVOKE EXECUTE ON FUNCTION lottrace.release_reservations(bigint[]) FROM PUBLIC;

CREATE FUNCTION lottrace.reserve(item text, quantity numeric, reference text,
		location text DEFAULT NULL, policy text DEFAULT 'fefo', as_of date DEFAULT current_date,
		min_shelf_life interval DEFAULT '0 days', allow_partial boolean DEFAULT false)
	RETURNS SETOF lottrace.reserved_pick
	LANGUAGE plpgsql VOLATILE
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	picks lottrace.pick[];
	p lottrace.pick;
	line lottrace.reserved_pick;
BEGIN
	PERFORM lottrace.check_allocation_arguments(reserve.item, reserve.quantity, reserve.policy,
		reserve.as_of, reserve.min_shelf_life, reserve.allow_partial);
	PERFORM lottrace.lock_items(ARRAY[reserve.item]);

	-- A new statement, so in READ COMMITTED a new snapshot: it sees what the
	-- reservers this call waited for have committed.
	picks := ARRAY(SELECT a FROM lottrace.allocate(reserve.item, reserve.quantity, reserve.location,
						   reserve.policy, reserve.as_of, reserve.min_shelf_life,
						   reserve.allow_partial) a);

	-- Stock rows are locked by key, as release_reservations locks them.
	FOR p IN SELECT * FROM pg_catalog.unnest(picks) u ORDER BY u.lot_id, u.location LOOP
		UPDATE lottrace.stock s SET reserved = s.reserved + p.quantity
		 WHERE s.lot_id = p.lot_id AND s.location = p.location
		   AND s.on_hand - s.reserved >= p.quantity;
		IF NOT FOUND THEN
			-- only a writer that bypasses lottrace's functions gets here
			RAISE EXCEPTION 'stock of lot % at location "%" changed while it was being reserved',
				p.lot_id, p.location
				USING ERRCODE = 'serialization_failure',
					  HINT = 'Retry the transaction.';
		END IF;
	END LOOP;

	FOREACH p IN ARRAY picks LOOP
		INSERT INTO lottrace.reservations (lot_id, location, quantity, reference)
		VALUES (p.lot_id, p.location, p.quantity, reserve.reference)
		RETURNING id INTO line.reservation_id;
		line.lot_id := p.lot_id;
		line.code := p.code;
		line.location := p.location;
		line.expires_at := p.expires_at;
		line.quantity := p.quantity;
		RETURN NEXT line;
	END LOOP;
END
$$;
COMMENT ON FUNCTION lottrace.reserve(text, numeric, text, text, text, date, interval, boolean) IS
	'allocates like allocate and records the pick list as reservations, safely under concurrency';

CREATE FUNCTION lottrace.release(reservation_id bigint) RETURNS SETOF lottrace.reservations
	LANGUAGE plpgsql VOLATILE
	SET search_path = pg_catalog, pg_temp
	AS $$
BEGIN
	IF release.reservation_id IS NULL THEN
		RAISE EXCEPTION 'reservation_id must not be null' USING ERRCODE = 'invalid_parameter_value';
	END IF;
	RETURN QUERY SELECT * FROM lottrace.release_reservations(ARRAY[release.reservation_id]);
	IF NOT FOUND THEN
		RAISE EXCEPTION 'reservation % does not exist', release.reservation_id
			USING ERRCODE = 'no_data_found',
				  HINT = 'A reservation that was released or shipped exists no more.';
	END IF;
END
$$;
COMMENT ON FUNCTION lottrace.release(bigint) IS
	'ends a reservation, returns its quantity to stock and returns it';

CREATE FUNCTION lottrace.release(reference text) RETURNS SETOF lottrace.reservations
	LANGUAGE plpgsql VOLATILE
	SET search_path = pg_catalog, pg_temp
	AS $$
BEGIN
	IF release.reference IS NULL THEN
		RAISE EXCEPTION 'reference must not be null' USING ERRCODE = 'invalid_parameter_value';
	END IF;
	RETURN QUERY SELECT * FROM lottrace.release_reservations(
		ARRAY(SELECT r.id FROM lottrace.reservations r WHERE r.reference = release.reference));
END
$$;
COMMENT ON FUNCTION lottrace.release(text) IS
	'ends every open reservation with this reference, returns their quantities to stock and returns them';

CREATE FUNCTION lottrace.ship(reservation_id bigint, ship_to text, shipped_at timestamptz DEFAULT now(),
		reference text DEFAULT NULL) RETURNS bigint
	LANGUAGE plpgsql VOLATILE
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	shipped_lot lottrace.lots;
	shipped lottrace.reservations;
	shipment bigint;
BEGIN
	IF ship.reservation_id IS NULL THEN
		RAISE EXCEPTION 'reservation_id must not be null' USING ERRCODE = 'invalid_parameter_value';
	END IF;
	IF ship.ship_to IS NULL OR btrim(ship.ship_to) = '' THEN
		RAISE EXCEPTION 'ship_to must name the customer' USING ERRCODE = 'invalid_parameter_value';
	END IF;
	IF ship.shipped_at IS NULL THEN
		RAISE EXCEPTION 'shipped_at must not be null' USING ERRCODE = 'invalid_parameter_value';
	END IF;

	-- The lot first, share-locked so that no hold can slip in before commit;
	-- then the reservation, then the stock row (the order set_status uses).
	SELECT l.* INTO shipped_lot
	  FROM lottrace.lots l
	 WHERE l.id = (SELECT r.lot_id FROM lottrace.reservations r WHERE r.id = ship.reservation_id)
	   FOR SHARE;
	IF FOUND AND shipped_lot.status <> 'released' THEN
		RAISE EXCEPTION 'lot "%" of item "%" has status %, not released', shipped_lot.code, shipped_lot.item,
			shipped_lot.status
			USING ERRCODE = 'object_not_in_prerequisite_state',
				  HINT = 'Only released lots are shipped; release the reservation instead.';
	END IF;
	DELETE FROM lottrace.reservations r WHERE r.id = ship.reservation_id RETURNING r.* INTO shipped;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'reservation % does not exist', ship.reservation_id
			USING ERRCODE = 'no_data_found',
				  HINT = 'A reservation that was released or shipped exists no more.';
	END IF;

	UPDATE lottrace.stock s
	   SET on_hand = s.on_hand - shipped.quantity, reserved = s.reserved - shipped.quantity
	 WHERE s.lot_id = shipped.lot_id AND s.location = shipped.location;
	INSERT INTO lottrace.events (kind, occurred_at, location, partner, reference, attributes)
	VALUES ('ship', ship.shipped_at, shipped.location, ship.ship_to,
			coalesce(ship.reference, shipped.reference),
			pg_catalog.jsonb_strip_nulls(pg_catalog.jsonb_build_object(
				'reservation_id', shipped.id, 'reservation_reference', shipped.reference)))
	RETURNING id INTO shipment;
	INSERT INTO lottrace.event_lots (event_id, lot_id, role, quantity, uom)
	VALUES (shipment, shipped.lot_id, 'subject', shipped.quantity, shipped_lot.uom);
	RETURN shipment;
END
$$;
COMMENT ON FUNCTION lottrace.ship(bigint, text, timestamptz, text) IS
	'ships a reservation: takes it out of stock and records a ship event with the lot as subject; returns the event id';

CREATE FUNCTION lottrace.set_status(lot_ids bigint[], status lottrace.lot_status, reason text)
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

	IF set_status.reason IS NOT NULL THEN
		caller_reason := pg_catalog.current_setting('lottrace.status_reason', true);
		PERFORM pg_catalog.set_config('lottrace.status_reason', set_status.reason, true);
	END IF;
	UPDATE lottrace.lots l SET status = set_status.status
	 WHERE l.id = ANY (set_status.lot_ids) AND l.status <> set_status.status;
	IF set_status.reason IS NOT NULL THEN
		PERFORM pg_catalog.set_config('lottrace.status_reason', coalesce(caller_reason, ''), true);
	END IF;

	-- Only released lots are allocated and shipped: whatever else a lot
	-- becomes, its reservations would block stock for nothing.
	IF set_status.status <> 'released' THEN
		RETURN QUERY SELECT * FROM lottrace.release_reservations(
			ARRAY(SELECT r.id FROM lottrace.reservations r WHERE r.lot_id = ANY (set_status.lot_ids)));
	END IF;
END
$$;
COMMENT ON FUNCTION lottrace.set_status(bigint[], lottrace.lot_status, text) IS
	'changes the status of lots (logged with the reason); a status other than released releases their reservations and returns them';

--------------------------------------------------------------------------
-- Recall
--------------------------------------------------------------------------

CREATE TYPE lottrace.recall_status AS ENUM ('open', 'closed');
COMMENT ON TYPE lottrace.recall_status IS 'whether a recall is still being worked';

CREATE TABLE lottrace.recalls (
	id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
	title text NOT NULL CHECK (pg_catalog.btrim(title) <> ''),
	reason text,
	opened_at timestamptz NOT NULL DEFAULT now(),
	closed_at timestamptz,
	status lottrace.recall_status NOT NULL DEFAULT 'open',
	CHECK ((status = 'closed') = (closed_at IS NOT NULL))
);
COMMENT ON TABLE lottrace.recalls IS 'recalls: opened by open_recall, closed by close_recall';
SELECT pg_catalog.pg_extension_config_dump('lottrace.recalls', '');
SELECT pg_catalog.pg_extension_config_dump(pg_catalog.pg_get_serial_sequence('lottrace.recalls', 'id')::regclass, '');

CREATE TABLE lottrace.recall_roots (
	recall_id bigint NOT NULL REFERENCES lottrace.recalls (id),
	lot_id bigint NOT NULL REFERENCES lottrace.lots (id),
	PRIMARY KEY (recall_id, lot_id)
);
COMMENT ON TABLE lottrace.recall_roots IS 'the lots a recall starts from (the contaminated ones)';
SELECT pg_catalog.pg_extension_config_dump('lottrace.recall_roots', '');

-- The scope as it was known when the recall was opened.
CREATE TABLE lottrace.recall_lots (
	recall_id bigint NOT NULL REFERENCES lottrace.recalls (id),
	lot_id bigint NOT NULL REFERENCES lottrace.lots (id),
	depth integer NOT NULL,
	via_id bigint REFERENCES lottrace.lots (id),
	PRIMARY KEY (recall_id, lot_id)
);
CREATE INDEX recall_lots_lot_idx ON lottrace.recall_lots (lot_id);
COMMENT ON TABLE lottrace.recall_lots IS
	'frozen scope of each recall: the forward trace of its roots when it was opened';
SELECT pg_catalog.pg_extension_config_dump('lottrace.recall_lots', '');

CREATE FUNCTION lottrace.open_recall(title text, roots bigint[], reason text DEFAULT NULL,
									 hold boolean DEFAULT true)
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

	INSERT INTO lottrace.recalls (title, reason) VALUES (open_recall.title, open_recall.reason)
	RETURNING id INTO recall;
	-- trace_forward raises for a root that is not a lot, before anything stays written
	INSERT INTO lottrace.recall_lots (recall_id, lot_id, depth, via_id)
	SELECT recall, t.lot_id, t.depth, t.via_id
	  FROM lottrace.trace_forward(open_recall.roots) t;
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
COMMENT ON FUNCTION lottrace.open_recall(text, bigint[], text, boolean) IS
	'opens a recall: records the roots, freezes the scope (their forward trace) and, with hold, marks every lot in it recalled and releases its reservations';

CREATE FUNCTION lottrace.close_recall(id bigint) RETURNS void
	LANGUAGE plpgsql VOLATILE
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	current_status lottrace.recall_status;
BEGIN
	SELECT r.status INTO current_status FROM lottrace.recalls r WHERE r.id = close_recall.id FOR UPDATE;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'recall % does not exist', close_recall.id USING ERRCODE = 'no_data_found';
	END IF;
	IF current_status = 'closed' THEN
		RAISE EXCEPTION 'recall % is already closed', close_recall.id
			USING ERRCODE = 'object_not_in_prerequisite_state';
	END IF;
	UPDATE lottrace.recalls r SET status = 'closed', closed_at = now() WHERE r.id = close_recall.id;
END
$$;
COMMENT ON FUNCTION lottrace.close_recall(bigint) IS
	'closes a recall; the status of its lots is left as it is';

-- The live scope: the forward trace of each open recall's roots, as the
-- genealogy stands now.  A filter on recall_id reaches the recalls table, so
-- only that recall is traced.
CREATE VIEW lottrace.recall_scope AS
SELECT r.id AS recall_id, t.lot_id, l.item, l.code, t.depth, l.status, l.expires_at,
	   coalesce((SELECT sum(s.on_hand) FROM lottrace.stock s WHERE s.lot_id = t.lot_id), 0) AS on_hand
  FROM lottrace.recalls r
 CROSS JOIN LATERAL lottrace.trace_forward(
		ARRAY(SELECT rr.lot_id FROM lottrace.recall_roots rr WHERE rr.recall_id = r.id)) t
  JOIN lottrace.lots l ON l.id = t.lot_id
 WHERE r.status = 'open';
COMMENT ON VIEW lottrace.recall_scope IS
	'live scope of each open recall: every lot made from its roots, with depth, status, expiry and stock on hand';

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

-- One trace per recall, shared by every figure.
CREATE VIEW lottrace.recall_summary AS
SELECT r.id AS recall_id, r.title, r.opened_at, f.lots, f.items, f.on_hand, f.shipped_quantity, f.customers
  FROM lottrace.recalls r
 CROSS JOIN LATERAL (
		WITH scope AS MATERIALIZED (
			SELECT t.lot_id, l.item
			  FROM lottrace.trace_forward(
					ARRAY(SELECT rr.lot_id FROM lottrace.recall_roots rr WHERE rr.recall_id = r.id)) t
			  JOIN lottrace.lots l ON l.id = t.lot_id),
		shipments AS MATERIALIZED (
			SELECT e.partner, el.quantity
			  FROM scope
			  JOIN lottrace.event_lots el ON el.lot_id = scope.lot_id AND el.role = 'subject'
			  JOIN lottrace.events e ON e.id = el.event_id AND e.kind = 'ship')
		SELECT (SELECT count(*) FROM scope) AS lots,
			   (SELECT count(DISTINCT scope.item) FROM scope) AS items,
			   (SELECT coalesce(sum(s.on_hand), 0) FROM scope JOIN lottrace.stock s ON s.lot_id = scope.lot_id) AS on_hand,
			   (SELECT coalesce(sum(shipments.quantity), 0) FROM shipments) AS shipped_quantity,
			   (SELECT count(DISTINCT shipments.partner) FROM shipments) AS customers) f
 WHERE r.status = 'open';
COMMENT ON VIEW lottrace.recall_summary IS
	'one row per open recall: lots and items in scope, quantity on hand and shipped, customers reached';

-- From 15 on, the views run with the privileges and row-level security
-- policies of whoever reads them.  13 and 14 have no security_invoker: a
-- view reads its tables with its owner's privileges, past the reader's
-- policies.  There each view instead refuses a reader that may not read
-- every table under it whole, rather than show it more than it may see.
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
		-- Left executable by PUBLIC, as every reader of the views needs it:
		-- it reads nothing but the reader's own privileges, and only raises.
		CREATE FUNCTION lottrace.check_recall_view_reader() RETURNS boolean
			LANGUAGE plpgsql STABLE
			SET search_path = pg_catalog, pg_temp
			AS $check$
		DECLARE
			refused text;
		BEGIN
			SELECT string_agg(t::text, ', ' ORDER BY t::text) INTO refused
			  FROM unnest('{lottrace.recalls, lottrace.recall_roots, lottrace.recall_lots, lottrace.lots,
							lottrace.links, lottrace.stock, lottrace.events, lottrace.event_lots}'::regclass[]) t
			 WHERE NOT has_table_privilege(t, 'SELECT') OR row_security_active(t);
			IF refused IS NOT NULL THEN
				RAISE EXCEPTION 'the recall views need to read all of %', refused
					USING ERRCODE = 'insufficient_privilege',
						  DETAIL = format('Role "%s" lacks SELECT on these tables, or row-level security applies to it there; '
										  'before PostgreSQL 15 a view cannot apply the reader''s policies.', current_user),
						  HINT = 'Read them as a role with SELECT on those tables (lottrace_reader has it) and no row-level security policy applying to it there.';
			END IF;
			RETURN true;
		END
		$check$;
		COMMENT ON FUNCTION lottrace.check_recall_view_reader() IS
			'internal to the recall views before PostgreSQL 15: raises unless the reader may read every table under them whole';
		FOREACH recall_view IN ARRAY
			'{lottrace.recall_scope, lottrace.recall_scope_changes, lottrace.recall_shipments, lottrace.recall_summary}'::regclass[]
		LOOP
			EXECUTE pg_catalog.format('CREATE OR REPLACE VIEW %s AS SELECT * FROM (%s) v WHERE lottrace.check_recall_view_reader()',
									  recall_view, pg_catalog.rtrim(pg_catalog.rtrim(pg_catalog.pg_get_viewdef(recall_view)), ';'));
		END LOOP;
	END IF;
END
$$;

--------------------------------------------------------------------------
-- FDA FSMA 204
--------------------------------------------------------------------------
-- FDA FSMA 204: the key data elements of every critical tracking event, one
-- row per event and lot, for the electronic sortable spreadsheet.
CREATE FUNCTION lottrace.fsma204_sortable(from_date date, to_date date,
										  tlcs lottrace.lot[] DEFAULT NULL)
	RETURNS TABLE (
		"Traceability Lot Code" lottrace.lot,
		"Traceability Lot Code Source" text,
		"Product Description" text,
		"Quantity" numeric,
		"Unit of Measure" text,
		"Critical Tracking Event" text,
		"Role" text,
		"Event Date" date,
		"Event Time" time,
		"Location Description" text,
		"Ship-From Location" text,
		"Ship-To Location" text,
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
	SELECT l.code,
		   l.tlc_source,
		   coalesce(l.attributes ->> 'product_description', l.item),
		   el.quantity,
		   coalesce(el.uom, l.uom),
		   CASE e.kind
				WHEN 'harvest' THEN 'Harvesting'
				WHEN 'cool' THEN 'Cooling'
				WHEN 'initial_pack' THEN 'Initial Packing'
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
		   e.reference_type,
		   e.reference,
		   e.id
	  FROM lottrace.events e
	  JOIN lottrace.event_lots el ON el.event_id = e.id
	  JOIN lottrace.lots l ON l.id = el.lot_id
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
-- GS1 EPCIS 2.0 import and export
--------------------------------------------------------------------------

-- Imports are idempotent on the EPCIS eventID: every imported one is
-- claimed here first (a concurrent import of the same event waits, then
-- skips it), including TransformationEvents that only carry links.
CREATE TABLE lottrace.epcis_imported (
	event_id text PRIMARY KEY,
	imported_at timestamptz NOT NULL DEFAULT now(),
	lottrace_event_id bigint REFERENCES lottrace.events (id) ON DELETE SET NULL
);
COMMENT ON TABLE lottrace.epcis_imported IS
	'EPCIS eventIDs already imported by epcis_import, and the event each became (if any)';
SELECT pg_catalog.pg_extension_config_dump('lottrace.epcis_imported', '');

-- The lot an EPC class id names: an LGTIN URN or a GS1 Digital Link URI with
-- a GTIN and a lot.  Returns the lot's id, creating the lot if needed.
CREATE FUNCTION lottrace.epcis_lot(epc text, context text) RETURNS bigint
	LANGUAGE plpgsql VOLATILE
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	lot_gtin text;
	lot_code lottrace.lot;
	result bigint;
BEGIN
	IF epc IS NULL THEN
		RAISE EXCEPTION '%: an EPC id is missing', context USING ERRCODE = 'invalid_text_representation';
	END IF;
	BEGIN
		IF epc LIKE 'urn:epc:class:lgtin:%' THEN
			SELECT p.gtin, p.lot INTO lot_gtin, lot_code FROM lottrace.lgtin_parse(epc) p;
		ELSIF epc ~ '^https?://' THEN
			SELECT d.gtin, d.lot INTO lot_gtin, lot_code FROM lottrace.gs1_decode(epc) d;
		ELSE
			RAISE EXCEPTION 'it is neither an LGTIN URN nor a GS1 Digital Link URI'
				USING ERRCODE = 'invalid_text_representation';
		END IF;
	EXCEPTION WHEN invalid_text_representation THEN
		RAISE EXCEPTION '%: EPC id "%": %', context, epc, SQLERRM USING ERRCODE = 'invalid_text_representation';
	END;
	IF lot_gtin IS NULL OR lot_code IS NULL THEN
		RAISE EXCEPTION '%: EPC id "%" names no lot', context, epc
			USING ERRCODE = 'invalid_text_representation',
				  HINT = 'lottrace traces lots: use an LGTIN URN or a Digital Link URI with AI (10).';
	END IF;
	INSERT INTO lottrace.lots (item, code) VALUES (lot_gtin, lot_code) ON CONFLICT (item, code) DO NOTHING;
	SELECT l.id INTO result FROM lottrace.lots l WHERE l.item = lot_gtin AND l.code OPERATOR(lottrace.=) lot_code;
	RETURN result;
END
$$;
COMMENT ON FUNCTION lottrace.epcis_lot(text, text) IS
	'internal to epcis_import: the lot an LGTIN URN or Digital Link URI names, created if new';
REVOKE EXECUTE ON FUNCTION lottrace.epcis_lot(text, text) FROM PUBLIC;

-- The value of a CBV term with or without its URN or URI prefix.
CREATE FUNCTION lottrace.epcis_term(value text) RETURNS text
	LANGUAGE sql IMMUTABLE PARALLEL SAFE
	SET search_path = pg_catalog, pg_temp
	AS $$
	SELECT regexp_replace(value, '^(urn:epcglobal:cbv:[a-z]+:|https://ref\.gs1\.org/cbv/[A-Za-z]+-)', '')
$$;
COMMENT ON FUNCTION lottrace.epcis_term(text) IS
	'internal to epcis_import: a CBV term without its URN or URI prefix';
REVOKE EXECUTE ON FUNCTION lottrace.epcis_term(text) FROM PUBLIC;

-- The lots of one EPCIS quantity list or EPC list, with their quantities.
CREATE FUNCTION lottrace.epcis_list_lots(quantities jsonb, epcs jsonb, context text,
										 OUT lot_id bigint, OUT quantity numeric, OUT uom text, OUT epc text)
	RETURNS SETOF record
	LANGUAGE plpgsql VOLATILE
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
		lot_id := lottrace.epcis_lot(epc, context);
		quantity := (entry ->> 'quantity')::numeric;
		uom := entry ->> 'uom';
		RETURN NEXT;
	END LOOP;
	FOR entry IN SELECT value FROM jsonb_array_elements(coalesce(epcs, '[]')) LOOP
		IF jsonb_typeof(entry) <> 'string' THEN
			RAISE EXCEPTION '%: an EPC list entry is not a string', context USING ERRCODE = 'invalid_text_representation';
		END IF;
		epc := entry #>> '{}';
		lot_id := lottrace.epcis_lot(epc, context);
		quantity := 1;
		uom := NULL;
		RETURN NEXT;
	END LOOP;
END
$$;
COMMENT ON FUNCTION lottrace.epcis_list_lots(jsonb, jsonb, text) IS
	'internal to epcis_import: the lots of a quantity list and an EPC list';
REVOKE EXECUTE ON FUNCTION lottrace.epcis_list_lots(jsonb, jsonb, text) FROM PUBLIC;

CREATE FUNCTION lottrace.epcis_import(document jsonb) RETURNS integer
	LANGUAGE plpgsql VOLATILE
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	events jsonb := document #> '{epcisBody,eventList}';
	master jsonb := document #> '{epcisHeader,epcisMasterData,vocabularyList}';
	ev jsonb;
	position int := 0;
	imported int := 0;
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
	input_ids bigint[];
	input_quantities numeric[];
	input_uoms text[];
	output_ids bigint[];
	output_quantities numeric[];
	output_uoms text[];
	vocabulary jsonb;
	element jsonb;
	attribute jsonb;
	lot bigint;
BEGIN
	IF document IS NULL OR jsonb_typeof(document) <> 'object' THEN
		RAISE EXCEPTION 'an EPCIS document is a JSON object' USING ERRCODE = 'invalid_text_representation';
	END IF;
	IF document ->> 'type' IS DISTINCT FROM 'EPCISDocument' THEN
		RAISE EXCEPTION 'not an EPCIS document: "type" is %', coalesce('"' || (document ->> 'type') || '"', 'missing')
			USING ERRCODE = 'invalid_text_representation';
	END IF;
	IF events IS NULL OR jsonb_typeof(events) <> 'array' THEN
		RAISE EXCEPTION 'the EPCIS document has no epcisBody.eventList array'
			USING ERRCODE = 'invalid_text_representation';
	END IF;

	-- Lot master data (EPCClass vocabulary): lots and their attributes.
	IF master IS NOT NULL THEN
		FOR vocabulary IN SELECT value FROM jsonb_array_elements(CASE jsonb_typeof(master) WHEN 'array' THEN master ELSE '[]' END) LOOP
			CONTINUE WHEN lottrace.epcis_term(vocabulary ->> 'type') NOT IN ('urn:epcglobal:epcis:vtype:EPCClass', 'EPCClass');
			FOR element IN SELECT value FROM jsonb_array_elements(coalesce(vocabulary -> 'vocabularyElementList', '[]')) LOOP
				lot := lottrace.epcis_lot(element ->> 'id', 'master data');
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
						ELSE
							NULL;	-- other master data is not kept
					END CASE;
				END LOOP;
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
		IF event_type IS NULL OR event_type NOT IN ('ObjectEvent', 'TransformationEvent') THEN
			RAISE EXCEPTION '%: event type % is not supported', context, coalesce('"' || (ev ->> 'type') || '"', 'missing')
				USING ERRCODE = 'invalid_text_representation',
					  HINT = 'lottrace imports ObjectEvent and TransformationEvent.';
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
		INSERT INTO lottrace.epcis_imported (event_id) VALUES (epcis_id) ON CONFLICT DO NOTHING;
		GET DIAGNOSTICS claimed = ROW_COUNT;
		CONTINUE WHEN claimed = 0;

		biz_step := lottrace.epcis_term(ev ->> 'bizStep');
		links_only := coalesce((ev ->> 'lottrace:linksOnly')::boolean, false);
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
			IF ev ->> 'action' IS NULL OR ev ->> 'action' NOT IN ('ADD', 'OBSERVE') THEN
				RAISE EXCEPTION '%: action % is not supported', context, coalesce('"' || (ev ->> 'action') || '"', 'missing')
					USING ERRCODE = 'invalid_text_representation',
						  HINT = 'lottrace imports ObjectEvents with action ADD or OBSERVE.';
			END IF;
			kind := CASE biz_step WHEN 'commissioning' THEN 'initial_pack' WHEN 'shipping' THEN 'ship'
								  WHEN 'receiving' THEN 'receive' END;
			IF kind IS NULL THEN
				RAISE EXCEPTION '%: bizStep % is not supported', context, coalesce('"' || (ev ->> 'bizStep') || '"', 'missing')
					USING ERRCODE = 'invalid_text_representation',
						  HINT = 'lottrace imports ObjectEvents of bizStep commissioning, shipping and receiving.';
			END IF;
		END IF;

		location_id := coalesce(ev #>> '{bizLocation,id}', ev #>> '{readPoint,id}');
		partner_id := CASE kind
			WHEN 'ship' THEN ev #>> '{destinationList,0,destination}'
			WHEN 'receive' THEN ev #>> '{sourceList,0,source}'
			WHEN 'first_receive' THEN ev #>> '{sourceList,0,source}'
		END;
		transaction := ev #> '{bizTransactionList,0}';

		new_event := NULL;
		IF NOT links_only THEN
			INSERT INTO lottrace.events (kind, occurred_at, location, partner, reference_type, reference, attributes)
			VALUES (kind, occurred, location_id, partner_id,
					lottrace.epcis_term(transaction ->> 'type'), transaction ->> 'bizTransaction',
					jsonb_strip_nulls(jsonb_build_object('epcis_event_id', epcis_id, 'epcis_type', event_type,
														 'bizStep', biz_step, 'disposition', lottrace.epcis_term(ev ->> 'disposition'))))
			RETURNING id INTO new_event;
			UPDATE lottrace.epcis_imported i SET lottrace_event_id = new_event WHERE i.event_id = epcis_id;
		END IF;

		IF event_type = 'ObjectEvent' THEN
			IF new_event IS NULL THEN
				RAISE EXCEPTION '%: lottrace:linksOnly applies to TransformationEvents', context
					USING ERRCODE = 'invalid_text_representation';
			END IF;
			INSERT INTO lottrace.event_lots AS el (event_id, lot_id, role, quantity, uom)
			SELECT new_event, l.lot_id, 'subject', sum(l.quantity), min(l.uom)
			  FROM lottrace.epcis_list_lots(ev -> 'quantityList', ev -> 'epcList', context) l
			 GROUP BY l.lot_id;
			IF NOT FOUND THEN
				RAISE EXCEPTION '%: the event names no lot', context USING ERRCODE = 'invalid_text_representation';
			END IF;
			-- lot master data carried by a commissioning event
			UPDATE lottrace.lots l SET expires_at = (ev #>> '{ilmd,cbvmda:itemExpirationDate}')::date
			  FROM lottrace.event_lots el
			 WHERE ev #>> '{ilmd,cbvmda:itemExpirationDate}' IS NOT NULL
			   AND el.event_id = new_event AND l.id = el.lot_id;
		ELSE
			SELECT coalesce(array_agg(l.lot_id), '{}'), array_agg(l.quantity), array_agg(l.uom)
			  INTO input_ids, input_quantities, input_uoms
			  FROM lottrace.epcis_list_lots(ev -> 'inputQuantityList', ev -> 'inputEPCList', context || ', inputs') l;
			SELECT coalesce(array_agg(l.lot_id), '{}'), array_agg(l.quantity), array_agg(l.uom)
			  INTO output_ids, output_quantities, output_uoms
			  FROM lottrace.epcis_list_lots(ev -> 'outputQuantityList', ev -> 'outputEPCList', context || ', outputs') l;
			IF cardinality(input_ids) = 0 OR cardinality(output_ids) = 0 THEN
				RAISE EXCEPTION '%: a TransformationEvent needs inputs and outputs', context
					USING ERRCODE = 'invalid_text_representation';
			END IF;
			IF new_event IS NOT NULL THEN
				INSERT INTO lottrace.event_lots (event_id, lot_id, role, quantity, uom)
				SELECT new_event, s.lot_id, s.role, sum(s.quantity), min(s.uom)
				  FROM (SELECT 'input'::lottrace.event_lot_role AS role, u.*
						  FROM unnest(input_ids, input_quantities, input_uoms) AS u(lot_id, quantity, uom)
						UNION ALL
						SELECT 'output', u.*
						  FROM unnest(output_ids, output_quantities, output_uoms) AS u(lot_id, quantity, uom)) s
				 GROUP BY s.lot_id, s.role;
			END IF;

			IF ev ? 'lottrace:links' THEN
				-- the exact links, as lottrace exported them
				IF jsonb_typeof(ev -> 'lottrace:links') <> 'array' THEN
					RAISE EXCEPTION '%: lottrace:links is not an array', context USING ERRCODE = 'invalid_text_representation';
				END IF;
				INSERT INTO lottrace.links (parent_id, child_id, quantity, uom, kind, event_id, linked_at)
				SELECT lottrace.epcis_lot(link ->> 'parent', context), lottrace.epcis_lot(link ->> 'child', context),
					   (link ->> 'quantity')::numeric, link ->> 'uom',
					   coalesce((link ->> 'kind')::lottrace.link_kind, 'consume'), new_event, occurred
				  FROM jsonb_array_elements(ev -> 'lottrace:links') link;
			ELSE
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
			END IF;
			UPDATE lottrace.lots l SET expires_at = (ev #>> '{ilmd,cbvmda:itemExpirationDate}')::date
			 WHERE ev #>> '{ilmd,cbvmda:itemExpirationDate}' IS NOT NULL AND l.id = ANY (output_ids);
		END IF;
		imported := imported + 1;
	END LOOP;
	RETURN imported;
END
$$;
COMMENT ON FUNCTION lottrace.epcis_import(jsonb) IS
	'imports a GS1 EPCIS 2.0 JSON document: lots, events and links; idempotent on eventID; returns the number of events imported';

-- An instant as EPCIS writes it: UTC, microseconds kept.
CREATE FUNCTION lottrace.epcis_time(instant timestamptz) RETURNS text
	LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
	SET search_path = pg_catalog, pg_temp
	AS $$
	SELECT to_char(instant AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')
$$;
COMMENT ON FUNCTION lottrace.epcis_time(timestamptz) IS
	'internal to epcis_export: an instant in EPCIS form (UTC, microseconds)';
REVOKE EXECUTE ON FUNCTION lottrace.epcis_time(timestamptz) FROM PUBLIC;

CREATE FUNCTION lottrace.epcis_export(roots bigint[], direction text DEFAULT 'both') RETURNS jsonb
	LANGUAGE plpgsql STABLE
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	link_ids bigint[];
	lot_ids bigint[];
	bad record;
	master jsonb;
	object_events jsonb;
	transformations jsonb;
	link_groups jsonb;
	epc_of jsonb;
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
	link_ids := ARRAY(SELECT e.link_id FROM lottrace.trace_edges(epcis_export.roots, epcis_export.direction) e);
	lot_ids := ARRAY(SELECT unnest(epcis_export.roots)
					 UNION SELECT k.parent_id FROM lottrace.links k WHERE k.id = ANY (link_ids)
					 UNION SELECT k.child_id FROM lottrace.links k WHERE k.id = ANY (link_ids));

	SELECT l.item, l.code INTO bad
	  FROM lottrace.lots l
	 WHERE l.id = ANY (lot_ids)
	   AND NOT (l.item ~ '^[0-9]{14}$' AND lottrace.gtin_valid(l.item) AND lottrace.lot_is_gs1(l.code))
	 ORDER BY l.id LIMIT 1;
	IF FOUND THEN
		RAISE EXCEPTION 'lot "%" of item "%" cannot be written as EPCIS', bad.code, bad.item
			USING ERRCODE = 'invalid_parameter_value',
				  DETAIL = 'EPCIS names a lot by a GTIN-14 and a lot code of at most 20 characters.';
	END IF;

	-- each lot's EPC id: its Digital Link URI, which needs no company prefix length
	SELECT jsonb_object_agg(l.id::text, lottrace.gs1_digital_link(l.item, l.code)) INTO epc_of
	  FROM lottrace.lots l WHERE l.id = ANY (lot_ids);

	-- lot master data
	SELECT coalesce(jsonb_agg(jsonb_build_object('id', epc_of ->> l.id::text, 'attributes', a.attributes)
							  ORDER BY l.item, l.code), '[]')
	  INTO master
	  FROM lottrace.lots l
	 CROSS JOIN LATERAL (
			SELECT coalesce(jsonb_agg(jsonb_build_object('id', v.id, 'attribute', v.value) ORDER BY v.id), '[]') AS attributes
			  FROM (VALUES ('urn:epcglobal:cbv:mda#itemExpirationDate', to_char(l.expires_at, 'YYYY-MM-DD')),
						   ('lottrace:producedAt', lottrace.epcis_time(l.produced_at)),
						   ('lottrace:quantity', l.quantity::text),
						   ('lottrace:uom', l.uom),
						   ('lottrace:supplier', l.supplier),
						   ('lottrace:tlcSource', l.tlc_source)) AS v(id, value)
			 WHERE v.value IS NOT NULL) a
	 WHERE l.id = ANY (lot_ids);

	-- events other than transformations, with the lots of the subgraph they name
	SELECT coalesce(jsonb_agg(ev ORDER BY occurred_at, id), '[]') INTO object_events
	  FROM (SELECT e.id, e.occurred_at,
				   jsonb_strip_nulls(jsonb_build_object(
					'type', 'ObjectEvent',
					'eventID', coalesce((SELECT i.event_id FROM lottrace.epcis_imported i WHERE i.lottrace_event_id = e.id LIMIT 1),
										'urn:lottrace:event:' || e.id),
					'eventTime', lottrace.epcis_time(e.occurred_at),
					'eventTimeZoneOffset', '+00:00',
					'action', CASE e.kind WHEN 'initial_pack' THEN 'ADD' ELSE 'OBSERVE' END,
					'bizStep', CASE e.kind WHEN 'initial_pack' THEN 'commissioning' WHEN 'ship' THEN 'shipping'
										   WHEN 'receive' THEN 'receiving' WHEN 'first_receive' THEN 'receiving' END,
					'lottrace:eventKind', e.kind,
					'bizLocation', CASE WHEN e.location IS NOT NULL THEN jsonb_build_object('id', e.location) END,
					'destinationList', CASE WHEN e.kind = 'ship' AND e.partner IS NOT NULL
						THEN jsonb_build_array(jsonb_build_object('type', 'owning_party', 'destination', e.partner)) END,
					'sourceList', CASE WHEN e.kind IN ('receive', 'first_receive') AND e.partner IS NOT NULL
						THEN jsonb_build_array(jsonb_build_object('type', 'owning_party', 'source', e.partner)) END,
					'bizTransactionList', CASE WHEN e.reference IS NOT NULL
						THEN jsonb_build_array(jsonb_build_object('type', e.reference_type, 'bizTransaction', e.reference)) END,
					'quantityList', (SELECT jsonb_agg(jsonb_strip_nulls(jsonb_build_object(
											'epcClass', epc_of ->> el.lot_id::text, 'quantity', el.quantity,
											'uom', el.uom)) ORDER BY el.lot_id)
									   FROM lottrace.event_lots el
									  WHERE el.event_id = e.id AND el.lot_id = ANY (lot_ids)))) AS ev
			  FROM lottrace.events e
			 WHERE e.kind <> 'transform'
			   AND EXISTS (SELECT FROM lottrace.event_lots el WHERE el.event_id = e.id AND el.lot_id = ANY (lot_ids))) s;

	-- transformations with inputs and outputs in the subgraph, with their links
	SELECT coalesce(jsonb_agg(ev ORDER BY occurred_at, id), '[]') INTO transformations
	  FROM (SELECT e.id, e.occurred_at,
				   jsonb_strip_nulls(jsonb_build_object(
					'type', 'TransformationEvent',
					'eventID', coalesce((SELECT i.event_id FROM lottrace.epcis_imported i WHERE i.lottrace_event_id = e.id LIMIT 1),
										'urn:lottrace:event:' || e.id),
					'eventTime', lottrace.epcis_time(e.occurred_at),
					'eventTimeZoneOffset', '+00:00',
					'bizStep', 'transforming',
					'bizLocation', CASE WHEN e.location IS NOT NULL THEN jsonb_build_object('id', e.location) END,
					'bizTransactionList', CASE WHEN e.reference IS NOT NULL
						THEN jsonb_build_array(jsonb_build_object('type', e.reference_type, 'bizTransaction', e.reference)) END,
					'inputQuantityList', sides.inputs,
					'outputQuantityList', sides.outputs,
					'lottrace:links', (SELECT coalesce(jsonb_agg(jsonb_strip_nulls(jsonb_build_object(
											'parent', epc_of ->> k.parent_id::text, 'child', epc_of ->> k.child_id::text,
											'quantity', k.quantity, 'uom', k.uom, 'kind', k.kind)) ORDER BY k.id), '[]')
										 FROM lottrace.links k
										WHERE k.event_id = e.id AND k.id = ANY (link_ids)))) AS ev
			  FROM lottrace.events e
			 CROSS JOIN LATERAL (
					SELECT jsonb_agg(q.entry ORDER BY q.lot_id) FILTER (WHERE q.role = 'input') AS inputs,
						   jsonb_agg(q.entry ORDER BY q.lot_id) FILTER (WHERE q.role = 'output') AS outputs
					  FROM (SELECT el.role, el.lot_id,
								   jsonb_strip_nulls(jsonb_build_object('epcClass', epc_of ->> el.lot_id::text,
																		'quantity', el.quantity, 'uom', el.uom)) AS entry
							  FROM lottrace.event_lots el
							 WHERE el.event_id = e.id AND el.lot_id = ANY (lot_ids)) q) sides
			 WHERE e.kind = 'transform' AND sides.inputs IS NOT NULL AND sides.outputs IS NOT NULL) s;

	-- links of the subgraph that no exported transformation carries: one
	-- links-only TransformationEvent per child lot and time
	SELECT coalesce(jsonb_agg(ev ORDER BY linked_at, child_id), '[]') INTO link_groups
	  FROM (SELECT k.child_id, k.linked_at,
				   jsonb_build_object(
					'type', 'TransformationEvent',
					'eventID', 'urn:lottrace:links:' || md5(string_agg(k.id::text, ',' ORDER BY k.id)),
					'eventTime', lottrace.epcis_time(k.linked_at),
					'eventTimeZoneOffset', '+00:00',
					'bizStep', 'transforming',
					'lottrace:linksOnly', true,
					'inputQuantityList', jsonb_agg(DISTINCT jsonb_build_object('epcClass', epc_of ->> k.parent_id::text)),
					'outputQuantityList', jsonb_build_array(jsonb_build_object('epcClass', epc_of ->> k.child_id::text)),
					'lottrace:links', jsonb_agg(jsonb_strip_nulls(jsonb_build_object(
											'parent', epc_of ->> k.parent_id::text, 'child', epc_of ->> k.child_id::text,
											'quantity', k.quantity, 'uom', k.uom, 'kind', k.kind)) ORDER BY k.id)) AS ev
			  FROM lottrace.links k
			 WHERE k.id = ANY (link_ids)
			   AND NOT EXISTS (SELECT FROM lottrace.events e
								WHERE e.id = k.event_id AND e.kind = 'transform'
								  AND EXISTS (SELECT FROM lottrace.event_lots el
											   WHERE el.event_id = e.id AND el.role = 'input' AND el.lot_id = ANY (lot_ids))
								  AND EXISTS (SELECT FROM lottrace.event_lots el
											   WHERE el.event_id = e.id AND el.role = 'output' AND el.lot_id = ANY (lot_ids)))
			 GROUP BY k.child_id, k.linked_at) s;

	RETURN jsonb_build_object(
		'@context', jsonb_build_array('https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld',
									  jsonb_build_object('lottrace', 'urn:lottrace:ns:')),
		'type', 'EPCISDocument',
		'schemaVersion', '2.0',
		'creationDate', lottrace.epcis_time(now()),
		'epcisHeader', jsonb_build_object('epcisMasterData', jsonb_build_object('vocabularyList', jsonb_build_array(
			jsonb_build_object('type', 'urn:epcglobal:epcis:vtype:EPCClass', 'vocabularyElementList', master)))),
		'epcisBody', jsonb_build_object('eventList', object_events || transformations || link_groups));
END
$$;
COMMENT ON FUNCTION lottrace.epcis_export(bigint[], text) IS
	'the traced subgraph as a GS1 EPCIS 2.0 JSON document (lots as Digital Link URIs) that epcis_import reads back';

--------------------------------------------------------------------------
-- Predefined roles
--------------------------------------------------------------------------

-- Three group roles (NOLOGIN) hold what each kind of user needs; a DBA
-- grants membership in them instead of working out per-table privileges:
--
--   lottrace_reader    trace, read every table and view, allocate, export
--   lottrace_operator  the reader's rights, and record production (lots,
--                      links, events, stock, lot_next, epcis_import),
--                      reserve, release and ship
--   lottrace_admin     the reader's rights, and open and close recalls and
--                      change lot statuses (set_status)
--
-- Roles belong to the cluster, not to a database: CREATE EXTENSION creates
-- them when they are missing and otherwise uses them as they are (another
-- database's lottrace, or the DBA, made them); DROP EXTENSION never drops
-- them.  The privileges below are on this database's objects, so they come
-- and go with the extension.
DO $$
DECLARE
	role_name name;
	purpose text;
BEGIN
	FOR role_name, purpose IN VALUES
		('lottrace_reader', 'lottrace: trace and read the genealogy, stock and recalls'),
		('lottrace_operator', 'lottrace: read, record production, reserve, release and ship'),
		('lottrace_admin', 'lottrace: read, open and close recalls, change lot statuses')
	LOOP
		IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles r WHERE r.rolname = role_name) THEN
			BEGIN
				EXECUTE pg_catalog.format('CREATE ROLE %I NOLOGIN', role_name);
				EXECUTE pg_catalog.format('COMMENT ON ROLE %I IS %L', role_name, purpose);
			EXCEPTION WHEN duplicate_object THEN
				NULL;			-- created meanwhile by CREATE EXTENSION in another database
			END;
		END IF;
	END LOOP;
END
$$;

GRANT USAGE ON SCHEMA lottrace TO lottrace_reader, lottrace_operator, lottrace_admin;

-- Reading: every table and view.
GRANT SELECT ON lottrace.lots, lottrace.links, lottrace.events, lottrace.event_lots,
		lottrace.lot_status_log, lottrace.lot_sequences, lottrace.stock, lottrace.reservations,
		lottrace.recalls, lottrace.recall_roots, lottrace.recall_lots, lottrace.epcis_imported,
		lottrace.recall_scope, lottrace.recall_scope_changes, lottrace.recall_shipments,
		lottrace.recall_summary
	TO lottrace_reader, lottrace_operator, lottrace_admin;
GRANT EXECUTE ON FUNCTION lottrace.check_allocation_arguments(text, numeric, text, date, interval, boolean),
		lottrace.epcis_time(timestamptz)
	TO lottrace_reader, lottrace_operator, lottrace_admin;

-- Recording production, reserving and shipping.  Lots' status is left to
-- the admin; the UPDATE of the other columns also lets ship lock its lot.
-- SELECT ... FOR UPDATE needs UPDATE of some column: that is what the
-- UPDATE (reference) of reservations is for (release_reservations).
GRANT INSERT ON lottrace.lots, lottrace.links, lottrace.events, lottrace.event_lots,
		lottrace.stock, lottrace.reservations, lottrace.lot_sequences, lottrace.epcis_imported
	TO lottrace_operator;
GRANT UPDATE (quantity, uom, produced_at, expires_at, tlc_source, supplier, attributes)
	ON lottrace.lots TO lottrace_operator;
GRANT UPDATE (on_hand, reserved) ON lottrace.stock TO lottrace_operator;
GRANT UPDATE (reference), DELETE ON lottrace.reservations TO lottrace_operator;
GRANT UPDATE (last_value) ON lottrace.lot_sequences TO lottrace_operator;
GRANT UPDATE (lottrace_event_id) ON lottrace.epcis_imported TO lottrace_operator;
GRANT EXECUTE ON FUNCTION lottrace.lock_items(text[]), lottrace.release_reservations(bigint[]),
		lottrace.epcis_lot(text, text), lottrace.epcis_term(text),
		lottrace.epcis_list_lots(jsonb, jsonb, text)
	TO lottrace_operator;

-- Recalls and statuses.  A status change releases the lots' reservations
-- and is logged by a trigger that runs as the changer.
GRANT UPDATE (status) ON lottrace.lots TO lottrace_admin;
GRANT INSERT ON lottrace.lot_status_log TO lottrace_admin;
GRANT UPDATE (reference), DELETE ON lottrace.reservations TO lottrace_admin;
GRANT UPDATE (reserved) ON lottrace.stock TO lottrace_admin;
GRANT INSERT ON lottrace.recalls, lottrace.recall_roots, lottrace.recall_lots TO lottrace_admin;
GRANT UPDATE (status, closed_at) ON lottrace.recalls TO lottrace_admin;
GRANT EXECUTE ON FUNCTION lottrace.lock_items(text[]), lottrace.release_reservations(bigint[])
	TO lottrace_admin;

--------------------------------------------------------------------------
-- Dropping the extension deliberately
--------------------------------------------------------------------------

-- DROP EXTENSION lottrace, DROP SCHEMA lottrace CASCADE and DROP OWNED BY
-- the extension's owner are refused while a table of the extension holds a
-- row, unless lottrace.allow_drop_with_data is on (src/drop_guard.c).  The
-- event trigger is part of the extension, so it goes with it; the tag
-- filter keeps every other DDL statement from calling it.
CREATE FUNCTION lottrace.drop_guard() RETURNS event_trigger
	AS 'MODULE_PATHNAME', 'lottrace_drop_guard' LANGUAGE C;
REVOKE EXECUTE ON FUNCTION lottrace.drop_guard() FROM PUBLIC;
COMMENT ON FUNCTION lottrace.drop_guard() IS
	'internal, event trigger: refuses to drop the extension while it holds data, unless lottrace.allow_drop_with_data is on';

CREATE EVENT TRIGGER lottrace_drop_guard ON ddl_command_start
	WHEN TAG IN ('DROP EXTENSION', 'DROP SCHEMA', 'DROP OWNED')
	EXECUTE FUNCTION lottrace.drop_guard();
-- also under session_replication_role = replica
ALTER EVENT TRIGGER lottrace_drop_guard ENABLE ALWAYS;
COMMENT ON EVENT TRIGGER lottrace_drop_guard IS
	'lottrace: refuses DROP EXTENSION lottrace while its tables hold data (see lottrace.allow_drop_with_data)';
