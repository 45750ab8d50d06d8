// SPDX-License-Identifier: GPL-2.0
/*
 * The ABI probe: MCTE_IOC_VERSION and libmcte report what the running
 * module speaks, reserved fields come back zero, and the layout of every
 * uapi structure is the one documented (these sizes and offsets are ABI).
 */
#include <errno.h>
#include <stddef.h>
#include <sys/ioctl.h>

#include "kselftest_harness.h"
#include "mcte_test.h"
#include "libmcte.h"

TEST(version_ioctl)
{
	struct mcte_version v;
	int fd, i;

	fd = open(MCTE_DEV_PATH, O_RDWR);
	ASSERT_LE(0, fd);
	/* Poison it: every field must be written by the module. */
	memset(&v, 0xa5, sizeof(v));
	ASSERT_EQ(0, ioctl(fd, MCTE_IOC_VERSION, &v));
	EXPECT_EQ((__u32)MCTE_ABI_VERSION, v.abi_version);
	EXPECT_EQ(sizeof(struct mcte_xfer_req), v.req_size);
	EXPECT_EQ((__u32)MCTE_SEG_NAME_MAX, v.seg_name_max);
	EXPECT_EQ(mcte_test_param("slice_size"), (long)v.slice_size);
	EXPECT_EQ(0U, v.slice_size & (v.slice_size - 1));
	EXPECT_LE(4096U, v.slice_size);
	EXPECT_TRUE(v.features & MCTE_FEAT_DEVICES);
	EXPECT_EQ(0ULL, v.features & ~(__u64)MCTE_TEST_FEAT_KNOWN);
	for (i = 0; i < 4; i++)
		EXPECT_EQ(0ULL, v.resv[i]);
	EXPECT_EQ(0, close(fd));
}

TEST(slice_size_default)
{
	EXPECT_EQ(65536, mcte_test_param("slice_size"));
}

TEST(libmcte_agrees)
{
	struct mcte_version kv, lv;
	struct mcte *m = NULL;
	int fd;

	fd = open(MCTE_DEV_PATH, O_RDWR);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, ioctl(fd, MCTE_IOC_VERSION, &kv));
	close(fd);

	ASSERT_EQ(0, mcte_open(&m, 0));
	ASSERT_NE(NULL, m);
	EXPECT_LE(0, mcte_fd(m));
	ASSERT_EQ(0, mcte_query_version(m, &lv));
	EXPECT_EQ(0, memcmp(&kv, &lv, sizeof(kv)));
	EXPECT_EQ(1, mcte_has_feature(m, MCTE_FEAT_DEVICES));
	EXPECT_EQ(!!(kv.features & MCTE_FEAT_SEGMENTS),
		  mcte_has_feature(m, MCTE_FEAT_SEGMENTS));
	mcte_close(m);
}

TEST(libmcte_bad_args)
{
	struct mcte *m = NULL;

	EXPECT_EQ(-EINVAL, mcte_open(&m, 1));
	EXPECT_EQ(NULL, m);
	EXPECT_EQ(-ENOENT, mcte_open_path(&m, "/dev/mcte-does-not-exist", 0));
	EXPECT_EQ(NULL, m);
}

/* The layout is ABI: these numbers may only change with MCTE_ABI_VERSION. */
TEST(uapi_layout)
{
	EXPECT_EQ(56, sizeof(struct mcte_version));
	EXPECT_EQ(24, sizeof(struct mcte_seg_buf));
	EXPECT_EQ(104, sizeof(struct mcte_seg_reg));
	EXPECT_EQ(296, sizeof(struct mcte_seg_open));
	EXPECT_EQ(64, sizeof(struct mcte_xfer_req));
	EXPECT_EQ(16, sizeof(struct mcte_batch_alloc));
	EXPECT_EQ(24, sizeof(struct mcte_batch_submit));
	EXPECT_EQ(16, offsetof(struct mcte_batch_submit, error_index));
	EXPECT_EQ(24, sizeof(struct mcte_xfer_status));
	EXPECT_EQ(40, sizeof(struct mcte_batch_status));
	EXPECT_EQ(24, sizeof(struct mcte_cqe));
	EXPECT_EQ(24, sizeof(struct mcte_reap));

	EXPECT_EQ(4, offsetof(struct mcte_xfer_req, local_seg));
	EXPECT_EQ(8, offsetof(struct mcte_xfer_req, local_off));
	EXPECT_EQ(16, offsetof(struct mcte_xfer_req, target_seg));
	EXPECT_EQ(24, offsetof(struct mcte_xfer_req, target_off));
	EXPECT_EQ(32, offsetof(struct mcte_xfer_req, length));
	EXPECT_EQ(40, offsetof(struct mcte_xfer_req, user_data));
	EXPECT_EQ(48, offsetof(struct mcte_xfer_req, batch_id));
	EXPECT_EQ(64, offsetof(struct mcte_seg_reg, bufs));
	EXPECT_EQ(8, offsetof(struct mcte_version, features));
	/* One request rides in the 80-byte command area of an SQE128. */
	EXPECT_GE(80, sizeof(struct mcte_xfer_req));
}

TEST_HARNESS_MAIN
