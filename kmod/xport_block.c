// SPDX-License-Identifier: GPL-2.0
/*
 * mcte - the block transport: transfers whose target is a block segment of
 * this node (seg_block.c), their local side memory of this node. A slice
 * is block I/O between the device and the local memory's own pages; only
 * memory without pages the block layer can take (a dma-buf the CPU maps
 * as I/O memory, buffers off the device's DMA alignment) goes through a
 * bounce buffer of host pages, copied by the CPU.
 *
 * Transfers wait in one FIFO queue. One work item, on an unbound
 * workqueue, takes the transfer at the head off the queue and claims its
 * slices one after another, gathering consecutive ones into block
 * requests of up to 1 MiB that run asynchronously: mcte_blk_submit()
 * bounds how many bios are in flight and hands their end to a work item,
 * so one worker keeps the device's queue full. Bios of one transfer are
 * plugged and merge.
 *
 * A block segment's align is its block size, so the core cuts slices at
 * multiples of the slice size in it: every slice is whole blocks.
 *
 * The worker owns the transfer it took off the queue (its queue hold)
 * until it claimed the last slice or found it stopping; cancel and sweep
 * reach only transfers still queued.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/blkdev.h>
#include <linux/highmem.h>
#include <linux/kernel.h>
#include <linux/list.h>
#include <linux/overflow.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/workqueue.h>

#include "mcte.h"
#include "seg_block.h"
#include "seg_kind.h"
#include "transport.h"

/*
 * A block request gathers consecutive slices of a transfer up to this
 * many bytes, and this many slices: one bio of BIO_MAX_VECS pages rather
 * than one per slice, the allocations and the completion work item paid
 * once. The device's own limits split it further if they must.
 */
#define MCTE_BREQ_BYTES		SZ_1M
#define MCTE_BREQ_SLICES	32

/**
 * struct mcte_breq - consecutive slices of a transfer as one
 *		      mcte_blk_submit()
 * @x: the transfer, held by its slices
 * @off: offset in the transfer
 * @len: bytes, whole blocks of the device
 * @nr_sl: entries of @sl
 * @sl: the slices, in order, @len bytes from @off
 * @nr_bounce: pages of @bounce, 0 when the I/O is on the local pages
 * @bounce: host pages standing in for the local memory
 * @nr_bv: entries of @bv
 * @bv: the memory of the I/O
 */
struct mcte_breq {
	struct mcte_xfer *x;
	u64 off;
	u64 len;
	unsigned int nr_sl;
	struct mcte_slice sl[MCTE_BREQ_SLICES];
	unsigned int nr_bounce;
	struct page **bounce;
	unsigned int nr_bv;
	struct bio_vec bv[];
};

static DEFINE_SPINLOCK(mcte_blkx_lock);	/* queue, mcte_xfer.queued */
static LIST_HEAD(mcte_blkx_queue);
static struct workqueue_struct *mcte_blkx_wq;
static struct work_struct mcte_blkx_work_item;

/* Each slice of @sl ends with @err. */
static void mcte_blkx_slices_done(struct mcte_slice *sl, unsigned int nr,
				  int err)
{
	unsigned int i;

	for (i = 0; i < nr; i++)
		mcte_xfer_slice_done(&sl[i], err);
}

static void mcte_breq_free(struct mcte_breq *rq, int err)
{
	unsigned int i;

	for (i = 0; i < rq->nr_bounce; i++)
		if (rq->bounce[i])
			__free_page(rq->bounce[i]);
	mcte_blkx_slices_done(rq->sl, rq->nr_sl, err);
	kvfree(rq);
}

/* Copy between the bounce pages and the local memory. */
static void mcte_breq_copy(struct mcte_breq *rq, bool to_seg)
{
	struct mcte_xfer *x = rq->x;
	u64 done = 0;
	unsigned int i;

	for (i = 0; i < rq->nr_bounce; i++) {
		u64 n = min_t(u64, PAGE_SIZE, rq->len - done);
		void *v = kmap_local_page(rq->bounce[i]);

		mcte_seg_copy_kbuf(x->lseg, x->loff + rq->off + done, v, n,
				   to_seg);
		kunmap_local(v);
		done += n;
	}
}

/* The end of a block request, in process context. */
static void mcte_breq_done(void *priv, int err)
{
	struct mcte_breq *rq = priv;

	if (!err && rq->nr_bounce && rq->x->opcode == MCTE_OP_READ)
		mcte_breq_copy(rq, true);
	mcte_breq_free(rq, err);
}

