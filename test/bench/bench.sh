#!/bin/bash
# Runs inside the throwaway cluster that run-bench.sh starts: loads the
# harness, runs every workload file (or those matching $BENCH_ONLY), prints
# the report, and fails if any comparison gave different answers.
# BENCH_ONLY selects workload files by an extended regular expression.
set -euo pipefail
cd "$(dirname "$0")"

# lottrace's operators are found through search_path; see doc/lottrace.md.
export PGOPTIONS="-c search_path=lottrace,public"

run_psql() {
	psql -X -q -v ON_ERROR_STOP=1 -v scale="$SCALE" -v lot_rows="$LOT_ROWS" "$@"
}

run_psql -f harness.sql
# what lottrace replaced, kept to compare against (bench.allocate_plpgsql)
for baseline in baselines/*.sql; do
	run_psql -f "$baseline"
done
# SQL workloads run in psql; shell workloads (pgbench) run as they are
for workload in workloads/*; do
	# BENCH_ONLY is an extended regular expression, e.g. 'trace|recall'
	[[ "$workload" =~ ${BENCH_ONLY:-.} ]] || continue
	case "$workload" in
	*.sql) run_psql -o /dev/null -f "$workload" ;;
	*.sh) bash "$workload" ;;
	esac
done

echo
echo "lottrace benchmark: SCALE=$SCALE, $(nproc) cores, $(psql -XAtc 'SHOW server_version')"
echo "speedup = plain SQL time / lottrace time (median of several runs, measured side by side)"
psql -X -P pager=off -c 'SELECT * FROM bench.report'
mismatches=$(psql -XAtc 'SELECT count(*) FROM bench.results WHERE same_answer IS FALSE')
if [ "$mismatches" != 0 ]; then
	echo "bench: $mismatches workload(s) gave different answers" >&2
	exit 1
fi
