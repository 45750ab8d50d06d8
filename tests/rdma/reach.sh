#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# What an ordinary user can make the engine do over the network is
# bounded. As uid 65534:
#  1. an open of an address nobody answers at fails with the cause, and
#     leaves no peer behind, nor a path dialing again;
#  2. with dials-per-user 1, a second peer dialed while the first is still
#     being dialed is refused EUSERS; root is not bound;
#  3. with peers-per-user 1, a user holding one peer is refused another
#     (EUSERS);
#  4. with remote-open admin, the user's remote opens are refused EPERM
#     while root's go; with remote-open group, members of the group open,
#     others are refused;
#  5. the user cannot change the policy.
# The policy is set back to its defaults at the end.

. "$(dirname "$0")/lib.sh"

restore_policy()
{
	"$MCTECTL" policy set remote-open all peers-per-user 16 dials-per-user 4
}
trap 'restore_policy; rdma_cleanup' EXIT
rdma_require
tap_plan 15

NOBODY=(setpriv --reuid=65534 --regid=65534 --clear-groups)
MEMBER=(setpriv --reuid=65534 --regid=65534 --groups=4242)
# Routed through p1 but answered by nobody: neighbour resolution fails.
DARK=10.77.9

rdma_pairs 1 9000
tap_check "rxe pair p1" test $? -eq 0
tap_check "listener on $P1B" rdma_listen "$P1B"
ip route add "$DARK.0/24" dev p1a
tap_check "a route to $DARK.0/24 where nothing answers" test $? -eq 0

peers_to() { "$MCTECTL" -j peer show | jq --arg a "$1" '[.[] | select(.addr == $a)] | length'; }
paths_to() { "$MCTECTL" -j path show | jq --arg a "$1" '[.[] | select(.remote_addr == $a)] | length'; }
no_peer_to() { [ "$(peers_to "$1")" = 0 ] && [ "$(paths_to "$1")" = 0 ]; }

# 1. Nobody answers: the cause, then nothing left dialing.
"${NOBODY[@]}" "$RDMA_DIR/open_as" "$DARK.1/x" read > "$rdma_tmp/o" 2>&1
tap_diag "$(cat "$rdma_tmp/o")"
tap_check "an open of $DARK.1: unreachable, saying so" \
	grep -Eq '^refused (EHOSTUNREACH|ENETUNREACH|ETIMEDOUT): ' "$rdma_tmp/o"
tap_check "the peer nothing needs is let go, no path dials again" wait_for 5 no_peer_to "$DARK.1"

# 2. Dials: one at a time for this user. The first dial must last: an
# address whose neighbour resolution fails is given up within the
# 2 s of address resolution, less than a slow guest may take to start
# the second opener. A neighbour entry to a MAC nobody has makes the
# connect wait for a CM reply that never comes, until the open's own
# deadline.
for h in 2 4; do
	ip neigh replace "$DARK.$h" lladdr 02:00:5e:77:09:0$h dev p1a nud permanent
done
"$MCTECTL" policy set dials-per-user 1
"${NOBODY[@]}" "$RDMA_DIR/open_as" "$DARK.2/x" read > "$rdma_tmp/o1" 2>&1 &
first=$!
wait_for 5 sh -c '[ "$("$0" -j peer show | jq length)" -gt 0 ]' "$MCTECTL"
"${NOBODY[@]}" "$RDMA_DIR/open_as" "$DARK.3/x" read > "$rdma_tmp/o2" 2>&1
wait "$first"
tap_diag "$(cat "$rdma_tmp/o2")"
tap_check "dials-per-user 1: a second peer dialed at once is refused EUSERS" \
	grep -q '^refused EUSERS: this user' "$rdma_tmp/o2"
