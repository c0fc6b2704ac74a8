#!/bin/bash
# make test: install what is missing, build, install, and run every suite
# (pg_regress, isolation, TAP) against throwaway clusters, first on the system
# PostgreSQL 15, then on PostgreSQL 18 built from source
# (test/run-tests-pg18.sh, which also upgrades a 15 cluster to 18).  Exits
# non-zero on any failure, after printing the regression diffs.
set -euo pipefail
cd "$(dirname "$0")/.."

./test/install-deps.sh
# The PostgreSQL 18 build first: a missing source tarball stops the run at
# once, and a first build is done before any suite starts
./test/build-pg.sh >/dev/null
status=0
./test/with-cluster.sh bash -c '
	status=0
	make -s installcheck PG_CONFIG="$PG_CONFIG" || status=$?
	if [ $status -ne 0 ]; then
		for diffs in regression.diffs; do
			[ -s "$diffs" ] && { echo "=== $diffs"; cat "$diffs"; }
		done
		for log in tmp_check/log/*; do
			[ -f "$log" ] && { echo "=== $log"; tail -n 50 "$log"; }
		done
		echo "PostgreSQL 15: FAILED"
	else
		echo "PostgreSQL 15: all suites passed"
	fi
	exit $status' || status=$?
./test/run-tests-pg18.sh || status=$?
if [ $status -ne 0 ]; then
	echo "make test: FAILED"
else
	echo "make test: all suites passed"
fi
exit $status
