// SPDX-License-Identifier: GPL-2.0
/*
 * dma-buf segments (Documentation/abi.rst, "Segments"), from each real
 * exporter the running kernel has (tests/lib/mcte_dmabuf.h: vgem on both
 * kernels, udmabuf and the system dma-heap where the config has them;
 * the diagnostics say which ran): registration of ranges at odd offsets,
 * alone and mixed with host buffers; local copies both ways against a
 * host segment, byte-verified, across buffers; the errors of bad
 * descriptors; RLIMIT_MEMLOCK charging; the fd closed right after
 * registration and while copies run; the owner exiting with transfers in
 * flight; and the exporter's module free again once the segment is gone.
 */
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "mcte_test.h"
#include "mcte_xfer.h"
#include "mcte_dmabuf.h"

#define DB_WAIT_MS	30000

FIXTURE(db) {
	int fd;
	size_t page;
	struct md_exp exp[MD_NR];
	bool have[MD_NR];
	struct mx_rng rng;
};

FIXTURE_SETUP(db)
{
	int k;

	self->page = sysconf(_SC_PAGESIZE);
	self->fd = mx_open();
	ASSERT_LE(0, self->fd);
	MX_REQUIRE(self->fd, MCTE_FEAT_SEGMENTS | MCTE_FEAT_SEG_DMABUF);
	md_exps_init(self->exp);
	for (k = 0; k < MD_NR; k++)
		self->have[k] = md_config_has(self->exp[k].config);
	/* vgem is in both kernels' configs: never silently missing. */
	ASSERT_TRUE(self->have[MD_VGEM]);
	self->rng.s = mx_seed("MCTE_SEED", 0xd3ab0f);
}

FIXTURE_TEARDOWN(db)
{
	int k;

	for (k = 0; k < MD_NR; k++)
		md_exp_close(&self->exp[k]);
	close(self->fd);
}

#define for_each_exp(self, k)						\
	for ((k) = 0; (k) < MD_NR; (k)++)				\
		if (!(self)->have[k]) {					\
			ksft_print_msg("%s: not in this kernel's config\n",\
				       (self)->exp[k].name);		\
		} else

TEST_F(db, feature_bit)
{
	int k;

	EXPECT_TRUE(mx_features(self->fd) & MCTE_FEAT_SEG_DMABUF);
	for (k = 0; k < MD_NR; k++)
		ksft_print_msg("exporter %s: %s\n", self->exp[k].name,
			       self->have[k] ? "runs" : "not in the config");
}

/* Whole, at odd offsets, several ranges of one dma-buf, mixed with host. */
TEST_F(db, register)
{
	char name[MCTE_SEG_NAME_MAX];
	__u32 h, oh, nr;
	__u64 size;
	int k, fd2;

	for_each_exp(self, k) {
		struct md_buf a, b;
		char *host = mx_alloc(8 * self->page);
		struct mcte_seg_buf sb[5];

		ASSERT_NE(NULL, host);
		ASSERT_EQ(0, md_alloc(&self->exp[k], k, 16 * self->page, &a))
			TH_LOG("%s", self->exp[k].name);
		ASSERT_EQ(0, md_alloc(&self->exp[k], k, 4 * self->page, &b));

		sb[0] = md_seg_buf(a.fd, 0, a.size);
		mx_name(name, sizeof(name), "dbw");
		ASSERT_EQ(0, md_seg_reg(self->fd, name, sb, 1, MCTE_SEG_DMABUF,
					MCTE_ACCESS_READ, &h));
		fd2 = mx_open();
		ASSERT_EQ(0, mx_seg_open(fd2, name, MCTE_ACCESS_READ, &oh,
					 &size, &nr));
		EXPECT_EQ(a.size, size);
		EXPECT_EQ(1, nr);
		close(fd2);
		EXPECT_EQ(0, mx_seg_unreg(self->fd, h));

		sb[0] = md_seg_buf(a.fd, 4095, 3 * self->page + 2);
		sb[1] = mx_buf(host + 1, 5000);
		sb[2] = md_seg_buf(a.fd, 7 * self->page + 1, 1);
		sb[3] = md_seg_buf(b.fd, 3, b.size - 3);
		sb[4] = mx_buf(host + 6000, self->page);
		mx_name(name, sizeof(name), "dbm");
		ASSERT_EQ(0, md_seg_reg(self->fd, name, sb, 5, MCTE_SEG_DMABUF,
					MCTE_ACCESS_RW, &h));
		fd2 = mx_open();
		ASSERT_EQ(0, mx_seg_open(fd2, name, MCTE_ACCESS_RW, &oh,
					 &size, &nr));
		EXPECT_EQ(3 * self->page + 2 + 5000 + 1 + b.size - 3 +
			  self->page, size);
		EXPECT_EQ(5, nr);
		close(fd2);
		EXPECT_EQ(0, mx_seg_unreg(self->fd, h));
		md_free(&a);
		md_free(&b);
		mx_free(host, 8 * self->page);
		ksft_print_msg("%s: registered\n", self->exp[k].name);
	}
}

