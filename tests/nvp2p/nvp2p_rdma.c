// SPDX-License-Identifier: GPL-2.0
/*
 * GPU memory segments (MCTE_SEG_NV_P2P) over soft-RoCE (nvp2p_rdma.sh:
 * the test provider loaded, one rxe pair, a listener on its B end): the
 * GPU segment as the local side of READs and WRITEs to a host segment
 * opened through the peer (its pages mapped request by request), and as
 * the remote side, opened through the peer (the owner's export MRs made
 * of its CPU pages: soft-RoCE has virtual DMA); random offsets and
 * lengths across its two buffers, every byte checked. Then the provider
 * takes the memory back with requests both ways on the link: each one
 * completes or ends with a clean errno, no byte is wrong, and the remote
 * opener is told (its requests are refused with -ENODEV).
 */
#include "kselftest_harness.h"
#include "../rdma/rdma_test.h"
#include "nvp2p_test.h"

#define NR_WAIT_MS	(120 * 1000)
#define NR_ROUNDS	12
#define NR_LEN_A	(2 * MX_MiB)
#define NR_LEN_B	(1 * MX_MiB)
#define NR_INFLIGHT	8

FIXTURE(nr) {
	int fd;
	struct nv_mem a, b;
	struct nv_view v;
	unsigned char *gmodel;
	__u32 g, rg;		/* GPU segment: registered, opened by the peer */
	unsigned char *host;
	size_t host_len;
	unsigned char *hp;
	__u32 h, rh;		/* host segment: the same */
	long refcnt0;
	struct nv_stats st0;
	struct mx_rng rng;
};

static void nr_open(struct __test_metadata *_metadata, int fd,
		    const char *name, __u64 want, __u32 *rh)
{
	char rname[256];
	__u64 size;
	int ret;

	rt_remote(rname, sizeof(rname), name);
	ret = mx_seg_open(fd, rname, MCTE_ACCESS_RW, rh, &size, NULL);
	ASSERT_EQ(0, ret) TH_LOG("open %s: %s", rname, strerror(-ret));
	ASSERT_EQ(want, size);
}

FIXTURE_SETUP(nr)
{
	char gname[MCTE_SEG_NAME_MAX], hname[MCTE_SEG_NAME_MAX];
	struct mcte_seg_buf sb[2];

	self->rng.s = mx_seed("MCTE_SEED", 0x9b0e22 ^ getpid());
	ksft_print_msg("seed %llu\n", (unsigned long long)self->rng.s);
	self->fd = mx_open();
	ASSERT_LE(0, self->fd);
	ASSERT_NE(0, mx_features(self->fd) & MCTE_FEAT_SEG_NV_P2P);
	MX_REQUIRE(self->fd, MCTE_FEAT_XPORT_RDMA);
	ASSERT_EQ(0, nv_stats(&self->st0));
	self->refcnt0 = nv_refcnt();

	ASSERT_EQ(0, nv_alloc(&self->a, NR_LEN_A, false));
	ASSERT_EQ(0, nv_alloc(&self->b, NR_LEN_B + NV_PAGE, false));
	sb[0] = nv_buf(self->a.va, NR_LEN_A);
	sb[1] = nv_buf(self->b.va + NV_PAGE, NR_LEN_B);
	nv_view_add(&self->v, self->a.va, NR_LEN_A);
	nv_view_add(&self->v, self->b.va + NV_PAGE, NR_LEN_B);
	mx_name(gname, sizeof(gname), "nrg");
	ASSERT_EQ(0, nv_seg_reg(self->fd, gname, sb, 2, MCTE_ACCESS_RW,
				&self->g));
	self->gmodel = malloc(self->v.size);
	ASSERT_NE(NULL, self->gmodel);
	mx_fill_rand(self->gmodel, self->v.size, &self->rng);
	ASSERT_EQ(0, nv_view_copy(&self->v, 0, self->v.size, self->gmodel,
				  false));

	self->host_len = self->v.size + 3 * 4096;
	self->host = mx_alloc(self->host_len);
	ASSERT_NE(NULL, self->host);
	self->hp = self->host + 5;
	mx_fill_rand(self->hp, self->v.size + 4096, &self->rng);
	mx_name(hname, sizeof(hname), "nrh");
	ASSERT_EQ(0, mx_seg_reg1(self->fd, hname, self->hp,
				 self->v.size + 4096, MCTE_ACCESS_RW,
				 &self->h));

	nr_open(_metadata, self->fd, gname, self->v.size, &self->rg);
	nr_open(_metadata, self->fd, hname, self->v.size + 4096, &self->rh);
}

