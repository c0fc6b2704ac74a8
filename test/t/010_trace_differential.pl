# Randomized differential test of the trace functions.
#
# Builds a random genealogy shaped like production (layers of lots mixed
# into the next layer, with popular raw lots, diamonds, long chains, rework
# cycles, duplicate links, sparse and negative ids, deleted and rolled-back
# links) and compares trace_forward, trace_backward, trace_edges,
# is_descendant, trace_dot and trace_common_sources, for many root sets and
# depth bounds and with every read method, against a breadth-first search
# written here (for trace_common_sources, one per given lot, intersected)
# and against recursive CTEs.  Run twice: before VACUUM (every index entry needs a heap
# check) and after (index-only reads).  The seed is printed so that a failure
# can be replayed with LOTTRACE_TRACE_SEED=….
use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $seed = $ENV{LOTTRACE_TRACE_SEED} // time();
srand($seed);
note "trace seed: $seed";

my $node = PostgreSQL::Test::Cluster->new('trace');
$node->init;
$node->start;
$node->safe_psql('postgres', 'CREATE EXTENSION lottrace');

sub pick { return $_[ int(rand(@_)) ] }

# ---- the genealogy ------------------------------------------------------

my @ids;
my $nlots = 2000;
for my $i (1 .. $nlots)
{
	# mostly dense identity-like ids, some far apart, a few negative
	my $r = rand();
	push @ids, $r < 0.85 ? $i : $r < 0.95 ? 1_000_000_000_000 + $i * 7919 : -$i;
}
my @layers;
{
	my @sizes = (150, 400, 500, 500, 300, 150);
	my $at = 0;
	for my $size (@sizes)
	{
		push @layers, [ @ids[ $at .. $at + $size - 1 ] ];
		$at += $size;
	}
}

my @links;    # [id, parent, child]
my $link_id = 0;
sub add_link
{
	my ($parent, $child) = @_;
	return if $parent == $child;
	push @links, [ ++$link_id, $parent, $child ];
}

