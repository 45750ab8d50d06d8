// SPDX-License-Identifier: GPL-2.0
/*
 * mctectl topo: the priority matrix of the engine of this network
 * namespace: which RDMA devices carry the slices of memory of each NUMA
 * node.
 *
 *	mctectl topo [ show [ LOCATION ] ]
 *	mctectl topo set LOCATION { auto | [ preferred DEV... ] [ fallback DEV... ] }
 */
#include <errno.h>
#include <string.h>

#include <linux/mcte.h>

#include "mctectl.h"
#include "print.h"

/* As the kernel's policy: IB_DEVICE_NAME_MAX - 1 */
#define TOPO_DEV_NAME_MAX	63
#define TOPO_LOCATION_MAX	31

static void topo_usage(FILE *fp)
{
	fprintf(fp,
		"Usage: mctectl topo show [ LOCATION ]\n"
		"       mctectl topo set LOCATION auto\n"
		"       mctectl topo set LOCATION [ preferred DEV... ] [ fallback DEV... ]\n"
		"       mctectl topo help\n"
		"where  LOCATION := { cpu:NODE | cuda:GPU }\n");
}

static const enum mnl_attr_data_type topo_policy[MCTE_A_TOPO_MAX + 1] = {
	[MCTE_A_TOPO_LOCATION]	= MNL_TYPE_NUL_STRING,
	/* MCTE_A_TOPO_PREFERRED and _FALLBACK repeat: walked in topo_print() */
	[MCTE_A_TOPO_AUTO]	= MNL_TYPE_U8,
};

/* The reason of the device in @attr: the MCTE_A_TOPO_REASON after it. */
static const char *topo_reason(const struct nlmsghdr *nlh,
			       const struct nlattr *attr)
{
	const struct nlattr *next = mnl_attr_next(attr);

	if (!mnl_attr_ok(next, (const char *)mnl_nlmsg_get_payload_tail(nlh) -
				(const char *)next) ||
	    mnl_attr_get_type(next) != MCTE_A_TOPO_REASON ||
	    mnl_attr_validate(next, MNL_TYPE_NUL_STRING) < 0)
		return NULL;
	return mnl_attr_get_str(next);
}

/*
 * Print the devices of @nlh in attributes of @type, as an array @key;
 * in text, each followed by its reason, when it has one.
 */
static void topo_devs_print(const struct nlmsghdr *nlh, unsigned int type,
			    const char *key)
{
	const struct nlattr *attr;
	const char *reason;
	bool any = false;

	print_text("%s", key);
	open_array(key);
	mnl_attr_for_each(attr, nlh, sizeof(struct genlmsghdr)) {
		if (mnl_attr_get_type(attr) != type ||
		    mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) < 0)
			continue;
		print_string(NULL, "%s", mnl_attr_get_str(attr));
		reason = topo_reason(nlh, attr);
		if (reason)
			print_text("(%s)", reason);
		any = true;
	}
	close_array();
	if (!any)
		print_text("-");
}

/* JSON only: "reasons": {DEV: REASON, ...} of an automatic entry. */
static void topo_reasons_print(const struct nlmsghdr *nlh)
{
	const struct nlattr *attr;
	const char *reason;
	unsigned int type;

	open_object("reasons");
	mnl_attr_for_each(attr, nlh, sizeof(struct genlmsghdr)) {
		type = mnl_attr_get_type(attr);
		if ((type != MCTE_A_TOPO_PREFERRED &&
		     type != MCTE_A_TOPO_FALLBACK) ||
		    mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) < 0)
			continue;
		reason = topo_reason(nlh, attr);
		if (reason)
			print_string(mnl_attr_get_str(attr), NULL, reason);
	}
	close_object();
}

/*
 * Text:  cpu:0: auto preferred rxe_a (same-numa) rxe_b (same-numa) fallback -
 *        cpu:1: set preferred mlx5_1 fallback mlx5_0
 * JSON:  {"location":"cpu:0","auto":true,"preferred":["rxe_a","rxe_b"],
 *         "fallback":[],"reasons":{"rxe_a":"same-numa","rxe_b":"same-numa"}}
 */
static void topo_print(const struct nlmsghdr *nlh)
{
	const struct nlattr *tb[MCTE_A_TOPO_MAX + 1];
	bool automatic;

	if (nl_parse(nlh, topo_policy, MCTE_A_TOPO_MAX, tb) < 0 ||
	    !tb[MCTE_A_TOPO_LOCATION])
		return;

	open_object(NULL);
	print_string("location", "%s:",
		     mnl_attr_get_str(tb[MCTE_A_TOPO_LOCATION]));
	if (tb[MCTE_A_TOPO_AUTO]) {
		automatic = mnl_attr_get_u8(tb[MCTE_A_TOPO_AUTO]);
		print_bool("auto", NULL, automatic);
		print_text(automatic ? "auto" : "set");
	}
	topo_devs_print(nlh, MCTE_A_TOPO_PREFERRED, "preferred");
	topo_devs_print(nlh, MCTE_A_TOPO_FALLBACK, "fallback");
	if (print_is_json())
		topo_reasons_print(nlh);
	close_object();
	print_nl();
}

