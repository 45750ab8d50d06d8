// SPDX-License-Identifier: GPL-2.0
/*
 * Segments (Documentation/abi.rst, "Segments"): registration of host
 * buffers of any alignment and size, names, access modes, opening by name
 * from this and other processes and users, RLIMIT_MEMLOCK accounting,
 * bad memory, reserved fields and handles that are not this file's.
 */
#include <sched.h>
#include <sys/resource.h>

#include "kselftest_harness.h"
#include "mcte_test.h"
#include "mcte_xfer.h"
#include "mcte_nl.h"

FIXTURE(seg) {
	int fd;
	size_t page;
};

FIXTURE_SETUP(seg)
{
	self->page = sysconf(_SC_PAGESIZE);
	self->fd = mx_open();
	ASSERT_LE(0, self->fd);
	MX_REQUIRE(self->fd, MCTE_FEAT_SEGMENTS);
}

FIXTURE_TEARDOWN(seg)
{
	close(self->fd);
}

/* Register @len bytes at @off into a fresh area; unregister; check size. */
static int reg_check(struct __test_metadata *_metadata, int fd,
		     size_t off, size_t len)
{
	char name[MCTE_SEG_NAME_MAX];
	char *area = mx_alloc(off + len);
	__u32 h = 0, oh, nr_bufs = 0;
	__u64 size = 0;
	int fd2;

	EXPECT_NE(NULL, area);
	if (!area)
		return -1;
	mx_name(name, sizeof(name), "sz");
	EXPECT_EQ(0, mx_seg_reg1(fd, name, area + off, len, MCTE_ACCESS_READ,
				 &h)) TH_LOG("off %zu len %zu", off, len);
	EXPECT_NE(0, h);
	fd2 = mx_open();
	EXPECT_EQ(0, mx_seg_open(fd2, name, MCTE_ACCESS_READ, &oh, &size,
				 &nr_bufs));
	EXPECT_EQ(len, size);
	EXPECT_EQ(1, nr_bufs);
	close(fd2);
	EXPECT_EQ(0, mx_seg_unreg(fd, h));
	mx_free(area, off + len);
	return 0;
}

TEST_F(seg, one_buffer)
{
	char name[MCTE_SEG_NAME_MAX];
	void *p = mx_alloc(self->page);
	__u32 h = 0;

	ASSERT_NE(NULL, p);
	mx_name(name, sizeof(name), "one");
	ASSERT_EQ(0, mx_seg_reg1(self->fd, name, p, self->page,
				 MCTE_ACCESS_NONE, &h));
	EXPECT_NE(0, h);
	EXPECT_EQ(0, mx_seg_unreg(self->fd, h));
	/* The handle is gone with the segment. */
	EXPECT_EQ(-EBADF, mx_seg_unreg(self->fd, h));
	mx_free(p, self->page);
}

/* Any alignment and any length from one byte to many MiB. */
TEST_F_TIMEOUT(seg, sizes_and_alignment, 120)
{
	const struct { size_t off, len; } cases[] = {
		{ 0, 1 }, { 1, 1 }, { 4095, 1 }, { 4095, 2 }, { 1, 4095 },
		{ 0, 4096 }, { 1, 4096 }, { 0, 4097 }, { 4095, 4097 },
		{ 3, 65537 }, { 0, 1 << 20 }, { 511, (1 << 20) + 3 },
		{ 7, 8 << 20 }, { 0, 32 << 20 },
	};
	unsigned int i;

	for (i = 0; i < MX_ARRAY_SIZE(cases); i++)
		reg_check(_metadata, self->fd, cases[i].off, cases[i].len);
}

/* Several buffers of odd sizes and places make one segment. */
TEST_F(seg, several_buffers)
{
	const struct { size_t off, len; } shape[] = {
		{ 4095, 1 }, { 1, 4097 }, { 0, 3 * 4096 }, { 77, 100000 },
		{ 5, (1 << 20) + 3 },
	};
	struct mcte_seg_buf bufs[MX_ARRAY_SIZE(shape)];
	char name[MCTE_SEG_NAME_MAX];
	void *areas[MX_ARRAY_SIZE(shape)];
	__u32 h, h2, h3, nr_bufs;
	__u64 size, total = 0;
	unsigned int i;
	int fd2;

	for (i = 0; i < MX_ARRAY_SIZE(shape); i++) {
		areas[i] = mx_alloc(shape[i].off + shape[i].len);
		ASSERT_NE(NULL, areas[i]);
		bufs[i] = mx_buf((char *)areas[i] + shape[i].off, shape[i].len);
		total += shape[i].len;
	}
	mx_name(name, sizeof(name), "multi");
	ASSERT_EQ(0, mx_seg_reg(self->fd, name, bufs, MX_ARRAY_SIZE(bufs),
				MCTE_ACCESS_RW, &h));
	fd2 = mx_open();
	ASSERT_LE(0, fd2);
	ASSERT_EQ(0, mx_seg_open(fd2, name, MCTE_ACCESS_RW, &h2, &size,
				 &nr_bufs));
	EXPECT_NE(0, h2);
	EXPECT_EQ(total, size);
	EXPECT_EQ(MX_ARRAY_SIZE(shape), nr_bufs);
	/* Two opens of one segment are two handles. */
	ASSERT_EQ(0, mx_seg_open(fd2, name, MCTE_ACCESS_READ, &h3, NULL, NULL));
	EXPECT_NE(h2, h3);
	EXPECT_EQ(0, mx_seg_close(fd2, h2));
	EXPECT_EQ(0, mx_seg_close(fd2, h3));
	EXPECT_EQ(-EBADF, mx_seg_close(fd2, h3));
	close(fd2);
	EXPECT_EQ(0, mx_seg_unreg(self->fd, h));
	for (i = 0; i < MX_ARRAY_SIZE(shape); i++)
		mx_free(areas[i], shape[i].off + shape[i].len);
}

