// SPDX-License-Identifier: GPL-2.0
/*
 * mcte - paths: one RC QP between a local and a remote NIC, shared by every
 * process of the node that talks to that peer engine.
 *
 * States (enum mcte_path_state) change only through mcte_path_set_state(),
 * which refuses anything but:
 *
 *   CONNECTING   -> UP | ERROR | DEAD
 *   UP           -> ERROR | DEAD
 *   ERROR        -> RECONNECTING | DEAD
 *   RECONNECTING -> UP | ERROR | DEAD
 *
 * An active path (we connected it) that fails is torn down and connected
 * again after a backoff that doubles from 100 ms to 5 s; after
 * MCTE_PATH_FAILS_MAX failed attempts in a row, or when its engine goes,
 * it is DEAD. A passive path (accepted by a listener) that fails is DEAD
 * at once: its peer reconnects. Up paths ping each other every second
 * when idle and fail after MCTE_PING_DEAD_MS without hearing anything.
 *
 * Teardown (mcte_path_teardown()), in this order: no new work request is
 * posted (state), the cm id is detached and disconnected, then destroyed,
 * which waits for its handler; the QP is drained, so every posted work
 * request has completed and its slice moved on; then QP, CQ and receive
 * buffers go. rdma_cm handlers never take the path's mutex: rdma_disconnect
 * and rdma_destroy_id take the handler's.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/in.h>
#include <linux/in6.h>
#include <linux/jiffies.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "rdma_priv.h"

/**
 * struct mcte_rpc - a request waiting for its reply
 * @node: in &mcte_path.rpcs
 * @tag: the tag of the request
 * @done: completed with the reply or an error
 * @reply: buffer for the reply
 * @max: its size
 * @len: bytes of the reply, or -errno
 */
struct mcte_rpc {
	struct list_head node;
	u64 tag;
	struct completion done;
	void *reply;
	u32 max;
	int len;
};

/**
 * struct mcte_tx - a message being sent
 * @cqe: completion
 * @path: the path, referenced
 * @dma: DMA address of @buf
 * @len: its length
 * @done: completed once the peer has it, or it failed; may be NULL
 * @buf: the message
 */
struct mcte_tx {
	struct ib_cqe cqe;
	struct mcte_path *path;
	u64 dma;
	u32 len;
	struct completion *done;
	u8 buf[];
};

/**
 * struct mcte_rx_work - a request received, handled in process context
 * @work: the work
 * @path: the path, referenced
 * @len: bytes in @msg
 * @msg: a copy of the message
 */
struct mcte_rx_work {
	struct work_struct work;
	struct mcte_path *path;
	u32 len;
	u8 msg[];
};

static const char * const mcte_path_state_names[] = {
	[MCTE_PATH_CONNECTING]		= "connecting",
	[MCTE_PATH_UP]			= "up",
	[MCTE_PATH_ERROR]		= "error",
	[MCTE_PATH_RECONNECTING]	= "reconnecting",
	[MCTE_PATH_DEAD]		= "dead",
};

static bool mcte_path_transition_ok(u32 from, u32 to)
{
	switch (from) {
	case MCTE_PATH_CONNECTING:
	case MCTE_PATH_RECONNECTING:
		return to == MCTE_PATH_UP || to == MCTE_PATH_ERROR ||
		       to == MCTE_PATH_DEAD;
	case MCTE_PATH_UP:
		return to == MCTE_PATH_ERROR || to == MCTE_PATH_DEAD;
	case MCTE_PATH_ERROR:
		return to == MCTE_PATH_RECONNECTING || to == MCTE_PATH_DEAD;
	default:
		return false;
	}
}

/* Under p->lock. Return: whether the state changed. */
static bool mcte_path_set_state(struct mcte_path *p, u32 to)
{
	lockdep_assert_held(&p->lock);
	if (p->state == to)
		return false;
	if (WARN_ONCE(!mcte_path_transition_ok(p->state, to),
		      "path %u: %s -> %s", p->id,
		      mcte_path_state_names[p->state],
		      mcte_path_state_names[to]))
		return false;
	p->state = to;
	return true;
}

/**
 * mcte_wire_init_hdr() - fill the header of a message
 * @h: the header
 * @type: enum mcte_wire_type
 * @len: length of the whole message
 * @tag: the request's tag
 */
void mcte_wire_init_hdr(struct mcte_wire_hdr *h, u8 type, u32 len, u64 tag)
{
	memset(h, 0, sizeof(*h));
	h->magic = cpu_to_be32(MCTE_WIRE_MAGIC);
	h->version = MCTE_WIRE_VERSION;
	h->type = type;
	h->len = cpu_to_be16(len);
	h->tag = cpu_to_be64(tag);
}

static void mcte_path_release(struct kref *ref)
{
	struct mcte_path *p = container_of(ref, struct mcte_path, ref);

	WARN_ON_ONCE(p->qp || p->cm);
	if (p->peer)
		mcte_peer_put(p->peer);
	kfree(p);
	atomic_dec(&mcte_rdma_live);
}

/**
 * mcte_path_put() - drop a reference to a path
 * @p: the path
 */
void mcte_path_put(struct mcte_path *p)
{
	kref_put(&p->ref, mcte_path_release);
}

/*
 * (Re)arm the path's one timer (connect watchdog, reconnect backoff or
 * ping) to fire @ms from now. A pending one gives way: the watchdog of a
 * connect that failed early must not hold back its backoff, nor a fresh
 * path's first ping. The queued work holds a reference.
 */
static void mcte_path_arm(struct mcte_path *p, u32 ms)
{
	if (cancel_delayed_work(&p->work))
		mcte_path_put(p);
	kref_get(&p->ref);
	if (!queue_delayed_work(mcte_rdma_wq, &p->work, msecs_to_jiffies(ms)))
		mcte_path_put(p);
}

static void mcte_path_notify(struct mcte_path *p, u8 cmd)
{
	struct mcte_path_info pi;

	mcte_path_info(p, &pi);
	mcte_nl_path_notify(p->r->eng, &pi, cmd);
}

