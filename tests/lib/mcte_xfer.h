/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers of the transfer suites (tests/xfer, tests/fuzz): raw ioctls that
 * return 0 or -errno, io_uring command SQEs, a seeded PRNG, buffers with
 * guard pages, and the debugfs/module-parameter test hooks.
 *
 * Everything here talks to the kernel ABI directly (uapi/linux/mcte.h);
 * nothing goes through libmcte, so that the suites test the module alone.
 */
#ifndef MCTE_XFER_H
#define MCTE_XFER_H

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stddef.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <grp.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <linux/mcte.h>

#ifdef MX_WITH_URING
#include <liburing.h>
#endif

#define MX_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define MX_KiB	1024ULL
#define MX_MiB	(1024ULL * 1024)

#define MX_DEBUGFS		"/sys/kernel/debug/mcte"
#define MX_PARAMS		"/sys/module/mcte/parameters"

/* ------------------------------------------------------------------ */
/* Raw ioctls: 0 or -errno                                              */

static inline int mx_ioctl(int fd, unsigned long cmd, void *arg)
{
	return ioctl(fd, cmd, arg) < 0 ? -errno : 0;
}

static inline int mx_open(void)
{
	return open(MCTE_DEV_PATH, O_RDWR | O_CLOEXEC);
}

static inline int mx_version(int fd, struct mcte_version *v)
{
	memset(v, 0, sizeof(*v));
	return mx_ioctl(fd, MCTE_IOC_VERSION, v);
}

static inline __u64 mx_features(int fd)
{
	struct mcte_version v;

	return mx_version(fd, &v) ? 0 : v.features;
}

static inline __u32 mx_slice_size(int fd)
{
	struct mcte_version v;

	return mx_version(fd, &v) ? 0 : v.slice_size;
}

/* A host buffer of a segment. */
static inline struct mcte_seg_buf mx_buf(const void *addr, __u64 len)
{
	struct mcte_seg_buf b = {
		.addr = (uintptr_t)addr, .len = len, .fd = -1,
	};

	return b;
}

/* Register a segment of any kind: 0 or -errno, its handle in *handle. */
static inline int mx_seg_reg_kind(int fd, const char *name,
				  const struct mcte_seg_buf *bufs, __u32 nr,
				  __u32 kind, __u32 access, __u32 *handle)
{
	struct mcte_seg_reg r;
	int ret;

	memset(&r, 0, sizeof(r));
	snprintf(r.name, sizeof(r.name), "%s", name);
	r.bufs = (uintptr_t)bufs;
	r.nr_bufs = nr;
	r.kind = kind;
	r.access = access;
	ret = mx_ioctl(fd, MCTE_IOC_SEG_REG, &r);
	if (!ret && handle)
		*handle = r.handle;
	return ret;
}

static inline int mx_seg_reg(int fd, const char *name,
			     const struct mcte_seg_buf *bufs, __u32 nr,
			     __u32 access, __u32 *handle)
{
	return mx_seg_reg_kind(fd, name, bufs, nr, MCTE_SEG_HOST, access,
			       handle);
}

static inline int mx_seg_reg1(int fd, const char *name, const void *addr,
			      __u64 len, __u32 access, __u32 *handle)
{
	struct mcte_seg_buf b = mx_buf(addr, len);

	return mx_seg_reg(fd, name, &b, 1, access, handle);
}

static inline int mx_seg_unreg(int fd, __u32 handle)
{
	return mx_ioctl(fd, MCTE_IOC_SEG_UNREG, &handle);
}

static inline int mx_seg_open(int fd, const char *name, __u32 access,
			      __u32 *handle, __u64 *size, __u32 *nr_bufs)
{
	struct mcte_seg_open o;
	int ret;

	memset(&o, 0, sizeof(o));
	snprintf(o.name, sizeof(o.name), "%s", name);
	o.access = access;
	ret = mx_ioctl(fd, MCTE_IOC_SEG_OPEN, &o);
	if (ret)
		return ret;
	if (handle)
		*handle = o.handle;
	if (size)
		*size = o.size;
	if (nr_bufs)
		*nr_bufs = o.nr_bufs;
	return 0;
}

static inline int mx_seg_close(int fd, __u32 handle)
{
	return mx_ioctl(fd, MCTE_IOC_SEG_CLOSE, &handle);
}

static inline int mx_batch_alloc(int fd, __u32 capacity, __u32 *id)
{
	struct mcte_batch_alloc a = { .capacity = capacity };
	int ret;

	ret = mx_ioctl(fd, MCTE_IOC_BATCH_ALLOC, &a);
	if (!ret && id)
		*id = a.batch_id;
	return ret;
}

