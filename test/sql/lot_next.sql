--
-- lot_next: numbering from a template's sequence
--
SET search_path = lottrace, public;

-- numbering per production date, facility, line, shift and variant
SELECT lot_next('YYMMDD-FFF-NNN', '2024-03-05', 'ATL') AS first,
       lot_next('YYMMDD-FFF-NNN', '2024-03-05', 'ATL') AS second,
       lot_next('YYMMDD-FFF-NNN', '2024-03-05', 'BOS') AS other_facility,
       lot_next('YYMMDD-FFF-NNN', '2024-03-06', 'ATL') AS other_day;
-- backdated production gets its own date's codes, not today's
SELECT lot_next('YYMMDD-FFF-NNN', '2024-03-05', 'ATL') AS backdated_third;
-- a template with only a year counts per year; one without a date, forever
SELECT lot_next('YYYY-NNNNN', '2024-01-01') AS jan, lot_next('YYYY-NNNNN', '2024-12-31') AS dec,
       lot_next('YYYY-NNNNN', '2025-06-30') AS next_year;
SELECT lot_next('"P"-NNN', '2024-01-01') AS a, lot_next('"P"-NNN', '2031-01-01') AS b, lot_next('"P"-NNN') AS c;
-- line, shift, variant and check characters
SELECT lot_next('YYJJJ-LL-S-VV-NNNCK', '2024-02-29', line => 'L1', shift => 2, variant => 'Q9');
SELECT lot_next('YYJJJ-LL-S-VV-NNNCK', '2024-02-29', line => 'L1', shift => 2, variant => 'Q9');
SELECT lot_next('YYJJJ-LL-S-VV-NNNCK', '2024-02-29', line => 'L1', shift => 3, variant => 'Q9');
-- the default production date is today
SELECT lot_next('YYYYMMDD-N') = lot_format('YYYYMMDD-N', current_date, sequence => 1) AS today;
DELETE FROM lot_sequences WHERE template = 'YYYYMMDD-N';

-- the counters, by scope
SELECT template, scope, last_value FROM lot_sequences ORDER BY template, scope;

-- a rolled-back number is handed out again (no gaps)
BEGIN;
SELECT lot_next('NN-"R"');
SAVEPOINT s;
SELECT lot_next('NN-"R"');
ROLLBACK TO SAVEPOINT s;
SELECT lot_next('NN-"R"');
COMMIT;

-- exhausted sequence: 2200H, and the counter is not advanced
SELECT lot_next('N-"E"') FROM generate_series(1, 9);
SELECT lot_next('N-"E"');
SELECT last_value FROM lot_sequences WHERE template = 'N-"E"';

-- bad arguments are rejected before the counter is touched
SELECT lot_next(NULL);
SELECT lot_next('YYYY-FFF');
SELECT lot_next('YYYY-FFF-NNN', '2024-01-01');
SELECT lot_next('YYYY-FFF-NNN', '2024-01-01', 'ATLX');
SELECT lot_next('YYYY-FFF-NNN', NULL, 'ATL');
SELECT lot_next('YYYY-NNN', '2024-01-01', shift => 1);
SELECT lot_next('XX-NNN');
SELECT lot_next('YYYY-NN#');
SELECT count(*) AS counters_for_bad_calls FROM lot_sequences WHERE template LIKE 'YYYY-FFF%' OR template LIKE 'XX%';

-- callers need the right to advance the counters
CREATE ROLE lot_next_reader;
GRANT USAGE ON SCHEMA lottrace TO lot_next_reader;
SET ROLE lot_next_reader;
SELECT lot_format('NNN', NULL, sequence => 1) AS formatting_needs_no_table;
SELECT lot_next('NNN');
RESET ROLE;
GRANT SELECT, INSERT, UPDATE ON lot_sequences TO lot_next_reader;
SET ROLE lot_next_reader;
SELECT lot_next('NNN');
RESET ROLE;
REVOKE ALL ON lot_sequences FROM lot_next_reader;
REVOKE ALL ON SCHEMA lottrace FROM lot_next_reader;
DROP ROLE lot_next_reader;

-- a hostile search_path cannot change what lot_next does
CREATE SCHEMA lot_next_evil;
CREATE FUNCTION lot_next_evil.evil_plus(bigint, integer) RETURNS bigint
  LANGUAGE sql AS 'SELECT 1000::bigint';
CREATE OPERATOR lot_next_evil.+ (LEFTARG = bigint, RIGHTARG = integer, FUNCTION = lot_next_evil.evil_plus);
SET search_path = lot_next_evil, pg_catalog, lottrace, public;
SELECT 1::bigint + 1 AS evil_plus_is_active;
SELECT lottrace.lot_next('"H"NNNN'), lottrace.lot_next('"H"NNNN');
SET search_path = lottrace, public;
DROP SCHEMA lot_next_evil CASCADE;

DELETE FROM lot_sequences;
