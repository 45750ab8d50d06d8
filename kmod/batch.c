// SPDX-License-Identifier: GPL-2.0
/*
 * mcte - batches and the ioctl path: MCTE_IOC_BATCH_*, and the queue of
 * completions MCTE_IOC_REAP takes from.
 *
 * A batch holds the status of its requests in submission order; the
 * transfers in flight (struct mcte_xfer) point to their slots. It lives
 * while its file's table, a transfer or a queued completion holds it; its
 * capacity stays charged to the file as long, which bounds what a file
 * can have in flight and queued together (MCTE_FILE_REQS_MAX).
 *
 * Locks: the file's batch table lock, then a batch's lock, then the lock
 * of a transfer of it. Completions are queued under the file's lock,
 * taken alone.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kernel.h>
#include <linux/minmax.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/wait.h>
#include <linux/xarray.h>

#include "mcte.h"

/* Status entries copied per round of MCTE_IOC_BATCH_STATUS. */
#define MCTE_STATUS_CHUNK	128

static void mcte_batch_release(struct kref *ref)
{
	struct mcte_batch *b = container_of(ref, struct mcte_batch, ref);
	struct mcte_file *mf = b->mf;

	WARN_ON_ONCE(!list_empty(&b->live) || b->reserved);
	spin_lock(&mf->lock);
	mf->reqs_charged -= b->capacity;
	spin_unlock(&mf->lock);
	kvfree(b->slots);
	kfree(b);
}

/**
 * mcte_batch_put() - drop a reference to a batch
 * @b: the batch
 *
 * Process context, no spinlock held.
 */
void mcte_batch_put(struct mcte_batch *b)
{
	kref_put(&b->ref, mcte_batch_release);
}

/**
 * mcte_batch_get() - look a batch of a file up by id
 * @mf: the file
 * @id: the batch id
 *
 * Return: the batch with a reference dropped by mcte_batch_put(), or NULL.
 */
struct mcte_batch *mcte_batch_get(struct mcte_file *mf, u32 id)
{
	struct mcte_batch *b;

	xa_lock(&mf->batches);
	b = xa_load(&mf->batches, id);
	if (b)
		kref_get(&b->ref);
	xa_unlock(&mf->batches);
	return b;
}

/**
 * mcte_batch_reserve() - reserve a slot for a request being checked
 * @b: a referenced batch
 *
 * Return: 0, -ENOENT when the batch was freed meanwhile, -ENOSPC when it
 * is full.
 */
int mcte_batch_reserve(struct mcte_batch *b)
{
	int ret = 0;

	spin_lock(&b->lock);
	if (b->freed)
		ret = -ENOENT;
	else if (b->nr + b->reserved >= b->capacity)
		ret = -ENOSPC;
	else
		b->reserved++;
	spin_unlock(&b->lock);
	return ret;
}

/**
 * mcte_batch_unreserve() - give a reserved slot back
 * @b: the batch
 */
void mcte_batch_unreserve(struct mcte_batch *b)
{
	spin_lock(&b->lock);
	b->reserved--;
	spin_unlock(&b->lock);
}

/**
 * mcte_batch_commit() - turn a reserved slot into a WAITING request
 * @b: the batch
 * @x: the transfer that reserved it; gets the slot's index
 */
void mcte_batch_commit(struct mcte_batch *b, struct mcte_xfer *x)
{
	struct mcte_req *req;

	spin_lock(&b->lock);
	b->reserved--;
	x->slot = b->nr++;
	req = &b->slots[x->slot];
	req->user_data = x->user_data;
	req->bytes = 0;
	req->res = 0;
	req->state = MCTE_XFER_WAITING;
	list_add_tail(&x->bnode, &b->live);
	spin_unlock(&b->lock);
}

static bool mcte_xfer_transition_ok(u32 from, u32 to)
{
	switch (from) {
	case MCTE_XFER_WAITING:
		return to == MCTE_XFER_PENDING || to == MCTE_XFER_FAILED ||
		       to == MCTE_XFER_TIMEOUT || to == MCTE_XFER_CANCELED;
	case MCTE_XFER_PENDING:
		return to == MCTE_XFER_COMPLETED || to == MCTE_XFER_FAILED ||
		       to == MCTE_XFER_TIMEOUT || to == MCTE_XFER_CANCELED;
	default:
		/* COMPLETED, FAILED, TIMEOUT and CANCELED are final. */
		return false;
	}
}