/*
 * Random READs and WRITEs between a mixed dma-buf segment and a host
 * segment, the dma-buf one local and target in turn, at odd offsets and
 * lengths across buffers; every byte of both checked against a model.
 */
static void copy_both_ways(struct __test_metadata *_metadata,
			   FIXTURE_DATA(db) *self, int k)
{
	const size_t la = 70000, lb = 300001, lh = 5003;
	struct md_buf a, b;
	struct mcte_seg_buf sb[3];
	struct md_view dv = {}, hv = {};
	char dname[MCTE_SEG_NAME_MAX], hname[MCTE_SEG_NAME_MAX];
	unsigned char *host, *hseg, *dmod, *hmod, *tmp;
	__u32 dh, hh;
	struct mcte_cqe cqe;
	size_t size;
	int i;

	ASSERT_EQ(0, md_alloc(&self->exp[k], k, la + 8192, &a));
	ASSERT_EQ(0, md_alloc(&self->exp[k], k, lb + 200, &b));
	host = mx_alloc(lh + 1);
	ASSERT_NE(NULL, host);
	sb[0] = md_seg_buf(a.fd, 4095, la);
	sb[1] = mx_buf(host + 1, lh);
	sb[2] = md_seg_buf(b.fd, 123, lb);
	md_view_add(&dv, a.p + 4095, la);
	md_view_add(&dv, host + 1, lh);
	md_view_add(&dv, b.p + 123, lb);
	size = dv.size;
	hseg = mx_alloc(size + 7);
	ASSERT_NE(NULL, hseg);
	md_view_add(&hv, hseg + 7, size);

	mx_name(dname, sizeof(dname), "dbc");
	ASSERT_EQ(0, md_seg_reg(self->fd, dname, sb, 3, MCTE_SEG_DMABUF,
				MCTE_ACCESS_RW, &dh));
	mx_name(hname, sizeof(hname), "dbh");
	ASSERT_EQ(0, mx_seg_reg1(self->fd, hname, hseg + 7, size,
				 MCTE_ACCESS_RW, &hh));

	dmod = malloc(size);
	hmod = malloc(size);
	tmp = malloc(size);
	ASSERT_TRUE(dmod && hmod && tmp);
	md_sync(&a, false);
	md_sync(&b, false);
	mx_fill_rand(dmod, size, &self->rng);
	mx_fill_rand(hmod, size, &self->rng);
	md_view_copy(&dv, 0, size, dmod, false);
	md_view_copy(&hv, 0, size, hmod, false);

	for (i = 0; i < 48; i++) {
		bool dlocal = i & 1, wr = i & 2;
		size_t len = i < 4 ? size : mx_rand_len(&self->rng, size);
		size_t doff = mx_rand_below(&self->rng, size - len + 1);
		size_t hoff = mx_rand_below(&self->rng, size - len + 1);
		/* src -> dst in the model, as the kernel is asked. */
		bool to_dma = dlocal ? !wr : wr;
		unsigned char *src = to_dma ? hmod + hoff : dmod + doff;
		unsigned char *dst = to_dma ? dmod + doff : hmod + hoff;
		const struct md_view *sv = to_dma ? &hv : &dv;
		size_t soff = to_dma ? hoff : doff;

		/* Fresh source bytes: a transfer that did nothing fails. */
		mx_fill_rand(src, len, &self->rng);
		md_view_copy(sv, soff, len, src, false);
		memcpy(dst, src, len);
		if (dlocal) {
			ASSERT_EQ(0, mx_xfer_sync(self->fd, wr ? MCTE_OP_WRITE :
						  MCTE_OP_READ, dh, doff, hh,
						  hoff, len, DB_WAIT_MS, &cqe));
		} else {
			ASSERT_EQ(0, mx_xfer_sync(self->fd, wr ? MCTE_OP_WRITE :
						  MCTE_OP_READ, hh, hoff, dh,
						  doff, len, DB_WAIT_MS, &cqe));
		}
		ASSERT_EQ(len, cqe.res) TH_LOG("%s: %s %zu bytes, dma-buf %s",
					       self->exp[k].name,
					       wr ? "WRITE" : "READ", len,
					       dlocal ? "local" : "target");
	}
	md_view_copy(&dv, 0, size, tmp, true);
	EXPECT_EQ(-1, mx_diff(dmod, tmp, size)) TH_LOG("%s: dma-buf segment",
						       self->exp[k].name);
	md_view_copy(&hv, 0, size, tmp, true);
	EXPECT_EQ(-1, mx_diff(hmod, tmp, size)) TH_LOG("%s: host segment",
						       self->exp[k].name);
	md_sync(&a, true);
	md_sync(&b, true);

	EXPECT_EQ(0, mx_seg_unreg(self->fd, dh));
	EXPECT_EQ(0, mx_seg_unreg(self->fd, hh));
	free(dmod);
	free(hmod);
	free(tmp);
	md_free(&a);
	md_free(&b);
	mx_free(host, lh + 1);
	mx_free(hseg, size + 7);
}

