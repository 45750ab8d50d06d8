// SPDX-License-Identifier: GPL-2.0
/*
 * Transfers between host memory and a block segment on an NVMe-oF disk,
 * checked against the target's backing device, for the nvmf suite's
 * scripts (one mode per run; checks as "# ok"/"# not ok" lines, exit 0
 * when all passed):
 *
 *   nvmf_xfer rw DISK BACKING
 *	register DISK as a block segment (rw) and move bytes both ways:
 *	first and last block, odd block counts at odd offsets, a batch of
 *	many requests; every byte compared with what BACKING (the device
 *	the target exports, read and written here with O_DIRECT) holds.
 *	Then what the module refuses: unaligned target offsets and
 *	lengths (-EINVAL), ranges past the end (-ERANGE); host memory off
 *	the device's DMA alignment (bounced by the module) moved both ways;
 *	and DISK opened O_RDONLY: registered rw refused (-EBADF), registered
 *	read its writes refused (-EROFS), the device left alone.
 *   nvmf_xfer ro SEG BACKING
 *	SEG is a block segment another process registered with access
 *	read: opening it rw is refused, reads match BACKING, writes to it
 *	are refused.
 *   nvmf_xfer owner DISK
 *	a child registers DISK and keeps batches in flight; it is killed
 *	with SIGKILL: it must be gone in bounded time, and its segment
 *	with it (opening it by name fails with ENOENT).
 *   nvmf_xfer inflight DISK
 *	register DISK, keep batches of reads and writes in flight, print
 *	"inflight" once they run; the script deletes the controller. Every
 *	request must end (bounded), those cut off FAILED with an errno, and
 *	none may stay WAITING or PENDING.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <linux/fs.h>
#include <libmcte.h>
#include "mcte_test.h"

#define NX_HOST_LEN	(8ULL << 20)
#define NX_BATCH_NR	48
#define NX_WAIT_MS	60000

static int nx_failed;

static void nx_check(bool ok, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void nx_check(bool ok, const char *fmt, ...)
{
	va_list ap;

	printf("# %s ", ok ? "ok" : "not ok");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	if (!ok)
		nx_failed++;
}

static uint64_t nx_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000ULL + ts.tv_nsec / 1000000;
}

/* The pattern of SEED at device offset OFF (8-byte aligned ranges). */
static uint64_t nx_word(uint64_t seed, uint64_t off)
{
	uint64_t x = seed ^ (off * 0x9e3779b97f4a7c15ULL);

	x ^= x >> 31;
	x *= 0xbf58476d1ce4e5b9ULL;
	x ^= x >> 29;
	return x;
}

static void nx_fill(void *buf, uint64_t len, uint64_t seed, uint64_t dev_off)
{
	uint64_t *w = buf, i;

	for (i = 0; i < len / 8; i++)
		w[i] = nx_word(seed, dev_off + i * 8);
}

/* Index of the first word that differs from the pattern, or -1. */
static long nx_diff(const void *buf, uint64_t len, uint64_t seed,
		    uint64_t dev_off)
{
	const uint64_t *w = buf;
	uint64_t i;

	for (i = 0; i < len / 8; i++)
		if (w[i] != nx_word(seed, dev_off + i * 8))
			return (long)i;
	return -1;
}

static void *nx_alloc(uint64_t len)
{
	void *p;

	if (posix_memalign(&p, 4096, len))
		return NULL;
	memset(p, 0, len);
	return p;
}

struct nx_dev {
	int fd;
	uint64_t size;
	unsigned int bs;
};

static int nx_open_dev(const char *path, int flags, struct nx_dev *d)
{
	int bs;

	d->fd = open(path, flags | O_DIRECT | O_CLOEXEC);
	if (d->fd < 0) {
		printf("# cannot open %s: %s\n", path, strerror(errno));
		return -1;
	}
	if (ioctl(d->fd, BLKGETSIZE64, &d->size) < 0 ||
	    ioctl(d->fd, BLKSSZGET, &bs) < 0) {
		printf("# %s: not a block device: %s\n", path, strerror(errno));
		close(d->fd);
		return -1;
	}
	d->bs = bs;
	return 0;
}

/* Backing device I/O: whole ranges or a failure. */
static int nx_pio(struct nx_dev *d, bool wr, void *buf, uint64_t len,
		  uint64_t off)
{
	ssize_t n = wr ? pwrite(d->fd, buf, len, off) : pread(d->fd, buf, len, off);

	if (n != (ssize_t)len) {
		printf("# backing %s of %" PRIu64 " at %" PRIu64 ": %s\n",
		       wr ? "write" : "read", len, off,
		       n < 0 ? strerror(errno) : "short");
		return -1;
	}
	return 0;
}

