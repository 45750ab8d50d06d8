// SPDX-License-Identifier: GPL-2.0
/*
 * Block segments on a ramdisk (brd, /dev/ram0): registration and its
 * refusals, transfers between host memory and the device both ways
 * checked byte by byte against what the device holds (read and written
 * here through a separate O_DIRECT fd), at the first and the last block,
 * odd block counts, many requests in one batch, local memory off the
 * device's DMA alignment (bounced) and local offsets not congruent with
 * the device's blocks (requests across slices); refusals of unaligned and
 * out-of-range requests, of a block segment as the local side, of writes
 * through a read-only fd and to a read-only device; another process
 * opening the segment; the netlink view (device, block size); a dma-buf
 * (vgem, in both kernels) as the local side; and the owner exiting with
 * I/O in flight.
 */
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <linux/fs.h>

#include "kselftest_harness.h"
#include "mcte_test.h"
#include "mcte_xfer.h"
#include "mcte_nl.h"
#include "mcte_dmabuf.h"

#define BS_DEV		"/dev/ram0"
#define BS_HOST_LEN	(8 * MX_MiB)
#define BS_WAIT_MS	30000

FIXTURE(bs) {
	int fd;		/* /dev/mcte */
	int dev;	/* the device, O_RDWR | O_DIRECT, for the checks */
	__u64 size;
	int lbs;
	size_t page;
	void *host;	/* BS_HOST_LEN, registered as hseg */
	__u32 hseg;
	void *ref;	/* BS_HOST_LEN, page-aligned, for O_DIRECT I/O */
	struct mx_rng rng;
};

static int bs_ramdisk(void)
{
	if (access(BS_DEV, F_OK))
		if (system("modprobe brd rd_nr=1 rd_size=32768 max_part=0"))
			return -ENODEV;
	return access(BS_DEV, F_OK) ? -ENODEV : 0;
}

FIXTURE_SETUP(bs)
{
	self->page = sysconf(_SC_PAGESIZE);
	ASSERT_EQ(0, bs_ramdisk()) TH_LOG("no %s: brd did not load", BS_DEV);
	self->fd = mx_open();
	ASSERT_LE(0, self->fd);
	MX_REQUIRE(self->fd, MCTE_FEAT_SEGMENTS | MCTE_FEAT_XPORT_NVME);
	self->dev = open(BS_DEV, O_RDWR | O_DIRECT);
	ASSERT_LE(0, self->dev);
	ASSERT_EQ(0, ioctl(self->dev, BLKGETSIZE64, &self->size));
	ASSERT_EQ(0, ioctl(self->dev, BLKSSZGET, &self->lbs));
	ASSERT_LE(4 * MX_MiB, self->size);
	self->host = mx_alloc(BS_HOST_LEN);
	self->ref = mx_alloc(BS_HOST_LEN);
	ASSERT_NE(NULL, self->host);
	ASSERT_NE(NULL, self->ref);
	self->rng.s = mx_seed("MCTE_SEED", 0xb10c5e9);
	ASSERT_EQ(0, mx_seg_reg1(self->fd, "bs-host", self->host, BS_HOST_LEN,
				 MCTE_ACCESS_NONE, &self->hseg));
}

FIXTURE_TEARDOWN(bs)
{
	mx_free(self->host, BS_HOST_LEN);
	mx_free(self->ref, BS_HOST_LEN);
	close(self->dev);
	close(self->fd);
}

/* Register [off, off + len) of a device fd: 0 or -errno, handle in *h. */
static int bs_reg(int fd, const char *name, int dfd, __u64 off, __u64 len,
		  __u32 access, __u32 *h)
{
	struct mcte_seg_buf b = { .addr = off, .len = len, .fd = dfd };

	return mx_seg_reg_kind(fd, name, &b, 1, MCTE_SEG_BLOCK, access, h);
}

/*
 * One request, synchronously: 0 when it moved all @len bytes, else its
 * -errno (or the short count); its state in *state.
 */