TEST_F_TIMEOUT(db, copy_both_ways, 120)
{
	int k;

	for_each_exp(self, k) {
		copy_both_ways(_metadata, self, k);
		ksft_print_msg("%s: 48 copies checked\n", self->exp[k].name);
	}
}

/* Descriptors that are not a dma-buf range each get their errno. */
TEST_F(db, bad_descriptors)
{
	char name[MCTE_SEG_NAME_MAX];
	struct mcte_seg_buf sb[2];
	struct md_buf a;
	char *host = mx_alloc(self->page);
	int k, closed, file;
	__u32 h;

	ASSERT_NE(NULL, host);
	mx_name(name, sizeof(name), "dbbad");
	file = memfd_create("not-a-dmabuf", MFD_CLOEXEC);
	ASSERT_LE(0, file);
	ASSERT_EQ(0, ftruncate(file, self->page));
	closed = dup(file);
	ASSERT_LE(0, closed);
	close(closed);

#define BAD(want, ...) do {						\
		struct mcte_seg_buf __b[] = { __VA_ARGS__ };		\
		EXPECT_EQ(want, md_seg_reg(self->fd, name, __b,		\
					   MX_ARRAY_SIZE(__b),		\
					   MCTE_SEG_DMABUF,		\
					   MCTE_ACCESS_RW, &h))		\
			TH_LOG("%s", #__VA_ARGS__);			\
	} while (0)

	/* Not a dma-buf: a regular file, /dev/mcte itself. */
	BAD(-EINVAL, md_seg_buf(file, 0, 1));
	BAD(-EINVAL, md_seg_buf(self->fd, 0, 1));
	/* No such fd. */
	BAD(-EBADF, md_seg_buf(closed, 0, 1));
	BAD(-EBADF, md_seg_buf(-2, 0, 1));

	for_each_exp(self, k) {
		ASSERT_EQ(0, md_alloc(&self->exp[k], k, 2 * self->page, &a));
		/* The number of a closed fd, not reused meanwhile. */
		closed = dup(file);
		ASSERT_LE(0, closed);
		close(closed);
		/* Too small, offset beyond, overflow, empty. */
		BAD(-EINVAL, md_seg_buf(a.fd, 0, a.size + 1));
		BAD(-EINVAL, md_seg_buf(a.fd, 1, a.size));
		BAD(-EINVAL, md_seg_buf(a.fd, a.size, 1));
		BAD(-EINVAL, md_seg_buf(a.fd, ~0ULL - 1, 4));
		BAD(-EINVAL, md_seg_buf(a.fd, 0, 0));
		/* A bad one after a good one: nothing stays held. */
		BAD(-EINVAL, md_seg_buf(a.fd, 0, 1), md_seg_buf(a.fd, 0, 0));
		BAD(-EBADF, md_seg_buf(a.fd, 0, 1), md_seg_buf(closed, 0, 1));
		BAD(-EFAULT, md_seg_buf(a.fd, 0, 1), mx_buf(NULL, 1));
		sb[0] = md_seg_buf(a.fd, 0, 1);
		sb[0].resv = 1;
		EXPECT_EQ(-EINVAL, md_seg_reg(self->fd, name, sb, 1,
					      MCTE_SEG_DMABUF,
					      MCTE_ACCESS_RW, &h));
		/* A dma-buf in a host segment is not host memory. */
		sb[0] = md_seg_buf(a.fd, 0, 1);
		sb[1] = mx_buf(host, 1);
		EXPECT_EQ(-EINVAL, md_seg_reg(self->fd, name, sb, 2,
					      MCTE_SEG_HOST,
					      MCTE_ACCESS_RW, &h));
		/* Exactly the whole dma-buf, and its last byte, are fine. */
		sb[0] = md_seg_buf(a.fd, 0, a.size);
		sb[1] = md_seg_buf(a.fd, a.size - 1, 1);
		ASSERT_EQ(0, md_seg_reg(self->fd, name, sb, 2,
					MCTE_SEG_DMABUF, MCTE_ACCESS_RW, &h));
		EXPECT_EQ(0, mx_seg_unreg(self->fd, h));
		md_free(&a);
		ksft_print_msg("%s: bad descriptors refused\n",
			       self->exp[k].name);
	}
#undef BAD
	close(file);
	mx_free(host, self->page);
}