/* ---- send queue room ------------------------------------------------- */

static bool mcte_path_try_room(struct mcte_path *p, u32 n)
{
	bool ok;

	spin_lock(&p->lock);
	ok = p->qp && !p->err && p->state != MCTE_PATH_ERROR &&
	     p->state != MCTE_PATH_DEAD && p->sq_used + n <= MCTE_PATH_SQ;
	if (ok)
		p->sq_used += n;
	spin_unlock(&p->lock);
	return ok;
}

/**
 * mcte_path_wait_room() - reserve send queue entries, waiting for them
 * @p: the path
 * @n: entries
 *
 * Return: 0, or -ENOTCONN when the path fails or does not free them in
 * time.
 */
int mcte_path_wait_room(struct mcte_path *p, u32 n)
{
	long left;

	left = wait_event_timeout(p->room, mcte_path_try_room(p, n) ||
				  READ_ONCE(p->err),
				  msecs_to_jiffies(MCTE_RPC_TIMEOUT_MS));
	if (left && !READ_ONCE(p->err))
		return 0;
	/* It may have been reserved just as the error came. */
	return -ENOTCONN;
}

/**
 * mcte_path_unroom() - send queue entries were freed
 * @p: the path
 * @n: entries
 */
void mcte_path_unroom(struct mcte_path *p, u32 n)
{
	spin_lock(&p->lock);
	p->sq_used -= n;
	spin_unlock(&p->lock);
	wake_up(&p->room);
}

/* ---- messages -------------------------------------------------------- */

static void mcte_tx_done(struct ib_cq *cq, struct ib_wc *wc)
{
	struct mcte_tx *tx = container_of(wc->wr_cqe, struct mcte_tx, cqe);
	struct mcte_path *p = tx->path;

	ib_dma_unmap_single(cq->device, tx->dma, tx->len, DMA_TO_DEVICE);
	if (wc->status == IB_WC_SUCCESS)
		WRITE_ONCE(p->last_heard, jiffies);
	else if (wc->status != IB_WC_WR_FLUSH_ERR)
		mcte_path_fail(p, -EIO);
	if (tx->done)
		complete(tx->done);
	kfree(tx);
	mcte_path_unroom(p, 1);
	mcte_path_put(p);
}

static int mcte_path_post_msg(struct mcte_path *p, const void *msg, u32 len,
			      struct completion *done)
{
	struct ib_send_wr wr = {};
	struct ib_device *dev;
	struct mcte_tx *tx;
	struct ib_sge sge;
	int ret;

	tx = kmalloc(struct_size(tx, buf, len), GFP_KERNEL);
	if (!tx) {
		mcte_path_unroom(p, 1);
		return -ENOMEM;
	}
	memcpy(tx->buf, msg, len);
	tx->len = len;
	tx->done = done;
	tx->cqe.done = mcte_tx_done;
	tx->path = p;

	spin_lock(&p->lock);
	if (!p->qp) {
		spin_unlock(&p->lock);
		kfree(tx);
		mcte_path_unroom(p, 1);
		return -ENOTCONN;
	}
	dev = p->qp->device;
	tx->dma = ib_dma_map_single(dev, tx->buf, len, DMA_TO_DEVICE);
	if (ib_dma_mapping_error(dev, tx->dma)) {
		spin_unlock(&p->lock);
		kfree(tx);
		mcte_path_unroom(p, 1);
		return -ENOMEM;
	}
	sge.addr = tx->dma;
	sge.length = len;
	sge.lkey = p->rdev->pd->local_dma_lkey;
	wr.wr_cqe = &tx->cqe;
	wr.sg_list = &sge;
	wr.num_sge = 1;
	wr.opcode = IB_WR_SEND;
	wr.send_flags = IB_SEND_SIGNALED;
	kref_get(&p->ref);
	ret = ib_post_send(p->qp, &wr, NULL);
	spin_unlock(&p->lock);
	if (ret) {
		ib_dma_unmap_single(dev, tx->dma, len, DMA_TO_DEVICE);
		kfree(tx);
		mcte_path_unroom(p, 1);
		mcte_path_put(p);
	}
	return ret;
}

/**
 * mcte_path_send() - send a message, waiting for send queue room
 * @p: the path
 * @msg: the message, header filled
 * @len: its length, at most MCTE_WIRE_MSG_MAX
 *
 * Process context, never a completion handler of the path.
 *
 * Return: 0 or -errno.
 */
int mcte_path_send(struct mcte_path *p, const void *msg, u32 len)
{
	int ret;

	ret = mcte_path_wait_room(p, 1);
	if (ret)
		return ret;
	return mcte_path_post_msg(p, msg, len, NULL);
}

/**
 * mcte_path_send_sync() - send a message and wait until the peer has it
 * @p: the path
 * @msg: the message, header filled
 * @len: its length
 *
 * Its send completion says the peer's NIC acknowledged it: anything that
 * happens to the peer on this path later is seen there after it.
 *
 * Return: 0 or -errno.
 */
int mcte_path_send_sync(struct mcte_path *p, const void *msg, u32 len)
{
	DECLARE_COMPLETION_ONSTACK(done);
	int ret;

	ret = mcte_path_wait_room(p, 1);
	if (ret)
		return ret;
	ret = mcte_path_post_msg(p, msg, len, &done);
	if (ret)
		return ret;
	/* A failing path drains its QP: this completes either way. */
	wait_for_completion(&done);
	return 0;
}

/* From a completion handler: no waiting; a full queue drops it. */
static void mcte_path_send_nowait(struct mcte_path *p, const void *msg,
				  u32 len)
{
	if (mcte_path_try_room(p, 1))
		mcte_path_post_msg(p, msg, len, NULL);
}

