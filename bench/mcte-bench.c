// SPDX-License-Identifier: GPL-2.0
/*
 * mcte-bench - throughput of mcte transfers between segments of this node,
 * in the spirit of Mooncake's transfer_engine_bench, with a memcpy
 * reference and measured system calls per batch.
 *
 *	mcte-bench [OPTIONS]        see --help
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <linux/fs.h>
#include <linux/udmabuf.h>

#include "bench.h"
#include "gpu.h"
#include "vgem.h"

/* Exit codes besides 0 and 1 (bench/README.md). */
#define EXIT_NO_DMABUF_SEG	3	/* the module lacks MCTE_FEAT_SEG_DMABUF */
#define EXIT_NO_LOCAL_MEM	4	/* no udmabuf, CUDA or export here */
#define EXIT_NO_BLOCK_SEG	5	/* the module lacks MCTE_FEAT_XPORT_NVME */

#define MiB			(1024.0 * 1024.0)
#define BENCH_LIST_MAX		8
#define BENCH_DEF_BUFFER	(64UL << 20)
#define BENCH_DEF_COUNT		64	/* batches for --count-syscalls */

static struct {
	int ops[BENCH_LIST_MAX];
	unsigned int nr_ops;
	size_t blocks[BENCH_LIST_MAX];
	unsigned int nr_blocks;
	unsigned int batches[BENCH_LIST_MAX];
	unsigned int nr_batches;
	unsigned int threads;
	double duration;
	double warmup;
	bool inflight;
	int mode;
	long busy_poll;
	size_t buffer_size;
	const char *segment;
	const char *serve;
	const char *block_dev;
	bool target_process;
	bool memcpy_only;
	bool ref;
	unsigned int rounds;
	bool json;
	bool verify;
	unsigned int count_syscalls;	/* batches, 0: off */
	enum bench_local local_mem;
	int cuda_dev;
} opt = {
	.threads = 1,
	.duration = 3.0,
	.mode = MCTE_RING_MODE_URING,
	.busy_poll = -1,
	.buffer_size = BENCH_DEF_BUFFER,
	.rounds = 1,
};

static void usage(FILE *fp)
{
	fprintf(fp,
"Usage: mcte-bench [OPTIONS]\n"
"  -o, --operation read|write[,...]  direction, seen from the local segment (write)\n"
"  -b, --block-size SIZE[,...]       bytes per request, K/M/G suffixes (64K)\n"
"  -B, --batch-size N[,...]          requests per batch (128)\n"
"  -t, --threads N                   threads, each with its own ring (1)\n"
"  -d, --duration SECONDS            per configuration (3)\n"
"  -w, --warmup SECONDS              run this long before each measurement,\n"
"                                    uncounted (0)\n"
"  -i, --inflight                    keep --batch-size requests in flight, one\n"
"                                    submitted as one completes (perftest's\n"
"                                    --tx-depth), not a batch at a time\n"
"  -m, --mode uring|sqpoll|ioctl     how requests reach the module (uring)\n"
"  -p, --busy-poll USEC              a wait spins this long for completions\n"
"                                    before it sleeps, as perftest busy-polls\n"
"                                    its CQ (0; 1000000 with sqpoll)\n"
"  -S, --buffer-size SIZE            bytes the blocks cycle through (64M)\n"
"  -s, --segment NAME                target: an existing segment, opened by name;\n"
"                                    \"host[:port]/name\": a peer engine's\n"
"  -P, --target-process              target: registered by a forked process\n"
"      --block DEV                   target: block device DEV (opened O_DIRECT),\n"
"                                    registered here as a block segment;\n"
"                                    write = memory -> DEV, read = DEV -> memory\n"
"      --serve NAME                  register NAME (read-write, --buffer-size)\n"
"                                    and wait for SIGINT/SIGTERM\n"
"  -M, --memcpy                      user-space memcpy instead of mcte\n"
"  -r, --ref                         after each mcte run, the memcpy reference\n"
"  -R, --rounds N                    with --ref: alternate mcte and memcpy N times\n"
"                                    (duration/N each) and report the best round\n"
"                                    of each, for a noisy machine (1)\n"
"  -v, --verify                      check the bytes (write then read back)\n"
"  -L, --local-mem host|dmabuf|dmabuf:vgem|cuda:N  the local segment's\n"
"                                    memory: anonymous memory, a udmabuf, a\n"
"                                    vgem buffer, or device memory of CUDA\n"
"                                    device N as a dma-buf (host)\n"
"  -c, --count-syscalls [BATCHES]    system calls per batch, measured with\n"
"                                    ptrace over BATCHES batches (64)\n"
"  -j, --json                        one JSON object per run on stdout\n"
"  -h, --help\n"
"Lists (4K,64K,1M) run every combination, in one process.\n");
}

static void die(const char *what, int err)
{
	fprintf(stderr, "mcte-bench: %s: %s\n", what, mcte_strerror(err));
	exit(1);
}

double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* "4K", "64KiB", "1M", "1048576" */
static int parse_size(const char *s, size_t *out)
{
	unsigned long long v;
	char *end;

	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || end == s)
		return -EINVAL;
	switch (*end) {
	case 'k': case 'K':
		v <<= 10;
		end++;
		break;
	case 'm': case 'M':
		v <<= 20;
		end++;
		break;
	case 'g': case 'G':
		v <<= 30;
		end++;
		break;
	}
	if (!strcmp(end, "iB") || !strcmp(end, "B"))
		end += strlen(end);
	if (*end || !v)
		return -EINVAL;
	*out = v;
	return 0;
}

