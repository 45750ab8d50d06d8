// SPDX-License-Identifier: GPL-2.0
/*
 * Batches through the ioctl path (Documentation/abi.rst, "Requests and
 * batches"): allocation, all-or-nothing submission and the order of its
 * checks, status per request and per batch, every state a request and a
 * batch go through (the debugfs knob xfer_delay_ms makes PENDING, TIMEOUT
 * and CANCELED deterministic), freeing, and reaping completions.
 */
#include <pthread.h>

#include "kselftest_harness.h"
#include "mcte_test.h"
#include "mcte_xfer.h"

#define SEG_SIZE	(1 << 20)

FIXTURE(bt) {
	int fd, fd2;		/* fd2: another process's stand-in */
	__u32 slice;
	unsigned char *a, *b, *p, *q;
	__u32 ha, hb;		/* this file's segments */
	__u32 hp2, hq2;		/* fd2's segments */
	__u32 hp_rw, hp_ro, hq_ro;	/* fd2's, opened on fd */
	char pname[MCTE_SEG_NAME_MAX], qname[MCTE_SEG_NAME_MAX];
	long timeout_param;
	long slice_param;
};

FIXTURE_SETUP(bt)
{
	char name[MCTE_SEG_NAME_MAX];
	struct mx_rng r = { 42 };

	self->fd = mx_open();
	ASSERT_LE(0, self->fd);
	MX_REQUIRE(self->fd, MX_FEAT_XFER);
	ASSERT_TRUE(mx_have_delay()) TH_LOG("no %s/xfer_delay_ms", MX_DEBUGFS);
	self->timeout_param = mx_get_param("xfer_timeout_ms");
	self->slice_param = mx_get_param("slice_size");
	self->slice = mx_slice_size(self->fd);
	self->fd2 = mx_open();
	ASSERT_LE(0, self->fd2);
	self->a = mx_alloc(SEG_SIZE);
	self->b = mx_alloc(SEG_SIZE);
	self->p = mx_alloc(SEG_SIZE);
	self->q = mx_alloc(SEG_SIZE);
	ASSERT_TRUE(self->a && self->b && self->p && self->q);
	mx_fill_rand(self->a, SEG_SIZE, &r);
	mx_fill_rand(self->b, SEG_SIZE, &r);
	mx_fill_rand(self->p, SEG_SIZE, &r);
	mx_fill_rand(self->q, SEG_SIZE, &r);
	ASSERT_EQ(0, mx_seg_reg1(self->fd, mx_name(name, sizeof(name), "a"),
				 self->a, SEG_SIZE, MCTE_ACCESS_NONE, &self->ha));
	ASSERT_EQ(0, mx_seg_reg1(self->fd, mx_name(name, sizeof(name), "b"),
				 self->b, SEG_SIZE, MCTE_ACCESS_NONE, &self->hb));
	mx_name(self->pname, sizeof(self->pname), "p");
	mx_name(self->qname, sizeof(self->qname), "q");
	ASSERT_EQ(0, mx_seg_reg1(self->fd2, self->pname, self->p, SEG_SIZE,
				 MCTE_ACCESS_RW, &self->hp2));
	ASSERT_EQ(0, mx_seg_reg1(self->fd2, self->qname, self->q, SEG_SIZE,
				 MCTE_ACCESS_READ, &self->hq2));
	ASSERT_EQ(0, mx_seg_open(self->fd, self->pname, MCTE_ACCESS_RW,
				 &self->hp_rw, NULL, NULL));
	ASSERT_EQ(0, mx_seg_open(self->fd, self->pname, MCTE_ACCESS_READ,
				 &self->hp_ro, NULL, NULL));
	ASSERT_EQ(0, mx_seg_open(self->fd, self->qname, MCTE_ACCESS_READ,
				 &self->hq_ro, NULL, NULL));
	ASSERT_EQ(0, mx_set_delay(0));
}

FIXTURE_TEARDOWN(bt)
{
	mx_set_delay(0);
	if (self->timeout_param > 0)
		mx_set_param("xfer_timeout_ms", self->timeout_param);
	if (self->slice_param > 0)
		mx_set_param("slice_size", self->slice_param);
	close(self->fd);
	close(self->fd2);
}

/*
 * Small slices for the tests that cancel or time out requests in the
 * middle: many slices per request, each delayed.
 */
static void small_slices(struct __test_metadata *_metadata,
			 FIXTURE_DATA(bt) *self)
{
	ASSERT_EQ(0, mx_set_param("slice_size", 4096));
	self->slice = mx_slice_size(self->fd);
	ASSERT_EQ(4096, self->slice);
}

/* A valid WRITE of @len bytes from A into B. */
static void req_ab(struct mcte_xfer_req *r, __u32 batch, __u64 off,
		   __u64 len, __u64 ud)
{
	mx_req(r, MCTE_OP_WRITE, 0, off, 0, off, len, batch, ud);
}

TEST_F(bt, alloc_capacity)
{
	struct mcte_batch_alloc a;
	__u32 ids[100], id;
	int i, j;

	EXPECT_EQ(-EINVAL, mx_batch_alloc(self->fd, 0, &id));
	EXPECT_EQ(-EINVAL, mx_batch_alloc(self->fd, MCTE_BATCH_MAX + 1, &id));
	EXPECT_EQ(-EINVAL, mx_batch_alloc(self->fd, 0xffffffffU, &id));
	ASSERT_EQ(0, mx_batch_alloc(self->fd, MCTE_BATCH_MAX, &id));
	EXPECT_NE(0, id);
	EXPECT_EQ(0, mx_batch_free(self->fd, id));

	memset(&a, 0, sizeof(a));
	a.capacity = 1;
	a.resv = 1;
	EXPECT_EQ(-EINVAL, mx_ioctl(self->fd, MCTE_IOC_BATCH_ALLOC, &a));
	/* batch_id is an output: whatever comes in is ignored. */
	a.resv = 0;
	a.batch_id = 0xdeadbeef;
	ASSERT_EQ(0, mx_ioctl(self->fd, MCTE_IOC_BATCH_ALLOC, &a));
	EXPECT_NE(0, a.batch_id);
	EXPECT_EQ(0, mx_batch_free(self->fd, a.batch_id));

	for (i = 0; i < 100; i++) {
		ASSERT_EQ(0, mx_batch_alloc(self->fd, 1 + i, &ids[i]));
		ASSERT_NE(0, ids[i]);
		for (j = 0; j < i; j++)
			ASSERT_NE(ids[j], ids[i]);
	}
	for (i = 0; i < 100; i++)
		EXPECT_EQ(0, mx_batch_free(self->fd, ids[i]));
	/* Left allocated: closing the file frees them. */
	for (i = 0; i < 100; i++)
		ASSERT_EQ(0, mx_batch_alloc(self->fd, 1000, &ids[i]));
}

TEST_F(bt, unknown_and_freed)
{
	struct mcte_xfer_req r;
	__u32 id, id2, st;
	int fd3;

	EXPECT_EQ(-ENOENT, mx_batch_free(self->fd, 0));
	EXPECT_EQ(-ENOENT, mx_batch_free(self->fd, 0x7fffffff));
	EXPECT_EQ(-ENOENT, mx_batch_cancel(self->fd, 0x7fffffff));
	EXPECT_EQ(-ENOENT, mx_status(self->fd, 0x7fffffff, NULL, 0, NULL,
				     &st, NULL));

	ASSERT_EQ(0, mx_batch_alloc(self->fd, 4, &id));
	ASSERT_EQ(0, mx_batch_free(self->fd, id));
	EXPECT_EQ(-ENOENT, mx_batch_free(self->fd, id));
	EXPECT_EQ(-ENOENT, mx_batch_cancel(self->fd, id));
	EXPECT_EQ(-ENOENT, mx_status(self->fd, id, NULL, 0, NULL, &st, NULL));
	req_ab(&r, id, 0, 100, 1);
	r.local_seg = self->ha;
	r.target_seg = self->hb;
	EXPECT_EQ(-ENOENT, mx_submit(self->fd, &r, 1, NULL, NULL));

	/* Another file's batch is unknown here. */
	ASSERT_EQ(0, mx_batch_alloc(self->fd2, 4, &id2));
	fd3 = mx_open();
	ASSERT_LE(0, fd3);
	EXPECT_EQ(-ENOENT, mx_batch_free(fd3, id2));
	EXPECT_EQ(-ENOENT, mx_batch_cancel(fd3, id2));
	EXPECT_EQ(-ENOENT, mx_status(fd3, id2, NULL, 0, NULL, &st, NULL));
	/* So are its segment handles, as local or as target. */
	ASSERT_EQ(0, mx_batch_alloc(fd3, 4, &id));
	mx_req(&r, MCTE_OP_READ, self->hp2, 0, self->hp2, 100, 10, id, 1);
	EXPECT_EQ(-EBADF, mx_submit(fd3, &r, 1, NULL, NULL));
	r.local_seg = self->hq2;
	EXPECT_EQ(-EBADF, mx_submit(fd3, &r, 1, NULL, NULL));
	close(fd3);
	EXPECT_EQ(0, mx_batch_free(self->fd2, id2));
}