static long bs_xfer(int fd, __u8 op, __u32 local, __u64 loff, __u32 target,
		    __u64 toff, __u64 len, __u32 *state)
{
	struct mcte_cqe cqe;
	int ret;

	ret = mx_xfer_sync(fd, op, local, loff, target, toff, len, BS_WAIT_MS,
			   &cqe);
	if (ret)
		return ret;
	if (state)
		*state = cqe.state;
	return cqe.res == (__s64)len ? 0 : cqe.res ? cqe.res : -EIO;
}

/* The device's bytes [off, off + len) into self->ref (aligned I/O). */
static int bs_dev_read(FIXTURE_DATA(bs) *self, __u64 off, __u64 len)
{
	return pread(self->dev, self->ref, len, off) == (ssize_t)len ? 0 : -EIO;
}

static int bs_dev_write(FIXTURE_DATA(bs) *self, __u64 off, __u64 len)
{
	return pwrite(self->dev, self->ref, len, off) == (ssize_t)len ?
	       0 : -EIO;
}

TEST_F(bs, feature_bit)
{
	EXPECT_TRUE(mx_features(self->fd) & MCTE_FEAT_XPORT_NVME);
}

TEST_F(bs, register_refused)
{
	struct mcte_seg_buf two[2] = {
		{ .addr = 0, .len = 4096, .fd = self->dev },
		{ .addr = 4096, .len = 4096, .fd = self->dev },
	};
	int buffered, ro, mfd;
	__u32 h;

	mfd = memfd_create("bs", 0);
	ASSERT_LE(0, mfd);
	ASSERT_EQ(0, ftruncate(mfd, 1 << 20));
	EXPECT_EQ(-ENOTBLK, bs_reg(self->fd, "bs-r", mfd, 0, 4096,
				   MCTE_ACCESS_NONE, &h));
	close(mfd);
	EXPECT_EQ(-EBADF, bs_reg(self->fd, "bs-r", 999, 0, 4096,
				 MCTE_ACCESS_NONE, &h));

	buffered = open(BS_DEV, O_RDWR);
	ASSERT_LE(0, buffered);
	EXPECT_EQ(-EINVAL, bs_reg(self->fd, "bs-r", buffered, 0, 0,
				  MCTE_ACCESS_NONE, &h))
		TH_LOG("a device fd without O_DIRECT");
	close(buffered);

	EXPECT_EQ(-EINVAL, bs_reg(self->fd, "bs-r", self->dev, 100, 4096,
				  MCTE_ACCESS_NONE, &h));
	EXPECT_EQ(-EINVAL, bs_reg(self->fd, "bs-r", self->dev, 0,
				  self->lbs + 1, MCTE_ACCESS_NONE, &h));
	EXPECT_EQ(-ERANGE, bs_reg(self->fd, "bs-r", self->dev, self->size, 0,
				  MCTE_ACCESS_NONE, &h));
	EXPECT_EQ(-ERANGE, bs_reg(self->fd, "bs-r", self->dev, self->lbs,
				  self->size, MCTE_ACCESS_NONE, &h));
	EXPECT_EQ(-EINVAL, mx_seg_reg_kind(self->fd, "bs-r", two, 2,
					   MCTE_SEG_BLOCK, MCTE_ACCESS_NONE,
					   &h));

	ro = open(BS_DEV, O_RDONLY | O_DIRECT);
	ASSERT_LE(0, ro);
	EXPECT_EQ(-EBADF, bs_reg(self->fd, "bs-r", ro, 0, 0, MCTE_ACCESS_RW,
				 &h))
		TH_LOG("read-write access through a read-only fd");
	close(ro);
}

