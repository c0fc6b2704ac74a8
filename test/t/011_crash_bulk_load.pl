# A crash in the middle of a bulk load of links.
#
# A client COPYs batches of links, each in its own transaction that also
# records the batch as loaded (and rolls back a subtransaction of links).
# While a batch is being copied, the server crashes: first its backend is
# killed with SIGKILL (the postmaster resets and replays WAL), then, during
# a second load, the whole server is stopped dead (immediate shutdown,
# recovery at the next start).  Each time the genealogy must hold exactly
# the committed batches, the genealogy indexes must agree with the table
# (amcheck), and traces must agree with recursive CTEs and across read
# methods, before and after VACUUM.  The seed is printed so that a failure can
# be replayed with LOTTRACE_CRASH_SEED=….
use strict;
use warnings;

use IPC::Run;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(usleep);

my $seed = $ENV{LOTTRACE_CRASH_SEED} // time();
srand($seed);
note "crash seed: $seed";

my $node = PostgreSQL::Test::Cluster->new('crash');
$node->init;
# the test framework turns automatic restart off; a backend crash here must
# take the whole server through recovery and back
$node->append_conf('postgresql.conf', "restart_after_crash = on\n");
$node->start;

my $nlots = 20000;
$node->safe_psql('postgres', <<"SQL");
CREATE EXTENSION lottrace;
CREATE EXTENSION amcheck;
INSERT INTO lottrace.lots (id, item, code) SELECT g, 'item' || g % 50, 'L' || g FROM generate_series(1, $nlots) g;
CREATE TABLE loaded_batches (batch int PRIMARY KEY, links int NOT NULL);
SQL

# The batches: mostly links from older to newer lots (a genealogy), some
# back links (cycles); quantity carries the batch number.
my $nbatches = 60;
my $batch_size = 8000;
my $script = "\\set ON_ERROR_STOP 1\n";
for my $batch (1 .. $nbatches)
{
	$script .= "BEGIN;\nCOPY lottrace.links (parent_id, child_id, quantity) FROM STDIN;\n";
	for (1 .. $batch_size)
	{
		my $parent = 1 + int(rand($nlots - 1));
		my $child = rand() < 0.97
		  ? $parent + 1 + int(rand(($nlots - $parent) < 200 ? $nlots - $parent : 200))
		  : 1 + int(rand($nlots));
		$child = $parent % $nlots + 1 if $child == $parent || $child > $nlots;
		$script .= "$parent\t$child\t$batch\n";
	}
	$script .= "\\.\n";
	# a subtransaction that is rolled back leaves dead index entries
	$script .= "SAVEPOINT s;\nINSERT INTO lottrace.links (parent_id, child_id, quantity) "
	  . "SELECT g, g % $nlots + 1, -1 FROM generate_series(1, 500) g;\nROLLBACK TO SAVEPOINT s;\n";
	$script .= "INSERT INTO loaded_batches VALUES ($batch, $batch_size);\nCOMMIT;\n";
}
my $script_file = $node->basedir . '/bulk_load.sql';
open(my $fh, '>', $script_file) or die $!;
print $fh $script;
close $fh;

# Start the load; once a few batches are in and a COPY is running, crash.
sub load_and_crash
{
	my ($how) = @_;
	my ($out, $err) = ('', '');
	my $before = $node->safe_psql('postgres', 'SELECT count(*) FROM loaded_batches');
	my $loader;
	$loader = IPC::Run::start(
		[ 'psql', '-XAtq', '-d', $node->connstr('postgres'), '-f', $script_file ],
		'>', \$out, '2>', \$err);
	my $pid = '';
	for (1 .. 600)
	{
		$pid = $node->safe_psql('postgres',
			"SELECT pid FROM pg_stat_activity WHERE query LIKE 'COPY lottrace.links%' AND state = 'active' "
			  . "AND (SELECT count(*) FROM loaded_batches) >= $before + 3");
		last if $pid ne '';
		usleep(50_000);
	}
	isnt($pid, '', "$how: the load is under way");
	usleep(int(rand(100_000)));
	if ($how eq 'backend killed')
	{
		# SIGKILL of a backend: the postmaster resets everything and replays WAL
		kill 'KILL', $pid;
		$loader->finish;
		$node->poll_query_until('postgres', 'SELECT 1', '1')
		  or die 'the server did not come back';
		like(slurp_file($node->logfile), qr/terminated by signal 9.*all server processes terminated; reinitializing/s,
			"$how: the server went through crash recovery");
	}
	else
	{
		# the whole server stops dead, no checkpoint: recovery at the next start
		$node->stop('immediate');
		$loader->finish;
		$node->start;
	}
	isnt($loader->result, 0, "$how: the loader lost its server");
}

