// SPDX-License-Identifier: GPL-2.0
/*
 * Helper of the rdma suite: own segments for a peer, or act on a peer's.
 *
 *	rseg own [-c NAME:SEED]... NAME:ACCESS:LAYOUT:SEED...
 *	rseg fill TARGET SEED
 *	rseg check TARGET SEED
 *	rseg hold TARGET
 *
 * own: register each segment (ACCESS none|read|rw; LAYOUT "rw" or "ro"
 *	for remote_xfer's layouts, or LEN[+LEN...]) filled with the seeded
 *	pattern, print "ready PID", wait for SIGTERM; then, for each -c,
 *	check that segment NAME holds the pattern of SEED (what a peer was
 *	to leave there). Exit 1 when a check fails.
 * fill: open TARGET ("host[:port]/name") for writing, WRITE the pattern
 *	of SEED over all of it in 1 MiB requests (one batch), READ it back
 *	and compare.
 * check: open TARGET for reading, READ all of it, compare with SEED's
 *	pattern.
 * hold: open TARGET for reading, READ 4 KiB of it, print "ready PID",
 *	wait for SIGTERM (the handle stays open meanwhile).
 * SEED and lengths take 0x prefixes; lengths k/M suffixes.
 */
#include <signal.h>

#include "rdma_test.h"

#define RS_CHUNK	MX_MiB
#define RS_WAIT_MS	(300 * 1000)
#define RS_MAX_SEGS	8

static volatile sig_atomic_t rs_term;

static void rs_on_term(int sig)
{
	rs_term = 1;
}

/* Block SIGTERM now; rs_wait_term() sleeps until it comes. */
static void rs_catch_term(sigset_t *old)
{
	struct sigaction sa = { .sa_handler = rs_on_term };
	sigset_t mask;

	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigprocmask(SIG_BLOCK, &mask, old);
}

static void rs_wait_term(const sigset_t *old)
{
	printf("ready %d\n", getpid());
	fflush(stdout);
	while (!rs_term)
		sigsuspend(old);
}

static unsigned long long rs_num(const char *s)
{
	char *end;
	unsigned long long v = strtoull(s, &end, 0);

	if (*end == 'k' || *end == 'K')
		v <<= 10;
	else if (*end == 'm' || *end == 'M')
		v <<= 20;
	return v;
}

/* Run @n requests as one batch and wait; 0 when all COMPLETED. */
static int rs_run(struct mcte *m, struct mcte_xfer_req *reqs, unsigned int n)
{
	struct mcte_xfer_status *st;
	struct mcte_batch_state bs;
	uint64_t end = mx_now_ms() + RS_WAIT_MS;
	unsigned int i;
	int ret, bad = 0;
	__u32 id;

	ret = mcte_batch_alloc(m, n, &id);
	if (ret)
		return ret;
	for (i = 0; i < n; i++)
		reqs[i].batch_id = id;
	ret = mcte_batch_submit(m, id, reqs, n);
	if (ret < 0) {
		fprintf(stderr, "rseg: submit: %s\n", mcte_strerror(ret));
		mcte_batch_free(m, id);
		return ret;
	}
	do {
		ret = mcte_batch_status(m, id, NULL, 0, &bs);
		if (ret < 0)
			return ret;
		if (mx_state_final(bs.state))
			break;
		usleep(2000);
	} while (mx_now_ms() < end);
	if (!mx_state_final(bs.state)) {
		fprintf(stderr, "rseg: batch still %s after %d s\n",
			mx_state_name(bs.state), RS_WAIT_MS / 1000);
		return -ETIME;
	}
	st = calloc(n, sizeof(*st));
	if (!st)
		return -ENOMEM;
	mcte_batch_status(m, id, st, n, NULL);
	for (i = 0; i < n; i++) {
		if (st[i].state == MCTE_XFER_COMPLETED &&
		    st[i].bytes == reqs[i].length)
			continue;
		fprintf(stderr, "rseg: request %u (%llu bytes at %llu): %s %s\n",
			i, (unsigned long long)reqs[i].length,
			(unsigned long long)reqs[i].target_off,
			mx_state_name(st[i].state), rt_errname(st[i].res));
		bad = -EIO;
	}
	free(st);
	mcte_batch_free(m, id);
	return bad;
}

