// SPDX-License-Identifier: GPL-2.0
/*
 * mcte - generic netlink family "mcte": request handlers and events.
 * Policies and the op table are in netlink_gen.c.
 *
 * Every request is answered from the caller's network namespace: a device
 * is shown only where rdma_dev_access_netns() allows (all namespaces in
 * ib_core's shared mode, its own in exclusive mode), and a port's network
 * device only in that device's namespace, where its ifindex means
 * something. Segments and counters are those of the caller's namespace's
 * engine; a segment's owner is reported as the caller sees it: its pid in
 * the caller's pid namespace (0 when not visible there), its uid in the
 * user namespace of the caller's socket. Segment events go to the
 * segment's namespace only, with the pid the owner has in its own pid
 * namespace and the uid in the user namespace owning the network
 * namespace. Buffer addresses are never reported.
 *
 * Listeners, peers and paths of the RDMA transport are reported from
 * snapshots (see rdma.h): a dump takes a fresh one at each round and
 * continues at the index where the previous round stopped, so entries that
 * come or go during a dump of many rounds may be missed or seen twice. The
 * priority matrix is reported location by location from copies topo.c
 * makes.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/in.h>
#include <linux/in6.h>
#include <linux/kobject.h>
#include <linux/netdevice.h>
#include <linux/nodemask.h>
#include <linux/pci.h>
#include <linux/pid.h>
#include <linux/pid_namespace.h>
#include <linux/rcupdate.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/user_namespace.h>
#include <net/genetlink.h>
#include <net/net_namespace.h>
#include <net/netlink.h>
#include <rdma/ib_verbs.h>

#include "compat.h"
#include "mcte.h"
#include "netlink_gen.h"
#include "rdma.h"
#include "transport.h"

/*
 * The room reserved for a device's PCI path in a message; a longer one
 * (never seen: it would take a dozen levels of PCIe switches) is left
 * out.
 */
#define MCTE_NL_PCI_PATH_MAX	256

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
	    nla_put_u64_64bit(msg, MCTE_A_VERSION_FEATURES, mcte_features(),
			      MCTE_A_VERSION_PAD) ||
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
	       mdev->num_ports * port +
	       (mdev->parent ?				/* pci-path */
		nla_total_size(MCTE_NL_PCI_PATH_MAX) : 0);
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
	    nla_put_u32(skb, MCTE_A_DEV_NUM_PORTS, mdev->num_ports))
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

/*
 * What a segment message is put together from: the owner as the receiver
 * sees it, and whether the buffers may be cut short to fit (dumps only).
 */
struct mcte_nl_seg_view {
	struct pid_namespace *pidns;
	struct user_namespace *userns;
	bool cut_bufs;
};

static size_t mcte_nl_seg_size(const struct mcte_seg *seg)
{
	size_t buf = nla_total_size(0) +			/* nest */
		     nla_total_size_64bit(sizeof(u64));		/* len */

	return nla_total_size(sizeof(seg->name)) +		/* name */
	       nla_total_size(sizeof(u32)) +			/* owner-pid */
	       nla_total_size(sizeof(u32)) +			/* owner-uid */
	       nla_total_size(sizeof(u32)) +			/* kind */
	       nla_total_size(sizeof(u32)) +			/* access */
	       nla_total_size(sizeof(u32)) +			/* nr-bufs */
	       nla_total_size_64bit(sizeof(u64)) +		/* size */
	       nla_total_size(sizeof(u32)) +			/* inflight */
	       seg->nr_bufs * buf;
}

