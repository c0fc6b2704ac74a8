-- lottrace demo: Sunrise Bakery.  Run by `make demo` in a throwaway cluster.
\set ECHO queries
\pset footer off

CREATE EXTENSION lottrace;
SET search_path = lottrace, public;

\echo
\echo '=== 1. Supplier lots arrive: scanned codes become validated lot values'
\echo '    (white space from the scanner is trimmed; anything outside GS1 CSET 82 is refused)'
CREATE TABLE receipts (supplier text, item text, code lot, received date);
INSERT INTO receipts VALUES
	('Millers & Co', 'flour T55',  E'  FL-2024-0311-A\r\n', '2024-03-12'),
	('Millers & Co', 'flour T55',  'FL-2024-0309-B',        '2024-03-10'),
	('SaltWorks',    'sea salt',   '24069/17',              '2024-03-09'),
	('Dairy Vale',   'butter',     'DV240305L2-117',        '2024-03-06'),
	('Dairy Vale',   'butter',     'DV240305L2-9',          '2024-03-06'),
	('Sugar Ltd',    'cane sugar', 'SL.3011',               '2024-03-01'),
	('SaltWorks',    'sea salt',   'SW-2024-069-BATCH-0017', '2024-03-09');
SELECT supplier, item, code, length(code) AS chars FROM receipts ORDER BY supplier, code;

\echo
\echo '--- a scan with a GS control character in it, and a typo, are refused with the position:'
INSERT INTO receipts VALUES ('Dairy Vale', 'butter', E'DV2403\x1d05L2-118', '2024-03-06');
INSERT INTO receipts VALUES ('Sugar Ltd', 'cane sugar', 'SL#3012', '2024-03-06');

\echo
\echo '=== 2. Natural order: DV240305L2-9 sorts before DV240305L2-117'
SELECT code FROM receipts WHERE item = 'butter' ORDER BY code;

\echo
\echo '=== 3. The bakery numbers its own batches from a template'
\echo '    YYMMDD = production date, FF = oven, S = shift, NNN = batch of the day, C = check digit'
CREATE TABLE batches (code lot PRIMARY KEY, product text, produced date);
INSERT INTO batches
SELECT lot_next('YYMMDD-FF-S-NNNC', d, oven, shift => s), product, d
  FROM (VALUES ('2024-03-12'::date, 'O1', 1, 'baguette'),
			   ('2024-03-12', 'O1', 1, 'baguette'),
			   ('2024-03-12', 'O2', 1, 'croissant'),
			   ('2024-03-12', 'O1', 2, 'baguette'),
			   ('2024-03-11', 'O1', 1, 'pain de mie')) AS p(d, oven, s, product);
SELECT code, product, produced FROM batches ORDER BY code;
\echo '--- backdated production (entered a day late) gets its own date''s next number:'
SELECT lot_next('YYMMDD-FF-S-NNNC', '2024-03-11', 'O1', shift => 1) AS late_entry;
SELECT template, scope, last_value FROM lot_sequences ORDER BY scope;

\echo
\echo '=== 4. Reading a code back: lot_parse'
SELECT b.code, p.* FROM batches b, lot_parse(b.code, 'YYMMDD-FF-S-NNNC') p ORDER BY b.code;

\echo
\echo '=== 5. Checking codes against their template: @@ never raises'
SELECT code, code @@ 'YYMMDD-FF-S-NNNC' AS conforms
  FROM unnest('{240312-O1-1-0015,240312-O1-1-0012,240230-O1-1-0015,240312-O1-X-0011}'::lot[]) AS code;
\echo '--- and lot_parse says why a code does not conform:'
SELECT * FROM lot_parse('240312-O1-1-0012', 'YYMMDD-FF-S-NNNC');
SELECT * FROM lot_parse('240230-O1-1-0015', 'YYMMDD-FF-S-NNNC');

\echo
\echo '=== 6. Which supplier codes fit the GS1 AI (10) limit of 20 characters?'
SELECT code, lot_is_gs1(code) AS fits_gs1 FROM receipts ORDER BY code;
