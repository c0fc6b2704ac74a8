#!/bin/bash
# make test: install what is missing, build, install, and run every suite
# (pg_regress, isolation, TAP) against throwaway clusters, first on the system
# PostgreSQL 15, then on PostgreSQL 18 built from source
# (test/run-tests-pg18.sh, which also upgrades a 15 cluster to 18).  Exits
# non-zero on any failure, after printing the regression diffs.
#
# On 15, the regression, isolation and fuzz suites run first against a build
# with AddressSanitizer and UndefinedBehaviorSanitizer (see with-cluster.sh),
# then every suite against the plain build, which is what stays installed.
# make test SANITIZE=1 runs every suite, once, against the sanitized build
# on 15 only.
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
		echo "PostgreSQL 15: FAILED"
	else
		echo "PostgreSQL 15: all suites passed"
	fi
	exit $status' run-suites "$@"
}

status=0
case "${SANITIZE:-}" in
	""|0)
		# The PostgreSQL 18 build first: a missing source tarball stops the
		# run at once, and a first build is done before any suite starts
		./test/build-pg.sh >/dev/null
		SANITIZE=1 run_suites PROVE_TESTS='test/t/*_fuzz.pl' || status=$?
		SANITIZE= run_suites || status=$?
		./test/run-tests-pg18.sh || status=$?
		;;
	*)
		run_suites || status=$?
		;;
esac
if [ $status -ne 0 ]; then
	echo "make test: FAILED"
else
	echo "make test: all suites passed"
fi
exit $status