static const char *nx_state(uint32_t s)
{
	static const char *const names[] = {
		"WAITING", "PENDING", "COMPLETED", "FAILED", "TIMEOUT", "CANCELED",
	};

	return s < sizeof(names) / sizeof(names[0]) ? names[s] : "?";
}

static bool nx_final(uint32_t s)
{
	return s != MCTE_XFER_WAITING && s != MCTE_XFER_PENDING;
}

/*
 * nx_wait() - poll a batch until every request ended or TIMEOUT_MS
 * passed. Return: 0, -ETIMEDOUT, or the status query's -errno.
 */
static int nx_wait(struct mcte *m, uint32_t id, struct mcte_xfer_status *st,
		   unsigned int nr, unsigned int timeout_ms)
{
	uint64_t end = nx_now_ms() + timeout_ms;
	struct mcte_batch_state bs;
	int n;

	for (;;) {
		n = mcte_batch_status(m, id, st, nr, &bs);
		if (n < 0)
			return n;
		if (nx_final(bs.state))
			return 0;
		if (nx_now_ms() > end)
			return -ETIMEDOUT;
		usleep(2000);
	}
}

/* One batch of NR requests, waited for; 0 when all COMPLETED in full. */
static int nx_run(struct mcte *m, struct mcte_xfer_req *reqs, unsigned int nr,
		  const char *what)
{
	struct mcte_xfer_status st[NX_BATCH_NR];
	unsigned int i, bad = 0;
	uint32_t id;
	int err;

	err = mcte_batch_alloc(m, nr, &id);
	if (err) {
		printf("# %s: batch alloc: %s\n", what, mcte_strerror(err));
		return err;
	}
	err = mcte_batch_submit(m, id, reqs, nr);
	if (err != (int)nr) {
		printf("# %s: submit: %s\n", what,
		       mcte_xfer_strerror(m, reqs[0].target_seg, err));
		mcte_batch_free(m, id);
		return err < 0 ? err : -EIO;
	}
	err = nx_wait(m, id, st, nr, NX_WAIT_MS);
	if (err) {
		printf("# %s: not ended in %d ms: %s\n", what, NX_WAIT_MS,
		       mcte_strerror(err));
		mcte_batch_cancel(m, id);
		nx_wait(m, id, st, nr, NX_WAIT_MS);
		mcte_batch_free(m, id);
		return err;
	}
	for (i = 0; i < nr; i++) {
		if (st[i].state == MCTE_XFER_COMPLETED && st[i].bytes == reqs[i].length)
			continue;
		if (bad++ < 4)
			printf("# %s: request %u: %s res %d (%s) bytes %llu of %llu\n",
			       what, i, nx_state(st[i].state), st[i].res,
			       mcte_xfer_strerror(m, reqs[i].target_seg, st[i].res),
			       (unsigned long long)st[i].bytes,
			       (unsigned long long)reqs[i].length);
	}
	mcte_batch_free(m, id);
	return bad ? -EIO : 0;
}

/* A range of the device: block index and count. */
struct nx_range {
	uint64_t blk;
	uint64_t nblk;
	const char *what;
};

/*
 * nx_ranges() - first block, last block, odd counts at odd offsets; all
 * inside a device of NBLK blocks and together under NX_HOST_LEN / 2.
 */
static unsigned int nx_ranges(struct nx_range *r, uint64_t nblk)
{
	unsigned int n = 0;

	r[n++] = (struct nx_range){ 0, 1, "first block" };
	r[n++] = (struct nx_range){ nblk - 1, 1, "last block" };
	r[n++] = (struct nx_range){ 1, 3, "3 blocks at block 1" };
	r[n++] = (struct nx_range){ 17, 7, "7 blocks at block 17" };
	r[n++] = (struct nx_range){ nblk / 2 + 1, 13, "13 blocks past the middle" };
	r[n++] = (struct nx_range){ nblk - 129, 129, "the last 129 blocks" };
	r[n++] = (struct nx_range){ 1001, 257, "257 blocks at block 1001" };
	return n;
}

struct nx_ctx {
	struct mcte *m;
	struct nx_dev disk, back;
	uint8_t *host, *check;
	uint32_t host_seg, blk_seg;
	uint64_t nblk;
};

