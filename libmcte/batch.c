// SPDX-License-Identifier: LGPL-2.1 OR MIT
/*
 * Batches in the shape of Mooncake's Transfer Engine: allocateBatchID,
 * submitTransfer, getTransferStatus, freeBatchID (MCTE_IOC_BATCH_*).
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include "libmcte-private.h"

/* Completions nobody wants left on the file before a submit drains them. */
#define MCTE_DROP_DRAIN		1024

/* Requests copied on the stack when their batch_id must be filled in. */
#define MCTE_SUBMIT_STACK	32

MCTE_EXPORT int mcte_batch_alloc(struct mcte *m, unsigned int capacity,
				 __u32 *batch_id)
{
	struct mcte_batch_alloc a;
	int err;

	if (!m || !batch_id || !capacity || capacity > MCTE_BATCH_MAX)
		return -EINVAL;

	memset(&a, 0, sizeof(a));
	a.capacity = capacity;
	if (ioctl(m->fd, MCTE_IOC_BATCH_ALLOC, &a) < 0)
		return -errno;
	err = mcte_batch_known(m, a.batch_id);
	if (err) {
		ioctl(m->fd, MCTE_IOC_BATCH_FREE, &a.batch_id);
		return err;
	}
	*batch_id = a.batch_id;
	return 0;
}

/* MCTE_IOC_BATCH_SUBMIT of requests whose completions are @owner's. */
static int mcte_submit_tracked(struct mcte *m, __u32 batch_id,
			       const struct mcte_xfer_req *reqs,
			       unsigned int nr, struct mcte_cq *owner)
{
	struct mcte_batch_submit sub;
	int err;

	pthread_mutex_lock(&m->lock);
	err = mcte_track_locked(m, batch_id, owner, nr);
	pthread_mutex_unlock(&m->lock);
	if (err)
		return err;

	memset(&sub, 0, sizeof(sub));
	sub.reqs = (__u64)(uintptr_t)reqs;
	sub.nr = nr;
	if (ioctl(m->fd, MCTE_IOC_BATCH_SUBMIT, &sub) < 0) {
		err = -errno;
		pthread_mutex_lock(&m->lock);
		mcte_untrack_locked(m, batch_id, nr);
		pthread_mutex_unlock(&m->lock);
		return err;
	}
	return 0;
}

int mcte_batch_submit_owned(struct mcte *m, __u32 batch_id,
			    const struct mcte_xfer_req *reqs, unsigned int nr,
			    struct mcte_cq *owner)
{
	struct mcte_xfer_req stack[MCTE_SUBMIT_STACK], *copy = NULL;
	const struct mcte_xfer_req *send = reqs;
	unsigned int i;
	int err;

	/* Mooncake's requests do not name their batch: fill it in. */
	for (i = 0; i < nr && reqs[i].batch_id == batch_id; i++)
		;
	if (i < nr) {
		if (nr <= MCTE_SUBMIT_STACK) {
			copy = stack;
		} else {
			copy = malloc(nr * sizeof(*copy));
			if (!copy)
				return -ENOMEM;
		}
		memcpy(copy, reqs, nr * sizeof(*copy));
		for (i = 0; i < nr; i++)
			copy[i].batch_id = batch_id;
		send = copy;
	}

	err = mcte_submit_tracked(m, batch_id, send, nr, owner);
	if (copy != stack)
		free(copy);
	return err;
}

MCTE_EXPORT int mcte_batch_submit(struct mcte *m, __u32 batch_id,
				  const struct mcte_xfer_req *reqs,
				  unsigned int nr)
{
	unsigned int drop;
	int err;

	if (!m || !reqs || !nr || nr > MCTE_BATCH_MAX)
		return -EINVAL;

	/* Nobody reaps for the batch functions: keep the file's queue short. */
	pthread_mutex_lock(&m->lock);
	drop = m->drop_pending;
	pthread_mutex_unlock(&m->lock);
	if (drop >= MCTE_DROP_DRAIN)
		mcte_reap(m, NULL, 0);

	err = mcte_batch_submit_owned(m, batch_id, reqs, nr, NULL);
	return err ? err : (int)nr;
}

MCTE_EXPORT int mcte_batch_status(struct mcte *m, __u32 batch_id,
				  struct mcte_xfer_status *st, unsigned int nr,
				  struct mcte_batch_state *out)
{
	struct mcte_batch_status bs;

	if (!m || (!st && nr))
		return -EINVAL;

	memset(&bs, 0, sizeof(bs));
	bs.batch_id = batch_id;
	bs.nr = st ? nr : 0;
	bs.status = (__u64)(uintptr_t)st;
	if (ioctl(m->fd, MCTE_IOC_BATCH_STATUS, &bs) < 0)
		return -errno;
	if (out) {
		out->state = bs.state;
		out->nr = bs.nr;
		out->bytes = bs.bytes;
	}
	return (int)(bs.nr < nr ? bs.nr : nr);
}

MCTE_EXPORT int mcte_batch_cancel(struct mcte *m, __u32 batch_id)
{
	if (!m)
		return -EINVAL;
	if (ioctl(m->fd, MCTE_IOC_BATCH_CANCEL, &batch_id) < 0)
		return -errno;
	return 0;
}

MCTE_EXPORT int mcte_batch_free(struct mcte *m, __u32 batch_id)
{
	if (!m)
		return -EINVAL;
	mcte_batch_freeing(m, batch_id, true);
	if (ioctl(m->fd, MCTE_IOC_BATCH_FREE, &batch_id) < 0) {
		int err = -errno;

		mcte_batch_freeing(m, batch_id, false);
		return err;
	}
	mcte_batch_forget(m, batch_id);
	return 0;
}
