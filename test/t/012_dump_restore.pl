# pg_dump and pg_restore keep the genealogy: every lot, link, event, event
# lot, status change and lot sequence counter, the identity sequences (so
# that new rows get new ids), and the genealogy indexes, so that traces give
# the same answers after a restore.  Both the custom format through
# pg_restore and a plain SQL dump through psql are checked, into a new
# database of another cluster.
use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

use FindBin;
use lib "$FindBin::RealBin/../perl";
use LottraceData;

my $source = PostgreSQL::Test::Cluster->new('source');
$source->init;
$source->start;
my $target = PostgreSQL::Test::Cluster->new('target');
$target->init;
$target->start;

$source->safe_psql('postgres', "CREATE DATABASE plant TEMPLATE template0 ENCODING 'UTF8' LOCALE 'C'");
fill($source, 'plant');

my $before = contents($source, 'plant');
cmp_ok(scalar(split /\n/, $before->{links}), '>', 3000, 'the source has a genealogy');

my $dump = $source->basedir . '/plant.dump';
my $plain = $source->basedir . '/plant.sql';
$source->command_ok([ 'pg_dump', '-Fc', '-d', $source->connstr('plant'), '-f', $dump ], 'pg_dump, custom format');
$source->command_ok([ 'pg_dump', '-Fp', '-d', $source->connstr('plant'), '-f', $plain ], 'pg_dump, plain SQL');

for my $format ('custom', 'plain')
{
	my $db = "restored_$format";
	$target->safe_psql('postgres', "CREATE DATABASE $db TEMPLATE template0 ENCODING 'UTF8' LOCALE 'C'");
	if ($format eq 'custom')
	{
		$target->command_ok([ 'pg_restore', '--exit-on-error', '-d', $target->connstr($db), $dump ],
			'pg_restore of the custom dump');
	}
	else
	{
		$target->command_ok([ 'psql', '-X', '-q', '-v', 'ON_ERROR_STOP=1', '-d', $target->connstr($db), '-f', $plain ],
			'psql runs the plain dump');
	}
	my $after = contents($target, $db);
	for my $what (sort keys %$before)
	{
		is($after->{$what}, $before->{$what}, "$format: $what the same after the restore");
	}

	# new rows get new ids, and the genealogy goes on
	is($target->safe_psql($db, <<'SQL'), 't', "$format: identities continue after the restored ids");
INSERT INTO lottrace.lots (item, code) VALUES ('new', 'N-1');
INSERT INTO lottrace.links (parent_id, child_id) VALUES (1000001, (SELECT id FROM lottrace.lots WHERE item = 'new'));
SELECT lottrace.is_descendant((SELECT id FROM lottrace.lots WHERE item = 'new'), 3000)
SQL
	is($target->safe_psql($db, "SELECT lottrace.lot_next('YYMMDD-NNN', '2024-03-05')"), '240305-006',
		"$format: lot sequences continue");
	is($target->safe_psql($db, "SELECT count(*) FROM lottrace.genealogy_info() WHERE value LIKE 'valid%'"), '2',
		"$format: both genealogy indexes are there and valid");
}

$source->stop;
$target->stop;
done_testing();
