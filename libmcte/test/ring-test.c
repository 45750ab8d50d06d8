// SPDX-License-Identifier: LGPL-2.1 OR MIT
/*
 * libmcte against fake-mcte.so (LD_PRELOAD; `make -C libmcte test`), or
 * against the module in a guest (run it without LD_PRELOAD): segments,
 * batches, synchronous transfers, rings on each path, several threads
 * sharing one struct mcte. Exit 0 pass, 1 fail.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>

#include "libmcte.h"

#define BUF		(1 << 20)
#define THREADS		4
#define ROUNDS		300
#define QD		16

static struct mcte *m;
static char *lbuf, *tbuf;
static __u32 lseg, tseg, tseg_ro, tseg_own;
static int failures;

#define CHECK(cond, ...) do {						\
	if (!(cond)) {							\
		fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__);	\
		fprintf(stderr, __VA_ARGS__);				\
		fprintf(stderr, "\n");					\
		failures++;						\
	}								\
} while (0)

static void test_segments(void)
{
	__u32 h;
	__u64 size;
	int err;

	err = mcte_seg_register_host(m, "local", lbuf, BUF, MCTE_ACCESS_NONE, &lseg);
	CHECK(!err, "register local: %s", mcte_strerror(err));
	err = mcte_seg_register_host(m, "target", tbuf, BUF, MCTE_ACCESS_RW, &tseg_own);
	CHECK(!err, "register target: %s", mcte_strerror(err));
	err = mcte_seg_register_host(m, "target", tbuf, BUF, MCTE_ACCESS_RW, &h);
	CHECK(err == -EEXIST, "duplicate name: %d", err);
	err = mcte_seg_register_host(m, "bad name", tbuf, BUF, MCTE_ACCESS_RW, &h);
	CHECK(err == -EINVAL, "bad name: %d", err);
	err = mcte_seg_register_host(m, "", tbuf, BUF, MCTE_ACCESS_RW, &h);
	CHECK(err == -EINVAL, "empty name: %d", err);
	err = mcte_seg_open(m, "target", MCTE_ACCESS_RW, &tseg, &size);
	CHECK(!err && size == BUF, "open target: %s", mcte_strerror(err));
	err = mcte_seg_open(m, "target", MCTE_ACCESS_READ, &tseg_ro, NULL);
	CHECK(!err, "open target ro: %s", mcte_strerror(err));
	err = mcte_seg_open(m, "local", MCTE_ACCESS_READ, &h, NULL);
	CHECK(err == -EACCES, "open local: %d", err);
	err = mcte_seg_open(m, "nope", MCTE_ACCESS_READ, &h, NULL);
	CHECK(err == -ENOENT, "open unknown: %d", err);
	err = mcte_seg_close(m, 9999);
	CHECK(err == -EBADF, "close bad: %d", err);
}

/*
 * Block segments as far as no block device is needed: what is not one,
 * and that memory segments take requests at any byte.
 */
static void test_block(void)
{
	__u32 h;
	int err, fd;

	fd = memfd_create("not-a-disk", 0);
	CHECK(fd >= 0, "memfd");
	err = mcte_seg_register_block(m, "blk", fd, 0, 0, MCTE_ACCESS_READ, &h);
	CHECK(err == -ENOTBLK, "register_block of a memfd: %d", err);
	CHECK(!strcmp(mcte_block_strerror(err), "not a block device"),
	      "its message: %s", mcte_block_strerror(err));
	close(fd);
	err = mcte_seg_register_block(m, "blk", -1, 0, 0, MCTE_ACCESS_READ, &h);
	CHECK(err == -EBADF, "register_block of fd -1: %d", err);
	err = mcte_seg_register_block(NULL, "blk", 0, 0, 0, MCTE_ACCESS_READ, &h);
	CHECK(err == -EINVAL, "register_block without a handle: %d", err);
	CHECK(strstr(mcte_block_strerror(-EINVAL), "O_DIRECT") != NULL,
	      "EINVAL names O_DIRECT: %s", mcte_block_strerror(-EINVAL));
	CHECK(mcte_seg_align(m, lseg) == 1 && mcte_seg_align(m, tseg) == 1,
	      "memory segments align 1");
	CHECK(mcte_seg_align(NULL, lseg) == 1, "align without a handle");
	CHECK(!strcmp(mcte_xfer_strerror(m, tseg, -EINVAL),
		      mcte_strerror(-EINVAL)),
	      "a memory target's EINVAL: %s", mcte_xfer_strerror(m, tseg, -EINVAL));
}

