#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Transfers to a peer's segments over soft-RoCE, every byte checked, and
# the refusals (remote_xfer.c): one rxe pair with MTU 9000, an mcte
# listener on its B end; remote_xfer registers its segments and opens
# them again through B, so every byte crosses the veth.

. "$(dirname "$0")/lib.sh"

trap rdma_cleanup EXIT
rdma_require
rdma_pairs 1 9000 || rdma_setup_failed "rxe pair p1"
rdma_listen "$P1B" || rdma_setup_failed "listener on $P1B"
tap_diag "peer $MCTE_RDMA_PEER"
"$RDMA_DIR/remote_xfer"
rc=$?
path_json "$rdma_tmp/paths.json" && paths_diag "$rdma_tmp/paths.json"
exit $rc
