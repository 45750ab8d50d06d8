// SPDX-License-Identifier: GPL-2.0
/*
 * Without the module, libmcte fails with -ENOENT and explains why instead
 * of crashing or reporting success.
 */
#include <errno.h>

#include "kselftest_harness.h"
#include "mcte_test.h"
#include "libmcte.h"

TEST(open_without_module)
{
	struct mcte *m = NULL;
	const char *msg;

	ASSERT_NE(0, access(MCTE_DEV_PATH, F_OK))
		TH_LOG("%s exists: is the module loaded?", MCTE_DEV_PATH);
	EXPECT_EQ(-ENOENT, mcte_open(&m, 0));
	EXPECT_EQ(NULL, m);
	msg = mcte_strerror(-ENOENT);
	ASSERT_NE(NULL, msg);
	EXPECT_NE(NULL, strstr(msg, "not loaded")) TH_LOG("message: %s", msg);
}

TEST(strerror_always_says_something)
{
	const int errs[] = { 0, -EPROTO, -ENOTTY, -EINVAL, -EFAULT, -12345, 12345 };
	unsigned int i;

	for (i = 0; i < sizeof(errs) / sizeof(errs[0]); i++) {
		const char *msg = mcte_strerror(errs[i]);

		ASSERT_NE(NULL, msg);
		EXPECT_LT(0, (int)strlen(msg)) TH_LOG("errno %d", errs[i]);
	}
}

TEST_HARNESS_MAIN
