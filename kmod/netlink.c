// SPDX-License-Identifier: GPL-2.0
/*
 * mcte - generic netlink family "mcte": request handlers and events.
 * Policies and the op table are in netlink_gen.c.
 *
 * Every request is answered from the caller's network namespace: a device
 * is shown only where rdma_dev_access_netns() allows (all namespaces in
 * ib_core's shared mode, its own in exclusive mode), and a port's network
 * device only in that device's namespace, where its ifindex means
 * something.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/netdevice.h>
#include <linux/rcupdate.h>
#include <linux/string.h>
#include <net/genetlink.h>
#include <net/net_namespace.h>
#include <net/netlink.h>
#include <rdma/ib_verbs.h>

#include "compat.h"
#include "mcte.h"
#include "netlink_gen.h"

/*
 * The version attribute set has no pad attribute yet (MCTE_A_VERSION_PAD
 * is proposed). Pads are emitted only where unaligned access is slow,
 * which excludes x86-64; elsewhere type 0 is one every parser skips.
 */
#define MCTE_NL_VERSION_PADATTR	0

static size_t mcte_nl_version_size(void)
{
	return nla_total_size(sizeof(u32)) +			/* abi */
	       nla_total_size_64bit(sizeof(u64)) +		/* features */
	       nla_total_size(sizeof(MCTE_MODULE_VERSION)) +	/* module */
	       nla_total_size(sizeof(u32));			/* family */
}

/**
 * mcte_nl_version_get_doit() - handle version-get
 * @skb: the request
 * @info: its attributes and sender
 *
 * Return: 0 or -errno.
 */
int mcte_nl_version_get_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct sk_buff *msg;
	void *hdr;

	msg = genlmsg_new(mcte_nl_version_size(), GFP_KERNEL);
	if (!msg)
		return -ENOMEM;

	hdr = genlmsg_put_reply(msg, info, &mcte_nl_family, 0,
				MCTE_CMD_VERSION_GET);
	if (!hdr)
		goto out_free_msg;

	if (nla_put_u32(msg, MCTE_A_VERSION_ABI, MCTE_ABI_VERSION) ||
	    nla_put_u64_64bit(msg, MCTE_A_VERSION_FEATURES, MCTE_FEATURES,
			      MCTE_NL_VERSION_PADATTR) ||
	    nla_put_string(msg, MCTE_A_VERSION_MODULE, MCTE_MODULE_VERSION) ||
	    nla_put_u32(msg, MCTE_A_VERSION_FAMILY, MCTE_FAMILY_VERSION))
		goto out_free_msg;

	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);

out_free_msg:
	nlmsg_free(msg);
	return -EMSGSIZE;
}

static size_t mcte_nl_dev_size(const struct mcte_dev *mdev)
{
	size_t port = nla_total_size(0) +		/* nest */
		      nla_total_size(sizeof(u32)) +	/* num */
		      nla_total_size(sizeof(u32)) +	/* state */
		      nla_total_size(sizeof(u32)) +	/* link-layer */
		      nla_total_size(IFNAMSIZ) +	/* netdev */
		      nla_total_size(sizeof(u32)) +	/* ifindex */
		      nla_total_size(sizeof(u32));	/* mtu */

	return nla_total_size(sizeof(u32)) +		/* index */
	       nla_total_size(IB_DEVICE_NAME_MAX) +	/* name */
	       nla_total_size_64bit(sizeof(u64)) +	/* node-guid */
	       nla_total_size(sizeof(s32)) +		/* numa-node */
	       (mdev->parent ?				/* parent */
		nla_total_size(strlen(mdev->parent) + 1) : 0) +
	       nla_total_size(sizeof(u32)) +		/* num-ports */
	       mdev->num_ports * port;
}

