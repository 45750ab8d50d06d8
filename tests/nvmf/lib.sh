# SPDX-License-Identifier: GPL-2.0
# The nvmf suite: one NVMe-oF round per transport, all through
# nvme-of/mcte-nvmf and mcte-blkserve, in one guest (target and host on
# the same machine):
#   a RAM disk (brd) exported by nvmet, the host connected to it, its disk
#   found through sysfs; bytes checked with dd, then moved by mcte between
#   host memory and the disk as a block segment (nvmf_xfer rw), its
#   owner killed under transfers (nvmf_xfer owner), the disk
#   served read-only by mcte-nvmf serve (nvmf_xfer ro), the one-step
#   up/down, the controller deleted under transfers (nvmf_xfer inflight),
#   and a teardown that leaves configfs empty and every module unloadable.

. "$(dirname "${BASH_SOURCE[0]}")/../lib/tap.sh"
. "$(dirname "${BASH_SOURCE[0]}")/../lib/mcte.sh"
. "$(dirname "${BASH_SOURCE[0]}")/../lib/rxe.sh"

NVMF_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
NVMF=$MCTE_TOP/nvme-of/mcte-nvmf
export MCTE_BLKSERVE=$MCTE_TOP/nvme-of/mcte-blkserve
export MCTE_NVMF_STATE_DIR=/run/mcte-nvmf-test
CFS=/sys/kernel/config/nvmet
# The backing RAM disk: 64 MiB.
NVMF_BACKING_MB=64

nvmf_tmp=$(mktemp -d)
nvmf_pids=()
nvmf_nqn=
nvmf_pair=

# Everything the test set up, whatever state it got to: helpers, the
# host's controllers, the target, the rxe pair, the RAM disk.
nvmf_cleanup()
{
	local p

	for p in "${nvmf_pids[@]}"; do
		kill "$p" 2>/dev/null
	done
	for p in "${nvmf_pids[@]}"; do
		wait_for 10 sh -c "! kill -0 $p 2>/dev/null" || kill -KILL "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	if [ -n "$nvmf_nqn" ]; then
		"$NVMF" disconnect --nqn "$nvmf_nqn" > /dev/null 2>&1
		"$NVMF" target del --nqn "$nvmf_nqn" > /dev/null 2>&1
	fi
	[ -z "$nvmf_pair" ] || rxe_routed_del "$nvmf_pair"
	# After a failed step too, so that the next round finds none loaded.
	for p in nvme_tcp nvmet_tcp nvme_rdma nvmet_rdma nvme_loop nvmet brd; do
		[ ! -d "/sys/module/$p" ] || rmmod "$p" 2>/dev/null
	done
	rm -rf "$nvmf_tmp" "$MCTE_NVMF_STATE_DIR"
}

# A set-up step failed: one failing TAP line (after those so far), out.
nvmf_abort()
{
	tap_not_ok "$*"
	tap_finish
}

# nvmf_backing: /dev/ram0 of NVMF_BACKING_MB, zeroed, in NVMF_BACKING.
nvmf_backing()
{
	if [ -d /sys/module/brd ]; then
		rmmod brd || { tap_diag "brd is loaded and busy"; return 1; }
	fi
	modprobe brd rd_nr=1 rd_size=$((NVMF_BACKING_MB * 1024)) max_part=0 || return
	NVMF_BACKING=/dev/ram0
	wait_for 10 test -b "$NVMF_BACKING" || return
	[ "$(blockdev --getsize64 "$NVMF_BACKING")" -eq $((NVMF_BACKING_MB << 20)) ]
}

# Every directory under nvmet's configfs tree that a target leaves:
# subsystems, ports, hosts.
nvmf_configfs_left()
{
	[ -d "$CFS" ] || return 0
	find "$CFS/subsystems" "$CFS/ports" "$CFS/hosts" -mindepth 1 -maxdepth 1 2>/dev/null
}

# nvmf_show FILE...: a helper's output as diagnostics.
nvmf_show()
{
	local f

	for f; do
		[ -s "$f" ] && sed "s|^|# ${f##*/}: |" "$f" >&2
	done
	return 0
}

