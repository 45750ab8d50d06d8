// SPDX-License-Identifier: GPL-2.0
/*
 * Byte-for-byte checks of READ and WRITE between segments, through the
 * ioctl path (submit + reap) and through io_uring (one SQE128 command per
 * request), each test once per path (fixture variants).
 *
 * Every transfer is also done on a model of both segments in plain memory;
 * after each one the destination and source around the range, and at the
 * end both segments whole, must equal the model: bytes outside the range
 * untouched, bytes inside exactly the source's. Sources get fresh bytes
 * before each transfer so that a transfer that did nothing cannot pass.
 *
 * Random cases use a seeded PRNG; the seed is printed and MCTE_SEED
 * overrides it.
 */
#define MX_WITH_URING
#include "kselftest_harness.h"
#include "mcte_test.h"
#include "mcte_xfer.h"

enum path { PATH_IOCTL, PATH_URING };

/* One side of a transfer: a segment, where its bytes live, its model. */
struct side {
	__u32 h;
	size_t size;
	unsigned int nr;	/* buffers */
	unsigned char *buf[8];	/* segment offset space = buffers in order */
	size_t len[8];
	unsigned char *model;	/* contiguous */
};

FIXTURE(dv) {
	int fd;
	__u32 slice;
	size_t area;
	struct side loc, tgt;
	struct mx_rng rng;
	struct io_uring ring;
	bool ring_ok;
	__u32 batch;
	__u32 used;
	unsigned long nr_xfers;
	long slice_param;
};

FIXTURE_VARIANT(dv) {
	enum path path;
};

FIXTURE_VARIANT_ADD(dv, ioctl) {
	.path = PATH_IOCTL,
};

FIXTURE_VARIANT_ADD(dv, uring) {
	.path = PATH_URING,
};

/* Requests per batch before it is freed and a new one taken. */
#define BATCH_CAP	4096

/* Copy between the model and the segment's buffers. */
static void side_io(struct side *s, size_t off, size_t len, bool to_model)
{
	unsigned int i;
	size_t base = 0;

	for (i = 0; i < s->nr && len; i++) {
		size_t end = base + s->len[i];

		if (off < end) {
			size_t in = off - base;
			size_t n = s->len[i] - in < len ? s->len[i] - in : len;

			if (to_model)
				memcpy(s->model + off, s->buf[i] + in, n);
			else
				memcpy(s->buf[i] + in, s->model + off, n);
			off += n;
			len -= n;
		}
		base = end;
	}
}

/* Offset of the first byte in [off, off+len) where segment != model. */
static long side_diff(struct side *s, size_t off, size_t len)
{
	unsigned int i;
	size_t base = 0;

	for (i = 0; i < s->nr && len; i++) {
		size_t end = base + s->len[i];

		if (off < end) {
			size_t in = off - base;
			size_t n = s->len[i] - in < len ? s->len[i] - in : len;
			long d = mx_diff(s->buf[i] + in, s->model + off, n);

			if (d >= 0)
				return off + d;
			off += n;
			len -= n;
		}
		base = end;
	}
	return -1;
}

/* Fill [off, off+len) of a side (segment and model) with pattern @kind. */
static void side_fill(struct side *s, size_t off, size_t len, int kind,
		      struct mx_rng *r)
{
	size_t i;

	switch (kind) {
	case 0:
		mx_fill_rand(s->model + off, len, r);
		break;
	case 1:
		memset(s->model + off, 0x00, len);
		break;
	case 2:
		memset(s->model + off, 0xff, len);
		break;
	case 3:
		for (i = 0; i < len; i++)
			s->model[off + i] = (off + i) * 7 + 3;
		break;
	default:
		memset(s->model + off, 0xa5, len);
		break;
	}
	side_io(s, off, len, false);
}

static int side_setup(struct side *s, size_t len, size_t skew)
{
	void *p = mx_alloc(len + skew);

	if (!p)
		return -ENOMEM;
	s->nr = 1;
	s->buf[0] = (unsigned char *)p + skew;
	s->len[0] = len;
	s->size = len;
	s->model = malloc(len);
	return s->model ? 0 : -ENOMEM;
}

