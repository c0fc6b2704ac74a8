# Randomized input fuzzing of the lot type and lot templates.
#
# Thousands of random byte strings go through the text input, the binary
# receive function, lot_parse, @@ and lot_format.  Every call must end in a
# value or a clean error with an expected SQLSTATE; successful results must
# obey the type's invariants; and the server must never restart.  The seed is
# printed so that a failure can be replayed with LOTTRACE_FUZZ_SEED=….
# LOTTRACE_FUZZ_ITERATIONS is the number of inputs each entry point gets
# (half in a UTF8 database, half in SQL_ASCII); make fuzz sets 100000.
use strict;
use warnings;

use Test::More;

use FindBin;
use lib "$FindBin::RealBin/../perl";
use LottraceFuzz;

my ($node, $iterations) = fuzz_start('fuzz', 3000, utf8db => 'UTF8', rawdb => 'SQL_ASCII');
my $per_database = int(($iterations + 1) / 2);
# calls are made in batches: each is a subtransaction, and one transaction
# of a hundred thousand of them would mostly measure the subtransaction cache
my $batch = 5000;

my @template_alphabet = (split(//, 'YYYYMMDDJJJFFLLSSNNNVVXXCK"-/'), @cset82);
my @unicode = ("\x{e9}", "\x{20ac}", "\x{ff21}", "\x{1f600}", "\x{200b}", "\x{a0}");

# A string of "CSET 82" characters with, now and then, something else in it.
sub random_code_like
{
	my ($utf8) = @_;
	my $len = pick(0, 1, 2, 5, 10, 20, 21, 40, 63, 64, 65, 100);
	my $s = join '', map { pick(@cset82) } 1 .. $len;
	my $mutations = int(rand(3));
	for (1 .. $mutations)
	{
		my $pos = int(rand(length($s) + 1));
		my $bad = pick(' ', "\t", "\r\n", "\x1d", "\x01", "\x7f", '#', '@', '$', '\\',
			$utf8 ? pick(@unicode) : chr(128 + int(rand(128))));
		substr($s, $pos, 0) = $bad;
	}
	return $s;
}

sub random_bytes
{
	my $len = int(rand(80));
	return join '', map { chr(1 + int(rand(255))) } 1 .. $len;
}

sub random_template
{
	my $len = 1 + int(rand(12));
	my $t = join '', map { pick(@template_alphabet) } 1 .. $len;
	$t .= pick('', '', '#', ' ', '"') if rand() < 0.2;
	return $t;
}

# Codes built to nearly match a template: digits where digits are expected.
sub code_for_template
{
	my ($t) = @_;
	my $code = '';
	for my $c (split //, $t)
	{
		next if $c eq '"';
		$code .= ($c =~ /[YMDJSNC]/) ? int(rand(10)) : ($c =~ /[FLVKX]/) ? pick(@cset82) : $c;
	}
	return $code;
}

# Values for lot_format that fit the template's fields, mostly: a field that
# appears in the template gets a value of its width (the count of its letter
# outside quotes), now and then one character too many.
sub format_arguments
{
	my ($t) = @_;
	(my $unquoted = $t) =~ s/"[^"]*"//g;
	my @args;
	for my $field (['F', 'alnum'], ['L', 'alnum'], ['S', 'digits'], ['N', 'digits'], ['V', 'alnum'])
	{
		my ($letter, $kind) = @$field;
		my $width = () = $unquoted =~ /$letter/g;
		if ($width == 0) { push @args, 'NULL'; next; }
		$width++ if rand() < 0.1;
		my $value = join '', map { $kind eq 'digits' ? int(rand(10)) : pick('A' .. 'Z', 'a' .. 'z', 0 .. 9) } 1 .. $width;
		push @args, "'$value'";
	}
	return @args;
}

my $check_function = <<'SQL';
CREATE EXTENSION lottrace;
CREATE TABLE inputs (id serial, input text, template text,
	facility text, line text, shift text, sequence text, variant text);
CREATE TABLE outcomes (id int, what text, sqlstate text, result text);
CREATE FUNCTION try(id int, what text, query text, VARIADIC args text[])
RETURNS void LANGUAGE plpgsql AS $$
DECLARE
	r text;
BEGIN
	BEGIN
		IF what = 'recv' THEN
			EXECUTE query;
		ELSE
			EXECUTE query INTO r USING args[1], args[2], args[3], args[4], args[5], args[6], args[7];
		END IF;
		INSERT INTO outcomes VALUES (id, what, NULL, r);
	EXCEPTION WHEN OTHERS THEN
		INSERT INTO outcomes VALUES (id, what, SQLSTATE, NULL);
	END;
END $$;
SQL

my %expected_errors = map { $_ => 1 } qw(22P02 22023 22004 22003 22008 2200H);

for my $db ('utf8db', 'rawdb')
{
	my $utf8 = $db eq 'utf8db';
	my $encoding = $utf8 ? 'UTF8' : 'SQL_ASCII';
	$node->safe_psql($db, $check_function);

	my @rows;
	for (1 .. $per_database)
	{
		my $input = ($utf8 || rand() < 0.5) ? random_code_like($utf8) : random_bytes();
		my $template = random_template();
		$input = code_for_template($template) if rand() < 0.4;
		push @rows, sprintf("(convert_from('\\x%s'::bytea, '%s'), convert_from('\\x%s'::bytea, '%s'), %s)",
			hex_of($input, $utf8), $encoding, hex_of($template, $utf8), $encoding,
			join(', ', format_arguments($template)));
	}
	while (my @chunk = splice(@rows, 0, $batch))
	{
		$node->safe_psql($db, 'INSERT INTO inputs (input, template, facility, line, shift, sequence, variant) VALUES ' . join(",\n", @chunk));
	}

	# Every entry point, on every input.
	for (my $first = 1; $first <= $per_database; $first += $batch)
	{
		my $last = $first + $batch - 1;
		$node->safe_psql($db, <<"SQL");
SELECT try(id, 'in', 'SELECT \$1::lottrace.lot::text', input) FROM inputs WHERE id BETWEEN $first AND $last;
SELECT try(id, 'parse', 'SELECT lottrace.lot_parse(\$1::lottrace.lot, \$2)::text', input, template) FROM inputs WHERE id BETWEEN $first AND $last;
SELECT try(id, 'match', 'SELECT (\$1::lottrace.lot OPERATOR(lottrace.\@\@) \$2)::text', input, template) FROM inputs WHERE id BETWEEN $first AND $last;
SELECT try(id, 'format', 'SELECT lottrace.lot_format(\$2, date ''2024-02-29'' + length(\$1) * 37, \$3, \$4, \$5::int, \$6::int, \$7)::text',
           input, template, facility, line, shift, sequence, variant) FROM inputs WHERE id BETWEEN $first AND $last;
SELECT try(id, 'format_minimal', 'SELECT lottrace.lot_format(\$2, NULL)::text', input, template) FROM inputs WHERE id BETWEEN $first AND $last;
SQL
	}

	# binary receive, one file per input so that each gets its own outcome
	my $dir = $node->basedir;
	my $inputs = $node->safe_psql($db,
		"SELECT id, encode(convert_to(input, '$encoding'), 'hex') FROM inputs ORDER BY id");
	for my $line (split /\n/, $inputs)
	{
		my ($id, $hex) = split /\|/, $line, 2;
		my $bytes = pack('H*', $hex // '');
		# PGCOPY header, one tuple of one field, trailer
		my $file = "PGCOPY\n\377\r\n\0" . pack('NN', 0, 0)
		  . pack('n', 1) . pack('N', length($bytes)) . $bytes . pack('n', 0xffff);
		open(my $fh, '>:raw', "$dir/recv_$id.bin") or die $!;
		print $fh $file;
		close $fh;
	}
	$node->safe_psql($db, 'CREATE TABLE recv_target (code lottrace.lot)');
	for (my $first = 1; $first <= $per_database; $first += $batch)
	{
		my $last = $first + $batch - 1;
		$node->safe_psql($db, <<"SQL");
SELECT try(id, 'recv', format('COPY recv_target FROM %L (FORMAT binary)', '$dir/recv_' || id || '.bin'), VARIADIC '{}')
  FROM inputs WHERE id BETWEEN $first AND $last;
SQL
	}
	unlink glob("$dir/recv_*.bin");

	my $calls = $node->safe_psql($db,
		"SELECT string_agg(what || '=' || n, ' ' ORDER BY what) FROM (SELECT what, count(*) AS n FROM outcomes GROUP BY what) s");
	is($node->safe_psql($db, "SELECT count(*) FROM outcomes GROUP BY what HAVING count(*) <> $per_database"),
		'', "$db: every entry point got $per_database inputs");
	note "$db calls: $calls";

	my $unexpected = $node->safe_psql($db,
		"SELECT string_agg(DISTINCT what || ':' || sqlstate, ', ') FROM outcomes
		  WHERE sqlstate IS NOT NULL AND sqlstate NOT IN ('" . join("','", sort keys %expected_errors) . "')");
	is($unexpected, '', "$db: every error has an expected SQLSTATE");

	# What was accepted is a valid lot, and reads back as itself.
	is($node->safe_psql($db, <<'SQL'), '0', "$db: accepted codes are valid and stable");
SELECT count(*) FROM outcomes
 WHERE what IN ('in', 'format', 'format_minimal') AND sqlstate IS NULL AND result IS NOT NULL
   AND NOT (length(result) BETWEEN 1 AND 64
            AND result ~ '^[A-Za-z0-9!"%&''()*+,./:;<=>?_-]+$'
            AND result::lottrace.lot::text = result)
SQL
	# Input trims white space and nothing else.
	is($node->safe_psql($db, <<'SQL'), '0', "$db: input only trims surrounding white space");
SELECT count(*) FROM outcomes o JOIN inputs i USING (id)
 WHERE o.what = 'in' AND o.sqlstate IS NULL
   AND o.result <> btrim(i.input, E' \t\n\r\x0b\x0c')
SQL
	# Binary receive accepts exactly what text input accepts.
	is($node->safe_psql($db, <<'SQL'), '0', "$db: binary receive agrees with text input");
SELECT count(*) FROM outcomes r JOIN outcomes t ON t.id = r.id AND t.what = 'in'
 WHERE r.what = 'recv' AND (r.sqlstate IS NULL) <> (t.sqlstate IS NULL)
SQL
	# @@ is true exactly when lot_parse succeeds, and they fail on the same templates.
	is($node->safe_psql($db, <<'SQL'), '0', "$db: \@\@ agrees with lot_parse");
SELECT count(*) FROM outcomes m JOIN outcomes p ON p.id = m.id AND p.what = 'parse'
 WHERE m.what = 'match'
   AND NOT ((m.result = 'true' AND p.sqlstate IS NULL)
            OR (m.result = 'false' AND p.sqlstate = '22P02')
            OR (m.sqlstate IS NOT NULL AND m.sqlstate = p.sqlstate))
SQL
	# A formatted code matches its own template and parses back to the inputs.
	is($node->safe_psql($db, <<'SQL'), '0', "$db: formatted codes match their template");
SELECT count(*) FROM outcomes f JOIN inputs i USING (id)
 WHERE f.what = 'format' AND f.sqlstate IS NULL
   AND NOT (f.result::lottrace.lot OPERATOR(lottrace.@@) i.template)
SQL
	my $successes = $node->safe_psql($db,
		"SELECT string_agg(what || '=' || n, ' ' ORDER BY what) FROM
		   (SELECT what, count(*) FILTER (WHERE sqlstate IS NULL) AS n FROM outcomes GROUP BY what) s");
	note "$db successes: $successes";
}

fuzz_finish($node);
done_testing();