/* The whole device, its size and block size as others see them. */
TEST_F(bs, register_whole)
{
	struct mx_nl_attrs a;
	char attrs[128];
	__u32 h, oh, nr;
	struct mcte_seg_open o;
	size_t len = 0;
	int nl, fam, fd2;
	__u64 size;

	ASSERT_EQ(0, bs_reg(self->fd, "bs-whole", self->dev, 0, 0,
			    MCTE_ACCESS_READ, &h));
	fd2 = mx_open();
	ASSERT_LE(0, fd2);
	memset(&o, 0, sizeof(o));
	strcpy(o.name, "bs-whole");
	o.access = MCTE_ACCESS_READ;
	ASSERT_EQ(0, mx_ioctl(fd2, MCTE_IOC_SEG_OPEN, &o));
	EXPECT_EQ(self->size, o.size);
	EXPECT_EQ(1, o.nr_bufs);
	EXPECT_EQ((__u32)self->lbs, o.align);
	EXPECT_EQ(0, mx_seg_open(fd2, "bs-whole", MCTE_ACCESS_READ, &oh,
				 &size, &nr));
	close(fd2);

	/* seg-get: kind, size, and the device line. */
	nl = mx_nl_open();
	ASSERT_LE(0, nl);
	fam = mx_nl_family(nl);
	ASSERT_LE(0, fam);
	memset(&a, 0, sizeof(a));
	mx_nl_put_attr(attrs, &len, MCTE_A_SEG_NAME, "bs-whole", 9);
	ASSERT_EQ(0, mx_nl_call(nl, fam, MCTE_CMD_SEG_GET, attrs, len, &a,
				MCTE_A_SEG_BLOCK_DEV, MCTE_A_SEG_BUF));
	close(nl);
	EXPECT_EQ(MCTE_SEG_BLOCK, a.val[MCTE_A_SEG_KIND]);
	EXPECT_EQ(self->size, a.val[MCTE_A_SEG_SIZE]);
	EXPECT_STREQ("ram0", a.str);
	EXPECT_EQ((__u64)self->lbs, a.val[MCTE_A_SEG_BLOCK_LBS]);
	EXPECT_EQ(0, a.val[MCTE_A_SEG_BLOCK_START]);
	EXPECT_EQ(0, a.val[MCTE_A_SEG_BLOCK_RO]);

	/* Offset and length: a window of the device. */
	EXPECT_EQ(0, mx_seg_unreg(self->fd, h));
	ASSERT_EQ(0, bs_reg(self->fd, "bs-whole", self->dev, 1 * MX_MiB,
			    2 * MX_MiB, MCTE_ACCESS_NONE, &h));
	EXPECT_EQ(0, mx_nl_seg("bs-whole", &a));
	EXPECT_EQ(2 * MX_MiB, a.val[MCTE_A_SEG_SIZE]);
	EXPECT_EQ(1 * MX_MiB, a.val[MCTE_A_SEG_BLOCK_START]);
	EXPECT_EQ(0, mx_seg_unreg(self->fd, h));
}

/*
 * Writes and reads at the first and last block, odd block counts at odd
 * block offsets, and a window's offset; each checked against the device.
 */
TEST_F(bs, rw_verify)
{
	__u64 lbs = self->lbs, nblk = self->size / lbs;
	struct { __u64 blk, nr, loff; } c[] = {
		{ 0, 1, 0 },
		{ nblk - 1, 1, 4096 },
		{ 3, 7, 8192 },
		{ 1001, 129, 3 * 4096 },
		{ 17, 2049, 0 },		/* 1 MiB + 1 block at 512 */
		{ nblk - 31, 31, 64 * 1024 },
	};
	unsigned int i;
	__u32 h, st;

	ASSERT_EQ(0, bs_reg(self->fd, "bs-rw", self->dev, 0, 0,
			    MCTE_ACCESS_NONE, &h));
	for (i = 0; i < MX_ARRAY_SIZE(c); i++) {
		__u64 off = c[i].blk * lbs, len = c[i].nr * lbs;

		ASSERT_LE(c[i].loff + len, BS_HOST_LEN);
		/* WRITE: host -> device, checked through the other fd. */
		mx_fill_rand(self->host + c[i].loff, len, &self->rng);
		EXPECT_EQ(0, bs_xfer(self->fd, MCTE_OP_WRITE, self->hseg,
				     c[i].loff, h, off, len, &st));
		EXPECT_EQ(MCTE_XFER_COMPLETED, st);
		ASSERT_EQ(0, bs_dev_read(self, off, len));
		EXPECT_EQ(-1, mx_diff(self->ref, self->host + c[i].loff, len))
			TH_LOG("write %u: blocks %llu+%llu", i,
			       (unsigned long long)c[i].blk,
			       (unsigned long long)c[i].nr);

		/* READ: device -> host, of bytes written through the fd. */
		mx_fill_rand(self->ref, len, &self->rng);
		ASSERT_EQ(0, bs_dev_write(self, off, len));
		memset(self->host + c[i].loff, 0, len);
		EXPECT_EQ(0, bs_xfer(self->fd, MCTE_OP_READ, self->hseg,
				     c[i].loff, h, off, len, &st));
		EXPECT_EQ(MCTE_XFER_COMPLETED, st);
		EXPECT_EQ(-1, mx_diff(self->ref, self->host + c[i].loff, len))
			TH_LOG("read %u", i);
	}
	EXPECT_EQ(0, mx_seg_unreg(self->fd, h));
}