/* 1 to MCTE_SEG_BUFS_MAX buffers; 0 or more is -EINVAL. */
TEST_F(seg, buffer_count)
{
	const unsigned int max = MCTE_SEG_BUFS_MAX;
	struct mcte_seg_buf *bufs = calloc(max + 1, sizeof(*bufs));
	char *area = mx_alloc((max + 1) * self->page);
	char name[MCTE_SEG_NAME_MAX];
	__u64 total = 0, size;
	__u32 h, oh, nr;
	unsigned int i;
	int fd2;

	ASSERT_NE(NULL, bufs);
	ASSERT_NE(NULL, area);
	for (i = 0; i <= max; i++) {
		bufs[i] = mx_buf(area + i * self->page + i % 13,
				 self->page - i % 13);
		if (i < max)
			total += bufs[i].len;
	}
	mx_name(name, sizeof(name), "bufs");
	EXPECT_EQ(-EINVAL, mx_seg_reg(self->fd, name, bufs, 0,
				      MCTE_ACCESS_READ, &h));
	EXPECT_EQ(-EINVAL, mx_seg_reg(self->fd, name, bufs, max + 1,
				      MCTE_ACCESS_READ, &h));
	EXPECT_EQ(-EINVAL, mx_seg_reg(self->fd, name, bufs, 0xffffffffU,
				      MCTE_ACCESS_READ, &h));
	ASSERT_EQ(0, mx_seg_reg(self->fd, name, bufs, max, MCTE_ACCESS_READ,
				&h));
	fd2 = mx_open();
	ASSERT_EQ(0, mx_seg_open(fd2, name, MCTE_ACCESS_READ, &oh, &size,
				 &nr));
	EXPECT_EQ(max, nr);
	EXPECT_EQ(total, size);
	close(fd2);
	EXPECT_EQ(0, mx_seg_unreg(self->fd, h));
	mx_free(area, (max + 1) * self->page);
	free(bufs);
}

/* A buffer's own fields: length not zero, fd -1 for host memory, resv 0. */
TEST_F(seg, bad_buffers)
{
	char *area = mx_alloc(4 * self->page);
	struct mcte_seg_buf bufs[3];
	char name[MCTE_SEG_NAME_MAX];
	__u32 h;
	int ret;

	ASSERT_NE(NULL, area);
	mx_name(name, sizeof(name), "badbuf");
	bufs[0] = mx_buf(area, 100);
	bufs[1] = mx_buf(area + self->page, 0);
	bufs[2] = mx_buf(area + 2 * self->page, 100);
	EXPECT_EQ(-EINVAL, mx_seg_reg(self->fd, name, bufs, 3,
				      MCTE_ACCESS_RW, &h));
	bufs[1].len = 100;
	bufs[1].fd = 0;
	EXPECT_EQ(-EINVAL, mx_seg_reg(self->fd, name, bufs, 3,
				      MCTE_ACCESS_RW, &h));
	bufs[1].fd = -1;
	bufs[1].resv = 1;
	EXPECT_EQ(-EINVAL, mx_seg_reg(self->fd, name, bufs, 3,
				      MCTE_ACCESS_RW, &h));
	bufs[1].resv = 0;
	/* The array itself unreadable. */
	EXPECT_EQ(-EFAULT, mx_seg_reg(self->fd, name, NULL, 1,
				      MCTE_ACCESS_RW, &h));
	EXPECT_EQ(-EFAULT, mx_seg_reg(self->fd, name,
				      (void *)(area - self->page), 1,
				      MCTE_ACCESS_RW, &h));
	/* Starts readable, ends in the guard page after the area. */
	EXPECT_EQ(-EFAULT, mx_seg_reg(self->fd, name,
				      (void *)(area + 4 * self->page - sizeof(bufs[0])),
				      2, MCTE_ACCESS_RW, &h));
	/* A range that wraps around the address space, an absurd length. */
	bufs[1] = mx_buf((void *)(~0UL - 10), 100);
	ret = mx_seg_reg(self->fd, name, bufs, 3, MCTE_ACCESS_RW, &h);
	EXPECT_TRUE(ret == -EFAULT || ret == -EINVAL) TH_LOG("ret %d", ret);
	bufs[1] = mx_buf(area, 1ULL << 50);
	ret = mx_seg_reg(self->fd, name, bufs, 3, MCTE_ACCESS_RW, &h);
	EXPECT_TRUE(ret == -EFAULT || ret == -EINVAL || ret == -ENOMEM)
		TH_LOG("ret %d", ret);
	/* None of it left anything registered: the name is free. */
	bufs[1] = mx_buf(area + self->page, 100);
	ASSERT_EQ(0, mx_seg_reg(self->fd, name, bufs, 3, MCTE_ACCESS_RW, &h));
	EXPECT_EQ(0, mx_seg_unreg(self->fd, h));
	mx_free(area, 4 * self->page);
}

static int reg_named(int fd, const char *name, void *p, __u32 *h)
{
	struct mcte_seg_buf b = mx_buf(p, 64);
	struct mcte_seg_reg r;
	int ret;

	memset(&r, 0, sizeof(r));
	memcpy(r.name, name, strnlen(name, sizeof(r.name)));
	r.bufs = (uintptr_t)&b;
	r.nr_bufs = 1;
	r.kind = MCTE_SEG_HOST;
	r.access = MCTE_ACCESS_READ;
	ret = mx_ioctl(fd, MCTE_IOC_SEG_REG, &r);
	*h = r.handle;
	return ret;
}

