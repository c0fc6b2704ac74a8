--
-- lottrace.lot where schema lottrace is not on the search_path (a BI tool's
-- session, a script, a view in another schema): every expression on lots
-- either means what it means with lottrace on the path, or is an error;
-- never a text operator quietly giving another answer.
--
SET search_path = public;

CREATE TABLE search_path_lots (code lottrace.lot);
INSERT INTO search_path_lots VALUES ('L10'), ('L9'), ('l9'), ('L100'), ('2024-ATL-3-0042'), ('x-L9');

-- Operators on lots are not found: an error, not text comparison (which
-- would say 'L9' < 'L10' is false) or full-text search (@@)
SELECT 'L9'::lottrace.lot < 'L10'::lottrace.lot;
SELECT 'L9'::lottrace.lot >= 'L10'::lottrace.lot;
SELECT code FROM search_path_lots WHERE code = 'L9';
SELECT code FROM search_path_lots WHERE code <> 'L9'::text;
SELECT code FROM search_path_lots WHERE code @@ 'YYYY-FFF-S-NNNN';
SELECT code FROM search_path_lots WHERE code @@ 'L9'::tsquery;

-- Qualified, they are lottrace's
SELECT 'L9'::lottrace.lot OPERATOR(lottrace.<) 'L10'::lottrace.lot AS natural_lt;
SELECT code FROM search_path_lots WHERE code OPERATOR(lottrace.@@) 'YYYY-FFF-S-NNNN';
SELECT code FROM search_path_lots WHERE code OPERATOR(lottrace.=) 'L9';
SELECT count(*) FROM search_path_lots WHERE lottrace.lot_matches(code, 'LN');

-- ORDER BY, DISTINCT, GROUP BY and indexes use the type's default operator
-- classes whatever the path: natural order
SELECT code FROM search_path_lots ORDER BY code;
SELECT code FROM search_path_lots ORDER BY code DESC LIMIT 2;
SELECT code, count(*) FROM search_path_lots GROUP BY code ORDER BY code;
SELECT DISTINCT code FROM search_path_lots ORDER BY 1;
SELECT code, row_number() OVER (ORDER BY code) FROM search_path_lots ORDER BY 2 DESC LIMIT 1;

-- What BI tools generate for a text column fails and names the function
-- or operator, with a hint to cast
SELECT code FROM search_path_lots WHERE lower(code) LIKE '%l9%';
SELECT code FROM search_path_lots WHERE upper(code) = 'L9';
SELECT code FROM search_path_lots WHERE code LIKE 'L%';
SELECT code FROM search_path_lots WHERE code NOT LIKE 'L%';
SELECT code FROM search_path_lots WHERE code ILIKE 'l9';
SELECT code FROM search_path_lots WHERE code NOT ILIKE 'l9';
SELECT length(code) FROM search_path_lots;
SELECT max(code) FROM search_path_lots;
SELECT min(code) FROM search_path_lots;
SELECT string_agg(code, ',') FROM search_path_lots;
SELECT code FROM search_path_lots UNION SELECT 'L9'::text;

-- The two fixes: cast to text (text semantics, asked for), or lottrace's own
SELECT code FROM search_path_lots WHERE lower(code::text) LIKE '%l9%' ORDER BY code;
SELECT code FROM search_path_lots WHERE code::text ILIKE 'l9' ORDER BY code;
SELECT code, length(code::text) FROM search_path_lots ORDER BY code;
SELECT max(code::text) AS text_max, lottrace.max(code) AS natural_max,
       min(code::text) AS text_min, lottrace.min(code) AS natural_min
  FROM search_path_lots WHERE code OPERATOR(lottrace.~~) 'L%';
SELECT code FROM search_path_lots WHERE lottrace.lower(code) LIKE '%l9%' ORDER BY code;
SELECT code FROM search_path_lots WHERE code OPERATOR(lottrace.~~*) 'l9' ORDER BY code;
SELECT code, lottrace.length(code) FROM search_path_lots ORDER BY code;

-- Conversions that stay as they were: assignment into a text column, text
-- into a lot column, concatenation, format, JSON
CREATE TABLE search_path_texts (code text);
INSERT INTO search_path_texts SELECT code FROM search_path_lots;
SELECT count(*) FROM search_path_texts;
INSERT INTO search_path_lots SELECT ' L11 ' FROM search_path_texts LIMIT 1;
INSERT INTO search_path_lots VALUES ('L 11');
SELECT code || '/1' AS concatenated, format('%s', code), to_jsonb(code)
  FROM search_path_lots WHERE code OPERATOR(lottrace.=) 'L11';