FIXTURE_SETUP(dv)
{
	char name[MCTE_SEG_NAME_MAX];
	uint64_t seed = mx_seed("MCTE_SEED", 0x6d637465);

	memset(self, 0, sizeof(*self));
	self->fd = mx_open();
	ASSERT_LE(0, self->fd);
	MX_REQUIRE(self->fd, MX_FEAT_XFER);
	if (variant->path == PATH_URING)
		MX_REQUIRE(self->fd, MCTE_FEAT_URING_CMD);
	self->slice_param = mx_get_param("slice_size");
	self->slice = mx_slice_size(self->fd);
	ASSERT_LT(0, self->slice);
	self->area = 16 * MX_MiB + 4 * (size_t)self->slice + 65536;
	self->rng.s = seed;
	TH_LOG("seed %#" PRIx64 " (MCTE_SEED), slice_size %u", seed,
	       self->slice);

	ASSERT_EQ(0, side_setup(&self->loc, self->area, 1));
	ASSERT_EQ(0, side_setup(&self->tgt, self->area, 4095));
	mx_fill_rand(self->loc.model, self->area, &self->rng);
	mx_fill_rand(self->tgt.model, self->area, &self->rng);
	side_io(&self->loc, 0, self->area, false);
	side_io(&self->tgt, 0, self->area, false);
	ASSERT_EQ(0, mx_seg_reg1(self->fd, mx_name(name, sizeof(name), "loc"),
				 self->loc.buf[0], self->area,
				 MCTE_ACCESS_NONE, &self->loc.h));
	ASSERT_EQ(0, mx_seg_reg1(self->fd, mx_name(name, sizeof(name), "tgt"),
				 self->tgt.buf[0], self->area,
				 MCTE_ACCESS_NONE, &self->tgt.h));
	ASSERT_EQ(0, mx_batch_alloc(self->fd, BATCH_CAP, &self->batch));
	if (variant->path == PATH_URING) {
		ASSERT_EQ(0, mx_ring_init(&self->ring, 128,
					  IORING_SETUP_SQE128));
		self->ring_ok = true;
	}
}

FIXTURE_TEARDOWN(dv)
{
	if (self->ring_ok)
		io_uring_queue_exit(&self->ring);
	if (self->slice_param > 0)
		mx_set_param("slice_size", self->slice_param);
	close(self->fd);
	TH_LOG("%lu transfers verified", self->nr_xfers);
}

/* The batch for the next @n requests. */
static __u32 next_batch(struct __test_metadata *_metadata,
			FIXTURE_DATA(dv) *self, unsigned int n)
{
	if (self->used + n > BATCH_CAP) {
		EXPECT_EQ(0, mx_batch_free(self->fd, self->batch));
		EXPECT_EQ(0, mx_batch_alloc(self->fd, BATCH_CAP, &self->batch));
		self->used = 0;
	}
	self->used += n;
	return self->batch;
}

/* One transfer through the variant's path; 0, or what went wrong. */
static int xfer(struct __test_metadata *_metadata, FIXTURE_DATA(dv) *self,
		const FIXTURE_VARIANT(dv) *variant, __u8 op,
		struct side *l, size_t loff, struct side *t, size_t toff,
		size_t len)
{
	struct mcte_xfer_req r;
	struct mcte_cqe cqe;
	__u64 ud = 0xda7a000000000000ULL | self->nr_xfers;
	int res = 0, ret;

	mx_req(&r, op, l->h, loff, t->h, toff, len,
	       next_batch(_metadata, self, 1), ud);
	if (variant->path == PATH_URING) {
		ret = mx_uring_xfer(&self->ring, self->fd, &r, &res);
		if (ret)
			return ret;
		EXPECT_EQ((int)len, res);
		return res == (int)len ? 0 : (res < 0 ? res : -EIO);
	}
	ret = mx_submit(self->fd, &r, 1, NULL, NULL);
	if (ret)
		return ret;
	ret = mx_reap_n(self->fd, &cqe, 1, 60000);
	if (ret)
		return ret;
	EXPECT_EQ(ud, cqe.user_data);
	EXPECT_EQ(self->batch, cqe.batch_id);
	EXPECT_EQ(MCTE_XFER_COMPLETED, cqe.state);
	EXPECT_EQ((__s64)len, cqe.res);
	return cqe.res == (__s64)len ? 0 : (cqe.res < 0 ? cqe.res : -EIO);
}

