# Randomized input fuzzing of the GS1 parsers and builders.
#
# Valid GS1 data is generated in all three forms (bracketed, raw scanner
# data, Digital Link URIs), then often mutated: characters dropped, doubled,
# swapped or replaced, group separators lost or doubled, scans cut short;
# random byte strings are added.  Every input goes through gs1_parse,
# gs1_valid, gs1_decode and gs1_lint.  Every call must end in a value or a
# clean 22P02; gs1_valid must agree with gs1_parse, and gs1_decode and
# gs1_lint succeed exactly when it does; unmutated inputs must parse to
# exactly the AIs they were built from, whatever their values look like (a
# lot ending in digits that read as AIs included), and the bracketed and
# Digital Link ones give gs1_lint nothing to report; what decodes must
# survive the round trips through gs1_element_string, gs1_digital_link and
# lgtin_urn; and the server must never restart.  The seed is printed so that a failure can be replayed
# with LOTTRACE_FUZZ_SEED=….  LOTTRACE_FUZZ_ITERATIONS is the number of
# inputs of each form (half in a UTF8 database, half in SQL_ASCII); make fuzz
# sets 100000.
use strict;
use warnings;

use Test::More;

use FindBin;
use lib "$FindBin::RealBin/../perl";
use LottraceFuzz;

my ($node, $iterations) = fuzz_start('gs1fuzz', 1000, utf8db => 'UTF8', rawdb => 'SQL_ASCII');
my $per_database = int(($iterations + 1) / 2);
# calls are made in batches: each is a subtransaction, and one transaction
# of a hundred thousand of them would mostly measure the subtransaction cache
my $batch = 5000;

my @noise = ("\x1d", "\x1d", '^', '(', ')', '\\', '%', '/', '?', '&', '=', ']', ' ', "\r\n", '#', '~',
	'0', '1', '7', "\x{e9}", "\x{20ac}", "\x{1f600}");
my $GS = "\x1d";

sub gtin14 { my $body = digits(13); return $body . check_digit($body); }

# YYMMDD within the century window of any year this test may run in
sub date6
{
	my $month = 1 + int(rand(12));
	my $days = (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)[ $month - 1 ];
	my $day = rand() < 0.1 ? 0 : 1 + int(rand($days));
	return sprintf('%02d%02d%02d', 20 + int(rand(30)), $month, $day);
}

# Lots look like real lot codes now and then: digits, dates, "10D9T"
sub text_value
{
	my ($max) = @_;
	my $r = rand();
	return pick('10D9T', '2024-ATL-3-0042', 'L' . date6(), digits(1 + int(rand(8))), '(1)', 'A/B?C%D')
	  if $r < 0.3;
	my $len = 1 + int(rand($max));
	return join '', map { pick(@cset82) } 1 .. $len;
}