/**
 * mcte_path_rpc() - send a request and wait for its reply
 * @p: the path
 * @msg: the request, header filled but for the tag
 * @len: its length
 * @reply: buffer for the reply
 * @reply_max: its size
 *
 * Return: the reply's length (its header checked), or -errno: -ENOTCONN
 * when the path fails, -ETIMEDOUT after MCTE_RPC_TIMEOUT_MS.
 */
int mcte_path_rpc(struct mcte_path *p, void *msg, u32 len, void *reply,
		  u32 reply_max)
{
	struct mcte_wire_hdr *h = msg;
	struct mcte_rpc rpc = {};
	long left;
	int ret;

	init_completion(&rpc.done);
	rpc.reply = reply;
	rpc.max = reply_max;
	spin_lock(&p->lock);
	if (p->err) {
		spin_unlock(&p->lock);
		return -ENOTCONN;
	}
	rpc.tag = ++p->tag;
	list_add_tail(&rpc.node, &p->rpcs);
	spin_unlock(&p->lock);
	h->tag = cpu_to_be64(rpc.tag);

	ret = mcte_path_send(p, msg, len);
	if (!ret) {
		left = msecs_to_jiffies(MCTE_RPC_TIMEOUT_MS);
		left = wait_for_completion_timeout(&rpc.done, left);
		ret = left ? rpc.len : -ETIMEDOUT;
	}
	spin_lock(&p->lock);
	if (!list_empty(&rpc.node))
		list_del_init(&rpc.node);
	spin_unlock(&p->lock);
	return ret;
}

static void mcte_path_rpc_reply(struct mcte_path *p, const void *msg, u32 len)
{
	const struct mcte_wire_hdr *h = msg;
	u64 tag = be64_to_cpu(h->tag);
	struct mcte_rpc *rpc;

	spin_lock(&p->lock);
	list_for_each_entry(rpc, &p->rpcs, node) {
		if (rpc->tag != tag)
			continue;
		list_del_init(&rpc->node);
		if (len > rpc->max) {
			rpc->len = -EPROTO;
		} else {
			memcpy(rpc->reply, msg, len);
			rpc->len = len;
		}
		complete(&rpc->done);
		break;
	}
	spin_unlock(&p->lock);
}

static void mcte_path_fail_rpcs(struct mcte_path *p)
{
	struct mcte_rpc *rpc, *tmp;

	spin_lock(&p->lock);
	list_for_each_entry_safe(rpc, tmp, &p->rpcs, node) {
		list_del_init(&rpc->node);
		rpc->len = -ENOTCONN;
		complete(&rpc->done);
	}
	spin_unlock(&p->lock);
}

/* ---- receiving ------------------------------------------------------- */

static int mcte_path_post_recv(struct mcte_rx *rx)
{
	struct mcte_path *p = rx->path;
	struct ib_recv_wr wr = {};
	struct ib_sge sge;

	sge.addr = rx->dma;
	sge.length = MCTE_WIRE_MSG_MAX;
	sge.lkey = p->rdev->pd->local_dma_lkey;
	wr.wr_cqe = &rx->cqe;
	wr.sg_list = &sge;
	wr.num_sge = 1;
	return ib_post_recv(p->qp, &wr, NULL);
}

static void mcte_path_hello_in(struct mcte_path *p, const void *msg, u32 len)
{
	const struct mcte_wire_hello *in = msg;
	struct mcte_wire_hello *out;

	if (len < sizeof(*in))
		return;
	out = kzalloc(sizeof(*out), GFP_KERNEL);
	if (!out)
		return;
	spin_lock(&p->lock);
	p->peer_id = be64_to_cpu(in->engine_id);
	memcpy(p->remote_dev, in->dev, sizeof(p->remote_dev));
	p->remote_dev[sizeof(p->remote_dev) - 1] = 0;
	spin_unlock(&p->lock);

	mcte_wire_init_hdr(&out->hdr, MCTE_WIRE_HELLO_REPLY, sizeof(*out),
			   be64_to_cpu(in->hdr.tag));
	out->engine_id = cpu_to_be64(p->r->eng->id);
	strscpy(out->dev, p->local_dev, sizeof(out->dev));
	out->nr_addrs = cpu_to_be32(mcte_listen_addrs(p->r, out->addrs,
						      MCTE_WIRE_ADDRS_MAX));
	mcte_path_send(p, out, sizeof(*out));
	kfree(out);
}

static void mcte_path_rx_work(struct work_struct *work)
{
	struct mcte_rx_work *w = container_of(work, struct mcte_rx_work, work);
	const struct mcte_wire_hdr *h = (const void *)w->msg;
	struct mcte_path *p = w->path;

	switch (h->type) {
	case MCTE_WIRE_HELLO:
		mcte_path_hello_in(p, w->msg, w->len);
		break;
	case MCTE_WIRE_SEG_OPEN:
		mcte_export_open(p, w->msg, w->len, be64_to_cpu(h->tag));
		break;
	}
	mcte_path_put(p);
	kfree(w);
}

static void mcte_path_rx_defer(struct mcte_path *p, const void *msg, u32 len)
{
	struct mcte_rx_work *w;

	w = kmalloc(struct_size(w, msg, len), GFP_KERNEL);
	if (!w)
		return;
	INIT_WORK(&w->work, mcte_path_rx_work);
	kref_get(&p->ref);
	w->path = p;
	w->len = len;
	memcpy(w->msg, msg, len);
	queue_work(mcte_rdma_wq, &w->work);
}

