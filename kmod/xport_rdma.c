// SPDX-License-Identifier: GPL-2.0
/*
 * mcte - the RDMA transport's data path: each slice of a transfer to a
 * peer's segment becomes RDMA READs or WRITEs on one path.
 *
 * A slice is cut where the peer's keys change (one MR covers at most
 * rdev->fr_pages pages) and where its local pages fill a work request's
 * SGEs; its local pages are DMA-mapped for the path's device while it is
 * posted. Every work request is signaled: a slice is done when all of its
 * completed, and the send queue and the RDMA READs in flight are counted
 * per path so neither overflows (MCTE_PATH_SQ_DATA, the negotiated
 * initiator depth); slices that do not fit wait in the path's pending list, in
 * order.
 *
 * Choice of path: an up path of the peer that has keys for the segment on
 * its remote device, preferred NICs for the NUMA node of the slice's first
 * local page first (mcte_topo_class()), round robin among equals: fallback
 * NICs carry slices only while no preferred one has an up path, and NICs
 * the matrix does not name for the location none. With no such path, a
 * slice waits on the peer while a path of a NIC the matrix names may
 * still come up (a matrix change dispatches waiting slices again), else
 * fails at once: -ENETUNREACH when the matrix names none of the NICs of
 * the paths left, -ENOLINK when no path is left. A slice whose work requests fail for a reason
 * of the path (flushed, retries exceeded, ...) tries another path, up to
 * MCTE_SLICE_TRIES paths; one refused by the peer (its keys are void)
 * fails with -ENODEV when the segment went, -EACCES otherwise.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cache.h>
#include <linux/mm.h>
#include <linux/slab.h>

#include "rdma_priv.h"

struct workqueue_struct *mcte_rdma_wq;
atomic_t mcte_rdma_live = ATOMIC_INIT(0);
static struct kmem_cache *mcte_rslice_cache;

static void mcte_rslice_finish(struct mcte_rslice *rsl, int err)
{
	mcte_xfer_slice_done(&rsl->s, err);
	kmem_cache_free(mcte_rslice_cache, rsl);
}

/* Why a slice that is given up ends: a segment of it went, or a stop. */
static int mcte_rslice_gone_err(const struct mcte_rslice *rsl)
{
	return mcte_seg_dead(&rsl->rs->seg) || mcte_seg_dead(rsl->s.x->lseg) ?
	       -ENODEV : -ECANCELED;
}

/* Undo what mcte_rslice_build() did for a try. */
static void mcte_rslice_unbuild(struct mcte_rslice *rsl, struct ib_device *dev)
{
	enum dma_data_direction dir = rsl->s.x->opcode == MCTE_OP_READ ?
				      DMA_FROM_DEVICE : DMA_TO_DEVICE;
	u32 i, j;

	if (!rsl->wrs)
		return;
	for (i = 0; i < rsl->nr_wr; i++)
		for (j = 0; j < rsl->wrs[i].nr_sge; j++)
			ib_dma_unmap_page(dev, rsl->wrs[i].sge[j].addr,
					  rsl->wrs[i].sge[j].length, dir);
	kvfree(rsl->wrs);
	rsl->wrs = NULL;
	rsl->nr_wr = 0;
	rsl->nr_rd = 0;
}

static void mcte_rwr_done(struct ib_cq *cq, struct ib_wc *wc);

/*
 * Work requests for @rsl on @p (its device @rdev), into rsl->wrs; with
 * @fill false, only count them. Return: the count, or -errno: -ENOKEY
 * when @p lost its keys meanwhile (it is closing).
 */
static int mcte_rslice_walk(struct mcte_rslice *rsl, struct mcte_path *p,
			    struct mcte_rdev *rdev, bool fill)
{
	struct mcte_xfer *x = rsl->s.x;
	bool rd = x->opcode == MCTE_OP_READ;
	enum dma_data_direction dir = rd ? DMA_FROM_DEVICE : DMA_TO_DEVICE;
	u64 roff = x->toff + rsl->s.off, left = rsl->s.len;
	u32 max_sge = rdev->max_sge, lkey = rdev->pd->local_dma_lkey;
	struct ib_device *dev = rdev->ibdev;
	struct mcte_seg_pos pos;
	int n = 0;