static int nx_setup_host(struct nx_ctx *c, const char *name)
{
	int err;

	c->host = nx_alloc(NX_HOST_LEN);
	c->check = nx_alloc(NX_HOST_LEN);
	if (!c->host || !c->check)
		return -ENOMEM;
	err = mcte_seg_register_host(c->m, name, c->host, NX_HOST_LEN,
				     MCTE_ACCESS_NONE, &c->host_seg);
	if (err)
		printf("# register host memory: %s\n", mcte_strerror(err));
	return err;
}

/* Host -> block: each range written by mcte, read back from the backing. */
static void nx_host_to_block(struct nx_ctx *c, uint64_t seed)
{
	struct nx_range r[8];
	unsigned int i, n = nx_ranges(r, c->nblk);

	for (i = 0; i < n; i++) {
		uint64_t off = r[i].blk * c->disk.bs, len = r[i].nblk * c->disk.bs;
		struct mcte_xfer_req req;
		long d = -2;

		nx_fill(c->host, len, seed, off);
		mcte_prep_write(&req, 0, c->host_seg, 0, c->blk_seg, off, len, i);
		if (!nx_run(c->m, &req, 1, r[i].what) &&
		    !nx_pio(&c->back, false, c->check, len, off))
			d = nx_diff(c->check, len, seed, off);
		nx_check(d == -1, "host -> block, %s (%" PRIu64 " bytes at %" PRIu64
			 "): on the target's device%s", r[i].what, len, off,
			 d >= 0 ? " (bytes differ)" : "");
	}
}

/* Block -> host: each range written to the backing, read by mcte. */
static void nx_block_to_host(struct nx_ctx *c, uint32_t seg, uint64_t seed,
			     bool fill)
{
	struct nx_range r[8];
	unsigned int i, n = nx_ranges(r, c->nblk);

	for (i = 0; i < n; i++) {
		uint64_t off = r[i].blk * c->disk.bs, len = r[i].nblk * c->disk.bs;
		struct mcte_xfer_req req;
		long d = -2;

		if (fill) {
			nx_fill(c->check, len, seed, off);
			if (nx_pio(&c->back, true, c->check, len, off))
				goto report;
		}
		memset(c->host, 0xa5, len);
		mcte_prep_read(&req, 0, c->host_seg, 0, seg, off, len, i);
		if (!nx_run(c->m, &req, 1, r[i].what))
			d = nx_diff(c->host, len, seed, off);
report:
		nx_check(d == -1, "block -> host, %s (%" PRIu64 " bytes at %" PRIu64
			 "): matches the target's device%s", r[i].what, len, off,
			 d >= 0 ? " (bytes differ)" : "");
	}
}

/*
 * Many requests in one batch: NX_BATCH_NR writes of 1 to 9 blocks to
 * distinct places, then as many reads of them into another half of the
 * host buffer; both halves and the backing compared.
 */
static void nx_batch(struct nx_ctx *c, uint64_t seed)
{
	struct mcte_xfer_req w[NX_BATCH_NR], rd[NX_BATCH_NR];
	uint64_t hoff = 0, half = NX_HOST_LEN / 2, boff, len;
	unsigned int i, bad = 0;
	int err;

	for (i = 0; i < NX_BATCH_NR; i++) {
		len = (1 + i % 9) * c->disk.bs;
		/* Spread over the device: a slot of 16 blocks each. */
		boff = (c->nblk / NX_BATCH_NR) * i * c->disk.bs + (i % 5) * c->disk.bs;
		nx_fill(c->host + hoff, len, seed, boff);
		mcte_prep_write(&w[i], 0, c->host_seg, hoff, c->blk_seg, boff, len, i);
		mcte_prep_read(&rd[i], 0, c->host_seg, half + hoff, c->blk_seg,
			       boff, len, i);
		hoff += len;
	}
	err = nx_run(c->m, w, NX_BATCH_NR, "batch of writes");
	nx_check(!err, "%d writes of 1 to 9 blocks in one batch completed", NX_BATCH_NR);
	memset(c->host + half, 0, half);
	err = nx_run(c->m, rd, NX_BATCH_NR, "batch of reads");
	nx_check(!err, "%d reads of them in one batch completed", NX_BATCH_NR);
	for (i = 0; i < NX_BATCH_NR; i++) {
		len = w[i].length;
		boff = w[i].target_off;
		if (nx_diff(c->host + rd[i].local_off, len, seed, boff) >= 0)
			bad++;
		else if (nx_pio(&c->back, false, c->check, len, boff) ||
			 nx_diff(c->check, len, seed, boff) >= 0)
			bad++;
	}
	nx_check(!bad, "every request of the batches verified, in host memory and on the target's device (%u differ)",
		 bad);
}