/*
 * The one place a request's state changes, under its batch's lock; the
 * batch's counters follow. An illegal transition is a bug: it is refused
 * and reported, never made.
 */
static bool mcte_req_set_state(struct mcte_batch *b, struct mcte_req *req,
			       u32 state)
{
	lockdep_assert_held(&b->lock);
	if (WARN_ONCE(!mcte_xfer_transition_ok(req->state, state),
		      "mcte: request state %u -> %u\n", req->state, state))
		return false;

	if (req->state == MCTE_XFER_WAITING)
		b->nr_moved++;
	req->state = state;
	switch (state) {
	case MCTE_XFER_PENDING:
		return true;
	case MCTE_XFER_FAILED:
		b->nr_failed++;
		break;
	case MCTE_XFER_TIMEOUT:
		b->nr_timeout++;
		break;
	case MCTE_XFER_CANCELED:
		b->nr_canceled++;
		break;
	}
	b->nr_ended++;
	return true;
}

/**
 * mcte_batch_started() - a request's first slice is starting: PENDING
 * @b: its batch
 * @x: the transfer, held by the slice
 */
void mcte_batch_started(struct mcte_batch *b, struct mcte_xfer *x)
{
	spin_lock(&b->lock);
	mcte_req_set_state(b, &b->slots[x->slot], MCTE_XFER_PENDING);
	spin_unlock(&b->lock);
}

/**
 * mcte_batch_end() - a request ended
 * @b: its batch
 * @x: the transfer
 * @state: its final state
 * @res: 0, or the -errno it ended with
 */
void mcte_batch_end(struct mcte_batch *b, struct mcte_xfer *x, u32 state,
		    int res)
{
	struct mcte_req *req = &b->slots[x->slot];

	spin_lock(&b->lock);
	if (mcte_req_set_state(b, req, state)) {
		req->res = res;
		WRITE_ONCE(req->bytes, x->done);
	}
	list_del_init(&x->bnode);
	spin_unlock(&b->lock);
}

/* The state of a batch as a whole, under its lock. */
static u32 mcte_batch_state(const struct mcte_batch *b)
{
	lockdep_assert_held(&b->lock);
	if (b->nr && b->nr_ended == b->nr) {
		if (b->nr_failed)
			return MCTE_XFER_FAILED;
		if (b->nr_timeout)
			return MCTE_XFER_TIMEOUT;
		if (b->nr_canceled)
			return MCTE_XFER_CANCELED;
		return MCTE_XFER_COMPLETED;
	}
	return b->nr_moved ? MCTE_XFER_PENDING : MCTE_XFER_WAITING;
}

/*
 * Give every unfinished request of @b a reason to stop. The caller sweeps
 * the transports afterwards (mcte_xfer_sweep()), outside the batch lock.
 */
static void mcte_batch_mark_stop(struct mcte_batch *b, int err)
{
	struct mcte_xfer *x;

	spin_lock(&b->lock);
	list_for_each_entry(x, &b->live, bnode)
		mcte_xfer_mark_stop(x, err);
	spin_unlock(&b->lock);
}

/**
 * mcte_ioctl_batch_alloc() - MCTE_IOC_BATCH_ALLOC: make a batch
 * @mf: the file
 * @arg: struct mcte_batch_alloc in user memory
 *
 * Return: 0, -EINVAL, -EFAULT, or -ENOMEM also when the file's batches
 * would hold more than MCTE_FILE_REQS_MAX requests together.
 */
long mcte_ioctl_batch_alloc(struct mcte_file *mf,
			    struct mcte_batch_alloc __user *arg)
{
	struct mcte_batch_alloc a;
	struct mcte_batch *b;
	u32 id;
	int ret;

	if (copy_from_user(&a, arg, sizeof(a)))
		return -EFAULT;
	if (a.resv || !a.capacity || a.capacity > MCTE_BATCH_MAX)
		return -EINVAL;

	spin_lock(&mf->lock);
	if (mf->reqs_charged + a.capacity > MCTE_FILE_REQS_MAX) {
		spin_unlock(&mf->lock);
		return -ENOMEM;
	}
	mf->reqs_charged += a.capacity;
	spin_unlock(&mf->lock);