	mcte_seg_pos_init(&pos, x->lseg, x->loff + rsl->s.off);
	while (left) {
		struct mcte_rwr *w = fill ? &rsl->wrs[n] : NULL;
		struct mcte_wire_key key;
		u64 room, len = 0;
		u32 nsge = 0;

		if (!mcte_rseg_key(rsl->rs, p, roff, &key))
			return -ENOKEY;
		room = be64_to_cpu(key.off) + be32_to_cpu(key.len) - roff;
		room = min(room, left);
		while (len < room && nsge < max_sge) {
			size_t pgoff, plen;
			struct page *page;

			page = mcte_seg_pos_page(&pos, &pgoff, &plen);
			/* Memory without pages needs an MR of its own. */
			if (!page)
				return -EOPNOTSUPP;
			plen = min_t(u64, plen, room - len);
			if (w) {
				struct ib_sge *sge = &w->sge[nsge];

				sge->addr = ib_dma_map_page(dev, page, pgoff,
							    plen, dir);
				if (ib_dma_mapping_error(dev, sge->addr))
					return -ENOMEM;
				sge->length = plen;
				sge->lkey = lkey;
				w->nr_sge = nsge + 1;
			}
			nsge++;
			mcte_seg_pos_advance(&pos, plen);
			len += plen;
		}
		if (w) {
			w->cqe.done = mcte_rwr_done;
			w->rsl = rsl;
			w->wr.wr.wr_cqe = &w->cqe;
			w->wr.wr.opcode = rd ? IB_WR_RDMA_READ :
					       IB_WR_RDMA_WRITE;
			w->wr.wr.send_flags = IB_SEND_SIGNALED;
			w->wr.wr.sg_list = w->sge;
			w->wr.wr.num_sge = nsge;
			w->wr.remote_addr = be64_to_cpu(key.addr) +
					    (roff - be64_to_cpu(key.off));
			w->wr.rkey = be32_to_cpu(key.rkey);
			if (n)
				rsl->wrs[n - 1].wr.wr.next = &w->wr.wr;
			rsl->nr_wr = n + 1;
			if (rd)
				rsl->nr_rd++;
		}
		roff += len;
		left -= len;
		n++;
	}
	return n;
}

/*
 * Work requests of @rsl for @p, its pages mapped for @p's device.
 * Return: 0 or -errno: -ENOTCONN or -ENOKEY when @p is closing (its
 * device entry or its keys gone since it was picked).
 */
static int mcte_rslice_build(struct mcte_rslice *rsl, struct mcte_path *p)
{
	struct mcte_rdev *rdev;
	int n, ret;

	spin_lock(&p->lock);
	rdev = p->rdev;
	if (rdev)
		kref_get(&rdev->ref);
	spin_unlock(&p->lock);
	if (!rdev)
		return -ENOTCONN;

	n = mcte_rslice_walk(rsl, p, rdev, false);
	ret = n;
	if (n < 0)
		goto out_put_rdev;
	ret = -E2BIG;
	if (n > MCTE_PATH_SQ_DATA)
		goto out_put_rdev;
	ret = -ENOMEM;
	rsl->wrs = kvcalloc(n, sizeof(*rsl->wrs), GFP_KERNEL);
	if (!rsl->wrs)
		goto out_put_rdev;
	rsl->nr_wr = 0;
	rsl->nr_rd = 0;
	ret = mcte_rslice_walk(rsl, p, rdev, true);
	if (ret < 0) {
		mcte_rslice_unbuild(rsl, rdev->ibdev);
		goto out_put_rdev;
	}
	rsl->dev = rdev->ibdev;
	rsl->err = 0;
	atomic_set(&rsl->left, rsl->nr_wr);
	ret = 0;
out_put_rdev:
	mcte_rdev_put(rdev);
	return ret;
}

/* Under p->lock: post @rsl if it fits. Return: 0, -EAGAIN, -errno. */
static int mcte_rslice_post_locked(struct mcte_path *p,
				   struct mcte_rslice *rsl)
{
	int ret;

