// SPDX-License-Identifier: GPL-2.0
/*
 * mcte - segments across engines.
 *
 * Owner side, exports: the first SEG_OPEN of a segment through a device
 * registers the segment's pages there as fast-registration MRs, one per
 * run of at most rdev->fr_pages pages of a buffer, with the rights of the
 * segment's mode only (remote read for READ, remote read and write for
 * RW), so that a key never reaches past the segment nor grants more than
 * its mode. The export holds the segment (its pages stay pinned) until
 * the segment is unregistered, the device goes or the engine does; the
 * MRs are deregistered then, which voids the keys, and every peer with a
 * path to us hears SEG_GONE.
 *
 * Opener side, remote segments: an mcte_seg with no pages whose @remote
 * holds the peer, the owner's id of the segment and the keys per remote
 * device (each path may reach the peer through another of its devices,
 * and keys are per device). Keys for devices of paths that come up later
 * are fetched by a work item.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/scatterlist.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "rdma_priv.h"

/**
 * struct mcte_export_mr - one MR of an export
 * @mr: the MR, registered
 * @sgt: the pages it maps, DMA-mapped
 * @off: offset of its first byte in the segment
 * @len: bytes it covers
 * @mapped: @sgt is DMA-mapped
 */
struct mcte_export_mr {
	struct ib_mr *mr;
	struct sg_table sgt;
	u64 off;
	u32 len;
	bool mapped;
};

/**
 * struct mcte_export - a segment registered on a device for peers
 * @node: in &mcte_rdma.exports
 * @seg: the segment, referenced
 * @rdev: the device, referenced
 * @nr: entries in @mrs
 * @mrs: MRs in segment order
 */
struct mcte_export {
	struct list_head node;
	struct mcte_seg *seg;
	struct mcte_rdev *rdev;
	u32 nr;
	struct mcte_export_mr mrs[] __counted_by(nr);
};

/**
 * struct mcte_reg_wait - a REG_MR work request waited for
 * @cqe: completion
 * @p: the path it was posted on
 * @done: completed with it
 * @status: its status
 */
struct mcte_reg_wait {
	struct ib_cqe cqe;
	struct mcte_path *p;
	struct completion done;
	enum ib_wc_status status;
};

static void mcte_reg_done(struct ib_cq *cq, struct ib_wc *wc)
{
	struct mcte_reg_wait *w = container_of(wc->wr_cqe,
					       struct mcte_reg_wait, cqe);

	w->status = wc->status;
	mcte_path_unroom(w->p, 1);
	complete(&w->done);
}

/* Pieces of buffer @b: the runs of at most @fr pages. */
static u32 mcte_buf_pieces(const struct mcte_sbuf *b, u32 fr)
{
	return DIV_ROUND_UP(DIV_ROUND_UP(b->pgoff + b->len, PAGE_SIZE), fr);
}

static void mcte_export_free(struct mcte_export *e)
{
	struct ib_device *dev = e->rdev->ibdev;
	u32 i;

	for (i = 0; i < e->nr; i++) {
		struct mcte_export_mr *m = &e->mrs[i];

		if (m->mr)
			ib_dereg_mr(m->mr);
		if (m->mapped)
			ib_dma_unmap_sg(dev, m->sgt.sgl, m->sgt.orig_nents,
					DMA_BIDIRECTIONAL);
		sg_free_table(&m->sgt);
	}
	mcte_rdev_put(e->rdev);
	mcte_seg_put(e->seg);
	kvfree(e);
}

/* Map piece @k of buffer @b of @seg into @m and register it through @p. */
static int mcte_export_piece(struct mcte_path *p, struct mcte_seg *seg,
			     const struct mcte_sbuf *b, u32 k,
			     struct mcte_export_mr *m, int access)
{
	struct mcte_rdev *rdev = p->rdev;
	u32 fr = rdev->fr_pages, first = k * fr, npages, i;
	u64 pos = (u64)first * PAGE_SIZE;	/* from the first page's start */
	u64 end = min_t(u64, (u64)(first + fr) * PAGE_SIZE, b->pgoff + b->len);
	struct ib_reg_wr reg = {};
	struct mcte_reg_wait w;
	struct scatterlist *sg;
	int ret, n;

