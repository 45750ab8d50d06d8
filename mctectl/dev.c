// SPDX-License-Identifier: GPL-2.0
/*
 * mctectl dev: the RDMA devices the engine of this network namespace sees.
 *
 *	mctectl dev [ show [ DEV ] ]
 */
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include <linux/mcte.h>

#include "mctectl.h"
#include "print.h"

static void dev_usage(FILE *fp)
{
	fprintf(fp,
		"Usage: mctectl dev show [ DEV ]\n"
		"       mctectl dev help\n");
}

static const enum mnl_attr_data_type dev_policy[MCTE_A_DEV_MAX + 1] = {
	[MCTE_A_DEV_INDEX]	= MNL_TYPE_U32,
	[MCTE_A_DEV_NAME]	= MNL_TYPE_NUL_STRING,
	[MCTE_A_DEV_NODE_GUID]	= MNL_TYPE_U64,
	[MCTE_A_DEV_NUMA_NODE]	= MNL_TYPE_U32,
	[MCTE_A_DEV_PARENT]	= MNL_TYPE_NUL_STRING,
	[MCTE_A_DEV_NUM_PORTS]	= MNL_TYPE_U32,
	/* MCTE_A_DEV_PORT repeats: walked in dev_print() */
	[MCTE_A_DEV_PCI_PATH]	= MNL_TYPE_NUL_STRING,
	[MCTE_A_DEV_BYTES_WRITTEN] = MNL_TYPE_U64,
	[MCTE_A_DEV_BYTES_READ]	= MNL_TYPE_U64,
	[MCTE_A_DEV_SLICES]	= MNL_TYPE_U64,
	[MCTE_A_DEV_ERRORS]	= MNL_TYPE_U64,
};

/* The device's slice counters: what this node moved through it. */
static const struct {
	int type;
	const char *key, *fmt;
} dev_counters[] = {
	{ MCTE_A_DEV_BYTES_WRITTEN, "bytes_written", "bytes_written %" PRIu64 },
	{ MCTE_A_DEV_BYTES_READ,    "bytes_read",    "bytes_read %" PRIu64 },
	{ MCTE_A_DEV_SLICES,        "slices",        "slices %" PRIu64 },
	{ MCTE_A_DEV_ERRORS,        "errors",        "errors %" PRIu64 },
};

static const enum mnl_attr_data_type port_policy[MCTE_A_PORT_MAX + 1] = {
	[MCTE_A_PORT_NUM]	 = MNL_TYPE_U32,
	[MCTE_A_PORT_STATE]	 = MNL_TYPE_U32,
	[MCTE_A_PORT_LINK_LAYER] = MNL_TYPE_U32,
	[MCTE_A_PORT_NETDEV]	 = MNL_TYPE_NUL_STRING,
	[MCTE_A_PORT_IFINDEX]	 = MNL_TYPE_U32,
	[MCTE_A_PORT_MTU]	 = MNL_TYPE_U32,
};

/* As `rdma` prints them. */
static const char *const port_states[] = {
	[MCTE_PORT_STATE_NOP]		= "NOP",
	[MCTE_PORT_STATE_DOWN]		= "DOWN",
	[MCTE_PORT_STATE_INIT]		= "INIT",
	[MCTE_PORT_STATE_ARMED]		= "ARMED",
	[MCTE_PORT_STATE_ACTIVE]	= "ACTIVE",
	[MCTE_PORT_STATE_ACTIVE_DEFER]	= "ACTIVE_DEFER",
};

static const char *const link_layers[] = {
	[MCTE_LINK_LAYER_UNSPECIFIED]	= "Unspecified",
	[MCTE_LINK_LAYER_INFINIBAND]	= "InfiniBand",
	[MCTE_LINK_LAYER_ETHERNET]	= "Ethernet",
};

/* A name from @names, or "UNKNOWN(n)" in @buf for values added later. */
static const char *enum_name(const char *const *names, size_t nr,
			     uint32_t val, char *buf, size_t len)
{
	if (val < nr && names[val])
		return names[val];
	snprintf(buf, len, "UNKNOWN(%" PRIu32 ")", val);
	return buf;
}