/* Return: 0, or -EMSGSIZE when @skb is full. */
static int mcte_nl_seg_fill(struct sk_buff *skb, struct mcte_seg *seg,
			    const struct mcte_nl_seg_view *view, u32 portid,
			    u32 seq, int flags, u8 cmd)
{
	struct nlattr *nest;
	void *hdr;
	u32 i;

	hdr = genlmsg_put(skb, portid, seq, &mcte_nl_family, flags, cmd);
	if (!hdr)
		return -EMSGSIZE;

	if (nla_put_string(skb, MCTE_A_SEG_NAME, seg->name) ||
	    nla_put_u32(skb, MCTE_A_SEG_OWNER_PID,
			pid_nr_ns(seg->owner, view->pidns)) ||
	    nla_put_u32(skb, MCTE_A_SEG_OWNER_UID,
			from_kuid_munged(view->userns, seg->uid)) ||
	    nla_put_u32(skb, MCTE_A_SEG_KIND, seg->kind) ||
	    nla_put_u32(skb, MCTE_A_SEG_ACCESS, seg->access) ||
	    nla_put_u32(skb, MCTE_A_SEG_NR_BUFS, seg->nr_bufs) ||
	    nla_put_u64_64bit(skb, MCTE_A_SEG_SIZE, seg->size,
			      MCTE_A_SEG_PAD) ||
	    nla_put_u32(skb, MCTE_A_SEG_INFLIGHT,
			atomic_read(&seg->inflight)))
		goto out_cancel;

	for (i = 0; i < seg->nr_bufs; i++) {
		nest = nla_nest_start(skb, MCTE_A_SEG_BUF);
		if (!nest)
			goto out_cut;
		if (nla_put_u64_64bit(skb, MCTE_A_BUF_LEN, seg->bufs[i].len,
				      MCTE_A_BUF_PAD)) {
			nla_nest_cancel(skb, nest);
			goto out_cut;
		}
		nla_nest_end(skb, nest);
	}

	genlmsg_end(skb, hdr);
	return 0;

out_cut:
	/* nr-bufs says how many there are; the lengths that fit follow. */
	if (view->cut_bufs) {
		genlmsg_end(skb, hdr);
		return 0;
	}
out_cancel:
	genlmsg_cancel(skb, hdr);
	return -EMSGSIZE;
}

/**
 * mcte_nl_seg_get_doit() - handle seg-get of one segment, by name
 * @skb: the request
 * @info: its attributes and sender
 *
 * Return: 0 or -errno; -ENOENT for a name not registered in the caller's
 * network namespace.
 */
int mcte_nl_seg_get_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct mcte_engine *eng = mcte_engine(genl_info_net(info));
	struct mcte_nl_seg_view view = {
		.pidns = task_active_pid_ns(current),
		.userns = sk_user_ns(NETLINK_CB(skb).sk),
	};
	struct mcte_seg *seg;
	struct sk_buff *msg;
	int ret;

	if (GENL_REQ_ATTR_CHECK(info, MCTE_A_SEG_NAME))
		return -EINVAL;

	seg = mcte_seg_lookup(eng, nla_data(info->attrs[MCTE_A_SEG_NAME]));
	if (!seg) {
		NL_SET_BAD_ATTR(info->extack, info->attrs[MCTE_A_SEG_NAME]);
		return -ENOENT;
	}

	msg = genlmsg_new(mcte_nl_seg_size(seg), GFP_KERNEL);
	if (!msg) {
		ret = -ENOMEM;
		goto out_put_seg;
	}
	ret = mcte_nl_seg_fill(msg, seg, &view, info->snd_portid,
			       info->snd_seq, 0, MCTE_CMD_SEG_GET);
	if (ret) {
		nlmsg_free(msg);
		goto out_put_seg;
	}
	ret = genlmsg_reply(msg, info);

out_put_seg:
	mcte_seg_put(seg);
	return ret;
}

/**
 * mcte_nl_seg_get_dumpit() - handle seg-get of all segments
 * @skb: the reply being filled
 * @cb: the dump; args[0] holds the segment id to continue from
 *
 * A segment with more buffers than fit in one message is reported with
 * the lengths of those that fit.
 *
 * Return: the length of @skb while more may follow, 0 at the end, -errno.
 */
int mcte_nl_seg_get_dumpit(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct mcte_engine *eng = mcte_engine(sock_net(skb->sk));
	struct mcte_nl_seg_view view = {
		.pidns = task_active_pid_ns(current),
		.userns = sk_user_ns(NETLINK_CB(cb->skb).sk),
	};
	struct mcte_seg *seg;
	unsigned long id;
	int ret = 0;

	mutex_lock(&eng->seg_lock);
	xa_for_each_start(&eng->segs, id, seg, cb->args[0]) {
		view.cut_bufs = false;
		ret = mcte_nl_seg_fill(skb, seg, &view,
				       NETLINK_CB(cb->skb).portid,
				       cb->nlh->nlmsg_seq, NLM_F_MULTI,
				       MCTE_CMD_SEG_GET);
		if (ret && !skb->len) {
			view.cut_bufs = true;
			ret = mcte_nl_seg_fill(skb, seg, &view,
					       NETLINK_CB(cb->skb).portid,
					       cb->nlh->nlmsg_seq, NLM_F_MULTI,
					       MCTE_CMD_SEG_GET);
		}
		if (ret)
			break;
		cb->args[0] = id + 1;
	}
	mutex_unlock(&eng->seg_lock);

	/* A full skb ends this round; one too small for a segment fails. */
	if (ret == -EMSGSIZE && skb->len)
		return skb->len;
	return ret ?: skb->len;
}

