--
-- gs1_parse and gs1_valid: the three input forms
--
SET search_path = lottrace, public;

--
-- Bracketed element strings
--
SELECT gs1_parse('(01)09506000134352(17)250100(10)ABC123');
SELECT gs1_parse('(01)09506000134352');
SELECT gs1_parse('(00)106141412345678908');
-- jsonb orders keys by length, then bytes: scan order is not kept
SELECT gs1_parse('(01)09506000134352(3103)001250(10)L1(21)S(17)250101');
-- a "(" inside a value is written "\(", and may end the value
SELECT gs1_parse('(01)09506000134352(10)AB\(C');
SELECT gs1_parse('(01)09506000134352(10)AB\(');
SELECT gs1_parse('(01)09506000134352(10)A)B(21)\(\(');
-- surrounding white space is trimmed (scanners add line ends)
SELECT gs1_parse(E'  (01)09506000134352(10)X\r\n');
-- the same AI twice with the same value counts once
SELECT gs1_parse('(01)09506000134352(17)250101(17)250101');

-- malformed
SELECT gs1_parse('');
SELECT gs1_parse(E' \t\r\n');
SELECT gs1_parse('(01)');
SELECT gs1_parse('(01)09506000134352(10)');
SELECT gs1_parse('(1)123');
SELECT gs1_parse('(12345)1');
SELECT gs1_parse('(01');
SELECT gs1_parse('()12');
SELECT gs1_parse('(0A)12');
SELECT gs1_parse('(23)1');
SELECT gs1_parse('(01)09506000134352(999)1');
-- a bare "(" in a value
SELECT gs1_parse('(01)09506000134352(10)AB(C');
SELECT gs1_parse('(01)09506000134352(10)LOT(1)');
-- white space inside is not trimmed
SELECT gs1_parse('(01) 09506000134352');
SELECT gs1_parse('(01)09506000134352 (10)X');
-- longer than any barcode can hold
SELECT gs1_parse('(01)09506000134352(99)' || repeat('X', 8200));
SELECT gs1_parse('(01)09506000134352' || repeat('(99)X', 128));
-- a group separator has no place in the bracketed form
SELECT gs1_parse(E'(01)09506000134352(10)AB\x1d');

--
-- Raw scanner data
--
-- predefined-length AIs (01, 17, ...) need no separator; (10) is last
SELECT gs1_parse('010950600013435217250100' || '10ABC123');
-- a variable-length AI that is not last ends with a group separator (GS)
SELECT gs1_parse(E'0109506000134352' || E'10ABC123\x1d' || '17250100');
SELECT gs1_parse(E'0109506000134352' || E'10ABC123\x1d' || '21S1');
-- symbology identifiers of the GS1 symbologies
SELECT gs1_parse(E']C10109506000134352' || '10ABC');
SELECT gs1_parse(E']e00109506000134352' || '10ABC');
SELECT gs1_parse(E']d20109506000134352' || '10ABC');
SELECT gs1_parse(E']Q30109506000134352' || '10ABC');
SELECT gs1_parse(E']J10109506000134352' || '10ABC');
-- FNC1 in first position sent as GS; a redundant GS after a predefined
-- length; one GS at the end
SELECT gs1_parse(E'\x1d0109506000134352' || '10ABC');
SELECT gs1_parse(E'0109506000134352\x1d' || '10ABC');
SELECT gs1_parse(E'0109506000134352' || E'10ABC\x1d');
SELECT gs1_parse(E']d2\x1d0109506000134352' || '10ABC');
-- "^" stands for FNC1, as in the GS1 Barcode Syntax Engine
SELECT gs1_parse('^0109506000134352' || '10ABC^21S1');
-- a lot literally named "10D9T" stays a lot
SELECT gs1_parse('0109506000134352' || '10' || '10D9T');
SELECT gs1_parse('(01)09506000134352(10)10D9T') = gs1_parse('0109506000134352' || '1010D9T') AS same;
-- digits in a lot are not mistaken for AIs that could not end the data
SELECT gs1_parse('0109506000134352' || '10' || 'LOT-2024');
SELECT gs1_parse('0109506000134352' || '10' || 'B1725010');
SELECT gs1_parse('0109506000134352' || '10' || '2021-05-A');
-- SSCC with count and content
SELECT gs1_parse(E']C1' || '00106141412345678908' || '0209506000134352' || E'3712\x1d' || '10LOT7');

