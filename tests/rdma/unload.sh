#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The module unloads cleanly whatever its connection mesh is doing: a peer
# idle (its let-go timer pending) with paths up and pinging, paths torn
# down by a device removal a moment before, and an active path that failed
# for good after its reconnects were refused. A timer or reference left
# behind shows up as the module's "paths or peers leaked" warning at
# unload, or as a workqueue warning when the timer fires after it: the
# kernel log from each unload to a little past the ping interval must be
# clean.

. "$(dirname "$0")/lib.sh"

trap rdma_cleanup EXIT
rdma_require
tap_plan 13

scan=$MCTE_TOP/scripts/vm/scan-log.sh
seg=ul.$$
NOPORT=7999	# no listener there: every connect is refused

# unload_clean: rmmod, then the kernel log of that and of the next two
# seconds (past the 1 s ping interval) has no splat.
unload_clean()
{
	local mark

	mark=$(dmesg | wc -l)
	rmmod mcte || { tap_diag "rmmod mcte failed"; return 1; }
	sleep 2
	dmesg | tail -n +$((mark + 1)) > "$rdma_tmp/unload.log"
	if ! "$scan" "$rdma_tmp/unload.log" >&2; then
		tap_diag "kernel log after the unload:"
		sed 's/^/# /' "$rdma_tmp/unload.log" >&2
		return 1
	fi
}

# serve_and_hold: listener on B, a segment there, a process on A holding
# it open after a read; paths up.
serve_and_hold()
{
	rdma_listen "$P1B" || return
	rdma_start owner "$rdma_tmp/owner.out" "$RDMA_DIR/rseg" own "$seg:rw:1M:7"
	wait_for 30 grep -q '^ready' "$rdma_tmp/owner.out" || return
	rdma_start holder "$rdma_tmp/holder.out" "$RDMA_DIR/rseg" hold "$P1B/$seg"
	rdma_wait_opened "$holder" "$rdma_tmp/holder.out" 120 && wait_paths_up 60 p1rxe_a
}

peer_count()
{
	"$MCTECTL" -j peer show | jq length
}

# No path left towards the refused port: it went dead and was unlisted.
no_path_to_noport()
{
	path_json "$rdma_tmp/paths.np" &&
		jq -e --argjson p "$NOPORT" '[.[] | select(.remote_port == $p)] | length == 0' \
			"$rdma_tmp/paths.np" > /dev/null
}

rdma_pairs 1 9000
tap_check "rxe pair p1" test $? -eq 0

# 1. Idle peer, paths up.
serve_and_hold
tap_check "a process on A opened $P1B/$seg, paths up" test $? -eq 0
rdma_stop "$holder"
rdma_stop "$owner"
rdma_pids=()
tap_check "the peer stays while idle" test "$(peer_count)" -ge 1
tap_check "unload with an idle peer and up paths leaves nothing behind" unload_clean

# 2. Paths torn down by a device removal just before the unload.
tap_check "module loaded again" mcte_load
serve_and_hold
tap_check "opened again, paths up" test $? -eq 0
kill -KILL "$holder" "$owner" 2>/dev/null
wait "$holder" "$owner" 2>/dev/null
rdma_pids=()
tap_check "rdma link delete p1rxe_b" rdma link delete p1rxe_b
tap_check "unload right after a device removal leaves nothing behind" unload_clean

# 3. An active path refused until it is dead.
tap_check "module loaded again" mcte_load
rxe_routed_del p1 && rdma_pairs 1 9000
tap_check "rxe pair p1 made again" test $? -eq 0
"$RDMA_DIR/rseg" hold "$P1B:$NOPORT/$seg" > "$rdma_tmp/refused.out" 2>&1
tap_check "opening a segment where nobody listens fails" test $? -ne 0
rdma_show "$rdma_tmp/refused.out"
# Eight refused reconnects with backoff up to 5 s: about 21 s.
tap_check "the refused path goes dead" wait_for 90 no_path_to_noport
tap_check "unload with a dead path and its idle peer leaves nothing behind" unload_clean

tap_finish