static void mcte_rx_done(struct ib_cq *cq, struct ib_wc *wc)
{
	struct mcte_rx *rx = container_of(wc->wr_cqe, struct mcte_rx, cqe);
	struct mcte_path *p = rx->path;
	const struct mcte_wire_hdr *h = rx->buf;
	const struct mcte_wire_seg_gone *gone;
	struct mcte_wire_hdr pong;
	u32 len = wc->byte_len;

	if (wc->status != IB_WC_SUCCESS) {
		if (wc->status != IB_WC_WR_FLUSH_ERR)
			mcte_path_fail(p, -EIO);
		return;
	}
	ib_dma_sync_single_for_cpu(cq->device, rx->dma, MCTE_WIRE_MSG_MAX,
				   DMA_FROM_DEVICE);
	WRITE_ONCE(p->last_heard, jiffies);

	/* Nothing is read from a message that fails these. */
	if (len < sizeof(*h) || be32_to_cpu(h->magic) != MCTE_WIRE_MAGIC ||
	    h->version != MCTE_WIRE_VERSION || be16_to_cpu(h->len) != len) {
		pr_warn_ratelimited("path %u: malformed message dropped\n",
				    p->id);
		atomic64_inc(&p->errors);
		goto repost;
	}

	switch (h->type) {
	case MCTE_WIRE_PING:
		mcte_wire_init_hdr(&pong, MCTE_WIRE_PONG, sizeof(pong),
				   be64_to_cpu(h->tag));
		mcte_path_send_nowait(p, &pong, sizeof(pong));
		break;
	case MCTE_WIRE_PONG:
		break;
	case MCTE_WIRE_HELLO_REPLY:
	case MCTE_WIRE_SEG_OPEN_REPLY:
		mcte_path_rpc_reply(p, h, len);
		break;
	case MCTE_WIRE_SEG_GONE:
		/*
		 * Here, not deferred: an RDMA error on this path caused by
		 * the keys it voids completes after it, on this CQ, and
		 * must find the segment gone.
		 */
		if (len >= sizeof(*gone) && p->peer) {
			gone = rx->buf;
			mcte_rseg_gone(p->peer, be64_to_cpu(gone->seg_id));
		}
		break;
	case MCTE_WIRE_HELLO:
	case MCTE_WIRE_SEG_OPEN:
		mcte_path_rx_defer(p, h, len);
		break;
	default:
		atomic64_inc(&p->errors);
		break;
	}
repost:
	ib_dma_sync_single_for_device(cq->device, rx->dma, MCTE_WIRE_MSG_MAX,
				      DMA_FROM_DEVICE);
	if (mcte_path_post_recv(rx))
		mcte_path_fail(p, -EIO);
}

/* ---- QP -------------------------------------------------------------- */

static void mcte_path_qp_event(struct ib_event *ev, void *ctx)
{
	struct mcte_path *p = ctx;

	if (ev->event == IB_EVENT_QP_FATAL || ev->event == IB_EVENT_QP_REQ_ERR ||
	    ev->event == IB_EVENT_QP_ACCESS_ERR)
		mcte_path_fail(p, -EIO);
}

static void mcte_path_free_rx(struct mcte_path *p, struct ib_device *dev)
{
	int i;

	for (i = 0; i < MCTE_PATH_RECVS; i++) {
		struct mcte_rx *rx = &p->rx[i];

		if (!rx->buf)
			continue;
		ib_dma_unmap_single(dev, rx->dma, MCTE_WIRE_MSG_MAX,
				    DMA_FROM_DEVICE);
		kfree(rx->buf);
		rx->buf = NULL;
	}
}

/* In a cm handler of @cm, which is ours: QP, CQ and receive buffers. */
static int mcte_path_create_qp(struct mcte_path *p, struct rdma_cm_id *cm)
{
	struct ib_qp_init_attr attr = {};
	struct mcte_rdev *rdev;
	struct ib_cq *cq;
	int i, ret;

	rdev = mcte_rdev_get(cm->device);
	if (IS_ERR(rdev))
		return PTR_ERR(rdev);
	cq = ib_alloc_cq(cm->device, p, MCTE_PATH_SQ + MCTE_PATH_RECVS + 2,
			 p->id % cm->device->num_comp_vectors,
			 IB_POLL_WORKQUEUE);
	if (IS_ERR(cq)) {
		ret = PTR_ERR(cq);
		goto out_put_rdev;
	}
	attr.event_handler = mcte_path_qp_event;
	attr.qp_context = p;
	attr.send_cq = cq;
	attr.recv_cq = cq;
	/* One more of each for ib_drain_qp(). */
	attr.cap.max_send_wr = MCTE_PATH_SQ + 1;
	attr.cap.max_recv_wr = MCTE_PATH_RECVS + 1;
	attr.cap.max_send_sge = rdev->max_sge;
	attr.cap.max_recv_sge = 1;
	attr.sq_sig_type = IB_SIGNAL_REQ_WR;
	attr.qp_type = IB_QPT_RC;
	ret = rdma_create_qp(cm, rdev->pd, &attr);
	if (ret)
		goto out_free_cq;

	spin_lock(&p->lock);
	/*
	 * The device may have begun to go since mcte_rdev_get(): its
	 * removal either finds p->rdev set below and tears the path down,
	 * or marked the entry dead before, and the QP goes now.
	 */
	if (READ_ONCE(rdev->dead)) {
		spin_unlock(&p->lock);
		ret = -ENODEV;
		goto out_destroy_qp;
	}
	p->rdev = rdev;
	p->cq = cq;
	p->qp = cm->qp;
	p->sq_used = 0;
	p->rd_used = 0;
	p->rd_max = rdev->max_rd;
	strscpy(p->local_dev, dev_name(&cm->device->dev),
		sizeof(p->local_dev));
	memcpy(&p->local, &cm->route.addr.src_addr, sizeof(p->local));
	spin_unlock(&p->lock);

	for (i = 0; i < MCTE_PATH_RECVS; i++) {
		struct mcte_rx *rx = &p->rx[i];

		rx->buf = kmalloc(MCTE_WIRE_MSG_MAX, GFP_KERNEL);
		if (!rx->buf) {
			ret = -ENOMEM;
			goto out_free_rx;
		}
		rx->dma = ib_dma_map_single(cm->device, rx->buf,
					    MCTE_WIRE_MSG_MAX, DMA_FROM_DEVICE);
		if (ib_dma_mapping_error(cm->device, rx->dma)) {
			kfree(rx->buf);
			rx->buf = NULL;
			ret = -ENOMEM;
			goto out_free_rx;
		}
		rx->path = p;
		rx->cqe.done = mcte_rx_done;
		ret = mcte_path_post_recv(rx);
		if (ret)
			goto out_free_rx;
	}
	return 0;

out_free_rx:
	/* Nothing was received yet: destroying the QP flushes nothing. */
	spin_lock(&p->lock);
	p->qp = NULL;
	p->cq = NULL;
	p->rdev = NULL;
	spin_unlock(&p->lock);
	rdma_destroy_qp(cm);
	ib_free_cq(cq);
	mcte_path_free_rx(p, cm->device);
	mcte_rdev_put(rdev);
	return ret;
out_destroy_qp:
	rdma_destroy_qp(cm);
out_free_cq:
	ib_free_cq(cq);
out_put_rdev:
	mcte_rdev_put(rdev);
	return ret;
}

