#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# scripts/bench/report.sh LINES: the report of one benchmark run from the
# JSON lines its measurement script wrote (scripts/bench/lib.sh): a table
# with a row per configuration and local memory, what the run noted, and
# as its last line one JSON object. Exits 1 when a measurement could not
# be made (an error record). scripts/bench-guest.sh runs it in the guest;
# it runs as well on the host over the lines kept in build/bench/.
#
# Every ratio is of figures of the same run: mcte / memcpy (local) or
# mcte / perftest (rdma), and for the rows of a dma-buf local segment also
# mcte from dma-buf / mcte from host memory ("vs host"). Best of the
# rounds on each side; for nvme (mcte / fio on the same disk) the median
# of the rounds on each side, since a round there is as likely to run
# fast as slow.
set -euo pipefail
export LC_ALL=C

lines=$1

# What the rows are built from, for both benchmarks.
common='
def meta: map(select(.rec == "meta")) | add;
def runs: map(select(.rec == "run") | .local_mem //= "host");
def r3: . * 1000 | round / 1000;
def ratio($x; $y): if $x != null and $y != null and $y > 0 then $x / $y | r3 else null end;
def configs($m): [$m.matrix.op[] as $op | $m.matrix.block[] as $block |
		  $m.matrix.batch[] as $batch | {op: $op, block: $block, batch: $batch}];
def mems($m): $m.measured_mem // ["host"];
def same($c): select(.op == $c.op and .block == $c.block and .batch == $c.batch);
def best: if length > 0 then max_by(.MiBps) else null end;
def median: sort | if length == 0 then null
	elif length % 2 == 1 then .[length / 2 | floor]
	else (.[length / 2 - 1] + .[length / 2]) / 2 end;
# the project'\''s targets for mcte against perftest on the same link
# (bench/README.md): marked in the table, never a failure
def target: if .batch == 128 and .block >= 65536 then 0.9
	    elif .batch == 128 and .block == 4096 then 0.8 else null end;
# rows of other local memories next to the host row of their configuration
def with_host: . as $rows | map(if .local_mem == "host" then . else
	. as $d | ($rows | map(same($d) | select(.local_mem == "host")) | .[0]) as $h |
	($d.mcte_MiBps // $d.mcte_poll_MiBps) as $dm |
	(if $d.mcte_MiBps != null then $h.mcte_MiBps else $h.mcte_poll_MiBps end) as $hm |
	. + {host_MiBps: $hm, host_ratio: ratio($dm; $hm)} end);
# the dma-buf exporter measured, as mcte-bench names the memory
def exporter($m): mems($m) | map(select(startswith("dmabuf"))) |
	if length == 0 then null elif .[0] == "dmabuf" then "udmabuf" else .[0][7:] end;
def s: if . == null then "-" else tostring end;
def f1: if . == null then "-" else . * 10 | round / 10 | tostring end;
def f0: if . == null then "-" else round | tostring end;
'

bench=$(jq -rs "$common"' meta.bench // empty' "$lines")
case $bench in
local|rdma|nvme) ;;
*)	echo "report: $lines holds no benchmark's meta record" >&2; exit 1 ;;
esac

local_rows='
meta as $m | runs as $runs |
[configs($m)[] as $c | mems($m)[] as $mem |
 ($runs | map(same($c) | select(.local_mem == $mem))) as $r |
 ($r | map(select(.tool == "mcte")) | best) as $x |
 ($r | map(select(.tool == "memcpy")) | best) as $y |
 select($x != null or $y != null) |
 {op: $c.op, block: $c.block, batch: $c.batch, local_mem: $mem,
  mcte_MiBps: $x.MiBps, ref: "memcpy", ref_MiBps: $y.MiBps,
  ratio: ratio($x.MiBps; $y.MiBps), mcte_reqps: $x.reqps}] | with_host'

