#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# kcache.sh [--print-dir] - extract the few kernel-source files the build and
# the lint need (checkpatch, kernel-doc, the kselftest harness,
# ioctl-number.rst, ynl and the genetlink-legacy schema it checks specs against)
# from Debian's linux-source-6.12 tarball into
# ${XDG_CACHE_HOME:-$HOME/.cache}/mcte/ksrc/, keeping the tree's relative
# paths.  Done once: a stamp records which tarball the files came from, and
# the extraction is redone only when that tarball changes.
#
#   --print-dir   print the cache directory and exit
set -eu

dir=${XDG_CACHE_HOME:-$HOME/.cache}/mcte/ksrc
tarball=/usr/src/linux-source-6.12.tar.xz
members="scripts/checkpatch.pl
scripts/kernel-doc
scripts/spelling.txt
scripts/const_structs.checkpatch
tools/testing/selftests/kselftest_harness.h
tools/testing/selftests/kselftest.h
Documentation/userspace-api/ioctl/ioctl-number.rst
tools/net/ynl
Documentation/netlink/genetlink-legacy.yaml"

case ${1:-} in
--print-dir)	echo "$dir"; exit 0 ;;
'')		;;
*)		echo "usage: kcache.sh [--print-dir]" >&2; exit 2 ;;
esac

have_all() {
	for m in $members; do
		[ -e "$dir/$m" ] || return 1
	done
}

stamp=$dir/.stamp
if [ -r "$tarball" ]; then
	want="$(stat -L -c '%s %Y' "$tarball") $(echo "$members" | md5sum | cut -d' ' -f1)"
else
	want=
fi

if [ -f "$stamp" ] && have_all; then
	# Up to date, or the tarball is gone but the files are here: keep them.
	[ -z "$want" ] || [ "$(cat "$stamp")" = "$want" ] && exit 0
fi
if [ -z "$want" ]; then
	have_all && exit 0
	echo "kcache: $tarball missing (apt-get install linux-source-6.12)" >&2
	exit 1
fi
if [ ! -f "$stamp" ] && have_all; then
	# Extracted before stamps existed (by hand, from this same package):
	# adopt the files instead of spending ~20 s re-extracting them.
	echo "$want" >"$stamp"
	exit 0
fi

mkdir -p "$dir"
exec 9>"$dir/.lock"
flock 9
[ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] && have_all && exit 0

echo "kcache: extracting kernel source files into $dir" >&2
# The tarball's top directory (linux-source-6.12/): read from its first entry.
topdir=$( (tar -tJf "$tarball" 2>/dev/null || true) | head -n 1)
topdir=${topdir%%/*}
[ -n "$topdir" ] || { echo "kcache: cannot read $tarball" >&2; exit 1; }
paths=
for m in $members; do
	paths="$paths $topdir/$m"
done
rm -f "$stamp"
# shellcheck disable=SC2086 # $paths holds several members on purpose
tar -xJf "$tarball" -C "$dir" --strip-components=1 $paths
have_all || { echo "kcache: extraction of $tarball incomplete" >&2; exit 1; }
echo "$want" >"$stamp"
