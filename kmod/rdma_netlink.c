// SPDX-License-Identifier: GPL-2.0
/*
 * mcte - generic netlink family "mcte": the handlers and events of the
 * RDMA transport: its devices, listeners, peers and paths. The op table
 * (netlink_gen.c) names them as it names the core's (netlink.c).
 *
 * Every request is answered from the caller's network namespace: a device
 * is shown only where rdma_dev_access_netns() allows (all namespaces in
 * ib_core's shared mode, its own in exclusive mode), and a port's network
 * device only in that device's namespace, where its ifindex means
 * something.
 *
 * Listeners, peers and paths are reported from snapshots (see rdma.h): a
 * dump takes a fresh one at each round and continues at the index where
 * the previous round stopped, so entries that come or go during a dump of
 * many rounds may be missed or seen twice.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/in.h>
#include <linux/in6.h>
#include <linux/kobject.h>
#include <linux/netdevice.h>
#include <linux/pci.h>
#include <linux/rcupdate.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <net/genetlink.h>
#include <net/net_namespace.h>
#include <net/netlink.h>
#include <rdma/ib_verbs.h>

#include "compat.h"
#include "mcte.h"
#include "netlink.h"
#include "netlink_gen.h"
#include "rdma.h"

/*
 * The room reserved for a device's PCI path in a message; a longer one
 * (never seen: it would take a dozen levels of PCIe switches) is left
 * out.
 */
#define MCTE_NL_PCI_PATH_MAX	256

/* ------------------------------------------------------------------ */
/* Devices                                                              */

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
	       mdev->num_ports * port +
	       (mdev->parent ?				/* pci-path */
		nla_total_size(MCTE_NL_PCI_PATH_MAX) : 0) +
	       4 * nla_total_size_64bit(sizeof(u64));	/* counters */
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
 * The sysfs path of the PCI device @ibdev sits on, when it fits the room
 * mcte_nl_dev_size() reserved; nothing without a PCI parent or memory.
 * Atomic context: it runs under the device's spinlock.
 */
static int mcte_nl_pci_path_fill(struct sk_buff *skb, struct ib_device *ibdev)
{
	struct device *parent = ibdev->dev.parent;
	char *path;
	int ret = 0;

	if (!parent || !dev_is_pci(parent))
		return 0;

	path = kobject_get_path(&parent->kobj, GFP_ATOMIC);
	if (path && strlen(path) < MCTE_NL_PCI_PATH_MAX)
		ret = nla_put_string(skb, MCTE_A_DEV_PCI_PATH, path);
	kfree(path);
	return ret;
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
	    nla_put_u32(skb, MCTE_A_DEV_NUM_PORTS, mdev->num_ports) ||
	    nla_put_u64_64bit(skb, MCTE_A_DEV_BYTES_WRITTEN,
			      atomic64_read(&mdev->bytes_written),
			      MCTE_A_DEV_PAD) ||
	    nla_put_u64_64bit(skb, MCTE_A_DEV_BYTES_READ,
			      atomic64_read(&mdev->bytes_read), MCTE_A_DEV_PAD) ||
	    nla_put_u64_64bit(skb, MCTE_A_DEV_SLICES,
			      atomic64_read(&mdev->slices), MCTE_A_DEV_PAD) ||
	    nla_put_u64_64bit(skb, MCTE_A_DEV_ERRORS,
			      atomic64_read(&mdev->errors), MCTE_A_DEV_PAD))
		goto out_cancel;

	for (i = 0; i < mdev->num_ports; i++) {
		if (mcte_nl_port_fill(skb, ibdev, &mdev->ports[i], net))
			goto out_cancel;
	}

	if (mcte_nl_pci_path_fill(skb, ibdev))
		goto out_cancel;

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

/* ------------------------------------------------------------------ */
/* Listeners, peers and paths                                           */

/* An IPv4 or IPv6 address attribute, its port attribute, both payloads. */
#define MCTE_NL_ADDR_SIZE	(nla_total_size(sizeof(struct in6_addr)) + \
				 nla_total_size(sizeof(u16)))

/*
 * Puts the address of @ss as @addr_type (4 or 16 bytes, network order) and
 * its port as @port_type (host order; not when @port_type is 0). An
 * address of neither family (not known yet) is left out.
 *
 * Return: 0, or -EMSGSIZE.
 */
