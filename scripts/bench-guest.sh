#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Runs inside a guest (scripts/bench.sh): load mcte if needed, then run
# one benchmark. Each prints a table, and as its last line one JSON object.
#
# local: mcte-bench between two segments of this node — write and read,
#   4 KiB / 64 KiB / 1 MiB blocks, batches of 1 and 128, io_uring, one
#   thread — each against a user-space memcpy of the same blocks through
#   the same buffers (alternating in three rounds, so that both see the
#   same load; the best round of each counts), and the system calls a
#   128-request batch costs through io_uring, io_uring with SQPOLL and the
#   ioctls.
#   {"bench":"local","kernel":"...","results":[{"op":..,"block":..,
#    "batch":..,"mcte_MiBps":..,"ref":"memcpy","ref_MiBps":..,"ratio":..}],
#    "syscalls_per_batch":{"uring":..,"uring_sqpoll":..,"ioctl":..}}
#
# rdma: two soft-RoCE nodes on a veth pair (MTU 9000, RoCE MTU 4096),
#   one mcte engine serving both: a segment registered on node B, opened
#   by a client on node A as "B:7471/name"; mcte-bench against it and
#   perftest (ib_write_bw / ib_read_bw, one RC QP between the RoCE v2 GIDs
#   of A and B, tx depth = batch) between the same two rxe devices, for
#   the same blocks and batches, alternating, never at once; before them
#   the RC QPs the engine holds per node with one and with two client
#   processes. bench/README.md explains the method.
#   mcte-bench waits for completions as libmcte does by default, asleep
#   in io_uring_enter(); it is also measured busy-polling its completion
#   queue as perftest does (the poll columns).
#   {"bench":"rdma","kernel":"...","mtu":4096,"idle":"poll","results":[{
#    "op":..,"block":..,"batch":..,"mcte_MiBps":..,"ref":"ib_write_bw",
#    "ref_MiBps":..,"ratio":..,"mcte_msgps":..,"ref_msgps":..,
#    "mcte_poll_MiBps":..,"poll_ratio":..}],
#    "qps_per_node":{"one_process":..,"two_processes":..}}
#
# BENCH_DURATION: seconds per measurement (default 3; whole seconds for rdma).
# rdma only:
# BENCH_ROUNDS: rounds of the whole set, best round of each side counts (2)
# BENCH_RDMA_SUBMIT: inflight (default: keep `batch` requests in flight, as
#   perftest does) or batch (a batch at a time, waiting for all of it)
# BENCH_RDMA_WAIT: both (default: mcte-bench sleeping, and busy-polling),
#   sleep or poll (only that)
# BENCH_REF_ONLY=1: when mcte cannot transfer to the peer, still measure
#   perftest (mcte's columns are null) instead of failing at once
set -eu
export LC_ALL=C
top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/tests/lib/mcte.sh"

bench=${1:-local}
case $bench in
local|rdma) ;;
*)	echo "bench-guest: unknown benchmark \"$bench\"" >&2; exit 1 ;;
esac

dur=${BENCH_DURATION:-3}
[ -n "$dur" ] || dur=3
bin=$top/bench/mcte-bench
tmp=$(mktemp -d)
cleanup_fns=()
cleanup()
{
	local f

	for f in "${cleanup_fns[@]+"${cleanup_fns[@]}"}"; do
		"$f" || true
	done
	rm -rf "$tmp"
}
trap cleanup EXIT

mcte_loaded || mcte_load
"$MCTECTL" version
features=$("$MCTECTL" -j version | jq -r '.features | join(" ")')

bench_local()
{
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
}

# ---------------------------------------------------------------------
# rdma

. "$top/tests/lib/rxe.sh"

rdma_pfx=mb			# veth mba/mbb, rxe devices mbrxe_a/mbrxe_b
rdma_a=10.77.0.1		# node A: the clients
rdma_b=10.77.0.2		# node B: the served segment, the listener
rdma_port=7471			# MCTE_RDMA_PORT
rdma_seg=mcte-bench-rdma
rdma_buf=16M			# both segments; the blocks cycle through it
ref_port=18515			# perftest's (TCP, for its parameter exchange)
bg_pids=()			# processes to end on exit
ref_spid=			# the perftest server running, if any