/* Bytes of B at [off, off+len) still equal to @ref. */
static bool b_untouched(FIXTURE_DATA(bt) *self, const unsigned char *ref,
			size_t off, size_t len)
{
	return !memcmp(self->b + off, ref + off, len);
}

TEST_F(bt, submit_array_errors)
{
	unsigned char *ref = malloc(SEG_SIZE);
	struct mcte_batch_submit s;
	struct mcte_xfer_req *reqs;
	__u32 id, nr, sub, err;
	size_t page = sysconf(_SC_PAGESIZE);
	char *two;
	int i;

	ASSERT_NE(NULL, ref);
	memcpy(ref, self->b, SEG_SIZE);
	ASSERT_EQ(0, mx_batch_alloc(self->fd, 16, &id));

	/* No requests at all. */
	EXPECT_EQ(-EINVAL, mx_submit(self->fd, NULL, 0, &sub, &err));
	EXPECT_EQ(0, sub);
	EXPECT_EQ(0, err);

	/* A reserved field of the call itself: the array as a whole. */
	reqs = calloc(4, sizeof(*reqs));
	for (i = 0; i < 4; i++) {
		req_ab(&reqs[i], id, i * 1000, 1000, i);
		reqs[i].local_seg = self->ha;
		reqs[i].target_seg = self->hb;
	}
	memset(&s, 0, sizeof(s));
	s.reqs = (uintptr_t)reqs;
	s.nr = 4;
	s.resv = 1;
	s.submitted = 77;
	EXPECT_EQ(-EINVAL, mx_ioctl(self->fd, MCTE_IOC_BATCH_SUBMIT, &s));
	EXPECT_EQ(0, s.submitted);
	EXPECT_EQ(4, s.error_index);

	/* An array the module cannot read, wholly or in part. */
	EXPECT_EQ(-EFAULT, mx_submit(self->fd, NULL, 4, &sub, &err));
	EXPECT_EQ(0, sub);
	two = mmap(NULL, 2 * page, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, two);
	ASSERT_EQ(0, munmap(two + page, page));
	memcpy(two + page - 2 * sizeof(*reqs), reqs, 2 * sizeof(*reqs));
	EXPECT_EQ(-EFAULT, mx_submit(self->fd,
				     (void *)(two + page - 2 * sizeof(*reqs)),
				     3, &sub, &err));
	EXPECT_EQ(0, sub);
	/* Far more requests than any batch holds. */
	EXPECT_NE(0, mx_submit(self->fd, reqs, 0x7fffffff, &sub, &err));
	EXPECT_EQ(0, sub);

	/* None of it queued anything. */
	ASSERT_EQ(0, mx_status(self->fd, id, NULL, 0, &nr, NULL, NULL));
	EXPECT_EQ(0, nr);
	usleep(20000);
	EXPECT_TRUE(b_untouched(self, ref, 0, 8000));
	ASSERT_EQ(0, mx_submit(self->fd, reqs, 4, &sub, &err));
	EXPECT_EQ(4, sub);
	EXPECT_EQ(0, mx_wait_batch(self->fd, id, 10000, NULL));
	EXPECT_EQ(0, memcmp(self->b, self->a, 4000));
	munmap(two, page);
	free(reqs);
	free(ref);
}

TEST_F(bt, until_full)
{
	unsigned char *ref = malloc(SEG_SIZE);
	struct mcte_xfer_req r[6];
	__u32 id, x, y, nr, sub, err, st;
	int i;

	ASSERT_NE(NULL, ref);
	memcpy(ref, self->b, SEG_SIZE);
	ASSERT_EQ(0, mx_batch_alloc(self->fd, 4, &id));
	for (i = 0; i < 6; i++) {
		req_ab(&r[i], id, i * 4096, 4096, i);
		r[i].local_seg = self->ha;
		r[i].target_seg = self->hb;
	}
	ASSERT_EQ(0, mx_submit(self->fd, r, 3, &sub, &err));
	EXPECT_EQ(3, sub);
	/* One slot left: the second of two does not fit, neither goes. */
	EXPECT_EQ(-ENOSPC, mx_submit(self->fd, r + 3, 2, &sub, &err));
	EXPECT_EQ(0, sub);
	EXPECT_EQ(1, err);
	ASSERT_EQ(0, mx_wait_batch(self->fd, id, 10000, &st));
	ASSERT_EQ(0, mx_status(self->fd, id, NULL, 0, &nr, NULL, NULL));
	EXPECT_EQ(3, nr);
	EXPECT_TRUE(b_untouched(self, ref, 3 * 4096, 2 * 4096));
	EXPECT_EQ(0, memcmp(self->b, self->a, 3 * 4096));
	/* Exactly full is fine; finished requests still hold their slot. */
	ASSERT_EQ(0, mx_submit(self->fd, r + 3, 1, &sub, &err));
	ASSERT_EQ(0, mx_wait_batch(self->fd, id, 10000, &st));
	EXPECT_EQ(-ENOSPC, mx_submit(self->fd, r + 4, 1, &sub, &err));
	EXPECT_EQ(0, err);
	ASSERT_EQ(0, mx_status(self->fd, id, NULL, 0, &nr, NULL, NULL));
	EXPECT_EQ(4, nr);
	EXPECT_TRUE(b_untouched(self, ref, 4 * 4096, 2 * 4096));
	EXPECT_EQ(0, mx_batch_free(self->fd, id));

	/* One call into two batches: the fifth overflows, nothing goes. */
	ASSERT_EQ(0, mx_batch_alloc(self->fd, 2, &x));
	ASSERT_EQ(0, mx_batch_alloc(self->fd, 2, &y));
	for (i = 0; i < 5; i++)
		r[i].batch_id = i & 1 ? y : x;
	EXPECT_EQ(-ENOSPC, mx_submit(self->fd, r, 5, &sub, &err));
	EXPECT_EQ(4, err);
	EXPECT_EQ(0, sub);
	ASSERT_EQ(0, mx_status(self->fd, x, NULL, 0, &nr, NULL, NULL));
	EXPECT_EQ(0, nr);
	ASSERT_EQ(0, mx_status(self->fd, y, NULL, 0, &nr, NULL, NULL));
	EXPECT_EQ(0, nr);
	ASSERT_EQ(0, mx_submit(self->fd, r, 4, &sub, &err));
	EXPECT_EQ(4, sub);
	EXPECT_EQ(0, mx_wait_batch(self->fd, x, 10000, NULL));
	EXPECT_EQ(0, mx_wait_batch(self->fd, y, 10000, NULL));
	ASSERT_EQ(0, mx_status(self->fd, x, NULL, 0, &nr, NULL, NULL));
	EXPECT_EQ(2, nr);
	free(ref);
}

/*
 * All or nothing, and the order of the checks: request 2 of 5 is bad in
 * one way (or two, where the first in the documented order must win).
 */
enum mut {
	M_OPCODE = 1 << 0, M_OPCODE_FF = 1 << 1, M_FLAGS = 1 << 2,
	M_RESV0 = 1 << 3, M_RESV1 = 1 << 4, M_RESV2 = 1 << 5,
	M_LEN0 = 1 << 6, M_LEN_BIG = 1 << 7, M_LEN_HUGE = 1 << 8,
	M_BATCH0 = 1 << 9, M_BATCH_UNKNOWN = 1 << 10, M_BATCH_FREED = 1 << 11,
	M_BATCH_FULL = 1 << 12, M_LOCAL0 = 1 << 13, M_LOCAL_OPENED = 1 << 14,
	M_LOCAL_OTHER = 1 << 15, M_TARGET0 = 1 << 16, M_TARGET_BOGUS = 1 << 17,
	M_TARGET_GONE = 1 << 18, M_WRITE_RO = 1 << 19, M_LOFF = 1 << 20,
	M_TOFF = 1 << 21, M_LOFF_WRAP = 1 << 22, M_TOFF_END = 1 << 23,
	M_LEN_SEG = 1 << 24, M_TARGET_CLOSED = 1 << 25,
};