/* ---- teardown -------------------------------------------------------- */

/*
 * Under p->mutex. Leaves the path with no cm id, no QP, every posted work
 * request completed, every waiting slice moved on, every rpc failed.
 */
static void mcte_path_teardown(struct mcte_path *p)
{
	struct rdma_cm_id *cm;
	struct mcte_rdev *rdev;
	struct ib_qp *qp;
	struct ib_cq *cq;
	LIST_HEAD(retry);

	lockdep_assert_held(&p->mutex);
	spin_lock(&p->lock);
	cm = p->cm;
	p->cm = NULL;
	list_splice_init(&p->pending, &retry);
	spin_unlock(&p->lock);
	wake_up_all(&p->room);
	mcte_path_fail_rpcs(p);
	mcte_rdma_retry_list(&retry, -ENOTCONN);

	if (cm) {
		rdma_disconnect(cm);
		/* Waits for its handler: the QP is settled after this. */
		rdma_destroy_id(cm);
	}

	spin_lock(&p->lock);
	qp = p->qp;
	cq = p->cq;
	rdev = p->rdev;
	spin_unlock(&p->lock);
	if (!qp)
		return;

	/* Every posted work request completes, flushed, and moves on. */
	ib_drain_qp(qp);
	spin_lock(&p->lock);
	p->qp = NULL;
	p->cq = NULL;
	p->rdev = NULL;
	list_splice_init(&p->pending, &retry);
	spin_unlock(&p->lock);
	mcte_rdma_retry_list(&retry, -ENOTCONN);

	ib_destroy_qp(qp);
	ib_free_cq(cq);
	mcte_path_free_rx(p, rdev->ibdev);
	mcte_rdev_put(rdev);
}

static void mcte_path_unlist(struct mcte_path *p)
{
	struct mcte_rdma *r = p->r;
	struct mcte_peer *peer = p->peer;
	bool listed = false;

	mutex_lock(&r->lock);
	if (!list_empty(&p->node)) {
		list_del_init(&p->node);
		listed = true;
	}
	mutex_unlock(&r->lock);
	if (peer) {
		spin_lock(&peer->lock);
		list_del_init(&p->pnode);
		spin_unlock(&peer->lock);
		mcte_peer_path_down(peer);
		/* A link may come back: try again later while the peer is used. */
		mcte_peer_grow(peer, MCTE_REGROW_MS);
	}
	if (listed)
		mcte_path_put(p);
}

static void mcte_path_err_work(struct work_struct *work)
{
	struct mcte_path *p = container_of(work, struct mcte_path, err_work);
	bool was_up, dead, reconnect = false;
	struct mcte_path_info pi;
	u32 delay;

	mutex_lock(&p->mutex);
	spin_lock(&p->lock);
	was_up = p->state == MCTE_PATH_UP;
	dead = p->state == MCTE_PATH_DEAD;
	if (!dead)
		mcte_path_set_state(p, MCTE_PATH_ERROR);
	spin_unlock(&p->lock);
	/* What went down, QP number included, before it is gone. */
	if (was_up)
		mcte_path_info(p, &pi);

	mcte_path_teardown(p);
	if (p->peer)
		mcte_peer_path_down(p->peer);
	if (was_up)
		mcte_nl_path_notify(p->r->eng, &pi, MCTE_CMD_PATH_DOWN_NTF);

	spin_lock(&p->lock);
	if (!dead && p->active && !READ_ONCE(p->r->exiting) &&
	    ++p->fails <= MCTE_PATH_FAILS_MAX) {
		mcte_path_set_state(p, MCTE_PATH_RECONNECTING);
		reconnect = true;
	} else {
		mcte_path_set_state(p, MCTE_PATH_DEAD);
	}
	delay = min(100U << min(p->fails, 6U), 5000U);
	spin_unlock(&p->lock);
	mutex_unlock(&p->mutex);

	if (reconnect) {
		mcte_path_arm(p, delay);
	} else {
		/*
		 * Nothing may stay pending on a dead path: once unlisted, no
		 * teardown finds it, and a timer left behind could outlive
		 * the module. mcte_path_connect() refuses a dead path, so
		 * the work cannot arm itself again.
		 */
		if (cancel_delayed_work_sync(&p->work))
			mcte_path_put(p);
		mcte_path_unlist(p);
	}
	mcte_path_put(p);	/* err_work's */
}

/**
 * mcte_path_fail() - a path failed: tear it down, maybe reconnect
 * @p: the path
 * @err: why (-errno)
 *
 * Any context but a hard interrupt; the work is done by a work item.
 */
void mcte_path_fail(struct mcte_path *p, int err)
{
	bool queue = false;

	spin_lock(&p->lock);
	if (!p->err && p->state != MCTE_PATH_DEAD) {
		p->err = err;
		queue = true;
	}
	spin_unlock(&p->lock);
	if (!queue)
		return;
	atomic64_inc(&p->errors);
	kref_get(&p->ref);
	if (!queue_work(mcte_rdma_wq, &p->err_work))
		mcte_path_put(p);
	wake_up_all(&p->room);
	mcte_path_fail_rpcs(p);
}

