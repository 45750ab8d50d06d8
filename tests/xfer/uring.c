// SPDX-License-Identifier: GPL-2.0
/*
 * io_uring specifics (Documentation/abi.rst, "io_uring"): SQE128 rings
 * only, the command number, SQE fields the command does not use, errors
 * as CQE results, many commands in one submit, SQPOLL, IOSQE_ASYNC and
 * fixed files, and ioctl- and io_uring-submitted requests in one batch
 * (only the former are reaped through MCTE_IOC_REAP).
 */
#define MX_WITH_URING
#include <sys/utsname.h>

#include "kselftest_harness.h"
#include "mcte_test.h"
#include "mcte_xfer.h"

#define SEG_SIZE	(4 << 20)

FIXTURE(ur) {
	int fd;
	unsigned char *a, *b, *ref;
	__u32 ha, hb, id;
	struct io_uring ring;
	bool ring_ok;
	long slice_param;
};

FIXTURE_SETUP(ur)
{
	char name[MCTE_SEG_NAME_MAX];
	struct mx_rng r = { 7 };

	self->fd = mx_open();
	ASSERT_LE(0, self->fd);
	MX_REQUIRE(self->fd, MX_FEAT_XFER | MCTE_FEAT_URING_CMD);
	self->slice_param = mx_get_param("slice_size");
	self->a = mx_alloc(SEG_SIZE);
	self->b = mx_alloc(SEG_SIZE);
	self->ref = malloc(SEG_SIZE);
	ASSERT_TRUE(self->a && self->b && self->ref);
	mx_fill_rand(self->a, SEG_SIZE, &r);
	mx_fill_rand(self->b, SEG_SIZE, &r);
	memcpy(self->ref, self->b, SEG_SIZE);
	ASSERT_EQ(0, mx_seg_reg1(self->fd, mx_name(name, sizeof(name), "a"),
				 self->a, SEG_SIZE, MCTE_ACCESS_NONE, &self->ha));
	ASSERT_EQ(0, mx_seg_reg1(self->fd, mx_name(name, sizeof(name), "b"),
				 self->b, SEG_SIZE, MCTE_ACCESS_NONE, &self->hb));
	ASSERT_EQ(0, mx_batch_alloc(self->fd, MCTE_BATCH_MAX, &self->id));
	ASSERT_EQ(0, mx_ring_init(&self->ring, 256, IORING_SETUP_SQE128));
	self->ring_ok = true;
	mx_set_delay(0);
}

FIXTURE_TEARDOWN(ur)
{
	mx_set_delay(0);
	if (self->slice_param > 0)
		mx_set_param("slice_size", self->slice_param);
	if (self->ring_ok)
		io_uring_queue_exit(&self->ring);
	close(self->fd);
}

/* Requests in the batch so far. */
static __u32 batch_nr(FIXTURE_DATA(ur) *self, __u32 id)
{
	__u32 nr = ~0U;

	mx_status(self->fd, id, NULL, 0, &nr, NULL, NULL);
	return nr;
}

/* Submit one prepared SQE (already in the ring) and return its CQE res. */
static int one_cqe(struct __test_metadata *_metadata, struct io_uring *ring,
		   __u64 ud)
{
	struct io_uring_cqe *cqe;
	int res;

	EXPECT_EQ(1, io_uring_submit_and_wait(ring, 1));
	EXPECT_EQ(0, io_uring_wait_cqe(ring, &cqe));
	EXPECT_EQ(ud, cqe->user_data);
	res = cqe->res;
	io_uring_cqe_seen(ring, cqe);
	return res;
}

TEST_F(ur, basic)
{
	struct mcte_xfer_status st;
	struct mcte_xfer_req r;
	struct mcte_cqe c;
	__u32 nr, got;
	int res;

	mx_req(&r, MCTE_OP_WRITE, self->ha, 1, self->hb, 4095, 100001,
	       self->id, 0x1234);
	ASSERT_EQ(0, mx_uring_xfer(&self->ring, self->fd, &r, &res));
	EXPECT_EQ(100001, res);
	EXPECT_EQ(0, memcmp(self->b + 4095, self->a + 1, 100001));
	EXPECT_EQ(0, memcmp(self->b, self->ref, 4095));
	EXPECT_EQ(0, memcmp(self->b + 4095 + 100001, self->ref + 4095 + 100001,
			    SEG_SIZE - 4095 - 100001));
	/* In the batch like any request, not in the reap queue. */
	ASSERT_EQ(0, mx_status(self->fd, self->id, &st, 1, &nr, NULL, NULL));
	EXPECT_EQ(1, nr);
	EXPECT_EQ(0x1234, st.user_data);
	EXPECT_EQ(100001, st.bytes);
	EXPECT_EQ(MCTE_XFER_COMPLETED, st.state);
	EXPECT_EQ(-ETIME, mx_reap(self->fd, &c, 1, 1, 50, &got));

	/* READ back the other way. */
	memset(self->a, 0, 100001);
	mx_req(&r, MCTE_OP_READ, self->ha, 0, self->hb, 4095, 100001,
	       self->id, 0x1235);
	ASSERT_EQ(0, mx_uring_xfer(&self->ring, self->fd, &r, &res));
	EXPECT_EQ(100001, res);
	EXPECT_EQ(0, memcmp(self->a, self->b + 4095, 100001));
}