static const struct {
	const char *what;
	unsigned int mut;
	int err;
} bad_reqs[] = {
	{ "opcode 2", M_OPCODE, -EINVAL },
	{ "opcode 255", M_OPCODE_FF, -EINVAL },
	{ "flags", M_FLAGS, -EINVAL },
	{ "resv0", M_RESV0, -EINVAL },
	{ "resv1", M_RESV1, -EINVAL },
	{ "resv2", M_RESV2, -EINVAL },
	{ "length 0", M_LEN0, -EINVAL },
	{ "length MCTE_XFER_MAX + 1", M_LEN_BIG, -E2BIG },
	{ "length ~0", M_LEN_HUGE, -E2BIG },
	{ "batch 0", M_BATCH0, -ENOENT },
	{ "batch unknown", M_BATCH_UNKNOWN, -ENOENT },
	{ "batch freed", M_BATCH_FREED, -ENOENT },
	{ "batch full", M_BATCH_FULL, -ENOSPC },
	{ "local 0", M_LOCAL0, -EBADF },
	{ "local opened, not registered", M_LOCAL_OPENED, -EBADF },
	{ "local of another file", M_LOCAL_OTHER, -EBADF },
	{ "target 0", M_TARGET0, -EBADF },
	{ "target bogus", M_TARGET_BOGUS, -EBADF },
	{ "target closed", M_TARGET_CLOSED, -EBADF },
	{ "target unregistered", M_TARGET_GONE, -ENODEV },
	{ "WRITE to read-only target", M_WRITE_RO, -EACCES },
	{ "local off + len > size", M_LOFF, -ERANGE },
	{ "target off + len > size", M_TOFF, -ERANGE },
	{ "local off wraps", M_LOFF_WRAP, -ERANGE },
	{ "target off at end", M_TOFF_END, -ERANGE },
	{ "length > segment", M_LEN_SEG, -ERANGE },
	/* Two faults: the first in the documented order wins. */
	{ "opcode + length big", M_OPCODE | M_LEN_BIG, -EINVAL },
	{ "length 0 + batch unknown", M_LEN0 | M_BATCH_UNKNOWN, -EINVAL },
	{ "resv2 + local 0", M_RESV2 | M_LOCAL0, -EINVAL },
	{ "length big + batch unknown", M_LEN_BIG | M_BATCH_UNKNOWN, -E2BIG },
	{ "length big + range", M_LEN_HUGE | M_LOFF, -E2BIG },
	{ "batch unknown + local 0", M_BATCH_UNKNOWN | M_LOCAL0, -ENOENT },
	{ "batch freed + target gone", M_BATCH_FREED | M_TARGET_GONE, -ENOENT },
	{ "batch full + local 0", M_BATCH_FULL | M_LOCAL0, -ENOSPC },
	{ "batch full + range", M_BATCH_FULL | M_TOFF, -ENOSPC },
	{ "local 0 + target gone", M_LOCAL0 | M_TARGET_GONE, -EBADF },
	{ "target bogus + range", M_TARGET_BOGUS | M_LOFF, -EBADF },
	{ "target gone + write to read-only", M_TARGET_GONE | M_WRITE_RO, -ENODEV },
	{ "target gone + range", M_TARGET_GONE | M_TOFF, -ENODEV },
	{ "write to read-only + range", M_WRITE_RO | M_TOFF, -EACCES },
};

TEST_F(bt, all_or_nothing)
{
	unsigned char *ref = malloc(SEG_SIZE);
	unsigned char *pref = malloc(SEG_SIZE);
	char name[MCTE_SEG_NAME_MAX];
	struct mcte_xfer_req r[5];
	struct mcte_cqe cqe;
	__u32 id, full, freed, gone2, gone, other, nr, sub, err, got;
	void *g = mx_alloc(SEG_SIZE);
	unsigned int i, k;

	ASSERT_TRUE(ref && pref && g);
	ASSERT_EQ(0, mx_batch_alloc(self->fd, 64, &id));
	ASSERT_EQ(0, mx_batch_alloc(self->fd, 1, &full));
	req_ab(&r[0], full, SEG_SIZE - 1, 1, 99);
	r[0].local_seg = self->ha;
	r[0].target_seg = self->hb;
	ASSERT_EQ(0, mx_submit(self->fd, r, 1, NULL, NULL));
	ASSERT_EQ(0, mx_reap_n(self->fd, &cqe, 1, 10000));
	ASSERT_EQ(0, mx_batch_alloc(self->fd, 1, &freed));
	ASSERT_EQ(0, mx_batch_free(self->fd, freed));
	/* A segment of fd2 opened here, then unregistered by its owner. */
	ASSERT_EQ(0, mx_seg_reg1(self->fd2, mx_name(name, sizeof(name), "gone"),
				 g, SEG_SIZE, MCTE_ACCESS_READ, &gone2));
	ASSERT_EQ(0, mx_seg_open(self->fd, name, MCTE_ACCESS_READ, &gone,
				 NULL, NULL));
	ASSERT_EQ(0, mx_seg_unreg(self->fd2, gone2));
	/* A handle opened and closed again. */
	ASSERT_EQ(0, mx_seg_open(self->fd, self->pname, MCTE_ACCESS_READ,
				 &other, NULL, NULL));
	ASSERT_EQ(0, mx_seg_close(self->fd, other));

	memcpy(ref, self->b, SEG_SIZE);
	memcpy(pref, self->p, SEG_SIZE);
	for (i = 0; i < MX_ARRAY_SIZE(bad_reqs); i++) {
		unsigned int m = bad_reqs[i].mut;

		/* Five good WRITEs, A into B and A into P, 4 KiB apart. */
		for (k = 0; k < 5; k++) {
			mx_req(&r[k], MCTE_OP_WRITE, self->ha, k * 4096,
			       k & 1 ? self->hp_rw : self->hb, k * 4096 + 7,
			       1000, id, k);
		}
		if (m & M_OPCODE)
			r[2].opcode = 2;
		if (m & M_OPCODE_FF)
			r[2].opcode = 255;
		if (m & M_FLAGS)
			r[2].flags = 1;
		if (m & M_RESV0)
			r[2].resv0 = 1;
		if (m & M_RESV1)
			r[2].resv1 = 1;
		if (m & M_RESV2)
			r[2].resv2 = 1ULL << 63;
		if (m & M_LEN0)
			r[2].length = 0;
		if (m & M_LEN_BIG)
			r[2].length = MCTE_XFER_MAX + 1;
		if (m & M_LEN_HUGE)
			r[2].length = ~0ULL;
		if (m & M_BATCH0)
			r[2].batch_id = 0;
		if (m & M_BATCH_UNKNOWN)
			r[2].batch_id = 0x7ffffff0;
		if (m & M_BATCH_FREED)
			r[2].batch_id = freed;
		if (m & M_BATCH_FULL)
			r[2].batch_id = full;
		if (m & M_LOCAL0)
			r[2].local_seg = 0;
		if (m & M_LOCAL_OPENED)
			r[2].local_seg = self->hp_rw;
		if (m & M_LOCAL_OTHER)
			r[2].local_seg = self->hp2 ^ 0x40000;
		if (m & M_TARGET0)
			r[2].target_seg = 0;
		if (m & M_TARGET_BOGUS)
			r[2].target_seg = 0xfffffff0;
		if (m & M_TARGET_CLOSED)
			r[2].target_seg = other;
		if (m & M_TARGET_GONE)
			r[2].target_seg = gone;
		if (m & M_WRITE_RO)
			r[2].target_seg = m & M_TARGET_GONE ? gone : self->hp_ro;
		if (m & M_LOFF)
			r[2].local_off = SEG_SIZE - r[2].length + 1;
		if (m & M_TOFF)
			r[2].target_off = SEG_SIZE - 999;
		if (m & M_LOFF_WRAP)
			r[2].local_off = ~0ULL - 10;
		if (m & M_TOFF_END)
			r[2].target_off = SEG_SIZE;
		if (m & M_LEN_SEG) {
			r[2].local_off = r[2].target_off = 0;
			r[2].length = SEG_SIZE + 1;
		}
		if ((m & M_LOFF) && (m & M_LEN_HUGE))
			r[2].local_off = 1;

		EXPECT_EQ(bad_reqs[i].err, mx_submit(self->fd, r, 5, &sub, &err))
			TH_LOG("%s", bad_reqs[i].what);
		EXPECT_EQ(0, sub) TH_LOG("%s", bad_reqs[i].what);
		EXPECT_EQ(2, err) TH_LOG("%s", bad_reqs[i].what);
	}
	/* Nothing was queued, nothing completed, nothing moved. */
	ASSERT_EQ(0, mx_status(self->fd, id, NULL, 0, &nr, NULL, NULL));
	EXPECT_EQ(0, nr);
	EXPECT_EQ(-ETIME, mx_reap(self->fd, &cqe, 1, 1, 50, &got));
	EXPECT_EQ(0, memcmp(self->b, ref, SEG_SIZE));
	EXPECT_EQ(0, memcmp(self->p, pref, SEG_SIZE));
	/* The very same requests, repaired, go through. */
	r[2] = r[1];
	r[2].local_off = r[2].target_off = 2 * 4096;
	ASSERT_EQ(0, mx_submit(self->fd, r, 5, &sub, &err));
	EXPECT_EQ(5, sub);
	ASSERT_EQ(0, mx_wait_batch(self->fd, id, 10000, NULL));
	for (k = 0; k < 5; k++) {
		unsigned char *dst = k == 0 || k == 4 ? self->b : self->p;

		EXPECT_EQ(0, memcmp(dst + k * 4096 + (k == 2 ? 0 : 7),
				    self->a + k * 4096, 1000)) TH_LOG("req %u", k);
	}
	/* A read-only target is fine to READ from. */
	mx_req(&r[0], MCTE_OP_READ, self->ha, 0, self->hq_ro, 0, SEG_SIZE / 2,
	       id, 0);
	mx_req(&r[1], MCTE_OP_READ, self->ha, SEG_SIZE / 2, self->hp_ro, 10,
	       10, id, 0);
	EXPECT_EQ(0, mx_submit(self->fd, r, 2, NULL, NULL));
	ASSERT_EQ(0, mx_wait_batch(self->fd, id, 10000, NULL));
	EXPECT_EQ(0, memcmp(self->a, self->q, SEG_SIZE / 2));
	EXPECT_EQ(0, memcmp(self->a + SEG_SIZE / 2, self->p + 10, 10));
	mx_free(g, SEG_SIZE);
	free(ref);
	free(pref);
}

