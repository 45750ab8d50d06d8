// SPDX-License-Identifier: GPL-2.0
/*
 * /dev/mcte opens and closes cleanly, alone, many at a time, across fork
 * and from many threads at once; it has no read/write/mmap.
 */
#include <errno.h>
#include <pthread.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "mcte_test.h"

static int version_ok(int fd)
{
	struct mcte_version v;

	memset(&v, 0, sizeof(v));
	if (ioctl(fd, MCTE_IOC_VERSION, &v))
		return 0;
	return v.abi_version == MCTE_ABI_VERSION;
}

TEST(open_close)
{
	int fd = open(MCTE_DEV_PATH, O_RDWR | O_CLOEXEC);

	ASSERT_LE(0, fd) TH_LOG("open %s: %s", MCTE_DEV_PATH, strerror(errno));
	EXPECT_TRUE(version_ok(fd));
	EXPECT_EQ(0, close(fd));
}

TEST(open_read_only)
{
	int fd = open(MCTE_DEV_PATH, O_RDONLY);

	ASSERT_LE(0, fd);
	EXPECT_TRUE(version_ok(fd));
	EXPECT_EQ(0, close(fd));
}

TEST(many_opens)
{
	enum { N = 512 };
	int fds[N], i;

	for (i = 0; i < N; i++) {
		fds[i] = open(MCTE_DEV_PATH, O_RDWR);
		ASSERT_LE(0, fds[i]) TH_LOG("open #%d: %s", i, strerror(errno));
	}
	for (i = 0; i < N; i++)
		EXPECT_TRUE(version_ok(fds[i]));
	/* Close in a different order than opened. */
	for (i = N - 1; i >= 0; i -= 2)
		EXPECT_EQ(0, close(fds[i]));
	for (i = N - 2; i >= 0; i -= 2)
		EXPECT_EQ(0, close(fds[i]));
}

TEST(fork_inherits)
{
	int fd = open(MCTE_DEV_PATH, O_RDWR);
	int status;
	pid_t pid;

	ASSERT_LE(0, fd);
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0)
		_exit(version_ok(fd) ? 0 : 1);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
	/* The child's exit closed its copy only. */
	EXPECT_TRUE(version_ok(fd));
	EXPECT_EQ(0, close(fd));
}

TEST(dup_and_close)
{
	int fd = open(MCTE_DEV_PATH, O_RDWR);
	int fd2;

	ASSERT_LE(0, fd);
	fd2 = dup(fd);
	ASSERT_LE(0, fd2);
	EXPECT_EQ(0, close(fd));
	EXPECT_TRUE(version_ok(fd2));
	EXPECT_EQ(0, close(fd2));
}

static void *open_loop(void *arg)
{
	long fails = 0;
	int i, fd;

	for (i = 0; i < 200; i++) {
		fd = open(MCTE_DEV_PATH, O_RDWR);
		if (fd < 0) {
			fails++;
			continue;
		}
		if (!version_ok(fd))
			fails++;
		if (close(fd))
			fails++;
	}
	return (void *)fails;
}

TEST(threads_open_close)
{
	enum { T = 8 };
	pthread_t th[T];
	void *ret;
	int i;

	for (i = 0; i < T; i++)
		ASSERT_EQ(0, pthread_create(&th[i], NULL, open_loop, NULL));
	for (i = 0; i < T; i++) {
		ASSERT_EQ(0, pthread_join(th[i], &ret));
		EXPECT_EQ(0, (long)ret);
	}
}

TEST(no_read_write_mmap)
{
	int fd = open(MCTE_DEV_PATH, O_RDWR);
	char buf[16] = { 0 };
	void *p;

	ASSERT_LE(0, fd);
	EXPECT_EQ(-1, read(fd, buf, sizeof(buf)));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, write(fd, buf, sizeof(buf)));
	EXPECT_EQ(EINVAL, errno);
	p = mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, 0);
	EXPECT_EQ(MAP_FAILED, p);
	EXPECT_EQ(ENODEV, errno);
	EXPECT_EQ(0, close(fd));
}

TEST_HARNESS_MAIN
