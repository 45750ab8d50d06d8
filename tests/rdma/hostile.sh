#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The hostile peer (hostile.c) against the engine's listener, twice: with
# no cluster key, when the peer is a program of this node that is not the
# engine, so that nothing may open for it; then with a cluster key that it
# is given, when opens get what the segments' modes allow and the RDMA
# checks of keys run. A legitimate client (remote_load, through the same
# listener) keeps moving checked data all along. Afterwards: the owner's
# segment holds its bytes, the hostile peer's paths, opens and MRs are
# gone, the owner's pinned pages are where they were; the runner adds the
# kernel log (and kmemleak's scan on the debug kernel) and the module's
# unload, whose slab caches report any object left.
#
# MCTE_HOSTILE_MESSAGES sets the garbage messages of the keyed run
# (100,000 by default; the keyless one sends a fifth of that).

. "$(dirname "$0")/lib.sh"

trap rdma_cleanup EXIT
rdma_require
tap_plan 18

SEED_RW=0x6057
SEED_RO=0x60de
N=${MCTE_HOSTILE_MESSAGES:-100000}

rdma_pairs 1 9000
tap_check "rxe pair p1" test $? -eq 0
tap_check "listener on $P1B" rdma_listen "$P1B"

mrs() { rdma resource show mr 2>/dev/null | grep -c .; }
opens() { "$MCTECTL" -j stat | jq .opens; }
vmpin() { awk '/^VmPin/ { print $2 }' "/proc/$1/status"; }
paths_passive() { "$MCTECTL" -j path show | jq '[.[] | select(.active | not)] | length'; }

refcnt0=$(cat /sys/module/mcte/refcnt)
rdma_start owner "$rdma_tmp/owner.out" "$RDMA_DIR/rseg" own -c hp_rw:$SEED_RW \
	hp_rw:rw:2M+4097+1M:$SEED_RW hp_ro:read:1M+3:$SEED_RO hp_none:none:64k:1
rdma_wait_opened "$owner" "$rdma_tmp/owner.out" 60
tap_check "the owner's segments: hp_rw (rw), hp_ro (read), hp_none (none)" test $? -eq 0

rdma_start legit "$rdma_tmp/legit.out" "$RDMA_DIR/remote_load" -s 8M -r 64K -b 8 \
	-p "$rdma_tmp/legit.progress"
rdma_wait_opened "$legit" "$rdma_tmp/legit.out" 120 &&
	wait_for 120 progress_at_least "$rdma_tmp/legit.progress" completed 16
tap_check "a legitimate client moving checked data through $P1B" test $? -eq 0

# Once the legitimate client's opens are made, nothing of the hostile
# peer's may stay behind.
mr0=$(mrs)
pin0=$(vmpin "$owner")
passive0=$(paths_passive)
opens0=$(opens)
tap_diag "baseline: $mr0 MRs, owner VmPin $pin0 kB, $passive0 passive paths, $opens0 opens held"

hostile_run()
{
	local tag=$1 c0 rc

	shift
	c0=$(progress "$rdma_tmp/legit.progress" completed)
	"$RDMA_DIR/hostile" -a "$P1B" -b "$P1A" -r hp_rw:$SEED_RW -o hp_ro:$SEED_RO \
		-z hp_none "$@" 2>&1 | sed 's/^/# /' >&2
	rc=${PIPESTATUS[0]}
	tap_check "hostile peer, $tag: every check passed" test "$rc" -eq 0
	tap_check "the legitimate client went on meanwhile" \
		progress_at_least "$rdma_tmp/legit.progress" completed $((c0 + 8))
}

# 1. No cluster key: a program of this node, not the engine. What does
# not depend on the key (connect requests, floods, keys' rights) runs in
# the second run only.
hostile_run "no key" -n $((N / 10))

# 2. With a cluster key the peer holds too. The legitimate client's path is
# the engine's own (self key): setting the key does not touch it.
key=$rdma_tmp/cluster.key
(umask 077; head -c 32 /dev/urandom | od -An -v -tx1 | tr -d ' \n' > "$key")
"$MCTECTL" auth set key-file "$key"
tap_check "cluster key set" test $? -eq 0
tap_check "listen show says peers must authenticate" \
	sh -c '"$0" -j listen show | jq -e "all(.auth)" > /dev/null' "$MCTECTL"
hostile_run "with the key" -k "$key" -n "$N"
"$MCTECTL" auth del
tap_check "cluster key cleared" sh -c '"$0" -j auth show | jq -e ".required | not" > /dev/null' "$MCTECTL"

opens_le() { [ "$(opens)" -le "$1" ]; }
tap_check "the opens the hostile peer made are all gone (stat: $opens0 left)" \
	wait_for 30 opens_le "$opens0"
rdma_stop "$legit"
rc=$?
rdma_show "$rdma_tmp/legit.out"
tap_check "the legitimate client: no wrong data, no unclean error" test "$rc" -eq 0

# What the hostile peer left: its passive paths, their opens' MRs.
passive_le() { [ "$(paths_passive)" -le "$1" ]; }
mrs_le() { [ "$(mrs)" -le "$1" ]; }
tap_check "the hostile peer's paths are gone" wait_for 30 passive_le "$passive0"
tap_check "its opens' MRs are gone (at most $mr0 left)" wait_for 30 mrs_le "$mr0"
tap_check "the owner's pinned pages did not move ($pin0 kB)" test "$(vmpin "$owner")" = "$pin0"
rdma_stop "$owner"
rc=$?
rdma_show "$rdma_tmp/owner.out"
tap_check "hp_rw holds the owner's bytes" test "$rc" -eq 0
rdma_pids=()
refcnt_is() { [ "$(cat /sys/module/mcte/refcnt)" = "$1" ]; }
tap_check "the module's references are back to $refcnt0" wait_for 10 refcnt_is "$refcnt0"
tap_finish