TEST_F(seg, names)
{
	const char * const bad[] = {
		"", "a/b", "a b", "a:b", "a\n", "\t", "caf\xc3\xa9", "a*", "a%d",
		"a\\b", "a@b", "a,b", "a+b", "[a]", "a\x7f", "\x01",
		/* Letters of Latin-1 are no ASCII letters. */
		"caf\xe9", "\xc0", "a\xff", "\xdf\xe0", "x\xb5",
	};
	char name[MCTE_SEG_NAME_MAX + 8];
	void *p = mx_alloc(self->page);
	unsigned int i;
	__u32 h;
	int fd2;

	ASSERT_NE(NULL, p);
	for (i = 0; i < MX_ARRAY_SIZE(bad); i++) {
		const char *b = bad[i];

		EXPECT_EQ(-EINVAL, reg_named(self->fd, b, p, &h))
			TH_LOG("name \"%s\"", b);
	}

	/* 63 characters of every allowed kind: fine; 64 (no NUL): not. */
	for (i = 0; i < MCTE_SEG_NAME_MAX - 1; i++)
		name[i] = "Az09._-xY"[i % 9];
	snprintf(name, 12, "%d", getpid());
	name[strlen(name)] = '-';
	name[MCTE_SEG_NAME_MAX - 1] = 0;
	ASSERT_EQ(63, strlen(name));
	ASSERT_EQ(0, reg_named(self->fd, name, p, &h));
	EXPECT_EQ(0, mx_seg_unreg(self->fd, h));
	name[MCTE_SEG_NAME_MAX - 1] = 'z';
	name[MCTE_SEG_NAME_MAX] = 0;
	EXPECT_EQ(-EINVAL, reg_named(self->fd, name, p, &h));

	/* One character is a name; so are the punctuation marks allowed. */
	mx_name(name, sizeof(name), "_-.");
	ASSERT_EQ(0, reg_named(self->fd, name, p, &h));

	/* Unique: the same file, another file, both refuse it... */
	EXPECT_EQ(-EEXIST, reg_named(self->fd, name, p, &h));
	fd2 = mx_open();
	ASSERT_LE(0, fd2);
	EXPECT_EQ(-EEXIST, reg_named(fd2, name, p, &h));
	/* ...until it is unregistered: free again at once. */
	mx_name(name, sizeof(name), "dup");
	ASSERT_EQ(0, reg_named(self->fd, name, p, &h));
	ASSERT_EQ(0, mx_seg_unreg(self->fd, h));
	ASSERT_EQ(0, reg_named(fd2, name, p, &h));
	/* Closing the file unregisters its segments: free again. */
	close(fd2);
	ASSERT_EQ(0, reg_named(self->fd, name, p, &h));
	EXPECT_EQ(0, mx_seg_unreg(self->fd, h));
	mx_free(p, self->page);
}

TEST_F(seg, access_and_kind)
{
	struct mcte_seg_buf b;
	struct mcte_seg_reg r;
	void *p = mx_alloc(self->page);
	char name[MCTE_SEG_NAME_MAX];
	__u32 modes[] = { MCTE_ACCESS_NONE, MCTE_ACCESS_READ, MCTE_ACCESS_RW };
	unsigned int i;
	__u32 h;

	ASSERT_NE(NULL, p);
	mx_name(name, sizeof(name), "acc");
	for (i = 0; i < MX_ARRAY_SIZE(modes); i++) {
		ASSERT_EQ(0, mx_seg_reg1(self->fd, name, p, 10, modes[i], &h));
		ASSERT_EQ(0, mx_seg_unreg(self->fd, h));
	}
	EXPECT_EQ(-EINVAL, mx_seg_reg1(self->fd, name, p, 10, 3, &h));
	EXPECT_EQ(-EINVAL, mx_seg_reg1(self->fd, name, p, 10, 0xffffffffU, &h));

	/* A kind the ABI does not define. */
	b = mx_buf(p, 10);
	memset(&r, 0, sizeof(r));
	strcpy(r.name, name);
	r.bufs = (uintptr_t)&b;
	r.nr_bufs = 1;
	r.kind = 77;
	EXPECT_EQ(-EINVAL, mx_ioctl(self->fd, MCTE_IOC_SEG_REG, &r));
	/* Kinds the module does not implement (yet): -EOPNOTSUPP. */
	if (!(mx_features(self->fd) & MCTE_FEAT_SEG_DMABUF)) {
		r.kind = MCTE_SEG_DMABUF;
		EXPECT_EQ(-EOPNOTSUPP, mx_ioctl(self->fd, MCTE_IOC_SEG_REG, &r));
	}
	if (!(mx_features(self->fd) & MCTE_FEAT_XPORT_NVME)) {
		r.kind = MCTE_SEG_BLOCK;
		EXPECT_EQ(-EOPNOTSUPP, mx_ioctl(self->fd, MCTE_IOC_SEG_REG, &r));
	}
	/* None of it registered anything. */
	ASSERT_EQ(0, mx_seg_reg1(self->fd, name, p, 10, MCTE_ACCESS_NONE, &h));
	EXPECT_EQ(0, mx_seg_unreg(self->fd, h));
	mx_free(p, self->page);
}

/* Which opens each mode allows, for an opener that is not the owner. */
static const struct {
	__u32 mode, want;
	int ret;
} open_matrix[] = {
	{ MCTE_ACCESS_NONE, MCTE_ACCESS_READ, -EACCES },
	{ MCTE_ACCESS_NONE, MCTE_ACCESS_RW, -EACCES },
	{ MCTE_ACCESS_READ, MCTE_ACCESS_READ, 0 },
	{ MCTE_ACCESS_READ, MCTE_ACCESS_RW, -EACCES },
	{ MCTE_ACCESS_RW, MCTE_ACCESS_READ, 0 },
	{ MCTE_ACCESS_RW, MCTE_ACCESS_RW, 0 },
	{ MCTE_ACCESS_RW, 3, -EINVAL },
	{ MCTE_ACCESS_RW, 0x80000000U, -EINVAL },
};

struct open_arg {
	char names[3][MCTE_SEG_NAME_MAX];	/* by mode */
	__u64 size;
};

/* The opener's side of the matrix, in the calling process. */
static int open_as_other(void *varg, struct mx_report *rep)
{
	struct open_arg *a = varg;
	unsigned int i;
	__u32 h, nr;
	__u64 size;
	int fd = mx_open();

	MX_CK(rep, 1, fd >= 0);
	for (i = 0; i < MX_ARRAY_SIZE(open_matrix); i++) {
		int ret = mx_seg_open(fd, a->names[open_matrix[i].mode],
				      open_matrix[i].want, &h, &size, &nr);

		snprintf(rep->what, sizeof(rep->what), "case %u", i);
		MX_CK(rep, open_matrix[i].ret, ret);
		if (ret)
			continue;
		MX_CK(rep, 1, h != 0);
		MX_CK(rep, a->size, size);
		MX_CK(rep, 1, nr);
		MX_CK(rep, 0, mx_seg_close(fd, h));
	}
	MX_CK(rep, -ENOENT, mx_seg_open(fd, "mx.no.such.segment",
					MCTE_ACCESS_READ, &h, NULL, NULL));
	/* Not a name at all. */
	MX_CK(rep, -EINVAL, mx_seg_open(fd, "", MCTE_ACCESS_READ, &h, NULL,
					NULL));
	MX_CK(rep, -EINVAL, mx_seg_open(fd, "a b", MCTE_ACCESS_READ, &h, NULL,
					NULL));
	MX_CK(rep, -EINVAL, mx_seg_open(fd, "/x", MCTE_ACCESS_READ, &h, NULL,
					NULL));
	/* A peer's segment, without a transport to peers (yet). */
	if (!(mx_features(fd) & (MCTE_FEAT_XPORT_RDMA | MCTE_FEAT_XPORT_TCP)))
		MX_CK(rep, -EOPNOTSUPP, mx_seg_open(fd, "10.0.0.1:4791/kv",
						    MCTE_ACCESS_READ, &h,
						    NULL, NULL));
	close(fd);
	return 0;
}

