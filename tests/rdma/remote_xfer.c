// SPDX-License-Identifier: GPL-2.0
/*
 * Transfers to a peer's segments over RDMA, every byte checked: WRITE and
 * READ of many sizes and offsets (1 byte to 8 MiB, unaligned, across the
 * buffers of multi-buffer segments on both ends, up to the segment's
 * end), a batch of 128 mixed requests, a read-only segment; and the
 * refusals: opening a read-only segment for writing (-EACCES), writing
 * through a read handle (-EACCES), out of range (-ERANGE), an unknown
 * name (-ENOENT), a port nobody listens on, and requests to a segment its
 * owner unregistered (-ENODEV). Each test runs three ways: batches through
 * ioctls, a libmcte ring on the ioctl path, a ring on io_uring.
 *
 * Two set-ups (Documentation/testing.rst, "The rdma suite"):
 *  - one guest (remote_xfer.sh): this program registers "rw" and "ro"
 *    itself and opens them again through the peer address, so the data
 *    crosses soft-RoCE both ways and the owner's memory can be compared
 *    directly;
 *  - two guests (pair_client.sh), MCTE_RDMA_OWNER=peer: the other guest
 *    owns them (rseg own), laid out as here and filled with the same
 *    seeded patterns; writes are checked by reading back.
 *
 * Environment: MCTE_RDMA_PEER (host[:port], default 10.77.0.2),
 * MCTE_RDMA_OWNER (self|peer), MCTE_RDMA_RW / MCTE_RDMA_RO (the peer's
 * segment names when the peer owns them).
 */
#include "kselftest_harness.h"
#include "rdma_test.h"

#define RX_WAIT_MS	(120 * 1000)
#define RX_RING_ENTRIES	256
#define RX_WINDOW	4096	/* checked around each transfer */

static const size_t rx_loc_lens[] = { 9 * MX_MiB + 7, 65537, 7 * MX_MiB + 1 };
static const size_t rx_chk_lens[] = { 8 * MX_MiB + 4 * RX_WINDOW };

enum rx_path { RX_BATCH, RX_RING_IOCTL, RX_RING_URING };

struct rx_io {
	__u8 op;
	__u32 tgt;
	__u64 toff;
	__u32 local;
	__u64 loff;
	__u64 len;
};

struct rx_res {
	__u32 state;
	int res;	/* 0 or -errno */
	__u64 bytes;
};

FIXTURE(rx) {
	struct mcte *m;
	bool peer_owned;
	char rw_name[MCTE_SEG_NAME_MAX], ro_name[MCTE_SEG_NAME_MAX];
	struct rt_seg rw, ro;		/* the owner's memory, when ours */
	__u32 reg_rw, reg_ro;
	bool rw_registered;
	__u32 hrw, hro;			/* opened through the peer */
	__u64 rw_size, ro_size;
	unsigned char *sh, *ro_sh;	/* what rw and ro must hold */
	struct rt_seg loc, chk;
	__u32 hloc, hchk;
	unsigned char *loc_sh;		/* what loc must hold */
	struct mcte_ring ring;
	bool ring_ok;
	struct mx_rng rng;
};

FIXTURE_VARIANT(rx) {
	enum rx_path path;
};

FIXTURE_VARIANT_ADD(rx, batch) { .path = RX_BATCH };
FIXTURE_VARIANT_ADD(rx, ring_ioctl) { .path = RX_RING_IOCTL };
FIXTURE_VARIANT_ADD(rx, uring) { .path = RX_RING_URING };

