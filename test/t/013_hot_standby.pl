# Traces on a hot standby.
#
# A primary and a streaming standby (hot_standby_feedback off).  The
# genealogy (100,000 lots, about 245,000 links, so that each genealogy index
# spans over a thousand pages) is loaded on the primary through WAL replay.
#
#  1. At the same replayed LSN, the standby gives the primary's answers:
#     trace_forward, trace_backward, trace_edges, trace_dot, is_descendant
#     with every read method, genealogy_info (what each level of the same
#     trace read, the index and table figures), the recall views after
#     open_recall on the primary, allocate and fsma204_sortable.
#  2. What writes fails on the standby with the usual read-only error (25006).
#  3. A REPEATABLE READ transaction on the standby keeps seeing links the
#     primary deleted after its snapshot, also once the primary has marked
#     their index entries dead (LP_DEAD, which the standby receives in full
#     page images but must not trust: the primary set them for its own
#     snapshots only).
#  4. While the primary inserts and deletes links (splitting leaf pages,
#     emptying and deleting others) and vacuums, the standby's traces agree
#     with recursive CTEs evaluated in the same statement, with every read
#     method.
#  5. With max_standby_streaming_delay 0, a trace running on the standby
#     when the primary's cleanup of rows it might need is replayed fails with
#     the usual 40001 "canceling statement due to conflict with recovery",
#     an idle transaction holding a trace in a cursor loses its connection
#     with 40001 "terminating connection", and the standby goes on giving
#     the primary's answers.
use strict;
use warnings;

use IPC::Run;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $primary = PostgreSQL::Test::Cluster->new('primary');
$primary->init(allows_streaming => 1);
# allows_streaming sets shared_buffers to 1MB; vacuums are the test's own
$primary->append_conf('postgresql.conf', <<'CONF');
shared_buffers = 64MB
autovacuum = off
log_statement = none
CONF
$primary->start;
$primary->safe_psql('postgres', 'CREATE EXTENSION lottrace');
# pageinspect and pgstattuple show what replay did to the index pages; an
# installation without them (the PostgreSQL 18 built for the tests) skips
# those checks
my %contrib;
for my $extension (qw(pageinspect pgstattuple))
{
	$contrib{$extension} = $primary->safe_psql('postgres',
		"SELECT count(*) FROM pg_available_extensions WHERE name = '$extension'") eq '1';
	$primary->safe_psql('postgres', "CREATE EXTENSION $extension") if $contrib{$extension};
}
$primary->backup('base');

my $standby = PostgreSQL::Test::Cluster->new('standby');
$standby->init_from_backup($primary, 'base', has_streaming => 1);
# Until the conflict phase, replay waits for standby queries: none of the
# comparisons is cancelled, whatever the timing.
$standby->append_conf('postgresql.conf', <<'CONF');
hot_standby_feedback = off
max_standby_streaming_delay = -1
log_error_verbosity = verbose
CONF
$standby->start;

# ---- the genealogy, loaded through replay ----------------------------------

diag 'hot standby: loading the genealogy on the primary';
$primary->safe_psql('postgres', <<'SQL');
-- five layers of 20,000 lots; each lot of layers 1-4 made of 3 lots of the
-- layer before; four popular raw lots (salt) in a seventh of layer 1;
-- finished lots reworked into layer 1 (cycles)
INSERT INTO lottrace.lots (id, item, code)
SELECT g, 'layer' || (g - 1) / 20000, 'L' || g FROM generate_series(1, 100000) g;
INSERT INTO lottrace.links (parent_id, child_id, quantity)
SELECT ((c - 1) / 20000 - 1) * 20000 + 1 + (hashint8(c * 3 + k) & 1048575) % 20000, c, k + 1
  FROM generate_series(20001, 100000) c, generate_series(0, 2) k
