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

-- Genealogy store and trace
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