/*
 * Count the entries the local memory of [@off, @off + @len) of @x takes
 * as bio_vecs: 0 when it needs a bounce (memory without pages, or pages
 * off the device's DMA alignment).
 */
static unsigned int mcte_breq_count(struct mcte_xfer *x, u64 off, u64 len)
{
	unsigned int mask = mcte_blk_dma_mask(x->tseg), n = 0;
	struct mcte_seg_pos p;

	mcte_seg_pos_init(&p, x->lseg, x->loff + off);
	while (len) {
		size_t pgoff, plen;

		if (!mcte_seg_pos_page(&p, &pgoff, &plen))
			return 0;
		plen = min_t(u64, plen, len);
		if ((pgoff | plen) & mask)
			return 0;
		mcte_seg_pos_advance(&p, plen);
		len -= plen;
		n++;
	}
	return n;
}

static void mcte_breq_fill(struct mcte_breq *rq)
{
	struct mcte_xfer *x = rq->x;
	struct mcte_seg_pos p;
	u64 len = rq->len;
	unsigned int i;

	mcte_seg_pos_init(&p, x->lseg, x->loff + rq->off);
	for (i = 0; i < rq->nr_bv; i++) {
		size_t pgoff, plen;
		struct page *page;

		page = mcte_seg_pos_page(&p, &pgoff, &plen);
		plen = min_t(u64, plen, len);
		bvec_set_page(&rq->bv[i], page, plen, pgoff);
		mcte_seg_pos_advance(&p, plen);
		len -= plen;
	}
}

/* Bounce pages for @rq, written with the local memory for a WRITE. */
static int mcte_breq_bounce(struct mcte_breq *rq)
{
	u64 left = rq->len;
	unsigned int i;

	if (!rq->x->lseg->ops->cpu_map)
		return -EOPNOTSUPP;
	for (i = 0; i < rq->nr_bounce; i++) {
		u32 n = min_t(u64, PAGE_SIZE, left);

		rq->bounce[i] = alloc_page(GFP_KERNEL);
		if (!rq->bounce[i])
			return -ENOMEM;
		bvec_set_page(&rq->bv[i], rq->bounce[i], n, 0);
		left -= n;
	}
	if (rq->x->opcode == MCTE_OP_WRITE)
		mcte_breq_copy(rq, false);
	return 0;
}

/* Start the slices @sl, @len bytes from @off of @x, as one block request. */
static void mcte_blkx_start(struct mcte_xfer *x, u64 off, u64 len,
			    struct mcte_slice *sl, unsigned int nr_sl)
{
	unsigned int nr_bv, nr_bounce = 0;
	struct mcte_breq *rq;
	size_t size;
	int err;

	if (READ_ONCE(x->stop)) {
		err = -ECANCELED;
		goto out_fail;
	}
	if (mcte_seg_dead(x->lseg) || mcte_seg_dead(x->tseg)) {
		err = -ENODEV;
		goto out_fail;
	}

	nr_bv = mcte_breq_count(x, off, len);
	if (!nr_bv) {
		nr_bounce = DIV_ROUND_UP(len, PAGE_SIZE);
		nr_bv = nr_bounce;
	}
	size = struct_size(rq, bv, nr_bv);
	if (nr_bounce)
		size = size_add(size, array_size(nr_bounce, sizeof(*rq->bounce)));
	rq = kvzalloc(size, GFP_KERNEL);
	if (!rq) {
		err = -ENOMEM;
		goto out_fail;
	}
	rq->x = x;
	rq->off = off;
	rq->len = len;
	rq->nr_sl = nr_sl;
	memcpy(rq->sl, sl, nr_sl * sizeof(*sl));
	rq->nr_bv = nr_bv;
	rq->nr_bounce = nr_bounce;
	if (nr_bounce) {
		rq->bounce = (struct page **)&rq->bv[nr_bv];
		err = mcte_breq_bounce(rq);
		if (err)
			goto out_free;
	} else {
		mcte_breq_fill(rq);
	}

	err = mcte_blk_submit(x->tseg, x->opcode == MCTE_OP_WRITE,
			      x->toff + off, rq->bv, nr_bv, len,
			      mcte_breq_done, rq);
	if (err)
		goto out_free;
	return;

out_free:
	mcte_breq_free(rq, err);
	return;
out_fail:
	mcte_blkx_slices_done(sl, nr_sl, err);
}

/*
 * Claim and start every slice of a transfer the worker took off the
 * queue, gathered into block requests, then drop its queue hold.
 */
