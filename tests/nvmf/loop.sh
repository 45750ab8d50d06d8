#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# NVMe loop (target and host in one kernel, no network): the round of
# tests/nvmf/lib.sh where the kernel has nvme-loop (Debian's 6.12).
# Debian's 6.1 is built without CONFIG_NVME_TARGET_LOOP: there this
# checks what mcte-nvmf promises for that case instead — target add and
# connect refuse with a message naming the missing option, and leave
# nothing behind in configfs.
. "$(dirname "$0")/lib.sh"

if modinfo nvme-loop > /dev/null 2>&1; then
	nvmf_round loop cli
fi

nvmf_nqn=nqn.2026-12.io.mcte:test-loop
trap nvmf_cleanup EXIT
tap_plan 4
tap_diag "$(uname -r) has no nvme-loop module: checking the refusals"
nvmf_backing || nvmf_abort "set-up: brd RAM disk"
if "$NVMF" target add --nqn "$nvmf_nqn" --dev "$NVMF_BACKING" --transport loop \
	--allow-any-host > "$nvmf_tmp/add" 2>&1; then
	nvmf_show "$nvmf_tmp/add"
	tap_not_ok "target add --transport loop refused"
else
	nvmf_show "$nvmf_tmp/add"
	tap_ok "target add --transport loop refused"
fi
tap_check "the message names CONFIG_NVME_TARGET_LOOP" grep -q 'CONFIG_NVME_TARGET_LOOP' "$nvmf_tmp/add"
tap_check "configfs holds no subsystem, port or host" test -z "$(nvmf_configfs_left)"
if "$NVMF" connect --nqn "$nvmf_nqn" --transport loop > "$nvmf_tmp/conn" 2>&1 ||
   ! grep -q 'CONFIG_NVME_TARGET_LOOP' "$nvmf_tmp/conn"; then
	nvmf_show "$nvmf_tmp/conn"
	tap_not_ok "connect --transport loop refused, naming CONFIG_NVME_TARGET_LOOP"
else
	nvmf_show "$nvmf_tmp/conn"
	tap_ok "connect --transport loop refused, naming CONFIG_NVME_TARGET_LOOP"
fi
tap_finish