-- malformed raw data
SELECT gs1_parse(E'\x1d');
SELECT gs1_parse(E'\x1d\x1d0109506000134352');
SELECT gs1_parse(E'0109506000134352' || E'10ABC\x1d\x1d21X');
SELECT gs1_parse(E'0109506000134352' || E'10ABC\x1d\x1d');
SELECT gs1_parse('^^0109506000134352');
SELECT gs1_parse('0109506000134352' || '1');
SELECT gs1_parse('0109506000134352' || '23');
SELECT gs1_parse('0109506000134352' || '236X');
SELECT gs1_parse('0109506000134352' || '14123');
SELECT gs1_parse('0109506000134352' || 'A1');
SELECT gs1_parse('010950600013');
SELECT gs1_parse(E'01095060001343\x1d' || '10A');
SELECT gs1_parse('0109506000134352' || '10ABCDEFGHIJKLMNOPQRSTU');
SELECT gs1_parse('0109506000134352' || '10AB#C');
SELECT gs1_parse('0109506000134352' || E'10AB\nC');
-- symbology identifiers: two scans run together, not GS1, incomplete
SELECT gs1_parse(E']C10109506000134352' || ']C117250100');
SELECT gs1_parse(E']C10109506000134352' || '10ABC' || ']C117250100');
SELECT gs1_parse(']C0123');
SELECT gs1_parse(']d1' || '0109506000134352');
SELECT gs1_parse(']E09506000134352');
SELECT gs1_parse(']X');
SELECT gs1_parse(']d2');

--
-- A variable-length value ends at a GS or at the end of the data, whatever
-- its characters look like (SPEC §2): such data follows the GS1 rules and
-- is never refused.  gs1_lint (test gs1_lint) is where it is questioned.
--
-- Lot 33650100138 ended by a GS, then (3102) and (15): the lot is not read
-- as lot "3" and a volume (3650) "100138"
SELECT gs1_parse(E'\x1d' || '0194019097685457' || E'1033650100138\x1d' || '3102002004' || '15131018');
SELECT gs1_parse('0194019097685457' || E'1033650100138\x1d' || '3102002004' || '15131018');
SELECT gs1_parse(E']C1' || '0194019097685457' || E'1033650100138\x1d' || '3102002004' || '15131018');
SELECT gs1_parse(E']d2\x1d' || '0194019097685457' || E'1033650100138\x1d' || '3102002004' || '15131018');
SELECT gs1_parse(E']Q3' || '0194019097685457' || E'1033650100138\x1d' || '3102002004' || '15131018');
SELECT gs1_parse('^0194019097685457' || '1033650100138^' || '3102002004' || '15131018');
SELECT gs1_parse('(01)94019097685457(10)33650100138(3102)002004(15)131018');
SELECT gs1_parse('https://id.gs1.org/01/94019097685457/10/33650100138?3102=002004&15=131018');
-- a lot whose end reads as an expiry, a GTIN, a measure; a serial whose end
-- reads as a measure: each is the value as the rules read it
SELECT gs1_parse('0109506000134352' || '10ABC123' || '17250100');
SELECT gs1_parse('0109506000134352' || '10ABC123' || '17250100' || '21XYZ');
SELECT gs1_parse('0109506000134352' || '10ABC123' || '0109506000134352');
SELECT gs1_parse('0109506000134352' || '21S12345' || '3103001250');
SELECT gs1_parse('0109506000134352' || '10ABC123' || E'17250100\x1d' || '21XYZ');
SELECT gs1_parse('0109506000134352' || '10ABC123' || '21XYZ');
-- the text "<GS>" is four CSET 82 characters of a lot
SELECT gs1_parse('0109506000134352' || '10ABC<GS>21XYZ');
-- a lot longer than 20 characters is too long, with a hint at a lost separator
SELECT gs1_parse('0109506000134352' || '10ABCDEFGHIJKLMNOP' || '17250100');
-- a fixed-length value with what follows is too long
SELECT gs1_parse('0109506000134352' || '70032501311200' || '10ABC');
-- ... and its digits are not taken for AIs: (7003)25 11250101
SELECT gs1_parse('0109506000134352' || E'70032511250101\x1d' || '10ABC');
-- in a numeric value, what follows shows as a non-digit
SELECT gs1_parse('00106141412345678908' || '0209506000134352' || '37' || '12' || '10LOT7');

