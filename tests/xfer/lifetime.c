// SPDX-License-Identifier: GPL-2.0
/*
 * Lifetimes (Documentation/abi.rst, "Segments"): an owner killed or exiting
 * with transfers in flight (ioctl and io_uring), a file closed with
 * transfers in flight, a target unregistered or its owner killed while
 * another process's requests use it, fork and munmap of registered memory,
 * and concurrent submitters (threads on one file, processes on one
 * target) with every byte checked.
 *
 * After each test every file is closed; the module's reference count must
 * come back (nothing holds a file) and the engine must count no segment
 * and no batch (stat-get over netlink). The runner then unloads the module.
 */
#define MX_WITH_URING
#include <pthread.h>

#include "kselftest_harness.h"
#include "mcte_test.h"
#include "mcte_xfer.h"
#include "mcte_nl.h"

FIXTURE(lt) {
	int fd;
	long refcnt0;
	long slice_param;
	struct mx_nl_attrs stat0;
	bool have_stat;
};

FIXTURE_SETUP(lt)
{
	self->refcnt0 = mx_module_refcnt();
	ASSERT_LE(0, self->refcnt0);
	self->fd = mx_open();
	ASSERT_LE(0, self->fd);
	MX_REQUIRE(self->fd, MX_FEAT_XFER | MCTE_FEAT_URING_CMD);
	ASSERT_TRUE(mx_have_delay());
	self->slice_param = mx_get_param("slice_size");
	self->have_stat = mx_nl_stat(&self->stat0) == 0;
	ASSERT_EQ(0, mx_set_delay(0));
}

FIXTURE_TEARDOWN(lt)
{
	struct mx_nl_attrs st;

	mx_set_delay(0);
	if (self->slice_param > 0)
		mx_set_param("slice_size", self->slice_param);
	close(self->fd);
	EXPECT_EQ(0, mx_wait_refcnt(self->refcnt0, 20000))
		TH_LOG("module references: %ld, %ld before", mx_module_refcnt(),
		       self->refcnt0);
	if (self->have_stat) {
		ASSERT_EQ(0, mx_nl_stat(&st));
		EXPECT_EQ(0, st.val[MCTE_A_STAT_SEGMENTS]);
		EXPECT_EQ(0, st.val[MCTE_A_STAT_BATCHES]);
	}
}

/*
 * A process's worth of work in flight: two 8 MiB segments, a batch of
 * 64 slow requests through the ioctl and 32 through io_uring.
 */
struct busy {
	char name[2][MCTE_SEG_NAME_MAX];
	int ready[2];
	bool exit_normally;
};

static int busy_child(void *varg, struct mx_report *rep)
{
	struct busy *b = varg;
	const size_t len = 8 * MX_MiB;
	char *a = mx_alloc(len), *t = mx_alloc(len);
	struct mcte_xfer_req r[96];
	struct io_uring ring;
	__u32 ha, ht, id, i;
	int fd = mx_open();

	close(b->ready[0]);
	MX_CK(rep, 1, fd >= 0 && a && t);
	MX_CK(rep, 0, mx_seg_reg1(fd, b->name[0], a, len, MCTE_ACCESS_RW, &ha));
	MX_CK(rep, 0, mx_seg_reg1(fd, b->name[1], t, len, MCTE_ACCESS_RW, &ht));
	MX_CK(rep, 0, mx_batch_alloc(fd, 96, &id));
	for (i = 0; i < 96; i++)
		mx_req(&r[i], i & 1, ha, i * 65536, ht, i * 65536 + 1, 65536,
		       id, i);
	MX_CK(rep, 0, mx_submit(fd, r, 64, NULL, NULL));
	MX_CK(rep, 0, mx_ring_init(&ring, 64, IORING_SETUP_SQE128));
	for (i = 64; i < 96; i++)
		mx_prep_xfer(&ring, io_uring_get_sqe(&ring), fd, &r[i], i);
	MX_CK(rep, 32, io_uring_submit(&ring));
	mx_signal_fd(b->ready[1], 'r');
	if (b->exit_normally)
		return 0;	/* exit, ring and file still busy */
	pause();
	return 0;
}