/* Copy all of the opened segment @h (@size bytes) in or out of @buf. */
static int rs_xfer_all(struct mcte *m, __u8 op, __u32 hlocal, __u32 h,
		       __u64 size)
{
	unsigned int n = (size + RS_CHUNK - 1) / RS_CHUNK, i;
	struct mcte_xfer_req *reqs = calloc(n, sizeof(*reqs));
	int ret;

	if (!reqs)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		__u64 off = (__u64)i * RS_CHUNK;
		__u64 len = size - off < RS_CHUNK ? size - off : RS_CHUNK;

		mcte_prep_xfer(&reqs[i], op, 0, hlocal, off, h, off, len, i);
	}
	ret = rs_run(m, reqs, n);
	free(reqs);
	return ret;
}

static int rs_own(struct mcte *m, int argc, char **argv)
{
	struct rt_seg segs[RS_MAX_SEGS];
	char names[RS_MAX_SEGS][MCTE_SEG_NAME_MAX];
	const char *checks[16];
	unsigned int nseg = 0, nchk = 0, i, j;
	sigset_t old;
	int ret, fail = 0;

	for (i = 0; i < (unsigned int)argc; i++) {
		char *spec, *name, *acc, *lay, *seed;
		size_t lens[RT_MAX_BUFS];
		unsigned int nl = 0;
		enum mcte_access access;
		__u32 h;

		if (!strcmp(argv[i], "-c") && i + 1 < (unsigned int)argc) {
			if (nchk < MX_ARRAY_SIZE(checks))
				checks[nchk++] = argv[++i];
			continue;
		}
		spec = strdup(argv[i]);
		name = strtok(spec, ":");
		acc = strtok(NULL, ":");
		lay = strtok(NULL, ":");
		seed = strtok(NULL, ":");
		if (!seed || nseg == RS_MAX_SEGS) {
			fprintf(stderr, "rseg: bad segment \"%s\"\n", argv[i]);
			return 2;
		}
		access = !strcmp(acc, "rw") ? MCTE_ACCESS_RW :
			 !strcmp(acc, "read") ? MCTE_ACCESS_READ :
			 MCTE_ACCESS_NONE;
		if (!strcmp(lay, "rw")) {
			nl = MX_ARRAY_SIZE(rt_rw_lens);
			memcpy(lens, rt_rw_lens, sizeof(rt_rw_lens));
		} else if (!strcmp(lay, "ro")) {
			nl = MX_ARRAY_SIZE(rt_ro_lens);
			memcpy(lens, rt_ro_lens, sizeof(rt_ro_lens));
		} else {
			char *tok;

			for (tok = strtok(lay, "+"); tok && nl < RT_MAX_BUFS;
			     tok = strtok(NULL, "+"))
				lens[nl++] = rs_num(tok);
		}
		if (!nl || rt_seg_alloc(&segs[nseg], lens, nl) ||
		    rt_seg_fill(&segs[nseg], rs_num(seed))) {
			fprintf(stderr, "rseg: out of memory\n");
			return 2;
		}
		snprintf(names[nseg], MCTE_SEG_NAME_MAX, "%s", name);
		ret = rt_seg_register(m, name, &segs[nseg], access, &h);
		if (ret) {
			fprintf(stderr, "rseg: register %s: %s\n", name,
				mcte_strerror(ret));
			return 2;
		}
		printf("registered %s: %s, %zu bytes in %u buffers, seed %s\n",
		       name, acc, segs[nseg].size, nl, seed);
		nseg++;
		free(spec);
	}

	rs_catch_term(&old);
	rs_wait_term(&old);

	for (i = 0; i < nchk; i++) {
		char *spec = strdup(checks[i]);
		char *name = strtok(spec, ":"), *seed = strtok(NULL, ":");
		long d = -3;

		for (j = 0; seed && j < nseg; j++)
			if (!strcmp(names[j], name))
				d = rt_seg_diff(&segs[j], rs_num(seed));
		if (d == -1) {
			printf("ok: %s holds the pattern of seed %s\n", name, seed);
		} else {
			printf("FAIL: %s does not hold the pattern of seed %s (%s %ld)\n",
			       name, seed ? seed : "?",
			       d == -3 ? "no such segment" : "first bad byte", d);
			fail = 1;
		}
		free(spec);
	}
	return fail;
}

