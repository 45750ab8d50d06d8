/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mcte - generic netlink family "mcte": declarations that follow
 * Documentation/netlink/specs/mcte.yaml one to one. Kept apart from the
 * hand-written handlers (netlink.c, rdma_netlink.c, netlink_trust.c), in
 * the shape ynl-gen gives them.
 */
#ifndef _MCTE_NETLINK_GEN_H
#define _MCTE_NETLINK_GEN_H

#include <net/genetlink.h>
#include <net/netlink.h>

#include <linux/mcte.h>

int mcte_nl_version_get_doit(struct sk_buff *skb, struct genl_info *info);
int mcte_nl_dev_get_doit(struct sk_buff *skb, struct genl_info *info);
int mcte_nl_dev_get_dumpit(struct sk_buff *skb, struct netlink_callback *cb);
int mcte_nl_seg_get_doit(struct sk_buff *skb, struct genl_info *info);
int mcte_nl_seg_get_dumpit(struct sk_buff *skb, struct netlink_callback *cb);
int mcte_nl_stat_get_doit(struct sk_buff *skb, struct genl_info *info);
int mcte_nl_listen_add_doit(struct sk_buff *skb, struct genl_info *info);
int mcte_nl_listen_del_doit(struct sk_buff *skb, struct genl_info *info);
int mcte_nl_listen_get_dumpit(struct sk_buff *skb,
			      struct netlink_callback *cb);
int mcte_nl_peer_get_dumpit(struct sk_buff *skb, struct netlink_callback *cb);
int mcte_nl_path_get_dumpit(struct sk_buff *skb, struct netlink_callback *cb);
int mcte_nl_topo_get_dumpit(struct sk_buff *skb, struct netlink_callback *cb);
int mcte_nl_topo_set_doit(struct sk_buff *skb, struct genl_info *info);
int mcte_nl_auth_set_doit(struct sk_buff *skb, struct genl_info *info);
int mcte_nl_auth_del_doit(struct sk_buff *skb, struct genl_info *info);
int mcte_nl_auth_get_doit(struct sk_buff *skb, struct genl_info *info);
int mcte_nl_policy_set_doit(struct sk_buff *skb, struct genl_info *info);
int mcte_nl_policy_get_doit(struct sk_buff *skb, struct genl_info *info);

enum {
	MCTE_NLGRP_EVENTS,
};

extern struct genl_family mcte_nl_family;

#endif /* _MCTE_NETLINK_GEN_H */