	lockdep_assert_held(&p->lock);
	if (p->state != MCTE_PATH_UP || p->err || !p->qp)
		return -ENOTCONN;
	if (p->sq_used + rsl->nr_wr > MCTE_PATH_SQ_DATA ||
	    p->rd_used + rsl->nr_rd > p->rd_max)
		return -EAGAIN;
	p->sq_used += rsl->nr_wr;
	p->rd_used += rsl->nr_rd;
	ret = ib_post_send(p->qp, &rsl->wrs[0].wr.wr, NULL);
	if (ret) {
		p->sq_used -= rsl->nr_wr;
		p->rd_used -= rsl->nr_rd;
	}
	return ret;
}

/* Another path for a slice whose try failed, or its end. */
static void mcte_rslice_retry(struct mcte_rslice *rsl, int err)
{
	LIST_HEAD(one);

	if (rsl->path) {
		mcte_rslice_unbuild(rsl, rsl->dev);
		atomic64_inc(&rsl->path->retries);
		mcte_path_put(rsl->path);
		rsl->path = NULL;
	}
	if (++rsl->tries >= MCTE_SLICE_TRIES) {
		mcte_rslice_finish(rsl, err);
		return;
	}
	list_add_tail(&rsl->node, &one);
	mcte_rdma_dispatch(&one);
}

/**
 * mcte_rdma_retry_list() - slices a failing path did not post: elsewhere
 * @rslices: linked by &mcte_rslice.node; emptied
 * @err: their error if they run out of paths
 */
void mcte_rdma_retry_list(struct list_head *rslices, int err)
{
	struct mcte_rslice *rsl, *tmp;

	list_for_each_entry_safe(rsl, tmp, rslices, node) {
		list_del_init(&rsl->node);
		mcte_rslice_retry(rsl, err);
	}
}

/**
 * mcte_rdma_post_pending() - post the slices waiting for room on a path
 * @p: the path
 */
void mcte_rdma_post_pending(struct mcte_path *p)
{
	struct mcte_rslice *rsl;
	LIST_HEAD(retry);
	int ret;

	spin_lock(&p->lock);
	while ((rsl = list_first_entry_or_null(&p->pending,
					       struct mcte_rslice, node))) {
		ret = mcte_rslice_post_locked(p, rsl);
		if (ret == -EAGAIN)
			break;
		list_del_init(&rsl->node);
		if (ret)
			list_add_tail(&rsl->node, &retry);
	}
	spin_unlock(&p->lock);
	mcte_rdma_retry_list(&retry, -ENOLINK);
}

/* A slice's error from a work completion: path trouble, or the peer's no. */
static int mcte_wc_err(struct mcte_rslice *rsl, enum ib_wc_status st,
		       bool *path_err)
{
	*path_err = false;
	switch (st) {
	case IB_WC_REM_ACCESS_ERR:
	case IB_WC_REM_INV_REQ_ERR:
	case IB_WC_REM_OP_ERR:
		return mcte_seg_dead(&rsl->rs->seg) ? -ENODEV : -EACCES;
	case IB_WC_LOC_LEN_ERR:
	case IB_WC_LOC_PROT_ERR:
		return -EIO;
	default:
		*path_err = true;
		return -ENOLINK;
	}
}

/*
 * The local NIC's counters for a slice's try on @p. Its QP is not yet
 * drained, so p->rdev still holds the device's entry.
 */
static void mcte_rdma_count_dev(struct mcte_path *p, struct mcte_rslice *rsl,
				int err)
{
	struct mcte_rdev *rdev = READ_ONCE(p->rdev);
	struct mcte_dev *mdev = rdev ? rdev->mdev : NULL;

	if (!mdev)
		return;
	if (err) {
		atomic64_inc(&mdev->errors);
		return;
	}
	atomic64_inc(&mdev->slices);
	atomic64_add(rsl->s.len, rsl->s.x->opcode == MCTE_OP_READ ?
		     &mdev->bytes_read : &mdev->bytes_written);
}

