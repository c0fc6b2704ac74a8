--
-- trace_edges, is_descendant, trace_dot, genealogy_info
--
SET search_path = lottrace, public;
-- the genealogy the trace tests share
\i test/sql/include/bakery_genealogy.sql

-- the links below the flour, each once, with the depth of the parent
SELECT * FROM trace_edges(ARRAY[1]);
SELECT * FROM trace_edges(ARRAY[1], 'forward', 1);
SELECT * FROM trace_edges(ARRAY[1], max_depth => 0);
-- backward: by the depth of the child
SELECT * FROM trace_edges(ARRAY[10], 'backward');
SELECT * FROM trace_edges(ARRAY[10], 'backward', 2);
-- both: a link met going forward is not repeated going backward
SELECT * FROM trace_edges(ARRAY[8], 'both');
SELECT * FROM trace_edges(ARRAY[13], 'both');
SELECT * FROM trace_edges(ARRAY[16, 3], 'both');
SELECT * FROM trace_edges('{}', 'both');
-- mass balance: flour in each lot it went into directly
SELECT e.child_id, sum(e.quantity) AS flour_kg
  FROM trace_edges(ARRAY[1], 'forward', 1) e GROUP BY e.child_id ORDER BY 1;
-- every link of a lot's subgraph joins back to links
SELECT count(*) AS not_matching
  FROM trace_edges(ARRAY[2], 'both') e
  LEFT JOIN links l ON l.id = e.link_id AND l.parent_id = e.parent_id AND l.child_id = e.child_id
       AND l.quantity IS NOT DISTINCT FROM e.quantity AND l.kind = e.kind
 WHERE l.id IS NULL;

-- bad input
SELECT * FROM trace_edges(ARRAY[1], 'sideways');
SELECT * FROM trace_edges(ARRAY[1], 'Forward');
SELECT * FROM trace_edges(ARRAY[1], NULL);
SELECT * FROM trace_edges(ARRAY[1], 'forward', -1);
SELECT * FROM trace_edges(ARRAY[1, 99]);
SELECT * FROM trace_edges(NULL);

-- is_descendant: one or more links from the ancestor to the lot
SELECT is_descendant(10, 1) AS pallet_from_flour, is_descendant(1, 10) AS flour_from_pallet,
       is_descendant(12, 3) AS b3_from_yeast, is_descendant(9, 7) AS p1_from_b2,
       is_descendant(4, 1) AS direct, is_descendant(16, 1) AS unlinked;
-- a lot is its own descendant only on a cycle
SELECT is_descendant(1, 1) AS flour, is_descendant(8, 8) AS rolls, is_descendant(11, 11) AS d3,
       is_descendant(13, 13) AS crate, is_descendant(16, 16) AS sugar;
-- within and across the cycles
SELECT is_descendant(8, 12) AS rolls_from_b3, is_descendant(12, 8) AS b3_from_rolls,
       is_descendant(13, 15) AS c1_from_c3, is_descendant(13, 1) AS c1_from_flour;
-- it agrees with the traces for every pair
SELECT count(*) AS disagreements
  FROM generate_series(1, 16) a, generate_series(1, 16) b
 WHERE is_descendant(b, a) IS DISTINCT FROM
       EXISTS (SELECT FROM trace_edges(ARRAY[a::bigint]) e WHERE e.child_id = b);
SELECT is_descendant(NULL, 1) IS NULL AS null_lot, is_descendant(1, NULL) IS NULL AS null_ancestor;
SELECT is_descendant(1, 99);
SELECT is_descendant(99, 1);

-- trace_dot: a drawing of the subgraph
SELECT trace_dot(ARRAY[8]);
SELECT trace_dot(ARRAY[1], 'forward', 1);
SELECT trace_dot(ARRAY[16]);
-- labels are escaped for DOT
INSERT INTO lots (id, item, code) VALUES (17, 'salt "fine" \ 25kg', 'Q"1');
INSERT INTO links (id, parent_id, child_id) VALUES (20, 17, 16);
SELECT trace_dot(ARRAY[16], 'backward');
SELECT trace_dot(ARRAY[1], 'up');
SELECT trace_dot(ARRAY[1], 'both', -2);
SELECT trace_dot(ARRAY[77]);

-- genealogy_info: the index and what the last trace did
SELECT property, regexp_replace(value, '[0-9.]+ ms', 'N ms') AS value
  FROM genealogy_info()
 WHERE property NOT LIKE '%size' AND property NOT IN ('links', 'links all-visible');
SELECT * FROM trace_backward(ARRAY[9, 12]) ORDER BY depth, lot_id;
SELECT property, regexp_replace(value, '[0-9.]+ ms', 'N ms') AS value
  FROM genealogy_info() WHERE property LIKE 'last trace%';
SET lottrace.trace_method = heap;
SELECT count(*) FROM trace_forward(2, 2);
SELECT property, regexp_replace(value, '[0-9.]+ ms', 'N ms') AS value
  FROM genealogy_info() WHERE property LIKE 'last trace%';
SET lottrace.trace_method = sql;
SELECT is_descendant(12, 3);
SELECT property, regexp_replace(value, '[0-9.]+ ms', 'N ms') AS value
  FROM genealogy_info() WHERE property LIKE 'last trace%';
RESET lottrace.trace_method;
SELECT property, value ~ '^[0-9.]+ (bytes|kB|MB|GB)$' AS is_size
  FROM genealogy_info() WHERE property LIKE '%size';

-- the genealogy index must be there, and have its definition
BEGIN;
DROP INDEX links_child_idx;
SELECT * FROM trace_backward(10) ORDER BY depth, lot_id;
ROLLBACK;
BEGIN;
DROP INDEX links_parent_idx;
CREATE INDEX links_parent_idx ON links (parent_id);
SELECT * FROM trace_forward(1) ORDER BY depth, lot_id;
ROLLBACK;
BEGIN;
DROP INDEX links_parent_idx;
CREATE INDEX links_parent_idx ON links (parent_id) INCLUDE (child_id, id) WHERE kind <> 'rework';
SELECT * FROM trace_forward(1) ORDER BY depth, lot_id;
ROLLBACK;
BEGIN;
DROP INDEX links_parent_idx;
SELECT property, value FROM genealogy_info() WHERE property LIKE 'forward index%';
ROLLBACK;
-- the columns may come in another order
BEGIN;
DROP INDEX links_parent_idx;
CREATE INDEX links_parent_idx ON links (parent_id) INCLUDE (id, child_id);
SELECT * FROM trace_forward(1, 1) ORDER BY depth, lot_id;
ROLLBACK;

-- clean up (CASCADE: tables of other features may refer to lots)
SET client_min_messages = warning;
TRUNCATE lots, links, events, event_lots, lot_status_log RESTART IDENTITY CASCADE;
RESET client_min_messages;
