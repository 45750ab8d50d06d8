// SPDX-License-Identifier: LGPL-2.1 OR MIT
/*
 * Rings: the liburing-like API, and its ioctl path (MCTE_IOC_BATCH_SUBMIT
 * to submit, the file's completion queue through reap.c to complete).
 * The io_uring path is in uring.c.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include "ring-private.h"

static unsigned int mcte_roundup_pow2(unsigned int n)
{
	unsigned int p = 1;

	while (p < n)
		p <<= 1;
	return p;
}

/* ---------------------------------------------------------------- */
/* The ioctl path                                                     */

static int mcte_ioctl_ring_init(struct mcte_ring *ring, unsigned int entries)
{
	struct mcte_ring_int *ri = ring->ri;

	ri->sq = calloc(entries, sizeof(*ri->sq));
	ri->cq.size = 2 * entries;
	ri->cq.cqes = calloc(ri->cq.size, sizeof(*ri->cq.cqes));
	if (!ri->sq || !ri->cq.cqes)
		return -ENOMEM;
	ring->sq_entries = entries;
	ring->cq_entries = ri->cq.size;
	return 0;
}

static void mcte_ioctl_ring_exit(struct mcte_ring *ring)
{
	struct mcte_ring_int *ri = ring->ri;

	if (ri->cq.cqes)
		mcte_cq_detach(ring->m, &ri->cq);
	free(ri->sq);
	free(ri->cq.cqes);
}

static struct mcte_xfer_req *mcte_ioctl_get_sqe(struct mcte_ring *ring)
{
	struct mcte_ring_int *ri = ring->ri;
	struct mcte_xfer_req *req;

	if (ri->sq_nr == ring->sq_entries ||
	    ri->sq_nr + ri->outstanding >= ri->cq.size)
		return NULL;
	req = &ri->sq[ri->sq_nr++];
	memset(req, 0, sizeof(*req));
	return req;
}

/*
 * Request @i of the @*n prepared was refused with @err: it completes at
 * once with that error, like a refused SQE on the io_uring path, and
 * leaves the array.
 */
static void mcte_ioctl_refuse_locked(struct mcte_ring *ring, unsigned int i,
				     unsigned int *n, int err)
{
	struct mcte_ring_int *ri = ring->ri;
	struct mcte_cqe cqe = {
		.user_data = ri->sq[i].user_data,
		.res = err,
		.batch_id = ri->sq[i].batch_id,
		.state = MCTE_XFER_FAILED,
	};

	mcte_cq_push_locked(&ri->cq, &cqe);
	ri->outstanding++;
	memmove(&ri->sq[i], &ri->sq[i + 1], (*n - i - 1) * sizeof(*ri->sq));
	(*n)--;
}

static bool mcte_err_is_per_request(int err)
{
	switch (err) {
	case -EINVAL: case -E2BIG: case -ENOENT: case -ENOSPC:
	case -EBADF: case -ENODEV: case -EACCES: case -ERANGE:
		return true;
	}
	return false;
}

/*
 * Busy poll: route what the module has, without waiting, until @want
 * completions are this ring's or the ring's busy-poll time is up; the
 * caller then blocks for what is missing.
 */
static int mcte_ioctl_spin(struct mcte_ring *ring, unsigned int want)
{
	struct mcte_ring_int *ri = ring->ri;
	long long deadline;
	unsigned int have;
	int err;

	if (!ri->busy_poll_ns || !ri->outstanding)
		return 0;
	deadline = mcte_now_ns() + ri->busy_poll_ns;
	for (;;) {
		pthread_mutex_lock(&ring->m->lock);
		have = mcte_cq_count(&ri->cq);
		pthread_mutex_unlock(&ring->m->lock);
		if (have >= want || mcte_now_ns() > deadline)
			return 0;
		err = mcte_reap(ring->m, NULL, 0);
		if (err)
			return err;
	}
}