static void test_batch_api(void)
{
	struct mcte_xfer_req reqs[100];
	struct mcte_xfer_status st[100];
	struct mcte_batch_state bs;
	__u32 id, id2;
	unsigned int i;
	int ret;

	memset(lbuf, 0xab, BUF);
	memset(tbuf, 0, BUF);
	ret = mcte_batch_alloc(m, 100, &id);
	CHECK(!ret, "alloc: %s", mcte_strerror(ret));
	for (i = 0; i < 100; i++)
		/* batch_id 0: mcte_batch_submit() fills it in */
		mcte_prep_write(&reqs[i], 0, lseg, i * 4096, tseg, i * 4096,
				4096, 1000 + i);

	reqs[50].length = 0;
	ret = mcte_batch_submit(m, id, reqs, 100);
	CHECK(ret == -EINVAL, "bad request: %d", ret);
	ret = mcte_batch_status(m, id, NULL, 0, &bs);
	CHECK(ret == 0 && bs.nr == 0, "nothing queued after refusal: %u", bs.nr);
	reqs[50].length = 4096;

	ret = mcte_batch_submit(m, id, reqs, 100);
	CHECK(ret == 100, "submit: %d", ret);
	do {
		ret = mcte_batch_status(m, id, st, 100, &bs);
	} while (ret >= 0 && bs.state < MCTE_XFER_COMPLETED);
	CHECK(ret == 100 && bs.state == MCTE_XFER_COMPLETED &&
	      bs.bytes == 100 * 4096, "status: %d state %u bytes %llu", ret,
	      bs.state, (unsigned long long)bs.bytes);
	CHECK(st[7].user_data == 1007 && st[7].bytes == 4096, "per request");
	CHECK(!memcmp(lbuf, tbuf, 100 * 4096), "data");
	ret = mcte_batch_submit(m, id, reqs, 1);
	CHECK(ret == -ENOSPC, "full: %d", ret);
	ret = mcte_batch_free(m, id);
	CHECK(!ret, "free: %s", mcte_strerror(ret));
	ret = mcte_batch_free(m, id);
	CHECK(ret == -ENOENT, "double free: %d", ret);

	/* cancel before the worker gets to it, then free */
	ret = mcte_batch_alloc(m, 10, &id2);
	CHECK(!ret, "alloc 2");
	ret = mcte_batch_submit(m, id2, reqs, 10);
	CHECK(ret == 10, "submit 2: %d", ret);
	ret = mcte_batch_free(m, id2);
	CHECK(ret == -EBUSY || ret == 0, "free busy: %d", ret);
	if (ret == -EBUSY) {
		CHECK(!mcte_batch_cancel(m, id2), "cancel");
		ret = mcte_batch_status(m, id2, NULL, 0, &bs);
		CHECK(bs.state == MCTE_XFER_CANCELED || bs.state == MCTE_XFER_COMPLETED,
		      "canceled: %u", bs.state);
		CHECK(!mcte_batch_free(m, id2), "free after cancel");
	}
}

static void test_sync(void)
{
	__s64 ret;

	memset(lbuf, 0x11, 8192);
	ret = mcte_transfer_sync_write(m, lseg, 0, tseg, 65536, 8192);
	CHECK(ret == 8192, "sync write: %lld", (long long)ret);
	CHECK(!memcmp(tbuf + 65536, lbuf, 8192), "sync write data");
	memset(lbuf, 0, 8192);
	ret = mcte_transfer_sync_read(m, lseg, 0, tseg_ro, 65536, 8192);
	CHECK(ret == 8192, "sync read: %lld", (long long)ret);
	CHECK(lbuf[100] == 0x11, "sync read data");
	ret = mcte_transfer_sync_write(m, lseg, 0, tseg_ro, 0, 8192);
	CHECK(ret == -EACCES, "write to read-only: %lld", (long long)ret);
	ret = mcte_transfer_sync_read(m, lseg, 0, tseg, BUF - 10, 8192);
	CHECK(ret == -ERANGE, "beyond: %lld", (long long)ret);
}

