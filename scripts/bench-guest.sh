#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Runs inside a guest (scripts/bench.sh): load mcte if needed, then for
# `local` measure mcte-bench between two segments of this node — write
# and read, 4 KiB / 64 KiB / 1 MiB blocks, batches of 1 and 128, io_uring,
# one thread — each against a user-space memcpy of the same blocks
# through the same buffers (alternating in three rounds, so that both see
# the same load; the best round of each counts), and count the system
# calls a 128-request batch costs through io_uring, io_uring with SQPOLL
# and the ioctls.
# Prints a table, and as its last line one JSON object:
#   {"bench":"local","kernel":"...","results":[{"op":..,"block":..,
#    "batch":..,"mcte_MiBps":..,"ref":"memcpy","ref_MiBps":..,"ratio":..}],
#    "syscalls_per_batch":{"uring":..,"uring_sqpoll":..,"ioctl":..}}
#
# BENCH_DURATION: seconds per measurement (default 3).
set -eu
export LC_ALL=C
top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/tests/lib/mcte.sh"

bench=${1:-local}
[ "$bench" = local ] || { echo "bench-guest: unknown benchmark \"$bench\"" >&2; exit 1; }

dur=${BENCH_DURATION:-3}
[ -n "$dur" ] || dur=3
bin=$top/bench/mcte-bench
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

mcte_loaded || mcte_load
"$MCTECTL" version
features=$("$MCTECTL" -j version | jq -r '.features | join(" ")')
for f in segments batch xport_local; do
	case " $features " in
	*" $f "*) ;;
	*)	echo "bench-guest: the module does not implement $f yet" >&2; exit 1 ;;
	esac
done
modes="uring sqpoll ioctl"
mode=uring
case " $features " in
*" uring_cmd "*) ;;
*)	echo "bench-guest: no uring_cmd in this module: measuring the ioctl path" >&2
	modes=ioctl
	mode=ioctl ;;
esac

# throughput: mcte then memcpy for each configuration, one process
"$bin" --json --ref --rounds 3 --mode "$mode" --threads 1 --duration "$dur" \
	--operation write,read --block-size 4K,64K,1M --batch-size 1,128 \
	--buffer-size 64M > "$tmp/runs.json"

# the module copies a request's slices on up to one worker per CPU: the
# memcpy of as many threads as CPUs, for the table's footnote
"$bin" --json --memcpy --threads "$(nproc)" --duration "$dur" \
	--operation write --block-size 1M --batch-size 128 \
	--buffer-size 64M > "$tmp/memcpy-mt.json"

# system calls per 128-request batch of 4 KiB, each path
for m in $modes; do
	"$bin" --json --count-syscalls 64 --mode "$m" --block-size 4K \
		--batch-size 128 --buffer-size 8M
done > "$tmp/syscalls.json"

"$MCTECTL" stat || true

echo
printf '%-5s %8s %5s  %12s  %12s  %6s  %10s\n' op block batch "mcte MiB/s" \
	"memcpy MiB/s" ratio "mcte req/s"
jq -rs '
	(map(select(.mode == "memcpy")) |
	 map({key: "\(.op)/\(.block)/\(.batch)", value: .MiBps}) | from_entries) as $r |
	.[] | select(.mode != "memcpy") | $r["\(.op)/\(.block)/\(.batch)"] as $y |
	[.op, .block, .batch, .MiBps, $y, (if $y > 0 then .MiBps / $y else 0 end), .reqps] | @tsv
' "$tmp/runs.json" |
while IFS=$'\t' read -r op block batch mib ref ratio reqps; do
	printf '%-5s %8s %5s  %12.1f  %12.1f  %6.2f  %10.0f\n' "$op" "$block" \
		"$batch" "$mib" "$ref" "$ratio" "$reqps"
done
jq -r '"memcpy with \(.threads) threads (one per CPU), write \(.block) B: \(.MiBps) MiB/s"' \
	"$tmp/memcpy-mt.json"
echo
jq -r '"syscalls per \(.batch)-request batch, \(.mode): \(.syscalls_per_batch) (\(.by_syscall | to_entries | map("\(.key) \(.value)") | join(", ")))"' \
	"$tmp/syscalls.json"
echo

jq -cn --arg kernel "$(uname -r)" \
	--slurpfile runs "$tmp/runs.json" --slurpfile sys "$tmp/syscalls.json" '
	($runs | map(select(.mode == "memcpy")) |
	 map({key: "\(.op)/\(.block)/\(.batch)", value: .MiBps}) | from_entries) as $ref |
	($sys | map({key: (if .mode == "sqpoll" then "uring_sqpoll" else .mode end),
		     value: .syscalls_per_batch}) | from_entries) as $sc |
	{bench: "local", kernel: $kernel,
	 results: [$runs[] | select(.mode != "memcpy") |
		   $ref["\(.op)/\(.block)/\(.batch)"] as $y |
		   {op, block, batch, mcte_MiBps: .MiBps, ref: "memcpy",
		    ref_MiBps: $y, ratio: ((.MiBps / $y * 1000 | round) / 1000)}],
	 syscalls_per_batch: {uring: $sc.uring, uring_sqpoll: $sc.uring_sqpoll,
			      ioctl: $sc.ioctl}}'
