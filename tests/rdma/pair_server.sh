#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The server side of the two-guest test (scripts/vm-pair, side a; the
# client is pair_client.sh): soft-RoCE on the virtio NIC, an rping server
# for the link check, then mcte with a listener and two segments for the
# client — pair.rw (RW) and pair.ro (READ), laid out as remote_xfer's
# and filled with its seeded patterns. When the client is done, pair.rw
# must hold the pattern the client wrote last, pair.ro be unchanged.
# Exit 0 when everything passed, 4 when the module has no RDMA transport
# (after the link check), 1 otherwise.

. "$(dirname "$0")/lib.sh"

SELF=10.79.0.1
RW_SEED=0x5157a11e	# RT_RW_SEED of rdma_test.h
RO_SEED=0x40beef	# RT_RO_SEED
FINAL_SEED=0xf17a1	# RT_FINAL_SEED

trap 'rdma_cleanup; rdma link delete "$PAIR_RXE" 2>/dev/null' EXIT
tap_plan 7

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
pair_signal server-done
tap_finish
