--
-- lottrace.lot: natural ordering, btree and hash operator classes
--
SET search_path = lottrace, public;

CREATE TABLE lot_order_test (code lot);
INSERT INTO lot_order_test VALUES
  ('L10'), ('L9'), ('L09'), ('L009'), ('L1'), ('L'), ('L-1'), ('L0'), ('L00'),
  ('2024-ATL-3-0100'), ('2024-ATL-3-42'), ('2024-ATL-3-0042'), ('2024-ATL-10-1'),
  ('2024-ATL-3-42A'), ('2023-ZZZ-9-9'), ('99999999999999999999999999999999'),
  ('100000000000000000000000000000000'), ('a'), ('A'), ('B'), ('b10'), ('b9'),
  ('1.5'), ('1.10'), ('1-5'), ('10'), ('9'), ('09'), ('_'), ('!'), ('Z'), ('z');

-- digit runs compare by value, ties by bytes, everything else by byte
SELECT code FROM lot_order_test ORDER BY code;
SELECT code FROM lot_order_test ORDER BY code DESC;

-- each operator, on pairs that exercise the rules
SELECT a, b, a < b AS lt, a <= b AS le, a = b AS eq, a <> b AS ne, a >= b AS ge, a > b AS gt,
       lot_cmp(a, b) AS cmp
  FROM (VALUES ('L9'::lot, 'L10'::lot), ('L09', 'L9'), ('L9', 'L9'), ('2024-ATL-3-42', '2024-ATL-3-0100'),
               ('A', 'a'), ('L', 'L0'), ('L-', 'L0'), ('L0', 'L:'), ('x1y2', 'x01y1'),
               ('007', '7'), ('0', '00'), ('A1B', 'A1')) AS p(a, b);

-- the order is a total order: antisymmetric and transitive over all pairs
SELECT count(*) AS pairs,
       count(*) FILTER (WHERE sign(lot_cmp(a.code, b.code)) <> -sign(lot_cmp(b.code, a.code))) AS asymmetric,
       count(*) FILTER (WHERE (lot_cmp(a.code, b.code) = 0) <> (a.code::text = b.code::text)) AS equal_but_not_identical
  FROM lot_order_test a, lot_order_test b;
SELECT count(*) AS intransitive
  FROM lot_order_test a, lot_order_test b, lot_order_test c
 WHERE a.code < b.code AND b.code < c.code AND NOT a.code < c.code;

-- a btree index returns the same order, and is used for ranges and equality
CREATE INDEX lot_order_test_code ON lot_order_test (code);
SET enable_seqscan = off;
SET enable_bitmapscan = off;
EXPLAIN (COSTS OFF) SELECT code FROM lot_order_test ORDER BY code;
SELECT code FROM lot_order_test ORDER BY code;
EXPLAIN (COSTS OFF) SELECT code FROM lot_order_test WHERE code BETWEEN 'L1' AND 'L10';
SELECT code FROM lot_order_test WHERE code BETWEEN 'L1' AND 'L10';
SELECT code FROM lot_order_test WHERE code = 'L9';
SELECT code FROM lot_order_test WHERE code > '2024-ATL-3-42' AND code < 'A' ORDER BY code DESC;
RESET enable_seqscan;
RESET enable_bitmapscan;

-- unique constraint: L09 and L9 are different lots
CREATE TABLE lot_unique_test (code lot PRIMARY KEY);
INSERT INTO lot_unique_test VALUES ('L9'), ('L09'), ('l9');
INSERT INTO lot_unique_test VALUES (' L9 ');
DROP TABLE lot_unique_test;

-- hashing agrees with equality: hash joins, hash aggregates, hash indexes
SELECT lot_hash('L9') = lot_hash('L9') AS same_code,
       lot_hash('L9') <> lot_hash('L09') AS different_codes,
       lot_hash_extended('L9', 0) = lot_hash_extended('L9', 0) AS extended_stable,
       lot_hash_extended('L9', 0) <> lot_hash_extended('L9', 1) AS seed_matters,
       (lot_hash_extended('L9', 0) & 4294967295) = (lot_hash('L9')::bigint & 4294967295) AS extended_low_bits_match;

CREATE TABLE lot_hash_left AS
  SELECT lot_format('FFF-NNNNN', NULL, facility => f, sequence => n) AS code, n
    FROM generate_series(1, 3000) n, (VALUES ('ATL'), ('BOS')) f(f);
CREATE TABLE lot_hash_right AS
  SELECT code, n FROM lot_hash_left WHERE n % 7 = 0;
ANALYZE lot_hash_left, lot_hash_right;
SET enable_mergejoin = off;
SET enable_nestloop = off;
EXPLAIN (COSTS OFF) SELECT count(*) FROM lot_hash_left l JOIN lot_hash_right r ON l.code = r.code;
SELECT count(*) FROM lot_hash_left l JOIN lot_hash_right r ON l.code = r.code;
RESET enable_mergejoin;
RESET enable_nestloop;
SET enable_hashjoin = off;
SET enable_nestloop = off;
EXPLAIN (COSTS OFF) SELECT count(*) FROM lot_hash_left l JOIN lot_hash_right r ON l.code = r.code;
SELECT count(*) FROM lot_hash_left l JOIN lot_hash_right r ON l.code = r.code;
RESET enable_hashjoin;
RESET enable_nestloop;