TEST_F(bt, status)
{
	struct mcte_xfer_status st[12];
	struct mcte_batch_status bs;
	struct mcte_xfer_req r[5];
	__u32 id, nr, state, empty;
	__u64 bytes;
	int i;

	ASSERT_EQ(0, mx_batch_alloc(self->fd, 8, &empty));
	ASSERT_EQ(0, mx_status(self->fd, empty, st, 12, &nr, &state, &bytes));
	EXPECT_EQ(0, nr);
	EXPECT_EQ(MCTE_XFER_WAITING, state);
	EXPECT_EQ(0, bytes);

	ASSERT_EQ(0, mx_batch_alloc(self->fd, 8, &id));
	for (i = 0; i < 5; i++)
		mx_req(&r[i], i & 1, self->ha, i * 100000, self->hb,
		       i * 100000 + 1, 1 + i * 33333, id, 0xabc0 + i);
	ASSERT_EQ(0, mx_submit(self->fd, r, 5, NULL, NULL));
	ASSERT_EQ(0, mx_wait_batch(self->fd, id, 10000, &state));
	EXPECT_EQ(MCTE_XFER_COMPLETED, state);

	/* Totals only. */
	ASSERT_EQ(0, mx_status(self->fd, id, NULL, 0, &nr, &state, &bytes));
	EXPECT_EQ(5, nr);
	EXPECT_EQ(5 + 33333 * 10, bytes);
	/* Less room than requests: the first ones, nr says how many. */
	memset(st, 0xee, sizeof(st));
	ASSERT_EQ(0, mx_status(self->fd, id, st, 2, &nr, &state, &bytes));
	EXPECT_EQ(5, nr);
	EXPECT_EQ(0xabc0, st[0].user_data);
	EXPECT_EQ(0xabc1, st[1].user_data);
	EXPECT_EQ(0xeeeeeeeeeeeeeeeeULL, st[2].user_data);
	/* More room: in submission order, the rest untouched. */
	memset(st, 0xee, sizeof(st));
	ASSERT_EQ(0, mx_status(self->fd, id, st, 12, &nr, &state, &bytes));
	EXPECT_EQ(5, nr);
	for (i = 0; i < 5; i++) {
		EXPECT_EQ(0xabc0 + i, st[i].user_data);
		EXPECT_EQ(1 + i * 33333, st[i].bytes);
		EXPECT_EQ(0, st[i].res);
		EXPECT_EQ(MCTE_XFER_COMPLETED, st[i].state);
	}
	EXPECT_EQ(0xeeeeeeeeeeeeeeeeULL, st[5].user_data);

	/* Reserved fields, a pointer the module cannot write. */
	memset(&bs, 0, sizeof(bs));
	bs.batch_id = id;
	bs.resv0 = 1;
	EXPECT_EQ(-EINVAL, mx_ioctl(self->fd, MCTE_IOC_BATCH_STATUS, &bs));
	bs.resv0 = 0;
	bs.resv = 1;
	EXPECT_EQ(-EINVAL, mx_ioctl(self->fd, MCTE_IOC_BATCH_STATUS, &bs));
	bs.resv = 0;
	bs.nr = 5;
	bs.status = 8;
	EXPECT_EQ(-EFAULT, mx_ioctl(self->fd, MCTE_IOC_BATCH_STATUS, &bs));
	EXPECT_EQ(0, mx_batch_free(self->fd, id));
	EXPECT_EQ(0, mx_batch_free(self->fd, empty));
}

/* Poll one request's status until final, noting every state seen. */
struct trace {
	unsigned int seen;	/* bit per state */
	bool backwards;		/* a state or byte count went back */
	__u64 max_mid_bytes;	/* most bytes seen while not final */
	struct mcte_xfer_status last;
	__u32 batch_seen;	/* bit per batch state */
};

static int trace_req(int fd, __u32 id, __u32 idx, unsigned int timeout_ms,
		     struct trace *t)
{
	struct mcte_xfer_status st[64];
	uint64_t end = mx_now_ms() + timeout_ms;
	__u32 nr, bstate, prev = 0;
	__u64 prev_bytes = 0;
	int ret;

	memset(t, 0, sizeof(*t));
	for (;;) {
		ret = mx_status(fd, id, st, 64, &nr, &bstate, NULL);
		if (ret)
			return ret;
		if (idx >= nr)
			return -EINVAL;
		t->batch_seen |= 1U << bstate;
		t->seen |= 1U << st[idx].state;
		if (st[idx].state < prev || st[idx].bytes < prev_bytes)
			t->backwards = true;
		prev = st[idx].state;
		prev_bytes = st[idx].bytes;
		t->last = st[idx];
		if (mx_state_final(st[idx].state))
			return 0;
		if (st[idx].bytes > t->max_mid_bytes)
			t->max_mid_bytes = st[idx].bytes;
		if (mx_now_ms() > end)
			return -ETIME;
		usleep(1000);
	}
}

#define SEEN(s)	(1U << MCTE_XFER_##s)

