// SPDX-License-Identifier: GPL-2.0
/*
 * Bad ioctls get the right errno and change nothing: unknown numbers,
 * numbers with the wrong size or direction and numbers of parts the module
 * does not implement give -ENOTTY, pointers it cannot write give -EFAULT.
 */
#include <errno.h>
#include <sys/ioctl.h>
#include <sys/mman.h>

#include "kselftest_harness.h"
#include "mcte_test.h"

FIXTURE(dev) {
	int fd;
	__u64 features;
	long page;
};

FIXTURE_SETUP(dev)
{
	struct mcte_version v;

	self->page = sysconf(_SC_PAGESIZE);
	self->fd = open(MCTE_DEV_PATH, O_RDWR);
	ASSERT_LE(0, self->fd);
	ASSERT_EQ(0, ioctl(self->fd, MCTE_IOC_VERSION, &v));
	self->features = v.features;
}

FIXTURE_TEARDOWN(dev)
{
	close(self->fd);
}

static int ioctl_errno(int fd, unsigned long cmd, void *arg)
{
	errno = 0;
	if (ioctl(fd, cmd, arg) != -1)
		return 0;
	return errno;
}

TEST_F(dev, unknown_numbers)
{
	char buf[512] = { 0 };
	const unsigned long cmds[] = {
		_IO(MCTE_IOC_MAGIC, 0x7f),
		_IOWR(MCTE_IOC_MAGIC, 0xff, struct mcte_version),
		/* Right number, wrong size or direction. */
		_IOR(MCTE_IOC_MAGIC, 0x00, __u32),
		_IOW(MCTE_IOC_MAGIC, 0x00, struct mcte_version),
		_IOWR(MCTE_IOC_MAGIC, 0x00, struct mcte_version),
		_IO(MCTE_IOC_MAGIC, 0x00),
		/* Another driver's magic. */
		_IOR('T', 0x00, struct mcte_version),
		0,
	};
	unsigned int i;

	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		unsigned long cmd = cmds[i];

		EXPECT_EQ(ENOTTY, ioctl_errno(self->fd, cmd, buf))
			TH_LOG("cmd %#lx", cmd);
	}
}

/*
 * Every ioctl number of the ABI: a part the module does not implement
 * says so with -ENOTTY instead of half-working; one it implements refuses
 * the same number with another size or direction encoded in it.
 */
TEST_F(dev, numbers_of_every_part)
{
	char buf[512] = { 0 };
	const struct {
		unsigned long cmd;
		__u64 feat;
	} parts[] = {
		{ MCTE_IOC_VERSION, 0 },
		{ MCTE_IOC_SEG_REG, MCTE_FEAT_SEGMENTS },
		{ MCTE_IOC_SEG_UNREG, MCTE_FEAT_SEGMENTS },
		{ MCTE_IOC_SEG_OPEN, MCTE_FEAT_SEGMENTS },
		{ MCTE_IOC_SEG_CLOSE, MCTE_FEAT_SEGMENTS },
		{ MCTE_IOC_BATCH_ALLOC, MCTE_FEAT_BATCH },
		{ MCTE_IOC_BATCH_FREE, MCTE_FEAT_BATCH },
		{ MCTE_IOC_BATCH_SUBMIT, MCTE_FEAT_BATCH },
		{ MCTE_IOC_BATCH_STATUS, MCTE_FEAT_BATCH },
		{ MCTE_IOC_BATCH_CANCEL, MCTE_FEAT_BATCH },
		{ MCTE_IOC_REAP, MCTE_FEAT_BATCH },
	};
	unsigned int i;

	for (i = 0; i < sizeof(parts) / sizeof(parts[0]); i++) {
		unsigned long cmd = parts[i].cmd;
		unsigned long bigger = _IOC(_IOC_DIR(cmd), _IOC_TYPE(cmd),
					    _IOC_NR(cmd), _IOC_SIZE(cmd) + 8);
		unsigned long smaller = _IOC(_IOC_DIR(cmd), _IOC_TYPE(cmd),
					     _IOC_NR(cmd), _IOC_SIZE(cmd) - 1);
		unsigned long nodir = _IOC(_IOC_NONE, _IOC_TYPE(cmd),
					   _IOC_NR(cmd), _IOC_SIZE(cmd));

		if (parts[i].feat && !(self->features & parts[i].feat)) {
			EXPECT_EQ(ENOTTY, ioctl_errno(self->fd, cmd, buf))
				TH_LOG("unimplemented cmd %#lx", cmd);
			continue;
		}
		EXPECT_EQ(ENOTTY, ioctl_errno(self->fd, bigger, buf))
			TH_LOG("cmd %#lx", bigger);
		EXPECT_EQ(ENOTTY, ioctl_errno(self->fd, smaller, buf))
			TH_LOG("cmd %#lx", smaller);
		EXPECT_EQ(ENOTTY, ioctl_errno(self->fd, nodir, buf))
			TH_LOG("cmd %#lx", nodir);
	}
}

TEST_F(dev, null_pointer)
{
	EXPECT_EQ(EFAULT, ioctl_errno(self->fd, MCTE_IOC_VERSION, NULL));
}

TEST_F(dev, kernel_pointer)
{
	EXPECT_EQ(EFAULT, ioctl_errno(self->fd, MCTE_IOC_VERSION,
				      (void *)0xffff888000000000UL));
}

TEST_F(dev, unmapped_pointer)
{
	void *p = mmap(NULL, self->page, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	ASSERT_NE(MAP_FAILED, p);
	ASSERT_EQ(0, munmap(p, self->page));
	EXPECT_EQ(EFAULT, ioctl_errno(self->fd, MCTE_IOC_VERSION, p));
}

TEST_F(dev, read_only_pointer)
{
	struct mcte_version *v;
	char *p = mmap(NULL, self->page, PROT_READ,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	ASSERT_NE(MAP_FAILED, p);
	v = (struct mcte_version *)p;
	EXPECT_EQ(EFAULT, ioctl_errno(self->fd, MCTE_IOC_VERSION, v));
	/* Nothing was written: the page still reads as zeroes. */
	EXPECT_EQ(0, v->abi_version);
	munmap(p, self->page);
}

/* A struct that starts on a mapped page and runs into an unmapped one. */
TEST_F(dev, straddling_pointer)
{
	char *p = mmap(NULL, 2 * self->page, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	ASSERT_NE(MAP_FAILED, p);
	ASSERT_EQ(0, munmap(p + self->page, self->page));
	EXPECT_EQ(EFAULT, ioctl_errno(self->fd, MCTE_IOC_VERSION,
				      p + self->page - 8));
	munmap(p, self->page);
}

TEST_F(dev, still_works_after_errors)
{
	struct mcte_version v;

	EXPECT_EQ(EFAULT, ioctl_errno(self->fd, MCTE_IOC_VERSION, NULL));
	EXPECT_EQ(ENOTTY, ioctl_errno(self->fd, _IO(MCTE_IOC_MAGIC, 0x7f), NULL));
	memset(&v, 0, sizeof(v));
	EXPECT_EQ(0, ioctl_errno(self->fd, MCTE_IOC_VERSION, &v));
	EXPECT_EQ((__u32)MCTE_ABI_VERSION, v.abi_version);
}

TEST_HARNESS_MAIN
