# Randomized differential test of time-respecting traces (respect_time).
#
# Builds a random genealogy with link times drawn from a few days (so that
# equal times are common), roots with and without a production time, lots
# received on a date instead, containers cleaned now and then (some at the
# very time of a link), rework cycles; then compares trace_forward,
# trace_backward and trace_edges with respect_time => true, for many root
# sets and depth bounds and with every read method, against a brute-force
# search written here: a breadth-first search over (lot, arrival time)
# states, which knows nothing of labels, epochs or levels.  The seed is
# printed so that a failure can be replayed with LOTTRACE_TIME_SEED=….
use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $seed = $ENV{LOTTRACE_TIME_SEED} // time();
srand($seed);
note "time trace seed: $seed";

my $node = PostgreSQL::Test::Cluster->new('time');
$node->init;
$node->start;
$node->safe_psql('postgres', 'CREATE EXTENSION lottrace');

sub pick { return $_[ int(rand(@_)) ] }

# times are hours from 2024-03-01 00:00 UTC, at a granularity of 6 hours
sub hours { return 6 * int(rand(60)) }
sub ts { my $h = shift; return "2024-03-01 00:00+00'::timestamptz + interval '$h hours" }

# ---- the genealogy ------------------------------------------------------

my $nlots = 500;
my (%produced, %container, %cleanings, %received);
for my $lot (1 .. $nlots)
{
	my $r = rand();
	$produced{$lot} = hours() if $r < 0.6;
	$received{$lot} = hours() if $r >= 0.6 && $r < 0.8;
	$container{$lot} = 1 if rand() < 0.08;
}
my @links;    # [id, parent, child, hours]
my $link_id = 0;
sub add_link
{
	my ($p, $c, $h) = @_;
	return if $p == $c;
	push @links, [ ++$link_id, $p, $c, $h ];
}
# mostly forward in id (production order), times loosely rising with ids
for my $child (21 .. $nlots)
{
	for (1 .. 1 + int(rand(4)))
	{
		my $parent = rand() < 0.2 ? 1 + int(rand(10)) : 1 + int(rand($child - 1));
		add_link($parent, $child, rand() < 0.7 ? 6 * int(($parent + $child) * 60 / (2 * $nlots)) : hours());
	}
}
# containers are filled and drawn often
for my $c (grep { $container{$_} } 1 .. $nlots)
{
	add_link(1 + int(rand($nlots)), $c, hours()) for 1 .. 6;
	add_link($c, 1 + int(rand($nlots)), hours()) for 1 .. 6;
	# cleanings, some at the time of one of its links
	for (1 .. int(rand(4)))
	{
		my @own = grep { $_->[1] == $c || $_->[2] == $c } @links;
		push @{ $cleanings{$c} }, rand() < 0.5 ? pick(@own)->[3] : hours();
	}
}
# rework cycles and duplicate links
add_link(1 + int(rand($nlots)), 1 + int(rand($nlots)), hours()) for 1 .. 40;
for (1 .. 20) { my $l = pick(@links); add_link($l->[1], $l->[2], hours()); }

my $sql = "INSERT INTO lottrace.lots (id, item, code, produced_at, container) VALUES "
  . join(",\n", map {
		"($_, 'item', 'L$_', "
		  . (defined $produced{$_} ? "'" . ts($produced{$_}) . "'" : 'NULL') . ", "
		  . ($container{$_} ? 'true' : 'false') . ")"
	} 1 .. $nlots) . ";\n";
$sql .= "INSERT INTO lottrace.links (id, parent_id, child_id, quantity, linked_at) VALUES "
  . join(",\n", map { "($_->[0], $_->[1], $_->[2], 1, '" . ts($_->[3]) . "')" } @links) . ";\n";
my @events;
for my $c (sort { $a <=> $b } keys %cleanings)
{
	push @events, [ 'clean', $_, $c, 'subject' ] for @{ $cleanings{$c} };
	# a cleaning recorded with the container as input is no cleaning
	push @events, [ 'clean', hours(), $c, 'input' ];
}
for my $lot (sort { $a <=> $b } keys %received)
{
	push @events, [ 'receive', $received{$lot}, $lot, 'subject' ];
	push @events, [ 'receive', $received{$lot} + 12, $lot, 'subject' ];
}
# a cleaning of a lot that is no container counts for nothing
push @events, [ 'clean', hours(), pick(grep { !$container{$_} } 1 .. $nlots), 'subject' ];
my $event_id = 0;
for my $e (@events)
{
	$event_id++;
	$sql .= "INSERT INTO lottrace.events (id, kind, occurred_at) VALUES ($event_id, '$e->[0]', '" . ts($e->[1]) . "');\n";
	$sql .= "INSERT INTO lottrace.event_lots (event_id, lot_id, role) VALUES ($event_id, $e->[2], '$e->[3]');\n";
}
$node->safe_psql('postgres', $sql);
note scalar(@links) . " links between $nlots lots, " . scalar(keys %cleanings) . " cleaned containers";

# ---- the reference: breadth-first search over (lot, time) states ---------

my (%down, %up);
for my $l (@links)
{
	push @{ $down{ $l->[1] } }, $l;
	push @{ $up{ $l->[2] } }, $l;
}

# is there a cleaning of lot in (from, to]?
sub cleaned_between
{
	my ($lot, $from, $to) = @_;
	return 0 unless $container{$lot} && $cleanings{$lot};
	return scalar grep { (!defined $from || $_ > $from) && $_ <= $to } @{ $cleanings{$lot} };
}

