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
#
# SANITIZE=1 builds and installs the library instrumented with
# AddressSanitizer and UndefinedBehaviorSanitizer.  The server is not
# instrumented; a backend loads the sanitizer runtimes with the library
# (ASAN_OPTIONS verify_asan_link_order=0).  They cannot be preloaded here:
# with gcc 12's libasan in LD_PRELOAD, psql and postgres hang in their first
# bindtextdomain() (after libgnutls's constructor called it).  Loaded late,
# ASan checks the library's stack and global accesses and UBSan everything
# it instruments, but ASan does not intercept the C library's functions.
# The options reach the pg_virtualenv cluster through its environment file
# (pg_ctlcluster starts the server with that file's environment only) and
# the TAP tests' servers through the environment.  ASan writes reports to
# files, one per process (a backend's stderr is the server log), UBSan next
# to ASan to stderr whatever it is told, so the server logs are scanned too;
# the run fails when any report was written, whatever the command's status.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
export PG_CONFIG=${PG_CONFIG:-/usr/lib/postgresql/${PG_MAJOR:-15}/bin/pg_config}
sanitize=${SANITIZE:-}
[ "$sanitize" != 0 ] || sanitize=""

# One run at a time per machine: every checkout installs into the same
# PostgreSQL, so a concurrent install would swap the library under a test.
exec 9>"${TMPDIR:-/tmp}/lottrace-test.lock"
flock 9

port=$(perl -MIO::Socket::INET -e 'print IO::Socket::INET->new(Listen => 1, LocalAddr => "127.0.0.1", LocalPort => 0)->sockport')

# GS1's EPCIS JSON Schema, which test/epcis/validate.py reads, is kept
# beside the repository, not in it: found from here before the tree is copied
export LOTTRACE_VENDOR=${LOTTRACE_VENDOR:-$(cd "$top/.." && pwd)/shared/vendor}

sudo=""
[ "$(id -u)" -eq 0 ] || sudo=sudo
make -s WERROR=1 SANITIZE="$sanitize" PG_CONFIG="$PG_CONFIG"
$sudo make -s install SANITIZE="$sanitize" PG_CONFIG="$PG_CONFIG"

if [ "$(id -u)" -eq 0 ]; then
	workdir=$(mktemp -d /var/tmp/lottrace.XXXXXX)
	tar --exclude=.git -cf - . | tar -xf - -C "$workdir"
else
	workdir=$top
fi

sanitizer_env=()
cluster_opts=${LOTTRACE_CLUSTER_OPTS:-}
if [ -n "$sanitize" ]; then
	reports=$(mktemp -d "${TMPDIR:-/tmp}/lottrace-sanitizer.XXXXXX")
	chmod 1777 "$reports"
	# detect_leaks=0: memory contexts are freed wholesale, not by free()
	asan="verify_asan_link_order=0:detect_leaks=0:abort_on_error=1:disable_coredump=1:log_path=$reports/asan"
	ubsan="print_stacktrace=1:halt_on_error=1:abort_on_error=1:log_path=$reports/ubsan"
	sanitizer_env=(ASAN_OPTIONS="$asan" UBSAN_OPTIONS="$ubsan")
	printf "ASAN_OPTIONS = '%s'\nUBSAN_OPTIONS = '%s'\n" "$asan" "$ubsan" > "$reports/environment"
	cluster_opts="-c --environment=$reports/environment $cluster_opts"
	echo "sanitizers: reports go to $reports"
	# UBSan next to ASan writes to stderr whatever its log_path: keep the
	# pg_virtualenv server's log, which its cleanup removes
	set -- bash -c 'status=0; "$@" || status=$?
		cp "$PG_CLUSTER_CONF_ROOT"/../log/*.log "$0"/ 2>/dev/null; exit $status' "$reports" "$@"
fi

status=0
if [ "$(id -u)" -eq 0 ]; then
	chown -R postgres: "$workdir"
	runuser -u postgres -- env PG_CONFIG="$PG_CONFIG" LOTTRACE_WORKDIR="$workdir" PGPORT="$port" \
		SCALE="${SCALE:-}" LOT_ROWS="${LOT_ROWS:-}" BENCH_ONLY="${BENCH_ONLY:-}" \
		BENCH_CLIENTS="${BENCH_CLIENTS:-}" BENCH_SECONDS="${BENCH_SECONDS:-}" \
		LOTTRACE_FUZZ_ITERATIONS="${LOTTRACE_FUZZ_ITERATIONS:-}" LOTTRACE_FUZZ_SEED="${LOTTRACE_FUZZ_SEED:-}" \
		LOTTRACE_VENDOR="$LOTTRACE_VENDOR" LOTTRACE_CLUSTER_OPTS="$cluster_opts" "${sanitizer_env[@]}" \
		bash -c 'cd "$LOTTRACE_WORKDIR" && exec pg_virtualenv -v "$(basename "$(dirname "$(dirname "$PG_CONFIG")")")" $LOTTRACE_CLUSTER_OPTS "$@"' \
		with-cluster "$@" || status=$?
else
	export LOTTRACE_WORKDIR=$workdir PGPORT=$port
	env "${sanitizer_env[@]}" \
		pg_virtualenv -v "$(basename "$(dirname "$(dirname "$PG_CONFIG")")")" $cluster_opts "$@" || status=$?
fi

if [ -n "$sanitize" ]; then
	found=$(find "$reports" -type f -name '*san.*' -size +0 | sort)
	# and the server logs of the cluster and of the TAP tests' servers
	pattern='runtime error:|AddressSanitizer|UndefinedBehaviorSanitizer'
	logs=$(find "$reports" "$workdir/tmp_check/log" -name '*.log' 2>/dev/null | sort | xargs -r grep -l -E "$pattern" || true)
	if [ -n "$found$logs" ]; then
		for report in $found; do echo "=== $report"; head -n 80 "$report"; done
		for log in $logs; do echo "=== $log"; grep -E -A 40 "$pattern" "$log" | head -n 80; done
		echo "with-cluster: sanitizer reports were written (kept in $reports)"
		[ $status -ne 0 ] || status=1
	else
		rm -rf "$reports"
		echo "with-cluster: no sanitizer reports"
	fi
fi
# keep the work directory of a failed run for its logs and results
if [ "$workdir" != "$top" ]; then
	if [ $status -eq 0 ]; then rm -rf "$workdir"; else echo "work directory kept: $workdir"; fi
fi
exit $status
