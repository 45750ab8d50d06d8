# SPDX-License-Identifier: GPL-2.0
# What the nvp2p suite's scripts share: the test provider of the
# nvidia_p2p_* API (provider/, built by the top Makefile for each kernel
# when nv-p2p.h was found), loaded and unloaded around each test, and the
# MCTE_FEAT_SEG_NV_P2P bit as `mctectl -j version` reports it.

NV_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
NV_KO=${NV_KO:-$MCTE_TOP/build/$(uname -r)/tests/nvp2p/mcte_nvp2p_prov.ko}
NV_MOD=mcte_nvp2p_prov

# The feature bit as mctectl names it, present or not.
nv_feature()
{
	"$MCTECTL" -j version | jq -e '.features | index("seg_nv_p2p") != null' > /dev/null
}

nv_no_feature()
{
	"$MCTECTL" -j version | jq -e '.features | index("seg_nv_p2p") == null' > /dev/null
}

# Without the provider built (no nv-p2p.h at build time) the suite fails:
# CI must not pass with the kind missing.
nv_require_built()
{
	if [ ! -e "$NV_KO" ]; then
		echo "TAP version 13"
		echo "1..1"
		echo "not ok 1 test provider $NV_KO built # nv-p2p.h was missing at build time: run scripts/setup.sh (it fetches nvidia-open-kernel-dkms from Debian contrib)"
		exit 1
	fi
}

nv_loaded()
{
	[ -d "/sys/module/$NV_MOD" ]
}

# Unload the provider if a test left it: only once nothing holds it.
nv_cleanup()
{
	nv_loaded || return 0
	wait_for 30 sh -c "[ \"\$(cat /sys/module/$NV_MOD/refcnt)\" = 0 ]"
	rmmod "$NV_MOD"
}

# The provider's reference count is back to zero and it unloads; then
# the feature bit is gone again.
nv_unload_checks()
{
	tap_check "the provider's module is not held once the segments are gone" \
		wait_for 30 sh -c "[ \"\$(cat /sys/module/$NV_MOD/refcnt)\" = 0 ]"
	tap_check "the provider unloads" rmmod "$NV_MOD"
	tap_check "without it, version reports no seg_nv_p2p" nv_no_feature
}
