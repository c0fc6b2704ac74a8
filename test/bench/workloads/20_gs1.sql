-- GS1 barcodes: decoding a million scans with gs1_decode against the
-- regexp_match extraction a user would otherwise write.  (The scan count
-- follows LOT_ROWS, one million by default.)

-- GTIN-14 bodies with their GS1 mod-10 check digit
CREATE FUNCTION bench.with_check_digit(body text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
	SELECT body || (10 - sum(substr(body, i, 1)::int
						 * CASE WHEN (length(body) - i) % 2 = 0 THEN 3 ELSE 1 END) % 10) % 10
	  FROM generate_series(1, length(body)) i
$$;

\echo gs1: generating :lot_rows scans
CREATE TABLE bench.gtins AS
SELECT g, bench.with_check_digit(lpad((950600013000 + g * 7)::text, 13, '0')) AS gtin
  FROM generate_series(0, 999) g;
CREATE TABLE bench.gs1_fields AS
SELECT t.gtin, date '2025-01-01' + i % 1500 AS expiry,
	   'L' || (i % 50000) || '-' || chr(65 + i % 26) AS lot
  FROM generate_series(1, :lot_rows) i JOIN bench.gtins t ON t.g = i % 1000;
-- as printed under a GS1-128 barcode, and as a GS1 DataMatrix scanner sends
-- it (symbology identifier, predefined-length AIs first, the lot last)
CREATE TABLE bench.gs1_bracketed AS
SELECT '(01)' || gtin || '(17)' || to_char(expiry, 'YYMMDD') || '(10)' || lot AS scan
  FROM bench.gs1_fields;
CREATE TABLE bench.gs1_raw AS
SELECT ']d2' || '01' || gtin || '17' || to_char(expiry, 'YYMMDD') || '10' || lot AS scan
  FROM bench.gs1_fields;
VACUUM ANALYZE bench.gs1_bracketed, bench.gs1_raw;

-- Both sides call their function once per scan (OFFSET 0 keeps the
-- planner from pulling the subquery up and calling it once per column).
SELECT bench.compare('gs1: decode 1M bracketed scans (vs regexp_match)',
	$$SELECT (d).gtin, (d).expiry, (d).lot::text
		FROM (SELECT lottrace.gs1_decode(scan) AS d FROM bench.gs1_bracketed OFFSET 0) s$$,
	$$SELECT m[1] AS gtin, to_date(m[2], 'YYMMDD') AS expiry, m[3] AS lot
		FROM (SELECT regexp_match(scan, '^\(01\)(\d{14})\(17\)(\d{6})\(10\)(.+)$') AS m
				FROM bench.gs1_bracketed OFFSET 0) s$$,
	runs => 3,
	note => 'gs1_decode also checks the check digit, the date, CSET 82 and the AI rules, and returns every field');

-- The floor: cutting fixed positions out of one known layout, nothing checked.
SELECT bench.compare('gs1: decode 1M bracketed scans (vs substr, one fixed layout)',
	$$SELECT (d).gtin, (d).expiry, (d).lot::text
		FROM (SELECT lottrace.gs1_decode(scan) AS d FROM bench.gs1_bracketed OFFSET 0) s$$,
	$$SELECT substr(scan, 5, 14) AS gtin, to_date(substr(scan, 23, 6), 'YYMMDD') AS expiry,
			 substr(scan, 33) AS lot
		FROM bench.gs1_bracketed$$,
	runs => 3,
	note => 'substr only works while every scan has (01)(17)(10) in this order; it checks nothing');

SELECT bench.compare('gs1: decode 1M raw ]d2 scans (vs regexp_match)',
	$$SELECT (d).gtin, (d).expiry, (d).lot::text
		FROM (SELECT lottrace.gs1_decode(scan) AS d FROM bench.gs1_raw OFFSET 0) s$$,
	$$SELECT m[1] AS gtin, to_date(m[2], 'YYMMDD') AS expiry, m[3] AS lot
		FROM (SELECT regexp_match(scan, '^\]d201(\d{14})17(\d{6})10(.+)$') AS m
				FROM bench.gs1_raw OFFSET 0) s$$,
	runs => 3,
	note => 'the regex fits one fixed AI order; gs1_decode takes any order and form');

SELECT bench.compare('gs1: validate 1M scans (gs1_valid vs regex)',
	$$SELECT scan FROM bench.gs1_bracketed WHERE lottrace.gs1_valid(scan)$$,
	$$SELECT scan FROM bench.gs1_bracketed
	   WHERE scan ~ '^\(01\)[0-9]{14}\(17\)[0-9]{2}(0[1-9]|1[0-2])([0-2][0-9]|3[01])\(10\)[A-Za-z0-9!"%&''()*+,./:;<=>?_-]{1,20}$'$$,
	runs => 3,
	note => 'the regex checks the shape only: no check digit, no day-of-month, no AI rules');
