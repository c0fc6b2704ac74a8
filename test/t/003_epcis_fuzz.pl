# Randomized fuzzing of epcis_import.
#
# Valid EPCIS 2.0 JSON documents (EPCISDocuments and EPCISQueryDocuments;
# ObjectEvents of any business step and
# action, Aggregation, Association and Transaction events, TransformationEvents
# whole or split by transformationID, error declarations; lots, serials with
# and without a known lot, pallets, GDST lots; lot and product master data)
# are generated, then
# mostly mutated: fields dropped or duplicated, values of the wrong JSON type,
# huge strings, deep nesting, damaged identifiers, times and quantities, and
# now and then the JSON text itself cut short.  Every import must end in a
# count of imported events or a clean error of the data-exception or
# integrity classes (22xxx, 23xxx, P0001; 54001 where the nesting is deeper
# than the JSON parser takes), never an internal error; unmutated documents
# must import (what names no lot is skipped, never an error), and every
# event of theirs is in the import report; and the server must never
# restart.  The seed is printed so
# that a failure can be replayed with LOTTRACE_FUZZ_SEED=….
# LOTTRACE_FUZZ_ITERATIONS is the number of documents; make fuzz sets 100000.
use strict;
use warnings;

use JSON::PP;
use Storable qw(dclone);
use Test::More;

use FindBin;
use lib "$FindBin::RealBin/../perl";
use LottraceFuzz;

my ($node, $iterations, $seed) = fuzz_start('epcisfuzz', 600, utf8db => 'UTF8');
# imports are made in batches: each is a subtransaction
my $batch = 2000;

my @noise = ("\x1d", '^', '(', ')', '\\', '%', '/', '?', '&', '=', ' ', "\n", '#', '"', "\x{e9}", "\x{1f600}", "\x00");

# a few items and lots, so that events of one document share lots
sub random_lot
{
	my $body = '0950600013' . digits(3);
	my $gtin = $body . check_digit($body);
	my $lot = pick('L1', 'L2', 'FL-' . int(rand(5)), join('', map { pick(@cset82) } 1 .. 1 + int(rand(20))));
	return [ $gtin, $lot ];
}