/* Split a comma list into at most BENCH_LIST_MAX items of @parse. */
static unsigned int parse_list(const char *arg, const char *what,
			       int (*parse)(const char *s, void *out, size_t i),
			       void *out)
{
	char *dup = strdup(arg), *tok, *save = NULL;
	unsigned int n = 0;

	if (!dup)
		die("strdup", -ENOMEM);
	for (tok = strtok_r(dup, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		if (n == BENCH_LIST_MAX || parse(tok, out, n)) {
			fprintf(stderr, "mcte-bench: bad %s \"%s\"\n", what, tok);
			exit(1);
		}
		n++;
	}
	free(dup);
	if (!n) {
		fprintf(stderr, "mcte-bench: empty %s\n", what);
		exit(1);
	}
	return n;
}

static int parse_op(const char *s, void *out, size_t i)
{
	if (!strcmp(s, "read"))
		((int *)out)[i] = MCTE_OP_READ;
	else if (!strcmp(s, "write"))
		((int *)out)[i] = MCTE_OP_WRITE;
	else
		return -EINVAL;
	return 0;
}

static int parse_block(const char *s, void *out, size_t i)
{
	return parse_size(s, &((size_t *)out)[i]);
}

static int parse_batch(const char *s, void *out, size_t i)
{
	char *end;
	unsigned long v = strtoul(s, &end, 10);

	if (*end || !v || v > 4096)
		return -EINVAL;
	((unsigned int *)out)[i] = v;
	return 0;
}

static const char *op_name(int op)
{
	return op == MCTE_OP_READ ? "read" : "write";
}

/* ---------------------------------------------------------------- */
/* Workers                                                            */

/* A fresh batch with room for @batches batches of the configuration. */
static int worker_new_batch(struct bench_worker *w, unsigned int batches)
{
	unsigned int cap = w->cfg->batch * batches;
	int err;

	if (w->batch_id) {
		err = mcte_batch_free(w->env->m, w->batch_id);
		w->batch_id = 0;
		if (err) {
			w->what = "batch free";
			return err;
		}
	}
	if (cap > MCTE_BATCH_MAX)
		cap = MCTE_BATCH_MAX / w->cfg->batch * w->cfg->batch;
	err = mcte_batch_alloc(w->env->m, cap, &w->batch_id);
	if (err) {
		w->what = "batch alloc";
		return err;
	}
	w->batch_cap = cap;
	w->batch_used = 0;
	return 0;
}

int worker_setup(struct bench_worker *w, const struct bench_env *env,
		 const struct bench_cfg *cfg, unsigned int idx,
		 unsigned int batches)
{
	static const unsigned int ring_flags[] = {
		[MCTE_RING_MODE_URING]	= 0,
		[MCTE_RING_MODE_SQPOLL]	= MCTE_RING_SQPOLL,
		[MCTE_RING_MODE_IOCTL]	= MCTE_RING_FORCE_IOCTL,
	};
	size_t span = env->region / cfg->threads / cfg->block * cfg->block;
	int err;

	memset(w, 0, sizeof(*w));
	w->env = env;
	w->cfg = cfg;
	if (!span) {
		w->what = "region per thread smaller than a block";
		return -EINVAL;
	}
	w->base = idx * span;
	w->span = span;
	if (cfg->engine == ENGINE_MEMCPY)
		return 0;

	err = mcte_ring_init(env->m, &w->ring, cfg->batch,
			     ring_flags[cfg->mode]);
	if (err) {
		w->what = "ring init";
		return err;
	}
	w->ring_ready = true;
	if (mcte_ring_mode(&w->ring) != cfg->mode) {
		/* only without uring_cmd: the ring fell back to the ioctls */
		w->what = "no io_uring (the module lacks uring_cmd, or io_uring is disabled)";
		return -ENOTTY;
	}
	if (cfg->busy_poll >= 0) {
		err = mcte_ring_set_busy_poll(&w->ring, cfg->busy_poll);
		if (err) {
			w->what = "busy poll";
			return err;
		}
	}
	return worker_new_batch(w, batches);
}

void worker_teardown(struct bench_worker *w)
{
	if (w->batch_id)
		mcte_batch_free(w->env->m, w->batch_id);
	w->batch_id = 0;
	if (w->old_batch_id)
		mcte_batch_free(w->env->m, w->old_batch_id);
	w->old_batch_id = 0;
	if (w->ring_ready)
		mcte_ring_exit(&w->ring);
	w->ring_ready = false;
}

static size_t worker_next_off(struct bench_worker *w)
{
	size_t off = w->base + w->off;

	w->off += w->cfg->block;
	if (w->off + w->cfg->block > w->span)
		w->off = 0;
	return off;
}

static void worker_memcpy_batch(struct bench_worker *w)
{
	const struct bench_env *env = w->env;
	size_t block = w->cfg->block, off;
	unsigned int i;

	for (i = 0; i < w->cfg->batch; i++) {
		off = worker_next_off(w);
		if (w->cfg->op == MCTE_OP_WRITE)
			memcpy(env->tbuf + off, env->local + off, block);
		else
			memcpy(env->local + off, env->tbuf + off, block);
	}
	w->requests += w->cfg->batch;
	w->bytes += (uint64_t)w->cfg->batch * block;
}

/*
 * One batch: prepare batch-size requests, one submit that waits for all
 * of them, then consume the completions. Returns 0 or -errno (w->what).
 */
int worker_batch(struct bench_worker *w)
{
	const struct bench_cfg *cfg = w->cfg;
	const struct bench_env *env = w->env;
	struct mcte_xfer_req *sqe;
	struct mcte_cqe *cqe;
	unsigned int i;
	size_t off;
	int ret;

	if (cfg->engine == ENGINE_MEMCPY) {
		worker_memcpy_batch(w);
		return 0;
	}
	if (w->batch_used + cfg->batch > w->batch_cap) {
		ret = worker_new_batch(w, 256);
		if (ret)
			return ret;
	}

	for (i = 0; i < cfg->batch; i++) {
		sqe = mcte_ring_get_sqe(&w->ring);
		if (!sqe) {
			w->what = "get_sqe: ring full";
			return -EBUSY;
		}
		off = worker_next_off(w);
		mcte_prep_xfer(sqe, cfg->op, w->batch_id, env->local_seg, off,
			       env->target_seg, off, cfg->block, ++w->seq);
	}
	w->batch_used += cfg->batch;

	ret = mcte_ring_submit_and_wait(&w->ring, cfg->batch);
	if (ret < 0) {
		w->what = "submit_and_wait";
		return ret;
	}
	for (i = 0; i < cfg->batch; i++) {
		ret = mcte_ring_wait_cqe(&w->ring, &cqe);
		if (ret) {
			w->what = "wait_cqe";
			return ret;
		}
		if (cqe->res != (__s64)cfg->block) {
			ret = cqe->res < 0 ? (int)cqe->res : -EIO;
			mcte_ring_cqe_seen(&w->ring, cqe);
			w->what = "request";
			return ret;
		}
		mcte_ring_cqe_seen(&w->ring, cqe);
	}
	w->requests += cfg->batch;
	w->bytes += (uint64_t)cfg->batch * cfg->block;
	return 0;
}

/* ---------------------------------------------------------------- */
/* --inflight: a window of batch-size requests, refilled as they end  */

/* Account a completion of the stream (counted while measuring). */
static int stream_complete(struct bench_worker *w, struct mcte_cqe *cqe)
{
	__s64 res = cqe->res;
	__u32 batch_id = cqe->batch_id;

	mcte_ring_cqe_seen(&w->ring, cqe);
	w->inflight--;
	if (batch_id == w->batch_id)
		w->cur_inflight--;
	else if (batch_id == w->old_batch_id)
		w->old_inflight--;
	if (res != (__s64)w->cfg->block) {
		w->what = "request";
		return res < 0 ? (int)res : -EIO;
	}
	if (w->measuring) {
		w->requests++;
		w->bytes += w->cfg->block;
	}
	return 0;
}

static int stream_wait_one(struct bench_worker *w)
{
	struct mcte_cqe *cqe;
	int err;

	err = mcte_ring_wait_cqe(&w->ring, &cqe);
	if (err) {
		w->what = "wait_cqe";
		return err;
	}
	return stream_complete(w, cqe);
}

/*
 * The current batch is full: it becomes the old one, and a new one is
 * allocated. The previous old batch is freed first; its requests were
 * submitted 256 windows ago and have ended, but wait for stragglers.
 */
static int stream_next_batch(struct bench_worker *w)
{
	int err;

	while (w->old_batch_id && w->old_inflight) {
		err = stream_wait_one(w);
		if (err)
			return err;
	}
	if (w->old_batch_id) {
		err = mcte_batch_free(w->env->m, w->old_batch_id);
		w->old_batch_id = 0;
		if (err) {
			w->what = "batch free";
			return err;
		}
	}
	w->old_batch_id = w->batch_id;
	w->old_inflight = w->cur_inflight;
	w->batch_id = 0;
	w->cur_inflight = 0;
	return worker_new_batch(w, 256);
}

/*
 * At time @t: open the measured window once the warm-up has ended
 * (counters restart, *@end set), or say that it is over.
 */
static bool window_over(struct bench_worker *w, double t, double warm_end,
			double *end)
{
	if (w->measuring)
		return t >= *end;
	if (t >= warm_end) {
		w->measuring = true;
		w->t_start = t;
		*end = t + w->cfg->duration;
		w->requests = 0;
		w->bytes = 0;
	}
	return false;
}

/*
 * Keep cfg->batch requests in flight until the measured window ends:
 * submit what is missing and wait for at least one completion in one
 * call, reap all that are there, repeat. Completions are counted from
 * the end of the warm-up to the end of the window (as perftest's
 * duration mode counts them between its margins); the requests still in
 * flight then are drained uncounted.
 */
static int worker_stream(struct bench_worker *w, double warm_end)
{
	const struct bench_cfg *cfg = w->cfg;
	const struct bench_env *env = w->env;
	struct mcte_xfer_req *sqe;
	struct mcte_cqe *cqe;
	double t = now_s(), end = 0;
	size_t off;
	int ret = 0, err;

	w->measuring = cfg->warmup <= 0;
	if (w->measuring) {
		w->t_start = t;
		end = t + cfg->duration;
	}
	for (;;) {
		while (w->inflight + w->prepared < cfg->batch) {
			if (w->batch_used == w->batch_cap) {
				ret = stream_next_batch(w);
				if (ret)
					goto drain;
			}
			sqe = mcte_ring_get_sqe(&w->ring);
			if (!sqe) {
				w->what = "get_sqe: ring full";
				ret = -EBUSY;
				goto drain;
			}
			off = worker_next_off(w);
			mcte_prep_xfer(sqe, cfg->op, w->batch_id, env->local_seg,
				       off, env->target_seg, off, cfg->block,
				       ++w->seq);
			w->batch_used++;
			w->cur_inflight++;
			w->prepared++;
		}
		ret = mcte_ring_submit_and_wait(&w->ring, 1);
		if (ret < 0) {
			w->what = "submit_and_wait";
			goto drain;
		}
		w->inflight += ret;
		w->prepared -= ret;
		ret = 0;
		while (!(err = mcte_ring_peek_cqe(&w->ring, &cqe))) {
			ret = stream_complete(w, cqe);
			if (ret)
				goto drain;
		}
		if (err != -EAGAIN) {
			w->what = "peek_cqe";
			ret = err;
			goto drain;
		}
		t = now_s();
		if (window_over(w, t, warm_end, &end))
			break;
	}
drain:
	w->t_end = ret ? now_s() : t;
	w->measuring = false;
	while (w->inflight) {
		err = mcte_ring_wait_cqe(&w->ring, &cqe);
		if (err) {
			if (!ret) {
				w->what = "wait_cqe";
				ret = err;
			}
			break;
		}
		err = stream_complete(w, cqe);
		if (err && !ret)
			ret = err;
	}
	return ret;
}

/* ---------------------------------------------------------------- */
/* A timed run                                                        */

struct run {
	const struct bench_env *env;
	const struct bench_cfg *cfg;
	struct bench_worker *workers;
	pthread_barrier_t start;
	double t0, t1;
};

struct thread_arg {
	struct run *run;
	unsigned int idx;
};

static void *worker_thread(void *p)
{
	struct thread_arg *ta = p;
	struct run *run = ta->run;
	struct bench_worker *w = &run->workers[ta->idx];
	const struct bench_cfg *cfg = run->cfg;
	double warm_end, end, t;

	pthread_barrier_wait(&run->start);
	warm_end = run->t0 + cfg->warmup;
	if (cfg->inflight && cfg->engine == ENGINE_MCTE) {
		w->err = worker_stream(w, warm_end);
		return NULL;
	}
	/* a batch at a time; the window starts and ends between batches */
	w->measuring = cfg->warmup <= 0;
	w->t_start = run->t0;
	end = run->t0 + cfg->duration;
	while (!w->err) {
		w->err = worker_batch(w);
		t = now_s();
		if (window_over(w, t, warm_end, &end))
			break;
	}
	w->t_end = now_s();
	return NULL;
}

struct result {
	uint64_t requests;
	uint64_t bytes;
	double secs;
	unsigned int rounds;
	double best_mibps;	/* of the rounds */
	double best_reqps;
};

static int run_timed(const struct bench_env *env, const struct bench_cfg *cfg,
		     struct result *res)
{
	struct bench_worker *workers;
	struct thread_arg *args;
	pthread_t *tids;
	struct run run = { .env = env, .cfg = cfg };
	unsigned int i, started = 0;
	int err = 0;

	workers = calloc(cfg->threads, sizeof(*workers));
	args = calloc(cfg->threads, sizeof(*args));
	tids = calloc(cfg->threads, sizeof(*tids));
	if (!workers || !args || !tids)
		die("calloc", -ENOMEM);
	run.workers = workers;

	for (i = 0; i < cfg->threads; i++) {
		err = worker_setup(&workers[i], env, cfg, i, 256);
		if (err) {
			fprintf(stderr, "mcte-bench: thread %u: %s: %s\n", i,
				workers[i].what, mcte_strerror(err));
			goto out;
		}
	}

	pthread_barrier_init(&run.start, NULL, cfg->threads + 1);
	for (i = 0; i < cfg->threads; i++) {
		args[i] = (struct thread_arg){ .run = &run, .idx = i };
		if (pthread_create(&tids[i], NULL, worker_thread, &args[i]))
			die("pthread_create", -EAGAIN);
		started++;
	}
	run.t0 = now_s();
	pthread_barrier_wait(&run.start);
	for (i = 0; i < started; i++)
		pthread_join(tids[i], NULL);
	run.t1 = now_s();
	pthread_barrier_destroy(&run.start);

	memset(res, 0, sizeof(*res));
	/* each thread's measured window; the longest one counts */
	for (i = 0; i < cfg->threads; i++)
		if (workers[i].t_end - workers[i].t_start > res->secs)
			res->secs = workers[i].t_end - workers[i].t_start;
	if (res->secs <= 0)
		res->secs = run.t1 - run.t0;
	for (i = 0; i < cfg->threads; i++) {
		if (workers[i].err && !err) {
			err = workers[i].err;
			fprintf(stderr, "mcte-bench: thread %u: %s: %s\n", i,
				workers[i].what, mcte_strerror(err));
		}
		res->requests += workers[i].requests;
		res->bytes += workers[i].bytes;
	}
out:
	for (i = 0; i < cfg->threads; i++)
		worker_teardown(&workers[i]);
	free(workers);
	free(args);
	free(tids);
	return err;
}

/* ---------------------------------------------------------------- */
/* Verification: write a pattern, read it back elsewhere, compare      */

static void fill_pattern(char *p, size_t len, uint64_t seed)
{
	uint64_t *q = (uint64_t *)p;
	size_t i;

	for (i = 0; i < len / 8; i++)
		q[i] = (seed + i) * 0x9e3779b97f4a7c15ULL;
}

/* Transfer [0, len) of one side to the other through a ring. */
static int verify_pass(const struct bench_env *env, const struct bench_cfg *cfg,
		       int op, size_t local_base, size_t len)
{
	struct bench_cfg c = *cfg;
	struct bench_worker w;
	struct mcte_xfer_req *sqe;
	struct mcte_cqe *cqe;
	size_t off = 0, n;
	unsigned int i, nr;
	int err;

	c.op = op;
	c.threads = 1;
	c.engine = ENGINE_MCTE;
	err = worker_setup(&w, env, &c, 0, (len / c.block) / c.batch + 2);
	if (err)
		goto out;
	while (off < len) {
		if (w.batch_used + c.batch > w.batch_cap) {
			err = worker_new_batch(&w, 256);
			if (err)
				goto out;
		}
		for (nr = 0; nr < c.batch && off < len; nr++, off += n) {
			n = len - off < c.block ? len - off : c.block;
			sqe = mcte_ring_get_sqe(&w.ring);
			if (!sqe) {
				err = -EBUSY;
				goto out;
			}
			mcte_prep_xfer(sqe, op, w.batch_id, env->local_seg,
				       local_base + off, env->target_seg, off,
				       n, off);
		}
		w.batch_used += nr;
		err = mcte_ring_submit_and_wait(&w.ring, nr);
		if (err < 0)
			goto out;
		err = 0;
		for (i = 0; i < nr; i++) {
			err = mcte_ring_wait_cqe(&w.ring, &cqe);
			if (err)
				goto out;
			if (cqe->res < 0 && !err)
				err = cqe->res;
			mcte_ring_cqe_seen(&w.ring, cqe);
		}
		if (err)
			goto out;
	}
out:
	worker_teardown(&w);
	return err;
}

static const char *run_verify_passes(const struct bench_env *env,
				     const struct bench_cfg *cfg,
				     const char *lo, char *hi);

/*
 * Device memory is not mapped here: the pattern goes through host
 * buffers of the same size, copied in and out by the CUDA driver.
 */
static int local_put(const struct bench_env *env, size_t off, const char *src,
		     size_t len)
{
	int err;

	if (env->local_kind != LOCAL_CUDA) {
		memcpy(env->local + off, src, len);
		return 0;
	}
	err = gpu_to_device(env->local_dptr + off, src, len);
	if (err)
		fprintf(stderr, "mcte-bench: verify: %s\n", gpu_error());
	return err;
}

static int local_get(const struct bench_env *env, size_t off, char *dst,
		     size_t len)
{
	int err;

	if (env->local_kind != LOCAL_CUDA) {
		memcpy(dst, env->local + off, len);
		return 0;
	}
	err = gpu_to_host(dst, env->local_dptr + off, len);
	if (err)
		fprintf(stderr, "mcte-bench: verify: %s\n", gpu_error());
	return err;
}

static const char *run_verify(const struct bench_env *env,
			      const struct bench_cfg *cfg)
{
	static uint64_t seed = 1;
	size_t len = env->region;
	const char *res = "error";
	char *lo, *hi;

	lo = malloc(len);
	hi = calloc(1, len);
	if (!lo || !hi)
		goto out;
	seed++;
	fill_pattern(lo, len, seed);
	if (local_put(env, 0, lo, len) || local_put(env, len, hi, len))
		goto out;
	res = run_verify_passes(env, cfg, lo, hi);
out:
	free(lo);
	free(hi);
	return res;
}

static const char *run_verify_passes(const struct bench_env *env,
				     const struct bench_cfg *cfg,
				     const char *lo, char *hi)
{
	size_t len = env->region;
	int err;

	err = verify_pass(env, cfg, MCTE_OP_WRITE, 0, len);
	if (err) {
		fprintf(stderr, "mcte-bench: verify write: %s\n", mcte_strerror(err));
		return "error";
	}
	if (env->tbuf_is_target && memcmp(env->tbuf, lo, len)) {
		fprintf(stderr, "mcte-bench: verify: target differs after write\n");
		return "mismatch";
	}
	err = verify_pass(env, cfg, MCTE_OP_READ, len, len);
	if (err) {
		fprintf(stderr, "mcte-bench: verify read: %s\n", mcte_strerror(err));
		return "error";
	}
	if (local_get(env, len, hi, len))
		return "error";
	if (memcmp(hi, lo, len)) {
		fprintf(stderr, "mcte-bench: verify: read back differs\n");
		return "mismatch";
	}
	return "ok";
}

/* ---------------------------------------------------------------- */
/* Output                                                             */

static const char *engine_mode(const struct bench_cfg *cfg)
{
	return cfg->engine == ENGINE_MEMCPY ? "memcpy" :
					      mcte_ring_mode_name(cfg->mode);
}

static const char *target_desc(const struct bench_env *env)
{
	switch (env->target) {
	case TARGET_SELF:
		return "self";
	case TARGET_PROCESS:
		return "process";
	case TARGET_BLOCK:
		return "block";
	case TARGET_NAMED:
		break;
	}
	return strchr(env->target_name, '/') ? "remote" : "segment";
}

static const char *local_mem_name(void);

static void report(const struct bench_env *env, const struct bench_cfg *cfg,
		   const struct result *r, const char *verify)
{
	double mean = r->secs > 0 ? r->bytes / MiB / r->secs : 0;
	double mibps = r->rounds > 1 ? r->best_mibps : mean;
	double reqps = r->rounds > 1 ? r->best_reqps :
		       r->secs > 0 ? r->requests / r->secs : 0;

	if (opt.json) {
		printf("{\"op\":\"%s\",\"mode\":\"%s\",\"target\":\"%s\","
		       "\"threads\":%u,\"block\":%zu,\"batch\":%u,"
		       "\"duration_s\":%.3f,\"requests\":%" PRIu64 ","
		       "\"bytes\":%" PRIu64 ",\"MiBps\":%.1f,\"reqps\":%.0f",
		       op_name(cfg->op), engine_mode(cfg), target_desc(env),
		       cfg->threads, cfg->block, cfg->batch, r->secs,
		       r->requests, r->bytes, mibps, reqps);
		/* memcpy too: it copies through the same local memory */
		printf(",\"local_mem\":\"%s\"", local_mem_name());
		if (cfg->engine == ENGINE_MCTE)
			printf(",\"submit\":\"%s\"",
			       cfg->inflight ? "inflight" : "batch");
		if (cfg->engine == ENGINE_MCTE && cfg->busy_poll >= 0)
			printf(",\"busy_poll_us\":%ld", cfg->busy_poll);
		if (cfg->warmup > 0)
			printf(",\"warmup_s\":%.3f", cfg->warmup);
		if (r->rounds > 1)
			printf(",\"rounds\":%u,\"mean_MiBps\":%.1f", r->rounds,
			       mean);
		if (verify)
			printf(",\"verify\":\"%s\"", verify);
		printf("}\n");
	} else {
		printf("%-5s %-6s block %8zu batch %4u threads %2u: %10.1f MiB/s %10.0f req/s%s%s\n",
		       op_name(cfg->op), engine_mode(cfg), cfg->block,
		       cfg->batch, cfg->threads, mibps, reqps,
		       verify ? "  verify " : "", verify ? verify : "");
	}
	fflush(stdout);
}

/* ---------------------------------------------------------------- */
/* System calls per batch                                             */

struct count_arg {
	const struct bench_env *env;
	const struct bench_cfg *cfg;
	unsigned int batches;
};

/* In the traced child: set up, warm up, then K batches between markers. */
static int count_child(void *p)
{
	struct count_arg *ca = p;
	struct bench_worker w;
	unsigned int i;
	int err;

	err = worker_setup(&w, ca->env, ca->cfg, 0, ca->batches + 4);
	for (i = 0; !err && i < 2; i++)
		err = worker_batch(&w);
	if (!err) {
		bench_marker();
		for (i = 0; !err && i < ca->batches; i++)
			err = worker_batch(&w);
		bench_marker();
	}
	if (err)
		fprintf(stderr, "mcte-bench: traced run: %s: %s\n", w.what,
			mcte_strerror(err));
	worker_teardown(&w);
	return err;
}

static int run_count(const struct bench_env *env, const struct bench_cfg *cfg)
{
	struct count_arg ca = { .env = env, .cfg = cfg,
				.batches = opt.count_syscalls };
	struct syscount sc;
	char nrname[24];
	const char *name;
	unsigned int nr;
	bool first = true;
	int err;

	err = syscount_run(count_child, &ca, &sc);
	if (err == -ECHILD || err == -EPROTO) {
		fprintf(stderr, "mcte-bench: counting system calls: the traced run failed\n");
		return err;
	}
	if (err) {
		fprintf(stderr, "mcte-bench: counting system calls: ptrace: %s\n",
			strerror(-err));
		return err;
	}

	if (opt.json)
		printf("{\"count\":\"syscalls\",\"op\":\"%s\",\"mode\":\"%s\","
		       "\"block\":%zu,\"batch\":%u,\"batches\":%u,"
		       "\"syscalls\":%" PRIu64 ",\"syscalls_per_batch\":%.3f,"
		       "\"by_syscall\":{",
		       op_name(cfg->op), engine_mode(cfg), cfg->block,
		       cfg->batch, ca.batches, sc.total,
		       (double)sc.total / ca.batches);
	else
		printf("%-5s %-6s block %8zu batch %4u: %" PRIu64
		       " system calls in %u batches = %.3f per batch",
		       op_name(cfg->op), engine_mode(cfg), cfg->block,
		       cfg->batch, sc.total, ca.batches,
		       (double)sc.total / ca.batches);
	for (nr = 0; nr < sizeof(sc.by_nr) / sizeof(sc.by_nr[0]); nr++) {
		if (!sc.by_nr[nr])
			continue;
		name = syscall_name(nr);
		if (name)
			snprintf(nrname, sizeof(nrname), "%s", name);
		else
			snprintf(nrname, sizeof(nrname), "nr%u", nr);
		if (opt.json)
			printf("%s\"%s\":%" PRIu64, first ? "" : ",", nrname,
			       sc.by_nr[nr]);
		else
			printf("%s%s %" PRIu64, first ? " (" : ", ", nrname,
			       sc.by_nr[nr]);
		first = false;
	}
	printf(opt.json ? "}}\n" : (first ? "\n" : ")\n"));
	fflush(stdout);
	return 0;
}

/* ---------------------------------------------------------------- */
/* Set-up                                                             */

static void *alloc_buffer(size_t len, bool shared)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		       (shared ? MAP_SHARED : MAP_PRIVATE) | MAP_ANONYMOUS,
		       -1, 0);

	if (p == MAP_FAILED)
		die("mmap", -errno);
	memset(p, 0, len);	/* fault it in before it is pinned or timed */
	return p;
}

