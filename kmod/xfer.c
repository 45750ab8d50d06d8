// SPDX-License-Identifier: GPL-2.0
/*
 * mcte - transfers: the checks a request passes, and its life from
 * submission through its slices to its one completion.
 *
 * A request's state lives in its batch's status slot and changes only
 * through mcte_req_set_state(), which refuses, with a warning, anything
 * but these transitions:
 *
 *   WAITING -> PENDING                      the first slice is claimed
 *   WAITING -> FAILED | TIMEOUT | CANCELED  stopped before any slice ran
 *   PENDING -> COMPLETED                    every byte was transferred
 *   PENDING -> FAILED | TIMEOUT | CANCELED  stopped, and no slice is
 *                                           executing any more
 *
 * A transfer ends once nothing holds it any more (&mcte_xfer.busy: its
 * place in the transport's queue, each slice claimed from it) and either
 * all its bytes are done or a reason to stop was given: a slice failed,
 * its deadline passed, it was canceled. The first reason wins; a transfer
 * whose last byte was copied while it was being stopped completes. Ending
 * is done exactly once, by whoever drops the last hold or gives the
 * reason, in mcte_xfer_end(): the state is set, the segments are let go,
 * and the completion is queued for MCTE_IOC_REAP or handed to io_uring.
 * Because no slice executes after that, nothing is written to a segment
 * once the request that wrote it is seen to have ended.
 *
 * Slices are claimed in order but executed by the transport in any order,
 * possibly concurrently; slice boundaries are multiples of the slice size
 * in the local segment, so that a transfer of aligned buffers is cut into
 * aligned pieces, or in the target when it takes whole blocks only
 * (&mcte_seg.align above 1), so that every slice is whole blocks of it.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kernel.h>
#include <linux/limits.h>
#include <linux/slab.h>
#include <linux/wait_bit.h>
#include <linux/workqueue.h>

#include "mcte.h"
#include "seg_kind.h"
#include "transport.h"

static struct kmem_cache *mcte_xfer_cache;

static void mcte_xfer_release(struct kref *ref)
{
	struct mcte_xfer *x = container_of(ref, struct mcte_xfer, ref);

	/* Touches nothing else: the file and batch may be gone by now. */
	kmem_cache_free(mcte_xfer_cache, x);
}

/**
 * mcte_xfer_put() - drop a reference to a transfer
 * @x: the transfer
 */
void mcte_xfer_put(struct mcte_xfer *x)
{
	kref_put(&x->ref, mcte_xfer_release);
}

static void mcte_xfer_deadline(struct work_struct *work)
{
	struct mcte_xfer *x = container_of(to_delayed_work(work),
					   struct mcte_xfer, deadline);

	mcte_xfer_stop(x, -ETIMEDOUT);
	mcte_xfer_put(x);
}

static bool mcte_seg_range_ok(const struct mcte_seg *seg, u64 off, u64 len)
{
	return off <= seg->size && len <= seg->size - off;
}

/**
 * mcte_xfer_prepare() - check a request and make a transfer of it
 * @mf: the submitting file
 * @req: the request, copied from user space
 * @ioucmd: the io_uring command carrying it, or NULL for the ioctl path
 * @xp: out: the transfer, to be committed or aborted
 *
 * The checks run in the order Documentation/abi.rst lists them, so that
 * the first fault of a request in that order is the one reported. A slot
 * of the batch is reserved: a prepared transfer can always be committed.
 *
 * Return: 0 or -errno.
 */
int mcte_xfer_prepare(struct mcte_file *mf, const struct mcte_xfer_req *req,
		      struct io_uring_cmd *ioucmd, struct mcte_xfer **xp)
{
	struct mcte_seg *lseg, *tseg;
	struct mcte_batch *b;
	struct mcte_xfer *x;
	u32 lacc, tacc;
	int ret;

	if (req->opcode > MCTE_OP_WRITE || req->flags || req->resv0 ||
	    req->resv1 || req->resv2 || !req->length)
		return -EINVAL;
	if (req->length > MCTE_XFER_MAX)
		return -E2BIG;
	/* An io_uring CQE carries the length in a 32-bit result. */
	if (ioucmd && req->length > INT_MAX)
		return -E2BIG;

	b = mcte_batch_get(mf, req->batch_id);
	if (!b)
		return -ENOENT;
	ret = mcte_batch_reserve(b);
	if (ret)
		goto out_put_batch;

	ret = -EBADF;
	lseg = mcte_seg_get_handle(mf, req->local_seg, true, &lacc);
	if (!lseg)
		goto out_unreserve;
	tseg = mcte_seg_get_handle(mf, req->target_seg, false, &tacc);
	if (!tseg)
		goto out_put_lseg;

