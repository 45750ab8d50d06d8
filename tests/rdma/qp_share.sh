#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# One connection mesh per node, shared by its processes: a second process
# opening the same peer segment adds no RC QP. The module's QPs are the
# kernel-owned RC QPs on the rxe devices (`rdma resource show qp` gives
# user QPs a pid, kernel QPs only the creating module's name); where path
# show reports a path's QP number, each path's QP must be among them.

. "$(dirname "$0")/lib.sh"

trap rdma_cleanup EXIT
rdma_require
tap_plan 9

seg=qs.$$

qps_json()
{
	module_rc_qps_json p1rxe_ > "$1"
}

# The count once it stays the same for a second.
stable_qps()
{
	local a b

	a=$(module_rc_qps p1rxe_)
	sleep 1
	b=$(module_rc_qps p1rxe_)
	[ -n "$a" ] && [ "$a" = "$b" ] && echo "$a"
}

qps_diag()
{
	jq -r '.[] | "qp \(.ifname) lqpn \(.lqpn) rqpn \(.rqpn // "-") \(.state) comm \(.comm // "-")"' \
		"$1" 2>/dev/null | sed 's/^/# /' >&2
}

# Each path's QP number (when path show has one) is a counted QP.
paths_qps_counted()
{
	jq -e -n --slurpfile p "$1" --slurpfile q "$2" '
		[$q[0][].lqpn] as $l
		| all($p[0][] | select(has("qpn") and .qpn > 0); .qpn as $n | $l | index($n) != null)' \
		> /dev/null
}

rdma_pairs 1 9000
tap_check "rxe pair p1, MTU 9000" test $? -eq 0
tap_check "listener on $P1B" rdma_listen "$P1B"
rdma_start owner "$rdma_tmp/owner.out" "$RDMA_DIR/rseg" own "$seg:rw:1M:7"
tap_check "segment $seg registered" wait_for 30 grep -q '^ready' "$rdma_tmp/owner.out"
tap_check "no module RC QP before any remote open" test "$(module_rc_qps p1rxe_)" = 0

rdma_start one "$rdma_tmp/one.out" "$RDMA_DIR/rseg" hold "$P1B/$seg"
rdma_wait_opened "$one" "$rdma_tmp/one.out" 120 && wait_paths_up 60 p1rxe_a
tap_check "first process opened $P1B/$seg and read from it" test $? -eq 0
n1=$(stable_qps)
qps_json "$rdma_tmp/qps1.json"
qps_diag "$rdma_tmp/qps1.json"
path_json "$rdma_tmp/paths1.json"
paths_diag "$rdma_tmp/paths1.json"
tap_diag "module RC QPs with one process: ${n1:-?}"
first_counted()
{
	[ "${n1:-0}" -gt 0 ] && paths_qps_counted "$rdma_tmp/paths1.json" "$rdma_tmp/qps1.json"
}
tap_check "the module has RC QPs, and the paths' QPs are among them" first_counted

rdma_start two "$rdma_tmp/two.out" "$RDMA_DIR/rseg" hold "$P1B/$seg"
tap_check "second process opened $P1B/$seg and read from it" \
	rdma_wait_opened "$two" "$rdma_tmp/two.out" 120
n2=$(stable_qps)
qps_json "$rdma_tmp/qps2.json"
qps_diag "$rdma_tmp/qps2.json"
path_json "$rdma_tmp/paths2.json"
tap_diag "module RC QPs with two processes: ${n2:-?}"
tap_check "as many RC QPs with two processes as with one ($n1)" test "${n2:-x}" = "$n1"
tap_check "as many paths with two processes as with one" test \
	"$(jq length "$rdma_tmp/paths2.json")" = "$(jq length "$rdma_tmp/paths1.json")"
rdma_stop "$two"
rdma_stop "$one"
rdma_stop "$owner"
rdma_pids=()
tap_finish