TEST_F(ur, no_sqe128)
{
	struct io_uring small;
	struct io_uring_sqe *sqe;
	struct mcte_xfer_req r;

	ASSERT_EQ(0, mx_ring_init(&small, 8, 0));
	mx_req(&r, MCTE_OP_WRITE, self->ha, 0, self->hb, 0, 4096, self->id, 1);
	sqe = io_uring_get_sqe(&small);
	ASSERT_NE(NULL, sqe);
	mx_prep_xfer(&small, sqe, self->fd, &r, 77);
	EXPECT_EQ(-EINVAL, one_cqe(_metadata, &small, 77));
	io_uring_queue_exit(&small);
	EXPECT_EQ(0, batch_nr(self, self->id));
	EXPECT_EQ(0, memcmp(self->b, self->ref, SEG_SIZE));
}

TEST_F(ur, cmd_op)
{
	const __u32 ops[] = { 0, 2, 0xff, 0x100 | MCTE_URING_CMD_XFER,
			      0x80000001, 0xffffffff };
	struct io_uring_sqe *sqe;
	struct mcte_xfer_req r;
	unsigned int i;
	int res;

	mx_req(&r, MCTE_OP_WRITE, self->ha, 0, self->hb, 0, 4096, self->id, 1);
	for (i = 0; i < MX_ARRAY_SIZE(ops); i++) {
		sqe = io_uring_get_sqe(&self->ring);
		ASSERT_NE(NULL, sqe);
		mx_prep_xfer(&self->ring, sqe, self->fd, &r, i);
		sqe->cmd_op = ops[i];
		res = one_cqe(_metadata, &self->ring, i);
		EXPECT_GT(0, res) TH_LOG("cmd_op %#x: res %d", ops[i], res);
		EXPECT_NE(-EFAULT, res);
	}
	EXPECT_EQ(0, batch_nr(self, self->id));
	EXPECT_EQ(0, memcmp(self->b, self->ref, SEG_SIZE));
}

/*
 * Whether io_uring hands the module the whole SQE of a command issued
 * from io-wq: it copies only the command area before 6.8 (the kernels
 * without <linux/io_uring/cmd.h>), so the other fields cannot be checked
 * there (Documentation/abi.rst, "io_uring").
 */
static bool whole_sqe_when_async(void)
{
	struct utsname u;
	int major = 0, minor = 0;

	if (uname(&u) || sscanf(u.release, "%d.%d", &major, &minor) != 2)
		return true;
	return major > 6 || (major == 6 && minor >= 8);
}

/*
 * Every SQE field the command does not use, one at a time; issued inline
 * and, with IOSQE_ASYNC, from io-wq (where io_uring copies the SQE).
 */
