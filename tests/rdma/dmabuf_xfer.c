// SPDX-License-Identifier: GPL-2.0
/*
 * dma-buf segments over RDMA (dmabuf_xfer.sh): vgem dma-bufs (both
 * kernels have vgem) mixed with host buffers, as the remote side (the
 * owner's export MRs are made of the dma-buf's CPU pages: soft-RoCE has
 * virtual DMA) and as the local side (its pages mapped request by
 * request), against host segments and against another dma-buf segment. Random READs
 * and WRITEs at odd offsets and lengths across buffers; the owner's
 * memory is this process's, so every byte of both ends is checked
 * against a model. And the owner unregistering the dma-buf segment with
 * requests on the link.
 */
#include "kselftest_harness.h"
#include "rdma_test.h"
#include "mcte_dmabuf.h"

#define DX_WAIT_MS	(120 * 1000)
#define DX_ROUNDS	24

/* A segment: where its bytes are, its model, its handles. */
struct dx_side {
	struct md_buf a, b;
	unsigned char *host;
	size_t host_len;
	struct md_view v;
	unsigned char *model;
	char name[MCTE_SEG_NAME_MAX];
	__u32 h;		/* as registered */
	__u32 rh;		/* opened through the peer */
};

FIXTURE(dx) {
	int fd;
	struct md_exp exp[MD_NR];
	struct dx_side dma, dma2, host;
	struct mx_rng rng;
};

/* dma-buf A [4095, +1 MiB + 3), host 5001 bytes, dma-buf B [1, +300001). */
static int dx_dma_side(struct __test_metadata *_metadata,
		       FIXTURE_DATA(dx) *self, struct dx_side *s)
{
	const size_t la = MX_MiB + 3, lb = 300001;
	struct mcte_seg_buf sb[3];

	ASSERT_EQ(0, md_alloc(&self->exp[MD_VGEM], MD_VGEM, la + 8192, &s->a));
	ASSERT_EQ(0, md_alloc(&self->exp[MD_VGEM], MD_VGEM, lb + 1, &s->b));
	s->host_len = 5001 + 1;
	s->host = mx_alloc(s->host_len);
	ASSERT_NE(NULL, s->host);
	sb[0] = md_seg_buf(s->a.fd, 4095, la);
	sb[1] = mx_buf(s->host + 1, 5001);
	sb[2] = md_seg_buf(s->b.fd, 1, lb);
	md_view_add(&s->v, s->a.p + 4095, la);
	md_view_add(&s->v, s->host + 1, 5001);
	md_view_add(&s->v, s->b.p + 1, lb);
	mx_name(s->name, sizeof(s->name), "dxd");
	ASSERT_EQ(0, md_seg_reg(self->fd, s->name, sb, 3, MCTE_SEG_DMABUF,
				MCTE_ACCESS_RW, &s->h));
	/* The fds may go: the segment holds the dma-bufs. */
	close(s->a.fd);
	close(s->b.fd);
	s->a.fd = s->b.fd = -1;
	return 0;
}

static int dx_host_side(struct __test_metadata *_metadata,
			FIXTURE_DATA(dx) *self, struct dx_side *s, size_t size)
{
	s->host_len = size + 3;
	s->host = mx_alloc(s->host_len);
	ASSERT_NE(NULL, s->host);
	md_view_add(&s->v, s->host + 3, size);
	mx_name(s->name, sizeof(s->name), "dxh");
	ASSERT_EQ(0, mx_seg_reg1(self->fd, s->name, s->host + 3, size,
				 MCTE_ACCESS_RW, &s->h));
	return 0;
}

static void dx_side_open(struct __test_metadata *_metadata,
			 FIXTURE_DATA(dx) *self, struct dx_side *s)
{
	char name[256];
	__u64 size;
	int ret;

	s->model = malloc(s->v.size);
	ASSERT_NE(NULL, s->model);
	mx_fill_rand(s->model, s->v.size, &self->rng);
	md_view_copy(&s->v, 0, s->v.size, s->model, false);
	rt_remote(name, sizeof(name), s->name);
	ret = mx_seg_open(self->fd, name, MCTE_ACCESS_RW, &s->rh, &size, NULL);
	ASSERT_EQ(0, ret) TH_LOG("open %s: %s", name, strerror(-ret));
	ASSERT_EQ(s->v.size, size);
}

static void dx_side_free(struct dx_side *s)
{
	md_free(&s->a);
	md_free(&s->b);
	if (s->host)
		mx_free(s->host, s->host_len);
	free(s->model);
}

FIXTURE_SETUP(dx)
{
	self->rng.s = mx_seed("MCTE_SEED", 0xd3ab0f ^ getpid());
	ksft_print_msg("seed %llu\n", (unsigned long long)self->rng.s);
	self->fd = mx_open();
	ASSERT_LE(0, self->fd);
	MX_REQUIRE(self->fd, MCTE_FEAT_SEG_DMABUF | MCTE_FEAT_XPORT_RDMA);
	md_exps_init(self->exp);
	ASSERT_TRUE(md_config_has(self->exp[MD_VGEM].config));
	ASSERT_EQ(0, dx_dma_side(_metadata, self, &self->dma));
	ASSERT_EQ(0, dx_dma_side(_metadata, self, &self->dma2));
	ASSERT_EQ(0, dx_host_side(_metadata, self, &self->host,
				  self->dma.v.size + 4096));
	dx_side_open(_metadata, self, &self->dma);
	dx_side_open(_metadata, self, &self->dma2);
	dx_side_open(_metadata, self, &self->host);
}