FIXTURE_TEARDOWN(nr)
{
	close(self->fd);
	nv_free(&self->a);
	nv_free(&self->b);
	free(self->gmodel);
	if (self->host)
		mx_free(self->host, self->host_len);
}

/*
 * Random WRITEs and READs: the GPU segment local (by its registration)
 * against the host one remote (@gpu_local), or the host one local against
 * the GPU one remote; after each the destination equals the model.
 */
static void nr_rounds(struct __test_metadata *_metadata,
		      FIXTURE_DATA(nr) *self, bool gpu_local)
{
	size_t gsize = self->v.size, hsize = gsize + 4096;
	unsigned char *hmodel = malloc(hsize), *tmp = malloc(hsize);
	struct mcte_cqe cqe;
	int i;

	ASSERT_TRUE(hmodel && tmp);
	memcpy(hmodel, self->hp, hsize);
	for (i = 0; i < NR_ROUNDS; i++) {
		bool to_host = i & 1;
		size_t len = i < 2 ? gsize : mx_rand_len(&self->rng, gsize);
		size_t goff = mx_rand_below(&self->rng, gsize - len + 1);
		size_t hoff = mx_rand_below(&self->rng, hsize - len + 1);
		__u8 op;
		int ret;

		if (to_host) {
			mx_fill_rand(self->gmodel + goff, len, &self->rng);
			ASSERT_EQ(0, nv_view_copy(&self->v, goff, len,
						  self->gmodel + goff, false));
			memcpy(hmodel + hoff, self->gmodel + goff, len);
			op = gpu_local ? MCTE_OP_WRITE : MCTE_OP_READ;
		} else {
			mx_fill_rand(hmodel + hoff, len, &self->rng);
			memcpy(self->hp + hoff, hmodel + hoff, len);
			memcpy(self->gmodel + goff, hmodel + hoff, len);
			op = gpu_local ? MCTE_OP_READ : MCTE_OP_WRITE;
		}
		if (gpu_local)
			ret = mx_xfer_sync(self->fd, op, self->g, goff,
					   self->rh, hoff, len, NR_WAIT_MS,
					   &cqe);
		else
			ret = mx_xfer_sync(self->fd, op, self->h, hoff,
					   self->rg, goff, len, NR_WAIT_MS,
					   &cqe);
		ASSERT_EQ(0, ret);
		ASSERT_EQ((__s64)len, cqe.res)
			TH_LOG("round %d: %zu bytes %s: %s", i, len,
			       to_host ? "to host" : "to GPU",
			       cqe.res < 0 ? strerror(-cqe.res) : "short");
		if (to_host) {
			EXPECT_EQ(-1, mx_diff(hmodel + hoff, self->hp + hoff,
					      len)) TH_LOG("round %d", i);
		} else {
			ASSERT_EQ(0, nv_view_copy(&self->v, goff, len, tmp,
						  true));
			EXPECT_EQ(-1, mx_diff(self->gmodel + goff, tmp, len))
				TH_LOG("round %d", i);
		}
	}
	ASSERT_EQ(0, nv_view_copy(&self->v, 0, gsize, tmp, true));
	EXPECT_EQ(-1, mx_diff(self->gmodel, tmp, gsize)) TH_LOG("GPU memory");
	EXPECT_EQ(-1, mx_diff(hmodel, self->hp, hsize)) TH_LOG("host memory");
	ksft_print_msg("GPU %s: %d transfers checked\n",
		       gpu_local ? "local, host remote" : "remote, host local",
		       NR_ROUNDS);
	free(hmodel);
	free(tmp);
}

TEST_F_TIMEOUT(nr, gpu_local, 300)
{
	nr_rounds(_metadata, self, true);
}

TEST_F_TIMEOUT(nr, gpu_remote, 300)
{
	nr_rounds(_metadata, self, false);
}

/*
 * Requests both ways on the link, the GPU segment local and remote; the
 * provider takes its memory back meanwhile.
 */
