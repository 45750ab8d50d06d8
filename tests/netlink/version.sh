#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# mctectl version over generic netlink agrees with the ioctl ABI probe and
# with the module's own metadata.

. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/mcte.sh"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

tap_plan 7
"$MCTECTL" -j version > "$tmp/v.json"
tap_check "mctectl -j version exits 0" test $? -eq 0
tap_check "output is one JSON object" jq -e 'type == "object"' "$tmp/v.json"
abi=$(sed -n 's/^#define MCTE_ABI_VERSION[[:space:]]*\([0-9]*\).*/\1/p' "$MCTE_TOP/uapi/linux/mcte.h")
tap_check "abi is MCTE_ABI_VERSION ($abi)" \
	jq -e --argjson a "$abi" '.abi == $a' "$tmp/v.json"
tap_check "module version is the module's" \
	jq -e --arg m "$(cat /sys/module/mcte/version)" '.module == $m' "$tmp/v.json"
tap_check "features include devices" \
	jq -e '.features | index("devices") != null' "$tmp/v.json"
"$MCTECTL" version > "$tmp/v.txt"
tap_check "text output names the module version" \
	grep -qF "$(cat /sys/module/mcte/version)" "$tmp/v.txt"
tap_check "genl lists the family with its events group" \
	sh -c 'genl ctrl get name mcte | grep -q events'
tap_finish