/*
 * Local memory at offsets the device cannot DMA to (not a multiple of
 * its DMA alignment), and local offsets whose slice boundaries fall
 * inside blocks: bounced, and carried from one slice to the next.
 */
TEST_F(bs, unaligned_memory)
{
	__u64 lbs = self->lbs;
	struct { __u64 loff, toff, len; } c[] = {
		{ 100, 0, 4 * lbs },
		{ 4096 + 7, 5 * lbs, 300 * 1024 },
		{ 65536 - 3, 64 * lbs, 129 * lbs },
		{ 512, 3 * lbs, 2 * MX_MiB },	/* congruent, sub-page */
		{ 1, 2 * MX_MiB, 1 * MX_MiB + lbs },
	};
	unsigned int i;
	__u32 h, st;

	ASSERT_EQ(0, bs_reg(self->fd, "bs-ua", self->dev, 0, 0,
			    MCTE_ACCESS_NONE, &h));
	for (i = 0; i < MX_ARRAY_SIZE(c); i++) {
		ASSERT_LE(c[i].loff + c[i].len, BS_HOST_LEN);
		mx_fill_rand(self->host + c[i].loff, c[i].len, &self->rng);
		EXPECT_EQ(0, bs_xfer(self->fd, MCTE_OP_WRITE, self->hseg,
				     c[i].loff, h, c[i].toff, c[i].len, &st));
		EXPECT_EQ(MCTE_XFER_COMPLETED, st);
		ASSERT_EQ(0, bs_dev_read(self, c[i].toff, c[i].len));
		EXPECT_EQ(-1, mx_diff(self->ref, self->host + c[i].loff,
				      c[i].len))
			TH_LOG("write case %u", i);

		mx_fill_rand(self->ref, c[i].len, &self->rng);
		ASSERT_EQ(0, bs_dev_write(self, c[i].toff, c[i].len));
		EXPECT_EQ(0, bs_xfer(self->fd, MCTE_OP_READ, self->hseg,
				     c[i].loff, h, c[i].toff, c[i].len, &st));
		EXPECT_EQ(-1, mx_diff(self->ref, self->host + c[i].loff,
				      c[i].len))
			TH_LOG("read case %u", i);
	}
	EXPECT_EQ(0, mx_seg_unreg(self->fd, h));
}

