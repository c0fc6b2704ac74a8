# LottraceFuzz: what the randomized fuzz tests (001 to 003) share: the seed
# and the number of inputs from the environment, a cluster with databases of
# the encodings asked for, the random pieces the generators build inputs
# from, and the final check that no backend crashed.
package LottraceFuzz;

use strict;
use warnings;

use Exporter 'import';
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

our @EXPORT = qw(fuzz_start fuzz_finish pick digits check_digit pct hex_of @cset82);

# GS1's "CSET 82", the characters a lot number may hold
our @cset82 = split //, q{ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789!"%&'()*+,-./:;<=>?_};

my %start_time;

# Seeds the generator (LOTTRACE_FUZZ_SEED, else the time, printed so that a
# failure can be replayed), starts a cluster named $name with a database per
# name => encoding pair (locale C), and returns it with the number of inputs
# (LOTTRACE_FUZZ_ITERATIONS, else $default; make fuzz sets 100000) and the
# seed.
sub fuzz_start
{
	my ($name, $default, %databases) = @_;
	my $seed = $ENV{LOTTRACE_FUZZ_SEED} // time();

	srand($seed);
	note "fuzz seed: $seed";
	my $node = PostgreSQL::Test::Cluster->new($name);
	$node->init;
	$node->start;
	$start_time{$name} = $node->safe_psql('postgres', 'SELECT pg_postmaster_start_time()');
	for my $db (sort keys %databases)
	{
		$node->safe_psql('postgres',
			"CREATE DATABASE $db TEMPLATE template0 ENCODING '$databases{$db}' LOCALE 'C'");
	}
	return ($node, $ENV{LOTTRACE_FUZZ_ITERATIONS} || $default, $seed);
}

# The server never restarted and no backend died of a signal; stops it.
sub fuzz_finish
{
	my ($node) = @_;

	is($node->safe_psql('postgres', 'SELECT pg_postmaster_start_time()'),
		$start_time{ $node->name }, 'the server never restarted');
	unlike(slurp_file($node->logfile), qr/terminated by signal|server process .* was terminated/,
		'no backend crashed');
	$node->stop;
}

sub pick { return $_[ int(rand(@_)) ] }

sub digits { my ($n) = @_; return join '', map { int(rand(10)) } 1 .. $n; }

# the GS1 check digit of a string of digits
sub check_digit
{
	my ($s) = @_;
	my ($sum, $weight) = (0, 3);
	for my $d (reverse split //, $s)
	{
		$sum += $d * $weight;
		$weight = 4 - $weight;
	}
	return (10 - $sum % 10) % 10;
}

# percent-encoding of everything but the unreserved characters (RFC 3986)
sub pct
{
	my ($v) = @_;
	$v =~ s/([^A-Za-z0-9._~-])/sprintf('%%%02X', ord($1))/ge;
	return $v;
}

# a string as hex, UTF-8 encoded first for a UTF8 database
sub hex_of
{
	my ($s, $utf8) = @_;
	utf8::encode($s) if $utf8;
	return unpack('H*', $s);
}

1;