FIXTURE_TEARDOWN(dx)
{
	close(self->fd);
	dx_side_free(&self->dma);
	dx_side_free(&self->dma2);
	dx_side_free(&self->host);
	md_exp_close(&self->exp[MD_VGEM]);
}

/*
 * Random WRITEs and READs between @l (local, by its registration) and
 * @t (remote, by the handle opened through the peer); after each, the
 * destination range, and at the end both segments whole, equal the model.
 */
static void dx_rounds(struct __test_metadata *_metadata,
		      FIXTURE_DATA(dx) *self, struct dx_side *l,
		      struct dx_side *t, const char *what)
{
	size_t max = l->v.size < t->v.size ? l->v.size : t->v.size;
	unsigned char *tmp = malloc(max);
	struct mcte_cqe cqe;
	int i;

	ASSERT_NE(NULL, tmp);
	for (i = 0; i < DX_ROUNDS; i++) {
		bool wr = !(i & 1);
		size_t len = i < 2 ? max : mx_rand_len(&self->rng, max);
		size_t loff = mx_rand_below(&self->rng, l->v.size - len + 1);
		size_t toff = mx_rand_below(&self->rng, t->v.size - len + 1);
		struct dx_side *src = wr ? l : t, *dst = wr ? t : l;
		size_t soff = wr ? loff : toff, doff = wr ? toff : loff;

		mx_fill_rand(src->model + soff, len, &self->rng);
		md_view_copy(&src->v, soff, len, src->model + soff, false);
		memcpy(dst->model + doff, src->model + soff, len);
		ASSERT_EQ(0, mx_xfer_sync(self->fd, wr ? MCTE_OP_WRITE :
					  MCTE_OP_READ, l->h, loff, t->rh,
					  toff, len, DX_WAIT_MS, &cqe));
		ASSERT_EQ(len, cqe.res) TH_LOG("%s: %s of %zu bytes: %s", what,
					       wr ? "WRITE" : "READ", len,
					       cqe.res < 0 ?
					       strerror(-cqe.res) : "short");
		md_view_copy(&dst->v, doff, len, tmp, true);
		ASSERT_EQ(-1, mx_diff(dst->model + doff, tmp, len))
			TH_LOG("%s: %s of %zu bytes at %zu", what,
			       wr ? "WRITE" : "READ", len, doff);
	}
	free(tmp);
	tmp = malloc(l->v.size > t->v.size ? l->v.size : t->v.size);
	ASSERT_NE(NULL, tmp);
	md_view_copy(&l->v, 0, l->v.size, tmp, true);
	EXPECT_EQ(-1, mx_diff(l->model, tmp, l->v.size)) TH_LOG("%s: local", what);
	md_view_copy(&t->v, 0, t->v.size, tmp, true);
	EXPECT_EQ(-1, mx_diff(t->model, tmp, t->v.size)) TH_LOG("%s: remote", what);
	free(tmp);
	ksft_print_msg("%s: %d transfers checked\n", what, DX_ROUNDS);
}

TEST_F_TIMEOUT(dx, remote_dmabuf, 300)
{
	dx_rounds(_metadata, self, &self->host, &self->dma,
		  "host local, dma-buf remote");
}

TEST_F_TIMEOUT(dx, local_dmabuf, 300)
{
	dx_rounds(_metadata, self, &self->dma, &self->host,
		  "dma-buf local, host remote");
}

TEST_F_TIMEOUT(dx, both_dmabuf, 300)
{
	dx_rounds(_metadata, self, &self->dma, &self->dma2,
		  "dma-buf local, dma-buf remote");
}

/*
 * The owner unregisters the dma-buf segment while READs of it and
 * WRITEs to it cross the link: each request completes or ends with a
 * clean error, and the memory is let go of once the peer's opens are.
 */
TEST_F_TIMEOUT(dx, unregistered_mid_transfer, 300)
{
	const size_t len = self->dma.v.size;
	struct mcte_xfer_req r[4];
	struct mcte_cqe cqe[4];
	__u32 id;
	int i, ret;

	ASSERT_EQ(0, mx_batch_alloc(self->fd, 4, &id));
	for (i = 0; i < 4; i++)
		mx_req(&r[i], i & 1 ? MCTE_OP_WRITE : MCTE_OP_READ,
		       self->host.h, 0, self->dma.rh, 0, len, id, i);
	ASSERT_EQ(0, mx_submit(self->fd, r, 4, NULL, NULL));
	ASSERT_EQ(0, mx_seg_unreg(self->fd, self->dma.h));
	ASSERT_EQ(0, mx_reap_n(self->fd, cqe, 4, DX_WAIT_MS));
	for (i = 0; i < 4; i++) {
		__s64 res = cqe[i].res;

		EXPECT_TRUE(res == (__s64)len || rt_errno_clean(res))
			TH_LOG("request %d: %lld", i, (long long)res);
	}
	EXPECT_EQ(0, mx_batch_free(self->fd, id));
	/*
	 * A new request on the gone segment is refused: at submission once
	 * the peer's SEG_GONE has come (-ENODEV), by the peer before that.
	 */
	ret = mx_xfer_sync(self->fd, MCTE_OP_READ, self->host.h, 0,
			   self->dma.rh, 0, 1, DX_WAIT_MS, &cqe[0]);
	if (ret) {
		EXPECT_EQ(-ENODEV, ret);
	} else {
		EXPECT_TRUE(rt_errno_clean(cqe[0].res))
			TH_LOG("after unregister: %lld", (long long)cqe[0].res);
	}
}

TEST_HARNESS_MAIN
