--
-- lottrace.lot: input, output, casts, binary I/O
--
SET search_path = lottrace, public;

-- valid codes: every CSET 82 character class, both length limits
SELECT 'A'::lot, 'z'::lot, '0'::lot;
SELECT 'ABC123'::lot, 'abc-123'::lot, '2024-ATL-3-0042'::lot;
SELECT $$!"%&'()*+,-./:;<=>?_$$::lot AS punctuation;
SELECT 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789'::lot AS alphabet;
SELECT repeat('9', 64)::lot AS longest;

-- surrounding white space (spaces, tabs, CR/LF from scanners) is trimmed
SELECT '  L1  '::lot, E'\tL2\r\n'::lot, E'\x0bL3\x0c'::lot;
SELECT length((' ' || repeat('x', 64) || ' ')::lot);

-- case is kept and significant
SELECT 'abc'::lot = 'ABC'::lot AS same, 'abc'::lot::text;

-- empty
SELECT ''::lot;
SELECT '   '::lot;
SELECT E'\r\n'::lot;

-- too long
SELECT repeat('9', 65)::lot;
SELECT (' ' || repeat('a', 65))::lot;

-- characters outside CSET 82, at the first, a middle and the last position
SELECT '#ABC'::lot;
SELECT 'AB@C'::lot;
SELECT 'ABC$'::lot;
SELECT 'A B'::lot;
SELECT 'A[B'::lot;
SELECT 'A\B'::lot;
SELECT 'A`B'::lot;
SELECT 'A{B'::lot;
SELECT 'A~B'::lot;
SELECT 'A^B'::lot;
SELECT 'A|B'::lot;
SELECT 'A}B'::lot;
SELECT 'A]B'::lot;
-- control characters are named by code point
SELECT E'AB\x1dCD'::lot;
SELECT E'AB\x01'::lot;
SELECT E'A\x7fB'::lot;
SELECT E'A\tB'::lot;
-- non-ASCII: position counts characters, not bytes
SELECT 'Lot-é1'::lot;
SELECT 'ééé#'::lot;
SELECT 'A€'::lot;
SELECT 'ＡＢＣ'::lot;
-- the position is that of the input as given, leading space included
SELECT '  AB#'::lot;
-- a bad character is reported before the length
SELECT (repeat('a', 70) || '#')::lot;

-- the same rules through every path in: lot(), casts from text and varchar
SELECT lot('  X-1 '), 'X-2'::text::lot, 'X-3'::varchar::lot;
SELECT lot('X#1');
SELECT 'X#2'::text::lot;
SELECT 'X#3'::varchar(10)::lot;
SELECT lot(NULL) IS NULL AS null_in_null_out;

-- text -> lot is an assignment cast: applied on INSERT, never silently in
-- expressions; so is lot -> text: lottrace has its own length, lower and
-- upper, other text functions take code::text
CREATE TABLE lot_cast_test (code lot);
INSERT INTO lot_cast_test VALUES ('  A-1 '), ('B-2'::text), ('C-3'::varchar);
INSERT INTO lot_cast_test VALUES ('D#4'::text);
SELECT code, length(code), upper(code), code || '/x' AS concatenated FROM lot_cast_test ORDER BY code;
SELECT lower(code)::lot FROM lot_cast_test ORDER BY 1;
SELECT code::varchar(3) FROM lot_cast_test ORDER BY 1;
SELECT pg_typeof(code || 'x') FROM lot_cast_test LIMIT 1;
SELECT substr(code, 1, 1) FROM lot_cast_test;
SELECT substr(code::text, 1, 1) FROM lot_cast_test ORDER BY 1;
SELECT pg_typeof(length(code)), pg_typeof(lower(code)), pg_typeof(upper(code)) FROM lot_cast_test LIMIT 1;
SELECT castcontext, castmethod, castsource::regtype, casttarget::regtype
  FROM pg_cast WHERE castsource = 'lot'::regtype OR casttarget = 'lot'::regtype
  ORDER BY 3, 4;

-- lot_is_gs1: fits AI (10), at most 20 characters
SELECT lot_is_gs1('A'), lot_is_gs1(repeat('A', 20)::lot), lot_is_gs1(repeat('A', 21)::lot),
       lot_is_gs1(repeat('A', 64)::lot);
-- text never becomes a lot implicitly: a function taking lot needs a cast
SELECT lot_is_gs1(repeat('A', 20));

-- stored compactly: short varlena header, no padding
SELECT pg_column_size(code) AS bytes, code FROM lot_cast_test ORDER BY code;
SELECT pg_column_size(ROW('A'::lot, 1::smallint)) = pg_column_size(ROW('A'::text, 1::smallint)) AS like_text;

-- binary send/receive: COPY round trip in binary format
CREATE TABLE lot_copy_source (id int, code lot);
INSERT INTO lot_copy_source
  SELECT i, lot_format('YYYY-FFF-S-NNNNC', date '2024-01-01' + i, 'ATL', NULL, i % 3 + 1, i)
  FROM generate_series(1, 200) i;
INSERT INTO lot_copy_source VALUES (201, repeat('z', 64)), (202, $$!"%&'()*+,-./:;<=>?_$$);
\copy lot_copy_source TO 'results/lot_copy.bin' WITH (FORMAT binary)
CREATE TABLE lot_copy_target (LIKE lot_copy_source);
\copy lot_copy_target FROM 'results/lot_copy.bin' WITH (FORMAT binary)
SELECT count(*) AS copied,
       count(*) FILTER (WHERE s.code = t.code AND s.code::text = t.code::text) AS identical
  FROM lot_copy_source s JOIN lot_copy_target t USING (id);
-- binary input validates like text input
SELECT lot_send('AB-1');
CREATE TABLE lot_copy_text (code text);
INSERT INTO lot_copy_text VALUES ('bad#code');
\copy lot_copy_text TO 'results/lot_copy_bad.bin' WITH (FORMAT binary)
\copy lot_copy_target (code) FROM 'results/lot_copy_bad.bin' WITH (FORMAT binary)
TRUNCATE lot_copy_text;
INSERT INTO lot_copy_text VALUES ('  padded  ');
\copy lot_copy_text TO 'results/lot_copy_pad.bin' WITH (FORMAT binary)
\copy lot_copy_target (code) FROM 'results/lot_copy_pad.bin' WITH (FORMAT binary)
SELECT '[' || code || ']' AS trimmed FROM lot_copy_target WHERE id IS NULL;

-- text-format COPY reports the line of a bad code
COPY lot_cast_test FROM stdin;
E-5
F 6
\.

DROP TABLE lot_cast_test, lot_copy_source, lot_copy_target, lot_copy_text;