/*
 * Transfer and check: fresh bytes in the source range, the copy, then
 * the model; destination and source must match it around the range.
 */
static void xfer_check(struct __test_metadata *_metadata,
		       FIXTURE_DATA(dv) *self,
		       const FIXTURE_VARIANT(dv) *variant, __u8 op,
		       struct side *l, size_t loff, struct side *t, size_t toff,
		       size_t len, int kind)
{
	struct side *src = op == MCTE_OP_READ ? t : l;
	struct side *dst = op == MCTE_OP_READ ? l : t;
	size_t soff = op == MCTE_OP_READ ? toff : loff;
	size_t doff = op == MCTE_OP_READ ? loff : toff;
	size_t wlo, whi;
	long d;

	side_fill(src, soff, len, kind, &self->rng);
	if (kind)	/* constant patterns: make the destination differ */
		side_fill(dst, doff, len, kind == 1 ? 2 : 1, &self->rng);
	ASSERT_EQ(0, xfer(_metadata, self, variant, op, l, loff, t, toff, len))
		TH_LOG("%s loff %zu toff %zu len %zu",
		       op == MCTE_OP_READ ? "READ" : "WRITE", loff, toff, len);
	memcpy(dst->model + doff, src->model + soff, len);
	self->nr_xfers++;

	wlo = doff > 4096 ? doff - 4096 : 0;
	whi = doff + len + 4096 < dst->size ? doff + len + 4096 : dst->size;
	d = side_diff(dst, wlo, whi - wlo);
	ASSERT_EQ(-1, d) TH_LOG("%s loff %zu toff %zu len %zu: destination "
				"differs at %ld (range %zu..%zu)",
				op == MCTE_OP_READ ? "READ" : "WRITE",
				loff, toff, len, d, doff, doff + len);
	d = side_diff(src, soff, len);
	ASSERT_EQ(-1, d) TH_LOG("source changed at %ld", d);
}

static void check_all(struct __test_metadata *_metadata,
		      FIXTURE_DATA(dv) *self)
{
	EXPECT_EQ(-1, side_diff(&self->loc, 0, self->loc.size));
	EXPECT_EQ(-1, side_diff(&self->tgt, 0, self->tgt.size));
}

/* Lengths around every boundary that matters, at awkward offsets. */
TEST_F_TIMEOUT(dv, edges, 120)
{
	const size_t S = self->slice;
	const size_t lens[] = {
		1, 2, 3, 7, 8, 9, 63, 64, 65, 4095, 4096, 4097, 8191, 8193,
		S - 1, S, S + 1, 2 * S - 1, 2 * S, 2 * S + 1, 3 * S + 17,
		MX_MiB - 1, MX_MiB + 5, 4 * MX_MiB + 4095, 16 * MX_MiB,
	};
	const size_t offs[][2] = {
		{ 0, 0 }, { 1, 4095 }, { 4095, 1 }, { 4097, 8191 },
		{ S - 1, S + 1 }, { 3 * S + 5, 12345 },
	};
	unsigned int i, j, op;

	for (i = 0; i < MX_ARRAY_SIZE(lens); i++) {
		unsigned int nr_offs = lens[i] > MX_MiB ? 2 : MX_ARRAY_SIZE(offs);

		for (j = 0; j < nr_offs; j++)
			for (op = 0; op < 2; op++)
				xfer_check(_metadata, self, variant, op,
					   &self->loc, offs[j][0], &self->tgt,
					   offs[j][1], lens[i],
					   (i + j + op) % 5);
	}
	/* The last byte of each segment, and both whole. */
	xfer_check(_metadata, self, variant, MCTE_OP_READ, &self->loc,
		   self->area - 1, &self->tgt, self->area - 1, 1, 0);
	xfer_check(_metadata, self, variant, MCTE_OP_WRITE, &self->loc, 0,
		   &self->tgt, 0, self->area, 0);
	xfer_check(_metadata, self, variant, MCTE_OP_READ, &self->loc, 0,
		   &self->tgt, 0, self->area, 3);
	check_all(_metadata, self);
}