static volatile sig_atomic_t got_signal;

static void on_signal(int sig)
{
	(void)sig;
	got_signal = 1;
}

/* --serve NAME, and the child of --target-process: hold a segment. */
static int serve(const char *name, char *buf, size_t len, int ready_fd,
		 int hold_fd)
{
	struct sigaction sa = { .sa_handler = on_signal };
	struct mcte *m;
	__u32 handle;
	char c = 1;
	int err;

	err = mcte_open(&m, 0);
	if (err)
		die("open " MCTE_DEV_PATH, err);
	err = mcte_seg_register_host(m, name, buf, len, MCTE_ACCESS_RW, &handle);
	if (err)
		die("register the target segment", err);
	if (ready_fd >= 0) {
		if (write(ready_fd, &c, 1) != 1)
			die("pipe", -errno);
		close(ready_fd);
		/* until the parent closes its end (or dies) */
		while (read(hold_fd, &c, 1) < 0 && errno == EINTR)
			;
	} else {
		sigemptyset(&sa.sa_mask);
		sigaction(SIGINT, &sa, NULL);
		sigaction(SIGTERM, &sa, NULL);
		fprintf(stderr, "mcte-bench: serving segment %s (%zu bytes)\n",
			name, len);
		while (!got_signal)
			pause();
	}
	mcte_seg_unregister(m, handle);
	mcte_close(m);
	return 0;
}

