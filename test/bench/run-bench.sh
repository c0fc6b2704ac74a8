#!/bin/bash
# make bench [SCALE=n] [BENCH_ONLY=regex, e.g. 'trace|recall']: builds and installs lottrace,
# starts a throwaway cluster tuned for the run, and runs the workloads.
set -euo pipefail
cd "$(dirname "$0")/../.."

export SCALE=${SCALE:-1}
export LOT_ROWS=${LOT_ROWS:-1000000}
export BENCH_ONLY=${BENCH_ONLY:-}
# One core per query on both sides (the trace engine is single-threaded, and
# so is a recursive CTE), no JIT noise, room for the data in memory.
export LOTTRACE_CLUSTER_OPTS="-o shared_buffers=$((SCALE > 4 ? 6 : 2))GB -o work_mem=64MB
	-o maintenance_work_mem=1GB -o max_parallel_workers_per_gather=0 -o jit=off
	-o max_wal_size=8GB -o checkpoint_timeout=30min -o synchronous_commit=off"

./test/install-deps.sh
./test/with-cluster.sh bash -c 'test/bench/bench.sh' | tee test/bench/last-run.txt
