--
-- trace_forward, trace_backward: reachable lots, shortest depth, via
--
SET search_path = lottrace, public;
-- the genealogy the trace tests share
\i test/sql/include/bakery_genealogy.sql

-- forward from the flour: each lot once, at its shortest depth; via is the
-- smallest lot of the level before that links to it
SELECT * FROM trace_forward(1) ORDER BY depth, lot_id;
-- the same with a bound: depth 0 is the root alone
SELECT * FROM trace_forward(1, 2) ORDER BY depth, lot_id;
SELECT * FROM trace_forward(1, 0) ORDER BY depth, lot_id;
-- forward from the salt goes round the rework cycle and stops
SELECT * FROM trace_forward(2) ORDER BY depth, lot_id;
-- a lot with no links, and the separate cycle
SELECT * FROM trace_forward(16) ORDER BY depth, lot_id;
SELECT * FROM trace_forward(13) ORDER BY depth, lot_id;
SELECT * FROM trace_backward(13) ORDER BY depth, lot_id;

-- backward from a pallet: every ingredient
SELECT * FROM trace_backward(10) ORDER BY depth, lot_id;
SELECT * FROM trace_backward(10, 1) ORDER BY depth, lot_id;
-- backward from the rolls, through the cycle
SELECT * FROM trace_backward(8) ORDER BY depth, lot_id;

-- several roots: depth from the nearest one; duplicates count once
SELECT * FROM trace_forward(ARRAY[3, 5, 3]) ORDER BY depth, lot_id;
SELECT * FROM trace_backward(ARRAY[9, 12], 2) ORDER BY depth, lot_id;
SELECT * FROM trace_forward(ARRAY[1, 4], 1) ORDER BY depth, lot_id;
SELECT * FROM trace_forward('{}'::bigint[]) ORDER BY depth, lot_id;
-- a root reachable from another root stays a root
SELECT * FROM trace_forward(ARRAY[4, 10]) ORDER BY depth, lot_id;
-- multi-dimensional arrays are read in storage order
SELECT * FROM trace_backward('{{6,7},{9,10}}'::bigint[], 1) ORDER BY depth, lot_id;
-- named arguments
SELECT count(*) FROM trace_forward(root => 2, max_depth => 3);
SELECT count(*) FROM trace_backward(roots => ARRAY[12]::bigint[]);

-- in the select list too
SELECT trace_forward(13);

-- bad input
SELECT * FROM trace_forward(999) ORDER BY depth, lot_id;
SELECT * FROM trace_backward(ARRAY[1, 1000, 999]) ORDER BY depth, lot_id;
SELECT * FROM trace_forward(-5) ORDER BY depth, lot_id;
SELECT * FROM trace_forward(1, -1) ORDER BY depth, lot_id;
SELECT * FROM trace_backward(ARRAY[1], -3) ORDER BY depth, lot_id;
SELECT * FROM trace_forward(NULL::bigint) ORDER BY depth, lot_id;
SELECT * FROM trace_forward(NULL::bigint[]) ORDER BY depth, lot_id;
SELECT * FROM trace_backward(ARRAY[1, NULL]) ORDER BY depth, lot_id;
SELECT * FROM trace_backward(NULL::bigint, 1) ORDER BY depth, lot_id;
-- a NULL bound is no bound
SELECT count(*) FROM trace_forward(1, NULL);