static inline int mx_batch_free(int fd, __u32 id)
{
	return mx_ioctl(fd, MCTE_IOC_BATCH_FREE, &id);
}

static inline int mx_batch_cancel(int fd, __u32 id)
{
	return mx_ioctl(fd, MCTE_IOC_BATCH_CANCEL, &id);
}

/*
 * Submit @nr requests. @submitted and @error_index (either may be NULL)
 * get what the module wrote back; they are preset to a poison value so
 * that a module which leaves them alone is noticed.
 */
static inline int mx_submit(int fd, const struct mcte_xfer_req *reqs, __u32 nr,
			    __u32 *submitted, __u32 *error_index)
{
	struct mcte_batch_submit s = {
		.reqs = (uintptr_t)reqs, .nr = nr,
		.submitted = 0xdeadbeef, .error_index = 0xdeadbeef,
	};
	int ret;

	ret = mx_ioctl(fd, MCTE_IOC_BATCH_SUBMIT, &s);
	if (submitted)
		*submitted = s.submitted;
	if (error_index)
		*error_index = s.error_index;
	return ret;
}

/*
 * Query a batch: @st has room for @room entries (NULL/0 for totals only);
 * @nr gets the number of requests in the batch.
 */
static inline int mx_status(int fd, __u32 id, struct mcte_xfer_status *st,
			    __u32 room, __u32 *nr, __u32 *state, __u64 *bytes)
{
	struct mcte_batch_status s = {
		.batch_id = id, .nr = room, .status = (uintptr_t)st,
	};
	int ret;

	ret = mx_ioctl(fd, MCTE_IOC_BATCH_STATUS, &s);
	if (ret)
		return ret;
	if (nr)
		*nr = s.nr;
	if (state)
		*state = s.state;
	if (bytes)
		*bytes = s.bytes;
	return 0;
}

static inline __u32 mx_batch_state(int fd, __u32 id)
{
	__u32 state = ~0U;

	if (mx_status(fd, id, NULL, 0, NULL, &state, NULL))
		return ~0U;
	return state;
}

static inline int mx_reap(int fd, struct mcte_cqe *cqes, __u32 nr,
			  __u32 min_nr, __u32 timeout_ms, __u32 *got)
{
	struct mcte_reap r = {
		.cqes = (uintptr_t)cqes, .nr = nr, .min_nr = min_nr,
		.timeout_ms = timeout_ms,
	};
	int ret;

	ret = mx_ioctl(fd, MCTE_IOC_REAP, &r);
	if (got)
		*got = ret ? 0 : r.nr;
	return ret;
}

static inline bool mx_state_final(__u32 state)
{
	return state >= MCTE_XFER_COMPLETED && state <= MCTE_XFER_CANCELED;
}

static inline const char *mx_state_name(__u32 state)
{
	static const char * const names[] = {
		"WAITING", "PENDING", "COMPLETED", "FAILED", "TIMEOUT",
		"CANCELED",
	};

	return state < MX_ARRAY_SIZE(names) ? names[state] : "?";
}

static inline uint64_t mx_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * Poll a batch until it reaches a final state; 0 with *state set, -ETIME
 * after @timeout_ms, or the ioctl's error.
 */
static inline int mx_wait_batch(int fd, __u32 id, unsigned int timeout_ms,
				__u32 *state)
{
	uint64_t end = mx_now_ms() + timeout_ms;
	unsigned int us = 50;
	__u32 s;
	int ret;

	for (;;) {
		ret = mx_status(fd, id, NULL, 0, NULL, &s, NULL);
		if (ret)
			return ret;
		if (mx_state_final(s)) {
			if (state)
				*state = s;
			return 0;
		}
		if (mx_now_ms() > end)
			return -ETIME;
		usleep(us);
		if (us < 5000)
			us *= 2;
	}
}

/* Reap exactly @n completions (waiting at most @timeout_ms in all). */
static inline int mx_reap_n(int fd, struct mcte_cqe *cqes, __u32 n,
			    unsigned int timeout_ms)
{
	uint64_t end = mx_now_ms() + timeout_ms;
	__u32 have = 0, got;
	int ret;

	while (have < n) {
		uint64_t now = mx_now_ms();

		if (now >= end)
			return -ETIME;
		ret = mx_reap(fd, cqes + have, n - have, 1, end - now, &got);
		if (ret)
			return ret;
		have += got;
	}
	return 0;
}