static int local_dmabuf(struct bench_env *env);
static int local_vgem(struct bench_env *env);
static void local_cuda(struct bench_env *env);

/*
 * --block DEV: the device's first --buffer-size bytes (all of it if
 * smaller) as a block segment of this process. O_DIRECT as fio opens it
 * with --direct=1, so that neither goes through the page cache.
 */
static void block_target(struct bench_env *env, const char *name)
{
	__u64 size = 0;
	int err;

	env->block_fd = open(opt.block_dev, O_RDWR | O_DIRECT | O_CLOEXEC);
	if (env->block_fd < 0)
		die(opt.block_dev, -errno);
	if (ioctl(env->block_fd, BLKGETSIZE64, &size))
		die("BLKGETSIZE64", -errno);
	if (size < env->region)
		env->region = size;
	if (!env->region)
		die(opt.block_dev, -ENOSPC);
	/* the whole device; requests stay within the first env->region bytes */
	err = mcte_seg_register_block(env->m, name, env->block_fd, 0, 0,
				      MCTE_ACCESS_RW, &env->target_own);
	if (err) {
		fprintf(stderr, "mcte-bench: register %s as a block segment: %s\n",
			opt.block_dev, mcte_block_strerror(err));
		exit(err == -EOPNOTSUPP ? EXIT_NO_BLOCK_SEG : 1);
	}
}

