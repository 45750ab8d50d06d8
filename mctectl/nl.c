// SPDX-License-Identifier: GPL-2.0
/*
 * Generic netlink helpers, see nl.h.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <linux/mcte.h>
#include <linux/netlink.h>

#include "nl.h"

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

/* ---------------------------------------------------------------- */
/* Requests                                                           */

struct nl_req {
	struct nl *nl;
	mnl_cb_t cb;
	void *data;
};

/* Keep the kernel's extended-ack message, if any, after @offset. */
static void nl_extack(struct nl *nl, const struct nlmsghdr *nlh,
		      unsigned int offset)
{
	const struct nlattr *attr;

	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
		return;
	mnl_attr_for_each(attr, nlh, offset) {
		if (mnl_attr_get_type(attr) != NLMSGERR_ATTR_MSG ||
		    mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) < 0)
			continue;
		snprintf(nl->ext_msg, sizeof(nl->ext_msg), "%s",
			 mnl_attr_get_str(attr));
		/* strip the newline some handlers end it with */
		nl->ext_msg[strcspn(nl->ext_msg, "\n")] = '\0';
	}
}

static int nl_cb_error(const struct nlmsghdr *nlh, void *data)
{
	struct nl_req *req = data;
	const struct nlmsgerr *err = mnl_nlmsg_get_payload(nlh);
	unsigned int offset = sizeof(*err);

	if (nlh->nlmsg_len < mnl_nlmsg_size(sizeof(*err))) {
		errno = EBADMSG;
		return MNL_CB_ERROR;
	}
	if (!err->error)
		return MNL_CB_STOP;		/* the ACK */

	if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
		offset += err->msg.nlmsg_len - sizeof(struct nlmsghdr);
	nl_extack(req->nl, nlh, offset);
	errno = err->error < 0 ? -err->error : err->error;
	return MNL_CB_ERROR;
}

/* The end of a dump carries the dump's error, if it failed. */
static int nl_cb_done(const struct nlmsghdr *nlh, void *data)
{
	struct nl_req *req = data;
	int err;

	if (nlh->nlmsg_len < mnl_nlmsg_size(sizeof(int)))
		return MNL_CB_STOP;
	memcpy(&err, mnl_nlmsg_get_payload(nlh), sizeof(err));
	if (err >= 0)
		return MNL_CB_STOP;

	nl_extack(req->nl, nlh, sizeof(int));
	errno = -err;
	return MNL_CB_ERROR;
}

static int nl_cb_data(const struct nlmsghdr *nlh, void *data)
{
	struct nl_req *req = data;

	return req->cb ? req->cb(nlh, req->data) : MNL_CB_OK;
}

/* not const: mnl_cb_run2() takes a plain pointer */
static mnl_cb_t nl_cb_ctl[] = {
	[NLMSG_ERROR]	= nl_cb_error,
	[NLMSG_DONE]	= nl_cb_done,
};

