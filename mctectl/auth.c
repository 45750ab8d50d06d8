// SPDX-License-Identifier: GPL-2.0
/*
 * mctectl auth: the cluster key the engine of this network namespace and
 * its peer engines prove to each other in the handshake of each path.
 *
 *	mctectl auth [ show ]
 *	mctectl auth set key-file FILE
 *	mctectl auth del
 *
 * The key is read from a file (or standard input), never from the command
 * line, where ps(1) shows it; it is never printed, and the buffers that
 * held it are wiped once it is sent. The kernel never gives it back.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <linux/mcte.h>

#include "mctectl.h"
#include "print.h"

/* As the kernel's policy of MCTE_A_AUTH_KEY */
#define AUTH_KEY_MIN	16
#define AUTH_KEY_MAX	64

static void auth_usage(FILE *fp)
{
	fprintf(fp,
		"Usage: mctectl auth [ show ]\n"
		"       mctectl auth set key-file FILE\n"
		"       mctectl auth del\n"
		"       mctectl auth help\n"
		"where  FILE holds the key as %d to %d hexadecimal digits (%d to %d bytes),\n"
		"       whitespace ignored; \"-\" reads it from standard input.\n"
		"       FILE must not be readable or writable by group or others.\n"
		"       The key is never taken on the command line itself, where ps(1)\n"
		"       would show it.\n",
		2 * AUTH_KEY_MIN, 2 * AUTH_KEY_MAX, AUTH_KEY_MIN, AUTH_KEY_MAX);
}

static const enum mnl_attr_data_type auth_policy[MCTE_A_AUTH_MAX + 1] = {
	/* MCTE_A_AUTH_KEY is never sent back */
	[MCTE_A_AUTH_REQUIRED]	= MNL_TYPE_U8,
};

/*
 * Text:  peers must authenticate: yes
 * JSON:  {"required":true}
 */
static void auth_print(const struct nlmsghdr *nlh)
{
	const struct nlattr *tb[MCTE_A_AUTH_MAX + 1];
	bool required;

	if (nl_parse(nlh, auth_policy, MCTE_A_AUTH_MAX, tb) < 0)
		return;

	open_object(NULL);
	if (tb[MCTE_A_AUTH_REQUIRED]) {
		required = mnl_attr_get_u8(tb[MCTE_A_AUTH_REQUIRED]);
		print_bool("required", NULL, required);
		print_text("peers must authenticate: %s",
			   required ? "yes" : "no");
	}
	close_object();
	print_nl();
}

static int auth_show(struct mctectl *ctl, int argc, char **argv)
{
	struct nl_msgs msgs = { .nr = 0 };
	struct nl *nl;
	int ret, err;

	ret = no_more_args(argc, argv, auth_usage);
	if (ret)
		return ret;
	ret = ctl_nl(ctl, &nl);
	if (ret)
		return ret;

	err = nl_request(nl, nl_msg(nl, MCTE_CMD_AUTH_GET, 0),
			 nl_collect, &msgs);
	if (!err && !msgs.nr)
		err = -ENODATA;
	if (err) {
		nl_msgs_free(&msgs);
		return ctl_nl_error(ctl, "auth-get", err);
	}

	auth_print(msgs.msg[0]);
	nl_msgs_free(&msgs);
	return MCTECTL_EXIT_OK;
}

/* Everything that holds the key, or part of it, to wipe in one go. */
struct auth_key {
	uint8_t key[AUTH_KEY_MAX];
	size_t len;			/* bytes of @key */
	char buf[512];			/* what read() returned */
};

