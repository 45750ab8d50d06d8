// SPDX-License-Identifier: LGPL-2.1 OR MIT
/*
 * A user-space stand-in for the ioctl half of mcte.ko, for testing libmcte
 * on a machine where the module cannot be loaded (LD_PRELOAD=fake-mcte.so).
 * It models Documentation/abi.rst as far as the library relies on it:
 * segments, batches with all-or-nothing submission and error_index, a
 * worker thread completing requests asynchronously (after a short delay,
 * to let waiters pile up), per-file completion queues for MCTE_IOC_REAP
 * with min_nr and timeouts, status, cancel and free.
 *
 * Each emulated ioctl also makes one real (failing) ioctl on the file so
 * that system-call counts stay those of the real thing. Single process:
 * segments are not shared with other processes.
 *
 * FAKE_MCTE_URING=1: the "device" is a UDP socket and MCTE_FEAT_URING_CMD
 * is advertised, so that rings take the io_uring path: the kernel (6.7+)
 * answers IORING_OP_URING_CMD with cmd_op 1 on a socket (SIOCOUTQ) with
 * res 0 and moves no bytes, which exercises everything of that path but
 * the transfer itself.
 *
 * FAKE_MCTE_DMABUF=1: MCTE_FEAT_SEG_DMABUF is advertised and a segment of
 * one dma-buf is taken (any file that can be mapped: a udmabuf, or the
 * memfd fake-cuda.so hands out where there is none); the fake maps it,
 * which holds the file as the module's reference to the dma-buf would.
 *
 * FAKE_MCTE_NVP2P=1: MCTE_FEAT_SEG_NV_P2P is advertised and a GPU peer
 * memory segment of one buffer is taken, 64 KiB aligned at both ends,
 * its "CUDA address" used as this process's memory (fake-cuda.so's is).
 */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <linux/mcte.h>

#define FAKE_FDS	64
#define FAKE_SEGS	64
#define FAKE_HANDLES	256
#define FAKE_BATCHES	4096

struct fake_seg {
	bool used;
	char name[MCTE_SEG_NAME_MAX];
	char *addr;
	__u64 len;
	__u32 access;
	void *map;		/* a dma-buf segment's mapping, else NULL */
	size_t map_len;
};

struct fake_handle {
	int fd;			/* -1: free */
	int seg;
	bool owner;
	__u32 access;
};

struct fake_req {
	struct mcte_xfer_req req;
	struct mcte_xfer_status st;
	bool queued;		/* waits for the worker */
};