/* Run @n requests; 0, or the error of a refused batch submission. */
static int rx_run(struct __test_metadata *_metadata, FIXTURE_DATA(rx) *self,
		  const FIXTURE_VARIANT(rx) *variant, const struct rx_io *io,
		  unsigned int n, struct rx_res *out)
{
	struct mcte_xfer_status *st;
	struct mcte_batch_state bs;
	struct mcte_xfer_req *reqs;
	uint64_t end;
	unsigned int i;
	__u32 id;
	int ret;

	ASSERT_EQ(0, mcte_batch_alloc(self->m, n, &id));
	if (variant->path == RX_BATCH) {
		reqs = calloc(n, sizeof(*reqs));
		st = calloc(n, sizeof(*st));
		ASSERT_TRUE(reqs && st);
		for (i = 0; i < n; i++)
			mcte_prep_xfer(&reqs[i], io[i].op, id, io[i].local,
				       io[i].loff, io[i].tgt, io[i].toff,
				       io[i].len, i);
		ret = mcte_batch_submit(self->m, id, reqs, n);
		if (ret < 0) {
			EXPECT_EQ(0, mcte_batch_free(self->m, id));
			free(reqs);
			free(st);
			return ret;
		}
		ASSERT_EQ(n, ret);
		end = mx_now_ms() + RX_WAIT_MS;
		do {
			ASSERT_LE(0, mcte_batch_status(self->m, id, NULL, 0, &bs));
			if (mx_state_final(bs.state))
				break;
			usleep(1000);
		} while (mx_now_ms() < end);
		ASSERT_TRUE(mx_state_final(bs.state))
			TH_LOG("batch of %u still %s after %u ms", n,
			       mx_state_name(bs.state), RX_WAIT_MS);
		ASSERT_EQ(n, mcte_batch_status(self->m, id, st, n, NULL));
		for (i = 0; i < n; i++) {
			ASSERT_EQ(i, st[i].user_data);
			out[i].state = st[i].state;
			out[i].res = st[i].res;
			out[i].bytes = st[i].bytes;
		}
		free(reqs);
		free(st);
	} else {
		struct mcte_cqe *cqe;
		bool *seen = calloc(n, sizeof(*seen));

		ASSERT_NE(NULL, seen);
		ASSERT_GE(RX_RING_ENTRIES, n);
		for (i = 0; i < n; i++) {
			struct mcte_xfer_req *r = mcte_ring_get_sqe(&self->ring);

			ASSERT_NE(NULL, r);
			mcte_prep_xfer(r, io[i].op, id, io[i].local, io[i].loff,
				       io[i].tgt, io[i].toff, io[i].len,
				       0x7700000000ULL + i);
		}
		ret = mcte_ring_submit_and_wait(&self->ring, n);
		ASSERT_EQ(n, ret) TH_LOG("submit: %s", mcte_strerror(ret));
		for (i = 0; i < n; i++) {
			__u64 k;

			ASSERT_EQ(0, mcte_ring_wait_cqe(&self->ring, &cqe));
			k = cqe->user_data - 0x7700000000ULL;
			ASSERT_GT(n, k);
			ASSERT_FALSE(seen[k]);
			seen[k] = true;
			out[k].state = cqe->state;
			out[k].res = cqe->res < 0 ? cqe->res : 0;
			out[k].bytes = cqe->res < 0 ? 0 : cqe->res;
			mcte_ring_cqe_seen(&self->ring, cqe);
		}
		free(seen);
	}
	EXPECT_EQ(0, mcte_batch_free(self->m, id));
	return 0;
}

/* One request: its bytes when COMPLETED, else -errno (refused or failed). */
static __s64 rx_one(struct __test_metadata *_metadata, FIXTURE_DATA(rx) *self,
		    const FIXTURE_VARIANT(rx) *variant, __u8 op, __u32 tgt,
		    __u64 toff, __u64 loff, __u64 len, __u32 *state)
{
	struct rx_io io = {
		.op = op, .tgt = tgt, .toff = toff,
		.local = self->hloc, .loff = loff, .len = len,
	};
	struct rx_res r = { 0 };
	int ret;

	ret = rx_run(_metadata, self, variant, &io, 1, &r);
	if (state)
		*state = ret ? MCTE_XFER_FAILED : r.state;
	if (ret)
		return ret;
	if (r.state == MCTE_XFER_COMPLETED)
		return r.bytes;
	if (r.res)
		return r.res;
	return r.state == MCTE_XFER_TIMEOUT ? -ETIMEDOUT : -EPROTO;
}

