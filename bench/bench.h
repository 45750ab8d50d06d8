/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mcte-bench: what its files share.
 */
#ifndef MCTE_BENCH_H
#define MCTE_BENCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <libmcte.h>

enum bench_engine {
	ENGINE_MCTE,
	ENGINE_MEMCPY,
};

/* Where the target segment lives. */
enum bench_target {
	TARGET_SELF,		/* registered by this process */
	TARGET_PROCESS,		/* registered by a forked child */
	TARGET_NAMED,		/* --segment NAME, someone else's */
	TARGET_BLOCK,		/* --block DEV: a block segment registered here */
};

/* What the local segment is made of (--local-mem). */
enum bench_local {
	LOCAL_HOST,		/* anonymous memory */
	LOCAL_DMABUF,		/* a udmabuf over a memfd, mapped here too */
	LOCAL_VGEM,		/* a vgem buffer, mapped here through its dma-buf */
	LOCAL_CUDA,		/* CUDA device memory, not mapped here */
};

/* What the whole run shares: the device, the buffers, the segments. */
struct bench_env {
	struct mcte *m;
	enum bench_target target;
	const char *target_name;

	enum bench_local local_kind;
	char *local;		/* local buffer, registered as local_seg;
				 * NULL for LOCAL_CUDA */
	__u64 local_dptr;	/* LOCAL_CUDA: the device memory */
	int local_memfd;	/* LOCAL_DMABUF: what the udmabuf is of */
	size_t local_size;	/* 2 * region: the upper half for --verify */
	__u32 local_seg;

	char *tbuf;		/* target memory, or a stand-in for memcpy */
	bool tbuf_is_target;	/* the target's own memory: --verify reads it */
	size_t region;		/* bytes of both that blocks cycle through */
	__u32 target_seg;	/* handle of the opened target */
	__u32 target_own;	/* registered here (TARGET_SELF, TARGET_BLOCK),
				 * else 0 */
	int block_fd;		/* TARGET_BLOCK: the device, O_DIRECT; -1 */
};

/* One measured configuration. */
struct bench_cfg {
	enum bench_engine engine;
	int op;			/* MCTE_OP_READ or MCTE_OP_WRITE */
	int mode;		/* enum mcte_ring_mode */
	size_t block;
	unsigned int batch;
	unsigned int threads;
	double duration;	/* measured, after the warm-up */
	double warmup;		/* seconds run before measuring, not counted */
	bool inflight;		/* keep batch requests in flight (--inflight) */
	long busy_poll;		/* µs a wait spins (--busy-poll); -1: the ring's */
};

/* Per thread: its ring, its batch, its slice of the region. */
struct bench_worker {
	const struct bench_env *env;
	const struct bench_cfg *cfg;
	struct mcte_ring ring;
	bool ring_ready;
	__u32 batch_id;		/* 0: none */
	unsigned int batch_cap;
	unsigned int batch_used;
	size_t base, span, off;	/* slice of the region, next offset */
	__u64 seq;

	/* --inflight: requests prepared, in flight, per batch */
	unsigned int prepared;
	unsigned int inflight;
	unsigned int cur_inflight;	/* of batch_id */
	__u32 old_batch_id;		/* the full batch before it, 0: none */
	unsigned int old_inflight;	/* of old_batch_id */
	bool measuring;

	/* results: completed while measuring, in [t_start, t_end] */
	uint64_t requests;
	uint64_t bytes;
	double t_start, t_end;
	int err;
	const char *what;
};

/* mcte-bench.c */
int worker_setup(struct bench_worker *w, const struct bench_env *env,
		 const struct bench_cfg *cfg, unsigned int idx,
		 unsigned int batches);
void worker_teardown(struct bench_worker *w);
int worker_batch(struct bench_worker *w);
double now_s(void);

/* syscount.c: run @fn(@arg) in a traced child, count syscalls between
 * the two getppid() markers it makes with bench_marker(). */
struct syscount {
	uint64_t total;
	uint64_t by_nr[512];
};
void bench_marker(void);
int syscount_run(int (*fn)(void *arg), void *arg, struct syscount *sc);
const char *syscall_name(unsigned int nr);

#endif /* MCTE_BENCH_H */
