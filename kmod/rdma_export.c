// SPDX-License-Identifier: GPL-2.0
/*
 * mcte - opens of this node's segments by peers (owner side).
 *
 * Each SEG_OPEN a peer sends that the rules allow (Documentation/wire.rst,
 * "Handshake" 3) becomes an export: the segment's pages registered on the
 * path's device as fast-registration MRs, one per run of at most
 * rdev->fr_pages pages of a buffer, with the rights the open asked for
 * (remote read for READ, remote read and write for RW) and nothing more,
 * so that a key never reaches past the segment nor grants more than the
 * open. The RDMA address of each MR is rebased away from the pages'
 * addresses (on devices with virtual DMA those are kernel addresses): it
 * keeps only the offset in the first page, which the device needs.
 *
 * An export belongs to the path its SEG_OPEN came by, which holds at most
 * MCTE_PATH_OPENS_MAX of them, and lives until the opener sends SEG_CLOSE
 * for it, the path closes (its teardown calls mcte_export_path_down()),
 * the segment is unregistered (peers hear SEG_GONE first) or the device
 * goes (which tears the path down). Deregistering the MRs voids the keys.
 *
 * Lock order: an export is listed under its path's lock; it is made and
 * freed (MR registration and deregistration sleep) with no lock held.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cred.h>
#include <linux/scatterlist.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uidgid.h>

#include "rdma_priv.h"

/**
 * struct mcte_export_mr - one MR of an export
 * @mr: the MR, registered
 * @sgt: what it maps, from the segment's kind (mcte_seg_dma_map())
 * @dev: the device @sgt was mapped for; NULL for a device with virtual
 *	 DMA, whose table ib_dma_map_sg() mapped here
 * @off: offset of its first byte in the segment
 * @len: bytes it covers
 * @mapped: @sgt was filled by the segment's kind
 * @virt_mapped: ib_dma_map_sg() mapped @sgt (a device with virtual DMA)
 */
struct mcte_export_mr {
	struct ib_mr *mr;
	struct sg_table sgt;
	struct device *dev;
	u64 off;
	u32 len;
	bool mapped;
	bool virt_mapped;
};

/**
 * struct mcte_export - an open of a segment by a peer, through one path
 * @node: in &mcte_path.exports
 * @seg: the segment, referenced
 * @rdev: the device, referenced
 * @open_id: its id, unique in the engine, named by SEG_CLOSE
 * @access: the rights of its keys, enum mcte_access
 * @nr: entries in @mrs
 * @mrs: MRs in segment order
 */
struct mcte_export {
	struct list_head node;
	struct mcte_seg *seg;
	struct mcte_rdev *rdev;
	u64 open_id;
	u32 access;
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
		if (m->virt_mapped)
			ib_dma_unmap_sg(dev, m->sgt.sgl, m->sgt.orig_nents,
					DMA_BIDIRECTIONAL);
		if (m->mapped)
			mcte_seg_dma_unmap(e->seg, m->dev, &m->sgt);
	}
	mcte_rdev_put(e->rdev);
	mcte_seg_put(e->seg);
	kvfree(e);
}

static void mcte_export_free_list(struct list_head *gone)
{
	struct mcte_export *e, *tmp;

	list_for_each_entry_safe(e, tmp, gone, node) {
		list_del(&e->node);
		mcte_export_free(e);
	}
}

/* Map piece @k of buffer @bi of @seg into @m and register it through @p. */
static int mcte_export_piece(struct mcte_path *p, struct mcte_rdev *rdev,
			     struct mcte_seg *seg, u32 bi, u32 k,
			     struct mcte_export_mr *m, int access)
{
	const struct mcte_sbuf *b = &seg->bufs[bi];
	u32 fr = rdev->fr_pages, first = k * fr;
	u64 pos = (u64)first * PAGE_SIZE;	/* from the first page's start */
	u64 end = min_t(u64, (u64)(first + fr) * PAGE_SIZE, b->pgoff + b->len);
	u64 from = max_t(u64, pos, b->pgoff);
	struct ib_device *ibdev = rdev->ibdev;
	struct ib_reg_wr reg = {};
	struct mcte_reg_wait w;
	int ret, n;