static void mcte_rwr_done(struct ib_cq *cq, struct ib_wc *wc)
{
	struct mcte_rwr *w = container_of(wc->wr_cqe, struct mcte_rwr, cqe);
	struct mcte_rslice *rsl = w->rsl;
	struct mcte_path *p = rsl->path;
	bool path_err = false;
	int err;

	/*
	 * A busy path's send queue is full, and pings are dropped then:
	 * the peer acknowledging our RDMA is what shows it alive.
	 */
	if (wc->status == IB_WC_SUCCESS) {
		WRITE_ONCE(p->last_heard, jiffies);
	} else if (!rsl->err) {
		rsl->err = mcte_wc_err(rsl, wc->status, &path_err);
		rsl->path_err = path_err;
		if (wc->status != IB_WC_WR_FLUSH_ERR) {
			pr_debug("path %u: %s\n", p->id,
				 ib_wc_status_msg(wc->status));
			/* The QP is in error now: the path must reconnect. */
			mcte_path_fail(p, -EIO);
		}
	}
	if (!atomic_dec_and_test(&rsl->left))
		return;

	spin_lock(&p->lock);
	p->sq_used -= rsl->nr_wr;
	p->rd_used -= rsl->nr_rd;
	spin_unlock(&p->lock);
	wake_up(&p->room);

	err = rsl->err;
	mcte_rdma_count_dev(p, rsl, err);
	if (!err) {
		atomic64_add(rsl->s.len, &p->bytes);
		atomic64_inc(&p->slices);
		mcte_rslice_unbuild(rsl, rsl->dev);
		rsl->path = NULL;
		mcte_rslice_finish(rsl, 0);
	} else if (rsl->path_err) {
		mcte_rslice_retry(rsl, err);
		p = NULL;	/* the retry dropped the slice's reference */
	} else {
		mcte_rslice_unbuild(rsl, rsl->dev);
		rsl->path = NULL;
		mcte_rslice_finish(rsl, err);
	}
	if (p) {
		mcte_rdma_post_pending(p);
		mcte_path_put(p);
	}
}

/* Under peer->lock: the class of @p for memory of node @nid, or -1. */
static int mcte_rdma_class(struct mcte_engine *eng, struct mcte_path *p,
			   struct mcte_rseg *rs, int nid)
{
	struct mcte_rdev *rdev;
	int class = -1;

	if (READ_ONCE(p->state) != MCTE_PATH_UP || READ_ONCE(p->err))
		return -1;
	spin_lock(&p->lock);
	rdev = p->rdev;
	if (rdev)
		class = mcte_topo_class(eng, nid, rdev->ibdev);
	spin_unlock(&p->lock);
	if (class < 0 || class > MCTE_TOPO_FALLBACK)
		return -1;
	return mcte_rseg_usable_on(rs, p) ? class : -1;
}

/*
 * Under peer->lock: whether a path not dead may carry slices of memory of
 * node @nid once up: the matrix names its local NIC for the location (a
 * path not yet bound to one may get any).
 */
static bool mcte_rdma_usable(struct mcte_engine *eng, struct mcte_path *p,
			     int nid)
{
	char dev[IB_DEVICE_NAME_MAX];

	spin_lock(&p->lock);
	memcpy(dev, p->local_dev, sizeof(dev));
	spin_unlock(&p->lock);
	return !dev[0] || mcte_topo_usable(eng, nid, dev);
}

/*
 * Under peer->lock: an up path of the peer for @rsl, referenced; NULL
 * with *alive saying whether one may still come, and *err why not when
 * none can: -ENETUNREACH when paths remain but the matrix names none of
 * their NICs for the memory's location, -ENOLINK when none remains.
 * Round robin over the paths of the best class, in one pass: the lowest
 * id above the last one picked, else the lowest.
 */