static void reg_modes(struct __test_metadata *_metadata, int fd, void *p,
		      size_t len, struct open_arg *a, __u32 *h)
{
	unsigned int m;

	a->size = len;
	for (m = 0; m < 3; m++) {
		mx_name(a->names[m], sizeof(a->names[m]), "mode");
		ASSERT_EQ(0, mx_seg_reg1(fd, a->names[m], p, len, m, &h[m]));
	}
}

TEST_F(seg, open_same_process)
{
	void *p = mx_alloc(self->page);
	struct mx_report rep = { 0 };
	struct open_arg a;
	__u32 h[3];
	int ret;

	ASSERT_NE(NULL, p);
	reg_modes(_metadata, self->fd, p, 1000, &a, h);
	/* Another open file of this process is another user of it. */
	ret = open_as_other(&a, &rep);
	EXPECT_EQ(0, ret) TH_LOG("%s: got %lld, want %lld (line %d)",
				 rep.what, rep.got, rep.want, rep.line);
	mx_free(p, self->page);
}

TEST_F(seg, open_other_process)
{
	void *p = mx_alloc(self->page);
	struct mx_report rep = { 0 };
	struct open_arg a;
	__u32 h[3];

	ASSERT_NE(NULL, p);
	reg_modes(_metadata, self->fd, p, 3000, &a, h);
	EXPECT_EQ(0, mx_in_child(open_as_other, &a, &rep))
		TH_LOG("%s: got %lld, want %lld (line %d)",
		       rep.what, rep.got, rep.want, rep.line);
	mx_free(p, self->page);
}

/* Another user opens nothing of ours, whatever the mode says. */
static int open_as_nobody(void *varg, struct mx_report *rep)
{
	struct open_arg *a = varg;
	__u32 h;
	int fd;

	MX_CK(rep, 0, mx_become_nobody());
	fd = mx_open();
	MX_CK(rep, 1, fd >= 0);
	MX_CK(rep, -EACCES, mx_seg_open(fd, a->names[MCTE_ACCESS_RW],
					MCTE_ACCESS_READ, &h, NULL, NULL));
	MX_CK(rep, -EACCES, mx_seg_open(fd, a->names[MCTE_ACCESS_READ],
					MCTE_ACCESS_READ, &h, NULL, NULL));
	MX_CK(rep, -ENOENT, mx_seg_open(fd, "mx.no.such.segment",
					MCTE_ACCESS_READ, &h, NULL, NULL));
	close(fd);
	return 0;
}

/* The same after opening /dev/mcte as root and only then dropping it. */
static int open_then_nobody(void *varg, struct mx_report *rep)
{
	struct open_arg *a = varg;
	int fd = mx_open();
	__u32 h;

	MX_CK(rep, 1, fd >= 0);
	MX_CK(rep, 0, mx_become_nobody());
	MX_CK(rep, -EACCES, mx_seg_open(fd, a->names[MCTE_ACCESS_RW],
					MCTE_ACCESS_READ, &h, NULL, NULL));
	close(fd);
	return 0;
}

struct nobody_seg {
	char name[MCTE_SEG_NAME_MAX];
	int ready[2];	/* child -> parent: registered */
	int done[2];	/* parent -> child: finished */
};

/* As nobody, register a read-write segment and hold it. */
static int reg_as_nobody(void *varg, struct mx_report *rep)
{
	struct nobody_seg *s = varg;
	void *p = mx_alloc(4096);
	__u32 h;
	int fd;

	close(s->ready[0]);
	close(s->done[1]);
	MX_CK(rep, 0, mx_become_nobody());
	fd = mx_open();
	MX_CK(rep, 1, fd >= 0);
	MX_CK(rep, 0, mx_seg_reg1(fd, s->name, p, 4096, MCTE_ACCESS_RW, &h));
	mx_signal_fd(s->ready[1], 'r');
	mx_await_fd(s->done[0]);
	close(fd);
	return 0;
}

TEST_F(seg, other_user)
{
	void *p = mx_alloc(self->page);
	struct mx_report rep = { 0 };
	struct nobody_seg *s;
	struct open_arg a;
	__u32 h[3], oh;
	pid_t pid;

	ASSERT_NE(NULL, p);
	reg_modes(_metadata, self->fd, p, 100, &a, h);
	EXPECT_EQ(0, mx_in_child(open_as_nobody, &a, &rep))
		TH_LOG("%s: got %lld, want %lld (line %d)",
		       rep.what, rep.got, rep.want, rep.line);
	EXPECT_EQ(0, mx_in_child(open_then_nobody, &a, &rep))
		TH_LOG("%s: got %lld, want %lld (line %d)",
		       rep.what, rep.got, rep.want, rep.line);

	/* And nobody's segment is not root's to open either. */
	s = mmap(NULL, sizeof(*s), PROT_READ | PROT_WRITE,
		 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, s);
	mx_name(s->name, sizeof(s->name), "nobody");
	ASSERT_EQ(0, pipe(s->ready));
	ASSERT_EQ(0, pipe(s->done));
	fflush(NULL);
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0)
		_exit(reg_as_nobody(s, &rep));
	close(s->ready[1]);
	close(s->done[0]);
	ASSERT_EQ('r', mx_await_fd(s->ready[0]));
	EXPECT_EQ(-EACCES, mx_seg_open(self->fd, s->name, MCTE_ACCESS_READ,
				       &oh, NULL, NULL));
	/* The name is taken all the same. */
	EXPECT_EQ(-EEXIST, mx_seg_reg1(self->fd, s->name, p, 10,
				       MCTE_ACCESS_NONE, &oh));
	mx_signal_fd(s->done[1], 'd');
	EXPECT_EQ(0, mx_wait_child(pid));
	close(s->ready[0]);
	close(s->done[1]);
	munmap(s, sizeof(*s));
	mx_free(p, self->page);
}

