// SPDX-License-Identifier: GPL-2.0
/*
 * mcte - paths: one RC QP between a local and a remote NIC, shared by every
 * process of the node that talks to that peer engine. An active path is
 * bound to its local NIC's address (rdma_nic.c) and reconnects from it
 * alone: a NIC that lost its link does not carry the pair through another.
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
 * MCTE_PATH_FAILS_MAX failed attempts in a row, when its engine goes, when
 * nothing needs its peer any more (no segment of it open, no open waiting
 * for a path), or at once on errors a retry cannot mend (a key refused, no
 * common wire version). A passive path (accepted by a listener) that fails
 * is DEAD at once: its peer reconnects. Up paths ping each other every
 * second when idle and fail after MCTE_PING_DEAD_MS without hearing
 * anything; a passive path fails too when its handshake is not over
 * MCTE_HANDSHAKE_MS after it was accepted.
 *
 * Teardown (mcte_path_teardown()), in this order: no new work request is
 * posted (state), the cm id is detached and disconnected, then destroyed,
 * which waits for its handler; the QP is drained, so every posted work
 * request has completed and its slice moved on; the opens of our segments
 * made through it are voided (their MRs deregistered), and the keys of
 * remote segments fetched through it dropped; then QP, CQ and receive
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

/*
 * The handshake's steps (enum mcte_hs), each reached from one only; a
 * step refused back (a request over the limit) returns to where it was.
 */
static bool mcte_hs_transition_ok(u8 from, u8 to)
{
	switch (to) {
	case MCTE_HS_NONE:
		return from == MCTE_HS_HELLO_IN || from == MCTE_HS_DONE;
	case MCTE_HS_HELLO_IN:
		return from == MCTE_HS_NONE;
	case MCTE_HS_AUTH_WAIT:
		return from == MCTE_HS_HELLO_IN || from == MCTE_HS_AUTH_IN;
	case MCTE_HS_AUTH_IN:
		return from == MCTE_HS_AUTH_WAIT;
	case MCTE_HS_DONE:
		return from == MCTE_HS_NONE || from == MCTE_HS_HELLO_IN ||
		       from == MCTE_HS_AUTH_IN;
	default:
		return false;
	}
}

/**
 * mcte_path_set_hs() - move a path's handshake to its next step
 * @p: the path, its lock held
 * @from: the step it must be at
 * @to: the step it goes to
 *
 * Return: whether it moved; a path not at @from, or a step @to is not
 * reached from, stays where it is.
 */
bool mcte_path_set_hs(struct mcte_path *p, u8 from, u8 to)
{
	lockdep_assert_held(&p->lock);
	if (p->hs != from)
		return false;
	if (WARN_ONCE(!mcte_hs_transition_ok(from, to),
		      "path %u: handshake %u -> %u", p->id, from, to))
		return false;
	p->hs = to;
	return true;
}

