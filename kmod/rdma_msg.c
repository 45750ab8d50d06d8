// SPDX-License-Identifier: GPL-2.0
/*
 * mcte - control messages of a path: sending them, waiting for replies,
 * and receiving them, which is where everything a peer says is checked
 * (Documentation/wire.rst, "Messages") before anything acts on it.
 *
 * Receive completions run in the CQ's work (IB_POLL_WORKQUEUE) and never
 * sleep: pings, replies and SEG_GONE are handled there, requests are
 * copied and handed to work items, at most MCTE_PATH_WORKS_MAX of a path
 * at once. Whatever a check refuses is counted on the path (errors) and
 * the engine (MCTE_STAT_WIRE_REFUSED), and logged at a rate limit.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/slab.h>
#include <linux/string.h>

#include "rdma_priv.h"

/**
 * struct mcte_rpc - a request waiting for its reply
 * @node: in &mcte_path.rpcs
 * @tag: the tag of the request
 * @type: the type of the reply it waits for
 * @done: completed with the reply or an error
 * @reply: buffer for the reply
 * @max: its size
 * @len: bytes of the reply, or -errno
 */
struct mcte_rpc {
	struct list_head node;
	u64 tag;
	u8 type;
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

/**
 * mcte_path_send_nowait() - send a message if there is room at once
 * @p: the path
 * @msg: the message, header filled
 * @len: its length
 *
 * For completion handlers, which may not wait: a full queue drops it.
 */
void mcte_path_send_nowait(struct mcte_path *p, const void *msg, u32 len)
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
 * The reply is the message of the request's type + 1 that echoes its tag.
 *
 * Return: the reply's length (its header checked), or -errno: -ENOTCONN
 * when the path fails, -ETIMEDOUT after MCTE_RPC_TIMEOUT_MS, -EINTR when
 * the caller is killed meanwhile.
 */
int mcte_path_rpc(struct mcte_path *p, void *msg, u32 len, void *reply,
		  u32 reply_max)
{
	return mcte_path_rpc_wait(p, msg, len, reply, reply_max,
				  MCTE_RPC_TIMEOUT_MS);
}

/**
 * mcte_path_rpc_wait() - mcte_path_rpc() with a time limit of its own
 * @p: the path
 * @msg: the request, header filled but for the tag
 * @len: its length
 * @reply: buffer for the reply
 * @reply_max: its size
 * @ms: how long to wait for the reply
 *
 * For requests whose answer takes the other side long (SEG_OPEN of a
 * large segment registers its MRs first).
 *
 * Return: as mcte_path_rpc(); -ETIMEDOUT after @ms, -EINTR when the
 * caller is killed meanwhile.
 */
int mcte_path_rpc_wait(struct mcte_path *p, void *msg, u32 len, void *reply,
		       u32 reply_max, unsigned int ms)
{
	struct mcte_wire_hdr *h = msg;
	struct mcte_rpc rpc = {};
	long left;
	int ret;

	init_completion(&rpc.done);
	rpc.reply = reply;
	rpc.max = reply_max;
	rpc.type = h->type + 1;
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
		/* Killable: an opener may wait a minute for a large open. */
		left = wait_for_completion_killable_timeout(&rpc.done,
							    msecs_to_jiffies(ms));
		ret = left > 0 ? rpc.len : left ? -EINTR : -ETIMEDOUT;
	}
	spin_lock(&p->lock);
	if (!list_empty(&rpc.node))
		list_del_init(&rpc.node);
	spin_unlock(&p->lock);
	return ret;
}

/* Hand a reply to its rpc. Return: false when no rpc waits for it. */
static bool mcte_path_rpc_reply(struct mcte_path *p, const void *msg, u32 len)
{
	const struct mcte_wire_hdr *h = msg;
	u64 tag = be64_to_cpu(h->tag);
	struct mcte_rpc *rpc;
	bool found = false;

	spin_lock(&p->lock);
	list_for_each_entry(rpc, &p->rpcs, node) {
		if (rpc->tag != tag || rpc->type != h->type)
			continue;
		list_del_init(&rpc->node);
		if (len > rpc->max) {
			rpc->len = -EPROTO;
		} else {
			memcpy(rpc->reply, msg, len);
			rpc->len = len;
		}
		complete(&rpc->done);
		found = true;
		break;
	}
	spin_unlock(&p->lock);
	return found;
}