static void env_setup(struct bench_env *env, bool need_mcte, int *hold_fd)
{
	static char name[MCTE_SEG_NAME_MAX];
	char lname[MCTE_SEG_NAME_MAX];
	int ready[2], hold[2];
	bool remote;
	__u64 size = 0;
	char c;
	pid_t pid;
	int err = -EINVAL, dbuf = -1;

	memset(env, 0, sizeof(*env));
	env->local_kind = opt.local_mem;
	env->local_memfd = -1;
	env->region = opt.buffer_size;
	env->block_fd = -1;
	env->target = opt.segment ? TARGET_NAMED :
		      opt.block_dev ? TARGET_BLOCK :
		      opt.target_process ? TARGET_PROCESS : TARGET_SELF;
	remote = opt.segment && strchr(opt.segment, '/');
	*hold_fd = -1;

	if (need_mcte) {
		err = mcte_open(&env->m, 0);
		if (err)
			die("open " MCTE_DEV_PATH, err);
		err = mcte_has_feature(env->m, MCTE_FEAT_SEGMENTS | MCTE_FEAT_BATCH |
				       (remote ? 0 : MCTE_FEAT_XPORT_LOCAL));
		if (err < 0)
			die("version", err);
		if (!err)
			die(remote ? "the module lacks segments or batches" :
				     "the module lacks segments, batches or local transfers",
			    -ENOTTY);
		/* a peer's segment: some transport to peers is needed */
		if (remote &&
		    mcte_has_feature(env->m, MCTE_FEAT_XPORT_RDMA) != 1 &&
		    mcte_has_feature(env->m, MCTE_FEAT_XPORT_TCP) != 1) {
			fprintf(stderr, "mcte-bench: %s is a peer's segment, and the module implements no transport to peers (xport_rdma, xport_tcp)\n",
				opt.segment);
			exit(1);
		}
		if (opt.local_mem != LOCAL_HOST &&
		    mcte_has_feature(env->m, MCTE_FEAT_SEG_DMABUF) != 1) {
			fprintf(stderr, "mcte-bench: --local-mem %s: the module has no dma-buf segments (MCTE_FEAT_SEG_DMABUF)\n",
				local_mem_name());
			exit(EXIT_NO_DMABUF_SEG);
		}
		if (opt.block_dev &&
		    mcte_has_feature(env->m, MCTE_FEAT_XPORT_NVME) != 1) {
			fprintf(stderr, "mcte-bench: --block %s: the module has no block segments (MCTE_FEAT_XPORT_NVME)\n",
				opt.block_dev);
			exit(EXIT_NO_BLOCK_SEG);
		}
	}

	/* the target: here, in a child, or someone else's */
	if (env->target == TARGET_NAMED) {
		env->target_name = opt.segment;
	} else if (env->target == TARGET_BLOCK) {
		snprintf(name, sizeof(name), "mcte-bench-%d", (int)getpid());
		env->target_name = name;
	} else {
		snprintf(name, sizeof(name), "mcte-bench-%d", (int)getpid());
		env->target_name = name;
		env->tbuf = alloc_buffer(env->region, env->target == TARGET_PROCESS);
	}
	if (!need_mcte)
		goto local;

	if (env->target == TARGET_PROCESS) {
		if (pipe(ready) || pipe(hold))
			die("pipe", -errno);
		fflush(NULL);
		pid = fork();
		if (pid < 0)
			die("fork", -errno);
		if (!pid) {
			close(ready[0]);
			close(hold[1]);
			_exit(serve(name, env->tbuf, env->region, ready[1], hold[0]));
		}
		close(ready[1]);
		close(hold[0]);
		if (read(ready[0], &c, 1) != 1)
			die("target process", -ECHILD);
		close(ready[0]);
		*hold_fd = hold[1];
	} else if (env->target == TARGET_BLOCK) {
		block_target(env, name);
	} else if (env->target == TARGET_SELF) {
		err = mcte_seg_register_host(env->m, name, env->tbuf, env->region,
					     MCTE_ACCESS_RW, &env->target_own);
		if (err)
			die("register the target segment", err);
	}
	/* opened by name like a peer would, also our own */
	err = mcte_seg_open(env->m, env->target_name, MCTE_ACCESS_RW,
			    &env->target_seg, &size);
	if (err) {
		fprintf(stderr, "mcte-bench: open the target segment %s: %s\n",
			env->target_name, mcte_strerror(err));
		exit(1);
	}
	if (size < env->region)
		env->region = size;

local:
	if (!need_mcte)
		opt.verify = false;
	env->local_size = opt.verify ? 2 * env->region : env->region;
	if (env->local_kind == LOCAL_DMABUF)
		dbuf = local_dmabuf(env);
	else if (env->local_kind == LOCAL_VGEM)
		dbuf = local_vgem(env);
	else if (env->local_kind == LOCAL_CUDA)
		local_cuda(env);
	else
		env->local = alloc_buffer(env->local_size, false);
	env->tbuf_is_target = env->tbuf != NULL;
	if (!env->tbuf)
		/* the memcpy reference needs a target in this process */
		env->tbuf = alloc_buffer(env->region, false);
	if (!need_mcte) {
		/* memcpy only: the mapping is all it needs */
		if (dbuf >= 0)
			close(dbuf);
		return;
	}

	snprintf(lname, sizeof(lname), "mcte-bench-%d-local", (int)getpid());
	switch (env->local_kind) {
	case LOCAL_HOST:
		err = mcte_seg_register_host(env->m, lname, env->local,
					     env->local_size, MCTE_ACCESS_NONE,
					     &env->local_seg);
		break;
	case LOCAL_DMABUF:
	case LOCAL_VGEM:
		err = mcte_seg_register_dmabuf(env->m, lname, dbuf, 0,
					       env->local_size,
					       MCTE_ACCESS_NONE,
					       &env->local_seg);
		/* the segment holds the dma-buf */
		close(dbuf);
		break;
	case LOCAL_CUDA:
		err = mcte_seg_register_cuda(env->m, lname, env->local_dptr,
					     env->local_size, MCTE_ACCESS_NONE,
					     &env->local_seg);
		break;
	}
	if (err) {
		fprintf(stderr, "mcte-bench: register the local segment (%s): %s\n",
			local_mem_name(), mcte_cuda_strerror(err));
		exit(err == -EOPNOTSUPP ? EXIT_NO_LOCAL_MEM : 1);
	}
}

