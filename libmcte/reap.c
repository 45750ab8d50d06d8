// SPDX-License-Identifier: LGPL-2.1 OR MIT
/*
 * The file's completion queue on the ioctl path.
 *
 * The module queues one struct mcte_cqe on the file for every request that
 * ended and was submitted with MCTE_IOC_BATCH_SUBMIT; MCTE_IOC_REAP hands
 * them out in the order they ended, to whoever asks. Several consumers
 * share one struct mcte (rings of different threads, synchronous
 * transfers, the batch functions whose completions nobody wants), so the
 * library routes them: each batch has an owner, set when requests are
 * submitted to it, and a count of completions still to come.
 *
 * One thread reaps at a time (leader), the others wait on a condition
 * variable (followers) and find their completions routed to them when
 * they wake up. A leader alone waits for as many completions as it wants
 * in one MCTE_IOC_REAP; when others wait too it takes what comes
 * (min_nr 1) so that nobody waits on someone else's requests for long.
 */
#include <errno.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>
#include <sys/ioctl.h>

#include "libmcte-private.h"

/* Completions taken from the module per MCTE_IOC_REAP (6 KiB of stack). */
#define MCTE_REAP_CHUNK		256

/* ---------------------------------------------------------------- */
/* Batches: an open-addressing table by id                            */

static unsigned int mcte_hash(__u32 id, unsigned int size)
{
	return (id * 2654435761U) & (size - 1);
}

static struct mcte_batch_ent *mcte_batch_lookup(struct mcte *m, __u32 id)
{
	unsigned int i;

	if (!m->batches_size || !id)
		return NULL;
	for (i = mcte_hash(id, m->batches_size);; i = (i + 1) & (m->batches_size - 1)) {
		if (m->batches[i].id == id)
			return &m->batches[i];
		if (!m->batches[i].id)
			return NULL;
	}
}

static int mcte_batch_grow(struct mcte *m)
{
	unsigned int size = m->batches_size ? 2 * m->batches_size : 64;
	struct mcte_batch_ent *old = m->batches, *tab;
	unsigned int i, j;

	tab = calloc(size, sizeof(*tab));
	if (!tab)
		return -ENOMEM;
	for (i = 0; i < m->batches_size; i++) {
		if (!old[i].id)
			continue;
		for (j = mcte_hash(old[i].id, size); tab[j].id; j = (j + 1) & (size - 1))
			;
		tab[j] = old[i];
	}
	free(old);
	m->batches = tab;
	m->batches_size = size;
	return 0;
}

static struct mcte_batch_ent *mcte_batch_insert(struct mcte *m, __u32 id)
{
	struct mcte_batch_ent *ent = mcte_batch_lookup(m, id);
	unsigned int i;

	if (ent)
		return ent;
	/* at most half full: probes stay short */
	if (2 * (m->batches_used + 1) > m->batches_size && mcte_batch_grow(m))
		return NULL;
	for (i = mcte_hash(id, m->batches_size); m->batches[i].id;
	     i = (i + 1) & (m->batches_size - 1))
		;
	m->batches[i] = (struct mcte_batch_ent){ .id = id };
	m->batches_used++;
	return &m->batches[i];
}

/* Remove @ent, moving back the entries after it that probed past it. */
static void mcte_batch_remove(struct mcte *m, struct mcte_batch_ent *ent)
{
	unsigned int mask = m->batches_size - 1;
	unsigned int i = ent - m->batches, j = i, k;

	for (;;) {
		j = (j + 1) & mask;
		if (!m->batches[j].id)
			break;
		k = mcte_hash(m->batches[j].id, m->batches_size);
		/* can the entry at j move to the hole at i? */
		if ((i <= j) ? (i < k && k <= j) : (i < k || k <= j))
			continue;
		m->batches[i] = m->batches[j];
		i = j;
	}
	m->batches[i].id = 0;
	m->batches_used--;
}

/*
 * @n requests of @batch_id were submitted through the ioctl path by
 * @owner (NULL: their completions are to be dropped). A batch whose
 * completions are still due to another owner is -EBUSY.
 */
int mcte_track_locked(struct mcte *m, __u32 batch_id, struct mcte_cq *owner,
		      unsigned int n)
{
	struct mcte_batch_ent *ent = mcte_batch_insert(m, batch_id);

	if (!ent)
		return -ENOMEM;
	if (ent->pending && ent->owner != owner) {
		/* Two users of one live batch at once. */
		if (!ent->freed || ent->prev_pending)
			return -EBUSY;
		/* The id is a new batch's; the freed one's come first. */
		ent->prev_owner = ent->owner;
		ent->prev_pending = ent->pending;
		ent->pending = 0;
	}
	ent->owner = owner;
	ent->freed = false;
	ent->pending += n;
	if (!owner)
		m->drop_pending += n;
	return 0;
}

/* Undo mcte_track_locked() for requests the module refused. */
void mcte_untrack_locked(struct mcte *m, __u32 batch_id, unsigned int n)
{
	struct mcte_batch_ent *ent = mcte_batch_lookup(m, batch_id);

	if (!ent)
		return;
	if (n > ent->pending)
		n = ent->pending;
	ent->pending -= n;
	if (!ent->owner)
		m->drop_pending -= n;
}

/* A batch from mcte_batch_alloc(): known, with nothing pending. */
int mcte_batch_known(struct mcte *m, __u32 batch_id)
{
	int err = 0;

	pthread_mutex_lock(&m->lock);
	if (!mcte_batch_insert(m, batch_id))
		err = -ENOMEM;
	pthread_mutex_unlock(&m->lock);
	return err;
}

void mcte_cq_push_locked(struct mcte_cq *cq, const struct mcte_cqe *cqe)
{
	cq->cqes[cq->tail & (cq->size - 1)] = *cqe;
	cq->tail++;
}