/* Random sizes (log-uniform up to 4 MiB) at random offsets. */
TEST_F_TIMEOUT(dv, random, 120)
{
	unsigned int i;

	for (i = 0; i < 300; i++) {
		size_t len = mx_rand_len(&self->rng, 4 * MX_MiB);
		size_t loff = mx_rand_below(&self->rng, self->area - len + 1);
		size_t toff = mx_rand_below(&self->rng, self->area - len + 1);

		xfer_check(_metadata, self, variant, mx_rand_below(&self->rng, 2),
			   &self->loc, loff, &self->tgt, toff, len,
			   i % 8 ? 0 : i % 5);
	}
	check_all(_metadata, self);
}

/* The smallest slice size: many slices per request, odd tails. */
TEST_F_TIMEOUT(dv, small_slices, 120)
{
	const size_t lens[] = {
		1, 4095, 4096, 4097, 2 * 4096 - 1, 3 * 4096 + 1,
		64 * 4096 + 4095, MX_MiB + 1, 3 * MX_MiB + 777,
	};
	long old = mx_get_param("slice_size");
	unsigned int i, op;

	ASSERT_LT(0, old) TH_LOG("module parameter slice_size missing");
	ASSERT_EQ(0, mx_set_param("slice_size", 4096));
	EXPECT_EQ(4096, mx_slice_size(self->fd));
	for (i = 0; i < MX_ARRAY_SIZE(lens); i++)
		for (op = 0; op < 2; op++)
			xfer_check(_metadata, self, variant, op, &self->loc,
				   4096 * i + i, &self->tgt, 3 * i + 4093,
				   lens[i], i % 5);
	/* A size that is not a power of two is refused. */
	EXPECT_NE(0, mx_set_param("slice_size", 4096 + 512));
	EXPECT_EQ(0, mx_set_param("slice_size", old));
	EXPECT_EQ(old, mx_slice_size(self->fd));
	check_all(_metadata, self);
}

/*
 * Many requests in one batch (one submit, or one submit_and_wait): each
 * request has chunk i of both segments to itself, so they are independent
 * whatever order the slices run in.
 */