/* Many requests in one batch, reads and writes of disjoint ranges. */
TEST_F(bs, batch_many)
{
	enum { NR = 64 };
	struct mcte_xfer_req r[NR];
	struct mcte_cqe cqe[NR];
	__u64 chunk = 64 * 1024, lbs = self->lbs;
	__u32 h, id, i, sub, err;
	void *expect;

	expect = mx_alloc(NR * chunk);
	ASSERT_NE(NULL, expect);
	ASSERT_EQ(0, bs_reg(self->fd, "bs-batch", self->dev, 0, 0,
			    MCTE_ACCESS_NONE, &h));
	/* Odd requests read what the device holds; even ones write. */
	mx_fill_rand(self->host, NR * chunk, &self->rng);
	mx_fill_rand(expect, NR * chunk, &self->rng);
	for (i = 1; i < NR; i += 2) {
		memcpy(self->ref, expect + i * chunk, chunk);
		ASSERT_EQ(0, bs_dev_write(self, i * (chunk + lbs), chunk));
	}
	for (i = 0; i < NR; i += 2)
		memcpy(expect + i * chunk, self->host + i * chunk, chunk);

	ASSERT_EQ(0, mx_batch_alloc(self->fd, NR, &id));
	for (i = 0; i < NR; i++)
		mx_req(&r[i], i & 1 ? MCTE_OP_READ : MCTE_OP_WRITE, self->hseg,
		       i * chunk, h, i * (chunk + lbs), chunk, id, i);
	ASSERT_EQ(0, mx_submit(self->fd, r, NR, &sub, &err));
	EXPECT_EQ(NR, sub);
	ASSERT_EQ(0, mx_reap_n(self->fd, cqe, NR, BS_WAIT_MS));
	for (i = 0; i < NR; i++) {
		EXPECT_EQ(MCTE_XFER_COMPLETED, cqe[i].state)
			TH_LOG("request %llu: %lld",
			       (unsigned long long)cqe[i].user_data,
			       (long long)cqe[i].res);
	}
	EXPECT_EQ(0, mx_batch_free(self->fd, id));

	for (i = 0; i < NR; i++) {
		ASSERT_EQ(0, bs_dev_read(self, i * (chunk + lbs), chunk));
		EXPECT_EQ(-1, mx_diff(self->ref, expect + i * chunk, chunk))
			TH_LOG("device range of request %u", i);
		if (i & 1)
			EXPECT_EQ(-1, mx_diff(self->host + i * chunk,
					      expect + i * chunk, chunk))
				TH_LOG("memory of request %u", i);
	}
	EXPECT_EQ(0, mx_seg_unreg(self->fd, h));
	mx_free(expect, NR * chunk);
}

/* Refused at submission, with the errno saying why; nothing written. */
TEST_F(bs, requests_refused)
{
	__u64 lbs = self->lbs;
	__u32 h, h2, sub, err, id;
	struct mcte_xfer_req r;

	ASSERT_EQ(0, bs_reg(self->fd, "bs-bad", self->dev, 0, 8 * MX_MiB,
			    MCTE_ACCESS_NONE, &h));
	ASSERT_EQ(0, mx_batch_alloc(self->fd, 4, &id));
	struct { __u8 op; __u32 l; __u64 loff; __u32 t; __u64 toff, len;
		 int want; } c[] = {
		{ MCTE_OP_WRITE, self->hseg, 0, h, 100, lbs, -EINVAL },
		{ MCTE_OP_READ, self->hseg, 0, h, lbs, 1000, -EINVAL },
		{ MCTE_OP_READ, self->hseg, 0, h, 0, lbs + 8, -EINVAL },
		{ MCTE_OP_WRITE, self->hseg, 0, h, 8 * MX_MiB - lbs, 2 * lbs,
		  -ERANGE },
		{ MCTE_OP_READ, self->hseg, 0, h, 8 * MX_MiB, lbs, -ERANGE },
		/* A block segment is a target only. */
		{ MCTE_OP_READ, h, 0, self->hseg, 0, lbs, -EINVAL },
		{ MCTE_OP_WRITE, h, 0, self->hseg, 0, lbs, -EINVAL },
	};
	unsigned int i;

	for (i = 0; i < MX_ARRAY_SIZE(c); i++) {
		mx_req(&r, c[i].op, c[i].l, c[i].loff, c[i].t, c[i].toff,
		       c[i].len, id, i);
		EXPECT_EQ(c[i].want, mx_submit(self->fd, &r, 1, &sub, &err))
			TH_LOG("case %u", i);
		EXPECT_EQ(0, sub);
	}
	/* Block to block: not memory on either side. */
	ASSERT_EQ(0, bs_reg(self->fd, "bs-bad2", self->dev, 8 * MX_MiB, lbs,
			    MCTE_ACCESS_NONE, &h2));
	mx_req(&r, MCTE_OP_READ, h2, 0, h, 0, lbs, id, 99);
	EXPECT_EQ(-EINVAL, mx_submit(self->fd, &r, 1, &sub, &err));
	EXPECT_EQ(0, mx_batch_free(self->fd, id));
	EXPECT_EQ(0, mx_seg_unreg(self->fd, h2));
	EXPECT_EQ(0, mx_seg_unreg(self->fd, h));
}

