// SPDX-License-Identifier: GPL-2.0
/*
 * mctectl listen: where the engine of this network namespace accepts
 * paths from peer engines.
 *
 *	mctectl listen [ show ]
 *	mctectl listen { add | del } ADDR[:PORT]
 */
#include <errno.h>
#include <netinet/in.h>
#include <string.h>

#include <linux/mcte.h>

#include "mctectl.h"
#include "print.h"

static void listen_usage(FILE *fp)
{
	fprintf(fp,
		"Usage: mctectl listen show\n"
		"       mctectl listen { add | del } ADDR[:PORT]\n"
		"       mctectl listen help\n"
		"where  ADDR[:PORT] := { IPV4[:PORT] | [IPV6][:PORT] | IPV6 }\n"
		"       PORT is %d when not given\n", MCTE_RDMA_PORT);
}

static const enum mnl_attr_data_type listen_policy[MCTE_A_LISTEN_MAX + 1] = {
	[MCTE_A_LISTEN_ADDR]	 = MNL_TYPE_BINARY,
	[MCTE_A_LISTEN_PORT]	 = MNL_TYPE_U16,
	[MCTE_A_LISTEN_DEV_NAME] = MNL_TYPE_NUL_STRING,
	[MCTE_A_LISTEN_AUTH]	 = MNL_TYPE_U8,
};

/*
 * Text:  10.0.0.1:7471 dev rxe0 auth required
 *        [fd00::1]:7471 dev - auth none
 * JSON:  {"addr":"10.0.0.1","port":7471,"dev":"rxe0","auth":true}
 * (no "dev" while the listener has no device; no "auth" from a module
 * that does not report it)
 */
static void listen_print(const struct nlmsghdr *nlh)
{
	const struct nlattr *tb[MCTE_A_LISTEN_MAX + 1];
	bool auth;

	if (nl_parse(nlh, listen_policy, MCTE_A_LISTEN_MAX, tb) < 0)
		return;

	open_object(NULL);
	addr_print("addr", "port", tb[MCTE_A_LISTEN_ADDR],
		   tb[MCTE_A_LISTEN_PORT]);
	if (tb[MCTE_A_LISTEN_DEV_NAME])
		print_string("dev", "dev %s",
			     mnl_attr_get_str(tb[MCTE_A_LISTEN_DEV_NAME]));
	else
		print_text("dev -");
	if (tb[MCTE_A_LISTEN_AUTH]) {
		auth = mnl_attr_get_u8(tb[MCTE_A_LISTEN_AUTH]);
		print_bool("auth", NULL, auth);
		print_text(auth ? "auth required" : "auth none");
	}
	close_object();
	print_nl();
}

static int listen_show(struct mctectl *ctl, int argc, char **argv)
{
	struct nl_msgs msgs = { .nr = 0 };
	struct nl *nl;
	size_t i;
	int ret, err;

	ret = no_more_args(argc, argv, listen_usage);
	if (ret)
		return ret;
	ret = ctl_nl(ctl, &nl);
	if (ret)
		return ret;

	err = nl_request(nl, nl_msg(nl, MCTE_CMD_LISTEN_GET, NLM_F_DUMP),
			 nl_collect, &msgs);
	if (err) {
		nl_msgs_free(&msgs);
		return ctl_nl_error(ctl, "listen-get dump", err);
	}

	open_array(NULL);
	for (i = 0; i < msgs.nr; i++)
		listen_print(msgs.msg[i]);
	close_array();

	nl_msgs_free(&msgs);
	return MCTECTL_EXIT_OK;
}

/* listen add / listen del: one ADDR[:PORT] */
static int listen_change(struct mctectl *ctl, uint8_t cmd, const char *verb,
			 int argc, char **argv)
{
	char what[64 + INET6_ADDRSTRLEN];
	char where[INET6_ADDRSTRLEN + 8];
	struct nlmsghdr *nlh;
	struct addr a;
	struct nl *nl;
	int ret, err;

	if (!argc) {
		fprintf(stderr, "mctectl: listen %s: missing ADDR[:PORT]\n",
			verb);
		listen_usage(stderr);
		return MCTECTL_EXIT_ERR;
	}
	ret = no_more_args(argc - 1, argv + 1, listen_usage);
	if (ret)
		return ret;
	if (addr_parse(argv[0], &a) < 0)
		return MCTECTL_EXIT_ERR;
	ret = ctl_nl(ctl, &nl);
	if (ret)
		return ret;

	nlh = nl_msg(nl, cmd, 0);
	mnl_attr_put(nlh, MCTE_A_LISTEN_ADDR, a.len, a.addr);
	mnl_attr_put_u16(nlh, MCTE_A_LISTEN_PORT, a.port);
	err = nl_request(nl, nlh, NULL, NULL);
	if (!err)
		return MCTECTL_EXIT_OK;

	addr_format(&a, where, sizeof(where));
	snprintf(what, sizeof(what), "listen %s %s", verb, where);
	return ctl_nl_error(ctl, what, err);
}

static int listen_add(struct mctectl *ctl, int argc, char **argv)
{
	return listen_change(ctl, MCTE_CMD_LISTEN_ADD, "add", argc, argv);
}

static int listen_del(struct mctectl *ctl, int argc, char **argv)
{
	return listen_change(ctl, MCTE_CMD_LISTEN_DEL, "del", argc, argv);
}

static int listen_help(struct mctectl *ctl, int argc, char **argv)
{
	(void)ctl; (void)argc; (void)argv;
	listen_usage(stdout);
	return MCTECTL_EXIT_OK;
}

static const struct cmd listen_cmds[] = {
	{ "show",	listen_show },
	{ "list",	listen_show },
	{ "add",	listen_add },
	{ "delete",	listen_del },
	{ "help",	listen_help },
	{ NULL, NULL }
};

int cmd_listen(struct mctectl *ctl, int argc, char **argv)
{
	return cmd_run(ctl, listen_cmds, "command", listen_usage, argc, argv);
}
