--
-- lot templates: lot_parse, @@, lot_format
--
SET search_path = lottrace, public;

-- every field
SELECT * FROM lot_parse('2024-ATL-3-0042', 'YYYY-FFF-S-NNNN');
SELECT * FROM lot_parse('20240305-ATL-L2-3-0042-VAR', 'YYYYMMDD-FFF-LL-S-NNNN-VVV');
SELECT * FROM lot_parse('24065B7', 'YYJJJLN');
SELECT * FROM lot_parse('2024366', 'YYYYJJJ');
SELECT * FROM lot_parse('0305', 'MMDD');
SELECT * FROM lot_parse('0229', 'MMDD');
SELECT * FROM lot_parse('2024-03', 'YYYY-MM');
SELECT * FROM lot_parse('PRD-a1', '"PRD"-VV');
-- upper-case field letters must be quoted to be literal: D is the day
SELECT * FROM lot_parse('PRD-a1', 'PRD-VV');
-- literals: quoted text, "" for a quote, any other CSET 82 character;
-- lower-case letters and the upper-case letters that are not fields
SELECT * FROM lot_parse('LOT-42', '"LOT"-NN');
SELECT * FROM lot_parse('"Q"7', '"""Q"""N');
SELECT * FROM lot_parse('AB/x:7', 'AB/x:N');
SELECT * FROM lot_parse('lot7', 'lotN');
SELECT * FROM lot_parse('XYZ9', 'X"YZ"N');
-- X matches any one character
SELECT * FROM lot_parse('AB-9', 'XX-N');
SELECT * FROM lot_parse('!?-9', 'XX-N');
-- check characters: GS1 mod 10 over the digits before it, ISO 7064 MOD 37-36
-- over the letters and digits before it
SELECT * FROM lot_parse('2024-ATL-3-00425', 'YYYY-FFF-S-NNNNC');
SELECT * FROM lot_parse('0950600013435-2', 'NNNNNNNNNXXXX-C');
SELECT lot_format('FFFNNNNNK', NULL, 'ABC', sequence => 12345) AS mod37_36;
SELECT * FROM lot_parse(lot_format('FFFNNNNNK', NULL, 'ABC', sequence => 12345), 'FFFNNNNNK');
SELECT * FROM lot_parse(lot_format('NNNNNCK', NULL, sequence => 7), 'NNNNNCK');

-- @@: conformance without errors
SELECT code, code @@ 'YYYY-FFF-S-NNNN' AS conforms
  FROM unnest('{2024-ATL-3-0042,2024-ATL-x-0042,2024-ATL-3-004,2024-ATL-3-00421,2024/ATL-3-0042,0000-ATL-3-0001}'::lot[]) code;
SELECT '20230229'::lot @@ 'YYYYMMDD' AS not_leap, '20240229'::lot @@ 'YYYYMMDD' AS leap,
       '19000229'::lot @@ 'YYYYMMDD' AS century, '20000229'::lot @@ 'YYYYMMDD' AS four_century;
SELECT '2023365'::lot @@ 'YYYYJJJ' AS d365, '2023366'::lot @@ 'YYYYJJJ' AS d366_2023,
       '2024366'::lot @@ 'YYYYJJJ' AS d366_2024, '24000'::lot @@ 'YYJJJ' AS d000;
SELECT '2024-ATL-3-00425'::lot @@ 'YYYY-FFF-S-NNNNC' AS good, '2024-ATL-3-00426'::lot @@ 'YYYY-FFF-S-NNNNC' AS bad;
SELECT NULL::lot @@ 'NNN' AS null_code, '123'::lot @@ NULL AS null_template;

-- codes that do not match: position and reason
SELECT lot_parse('2024-ATL-x-0042', 'YYYY-FFF-S-NNNN');
SELECT lot_parse('2024-A-L-3-0042', 'YYYY-FFF-S-NNNN');
SELECT lot_parse('2024_ATL-3-0042', 'YYYY-FFF-S-NNNN');
SELECT lot_parse('2024-ATL-3-004', 'YYYY-FFF-S-NNNN');
SELECT lot_parse('2024-ATL-3-00421', 'YYYY-FFF-S-NNNN');
SELECT lot_parse('lot-42', '"LOT"-NN');
SELECT lot_parse('0000-ATL-3-0001', 'YYYY-FFF-S-NNNN');
SELECT lot_parse('20241305', 'YYYYMMDD');
SELECT lot_parse('20240005', 'YYYYMMDD');
SELECT lot_parse('20240132', 'YYYYMMDD');
SELECT lot_parse('20240100', 'YYYYMMDD');
SELECT lot_parse('20240230', 'YYYYMMDD');
SELECT lot_parse('20230229', 'YYYYMMDD');
SELECT lot_parse('30022023', 'DDMMYYYY');
SELECT lot_parse('0230', 'MMDD');
SELECT lot_parse('2023366', 'YYYYJJJ');
SELECT lot_parse('23367', 'YYJJJ');
SELECT lot_parse('23000', 'YYJJJ');
SELECT lot_parse('2024-ATL-3-00426', 'YYYY-FFF-S-NNNNC');
SELECT lot_parse('2024-ATL-3-0042X', 'YYYY-FFF-S-NNNNC');
SELECT lot_parse('ABC12345A', 'FFFNNNNNK');
SELECT lot_parse('ABC12345-', 'FFFNNNNNK');
SELECT lot_parse('AB', 'XXX');

