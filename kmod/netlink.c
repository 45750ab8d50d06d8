// SPDX-License-Identifier: GPL-2.0
/*
 * mcte - generic netlink family "mcte": request handlers and events of the
 * core. Policies and the op table are in netlink_gen.c, generated from the
 * spec by scripts/nl-gen.sh, the family in netlink_family.c; the handlers of
 * the RDMA transport (devices, listeners, peers, paths) in rdma_netlink.c,
 * those of the trust settings in netlink_trust.c.
 *
 * Every request is answered from the caller's network namespace. Segments
 * and counters are those of the caller's namespace's engine; a segment's
 * owner is reported as the caller sees it: its pid in the caller's pid
 * namespace (0 when not visible there), its uid in the user namespace of
 * the caller's socket. Segment events go to the segment's namespace only,
 * with the pid the owner has in its own pid namespace and the uid in the
 * user namespace owning the network namespace. Buffer addresses are never
 * reported. The priority matrix is reported location by location from
 * copies topo.c makes.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/nodemask.h>
#include <linux/pid.h>
#include <linux/pid_namespace.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/user_namespace.h>
#include <net/genetlink.h>
#include <net/net_namespace.h>
#include <net/netlink.h>

#include "compat.h"
#include "mcte.h"
#include "netlink.h"
#include "netlink_gen.h"
#include "seg_kind.h"
#include "topo_pci.h"
#include "transport.h"

/**
 * mcte_nl_dump_only() - answer the do of a command that only dumps
 * @info: the request
 *
 * The generator's per-op table gives every command a do; the do of
 * listen-get, peer-get, path-get and topo-get answers what genetlink
 * answers for a command without one.
 *
 * Return: -EOPNOTSUPP.
 */
int mcte_nl_dump_only(struct genl_info *info)
{
	NL_SET_ERR_MSG(info->extack, "only a dump is supported");
	return -EOPNOTSUPP;
}

/**
 * mcte_nl_no_attr() - refuse the one attribute a request policy names
 * @info: the request
 * @type: the attribute
 *
 * The generator wants a request attribute for each do; auth-get, auth-del
 * and policy-get take none and name one from a set without a pad
 * attribute. Refusing it keeps what a command without a policy answers.
 *
 * Return: 0, or -EINVAL when the request carries @type.
 */
int mcte_nl_no_attr(struct genl_info *info, int type)
{
	if (!info->attrs[type])
		return 0;
	NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[type],
			    "the command takes no attributes");
	return -EINVAL;
}

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
	       (seg->ops->nl_size ? seg->ops->nl_size(seg) : 0) +
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
	if (seg->ops->nl_fill && seg->ops->nl_fill(seg, skb))
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
	[MCTE_STAT_KEY_PAGES]		= MCTE_A_STAT_KEY_PAGES,
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
/* Helpers, lent to the transports' handlers too (netlink.h)            */

/**
 * mcte_nl_put_name() - put a device name from a fixed-size array
 * @skb: the message
 * @type: the attribute
 * @name: the name, NUL-terminated in the message even if not in @name
 * @size: bytes of @name
 *
 * An empty name is left out.
 *
 * Return: 0, or -EMSGSIZE.
 */
int mcte_nl_put_name(struct sk_buff *skb, int type, const char *name,
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

	mcte_topo_location_name(nid, loc, sizeof(loc));
	if (nla_put_string(skb, MCTE_A_TOPO_LOCATION, loc))
		goto out_cancel;
	for (i = 0; i < ent->nr; i++) {
		attr = ent->nics[i].class == MCTE_TOPO_PREFERRED ?
		       MCTE_A_TOPO_PREFERRED : MCTE_A_TOPO_FALLBACK;
		if (mcte_nl_put_name(skb, attr, ent->nics[i].name,
				     sizeof(ent->nics[i].name)))
			goto out_cancel;
		/* Right after its device: the two go together in order. */
		if (ent->automatic &&
		    nla_put_string(skb, MCTE_A_TOPO_REASON,
				   mcte_pci_dist_name(ent->nics[i].reason)))
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
 * mcte_nl_topo_get_doit() - the do of topo-get, which only dumps
 * @skb: the request
 * @info: its attributes and sender
 *
 * Return: -EOPNOTSUPP.
 */
int mcte_nl_topo_get_doit(struct sk_buff *skb, struct genl_info *info)
{
	return mcte_nl_dump_only(info);
}

/**
 * mcte_nl_topo_get_dumpit() - handle topo-get
 * @skb: the reply being filled
 * @cb: the dump; args[0] holds the NUMA node to continue from
 *
 * One message per online NUMA node and per GPU (cuda:N), and per location
 * that is not there but has an entry set by topo-set.
 *
 * Return: the length of @skb while more may follow, 0 at the end, -errno.
 */
int mcte_nl_topo_get_dumpit(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct mcte_engine *eng = mcte_engine(sock_net(skb->sk));
	struct mcte_topo_entry *ent;
	unsigned long nid;
	int ret = 0;

	for (nid = cb->args[0]; nid < mcte_topo_nr_locations(); nid++) {
		if (nid < nr_node_ids && !node_possible(nid))
			continue;
		ent = mcte_topo_get(eng, nid);
		if (IS_ERR(ent)) {
			ret = PTR_ERR(ent);
			break;
		}
		if (ent->automatic && !mcte_topo_location_present(nid)) {
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
				    "location must be cpu:N for a possible NUMA node N, or cuda:N for N below "
				    __stringify(MCTE_TOPO_GPUS_MAX));
		return -EINVAL;
	}

	nlmsg_for_each_attr(attr, info->nlhdr, GENL_HDRLEN, rem) {
		type = nla_type(attr);
		if (type != MCTE_A_TOPO_PREFERRED &&
		    type != MCTE_A_TOPO_FALLBACK)
			continue;
		/*
		 * ynl-gen makes multi-attr strings NLA_STRING: the policy
		 * bounds the length (63) but not the NUL that the names are
		 * used with below, which NLA_NUL_STRING would have checked.
		 */
		if (!memchr(nla_data(attr), '\0', nla_len(attr))) {
			NL_SET_ERR_MSG_ATTR(info->extack, attr,
					    "device name without its NUL");
			return -EINVAL;
		}
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
