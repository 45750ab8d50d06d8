#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# mctectl's view of the engine: `stat` counters move exactly as a known
# workload says (xfer_load), and `segment show` describes a segment held by
# another process (seg_holder) as it was registered, until it goes away.

. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/mcte.sh"

here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
holders=()
cleanup()
{
	local p

	for p in "${holders[@]}"; do
		kill "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	rm -rf "$tmp"
}
trap cleanup EXIT

stat_keys='["req_submitted","req_completed","req_failed","req_timeout","req_canceled","bytes_read","bytes_written","slices","segments","batches"]'

stat_json()
{
	"$MCTECTL" -j stat > "$1"
}

# deltas_are BEFORE AFTER EXPECTED: every key of EXPECTED moved by its value.
deltas_are()
{
	jq -e -n --slurpfile a "$1" --slurpfile b "$2" --slurpfile e "$3" '
		[$e[0] | to_entries[] | select($b[0][.key] - $a[0][.key] != .value)]
		| length == 0' > /dev/null && return 0
	tap_diag "expected deltas: $(cat "$3")"
	tap_diag "actual deltas:   $(jq -c -n --slurpfile a "$1" --slurpfile b "$2" \
		'$b[0] | with_entries(.value -= $a[0][.key])')"
	return 1
}

# start_holder OUTVAR ARGS...: run seg_holder, wait for it to be ready.
start_holder()
{
	local _var=$1 _out=$tmp/holder.${#holders[@]} _pid _line

	shift
	"$here/seg_holder" "$@" > "$_out" &
	_pid=$!
	holders+=("$_pid")
	wait_for 30 grep -q '^ready' "$_out" || return 1
	_line=$(cat "$_out")
	[ "${_line#ready }" = "$_pid" ] || return 1
	printf -v "$_var" '%s' "$_pid"
}

# stop_holders: SIGTERM to every holder; all must exit 0.
stop_holders()
{
	local p ret=0

	for p in "${holders[@]}"; do
		kill "$p" || ret=1
	done
	for p in "${holders[@]}"; do
		wait "$p" || ret=1
	done
	holders=()
	return $ret
}

if ! "$MCTECTL" -j stat > "$tmp/probe.json" 2> "$tmp/probe.err"; then
	tap_skip_all "mctectl stat: $(cat "$tmp/probe.err")"
fi

tap_plan 22

stat_json "$tmp/s0.json"
tap_check "stat is one JSON object with every counter" \
	jq -e --argjson k "$stat_keys" \
	'type == "object" and (. as $o | all($k[]; ($o[.] | type) == "number"))' \
	"$tmp/s0.json"
tap_check "no segment and no batch before the workload" \
	jq -e '.segments == 0 and .batches == 0' "$tmp/s0.json"

# A workload that completes.
"$here/xfer_load" ok > "$tmp/e1.json"
tap_check "xfer_load ok runs" test $? -eq 0
stat_json "$tmp/s1.json"
tap_check "counters moved by the completed workload" \
	deltas_are "$tmp/s0.json" "$tmp/s1.json" "$tmp/e1.json"
tap_check "its segments and batch went with it" \
	jq -e '.segments == 0 and .batches == 0' "$tmp/s1.json"

# A workload that times out and is canceled.
"$here/xfer_load" slow > "$tmp/e2.json"
tap_check "xfer_load slow runs" test $? -eq 0
stat_json "$tmp/s2.json"
tap_check "counters moved by the timed-out and canceled requests" \
	deltas_are "$tmp/s1.json" "$tmp/s2.json" "$tmp/e2.json"

# A segment of another process, three buffers, two batches.
name=stat.$$.rw
tap_check "seg_holder registers $name" \
	start_holder pid "$name" rw 4096,1,100000 2
"$MCTECTL" -j segment show > "$tmp/segs.json"
tap_check "segment show is a JSON array" jq -e 'type == "array"' "$tmp/segs.json"
seg=$(jq -c --arg n "$name" '[.[] | select(.name == $n)]' "$tmp/segs.json")
tap_check "segment show lists $name once" \
	jq -e -n --argjson s "$seg" '$s | length == 1'
tap_check "owner is the holder: pid $pid, uid 0" \
	jq -e -n --argjson s "$seg" --argjson p "$pid" \
	'$s[0].owner_pid == $p and $s[0].owner_uid == 0'
tap_check "kind host, access rw" \
	jq -e -n --argjson s "$seg" '$s[0].kind == "host" and $s[0].access == "rw"'
tap_check "3 buffers of 4096, 1, 100000: 104097 bytes" \
	jq -e -n --argjson s "$seg" '$s[0].nr_bufs == 3 and $s[0].size == 104097 and
		([$s[0].bufs[].len] == [4096, 1, 100000])'
tap_check "nothing in flight" jq -e -n --argjson s "$seg" '$s[0].inflight == 0'
"$MCTECTL" -j segment show "$name" > "$tmp/one.json"
tap_check "segment show NAME gives the same" \
	jq -e --argjson s "$seg" '. == $s' "$tmp/one.json"
stat_json "$tmp/s3.json"
tap_check "stat counts its segment and batches" \
	jq -e '.segments == 1 and .batches == 2' "$tmp/s3.json"

# Another user's read-only segment.
name2=stat.$$.ro
tap_check "seg_holder registers $name2 as user 65534" \
	start_holder pid2 -u 65534 "$name2" read 8192
"$MCTECTL" -j segment show "$name2" > "$tmp/two.json"
tap_check "its owner is uid 65534, pid $pid2, access read" \
	jq -e --argjson p "$pid2" \
	'.[0].owner_uid == 65534 and .[0].owner_pid == $p and .[0].access == "read" and .[0].size == 8192' \
	"$tmp/two.json"

# Gone with their owners.
tap_check "holders exit on SIGTERM" stop_holders
"$MCTECTL" -j segment show > "$tmp/segs2.json"
tap_check "segment show no longer lists them" \
	jq -e --arg a "$name" --arg b "$name2" \
	'all(.[]; .name != $a and .name != $b)' "$tmp/segs2.json"
tap_check "segment show NAME of a gone segment fails" \
	sh -c "! '$MCTECTL' segment show '$name' 2>/dev/null"
stat_json "$tmp/s4.json"
tap_check "stat: no segment, no batch" \
	jq -e '.segments == 0 and .batches == 0' "$tmp/s4.json"
tap_finish
