#!/bin/bash
# make test-citus: build Citus once (test/build-citus.sh), build and install
# lottrace, and run the Citus suite (test/citus/*.pl: a coordinator and two
# workers on loopback ports, against a single node) as with-cluster.sh runs
# the other suites.  Exits non-zero on any failure, after printing the
# servers' logs.
set -euo pipefail
cd "$(dirname "$0")/../.."

./test/install-deps.sh
./test/build-citus.sh >/dev/null
./test/with-cluster.sh bash -c '
status=0
make -s installcheck PG_CONFIG="$PG_CONFIG" REGRESS= ISOLATION= PROVE_TESTS="${LOTTRACE_CITUS_TESTS:-test/citus/0*.pl}" || status=$?
if [ $status -ne 0 ]; then
	for log in tmp_check/log/*; do
		[ -f "$log" ] && { echo "=== $log"; tail -n 50 "$log"; }
	done
	echo "make test-citus: FAILED"
else
	echo "make test-citus: passed"
fi
exit $status'