TEST_F_TIMEOUT(bt, pending_then_completed, 60)
{
	struct mcte_xfer_req r;
	struct mcte_cqe cqe;
	struct trace t;
	__u32 id, state;
	uint64_t t0;
	const __u64 len = 4 * (__u64)self->slice;

	ASSERT_EQ(0, mx_batch_alloc(self->fd, 1, &id));
	ASSERT_EQ(0, mx_status(self->fd, id, NULL, 0, NULL, &state, NULL));
	EXPECT_EQ(MCTE_XFER_WAITING, state);
	ASSERT_EQ(0, mx_set_delay(200));
	mx_req(&r, MCTE_OP_READ, self->ha, 0, self->hb, 0, len, id, 7);
	t0 = mx_now_ms();
	ASSERT_EQ(0, mx_submit(self->fd, &r, 1, NULL, NULL));
	ASSERT_EQ(0, trace_req(self->fd, id, 0, 20000, &t));
	EXPECT_LE(200, mx_now_ms() - t0);
	EXPECT_FALSE(t.backwards);
	EXPECT_TRUE(t.seen & SEEN(PENDING)) TH_LOG("states seen %#x", t.seen);
	EXPECT_TRUE(t.batch_seen & SEEN(PENDING));
	EXPECT_EQ(0, t.seen & (SEEN(FAILED) | SEEN(TIMEOUT) | SEEN(CANCELED)));
	EXPECT_EQ(MCTE_XFER_COMPLETED, t.last.state);
	EXPECT_EQ(len, t.last.bytes);
	EXPECT_EQ(0, t.last.res);
	EXPECT_GT(len, t.max_mid_bytes);
	EXPECT_EQ(MCTE_XFER_COMPLETED, mx_batch_state(self->fd, id));
	ASSERT_EQ(0, mx_reap_n(self->fd, &cqe, 1, 1000));
	EXPECT_EQ(7, cqe.user_data);
	EXPECT_EQ(len, cqe.res);
	EXPECT_EQ(MCTE_XFER_COMPLETED, cqe.state);
	EXPECT_EQ(0, memcmp(self->a, self->b, len));
}

/* Behind a busy transport, requests wait: WAITING is seen, then the rest. */
TEST_F_TIMEOUT(bt, waiting, 60)
{
	enum { N = 64 };
	struct mcte_xfer_status st[N];
	struct mcte_xfer_req r[N];
	__u32 id, nr, state, i, waiting = 0;

	ASSERT_EQ(0, mx_batch_alloc(self->fd, N, &id));
	for (i = 0; i < N; i++)
		mx_req(&r[i], MCTE_OP_WRITE, self->ha, i * 4096, self->hb,
		       i * 4096, 4096, id, i);
	ASSERT_EQ(0, mx_set_delay(100));
	ASSERT_EQ(0, mx_submit(self->fd, r, N, NULL, NULL));
	ASSERT_EQ(0, mx_status(self->fd, id, st, N, &nr, &state, NULL));
	for (i = 0; i < N; i++) {
		EXPECT_TRUE(st[i].state == MCTE_XFER_WAITING ||
			    st[i].state == MCTE_XFER_PENDING);
		waiting += st[i].state == MCTE_XFER_WAITING;
	}
	EXPECT_LT(0, waiting) TH_LOG("no request of %u waits", N);
	EXPECT_TRUE(state == MCTE_XFER_WAITING || state == MCTE_XFER_PENDING);
	ASSERT_EQ(0, mx_set_delay(0));
	ASSERT_EQ(0, mx_wait_batch(self->fd, id, 30000, &state));
	EXPECT_EQ(MCTE_XFER_COMPLETED, state);
	EXPECT_EQ(0, memcmp(self->a, self->b, N * 4096));
}

TEST_F_TIMEOUT(bt, timeout, 60)
{
	struct mcte_xfer_req r[2];
	struct mcte_cqe cqe[2];
	struct trace t;
	__u32 id, state;
	const __u64 len = 32 * 4096;

	small_slices(_metadata, self);
	ASSERT_EQ(0, mx_batch_alloc(self->fd, 4, &id));
	ASSERT_EQ(0, mx_set_delay(300));
	/* A deadline of its own. */
	mx_req(&r[0], MCTE_OP_WRITE, self->ha, 0, self->hb, 0, len, id, 1);
	r[0].timeout_ms = 50;
	ASSERT_EQ(0, mx_submit(self->fd, r, 1, NULL, NULL));
	ASSERT_EQ(0, trace_req(self->fd, id, 0, 20000, &t));
	EXPECT_EQ(MCTE_XFER_TIMEOUT, t.last.state);
	EXPECT_EQ(-ETIMEDOUT, t.last.res);
	EXPECT_GT(len, t.last.bytes);
	EXPECT_EQ(MCTE_XFER_TIMEOUT, mx_batch_state(self->fd, id));
	ASSERT_EQ(0, mx_reap_n(self->fd, cqe, 1, 5000));
	EXPECT_EQ(1, cqe[0].user_data);
	EXPECT_EQ(-ETIMEDOUT, cqe[0].res);
	EXPECT_EQ(MCTE_XFER_TIMEOUT, cqe[0].state);

	/* The module's default deadline, when the request has none. */
	ASSERT_LT(0, self->timeout_param)
		TH_LOG("no module parameter xfer_timeout_ms");
	ASSERT_EQ(0, mx_set_param("xfer_timeout_ms", 50));
	mx_req(&r[1], MCTE_OP_READ, self->ha, 0, self->hb, 0, len, id, 2);
	ASSERT_EQ(0, mx_submit(self->fd, r + 1, 1, NULL, NULL));
	ASSERT_EQ(0, trace_req(self->fd, id, 1, 20000, &t));
	EXPECT_EQ(MCTE_XFER_TIMEOUT, t.last.state);
	EXPECT_EQ(-ETIMEDOUT, t.last.res);
	ASSERT_EQ(0, mx_reap_n(self->fd, cqe, 1, 5000));
	EXPECT_EQ(2, cqe[0].user_data);
	EXPECT_EQ(MCTE_XFER_TIMEOUT, cqe[0].state);
	ASSERT_EQ(0, mx_set_param("xfer_timeout_ms", self->timeout_param));

	/* A deadline far enough away is not hit. */
	ASSERT_EQ(0, mx_set_delay(10));
	mx_req(&r[0], MCTE_OP_WRITE, self->ha, 0, self->hb, 0, len, id, 3);
	r[0].timeout_ms = 20000;
	ASSERT_EQ(0, mx_submit(self->fd, r, 1, NULL, NULL));
	ASSERT_EQ(0, trace_req(self->fd, id, 2, 20000, &t));
	EXPECT_EQ(MCTE_XFER_COMPLETED, t.last.state);
	EXPECT_EQ(0, memcmp(self->a, self->b, len));
	/* The batch is as bad as its worst request. */
	ASSERT_EQ(0, mx_wait_batch(self->fd, id, 10000, &state));
	EXPECT_EQ(MCTE_XFER_TIMEOUT, state);
}