/* Start a busy child; returns its pid once its work is in flight. */
static pid_t start_busy(struct __test_metadata *_metadata, struct busy *b)
{
	pid_t pid;
	struct mx_report rep;

	mx_name(b->name[0], sizeof(b->name[0]), "busy");
	mx_name(b->name[1], sizeof(b->name[1]), "busy");
	if (pipe(b->ready))
		return -1;
	fflush(NULL);
	pid = fork();
	if (pid == 0)
		_exit(busy_child(b, &rep));
	close(b->ready[1]);
	EXPECT_EQ('r', mx_await_fd(b->ready[0]));
	close(b->ready[0]);
	return pid;
}

/*
 * Wait for the module's references to come down to @base: first with the
 * slow slices still slow (a transport that stops what it can is quick),
 * then, after @slow_ms, with them fast (6.1 cannot cancel io_uring
 * commands of a ring that goes away: they run to their end). 0 or -ETIME.
 */
static int drain(long base, unsigned int slow_ms)
{
	uint64_t t0 = mx_now_ms();

	if (!mx_wait_refcnt(base, slow_ms))
		return 0;
	mx_set_delay(0);
	if (mx_wait_refcnt(base, 30000))
		return -ETIME;
	ksft_print_msg("drained only after %llu ms\n",
		       (unsigned long long)(mx_now_ms() - t0));
	return 0;
}

/* The names of a dead owner are free again: its segments are gone. */
static void names_free(struct __test_metadata *_metadata, int fd,
		       struct busy *b)
{
	char *p = mx_alloc(4096);
	__u32 h;
	int i;

	for (i = 0; i < 2; i++) {
		ASSERT_EQ(0, mx_seg_reg1(fd, b->name[i], p, 4096,
					 MCTE_ACCESS_NONE, &h));
		ASSERT_EQ(0, mx_seg_unreg(fd, h));
	}
	mx_free(p, 4096);
}

TEST_F_TIMEOUT(lt, owner_killed_mid_batch, 90)
{
	struct busy b = { .exit_normally = false };
	pid_t pid;

	ASSERT_EQ(0, mx_set_param("slice_size", 4096));
	ASSERT_EQ(0, mx_set_delay(50));
	pid = start_busy(_metadata, &b);
	ASSERT_LT(0, pid);
	usleep(100000);
	ASSERT_EQ(0, kill(pid, SIGKILL));
	EXPECT_EQ(128 + SIGKILL, mx_wait_child(pid));
	EXPECT_EQ(0, drain(self->refcnt0 + 1, 3000));
	names_free(_metadata, self->fd, &b);
}

TEST_F_TIMEOUT(lt, owner_exits_with_uring_inflight, 90)
{
	struct busy b = { .exit_normally = true };
	pid_t pid;

	ASSERT_EQ(0, mx_set_param("slice_size", 4096));
	ASSERT_EQ(0, mx_set_delay(20));
	pid = start_busy(_metadata, &b);
	ASSERT_LT(0, pid);
	EXPECT_EQ(0, mx_wait_child(pid));
	EXPECT_EQ(0, drain(self->refcnt0 + 1, 3000));
	ASSERT_EQ(0, mx_set_delay(0));
	names_free(_metadata, self->fd, &b);
}