static void port_print(const struct nlattr **tb)
{
	char buf[32];

	print_nl();
	print_text("    ");
	open_object(NULL);
	print_u32("port", "port %u", mnl_attr_get_u32(tb[MCTE_A_PORT_NUM]));
	if (tb[MCTE_A_PORT_STATE])
		print_string("state", "state %s",
			     enum_name(port_states, ARRAY_SIZE(port_states),
				       mnl_attr_get_u32(tb[MCTE_A_PORT_STATE]),
				       buf, sizeof(buf)));
	if (tb[MCTE_A_PORT_LINK_LAYER])
		print_string("link_layer", "link_layer %s",
			     enum_name(link_layers, ARRAY_SIZE(link_layers),
				       mnl_attr_get_u32(tb[MCTE_A_PORT_LINK_LAYER]),
				       buf, sizeof(buf)));
	if (tb[MCTE_A_PORT_NETDEV])
		print_string("netdev", "netdev %s",
			     mnl_attr_get_str(tb[MCTE_A_PORT_NETDEV]));
	if (tb[MCTE_A_PORT_IFINDEX])
		print_u32("ifindex", "ifindex %u",
			  mnl_attr_get_u32(tb[MCTE_A_PORT_IFINDEX]));
	if (tb[MCTE_A_PORT_MTU])
		print_u32("mtu", "mtu %u",
			  mnl_attr_get_u32(tb[MCTE_A_PORT_MTU]));
	close_object();
}

/*
 * Text:  0: rxe_a: node_guid 5054:00ff:fe12:3456 numa -1 ports 1
 *            port 1 state ACTIVE link_layer Ethernet netdev va ...
 * JSON:  {"index":0,"name":"rxe_a",...,"ports":[{"port":1,...}]}
 * Whatever attribute is missing (a removal may carry only index and
 * name) is left out.
 */
void dev_print(const struct nlmsghdr *nlh, const char *key)
{
	const struct nlattr *tb[MCTE_A_DEV_MAX + 1];
	const struct nlattr *ptb[MCTE_A_PORT_MAX + 1];
	const struct nlattr *attr;
	bool ports = false;
	char guid[20];
	uint64_t g;
	size_t i;

	if (nl_parse(nlh, dev_policy, MCTE_A_DEV_MAX, tb) < 0)
		return;

	open_object(key);
	if (tb[MCTE_A_DEV_INDEX])
		print_u32("index", "%u:", mnl_attr_get_u32(tb[MCTE_A_DEV_INDEX]));
	if (tb[MCTE_A_DEV_NAME])
		print_string("name", "%s:", mnl_attr_get_str(tb[MCTE_A_DEV_NAME]));
	if (tb[MCTE_A_DEV_NODE_GUID]) {
		g = mnl_attr_get_u64(tb[MCTE_A_DEV_NODE_GUID]);
		snprintf(guid, sizeof(guid), "%04x:%04x:%04x:%04x",
			 (unsigned int)(g >> 48) & 0xffff,
			 (unsigned int)(g >> 32) & 0xffff,
			 (unsigned int)(g >> 16) & 0xffff,
			 (unsigned int)g & 0xffff);
		print_string("node_guid", "node_guid %s", guid);
	}
	if (tb[MCTE_A_DEV_NUMA_NODE])
		print_s32("numa_node", "numa %d",
			  (int32_t)mnl_attr_get_u32(tb[MCTE_A_DEV_NUMA_NODE]));
	if (tb[MCTE_A_DEV_PARENT])
		print_string("parent", "parent %s",
			     mnl_attr_get_str(tb[MCTE_A_DEV_PARENT]));
	if (tb[MCTE_A_DEV_NUM_PORTS])
		print_u32("num_ports", "ports %u",
			  mnl_attr_get_u32(tb[MCTE_A_DEV_NUM_PORTS]));
	if (tb[MCTE_A_DEV_PCI_PATH])
		print_string("pci_path", "pci_path %s",
			     mnl_attr_get_str(tb[MCTE_A_DEV_PCI_PATH]));
	for (i = 0; i < sizeof(dev_counters) / sizeof(dev_counters[0]); i++)
		if (tb[dev_counters[i].type])
			print_u64(dev_counters[i].key, dev_counters[i].fmt,
				  mnl_attr_get_u64(tb[dev_counters[i].type]));

	mnl_attr_for_each(attr, nlh, sizeof(struct genlmsghdr)) {
		if (mnl_attr_get_type(attr) != MCTE_A_DEV_PORT)
			continue;
		/* a port without its number would be meaningless */
		if (mnl_attr_validate(attr, MNL_TYPE_NESTED) < 0 ||
		    nl_parse_nested(attr, port_policy, MCTE_A_PORT_MAX, ptb) < 0 ||
		    !ptb[MCTE_A_PORT_NUM])
			continue;
		if (!ports) {
			open_array("ports");
			ports = true;
		}
		port_print(ptb);
	}
	if (ports)
		close_array();
	close_object();
	print_nl();
}

