// SPDX-License-Identifier: GPL-2.0
/*
 * mcte - opens of this node's segments by peers (owner side).
 *
 * Each SEG_OPEN a peer sends that the rules allow (Documentation/wire.rst,
 * "Handshake" 3) becomes an export: each buffer of the segment mapped
 * whole for the path's device and covered by fast-registration MRs of
 * rdev->fr_pages pages each, pages as large as the memory's physical
 * runs allow and the device takes (a buffer of 2 MiB pages: 1 GiB an
 * MR), at most MCTE_OPEN_KEYS_MAX of them, with the rights the open asked for
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
 * The reply carries the first page of keys (MCTE_WIRE_KEYS_PAGE) and
 * their count; the opener asks for the others with SEG_KEYS, which only
 * reads the export: what a peer can make this side hold is bounded by
 * the opens of a path and the keys of an open.
 *
 * Lock order: an export is listed under its path's lock; it is made and
 * freed (MR registration and deregistration sleep) with no lock held.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cred.h>
#include <linux/scatterlist.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uidgid.h>

#include "rdma_priv.h"

/**
 * struct mcte_export_map - one buffer of an export, as its device sees it
 * @sgt: the buffer, from the segment's kind (mcte_seg_dma_map())
 * @dev: the device @sgt was mapped for; NULL for a device with virtual
 *	 DMA, whose table ib_dma_map_sg() mapped here
 * @mapped: @sgt was filled by the segment's kind
 * @virt_mapped: ib_dma_map_sg() mapped @sgt (a device with virtual DMA)
 */
struct mcte_export_map {
	struct sg_table sgt;
	struct device *dev;
	bool mapped;
	bool virt_mapped;
};

/**
 * struct mcte_export_mr - one MR of an export: one key
 * @mr: the MR, registered
 * @off: offset of its first byte in the segment
 * @len: bytes it covers
 */
struct mcte_export_mr {
	struct ib_mr *mr;
	u64 off;
	u32 len;
};

/**
 * struct mcte_export - an open of a segment by a peer, through one path
 * @node: in &mcte_path.exports
 * @seg: the segment, referenced
 * @rdev: the device, referenced
 * @open_id: its id, unique in the engine, named by SEG_CLOSE and SEG_KEYS
 * @access: the rights of its keys, enum mcte_access
 * @nr: entries in @mrs, at most MCTE_OPEN_KEYS_MAX
 * @cap: room in @mrs
 * @mrs: MRs in segment order
 * @maps: per buffer of @seg, its device mapping
 */
