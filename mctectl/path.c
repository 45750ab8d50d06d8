// SPDX-License-Identifier: GPL-2.0
/*
 * mctectl path: the paths (RC connections) of the engine of this network
 * namespace to peer engines, with their counters.
 *
 *	mctectl path [ show ]
 */
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include <linux/mcte.h>

#include "mctectl.h"
#include "print.h"

static void path_usage(FILE *fp)
{
	fprintf(fp,
		"Usage: mctectl path show\n"
		"       mctectl path help\n");
}

static const enum mnl_attr_data_type path_policy[MCTE_A_PATH_MAX + 1] = {
	[MCTE_A_PATH_ID]	  = MNL_TYPE_U32,
	[MCTE_A_PATH_PEER_ID]	  = MNL_TYPE_U64,
	[MCTE_A_PATH_STATE]	  = MNL_TYPE_U32,
	[MCTE_A_PATH_ACTIVE]	  = MNL_TYPE_U8,
	[MCTE_A_PATH_LOCAL_DEV]	  = MNL_TYPE_NUL_STRING,
	[MCTE_A_PATH_REMOTE_DEV]  = MNL_TYPE_NUL_STRING,
	[MCTE_A_PATH_LOCAL_ADDR]  = MNL_TYPE_BINARY,
	[MCTE_A_PATH_REMOTE_ADDR] = MNL_TYPE_BINARY,
	[MCTE_A_PATH_REMOTE_PORT] = MNL_TYPE_U16,
	[MCTE_A_PATH_QPN]	  = MNL_TYPE_U32,
	[MCTE_A_PATH_BYTES]	  = MNL_TYPE_U64,
	[MCTE_A_PATH_SLICES]	  = MNL_TYPE_U64,
	[MCTE_A_PATH_ERRORS]	  = MNL_TYPE_U64,
	[MCTE_A_PATH_RETRIES]	  = MNL_TYPE_U64,
	[MCTE_A_PATH_RECONNECTS]  = MNL_TYPE_U64,
};

static const char *const path_states[] = {
	[MCTE_PATH_CONNECTING]		= "CONNECTING",
	[MCTE_PATH_UP]			= "UP",
	[MCTE_PATH_ERROR]		= "ERROR",
	[MCTE_PATH_RECONNECTING]	= "RECONNECTING",
	[MCTE_PATH_DEAD]		= "DEAD",
};

/* The counters, in the order they are printed. */
static const struct {
	unsigned int type;
	const char *key;
	const char *fmt;
} path_counters[] = {
	{ MCTE_A_PATH_BYTES,	  "bytes",	"bytes %" PRIu64 },
	{ MCTE_A_PATH_SLICES,	  "slices",	"slices %" PRIu64 },
	{ MCTE_A_PATH_ERRORS,	  "errors",	"errors %" PRIu64 },
	{ MCTE_A_PATH_RETRIES,	  "retries",	"retries %" PRIu64 },
	{ MCTE_A_PATH_RECONNECTS, "reconnects",	"reconnects %" PRIu64 },
};

/* A device name, or "-" in text while there is none. */
static void path_dev_print(const char *key, const struct nlattr *attr)
{
	if (attr)
		print_string(key, "%s", mnl_attr_get_str(attr));
	else
		print_text("-");
}

/*
 * Text:  3: peer 9f3c01d2a4b5c6d7 UP active rxe_a -> rxe_b 10.0.0.1 -> 10.0.0.2:7471 qpn 17
 *            bytes 1048576 slices 16 errors 0 retries 0 reconnects 0
 * JSON:  {"id":3,"peer_id":"9f3c01d2a4b5c6d7","state":"UP","active":true,
 *         "local_dev":"rxe_a","remote_dev":"rxe_b","local_addr":"10.0.0.1",
 *         "remote_addr":"10.0.0.2","remote_port":7471,"qpn":17,
 *         "bytes":1048576,...}
 * A device or address not known (yet) is "-" in text, absent in JSON.
 */