/* A read-only fd, and a device made read-only while registered. */
TEST_F(bs, read_only)
{
	__u64 lbs = self->lbs;
	__u32 h, h2, st;
	int ro, flag;
	struct mx_nl_attrs a;

	ro = open(BS_DEV, O_RDONLY | O_DIRECT);
	ASSERT_LE(0, ro);
	ASSERT_EQ(0, bs_reg(self->fd, "bs-ro", ro, 0, 0, MCTE_ACCESS_READ,
			    &h));
	close(ro);	/* the segment holds its own reference */
	mx_fill_rand(self->ref, 4 * lbs, &self->rng);
	ASSERT_EQ(0, bs_dev_write(self, 40 * lbs, 4 * lbs));
	EXPECT_EQ(0, bs_xfer(self->fd, MCTE_OP_READ, self->hseg, 0, h,
			     40 * lbs, 4 * lbs, &st));
	EXPECT_EQ(-1, mx_diff(self->ref, self->host, 4 * lbs));
	EXPECT_EQ(-EROFS, bs_xfer(self->fd, MCTE_OP_WRITE, self->hseg, 0, h,
				  40 * lbs, 4 * lbs, &st));
	ASSERT_EQ(0, bs_dev_read(self, 40 * lbs, 4 * lbs));
	EXPECT_EQ(-1, mx_diff(self->ref, self->host, 4 * lbs));
	EXPECT_EQ(0, mx_nl_seg("bs-ro", &a));
	EXPECT_EQ(1, a.val[MCTE_A_SEG_BLOCK_RO]);
	EXPECT_EQ(0, mx_seg_unreg(self->fd, h));

	/* A writable segment of a device set read-only afterwards. */
	ASSERT_EQ(0, bs_reg(self->fd, "bs-ro2", self->dev, 0, 0,
			    MCTE_ACCESS_NONE, &h2));
	flag = 1;
	ASSERT_EQ(0, ioctl(self->dev, BLKROSET, &flag));
	EXPECT_EQ(-EROFS, bs_xfer(self->fd, MCTE_OP_WRITE, self->hseg, 0, h2,
				  0, lbs, &st));
	flag = 0;
	ASSERT_EQ(0, ioctl(self->dev, BLKROSET, &flag));
	EXPECT_EQ(0, bs_xfer(self->fd, MCTE_OP_WRITE, self->hseg, 0, h2, 0,
			     lbs, &st));
	EXPECT_EQ(0, mx_seg_unreg(self->fd, h2));
}