	npages = DIV_ROUND_UP(end, PAGE_SIZE) - first;
	ret = sg_alloc_table(&m->sgt, npages, GFP_KERNEL);
	if (ret)
		return ret;
	for_each_sg(m->sgt.sgl, sg, npages, i) {
		u64 at = max_t(u64, pos + (u64)i * PAGE_SIZE, b->pgoff);
		u32 off = offset_in_page(at);
		u32 len = min_t(u64, PAGE_SIZE - off, end - at);

		sg_set_page(sg, seg->pages[b->page + first + i], len, off);
	}
	m->off = b->start + max_t(u64, pos, b->pgoff) - b->pgoff;
	m->len = end - max_t(u64, pos, b->pgoff);

	n = ib_dma_map_sg(rdev->ibdev, m->sgt.sgl, npages, DMA_BIDIRECTIONAL);
	if (n <= 0)
		return -ENOMEM;
	m->mapped = true;
	m->sgt.nents = n;
	m->mr = ib_alloc_mr(rdev->pd, IB_MR_TYPE_MEM_REG, n);
	if (IS_ERR(m->mr)) {
		ret = PTR_ERR(m->mr);
		m->mr = NULL;
		return ret;
	}
	if (ib_map_mr_sg(m->mr, m->sgt.sgl, n, NULL, PAGE_SIZE) != n)
		return -EINVAL;

	ret = mcte_path_wait_room(p, 1);
	if (ret)
		return ret;
	init_completion(&w.done);
	w.cqe.done = mcte_reg_done;
	w.p = p;
	reg.wr.opcode = IB_WR_REG_MR;
	reg.wr.wr_cqe = &w.cqe;
	reg.wr.send_flags = IB_SEND_SIGNALED;
	reg.mr = m->mr;
	reg.key = m->mr->rkey;
	reg.access = access;
	spin_lock(&p->lock);
	ret = p->qp ? ib_post_send(p->qp, &reg.wr, NULL) : -ENOTCONN;
	spin_unlock(&p->lock);
	if (ret) {
		mcte_path_unroom(p, 1);
		return ret;
	}
	/* A failing path drains its QP: this completes, flushed or not. */
	wait_for_completion(&w.done);
	return w.status == IB_WC_SUCCESS ? 0 : -EIO;
}

static struct mcte_export *mcte_export_create(struct mcte_path *p,
					      struct mcte_seg *seg)
{
	int access = IB_ACCESS_REMOTE_READ;
	struct mcte_rdev *rdev;
	struct mcte_export *e;
	u32 i, k, nr = 0, at = 0;
	int ret;

	spin_lock(&p->lock);
	rdev = p->rdev;
	if (rdev)
		kref_get(&rdev->ref);
	spin_unlock(&p->lock);
	if (!rdev)
		return ERR_PTR(-ENOTCONN);

	if (seg->access == MCTE_ACCESS_RW)
		access |= IB_ACCESS_LOCAL_WRITE | IB_ACCESS_REMOTE_WRITE;
	for (i = 0; i < seg->nr_bufs; i++)
		nr += mcte_buf_pieces(&seg->bufs[i], rdev->fr_pages);
	if (nr > MCTE_WIRE_KEYS_MAX) {
		mcte_rdev_put(rdev);
		return ERR_PTR(-E2BIG);
	}
	e = kvzalloc(struct_size(e, mrs, nr), GFP_KERNEL);
	if (!e) {
		mcte_rdev_put(rdev);
		return ERR_PTR(-ENOMEM);
	}
	e->nr = nr;
	e->rdev = rdev;
	kref_get(&seg->ref);
	e->seg = seg;
	INIT_LIST_HEAD(&e->node);

	for (i = 0; i < seg->nr_bufs; i++) {
		const struct mcte_sbuf *b = &seg->bufs[i];

		for (k = 0; k < mcte_buf_pieces(b, rdev->fr_pages); k++) {
			ret = mcte_export_piece(p, seg, b, k, &e->mrs[at++],
						access);
			if (ret) {
				mcte_export_free(e);
				return ERR_PTR(ret);
			}
		}
	}
	return e;
}

/* Under r->lock: the export of @seg on @rdev, if any. */
static struct mcte_export *mcte_export_find(struct mcte_rdma *r,
					    struct mcte_seg *seg,
					    struct mcte_rdev *rdev)
{
	struct mcte_export *e;