/* close() of a file with slow transfers in flight, some through a ring. */
TEST_F_TIMEOUT(lt, close_with_inflight, 90)
{
	const size_t len = 4 * MX_MiB;
	char *a = mx_alloc(len), *t = mx_alloc(len);
	char names[2][MCTE_SEG_NAME_MAX];
	struct mcte_xfer_req r[64];
	struct io_uring ring;
	__u32 ha, ht, id, i;
	int fd = mx_open(), round;

	ASSERT_TRUE(fd >= 0 && a && t);
	ASSERT_EQ(0, mx_set_param("slice_size", 4096));
	for (round = 0; round < 2; round++) {
		if (round)
			fd = mx_open();
		ASSERT_LE(0, fd);
		ASSERT_EQ(0, mx_seg_reg1(fd, mx_name(names[0], sizeof(names[0]), "cl"),
					 a, len, MCTE_ACCESS_NONE, &ha));
		ASSERT_EQ(0, mx_seg_reg1(fd, mx_name(names[1], sizeof(names[1]), "cl"),
					 t, len, MCTE_ACCESS_NONE, &ht));
		ASSERT_EQ(0, mx_batch_alloc(fd, 64, &id));
		for (i = 0; i < 64; i++)
			mx_req(&r[i], i & 1, ha, i * 65536, ht, i * 65536, 65536,
			       id, i);
		ASSERT_EQ(0, mx_set_delay(30));
		ASSERT_EQ(0, mx_submit(fd, r, 32, NULL, NULL));
		ASSERT_EQ(0, mx_ring_init(&ring, 64, IORING_SETUP_SQE128));
		for (i = 32; i < 64; i++)
			mx_prep_xfer(&ring, io_uring_get_sqe(&ring), fd, &r[i], i);
		ASSERT_EQ(32, io_uring_submit(&ring));
		if (round == 0) {
			/* The file first, the ring after. */
			close(fd);
			usleep(50000);
			io_uring_queue_exit(&ring);
		} else {
			/* The ring first, then the file, nothing waited for. */
			io_uring_queue_exit(&ring);
			close(fd);
		}
		EXPECT_EQ(0, drain(self->refcnt0 + 1, 3000));
		ASSERT_EQ(0, mx_set_delay(0));
		/* Names free again. */
		ASSERT_EQ(0, mx_seg_reg1(self->fd, names[0], a, 10,
					 MCTE_ACCESS_NONE, &ha));
		ASSERT_EQ(0, mx_seg_unreg(self->fd, ha));
	}
	mx_free(a, len);
	mx_free(t, len);
}

/*
 * A target's owner (another process) unregisters it, or is killed, while
 * our requests on it are in flight: they all end, each COMPLETED or
 * FAILED with -ENODEV, nothing is written to its memory once they have
 * ended, and new requests on the handle get -ENODEV.
 */
struct owner {
	char name[MCTE_SEG_NAME_MAX];
	int ready[2], go[2], done[2];
	size_t len;
	unsigned char *mem;	/* shared with the test */
};

static int owner_child(void *varg, struct mx_report *rep)
{
	struct owner *o = varg;
	int fd = mx_open();
	__u32 h;

	close(o->ready[0]);
	close(o->go[1]);
	MX_CK(rep, 1, fd >= 0);
	MX_CK(rep, 0, mx_seg_reg1(fd, o->name, o->mem, o->len, MCTE_ACCESS_RW,
				  &h));
	mx_signal_fd(o->ready[1], 'r');
	if (mx_await_fd(o->go[0]) != 'u')
		return 0;
	MX_CK(rep, 0, mx_seg_unreg(fd, h));
	mx_signal_fd(o->ready[1], 'u');
	mx_await_fd(o->go[0]);
	close(fd);
	return 0;
}