	m->off = b->start + from - b->pgoff;
	m->len = end - from;

	/* A device with virtual DMA (soft-RoCE) maps the CPU's pages. */
	m->dev = ib_uses_virt_dma(ibdev) ? NULL : ibdev->dma_device;
	ret = mcte_seg_dma_map(seg, bi, from - b->pgoff, m->len, m->dev,
			       &m->sgt);
	if (ret)
		return ret;
	m->mapped = true;
	if (m->dev) {
		n = m->sgt.nents;
	} else {
		n = ib_dma_map_sg(ibdev, m->sgt.sgl, m->sgt.orig_nents,
				  DMA_BIDIRECTIONAL);
		if (n <= 0)
			return -ENOMEM;
		m->virt_mapped = true;
		m->sgt.nents = n;
	}
	m->mr = ib_alloc_mr(rdev->pd, IB_MR_TYPE_MEM_REG, n);
	if (IS_ERR(m->mr)) {
		ret = PTR_ERR(m->mr);
		m->mr = NULL;
		return ret;
	}
	if (ib_map_mr_sg(m->mr, m->sgt.sgl, n, NULL, PAGE_SIZE) != n)
		return -EINVAL;
	/*
	 * What peers see of the MR's address: its offset in the first
	 * page, which the device translates with, above a base of the
	 * piece's offset in the segment; never the DMA address of a page.
	 */
	m->mr->iova = round_down(m->off, PAGE_SIZE) +
		      offset_in_page(m->mr->iova);

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
					      struct mcte_seg *seg, u32 want)
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

	if (want == MCTE_ACCESS_RW)
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
	e->access = want;
	e->open_id = atomic64_inc_return(&p->r->open_next);
	INIT_LIST_HEAD(&e->node);

	for (i = 0; i < seg->nr_bufs; i++) {
		const struct mcte_sbuf *b = &seg->bufs[i];

		for (k = 0; k < mcte_buf_pieces(b, rdev->fr_pages); k++) {
			ret = mcte_export_piece(p, rdev, seg, i, k,
						&e->mrs[at++], access);
			if (ret) {
				mcte_export_free(e);
				return ERR_PTR(ret);
			}
		}
	}
	return e;
}

/* A SEG_OPEN_REPLY with @e's keys, or with the error @status alone. */
static void *mcte_export_reply(u64 tag, int status, struct mcte_export *e,
			       u32 *lenp)
{
	struct mcte_wire_seg_open_reply *out;
	u32 i, len = e ? struct_size(out, keys, e->nr) : sizeof(out->hdr);

	out = kzalloc(len, GFP_KERNEL);
	if (!out)
		return NULL;
	mcte_wire_init_hdr(&out->hdr, MCTE_WIRE_SEG_OPEN_REPLY, len, tag);
	out->hdr.status = cpu_to_be32(-status);
	if (e) {
		out->seg_id = cpu_to_be64(e->seg->serial);
		out->open_id = cpu_to_be64(e->open_id);
		out->size = cpu_to_be64(e->seg->size);
		out->access = cpu_to_be32(e->access);
		out->nr_bufs = cpu_to_be32(e->seg->nr_bufs);
		out->nr_keys = cpu_to_be32(e->nr);
		for (i = 0; i < e->nr; i++) {
			out->keys[i].off = cpu_to_be64(e->mrs[i].off);
			out->keys[i].addr = cpu_to_be64(e->mrs[i].mr->iova);
			out->keys[i].len = cpu_to_be32(e->mrs[i].len);
			out->keys[i].rkey = cpu_to_be32(e->mrs[i].mr->rkey);
		}
	}
	*lenp = len;
	return out;
}