	lockdep_assert_held(&r->lock);
	list_for_each_entry(e, &r->exports, node)
		if (e->seg == seg && e->rdev == rdev)
			return e;
	return NULL;
}

/* A reply with @e's keys, or the error @status; @e under r->lock. */
static void *mcte_export_reply(u64 tag, int status, struct mcte_seg *seg,
			       struct mcte_export *e, u32 *lenp)
{
	struct mcte_wire_seg_open_reply *out;
	u32 i, nr = e ? e->nr : 0, len = struct_size(out, keys, nr);

	out = kzalloc(len, GFP_KERNEL);
	if (!out)
		return NULL;
	mcte_wire_init_hdr(&out->hdr, MCTE_WIRE_SEG_OPEN_REPLY, len, tag);
	out->hdr.status = cpu_to_be32(-status);
	if (e) {
		out->seg_id = cpu_to_be64(seg->serial);
		out->size = cpu_to_be64(seg->size);
		out->access = cpu_to_be32(seg->access);
		out->nr_bufs = cpu_to_be32(seg->nr_bufs);
		out->nr_keys = cpu_to_be32(nr);
		for (i = 0; i < nr; i++) {
			out->keys[i].off = cpu_to_be64(e->mrs[i].off);
			out->keys[i].addr = cpu_to_be64(e->mrs[i].mr->iova);
			out->keys[i].len = cpu_to_be32(e->mrs[i].len);
			out->keys[i].rkey = cpu_to_be32(e->mrs[i].mr->rkey);
		}
	}
	*lenp = len;
	return out;
}

/**
 * mcte_export_open() - answer a peer's SEG_OPEN
 * @p: the path it came on; the keys are for its device
 * @msg: the request
 * @len: its length
 * @tag: its tag
 *
 * Process context (a work item), never a completion handler.
 */
void mcte_export_open(struct mcte_path *p, const void *msg, u32 len, u64 tag)
{
	const struct mcte_wire_seg_open *in = msg;
	struct mcte_rdma *r = p->r;
	struct mcte_export *e = NULL, *found;
	struct mcte_seg *seg = NULL;
	void *out = NULL;
	u32 want, olen;
	int ret;

	ret = -EINVAL;
	if (len < sizeof(*in) || !memchr(in->name, 0, sizeof(in->name)))
		goto out_reply;
	want = be32_to_cpu(in->access);
	if (want > MCTE_ACCESS_RW)
		goto out_reply;
	ret = -ENOENT;
	seg = mcte_seg_lookup(r->eng, in->name);
	if (!seg)
		goto out_reply;
	ret = -EACCES;
	if (seg->access == MCTE_ACCESS_NONE || want > seg->access)
		goto out_reply;

	mutex_lock(&r->lock);
	found = mcte_export_find(r, seg, p->rdev);
	mutex_unlock(&r->lock);
	if (!found) {
		e = mcte_export_create(p, seg);
		if (IS_ERR(e)) {
			ret = PTR_ERR(e);
			e = NULL;
			goto out_reply;
		}
	}

	/*
	 * Listed under the lock the unregister hook takes once the segment
	 * is dead: either it sees the export, or we see the segment dead.
	 * The reply is built under it too: the export may go right after.
	 */
	mutex_lock(&r->lock);
	found = mcte_export_find(r, seg, e ? e->rdev : p->rdev);
	if (!found && e && !mcte_seg_dead(seg) && !r->exiting &&
	    !READ_ONCE(e->rdev->dead)) {
		list_add_tail(&e->node, &r->exports);
		found = e;
		e = NULL;
	}
	ret = found ? 0 : -ENOENT;
	out = mcte_export_reply(tag, ret, seg, found, &olen);
	mutex_unlock(&r->lock);
	if (e)
		mcte_export_free(e);
out_reply:
	if (!out)
		out = mcte_export_reply(tag, ret ?: -ENOMEM, NULL, NULL, &olen);
	if (out)
		mcte_path_send(p, out, olen);
	kfree(out);
	if (seg)
		mcte_seg_put(seg);
}

