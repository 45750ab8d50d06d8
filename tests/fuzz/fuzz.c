// SPDX-License-Identifier: GPL-2.0
/*
 * Random ioctls and io_uring commands on /dev/mcte: at least 100,000
 * operations (MCTE_FUZZ_OPS) from a seeded PRNG (MCTE_FUZZ_SEED; the seed
 * is printed so that a failure can be replayed), with struct contents
 * biased toward edge values (0, 1, -1, huge, one past the end), handles and
 * batch ids from the live ones, other files' and made-up ones, and random
 * ioctl numbers of the 0xE8 magic.
 *
 * Checked on the way: every error is one the ABI documents, outputs are
 * sane (handles and ids non-zero, submitted 0 or nr, CQE results within
 * the request's length). Checked at the end, with every file closed: the
 * module's references, the engine's segment and batch counts and this
 * process's pinned pages are back where they were. The runner adds the
 * kernel log (no WARNING/BUG) and the module unload, whose slab cache
 * destruction reports transfers that leaked.
 */
#define MX_WITH_URING
#include <pthread.h>
#include <stdarg.h>

#include "kselftest_harness.h"
#include "mcte_test.h"
#include "mcte_xfer.h"
#include "mcte_nl.h"

#define NR_FDS		3
#define MAX_SEGS	24	/* live per file before some are dropped */
#define MAX_BATCHES	24
#define MEM_SIZE	(4 << 20)
#define NAME_POOL	48

struct ffile {
	int fd;
	__u32 h[64];		/* registered and opened handles */
	bool owned[64];		/* h[i] was registered, not opened */
	unsigned int nh;
	__u32 b[64];		/* batch ids */
	unsigned int nb;
};

struct fz {
	unsigned int idx;	/* thread */
	unsigned long target;	/* operations to do */
	pthread_t th;
	struct mx_rng rng;
	struct ffile f[NR_FDS];
	unsigned char *mem;	/* read-write */
	unsigned char *ro;	/* read-only page */
	unsigned char *hole;	/* inaccessible page */
	struct io_uring ring;
	struct io_uring small;	/* 64-byte SQEs */
	unsigned long ops, ok, err;
	unsigned long by_kind[16];
	unsigned long errnos[150];
	unsigned long cqes;
	bool have_uring;
	char bad[256];		/* first invariant broken */
};

