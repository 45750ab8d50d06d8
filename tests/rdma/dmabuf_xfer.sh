#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# dma-buf segments over soft-RoCE (dmabuf_xfer.c): vgem dma-bufs, on both
# kernels, as the local side and as the remote side of READs and WRITEs,
# every byte checked; one rxe pair, an mcte listener on its B end, the
# segments registered here and opened again through B.

. "$(dirname "$0")/lib.sh"

trap rdma_cleanup EXIT
rdma_require
rdma_pairs 1 9000 || rdma_setup_failed "rxe pair p1"
rdma_listen "$P1B" || rdma_setup_failed "listener on $P1B"
tap_diag "peer $MCTE_RDMA_PEER"
"$RDMA_DIR/dmabuf_xfer"
rc=$?
path_json "$rdma_tmp/paths.json" && paths_diag "$rdma_tmp/paths.json"
exit $rc