/*
 * Whether the peer of @p may open @seg for @want (Documentation/wire.rst,
 * "Handshake" 3). Return: 0 or -EACCES.
 */
static int mcte_export_may(struct mcte_path *p, const struct mcte_seg *seg,
			   u32 want, u32 uid)
{
	bool self, authed, local;

	spin_lock(&p->lock);
	self = p->self;
	authed = p->authed;
	local = p->from_local;
	spin_unlock(&p->lock);

	/* This engine, for one of its processes: a local open. */
	if (self)
		return authed ? mcte_seg_may_open_as(seg,
						     make_kuid(&init_user_ns, uid),
						     want) : -EACCES;
	/* Something else of this node: no more than a local open gives. */
	if (local && !authed)
		return -EACCES;
	if (seg->access == MCTE_ACCESS_NONE || want > seg->access)
		return -EACCES;
	return 0;
}

static void mcte_export_refused(struct mcte_path *p, int err)
{
	mcte_stat_add(p->r->eng, MCTE_STAT_OPEN_REFUSED, 1);
	pr_debug("path %u: open refused: %d\n", p->id, err);
}

/**
 * mcte_export_open() - answer a peer's SEG_OPEN
 * @p: the passive path it came on, its handshake over; the keys are for
 *     its device
 * @msg: the request, its length checked
 * @len: its length
 *
 * Work item context.
 */
void mcte_export_open(struct mcte_path *p, const void *msg, u32 len)
{
	const struct mcte_wire_seg_open *in = msg;
	u64 tag = be64_to_cpu(in->hdr.tag);
	struct mcte_export *e = NULL;
	struct mcte_seg *seg = NULL;
	void *out = NULL;
	u32 want, olen;
	bool listed;
	int ret;

	want = be32_to_cpu(in->access);
	if (!mcte_seg_name_valid(in->name, sizeof(in->name)) ||
	    (want != MCTE_ACCESS_READ && want != MCTE_ACCESS_RW)) {
		mcte_wire_refused(p, "malformed segment open");
		ret = -EINVAL;
		goto out_reply;
	}
	ret = -ENOENT;
	seg = mcte_seg_lookup(p->r->eng, in->name);
	if (!seg)
		goto out_refused;
	ret = mcte_export_may(p, seg, want, be32_to_cpu(in->uid));
	if (ret)
		goto out_refused;
	ret = -EMFILE;
	if (READ_ONCE(p->nr_exports) >= MCTE_PATH_OPENS_MAX)
		goto out_refused;

	e = mcte_export_create(p, seg, want);
	if (IS_ERR(e)) {
		ret = PTR_ERR(e);
		e = NULL;
		goto out_refused;
	}

	/*
	 * Listed under the lock the unregister hook and the teardown take:
	 * either they see the export, or we see the segment dead or the
	 * path closed. The reply is built first: once listed, the export
	 * may go at any moment.
	 */
	out = mcte_export_reply(tag, 0, e, &olen);
	ret = -ENOMEM;
	if (!out)
		goto out_refused;
	spin_lock(&p->lock);
	listed = !p->exports_closed && !mcte_seg_dead(seg) &&
		 p->nr_exports < MCTE_PATH_OPENS_MAX &&
		 !READ_ONCE(e->rdev->dead);
	if (listed) {
		list_add_tail(&e->node, &p->exports);
		p->nr_exports++;
	}
	spin_unlock(&p->lock);
	if (!listed) {
		kfree(out);
		out = NULL;
		ret = -ENOENT;
		goto out_refused;
	}
	e = NULL;
	ret = 0;
	goto out_reply;

out_refused:
	mcte_export_refused(p, ret);
out_reply:
	if (e)
		mcte_export_free(e);
	if (!out)
		out = mcte_export_reply(tag, ret ?: -ENOMEM, NULL, &olen);
	if (out)
		mcte_path_send(p, out, olen);
	kfree(out);
	if (seg)
		mcte_seg_put(seg);
}

