#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# No kernel address reaches user space. With a segment open locally and
# through the peer, data moved both ways and paths up:
#  1. every ioctl output and io_uring completion of such a session (kptr);
#  2. everything netlink reports: version, devices, segments, counters,
#     listeners, peers, paths, the priority matrix, auth, policy (the
#     numbers and strings of mctectl -j);
#  3. mcte's debugfs files;
#  4. the kernel log lines mcte printed at the default level;
# hold nothing that looks like a kernel address (x86-64: the top 17 bits
# set). The keys handed to peers on the wire are checked by hostile.sh.

. "$(dirname "$0")/lib.sh"

trap rdma_cleanup EXIT
rdma_require
tap_plan 6

# A 64-bit kernel address in hex or decimal: ffff8... to ffffff...
KADDR='(\b|0x)ffff[89a-f][0-9a-f]{11}\b|\b1844(66|67)[0-9]{14}\b'

rdma_pairs 1 9000
tap_check "rxe pair p1" test $? -eq 0
tap_check "listener on $P1B" rdma_listen "$P1B"
mark=$(dmesg | wc -l)

"$RDMA_DIR/kptr" kp.$$ > "$rdma_tmp/kptr.out" 2>&1
rc=$?
sed 's/^/# /' "$rdma_tmp/kptr.out" >&2
tap_check "ioctl outputs and io_uring completions: no kernel address" test "$rc" -eq 0

rdma_start hold "$rdma_tmp/own.out" "$RDMA_DIR/rseg" own kp2:read:64k:1
rdma_wait_opened "$hold" "$rdma_tmp/own.out" 30
rdma_start hold2 "$rdma_tmp/hold.out" "$RDMA_DIR/rseg" hold "$P1B/kp2"
rdma_wait_opened "$hold2" "$rdma_tmp/hold.out" 60
: > "$rdma_tmp/nl"
for o in version "dev show" "segment show" stat "listen show" "peer show" \
	 "path show" "topo show" "auth show" "policy show"; do
	# Engine ids are random 64-bit numbers: one may look like anything.
	# shellcheck disable=SC2086 # the object and its command
	"$MCTECTL" -j $o | jq -c 'walk(if type == "object" then del(.id, .peer_id) else . end)' \
		>> "$rdma_tmp/nl" || tap_diag "mctectl -j $o failed"
	echo >> "$rdma_tmp/nl"
done
tap_diag "$(wc -c < "$rdma_tmp/nl") bytes of netlink replies"
tap_check "netlink replies hold segments, peers and paths" \
	sh -c 'grep -q kp2 "$0" && grep -q remote_addr "$0"' "$rdma_tmp/nl"
tap_check "netlink replies: no kernel address" sh -c '! grep -Eq "$0" "$1"' "$KADDR" "$rdma_tmp/nl"
grep -Eo "$KADDR" "$rdma_tmp/nl" | head -n 3 | sed 's/^/# found: /' >&2

{
	cat /sys/kernel/debug/mcte/* 2>/dev/null
	dmesg | tail -n +$((mark + 1)) | grep 'mcte'
} > "$rdma_tmp/other"
tap_check "debugfs and mcte's log lines: no kernel address" sh -c '! grep -Eq "$0" "$1"' "$KADDR" "$rdma_tmp/other"
tap_finish
