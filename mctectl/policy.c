// SPDX-License-Identifier: GPL-2.0
/*
 * mctectl policy: what users of the engine of this network namespace may
 * make it do over the network: who may open segments of peer engines
 * (remote opens, host:port/name), and how many peer engines one user's
 * opens may make it keep, and dial.
 *
 *	mctectl policy [ show ]
 *	mctectl policy set [ remote-open { all | admin | group GROUP } ]
 *			   [ peers-per-user N ] [ dials-per-user N ]
 */
#include <errno.h>
#include <grp.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <linux/mcte.h>

#include "mctectl.h"
#include "print.h"

/* As the kernel's policy of MCTE_A_POLICY_{PEERS,DIALS}_PER_USER */
#define POLICY_LIMIT_MIN	1
#define POLICY_LIMIT_MAX	1024

static void policy_usage(FILE *fp)
{
	fprintf(fp,
		"Usage: mctectl policy [ show ]\n"
		"       mctectl policy set [ remote-open { all | admin | group GROUP } ]\n"
		"                          [ peers-per-user N ] [ dials-per-user N ]\n"
		"       mctectl policy help\n"
		"where  GROUP := { NAME | GID }\n"
		"       N is from %d to %d\n", POLICY_LIMIT_MIN, POLICY_LIMIT_MAX);
}

static const enum mnl_attr_data_type policy_policy[MCTE_A_POLICY_MAX + 1] = {
	[MCTE_A_POLICY_REMOTE_OPEN]	= MNL_TYPE_U32,
	[MCTE_A_POLICY_GROUP]		= MNL_TYPE_U32,
	[MCTE_A_POLICY_PEERS_PER_USER]	= MNL_TYPE_U32,
	[MCTE_A_POLICY_DIALS_PER_USER]	= MNL_TYPE_U32,
};

static const char *const remote_opens[] = {
	[MCTE_REMOTE_OPEN_ALL]		= "all",
	[MCTE_REMOTE_OPEN_GROUP]	= "group",
	[MCTE_REMOTE_OPEN_ADMIN]	= "admin",
};

/*
 * The group, after "remote-open group": by name in text when it has one,
 * the number in JSON.
 */
static void policy_group_print(uint32_t gid)
{
	struct group *gr;

	print_u32("group", NULL, gid);
	if (print_is_json())
		return;
	gr = getgrgid(gid);
	if (gr && gr->gr_name && *gr->gr_name)
		print_text("%s", gr->gr_name);
	else
		print_text("%" PRIu32, gid);
}

/*
 * Text:  remote-open group mcte peers-per-user 16 dials-per-user 4
 * JSON:  {"remote_open":"group","group":1001,"peers_per_user":16,
 *         "dials_per_user":4}
 * ("group" only while remote-open is group)
 */
static void policy_print(const struct nlmsghdr *nlh)
{
	const struct nlattr *tb[MCTE_A_POLICY_MAX + 1];
	char buf[32];
	uint32_t val;

	if (nl_parse(nlh, policy_policy, MCTE_A_POLICY_MAX, tb) < 0)
		return;

	open_object(NULL);
	if (tb[MCTE_A_POLICY_REMOTE_OPEN]) {
		val = mnl_attr_get_u32(tb[MCTE_A_POLICY_REMOTE_OPEN]);
		if (val < ARRAY_SIZE(remote_opens) && remote_opens[val])
			print_string("remote_open", "remote-open %s",
				     remote_opens[val]);
		else {
			snprintf(buf, sizeof(buf), "UNKNOWN(%" PRIu32 ")", val);
			print_string("remote_open", "remote-open %s", buf);
		}
		if (val == MCTE_REMOTE_OPEN_GROUP && tb[MCTE_A_POLICY_GROUP])
			policy_group_print(mnl_attr_get_u32(tb[MCTE_A_POLICY_GROUP]));
	}
	if (tb[MCTE_A_POLICY_PEERS_PER_USER])
		print_u32("peers_per_user", "peers-per-user %" PRIu32,
			  mnl_attr_get_u32(tb[MCTE_A_POLICY_PEERS_PER_USER]));
	if (tb[MCTE_A_POLICY_DIALS_PER_USER])
		print_u32("dials_per_user", "dials-per-user %" PRIu32,
			  mnl_attr_get_u32(tb[MCTE_A_POLICY_DIALS_PER_USER]));
	close_object();
	print_nl();
}

static int policy_show(struct mctectl *ctl, int argc, char **argv)
{
	struct nl_msgs msgs = { .nr = 0 };
	struct nl *nl;
	int ret, err;

	ret = no_more_args(argc, argv, policy_usage);
	if (ret)
		return ret;
	ret = ctl_nl(ctl, &nl);
	if (ret)
		return ret;

	err = nl_request(nl, nl_msg(nl, MCTE_CMD_POLICY_GET, 0),
			 nl_collect, &msgs);
	if (!err && !msgs.nr)
		err = -ENODATA;
	if (err) {
		nl_msgs_free(&msgs);
		return ctl_nl_error(ctl, "policy-get", err);
	}

	policy_print(msgs.msg[0]);
	nl_msgs_free(&msgs);
	return MCTECTL_EXIT_OK;
}

/* A decimal number without sign, blanks or anything after it. */
static bool parse_u32(const char *arg, uint32_t *val)
{
	unsigned long long v;
	char *end;

	if (*arg < '0' || *arg > '9')
		return false;
	errno = 0;
	v = strtoull(arg, &end, 10);
	if (errno || *end || v > UINT32_MAX)
		return false;
	*val = v;
	return true;
}

