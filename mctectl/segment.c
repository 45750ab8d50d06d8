// SPDX-License-Identifier: GPL-2.0
/*
 * mctectl segment: the segments registered in this network namespace.
 *
 *	mctectl segment [ show [ NAME ] ]
 */
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include <linux/mcte.h>

#include "mctectl.h"
#include "print.h"

static void seg_usage(FILE *fp)
{
	fprintf(fp,
		"Usage: mctectl segment show [ NAME ]\n"
		"       mctectl segment help\n");
}

static const enum mnl_attr_data_type seg_policy[MCTE_A_SEG_MAX + 1] = {
	[MCTE_A_SEG_NAME]	= MNL_TYPE_NUL_STRING,
	[MCTE_A_SEG_OWNER_PID]	= MNL_TYPE_U32,
	[MCTE_A_SEG_OWNER_UID]	= MNL_TYPE_U32,
	[MCTE_A_SEG_KIND]	= MNL_TYPE_U32,
	[MCTE_A_SEG_ACCESS]	= MNL_TYPE_U32,
	[MCTE_A_SEG_NR_BUFS]	= MNL_TYPE_U32,
	[MCTE_A_SEG_SIZE]	= MNL_TYPE_U64,
	[MCTE_A_SEG_INFLIGHT]	= MNL_TYPE_U32,
	[MCTE_A_SEG_BLOCK_DEV]	= MNL_TYPE_NUL_STRING,
	[MCTE_A_SEG_BLOCK_LBS]	= MNL_TYPE_U32,
	[MCTE_A_SEG_BLOCK_START] = MNL_TYPE_U64,
	[MCTE_A_SEG_BLOCK_RO]	= MNL_TYPE_U8,
	/* MCTE_A_SEG_BUF repeats: walked in seg_print() */
};

static const enum mnl_attr_data_type buf_policy[MCTE_A_BUF_MAX + 1] = {
	[MCTE_A_BUF_LEN]	= MNL_TYPE_U64,
};

static const char *const seg_kinds[] = {
	[MCTE_SEG_HOST]		= "host",
	[MCTE_SEG_DMABUF]	= "dmabuf",
	[MCTE_SEG_BLOCK]	= "block",
	[MCTE_SEG_NV_P2P]	= "nv_p2p",
};

static const char *const seg_access[] = {
	[MCTE_ACCESS_NONE]	= "none",
	[MCTE_ACCESS_READ]	= "read",
	[MCTE_ACCESS_RW]	= "rw",
};

/* A name from @names, or "unknown(n)" in @buf for values added later. */
static const char *seg_enum(const char *const *names, size_t nr,
			    uint32_t val, char *buf, size_t len)
{
	if (val < nr && names[val])
		return names[val];
	snprintf(buf, len, "unknown(%" PRIu32 ")", val);
	return buf;
}

/*
 * Text:  kv0: owner_pid 812 owner_uid 0 kind host access rw size 8192 inflight 0
 *            bufs 2: 4096 4096
 * A block segment has its device on a line of its own:
 *            device nvme1n1 block_size 512 start 0 read_only false
 * JSON:  {"name":"kv0","owner_pid":812,...,"bufs":[{"len":4096},...]}
 * Whatever attribute is missing (a removal may carry only the name) is
 * left out.
 */