	b = kzalloc(sizeof(*b), GFP_KERNEL_ACCOUNT);
	if (!b) {
		ret = -ENOMEM;
		goto out_uncharge;
	}
	b->slots = kvcalloc(a.capacity, sizeof(*b->slots), GFP_KERNEL_ACCOUNT);
	if (!b->slots) {
		ret = -ENOMEM;
		goto out_free_batch;
	}
	kref_init(&b->ref);
	b->mf = mf;
	b->capacity = a.capacity;
	spin_lock_init(&b->lock);
	INIT_LIST_HEAD(&b->live);
	atomic64_set(&b->bytes, 0);

	/* Reserved, written back, and only then visible: all or nothing. */
	ret = xa_alloc_cyclic(&mf->batches, &id, NULL, XA_LIMIT(1, INT_MAX),
			      &mf->batch_next, GFP_KERNEL_ACCOUNT);
	if (ret < 0)
		goto out_free_slots;
	if (put_user(id, &arg->batch_id)) {
		ret = -EFAULT;
		goto out_release_id;
	}
	b->id = id;
	WARN_ON_ONCE(xa_is_err(xa_store(&mf->batches, id, b, GFP_KERNEL)));
	atomic_long_inc(&mf->eng->nr_batches);
	return 0;

out_release_id:
	xa_erase(&mf->batches, id);
out_free_slots:
	kvfree(b->slots);
out_free_batch:
	kfree(b);
out_uncharge:
	spin_lock(&mf->lock);
	mf->reqs_charged -= a.capacity;
	spin_unlock(&mf->lock);
	return ret;
}

/**
 * mcte_ioctl_batch_free() - MCTE_IOC_BATCH_FREE: free a finished batch
 * @mf: the file
 * @arg: the batch id, a u32 in user memory
 *
 * Completions of it not reaped yet stay in the reap queue.
 *
 * Return: 0, -EFAULT, -ENOENT, or -EBUSY while a request of it has not
 * ended (or is being submitted).
 */
long mcte_ioctl_batch_free(struct mcte_file *mf, u32 __user *arg)
{
	struct mcte_batch *b;
	int ret = 0;
	u32 id;

	if (get_user(id, arg))
		return -EFAULT;

	xa_lock(&mf->batches);
	b = xa_load(&mf->batches, id);
	if (!b) {
		ret = -ENOENT;
		goto out_unlock;
	}
	spin_lock(&b->lock);
	if (b->nr_ended != b->nr || b->reserved) {
		ret = -EBUSY;
	} else {
		b->freed = true;
		__xa_erase(&mf->batches, id);
	}
	spin_unlock(&b->lock);
out_unlock:
	xa_unlock(&mf->batches);
	if (ret)
		return ret;

	atomic_long_dec(&mf->eng->nr_batches);
	mcte_batch_put(b);
	return 0;
}

/**
 * mcte_ioctl_batch_cancel() - MCTE_IOC_BATCH_CANCEL
 * @mf: the file
 * @arg: the batch id, a u32 in user memory
 *
 * Every request of the batch that has not ended ends CANCELED, soon:
 * slices executing finish first.
 *
 * Return: 0, -EFAULT or -ENOENT.
 */
long mcte_ioctl_batch_cancel(struct mcte_file *mf, u32 __user *arg)
{
	struct mcte_batch *b;
	u32 id;

	if (get_user(id, arg))
		return -EFAULT;
	b = mcte_batch_get(mf, id);
	if (!b)
		return -ENOENT;

	mcte_batch_mark_stop(b, -ECANCELED);
	mcte_xfer_sweep(mf->eng);
	mcte_batch_put(b);
	return 0;
}

/**
 * mcte_ioctl_batch_status() - MCTE_IOC_BATCH_STATUS
 * @mf: the file
 * @arg: struct mcte_batch_status in user memory
 *
 * Return: 0, -EINVAL, -EFAULT or -ENOENT.
 */
long mcte_ioctl_batch_status(struct mcte_file *mf,
			     struct mcte_batch_status __user *arg)
{
	struct mcte_xfer_status *buf = NULL;
	struct mcte_xfer_status __user *ust;
	struct mcte_batch_status st;
	struct mcte_batch *b;
	u32 room, i, n, k;
	int ret = 0;

