#!/bin/bash
# make bench-citus [SCALE=n] [CITUS_SHARDS=n]: build Citus once, build and
# install lottrace, and run test/citus/bench-citus.pl as with-cluster.sh runs
# the suites; the report goes to test/citus/last-bench.txt too.
set -euo pipefail
cd "$(dirname "$0")/../.."

./test/install-deps.sh
./test/build-citus.sh >/dev/null
export SCALE=${SCALE:-1}
./test/with-cluster.sh bash -c 'CITUS_SHARDS='"${CITUS_SHARDS:-8}"' PERL5LIB="$("$PG_CONFIG" --pgxs | xargs dirname)/../../src/test/perl" \
	perl test/citus/bench-citus.pl' | tee test/citus/last-bench.txt
