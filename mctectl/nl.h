/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Generic netlink over libmnl for mctectl: resolving the "mcte" family,
 * requests, dumps, notifications, and attribute parsing with validation.
 * Functions return 0 or -errno; after a failed request nl->ext_msg holds
 * the kernel's extended-ack message, if it sent one.
 */
#ifndef MCTECTL_NL_H
#define MCTECTL_NL_H

#include <stddef.h>
#include <stdint.h>

#include <libmnl/libmnl.h>
#include <linux/genetlink.h>

/* Dumps come in datagrams of up to 32 KiB (netlink_dump()). */
#define NL_RX_SIZE	32768
#define NL_TX_SIZE	4096

struct nl {
	struct mnl_socket *sock;
	unsigned int portid;
	unsigned int seq;

	uint16_t family;		/* id of the "mcte" family */
	uint32_t family_version;	/* as nlctrl reports it */
	uint32_t mcgrp_events;		/* id of group "events", 0 if none */

	char ext_msg[256];		/* extack message of the last error */
	char tx[NL_TX_SIZE];
	char *rx;			/* NL_RX_SIZE bytes */
};

/* Messages of a dump, copied (nl_collect()). */
struct nl_msgs {
	struct nlmsghdr **msg;
	size_t nr;
	size_t room;
};

/*
 * Open a generic netlink socket and resolve the family "mcte".
 * -ENOENT: no such family, i.e. the module is not loaded.
 */
int nl_open(struct nl *nl);
void nl_close(struct nl *nl);

/* Start a request to the mcte family in nl->tx. */
struct nlmsghdr *nl_msg(struct nl *nl, uint8_t cmd, uint16_t flags);

/*
 * Send @nlh (NLM_F_REQUEST and NLM_F_ACK are added) and run @cb on each
 * reply until the ACK, or the end of a dump (NLM_F_DUMP in @nlh).
 */
int nl_request(struct nl *nl, struct nlmsghdr *nlh, mnl_cb_t cb, void *data);

/* A @cb for nl_request() that copies each reply into struct nl_msgs. */
int nl_collect(const struct nlmsghdr *nlh, void *msgs);
void nl_msgs_free(struct nl_msgs *msgs);

/* Notifications: join a multicast group, receive what arrived. */
int nl_join(struct nl *nl, uint32_t group);
/*
 * Wait for one datagram into nl->rx: its length, or -ENOBUFS when the
 * kernel dropped notifications, -EINTR, other -errno.
 */
ssize_t nl_recv(struct nl *nl);
/* Run @cb on each notification of a datagram from nl_recv(). */
int nl_run_notify(struct nl *nl, size_t len, mnl_cb_t cb, void *data);

/*
 * Attributes of a mcte message (after its genlmsghdr), or of a nest,
 * into @tb[0..max]. @policy[type] is the type each attribute must have;
 * MNL_TYPE_UNSPEC, or a type above @max (a newer module), is skipped.
 * An attribute that fails validation is left out of @tb with a warning,
 * so a printer only ever sees absent or well-formed attributes.
 */
int nl_parse(const struct nlmsghdr *nlh,
	     const enum mnl_attr_data_type *policy, unsigned int max,
	     const struct nlattr **tb);
int nl_parse_nested(const struct nlattr *nest,
		    const enum mnl_attr_data_type *policy, unsigned int max,
		    const struct nlattr **tb);

/* genlmsghdr->cmd of a message from the family, -1 if too short. */
int nl_genl_cmd(const struct nlmsghdr *nlh);

#endif /* MCTECTL_NL_H */