static void mcte_path_release(struct kref *ref)
{
	struct mcte_path *p = container_of(ref, struct mcte_path, ref);

	WARN_ON_ONCE(p->qp || p->cm || !list_empty(&p->exports));
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

/**
 * mcte_path_arm() - (re)arm the path's one timer
 * @p: the path
 * @ms: from now
 *
 * The timer is the connect watchdog, the reconnect backoff or the ping.
 * A pending one gives way: the watchdog of a connect that failed early
 * must not hold back its backoff, nor a fresh path's first ping. The
 * queued work holds a reference.
 */
void mcte_path_arm(struct mcte_path *p, u32 ms)
{
	if (cancel_delayed_work(&p->work))
		mcte_path_put(p);
	kref_get(&p->ref);
	if (!queue_delayed_work(mcte_rdma_wq, &p->work, msecs_to_jiffies(ms)))
		mcte_path_put(p);
}

/**
 * mcte_path_notify() - send a path event with what the path is now
 * @p: the path
 * @cmd: MCTE_CMD_PATH_UP_NTF or MCTE_CMD_PATH_DOWN_NTF
 */
void mcte_path_notify(struct mcte_path *p, u8 cmd)
{
	struct mcte_path_info pi;

	mcte_path_info(p, &pi);
	mcte_nl_path_notify(p->r->eng, &pi, cmd);
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
 * request completed, every waiting slice moved on, every rpc failed, no
 * open of ours made through it and no key of a peer's fetched through it.
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
	p->gen++;
	/* A next connection (active paths) says hello anew. */
	if (p->hs == MCTE_HS_DONE)
		mcte_path_set_hs(p, MCTE_HS_DONE, MCTE_HS_NONE);
	p->authed = false;
	list_splice_init(&p->pending, &retry);
	spin_unlock(&p->lock);
	wake_up_all(&p->room);
	mcte_path_fail_rpcs(p);
	mcte_rdma_retry_list(&retry, -ENOTCONN);
	/* Its keys go with it: the owner voids them as it sees it close. */
	if (p->peer)
		mcte_rseg_path_down(p->peer, p);

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
	if (!qp) {
		mcte_export_path_down(p);
		return;
	}

	/* Every posted work request completes, flushed, and moves on. */
	ib_drain_qp(qp);
	spin_lock(&p->lock);
	p->qp = NULL;
	p->cq = NULL;
	p->rdev = NULL;
	list_splice_init(&p->pending, &retry);
	spin_unlock(&p->lock);
	mcte_rdma_retry_list(&retry, -ENOTCONN);
	/* No REG_MR of an open is in flight any more: void them all. */
	mcte_export_path_down(p);

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
		if (!p->active)
			r->nr_passive--;
	}
	mutex_unlock(&r->lock);
	if (peer) {
		spin_lock(&peer->lock);
		list_del_init(&p->pnode);
		if (READ_ONCE(p->err))
			peer->last_err = READ_ONCE(p->err);
		spin_unlock(&peer->lock);
		mcte_peer_path_down(peer);
		/*
		 * A link may come back: try again later while the peer is
		 * used. A bound pair that never came up is not on one link:
		 * tried again at the next open only.
		 */
		if (mcte_peer_needed(peer) && (p->was_up || !p->bound))
			mcte_peer_grow(peer, MCTE_REGROW_MS);
	}
	if (listed)
		mcte_path_put(p);
}

/* Errors another try cannot mend: the peer will refuse us the same way. */
static bool mcte_path_err_final(int err)
{
	return err == -EKEYREJECTED || err == -EPROTONOSUPPORT ||
	       err == -EPROTO;
}

