#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# build.sh [--print-kver] - build the debug lane's kernel: Debian's
# linux-source-6.12 with KASAN, lockdep, atomic-sleep checks, debug
# objects (timers, work, RCU heads) and kmemleak, and only what the guest
# and the suites need (scripts/debug-kernel/config). The kernel, its
# modules and its build tree are cached under build/debug-kernel/ and
# rebuilt only when the source tarball, the config fragment or this script
# change (about 15 minutes on two cores). /lib/modules/KVER is made a link
# to the cached modules, which hold the ELF image (vmlinux) that
# scripts/vm-run boots and the `build` link that modules are built
# against.
#
#   --print-kver   print the release of the cached kernel and exit (1 when
#                  there is none)
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
top=$(cd "$here/../.." && pwd -P)
dir=$top/build/debug-kernel
tarball=/usr/src/linux-source-6.12.tar.xz
frag=$here/config
localver=-mcte-debug

kver_of() {
	cat "$dir/obj/include/config/kernel.release" 2>/dev/null
}

if [ "${1:-}" = --print-kver ]; then
	k=$(kver_of) || exit 1
	[ -r "$dir/stamp" ] && [ -d "/lib/modules/$k" ] || exit 1
	echo "$k"
	exit 0
fi
[ $# -eq 0 ] || { echo "usage: build.sh [--print-kver]" >&2; exit 2; }
[ -r "$tarball" ] || { echo "debug-kernel: $tarball missing (scripts/setup.sh)" >&2; exit 1; }

want="v1 $(stat -L -c '%s %Y' "$tarball") $(cat "$frag" "$0" | md5sum | cut -d' ' -f1)"
link_modules() {
	local k
	k=$(kver_of)
	ln -sfn "$dir/root/lib/modules/$k" "/lib/modules/$k"
}
if [ -r "$dir/stamp" ] && [ "$(cat "$dir/stamp")" = "$want" ] &&
   [ -r "$dir/root/lib/modules/$(kver_of)/vmlinux" ]; then
	link_modules
	exit 0
fi

echo "debug-kernel: building the debug kernel in $dir (about 15 minutes)" >&2
start=$SECONDS
rm -rf "$dir"
mkdir -p "$dir"
tar -xJf "$tarball" -C "$dir"
src=$(find "$dir" -mindepth 1 -maxdepth 1 -type d -name 'linux-source-*' | head -n 1)
[ -n "$src" ] || { echo "debug-kernel: nothing extracted from $tarball" >&2; exit 1; }
mv "$src" "$dir/src"

KCONFIG_ALLCONFIG=$frag make -s -C "$dir/src" O="$dir/obj" allnoconfig
# Every option of the fragment must have stuck: a dependency left out
# would silently drop a checker or a module a suite needs.
bad=0
while IFS= read -r line; do
	case $line in CONFIG_*=*) ;; *) continue ;; esac
	k=${line%%=*}
	v=${line#*=}
	if [ "$v" = n ]; then
		grep -q "^$k=" "$dir/obj/.config" || continue
	else
		grep -qx "$k=$v" "$dir/obj/.config" && continue
	fi
	echo "debug-kernel: $line did not stick: $(grep -E "^$k=|^# $k is not set" "$dir/obj/.config" || echo absent)" >&2
	bad=1
done < "$frag"
[ "$bad" = 0 ] || exit 1

make -s -C "$dir/obj" -j"$(nproc)" LOCALVERSION="$localver" bzImage modules
make -s -C "$dir/obj" LOCALVERSION="$localver" INSTALL_MOD_PATH="$dir/root" modules_install
k=$(kver_of)
cp "$dir/obj/vmlinux" "$dir/root/lib/modules/$k/vmlinux"
ln -sfn "$dir/obj" "$dir/root/lib/modules/$k/build"
# The sources are needed no more than their objects: keep the tree small.
find "$dir/obj" -name '*.o' ! -path '*/scripts/*' ! -path '*/tools/*' -delete
link_modules
echo "$want" > "$dir/stamp"
echo "debug-kernel: $k built in $((SECONDS - start)) s" >&2