static void target_goes(struct __test_metadata *_metadata,
			FIXTURE_DATA(lt) *self, bool kill_it)
{
	enum { N = 16 };
	const size_t len = N * 131072;
	struct owner *o = mx_alloc_shared(sizeof(*o));
	unsigned char *local = mx_alloc(len), *snap = malloc(len);
	char name[MCTE_SEG_NAME_MAX];
	struct mcte_xfer_status st[N];
	struct mcte_xfer_req r[N];
	struct mx_report rep;
	__u32 hl, h, id, id2, nr, i;
	pid_t pid;

	ASSERT_TRUE(o && local && snap);
	o->len = len;
	o->mem = mx_alloc_shared(len);
	ASSERT_NE(NULL, o->mem);
	memset(o->mem, 0x11, len);
	memset(local, 0x22, len);
	mx_name(o->name, sizeof(o->name), "owner");
	ASSERT_EQ(0, pipe(o->ready));
	ASSERT_EQ(0, pipe(o->go));
	fflush(NULL);
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0)
		_exit(owner_child(o, &rep));
	close(o->ready[1]);
	close(o->go[0]);
	ASSERT_EQ('r', mx_await_fd(o->ready[0]));

	ASSERT_EQ(0, mx_set_param("slice_size", 4096));
	ASSERT_EQ(0, mx_seg_reg1(self->fd, mx_name(name, sizeof(name), "loc"),
				 local, len, MCTE_ACCESS_NONE, &hl));
	ASSERT_EQ(0, mx_seg_open(self->fd, o->name, MCTE_ACCESS_RW, &h, NULL,
				 NULL));
	ASSERT_EQ(0, mx_batch_alloc(self->fd, N, &id));
	for (i = 0; i < N; i++)
		mx_req(&r[i], i % 4 ? MCTE_OP_WRITE : MCTE_OP_READ, hl,
		       i * 131072, h, i * 131072, 131072, id, i);
	ASSERT_EQ(0, mx_set_delay(20));
	ASSERT_EQ(0, mx_submit(self->fd, r, N, NULL, NULL));
	usleep(50000);
	if (kill_it) {
		ASSERT_EQ(0, kill(pid, SIGKILL));
		EXPECT_EQ(128 + SIGKILL, mx_wait_child(pid));
	} else {
		mx_signal_fd(o->go[1], 'u');
		ASSERT_EQ('u', mx_await_fd(o->ready[0]));
		/* What the owner has once unregistering returned. */
		memcpy(snap, o->mem, len);
	}
	/* New requests are refused at once (in a batch with room). */
	ASSERT_EQ(0, mx_batch_alloc(self->fd, 1, &id2));
	r[0].batch_id = id2;
	EXPECT_EQ(-ENODEV, mx_submit(self->fd, r, 1, NULL, NULL));
	EXPECT_EQ(0, mx_batch_free(self->fd, id2));
	ASSERT_EQ(0, mx_wait_batch(self->fd, id, 60000, NULL));
	ASSERT_EQ(0, mx_status(self->fd, id, st, N, &nr, NULL, NULL));
	ASSERT_EQ(N, nr);
	for (i = 0; i < N; i++) {
		if (st[i].state == MCTE_XFER_FAILED) {
			EXPECT_EQ(-ENODEV, st[i].res) TH_LOG("req %u", i);
		} else {
			EXPECT_EQ(MCTE_XFER_COMPLETED, st[i].state)
				TH_LOG("req %u: %s", i, mx_state_name(st[i].state));
			EXPECT_EQ(131072, st[i].bytes);
		}
	}
	/*
	 * Slices copying when unregistering returned may still land (the
	 * pages stay pinned until they are done), slices not started may
	 * not: at most one slice per transport worker (at most 16) changes.
	 */
	if (!kill_it) {
		size_t changed = 0, k;

		for (k = 0; k < len; k += 4096)
			changed += !!memcmp(snap + k, o->mem + k, 4096);
		ksft_print_msg("%zu slices landed after unregistering returned\n",
			       changed);
		EXPECT_GE(16, changed);
	}
	/* Once ended, nothing more lands in the owner's memory. */
	memcpy(snap, o->mem, len);
	usleep(200000);
	EXPECT_EQ(-1, mx_diff(snap, o->mem, len));
	/* A completed request made both sides equal in its range. */
	for (i = 0; i < N; i++) {
		if (st[i].state != MCTE_XFER_COMPLETED)
			continue;
		EXPECT_EQ(-1, mx_diff(o->mem + i * 131072, local + i * 131072,
				      131072)) TH_LOG("req %u", i);
	}
	EXPECT_EQ(0, mx_seg_close(self->fd, h));
	if (!kill_it) {
		mx_signal_fd(o->go[1], 'd');
		EXPECT_EQ(0, mx_wait_child(pid));
	}
	close(o->ready[0]);
	close(o->go[1]);
	ASSERT_EQ(0, mx_set_delay(0));
	EXPECT_EQ(0, mx_batch_free(self->fd, id));
	EXPECT_EQ(0, mx_seg_unreg(self->fd, hl));
	mx_free(o->mem, len);
	mx_free(o, sizeof(*o));
	mx_free(local, len);
	free(snap);
}

