#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The local rules hold through every name. Root registers a read-write
# segment and a read-only one; the engine listens on both pairs' B
# addresses (port 7471) and on the wildcard (port 7472), so that every
# address of the node reaches it somewhere. Then:
#  1. another user (uid 65534) opens each segment by its local name and
#     through every address and port the engine takes: every open is
#     refused EACCES with libmcte's message for it, a WRITE through none
#     of them lands, and the owner's side counted every refusal;
#  2. names of this node where nothing listens are refused at once with
#     ECONNREFUSED, saying why, and make the engine dial nothing;
#  3. root, the owner, opens the same names: reads the bytes through
#     each, is refused read-write on the read-only segment through each.
# The owner checks at the end that its read-write segment still holds its
# pattern.

. "$(dirname "$0")/lib.sh"

trap rdma_cleanup EXIT
rdma_require
tap_plan 14

SEED_RW=0x7157
SEED_RO=0x40de
WPORT=7472
NOBODY=(setpriv --reuid=65534 --regid=65534 --clear-groups)

rdma_pairs 2 9000
tap_check "two rxe pairs" test $? -eq 0
rdma_listen "$P1B" "$P2B" && "$MCTECTL" listen add "0.0.0.0:$WPORT" &&
	wait_for 30 rdma_cm_listening_on 0.0.0.0 "$WPORT"
tap_check "listeners on $P1B, $P2B and 0.0.0.0:$WPORT" test $? -eq 0

rdma_start owner "$rdma_tmp/owner.out" "$RDMA_DIR/rseg" own -c rootpool:$SEED_RW \
	rootpool:rw:4M:$SEED_RW rootro:read:1M:$SEED_RO
rdma_wait_opened "$owner" "$rdma_tmp/owner.out" 60
tap_check "root's segments rootpool (rw) and rootro (read)" test $? -eq 0

# Every name that reaches the engine, and a name of each segment.
names=(
	"$P1B:$RDMA_PORT" "$P2B:$RDMA_PORT"
	"$P1A:$WPORT" "$P1B:$WPORT" "$P2A:$WPORT" "$P2B:$WPORT"
)
refused0=$("$MCTECTL" -j stat | jq -r .open_refused)

# 1. Another user, through every name.
bad=
for seg in rootpool rootro; do
	"${NOBODY[@]}" "$RDMA_DIR/open_as" "$seg" read > "$rdma_tmp/o" 2>&1
	grep -q '^refused EACCES: permission denied' "$rdma_tmp/o" || bad="$bad $seg"
	for n in "${names[@]}"; do
		"${NOBODY[@]}" "$RDMA_DIR/open_as" -w "$n/$seg" rw > "$rdma_tmp/o" 2>&1
		grep -q '^refused EACCES: permission denied' "$rdma_tmp/o" ||
			{ bad="$bad $n/$seg"; rdma_show "$rdma_tmp/o"; }
		"${NOBODY[@]}" "$RDMA_DIR/open_as" "$n/$seg" read > "$rdma_tmp/o" 2>&1
		grep -q '^refused EACCES: permission denied' "$rdma_tmp/o" ||
			{ bad="$bad $n/$seg(read)"; rdma_show "$rdma_tmp/o"; }
	done
done
[ -n "$bad" ] && tap_diag "not refused as they should be:$bad"
tap_check "uid 65534: local opens and opens through all ${#names[@]} names refused EACCES" test -z "$bad"
tap_diag "$(cat "$rdma_tmp/o")"

refused1=$("$MCTECTL" -j stat | jq -r .open_refused)
want=$((2 * 2 * ${#names[@]}))
tap_diag "open-refused went from $refused0 to $refused1, $want refusals made"
tap_check "the owner's side refused and counted each of the $want" test $((refused1 - refused0)) -eq "$want"

# 2. Names of this node where nothing listens.
peers0=$("$MCTECTL" -j peer show | jq length)
bad=
for n in "127.0.0.1:$RDMA_PORT" "$P1A:$RDMA_PORT" "$P1B:7999"; do
	"${NOBODY[@]}" "$RDMA_DIR/open_as" "$n/rootpool" read > "$rdma_tmp/o" 2>&1
	grep -q '^refused ECONNREFUSED: connection refused: no mcte listener' "$rdma_tmp/o" ||
		{ bad="$bad $n"; rdma_show "$rdma_tmp/o"; }
done
tap_check "addresses of this node with no listener: ECONNREFUSED, saying so" test -z "$bad"
tap_diag "$(cat "$rdma_tmp/o")"
tap_check "and no peer was made for them" test "$("$MCTECTL" -j peer show | jq length)" -eq "$peers0"

# A remote open for no access at all has nothing to ask, and the
# unspecified address names no host: both refused before any dialing.
"$RDMA_DIR/open_as" "$P1B/rootpool" none > "$rdma_tmp/o" 2>&1
"$RDMA_DIR/open_as" "0.0.0.0:$WPORT/rootpool" read >> "$rdma_tmp/o" 2>&1
tap_check "remote opens for access none, or of 0.0.0.0, are refused EINVAL" \
	test "$(grep -c '^refused EINVAL' "$rdma_tmp/o")" -eq 2

# 3. The owner, through the same names.
bad=
for n in "${names[@]}"; do
	"$RDMA_DIR/open_as" -c $SEED_RO "$n/rootro" read > "$rdma_tmp/o" 2>&1 ||
		{ bad="$bad $n(read)"; rdma_show "$rdma_tmp/o"; }
	"$RDMA_DIR/open_as" "$n/rootro" rw > "$rdma_tmp/o" 2>&1
	grep -q '^refused EACCES' "$rdma_tmp/o" || { bad="$bad $n(rw)"; rdma_show "$rdma_tmp/o"; }
done
tap_check "root reads its read-only segment through every name, and is refused read-write" test -z "$bad"
"$RDMA_DIR/open_as" -c $SEED_RW "$P1B/rootpool" rw > "$rdma_tmp/o" 2>&1
tap_check "root opens its read-write segment read-write through a network name" test $? -eq 0

# What crossed: the refusals are the owner side's, not only the opener's.
path_json "$rdma_tmp/paths.json"
tap_check "self paths are up (the engine reached its own listeners)" \
	jq -e '[.[] | select(.active and (.state | ascii_downcase) == "up")] | length > 0' \
	"$rdma_tmp/paths.json"

rdma_stop "$owner"
rc=$?
rdma_show "$rdma_tmp/owner.out"
tap_check "rootpool holds its pattern: no refused WRITE landed" test "$rc" -eq 0
rdma_pids=()
tap_check "the engine still answers" "$MCTECTL" -j stat
tap_check "path show answers" "$MCTECTL" -j path show
tap_finish