static int mcte_nl_put_addr(struct sk_buff *skb, int addr_type, int port_type,
			    const struct sockaddr_storage *ss)
{
	const struct sockaddr_in6 *sin6 = (const void *)ss;
	const struct sockaddr_in *sin = (const void *)ss;
	__be16 port;

	switch (ss->ss_family) {
	case AF_INET:
		if (nla_put_in_addr(skb, addr_type, sin->sin_addr.s_addr))
			return -EMSGSIZE;
		port = sin->sin_port;
		break;
	case AF_INET6:
		if (nla_put_in6_addr(skb, addr_type, &sin6->sin6_addr))
			return -EMSGSIZE;
		port = sin6->sin6_port;
		break;
	default:
		return 0;
	}

	if (port_type && nla_put_u16(skb, port_type, ntohs(port)))
		return -EMSGSIZE;
	return 0;
}

/*
 * The address and port of a listen-add or listen-del request, as
 * rdma_cm takes them.
 */
static int mcte_nl_listen_parse(struct genl_info *info,
				struct sockaddr_storage *ss)
{
	struct nlattr *attr = info->attrs[MCTE_A_LISTEN_ADDR];
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;
	struct sockaddr_in *sin = (struct sockaddr_in *)ss;
	u16 port = MCTE_RDMA_PORT;

	if (GENL_REQ_ATTR_CHECK(info, MCTE_A_LISTEN_ADDR))
		return -EINVAL;
	if (info->attrs[MCTE_A_LISTEN_PORT])
		port = nla_get_u16(info->attrs[MCTE_A_LISTEN_PORT]);

	/*
	 * ynl-gen has no max-len for binary attributes: the ERANGE the
	 * policy's .len = 16 gave, before the length is looked at.
	 */
	if (nla_len(attr) > sizeof(struct in6_addr)) {
		NL_SET_ERR_MSG_ATTR(info->extack, attr,
				    "address longer than 16 bytes");
		return -ERANGE;
	}

	memset(ss, 0, sizeof(*ss));
	switch (nla_len(attr)) {
	case sizeof(struct in_addr):
		sin->sin_family = AF_INET;
		sin->sin_addr.s_addr = nla_get_in_addr(attr);
		sin->sin_port = htons(port);
		return 0;
	case sizeof(struct in6_addr):
		sin6->sin6_family = AF_INET6;
		sin6->sin6_addr = nla_get_in6_addr(attr);
		sin6->sin6_port = htons(port);
		return 0;
	default:
		NL_SET_ERR_MSG_ATTR(info->extack, attr,
				    "address must be 4 bytes (IPv4) or 16 bytes (IPv6)");
		return -EINVAL;
	}
}

/**
 * mcte_nl_listen_add_doit() - handle listen-add
 * @skb: the request
 * @info: its attributes and sender
 *
 * Return: 0 or -errno, from the transport but for a malformed request.
 */
int mcte_nl_listen_add_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct mcte_engine *eng = mcte_engine(genl_info_net(info));
	struct sockaddr_storage ss;
	int ret;

	ret = mcte_nl_listen_parse(info, &ss);
	if (ret)
		return ret;
	return mcte_listen_add(eng, &ss, info->extack);
}

/**
 * mcte_nl_listen_del_doit() - handle listen-del
 * @skb: the request
 * @info: its attributes and sender
 *
 * Return: 0 or -errno; -ENOENT when not listening there.
 */
int mcte_nl_listen_del_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct mcte_engine *eng = mcte_engine(genl_info_net(info));
	struct sockaddr_storage ss;
	int ret;

	ret = mcte_nl_listen_parse(info, &ss);
	if (ret)
		return ret;
	ret = mcte_listen_del(eng, &ss);
	if (ret == -ENOENT)
		NL_SET_ERR_MSG(info->extack,
			       "not listening on this address and port");
	return ret;
}

/*
 * One round of a dump from a snapshot of @nr entries of @size bytes, each
 * put into its message by @fill (which returns 0 or -EMSGSIZE):
 * cb->args[0] is the index to continue from, cb->args[1] is set once all
 * were put, so that the last round takes no snapshot.
 *
 * Return: what a dumpit returns.
 */
static int mcte_nl_snapshot_dump(struct sk_buff *skb,
				 struct netlink_callback *cb, const void *infos,
				 u32 nr, size_t size, u8 cmd,
				 int (*fill)(struct sk_buff *skb,
					     const void *info))
{
	unsigned long i;
	int ret = 0;
	void *hdr;

	for (i = cb->args[0]; i < nr; i++) {
		hdr = genlmsg_put(skb, NETLINK_CB(cb->skb).portid,
				  cb->nlh->nlmsg_seq, &mcte_nl_family,
				  NLM_F_MULTI, cmd);
		if (!hdr) {
			ret = -EMSGSIZE;
			break;
		}
		ret = fill(skb, (const u8 *)infos + i * size);
		if (ret) {
			genlmsg_cancel(skb, hdr);
			break;
		}
		genlmsg_end(skb, hdr);
	}
	cb->args[0] = i;
	if (i >= nr)
		cb->args[1] = 1;

	/* A full skb ends this round; one too small for an entry fails. */
	if (ret == -EMSGSIZE && skb->len)
		return skb->len;
	return ret ?: skb->len;
}