/**
 * mcte_path_kill() - tear a path down for good and wait for it
 * @p: a listed path, referenced by the caller
 */
static void mcte_path_cancel_works(struct mcte_path *p)
{
	/* A work cancelled before it ran leaves its reference to us. */
	if (cancel_delayed_work_sync(&p->work))
		mcte_path_put(p);
	if (cancel_work_sync(&p->hello_work))
		mcte_path_put(p);
	flush_work(&p->err_work);
}

void mcte_path_kill(struct mcte_path *p)
{
	mcte_path_cancel_works(p);

	mutex_lock(&p->mutex);
	spin_lock(&p->lock);
	if (p->state != MCTE_PATH_DEAD) {
		if (p->state == MCTE_PATH_UP)
			mcte_path_set_state(p, MCTE_PATH_ERROR);
		mcte_path_set_state(p, MCTE_PATH_DEAD);
	}
	if (!p->err)
		p->err = -ESHUTDOWN;
	spin_unlock(&p->lock);
	mcte_path_teardown(p);
	mutex_unlock(&p->mutex);

	mcte_path_cancel_works(p);
	mcte_path_unlist(p);
}

/* ---- rdma_cm --------------------------------------------------------- */

/* What a connect request or its accept carries (Documentation/wire.rst). */
static void mcte_path_conn_param(struct mcte_path *p,
				 struct rdma_conn_param *param,
				 struct mcte_wire_cm *priv)
{
	memset(priv, 0, sizeof(*priv));
	priv->magic = cpu_to_be32(MCTE_WIRE_MAGIC);
	priv->version = MCTE_WIRE_VERSION;
	priv->engine_id = cpu_to_be64(p->r->eng->id);
	memset(param, 0, sizeof(*param));
	param->private_data = priv;
	param->private_data_len = sizeof(*priv);
	param->responder_resources = p->rd_max;
	param->initiator_depth = p->rd_max;
	param->retry_count = 7;
	param->rnr_retry_count = 7;
}

/**
 * mcte_path_cm_handler() - rdma_cm events of a path's id
 * @cm: the id; its context is the path
 * @ev: the event
 *
 * Also called by the listener's handler for the ids it accepted, which
 * inherit it.
 *
 * Return: 0, or 1 to have rdma_cm destroy @cm.
 */
int mcte_path_cm_handler(struct rdma_cm_id *cm, struct rdma_cm_event *ev)
{
	struct mcte_path *p = cm->context;
	struct rdma_conn_param param;
	struct mcte_wire_cm priv;
	bool ours;
	int ret;

	spin_lock(&p->lock);
	ours = p->cm == cm;
	spin_unlock(&p->lock);
	/* Detached by a teardown, which destroys it. */
	if (!ours)
		return 0;

	switch (ev->event) {
	case RDMA_CM_EVENT_ADDR_RESOLVED:
		ret = rdma_resolve_route(cm, 2000);
		if (ret)
			mcte_path_fail(p, ret);
		return 0;
	case RDMA_CM_EVENT_ROUTE_RESOLVED:
		ret = mcte_path_create_qp(p, cm);
		if (ret) {
			mcte_path_fail(p, ret);
			return 0;
		}
		mcte_path_conn_param(p, &param, &priv);
		ret = rdma_connect_locked(cm, &param);
		if (ret)
			mcte_path_fail(p, ret);
		return 0;
	case RDMA_CM_EVENT_ESTABLISHED:
		if (p->active) {
			kref_get(&p->ref);
			if (!queue_work(mcte_rdma_wq, &p->hello_work))
				mcte_path_put(p);
			return 0;
		}
		spin_lock(&p->lock);
		ret = mcte_path_set_state(p, MCTE_PATH_UP);
		WRITE_ONCE(p->last_heard, jiffies);
		spin_unlock(&p->lock);
		if (ret) {
			mcte_path_notify(p, MCTE_CMD_PATH_UP_NTF);
			mcte_path_arm(p, MCTE_PING_MS);
		}
		return 0;
	case RDMA_CM_EVENT_ADDR_ERROR:
	case RDMA_CM_EVENT_ROUTE_ERROR:
	case RDMA_CM_EVENT_UNREACHABLE:
		mcte_path_fail(p, -EHOSTUNREACH);
		return 0;
	case RDMA_CM_EVENT_REJECTED:
		mcte_path_fail(p, -ECONNREFUSED);
		return 0;
	case RDMA_CM_EVENT_CONNECT_ERROR:
	case RDMA_CM_EVENT_DISCONNECTED:
	case RDMA_CM_EVENT_ADDR_CHANGE:
		mcte_path_fail(p, -ECONNRESET);
		return 0;
	case RDMA_CM_EVENT_DEVICE_REMOVAL:
		/*
		 * mcte_rdma_dev_remove() ran first and tore down every path
		 * on the device; an id bound since has no QP (the device's
		 * entry stays dead: no PD is handed out for it, and a QP
		 * made as it died is destroyed at once). Let rdma_cm
		 * destroy the id.
		 */
		spin_lock(&p->lock);
		WARN_ON_ONCE(p->qp);
		p->cm = NULL;
		if (!p->err)
			p->err = -ENODEV;
		spin_unlock(&p->lock);
		kref_get(&p->ref);
		if (!queue_work(mcte_rdma_wq, &p->err_work))
			mcte_path_put(p);
		return 1;
	default:
		return 0;
	}
}