static void mcte_export_free_list(struct list_head *gone)
{
	struct mcte_export *e, *tmp;

	list_for_each_entry_safe(e, tmp, gone, node) {
		list_del(&e->node);
		mcte_export_free(e);
	}
}

/**
 * mcte_rdma_seg_unregistered() - a segment of this node was unregistered
 * @seg: the segment, dead already
 *
 * Its keys are voided, and peers hear of it.
 */
void mcte_rdma_seg_unregistered(struct mcte_seg *seg)
{
	struct mcte_rdma *r = seg->eng->rdma;
	struct mcte_export *e, *tmp;
	struct mcte_wire_seg_gone g;
	struct mcte_path *p, **up;
	u32 n = 0, i;
	LIST_HEAD(gone);

	mutex_lock(&r->lock);
	list_for_each_entry_safe(e, tmp, &r->exports, node)
		if (e->seg == seg)
			list_move_tail(&e->node, &gone);
	mutex_unlock(&r->lock);
	if (list_empty(&gone))
		return;

	/*
	 * To every path, before the keys go: the openers are not tracked,
	 * the message is rare. Each peer has it before any of its RDMA
	 * requests can fail for want of the keys, so it can tell that
	 * failure (the segment went, -ENODEV) from a refusal (-EACCES).
	 */
	mutex_lock(&r->lock);
	list_for_each_entry(p, &r->paths, node)
		n++;
	up = kcalloc(max(n, 1U), sizeof(*up), GFP_KERNEL);
	n = 0;
	if (up) {
		list_for_each_entry(p, &r->paths, node) {
			if (READ_ONCE(p->state) != MCTE_PATH_UP)
				continue;
			kref_get(&p->ref);
			up[n++] = p;
		}
	}
	mutex_unlock(&r->lock);
	mcte_wire_init_hdr(&g.hdr, MCTE_WIRE_SEG_GONE, sizeof(g), 0);
	g.seg_id = cpu_to_be64(seg->serial);
	for (i = 0; i < n; i++) {
		mcte_path_send_sync(up[i], &g, sizeof(g));
		mcte_path_put(up[i]);
	}
	kfree(up);
	mcte_export_free_list(&gone);
}

/**
 * mcte_export_dev_remove() - drop the exports on a device going away
 * @r: an engine's transport
 * @ibdev: the device
 */
void mcte_export_dev_remove(struct mcte_rdma *r, struct ib_device *ibdev)
{
	struct mcte_export *e, *tmp;
	LIST_HEAD(gone);

	mutex_lock(&r->lock);
	list_for_each_entry_safe(e, tmp, &r->exports, node)
		if (e->rdev->ibdev == ibdev)
			list_move_tail(&e->node, &gone);
	mutex_unlock(&r->lock);
	mcte_export_free_list(&gone);
}

/**
 * mcte_export_flush() - drop every export of an engine going away
 * @r: the engine's transport
 */
void mcte_export_flush(struct mcte_rdma *r)
{
	LIST_HEAD(gone);

	mutex_lock(&r->lock);
	list_splice_init(&r->exports, &gone);
	mutex_unlock(&r->lock);
	mcte_export_free_list(&gone);
}

/* ---- opener side ----------------------------------------------------- */

/* Check a reply's keys: in order, contiguous, covering [0, size). */
static int mcte_rseg_check_reply(const struct mcte_wire_seg_open_reply *in,
				 int len)
{
	u64 size = be64_to_cpu(in->size), at = 0;
	u32 nr, i;

	if (len < (int)sizeof(*in) || in->hdr.type != MCTE_WIRE_SEG_OPEN_REPLY)
		return -EPROTO;
	if (in->hdr.status)
		return -(int)min_t(u32, be32_to_cpu(in->hdr.status), 4095);
	nr = be32_to_cpu(in->nr_keys);
	if (nr > MCTE_WIRE_KEYS_MAX || len != struct_size(in, keys, nr) ||
	    be32_to_cpu(in->access) > MCTE_ACCESS_RW || !size)
		return -EPROTO;
	for (i = 0; i < nr; i++) {
		if (be64_to_cpu(in->keys[i].off) != at ||
		    !be32_to_cpu(in->keys[i].len))
			return -EPROTO;
		at += be32_to_cpu(in->keys[i].len);
	}
	return at == size ? 0 : -EPROTO;
}

