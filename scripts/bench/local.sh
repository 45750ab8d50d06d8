#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# scripts/bench/local.sh OUT: measures mcte between two segments of this
# node and appends JSON lines to OUT (scripts/bench/lib.sh); the report
# is scripts/bench/report.sh's. Run by scripts/bench-guest.sh local.
#
# For each configuration and local memory (host, a dma-buf): mcte-bench, one
# thread, io_uring, alternating with a user-space memcpy of the same
# blocks through the same buffers in three rounds (the best round of
# each counts: on a shared machine noise only ever slows a round down),
# so that each ratio is taken under the same load. Write copies the local
# segment to the target (host memory), read the target into the local
# segment: with a dma-buf local segment, dma-buf -> host and host ->
# dma-buf. Then a memcpy with as many threads as CPUs (the module copies
# a request's slices on up to one worker per CPU) and the system calls a
# 128-request batch costs through each submission path.
set -euo pipefail
export LC_ALL=C
. "$(dirname "$0")/../../tests/lib/mcte.sh"
. "$(dirname "$0")/lib.sh"

out=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

for f in segments batch xport_local; do
	if ! has_feature "$f"; then
		bench_error "$out" "the module does not implement $f yet"
		exit 1
	fi
done
modes="uring sqpoll ioctl"
mode=uring
if ! has_feature uring_cmd; then
	bench_note "$out" "no uring_cmd in this module: measuring the ioctl path"
	modes=ioctl
	mode=ioctl
fi
bench_meta "$out" local
emit "$out" '{rec: "meta", mode: $m}' --arg m "$mode"

# the target is this process's own segment; 2 x 4 MiB stays within
# udmabuf's size limit (64 MiB by default)
mem_probe "$out" --mode "$mode" --buffer-size 4M

# One command per configuration and memory, the memories of a
# configuration one after the other (the other way round every other
# configuration), so that the rows that "vs host" compares are measured
# seconds apart, under the same load.
mems_back=$(echo $bench_mems | tr ' ' '\n' | tac | tr '\n' ' ')
n=0
for op in $bench_ops; do
	for block in $bench_blocks; do
		for batch in $bench_batches; do
			mems=$bench_mems
			[ $((n++ % 2)) = 0 ] || mems=$mems_back
			for mem in $mems; do
				"$bin" --json --ref --rounds 3 --mode "$mode" --threads 1 \
					--duration "$dur" --local-mem "$mem" --operation "$op" \
					--block-size "$block" --batch-size "$batch" \
					--buffer-size 64M > "$tmp/runs.json"
				jq -c '. + {rec: "run", tool: (if .mode == "memcpy" then "memcpy" else "mcte" end)}' \
					"$tmp/runs.json" >> "$out"
				jq -rs '(map({(.mode): .MiBps}) | add) as $r | .[0] |
					"\(.op) \(.block) B batch \(.batch) \(.local_mem): mcte \($r[.mode]) MiB/s, memcpy \($r.memcpy) MiB/s"' \
					"$tmp/runs.json"
			done
		done
	done
done

"$bin" --json --memcpy --threads "$(nproc)" --duration "$dur" \
	--operation write --block-size 1M --batch-size 128 \
	--buffer-size 64M | jq -c '. + {rec: "memcpy_mt"}' >> "$out"

for m in $modes; do
	"$bin" --json --count-syscalls 64 --mode "$m" --block-size 4K \
		--batch-size 128 --buffer-size 8M
done | jq -c '. + {rec: "syscalls"}' >> "$out"

"$MCTECTL" stat || true