rdma_cleanup()
{
	local pid

	for pid in "${bg_pids[@]+"${bg_pids[@]}"}" $ref_spid; do
		kill "$pid" 2>/dev/null || true
	done
	for pid in "${bg_pids[@]+"${bg_pids[@]}"}" $ref_spid; do
		wait "$pid" 2>/dev/null || true
	done
	rxe_routed_del "$rdma_pfx"
}

# PID runs (exited children stay zombies until waited for)
running()
{
	[ -r "/proc/$1/status" ] &&
		! grep -q '^State:[[:space:]]*Z' "/proc/$1/status" 2>/dev/null
}

# bytes through node A's end of the veth, both ways: what crossed the link
wire_bytes()
{
	echo $(($(cat "/sys/class/net/${rdma_pfx}a/statistics/tx_bytes") + \
		$(cat "/sys/class/net/${rdma_pfx}a/statistics/rx_bytes")))
}

# retransmissions of both rxe devices so far (completer_retry_err: a
# requester sent packets again, after a timeout or a sequence NAK)
rxe_retries()
{
	local d v n=0

	for d in "${rdma_pfx}rxe_a" "${rdma_pfx}rxe_b"; do
		v=$(cat "/sys/class/infiniband/$d/ports/1/hw_counters/completer_retry_err" 2>/dev/null) || v=0
		n=$((n + ${v:-0}))
	done
	echo "$n"
}

# roce_gid DEV ADDR: index of the RoCE v2 GID of IPv4 ADDR on port 1 of DEV
roce_gid()
{
	local dev=$1 want g i
	local IFS=.

	# shellcheck disable=SC2086
	want=$(printf '0000:0000:0000:0000:0000:ffff:%02x%02x:%02x%02x' $2)
	for g in /sys/class/infiniband/"$dev"/ports/1/gids/*; do
		i=${g##*/}
		[ "$(cat "$g" 2>/dev/null)" = "$want" ] || continue
		[ "$(cat "/sys/class/infiniband/$dev/ports/1/gid_attrs/types/$i" 2>/dev/null)" = "RoCE v2" ] || continue
		echo "$i"
		return 0
	done
	return 1
}

tcp_listening()
{
	[ -n "$(ss -Hltn "sport = :$1")" ]
}

seg_served()
{
	"$MCTECTL" segment show "$rdma_seg" >/dev/null 2>&1
}