static int mcte_ioctl_submit(struct mcte_ring *ring, unsigned int wait_nr)
{
	struct mcte_ring_int *ri = ring->ri;
	struct mcte *m = ring->m;
	struct mcte_batch_submit sub;
	unsigned int n = ri->sq_nr, done = 0, i;
	int err;

	while (n) {
		/* the completions of these batches are this ring's */
		pthread_mutex_lock(&m->lock);
		for (i = 0; i < n;) {
			err = mcte_track_locked(m, ri->sq[i].batch_id, &ri->cq, 1);
			if (err) {
				mcte_ioctl_refuse_locked(ring, i, &n, err);
				done++;
				continue;
			}
			i++;
		}
		pthread_mutex_unlock(&m->lock);
		if (!n)
			break;

		memset(&sub, 0, sizeof(sub));
		sub.reqs = (__u64)(uintptr_t)ri->sq;
		sub.nr = n;
		sub.error_index = ~0U;
		if (ioctl(m->fd, MCTE_IOC_BATCH_SUBMIT, &sub) == 0) {
			ri->outstanding += n;
			done += n;
			n = 0;
			break;
		}
		err = -errno;

		pthread_mutex_lock(&m->lock);
		for (i = 0; i < n; i++)
			mcte_untrack_locked(m, ri->sq[i].batch_id, 1);
		if (sub.error_index < n && mcte_err_is_per_request(err)) {
			/* all or nothing: fail that one, submit the rest again */
			mcte_ioctl_refuse_locked(ring, sub.error_index, &n, err);
			done++;
			pthread_mutex_unlock(&m->lock);
			continue;
		}
		pthread_mutex_unlock(&m->lock);

		/* the array as a whole: what is left stays prepared */
		ri->sq_nr = n;
		return done ? (int)done : err;
	}
	ri->sq_nr = 0;

	if (wait_nr > ri->outstanding)
		wait_nr = ri->outstanding;
	if (wait_nr) {
		err = mcte_ioctl_spin(ring, wait_nr);
		if (!err)
			err = mcte_reap(m, &ri->cq, wait_nr);
		if (err)
			return err;
	}
	return done;
}

static int mcte_ioctl_peek_cqe(struct mcte_ring *ring, struct mcte_cqe **cqe,
			       bool reap)
{
	struct mcte_ring_int *ri = ring->ri;
	struct mcte *m = ring->m;
	int ret = -EAGAIN;

	pthread_mutex_lock(&m->lock);
	if (mcte_cq_count(&ri->cq)) {
		*cqe = &ri->cq.cqes[ri->cq.head & (ri->cq.size - 1)];
		ret = 0;
	}
	pthread_mutex_unlock(&m->lock);
	if (ret && reap) {
		/* route what the module has, without waiting */
		ret = mcte_reap(m, NULL, 0);
		return ret ? ret : mcte_ioctl_peek_cqe(ring, cqe, false);
	}
	return ret;
}

static int mcte_ioctl_wait_cqe(struct mcte_ring *ring, struct mcte_cqe **cqe)
{
	int err;

	err = mcte_ioctl_spin(ring, 1);
	if (!err)
		err = mcte_reap(ring->m, &ring->ri->cq, 1);
	if (err)
		return err;
	return mcte_ioctl_peek_cqe(ring, cqe, false);
}

static void mcte_ioctl_cqe_seen(struct mcte_ring *ring, struct mcte_cqe *cqe)
{
	struct mcte_ring_int *ri = ring->ri;

	/* head and outstanding are the owner's: no lock needed */
	if (!mcte_cq_count(&ri->cq) ||
	    cqe != &ri->cq.cqes[ri->cq.head & (ri->cq.size - 1)])
		return;
	ri->cq.head++;
	ri->outstanding--;
}

/* ---------------------------------------------------------------- */
/* The API                                                            */