struct fake_batch {
	int fd;			/* -1: free */
	__u32 cap, nr;
	struct fake_req *reqs;
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t work_cond = PTHREAD_COND_INITIALIZER;
static pthread_cond_t cqe_cond = PTHREAD_COND_INITIALIZER;
static bool fds[FAKE_FDS];
static struct fake_seg segs[FAKE_SEGS];
static struct fake_handle handles[FAKE_HANDLES];
static struct fake_batch batches[FAKE_BATCHES];
static unsigned int queued;
static pthread_t worker;
static bool worker_started;

/* per-fd completion queues */
static struct {
	struct mcte_cqe *cqes;
	size_t nr, room;
} cqs[FAKE_FDS];

static int (*real_open)(const char *, int, ...);
static int (*real_close)(int);

static void fake_init(void)
{
	static bool done;
	unsigned int i;

	if (done)
		return;
	done = true;
	for (i = 0; i < FAKE_HANDLES; i++)
		handles[i].fd = -1;
	for (i = 0; i < FAKE_BATCHES; i++)
		batches[i].fd = -1;
	real_open = dlsym(RTLD_NEXT, "open");
	real_close = dlsym(RTLD_NEXT, "close");
}

static void post_cqe_locked(int fd, struct fake_req *r)
{
	struct mcte_cqe c = {
		.user_data = r->req.user_data,
		.res = r->st.res ? r->st.res : (__s64)r->st.bytes,
		.batch_id = r->req.batch_id,
		.state = r->st.state,
	};

	if (cqs[fd].nr == cqs[fd].room) {
		cqs[fd].room = cqs[fd].room ? 2 * cqs[fd].room : 64;
		cqs[fd].cqes = realloc(cqs[fd].cqes, cqs[fd].room * sizeof(c));
		if (!cqs[fd].cqes)
			abort();
	}
	cqs[fd].cqes[cqs[fd].nr++] = c;
	pthread_cond_broadcast(&cqe_cond);
}

static char *seg_ptr(__u32 handle, __u64 off)
{
	return segs[handles[handle].seg].addr + off;
}

static void *worker_fn(void *arg)
{
	struct timespec delay = { .tv_nsec = 200000 };
	unsigned int b, i;

	(void)arg;
	pthread_mutex_lock(&lock);
	for (;;) {
		while (!queued)
			pthread_cond_wait(&work_cond, &lock);
		pthread_mutex_unlock(&lock);
		nanosleep(&delay, NULL);
		pthread_mutex_lock(&lock);
		for (b = 1; b < FAKE_BATCHES; b++) {
			struct fake_batch *bt = &batches[b];

			if (bt->fd < 0)
				continue;
			for (i = 0; i < bt->nr; i++) {
				struct fake_req *r = &bt->reqs[i];
				char *l, *t;

				if (!r->queued)
					continue;
				r->queued = false;
				queued--;
				l = seg_ptr(r->req.local_seg, r->req.local_off);
				t = seg_ptr(r->req.target_seg, r->req.target_off);
				if (r->req.opcode == MCTE_OP_WRITE)
					memmove(t, l, r->req.length);
				else
					memmove(l, t, r->req.length);
				r->st.bytes = r->req.length;
				r->st.state = MCTE_XFER_COMPLETED;
				post_cqe_locked(bt->fd, r);
			}
		}
	}
	return NULL;
}

static bool valid_name(const char *n)
{
	size_t i, len = strnlen(n, MCTE_SEG_NAME_MAX);

	if (!len || len >= MCTE_SEG_NAME_MAX)
		return false;
	for (i = 0; i < len; i++)
		if (!((n[i] >= 'a' && n[i] <= 'z') || (n[i] >= 'A' && n[i] <= 'Z') ||
		      (n[i] >= '0' && n[i] <= '9') || strchr("._-", n[i])))
			return false;
	return true;
}

static int new_handle(int fd, int seg, bool owner, __u32 access)
{
	unsigned int h;

	for (h = 1; h < FAKE_HANDLES; h++) {
		if (handles[h].fd >= 0)
			continue;
		handles[h] = (struct fake_handle){ fd, seg, owner, access };
		return h;
	}
	return -ENOMEM;
}

/* The kind of the last MCTE_IOC_SEG_REG, for tests of the library's choice. */
int fake_mcte_last_kind = -1;

static int seg_reg(int fd, struct mcte_seg_reg *r)
{
	struct mcte_seg_buf *b = (void *)(uintptr_t)r->bufs;
	bool dmabuf = r->kind == MCTE_SEG_DMABUF && getenv("FAKE_MCTE_DMABUF");
	/* GPU peer memory: the fake driver's "device memory" is this process's. */
	bool nvp2p = r->kind == MCTE_SEG_NV_P2P && getenv("FAKE_MCTE_NVP2P");
	void *map = NULL;
	off_t size = 0;
	int s, h;

	fake_mcte_last_kind = r->kind;
	if (!valid_name(r->name) || r->nr_bufs != 1 ||
	    (r->kind != MCTE_SEG_HOST && !dmabuf && !nvp2p) ||
	    (nvp2p && (b[0].addr % MCTE_NV_P2P_ALIGN ||
		       b[0].len % MCTE_NV_P2P_ALIGN)) ||
	    r->access > MCTE_ACCESS_RW || (b[0].fd != -1) != dmabuf || !b[0].len)
		return -EINVAL;
	if (dmabuf) {
		size = lseek(b[0].fd, 0, SEEK_END);
		if (size < 0)
			return -EBADF;
		if (b[0].addr > (__u64)size || b[0].len > (__u64)size - b[0].addr)
			return -EINVAL;
	}
	for (s = 0; s < FAKE_SEGS; s++)
		if (segs[s].used && !strcmp(segs[s].name, r->name))
			return -EEXIST;
	for (s = 0; s < FAKE_SEGS && segs[s].used; s++)
		;
	if (s == FAKE_SEGS)
		return -ENOMEM;
	h = new_handle(fd, s, true, MCTE_ACCESS_RW);
	if (h < 0)
		return h;
	if (dmabuf) {
		map = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED,
			   b[0].fd, 0);
		if (map == MAP_FAILED) {
			handles[h].fd = -1;
			return -EINVAL;
		}
	}
	segs[s] = (struct fake_seg){ .used = true, .addr = (char *)(uintptr_t)b[0].addr,
				     .len = b[0].len, .access = r->access,
				     .map = map, .map_len = size };
	if (map)
		segs[s].addr = (char *)map + b[0].addr;
	strcpy(segs[s].name, r->name);
	r->handle = h;
	return 0;
}