/**
 * mcte_nl_seg_notify() - send a segment notification to the events group
 * @seg: the segment, registered (MCTE_CMD_SEG_ADD_NTF) or just
 *	 unregistered (MCTE_CMD_SEG_DEL_NTF)
 * @cmd: MCTE_CMD_SEG_ADD_NTF or MCTE_CMD_SEG_DEL_NTF
 *
 * Goes to the segment's network namespace only. Process context.
 */
void mcte_nl_seg_notify(struct mcte_seg *seg, u8 cmd)
{
	struct net *net = seg->eng->net;
	struct mcte_nl_seg_view view = {
		.pidns = ns_of_pid(seg->owner),
		.userns = net->user_ns,
	};
	struct sk_buff *skb;

	if (!genl_has_listeners(&mcte_nl_family, net, MCTE_NLGRP_EVENTS))
		return;

	skb = genlmsg_new(mcte_nl_seg_size(seg), GFP_KERNEL);
	if (!skb)
		return;
	if (mcte_nl_seg_fill(skb, seg, &view, 0, 0, 0, cmd)) {
		nlmsg_free(skb);
		return;
	}
	genlmsg_multicast_netns(&mcte_nl_family, net, skb, 0,
				MCTE_NLGRP_EVENTS, GFP_KERNEL);
}

/* Netlink attribute of each counter, indexed by enum mcte_stat. */
static const u16 mcte_nl_stat_attr[MCTE_STAT_NR] = {
	[MCTE_STAT_REQ_SUBMITTED]	= MCTE_A_STAT_REQ_SUBMITTED,
	[MCTE_STAT_REQ_COMPLETED]	= MCTE_A_STAT_REQ_COMPLETED,
	[MCTE_STAT_REQ_FAILED]		= MCTE_A_STAT_REQ_FAILED,
	[MCTE_STAT_REQ_TIMEOUT]		= MCTE_A_STAT_REQ_TIMEOUT,
	[MCTE_STAT_REQ_CANCELED]	= MCTE_A_STAT_REQ_CANCELED,
	[MCTE_STAT_BYTES_READ]		= MCTE_A_STAT_BYTES_READ,
	[MCTE_STAT_BYTES_WRITTEN]	= MCTE_A_STAT_BYTES_WRITTEN,
	[MCTE_STAT_SLICES]		= MCTE_A_STAT_SLICES,
	[MCTE_STAT_WIRE_REFUSED]	= MCTE_A_STAT_WIRE_REFUSED,
	[MCTE_STAT_CONN_REFUSED]	= MCTE_A_STAT_CONN_REFUSED,
	[MCTE_STAT_AUTH_FAILED]		= MCTE_A_STAT_AUTH_FAILED,
	[MCTE_STAT_OPEN_REFUSED]	= MCTE_A_STAT_OPEN_REFUSED,
	[MCTE_STAT_PATHS_FAILED]	= MCTE_A_STAT_PATHS_FAILED,
};

/**
 * mcte_nl_stat_get_doit() - handle stat-get
 * @skb: the request
 * @info: its sender
 *
 * Return: 0 or -errno.
 */
