# pg_upgrade from an older major keeps the genealogy: a cluster of the old
# major (LOTTRACE_UPGRADE_FROM, an installation directory with lottrace
# installed, such as /usr/lib/postgresql/15) with lottrace data in every table
# is upgraded to the major under test; every row, sequence, index and trace
# answer is the same afterwards, whichever way traces read the links (the
# btree reader reads the index pages written by the old major as they are:
# pg_upgrade copies them), the indexes pass amcheck, and the database goes on
# working.  The old major's installation is there only in the PostgreSQL 18
# phase of make test (test/run-tests-pg18.sh sets LOTTRACE_UPGRADE_FROM).
use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

use FindBin;
use lib "$FindBin::RealBin/../perl";
use LottraceData;

my $from = $ENV{LOTTRACE_UPGRADE_FROM};
plan skip_all => 'no older PostgreSQL to upgrade from: LOTTRACE_UPGRADE_FROM is not set '
  . '(the PostgreSQL 18 phase of make test, test/run-tests-pg18.sh, sets it)'
  unless $from;
die "LOTTRACE_UPGRADE_FROM=$from: no $from/bin/pg_ctl" unless -x "$from/bin/pg_ctl";

my $old = PostgreSQL::Test::Cluster->new('old', install_path => $from);
my $new = PostgreSQL::Test::Cluster->new('new');
cmp_ok($old->pg_version->major, '<', $new->pg_version->major,
	'the old cluster is of an older major (' . $old->pg_version . ' to ' . $new->pg_version . ')');

# data checksums are on by default from 18: the old cluster gets them too,
# as pg_upgrade wants them the same on both sides
$old->init(extra => $old->pg_version < 18 ? ['-k'] : []);
$old->start;
$old->safe_psql('postgres', "CREATE DATABASE plant TEMPLATE template0 ENCODING 'UTF8' LOCALE 'C'");
fill($old, 'plant');
# Most heap pages all-visible (index-only reads), the last ones not (heap
# checks): both kinds of visibility map entry go through the upgrade.
$old->safe_psql('plant', <<'SQL');
VACUUM ANALYZE;
INSERT INTO lottrace.links (parent_id, child_id)
SELECT g, g + 3 FROM generate_series(2000, 2990, 10) g;
SQL

my $before = contents($old, 'plant');
cmp_ok(scalar(split /\n/, $before->{links}), '>', 3000, 'the old cluster has a genealogy');
my $extversion = $old->safe_psql('plant', "SELECT extversion FROM pg_extension WHERE extname = 'lottrace'");

# PostgreSQL 15.20 stamps every column it creates with an attribute option,
# pg_attver, that 18.3 (an older release) rejects: pg_upgrade then fails
# restoring the schema of any database with a table, lottrace or not.  When
# the new server does not know the option, it is taken out of the old
# catalog first (the old cluster is thrown away afterwards); this is how the
# test gets past a skew between the two PostgreSQL releases, not a step
# lottrace needs.
$new->init;
$new->start;
my ($unknown) = $new->psql('postgres', 'CREATE TEMP TABLE probe (a int); ALTER TABLE probe ALTER a SET (pg_attver = 1)');
$new->stop;
my $stamped = $old->safe_psql('plant',
	"SELECT count(*) FROM pg_attribute WHERE attrelid >= 16384 AND array_to_string(attoptions, ',') LIKE '%pg_attver=%'");
if ($unknown != 0 && $stamped > 0)
{
	diag('the old server (' . $old->pg_version . ') stamps columns with pg_attver, which the new one ('
		  . $new->pg_version . ') rejects: removing it from the old catalog');
	for my $db (split /\n/, $old->safe_psql('postgres', 'SELECT datname FROM pg_database WHERE datallowconn'))
	{
		$old->safe_psql($db, <<'SQL');
UPDATE pg_attribute
   SET attoptions = NULLIF(ARRAY(SELECT o FROM unnest(attoptions) o WHERE o NOT LIKE 'pg_attver=%'), '{}')
 WHERE attrelid >= 16384 AND array_to_string(attoptions, ',') LIKE '%pg_attver=%'
SQL
	}
}
$old->stop;

my $newbin = $new->config_data('--bindir');
command_ok(
	[
		"$newbin/pg_upgrade", '--no-sync',
		'--old-datadir' => $old->data_dir,
		'--new-datadir' => $new->data_dir,
		'--old-bindir' => $old->config_data('--bindir'),
		'--new-bindir' => $newbin,
		'--socketdir' => $new->host,
		'--old-port' => $old->port,
		'--new-port' => $new->port,
	],
	'pg_upgrade');
$new->start;

is($new->safe_psql('plant', "SELECT extversion FROM pg_extension WHERE extname = 'lottrace'"),
	$extversion, 'the extension keeps its version');

# every way of reading links gives the old answers from the copied indexes
for my $method ('auto', 'index', 'index_am', 'heap', 'sql')
{
	my $after = contents($new, 'plant', "SET lottrace.trace_method = $method");
	for my $what (sort keys %$before)
	{
		next if $method ne 'auto' && $what ne 'traces' && $what ne 'edges';
		is($after->{$what}, $before->{$what}, "trace_method $method: $what the same after pg_upgrade");
	}
}
like(
	$new->safe_psql('plant', <<'SQL'),
SET lottrace.trace_method = index;
SELECT count(*) FROM lottrace.trace_forward(1);
SELECT value FROM lottrace.genealogy_info() WHERE property = 'last trace level 1';
SQL
	qr/^\d+\nforward from depth 0: index, 1 lots expanded, \d+ index pages read/,
	'the btree reader reads the upgraded index');

# the copied indexes agree with their tables, by the new major's amcheck
$new->safe_psql('plant', 'CREATE EXTENSION amcheck');
for my $index ('links_parent_idx', 'links_child_idx')
{
	$new->safe_psql('plant',
		"SELECT bt_index_parent_check('lottrace.$index', heapallindexed => true, rootdescend => true)");
	pass("amcheck: $index is sound after pg_upgrade");
}

# new rows get new ids, new links go into the copied indexes and are traced
is($new->safe_psql('plant', <<'SQL'), "t\nt", 'the genealogy goes on after pg_upgrade');
INSERT INTO lottrace.lots (item, code) VALUES ('new', 'N-1');
INSERT INTO lottrace.links (parent_id, child_id)
SELECT 1000001, id FROM lottrace.lots WHERE item = 'new';
SET lottrace.trace_method = index;
SELECT lottrace.is_descendant((SELECT id FROM lottrace.lots WHERE item = 'new'), 3000);
SET lottrace.trace_method = heap;
SELECT lottrace.is_descendant((SELECT id FROM lottrace.lots WHERE item = 'new'), 3000);
SQL
is($new->safe_psql('plant', "SELECT lottrace.lot_next('YYMMDD-NNN', '2024-03-05')"), '240305-006',
	'lot sequences continue after pg_upgrade');

$new->stop;
done_testing();