/* A refused request completes with its error on every path. */
static void test_ring_errors(unsigned int flags, int mode)
{
	struct mcte_ring ring;
	struct mcte_xfer_req *sqe;
	struct mcte_cqe *cqe;
	unsigned int i, ok = 0, bad = 0;
	__u32 id;
	int ret;

	ret = mcte_ring_init(m, &ring, 4, flags);
	CHECK(!ret && mcte_ring_mode(&ring) == mode, "ring mode: %d %d", ret,
	      mcte_ring_mode(&ring));
	if (ret)
		return;
	CHECK(ring.sq_entries == 4 && ring.cq_entries == 8, "sizes");
	mcte_batch_alloc(m, 64, &id);

	for (i = 0; i < 4; i++) {
		sqe = mcte_ring_get_sqe(&ring);
		mcte_prep_read(sqe, id, lseg, 0, tseg, 0, i == 2 ? 0 : 512, i);
	}
	CHECK(!mcte_ring_get_sqe(&ring), "sq full");
	ret = mcte_ring_submit_and_wait(&ring, 4);
	CHECK(ret == 4, "submit: %d", ret);
	for (i = 0; i < 4; i++) {
		ret = mcte_ring_wait_cqe(&ring, &cqe);
		CHECK(!ret, "wait");
		if (cqe->user_data == 2 && cqe->res == -EINVAL &&
		    cqe->state == MCTE_XFER_FAILED)
			bad++;
		else if (cqe->res == 512 && cqe->batch_id == id)
			ok++;
		mcte_ring_cqe_seen(&ring, cqe);
	}
	CHECK(ok == 3 && bad == 1, "refused one completes with its error: %u %u",
	      ok, bad);
	CHECK(mcte_ring_peek_cqe(&ring, &cqe) == -EAGAIN, "empty");

	/* leave requests in flight and go: their completions are dropped */
	for (i = 0; i < 4; i++)
		mcte_prep_read(mcte_ring_get_sqe(&ring), id, lseg, 0, tseg, 0, 64, i);
	CHECK(mcte_ring_submit(&ring) == 4, "submit in-flight");
	mcte_ring_exit(&ring);
	while (mcte_batch_free(m, id) == -EBUSY)
		;
}

/*
 * FAKE_MCTE_URING: rings on io_uring, the CQE's result is 0 (see
 * fake-mcte.c); what is checked is the mapping back to the request.
 */
