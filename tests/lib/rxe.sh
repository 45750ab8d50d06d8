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
#    is answered by the wrong end.

# rxe_routed_add PREFIX A_ADDR B_ADDR [MTU]: veth ${PREFIX}a/${PREFIX}b
# with rxe devices ${PREFIX}rxe_a/${PREFIX}rxe_b, addresses A and B.
rxe_routed_add()
{
	local p=$1 a=$2 b=$3 mtu=${4:-1500} ta tb

	ta=$((100 + ${a##*.}))
	tb=$((100 + ${b##*.}))
	modprobe veth && modprobe rdma_rxe && modprobe rdma_ucm || return
	ip link add "${p}a" mtu "$mtu" type veth peer name "${p}b" mtu "$mtu" || return
	ip addr add "$a/32" dev "${p}a" && ip addr add "$b/32" dev "${p}b" || return
	ip link set "${p}a" up && ip link set "${p}b" up || return
	if ip rule show pref 0 | grep -q 'lookup local'; then
		ip rule add pref 100 lookup local && ip rule del pref 0 || return
	fi
	ip route add "$b/32" dev "${p}a" src "$a" table "$ta" || return
	ip route add "$a/32" dev "${p}b" src "$b" table "$tb" || return
	ip rule add pref 10 oif "${p}a" lookup "$ta" &&
	ip rule add pref 10 oif "${p}b" lookup "$tb" &&
	ip rule add pref 11 iif lo from "$a" to "$b" lookup "$ta" &&
	ip rule add pref 11 iif lo from "$b" to "$a" lookup "$tb" || return
	sysctl -qw net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.all.accept_local=1 || return
	sysctl -qw "net.ipv4.conf.${p}a.rp_filter=0" "net.ipv4.conf.${p}b.rp_filter=0" \
		"net.ipv4.conf.${p}a.accept_local=1" "net.ipv4.conf.${p}b.accept_local=1" || return
	ip neigh replace "$b" lladdr "$(cat "/sys/class/net/${p}b/address")" \
		dev "${p}a" nud permanent &&
	ip neigh replace "$a" lladdr "$(cat "/sys/class/net/${p}a/address")" \
		dev "${p}b" nud permanent || return
	rdma link add "${p}rxe_a" type rxe netdev "${p}a" &&
	rdma link add "${p}rxe_b" type rxe netdev "${p}b"
}

rxe_routed_del()
{
	local p=$1

	rdma link delete "${p}rxe_a" 2>/dev/null
	rdma link delete "${p}rxe_b" 2>/dev/null
	ip link delete "${p}a" 2>/dev/null
	ip rule del pref 10 2>/dev/null
	ip rule del pref 10 2>/dev/null
	ip rule del pref 11 2>/dev/null
	ip rule del pref 11 2>/dev/null
	return 0
}

# A listener of rdma_cm on PORT exists (never probe it with a connect).
rdma_cm_listening()
{
	rdma resource show cm_id 2>/dev/null | grep -q "state LISTEN .*src-addr [^ ]*:$1 "
}