/* nx_refused() - a sync request, checked to fail with WANT. */
static void nx_refused(struct nx_ctx *c, bool wr, uint32_t tseg, uint64_t loff,
		       uint64_t toff, uint64_t len, int want, const char *what)
{
	__s64 r;

	r = wr ? mcte_transfer_sync_write(c->m, c->host_seg, loff, tseg, toff, len) :
		 mcte_transfer_sync_read(c->m, c->host_seg, loff, tseg, toff, len);
	nx_check(r == want, "%s %s (%" PRIu64 " bytes at %" PRIu64 "): %s (want %s)",
		 wr ? "write" : "read", what, len, toff,
		 r < 0 ? mcte_xfer_strerror(c->m, tseg, (int)r) : "accepted",
		 strerror(-want));
}

/* Requests the module must refuse before any I/O. */
static void nx_refusals(struct nx_ctx *c)
{
	uint64_t bs = c->disk.bs;
	unsigned int align = mcte_seg_align(c->m, c->blk_seg);
	bool wr;

	nx_check(align == bs, "mcte_seg_align() of the block segment: %u (the block size %" PRIu64 ")",
		 align, bs);
	for (wr = false; ; wr = true) {
		nx_refused(c, wr, c->blk_seg, 0, bs / 2, bs, -EINVAL,
			   "at half a block's offset");
		nx_refused(c, wr, c->blk_seg, 0, bs, bs + 8, -EINVAL,
			   "of a block and 8 bytes");
		nx_refused(c, wr, c->blk_seg, 0, bs, bs / 2, -EINVAL,
			   "of half a block");
		nx_refused(c, wr, c->blk_seg, 0, c->disk.size - bs, 2 * bs,
			   -ERANGE, "past the end of the disk");
		nx_refused(c, wr, c->blk_seg, 0, c->disk.size, bs, -ERANGE,
			   "at the end of the disk");
		if (wr)
			break;
	}
}

/*
 * Host memory at odd addresses: off any DMA alignment the device asks,
 * so the module moves it through pages of its own. Written from one odd
 * offset, read back to another, checked on the backing device too.
 */
static void nx_unaligned_host(struct nx_ctx *c, uint64_t seed)
{
	uint64_t len = 5 * c->disk.bs, off = 33 * c->disk.bs;
	__s64 r;

	nx_fill(c->host + 3, len, seed, off);
	r = mcte_transfer_sync_write(c->m, c->host_seg, 3, c->blk_seg, off, len);
	nx_check(r == (__s64)len, "write from host memory at an odd address: %s",
		 r < 0 ? mcte_xfer_strerror(c->m, c->blk_seg, (int)r) : "done");
	nx_check(!nx_pio(&c->back, false, c->check, len, off) &&
		 nx_diff(c->check, len, seed, off) == -1,
		 "  its bytes on the target's device");
	memset(c->host, 0, len + 64);
	r = mcte_transfer_sync_read(c->m, c->host_seg, 13, c->blk_seg, off, len);
	nx_check(r == (__s64)len && nx_diff(c->host + 13, len, seed, off) == -1,
		 "read into host memory at another odd address, bytes match: %s",
		 r < 0 ? mcte_xfer_strerror(c->m, c->blk_seg, (int)r) : "done");
}

/*
 * DISK opened read-only: a segment of it may not grant rw (-EBADF), and
 * one that grants read refuses the owner's own writes (-EROFS), leaving
 * the device as it was; reads through it work.
 */
