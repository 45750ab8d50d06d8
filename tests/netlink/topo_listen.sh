#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The priority matrix and listeners through mctectl: two soft-RoCE devices
# (no NUMA node) are preferred for cpu:0; an entry set by `topo set` reads
# back and goes back to automatic; unknown devices, bad locations and a
# caller without CAP_NET_ADMIN are refused with a message. cuda:N is a
# location too: set for a GPU that is not there (the guest has none), read
# back, refused beyond cuda:63, and not listed once automatic again; no
# automatic cuda:N row without an NVIDIA GPU. `listen add`
# refuses bad addresses and ports before asking the kernel; a listener on
# an address of an rxe device is added, shown with its device, refused a
# second time, deleted, and a second delete is refused.

. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/mcte.sh"

p=mtl_
a=${p}rxe_a
b=${p}rxe_b
laddr=10.201.0.1
lport=7999
tmp=$(mktemp -d)

cleanup()
{
	"$MCTECTL" topo set cpu:0 auto 2>/dev/null
	"$MCTECTL" topo set cuda:3 auto 2>/dev/null
	"$MCTECTL" listen del "$laddr:$lport" 2>/dev/null
	rxe_pair_del "$p"
	rm -rf "$tmp"
}
trap cleanup EXIT

topo_json()
{
	"$MCTECTL" -j topo show > "$tmp/topo.json"
}

# entry_is LOCATION AUTO PREFERRED FALLBACK: the entry of LOCATION, its
# lists restricted to our devices, is exactly that (lists as JSON arrays).
entry_is()
{
	topo_json && jq -e --arg l "$1" --argjson auto "$2" --argjson pref "$3" \
		--argjson fall "$4" --arg pre "$p" '
		def ours: map(select(startswith($pre))) | sort;
		[.[] | select(.location == $l)] | length == 1 and
		(.[0] | .auto == $auto and (.preferred | ours) == $pref and
			(.fallback | ours) == $fall)' "$tmp/topo.json" > /dev/null
}

both_auto()
{
	entry_is cpu:0 true "[\"$a\",\"$b\"]" '[]'
}

# fails_with MESSAGE-REGEX COMMAND...: COMMAND exits 1 and says so.
fails_with()
{
	local re=$1 rc

	shift
	"$@" > "$tmp/out" 2> "$tmp/err"
	rc=$?
	if [ "$rc" -ne 1 ] || ! grep -Eq -- "$re" "$tmp/err"; then
		tap_diag "$*: exit status $rc, stderr: $(cat "$tmp/err")"
		return 1
	fi
}

back_to_auto()
{
	"$MCTECTL" topo set cpu:0 auto && both_auto
}

# Online NUMA nodes, from a list such as 0-1,3.
nodes_online()
{
	tr , '\n' < /sys/devices/system/node/online |
		awk -F- '{ n += NF == 2 ? $2 - $1 + 1 : 1 } END { print n }'
}

listen_add()
{
	"$MCTECTL" listen add "$laddr:$lport" 2> "$tmp/err"
}

tap_plan 29

# The address early: rdma_cm finds its device once the GID table has it.
rxe_pair_add "$p" && ip addr add "$laddr/24" dev "${p}va"
tap_check "rdma link add of two rxe devices, an address on ${p}va" test $? -eq 0

# --- the priority matrix

tap_check "both are preferred for cpu:0, automatically" wait_for 30 both_auto
tap_check "reasons: both same-numa for cpu:0 (rxe has no NUMA node)" \
	jq -e --arg a "$a" --arg b "$b" '.[] | select(.location == "cpu:0") |
	.reasons[$a] == "same-numa" and .reasons[$b] == "same-numa"' \
	"$tmp/topo.json"
"$MCTECTL" topo show cpu:0 > "$tmp/topo.txt"
tap_check "text: cpu:0: auto preferred ... $a (same-numa)" \
	grep -Eq "^cpu:0: auto preferred .*$a \(same-numa\)" "$tmp/topo.txt"
tap_check "every online node has an entry" \
	jq -e --argjson n "$(nodes_online)" \
	'[.[] | select(.location | startswith("cpu:"))] | length == $n' \
	"$tmp/topo.json"

tap_check "topo set cpu:0 preferred A fallback B" \
	"$MCTECTL" topo set cpu:0 preferred "$a" fallback "$b"
tap_check "the entry reads back, not automatic" \
	entry_is cpu:0 false "[\"$a\"]" "[\"$b\"]"
"$MCTECTL" topo show cpu:0 > "$tmp/topo.txt"
tap_check "text: cpu:0: set preferred A fallback B" \
	grep -q "^cpu:0: set preferred $a fallback $b\$" "$tmp/topo.txt"

