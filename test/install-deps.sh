#!/bin/sh
# Installs the Debian packages that building, testing and the demo need,
# when they are missing.  Runs as root, or through sudo.
set -eu

PG_MAJOR=${PG_MAJOR:-15}
packages="make gcc libc6-dev perl
	postgresql-$PG_MAJOR postgresql-client-$PG_MAJOR postgresql-server-dev-$PG_MAJOR
	libipc-run-perl python3-jsonschema python3-rfc3987 $*"

missing=""
for package in $packages; do
	if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
		missing="$missing $package"
	fi
done
[ -z "$missing" ] && exit 0

sudo=""
[ "$(id -u)" -eq 0 ] || sudo=sudo
echo "installing:$missing"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends $missing
