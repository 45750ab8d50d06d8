// SPDX-License-Identifier: GPL-2.0
/*
 * Helper of stat.sh: register one host segment and hold it until SIGTERM.
 *
 *	seg_holder [-u UID] NAME none|read|rw LEN[,LEN...] [NR_BATCHES]
 *
 * Each LEN is one buffer (at an odd address). With -u the helper opens
 * /dev/mcte and registers as that user. Prints "ready PID" when the
 * segment (and NR_BATCHES empty batches) exist, exits 0 on SIGTERM.
 */
#include "mcte_xfer.h"

static volatile sig_atomic_t stop;

static void on_term(int sig)
{
	stop = 1;
}

int main(int argc, char **argv)
{
	struct mcte_seg_buf bufs[16];
	struct sigaction sa = { .sa_handler = on_term };
	unsigned int nr = 0, nb = 0, i;
	const char *access;
	__u32 h, id, mode;
	char *lens, *tok;
	sigset_t mask, old;
	int fd, uid = -1, ret;

	if (argc > 2 && !strcmp(argv[1], "-u")) {
		uid = atoi(argv[2]);
		argv += 2;
		argc -= 2;
	}
	if (argc < 4) {
		fprintf(stderr, "usage: seg_holder [-u UID] NAME none|read|rw LEN[,LEN...] [NR_BATCHES]\n");
		return 2;
	}
	access = argv[2];
	mode = !strcmp(access, "rw") ? MCTE_ACCESS_RW :
	       !strcmp(access, "read") ? MCTE_ACCESS_READ : MCTE_ACCESS_NONE;
	lens = strdup(argv[3]);
	for (tok = strtok(lens, ","); tok && nr < 16; tok = strtok(NULL, ",")) {
		size_t len = strtoull(tok, NULL, 0);
		char *p = mx_alloc(len + 1);

		if (!p)
			return 1;
		bufs[nr++] = mx_buf(p + 1, len);
	}
	if (argc > 4)
		nb = atoi(argv[4]);

	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigprocmask(SIG_BLOCK, &mask, &old);

	if (uid >= 0 && (setgroups(0, NULL) || setgid(uid) || setuid(uid))) {
		perror("seg_holder: setuid");
		return 1;
	}
	fd = mx_open();
	if (fd < 0) {
		perror("seg_holder: " MCTE_DEV_PATH);
		return 1;
	}
	ret = mx_seg_reg(fd, argv[1], bufs, nr, mode, &h);
	if (ret) {
		fprintf(stderr, "seg_holder: register %s: %s\n", argv[1],
			strerror(-ret));
		return 1;
	}
	for (i = 0; i < nb; i++) {
		ret = mx_batch_alloc(fd, 4, &id);
		if (ret) {
			fprintf(stderr, "seg_holder: batch: %s\n", strerror(-ret));
			return 1;
		}
	}
	printf("ready %d\n", getpid());
	fflush(stdout);
	while (!stop)
		sigsuspend(&old);
	close(fd);
	return 0;
}