static void unused_sqe_fields(struct __test_metadata *_metadata,
			      FIXTURE_DATA(ur) *self, unsigned int sqe_flags)
{
	struct io_uring_sqe *sqe;
	struct mcte_xfer_req r;
	unsigned int i;
	int res;

	mx_req(&r, MCTE_OP_WRITE, self->ha, 0, self->hb, 0, 4096, self->id, 1);
	for (i = 0; i < 9; i++) {
		const char *what = "?";

		sqe = io_uring_get_sqe(&self->ring);
		ASSERT_NE(NULL, sqe);
		mx_prep_xfer(&self->ring, sqe, self->fd, &r, 100 + i);
		switch (i) {
		case 0:
			sqe->addr = 0x1000;
			what = "addr";
			break;
		case 1:
			sqe->len = 1;
			what = "len";
			break;
		case 2:
			sqe->ioprio = 1;
			what = "ioprio";
			break;
		case 3:
			sqe->buf_index = 1;
			what = "buf_index";
			break;
		case 4:
			sqe->file_index = 1;
			what = "file_index";
			break;
		case 5:
			sqe->uring_cmd_flags = 0x80000000;
			what = "uring_cmd_flags";
			break;
		case 6:
			sqe->__pad1 = 1;
			what = "__pad1";
			break;
		case 7:
			/* The command area past the request. */
			sqe->cmd[sizeof(r)] = 1;
			what = "cmd area byte 64";
			break;
		case 8:
			sqe->cmd[80 - 1] = 0x80;
			what = "cmd area byte 79";
			break;
		}
		sqe->flags |= sqe_flags;
		res = one_cqe(_metadata, &self->ring, 100 + i);
		if (sqe_flags && !whole_sqe_when_async() && i != 2 && i < 5) {
			/* Out of the module's sight: refused or done. */
			EXPECT_TRUE(res == -EINVAL || res == 4096)
				TH_LOG("%s, IOSQE_ASYNC: %d", what, res);
			if (res == 4096)
				ksft_print_msg("%s, IOSQE_ASYNC: not checked by this kernel\n",
					       what);
			continue;
		}
		EXPECT_EQ(-EINVAL, res) TH_LOG("%s%s", what,
					       sqe_flags ? ", IOSQE_ASYNC" : "");
	}
	if (!sqe_flags || whole_sqe_when_async()) {
		EXPECT_EQ(0, batch_nr(self, self->id));
		EXPECT_EQ(0, memcmp(self->b, self->ref, SEG_SIZE));
	}
	/* And with all of them zero it works. */
	sqe = io_uring_get_sqe(&self->ring);
	mx_prep_xfer(&self->ring, sqe, self->fd, &r, 200);
	sqe->flags |= sqe_flags;
	EXPECT_EQ(4096, one_cqe(_metadata, &self->ring, 200));
}

TEST_F(ur, unused_sqe_fields)
{
	unused_sqe_fields(_metadata, self, 0);
}

TEST_F(ur, unused_sqe_fields_async)
{
	unused_sqe_fields(_metadata, self, IOSQE_ASYNC);
}

/* The request is checked as through the ioctl; errors are CQE results. */
TEST_F(ur, request_errors)
{
	struct io_uring_sqe *sqe;
	struct mcte_xfer_req r;
	__u32 full, i;
	const struct {
		const char *what;
		int err;
	} cases[] = {
		{ "opcode", -EINVAL },
		{ "flags", -EINVAL },
		{ "resv2", -EINVAL },
		{ "length 0", -EINVAL },
		{ "length MCTE_XFER_MAX + 1", -E2BIG },
		{ "length over the CQE's int", -E2BIG },
		{ "length 4 GiB", -E2BIG },
		{ "length INT_MAX, beyond the segment", -ERANGE },
		{ "batch unknown", -ENOENT },
		{ "batch full", -ENOSPC },
		{ "local bogus", -EBADF },
		{ "target bogus", -EBADF },
		{ "beyond the segment", -ERANGE },
	};

	ASSERT_EQ(0, mx_batch_alloc(self->fd, 1, &full));
	mx_req(&r, MCTE_OP_WRITE, self->ha, 0, self->hb, 0, 1, full, 1);
	ASSERT_EQ(0, mx_submit(self->fd, &r, 1, NULL, NULL));
	for (i = 0; i < MX_ARRAY_SIZE(cases); i++) {
		mx_req(&r, MCTE_OP_WRITE, self->ha, 0, self->hb, 0, 4096,
		       self->id, i);
		switch (i) {
		case 0:
			r.opcode = 9;
			break;
		case 1:
			r.flags = 0x40;
			break;
		case 2:
			r.resv2 = 1;
			break;
		case 3:
			r.length = 0;
			break;
		case 4:
			r.length = MCTE_XFER_MAX + 1;
			break;
		case 5:
			r.length = 1ULL << 31;
			break;
		case 6:
			r.length = 1ULL << 32;
			break;
		case 7:
			r.length = 0x7fffffff;
			break;
		case 8:
			r.batch_id = 0x7ffffff0;
			break;
		case 9:
			r.batch_id = full;
			break;
		case 10:
			r.local_seg = 0xfffffff0;
			break;
		case 11:
			r.target_seg = 0;
			break;
		case 12:
			r.target_off = SEG_SIZE - 4095;
			break;
		}
		sqe = io_uring_get_sqe(&self->ring);
		ASSERT_NE(NULL, sqe);
		mx_prep_xfer(&self->ring, sqe, self->fd, &r, 300 + i);
		EXPECT_EQ(cases[i].err, one_cqe(_metadata, &self->ring, 300 + i))
			TH_LOG("%s", cases[i].what);
	}
	EXPECT_EQ(0, batch_nr(self, self->id));
	EXPECT_EQ(1, batch_nr(self, full));
	EXPECT_EQ(0, mx_wait_batch(self->fd, full, 10000, NULL));
	memcpy(self->ref, self->b, SEG_SIZE);
	usleep(10000);
	EXPECT_EQ(0, memcmp(self->b, self->ref, SEG_SIZE));
}