int nl_request(struct nl *nl, struct nlmsghdr *nlh, mnl_cb_t cb, void *data)
{
	struct nl_req req = { .nl = nl, .cb = cb, .data = data };
	ssize_t len;
	int ret;

	nlh->nlmsg_flags |= NLM_F_REQUEST | NLM_F_ACK;
	nlh->nlmsg_seq = ++nl->seq;
	nl->ext_msg[0] = '\0';

	if (mnl_socket_sendto(nl->sock, nlh, nlh->nlmsg_len) < 0)
		return -errno;

	/* until the ACK, the end of the dump, or an error */
	for (;;) {
		len = mnl_socket_recvfrom(nl->sock, nl->rx, NL_RX_SIZE);
		if (len < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		errno = 0;
		ret = mnl_cb_run2(nl->rx, len, nlh->nlmsg_seq, nl->portid,
				  nl_cb_data, &req, nl_cb_ctl,
				  ARRAY_SIZE(nl_cb_ctl));
		if (ret < 0)
			return -(errno ? errno : EIO);
		if (ret == MNL_CB_STOP)
			return 0;
	}
}

struct nlmsghdr *nl_msg(struct nl *nl, uint8_t cmd, uint16_t flags)
{
	struct nlmsghdr *nlh;
	struct genlmsghdr *genl;

	nlh = mnl_nlmsg_put_header(nl->tx);
	nlh->nlmsg_type = nl->family;
	nlh->nlmsg_flags = flags;
	genl = mnl_nlmsg_put_extra_header(nlh, sizeof(*genl));
	genl->cmd = cmd;
	genl->version = MCTE_FAMILY_VERSION;
	return nlh;
}

int nl_collect(const struct nlmsghdr *nlh, void *data)
{
	struct nl_msgs *msgs = data;
	struct nlmsghdr *copy;

	if (msgs->nr == msgs->room) {
		size_t room = msgs->room ? 2 * msgs->room : 16;
		struct nlmsghdr **msg;

		msg = reallocarray(msgs->msg, room, sizeof(*msg));
		if (!msg) {
			errno = ENOMEM;
			return MNL_CB_ERROR;
		}
		msgs->msg = msg;
		msgs->room = room;
	}
	copy = malloc(nlh->nlmsg_len);
	if (!copy) {
		errno = ENOMEM;
		return MNL_CB_ERROR;
	}
	memcpy(copy, nlh, nlh->nlmsg_len);
	msgs->msg[msgs->nr++] = copy;
	return MNL_CB_OK;
}

void nl_msgs_free(struct nl_msgs *msgs)
{
	while (msgs->nr)
		free(msgs->msg[--msgs->nr]);
	free(msgs->msg);
	msgs->msg = NULL;
	msgs->room = 0;
}

/* ---------------------------------------------------------------- */
/* Attributes                                                         */

struct nl_parse_ctx {
	const enum mnl_attr_data_type *policy;
	unsigned int max;
	const struct nlattr **tb;
};

static void nl_warn_malformed(unsigned int type)
{
	static bool warned;

	if (warned)
		return;
	warned = true;
	fprintf(stderr,
		"mctectl: warning: ignoring malformed attribute %u from the kernel\n",
		type);
}

static int nl_parse_attr(const struct nlattr *attr, void *data)
{
	const struct nl_parse_ctx *ctx = data;
	unsigned int type = mnl_attr_get_type(attr);

	if (type > ctx->max || ctx->policy[type] == MNL_TYPE_UNSPEC)
		return MNL_CB_OK;
	if (mnl_attr_validate(attr, ctx->policy[type]) < 0) {
		nl_warn_malformed(type);
		return MNL_CB_OK;
	}
	ctx->tb[type] = attr;
	return MNL_CB_OK;
}

int nl_parse(const struct nlmsghdr *nlh,
	     const enum mnl_attr_data_type *policy, unsigned int max,
	     const struct nlattr **tb)
{
	struct nl_parse_ctx ctx = { .policy = policy, .max = max, .tb = tb };

	memset(tb, 0, (max + 1) * sizeof(*tb));
	if (nlh->nlmsg_len < mnl_nlmsg_size(sizeof(struct genlmsghdr)))
		return -EBADMSG;
	if (mnl_attr_parse(nlh, sizeof(struct genlmsghdr), nl_parse_attr,
			   &ctx) < 0)
		return -EBADMSG;
	return 0;
}

int nl_parse_nested(const struct nlattr *nest,
		    const enum mnl_attr_data_type *policy, unsigned int max,
		    const struct nlattr **tb)
{
	struct nl_parse_ctx ctx = { .policy = policy, .max = max, .tb = tb };

	memset(tb, 0, (max + 1) * sizeof(*tb));
	if (mnl_attr_parse_nested(nest, nl_parse_attr, &ctx) < 0)
		return -EBADMSG;
	return 0;
}

int nl_genl_cmd(const struct nlmsghdr *nlh)
{
	const struct genlmsghdr *genl = mnl_nlmsg_get_payload(nlh);

	if (nlh->nlmsg_len < mnl_nlmsg_size(sizeof(*genl)))
		return -1;
	return genl->cmd;
}

/* ---------------------------------------------------------------- */
/* The family                                                         */

static const enum mnl_attr_data_type nl_ctrl_policy[CTRL_ATTR_MAX + 1] = {
	[CTRL_ATTR_FAMILY_ID]		= MNL_TYPE_U16,
	[CTRL_ATTR_VERSION]		= MNL_TYPE_U32,
	[CTRL_ATTR_MCAST_GROUPS]	= MNL_TYPE_NESTED,
};

static const enum mnl_attr_data_type
nl_grp_policy[CTRL_ATTR_MCAST_GRP_MAX + 1] = {
	[CTRL_ATTR_MCAST_GRP_NAME]	= MNL_TYPE_NUL_STRING,
	[CTRL_ATTR_MCAST_GRP_ID]	= MNL_TYPE_U32,
};

static int nl_cb_family(const struct nlmsghdr *nlh, void *data)
{
	struct nl *nl = data;
	const struct nlattr *tb[CTRL_ATTR_MAX + 1];
	const struct nlattr *gtb[CTRL_ATTR_MCAST_GRP_MAX + 1];
	const struct nlattr *grp;

	if (nl_parse(nlh, nl_ctrl_policy, CTRL_ATTR_MAX, tb) < 0 ||
	    !tb[CTRL_ATTR_FAMILY_ID]) {
		errno = EBADMSG;
		return MNL_CB_ERROR;
	}
	nl->family = mnl_attr_get_u16(tb[CTRL_ATTR_FAMILY_ID]);
	if (tb[CTRL_ATTR_VERSION])
		nl->family_version = mnl_attr_get_u32(tb[CTRL_ATTR_VERSION]);

	if (!tb[CTRL_ATTR_MCAST_GROUPS])
		return MNL_CB_OK;
	mnl_attr_for_each_nested(grp, tb[CTRL_ATTR_MCAST_GROUPS]) {
		if (mnl_attr_validate(grp, MNL_TYPE_NESTED) < 0 ||
		    nl_parse_nested(grp, nl_grp_policy,
				    CTRL_ATTR_MCAST_GRP_MAX, gtb) < 0 ||
		    !gtb[CTRL_ATTR_MCAST_GRP_NAME] ||
		    !gtb[CTRL_ATTR_MCAST_GRP_ID])
			continue;
		if (!strcmp(mnl_attr_get_str(gtb[CTRL_ATTR_MCAST_GRP_NAME]),
			    MCTE_MCGRP_EVENTS))
			nl->mcgrp_events =
				mnl_attr_get_u32(gtb[CTRL_ATTR_MCAST_GRP_ID]);
	}
	return MNL_CB_OK;
}

static int nl_resolve(struct nl *nl, const char *name)
{
	struct nlmsghdr *nlh;
	struct genlmsghdr *genl;

	nlh = mnl_nlmsg_put_header(nl->tx);
	nlh->nlmsg_type = GENL_ID_CTRL;
	genl = mnl_nlmsg_put_extra_header(nlh, sizeof(*genl));
	genl->cmd = CTRL_CMD_GETFAMILY;
	genl->version = 1;
	mnl_attr_put_strz(nlh, CTRL_ATTR_FAMILY_NAME, name);

	return nl_request(nl, nlh, nl_cb_family, nl);
}

int nl_open(struct nl *nl)
{
	int one = 1;
	int err;

	memset(nl, 0, offsetof(struct nl, tx));
	nl->rx = malloc(NL_RX_SIZE);
	if (!nl->rx)
		return -ENOMEM;

	nl->sock = mnl_socket_open2(NETLINK_GENERIC, SOCK_CLOEXEC);
	if (!nl->sock) {
		err = -errno;
		goto out_free_rx;
	}
	if (mnl_socket_bind(nl->sock, 0, MNL_SOCKET_AUTOPID) < 0) {
		err = -errno;
		goto out_close;
	}
	nl->portid = mnl_socket_get_portid(nl->sock);
	nl->seq = time(NULL);

	/* Both are optional: older kernels just give plainer errors. */
	mnl_socket_setsockopt(nl->sock, NETLINK_EXT_ACK, &one, sizeof(one));
	mnl_socket_setsockopt(nl->sock, NETLINK_CAP_ACK, &one, sizeof(one));

	err = nl_resolve(nl, MCTE_FAMILY_NAME);
	if (err)
		goto out_close;
	return 0;

out_close:
	mnl_socket_close(nl->sock);
	nl->sock = NULL;
out_free_rx:
	free(nl->rx);
	nl->rx = NULL;
	return err;
}

void nl_close(struct nl *nl)
{
	if (nl->sock)
		mnl_socket_close(nl->sock);
	nl->sock = NULL;
	free(nl->rx);
	nl->rx = NULL;
}

/* ---------------------------------------------------------------- */
/* Notifications                                                      */

int nl_join(struct nl *nl, uint32_t group)
{
	if (mnl_socket_setsockopt(nl->sock, NETLINK_ADD_MEMBERSHIP, &group,
				  sizeof(group)) < 0)
		return -errno;
	return 0;
}

ssize_t nl_recv(struct nl *nl)
{
	ssize_t len;

	len = mnl_socket_recvfrom(nl->sock, nl->rx, NL_RX_SIZE);
	return len < 0 ? -errno : len;
}

int nl_run_notify(struct nl *nl, size_t len, mnl_cb_t cb, void *data)
{
	/* Notifications carry sequence number 0 and port id 0. */
	errno = 0;
	if (mnl_cb_run(nl->rx, len, 0, 0, cb, data) < 0)
		return -(errno ? errno : EIO);
	return 0;
}
