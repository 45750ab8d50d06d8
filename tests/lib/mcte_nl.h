/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A minimal generic netlink client for the suites: resolve the "mcte"
 * family and read the engine's counters (stat-get) or one segment
 * (seg-get by name), without libmcte or mctectl, so that a test of the
 * kernel does not depend on the tools under test elsewhere.
 */
#ifndef MCTE_NL_H
#define MCTE_NL_H

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <linux/mcte.h>

/* Top-level attributes of one reply, indexed by type (u32/u64 values). */
struct mx_nl_attrs {
	uint64_t val[32];
	uint32_t present;	/* bit per type */
	char str[256];		/* the string attribute asked for */
	unsigned int nr_nested;	/* nests of the type asked for (bufs) */
	uint64_t nested_u64[64];	/* the first value of each, in order */
};

static inline int mx_nl_open(void)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC);

	if (fd < 0)
		return -errno;
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		int e = -errno;

		close(fd);
		return e;
	}
	return fd;
}

static inline int mx_nl_put_attr(char *msg, size_t *len, uint16_t type,
				 const void *data, uint16_t dlen)
{
	struct nlattr *a = (struct nlattr *)(msg + *len);

	a->nla_type = type;
	a->nla_len = NLA_HDRLEN + dlen;
	memcpy((char *)a + NLA_HDRLEN, data, dlen);
	*len += NLA_ALIGN(a->nla_len);
	return 0;
}

/*
 * Attributes of type @str_type are strings, of type @nest_type nests
 * whose first attribute (a u64 or u32) is collected in order; others are
 * integers of 1 to 8 bytes; anything else is ignored.
 */
static inline void mx_nl_parse(const char *p, int len, struct mx_nl_attrs *out,
			       uint16_t str_type, uint16_t nest_type)
{
	while (len >= NLA_HDRLEN) {
		const struct nlattr *a = (const struct nlattr *)p;
		uint16_t type = a->nla_type & NLA_TYPE_MASK;
		int alen = a->nla_len - NLA_HDRLEN;
		const char *d = p + NLA_HDRLEN;

		if (a->nla_len < NLA_HDRLEN || a->nla_len > len)
			break;
		if (str_type && type == str_type) {
			if (alen >= (int)sizeof(out->str))
				alen = sizeof(out->str) - 1;
			memcpy(out->str, d, alen);
			out->str[alen] = 0;
			out->present |= 1U << type;
		} else if (nest_type && type == nest_type) {
			const struct nlattr *in = (const void *)d;
			uint64_t v = 0;

			if (alen >= NLA_HDRLEN + 8 && in->nla_len == NLA_HDRLEN + 8)
				memcpy(&v, (const char *)in + NLA_HDRLEN, 8);
			else if (alen >= NLA_HDRLEN + 4 &&
				 in->nla_len == NLA_HDRLEN + 4)
				memcpy(&v, (const char *)in + NLA_HDRLEN, 4);
			if (out->nr_nested < 64)
				out->nested_u64[out->nr_nested] = v;
			out->nr_nested++;
		} else if (type < 32 && alen >= 1 && alen <= 8) {
			uint64_t v = 0;

			if (alen == 8)
				memcpy(&v, d, 8);
			else if (alen >= 4)
				v = *(const uint32_t *)d;
			else if (alen >= 2)
				v = *(const uint16_t *)d;
			else
				v = *(const uint8_t *)d;
			out->val[type] = v;
			out->present |= 1U << type;
		}
		p += NLA_ALIGN(a->nla_len);
		len -= NLA_ALIGN(a->nla_len);
	}
}

/*
 * Send one request and parse the first reply message's attributes into
 * @out. Returns 0, or -errno from the kernel's error message.
 */