TEST_F_TIMEOUT(bt, cancel, 60)
{
	enum { N = 8 };
	const __u64 len = SEG_SIZE / N;
	struct mcte_xfer_status st[N];
	struct mcte_xfer_req r[N];
	struct mcte_cqe cqe[N];
	__u32 id, nr, state, i, canceled = 0;
	__u64 bytes, sum = 0;

	small_slices(_metadata, self);
	ASSERT_EQ(0, mx_batch_alloc(self->fd, N, &id));
	for (i = 0; i < N; i++)
		mx_req(&r[i], MCTE_OP_WRITE, self->ha, i * len, self->hb,
		       i * len, len, id, 0xc0 + i);
	ASSERT_EQ(0, mx_set_delay(100));
	ASSERT_EQ(0, mx_submit(self->fd, r, N, NULL, NULL));
	ASSERT_EQ(0, mx_batch_cancel(self->fd, id));
	ASSERT_EQ(0, mx_wait_batch(self->fd, id, 20000, &state));
	EXPECT_EQ(MCTE_XFER_CANCELED, state);
	ASSERT_EQ(0, mx_status(self->fd, id, st, N, &nr, &state, &bytes));
	ASSERT_EQ(N, nr);
	for (i = 0; i < N; i++) {
		sum += st[i].bytes;
		if (st[i].state == MCTE_XFER_CANCELED) {
			canceled++;
			EXPECT_EQ(-ECANCELED, st[i].res);
			EXPECT_GT(len, st[i].bytes);
		} else {
			/* Only one that had all its slices copying. */
			EXPECT_EQ(MCTE_XFER_COMPLETED, st[i].state);
			EXPECT_EQ(len, st[i].bytes);
		}
	}
	EXPECT_LT(0, canceled);
	EXPECT_EQ(sum, bytes);
	ASSERT_EQ(0, mx_reap_n(self->fd, cqe, N, 5000));
	for (i = 0; i < N; i++) {
		__u32 k = cqe[i].user_data - 0xc0;

		ASSERT_GT(N, k);
		EXPECT_EQ(st[k].state, cqe[i].state);
		if (cqe[i].state == MCTE_XFER_CANCELED)
			EXPECT_EQ(-ECANCELED, cqe[i].res);
	}
	/* Canceling again, or a batch that is done, changes nothing. */
	EXPECT_EQ(0, mx_batch_cancel(self->fd, id));
	EXPECT_EQ(MCTE_XFER_CANCELED, mx_batch_state(self->fd, id));
	EXPECT_EQ(0, mx_batch_free(self->fd, id));

	ASSERT_EQ(0, mx_set_delay(0));
	ASSERT_EQ(0, mx_batch_alloc(self->fd, 1, &id));
	EXPECT_EQ(-ENOENT, mx_submit(self->fd, r, 1, NULL, NULL));
	r[0].batch_id = id;
	ASSERT_EQ(0, mx_submit(self->fd, r, 1, NULL, NULL));
	ASSERT_EQ(0, mx_wait_batch(self->fd, id, 10000, &state));
	EXPECT_EQ(0, mx_batch_cancel(self->fd, id));
	ASSERT_EQ(0, mx_status(self->fd, id, st, 1, &nr, &state, NULL));
	EXPECT_EQ(MCTE_XFER_COMPLETED, state);
	EXPECT_EQ(MCTE_XFER_COMPLETED, st[0].state);
	EXPECT_EQ(0, mx_reap_n(self->fd, cqe, 1, 5000));
	EXPECT_EQ(MCTE_XFER_COMPLETED, cqe[0].state);
	/* An empty batch: nothing to cancel. */
	ASSERT_EQ(0, mx_batch_alloc(self->fd, 1, &id));
	EXPECT_EQ(0, mx_batch_cancel(self->fd, id));
	EXPECT_EQ(0, mx_batch_free(self->fd, id));
}

/* A batch's state: the worst of its requests' once all ended. */
TEST_F_TIMEOUT(bt, worst_state, 60)
{
	const __u64 big = 32 * 4096;
	struct mcte_xfer_req r;
	struct mcte_cqe cqe[6];
	struct trace t;
	__u32 id, state;

	small_slices(_metadata, self);
	ASSERT_EQ(0, mx_set_delay(100));

	/* COMPLETED + TIMEOUT = TIMEOUT; PENDING while one still runs. */
	ASSERT_EQ(0, mx_batch_alloc(self->fd, 2, &id));
	mx_req(&r, MCTE_OP_WRITE, self->ha, 0, self->hb, 0, 1, id, 1);
	ASSERT_EQ(0, mx_submit(self->fd, &r, 1, NULL, NULL));
	ASSERT_EQ(0, mx_wait_batch(self->fd, id, 10000, &state));
	EXPECT_EQ(MCTE_XFER_COMPLETED, state);
	mx_req(&r, MCTE_OP_WRITE, self->ha, 0, self->hb, 0, big, id, 2);
	r.timeout_ms = 30;
	ASSERT_EQ(0, mx_submit(self->fd, &r, 1, NULL, NULL));
	ASSERT_EQ(0, trace_req(self->fd, id, 1, 20000, &t));
	EXPECT_EQ(MCTE_XFER_TIMEOUT, t.last.state);
	EXPECT_EQ(0, t.batch_seen & SEEN(COMPLETED))
		TH_LOG("batch states seen %#x", t.batch_seen);
	EXPECT_EQ(MCTE_XFER_TIMEOUT, mx_batch_state(self->fd, id));
	EXPECT_EQ(0, mx_batch_free(self->fd, id));

	/* COMPLETED + CANCELED = CANCELED. */
	ASSERT_EQ(0, mx_batch_alloc(self->fd, 2, &id));
	mx_req(&r, MCTE_OP_WRITE, self->ha, 0, self->hb, 0, 1, id, 3);
	ASSERT_EQ(0, mx_submit(self->fd, &r, 1, NULL, NULL));
	ASSERT_EQ(0, mx_wait_batch(self->fd, id, 10000, &state));
	mx_req(&r, MCTE_OP_WRITE, self->ha, 0, self->hb, 0, big, id, 4);
	ASSERT_EQ(0, mx_submit(self->fd, &r, 1, NULL, NULL));
	ASSERT_EQ(0, mx_batch_cancel(self->fd, id));
	ASSERT_EQ(0, mx_wait_batch(self->fd, id, 10000, &state));
	EXPECT_EQ(MCTE_XFER_CANCELED, state);
	EXPECT_EQ(0, mx_batch_free(self->fd, id));

	/* TIMEOUT + CANCELED = TIMEOUT. */
	ASSERT_EQ(0, mx_batch_alloc(self->fd, 2, &id));
	mx_req(&r, MCTE_OP_WRITE, self->ha, 0, self->hb, 0, big, id, 5);
	r.timeout_ms = 30;
	ASSERT_EQ(0, mx_submit(self->fd, &r, 1, NULL, NULL));
	ASSERT_EQ(0, trace_req(self->fd, id, 0, 20000, &t));
	EXPECT_EQ(MCTE_XFER_TIMEOUT, t.last.state);
	mx_req(&r, MCTE_OP_WRITE, self->ha, 0, self->hb, 0, big, id, 6);
	ASSERT_EQ(0, mx_submit(self->fd, &r, 1, NULL, NULL));
	ASSERT_EQ(0, mx_batch_cancel(self->fd, id));
	ASSERT_EQ(0, mx_wait_batch(self->fd, id, 10000, &state));
	EXPECT_EQ(MCTE_XFER_TIMEOUT, state);
	EXPECT_EQ(0, mx_batch_free(self->fd, id));
	/* The reap queue holds all six. */
	EXPECT_EQ(0, mx_reap_n(self->fd, cqe, 6, 5000));
}

/*
 * The owner unregisters a target while requests on it wait: they end
 * without moving another byte into it once they have ended (FAILED with
 * -ENODEV, unless they completed first), FAILED makes the batch FAILED,
 * and new requests on the handle get -ENODEV.
 */
TEST_F_TIMEOUT(bt, failed, 60)
{
	enum { N = 4 };
	const __u64 len = 32 * 4096;
	char name[MCTE_SEG_NAME_MAX];
	struct mcte_xfer_status st[N + 1];
	struct mcte_xfer_req r[N + 1];
	struct mcte_cqe cqe[N + 1];
	__u32 id, nr, state, h2, h, i, failed = 0;
	unsigned char *g = mx_alloc(N * len);

	ASSERT_NE(NULL, g);
	small_slices(_metadata, self);
	ASSERT_EQ(0, mx_seg_reg1(self->fd2, mx_name(name, sizeof(name), "f"),
				 g, N * len, MCTE_ACCESS_RW, &h2));
	ASSERT_EQ(0, mx_seg_open(self->fd, name, MCTE_ACCESS_RW, &h, NULL,
				 NULL));
	ASSERT_EQ(0, mx_batch_alloc(self->fd, N + 1, &id));
	for (i = 0; i < N; i++)
		mx_req(&r[i], MCTE_OP_WRITE, self->ha, i * len, h, i * len,
		       len, id, 0xf0 + i);
	ASSERT_EQ(0, mx_set_delay(300));
	ASSERT_EQ(0, mx_submit(self->fd, r, N, NULL, NULL));
	ASSERT_EQ(0, mx_seg_unreg(self->fd2, h2));
	/* A TIMEOUT in the same batch: FAILED is worse. */
	mx_req(&r[N], MCTE_OP_WRITE, self->ha, 0, self->hb, 0, len, id, 0xff);
	r[N].timeout_ms = 30;
	ASSERT_EQ(0, mx_submit(self->fd, &r[N], 1, NULL, NULL));
	ASSERT_EQ(0, mx_wait_batch(self->fd, id, 20000, &state));
	ASSERT_EQ(0, mx_status(self->fd, id, st, N + 1, &nr, NULL, NULL));
	for (i = 0; i < N; i++) {
		if (st[i].state == MCTE_XFER_FAILED) {
			failed++;
			EXPECT_EQ(-ENODEV, st[i].res);
			EXPECT_GT(len, st[i].bytes);
		} else {
			EXPECT_EQ(MCTE_XFER_COMPLETED, st[i].state);
		}
	}
	EXPECT_LT(0, failed) TH_LOG("no request failed");
	EXPECT_EQ(MCTE_XFER_TIMEOUT, st[N].state);
	EXPECT_EQ(MCTE_XFER_FAILED, state);
	ASSERT_EQ(0, mx_reap_n(self->fd, cqe, N + 1, 5000));
	for (i = 0; i < N + 1; i++)
		if (cqe[i].state == MCTE_XFER_FAILED)
			EXPECT_EQ(-ENODEV, cqe[i].res);
	/* New requests on the handle. */
	ASSERT_EQ(0, mx_set_delay(0));
	ASSERT_EQ(0, mx_batch_alloc(self->fd, 1, &id));
	r[0].batch_id = id;
	EXPECT_EQ(-ENODEV, mx_submit(self->fd, r, 1, NULL, NULL));
	EXPECT_EQ(0, mx_seg_close(self->fd, h));
	EXPECT_EQ(-EBADF, mx_submit(self->fd, r, 1, NULL, NULL));
	mx_free(g, N * len);
}