static void nx_readonly_fd(struct nx_ctx *c, const char *disk, uint64_t seed)
{
	uint64_t bs = c->disk.bs, off = 77 * bs;
	struct nx_dev ro;
	uint32_t h;
	int err;
	__s64 r;

	if (nx_open_dev(disk, O_RDONLY, &ro)) {
		nx_check(false, "open %s read-only", disk);
		return;
	}
	err = mcte_seg_register_block(c->m, "nvmf-disk-rofd", ro.fd, 0, 0,
				      MCTE_ACCESS_RW, &h);
	nx_check(err == -EBADF, "register from an O_RDONLY fd with access rw: %s (want EBADF)",
		 err ? mcte_block_strerror(err) : "accepted");
	if (!err)
		mcte_seg_unregister(c->m, h);
	err = mcte_seg_register_block(c->m, "nvmf-disk-rofd", ro.fd, 0, 0,
				      MCTE_ACCESS_READ, &h);
	nx_check(!err, "register from an O_RDONLY fd with access read: %s",
		 err ? mcte_block_strerror(err) : "done");
	close(ro.fd);
	if (err)
		return;
	nx_fill(c->check, 2 * bs, seed, off);
	if (!nx_pio(&c->back, true, c->check, 2 * bs, off)) {
		memset(c->host, 0x5a, 2 * bs);
		r = mcte_transfer_sync_write(c->m, c->host_seg, 0, h, off, 2 * bs);
		nx_check(r == -EROFS, "write through it: %s (want EROFS)",
			 r < 0 ? mcte_xfer_strerror(c->m, h, (int)r) : "accepted");
		nx_check(!nx_pio(&c->back, false, c->check, 2 * bs, off) &&
			 nx_diff(c->check, 2 * bs, seed, off) == -1,
			 "  the refused write left the device alone");
		memset(c->host, 0, 2 * bs);
		r = mcte_transfer_sync_read(c->m, c->host_seg, 0, h, off, 2 * bs);
		nx_check(r == (__s64)(2 * bs) && nx_diff(c->host, 2 * bs, seed, off) == -1,
			 "read through it matches the device: %s",
			 r < 0 ? mcte_xfer_strerror(c->m, h, (int)r) : "done");
	}
	err = mcte_seg_unregister(c->m, h);
	nx_check(!err, "unregister it: %s", mcte_strerror(err));
}

static int nx_mode_rw(const char *disk, const char *backing)
{
	struct nx_ctx c = { 0 };
	int err;

	if (nx_open_dev(disk, O_RDWR, &c.disk) || nx_open_dev(backing, O_RDWR, &c.back))
		return 1;
	nx_check(c.disk.size == c.back.size && c.disk.bs == c.back.bs,
		 "%s: %" PRIu64 " bytes in blocks of %u, as %s", disk,
		 c.disk.size, c.disk.bs, backing);
	c.nblk = c.disk.size / c.disk.bs;
	if (c.nblk < 2048) {
		printf("# %s: too small (%" PRIu64 " blocks; at least 2048)\n", disk, c.nblk);
		return 1;
	}
	err = mcte_open(&c.m, 0);
	if (err) {
		printf("# open %s: %s\n", MCTE_DEV_PATH, mcte_strerror(err));
		return 1;
	}
	if (nx_setup_host(&c, "nvmf-host"))
		return 1;
	err = mcte_seg_register_block(c.m, "nvmf-disk", c.disk.fd, 0, 0,
				      MCTE_ACCESS_RW, &c.blk_seg);
	nx_check(!err, "register %s as a block segment (rw): %s", disk,
		 err ? mcte_block_strerror(err) : "done");
	if (err)
		return 1;
	nx_host_to_block(&c, 0x5eed0001);
	nx_block_to_host(&c, c.blk_seg, 0x5eed0002, true);
	nx_batch(&c, 0x5eed0003);
	nx_refusals(&c);
	nx_unaligned_host(&c, 0x5eed0006);
	err = mcte_seg_unregister(c.m, c.blk_seg);
	nx_check(!err, "unregister the block segment: %s", mcte_strerror(err));
	nx_readonly_fd(&c, disk, 0x5eed0007);
	mcte_close(c.m);
	return nx_failed ? 1 : 0;
}

static int nx_mode_ro(const char *seg, const char *backing)
{
	struct nx_ctx c = { 0 };
	uint32_t h;
	__u64 size = 0;
	int err;
	__s64 r;

	if (nx_open_dev(backing, O_RDWR, &c.back))
		return 1;
	c.disk = c.back;
	c.nblk = c.back.size / c.back.bs;
	err = mcte_open(&c.m, 0);
	if (err) {
		printf("# open %s: %s\n", MCTE_DEV_PATH, mcte_strerror(err));
		return 1;
	}
	if (nx_setup_host(&c, "nvmf-ro-host"))
		return 1;
	err = mcte_seg_open(c.m, seg, MCTE_ACCESS_RW, &h, NULL);
	nx_check(err == -EACCES, "opening read-only segment %s for rw: %s (want EACCES)",
		 seg, mcte_strerror(err));
	if (!err)
		mcte_seg_close(c.m, h);
	err = mcte_seg_open(c.m, seg, MCTE_ACCESS_READ, &h, &size);
	nx_check(!err && size == c.back.size,
		 "open %s for read: %s, %llu bytes (the device has %" PRIu64 ")",
		 seg, mcte_strerror(err), (unsigned long long)size, c.back.size);
	if (err)
		return 1;
	nx_block_to_host(&c, h, 0x5eed0004, true);

	r = mcte_transfer_sync_write(c.m, c.host_seg, 0, h, 0, c.back.bs);
	nx_check(r == -EACCES, "a write to the segment opened for read: %s (want EACCES)",
		 r < 0 ? mcte_xfer_strerror(c.m, h, (int)r) : "accepted");
	/* And nothing of it reached the device. */
	nx_fill(c.check, c.back.bs, 0x5eed0005, 0);
	if (!nx_pio(&c.back, true, c.check, c.back.bs, 0)) {
		memset(c.host, 0, c.back.bs);
		r = mcte_transfer_sync_write(c.m, c.host_seg, 0, h, 0, c.back.bs);
		nx_pio(&c.back, false, c.check, c.back.bs, 0);
		nx_check(r < 0 && nx_diff(c.check, c.back.bs, 0x5eed0005, 0) == -1,
			 "the refused write left the device's first block alone");
	}
	err = mcte_seg_close(c.m, h);
	nx_check(!err, "close %s: %s", seg, mcte_strerror(err));
	mcte_close(c.m);
	return nx_failed ? 1 : 0;
}

