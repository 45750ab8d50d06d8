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
 *   nvmf_xfer ro SEG BACKING
 *	SEG is a block segment another process registered with access
 *	read: opening it rw is refused, reads match BACKING, writes to it
 *	are refused.
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
#include <sys/ioctl.h>
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
		printf("# %s: submit: %s\n", what, mcte_strerror(err));
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
			       mcte_strerror(st[i].res),
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

/* Requests the module must refuse before any I/O. */
static void nx_refusals(struct nx_ctx *c)
{
	__s64 r;

	r = mcte_transfer_sync_write(c->m, c->host_seg, 0, c->blk_seg,
				     c->disk.size - c->disk.bs, 2ULL * c->disk.bs);
	nx_check(r == -ERANGE, "a write past the end of the disk: %s (want ERANGE)",
		 mcte_strerror((int)r));
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
		 mcte_strerror(err));
	if (err)
		return 1;
	nx_host_to_block(&c, 0x5eed0001);
	nx_block_to_host(&c, c.blk_seg, 0x5eed0002, true);
	nx_batch(&c, 0x5eed0003);
	nx_refusals(&c);
	err = mcte_seg_unregister(c.m, c.blk_seg);
	nx_check(!err, "unregister the block segment: %s", mcte_strerror(err));
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
		 mcte_strerror((int)r));
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
		printf("# register %s: %s\n", disk, mcte_strerror(err));
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
		       mcte_strerror(t.errs[i]));
	if (t.submit_err)
		printf("#   then a submission was refused: %s\n", mcte_strerror(t.submit_err));
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

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc == 4 && !strcmp(argv[1], "rw"))
		return nx_mode_rw(argv[2], argv[3]);
	if (argc == 4 && !strcmp(argv[1], "ro"))
		return nx_mode_ro(argv[2], argv[3]);
	if (argc == 3 && !strcmp(argv[1], "inflight"))
		return nx_mode_inflight(argv[2]);
	fprintf(stderr, "usage: %s rw DISK BACKING | ro SEG BACKING | inflight DISK\n",
		argv[0]);
	return 2;
}