/* Whether @nlh is the entry of @location (any entry when it is NULL). */
static bool topo_is(const struct nlmsghdr *nlh, const char *location)
{
	const struct nlattr *tb[MCTE_A_TOPO_MAX + 1];

	if (!location)
		return true;
	return nl_parse(nlh, topo_policy, MCTE_A_TOPO_MAX, tb) == 0 &&
	       tb[MCTE_A_TOPO_LOCATION] &&
	       !strcmp(mnl_attr_get_str(tb[MCTE_A_TOPO_LOCATION]), location);
}

static int topo_show(struct mctectl *ctl, int argc, char **argv)
{
	struct nl_msgs msgs = { .nr = 0 };
	const char *location = NULL;
	size_t i, shown = 0;
	struct nl *nl;
	int ret, err;

	if (argc) {
		location = argv[0];
		ret = no_more_args(argc - 1, argv + 1, topo_usage);
		if (ret)
			return ret;
	}
	ret = ctl_nl(ctl, &nl);
	if (ret)
		return ret;

	err = nl_request(nl, nl_msg(nl, MCTE_CMD_TOPO_GET, NLM_F_DUMP),
			 nl_collect, &msgs);
	if (err) {
		nl_msgs_free(&msgs);
		return ctl_nl_error(ctl, "topo-get dump", err);
	}

	open_array(NULL);
	for (i = 0; i < msgs.nr; i++) {
		if (!topo_is(msgs.msg[i], location))
			continue;
		topo_print(msgs.msg[i]);
		shown++;
	}
	close_array();
	nl_msgs_free(&msgs);

	if (location && !shown) {
		fprintf(stderr, "mctectl: location %s not found\n", location);
		return MCTECTL_EXIT_ERR;
	}
	return MCTECTL_EXIT_OK;
}

static int topo_set(struct mctectl *ctl, int argc, char **argv)
{
	unsigned int type = 0, nr = 0;
	bool automatic = false;
	struct nlmsghdr *nlh;
	struct nl *nl;
	int ret, err, i;

	if (!argc) {
		fprintf(stderr, "mctectl: topo set: missing LOCATION\n");
		topo_usage(stderr);
		return MCTECTL_EXIT_ERR;
	}
	if (strlen(argv[0]) > TOPO_LOCATION_MAX) {
		fprintf(stderr, "mctectl: invalid location \"%s\"\n", argv[0]);
		return MCTECTL_EXIT_ERR;
	}

	/* Check everything before asking for the socket. */
	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "auto") && i == 1) {
			if (argc > 2) {
				fprintf(stderr,
					"mctectl: topo set: \"auto\" takes no devices\n");
				return MCTECTL_EXIT_ERR;
			}
			automatic = true;
		} else if (!strcmp(argv[i], "preferred")) {
			type = MCTE_A_TOPO_PREFERRED;
		} else if (!strcmp(argv[i], "fallback")) {
			type = MCTE_A_TOPO_FALLBACK;
		} else if (!type) {
			fprintf(stderr,
				"mctectl: topo set: expected \"preferred\", \"fallback\" or \"auto\", not \"%s\"\n",
				argv[i]);
			topo_usage(stderr);
			return MCTECTL_EXIT_ERR;
		} else if (!*argv[i] || strlen(argv[i]) > TOPO_DEV_NAME_MAX) {
			fprintf(stderr, "mctectl: invalid device name \"%s\"\n",
				argv[i]);
			return MCTECTL_EXIT_ERR;
		} else {
			nr++;
		}
	}
	if (!automatic && !nr) {
		fprintf(stderr,
			"mctectl: topo set %s: name preferred or fallback devices, or say \"auto\"\n",
			argv[0]);
		topo_usage(stderr);
		return MCTECTL_EXIT_ERR;
	}

	ret = ctl_nl(ctl, &nl);
	if (ret)
		return ret;

	nlh = nl_msg(nl, MCTE_CMD_TOPO_SET, 0);
	mnl_attr_put_strz(nlh, MCTE_A_TOPO_LOCATION, argv[0]);
	type = 0;
	for (i = 1; i < argc && !automatic; i++) {
		if (!strcmp(argv[i], "preferred"))
			type = MCTE_A_TOPO_PREFERRED;
		else if (!strcmp(argv[i], "fallback"))
			type = MCTE_A_TOPO_FALLBACK;
		else if (!mnl_attr_put_strz_check(nlh, NL_TX_SIZE, type,
						  argv[i]))
			goto too_many;
	}

	err = nl_request(nl, nlh, NULL, NULL);
	if (err)
		return ctl_nl_error(ctl, "topo set", err);
	return MCTECTL_EXIT_OK;

too_many:
	fprintf(stderr, "mctectl: topo set: too many devices\n");
	return MCTECTL_EXIT_ERR;
}

static int topo_help(struct mctectl *ctl, int argc, char **argv)
{
	(void)ctl; (void)argc; (void)argv;
	topo_usage(stdout);
	return MCTECTL_EXIT_OK;
}

static const struct cmd topo_cmds[] = {
	{ "show",	topo_show },
	{ "list",	topo_show },
	{ "set",	topo_set },
	{ "help",	topo_help },
	{ NULL, NULL }
};

int cmd_topo(struct mctectl *ctl, int argc, char **argv)
{
	return cmd_run(ctl, topo_cmds, "command", topo_usage, argc, argv);
}
