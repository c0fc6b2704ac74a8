# Traces over tens of millions of roots obey statement_timeout: the roots go
# from the array into a set, and are checked to exist in pieces, checking
# for interrupts as they go; nothing as long as the array is sorted or
# handed to one loop that cannot be interrupted.
#
# Wall-clock bounds are generous (about three times what the work takes
# here) and far below what sorting and checking every root takes.
use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(time);

my $node = PostgreSQL::Test::Cluster->new('cancel');
$node->init;
$node->start;

# lots 1..1000 in a chain of links; arrays are stored uncompressed, so that
# reading one back is a copy (a fifth of a second), not a decompression
$node->safe_psql('postgres', <<'SQL');
CREATE EXTENSION lottrace;
INSERT INTO lottrace.lots (id, item, code)
SELECT g, 'flour', 'F-' || g FROM generate_series(1, 1000) g;
INSERT INTO lottrace.links (parent_id, child_id)
SELECT g, g + 1 FROM generate_series(1, 999) g;
CREATE TABLE roots (name text PRIMARY KEY, ids bigint[]);
ALTER TABLE roots ALTER COLUMN ids SET STORAGE EXTERNAL;
-- 20 million distinct ids in a scrambled order (g * 7919 modulo a prime is a
-- permutation of 1 .. prime - 1): all but the first thousand are missing
INSERT INTO roots SELECT 'distinct', array_agg(g * 7919 % 20000003)
  FROM generate_series(1::bigint, 20000002) g;
-- 40 million ids, each of the 1000 lots many times over, scrambled
INSERT INTO roots SELECT 'repeated', array_agg(1 + g * 7919 % 1000)
  FROM generate_series(1::bigint, 40000000) g;
SQL

sub timed_psql
{
	my ($role, $sql) = @_;
	my $start = time();
	my ($ret, $stdout, $stderr) = $node->psql('postgres',
		($role ? "SET ROLE $role; " : '') . $sql);
	return ($stderr, time() - $start);
}

# Missing roots: the smallest is named once the first piece of them has
# been checked, without first sorting the 20 million and checking them all.
# The best of three tries is timed: a machine busy with other work slows
# one try, not the work each try does.
{
	my ($stderr, $elapsed);
	my $best;
	for my $try (1 .. 3)
	{
		($stderr, $elapsed) = timed_psql(undef,
			"SELECT count(*) FROM roots, lottrace.trace_forward(roots.ids) WHERE name = 'distinct'");
		like($stderr, qr/ERROR:  lot 1001 does not exist/, "the smallest missing root is named (try $try)");
		$best = $elapsed if !defined $best || $elapsed < $best;
	}
	cmp_ok($best, '<', 2, 'within 2 s');
	note sprintf('best of three: %.3f s', $best);
}

# Existing roots, a trace that cannot finish in time: under row-level
# security links are read with SQL, and the policy takes 10 ms a link.  The
# timeout (1 s) falls while the 40 million roots are read or the trace
# runs: the statement must end with the timeout error soon after it.
$node->safe_psql('postgres', <<'SQL');
CREATE ROLE tracer;
GRANT USAGE ON SCHEMA lottrace TO tracer;
GRANT SELECT ON lottrace.lots, lottrace.links, roots TO tracer;
CREATE FUNCTION slow_true() RETURNS boolean LANGUAGE sql VOLATILE
	AS 'SELECT pg_sleep(0.01) IS NOT NULL';
ALTER TABLE lottrace.links ENABLE ROW LEVEL SECURITY;
CREATE POLICY slow ON lottrace.links TO tracer USING (slow_true());
SQL
for my $call (
	'lottrace.trace_forward(roots.ids)',
	'lottrace.trace_backward(roots.ids, 3)',
	"lottrace.trace_edges(roots.ids, 'both')",
	'lottrace.trace_dot(roots.ids)')
{
	my ($stderr, $elapsed) = timed_psql('tracer',
		"SET statement_timeout = '1s'; SELECT count(*) FROM roots, $call WHERE name = 'repeated'");
	like($stderr, qr/canceling statement due to statement timeout/,
		"cancelled by statement_timeout: $call");
	cmp_ok($elapsed, '<', 3, "within 3 s: $call");
	note sprintf('%.3f s', $elapsed);
}

$node->stop;
done_testing();
