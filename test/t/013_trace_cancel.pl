# Traces over tens of millions of roots obey statement_timeout: reading the
# roots array, checking that they exist and the search check for interrupts
# as they go, so the statement ends with the timeout error within a bound,
# instead of after sorting and checking every root.
use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(time);

my $node = PostgreSQL::Test::Cluster->new('cancel');
$node->init;
$node->start;
$node->safe_psql('postgres', 'CREATE EXTENSION lottrace');

# 20 million distinct ids in a scrambled order (g * 7919 mod a prime is a
# permutation), none of them a lot, stored uncompressed so that reading the
# array back costs a copy, not a decompression.
my $nroots = 20_000_002;
my $prime = 20_000_003;
$node->safe_psql('postgres', <<"SQL");
CREATE TABLE big_roots (roots bigint[]);
ALTER TABLE big_roots ALTER COLUMN roots SET STORAGE EXTERNAL;
INSERT INTO big_roots SELECT array_agg(g * 7919 % $prime) FROM generate_series(1::bigint, $nroots) g;
SQL

# A timeout shorter than reading the array: the first check for interrupts
# after it must end the statement.  The bound allows for the copy of the
# 160 MB array (not interruptible), and is far below what sorting and
# checking 20 million roots takes.
my $timeout_ms = 50;
my $bound_s = 2;
for my $query (
	'SELECT count(*) FROM big_roots, lottrace.trace_forward(big_roots.roots)',
	'SELECT count(*) FROM big_roots, lottrace.trace_backward(big_roots.roots, 3)',
	"SELECT count(*) FROM big_roots, lottrace.trace_edges(big_roots.roots, 'both')",
	'SELECT length(lottrace.trace_dot(roots)) FROM big_roots')
{
	my $start = time();
	my ($ret, $stdout, $stderr) = $node->psql('postgres',
		"SET statement_timeout = '${timeout_ms}ms'; $query");
	my $elapsed = time() - $start;
	like($stderr, qr/canceling statement due to statement timeout/,
		"cancelled by statement_timeout: $query");
	cmp_ok($elapsed, '<', $bound_s, "within ${bound_s} s: $query");
	note sprintf("%.3f s", $elapsed);
}

# The same roots, once some of them exist, are checked in pieces: the
# smallest missing one is named (P0002), whatever the size of the array.
$node->safe_psql('postgres', q{
	INSERT INTO lottrace.lots (id, item, code)
	SELECT g, 'flour', 'F-' || g FROM generate_series(1, 1000) g
});
my ($ret, $stdout, $stderr) = $node->psql('postgres',
	'SELECT count(*) FROM big_roots, lottrace.trace_forward(big_roots.roots)');
like($stderr, qr/lot 1001 does not exist/, 'the smallest missing root is named');

$node->stop;
done_testing();