/* fill / check / hold */
static int rs_remote(struct mcte *m, const char *cmd, const char *target,
		     const char *seed_s)
{
	bool fill = !strcmp(cmd, "fill"), hold = !strcmp(cmd, "hold");
	struct rt_seg buf = { 0 }, back = { 0 };
	char lname[MCTE_SEG_NAME_MAX];
	__u32 h, hl, hb;
	__u64 size = 0;
	size_t len;
	sigset_t old;
	int ret;
	long d;

	ret = mcte_seg_open(m, target, fill ? MCTE_ACCESS_RW : MCTE_ACCESS_READ,
			    &h, &size);
	if (ret) {
		fprintf(stderr, "rseg: open %s: %s\n", target, mcte_strerror(ret));
		return 1;
	}
	len = hold ? 4096 : size;
	if (rt_seg_alloc(&buf, &len, 1) || rt_seg_alloc(&back, &len, 1))
		return 2;
	snprintf(lname, sizeof(lname), "rseg.%d.a", getpid());
	ret = rt_seg_register(m, lname, &buf, MCTE_ACCESS_NONE, &hl);
	snprintf(lname, sizeof(lname), "rseg.%d.b", getpid());
	if (!ret)
		ret = rt_seg_register(m, lname, &back, MCTE_ACCESS_NONE, &hb);
	if (ret) {
		fprintf(stderr, "rseg: register: %s\n", mcte_strerror(ret));
		return 2;
	}
	if (hold) {
		ret = rs_xfer_all(m, MCTE_OP_READ, hl, h, len);
		if (ret) {
			fprintf(stderr, "rseg: read from %s: %s\n", target,
				mcte_strerror(ret));
			return 1;
		}
		rs_catch_term(&old);
		rs_wait_term(&old);
		return 0;
	}
	if (fill) {
		rt_pattern(buf.p[0], size, rs_num(seed_s));
		ret = rs_xfer_all(m, MCTE_OP_WRITE, hl, h, size);
		if (ret) {
			fprintf(stderr, "rseg: write to %s: %s\n", target,
				mcte_strerror(ret));
			return 1;
		}
	}
	ret = rs_xfer_all(m, MCTE_OP_READ, hb, h, size);
	if (ret) {
		fprintf(stderr, "rseg: read from %s: %s\n", target,
			mcte_strerror(ret));
		return 1;
	}
	rt_pattern(buf.p[0], size, rs_num(seed_s));
	d = mx_diff(buf.p[0], back.p[0], size);
	if (d >= 0) {
		printf("FAIL: %s: byte %ld of %llu differs from the pattern of seed %s\n",
		       target, d, (unsigned long long)size, seed_s);
		return 1;
	}
	printf("ok: %s: %llu bytes %s the pattern of seed %s\n", target,
	       (unsigned long long)size, fill ? "written with" : "hold", seed_s);
	return 0;
}

int main(int argc, char **argv)
{
	struct mcte *m;
	int ret;

	if (argc < 3 || (strcmp(argv[1], "own") && strcmp(argv[1], "hold") &&
			 argc < 4)) {
		fprintf(stderr, "usage: rseg own [-c NAME:SEED]... NAME:ACCESS:LAYOUT:SEED...\n"
				"       rseg fill|check TARGET SEED\n"
				"       rseg hold TARGET\n");
		return 2;
	}
	ret = mcte_open(&m, 0);
	if (ret) {
		fprintf(stderr, "rseg: %s\n", mcte_strerror(ret));
		return 2;
	}
	if (!strcmp(argv[1], "own"))
		ret = rs_own(m, argc - 2, argv + 2);
	else if (!strcmp(argv[1], "fill") || !strcmp(argv[1], "check") ||
		 !strcmp(argv[1], "hold"))
		ret = rs_remote(m, argv[1], argv[2], argc > 3 ? argv[3] : "0");
	else
		ret = 2;
	mcte_close(m);
	return ret;
}