TEST_F_TIMEOUT(dv, batched, 120)
{
	enum { N = 64 };
	const size_t chunk = self->area / N;
	struct mcte_xfer_req reqs[N];
	struct mcte_xfer_status st[N];
	struct mcte_cqe cqes[N];
	__u64 total = 0, bytes;
	__u32 nr, state, id;
	bool seen[N] = { false };
	unsigned int i, round;

	for (round = 0; round < 3; round++) {
		id = next_batch(_metadata, self, N);
		if (round == 0) {
			/* A batch of its own, to check its status below. */
			ASSERT_EQ(0, mx_batch_alloc(self->fd, N, &id));
		}
		total = 0;
		for (i = 0; i < N; i++) {
			size_t len = mx_rand_len(&self->rng, chunk - 8192);
			size_t loff = i * chunk + mx_rand_below(&self->rng, chunk - len);
			size_t toff = i * chunk + mx_rand_below(&self->rng, chunk - len);
			__u8 op = mx_rand_below(&self->rng, 2);
			struct side *src = op == MCTE_OP_READ ? &self->tgt : &self->loc;

			side_fill(src, op == MCTE_OP_READ ? toff : loff, len, 0,
				  &self->rng);
			mx_req(&reqs[i], op, self->loc.h, loff, self->tgt.h,
			       toff, len, id, 1000 + i);
			total += len;
		}
		if (variant->path == PATH_URING) {
			for (i = 0; i < N; i++) {
				struct io_uring_sqe *sqe = io_uring_get_sqe(&self->ring);

				ASSERT_NE(NULL, sqe);
				mx_prep_xfer(&self->ring, sqe, self->fd, &reqs[i],
					     2000 + i);
			}
			ASSERT_EQ(N, io_uring_submit_and_wait(&self->ring, N));
			memset(seen, 0, sizeof(seen));
			for (i = 0; i < N; i++) {
				struct io_uring_cqe *cqe;
				unsigned int k;

				ASSERT_EQ(0, io_uring_wait_cqe(&self->ring, &cqe));
				k = cqe->user_data - 2000;
				ASSERT_GT(N, k);
				EXPECT_FALSE(seen[k]);
				seen[k] = true;
				EXPECT_EQ((int)reqs[k].length, cqe->res);
				io_uring_cqe_seen(&self->ring, cqe);
			}
		} else {
			__u32 sub, err;

			ASSERT_EQ(0, mx_submit(self->fd, reqs, N, &sub, &err));
			EXPECT_EQ(N, sub);
			ASSERT_EQ(0, mx_reap_n(self->fd, cqes, N, 60000));
			memset(seen, 0, sizeof(seen));
			for (i = 0; i < N; i++) {
				unsigned int k = cqes[i].user_data - 1000;

				ASSERT_GT(N, k);
				EXPECT_FALSE(seen[k]);
				seen[k] = true;
				EXPECT_EQ(id, cqes[i].batch_id);
				EXPECT_EQ(MCTE_XFER_COMPLETED, cqes[i].state);
				EXPECT_EQ((__s64)reqs[k].length, cqes[i].res);
			}
		}
		for (i = 0; i < N; i++) {
			struct mcte_xfer_req *r = &reqs[i];
			struct side *src = r->opcode == MCTE_OP_READ ? &self->tgt : &self->loc;
			struct side *dst = r->opcode == MCTE_OP_READ ? &self->loc : &self->tgt;
			size_t soff = r->opcode == MCTE_OP_READ ? r->target_off : r->local_off;
			size_t doff = r->opcode == MCTE_OP_READ ? r->local_off : r->target_off;

			memcpy(dst->model + doff, src->model + soff, r->length);
			self->nr_xfers++;
		}
		check_all(_metadata, self);
		if (round)
			continue;
		/* Status of the batch: in submission order, all bytes. */
		ASSERT_EQ(0, mx_status(self->fd, id, st, N, &nr, &state, &bytes));
		EXPECT_EQ(N, nr);
		EXPECT_EQ(MCTE_XFER_COMPLETED, state);
		EXPECT_EQ(total, bytes);
		for (i = 0; i < N; i++) {
			EXPECT_EQ(1000 + i, st[i].user_data);
			EXPECT_EQ(reqs[i].length, st[i].bytes);
			EXPECT_EQ(0, st[i].res);
			EXPECT_EQ(MCTE_XFER_COMPLETED, st[i].state);
		}
		EXPECT_EQ(0, mx_batch_free(self->fd, id));
	}
}

/*
 * A segment of several buffers (one from a memfd, the rest anonymous, odd
 * addresses and sizes) as local and as target: offsets run through the
 * buffers in order and requests may cross from one into the next.
 */
