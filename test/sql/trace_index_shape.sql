--
-- Definitions the direct readers cannot read: every altered genealogy index,
-- primary key of lots and column of links either gives the answers of a
-- recursive CTE (read through SQL) or raises 55000 saying what is wrong;
-- a direction's index never affects traces in the other direction.
--
SET search_path = lottrace, public;
\i test/sql/include/bakery_genealogy.sql
-- each block alters a definition in a transaction rolled back at its end; an
-- error rolls back only its statement
\set ON_ERROR_ROLLBACK on
-- (dropping lots' primary key drops the foreign keys to it)
SET client_min_messages = warning;

-- The answers of recursive CTEs, from every lot, both ways: each lot
-- reached once at its shortest depth, its via the smallest lot one level up
-- that links to it.  (16 lots: no shortest path is longer than 16 links.)
CREATE FUNCTION pg_temp.cte_traces(forward boolean)
RETURNS TABLE (root bigint, lot_id bigint, depth int, via_id bigint) LANGUAGE sql AS $$
	WITH RECURSIVE walk(root, lot, depth) AS (
		SELECT id, id, 0 FROM lottrace.lots
		UNION
		SELECT w.root, CASE WHEN forward THEN l.child_id ELSE l.parent_id END, w.depth + 1
		  FROM walk w JOIN lottrace.links l
		    ON CASE WHEN forward THEN l.parent_id ELSE l.child_id END = w.lot
		 WHERE w.depth < 16),
	shortest AS (SELECT root, lot, min(depth) AS depth FROM walk GROUP BY root, lot)
	SELECT s.root, s.lot, s.depth,
	       (SELECT min(p.lot) FROM shortest p JOIN lottrace.links l
	            ON CASE WHEN forward THEN l.parent_id ELSE l.child_id END = p.lot
	           AND CASE WHEN forward THEN l.child_id ELSE l.parent_id END = s.lot
	         WHERE p.root = s.root AND p.depth = s.depth - 1)
	  FROM shortest s
$$;
CREATE TEMP TABLE expected_forward AS SELECT * FROM pg_temp.cte_traces(true);
CREATE TEMP TABLE expected_backward AS SELECT * FROM pg_temp.cte_traces(false);
SELECT count(*) AS forward_rows FROM expected_forward;
SELECT count(*) AS backward_rows FROM expected_backward;

-- rows of the traces from every lot that differ from the CTE's
CREATE FUNCTION pg_temp.forward_differing() RETURNS bigint LANGUAGE sql AS $$
	SELECT count(*) FROM (
		(SELECT * FROM pg_temp.expected_forward
		 EXCEPT ALL
		 SELECT r.id, t.* FROM lottrace.lots r, lottrace.trace_forward(r.id) t)
		UNION ALL
		(SELECT r.id, t.* FROM lottrace.lots r, lottrace.trace_forward(r.id) t
		 EXCEPT ALL
		 SELECT * FROM pg_temp.expected_forward)) d
$$;
CREATE FUNCTION pg_temp.backward_differing() RETURNS bigint LANGUAGE sql AS $$
	SELECT count(*) FROM (
		(SELECT * FROM pg_temp.expected_backward
		 EXCEPT ALL
		 SELECT r.id, t.* FROM lottrace.lots r, lottrace.trace_backward(r.id) t)
		UNION ALL
		(SELECT r.id, t.* FROM lottrace.lots r, lottrace.trace_backward(r.id) t
		 EXCEPT ALL
		 SELECT * FROM pg_temp.expected_backward)) d
$$;
-- the same with every read method
CREATE FUNCTION pg_temp.differing_by_method(forward boolean)
RETURNS TABLE (method text, differing bigint) LANGUAGE plpgsql AS $$
BEGIN
	FOREACH method IN ARRAY ARRAY['auto', 'index', 'index_am', 'heap', 'sql'] LOOP
		PERFORM set_config('lottrace.trace_method', method, true);
		differing := CASE WHEN forward THEN pg_temp.forward_differing()
		                  ELSE pg_temp.backward_differing() END;
		RETURN NEXT;
	END LOOP;
	PERFORM set_config('lottrace.trace_method', 'auto', true);
END $$;
CREATE FUNCTION pg_temp.state(direction text) RETURNS text LANGUAGE sql AS $$
	SELECT value FROM lottrace.genealogy_info() WHERE property = direction || ' index state'
$$;
CREATE FUNCTION pg_temp.last_path() RETURNS text LANGUAGE sql AS $$
	SELECT value FROM lottrace.genealogy_info() WHERE property = 'last trace path'
$$;
SELECT * FROM pg_temp.differing_by_method(true);
SELECT * FROM pg_temp.differing_by_method(false);

-- A forward index the reader cannot read: forward traces raise 55000 saying
-- what is wrong; backward traces are right, with every method.
-- sorted DESC
BEGIN;
DROP INDEX links_parent_idx;
CREATE INDEX links_parent_idx ON links (parent_id DESC) INCLUDE (child_id, id);
SELECT * FROM trace_forward(1);
SELECT pg_temp.state('forward');
SELECT * FROM pg_temp.differing_by_method(false);
ROLLBACK;
-- NULLS FIRST
BEGIN;
DROP INDEX links_parent_idx;
CREATE INDEX links_parent_idx ON links (parent_id NULLS FIRST) INCLUDE (child_id, id);
SELECT * FROM trace_forward(ARRAY[1, 2]);
SELECT pg_temp.backward_differing();
ROLLBACK;
-- an operator class that orders int8 otherwise
BEGIN;
CREATE FUNCTION public.int8_reverse_cmp(bigint, bigint) RETURNS int
	LANGUAGE sql IMMUTABLE STRICT AS 'SELECT pg_catalog.btint8cmp($2, $1)';
CREATE OPERATOR CLASS public.int8_reverse_ops FOR TYPE bigint USING btree AS
	OPERATOR 1 pg_catalog.>, OPERATOR 2 pg_catalog.>=, OPERATOR 3 pg_catalog.=,
	OPERATOR 4 pg_catalog.<=, OPERATOR 5 pg_catalog.<,
	FUNCTION 1 public.int8_reverse_cmp(bigint, bigint);
DROP INDEX links_parent_idx;
CREATE INDEX links_parent_idx ON links (parent_id public.int8_reverse_ops) INCLUDE (child_id, id);
SELECT * FROM trace_forward(1);
SELECT pg_temp.backward_differing();
ROLLBACK;
-- another access method
BEGIN;
DROP INDEX links_parent_idx;
CREATE INDEX links_parent_idx ON links USING hash (parent_id);
SELECT * FROM trace_forward(1);
SELECT pg_temp.state('forward');
SELECT pg_temp.backward_differing();
ROLLBACK;
-- an expression
BEGIN;
DROP INDEX links_parent_idx;
CREATE INDEX links_parent_idx ON links ((parent_id + 0)) INCLUDE (child_id, id);
SELECT * FROM trace_forward(1);
SELECT pg_temp.backward_differing();
ROLLBACK;
-- two key columns
BEGIN;
DROP INDEX links_parent_idx;
CREATE INDEX links_parent_idx ON links (parent_id, child_id) INCLUDE (id);
SELECT * FROM trace_forward(1);
SELECT pg_temp.backward_differing();
ROLLBACK;
-- the key of the other direction
BEGIN;
DROP INDEX links_parent_idx;
CREATE INDEX links_parent_idx ON links (child_id) INCLUDE (parent_id, id);
SELECT * FROM trace_forward(1);
SELECT pg_temp.backward_differing();
ROLLBACK;

-- A backward index the reader cannot read: the same, the other way round.
-- the link id missing from INCLUDE
BEGIN;
DROP INDEX links_child_idx;
CREATE INDEX links_child_idx ON links (child_id) INCLUDE (parent_id);
SELECT * FROM trace_backward(10);
SELECT pg_temp.state('backward');
SELECT * FROM pg_temp.differing_by_method(true);
ROLLBACK;
-- partial
BEGIN;
DROP INDEX links_child_idx;
CREATE INDEX links_child_idx ON links (child_id) INCLUDE (parent_id, id) WHERE quantity IS NOT NULL;
SELECT * FROM trace_backward(ARRAY[10]);
SELECT pg_temp.forward_differing();
ROLLBACK;
-- DESC, and is_descendant needs both indexes
BEGIN;
DROP INDEX links_child_idx;
CREATE INDEX links_child_idx ON links (child_id DESC) INCLUDE (parent_id, id);
SELECT is_descendant(10, 1);
SELECT count(*) FROM trace_edges(ARRAY[4], 'forward');
SELECT count(*) FROM trace_edges(ARRAY[4], 'both');
SELECT trace_dot(ARRAY[4], 'backward');
ROLLBACK;

-- A missing index: the traces that need it raise 42704, the others are right.
BEGIN;
DROP INDEX links_child_idx;
SELECT * FROM pg_temp.differing_by_method(true);
SELECT * FROM trace_backward(10);
SELECT is_descendant(10, 1);
SELECT count(*) FROM trace_edges(ARRAY[1], 'forward');
SELECT count(*) FROM trace_edges(ARRAY[1], 'both');
SELECT property, value FROM genealogy_info() WHERE property LIKE 'backward index%';
ROLLBACK;
BEGIN;
DROP INDEX links_parent_idx;
SELECT * FROM pg_temp.differing_by_method(false);
SELECT * FROM trace_forward(1);
ROLLBACK;

-- An index not valid yet: that direction reads through SQL, right; the
-- other direction still reads its index directly.
BEGIN;
UPDATE pg_index SET indisvalid = false WHERE indexrelid = 'lottrace.links_child_idx'::regclass;
SELECT pg_temp.state('backward');
SELECT count(*) FROM trace_forward(1);
SELECT pg_temp.last_path();
SELECT count(*) FROM trace_backward(10);
SELECT pg_temp.last_path();
SELECT is_descendant(12, 1);
SELECT pg_temp.last_path();
SELECT * FROM pg_temp.differing_by_method(true);
SELECT * FROM pg_temp.differing_by_method(false);
ROLLBACK;

-- Nothing is trusted from an earlier call (page hints are checked): a rebuilt
-- index is read as it is now.
BEGIN;
DROP INDEX links_parent_idx;
CREATE INDEX links_parent_idx ON links (parent_id DESC) INCLUDE (child_id, id);
SELECT count(*) FROM trace_forward(1);
DROP INDEX links_parent_idx;
CREATE INDEX links_parent_idx ON links (parent_id) INCLUDE (id, child_id);
SELECT pg_temp.forward_differing();
REINDEX INDEX links_parent_idx;
SELECT pg_temp.forward_differing();
ROLLBACK;
REINDEX INDEX links_child_idx;
SELECT pg_temp.backward_differing();

-- lots' primary key not probed with int8 keys: the roots are checked with
-- SQL, traces are right, and a missing root is still P0002.
-- no primary key at all
BEGIN;
ALTER TABLE lots DROP CONSTRAINT lots_pkey CASCADE;
SELECT value FROM genealogy_info() WHERE property = 'lots primary key';
SELECT pg_temp.forward_differing(), pg_temp.backward_differing();
SELECT pg_temp.last_path();
SELECT * FROM trace_forward(ARRAY[1, 99]);
ROLLBACK;
-- a primary key on other columns
BEGIN;
ALTER TABLE lots DROP CONSTRAINT lots_pkey CASCADE;
ALTER TABLE lots ADD PRIMARY KEY (item, code);
SELECT value FROM genealogy_info() WHERE property = 'lots primary key';
SELECT pg_temp.forward_differing(), pg_temp.backward_differing();
SELECT is_descendant(12, 1), is_descendant(1, 12);
SELECT * FROM trace_backward(ARRAY[98, 10, 99]);
SELECT count(*) FROM trace_edges(ARRAY[1, 2], 'both');
ROLLBACK;
-- The views over the columns changed below go first: the recall views and
-- lot_balances (which reads lots' columns, and links' through
-- lot_links_out, whose body depends on them).
CREATE FUNCTION pg_temp.drop_store_views() RETURNS void LANGUAGE plpgsql AS $$
BEGIN
	ALTER EXTENSION lottrace DROP VIEW lottrace.recall_summary;
	ALTER EXTENSION lottrace DROP VIEW lottrace.recall_shipments;
	ALTER EXTENSION lottrace DROP VIEW lottrace.recall_scope_changes;
	ALTER EXTENSION lottrace DROP VIEW lottrace.recall_scope;
	ALTER EXTENSION lottrace DROP VIEW lottrace.lot_balances;
	DROP VIEW lottrace.recall_summary, lottrace.recall_shipments, lottrace.recall_scope_changes,
		lottrace.recall_scope, lottrace.lot_balances;
	ALTER EXTENSION lottrace DROP FUNCTION lottrace.lot_links_out(bigint);
	DROP FUNCTION lottrace.lot_links_out(bigint);
END $$;
-- lots.id of another type
BEGIN;
SELECT pg_temp.drop_store_views();
ALTER TABLE lots ALTER COLUMN id TYPE integer;
SELECT value FROM genealogy_info() WHERE property = 'lots primary key';
SELECT pg_temp.forward_differing(), pg_temp.backward_differing();
SELECT * FROM trace_forward(99);
-- labels are read for the lots drawn
SELECT strpos(trace_dot(ARRAY[1], 'forward', 1), 'n4 [label="dough\nD-1\nconsumed"') > 0 AS labelled;
ROLLBACK;

-- Columns of links of another type: the traces that read them raise 55000.
BEGIN;
SELECT pg_temp.drop_store_views();
ALTER TABLE links DROP CONSTRAINT links_parent_id_fkey;
ALTER TABLE links ALTER COLUMN parent_id TYPE numeric;
SELECT * FROM trace_forward(1);
SELECT * FROM trace_backward(10);
SELECT value FROM genealogy_info() WHERE property = 'links columns';
ROLLBACK;
BEGIN;
ALTER TABLE links ALTER COLUMN child_id DROP NOT NULL;
SELECT * FROM trace_backward(10);
ROLLBACK;
BEGIN;
SELECT pg_temp.drop_store_views();
ALTER TABLE links ALTER COLUMN quantity TYPE text;
ALTER TABLE links ALTER COLUMN kind TYPE text;
-- only trace_edges and trace_dot read them
SELECT pg_temp.forward_differing();
SELECT * FROM trace_edges(ARRAY[1]);
SELECT trace_dot(ARRAY[1]);
SELECT value FROM genealogy_info() WHERE property = 'links columns';
ROLLBACK;

-- the SQLSTATEs
CREATE FUNCTION pg_temp.sqlstate_of(setup text, query text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
	BEGIN
		EXECUTE setup;
		EXECUTE query;
		RAISE EXCEPTION USING ERRCODE = 'XX999';
	EXCEPTION WHEN SQLSTATE 'XX999' THEN
		RETURN 'ok';
	WHEN OTHERS THEN
		RETURN SQLSTATE;
	END;
END $$;
SELECT setup, pg_temp.sqlstate_of(setup, q) AS sqlstate FROM (VALUES
	('DROP INDEX lottrace.links_parent_idx; CREATE INDEX links_parent_idx ON lottrace.links (parent_id DESC) INCLUDE (child_id, id)',
	 'SELECT * FROM lottrace.trace_forward(1)'),
	('DROP INDEX lottrace.links_child_idx',
	 'SELECT * FROM lottrace.trace_backward(1)'),
	('SELECT pg_temp.drop_store_views(); ALTER TABLE lottrace.links ALTER COLUMN quantity TYPE text',
	 'SELECT * FROM lottrace.trace_edges(ARRAY[1])')) AS t(setup, q);
SELECT pg_temp.forward_differing(), pg_temp.backward_differing();

-- A backend keeps what it found of the store (links, lots, their columns,
-- the genealogy indexes) from one call to the next: after a call that kept
-- it, renaming the index or a column makes the next call look again, and
-- fail as a first call would.
SELECT pg_temp.forward_differing(), pg_temp.backward_differing();
BEGIN;
ALTER INDEX links_parent_idx RENAME TO links_parent_old_idx;
SELECT * FROM trace_forward(1);
ROLLBACK;
BEGIN;
ALTER TABLE links RENAME COLUMN child_id TO child;
SELECT * FROM trace_backward(1);
ROLLBACK;
SELECT pg_temp.forward_differing(), pg_temp.backward_differing();

-- clean up (CASCADE: tables of other features may refer to lots)
TRUNCATE lots, links, events, event_lots, lot_status_log RESTART IDENTITY CASCADE;
RESET client_min_messages;
