// SPDX-License-Identifier: ((GPL-2.0 WITH Linux-syscall-note) OR BSD-3-Clause)
/* Do not edit directly, auto-generated from: */
/*	Documentation/netlink/specs/mcte.yaml */
/* YNL-GEN kernel source */

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

#include <net/netlink.h>
#include <net/genetlink.h>

#include "netlink_gen.h"

#include <uapi/linux/mcte.h>

/* MCTE_CMD_VERSION_GET - do */
const struct nla_policy mcte_version_get_nl_policy[MCTE_A_VERSION_PAD + 1] = {
};

/* MCTE_CMD_DEV_GET - do */
const struct nla_policy mcte_dev_get_nl_policy[MCTE_A_DEV_INDEX + 1] = {
	[MCTE_A_DEV_INDEX] = { .type = NLA_U32, },
};

/* MCTE_CMD_SEG_GET - do */
const struct nla_policy mcte_seg_get_nl_policy[MCTE_A_SEG_NAME + 1] = {
	[MCTE_A_SEG_NAME] = { .type = NLA_NUL_STRING, },
};

/* MCTE_CMD_STAT_GET - do */
const struct nla_policy mcte_stat_get_nl_policy[MCTE_A_STAT_PAD + 1] = {
};

/* MCTE_CMD_LISTEN_ADD - do */
const struct nla_policy mcte_listen_add_nl_policy[MCTE_A_LISTEN_PORT + 1] = {
	[MCTE_A_LISTEN_ADDR] = { .type = NLA_BINARY, },
	[MCTE_A_LISTEN_PORT] = NLA_POLICY_MIN(NLA_U16, 1),
};

/* MCTE_CMD_LISTEN_DEL - do */
const struct nla_policy mcte_listen_del_nl_policy[MCTE_A_LISTEN_PORT + 1] = {
	[MCTE_A_LISTEN_ADDR] = { .type = NLA_BINARY, },
	[MCTE_A_LISTEN_PORT] = NLA_POLICY_MIN(NLA_U16, 1),
};

/* MCTE_CMD_LISTEN_GET - do */
const struct nla_policy mcte_listen_get_nl_policy[MCTE_A_LISTEN_AUTH + 1] = {
	[MCTE_A_LISTEN_AUTH] = { .type = NLA_U8, },
};

/* MCTE_CMD_PEER_GET - do */
const struct nla_policy mcte_peer_get_nl_policy[MCTE_A_PEER_PAD + 1] = {
};

/* MCTE_CMD_PATH_GET - do */
const struct nla_policy mcte_path_get_nl_policy[MCTE_A_PATH_PAD + 1] = {
};

/* MCTE_CMD_TOPO_GET - do */
const struct nla_policy mcte_topo_get_nl_policy[MCTE_A_TOPO_AUTO + 1] = {
	[MCTE_A_TOPO_AUTO] = { .type = NLA_U8, },
};

/* MCTE_CMD_TOPO_SET - do */
const struct nla_policy mcte_topo_set_nl_policy[MCTE_A_TOPO_FALLBACK + 1] = {
	[MCTE_A_TOPO_LOCATION] = { .type = NLA_NUL_STRING, .len = 31, },
	[MCTE_A_TOPO_PREFERRED] = { .type = NLA_STRING, .len = 63, },
	[MCTE_A_TOPO_FALLBACK] = { .type = NLA_STRING, .len = 63, },
};

/* MCTE_CMD_AUTH_SET - do */
const struct nla_policy mcte_auth_set_nl_policy[MCTE_A_AUTH_KEY + 1] = {
	[MCTE_A_AUTH_KEY] = { .type = NLA_BINARY, },
};

/* MCTE_CMD_AUTH_DEL - do */
const struct nla_policy mcte_auth_del_nl_policy[MCTE_A_AUTH_REQUIRED + 1] = {
	[MCTE_A_AUTH_REQUIRED] = { .type = NLA_U8, },
};

/* MCTE_CMD_AUTH_GET - do */
const struct nla_policy mcte_auth_get_nl_policy[MCTE_A_AUTH_REQUIRED + 1] = {
	[MCTE_A_AUTH_REQUIRED] = { .type = NLA_U8, },
};

/* MCTE_CMD_POLICY_SET - do */
const struct nla_policy mcte_policy_set_nl_policy[MCTE_A_POLICY_DIALS_PER_USER + 1] = {
	[MCTE_A_POLICY_REMOTE_OPEN] = NLA_POLICY_MAX(NLA_U32, 2),
	[MCTE_A_POLICY_GROUP] = { .type = NLA_U32, },
	[MCTE_A_POLICY_PEERS_PER_USER] = NLA_POLICY_RANGE(NLA_U32, 1, 1024),
	[MCTE_A_POLICY_DIALS_PER_USER] = NLA_POLICY_RANGE(NLA_U32, 1, 1024),
};

/* MCTE_CMD_POLICY_GET - do */
const struct nla_policy mcte_policy_get_nl_policy[MCTE_A_POLICY_GROUP + 1] = {
	[MCTE_A_POLICY_GROUP] = { .type = NLA_U32, },
};

/* Ops table for mcte */
const struct genl_ops mcte_nl_ops[16] = {
	{
		.cmd		= MCTE_CMD_VERSION_GET,
		.doit		= mcte_nl_version_get_doit,
		.policy		= mcte_version_get_nl_policy,
		.maxattr	= MCTE_A_VERSION_PAD,
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
		.policy		= mcte_stat_get_nl_policy,
		.maxattr	= MCTE_A_STAT_PAD,
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
		.doit		= mcte_nl_listen_get_doit,
		.dumpit		= mcte_nl_listen_get_dumpit,
		.policy		= mcte_listen_get_nl_policy,
		.maxattr	= MCTE_A_LISTEN_AUTH,
	},
	{
		.cmd		= MCTE_CMD_PEER_GET,
		.doit		= mcte_nl_peer_get_doit,
		.dumpit		= mcte_nl_peer_get_dumpit,
		.policy		= mcte_peer_get_nl_policy,
		.maxattr	= MCTE_A_PEER_PAD,
	},
	{
		.cmd		= MCTE_CMD_PATH_GET,
		.doit		= mcte_nl_path_get_doit,
		.dumpit		= mcte_nl_path_get_dumpit,
		.policy		= mcte_path_get_nl_policy,
		.maxattr	= MCTE_A_PATH_PAD,
	},
	{
		.cmd		= MCTE_CMD_TOPO_GET,
		.doit		= mcte_nl_topo_get_doit,
		.dumpit		= mcte_nl_topo_get_dumpit,
		.policy		= mcte_topo_get_nl_policy,
		.maxattr	= MCTE_A_TOPO_AUTO,
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
		.policy		= mcte_auth_del_nl_policy,
		.maxattr	= MCTE_A_AUTH_REQUIRED,
		.flags		= GENL_ADMIN_PERM,
	},
	{
		.cmd		= MCTE_CMD_AUTH_GET,
		.doit		= mcte_nl_auth_get_doit,
		.policy		= mcte_auth_get_nl_policy,
		.maxattr	= MCTE_A_AUTH_REQUIRED,
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
		.policy		= mcte_policy_get_nl_policy,
		.maxattr	= MCTE_A_POLICY_GROUP,
	},
};

static const struct genl_multicast_group mcte_nl_mcgrps[] = {
	[MCTE_NLGRP_EVENTS] = { "events", },
};