# A valid message: a GTIN, usually with lot, serial, dates and other AIs.
# Each element is [AI, value, predefined length?].
sub random_elements
{
	my @el = ([ '01', gtin14(), 1 ]);
	push @el, [ '10', text_value(20), 0 ] if rand() < 0.7;
	push @el, [ '21', text_value(20), 0 ] if rand() < 0.4;
	push @el, [ '17', date6(), 1 ] if rand() < 0.6;
	push @el, [ pick('11', '13', '15', '16'), date6(), 1 ] if rand() < 0.3;
	push @el, [ '310' . int(rand(6)), digits(6), 1 ] if rand() < 0.2;
	push @el, [ '30', (1 + int(rand(9))) . digits(int(rand(7))), 0 ] if rand() < 0.2;
	push @el, [ '400', text_value(30), 0 ] if rand() < 0.1;
	push @el, [ '99', text_value(90), 0 ] if rand() < 0.1;
	push @el, [ '7003', date6() =~ s/00$/01/r . sprintf('%02d%02d', int(rand(24)), int(rand(60))), 0 ]
	  if rand() < 0.1;
	# scan order is the encoder's choice
	my @rest = @el[ 1 .. $#el ];
	for (my $i = $#rest; $i > 0; $i--)
	{
		my $j = int(rand($i + 1));
		@rest[ $i, $j ] = @rest[ $j, $i ];
	}
	return ($el[0], @rest);
}

sub bracketed
{
	return join '', map { my $v = $_->[1]; $v =~ s/\(/\\(/g; "($_->[0])$v" } @_;
}

sub raw
{
	my @el = @_;
	my $s = pick('', '', ']C1', ']d2', ']Q3', ']e0', ']J1', $GS);
	for my $i (0 .. $#el)
	{
		$s .= $el[$i][0] . $el[$i][1];
		$s .= $GS if !$el[$i][2] && $i < $#el;
	}
	return $s;
}

sub digital_link
{
	my @el = @_;
	my %by = map { $_->[0] => $_->[1] } @el;
	my $s = pick('https://id.gs1.org', 'http://example.com/dl', 'HTTPS://resolver.example');
	$s .= '/' . pick('01', 'gtin') . "/$by{'01'}";
	$s .= '/' . pick('10', 'lot') . '/' . pct($by{'10'}) if defined $by{'10'};
	$s .= '/' . pick('21', 'ser') . '/' . pct($by{'21'}) if defined $by{'21'};
	my @query = map { "$_->[0]=" . pct($_->[1]) } grep { $_->[0] !~ /^(01|10|21)$/ } @el;
	push @query, 'linkType=all' if rand() < 0.2;
	$s .= '?' . join('&', @query) if @query;
	return $s;
}

sub json_of
{
	my @el = @_;
	return '{' . join(', ', map { my $v = $_->[1]; $v =~ s/(["\\])/\\$1/g; "\"$_->[0]\": \"$v\"" } @el) . '}';
}

sub mutate
{
	my ($s) = @_;
	for (1 .. 1 + int(rand(3)))
	{
		my $len = length($s);
		my $pos = int(rand($len + 1));
		my $r = rand();
		if ($r < 0.25 && $len > 0) { substr($s, $pos, 1) = '' if $pos < $len; }
		elsif ($r < 0.5) { substr($s, $pos, 0) = pick(@noise, @cset82); }
		elsif ($r < 0.65 && $pos < $len) { substr($s, $pos, 1) = pick(@noise, @cset82); }
		elsif ($r < 0.75 && $pos + 1 < $len)
		{
			substr($s, $pos, 2) = reverse substr($s, $pos, 2);
		}
		elsif ($r < 0.85) { $s =~ s/\x1d//; }
		elsif ($r < 0.9) { $s =~ s/\x1d/\x1d\x1d/; }
		else { $s = substr($s, 0, $pos); }
	}
	return $s;
}

sub random_bytes
{
	my $len = int(rand(60));
	return join '', map { chr(1 + int(rand(255))) } 1 .. $len;
}

my $setup = <<'SQL';
CREATE EXTENSION lottrace;
CREATE TABLE inputs (id serial, form text, input text, expected jsonb);
CREATE TABLE outcomes (id int, what text, sqlstate text, message text, result text);
CREATE FUNCTION try(id int, what text, query text, input text)
RETURNS void LANGUAGE plpgsql AS $$
DECLARE
	r text;
BEGIN
	BEGIN
		EXECUTE query INTO r USING input;
		INSERT INTO outcomes VALUES (id, what, NULL, NULL, r);
	EXCEPTION WHEN OTHERS THEN
		INSERT INTO outcomes VALUES (id, what, SQLSTATE, SQLERRM, NULL);
	END;
END $$;
SQL

for my $db ('utf8db', 'rawdb')
{
	my $utf8 = $db eq 'utf8db';
	my $encoding = $utf8 ? 'UTF8' : 'SQL_ASCII';
	$node->safe_psql($db, $setup);

	my @rows;
	for my $i (1 .. 3 * $per_database)
	{
		my @el = random_elements();
		my $form = ('bracketed', 'raw', 'link')[ $i % 3 ];
		my $input = $form eq 'bracketed' ? bracketed(@el) : $form eq 'raw' ? raw(@el) : digital_link(@el);
		my $expected = 'NULL';
		if (rand() < 0.45)
		{
			$input = mutate($input);
		}
		else
		{
			$expected = "'" . (json_of(@el) =~ s/'/''/gr) . "'";
		}
		my @inputs = ([ $form, $input, $expected ]);
		# and now and then bytes that are no form at all
		push @inputs, [ 'bytes', random_bytes(), 'NULL' ] if !$utf8 && rand() < 0.15;
		for (@inputs)
		{
			my ($form, $input, $expected) = @$_;
			# SQL_ASCII takes any byte; keep UTF-8 input valid in UTF8
			$input =~ s/[^\x00-\xff]/?/g unless $utf8;
			$input =~ s/\x00//g;
			push @rows, sprintf("('%s', convert_from('\\x%s'::bytea, '%s'), %s)",
				$form, hex_of($input, $utf8), $encoding, $expected);
		}
	}
	my $count = @rows;
	while (my @chunk = splice(@rows, 0, $batch))
	{
		$node->safe_psql($db, 'INSERT INTO inputs (form, input, expected) VALUES ' . join(",\n", @chunk));
	}
	my $forms = $node->safe_psql($db,
		"SELECT string_agg(form || '=' || n, ' ' ORDER BY form) FROM (SELECT form, count(*) AS n FROM inputs GROUP BY form) s");
	note "$db inputs: $forms";

	for (my $first = 1; $first <= $count; $first += $batch)
	{
		my $last = $first + $batch - 1;
		$node->safe_psql($db, <<"SQL");
CREATE OR REPLACE VIEW batch AS SELECT * FROM inputs WHERE id BETWEEN $first AND $last;
SQL
		$node->safe_psql($db, <<'SQL');
SELECT try(id, 'parse', 'SELECT lottrace.gs1_parse($1)::text', input) FROM batch;
SELECT try(id, 'valid', 'SELECT lottrace.gs1_valid($1)::text', input) FROM batch;
SELECT try(id, 'decode', 'SELECT lottrace.gs1_decode($1, current_date)::text', input) FROM batch;
SELECT try(id, 'lint', 'SELECT count(*)::text FROM lottrace.gs1_lint($1)', input) FROM batch;
-- (lots compared as text: lot equality is byte equality, and this session
-- does not have lottrace on its search_path)
-- element string -> decode: the same GTIN, lot, expiry and serial
SELECT try(id, 'element_string', $$
	SELECT (e.gtin, e.lot::text, e.expiry, e.serial) IS NOT DISTINCT FROM (d.gtin, d.lot::text, d.expiry, d.serial)
	  FROM lottrace.gs1_decode($1, current_date) d,
	       LATERAL lottrace.gs1_decode(lottrace.gs1_element_string(d.gtin, d.lot, d.expiry, d.serial), current_date) e
	 WHERE d.gtin IS NOT NULL$$, input)
  FROM batch WHERE lottrace.gs1_valid(input);
-- Digital Link -> decode: the same fields
SELECT try(id, 'digital_link', $$
	SELECT (e.gtin, e.lot::text, e.expiry, e.serial) IS NOT DISTINCT FROM (d.gtin, d.lot::text, d.expiry, d.serial)
	  FROM lottrace.gs1_decode($1, current_date) d,
	       LATERAL lottrace.gs1_decode(lottrace.gs1_digital_link(d.gtin, d.lot, d.serial, d.expiry), current_date) e
	 WHERE d.gtin IS NOT NULL$$, input)
  FROM batch WHERE lottrace.gs1_valid(input);
-- EPC class URI -> GTIN and lot
SELECT try(id, 'lgtin', $$
	SELECT (p.gtin, p.lot::text) IS NOT DISTINCT FROM (d.gtin, d.lot::text)
	  FROM lottrace.gs1_decode($1, current_date) d,
	       LATERAL lottrace.lgtin_parse(lottrace.lgtin_urn(d.gtin, d.lot, 6 + lottrace.length(d.lot) % 7)) p
	 WHERE d.gtin IS NOT NULL AND d.lot IS NOT NULL$$, input)
  FROM batch WHERE lottrace.gs1_valid(input);
SQL
	}

	is($node->safe_psql($db, <<"SQL"), '', "$db: $per_database inputs of each form, each parsed, validated, decoded and linted");
SELECT form, count(*) FROM inputs i GROUP BY form
HAVING count(*) < $per_database AND form <> 'bytes'
    OR count(*) <> (SELECT count(*) FROM outcomes o JOIN inputs j USING (id) WHERE j.form = i.form AND o.what = 'parse')
    OR count(*) <> (SELECT count(*) FROM outcomes o JOIN inputs j USING (id) WHERE j.form = i.form AND o.what = 'valid')
    OR count(*) <> (SELECT count(*) FROM outcomes o JOIN inputs j USING (id) WHERE j.form = i.form AND o.what = 'decode')
    OR count(*) <> (SELECT count(*) FROM outcomes o JOIN inputs j USING (id) WHERE j.form = i.form AND o.what = 'lint')
SQL

	is($node->safe_psql($db, <<'SQL'), '', "$db: every error is 22P02");
SELECT string_agg(DISTINCT what || ':' || sqlstate || ':' || message, E'\n') FROM outcomes
 WHERE sqlstate IS NOT NULL AND (sqlstate <> '22P02' OR what IN ('valid'))
SQL
	is($node->safe_psql($db, <<'SQL'), '', "$db: gs1_valid agrees with gs1_parse");
SELECT string_agg(i.id || ':' || v.result, ', ') FROM outcomes v JOIN outcomes p USING (id) JOIN inputs i USING (id)
 WHERE v.what = 'valid' AND p.what = 'parse'
   AND v.result::boolean <> (p.sqlstate IS NULL)
SQL
	is($node->safe_psql($db, <<'SQL'), '', "$db: gs1_decode and gs1_lint succeed exactly when gs1_parse does");
SELECT string_agg(d.what || ' ' || id, ', ') FROM outcomes d JOIN outcomes p USING (id)
 WHERE d.what IN ('decode', 'lint') AND p.what = 'parse'
   AND (d.sqlstate IS NULL) <> (p.sqlstate IS NULL)
SQL
	is($node->safe_psql($db, <<'SQL'), '', "$db: valid data parses to the AIs it was built from");
SELECT string_agg(i.form || ' ' || quote_literal(i.input) || ' -> ' || coalesce(p.result, p.message), E'\n')
  FROM inputs i JOIN outcomes p ON p.id = i.id AND p.what = 'parse'
 WHERE i.expected IS NOT NULL
   AND p.result::jsonb IS DISTINCT FROM i.expected
SQL
	is($node->safe_psql($db, <<'SQL'), '', "$db: gs1_lint finds nothing in valid bracketed data and URIs");
SELECT string_agg(i.form || ' ' || quote_literal(i.input), E'\n')
  FROM inputs i JOIN outcomes l ON l.id = i.id AND l.what = 'lint'
 WHERE i.expected IS NOT NULL AND i.form IN ('bracketed', 'link') AND l.result <> '0'
SQL
	my $linted = $node->safe_psql($db,
		"SELECT count(*) FROM outcomes WHERE what = 'lint' AND result <> '0'");
	note "$db: gs1_lint reported something in $linted inputs";
	is($node->safe_psql($db, <<'SQL'), '', "$db: round trips keep every field");
SELECT string_agg(what || ' ' || id || ': ' || coalesce(message, result), E'\n') FROM outcomes
 WHERE what IN ('element_string', 'digital_link', 'lgtin')
   AND (sqlstate IS NOT NULL OR result = 'false')
SQL
	my $valid = $node->safe_psql($db,
		"SELECT count(*) FROM outcomes WHERE what = 'parse' AND sqlstate IS NULL");
	my $trips = $node->safe_psql($db,
		"SELECT count(*) FROM outcomes WHERE what IN ('element_string', 'digital_link', 'lgtin') AND result = 'true'");
	cmp_ok($valid, '>=', 300, "$db: $valid inputs were valid, $trips round trips checked");
	my $errors = $node->safe_psql($db,
		"SELECT string_agg(n || ' ' || m, E'\n' ORDER BY n DESC) FROM
		   (SELECT count(*) n, regexp_replace(message, '[0-9]+|\"[^\"]*\"', '#', 'g') m
		      FROM outcomes WHERE what = 'parse' AND sqlstate IS NOT NULL GROUP BY 2 ORDER BY 1 DESC LIMIT 8) s");
	note "$db most frequent errors:\n$errors";
}

fuzz_finish($node);
done_testing();