static void rx_window(__u64 size, __u64 off, __u64 len, __u64 *wo, __u64 *wl)
{
	__u64 lo = off > RX_WINDOW ? off - RX_WINDOW : 0;
	__u64 hi = off + len + RX_WINDOW < size ? off + len + RX_WINDOW : size;

	*wo = lo;
	*wl = hi - lo;
}

/* rw holds what it must around [off, off + len): -1, or the bad offset. */
static long rx_check_target(struct __test_metadata *_metadata,
			    FIXTURE_DATA(rx) *self,
			    const FIXTURE_VARIANT(rx) *variant,
			    __u64 off, __u64 len)
{
	unsigned char *have;
	__u64 wo, wl;
	long d;

	rx_window(self->rw_size, off, len, &wo, &wl);
	have = malloc(wl);
	if (!have)
		return -2;
	if (!self->peer_owned) {
		rt_seg_gather(&self->rw, wo, wl, have);
	} else {
		struct rx_io io = {
			.op = MCTE_OP_READ, .tgt = self->hrw, .toff = wo,
			.local = self->hchk, .loff = 0, .len = wl,
		};
		struct rx_res r = { 0 };

		if (wl > self->chk.size ||
		    rx_run(_metadata, self, variant, &io, 1, &r) ||
		    r.state != MCTE_XFER_COMPLETED) {
			free(have);
			return -3;
		}
		rt_seg_gather(&self->chk, 0, wl, have);
	}
	d = mx_diff(have, self->sh + wo, wl);
	free(have);
	return d < 0 ? -1 : (long)(wo + d);
}

/* loc holds what it must around [off, off + len). */
static long rx_check_local(FIXTURE_DATA(rx) *self, __u64 off, __u64 len)
{
	unsigned char *have;
	__u64 wo, wl;
	long d;

	rx_window(self->loc.size, off, len, &wo, &wl);
	have = malloc(wl);
	if (!have)
		return -2;
	rt_seg_gather(&self->loc, wo, wl, have);
	d = mx_diff(have, self->loc_sh + wo, wl);
	free(have);
	return d < 0 ? -1 : (long)(wo + d);
}

/* New random bytes in loc [off, off + len). */
static void rx_fresh_local(FIXTURE_DATA(rx) *self, __u64 off, __u64 len)
{
	mx_fill_rand(self->loc_sh + off, len, &self->rng);
	rt_seg_scatter(&self->loc, off, len, self->loc_sh + off);
}

/* WRITE loc [loff..] to rw [toff..], then check both ends. */
static void rx_write(struct __test_metadata *_metadata, FIXTURE_DATA(rx) *self,
		     const FIXTURE_VARIANT(rx) *variant, __u64 toff,
		     __u64 loff, __u64 len)
{
	__u32 state;
	__s64 ret;

	rx_fresh_local(self, loff, len);
	ret = rx_one(_metadata, self, variant, MCTE_OP_WRITE, self->hrw,
		     toff, loff, len, &state);
	ASSERT_EQ((__s64)len, ret)
		TH_LOG("WRITE %llu bytes at %llu from %llu: %s, %s",
		       (unsigned long long)len, (unsigned long long)toff,
		       (unsigned long long)loff, mx_state_name(state),
		       ret < 0 ? rt_errname(ret) : "short");
	memcpy(self->sh + toff, self->loc_sh + loff, len);
	EXPECT_EQ(-1, rx_check_target(_metadata, self, variant, toff, len))
		TH_LOG("WRITE %llu bytes at %llu: target differs",
		       (unsigned long long)len, (unsigned long long)toff);
	EXPECT_EQ(-1, rx_check_local(self, loff, len));
}