struct mcte_export {
	struct list_head node;
	struct mcte_seg *seg;
	struct mcte_rdev *rdev;
	u64 open_id;
	u32 access;
	u32 nr;
	u32 cap;
	struct mcte_export_mr *mrs;
	struct mcte_export_map maps[];
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

/* An MR's bytes stay below this, so that a key's length is a u32. */
#define MCTE_EXPORT_MR_BYTES	SZ_2G
/* The largest MR page: a 1 GiB huge page. */
#define MCTE_EXPORT_PGSZ_MAX	SZ_1G

static void mcte_reg_done(struct ib_cq *cq, struct ib_wc *wc)
{
	struct mcte_reg_wait *w = container_of(wc->wr_cqe,
					       struct mcte_reg_wait, cqe);

	w->status = wc->status;
	mcte_path_unroom(w->p, 1);
	complete(&w->done);
}

static void mcte_export_free(struct mcte_export *e)
{
	struct ib_device *dev = e->rdev->ibdev;
	u32 i;

	/* MRs first: the mappings stay until no key reaches them. */
	for (i = 0; i < e->nr; i++)
		ib_dereg_mr(e->mrs[i].mr);
	for (i = 0; i < e->seg->nr_bufs; i++) {
		struct mcte_export_map *m = &e->maps[i];

		if (m->virt_mapped)
			ib_dma_unmap_sg(dev, m->sgt.sgl, m->sgt.orig_nents,
					DMA_BIDIRECTIONAL);
		if (m->mapped)
			mcte_seg_dma_unmap(e->seg, m->dev, &m->sgt);
	}
	kvfree(e->mrs);
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

/* Map buffer @bi of @e's segment whole for @e's device into @m. */
static int mcte_export_map_buf(struct mcte_export *e, u32 bi,
			       struct mcte_export_map *m)
{
	struct ib_device *ibdev = e->rdev->ibdev;
	int ret, n;

	/* A device with virtual DMA (soft-RoCE) maps the CPU's pages. */
	m->dev = ib_uses_virt_dma(ibdev) ? NULL : ibdev->dma_device;
	ret = mcte_seg_dma_map(e->seg, bi, 0, e->seg->bufs[bi].len, m->dev,
			       &m->sgt);
	if (ret)
		return ret;
	m->mapped = true;
	if (m->dev)
		return 0;
	n = ib_dma_map_sg(ibdev, m->sgt.sgl, m->sgt.orig_nents,
			  DMA_BIDIRECTIONAL);
	if (n <= 0)
		return -ENOMEM;
	m->virt_mapped = true;
	m->sgt.nents = n;
	return 0;
}

/*
 * The MR page size for a mapped buffer: the largest the device takes
 * that every break between two DMA runs falls on, and the buffer's first
 * and last page, and no larger than the longest run (2 MiB for hugetlb
 * pages, 4 KiB for scattered pages): so that no MR page reaches much
 * past the buffer (soft-RoCE allocates for every 4 KiB an MR could map).
 * Runs that only continue one another are no break: ib_sg_to_pages()
 * joins them.
 */
static u64 mcte_export_pgsz(const struct sg_table *sgt, u64 cap)
{
	u64 mask = 0, run = 0, longest = 0, end = 0, pgsz;
	struct scatterlist *sg;
	int i;

	for_each_sgtable_dma_sg(sgt, sg, i) {
		u64 addr = sg_dma_address(sg);

		if (!i) {
			mask |= round_down(addr, PAGE_SIZE);
		} else if (addr != end) {
			mask |= addr | end;
			run = 0;
		}
		run += sg_dma_len(sg);
		longest = max(longest, run);
		end = addr + sg_dma_len(sg);
	}
	mask |= round_up(end, PAGE_SIZE);
	cap &= GENMASK_ULL(ilog2(MCTE_EXPORT_PGSZ_MAX), PAGE_SHIFT);
	if (!cap)
		return PAGE_SIZE;
	pgsz = rounddown_pow_of_two(max_t(u64, longest, PAGE_SIZE));
	/* mask is not 0: a device address of 0 starts no buffer. */
	if (mask)
		pgsz = min(pgsz, mask & -mask);
	/* The largest the device takes at most @pgsz, or a page. */
	cap &= GENMASK_ULL(ilog2(max_t(u64, pgsz, PAGE_SIZE)), 0);
	return cap ? BIT_ULL(__fls(cap)) : PAGE_SIZE;
}

/* Room for one more MR in @e. */
static int mcte_export_grow(struct mcte_export *e)
{
	struct mcte_export_mr *mrs;
	u32 cap;

	if (e->nr < e->cap)
		return 0;
	if (e->nr >= MCTE_OPEN_KEYS_MAX)
		return -E2BIG;
	cap = min_t(u32, max_t(u32, 2 * e->cap, 64), MCTE_OPEN_KEYS_MAX);
	mrs = kvmalloc_array(cap, sizeof(*mrs), GFP_KERNEL);
	if (!mrs)
		return -ENOMEM;
	if (e->nr)
		memcpy(mrs, e->mrs, e->nr * sizeof(*mrs));
	kvfree(e->mrs);
	e->mrs = mrs;
	e->cap = cap;
	return 0;
}

/* Register @mr with @access through @p, waiting for it. */
static int mcte_export_reg(struct mcte_path *p, struct ib_mr *mr, int access)
{
	struct ib_reg_wr reg = {};
	struct mcte_reg_wait w;
	int ret;

	ret = mcte_path_wait_room(p, 1);
	if (ret)
		return ret;
	init_completion(&w.done);
	w.cqe.done = mcte_reg_done;
	w.p = p;
	reg.wr.opcode = IB_WR_REG_MR;
	reg.wr.wr_cqe = &w.cqe;
	reg.wr.send_flags = IB_SEND_SIGNALED;
	reg.mr = mr;
	reg.key = mr->rkey;
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

/*
 * Cover buffer @bi of @e's segment with MRs registered through @p: as
 * many bytes each as rdev->fr_pages pages of the buffer's MR page size
 * hold, so that a buffer of 2 MiB pages needs 512 times fewer keys and
 * MR pages than one of 4 KiB pages.
 */
static int mcte_export_buf(struct mcte_path *p, struct mcte_export *e,
			   u32 bi, int access)
{
	const struct mcte_sbuf *b = &e->seg->bufs[bi];
	struct mcte_export_map *map = &e->maps[bi];
	struct mcte_rdev *rdev = e->rdev;
	struct scatterlist *sg;
	unsigned int sgoff = 0;
	u64 pgsz, rest, done = 0;
	u32 npages, left;
	int ret, n;

	ret = mcte_export_map_buf(e, bi, map);
	if (ret)
		return ret;
	pgsz = mcte_export_pgsz(&map->sgt, rdev->ibdev->attrs.page_size_cap);
	sg = map->sgt.sgl;
	left = map->sgt.nents;
	while (left && done < b->len) {
		struct mcte_export_mr *m;
		struct ib_mr *mr;

		ret = mcte_export_grow(e);
		if (ret)
			return ret;
		/*
		 * No more MR pages than the rest needs: breaks between runs
		 * fall on @pgsz, so from the first byte's offset in its page
		 * on, the rest spans whole pages. Soft-RoCE allocates for
		 * every 4 KiB of what an MR could map.
		 */
		rest = (sg_dma_address(sg) + sgoff) % pgsz + (b->len - done);
		npages = min_t(u64, min_t(u64, rdev->fr_pages,
					  MCTE_EXPORT_MR_BYTES / pgsz),
			       div64_u64(rest + pgsz - 1, pgsz));
		mr = ib_alloc_mr(rdev->pd, IB_MR_TYPE_MEM_REG, npages);
		if (IS_ERR(mr))
			return PTR_ERR(mr);
		m = &e->mrs[e->nr++];
		m->mr = mr;
		/* As many pages as the MR holds; the rest goes to the next. */
		n = ib_map_mr_sg(mr, sg, left, &sgoff, pgsz);
		if (n < 0 || !mr->length || mr->length > b->len - done)
			return -EINVAL;
		m->off = b->start + done;
		m->len = mr->length;
		done += mr->length;
		left -= n;
		while (n--)
			sg = sg_next(sg);
		/*
		 * What peers see of the MR's address: its offset in its first
		 * page, which the device translates with, above a base of the
		 * piece's offset in the segment; never the DMA address of a
		 * page.
		 */
		mr->iova = round_down(m->off, pgsz) + (mr->iova & (pgsz - 1));
		ret = mcte_export_reg(p, mr, access);
		if (ret)
			return ret;
	}
	return done == b->len ? 0 : -EINVAL;
}

static struct mcte_export *mcte_export_create(struct mcte_path *p,
					      struct mcte_seg *seg, u32 want)
{
	int access = IB_ACCESS_REMOTE_READ;
	struct mcte_rdev *rdev;
	struct mcte_export *e;
	int ret;
	u32 i;

	spin_lock(&p->lock);
	rdev = p->rdev;
	if (rdev)
		kref_get(&rdev->ref);
	spin_unlock(&p->lock);
	if (!rdev)
		return ERR_PTR(-ENOTCONN);

	if (want == MCTE_ACCESS_RW)
		access |= IB_ACCESS_LOCAL_WRITE | IB_ACCESS_REMOTE_WRITE;
	e = kvzalloc(struct_size(e, maps, seg->nr_bufs), GFP_KERNEL);
	if (!e) {
		mcte_rdev_put(rdev);
		return ERR_PTR(-ENOMEM);
	}
	e->rdev = rdev;
	kref_get(&seg->ref);
	e->seg = seg;
	e->access = want;
	e->open_id = atomic64_inc_return(&p->r->open_next);
	INIT_LIST_HEAD(&e->node);

	for (i = 0; i < seg->nr_bufs; i++) {
		ret = mcte_export_buf(p, e, i, access);
		if (ret) {
			mcte_export_free(e);
			return ERR_PTR(ret);
		}
		cond_resched();
	}
	return e;
}

/* Keys @first on of @e, at most a page, into @keys. Return: how many. */
static u32 mcte_export_fill(const struct mcte_export *e, u32 first,
			    struct mcte_wire_key *keys)
{
	u32 i, n = min_t(u32, e->nr - first, MCTE_WIRE_KEYS_PAGE);

	for (i = 0; i < n; i++) {
		const struct mcte_export_mr *m = &e->mrs[first + i];

		keys[i].off = cpu_to_be64(m->off);
		keys[i].addr = cpu_to_be64(m->mr->iova);
		keys[i].len = cpu_to_be32(m->len);
		keys[i].rkey = cpu_to_be32(m->mr->rkey);
	}
	return n;
}

/* A SEG_OPEN_REPLY with @e's first keys, or with the error @status alone. */
static void *mcte_export_reply(u64 tag, int status, struct mcte_export *e,
			       u32 *lenp)
{
	struct mcte_wire_seg_open_reply *out;
	u32 n = e ? min_t(u32, e->nr, MCTE_WIRE_KEYS_PAGE) : 0;
	u32 len = e ? struct_size(out, keys, n) : sizeof(out->hdr);

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
		out->total_keys = cpu_to_be32(e->nr);
		out->nr_keys = cpu_to_be32(mcte_export_fill(e, 0, out->keys));
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
 * mcte_export_keys() - a peer's SEG_KEYS: a page of one of its opens' keys
 * @p: the passive path it came on
 * @msg: the request, its length checked
 * @len: its length
 *
 * Only opens made through @p are named; the keys are copied under the
 * path's lock, which an export is unlisted under before it is freed.
 * Asking again is answered again: it costs a reply, as a ping does.
 * Work item context.
 */
void mcte_export_keys(struct mcte_path *p, const void *msg, u32 len)
{
	const struct mcte_wire_seg_keys *in = msg;
	u64 id = be64_to_cpu(in->open_id);
	u32 first = be32_to_cpu(in->first);
	struct mcte_wire_seg_keys_reply *out;
	const char *why = NULL;
	struct mcte_export *e;
	u32 n = 0, olen;
	int status = 0;

	out = kzalloc(MCTE_WIRE_MSG_MAX, GFP_KERNEL);
	if (!out) {
		status = ENOMEM;
	} else if (in->resv) {
		why = "reserved field set";
		status = EINVAL;
	} else {
		status = ENOENT;
		why = "keys of an open this path does not hold";
		spin_lock(&p->lock);
		list_for_each_entry(e, &p->exports, node) {
			if (e->open_id != id)
				continue;
			if (first < e->nr) {
				n = mcte_export_fill(e, first, out->keys);
				status = 0;
				why = NULL;
			} else {
				status = ERANGE;
				why = "keys beyond an open's";
			}
			break;
		}
		spin_unlock(&p->lock);
	}
	if (why)
		mcte_wire_refused(p, why);

	if (!out) {
		struct mcte_wire_hdr h;

		mcte_wire_init_hdr(&h, MCTE_WIRE_SEG_KEYS_REPLY, sizeof(h),
				   be64_to_cpu(in->hdr.tag));
		h.status = cpu_to_be32(status);
		mcte_path_send(p, &h, sizeof(h));
		return;
	}
	olen = status ? sizeof(out->hdr) : struct_size(out, keys, n);
	mcte_wire_init_hdr(&out->hdr, MCTE_WIRE_SEG_KEYS_REPLY, olen,
			   be64_to_cpu(in->hdr.tag));
	out->hdr.status = cpu_to_be32(status);
	if (!status) {
		out->open_id = in->open_id;
		out->first = in->first;
		out->nr_keys = cpu_to_be32(n);
	}
	mcte_path_send(p, out, olen);
	kfree(out);
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