-- A view in another schema over lottrace.lots, read with lottrace off the path
INSERT INTO lottrace.lots (item, code) VALUES ('bi', 'L9'), ('bi', 'L10'), ('bi', 'l10'), ('bi', 'L100');
CREATE SCHEMA bi;
CREATE VIEW bi.lot_codes AS SELECT item, code FROM lottrace.lots WHERE item = 'bi';
SELECT code FROM bi.lot_codes ORDER BY code;
SELECT code FROM bi.lot_codes WHERE code < 'L100';
SELECT code FROM bi.lot_codes WHERE lower(code) LIKE 'l1%';
SELECT code FROM bi.lot_codes WHERE code::text ILIKE 'l1%' ORDER BY code;
-- a view whose operators were resolved when it was created keeps them
SET search_path = lottrace, public;
CREATE VIEW bi.early_lots AS
	SELECT code, code ILIKE 'l1%' AS l1, length(code) AS length FROM lottrace.lots WHERE item = 'bi' AND code < 'L100';
SET search_path = public;
SELECT * FROM bi.early_lots ORDER BY code;
-- (with the columns unqualified, as PostgreSQL 16 and later print them)
SELECT regexp_replace(pg_get_viewdef('bi.early_lots'::regclass), '\mlots\.', '', 'g') AS viewdef;

-- lottrace's own SQL functions pin their search_path: they work from any
SELECT lottrace.lot_id('bi', 'L10') = (SELECT id FROM lottrace.lots WHERE item = 'bi' AND code::text = 'L10');
SELECT lottrace.lot_id('bi', 'L11');
SET search_path = pg_catalog;
SELECT lottrace.lot_id('bi', 'L100') = (SELECT id FROM lottrace.lots WHERE item = 'bi' AND code::text = 'L100');
SELECT 'L9'::lottrace.lot < 'L10'::lottrace.lot;

-- With lottrace on the path the same queries work, in natural order
SET search_path = lottrace, public;
SELECT 'L9'::lot < 'L10'::lot AS lt, 'L9'::lot >= 'L10'::lot AS ge;
SELECT code FROM search_path_lots WHERE code = 'L9';
SELECT code FROM search_path_lots WHERE code @@ 'LN' ORDER BY code;
SELECT code FROM search_path_lots WHERE lower(code) LIKE '%l9%' ORDER BY code;
SELECT code FROM search_path_lots WHERE upper(code) = 'L9' ORDER BY code;
SELECT code FROM search_path_lots WHERE code LIKE 'L%' ORDER BY code;
SELECT code FROM search_path_lots WHERE code NOT LIKE 'L%' ORDER BY code;
SELECT code FROM search_path_lots WHERE code ILIKE 'l9' ORDER BY code;
SELECT code FROM search_path_lots WHERE code NOT ILIKE 'l%' ORDER BY code;
SELECT code FROM search_path_lots WHERE code LIKE 'L_' ORDER BY code;
SELECT code, length(code) FROM search_path_lots ORDER BY code;
SELECT max(code), min(code), max(code::text) AS text_max, min(code::text) AS text_min
  FROM search_path_lots WHERE code LIKE 'L%';
SELECT max(code) FROM search_path_lots WHERE false;
-- NULL in, NULL out
SELECT lower(NULL::lot), upper(NULL::lot), length(NULL::lot), NULL::lot LIKE 'x', 'x'::lot ILIKE NULL;
-- text functions of text are still PostgreSQL's
SELECT lower('ABC'), upper('abc'), length('abc'), 'abc' LIKE 'a%', 'ABC' ILIKE 'a%';
-- a lot compared with a text value: cast one side, as the error says
SELECT code FROM search_path_lots WHERE code = 'L9'::text;
SELECT code FROM search_path_lots WHERE code = 'L9'::text::lot;
-- max uses the btree index like the built-in max
CREATE INDEX search_path_lots_code_idx ON search_path_lots (code);
SET enable_seqscan = off;
-- (the plan without the InitPlan's "(returns $0)", which PostgreSQL 17 dropped)
CREATE FUNCTION pg_temp.plan(query text) RETURNS SETOF text LANGUAGE plpgsql AS $$
DECLARE
	line text;
BEGIN
	FOR line IN EXECUTE 'EXPLAIN (COSTS OFF) ' || query LOOP
		RETURN NEXT regexp_replace(line, ' \(returns \$\d+\)$', '');
	END LOOP;
END
$$;
SELECT pg_temp.plan('SELECT max(code) FROM search_path_lots');
SELECT max(code) FROM search_path_lots;
RESET enable_seqscan;

DROP VIEW bi.early_lots, bi.lot_codes;
DROP SCHEMA bi;
DELETE FROM lottrace.lots WHERE item = 'bi';
DROP TABLE search_path_lots, search_path_texts;