static int hex_digit(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static bool is_space(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' ||
	       c == '\v' || c == '\f';
}

/*
 * Read the key in @file ("-": standard input) into @k: 0, or prints what
 * is wrong (never the key) and returns MCTECTL_EXIT_ERR.
 */
static int auth_key_read(const char *file, struct auth_key *k)
{
	bool is_stdin = !strcmp(file, "-");
	/* "key file FILE" or "key on standard input" in messages */
	const char *what = is_stdin ? "key on" : "key file";
	const char *name = is_stdin ? "standard input" : file;
	size_t digits = 0, off = 0;
	int fd, ret = MCTECTL_EXIT_ERR;
	struct stat st;
	ssize_t n, i;
	int v;

	if (is_stdin) {
		fd = STDIN_FILENO;
	} else {
		fd = open(file, O_RDONLY | O_CLOEXEC | O_NOCTTY);
		if (fd < 0) {
			fprintf(stderr, "mctectl: key file %s: %s\n", file,
				strerror(errno));
			return MCTECTL_EXIT_ERR;
		}
		/* the file opened, not whatever the path names by now */
		if (fstat(fd, &st) < 0) {
			fprintf(stderr, "mctectl: key file %s: %s\n", file,
				strerror(errno));
			goto out;
		}
		if (st.st_mode & (S_IRGRP | S_IWGRP | S_IROTH | S_IWOTH)) {
			fprintf(stderr,
				"mctectl: key file %s is readable or writable by group or others; chmod 600 it\n",
				file);
			goto out;
		}
	}

	for (;;) {
		n = read(fd, k->buf, sizeof(k->buf));
		if (n < 0) {
			if (errno == EINTR)
				continue;
			fprintf(stderr, "mctectl: %s %s: %s\n", what, name,
				strerror(errno));
			goto out;
		}
		if (!n)
			break;
		for (i = 0; i < n; i++, off++) {
			if (is_space(k->buf[i]))
				continue;
			v = hex_digit(k->buf[i]);
			if (v < 0) {
				fprintf(stderr,
					"mctectl: %s %s: not hexadecimal text (byte %zu)\n",
					what, name, off);
				goto out;
			}
			if (digits == 2 * AUTH_KEY_MAX) {
				fprintf(stderr,
					"mctectl: %s %s: more than %d hex digits (the key is %d to %d bytes)\n",
					what, name, 2 * AUTH_KEY_MAX,
					AUTH_KEY_MIN, AUTH_KEY_MAX);
				goto out;
			}
			if (digits % 2)
				k->key[digits / 2] |= v;
			else
				k->key[digits / 2] = v << 4;
			digits++;
		}
	}
	if (digits % 2) {
		fprintf(stderr,
			"mctectl: %s %s: odd number of hex digits (%zu)\n",
			what, name, digits);
		goto out;
	}
	if (digits < 2 * AUTH_KEY_MIN) {
		fprintf(stderr,
			"mctectl: %s %s: %zu hex digits, need %d to %d (a key of %d to %d bytes)\n",
			what, name, digits, 2 * AUTH_KEY_MIN, 2 * AUTH_KEY_MAX,
			AUTH_KEY_MIN, AUTH_KEY_MAX);
		goto out;
	}
	k->len = digits / 2;
	ret = MCTECTL_EXIT_OK;
out:
	if (!is_stdin)
		close(fd);
	return ret;
}

/*
 * auth set key-file FILE. Arguments are not echoed in errors: one given
 * by mistake may be the key itself.
 */
static int auth_set(struct mctectl *ctl, int argc, char **argv)
{
	struct auth_key k;
	struct nlmsghdr *nlh;
	struct nl *nl;
	int ret, err;

	if (!argc || strcmp(argv[0], "key-file")) {
		fprintf(stderr,
			"mctectl: auth set: expected \"key-file FILE\" (the key is never taken on the command line)\n");
		auth_usage(stderr);
		return MCTECTL_EXIT_ERR;
	}
	if (argc < 2) {
		fprintf(stderr, "mctectl: auth set: key-file needs a FILE\n");
		auth_usage(stderr);
		return MCTECTL_EXIT_ERR;
	}
	if (argc > 2) {
		fprintf(stderr,
			"mctectl: auth set: unexpected argument after key-file FILE\n");
		auth_usage(stderr);
		return MCTECTL_EXIT_ERR;
	}

	ret = auth_key_read(argv[1], &k);
	if (ret)
		goto out;
	ret = ctl_nl(ctl, &nl);
	if (ret)
		goto out;

	nlh = nl_msg(nl, MCTE_CMD_AUTH_SET, 0);
	mnl_attr_put(nlh, MCTE_A_AUTH_KEY, k.len, k.key);
	err = nl_request(nl, nlh, NULL, NULL);
	/*
	 * The request holds the key, and so may an error reply that quotes
	 * it (a kernel without NETLINK_CAP_ACK).
	 */
	explicit_bzero(nl->tx, sizeof(nl->tx));
	explicit_bzero(nl->rx, NL_RX_SIZE);
	ret = err ? ctl_nl_error(ctl, "auth set", err) : MCTECTL_EXIT_OK;
out:
	explicit_bzero(&k, sizeof(k));
	return ret;
}

static int auth_del(struct mctectl *ctl, int argc, char **argv)
{
	struct nl *nl;
	int ret, err;

	ret = no_more_args(argc, argv, auth_usage);
	if (ret)
		return ret;
	ret = ctl_nl(ctl, &nl);
	if (ret)
		return ret;

	err = nl_request(nl, nl_msg(nl, MCTE_CMD_AUTH_DEL, 0), NULL, NULL);
	if (err)
		return ctl_nl_error(ctl, "auth del", err);
	return MCTECTL_EXIT_OK;
}

static int auth_help(struct mctectl *ctl, int argc, char **argv)
{
	(void)ctl; (void)argc; (void)argv;
	auth_usage(stdout);
	return MCTECTL_EXIT_OK;
}

static const struct cmd auth_cmds[] = {
	{ "show",	auth_show },
	{ "set",	auth_set },
	{ "delete",	auth_del },
	{ "help",	auth_help },
	{ NULL, NULL }
};

int cmd_auth(struct mctectl *ctl, int argc, char **argv)
{
	return cmd_run(ctl, auth_cmds, "command", auth_usage, argc, argv);
}
