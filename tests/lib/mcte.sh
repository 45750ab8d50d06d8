# SPDX-License-Identifier: GPL-2.0
# What the shell tests share: where the module and the tools are, loading
# and unloading, waiting for conditions, soft-RoCE devices on a veth pair.

MCTE_TOP=${MCTE_TOP:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
MCTE_KO=${MCTE_KO:-$MCTE_TOP/build/$(uname -r)/kmod/mcte.ko}
MCTECTL=${MCTECTL:-$MCTE_TOP/mctectl/mctectl}

mcte_loaded()
{
	[ -d /sys/module/mcte ]
}

mcte_load()
{
	modprobe -a ib_core rdma_cm || return
	insmod "$MCTE_KO" "$@"
}

mcte_unload()
{
	rmmod mcte
}

# wait_for SECONDS COMMAND...: poll until COMMAND succeeds, never a fixed
# sleep: guests under TCG run at very different speeds.
wait_for()
{
	local deadline=$((SECONDS + $1))

	shift
	until "$@"; do
		[ "$SECONDS" -lt "$deadline" ] || return 1
		sleep 0.1
	done
}

# A process is blocked in a netlink receive once it sleeps in the socket
# wait; mctectl monitor subscribes before it first receives, so this says
# that it will see every event sent from now on.
proc_in_recv()
{
	grep -q wait_for_more_packets "/proc/$1/wchan" 2>/dev/null
}

# rxe_pair PREFIX: veth pair ${PREFIX}va/${PREFIX}vb and soft-RoCE devices
# ${PREFIX}rxe_a/${PREFIX}rxe_b on them, ports up.
rxe_pair_add()
{
	local p=$1

	modprobe veth && modprobe rdma_rxe || return
	ip link add "${p}va" type veth peer name "${p}vb" || return
	ip link set "${p}va" up && ip link set "${p}vb" up || return
	rdma link add "${p}rxe_a" type rxe netdev "${p}va" || return
	rdma link add "${p}rxe_b" type rxe netdev "${p}vb"
}

rxe_pair_del()
{
	local p=$1

	rdma link delete "${p}rxe_a" 2>/dev/null
	rdma link delete "${p}rxe_b" 2>/dev/null
	ip link delete "${p}va" 2>/dev/null
	return 0
}
