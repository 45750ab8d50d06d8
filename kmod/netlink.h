/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mcte - what netlink.c lends the other netlink handlers (rdma_netlink.c,
 * netlink_trust.c): the family, which the generator leaves to us for a
 * genetlink-legacy spec, and helpers. Policies, ops and handler prototypes
 * are in netlink_gen.h.
 */
#ifndef _MCTE_NETLINK_H
#define _MCTE_NETLINK_H

#include <linux/skbuff.h>
#include <linux/types.h>
#include <net/genetlink.h>

extern struct genl_family mcte_nl_family;

int mcte_nl_put_name(struct sk_buff *skb, int type, const char *name,
		     size_t size);
int mcte_nl_dump_only(struct genl_info *info);
int mcte_nl_no_attr(struct genl_info *info, int type);

#endif /* _MCTE_NETLINK_H */
