/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mctectl: what main.c and the object files (auth.c, dev.c, listen.c,
 * monitor.c, path.c, peer.c, policy.c, segment.c, stat.c, topo.c,
 * version.c) share.
 */
#ifndef MCTECTL_H
#define MCTECTL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "nl.h"

/* Exit statuses */
#define MCTECTL_EXIT_OK		0
#define MCTECTL_EXIT_ERR	1	/* usage error, or the command failed */
#define MCTECTL_EXIT_NOMOD	2	/* the mcte module is not loaded */

#define ARRAY_SIZE(a)		(sizeof(a) / sizeof((a)[0]))

struct mctectl {
	bool json;
	bool pretty;

	bool nl_ready;
	struct nl nl;
};

/*
 * A command table: a word and what runs it. The function gets the
 * arguments after its word and returns an exit status.
 */
struct cmd {
	const char *name;
	int (*fn)(struct mctectl *ctl, int argc, char **argv);
};

/*
 * Run the entry of @cmds whose name starts with argv[0] (the first in
 * table order wins, so the table's order settles abbreviations), or the
 * first entry when there is no argument. Otherwise print an error naming
 * the @what ("object", "command") and @usage, and fail.
 */
int cmd_run(struct mctectl *ctl, const struct cmd *cmds, const char *what,
	    void (*usage)(FILE *fp), int argc, char **argv);

/* Whether @arg is a non-empty prefix of @word. */
bool matches(const char *arg, const char *word);

/* For a command that takes no more arguments: 0, or prints and fails. */
int no_more_args(int argc, char **argv, void (*usage)(FILE *fp));

/*
 * The netlink socket, opened on first use. On failure, the message is
 * printed and an exit status returned (MCTECTL_EXIT_NOMOD when the module
 * is not loaded).
 */
int ctl_nl(struct mctectl *ctl, struct nl **nl);

/*
 * Print "mctectl: @what: <error>[: <kernel message>]", return EXIT_ERR.
 * EPERM says which capability is missing.
 */
int ctl_nl_error(struct mctectl *ctl, const char *what, int err);

/* Objects */
int cmd_auth(struct mctectl *ctl, int argc, char **argv);
int cmd_dev(struct mctectl *ctl, int argc, char **argv);
int cmd_listen(struct mctectl *ctl, int argc, char **argv);
int cmd_monitor(struct mctectl *ctl, int argc, char **argv);
int cmd_path(struct mctectl *ctl, int argc, char **argv);
int cmd_peer(struct mctectl *ctl, int argc, char **argv);
int cmd_policy(struct mctectl *ctl, int argc, char **argv);
int cmd_segment(struct mctectl *ctl, int argc, char **argv);
int cmd_stat(struct mctectl *ctl, int argc, char **argv);
int cmd_topo(struct mctectl *ctl, int argc, char **argv);
int cmd_version(struct mctectl *ctl, int argc, char **argv);

/* Print one device from a dev-get reply or notification (dev.c). */
void dev_print(const struct nlmsghdr *nlh, const char *key);

/* Print one segment from a seg-get reply or notification (segment.c). */
void seg_print(const struct nlmsghdr *nlh, const char *key);

/* Print one path from a path-get reply or notification (path.c). */
void path_print(const struct nlmsghdr *nlh, const char *key);

/* An address and port as the user types them (addr.c). */
struct addr {
	uint8_t addr[16];	/* network order */
	uint8_t len;		/* 4 (IPv4) or 16 (IPv6) */
	uint16_t port;		/* MCTE_RDMA_PORT when not given */
};

/*
 * Parse IPV4[:PORT], [IPV6][:PORT] or a bare IPV6 into @a; -EINVAL after
 * printing what is wrong.
 */
int addr_parse(const char *arg, struct addr *a);
/* "IPV4:PORT" or "[IPV6]:PORT" into @buf. */
void addr_format(const struct addr *a, char *buf, size_t len);
/* A 4- or 16-byte address attribute as text into @buf ("?" otherwise). */
const char *addr_ntop(const struct nlattr *attr, char *buf, size_t len);
/*
 * Print an address attribute and, when @port is not NULL, its port: one
 * word in text (IPV4:PORT, [IPV6]:PORT; "-" without an address), members
 * @addr_key and @port_key in JSON.
 */
void addr_print(const char *addr_key, const char *port_key,
		const struct nlattr *addr, const struct nlattr *port);

/*
 * An engine id, as 16 hex digits in text and JSON alike (JSON numbers
 * lose 64-bit precision in many readers).
 */
void engine_id_print(const char *key, const char *fmt, uint64_t id);

#endif /* MCTECTL_H */
