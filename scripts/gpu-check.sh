#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# scripts/gpu-check.sh: the user-space half of mcte's GPU memory on a
# machine with an NVIDIA GPU, TAP output. No root needed.
#
#   1. build libmcte and bench/ (mcte-bench, mcte-gpucheck);
#   2. mcte-gpucheck DEVICE: allocate device memory, export it through
#      libmcte (mcte_cuda_export_dmabuf), check the fd is a dma-buf
#      (/proc/self/fd link, fdinfo exp_name:) of the allocation's size,
#      with the pointer at the offset libmcte says;
#   3. when /dev/mcte exists (the module loaded by someone else: this
#      script never loads or unloads modules), mcte-bench --local-mem
#      cuda:DEVICE --verify, a local copy into and out of GPU memory.
#
# Exits 0 with "# SKIP no NVIDIA GPU" where libcuda.so.1 or a device is
# missing. GPU_CHECK_DEVICE (0) picks the device.
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
dev=${GPU_CHECK_DEVICE:-0}
n=0
fail=0

say() { echo "$@"; }
ok() { n=$((n + 1)); say "ok $n - $*"; }
not_ok() { n=$((n + 1)); fail=1; say "not ok $n - $*"; }
# prefix PREFIX < TEXT: each line of TEXT behind PREFIX
prefix() { while IFS= read -r l; do say "$1$l"; done; }

say "TAP version 13"
if ! out=$(make -s -C "$top" libmcte bench-build 2>&1); then
	not_ok "build libmcte and bench"
	tail -n 40 <<< "$out" | prefix "# "
	say "1..$n"
	exit 1
fi
ok "build libmcte and bench"

# The checker says SKIP itself when there is no GPU; its TAP is nested.
set +e
out=$("$top/bench/mcte-gpucheck" "$dev" 2>&1)
rc=$?
set -e
prefix "    " <<< "$out"
if grep -q '^1\.\.0 # SKIP' <<< "$out"; then
	say "ok $((n + 1)) - mcte-gpucheck $dev # SKIP no NVIDIA GPU (libcuda.so.1 or device $dev missing)"
	say "1..$((n + 1))"
	exit 0
fi
if [ "$rc" -eq 0 ]; then
	ok "mcte-gpucheck $dev: device memory exports as a dma-buf"
else
	not_ok "mcte-gpucheck $dev"
fi
if grep -q 'cannot export dma-buf: -EOPNOTSUPP' <<< "$out"; then
	say "ok $((n + 1)) - mcte-bench --local-mem cuda:$dev # SKIP the GPU cannot export dma-buf"
	n=$((n + 1))
elif [ ! -e /dev/mcte ]; then
	say "ok $((n + 1)) - mcte-bench --local-mem cuda:$dev # SKIP no /dev/mcte (load the module to run it)"
	n=$((n + 1))
else
	set +e
	out=$("$top/bench/mcte-bench" --local-mem "cuda:$dev" --verify \
		-d 1 -b 64K,1M -B 128 2>&1)
	rc=$?
	set -e
	prefix "# " <<< "$out"
	case $rc in
	0) ok "mcte-bench --local-mem cuda:$dev --verify" ;;
	3) say "ok $((n + 1)) - mcte-bench --local-mem cuda:$dev # SKIP the module has no dma-buf segments"
	   n=$((n + 1)) ;;
	*) not_ok "mcte-bench --local-mem cuda:$dev (exit $rc)" ;;
	esac
fi
say "1..$n"
exit $fail