UNION ALL
SELECT 1 + c % 4, c, 1 FROM generate_series(20001, 40000, 7) c
UNION ALL
SELECT c, 20001 + (hashint8(c) & 1048575) % 20000, 1 FROM generate_series(80001, 100000, 97) c;
UPDATE lottrace.links SET kind = 'rework' WHERE parent_id > 80000 AND child_id <= 40000;
-- stock and shipments of finished lots, for the recall views and allocate
INSERT INTO lottrace.stock (lot_id, location, on_hand)
SELECT g, 'DC' || g % 3, g % 50 + 1 FROM generate_series(80001, 100000, 3) g;
UPDATE lottrace.lots SET expires_at = date '2030-01-01' + id::int % 300 WHERE id > 80000;
INSERT INTO lottrace.events (id, kind, occurred_at, partner, reference)
SELECT g, 'ship', timestamptz '2024-05-01 00:00+00' + g * interval '1 minute', 'customer ' || g % 37, 'BOL-' || g
  FROM generate_series(80001, 100000, 5) g;
INSERT INTO lottrace.event_lots (event_id, lot_id, role, quantity)
SELECT g, g, 'subject', g % 7 + 1 FROM generate_series(80001, 100000, 5) g;
VACUUM ANALYZE lottrace.lots, lottrace.links, lottrace.stock, lottrace.events, lottrace.event_lots;

-- References for the concurrent phase, as recursive CTEs.  STABLE SQL
-- functions: they run with the snapshot of the statement that calls them,
-- the one the traces of that statement read with.
CREATE SCHEMA chk;
CREATE FUNCTION chk.reach_forward(roots bigint[]) RETURNS SETOF bigint STABLE LANGUAGE sql AS $$
	WITH RECURSIVE r(id) AS (SELECT unnest(roots) UNION
	                         SELECT l.child_id FROM r JOIN lottrace.links l ON l.parent_id = r.id)
	SELECT id FROM r $$;
CREATE FUNCTION chk.reach_backward(roots bigint[]) RETURNS SETOF bigint STABLE LANGUAGE sql AS $$
	WITH RECURSIVE r(id) AS (SELECT unnest(roots) UNION
	                         SELECT l.parent_id FROM r JOIN lottrace.links l ON l.child_id = r.id)
	SELECT id FROM r $$;
-- lots within max_depth, with the shortest depth and the smallest lot one
-- level up that links to it: r holds every (lot, length of a walk to it,
-- the lot before), and the lots before on the shortest walks are exactly
-- those one level up
CREATE FUNCTION chk.levels_forward(roots bigint[], max_depth int)
	RETURNS TABLE (lot_id bigint, depth int, via_id bigint) STABLE LANGUAGE sql AS $$
	WITH RECURSIVE r(id, depth, via) AS (SELECT unnest(roots), 0, NULL::bigint UNION
	                                     SELECT l.child_id, r.depth + 1, r.id FROM r JOIN lottrace.links l ON l.parent_id = r.id
	                                      WHERE r.depth < max_depth)
	SELECT DISTINCT ON (id) id, depth, via FROM r ORDER BY id, depth, via $$;
-- the links of the subgraph both ways
CREATE FUNCTION chk.edges(roots bigint[]) RETURNS TABLE (link_id bigint, parent_id bigint, child_id bigint)
	STABLE LANGUAGE sql AS $$
	SELECT l.id, l.parent_id, l.child_id FROM lottrace.links l JOIN chk.reach_forward(roots) f(id) ON l.parent_id = f.id
	UNION
	SELECT l.id, l.parent_id, l.child_id FROM lottrace.links l JOIN chk.reach_backward(roots) b(id) ON l.child_id = b.id $$;
-- a popular raw lot, ordinary ones, intermediates, finished lots
CREATE TABLE chk.root_sets (roots bigint[] NOT NULL, popular boolean NOT NULL DEFAULT false);
INSERT INTO chk.root_sets VALUES ('{1}', true);
INSERT INTO chk.root_sets (roots) VALUES ('{5}'), ('{12345}'), ('{30000}'), ('{64000}'), ('{99999}'),
	('{85000}'), ('{20001,40001,60001,80001}');