TEST_F_TIMEOUT(lt, target_unregistered_in_flight, 90)
{
	target_goes(_metadata, self, false);
}

TEST_F_TIMEOUT(lt, target_owner_killed_in_flight, 90)
{
	target_goes(_metadata, self, true);
}

/*
 * The owner unregisters its own segment while its requests use it as the
 * local side: those not started fail with -ENODEV, none is left hanging.
 */
TEST_F_TIMEOUT(lt, local_unregistered_in_flight, 60)
{
	enum { N = 8 };
	const size_t len = N * 65536;
	char *a = mx_alloc(len), *b = mx_alloc(len);
	char name[MCTE_SEG_NAME_MAX];
	struct mcte_xfer_status st[N];
	struct mcte_xfer_req r[N];
	__u32 ha, hb, id, nr, i, failed = 0;

	ASSERT_TRUE(a && b);
	ASSERT_EQ(0, mx_set_param("slice_size", 4096));
	ASSERT_EQ(0, mx_seg_reg1(self->fd, mx_name(name, sizeof(name), "lu"),
				 a, len, MCTE_ACCESS_NONE, &ha));
	ASSERT_EQ(0, mx_seg_reg1(self->fd, mx_name(name, sizeof(name), "lu"),
				 b, len, MCTE_ACCESS_NONE, &hb));
	ASSERT_EQ(0, mx_batch_alloc(self->fd, N, &id));
	for (i = 0; i < N; i++)
		mx_req(&r[i], i & 1, ha, i * 65536, hb, i * 65536, 65536, id, i);
	ASSERT_EQ(0, mx_set_delay(50));
	ASSERT_EQ(0, mx_submit(self->fd, r, N, NULL, NULL));
	ASSERT_EQ(0, mx_seg_unreg(self->fd, ha));
	ASSERT_EQ(0, mx_wait_batch(self->fd, id, 20000, NULL));
	ASSERT_EQ(0, mx_status(self->fd, id, st, N, &nr, NULL, NULL));
	for (i = 0; i < N; i++) {
		if (st[i].state == MCTE_XFER_FAILED) {
			failed++;
			EXPECT_EQ(-ENODEV, st[i].res);
		} else {
			EXPECT_EQ(MCTE_XFER_COMPLETED, st[i].state);
		}
	}
	EXPECT_LT(0, failed);
	/* The handle is gone: new requests name no segment. */
	r[0].batch_id = id;
	ASSERT_EQ(0, mx_batch_free(self->fd, id));
	ASSERT_EQ(0, mx_batch_alloc(self->fd, 1, &id));
	r[0].batch_id = id;
	EXPECT_EQ(-EBADF, mx_submit(self->fd, r, 1, NULL, NULL));
	mx_free(a, len);
	mx_free(b, len);
}

/*
 * fork() after registration: the pinned pages stay the parent's (the
 * child gets copies), in both directions.
 */
TEST_F(lt, fork_after_register)
{
	const size_t len = 64 * 4096;
	char *buf = mx_alloc(len), *other = mx_alloc(len);
	char name[MCTE_SEG_NAME_MAX];
	struct mcte_cqe cqe;
	__u32 hb, ho;
	pid_t pid;

	ASSERT_TRUE(buf && other);
	memset(buf, 1, len);
	memset(other, 2, len);
	ASSERT_EQ(0, mx_seg_reg1(self->fd, mx_name(name, sizeof(name), "fk"),
				 buf, len, MCTE_ACCESS_NONE, &hb));
	ASSERT_EQ(0, mx_seg_reg1(self->fd, mx_name(name, sizeof(name), "fk"),
				 other, len, MCTE_ACCESS_NONE, &ho));
	fflush(NULL);
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		memset(buf, 9, len);	/* the child's copy */
		_exit(0);
	}
	ASSERT_EQ(0, mx_wait_child(pid));
	ASSERT_EQ(1, buf[0]);
	/* Into the registered buffer: the parent sees it. */
	ASSERT_EQ(0, mx_xfer_sync(self->fd, MCTE_OP_READ, hb, 0, ho, 0, len,
				  10000, &cqe));
	EXPECT_EQ(len, cqe.res);
	EXPECT_EQ(2, buf[0]);
	EXPECT_EQ(2, buf[len - 1]);
	/* From it: what the parent wrote after the fork. */
	memset(buf, 3, len);
	ASSERT_EQ(0, mx_xfer_sync(self->fd, MCTE_OP_WRITE, hb, 0, ho, 0, len,
				  10000, &cqe));
	EXPECT_EQ(3, other[0]);
	EXPECT_EQ(3, other[len - 1]);
	mx_free(buf, len);
	mx_free(other, len);
}