TEST_F_TIMEOUT(dv, multi_buffer, 120)
{
	const size_t len[] = { 5000, 1, 70001, 200000, 4096 };
	const size_t skew[] = { 3, 0, 4095, 1, 0 };
	struct mcte_seg_buf bufs[MX_ARRAY_SIZE(len)];
	char name[MCTE_SEG_NAME_MAX];
	struct side m = { 0 };
	size_t b, bounds[MX_ARRAY_SIZE(len)];
	struct mcte_xfer_req r;
	unsigned int i, op;
	int mfd;

	mfd = memfd_create("mx", 0);
	ASSERT_LE(0, mfd);
	ASSERT_EQ(0, ftruncate(mfd, 2 * 4096));
	m.nr = MX_ARRAY_SIZE(len);
	for (i = 0; i < m.nr; i++) {
		if (i == m.nr - 1) {
			char *p = mmap(NULL, 2 * 4096, PROT_READ | PROT_WRITE,
				       MAP_SHARED, mfd, 0);

			ASSERT_NE(MAP_FAILED, p);
			m.buf[i] = (unsigned char *)p + 4096;
		} else {
			m.buf[i] = mx_alloc(len[i] + skew[i]);
			ASSERT_NE(NULL, m.buf[i]);
			m.buf[i] += skew[i];
		}
		m.len[i] = len[i];
		bufs[i] = mx_buf(m.buf[i], len[i]);
		bounds[i] = m.size;
		m.size += len[i];
	}
	m.model = malloc(m.size);
	ASSERT_NE(NULL, m.model);
	mx_fill_rand(m.model, m.size, &self->rng);
	side_io(&m, 0, m.size, false);
	ASSERT_EQ(0, mx_seg_reg(self->fd, mx_name(name, sizeof(name), "mb"),
				bufs, m.nr, MCTE_ACCESS_NONE, &m.h));

	for (op = 0; op < 2; op++) {
		/* Whole segment, as local and as target. */
		xfer_check(_metadata, self, variant, op, &m, 0, &self->tgt, 7,
			   m.size, 0);
		xfer_check(_metadata, self, variant, op, &self->loc, 4097, &m,
			   0, m.size, 0);
		/* Across each boundary, and exactly up to it. */
		for (i = 1; i < m.nr; i++) {
			b = bounds[i];
			xfer_check(_metadata, self, variant, op, &m, b - 1,
				   &self->tgt, 100 * i, 2, 0);
			xfer_check(_metadata, self, variant, op, &self->loc,
				   100 * i + 1, &m, b - 10, 20 < m.size - b + 10 ?
				   20 : m.size - b + 10, 0);
			xfer_check(_metadata, self, variant, op, &m, 0,
				   &self->tgt, 3 * i, b, 1 + i % 4);
			xfer_check(_metadata, self, variant, op, &self->loc, 5,
				   &m, b, m.size - b, 0);
		}
		/* Random ranges. */
		for (i = 0; i < 40; i++) {
			size_t l = mx_rand_len(&self->rng, m.size);
			size_t o = mx_rand_below(&self->rng, m.size - l + 1);

			if (i & 1)
				xfer_check(_metadata, self, variant, op, &m, o,
					   &self->tgt, i * 4099, l, 0);
			else
				xfer_check(_metadata, self, variant, op,
					   &self->loc, i * 4099 + 1, &m, o, l, 0);
		}
	}
	EXPECT_EQ(-1, side_diff(&m, 0, m.size));
	check_all(_metadata, self);

	/* One byte too far is out of range on either side. */
	mx_req(&r, MCTE_OP_READ, m.h, 1, self->tgt.h, 0, m.size,
	       next_batch(_metadata, self, 0), 1);
	EXPECT_EQ(-ERANGE, mx_submit(self->fd, &r, 1, NULL, NULL));
	mx_req(&r, MCTE_OP_WRITE, self->loc.h, 0, m.h, m.size, 1,
	       next_batch(_metadata, self, 0), 1);
	EXPECT_EQ(-ERANGE, mx_submit(self->fd, &r, 1, NULL, NULL));
	EXPECT_EQ(0, mx_seg_unreg(self->fd, m.h));
	close(mfd);
	free(m.model);
}

/* The other process holds a segment over memory it shares with us. */
struct peer {
	char name[2][MCTE_SEG_NAME_MAX];	/* RW, READ */
	int ready[2], done[2];
};

