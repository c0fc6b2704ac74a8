#!/bin/bash
# make test: install what is missing, build, install, and run every suite
# (pg_regress, isolation, TAP) against throwaway clusters.  Exits non-zero on
# any failure, after printing the regression diffs.
#
# First the regression, isolation and fuzz suites run against a build with
# AddressSanitizer and UndefinedBehaviorSanitizer (see with-cluster.sh), then
# every suite against the plain build, which is what stays installed.
# make test SANITIZE=1 runs every suite, once, against the sanitized build.
set -euo pipefail
cd "$(dirname "$0")/.."

./test/install-deps.sh

# run_suites MAKE-ARGUMENTS…: make installcheck with them, in with-cluster.sh
run_suites()
{
	./test/with-cluster.sh bash -c '
	status=0
	make -s installcheck PG_CONFIG="$PG_CONFIG" "$@" || status=$?
	if [ $status -ne 0 ]; then
		for diffs in regression.diffs output_iso/regression.diffs; do
			[ -s "$diffs" ] && { echo "=== $diffs"; cat "$diffs"; }
		done
		for log in tmp_check/log/*; do
			[ -f "$log" ] && { echo "=== $log"; tail -n 50 "$log"; }
		done
		echo "make test: FAILED"
	else
		echo "make test: all suites passed"
	fi
	exit $status' run-suites "$@"
}

case "${SANITIZE:-}" in
	""|0)
		SANITIZE=1 run_suites PROVE_TESTS='test/t/*_fuzz.pl'
		SANITIZE= run_suites
		;;
	*)
		run_suites
		;;
esac