/* @n requests into disjoint chunks, all in one submit, then checked. */
static void many(struct __test_metadata *_metadata, FIXTURE_DATA(ur) *self,
		 struct io_uring *ring, unsigned int n, unsigned int sqe_flags,
		 int fd_or_index, bool wait_in_submit)
{
	const size_t chunk = SEG_SIZE / n;
	struct mx_rng rng = { n + sqe_flags };
	struct mcte_xfer_req *r = calloc(n, sizeof(*r));
	bool *seen = calloc(n, sizeof(*seen));
	unsigned int i;
	int ret;

	ASSERT_TRUE(r && seen);
	mx_fill_rand(self->a, SEG_SIZE, &rng);
	for (i = 0; i < n; i++) {
		struct io_uring_sqe *sqe = io_uring_get_sqe(ring);
		__u64 len = 1 + mx_rand_below(&rng, chunk);
		__u64 off = i * chunk + mx_rand_below(&rng, chunk - len + 1);

		ASSERT_NE(NULL, sqe);
		mx_req(&r[i], MCTE_OP_WRITE, self->ha, off, self->hb, off, len,
		       self->id, i);
		mx_prep_xfer(ring, sqe, fd_or_index, &r[i], 0x9000 + i);
		sqe->flags |= sqe_flags;
	}
	if (wait_in_submit) {
		ASSERT_EQ(n, io_uring_submit_and_wait(ring, n));
	} else {
		ret = io_uring_submit(ring);
		ASSERT_EQ(n, ret);
	}
	for (i = 0; i < n; i++) {
		struct io_uring_cqe *cqe;
		unsigned int k;

		ASSERT_EQ(0, io_uring_wait_cqe(ring, &cqe));
		k = cqe->user_data - 0x9000;
		ASSERT_GT(n, k);
		EXPECT_FALSE(seen[k]);
		seen[k] = true;
		EXPECT_EQ((int)r[k].length, cqe->res) TH_LOG("request %u", k);
		io_uring_cqe_seen(ring, cqe);
	}
	for (i = 0; i < n; i++)
		ASSERT_EQ(0, memcmp(self->b + r[i].target_off,
				    self->a + r[i].local_off, r[i].length))
			TH_LOG("request %u", i);
	free(r);
	free(seen);
}

TEST_F(ur, many_in_one_submit)
{
	many(_metadata, self, &self->ring, 128, 0, self->fd, true);
	many(_metadata, self, &self->ring, 256, 0, self->fd, false);
}

TEST_F(ur, sqpoll)
{
	struct io_uring ring;

	ASSERT_EQ(0, mx_ring_init(&ring, 128,
				  IORING_SETUP_SQE128 | IORING_SETUP_SQPOLL));
	many(_metadata, self, &ring, 64, 0, self->fd, false);
	many(_metadata, self, &ring, 128, 0, self->fd, true);
	io_uring_queue_exit(&ring);
}

TEST_F(ur, async_and_fixed_file)
{
	int fds[1] = { self->fd };

	/* Forced to io-wq: the blocking issue path. */
	many(_metadata, self, &self->ring, 32, IOSQE_ASYNC, self->fd, true);
	ASSERT_EQ(0, io_uring_register_files(&self->ring, fds, 1));
	many(_metadata, self, &self->ring, 32, IOSQE_FIXED_FILE, 0, true);
	many(_metadata, self, &self->ring, 32, IOSQE_FIXED_FILE | IOSQE_ASYNC,
	     0, true);
	io_uring_unregister_files(&self->ring);
}