for my $k (1 .. $#layers)
{
	my @parents = @{ $layers[ $k - 1 ] };
	for my $child (@{ $layers[$k] })
	{
		my $inputs = 1 + int(rand(6));
		for (1 .. $inputs)
		{
			# skewed popularity: the first few lots of a layer go everywhere
			my $parent = rand() < 0.3 ? $parents[ int(rand(5)) ] : pick(@parents);
			add_link($parent, $child);
		}
	}
}
# long chains hanging off random lots
my $chain_start = $nlots;
for my $chain (1 .. 4)
{
	my $prev = pick(@{ $layers[2] });
	for my $step (1 .. 60)
	{
		my $lot = $ids[ int(rand($nlots)) ];
		add_link($prev, $lot);
		$prev = $lot;
	}
}
# rework: later lots fed back into earlier layers (cycles)
for (1 .. 40)
{
	add_link(pick(@{ $layers[ 3 + int(rand(3)) ] }), pick(@{ $layers[ 1 + int(rand(2)) ] }));
}
# small cycles of returns, and duplicate links
for (1 .. 10)
{
	my ($a, $b, $c) = map { $ids[ int(rand($nlots)) ] } 1 .. 3;
	add_link($a, $b);
	add_link($b, $c);
	add_link($c, $a);
}
for (1 .. 30)
{
	my $l = pick(@links);
	add_link($l->[1], $l->[2]);
}

my $lots_copy = join("\n", map { "$_\titem" . ($_ % 7) . "\tL$_" } @ids) . "\n";
my $links_copy = join("\n", map { join("\t", @$_, int(rand(100)), pick(qw(consume split merge rework))) } @links) . "\n";
$node->safe_psql('postgres', "COPY lottrace.lots (id, item, code) FROM STDIN;\n$lots_copy\\.\n");
$node->safe_psql('postgres',
	"COPY lottrace.links (id, parent_id, child_id, quantity, kind) FROM STDIN;\n$links_copy\\.\n");
# explicit ids do not move the identity sequences
$node->safe_psql('postgres',
	"SELECT setval(pg_get_serial_sequence('lottrace.links', 'id'), max(id)) FROM lottrace.links");

# deleted links leave dead index entries; so do rolled-back ones
my %deleted;
for (1 .. int(@links * 0.03))
{
	$deleted{ pick(@links)->[0] } = 1;
}
$node->safe_psql('postgres',
	'DELETE FROM lottrace.links WHERE id IN (' . join(',', sort { $a <=> $b } keys %deleted) . ')');
@links = grep { !$deleted{ $_->[0] } } @links;
$node->safe_psql('postgres',
	'BEGIN; INSERT INTO lottrace.links (parent_id, child_id) SELECT p.id, c.id FROM lottrace.lots p, lottrace.lots c '
	  . 'WHERE p.id % 97 = 1 AND c.id % 89 = 2 AND p.id <> c.id; ROLLBACK;');
note scalar(@links) . " links between $nlots lots";

# ---- the reference: breadth-first search in Perl ------------------------

my (%down, %up);    # lot => [[neighbour, link id], ...]
for my $l (@links)
{
	push @{ $down{ $l->[1] } }, [ $l->[2], $l->[0] ];
	push @{ $up{ $l->[2] } }, [ $l->[1], $l->[0] ];
}

sub uniq_sorted
{
	my %seen;
	return sort { $a <=> $b } grep { !$seen{$_}++ } @_;
}

# lot => [depth, via]; also returns the links met, as [id, near, far, depth]
sub bfs
{
	my ($adj, $roots, $max) = @_;
	my %result;
	my @met;
	my @frontier = uniq_sorted(@$roots);
	$result{$_} = [ 0, undef ] for @frontier;
	my $depth = 0;
	while (@frontier && (!defined $max || $depth < $max))
	{
		my %next;
		for my $u (@frontier)
		{
			for my $e (@{ $adj->{$u} // [] })
			{
				my ($v, $id) = @$e;
				push @met, [ $id, $u, $v, $depth ];
				next if exists $result{$v};
				$next{$v} = $u if !exists $next{$v} || $u < $next{$v};
			}
		}
		$depth++;
		$result{$_} = [ $depth, $next{$_} ] for keys %next;
		@frontier = sort { $a <=> $b } keys %next;
	}
	return (\%result, \@met);
}

sub lots_rows
{
	my ($result) = @_;
	return join("\n",
		sort map { "$_|$result->{$_}[0]|" . ($result->{$_}[1] // '') } keys %$result);
}

sub edges_rows
{
	my ($roots, $max, $direction) = @_;
	my @rows;
	my %forward;
	if ($direction ne 'backward')
	{
		my (undef, $met) = bfs(\%down, $roots, $max);
		for (@$met)
		{
			$forward{ $_->[0] } = 1;
			push @rows, "$_->[0]|$_->[1]|$_->[2]|$_->[3]";
		}
	}
	if ($direction ne 'forward')
	{
		my (undef, $met) = bfs(\%up, $roots, $max);
		push @rows, "$_->[0]|$_->[2]|$_->[1]|$_->[3]" for grep { !$forward{ $_->[0] } } @$met;
	}
	return join("\n", sort @rows);
}

# ---- the root sets --------------------------------------------------------

# is_descendant: random pairs (from a limited set of ancestors, whose
# closures are computed once), every lot with itself, linked pairs
my @pairs;
for (1 .. 300)
{
	push @pairs, [ $ids[ int(rand($nlots)) ], $ids[ int(rand(300)) * 6 ] ] for 1 .. 3;
	push @pairs, [ $ids[ int(rand($nlots)) ], $ids[ int(rand($nlots)) ] ];
	push @pairs, [ pick(@links)->[2], pick(@links)->[1] ];
	my $lot = $ids[ int(rand($nlots)) ];
	push @pairs, [ $lot, $lot ];
}

my @root_sets;
push @root_sets, [ $layers[0][$_] ] for 0 .. 9;              # the popular raw lots
push @root_sets, [ $ids[ int(rand($nlots)) ] ] for 1 .. 70;
push @root_sets, [ map { $ids[ int(rand($nlots)) ] } 1 .. 1 + int(rand(6)) ] for 1 .. 40;
push @root_sets, [ @{ $layers[0] }[ 0 .. 29 ] ];                # a recall of many raw lots
my $values = join(', ', map { "($_, '{" . join(',', @{ $root_sets[$_] }) . "}'::bigint[])" } 0 .. $#root_sets);

sub sql_rows
{
	my ($query) = @_;
	my %by_set;
	for my $line (split /\n/, $node->safe_psql('postgres', $query))
	{
		my ($n, $rest) = split /\|/, $line, 2;
		push @{ $by_set{$n} }, $rest;
	}
	return \%by_set;
}

# Compares the rows of each root set (of "sets", by default @root_sets) with
# the reference; sorted, or in the order they came when "ordered".
sub compare_sets
{
	my ($name, $got, $expected_of, $nsets, %options) = @_;
	my $sets = $options{sets} // \@root_sets;
	my $bad = 0;
	$nsets //= @$sets;
	for my $n (0 .. $nsets - 1)
	{
		my $expected = $expected_of->($sets->[$n], $n);
		my @rows = @{ $got->{$n} // [] };
		my $actual = join("\n", $options{ordered} ? @rows : sort @rows);
		next if $actual eq $expected;
		$bad++;
		if ($bad <= 3)
		{
			diag "$name, roots {@{$sets->[$n]}}:";
			diag "  expected: " . join(' ', (split /\n/, $expected)[ 0 .. 9 ]);
			diag "  got:      " . join(' ', (split /\n/, $actual)[ 0 .. 9 ]);
		}
	}
	is($bad, 0, "$name: $nsets root sets");
}

# trace_common_sources: the root sets above, and some of more than 64 and
# 128 lots (masks of several words); each with clean lots of its own, from
# another set and a random lot
my @common_sets = (@root_sets[ 0 .. 59 ],
	map { my $n = $_; [ map { $ids[ int(rand($nlots)) ] } 1 .. $n ] } 70, 130, 200);
my @common_clean = map { [ @{ $common_sets[ ($_ + 7) % @common_sets ] }[ 0 .. 1 ], $ids[ int(rand($nlots)) ] ] }
  0 .. $#common_sets;
my $common_values = join(', ',
	map { "($_, '{" . join(',', @{ $common_sets[$_] }) . "}'::bigint[], '{" . join(',', grep { defined } @{ $common_clean[$_] }) . "}'::bigint[])" }
	  0 .. $#common_sets);

# The ancestors of a lot through one or more links (so itself only through
# a cycle), at most $max links up: a trace from its parents, one link less.
sub ancestors
{
	my ($lot, $max) = @_;
	return {} if defined $max && $max == 0;
	my ($result) = bfs(\%up, [ map { $_->[0] } @{ $up{$lot} // [] } ], defined $max ? $max - 1 : undef);
	return { map { $_ => $result->{$_}[0] + 1 } keys %$result };
}

# The rows of trace_common_sources, in rank order: one trace per given lot
# and per clean lot, intersected
sub common_rows
{
	my ($lots, $clean, $max) = @_;
	my (%hits, %depth, %clean);
	for my $lot (uniq_sorted(@$lots))
	{
		my $up = ancestors($lot, $max);
		for (keys %$up)
		{
			$hits{$_}++;
			$depth{$_} = $up->{$_} if !defined $depth{$_} || $up->{$_} < $depth{$_};
		}
	}
	for my $lot (uniq_sorted(@$clean))
	{
		$clean{$_} = 1 for keys %{ ancestors($lot, $max) };
	}
	my @rank = sort {
		$hits{$b} <=> $hits{$a}
		  || ($clean{$a} ? 1 : 0) <=> ($clean{$b} ? 1 : 0)
		  || $depth{$a} <=> $depth{$b}
		  || $a <=> $b
	} keys %hits;
	return join("\n", map { "$_|$hits{$_}|$depth{$_}|" . ($clean{$_} ? 't' : 'f') } @rank);
}

# references computed once, reused by every method and phase
my %reference;
my %below;

sub run_all
{
	my ($phase) = @_;
	for my $method (qw(auto index index_am heap sql))
	{
		# a long file: a line on stderr per phase, which prove shows as it runs
		diag "trace differential: $phase, $method";
		my $set = "SET lottrace.trace_method = $method; SET work_mem = '64kB';";
		for my $max (undef, 0, 1, 2, 5)
		{
			my $bound = $max // 'NULL';
			for my $direction (qw(forward backward))
			{
				my $got = sql_rows("$set SELECT q.n, t.lot_id, t.depth, t.via_id
					FROM (VALUES $values) q(n, roots), lottrace.trace_$direction(q.roots, $bound) t");
				compare_sets("$phase $method trace_$direction max_depth $bound", $got,
					sub {
						my $key = "$direction $bound @{$_[0]}";
						$reference{$key} //= lots_rows(
							(bfs($direction eq 'forward' ? \%down : \%up, $_[0], $max))[0]);
						return $reference{$key};
					});
			}
		}
		for my $max (undef, 1, 3)
		{
			my $bound = $max // 'NULL';
			for my $direction (qw(forward backward both))
			{
				next if $method ne 'auto' && $method ne 'index' && $direction ne 'both';
				# subgraphs have many more links than lots: fewer root sets
				my $got = sql_rows("$set SELECT q.n, e.link_id, e.parent_id, e.child_id, e.depth
					FROM (VALUES $values) q(n, roots), lottrace.trace_edges(q.roots, '$direction', $bound) e
					WHERE q.n < 50");
				compare_sets("$phase $method trace_edges $direction max_depth $bound", $got,
					sub { $reference{"edges $direction $bound @{$_[0]}"} //= edges_rows($_[0], $max, $direction) },
					50);
			}
		}

		# trace_common_sources, rows in rank order
		for my $max (undef, 0, 1, 2, 5)
		{
			my $bound = $max // 'NULL';
			my $got = sql_rows("SET lottrace.trace_method = $method;
				SELECT q.n, c.lot_id, c.hits, c.depth, c.reaches_clean
				  FROM (VALUES $common_values) q(n, lots, clean),
				       LATERAL lottrace.trace_common_sources(q.lots, $bound, CASE WHEN q.n % 2 = 0 THEN q.clean END)
				         WITH ORDINALITY c(lot_id, hits, depth, reaches_clean, o)
				 ORDER BY q.n, c.o");
			compare_sets("$phase $method trace_common_sources max_depth $bound", $got,
				sub {
					my ($lots, $n) = @_;
					return $reference{"common $bound $n"} //=
					  common_rows($lots, $n % 2 == 0 ? $common_clean[$n] : [], $max);
				},
				undef, sets => \@common_sets, ordered => 1);
		}

		# is_descendant on random pairs, and on every lot with itself
		# the slow methods on fewer pairs
		my @method_pairs = $method eq 'auto' ? @pairs : @pairs[ 0 .. 599 ];
		my $pair_values = join(', ', map { "($_->[0], $_->[1])" } @method_pairs);
		my @got = split /\n/, $node->safe_psql('postgres',
			"$set SELECT lottrace.is_descendant(l, a) FROM (VALUES $pair_values) p(l, a)");
		my $bad = 0;
		for my $i (0 .. $#method_pairs)
		{
			my ($lot, $ancestor) = @{ $method_pairs[$i] };
			$below{$ancestor} //= (bfs(\%down, [ map { $_->[0] } @{ $down{$ancestor} // [] } ], undef))[0];
			my $expected = exists $below{$ancestor}{$lot} ? 't' : 'f';
			if ($got[$i] ne $expected)
			{
				$bad++;
				diag "is_descendant($lot, $ancestor): expected $expected, got $got[$i]" if $bad <= 3;
			}
		}
		is($bad, 0, "$phase $method is_descendant: " . scalar(@method_pairs) . " pairs");
	}

	# trace_dot draws the lots and links of the traced subgraph
	my $bad = 0;
	for my $n (0 .. 19)
	{
		my $roots = $root_sets[ 10 + $n ];
		my $dot = $node->safe_psql('postgres',
			"SELECT lottrace.trace_dot('{" . join(',', @$roots) . "}', 'both', 3)");
		my @nodes = uniq_sorted($dot =~ /^\tn(-?\d+) \[/mg);
		my @edges = sort ($dot =~ /^\tn(-?\d+ -> n-?\d+)/mg);
		my ($f) = bfs(\%down, $roots, 3);
		my ($b) = bfs(\%up, $roots, 3);
		my @expected_nodes = uniq_sorted(keys %$f, keys %$b);
		my @expected_edges = sort map { my (undef, $p, $c) = split /\|/; "$p -> n$c" }
		  split /\n/, edges_rows($roots, 3, 'both');
		$bad++ unless "@nodes" eq "@expected_nodes" && "@edges" eq "@expected_edges";
	}
	is($bad, 0, "$phase trace_dot: 20 subgraphs");

	# the lots reached agree with a recursive CTE over links, the SQL a user
	# would write, for the first root sets
	my $cte_bad = $node->safe_psql('postgres', "
		SELECT count(*) FROM (VALUES $values) q(n, roots)
		 WHERE q.n < 60 AND (
		   (SELECT array_agg(lot_id ORDER BY lot_id) FROM lottrace.trace_forward(q.roots))
		   IS DISTINCT FROM
		   (WITH RECURSIVE r(id) AS (SELECT unnest(q.roots) UNION
		                             SELECT l.child_id FROM r JOIN lottrace.links l ON l.parent_id = r.id)
		    SELECT array_agg(id ORDER BY id) FROM r)
		   OR
		   (SELECT array_agg(lot_id ORDER BY lot_id) FROM lottrace.trace_backward(q.roots))
		   IS DISTINCT FROM
		   (WITH RECURSIVE r(id) AS (SELECT unnest(q.roots) UNION
		                             SELECT l.parent_id FROM r JOIN lottrace.links l ON l.child_id = r.id)
		    SELECT array_agg(id ORDER BY id) FROM r))");
	is($cte_bad, '0', "$phase: reachable lots agree with recursive CTEs");

	# rows come by depth
	my $unordered = $node->safe_psql('postgres', "
		SELECT count(*) FROM (VALUES $values) q(n, roots),
		  LATERAL (SELECT t.depth, lag(t.depth) OVER (ORDER BY o) AS prev_depth
		             FROM lottrace.trace_forward(q.roots) WITH ORDINALITY t(lot_id, depth, via_id, o)) x
		 WHERE x.prev_depth > x.depth");
	is($unordered, '0', "$phase: rows in order of depth");
}

run_all('before vacuum');
$node->safe_psql('postgres', 'VACUUM ANALYZE lottrace.links; VACUUM ANALYZE lottrace.lots');
run_all('after vacuum');

# A large genealogy in a database of its own: big traces switch the sets of
# lots reached (and of links seen) from a hash to a flat array, and must
# keep ids outside its range (far away, negative) right all the same.
diag 'trace differential: a large genealogy';
$node->safe_psql('postgres', 'CREATE DATABASE large');
$node->safe_psql('large', <<'SQL');
CREATE EXTENSION lottrace;
INSERT INTO lottrace.lots (id, item, code)
SELECT g, 'i', 'L' || g FROM generate_series(1, 300000) g
UNION ALL SELECT 1000000000000 + g * 7919, 'far', 'F' || g FROM generate_series(1, 2000) g
UNION ALL SELECT -g, 'neg', 'N' || g FROM generate_series(1, 2000) g;
INSERT INTO lottrace.links (parent_id, child_id)
SELECT g, g + d FROM generate_series(1, 299990) g, (VALUES (1), (3), (7)) v(d)
UNION ALL SELECT g, 1000000000000 + (g % 2000 + 1) * 7919 FROM generate_series(1, 300000, 150) g
UNION ALL SELECT 1000000000000 + g * 7919, -g FROM generate_series(1, 2000) g
UNION ALL SELECT -g, g * 149 FROM generate_series(1, 2000) g;
VACUUM ANALYZE lottrace.lots, lottrace.links;
SQL
for my $root (1, 150000, -5)
{
	for my $direction (qw(forward backward))
	{
		my ($near, $far) = $direction eq 'forward' ? ('parent_id', 'child_id') : ('child_id', 'parent_id');
		is($node->safe_psql('large', <<"SQL"), 't', "large genealogy: trace_$direction($root) agrees with a recursive CTE");
SELECT (SELECT md5(string_agg(lot_id::text, ',' ORDER BY lot_id)) FROM lottrace.trace_$direction($root))
     = (WITH RECURSIVE r(id) AS (SELECT ${root}::bigint UNION
                                 SELECT l.$far FROM r JOIN lottrace.links l ON l.$near = r.id)
        SELECT md5(string_agg(id::text, ',' ORDER BY id)) FROM r)
SQL
	}
}
is($node->safe_psql('large', <<'SQL'), 't', 'large genealogy: trace_edges both returns each link of the subgraph once');
WITH RECURSIVE f(id) AS (SELECT unnest('{1,-1}'::bigint[]) UNION
                         SELECT l.child_id FROM f JOIN lottrace.links l ON l.parent_id = f.id),
               b(id) AS (SELECT unnest('{1,-1}'::bigint[]) UNION
                         SELECT l.parent_id FROM b JOIN lottrace.links l ON l.child_id = b.id)
SELECT (SELECT count(*) FROM lottrace.trace_edges('{1,-1}', 'both'))
     = (SELECT count(DISTINCT link_id) FROM lottrace.trace_edges('{1,-1}', 'both'))
   AND (SELECT count(*) FROM lottrace.trace_edges('{1,-1}', 'both'))
     = (SELECT count(*) FROM lottrace.links l
         WHERE l.parent_id IN (SELECT id FROM f) OR l.child_id IN (SELECT id FROM b))
SQL
is($node->safe_psql('large', <<'SQL'), '0', 'large genealogy: is_descendant agrees with recursive CTEs');
SELECT count(*) FROM (VALUES (299999, -7), (-7, 1), (1043, -7), (-5, 150001), (150001, -5)) p(l, a)
 WHERE lottrace.is_descendant(l, a) <>
       EXISTS (WITH RECURSIVE r(id) AS (SELECT parent_id FROM lottrace.links WHERE child_id = p.l UNION
                                        SELECT k.parent_id FROM r JOIN lottrace.links k ON k.child_id = r.id)
               SELECT FROM r WHERE r.id = p.a)
SQL

# A wide genealogy traced with little memory: levels of a hundred thousand
# lots, each reached from several lots of the level before, with work_mem at
# its minimum.  Read in no order (heap, sql), their lists go to temporary
# files and the frontier is handed out in many pieces; lots, depths and vias
# (the smallest parent one level up) must be those of the definition, with
# every read method.
diag 'trace differential: a wide genealogy, work_mem 64kB';
$node->safe_psql('large', <<'SQL');
INSERT INTO lottrace.lots (id, item, code)
SELECT g, 'wide', 'W' || g FROM generate_series(2000001, 2200000) g;
-- 1000 roots; each lot of the next 100,000 made of 4 random roots; each of
-- the last 99,000 of 3 random lots of the middle; a few cycles back; and
-- links out to the far-away and negative lots above (ids that do not fit
-- the 4-byte offsets a level's list keeps)
INSERT INTO lottrace.links (parent_id, child_id)
SELECT DISTINCT 2000001 + (hashint8(c * 4 + k) & 1048575) % 1000, c
  FROM generate_series(2001001, 2101000) c, generate_series(0, 3) k
UNION
SELECT DISTINCT 2001001 + (hashint8(c * 3 + k + 7) & 1048575) % 100000, c
  FROM generate_series(2101001, 2200000) c, generate_series(0, 2) k
UNION
SELECT c, 2000001 + c % 1000 FROM generate_series(2101001, 2200000, 997) c
UNION
SELECT 2001001 + g * 37, 1000000000000 + (g % 2000 + 1) * 7919 FROM generate_series(0, 2000) g
UNION
SELECT 2101001 + g * 41, -(g % 2000 + 1) FROM generate_series(0, 2000) g;
VACUUM ANALYZE lottrace.lots, lottrace.links;
CREATE TABLE wide_reference AS
WITH RECURSIVE r(id, depth) AS (SELECT g::bigint, 0 FROM generate_series(2000001, 2001000) g
                                UNION
                                SELECT l.child_id, r.depth + 1 FROM r JOIN lottrace.links l ON l.parent_id = r.id
                                 WHERE r.depth < 3),
     d AS (SELECT id, min(depth) AS depth FROM r GROUP BY id)
SELECT d.id, d.depth, min(l.parent_id) FILTER (WHERE p.depth = d.depth - 1) AS via
  FROM d LEFT JOIN lottrace.links l ON l.child_id = d.id
         LEFT JOIN d p ON p.id = l.parent_id
 GROUP BY d.id, d.depth;
SQL
for my $method (qw(auto heap sql index_am))
{
	my $result = $node->safe_psql('large', <<"SQL");
SET work_mem = '64kB';
SET lottrace.trace_method = $method;
CREATE TEMP TABLE got AS
SELECT lot_id, depth, via_id FROM lottrace.trace_forward(ARRAY(SELECT generate_series(2000001, 2001000)::bigint), 3);
SELECT (SELECT count(*) FROM got) || ' ' ||
       (SELECT count(*) FROM (SELECT * FROM got EXCEPT SELECT * FROM wide_reference) x) || ' ' ||
       (SELECT count(*) FROM (SELECT * FROM wide_reference EXCEPT SELECT * FROM got) x) || ' ' ||
       (SELECT count(*) FROM lottrace.genealogy_info() WHERE value LIKE '%kB in temporary files%');
SQL
	my ($rows, $extra, $missing, $spilled) = split / /, $result;
	is("$extra $missing", '0 0', "wide genealogy, work_mem 64kB, $method: lots, depths and vias as defined ($rows rows)");
	cmp_ok($rows, '>', 200000, "wide genealogy, work_mem 64kB, $method: far-away and negative lots reached");
	# levels read in no order list their candidates; through the index, rows
	# are written as lots are reached
	if ($method eq 'heap' || $method eq 'sql')
	{
		cmp_ok($spilled, '>=', 1, "wide genealogy, work_mem 64kB, $method: levels went through temporary files");
	}
	else
	{
		is($spilled, '0', "wide genealogy, work_mem 64kB, $method: nothing listed");
	}
}
is($node->safe_psql('large', <<'SQL'), '0', 'wide genealogy, work_mem 64kB: is_descendant agrees with recursive CTEs');
SET work_mem = '64kB';
SELECT count(*) FROM (VALUES (2150000, 2000500), (2000500, 2150000), (2150000, 2150000),
                             (2199999, 2000002), (2000003, 2000001)) p(l, a)
 WHERE lottrace.is_descendant(l, a) <>
       EXISTS (WITH RECURSIVE r(id) AS (SELECT parent_id FROM lottrace.links WHERE child_id = p.l UNION
                                        SELECT k.parent_id FROM r JOIN lottrace.links k ON k.child_id = r.id)
               SELECT FROM r WHERE r.id = p.a)
SQL

# cancellable at any size, with every read method, and the session goes on
for my $method (qw(index index_am heap sql))
{
	my ($ret, $stdout, $stderr) = $node->psql('large',
		"SET statement_timeout = '30ms'; SET lottrace.trace_method = $method;
		 SELECT count(*) FROM lottrace.trace_edges('{1,-1}', 'both');
		 SELECT count(*) FROM lottrace.trace_dot('{1,-1}')");
	like($stderr, qr/canceling statement due to statement timeout/, "large genealogy: $method trace cancelled");
}
# trace_common_sources too: 100 lots whose bits spread over the whole chain
for my $method (qw(index heap sql))
{
	my ($ret, $stdout, $stderr) = $node->psql('large',
		"SET statement_timeout = '30ms'; SET work_mem = '256MB'; SET lottrace.trace_method = $method;
		 SELECT count(*) FROM lottrace.trace_common_sources(ARRAY(SELECT generate_series(299891, 299990)::bigint))");
	like($stderr, qr/canceling statement due to statement timeout/, "large genealogy: $method trace_common_sources cancelled");
}
is($node->safe_psql('large', 'SELECT count(*) FROM lottrace.trace_backward(10)'), '10',
	'large genealogy: traces go on after cancellations');
unlike(slurp_file($node->logfile), qr/terminated by signal|leak/, 'no crash, no leak reported');

$node->stop;
done_testing();
