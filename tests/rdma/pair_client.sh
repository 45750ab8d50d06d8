#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The client side of the two-guest test (scripts/vm-pair, side b; the
# server is pair_server.sh): soft-RoCE on the virtio NIC, rping to the
# server, then mcte: remote_xfer against the server's segments
# (MCTE_RDMA_OWNER=peer: verified WRITEs read back, verified READs), the
# read-only segment read whole against its pattern, the final pattern
# written over pair.rw (the server checks it), and path show.
# Exit 0 when everything passed, 4 when the module has no RDMA transport
# (after the link check), 1 otherwise.

. "$(dirname "$0")/lib.sh"

SELF=10.79.0.2
SERVER=10.79.0.1
RO_SEED=0x40beef	# RT_RO_SEED of rdma_test.h
FINAL_SEED=0xf17a1	# RT_FINAL_SEED

export MCTE_RDMA_PEER=$SERVER MCTE_RDMA_OWNER=peer MCTE_RDMA_RW=pair.rw MCTE_RDMA_RO=pair.ro
result=failed
trap 'pair_signal client-done "$result"; rdma_cleanup; rdma link delete "$PAIR_RXE" 2>/dev/null' EXIT
tap_plan 9

tap_check "link: $SELF/24 on the NIC, rxe on it" pair_link "$SELF"
pair_wait rping-ready 120 && timeout 120 rping -c -a "$SERVER" -C 3 -v > "$rdma_tmp/rping.out" 2>&1
rc=$?
rdma_show "$rdma_tmp/rping.out"
tap_check "rping to $SERVER, 3 round trips" test "$rc" -eq 0

mcte_load
tap_check "mcte loaded" mcte_loaded
features=$("$MCTECTL" -j version | jq -r '.features | join(" ")')
case " $features " in
*" xport_rdma "*) ;;
*)
	tap_diag "the module lacks the RDMA transport (features: $features)"
	result=skip
	echo "# SKIP the module lacks the RDMA transport"
	exit 4
	;;
esac

tap_check "the server is ready" pair_wait server-ready 300
"$RDMA_DIR/remote_xfer" > "$rdma_tmp/xfer.out" 2>&1
rc=$?
sed 's/^/# /' "$rdma_tmp/xfer.out"
tap_check "remote_xfer against $SERVER's segments" test "$rc" -eq 0
tap_check "pair.ro read whole: the server's pattern" \
	"$RDMA_DIR/rseg" check "$SERVER/pair.ro" "$RO_SEED"
tap_check "pair.rw written whole with the final pattern, read back" \
	"$RDMA_DIR/rseg" fill "$SERVER/pair.rw" "$FINAL_SEED"

path_json "$rdma_tmp/paths.json"
paths_diag "$rdma_tmp/paths.json"
tap_check "path show: a path up on $PAIR_RXE that carried bytes" jq -e --arg d "$PAIR_RXE" \
	'[.[] | select(.local_dev == $d and (.state | ascii_downcase) == "up" and .bytes > 0)] | length > 0' \
	"$rdma_tmp/paths.json"
"$MCTECTL" -j peer show > "$rdma_tmp/peers.json"
sed 's/^/# peers: /' "$rdma_tmp/peers.json" >&2
tap_check "peer show: the server's engine, a path up to it" jq -e '[.[] | select(.paths_up > 0)] | length > 0' "$rdma_tmp/peers.json"

[ "$tap_failed" -eq 0 ] && result=passed
pair_signal client-done "$result"
pair_wait server-done 120
tap_finish
