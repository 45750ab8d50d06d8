#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# NICs by topology: two rxe pairs whose four addresses share one /24
# (p1: 10.77.0.1 -> 10.77.0.2, p2: 10.77.0.3 -> 10.77.0.4), a listener on
# each B end. The opener dials one path per (local NIC, remote NIC) pair,
# bound to the local NIC's address, never the pairs no route joins; then,
# with 16 MiB written and read back, byte for byte, in each phase:
#  1. the matrix prefers p1rxe_a: its counters (mctectl dev show) carry
#     the bytes, p2rxe_a's about none;
#  2. it prefers p2rxe_a: the other way round;
#  3. it names only p1rxe_b, which has no path to the peer: every request
#     fails at once with ENETUNREACH, long before its deadline;
#  4. it prefers p1rxe_a with p2rxe_a as fallback, and p1a's link is
#     down: the bytes go over p2rxe_a, verified.

. "$(dirname "$0")/lib.sh"

trap rdma_cleanup EXIT
rdma_require
tap_plan 14

# One subnet: the B ends' addresses differ in the last byte only.
T1A=10.77.0.1
T1B=10.77.0.2
T2A=10.77.0.3
T2B=10.77.0.4

# The sum of a device's written and read bytes (mctectl -j dev show).
dev_bytes()
{
	"$MCTECTL" -j dev show |
		jq -e --arg d "$1" '.[] | select(.name == $d) | .bytes_written + .bytes_read'
}

# run_load NAME PEER ARGS...: remote_load of 16 MiB, 1 MiB requests,
# one write round and one read round; its exit status.
run_load()
{
	local name=$1 peer=$2 pid

	shift 2
	MCTE_RDMA_PEER=$peer rdma_start pid "$rdma_tmp/$name.out" \
		"$RDMA_DIR/remote_load" -s 16M -r 1M -b 16 -n 2 "$@"
	rdma_wait_exit "$pid" 240
}

# phase NAME PREFERRED OTHER: the load over PREFERRED's pair; the bytes
# each NIC moved meanwhile, in MiB, into $got and $other.
phase()
{
	local b1 b2 rc

	b1=$(dev_bytes "$2") && b2=$(dev_bytes "$3") || return
	run_load "$1" "$T1B"
	rc=$?
	rdma_show "$rdma_tmp/$1.out"
	got=$(( $(dev_bytes "$2") - b1 ))
	other=$(( $(dev_bytes "$3") - b2 ))
	moved=$(progress "$rdma_tmp/$1.out" bytes)
	tap_diag "$1: remote_load moved ${moved:-?} bytes: $2 $got, $3 $other"
	return $rc
}

# The NIC the matrix prefers carried every byte remote_load moved; the
# other about none (1%).
followed()
{
	[ -n "$moved" ] && [ "$moved" -gt 0 ] && [ "$got" -ge "$moved" ] &&
		[ "$other" -le $((moved / 100)) ]
}

rxe_routed_add p1 "$T1A" "$T1B" 9000 && rxe_routed_add p2 "$T2A" "$T2B" 9000 &&
	wait_for 30 rdma_ports_active
tap_check "two rxe pairs on one /24, MTU 9000" test $? -eq 0
tap_check "listeners on $T1B and $T2B" rdma_listen "$T1B" "$T2B"
tap_check "topo set cpu:0 preferred p1rxe_a fallback p2rxe_a" \
	"$MCTECTL" topo set cpu:0 preferred p1rxe_a fallback p2rxe_a

# The first load opens the peer; its paths to both B ends come up.
MCTE_RDMA_PEER=$T1B rdma_start warm "$rdma_tmp/warm.out" "$RDMA_DIR/remote_load" \
	-s 1M -r 64K -b 4 -n 2 -w "$rdma_tmp/go"
