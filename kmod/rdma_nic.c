// SPDX-License-Identifier: GPL-2.0
/*
 * mcte - the local NICs a peer is dialed from: each RDMA device the engine
 * sees, with the address its paths are bound to, so that the local end of
 * a path is chosen by mcte (one path set per local NIC and remote
 * address), never by whichever route IP would pick for the peer.
 *
 * A NIC's address is the first RoCE v2 GID of its ports whose network
 * device is in the engine's namespace: IPv4-mapped for IPv4, else a
 * global IPv6 address (link-local ones need a scope a bound address
 * cannot carry). Devices without such a GID (InfiniBand, a port with no
 * address yet) have none and dial nothing; a peer none of our NICs has an
 * address of its family for is dialed unbound, as routing picks.
 *
 * A NIC dials a remote address only when its network device has a route
 * to it: an IPv4 lookup with the device as output interface that a table
 * answers (not the kernel's "assume on-link" guess for an output
 * interface with no route, which would let every NIC try every peer
 * address and hang in connect where the two are not on one link).
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/in.h>
#include <linux/in6.h>
#include <linux/netdevice.h>
#include <net/ip_fib.h>
#include <net/ipv6.h>
#include <rdma/ib_addr.h>
#include <rdma/ib_cache.h>

#include "rdma_priv.h"

/* GID table entries looked at per port, at most. */
#define MCTE_NIC_GIDS_MAX	256

/*
 * Under mdev->lock: the address of @ibdev of @family in @net into @nic.
 * Return: whether it has one.
 */
static bool mcte_nic_addr(struct ib_device *ibdev, struct net *net,
			  sa_family_t family, struct mcte_nic *nic)
{
	const struct ib_gid_attr *attr;
	struct sockaddr_storage ss;
	struct net_device *ndev;
	bool found = false;
	u32 port;
	int i;

	rdma_for_each_port(ibdev, port) {
		for (i = 0; i < MCTE_NIC_GIDS_MAX && !found; i++) {
			attr = rdma_get_gid_attr(ibdev, port, i);
			if (IS_ERR(attr)) {
				if (PTR_ERR(attr) == -EINVAL)
					break;
				continue;
			}
			if (attr->gid_type != IB_GID_TYPE_ROCE_UDP_ENCAP)
				goto next;
			memset(&ss, 0, sizeof(ss));
			rdma_gid2ip((struct sockaddr *)&ss, &attr->gid);
			if (ss.ss_family != family)
				goto next;
			if (family == AF_INET6 &&
			    (ipv6_addr_type(&((struct sockaddr_in6 *)&ss)->sin6_addr) &
			     IPV6_ADDR_LINKLOCAL))
				goto next;
			rcu_read_lock();
			ndev = rdma_read_gid_attr_ndev_rcu(attr);
			if (!IS_ERR(ndev) && net_eq(dev_net(ndev), net)) {
				nic->ifindex = ndev->ifindex;
				nic->addr = ss;
				found = true;
			}
			rcu_read_unlock();
next:
			rdma_put_gid_attr(attr);
		}
		if (found)
			break;
	}
	return found;
}

/**
 * mcte_nic_list() - the local NICs of an engine with an address of a family
 * @r: the engine's transport
 * @family: AF_INET or AF_INET6
 * @nics: out
 * @max: entries of @nics
 *
 * Process context. In device index order.
 *
 * Return: the entries filled.
 */
u32 mcte_nic_list(struct mcte_rdma *r, sa_family_t family,
		  struct mcte_nic *nics, u32 max)
{
	struct mcte_dev *mdev;
	unsigned long index;
	u32 n = 0;

	for (index = 0; n < max && (mdev = mcte_dev_get_next(&index));
	     index++) {
		struct mcte_nic *nic = &nics[n];
		bool have = false;

		spin_lock(&mdev->lock);
		if (mdev->ibdev &&
		    rdma_dev_access_netns(mdev->ibdev, r->eng->net) &&
		    mcte_nic_addr(mdev->ibdev, r->eng->net, family, nic)) {
			strscpy(nic->name, mdev->name, sizeof(nic->name));
			have = true;
		}
		spin_unlock(&mdev->lock);
		mcte_dev_put(mdev);
		if (have)
			n++;
	}
	return n;
}

/**
 * mcte_nic_reaches() - whether a local NIC should dial a remote address
 * @r: the engine's transport
 * @nic: from mcte_nic_list()
 * @dst: the remote address
 *
 * Return: false for the NIC's own address, and for an IPv4 address no
 * routing table reaches through the NIC's network device; true otherwise.
 */
bool mcte_nic_reaches(struct mcte_rdma *r, const struct mcte_nic *nic,
		      const struct sockaddr_storage *dst)
{
	const struct sockaddr_in *s4 = (const void *)&nic->addr;
	const struct sockaddr_in *d4 = (const void *)dst;
	struct fib_result res = {};
	struct flowi4 fl4 = {};
	int ret;

	/* A NIC does not dial itself: the peer is this node then. */
	if (mcte_sockaddr_ip_eq(&nic->addr, dst))
		return false;
	if (dst->ss_family != AF_INET)
		return true;

	fl4.daddr = d4->sin_addr.s_addr;
	fl4.saddr = s4->sin_addr.s_addr;
	fl4.flowi4_oif = nic->ifindex;
	fl4.flowi4_iif = LOOPBACK_IFINDEX;
	rcu_read_lock();
	ret = fib_lookup(r->eng->net, &fl4, &res, 0);
	rcu_read_unlock();
	return !ret && res.type == RTN_UNICAST;
}
