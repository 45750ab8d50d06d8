// SPDX-License-Identifier: GPL-2.0
/*
 * GPU memory segments (MCTE_SEG_NV_P2P) on this node, against the test
 * provider of the nvidia_p2p_* API (nvp2p.sh loads it): registration
 * pinned and charged, the provider's module held; local copies both ways
 * between a GPU segment of two buffers and a host segment, at odd offsets
 * and lengths, every byte checked in the provider's memory; bad buffers
 * refused with the right errno; the provider taking the memory back
 * (process exit, cudaFree) in the middle of copies: requests end FAILED
 * with -ENODEV, no byte is wrong, the segment is dead, the provider saw
 * no forbidden call; memory without struct pages (a BAR) registers but is
 * not copied by the CPU.
 */
#include "kselftest_harness.h"
#include "nvp2p_test.h"

#define NV_WAIT_MS	(60 * 1000)
#define NV_ROUNDS	16
#define NV_LEN_A	(2 * MX_MiB)
#define NV_LEN_B	(1 * MX_MiB)

FIXTURE(nv) {
	int fd;
	struct nv_mem a, b;
	struct nv_view v;
	__u32 g;		/* the GPU segment */
	unsigned char *host;
	size_t host_len;
	__u32 h;		/* the host segment */
	char gname[MCTE_SEG_NAME_MAX];
	long refcnt0, vmpin0;
	long vmpin_rest;	/* all but the GPU segment's */
	struct nv_stats st0;
	struct mx_rng rng;
};

FIXTURE_SETUP(nv)
{
	struct mcte_seg_buf sb[2];
	struct nv_stats st;
	char hname[MCTE_SEG_NAME_MAX];

	self->rng.s = mx_seed("MCTE_SEED", 0x9b0e11 ^ getpid());
	ksft_print_msg("seed %llu\n", (unsigned long long)self->rng.s);
	self->fd = mx_open();
	ASSERT_LE(0, self->fd);
	/* nvp2p.sh loaded the provider: the kind must be there. */
	ASSERT_NE(0, mx_features(self->fd) & MCTE_FEAT_SEG_NV_P2P)
		TH_LOG("MCTE_FEAT_SEG_NV_P2P absent with the provider loaded");
	ASSERT_EQ(0, nv_stats(&self->st0));
	self->refcnt0 = nv_refcnt();
	ASSERT_LE(0, self->refcnt0);

	ASSERT_EQ(0, nv_alloc(&self->a, NV_LEN_A, false));
	ASSERT_EQ(0, nv_alloc(&self->b, NV_LEN_B + 2 * NV_PAGE, false));
	/* Buffer 2 starts a GPU page into its allocation. */
	sb[0] = nv_buf(self->a.va, NV_LEN_A);
	sb[1] = nv_buf(self->b.va + NV_PAGE, NV_LEN_B);
	nv_view_add(&self->v, self->a.va, NV_LEN_A);
	nv_view_add(&self->v, self->b.va + NV_PAGE, NV_LEN_B);

	self->vmpin0 = mx_vmpin_kb();
	mx_name(self->gname, sizeof(self->gname), "nvg");
	ASSERT_EQ(0, nv_seg_reg(self->fd, self->gname, sb, 2, MCTE_ACCESS_RW,
				&self->g));
	/* Charged as host memory is, and the provider's module held. */
	EXPECT_EQ(self->vmpin0 + (long)(self->v.size / 1024), mx_vmpin_kb());
	EXPECT_LT(self->refcnt0, nv_refcnt());
	ASSERT_EQ(0, nv_stats(&st));
	EXPECT_EQ(self->st0.tables + 2, st.tables);

	self->host_len = self->v.size + 8192;
	self->host = mx_alloc(self->host_len);
	ASSERT_NE(NULL, self->host);
	mx_name(hname, sizeof(hname), "nvh");
	ASSERT_EQ(0, mx_seg_reg1(self->fd, hname, self->host + 3,
				 self->v.size + 4096, MCTE_ACCESS_RW, &self->h));
	self->vmpin_rest = mx_vmpin_kb() - self->v.size / 1024;
}