static int mcte_nl_listen_fill(struct sk_buff *skb, const void *info)
{
	const struct mcte_listen_info *li = info;

	if (mcte_nl_put_addr(skb, MCTE_A_LISTEN_ADDR, MCTE_A_LISTEN_PORT,
			     &li->addr) ||
	    mcte_nl_put_name(skb, MCTE_A_LISTEN_DEV_NAME, li->dev,
			     sizeof(li->dev)) ||
	    nla_put_u8(skb, MCTE_A_LISTEN_AUTH, li->auth))
		return -EMSGSIZE;
	return 0;
}

/**
 * mcte_nl_listen_get_doit() - the do of listen-get, which only dumps
 * @skb: the request
 * @info: its attributes and sender
 *
 * Return: -EOPNOTSUPP.
 */
int mcte_nl_listen_get_doit(struct sk_buff *skb, struct genl_info *info)
{
	return mcte_nl_dump_only(info);
}

/**
 * mcte_nl_listen_get_dumpit() - handle listen-get
 * @skb: the reply being filled
 * @cb: the dump, see mcte_nl_snapshot_dump()
 *
 * Return: the length of @skb while more may follow, 0 at the end, -errno.
 */
int mcte_nl_listen_get_dumpit(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct mcte_engine *eng = mcte_engine(sock_net(skb->sk));
	struct mcte_listen_info *infos;
	u32 nr;
	int ret;

	if (cb->args[1])
		return 0;
	ret = mcte_listen_snapshot(eng, &infos, &nr);
	if (ret)
		return ret;
	ret = mcte_nl_snapshot_dump(skb, cb, infos, nr, sizeof(*infos),
				    MCTE_CMD_LISTEN_GET, mcte_nl_listen_fill);
	kfree(infos);
	return ret;
}

static int mcte_nl_peer_fill(struct sk_buff *skb, const void *info)
{
	const struct mcte_peer_info *pi = info;

	if (nla_put_u64_64bit(skb, MCTE_A_PEER_ID, pi->id, MCTE_A_PEER_PAD) ||
	    mcte_nl_put_addr(skb, MCTE_A_PEER_ADDR, MCTE_A_PEER_PORT,
			     &pi->addr) ||
	    nla_put_u32(skb, MCTE_A_PEER_NR_PATHS, pi->nr_paths) ||
	    nla_put_u32(skb, MCTE_A_PEER_NR_PATHS_UP, pi->nr_paths_up) ||
	    nla_put_u32(skb, MCTE_A_PEER_NR_SEGS, pi->nr_segs))
		return -EMSGSIZE;
	return 0;
}

/**
 * mcte_nl_peer_get_doit() - the do of peer-get, which only dumps
 * @skb: the request
 * @info: its attributes and sender
 *
 * Return: -EOPNOTSUPP.
 */
int mcte_nl_peer_get_doit(struct sk_buff *skb, struct genl_info *info)
{
	return mcte_nl_dump_only(info);
}

/**
 * mcte_nl_peer_get_dumpit() - handle peer-get
 * @skb: the reply being filled
 * @cb: the dump, see mcte_nl_snapshot_dump()
 *
 * Return: the length of @skb while more may follow, 0 at the end, -errno.
 */
int mcte_nl_peer_get_dumpit(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct mcte_engine *eng = mcte_engine(sock_net(skb->sk));
	struct mcte_peer_info *infos;
	u32 nr;
	int ret;

	if (cb->args[1])
		return 0;
	ret = mcte_peer_snapshot(eng, &infos, &nr);
	if (ret)
		return ret;
	ret = mcte_nl_snapshot_dump(skb, cb, infos, nr, sizeof(*infos),
				    MCTE_CMD_PEER_GET, mcte_nl_peer_fill);
	kfree(infos);
	return ret;
}

static size_t mcte_nl_path_size(void)
{
	return nla_total_size(sizeof(u32)) +			/* id */
	       nla_total_size_64bit(sizeof(u64)) +		/* peer-id */
	       nla_total_size(sizeof(u32)) +			/* state */
	       nla_total_size(sizeof(u8)) +			/* active */
	       2 * nla_total_size(IB_DEVICE_NAME_MAX) +	/* local/remote-dev */
	       nla_total_size(sizeof(struct in6_addr)) +	/* local-addr */
	       MCTE_NL_ADDR_SIZE +			/* remote-addr, -port */
	       nla_total_size(sizeof(u32)) +			/* qpn */
	       5 * nla_total_size_64bit(sizeof(u64));		/* counters */
}

