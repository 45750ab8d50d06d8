#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Faults under load, two paths (rxe pairs p1 and p2) to the peer. While
# remote_load keeps writing and reading back with every byte checked:
#  1. the link of p1's A end goes down: transfers go on over p2, path
#     show reflects the failure; the link comes back;
#  2. p1's rxe device on the A end is deleted: transfers go on over p2,
#     no path is left up on it;
#  every request ends COMPLETED with the right bytes or FAILED/TIMEOUT
#  with a clean errno, never with wrong data;
#  3. with two more loads running, every listener is deleted, then one
#     load unregisters its target segment while a batch is in flight
#     (what follows must fail with -ENODEV) and the other closes its
#     handle to the peer and its local segment while a batch is in flight:
#     both end cleanly.
# The runner fails the test on any kernel splat, and when the module
# cannot be unloaded afterwards.

. "$(dirname "$0")/lib.sh"

trap rdma_cleanup EXIT
rdma_require
tap_plan 18

# The module's own idea of a request's life is longer than ours here: a
# fault must be handled within these bounds.
GROW=${FAULTS_GROW:-64}		# requests that must complete after a fault
GROW_S=${FAULTS_GROW_S:-240}

rdma_pairs 2 9000
tap_check "two rxe pairs, MTU 9000" test $? -eq 0
tap_check "listeners on $P1B and $P2B" rdma_listen "$P1B" "$P2B"

out=$rdma_tmp/load1
rdma_start load1 "$out.out" "$RDMA_DIR/remote_load" -s 32M -r 256K -b 16 \
	-w "$rdma_tmp/go1" -p "$out.progress"
rdma_wait_opened "$load1" "$out.out" 120 && wait_paths_up 60 p1rxe_a p2rxe_a
tap_check "load running over two paths" test $? -eq 0
touch "$rdma_tmp/go1"
tap_check "transfers complete" wait_for 120 progress_at_least "$out.progress" completed 32

# 1. link down on p1's A end.
c0=$(progress "$out.progress" completed)
ip link set p1a down
tap_check "ip link set p1a down under load" test $? -eq 0
tap_check "transfers go on after the link went down" \
	wait_for "$GROW_S" progress_at_least "$out.progress" completed $((c0 + GROW))

# The failed path is not up, and its failure shows in the counters.
p1_failed()
{
	path_json "$rdma_tmp/down.json" && jq -e '
		([.[] | select(.local_dev == "p1rxe_a" and (.state | ascii_downcase) == "up")] | length) == 0
		and ([.[] | .errors + .retries + .reconnects] | add // 0) > 0' \
		"$rdma_tmp/down.json" > /dev/null
}
tap_check "path show: no path up on p1rxe_a, errors/retries counted" wait_for 60 p1_failed
paths_diag "$rdma_tmp/down.json"
rxe_routed_link_up p1
tap_check "p1a back up" test $? -eq 0
if wait_paths_up 60 p1rxe_a; then
	tap_diag "the path on p1rxe_a reconnected"
else
	tap_diag "the path on p1rxe_a did not come back up within 60 s"
fi

# 2. the rxe device of p1's A end goes away.
c1=$(progress "$out.progress" completed)
rdma link delete p1rxe_a
tap_check "rdma link delete p1rxe_a under load" test $? -eq 0
tap_check "transfers go on after the device went away" \
	wait_for "$GROW_S" progress_at_least "$out.progress" completed $((c1 + GROW))
path_json "$rdma_tmp/gone.json"
paths_diag "$rdma_tmp/gone.json"
tap_check "path show: none up on p1rxe_a, one up on p2rxe_a" jq -e '
	([.[] | select(.local_dev == "p1rxe_a" and (.state | ascii_downcase) == "up")] | length) == 0
	and ([.[] | select(.local_dev == "p2rxe_a" and (.state | ascii_downcase) == "up")] | length) > 0' \
	"$rdma_tmp/gone.json"

rdma_stop "$load1"
rc=$?
rdma_show "$out.out" "$out.out.err"
tap_check "no wrong data; every failed request a clean errno" test "$rc" -eq 0

# 3. listeners deleted, segments closed while transfers wait. p1's B
# address has no device on the A side any more: go through p2.
export MCTE_RDMA_PEER=$P2B
rdma_start load2 "$rdma_tmp/load2.out" "$RDMA_DIR/remote_load" -s 8M -r 512K -b 8 \
	-u -p "$rdma_tmp/load2.progress"
rdma_start load3 "$rdma_tmp/load3.out" "$RDMA_DIR/remote_load" -s 8M -r 512K -b 8 \
	-c -p "$rdma_tmp/load3.progress"
rdma_wait_opened "$load2" "$rdma_tmp/load2.out" 120 &&
	rdma_wait_opened "$load3" "$rdma_tmp/load3.out" 120 &&
	wait_for 120 progress_at_least "$rdma_tmp/load2.progress" completed 8 &&
	wait_for 120 progress_at_least "$rdma_tmp/load3.progress" completed 8
tap_check "two more loads running through $P2B" test $? -eq 0

"$MCTECTL" listen del "$P1B" && "$MCTECTL" listen del "$P2B" &&
	"$MCTECTL" -j listen show > "$rdma_tmp/listen.json" &&
	jq -e 'length == 0' "$rdma_tmp/listen.json" > /dev/null
tap_check "listen del of every listener under load" test $? -eq 0
r2=$(progress "$rdma_tmp/load2.progress" rounds)
r3=$(progress "$rdma_tmp/load3.progress" rounds)
wait_for 120 progress_at_least "$rdma_tmp/load2.progress" rounds $((r2 + 2)) &&
	wait_for 120 progress_at_least "$rdma_tmp/load3.progress" rounds $((r3 + 2))
tap_check "the loads' batches still end" test $? -eq 0

kill -USR1 "$load2"
wait "$load2"
rc=$?
rdma_show "$rdma_tmp/load2.out" "$rdma_tmp/load2.out.err"
tap_check "target unregistered while a batch waits: clean end, then -ENODEV" test "$rc" -eq 0
kill -USR2 "$load3"
wait "$load3"
rc=$?
rdma_show "$rdma_tmp/load3.out" "$rdma_tmp/load3.out.err"
tap_check "remote handle and local segment closed while a batch waits: clean end" test "$rc" -eq 0
rdma_pids=()

path_json "$rdma_tmp/end.json" && paths_diag "$rdma_tmp/end.json"
tap_check "path show and peer show still answer" \
	sh -c '"$0" -j path show > /dev/null && "$0" -j peer show > /dev/null' "$MCTECTL"
tap_finish
