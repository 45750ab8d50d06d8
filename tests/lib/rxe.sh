# SPDX-License-Identifier: GPL-2.0
# Two soft-RoCE "nodes" in one guest. rxe on 6.1 and 6.12 works only in the
# initial network namespace (its UDP socket and route lookups use
# init_net), so both ends of a veth pair stay there, each with a /32
# address, and policy routing makes traffic between the two addresses
# cross the veth instead of short-cutting through the local table:
#  - the local table moves from rule 0 to rule 100;
#  - lookups by output interface (rxe and rdma_cm resolve routes that way)
#    and lookups for sockets bound to one address (iif lo) go to a table
#    per direction that sends the peer's /32 out of our end;
#  - accept_local lets each end receive packets from an address of the
#    same host, rp_filter would drop them otherwise;
#  - permanent neighbour entries, since ARP between two local addresses
#    is answered by the wrong end;
#  - a lookup for B with no source (how an engine resolves a peer it is
#    told only the address of) goes out of A's end: A is the client.
#
# Several pairs may exist at once (e.g. p1 with 10.77.0.1/10.77.0.2 and
# p2 with 10.77.1.1/10.77.1.2 for two paths between the same two
# "nodes"): each pair has routing tables of its own (numbered after its
# interfaces), and what a pair added is written down in a state file
# under $RXE_STATE_DIR, so that rxe_routed_del removes exactly its own
# rules and leaves the other pairs' alone. The local rule goes back to
# pref 0 when the last pair that moved it is gone.

RXE_STATE_DIR=${RXE_STATE_DIR:-/run/mcte-rxe}

# _rxe_rules PREFIX A B TA TB: the policy rules of one pair, one per line,
# as `ip rule add/del` arguments.
_rxe_rules()
{
	local p=$1 a=$2 b=$3 ta=$4 tb=$5

	echo "pref 10 oif ${p}a lookup $ta"
	echo "pref 10 oif ${p}b lookup $tb"
	echo "pref 11 iif lo from $a to $b lookup $ta"
	echo "pref 11 iif lo from $b to $a lookup $tb"
	echo "pref 12 iif lo to $b lookup $ta"
}

# _rxe_routes PREFIX: (re)install the routes and neighbour entries of a
# pair from its state file. Both go when a link goes down, so this runs
# again after a link comes back up (rxe_routed_link_up). Behind each
# route, an unreachable one: while an end is down, a lookup of the other
# end's address fails as it would between two machines, instead of
# finding the address in the local table and looping back through the
# other rxe device.
_rxe_routes()
{
	local p=$1 a b ta tb mtu moved

	# shellcheck disable=SC1090
	. "$RXE_STATE_DIR/$p" || return
	ip route replace unreachable "$b/32" table "$ta" metric 1000 &&
	ip route replace unreachable "$a/32" table "$tb" metric 1000 || return
	ip route replace "$b/32" dev "${p}a" src "$a" table "$ta" || return
	ip route replace "$a/32" dev "${p}b" src "$b" table "$tb" || return
	ip neigh replace "$b" lladdr "$(cat "/sys/class/net/${p}b/address")" \
		dev "${p}a" nud permanent &&
	ip neigh replace "$a" lladdr "$(cat "/sys/class/net/${p}a/address")" \
		dev "${p}b" nud permanent
}

