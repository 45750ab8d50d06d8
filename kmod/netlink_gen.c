// SPDX-License-Identifier: GPL-2.0
/*
 * mcte - generic netlink family "mcte": policies, operations and groups as
 * Documentation/netlink/specs/mcte.yaml declares them, one to one.
 *
 * struct genl_ops rather than genl_split_ops: split ops appeared in 6.2.
 * A do and a dump of one command therefore share a policy; the dumps of
 * dev-get and seg-get accept the do's attribute and ignore it.
 */

#include <linux/module.h>
#include <net/genetlink.h>
#include <net/netlink.h>

#include "netlink_gen.h"

/* MCTE_CMD_DEV_GET - do */
static const struct nla_policy mcte_dev_get_nl_policy[MCTE_A_DEV_INDEX + 1] = {
	[MCTE_A_DEV_INDEX] = { .type = NLA_U32, },
};

/* MCTE_CMD_SEG_GET - do */
static const struct nla_policy mcte_seg_get_nl_policy[MCTE_A_SEG_NAME + 1] = {
	[MCTE_A_SEG_NAME] = { .type = NLA_NUL_STRING, },
};

/* MCTE_CMD_LISTEN_ADD - do */
static const struct nla_policy mcte_listen_add_nl_policy[MCTE_A_LISTEN_PORT + 1] = {
	[MCTE_A_LISTEN_ADDR] = { .type = NLA_BINARY, .len = 16, },
	[MCTE_A_LISTEN_PORT] = NLA_POLICY_MIN(NLA_U16, 1),
};

/* MCTE_CMD_LISTEN_DEL - do */
static const struct nla_policy mcte_listen_del_nl_policy[MCTE_A_LISTEN_PORT + 1] = {
	[MCTE_A_LISTEN_ADDR] = { .type = NLA_BINARY, .len = 16, },
	[MCTE_A_LISTEN_PORT] = NLA_POLICY_MIN(NLA_U16, 1),
};

/* MCTE_CMD_TOPO_SET - do */
static const struct nla_policy mcte_topo_set_nl_policy[MCTE_A_TOPO_FALLBACK + 1] = {
	[MCTE_A_TOPO_LOCATION] = { .type = NLA_NUL_STRING, .len = 31, },
	[MCTE_A_TOPO_PREFERRED] = { .type = NLA_NUL_STRING, .len = 63, },
	[MCTE_A_TOPO_FALLBACK] = { .type = NLA_NUL_STRING, .len = 63, },
};

/* MCTE_CMD_AUTH_SET - do */
static const struct nla_policy mcte_auth_set_nl_policy[MCTE_A_AUTH_KEY + 1] = {
	[MCTE_A_AUTH_KEY] = NLA_POLICY_RANGE(NLA_BINARY, 16, 64),
};

/* MCTE_CMD_POLICY_SET - do */
static const struct nla_policy mcte_policy_set_nl_policy[MCTE_A_POLICY_DIALS_PER_USER + 1] = {
	[MCTE_A_POLICY_REMOTE_OPEN] = NLA_POLICY_MAX(NLA_U32, 2),
	[MCTE_A_POLICY_GROUP] = { .type = NLA_U32, },
	[MCTE_A_POLICY_PEERS_PER_USER] = NLA_POLICY_RANGE(NLA_U32, 1, 1024),
	[MCTE_A_POLICY_DIALS_PER_USER] = NLA_POLICY_RANGE(NLA_U32, 1, 1024),
};