-- bad templates: 22023, with the position in the template
SELECT lot_parse('1', '');
SELECT lot_parse('1', '""');
SELECT '1'::lot @@ 'YYY';
SELECT '1'::lot @@ 'YYYYY-NN';
SELECT '1'::lot @@ 'N-M';
SELECT '1'::lot @@ 'YYYY-MMM';
SELECT '1'::lot @@ 'YYYY-MM-D';
SELECT '1'::lot @@ 'YYJJ';
SELECT '1'::lot @@ 'NN-NN';
SELECT '1'::lot @@ 'YY-YYYY';
SELECT '1'::lot @@ 'FF-CC';
SELECT '1'::lot @@ 'NNC-NC';
SELECT '1'::lot @@ 'KK';
SELECT '1'::lot @@ 'NNNNNNNNNN';
SELECT '1'::lot @@ 'SSSSSSSSSS';
SELECT '1'::lot @@ 'YYJJJ-MM';
SELECT '1'::lot @@ 'MMDD-JJJ';
SELECT '1'::lot @@ 'NN NN';
SELECT '1'::lot @@ 'NN#';
SELECT '1'::lot @@ E'NN\x1d';
SELECT '1'::lot @@ 'NNé';
SELECT '1'::lot @@ '"LOT';
SELECT '1'::lot @@ '"LOT#"NN';
SELECT '1'::lot @@ repeat('X', 65);
SELECT '1'::lot @@ ('"' || repeat('a', 64) || '"N');

-- lot_format builds codes, computing check characters
SELECT lot_format('YYYY-FFF-S-NNNN', '2024-03-05', 'ATL', shift => 3, sequence => 42);
SELECT lot_format('YYMMDD-LL-NNNNC', '2024-03-05', line => 'L2', sequence => 7);
SELECT lot_format('YYJJJ-NNN', '2024-12-31', sequence => 1);
SELECT lot_format('YYYYJJJ', '2023-12-31');
SELECT lot_format('"LOT"NNNN', NULL, sequence => 9999);
SELECT lot_format('"PRD"-VV-NN', '2024-01-01', variant => 'b2', sequence => 0);
SELECT lot_format('NN', current_date, sequence => 5) AS date_ignored_without_date_field;
SELECT lot_format(NULL, '2024-01-01') AS null_template;
-- formatting and parsing round-trip
SELECT (lot_parse(lot_format(t, d, 'AB', 'X1', 2, 345, 'Q'), t)).*
  FROM (VALUES ('YYYYMMDD-FF-LL-S-NNN-V-C-K'), ('YYJJJFFLLSNNNVCK')) AS v(t),
       (VALUES (date '2024-02-29'), (date '2099-12-31'), (date '2000-01-01')) AS w(d);

-- values that do not fit
SELECT lot_format('YYYY-FFF-NN', '2024-01-01', 'AT', sequence => 1);
SELECT lot_format('YYYY-FFF-NN', '2024-01-01', 'ATLX', sequence => 1);
SELECT lot_format('YYYY-FFF-NN', '2024-01-01', 'A-T', sequence => 1);
SELECT lot_format('YYYY-FFF-NN', '2024-01-01', 'AÉT', sequence => 1);
SELECT lot_format('YYYY-FFF-NN', '2024-01-01', 'ATL', sequence => 100);
SELECT lot_format('YYYY-FFF-NN', '2024-01-01', 'ATL', sequence => -1);
SELECT lot_format('YYYY-S-NN', '2024-01-01', shift => 10, sequence => 1);
SELECT lot_format('YY-NN', '1999-12-31', sequence => 1);
SELECT lot_format('YY-NN', '2100-01-01', sequence => 1);
SELECT lot_format('YYYY-NN', '10000-01-01', sequence => 1);
SELECT lot_format('YYYY-NN', '0044-03-15 BC', sequence => 1);
SELECT lot_format('YYYY-NN', 'infinity', sequence => 1);
-- missing values, and values for fields the template does not have
SELECT lot_format('YYYY-FFF-NN', NULL, 'ATL', sequence => 1);
SELECT lot_format('YYYY-FFF-NN', '2024-01-01', sequence => 1);
SELECT lot_format('YYYY-FFF-NN', '2024-01-01', 'ATL');
SELECT lot_format('YYYY-NN', '2024-01-01', 'ATL', sequence => 1);
SELECT lot_format('YYYY-NN', '2024-01-01', shift => 1, sequence => 1);
SELECT lot_format('XX-NN', '2024-01-01', sequence => 1);
SELECT lot_format('YYYYY', '2024-01-01');

-- a template per row: each is compiled once per change, answers stay right
SELECT code, t, code @@ t AS conforms
  FROM (VALUES ('2024-01'::lot, 'YYYY-MM'), ('2024-01', 'YYYY-MM'), ('2024-13', 'YYYY-MM'),
               ('2024-13', 'YYYY-NN'), ('2024-13', 'YYYY-MM'), ('AB', 'FF')) v(code, t);
SELECT t, (SELECT count(*) FROM (VALUES ('1'::lot), ('A')) c(code) WHERE code @@ t) AS matches
  FROM (VALUES ('N'), ('F'), ('X')) v(t);
-- a bad template in a later row fails the statement
SELECT code @@ t FROM (VALUES ('1'::lot, 'N'), ('1', 'NN#')) v(code, t);