	ret = -ENODEV;
	if (mcte_seg_dead(tseg) || mcte_seg_dead(lseg))
		goto out_put_tseg;

	ret = -EACCES;
	if (tacc < (req->opcode == MCTE_OP_READ ? MCTE_ACCESS_READ :
		    MCTE_ACCESS_RW))
		goto out_put_tseg;

	ret = -ERANGE;
	if (!mcte_seg_range_ok(lseg, req->local_off, req->length) ||
	    !mcte_seg_range_ok(tseg, req->target_off, req->length))
		goto out_put_tseg;
	ret = mcte_seg_check_xfer(lseg, req->local_off, tseg,
				  req->target_off, req->length,
				  req->opcode == MCTE_OP_WRITE);
	if (ret)
		goto out_put_tseg;

	x = kmem_cache_zalloc(mcte_xfer_cache, GFP_KERNEL_ACCOUNT);
	if (!x) {
		ret = -ENOMEM;
		goto out_put_tseg;
	}
	kref_init(&x->ref);
	spin_lock_init(&x->lock);
	x->mf = mf;
	x->batch = b;
	x->opcode = req->opcode;
	x->slice = mcte_slice_size();
	x->timeout_ms = req->timeout_ms ?: mcte_xfer_timeout_ms();
	x->lseg = lseg;
	x->tseg = tseg;
	x->loff = req->local_off;
	x->toff = req->target_off;
	x->length = req->length;
	x->user_data = req->user_data;
	x->ioucmd = ioucmd;
	/* The local segment is always ours; the target may be a peer's. */
	x->xport = mcte_transport_of(tseg);
	x->busy = 1;	/* the queue hold, handed to the transport */
	INIT_LIST_HEAD(&x->qnode);
	INIT_LIST_HEAD(&x->bnode);
	INIT_LIST_HEAD(&x->cqnode);
	INIT_DELAYED_WORK(&x->deadline, mcte_xfer_deadline);
	*xp = x;
	return 0;

out_put_tseg:
	mcte_seg_put(tseg);
out_put_lseg:
	mcte_seg_put(lseg);
out_unreserve:
	mcte_batch_unreserve(b);
out_put_batch:
	mcte_batch_put(b);
	return ret;
}

/**
 * mcte_xfer_abort() - drop a prepared transfer that was not committed
 * @x: from mcte_xfer_prepare()
 */
void mcte_xfer_abort(struct mcte_xfer *x)
{
	mcte_seg_put(x->tseg);
	mcte_seg_put(x->lseg);
	mcte_batch_unreserve(x->batch);
	mcte_batch_put(x->batch);
	mcte_xfer_put(x);
}

/**
 * mcte_xfer_commit() - make a prepared transfer a request of its batch
 * @x: from mcte_xfer_prepare()
 *
 * It takes its reserved slot, WAITING, and its deadline starts. It is not
 * executed before mcte_xfer_submit().
 */
void mcte_xfer_commit(struct mcte_xfer *x)
{
	struct mcte_file *mf = x->mf;

	mcte_batch_commit(x->batch, x);
	atomic_inc(&mf->nr_live);
	atomic_inc(&x->lseg->inflight);
	if (x->tseg != x->lseg)
		atomic_inc(&x->tseg->inflight);
	mcte_stat_add(mf->eng, MCTE_STAT_REQ_SUBMITTED, 1);

	kref_get(&x->ref);	/* the deadline's */
	queue_delayed_work(mcte_wq, &x->deadline,
			   msecs_to_jiffies(x->timeout_ms));
}

/**
 * mcte_xfer_submit() - hand committed transfers to their transports
 * @xfers: transfers linked by &mcte_xfer.qnode; emptied
 */
void mcte_xfer_submit(struct list_head *xfers)
{
	mcte_transports_submit(xfers);
}

/**
 * mcte_xfer_sweep() - let every transport drop an engine's transfers that stop
 * @eng: the engine; the transfers of its files are swept
 *
 * After stop reasons were given under a batch lock, or segments went. A
 * transfer only ever uses segments of its file's engine, so whatever
 * stopped it stopped transfers of that engine alone.
 */
void mcte_xfer_sweep(struct mcte_engine *eng)
{
	mcte_transports_sweep(eng);
}

static u32 mcte_xfer_end_state(int stop)
{
	switch (stop) {
	case -ETIMEDOUT:
		return MCTE_XFER_TIMEOUT;
	case -ECANCELED:
		return MCTE_XFER_CANCELED;
	default:
		return MCTE_XFER_FAILED;
	}
}