# The engine's RC QPs now, "ACTIVE PASSIVE KERNEL": kernel QPs (no pid)
# of type RC that belong to an rdma_cm id of mcte, split by the side of
# the connection — active when the id's destination is the listener's
# port (it connected), passive when its source is (it was accepted) —
# and all kernel RC QPs, whoever made them.
mcte_qps()
{
	rdma -j resource show cm_id > "$tmp/cm_id.json" 2>/dev/null || : > "$tmp/cm_id.json"
	rdma -j resource show qp > "$tmp/qp.json" 2>/dev/null || : > "$tmp/qp.json"
	jq -rn --slurpfile c "$tmp/cm_id.json" --slurpfile q "$tmp/qp.json" \
		--arg port ":$rdma_port" '
		($c | add // []) as $ids0 | ($q | add // []) as $qps |
		($qps | map(select(.type == "RC" and .pid == null))) as $k |
		($ids0 | map(select(.pid == null and .comm == "mcte" and
				    .lqpn != null))) as $ids |
		def side(f): [$k[] | . as $qp |
			select(any($ids[] | select(f);
				   .ifname == $qp.ifname and .lqpn == $qp.lqpn))] |
			length;
		[side((.["dst-addr"] // "") | endswith($port)),
		 side((.["src-addr"] // "") | endswith($port)),
		 ($k | length)] | @tsv'
}

# qps_during N: N client processes at once against the peer's segment,
# sampling mcte_qps while they run; prints the most seen of each count.
qps_during()
{
	local n=$1 i pid rc=0 alive a p k ma=0 mp=0 mk=0 pids=()

	for ((i = 0; i < n; i++)); do
		timeout -k 10 $((dur + 60)) "$bin" --json --mode "$rdma_mode" \
			--segment "$rdma_target" --operation write --block-size 64K \
			--batch-size 128 --inflight --duration "$dur" \
			--buffer-size "$rdma_buf" > "$tmp/qps-$n-$i.json" \
			2> "$tmp/qps-$n-$i.err" &
		pids+=("$!")
	done
	while :; do
		alive=0
		for pid in "${pids[@]}"; do
			! running "$pid" || alive=1
		done
		read -r a p k < <(mcte_qps) || true
		a=${a:-0} p=${p:-0} k=${k:-0}
		[ "$a" -le "$ma" ] || ma=$a
		[ "$p" -le "$mp" ] || mp=$p
		[ "$k" -le "$mk" ] || mk=$k
		[ "$alive" = 1 ] || break
		sleep 0.2
	done
	for ((i = 0; i < n; i++)); do
		if ! wait "${pids[$i]}"; then
			echo "bench-guest: client $((i + 1)) of $n failed:" >&2
			cat "$tmp/qps-$n-$i.err" >&2
			rc=1
		fi
	done
	echo "$ma $mp $mk"
	return $rc
}

# Start the served segment and the listener, and check one short run
# with --verify; on failure say why in $mcte_err.
rdma_mcte_setup()
{
	local rc=0

	case " $features " in
	*" xport_rdma "*) ;;
	*)	mcte_err="the module does not implement xport_rdma (the RDMA transport) yet"
		return 1 ;;
	esac
	"$bin" --serve "$rdma_seg" --buffer-size "$rdma_buf" 2> "$tmp/serve.err" &
	bg_pids+=("$!")
	if ! wait_for 30 seg_served; then
		mcte_err="the served segment $rdma_seg did not appear: $(cat "$tmp/serve.err")"
		return 1
	fi
	if ! "$MCTECTL" listen add "$rdma_b:$rdma_port" 2> "$tmp/listen.err"; then
		mcte_err="mctectl listen add $rdma_b:$rdma_port failed: $(cat "$tmp/listen.err")"
		return 1
	fi
	if ! wait_for 30 rdma_cm_listening_on "$rdma_b" "$rdma_port"; then
		mcte_err="no rdma_cm listener on $rdma_b:$rdma_port after mctectl listen add"
		return 1
	fi
	timeout -k 10 120 "$bin" --json --mode "$rdma_mode" --segment "$rdma_target" \
		--verify --operation write --block-size 64K --batch-size 16 \
		--duration 0.5 --buffer-size 4M > "$tmp/preflight.json" \
		2> "$tmp/preflight.err" || rc=$?
	if [ "$rc" -ne 0 ]; then
		mcte_err="mcte-bench cannot transfer to $rdma_target (exit $rc$([ "$rc" != 124 ] || echo ", timed out after 120 s")): $(tail -n 5 "$tmp/preflight.err")"
		return 1
	fi
	if ! jq -e '.verify == "ok"' "$tmp/preflight.json" > /dev/null; then
		mcte_err="the bytes read back from $rdma_target differ from those written: $(cat "$tmp/preflight.json")"
		return 1
	fi
}

# mcte_run OP BLOCK BATCH ROUND WAIT: mcte-bench against the peer's
# segment, busy-polling (WAIT poll: spinning up to a second per wait) or
# sleeping (sleep) for completions; appends its JSON, with the round, the
# wait and the bytes that crossed the veth, to $tmp/mcte.json.
mcte_run()
{
	local op=$1 block=$2 batch=$3 round=$4 wait=$5 w0 w1 r0 r1 rc=0 busy=0

	[ "$wait" = sleep ] || busy=1000000
	w0=$(wire_bytes)
	r0=$(rxe_retries)
	timeout -k 10 $((dur + 90)) "$bin" --json --mode "$rdma_mode" \
		--segment "$rdma_target" --operation "$op" --block-size "$block" \
		--batch-size "$batch" ${rdma_submit_opt:+"$rdma_submit_opt"} --warmup 1 \
		--busy-poll "$busy" --duration "$dur" --buffer-size "$rdma_buf" \
		> "$tmp/run.json" 2> "$tmp/run.err" || rc=$?
	w1=$(wire_bytes)
	r1=$(rxe_retries)
	if [ "$rc" -ne 0 ]; then
		echo "bench-guest: mcte-bench $op $block B batch $batch ($wait) failed (exit $rc$([ "$rc" != 124 ] || echo ", timed out")):" >&2
		cat "$tmp/run.err" >&2
		return 1
	fi
	jq -c --argjson round "$round" --argjson wire $((w1 - w0)) \
		--argjson retries $((r1 - r0)) --arg wait "$wait" \
		'. + {round: $round, wait: $wait, wire: $wire, retries: $retries,
		      msgps: (.requests / .duration_s)}' "$tmp/run.json" >> "$tmp/mcte.json"
	tail -n 1 "$tmp/mcte.json" | jq -r '"round \(.round) \(.op) \(.block) B batch \(.batch): mcte (\(.wait)) \(.MiBps) MiB/s, \(.msgps | round) msg/s, wire/payload \(.wire / (.bytes + 1) * 100 | round / 100), rxe retries \(.retries)"'
}

# ref_run OP BLOCK BATCH ROUND: perftest's ib_OP_bw, server on node B's
# device, client on node A's, their RC QP addressed by the RoCE v2 GIDs of
# A and B; one QP, message = block, tx depth = batch, -D with 1 s margins
# so that the measured window is $dur seconds as for mcte-bench.
# Appends to $tmp/ref.json.
ref_run()
{
	local op=$1 block=$2 batch=$3 round=$4 tool w0 w1 r0 r1 rc=0 line f
	local args=(-s "$block" -t "$batch" -D $((dur + 2)) -f 1 -F -p "$ref_port")

	tool=ib_${op}_bw
	timeout -k 10 $((dur + 60)) "$tool" "${args[@]}" -d "${rdma_pfx}rxe_b" \
		-x "$ref_gid_b" > "$tmp/ref-srv.out" 2>&1 &
	ref_spid=$!
	if ! wait_for 30 tcp_listening "$ref_port"; then
		echo "bench-guest: $tool server did not listen on $ref_port:" >&2
		cat "$tmp/ref-srv.out" >&2
		return 1
	fi
	w0=$(wire_bytes)
	r0=$(rxe_retries)
	timeout -k 10 $((dur + 60)) "$tool" "${args[@]}" -d "${rdma_pfx}rxe_a" \
		-x "$ref_gid_a" "$rdma_b" > "$tmp/ref-cli.out" 2>&1 || rc=$?
	w1=$(wire_bytes)
	r1=$(rxe_retries)
	[ "$rc" -eq 0 ] || kill "$ref_spid" 2>/dev/null || true
	wait "$ref_spid" || true	# it ends with the client
	ref_spid=
	if [ "$rc" -ne 0 ]; then
		echo "bench-guest: $tool ${args[*]} $rdma_b failed (exit $rc):" >&2
		cat "$tmp/ref-cli.out" >&2
		return 1
	fi
	# " #bytes #iterations BW peak[MB/sec] BW average[MB/sec] MsgRate[Mpps]"
	# then the figures; MB here is MiB (2^20 bytes, perftest's MBS format)
	line=$(awk '/BW average\[MB\/sec\]/ { getline; print; exit }' "$tmp/ref-cli.out")
	read -r -a f <<< "$line"
	set -- "${f[@]}"
	if [ $# -lt 5 ] || [ "$1" != "$block" ] || ! [[ $4 =~ ^[0-9]+(\.[0-9]+)?$ ]]; then
		echo "bench-guest: cannot read $tool's result:" >&2
		cat "$tmp/ref-cli.out" >&2
		return 1
	fi
	jq -nc --arg op "$op" --arg tool "$tool" --argjson block "$block" \
		--argjson batch "$batch" --argjson round "$round" \
		--argjson iters "$2" --argjson mibps "$4" --argjson mpps "$5" \
		--argjson wire $((w1 - w0)) --argjson retries $((r1 - r0)) \
		'{op: $op, tool: $tool, block: $block, batch: $batch,
		  round: $round, iters: $iters, MiBps: $mibps, Mpps: $mpps,
		  msgps: ($mibps * 1048576 / $block), wire: $wire,
		  retries: $retries, bytes: ($iters * $block)}' >> "$tmp/ref.json"
	tail -n 1 "$tmp/ref.json" | jq -r '"round \(.round) \(.op) \(.block) B batch \(.batch): \(.tool) \(.MiBps) MiB/s, \(.msgps | round) msg/s, wire/payload \(.wire / (.bytes + 1) * 100 | round / 100), rxe retries \(.retries)"'
}

bench_rdma()
{
	local rounds=${BENCH_ROUNDS:-2} ref_only=${BENCH_REF_ONLY:-0}
	local submit=${BENCH_RDMA_SUBMIT:-inflight} mtu r op block batch
	local waits=${BENCH_RDMA_WAIT:-both} waits_back w idle=halt
	local status=0 q0 q1 q2 qa per1 per2 method t
	local a0 p0 k0 a1 p1 k1 a2 p2 k2 aa pa ka

	[[ $dur =~ ^[1-9][0-9]*$ ]] ||
		{ echo "bench-guest: rdma wants whole seconds in BENCH_DURATION" >&2; exit 1; }
	[[ $rounds =~ ^[1-9][0-9]*$ ]] ||
		{ echo "bench-guest: bad BENCH_ROUNDS \"$rounds\"" >&2; exit 1; }
	case $submit in
	inflight) rdma_submit_opt=--inflight ;;
	batch)	rdma_submit_opt= ;;
	*)	echo "bench-guest: BENCH_RDMA_SUBMIT is inflight or batch" >&2; exit 1 ;;
	esac
	case $waits in
	both)	waits="sleep poll"; waits_back="poll sleep" ;;
	poll|sleep) waits_back=$waits ;;
	*)	echo "bench-guest: BENCH_RDMA_WAIT is both, poll or sleep" >&2; exit 1 ;;
	esac
	# scripts/bench.sh boots the guest with idle=poll unless BENCH_IDLE=halt
	case " $(cat /proc/cmdline) " in
	*" idle=poll "*) idle=poll ;;
	esac
	for t in ib_write_bw ib_read_bw rdma jq; do
		command -v "$t" > /dev/null ||
			{ echo "bench-guest: $t not found (make setup installs perftest)" >&2; exit 1; }
	done
	rdma_mode=uring
	case " $features " in
	*" uring_cmd "*) ;;
	*)	echo "bench-guest: no uring_cmd in this module: measuring the ioctl path" >&2
		rdma_mode=ioctl ;;
	esac
	rdma_target=$rdma_b:$rdma_port/$rdma_seg

	cleanup_fns+=(rdma_cleanup)
	if ! rxe_routed_add "$rdma_pfx" "$rdma_a" "$rdma_b" 9000; then
		echo "bench-guest: cannot set up the soft-RoCE pair" >&2
		exit 1
	fi
	# a 1 MiB READ reply is 256 frames at RoCE MTU 4096; keep the backlog
	# well above a burst (6.1 drops and retries at the default 1000)
	sysctl -qw net.core.netdev_max_backlog=4096
	mtu=$(ibv_devinfo -d "${rdma_pfx}rxe_a" | awk '/active_mtu/ { print $2; exit }')
	# perftest's QP is addressed by GID: the RoCE v2 GIDs of A and B
	# (they appear shortly after the rxe devices)
	if ! wait_for 30 roce_gid "${rdma_pfx}rxe_a" "$rdma_a" > /dev/null ||
	   ! wait_for 30 roce_gid "${rdma_pfx}rxe_b" "$rdma_b" > /dev/null; then
		echo "bench-guest: no RoCE v2 GID for $rdma_a / $rdma_b on the rxe devices" >&2
		exit 1
	fi
	ref_gid_a=$(roce_gid "${rdma_pfx}rxe_a" "$rdma_a")
	ref_gid_b=$(roce_gid "${rdma_pfx}rxe_b" "$rdma_b")
	echo "soft-RoCE: ${rdma_pfx}rxe_a on ${rdma_pfx}a ($rdma_a, GID $ref_gid_a, client) <-> ${rdma_pfx}rxe_b on ${rdma_pfx}b ($rdma_b, GID $ref_gid_b, server); veth MTU 9000, RoCE MTU $mtu"

	mcte_err=
	if ! rdma_mcte_setup; then
		echo "bench-guest: rdma: $mcte_err" >&2
		if [ "$ref_only" != 1 ]; then
			echo "bench-guest: rdma: no mcte figures, stopping (BENCH_REF_ONLY=1 measures perftest alone)" >&2
			exit 1
		fi
		echo "bench-guest: rdma: BENCH_REF_ONLY=1: measuring perftest alone" >&2
	fi

	# RC QPs per node: idle (after the check above), then with one and
	# with two client processes at once
	q1="0 0 0"
	q2="0 0 0"
	if [ -z "$mcte_err" ]; then
		read -r q0 < <(mcte_qps | tr '\t' ' ')
		q1=$(qps_during 1) || status=1
		q2=$(qps_during 2) || status=1
		read -r qa < <(mcte_qps | tr '\t' ' ')
	fi

	# throughput: each configuration mcte then perftest, the next round
	# the other way round, never both at once
	: > "$tmp/mcte.json"
	: > "$tmp/ref.json"
	for ((r = 1; r <= rounds; r++)); do
		for op in write read; do
			for block in 4096 65536 1048576; do
				for batch in 1 128; do
					if [ -n "$mcte_err" ]; then
						ref_run "$op" "$block" "$batch" "$r" || exit 1
					elif [ $((r % 2)) = 1 ]; then
						for w in $waits; do
							mcte_run "$op" "$block" "$batch" "$r" "$w" || exit 1
						done
						ref_run "$op" "$block" "$batch" "$r" || exit 1
					else
						ref_run "$op" "$block" "$batch" "$r" || exit 1
						for w in $waits_back; do
							mcte_run "$op" "$block" "$batch" "$r" "$w" || exit 1
						done
					fi
				done
			done
		done
	done

	[ -n "$mcte_err" ] || "$MCTECTL" stat || true

	# best round of each side per configuration
	jq -n --slurpfile m "$tmp/mcte.json" --slurpfile f "$tmp/ref.json" '
		def best($a; $c): $a | map(select(.op == $c.op and
			.block == $c.block and .batch == $c.batch)) |
			if length > 0 then max_by(.MiBps) else null end;
		def r3: . * 1000 | round / 1000;
		def ratio($x; $y): if $x and $y and $y.MiBps > 0 then $x.MiBps / $y.MiBps | r3 else null end;
		($m | map(select(.wait == "poll"))) as $mp |
		($m | map(select(.wait == "sleep"))) as $ms |
		[("write", "read") as $op | (4096, 65536, 1048576) as $block |
		 (1, 128) as $batch | {op: $op, block: $block, batch: $batch}] |
		map(. as $c | best($ms; $c) as $x | best($f; $c) as $y |
		    best($mp; $c) as $z |
		    {op, block, batch,
		     mcte_MiBps: $x.MiBps, ref: "ib_\(.op)_bw",
		     ref_MiBps: $y.MiBps,
		     ratio: ratio($x; $y),
		     mcte_msgps: (if $x then $x.msgps * 10 | round / 10 else null end),
		     ref_msgps: (if $y then $y.msgps * 10 | round / 10 else null end),
		     mcte_poll_MiBps: $z.MiBps,
		     poll_ratio: ratio($z; $y),
		     mcte_wire: ([$x, $z] | map(select(.)) | map(.wire / (.bytes + 1)) | min),
		     ref_wire: (if $y then $y.wire / ($y.bytes + 1) else null end)})
	' > "$tmp/results.json"

	echo
	printf '%-5s %8s %5s  %10s  %-11s %10s  %6s  %10s  %10s  %10s %6s  %s\n' op block batch \
		"mcte MiB/s" ref "ref MiB/s" ratio "mcte msg/s" "ref msg/s" \
		"poll MiB/s" ratio target
	jq -r '.[] | [.op, .block, .batch, (.mcte_MiBps // "-"), .ref, .ref_MiBps,
		      (.ratio // "-"), (.mcte_msgps // "-"), .ref_msgps,
		      (.mcte_poll_MiBps // "-"), (.poll_ratio // "-"),
		      (if .batch == 128 and .block >= 65536 then 0.9
		       elif .batch == 128 and .block == 4096 then 0.8
		       else "" end)] | @tsv' "$tmp/results.json" |
	while IFS=$'\t' read -r op block batch mib ref rmib ratio mps rmps pmib pratio target; do
		if [ -z "$target" ]; then
			t=
		elif [ "$ratio" = - ]; then
			t=">=$target"
		elif awk -v r="$ratio" -v t="$target" 'BEGIN { exit !(r >= t) }'; then
			t=">=$target ok"
		else
			t=">=$target MISS"
		fi
		printf '%-5s %8s %5s  %10s  %-11s %10.1f  %6s  %10s  %10.1f  %10s %6s  %s\n' "$op" \
			"$block" "$batch" "$mib" "$ref" "$rmib" "$ratio" "$mps" "$rmps" \
			"$pmib" "$pratio" "$t"
	done
	echo "best of $rounds rounds of ${dur} s each side (perftest: -D $((dur + 2)) -f 1, busy-polling its CQ; mcte-bench: --warmup 1 --duration $dur, $submit, $rdma_mode, sleeping in the kernel until completions come (--busy-poll 0, libmcte's default); \"poll\": mcte-bench busy-polling its CQ for up to 1 s per wait (--busy-poll 1000000)); ratio = mcte / perftest, the same for MiB/s and msg/s"
	case $idle in
	poll)	echo "idle vCPUs: poll (idle=poll: they spin, as on a host tuned for RDMA, and a wake-up costs no halt; BENCH_IDLE, bench/README.md)" ;;
	*)	echo "idle vCPUs: halt (under TCG waking one costs about 60 us; BENCH_IDLE, bench/README.md)" ;;
	esac
	jq -rn --slurpfile m "$tmp/mcte.json" --slurpfile f "$tmp/ref.json" '
		"rxe retransmissions (completer_retry_err) over all runs: mcte \($m | map(.retries) | add // 0), perftest \($f | map(.retries) | add // 0)"'
	if [ -z "$mcte_err" ]; then
		# active-side QPs are node A's; the passive ones node B's
		read -r a0 p0 k0 <<< "$q0"
		read -r a1 p1 k1 <<< "$q1"
		read -r a2 p2 k2 <<< "$q2"
		read -r aa pa ka <<< "$qa"
		method="active-side QPs of mcte's rdma_cm ids"
		per1=$a1
		per2=$a2
		if [ "$a1" = 0 ] && [ "$k1" -gt 0 ]; then
			method="kernel RC QPs / 2 (no rdma_cm id of mcte names a QP)"
			per1=$((k1 / 2))
			per2=$((k2 / 2))
		fi
		echo "RC QPs of mcte, active (node A) / passive (node B) / all kernel RC:"
		echo "  idle after the check: $a0 / $p0 / $k0; one client process: $a1 / $p1 / $k1; two at once: $a2 / $p2 / $k2; idle after: $aa / $pa / $ka"
		echo "  QPs per node ($method): one process $per1, two processes $per2"
		if [ "$a1" != "$p1" ] || [ "$a2" != "$p2" ]; then
			echo "  note: active and passive counts differ"
		fi
		if jq -e 'any(.[]; .mcte_wire != null and .mcte_wire < 0.5)' "$tmp/results.json" > /dev/null; then
			echo "bench-guest: rdma: mcte moved fewer bytes over the veth than it transferred: its requests did not cross the rxe link" >&2
			status=1
		fi
	else
		per1=null
		per2=null
		echo "mcte: not measured: $mcte_err"
		status=1
		[ "$ref_only" != 1 ] || status=0
	fi
	echo

	jq -cn --arg kernel "$(uname -r)" --argjson mtu "${mtu:-null}" \
		--arg idle "$idle" --slurpfile res "$tmp/results.json" \
		--argjson q1 "$per1" --argjson q2 "$per2" '
		{bench: "rdma", kernel: $kernel, mtu: $mtu, idle: $idle,
		 results: [$res[0][] | del(.mcte_wire, .ref_wire)],
		 qps_per_node: {one_process: $q1, two_processes: $q2}}'
	return $status
}

case $bench in
local)	bench_local ;;
rdma)	bench_rdma ;;
esac