/* READ rw (or ro) [toff..] into loc [loff..], then check loc. */
static void rx_read(struct __test_metadata *_metadata, FIXTURE_DATA(rx) *self,
		    const FIXTURE_VARIANT(rx) *variant, bool ro, __u64 toff,
		    __u64 loff, __u64 len)
{
	__u32 state;
	__s64 ret;

	rx_fresh_local(self, loff, len);
	ret = rx_one(_metadata, self, variant, MCTE_OP_READ,
		     ro ? self->hro : self->hrw, toff, loff, len, &state);
	ASSERT_EQ((__s64)len, ret)
		TH_LOG("READ %llu bytes at %llu into %llu: %s, %s",
		       (unsigned long long)len, (unsigned long long)toff,
		       (unsigned long long)loff, mx_state_name(state),
		       ret < 0 ? rt_errname(ret) : "short");
	memcpy(self->loc_sh + loff, (ro ? self->ro_sh : self->sh) + toff, len);
	EXPECT_EQ(-1, rx_check_local(self, loff, len))
		TH_LOG("READ %llu bytes at %llu: local copy differs",
		       (unsigned long long)len, (unsigned long long)toff);
}

FIXTURE_SETUP(rx)
{
	const char *owner = getenv("MCTE_RDMA_OWNER");
	char name[256];
	__u64 size, off;
	int ret;

	self->rng.s = 0x5eed ^ getpid();
	ASSERT_EQ(0, mcte_open(&self->m, 0));
	if (!rt_have_rdma(self->m))
		SKIP(return, "module lacks MCTE_FEAT_XPORT_RDMA");
	self->peer_owned = owner && !strcmp(owner, "peer");

	if (variant->path != RX_BATCH) {
		ret = mcte_ring_init(self->m, &self->ring, RX_RING_ENTRIES,
				     variant->path == RX_RING_IOCTL ?
				     MCTE_RING_FORCE_IOCTL : 0);
		ASSERT_EQ(0, ret) TH_LOG("ring: %s", mcte_strerror(ret));
		self->ring_ok = true;
		if (variant->path == RX_RING_URING &&
		    mcte_ring_mode(&self->ring) != MCTE_RING_MODE_URING)
			SKIP(return, "no io_uring here (ring mode %s)",
			     mcte_ring_mode_name(mcte_ring_mode(&self->ring)));
	}

	/* Local memory: loc for data, chk for reading rw back. */
	ASSERT_EQ(0, rt_seg_alloc(&self->loc, rx_loc_lens,
				  MX_ARRAY_SIZE(rx_loc_lens)));
	self->loc_sh = malloc(self->loc.size);
	ASSERT_NE(NULL, self->loc_sh);
	rx_fresh_local(self, 0, self->loc.size);
	ASSERT_EQ(0, rt_seg_register(self->m, mx_name(name, MCTE_SEG_NAME_MAX, "loc"),
				     &self->loc, MCTE_ACCESS_NONE, &self->hloc));
	ASSERT_EQ(0, rt_seg_alloc(&self->chk, rx_chk_lens,
				  MX_ARRAY_SIZE(rx_chk_lens)));
	ASSERT_EQ(0, rt_seg_register(self->m, mx_name(name, MCTE_SEG_NAME_MAX, "chk"),
				     &self->chk, MCTE_ACCESS_NONE, &self->hchk));

	if (self->peer_owned) {
		snprintf(self->rw_name, sizeof(self->rw_name), "%s",
			 getenv("MCTE_RDMA_RW") ?: "pair.rw");
		snprintf(self->ro_name, sizeof(self->ro_name), "%s",
			 getenv("MCTE_RDMA_RO") ?: "pair.ro");
	} else {
		mx_name(self->rw_name, sizeof(self->rw_name), "rw");
		mx_name(self->ro_name, sizeof(self->ro_name), "ro");
		ASSERT_EQ(0, rt_seg_alloc(&self->rw, rt_rw_lens,
					  MX_ARRAY_SIZE(rt_rw_lens)));
		ASSERT_EQ(0, rt_seg_alloc(&self->ro, rt_ro_lens,
					  MX_ARRAY_SIZE(rt_ro_lens)));
		ASSERT_EQ(0, rt_seg_fill(&self->rw, RT_RW_SEED));
		ASSERT_EQ(0, rt_seg_fill(&self->ro, RT_RO_SEED));
		ASSERT_EQ(0, rt_seg_register(self->m, self->rw_name, &self->rw,
					     MCTE_ACCESS_RW, &self->reg_rw));
		self->rw_registered = true;
		ASSERT_EQ(0, rt_seg_register(self->m, self->ro_name, &self->ro,
					     MCTE_ACCESS_READ, &self->reg_ro));
	}

	ret = mcte_seg_open(self->m, rt_remote(name, sizeof(name), self->rw_name),
			    MCTE_ACCESS_RW, &self->hrw, &self->rw_size);
	ASSERT_EQ(0, ret) TH_LOG("open %s: %s", name, mcte_strerror(ret));
	ret = mcte_seg_open(self->m, rt_remote(name, sizeof(name), self->ro_name),
			    MCTE_ACCESS_READ, &self->hro, &self->ro_size);
	ASSERT_EQ(0, ret) TH_LOG("open %s: %s", name, mcte_strerror(ret));
	ASSERT_EQ(self->ro_size, rt_ro_lens[0]);
	size = 0;
	for (off = 0; off < MX_ARRAY_SIZE(rt_rw_lens); off++)
		size += rt_rw_lens[off];
	ASSERT_EQ(size, self->rw_size);

	self->sh = malloc(self->rw_size);
	self->ro_sh = malloc(self->ro_size);
	ASSERT_TRUE(self->sh && self->ro_sh);
	rt_pattern(self->ro_sh, self->ro_size, RT_RO_SEED);
	if (!self->peer_owned) {
		rt_pattern(self->sh, self->rw_size, RT_RW_SEED);
		return;
	}
	/* The peer's rw as earlier tests left it: read it, in pieces. */
	for (off = 0; off < self->rw_size; off += self->chk.size) {
		__u64 n = self->rw_size - off < self->chk.size ?
			  self->rw_size - off : self->chk.size;
		struct rx_io io = {
			.op = MCTE_OP_READ, .tgt = self->hrw, .toff = off,
			.local = self->hchk, .loff = 0, .len = n,
		};
		struct rx_res r = { 0 };

		ASSERT_EQ(0, rx_run(_metadata, self, variant, &io, 1, &r));
		ASSERT_EQ(MCTE_XFER_COMPLETED, r.state)
			TH_LOG("reading the peer's rw: %s", rt_errname(r.res));
		rt_seg_gather(&self->chk, 0, n, self->sh + off);
	}
}

