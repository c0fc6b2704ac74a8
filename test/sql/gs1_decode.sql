--
-- gs1_decode: typed fields, dates and round trips
--
SET search_path = lottrace, public;

-- every typed field, from each input form
SELECT (d).gtin, (d).lot, (d).serial, (d).expiry, (d).best_before, (d).sell_by,
       (d).production_date, (d).pack_date, (d).sscc, (d).count, (d).net_weight_kg
  FROM (VALUES
	('(01)09506000134352(17)251231(15)251130(16)251031(11)250101(13)250102(3103)001250(30)12(10)LOT-1(21)S1'),
	('0109506000134352' || '17251231' || '15251130' || '16251031' || '11250101' || '13250102' || '3103001250' || E'3012\x1d' || E'10LOT-1\x1d' || '21S1'),
	('https://id.gs1.org/01/09506000134352/10/LOT-1/21/S1?17=251231&15=251130&16=251031&11=250101&13=250102&3103=001250&30=12')
  ) v(data), LATERAL (SELECT gs1_decode(data, date '2025-06-01') AS d) x;
SELECT (gs1_decode('(01)09506000134352(10)ABC123', date '2025-06-01')).ais;

-- a lot whose digits look like AIs, ended by a GS: lot 33650100138, a net
-- weight (3102) of 0020.04 kg, best before 18 October 2013; raw with and
-- without symbology identifier and FNC1 in first position, bracketed
SELECT gtin, lot, net_weight_kg, best_before, ais
  FROM (VALUES
	(E'\x1d' || '0194019097685457' || E'1033650100138\x1d' || '3102002004' || '15131018'),
	(E']C1' || '0194019097685457' || E'1033650100138\x1d' || '3102002004' || '15131018'),
	(E']d2\x1d' || '0194019097685457' || E'1033650100138\x1d' || '3102002004' || '15131018'),
	('(01)94019097685457(10)33650100138(3102)002004(15)131018')
  ) v(data), LATERAL gs1_decode(data, date '2025-06-01');

-- a logistic unit: the GTIN of its content (02), the SSCC, the count (37)
SELECT gtin, lot, sscc, count
  FROM gs1_decode('(00)106141412345678908(02)09506000134352(37)40(10)LOT7', date '2025-06-01');
-- a made-to-order GTIN (03); fields the data lacks are NULL
SELECT gtin, lot, serial, expiry, sscc, count, net_weight_kg
  FROM gs1_decode('(03)09506000134352(21)S9', date '2025-06-01');

-- a lot is a lottrace.lot
SELECT pg_typeof(lot), lot = 'lot-1'::lot AS case_kept, lot_is_gs1(lot)
  FROM gs1_decode('(01)09506000134352(10)LOT-1', date '2025-06-01');

-- net weight: the last digit of AI 310n places the decimal point
SELECT ai, (gs1_decode('(01)09506000134352(' || ai || ')001250', date '2025-06-01')).net_weight_kg
  FROM unnest(ARRAY['3100', '3101', '3102', '3103', '3104', '3105']) ai;
-- other measures stay in ais only
SELECT net_weight_kg, ais FROM gs1_decode('(01)09506000134352(3203)001250', date '2025-06-01');
-- counts
SELECT count, pg_typeof(count) FROM gs1_decode('(01)09506000134352(30)99999999', date '2025-06-01');

--
-- Dates
--
-- day 00 is the last day of the month
SELECT input, expiry
  FROM (VALUES ('250100'), ('250200'), ('240200'), ('250400'), ('251200')) v(input),
       LATERAL gs1_decode('(01)09506000134352(17)' || input, date '2025-06-01');
-- the century: within 49 years before and 50 after the reference year
SELECT reference, input, expiry
  FROM (VALUES (date '2025-06-01'), (date '2060-01-01'), (date '1990-12-31')) r(reference),
       (VALUES ('750101'), ('760101'), ('000101'), ('100101'), ('110101'), ('990101')) v(input),
       LATERAL gs1_decode('(01)09506000134352(17)' || input, reference)
 ORDER BY reference, input;
