# Every EPCIS document the tests export validates against GS1's EPCIS 2.0
# JSON Schema: the documents of the regression tests epcis_export and
# epcis_roundtrip (which keep each one in public.epcis_exported_documents)
# and the demo's farm-to-fork document, checked by test/epcis/validate.py
# (python3-jsonschema, offline, formats checked) with the modular and the
# single-file schema of gs1/EPCIS under $LOTTRACE_VENDOR/epcis.  The
# validator is shown to reject what epcis_export wrote before 0.3.0.  A
# query document (EPCISQueryDocument) validates and epcis_import imports it;
# what the schema refuses of one, epcis_import refuses.
use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

use File::Basename;
use FindBin;
use JSON::PP;
use Storable qw(dclone);

my $top = dirname($FindBin::RealBin) =~ s{/test$}{}r;
my $validate = "$top/test/epcis/validate.py";
my $vendor = $ENV{LOTTRACE_VENDOR} || "$top/../shared/vendor";
my $schema = "$vendor/epcis/JSON-Schema/EPCIS-JSON-Schema-root.json";
if (!ok(-f $schema, "GS1's EPCIS JSON Schema is at $schema"))
{
	diag("the EPCIS JSON Schema is missing: $schema (set LOTTRACE_VENDOR to the directory holding epcis/)");
	done_testing();
	exit;
}
local $ENV{LOTTRACE_VENDOR} = $vendor;

my $out = PostgreSQL::Test::Utils::tempdir();

# validate(FILE...): the validator's exit status and output
sub validate
{
	my ($stdout, $stderr);
	IPC::Run::run([ $validate, @_ ], '>', \$stdout, '2>', \$stderr);
	return ($? >> 8, $stdout . $stderr);
}

# the validator itself: an export as 0.2.0 wrote it (a business step that is
# not in the CBV 2.0, a location and a party in free text, a unit outside
# Recommendation 20) is refused, with the reasons
my $old_style = "$out/old-style.json";
open my $fh, '>', $old_style or die "$old_style: $!";
print $fh <<'JSON';
{"@context": ["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"], "type": "EPCISDocument",
 "schemaVersion": "2.0", "creationDate": "2024-03-07T10:00:00.000000Z",
 "epcisBody": {"eventList": [
  {"type": "TransformationEvent", "eventID": "urn:lottrace:event:3", "eventTime": "2024-03-05T06:00:00.000000Z",
   "eventTimeZoneOffset": "+00:00", "bizStep": "transforming", "bizLocation": {"id": "bakery"},
   "inputQuantityList": [{"epcClass": "https://id.gs1.org/01/09506000134352/10/FL-1", "quantity": 50, "uom": "kg"}],
   "outputQuantityList": [{"epcClass": "https://id.gs1.org/01/09506000134376/10/D1"}]},
  {"type": "ObjectEvent", "eventID": "urn:lottrace:event:4", "eventTime": "2024-03-06T09:00:00.000000Z",
   "eventTimeZoneOffset": "+00:00", "action": "OBSERVE", "bizStep": "shipping",
   "destinationList": [{"type": "owning_party", "destination": "Shop A"}],
   "quantityList": [{"epcClass": "https://id.gs1.org/01/09506000134376/10/D1"}]}]}}
JSON
close $fh;
my ($status, $report) = validate($old_style);
is($status, 1, 'the validator refuses an export as 0.2.0 wrote it');
like($report, qr/'transforming' is not valid/, '... for the business step transforming');
like($report, qr/bizLocation\/id: 'bakery' is not a 'uri'/, '... for the free-text location');
like($report, qr/destination: 'Shop A' is not a 'uri'/, '... for the free-text party');
like($report, qr/uom: 'kg' does not match/, '... for the unit kg');
($status, $report) = validate("$out/none.json");
isnt($status, 0, 'the validator fails on a file that is not there');

# an EPCISQueryDocument, the answer to an EPCIS query, validates; each shape
# of one that the schema refuses is refused, and epcis_import agrees (below)
my $query = decode_json(<<'JSON');
{"@context": ["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"],
 "type": "EPCISQueryDocument", "schemaVersion": "2.0", "creationDate": "2024-07-02T10:00:00Z",
 "epcisBody": {"queryResults": {"queryName": "SimpleEventQuery", "subscriptionID": "sub-7", "resultsBody": {
  "eventList": [
   {"type": "ObjectEvent", "eventID": "urn:example:q-1", "eventTime": "2024-07-01T06:00:00Z", "eventTimeZoneOffset": "+00:00",
    "action": "ADD", "bizStep": "commissioning", "bizLocation": {"id": "urn:epc:id:sgln:9506000.00001.0"},
    "quantityList": [{"epcClass": "urn:epc:class:lgtin:9506000.013435.FL-Q", "quantity": 100, "uom": "KGM"}]}],
  "vocabularyList": [{"type": "urn:epcglobal:epcis:vtype:EPCClass", "vocabularyElementList": [
   {"id": "urn:epc:class:lgtin:9506000.013435.FL-Q",
    "attributes": [{"id": "urn:epcglobal:cbv:mda#itemExpirationDate", "attribute": "2024-12-31"}]}]}]}}}}
