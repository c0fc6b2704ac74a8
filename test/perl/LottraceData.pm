# LottraceData: a database of every kind of lottrace row, and what of it
# must survive a copy of the cluster, for the TAP tests that move a database
# (012_dump_restore.pl: pg_dump and pg_restore; 025_pg_upgrade.pl: pg_upgrade).
package LottraceData;

use strict;
use warnings;

use Exporter 'import';
our @EXPORT = qw(fill contents);

# Lots of every status with odd codes and attributes, events, event lots, a
# genealogy with diamonds and cycles, status changes with reasons and lot
# sequence counters, in the database $db of $node.
sub fill
{
	my ($node, $db) = @_;
	$node->safe_psql($db, <<'SQL');
CREATE EXTENSION lottrace;
SET search_path = lottrace, public;
-- lots of every status, odd codes, attributes, some explicit ids
INSERT INTO lots (item, code, quantity, uom, produced_at, expires_at, status, tlc_source, supplier, attributes)
SELECT 'item-' || g % 17, 'L' || g || CASE WHEN g % 5 = 0 THEN '"/;%' ELSE '' END, g * 1.5, 'kg',
       '2024-01-01 00:00+00'::timestamptz + g * interval '1 hour', date '2024-06-01' + g % 90,
       (enum_range(NULL::lot_status))[1 + g % 6], 'site ' || g % 3, 'supplier ' || g % 7,
       jsonb_build_object('g', g, 'tag', 'x' || g % 4)
  FROM generate_series(1, 3000) g;
INSERT INTO lots (id, item, code) VALUES (1000000, 'imported', 'EXT-1'), (1000001, 'imported', 'EXT-2');
INSERT INTO events (kind, occurred_at, location, partner, reference_type, reference)
SELECT (enum_range(NULL::event_kind))[1 + g % 9], '2024-02-01 00:00+00'::timestamptz + g * interval '1 day',
       'site ' || g % 3, 'partner ' || g % 5, 'BOL', 'B-' || g
  FROM generate_series(1, 200) g;
INSERT INTO event_lots (event_id, lot_id, role, quantity, uom)
SELECT 1 + g % 200, g, (enum_range(NULL::event_lot_role))[1 + g % 3], g, 'kg' FROM generate_series(1, 3000) g;
-- a genealogy with diamonds and cycles
INSERT INTO links (parent_id, child_id, quantity, kind, event_id, linked_at)
SELECT p, c, (p + c) % 10, (enum_range(NULL::link_kind))[1 + (p + c) % 6], CASE WHEN p % 3 = 0 THEN 1 + p % 200 END,
       '2024-03-01 00:00+00'::timestamptz + p * interval '1 minute'
  FROM (SELECT g AS p, (g + 1 + (g * 7919) % 40) AS c FROM generate_series(1, 2900) g
        UNION SELECT g, g + 2 FROM generate_series(1, 2900, 3) g
        UNION SELECT g + 50, g FROM generate_series(1, 2900, 97) g) l
 WHERE c <= 3000;
INSERT INTO links (parent_id, child_id) VALUES (1000000, 1), (3000, 1000001), (1000001, 1000000);
-- status changes with reasons, counters of lot_next
BEGIN;
SELECT set_config('lottrace.status_reason', 'audit 2024-07', true);
UPDATE lots SET status = 'hold' WHERE id % 101 = 0;
COMMIT;
SELECT lot_next('YYMMDD-NNN', '2024-03-05') FROM generate_series(1, 5);
SQL
	return;
}

# What must survive, by name: every table in a stable order, the sequences,
# the genealogy indexes, traces and edges.  $settings (optional) is run
# first in each session, e.g. to force a trace method.
my @tables = (
	[ 'lots', 'id' ], [ 'links', 'id' ], [ 'events', 'id' ], [ 'event_lots', 'event_id, lot_id, role' ],
	[ 'lot_status_log', 'id' ], [ 'lot_sequences', 'template, scope' ]);

sub contents
{
	my ($node, $db, $settings) = @_;
	my %contents;
	$settings = defined $settings ? "$settings;" : '';
	for my $t (@tables)
	{
		my ($table, $order) = @$t;
		$contents{$table} = $node->safe_psql($db, "SELECT t::text FROM lottrace.$table t ORDER BY $order");
	}
	$contents{sequences} = $node->safe_psql($db,
		"SELECT sequencename, last_value FROM pg_sequences WHERE schemaname = 'lottrace' ORDER BY 1");
	$contents{indexes} = $node->safe_psql($db,
		"SELECT indexrelid::regclass, pg_get_indexdef(indexrelid), indisvalid FROM pg_index
		  WHERE indrelid = 'lottrace.links'::regclass ORDER BY indexrelid::regclass::text");
	$contents{traces} = $node->safe_psql($db,
		"$settings SELECT r, t::text FROM generate_series(1, 3000, 37) r, lottrace.trace_forward(r) t
		 UNION ALL
		 SELECT -r, t::text FROM generate_series(1, 3000, 41) r, lottrace.trace_backward(r) t
		 ORDER BY 1, 2");
	$contents{edges} = $node->safe_psql($db,
		"$settings SELECT e::text FROM lottrace.trace_edges('{1000000, 1500, 2999}', 'both') e ORDER BY 1");
	return \%contents;
}

1;