CREATE TABLE chk.pairs (lot bigint NOT NULL, ancestor bigint NOT NULL);
INSERT INTO chk.pairs
SELECT 60001 + (hashint8(g) & 1048575) % 40000, 1 + (hashint8(g + 1000) & 1048575) % 40000
  FROM generate_series(1, 150) g
UNION ALL VALUES (99999, 1), (99999, 99999), (20005, 80001), (1, 99999);
-- every disagreement between the traces and the CTEs, or nothing; with
-- is_descendant on the first npairs pairs (the links of the popular root's
-- subgraph are compared with the primary's, not here: a second per check)
CREATE FUNCTION chk.problems(npairs int) RETURNS text STABLE LANGUAGE sql AS $$
SELECT string_agg(problem, '; ') FROM (
	SELECT 'trace_forward ' || s.roots::text AS problem FROM chk.root_sets s
	 WHERE EXISTS (SELECT lot_id FROM lottrace.trace_forward(s.roots)
	               EXCEPT ALL SELECT * FROM chk.reach_forward(s.roots))
	    OR EXISTS (SELECT * FROM chk.reach_forward(s.roots)
	               EXCEPT ALL SELECT lot_id FROM lottrace.trace_forward(s.roots))
	UNION ALL
	SELECT 'trace_backward ' || s.roots::text FROM chk.root_sets s
	 WHERE EXISTS (SELECT lot_id FROM lottrace.trace_backward(s.roots)
	               EXCEPT ALL SELECT * FROM chk.reach_backward(s.roots))
	    OR EXISTS (SELECT * FROM chk.reach_backward(s.roots)
	               EXCEPT ALL SELECT lot_id FROM lottrace.trace_backward(s.roots))
	UNION ALL
	SELECT 'trace_forward max_depth 3 ' || s.roots::text FROM chk.root_sets s
	 WHERE EXISTS (SELECT * FROM lottrace.trace_forward(s.roots, 3)
	               EXCEPT ALL SELECT * FROM chk.levels_forward(s.roots, 3))
	    OR EXISTS (SELECT * FROM chk.levels_forward(s.roots, 3)
	               EXCEPT ALL SELECT * FROM lottrace.trace_forward(s.roots, 3))
	UNION ALL
	SELECT 'trace_edges both ' || s.roots::text FROM chk.root_sets s
	 WHERE NOT s.popular
	   AND (EXISTS (SELECT link_id, parent_id, child_id FROM lottrace.trace_edges(s.roots, 'both')
	                EXCEPT ALL SELECT * FROM chk.edges(s.roots))
	        OR EXISTS (SELECT * FROM chk.edges(s.roots)
	                   EXCEPT ALL SELECT link_id, parent_id, child_id FROM lottrace.trace_edges(s.roots, 'both')))
	UNION ALL
	SELECT format('is_descendant(%s, %s)', p.lot, p.ancestor)
	  FROM (SELECT * FROM chk.pairs ORDER BY lot, ancestor LIMIT npairs) p
	 WHERE lottrace.is_descendant(p.lot, p.ancestor) <>
	       (p.ancestor IN (SELECT * FROM chk.reach_backward(
	                         ARRAY(SELECT l.parent_id FROM lottrace.links l WHERE l.child_id = p.lot))))
) x $$;
SQL
$primary->wait_for_catchup($standby);

my @methods = qw(auto index index_am heap sql);

# the same queries on both nodes, after the standby has replayed everything
# (with what may differ masked)
sub same_answers
{
	my ($phase, $name, $query, $mask) = @_;
	my $on_primary = $primary->safe_psql('postgres', $query);
	my $on_standby = $standby->safe_psql('postgres', $query);
	($on_primary, $on_standby) = map { $mask->($_) } $on_primary, $on_standby if $mask;
	is($on_standby, $on_primary, "$phase: $name on the standby as on the primary");
	return $on_primary;
}

my $genealogy_info = q{
	SELECT string_agg(property || ': ' || regexp_replace(value, '[0-9.]+ ms', 'N ms', 'g'), E'\n')
	  FROM lottrace.genealogy_info()};

# Reading a frontier with a heap scan per level, the heap method takes
# seconds for the pairs is_descendant is asked about, and for the many levels
# of the popular root: it gets the first few pairs and the other roots.
sub pairs_for
{
	return $_[0] eq 'heap' ? 10 : 1000;
}

sub root_sets_for
{
	return $_[0] eq 'heap' ? '(SELECT * FROM chk.root_sets WHERE NOT popular)' : 'chk.root_sets';
}

# what every trace function returns, in the order it returns it
sub compare_traces
{
	my ($phase, @with) = @_;
	for my $method (@with)
	{
		my $set = "SET lottrace.trace_method = $method;";
		my $digests = same_answers($phase, "$method traces", qq{$set
			SELECT s.roots, d.f, count(*), md5(string_agg(t::text, ',' ORDER BY t.o))
			  FROM ${\ root_sets_for($method)} s, (VALUES ('forward'), ('backward'), ('forward 2')) d(f),
			       LATERAL (SELECT * FROM lottrace.trace_forward(s.roots) WITH ORDINALITY WHERE d.f = 'forward'
			                UNION ALL
			                SELECT * FROM lottrace.trace_backward(s.roots) WITH ORDINALITY WHERE d.f = 'backward'
			                UNION ALL
			                SELECT * FROM lottrace.trace_forward(s.roots, 2) WITH ORDINALITY WHERE d.f = 'forward 2')
			               t(lot_id, depth, via_id, o)
			 GROUP BY 1, 2 ORDER BY 1, 2});
		same_answers($phase, "$method trace_edges", qq{$set
			SELECT s.roots, count(*), md5(string_agg(e::text, ',' ORDER BY e.o))
			  FROM ${\ root_sets_for($method)} s,
			       lottrace.trace_edges(s.roots, 'both') WITH ORDINALITY e(link_id, parent_id, child_id, depth, quantity, kind, o)
			 GROUP BY 1 ORDER BY 1});
		same_answers($phase, "$method is_descendant", "$set
			SELECT string_agg(lottrace.is_descendant(lot, ancestor)::text, '' ORDER BY lot, ancestor)
			  FROM (SELECT * FROM chk.pairs ORDER BY lot, ancestor LIMIT " . pairs_for($method) . ') p');
		# The same levels, index pages and links.  Through the index AM, a
		# standby also reads the entries the primary's scans marked dead
		# (the AM ignores those marks in recovery): more tuples, more heap
		# checks, the same links.
		same_answers($phase, "$method genealogy_info after the same trace",
			"$set SELECT count(*) FROM lottrace.trace_forward(5); $genealogy_info",
			$method eq 'index_am' ? sub { $_[0] =~ s/\d+ tuples read, \d+ heap checks/N tuples read, N heap checks/gr } : undef);
		if ($method eq 'auto')
		{
			like($digests, qr/\{1\}\|forward\|[1-9][0-9]{4}\|/, "$phase: the popular root reaches tens of thousands of lots");
		}
	}
	# the traces are right, not only alike
	is($standby->safe_psql('postgres', 'SELECT chk.problems(1000)'), '',
		"$phase: the standby's traces agree with recursive CTEs");
	same_answers($phase, 'trace_dot', "SELECT md5(lottrace.trace_dot(ARRAY[99999, 5], 'both', 3))");
	same_answers($phase, 'genealogy_info before any trace', $genealogy_info);
}

# ---- 1. the same answers ---------------------------------------------------

# a recall opened on the primary, and the genealogy changed after it
$primary->safe_psql('postgres', <<'SQL');
SELECT lottrace.open_recall('Salt S-5', ARRAY[5::bigint], 'supplier notice');
INSERT INTO lottrace.links (parent_id, child_id)
SELECT 5, 99990;
DELETE FROM lottrace.links WHERE id = (SELECT min(id) FROM lottrace.links WHERE parent_id = 5);
SQL
$primary->wait_for_catchup($standby);

diag 'hot standby: comparing the standby with the primary';
compare_traces('at rest', @methods);
for my $view (qw(recall_scope recall_shipments recall_summary recall_scope_changes))
{
	my $rows = same_answers('at rest', $view,
		"SELECT count(*), md5(string_agg(v::text, E'\\n' ORDER BY v::text)) FROM lottrace.$view v");
	unlike($rows, qr/^0\|/, "at rest: $view has rows");
}
same_answers('at rest', 'allocate',
	"SELECT * FROM lottrace.allocate('layer4', 500, as_of => '2029-01-01')");
same_answers('at rest', 'fsma204_sortable',
	"SELECT count(*), md5(string_agg(f::text, E'\\n' ORDER BY f::text)) FROM lottrace.fsma204_sortable('2024-01-01', '2024-12-31') f");

# ---- 2. what writes fails ----------------------------------------------------

my %read_only = (
	"SELECT lottrace.open_recall('x', ARRAY[5::bigint])" => 'INSERT',
	'SELECT lottrace.close_recall(1)' => 'SELECT FOR UPDATE',
	"SELECT * FROM lottrace.set_status(ARRAY[5::bigint], 'hold', 'x')" => 'SELECT FOR NO KEY UPDATE',
	"SELECT * FROM lottrace.reserve('layer4', 5, 'SO-1')" => 'UPDATE',
	"SELECT lottrace.lot_next('YYMMDD-NNN', '2024-03-05')" => 'INSERT',
	'INSERT INTO lottrace.links (parent_id, child_id) VALUES (1, 2)' => 'INSERT',
);
for my $call (sort keys %read_only)
{
	my ($ret, $out, $err) = $standby->psql('postgres', "\\set VERBOSITY verbose\n$call");
	like($err, qr/ERROR:  25006: cannot execute $read_only{$call} in a read-only transaction/,
		"on the standby, $call: read-only error");
}

# ---- 3. a snapshot older than the primary's deletions -------------------------

# Links of lot 7 on a heap page with room to spare, so that reading them on
# the primary does not prune the page (which would be a conflict replay
# waits on) but only marks their index entries dead.  A reader that skipped
# entries so marked, as the index AM does outside recovery, would lose
# them here.
diag 'hot standby: a repeatable read transaction on the standby';
$primary->safe_psql('postgres', <<'SQL');
DO $$
DECLARE
	pages bigint := pg_relation_size('lottrace.links');
BEGIN
	WHILE pg_relation_size('lottrace.links') = pages LOOP
		INSERT INTO lottrace.links (parent_id, child_id) VALUES (8, 99998);
	END LOOP;
END
$$;
INSERT INTO lottrace.links (parent_id, child_id) SELECT 7, g FROM generate_series(99901, 99920) g;
SQL
$primary->wait_for_catchup($standby);
my $trace7 = "SELECT count(*), md5(string_agg(t::text, ',' ORDER BY t::text)) FROM lottrace.trace_forward(7) t";
my $reader = $standby->background_psql('postgres');
$reader->query_safe('BEGIN ISOLATION LEVEL REPEATABLE READ');
my $before = $reader->query_safe($trace7);

$primary->safe_psql('postgres', <<'SQL');
DELETE FROM lottrace.links WHERE parent_id = 7 AND child_id > 99900;
CHECKPOINT;
SET enable_seqscan = off;
SET enable_bitmapscan = off;
SET enable_indexonlyscan = off;
SELECT count(*) FROM lottrace.links WHERE parent_id = 7;
SQL
$primary->wait_for_catchup($standby);
my $dead_entries = q{
	SELECT count(*) FROM generate_series(1, pg_relation_size('lottrace.links_parent_idx') / 8192 - 1) b,
	       bt_page_items('lottrace.links_parent_idx', b::int) i
	 WHERE i.dead AND i.data LIKE '07 00 00 00 00 00 00 00%'};
SKIP:
{
	skip 'pageinspect is not installed', 1 unless $contrib{pageinspect};
	is($standby->safe_psql('postgres', $dead_entries), '20',
		'the standby replayed the index entries of the deleted links marked dead');
}
for my $method (@methods)
{
	is($reader->query_safe("SET lottrace.trace_method = $method; $trace7"), $before,
		"repeatable read on the standby, $method: the deleted links are still seen");
}
$reader->query_safe('COMMIT');
my ($after) = split /\|/, $reader->query_safe($trace7);
my ($count_before) = split /\|/, $before;
is($after, $count_before - 20, 'a new snapshot on the standby no longer sees them');
$reader->quit;

# ---- 4. traces while the primary writes ---------------------------------------

# The writer: rounds of inserted links (all over the key range: leaf pages
# split), links deleted by ranges of parents (whole leaf pages emptied, then
# deleted by VACUUM) and here and there, and VACUUM every few rounds.
my $rounds = 24;
my $script = "\\set ON_ERROR_STOP 1\nCREATE TABLE writer_rounds (round int);\n";
for my $round (1 .. $rounds)
{
	my $from = 20001 + $round * 600;
	$script .= <<"SQL";
INSERT INTO lottrace.links (parent_id, child_id)
SELECT ((c - 1) / 20000 - 1) * 20000 + 1 + (random() * 19999)::int, c
  FROM (SELECT 20001 + (random() * 79999)::int AS c FROM generate_series(1, 3000)) x;
DELETE FROM lottrace.links WHERE parent_id BETWEEN $from AND $from + 200;
DELETE FROM lottrace.links WHERE id % 997 = $round;
INSERT INTO writer_rounds VALUES ($round);
SELECT pg_sleep(0.2);
SQL
	$script .= "VACUUM lottrace.links;\n" if $round % 4 == 0;
}
my $script_file = $primary->basedir . '/writer.sql';
open(my $fh, '>', $script_file) or die $!;
print $fh $script;
close $fh;

# pages of the index (they grow by splits), and its deleted ones
my $pages = $contrib{pgstattuple}
  ? q{SELECT pg_relation_size('lottrace.links_parent_idx') / 8192, deleted_pages FROM pgstatindex('lottrace.links_parent_idx')}
  : q{SELECT pg_relation_size('lottrace.links_parent_idx') / 8192, 'unknown'};
my ($leaves_before, $deleted_before) = split /\|/, $standby->safe_psql('postgres', $pages);

diag "hot standby: $rounds rounds of writes on the primary, traces on the standby";
my ($writer_out, $writer_err) = ('', '');
my $writer = IPC::Run::start(
	[ 'psql', '-XAtq', '-d', $primary->connstr('postgres'), '-f', $script_file ],
	'>', \$writer_out, '2>', \$writer_err);
# The methods that read the index pages being split and deleted meanwhile
# (heap scans links once per level: seconds per check; it is checked at rest
# and in the repeatable read transaction above).
my @concurrent_methods = qw(auto index index_am sql);
my ($checks, $bad, %replayed) = (0, 0);
# (a harness notices that its process ended when it reads the end of its
# output)
sub writer_running
{
	$writer->pump_nb if $writer->pumpable;
	return $writer->pumpable;
}
while (1)
{
	my $running = writer_running();
	my $method = $concurrent_methods[ $checks % @concurrent_methods ];
	my $result = $standby->safe_psql('postgres',
		"SET lottrace.trace_method = $method; SELECT pg_last_wal_replay_lsn(), chk.problems(" . pairs_for($method) . ')');
	my ($lsn, $problems) = split /\|/, $result, 2;
	$replayed{$lsn} = 1;
	if ($problems ne '')
	{
		$bad++;
		diag "while the primary writes, $method at $lsn: $problems" if $bad <= 3;
	}
	$checks++;
	last unless $running;
}
ok($writer->finish, 'the writer ran') or diag $writer_err;
is($primary->safe_psql('postgres', 'SELECT count(*) FROM writer_rounds'), $rounds, 'the writer ran every round');
is($bad, 0, "while the primary writes: $checks checks on the standby agree with recursive CTEs");
cmp_ok(scalar(keys %replayed), '>=', 4, 'the standby replayed the writes during the checks');
note "$checks checks at " . scalar(keys %replayed) . ' replay positions';

$primary->wait_for_catchup($standby);
my ($leaves_after, $deleted_after) = split /\|/, $standby->safe_psql('postgres', $pages);
note "links_parent_idx on the standby: $leaves_before pages, $deleted_before deleted before; "
  . "$leaves_after and $deleted_after after";
cmp_ok($leaves_after, '>', $leaves_before, 'index pages were split during the checks');
SKIP:
{
	skip 'pgstattuple is not installed', 1 unless $contrib{pgstattuple};
	cmp_ok($deleted_after, '>', $deleted_before, 'emptied leaf pages were deleted during the checks');
}
# the methods that read the index pages the writes split and deleted
compare_traces('after the writes', qw(auto index index_am));

# ---- 5. recovery conflicts ---------------------------------------------------

diag 'hot standby: recovery conflicts';
$standby->append_conf('postgresql.conf', "max_standby_streaming_delay = 0\n");
$standby->reload;

# Start a session on the standby and wait until it is in the state given,
# then have the primary remove rows its snapshot may need, and send the
# session what comes next.  Returns what psql printed on stderr and the
# standby's log meanwhile.
sub conflict
{
	my ($name, $parents, $input, $wait_for, $then) = @_;
	my ($out, $err) = ('', '');
	my $in = $input;
	my $log_offset = -s $standby->logfile;
	my $session = IPC::Run::start(
		[ 'psql', '-XAtq', '-v', 'ON_ERROR_STOP=1', '-v', 'VERBOSITY=verbose', '-d', $standby->connstr('postgres') ],
		'<', \$in, '>', \$out, '2>', \$err);
	$session->pump while length $in;
	$standby->poll_query_until('postgres',
		"SELECT count(*) > 0 FROM pg_stat_activity WHERE $wait_for AND pid <> pg_backend_pid()")
	  or die "$name: the standby session did not get there";
	$primary->safe_psql('postgres',
		"DELETE FROM lottrace.links WHERE parent_id BETWEEN $parents; VACUUM lottrace.links");
	$primary->wait_for_catchup($standby);
	$in .= $then;
	$session->finish;
	return ($err, substr(slurp_file($standby->logfile), $log_offset), $session->result);
}

# a statement tracing again and again (the guard: a statement timeout, which
# would be another message)
my ($err, $log, $status) = conflict('trace', '60001 AND 60300',
	"SET statement_timeout = '180s';
	 SELECT count(*) FROM generate_series(1, 1000000) g, LATERAL lottrace.trace_forward(ARRAY[1, g]) t;\n",
	"query LIKE 'SELECT count(*) FROM generate_series%' AND state = 'active'", '');
like($err, qr/ERROR:  40001: canceling statement due to conflict with recovery\n.*DETAIL:  User query might have needed to see row versions that must be removed/,
	'a trace running on the standby is cancelled with the usual recovery conflict error');

# an idle transaction holding a trace in a cursor: the connection is closed
($err, $log, $status) = conflict('cursor', '60301 AND 60600',
	"BEGIN ISOLATION LEVEL REPEATABLE READ;
	 DECLARE c CURSOR FOR SELECT * FROM lottrace.trace_forward(1);
	 FETCH 10 FROM c;\n",
	"query LIKE 'FETCH%' AND state = 'idle in transaction'",
	"FETCH 10 FROM c;\n");
like($log, qr/FATAL:  40001: terminating connection due to conflict with recovery\n.*DETAIL:  User query might have needed to see row versions that must be removed/,
	'an idle transaction holding a trace on the standby is ended with the usual recovery conflict error');
is($status, 2, 'its client lost the connection');
cmp_ok($standby->safe_psql('postgres',
		"SELECT confl_snapshot FROM pg_stat_database_conflicts WHERE datname = 'postgres'"),
	'>=', 2, 'the standby counted the snapshot conflicts');

$standby->append_conf('postgresql.conf', "max_standby_streaming_delay = -1\n");
$standby->reload;
compare_traces('after the conflicts', 'auto');
unlike(slurp_file($standby->logfile), qr/terminated by signal|PANIC|TRAP/, 'no crash on the standby');

done_testing();