--
-- GS1 Digital Link URIs
--
SELECT gs1_parse('https://id.gs1.org/01/09506000134352');
SELECT gs1_parse('https://id.gs1.org/01/09506000134352/10/ABC123/21/S1?17=250100');
SELECT gs1_parse('https://id.gs1.org/01/09506000134352/22/V1/10/ABC123');
SELECT gs1_parse('https://id.gs1.org/01/09506000134352/235/TPX1');
-- any host, a path of the resolver's own before the key, http, upper case
SELECT gs1_parse('http://example.com/shop/item/01/09506000134352/10/L1');
SELECT gs1_parse('HTTPS://EXAMPLE.COM/01/09506000134352');
-- short names
SELECT gs1_parse('https://id.gs1.org/gtin/09506000134352/lot/ABC/ser/1');
SELECT gs1_parse('https://id.gs1.org/sscc/106141412345678908');
SELECT gs1_parse('https://id.gs1.org/gln/0614141000005/glnx/A1');
-- percent-encoding, in the path and the query
SELECT gs1_parse('https://id.gs1.org/01/09506000134352/10/A%2FB%25%3F');
SELECT gs1_parse('https://id.gs1.org/01/09506000134352/10/a%2fb');
SELECT gs1_parse('https://id.gs1.org/01/09506000134352/10/%2B');
SELECT gs1_parse('https://id.gs1.org/01/09506000134352?99=A%26B');
-- GTIN-8, -12 and -13 are padded to 14 digits
SELECT gs1_parse('https://id.gs1.org/01/9506000134352');
SELECT gs1_parse('https://id.gs1.org/01/614141000012');
SELECT gs1_parse('https://id.gs1.org/01/95060002');
-- other query parameters, a fragment and a trailing slash are ignored
SELECT gs1_parse('https://id.gs1.org/01/09506000134352/?linkType=gs1:pip&17=250101#top');
SELECT gs1_parse('https://id.gs1.org/01/09506000134352?&&17=250101&flag');
-- attributes in the query string
SELECT gs1_parse('https://id.gs1.org/01/09506000134352/10/L1?3103=001250&15=250101&11=240101');
-- symbology identifiers of symbols that carry a URI
SELECT gs1_parse(']Q1https://id.gs1.org/01/09506000134352/10/L1');
SELECT gs1_parse(']d1https://id.gs1.org/01/09506000134352');

