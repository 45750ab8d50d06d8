// SPDX-License-Identifier: GPL-2.0
/*
 * mctectl monitor: print the events of the "events" multicast group as
 * they come, until SIGINT or SIGTERM.
 *
 *	mctectl monitor [ dev | path | seg | all ]
 */
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include <linux/mcte.h>

#include "mctectl.h"
#include "print.h"

static void monitor_usage(FILE *fp)
{
	fprintf(fp,
		"Usage: mctectl monitor [ dev | path | segment | all ]\n"
		"       mctectl monitor help\n");
}

/* Which events to show */
enum {
	MONITOR_DEV	= 1 << 0,
	MONITOR_SEG	= 1 << 1,
	MONITOR_PATH	= 1 << 2,
	MONITOR_OTHER	= 1 << 3,	/* of a newer module */
	MONITOR_ALL	= MONITOR_DEV | MONITOR_SEG | MONITOR_PATH |
			  MONITOR_OTHER,
};

struct monitor {
	uint16_t family;
	unsigned int show;	/* MONITOR_* */
	int err;		/* a write to stdout failed */
};

static const struct {
	const char *name;
	const char *key;	/* of the object in JSON */
	unsigned int kind;
	void (*print)(const struct nlmsghdr *nlh, const char *key);
} events[] = {
	[MCTE_CMD_DEV_ADD_NTF]	  = { "dev add", "dev", MONITOR_DEV, dev_print },
	[MCTE_CMD_DEV_DEL_NTF]	  = { "dev del", "dev", MONITOR_DEV, dev_print },
	[MCTE_CMD_DEV_CHANGE_NTF] = { "dev change", "dev", MONITOR_DEV, dev_print },
	[MCTE_CMD_SEG_ADD_NTF]	  = { "seg add", "seg", MONITOR_SEG, seg_print },
	[MCTE_CMD_SEG_DEL_NTF]	  = { "seg del", "seg", MONITOR_SEG, seg_print },
	[MCTE_CMD_PATH_UP_NTF]	  = { "path up", "path", MONITOR_PATH, path_print },
	[MCTE_CMD_PATH_DOWN_NTF]  = { "path down", "path", MONITOR_PATH, path_print },
};

/*
 * Text:  [dev add] 0: rxe_a: node_guid ...
 *        [seg add] kv0: owner_pid 812 ...
 *        [path up] 3: peer 9f3c01d2a4b5c6d7 UP active rxe_a -> rxe_b ...
 * JSON:  {"event":"dev add","dev":{...}}, {"event":"seg add","seg":{...}},
 *        {"event":"path up","path":{...}}, one a line
 */
static int monitor_cb(const struct nlmsghdr *nlh, void *data)
{
	struct monitor *mon = data;
	int cmd = nl_genl_cmd(nlh);
	bool known;

	if (nlh->nlmsg_type != mon->family || cmd < 0)
		return MNL_CB_OK;
	known = (size_t)cmd < ARRAY_SIZE(events) && events[cmd].name;
	if (!(mon->show & (known ? events[cmd].kind : MONITOR_OTHER)))
		return MNL_CB_OK;

	open_object(NULL);
	if (known) {
		print_string("event", "[%s]", events[cmd].name);
		events[cmd].print(nlh, events[cmd].key);
	} else {
		/* from a newer module: say that something happened */
		print_string("event", "[%s]", "unknown");
		print_u32("cmd", "cmd %u", cmd);
	}
	close_object();
	print_nl();

	mon->err = print_flush();
	return mon->err ? MNL_CB_ERROR : MNL_CB_OK;
}

/*
 * SIGINT and SIGTERM end the monitor with status 0. While it waits in
 * recvmsg() everything printed has been flushed, so the handler may just
 * exit; while it prints, the handler asks the loop to stop after the
 * event. Checking monitor_stop after setting monitor_waiting leaves no
 * window where a signal is missed. (Waiting in recvmsg() rather than
 * poll() also lets tests see that the monitor is subscribed: its wchan is
 * the netlink socket's.)
 */
static volatile sig_atomic_t monitor_stop;
static volatile sig_atomic_t monitor_waiting;

static void monitor_signal(int sig)
{
	(void)sig;
	if (monitor_waiting)
		_exit(MCTECTL_EXIT_OK);
	monitor_stop = 1;
}

static int monitor_signals(void)
{
	struct sigaction sa = { .sa_handler = monitor_signal };

	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGINT, &sa, NULL) < 0 ||
	    sigaction(SIGTERM, &sa, NULL) < 0)
		return -errno;
	return 0;
}

static int monitor_run(struct mctectl *ctl, unsigned int show, int argc,
		       char **argv)
{
	struct monitor mon = { .show = show };
	struct nl *nl;
	ssize_t len;
	int ret, err;

	ret = no_more_args(argc, argv, monitor_usage);
	if (ret)
		return ret;
	ret = ctl_nl(ctl, &nl);
	if (ret)
		return ret;

	if (!nl->mcgrp_events) {
		fprintf(stderr,
			"mctectl: the mcte module has no \"%s\" multicast group\n",
			MCTE_MCGRP_EVENTS);
		return MCTECTL_EXIT_ERR;
	}
	mon.family = nl->family;

	err = monitor_signals();
	if (err)
		return ctl_nl_error(ctl, "sigaction", err);
	err = nl_join(nl, nl->mcgrp_events);
	if (err)
		return ctl_nl_error(ctl, "cannot join the events group", err);
	if (print_flush() < 0)
		return MCTECTL_EXIT_ERR;

	for (;;) {
		monitor_waiting = 1;
		if (monitor_stop)
			break;
		len = nl_recv(nl);
		monitor_waiting = 0;

		if (len == -EINTR)
			continue;
		if (len == -ENOBUFS) {
			fprintf(stderr,
				"mctectl: events lost: the socket's receive buffer overflowed\n");
			continue;
		}
		if (len < 0)
			return ctl_nl_error(ctl, "receiving events", len);

		err = nl_run_notify(nl, len, monitor_cb, &mon);
		if (mon.err) {
			fprintf(stderr, "mctectl: write error: %s\n",
				strerror(-mon.err));
			return MCTECTL_EXIT_ERR;
		}
		if (err)
			return ctl_nl_error(ctl, "receiving events", err);
	}
	return MCTECTL_EXIT_OK;
}

static int monitor_help(struct mctectl *ctl, int argc, char **argv)
{
	(void)ctl; (void)argc; (void)argv;
	monitor_usage(stdout);
	return MCTECTL_EXIT_OK;
}

static int monitor_all(struct mctectl *ctl, int argc, char **argv)
{
	return monitor_run(ctl, MONITOR_ALL, argc, argv);
}

static int monitor_dev(struct mctectl *ctl, int argc, char **argv)
{
	return monitor_run(ctl, MONITOR_DEV, argc, argv);
}

static int monitor_seg(struct mctectl *ctl, int argc, char **argv)
{
	return monitor_run(ctl, MONITOR_SEG, argc, argv);
}

static int monitor_path(struct mctectl *ctl, int argc, char **argv)
{
	return monitor_run(ctl, MONITOR_PATH, argc, argv);
}

static const struct cmd monitor_cmds[] = {
	{ "all",	monitor_all },
	{ "dev",	monitor_dev },
	{ "path",	monitor_path },
	{ "segment",	monitor_seg },
	{ "help",	monitor_help },
	{ NULL, NULL }
};

int cmd_monitor(struct mctectl *ctl, int argc, char **argv)
{
	return cmd_run(ctl, monitor_cmds, "command", monitor_usage,
		       argc, argv);
}
