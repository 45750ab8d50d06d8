// SPDX-License-Identifier: GPL-2.0
/*
 * mctectl stat: the counters of the engine of this network namespace.
 *
 *	mctectl stat [ show ]
 */
#include <errno.h>
#include <inttypes.h>

#include <linux/mcte.h>

#include "mctectl.h"
#include "print.h"

static void stat_usage(FILE *fp)
{
	fprintf(fp,
		"Usage: mctectl stat [ show ]\n"
		"       mctectl stat help\n");
}

static const enum mnl_attr_data_type stat_policy[MCTE_A_STAT_MAX + 1] = {
	[MCTE_A_STAT_REQ_SUBMITTED]	= MNL_TYPE_U64,
	[MCTE_A_STAT_REQ_COMPLETED]	= MNL_TYPE_U64,
	[MCTE_A_STAT_REQ_FAILED]	= MNL_TYPE_U64,
	[MCTE_A_STAT_REQ_TIMEOUT]	= MNL_TYPE_U64,
	[MCTE_A_STAT_REQ_CANCELED]	= MNL_TYPE_U64,
	[MCTE_A_STAT_BYTES_READ]	= MNL_TYPE_U64,
	[MCTE_A_STAT_BYTES_WRITTEN]	= MNL_TYPE_U64,
	[MCTE_A_STAT_SLICES]		= MNL_TYPE_U64,
	[MCTE_A_STAT_SEGMENTS]		= MNL_TYPE_U64,
	[MCTE_A_STAT_BATCHES]		= MNL_TYPE_U64,
	[MCTE_A_STAT_WIRE_REFUSED]	= MNL_TYPE_U64,
	[MCTE_A_STAT_CONN_REFUSED]	= MNL_TYPE_U64,
	[MCTE_A_STAT_AUTH_FAILED]	= MNL_TYPE_U64,
	[MCTE_A_STAT_OPEN_REFUSED]	= MNL_TYPE_U64,
	[MCTE_A_STAT_PATHS_FAILED]	= MNL_TYPE_U64,
	[MCTE_A_STAT_PEERS]		= MNL_TYPE_U64,
	[MCTE_A_STAT_PATHS]		= MNL_TYPE_U64,
	[MCTE_A_STAT_OPENS]		= MNL_TYPE_U64,
	[MCTE_A_STAT_KEY_PAGES]		= MNL_TYPE_U64,
};

/* The lines of the text output: a label, then counters with their word. */
static const struct {
	const char *label;		/* starts a line, or NULL */
	unsigned int attr;
	const char *key;		/* JSON */
	const char *word;		/* text */
} stat_fields[] = {
	{ "requests",	MCTE_A_STAT_REQ_SUBMITTED,	"req_submitted",  "submitted" },
	{ NULL,		MCTE_A_STAT_REQ_COMPLETED,	"req_completed",  "completed" },
	{ NULL,		MCTE_A_STAT_REQ_FAILED,		"req_failed",	  "failed" },
	{ NULL,		MCTE_A_STAT_REQ_TIMEOUT,	"req_timeout",	  "timeout" },
	{ NULL,		MCTE_A_STAT_REQ_CANCELED,	"req_canceled",	  "canceled" },
	{ "bytes",	MCTE_A_STAT_BYTES_READ,		"bytes_read",	  "read" },
	{ NULL,		MCTE_A_STAT_BYTES_WRITTEN,	"bytes_written",  "written" },
	{ "",		MCTE_A_STAT_SLICES,		"slices",	  "slices" },
	{ NULL,		MCTE_A_STAT_SEGMENTS,		"segments",	  "segments" },
	{ NULL,		MCTE_A_STAT_BATCHES,		"batches",	  "batches" },
	{ "peers",	MCTE_A_STAT_WIRE_REFUSED,	"wire_refused",	  "wire-refused" },
	{ NULL,		MCTE_A_STAT_CONN_REFUSED,	"conn_refused",	  "conn-refused" },
	{ NULL,		MCTE_A_STAT_AUTH_FAILED,	"auth_failed",	  "auth-failed" },
	{ NULL,		MCTE_A_STAT_OPEN_REFUSED,	"open_refused",	  "open-refused" },
	{ NULL,		MCTE_A_STAT_PATHS_FAILED,	"paths_failed",	  "paths-failed" },
	{ NULL,		MCTE_A_STAT_KEY_PAGES,		"key_pages",	  "key-pages" },
	{ "now",	MCTE_A_STAT_PEERS,		"peers",	  "peers" },
	{ NULL,		MCTE_A_STAT_PATHS,		"paths",	  "paths" },
	{ NULL,		MCTE_A_STAT_OPENS,		"opens",	  "opens" },
};

