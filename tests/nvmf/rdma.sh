#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# NVMe/RDMA over a soft-RoCE pair in this guest (tests/lib/rxe.sh): target
# and host through mcte-nvmf (connect through /dev/nvme-fabrics, without
# nvme-cli), the disk as an mcte block segment (tests/nvmf/lib.sh).
. "$(dirname "$0")/lib.sh"
nvmf_round rdma fabrics