static int mcte_nl_port_fill(struct sk_buff *skb, struct ib_device *ibdev,
			     const struct mcte_port *port,
			     const struct net *net)
{
	struct net_device *ndev;
	struct nlattr *nest;
	int ret = 0;

	nest = nla_nest_start(skb, MCTE_A_DEV_PORT);
	if (!nest)
		return -EMSGSIZE;

	if (nla_put_u32(skb, MCTE_A_PORT_NUM, port->num) ||
	    nla_put_u32(skb, MCTE_A_PORT_STATE, port->state) ||
	    nla_put_u32(skb, MCTE_A_PORT_LINK_LAYER, port->link_layer))
		goto out_cancel;

	/*
	 * A netdev on its way out is left out: the port is about to lose it.
	 * The name may be read during a rename, as rdma's nldev does.
	 */
	ndev = mcte_ib_get_netdev(ibdev, port->num);
	if (ndev && ndev->reg_state == NETREG_REGISTERED &&
	    net_eq(dev_net(ndev), net)) {
		if (nla_put_string(skb, MCTE_A_PORT_NETDEV, ndev->name) ||
		    nla_put_u32(skb, MCTE_A_PORT_IFINDEX, ndev->ifindex))
			ret = -EMSGSIZE;
	}
	dev_put(ndev);
	if (ret)
		goto out_cancel;

	if (nla_put_u32(skb, MCTE_A_PORT_MTU, port->mtu))
		goto out_cancel;

	nla_nest_end(skb, nest);
	return 0;

out_cancel:
	nla_nest_cancel(skb, nest);
	return -EMSGSIZE;
}

/*
 * Puts one message about @mdev as @net sees it. Takes spinlocks only: it
 * also runs under rcu_read_lock() for notifications.
 *
 * Return: 0, -ENODEV when @net may not see the device or it is gone,
 * -EMSGSIZE when @skb is full.
 */
static int mcte_nl_dev_fill(struct sk_buff *skb, struct mcte_dev *mdev,
			    const struct net *net, u32 portid, u32 seq,
			    int flags, u8 cmd)
{
	struct ib_device *ibdev;
	int ret = -ENODEV;
	void *hdr;
	u32 i;

	spin_lock(&mdev->lock);
	ibdev = mdev->ibdev;
	if (!ibdev || !rdma_dev_access_netns(ibdev, net))
		goto out_unlock;

	ret = -EMSGSIZE;
	hdr = genlmsg_put(skb, portid, seq, &mcte_nl_family, flags, cmd);
	if (!hdr)
		goto out_unlock;

	if (nla_put_u32(skb, MCTE_A_DEV_INDEX, mdev->index) ||
	    nla_put_string(skb, MCTE_A_DEV_NAME, mdev->name) ||
	    nla_put_u64_64bit(skb, MCTE_A_DEV_NODE_GUID,
			      be64_to_cpu(ibdev->node_guid), MCTE_A_DEV_PAD) ||
	    nla_put_s32(skb, MCTE_A_DEV_NUMA_NODE, mdev->numa_node) ||
	    (mdev->parent &&
	     nla_put_string(skb, MCTE_A_DEV_PARENT, mdev->parent)) ||
	    nla_put_u32(skb, MCTE_A_DEV_NUM_PORTS, mdev->num_ports))
		goto out_cancel;

	for (i = 0; i < mdev->num_ports; i++) {
		if (mcte_nl_port_fill(skb, ibdev, &mdev->ports[i], net))
			goto out_cancel;
	}

	spin_unlock(&mdev->lock);
	genlmsg_end(skb, hdr);
	return 0;

out_cancel:
	genlmsg_cancel(skb, hdr);
out_unlock:
	spin_unlock(&mdev->lock);
	return ret;
}

/**
 * mcte_nl_dev_get_doit() - handle dev-get of one device
 * @skb: the request
 * @info: its attributes and sender
 *
 * Return: 0 or -errno; -ENODEV also for a device the caller's network
 * namespace may not see.
 */
