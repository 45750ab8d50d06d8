// SPDX-License-Identifier: GPL-2.0
/*
 * libmcte against the real module: one pass through its API (segments,
 * the Mooncake-style batch calls, synchronous transfers, rings in each
 * mode) with every byte checked. The kernel ABI itself is tested by the
 * raw-ioctl suites; this shows the library drives it correctly.
 */
#include <sys/resource.h>

#include "kselftest_harness.h"
#include "libmcte.h"
#include "mcte_xfer.h"

#define SZ	(2 << 20)

FIXTURE(lib) {
	struct mcte *m, *m2;
	unsigned char *a, *b;
	__u32 ha, hb, hb2;
	char name[MCTE_SEG_NAME_MAX];
};

FIXTURE_SETUP(lib)
{
	char n[MCTE_SEG_NAME_MAX];
	struct mx_rng r = { 3 };

	ASSERT_EQ(0, mcte_open(&self->m, 0));
	if (mcte_has_feature(self->m, MX_FEAT_XFER) != 1)
		SKIP(return, "module lacks segments, batches or local transfers");
	ASSERT_EQ(0, mcte_open(&self->m2, 0));
	self->a = mx_alloc(SZ);
	self->b = mx_alloc(SZ);
	ASSERT_TRUE(self->a && self->b);
	mx_fill_rand(self->a, SZ, &r);
	mx_fill_rand(self->b, SZ, &r);
	ASSERT_EQ(0, mcte_seg_register_host(self->m, mx_name(n, sizeof(n), "la"),
					    self->a, SZ, MCTE_ACCESS_NONE,
					    &self->ha));
	mx_name(self->name, sizeof(self->name), "lb");
	/* B belongs to the other handle; this one opens it by name. */
	ASSERT_EQ(0, mcte_seg_register_host(self->m2, self->name, self->b, SZ,
					    MCTE_ACCESS_RW, &self->hb2));
}

FIXTURE_TEARDOWN(lib)
{
	mcte_close(self->m);
	mcte_close(self->m2);
}

TEST_F(lib, batch_api)
{
	struct mcte_xfer_status st[16];
	struct mcte_batch_state bs;
	struct mcte_xfer_req r[16];
	__u64 size = 0;
	__u32 id;
	int i;

	ASSERT_EQ(0, mcte_seg_open(self->m, self->name, MCTE_ACCESS_RW,
				   &self->hb, &size));
	EXPECT_EQ(SZ, size);
	ASSERT_EQ(0, mcte_batch_alloc(self->m, 16, &id));
	for (i = 0; i < 16; i++)
		mcte_prep_write(&r[i], id, self->ha, i * 65536 + i, self->hb,
				i * 65536, 60000, i);
	ASSERT_EQ(16, mcte_batch_submit(self->m, id, r, 16));
	do {
		ASSERT_LE(0, mcte_batch_status(self->m, id, NULL, 0, &bs));
	} while (!mx_state_final(bs.state) && !usleep(1000));
	EXPECT_EQ(MCTE_XFER_COMPLETED, bs.state);
	EXPECT_EQ(16, bs.nr);
	EXPECT_EQ(16 * 60000, bs.bytes);
	ASSERT_EQ(16, mcte_batch_status(self->m, id, st, 16, NULL));
	for (i = 0; i < 16; i++) {
		EXPECT_EQ(i, st[i].user_data);
		EXPECT_EQ(MCTE_XFER_COMPLETED, st[i].state);
		EXPECT_EQ(0, memcmp(self->b + i * 65536,
				    self->a + i * 65536 + i, 60000));
	}
	/* All or nothing, as the ioctl. */
	mcte_prep_write(&r[3], id, self->ha, 0, self->hb, SZ, 1, 3);
	EXPECT_EQ(-ENOSPC, mcte_batch_submit(self->m, id, r, 1));
	EXPECT_EQ(0, mcte_batch_free(self->m, id));
	EXPECT_EQ(-ENOENT, mcte_batch_free(self->m, id));
	EXPECT_EQ(0, mcte_seg_close(self->m, self->hb));
}

