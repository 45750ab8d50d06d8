#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# scripts/bench/nvme.sh OUT: measures mcte on a block segment (host memory
# <-> an NVMe-oF namespace) against fio on the same device, and appends
# JSON lines to OUT (scripts/bench/lib.sh); scripts/bench/report.sh makes
# the table. Run by scripts/bench-guest.sh nvme; bench/README.md explains
# the method.
#
# One brd ramdisk is exported through nvmet (configfs) and attached with
# nvme-cli over each transport this kernel has, one after the other:
# nvme-tcp on 127.0.0.1, nvme-loop (6.12 only), nvme-rdma over soft-RoCE
# (a veth pair in this guest, tests/lib/rxe.sh). On each attached disk,
# for read and write at each block size: mcte-bench --block (one thread,
# io_uring, $qd requests kept in flight) and fio (--direct=1,
# --ioengine=io_uring, the same block size and queue depth, the same
# first $region bytes, sequential), alternately, in $rounds rounds (which
# of the two goes first alternates too); the report takes the median of
# the rounds on each side.
#
# BENCH_DURATION: seconds per measurement (2), after 1 s of warm-up
# BENCH_ROUNDS: rounds (3)
# BENCH_NVME_QD: requests in flight, both tools (32)
# BENCH_NVME_TRANSPORTS: those to try, "tcp loop rdma" by default
# BENCH_NVME_BLOCKS: block sizes in bytes, "4096 131072 1048576" by default
# BENCH_NVME_SLICE, BENCH_NVME_INFLIGHT: when set, the module's slice_size
#   and block_max_inflight parameters for the run (the report says which
#   were in force)
set -eu
export LC_ALL=C
. "$(dirname "$0")/../../tests/lib/mcte.sh"
. "$(dirname "$0")/../../tests/lib/rxe.sh"
. "$(dirname "$0")/lib.sh"

out=$1
tmp=$(mktemp -d)

nvme_ops="read write"
nvme_blocks=${BENCH_NVME_BLOCKS:-4096 131072 1048576}
qd=${BENCH_NVME_QD:-32}
rounds=${BENCH_ROUNDS:-3}
[ -n "$rounds" ] || rounds=3
dur=${BENCH_DURATION:-2}
[ -n "$dur" ] || dur=2
transports=${BENCH_NVME_TRANSPORTS:-tcp loop rdma}
region=64M			# what both tools cycle through
brd_mib=128			# the ramdisk behind every transport
nqn=nqn.2026-12.org.mcte:bench-nvme
nvmet=/sys/kernel/config/nvmet
port_id=1
rdma_pfx=nb			# veth nba/nbb, rxe devices nbrxe_a/nbrxe_b
rdma_host=10.77.2.1		# the initiator's end
rdma_tgt=10.77.2.2		# nvmet's port
params=/sys/module/mcte/parameters

# Teardown, in the reverse order of setup: the host's controller first
# (it holds the target's queues), then the port's link to the subsystem
# and the port, the namespace and the subsystem, the ramdisk, the rxe pair.
# Each step only if its part is there, so that it runs after any failure.
nvme_detach()
{
	if [ -n "$(nvme_disk 2>/dev/null)" ]; then
		nvme disconnect -n "$nqn" > /dev/null 2>&1 || true
	fi
	if [ -L "$nvmet/ports/$port_id/subsystems/$nqn" ]; then
		rm "$nvmet/ports/$port_id/subsystems/$nqn"
	fi
	if [ -d "$nvmet/ports/$port_id" ]; then
		rmdir "$nvmet/ports/$port_id"
	fi
}

nvme_cleanup()
{
	nvme_detach || true
	if [ -d "$nvmet/subsystems/$nqn/namespaces/1" ]; then
		echo 0 > "$nvmet/subsystems/$nqn/namespaces/1/enable" || true
		rmdir "$nvmet/subsystems/$nqn/namespaces/1" || true
	fi
	if [ -d "$nvmet/subsystems/$nqn" ]; then
		rmdir "$nvmet/subsystems/$nqn" || true
	fi
	if [ -d /sys/module/brd ]; then
		rmmod brd 2>/dev/null || true
	fi
	if [ -e "$RXE_STATE_DIR/$rdma_pfx" ]; then
		rxe_routed_del "$rdma_pfx" || true
	fi
	rm -rf "$tmp"
}
trap nvme_cleanup EXIT