static const enum mcte_stat mcte_xfer_end_stat[] = {
	[MCTE_XFER_COMPLETED]	= MCTE_STAT_REQ_COMPLETED,
	[MCTE_XFER_FAILED]	= MCTE_STAT_REQ_FAILED,
	[MCTE_XFER_TIMEOUT]	= MCTE_STAT_REQ_TIMEOUT,
	[MCTE_XFER_CANCELED]	= MCTE_STAT_REQ_CANCELED,
};

/*
 * The end of a transfer, run once, by whoever set &mcte_xfer.ended. No
 * slice is claimed or executing, none will be.
 */
static void mcte_xfer_end(struct mcte_xfer *x)
{
	struct mcte_file *mf = x->mf;
	struct mcte_batch *b = x->batch;
	u32 state;
	int res;

	/* A deadline still to come holds a reference; take it back. */
	if (cancel_delayed_work(&x->deadline))
		mcte_xfer_put(x);

	if (x->done == x->length) {
		state = MCTE_XFER_COMPLETED;
		res = 0;
	} else {
		state = mcte_xfer_end_state(x->stop);
		res = x->stop;
	}
	x->cqe_state = state;
	x->cqe_res = res ?: (s64)x->length;

	mcte_batch_end(b, x, state, res);
	mcte_stat_add(mf->eng, mcte_xfer_end_stat[state], 1);

	if (x->tseg != x->lseg)
		atomic_dec(&x->tseg->inflight);
	atomic_dec(&x->lseg->inflight);
	mcte_seg_put(x->tseg);
	mcte_seg_put(x->lseg);
	x->lseg = NULL;
	x->tseg = NULL;

	if (x->ioucmd) {
		/* The command, not the reap queue, reports it. */
		mcte_batch_put(b);
		x->batch = NULL;
		mcte_uring_complete(x);
	} else {
		/* The reap queue entry keeps the batch (its capacity) held. */
		spin_lock(&mf->lock);
		list_add_tail(&x->cqnode, &mf->cq);
		WRITE_ONCE(mf->cq_nr, mf->cq_nr + 1);
		spin_unlock(&mf->lock);
		wake_up(&mf->cq_wait);
	}

	/* The last touch of the file: release may be waiting for it. */
	if (atomic_dec_and_test(&mf->nr_live))
		wake_up_var(&mf->nr_live);
}

/* Under x->lock: whether the transfer may end now, and claim the end. */
static bool mcte_xfer_try_end(struct mcte_xfer *x)
{
	lockdep_assert_held(&x->lock);
	if (x->ended || x->busy || (!x->stop && x->done != x->length))
		return false;
	x->ended = true;
	return true;
}

/**
 * mcte_xfer_mark_stop() - give a transfer a reason to stop
 * @x: a transfer, held by the caller or under its batch's lock
 * @err: -ETIMEDOUT, -ECANCELED or another -errno (FAILED)
 *
 * Does not end it: its transport has to drop its queue hold first, which
 * mcte_xfer_stop() or a sweep makes it do.
 *
 * Return: whether @err became the reason.
 */
bool mcte_xfer_mark_stop(struct mcte_xfer *x, int err)
{
	bool marked = false;

	spin_lock(&x->lock);
	if (!x->ended && !x->stop) {
		x->stop = err;
		marked = true;
	}
	spin_unlock(&x->lock);
	return marked;
}

/**
 * mcte_xfer_stopped() - whether a queued transfer should leave its queue
 * @x: a transfer with a queue hold; under its transport's queue lock
 *
 * A transfer whose segment was unregistered gets -ENODEV as its reason.
 *
 * Return: true when it has a reason to stop.
 */
bool mcte_xfer_stopped(struct mcte_xfer *x)
{
	bool stopped;

	spin_lock(&x->lock);
	if (!x->stop && (mcte_seg_dead(x->lseg) || mcte_seg_dead(x->tseg)))
		x->stop = -ENODEV;
	stopped = x->stop;
	spin_unlock(&x->lock);
	return stopped;
}

/**
 * mcte_xfer_stop() - stop a transfer, soon
 * @x: a transfer the caller holds a reference on
 * @err: the reason, as for mcte_xfer_mark_stop()
 *
 * Slices not started are dropped, slices executing finish first; then it
 * ends. Nothing happens to a transfer that already has a reason or ended.
 */
void mcte_xfer_stop(struct mcte_xfer *x, int err)
{
	if (mcte_xfer_mark_stop(x, err))
		x->xport->cancel(x);
}

