#!/bin/bash
# make test: install what is missing, build, install, and run every suite
# (pg_regress, isolation, TAP) against throwaway clusters.  Exits non-zero on
# any failure, after printing the regression diffs.
set -euo pipefail
cd "$(dirname "$0")/.."

./test/install-deps.sh
exec ./test/with-cluster.sh bash -c '
	status=0
	make -s installcheck PG_CONFIG="$PG_CONFIG" || status=$?
	if [ $status -ne 0 ]; then
		for diffs in regression.diffs; do
			[ -s "$diffs" ] && { echo "=== $diffs"; cat "$diffs"; }
		done
		for log in tmp_check/log/*; do
			[ -f "$log" ] && { echo "=== $log"; tail -n 50 "$log"; }
		done
		echo "make test: FAILED"
	else
		echo "make test: all suites passed"
	fi
	exit $status'