/* Another file of the owner's user opens it: its access mode rules. */
TEST_F(bs, opened_by_other)
{
	__u64 lbs = self->lbs;
	__u32 h, oh, hh, st;
	void *mem;
	int fd2;

	ASSERT_EQ(0, bs_reg(self->fd, "bs-open", self->dev, 0, 0,
			    MCTE_ACCESS_READ, &h));
	mx_fill_rand(self->ref, 16 * lbs, &self->rng);
	ASSERT_EQ(0, bs_dev_write(self, 100 * lbs, 16 * lbs));

	fd2 = mx_open();
	ASSERT_LE(0, fd2);
	mem = mx_alloc(MX_MiB);
	ASSERT_NE(NULL, mem);
	ASSERT_EQ(0, mx_seg_reg1(fd2, "bs-open-host", mem, MX_MiB,
				 MCTE_ACCESS_NONE, &hh));
	EXPECT_EQ(-EACCES, mx_seg_open(fd2, "bs-open", MCTE_ACCESS_RW, &oh,
				       NULL, NULL));
	ASSERT_EQ(0, mx_seg_open(fd2, "bs-open", MCTE_ACCESS_READ, &oh, NULL,
				 NULL));
	EXPECT_EQ(0, bs_xfer(fd2, MCTE_OP_READ, hh, 0, oh, 100 * lbs,
			     16 * lbs, &st));
	EXPECT_EQ(-1, mx_diff(self->ref, mem, 16 * lbs));
	EXPECT_EQ(-EACCES, bs_xfer(fd2, MCTE_OP_WRITE, hh, 0, oh, 100 * lbs,
				   lbs, &st));
	/* Unregistered: the opener's requests fail, nothing hangs. */
	EXPECT_EQ(0, mx_seg_unreg(self->fd, h));
	EXPECT_EQ(-ENODEV, bs_xfer(fd2, MCTE_OP_READ, hh, 0, oh, 0, lbs,
				   &st));
	close(fd2);
	mx_free(mem, MX_MiB);
}

/*
 * A dma-buf as the local memory: vgem's, which the kernel maps for the
 * CPU. Its pages come through the vmap, or through a bounce: either way
 * the bytes must arrive.
 */
TEST_F(bs, dmabuf_local)
{
	__u64 lbs = self->lbs, len = 256 * 1024;
	struct mcte_seg_buf b;
	struct md_exp e[MD_NR];
	struct md_buf db;
	__u32 h, dh, st;

	md_exps_init(e);
	ASSERT_TRUE(md_config_has(e[MD_VGEM].config));
	ASSERT_EQ(0, md_alloc(&e[MD_VGEM], MD_VGEM, 2 * len, &db));
	b = md_seg_buf(db.fd, 0, 2 * len);
	ASSERT_EQ(0, md_seg_reg(self->fd, "bs-db", &b, 1, MCTE_SEG_DMABUF,
				MCTE_ACCESS_NONE, &dh));
	ASSERT_EQ(0, bs_reg(self->fd, "bs-dbblk", self->dev, 0, 0,
			    MCTE_ACCESS_NONE, &h));

	/* dma-buf -> device, at an offset in the dma-buf off a page. */
	md_sync(&db, false);
	mx_fill_rand(db.p, 2 * len, &self->rng);
	md_sync(&db, true);
	EXPECT_EQ(0, bs_xfer(self->fd, MCTE_OP_WRITE, dh, 1536, h, 7 * lbs,
			     len, &st));
	ASSERT_EQ(0, bs_dev_read(self, 7 * lbs, len));
	md_sync(&db, false);
	EXPECT_EQ(-1, mx_diff(self->ref, db.p + 1536, len));
	md_sync(&db, true);

	/* device -> dma-buf */
	mx_fill_rand(self->ref, len, &self->rng);
	ASSERT_EQ(0, bs_dev_write(self, 300 * lbs, len));
	EXPECT_EQ(0, bs_xfer(self->fd, MCTE_OP_READ, dh, 0, h, 300 * lbs, len,
			     &st));
	md_sync(&db, false);
	EXPECT_EQ(-1, mx_diff(self->ref, db.p, len));
	md_sync(&db, true);

	EXPECT_EQ(0, mx_seg_unreg(self->fd, h));
	EXPECT_EQ(0, mx_seg_unreg(self->fd, dh));
	md_free(&db);
	md_exp_close(&e[MD_VGEM]);
}