static int seg_open(int fd, struct mcte_seg_open *o)
{
	int s, h;

	for (s = 0; s < FAKE_SEGS; s++)
		if (segs[s].used && !strcmp(segs[s].name, o->name))
			break;
	if (s == FAKE_SEGS)
		return -ENOENT;
	if (o->access > segs[s].access)
		return -EACCES;
	h = new_handle(fd, s, false, o->access);
	if (h < 0)
		return h;
	o->handle = h;
	o->nr_bufs = 1;
	o->size = segs[s].len;
	return 0;
}

static int seg_drop(int fd, __u32 h, bool owner)
{
	if (!h || h >= FAKE_HANDLES || handles[h].fd != fd || handles[h].owner != owner)
		return -EBADF;
	if (owner) {
		segs[handles[h].seg].used = false;
		if (segs[handles[h].seg].map)
			munmap(segs[handles[h].seg].map,
			       segs[handles[h].seg].map_len);
	}
	handles[h].fd = -1;
	return 0;
}

static int check_req(int fd, const struct mcte_xfer_req *q, __u32 *reserved)
{
	struct fake_batch *bt;
	struct fake_handle *l, *t;

	if (q->opcode > MCTE_OP_WRITE || q->flags || q->resv0 || q->resv1 ||
	    q->resv2 || !q->length)
		return -EINVAL;
	if (q->length > MCTE_XFER_MAX)
		return -E2BIG;
	if (!q->batch_id || q->batch_id >= FAKE_BATCHES || batches[q->batch_id].fd != fd)
		return -ENOENT;
	bt = &batches[q->batch_id];
	if (bt->nr + reserved[q->batch_id] >= bt->cap)
		return -ENOSPC;
	if (!q->local_seg || q->local_seg >= FAKE_HANDLES || !q->target_seg ||
	    q->target_seg >= FAKE_HANDLES)
		return -EBADF;
	l = &handles[q->local_seg];
	t = &handles[q->target_seg];
	if (l->fd != fd || !l->owner || t->fd != fd)
		return -EBADF;
	if (!segs[t->seg].used)
		return -ENODEV;
	if (t->access < (q->opcode == MCTE_OP_WRITE ? MCTE_ACCESS_RW : MCTE_ACCESS_READ))
		return -EACCES;
	if (q->local_off + q->length > segs[l->seg].len ||
	    q->target_off + q->length > segs[t->seg].len)
		return -ERANGE;
	reserved[q->batch_id]++;
	return 0;
}

static int batch_submit(int fd, struct mcte_batch_submit *s)
{
	const struct mcte_xfer_req *q = (void *)(uintptr_t)s->reqs;
	static __u32 reserved[FAKE_BATCHES];
	unsigned int i;
	int err = 0;

	s->submitted = 0;
	if (!s->nr || s->resv) {
		s->error_index = s->nr;
		return -EINVAL;
	}
	memset(reserved, 0, sizeof(reserved));
	for (i = 0; i < s->nr; i++) {
		err = check_req(fd, &q[i], reserved);
		if (err) {
			s->error_index = i;
			return err;
		}
	}
	for (i = 0; i < s->nr; i++) {
		struct fake_batch *bt = &batches[q[i].batch_id];
		struct fake_req *r = &bt->reqs[bt->nr++];

		memset(r, 0, sizeof(*r));
		r->req = q[i];
		r->st.user_data = q[i].user_data;
		r->st.state = MCTE_XFER_WAITING;
		r->queued = true;
		queued++;
	}
	s->submitted = s->nr;
	if (!worker_started) {
		worker_started = true;
		pthread_create(&worker, NULL, worker_fn, NULL);
		pthread_detach(worker);
	}
	pthread_cond_signal(&work_cond);
	return 0;
}

