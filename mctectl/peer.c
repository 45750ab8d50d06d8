// SPDX-License-Identifier: GPL-2.0
/*
 * mctectl peer: the peer engines the engine of this network namespace has
 * paths to.
 *
 *	mctectl peer [ show ]
 */
#include <errno.h>
#include <string.h>

#include <linux/mcte.h>

#include "mctectl.h"
#include "print.h"

static void peer_usage(FILE *fp)
{
	fprintf(fp,
		"Usage: mctectl peer show\n"
		"       mctectl peer help\n");
}

static const enum mnl_attr_data_type peer_policy[MCTE_A_PEER_MAX + 1] = {
	[MCTE_A_PEER_ID]	  = MNL_TYPE_U64,
	[MCTE_A_PEER_ADDR]	  = MNL_TYPE_BINARY,
	[MCTE_A_PEER_PORT]	  = MNL_TYPE_U16,
	[MCTE_A_PEER_NR_PATHS]	  = MNL_TYPE_U32,
	[MCTE_A_PEER_NR_PATHS_UP] = MNL_TYPE_U32,
	[MCTE_A_PEER_NR_SEGS]	  = MNL_TYPE_U32,
};

/*
 * Text:  peer 9f3c01d2a4b5c6d7 addr 10.0.0.2:7471 paths 2 up 2 segs 1
 * JSON:  {"id":"9f3c01d2a4b5c6d7","addr":"10.0.0.2","port":7471,
 *         "paths":2,"paths_up":2,"segs":1}
 */
static void peer_print(const struct nlmsghdr *nlh)
{
	const struct nlattr *tb[MCTE_A_PEER_MAX + 1];

	if (nl_parse(nlh, peer_policy, MCTE_A_PEER_MAX, tb) < 0)
		return;

	open_object(NULL);
	if (tb[MCTE_A_PEER_ID])
		engine_id_print("id", "peer %s",
				mnl_attr_get_u64(tb[MCTE_A_PEER_ID]));
	print_text("addr");
	addr_print("addr", "port", tb[MCTE_A_PEER_ADDR], tb[MCTE_A_PEER_PORT]);
	if (tb[MCTE_A_PEER_NR_PATHS])
		print_u32("paths", "paths %u",
			  mnl_attr_get_u32(tb[MCTE_A_PEER_NR_PATHS]));
	if (tb[MCTE_A_PEER_NR_PATHS_UP])
		print_u32("paths_up", "up %u",
			  mnl_attr_get_u32(tb[MCTE_A_PEER_NR_PATHS_UP]));
	if (tb[MCTE_A_PEER_NR_SEGS])
		print_u32("segs", "segs %u",
			  mnl_attr_get_u32(tb[MCTE_A_PEER_NR_SEGS]));
	close_object();
	print_nl();
}

static int peer_show(struct mctectl *ctl, int argc, char **argv)
{
	struct nl_msgs msgs = { .nr = 0 };
	struct nl *nl;
	size_t i;
	int ret, err;

	ret = no_more_args(argc, argv, peer_usage);
	if (ret)
		return ret;
	ret = ctl_nl(ctl, &nl);
	if (ret)
		return ret;

	err = nl_request(nl, nl_msg(nl, MCTE_CMD_PEER_GET, NLM_F_DUMP),
			 nl_collect, &msgs);
	if (err) {
		nl_msgs_free(&msgs);
		return ctl_nl_error(ctl, "peer-get dump", err);
	}

	open_array(NULL);
	for (i = 0; i < msgs.nr; i++)
		peer_print(msgs.msg[i]);
	close_array();

	nl_msgs_free(&msgs);
	return MCTECTL_EXIT_OK;
}

static int peer_help(struct mctectl *ctl, int argc, char **argv)
{
	(void)ctl; (void)argc; (void)argv;
	peer_usage(stdout);
	return MCTECTL_EXIT_OK;
}

static const struct cmd peer_cmds[] = {
	{ "show",	peer_show },
	{ "list",	peer_show },
	{ "help",	peer_help },
	{ NULL, NULL }
};

int cmd_peer(struct mctectl *ctl, int argc, char **argv)
{
	return cmd_run(ctl, peer_cmds, "command", peer_usage, argc, argv);
}