FIXTURE_TEARDOWN(nv)
{
	mx_set_delay(0);
	close(self->fd);
	nv_free(&self->a);
	nv_free(&self->b);
	if (self->host)
		mx_free(self->host, self->host_len);
}

/* The provider's count of forbidden calls, and its tables, back. */
static void nv_check_clean(struct __test_metadata *_metadata,
			   FIXTURE_DATA(nv) *self)
{
	struct nv_stats st;
	uint64_t end = mx_now_ms() + NV_WAIT_MS;

	/* Segments are released from a work item: poll. */
	while (nv_refcnt() > self->refcnt0 && mx_now_ms() < end)
		usleep(5000);
	EXPECT_EQ(self->refcnt0, nv_refcnt());
	ASSERT_EQ(0, nv_stats(&st));
	EXPECT_EQ(self->st0.tables, st.tables);
	EXPECT_EQ(0, st.mappings);
	EXPECT_EQ(0, st.bad);
	EXPECT_EQ(self->vmpin_rest, mx_vmpin_kb());
}

/* Random copies both ways between the GPU segment and the host one. */
TEST_F_TIMEOUT(nv, copy_both_ways, 120)
{
	size_t size = self->v.size;
	unsigned char *model = malloc(size), *hmodel = malloc(size + 4096);
	unsigned char *tmp = malloc(size + 4096);
	unsigned char *hp = self->host + 3;
	struct mcte_cqe cqe;
	int i;

	ASSERT_TRUE(model && hmodel && tmp);
	mx_fill_rand(model, size, &self->rng);
	ASSERT_EQ(0, nv_view_copy(&self->v, 0, size, model, false));
	mx_fill_rand(hmodel, size + 4096, &self->rng);
	memcpy(hp, hmodel, size + 4096);

	for (i = 0; i < NV_ROUNDS; i++) {
		/* 0: GPU -> host, 1: host -> GPU; GPU local or target. */
		bool to_host = !(i & 1), gpu_local = !(i & 2);
		size_t len = i < 4 ? size : mx_rand_len(&self->rng, size);
		size_t goff = mx_rand_below(&self->rng, size - len + 1);
		size_t hoff = mx_rand_below(&self->rng, size + 4096 - len + 1);
		__u8 op;
		int ret;

		if (to_host) {
			mx_fill_rand(model + goff, len, &self->rng);
			ASSERT_EQ(0, nv_view_copy(&self->v, goff, len,
						  model + goff, false));
			memcpy(hmodel + hoff, model + goff, len);
			op = gpu_local ? MCTE_OP_WRITE : MCTE_OP_READ;
		} else {
			mx_fill_rand(hmodel + hoff, len, &self->rng);
			memcpy(hp + hoff, hmodel + hoff, len);
			memcpy(model + goff, hmodel + hoff, len);
			op = gpu_local ? MCTE_OP_READ : MCTE_OP_WRITE;
		}
		if (gpu_local)
			ret = mx_xfer_sync(self->fd, op, self->g, goff, self->h,
					   hoff, len, NV_WAIT_MS, &cqe);
		else
			ret = mx_xfer_sync(self->fd, op, self->h, hoff, self->g,
					   goff, len, NV_WAIT_MS, &cqe);
		ASSERT_EQ(0, ret);
		ASSERT_EQ((__s64)len, cqe.res)
			TH_LOG("round %d: %zu bytes %s: %s", i, len,
			       to_host ? "to host" : "to GPU",
			       cqe.res < 0 ? strerror(-cqe.res) : "short");
	}
	ASSERT_EQ(0, nv_view_copy(&self->v, 0, size, tmp, true));
	EXPECT_EQ(-1, mx_diff(model, tmp, size)) TH_LOG("GPU memory");
	EXPECT_EQ(-1, mx_diff(hmodel, hp, size + 4096)) TH_LOG("host memory");
	ksft_print_msg("%d copies of up to %zu bytes checked\n", NV_ROUNDS,
		       size);
	free(model);
	free(hmodel);
	free(tmp);

	EXPECT_EQ(0, mx_seg_unreg(self->fd, self->g));
	nv_check_clean(_metadata, self);
}