/* Whether the module reports any counter of the line that starts at @i. */
static bool stat_line_reported(const struct nlattr **tb, size_t i)
{
	do {
		if (tb[stat_fields[i].attr])
			return true;
	} while (++i < ARRAY_SIZE(stat_fields) && !stat_fields[i].label);
	return false;
}

/*
 * Text:  requests submitted 10 completed 10 failed 0 timeout 0 canceled 0
 *        bytes read 0 written 40960
 *        slices 10 segments 2 batches 1
 *        peers wire-refused 0 conn-refused 0 auth-failed 0 open-refused 0 paths-failed 0 key-pages 0
 *        now peers 1 paths 2 opens 1
 * JSON:  {"req_submitted":10,...,"batches":1,"wire_refused":0,...,
 *         "paths_failed":0}
 * A counter the module does not report is left out, and so is the label
 * of a line none of whose counters it reports (an older module).
 */
static void stat_print(const struct nlmsghdr *nlh)
{
	const struct nlattr *tb[MCTE_A_STAT_MAX + 1];
	char fmt[32];
	size_t i;

	if (nl_parse(nlh, stat_policy, MCTE_A_STAT_MAX, tb) < 0)
		return;

	open_object(NULL);
	for (i = 0; i < ARRAY_SIZE(stat_fields); i++) {
		if (stat_fields[i].label) {
			print_nl();
			if (*stat_fields[i].label &&
			    stat_line_reported(tb, i))
				print_text("%s", stat_fields[i].label);
		}
		if (!tb[stat_fields[i].attr])
			continue;
		snprintf(fmt, sizeof(fmt), "%s %%" PRIu64, stat_fields[i].word);
		print_u64(stat_fields[i].key, fmt,
			  mnl_attr_get_u64(tb[stat_fields[i].attr]));
	}
	close_object();
	print_nl();
}

static int stat_show(struct mctectl *ctl, int argc, char **argv)
{
	struct nl_msgs msgs = { .nr = 0 };
	struct nl *nl;
	int ret, err;

	ret = no_more_args(argc, argv, stat_usage);
	if (ret)
		return ret;
	ret = ctl_nl(ctl, &nl);
	if (ret)
		return ret;

	err = nl_request(nl, nl_msg(nl, MCTE_CMD_STAT_GET, 0),
			 nl_collect, &msgs);
	if (!err && !msgs.nr)
		err = -ENODATA;
	if (err) {
		nl_msgs_free(&msgs);
		return ctl_nl_error(ctl, "stat-get", err);
	}

	stat_print(msgs.msg[0]);
	nl_msgs_free(&msgs);
	return MCTECTL_EXIT_OK;
}

static int stat_help(struct mctectl *ctl, int argc, char **argv)
{
	(void)ctl; (void)argc; (void)argv;
	stat_usage(stdout);
	return MCTECTL_EXIT_OK;
}

static const struct cmd stat_cmds[] = {
	{ "show",	stat_show },
	{ "help",	stat_help },
	{ NULL, NULL }
};

int cmd_stat(struct mctectl *ctl, int argc, char **argv)
{
	return cmd_run(ctl, stat_cmds, "command", stat_usage, argc, argv);
}