-- 29 February: 2000 is a leap year, 2100 is not
SELECT expiry FROM gs1_decode('(01)09506000134352(17)000229', date '2025-06-01');
SELECT expiry FROM gs1_decode('(01)09506000134352(17)000200', date '2080-06-01');
SELECT expiry FROM gs1_decode('(01)09506000134352(17)000229', date '2080-06-01');
-- GS1 dates are dates, whatever the session time zone
SET timezone = 'Pacific/Kiritimati';
SELECT expiry FROM gs1_decode('(01)09506000134352(17)251231', date '2025-06-01');
RESET timezone;
-- without a reference date, the current date's year is the reference
SELECT expiry = date '2025-01-31' AS today_reference
  FROM gs1_decode('(01)09506000134352(17)250100');
SELECT gs1_decode('(01)09506000134352(17)250100') = gs1_decode('(01)09506000134352(17)250100', current_date)
    AS same;

-- errors are those of gs1_parse
SELECT gs1_decode('(01)09506000134353', date '2025-06-01');
SELECT gs1_decode('(10)ABC', date '2025-06-01');
SELECT gs1_decode('(253)1234567890128(8030)ABC123', date '2025-06-01');
SELECT gs1_decode('(01)09506000134352', 'infinity');
SELECT gs1_decode(NULL, date '2025-06-01') IS NULL AS strict, gs1_decode('(01)09506000134352', NULL) IS NULL AS strict;

--
-- Round trips
--
-- element string -> decode -> the same fields
SELECT s, d.gtin = gtin_normalize(v.gtin) AS gtin_ok,
       d.lot IS NOT DISTINCT FROM v.lot AS lot_ok,
       d.expiry IS NOT DISTINCT FROM v.expiry AS expiry_ok,
       d.serial IS NOT DISTINCT FROM v.serial AS serial_ok
  FROM (VALUES ('09506000134352', 'ABC123'::lot, date '2025-12-31', 'S1'),
               ('9506000134352', 'L(1)', date '2028-02-29', NULL),
               ('614141000012', NULL, NULL, 'A(B'),
               ('95060002', $$!"%&'()*+,-./:;<=>?_$$, date '2030-01-01', $$!"%&'()*+,-./:;<=>?_$$),
               ('09506000134352', '10D9T', NULL, '17250100')) v(gtin, lot, expiry, serial),
       LATERAL gs1_element_string(v.gtin, v.lot, v.expiry, v.serial) s,
       LATERAL gs1_decode(s) d;
-- Digital Link -> decode -> element string -> decode: the same fields (day
-- 00 is written as the day it stands for)
SELECT uri, e AS element_string,
       (e2.gtin, e2.lot, e2.expiry, e2.serial) IS NOT DISTINCT FROM (d.gtin, d.lot, d.expiry, d.serial) AS same
  FROM (VALUES ('https://id.gs1.org/01/09506000134352/10/ABC123/21/S1?17=251231'),
               ('https://example.com/x/gtin/9506000134352/lot/A%28B'),
               ('https://id.gs1.org/01/09506000134352/10/A%2FB%3F?17=250100')) v(uri),
       LATERAL gs1_decode(uri) d,
       LATERAL gs1_element_string(d.gtin, d.lot, d.expiry, d.serial) e,
       LATERAL gs1_decode(e) e2;
-- and back: fields -> Digital Link -> decode -> the same fields
SELECT link, d.gtin, d.lot, d.serial, d.expiry
  FROM (VALUES ('09506000134352', 'A/B?C'::lot, 'S%1', date '2025-12-31'),
               ('9506000134352', $$!"%&'()*+,-./:;<=>?_$$::lot, '+', NULL)) v(gtin, lot, serial, expiry),
       LATERAL (SELECT gs1_digital_link(v.gtin, v.lot, v.serial, v.expiry) AS link) l,
       LATERAL gs1_decode(link) d;

--
-- Labels: what the planner may assume
--
SELECT oid::regprocedure AS function, provolatile, proisstrict, proparallel
  FROM pg_proc
 WHERE pronamespace = 'lottrace'::regnamespace
   AND (proname LIKE 'gs1%' OR proname LIKE 'gtin%' OR proname LIKE 'lgtin%')
 ORDER BY oid::regprocedure::text;