/**
 * mcte_export_close() - a peer's SEG_CLOSE: void one of its opens
 * @p: the passive path it came on
 * @msg: the request, its length checked
 * @len: its length
 *
 * The keys are void when the reply goes. Work item context.
 */
void mcte_export_close(struct mcte_path *p, const void *msg, u32 len)
{
	const struct mcte_wire_seg_close *in = msg;
	u64 id = be64_to_cpu(in->open_id);
	struct mcte_export *e, *found = NULL;
	struct mcte_wire_hdr out;

	spin_lock(&p->lock);
	list_for_each_entry(e, &p->exports, node) {
		if (e->open_id == id) {
			list_del_init(&e->node);
			p->nr_exports--;
			found = e;
			break;
		}
	}
	spin_unlock(&p->lock);
	if (found)
		mcte_export_free(found);
	else
		mcte_wire_refused(p, "close of an open this path does not hold");

	mcte_wire_init_hdr(&out, MCTE_WIRE_SEG_CLOSE_REPLY, sizeof(out),
			   be64_to_cpu(in->hdr.tag));
	out.status = cpu_to_be32(found ? 0 : ENOENT);
	mcte_path_send(p, &out, sizeof(out));
}

/**
 * mcte_export_path_down() - a path closes: void the opens made through it
 * @p: the path, its QP drained (no REG_MR of it in flight)
 */
void mcte_export_path_down(struct mcte_path *p)
{
	LIST_HEAD(gone);

	spin_lock(&p->lock);
	p->exports_closed = true;
	list_splice_init(&p->exports, &gone);
	p->nr_exports = 0;
	spin_unlock(&p->lock);
	mcte_export_free_list(&gone);
}

/**
 * mcte_rdma_seg_unregistered() - a segment of this node was unregistered
 * @seg: the segment, dead already
 *
 * Every path holding an open of it says SEG_GONE, acknowledged by the
 * peer's NIC, before the opens' keys are voided: each peer has it before
 * any of its RDMA requests can fail for want of the keys, and can tell
 * that failure (the segment went, -ENODEV) from a refusal (-EACCES).
 */
void mcte_rdma_seg_unregistered(struct mcte_seg *seg)
{
	struct mcte_rdma *r = mcte_rdma_of(seg->eng);
	struct mcte_path *p, **tell;
	struct mcte_export *e, *tmp;
	struct mcte_wire_seg_gone g;
	u32 n = 0, i;
	LIST_HEAD(gone);

	mutex_lock(&r->lock);
	list_for_each_entry(p, &r->paths, node)
		n++;
	/* Without memory for it, keys still go; peers see -EACCES then. */
	tell = kcalloc(max(n, 1U), sizeof(*tell), GFP_KERNEL);
	n = 0;
	list_for_each_entry(p, &r->paths, node) {
		bool hit = false;

		spin_lock(&p->lock);
		list_for_each_entry_safe(e, tmp, &p->exports, node) {
			if (e->seg != seg)
				continue;
			list_move_tail(&e->node, &gone);
			p->nr_exports--;
			hit = true;
		}
		spin_unlock(&p->lock);
		if (hit && tell && READ_ONCE(p->state) == MCTE_PATH_UP) {
			kref_get(&p->ref);
			tell[n++] = p;
		}
	}
	mutex_unlock(&r->lock);

	mcte_wire_init_hdr(&g.hdr, MCTE_WIRE_SEG_GONE, sizeof(g), 0);
	g.seg_id = cpu_to_be64(seg->serial);
	for (i = 0; i < n; i++) {
		mcte_path_send_sync(tell[i], &g, sizeof(g));
		mcte_path_put(tell[i]);
	}
	kfree(tell);
	mcte_export_free_list(&gone);
}