/* munmap() of registered memory: the pages stay pinned, nothing breaks. */
TEST_F(lt, munmap_registered)
{
	const size_t len = 16 * 4096;
	char *buf = mx_alloc(len), *other = mx_alloc(len);
	char name[MCTE_SEG_NAME_MAX];
	struct mcte_cqe cqe;
	__u32 hb, ho;

	ASSERT_TRUE(buf && other);
	memset(buf, 5, len);
	memset(other, 6, len);
	ASSERT_EQ(0, mx_seg_reg1(self->fd, mx_name(name, sizeof(name), "mu"),
				 buf, len, MCTE_ACCESS_NONE, &hb));
	ASSERT_EQ(0, mx_seg_reg1(self->fd, mx_name(name, sizeof(name), "mu"),
				 other, len, MCTE_ACCESS_NONE, &ho));
	mx_free(buf, len);
	/* Its old contents are still what the segment holds. */
	ASSERT_EQ(0, mx_xfer_sync(self->fd, MCTE_OP_READ, ho, 0, hb, 0, len,
				  10000, &cqe));
	EXPECT_EQ(len, cqe.res);
	EXPECT_EQ(5, other[0]);
	EXPECT_EQ(5, other[len - 1]);
	ASSERT_EQ(0, mx_xfer_sync(self->fd, MCTE_OP_WRITE, ho, 7, hb, 3, 100,
				  10000, &cqe));
	EXPECT_EQ(100, cqe.res);
	EXPECT_EQ(0, mx_seg_unreg(self->fd, hb));
	mx_free(other, len);
}

/* Eight threads on one file, each with its own part of two segments. */
#define TH_N		8
#define TH_PART		(512 * 1024)
#define TH_ITERS	40

struct th_ctx {
	int fd;
	__u32 ha, hb;
	unsigned char *a, *b;
	unsigned int idx;
	unsigned int ioctl_reqs;
	char err[160];
};

static void *thread_fn(void *arg)
{
	struct th_ctx *c = arg;
	struct mx_rng rng = { 0x7700 + c->idx };
	size_t base = c->idx * TH_PART;
	struct io_uring ring;
	__u32 id = 0, used = 64, i;
	int ret;

	if (mx_ring_init(&ring, 8, IORING_SETUP_SQE128)) {
		snprintf(c->err, sizeof(c->err), "ring setup");
		return NULL;
	}
	for (i = 0; i < TH_ITERS; i++) {
		__u64 len = mx_rand_len(&rng, TH_PART / 2);
		__u64 lo = base + mx_rand_below(&rng, TH_PART - len + 1);
		__u64 to = base + mx_rand_below(&rng, TH_PART - len + 1);
		__u8 op = mx_rand_below(&rng, 2);
		unsigned char *src = op == MCTE_OP_READ ? c->b + to : c->a + lo;
		unsigned char *dst = op == MCTE_OP_READ ? c->a + lo : c->b + to;
		struct mcte_xfer_req r;
		__u32 state = ~0U;
		int res = 0;

		mx_fill_rand(src, len, &rng);
		if (used == 64) {
			if (id && mx_batch_free(c->fd, id)) {
				snprintf(c->err, sizeof(c->err), "free");
				break;
			}
			if (mx_batch_alloc(c->fd, 64, &id)) {
				snprintf(c->err, sizeof(c->err), "alloc");
				break;
			}
			used = 0;
		}
		used++;
		mx_req(&r, op, c->ha, lo, c->hb, to, len, id, i);
		if (i & 1) {
			ret = mx_uring_xfer(&ring, c->fd, &r, &res);
			if (ret || res != (int)len) {
				snprintf(c->err, sizeof(c->err),
					 "uring %u: %d res %d", i, ret, res);
				break;
			}
		} else {
			ret = mx_submit(c->fd, &r, 1, NULL, NULL);
			if (!ret)
				ret = mx_wait_batch(c->fd, id, 60000, &state);
			if (ret || state != MCTE_XFER_COMPLETED) {
				snprintf(c->err, sizeof(c->err),
					 "ioctl %u: %d state %u", i, ret, state);
				break;
			}
			c->ioctl_reqs++;
		}
		if (memcmp(src, dst, len)) {
			snprintf(c->err, sizeof(c->err),
				 "%u: data differs at %ld (len %llu)", i,
				 mx_diff(src, dst, len), (unsigned long long)len);
			break;
		}
	}
	io_uring_queue_exit(&ring);
	return NULL;
}

