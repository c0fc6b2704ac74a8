-- lottrace.lot against text: validating, template checks, parsing, sorting
-- and indexing a million lot codes.

\echo lot type: generating :lot_rows codes
CREATE TABLE bench.lot_codes AS
SELECT lottrace.lot_format('YYYYMMDD-FFF-S-NNNN', date '2023-01-01' + (i % 730),
						   (ARRAY['ATL', 'BOS', 'CHI', 'DEN', 'ELP'])[1 + i % 5], NULL,
						   1 + i % 3, 1 + (i / 730) % 9999)::text AS code
  FROM generate_series(1, :lot_rows) i;
-- one code in ten is mistyped: a letter for the shift, or month 13
UPDATE bench.lot_codes SET code = overlay(code PLACING 'x' FROM 14 FOR 1) WHERE hashtext(code) % 20 = 0;
UPDATE bench.lot_codes SET code = overlay(code PLACING '13' FROM 5 FOR 2) WHERE hashtext(code) % 20 = 1;
CREATE TABLE bench.lots_lot AS SELECT code::lottrace.lot AS code FROM bench.lot_codes;
CREATE TABLE bench.lots_text AS SELECT code FROM bench.lot_codes;
VACUUM ANALYZE bench.lot_codes, bench.lots_lot, bench.lots_text;

SELECT bench.compare('lot: validate 1M codes (text -> lot vs CHECK regex)',
	$$SELECT code::lottrace.lot FROM bench.lot_codes$$,
	$$SELECT code FROM bench.lot_codes WHERE code ~ '^[A-Za-z0-9!"%&''()*+,./:;<=>?_-]+$' AND length(code) <= 64$$);

SELECT bench.compare('lot: template check @@ on 1M codes (vs regex)',
	$$SELECT code FROM bench.lots_lot WHERE code @@ 'YYYYMMDD-FFF-S-NNNN'$$,
	$$SELECT code FROM bench.lots_text
	   WHERE code ~ '^[0-9]{4}(0[1-9]|1[0-2])(0[1-9]|[12][0-9]|3[01])-[A-Za-z0-9]{3}-[0-9]-[0-9]{4}$'$$,
	note => 'the regex does not reject impossible dates (Feb 30); @@ does');

SELECT bench.compare('lot: lot_parse 1M codes (vs substr/to_date)',
	$$SELECT p.* FROM bench.lots_lot, lottrace.lot_parse(code, 'YYYYMMDD-FFF-S-NNNN') p
	   WHERE code @@ 'YYYYMMDD-FFF-S-NNNN'$$,
	$$SELECT to_date(substr(code, 1, 8), 'YYYYMMDD') AS production_date, substr(code, 10, 3) AS facility,
			 NULL::text AS line, substr(code, 14, 1)::int AS shift, substr(code, 16, 4)::int AS sequence,
			 NULL::text AS variant
		FROM bench.lots_text
	   WHERE code ~ '^[0-9]{4}(0[1-9]|1[0-2])(0[1-9]|[12][0-9]|3[01])-[A-Za-z0-9]{3}-[0-9]-[0-9]{4}$'$$);

-- Natural order in plain SQL: a sort key that pads every digit run.
CREATE FUNCTION bench.natural_key(code text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
	SELECT string_agg(CASE WHEN t[1] ~ '^[0-9]'
						   THEN lpad(length(ltrim(t[1], '0'))::text, 2, '0') || ltrim(t[1], '0')
						   ELSE t[1] END, '' ORDER BY n) COLLATE "C"
	  FROM regexp_matches(code, '[0-9]+|[^0-9]', 'g') WITH ORDINALITY AS m(t, n)
$$;
CREATE TABLE bench.natural_lot AS SELECT code FROM bench.lots_lot WHERE hashtext(code::text) % 10 = 0;
CREATE TABLE bench.natural_text AS SELECT code::text FROM bench.natural_lot;
SELECT bench.compare('lot: natural sort of 100k codes (vs regexp sort key)',
	$$SELECT code FROM bench.natural_lot ORDER BY code$$,
	$$SELECT code FROM bench.natural_text ORDER BY bench.natural_key(code), code COLLATE "C"$$,
	ordered => true, runs => 3);

SELECT bench.compare_statements('lot: sort 1M codes (vs text, C collation)',
	$$SELECT code FROM bench.lots_lot ORDER BY code OFFSET 100000000$$,
	$$SELECT code FROM bench.lots_text ORDER BY code COLLATE "C" OFFSET 100000000$$,
	'natural order vs byte order: same rows, different order by design');

SELECT bench.compare_statements('lot: sort 1M codes (vs text, database collation)',
	$$SELECT code FROM bench.lots_lot ORDER BY code OFFSET 100000000$$,
	$$SELECT code FROM bench.lots_text ORDER BY code OFFSET 100000000$$,
	'text collation: ' || (SELECT datcollate FROM pg_database WHERE datname = current_database()));

SELECT bench.compare_statements('lot: btree build on 1M codes (vs text, C collation)',
	$$CREATE INDEX lot_build_idx ON bench.lots_lot (code); DROP INDEX bench.lot_build_idx$$,
	$$CREATE INDEX text_build_idx ON bench.lots_text (code COLLATE "C"); DROP INDEX bench.text_build_idx$$,
	'natural order vs byte order', runs => 3);

SELECT bench.compare_statements('lot: hash aggregate over 1M codes (vs text)',
	$$SELECT count(*) FROM (SELECT code FROM bench.lots_lot GROUP BY code) g$$,
	$$SELECT count(*) FROM (SELECT code FROM bench.lots_text GROUP BY code) g$$,
	'same groups; equality is byte equality on both sides');

SELECT format('lot type: table of 1M codes: %s as lot, %s as text',
			  pg_size_pretty(pg_relation_size('bench.lots_lot')),
			  pg_size_pretty(pg_relation_size('bench.lots_text'))) AS sizes \gset
\echo :sizes