"$RDMA_DIR/open_as" "$DARK.4/x" read > "$rdma_tmp/o3" 2>&1 &
first=$!
wait_for 5 sh -c '[ "$("$0" -j peer show | jq length)" -gt 0 ]' "$MCTECTL"
"$RDMA_DIR/open_as" "$DARK.5/x" read > "$rdma_tmp/o4" 2>&1
wait "$first"
tap_check "root is not bound by the per-user limits" \
	sh -c '! grep -q EUSERS "$0" "$1"' "$rdma_tmp/o3" "$rdma_tmp/o4"
wait_for 5 no_peer_to "$DARK.5"
"$MCTECTL" policy set dials-per-user 4
for h in 2 4; do
	ip neigh del "$DARK.$h" dev p1a
done

# 3. Peers: the user holds one, the engine's own through a network name.
rdma_start seg "$rdma_tmp/seg.out" "${NOBODY[@]}" "$RDMA_DIR/rseg" own nb:read:64k:1
rdma_wait_opened "$seg" "$rdma_tmp/seg.out" 30
rdma_start hold "$rdma_tmp/hold.out" "${NOBODY[@]}" "$RDMA_DIR/rseg" hold "$P1B/nb"
rdma_wait_opened "$hold" "$rdma_tmp/hold.out" 60
tap_check "uid 65534 holds its own segment open through $P1B" test $? -eq 0
"$MCTECTL" policy set peers-per-user 1
"${NOBODY[@]}" "$RDMA_DIR/open_as" "$DARK.6/x" read > "$rdma_tmp/o" 2>&1
tap_check "peers-per-user 1: a user holding a peer is refused another (EUSERS)" \
	grep -q '^refused EUSERS' "$rdma_tmp/o"
"$MCTECTL" policy set peers-per-user 16

# 4. Remote opens restricted.
"$MCTECTL" policy set remote-open admin
"${NOBODY[@]}" "$RDMA_DIR/open_as" "$P1B/nb" read > "$rdma_tmp/o" 2>&1
tap_diag "$(cat "$rdma_tmp/o")"
tap_check "remote-open admin: the user's remote open is refused EPERM, saying why" \
	grep -q '^refused EPERM: the administrator restricts' "$rdma_tmp/o"
"${NOBODY[@]}" "$RDMA_DIR/open_as" nb read > "$rdma_tmp/o" 2>&1
tap_check "its local opens are not remote opens: they still go" grep -q '^opened' "$rdma_tmp/o"
"$MCTECTL" policy set remote-open group 4242
"${MEMBER[@]}" "$RDMA_DIR/open_as" "$P1B/nb" read > "$rdma_tmp/o1" 2>&1
"${NOBODY[@]}" "$RDMA_DIR/open_as" "$P1B/nb" read > "$rdma_tmp/o2" 2>&1
tap_check "remote-open group 4242: a member opens, another user is refused EPERM" \
	sh -c 'grep -q "^opened" "$0" && grep -q "^refused EPERM" "$1"' "$rdma_tmp/o1" "$rdma_tmp/o2"
"$MCTECTL" -j policy show > "$rdma_tmp/p.json"
tap_check "policy show: remote-open group, the group, the limits" \
	jq -e '.remote_open == "group" and .group == 4242 and .peers_per_user == 16 and .dials_per_user == 4' \
	"$rdma_tmp/p.json"

# 5. The user cannot change it.
"${NOBODY[@]}" "$MCTECTL" policy set remote-open all > "$rdma_tmp/o" 2>&1
tap_check "uid 65534 cannot change the policy (needs CAP_NET_ADMIN)" \
	sh -c 'grep -q "needs CAP_NET_ADMIN" "$0" && "$1" -j policy show | jq -e ".remote_open == \"group\"" > /dev/null' \
	"$rdma_tmp/o" "$MCTECTL"
restore_policy
tap_check "policy back to its defaults" \
	sh -c '"$0" -j policy show | jq -e ".remote_open == \"all\" and .peers_per_user == 16 and .dials_per_user == 4" > /dev/null' \
	"$MCTECTL"
ip route del "$DARK.0/24" dev p1a
tap_finish