static void mcte_blkx_run(struct mcte_xfer *x)
{
	struct mcte_slice pend[MCTE_BREQ_SLICES];
	u32 lbs = mcte_blk_lbs(x->tseg);
	unsigned int nr_pend = 0;
	enum mcte_claim claim;
	struct blk_plug plug;
	u64 pstart = 0;

	blk_start_plug(&plug);
	do {
		struct mcte_slice *s = &pend[nr_pend];
		u64 end;

		claim = mcte_xfer_claim(x, s);
		if (claim == MCTE_CLAIM_STOP)
			break;
		mcte_xfer_slice_start(s);
		if (!nr_pend)
			pstart = s->off;
		nr_pend++;
		end = s->off + s->len;
		/* The core cut it at the target's blocks (its align). */
		if (WARN_ON_ONCE(!IS_ALIGNED(x->toff + end, lbs))) {
			mcte_blkx_slices_done(pend, nr_pend, -EINVAL);
			nr_pend = 0;
			break;
		}
		if (claim == MCTE_CLAIM_MORE && nr_pend < MCTE_BREQ_SLICES &&
		    end - pstart < MCTE_BREQ_BYTES)
			continue;
		mcte_blkx_start(x, pstart, end - pstart, pend, nr_pend);
		nr_pend = 0;
	} while (claim == MCTE_CLAIM_MORE);
	blk_finish_plug(&plug);

	/* Stopped with slices gathered and not started: they end. */
	mcte_blkx_slices_done(pend, nr_pend, -ECANCELED);
	mcte_xfer_unhold(x);
}

static void mcte_blkx_work(struct work_struct *work)
{
	struct mcte_xfer *x;

	for (;;) {
		spin_lock(&mcte_blkx_lock);
		x = list_first_entry_or_null(&mcte_blkx_queue,
					     struct mcte_xfer, qnode);
		if (x) {
			list_del_init(&x->qnode);
			x->queued = false;
		}
		spin_unlock(&mcte_blkx_lock);
		if (!x)
			break;
		mcte_blkx_run(x);
		cond_resched();
	}
}

static void mcte_blkx_submit(struct list_head *xfers)
{
	struct mcte_xfer *x;

	spin_lock(&mcte_blkx_lock);
	list_for_each_entry(x, xfers, qnode)
		x->queued = true;
	list_splice_tail_init(xfers, &mcte_blkx_queue);
	spin_unlock(&mcte_blkx_lock);
	queue_work(mcte_blkx_wq, &mcte_blkx_work_item);
}

static void mcte_blkx_cancel(struct mcte_xfer *x)
{
	bool unhold = false;

	spin_lock(&mcte_blkx_lock);
	if (x->queued) {
		list_del_init(&x->qnode);
		x->queued = false;
		unhold = true;
	}
	spin_unlock(&mcte_blkx_lock);
	if (unhold)
		mcte_xfer_unhold(x);
}

static void mcte_blkx_sweep(struct mcte_engine *eng)
{
	struct mcte_xfer *x, *tmp;
	LIST_HEAD(stopped);

	spin_lock(&mcte_blkx_lock);
	list_for_each_entry_safe(x, tmp, &mcte_blkx_queue, qnode) {
		if (mcte_xfer_stopped(x)) {
			list_move_tail(&x->qnode, &stopped);
			x->queued = false;
		}
	}
	spin_unlock(&mcte_blkx_lock);

	list_for_each_entry_safe(x, tmp, &stopped, qnode) {
		list_del_init(&x->qnode);
		mcte_xfer_unhold(x);
	}
}

static int mcte_blkx_init(struct dentry *debugfs)
{
	int ret;

	ret = mcte_blk_init();
	if (ret)
		return ret;
	mcte_blkx_wq = alloc_workqueue("mcte_blkx", WQ_UNBOUND, 1);
	if (!mcte_blkx_wq) {
		mcte_blk_exit();
		return -ENOMEM;
	}
	INIT_WORK(&mcte_blkx_work_item, mcte_blkx_work);
	return 0;
}

/* No file is left, so no transfer and no block segment either. */
static void mcte_blkx_exit(void)
{
	destroy_workqueue(mcte_blkx_wq);
	WARN_ON_ONCE(!list_empty(&mcte_blkx_queue));
	mcte_blk_exit();
}

/* The block transport, for transfers to block segments of this node. */
struct mcte_transport mcte_xport_block __ro_after_init = {
	.name		= "block",
	.init		= mcte_blkx_init,
	.exit		= mcte_blkx_exit,
	.submit		= mcte_blkx_submit,
	.cancel		= mcte_blkx_cancel,
	.sweep		= mcte_blkx_sweep,
};