static struct mcte_keyset *mcte_keyset_make(const struct mcte_path *p,
					    const struct mcte_wire_seg_open_reply *in)
{
	u32 nr = be32_to_cpu(in->nr_keys);
	struct mcte_keyset *ks;

	ks = kvzalloc(struct_size(ks, keys, nr), GFP_KERNEL);
	if (!ks)
		return NULL;
	ks->nr = nr;
	memcpy(ks->dev, p->remote_dev, sizeof(ks->dev));
	memcpy(ks->keys, in->keys, nr * sizeof(ks->keys[0]));
	return ks;
}

/* Ask @p for the keys of @name; the reply into @in (MCTE_WIRE_MSG_MAX). */
static int mcte_rseg_ask(struct mcte_path *p, const char *name, u32 access,
			 struct mcte_wire_seg_open_reply *in)
{
	struct mcte_wire_seg_open out = {};
	int len;

	mcte_wire_init_hdr(&out.hdr, MCTE_WIRE_SEG_OPEN, sizeof(out), 0);
	strscpy(out.name, name, sizeof(out.name));
	out.access = cpu_to_be32(access);
	len = mcte_path_rpc(p, &out, sizeof(out), in, MCTE_WIRE_MSG_MAX);
	if (len < 0)
		return len;
	return mcte_rseg_check_reply(in, len);
}

/* Whether @rs has keys for the peer's device @dev. */
static bool mcte_rseg_has_keys(struct mcte_rseg *rs, const char *dev)
{
	struct mcte_keyset *ks;
	bool have = false;

	spin_lock(&rs->lock);
	list_for_each_entry(ks, &rs->keysets, node)
		have |= !strcmp(ks->dev, dev);
	spin_unlock(&rs->lock);
	return have;
}

/**
 * mcte_rseg_usable_on() - whether a remote segment's keys work on a path
 * @rs: the remote segment
 * @p: an up path of its peer
 *
 * Keys are good only on the engine that gave them: a path that reached
 * the peer's engine after it restarted cannot carry the old segment.
 *
 * Return: true when @rs has keys for @p's remote device from @p's engine.
 */
bool mcte_rseg_usable_on(struct mcte_rseg *rs, struct mcte_path *p)
{
	return READ_ONCE(p->peer_id) == rs->engine_id &&
	       mcte_rseg_has_keys(rs, p->remote_dev);
}

static void mcte_rseg_fetch_work(struct work_struct *work)
{
	struct mcte_rseg *rs = container_of(work, struct mcte_rseg,
					    fetch_work);
	struct mcte_peer *peer = rs->peer;
	struct mcte_wire_seg_open_reply *in;
	struct mcte_keyset *ks;
	struct mcte_path *p;
	bool got = false, dead = false;

	in = kmalloc(MCTE_WIRE_MSG_MAX, GFP_KERNEL);
	while (in && !mcte_seg_dead(rs->seg)) {
		struct mcte_path *want = NULL;

		spin_lock(&peer->lock);
		list_for_each_entry(p, &peer->paths, pnode) {
			if (READ_ONCE(p->state) != MCTE_PATH_UP ||
			    mcte_rseg_has_keys(rs, p->remote_dev))
				continue;
			kref_get(&p->ref);
			want = p;
			break;
		}
		spin_unlock(&peer->lock);
		if (!want)
			break;
		if (READ_ONCE(want->peer_id) != rs->engine_id ||
		    mcte_rseg_ask(want, rs->name, MCTE_ACCESS_READ, in) ||
		    be64_to_cpu(in->seg_id) != rs->seg_id ||
		    be64_to_cpu(in->size) != rs->seg->size) {
			/* Gone, or another segment of the same name now. */
			dead = !READ_ONCE(want->err);
			if (dead)
				WRITE_ONCE(rs->seg->dead, true);
			mcte_path_put(want);
			break;
		}
		ks = mcte_keyset_make(want, in);
		if (ks) {
			spin_lock(&rs->lock);
			list_add_tail(&ks->node, &rs->keysets);
			spin_unlock(&rs->lock);
			got = true;
		}
		mcte_path_put(want);
		if (!ks)
			break;
	}
	kfree(in);
	/* Slices waiting for a path with keys may go now, or fail. */
	if (dead)
		mcte_xfer_sweep();
	else if (got)
		mcte_peer_path_down(peer);
	mcte_seg_put(rs->seg);
}