/* --- the controller deleted under transfers ---------------------------- */

#define NX_INFLIGHT_BATCHES	4
#define NX_INFLIGHT_REQ_LEN	(256ULL << 10)

struct nx_slot {
	uint32_t id;
	bool busy;
};

struct nx_tally {
	unsigned long completed, failed, other, submitted;
	int errs[8];
	unsigned long err_n[8];
	int submit_err;
};

static void nx_count(struct nx_tally *t, const struct mcte_xfer_status *st,
		     unsigned int nr)
{
	unsigned int i, j;

	for (i = 0; i < nr; i++) {
		if (st[i].state == MCTE_XFER_COMPLETED) {
			t->completed++;
			continue;
		}
		if (st[i].state != MCTE_XFER_FAILED || st[i].res >= 0) {
			if (t->other++ < 4)
				printf("# request ended %s res %d\n",
				       nx_state(st[i].state), st[i].res);
			continue;
		}
		t->failed++;
		for (j = 0; j < 8; j++) {
			if (t->err_n[j] && t->errs[j] != st[i].res)
				continue;
			t->errs[j] = st[i].res;
			t->err_n[j]++;
			break;
		}
	}
}

static int nx_submit_one(struct nx_ctx *c, struct nx_slot *s, unsigned int round)
{
	struct mcte_xfer_req reqs[NX_BATCH_NR];
	uint64_t span = c->disk.size / NX_INFLIGHT_REQ_LEN;
	unsigned int i;
	int err;

	err = mcte_batch_alloc(c->m, NX_BATCH_NR, &s->id);
	if (err)
		return err;
	for (i = 0; i < NX_BATCH_NR; i++) {
		uint64_t boff = ((round * NX_BATCH_NR + i) % span) * NX_INFLIGHT_REQ_LEN;
		uint64_t hoff = (i % (NX_HOST_LEN / NX_INFLIGHT_REQ_LEN)) * NX_INFLIGHT_REQ_LEN;

		mcte_prep_xfer(&reqs[i], i % 2 ? MCTE_OP_WRITE : MCTE_OP_READ, 0,
			       c->host_seg, hoff, c->blk_seg, boff,
			       NX_INFLIGHT_REQ_LEN, i);
	}
	err = mcte_batch_submit(c->m, s->id, reqs, NX_BATCH_NR);
	if (err != NX_BATCH_NR) {
		mcte_batch_free(c->m, s->id);
		return err < 0 ? err : -EIO;
	}
	s->busy = true;
	return 0;
}