JSON
my %refused = (
	'without queryResults' => sub { delete $_[0]{epcisBody}{queryResults} },
	'without queryName' => sub { delete $_[0]{epcisBody}{queryResults}{queryName} },
	'with a queryName that is no string' => sub { $_[0]{epcisBody}{queryResults}{queryName} = 42 },
	'with a subscriptionID that is no string' => sub { $_[0]{epcisBody}{queryResults}{subscriptionID} = 7 },
	'without resultsBody' => sub { delete $_[0]{epcisBody}{queryResults}{resultsBody} },
	'with an eventList that is no list' => sub { $_[0]{epcisBody}{queryResults}{resultsBody}{eventList} = {} },
	'with an epcisHeader' => sub { $_[0]{epcisHeader} = { epcisMasterData => { vocabularyList => [] } } },
	'with the body of an EPCISDocument' => sub { $_[0]{epcisBody} = { eventList => [] } });
my %refused_documents;
for my $shape (sort keys %refused)
{
	my $document = dclone($query);
	$refused{$shape}->($document);
	$refused_documents{$shape} = $document;
}
for my $shape ('', sort keys %refused)
{
	my $file = "$out/query" . ($shape =~ s/\W+/-/gr) . '.json';
	open my $qfh, '>', $file or die "$file: $!";
	print $qfh encode_json($shape eq '' ? $query : $refused_documents{$shape});
	close $qfh;
	($status, $report) = validate($file);
	if ($shape eq '')
	{
		is($status, 0, 'a query document validates') or diag($report);
	}
	else
	{
		is($status, 1, "the schema refuses a query document $shape");
	}
}

my $node = PostgreSQL::Test::Cluster->new('epcis');
$node->init;
$node->start;

# what the schema refuses of a query document, epcis_import refuses (22P02),
# writing nothing; the valid one imports
$node->safe_psql('postgres', 'CREATE DATABASE query');
$node->safe_psql('query', <<'SQL');
CREATE EXTENSION lottrace;
CREATE FUNCTION try_import(document jsonb) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
	RETURN lottrace.epcis_import(document) || ' imported';
EXCEPTION WHEN OTHERS THEN
	RETURN SQLSTATE || ': ' || SQLERRM;
END $$;
SQL
for my $shape (sort keys %refused)
{
	like($node->safe_psql('query', 'SELECT try_import($json$' . encode_json($refused_documents{$shape}) . '$json$)'),
		qr/^22P02: .*(query document|epcisHeader)/, "epcis_import refuses a query document $shape");
}
is($node->safe_psql('query', 'SELECT count(*) FROM lottrace.lots'), '0', '... and writes nothing');
is($node->safe_psql('query', 'SELECT try_import($json$' . encode_json($query) . '$json$)'), '1 imported',
	'epcis_import imports the query document');
is($node->safe_psql('query', 'SELECT code || \' \' || expires_at FROM lottrace.lots'), 'FL-Q 2024-12-31',
	'... its lot, with the expiry its master data gives');

# the regression tests' exports
$node->safe_psql('postgres', "CREATE DATABASE regress TEMPLATE template0 ENCODING 'UTF8' LOCALE 'C'");
$node->safe_psql('regress', 'CREATE EXTENSION lottrace');
for my $test ('epcis_export', 'epcis_roundtrip')
{
	# they raise errors on purpose: their output is pg_regress's to check
	IPC::Run::run([ 'psql', '-X', '-q', '-d', $node->connstr('regress'), '-f', "$top/test/sql/$test.sql" ],
		'>', '/dev/null', '2>', '/dev/null');
}
my @documents;
for my $row (split /\n/, $node->safe_psql('regress',
		"SELECT regexp_replace(name, '[^A-Za-z0-9]+', '-', 'g') FROM public.epcis_exported_documents ORDER BY name"))
{
	my $file = "$out/$row.json";
	$node->command_ok([ 'psql', '-X', '-q', '-A', '-t', '-d', $node->connstr('regress'), '-o', $file, '-c',
			"SELECT document FROM public.epcis_exported_documents WHERE regexp_replace(name, '[^A-Za-z0-9]+', '-', 'g') = '$row'" ],
		"$row exported");
	push @documents, $file;
}
is(scalar @documents, 4, 'the regression tests exported 4 documents');

# the demo's
$node->safe_psql('postgres', "CREATE DATABASE demo TEMPLATE template0 ENCODING 'UTF8' LOCALE 'C'");
{
	local $ENV{LOTTRACE_DEMO_OUT} = $out;
	IPC::Run::run([ 'psql', '-X', '-q', '-d', $node->connstr('demo'), '-f', "$top/test/demo/demo.sql" ],
		'>', '/dev/null', '2>', '/dev/null');
}
ok(-s "$out/epcis-farm-to-fork.json", 'the demo exported its farm-to-fork chain');
push @documents, "$out/epcis-farm-to-fork.json";

for my $document (@documents)
{
	($status, $report) = validate($document);
	is($status, 0, basename($document) . ' validates against the EPCIS 2.0 JSON Schema')
	  or diag($report);
}

$node->stop;
done_testing();
