#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# GPU memory segments on this node: without a provider of the
# nvidia_p2p_* API the kind is absent and refused; the test provider
# loaded after mcte makes it appear; nvp2p (the program) registers,
# copies and revokes; then the provider is let go of and unloads clean.

. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/mcte.sh"
. "$(dirname "$0")/lib.sh"

nv_require_built
trap nv_cleanup EXIT
tap_plan 8
tap_check "without a provider, version reports no seg_nv_p2p" nv_no_feature
tap_check "without a provider, registering one is refused (-EOPNOTSUPP)" \
	"$NV_DIR/nvp2p_absent"
tap_check "the test provider loads after mcte" insmod "$NV_KO"
tap_check "with it, version reports seg_nv_p2p" nv_feature
if "$NV_DIR/nvp2p" >&2; then
	tap_ok "nvp2p: register, copies both ways, bad buffers, revocation"
else
	tap_not_ok "nvp2p: register, copies both ways, bad buffers, revocation"
fi
nv_unload_checks
tap_finish