void path_print(const struct nlmsghdr *nlh, const char *key)
{
	const struct nlattr *tb[MCTE_A_PATH_MAX + 1];
	char buf[32];
	uint32_t state;
	size_t i;

	if (nl_parse(nlh, path_policy, MCTE_A_PATH_MAX, tb) < 0)
		return;

	open_object(key);
	if (tb[MCTE_A_PATH_ID])
		print_u32("id", "%u:", mnl_attr_get_u32(tb[MCTE_A_PATH_ID]));
	if (tb[MCTE_A_PATH_PEER_ID])
		engine_id_print("peer_id", "peer %s",
				mnl_attr_get_u64(tb[MCTE_A_PATH_PEER_ID]));
	if (tb[MCTE_A_PATH_STATE]) {
		state = mnl_attr_get_u32(tb[MCTE_A_PATH_STATE]);
		if (state < ARRAY_SIZE(path_states) && path_states[state])
			print_string("state", "%s", path_states[state]);
		else {
			snprintf(buf, sizeof(buf), "UNKNOWN(%u)", state);
			print_string("state", "%s", buf);
		}
	}
	if (tb[MCTE_A_PATH_ACTIVE]) {
		bool active = mnl_attr_get_u8(tb[MCTE_A_PATH_ACTIVE]);

		print_bool("active", NULL, active);
		print_text(active ? "active" : "passive");
	}

	path_dev_print("local_dev", tb[MCTE_A_PATH_LOCAL_DEV]);
	print_text("->");
	path_dev_print("remote_dev", tb[MCTE_A_PATH_REMOTE_DEV]);

	addr_print("local_addr", NULL, tb[MCTE_A_PATH_LOCAL_ADDR], NULL);
	print_text("->");
	addr_print("remote_addr", "remote_port", tb[MCTE_A_PATH_REMOTE_ADDR],
		   tb[MCTE_A_PATH_REMOTE_PORT]);

	if (tb[MCTE_A_PATH_QPN])
		print_u32("qpn", "qpn %u", mnl_attr_get_u32(tb[MCTE_A_PATH_QPN]));

	print_nl();
	print_text("    ");
	for (i = 0; i < ARRAY_SIZE(path_counters); i++) {
		const struct nlattr *attr = tb[path_counters[i].type];

		if (attr)
			print_u64(path_counters[i].key, path_counters[i].fmt,
				  mnl_attr_get_u64(attr));
	}
	close_object();
	print_nl();
}

static int path_show(struct mctectl *ctl, int argc, char **argv)
{
	struct nl_msgs msgs = { .nr = 0 };
	struct nl *nl;
	size_t i;
	int ret, err;

	ret = no_more_args(argc, argv, path_usage);
	if (ret)
		return ret;
	ret = ctl_nl(ctl, &nl);
	if (ret)
		return ret;

	err = nl_request(nl, nl_msg(nl, MCTE_CMD_PATH_GET, NLM_F_DUMP),
			 nl_collect, &msgs);
	if (err) {
		nl_msgs_free(&msgs);
		return ctl_nl_error(ctl, "path-get dump", err);
	}

	open_array(NULL);
	for (i = 0; i < msgs.nr; i++)
		path_print(msgs.msg[i], NULL);
	close_array();

	nl_msgs_free(&msgs);
	return MCTECTL_EXIT_OK;
}

static int path_help(struct mctectl *ctl, int argc, char **argv)
{
	(void)ctl; (void)argc; (void)argv;
	path_usage(stdout);
	return MCTECTL_EXIT_OK;
}

static const struct cmd path_cmds[] = {
	{ "show",	path_show },
	{ "list",	path_show },
	{ "help",	path_help },
	{ NULL, NULL }
};

int cmd_path(struct mctectl *ctl, int argc, char **argv)
{
	return cmd_run(ctl, path_cmds, "command", path_usage, argc, argv);
}