TEST_F(lib, sync)
{
	ASSERT_EQ(0, mcte_seg_open(self->m, self->name, MCTE_ACCESS_RW,
				   &self->hb, NULL));
	EXPECT_EQ(123457, mcte_transfer_sync_read(self->m, self->ha, 1,
						  self->hb, 7, 123457));
	EXPECT_EQ(0, memcmp(self->a + 1, self->b + 7, 123457));
	memset(self->a, 0x3c, 4096);
	EXPECT_EQ(4096, mcte_transfer_sync_write(self->m, self->ha, 0,
						 self->hb, SZ - 4096, 4096));
	EXPECT_EQ(0, memcmp(self->a, self->b + SZ - 4096, 4096));
	EXPECT_EQ(-ERANGE, mcte_transfer_sync_write(self->m, self->ha, 0,
						    self->hb, SZ - 4095, 4096));
}

/* Sleeps of this thread so far: voluntary context switches. */
static long nr_sleeps(void)
{
	struct rusage ru;

	getrusage(RUSAGE_THREAD, &ru);
	return ru.ru_nvcsw;
}

/*
 * 128 reads through a ring, every byte checked; @busy_us >= 0 sets the
 * ring's busy-poll time.
 */
static void ring_pass(struct __test_metadata *_metadata,
		      FIXTURE_DATA(lib) *self, unsigned int flags, int mode,
		      long busy_us)
{
	struct mcte_ring ring;
	struct mcte_cqe *cqe;
	bool seen[128] = { false };
	__u32 id;
	int i, ret;

	ret = mcte_ring_init(self->m, &ring, 64, flags);
	ASSERT_EQ(0, ret) TH_LOG("%s", mcte_strerror(ret));
	EXPECT_EQ(mode, mcte_ring_mode(&ring));
	if (busy_us >= 0)
		ASSERT_EQ(0, mcte_ring_set_busy_poll(&ring, busy_us));
	ASSERT_EQ(0, mcte_batch_alloc(self->m, 128, &id));
	for (i = 0; i < 128; i++) {
		struct mcte_xfer_req *r = mcte_ring_get_sqe(&ring);

		if (!r) {
			ASSERT_LT(0, mcte_ring_submit(&ring));
			r = mcte_ring_get_sqe(&ring);
		}
		ASSERT_NE(NULL, r);
		mcte_prep_read(r, id, self->ha, i * 16384, self->hb,
			       i * 16384 + 5, 16000, 1000 + i);
		if (i == 63 || i == 127) {
			ASSERT_LT(0, mcte_ring_submit_and_wait(&ring, 32));
			/* Take what is there, leave room for the rest. */
			while (!mcte_ring_peek_cqe(&ring, &cqe)) {
				ASSERT_GT(128, cqe->user_data - 1000);
				EXPECT_EQ(16000, cqe->res);
				EXPECT_EQ(MCTE_XFER_COMPLETED, cqe->state);
				seen[cqe->user_data - 1000] = true;
				mcte_ring_cqe_seen(&ring, cqe);
			}
		}
	}
	for (;;) {
		for (i = 0; i < 128 && seen[i]; i++)
			;
		if (i == 128)
			break;
		ASSERT_EQ(0, mcte_ring_wait_cqe(&ring, &cqe));
		ASSERT_GT(128, cqe->user_data - 1000);
		EXPECT_EQ(16000, cqe->res);
		seen[cqe->user_data - 1000] = true;
		mcte_ring_cqe_seen(&ring, cqe);
	}
	for (i = 0; i < 128; i++)
		ASSERT_EQ(0, memcmp(self->a + i * 16384,
				    self->b + i * 16384 + 5, 16000));
	mcte_ring_exit(&ring);
	EXPECT_EQ(0, mcte_batch_free(self->m, id));
}

TEST_F(lib, rings)
{
	ASSERT_EQ(0, mcte_seg_open(self->m, self->name, MCTE_ACCESS_READ,
				   &self->hb, NULL));
	ring_pass(_metadata, self, MCTE_RING_FORCE_IOCTL, MCTE_RING_MODE_IOCTL,
		  -1);
	if (mcte_has_feature(self->m, MCTE_FEAT_URING_CMD) != 1)
		SKIP(return, "module lacks MCTE_FEAT_URING_CMD");
	mx_fill_rand(self->b, SZ, &(struct mx_rng){ 9 });
	ring_pass(_metadata, self, 0, MCTE_RING_MODE_URING, -1);
	mx_fill_rand(self->b, SZ, &(struct mx_rng){ 10 });
	ring_pass(_metadata, self, MCTE_RING_SQPOLL, MCTE_RING_MODE_SQPOLL, -1);
}