struct memlock_arg {
	struct md_buf a;
	size_t page;
};

/* RLIMIT_MEMLOCK of 16 pages, as user nobody: dma-buf pages count. */
static int memlock_child(void *varg, struct mx_report *rep)
{
	struct memlock_arg *m = varg;
	const size_t page = m->page;
	const struct rlimit rl = { 16 * page, 16 * page };
	char *host = mx_alloc(16 * page);
	char n[3][MCTE_SEG_NAME_MAX];
	struct mcte_seg_buf sb[2];
	long pin0;
	__u32 h[3];
	int fd, i;

	for (i = 0; i < 3; i++)
		mx_name(n[i], sizeof(n[i]), "dblock");
	MX_CK(rep, 1, host != NULL);
	MX_CK(rep, 0, setrlimit(RLIMIT_MEMLOCK, &rl));
	MX_CK(rep, 0, mx_become_nobody());
	fd = mx_open();
	MX_CK(rep, 1, fd >= 0);
	pin0 = mx_vmpin_kb();

	sb[0] = md_seg_buf(m->a.fd, 0, 32 * page);
	MX_CK(rep, -ENOMEM, md_seg_reg(fd, n[0], sb, 1, MCTE_SEG_DMABUF,
				       MCTE_ACCESS_NONE, &h[0]));
	/* One byte into a page and up to 8 pages on: 9 pages. */
	sb[0] = md_seg_buf(m->a.fd, page - 1, 8 * page);
	MX_CK(rep, 0, md_seg_reg(fd, n[0], sb, 1, MCTE_SEG_DMABUF,
				 MCTE_ACCESS_NONE, &h[0]));
	MX_CK(rep, pin0 + 9 * page / 1024, mx_vmpin_kb());
	/* Host and dma-buf pages together: 9 + 4 + 4 > 16. */
	sb[0] = md_seg_buf(m->a.fd, 0, 4 * page);
	sb[1] = mx_buf(host, 4 * page);
	MX_CK(rep, -ENOMEM, md_seg_reg(fd, n[1], sb, 2, MCTE_SEG_DMABUF,
				       MCTE_ACCESS_NONE, &h[1]));
	MX_CK(rep, pin0 + 9 * page / 1024, mx_vmpin_kb());
	/* Exactly up to the limit: 9 + 4 + 3. */
	sb[1] = mx_buf(host, 3 * page);
	MX_CK(rep, 0, md_seg_reg(fd, n[1], sb, 2, MCTE_SEG_DMABUF,
				 MCTE_ACCESS_NONE, &h[1]));
	MX_CK(rep, pin0 + 16 * page / 1024, mx_vmpin_kb());
	sb[0] = md_seg_buf(m->a.fd, 0, 1);
	MX_CK(rep, -ENOMEM, md_seg_reg(fd, n[2], sb, 1, MCTE_SEG_DMABUF,
				       MCTE_ACCESS_NONE, &h[2]));
	/* Unregistering gives the charge back. */
	MX_CK(rep, 0, mx_seg_unreg(fd, h[0]));
	MX_CK(rep, 0, mx_seg_unreg(fd, h[1]));
	MX_CK(rep, pin0, mx_vmpin_kb());
	close(fd);
	return 0;
}