rdma_wait_opened "$warm" "$rdma_tmp/warm.out" 120 && wait_paths_up 60 p1rxe_a p2rxe_a
tap_check "a path up from each A end" test $? -eq 0
touch "$rdma_tmp/go"
rdma_wait_exit "$warm" 120 > /dev/null

path_json "$rdma_tmp/paths.json"
paths_diag "$rdma_tmp/paths.json"
tap_check "path show: one active path per pair, bound to the local NIC's address" jq -e '
	[.[] | select(.active)] as $a
	| ($a | length) == 2
	  and ([$a[] | select(.local_dev == "p1rxe_a" and .local_addr == "10.77.0.1"
		and .remote_dev == "p1rxe_b" and .remote_addr == "10.77.0.2")] | length) == 1
	  and ([$a[] | select(.local_dev == "p2rxe_a" and .local_addr == "10.77.0.3"
		and .remote_dev == "p2rxe_b" and .remote_addr == "10.77.0.4")] | length) == 1' \
	"$rdma_tmp/paths.json"

# 1 and 2: what each NIC moved while the matrix preferred one.
phase pref1 p1rxe_a p2rxe_a
tap_check "preferring p1rxe_a: 16 MiB written and read back, verified" test $? -eq 0
tap_check "p1rxe_a's counters carry the bytes, p2rxe_a's about none" followed

"$MCTECTL" topo set cpu:0 preferred p2rxe_a fallback p1rxe_a
phase pref2 p2rxe_a p1rxe_a
tap_check "preferring p2rxe_a: 16 MiB written and read back, verified" test $? -eq 0
tap_check "p2rxe_a's counters carry the bytes, p1rxe_a's about none" followed

# 3. A matrix whose one NIC has no path to the peer (p1rxe_b dials
# nothing: its only route is to its own pair's other end).
"$MCTECTL" topo set cpu:0 preferred p1rxe_b
start=$(date +%s%N)
run_load none "$T1B" -T 30000
rc=$?
ms=$(( ($(date +%s%N) - start) / 1000000 ))
rdma_show "$rdma_tmp/none.out"
tap_diag "no usable NIC: remote_load exit $rc after $ms ms"
tap_check "no usable NIC: every request FAILED with ENETUNREACH" \
	grep -Eq '^summary .* requests=32 completed=0 failed=32 ' "$rdma_tmp/none.out"
tap_check "errno ENETUNREACH, nothing else" grep -Eq '^errnos ENETUNREACH:32$' "$rdma_tmp/none.out"
tap_check "failed at once: under 10 s with a 30 s deadline" test "$ms" -lt 10000

# 4. The preferred NIC's link goes down: its fallback carries the bytes.
"$MCTECTL" topo set cpu:0 preferred p1rxe_a fallback p2rxe_a
ip link set p1a down
p1_down()
{
	path_json "$rdma_tmp/down.json" &&
		jq -e '[.[] | select(.local_dev == "p1rxe_a" and (.state | ascii_downcase) == "up")] | length == 0' \
			"$rdma_tmp/down.json" > /dev/null
}
tap_check "p1a down: no path up on p1rxe_a" wait_for 60 p1_down
b1=$(dev_bytes p2rxe_a)
b2=$(dev_bytes p1rxe_a)
# Opened through the B end that is still reachable.
run_load down "$T2B"
rc=$?
rdma_show "$rdma_tmp/down.out"
got=$(( $(dev_bytes p2rxe_a) - b1 ))
other=$(( $(dev_bytes p1rxe_a) - b2 ))
moved=$(progress "$rdma_tmp/down.out" bytes)
tap_diag "p1a down: remote_load moved ${moved:-?} bytes: p2rxe_a $got, p1rxe_a $other"
tap_check "preferred NIC down: 16 MiB over the fallback p2rxe_a, verified, none on p1rxe_a" \
	test "$rc" -eq 0 -a "${moved:-0}" -gt 0 -a "$got" -ge "${moved:-1}" -a "$other" -eq 0
"$MCTECTL" topo set cpu:0 auto
tap_finish