# rxe_routed_add PREFIX A_ADDR B_ADDR [MTU]: veth ${PREFIX}a/${PREFIX}b
# with rxe devices ${PREFIX}rxe_a/${PREFIX}rxe_b, addresses A and B.
rxe_routed_add()
{
	local p=$1 a=$2 b=$3 mtu=${4:-1500} ta tb moved=0 rule

	modprobe veth && modprobe rdma_rxe && modprobe rdma_ucm || return
	mkdir -p "$RXE_STATE_DIR" || return
	if [ -e "$RXE_STATE_DIR/$p" ]; then
		[ ! -e "/sys/class/net/${p}a" ] || { echo "rxe_routed_add: pair $p exists" >&2; return 1; }
		# Left by a test that was killed: clear its rules first.
		rxe_routed_del "$p"
	fi
	ip link add "${p}a" mtu "$mtu" type veth peer name "${p}b" mtu "$mtu" || return
	# Tables of our own: numbered after the interfaces, unique while
	# they exist.
	ta=$((1000 + $(cat "/sys/class/net/${p}a/ifindex")))
	tb=$((1000 + $(cat "/sys/class/net/${p}b/ifindex")))
	if ip rule show pref 0 | grep -q 'lookup local'; then
		ip rule add pref 100 lookup local && ip rule del pref 0 lookup local || return
		moved=1
	fi
	printf 'a=%s\nb=%s\nta=%s\ntb=%s\nmtu=%s\nmoved=%s\n' \
		"$a" "$b" "$ta" "$tb" "$mtu" "$moved" > "$RXE_STATE_DIR/$p" || return
	ip addr add "$a/32" dev "${p}a" && ip addr add "$b/32" dev "${p}b" || return
	ip link set "${p}a" up && ip link set "${p}b" up || return
	_rxe_routes "$p" || return
	while read -r rule; do
		# shellcheck disable=SC2086 # one rule, split into words
		ip rule add $rule || return
	done < <(_rxe_rules "$p" "$a" "$b" "$ta" "$tb")
	sysctl -qw net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.all.accept_local=1 || return
	sysctl -qw "net.ipv4.conf.${p}a.rp_filter=0" "net.ipv4.conf.${p}b.rp_filter=0" \
		"net.ipv4.conf.${p}a.accept_local=1" "net.ipv4.conf.${p}b.accept_local=1" || return
	rdma link add "${p}rxe_a" type rxe netdev "${p}a" &&
	rdma link add "${p}rxe_b" type rxe netdev "${p}b"
}

# rxe_routed_link_up PREFIX [a|b]: bring an end (default a) of a pair
# back up after `ip link set ... down`, with the routes and neighbour
# entries the kernel dropped when it went down.
rxe_routed_link_up()
{
	local p=$1 end=${2:-a}

	ip link set "${p}${end}" up || return
	_rxe_routes "$p"
}

# rxe_routed_del PREFIX: remove a pair and exactly the rules it added;
# safe after a partial rxe_routed_add, when parts are already gone (a test
# deleted an rxe device or a link), and under `set -e`.
rxe_routed_del()
{
	local p=$1 a='' b='' ta='' tb='' mtu='' moved=0 rule f rc=0 d

	# Each part is removed only if it is there; one that stays is an error.
	for d in "${p}rxe_a" "${p}rxe_b"; do
		if rdma link show "$d/1" > /dev/null 2>&1; then
			rdma link delete "$d" || rc=1
		fi
	done
	if ip link show "${p}a" > /dev/null 2>&1; then
		ip link delete "${p}a" || rc=1
	fi
	if [ -r "$RXE_STATE_DIR/$p" ]; then
		# shellcheck disable=SC1090
		. "$RXE_STATE_DIR/$p"
		# Every rule of ours looks up one of our tables: delete the
		# ones there are (some went with their interface), check none
		# is left.
		for d in "$ta" "$tb"; do
			for rule in 1 2 3 4 5 6; do
				ip rule show | grep -qw "lookup $d" || break
				ip rule del table "$d" || { rc=1; break; }
			done
			if ip rule show | grep -qw "lookup $d"; then
				rc=1
			fi
		done
		for d in "$ta" "$tb"; do
			if [ -n "$(ip route show table "$d" 2>/dev/null)" ]; then
				ip route flush table "$d" || rc=1
			fi
		done
		rm -f "$RXE_STATE_DIR/$p"
		if [ "$moved" = 1 ]; then
			# Hand the move over to a pair still there, or undo it.
			f=$(grep -l '^moved=0$' "$RXE_STATE_DIR"/* 2>/dev/null | head -n 1)
			if [ -n "$f" ]; then
				sed -i 's/^moved=0$/moved=1/' "$f"
			elif ! ip rule show pref 0 | grep -q 'lookup local'; then
				{ ip rule add pref 0 lookup local &&
					ip rule del pref 100 lookup local; } || rc=1
			fi
		fi
	fi
	[ "$rc" -eq 0 ] || echo "rxe_routed_del $p: some of the pair could not be removed" >&2
	return $rc
}

# A listener of rdma_cm on PORT exists (never probe it with a connect).
rdma_cm_listening()
{
	rdma resource show cm_id 2>/dev/null | grep -q "state LISTEN .*src-addr [^ ]*:$1 "
}

# rdma_cm_listening_on ADDR PORT: a listener on that very address.
rdma_cm_listening_on()
{
	rdma resource show cm_id 2>/dev/null | grep -q "state LISTEN .*src-addr $1:$2 "
}
