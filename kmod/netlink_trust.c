// SPDX-License-Identifier: GPL-2.0
/*
 * mcte - generic netlink family "mcte": the trust settings of an engine,
 * peer authentication (auth-set, auth-del, auth-get) and what users may
 * make the engine do over the network (policy-set, policy-get).
 *
 * Setting needs CAP_NET_ADMIN in the namespace's user namespace
 * (GENL_ADMIN_PERM in netlink_gen.c); reading does not. The cluster key is
 * taken and never given back: auth-get says whether one is set, nothing
 * more. A group is taken and reported as the caller's user namespace sees
 * it.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/string.h>
#include <linux/uidgid.h>
#include <linux/user_namespace.h>
#include <net/genetlink.h>
#include <net/netlink.h>
#include <net/sock.h>

#include "mcte.h"
#include "netlink.h"
#include "netlink_gen.h"
#include "rdma.h"

/**
 * mcte_nl_auth_set_doit() - handle auth-set: set or change the cluster key
 * @skb: the request
 * @info: its attributes and sender
 *
 * Every path to another engine is closed: each reconnects, or is made
 * again by its peer, and must prove the new key.
 *
 * Return: 0 or -errno.
 */
int mcte_nl_auth_set_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct mcte_engine *eng = mcte_engine(genl_info_net(info));
	struct nlattr *key;

	if (GENL_REQ_ATTR_CHECK(info, MCTE_A_AUTH_KEY))
		return -EINVAL;
	key = info->attrs[MCTE_A_AUTH_KEY];
	/*
	 * ynl-gen cannot write min-len with max-len for a binary attribute:
	 * the spec's 16 to 64 bytes are checked here, with the ERANGE that
	 * NLA_POLICY_RANGE(NLA_BINARY, 16, 64) would give.
	 */
	if (nla_len(key) < 16 || nla_len(key) > 64) {
		NL_SET_ERR_MSG_ATTR(info->extack, key,
				    "the key must be 16 to 64 bytes");
		return -ERANGE;
	}
	return mcte_auth_set(eng, nla_data(key), nla_len(key));
}

/**
 * mcte_nl_auth_del_doit() - handle auth-del: peers need no key any more
 * @skb: the request
 * @info: its sender
 *
 * Return: 0, or -ENOENT when no key was set.
 */
int mcte_nl_auth_del_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct mcte_engine *eng = mcte_engine(genl_info_net(info));
	int ret;

	ret = mcte_nl_no_attr(info, MCTE_A_AUTH_REQUIRED);
	if (ret)
		return ret;
	if (!mcte_auth_engine_required(eng)) {
		NL_SET_ERR_MSG(info->extack, "no cluster key is set");
		return -ENOENT;
	}
	return mcte_auth_set(eng, NULL, 0);
}

/**
 * mcte_nl_auth_get_doit() - handle auth-get: whether peers must authenticate
 * @skb: the request
 * @info: its sender
 *
 * Return: 0 or -errno.
 */
int mcte_nl_auth_get_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct mcte_engine *eng = mcte_engine(genl_info_net(info));
	struct sk_buff *msg;
	void *hdr;
	int ret;

	ret = mcte_nl_no_attr(info, MCTE_A_AUTH_REQUIRED);
	if (ret)
		return ret;
	msg = genlmsg_new(nla_total_size(sizeof(u8)), GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	hdr = genlmsg_put_reply(msg, info, &mcte_nl_family, 0,
				MCTE_CMD_AUTH_GET);
	if (!hdr ||
	    nla_put_u8(msg, MCTE_A_AUTH_REQUIRED,
		       mcte_auth_engine_required(eng))) {
		nlmsg_free(msg);
		return -EMSGSIZE;
	}
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);
}

/**
 * mcte_nl_policy_set_doit() - handle policy-set: change what is given
 * @skb: the request
 * @info: its attributes and sender
 *
 * Attributes left out keep their value. Remote opens restricted to a group
 * need the group in the same request or set before.
 *
 * Return: 0 or -errno.
 */