int mcte_nl_stat_get_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct mcte_engine *eng = mcte_engine(genl_info_net(info));
	struct mcte_gauges g;
	u64 vals[MCTE_STAT_NR];
	struct sk_buff *msg;
	void *hdr;
	int i;

	msg = genlmsg_new((MCTE_STAT_NR + 5) * nla_total_size_64bit(sizeof(u64)),
			  GFP_KERNEL);
	if (!msg)
		return -ENOMEM;

	hdr = genlmsg_put_reply(msg, info, &mcte_nl_family, 0,
				MCTE_CMD_STAT_GET);
	if (!hdr)
		goto out_free_msg;

	mcte_stats_read(eng, vals);
	for (i = 0; i < MCTE_STAT_NR; i++) {
		if (nla_put_u64_64bit(msg, mcte_nl_stat_attr[i], vals[i],
				      MCTE_A_STAT_PAD))
			goto out_free_msg;
	}
	if (nla_put_u64_64bit(msg, MCTE_A_STAT_SEGMENTS,
			      atomic_long_read(&eng->nr_segs),
			      MCTE_A_STAT_PAD) ||
	    nla_put_u64_64bit(msg, MCTE_A_STAT_BATCHES,
			      atomic_long_read(&eng->nr_batches),
			      MCTE_A_STAT_PAD))
		goto out_free_msg;
	mcte_transports_gauges(eng, &g);
	if (nla_put_u64_64bit(msg, MCTE_A_STAT_PEERS, g.peers,
			      MCTE_A_STAT_PAD) ||
	    nla_put_u64_64bit(msg, MCTE_A_STAT_PATHS, g.paths,
			      MCTE_A_STAT_PAD) ||
	    nla_put_u64_64bit(msg, MCTE_A_STAT_OPENS, g.opens,
			      MCTE_A_STAT_PAD))
		goto out_free_msg;

	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);

out_free_msg:
	nlmsg_free(msg);
	return -EMSGSIZE;
}

/* ------------------------------------------------------------------ */
/* Listeners, peers and paths of the RDMA transport                     */

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
 * Puts a device name from a fixed-size array, NUL-terminated even if the
 * array is not; an empty name is left out.
 *
 * Return: 0, or -EMSGSIZE.
 */