/* Run mctectl (next to this suite in the tree) into @out: 0 or -1. */
static int bs_mctectl(const char *args, char *out, size_t size)
{
	char exe[512], cmd[700];
	ssize_t n;
	size_t got = 0;
	FILE *f;

	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n <= 0)
		return -1;
	exe[n] = 0;
	*strrchr(exe, '/') = 0;
	snprintf(cmd, sizeof(cmd), "%s/../../mctectl/mctectl %s", exe, args);
	f = popen(cmd, "r");
	if (!f)
		return -1;
	while (got + 1 < size && (n = fread(out + got, 1, size - 1 - got, f)) > 0)
		got += n;
	out[got] = 0;
	return pclose(f) ? -1 : 0;
}

/* mctectl segment show tells a block segment apart: its device line. */
TEST_F(bs, mctectl_show)
{
	char out[2048], want[160];
	__u32 h;
	int ro;

	ro = open(BS_DEV, O_RDONLY | O_DIRECT);
	ASSERT_LE(0, ro);
	ASSERT_EQ(0, bs_reg(self->fd, "bs-show", ro, MX_MiB, 2 * MX_MiB,
			    MCTE_ACCESS_READ, &h));
	close(ro);
	ASSERT_EQ(0, bs_mctectl("segment show bs-show", out, sizeof(out)));
	ksft_print_msg("%s", out);
	EXPECT_NE(NULL, strstr(out, "kind block access read size 2097152"));
	snprintf(want, sizeof(want),
		 "device ram0 block_size %d start 1048576 read_only true",
		 self->lbs);
	EXPECT_NE(NULL, strstr(out, want)) TH_LOG("want \"%s\"", want);

	ASSERT_EQ(0, bs_mctectl("-j segment show bs-show", out, sizeof(out)));
	snprintf(want, sizeof(want),
		 "\"device\":\"ram0\",\"block_size\":%d,\"start\":1048576,\"read_only\":true",
		 self->lbs);
	EXPECT_NE(NULL, strstr(out, want)) TH_LOG("%s", out);
	/* Host segments have no device line. */
	ASSERT_EQ(0, bs_mctectl("segment show bs-host", out, sizeof(out)));
	EXPECT_EQ(NULL, strstr(out, "device"));
	EXPECT_EQ(0, mx_seg_unreg(self->fd, h));
}

/*
 * The owner dies with many requests in flight: its file goes, every
 * request ends, the segment (and its hold on the device) goes with it.
 */
TEST_F(bs, owner_exit_inflight)
{
	struct mx_nl_attrs a;
	int pipefd[2], status;
	uint64_t t0;
	pid_t pid;

	ASSERT_EQ(0, pipe(pipefd));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		enum { NR = 32 };
		struct mcte_xfer_req r[NR];
		__u32 h, hh, id, i, sub;
		int fd = mx_open();

		/* A file of its own: the parent's stays open. */
		if (fd < 0 ||
		    mx_seg_reg1(fd, "bs-exit-host", self->host, BS_HOST_LEN,
				MCTE_ACCESS_NONE, &hh) ||
		    bs_reg(fd, "bs-exit", self->dev, 0, 0, MCTE_ACCESS_READ,
			   &h) ||
		    mx_batch_alloc(fd, NR, &id))
			_exit(1);
		for (i = 0; i < NR; i++)
			mx_req(&r[i], i & 1 ? MCTE_OP_READ : MCTE_OP_WRITE,
			       hh, (i % 8) * MX_MiB, h, (i % 16) * MX_MiB,
			       MX_MiB, id, i);
		if (mx_submit(fd, r, NR, &sub, NULL) || sub != NR)
			_exit(2);
		mx_signal_fd(pipefd[1], 'x');
		_exit(0);
	}
	close(pipefd[1]);
	EXPECT_EQ('x', mx_await_fd(pipefd[0]));
	close(pipefd[0]);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status) && !WEXITSTATUS(status));

	/* The child's file was its own: the segment goes once I/O ended. */
	t0 = mx_now_ms();
	while (!mx_nl_seg("bs-exit", &a) && mx_now_ms() - t0 < BS_WAIT_MS)
		usleep(20000);
	EXPECT_EQ(-ENOENT, mx_nl_seg("bs-exit", &a));
}

TEST_HARNESS_MAIN