static inline int mx_nl_call(int fd, uint16_t family, uint8_t cmd,
			     const char *msg_attrs, size_t attrs_len,
			     struct mx_nl_attrs *out, uint16_t str_type,
			     uint16_t nest_type)
{
	char buf[16384] __attribute__((aligned(8)));
	struct nlmsghdr *nh = (struct nlmsghdr *)buf;
	struct genlmsghdr *gh = NLMSG_DATA(nh);
	bool got = false;
	int ret = 0;

	memset(buf, 0, NLMSG_SPACE(GENL_HDRLEN));
	nh->nlmsg_len = NLMSG_LENGTH(GENL_HDRLEN) + attrs_len;
	nh->nlmsg_type = family;
	nh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	nh->nlmsg_seq = 1;
	gh->cmd = cmd;
	gh->version = 1;
	memcpy((char *)gh + GENL_HDRLEN, msg_attrs, attrs_len);
	if (send(fd, buf, nh->nlmsg_len, 0) < 0)
		return -errno;
	memset(out, 0, sizeof(*out));
	for (;;) {
		int len = recv(fd, buf, sizeof(buf), 0);

		if (len < 0)
			return -errno;
		for (nh = (struct nlmsghdr *)buf; NLMSG_OK(nh, len);
		     nh = NLMSG_NEXT(nh, len)) {
			if (nh->nlmsg_type == NLMSG_ERROR) {
				struct nlmsgerr *e = NLMSG_DATA(nh);

				if (!ret)
					ret = e->error;
				return got ? 0 : ret;
			}
			if (nh->nlmsg_type == NLMSG_DONE)
				return got ? 0 : ret;
			if (!got) {
				gh = NLMSG_DATA(nh);
				mx_nl_parse((char *)gh + GENL_HDRLEN,
					    nh->nlmsg_len - NLMSG_LENGTH(GENL_HDRLEN),
					    out, str_type, nest_type);
				got = true;
			}
		}
	}
}

/* The family id of "mcte", or -errno. */
static inline int mx_nl_family(int fd)
{
	char attrs[64];
	size_t len = 0;
	struct mx_nl_attrs a;
	int ret;

	mx_nl_put_attr(attrs, &len, CTRL_ATTR_FAMILY_NAME, MCTE_FAMILY_NAME,
		       sizeof(MCTE_FAMILY_NAME));
	ret = mx_nl_call(fd, GENL_ID_CTRL, CTRL_CMD_GETFAMILY, attrs, len, &a,
			 CTRL_ATTR_FAMILY_NAME, 0);
	if (ret)
		return ret;
	if (!(a.present & (1U << CTRL_ATTR_FAMILY_ID)))
		return -ENOENT;
	return (int)a.val[CTRL_ATTR_FAMILY_ID];
}

/* The engine's counters: out->val[MCTE_A_STAT_*]. */
static inline int mx_nl_stat(struct mx_nl_attrs *out)
{
	int fd = mx_nl_open(), fam, ret;

	if (fd < 0)
		return fd;
	fam = mx_nl_family(fd);
	ret = fam < 0 ? fam : mx_nl_call(fd, fam, MCTE_CMD_STAT_GET, NULL, 0,
					 out, 0, 0);
	close(fd);
	return ret;
}

/* One segment by name: out->val[MCTE_A_SEG_*], out->nested_u64 = lens. */
static inline int mx_nl_seg(const char *name, struct mx_nl_attrs *out)
{
	char attrs[128];
	size_t len = 0;
	int fd = mx_nl_open(), fam, ret;

	if (fd < 0)
		return fd;
	fam = mx_nl_family(fd);
	if (fam < 0) {
		close(fd);
		return fam;
	}
	mx_nl_put_attr(attrs, &len, MCTE_A_SEG_NAME, name, strlen(name) + 1);
	ret = mx_nl_call(fd, fam, MCTE_CMD_SEG_GET, attrs, len, out,
			 MCTE_A_SEG_NAME, MCTE_A_SEG_BUF);
	close(fd);
	return ret;
}

/*
 * A socket subscribed to the family's "events" group, or -errno. Events
 * are read with mx_nl_event().
 */