static int mcte_nl_put_name(struct sk_buff *skb, int type, const char *name,
			    size_t size)
{
	size_t len = strnlen(name, size - 1);
	struct nlattr *attr;

	if (!len)
		return 0;
	attr = nla_reserve(skb, type, len + 1);
	if (!attr)
		return -EMSGSIZE;
	memcpy(nla_data(attr), name, len);
	((char *)nla_data(attr))[len] = '\0';
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

/* ------------------------------------------------------------------ */
/* The priority matrix                                                  */

/* "cpu:N" and its NUL, N up to the largest int. */
#define MCTE_NL_LOCATION_MAX	16

static int mcte_nl_topo_fill(struct sk_buff *skb, int nid,
			     const struct mcte_topo_entry *ent, u32 portid,
			     u32 seq, int flags)
{
	char loc[MCTE_NL_LOCATION_MAX];
	int attr;
	void *hdr;
	u32 i;

	hdr = genlmsg_put(skb, portid, seq, &mcte_nl_family, flags,
			  MCTE_CMD_TOPO_GET);
	if (!hdr)
		return -EMSGSIZE;

	snprintf(loc, sizeof(loc), "cpu:%d", nid);
	if (nla_put_string(skb, MCTE_A_TOPO_LOCATION, loc))
		goto out_cancel;
	for (i = 0; i < ent->nr; i++) {
		attr = ent->nics[i].class == MCTE_TOPO_PREFERRED ?
		       MCTE_A_TOPO_PREFERRED : MCTE_A_TOPO_FALLBACK;
		if (mcte_nl_put_name(skb, attr, ent->nics[i].name,
				     sizeof(ent->nics[i].name)))
			goto out_cancel;
	}
	if (nla_put_u8(skb, MCTE_A_TOPO_AUTO, ent->automatic))
		goto out_cancel;

	genlmsg_end(skb, hdr);
	return 0;

out_cancel:
	genlmsg_cancel(skb, hdr);
	return -EMSGSIZE;
}

/**
 * mcte_nl_topo_get_dumpit() - handle topo-get
 * @skb: the reply being filled
 * @cb: the dump; args[0] holds the NUMA node to continue from
 *
 * One message per online NUMA node, and per node that is not online but
 * has an entry set by topo-set.
 *
 * Return: the length of @skb while more may follow, 0 at the end, -errno.
 */
int mcte_nl_topo_get_dumpit(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct mcte_engine *eng = mcte_engine(sock_net(skb->sk));
	struct mcte_topo_entry *ent;
	unsigned long nid;
	int ret = 0;

	for (nid = cb->args[0]; nid < nr_node_ids; nid++) {
		if (!node_possible(nid))
			continue;
		ent = mcte_topo_get(eng, nid);
		if (IS_ERR(ent)) {
			ret = PTR_ERR(ent);
			break;
		}
		if (ent->automatic && !node_online(nid)) {
			kfree(ent);
			continue;
		}
		ret = mcte_nl_topo_fill(skb, nid, ent,
					NETLINK_CB(cb->skb).portid,
					cb->nlh->nlmsg_seq, NLM_F_MULTI);
		kfree(ent);
		if (ret)
			break;
	}
	cb->args[0] = nid;

	/* A full skb ends this round; one too small for an entry fails. */
	if (ret == -EMSGSIZE && skb->len)
		return skb->len;
	return ret ?: skb->len;
}

/* Whether @name is among the first @nr devices of @ent. */
static bool mcte_nl_topo_named(const struct mcte_topo_entry *ent, u32 nr,
			       const char *name)
{
	u32 i;

	for (i = 0; i < nr; i++) {
		if (!strcmp(ent->nics[i].name, name))
			return true;
	}
	return false;
}

/**
 * mcte_nl_topo_set_doit() - handle topo-set
 * @skb: the request
 * @info: its attributes and sender
 *
 * Replaces the entry of a location with the devices named, or makes it
 * automatic again when none is. Every device named must exist in the
 * caller's network namespace and be named once.
 *
 * Return: 0, -EINVAL for a bad location or a device named twice, -ENODEV
 * for a device that does not exist, -E2BIG for too many, -ENOMEM.
 */
int mcte_nl_topo_set_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct mcte_engine *eng = mcte_engine(genl_info_net(info));
	struct mcte_topo_entry *ent = NULL;
	const struct nlattr *attr;
	const char *name;
	u32 nr = 0, i = 0;
	int nid, rem, type;
	int ret;

	if (GENL_REQ_ATTR_CHECK(info, MCTE_A_TOPO_LOCATION))
		return -EINVAL;
	nid = mcte_topo_location(nla_data(info->attrs[MCTE_A_TOPO_LOCATION]));
	if (nid < 0) {
		NL_SET_ERR_MSG_ATTR(info->extack,
				    info->attrs[MCTE_A_TOPO_LOCATION],
				    "location must be cpu:N for a possible NUMA node N");
		return -EINVAL;
	}

	nlmsg_for_each_attr(attr, info->nlhdr, GENL_HDRLEN, rem) {
		type = nla_type(attr);
		if (type == MCTE_A_TOPO_PREFERRED ||
		    type == MCTE_A_TOPO_FALLBACK)
			nr++;
	}
	if (nr > MCTE_TOPO_NICS_MAX) {
		NL_SET_ERR_MSG(info->extack, "too many devices for one location");
		return -E2BIG;
	}

	if (nr) {
		ent = mcte_topo_entry_alloc(nr);
		if (!ent)
			return -ENOMEM;
	}

	nlmsg_for_each_attr(attr, info->nlhdr, GENL_HDRLEN, rem) {
		type = nla_type(attr);
		if (type != MCTE_A_TOPO_PREFERRED &&
		    type != MCTE_A_TOPO_FALLBACK)
			continue;
		name = nla_data(attr);
		if (mcte_nl_topo_named(ent, i, name)) {
			NL_SET_ERR_MSG_ATTR(info->extack, attr,
					    "RDMA device named twice");
			ret = -EINVAL;
			goto out_free_ent;
		}
		if (!mcte_topo_dev_exists(eng, name)) {
			NL_SET_BAD_ATTR(info->extack, attr);
			mcte_extack_nodev(info->extack, name);
			ret = -ENODEV;
			goto out_free_ent;
		}
		strscpy(ent->nics[i].name, name, sizeof(ent->nics[i].name));
		ent->nics[i].class = type == MCTE_A_TOPO_PREFERRED ?
				     MCTE_TOPO_PREFERRED : MCTE_TOPO_FALLBACK;
		i++;
	}

	mcte_topo_set(eng, nid, ent);
	return 0;

out_free_ent:
	kfree(ent);
	return ret;
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