static int dev_show_all(struct mctectl *ctl, struct nl *nl)
{
	struct nl_msgs msgs = { .nr = 0 };
	size_t i;
	int err;

	err = nl_request(nl, nl_msg(nl, MCTE_CMD_DEV_GET, NLM_F_DUMP),
			 nl_collect, &msgs);
	if (err) {
		nl_msgs_free(&msgs);
		return ctl_nl_error(ctl, "dev-get dump", err);
	}

	open_array(NULL);
	for (i = 0; i < msgs.nr; i++)
		dev_print(msgs.msg[i], NULL);
	close_array();

	nl_msgs_free(&msgs);
	return MCTECTL_EXIT_OK;
}

/* Index of the device called @name in a dump, -1 if there is none. */
static int64_t dev_find(const struct nl_msgs *msgs, const char *name)
{
	const struct nlattr *tb[MCTE_A_DEV_MAX + 1];
	size_t i;

	for (i = 0; i < msgs->nr; i++) {
		if (nl_parse(msgs->msg[i], dev_policy, MCTE_A_DEV_MAX, tb) < 0 ||
		    !tb[MCTE_A_DEV_INDEX] || !tb[MCTE_A_DEV_NAME])
			continue;
		if (!strcmp(mnl_attr_get_str(tb[MCTE_A_DEV_NAME]), name))
			return mnl_attr_get_u32(tb[MCTE_A_DEV_INDEX]);
	}
	return -1;
}

/* dev-get takes an index: find the name in a dump, then ask for it. */
static int dev_show_one(struct mctectl *ctl, struct nl *nl, const char *name)
{
	struct nl_msgs msgs = { .nr = 0 };
	struct nlmsghdr *nlh;
	int64_t index;
	int err, ret = MCTECTL_EXIT_ERR;

	err = nl_request(nl, nl_msg(nl, MCTE_CMD_DEV_GET, NLM_F_DUMP),
			 nl_collect, &msgs);
	if (err) {
		ret = ctl_nl_error(ctl, "dev-get dump", err);
		goto out;
	}
	index = dev_find(&msgs, name);
	nl_msgs_free(&msgs);
	if (index < 0)
		goto not_found;

	nlh = nl_msg(nl, MCTE_CMD_DEV_GET, 0);
	mnl_attr_put_u32(nlh, MCTE_A_DEV_INDEX, index);
	err = nl_request(nl, nlh, nl_collect, &msgs);
	/* gone since the dump */
	if (err == -ENODEV || err == -ENOENT || (!err && !msgs.nr))
		goto not_found;
	if (err) {
		ret = ctl_nl_error(ctl, "dev-get", err);
		goto out;
	}

	open_array(NULL);
	dev_print(msgs.msg[0], NULL);
	close_array();
	ret = MCTECTL_EXIT_OK;
	goto out;

not_found:
	fprintf(stderr, "mctectl: device %s not found\n", name);
out:
	nl_msgs_free(&msgs);
	return ret;
}

static int dev_show(struct mctectl *ctl, int argc, char **argv)
{
	struct nl *nl;
	int ret;

	if (argc > 1)
		return no_more_args(argc - 1, argv + 1, dev_usage);

	ret = ctl_nl(ctl, &nl);
	if (ret)
		return ret;

	return argc ? dev_show_one(ctl, nl, argv[0]) : dev_show_all(ctl, nl);
}

static int dev_help(struct mctectl *ctl, int argc, char **argv)
{
	(void)ctl; (void)argc; (void)argv;
	dev_usage(stdout);
	return MCTECTL_EXIT_OK;
}

static const struct cmd dev_cmds[] = {
	{ "show",	dev_show },
	{ "list",	dev_show },
	{ "help",	dev_help },
	{ NULL, NULL }
};

int cmd_dev(struct mctectl *ctl, int argc, char **argv)
{
	return cmd_run(ctl, dev_cmds, "command", dev_usage, argc, argv);
}