# the escapes of an EPC URN: the characters a URN may not carry literally
sub urn_escape
{
	my ($v) = @_;
	$v =~ s/(["%&\/<>?])/sprintf('%%%02X', ord($1))/ge;
	return $v;
}

# an EPC class in one of the two accepted forms
sub epc_class
{
	my ($lot) = @_;
	my ($gtin, $code) = @$lot;
	if (rand() < 0.5)
	{
		my $prefix = 6 + int(rand(6));
		return sprintf('urn:epc:class:lgtin:%s.%s.%s',
			substr($gtin, 1, $prefix), substr($gtin, 0, 1) . substr($gtin, 1 + $prefix, 12 - $prefix), urn_escape($code));
	}
	return pick('https://id.gs1.org', 'http://example.com/dl') . "/01/$gtin/10/" . pct($code);
}

sub event_time
{
	return sprintf('2024-%02d-%02dT%02d:%02d:%02d%s', 1 + int(rand(12)), 1 + int(rand(28)),
		int(rand(24)), int(rand(60)), int(rand(60)), pick('Z', '+01:00', '.123-05:00'));
}

sub quantity_list
{
	my @lots = @_;
	return [ map { { epcClass => epc_class($_), quantity => 1 + int(rand(500)), uom => pick('KGM', 'EA') } } @lots ];
}

my $event_number = 0;

# ids that name no lot: EPCIS documents carry them next to lots
sub other_epc
{
	my ($lot) = @_;
	my $gtin = $lot->[0];
	return pick(
		'urn:epc:id:sgtin:' . substr($gtin, 1, 7) . '.' . substr($gtin, 0, 1) . substr($gtin, 8, 5) . '.' . int(rand(99)),
		"https://id.gs1.org/01/$gtin/21/" . int(rand(99)),
		'urn:epc:id:sscc:9506000.' . digits(10),
		'urn:epc:id:grai:9506000.12345.' . int(rand(9)),
		"https://id.gs1.org/01/$gtin",
		'urn:gdst:example.org:product:lot:class:processor.' . int(rand(9)) . '.' . urn_escape($lot->[1]),
		'https://example.com/thing/' . int(rand(9)));
}

my @declared;

sub random_event
{
	my @pool = @_;
	my %ev = (eventTime => event_time(), eventTimeZoneOffset => '+00:00');
	$ev{eventID} = 'urn:uuid:fuzz-' . $seed . '-' . ++$event_number if rand() < 0.8;
	$ev{bizLocation} = { id => pick('bakery', 'urn:epc:id:sgln:9506000.00001.0') } if rand() < 0.7;
	my $r = rand();
	if ($r < 0.15)
	{
		$ev{type} = pick('AggregationEvent', 'AssociationEvent', 'TransactionEvent');
		$ev{action} = pick('ADD', 'OBSERVE', 'DELETE');
		$ev{bizStep} = pick('packing', 'shipping', 'assembling', 'urn:epcglobal:cbv:bizstep:storing');
		$ev{parentID} = pick('urn:epc:id:sscc:9506000.' . digits(10), 'urn:epc:id:grai:9506000.12345.1');
		my ($q, $e) = $ev{type} eq 'TransactionEvent' ? ('quantityList', 'epcList') : ('childQuantityList', 'childEPCs');
		$ev{$q} = quantity_list(map { pick(@pool) } 1 .. int(rand(3)));
		$ev{$e} = [ map { other_epc(pick(@pool)) } 1 .. int(rand(3)) ];
		$ev{bizTransactionList} = [ map { { type => pick('po', 'inv', 'urn:epcglobal:cbv:btt:desadv'), bizTransaction => 'T-' . int(rand(99)) } } 1 .. int(rand(3)) ];
	}
	elsif ($r < 0.25 && @declared)
	{
		# an error declaration of an event generated before
		%ev = (%{ dclone(pick(@declared)) }, errorDeclaration => { declarationTime => event_time(), reason => 'incorrect_data' });
	}
	elsif ($r < 0.7)
	{
		$ev{type} = 'ObjectEvent';
		my $step = pick('commissioning', 'shipping', 'receiving', 'inspecting', 'storing', 'holding', 'destroying');
		$ev{bizStep} = pick($step, "urn:epcglobal:cbv:bizstep:$step", "https://ref.gs1.org/cbv/BizStep-$step");
		$ev{action} = $step eq 'commissioning' ? 'ADD' : pick('ADD', 'OBSERVE', 'DELETE');
		$ev{destinationList} = [ map { { type => pick('owning_party', 'location'), destination => 'Shop ' . int(rand(9)) } } 1 .. 1 + int(rand(2)) ]
		  if $step eq 'shipping';
		$ev{sourceList} = [ map { { type => pick('owning_party', 'urn:epcglobal:cbv:sdt:location'), source => 'Mill ' . int(rand(9)) } } 1 .. 1 + int(rand(2)) ]
		  if $step eq 'receiving';
		$ev{bizTransactionList} = [ { type => 'po', bizTransaction => 'PO-' . int(rand(99)) } ] if rand() < 0.3;
		my @lots = map { pick(@pool) } 1 .. 1 + int(rand(2));
		if (rand() < 0.7) { $ev{quantityList} = quantity_list(@lots); }
		else { $ev{epcList} = [ map { "https://id.gs1.org/01/$_->[0]/10/" . pct($_->[1]) . '/21/' . int(rand(99)) } @lots ]; }
		push @{ $ev{epcList} }, map { other_epc(pick(@pool)) } 1 .. int(rand(2)) if rand() < 0.3;
		$ev{ilmd} = { 'cbvmda:itemExpirationDate' => '2025-0' . (1 + int(rand(9))) . '-15' } if $step eq 'commissioning';
		$ev{ilmd}{'cbvmda:lotNumber'} = $lots[0][1] if $step eq 'commissioning' && rand() < 0.5;
	}
	else
	{
		$ev{type} = 'TransformationEvent';
		$ev{bizStep} = 'transforming';
		my ($in, $out) = (pick(@pool), pick(@pool));
		$out = random_lot() if $in->[0] eq $out->[0] && $in->[1] eq $out->[1];
		my $half = rand();
		$ev{transformationID} = 'urn:uuid:tf-' . $seed . '-' . int(rand(5)) if $half < 0.4;
		$ev{inputQuantityList} = quantity_list($in) unless $half < 0.2;
		$ev{outputQuantityList} = quantity_list($out) unless $half >= 0.2 && $half < 0.4;
	}
	# a copy: mutations of this document must not reach a later one
	push @declared, dclone(\%ev) if $ev{eventID} && rand() < 0.3;
	return \%ev;
}

sub random_document
{
	my @pool = map { random_lot() } 1 .. 1 + int(rand(4));
	my %doc = (
		'@context' => ['https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld'],
		type => 'EPCISDocument',
		schemaVersion => '2.0',
		creationDate => event_time(),
		epcisBody => { eventList => [ map { random_event(@pool) } 1 .. 1 + int(rand(4)) ] });
	if (rand() < 0.3)
	{
		$doc{epcisHeader}{epcisMasterData}{vocabularyList} = [ {
			type => pick('urn:epcglobal:epcis:vtype:EPCClass', 'EPCClass'),
			vocabularyElementList => [ map { {
				id => epc_class($_),
				attributes => [
					{ id => 'urn:epcglobal:cbv:mda#itemExpirationDate', attribute => '2025-06-30' },
					{ id => 'lottrace:quantity', attribute => 1 + int(rand(100)) },
					{ id => 'lottrace:uom', attribute => 'KGM' } ] } } @pool ] },
			{
			type => 'urn:epcglobal:epcis:vtype:EPCClass',
			vocabularyElementList => [ map { {
				id => pick("https://id.gs1.org/01/$_->[0]", 'urn:epc:idpat:sgtin:' . substr($_->[0], 1, 7) . '.' . substr($_->[0], 0, 1) . substr($_->[0], 8, 5) . '.*',
						   'urn:epc:id:sgtin:' . substr($_->[0], 1, 7) . '.' . substr($_->[0], 0, 1) . substr($_->[0], 8, 5) . '.' . int(rand(99))),
				attributes => [
					{ id => 'urn:epcglobal:cbv:mda#descriptionShort', attribute => pick('Flour', [ { '@value' => 'Mehl', '@language' => 'de' } ]) },
					{ id => 'urn:epcglobal:cbv:mda#lotNumber', attribute => $_->[1] } ] } } @pool ] } ];
	}
	# some are the answer to a query: the same events and master data,
	# under epcisBody.queryResults.resultsBody
	if (rand() < 0.3)
	{
		my %results = (eventList => $doc{epcisBody}{eventList});
		$results{vocabularyList} = delete($doc{epcisHeader})->{epcisMasterData}{vocabularyList} if $doc{epcisHeader};
		$doc{type} = 'EPCISQueryDocument';
		$doc{epcisBody} = { queryResults => { queryName => 'SimpleEventQuery', resultsBody => \%results } };
		$doc{epcisBody}{queryResults}{subscriptionID} = 'sub-1' if rand() < 0.5;
	}
	return \%doc;
}

# Every place in a document: [container, key or index].
no warnings 'recursion';
sub places
{
	my ($node, $out) = @_;
	if (ref $node eq 'HASH')
	{
		for my $k (keys %$node) { push @$out, [ $node, $k ]; places($node->{$k}, $out); }
	}
	elsif (ref $node eq 'ARRAY')
	{
		for my $i (0 .. $#$node) { push @$out, [ $node, $i ]; places($node->[$i], $out); }
	}
	return $out;
}

sub get { my ($c, $k) = @_; return ref $c eq 'HASH' ? $c->{$k} : $c->[$k]; }
sub set { my ($c, $k, $v) = @_; if (ref $c eq 'HASH') { $c->{$k} = $v; } else { $c->[$k] = $v; } }

sub damage_string
{
	my ($s) = @_;
	for (1 .. 1 + int(rand(3)))
	{
		my $pos = int(rand(length($s) + 1));
		my $r = rand();
		if ($r < 0.3) { substr($s, $pos, 1) = '' if $pos < length($s); }
		elsif ($r < 0.7) { substr($s, $pos, 0) = pick(@noise, @cset82); }
		else { $s = substr($s, 0, $pos); }
	}
	return $s;
}

sub nested
{
	my ($depth) = @_;
	my $v = pick('x', 1, undef);
	$v = rand() < 0.5 ? [$v] : { a => $v } for 1 .. $depth;
	return $v;
}

# Returns the kind of mutation made.
sub mutate
{
	my ($doc) = @_;
	my $all = places($doc, []);
	my ($c, $k) = @{ pick(@$all) };
	my $r = rand();
	if ($r < 0.2)
	{
		if (ref $c eq 'HASH') { delete $c->{$k}; } else { splice(@$c, $k, 1); }
		return 'drop';
	}
	if ($r < 0.3)
	{
		if (ref $c eq 'ARRAY') { splice(@$c, $k, 0, $c->[$k]); }
		else { $c->{ $k . pick('', 'List', 'ID') } = $c->{$k}; }
		return 'duplicate';
	}
	if ($r < 0.55)
	{
		set($c, $k, pick(0, -1, 1.5, 1e308, '1e999', JSON::PP::true, JSON::PP::false, undef, [], {}, '',
			[ get($c, $k) ], { value => get($c, $k) }, 'NaN', 'infinity', '-infinity', '99999-12-31T00:00:00Z'));
		return 'type';
	}
	if ($r < 0.6)
	{
		set($c, $k, pick(@cset82) x pick(1000, 10000, 100000));
		return 'huge';
	}
	if ($r < 0.65)
	{
		set($c, $k, nested(pick(10, 100, 1000, 5000)));
		return 'deep';
	}
	my $v = get($c, $k);
	set($c, $k, damage_string(defined $v && !ref $v ? "$v" : ''));
	return 'string';
}

my $json = JSON::PP->new->ascii->allow_nonref->max_depth(10000);

$node->safe_psql('utf8db', <<'SQL');
CREATE EXTENSION lottrace;
CREATE TABLE inputs (id serial, mutation text, document text, events int);
CREATE TABLE outcomes (id int, sqlstate text, message text, result int, reported bigint);
CREATE FUNCTION try(id int, document text)
RETURNS void LANGUAGE plpgsql AS $$
DECLARE
	r int;
	reported bigint;
BEGIN
	BEGIN
		SELECT count(*) FILTER (WHERE g.outcome IN ('imported', 'partly imported')), count(g.position)
		  INTO r, reported
		  FROM lottrace.epcis_import_report(document::jsonb) g;
		INSERT INTO outcomes VALUES (id, NULL, NULL, r, reported);
	EXCEPTION WHEN OTHERS THEN
		INSERT INTO outcomes VALUES (id, SQLSTATE, SQLERRM, NULL, NULL);
	END;
END $$;
SQL

my $made = 0;
while ($made < $iterations)
{
	my @rows;
	for (1 .. ($iterations - $made < $batch ? $iterations - $made : $batch))
	{
		my $doc = random_document();
		my $events = scalar @{ $doc->{epcisBody}{eventList} // $doc->{epcisBody}{queryResults}{resultsBody}{eventList} };
		my @mutations;
		push @mutations, mutate($doc) for 1 .. (rand() < 0.2 ? 0 : 1 + int(rand(3)));
		my $text = $json->encode($doc);
		if (@mutations && rand() < 0.05)
		{
			$text = substr($text, 0, int(rand(length($text))));
			push @mutations, 'cut';
		}
		(my $quoted = $text) =~ s/'/''/g;
		push @rows, sprintf("('%s', '%s', %d)", join(' ', @mutations) || 'none', $quoted, $events);
	}
	$made += @rows;
	$node->safe_psql('utf8db', 'INSERT INTO inputs (mutation, document, events) VALUES ' . join(",\n", @rows));
	$node->safe_psql('utf8db', "SELECT try(id, document) FROM inputs WHERE id > $made - " . scalar(@rows) . " AND id <= $made");
}

is($node->safe_psql('utf8db', 'SELECT count(*) FROM outcomes'), $iterations, "$iterations documents imported or refused");
is($node->safe_psql('utf8db', <<'SQL'), '', 'every error is a clean data or integrity error');
SELECT string_agg(DISTINCT sqlstate || ': ' || left(message, 200), E'\n') FROM outcomes o JOIN inputs i USING (id)
 WHERE sqlstate IS NOT NULL
   AND NOT (left(sqlstate, 2) IN ('22', '23') OR sqlstate = 'P0001'
            OR (sqlstate = '54001' AND i.mutation LIKE '%deep%'))
SQL
is($node->safe_psql('utf8db', <<'SQL'), '', 'unmutated documents import, skipping what names no lot');
SELECT string_agg(id || ': ' || coalesce(message, result::text), E'\n') FROM outcomes o JOIN inputs i USING (id)
 WHERE i.mutation = 'none' AND (o.sqlstate IS NOT NULL OR o.result NOT BETWEEN 0 AND i.events)
SQL
is($node->safe_psql('utf8db', <<'SQL'), '', 'every event of an unmutated document is in its report');
SELECT string_agg(format('%s: %s events, %s reported', o.id, i.events, o.reported), E'\n')
  FROM outcomes o JOIN inputs i USING (id)
 WHERE i.mutation = 'none' AND o.reported IS DISTINCT FROM i.events
SQL
is($node->safe_psql('utf8db', <<'SQL'), '', 'no import reports more events than its document has');
SELECT string_agg(id::text, ', ') FROM outcomes o JOIN inputs i USING (id)
 WHERE o.result > i.events OR o.result < 0
SQL
my $summary = $node->safe_psql('utf8db', <<'SQL');
SELECT string_agg(format('%s %s', n, coalesce(sqlstate, 'imported')), ', ' ORDER BY n DESC)
  FROM (SELECT sqlstate, count(*) AS n FROM outcomes GROUP BY sqlstate) s
SQL
note "outcomes: $summary";

fuzz_finish($node);
done_testing();