/**
 * mcte_rseg_path_up() - a path of a peer came up: fetch keys for it
 * @peer: the peer
 */
void mcte_rseg_path_up(struct mcte_peer *peer)
{
	struct mcte_rseg *rs;

	spin_lock(&peer->lock);
	list_for_each_entry(rs, &peer->rsegs, pnode) {
		/* One being released waits for peer->lock: skip it. */
		if (!kref_get_unless_zero(&rs->seg->ref))
			continue;
		/* Queued already: that work holds one, this is not the last. */
		if (!queue_work(mcte_rdma_wq, &rs->fetch_work))
			refcount_dec(&rs->seg->ref.refcount);
	}
	spin_unlock(&peer->lock);
}

/**
 * mcte_rseg_gone() - a peer says one of its segments went
 * @peer: the peer
 * @seg_id: its id of the segment
 */
void mcte_rseg_gone(struct mcte_peer *peer, u64 seg_id)
{
	struct mcte_rseg *rs;
	bool hit = false;

	spin_lock(&peer->lock);
	list_for_each_entry(rs, &peer->rsegs, pnode) {
		if (rs->seg_id == seg_id) {
			WRITE_ONCE(rs->seg->dead, true);
			hit = true;
		}
	}
	spin_unlock(&peer->lock);
	if (hit)
		mcte_xfer_sweep();
}

/**
 * mcte_rseg_engine_gone() - a path of a peer reached engine @id
 * @peer: the peer
 * @id: the engine id the path's hello gave
 *
 * Segments opened of another engine at the peer's addresses (the one
 * there before it restarted) are dead: their keys and ids would name
 * whatever the new engine registered since.
 *
 * Return: true when there were such segments.
 */
bool mcte_rseg_engine_gone(struct mcte_peer *peer, u64 id)
{
	struct mcte_rseg *rs;
	bool hit = false;

	spin_lock(&peer->lock);
	list_for_each_entry(rs, &peer->rsegs, pnode) {
		if (rs->engine_id != id && !mcte_seg_dead(rs->seg)) {
			WRITE_ONCE(rs->seg->dead, true);
			hit = true;
		}
	}
	spin_unlock(&peer->lock);
	if (hit)
		mcte_xfer_sweep();
	return hit;
}

/**
 * mcte_rseg_key() - the key of the piece of a remote segment at an offset
 * @rs: the remote segment
 * @dev: the peer's device the key is for
 * @off: offset in the segment
 * @key: out: the piece, in host order in its fields' wire types
 *
 * Return: false when there are no keys for @dev.
 */
bool mcte_rseg_key(struct mcte_rseg *rs, const char *dev, u64 off,
		   struct mcte_wire_key *key)
{
	struct mcte_keyset *ks, *found = NULL;
	u32 lo, hi;

	spin_lock(&rs->lock);
	list_for_each_entry(ks, &rs->keysets, node) {
		if (!strcmp(ks->dev, dev)) {
			found = ks;
			break;
		}
	}
	spin_unlock(&rs->lock);
	/* Keysets stay until the remote segment goes: no lock needed. */
	if (!found || !found->nr)
		return false;
	lo = 0;
	hi = found->nr - 1;
	while (lo < hi) {
		u32 mid = lo + (hi - lo + 1) / 2;

		if (be64_to_cpu(found->keys[mid].off) <= off)
			lo = mid;
		else
			hi = mid - 1;
	}
	*key = found->keys[lo];
	return true;
}

/**
 * mcte_rseg_open() - open a segment of a peer engine
 * @eng: this engine
 * @ss: the peer's address and port
 * @name: the segment's name there
 * @access: access wanted, enum mcte_access
 * @segp: out: the segment standing for it here
 * @nr_bufs: out: its buffers on the peer
 *
 * Return: 0 or -errno: -ENOENT (no such segment), -EACCES (its mode does
 * not allow @access), -EHOSTUNREACH/-ECONNREFUSED/-ETIMEDOUT (no path),
 * -E2BIG (too many keys for one message), -EPROTO (a malformed reply).
 */