/**
 * mcte_path_fail_rpcs() - end every rpc of a failing path with -ENOTCONN
 * @p: the path
 */
void mcte_path_fail_rpcs(struct mcte_path *p)
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

/**
 * mcte_path_post_recv() - give a receive buffer back to the QP
 * @rx: the buffer
 *
 * Return: what ib_post_recv() says.
 */
int mcte_path_post_recv(struct mcte_rx *rx)
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

/**
 * mcte_wire_refused() - count and log a message refused
 * @p: the path it came on
 * @why: for the log
 */
void mcte_wire_refused(struct mcte_path *p, const char *why)
{
	atomic64_inc(&p->errors);
	mcte_stat_add(p->r->eng, MCTE_STAT_WIRE_REFUSED, 1);
	pr_warn_ratelimited("path %u from %pISpc: message refused: %s\n",
			    p->id, &p->remote, why);
}

/*
 * What each type may be: its exact length (0: a header and more, checked
 * by its reader), and whether the passive side receives it (a request),
 * the active side (a reply, SEG_GONE), or both.
 */
#define MCTE_TO_PASSIVE	0x1
#define MCTE_TO_ACTIVE	0x2

static const struct {
	u16 len;
	u8 to;
} mcte_wire_types[MCTE_WIRE_TYPE_MAX + 1] = {
	[MCTE_WIRE_HELLO] = { sizeof(struct mcte_wire_hello), MCTE_TO_PASSIVE },
	[MCTE_WIRE_HELLO_REPLY] = { sizeof(struct mcte_wire_hello),
				    MCTE_TO_ACTIVE },
	[MCTE_WIRE_SEG_OPEN] = { sizeof(struct mcte_wire_seg_open),
				 MCTE_TO_PASSIVE },
	[MCTE_WIRE_SEG_OPEN_REPLY] = { 0, MCTE_TO_ACTIVE },
	[MCTE_WIRE_SEG_GONE] = { sizeof(struct mcte_wire_seg_gone),
				 MCTE_TO_ACTIVE },
	[MCTE_WIRE_PING] = { sizeof(struct mcte_wire_hdr),
			     MCTE_TO_PASSIVE | MCTE_TO_ACTIVE },
	[MCTE_WIRE_PONG] = { sizeof(struct mcte_wire_hdr),
			     MCTE_TO_PASSIVE | MCTE_TO_ACTIVE },
	[MCTE_WIRE_AUTH] = { sizeof(struct mcte_wire_auth), MCTE_TO_PASSIVE },
	[MCTE_WIRE_AUTH_REPLY] = { sizeof(struct mcte_wire_hdr),
				   MCTE_TO_ACTIVE },
	[MCTE_WIRE_SEG_CLOSE] = { sizeof(struct mcte_wire_seg_close),
				  MCTE_TO_PASSIVE },
	[MCTE_WIRE_SEG_CLOSE_REPLY] = { sizeof(struct mcte_wire_hdr),
					MCTE_TO_ACTIVE },
	[MCTE_WIRE_SEG_KEYS] = { sizeof(struct mcte_wire_seg_keys),
				 MCTE_TO_PASSIVE },
	[MCTE_WIRE_SEG_KEYS_REPLY] = { 0, MCTE_TO_ACTIVE },
};

static bool mcte_wire_is_reply(u8 type)
{
	return type == MCTE_WIRE_HELLO_REPLY ||
	       type == MCTE_WIRE_SEG_OPEN_REPLY ||
	       type == MCTE_WIRE_AUTH_REPLY ||
	       type == MCTE_WIRE_SEG_CLOSE_REPLY ||
	       type == MCTE_WIRE_SEG_KEYS_REPLY;
}