static int nv_reg1(FIXTURE_DATA(nv) *self, struct mcte_seg_buf b)
{
	char name[MCTE_SEG_NAME_MAX];
	__u32 h;
	int ret;

	mx_name(name, sizeof(name), "nvbad");
	ret = nv_seg_reg(self->fd, name, &b, 1, MCTE_ACCESS_RW, &h);
	if (!ret)
		mx_seg_unreg(self->fd, h);
	return ret;
}

TEST_F(nv, bad_buffers)
{
	struct mcte_seg_buf b = nv_buf(self->a.va, NV_PAGE);
	struct nv_stats st;
	long pin = mx_vmpin_kb(), ref = nv_refcnt();

	b.addr += 4096;
	EXPECT_EQ(-EINVAL, nv_reg1(self, b)) TH_LOG("VA not 64 KiB aligned");
	b = nv_buf(self->a.va, NV_PAGE + 4096);
	EXPECT_EQ(-EINVAL, nv_reg1(self, b)) TH_LOG("length not 64 KiB aligned");
	b = nv_buf(self->a.va, 0);
	EXPECT_EQ(-EINVAL, nv_reg1(self, b)) TH_LOG("empty");
	b = nv_buf(self->a.va, NV_PAGE);
	b.fd = 0;
	EXPECT_EQ(-EINVAL, nv_reg1(self, b)) TH_LOG("an fd");
	b.fd = -1;
	b.resv = 1;
	EXPECT_EQ(-EINVAL, nv_reg1(self, b)) TH_LOG("reserved field");
	b = nv_buf(~0ULL << 16, 1ULL << 17);
	EXPECT_EQ(-EINVAL, nv_reg1(self, b)) TH_LOG("wraps");
	/* The provider's hole after an allocation, and a range across it. */
	b = nv_buf(self->a.va + NV_LEN_A, NV_PAGE);
	EXPECT_EQ(-EFAULT, nv_reg1(self, b)) TH_LOG("unknown VA");
	b = nv_buf(self->a.va, NV_LEN_A + NV_PAGE);
	EXPECT_EQ(-EFAULT, nv_reg1(self, b)) TH_LOG("beyond the allocation");
	b = nv_buf(0, NV_PAGE);
	EXPECT_EQ(-EFAULT, nv_reg1(self, b)) TH_LOG("VA 0");
	/* A good one still works, and nothing stays held of the bad ones. */
	b = nv_buf(self->a.va + NV_PAGE, NV_PAGE);
	EXPECT_EQ(0, nv_reg1(self, b));
	EXPECT_EQ(pin, mx_vmpin_kb());
	usleep(100 * 1000);
	EXPECT_EQ(ref, nv_refcnt());
	ASSERT_EQ(0, nv_stats(&st));
	EXPECT_EQ(self->st0.tables + 2, st.tables);
	EXPECT_EQ(0, st.bad);
}

/*
 * The owning process exits (the provider takes back every page table)
 * while copies both ways run, slowed by the module's slice delay.
 */
