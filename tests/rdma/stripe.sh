#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Striping: the peer has listeners on two addresses (two rxe pairs) and
# advertises both in the handshake; the client opens a path to each. A
# 64 MiB WRITE and a 64 MiB READ in 1 MiB requests, 64 to a batch, come
# back byte for byte, and both paths carried part of them.

. "$(dirname "$0")/lib.sh"

trap rdma_cleanup EXIT
rdma_require
tap_plan 6

rdma_pairs 2 9000
tap_check "two rxe pairs, MTU 9000" test $? -eq 0
tap_check "listeners on $P1B and $P2B" rdma_listen "$P1B" "$P2B"

rdma_start load "$rdma_tmp/load.out" "$RDMA_DIR/remote_load" -s 64M -r 1M -b 64 -n 2 \
	-w "$rdma_tmp/go" -p "$rdma_tmp/progress"
tap_check "remote segment opened through $P1B" rdma_wait_opened "$load" "$rdma_tmp/load.out" 120
tap_check "a path up from each pair's A end" wait_paths_up 60 p1rxe_a p2rxe_a
touch "$rdma_tmp/go"
wait "$load"
rc=$?
rdma_show "$rdma_tmp/load.out" "$rdma_tmp/load.out.err"
tap_check "64 MiB written and read back, 1 MiB requests in batches of 64, verified" test "$rc" -eq 0

path_json "$rdma_tmp/paths.json"
paths_diag "$rdma_tmp/paths.json"
tap_check "the paths of both pairs carried bytes" jq -e '
	[.[] | select((.state | ascii_downcase) == "up" and (.local_dev == "p1rxe_a" or .local_dev == "p2rxe_a"))] as $a
	| ($a | length) >= 2
	  and ([$a[] | select(.local_dev == "p1rxe_a" and .bytes > 0)] | length) >= 1
	  and ([$a[] | select(.local_dev == "p2rxe_a" and .bytes > 0)] | length) >= 1
	  and all($a[]; .bytes > 0)' "$rdma_tmp/paths.json"
tap_finish
