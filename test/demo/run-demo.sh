#!/bin/bash
# make demo: installs what is missing, builds and installs lottrace, starts a
# throwaway cluster, loads a small bakery's lots and runs a scripted session.
set -euo pipefail
cd "$(dirname "$0")/../.."

./test/install-deps.sh
./test/with-cluster.sh psql -X -q -v ON_ERROR_STOP=0 -P pager=off -f test/demo/demo.sql