/* RLIMIT_MEMLOCK, as user nobody (no CAP_IPC_LOCK): 16 pages allowed. */
static int memlock_child(void *varg, struct mx_report *rep)
{
	const size_t page = sysconf(_SC_PAGESIZE);
	const struct rlimit rl = { 16 * page, 16 * page };
	char *area = mx_alloc(64 * page);
	char n[5][MCTE_SEG_NAME_MAX];
	long pin0;
	__u32 h[5];
	int fd, i;

	for (i = 0; i < 5; i++)
		mx_name(n[i], sizeof(n[i]), "lock");
	MX_CK(rep, 1, area != NULL);
	MX_CK(rep, 0, setrlimit(RLIMIT_MEMLOCK, &rl));
	MX_CK(rep, 0, mx_become_nobody());
	fd = mx_open();
	MX_CK(rep, 1, fd >= 0);
	pin0 = mx_vmpin_kb();

	MX_CK(rep, -ENOMEM, mx_seg_reg1(fd, n[0], area, 64 * page,
					MCTE_ACCESS_NONE, &h[0]));
	MX_CK(rep, 0, mx_seg_reg1(fd, n[0], area, 8 * page,
				  MCTE_ACCESS_NONE, &h[0]));
	/* Charged like an RDMA registration: to the pinned-page count. */
	MX_CK(rep, pin0 + 8 * page / 1024, mx_vmpin_kb());
	MX_CK(rep, -ENOMEM, mx_seg_reg1(fd, n[1], area + 8 * page, 9 * page,
					MCTE_ACCESS_NONE, &h[1]));
	MX_CK(rep, pin0 + 8 * page / 1024, mx_vmpin_kb());
	/* Exactly up to the limit is fine, one page more is not. */
	MX_CK(rep, 0, mx_seg_reg1(fd, n[1], area + 8 * page, 8 * page,
				  MCTE_ACCESS_NONE, &h[1]));
	MX_CK(rep, -ENOMEM, mx_seg_reg1(fd, n[2], area + 16 * page, 1,
					MCTE_ACCESS_NONE, &h[2]));
	/* Several buffers count together. */
	MX_CK(rep, 0, mx_seg_unreg(fd, h[1]));
	{
		struct mcte_seg_buf b[2] = {
			mx_buf(area + 20 * page, 4 * page),
			mx_buf(area + 30 * page + 1, 4 * page),	/* 5 pages */
		};

		MX_CK(rep, -ENOMEM, mx_seg_reg(fd, n[2], b, 2,
					       MCTE_ACCESS_NONE, &h[2]));
		b[1].addr -= 1;
		MX_CK(rep, 0, mx_seg_reg(fd, n[2], b, 2, MCTE_ACCESS_NONE,
					 &h[2]));
	}
	MX_CK(rep, pin0 + 16 * page / 1024, mx_vmpin_kb());
	/* Unregistering gives the charge back... */
	MX_CK(rep, 0, mx_seg_unreg(fd, h[0]));
	MX_CK(rep, pin0 + 8 * page / 1024, mx_vmpin_kb());
	MX_CK(rep, 0, mx_seg_reg1(fd, n[3], area + 40 * page, 8 * page,
				  MCTE_ACCESS_NONE, &h[3]));
	/* ...and so does closing the file. */
	close(fd);
	MX_CK(rep, pin0, mx_vmpin_kb());
	fd = mx_open();
	MX_CK(rep, 0, mx_seg_reg1(fd, n[4], area, 16 * page,
				  MCTE_ACCESS_NONE, &h[4]));
	close(fd);
	return 0;
}

/* CAP_IPC_LOCK lifts the limit. */
static int memlock_root_child(void *varg, struct mx_report *rep)
{
	const struct rlimit rl = { 4096, 4096 };
	char name[MCTE_SEG_NAME_MAX];
	char *area = mx_alloc(1 << 20);
	__u32 h;
	int fd = mx_open();

	MX_CK(rep, 1, fd >= 0 && area != NULL);
	MX_CK(rep, 0, setrlimit(RLIMIT_MEMLOCK, &rl));
	MX_CK(rep, 0, mx_seg_reg1(fd, mx_name(name, sizeof(name), "cap"),
				  area, 1 << 20, MCTE_ACCESS_NONE, &h));
	close(fd);
	return 0;
}

TEST_F(seg, memlock_limit)
{
	struct mx_report rep = { 0 };

	EXPECT_EQ(0, mx_in_child(memlock_child, NULL, &rep))
		TH_LOG("%s: got %lld, want %lld (line %d)",
		       rep.what, rep.got, rep.want, rep.line);
	EXPECT_EQ(0, mx_in_child(memlock_root_child, NULL, &rep))
		TH_LOG("%s: got %lld, want %lld (line %d)",
		       rep.what, rep.got, rep.want, rep.line);
}

