// SPDX-License-Identifier: GPL-2.0
/*
 * Helper of stripe.sh and faults.sh: keep transferring to a segment of
 * this process opened again through the peer, and check every request.
 *
 *	remote_load [-s SIZE] [-r REQ] [-b NR] [-n ROUNDS] [-T MS]
 *		    [-o rw|read|write] [-p FILE] [-w FILE] [-u] [-c]
 *		    [-t TARGET]
 *
 * Registers a target segment T (RW, two buffers) and a local segment L,
 * opens "$MCTE_RDMA_PEER/T" and runs rounds of NR requests of REQ bytes
 * (one batch through the ioctls, to disjoint places), alternating WRITE
 * and READ rounds by default. Before a WRITE round L gets new bytes,
 * before a READ round T's memory does. Each request must end COMPLETED
 * with exactly the right bytes on both ends, or FAILED/TIMEOUT/CANCELED
 * with a clean errno (rt_errno_clean()); anything else is counted as
 * "mismatch" or "badres".
 *
 *  -p FILE  rewrite FILE with the counters after each round
 *  -w FILE  after opening (prints "opened"), wait for FILE before starting
 *  -T MS    per-request deadline (default: the module's)
 *  -u       on SIGUSR1, unregister T while the next batch is in flight;
 *	     every request after that batch must end FAILED with -ENODEV
 *	     (or be refused with it); exit two rounds later
 *  -c       on SIGUSR2, close the handle to the peer's T and unregister L
 *	     while the next batch is in flight, check that batch, exit
 *  -t TARGET  use TARGET ("host[:port]/name", another node's segment of
 *	     at least SIZE bytes) as T instead; rounds alternate WRITE and
 *	     READ of the same place, and a READ is checked against what the
 *	     WRITE before it put there (where that WRITE completed)
 *
 * Stops after ROUNDS rounds (0: until SIGTERM/SIGINT). Prints the
 * counters as "summary k=v ..." and the errnos seen; exits 0 when there
 * was no mismatch, no bad result and at least one completed request, 1
 * otherwise, 2 when it could not start, 3 when a batch did not end in
 * five minutes.
 */
#include <getopt.h>
#include <signal.h>

#include "rdma_test.h"

#define RL_STUCK_MS	(300 * 1000)
#define RL_ERRNOS	160

static volatile sig_atomic_t rl_stop, rl_unreg_req, rl_close_req;

static void rl_on_signal(int sig)
{
	if (sig == SIGUSR1)
		rl_unreg_req = 1;
	else if (sig == SIGUSR2)
		rl_close_req = 1;
	else
		rl_stop = 1;
}

struct rl_count {
	unsigned long long rounds, requests, completed, failed, timeout,
			   canceled, submit_fail, mismatch, badres, unreg_bad,
			   enodev, bytes;
	unsigned long long err[RL_ERRNOS];
};

static void rl_print(FILE *f, const char *tag, const struct rl_count *c)
{
	unsigned int i;

	fprintf(f, "%s rounds=%llu requests=%llu completed=%llu failed=%llu timeout=%llu canceled=%llu submit_fail=%llu mismatch=%llu badres=%llu unreg_bad=%llu enodev=%llu bytes=%llu\n",
		tag, c->rounds, c->requests, c->completed, c->failed,
		c->timeout, c->canceled, c->submit_fail, c->mismatch,
		c->badres, c->unreg_bad, c->enodev, c->bytes);
	fprintf(f, "errnos");
	for (i = 0; i < RL_ERRNOS; i++)
		if (c->err[i])
			fprintf(f, " %s:%llu", rt_errname(-(int)i), c->err[i]);
	fprintf(f, "\n");
}

static void rl_progress(const char *path, const struct rl_count *c)
{
	char tmp[4096];
	FILE *f;

	if (!path)
		return;
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	f = fopen(tmp, "w");
	if (!f)
		return;
	rl_print(f, "progress", c);
	fclose(f);
	rename(tmp, path);
}