/* Fill a request; everything else zero. */
static inline void mx_req(struct mcte_xfer_req *r, __u8 op, __u32 local,
			  __u64 loff, __u32 target, __u64 toff, __u64 len,
			  __u32 batch, __u64 user_data)
{
	memset(r, 0, sizeof(*r));
	r->opcode = op;
	r->local_seg = local;
	r->local_off = loff;
	r->target_seg = target;
	r->target_off = toff;
	r->length = len;
	r->batch_id = batch;
	r->user_data = user_data;
}

/* Submit one request to a fresh batch and wait for it; the final state. */
static inline int mx_xfer_sync(int fd, __u8 op, __u32 local, __u64 loff,
			       __u32 target, __u64 toff, __u64 len,
			       unsigned int timeout_ms, struct mcte_cqe *cqe)
{
	struct mcte_xfer_req r;
	__u32 id;
	int ret;

	ret = mx_batch_alloc(fd, 1, &id);
	if (ret)
		return ret;
	mx_req(&r, op, local, loff, target, toff, len, id, 0x5eed0000 + len);
	ret = mx_submit(fd, &r, 1, NULL, NULL);
	if (!ret)
		ret = mx_reap_n(fd, cqe, 1, timeout_ms);
	if (mx_batch_free(fd, id) && !ret)
		ret = -EBUSY;
	return ret;
}

/* ------------------------------------------------------------------ */
/* Test hooks: debugfs knobs and module parameters                     */

static inline int mx_write_file(const char *path, long val)
{
	char buf[32];
	int fd, len, ret = 0;

	fd = open(path, O_WRONLY);
	if (fd < 0)
		return -errno;
	len = snprintf(buf, sizeof(buf), "%ld\n", val);
	if (write(fd, buf, len) != len)
		ret = -errno ? -errno : -EIO;
	close(fd);
	return ret;
}

static inline long mx_read_file(const char *path)
{
	long val = -1;
	FILE *f = fopen(path, "r");

	if (!f)
		return -1;
	if (fscanf(f, "%ld", &val) != 1)
		val = -1;
	fclose(f);
	return val;
}

/* Each slice of the local transport sleeps this long before copying. */
static inline int mx_set_delay(long ms)
{
	return mx_write_file(MX_DEBUGFS "/xfer_delay_ms", ms);
}

static inline bool mx_have_delay(void)
{
	return access(MX_DEBUGFS "/xfer_delay_ms", W_OK) == 0;
}

static inline int mx_set_param(const char *name, long val)
{
	char path[128];

	snprintf(path, sizeof(path), MX_PARAMS "/%s", name);
	return mx_write_file(path, val);
}

static inline long mx_get_param(const char *name)
{
	char path[128];

	snprintf(path, sizeof(path), MX_PARAMS "/%s", name);
	return mx_read_file(path);
}

/* References held on the module (open files of /dev/mcte among them). */
static inline long mx_module_refcnt(void)
{
	return mx_read_file("/sys/module/mcte/refcnt");
}

/*
 * Wait until the module's reference count is back to @base: files whose
 * last transfers are still draining keep a reference. 0, or -ETIME.
 */
static inline int mx_wait_refcnt(long base, unsigned int timeout_ms)
{
	uint64_t end = mx_now_ms() + timeout_ms;

	while (mx_module_refcnt() > base) {
		if (mx_now_ms() > end)
			return -ETIME;
		usleep(2000);
	}
	return 0;
}

/* VmPin of this process in KiB (pages pinned for long-term use), or -1. */
static inline long mx_vmpin_kb(void)
{
	char line[256];
	long kb = -1;
	FILE *f = fopen("/proc/self/status", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "VmPin: %ld kB", &kb) == 1)
			break;
	fclose(f);
	return kb;
}

/* ------------------------------------------------------------------ */
/* Names, randomness, memory                                           */

/* A segment name no other test (or run) uses: mx.<pid>.<tag>.<n>. */
static inline const char *mx_name(char *buf, size_t len, const char *tag)
{
	static unsigned int n;

	snprintf(buf, len, "mx.%d.%s.%u", getpid(), tag, n++);
	return buf;
}

struct mx_rng {
	uint64_t s;
};