static void mcte_route_locked(struct mcte *m, const struct mcte_cqe *cqes,
			      unsigned int nr)
{
	struct mcte_batch_ent *ent;
	unsigned int i;

	for (i = 0; i < nr; i++) {
		ent = mcte_batch_lookup(m, cqes[i].batch_id);
		if (!ent || (!ent->pending && !ent->prev_pending)) {
			/* a batch the library did not submit to */
			m->stray++;
			continue;
		}
		if (ent->prev_pending) {
			ent->prev_pending--;
			if (ent->prev_owner)
				mcte_cq_push_locked(ent->prev_owner, &cqes[i]);
			else
				m->drop_pending--;
			if (ent->freed && !ent->pending && !ent->prev_pending)
				mcte_batch_remove(m, ent);
			continue;
		}
		ent->pending--;
		if (ent->owner)
			mcte_cq_push_locked(ent->owner, &cqes[i]);
		else
			m->drop_pending--;
		if (ent->freed && !ent->pending && !ent->prev_pending)
			mcte_batch_remove(m, ent);
	}
}

/*
 * Reap until @cq holds at least @want completions, routing whatever else
 * comes to its owners. With @cq NULL or @want 0: route what is there
 * without waiting (and without waiting for another thread that reaps).
 *
 * Return: 0, -EINTR, other -errno of MCTE_IOC_REAP.
 */
int mcte_reap(struct mcte *m, struct mcte_cq *cq, unsigned int want)
{
	struct mcte_cqe tmp[MCTE_REAP_CHUNK];
	struct mcte_reap r;
	unsigned int have;
	bool block = cq && want;
	int ret = 0, err;

	pthread_mutex_lock(&m->lock);
	for (;;) {
		have = cq ? mcte_cq_count(cq) : 0;
		if (block && have >= want)
			break;
		if (m->reaping) {
			if (!block)
				break;
			m->reap_waiters++;
			pthread_cond_wait(&m->reap_cond, &m->lock);
			m->reap_waiters--;
			continue;
		}

		memset(&r, 0, sizeof(r));
		r.cqes = (__u64)(uintptr_t)tmp;
		r.nr = MCTE_REAP_CHUNK;
		if (block)
			r.min_nr = m->reap_waiters ? 1 : want - have;
		if (r.min_nr > MCTE_REAP_CHUNK)
			r.min_nr = MCTE_REAP_CHUNK;

		m->reaping = true;
		pthread_mutex_unlock(&m->lock);
		err = ioctl(m->fd, MCTE_IOC_REAP, &r) < 0 ? -errno : 0;
		pthread_mutex_lock(&m->lock);
		m->reaping = false;
		if (!err)
			mcte_route_locked(m, tmp, r.nr);
		if (m->reap_waiters)
			pthread_cond_broadcast(&m->reap_cond);

		if (!block) {
			/* nothing there is not an error for a drain */
			if (err == -ETIME || err == -EAGAIN)
				err = 0;
			if (err)
				ret = err;
			if (err || r.nr < MCTE_REAP_CHUNK)
				break;
			continue;
		}
		if (err) {
			ret = err;
			break;
		}
	}
	pthread_mutex_unlock(&m->lock);
	return ret;
}

/*
 * Around MCTE_IOC_BATCH_FREE: marked before the call, so that a new batch
 * that gets the same id from another thread as soon as the module freed
 * it is told apart from a second user of the old one; unmarked when the
 * module refused.
 */
void mcte_batch_freeing(struct mcte *m, __u32 batch_id, bool freeing)
{
	struct mcte_batch_ent *ent;

	pthread_mutex_lock(&m->lock);
	ent = mcte_batch_lookup(m, batch_id);
	if (ent)
		ent->freed = freeing;
	pthread_mutex_unlock(&m->lock);
}

/*
 * After MCTE_IOC_BATCH_FREE: every completion of the batch is on the file
 * (a batch is freed only once its requests ended) or being routed by a
 * leader. Route what is there, and forget the batch once nothing is due
 * to it; whoever routes its last completion removes it otherwise.
 */
void mcte_batch_forget(struct mcte *m, __u32 batch_id)
{
	struct mcte_batch_ent *ent;
	bool pending;

	pthread_mutex_lock(&m->lock);
	ent = mcte_batch_lookup(m, batch_id);
	pending = ent && ent->freed && ent->pending;
	pthread_mutex_unlock(&m->lock);

	if (pending)
		mcte_reap(m, NULL, 0);

	pthread_mutex_lock(&m->lock);
	ent = mcte_batch_lookup(m, batch_id);
	if (ent && ent->freed && !ent->pending && !ent->prev_pending)
		mcte_batch_remove(m, ent);
	pthread_mutex_unlock(&m->lock);
}

/*
 * @cq goes away (a ring's exit): the completions still due to it are
 * dropped when they come.
 */
void mcte_cq_detach(struct mcte *m, struct mcte_cq *cq)
{
	unsigned int i;

	pthread_mutex_lock(&m->lock);
	for (i = 0; i < m->batches_size; i++) {
		if (!m->batches[i].id)
			continue;
		if (m->batches[i].prev_owner == cq) {
			m->batches[i].prev_owner = NULL;
			m->drop_pending += m->batches[i].prev_pending;
		}
		if (m->batches[i].owner != cq)
			continue;
		m->batches[i].owner = NULL;
		m->drop_pending += m->batches[i].pending;
	}
	pthread_mutex_unlock(&m->lock);
}

void mcte_reap_destroy(struct mcte *m)
{
	free(m->batches);
	m->batches = NULL;
	m->batches_size = m->batches_used = 0;
	pthread_cond_destroy(&m->reap_cond);
	pthread_mutex_destroy(&m->lock);
}
