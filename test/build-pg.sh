#!/bin/bash
# build-pg.sh: build PostgreSQL from a source tarball into a cache outside the
# repository, once, and print the path of its pg_config.
#
#   LOTTRACE_VENDOR  directory holding postgresql-$LOTTRACE_PG_VERSION.tar.gz
#                    (default: ../shared/vendor beside the checkout); an
#                    upstream release tarball of the same version does as well
#   LOTTRACE_CACHE   where builds are kept (default /var/cache/lottrace)
#   LOTTRACE_PG_VERSION  default 18.3
#
# The cache directory is keyed by version and the tarball's checksum, so a
# different tarball of the same version builds anew instead of reusing a
# build of other sources.  A build that did not finish leaves no stamp and is
# redone.  Progress goes to stderr; stdout is only the pg_config path.
set -euo pipefail

# Called from "make test", this script inherits the calling make's MAKELEVEL
# and MAKEFLAGS.  PostgreSQL's build makes its generated headers (errcodes.h
# and the like) only when MAKELEVEL is 0, so a build started from inside make
# fails on a fresh machine; the build below is a top-level build of its own.
unset MAKELEVEL MAKEFLAGS MFLAGS

top=$(cd "$(dirname "$0")/.." && pwd)
version=${LOTTRACE_PG_VERSION:-18.3}
vendor=${LOTTRACE_VENDOR:-$top/../shared/vendor}
cache=${LOTTRACE_CACHE:-/var/cache/lottrace}
tarball=$vendor/postgresql-$version.tar.gz

if [ ! -f "$tarball" ]; then
	cat >&2 <<-EOF
	build-pg.sh: PostgreSQL $version source is missing: no $tarball
	  Put the release tarball there (https://ftp.postgresql.org/pub/source/v$version/postgresql-$version.tar.gz),
	  or point LOTTRACE_VENDOR at the directory that holds it.
	EOF
	exit 2
fi

# The vendor directory's SHA256SUMS, when it lists the file, must match: a
# truncated copy would otherwise fail somewhere in the middle of a long build.
sum=$(sha256sum "$tarball" | cut -d' ' -f1)
if [ -f "$vendor/SHA256SUMS" ]; then
	listed=$(awk -v f="postgresql-$version.tar.gz" '$2 == f || $2 == "*" f { print $1 }' "$vendor/SHA256SUMS")
	if [ -n "$listed" ] && [ "$listed" != "$sum" ]; then
		echo "build-pg.sh: $tarball has checksum $sum, $vendor/SHA256SUMS says $listed" >&2
		exit 2
	fi
fi

prefix=$cache/postgresql-$version-${sum:0:12}
stamp=$prefix/.lottrace-build-complete

if [ ! -f "$stamp" ]; then
	mkdir -p "$cache" || { echo "build-pg.sh: cannot create $cache: point LOTTRACE_CACHE at a writable directory" >&2; exit 2; }
	# Two checkouts may ask for the same build at once: one builds, the
	# other waits and then finds the stamp.
	exec 8>"$cache/postgresql-$version.build.lock"
	flock 8
	if [ ! -f "$stamp" ]; then
		"$top/test/install-deps.sh" bison flex libreadline-dev zlib1g-dev >&2
		rm -rf "$prefix"
		build=$(mktemp -d "$cache/build.XXXXXX")
		trap 'rm -rf "$build"' EXIT
		echo "build-pg.sh: building PostgreSQL $version into $prefix (takes a while)" >&2
		start=$SECONDS
		tar -xzf "$tarball" -C "$build"
		(
			cd "$build/postgresql-$version"
			# TAP tests need IPC::Run and the PostgreSQL::Test modules
			# (make install puts them under lib/pgxs/src/test/perl); the
			# extension is tested against a server with assertions on;
			# ICU is left out to need fewer libraries.
			./configure --prefix="$prefix" --without-icu --enable-tap-tests \
				--enable-cassert >"$build/configure.log" 2>&1 ||
				{ tail -n 30 "$build/configure.log"; exit 1; }
			make -s -j"$(nproc)" >"$build/make.log" 2>&1 ||
				{ tail -n 50 "$build/make.log"; exit 1; }
			make -s install >>"$build/make.log" 2>&1
		) >&2
		echo "$version $sum built in $((SECONDS - start))s on $(date -u +%FT%TZ)" >"$stamp"
		echo "build-pg.sh: built in $((SECONDS - start))s" >&2
		rm -rf "$build"
		trap - EXIT
	fi
	exec 8>&-
fi

# The contrib modules the suites load, each built against the installed
# server with PGXS from the same tarball; a build made before a module was
# added to this list gets it here without rebuilding the server.
contrib_modules="amcheck pageinspect pgstattuple"
missing=
for module in $contrib_modules; do
	[ -f "$prefix/share/extension/$module.control" ] || missing="$missing $module"
done
if [ -n "$missing" ]; then
	exec 8>"$cache/postgresql-$version.build.lock"
	flock 8
	build=$(mktemp -d "$cache/contrib.XXXXXX")
	trap 'rm -rf "$build"' EXIT
	for module in $missing; do
		[ -f "$prefix/share/extension/$module.control" ] && continue
		echo "build-pg.sh: building contrib module $module into $prefix" >&2
		tar -xzf "$tarball" -C "$build" "postgresql-$version/contrib/$module"
		make -s -C "$build/postgresql-$version/contrib/$module" USE_PGXS=1 \
			PG_CONFIG="$prefix/bin/pg_config" install >"$build/$module.log" 2>&1 ||
			{ tail -n 30 "$build/$module.log" >&2; exit 1; }
	done
	rm -rf "$build"
	trap - EXIT
	exec 8>&-
fi

echo "$prefix/bin/pg_config"