static struct mcte_path *mcte_rdma_pick(struct mcte_peer *peer,
					struct mcte_rslice *rsl, bool *alive,
					int *err)
{
	struct mcte_xfer *x = rsl->s.x;
	struct mcte_engine *eng = x->mf->eng;
	struct mcte_path *p, *next = NULL, *lowest = NULL, *found;
	int best = MCTE_TOPO_FALLBACK + 1, class;
	struct mcte_seg_pos pos;
	struct page *page;
	size_t pgoff, len;
	int nid;

	mcte_seg_pos_init(&pos, x->lseg, x->loff + rsl->s.off);
	page = mcte_seg_pos_page(&pos, &pgoff, &len);
	nid = page ? page_to_nid(page) : NUMA_NO_NODE;

	*alive = false;
	*err = -ENOLINK;
	list_for_each_entry(p, &peer->paths, pnode) {
		if (READ_ONCE(p->state) != MCTE_PATH_DEAD) {
			if (mcte_rdma_usable(eng, p, nid))
				*alive = true;
			else
				*err = -ENETUNREACH;
		}
		class = mcte_rdma_class(eng, p, rsl->rs, nid);
		if (class < 0 || class > best)
			continue;
		if (class < best) {
			best = class;
			next = NULL;
			lowest = NULL;
		}
		if (!lowest || p->id < lowest->id)
			lowest = p;
		if (p->id > peer->rr && (!next || p->id < next->id))
			next = p;
	}
	found = next ?: lowest;
	if (found) {
		peer->rr = found->id;
		kref_get(&found->ref);
	}
	return found;
}

/**
 * mcte_rdma_dispatch() - send slices on their way
 * @rslices: slices without a path, linked by &mcte_rslice.node; emptied
 *
 * Process context.
 */
void mcte_rdma_dispatch(struct list_head *rslices)
{
	struct mcte_rslice *rsl;
	struct mcte_peer *peer;
	struct mcte_path *p;
	int ret, err;
	bool alive;

	while ((rsl = list_first_entry_or_null(rslices, struct mcte_rslice,
					       node))) {
		list_del_init(&rsl->node);
		if (mcte_xfer_stopping(rsl->s.x)) {
			mcte_rslice_finish(rsl, mcte_rslice_gone_err(rsl));
			continue;
		}
		peer = rsl->rs->peer;
		spin_lock(&peer->lock);
		p = mcte_rdma_pick(peer, rsl, &alive, &err);
		if (!p && alive)
			list_add_tail(&rsl->node, &peer->waitq);
		spin_unlock(&peer->lock);
		if (!p) {
			if (!alive)
				mcte_rslice_finish(rsl, err);
			continue;
		}

		rsl->path = p;
		ret = mcte_rslice_build(rsl, p);
		/* The path closed since it was picked: another one will do. */
		if (ret == -ENOTCONN || ret == -ENOKEY) {
			mcte_rslice_retry(rsl, -ENOLINK);
			continue;
		}
		if (ret) {
			rsl->path = NULL;
			mcte_path_put(p);
			mcte_rslice_finish(rsl, ret);
			continue;
		}
		spin_lock(&p->lock);
		ret = list_empty(&p->pending) ?
		      mcte_rslice_post_locked(p, rsl) : -EAGAIN;
		if (ret == -EAGAIN)
			list_add_tail(&rsl->node, &p->pending);
		spin_unlock(&p->lock);
		if (ret && ret != -EAGAIN)
			mcte_rslice_retry(rsl, -ENOLINK);
	}
}

static void mcte_rdma_submit(struct list_head *xfers)
{
	struct mcte_xfer *x, *tmp;

	list_for_each_entry_safe(x, tmp, xfers, qnode) {
		enum mcte_claim claim = MCTE_CLAIM_MORE;
		LIST_HEAD(rslices);

		list_del_init(&x->qnode);
		while (claim == MCTE_CLAIM_MORE) {
			struct mcte_rslice *rsl;
			struct mcte_slice s;

			claim = mcte_xfer_claim(x, &s);
			if (claim == MCTE_CLAIM_STOP)
				break;
			mcte_xfer_slice_start(&s);
			rsl = kmem_cache_zalloc(mcte_rslice_cache, GFP_KERNEL);
			if (!rsl) {
				mcte_xfer_slice_done(&s, -ENOMEM);
				continue;
			}
			rsl->s = s;
			rsl->rs = mcte_rseg_of(x->tseg);
			INIT_LIST_HEAD(&rsl->node);
			list_add_tail(&rsl->node, &rslices);
		}
		/* Every slice is claimed: they hold it, not the queue. */
		mcte_xfer_unhold(x);
		mcte_rdma_dispatch(&rslices);
	}
}