int mcte_rseg_open(struct mcte_engine *eng, const struct sockaddr_storage *ss,
		   const char *name, u32 access, struct mcte_seg **segp,
		   u32 *nr_bufs)
{
	struct mcte_wire_seg_open_reply *in;
	struct mcte_peer *peer;
	struct mcte_keyset *ks;
	struct mcte_rseg *rs;
	struct mcte_seg *seg;
	struct mcte_path *p;
	int ret;

	in = kmalloc(MCTE_WIRE_MSG_MAX, GFP_KERNEL);
	if (!in)
		return -ENOMEM;
	peer = mcte_peer_find_or_create(eng->rdma, ss);
	if (IS_ERR(peer)) {
		ret = PTR_ERR(peer);
		goto out_free_in;
	}
	p = mcte_peer_wait_path(peer);
	if (IS_ERR(p)) {
		ret = PTR_ERR(p);
		goto out_put_peer;
	}
	ret = mcte_rseg_ask(p, name, access, in);
	if (ret)
		goto out_put_path;
	ret = -EACCES;
	if (access > be32_to_cpu(in->access))
		goto out_put_path;

	ret = -ENOMEM;
	ks = mcte_keyset_make(p, in);
	if (!ks)
		goto out_put_path;
	rs = kzalloc(sizeof(*rs), GFP_KERNEL);
	if (!rs)
		goto out_free_ks;
	seg = kvzalloc(struct_size(seg, bufs, 1), GFP_KERNEL_ACCOUNT);
	if (!seg)
		goto out_free_rs;

	kref_init(&seg->ref);
	seg->eng = eng;
	seg->access = be32_to_cpu(in->access);
	seg->uid = current_euid();
	seg->owner = get_task_pid(current, PIDTYPE_TGID);
	seg->size = be64_to_cpu(in->size);
	strscpy(seg->name, name, sizeof(seg->name));
	seg->remote = rs;
	seg->nr_bufs = 1;
	seg->bufs[0].len = seg->size;
	atomic_set(&seg->inflight, 0);

	rs->seg = seg;
	rs->peer = peer;
	rs->seg_id = be64_to_cpu(in->seg_id);
	rs->engine_id = READ_ONCE(p->peer_id);
	strscpy(rs->name, name, sizeof(rs->name));
	rs->access = seg->access;
	rs->nr_bufs = be32_to_cpu(in->nr_bufs);
	spin_lock_init(&rs->lock);
	INIT_LIST_HEAD(&rs->keysets);
	list_add_tail(&ks->node, &rs->keysets);
	INIT_WORK(&rs->fetch_work, mcte_rseg_fetch_work);

	spin_lock(&peer->lock);
	list_add_tail(&rs->pnode, &peer->rsegs);
	peer->nr_rsegs++;
	spin_unlock(&peer->lock);
	/* Keys for the devices of the peer's other paths. */
	mcte_rseg_path_up(peer);

	*segp = seg;
	*nr_bufs = rs->nr_bufs;
	mcte_path_put(p);
	kfree(in);
	return 0;

out_free_rs:
	kfree(rs);
out_free_ks:
	kvfree(ks);
out_put_path:
	mcte_path_put(p);
out_put_peer:
	/* A peer nothing was opened of goes after a while, paths and all. */
	if (!READ_ONCE(peer->nr_rsegs))
		mcte_rdma_peer_idle(peer);
	mcte_peer_put(peer);
out_free_in:
	kfree(in);
	return ret;
}

/**
 * mcte_rseg_release() - the last reference to a remote segment went
 * @rs: its remote part; the mcte_seg is freed by the caller
 *
 * No work item of it is pending: each holds a reference.
 */
void mcte_rseg_release(struct mcte_rseg *rs)
{
	struct mcte_peer *peer = rs->peer;
	struct mcte_keyset *ks, *tmp;
	bool idle;

	spin_lock(&peer->lock);
	list_del(&rs->pnode);
	idle = !--peer->nr_rsegs;
	spin_unlock(&peer->lock);
	if (idle)
		mcte_rdma_peer_idle(peer);

	list_for_each_entry_safe(ks, tmp, &rs->keysets, node)
		kvfree(ks);
	kfree(rs);
	mcte_peer_put(peer);
}
