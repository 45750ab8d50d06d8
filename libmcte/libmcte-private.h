/* SPDX-License-Identifier: LGPL-2.1 OR MIT */
/*
 * libmcte internals: the handle and what the files of the library share.
 * Not installed.
 */
#ifndef LIBMCTE_PRIVATE_H
#define LIBMCTE_PRIVATE_H

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>

#include "libmcte.h"

/*
 * Built with -fvisibility=hidden: only what is marked is exported, and
 * libmcte.map gives each exported symbol its version node.
 */
#define MCTE_EXPORT	__attribute__((visibility("default")))

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

/* mcte::ver_state */
enum {
	MCTE_VER_NONE = 0,	/* not asked for yet */
	MCTE_VER_FILLING,	/* one thread is storing the answer */
	MCTE_VER_READY,		/* ver and ver_err may be read */
};

/*
 * Completions of the ioctl path for one consumer (a ring, a synchronous
 * transfer): a circular buffer the router fills under mcte::lock. Its
 * owner keeps the number of its requests in flight or unseen at most
 * @size, so a push always finds room.
 */
struct mcte_cq {
	struct mcte_cqe *cqes;
	unsigned int size;	/* a power of two */
	unsigned int head;	/* next to consume, owner only */
	unsigned int tail;	/* next to fill */
};

static inline unsigned int mcte_cq_count(const struct mcte_cq *cq)
{
	return cq->tail - cq->head;
}

/*
 * What the library knows of a batch of the file (reap.c): who gets the
 * completions the module queues on the file for it, and how many of them
 * have not been routed yet.
 */
/*
 * The module may hand a freed batch's id out again while completions of
 * the freed batch are still on the file; those come first (the file's
 * queue is in order of ending, and a batch is freed only once all its
 * requests ended), so they are routed to @prev_owner before any goes to
 * the new batch's @owner.
 */
struct mcte_batch_ent {
	__u32 id;		/* 0: free entry */
	__u32 pending;		/* completions not routed yet */
	struct mcte_cq *owner;	/* NULL: nobody wants them, drop */
	bool freed;		/* free asked for: forget once nothing is due */
	__u32 prev_pending;	/* due to the freed batch of the same id */
	struct mcte_cq *prev_owner;
};

struct mcte {
	int fd;

	/* Cached answer of MCTE_IOC_VERSION, see version.c. */
	int ver_state;
	int ver_err;			/* 0 or -EPROTO */
	struct mcte_version ver;

	/*
	 * The file's completion queue (MCTE_IOC_REAP), shared by the rings
	 * on the ioctl path, synchronous transfers and the batch functions:
	 * one thread at a time reaps (@reaping) and routes what it got by
	 * batch; the others wait on @reap_cond. See reap.c.
	 */
	pthread_mutex_t lock;
	pthread_cond_t reap_cond;
	bool reaping;
	unsigned int reap_waiters;
	struct mcte_batch_ent *batches;	/* open addressing, by id */
	unsigned int batches_size;	/* 0 or a power of two */
	unsigned int batches_used;
	unsigned int drop_pending;	/* completions nobody wants, on the file */
	__u64 stray;			/* completions of batches not known */

	/* Block segments' alignment, by handle (block.c), under @lock. */
	struct mcte_align *aligns;
	unsigned int nr_aligns;
};

/* block.c */
struct mcte_align {
	__u32 handle;
	__u32 align;
};

void mcte_align_note(struct mcte *m, __u32 handle, __u32 align);
void mcte_align_forget(struct mcte *m, __u32 handle);

/* reap.c; the _locked functions want mcte::lock held. */
int mcte_track_locked(struct mcte *m, __u32 batch_id, struct mcte_cq *owner,
		      unsigned int n);
void mcte_untrack_locked(struct mcte *m, __u32 batch_id, unsigned int n);
int mcte_batch_known(struct mcte *m, __u32 batch_id);
void mcte_batch_freeing(struct mcte *m, __u32 batch_id, bool freeing);
void mcte_batch_forget(struct mcte *m, __u32 batch_id);
int mcte_reap(struct mcte *m, struct mcte_cq *cq, unsigned int want);
void mcte_cq_push_locked(struct mcte_cq *cq, const struct mcte_cqe *cqe);
void mcte_cq_detach(struct mcte *m, struct mcte_cq *cq);
void mcte_reap_destroy(struct mcte *m);

/* batch.c: submit @nr requests of one batch, their completions @owner's */
int mcte_batch_submit_owned(struct mcte *m, __u32 batch_id,
			    const struct mcte_xfer_req *reqs, unsigned int nr,
			    struct mcte_cq *owner);

/* The final state a result stands for. */
static inline __u32 mcte_res_state(__s64 res)
{
	if (res >= 0)
		return MCTE_XFER_COMPLETED;
	if (res == -ETIMEDOUT)
		return MCTE_XFER_TIMEOUT;
	if (res == -ECANCELED)
		return MCTE_XFER_CANCELED;
	return MCTE_XFER_FAILED;
}

#endif /* LIBMCTE_PRIVATE_H */