static const char *local_mem_name(void)
{
	static char name[16];

	switch (opt.local_mem) {
	case LOCAL_HOST:
		return "host";
	case LOCAL_DMABUF:
		return "dmabuf";
	case LOCAL_VGEM:
		return "dmabuf:vgem";
	case LOCAL_CUDA:
		break;
	}
	snprintf(name, sizeof(name), "cuda:%d", opt.cuda_dev);
	return name;
}

/*
 * --local-mem dmabuf: a udmabuf over a sealed memfd, which is also mapped
 * here for the memcpy reference and --verify. Returns the dma-buf.
 */
static int local_dmabuf(struct bench_env *env)
{
	struct udmabuf_create c = { .flags = UDMABUF_FLAGS_CLOEXEC };
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	int dev, fd;

	env->local_size = (env->local_size + page - 1) / page * page;
	dev = open("/dev/udmabuf", O_RDWR | O_CLOEXEC);
	if (dev < 0) {
		fprintf(stderr, "mcte-bench: --local-mem dmabuf needs /dev/udmabuf (CONFIG_UDMABUF, modprobe udmabuf): %s\n",
			strerror(errno));
		exit(EXIT_NO_LOCAL_MEM);
	}
	env->local_memfd = memfd_create("mcte-bench", MFD_CLOEXEC |
					MFD_ALLOW_SEALING);
	if (env->local_memfd < 0 ||
	    ftruncate(env->local_memfd, env->local_size) ||
	    /* udmabuf takes only memory that cannot shrink under it */
	    fcntl(env->local_memfd, F_ADD_SEALS, F_SEAL_SHRINK) < 0)
		die("memfd", -errno);
	env->local = mmap(NULL, env->local_size, PROT_READ | PROT_WRITE,
			  MAP_SHARED, env->local_memfd, 0);
	if (env->local == MAP_FAILED)
		die("mmap the memfd", -errno);
	memset(env->local, 0, env->local_size);
	c.memfd = env->local_memfd;
	c.size = env->local_size;
	fd = ioctl(dev, UDMABUF_CREATE, &c);
	if (fd < 0) {
		fprintf(stderr, "mcte-bench: UDMABUF_CREATE of %zu bytes: %s (see /sys/module/udmabuf/parameters/size_limit_mb)\n",
			env->local_size, strerror(errno));
		exit(EXIT_NO_LOCAL_MEM);
	}
	close(dev);
	return fd;
}