/* One batch, requests from both paths; the reap queue has the ioctl ones. */
TEST_F(ur, mixed_with_ioctl)
{
	struct mcte_xfer_status st[8];
	struct mcte_xfer_req r[8];
	struct mcte_cqe c[8];
	__u32 id, nr, state, got, i;
	__u64 bytes, total = 0;

	ASSERT_EQ(0, mx_batch_alloc(self->fd, 8, &id));
	for (i = 0; i < 8; i++) {
		mx_req(&r[i], i & 1, self->ha, i * 500000, self->hb,
		       i * 500000 + 3, 1000 * (i + 1), id, 0x700 + i);
		total += r[i].length;
	}
	/* Odd ones through io_uring, even ones through the ioctl. */
	for (i = 1; i < 8; i += 2) {
		struct io_uring_sqe *sqe = io_uring_get_sqe(&self->ring);

		mx_prep_xfer(&self->ring, sqe, self->fd, &r[i], 0x800 + i);
	}
	ASSERT_EQ(4, io_uring_submit(&self->ring));
	for (i = 0; i < 8; i += 2)
		ASSERT_EQ(0, mx_submit(self->fd, &r[i], 1, NULL, NULL));
	for (i = 0; i < 4; i++) {
		struct io_uring_cqe *cqe;
		unsigned int k;

		ASSERT_EQ(0, io_uring_wait_cqe(&self->ring, &cqe));
		k = cqe->user_data - 0x800;
		ASSERT_TRUE(k < 8 && (k & 1));
		EXPECT_EQ((int)r[k].length, cqe->res);
		io_uring_cqe_seen(&self->ring, cqe);
	}
	ASSERT_EQ(0, mx_wait_batch(self->fd, id, 10000, &state));
	EXPECT_EQ(MCTE_XFER_COMPLETED, state);
	ASSERT_EQ(0, mx_status(self->fd, id, st, 8, &nr, &state, &bytes));
	EXPECT_EQ(8, nr);
	EXPECT_EQ(total, bytes);
	for (i = 0; i < 8; i++)
		EXPECT_EQ(MCTE_XFER_COMPLETED, st[i].state);
	ASSERT_EQ(0, mx_reap(self->fd, c, 8, 4, 5000, &got));
	EXPECT_EQ(4, got);
	for (i = 0; i < got; i++) {
		EXPECT_EQ(0, (c[i].user_data - 0x700) & 1);
		EXPECT_EQ(r[c[i].user_data - 0x700].length, c[i].res);
	}
	EXPECT_EQ(-ETIME, mx_reap(self->fd, c, 8, 1, 50, &got));
	for (i = 0; i < 8; i++) {
		unsigned char *dst = i & 1 ? self->a + r[i].local_off :
				     self->b + r[i].target_off;
		unsigned char *src = i & 1 ? self->b + r[i].target_off :
				     self->a + r[i].local_off;

		EXPECT_EQ(0, memcmp(dst, src, r[i].length)) TH_LOG("req %u", i);
	}
}

/* Canceled and timed-out commands complete with -ECANCELED/-ETIMEDOUT. */
TEST_F_TIMEOUT(ur, cancel_and_timeout, 60)
{
	enum { N = 8 };
	struct mcte_xfer_req r[N + 1];
	struct io_uring_sqe *sqe;
	__u32 id, i, canceled = 0;

	ASSERT_EQ(0, mx_set_param("slice_size", 4096));
	ASSERT_EQ(0, mx_batch_alloc(self->fd, N + 1, &id));
	ASSERT_EQ(0, mx_set_delay(100));
	for (i = 0; i < N; i++) {
		sqe = io_uring_get_sqe(&self->ring);
		mx_req(&r[i], MCTE_OP_WRITE, self->ha, i * 131072, self->hb,
		       i * 131072, 131072, id, i);
		mx_prep_xfer(&self->ring, sqe, self->fd, &r[i], 0xa00 + i);
	}
	ASSERT_EQ(N, io_uring_submit(&self->ring));
	ASSERT_EQ(0, mx_batch_cancel(self->fd, id));
	for (i = 0; i < N; i++) {
		struct io_uring_cqe *cqe;

		ASSERT_EQ(0, io_uring_wait_cqe(&self->ring, &cqe));
		EXPECT_TRUE(cqe->res == -ECANCELED || cqe->res == 131072)
			TH_LOG("res %d", cqe->res);
		canceled += cqe->res == -ECANCELED;
		io_uring_cqe_seen(&self->ring, cqe);
	}
	EXPECT_LT(0, canceled);
	EXPECT_EQ(MCTE_XFER_CANCELED, mx_batch_state(self->fd, id));

	sqe = io_uring_get_sqe(&self->ring);
	mx_req(&r[N], MCTE_OP_READ, self->ha, 0, self->hb, 0, 131072, id, N);
	r[N].timeout_ms = 30;
	mx_prep_xfer(&self->ring, sqe, self->fd, &r[N], 0xb00);
	EXPECT_EQ(-ETIMEDOUT, one_cqe(_metadata, &self->ring, 0xb00));
	EXPECT_EQ(MCTE_XFER_TIMEOUT, mx_batch_state(self->fd, id));
}

TEST_HARNESS_MAIN
