# make bench-citus: the bench's trace genealogy (test/bench/workloads/
# 20_trace.sql, about SCALE million lots and 3 x SCALE million links) on one
# node and distributed over two Citus workers; trace and whole-graph recall
# times on both, and the rounds of shard commands each trace took; and the
# mass balance of a typical scope (lot_balances, under the recall views).
use strict;
use warnings;

use FindBin;
use lib "$FindBin::RealBin/../perl";
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Time::HiRes qw(time);
use LottraceCitus;
use Test::More ();

# PostgreSQL::Test::Utils sends STDOUT to the script's log file (under
# tmp_check/log, removed with the work directory of a run that passed): the
# figures go through Test::More's output handle, which it tees to the
# terminal and that log
sub report
{
	my $format = shift;
	print { Test::More->builder->output } sprintf($format, @_);
}

my $scale = $ENV{SCALE} || 1;
my $shards = $ENV{CITUS_SHARDS} || 8;
my $runs = $ENV{BENCH_RUNS} || 3;
my $conf = "shared_buffers = 1GB\nwork_mem = 64MB\nmax_parallel_workers_per_gather = 0\njit = off\n"
  . "max_wal_size = 8GB\nsynchronous_commit = off\n";
my $top = "$FindBin::RealBin/../..";
my $dir = PostgreSQL::Test::Utils::tempdir;

my $single = PostgreSQL::Test::Cluster->new('single');
$single->init;
$single->append_conf('postgresql.conf', $conf);
$single->start;
$single->safe_psql('postgres', 'CREATE EXTENSION lottrace; CREATE SCHEMA bench;');

# the genealogy of the bench: 20_trace.sql up to its load, then the load
open my $fh, '<', "$top/test/bench/workloads/20_trace.sql" or die $!;
my $generate = '';
while (<$fh>)
{
	last if /^-- The usual recipe for a first load/;
	$generate .= $_;
}
close $fh;
my $t0 = time;
$single->safe_psql('postgres', $generate . <<'SQL', extra_params => [ '-v', "scale=$scale" ]);
INSERT INTO lottrace.lots (id, item, code) SELECT id, item, code FROM bench.g_lots ORDER BY id;
INSERT INTO lottrace.links (parent_id, child_id, kind, quantity)
SELECT parent, child, kind, 1 + (parent + child) % 50 FROM bench.g_links ORDER BY child, parent;
VACUUM ANALYZE lottrace.lots, lottrace.links;
SQL
$single->safe_psql('postgres', "COPY (SELECT id, item, code FROM lottrace.lots) TO '$dir/lots'; "
	  . "COPY (SELECT id, parent_id, child_id, kind, quantity FROM lottrace.links) TO '$dir/links'");
report "generated on one node in %.0f s: %s\n", time - $t0,
  $single->safe_psql('postgres',
	"SELECT format('%s lots, %s links', (SELECT count(*) FROM lottrace.lots), (SELECT count(*) FROM lottrace.links))");

my ($coordinator, @workers) = citus_cluster('', 2, $conf);
$t0 = time;
$coordinator->safe_psql('postgres', "SELECT lottrace.distribute_genealogy($shards)");
$coordinator->safe_psql('postgres', "COPY lottrace.lots (id, item, code) FROM '$dir/lots'");
$coordinator->safe_psql('postgres',
	"COPY lottrace.links (id, parent_id, child_id, kind, quantity) FROM '$dir/links'");
$_->safe_psql('postgres', 'VACUUM ANALYZE') for @workers;
report "distributed over %d shards on 2 workers and loaded in %.0f s\n", $shards, time - $t0;

my ($finished, $raw, $hot, $all_raw) = split /\|/, $single->safe_psql('postgres', <<'SQL');
WITH raw_uses AS (
	SELECT r.id, count(*) AS uses FROM bench.g_lots r JOIN bench.g_links l ON l.parent = r.id
	 WHERE r.kind = 'a' AND r.item NOT LIKE 'raw-2__'
	   AND r.day BETWEEN (SELECT max(day) FROM bench.g_lots) / 3 AND 2 * (SELECT max(day) FROM bench.g_lots) / 3
	 GROUP BY r.id)
SELECT (SELECT id FROM bench.g_lots WHERE kind = 'c' AND day = (SELECT max(day) + 1 FROM bench.g_lots) / 2 AND seq = 295),
	   (SELECT id FROM raw_uses ORDER BY uses, id OFFSET (SELECT count(*) / 2 FROM raw_uses) LIMIT 1),
	   (SELECT id FROM raw_uses ORDER BY uses DESC, id LIMIT 1),
	   (SELECT array_agg(id ORDER BY id) FROM bench.g_lots WHERE kind = 'a')
SQL