/* Ops table for mcte */
static const struct genl_ops mcte_nl_ops[] = {
	{
		.cmd		= MCTE_CMD_VERSION_GET,
		.doit		= mcte_nl_version_get_doit,
	},
	{
		.cmd		= MCTE_CMD_DEV_GET,
		.doit		= mcte_nl_dev_get_doit,
		.dumpit		= mcte_nl_dev_get_dumpit,
		.policy		= mcte_dev_get_nl_policy,
		.maxattr	= MCTE_A_DEV_INDEX,
	},
	{
		.cmd		= MCTE_CMD_SEG_GET,
		.doit		= mcte_nl_seg_get_doit,
		.dumpit		= mcte_nl_seg_get_dumpit,
		.policy		= mcte_seg_get_nl_policy,
		.maxattr	= MCTE_A_SEG_NAME,
	},
	{
		.cmd		= MCTE_CMD_STAT_GET,
		.doit		= mcte_nl_stat_get_doit,
	},
	{
		.cmd		= MCTE_CMD_LISTEN_ADD,
		.doit		= mcte_nl_listen_add_doit,
		.policy		= mcte_listen_add_nl_policy,
		.maxattr	= MCTE_A_LISTEN_PORT,
		.flags		= GENL_ADMIN_PERM,
	},
	{
		.cmd		= MCTE_CMD_LISTEN_DEL,
		.doit		= mcte_nl_listen_del_doit,
		.policy		= mcte_listen_del_nl_policy,
		.maxattr	= MCTE_A_LISTEN_PORT,
		.flags		= GENL_ADMIN_PERM,
	},
	{
		.cmd		= MCTE_CMD_LISTEN_GET,
		.dumpit		= mcte_nl_listen_get_dumpit,
	},
	{
		.cmd		= MCTE_CMD_PEER_GET,
		.dumpit		= mcte_nl_peer_get_dumpit,
	},
	{
		.cmd		= MCTE_CMD_PATH_GET,
		.dumpit		= mcte_nl_path_get_dumpit,
	},
	{
		.cmd		= MCTE_CMD_TOPO_GET,
		.dumpit		= mcte_nl_topo_get_dumpit,
	},
	{
		.cmd		= MCTE_CMD_TOPO_SET,
		.doit		= mcte_nl_topo_set_doit,
		.policy		= mcte_topo_set_nl_policy,
		.maxattr	= MCTE_A_TOPO_FALLBACK,
		.flags		= GENL_ADMIN_PERM,
	},
	{
		.cmd		= MCTE_CMD_AUTH_SET,
		.doit		= mcte_nl_auth_set_doit,
		.policy		= mcte_auth_set_nl_policy,
		.maxattr	= MCTE_A_AUTH_KEY,
		.flags		= GENL_ADMIN_PERM,
	},
	{
		.cmd		= MCTE_CMD_AUTH_DEL,
		.doit		= mcte_nl_auth_del_doit,
		.flags		= GENL_ADMIN_PERM,
	},
	{
		.cmd		= MCTE_CMD_AUTH_GET,
		.doit		= mcte_nl_auth_get_doit,
	},
	{
		.cmd		= MCTE_CMD_POLICY_SET,
		.doit		= mcte_nl_policy_set_doit,
		.policy		= mcte_policy_set_nl_policy,
		.maxattr	= MCTE_A_POLICY_DIALS_PER_USER,
		.flags		= GENL_ADMIN_PERM,
	},
	{
		.cmd		= MCTE_CMD_POLICY_GET,
		.doit		= mcte_nl_policy_get_doit,
	},
};

static const struct genl_multicast_group mcte_nl_mcgrps[] = {
	[MCTE_NLGRP_EVENTS] = { .name = MCTE_MCGRP_EVENTS, },
};

struct genl_family mcte_nl_family __ro_after_init = {
	.name		= MCTE_FAMILY_NAME,
	.version	= MCTE_FAMILY_VERSION,
	.netnsok	= true,
	.parallel_ops	= true,
	.module		= THIS_MODULE,
	.ops		= mcte_nl_ops,
	.n_ops		= ARRAY_SIZE(mcte_nl_ops),
	.mcgrps		= mcte_nl_mcgrps,
	.n_mcgrps	= ARRAY_SIZE(mcte_nl_mcgrps),
};