static int nx_mode_inflight(const char *disk)
{
	struct nx_slot slots[NX_INFLIGHT_BATCHES] = { 0 };
	struct mcte_xfer_status st[NX_BATCH_NR];
	struct mcte_batch_state bs;
	struct nx_ctx c = { 0 };
	struct nx_tally t = { 0 };
	unsigned int round = 0, i, busy;
	bool announced = false, stop = false;
	uint64_t start, deadline, cut = 0;
	int err;

	if (nx_open_dev(disk, O_RDWR, &c.disk))
		return 1;
	err = mcte_open(&c.m, 0);
	if (err) {
		printf("# open %s: %s\n", MCTE_DEV_PATH, mcte_strerror(err));
		return 1;
	}
	if (nx_setup_host(&c, "nvmf-inflight-host"))
		return 1;
	err = mcte_seg_register_block(c.m, "nvmf-inflight", c.disk.fd, 0, 0,
				      MCTE_ACCESS_RW, &c.blk_seg);
	if (err) {
		printf("# register %s: %s\n", disk, mcte_block_strerror(err));
		return 1;
	}
	/* The disk goes with its controller; the segment holds its own reference. */
	close(c.disk.fd);

	start = nx_now_ms();
	deadline = start + 3 * NX_WAIT_MS;
	for (;;) {
		busy = 0;
		for (i = 0; i < NX_INFLIGHT_BATCHES; i++) {
			struct nx_slot *s = &slots[i];
			int n;

			if (s->busy) {
				n = mcte_batch_status(c.m, s->id, st, NX_BATCH_NR, &bs);
				if (n < 0) {
					printf("# batch status: %s\n", mcte_strerror(n));
					t.other++;
					s->busy = false;
				} else if (nx_final(bs.state)) {
					nx_count(&t, st, n);
					mcte_batch_free(c.m, s->id);
					s->busy = false;
				}
			}
			if (!s->busy && !stop && !t.failed) {
				err = nx_submit_one(&c, s, round++);
				if (err) {
					/* The segment's device is gone: refused up front. */
					t.submit_err = err;
					stop = true;
				} else {
					t.submitted += NX_BATCH_NR;
				}
			}
			busy += s->busy;
		}
		if (!announced && busy) {
			printf("inflight\n");
			fflush(stdout);
			announced = true;
		}
		if ((t.failed || stop) && !cut)
			cut = nx_now_ms();
		if (!busy && (t.failed || stop))
			break;
		if (nx_now_ms() > deadline) {
			printf("# still running after %llu ms: %u batches, %lu failed so far\n",
			       (unsigned long long)(nx_now_ms() - start), busy, t.failed);
			break;
		}
		usleep(5000);
	}
	printf("# %lu requests submitted: %lu completed, %lu failed, %lu otherwise\n",
	       t.submitted, t.completed, t.failed, t.other);
	for (i = 0; i < 8 && t.err_n[i]; i++)
		printf("#   %lu failed with %d (%s)\n", t.err_n[i], t.errs[i],
		       mcte_xfer_strerror(c.m, c.blk_seg, t.errs[i]));
	if (t.submit_err)
		printf("#   then a submission was refused: %s\n",
		       mcte_xfer_strerror(c.m, c.blk_seg, t.submit_err));
	nx_check(t.completed > 0, "requests completed before the controller went (%lu)",
		 t.completed);
	nx_check(t.failed > 0, "requests in flight when it went ended FAILED with an errno (%lu)",
		 t.failed);
	nx_check(!t.other, "no request ended otherwise or stayed unfinished (%lu)", t.other);
	nx_check(cut && nx_now_ms() - cut < NX_WAIT_MS,
		 "all ended within %d ms of the first failure", NX_WAIT_MS);

	/* Whatever the module does next with the segment: refused, or failed. */
	if (!slots[0].busy) {
		err = nx_submit_one(&c, &slots[0], round);
		if (!err) {
			err = nx_wait(c.m, slots[0].id, st, NX_BATCH_NR, NX_WAIT_MS);
			nx_check(!err && st[0].state == MCTE_XFER_FAILED && st[0].res < 0,
				 "a batch submitted afterwards fails: %s %s",
				 nx_state(st[0].state), mcte_strerror(st[0].res));
			if (!err)
				mcte_batch_free(c.m, slots[0].id);
		} else {
			nx_check(err < 0, "a batch submitted afterwards is refused: %s",
				 mcte_strerror(err));
		}
	}
	err = mcte_seg_unregister(c.m, c.blk_seg);
	nx_check(!err, "unregister the segment of the deleted disk: %s", mcte_strerror(err));
	mcte_close(c.m);
	return nx_failed ? 1 : 0;
}

/* --- the owner killed with requests in flight ------------------------- */

#define NX_OWNER_SEG	"nvmf-owner"

/* The child: register DISK, say so on FD, keep batches in flight. */
static void nx_owner_child(const char *disk, int fd)
{
	struct nx_slot slots[NX_INFLIGHT_BATCHES] = { 0 };
	struct mcte_xfer_status st[NX_BATCH_NR];
	struct mcte_batch_state bs;
	struct nx_ctx c = { 0 };
	unsigned int round = 0, i;
	bool told = false;

	if (nx_open_dev(disk, O_RDWR, &c.disk) || mcte_open(&c.m, 0) ||
	    nx_setup_host(&c, "nvmf-owner-host"))
		_exit(1);
	if (mcte_seg_register_block(c.m, NX_OWNER_SEG, c.disk.fd, 0, 0,
				    MCTE_ACCESS_READ, &c.blk_seg))
		_exit(1);
	for (;;) {
		for (i = 0; i < NX_INFLIGHT_BATCHES; i++) {
			struct nx_slot *s = &slots[i];

			if (s->busy &&
			    mcte_batch_status(c.m, s->id, st, NX_BATCH_NR, &bs) >= 0 &&
			    nx_final(bs.state)) {
				mcte_batch_free(c.m, s->id);
				s->busy = false;
			}
			if (!s->busy && nx_submit_one(&c, s, round++))
				_exit(1);
		}
		if (!told) {
			if (write(fd, "r", 1) != 1)
				_exit(1);
			told = true;
		}
		usleep(1000);
	}
}