# 6.1 cannot format the message: the device's name is missing there.
tap_check "an unknown device is refused with its name" \
	fails_with "no (such )?RDMA device( ${p}nosuch)?\$" \
	"$MCTECTL" topo set cpu:0 preferred "$a" "${p}nosuch"
tap_check "a device named twice is refused" \
	fails_with "named twice" \
	"$MCTECTL" topo set cpu:0 preferred "$a" fallback "$a"
tap_check "a location that is not cpu:N of a possible node is refused" \
	fails_with "location must be cpu:N" \
	"$MCTECTL" topo set cpu:100000 preferred "$a"
tap_check "refused requests left the entry alone" \
	entry_is cpu:0 false "[\"$a\"]" "[\"$b\"]"

tap_check "without CAP_NET_ADMIN: refused, and says why" \
	fails_with "needs CAP_NET_ADMIN" setpriv --inh-caps=-net_admin \
	--bounding-set=-net_admin "$MCTECTL" topo set cpu:0 auto

tap_check "topo set cpu:0 auto makes it automatic again" back_to_auto

# --- cuda:N

# NVIDIA GPUs here: vendor 0x10de, class VGA or 3D controller.
nr_gpus()
{
	local d n=0

	for d in /sys/bus/pci/devices/*; do
		[ "$(cat "$d/vendor")" = 0x10de ] || continue
		case $(cat "$d/class") in
		0x0300??|0x0302??) n=$((n + 1)) ;;
		esac
	done
	echo "$n"
}

auto_cuda_rows()
{
	topo_json && jq -e --argjson n "$(nr_gpus)" \
		'[.[] | select((.location | startswith("cuda:")) and .auto)] |
		length == $n' "$tmp/topo.json" > /dev/null
}

tap_check "one automatic cuda:N row per NVIDIA GPU ($(nr_gpus) here)" auto_cuda_rows
tap_check "topo set cuda:3 preferred A fallback B (no such GPU)" \
	"$MCTECTL" topo set cuda:3 preferred "$a" fallback "$b"
tap_check "cuda:3 reads back as set, cpu:0 untouched" \
	eval 'entry_is cuda:3 false "[\"$a\"]" "[\"$b\"]" && both_auto'
tap_check "a set entry has no reasons" \
	jq -e '.[] | select(.location == "cuda:3") | .reasons == {}' \
	"$tmp/topo.json"
tap_check "cuda:64 is refused" \
	fails_with "or cuda:N for N below 64" \
	"$MCTECTL" topo set cuda:64 preferred "$a"
"$MCTECTL" topo set cuda:3 auto && topo_json &&
	jq -e '[.[] | select(.location == "cuda:3")] | length == 0' \
		"$tmp/topo.json" > /dev/null
tap_check "cuda:3 auto: an absent GPU's entry is no longer listed" test $? -eq 0
tap_check "topo show of an unknown location fails" \
	fails_with "location cpu:100000 not found" "$MCTECTL" topo show cpu:100000

# --- listeners: what mctectl refuses itself

tap_check "listen add of a bad address is refused" \
	fails_with 'invalid address "300\.1\.1\.1"' "$MCTECTL" listen add 300.1.1.1
tap_check "listen add with port 0 is refused" \
	fails_with 'invalid port "0".*1 to 65535' "$MCTECTL" listen add 127.0.0.1:0
tap_check "listen add with port 70000 is refused" \
	fails_with 'invalid port "70000".*1 to 65535' "$MCTECTL" listen add 127.0.0.1:70000

# --- listeners of the RDMA transport

tap_check "listen add on ${p}va's address" wait_for 30 listen_add
[ -s "$tmp/err" ] && tap_diag "listen add: $(cat "$tmp/err")"
"$MCTECTL" -j listen show > "$tmp/listen.json"
tap_check "listen show: the address, port and $a" jq -e \
	--arg addr "$laddr" --argjson port "$lport" --arg dev "$a" \
	'[.[] | select(.addr == $addr and .port == $port and .dev == $dev)] | length == 1' \
	"$tmp/listen.json"
tap_check "listen add of the same address and port is refused" \
	fails_with "listen add $laddr:$lport: .*already listening" \
	"$MCTECTL" listen add "$laddr:$lport"
"$MCTECTL" listen del "$laddr:$lport" &&
	"$MCTECTL" -j listen show > "$tmp/listen.json" &&
	jq -e --arg addr "$laddr" '[.[] | select(.addr == $addr)] | length == 0' \
		"$tmp/listen.json" > /dev/null
tap_check "listen del, and it is gone" test $? -eq 0
tap_check "listen del again is refused" \
	fails_with "not listening" "$MCTECTL" listen del "$laddr:$lport"

tap_finish