TEST_F_TIMEOUT(lt, threads_one_file, 120)
{
	const size_t len = TH_N * TH_PART;
	unsigned char *a = mx_alloc(len), *b = mx_alloc(len);
	char name[MCTE_SEG_NAME_MAX];
	struct th_ctx c[TH_N];
	pthread_t th[TH_N];
	struct mcte_cqe *cqes;
	unsigned int i, total = 0;
	__u32 ha, hb, got;

	ASSERT_TRUE(a && b);
	cqes = calloc(TH_N * TH_ITERS, sizeof(*cqes));
	ASSERT_EQ(0, mx_seg_reg1(self->fd, mx_name(name, sizeof(name), "th"),
				 a, len, MCTE_ACCESS_NONE, &ha));
	ASSERT_EQ(0, mx_seg_reg1(self->fd, mx_name(name, sizeof(name), "th"),
				 b, len, MCTE_ACCESS_NONE, &hb));
	for (i = 0; i < TH_N; i++) {
		c[i] = (struct th_ctx){ .fd = self->fd, .ha = ha, .hb = hb,
					.a = a, .b = b, .idx = i };
		ASSERT_EQ(0, pthread_create(&th[i], NULL, thread_fn, &c[i]));
	}
	for (i = 0; i < TH_N; i++) {
		pthread_join(th[i], NULL);
		EXPECT_STREQ("", c[i].err) TH_LOG("thread %u", i);
		total += c[i].ioctl_reqs;
	}
	/* One completion queued per ioctl request, none per io_uring one. */
	ASSERT_EQ(0, mx_reap(self->fd, cqes, TH_N * TH_ITERS, total, 10000,
			     &got));
	EXPECT_EQ(total, got);
	EXPECT_EQ(-ETIME, mx_reap(self->fd, cqes, 1, 1, 20, &got));
	free(cqes);
}

/* Four processes, each in its own quarter of one target of ours. */
#define PR_N		4
#define PR_PART		(2 * 1024 * 1024)

struct pr_arg {
	char name[MCTE_SEG_NAME_MAX];
	unsigned char *target;	/* shared */
	unsigned int idx;
};