static int batch_status(int fd, struct mcte_batch_status *bs)
{
	struct mcte_xfer_status *st = (void *)(uintptr_t)bs->status;
	struct fake_batch *bt;
	unsigned int i, ended = 0, worst = MCTE_XFER_COMPLETED;
	__u64 bytes = 0;

	if (!bs->batch_id || bs->batch_id >= FAKE_BATCHES ||
	    batches[bs->batch_id].fd != fd)
		return -ENOENT;
	bt = &batches[bs->batch_id];
	for (i = 0; i < bt->nr; i++) {
		__u32 s = bt->reqs[i].st.state;

		bytes += bt->reqs[i].st.bytes;
		if (s >= MCTE_XFER_COMPLETED) {
			ended++;
			if (s == MCTE_XFER_FAILED ||
			    (s == MCTE_XFER_TIMEOUT && worst != MCTE_XFER_FAILED) ||
			    (s == MCTE_XFER_CANCELED && worst == MCTE_XFER_COMPLETED))
				worst = s;
		}
		if (st && i < bs->nr)
			st[i] = bt->reqs[i].st;
	}
	bs->state = !bt->nr ? MCTE_XFER_WAITING : ended == bt->nr ? worst :
		    MCTE_XFER_PENDING;
	bs->nr = bt->nr;
	bs->bytes = bytes;
	return 0;
}

static int reap(int fd, struct mcte_reap *r)
{
	struct mcte_cqe *out = (void *)(uintptr_t)r->cqes;
	struct timespec ts;
	size_t n;
	int err;

	if (r->resv || r->min_nr > r->nr)
		return -EINVAL;
	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += r->timeout_ms / 1000;
	ts.tv_nsec += (r->timeout_ms % 1000) * 1000000L;
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	while (cqs[fd].nr < r->min_nr) {
		if (!r->timeout_ms) {
			pthread_cond_wait(&cqe_cond, &lock);
			continue;
		}
		err = pthread_cond_timedwait(&cqe_cond, &lock, &ts);
		if (err == ETIMEDOUT) {
			if (!cqs[fd].nr)
				return -ETIME;
			break;
		}
	}
	n = cqs[fd].nr < r->nr ? cqs[fd].nr : r->nr;
	memcpy(out, cqs[fd].cqes, n * sizeof(*out));
	memmove(cqs[fd].cqes, cqs[fd].cqes + n, (cqs[fd].nr - n) * sizeof(*out));
	cqs[fd].nr -= n;
	r->nr = n;
	return 0;
}

static int fake_ioctl(int fd, unsigned long req, void *arg)
{
	struct mcte_version *v = arg;
	struct mcte_batch_alloc *a = arg;
	struct fake_batch *bt;
	unsigned int b, i;
	__u32 id;

	switch (req) {
	case MCTE_IOC_VERSION:
		memset(v, 0, sizeof(*v));
		v->abi_version = MCTE_ABI_VERSION;
		v->req_size = sizeof(struct mcte_xfer_req);
		v->features = MCTE_FEAT_SEGMENTS | MCTE_FEAT_BATCH |
			      MCTE_FEAT_XPORT_LOCAL;
		if (getenv("FAKE_MCTE_URING"))
			v->features |= MCTE_FEAT_URING_CMD;
		if (getenv("FAKE_MCTE_DMABUF"))
			v->features |= MCTE_FEAT_SEG_DMABUF;
		if (getenv("FAKE_MCTE_NVP2P"))
			v->features |= MCTE_FEAT_SEG_NV_P2P;
		v->seg_name_max = MCTE_SEG_NAME_MAX;
		v->slice_size = 65536;
		return 0;
	case MCTE_IOC_SEG_REG:
		return seg_reg(fd, arg);
	case MCTE_IOC_SEG_UNREG:
		return seg_drop(fd, *(__u32 *)arg, true);
	case MCTE_IOC_SEG_OPEN:
		return seg_open(fd, arg);
	case MCTE_IOC_SEG_CLOSE:
		return seg_drop(fd, *(__u32 *)arg, false);
	case MCTE_IOC_BATCH_ALLOC:
		if (!a->capacity || a->capacity > MCTE_BATCH_MAX || a->resv)
			return -EINVAL;
		for (b = 1; b < FAKE_BATCHES && batches[b].fd >= 0; b++)
			;
		if (b == FAKE_BATCHES)
			return -ENOMEM;
		batches[b] = (struct fake_batch){ .fd = fd, .cap = a->capacity };
		batches[b].reqs = calloc(a->capacity, sizeof(struct fake_req));
		if (!batches[b].reqs)
			return -ENOMEM;
		a->batch_id = b;
		return 0;
	case MCTE_IOC_BATCH_FREE:
	case MCTE_IOC_BATCH_CANCEL:
		id = *(__u32 *)arg;
		if (!id || id >= FAKE_BATCHES || batches[id].fd != fd)
			return -ENOENT;
		bt = &batches[id];
		for (i = 0; i < bt->nr; i++) {
			if (bt->reqs[i].st.state >= MCTE_XFER_COMPLETED)
				continue;
			if (req == MCTE_IOC_BATCH_FREE)
				return -EBUSY;
			bt->reqs[i].queued = false;
			queued--;
			bt->reqs[i].st.state = MCTE_XFER_CANCELED;
			bt->reqs[i].st.res = -ECANCELED;
			post_cqe_locked(fd, &bt->reqs[i]);
		}
		if (req == MCTE_IOC_BATCH_FREE) {
			free(bt->reqs);
			bt->reqs = NULL;
			bt->fd = -1;
		}
		return 0;
	case MCTE_IOC_BATCH_SUBMIT:
		return batch_submit(fd, arg);
	case MCTE_IOC_BATCH_STATUS:
		return batch_status(fd, arg);
	case MCTE_IOC_REAP:
		return reap(fd, arg);
	}
	return -ENOTTY;
}