static void broke(struct fz *z, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void broke(struct fz *z, const char *fmt, ...)
{
	va_list ap;

	if (z->bad[0])
		return;
	va_start(ap, fmt);
	vsnprintf(z->bad, sizeof(z->bad), fmt, ap);
	va_end(ap);
}

static uint64_t r64(struct fz *z)
{
	return mx_rand64(&z->rng);
}

static uint64_t rb(struct fz *z, uint64_t n)
{
	return mx_rand_below(&z->rng, n);
}

static bool chance(struct fz *z, unsigned int percent)
{
	return rb(z, 100) < percent;
}

/* A 64-bit value biased toward the edges around @near. */
static uint64_t edge64(struct fz *z, uint64_t near)
{
	switch (rb(z, 12)) {
	case 0: return 0;
	case 1: return 1;
	case 2: return ~0ULL;
	case 3: return near;
	case 4: return near - 1;
	case 5: return near + 1;
	case 6: return 1ULL << rb(z, 64);
	case 7: return (1ULL << rb(z, 64)) - 1;
	case 8: return 0x7fffffff + rb(z, 3);
	case 9: return r64(z);
	default: return rb(z, near + 2);
	}
}

static __u32 edge32(struct fz *z, __u32 near)
{
	switch (rb(z, 8)) {
	case 0: return 0;
	case 1: return 1;
	case 2: return ~0U;
	case 3: return near;
	case 4: return near + 1;
	case 5: return 0x80000000U;
	case 6: return r64(z);
	default: return rb(z, near + 2);
	}
}

/* A user pointer: mostly into our memory, sometimes not. */
static uint64_t uptr(struct fz *z, size_t need)
{
	switch (rb(z, 20)) {
	case 0: return 0;
	case 1: return (uintptr_t)z->ro;
	case 2: return (uintptr_t)z->hole;
	case 3: return 0xffff888000000000ULL;
	case 4: return (uintptr_t)z->mem + MEM_SIZE - need / 2;
	case 5: return r64(z);
	default: return (uintptr_t)z->mem + rb(z, MEM_SIZE - need);
	}
}

static struct ffile *pick_file(struct fz *z)
{
	return &z->f[rb(z, NR_FDS)];
}

/* A handle: one of this file's, another file's, or made up. */
static __u32 pick_handle(struct fz *z, struct ffile *f)
{
	struct ffile *o;

	switch (rb(z, 10)) {
	case 0: return edge32(z, 64);
	case 1:
		o = pick_file(z);
		return o->nh ? o->h[rb(z, o->nh)] : 0;
	default:
		return f->nh ? f->h[rb(z, f->nh)] : edge32(z, 8);
	}
}

static __u32 pick_batch(struct fz *z, struct ffile *f)
{
	struct ffile *o;

	switch (rb(z, 10)) {
	case 0: return edge32(z, 64);
	case 1:
		o = pick_file(z);
		return o->nb ? o->b[rb(z, o->nb)] : 0;
	default:
		return f->nb ? f->b[rb(z, f->nb)] : edge32(z, 8);
	}
}

static void pick_name(struct fz *z, char *name, size_t len)
{
	unsigned int i, n;

	switch (rb(z, 10)) {
	case 0:
		/* Garbage, possibly without a NUL or with bad characters. */
		n = rb(z, len);
		for (i = 0; i < n; i++)
			name[i] = 1 + rb(z, 255);
		name[n] = 0;
		break;
	case 1:
		memset(name, 'a', len - 1);
		name[len - 1] = 0;
		break;
	case 2:
		name[0] = 0;
		break;
	default:
		snprintf(name, len, "fz%d.%u", getpid(),
			 (unsigned int)rb(z, NAME_POOL));
	}
}

/* Every errno the ABI gives out. */
static bool errno_known(int e)
{
	switch (e) {
	case EINVAL: case E2BIG: case ENOENT: case ENOSPC: case EBADF:
	case ENODEV: case EACCES: case ERANGE: case EFAULT: case ENOTTY:
	case EEXIST: case ENOMEM: case EBUSY: case ETIME: case EINTR:
	/* Kinds of segments, remote names: not implemented yet. */
	case EOPNOTSUPP:
	/* Block segments: an fd that is no block device; a read-only one. */
	case ENOTBLK: case EROFS:
		return true;
	}
	return false;
}

/* How a request may end: its errors and the ends of its states. */
static bool res_known(int e)
{
	return errno_known(e) || e == ETIMEDOUT || e == ECANCELED;
}

static void count(struct fz *z, int kind, int ret, const char *what)
{
	z->ops++;
	z->by_kind[kind]++;
	if (!ret) {
		z->ok++;
		return;
	}
	z->err++;
	if (-ret > 0 && -ret < 150)
		z->errnos[-ret]++;
	if (!errno_known(-ret))
		broke(z, "%s: undocumented error %d", what, ret);
}

static void drop_handle(struct ffile *f, unsigned int i)
{
	f->nh--;
	f->h[i] = f->h[f->nh];
	f->owned[i] = f->owned[f->nh];
}

static void drop_batch(struct ffile *f, unsigned int i)
{
	f->b[i] = f->b[--f->nb];
}

static void add_handle(struct fz *z, struct ffile *f, __u32 h, bool owned,
		       const char *w)
{
	if (!h)
		broke(z, "%s: handle 0", w);
	if (f->nh < MX_ARRAY_SIZE(f->h)) {
		f->owned[f->nh] = owned;
		f->h[f->nh++] = h;
	}
}

/* ---- the operations ---------------------------------------------- */

static void op_seg_reg(struct fz *z, struct ffile *f)
{
	struct mcte_seg_buf bufs[4];
	struct mcte_seg_reg r;
	unsigned int i, n = 1 + rb(z, 4);
	int ret;

	if (f->nh >= MAX_SEGS) {
		i = rb(z, f->nh);
		mx_seg_unreg(f->fd, f->h[i]);
		mx_seg_close(f->fd, f->h[i]);
		drop_handle(f, i);
	}
	memset(&r, 0, sizeof(r));
	pick_name(z, r.name, sizeof(r.name));
	for (i = 0; i < n; i++) {
		uint64_t len = chance(z, 80) ? 1 + rb(z, 65536) : edge64(z, 65536);

		bufs[i].addr = chance(z, 85) ?
			(uintptr_t)z->mem + rb(z, MEM_SIZE - 65536) :
			uptr(z, 4096);
		bufs[i].len = len;
		bufs[i].fd = chance(z, 95) ? -1 : (int)edge32(z, 3);
		bufs[i].resv = chance(z, 97) ? 0 : edge32(z, 1);
	}
	r.bufs = chance(z, 95) ? (uintptr_t)bufs : uptr(z, sizeof(bufs));
	r.nr_bufs = chance(z, 95) ? n : edge32(z, MCTE_SEG_BUFS_MAX);
	if (r.nr_bufs > n && r.bufs == (uintptr_t)bufs)
		r.nr_bufs = n;	/* never let the module read our stack */
	r.kind = chance(z, 95) ? MCTE_SEG_HOST : edge32(z, 2);
	r.access = chance(z, 90) ? rb(z, 3) : edge32(z, 2);
	r.handle = r64(z);
	if (chance(z, 3))
		r.resv[rb(z, 2)] = edge64(z, 1);
	ret = mx_ioctl(f->fd, MCTE_IOC_SEG_REG, &r);
	count(z, 0, ret, "SEG_REG");
	if (!ret)
		add_handle(z, f, r.handle, true, "SEG_REG");
}

static void op_seg_unreg(struct fz *z, struct ffile *f)
{
	__u32 h = pick_handle(z, f);
	int ret = mx_seg_unreg(f->fd, h);
	unsigned int i;

	count(z, 1, ret, "SEG_UNREG");
	for (i = 0; !ret && i < f->nh; i++)
		if (f->h[i] == h) {
			drop_handle(f, i);
			break;
		}
}

static void op_seg_open(struct fz *z, struct ffile *f)
{
	struct mcte_seg_open o;
	int ret;

	if (f->nh >= MAX_SEGS) {
		op_seg_unreg(z, f);
		return;
	}
	memset(&o, 0, sizeof(o));
	if (chance(z, 5)) {
		unsigned int i;

		for (i = 0; i < sizeof(o.name); i++)
			o.name[i] = 1 + rb(z, 255);
	} else {
		pick_name(z, o.name, MCTE_SEG_NAME_MAX);
	}
	o.access = chance(z, 90) ? rb(z, 3) : edge32(z, 2);
	o.handle = r64(z);
	o.size = r64(z);
	if (chance(z, 3))
		o.align = 1;
	if (chance(z, 3))
		o.resv[rb(z, 2)] = edge64(z, 1);
	ret = mx_ioctl(f->fd, MCTE_IOC_SEG_OPEN, &o);
	count(z, 2, ret, "SEG_OPEN");
	if (!ret)
		add_handle(z, f, o.handle, false, "SEG_OPEN");
}

static void op_seg_close(struct fz *z, struct ffile *f)
{
	__u32 h = pick_handle(z, f);
	int ret = mx_seg_close(f->fd, h);
	unsigned int i;

	count(z, 3, ret, "SEG_CLOSE");
	for (i = 0; !ret && i < f->nh; i++)
		if (f->h[i] == h) {
			drop_handle(f, i);
			break;
		}
}

static void op_batch_alloc(struct fz *z, struct ffile *f)
{
	struct mcte_batch_alloc a = { 0 };
	int ret;

	if (f->nb >= MAX_BATCHES) {
		unsigned int i = rb(z, f->nb);

		mx_batch_cancel(f->fd, f->b[i]);
		if (!mx_batch_free(f->fd, f->b[i]))
			drop_batch(f, i);
		return;
	}
	a.capacity = chance(z, 80) ? 1 + rb(z, 64) : edge32(z, MCTE_BATCH_MAX);
	a.batch_id = r64(z);
	if (chance(z, 3))
		a.resv = edge64(z, 1);
	ret = mx_ioctl(f->fd, MCTE_IOC_BATCH_ALLOC, &a);
	count(z, 4, ret, "BATCH_ALLOC");
	if (!ret) {
		if (!a.batch_id)
			broke(z, "BATCH_ALLOC: id 0");
		if (f->nb < MX_ARRAY_SIZE(f->b))
			f->b[f->nb++] = a.batch_id;
	}
}

static void op_batch_free(struct fz *z, struct ffile *f)
{
	__u32 id = pick_batch(z, f);
	int ret = mx_batch_free(f->fd, id);
	unsigned int i;

	count(z, 5, ret, "BATCH_FREE");
	for (i = 0; !ret && i < f->nb; i++)
		if (f->b[i] == id) {
			drop_batch(f, i);
			break;
		}
}

static void op_batch_cancel(struct fz *z, struct ffile *f)
{
	count(z, 6, mx_batch_cancel(f->fd, pick_batch(z, f)), "BATCH_CANCEL");
}

/* A registered handle of @f, if it has one. */
static __u32 pick_owned(struct fz *z, struct ffile *f)
{
	unsigned int i, n = f->nh ? rb(z, f->nh) : 0;

	for (i = 0; i < f->nh; i++, n = (n + 1) % f->nh)
		if (f->owned[n])
			return f->h[n];
	return pick_handle(z, f);
}

static void rand_req(struct fz *z, struct ffile *f, struct mcte_xfer_req *r)
{
	memset(r, 0, sizeof(*r));
	if (chance(z, 50)) {
		/* Likely to be accepted, so that transfers do happen. */
		r->opcode = rb(z, 2);
		r->local_seg = pick_owned(z, f);
		r->target_seg = chance(z, 60) ? pick_owned(z, f) :
				f->nh ? f->h[rb(z, f->nh)] : 0;
		r->local_off = rb(z, 512);
		r->target_off = rb(z, 512);
		r->length = 1 + rb(z, chance(z, 90) ? 512 : 65536);
		r->user_data = r64(z);
		r->batch_id = f->nb ? f->b[rb(z, f->nb)] : 0;
		r->timeout_ms = chance(z, 95) ? 0 : 1 + rb(z, 3);
		return;
	}
	r->opcode = chance(z, 95) ? rb(z, 2) : edge32(z, 2);
	r->flags = chance(z, 97) ? 0 : 1 << rb(z, 8);
	r->local_seg = pick_handle(z, f);
	r->target_seg = pick_handle(z, f);
	r->local_off = chance(z, 70) ? rb(z, 65536) : edge64(z, 65536);
	r->target_off = chance(z, 70) ? rb(z, 65536) : edge64(z, 65536);
	r->length = chance(z, 70) ? 1 + rb(z, 32768) :
		    edge64(z, chance(z, 50) ? 65536 : MCTE_XFER_MAX);
	r->user_data = r64(z);
	r->batch_id = pick_batch(z, f);
	r->timeout_ms = chance(z, 90) ? 0 : edge32(z, 5);
	if (chance(z, 2))
		r->resv0 = 1;
	if (chance(z, 2))
		r->resv1 = 1;
	if (chance(z, 2))
		r->resv2 = edge64(z, 1);
}

static void op_submit(struct fz *z, struct ffile *f)
{
	struct mcte_xfer_req reqs[8];
	struct mcte_batch_submit s = { 0 };
	unsigned int i, n = 1 + rb(z, 8);
	int ret;

	for (i = 0; i < n; i++)
		rand_req(z, f, &reqs[i]);
	s.reqs = chance(z, 97) ? (uintptr_t)reqs : uptr(z, sizeof(reqs));
	s.nr = n;
	if (chance(z, 3))
		s.nr = chance(z, 50) ? 0 : edge32(z, MCTE_BATCH_MAX);
	if (s.reqs == (uintptr_t)reqs && s.nr > n)
		s.nr = n;
	if (chance(z, 2))
		s.resv = 1;
	s.submitted = r64(z);
	s.error_index = r64(z);
	ret = mx_ioctl(f->fd, MCTE_IOC_BATCH_SUBMIT, &s);
	count(z, 7, ret, "BATCH_SUBMIT");
	if (!ret && s.submitted != s.nr)
		broke(z, "BATCH_SUBMIT: ok with submitted %u of %u",
		      s.submitted, s.nr);
	if (ret && ret != -EFAULT && s.submitted != 0)
		broke(z, "BATCH_SUBMIT: %d with submitted %u", ret, s.submitted);
	if (ret && ret != -EFAULT && s.error_index > s.nr)
		broke(z, "BATCH_SUBMIT: %d with error_index %u of %u", ret,
		      s.error_index, s.nr);
}

static void op_status(struct fz *z, struct ffile *f)
{
	struct mcte_xfer_status st[16];
	struct mcte_batch_status s = { 0 };
	unsigned int i, room;
	int ret;

	s.batch_id = pick_batch(z, f);
	s.nr = chance(z, 80) ? rb(z, 17) : edge32(z, 16);
	s.status = chance(z, 10) ? 0 :
		   chance(z, 90) ? (uintptr_t)st : uptr(z, sizeof(st));
	if (s.status == (uintptr_t)st && s.nr > 16)
		s.nr = 16;
	if (chance(z, 2))
		s.resv0 = 1;
	if (chance(z, 2))
		s.resv = 1;
	room = s.status == (uintptr_t)st ? s.nr : 0;
	memset(st, 0, sizeof(st));
	ret = mx_ioctl(f->fd, MCTE_IOC_BATCH_STATUS, &s);
	count(z, 8, ret, "BATCH_STATUS");
	if (ret)
		return;
	if (s.state > MCTE_XFER_CANCELED)
		broke(z, "BATCH_STATUS: state %u", s.state);
	for (i = 0; i < room && i < s.nr; i++)
		if (st[i].state > MCTE_XFER_CANCELED || st[i].res > 0)
			broke(z, "BATCH_STATUS: request %u state %u res %d",
			      i, st[i].state, st[i].res);
}

static void op_reap(struct fz *z, struct ffile *f)
{
	struct mcte_cqe c[64];
	struct mcte_reap r = { 0 };
	unsigned int i;
	int ret;

	r.nr = chance(z, 90) ? rb(z, 65) : edge32(z, 64);
	r.cqes = chance(z, 93) ? (uintptr_t)c : uptr(z, sizeof(c));
	if (r.cqes == (uintptr_t)c && r.nr > 64)
		r.nr = 64;
	r.min_nr = chance(z, 70) ? 0 : rb(z, 3);
	/* Never wait forever: 0 means no timeout. */
	r.timeout_ms = 1 + rb(z, 2);
	if (chance(z, 2))
		r.resv = 1;
	ret = mx_ioctl(f->fd, MCTE_IOC_REAP, &r);
	count(z, 9, ret, "REAP");
	if (ret)
		return;
	z->cqes += r.nr;
	for (i = 0; r.cqes == (uintptr_t)c && i < r.nr && i < 64; i++)
		if (c[i].state < MCTE_XFER_COMPLETED ||
		    c[i].state > MCTE_XFER_CANCELED ||
		    (c[i].state == MCTE_XFER_COMPLETED && c[i].res <= 0) ||
		    (c[i].state != MCTE_XFER_COMPLETED && c[i].res >= 0))
			broke(z, "REAP: cqe state %u res %lld", c[i].state,
			      (long long)c[i].res);
}

/* A random ioctl number of our magic, random contents. */
static void op_random_ioctl(struct fz *z, struct ffile *f)
{
	static const unsigned int dirs[] = {
		_IOC_NONE, _IOC_READ, _IOC_WRITE, _IOC_READ | _IOC_WRITE,
	};
	static const unsigned long known[] = {
		MCTE_IOC_VERSION, MCTE_IOC_SEG_REG, MCTE_IOC_SEG_UNREG,
		MCTE_IOC_SEG_OPEN, MCTE_IOC_SEG_CLOSE, MCTE_IOC_BATCH_ALLOC,
		MCTE_IOC_BATCH_FREE, MCTE_IOC_BATCH_SUBMIT,
		MCTE_IOC_BATCH_STATUS, MCTE_IOC_BATCH_CANCEL, MCTE_IOC_REAP,
	};
	/* Scratch of this thread's own: a REAP must keep its timeout. */
	unsigned char *buf = z->mem + MEM_SIZE - 4096 * (z->idx + 1);
	unsigned long cmd;
	uint64_t arg;
	unsigned int i;
	int ret;

	if (chance(z, 40))
		cmd = known[rb(z, MX_ARRAY_SIZE(known))];
	else
		cmd = _IOC(dirs[rb(z, 4)], MCTE_IOC_MAGIC,
			   chance(z, 50) ? rb(z, 0x30) : rb(z, 256),
			   chance(z, 50) ? rb(z, 512) : edge32(z, 300) & 0x3fff);
	for (i = 0; i < 512; i += 8) {
		uint64_t v = chance(z, 50) ? edge64(z, 64) : 0;

		memcpy(buf + i, &v, 8);
	}
	if (cmd == MCTE_IOC_REAP) {
		struct mcte_reap *rp = (void *)buf;

		rp->timeout_ms = 1;	/* never wait forever */
		if (rp->cqes && rp->nr > 8)
			rp->cqes = (uintptr_t)z->mem;
	}
	arg = chance(z, 90) ? (uintptr_t)buf : uptr(z, 512);
	/*
	 * A REAP read from anywhere but our scratch could ask to wait for
	 * ever (timeout 0) for completions that never come: only pointers
	 * that cannot be read stand in for it.
	 */
	if (cmd == MCTE_IOC_REAP && arg != (uintptr_t)buf)
		arg = chance(z, 50) ? (uintptr_t)z->hole : 0xffff888000000000ULL;
	ret = mx_ioctl(f->fd, cmd, (void *)(uintptr_t)arg);
	count(z, 10, ret, "random ioctl");
	/* Whatever it made is dropped when the file is reopened. */
}

static void op_uring(struct fz *z, struct ffile *f)
{
	bool small = chance(z, 5);
	struct io_uring *ring = small ? &z->small : &z->ring;
	unsigned int i, n = 1 + rb(z, small ? 4 : 16), done = 0;
	struct mcte_xfer_req r[16];
	int ret;

	if (!z->have_uring) {
		op_submit(z, f);
		return;
	}
	for (i = 0; i < n; i++) {
		struct io_uring_sqe *sqe = io_uring_get_sqe(ring);

		if (!sqe) {
			broke(z, "io_uring_get_sqe: submission queue full (%s ring, i %u of %u, khead %u ktail %u sqe_head %u sqe_tail %u)",
			      small ? "small" : "big", i, n, *ring->sq.khead,
			      *ring->sq.ktail, ring->sq.sqe_head,
			      ring->sq.sqe_tail);
			return;
		}
		rand_req(z, f, &r[i]);
		mx_prep_xfer(ring, sqe, f->fd, &r[i], i);
		if (chance(z, 5))
			sqe->cmd_op = edge32(z, 2);
		if (chance(z, 3))
			sqe->len = 1;
		if (chance(z, 3))
			sqe->addr = r64(z);
		if (chance(z, 2) && !small)
			sqe->cmd[64 + rb(z, 16)] = 1;
		if (chance(z, 5))
			sqe->flags |= IOSQE_ASYNC;
	}
	ret = io_uring_submit_and_wait(ring, n);
	if (ret != (int)n)
		broke(z, "io_uring_submit_and_wait: %d of %u", ret, n);
	while (done < n) {
		struct io_uring_cqe *cqe;

		if (io_uring_wait_cqe(ring, &cqe)) {
			broke(z, "io_uring_wait_cqe");
			break;
		}
		i = cqe->user_data;
		if (i >= n) {
			broke(z, "uring: user_data %u", i);
		} else if (cqe->res > 0 && (uint64_t)cqe->res != r[i].length) {
			broke(z, "uring: res %d for length %llu", cqe->res,
			      (unsigned long long)r[i].length);
		} else if (cqe->res < 0 && !res_known(-cqe->res)) {
			broke(z, "uring: undocumented error %d", cqe->res);
		}
		z->ops++;
		z->by_kind[11]++;
		if (cqe->res > 0) {
			z->ok++;
		} else {
			z->err++;
			if (-cqe->res > 0 && -cqe->res < 150)
				z->errnos[-cqe->res]++;
			if (!cqe->res)
				broke(z, "uring: res 0");
		}
		io_uring_cqe_seen(ring, cqe);
		done++;
	}
}

static void op_version(struct fz *z, struct ffile *f)
{
	struct mcte_version v;

	count(z, 12, mx_version(f->fd, &v), "VERSION");
}

/* Close a file with whatever it holds (maybe in flight), open a new one. */
static void op_reopen(struct fz *z, struct ffile *f)
{
	close(f->fd);
	f->fd = mx_open();
	f->nh = f->nb = 0;
	count(z, 13, f->fd < 0 ? -errno : 0, "open");
}

static const struct {
	void (*fn)(struct fz *z, struct ffile *f);
	unsigned int weight;
	const char *name;
} ops[] = {
	{ op_seg_reg, 12, "seg_reg" },
	{ op_seg_unreg, 5, "seg_unreg" },
	{ op_seg_open, 8, "seg_open" },
	{ op_seg_close, 4, "seg_close" },
	{ op_batch_alloc, 8, "batch_alloc" },
	{ op_batch_free, 5, "batch_free" },
	{ op_batch_cancel, 3, "batch_cancel" },
	{ op_submit, 22, "submit" },
	{ op_status, 8, "status" },
	{ op_reap, 6, "reap" },
	{ op_random_ioctl, 12, "random_ioctl" },
	{ op_uring, 3, "uring" },
	{ op_version, 1, "version" },
	{ op_reopen, 0, "reopen" },
};

/* One thread's share of the operations. */
static void *fuzz_thread(void *arg)
{
	struct fz *z = arg;
	unsigned int total_w = 0, k;

	for (k = 0; k < MX_ARRAY_SIZE(ops); k++)
		total_w += ops[k].weight;
	while (z->ops < z->target && !z->bad[0]) {
		struct ffile *f = pick_file(z);
		unsigned int w = rb(z, total_w);

		/* Now and then a file goes with everything it holds. */
		if (rb(z, 4000) == 0) {
			op_reopen(z, f);
			continue;
		}
		/* Thread 0 makes slices slow now and then: more in flight. */
		if (z->idx == 0 && rb(z, 3000) == 0)
			mx_set_delay(chance(z, 50) ? 0 : 1 + rb(z, 3));
		for (k = 0; w >= ops[k].weight; k++)
			w -= ops[k].weight;
		ops[k].fn(z, f);
	}
	return NULL;
}

FIXTURE(fuzz) {
	int unused;
};

FIXTURE_SETUP(fuzz)
{
}

FIXTURE_TEARDOWN(fuzz)
{
	mx_set_delay(0);
}

#define NR_THREADS	3

/*
 * NR_THREADS threads, each with its own files and rings, share segment
 * names (one pool) and the transport: they open and unregister each
 * other's segments, and close files with transfers in flight, while the
 * others use them.
 */
TEST_F_TIMEOUT(fuzz, random_ops, 600)
{
	uint64_t seed = mx_seed("MCTE_FUZZ_SEED", 0x6d63746566757a7aULL);
	unsigned long nr_ops = mx_seed("MCTE_FUZZ_OPS", 200000);
	unsigned long ops_done = 0, ok = 0, err = 0, cqes = 0;
	unsigned long by_kind[16] = { 0 }, errnos[150] = { 0 };
	struct mx_nl_attrs st0, st1;
	struct fz *zs[NR_THREADS], *z;
	unsigned char *mem, *ro, *hole;
	long refcnt0, pin0;
	bool have_stat, have_uring;
	unsigned int i, t;
	uint64_t t0;
	int fd;

	fd = mx_open();
	ASSERT_LE(0, fd);
	MX_REQUIRE(fd, MX_FEAT_XFER);
	have_uring = mx_features(fd) & MCTE_FEAT_URING_CMD;
	if (!have_uring)
		ksft_print_msg("no io_uring commands: module lacks MCTE_FEAT_URING_CMD\n");
	close(fd);
	ksft_print_msg("seed %#llx (MCTE_FUZZ_SEED), %lu operations (MCTE_FUZZ_OPS), %u threads\n",
		       (unsigned long long)seed, nr_ops, NR_THREADS);
	mx_set_delay(0);

	refcnt0 = mx_module_refcnt();
	pin0 = mx_vmpin_kb();
	have_stat = mx_nl_stat(&st0) == 0;

	mem = mx_alloc(MEM_SIZE);
	ASSERT_NE(NULL, mem);
	ro = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, ro);
	/*
	 * Inaccessible, and kept reserved: an unmapped hole would be reused
	 * by the next mmap() (an io_uring ring, say), and segments the fuzzer
	 * registers there would write into it.
	 */
	hole = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, hole);

	for (t = 0; t < NR_THREADS; t++) {
		z = zs[t] = calloc(1, sizeof(*z));
		ASSERT_NE(NULL, z);
		z->idx = t;
		z->target = nr_ops / NR_THREADS + (t < nr_ops % NR_THREADS);
		z->rng.s = seed + t * 0x9e3779b97f4a7c15ULL;
		z->mem = mem;
		z->ro = ro;
		z->hole = hole;
		z->have_uring = have_uring;
		ASSERT_EQ(0, mx_ring_init(&z->ring, 32, IORING_SETUP_SQE128));
		ASSERT_EQ(0, mx_ring_init(&z->small, 8, 0));
		for (i = 0; i < NR_FDS; i++) {
			z->f[i].fd = mx_open();
			ASSERT_LE(0, z->f[i].fd);
		}
	}

	t0 = mx_now_ms();
	for (t = 0; t < NR_THREADS; t++)
		ASSERT_EQ(0, pthread_create(&zs[t]->th, NULL, fuzz_thread, zs[t]));
	for (t = 0; t < NR_THREADS; t++) {
		z = zs[t];
		pthread_join(z->th, NULL);
		ops_done += z->ops;
		ok += z->ok;
		err += z->err;
		cqes += z->cqes;
		for (i = 0; i < 16; i++)
			by_kind[i] += z->by_kind[i];
		for (i = 0; i < 150; i++)
			errnos[i] += z->errnos[i];
		EXPECT_STREQ("", z->bad) TH_LOG("seed %#llx, thread %u, operation %lu",
						(unsigned long long)seed, t, z->ops);
	}
	ksft_print_msg("%lu operations in %llu ms: %lu ok, %lu errors, %lu cqes reaped\n",
		       ops_done, (unsigned long long)(mx_now_ms() - t0), ok,
		       err, cqes);
	for (i = 0; i < MX_ARRAY_SIZE(ops); i++)
		ksft_print_msg("  %-13s %lu\n", ops[i].name, by_kind[i]);
	for (i = 1; i < 150; i++)
		if (errnos[i])
			ksft_print_msg("  errno %-5u %-10s %lu\n", i,
				       strerror(i), errnos[i]);
	EXPECT_LE(nr_ops, ops_done);

	/* Everything closed: all of it must be given back. */
	mx_set_delay(0);
	for (t = 0; t < NR_THREADS; t++) {
		z = zs[t];
		for (i = 0; i < NR_FDS; i++)
			close(z->f[i].fd);
		io_uring_queue_exit(&z->ring);
		io_uring_queue_exit(&z->small);
		free(z);
	}
	EXPECT_EQ(0, mx_wait_refcnt(refcnt0, 30000))
		TH_LOG("module references %ld, %ld before", mx_module_refcnt(),
		       refcnt0);
	EXPECT_EQ(pin0, mx_vmpin_kb());
	if (have_stat) {
		ASSERT_EQ(0, mx_nl_stat(&st1));
		EXPECT_EQ(0, st1.val[MCTE_A_STAT_SEGMENTS]);
		EXPECT_EQ(0, st1.val[MCTE_A_STAT_BATCHES]);
		EXPECT_EQ(st1.val[MCTE_A_STAT_REQ_SUBMITTED] -
			  st0.val[MCTE_A_STAT_REQ_SUBMITTED],
			  st1.val[MCTE_A_STAT_REQ_COMPLETED] +
			  st1.val[MCTE_A_STAT_REQ_FAILED] +
			  st1.val[MCTE_A_STAT_REQ_TIMEOUT] +
			  st1.val[MCTE_A_STAT_REQ_CANCELED] -
			  st0.val[MCTE_A_STAT_REQ_COMPLETED] -
			  st0.val[MCTE_A_STAT_REQ_FAILED] -
			  st0.val[MCTE_A_STAT_REQ_TIMEOUT] -
			  st0.val[MCTE_A_STAT_REQ_CANCELED])
			TH_LOG("every request submitted ended once");
		ksft_print_msg("engine: %llu requests submitted, %llu completed, %llu failed, %llu timeout, %llu canceled, %llu slices\n",
			       (unsigned long long)st1.val[MCTE_A_STAT_REQ_SUBMITTED],
			       (unsigned long long)st1.val[MCTE_A_STAT_REQ_COMPLETED],
			       (unsigned long long)st1.val[MCTE_A_STAT_REQ_FAILED],
			       (unsigned long long)st1.val[MCTE_A_STAT_REQ_TIMEOUT],
			       (unsigned long long)st1.val[MCTE_A_STAT_REQ_CANCELED],
			       (unsigned long long)st1.val[MCTE_A_STAT_SLICES]);
	}
	mx_free(mem, MEM_SIZE);
}

TEST_HARNESS_MAIN