rdma_rows='
meta as $m | runs as $runs | ($runs | map(select(.tool != "mcte"))) as $ref |
[configs($m)[] as $c | mems($m)[] as $mem |
 ($runs | map(same($c) | select(.tool == "mcte" and .local_mem == $mem))) as $r |
 ($r | map(select(.wait == "sleep")) | best) as $x |
 ($r | map(select(.wait == "poll")) | best) as $z |
 ($ref | map(same($c)) | best) as $y |
 select($mem == "host" or $x != null or $z != null) |
 {op: $c.op, block: $c.block, batch: $c.batch, local_mem: $mem,
  mcte_MiBps: $x.MiBps, ref: "ib_\($c.op)_bw", ref_MiBps: $y.MiBps,
  ratio: ratio($x.MiBps; $y.MiBps),
  mcte_msgps: (if $x then $x.msgps * 10 | round / 10 else null end),
  ref_msgps: (if $y then $y.msgps * 10 | round / 10 else null end),
  mcte_poll_MiBps: $z.MiBps, poll_ratio: ratio($z.MiBps; $y.MiBps),
  mcte_wire: ([$x, $z] | map(select(.)) | map(.wire / (.bytes + 1)) | min)}] |
with_host'

# nvme: medians of the rounds, each side
nvme_rows='
meta as $m | runs as $runs |
[($m.transports // ($runs | map(.transport) | unique))[] as $t |
 $m.matrix.op[] as $op | $m.matrix.block[] as $block |
 ($runs | map(select(.transport == $t and .op == $op and .block == $block))) as $r |
 ($r | map(select(.tool == "mcte")) | sort_by(.round) | map(.MiBps)) as $x |
 ($r | map(select(.tool == "fio")) | sort_by(.round) | map(.MiBps)) as $y |
 select(($x | length) > 0 or ($y | length) > 0) |
 {transport: $t, op: $op, block: $block, qd: $m.qd,
  mcte_MiBps: ($x | median), ref: "fio", ref_MiBps: ($y | median),
  ratio: ratio($x | median; $y | median),
  mcte_rounds_MiBps: $x, ref_rounds_MiBps: $y}]'

status=0
echo
if [ "$bench" = nvme ]; then
	printf '%-9s %-5s %8s %4s  %10s  %10s  %6s  %-23s  %s\n' transport op block qd \
		"mcte MiB/s" "fio MiB/s" ratio "mcte rounds" "fio rounds"
	jq -rs "$common $nvme_rows"' | .[] |
		["nvme-\(.transport)", .op, .block, .qd, (.mcte_MiBps | f1), (.ref_MiBps | f1),
		 (.ratio | s), (.mcte_rounds_MiBps | map(f0) | join("/")),
		 (.ref_rounds_MiBps | map(f0) | join("/"))] | @tsv' "$lines" |
	while IFS=$'\t' read -r t op block qd mib ref ratio mr rr; do
		printf '%-9s %-5s %8s %4s  %10s  %10s  %6s  %-23s  %s\n' "$t" "$op" \
			"$block" "$qd" "$mib" "$ref" "$ratio" "$mr" "$rr"
	done
	jq -rs "$common"' meta as $m |
		"median of \($m.rounds) rounds of \($m.duration_s) s each side, after 1 s of warm-up, alternating (which goes first alternates too); both on the first \($m.region) of the attached namespace (a \($m.brd_MiB) MiB brd ramdisk behind nvmet), sequential, \($m.qd) requests in flight: mcte-bench --block (one thread, io_uring, --inflight --batch-size \($m.qd)) and \($m.fio) --direct=1 --ioengine=io_uring --iodepth=\($m.qd); write: host memory -> disk, read: disk -> host memory; ratio = mcte / fio",
		"module parameters: slice_size \($m.slice_size), block_max_inflight \($m.block_max_inflight)"' "$lines"
elif [ "$bench" = local ]; then
	printf '%-5s %8s %5s %-11s  %10s  %12s  %6s  %10s  %7s\n' op block batch mem \
		"mcte MiB/s" "memcpy MiB/s" ratio "mcte req/s" "vs host"
	jq -rs "$common $local_rows"' | .[] |
		[.op, .block, .batch, .local_mem, (.mcte_MiBps | f1), (.ref_MiBps | f1),
		 (.ratio | s), (.mcte_reqps | f0), (.host_ratio | s)] | @tsv' "$lines" |
	while IFS=$'\t' read -r op block batch mem mib ref ratio reqps vs; do
		[ "$mem" != host ] || vs=
		printf '%-5s %8s %5s %-11s  %10s  %12s  %6s  %10s  %7s\n' "$op" "$block" \
			"$batch" "$mem" "$mib" "$ref" "$ratio" "$reqps" "$vs"
	done
	jq -rs 'map(select(.rec == "memcpy_mt"))[] |
		"memcpy with \(.threads) threads (one per CPU), write \(.block) B: \(.MiBps) MiB/s"' "$lines"
	jq -rs "$common"' meta as $m |
		"best of 3 rounds of \($m.duration_s / 3 * 100 | round / 100) s each side; write: local segment -> target (host memory), read: target -> local segment; ratio = mcte / memcpy of the same blocks through the same local memory; vs host = mcte from this memory / mcte from host memory"' "$lines"
else
	printf '%-5s %8s %5s %-11s  %10s  %-11s %10s  %6s  %10s  %10s  %10s %6s  %7s  %s\n' \
		op block batch mem "mcte MiB/s" ref "ref MiB/s" ratio "mcte msg/s" \
		"ref msg/s" "poll MiB/s" ratio "vs host" target
	jq -rs "$common $rdma_rows"' | .[] |
		(target) as $t | (.ratio // .poll_ratio) as $q |
		[.op, .block, .batch, .local_mem, (.mcte_MiBps | f1), .ref, (.ref_MiBps | f1),
		 (.ratio | s), (.mcte_msgps | f0), (.ref_msgps | f0),
		 (.mcte_poll_MiBps | f1), (.poll_ratio | s), (.host_ratio | s),
		 (if $t == null then ""
		  elif $q == null then ">=\($t)"
		  elif $q >= $t then ">=\($t) ok" else ">=\($t) MISS" end)] | @tsv' "$lines" |
	while IFS=$'\t' read -r op block batch mem mib ref rmib ratio mps rmps pmib pratio vs t; do
		[ "$mem" != host ] || vs=
		printf '%-5s %8s %5s %-11s  %10s  %-11s %10s  %6s  %10s  %10s  %10s %6s  %7s  %s\n' \
			"$op" "$block" "$batch" "$mem" "$mib" "$ref" "$rmib" "$ratio" "$mps" \
			"$rmps" "$pmib" "$pratio" "$vs" "$t"
	done
	jq -rs "$common"' meta as $m |
		"best of \($m.rounds) rounds of \($m.duration_s) s each side (perftest: -D \($m.duration_s + 2) -f 1, busy-polling its CQ; mcte-bench: --warmup 1 --duration \($m.duration_s), \($m.submit), \($m.mode), sleeping in the kernel until completions come (--busy-poll 0, libmcte'\''s default); \"poll\": mcte-bench busy-polling its CQ for up to 1 s per wait (--busy-poll 1000000)); ratio = mcte / perftest, the same for MiB/s and msg/s; rows of a dma-buf local segment (\(exporter($m))) are measured with the first wait (\($m.waits[0])), vs host = mcte from it / mcte from host memory with that wait",
		(if $m.idle == "poll" then "idle vCPUs: poll (idle=poll: they spin, as on a host tuned for RDMA, and a wake-up costs no halt; BENCH_IDLE, bench/README.md)"
		 else "idle vCPUs: halt (under TCG waking one costs about 60 us; BENCH_IDLE, bench/README.md)" end),
		(runs as $r | "rxe retransmissions (completer_retry_err) over all runs: mcte host \($r | map(select(.tool == "mcte" and .local_mem == "host") | .retries) | add // 0), mcte dma-buf \($r | map(select(.tool == "mcte" and .local_mem != "host") | .retries) | add // 0), perftest \($r | map(select(.tool != "mcte") | .retries) | add // 0)"),
		(if $m.qps then $m.qps as $q |
		 "RC QPs of mcte, active (node A) / passive (node B) / all kernel RC:",
		 "  idle after the check: \($q.idle | map(tostring) | join(" / ")); one client process: \($q.one_process | map(tostring) | join(" / ")); two at once: \($q.two_processes | map(tostring) | join(" / ")); idle after: \($q.idle_after | map(tostring) | join(" / "))",
		 (if $q.one_process[0] == 0 and $q.one_process[2] > 0
		  then "  QPs per node (kernel RC QPs / 2: no rdma_cm id of mcte names a QP): one process \($q.one_process[2] / 2 | floor), two processes \($q.two_processes[2] / 2 | floor)"
		  else "  QPs per node (active-side QPs of mcte'\''s rdma_cm ids): one process \($q.one_process[0]), two processes \($q.two_processes[0])" end),
		 (if $q.one_process[0] != $q.one_process[1] or $q.two_processes[0] != $q.two_processes[1]
		  then "  note: active and passive counts differ" else empty end)
		 else empty end)' "$lines"
	if jq -se "$common $rdma_rows"' | any(.[]; .mcte_wire != null and .mcte_wire < 0.5)' "$lines" > /dev/null; then
		echo "bench: rdma: mcte moved fewer bytes over the veth than it transferred: its requests did not cross the rxe link" >&2
		status=1
	fi
fi
jq -rs 'map(select(.rec == "note"))[] | "note: \(.msg)"' "$lines"
if jq -se 'any(.[]; .rec == "error")' "$lines" > /dev/null; then
	jq -rs 'map(select(.rec == "error"))[] | "error: \(.msg)"' "$lines" >&2
	status=1
fi
echo

if [ "$bench" = nvme ]; then
	jq -cs "$common"' meta as $m |
		{bench: "nvme", kernel: $m.kernel, ref: "fio", qd: $m.qd,
		 rounds: $m.rounds, duration_s: $m.duration_s,
		 slice_size: $m.slice_size, block_max_inflight: $m.block_max_inflight,
		 transports: ($m.transports // []),
		 results: ('"$nvme_rows"')}' "$lines"
elif [ "$bench" = local ]; then
	jq -cs "$common"' meta as $m | (map(select(.rec == "syscalls")) |
		map({key: (if .mode == "sqpoll" then "uring_sqpoll" else .mode end),
		     value: .syscalls_per_batch}) | from_entries) as $sc |
		{bench: "local", kernel: $m.kernel,
		 dmabuf: exporter($m),
		 results: ('"$local_rows"' | map(del(.mcte_reqps))),
		 syscalls_per_batch: {uring: $sc.uring, uring_sqpoll: $sc.uring_sqpoll,
				      ioctl: $sc.ioctl}}' "$lines"
else
	jq -cs "$common"' meta as $m | $m.qps as $q |
		{bench: "rdma", kernel: $m.kernel, mtu: $m.mtu, idle: $m.idle,
		 dmabuf: exporter($m),
		 results: ('"$rdma_rows"' | map(del(.mcte_wire))),
		 qps_per_node: (if $q == null then {one_process: null, two_processes: null}
				elif $q.one_process[0] == 0 and $q.one_process[2] > 0
				then {one_process: ($q.one_process[2] / 2 | floor),
				      two_processes: ($q.two_processes[2] / 2 | floor)}
				else {one_process: $q.one_process[0],
				      two_processes: $q.two_processes[0]} end)}' "$lines"
fi
exit $status