# may material at lot with time "at" (undef: none known) take a link at t?
sub allowed
{
	my ($forward, $lot, $at, $t) = @_;
	if ($forward)
	{
		return 1 if !defined $at && !$container{$lot};
		return 0 if defined $at && $t < $at;
		return !defined $at || !cleaned_between($lot, $at, $t);
	}
	return 1 if !defined $at;
	return 0 if $t > $at;
	return !cleaned_between($lot, $t, $at);
}

# lot => [depth, via] and links => depth of the lot they leave
sub reference
{
	my ($forward, $roots, $max) = @_;
	my (%result, %links, %seen_state);
	my @level;
	for my $r (@$roots)
	{
		$result{$r} = [ 0, undef ];
		my $at = $forward ? ($produced{$r} // $received{$r}) : undef;
		push @level, [ $r, $at ];
		$seen_state{ $r . ':' . ($at // 'none') } = 1;
	}
	my $depth = 0;
	while (@level && (!defined $max || $depth < $max))
	{
		my @next;
		for my $state (@level)
		{
			my ($lot, $at) = @$state;
			for my $l (@{ ($forward ? \%down : \%up)->{$lot} // [] })
			{
				my ($id, $p, $c, $t) = @$l;
				my $far = $forward ? $c : $p;
				next unless allowed($forward, $lot, $at, $t);
				$links{$id} = $result{$lot}[0] unless exists $links{$id};
				if (!exists $result{$far})
				{
					$result{$far} = [ $depth + 1, $lot ];
				}
				elsif ($result{$far}[0] == $depth + 1 && $lot < $result{$far}[1])
				{
					$result{$far}[1] = $lot;
				}
				push @next, [ $far, $t ] unless $seen_state{"$far:$t"}++;
			}
		}
		@level = @next;
		$depth++;
	}
	return (\%result, \%links);
}

sub rows_of
{
	my $result = shift;
	return join("\n", map { "$_|$result->{$_}[0]|" . ($result->{$_}[1] // '') }
		  sort { $a <=> $b } keys %$result);
}

sub edges_of
{
	my ($forward, $backward) = @_;
	my %all = %$forward;
	for (keys %$backward) { $all{$_} = $backward->{$_} unless exists $all{$_}; }
	my %by_id = map { $_->[0] => $_ } @links;
	return join("\n", map { "$_|$by_id{$_}[1]|$by_id{$_}[2]|$all{$_}" } sort { $a <=> $b } keys %all);
}

# ---- the comparisons ----------------------------------------------------

my @cases;
for (1 .. 25)
{
	my @roots = map { 1 + int(rand($nlots)) } 1 .. (rand() < 0.7 ? 1 : 1 + int(rand(4)));
	my %u; @roots = sort { $a <=> $b } grep { !$u{$_}++ } @roots;
	push @cases, [ \@roots, rand() < 0.3 ? 1 + int(rand(4)) : undef ];
}
# containers and popular lots as roots
push @cases, [ [ (grep { $container{$_} } 1 .. $nlots)[0] ], undef ] if grep { $container{$_} } 1 .. $nlots;
push @cases, [ [1], undef ], [ [ 1, 2, 3 ], 2 ], [ [$nlots], undef ];

my $failures = 0;
for my $method (qw(auto index index_am heap sql))
{
	my $set = "SET lottrace.trace_method = $method;";
	for my $case (@cases)
	{
		my ($roots, $max) = @$case;
		my $array = 'ARRAY[' . join(',', @$roots) . ']::bigint[]';
		my $maxsql = $max // 'NULL';
		my $what = "roots {@$roots} max " . ($max // 'none') . " by $method";
		my ($fwd, $fwd_links) = reference(1, $roots, $max);
		my ($bwd, $bwd_links) = reference(0, $roots, $max);
		my $got = $node->safe_psql('postgres', "$set SELECT lot_id, depth, via_id FROM "
			  . "lottrace.trace_forward($array, $maxsql, true) ORDER BY lot_id");
		$failures++ unless is($got, rows_of($fwd), "forward, $what");
		$got = $node->safe_psql('postgres', "$set SELECT lot_id, depth, via_id FROM "
			  . "lottrace.trace_backward($array, $maxsql, true) ORDER BY lot_id");
		$failures++ unless is($got, rows_of($bwd), "backward, $what");
		next unless $method eq 'auto' || $method eq 'sql';
		$got = $node->safe_psql('postgres', "$set SELECT link_id, parent_id, child_id, depth FROM "
			  . "lottrace.trace_edges($array, 'both', $maxsql, true) ORDER BY link_id");
		$failures++ unless is($got, edges_of($fwd_links, $bwd_links), "edges both, $what");
		$got = $node->safe_psql('postgres', "$set SELECT link_id, parent_id, child_id, depth FROM "
			  . "lottrace.trace_edges($array, 'forward', $maxsql, true) ORDER BY link_id");
		$failures++ unless is($got, edges_of($fwd_links, {}), "edges forward, $what");
	}
}
# the single-root forms agree with the array forms
my $one = 1;
is($node->safe_psql('postgres', "SELECT lot_id, depth, via_id FROM lottrace.trace_forward(${one}::bigint, respect_time => true) ORDER BY lot_id"),
	rows_of((reference(1, [$one], undef))[0]), 'forward from one root');
is($node->safe_psql('postgres', "SELECT lot_id, depth, via_id FROM lottrace.trace_backward(${one}::bigint, respect_time => true) ORDER BY lot_id"),
	rows_of((reference(0, [$one], undef))[0]), 'backward from one root');
note "replay with LOTTRACE_TIME_SEED=$seed" if $failures;

$node->stop;
done_testing();