TEST_F_TIMEOUT(nr, revoke_mid_transfer, 300)
{
	size_t gsize = self->v.size;
	unsigned char *old = malloc(gsize + 4096);
	struct mcte_xfer_req r[NR_INFLIGHT];
	struct mcte_cqe cqe[NR_INFLIGHT], one;
	uint64_t end;
	struct nv_stats st;
	__u32 id;
	int i, ret, failed = 0;

	ASSERT_NE(NULL, old);
	/* What reads from the host put into the GPU is what it has there. */
	memcpy(self->hp + gsize, self->gmodel, 4096);
	memcpy(old, self->hp, gsize + 4096);
	ASSERT_EQ(0, mx_batch_alloc(self->fd, NR_INFLIGHT, &id));
	/*
	 * Writes of the GPU's bytes into the remote host segment (through
	 * rh) and reads of them from the remote GPU segment (through rg)
	 * into the local host one: each destination byte is the old one or
	 * the GPU's. Reads from the remote host into the GPU: the GPU side
	 * is not checked, its memory is being taken back.
	 */
	for (i = 0; i < NR_INFLIGHT; i++) {
		switch (i % 4) {
		case 0:
			mx_req(&r[i], MCTE_OP_WRITE, self->g, 0, self->rh, 0,
			       gsize, id, i);
			break;
		case 1:
			mx_req(&r[i], MCTE_OP_READ, self->h, 0, self->rg, 0,
			       gsize, id, i);
			break;
		case 2:
			mx_req(&r[i], MCTE_OP_READ, self->g, 0, self->rh,
			       gsize, 4096, id, i);
			break;
		default:
			mx_req(&r[i], MCTE_OP_WRITE, self->h, gsize, self->rg,
			       0, 4096, id, i);
			break;
		}
	}
	ASSERT_EQ(0, mx_submit(self->fd, r, NR_INFLIGHT, NULL, NULL));
	ASSERT_EQ(0, nv_revoke());
	ASSERT_EQ(0, mx_reap_n(self->fd, cqe, NR_INFLIGHT, NR_WAIT_MS));
	for (i = 0; i < NR_INFLIGHT; i++) {
		if (cqe[i].res == (__s64)r[cqe[i].user_data].length)
			continue;
		EXPECT_TRUE(rt_errno_clean(cqe[i].res))
			TH_LOG("request %llu: %lld",
			       (unsigned long long)cqe[i].user_data,
			       (long long)cqe[i].res);
		EXPECT_EQ(MCTE_XFER_FAILED, cqe[i].state)
			TH_LOG("request %llu: %s, %lld",
			       (unsigned long long)cqe[i].user_data,
			       mx_state_name(cqe[i].state),
			       (long long)cqe[i].res);
		failed++;
	}
	ksft_print_msg("%d of %d requests ended FAILED\n", failed,
		       NR_INFLIGHT);
	EXPECT_LT(0, failed) TH_LOG("every request ended before the revocation");
	EXPECT_EQ(0, mx_batch_free(self->fd, id));
	EXPECT_EQ(-1, nv_no_wrong_bytes(self->hp, old, self->gmodel, gsize));

	ASSERT_EQ(0, nv_stats(&st));
	EXPECT_EQ(self->st0.callbacks + 2, st.callbacks);
	EXPECT_EQ(0, st.bad);
	/* Dead here at once; the opener was told (SEG_GONE) before the keys went. */
	EXPECT_EQ(-ENODEV, mx_xfer_sync(self->fd, MCTE_OP_WRITE, self->g, 0,
					self->rh, 0, 1, NR_WAIT_MS, &one));
	end = mx_now_ms() + 10000;
	do {
		ret = mx_xfer_sync(self->fd, MCTE_OP_READ, self->h, 0,
				   self->rg, 0, 1, NR_WAIT_MS, &one);
		if (ret)
			break;
		EXPECT_TRUE(rt_errno_clean(one.res))
			TH_LOG("read of the gone segment: %lld",
			       (long long)one.res);
		usleep(20000);
	} while (mx_now_ms() < end);
	EXPECT_EQ(-ENODEV, ret) TH_LOG("the remote opener was not told");

	EXPECT_EQ(0, mx_seg_close(self->fd, self->rg));
	EXPECT_EQ(0, mx_seg_unreg(self->fd, self->g));
	end = mx_now_ms() + NR_WAIT_MS;
	while (nv_refcnt() > self->refcnt0 && mx_now_ms() < end)
		usleep(5000);
	EXPECT_EQ(self->refcnt0, nv_refcnt());
	ASSERT_EQ(0, nv_stats(&st));
	EXPECT_EQ(self->st0.tables, st.tables);
	free(old);
}

TEST_HARNESS_MAIN