static int proc_fn(void *varg, struct mx_report *rep)
{
	struct pr_arg *p = varg;
	struct mx_rng rng = { 0x9900 + p->idx };
	unsigned char *local = mx_alloc(PR_PART);
	char name[MCTE_SEG_NAME_MAX];
	size_t base = p->idx * PR_PART;
	__u32 hl, ht, id, i;
	int fd = mx_open();

	MX_CK(rep, 1, fd >= 0 && local != NULL);
	MX_CK(rep, 0, mx_seg_reg1(fd, mx_name(name, sizeof(name), "pr"), local,
				  PR_PART, MCTE_ACCESS_NONE, &hl));
	MX_CK(rep, 0, mx_seg_open(fd, p->name, MCTE_ACCESS_RW, &ht, NULL,
				  NULL));
	MX_CK(rep, 0, mx_batch_alloc(fd, 1024, &id));
	for (i = 0; i < 30; i++) {
		__u64 len = mx_rand_len(&rng, PR_PART / 2);
		__u64 lo = mx_rand_below(&rng, PR_PART - len + 1);
		__u64 to = base + mx_rand_below(&rng, PR_PART - len + 1);
		__u8 op = mx_rand_below(&rng, 2);
		unsigned char *src = op == MCTE_OP_READ ? p->target + to : local + lo;
		unsigned char *dst = op == MCTE_OP_READ ? local + lo : p->target + to;
		struct mcte_xfer_req r;
		struct mcte_cqe cqe;

		mx_fill_rand(src, len, &rng);
		mx_req(&r, op, hl, lo, ht, to, len, id, i);
		MX_CK(rep, 0, mx_submit(fd, &r, 1, NULL, NULL));
		MX_CK(rep, 0, mx_reap_n(fd, &cqe, 1, 60000));
		MX_CK(rep, len, cqe.res);
		MX_CK(rep, i, cqe.user_data);
		MX_CK(rep, -1, mx_diff(src, dst, len));
	}
	close(fd);
	return 0;
}

static int run_proc(void *varg)
{
	struct mx_report rep = { 0 };
	int ret = proc_fn(varg, &rep);

	if (ret)
		fprintf(stderr, "# process %u: %s: got %lld, want %lld (line %d)\n",
			((struct pr_arg *)varg)->idx, rep.what, rep.got,
			rep.want, rep.line);
	return ret;
}

TEST_F_TIMEOUT(lt, processes_one_target, 120)
{
	const size_t len = PR_N * PR_PART;
	unsigned char *t = mx_alloc_shared(len);
	char name[MCTE_SEG_NAME_MAX];
	struct pr_arg args[PR_N];
	pid_t pids[PR_N];
	unsigned int i;
	__u32 ht;

	ASSERT_NE(NULL, t);
	mx_name(name, sizeof(name), "shared");
	ASSERT_EQ(0, mx_seg_reg1(self->fd, name, t, len, MCTE_ACCESS_RW, &ht));
	fflush(NULL);
	for (i = 0; i < PR_N; i++) {
		args[i] = (struct pr_arg){ .target = t, .idx = i };
		strcpy(args[i].name, name);
		pids[i] = fork();
		ASSERT_LE(0, pids[i]);
		if (pids[i] == 0)
			_exit(run_proc(&args[i]));
	}
	for (i = 0; i < PR_N; i++)
		EXPECT_EQ(0, mx_wait_child(pids[i])) TH_LOG("process %u", i);
	EXPECT_EQ(0, mx_seg_unreg(self->fd, ht));
	mx_free(t, len);
}

/* Many files with work in flight, closed in a scrambled order. */
TEST_F_TIMEOUT(lt, many_files, 60)
{
	enum { N = 48 };
	char *mem = mx_alloc(N * 65536);
	char name[MCTE_SEG_NAME_MAX];
	struct mcte_xfer_req r;
	int fds[N], i;
	__u32 h, id;

	ASSERT_NE(NULL, mem);
	ASSERT_EQ(0, mx_set_delay(5));
	for (i = 0; i < N; i++) {
		fds[i] = mx_open();
		ASSERT_LE(0, fds[i]);
		ASSERT_EQ(0, mx_seg_reg1(fds[i], mx_name(name, sizeof(name), "mf"),
					 mem + i * 65536, 65536,
					 MCTE_ACCESS_NONE, &h));
		ASSERT_EQ(0, mx_batch_alloc(fds[i], 4, &id));
		mx_req(&r, MCTE_OP_WRITE, h, 0, h, 32768, 32768, id, i);
		ASSERT_EQ(0, mx_submit(fds[i], &r, 1, NULL, NULL));
	}
	for (i = 0; i < N; i++)
		close(fds[(i * 7) % N]);
	EXPECT_EQ(0, mx_wait_refcnt(self->refcnt0 + 1, 30000));
	mx_free(mem, N * 65536);
}

TEST_HARNESS_MAIN