	if (copy_from_user(&st, arg, sizeof(st)))
		return -EFAULT;
	if (st.resv0 || st.resv)
		return -EINVAL;
	b = mcte_batch_get(mf, st.batch_id);
	if (!b)
		return -ENOENT;

	ust = u64_to_user_ptr(st.status);
	room = st.status ? st.nr : 0;
	/*
	 * The batch's state before its slots': a request ends for good, so
	 * a batch reported ended has every slot copied below ended too.
	 */
	spin_lock(&b->lock);
	room = min(room, b->nr);
	st.nr = b->nr;
	st.state = mcte_batch_state(b);
	spin_unlock(&b->lock);
	if (room) {
		buf = kmalloc_array(min_t(u32, room, MCTE_STATUS_CHUNK),
				    sizeof(*buf), GFP_KERNEL);
		if (!buf) {
			ret = -ENOMEM;
			goto out_put_batch;
		}
	}

	/* Slots only ever fill up, so the first @room stay valid. */
	for (i = 0; i < room; i += n) {
		n = min_t(u32, room - i, MCTE_STATUS_CHUNK);
		spin_lock(&b->lock);
		for (k = 0; k < n; k++) {
			const struct mcte_req *req = &b->slots[i + k];

			buf[k].user_data = req->user_data;
			buf[k].bytes = READ_ONCE(req->bytes);
			buf[k].res = req->res;
			buf[k].state = req->state;
		}
		spin_unlock(&b->lock);
		if (copy_to_user(ust + i, buf, n * sizeof(*buf))) {
			ret = -EFAULT;
			goto out_free_buf;
		}
	}

	st.bytes = atomic64_read(&b->bytes);
	if (copy_to_user(arg, &st, sizeof(st)))
		ret = -EFAULT;

out_free_buf:
	kfree(buf);
out_put_batch:
	mcte_batch_put(b);
	return ret;
}

/* Write the outcome of a submission back; -EFAULT if it cannot be. */
static int mcte_submit_result(struct mcte_batch_submit __user *arg,
			      u32 submitted, u32 error_index)
{
	if (put_user(submitted, &arg->submitted) ||
	    put_user(error_index, &arg->error_index))
		return -EFAULT;
	return 0;
}

/**
 * mcte_ioctl_batch_submit() - MCTE_IOC_BATCH_SUBMIT: queue requests
 * @mf: the file
 * @arg: struct mcte_batch_submit in user memory
 *
 * All or nothing: every request is checked and its slot reserved, the
 * outcome is written back, and only then are they committed and handed to
 * the transports. A refused call says which request in @error_index.
 *
 * Return: 0 or -errno.
 */
long mcte_ioctl_batch_submit(struct mcte_file *mf,
			     struct mcte_batch_submit __user *arg)
{
	struct mcte_xfer_req __user *ureqs;
	struct mcte_batch_submit s;
	struct mcte_xfer *x, *tmp;
	struct mcte_xfer_req req;
	LIST_HEAD(xfers);
	u32 i = 0;
	int ret;

	if (copy_from_user(&s, arg, sizeof(s)))
		return -EFAULT;
	if (s.resv || !s.nr) {
		ret = -EINVAL;
		i = s.nr;
		goto out_result;
	}

	ureqs = u64_to_user_ptr(s.reqs);
	for (i = 0; i < s.nr; i++) {
		if (copy_from_user(&req, &ureqs[i], sizeof(req))) {
			ret = -EFAULT;
			goto out_abort;
		}
		ret = mcte_xfer_prepare(mf, &req, NULL, &x);
		if (ret)
			goto out_abort;
		list_add_tail(&x->qnode, &xfers);
		if (fatal_signal_pending(current)) {
			ret = -EINTR;
			goto out_abort;
		}
		cond_resched();
	}

	ret = mcte_submit_result(arg, s.nr, 0);
	if (ret) {
		i = s.nr;
		goto out_abort;
	}
	list_for_each_entry(x, &xfers, qnode)
		mcte_xfer_commit(x);
	mcte_xfer_submit(&xfers);
	return 0;

out_abort:
	list_for_each_entry_safe(x, tmp, &xfers, qnode)
		mcte_xfer_abort(x);
out_result:
	if (mcte_submit_result(arg, 0, i))
		return -EFAULT;
	return ret;
}

static bool mcte_cq_has(struct mcte_file *mf, u32 nr)
{
	return READ_ONCE(mf->cq_nr) >= nr;
}