/*
 * @rounds reads of the whole of B, one at a time, each waited for and
 * checked. Return: how often the waits slept, or -1.
 */
static long big_reads(struct __test_metadata *_metadata,
		      FIXTURE_DATA(lib) *self, unsigned int flags,
		      long busy_us, int rounds)
{
	struct mcte_xfer_req *r;
	struct mcte_ring ring;
	struct mcte_cqe *cqe;
	long sleeps = 0, s0;
	int i, ret;
	__u32 id;

	ret = mcte_ring_init(self->m, &ring, 4, flags);
	EXPECT_EQ(0, ret) TH_LOG("%s", mcte_strerror(ret));
	if (ret)
		return -1;
	EXPECT_EQ(0, mcte_ring_set_busy_poll(&ring, busy_us));
	EXPECT_EQ(0, mcte_batch_alloc(self->m, rounds, &id));
	for (i = 0; i < rounds; i++) {
		mx_fill_rand(self->b, SZ, &(struct mx_rng){ 20 + i });
		r = mcte_ring_get_sqe(&ring);
		if (!r)
			break;
		mcte_prep_read(r, id, self->ha, 0, self->hb, 0, SZ, i);
		s0 = nr_sleeps();
		ret = mcte_ring_submit_and_wait(&ring, 1);
		if (ret == 1)
			ret = mcte_ring_wait_cqe(&ring, &cqe);
		sleeps += nr_sleeps() - s0;
		EXPECT_EQ(0, ret) TH_LOG("%s", mcte_strerror(ret));
		if (ret)
			break;
		EXPECT_EQ(SZ, cqe->res);
		EXPECT_EQ(i, cqe->user_data);
		mcte_ring_cqe_seen(&ring, cqe);
		EXPECT_EQ(0, memcmp(self->a, self->b, SZ));
	}
	mcte_ring_exit(&ring);
	EXPECT_EQ(0, mcte_batch_free(self->m, id));
	return i == rounds ? sleeps : -1;
}

/*
 * A busy-polling ring gets the same completions without sleeping for
 * them: its waits spin (io_uring: on the CQ, the kernel interrupting the
 * thread to post CQEs; ioctl: MCTE_IOC_REAP without waiting). The same
 * reads through an io_uring ring that does not busy-poll show that they
 * take long enough to sleep for; through the ioctls they do not (the
 * submitting thread copies too), so there only the bytes are checked.
 */
TEST_F(lib, rings_busy_poll)
{
	static const struct {
		unsigned int flags;
		int mode;
		const char *name;
	} kinds[] = {
		{ MCTE_RING_FORCE_IOCTL, MCTE_RING_MODE_IOCTL, "ioctl" },
		{ 0, MCTE_RING_MODE_URING, "io_uring" },
		{ MCTE_RING_SQPOLL, MCTE_RING_MODE_SQPOLL, "sqpoll" },
	};
	const int rounds = 16;
	long busy, sleepy;
	unsigned int k;

	ASSERT_EQ(0, mcte_seg_open(self->m, self->name, MCTE_ACCESS_READ,
				   &self->hb, NULL));
	for (k = 0; k < ARRAY_SIZE(kinds); k++) {
		if (kinds[k].mode != MCTE_RING_MODE_IOCTL &&
		    mcte_has_feature(self->m, MCTE_FEAT_URING_CMD) != 1)
			SKIP(return, "module lacks MCTE_FEAT_URING_CMD");
		if (kinds[k].mode != MCTE_RING_MODE_SQPOLL)
			ring_pass(_metadata, self, kinds[k].flags, kinds[k].mode,
				  30000000);
		sleepy = big_reads(_metadata, self, kinds[k].flags, 0, rounds);
		busy = big_reads(_metadata, self, kinds[k].flags, 30000000,
				 rounds);
		ASSERT_LE(0, sleepy);
		ASSERT_LE(0, busy);
		TH_LOG("%s: %d reads of %d KiB slept %ld times, busy-polling %ld",
		       kinds[k].name, rounds, SZ >> 10, sleepy, busy);
		if (kinds[k].mode == MCTE_RING_MODE_IOCTL)
			continue;
		EXPECT_LE(rounds / 2, sleepy);
		EXPECT_GE(1, busy);
	}
}

TEST_HARNESS_MAIN
