#!/bin/bash
# make demo: installs what is missing, builds and installs lottrace, starts a
# throwaway cluster, loads a small bakery's lots and runs a scripted session:
# lot codes, templates, genealogy, FEFO picking, a mock recall with its
# quantities reconciled, a recall, and a flour silo's recall with and without
# time.  The recalls' pictures (Graphviz) and FSMA 204 spreadsheet are written
# to demo-output/.
set -euo pipefail
cd "$(dirname "$0")/../.."

./test/install-deps.sh graphviz

out=$PWD/demo-output
rm -rf "$out"
mkdir -p "$out"
# the session runs as the postgres user when started as root
[ "$(id -u)" -eq 0 ] && chown postgres: "$out"
export LOTTRACE_DEMO_OUT=$out

./test/with-cluster.sh env LOTTRACE_DEMO_OUT="$out" \
	psql -X -q -v ON_ERROR_STOP=0 -P pager=off -f test/demo/demo.sql

if command -v dot >/dev/null; then
	for graph in recall silo-plain silo-time; do
		if [ -s "$out/$graph.dot" ]; then
			dot -Tsvg "$out/$graph.dot" -o "$out/$graph.svg"
			dot -Tpng "$out/$graph.dot" -o "$out/$graph.png"
		fi
	done
fi
echo
echo "Written to $out:"
ls -1 "$out" | sed 's/^/  /'