-- the SQLSTATEs
CREATE FUNCTION pg_temp.sqlstate_of(query text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
	EXECUTE query;
	RETURN 'ok';
EXCEPTION WHEN OTHERS THEN
	RETURN SQLSTATE;
END $$;
SELECT q AS query, pg_temp.sqlstate_of(q) AS sqlstate FROM (VALUES
	('SELECT * FROM lottrace.trace_forward(999)'),
	('SELECT * FROM lottrace.trace_backward(ARRAY[1, 999])'),
	('SELECT * FROM lottrace.trace_forward(1, -1)'),
	('SELECT * FROM lottrace.trace_backward(ARRAY[1], -1)'),
	('SELECT * FROM lottrace.trace_forward(NULL::bigint)'),
	('SELECT * FROM lottrace.trace_forward(NULL::bigint[])'),
	('SELECT * FROM lottrace.trace_backward(ARRAY[NULL::bigint])')) AS t(q);

-- the transaction's own writes are seen, rolled-back ones are not
BEGIN;
INSERT INTO links (id, parent_id, child_id) VALUES (100, 16, 1);
SELECT * FROM trace_forward(16, 1) ORDER BY depth, lot_id;
SAVEPOINT s;
INSERT INTO links (id, parent_id, child_id) VALUES (101, 16, 13);
DELETE FROM links WHERE id = 100;
SELECT * FROM trace_forward(16, 1) ORDER BY depth, lot_id;
ROLLBACK TO SAVEPOINT s;
SELECT * FROM trace_forward(16, 1) ORDER BY depth, lot_id;
ROLLBACK;
SELECT * FROM trace_forward(16) ORDER BY depth, lot_id;
-- a lot inserted in the transaction can be a root
BEGIN;
INSERT INTO lots (id, item, code) VALUES (17, 'sugar', 'SU-2');
INSERT INTO links (id, parent_id, child_id) VALUES (102, 17, 16);
SELECT * FROM trace_forward(17) ORDER BY depth, lot_id;
ROLLBACK;
SELECT * FROM trace_forward(17) ORDER BY depth, lot_id;

-- like a recursive CTE, a trace does not see the writes of its own statement
WITH new_link AS (
	INSERT INTO links (id, parent_id, child_id) VALUES (103, 16, 2) RETURNING id
)
SELECT (SELECT count(*) FROM trace_forward(16)) AS traced,
       (WITH RECURSIVE r(id) AS (SELECT 16::bigint UNION
                                 SELECT l.child_id FROM r JOIN links l ON l.parent_id = r.id)
        SELECT count(*) FROM r) AS cte,
       (SELECT count(*) FROM new_link) AS inserted;
SELECT count(*) FROM trace_forward(16);
DELETE FROM links WHERE id = 103;

-- a function sees what its earlier statements wrote
CREATE FUNCTION pg_temp.link_and_trace() RETURNS bigint LANGUAGE plpgsql AS $$
BEGIN
	INSERT INTO lottrace.links (id, parent_id, child_id) VALUES (104, 16, 12);
	RETURN (SELECT count(*) FROM lottrace.trace_forward(16));
END $$;
BEGIN;
SELECT pg_temp.link_and_trace();
ROLLBACK;

-- repeatable read sees one state of the genealogy
BEGIN ISOLATION LEVEL REPEATABLE READ;
SELECT count(*) FROM trace_forward(1);
SELECT count(*) FROM trace_backward(ARRAY[10, 12]);
COMMIT;

-- every way of reading links gives the same answer
CREATE TEMP TABLE expected_traces AS
SELECT 'f' || r AS trace, t.* FROM generate_series(1, 16) r, trace_forward(r) t
UNION ALL
SELECT 'b' || r, t.* FROM generate_series(1, 16) r, trace_backward(r) t
UNION ALL
SELECT 'f2', t.* FROM trace_forward(ARRAY[2, 13, 5], 2) t
UNION ALL
SELECT 'b3', t.* FROM trace_backward(ARRAY[10, 12, 15], 3) t;
CREATE FUNCTION pg_temp.traces_differing() RETURNS bigint LANGUAGE sql AS $$
	SELECT count(*) FROM (
		(SELECT * FROM pg_temp.expected_traces
		 EXCEPT ALL
		 (SELECT 'f' || r, t.* FROM generate_series(1, 16) r, lottrace.trace_forward(r) t
		  UNION ALL
		  SELECT 'b' || r, t.* FROM generate_series(1, 16) r, lottrace.trace_backward(r) t
		  UNION ALL
		  SELECT 'f2', t.* FROM lottrace.trace_forward(ARRAY[2, 13, 5], 2) t
		  UNION ALL
		  SELECT 'b3', t.* FROM lottrace.trace_backward(ARRAY[10, 12, 15], 3) t))
		UNION ALL
		((SELECT 'f' || r, t.* FROM generate_series(1, 16) r, lottrace.trace_forward(r) t
		  UNION ALL
		  SELECT 'b' || r, t.* FROM generate_series(1, 16) r, lottrace.trace_backward(r) t
		  UNION ALL
		  SELECT 'f2', t.* FROM lottrace.trace_forward(ARRAY[2, 13, 5], 2) t
		  UNION ALL
		  SELECT 'b3', t.* FROM lottrace.trace_backward(ARRAY[10, 12, 15], 3) t)
		 EXCEPT ALL
		 SELECT * FROM pg_temp.expected_traces)) d
$$;
SELECT count(*) AS rows_compared FROM expected_traces;
SET lottrace.trace_method = index;
SELECT pg_temp.traces_differing() AS index_differing;
SET lottrace.trace_method = index_am;
SELECT pg_temp.traces_differing() AS index_am_differing;
SET lottrace.trace_method = heap;
SELECT pg_temp.traces_differing() AS heap_differing;
SET lottrace.trace_method = sql;
SELECT pg_temp.traces_differing() AS sql_differing;
-- after VACUUM, index entries are read without heap checks
RESET lottrace.trace_method;
VACUUM links;
SELECT pg_temp.traces_differing() AS vacuumed_differing;
SET lottrace.trace_method = bogus;

-- the functions show up under their own names in plans
EXPLAIN (COSTS OFF) SELECT * FROM trace_forward(1);
EXPLAIN (COSTS OFF) SELECT * FROM trace_backward(ARRAY[1, 2], 3);

-- clean up (CASCADE: tables of other features may refer to lots)
SET client_min_messages = warning;
TRUNCATE lots, links, events, event_lots, lot_status_log RESTART IDENTITY CASCADE;
RESET client_min_messages;
