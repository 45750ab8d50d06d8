#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# scripts/bench-guest.sh local|rdma|nvme: runs inside a guest (scripts/bench.sh).
# Loads mcte if needed, then runs one benchmark's measurements,
# scripts/bench/NAME.sh, which append JSON lines to a file, and then
# scripts/bench/report.sh over them, which prints the table and as its
# last line one JSON object:
#
# local: mcte between two segments of this node against a user-space
#   memcpy of the same blocks through the same memory, from host memory
#   and from a dma-buf (both directions), and the system calls per batch.
#   {"bench":"local","kernel":"...","dmabuf":"udmabuf"|"vgem"|null,"results":[{
#    "op":..,"block":..,"batch":..,"local_mem":"host"|"dmabuf"|"dmabuf:vgem",
#    "mcte_MiBps":..,"ref":"memcpy","ref_MiBps":..,"ratio":..
#    [,"host_MiBps":..,"host_ratio":..]}],
#    "syscalls_per_batch":{"uring":..,"uring_sqpoll":..,"ioctl":..}}
#
# rdma: mcte to a peer's segment over soft-RoCE, from host memory and from
#   a dma-buf, against perftest (ib_write_bw / ib_read_bw) on the same link.
#   {"bench":"rdma","kernel":"...","mtu":4096,"idle":"poll",
#    "dmabuf":"udmabuf"|"vgem"|null,"results":[{"op":..,"block":..,"batch":..,
#    "local_mem":..,"mcte_MiBps":..,"ref":"ib_write_bw","ref_MiBps":..,
#    "ratio":..,"mcte_msgps":..,"ref_msgps":..,"mcte_poll_MiBps":..,
#    "poll_ratio":..[,"host_MiBps":..,"host_ratio":..]}],
#    "qps_per_node":{"one_process":..,"two_processes":..}}
#
# nvme: mcte between host memory and a block segment on an NVMe-oF
#   namespace (a brd ramdisk behind nvmet, over tcp, loop where the kernel
#   has it, and rdma over soft-RoCE) against fio on the same disk.
#   {"bench":"nvme","kernel":"...","ref":"fio","qd":..,"rounds":..,
#    "duration_s":..,"slice_size":..,"block_max_inflight":..,
#    "transports":[..],"results":[{"transport":"tcp"|"loop"|"rdma",
#    "op":..,"block":..,"qd":..,"mcte_MiBps":..,"ref":"fio","ref_MiBps":..,
#    "ratio":..,"mcte_rounds_MiBps":[..],"ref_rounds_MiBps":[..]}]}
#   (medians of the rounds; the rounds' own figures beside them)
#
# host_MiBps / host_ratio: on the rows of a dma-buf local segment, the
# host row's mcte figure of the same run and this row's against it.
# BENCH_LINES: where the JSON lines go (scripts/bench.sh keeps them in
# build/bench/); the other settings are the measurement scripts'.
set -eu
export LC_ALL=C
top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/tests/lib/mcte.sh"

bench=${1:-local}
case $bench in
local|rdma|nvme) ;;
*)	echo "bench-guest: unknown benchmark \"$bench\"" >&2; exit 1 ;;
esac

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
lines=${BENCH_LINES:-}
[ -n "$lines" ] || lines=$tmp/lines.jsonl
: > "$lines"

mcte_loaded || mcte_load
"$MCTECTL" version
"$top/scripts/bench/$bench.sh" "$lines"
"$top/scripts/bench/report.sh" "$lines"