# nvmf_run DESC FILE COMMAND...: a TAP line from COMMAND's status, its
# output (stdout and stderr in FILE) as diagnostics.
nvmf_run()
{
	local desc=$1 out=$2

	shift 2
	if "$@" > "$out" 2>&1; then
		nvmf_show "$out"
		tap_ok "$desc"
	else
		nvmf_show "$out"
		tap_not_ok "$desc"
	fi
}

# nvmf_dd_check DISK: bytes written to DISK land on the backing device,
# and bytes put on the backing device are read from DISK (both O_DIRECT,
# so neither side's page cache answers).
nvmf_dd_check()
{
	local d=$1 a=$nvmf_tmp/a b=$nvmf_tmp/b

	head -c $((3 << 20)) /dev/urandom > "$a"
	dd if="$a" of="$d" bs=1M seek=5 oflag=direct conv=fsync status=none || return
	dd if="$NVMF_BACKING" of="$b" bs=1M skip=5 count=3 iflag=direct status=none || return
	cmp "$a" "$b" || return
	head -c $((1 << 20)) /dev/urandom > "$a"
	dd if="$a" of="$NVMF_BACKING" bs=1M seek=$((NVMF_BACKING_MB - 1)) oflag=direct status=none || return
	dd if="$d" of="$b" bs=1M skip=$((NVMF_BACKING_MB - 1)) count=1 iflag=direct status=none || return
	cmp "$a" "$b"
}

# nvmf_seg_json NAME: `mctectl -j segment show NAME` as one object.
nvmf_seg_json()
{
	"$MCTECTL" -j segment show "$1" 2>/dev/null | jq -c 'if type == "array" then .[0] else . end'
}

# nvmf_seg_is NAME KIND ACCESS: the segment is listed with them.
nvmf_seg_is()
{
	nvmf_seg_json "$1" | jq -e --arg k "$2" --arg a "$3" '.kind == $k and .access == $a' > /dev/null
}

nvmf_seg_absent()
{
	! "$MCTECTL" segment show "$1" > /dev/null 2>&1
}

# nvmf_no_host NQN: neither a controller nor a disk of NQN on the host.
nvmf_no_host()
{
	local c

	for c in /sys/class/nvme/nvme*; do
		[ "$(cat "$c/subsysnqn" 2>/dev/null)" = "$1" ] && return 1
	done
	! "$NVMF" find --nqn "$1" > /dev/null 2>&1
}

# nvmf_modules_unload TRANSPORT: every module of the round can go.
nvmf_modules_unload()
{
	local m mods

	case $1 in
	tcp) mods="nvme_tcp nvmet_tcp" ;;
	rdma) mods="nvme_rdma nvmet_rdma" ;;
	loop) mods="nvme_loop" ;;
	esac
	for m in $mods nvmet brd; do
		[ ! -d "/sys/module/$m" ] || rmmod "$m" || { tap_diag "rmmod $m failed"; return 1; }
	done
}

