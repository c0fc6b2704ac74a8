#!/bin/bash
# make fuzz: the fuzz suites (test/t/*_fuzz.pl) in their long mode,
# LOTTRACE_FUZZ_ITERATIONS inputs to every parser (100000 unless set), against
# the build with AddressSanitizer and UndefinedBehaviorSanitizer unless
# SANITIZE=0.  Each suite prints its seed; LOTTRACE_FUZZ_SEED replays one.
set -euo pipefail
cd "$(dirname "$0")/.."

./test/install-deps.sh
export SANITIZE=${SANITIZE:-1}
export LOTTRACE_FUZZ_ITERATIONS=${LOTTRACE_FUZZ_ITERATIONS:-100000}
exec ./test/with-cluster.sh make -s installcheck PG_CONFIG="${PG_CONFIG:-/usr/lib/postgresql/15/bin/pg_config}" \
	REGRESS= ISOLATION= PROVE_TESTS='test/t/*_fuzz.pl' PROVE_FLAGS=--verbose
