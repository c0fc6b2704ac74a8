#!/bin/bash
# build-citus.sh: build Citus from a source tarball against the system
# PostgreSQL 15, once, into a cache outside the repository, and install it
# into that server's library and extension directories.
#
#   LOTTRACE_VENDOR  directory holding citus-$LOTTRACE_CITUS_VERSION.tar.gz
#                    (default: ../shared/vendor beside the checkout)
#   LOTTRACE_CACHE   where builds are kept (default /var/cache/lottrace)
#   LOTTRACE_CITUS_VERSION  default 13.2.2 (the last release for PostgreSQL 15)
#   PG_CONFIG        default /usr/lib/postgresql/15/bin/pg_config
#
# PostgreSQL 15 finds extension control files only in its own share
# directory (extension_control_path is 18's), so the staged files are copied
# there, under the machine-wide test lock every suite holds while it installs
# into the same server.  Installed files are inert until a cluster preloads
# citus.  Progress goes to stderr.
set -euo pipefail

# Called from "make test", this script inherits the calling make's MAKELEVEL
# and MAKEFLAGS.  PostgreSQL's build makes its generated headers (errcodes.h
# and the like) only when MAKELEVEL is 0, so a build started from inside make
# fails on a fresh machine; the build below is a top-level build of its own.
unset MAKELEVEL MAKEFLAGS MFLAGS

top=$(cd "$(dirname "$0")/.." && pwd)
version=${LOTTRACE_CITUS_VERSION:-13.2.2}
vendor=${LOTTRACE_VENDOR:-$top/../shared/vendor}
cache=${LOTTRACE_CACHE:-/var/cache/lottrace}
pg_config=${PG_CONFIG:-/usr/lib/postgresql/15/bin/pg_config}
tarball=$vendor/citus-$version.tar.gz

if [ ! -f "$tarball" ]; then
	cat >&2 <<-EOF2
	build-citus.sh: Citus $version source is missing: no $tarball
	  Put the release tarball there (https://github.com/citusdata/citus/archive/refs/tags/v$version.tar.gz),
	  or point LOTTRACE_VENDOR at the directory that holds it.
	EOF2
	exit 2
fi

sum=$(sha256sum "$tarball" | cut -d' ' -f1)
if [ -f "$vendor/SHA256SUMS" ]; then
	listed=$(awk -v f="citus-$version.tar.gz" '$2 == f || $2 == "*" f { print $1 }' "$vendor/SHA256SUMS")
	if [ -n "$listed" ] && [ "$listed" != "$sum" ]; then
		echo "build-citus.sh: $tarball has checksum $sum, $vendor/SHA256SUMS says $listed" >&2
		exit 2
	fi
fi

stage=$cache/citus-$version-${sum:0:12}
stamp=$stage/.lottrace-build-complete

if [ ! -f "$stamp" ]; then
	mkdir -p "$cache" || { echo "build-citus.sh: cannot create $cache: point LOTTRACE_CACHE at a writable directory" >&2; exit 2; }
	exec 8>"$cache/citus-$version.build.lock"
	flock 8
	if [ ! -f "$stamp" ]; then
		# libkrb5-dev: the server headers Citus includes (libpq-be.h) want
		# gssapi.h when the server was built with GSSAPI, as Debian's is.
		"$top/test/install-deps.sh" liblz4-dev libzstd-dev libkrb5-dev >&2
		rm -rf "$stage"
		build=$(mktemp -d "$cache/citus-build.XXXXXX")
		trap 'rm -rf "$build"' EXIT
		echo "build-citus.sh: building Citus $version into $stage (takes a while)" >&2
		start=$SECONDS
		tar -xzf "$tarball" -C "$build"
		(
			cd "$build"/citus-*/
			# PostgreSQL 15.20 exports have_createdb_privilege() (it went
			# back to 15 after Citus 13.2.2 was released), which Citus's
			# compatibility header defines again as a static function for
			# servers before 16; renaming Citus's copy keeps both legal.
			sed -i 's/^have_createdb_privilege(void)$/citus_compat_have_createdb_privilege(void)/;
				/^citus_compat_have_createdb_privilege(void)$/i #define have_createdb_privilege citus_compat_have_createdb_privilege' \
				src/include/pg_version_compat.h
			# libcurl serves only Citus's anonymous usage reports, which a
			# test cluster must not send.  lz4 and zstd stay: Debian's
			# server is built with them, and Citus's columnar code follows
			# the server's pg_config.h whatever configure was told.
			./configure PG_CONFIG="$pg_config" --without-libcurl \
				>"$build/configure.log" 2>&1 ||
				{ tail -n 30 "$build/configure.log"; exit 1; }
			make -s -j"$(nproc)" >"$build/make.log" 2>&1 ||
				{ tail -n 50 "$build/make.log"; exit 1; }
			make -s install DESTDIR="$stage" >>"$build/make.log" 2>&1
		) >&2
		echo "$version $sum built in $((SECONDS - start))s on $(date -u +%FT%TZ)" >"$stamp"
		echo "build-citus.sh: built in $((SECONDS - start))s" >&2
		rm -rf "$build"
		trap - EXIT
	fi
	exec 8>&-
fi

# Copy the staged files into the server unless they are there already (cmp:
# a build from another tarball replaces them).
pkglibdir=$("$pg_config" --pkglibdir)
sharedir=$("$pg_config" --sharedir)
if ! cmp -s "$stage$pkglibdir/citus.so" "$pkglibdir/citus.so" ||
	! cmp -s "$stage$sharedir/extension/citus.control" "$sharedir/extension/citus.control"; then
	sudo=""
	[ "$(id -u)" -eq 0 ] || sudo=sudo
	echo "build-citus.sh: installing Citus $version into $pkglibdir and $sharedir" >&2
	flock /tmp/lottrace-test.lock $sudo cp -a "$stage$pkglibdir/." "$pkglibdir/"
	flock /tmp/lottrace-test.lock $sudo cp -a "$stage$sharedir/." "$sharedir/"
fi
echo "$stage"
