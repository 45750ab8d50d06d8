#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# scripts/bench/rdma.sh OUT: measures mcte to a peer's segment over
# soft-RoCE and perftest on the same link, and appends JSON lines to OUT
# (scripts/bench/lib.sh); scripts/bench/report.sh makes the table. Run by
# scripts/bench-guest.sh rdma; bench/README.md explains the method.
#
# Two soft-RoCE nodes on a veth pair (MTU 9000, RoCE MTU 4096), one mcte
# engine serving both: a host-memory segment registered on node B, opened
# by clients on node A as "B:7471/name". For each configuration,
# alternating and never at once: mcte-bench with a host local segment
# sleeping for completions (libmcte's default) and busy-polling them as
# perftest does, mcte-bench with a dma-buf local segment (a udmabuf; vgem on 6.1) with
# the first of those waits, and perftest (ib_write_bw / ib_read_bw, one
# RC QP between the RoCE v2 GIDs of A and B, tx depth = batch). Before
# them, the RC QPs the engine holds per node with one and with two
# client processes.
#
# BENCH_DURATION: seconds per measurement (default 3, whole seconds)
# BENCH_ROUNDS: rounds of the whole set, best round of each side counts (2)
# BENCH_RDMA_SUBMIT: inflight (default: keep `batch` requests in flight, as
#   perftest does) or batch (a batch at a time, waiting for all of it)
# BENCH_RDMA_WAIT: both (default: mcte-bench sleeping, and busy-polling),
#   sleep or poll (only that)
# BENCH_LOCAL_MEM: the local memories, "host dmabuf" by default
# BENCH_REF_ONLY=1: when mcte cannot transfer to the peer, still measure
#   perftest (mcte's columns are null) instead of failing at once
set -eu
export LC_ALL=C
. "$(dirname "$0")/../../tests/lib/mcte.sh"
. "$(dirname "$0")/../../tests/lib/rxe.sh"
. "$(dirname "$0")/lib.sh"

out=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT	# rdma_cleanup once the link is set up

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
	rm -rf "$tmp"
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
			echo "bench: client $((i + 1)) of $n failed:" >&2
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

# mcte_run OP BLOCK BATCH ROUND MEM:WAIT: mcte-bench against the peer's
# segment from local memory MEM (host, dmabuf), busy-polling (WAIT poll:
# spinning up to a second per wait) or sleeping (sleep) for completions;
# appends its record, with the round, the wait and the bytes that crossed
# the veth, to OUT.
mcte_run()
{
	local op=$1 block=$2 batch=$3 round=$4 mem=${5%:*} wait=${5#*:}
	local w0 w1 r0 r1 rc=0 busy=0

	[ "$wait" = sleep ] || busy=1000000
	w0=$(wire_bytes)
	r0=$(rxe_retries)
	timeout -k 10 $((dur + 90)) "$bin" --json --mode "$rdma_mode" \
		--segment "$rdma_target" --local-mem "$mem" --operation "$op" \
		--block-size "$block" --batch-size "$batch" ${rdma_submit_opt:+"$rdma_submit_opt"} --warmup 1 \
		--busy-poll "$busy" --duration "$dur" --buffer-size "$rdma_buf" \
		> "$tmp/run.json" 2> "$tmp/run.err" || rc=$?
	w1=$(wire_bytes)
	r1=$(rxe_retries)
	if [ "$rc" -ne 0 ]; then
		echo "bench: mcte-bench $op $block B batch $batch ($mem, $wait) failed (exit $rc$([ "$rc" != 124 ] || echo ", timed out")):" >&2
		cat "$tmp/run.err" >&2
		return 1
	fi
	jq -c --argjson round "$round" --argjson wire $((w1 - w0)) \
		--argjson retries $((r1 - r0)) --arg wait "$wait" \
		'. + {rec: "run", tool: "mcte", round: $round, wait: $wait,
		      wire: $wire, retries: $retries,
		      msgps: (.requests / .duration_s)}' "$tmp/run.json" >> "$out"
	tail -n 1 "$out" | jq -r '"round \(.round) \(.op) \(.block) B batch \(.batch): mcte \(.local_mem) (\(.wait)) \(.MiBps) MiB/s, \(.msgps | round) msg/s, wire/payload \(.wire / (.bytes + 1) * 100 | round / 100), rxe retries \(.retries)"'
}