/*
 * --local-mem dmabuf:vgem: a vgem buffer, mapped here through its dma-buf
 * for the memcpy reference and --verify. vgem's CPU-access hooks only
 * sync the buffer for devices attached to it, and nothing attaches one
 * for DMA here (the local copy and soft-RoCE go through kernel virtual
 * addresses), so the mapping is used without DMA_BUF_IOCTL_SYNC.
 * Returns the dma-buf.
 */
static int local_vgem(struct bench_env *env)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	int fd;

	env->local_size = (env->local_size + page - 1) / page * page;
	fd = vgem_alloc(env->local_size, &env->local);
	if (fd == -ENODEV) {
		fprintf(stderr, "mcte-bench: --local-mem dmabuf:vgem needs the vgem driver (CONFIG_DRM_VGEM, modprobe vgem)\n");
		exit(EXIT_NO_LOCAL_MEM);
	}
	if (fd < 0) {
		fprintf(stderr, "mcte-bench: a vgem dma-buf of %zu bytes: %s\n",
			env->local_size, strerror(-fd));
		exit(EXIT_NO_LOCAL_MEM);
	}
	memset(env->local, 0, env->local_size);
	return fd;
}

/* --local-mem cuda:N: device memory of device N, its primary context. */
static void local_cuda(struct bench_env *env)
{
	int err;

	err = mcte_cuda_available();
	if (err < 0) {
		fprintf(stderr, "mcte-bench: --local-mem %s: %s\n",
			local_mem_name(), mcte_cuda_strerror(err));
		exit(EXIT_NO_LOCAL_MEM);
	}
	err = gpu_open(opt.cuda_dev);
	if (err) {
		fprintf(stderr, "mcte-bench: --local-mem %s: %s\n",
			local_mem_name(), gpu_error());
		exit(EXIT_NO_LOCAL_MEM);
	}
	err = gpu_alloc(env->local_size, &env->local_dptr);
	if (err) {
		fprintf(stderr, "mcte-bench: allocate %zu bytes on %s: %s\n",
			env->local_size, local_mem_name(),
			err == -ENOMEM ? "out of device memory" : gpu_error());
		exit(1);
	}
}

static void env_teardown(struct bench_env *env, int hold_fd)
{
	if (env->m) {
		mcte_seg_unregister(env->m, env->local_seg);
		mcte_seg_close(env->m, env->target_seg);
		if (env->target_own)
			mcte_seg_unregister(env->m, env->target_own);
		mcte_close(env->m);
	}
	/* after the segment that holds it is gone */
	if (env->block_fd >= 0)
		close(env->block_fd);
	if (hold_fd >= 0) {
		close(hold_fd);
		wait(NULL);
	}
	if (env->local_kind == LOCAL_CUDA) {
		gpu_free(env->local_dptr);
		gpu_close();
	} else {
		munmap(env->local, env->local_size);
	}
	if (env->local_memfd >= 0)
		close(env->local_memfd);
	munmap(env->tbuf, env->region);
}

/* ---------------------------------------------------------------- */

static void result_add(struct result *sum, const struct result *r)
{
	double mibps = r->secs > 0 ? r->bytes / MiB / r->secs : 0;

	sum->requests += r->requests;
	sum->bytes += r->bytes;
	sum->secs += r->secs;
	sum->rounds++;
	if (mibps > sum->best_mibps) {
		sum->best_mibps = mibps;
		sum->best_reqps = r->requests / r->secs;
	}
}

/*
 * One configuration: the mcte run, its check, and with --ref the memcpy
 * reference. With --rounds N the two alternate N times, duration/N each,
 * and each reports its best round: on a shared machine (or under TCG,
 * where a vCPU's speed varies by several times with what runs beside
 * it) noise only ever slows a round down.
 */
static int run_config(const struct bench_env *env, const struct bench_cfg *c)
{
	struct bench_cfg cfg = *c, ref = *c;
	struct result res, sum = { 0 }, rsum = { 0 };
	unsigned int r, rounds = opt.ref ? opt.rounds : 1;
	const char *verify;
	int err;

	cfg.duration = c->duration / rounds;
	ref.duration = cfg.duration;
	ref.engine = ENGINE_MEMCPY;
	for (r = 0; r < rounds; r++) {
		err = run_timed(env, &cfg, &res);
		if (err)
			return err;
		result_add(&sum, &res);
		if (!opt.ref || cfg.engine == ENGINE_MEMCPY)
			continue;
		err = run_timed(env, &ref, &res);
		if (err)
			return err;
		result_add(&rsum, &res);
	}
	verify = opt.verify ? run_verify(env, &cfg) : NULL;
	report(env, &cfg, &sum, verify);
	if (opt.ref && cfg.engine != ENGINE_MEMCPY)
		report(env, &ref, &rsum, NULL);
	return verify && strcmp(verify, "ok") ? -EIO : 0;
}

/* ---------------------------------------------------------------- */

static int parse_mode(const char *s)
{
	if (!strcmp(s, "uring"))
		return MCTE_RING_MODE_URING;
	if (!strcmp(s, "sqpoll"))
		return MCTE_RING_MODE_SQPOLL;
	if (!strcmp(s, "ioctl"))
		return MCTE_RING_MODE_IOCTL;
	fprintf(stderr, "mcte-bench: bad mode \"%s\" (uring, sqpoll, ioctl)\n", s);
	exit(1);
}

enum {
	OPT_SERVE = 256,
	OPT_BLOCK,
};

static const struct option options[] = {
	{ "operation",		required_argument, NULL, 'o' },
	{ "block-size",		required_argument, NULL, 'b' },
	{ "batch-size",		required_argument, NULL, 'B' },
	{ "threads",		required_argument, NULL, 't' },
	{ "duration",		required_argument, NULL, 'd' },
	{ "warmup",		required_argument, NULL, 'w' },
	{ "inflight",		no_argument,	   NULL, 'i' },
	{ "mode",		required_argument, NULL, 'm' },
	{ "busy-poll",		required_argument, NULL, 'p' },
	{ "buffer-size",	required_argument, NULL, 'S' },
	{ "segment",		required_argument, NULL, 's' },
	{ "target-process",	no_argument,	   NULL, 'P' },
	{ "serve",		required_argument, NULL, OPT_SERVE },
	{ "block",		required_argument, NULL, OPT_BLOCK },
	{ "memcpy",		no_argument,	   NULL, 'M' },
	{ "ref",		no_argument,	   NULL, 'r' },
	{ "rounds",		required_argument, NULL, 'R' },
	{ "verify",		no_argument,	   NULL, 'v' },
	{ "local-mem",		required_argument, NULL, 'L' },
	{ "count-syscalls",	optional_argument, NULL, 'c' },
	{ "json",		no_argument,	   NULL, 'j' },
	{ "help",		no_argument,	   NULL, 'h' },
	{ NULL, 0, NULL, 0 }
};