static int mcte_nl_path_fill(struct sk_buff *skb, const void *info)
{
	const struct mcte_path_info *pi = info;

	if (nla_put_u32(skb, MCTE_A_PATH_ID, pi->id) ||
	    nla_put_u64_64bit(skb, MCTE_A_PATH_PEER_ID, pi->peer_id,
			      MCTE_A_PATH_PAD) ||
	    nla_put_u32(skb, MCTE_A_PATH_STATE, pi->state) ||
	    nla_put_u8(skb, MCTE_A_PATH_ACTIVE, pi->active) ||
	    mcte_nl_put_name(skb, MCTE_A_PATH_LOCAL_DEV, pi->local_dev,
			     sizeof(pi->local_dev)) ||
	    mcte_nl_put_name(skb, MCTE_A_PATH_REMOTE_DEV, pi->remote_dev,
			     sizeof(pi->remote_dev)) ||
	    mcte_nl_put_addr(skb, MCTE_A_PATH_LOCAL_ADDR, 0, &pi->local) ||
	    mcte_nl_put_addr(skb, MCTE_A_PATH_REMOTE_ADDR,
			     MCTE_A_PATH_REMOTE_PORT, &pi->remote) ||
	    nla_put_u32(skb, MCTE_A_PATH_QPN, pi->qpn) ||
	    nla_put_u64_64bit(skb, MCTE_A_PATH_BYTES, pi->bytes,
			      MCTE_A_PATH_PAD) ||
	    nla_put_u64_64bit(skb, MCTE_A_PATH_SLICES, pi->slices,
			      MCTE_A_PATH_PAD) ||
	    nla_put_u64_64bit(skb, MCTE_A_PATH_ERRORS, pi->errors,
			      MCTE_A_PATH_PAD) ||
	    nla_put_u64_64bit(skb, MCTE_A_PATH_RETRIES, pi->retries,
			      MCTE_A_PATH_PAD) ||
	    nla_put_u64_64bit(skb, MCTE_A_PATH_RECONNECTS, pi->reconnects,
			      MCTE_A_PATH_PAD))
		return -EMSGSIZE;
	return 0;
}

/**
 * mcte_nl_path_get_doit() - the do of path-get, which only dumps
 * @skb: the request
 * @info: its attributes and sender
 *
 * Return: -EOPNOTSUPP.
 */
int mcte_nl_path_get_doit(struct sk_buff *skb, struct genl_info *info)
{
	return mcte_nl_dump_only(info);
}

/**
 * mcte_nl_path_get_dumpit() - handle path-get
 * @skb: the reply being filled
 * @cb: the dump, see mcte_nl_snapshot_dump()
 *
 * Return: the length of @skb while more may follow, 0 at the end, -errno.
 */
int mcte_nl_path_get_dumpit(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct mcte_engine *eng = mcte_engine(sock_net(skb->sk));
	struct mcte_path_info *infos;
	u32 nr;
	int ret;

	if (cb->args[1])
		return 0;
	ret = mcte_path_snapshot(eng, &infos, &nr);
	if (ret)
		return ret;
	ret = mcte_nl_snapshot_dump(skb, cb, infos, nr, sizeof(*infos),
				    MCTE_CMD_PATH_GET, mcte_nl_path_fill);
	kfree(infos);
	return ret;
}

/**
 * mcte_nl_path_notify() - send a path event to the events group
 * @eng: the engine of the path
 * @pi: the path as it is now
 * @cmd: MCTE_CMD_PATH_UP_NTF or MCTE_CMD_PATH_DOWN_NTF
 *
 * Goes to the engine's network namespace only. Process context, no
 * spinlock held: it allocates with GFP_KERNEL. A message that cannot be
 * allocated is not sent.
 */
void mcte_nl_path_notify(struct mcte_engine *eng,
			 const struct mcte_path_info *pi, u8 cmd)
{
	struct net *net = eng->net;
	struct sk_buff *skb;
	void *hdr;

	might_sleep();
	if (!genl_has_listeners(&mcte_nl_family, net, MCTE_NLGRP_EVENTS))
		return;

	skb = genlmsg_new(mcte_nl_path_size(), GFP_KERNEL);
	if (!skb)
		return;
	hdr = genlmsg_put(skb, 0, 0, &mcte_nl_family, 0, cmd);
	if (!hdr)
		goto out_free_skb;
	if (mcte_nl_path_fill(skb, pi))
		goto out_free_skb;
	genlmsg_end(skb, hdr);
	genlmsg_multicast_netns(&mcte_nl_family, net, skb, 0,
				MCTE_NLGRP_EVENTS, GFP_KERNEL);
	return;

out_free_skb:
	nlmsg_free(skb);
}