TEST_F(db, memlock_charged)
{
	struct memlock_arg m = { .page = self->page };
	struct mx_report rep;

	ASSERT_EQ(0, md_alloc(&self->exp[MD_VGEM], MD_VGEM, 32 * self->page,
			      &m.a));
	EXPECT_EQ(0, mx_in_child(memlock_child, &m, &rep))
		TH_LOG("line %d: %s: want %lld got %lld", rep.line, rep.what,
		       rep.want, rep.got);
	md_free(&m.a);
}

/* The dma-buf fd and its mapping go right after registration. */
TEST_F(db, fd_closed_early)
{
	const size_t len = 3 * 4096 + 77;
	char dname[MCTE_SEG_NAME_MAX], hname[MCTE_SEG_NAME_MAX];
	unsigned char *hseg, *pat;
	struct mcte_seg_buf sb;
	struct mcte_cqe cqe;
	struct md_buf a;
	__u32 dh, hh;
	int k;

	hseg = mx_alloc(2 * len);
	pat = malloc(len);
	ASSERT_TRUE(hseg && pat);
	for_each_exp(self, k) {
		ASSERT_EQ(0, md_alloc(&self->exp[k], k, len + 100, &a));
		sb = md_seg_buf(a.fd, 99, len);
		mx_name(dname, sizeof(dname), "dbclosed");
		ASSERT_EQ(0, md_seg_reg(self->fd, dname, &sb, 1,
					MCTE_SEG_DMABUF, MCTE_ACCESS_RW, &dh));
		md_free(&a);
		mx_name(hname, sizeof(hname), "dbch");
		ASSERT_EQ(0, mx_seg_reg1(self->fd, hname, hseg, 2 * len,
					 MCTE_ACCESS_RW, &hh));
		mx_fill_rand(pat, len, &self->rng);
		memcpy(hseg, pat, len);
		memset(hseg + len, 0, len);
		/* Into the dma-buf, and back out to the other half. */
		ASSERT_EQ(0, mx_xfer_sync(self->fd, MCTE_OP_WRITE, hh, 0, dh, 0,
					  len, DB_WAIT_MS, &cqe));
		EXPECT_EQ(len, cqe.res);
		ASSERT_EQ(0, mx_xfer_sync(self->fd, MCTE_OP_READ, hh, len, dh,
					  0, len, DB_WAIT_MS, &cqe));
		EXPECT_EQ(len, cqe.res);
		EXPECT_EQ(-1, mx_diff(pat, hseg + len, len))
			TH_LOG("%s", self->exp[k].name);
		EXPECT_EQ(0, mx_seg_unreg(self->fd, dh));
		EXPECT_EQ(0, mx_seg_unreg(self->fd, hh));
		ksft_print_msg("%s: copies after close checked\n",
			       self->exp[k].name);
	}
	free(pat);
	mx_free(hseg, 2 * len);
}

/*
 * The fd closed and the mapping gone while slow copies into the dma-buf
 * are in flight: they complete, and the bytes are there.
 */
