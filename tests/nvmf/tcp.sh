#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# NVMe/TCP on 127.0.0.1: target and host through mcte-nvmf (connect with
# nvme-cli), the disk as an mcte block segment (tests/nvmf/lib.sh).
. "$(dirname "$0")/lib.sh"
nvmf_round tcp cli