/* Writable pages only: read-only, inaccessible and unmapped are -EFAULT. */
TEST_F(seg, bad_memory)
{
	const size_t page = self->page;
	char name[MCTE_SEG_NAME_MAX];
	struct mcte_seg_buf b[2];
	char *ro, *rw, *hole, *none;
	void *file;
	__u32 h;
	int exe;

	mx_name(name, sizeof(name), "fault");
	ro = mmap(NULL, 2 * page, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS,
		  -1, 0);
	ASSERT_NE(MAP_FAILED, ro);
	EXPECT_EQ(-EFAULT, mx_seg_reg1(self->fd, name, ro, page,
				       MCTE_ACCESS_NONE, &h));
	EXPECT_EQ(-EFAULT, mx_seg_reg1(self->fd, name, ro + 100, 10,
				       MCTE_ACCESS_READ, &h));

	/* Read-write page followed by a read-only one. */
	rw = mmap(NULL, 2 * page, PROT_READ | PROT_WRITE,
		  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, rw);
	ASSERT_EQ(0, mprotect(rw + page, page, PROT_READ));
	EXPECT_EQ(-EFAULT, mx_seg_reg1(self->fd, name, rw + page - 10, 20,
				       MCTE_ACCESS_NONE, &h));
	/* Second buffer bad, first fine: nothing stays registered. */
	b[0] = mx_buf(rw, 100);
	b[1] = mx_buf(ro, 100);
	EXPECT_EQ(-EFAULT, mx_seg_reg(self->fd, name, b, 2, MCTE_ACCESS_NONE,
				      &h));

	/* No access at all. */
	none = mmap(NULL, page, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, none);
	EXPECT_EQ(-EFAULT, mx_seg_reg1(self->fd, name, none, page,
				       MCTE_ACCESS_NONE, &h));

	/* Unmapped, and running from mapped into unmapped. */
	hole = mmap(NULL, 2 * page, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, hole);
	ASSERT_EQ(0, munmap(hole + page, page));
	EXPECT_EQ(-EFAULT, mx_seg_reg1(self->fd, name, hole + page, page,
				       MCTE_ACCESS_NONE, &h));
	EXPECT_EQ(-EFAULT, mx_seg_reg1(self->fd, name, hole + page - 1, 2,
				       MCTE_ACCESS_NONE, &h));
	EXPECT_EQ(-EFAULT, mx_seg_reg1(self->fd, name, NULL, page,
				       MCTE_ACCESS_NONE, &h));
	EXPECT_EQ(-EFAULT, mx_seg_reg1(self->fd, name,
				       (void *)0xffff888000000000UL, page,
				       MCTE_ACCESS_NONE, &h));

	/* A read-only file mapping. */
	exe = open("/proc/self/exe", O_RDONLY);
	ASSERT_LE(0, exe);
	file = mmap(NULL, page, PROT_READ, MAP_SHARED, exe, 0);
	ASSERT_NE(MAP_FAILED, file);
	EXPECT_EQ(-EFAULT, mx_seg_reg1(self->fd, name, file, page,
				       MCTE_ACCESS_READ, &h));
	munmap(file, page);
	close(exe);

	/* Nothing of the above registered anything. */
	ASSERT_EQ(0, mx_seg_reg1(self->fd, name, rw, page, MCTE_ACCESS_NONE,
				 &h));
	EXPECT_EQ(0, mx_seg_unreg(self->fd, h));
	munmap(ro, 2 * page);
	munmap(rw, 2 * page);
	munmap(none, page);
	munmap(hole, page);
}

TEST_F(seg, reserved_fields)
{
	struct mcte_seg_buf b;
	struct mcte_seg_reg r;
	struct mcte_seg_open o;
	char name[MCTE_SEG_NAME_MAX];
	void *p = mx_alloc(self->page);
	__u32 h;
	int i, fd2;

	ASSERT_NE(NULL, p);
	mx_name(name, sizeof(name), "resv");
	b = mx_buf(p, 100);
	for (i = 0; i < 2; i++) {
		memset(&r, 0, sizeof(r));
		strcpy(r.name, name);
		r.bufs = (uintptr_t)&b;
		r.nr_bufs = 1;
		r.access = MCTE_ACCESS_READ;
		r.resv[i] = 1ULL << (i * 40);
		EXPECT_EQ(-EINVAL, mx_ioctl(self->fd, MCTE_IOC_SEG_REG, &r));
	}
	/* handle is an output: whatever comes in is ignored. */
	memset(&r, 0, sizeof(r));
	strcpy(r.name, name);
	r.bufs = (uintptr_t)&b;
	r.nr_bufs = 1;
	r.access = MCTE_ACCESS_READ;
	r.handle = 0xdeadbeef;
	ASSERT_EQ(0, mx_ioctl(self->fd, MCTE_IOC_SEG_REG, &r));
	EXPECT_NE(0, r.handle);
	EXPECT_NE(0xdeadbeef, r.handle);
	h = r.handle;

	fd2 = mx_open();
	for (i = 0; i < 3; i++) {
		memset(&o, 0, sizeof(o));
		strcpy(o.name, name);
		o.access = MCTE_ACCESS_READ;
		if (i == 0)
			o.align = 1;
		else
			o.resv[i - 1] = 1;
		EXPECT_EQ(-EINVAL, mx_ioctl(fd2, MCTE_IOC_SEG_OPEN, &o))
			TH_LOG("resv %d", i);
	}
	memset(&o, 0xff, sizeof(o));
	memset(o.name, 0, sizeof(o.name));
	strcpy(o.name, name);
	o.access = MCTE_ACCESS_READ;
	o.align = 0;
	o.resv[0] = o.resv[1] = 0;
	ASSERT_EQ(0, mx_ioctl(fd2, MCTE_IOC_SEG_OPEN, &o));
	EXPECT_EQ(100, o.size);
	EXPECT_EQ(1, o.nr_bufs);
	/* Host memory takes requests at any byte. */
	EXPECT_EQ(1, o.align);
	close(fd2);
	EXPECT_EQ(0, mx_seg_unreg(self->fd, h));
	mx_free(p, self->page);
}

/* Handles: non-zero, distinct, this file's only, of the right kind. */
TEST_F(seg, handles)
{
	enum { N = 256 };
	char name[MCTE_SEG_NAME_MAX], oname[MCTE_SEG_NAME_MAX];
	char *area = mx_alloc(N * 64);
	__u32 h[N], oh;
	int i, j, fd2;

	ASSERT_NE(NULL, area);
	for (i = 0; i < N; i++) {
		ASSERT_EQ(0, mx_seg_reg1(self->fd,
					 mx_name(name, sizeof(name), "h"),
					 area + i * 64, 64, MCTE_ACCESS_READ,
					 &h[i]));
		ASSERT_NE(0, h[i]);
		for (j = 0; j < i; j++)
			ASSERT_NE(h[j], h[i]);
	}
	strcpy(oname, name);

	/* Never handles: 0 and numbers nobody got. */
	EXPECT_EQ(-EBADF, mx_seg_unreg(self->fd, 0));
	EXPECT_EQ(-EBADF, mx_seg_unreg(self->fd, 0xffffffffU));
	EXPECT_EQ(-EBADF, mx_seg_close(self->fd, 0));

	/* Another file's handles are not this file's. */
	fd2 = mx_open();
	ASSERT_LE(0, fd2);
	for (i = 0; i < N; i += 17) {
		EXPECT_EQ(-EBADF, mx_seg_unreg(fd2, h[i]));
		EXPECT_EQ(-EBADF, mx_seg_close(fd2, h[i]));
	}
	/* An opened handle is not a registered one, and the reverse. */
	ASSERT_EQ(0, mx_seg_open(fd2, oname, MCTE_ACCESS_READ, &oh, NULL,
				 NULL));
	EXPECT_EQ(-EBADF, mx_seg_unreg(fd2, oh));
	EXPECT_EQ(-EBADF, mx_seg_close(self->fd, h[N - 1]));

	/* The owner unregisters: the opened handle can still be closed. */
	for (i = 0; i < N; i++)
		ASSERT_EQ(0, mx_seg_unreg(self->fd, h[i]));
	EXPECT_EQ(-ENOENT, mx_seg_open(fd2, oname, MCTE_ACCESS_READ, &oh,
				       NULL, NULL));
	EXPECT_EQ(0, mx_seg_close(fd2, oh));
	EXPECT_EQ(-EBADF, mx_seg_close(fd2, oh));
	close(fd2);
	mx_free(area, N * 64);
}