static void mcte_path_err_work(struct work_struct *work)
{
	struct mcte_path *p = container_of(work, struct mcte_path, err_work);
	bool was_up, dead, needed, reconnect = false;
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

	/* A peer nothing needs is not dialed again. */
	needed = p->peer && mcte_peer_needed(p->peer);
	spin_lock(&p->lock);
	if (!dead && p->active && needed && !READ_ONCE(p->r->exiting) &&
	    !mcte_path_err_final(p->err) &&
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
	mcte_stat_add(p->r->eng, MCTE_STAT_PATHS_FAILED, 1);
	kref_get(&p->ref);
	if (!queue_work(mcte_rdma_wq, &p->err_work))
		mcte_path_put(p);
	wake_up_all(&p->room);
	mcte_path_fail_rpcs(p);
}

static void mcte_path_cancel_works(struct mcte_path *p)
{
	/* A work cancelled before it ran leaves its reference to us. */
	if (cancel_delayed_work_sync(&p->work))
		mcte_path_put(p);
	if (cancel_work_sync(&p->hello_work))
		mcte_path_put(p);
	flush_work(&p->err_work);
}

/**
 * mcte_path_kill() - tear a path down for good and wait for it
 * @p: a listed path, referenced by the caller
 */
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
	mcte_wire_cm_make(p->r, priv);
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
			/* A device on its way out: the network is down there. */
			mcte_path_fail(p, ret == -ENODEV ? -ENETDOWN : ret);
			return 0;
		}
		mcte_path_conn_param(p, &param, &priv);
		ret = rdma_connect_locked(cm, &param);
		if (ret)
			mcte_path_fail(p, ret);
		return 0;
	case RDMA_CM_EVENT_ESTABLISHED:
		if (p->active) {
			u8 flags;
			u64 id;

			/* Whom we reached, before a word is said. */
			ret = mcte_wire_cm_check(ev->param.conn.private_data,
						 ev->param.conn.private_data_len,
						 &id, &flags);
			if (!ret && !mcte_wire_cm_auth_ok(p->r, id, flags))
				ret = -EKEYREJECTED;
			if (ret) {
				mcte_path_fail(p, ret);
				return 0;
			}
			spin_lock(&p->lock);
			p->peer_id = id;
			p->self = id == p->r->eng->id;
			spin_unlock(&p->lock);
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
		ret = mcte_wire_rej_errno(ev);
		/* Refused for the key: this side counts it too. */
		if (ret == -EKEYREJECTED)
			mcte_stat_add(p->r->eng, MCTE_STAT_AUTH_FAILED, 1);
		mcte_path_fail(p, ret);
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
			p->err = -ENETDOWN;
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
	struct sockaddr_storage src;
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
	/* Bound: rdma_cm binds the id to the NIC of that address first. */
	if (p->bound) {
		src = p->local;
		/* Any port: the last connection's may still be held. */
		if (src.ss_family == AF_INET)
			((struct sockaddr_in *)&src)->sin_port = 0;
		else
			((struct sockaddr_in6 *)&src)->sin6_port = 0;
	}
	ret = rdma_resolve_addr(cm, p->bound ? (struct sockaddr *)&src : NULL,
				(struct sockaddr *)&p->remote, 2000);
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

	/* Pinging does not keep a peer that never finished its hello. */
	if (!p->active && READ_ONCE(p->hs) != MCTE_HS_DONE &&
	    time_after(jiffies, READ_ONCE(p->connect_start) +
		       msecs_to_jiffies(MCTE_HANDSHAKE_MS))) {
		mcte_wire_refused(p, "handshake not over in time");
		mcte_path_fail(p, -ETIMEDOUT);
		return;
	}
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

/**
 * mcte_path_up() - an active path finished its handshake
 * @p: the path
 *
 * Return: true when it is up now; false when it failed meanwhile.
 */
bool mcte_path_up(struct mcte_path *p)
{
	bool up = false, again = false;

	spin_lock(&p->lock);
	if (!p->err) {
		again = p->state == MCTE_PATH_RECONNECTING;
		up = mcte_path_set_state(p, MCTE_PATH_UP);
		p->was_up = true;
		p->fails = 0;
		mcte_path_set_hs(p, MCTE_HS_NONE, MCTE_HS_DONE);
		WRITE_ONCE(p->last_heard, jiffies);
	}
	spin_unlock(&p->lock);
	if (up && again)
		atomic64_inc(&p->reconnects);
	return up;
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
	INIT_LIST_HEAD(&p->exports);
	mutex_init(&p->mutex);
	spin_lock_init(&p->lock);
	init_waitqueue_head(&p->room);
	INIT_DELAYED_WORK(&p->work, mcte_path_work);
	INIT_WORK(&p->err_work, mcte_path_err_work);
	INIT_WORK(&p->hello_work, mcte_hello_work);
	p->r = r;
	p->state = MCTE_PATH_CONNECTING;
	atomic64_set(&p->bytes, 0);
	atomic64_set(&p->slices, 0);
	atomic64_set(&p->errors, 0);
	atomic64_set(&p->retries, 0);
	atomic64_set(&p->reconnects, 0);
	return p;
}

/*
 * Passive paths from the address of @p: a peer may come by several
 * paths, one per NIC pair, and reconnect some of them while the old ones
 * are torn down, but not by hundreds.
 */
static u32 mcte_path_count_from(struct mcte_rdma *r, struct mcte_path *p)
{
	struct mcte_path *o;
	u32 n = 0;

	lockdep_assert_held(&r->lock);
	list_for_each_entry(o, &r->paths, node)
		if (!o->active && mcte_sockaddr_ip_eq(&o->remote, &p->remote))
			n++;
	return n;
}

/*
 * Give it an id and list it. Return: 0; -ESHUTDOWN when the engine is
 * going; -EBUSY for a passive path over the engine's limits.
 */
static int mcte_path_list(struct mcte_rdma *r, struct mcte_path *p)
{
	int ret = 0;

	mutex_lock(&r->lock);
	if (r->exiting)
		ret = -ESHUTDOWN;
	else if (!p->active && (r->nr_passive >= MCTE_PASSIVE_MAX ||
				mcte_path_count_from(r, p) >=
				MCTE_PASSIVE_PER_ADDR))
		ret = -EBUSY;
	if (!ret) {
		p->id = ++r->path_next;
		list_add_tail(&p->node, &r->paths);
		if (!p->active)
			r->nr_passive++;
	}
	mutex_unlock(&r->lock);
	return ret;
}

/**
 * mcte_path_create() - open an active path to a peer's address
 * @r: the engine's transport
 * @peer: the peer, referenced by the path from now on
 * @remote: the address and port of one of its listeners
 * @nic: the local NIC it is bound to; NULL: whichever routing picks
 *
 * Connects in the background; the peer hears when it is up.
 *
 * Return: the path (the engine's list holds it), or an ERR_PTR.
 */
struct mcte_path *mcte_path_create(struct mcte_rdma *r,
				   struct mcte_peer *peer,
				   const struct sockaddr_storage *remote,
				   const struct mcte_nic *nic)
{
	struct mcte_path *p;

	p = mcte_path_alloc(r);
	if (!p)
		return ERR_PTR(-ENOMEM);
	p->active = true;
	p->remote = *remote;
	if (nic) {
		p->bound = true;
		p->local = nic->addr;
		strscpy(p->local_dev, nic->name, sizeof(p->local_dev));
	}
	kref_get(&peer->ref);
	p->peer = peer;
	if (mcte_path_list(r, p)) {
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
 * @from_local: the request's address is one of this node's
 *
 * Return: the path, or an ERR_PTR (the caller rejects, and has @cm
 * destroyed): -EBUSY when the engine has no room for it.
 */
struct mcte_path *mcte_path_accept(struct mcte_rdma *r, struct rdma_cm_id *cm,
				   u64 peer_id, bool from_local)
{
	struct rdma_conn_param param;
	struct mcte_wire_cm priv;
	struct mcte_path *p;
	int ret;

	p = mcte_path_alloc(r);
	if (!p)
		return ERR_PTR(-ENOMEM);
	p->peer_id = peer_id;
	/* Claimed so far: it proves the self key before it says anything. */
	p->self = peer_id == r->eng->id;
	p->from_local = from_local;
	p->connect_start = jiffies;
	memcpy(&p->remote, &cm->route.addr.dst_addr, sizeof(p->remote));
	p->cm = cm;
	ret = mcte_path_create_qp(p, cm);
	if (ret)
		goto out_free;
	ret = mcte_path_list(r, p);
	if (ret)
		goto out_destroy_qp;
	cm->context = p;

	mcte_path_conn_param(p, &param, &priv);
	ret = rdma_accept(cm, &param);
	if (!ret)
		return p;

	/* rdma_cm destroys the id when we return; nothing was posted. */
	mutex_lock(&r->lock);
	list_del_init(&p->node);
	r->nr_passive--;
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

		mcte_path_fail(found, -ENETDOWN);
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
