/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mcte - what netlink.c lends the netlink handlers of transports
 * (rdma_netlink.c); the family itself is in netlink_gen.h.
 */
#ifndef _MCTE_NETLINK_H
#define _MCTE_NETLINK_H

#include <linux/skbuff.h>
#include <linux/types.h>

int mcte_nl_put_name(struct sk_buff *skb, int type, const char *name,
		     size_t size);

#endif /* _MCTE_NETLINK_H */
