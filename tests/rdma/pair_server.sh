#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The server side of the two-guest test (scripts/vm-pair, side a; the
# client is pair_client.sh): soft-RoCE on the virtio NIC, an rping server
# for the link check, then mcte with a listener and two segments for the
# client — pair.rw (RW) and pair.ro (READ), laid out as remote_xfer's
# and filled with its seeded patterns. When the client is done, pair.rw
# must hold the pattern the client wrote last, pair.ro be unchanged.
# Peers must authenticate: the server sets a cluster key first, and
# shares it with the client through the pair directory.
#
# Then the engine restarts under the client's load, unseen: what this node
# sends is dropped, the module is reloaded and pair.load registered again
# (same name and size, new bytes), then traffic flows again. The client's old handle must
# reach nothing of the new engine: pair.load must keep its new bytes.
# Last, with pair.load registered once more and the kernel log clean, it
# lets the client have its QEMU killed (vm-pair's stop-a): a peer dying
# mid-transfer.
#
# Exit 0 when everything passed (or it was killed after that), 4 when the
# module has no RDMA transport (after the link check), 1 otherwise.

. "$(dirname "$0")/lib.sh"

SELF=10.79.0.1
KEY=$MCTE_PAIR_DIR/cluster.key
RW_SEED=0x5157a11e	# RT_RW_SEED of rdma_test.h
RO_SEED=0x40beef	# RT_RO_SEED
FINAL_SEED=0xf17a1	# RT_FINAL_SEED

# pair_owner VAR OUT SEED [check]: pair.load (16 MiB, RW) with SEED's
# pattern, its owner's pid in VAR; true once registered. With "check",
# the owner fails at its end unless pair.load still holds that pattern.
pair_owner()
{
	local check=()

	[ "${4:-}" = check ] && check=(-c "pair.load:$3")
	rdma_start "$1" "$2" "$RDMA_DIR/rseg" own "${check[@]}" "pair.load:rw:16M:$3"
	wait_for 60 grep -q '^ready' "$2"
}

# The engine goes and comes back with nothing said to the client: all
# this node sends is dropped meanwhile (netem, 100 % loss), as when a node
# reboots quickly; the link itself stays up.
engine_restart()
{
	local nic

	nic=$(pair_nic) && modprobe sch_netem &&
		tc qdisc add dev "$nic" root netem loss 100% || return
	rdma_stop "$owner"
	rdma_show "$rdma_tmp/load1.out" "$rdma_tmp/load1.out.err"
	mcte_unload || { tap_diag "rmmod failed"; return 1; }
	mcte_load || { tap_diag "insmod failed"; return 1; }
	"$MCTECTL" auth set key-file "$KEY" &&
		rdma_listen "$SELF" &&
		pair_owner owner "$rdma_tmp/load2.out" "$PAIR_RESTART_SEED" check || return
	tc qdisc del dev "$nic" root
}

# No splat in the kernel log so far: once killed, nothing checks it.
klog_clean()
{
	dmesg > "$rdma_tmp/dmesg" && "$MCTE_TOP/scripts/vm/scan-log.sh" "$rdma_tmp/dmesg" >&2
}

trap 'rdma_cleanup; rdma link delete "$PAIR_RXE" 2>/dev/null' EXIT
tap_plan 15
tap_check "link: $SELF/24 on the NIC, rxe on it" pair_link "$SELF"
rdma_start rping "$rdma_tmp/rping.out" rping -s -a "$SELF" -C 3 -v
wait_for 30 rdma_cm_listening_on "$SELF" 7174 && pair_signal rping-ready
rdma_wait_exit "$rping" 120
rc=$?
rdma_show "$rdma_tmp/rping.out" "$rdma_tmp/rping.out.err"
tap_check "rping served the client" test "$rc" -eq 0

mcte_load
tap_check "mcte loaded" mcte_loaded
features=$("$MCTECTL" -j version | jq -r '.features | join(" ")')
case " $features " in
*" xport_rdma "*) ;;
*)
	tap_diag "the module lacks the RDMA transport (features: $features)"
	pair_signal server-skip
	echo "# SKIP the module lacks the RDMA transport"
	exit 4
	;;
esac

(umask 077; head -c 32 /dev/urandom | od -An -v -tx1 | tr -d ' \n' > "$KEY")
tap_check "a cluster key set: peers must authenticate" \
	sh -c '"$0" auth set key-file "$1" && "$0" -j auth show | jq -e .required > /dev/null' \
	"$MCTECTL" "$KEY"
tap_check "listener on $SELF:$RDMA_PORT" rdma_listen "$SELF"
rdma_start owner "$rdma_tmp/owner.out" "$RDMA_DIR/rseg" own \
	-c "pair.rw:$FINAL_SEED" -c "pair.ro:$RO_SEED" \
	"pair.rw:rw:rw:$RW_SEED" "pair.ro:read:ro:$RO_SEED"
tap_check "segments pair.rw and pair.ro registered" \
	wait_for 60 grep -q '^ready' "$rdma_tmp/owner.out"
pair_signal server-ready

tap_check "the client finished" pair_wait client-done 500
tap_diag "client: $(cat "$MCTE_PAIR_DIR/client-done" 2>/dev/null)"
path_json "$rdma_tmp/paths.json"
paths_diag "$rdma_tmp/paths.json"
"$MCTECTL" -j peer show > "$rdma_tmp/peers.json" && sed 's/^/# peers: /' "$rdma_tmp/peers.json" >&2
rdma_stop "$owner"
rc=$?
rdma_show "$rdma_tmp/owner.out" "$rdma_tmp/owner.out.err"
tap_check "pair.rw holds what the client wrote last, pair.ro unchanged" test "$rc" -eq 0
rdma_pids=()

# --- the engine restarts under the client's load ---------------------------
tap_check "restart: pair.load registered" \
	pair_owner owner "$rdma_tmp/load1.out" "$PAIR_LOAD_SEED"
pair_signal load-ready
tap_check "restart: the client's load on pair.load runs" pair_wait client-loading 300
tap_check "restart: silent, mcte reloaded, pair.load anew, heard again" engine_restart
pair_signal server-restarted
tap_check "restart: the client is done with the new engine" pair_wait client-restart-done 300
rdma_stop "$owner"
rc=$?
rdma_show "$rdma_tmp/load2.out" "$rdma_tmp/load2.out.err"
tap_check "restart: the new pair.load kept its bytes: the old keys reached nothing" \
	test "$rc" -eq 0

# --- the client has this guest killed mid-transfer --------------------------
tap_check "death: pair.load registered" \
	pair_owner owner "$rdma_tmp/load3.out" "$PAIR_RESTART_SEED"
tap_check "no splat in the kernel log" klog_clean
echo "# pass:$((tap_n - tap_failed)) fail:$tap_failed"
[ "$tap_failed" -eq 0 ] || exit 1
pair_signal death-ready
# From here on only the kill ends this guest well.
pair_wait never 600
tap_diag "the client never had this guest stopped"
exit 1