/* GROUP: a name, else a number; 0, or prints what is wrong. */
static int policy_group_parse(const char *arg, uint32_t *gid)
{
	struct group *gr;

	gr = *arg ? getgrnam(arg) : NULL;
	if (gr) {
		*gid = gr->gr_gid;
		return 0;
	}
	/* (gid_t)-1 is no group */
	if (parse_u32(arg, gid) && *gid != UINT32_MAX)
		return 0;
	fprintf(stderr, "mctectl: policy set: unknown group \"%s\"\n", arg);
	return -EINVAL;
}

/* N of @word: from 1 to 1024; 0, or prints what is wrong. */
static int policy_limit_parse(const char *word, const char *arg,
			      uint32_t *val)
{
	if (parse_u32(arg, val) && *val >= POLICY_LIMIT_MIN &&
	    *val <= POLICY_LIMIT_MAX)
		return 0;
	fprintf(stderr,
		"mctectl: policy set: %s must be a number from %d to %d, not \"%s\"\n",
		word, POLICY_LIMIT_MIN, POLICY_LIMIT_MAX, arg);
	return -EINVAL;
}

/* What a policy set asks for: each setting, if given. */
struct policy_req {
	bool has_open, has_peers, has_dials;
	uint32_t open;
	uint32_t gid;			/* when @open is GROUP */
	uint32_t peers;
	uint32_t dials;
};

static int policy_set_parse(struct policy_req *req, int argc, char **argv)
{
	const char *word;
	bool *has;
	int i;

	for (i = 0; i < argc; i++) {
		word = argv[i];
		if (!strcmp(word, "remote-open"))
			has = &req->has_open;
		else if (!strcmp(word, "peers-per-user"))
			has = &req->has_peers;
		else if (!strcmp(word, "dials-per-user"))
			has = &req->has_dials;
		else {
			fprintf(stderr,
				"mctectl: policy set: unknown setting \"%s\"\n",
				word);
			policy_usage(stderr);
			return -EINVAL;
		}
		if (*has) {
			fprintf(stderr, "mctectl: policy set: %s given twice\n",
				word);
			return -EINVAL;
		}
		*has = true;
		if (++i == argc) {
			fprintf(stderr, "mctectl: policy set: %s needs %s\n",
				word, has == &req->has_open ?
				"all, admin or group GROUP" : "a number N");
			policy_usage(stderr);
			return -EINVAL;
		}

		if (has == &req->has_peers) {
			if (policy_limit_parse(word, argv[i], &req->peers))
				return -EINVAL;
		} else if (has == &req->has_dials) {
			if (policy_limit_parse(word, argv[i], &req->dials))
				return -EINVAL;
		} else if (!strcmp(argv[i], "all")) {
			req->open = MCTE_REMOTE_OPEN_ALL;
		} else if (!strcmp(argv[i], "admin")) {
			req->open = MCTE_REMOTE_OPEN_ADMIN;
		} else if (!strcmp(argv[i], "group")) {
			req->open = MCTE_REMOTE_OPEN_GROUP;
			if (++i == argc) {
				fprintf(stderr,
					"mctectl: policy set: remote-open group needs a GROUP\n");
				policy_usage(stderr);
				return -EINVAL;
			}
			if (policy_group_parse(argv[i], &req->gid))
				return -EINVAL;
		} else {
			fprintf(stderr,
				"mctectl: policy set: remote-open is all, admin or group GROUP, not \"%s\"\n",
				argv[i]);
			return -EINVAL;
		}
	}
	if (!req->has_open && !req->has_peers && !req->has_dials) {
		fprintf(stderr, "mctectl: policy set: name at least one setting\n");
		policy_usage(stderr);
		return -EINVAL;
	}
	return 0;
}

static int policy_set(struct mctectl *ctl, int argc, char **argv)
{
	struct policy_req req = { .has_open = false };
	struct nlmsghdr *nlh;
	struct nl *nl;
	int ret, err;

	/* Check everything before asking for the socket. */
	if (policy_set_parse(&req, argc, argv))
		return MCTECTL_EXIT_ERR;
	ret = ctl_nl(ctl, &nl);
	if (ret)
		return ret;

	nlh = nl_msg(nl, MCTE_CMD_POLICY_SET, 0);
	if (req.has_open) {
		mnl_attr_put_u32(nlh, MCTE_A_POLICY_REMOTE_OPEN, req.open);
		if (req.open == MCTE_REMOTE_OPEN_GROUP)
			mnl_attr_put_u32(nlh, MCTE_A_POLICY_GROUP, req.gid);
	}
	if (req.has_peers)
		mnl_attr_put_u32(nlh, MCTE_A_POLICY_PEERS_PER_USER, req.peers);
	if (req.has_dials)
		mnl_attr_put_u32(nlh, MCTE_A_POLICY_DIALS_PER_USER, req.dials);

	err = nl_request(nl, nlh, NULL, NULL);
	if (err)
		return ctl_nl_error(ctl, "policy set", err);
	return MCTECTL_EXIT_OK;
}

static int policy_help(struct mctectl *ctl, int argc, char **argv)
{
	(void)ctl; (void)argc; (void)argv;
	policy_usage(stdout);
	return MCTECTL_EXIT_OK;
}

static const struct cmd policy_cmds[] = {
	{ "show",	policy_show },
	{ "set",	policy_set },
	{ "help",	policy_help },
	{ NULL, NULL }
};

int cmd_policy(struct mctectl *ctl, int argc, char **argv)
{
	return cmd_run(ctl, policy_cmds, "command", policy_usage, argc, argv);
}
