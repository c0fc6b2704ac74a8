#!/bin/bash
# with-cluster.sh COMMAND…: build and install lottrace, then run COMMAND in a
# copy of the source tree against a throwaway PostgreSQL cluster
# (pg_virtualenv).  The server refuses to run as root, and the TAP tests start
# servers of their own, so as root the command runs as the postgres user in a
# directory that user owns, removed again unless the command fails.
# LOTTRACE_CLUSTER_OPTS adds pg_virtualenv options (-o name=value settings).
# The cluster listens on a port the kernel reports free, not on the first
# free one from 5432 that pg_virtualenv would take, so that it never stands
# where a client expects a real server.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
export PG_CONFIG=${PG_CONFIG:-/usr/lib/postgresql/${PG_MAJOR:-15}/bin/pg_config}

# One run at a time per machine: every checkout installs into the same
# PostgreSQL, so a concurrent install would swap the library under a test.
exec 9>"${TMPDIR:-/tmp}/lottrace-test.lock"
flock 9

port=$(perl -MIO::Socket::INET -e 'print IO::Socket::INET->new(Listen => 1, LocalAddr => "127.0.0.1", LocalPort => 0)->sockport')

sudo=""
[ "$(id -u)" -eq 0 ] || sudo=sudo
make -s WERROR=1 PG_CONFIG="$PG_CONFIG"
$sudo make -s install PG_CONFIG="$PG_CONFIG"

if [ "$(id -u)" -eq 0 ]; then
	workdir=$(mktemp -d /var/tmp/lottrace.XXXXXX)
	tar --exclude=.git -cf - . | tar -xf - -C "$workdir"
	chown -R postgres: "$workdir"
	status=0
	runuser -u postgres -- env PG_CONFIG="$PG_CONFIG" LOTTRACE_WORKDIR="$workdir" PGPORT="$port" \
		SCALE="${SCALE:-}" LOT_ROWS="${LOT_ROWS:-}" BENCH_ONLY="${BENCH_ONLY:-}" \
		BENCH_CLIENTS="${BENCH_CLIENTS:-}" BENCH_SECONDS="${BENCH_SECONDS:-}" \
		LOTTRACE_CLUSTER_OPTS="${LOTTRACE_CLUSTER_OPTS:-}" \
		bash -c 'cd "$LOTTRACE_WORKDIR" && exec pg_virtualenv -v "$(basename "$(dirname "$(dirname "$PG_CONFIG")")")" $LOTTRACE_CLUSTER_OPTS "$@"' \
		with-cluster "$@" || status=$?
	# keep the work directory of a failed run for its logs and results
	if [ $status -eq 0 ]; then rm -rf "$workdir"; else echo "work directory kept: $workdir"; fi
	exit $status
fi
export LOTTRACE_WORKDIR=$top PGPORT=$port
exec pg_virtualenv -v "$(basename "$(dirname "$(dirname "$PG_CONFIG")")")" ${LOTTRACE_CLUSTER_OPTS:-} "$@"