/* Where the kernel holds a task that does not end. */
static void nx_show_stack(pid_t pid)
{
	char path[64], line[256];
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/stack", (int)pid);
	f = fopen(path, "r");
	if (!f)
		return;
	printf("# the owner is stuck; its kernel stack:\n");
	while (fgets(line, sizeof(line), f))
		printf("#   %s", line);
	fclose(f);
}

static int nx_mode_owner(const char *disk)
{
	uint32_t h, host_seg;
	void *host;
	uint64_t end;
	struct mcte *m;
	int pfd[2], err, status;
	pid_t pid, w;
	char ch;
	__s64 r;

	err = mcte_open(&m, 0);
	if (err) {
		printf("# open %s: %s\n", MCTE_DEV_PATH, mcte_strerror(err));
		return 1;
	}
	host = nx_alloc(4096);
	if (!host || mcte_seg_register_host(m, "nvmf-owner-reader", host, 4096,
					    MCTE_ACCESS_NONE, &host_seg))
		return 1;
	if (pipe(pfd))
		return 1;
	pid = fork();
	if (pid < 0)
		return 1;
	if (!pid) {
		close(pfd[0]);
		nx_owner_child(disk, pfd[1]);
	}
	close(pfd[1]);
	/* EOF: the child failed before its requests ran. */
	nx_check(read(pfd[0], &ch, 1) == 1, "the owner registered %s and has batches in flight",
		 disk);
	close(pfd[0]);
	err = mcte_seg_open(m, NX_OWNER_SEG, MCTE_ACCESS_READ, &h, NULL);
	nx_check(!err, "another process opens %s for read: %s", NX_OWNER_SEG,
		 mcte_seg_open_strerror(err));
	usleep(200000);
	kill(pid, SIGKILL);
	end = nx_now_ms() + NX_WAIT_MS;
	while ((w = waitpid(pid, &status, WNOHANG)) == 0 && nx_now_ms() < end)
		usleep(10000);
	nx_check(w == pid && WIFSIGNALED(status),
		 "the owner, killed with SIGKILL while its I/O ran, is gone within %d ms",
		 NX_WAIT_MS);
	if (w != pid) {
		nx_show_stack(pid);
		return 1;
	}
	if (!err) {
		r = mcte_transfer_sync_read(m, host_seg, 0, h, 0, 4096);
		nx_check(r < 0, "the opened handle refuses requests now: %s",
			 r < 0 ? mcte_strerror((int)r) : "accepted");
		err = mcte_seg_close(m, h);
		nx_check(!err, "close it: %s", mcte_strerror(err));
	}
	/* Its file's release unregistered the segment: bounded, not at once. */
	end = nx_now_ms() + NX_WAIT_MS;
	do {
		err = mcte_seg_open(m, NX_OWNER_SEG, MCTE_ACCESS_READ, &h, NULL);
		if (!err)
			mcte_seg_close(m, h);
		if (err == -ENOENT)
			break;
		usleep(20000);
	} while (nx_now_ms() < end);
	nx_check(err == -ENOENT, "the segment is gone with its owner: %s (want ENOENT)",
		 err ? mcte_seg_open_strerror(err) : "still there");
	mcte_close(m);
	return nx_failed ? 1 : 0;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc == 4 && !strcmp(argv[1], "rw"))
		return nx_mode_rw(argv[2], argv[3]);
	if (argc == 4 && !strcmp(argv[1], "ro"))
		return nx_mode_ro(argv[2], argv[3]);
	if (argc == 3 && !strcmp(argv[1], "inflight"))
		return nx_mode_inflight(argv[2]);
	if (argc == 3 && !strcmp(argv[1], "owner"))
		return nx_mode_owner(argv[2]);
	fprintf(stderr, "usage: %s rw DISK BACKING | ro SEG BACKING | inflight DISK | owner DISK\n",
		argv[0]);
	return 2;
}
