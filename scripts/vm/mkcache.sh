#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# mkcache.sh KVER - make sure the boot files for guest kernel KVER are in the
# cache and current, then print the cache directory:
#
#   ${XDG_CACHE_HOME:-$HOME/.cache}/mcte/vm/KVER/vmlinux
#       the uncompressed kernel ELF (booted through its PVH entry point),
#       cut out of /boot/vmlinuz-KVER, or copied from /lib/modules/KVER/vmlinux
#       for a kernel built here (the debug lane, scripts/debug-kernel/)
#   ${XDG_CACHE_HOME:-$HOME/.cache}/mcte/vm/KVER/initramfs.cpio
#       busybox-static, scripts/vm/init and the few modules needed to mount
#       the 9p and overlay file systems (uncompressed, loaded in order)
#
# Each file carries a stamp of its inputs and is rebuilt when they change.
# Concurrent callers serialise on a lock file.  Nothing is rebuilt (and the
# script takes a few milliseconds) when the stamps match.
set -euo pipefail

die() { echo "mkcache: $*" >&2; exit 1; }

[ $# -eq 1 ] || die "usage: mkcache.sh KVER"
kver=$1
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
vmlinuz=/boot/vmlinuz-$kver
moddir=/lib/modules/$kver
cache=${XDG_CACHE_HOME:-$HOME/.cache}/mcte/vm/$kver

# Modules the initramfs must load (dependencies are added); those built in
# are skipped.  virtio_pci/virtio_console are modules on 6.1, built in on
# 6.12; netfs/fscache come in as dependencies of 9p.
want_mods="virtio_pci virtio_console 9pnet_virtio 9p overlay configfs"

# A kernel built here keeps its ELF image next to its modules.
elf=
if [ ! -r "$vmlinuz" ] && [ -r "$moddir/vmlinux" ]; then
	elf=$moddir/vmlinux
	vmlinuz=$elf
fi
[ -r "$vmlinuz" ] || die "no kernel image $vmlinuz"
[ -r "$moddir/modules.dep" ] || die "no $moddir/modules.dep (modules for $kver not installed?)"

# True if the ELF file has no program interpreter (is statically linked).
is_static() {
	local phoff phentsize phnum i type
	[ "$(head -c 4 "$1" | od -An -c | tr -d ' ')" = '177ELF' ] || return 1
	phoff=$(od -An -t u8 -j 32 -N 8 "$1")
	phentsize=$(od -An -t u2 -j 54 -N 2 "$1")
	phnum=$(od -An -t u2 -j 56 -N 2 "$1")
	for ((i = 0; i < phnum; i++)); do
		type=$(od -An -t u4 -j $((phoff + i * phentsize)) -N 4 "$1")
		[ "$type" -ne 3 ] || return 1	# PT_INTERP
	done
}

# The initramfs has no libc: only a static busybox will do.
busybox=
for b in /bin/busybox /usr/bin/busybox "$(command -v busybox 2>/dev/null || true)"; do
	if [ -n "$b" ] && [ -x "$b" ] && is_static "$b"; then
		busybox=$b
		break
	fi
done
[ -n "$busybox" ] || die "no static busybox found (apt-get install busybox-static)"

# Print the module files to load, dependencies first, one per line.
resolve_modules() {
	awk -v want="$want_mods" '
	function base(p,  b) {
		b = p
		sub(/.*\//, "", b)
		sub(/\.ko(\.(xz|zst|gz))?$/, "", b)
		gsub(/-/, "_", b)
		return b
	}
	FILENAME ~ /modules\.builtin$/ { builtin[base($0)] = 1; next }
	{
		key = $1
		sub(/:$/, "", key)
		n = base(key)
		path[n] = key
		deps[n] = ""
		for (i = 2; i <= NF; i++)
			deps[n] = deps[n] " " base($i)
	}
	function visit(n,  a, c, i) {
		if (n in seen)
			return
		seen[n] = 1
		if (!(n in path)) {
			if (!(n in builtin))
				print "MISSING " n
			return
		}
		c = split(deps[n], a, " ")
		for (i = c; i >= 1; i--)
			visit(a[i])
		print path[n]
	}
	END {
		c = split(want, w, " ")
		for (i = 1; i <= c; i++)
			visit(w[i])
	}' "$moddir/modules.builtin" "$moddir/modules.dep"
}

mods=$(resolve_modules)
case $mods in
*MISSING*) die "modules not found for $kver: $(echo "$mods" | sed -n 's/^MISSING //p' | tr '\n' ' ')" ;;
esac

stamp_vmlinux="v1 $(stat -L -c '%s %Y' "$vmlinuz")"
# None at all when the kernel has them built in (the debug lane's).
modlist=()
[ -z "$mods" ] || mapfile -t modlist <<<"$mods"
stamp_initrd="v1 $(cd "$moddir" && stat -L -c '%n %s %Y' "${modlist[@]}" "$busybox")
$(md5sum "$here/init" "$here/mkcache.sh" | cut -d' ' -f1)"

current() { [ -f "$cache/$1" ] && [ -f "$cache/$1.stamp" ] && [ "$(cat "$cache/$1.stamp")" = "$2" ]; }

if current vmlinux "$stamp_vmlinux" && current initramfs.cpio "$stamp_initrd"; then
	echo "$cache"
	exit 0
fi

mkdir -p "$cache"
exec 9>"$cache/.lock"
flock 9
tmp=$(mktemp -d "$cache/.build.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

# Decompress the payload of a bzImage: find each compression magic, try to
# decompress from there, keep the first result that is an ELF file.  The
# decompressors complain about the data after the stream (the rest of the
# bzImage): ignore that, the ELF check decides.
extract_vmlinux() {
	local in=$1 out=$2 magic tool off
	for magic in 'xz:\xfd7zXZ\x00' 'zstd:\x28\xb5\x2f\xfd' 'gzip:\x1f\x8b\x08' \
		     'lz4:\x02\x21\x4c\x18' 'lzma:\x5d\x00\x00' 'bzip2:BZh'; do
		tool=${magic%%:*}
		command -v "$tool" >/dev/null || continue
		for off in $(LC_ALL=C grep -obUaP "${magic#*:}" "$in" | cut -d: -f1 | head -n 8); do
			tail -c "+$((off + 1))" "$in" | "$tool" -dc 2>/dev/null >"$out" || true
			if [ "$(head -c 4 "$out" | od -An -c | tr -d ' ')" = '177ELF' ]; then
				return 0
			fi
		done
	done
	rm -f "$out"
	return 1
}

if ! current vmlinux "$stamp_vmlinux"; then
	if [ -n "$elf" ]; then
		cp "$elf" "$tmp/vmlinux"
	else
		extract_vmlinux "$vmlinuz" "$tmp/vmlinux" ||
			die "could not find a compressed ELF kernel in $vmlinuz (need xz/zstd/gzip tools)"
	fi
	mv -f "$tmp/vmlinux" "$cache/vmlinux"
	echo "$stamp_vmlinux" >"$cache/vmlinux.stamp"
fi

if ! current initramfs.cpio "$stamp_initrd"; then
	root=$tmp/root
	mkdir -p "$root"/{bin,dev,proc,sys,run,newroot,lib/mcte}
	cp "$busybox" "$root/bin/busybox"
	# Only the applets /init uses (busybox --install costs 0.1 s under TCG).
	for a in sh cat chmod cp hostname insmod ip ln mkdir mount sleep switch_root; do
		ln -s busybox "$root/bin/$a"
	done
	cp "$here/init" "$root/init"
	chmod 755 "$root/init" "$root/bin/busybox"
	i=10
	for m in "${modlist[@]+"${modlist[@]}"}"; do
		name=$(basename "$m")
		name=${name%%.ko*}
		case $m in
		*.ko.xz)  xz -dc "$moddir/$m" ;;
		*.ko.zst) zstd -qdc "$moddir/$m" ;;
		*.ko.gz)  gzip -dc "$moddir/$m" ;;
		*)        cat "$moddir/$m" ;;
		esac >"$root/lib/mcte/$i-$name.ko"
		i=$((i + 1))
	done
	if command -v cpio >/dev/null; then
		cpio=(cpio)
	else
		cpio=("$busybox" cpio)
	fi
	(cd "$root" && find . | LC_ALL=C sort | "${cpio[@]}" -o -H newc -R 0:0 2>/dev/null) \
		>"$tmp/initramfs.cpio"
	mv -f "$tmp/initramfs.cpio" "$cache/initramfs.cpio"
	echo "$stamp_initrd" >"$cache/initramfs.cpio.stamp"
fi

echo "$cache"