static void test_uring(unsigned int flags, int mode, __s64 res,
		       long busy_poll)
{
	struct mcte_ring ring;
	struct mcte_xfer_req *sqe;
	struct mcte_cqe *cqe;
	unsigned int r, i, n;
	__u64 seen = 0;
	__u32 id;
	int ret;

	ret = mcte_ring_init(m, &ring, 4, flags);
	CHECK(!ret && mcte_ring_mode(&ring) == mode, "uring init: %s mode %d",
	      mcte_strerror(ret), mcte_ring_mode(&ring));
	if (ret)
		return;
	if (busy_poll >= 0)
		CHECK(!mcte_ring_set_busy_poll(&ring, busy_poll), "busy poll");
	CHECK(ring.sq_entries == 4 && ring.cq_entries == 8, "uring sizes");
	mcte_batch_alloc(m, 1000, &id);

	/* the CQ never overflows: no SQE while 8 are due */
	for (n = 0; n < 8; n++) {
		sqe = mcte_ring_get_sqe(&ring);
		CHECK(sqe, "sqe %u", n);
		mcte_prep_write(sqe, id, lseg, 0, tseg, 0, 64, 100 + n);
		if (n % 4 == 3)
			CHECK(mcte_ring_submit(&ring) == 4, "submit 4");
	}
	CHECK(!mcte_ring_get_sqe(&ring), "no sqe with a full CQ");
	ret = mcte_ring_submit_and_wait(&ring, 8);
	CHECK(ret == 0, "nothing to submit: %d", ret);
	for (i = 0; i < 8; i++) {
		ret = mcte_ring_peek_cqe(&ring, &cqe);
		CHECK(!ret && cqe->res == res && cqe->batch_id == id &&
		      cqe->user_data >= 100 && cqe->user_data < 108 &&
		      cqe->state == MCTE_XFER_COMPLETED, "uring cqe");
		if (!ret) {
			seen |= 1ULL << (cqe->user_data - 100);
			mcte_ring_cqe_seen(&ring, cqe);
		}
	}
	CHECK(seen == 0xff, "every request once: %#llx", (unsigned long long)seen);
	CHECK(mcte_ring_peek_cqe(&ring, &cqe) == -EAGAIN, "uring empty");

	for (r = 0; r < 50; r++) {
		for (i = 0; i < 4; i++)
			mcte_prep_read(mcte_ring_get_sqe(&ring), id, lseg, 0,
				       tseg_ro, 0, 64, r * 4 + i);
		CHECK(mcte_ring_submit_and_wait(&ring, 4) == 4, "round");
		/* completions come in the order requests end, any order */
		for (seen = 0, i = 0; i < 4; i++) {
			ret = mcte_ring_wait_cqe(&ring, &cqe);
			CHECK(!ret && cqe->user_data - r * 4 < 4 &&
			      cqe->res == res, "round cqe");
			if (!ret) {
				seen |= 1ULL << (cqe->user_data - r * 4);
				mcte_ring_cqe_seen(&ring, cqe);
			}
		}
		CHECK(seen == 0xf, "each of the round once: %#llx",
		      (unsigned long long)seen);
	}
	mcte_ring_exit(&ring);
	mcte_batch_free(m, id);
}

static void *ring_thread(void *arg)
{
	unsigned int t = (unsigned long)arg, r, i, got;
	size_t base = (size_t)(t + 1) * (BUF / 8);
	struct mcte_ring ring;
	struct mcte_xfer_req *sqe;
	struct mcte_cqe *cqe;
	__u32 id;
	int ret;

	/* odd threads on io_uring where it moves bytes (not the fake's) */
	ret = mcte_ring_init(m, &ring, QD, (t & 1) && !getenv("FAKE_MCTE_URING") ?
				0 : MCTE_RING_FORCE_IOCTL);
	CHECK(!ret, "ring init: %s", mcte_strerror(ret));
	/* and threads 2, 3 busy-poll */
	if (t & 2)
		CHECK(!mcte_ring_set_busy_poll(&ring, 1000000), "busy poll");
	ret = mcte_batch_alloc(m, ROUNDS * QD, &id);
	CHECK(!ret, "alloc: %s", mcte_strerror(ret));
	for (r = 0; r < ROUNDS; r++) {
		for (i = 0; i < QD; i++) {
			sqe = mcte_ring_get_sqe(&ring);
			CHECK(sqe, "sqe");
			mcte_prep_write(sqe, id, lseg, base + i * 256, tseg,
					base + i * 256, 256, (__u64)t << 32 | (r * QD + i));
		}
		ret = mcte_ring_submit_and_wait(&ring, r & 1 ? QD : 1);
		CHECK(ret == QD, "submit: %d", ret);
		for (got = 0; got < QD; got++) {
			ret = r & 1 ? mcte_ring_peek_cqe(&ring, &cqe) :
				      mcte_ring_wait_cqe(&ring, &cqe);
			if (ret == -EAGAIN) {
				got--;
				continue;
			}
			CHECK(!ret && cqe->res == 256 && cqe->batch_id == id &&
			      cqe->user_data >> 32 == t, "cqe %d %lld", ret,
			      (long long)cqe->res);
			mcte_ring_cqe_seen(&ring, cqe);
		}
	}
	CHECK(!mcte_batch_free(m, id), "free");
	mcte_ring_exit(&ring);
	return NULL;
}

static void *sync_thread(void *arg)
{
	unsigned int i;
	__s64 ret;

	(void)arg;
	for (i = 0; i < ROUNDS; i++) {
		ret = mcte_transfer_sync_write(m, lseg, 0, tseg, 0, 1024);
		CHECK(ret == 1024, "sync: %lld", (long long)ret);
	}
	return NULL;
}