/* Segments and opened handles go with the file, names become free. */
TEST_F(seg, close_releases)
{
	enum { N = 64 };
	char names[N][MCTE_SEG_NAME_MAX];
	char *area = mx_alloc(N * self->page);
	__u32 h;
	int i, fd2, fd3;

	ASSERT_NE(NULL, area);
	fd2 = mx_open();
	fd3 = mx_open();
	ASSERT_LE(0, fd2);
	ASSERT_LE(0, fd3);
	for (i = 0; i < N; i++) {
		mx_name(names[i], sizeof(names[i]), "cl");
		ASSERT_EQ(0, mx_seg_reg1(fd2, names[i], area + i * self->page,
					 self->page, MCTE_ACCESS_RW, &h));
		ASSERT_EQ(0, mx_seg_open(fd3, names[i], MCTE_ACCESS_RW, &h,
					 NULL, NULL));
	}
	/* The opener goes first, then the owner. */
	close(fd3);
	close(fd2);
	for (i = 0; i < N; i++) {
		EXPECT_EQ(-ENOENT, mx_seg_open(self->fd, names[i],
					       MCTE_ACCESS_READ, &h, NULL,
					       NULL));
		ASSERT_EQ(0, mx_seg_reg1(self->fd, names[i],
					 area + i * self->page, self->page,
					 MCTE_ACCESS_RW, &h));
	}
	mx_free(area, N * self->page);
}

/*
 * An argument the module can read but not write back: -EFAULT, and
 * nothing happened (no segment, no handle that would keep pages pinned).
 */