TEST_F_TIMEOUT(nv, revoke_mid_copy, 120)
{
	size_t size = self->v.size, half = size / 2;
	unsigned char *src = malloc(size), *old = malloc(size);
	unsigned char *hp = self->host + 3;
	struct mcte_xfer_req r[2];
	struct mcte_cqe cqe[2], one;
	struct nv_stats st;
	__u32 id, h2;
	int i, failed = 0;

	ASSERT_TRUE(src && old);
	mx_fill_rand(src, size, &self->rng);
	ASSERT_EQ(0, nv_view_copy(&self->v, 0, size, src, false));
	mx_fill_rand(old, size, &self->rng);
	memcpy(hp, old, size);
	ASSERT_EQ(0, mx_set_delay(20)) TH_LOG("no xfer_delay_ms hook");

	ASSERT_EQ(0, mx_batch_alloc(self->fd, 2, &id));
	/* GPU local, WRITE to host; host local, READ from GPU. */
	mx_req(&r[0], MCTE_OP_WRITE, self->g, 0, self->h, 0, half, id, 0);
	mx_req(&r[1], MCTE_OP_READ, self->h, half, self->g, half,
	       size - half, id, 1);
	ASSERT_EQ(0, mx_submit(self->fd, r, 2, NULL, NULL));
	ASSERT_EQ(0, nv_revoke());
	/* The callback returned: nothing of the segment is in use any more. */
	ASSERT_EQ(0, mx_reap_n(self->fd, cqe, 2, NV_WAIT_MS));
	for (i = 0; i < 2; i++) {
		if (cqe[i].res < 0) {
			EXPECT_EQ(-ENODEV, cqe[i].res);
			EXPECT_EQ(MCTE_XFER_FAILED, cqe[i].state);
			failed++;
		} else {
			EXPECT_EQ(r[cqe[i].user_data].length, cqe[i].res);
		}
	}
	EXPECT_LT(0, failed) TH_LOG("every copy ended before the revocation");
	EXPECT_EQ(0, mx_batch_free(self->fd, id));
	EXPECT_EQ(-1, nv_no_wrong_bytes(hp, old, src, size));
	ksft_print_msg("%d of 2 requests ended FAILED (-ENODEV)\n", failed);

	ASSERT_EQ(0, nv_stats(&st));
	EXPECT_EQ(self->st0.callbacks + 2, st.callbacks);
	EXPECT_EQ(0, st.bad);
	/* Dead: new requests refused, the name free, the owner unregisters. */
	mx_set_delay(0);
	EXPECT_EQ(-ENODEV, mx_xfer_sync(self->fd, MCTE_OP_WRITE, self->g, 0,
					self->h, 0, 1, NV_WAIT_MS, &one));
	EXPECT_EQ(-ENOENT, mx_seg_open(self->fd, self->gname, MCTE_ACCESS_READ,
				       &h2, NULL, NULL));
	EXPECT_EQ(0, mx_seg_unreg(self->fd, self->g));
	nv_check_clean(_metadata, self);
	free(src);
	free(old);
}

/* cudaFree of one buffer's memory: the segment dies, the other is put. */
TEST_F(nv, cuda_free)
{
	struct mcte_cqe one;
	struct nv_stats st;

	ASSERT_EQ(0, nv_free(&self->b));
	ASSERT_EQ(0, nv_stats(&st));
	EXPECT_EQ(self->st0.callbacks + 1, st.callbacks);
	EXPECT_EQ(self->st0.tables + 1, st.tables);
	EXPECT_EQ(-ENODEV, mx_xfer_sync(self->fd, MCTE_OP_READ, self->g, 0,
					self->h, 0, 4096, NV_WAIT_MS, &one));
	EXPECT_EQ(0, mx_seg_unreg(self->fd, self->g));
	nv_check_clean(_metadata, self);
}

/* Memory without struct pages: registered, but no CPU copy of it. */
TEST_F(nv, bar_memory)
{
	struct mcte_seg_buf b;
	struct nv_mem bar = {};
	struct mcte_cqe cqe;
	char name[MCTE_SEG_NAME_MAX];
	__u32 h;

	ASSERT_EQ(0, nv_alloc(&bar, MX_MiB, true));
	b = nv_buf(bar.va, MX_MiB);
	mx_name(name, sizeof(name), "nvbar");
	ASSERT_EQ(0, nv_seg_reg(self->fd, name, &b, 1, MCTE_ACCESS_RW, &h));
	ASSERT_EQ(0, mx_xfer_sync(self->fd, MCTE_OP_WRITE, h, 0, self->h, 0,
				  4096, NV_WAIT_MS, &cqe));
	EXPECT_EQ(-EOPNOTSUPP, cqe.res);
	EXPECT_EQ(MCTE_XFER_FAILED, cqe.state);
	ASSERT_EQ(0, mx_xfer_sync(self->fd, MCTE_OP_READ, self->h, 0, h, 0,
				  4096, NV_WAIT_MS, &cqe));
	EXPECT_EQ(-EOPNOTSUPP, cqe.res);
	EXPECT_EQ(0, mx_seg_unreg(self->fd, h));
	EXPECT_EQ(0, nv_free(&bar));
}

TEST_HARNESS_MAIN
