// SPDX-License-Identifier: GPL-2.0
/*
 * mctectl - control tool of mcte, the in-kernel batched transfer engine.
 *
 *	mctectl [ OPTIONS ] OBJECT { COMMAND | help }
 */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include <linux/mcte.h>

#include "mctectl.h"
#include "print.h"

static void usage(FILE *fp)
{
	fprintf(fp,
		"Usage: mctectl [ OPTIONS ] OBJECT { COMMAND | help }\n"
		"where  OBJECT := { auth | dev | listen | monitor | path | peer | policy |\n"
		"                   segment | stat | topo | version | help }\n"
		"       OPTIONS := { -V[ersion] | -j[son] | -p[retty] | -h[elp] }\n");
}

static int cmd_help(struct mctectl *ctl, int argc, char **argv)
{
	(void)ctl; (void)argc; (void)argv;
	usage(stdout);
	return MCTECTL_EXIT_OK;
}

bool matches(const char *arg, const char *word)
{
	size_t len = strlen(arg);

	return len && !strncmp(arg, word, len);
}

int cmd_run(struct mctectl *ctl, const struct cmd *cmds, const char *what,
	    void (*usage_fn)(FILE *fp), int argc, char **argv)
{
	const struct cmd *c;

	if (!argc)
		return cmds[0].fn(ctl, 0, argv);

	for (c = cmds; c->name; c++)
		if (matches(argv[0], c->name))
			return c->fn(ctl, argc - 1, argv + 1);

	fprintf(stderr, "mctectl: unknown %s \"%s\"\n", what, argv[0]);
	usage_fn(stderr);
	return MCTECTL_EXIT_ERR;
}

int no_more_args(int argc, char **argv, void (*usage_fn)(FILE *fp))
{
	if (!argc)
		return 0;
	fprintf(stderr, "mctectl: unexpected argument \"%s\"\n", argv[0]);
	usage_fn(stderr);
	return MCTECTL_EXIT_ERR;
}

int ctl_nl(struct mctectl *ctl, struct nl **nl)
{
	int err;

	if (!ctl->nl_ready) {
		err = nl_open(&ctl->nl);
		if (err == -ENOENT) {
			fprintf(stderr,
				"mctectl: mcte module not loaded (generic netlink family \"%s\" not found)\n",
				MCTE_FAMILY_NAME);
			return MCTECTL_EXIT_NOMOD;
		}
		if (err)
			return ctl_nl_error(ctl, "cannot talk to generic netlink",
					    err);
		ctl->nl_ready = true;
	}
	*nl = &ctl->nl;
	return MCTECTL_EXIT_OK;
}

int ctl_nl_error(struct mctectl *ctl, const char *what, int err)
{
	const char *ext = ctl->nl.ext_msg;

	/* genetlink's answer to a request of an admin-perm operation */
	if (err == -EPERM) {
		fprintf(stderr,
			"mctectl: %s: operation not permitted (needs CAP_NET_ADMIN)\n",
			what);
		return MCTECTL_EXIT_ERR;
	}
	fprintf(stderr, "mctectl: %s: %s%s%s\n", what, strerror(-err),
		*ext ? ": " : "", ext);
	return MCTECTL_EXIT_ERR;
}

/*
 * Table order settles abbreviations: "a" is auth, "d" dev, "l" listen,
 * "m" monitor, "p" and "pe" peer, "pa" path, "po" policy, "s" and "seg"
 * segment, "st" stat, "t" topo, "v" version, "h" help.
 */
static const struct cmd objects[] = {
	{ "auth",	cmd_auth },
	{ "dev",	cmd_dev },
	{ "listen",	cmd_listen },
	{ "monitor",	cmd_monitor },
	{ "peer",	cmd_peer },
	{ "path",	cmd_path },
	{ "policy",	cmd_policy },
	{ "segment",	cmd_segment },
	{ "stat",	cmd_stat },
	{ "topo",	cmd_topo },
	{ "version",	cmd_version },
	{ "help",	cmd_help },
	{ NULL, NULL }
};

static const struct option options[] = {
	{ "json",	no_argument, NULL, 'j' },
	{ "pretty",	no_argument, NULL, 'p' },
	{ "Version",	no_argument, NULL, 'V' },
	{ "version",	no_argument, NULL, 'V' },
	{ "help",	no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 }
};

int main(int argc, char **argv)
{
	struct mctectl ctl = { .json = false };
	int opt, ret, err;

	opterr = 0;
	/* "+": options end at the object, as in `mctectl dev show -x` */
	while ((opt = getopt_long(argc, argv, "+jpVh", options, NULL)) != -1) {
		switch (opt) {
		case 'j':
			ctl.json = true;
			break;
		case 'p':
			ctl.pretty = true;
			break;
		case 'V':
			printf("mctectl %s (ABI %d, netlink family %s %d)\n",
			       MCTECTL_VERSION, MCTE_ABI_VERSION,
			       MCTE_FAMILY_NAME, MCTE_FAMILY_VERSION);
			return MCTECTL_EXIT_OK;
		case 'h':
			usage(stdout);
			return MCTECTL_EXIT_OK;
		default:
			if (optopt)
				fprintf(stderr, "mctectl: unknown option \"-%c\"\n",
					optopt);
			else
				fprintf(stderr, "mctectl: unknown option \"%s\"\n",
					argv[optind - 1]);
			usage(stderr);
			return MCTECTL_EXIT_ERR;
		}
	}
	argc -= optind;
	argv += optind;

	if (!argc) {
		usage(stderr);
		return MCTECTL_EXIT_ERR;
	}

	print_init(ctl.json, ctl.pretty);
	ret = cmd_run(&ctl, objects, "object", usage, argc, argv);

	err = print_end();
	if (err && ret == MCTECTL_EXIT_OK) {
		fprintf(stderr, "mctectl: write error: %s\n", strerror(-err));
		ret = MCTECTL_EXIT_ERR;
	}
	if (ctl.nl_ready)
		nl_close(&ctl.nl);
	return ret;
}