MCTE_EXPORT int mcte_ring_init(struct mcte *m, struct mcte_ring *ring,
			       unsigned int entries, unsigned int flags)
{
	struct mcte_version v;
	int err;

	if (!m || !ring || !entries || entries > MCTE_RING_MAX_ENTRIES ||
	    (flags & ~(MCTE_RING_SQPOLL | MCTE_RING_FORCE_IOCTL)) ||
	    ((flags & MCTE_RING_SQPOLL) && (flags & MCTE_RING_FORCE_IOCTL)))
		return -EINVAL;

	err = mcte_query_version(m, &v);
	if (err)
		return err;

	memset(ring, 0, sizeof(*ring));
	ring->m = m;
	ring->ri = calloc(1, sizeof(*ring->ri));
	if (!ring->ri)
		return -ENOMEM;
	entries = mcte_roundup_pow2(entries);

	if (!(flags & MCTE_RING_FORCE_IOCTL) &&
	    (v.features & MCTE_FEAT_URING_CMD)) {
		bool sqpoll = flags & MCTE_RING_SQPOLL;

		err = mcte_uring_init(ring, entries, sqpoll);
		if (!err) {
			ring->mode = sqpoll ? MCTE_RING_MODE_SQPOLL :
					      MCTE_RING_MODE_URING;
			return 0;
		}
		/* an explicit SQPOLL is not quietly made an ioctl ring */
		if (sqpoll)
			goto out_free;
	} else if (flags & MCTE_RING_SQPOLL) {
		err = -ENOTTY;
		goto out_free;
	}

	if (!(v.features & MCTE_FEAT_BATCH)) {
		err = -ENOTTY;
		goto out_free;
	}
	err = mcte_ioctl_ring_init(ring, entries);
	if (err) {
		mcte_ioctl_ring_exit(ring);
		goto out_free;
	}
	ring->mode = MCTE_RING_MODE_IOCTL;
	return 0;

out_free:
	free(ring->ri);
	memset(ring, 0, sizeof(*ring));
	return err;
}

MCTE_EXPORT void mcte_ring_exit(struct mcte_ring *ring)
{
	if (!ring || !ring->ri)
		return;
	if (ring->mode == MCTE_RING_MODE_IOCTL)
		mcte_ioctl_ring_exit(ring);
	else
		mcte_uring_exit(ring);
	free(ring->ri);
	memset(ring, 0, sizeof(*ring));
}

MCTE_EXPORT int mcte_ring_mode(const struct mcte_ring *ring)
{
	if (!ring || !ring->ri)
		return -EINVAL;
	return ring->mode;
}

MCTE_EXPORT const char *mcte_ring_mode_name(int mode)
{
	switch (mode) {
	case MCTE_RING_MODE_URING:
		return "uring";
	case MCTE_RING_MODE_SQPOLL:
		return "sqpoll";
	case MCTE_RING_MODE_IOCTL:
		return "ioctl";
	}
	return "unknown";
}

MCTE_EXPORT int mcte_ring_set_busy_poll(struct mcte_ring *ring,
				       unsigned int usec)
{
	if (!ring || !ring->ri)
		return -EINVAL;
	ring->ri->busy_poll_ns = usec * 1000LL;
	return 0;
}

MCTE_EXPORT struct mcte_xfer_req *mcte_ring_get_sqe(struct mcte_ring *ring)
{
	if (ring->mode == MCTE_RING_MODE_IOCTL)
		return mcte_ioctl_get_sqe(ring);
	return mcte_uring_get_sqe(ring);
}

MCTE_EXPORT int mcte_ring_submit(struct mcte_ring *ring)
{
	if (ring->mode == MCTE_RING_MODE_IOCTL)
		return mcte_ioctl_submit(ring, 0);
	return mcte_uring_submit(ring, 0);
}

MCTE_EXPORT int mcte_ring_submit_and_wait(struct mcte_ring *ring,
					  unsigned int wait_nr)
{
	if (ring->mode == MCTE_RING_MODE_IOCTL)
		return mcte_ioctl_submit(ring, wait_nr);
	return mcte_uring_submit(ring, wait_nr);
}

MCTE_EXPORT int mcte_ring_wait_cqe(struct mcte_ring *ring,
				   struct mcte_cqe **cqe)
{
	if (ring->mode == MCTE_RING_MODE_IOCTL)
		return mcte_ioctl_wait_cqe(ring, cqe);
	return mcte_uring_wait_cqe(ring, cqe);
}

MCTE_EXPORT int mcte_ring_peek_cqe(struct mcte_ring *ring,
				   struct mcte_cqe **cqe)
{
	if (ring->mode == MCTE_RING_MODE_IOCTL)
		return mcte_ioctl_peek_cqe(ring, cqe, true);
	return mcte_uring_peek_cqe(ring, cqe);
}

MCTE_EXPORT void mcte_ring_cqe_seen(struct mcte_ring *ring,
				    struct mcte_cqe *cqe)
{
	if (ring->mode == MCTE_RING_MODE_IOCTL)
		mcte_ioctl_cqe_seen(ring, cqe);
	else
		mcte_uring_cqe_seen(ring, cqe);
}