int mcte_nl_dev_get_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct mcte_dev *mdev;
	struct sk_buff *msg;
	int ret;

	if (GENL_REQ_ATTR_CHECK(info, MCTE_A_DEV_INDEX))
		return -EINVAL;

	mdev = mcte_dev_get(nla_get_u32(info->attrs[MCTE_A_DEV_INDEX]));
	if (!mdev) {
		NL_SET_BAD_ATTR(info->extack, info->attrs[MCTE_A_DEV_INDEX]);
		return -ENODEV;
	}

	msg = genlmsg_new(mcte_nl_dev_size(mdev), GFP_KERNEL);
	if (!msg) {
		ret = -ENOMEM;
		goto out_put_dev;
	}

	ret = mcte_nl_dev_fill(msg, mdev, genl_info_net(info),
			       info->snd_portid, info->snd_seq, 0,
			       MCTE_CMD_DEV_GET);
	if (ret) {
		if (ret == -ENODEV)
			NL_SET_BAD_ATTR(info->extack,
					info->attrs[MCTE_A_DEV_INDEX]);
		nlmsg_free(msg);
		goto out_put_dev;
	}

	ret = genlmsg_reply(msg, info);

out_put_dev:
	mcte_dev_put(mdev);
	return ret;
}

/**
 * mcte_nl_dev_get_dumpit() - handle dev-get of all devices
 * @skb: the reply being filled
 * @cb: the dump; args[0] holds the index to continue from
 *
 * Return: the length of @skb while more may follow, 0 at the end, -errno.
 */
int mcte_nl_dev_get_dumpit(struct sk_buff *skb, struct netlink_callback *cb)
{
	const struct net *net = sock_net(skb->sk);
	unsigned long index = cb->args[0];
	struct mcte_dev *mdev;
	int ret = 0;

	while ((mdev = mcte_dev_get_next(&index))) {
		ret = mcte_nl_dev_fill(skb, mdev, net,
				       NETLINK_CB(cb->skb).portid,
				       cb->nlh->nlmsg_seq, NLM_F_MULTI,
				       MCTE_CMD_DEV_GET);
		mcte_dev_put(mdev);
		if (ret == -EMSGSIZE)
			break;
		/* Not visible here, or gone meanwhile: not an error. */
		ret = 0;
		index++;
	}
	cb->args[0] = index;

	/* A full skb ends this round; one too small for a device fails. */
	if (ret == -EMSGSIZE && skb->len)
		return skb->len;
	return ret ?: skb->len;
}

/**
 * mcte_nl_dev_notify() - send a device notification to the events group
 * @mdev: the device, still set up (also for MCTE_CMD_DEV_DEL_NTF)
 * @cmd: MCTE_CMD_DEV_ADD_NTF, MCTE_CMD_DEV_DEL_NTF or
 *	 MCTE_CMD_DEV_CHANGE_NTF
 *
 * Each network namespace that may see the device and has listeners gets
 * its own message. genlmsg_multicast_allns() is not used: it would show
 * a device of an exclusive-mode namespace to every other namespace, and
 * one message cannot carry a netdev that only some namespaces may see.
 * A namespace whose message cannot be allocated misses the event.
 */
void mcte_nl_dev_notify(struct mcte_dev *mdev, u8 cmd)
{
	size_t size = mcte_nl_dev_size(mdev);
	struct sk_buff *skb;
	struct net *net;

	rcu_read_lock();
	for_each_net_rcu(net) {
		if (!genl_has_listeners(&mcte_nl_family, net, MCTE_NLGRP_EVENTS))
			continue;

		skb = genlmsg_new(size, GFP_ATOMIC);
		if (!skb)
			continue;

		if (mcte_nl_dev_fill(skb, mdev, net, 0, 0, 0, cmd)) {
			nlmsg_free(skb);
			continue;
		}

		genlmsg_multicast_netns(&mcte_nl_family, net, skb, 0,
					MCTE_NLGRP_EVENTS, GFP_ATOMIC);
	}
	rcu_read_unlock();
}

/**
 * mcte_nl_init() - register the generic netlink family
 *
 * Return: 0 or -errno.
 */
int mcte_nl_init(void)
{
	return genl_register_family(&mcte_nl_family);
}

/**
 * mcte_nl_exit() - unregister the generic netlink family
 *
 * Waits for handlers in flight; dumps in progress hold the module.
 */
void mcte_nl_exit(void)
{
	genl_unregister_family(&mcte_nl_family);
}