static void *batch_thread(void *arg)
{
	struct mcte_xfer_req reqs[8];
	struct mcte_batch_state bs;
	unsigned int i, r;
	__u32 id;

	(void)arg;
	for (r = 0; r < ROUNDS / 3; r++) {
		CHECK(!mcte_batch_alloc(m, 8, &id), "alloc");
		for (i = 0; i < 8; i++)
			mcte_prep_read(&reqs[i], id, lseg, 4096 + i * 64, tseg,
				       4096 + i * 64, 64, i);
		CHECK(mcte_batch_submit(m, id, reqs, 8) == 8, "submit");
		do {
			mcte_batch_status(m, id, NULL, 0, &bs);
		} while (bs.state < MCTE_XFER_COMPLETED);
		CHECK(!mcte_batch_free(m, id), "free");
	}
	return NULL;
}

int main(void)
{
	pthread_t tids[THREADS + 2];
	struct mcte_ring ring;
	unsigned long t;
	int err;

	lbuf = calloc(1, BUF);
	tbuf = calloc(1, BUF);
	err = mcte_open(&m, 0);
	if (err) {
		fprintf(stderr, "open: %s (run with LD_PRELOAD=fake-mcte.so)\n",
			mcte_strerror(err));
		return 1;
	}
	test_segments();
	test_block();
	test_batch_api();
	test_sync();
	test_ring_errors(MCTE_RING_FORCE_IOCTL, MCTE_RING_MODE_IOCTL);
	memset(&ring, 0, sizeof(ring));
	CHECK(mcte_ring_set_busy_poll(&ring, 10) == -EINVAL &&
	      mcte_ring_set_busy_poll(NULL, 10) == -EINVAL,
	      "busy poll on a ring not set up");
	if (mcte_has_feature(m, MCTE_FEAT_URING_CMD) == 1) {
		/* the fake's "device" is a socket: res 0 and no bytes */
		__s64 res = getenv("FAKE_MCTE_URING") ? 0 : 64;

		test_uring(0, MCTE_RING_MODE_URING, res, -1);
		test_uring(0, MCTE_RING_MODE_URING, res, 1000000);
		test_uring(MCTE_RING_SQPOLL, MCTE_RING_MODE_SQPOLL, res, -1);
		/* SQPOLL without its spin: every wait blocks */
		test_uring(MCTE_RING_SQPOLL, MCTE_RING_MODE_SQPOLL, res, 0);
		if (!res)
			goto threads;	/* refusals need the real module */
		test_ring_errors(0, MCTE_RING_MODE_URING);
		test_ring_errors(MCTE_RING_SQPOLL, MCTE_RING_MODE_SQPOLL);
	} else {
		CHECK(mcte_ring_init(m, &ring, 4, MCTE_RING_SQPOLL) == -ENOTTY,
		      "sqpoll without uring_cmd");
		CHECK(!mcte_ring_init(m, &ring, 4, 0) &&
		      mcte_ring_mode(&ring) == MCTE_RING_MODE_IOCTL,
		      "fallback to ioctl");
		mcte_ring_exit(&ring);
	}
threads:

	for (t = 0; t < THREADS; t++)
		pthread_create(&tids[t], NULL, ring_thread, (void *)t);
	pthread_create(&tids[THREADS], NULL, sync_thread, NULL);
	pthread_create(&tids[THREADS + 1], NULL, batch_thread, NULL);
	for (t = 0; t < THREADS + 2; t++)
		pthread_join(tids[t], NULL);
	for (t = 0; t < THREADS; t++)
		CHECK(!memcmp(lbuf + (t + 1) * (BUF / 8),
			      tbuf + (t + 1) * (BUF / 8), QD * 256),
		      "ring data of thread %lu", t);

	mcte_seg_close(m, tseg);
	mcte_seg_close(m, tseg_ro);
	mcte_seg_unregister(m, tseg_own);
	mcte_seg_unregister(m, lseg);
	mcte_close(m);
	free(lbuf);
	free(tbuf);
	printf("%s\n", failures ? "FAIL" : "PASS");
	return failures ? 1 : 0;
}
