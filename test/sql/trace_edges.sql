--
-- trace_edges, is_descendant, trace_dot, genealogy_info
--
SET search_path = lottrace, public;

-- A bakery: raw lots 1-3 go into doughs 4-5, breads 6-8, pallets 9-10; the
-- rolls 8 are reworked into dough 11, which makes bread 12, part of which
-- goes back into the rolls (a cycle 8 -> 11 -> 12 -> 8).  Lots 13-15 form a
-- cycle of returns on their own; lot 16 has no links.
INSERT INTO lots (id, item, code, status) VALUES
	(1, 'flour', 'F-1', 'released'), (2, 'salt', 'S-1', 'released'),
	(3, 'yeast', 'Y-1', 'released'), (4, 'dough', 'D-1', 'consumed'),
	(5, 'dough', 'D-2', 'consumed'), (6, 'bread', 'B-1', 'released'),
	(7, 'bread', 'B-2', 'hold'), (8, 'rolls', 'R-1', 'released'),
	(9, 'pallet', 'P-1', 'released'), (10, 'pallet', 'P-2', 'recalled'),
	(11, 'dough', 'D-3', 'consumed'), (12, 'bread', 'B-3', 'quarantine'),
	(13, 'crate', 'C-1', 'released'), (14, 'crate', 'C-2', 'released'),
	(15, 'crate', 'C-3', 'disposed'), (16, 'sugar', 'SU-1', 'released');
INSERT INTO links (id, parent_id, child_id, quantity, kind) VALUES
	(1, 1, 4, 50, 'consume'), (2, 2, 4, 1, 'consume'), (3, 3, 4, 0.5, 'consume'),
	(4, 1, 5, 40, 'consume'), (5, 2, 5, 1, 'consume'),
	(6, 4, 6, 30, 'consume'), (7, 4, 7, 20, 'consume'), (8, 5, 7, 10, 'consume'),
	(9, 5, 8, 30, 'consume'),
	(10, 6, 9, NULL, 'split'), (11, 6, 10, NULL, 'merge'), (12, 7, 10, NULL, 'merge'),
	(13, 8, 11, 5, 'rework'), (14, 2, 11, 1, 'consume'), (15, 11, 12, 6, 'consume'),
	(16, 12, 8, 2, 'rework'),
	(17, 13, 14, NULL, 'repack'), (18, 14, 15, NULL, 'relabel'), (19, 15, 13, NULL, 'repack');

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
SELECT * FROM trace_backward(ARRAY[9, 12]);
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
SELECT * FROM trace_backward(10);
ROLLBACK;
BEGIN;
DROP INDEX links_parent_idx;
CREATE INDEX links_parent_idx ON links (parent_id);
SELECT * FROM trace_forward(1);
ROLLBACK;
BEGIN;
DROP INDEX links_parent_idx;
CREATE INDEX links_parent_idx ON links (parent_id) INCLUDE (child_id, id) WHERE kind <> 'rework';
SELECT * FROM trace_forward(1);
ROLLBACK;
BEGIN;
DROP INDEX links_parent_idx;
SELECT property, value FROM genealogy_info() WHERE property LIKE 'forward index%';
ROLLBACK;
-- the columns may come in another order
BEGIN;
DROP INDEX links_parent_idx;
CREATE INDEX links_parent_idx ON links (parent_id) INCLUDE (id, child_id);
SELECT * FROM trace_forward(1, 1);
ROLLBACK;

-- clean up (CASCADE: tables of other features may refer to lots)
SET client_min_messages = warning;
TRUNCATE lots, links, events, event_lots, lot_status_log RESTART IDENTITY CASCADE;
RESET client_min_messages;