# The disk of our subsystem: with native multipath the namespace's disk
# is named after the subsystem (nvmeXnY, its device the nvme-subsysX that
# has the NQN), without it after the controller; the per-path disks
# nvmeXcYnZ are hidden and skipped.
nvme_disk()
{
	local d n

	for d in /sys/block/nvme*n*; do
		n=${d##*/}
		[[ $n =~ ^nvme[0-9]+n[0-9]+$ ]] || continue
		[ "$(cat "$d/device/subsysnqn" 2>/dev/null)" = "$nqn" ] || continue
		echo "/dev/$n"
		return 0
	done
	return 1
}

disk_ready()
{
	local d

	d=$(nvme_disk) && [ -b "$d" ]
}

# The target: a ramdisk as namespace 1 of a subsystem any host may use.
nvmet_subsys_setup()
{
	modprobe brd rd_nr=1 rd_size=$((brd_mib * 1024)) max_part=0 &&
	modprobe nvmet || return
	mountpoint -q /sys/kernel/config || mount -t configfs none /sys/kernel/config || return
	mkdir "$nvmet/subsystems/$nqn" &&
	echo 1 > "$nvmet/subsystems/$nqn/attr_allow_any_host" &&
	mkdir "$nvmet/subsystems/$nqn/namespaces/1" &&
	echo -n /dev/ram0 > "$nvmet/subsystems/$nqn/namespaces/1/device_path" &&
	echo 1 > "$nvmet/subsystems/$nqn/namespaces/1/enable"
}

# nvme_attach TRANSPORT: a port of that transport with the subsystem, and
# the host connected to it; prints nothing, leaves the disk in $disk.
nvme_attach()
{
	local t=$1 p=$nvmet/ports/$port_id
	local conn=(nvme connect -t "$t" -n "$nqn")

	case $t in
	tcp)	modprobe -a nvmet-tcp nvme-tcp || return ;;
	loop)	modprobe -a nvme-loop || return ;;
	rdma)	modprobe -a nvmet-rdma nvme-rdma || return
		rxe_routed_add "$rdma_pfx" "$rdma_host" "$rdma_tgt" 9000 || return ;;
	esac
	mkdir "$p" && echo "$t" > "$p/addr_trtype" || return
	case $t in
	tcp|rdma)
		local a=127.0.0.1

		[ "$t" = tcp ] || a=$rdma_tgt
		echo ipv4 > "$p/addr_adrfam" &&
		echo "$a" > "$p/addr_traddr" &&
		echo 4420 > "$p/addr_trsvcid" || return
		conn+=(-a "$a" -s 4420)
		[ "$t" = tcp ] || conn+=(-w "$rdma_host") ;;
	esac
	ln -s "$nvmet/subsystems/$nqn" "$p/subsystems/$nqn" || return
	"${conn[@]}" > "$tmp/connect.out" 2>&1 || { cat "$tmp/connect.out" >&2; return 1; }
	wait_for 30 disk_ready || { echo "no disk of $nqn appeared" >&2; return 1; }
	disk=$(nvme_disk)
}

# fio_run OP BLOCK: one fio measurement on $disk, as a run record
fio_run()
{
	local op=$1 block=$2 round=$3

	timeout -k 10 $((dur + 60)) fio --name=nvme --filename="$disk" \
		--direct=1 --ioengine=io_uring --rw="$op" --bs="$block" \
		--iodepth="$qd" --numjobs=1 --size="$region" --offset=0 \
		--time_based --ramp_time=1 --runtime="$dur" \
		--output-format=json > "$tmp/fio.json" 2> "$tmp/fio.err" ||
		{ cat "$tmp/fio.err" >&2; return 1; }
	jq -c --arg t "$transport" --arg op "$op" --argjson b "$block" \
		--argjson qd "$qd" --argjson r "$round" '
		.jobs[0][$op] as $j |
		{rec: "run", tool: "fio", transport: $t, op: $op, block: $b,
		 qd: $qd, round: $r, MiBps: ($j.bw_bytes / 1048576 * 10 | round / 10),
		 reqps: ($j.iops | round)}' "$tmp/fio.json" >> "$out"
}

# mcte_run OP BLOCK ROUND: one mcte-bench measurement on $disk
mcte_run()
{
	local op=$1 block=$2 round=$3

	timeout -k 10 $((dur + 60)) "$bin" --json --block "$disk" \
		--operation "$op" --block-size "$block" --batch-size "$qd" \
		--inflight --threads 1 --mode uring --warmup 1 \
		--duration "$dur" --buffer-size "$region" > "$tmp/mcte.json" \
		2> "$tmp/mcte.err" || { cat "$tmp/mcte.err" >&2; return 1; }
	jq -c --arg t "$transport" --argjson qd "$qd" --argjson r "$round" \
		'{rec: "run", tool: "mcte", transport: $t, op: .op, block: .block,
		  qd: $qd, round: $r, MiBps: .MiBps, reqps: .reqps}' \
		"$tmp/mcte.json" >> "$out"
}

# nvme_crashes OP BLOCK: a configuration the kernel itself cannot run.
# 6.1's nvmet-tcp, receiving 1 MiB writes from nvme-tcp over 127.0.0.1,
# copies an skb fragment that runs past the end of its folio, and
# hardened usercopy BUGs in nvmet_tcp_io_work (fio alone, no mcte in the
# guest, does it too); 128 KiB writes and 6.12 are fine.
nvme_crashes()
{
	[ "$transport" = tcp ] && [ "$1" = write ] && [ "$2" -gt 131072 ] &&
		case $(uname -r) in 6.1.*) true ;; *) false ;; esac
}

