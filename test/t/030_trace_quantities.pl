# Randomized differential test of trace_quantities.
#
# Small random genealogies with quantities in kilograms and grams (links
# without a unit take their parent's), traced forward and backward from
# random roots with and without a depth bound, against references written
# here from the definitions in doc/quantities.md:
#   - on acyclic genealogies, by enumerating paths (a recursion over the
#     links, without memory, so every path is walked);
#   - on genealogies with cycles, by solving the linear systems with
#     Gaussian elimination (partial pivoting) over the lots reached.
# Everything is computed in kilograms and converted at the end, which is
# not how the C code does it.  The seed is printed so that a failure can be
# replayed with LOTTRACE_QUANTITIES_SEED=….
use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $seed = $ENV{LOTTRACE_QUANTITIES_SEED} // time();
srand($seed);
note "quantities seed: $seed";

my $node = PostgreSQL::Test::Cluster->new('quantities');
$node->init;
$node->start;
$node->safe_psql('postgres', 'CREATE EXTENSION lottrace');

my %kg = (KGM => 1, g => 0.001);
sub pick { return $_[ int(rand(@_)) ] }

# ---- a genealogy --------------------------------------------------------

# lots: id => {q => quantity, u => unit}; links: [id, parent, child, q, u]
sub genealogy
{
	my ($nlots, $cyclic) = @_;
	my (%lots, @links);
	my $link_id = 0;
	for my $i (1 .. $nlots)
	{
		$lots{$i} = { u => pick('KGM', 'KGM', 'g') };
	}
	for my $child (2 .. $nlots)
	{
		my $inputs = int(rand(4));
		for (1 .. $inputs)
		{
			my $parent = 1 + int(rand($child - 1));
			push @links, [ ++$link_id, $parent, $child, 1 + int(rand(50)), pick('KGM', 'g', undef) ];
		}
	}
	if ($cyclic)
	{
		for (1 .. 1 + int(rand(4)))
		{
			my $parent = 2 + int(rand($nlots - 1));
			my $child = 1 + int(rand($parent - 1));
			push @links, [ ++$link_id, $parent, $child, 1 + int(rand(20)), pick('KGM', 'g', undef) ];
		}
	}
	# a lot holds more than it passes on, so amounts around cycles converge
	my %out;
	for my $l (@links)
	{
		my $u = $l->[4] // $lots{ $l->[1] }{u};
		$out{ $l->[1] } += $l->[3] * $kg{$u};
	}
	for my $i (1 .. $nlots)
	{
		my $kg = ($out{$i} // 0) * (1.1 + rand()) + 1 + int(rand(30));
		$lots{$i}{q} = sprintf('%.3f', $kg / $kg{ $lots{$i}{u} });
	}
	return (\%lots, \@links);
}

sub link_kg
{
	my ($lots, $l) = @_;
	return $l->[3] * $kg{ $l->[4] // $lots->{ $l->[1] }{u} };
}

sub lot_kg
{
	my ($lots, $i) = @_;
	return $lots->{$i}{q} * $kg{ $lots->{$i}{u} };
}

# breadth-first depths from the roots
sub depths
{
	my ($links, $roots, $backward, $max) = @_;
	my %adj;
	for my $l (@$links)
	{
		my ($near, $far) = $backward ? ($l->[2], $l->[1]) : ($l->[1], $l->[2]);
		push @{ $adj{$near} }, $far;
	}
	my %depth = map { $_ => 0 } @$roots;
	my @frontier = keys %depth;
	my $d = 0;
	while (@frontier && (!defined $max || $d < $max))
	{
		my @next;
		for my $lot (@frontier)
		{
			for my $far (@{ $adj{$lot} // [] })
			{
				next if exists $depth{$far};
				$depth{$far} = $d + 1;
				push @next, $far;
			}
		}
		@frontier = @next;
		$d++;
	}
	return \%depth;
}

# ---- references -----------------------------------------------------------

# The coefficients of the systems, over the reached set R:
#   forward share   s(c) = sum over all inputs l of c of w(l) s(p), s = 1 at
#                   roots and 0 outside R, w(l) = kg(l) / kg(all inputs of c)
#   forward amount  a(c) = sum over inputs l from p in R of kg(l) x, x = 1
#                   for a root, a(p) / kg(p) otherwise
#   backward share  g(p) = sum over links l to c in R of kg(l) / kg(p) g(c)
sub terms
{
	my ($lots, $links, $R, $roots, $what) = @_;
	my %root = map { $_ => 1 } @$roots;
	my (%in_total, %terms, %const);
	for my $l (@$links)
	{
		$in_total{ $l->[2] } += link_kg($lots, $l);
	}
	for my $l (@$links)
	{
		my ($p, $c) = @$l[ 1, 2 ];
		next unless exists $R->{$p} && exists $R->{$c};
		if ($what eq 'share')
		{
			next if $root{$c};
			my $w = link_kg($lots, $l) / $in_total{$c};
			if ($root{$p}) { $const{$c} += $w } else { push @{ $terms{$c} }, [ $p, $w ] }
		}
		elsif ($what eq 'amount')
		{
			next if $root{$c};
			my $k = link_kg($lots, $l);
			if ($root{$p}) { $const{$c} += $k } else { push @{ $terms{$c} }, [ $p, $k / lot_kg($lots, $p) ] }
		}
		else
		{
			next if $root{$p};
			my $f = link_kg($lots, $l) / lot_kg($lots, $p);
			if ($root{$c}) { $const{$p} += $f } else { push @{ $terms{$p} }, [ $c, $f ] }
		}
	}
	return (\%terms, \%const);
}

# x(i) by enumerating every path back to the constants (acyclic only)
sub by_paths
{
	my ($terms, $const, $i) = @_;
	my $x = $const->{$i} // 0;
	for my $t (@{ $terms->{$i} // [] })
	{
		$x += $t->[1] * by_paths($terms, $const, $t->[0]);
	}
	return $x;
}

# x = const + M x over the unknowns, by Gauss-Jordan elimination, with a
# bound on what any solution in double precision may be off by: a cycle
# that root material barely enters or leaves is ill-conditioned (one
# gram into fifty kilograms going round, say), and there the rounding of
# the coefficients alone moves the answer far more than 1e-9.  The bound
# is 64 n u |A^-1| (|A| |x| + |b|) for A = I - M and u the unit roundoff,
# the error of a backward-stable solve with some room (the reference's own
# error included); a well-conditioned system gets far less than 1e-9.
sub by_solve
{
	my ($terms, $const, $unknowns) = @_;
	my @v = sort { $a <=> $b } @$unknowns;
	my %at = map { $v[$_] => $_ } 0 .. $#v;
	my $n = @v;
	my $w = 2 * $n + 1;
	my @m = map { [ (0) x $w ] } 1 .. $n;
	for my $r (0 .. $n - 1)
	{
		$m[$r][$r] = 1;
		$m[$r][$n] = $const->{ $v[$r] } // 0;
		$m[$r][ $n + 1 + $r ] = 1;
		for my $t (@{ $terms->{ $v[$r] } // [] })
		{
			$m[$r][ $at{ $t->[0] } ] -= $t->[1];
		}
	}
	my @a = map { [ @{$_}[ 0 .. $n ] ] } @m;
	for my $col (0 .. $n - 1)
	{
		my $best = $col;
		for my $r ($col + 1 .. $n - 1)
		{
			$best = $r if abs($m[$r][$col]) > abs($m[$best][$col]);
		}
		@m[ $col, $best ] = @m[ $best, $col ];
		die "singular system" if abs($m[$col][$col]) < 1e-14;
		for my $r (0 .. $n - 1)
		{
			next if $r == $col || $m[$r][$col] == 0;
			my $f = $m[$r][$col] / $m[$col][$col];
			$m[$r][$_] -= $f * $m[$col][$_] for $col .. $w - 1;
		}
	}
	my @x = map { $m[$_][$n] / $m[$_][$_] } 0 .. $n - 1;
	# |A| |x| + |b|, row by row
	my @scale = map {
		my $r = $_;
		my $s = abs($a[$r][$n]);
		$s += abs($a[$r][$_] * $x[$_]) for 0 .. $n - 1;
		$s
	} 0 .. $n - 1;
	my %x;
	my %err;
	for my $r (0 .. $n - 1)
	{
		my $e = 0;
		$e += abs($m[$r][ $n + 1 + $_ ] / $m[$r][$r]) * $scale[$_] for 0 .. $n - 1;
		$x{ $v[$r] } = $x[$r];
		$err{ $v[$r] } = 64 * $n * 2**-53 * $e;
	}
	return (\%x, \%err);
}

sub reference
{
	my ($lots, $links, $roots, $backward, $max, $cyclic) = @_;
	my $depth = depths($links, $roots, $backward, $max);
	my %root = map { $_ => 1 } @$roots;
	my @others = grep { !$root{$_} } keys %$depth;
	my %expect;
	my @systems = $backward ? ('backward') : ('share', 'amount');
	my (%x, %err);
	for my $what (@systems)
	{
		my ($terms, $const) = terms($lots, $links, $depth, $roots, $what);
		if ($cyclic)
		{
			($x{$what}, $err{$what}) = by_solve($terms, $const, \@others);
		}
		else
		{
			$x{$what} = { map { $_ => by_paths($terms, $const, $_) } @others };
			$err{$what} = {};
		}
	}
	my $first_unit = $lots->{ (sort { $a <=> $b } @$roots)[0] }{u};
	for my $lot (keys %$depth)
	{
		my ($share, $quantity, $unit, $share_err, $quantity_err);
		if ($backward)
		{
			$share = $root{$lot} ? 1 : $x{backward}{$lot};
			$share_err = $root{$lot} ? 0 : $err{backward}{$lot} // 0;
			$quantity = $share * $lots->{$lot}{q};
			$quantity_err = $share_err * $lots->{$lot}{q};
			$unit = $lots->{$lot}{u};
		}
		else
		{
			$share = $root{$lot} ? 1 : $x{share}{$lot};
			$share_err = $root{$lot} ? 0 : $err{share}{$lot} // 0;
			my $kgs = $root{$lot} ? lot_kg($lots, $lot) : $x{amount}{$lot};
			$quantity = $kgs / $kg{$first_unit};
			$quantity_err = ($root{$lot} ? 0 : $err{amount}{$lot} // 0) / $kg{$first_unit};
			$unit = $first_unit;
		}
		$expect{$lot} = [ $depth->{$lot}, $share, $quantity, $unit, $share_err, $quantity_err ];
	}
	return \%expect;
}

# ---- the comparison -------------------------------------------------------

# within 1e-9, or what the system's conditioning allows (by_solve)
my $widest = 0;
sub close_enough
{
	my ($x, $y, $err) = @_;
	$widest = $err if $err > $widest;
	return abs($x - $y) <= 1e-9 * (1 + abs($y)) + $err;
}

my ($checked, $failed) = (0, 0);
for my $round (1 .. 60)
{
	my $cyclic = $round > 30;
	my $nlots = 5 + int(rand($cyclic ? 20 : 12));
	my ($lots, $links) = genealogy($nlots, $cyclic);
	my @calls;
	for (1 .. 6)
	{
		my @roots = map { 1 + int(rand($nlots)) } 1 .. 1 + int(rand(3));
		my %seen;
		@roots = sort { $a <=> $b } grep { !$seen{$_}++ } @roots;
		# every link has the same time (one COPY) and no lot is a container,
		# so the time-respecting trace must give the same answers
		push @calls, [ \@roots, rand() < 0.5, rand() < 0.3 ? int(rand(3)) : undef, rand() < 0.5 ];
	}
	my $sql = "TRUNCATE lottrace.lots, lottrace.links CASCADE;\n"
	  . "COPY lottrace.lots (id, item, code, quantity, uom) FROM STDIN;\n"
	  . join('', map { "$_\titem$_\tL$_\t$lots->{$_}{q}\t$lots->{$_}{u}\n" } sort { $a <=> $b } keys %$lots)
	  . "\\.\n"
	  . "COPY lottrace.links (id, parent_id, child_id, quantity, uom) FROM STDIN;\n"
	  . join('', map { join("\t", @$_[ 0 .. 3 ], $_->[4] // '\N') . "\n" } @$links)
	  . "\\.\n";
	# every other round reads the links page by page from the genealogy
	# indexes, with the quantities and units links_child_idx carries, and
	# after VACUUM without heap checks (the others choose by cost)
	$sql .= "VACUUM lottrace.links;\nSET lottrace.trace_method = index;\n" if $round % 2 == 0;
	for my $c (0 .. $#calls)
	{
		my ($roots, $backward, $max, $timed) = @{ $calls[$c] };
		$sql .= sprintf("SELECT %d, lot_id, depth, share, quantity, uom, coalesce(note, '') "
			  . "FROM lottrace.trace_quantities(ARRAY[%s]::bigint[], '%s', %s, %s);\n",
			$c, join(',', @$roots), $backward ? 'backward' : 'forward', $max // 'NULL',
			$timed ? 'true' : 'false');
	}
	my %got;
	for my $row (split /\n/, $node->safe_psql('postgres', $sql))
	{
		my ($c, $lot, @rest) = split /\|/, $row, -1;
		$got{$c}{$lot} = \@rest;
	}
	for my $c (0 .. $#calls)
	{
		my ($roots, $backward, $max, $timed) = @{ $calls[$c] };
		my $expect = reference($lots, $links, $roots, $backward, $max, $cyclic);
		my $what = sprintf('round %d (%s), roots %s %s max_depth %s%s', $round,
			$cyclic ? 'cycles' : 'acyclic', join(',', @$roots),
			$backward ? 'backward' : 'forward', $max // 'NULL', $timed ? ' respect_time' : '');
		my @problems;
		for my $lot (sort { $a <=> $b } keys %$expect)
		{
			my $g = $got{$c}{$lot};
			my ($depth, $share, $quantity, $unit, $share_err, $quantity_err) = @{ $expect->{$lot} };
			if (!$g)
			{
				push @problems, "lot $lot missing";
				next;
			}
			my ($gdepth, $gshare, $gquantity, $gunit, $gnote) = @$g;
			push @problems, "lot $lot: depth $gdepth, expected $depth" if $gdepth != $depth;
			push @problems, "lot $lot: note \"$gnote\"" if $gnote ne '';
			push @problems, "lot $lot: share $gshare, expected $share"
			  unless $gshare ne '' && close_enough($gshare, $share, $share_err);
			push @problems, "lot $lot: quantity $gquantity, expected $quantity"
			  unless $gquantity ne '' && close_enough($gquantity, $quantity, $quantity_err);
			push @problems, "lot $lot: uom $gunit, expected $unit" if $gunit ne $unit;
		}
		for my $lot (keys %{ $got{$c} // {} })
		{
			push @problems, "lot $lot not expected" unless $expect->{$lot};
		}
		$checked++;
		if (@problems)
		{
			$failed++;
			diag("$what:\n  " . join("\n  ", @problems[ 0 .. ($#problems < 9 ? $#problems : 9) ]))
			  if $failed <= 5;
		}
	}
}
note "the widest allowance for an ill-conditioned cycle: $widest";
is($failed, 0, "trace_quantities agrees with the references in $checked traces");

# the references do not just agree with themselves: a changed quantity
# changes the answer
{
	$node->safe_psql('postgres', "TRUNCATE lottrace.lots, lottrace.links CASCADE");
	$node->safe_psql('postgres',
		"INSERT INTO lottrace.lots (id, item, code, quantity, uom) VALUES "
		  . "(1, 'a', 'A', 10, 'KGM'), (2, 'b', 'B', 10, 'KGM'), (3, 'c', 'C', 8, 'KGM'), (4, 'd', 'D', 8, 'KGM');"
		  . "INSERT INTO lottrace.links (parent_id, child_id, quantity, uom) VALUES "
		  . "(1, 3, 2, 'KGM'), (2, 3, 6, 'KGM'), (3, 4, 4, 'KGM'), (4, 3, 2000, 'g')");
	# s3 = (2 + 2 s4) / 10, s4 = s3: s3 = 0.25; a3 = 2 + a4 / 8 * 2, a4 = a3 / 8 * 4,
	# so a3 = 2 + a3 / 8: a3 = 16/7, a4 = 8/7
	is($node->safe_psql('postgres',
			"SELECT string_agg(lot_id || ':' || round(share::numeric, 9) || ':' || round(quantity, 9), ' ' ORDER BY lot_id) "
			  . "FROM lottrace.trace_quantities(ARRAY[1])"),
		'1:1.000000000:10.000000000 3:0.250000000:2.285714286 4:0.250000000:1.142857143',
		'a hand-computed cycle');
}

done_testing();
