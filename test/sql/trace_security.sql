--
-- Trace and privileges: SELECT on links and lots, row-level security
--
SET search_path = lottrace, public;
-- the genealogy the trace tests share
\i test/sql/include/bakery_genealogy.sql

CREATE ROLE lottrace_trace_clerk;
CREATE ROLE lottrace_trace_columns;
CREATE ROLE lottrace_trace_plant;
GRANT USAGE ON SCHEMA lottrace TO lottrace_trace_clerk, lottrace_trace_columns, lottrace_trace_plant;

-- no SELECT on links, then none on lots: 42501, as a query would get
SET ROLE lottrace_trace_clerk;
SELECT * FROM trace_forward(1);
SELECT * FROM trace_edges(ARRAY[1]);
SELECT is_descendant(10, 1);
SELECT trace_dot(ARRAY[1]);
RESET ROLE;
GRANT SELECT ON links TO lottrace_trace_clerk;
SET ROLE lottrace_trace_clerk;
SELECT * FROM trace_backward(ARRAY[10]);
RESET ROLE;
GRANT SELECT ON lots TO lottrace_trace_clerk;
SET ROLE lottrace_trace_clerk;
SELECT count(*) FROM trace_backward(ARRAY[10]);
RESET ROLE;
CREATE FUNCTION pg_temp.sqlstate_as(role name, query text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
	EXECUTE format('SET LOCAL ROLE %I', role);
	EXECUTE query;
	RESET ROLE;
	RETURN 'ok';
EXCEPTION WHEN OTHERS THEN
	RETURN SQLSTATE;
END $$;
SELECT pg_temp.sqlstate_as('lottrace_trace_plant', 'SELECT * FROM lottrace.trace_forward(1)') AS no_select;

-- column privileges are enough for what a function reads: ids for the
-- traces, quantity and kind too for trace_edges, item, code and status for
-- trace_dot
GRANT SELECT (id, parent_id, child_id) ON links TO lottrace_trace_columns;
GRANT SELECT (id) ON lots TO lottrace_trace_columns;
SET ROLE lottrace_trace_columns;
SELECT * FROM trace_forward(5);
SELECT is_descendant(12, 2);
SELECT * FROM trace_edges(ARRAY[5]);
RESET ROLE;
GRANT SELECT (quantity, kind) ON links TO lottrace_trace_columns;
SET ROLE lottrace_trace_columns;
SELECT link_id, kind FROM trace_edges(ARRAY[5]);
SELECT trace_dot(ARRAY[5]);
RESET ROLE;

-- row-level security: the plant sees neither rework links nor recalled lots
GRANT SELECT ON links, lots TO lottrace_trace_plant;
ALTER TABLE links ENABLE ROW LEVEL SECURITY;
CREATE POLICY no_rework ON links TO lottrace_trace_plant USING (kind <> 'rework');
SET ROLE lottrace_trace_plant;
SELECT * FROM trace_forward(2);
SELECT * FROM trace_backward(8);
SELECT is_descendant(8, 12) AS through_rework, is_descendant(12, 2) AS through_salt;
SELECT * FROM trace_edges(ARRAY[5], 'both');
SELECT property, value FROM genealogy_info() WHERE property = 'last trace path';
-- the same as a recursive query under the same policies
SELECT count(*) AS differing FROM (
	(SELECT lot_id FROM trace_forward(ARRAY[1, 2, 3])
	 EXCEPT
	 (WITH RECURSIVE r(id) AS (SELECT unnest('{1,2,3}'::bigint[]) UNION
	                           SELECT l.child_id FROM r JOIN links l ON l.parent_id = r.id)
	  SELECT id FROM r))
	UNION ALL
	((WITH RECURSIVE r(id) AS (SELECT unnest('{1,2,3}'::bigint[]) UNION
	                           SELECT l.child_id FROM r JOIN links l ON l.parent_id = r.id)
	  SELECT id FROM r)
	 EXCEPT
	 SELECT lot_id FROM trace_forward(ARRAY[1, 2, 3]))) d;
RESET ROLE;
-- a superuser is not subject to the policies
SELECT count(*) FROM trace_forward(2);
SELECT property, value FROM genealogy_info() WHERE property = 'last trace path';
DROP POLICY no_rework ON links;
ALTER TABLE links DISABLE ROW LEVEL SECURITY;

-- policies on lots hide lots: a hidden lot is neither reached nor passed
-- through, and as a root it does not exist
ALTER TABLE lots ENABLE ROW LEVEL SECURITY;
CREATE POLICY not_recalled ON lots TO lottrace_trace_plant USING (status <> 'recalled' AND id <> 4);
SET ROLE lottrace_trace_plant;
SELECT * FROM trace_forward(1);
SELECT * FROM trace_backward(ARRAY[7, 9]);
SELECT * FROM trace_edges(ARRAY[1]);
SELECT is_descendant(6, 1) AS through_hidden_lot, is_descendant(7, 1) AS through_visible_lot;
SELECT * FROM trace_forward(10);
SELECT is_descendant(10, 1);
SELECT trace_dot(ARRAY[7], 'backward');
SELECT property, value FROM genealogy_info() WHERE property = 'last trace path';
RESET ROLE;
-- with row_security off, a trace that policies would filter is an error
SET ROLE lottrace_trace_plant;
SET row_security = off;
SELECT * FROM trace_forward(1);
RESET row_security;
RESET ROLE;

-- clean up
DROP POLICY not_recalled ON lots;
ALTER TABLE lots DISABLE ROW LEVEL SECURITY;
REVOKE ALL ON links, lots FROM lottrace_trace_clerk, lottrace_trace_columns, lottrace_trace_plant;
REVOKE USAGE ON SCHEMA lottrace FROM lottrace_trace_clerk, lottrace_trace_columns, lottrace_trace_plant;
DROP ROLE lottrace_trace_clerk;
DROP ROLE lottrace_trace_columns;
DROP ROLE lottrace_trace_plant;
SET client_min_messages = warning;
TRUNCATE lots, links, events, event_lots, lot_status_log RESTART IDENTITY CASCADE;
RESET client_min_messages;