/*
 * The checks every message passes before anything reads it: header,
 * type, direction, exact length, reserved fields.
 * Return: NULL, or what is wrong.
 */
static const char *mcte_wire_check(const struct mcte_path *p,
				   const struct mcte_wire_hdr *h, u32 len)
{
	const struct mcte_wire_hello *hello = (const void *)h;
	u8 to = p->active ? MCTE_TO_ACTIVE : MCTE_TO_PASSIVE;

	if (len < sizeof(*h))
		return "shorter than a header";
	if (be32_to_cpu(h->magic) != MCTE_WIRE_MAGIC)
		return "bad magic";
	if (h->version != MCTE_WIRE_VERSION)
		return "not of the path's version";
	if (be16_to_cpu(h->len) != len)
		return "length field does not match the bytes received";
	if (h->resv)
		return "reserved header field set";
	if (!h->type || h->type > MCTE_WIRE_TYPE_MAX)
		return "unknown type";
	if (!(mcte_wire_types[h->type].to & to))
		return "a type this side never receives";
	if (h->status && !mcte_wire_is_reply(h->type))
		return "status set in a message that answers nothing";
	if (mcte_wire_types[h->type].len && len != mcte_wire_types[h->type].len)
		return "wrong length for its type";
	if (h->type == MCTE_WIRE_HELLO || h->type == MCTE_WIRE_HELLO_REPLY) {
		if (hello->resv)
			return "reserved field set";
		if (h->type == MCTE_WIRE_HELLO &&
		    memchr_inv(hello->mac, 0, sizeof(hello->mac)))
			return "a hello with a proof";
	}
	return NULL;
}

static void mcte_path_rx_work(struct work_struct *work)
{
	struct mcte_rx_work *w = container_of(work, struct mcte_rx_work, work);
	const struct mcte_wire_hdr *h = (const void *)w->msg;
	struct mcte_path *p = w->path;

	switch (h->type) {
	case MCTE_WIRE_HELLO:
		mcte_hello_in(p, w->msg, w->len);
		break;
	case MCTE_WIRE_AUTH:
		mcte_auth_in(p, w->msg, w->len);
		break;
	case MCTE_WIRE_SEG_OPEN:
		mcte_export_open(p, w->msg, w->len);
		break;
	case MCTE_WIRE_SEG_CLOSE:
		mcte_export_close(p, w->msg, w->len);
		break;
	case MCTE_WIRE_SEG_KEYS:
		mcte_export_keys(p, w->msg, w->len);
		break;
	}
	spin_lock(&p->lock);
	p->works--;
	spin_unlock(&p->lock);
	mcte_path_put(p);
	kfree(w);
}

/* The handshake step a request needs, and the one it moves to. */
static const char *mcte_path_step(struct mcte_path *p, u8 type)
{
	lockdep_assert_held(&p->lock);
	switch (type) {
	case MCTE_WIRE_HELLO:
		return mcte_path_set_hs(p, MCTE_HS_NONE, MCTE_HS_HELLO_IN) ?
		       NULL : "hello after hello";
	case MCTE_WIRE_AUTH:
		return mcte_path_set_hs(p, MCTE_HS_AUTH_WAIT, MCTE_HS_AUTH_IN) ?
		       NULL : "auth out of its turn";
	default:
		return p->hs == MCTE_HS_DONE ? NULL :
		       "request before the handshake is over";
	}
}

/*
 * A request of the peer (passive side): in its turn, and while fewer than
 * MCTE_PATH_WORKS_MAX are being handled, copied to a work item; refused
 * otherwise, those that are over the limit with EBUSY.
 */