TEST_F_TIMEOUT(db, fd_closed_mid_transfer, 90)
{
	const size_t len = 16 * 4096 + 5;
	long slice = mx_get_param("slice_size");
	char dname[MCTE_SEG_NAME_MAX], hname[MCTE_SEG_NAME_MAX];
	struct mcte_xfer_req r;
	unsigned char *hseg, *pat;
	struct mcte_seg_buf sb;
	struct mcte_cqe cqe;
	struct md_buf a;
	__u32 dh, hh, id;
	int k;

	ASSERT_TRUE(mx_have_delay());
	ASSERT_LT(0, slice);
	hseg = mx_alloc(2 * len);
	pat = malloc(len);
	ASSERT_TRUE(hseg && pat);
	for_each_exp(self, k) {
		ASSERT_EQ(0, md_alloc(&self->exp[k], k, len + 3, &a));
		sb = md_seg_buf(a.fd, 3, len);
		mx_name(dname, sizeof(dname), "dbmid");
		ASSERT_EQ(0, md_seg_reg(self->fd, dname, &sb, 1,
					MCTE_SEG_DMABUF, MCTE_ACCESS_RW, &dh));
		mx_name(hname, sizeof(hname), "dbmidh");
		ASSERT_EQ(0, mx_seg_reg1(self->fd, hname, hseg, 2 * len,
					 MCTE_ACCESS_RW, &hh));
		mx_fill_rand(pat, len, &self->rng);
		memcpy(hseg, pat, len);
		memset(hseg + len, 0, len);

		ASSERT_EQ(0, mx_set_param("slice_size", 4096));
		ASSERT_EQ(0, mx_set_delay(20));
		ASSERT_EQ(0, mx_batch_alloc(self->fd, 1, &id));
		mx_req(&r, MCTE_OP_WRITE, hh, 0, dh, 0, len, id, 7);
		ASSERT_EQ(0, mx_submit(self->fd, &r, 1, NULL, NULL));
		/* 17 slices of 20 ms: still copying when the fd goes. */
		md_free(&a);
		md_exp_close(&self->exp[k]);
		EXPECT_FALSE(mx_state_final(mx_batch_state(self->fd, id)));
		ASSERT_EQ(0, mx_reap_n(self->fd, &cqe, 1, DB_WAIT_MS));
		EXPECT_EQ(len, cqe.res) TH_LOG("%s", self->exp[k].name);
		EXPECT_EQ(0, mx_batch_free(self->fd, id));
		mx_set_delay(0);
		ASSERT_EQ(0, mx_set_param("slice_size", slice));

		ASSERT_EQ(0, mx_xfer_sync(self->fd, MCTE_OP_READ, hh, len, dh,
					  0, len, DB_WAIT_MS, &cqe));
		EXPECT_EQ(len, cqe.res);
		EXPECT_EQ(-1, mx_diff(pat, hseg + len, len))
			TH_LOG("%s", self->exp[k].name);
		EXPECT_EQ(0, mx_seg_unreg(self->fd, dh));
		EXPECT_EQ(0, mx_seg_unreg(self->fd, hh));
		ksft_print_msg("%s: fd closed mid-transfer, bytes checked\n",
			       self->exp[k].name);
	}
	free(pat);
	mx_free(hseg, 2 * len);
}

static long db_vgem_refcnt(void)
{
	return mx_read_file("/sys/module/vgem/refcnt");
}

struct owner_arg {
	int ready[2];
	size_t page;
	int k;
	struct md_exp *exp;
};

