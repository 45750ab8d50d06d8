#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# GPU memory segments over soft-RoCE (nvp2p_rdma.c), against the test
# provider of the nvidia_p2p_* API: one rxe pair, an mcte listener on its
# B end, the GPU and host segments registered here and opened again
# through B; READs and WRITEs both ways byte-checked, then the memory
# taken back mid-transfer. The provider unloads clean after.

. "$(dirname "$0")/../rdma/lib.sh"
. "$(dirname "$0")/lib.sh"

nv_require_built
trap 'rdma_cleanup; nv_cleanup' EXIT
rdma_require
insmod "$NV_KO" || rdma_setup_failed "insmod $NV_KO"
rdma_pairs 1 9000 || rdma_setup_failed "rxe pair p1"
rdma_listen "$P1B" || rdma_setup_failed "listener on $P1B"
tap_diag "peer $MCTE_RDMA_PEER"
tap_plan 4
if "$NV_DIR/nvp2p_rdma" >&2; then
	tap_ok "nvp2p_rdma: GPU segment local and remote, revocation mid-transfer"
else
	tap_not_ok "nvp2p_rdma: GPU segment local and remote, revocation mid-transfer"
fi
path_json "$rdma_tmp/paths.json" && paths_diag "$rdma_tmp/paths.json"
nv_unload_checks
tap_finish
