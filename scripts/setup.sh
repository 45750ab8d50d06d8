#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# setup.sh - install what building mcte and running its tests in QEMU guests
# needs on Debian 12, then fill the caches (kernel-source files, guest boot
# files).  Idempotent: when everything is present it only checks (well under
# 2 s) and runs no apt.  Non-interactive (works under CI=true, no stdin);
# uses sudo when not run as root.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)

pkgs=(
	# guests
	qemu-system-x86 busybox-static cpio zstd xz-utils kmod iproute2
	# the two test kernels, their headers, and the kernel source tarball
	linux-image-amd64 linux-headers-amd64
	linux-image-6.12-amd64 linux-headers-6.12-amd64
	linux-source-6.12
	# RDMA (soft-RoCE) user space and libraries
	rdma-core ibverbs-utils rdmacm-utils perftest libibverbs-dev librdmacm-dev
	# build: library, tool, tests
	gcc make libc6-dev pkg-config bc libmnl-dev libnl-3-dev libnl-genl-3-dev
	liburing-dev libnuma-dev
	# NVMe-oF, benchmarks, lint, debugging
	nvme-cli fio sparse python3-yaml strace git jq valgrind
	# the hostile peer's HMAC; the debug lane's kernel build
	libssl-dev flex bison libelf-dev
)

declare -A status=()
while IFS=$'\t' read -r pkg st; do
	status[$pkg]=$st
done < <(
	# dpkg-query fails for packages it does not know: those are missing too.
	dpkg-query -W -f='${Package}\t${db:Status-Abbrev}\n' "${pkgs[@]}" 2>/dev/null || true
)
missing=()
for p in "${pkgs[@]}"; do
	[ "${status[$p]-}" = "ii " ] || missing+=("$p")
done

if [ ${#missing[@]} -gt 0 ]; then
	sudo=()
	if [ "$(id -u)" != 0 ]; then
		command -v sudo >/dev/null || { echo "setup: need root (or sudo) to install: ${missing[*]}" >&2; exit 1; }
		sudo=(sudo -n)
	fi
	echo "setup: installing ${missing[*]}" >&2
	export DEBIAN_FRONTEND=noninteractive
	"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q </dev/null
	"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
		-o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold \
		"${missing[@]}" </dev/null
fi

# Both test kernels must be bootable: image in /boot, headers, modules.
for series in 6.1 6.12; do
	kver=$("$here/kvers.sh" "$series" | tail -n 1)
	if [ -z "$kver" ]; then
		echo "setup: no $series kernel with headers found (see scripts/kvers.sh)" >&2
		exit 1
	fi
	"$here/vm/mkcache.sh" "$kver" >/dev/null
done

"$here/kcache.sh"

# nv-p2p.h for the NV_P2P segment kind and its test provider (contrib,
# downloaded and unpacked into build/, never installed). Its absence
# fails the set-up, and so `make check`: the kind is not left out quietly.
"$here/nvp2p-header.sh"