static void parse_local_mem(const char *s)
{
	char *end;
	long v;

	if (!strcmp(s, "host")) {
		opt.local_mem = LOCAL_HOST;
		return;
	}
	if (!strcmp(s, "dmabuf") || !strcmp(s, "dmabuf:udmabuf")) {
		opt.local_mem = LOCAL_DMABUF;
		return;
	}
	if (!strcmp(s, "dmabuf:vgem")) {
		opt.local_mem = LOCAL_VGEM;
		return;
	}
	if (!strncmp(s, "cuda:", 5)) {
		v = strtol(s + 5, &end, 10);
		if (end != s + 5 && !*end && v >= 0 && v < 1024) {
			opt.local_mem = LOCAL_CUDA;
			opt.cuda_dev = v;
			return;
		}
	}
	fprintf(stderr, "mcte-bench: bad local memory \"%s\" (host, dmabuf, dmabuf:vgem, cuda:N)\n",
		s);
	exit(1);
}

static void parse_args(int argc, char **argv)
{
	char *end;
	long v;
	int c;

	while ((c = getopt_long(argc, argv, "o:b:B:t:d:w:im:p:S:s:PMrR:vL:c::jh",
				options, NULL)) != -1) {
		switch (c) {
		case 'o':
			opt.nr_ops = parse_list(optarg, "operation", parse_op,
						opt.ops);
			break;
		case 'b':
			opt.nr_blocks = parse_list(optarg, "block size",
						   parse_block, opt.blocks);
			break;
		case 'B':
			opt.nr_batches = parse_list(optarg, "batch size",
						    parse_batch, opt.batches);
			break;
		case 't':
			v = strtol(optarg, &end, 10);
			if (*end || v < 1 || v > 256) {
				fprintf(stderr, "mcte-bench: bad thread count\n");
				exit(1);
			}
			opt.threads = v;
			break;
		case 'd':
			opt.duration = strtod(optarg, &end);
			if (*end || opt.duration <= 0) {
				fprintf(stderr, "mcte-bench: bad duration\n");
				exit(1);
			}
			break;
		case 'w':
			opt.warmup = strtod(optarg, &end);
			if (*end || opt.warmup < 0) {
				fprintf(stderr, "mcte-bench: bad warm-up\n");
				exit(1);
			}
			break;
		case 'i':
			opt.inflight = true;
			break;
		case 'm':
			opt.mode = parse_mode(optarg);
			break;
		case 'p':
			v = strtol(optarg, &end, 10);
			if (*end || end == optarg || v < 0 || v > 60000000) {
				fprintf(stderr, "mcte-bench: bad busy-poll time (0 to 60000000 µs)\n");
				exit(1);
			}
			opt.busy_poll = v;
			break;
		case 'S':
			if (parse_size(optarg, &opt.buffer_size)) {
				fprintf(stderr, "mcte-bench: bad buffer size\n");
				exit(1);
			}
			break;
		case 's':
			opt.segment = optarg;
			break;
		case 'P':
			opt.target_process = true;
			break;
		case OPT_SERVE:
			opt.serve = optarg;
			break;
		case OPT_BLOCK:
			opt.block_dev = optarg;
			break;
		case 'M':
			opt.memcpy_only = true;
			break;
		case 'r':
			opt.ref = true;
			break;
		case 'R':
			v = strtol(optarg, &end, 10);
			if (*end || v < 1 || v > 100) {
				fprintf(stderr, "mcte-bench: bad round count\n");
				exit(1);
			}
			opt.rounds = v;
			break;
		case 'v':
			opt.verify = true;
			break;
		case 'L':
			parse_local_mem(optarg);
			break;
		case 'c':
			opt.count_syscalls = BENCH_DEF_COUNT;
			if (!optarg && optind < argc && argv[optind][0] != '-')
				optarg = argv[optind++];
			if (optarg) {
				v = strtol(optarg, &end, 10);
				if (*end || v < 1 || v > 100000) {
					fprintf(stderr, "mcte-bench: bad batch count\n");
					exit(1);
				}
				opt.count_syscalls = v;
			}
			break;
		case 'j':
			opt.json = true;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			usage(stderr);
			exit(1);
		}
	}
	if (optind < argc) {
		fprintf(stderr, "mcte-bench: unexpected argument \"%s\"\n",
			argv[optind]);
		exit(1);
	}
	if (!!opt.segment + opt.target_process + !!opt.block_dev > 1) {
		fprintf(stderr, "mcte-bench: --segment, --target-process and --block exclude each other\n");
		exit(1);
	}
	/* the memcpy reference copies between two mappings of this process */
	if (opt.block_dev && (opt.memcpy_only || opt.ref || opt.serve)) {
		fprintf(stderr, "mcte-bench: --block excludes --memcpy, --ref and --serve (fio is its reference)\n");
		exit(1);
	}
	/* user-space copies need the local memory mapped here */
	if (opt.local_mem == LOCAL_CUDA &&
	    (opt.memcpy_only || opt.ref || opt.serve)) {
		fprintf(stderr, "mcte-bench: --local-mem cuda:N excludes --memcpy, --ref and --serve\n");
		exit(1);
	}
	if (!opt.nr_ops) {
		opt.ops[0] = MCTE_OP_WRITE;
		opt.nr_ops = 1;
	}
	if (!opt.nr_blocks) {
		opt.blocks[0] = 64 << 10;
		opt.nr_blocks = 1;
	}
	if (!opt.nr_batches) {
		opt.batches[0] = 128;
		opt.nr_batches = 1;
	}
}

int main(int argc, char **argv)
{
	struct bench_env env;
	struct bench_cfg cfg;
	unsigned int o, b, n;
	int hold_fd, err, ret = 0;
	char *buf;

	parse_args(argc, argv);

	if (opt.serve) {
		buf = alloc_buffer(opt.buffer_size, false);
		return serve(opt.serve, buf, opt.buffer_size, -1, -1);
	}

	env_setup(&env, !opt.memcpy_only, &hold_fd);

	for (o = 0; o < opt.nr_ops; o++) {
		for (b = 0; b < opt.nr_blocks; b++) {
			for (n = 0; n < opt.nr_batches; n++) {
				cfg = (struct bench_cfg){
					.engine = opt.memcpy_only ? ENGINE_MEMCPY :
								    ENGINE_MCTE,
					.op = opt.ops[o],
					.mode = opt.mode,
					.block = opt.blocks[b],
					.batch = opt.batches[n],
					.threads = opt.threads,
					.duration = opt.duration,
					.warmup = opt.warmup,
					.inflight = opt.inflight,
					.busy_poll = opt.busy_poll,
				};
				if (opt.count_syscalls) {
					cfg.threads = 1;
					err = run_count(&env, &cfg);
					if (err)
						ret = 1;
					continue;
				}
				err = run_config(&env, &cfg);
				if (err)
					ret = 1;
			}
		}
	}

	env_teardown(&env, hold_fd);
	return ret;
}