sub timed
{
	my ($node, $sql) = @_;
	my @ms;
	for (1 .. $runs)
	{
		my $t = time;
		$node->safe_psql('postgres', "SELECT count(*) FROM ($sql) s");
		push @ms, (time - $t) * 1000;
	}
	@ms = sort { $a <=> $b } @ms;
	return $ms[ int(@ms / 2) ];
}

report "\n%-42s %10s %10s %8s %7s %16s\n", 'workload (median of ' . $runs . ')', 'one node', 'Citus',
  'lots', 'levels', 'shard commands';
for my $w (
	[ 'backward, typical finished lot', "SELECT * FROM lottrace.trace_backward($finished)" ],
	[ 'forward, typical raw lot', "SELECT * FROM lottrace.trace_forward($raw)" ],
	[ 'forward, hottest raw lot', "SELECT * FROM lottrace.trace_forward($hot)" ],
	[ 'recall of every raw lot (whole graph)', "SELECT * FROM lottrace.trace_forward('$all_raw'::bigint[])" ])
{
	my ($name, $sql) = @$w;
	my $one = timed($single, $sql);
	my $citus = timed($coordinator, $sql);
	my ($lots, $depth) = split /\|/, $coordinator->safe_psql('postgres', "SELECT count(*), max(depth) FROM ($sql) s");
	my $same = $single->safe_psql('postgres', "SELECT md5(string_agg(lot_id || ':' || depth, ',' ORDER BY lot_id)) FROM ($sql) s")
	  eq $coordinator->safe_psql('postgres', "SELECT md5(string_agg(lot_id || ':' || depth, ',' ORDER BY lot_id)) FROM ($sql) s");
	# a level per depth reached, and one more that finds nothing new
	my $levels = $depth + 1;
	report "%-42s %8.1f ms %8.1f ms %8d %7d %16s%s\n", $name, $one, $citus, $lots, $levels,
	  "$levels x $shards", $same ? '' : '  DIFFERENT ANSWER';
}
# trace_quantities: on Citus the distributed trace, then one query over
# every shard for the inputs of the lots reached and one or two for the rows
# of lots (those reached, and forward the inputs' other parents): "q";
# the same numbers (up to the last digits of sums taken in another order)
for my $w (
	[ 'quantities backward, typical finished lot', "SELECT * FROM lottrace.trace_quantities(ARRAY[$finished]::bigint[], 'backward')", 2 ],
	[ 'quantities forward, typical raw lot', "SELECT * FROM lottrace.trace_quantities(ARRAY[$raw]::bigint[])", 3 ])
{
	my ($name, $sql, $queries) = @$w;
	my $one = timed($single, $sql);
	my $citus = timed($coordinator, $sql);
	my $rows = "SELECT lot_id, depth, coalesce(share, -1), coalesce(quantity, -1), coalesce(note, '') FROM ($sql) s ORDER BY depth, lot_id";
	my @want = map { [ split /\|/, $_, -1 ] } split /\n/, $single->safe_psql('postgres', $rows);
	my @got = map { [ split /\|/, $_, -1 ] } split /\n/, $coordinator->safe_psql('postgres', $rows);
	my $same = @want == @got && !grep {
		my ($w, $g) = ($want[$_], $got[$_]);
		$w->[0] ne $g->[0] || $w->[1] ne $g->[1] || $w->[4] ne $g->[4]
		  || grep { abs($w->[$_] - $g->[$_]) > 1e-9 * abs($w->[$_]) + 1e-12 } 2, 3
	} 0 .. $#want;
	my $levels = (@want ? $want[-1][1] : 0) + 1;
	report "%-42s %8.1f ms %8.1f ms %8d %7d %16s%s\n", $name, $one, $citus, scalar(@want), $levels,
	  "$levels x $shards + $queries q", $same ? '' : '  DIFFERENT ANSWER';
}
# the mass balance of the typical raw lot's forward scope: on Citus a query
# routed to one shard per lot for its links (lot_balances' Citus form)
{
	my $sql = "SELECT * FROM lottrace.mass_balance(ARRAY(SELECT lot_id FROM lottrace.trace_forward($raw)))";
	my $one = timed($single, $sql);
	my $citus = timed($coordinator, $sql);
	my $balances = "SELECT md5(string_agg(b::text, ',' ORDER BY b.lot_id)) FROM ($sql) b";
	my $lots = $single->safe_psql('postgres', "SELECT count(*) FROM ($sql) s");
	report "%-42s %8.1f ms %8.1f ms %8d %7s %16s%s\n", 'mass balance of that raw lot\'s scope', $one, $citus,
	  $lots, '-', "$lots routed",
	  $single->safe_psql('postgres', $balances) eq $coordinator->safe_psql('postgres', $balances) ? '' : '  DIFFERENT ANSWER';
}
$_->stop for $single, $coordinator, @workers;