SET enable_sort = off;
EXPLAIN (COSTS OFF) SELECT code, count(*) FROM (SELECT code FROM lot_hash_left UNION ALL SELECT code FROM lot_hash_right) u GROUP BY code;
SELECT count(*) AS groups, sum(c) AS rows, max(c) AS most
  FROM (SELECT code, count(*) AS c FROM (SELECT code FROM lot_hash_left UNION ALL SELECT code FROM lot_hash_right) u GROUP BY code) g;
SELECT count(DISTINCT code) FROM (VALUES ('L9'::lot), ('L09'), ('L9'), ('l9')) v(code);
RESET enable_sort;

CREATE INDEX lot_hash_left_code ON lot_hash_left USING hash (code);
SET enable_seqscan = off;
EXPLAIN (COSTS OFF) SELECT n FROM lot_hash_left WHERE code = 'BOS-00042';
SELECT n FROM lot_hash_left WHERE code = 'BOS-00042';
RESET enable_seqscan;

-- the btree deduplicates equal keys (equality is byte equality)
CREATE TABLE lot_dedup_test AS SELECT 'SAME-LOT'::lot AS code FROM generate_series(1, 5000);
CREATE INDEX lot_dedup_test_code ON lot_dedup_test (code);
SELECT pg_relation_size('lot_dedup_test_code') < 5000 * 16 AS deduplicated;

-- a larger sort and the index built on it agree with the operators
CREATE TABLE lot_big AS
  SELECT lot_format('YYMMDD-LL-NNNN', date '2024-01-01' + (i % 300), line => lpad((i % 17)::text, 2, '0'),
                    sequence => i % 9973) AS code
    FROM generate_series(1, 20000) i;
SELECT count(*) FILTER (WHERE prev > code) AS out_of_order
  FROM (SELECT code, lag(code) OVER (ORDER BY code) AS prev FROM lot_big) s;
CREATE INDEX lot_big_code ON lot_big (code);
SET enable_seqscan = off;
SELECT count(*) FILTER (WHERE prev > code) AS index_out_of_order
  FROM (SELECT code, lag(code) OVER () AS prev FROM (SELECT code FROM lot_big ORDER BY code) o) s;
RESET enable_seqscan;

-- sorts use abbreviated keys (an 8-byte prefix of the natural order): codes
-- built to trip them — leading zeros, digit runs of every length, runs cut
-- by the 8-byte boundary, punctuation either side of digits — must still sort
-- exactly as the comparison function says, in a sort and in an index
CREATE TABLE lot_tricky AS
  SELECT (SELECT string_agg(CASE (get_byte(h, k) % 6)
                              WHEN 0 THEN repeat('0', get_byte(h, k + 1) % 4)
                              WHEN 1 THEN (get_byte(h, k + 1) % 10)::text
                              WHEN 2 THEN (get_byte(h, k + 1) * 1000 + get_byte(h, k + 2))::text
                              WHEN 3 THEN (ARRAY['-', '/', '.', '!', ':', '_'])[1 + get_byte(h, k + 1) % 6]
                              WHEN 4 THEN (ARRAY['A', 'a', 'Z', 'z', 'L'])[1 + get_byte(h, k + 1) % 5]
                              ELSE '9' END, '')
            FROM generate_series(0, 9) k)::lot AS code
    FROM (SELECT decode(md5(i::text) || md5((i * 7)::text), 'hex') AS h FROM generate_series(1, 30000) i) s
   WHERE length((SELECT string_agg(CASE (get_byte(h, k) % 6) WHEN 0 THEN repeat('0', get_byte(h, k + 1) % 4) ELSE 'x' END, '')
                   FROM generate_series(0, 9) k)) > 0;
SELECT count(*) > 25000 AS enough, count(DISTINCT code) > 20000 AS varied FROM lot_tricky;
SELECT count(*) FILTER (WHERE lot_cmp(prev, code) > 0) AS sort_out_of_order
  FROM (SELECT code, lag(code) OVER (ORDER BY code) AS prev FROM lot_tricky) s;
CREATE INDEX lot_tricky_code ON lot_tricky (code);
SET enable_seqscan = off;
SELECT count(*) FILTER (WHERE lot_cmp(prev, code) > 0) AS index_out_of_order
  FROM (SELECT code, lag(code) OVER () AS prev FROM (SELECT code FROM lot_tricky ORDER BY code) o) s;
RESET enable_seqscan;
-- and a sorted result agrees with a plain-SQL natural-order key
SELECT bool_and(a = b) AS same_order
  FROM (SELECT code::text AS a, row_number() OVER (ORDER BY code) AS n FROM lot_tricky) x
  JOIN (SELECT code::text AS b,
               row_number() OVER (ORDER BY
                 (SELECT string_agg(CASE WHEN t[1] ~ '^[0-9]'
                                         THEN '0' || chr(length(ltrim(t[1], '0')) + 1) || ltrim(t[1], '0')
                                         ELSE t[1] END, '' ORDER BY o) COLLATE "C"
                    FROM regexp_matches(code::text, '[0-9]+|[^0-9]', 'g') WITH ORDINALITY m(t, o)),
                 code::text COLLATE "C") AS n
          FROM lot_tricky) y USING (n);

DROP TABLE lot_order_test, lot_hash_left, lot_hash_right, lot_dedup_test, lot_big, lot_tricky;