static void mcte_path_rx_request(struct mcte_path *p,
				 const struct mcte_wire_hdr *h, u32 len)
{
	struct mcte_wire_hdr busy;
	struct mcte_rx_work *w;
	bool busy_reply = false;
	const char *why;

	w = kmalloc(struct_size(w, msg, len), GFP_KERNEL);
	spin_lock(&p->lock);
	why = mcte_path_step(p, h->type);
	if (!why && (!w || p->works >= MCTE_PATH_WORKS_MAX)) {
		why = "too many requests in flight";
		busy_reply = true;
		/* Its turn is not taken: a later one may have it. */
		if (h->type == MCTE_WIRE_HELLO)
			mcte_path_set_hs(p, MCTE_HS_HELLO_IN, MCTE_HS_NONE);
		else if (h->type == MCTE_WIRE_AUTH)
			mcte_path_set_hs(p, MCTE_HS_AUTH_IN, MCTE_HS_AUTH_WAIT);
	}
	if (!why)
		p->works++;
	spin_unlock(&p->lock);
	if (why) {
		kfree(w);
		mcte_wire_refused(p, why);
		if (busy_reply && (h->type == MCTE_WIRE_SEG_OPEN ||
				   h->type == MCTE_WIRE_SEG_CLOSE ||
				   h->type == MCTE_WIRE_SEG_KEYS)) {
			mcte_wire_init_hdr(&busy, h->type + 1, sizeof(busy),
					   be64_to_cpu(h->tag));
			busy.status = cpu_to_be32(EBUSY);
			mcte_path_send_nowait(p, &busy, sizeof(busy));
		}
		return;
	}
	INIT_WORK(&w->work, mcte_path_rx_work);
	kref_get(&p->ref);
	w->path = p;
	w->len = len;
	memcpy(w->msg, h, len);
	queue_work(mcte_rdma_wq, &w->work);
}

/**
 * mcte_rx_done() - a message came, or a receive buffer was flushed
 * @cq: the path's CQ
 * @wc: the completion
 */
void mcte_rx_done(struct ib_cq *cq, struct ib_wc *wc)
{
	struct mcte_rx *rx = container_of(wc->wr_cqe, struct mcte_rx, cqe);
	struct mcte_path *p = rx->path;
	const struct mcte_wire_hdr *h = rx->buf;
	const struct mcte_wire_seg_gone *gone;
	struct mcte_wire_hdr pong;
	u32 len = wc->byte_len;
	const char *why;

	if (wc->status != IB_WC_SUCCESS) {
		if (wc->status != IB_WC_WR_FLUSH_ERR)
			mcte_path_fail(p, -EIO);
		return;
	}
	ib_dma_sync_single_for_cpu(cq->device, rx->dma, MCTE_WIRE_MSG_MAX,
				   DMA_FROM_DEVICE);
	WRITE_ONCE(p->last_heard, jiffies);

	why = mcte_wire_check(p, h, len);
	if (why) {
		mcte_wire_refused(p, why);
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
	case MCTE_WIRE_AUTH_REPLY:
	case MCTE_WIRE_SEG_CLOSE_REPLY:
	case MCTE_WIRE_SEG_KEYS_REPLY:
		if (!mcte_path_rpc_reply(p, h, len))
			mcte_wire_refused(p, "a reply nothing waits for");
		break;
	case MCTE_WIRE_SEG_GONE:
		/*
		 * Here, not deferred: an RDMA error on this path caused by
		 * the keys it voids completes after it, on this CQ, and
		 * must find the segment gone.
		 */
		if (READ_ONCE(p->state) != MCTE_PATH_UP) {
			mcte_wire_refused(p, "segment gone before the path is up");
			break;
		}
		gone = rx->buf;
		mcte_rseg_gone(p->peer, be64_to_cpu(gone->seg_id));
		break;
	default:
		mcte_path_rx_request(p, h, len);
		break;
	}
repost:
	ib_dma_sync_single_for_device(cq->device, rx->dma, MCTE_WIRE_MSG_MAX,
				      DMA_FROM_DEVICE);
	if (mcte_path_post_recv(rx))
		mcte_path_fail(p, -EIO);
}