-- malformed URIs
SELECT gs1_parse('https://id.gs1.org/');
SELECT gs1_parse('https://id.gs1.org');
SELECT gs1_parse('https:///01/09506000134352');
SELECT gs1_parse('https://id.gs1.org/products/shoe');
SELECT gs1_parse('https://id.gs1.org/10/ABC');
SELECT gs1_parse('https://id.gs1.org/01/09506000134352/10');
SELECT gs1_parse('https://id.gs1.org/01//10/L1');
SELECT gs1_parse('https://id.gs1.org/01/09506000134352/10//21/S');
SELECT gs1_parse('https://id.gs1.org/01/09506000134353');
SELECT gs1_parse('https://id.gs1.org/01/0950600013435');
SELECT gs1_parse('https://id.gs1.org/01/09506000134352/10/ABCDEFGHIJKLMNOPQRSTU');
-- unknown short name; short names are not for the query string
SELECT gs1_parse('https://id.gs1.org/gtn/09506000134352');
SELECT gs1_parse('https://id.gs1.org/GTIN/09506000134352');
SELECT gs1_parse('https://id.gs1.org/01/09506000134352?lot=ABC');
-- key qualifiers: order, and which AIs qualify which key
SELECT gs1_parse('https://id.gs1.org/01/09506000134352/21/S/10/L');
SELECT gs1_parse('https://id.gs1.org/01/09506000134352/10/L/10/L');
SELECT gs1_parse('https://id.gs1.org/01/09506000134352/22/V/235/T');
SELECT gs1_parse('https://id.gs1.org/01/09506000134352/17/250101');
SELECT gs1_parse('https://id.gs1.org/00/106141412345678908/10/X');
SELECT gs1_parse('https://id.gs1.org/01/09506000134352?21=S');
SELECT gs1_parse('https://id.gs1.org/01/09506000134352/10/L?22=V');
-- query AIs: unknown, not a Digital Link attribute, empty
SELECT gs1_parse('https://id.gs1.org/01/09506000134352?999=X');
SELECT gs1_parse('https://id.gs1.org/01/09506000134352?8200=X');
SELECT gs1_parse('https://id.gs1.org/01/09506000134352?17=');
-- each AI once: not repeated in the query, nor the path's AIs repeated
-- there, even with the same value (GS1 Barcode Syntax Engine test cases)
SELECT gs1_parse('https://id.gs1.org/01/09506000134352?17=250101&17=250102');
SELECT gs1_parse('https://id.gs1.org/01/09506000134352?17=250101&17=250101');
SELECT gs1_parse('https://id.gs1.org/01/09506000134352/10/A?10=B');
SELECT gs1_parse('https://id.gs1.org/01/09520123456788/10/ABC123?99=XYZ789&10=ABC123');
SELECT gs1_parse('https://id.gs1.org/01/09520123456788/10/ABC123?99=XYZ789&01=09520123456788');
SELECT gs1_parse('https://id.gs1.org/01/09520123456788/10/ABC123?99=XYZ789&99=XYZ789');
SELECT gs1_valid('https://id.gs1.org/01/09520123456788/10/ABC123?99=XYZ789&10=ABC123');
-- an unknown AI in the query is quoted in the error cut to 60 characters
SELECT gs1_parse('https://id.gs1.org/01/09506000134352?' || repeat('1', 8000) || '=X');
-- percent-encoding: malformed, truncated, NUL, not ASCII, "+" is a space
-- in the query
SELECT gs1_parse('https://id.gs1.org/01/09506000134352/10/A%zz');
SELECT gs1_parse('https://id.gs1.org/01/09506000134352/10/A%4');
SELECT gs1_parse('https://id.gs1.org/01/09506000134352/10/A%00');
SELECT gs1_parse('https://id.gs1.org/01/09506000134352/10/A%C3%A9');
SELECT gs1_parse('https://id.gs1.org/01/09506000134352/10/A%20B');
SELECT gs1_parse('https://id.gs1.org/01/09506000134352?4300=A+B');
-- characters a URI cannot hold
SELECT gs1_parse('https://id.gs1.org/01/09506000134352/10/A B');
SELECT gs1_parse('https://id.gs1.org/01/09506000134352/10/A"B');
SELECT gs1_parse('https://id.gs1.org/01/09506000134352/10/Lé');
SELECT gs1_parse('https://id_gs1.org/01/09506000134352');
-- a lot without a GTIN is no more valid in a URI
SELECT gs1_parse('https://id.gs1.org/414/0614141000005?10=X');

--
-- gs1_valid never raises, and agrees with gs1_parse
--
SELECT left(input, 50) AS input, gs1_valid(input)
  FROM (VALUES ('(01)09506000134352(10)ABC'),
               ('(01)09506000134353(10)ABC'),
               ('(10)ABC'),
               (''),
               (E'\x1d\x1d'),
               ('0109506000134352' || '10ABC123' || '17250100'),
               (E'\x1d0194019097685457' || E'1033650100138\x1d' || '3102002004' || '15131018'),
               (E']C1010950600013435217250100\x1d'),
               ('https://id.gs1.org/01/09506000134352/10/A%zz'),
               ('https://id.gs1.org/gtin/09506000134352/lot/A'),
               ('ééé'),
               (repeat('(99)X', 200)),
               (repeat('9', 10000))) v(input);
SELECT gs1_valid(NULL) IS NULL AS strict;
