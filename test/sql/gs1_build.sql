--
-- GTINs, element strings, Digital Link URIs and EPC class URIs
--
SET search_path = lottrace, public;

--
-- gtin_valid and gtin_normalize
--
SELECT gtin, gtin_valid(gtin)
  FROM (VALUES ('09506000134352'), ('9506000134352'), ('614141000012'), ('95060002'),
               ('00000095060002'), (E'\t9506000134352 '),
               ('09506000134353'), ('9506000134351'), ('95060003'),
               ('950600013435'), ('0950600013435200'), ('1'), (''),
               ('950600013435A'), ('9506 000134352'), ('+9506000134352'), ('９５０６０００１３４３５２')) v(gtin);
SELECT gtin_normalize('09506000134352'), gtin_normalize('9506000134352'),
       gtin_normalize('614141000012'), gtin_normalize('95060002'),
       gtin_normalize(E'\t9506000134352 ');
SELECT gtin_normalize('9506000134353');
SELECT gtin_normalize('950600013435');
SELECT gtin_normalize('');
SELECT gtin_normalize('95060001343A2');
SELECT gtin_normalize('9506 000134352');
SELECT gtin_valid(NULL) IS NULL AND gtin_normalize(NULL) IS NULL AS strict;

--
-- gs1_element_string: (01)(17)(10)(21), fixed lengths first
--
SELECT gs1_element_string('09506000134352');
SELECT gs1_element_string('9506000134352', 'ABC123');
SELECT gs1_element_string('9506000134352', 'ABC123', '2025-12-31');
SELECT gs1_element_string('9506000134352', 'ABC123', '2025-12-31', 'S1');
SELECT gs1_element_string('9506000134352', serial => 'S1');
SELECT gs1_element_string('95060002', expiry => '2026-02-28');
-- "(" in a value is escaped so that it reads back
SELECT gs1_element_string('9506000134352', 'L(1)', NULL, '((');
SELECT gs1_element_string(NULL, 'ABC') IS NULL AS null_gtin;
-- values that AI (10), AI (21) or a GS1 date cannot carry
SELECT gs1_element_string('9506000134352', repeat('L', 21)::lot);
SELECT gs1_element_string('9506000134352', NULL, NULL, 'S 1');
SELECT gs1_element_string('9506000134352', NULL, NULL, '');
SELECT gs1_element_string('9506000134352', NULL, NULL, repeat('9', 21));
SELECT gs1_element_string('9506000134353', 'ABC');
SELECT gs1_element_string('9506000134352', 'ABC', 'infinity');
SELECT gs1_element_string('9506000134352', 'ABC', '2099-12-31');
SELECT gs1_element_string('9506000134352', 'ABC', '1950-01-01');

--
-- gs1_digital_link: {base}/01/{gtin}/10/{lot}/21/{serial}?17={expiry}
--
SELECT gs1_digital_link('9506000134352');
SELECT gs1_digital_link('9506000134352', 'ABC123', 'S1', '2025-12-31');
SELECT gs1_digital_link('9506000134352', serial => 'S1');
SELECT gs1_digital_link('9506000134352', expiry => '2025-12-31');
-- everything but letters, digits and -._~ is percent-encoded
SELECT gs1_digital_link('9506000134352', $$!"%&'()*+,-./:;<=>?_$$, 'A-B_C.D');
-- another resolver, with a path; trailing slashes are dropped
SELECT gs1_digital_link('9506000134352', 'L1', base => 'https://example.com/dl/');
SELECT gs1_digital_link('9506000134352', 'L1', base => 'HTTP://example.com:8080');
SELECT gs1_digital_link('9506000134352', base => NULL) IS NULL AS null_base;
SELECT gs1_digital_link('9506000134352', base => 'ftp://example.com');
SELECT gs1_digital_link('9506000134352', base => 'https://');
SELECT gs1_digital_link('9506000134352', base => 'https:///path');
SELECT gs1_digital_link('9506000134352', base => 'https://example.com/?q=1');
SELECT gs1_digital_link('9506000134352', base => 'https://exa mple.com');
-- the base is quoted in the error cut to 60 characters
SELECT gs1_digital_link('9506000134352', base => repeat('A', 1000000));
SELECT gs1_digital_link('9506000134352', base => 'https://x' || repeat('é', 100) || '?');
SELECT gs1_digital_link('9506000134352', repeat('L', 21)::lot);
SELECT gs1_digital_link('9506000134352', NULL, 'S#1');
SELECT gs1_digital_link('123');

--
-- lgtin_urn and lgtin_parse: EPC class URIs
--
SELECT lgtin_urn('00614141777778', '987', 7);
SELECT lgtin_urn('614141777778', '987', 7);
SELECT lgtin_urn('09506000134352', 'ABC123', 7);
SELECT lgtin_urn('09506000134352', 'ABC123', 6), lgtin_urn('09506000134352', 'ABC123', 12);
-- "%&/<>? and the double quote are escaped, the rest of CSET 82 is kept
SELECT lgtin_urn('00614141777778', $$!"%&'()*+,-./:;<=>?_$$, 7);
SELECT lgtin_urn('00614141777778', '987', 5);
SELECT lgtin_urn('00614141777778', '987', 13);
SELECT lgtin_urn('00614141777779', '987', 7);
SELECT lgtin_urn('00614141777778', repeat('L', 21)::lot, 7);

SELECT * FROM lgtin_parse('urn:epc:class:lgtin:0614141.077777.987');
SELECT * FROM lgtin_parse('urn:epc:class:lgtin:950600.0013435.ABC123');
SELECT * FROM lgtin_parse('URN:EPC:CLASS:LGTIN:0614141.077777.A%2FB%22%25%26%3C%3E%3F');
SELECT * FROM lgtin_parse(E' urn:epc:class:lgtin:0614141.077777.987\n');
-- malformed
SELECT * FROM lgtin_parse('urn:epc:id:sgtin:0614141.077777.987');
SELECT * FROM lgtin_parse('urn:epc:class:lgtin:0614141077777987');
SELECT * FROM lgtin_parse('urn:epc:class:lgtin:0614141.077777');
SELECT * FROM lgtin_parse('urn:epc:class:lgtin:0614141.077777.');
SELECT * FROM lgtin_parse('urn:epc:class:lgtin:06141.0777777.987');
SELECT * FROM lgtin_parse('urn:epc:class:lgtin:0614141.07777.987');
SELECT * FROM lgtin_parse('urn:epc:class:lgtin:0614141.0777A7.987');
SELECT * FROM lgtin_parse('urn:epc:class:lgtin:0614141.077777.A/B');
SELECT * FROM lgtin_parse('urn:epc:class:lgtin:0614141.077777.A%2');
SELECT * FROM lgtin_parse('urn:epc:class:lgtin:0614141.077777.A%41');
SELECT * FROM lgtin_parse('urn:epc:class:lgtin:0614141.077777.A B');
SELECT * FROM lgtin_parse('urn:epc:class:lgtin:0614141.077777.' || repeat('L', 21));
-- the URN is quoted in the error cut to 60 characters
SELECT * FROM lgtin_parse(repeat('A', 1000000));
SELECT * FROM lgtin_parse('urn:epc:class:lgtin:0614141.077777.' || repeat('L', 1000000));
-- round trips, for every company prefix length
SELECT n, urn, (lgtin_parse(urn)).gtin = '09506000134352' AS gtin_ok, (lgtin_parse(urn)).lot
  FROM generate_series(6, 12) n,
       LATERAL lgtin_urn('9506000134352', 'L/1?', n) urn;
