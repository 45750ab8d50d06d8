/* SPDX-License-Identifier: ((GPL-2.0 WITH Linux-syscall-note) OR BSD-3-Clause) */
/* Do not edit directly, auto-generated from: */
/*	Documentation/netlink/specs/mcte.yaml */
/* YNL-GEN kernel header */

/*
 * mcte - generic netlink family "mcte": the policies and ops table of
 * Documentation/netlink/specs/mcte.yaml, made by scripts/nl-gen.sh with
 * the kernel's tools/net/ynl/ynl-gen-c.py (Linux 6.12). Edit the spec and
 * rerun the script; `make lint` fails when these files are not its output.
 *
 * kernel-policy per-op gives struct genl_ops, which 6.1 has (split ops
 * came with 6.2): a do and a dump of one command share the do's policy.
 * The protocol, genetlink-legacy, leaves the family struct to
 * netlink_family.c, which compiles this file. The per-op table wants a
 * do with a request attribute for every command: a request of the set's
 * pad attribute alone rejects every attribute, as no policy would;
 * dump-only commands have a do that answers -EOPNOTSUPP; the dumps of
 * listen-get and topo-get accept and ignore the one attribute named
 * (auth, auto), as those of dev-get and seg-get do theirs.
 *
 * Checks the generator does not make, kept in the handlers: the length of
 * the listen address (rdma_netlink.c) and of the auth key
 * (netlink_trust.c), the NUL of topo-set's device names (netlink.c), and
 * the attribute auth-get, auth-del and policy-get must not carry
 * (netlink_trust.c).
 */

#ifndef _LINUX_MCTE_GEN_H
#define _LINUX_MCTE_GEN_H

#include <net/netlink.h>
#include <net/genetlink.h>

#include <uapi/linux/mcte.h>

extern const struct nla_policy mcte_version_get_nl_policy[MCTE_A_VERSION_PAD + 1];

extern const struct nla_policy mcte_dev_get_nl_policy[MCTE_A_DEV_INDEX + 1];

extern const struct nla_policy mcte_seg_get_nl_policy[MCTE_A_SEG_NAME + 1];

extern const struct nla_policy mcte_stat_get_nl_policy[MCTE_A_STAT_PAD + 1];

extern const struct nla_policy mcte_listen_add_nl_policy[MCTE_A_LISTEN_PORT + 1];

extern const struct nla_policy mcte_listen_del_nl_policy[MCTE_A_LISTEN_PORT + 1];

extern const struct nla_policy mcte_listen_get_nl_policy[MCTE_A_LISTEN_AUTH + 1];

extern const struct nla_policy mcte_peer_get_nl_policy[MCTE_A_PEER_PAD + 1];

extern const struct nla_policy mcte_path_get_nl_policy[MCTE_A_PATH_PAD + 1];

extern const struct nla_policy mcte_topo_get_nl_policy[MCTE_A_TOPO_AUTO + 1];

extern const struct nla_policy mcte_topo_set_nl_policy[MCTE_A_TOPO_FALLBACK + 1];

extern const struct nla_policy mcte_auth_set_nl_policy[MCTE_A_AUTH_KEY + 1];

extern const struct nla_policy mcte_auth_del_nl_policy[MCTE_A_AUTH_REQUIRED + 1];

extern const struct nla_policy mcte_auth_get_nl_policy[MCTE_A_AUTH_REQUIRED + 1];

extern const struct nla_policy mcte_policy_set_nl_policy[MCTE_A_POLICY_DIALS_PER_USER + 1];

extern const struct nla_policy mcte_policy_get_nl_policy[MCTE_A_POLICY_GROUP + 1];

/* Ops table for mcte */
extern const struct genl_ops mcte_nl_ops[16];

int mcte_nl_version_get_doit(struct sk_buff *skb, struct genl_info *info);
int mcte_nl_dev_get_doit(struct sk_buff *skb, struct genl_info *info);
int mcte_nl_dev_get_dumpit(struct sk_buff *skb, struct netlink_callback *cb);
int mcte_nl_seg_get_doit(struct sk_buff *skb, struct genl_info *info);
int mcte_nl_seg_get_dumpit(struct sk_buff *skb, struct netlink_callback *cb);
int mcte_nl_stat_get_doit(struct sk_buff *skb, struct genl_info *info);
int mcte_nl_listen_add_doit(struct sk_buff *skb, struct genl_info *info);
int mcte_nl_listen_del_doit(struct sk_buff *skb, struct genl_info *info);
int mcte_nl_listen_get_doit(struct sk_buff *skb, struct genl_info *info);
int mcte_nl_listen_get_dumpit(struct sk_buff *skb, struct netlink_callback *cb);
int mcte_nl_peer_get_doit(struct sk_buff *skb, struct genl_info *info);
int mcte_nl_peer_get_dumpit(struct sk_buff *skb, struct netlink_callback *cb);
int mcte_nl_path_get_doit(struct sk_buff *skb, struct genl_info *info);
int mcte_nl_path_get_dumpit(struct sk_buff *skb, struct netlink_callback *cb);
int mcte_nl_topo_get_doit(struct sk_buff *skb, struct genl_info *info);
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

#endif /* _LINUX_MCTE_GEN_H */
