#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Soft-RoCE devices coming and going are tracked by the module: two
# `rdma link add` show up in `mctectl -j dev show` with their ports and
# netdevs, and as two add events in `mctectl monitor`; their removal as
# two remove events.

. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/mcte.sh"

p=mdr_
tmp=$(mktemp -d)
mon=

cleanup()
{
	[ -n "$mon" ] && kill "$mon" 2>/dev/null
	rxe_pair_del "$p"
	rm -rf "$tmp"
}
trap cleanup EXIT

dev_json()
{
	"$MCTECTL" -j dev show > "$tmp/dev.json"
}

port_active()
{
	dev_json && jq -e --arg d "$1" \
		'.[] | select(.name == $d) | .ports[0].state == "ACTIVE"' \
		"$tmp/dev.json" > /dev/null
}

both_active()
{
	port_active "${p}rxe_a" && port_active "${p}rxe_b"
}

events()
{
	jq -s -c --arg e "$1" --arg pre "$p" \
		'[.[] | select(.event == $e) | .dev.name | select(startswith($pre))] | sort' \
		"$tmp/mon.json"
}

have_events()
{
	[ "$(events "$1")" = "$2" ]
}

tap_plan 12

"$MCTECTL" -j monitor > "$tmp/mon.json" 2> "$tmp/mon.err" &
mon=$!
tap_check "monitor subscribed" wait_for 30 proc_in_recv "$mon"

rxe_pair_add "$p"
tap_check "rdma link add of two rxe devices" test $? -eq 0
tap_check "both ports become ACTIVE" wait_for 30 both_active

dev_json
tap_check "dev show lists ${p}rxe_a on ${p}va" jq -e --arg d "${p}rxe_a" --arg n "${p}va" \
	'[.[] | select(.name == $d and .num_ports == 1 and .ports[0].netdev == $n and .ports[0].link_layer == "Ethernet")] | length == 1' \
	"$tmp/dev.json"
tap_check "dev show lists ${p}rxe_b on ${p}vb" jq -e --arg d "${p}rxe_b" --arg n "${p}vb" \
	'[.[] | select(.name == $d and .ports[0].netdev == $n and .ports[0].ifindex > 0)] | length == 1' \
	"$tmp/dev.json"
tap_check "ifindex matches the netdev" jq -e --arg d "${p}rxe_a" \
	--argjson i "$(cat /sys/class/net/${p}va/ifindex)" \
	'.[] | select(.name == $d) | .ports[0].ifindex == $i' "$tmp/dev.json"

"$MCTECTL" dev show "${p}rxe_a" > "$tmp/one.txt"
tap_check "dev show DEV prints that device only" \
	sh -c "grep -q '${p}rxe_a' $tmp/one.txt && ! grep -q '${p}rxe_b' $tmp/one.txt"
"$MCTECTL" dev show "${p}nosuchdev" > /dev/null 2> "$tmp/err"
tap_check "dev show of an unknown device fails with a message" \
	sh -c "[ $? -eq 1 ] && grep -q 'not found' $tmp/err"

tap_check "two add events" wait_for 30 have_events "dev add" "[\"${p}rxe_a\",\"${p}rxe_b\"]"

rxe_pair_del "$p"
tap_check "two remove events" wait_for 30 have_events "dev del" "[\"${p}rxe_a\",\"${p}rxe_b\"]"
dev_json
tap_check "dev show no longer lists them" jq -e --arg pre "$p" \
	'[.[] | select(.name | startswith($pre))] | length == 0' "$tmp/dev.json"

kill -INT "$mon"
wait "$mon"
rc=$?
mon=
tap_check "monitor exits 0 on SIGINT" test "$rc" -eq 0
[ -s "$tmp/mon.err" ] && tap_diag "monitor stderr: $(cat "$tmp/mon.err")"
tap_finish