# One transport: attach, check that mcte moves the right bytes, measure,
# detach. Failures of a measurement are errors of the run.
nvme_measure()
{
	local r op block

	"$bin" --json --block "$disk" --verify --operation write \
		--block-size 128K --batch-size 8 --inflight --duration 0.5 \
		--buffer-size 4M > "$tmp/verify.json" 2> "$tmp/verify.err" || {
		bench_error "$out" "$transport: mcte-bench --block --verify failed: $(tail -n 3 "$tmp/verify.err")"
		return 1
	}
	if ! jq -e '.verify == "ok"' "$tmp/verify.json" > /dev/null; then
		bench_error "$out" "$transport: the bytes read back from $disk differ from those written: $(cat "$tmp/verify.json")"
		return 1
	fi
	for ((r = 1; r <= rounds; r++)); do
		for op in $nvme_ops; do
			for block in $nvme_blocks; do
				if nvme_crashes "$op" "$block"; then
					[ "$r" != 1 ] || bench_note "$out" "nvme-$transport $op $block B not measured: on $(uname -r) nvmet-tcp hits a kernel BUG (mm/usercopy.c:101 in nvmet_tcp_io_work, hardened usercopy) on writes this large over loopback TCP, with fio alone as well"
					continue
				fi
				if [ $((r % 2)) = 1 ]; then
					mcte_run "$op" "$block" "$r" && fio_run "$op" "$block" "$r"
				else
					fio_run "$op" "$block" "$r" && mcte_run "$op" "$block" "$r"
				fi || {
					bench_error "$out" "$transport $op $block B round $r: a measurement failed"
					return 1
				}
				jq -rs --arg t "$transport" --arg op "$op" --argjson b "$block" \
					--argjson r "$r" 'map(select(.rec == "run" and
					.transport == $t and .op == $op and .block == $b and
					.round == $r) | {(.tool): .MiBps}) | add |
					"\($t) \($op) \($b) B round \($r): mcte \(.mcte) MiB/s, fio \(.fio) MiB/s"' "$out"
			done
		done
	done
}

# Peer-served block I/O (a block segment of node B read by node A over
# RDMA, next to a local fio of B's device) is the next measurement this
# benchmark is meant to take. The module does not serve block segments
# to peers yet (requests from a peer's segment to a block segment fail
# with -EOPNOTSUPP): this hook is not called, and the report says the
# rows are missing rather than show any.
nvme_measure_peer_served()
{
	bench_error "$out" "peer-served block I/O is not implemented in this module"
	return 1
}

if ! has_feature xport_nvme; then
	bench_error "$out" "the module does not implement block segments (xport_nvme) yet"
	exit 1
fi
[ -z "${BENCH_NVME_SLICE:-}" ] || echo "$BENCH_NVME_SLICE" > "$params/slice_size"
[ -z "${BENCH_NVME_INFLIGHT:-}" ] || echo "$BENCH_NVME_INFLIGHT" > "$params/block_max_inflight"
emit "$out" '{rec: "meta", bench: "nvme", kernel: $k, duration_s: $d, rounds: $r,
	      qd: $qd, region: $reg, brd_MiB: $brd,
	      matrix: {op: ($o | split(" ")), block: ($l | split(" ") | map(tonumber))},
	      slice_size: $ss, block_max_inflight: $bi,
	      fio: $fio, mode: "uring", submit: "inflight"}' \
	--arg k "$(uname -r)" --argjson d "$dur" --argjson r "$rounds" \
	--argjson qd "$qd" --arg reg "$region" --argjson brd "$brd_mib" \
	--arg o "$nvme_ops" --arg l "$nvme_blocks" \
	--argjson ss "$(cat "$params/slice_size")" \
	--argjson bi "$(cat "$params/block_max_inflight")" \
	--arg fio "$(fio --version)"

if ! nvmet_subsys_setup 2> "$tmp/setup.err"; then
	bench_error "$out" "the nvmet subsystem over brd could not be set up: $(cat "$tmp/setup.err")"
	exit 1
fi
measured=""
for transport in $transports; do
	case $transport in
	tcp|rdma) ;;
	loop)	# CONFIG_NVME_TARGET_LOOP: 6.12's Debian kernel, not 6.1's
		if ! modinfo nvme-loop > /dev/null 2>&1; then
			bench_note "$out" "nvme-loop not measured: this kernel has no nvme-loop module"
			continue
		fi ;;
	*)	bench_error "$out" "unknown transport \"$transport\" (tcp, loop, rdma)"
		exit 1 ;;
	esac
	disk=
	if ! nvme_attach "$transport" 2> "$tmp/attach.err"; then
		bench_error "$out" "nvme-$transport: could not attach the namespace: $(tail -n 3 "$tmp/attach.err")"
		nvme_detach
		continue
	fi
	echo "bench: nvme-$transport: $disk"
	nvme_measure || true
	nvme_detach
	measured="$measured $transport"
done
emit "$out" '{rec: "meta", transports: ($t | split(" "))}' --arg t "${measured# }"
bench_note "$out" "peer-served block reads (a block segment of a peer over RDMA, next to a local fio of its device) not measured: the module does not serve block segments to peers yet (nvme_measure_peer_served in scripts/bench/nvme.sh is the hook)"
"$MCTECTL" stat || true