void seg_print(const struct nlmsghdr *nlh, const char *key)
{
	const struct nlattr *tb[MCTE_A_SEG_MAX + 1];
	const struct nlattr *btb[MCTE_A_BUF_MAX + 1];
	const struct nlattr *attr;
	unsigned int nbufs = 0;
	char buf[32];

	if (nl_parse(nlh, seg_policy, MCTE_A_SEG_MAX, tb) < 0)
		return;

	open_object(key);
	if (tb[MCTE_A_SEG_NAME])
		print_string("name", "%s:", mnl_attr_get_str(tb[MCTE_A_SEG_NAME]));
	if (tb[MCTE_A_SEG_OWNER_PID])
		print_u32("owner_pid", "owner_pid %u",
			  mnl_attr_get_u32(tb[MCTE_A_SEG_OWNER_PID]));
	if (tb[MCTE_A_SEG_OWNER_UID])
		print_u32("owner_uid", "owner_uid %u",
			  mnl_attr_get_u32(tb[MCTE_A_SEG_OWNER_UID]));
	if (tb[MCTE_A_SEG_KIND])
		print_string("kind", "kind %s",
			     seg_enum(seg_kinds, ARRAY_SIZE(seg_kinds),
				      mnl_attr_get_u32(tb[MCTE_A_SEG_KIND]),
				      buf, sizeof(buf)));
	if (tb[MCTE_A_SEG_ACCESS])
		print_string("access", "access %s",
			     seg_enum(seg_access, ARRAY_SIZE(seg_access),
				      mnl_attr_get_u32(tb[MCTE_A_SEG_ACCESS]),
				      buf, sizeof(buf)));
	if (tb[MCTE_A_SEG_NR_BUFS])
		print_u32("nr_bufs", NULL,
			  mnl_attr_get_u32(tb[MCTE_A_SEG_NR_BUFS]));
	if (tb[MCTE_A_SEG_SIZE])
		print_u64("size", "size %" PRIu64,
			  mnl_attr_get_u64(tb[MCTE_A_SEG_SIZE]));
	if (tb[MCTE_A_SEG_INFLIGHT])
		print_u32("inflight", "inflight %u",
			  mnl_attr_get_u32(tb[MCTE_A_SEG_INFLIGHT]));
	if (tb[MCTE_A_SEG_BLOCK_DEV]) {
		print_nl();
		print_string("device", "    device %s",
			     mnl_attr_get_str(tb[MCTE_A_SEG_BLOCK_DEV]));
		if (tb[MCTE_A_SEG_BLOCK_LBS])
			print_u32("block_size", "block_size %u",
				  mnl_attr_get_u32(tb[MCTE_A_SEG_BLOCK_LBS]));
		if (tb[MCTE_A_SEG_BLOCK_START])
			print_u64("start", "start %" PRIu64,
				  mnl_attr_get_u64(tb[MCTE_A_SEG_BLOCK_START]));
		if (tb[MCTE_A_SEG_BLOCK_RO])
			print_bool("read_only", "read_only %s",
				   mnl_attr_get_u8(tb[MCTE_A_SEG_BLOCK_RO]));
	}

	mnl_attr_for_each(attr, nlh, sizeof(struct genlmsghdr)) {
		if (mnl_attr_get_type(attr) != MCTE_A_SEG_BUF)
			continue;
		if (mnl_attr_validate(attr, MNL_TYPE_NESTED) < 0 ||
		    nl_parse_nested(attr, buf_policy, MCTE_A_BUF_MAX, btb) < 0 ||
		    !btb[MCTE_A_BUF_LEN])
			continue;
		if (!nbufs++) {
			print_nl();
			print_text("    bufs %u:", tb[MCTE_A_SEG_NR_BUFS] ?
				   mnl_attr_get_u32(tb[MCTE_A_SEG_NR_BUFS]) : 0);
			open_array("bufs");
		}
		open_object(NULL);
		print_u64("len", "%" PRIu64, mnl_attr_get_u64(btb[MCTE_A_BUF_LEN]));
		close_object();
	}
	if (nbufs)
		close_array();
	else if (tb[MCTE_A_SEG_NR_BUFS])
		print_text("bufs %u", mnl_attr_get_u32(tb[MCTE_A_SEG_NR_BUFS]));
	close_object();
	print_nl();
}

static int seg_show_all(struct mctectl *ctl, struct nl *nl)
{
	struct nl_msgs msgs = { .nr = 0 };
	size_t i;
	int err;

	err = nl_request(nl, nl_msg(nl, MCTE_CMD_SEG_GET, NLM_F_DUMP),
			 nl_collect, &msgs);
	if (err) {
		nl_msgs_free(&msgs);
		return ctl_nl_error(ctl, "seg-get dump", err);
	}

	open_array(NULL);
	for (i = 0; i < msgs.nr; i++)
		seg_print(msgs.msg[i], NULL);
	close_array();

	nl_msgs_free(&msgs);
	return MCTECTL_EXIT_OK;
}

static int seg_show_one(struct mctectl *ctl, struct nl *nl, const char *name)
{
	struct nl_msgs msgs = { .nr = 0 };
	struct nlmsghdr *nlh;
	int err, ret = MCTECTL_EXIT_ERR;

	if (!*name || strlen(name) >= MCTE_SEG_NAME_MAX) {
		fprintf(stderr, "mctectl: invalid segment name \"%s\"\n", name);
		return MCTECTL_EXIT_ERR;
	}

	nlh = nl_msg(nl, MCTE_CMD_SEG_GET, 0);
	mnl_attr_put_strz(nlh, MCTE_A_SEG_NAME, name);
	err = nl_request(nl, nlh, nl_collect, &msgs);
	if (err == -ENOENT || (!err && !msgs.nr)) {
		fprintf(stderr, "mctectl: segment %s not found\n", name);
		goto out;
	}
	if (err) {
		ret = ctl_nl_error(ctl, "seg-get", err);
		goto out;
	}

	open_array(NULL);
	seg_print(msgs.msg[0], NULL);
	close_array();
	ret = MCTECTL_EXIT_OK;
out:
	nl_msgs_free(&msgs);
	return ret;
}

static int seg_show(struct mctectl *ctl, int argc, char **argv)
{
	struct nl *nl;
	int ret;

	if (argc > 1)
		return no_more_args(argc - 1, argv + 1, seg_usage);

	ret = ctl_nl(ctl, &nl);
	if (ret)
		return ret;

	return argc ? seg_show_one(ctl, nl, argv[0]) : seg_show_all(ctl, nl);
}

static int seg_help(struct mctectl *ctl, int argc, char **argv)
{
	(void)ctl; (void)argc; (void)argv;
	seg_usage(stdout);
	return MCTECTL_EXIT_OK;
}

static const struct cmd seg_cmds[] = {
	{ "show",	seg_show },
	{ "list",	seg_show },
	{ "help",	seg_help },
	{ NULL, NULL }
};

int cmd_segment(struct mctectl *ctl, int argc, char **argv)
{
	return cmd_run(ctl, seg_cmds, "command", seg_usage, argc, argv);
}
