#!/bin/bash
# run-tests-pg18.sh: every suite (pg_regress, isolation, TAP) against
# PostgreSQL 18 built from source into a cache (test/build-pg.sh), and
# pg_upgrade from the system PostgreSQL 15 to it (test/t/025_pg_upgrade.pl).
# make test runs it after the PostgreSQL 15 suites; it exits non-zero, with
# what is missing, when the PostgreSQL 18 source is not there.  Arguments go
# to make installcheck, for targeted runs:
#   ./test/run-tests-pg18.sh REGRESS= ISOLATION= PROVE_TESTS=test/t/025_pg_upgrade.pl
#
# lottrace is built with -Werror in a copy of the tree (the checkout keeps its
# PostgreSQL 15 objects).  It is installed into private copies of both
# installations in the work directory, the cached 18 and the system 15 (which
# the pg_upgrade test needs, with this checkout's lottrace in it): the cache
# stays as built and the system PostgreSQL untouched, so this phase takes no
# lock and never disturbs another checkout's tests.  PostgreSQL finds its
# libraries and share directory relative to its programs, so a copy works.
# The cluster is a throwaway one of our own (pg_virtualenv knows only
# Debian's clusters): initdb in the work directory, a Unix socket in a
# directory of its own and no TCP at all, so it cannot meet another server,
# on a port other than 5432.  As root, the server and the suites run as the
# postgres user.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
old_pg_config=${LOTTRACE_OLD_PG_CONFIG:-/usr/lib/postgresql/15/bin/pg_config}
# third-party test material (the EPCIS JSON Schema), found from the
# checkout, not from the copy of the tree the suites run in
vendor=${LOTTRACE_VENDOR:-$(cd "$top/.." && pwd)/shared/vendor}

cached_pg_config=$(./test/build-pg.sh)
cached_prefix=$("$cached_pg_config" --bindir)
cached_prefix=${cached_prefix%/bin}

workdir=$(mktemp -d /var/tmp/lottrace-pg18.XXXXXX)
trap 'rm -rf "$workdir"' EXIT
cp -a "$cached_prefix" "$workdir/pg18"
pg_config=$workdir/pg18/bin/pg_config
old_root=$workdir/pg15
for dir in "$("$old_pg_config" --bindir)" "$("$old_pg_config" --pkglibdir)" "$("$old_pg_config" --sharedir)"; do
	mkdir -p "$old_root$(dirname "$dir")"
	cp -a "$dir" "$old_root$dir"
done
old_install=$old_root$(dirname "$("$old_pg_config" --bindir)")

make -s WERROR=1 PG_CONFIG="$old_pg_config"
make -s install PG_CONFIG="$old_pg_config" DESTDIR="$old_root"

mkdir "$workdir/tree"
tar --exclude=.git --exclude='*.o' --exclude='*.so' --exclude='*.bc' \
	--exclude=results --exclude=tmp_check --exclude=output_iso -cf - . | tar -xf - -C "$workdir/tree"
make -s -C "$workdir/tree" WERROR=1 PG_CONFIG="$pg_config"
make -s -C "$workdir/tree" install PG_CONFIG="$pg_config"

run_as=(env)
if [ "$(id -u)" -eq 0 ]; then
	chown -R postgres: "$workdir"
	run_as=(runuser -u postgres -- env)
fi

status=0
"${run_as[@]}" PG_CONFIG="$pg_config" LOTTRACE_WORKDIR="$workdir" \
	LOTTRACE_UPGRADE_FROM="$old_install" \
	LOTTRACE_VENDOR="$vendor" \
	bash -c '
	set -euo pipefail
	cd "$LOTTRACE_WORKDIR/tree"
	bindir=$("$PG_CONFIG" --bindir)
	cluster=$LOTTRACE_WORKDIR/tmp_cluster
	# a port of our own choosing: the socket directory is private, so no
	# other server can hold it, and 5432 is left to whoever expects it
	export PGHOST=$cluster PGPORT=$((20000 + RANDOM % 10000))
	"$bindir/initdb" -D "$cluster/data" -A trust -E UTF8 --no-sync >"$cluster.initdb.log" 2>&1 ||
		{ cat "$cluster.initdb.log"; exit 1; }
	"$bindir/pg_ctl" -D "$cluster/data" -l "$cluster/server.log" -w start -o \
		"-c port=$PGPORT -c listen_addresses= -c unix_socket_directories=$cluster -c fsync=off" >/dev/null
	trap "\"$bindir/pg_ctl\" -D \"$cluster/data\" -m fast -w stop >/dev/null" EXIT
	status=0
	make -s installcheck PG_CONFIG="$PG_CONFIG" "$@" || status=$?
	if [ $status -ne 0 ]; then
		for diffs in regression.diffs output_iso/regression.diffs; do
			[ -s "$diffs" ] && { echo "=== $diffs"; cat "$diffs"; }
		done
		for log in tmp_check/log/*; do
			[ -f "$log" ] && { echo "=== $log"; tail -n 50 "$log"; }
		done
	fi
	exit $status' run-tests-pg18 "$@" || status=$?

# keep the work directory of a failed run for its logs and results
if [ $status -eq 0 ]; then
	echo "PostgreSQL 18: all suites passed"
else
	trap - EXIT
	echo "work directory kept: $workdir"
	echo "PostgreSQL 18: FAILED"
fi
exit $status
