#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# nvp2p-header.sh [--print] - fetch nv-p2p.h, the declarations of NVIDIA's
# peer-memory API (nvidia_p2p_get_pages() and the rest), which the
# MCTE_SEG_NV_P2P kind and the test provider are built against.  It ships
# in Debian's nvidia-open-kernel-dkms, component contrib: this enables
# contrib for that one `apt-get download` only (a sources list and an
# apt state of its own under build/nvp2p/apt, nothing of the system's
# apt configuration changed, nothing installed), unpacks the header
# alone from the package (dpkg-deb) into build/nvp2p/pkg and links it as
# build/nvp2p/include/nv-p2p.h, the one directory the build adds to its
# include path.  Idempotent: once the link resolves it only checks.
#
#   --print   print the include directory when the header is there, else fail
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
dir=$here/../build/nvp2p
inc=$dir/include
pkg=nvidia-open-kernel-dkms
# Bookworm has it in contrib; bookworm-backports carries newer ones.
suites="bookworm bookworm-backports"
mirror=http://deb.debian.org/debian
keyring=/usr/share/keyrings/debian-archive-keyring.gpg

if [ "${1:-}" = --print ]; then
	[ -e "$inc/nv-p2p.h" ] || exit 1
	cd "$inc" && pwd -P
	exit 0
fi
[ -e "$inc/nv-p2p.h" ] && exit 0

mkdir -p "$dir"
apt_dir=$dir/apt
rm -rf "$apt_dir" "$dir/pkg"
mkdir -p "$apt_dir/lists/partial" "$apt_dir/cache/archives/partial" \
	"$apt_dir/deb"
# apt fetches as _apt when run as root: let it write here.
chmod -R 0755 "$apt_dir"
[ "$(id -u)" != 0 ] || chown -R _apt "$apt_dir/lists" "$apt_dir/cache" "$apt_dir/deb" 2>/dev/null || true
for s in $suites; do
	echo "deb [signed-by=$keyring] $mirror $s contrib"
done > "$apt_dir/sources.list"

opts=(-q -o "Dir::Etc::sourcelist=$apt_dir/sources.list"
      -o "Dir::Etc::sourceparts=-"
      -o "Dir::State::Lists=$apt_dir/lists"
      -o "Dir::Cache=$apt_dir/cache"
      -o "APT::Get::List-Cleanup=0")
echo "nvp2p-header: fetching $pkg from $mirror ($suites, contrib) for nv-p2p.h" >&2
if ! apt-get "${opts[@]}" update </dev/null >&2 ||
   ! (cd "$apt_dir/deb" && apt-get "${opts[@]}" download "$pkg" </dev/null >&2); then
	echo "nvp2p-header: cannot download $pkg: the NV_P2P segment kind and its tests will not build" >&2
	exit 1
fi

deb=$(ls "$apt_dir"/deb/"$pkg"_*.deb | tail -n 1)
mkdir -p "$dir/pkg"
# The header alone: the package unpacked is 190 MB of driver source.
dpkg-deb --fsys-tarfile "$deb" |
	tar -x -C "$dir/pkg" --wildcards '*/nvidia/nv-p2p.h'
hdr=$(find "$dir/pkg" -path '*/nvidia/nv-p2p.h' | sort | tail -n 1)
if [ -z "$hdr" ]; then
	echo "nvp2p-header: $deb has no nvidia/nv-p2p.h" >&2
	exit 1
fi
mkdir -p "$inc"
ln -sfn "$(cd "$(dirname "$hdr")" && pwd -P)/nv-p2p.h" "$inc/nv-p2p.h"
rm -rf "$apt_dir/deb"
echo "nvp2p-header: ${hdr#"$dir/pkg"} from $(basename "$deb")" >&2