TEST_F_TIMEOUT(bt, free_busy, 60)
{
	struct mcte_xfer_req r;
	__u32 id, state;

	ASSERT_EQ(0, mx_batch_alloc(self->fd, 2, &id));
	mx_req(&r, MCTE_OP_WRITE, self->ha, 0, self->hb, 0,
	       2 * (__u64)self->slice, id, 1);
	ASSERT_EQ(0, mx_set_delay(200));
	ASSERT_EQ(0, mx_submit(self->fd, &r, 1, NULL, NULL));
	EXPECT_EQ(-EBUSY, mx_batch_free(self->fd, id));
	ASSERT_EQ(0, mx_wait_batch(self->fd, id, 20000, &state));
	EXPECT_EQ(MCTE_XFER_COMPLETED, state);
	EXPECT_EQ(0, mx_batch_free(self->fd, id));
	EXPECT_EQ(-ENOENT, mx_batch_free(self->fd, id));
	EXPECT_EQ(-ENOENT, mx_submit(self->fd, &r, 1, NULL, NULL));
	EXPECT_EQ(-ENOENT, mx_batch_cancel(self->fd, id));
}

static void on_usr1(int sig)
{
}

struct kicker {
	pthread_t target;
	unsigned int after_ms;
};

static void *kick(void *arg)
{
	struct kicker *k = arg;

	usleep(k->after_ms * 1000);
	pthread_kill(k->target, SIGUSR1);
	return NULL;
}

TEST_F_TIMEOUT(bt, reap, 60)
{
	struct sigaction sa = { .sa_handler = on_usr1 };
	struct mcte_xfer_req r[10];
	struct mcte_cqe cqe[16];
	struct mcte_reap rp;
	struct kicker k;
	pthread_t th;
	__u32 id, got, i;
	uint64_t t0, dt;
	size_t page = sysconf(_SC_PAGESIZE);
	void *ro;

	/* Nothing there: min_nr 0 returns at once, 1 waits and times out. */
	t0 = mx_now_ms();
	EXPECT_EQ(0, mx_reap(self->fd, cqe, 16, 0, 5000, &got));
	EXPECT_EQ(0, got);
	EXPECT_GT(1000, mx_now_ms() - t0);
	t0 = mx_now_ms();
	EXPECT_EQ(-ETIME, mx_reap(self->fd, cqe, 16, 1, 100, &got));
	dt = mx_now_ms() - t0;
	EXPECT_LE(90, dt);
	EXPECT_GT(3000, dt);

	/* A signal interrupts the wait. */
	sigemptyset(&sa.sa_mask);
	ASSERT_EQ(0, sigaction(SIGUSR1, &sa, NULL));
	k.target = pthread_self();
	k.after_ms = 100;
	ASSERT_EQ(0, pthread_create(&th, NULL, kick, &k));
	t0 = mx_now_ms();
	EXPECT_EQ(-EINTR, mx_reap(self->fd, cqe, 16, 1, 10000, &got));
	EXPECT_GT(5000, mx_now_ms() - t0);
	pthread_join(th, NULL);

	/* Reserved field. */
	memset(&rp, 0, sizeof(rp));
	rp.cqes = (uintptr_t)cqe;
	rp.nr = 16;
	rp.resv = 1;
	EXPECT_EQ(-EINVAL, mx_ioctl(self->fd, MCTE_IOC_REAP, &rp));

	/* Ten completions, taken 3 then the rest. */
	ASSERT_EQ(0, mx_batch_alloc(self->fd, 64, &id));
	for (i = 0; i < 10; i++)
		mx_req(&r[i], MCTE_OP_WRITE, self->ha, i * 10, self->hb,
		       i * 10, 10, id, 0x100 + i);
	ASSERT_EQ(0, mx_submit(self->fd, r, 10, NULL, NULL));
	ASSERT_EQ(0, mx_wait_batch(self->fd, id, 10000, NULL));
	memset(cqe, 0xee, sizeof(cqe));
	ASSERT_EQ(0, mx_reap(self->fd, cqe, 3, 1, 1000, &got));
	EXPECT_EQ(3, got);
	EXPECT_EQ(0xeeeeeeeeeeeeeeeeULL, cqe[3].user_data);
	ASSERT_EQ(0, mx_reap(self->fd, cqe + 3, 13, 1, 1000, &got));
	EXPECT_EQ(7, got);
	for (i = 0; i < 10; i++) {
		EXPECT_EQ(10, cqe[i].res);
		EXPECT_EQ(id, cqe[i].batch_id);
		EXPECT_EQ(MCTE_XFER_COMPLETED, cqe[i].state);
		EXPECT_LE(0x100, cqe[i].user_data);
		EXPECT_GT(0x10a, cqe[i].user_data);
	}
	EXPECT_EQ(-ETIME, mx_reap(self->fd, cqe, 16, 1, 20, &got));

	/* Fewer than min_nr by the deadline: those that came. */
	ASSERT_EQ(0, mx_submit(self->fd, r, 2, NULL, NULL));
	ASSERT_EQ(0, mx_wait_batch(self->fd, id, 10000, NULL));
	t0 = mx_now_ms();
	ASSERT_EQ(0, mx_reap(self->fd, cqe, 16, 5, 200, &got));
	EXPECT_EQ(2, got);
	EXPECT_LE(190, mx_now_ms() - t0);

	/* min_nr waits for completions still to come. */
	ASSERT_EQ(0, mx_set_delay(100));
	ASSERT_EQ(0, mx_submit(self->fd, r, 4, NULL, NULL));
	t0 = mx_now_ms();
	ASSERT_EQ(0, mx_reap(self->fd, cqe, 4, 4, 20000, &got));
	EXPECT_EQ(4, got);
	EXPECT_LE(100, mx_now_ms() - t0);
	ASSERT_EQ(0, mx_set_delay(0));

	/* -EFAULT loses nothing. */
	ASSERT_EQ(0, mx_submit(self->fd, r, 3, NULL, NULL));
	ASSERT_EQ(0, mx_wait_batch(self->fd, id, 10000, NULL));
	ro = mmap(NULL, page, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, ro);
	EXPECT_EQ(-EFAULT, mx_reap(self->fd, ro, 16, 1, 1000, &got));
	EXPECT_EQ(-EFAULT, mx_reap(self->fd, NULL, 16, 1, 1000, &got));
	ASSERT_EQ(0, mx_reap(self->fd, cqe, 16, 3, 1000, &got));
	EXPECT_EQ(3, got);
	munmap(ro, page);

	/* Completions belong to the file that submitted. */
	{
		char name[MCTE_SEG_NAME_MAX];
		__u32 h2, id2;

		ASSERT_EQ(0, mx_seg_reg1(self->fd2,
					 mx_name(name, sizeof(name), "r"),
					 self->p + 100, 100, MCTE_ACCESS_NONE,
					 &h2));
		ASSERT_EQ(0, mx_batch_alloc(self->fd2, 1, &id2));
		mx_req(&r[0], MCTE_OP_READ, h2, 0, self->hp2, 0, 10, id2, 5);
		ASSERT_EQ(0, mx_submit(self->fd2, r, 1, NULL, NULL));
		EXPECT_EQ(-ETIME, mx_reap(self->fd, cqe, 16, 1, 100, &got));
		ASSERT_EQ(0, mx_reap(self->fd2, cqe, 16, 1, 5000, &got));
		EXPECT_EQ(1, got);
		EXPECT_EQ(id2, cqe[0].batch_id);
	}
}