static int peer_child(void *varg, struct mx_report *rep)
{
	struct peer *p = varg;
	unsigned char *mem = (unsigned char *)varg + 4096;
	size_t half = (16 * MX_MiB + 12345) / 2;
	int fd = mx_open();
	__u32 h[2];

	close(p->ready[0]);
	close(p->done[1]);
	MX_CK(rep, 1, fd >= 0);
	MX_CK(rep, 0, mx_seg_reg1(fd, p->name[0], mem + 1, half,
				  MCTE_ACCESS_RW, &h[0]));
	MX_CK(rep, 0, mx_seg_reg1(fd, p->name[1], mem + 1 + half, half,
				  MCTE_ACCESS_READ, &h[1]));
	mx_signal_fd(p->ready[1], 'r');
	mx_await_fd(p->done[0]);
	close(fd);
	return 0;
}

/*
 * Between two processes through open-by-name: the target's bytes are
 * checked in its own memory (shared with this process).
 */
TEST_F_TIMEOUT(dv, two_processes, 120)
{
	const size_t half = (16 * MX_MiB + 12345) / 2;
	size_t span = 4096 + 2 * half + 1;
	struct mx_report rep = { 0 };
	struct side t[2] = { { 0 } };
	struct peer *p;
	__u64 size;
	unsigned int i, k;
	pid_t pid;

	p = mx_alloc_shared(span);
	ASSERT_NE(NULL, p);
	mx_name(p->name[0], sizeof(p->name[0]), "peerrw");
	mx_name(p->name[1], sizeof(p->name[1]), "peerro");
	for (k = 0; k < 2; k++) {
		t[k].nr = 1;
		t[k].buf[0] = (unsigned char *)p + 4096 + 1 + k * half;
		t[k].len[0] = half;
		t[k].size = half;
		t[k].model = malloc(half);
		ASSERT_NE(NULL, t[k].model);
		mx_fill_rand(t[k].model, half, &self->rng);
		side_io(&t[k], 0, half, false);
	}
	ASSERT_EQ(0, pipe(p->ready));
	ASSERT_EQ(0, pipe(p->done));
	fflush(NULL);
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0)
		_exit(peer_child(p, &rep));
	close(p->ready[1]);
	close(p->done[0]);
	ASSERT_EQ('r', mx_await_fd(p->ready[0]));
	ASSERT_EQ(0, mx_seg_open(self->fd, p->name[0], MCTE_ACCESS_RW,
				 &t[0].h, &size, NULL));
	EXPECT_EQ(half, size);
	ASSERT_EQ(0, mx_seg_open(self->fd, p->name[1], MCTE_ACCESS_READ,
				 &t[1].h, &size, NULL));

	for (i = 0; i < 120; i++) {
		size_t len = mx_rand_len(&self->rng, i < 4 ? half : MX_MiB);
		size_t loff = mx_rand_below(&self->rng, self->area - len + 1);
		size_t toff = mx_rand_below(&self->rng, half - len + 1);

		k = i % 3 == 2;
		xfer_check(_metadata, self, variant,
			   k ? MCTE_OP_READ : i & 1, &self->loc, loff, &t[k],
			   toff, len, i % 5);
	}
	xfer_check(_metadata, self, variant, MCTE_OP_WRITE, &self->loc, 3,
		   &t[0], 0, half, 0);
	xfer_check(_metadata, self, variant, MCTE_OP_READ, &self->loc, 0,
		   &t[1], 0, half, 0);
	EXPECT_EQ(-1, side_diff(&t[0], 0, half));
	EXPECT_EQ(-1, side_diff(&t[1], 0, half));
	check_all(_metadata, self);
	EXPECT_EQ(0, mx_seg_close(self->fd, t[0].h));
	EXPECT_EQ(0, mx_seg_close(self->fd, t[1].h));
	mx_signal_fd(p->done[1], 'd');
	EXPECT_EQ(0, mx_wait_child(pid));
	close(p->ready[0]);
	close(p->done[1]);
	free(t[0].model);
	free(t[1].model);
	mx_free(p, span);
}

TEST_HARNESS_MAIN