int mcte_nl_policy_set_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct user_namespace *ns = sk_user_ns(NETLINK_CB(skb).sk);
	struct mcte_engine *eng = mcte_engine(genl_info_net(info));
	struct mcte_policy *pol = &eng->policy;
	struct nlattr **tb = info->attrs;
	kgid_t gid = READ_ONCE(pol->gid);
	bool have_gid = tb[MCTE_A_POLICY_GROUP];
	u32 who = READ_ONCE(pol->remote_open);

	if (have_gid) {
		gid = make_kgid(ns, nla_get_u32(tb[MCTE_A_POLICY_GROUP]));
		if (!gid_valid(gid)) {
			NL_SET_ERR_MSG_ATTR(info->extack, tb[MCTE_A_POLICY_GROUP],
					    "group has no mapping in this user namespace");
			return -EINVAL;
		}
	}
	if (tb[MCTE_A_POLICY_REMOTE_OPEN])
		who = nla_get_u32(tb[MCTE_A_POLICY_REMOTE_OPEN]);
	if (who == MCTE_REMOTE_OPEN_GROUP && !have_gid &&
	    READ_ONCE(pol->remote_open) != MCTE_REMOTE_OPEN_GROUP) {
		NL_SET_ERR_MSG(info->extack, "remote opens by group need the group");
		return -EINVAL;
	}

	/* The group before the rule that reads it. */
	WRITE_ONCE(pol->gid, gid);
	WRITE_ONCE(pol->remote_open, who);
	if (tb[MCTE_A_POLICY_PEERS_PER_USER])
		WRITE_ONCE(pol->peers_per_user,
			   nla_get_u32(tb[MCTE_A_POLICY_PEERS_PER_USER]));
	if (tb[MCTE_A_POLICY_DIALS_PER_USER])
		WRITE_ONCE(pol->dials_per_user,
			   nla_get_u32(tb[MCTE_A_POLICY_DIALS_PER_USER]));
	return 0;
}

/**
 * mcte_nl_policy_get_doit() - handle policy-get
 * @skb: the request
 * @info: its sender
 *
 * The group is reported only while remote opens are restricted to one,
 * as the caller's user namespace sees it.
 *
 * Return: 0 or -errno.
 */
int mcte_nl_policy_get_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct user_namespace *ns = sk_user_ns(NETLINK_CB(skb).sk);
	struct mcte_engine *eng = mcte_engine(genl_info_net(info));
	struct mcte_policy *pol = &eng->policy;
	u32 who = READ_ONCE(pol->remote_open);
	struct sk_buff *msg;
	void *hdr;
	int ret;

	ret = mcte_nl_no_attr(info, MCTE_A_POLICY_GROUP);
	if (ret)
		return ret;
	msg = genlmsg_new(4 * nla_total_size(sizeof(u32)), GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	hdr = genlmsg_put_reply(msg, info, &mcte_nl_family, 0,
				MCTE_CMD_POLICY_GET);
	if (!hdr)
		goto out_free_msg;
	if (nla_put_u32(msg, MCTE_A_POLICY_REMOTE_OPEN, who) ||
	    (who == MCTE_REMOTE_OPEN_GROUP &&
	     nla_put_u32(msg, MCTE_A_POLICY_GROUP,
			 from_kgid_munged(ns, READ_ONCE(pol->gid)))) ||
	    nla_put_u32(msg, MCTE_A_POLICY_PEERS_PER_USER,
			READ_ONCE(pol->peers_per_user)) ||
	    nla_put_u32(msg, MCTE_A_POLICY_DIALS_PER_USER,
			READ_ONCE(pol->dials_per_user)))
		goto out_free_msg;
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);

out_free_msg:
	nlmsg_free(msg);
	return -EMSGSIZE;
}
