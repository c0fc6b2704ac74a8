# LottraceCitus: a Citus cluster for the Citus suite and bench
# (test/citus/): a coordinator and workers on loopback ports, Citus and
# lottrace installed on every node, the workers added, nothing distributed.
package LottraceCitus;

use strict;
use warnings;

use Exporter 'import';
use PostgreSQL::Test::Cluster;
our @EXPORT = qw(citus_cluster);

# citus_cluster($prefix, $nworkers, $extra_conf): the nodes, coordinator first
sub citus_cluster
{
	my ($prefix, $nworkers, $extra_conf) = @_;
	my @nodes;
	for my $name ('coordinator', map { "worker$_" } 1 .. $nworkers)
	{
		my $node = PostgreSQL::Test::Cluster->new("$prefix$name");
		$node->init;
		# the nodes reach each other over TCP on the loopback interface;
		# each level of a trace opens a connection per shard, and TLS on
		# loopback would only add its handshake to every one
		$node->append_conf('postgresql.conf', <<EOC . ($extra_conf // ''));
shared_preload_libraries = 'citus'
listen_addresses = '127.0.0.1'
max_prepared_transactions = 20
citus.enable_statistics_collection = off
citus.node_conninfo = 'sslmode=disable'
EOC
		$node->start;
		$node->safe_psql('postgres', 'CREATE EXTENSION citus; CREATE EXTENSION lottrace;');
		push @nodes, $node;
	}
	my ($coordinator, @workers) = @nodes;
	$coordinator->safe_psql('postgres',
		"SELECT citus_set_coordinator_host('127.0.0.1', " . $coordinator->port . ')');
	$coordinator->safe_psql('postgres', "SELECT citus_add_node('127.0.0.1', " . $_->port . ')')
	  for @workers;
	return @nodes;
}

1;