static void mcte_path_connect(struct mcte_path *p)
{
	struct rdma_cm_id *cm;
	u32 state;
	int ret;

	mutex_lock(&p->mutex);
	spin_lock(&p->lock);
	state = p->state;
	spin_unlock(&p->lock);
	/* Killed or failed for good since the work was queued. */
	if (state != MCTE_PATH_CONNECTING && state != MCTE_PATH_RECONNECTING) {
		mutex_unlock(&p->mutex);
		return;
	}
	cm = rdma_create_id(p->r->eng->net, mcte_path_cm_handler, p,
			    RDMA_PS_TCP, IB_QPT_RC);
	if (IS_ERR(cm)) {
		mutex_unlock(&p->mutex);
		mcte_path_fail(p, PTR_ERR(cm));
		return;
	}
	spin_lock(&p->lock);
	p->err = 0;
	p->cm = cm;
	p->connect_start = jiffies;
	spin_unlock(&p->lock);
	ret = rdma_resolve_addr(cm, NULL, (struct sockaddr *)&p->remote, 2000);
	mutex_unlock(&p->mutex);
	if (ret) {
		mcte_path_fail(p, ret);
		return;
	}
	/*
	 * rdma_cm gives up on a connect request only after minutes of
	 * retries; a link that came back meanwhile is better served by a
	 * fresh attempt.
	 */
	mcte_path_arm(p, MCTE_CONNECT_MS);
}

static void mcte_path_ping(struct mcte_path *p)
{
	unsigned long last = READ_ONCE(p->last_heard);
	struct mcte_wire_hdr ping;

	if (time_after(jiffies, last + msecs_to_jiffies(MCTE_PING_DEAD_MS))) {
		mcte_path_fail(p, -ETIMEDOUT);
		return;
	}
	if (time_after(jiffies, last + msecs_to_jiffies(MCTE_PING_MS))) {
		mcte_wire_init_hdr(&ping, MCTE_WIRE_PING, sizeof(ping), 0);
		mcte_path_send_nowait(p, &ping, sizeof(ping));
	}
}

static void mcte_path_work(struct work_struct *work)
{
	struct mcte_path *p = container_of(to_delayed_work(work),
					   struct mcte_path, work);
	u32 state;

	spin_lock(&p->lock);
	state = p->state;
	spin_unlock(&p->lock);

	switch (state) {
	case MCTE_PATH_CONNECTING:
	case MCTE_PATH_RECONNECTING:
		if (READ_ONCE(p->r->exiting))
			break;
		if (!READ_ONCE(p->cm))
			mcte_path_connect(p);
		else if (time_after_eq(jiffies, READ_ONCE(p->connect_start) +
				       msecs_to_jiffies(MCTE_CONNECT_MS)))
			mcte_path_fail(p, -ETIMEDOUT);
		break;
	case MCTE_PATH_UP:
		mcte_path_ping(p);
		mcte_path_arm(p, MCTE_PING_MS);
		break;
	}
	mcte_path_put(p);
}

static void mcte_path_hello_work(struct work_struct *work)
{
	struct mcte_path *p = container_of(work, struct mcte_path, hello_work);
	struct mcte_wire_hello *out, *in;
	bool up = false, again = false;
	int len;

	out = kzalloc(sizeof(*out), GFP_KERNEL);
	in = kzalloc(sizeof(*in), GFP_KERNEL);
	if (!out || !in) {
		mcte_path_fail(p, -ENOMEM);
		goto out_free;
	}
	mcte_wire_init_hdr(&out->hdr, MCTE_WIRE_HELLO, sizeof(*out), 0);
	out->engine_id = cpu_to_be64(p->r->eng->id);
	strscpy(out->dev, p->local_dev, sizeof(out->dev));
	out->nr_addrs = cpu_to_be32(mcte_listen_addrs(p->r, out->addrs,
						      MCTE_WIRE_ADDRS_MAX));
	len = mcte_path_rpc(p, out, sizeof(*out), in, sizeof(*in));
	if (len < (int)sizeof(*in) || in->hdr.type != MCTE_WIRE_HELLO_REPLY) {
		mcte_path_fail(p, len < 0 ? len : -EPROTO);
		goto out_free;
	}

	/*
	 * Before the path is up for slices: a restarted peer engine's
	 * segments are not those opened here, whatever their names.
	 */
	if (mcte_rseg_engine_gone(p->peer, be64_to_cpu(in->engine_id)))
		pr_info("peer %pISpc is a new engine (it restarted): its segments opened here are gone\n",
			&p->remote);

	spin_lock(&p->lock);
	WRITE_ONCE(p->peer_id, be64_to_cpu(in->engine_id));
	memcpy(p->remote_dev, in->dev, sizeof(p->remote_dev));
	p->remote_dev[sizeof(p->remote_dev) - 1] = 0;
	if (!p->err) {
		again = p->state == MCTE_PATH_RECONNECTING;
		up = mcte_path_set_state(p, MCTE_PATH_UP);
		p->fails = 0;
		WRITE_ONCE(p->last_heard, jiffies);
	}
	spin_unlock(&p->lock);
	if (!up)
		goto out_free;

	if (again)
		atomic64_inc(&p->reconnects);
	mcte_peer_hello(p->peer, p->peer_id, in);
	mcte_path_notify(p, MCTE_CMD_PATH_UP_NTF);
	mcte_peer_path_up(p->peer, p);
	mcte_path_arm(p, MCTE_PING_MS);
out_free:
	kfree(in);
	kfree(out);
	mcte_path_put(p);
}

static struct mcte_path *mcte_path_alloc(struct mcte_rdma *r)
{
	struct mcte_path *p;

	p = kzalloc(sizeof(*p), GFP_KERNEL);
	if (!p)
		return NULL;
	kref_init(&p->ref);	/* the engine's list */
	atomic_inc(&mcte_rdma_live);
	INIT_LIST_HEAD(&p->node);
	INIT_LIST_HEAD(&p->pnode);
	INIT_LIST_HEAD(&p->pending);
	INIT_LIST_HEAD(&p->rpcs);
	mutex_init(&p->mutex);
	spin_lock_init(&p->lock);
	init_waitqueue_head(&p->room);
	INIT_DELAYED_WORK(&p->work, mcte_path_work);
	INIT_WORK(&p->err_work, mcte_path_err_work);
	INIT_WORK(&p->hello_work, mcte_path_hello_work);
	p->r = r;
	p->state = MCTE_PATH_CONNECTING;
	atomic64_set(&p->bytes, 0);
	atomic64_set(&p->slices, 0);
	atomic64_set(&p->errors, 0);
	atomic64_set(&p->retries, 0);
	atomic64_set(&p->reconnects, 0);
	return p;
}