/* The oldest completion in the reap queue, or NULL. */
static struct mcte_xfer *mcte_cq_peek(struct mcte_file *mf)
{
	struct mcte_xfer *x;

	spin_lock(&mf->lock);
	x = list_first_entry_or_null(&mf->cq, struct mcte_xfer, cqnode);
	spin_unlock(&mf->lock);
	return x;
}

static void mcte_cq_consume(struct mcte_file *mf, struct mcte_xfer *x)
{
	spin_lock(&mf->lock);
	list_del(&x->cqnode);
	WRITE_ONCE(mf->cq_nr, mf->cq_nr - 1);
	spin_unlock(&mf->lock);
	mcte_batch_put(x->batch);
	mcte_xfer_put(x);
}

/**
 * mcte_ioctl_reap() - MCTE_IOC_REAP: take completions of the ioctl path
 * @mf: the file
 * @arg: struct mcte_reap in user memory
 *
 * Waits, interruptibly, until @min_nr completions are there or
 * @timeout_ms passed (0: no limit), then returns up to @nr of them, oldest
 * first; a completion is consumed only once copied out.
 *
 * Return: 0 with &mcte_reap.nr set, -ETIME when the time passed and none
 * came, -EINTR when a signal came first and none is there, -EINVAL or
 * -EFAULT.
 */
long mcte_ioctl_reap(struct mcte_file *mf, struct mcte_reap __user *arg)
{
	struct mcte_cqe __user *ucqes;
	struct mcte_reap r;
	struct mcte_xfer *x;
	struct mcte_cqe cqe;
	long left;
	u32 min_nr, got = 0;
	int ret = 0;

	if (copy_from_user(&r, arg, sizeof(r)))
		return -EFAULT;
	if (r.resv)
		return -EINVAL;
	/* Writable, so that nothing is consumed that cannot be reported. */
	if (put_user(0, &arg->nr))
		return -EFAULT;

	min_nr = min(r.min_nr, r.nr);
	if (min_nr && READ_ONCE(mf->cq_nr) < min_nr) {
		left = r.timeout_ms ? msecs_to_jiffies(r.timeout_ms) :
				      MAX_SCHEDULE_TIMEOUT;
		left = wait_event_interruptible_timeout(mf->cq_wait,
							mcte_cq_has(mf, min_nr),
							left);
		if (!READ_ONCE(mf->cq_nr))
			return left < 0 ? -EINTR : -ETIME;
	}

	ucqes = u64_to_user_ptr(r.cqes);
	mutex_lock(&mf->reap_lock);
	while (got < r.nr && (x = mcte_cq_peek(mf))) {
		cqe.user_data = x->user_data;
		cqe.res = x->cqe_res;
		cqe.batch_id = x->batch->id;
		cqe.state = x->cqe_state;
		if (copy_to_user(&ucqes[got], &cqe, sizeof(cqe))) {
			ret = -EFAULT;
			break;
		}
		mcte_cq_consume(mf, x);
		got++;
	}
	mutex_unlock(&mf->reap_lock);

	/* What was copied is reported; a fault before any is the error. */
	if (ret && !got)
		return ret;
	if (put_user(got, &arg->nr))
		return -EFAULT;
	return 0;
}

/**
 * mcte_batch_release_file() - end every request of a file, free its batches
 * @mf: the file going away
 *
 * Waits until every request of the file has ended (slices executing
 * finish, the others are dropped), then frees the completions nobody
 * reaped and the batches.
 */
void mcte_batch_release_file(struct mcte_file *mf)
{
	struct mcte_xfer *x, *tmp;
	struct mcte_batch *b;
	unsigned long id;

	xa_for_each(&mf->batches, id, b)
		mcte_batch_mark_stop(b, -ECANCELED);
	mcte_xfer_sweep(mf->eng);
	mcte_xfer_wait_file(mf);

	list_for_each_entry_safe(x, tmp, &mf->cq, cqnode)
		mcte_cq_consume(mf, x);

	xa_for_each(&mf->batches, id, b) {
		xa_erase(&mf->batches, id);
		atomic_long_dec(&mf->eng->nr_batches);
		mcte_batch_put(b);
		cond_resched();
	}
	xa_destroy(&mf->batches);
	WARN_ON_ONCE(mf->reqs_charged);
}
