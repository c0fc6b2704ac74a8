#!/bin/bash
# with-cluster.sh COMMAND…: build and install lottrace, then run COMMAND in a
# copy of the source tree against a throwaway PostgreSQL cluster
# (pg_virtualenv).  The server refuses to run as root, and the TAP tests start
# servers of their own, so as root the command runs as the postgres user in a
# directory that user owns, removed again unless the command fails.
# LOTTRACE_CLUSTER_OPTS adds pg_virtualenv options (-o name=value settings).
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
export PG_CONFIG=${PG_CONFIG:-/usr/lib/postgresql/${PG_MAJOR:-15}/bin/pg_config}

# One run at a time per machine: every checkout installs into the same
# PostgreSQL, so a concurrent install would swap the library under a test.
exec 9>"${TMPDIR:-/tmp}/lottrace-test.lock"
flock 9

# pg_virtualenv's cluster would take port 5432 whenever it is free: the port
# of the machine's own cluster, which may start later, and where a client
# with no port set connects.  Take a free port away from it instead: nothing
# listening there on TCP, no server's socket file for it.
free_port() {
	perl -MSocket -e '
		my $port = 20000 + int(rand(10000));
		for (1 .. 1000) {
			$port = $port >= 29999 ? 20000 : $port + 1;
			next if -e "/var/run/postgresql/.s.PGSQL.$port" || -e "/tmp/.s.PGSQL.$port";
			socket(my $s, PF_INET, SOCK_STREAM, getprotobyname("tcp")) or die "socket: $!";
			setsockopt($s, SOL_SOCKET, SO_REUSEADDR, 1);
			if (bind($s, sockaddr_in($port, INADDR_ANY)) && listen($s, 1)) {
				print "$port\n";
				exit 0;
			}
		}
		die "no free port found between 20000 and 29999\n";'
}
PGPORT=$(free_port)
export PGPORT

sudo=""
[ "$(id -u)" -eq 0 ] || sudo=sudo
make -s WERROR=1 PG_CONFIG="$PG_CONFIG"
$sudo make -s install PG_CONFIG="$PG_CONFIG"

if [ "$(id -u)" -eq 0 ]; then
	workdir=$(mktemp -d /var/tmp/lottrace.XXXXXX)
	tar --exclude=.git -cf - . | tar -xf - -C "$workdir"
	chown -R postgres: "$workdir"
	status=0
	runuser -u postgres -- env PG_CONFIG="$PG_CONFIG" PGPORT="$PGPORT" LOTTRACE_WORKDIR="$workdir" \
		SCALE="${SCALE:-}" LOT_ROWS="${LOT_ROWS:-}" BENCH_ONLY="${BENCH_ONLY:-}" \
		BENCH_CLIENTS="${BENCH_CLIENTS:-}" BENCH_SECONDS="${BENCH_SECONDS:-}" \
		LOTTRACE_CLUSTER_OPTS="${LOTTRACE_CLUSTER_OPTS:-}" \
		bash -c 'cd "$LOTTRACE_WORKDIR" && exec pg_virtualenv -v "$(basename "$(dirname "$(dirname "$PG_CONFIG")")")" $LOTTRACE_CLUSTER_OPTS "$@"' \
		with-cluster "$@" || status=$?
	# keep the work directory of a failed run for its logs and results
	if [ $status -eq 0 ]; then rm -rf "$workdir"; else echo "work directory kept: $workdir"; fi
	exit $status
fi
export LOTTRACE_WORKDIR=$top
exec pg_virtualenv -v "$(basename "$(dirname "$(dirname "$PG_CONFIG")")")" ${LOTTRACE_CLUSTER_OPTS:-} "$@"