# ref_run OP BLOCK BATCH ROUND: perftest's ib_OP_bw, server on node B's
# device, client on node A's, their RC QP addressed by the RoCE v2 GIDs of
# A and B; one QP, message = block, tx depth = batch, -D with 1 s margins
# so that the measured window is $dur seconds as for mcte-bench.
# Appends its record to OUT.
ref_run()
{
	local op=$1 block=$2 batch=$3 round=$4 tool w0 w1 r0 r1 rc=0 line f
	local args=(-s "$block" -t "$batch" -D $((dur + 2)) -f 1 -F -p "$ref_port")

	tool=ib_${op}_bw
	timeout -k 10 $((dur + 60)) "$tool" "${args[@]}" -d "${rdma_pfx}rxe_b" \
		-x "$ref_gid_b" > "$tmp/ref-srv.out" 2>&1 &
	ref_spid=$!
	if ! wait_for 30 tcp_listening "$ref_port"; then
		echo "bench: $tool server did not listen on $ref_port:" >&2
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
		echo "bench: $tool ${args[*]} $rdma_b failed (exit $rc):" >&2
		cat "$tmp/ref-cli.out" >&2
		return 1
	fi
	# " #bytes #iterations BW peak[MB/sec] BW average[MB/sec] MsgRate[Mpps]"
	# then the figures; MB here is MiB (2^20 bytes, perftest's MBS format)
	line=$(awk '/BW average\[MB\/sec\]/ { getline; print; exit }' "$tmp/ref-cli.out")
	read -r -a f <<< "$line"
	set -- "${f[@]}"
	if [ $# -lt 5 ] || [ "$1" != "$block" ] || ! [[ $4 =~ ^[0-9]+(\.[0-9]+)?$ ]]; then
		echo "bench: cannot read $tool's result:" >&2
		cat "$tmp/ref-cli.out" >&2
		return 1
	fi
	jq -nc --arg op "$op" --arg tool "$tool" --argjson block "$block" \
		--argjson batch "$batch" --argjson round "$round" \
		--argjson iters "$2" --argjson mibps "$4" --argjson mpps "$5" \
		--argjson wire $((w1 - w0)) --argjson retries $((r1 - r0)) \
		'{rec: "run", op: $op, tool: $tool, block: $block, batch: $batch,
		  round: $round, iters: $iters, MiBps: $mibps, Mpps: $mpps,
		  msgps: ($mibps * 1048576 / $block), wire: $wire,
		  retries: $retries, bytes: ($iters * $block)}' >> "$out"
	tail -n 1 "$out" | jq -r '"round \(.round) \(.op) \(.block) B batch \(.batch): \(.tool) \(.MiBps) MiB/s, \(.msgps | round) msg/s, wire/payload \(.wire / (.bytes + 1) * 100 | round / 100), rxe retries \(.retries)"'
}

rounds=${BENCH_ROUNDS:-2}
ref_only=${BENCH_REF_ONLY:-0}
submit=${BENCH_RDMA_SUBMIT:-inflight}
waits=${BENCH_RDMA_WAIT:-both}
idle=halt

[[ $dur =~ ^[1-9][0-9]*$ ]] ||
	{ echo "bench: rdma wants whole seconds in BENCH_DURATION" >&2; exit 1; }
[[ $rounds =~ ^[1-9][0-9]*$ ]] ||
	{ echo "bench: bad BENCH_ROUNDS \"$rounds\"" >&2; exit 1; }
case $submit in
inflight) rdma_submit_opt=--inflight ;;
batch)	rdma_submit_opt= ;;
*)	echo "bench: BENCH_RDMA_SUBMIT is inflight or batch" >&2; exit 1 ;;
esac
case $waits in
both)	waits="sleep poll" ;;
poll|sleep) ;;
*)	echo "bench: BENCH_RDMA_WAIT is both, poll or sleep" >&2; exit 1 ;;
esac
# scripts/bench.sh boots the guest with idle=poll unless BENCH_IDLE=halt
case " $(cat /proc/cmdline) " in
*" idle=poll "*) idle=poll ;;
esac
for t in ib_write_bw ib_read_bw rdma jq; do
	command -v "$t" > /dev/null ||
		{ echo "bench: $t not found (make setup installs perftest)" >&2; exit 1; }