sub check_traces
{
	my ($phase) = @_;
	my @roots = map { 1 + int(rand($nlots)) } 1 .. 60;
	my $values = join(',', map { "($_)" } @roots);
	for my $direction (qw(forward backward))
	{
		my ($near, $far) = $direction eq 'forward' ? ('parent_id', 'child_id') : ('child_id', 'parent_id');
		is($node->safe_psql('postgres', <<"SQL"), '0', "$phase: trace_$direction agrees with a recursive CTE");
SELECT count(*) FROM (VALUES $values) q(root)
 WHERE (SELECT array_agg(lot_id ORDER BY lot_id) FROM lottrace.trace_$direction(q.root))
       IS DISTINCT FROM
       (WITH RECURSIVE r(id) AS (SELECT q.root::bigint UNION
                                 SELECT l.$far FROM r JOIN lottrace.links l ON l.$near = r.id)
        SELECT array_agg(id ORDER BY id) FROM r)
SQL
	}
	# (the heap method scans links once per level: a few roots are enough)
	my $few = join(',', map { "($_)" } @roots[ 0 .. 9 ]);
	my $digests = "SELECT q.root, md5(string_agg(t::text, ',' ORDER BY t::text))
		FROM (VALUES $few) q(root), lottrace.trace_forward(q.root) t GROUP BY 1 ORDER BY 1";
	my $auto = $node->safe_psql('postgres', $digests);
	for my $method (qw(index_am heap sql))
	{
		is($node->safe_psql('postgres', "SET lottrace.trace_method = $method; $digests"), $auto,
			"$phase: reading with $method gives the same depths and vias");
	}
}

sub check_genealogy
{
	my ($phase, $this_load) = @_;
	my $batches = $node->safe_psql('postgres', "SELECT count(*) FROM loaded_batches WHERE $this_load");
	note "$phase: $batches of $nbatches batches committed";
	ok($batches < $nbatches, "$phase: the crash came in the middle of the load");

	is($node->safe_psql('postgres', <<'SQL'), '0', "$phase: the genealogy holds exactly the committed batches");
SELECT count(*) FROM (
	SELECT quantity::int AS batch, count(*) AS n FROM lottrace.links GROUP BY 1
) l FULL JOIN loaded_batches b ON b.batch = l.batch
WHERE l.n IS DISTINCT FROM b.links
SQL

	for my $index (qw(links_parent_idx links_child_idx))
	{
		$node->safe_psql('postgres', "SELECT bt_index_check('lottrace.$index', true)");
		pass("$phase: amcheck finds $index consistent and holding every link");
	}
	check_traces($phase);
	$node->safe_psql('postgres', 'VACUUM ANALYZE lottrace.links');
	check_traces("$phase, vacuumed");
}

diag 'crash bulk load: a backend killed during a load';
load_and_crash('backend killed');
check_genealogy('after a backend was killed', 'batch < 1000');

# the next load starts where the last committed batch ended
$script =~ s/VALUES \((\d+), $batch_size\)/VALUES ($1 + 1000, $batch_size)/g;
$script =~ s/(\d+)\t(\d+)\t(\d+)\n/"$1\t$2\t" . ($3 + 1000) . "\n"/ge;
open($fh, '>', $script_file) or die $!;
print $fh $script;
close $fh;
diag 'crash bulk load: the server stopped dead during a load';
load_and_crash('server stopped dead');
check_genealogy('after the server stopped dead', 'batch >= 1000');

# and the genealogy takes new links again
$node->safe_psql('postgres',
	"INSERT INTO lottrace.links (parent_id, child_id) VALUES (1, $nlots), ($nlots, 2)");
is($node->safe_psql('postgres', 'SELECT lottrace.is_descendant(2, 1)'), 't', 'new links are traced');

$node->stop;
done_testing();