static unsigned long long rl_size(const char *s)
{
	char *end;
	unsigned long long v = strtoull(s, &end, 0);

	switch (*end) {
	case 'k': case 'K': return v << 10;
	case 'm': case 'M': return v << 20;
	case 'g': case 'G': return v << 30;
	default: return v;
	}
}

static void rl_errno(struct rl_count *c, int res)
{
	if (res < 0 && -res < RL_ERRNOS)
		c->err[-res]++;
}

/* Place of round @r's requests in T: a READ round of -t reads the WRITE's. */
static unsigned long long rl_base(unsigned long long r, unsigned long long span,
				  unsigned long long size, bool remote)
{
	if (remote)
		r &= ~1ULL;
	return (r * 4099 + (r % 7)) % (size - span + 1);
}

/* The bytes a WRITE of round @r put in request @i's place. */
static void rl_wpattern(unsigned char *p, unsigned long long len,
			unsigned long long r, unsigned int i)
{
	rt_pattern(p, len, (r << 20) ^ i ^ 0xabc);
}

int main(int argc, char **argv)
{
	unsigned long long size = 16 * MX_MiB, req = 256 * MX_KiB;
	unsigned int nr = 16, rounds = 0, tmo = 0, i;
	const char *mode = "rw", *progress = NULL, *go = NULL, *target = NULL;
	bool opt_unreg = false, opt_close = false, *wrote = NULL;
	bool unregd = false, closed = false, local_gone = false;
	unsigned long long unreg_round = 0;
	struct sigaction sa = { .sa_handler = rl_on_signal };
	struct mcte_xfer_status *st;
	struct mcte_xfer_req *reqs;
	struct rt_seg t, l;
	struct rl_count c;
	char tname[MCTE_SEG_NAME_MAX], lname[MCTE_SEG_NAME_MAX], remote[256];
	size_t tlens[2], llen;
	__u32 ht, hl, hr;
	struct mcte *m;
	int opt, ret;

	while ((opt = getopt(argc, argv, "s:r:b:n:T:o:p:w:uct:")) != -1) {
		switch (opt) {
		case 's': size = rl_size(optarg); break;
		case 'r': req = rl_size(optarg); break;
		case 'b': nr = atoi(optarg); break;
		case 'n': rounds = atoi(optarg); break;
		case 'T': tmo = atoi(optarg); break;
		case 'o': mode = optarg; break;
		case 'p': progress = optarg; break;
		case 'w': go = optarg; break;
		case 'u': opt_unreg = true; break;
		case 'c': opt_close = true; break;
		case 't': target = optarg; break;
		default:
			fprintf(stderr, "usage: remote_load [-s SIZE] [-r REQ] [-b NR] [-n ROUNDS] [-T MS] [-o rw|read|write] [-p FILE] [-w FILE] [-u] [-c] [-t TARGET]\n");
			return 2;
		}
	}
	if (!nr || !req || req * nr > size) {
		fprintf(stderr, "remote_load: NR * REQ must fit in SIZE\n");
		return 2;
	}
	if (target && (strcmp(mode, "rw") || opt_unreg)) {
		fprintf(stderr, "remote_load: -t takes neither -o nor -u\n");
		return 2;
	}
	memset(&c, 0, sizeof(c));
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGUSR1, &sa, NULL);
	sigaction(SIGUSR2, &sa, NULL);

	ret = mcte_open(&m, 0);
	if (ret) {
		fprintf(stderr, "remote_load: %s\n", mcte_strerror(ret));
		return 2;
	}
	/* T in two buffers, so that requests cross a boundary; L a slot
	 * of REQ bytes per request of a round.
	 */
	tlens[0] = size / 2 + 4097;
	tlens[1] = size - tlens[0];
	llen = req * nr;
	if (rt_seg_alloc(&t, tlens, 2) || rt_seg_alloc(&l, &llen, 1)) {
		fprintf(stderr, "remote_load: out of memory\n");
		return 2;
	}
	rt_seg_fill(&t, getpid());
	snprintf(tname, sizeof(tname), "rl.%d.t", getpid());
	snprintf(lname, sizeof(lname), "rl.%d.l", getpid());
	ret = target ? 0 : rt_seg_register(m, tname, &t, MCTE_ACCESS_RW, &ht);
	if (!ret)
		ret = rt_seg_register(m, lname, &l, MCTE_ACCESS_NONE, &hl);
	if (ret) {
		fprintf(stderr, "remote_load: register: %s\n", mcte_strerror(ret));
		return 2;
	}
	if (target)
		snprintf(remote, sizeof(remote), "%s", target);
	else
		rt_remote(remote, sizeof(remote), tname);
	ret = mcte_seg_open(m, remote, MCTE_ACCESS_RW, &hr, NULL);
	if (ret) {
		fprintf(stderr, "remote_load: open %s: %s\n", remote,
			mcte_strerror(ret));
		return 2;
	}
	printf("opened %s\n", remote);
	fflush(stdout);
	while (go && access(go, F_OK) && !rl_stop)
		usleep(50000);

	reqs = calloc(nr, sizeof(*reqs));
	st = calloc(nr, sizeof(*st));
	wrote = calloc(nr, sizeof(*wrote));
	if (!reqs || !st || !wrote)
		return 2;

	while (!rl_stop && (!rounds || c.rounds < rounds)) {
		unsigned long long r = c.rounds;
		bool wr = !strcmp(mode, "write") ||
			  (!strcmp(mode, "rw") && !(r & 1));
		unsigned long long base = rl_base(r, req * nr, size, target);
		struct mcte_batch_state bs;
		bool after_unreg = unregd;
		uint64_t end;
		__u32 id;

		for (i = 0; i < nr; i++) {
			unsigned long long len = req - (i % 3);
			unsigned long long toff = base + i * req;
			unsigned long long loff = i * req;
			unsigned char *tmp = l.p[0] + loff;

			if (wr) {
				rl_wpattern(tmp, len, r, i);
				wrote[i] = false;
			} else if (target) {
				memset(tmp, 0xa5, len);
			} else {
				unsigned char *src = malloc(len);

				if (!src)
					return 2;
				rt_pattern(src, len, (r << 20) ^ i ^ 0xdef);
				if (!unregd)
					rt_seg_scatter(&t, toff, len, src);
				free(src);
				memset(tmp, 0xa5, len);
			}
			mcte_prep_xfer(&reqs[i], wr ? MCTE_OP_WRITE : MCTE_OP_READ,
				       0, hl, loff, hr, toff, len, i);
			reqs[i].timeout_ms = tmo;
		}
		ret = mcte_batch_alloc(m, nr, &id);
		if (ret) {
			fprintf(stderr, "remote_load: batch: %s\n", mcte_strerror(ret));
			return 2;
		}
		ret = mcte_batch_submit(m, id, reqs, nr);
		c.rounds++;
		c.requests += nr;
		if (ret < 0) {
			c.submit_fail++;
			rl_errno(&c, ret);
			if (after_unreg && ret == -ENODEV)
				c.enodev++;
			else if (after_unreg)
				c.unreg_bad++;
			else if (!rt_errno_clean(ret))
				c.badres++;
			fprintf(stderr, "remote_load: round %llu: submit: %s\n",
				r, rt_errname(ret));
			mcte_batch_free(m, id);
			rl_progress(progress, &c);
			if (after_unreg && c.rounds > unreg_round + 2)
				break;
			usleep(20000);
			continue;
		}
		/* While it is in flight. */
		if (opt_unreg && rl_unreg_req && !unregd) {
			ret = mcte_seg_unregister(m, ht);
			printf("unregistered %s in round %llu: %s\n", tname, r,
			       mcte_strerror(ret));
			unregd = true;
			unreg_round = c.rounds;
		}
		if (opt_close && rl_close_req && !closed) {
			int r1 = mcte_seg_close(m, hr);
			int r2 = mcte_seg_unregister(m, hl);

			printf("closed the remote handle (%s) and unregistered %s (%s) in round %llu\n",
			       mcte_strerror(r1), lname, mcte_strerror(r2), r);
			closed = true;
			local_gone = true;
		}
		fflush(stdout);
		end = mx_now_ms() + RL_STUCK_MS;
		for (;;) {
			ret = mcte_batch_status(m, id, NULL, 0, &bs);
			if (ret < 0 || mx_state_final(bs.state))
				break;
			if (mx_now_ms() > end) {
				rl_print(stdout, "stuck", &c);
				fprintf(stderr, "remote_load: batch of round %llu still %s after %d s\n",
					r, mx_state_name(bs.state), RL_STUCK_MS / 1000);
				return 3;
			}
			usleep(2000);
		}
		ret = mcte_batch_status(m, id, st, nr, NULL);
		if (ret != (int)nr) {
			fprintf(stderr, "remote_load: status: %s\n", mcte_strerror(ret));
			return 2;
		}
		for (i = 0; i < nr; i++) {
			unsigned long long len = reqs[i].length;

			switch (st[i].state) {
			case MCTE_XFER_COMPLETED:
				c.completed++;
				c.bytes += st[i].bytes;
				if (st[i].bytes != len || st[i].res) {
					c.badres++;
					fprintf(stderr, "remote_load: round %llu req %u: COMPLETED with %llu of %llu bytes, res %d\n",
						r, i, (unsigned long long)st[i].bytes, len, st[i].res);
				} else if (target && wr) {
					wrote[i] = true;	/* the READ checks */
				} else if (target && !wrote[i]) {
					/* Its WRITE failed: unknown bytes there. */
				} else {
					unsigned char *have = malloc(len);
					long d;

					if (!have)
						return 2;
					if (target)
						rl_wpattern(have, len, r - 1, i);
					else
						rt_seg_gather(&t, reqs[i].target_off,
							      len, have);
					d = mx_diff(have, l.p[0] + reqs[i].local_off, len);
					free(have);
					if (d >= 0) {
						c.mismatch++;
						fprintf(stderr, "remote_load: round %llu req %u (%s %llu at %llu): WRONG DATA at byte %ld\n",
							r, i, wr ? "WRITE" : "READ", len,
							(unsigned long long)reqs[i].target_off, d);
					}
				}
				if (after_unreg)
					c.unreg_bad++;
				break;
			case MCTE_XFER_FAILED:
			case MCTE_XFER_TIMEOUT:
			case MCTE_XFER_CANCELED:
				c.failed += st[i].state == MCTE_XFER_FAILED;
				c.timeout += st[i].state == MCTE_XFER_TIMEOUT;
				c.canceled += st[i].state == MCTE_XFER_CANCELED;
				rl_errno(&c, st[i].res);
				if (st[i].state != MCTE_XFER_TIMEOUT &&
				    !rt_errno_clean(st[i].res)) {
					c.badres++;
					fprintf(stderr, "remote_load: round %llu req %u: %s with res %d (%s)\n",
						r, i, mx_state_name(st[i].state),
						st[i].res, rt_errname(st[i].res));
				}
				if (after_unreg) {
					if (st[i].state == MCTE_XFER_FAILED &&
					    st[i].res == -ENODEV)
						c.enodev++;
					else
						c.unreg_bad++;
				}
				break;
			default:
				c.badres++;
				fprintf(stderr, "remote_load: round %llu req %u: not final (%u)\n",
					r, i, st[i].state);
			}
		}
		ret = mcte_batch_free(m, id);
		if (ret)
			fprintf(stderr, "remote_load: batch free: %s\n", mcte_strerror(ret));
		rl_progress(progress, &c);
		if (closed)
			break;
		if (unregd && c.rounds > unreg_round + 2)
			break;
	}
	rl_print(stdout, "summary", &c);
	fflush(stdout);
	if (!local_gone)
		mcte_seg_unregister(m, hl);
	mcte_close(m);
	rt_seg_free(&t);
	rt_seg_free(&l);
	free(reqs);
	free(st);
	free(wrote);
	return c.mismatch || c.badres || c.unreg_bad || !c.completed ? 1 : 0;
}
