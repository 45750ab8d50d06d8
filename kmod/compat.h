/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mcte - differences between the kernels mcte builds for (Debian's 6.1 and
 * 6.12). Every version-dependent piece of code lives in this file; the
 * MCTE_HAVE_* macros it tests come from probes of the target kernel in
 * Kbuild.
 *
 * Checked and found equal on both, so not wrapped here: struct ib_client
 * (int add(), rename()), the ib_event_handler API, rdma_dev_access_netns()
 * and ibdev_to_node(), struct genl_ops with per-op policies,
 * genl_family.resv_start_op, GENL_REQ_ATTR_CHECK(), genl_has_listeners(),
 * and genlmsg_multicast_allns(), which lost its gfp_t argument in both
 * (6.1.y got the fix as a stable backport).
 */
#ifndef _MCTE_COMPAT_H
#define _MCTE_COMPAT_H

#include <linux/netdevice.h>
#include <rdma/ib_verbs.h>

#ifdef MCTE_HAVE_IB_DEVICE_GET_NETDEV

/**
 * mcte_ib_get_netdev() - the network device of a port of an RDMA device
 * @ibdev: a registered ib_device
 * @port: a port number of @ibdev
 *
 * Takes spinlocks only, so it may be called in atomic context.
 *
 * Return: the net_device with a reference the caller drops with dev_put(),
 * or NULL when the port has none (InfiniBand). It may be unregistering.
 */
static inline struct net_device *mcte_ib_get_netdev(struct ib_device *ibdev,
						    u32 port)
{
	return ib_device_get_netdev(ibdev, port);
}

#else

/*
 * 6.1 has ib_device_get_netdev() but neither exports nor declares it. Do
 * what it does with the fields ib_verbs.h makes public: ask a driver that
 * still implements the legacy get_netdev op (mlx4, mlx5; they take
 * spinlocks only), else read the netdev that ib_device_set_netdev()
 * stored, under the lock it is stored under, so that it cannot be dropped
 * meanwhile.
 */
static inline struct net_device *mcte_ib_get_netdev(struct ib_device *ibdev,
						    u32 port)
{
	struct ib_port_data *pdata;
	struct net_device *ndev;

	if (!rdma_is_port_valid(ibdev, port) || !ibdev->port_data)
		return NULL;

	if (ibdev->ops.get_netdev) {
		ndev = ibdev->ops.get_netdev(ibdev, port);
	} else {
		pdata = &ibdev->port_data[port];
		spin_lock(&pdata->netdev_lock);
		ndev = rcu_dereference_protected(pdata->netdev,
						 lockdep_is_held(&pdata->netdev_lock));
		dev_hold(ndev);
		spin_unlock(&pdata->netdev_lock);
	}

	return ndev;
}

#endif /* MCTE_HAVE_IB_DEVICE_GET_NETDEV */

#endif /* _MCTE_COMPAT_H */