FIXTURE_TEARDOWN(rx)
{
	if (self->ring_ok)
		mcte_ring_exit(&self->ring);
	mcte_close(self->m);
	rt_seg_free(&self->rw);
	rt_seg_free(&self->ro);
	rt_seg_free(&self->loc);
	rt_seg_free(&self->chk);
	free(self->sh);
	free(self->ro_sh);
	free(self->loc_sh);
}

/* WRITE then READ back (into another place) at many sizes and offsets. */
TEST_F_TIMEOUT(rx, sizes, 300)
{
	const __u64 rw = self->rw_size, loc = self->loc.size;
	const struct {
		__u64 toff, loff, len;
	} t[] = {
		{ 0, 0, 4096 },
		{ 8192, 4096 * 5, 4096 },
		{ 7, 3, 1 },
		{ 4097, 1, 4095 },
		{ 12345, 77, 65537 },
		/* across rw's buffers 0, 1, 2 and loc's 0, 1 */
		{ 5 * MX_MiB - 100, 9 * MX_MiB - 1000, 65537 },
		/* across rw's 0, 1, 2 and all three of loc */
		{ 5 * MX_MiB - 512 * MX_KiB + 3, 9 * MX_MiB + 7 - 4096, MX_MiB },
		{ 2 * MX_MiB + 1, 3 * MX_MiB + 2, MX_MiB },
		/* across all four buffers of rw */
		{ 4 * MX_MiB + 3, MX_MiB + 5, 8 * MX_MiB },
		{ rw - 8 * MX_MiB, 0, 8 * MX_MiB },
		{ rw - 1, loc - 1, 1 },
	};
	unsigned int i;

	for (i = 0; i < MX_ARRAY_SIZE(t); i++) {
		__u64 back = (t[i].loff + 12345) % (loc - t[i].len + 1);

		rx_write(_metadata, self, variant, t[i].toff, t[i].loff, t[i].len);
		rx_read(_metadata, self, variant, false, t[i].toff, back, t[i].len);
	}
}

