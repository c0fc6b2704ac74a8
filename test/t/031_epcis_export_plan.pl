# epcis_export does not depend on fresh statistics.  After a bulk load of
# 10,000 events that no ANALYZE has seen (none at all, or statistics taken
# while the store was nearly empty, whose most common values say that no
# traced lot exists), an export of 200 links reads rows in proportion to
# what it exports, never every event or event lot of the store: counted in
# pg_stat_xact_user_tables (rows fetched by sequential and index scans), and
# with a statement timeout far above what it takes.  0.2.0's export joined
# whole tables (every event against event_lots) and on misleading estimates
# took minutes for this.
use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('plan');
$node->init;
# no ANALYZE behind the test's back
$node->append_conf('postgresql.conf', "autovacuum = off\n");
$node->start;

# fill(DB, PRELUDE): 10,000 events, as an import leaves them: a chain of
# 200 transformations (lot 0 -> 1 -> ... -> 200, 200 links, each of its
# event) among 9,800 shipments and receipts of 4,900 other lots, which are
# linked among themselves by 9,797 links of no event; the 10,000 EPCIS
# event ids claimed
sub fill
{
	my ($db, $prelude) = @_;
	$node->safe_psql('postgres', "CREATE DATABASE $db TEMPLATE template0 ENCODING 'UTF8' LOCALE 'C'");
	$node->safe_psql($db, 'CREATE EXTENSION lottrace');
	$node->safe_psql($db, $prelude) if $prelude;
	$node->safe_psql($db, <<'SQL');
SET search_path = lottrace, public;
BEGIN;
INSERT INTO lots (id, item, code)
SELECT i, '09506000134383', 'C' || i FROM generate_series(0, 200) i
UNION ALL SELECT 1000 + i, '09506000134390', 'O' || i FROM generate_series(1, 4900) i;
INSERT INTO events (id, kind, occurred_at, location)
SELECT i, 'transform', '2024-01-01'::timestamptz + i * interval '1 minute', 'plant' FROM generate_series(1, 200) i
UNION ALL SELECT 200 + i, CASE WHEN i % 2 = 0 THEN 'ship' ELSE 'receive' END::event_kind,
		  '2024-02-01'::timestamptz + i * interval '1 minute', 'dc' FROM generate_series(1, 9800) i;
INSERT INTO event_lots (event_id, lot_id, role, quantity)
SELECT i, i - 1, 'input'::event_lot_role, 1 FROM generate_series(1, 200) i
UNION ALL SELECT i, i, 'output', 1 FROM generate_series(1, 200) i
UNION ALL SELECT 200 + i, 1000 + (i + 1) / 2, 'subject', 1 FROM generate_series(1, 9800) i;
INSERT INTO links (parent_id, child_id, quantity, event_id, linked_at)
SELECT i - 1, i, 1, i, '2024-01-01'::timestamptz + i * interval '1 minute' FROM generate_series(1, 200) i;
INSERT INTO links (parent_id, child_id, linked_at)
SELECT 1000 + i, 1001 + i, '2024-03-01'::timestamptz FROM generate_series(1, 4899) i
UNION ALL SELECT 1000 + i, 1001 + (i * 7) % 4900, '2024-03-02' FROM generate_series(1, 4899) i WHERE 1000 + i <> 1001 + (i * 7) % 4900;
INSERT INTO epcis_imported (event_id, lottrace_event_id) SELECT 'urn:uuid:' || i, i FROM generate_series(1, 10000) i;
COMMIT;
SQL
}

fill('nostats', undef);
# statistics of a store that held one receipt of one other lot
fill('stale', <<'SQL');
INSERT INTO lottrace.lots (id, item, code) VALUES (900000, '09506000134390', 'SEED');
INSERT INTO lottrace.events (id, kind, occurred_at) VALUES (900000, 'receive', '2024-01-01');
INSERT INTO lottrace.event_lots VALUES (900000, 900000, 'subject', 1, NULL);
ANALYZE lottrace.lots, lottrace.events, lottrace.event_lots, lottrace.links, lottrace.epcis_imported;
SQL

for my $db ('nostats', 'stale')
{
	is($node->safe_psql($db,
			"SELECT count(*) FROM pg_stat_user_tables WHERE schemaname = 'lottrace' AND relname = 'events'
				AND last_analyze IS NULL AND last_autoanalyze IS NULL"),
		$db eq 'nostats' ? 1 : 0, "$db: events analyzed only as set up");
	# the same transaction's counters: what the export read, and only that
	my $result = $node->safe_psql($db, <<'SQL');
SET statement_timeout = '60s';
BEGIN;
SELECT jsonb_array_length(d #> '{epcisBody,eventList}') || ' events, '
	   || (SELECT sum(jsonb_array_length(e -> 'lottrace:links')) FROM jsonb_array_elements(d #> '{epcisBody,eventList}') e)
	   || ' links'
  FROM lottrace.epcis_export(ARRAY[0::bigint], 'forward') d;
SELECT relname || ' ' || (coalesce(seq_tup_read, 0) + coalesce(idx_tup_fetch, 0))
  FROM pg_stat_xact_user_tables
 WHERE schemaname = 'lottrace' AND relname IN ('events', 'event_lots', 'links', 'lots', 'epcis_imported')
 ORDER BY relname;
COMMIT;
SQL
	my ($exported, @read) = split /\n/, $result;
	is($exported, '200 events, 200 links', "$db: the chain is exported, within the statement timeout");
	my %read = map { split / / } @read;
	note("$db: rows read: @read");
	# 200 events with 400 event lots, 200 links and 201 lots are exported;
	# each is looked up a few times by key
	for my $table ('events', 'event_lots', 'links', 'lots', 'epcis_imported')
	{
		cmp_ok($read{$table} // 0, '<=', 2000, "$db: the export read at most 2,000 rows of $table")
		  or diag("rows read: @read");
	}
}

$node->stop;
done_testing();
