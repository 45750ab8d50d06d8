// SPDX-License-Identifier: GPL-2.0
/*
 * mcte - an engine's policy: what its users may make it do over the
 * network, as an administrator set it through netlink (mctectl policy).
 *
 * Remote opens may be left to every user (the default), restricted to a
 * group, or to administrators (CAP_NET_ADMIN in the engine's network
 * namespace, who always may). The limits on peers per user are enforced
 * by the transports when a user's open would make a new peer
 * (rdma_peer.c); administrators are bound by the engine's own limit only.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/capability.h>
#include <linux/cred.h>
#include <net/net_namespace.h>

#include "mcte.h"

/**
 * mcte_policy_init() - the default policy of a new engine
 * @eng: the engine
 */
void mcte_policy_init(struct mcte_engine *eng)
{
	eng->policy.remote_open = MCTE_REMOTE_OPEN_ALL;
	eng->policy.gid = GLOBAL_ROOT_GID;
	eng->policy.peers_per_user = MCTE_POLICY_PEERS_PER_USER;
	eng->policy.dials_per_user = MCTE_POLICY_DIALS_PER_USER;
}

/**
 * mcte_policy_may_open_remote() - whether the caller may open a peer's segment
 * @eng: the engine of the caller's namespace
 *
 * Process context: judges the current task's credentials.
 *
 * Return: 0, or -EPERM when the policy keeps remote opens from the caller.
 */
int mcte_policy_may_open_remote(struct mcte_engine *eng)
{
	u32 who = READ_ONCE(eng->policy.remote_open);

	if (who == MCTE_REMOTE_OPEN_ALL ||
	    ns_capable(eng->net->user_ns, CAP_NET_ADMIN))
		return 0;
	if (who == MCTE_REMOTE_OPEN_GROUP &&
	    in_egroup_p(READ_ONCE(eng->policy.gid)))
		return 0;
	return -EPERM;
}