/*
 * What one file's batches may hold together is bounded (the module's
 * MCTE_FILE_REQS_MAX, 2^20 requests): past it an allocation fails with
 * -ENOMEM, and freeing makes room again.
 */
TEST_F(bt, file_capacity_bounded)
{
	enum { N = 40 };
	__u32 ids[N], id;
	int i, n, ret = 0;

	for (n = 0; n < N; n++) {
		ret = mx_batch_alloc(self->fd, MCTE_BATCH_MAX, &ids[n]);
		if (ret)
			break;
	}
	EXPECT_EQ(-ENOMEM, ret);
	EXPECT_LE(8, n);
	EXPECT_GT(N, n);
	EXPECT_EQ(-ENOMEM, mx_batch_alloc(self->fd, MCTE_BATCH_MAX, &id));
	/* Another file has its own bound. */
	ASSERT_EQ(0, mx_batch_alloc(self->fd2, MCTE_BATCH_MAX, &id));
	EXPECT_EQ(0, mx_batch_free(self->fd2, id));
	ASSERT_LT(0, n);
	EXPECT_EQ(0, mx_batch_free(self->fd, ids[--n]));
	ASSERT_EQ(0, mx_batch_alloc(self->fd, MCTE_BATCH_MAX, &ids[n]));
	for (i = 0; i <= n; i++)
		EXPECT_EQ(0, mx_batch_free(self->fd, ids[i]));
}

/* A batch of MCTE_BATCH_MAX requests, in one call; one more is too many. */
TEST_F_TIMEOUT(bt, largest_batch, 120)
{
	const __u32 n = MCTE_BATCH_MAX;
	struct mcte_xfer_req *r = calloc(n + 1, sizeof(*r));
	struct mcte_xfer_status *st = calloc(n, sizeof(*st));
	struct mcte_cqe *c = calloc(n, sizeof(*c));
	__u32 id, sub, err, nr, state, got, i;
	__u64 bytes;

	ASSERT_TRUE(r && st && c);
	ASSERT_EQ(0, mx_batch_alloc(self->fd, n, &id));
	for (i = 0; i <= n; i++)
		mx_req(&r[i], i & 1, self->ha, i % SEG_SIZE, self->hb,
		       (i * 7) % (SEG_SIZE - 1), 1, id, i);
	EXPECT_EQ(-ENOSPC, mx_submit(self->fd, r, n + 1, &sub, &err));
	EXPECT_EQ(n, err);
	EXPECT_EQ(0, sub);
	ASSERT_EQ(0, mx_status(self->fd, id, NULL, 0, &nr, NULL, NULL));
	EXPECT_EQ(0, nr);
	ASSERT_EQ(0, mx_submit(self->fd, r, n, &sub, &err));
	EXPECT_EQ(n, sub);
	ASSERT_EQ(0, mx_wait_batch(self->fd, id, 100000, &state));
	EXPECT_EQ(MCTE_XFER_COMPLETED, state);
	ASSERT_EQ(0, mx_status(self->fd, id, st, n, &nr, &state, &bytes));
	EXPECT_EQ(n, nr);
	EXPECT_EQ(n, bytes);
	for (i = 0; i < n; i++) {
		if (st[i].user_data != i || st[i].state != MCTE_XFER_COMPLETED ||
		    st[i].bytes != 1) {
			EXPECT_EQ(i, st[i].user_data);
			EXPECT_EQ(MCTE_XFER_COMPLETED, st[i].state);
			break;
		}
	}
	ASSERT_EQ(0, mx_reap(self->fd, c, n, n, 10000, &got));
	EXPECT_EQ(n, got);
	EXPECT_EQ(0, mx_batch_free(self->fd, id));
	free(r);
	free(st);
	free(c);
}

/* Arguments the module can read but not write back: -EFAULT, no change. */
TEST_F(bt, readonly_args)
{
	size_t page = sysconf(_SC_PAGESIZE);
	char *ro = mmap(NULL, page, PROT_READ | PROT_WRITE,
			MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	struct mcte_batch_submit *s = (void *)ro;
	struct mcte_batch_alloc *a = (void *)ro;
	struct mcte_batch_status *bs = (void *)ro;
	struct mcte_reap *rp = (void *)ro;
	struct mcte_xfer_req r;
	struct mcte_cqe c[4];
	__u32 id, nr, got;
	int fd = mx_open();

	ASSERT_NE(MAP_FAILED, ro);
	ASSERT_LE(0, fd);
	/* A batch whose id cannot be written back is not made. */
	memset(a, 0, sizeof(*a));
	a->capacity = MCTE_BATCH_MAX;
	ASSERT_EQ(0, mprotect(ro, page, PROT_READ));
	for (int i = 0; i < 40; i++)
		ASSERT_EQ(-EFAULT, mx_ioctl(fd, MCTE_IOC_BATCH_ALLOC, a));
	/* (40 of them would be over the file's bound, had they stayed.) */
	ASSERT_EQ(0, mx_batch_alloc(fd, MCTE_BATCH_MAX, &id));
	close(fd);

	/* A submission whose outcome cannot be written back queues nothing. */
	ASSERT_EQ(0, mx_batch_alloc(self->fd, 4, &id));
	mx_req(&r, MCTE_OP_WRITE, self->ha, 0, self->hb, 0, 100, id, 1);
	ASSERT_EQ(0, mprotect(ro, page, PROT_READ | PROT_WRITE));
	memset(s, 0, sizeof(*s));
	s->reqs = (uintptr_t)&r;
	s->nr = 1;
	ASSERT_EQ(0, mprotect(ro, page, PROT_READ));
	EXPECT_EQ(-EFAULT, mx_ioctl(self->fd, MCTE_IOC_BATCH_SUBMIT, s));
	ASSERT_EQ(0, mx_status(self->fd, id, NULL, 0, &nr, NULL, NULL));
	EXPECT_EQ(0, nr);

	/* Completions are not consumed by a reap that cannot report them. */
	ASSERT_EQ(0, mx_submit(self->fd, &r, 1, NULL, NULL));
	ASSERT_EQ(0, mx_wait_batch(self->fd, id, 10000, NULL));
	ASSERT_EQ(0, mprotect(ro, page, PROT_READ | PROT_WRITE));
	memset(rp, 0, sizeof(*rp));
	rp->cqes = (uintptr_t)c;
	rp->nr = 4;
	rp->min_nr = 1;
	rp->timeout_ms = 100;
	ASSERT_EQ(0, mprotect(ro, page, PROT_READ));
	EXPECT_EQ(-EFAULT, mx_ioctl(self->fd, MCTE_IOC_REAP, rp));
	ASSERT_EQ(0, mx_reap(self->fd, c, 4, 1, 1000, &got));
	EXPECT_EQ(1, got);

	/* Status: nothing to change, but the answer cannot be given. */
	ASSERT_EQ(0, mprotect(ro, page, PROT_READ | PROT_WRITE));
	memset(bs, 0, sizeof(*bs));
	bs->batch_id = id;
	ASSERT_EQ(0, mprotect(ro, page, PROT_READ));
	EXPECT_EQ(-EFAULT, mx_ioctl(self->fd, MCTE_IOC_BATCH_STATUS, bs));
	munmap(ro, page);
}

/* Many batches with requests, left for close() to clean up. */
TEST_F(bt, many_batches)
{
	enum { N = 500 };
	struct mcte_xfer_req r;
	__u32 id, i;
	int fd = mx_open();
	char name[MCTE_SEG_NAME_MAX];
	__u32 h;

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, mx_seg_reg1(fd, mx_name(name, sizeof(name), "mb"),
				 self->a, SEG_SIZE, MCTE_ACCESS_NONE, &h));
	for (i = 0; i < N; i++) {
		ASSERT_EQ(0, mx_batch_alloc(fd, 1 + i % 7, &id));
		mx_req(&r, i & 1, h, i, h, SEG_SIZE / 2 + i, 1000, id, i);
		ASSERT_EQ(0, mx_submit(fd, &r, 1, NULL, NULL));
	}
	close(fd);
}

TEST_HARNESS_MAIN