int ioctl(int fd, unsigned long req, ...)
{
	va_list ap;
	void *arg;
	int ret;

	va_start(ap, req);
	arg = va_arg(ap, void *);
	va_end(ap);

	if (fd < 0 || fd >= FAKE_FDS || !fds[fd])
		return syscall(SYS_ioctl, fd, req, arg);

	/* the system call the real module costs */
	syscall(SYS_ioctl, fd, 0, NULL);
	pthread_mutex_lock(&lock);
	ret = fake_ioctl(fd, req, arg);
	pthread_mutex_unlock(&lock);
	if (ret < 0) {
		errno = -ret;
		return -1;
	}
	return ret;
}

static int fake_open(const char *path, int flags, mode_t mode)
{
	int fd;

	pthread_mutex_lock(&lock);
	fake_init();
	pthread_mutex_unlock(&lock);
	if (strcmp(path, MCTE_DEV_PATH))
		return real_open(path, flags, mode);
	if (getenv("FAKE_MCTE_URING"))
		fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	else
		fd = real_open("/dev/null", flags, mode);
	if (fd >= 0 && fd < FAKE_FDS)
		fds[fd] = true;
	return fd;
}

int open(const char *path, int flags, ...)
{
	mode_t mode = 0;
	va_list ap;

	va_start(ap, flags);
	if (flags & (O_CREAT | O_TMPFILE))
		mode = va_arg(ap, mode_t);
	va_end(ap);
	return fake_open(path, flags, mode);
}

int open64(const char *path, int flags, ...)
{
	mode_t mode = 0;
	va_list ap;

	va_start(ap, flags);
	if (flags & (O_CREAT | O_TMPFILE))
		mode = va_arg(ap, mode_t);
	va_end(ap);
	return fake_open(path, flags, mode);
}

/* Closing the file drops what it registered, opened and allocated. */
int close(int fd)
{
	unsigned int i;

	pthread_mutex_lock(&lock);
	fake_init();
	if (fd >= 0 && fd < FAKE_FDS && fds[fd]) {
		fds[fd] = false;
		for (i = 1; i < FAKE_HANDLES; i++)
			if (handles[i].fd == fd)
				seg_drop(fd, i, handles[i].owner);
		for (i = 1; i < FAKE_BATCHES; i++) {
			if (batches[i].fd != fd)
				continue;
			/* in-flight requests finish nowhere: drop them */
			while (batches[i].nr--)
				if (batches[i].reqs[batches[i].nr].queued)
					queued--;
			free(batches[i].reqs);
			batches[i].reqs = NULL;
			batches[i].fd = -1;
		}
		free(cqs[fd].cqes);
		memset(&cqs[fd], 0, sizeof(cqs[fd]));
	}
	pthread_mutex_unlock(&lock);
	return real_close(fd);
}