static inline uint64_t mx_rand64(struct mx_rng *r)
{
	uint64_t z = (r->s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* Uniform in [0, n), n > 0. */
static inline uint64_t mx_rand_below(struct mx_rng *r, uint64_t n)
{
	return n ? mx_rand64(r) % n : 0;
}

/* Roughly log-uniform in [1, max]: small sizes as likely as big ones. */
static inline uint64_t mx_rand_len(struct mx_rng *r, uint64_t max)
{
	unsigned int bits = 0;
	uint64_t top;

	while (bits < 63 && (1ULL << (bits + 1)) <= max)
		bits++;
	top = 1ULL << mx_rand_below(r, bits + 1);
	if (top > max)
		top = max;
	return 1 + mx_rand_below(r, top);
}

/* Seed from the environment variable @env, else @def; printed by callers. */
static inline uint64_t mx_seed(const char *env, uint64_t def)
{
	const char *s = getenv(env);

	return s && *s ? strtoull(s, NULL, 0) : def;
}

static inline void mx_fill_rand(void *buf, size_t len, struct mx_rng *r)
{
	unsigned char *p = buf;
	uint64_t v;

	while (len >= 8) {
		v = mx_rand64(r);
		memcpy(p, &v, 8);
		p += 8;
		len -= 8;
	}
	v = mx_rand64(r);
	memcpy(p, &v, len);
}

/* Offset of the first byte where @a and @b differ, or -1. */
static inline long mx_diff(const void *a, const void *b, size_t len)
{
	const unsigned char *x = a, *y = b;
	size_t i, step = 4096;

	for (i = 0; i < len; i += step) {
		size_t n = len - i < step ? len - i : step;
		size_t j;

		if (!memcmp(x + i, y + i, n))
			continue;
		for (j = 0; j < n; j++)
			if (x[i + j] != y[i + j])
				return (long)(i + j);
	}
	return -1;
}

/*
 * Anonymous memory with an inaccessible guard page on each side, so that
 * a module copying past a buffer faults instead of corrupting silently.
 * Returns the usable area (page-aligned); free with mx_free().
 */
static inline void *mx_alloc(size_t len)
{
	size_t page = sysconf(_SC_PAGESIZE);
	size_t span = (len + page - 1) / page * page + 2 * page;
	char *p;

	p = mmap(NULL, span, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return NULL;
	if (mprotect(p + page, span - 2 * page, PROT_READ | PROT_WRITE)) {
		munmap(p, span);
		return NULL;
	}
	return p + page;
}

/* The same, shared with children forked after it (MAP_SHARED). */
static inline void *mx_alloc_shared(size_t len)
{
	size_t page = sysconf(_SC_PAGESIZE);
	size_t span = (len + page - 1) / page * page + 2 * page;
	char *p;

	p = mmap(NULL, span, PROT_NONE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return NULL;
	if (mprotect(p + page, span - 2 * page, PROT_READ | PROT_WRITE)) {
		munmap(p, span);
		return NULL;
	}
	return p + page;
}

static inline void mx_free(void *area, size_t len)
{
	size_t page = sysconf(_SC_PAGESIZE);
	size_t span = (len + page - 1) / page * page + 2 * page;

	if (area)
		munmap((char *)area - page, span);
}

/* ------------------------------------------------------------------ */
/* Child processes                                                     */

/* Wait for a child; its exit status, or 128 + signal. */
static inline int mx_wait_child(pid_t pid)
{
	int status;

	if (waitpid(pid, &status, 0) != pid)
		return -1;
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return -1;
}

/* One byte over a pipe: a minimal rendezvous between processes. */
static inline int mx_signal_fd(int fd, char c)
{
	return write(fd, &c, 1) == 1 ? 0 : -1;
}

static inline int mx_await_fd(int fd)
{
	char c;

	return read(fd, &c, 1) == 1 ? c : -1;
}

/*
 * Checks in a forked child, where the harness' ASSERTs do not belong:
 * a child function returns 0, or 1 after MX_CK() recorded what failed in
 * the report the parent gets back.
 */
struct mx_report {
	int line;
	long long want;
	long long got;
	char what[160];
};

#define MX_CK(rep, want_, expr) do {					\
	long long __w = (long long)(want_), __g = (long long)(expr);	\
	if (__w != __g) {						\
		(rep)->line = __LINE__;					\
		(rep)->want = __w;					\
		(rep)->got = __g;					\
		snprintf((rep)->what, sizeof((rep)->what), "%s", #expr);\
		return 1;						\
	}								\
} while (0)

typedef int (*mx_child_fn)(void *arg, struct mx_report *rep);

/*
 * Run @fn(@arg) in a child process and wait for it. Returns 0 when it
 * passed; otherwise @out says where it failed (line 0: it died).
 */
static inline int mx_in_child(mx_child_fn fn, void *arg, struct mx_report *out)
{
	struct mx_report *rep;
	pid_t pid;
	int st;

	rep = mmap(NULL, sizeof(*rep), PROT_READ | PROT_WRITE,
		   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (rep == MAP_FAILED)
		return -1;
	memset(rep, 0, sizeof(*rep));
	fflush(NULL);
	pid = fork();
	if (pid == 0)
		_exit(fn(arg, rep) ? 1 : 0);
	st = pid < 0 ? -1 : mx_wait_child(pid);
	if (st && !rep->line)
		snprintf(rep->what, sizeof(rep->what), "child exit status %d", st);
	*out = *rep;
	munmap(rep, sizeof(*rep));
	return st;
}

/* Become user nobody, without any capability left. 0 or -errno. */
static inline int mx_become_nobody(void)
{
	if (setgroups(0, NULL) || setgid(65534) || setuid(65534))
		return -errno;
	return 0;
}

/* ------------------------------------------------------------------ */
/* io_uring commands                                                   */

#ifdef MX_WITH_URING
static inline int mx_ring_init(struct io_uring *ring, unsigned int entries,
			       unsigned int flags)
{
	struct io_uring_params p;

	memset(&p, 0, sizeof(p));
	p.flags = flags;
	if (flags & IORING_SETUP_SQPOLL)
		p.sq_thread_idle = 100;
	return io_uring_queue_init_params(entries, ring, &p);
}

/* Size of the SQEs of @ring. */
static inline size_t mx_sqe_size(const struct io_uring *ring)
{
	return ring->flags & IORING_SETUP_SQE128 ? 128 : 64;
}

/*
 * Turn @sqe into an MCTE_URING_CMD_XFER command for @req; fields the
 * command does not use are zero. On a ring with 64-byte SQEs the request
 * is cut to what fits (16 bytes): the module must refuse it anyway.
 */
static inline void mx_prep_xfer(struct io_uring *ring,
				struct io_uring_sqe *sqe, int fd,
				const struct mcte_xfer_req *req, __u64 ud)
{
	size_t room = mx_sqe_size(ring) - offsetof(struct io_uring_sqe, cmd);

	memset(sqe, 0, mx_sqe_size(ring));
	sqe->opcode = IORING_OP_URING_CMD;
	sqe->fd = fd;
	sqe->cmd_op = MCTE_URING_CMD_XFER;
	sqe->user_data = ud;
	memcpy(sqe->cmd, req, room < sizeof(*req) ? room : sizeof(*req));
}

/* One request through io_uring, waited for: the CQE's res, or -errno. */
static inline int mx_uring_xfer(struct io_uring *ring, int fd,
				const struct mcte_xfer_req *req, int *res)
{
	struct io_uring_cqe *cqe;
	struct io_uring_sqe *sqe;
	int ret;

	sqe = io_uring_get_sqe(ring);
	if (!sqe)
		return -EBUSY;
	mx_prep_xfer(ring, sqe, fd, req, req->user_data);
	ret = io_uring_submit_and_wait(ring, 1);
	if (ret < 0)
		return ret;
	ret = io_uring_wait_cqe(ring, &cqe);
	if (ret)
		return ret;
	*res = cqe->res;
	io_uring_cqe_seen(ring, cqe);
	return 0;
}
#endif /* MX_WITH_URING */

/* ------------------------------------------------------------------ */
/* Feature gate: a SKIP while a part is missing, never in the end state */

static inline const char *mx_missing(__u64 have, __u64 want)
{
	static const struct {
		__u64 bit;
		const char *name;
	} names[] = {
		{ MCTE_FEAT_SEGMENTS, "SEGMENTS" },
		{ MCTE_FEAT_BATCH, "BATCH" },
		{ MCTE_FEAT_URING_CMD, "URING_CMD" },
		{ MCTE_FEAT_XPORT_LOCAL, "XPORT_LOCAL" },
	};
	unsigned int i;

	for (i = 0; i < MX_ARRAY_SIZE(names); i++)
		if ((want & names[i].bit) && !(have & names[i].bit))
			return names[i].name;
	return NULL;
}

/* In a harness test or fixture setup: skip unless the module has @want. */
#define MX_REQUIRE(fd, want) do {					\
	const char *__m = mx_missing(mx_features(fd), (want));		\
	if (__m)							\
		SKIP(return, "module lacks MCTE_FEAT_%s", __m);		\
} while (0)

#define MX_FEAT_XFER	(MCTE_FEAT_SEGMENTS | MCTE_FEAT_BATCH |		\
			 MCTE_FEAT_XPORT_LOCAL)

#endif /* MCTE_XFER_H */