static inline int mx_nl_events_open(void)
{
	char buf[8192] __attribute__((aligned(8)));
	char attrs[64];
	size_t alen = 0;
	struct nlmsghdr *nh = (struct nlmsghdr *)buf;
	struct genlmsghdr *gh = NLMSG_DATA(nh);
	int fd = mx_nl_open(), len, grp = -ENOENT;

	if (fd < 0)
		return fd;
	mx_nl_put_attr(attrs, &alen, CTRL_ATTR_FAMILY_NAME, MCTE_FAMILY_NAME,
		       sizeof(MCTE_FAMILY_NAME));
	memset(buf, 0, NLMSG_SPACE(GENL_HDRLEN));
	nh->nlmsg_len = NLMSG_LENGTH(GENL_HDRLEN) + alen;
	nh->nlmsg_type = GENL_ID_CTRL;
	nh->nlmsg_flags = NLM_F_REQUEST;
	gh->cmd = CTRL_CMD_GETFAMILY;
	gh->version = 1;
	memcpy((char *)gh + GENL_HDRLEN, attrs, alen);
	if (send(fd, buf, nh->nlmsg_len, 0) < 0)
		goto out_err;
	len = recv(fd, buf, sizeof(buf), 0);
	if (len < 0 || !NLMSG_OK(nh, len) || nh->nlmsg_type == NLMSG_ERROR)
		goto out_err;
	{
		const char *p = (char *)NLMSG_DATA(nh) + GENL_HDRLEN;
		int left = nh->nlmsg_len - NLMSG_LENGTH(GENL_HDRLEN);

		for (; left >= NLA_HDRLEN;
		     left -= NLA_ALIGN(((struct nlattr *)p)->nla_len),
		     p += NLA_ALIGN(((struct nlattr *)p)->nla_len)) {
			const struct nlattr *a = (const void *)p;
			const char *q = p + NLA_HDRLEN;
			int ql = a->nla_len - NLA_HDRLEN;

			if (a->nla_len < NLA_HDRLEN)
				break;
			if ((a->nla_type & NLA_TYPE_MASK) != CTRL_ATTR_MCAST_GROUPS)
				continue;
			/* A list of nests: { name, id } each. */
			for (; ql >= NLA_HDRLEN;
			     ql -= NLA_ALIGN(((struct nlattr *)q)->nla_len),
			     q += NLA_ALIGN(((struct nlattr *)q)->nla_len)) {
				const struct nlattr *g = (const void *)q;
				const char *r = q + NLA_HDRLEN;
				int rl = g->nla_len - NLA_HDRLEN, id = -1;
				bool match = false;

				if (g->nla_len < NLA_HDRLEN)
					break;
				for (; rl >= NLA_HDRLEN;
				     rl -= NLA_ALIGN(((struct nlattr *)r)->nla_len),
				     r += NLA_ALIGN(((struct nlattr *)r)->nla_len)) {
					const struct nlattr *e = (const void *)r;

					if (e->nla_len < NLA_HDRLEN)
						break;
					if (e->nla_type == CTRL_ATTR_MCAST_GRP_NAME)
						match = !strcmp(r + NLA_HDRLEN,
								MCTE_MCGRP_EVENTS);
					if (e->nla_type == CTRL_ATTR_MCAST_GRP_ID)
						id = *(const uint32_t *)(r + NLA_HDRLEN);
				}
				if (match && id >= 0)
					grp = id;
			}
		}
	}
	if (grp < 0 || setsockopt(fd, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, &grp,
				  sizeof(grp)))
		goto out_err;
	return fd;

out_err:
	close(fd);
	return grp < 0 ? grp : -EIO;
}

/*
 * The next event within @timeout_ms: its command in *@cmd, its segment
 * attributes in @out. 0, or -ETIME.
 */
static inline int mx_nl_event(int fd, int timeout_ms, uint8_t *cmd,
			      struct mx_nl_attrs *out)
{
	char buf[16384] __attribute__((aligned(8)));
	struct nlmsghdr *nh = (struct nlmsghdr *)buf;
	struct timeval tv = {
		.tv_sec = timeout_ms / 1000,
		.tv_usec = (timeout_ms % 1000) * 1000,
	};
	int len;

	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	for (;;) {
		len = recv(fd, buf, sizeof(buf), 0);
		if (len < 0)
			return errno == EAGAIN ? -ETIME : -errno;
		if (!NLMSG_OK(nh, len) || nh->nlmsg_type < NLMSG_MIN_TYPE)
			continue;
		*cmd = ((struct genlmsghdr *)NLMSG_DATA(nh))->cmd;
		memset(out, 0, sizeof(*out));
		mx_nl_parse((char *)NLMSG_DATA(nh) + GENL_HDRLEN,
			    nh->nlmsg_len - NLMSG_LENGTH(GENL_HDRLEN), out,
			    MCTE_A_SEG_NAME, MCTE_A_SEG_BUF);
		return 0;
	}
}

#endif /* MCTE_NL_H */