/* 128 requests at once, 64 WRITEs and 64 READs, to disjoint places. */
TEST_F_TIMEOUT(rx, batch128, 180)
{
	struct rx_io io[128];
	struct rx_res r[128];
	unsigned int i;

	memset(r, 0, sizeof(r));
	for (i = 0; i < 128; i++) {
		struct rx_io *o = &io[i];
		unsigned int j = i % 64;

		o->tgt = self->hrw;
		o->local = self->hloc;
		if (i < 64) {
			o->op = MCTE_OP_WRITE;
			o->toff = j * 65536 + j % 3;
			o->loff = j * 65536 + j % 5;
			o->len = 1 + (j * 7919) % 60000;
			rx_fresh_local(self, o->loff, o->len);
		} else {
			o->op = MCTE_OP_READ;
			o->toff = 8 * MX_MiB + j * 65536 + j % 7;
			o->loff = 4 * MX_MiB + j * 65536 + 11;
			o->len = 1 + (j * 104729) % 60000;
		}
	}
	ASSERT_EQ(0, rx_run(_metadata, self, variant, io, 128, r));
	for (i = 0; i < 128; i++) {
		EXPECT_EQ(MCTE_XFER_COMPLETED, r[i].state)
			TH_LOG("request %u: %s %s", i, mx_state_name(r[i].state),
			       rt_errname(r[i].res));
		EXPECT_EQ(io[i].len, r[i].bytes);
		if (io[i].op == MCTE_OP_WRITE)
			memcpy(self->sh + io[i].toff, self->loc_sh + io[i].loff,
			       io[i].len);
		else
			memcpy(self->loc_sh + io[i].loff, self->sh + io[i].toff,
			       io[i].len);
	}
	EXPECT_EQ(-1, rx_check_local(self, 0, self->loc.size));
	EXPECT_EQ(-1, rx_check_target(_metadata, self, variant, 0, 4 * MX_MiB));
	if (!self->peer_owned)
		EXPECT_EQ(-1, rx_check_target(_metadata, self, variant, 0,
					      self->rw_size));
}

/* The read-only segment, whole, in odd pieces. */
TEST_F_TIMEOUT(rx, read_only_segment, 120)
{
	__u64 off, n;

	for (off = 0; off < self->ro_size; off += n) {
		n = self->ro_size - off < MX_MiB + 17 ? self->ro_size - off :
		    MX_MiB + 17;
		rx_read(_metadata, self, variant, true, off, off + 1, n);
	}
}

TEST_F_TIMEOUT(rx, refused_open_read_only_for_write, 90)
{
	char name[256];
	__u32 h;

	EXPECT_EQ(-EACCES, mcte_seg_open(self->m,
					 rt_remote(name, sizeof(name), self->ro_name),
					 MCTE_ACCESS_RW, &h, NULL));
}

TEST_F_TIMEOUT(rx, refused_write_through_read_handle, 90)
{
	char name[256];
	__u32 hr, state;

	/* rw opened for reading only, and ro. */
	ASSERT_EQ(0, mcte_seg_open(self->m,
				   rt_remote(name, sizeof(name), self->rw_name),
				   MCTE_ACCESS_READ, &hr, NULL));
	EXPECT_EQ(-EACCES, rx_one(_metadata, self, variant, MCTE_OP_WRITE, hr,
				  0, 0, 4096, &state));
	EXPECT_EQ(-EACCES, rx_one(_metadata, self, variant, MCTE_OP_WRITE,
				  self->hro, 0, 0, 4096, &state));
	EXPECT_EQ(MCTE_XFER_FAILED, state);
	/* Reading through it works. */
	rx_read(_metadata, self, variant, false, 100, 200, 5000);
	EXPECT_EQ(0, mcte_seg_close(self->m, hr));
	EXPECT_EQ(-1, rx_check_target(_metadata, self, variant, 0, 8192));
}

