--
-- gs1_lint: suspicious places in valid GS1 data, reported, never refused
--
SET search_path = lottrace, public;
\pset null '(null)'

-- The lot 33650100138 ended by a GS reads, with a separator after its
-- first character, as lot "3" and a volume (3650) "100138": valid too.
-- Position 21 is the "3" of (3650) after the leading GS, (01) and "103".
SELECT * FROM gs1_lint(E'\x1d' || '0194019097685457' || E'1033650100138\x1d' || '3102002004' || '15131018');
-- with a symbology identifier, positions count it
SELECT "position", ai, problem FROM gs1_lint(E']d2' || '0194019097685457' || E'1033650100138\x1d' || '3102002004' || '15131018');

-- a lot that swallowed an expiry, a GTIN; a serial that swallowed a weight
SELECT * FROM gs1_lint('0109506000134352' || '10ABC123' || '17250100');
SELECT * FROM gs1_lint('0109506000134352' || '10AB' || '0109506000134352');
SELECT * FROM gs1_lint('0109506000134352' || '21S12345' || '3103001250');
-- ... and then a serial, after a GS
SELECT * FROM gs1_lint('0109506000134352' || '10ABC123' || E'17250100\x1d' || '21XYZ');
-- two places in one value: after "A" (then (17)250100 and (11)250101), and
-- after "A17250100" (then (11)250101)
SELECT "position", ai, alternative FROM gs1_lint('0109506000134352' || '10A' || '17250100' || '11250101');

-- the text "<GS>": the alternative reads a real separator there
SELECT * FROM gs1_lint('0109506000134352' || '10ABC<GS>21XYZ');
SELECT * FROM gs1_lint('0109506000134352' || '10ABC<gs>21XYZ');
-- ... no alternative when that reading is not valid (two GS in a row)
SELECT "position", problem, alternative FROM gs1_lint('0109506000134352' || E'10ABC<GS>\x1d' || '21X');

-- nothing suspicious: no rows
SELECT count(*) FROM gs1_lint('0109506000134352' || '10ABC123');
SELECT count(*) FROM gs1_lint('0109506000134352' || '17250100' || '10ABC123');
-- what would not read as valid data is no evidence: a bad date, a short
-- tail, a bad check digit, a two-digit value (AI 20), a variable-length AI
-- (any lot may contain "21"), a reading that breaks a rule between AIs
-- ((3103) twice with different values)
SELECT count(*) FROM gs1_lint('0109506000134352' || '10ABC123' || '17251301');
SELECT count(*) FROM gs1_lint('0109506000134352' || '10ABC123' || '1725010');
SELECT count(*) FROM gs1_lint('0109506000134352' || '10AB' || '0109506000134353');
SELECT count(*) FROM gs1_lint('0109506000134352' || '10ABC123' || '2001');
SELECT count(*) FROM gs1_lint('0109506000134352' || '10ABC123' || '21XYZ');
SELECT count(*) FROM gs1_lint('0109506000134352' || '3103001250' || '10A' || '3103001251');
-- the part before the separator must be a valid value: a GIAI (8004) "12"
-- is not (its company prefix needs four digits), "12345" is
SELECT count(*) FROM gs1_lint('0109506000134352' || '8004' || '12' || '17250100');
SELECT "position", alternative FROM gs1_lint('0109506000134352' || '8004' || '12345' || '17250100');
-- a lot literally named "10D9T"
SELECT count(*) FROM gs1_lint('0109506000134352' || '10' || '10D9T');
-- the bracketed form and Digital Link URIs delimit every value
SELECT count(*) FROM gs1_lint('(01)09506000134352(10)ABC12317250100');
SELECT count(*) FROM gs1_lint('(01)09506000134352(10)ABC<GS>21XYZ');
SELECT count(*) FROM gs1_lint('https://id.gs1.org/01/09506000134352/10/ABC12317250100');

-- invalid data raises as gs1_parse does; NULL gives no rows
SELECT * FROM gs1_lint('0109506000134353' || '10ABC');
SELECT * FROM gs1_lint('');
SELECT count(*) FROM gs1_lint(NULL);

-- the opt-in: refuse suspicious scans, here with a CHECK constraint
CREATE FUNCTION scan_is_clean(data text) RETURNS boolean
	LANGUAGE sql IMMUTABLE STRICT
	RETURN CASE WHEN lottrace.gs1_valid(data)
	            THEN NOT EXISTS (SELECT FROM lottrace.gs1_lint(data))
	            ELSE false END;
CREATE TEMP TABLE scans (data text CHECK (scan_is_clean(data)));
INSERT INTO scans VALUES ('0109506000134352' || E'10ABC123\x1d' || '17250100');
INSERT INTO scans VALUES ('0109506000134352' || '10ABC123' || '17250100');
INSERT INTO scans VALUES ('0109506000134353' || '10ABC');
SELECT count(*) FROM scans;
DROP TABLE scans;
DROP FUNCTION scan_is_clean(text);

-- over a table of scans: which to look at again
SELECT id, l."position", l.problem
  FROM (VALUES (1, '(01)09506000134352(10)ABC'),
               (2, '0109506000134352' || '10ABC123' || '17250100'),
               (3, '0109506000134352' || '10ABC<GS>21XYZ')) s(id, data),
       LATERAL gs1_lint(data) l
 ORDER BY id;
