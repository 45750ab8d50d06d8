// SPDX-License-Identifier: GPL-2.0
/*
 * mctectl version: what the running module speaks, and this tool.
 *
 *	mctectl version
 */
#include <errno.h>
#include <inttypes.h>

#include <linux/mcte.h>

#include "mctectl.h"
#include "print.h"

static void version_usage(FILE *fp)
{
	fprintf(fp,
		"Usage: mctectl version [ show ]\n"
		"       mctectl version help\n");
}

static const enum mnl_attr_data_type
version_policy[MCTE_A_VERSION_MAX + 1] = {
	[MCTE_A_VERSION_ABI]		= MNL_TYPE_U32,
	[MCTE_A_VERSION_FEATURES]	= MNL_TYPE_U64,
	[MCTE_A_VERSION_MODULE]		= MNL_TYPE_NUL_STRING,
	[MCTE_A_VERSION_FAMILY]		= MNL_TYPE_U32,
};

static const struct {
	uint64_t bit;
	const char *name;
} features[] = {
	{ MCTE_FEAT_DEVICES,		"devices" },
	{ MCTE_FEAT_SEGMENTS,		"segments" },
	{ MCTE_FEAT_BATCH,		"batch" },
	{ MCTE_FEAT_URING_CMD,		"uring_cmd" },
	{ MCTE_FEAT_XPORT_LOCAL,	"xport_local" },
	{ MCTE_FEAT_XPORT_RDMA,		"xport_rdma" },
	{ MCTE_FEAT_XPORT_TCP,		"xport_tcp" },
	{ MCTE_FEAT_XPORT_NVME,		"xport_nvme" },
	{ MCTE_FEAT_SEG_DMABUF,		"seg_dmabuf" },
	{ MCTE_FEAT_SEG_NV_P2P,		"seg_nv_p2p" },
};

/* Names of the bits set in @feat; bits this tool does not know as "bitN". */
static void features_print(uint64_t feat)
{
	char buf[16];
	size_t i;
	int bit;

	print_text("features");
	if (!feat)
		print_text("none");
	open_array("features");
	for (i = 0; i < ARRAY_SIZE(features); i++) {
		if (feat & features[i].bit)
			print_string(NULL, "%s", features[i].name);
		feat &= ~features[i].bit;
	}
	for (bit = 0; bit < 64; bit++) {
		if (!(feat & (1ULL << bit)))
			continue;
		snprintf(buf, sizeof(buf), "bit%d", bit);
		print_string(NULL, "%s", buf);
	}
	close_array();
}

/*
 * Text:  module 0.1.0 abi 1 family 1 features devices
 *        mctectl 0.1.0 abi 1 family 1
 * JSON:  {"module":"0.1.0","abi":1,"family":1,"features":["devices"],
 *         "mctectl":"0.1.0"}
 */
static void version_print(const struct nlmsghdr *nlh, const struct nl *nl)
{
	const struct nlattr *tb[MCTE_A_VERSION_MAX + 1];

	if (nl_parse(nlh, version_policy, MCTE_A_VERSION_MAX, tb) < 0)
		return;

	open_object(NULL);
	print_text("module");
	if (tb[MCTE_A_VERSION_MODULE])
		print_string("module", "%s",
			     mnl_attr_get_str(tb[MCTE_A_VERSION_MODULE]));
	if (tb[MCTE_A_VERSION_ABI])
		print_u32("abi", "abi %u",
			  mnl_attr_get_u32(tb[MCTE_A_VERSION_ABI]));
	print_u32("family", "family %u", tb[MCTE_A_VERSION_FAMILY] ?
		  mnl_attr_get_u32(tb[MCTE_A_VERSION_FAMILY]) :
		  nl->family_version);
	if (tb[MCTE_A_VERSION_FEATURES])
		features_print(mnl_attr_get_u64(tb[MCTE_A_VERSION_FEATURES]));
	print_nl();
	/* what this tool was built with, to spot a mismatch */
	print_string("mctectl", "mctectl %s", MCTECTL_VERSION);
	print_text("abi %d family %d", MCTE_ABI_VERSION, MCTE_FAMILY_VERSION);
	close_object();
	print_nl();
}

static int version_show(struct mctectl *ctl, int argc, char **argv)
{
	struct nl_msgs msgs = { .nr = 0 };
	struct nl *nl;
	int ret, err;

	ret = no_more_args(argc, argv, version_usage);
	if (ret)
		return ret;
	ret = ctl_nl(ctl, &nl);
	if (ret)
		return ret;

	err = nl_request(nl, nl_msg(nl, MCTE_CMD_VERSION_GET, 0),
			 nl_collect, &msgs);
	if (!err && !msgs.nr)
		err = -ENODATA;
	if (err) {
		nl_msgs_free(&msgs);
		return ctl_nl_error(ctl, "version-get", err);
	}

	version_print(msgs.msg[0], nl);
	nl_msgs_free(&msgs);
	return MCTECTL_EXIT_OK;
}

static int version_help(struct mctectl *ctl, int argc, char **argv)
{
	(void)ctl; (void)argc; (void)argv;
	version_usage(stdout);
	return MCTECTL_EXIT_OK;
}

static const struct cmd version_cmds[] = {
	{ "show",	version_show },
	{ "help",	version_help },
	{ NULL, NULL }
};

int cmd_version(struct mctectl *ctl, int argc, char **argv)
{
	return cmd_run(ctl, version_cmds, "command", version_usage, argc, argv);
}