# nvmf_round TRANSPORT VIA: the whole round; TAP on stdout.
#   tcp: 127.0.0.1:4420; rdma: soft-RoCE pair (10.79.0.1 host end,
#   10.79.0.2 target end); loop: no address. VIA: how connect reaches
#   the kernel (cli: nvme-cli; fabrics: /dev/nvme-fabrics directly).
nvmf_round()
{
	local t=$1 via=$2 addr=() host=() disk disk2 pid rc sz
	local seg=nvmf-$t-ro

	nvmf_nqn=nqn.2026-12.io.mcte:test-$t
	trap nvmf_cleanup EXIT
	tap_plan 22
	case $t in
	tcp) addr=(--addr 127.0.0.1 --port 4420) ;;
	rdma)
		nvmf_pair=nv
		rxe_routed_add nv 10.79.0.1 10.79.0.2 9000 ||
			nvmf_abort "set-up: soft-RoCE pair nva/nvb"
		wait_for 30 sh -c "rdma link show | grep -E '^link nvrxe_' | grep -vq 'state ACTIVE' && exit 1 || exit 0" ||
			nvmf_abort "set-up: rxe ports not ACTIVE"
		addr=(--addr 10.79.0.2 --port 4420)
		host=(--host-addr 10.79.0.1)
		;;
	esac
	nvmf_backing || nvmf_abort "set-up: brd RAM disk of $NVMF_BACKING_MB MiB"
	mcte_loaded || mcte_load || nvmf_abort "set-up: load mcte"

	# 1-2: the target.
	nvmf_run "target add: $NVMF_BACKING exported over $t" "$nvmf_tmp/add" \
		"$NVMF" target add --nqn "$nvmf_nqn" --dev "$NVMF_BACKING" \
		--transport "$t" "${addr[@]}" --allow-any-host
	tap_check "configfs: subsystem with namespace 1 enabled on $NVMF_BACKING, linked to a $t port" \
		sh -c "[ \"\$(cat '$CFS/subsystems/$nvmf_nqn/namespaces/1/enable')\" = 1 ] &&
		       [ \"\$(cat '$CFS/subsystems/$nvmf_nqn/namespaces/1/device_path')\" = '$NVMF_BACKING' ] &&
		       for p in '$CFS'/ports/*; do
		         [ -L \"\$p/subsystems/$nvmf_nqn\" ] && [ \"\$(cat \$p/addr_trtype)\" = $t ] && exit 0
		       done; exit 1"

	# 3-4: the host.
	if "$NVMF" connect --nqn "$nvmf_nqn" --transport "$t" "${addr[@]}" \
		"${host[@]}" --via "$via" > "$nvmf_tmp/disk" 2> "$nvmf_tmp/connect.err"; then
		disk=$(cat "$nvmf_tmp/disk")
		nvmf_show "$nvmf_tmp/connect.err"
		tap_ok "connect over $t (via $via): disk $disk"
	else
		nvmf_show "$nvmf_tmp/connect.err"
		nvmf_abort "connect over $t (via $via)"
	fi
	disk2=$("$NVMF" find --nqn "$nvmf_nqn" 2>&1)
	sz=$(blockdev --getsize64 "$disk" 2>/dev/null)
	tap_diag "find: $disk2; size $sz"
	if [ "$disk2" = "$disk" ] && [ "$sz" = $((NVMF_BACKING_MB << 20)) ]; then
		tap_ok "find names the same disk, of the backing device's size"
	else
		tap_not_ok "find names the same disk, of the backing device's size"
	fi

	# 5: plain block I/O through the fabric.
	tap_check "dd through $disk reaches $NVMF_BACKING and back" nvmf_dd_check "$disk"

	# 6: mcte between host memory and the disk.
	nvmf_run "mcte: host <-> block segment on $disk, first/last/odd blocks, one batch of many, checked on the target's device" \
		"$nvmf_tmp/rw" "$NVMF_DIR/nvmf_xfer" rw "$disk" "$NVMF_BACKING"

	# 7: the owner of a block segment killed with I/O in flight.
	nvmf_run "owner killed (SIGKILL) with I/O in flight: gone in bounded time, its segment too" \
		"$nvmf_tmp/owner" "$NVMF_DIR/nvmf_xfer" owner "$disk"

	# 8-10: served read-only.
	if "$NVMF" serve --nqn "$nvmf_nqn" --name "$seg" --access read \
		--pidfile "$nvmf_tmp/serve.pid" > "$nvmf_tmp/serve" 2>&1 &&
	   nvmf_seg_is "$seg" block read; then
		nvmf_show "$nvmf_tmp/serve"
		tap_ok "mcte-nvmf serve --access read: segment $seg listed as block, read"
	else
		nvmf_show "$nvmf_tmp/serve" "$nvmf_tmp/serve.pid.log"
		tap_not_ok "mcte-nvmf serve --access read: segment $seg listed as block, read"
	fi
	nvmf_run "read-only segment: rw open and writes refused, reads match the device" \
		"$nvmf_tmp/ro" "$NVMF_DIR/nvmf_xfer" ro "$seg" "$NVMF_BACKING"
	pid=$(cat "$nvmf_tmp/serve.pid" 2>/dev/null)
	rc=1
	if [ -n "$pid" ]; then
		kill "$pid"
		wait_for 20 sh -c "! kill -0 $pid 2>/dev/null" && rc=0
	fi
	nvmf_show "$nvmf_tmp/serve.pid.log"
	if [ "$rc" = 0 ] && grep -q 'unregistering' "$nvmf_tmp/serve.pid.log" &&
	   [ ! -e "$nvmf_tmp/serve.pid" ] && nvmf_seg_absent "$seg"; then
		tap_ok "mcte-blkserve ends on SIGTERM, segment and pidfile gone"
	else
		tap_not_ok "mcte-blkserve ends on SIGTERM, segment and pidfile gone"
	fi

	# 11-12: disconnect.
	nvmf_run "disconnect" "$nvmf_tmp/disc" "$NVMF" disconnect --nqn "$nvmf_nqn"
	tap_check "no controller or disk of $nvmf_nqn left" nvmf_no_host "$nvmf_nqn"

	# 13-15: the one-step forms.
	nvmf_run "up: connect, find and serve in one step" "$nvmf_tmp/up" \
		"$NVMF" up --nqn "$nvmf_nqn" --transport "$t" "${addr[@]}" \
		"${host[@]}" --via "$via" --name "nvmf-$t-up" --access read
	tap_check "the segment of up is listed as block, read" nvmf_seg_is "nvmf-$t-up" block read
	nvmf_run "down: segment gone, then the controller" "$nvmf_tmp/down" \
		sh -c "'$NVMF' down --name 'nvmf-$t-up' && ! '$MCTECTL' segment show 'nvmf-$t-up' > /dev/null 2>&1 &&
		       ! '$NVMF' find --nqn '$nvmf_nqn' > /dev/null 2>&1"

	# 16-17: the controller deleted under transfers.
	disk=$("$NVMF" connect --nqn "$nvmf_nqn" --transport "$t" "${addr[@]}" "${host[@]}" \
		--via "$via" 2> "$nvmf_tmp/connect2.err")
	[ -n "$disk" ] || { nvmf_show "$nvmf_tmp/connect2.err"; nvmf_abort "connect again"; }
	"$NVMF_DIR/nvmf_xfer" inflight "$disk" > "$nvmf_tmp/inflight" 2>&1 &
	pid=$!
	nvmf_pids+=("$pid")
	if wait_for 60 sh -c "grep -q '^inflight' '$nvmf_tmp/inflight' || ! kill -0 $pid 2>/dev/null" &&
	   grep -q '^inflight' "$nvmf_tmp/inflight"; then
		nvmf_run "controller deleted while transfers run (mcte-nvmf disconnect)" \
			"$nvmf_tmp/disc2" "$NVMF" disconnect --nqn "$nvmf_nqn"
	else
		tap_not_ok "controller deleted while transfers run (transfers never started)"
	fi
	rc=124
	if wait_for 200 sh -c "! kill -0 $pid 2>/dev/null"; then
		wait "$pid"
		rc=$?
	else
		kill -KILL "$pid" 2>/dev/null
	fi
	nvmf_show "$nvmf_tmp/inflight"
	if [ "$rc" = 0 ]; then
		tap_ok "requests in flight ended FAILED with an errno, none hung"
	else
		tap_not_ok "requests in flight ended FAILED with an errno, none hung (exit $rc)"
	fi

	# 18-22: teardown.
	tap_check "no controller or disk of $nvmf_nqn left after the deletion" nvmf_no_host "$nvmf_nqn"
	tap_check "mcte unloads once the segment of the deleted disk is gone" mcte_unload
	nvmf_run "target del" "$nvmf_tmp/del" "$NVMF" target del --nqn "$nvmf_nqn"
	if [ -z "$(nvmf_configfs_left)" ]; then
		tap_ok "configfs holds no subsystem, port or host"
		nvmf_nqn=
	else
		tap_diag "left: $(nvmf_configfs_left | tr '\n' ' ')"
		tap_not_ok "configfs holds no subsystem, port or host"
	fi
	tap_check "host, target and brd modules unload" nvmf_modules_unload "$t"
	tap_finish
}