TEST_F_TIMEOUT(rx, refused_out_of_range, 90)
{
	const __u64 rw = self->rw_size;
	__u32 state;

	EXPECT_EQ(-ERANGE, rx_one(_metadata, self, variant, MCTE_OP_READ,
				  self->hrw, rw - 4095, 0, 4096, &state));
	EXPECT_EQ(-ERANGE, rx_one(_metadata, self, variant, MCTE_OP_WRITE,
				  self->hrw, rw, 0, 1, &state));
	EXPECT_EQ(-ERANGE, rx_one(_metadata, self, variant, MCTE_OP_READ,
				  self->hro, self->ro_size - 1, 0, 2, &state));
	EXPECT_EQ(-ERANGE, rx_one(_metadata, self, variant, MCTE_OP_WRITE,
				  self->hrw, 0, self->loc.size - 10, 11, &state));
	EXPECT_EQ(-1, rx_check_target(_metadata, self, variant, 0, 4096));
	EXPECT_EQ(-1, rx_check_target(_metadata, self, variant, rw - 8192, 8192));
}

TEST_F_TIMEOUT(rx, unknown_segment, 90)
{
	char name[256], missing[MCTE_SEG_NAME_MAX];
	__u32 h;

	snprintf(missing, sizeof(missing), "nosuch.%d", getpid());
	EXPECT_EQ(-ENOENT, mcte_seg_open(self->m,
					 rt_remote(name, sizeof(name), missing),
					 MCTE_ACCESS_READ, &h, NULL));
}

TEST_F_TIMEOUT(rx, nobody_listening, 120)
{
	char name[256];
	__u32 h;
	int ret;

	ret = mcte_seg_open(self->m, rt_remote_port(name, sizeof(name),
						    MCTE_RDMA_PORT + 1,
						    self->rw_name),
			    MCTE_ACCESS_READ, &h, NULL);
	EXPECT_TRUE(ret == -ECONNREFUSED || ret == -EHOSTUNREACH ||
		    ret == -ETIMEDOUT || ret == -ENETUNREACH)
		TH_LOG("open %s: %d %s", name, ret, rt_errname(ret));
}

/* The owner unregisters rw: requests through the open handle fail. */
TEST_F_TIMEOUT(rx, unregistered, 90)
{
	__u32 state;
	__s64 ret;

	if (self->peer_owned)
		SKIP(return, "the peer owns rw");
	rx_write(_metadata, self, variant, 4096, 0, 4096);
	ASSERT_EQ(0, mcte_seg_unregister(self->m, self->reg_rw));
	self->rw_registered = false;
	ret = rx_one(_metadata, self, variant, MCTE_OP_WRITE, self->hrw,
		     0, 0, 4096, &state);
	EXPECT_EQ(-ENODEV, ret) TH_LOG("WRITE: %s %s", mx_state_name(state),
				       rt_errname(ret));
	EXPECT_EQ(MCTE_XFER_FAILED, state);
	ret = rx_one(_metadata, self, variant, MCTE_OP_READ, self->hrw,
		     0, 0, 65536, &state);
	EXPECT_EQ(-ENODEV, ret) TH_LOG("READ: %s %s", mx_state_name(state),
				       rt_errname(ret));
	EXPECT_EQ(MCTE_XFER_FAILED, state);
	/* Nothing reached the owner's memory after it left. */
	EXPECT_EQ(-1, rx_check_target(_metadata, self, variant, 0, 65536));
	/* The other segment is still there. */
	rx_read(_metadata, self, variant, true, 0, 0, 65536);
}

TEST_HARNESS_MAIN