/* Give it an id and list it; false when the engine is going. */
static bool mcte_path_list(struct mcte_rdma *r, struct mcte_path *p)
{
	bool ok;

	mutex_lock(&r->lock);
	ok = !r->exiting;
	if (ok) {
		p->id = ++r->path_next;
		list_add_tail(&p->node, &r->paths);
	}
	mutex_unlock(&r->lock);
	return ok;
}

/**
 * mcte_path_create() - open an active path to a peer's address
 * @r: the engine's transport
 * @peer: the peer, referenced by the path from now on
 * @remote: the address and port of one of its listeners
 *
 * Connects in the background; the peer hears when it is up.
 *
 * Return: the path (the engine's list holds it), or an ERR_PTR.
 */
struct mcte_path *mcte_path_create(struct mcte_rdma *r,
				   struct mcte_peer *peer,
				   const struct sockaddr_storage *remote)
{
	struct mcte_path *p;

	p = mcte_path_alloc(r);
	if (!p)
		return ERR_PTR(-ENOMEM);
	p->active = true;
	p->remote = *remote;
	kref_get(&peer->ref);
	p->peer = peer;
	if (!mcte_path_list(r, p)) {
		mcte_path_put(p);
		return ERR_PTR(-ESHUTDOWN);
	}
	spin_lock(&peer->lock);
	list_add_tail(&p->pnode, &peer->paths);
	spin_unlock(&peer->lock);

	kref_get(&p->ref);
	if (!queue_delayed_work(mcte_rdma_wq, &p->work, 0))
		mcte_path_put(p);
	return p;
}

/**
 * mcte_path_accept() - make a passive path of a connect request
 * @r: the engine's transport
 * @cm: the new id, in the listener's handler
 * @peer_id: the engine id in the request's private data
 *
 * Return: the path, or an ERR_PTR (the caller rejects, and has @cm
 * destroyed).
 */
struct mcte_path *mcte_path_accept(struct mcte_rdma *r, struct rdma_cm_id *cm,
				   u64 peer_id)
{
	struct rdma_conn_param param;
	struct mcte_wire_cm priv;
	struct mcte_path *p;
	int ret;

	p = mcte_path_alloc(r);
	if (!p)
		return ERR_PTR(-ENOMEM);
	p->peer_id = peer_id;
	memcpy(&p->remote, &cm->route.addr.dst_addr, sizeof(p->remote));
	p->cm = cm;
	ret = mcte_path_create_qp(p, cm);
	if (ret)
		goto out_free;
	if (!mcte_path_list(r, p)) {
		ret = -ESHUTDOWN;
		goto out_destroy_qp;
	}
	cm->context = p;

	mcte_path_conn_param(p, &param, &priv);
	ret = rdma_accept(cm, &param);
	if (!ret)
		return p;

	/* rdma_cm destroys the id when we return; nothing was posted. */
	mutex_lock(&r->lock);
	list_del_init(&p->node);
	mutex_unlock(&r->lock);
	mcte_path_put(p);	/* the list's */
out_destroy_qp:
	rdma_destroy_qp(cm);
	ib_free_cq(p->cq);
	mcte_path_free_rx(p, cm->device);
	mcte_rdev_put(p->rdev);
	p->qp = NULL;
	p->cq = NULL;
	p->rdev = NULL;
out_free:
	p->cm = NULL;
	mcte_path_put(p);
	return ERR_PTR(ret);
}

/**
 * mcte_path_dev_remove() - tear down every path on a device going away
 * @r: an engine's transport
 * @ibdev: the device
 *
 * Active paths reconnect, maybe through another device.
 */
void mcte_path_dev_remove(struct mcte_rdma *r, struct ib_device *ibdev)
{
	struct mcte_path *p, *found;

	for (;;) {
		found = NULL;
		mutex_lock(&r->lock);
		list_for_each_entry(p, &r->paths, node) {
			bool hit;

			spin_lock(&p->lock);
			hit = !p->dev_gone && p->rdev && p->rdev->ibdev == ibdev;
			if (hit)
				p->dev_gone = true;
			spin_unlock(&p->lock);
			if (hit) {
				kref_get(&p->ref);
				found = p;
				break;
			}
		}
		mutex_unlock(&r->lock);
		if (!found)
			break;

		mcte_path_fail(found, -ENODEV);
		flush_work(&found->err_work);
		/* A connect racing with it: make sure the QP is gone. */
		mutex_lock(&found->mutex);
		if (found->rdev && found->rdev->ibdev == ibdev)
			mcte_path_teardown(found);
		mutex_unlock(&found->mutex);
		spin_lock(&found->lock);
		found->dev_gone = false;
		spin_unlock(&found->lock);
		mcte_path_put(found);
	}
}

/**
 * mcte_path_info() - copy what netlink reports of a path
 * @p: the path
 * @pi: out
 */
void mcte_path_info(struct mcte_path *p, struct mcte_path_info *pi)
{
	memset(pi, 0, sizeof(*pi));
	spin_lock(&p->lock);
	pi->id = p->id;
	pi->peer_id = p->peer_id;
	pi->state = p->state;
	pi->active = p->active;
	memcpy(pi->local_dev, p->local_dev, sizeof(pi->local_dev));
	memcpy(pi->remote_dev, p->remote_dev, sizeof(pi->remote_dev));
	pi->local = p->local;
	pi->remote = p->remote;
	pi->qpn = p->qp ? p->qp->qp_num : 0;
	spin_unlock(&p->lock);
	pi->bytes = atomic64_read(&p->bytes);
	pi->slices = atomic64_read(&p->slices);
	pi->errors = atomic64_read(&p->errors);
	pi->retries = atomic64_read(&p->retries);
	pi->reconnects = atomic64_read(&p->reconnects);
}