/**
 * mcte_rdma_sweep_list() - move the slices of stopping transfers out
 * @list: a path's pending list or a peer's wait queue, locked
 * @out: where they go
 *
 * Return: whether any moved.
 */
bool mcte_rdma_sweep_list(struct list_head *list, struct list_head *out)
{
	struct mcte_rslice *rsl, *tmp;
	bool any = false;

	list_for_each_entry_safe(rsl, tmp, list, node) {
		if (mcte_xfer_stopping(rsl->s.x)) {
			list_move_tail(&rsl->node, out);
			any = true;
		}
	}
	return any;
}

static void mcte_rdma_cancel(struct mcte_xfer *x)
{
	mcte_rdma_sweep_engine(mcte_rdma_of(x->mf->eng));
}

static void mcte_rdma_sweep(struct mcte_engine *eng)
{
	mcte_rdma_sweep_engine(mcte_rdma_of(eng));
}

/**
 * mcte_rdma_slice_gone() - end a slice taken off a waiting list by a sweep
 * @rsl: the slice
 */
void mcte_rdma_slice_gone(struct mcte_rslice *rsl)
{
	if (rsl->path) {
		mcte_rslice_unbuild(rsl, rsl->dev);
		mcte_path_put(rsl->path);
		rsl->path = NULL;
	}
	mcte_rslice_finish(rsl, mcte_rslice_gone_err(rsl));
}

/* Set up at module load, before any engine: engines use its queue. */
static int mcte_xport_rdma_init(struct dentry *debugfs)
{
	mcte_rslice_cache = KMEM_CACHE(mcte_rslice, 0);
	if (!mcte_rslice_cache)
		return -ENOMEM;
	/*
	 * Connects, hellos and exports sleep: unbound, many at once. No
	 * rescuer (WQ_MEM_RECLAIM): no memory reclaim waits on mcte, and
	 * teardown works (a peer let go when idle) flush other works of
	 * this queue, which a rescuer, running one work at a time, could
	 * not make progress on.
	 */
	mcte_rdma_wq = alloc_workqueue("mcte_rdma", WQ_UNBOUND, 0);
	if (!mcte_rdma_wq) {
		kmem_cache_destroy(mcte_rslice_cache);
		return -ENOMEM;
	}
	return 0;
}

/* Paths send netlink events and sit on devices: before both go. */
static void mcte_xport_rdma_shutdown(void)
{
	mcte_rdma_shutdown();
	mcte_dev_exit();
}

/* No engine is left. */
static void mcte_xport_rdma_exit(void)
{
	destroy_workqueue(mcte_rdma_wq);
	/* One left would still hold a timer or a reference into us. */
	WARN(atomic_read(&mcte_rdma_live), "mcte: %d RDMA paths or peers leaked\n",
	     atomic_read(&mcte_rdma_live));
	mcte_rdev_exit();
	kmem_cache_destroy(mcte_rslice_cache);
}

/*
 * The RDMA transport, for transfers to segments of peer engines. It owns
 * the ib_client (rdma_device.c), which @start registers once the netlink
 * family can carry its device events.
 */
struct mcte_transport mcte_xport_rdma __ro_after_init = {
	.name			= "rdma",
	.features		= MCTE_FEAT_DEVICES | MCTE_FEAT_XPORT_RDMA,
	.init			= mcte_xport_rdma_init,
	.start			= mcte_dev_init,
	.shutdown		= mcte_xport_rdma_shutdown,
	.exit			= mcte_xport_rdma_exit,
	.engine_init		= mcte_rdma_engine_init,
	.engine_exit		= mcte_rdma_engine_exit,
	.parse_peer		= mcte_rseg_parse_peer,
	.open_remote		= mcte_rseg_open,
	.seg_unregistered	= mcte_rdma_seg_unregistered,
	.gauges			= mcte_rdma_gauges,
	.topo_changed		= mcte_rdma_topo_changed,
	.submit			= mcte_rdma_submit,
	.cancel			= mcte_rdma_cancel,
	.sweep			= mcte_rdma_sweep,
};