/* Register a dma-buf segment, start slow copies to and from it, exit. */
static int owner_child(void *varg, struct mx_report *rep)
{
	struct owner_arg *o = varg;
	const size_t len = 64 * o->page;
	char dname[MCTE_SEG_NAME_MAX], hname[MCTE_SEG_NAME_MAX];
	struct mcte_xfer_req r[2];
	struct mcte_seg_buf sb;
	struct md_buf a;
	__u32 dh, hh, id;
	char *host;
	int fd;

	fd = mx_open();
	MX_CK(rep, 1, fd >= 0);
	host = mx_alloc(len);
	MX_CK(rep, 1, host != NULL);
	MX_CK(rep, 0, md_alloc(&o->exp[o->k], o->k, len, &a));
	sb = md_seg_buf(a.fd, 0, len);
	mx_name(dname, sizeof(dname), "dbown");
	MX_CK(rep, 0, md_seg_reg(fd, dname, &sb, 1, MCTE_SEG_DMABUF,
				 MCTE_ACCESS_RW, &dh));
	mx_name(hname, sizeof(hname), "dbownh");
	MX_CK(rep, 0, mx_seg_reg1(fd, hname, host, len, MCTE_ACCESS_RW, &hh));
	md_free(&a);
	md_exp_close(&o->exp[o->k]);
	MX_CK(rep, 0, mx_batch_alloc(fd, 2, &id));
	mx_req(&r[0], MCTE_OP_WRITE, dh, 0, hh, 0, len, id, 1);
	mx_req(&r[1], MCTE_OP_READ, dh, 0, hh, 0, len, id, 2);
	MX_CK(rep, 0, mx_submit(fd, r, 2, NULL, NULL));
	mx_signal_fd(o->ready[1], 'r');
	/* Exit with both in flight: file, segments, batch all go now. */
	return 0;
}

TEST_F_TIMEOUT(db, owner_exits_mid_transfer, 90)
{
	long refcnt0 = mx_module_refcnt(), slice = mx_get_param("slice_size");
	struct owner_arg o = { .page = self->page, .exp = self->exp };
	struct mx_report rep;
	pid_t pid;
	int k;

	ASSERT_TRUE(mx_have_delay());
	ASSERT_LT(0, slice);
	for_each_exp(self, k) {
		o.k = k;
		ASSERT_EQ(0, mx_set_param("slice_size", 4096));
		ASSERT_EQ(0, mx_set_delay(20));
		ASSERT_EQ(0, pipe(o.ready));
		fflush(NULL);
		pid = fork();
		ASSERT_LE(0, pid);
		if (pid == 0) {
			int ret = owner_child(&o, &rep);

			if (ret)
				fprintf(stderr, "child line %d: %s: want %lld got %lld\n",
					rep.line, rep.what, rep.want, rep.got);
			_exit(ret);
		}
		close(o.ready[1]);
		EXPECT_EQ('r', mx_await_fd(o.ready[0]));
		close(o.ready[0]);
		EXPECT_EQ(0, mx_wait_child(pid));
		/* Slow slices still slow: whatever stops early, stops. */
		if (mx_wait_refcnt(refcnt0, 3000)) {
			mx_set_delay(0);
			EXPECT_EQ(0, mx_wait_refcnt(refcnt0, DB_WAIT_MS));
		}
		mx_set_delay(0);
		ASSERT_EQ(0, mx_set_param("slice_size", slice));
		ksft_print_msg("%s: owner exit mid-transfer ended cleanly\n",
			       self->exp[k].name);
	}
	md_exp_close(&self->exp[MD_VGEM]);
	/* The child's dma-bufs are gone: nothing holds vgem. */
	EXPECT_EQ(0, db_vgem_refcnt());
}

/* A segment holds its exporter; unregistered, the exporter is free. */
TEST_F(db, exporter_refcount)
{
	char name[MCTE_SEG_NAME_MAX];
	struct mcte_seg_buf sb;
	struct md_buf a;
	__u32 h;

	ASSERT_EQ(0, md_alloc(&self->exp[MD_VGEM], MD_VGEM, 8 * self->page,
			      &a));
	sb = md_seg_buf(a.fd, 5, 3 * self->page);
	mx_name(name, sizeof(name), "dbref");
	ASSERT_EQ(0, md_seg_reg(self->fd, name, &sb, 1, MCTE_SEG_DMABUF,
				MCTE_ACCESS_NONE, &h));
	md_free(&a);
	md_exp_close(&self->exp[MD_VGEM]);
	/* The segment's dma-buf keeps vgem in. */
	EXPECT_LT(0, db_vgem_refcnt());
	EXPECT_NE(0, system("rmmod vgem 2>/dev/null"));
	EXPECT_EQ(0, mx_seg_unreg(self->fd, h));
	EXPECT_EQ(0, db_vgem_refcnt());
	EXPECT_EQ(0, system("rmmod vgem"));
	EXPECT_EQ(0, system("modprobe vgem"));
}

TEST_HARNESS_MAIN