done
rdma_mode=uring
if ! has_feature uring_cmd; then
	bench_note "$out" "no uring_cmd in this module: measuring the ioctl path"
	rdma_mode=ioctl
fi
rdma_target=$rdma_b:$rdma_port/$rdma_seg

trap "rdma_cleanup || true" EXIT
if ! rxe_routed_add "$rdma_pfx" "$rdma_a" "$rdma_b" 9000; then
	echo "bench: cannot set up the soft-RoCE pair" >&2
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
	echo "bench: no RoCE v2 GID for $rdma_a / $rdma_b on the rxe devices" >&2
	exit 1
fi
ref_gid_a=$(roce_gid "${rdma_pfx}rxe_a" "$rdma_a")
ref_gid_b=$(roce_gid "${rdma_pfx}rxe_b" "$rdma_b")
echo "soft-RoCE: ${rdma_pfx}rxe_a on ${rdma_pfx}a ($rdma_a, GID $ref_gid_a, client) <-> ${rdma_pfx}rxe_b on ${rdma_pfx}b ($rdma_b, GID $ref_gid_b, server); veth MTU 9000, RoCE MTU $mtu"
bench_meta "$out" rdma
emit "$out" '{rec: "meta", mtu: $mtu, idle: $idle, rounds: $r, submit: $s,
	      mode: $m, waits: ($w | split(" "))}' \
	--argjson mtu "${mtu:-null}" --arg idle "$idle" --argjson r "$rounds" \
	--arg s "$submit" --arg m "$rdma_mode" --arg w "$waits"

mcte_err=
if ! rdma_mcte_setup; then
	if [ "$ref_only" != 1 ]; then
		bench_error "$out" "rdma: $mcte_err; no mcte figures, stopping (BENCH_REF_ONLY=1 measures perftest alone)"
		exit 1
	fi
	bench_note "$out" "rdma: $mcte_err; BENCH_REF_ONLY=1: measuring perftest alone"
	bench_mems=
else
	mem_probe "$out" --mode "$rdma_mode" --segment "$rdma_target" --buffer-size 4M
fi

# RC QPs per node: idle (after the checks above), then with one and with
# two client processes at once, then idle again
if [ -z "$mcte_err" ]; then
	read -r q0 < <(mcte_qps | tr '\t' ' ')
	q1=$(qps_during 1) || bench_error "$out" "rdma: a client of the QP count failed"
	q2=$(qps_during 2) || bench_error "$out" "rdma: a client of the QP count failed"
	read -r qa < <(mcte_qps | tr '\t' ' ')
	emit "$out" '{rec: "meta", qps: {idle: ($q0 | split(" ") | map(tonumber)),
		      one_process: ($q1 | split(" ") | map(tonumber)),
		      two_processes: ($q2 | split(" ") | map(tonumber)),
		      idle_after: ($qa | split(" ") | map(tonumber))}}' \
		--arg q0 "$q0" --arg q1 "$q1" --arg q2 "$q2" --arg qa "$qa"
fi

# What mcte-bench runs for each configuration, as MEM:WAIT: host memory
# with each wait, and next to the first of them the other memories with
# that wait (their figures are compared to it).
mcte_runs=
for w in $waits; do
	for mem in $bench_mems; do
		[ "$mem" = host ] || [ "$w" = "${waits%% *}" ] || continue
		mcte_runs="$mcte_runs $mem:$w"
	done
done
mcte_runs_back=$(echo $mcte_runs | tr ' ' '\n' | tac | tr '\n' ' ')

# throughput: each configuration mcte then perftest, the next round the
# other way round, never both at once
for ((r = 1; r <= rounds; r++)); do
	for op in $bench_ops; do
		for block in $bench_blocks; do
			for batch in $bench_batches; do
				if [ -n "$mcte_err" ]; then
					ref_run "$op" "$block" "$batch" "$r"
				elif [ $((r % 2)) = 1 ]; then
					for m in $mcte_runs; do
						mcte_run "$op" "$block" "$batch" "$r" "$m"
					done
					ref_run "$op" "$block" "$batch" "$r"
				else
					ref_run "$op" "$block" "$batch" "$r"
					for m in $mcte_runs_back; do
						mcte_run "$op" "$block" "$batch" "$r" "$m"
					done
				fi
			done
		done
	done
done

[ -n "$mcte_err" ] || "$MCTECTL" stat || true
