#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Runs inside the demo guest: load mcte, bring up two soft-RoCE "NICs" on
# a veth pair, show what mctectl reports while they come and go, then move
# KVCache-sized blocks between two processes through a shared segment, on
# this node and then across soft-RoCE as a peer engine would.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/tests/lib/mcte.sh"
. "$top/tests/lib/rxe.sh"

step()
{
	printf '\n\033[1m$ %s\033[0m\n' "$*"
	"$@"
}

export PATH=$top/mctectl:$PATH
MCTECTL=mctectl
mcte_load
"$MCTECTL" monitor > /tmp/demo-monitor.txt &
mon=$!
wait_for 30 proc_in_recv "$mon"

step "$MCTECTL" version
echo
echo "# two soft-RoCE devices on a veth pair: demo_va <-> demo_vb"
rxe_pair_add demo_
wait_for 30 sh -c "rdma link show | grep -c 'state ACTIVE' | grep -q 2"
step "$MCTECTL" dev show
step "$MCTECTL" -j -p dev show
step "$MCTECTL" dev show demo_rxe_a
rxe_pair_del demo_

echo
echo "# a KVCache pool process exposes 64 MiB as segment 'kvcache-pool';"
echo "# a second process writes and reads 1 MiB blocks in batches of 128"
"$top/bench/mcte-bench" --serve kvcache-pool --buffer-size 64M > /dev/null &
pool=$!
wait_for 30 sh -c "mctectl segment show kvcache-pool > /dev/null 2>&1"
step mctectl segment show
step "$top/bench/mcte-bench" --segment kvcache-pool --operation write,read \
	--block-size 1M --batch-size 128 --duration 2 --verify
step mctectl stat

echo
echo "# the same pool seen from another node: two soft-RoCE nodes on a veth"
echo "# pair (10.77.0.1 <-> 10.77.0.2), an mcte listener on the pool's side;"
echo "# the client opens '10.77.0.2:7471/kvcache-pool' and every block"
echo "# crosses the link as RDMA WRITEs and READs"
rxe_routed_add demo_ 10.77.0.1 10.77.0.2 9000
wait_for 30 sh -c "rdma link show | grep -c 'state ACTIVE' | grep -q 2"
echo "# peers must prove a cluster key (the engine reaching its own"
echo "# listener proves a key of its own, which never leaves the kernel)"
(umask 077; head -c 32 /dev/urandom | od -An -v -tx1 | tr -d ' \n' > /tmp/demo-cluster.key)
step mctectl auth set key-file /tmp/demo-cluster.key
step mctectl listen add 10.77.0.2:7471
step mctectl listen show
step mctectl policy show
step mctectl topo show
step "$top/bench/mcte-bench" --segment 10.77.0.2:7471/kvcache-pool \
	--operation write,read --block-size 1M --batch-size 128 --duration 3 \
	--verify
step mctectl peer show
step mctectl path show
step mctectl stat
kill -TERM "$pool"
wait "$pool" || true
rxe_routed_del demo_
sleep 0.5
kill -INT "$mon"
wait "$mon" || true
echo
echo "# what 'mctectl monitor' saw meanwhile:"
cat /tmp/demo-monitor.txt
mcte_unload