static int ro_args_child(void *varg, struct mx_report *rep)
{
	const size_t page = sysconf(_SC_PAGESIZE);
	char *p = mx_alloc(4 * page);
	char *ro = mmap(NULL, page, PROT_READ | PROT_WRITE,
			MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	struct mcte_seg_buf b = mx_buf(p, 4 * page);
	struct mcte_seg_reg *r = (void *)ro;
	struct mcte_seg_open *o = (void *)ro;
	char name[MCTE_SEG_NAME_MAX];
	int fd = mx_open(), fd2 = mx_open();
	long pin0;
	__u32 h;

	MX_CK(rep, 1, p && ro != MAP_FAILED && fd >= 0 && fd2 >= 0);
	MX_CK(rep, 0, mx_become_nobody());
	pin0 = mx_vmpin_kb();
	mx_name(name, sizeof(name), "ro");
	memset(r, 0, sizeof(*r));
	strcpy(r->name, name);
	r->bufs = (uintptr_t)&b;
	r->nr_bufs = 1;
	r->access = MCTE_ACCESS_READ;
	MX_CK(rep, 0, mprotect(ro, page, PROT_READ));
	MX_CK(rep, -EFAULT, mx_ioctl(fd, MCTE_IOC_SEG_REG, r));
	MX_CK(rep, pin0, mx_vmpin_kb());
	MX_CK(rep, -ENOENT, mx_seg_open(fd2, name, MCTE_ACCESS_READ, &h, NULL,
					NULL));

	/* Registered for real; an open whose answer cannot be written. */
	MX_CK(rep, 0, mx_seg_reg1(fd, name, p, 4 * page, MCTE_ACCESS_READ, &h));
	MX_CK(rep, 0, mprotect(ro, page, PROT_READ | PROT_WRITE));
	memset(o, 0, sizeof(*o));
	strcpy(o->name, name);
	o->access = MCTE_ACCESS_READ;
	MX_CK(rep, 0, mprotect(ro, page, PROT_READ));
	MX_CK(rep, -EFAULT, mx_ioctl(fd2, MCTE_IOC_SEG_OPEN, o));
	/* No handle was left behind holding the segment's pages. */
	MX_CK(rep, 0, mx_seg_unreg(fd, h));
	MX_CK(rep, pin0, mx_vmpin_kb());
	close(fd);
	close(fd2);
	return 0;
}

TEST_F(seg, readonly_args)
{
	struct mx_report rep = { 0 };

	EXPECT_EQ(0, mx_in_child(ro_args_child, NULL, &rep))
		TH_LOG("%s: got %lld, want %lld (line %d)",
		       rep.what, rep.got, rep.want, rep.line);
}

/* In another network namespace: another engine, other names. */
static int other_netns(void *varg, struct mx_report *rep)
{
	const char *name = varg;
	void *p = mx_alloc(4096);
	__u32 h;
	int fd;

	MX_CK(rep, 0, unshare(CLONE_NEWNET));
	fd = mx_open();
	MX_CK(rep, 1, fd >= 0);
	MX_CK(rep, -ENOENT, mx_seg_open(fd, name, MCTE_ACCESS_READ, &h, NULL,
					NULL));
	MX_CK(rep, 0, mx_seg_reg1(fd, name, p, 4096, MCTE_ACCESS_RW, &h));
	close(fd);
	return 0;
}

TEST_F(seg, netns_names)
{
	char name[MCTE_SEG_NAME_MAX];
	struct mx_report rep = { 0 };
	void *p = mx_alloc(self->page);
	__u32 h;

	ASSERT_NE(NULL, p);
	mx_name(name, sizeof(name), "ns");
	ASSERT_EQ(0, mx_seg_reg1(self->fd, name, p, 100, MCTE_ACCESS_RW, &h));
	EXPECT_EQ(0, mx_in_child(other_netns, name, &rep))
		TH_LOG("%s: got %lld, want %lld (line %d)",
		       rep.what, rep.got, rep.want, rep.line);
	EXPECT_EQ(0, mx_seg_unreg(self->fd, h));
	mx_free(p, self->page);
}

/* What seg-get reports about a segment (netlink, no tools involved). */
TEST_F(seg, netlink_seg_get)
{
	char name[MCTE_SEG_NAME_MAX];
	char *area = mx_alloc(4 * self->page);
	struct mcte_seg_buf b[3];
	struct mx_nl_attrs a;
	__u32 h;
	int ret;

	ASSERT_NE(NULL, area);
	b[0] = mx_buf(area + 1, 4000);
	b[1] = mx_buf(area + self->page, 1);
	b[2] = mx_buf(area + 2 * self->page + 7, 6000);
	mx_name(name, sizeof(name), "nl");
	ASSERT_EQ(0, mx_seg_reg(self->fd, name, b, 3, MCTE_ACCESS_READ, &h));
	ret = mx_nl_seg(name, &a);
	if (ret == -EOPNOTSUPP)
		SKIP(goto out, "no seg-get in the netlink family yet");
	ASSERT_EQ(0, ret);
	EXPECT_STREQ(name, a.str);
	EXPECT_EQ(getpid(), a.val[MCTE_A_SEG_OWNER_PID]);
	EXPECT_EQ(getuid(), a.val[MCTE_A_SEG_OWNER_UID]);
	EXPECT_EQ(MCTE_SEG_HOST, a.val[MCTE_A_SEG_KIND]);
	EXPECT_TRUE(a.present & (1U << MCTE_A_SEG_KIND));
	EXPECT_EQ(MCTE_ACCESS_READ, a.val[MCTE_A_SEG_ACCESS]);
	EXPECT_EQ(3, a.val[MCTE_A_SEG_NR_BUFS]);
	EXPECT_EQ(10001, a.val[MCTE_A_SEG_SIZE]);
	EXPECT_EQ(0, a.val[MCTE_A_SEG_INFLIGHT]);
	EXPECT_TRUE(a.present & (1U << MCTE_A_SEG_INFLIGHT));
	ASSERT_EQ(3, a.nr_nested);
	EXPECT_EQ(4000, a.nested_u64[0]);
	EXPECT_EQ(1, a.nested_u64[1]);
	EXPECT_EQ(6000, a.nested_u64[2]);
	ASSERT_EQ(0, mx_seg_unreg(self->fd, h));
	EXPECT_EQ(-ENOENT, mx_nl_seg(name, &a));
	return;
out:
	mx_seg_unreg(self->fd, h);
	mx_free(area, 4 * self->page);
}

/* The next event about segment @name: its command, or -ETIME. */
static int event_for(int fd, const char *name, struct mx_nl_attrs *a)
{
	uint8_t cmd;

	for (;;) {
		int ret = mx_nl_event(fd, 5000, &cmd, a);

		if (ret)
			return ret;
		if ((cmd == MCTE_CMD_SEG_ADD_NTF || cmd == MCTE_CMD_SEG_DEL_NTF) &&
		    !strcmp(a->str, name))
			return cmd;
	}
}

static int reg_and_wait(void *varg, struct mx_report *rep)
{
	const char *name = varg;
	void *p = mx_alloc(8192);
	int fd = mx_open();
	__u32 h;

	MX_CK(rep, 0, mx_seg_reg1(fd, name, p, 8192, MCTE_ACCESS_RW, &h));
	pause();
	return 0;
}

/* Segments come and go on the events group, also when the owner dies. */
TEST_F(seg, netlink_events)
{
	char name[MCTE_SEG_NAME_MAX], name2[MCTE_SEG_NAME_MAX];
	void *p = mx_alloc(self->page);
	struct mx_nl_attrs a;
	struct mx_report rep;
	int ev, i;
	pid_t pid;
	__u32 h;

	ASSERT_NE(NULL, p);
	ev = mx_nl_events_open();
	ASSERT_LE(0, ev);
	mx_name(name, sizeof(name), "ev");
	ASSERT_EQ(0, mx_seg_reg1(self->fd, name, p, 1000, MCTE_ACCESS_READ, &h));
	ASSERT_EQ(MCTE_CMD_SEG_ADD_NTF, event_for(ev, name, &a));
	EXPECT_EQ(getpid(), a.val[MCTE_A_SEG_OWNER_PID]);
	EXPECT_EQ(1000, a.val[MCTE_A_SEG_SIZE]);
	EXPECT_EQ(MCTE_ACCESS_READ, a.val[MCTE_A_SEG_ACCESS]);
	ASSERT_EQ(0, mx_seg_unreg(self->fd, h));
	EXPECT_EQ(MCTE_CMD_SEG_DEL_NTF, event_for(ev, name, &a));

	/* The owner killed: the segment goes, and says so. */
	mx_name(name2, sizeof(name2), "evk");
	fflush(NULL);
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0)
		_exit(reg_and_wait(name2, &rep));
	ASSERT_EQ(MCTE_CMD_SEG_ADD_NTF, event_for(ev, name2, &a));
	EXPECT_EQ(pid, a.val[MCTE_A_SEG_OWNER_PID]);
	EXPECT_EQ(8192, a.val[MCTE_A_SEG_SIZE]);
	kill(pid, SIGKILL);
	EXPECT_EQ(128 + SIGKILL, mx_wait_child(pid));
	EXPECT_EQ(MCTE_CMD_SEG_DEL_NTF, event_for(ev, name2, &a));
	/* Closing a file with several: one event each. */
	for (i = 0; i < 3; i++) {
		int fd = mx_open();

		mx_name(name, sizeof(name), "evc");
		ASSERT_EQ(0, mx_seg_reg1(fd, name, p, 10, MCTE_ACCESS_NONE, &h));
		EXPECT_EQ(MCTE_CMD_SEG_ADD_NTF, event_for(ev, name, &a));
		close(fd);
		EXPECT_EQ(MCTE_CMD_SEG_DEL_NTF, event_for(ev, name, &a));
	}
	close(ev);
	mx_free(p, self->page);
}

TEST_HARNESS_MAIN