/**
 * mcte_xfer_claim() - claim the next slice of a queued transfer
 * @x: a transfer with a queue hold
 * @s: out: the slice, when one was claimed
 *
 * A claimed slice holds the transfer until mcte_xfer_slice_done(). The
 * transport drops its queue hold (mcte_xfer_unhold()) after
 * %MCTE_CLAIM_LAST and %MCTE_CLAIM_STOP.
 *
 * Return: enum mcte_claim.
 */
enum mcte_claim mcte_xfer_claim(struct mcte_xfer *x, struct mcte_slice *s)
{
	enum mcte_claim ret;
	u64 base, room;

	spin_lock(&x->lock);
	if (x->stop) {
		ret = MCTE_CLAIM_STOP;
		goto out_unlock;
	}
	/*
	 * Up to the next multiple of the slice size in the local segment;
	 * in the target when it takes whole blocks only (align above 1),
	 * so that each slice is whole blocks of it (slices are a power of
	 * two of at least a page, blocks one of at most a page).
	 */
	base = x->tseg->align > 1 ? x->toff : x->loff;
	room = x->slice - ((base + x->next) & (x->slice - 1));
	s->x = x;
	s->off = x->next;
	s->len = min(x->length - x->next, room);
	x->next += s->len;
	x->busy++;
	ret = x->next == x->length ? MCTE_CLAIM_LAST : MCTE_CLAIM_MORE;
out_unlock:
	spin_unlock(&x->lock);
	return ret;
}

/**
 * mcte_xfer_slice_start() - a claimed slice is about to be executed
 * @s: the slice
 *
 * The first one makes the request PENDING.
 */
void mcte_xfer_slice_start(struct mcte_slice *s)
{
	if (!s->off)
		mcte_batch_started(s->x->batch, s->x);
}

/**
 * mcte_xfer_slice_done() - a slice was executed, or given up
 * @s: the slice
 * @err: 0 when all its bytes were transferred, else -errno; a failure
 *	 becomes the transfer's reason to stop unless it has one
 *
 * May end the transfer. Process context.
 */
void mcte_xfer_slice_done(struct mcte_slice *s, int err)
{
	struct mcte_xfer *x = s->x;
	struct mcte_batch *b = x->batch;
	bool end, failed = false;

	/*
	 * Accounted while the slice still holds the transfer: once it is
	 * dropped, the transfer, its batch and its file may go at any time.
	 */
	spin_lock(&x->lock);
	x->busy--;
	if (!err) {
		x->done += s->len;
		WRITE_ONCE(b->slots[x->slot].bytes, x->done);
		atomic64_add(s->len, &b->bytes);
		mcte_stat_add(x->mf->eng, MCTE_STAT_SLICES, 1);
		mcte_stat_add(x->mf->eng, x->opcode == MCTE_OP_READ ?
			      MCTE_STAT_BYTES_READ : MCTE_STAT_BYTES_WRITTEN,
			      s->len);
	} else if (!x->stop) {
		x->stop = err;
		failed = true;
	}
	end = mcte_xfer_try_end(x);
	if (failed && !end)
		kref_get(&x->ref);
	spin_unlock(&x->lock);

	if (end) {
		mcte_xfer_end(x);
	} else if (failed) {
		/* Its other slices need not wait in the queue. */
		x->xport->cancel(x);
		mcte_xfer_put(x);
	}
}

/**
 * mcte_xfer_unhold() - the transport dropped a transfer from its queue
 * @x: the transfer; may end and be freed before this returns
 */
void mcte_xfer_unhold(struct mcte_xfer *x)
{
	bool end;

	spin_lock(&x->lock);
	x->busy--;
	end = mcte_xfer_try_end(x);
	spin_unlock(&x->lock);

	if (end)
		mcte_xfer_end(x);
}

/**
 * mcte_xfer_wait_file() - wait until every transfer of a file has ended
 * @mf: a file going away, whose transfers were all given a reason to stop
 */
void mcte_xfer_wait_file(struct mcte_file *mf)
{
	wait_var_event(&mf->nr_live, !atomic_read(&mf->nr_live));
}

/**
 * mcte_xfer_init() - set up what transfers are allocated from
 *
 * Return: 0 or -ENOMEM.
 */
int mcte_xfer_init(void)
{
	mcte_xfer_cache = KMEM_CACHE(mcte_xfer, SLAB_ACCOUNT);
	return mcte_xfer_cache ? 0 : -ENOMEM;
}

/**
 * mcte_xfer_exit() - tear it down
 *
 * After the workqueue running deadlines is gone: no transfer is left.
 */
void mcte_xfer_exit(void)
{
	kmem_cache_destroy(mcte_xfer_cache);
}
