#!/bin/bash
# make bench-citus [SCALE=n] [CITUS_SHARDS=n]: build Citus once, build and
# install lottrace, and run test/citus/bench-citus.pl as with-cluster.sh runs
# the suites (the PostgreSQL::Test modules and pg_regress of the server's
# PGXS, as a TAP suite would have them); the report goes to
# test/citus/last-bench.txt too.
set -euo pipefail
cd "$(dirname "$0")/../.."

./test/install-deps.sh
./test/build-citus.sh >/dev/null
export SCALE=${SCALE:-1}
./test/with-cluster.sh bash -c '
pgxs=$(dirname "$("$PG_CONFIG" --pgxs)")/../..
TESTDIR=$PWD PG_REGRESS=$pgxs/src/test/regress/pg_regress PERL5LIB=$pgxs/src/test/perl \
	CITUS_SHARDS='"${CITUS_SHARDS:-8}"' perl test/citus/bench-citus.pl' | tee test/citus/last-bench.txt
