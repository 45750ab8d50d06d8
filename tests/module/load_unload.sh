#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Load and unload mcte.ko many times, with and without RDMA devices
# present, holding the device open, and with bad parameters; every cycle
# must leave nothing behind (device node, netlink family, references).

. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/mcte.sh"

CYCLES=${CYCLES:-50}
p=mlu_

cleanup()
{
	exec 3<&- 2>/dev/null
	mcte_loaded && mcte_unload
	rxe_pair_del "$p"
}
trap cleanup EXIT

family_present()
{
	genl ctrl get name mcte > /dev/null 2>&1
}

# One cycle: load, device node and netlink family appear, unload, both go.
cycle()
{
	mcte_load "$@" || { tap_diag "insmod failed"; return 1; }
	[ -c /dev/mcte ] || { tap_diag "no /dev/mcte after load"; return 1; }
	family_present || { tap_diag "no netlink family after load"; return 1; }
	[ "$(cat /sys/module/mcte/refcnt)" = 0 ] || { tap_diag "refcnt $(cat /sys/module/mcte/refcnt)"; return 1; }
	mcte_unload || { tap_diag "rmmod failed"; return 1; }
	[ ! -e /dev/mcte ] || { tap_diag "/dev/mcte left after unload"; return 1; }
	! family_present || { tap_diag "netlink family left after unload"; return 1; }
}

cycles()
{
	local n=$1 i

	shift
	for ((i = 0; i < n; i++)); do
		cycle "$@" || { tap_diag "cycle $i failed"; return 1; }
	done
}

busy_while_open()
{
	mcte_load || return 1
	exec 3< /dev/mcte
	if rmmod mcte 2> /dev/null; then
		tap_diag "rmmod succeeded with /dev/mcte open"
		return 1
	fi
	exec 3<&-
	mcte_unload
}

bad_param()
{
	local v

	for v in 0 1000 12345 2048 33554432 -1 banana; do
		if insmod "$MCTE_KO" slice_size="$v" 2> /dev/null; then
			tap_diag "slice_size=$v accepted"
			mcte_unload
			return 1
		fi
	done
	! mcte_loaded
}

good_param()
{
	mcte_load slice_size=1048576 || return 1
	[ "$(cat /sys/module/mcte/parameters/slice_size)" = 1048576 ] || return 1
	mcte_unload
}

# Devices that exist before load are picked up; unload with them present.
with_devices()
{
	rxe_pair_add "$p" || return 1
	mcte_load || return 1
	"$MCTECTL" -j dev show > /tmp/mlu.json || return 1
	jq -e --arg a "${p}rxe_a" --arg b "${p}rxe_b" \
		'[.[].name] | index($a) != null and index($b) != null' \
		/tmp/mlu.json > /dev/null || { tap_diag "$(cat /tmp/mlu.json)"; return 1; }
	mcte_unload || return 1
	cycles 10
}

# Devices removed while the module is loaded, then unload.
remove_then_unload()
{
	mcte_load || return 1
	rxe_pair_del "$p"
	mcte_unload
}

modprobe -a ib_core rdma_cm
tap_plan 6
tap_check "load/unload $CYCLES times" cycles "$CYCLES"
tap_check "rmmod refused while /dev/mcte is open" busy_while_open
tap_check "bad slice_size values refused" bad_param
tap_check "slice_size=1048576 accepted" good_param
tap_check "load/unload with two rxe devices present" with_devices
tap_check "rxe devices removed while loaded, then unload" remove_then_unload
tap_finish
