// SPDX-License-Identifier: GPL-2.0
/*
 * mcte - dma-buf segments: buffers that are ranges of dma-bufs (fd,
 * offset, length), mixed in one segment with host buffers (fd -1), which
 * are pinned as in a host segment (seg_host.h).
 *
 * Each dma-buf range is held by its own dma_buf_get() reference, so the
 * fd may be closed at once, and the exporter (its module) stays while the
 * segment does. It is mapped for the CPU at registration, for the local
 * copy and for devices with virtual DMA (soft-RoCE): a dma-buf the CPU
 * cannot map, or maps as I/O memory, is refused with -EOPNOTSUPP. A
 * device that DMAs gets the DMA addresses of a dynamic attachment, pinned
 * and mapped at the first mcte_seg_dma_map() for it and let go of at the
 * last unmap: addresses only, never pages, which GPU exporters do not have.
 *
 * The pages of every range are charged to the registering process's
 * RLIMIT_MEMLOCK as host pages are: the exporter keeps them resident
 * while they are mapped.
 *
 * Release order, when the last reference goes (no transfer and no export
 * left, so no device attachment left either): CPU mappings undone
 * (dma_buf_vunmap), any attachment left detached, dma-bufs put, host
 * pages unpinned, the charge undone, the mm dropped.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/dma-buf.h>
#include <linux/dma-resv.h>
#include <linux/highmem.h>
#include <linux/iosys-map.h>
#include <linux/list.h>
#include <linux/minmax.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/overflow.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>

#include "compat.h"
#include "mcte.h"
#include "seg_host.h"
#include "seg_kind.h"

MODULE_IMPORT_NS(DMA_BUF);

/**
 * struct mcte_dbuf - what one buffer of a dma-buf segment is made of
 * @dmabuf: its dma-buf, referenced; NULL for a host buffer
 * @map: the CPU mapping of the whole dma-buf
 * @off: offset of the buffer's first byte in the dma-buf
 * @pages: a host buffer's pinned pages, in &mcte_dseg.pages
 */
struct mcte_dbuf {
	struct dma_buf *dmabuf;
	struct iosys_map map;
	u64 off;
	struct page **pages;
};

/**
 * struct mcte_dattach_buf - one dma-buf of a segment attached to a device
 * @att: the dynamic attachment, pinned; NULL until a range of it is mapped
 * @sgt: the attachment's DMA mapping of the whole dma-buf
 */
struct mcte_dattach_buf {
	struct dma_buf_attachment *att;
	struct sg_table *sgt;
};

/**
 * struct mcte_dattach - a segment's dma-bufs attached to one device
 * @node: in &mcte_dseg.devs
 * @dev: the device
 * @users: tables mcte_dseg_dma_map() made for @dev and not yet undone
 * @bufs: per buffer of the segment
 */
struct mcte_dattach {
	struct list_head node;
	struct device *dev;
	unsigned int users;
	struct mcte_dattach_buf bufs[];
};

/**
 * struct mcte_dseg - a dma-buf segment
 * @seg: the segment
 * @mm: the registering process's mm, grabbed, charged with @charged
 * @charged: pages charged: the host buffers' and the dma-buf ranges'
 * @nr_pages: host pages pinned, in @pages
 * @pages: the pinned pages of the host buffers, buffer after buffer
 * @dbufs: per buffer, what it is made of
 * @lock: guards @devs
 * @devs: struct mcte_dattach of the devices that map dma-bufs of it
 */
struct mcte_dseg {
	struct mcte_seg seg;
	struct mm_struct *mm;
	unsigned long charged;
	unsigned long nr_pages;
	struct page **pages;
	struct mcte_dbuf *dbufs;
	struct mutex lock;	/* guards @devs */
	struct list_head devs;
};

static struct mcte_dseg *to_dseg(const struct mcte_seg *seg)
{
	return container_of(seg, struct mcte_dseg, seg);
}

/*
 * Check a dma-buf range and take hold of its dma-buf in @d.
 * Return: the pages it spans, or -EBADF (no such fd), -EINVAL (not a
 * dma-buf, an empty range or one beyond its end).
 */
static long mcte_dbuf_get(struct mcte_dbuf *d, const struct mcte_seg_buf *ub,
			  struct mcte_sbuf *b)
{
	struct dma_buf *dmabuf;
	u64 end;

	if (!ub->len || ub->resv)
		return -EINVAL;
	if (ub->fd < 0)
		return -EBADF;
	dmabuf = dma_buf_get(ub->fd);
	if (IS_ERR(dmabuf))
		return PTR_ERR(dmabuf);
	if (check_add_overflow(ub->addr, ub->len, &end) ||
	    end > dmabuf->size) {
		dma_buf_put(dmabuf);
		return -EINVAL;
	}
	d->dmabuf = dmabuf;
	d->off = ub->addr;
	b->len = ub->len;
	return DIV_ROUND_UP(offset_in_page(ub->addr) + ub->len, PAGE_SIZE);
}

/* Map @d's dma-buf for the CPU: 0, or -EOPNOTSUPP when it cannot be. */
static int mcte_dbuf_vmap(struct mcte_dbuf *d, struct mcte_sbuf *b)
{
	int ret;

	ret = mcte_dma_buf_vmap(d->dmabuf, &d->map);
	if (ret) {
		pr_info_ratelimited("dma-buf of %s: no CPU mapping (%d); only dma-bufs the CPU can map are taken\n",
				    d->dmabuf->exp_name, ret);
		return -EOPNOTSUPP;
	}
	if (d->map.is_iomem) {
		pr_info_ratelimited("dma-buf of %s maps as I/O memory; only dma-bufs of ordinary memory are taken\n",
				    d->dmabuf->exp_name);
		mcte_dma_buf_vunmap(d->dmabuf, &d->map);
		iosys_map_clear(&d->map);
		return -EOPNOTSUPP;
	}
	b->pgoff = offset_in_page(d->map.vaddr + d->off);
	return 0;
}

/* The page of a CPU address of a dma-buf, or NULL when it has none. */
static struct page *mcte_dbuf_vpage(const void *addr)
{
	if (is_vmalloc_addr(addr))
		return vmalloc_to_page(addr);
	if (virt_addr_valid(addr))
		return virt_to_page(addr);
	return NULL;
}

/*
 * Check the buffers user space described, hold their dma-bufs and lay
 * them out; @host_pages: out: how many of the pages are host pages, to pin.
 * Return: the pages to charge, or -errno; the caller puts the dma-bufs.
 */
static long mcte_dseg_layout(struct mcte_dseg *ds,
			     const struct mcte_seg_buf *ubufs,
			     unsigned long *host_pages)
{
	struct mcte_seg *seg = &ds->seg;
	unsigned long pages = 0, hpages = 0;
	u64 size = 0;
	long n;
	u32 i;

	for (i = 0; i < seg->nr_bufs; i++) {
		struct mcte_sbuf *b = &seg->bufs[i];

		if (ubufs[i].fd == -1) {
			n = mcte_hbuf_layout(&ubufs[i], b);
			if (n > 0)
				hpages += n;
		} else {
			n = mcte_dbuf_get(&ds->dbufs[i], &ubufs[i], b);
		}
		if (n < 0)
			return n;
		if (pages + n > totalram_pages())
			return -ENOMEM;
		b->start = size;
		size += b->len;
		pages += n;
	}

	seg->size = size;
	*host_pages = hpages;
	return pages;
}

/* Pin the host buffers' pages; on failure nothing stays pinned. */
static int mcte_dseg_pin(struct mcte_dseg *ds,
			 const struct mcte_seg_buf *ubufs)
{
	unsigned long done = 0;
	u32 i;
	int ret;

	for (i = 0; i < ds->seg.nr_bufs; i++) {
		struct mcte_dbuf *d = &ds->dbufs[i];
		unsigned long n;

		if (d->dmabuf)
			continue;
		n = DIV_ROUND_UP(ds->seg.bufs[i].pgoff + ds->seg.bufs[i].len,
				 PAGE_SIZE);
		d->pages = ds->pages + done;
		ret = mcte_hbuf_pin(&ubufs[i], n, d->pages);
		if (ret) {
			unpin_user_pages(ds->pages, done);
			return ret;
		}
		done += n;
	}
	return 0;
}

static void mcte_dseg_vunmap(struct mcte_dseg *ds)
{
	u32 i;

	for (i = 0; i < ds->seg.nr_bufs; i++) {
		struct mcte_dbuf *d = &ds->dbufs[i];

		if (d->dmabuf && !iosys_map_is_null(&d->map)) {
			mcte_dma_buf_vunmap(d->dmabuf, &d->map);
			iosys_map_clear(&d->map);
		}
	}
}

static void mcte_dseg_put_bufs(struct mcte_dseg *ds)
{
	u32 i;

	for (i = 0; i < ds->seg.nr_bufs; i++) {
		if (ds->dbufs[i].dmabuf)
			dma_buf_put(ds->dbufs[i].dmabuf);
	}
}

static struct mcte_seg *mcte_dseg_create(struct mcte_engine *eng,
					 const struct mcte_seg_reg *r,
					 const struct mcte_seg_buf *ubufs)
{
	struct mm_struct *mm = current->mm;
	unsigned long hpages = 0;
	struct mcte_dseg *ds;
	long pages;
	int ret;
	u32 i;

	ds = mcte_seg_new(struct mcte_dseg, r->nr_bufs, &mcte_seg_dmabuf_ops);
	if (!ds)
		return ERR_PTR(-ENOMEM);
	mutex_init(&ds->lock);
	INIT_LIST_HEAD(&ds->devs);
	ds->dbufs = kvcalloc(r->nr_bufs, sizeof(*ds->dbufs),
			     GFP_KERNEL_ACCOUNT);
	if (!ds->dbufs) {
		ret = -ENOMEM;
		goto out_free_seg;
	}

	pages = mcte_dseg_layout(ds, ubufs, &hpages);
	if (pages < 0) {
		ret = pages;
		goto out_put_bufs;
	}

	ret = mcte_seg_charge(mm, pages);
	if (ret)
		goto out_put_bufs;
	ds->charged = pages;

	if (hpages) {
		ds->pages = kvmalloc_array(hpages, sizeof(*ds->pages),
					   GFP_KERNEL_ACCOUNT | __GFP_NOWARN);
		if (!ds->pages) {
			ret = -ENOMEM;
			goto out_uncharge;
		}
	}
	ds->nr_pages = hpages;
	ret = mcte_dseg_pin(ds, ubufs);
	if (ret)
		goto out_free_pages;

	for (i = 0; i < r->nr_bufs; i++) {
		if (!ds->dbufs[i].dmabuf)
			continue;
		ret = mcte_dbuf_vmap(&ds->dbufs[i], &ds->seg.bufs[i]);
		if (ret)
			goto out_vunmap;
	}

	mmgrab(mm);
	ds->mm = mm;
	return &ds->seg;

out_vunmap:
	mcte_dseg_vunmap(ds);
	mcte_hbuf_unpin(ds->pages, ds->nr_pages);
out_free_pages:
	kvfree(ds->pages);
out_uncharge:
	mcte_seg_uncharge(mm, pages);
out_put_bufs:
	mcte_dseg_put_bufs(ds);
	kvfree(ds->dbufs);
out_free_seg:
	mutex_destroy(&ds->lock);
	mcte_seg_free(&ds->seg);
	return ERR_PTR(ret);
}

static void mcte_dattach_free(struct mcte_dseg *ds, struct mcte_dattach *da);

static void mcte_dseg_release(struct mcte_seg *seg)
{
	struct mcte_dseg *ds = to_dseg(seg);
	struct mcte_dattach *da, *tmp;

	mcte_dseg_vunmap(ds);
	/* Every table for a device was undone before its reference went. */
	list_for_each_entry_safe(da, tmp, &ds->devs, node) {
		WARN_ON_ONCE(1);
		list_del(&da->node);
		mcte_dattach_free(ds, da);
	}
	mcte_dseg_put_bufs(ds);
	mcte_hbuf_unpin(ds->pages, ds->nr_pages);
	mcte_seg_uncharge(ds->mm, ds->charged);
	mmdrop(ds->mm);
	kvfree(ds->pages);
	kvfree(ds->dbufs);
	mutex_destroy(&ds->lock);
	mcte_seg_free(seg);
}

static struct page *mcte_dseg_page(const struct mcte_seg *seg, u32 buf,
				   u64 off, size_t *pgoff, size_t *len)
{
	const struct mcte_dbuf *d = &to_dseg(seg)->dbufs[buf];
	const struct mcte_sbuf *b = &seg->bufs[buf];
	void *addr;

	if (!d->dmabuf)
		return mcte_hbuf_page(d->pages, b, off, pgoff, len);
	addr = d->map.vaddr + d->off + off;
	*pgoff = offset_in_page(addr);
	*len = min_t(u64, PAGE_SIZE - *pgoff, b->len - off);
	return mcte_dbuf_vpage(addr);
}

static void *mcte_dseg_cpu_map(const struct mcte_seg *seg, u32 buf, u64 off,
			       size_t *len)
{
	const struct mcte_dbuf *d = &to_dseg(seg)->dbufs[buf];
	const struct mcte_sbuf *b = &seg->bufs[buf];
	struct page *page;
	size_t pgoff;

	if (d->dmabuf) {
		/* Mapped whole at registration: up to the buffer's end. */
		*len = min_t(u64, b->len - off, SIZE_MAX);
		return d->map.vaddr + d->off + off;
	}
	page = mcte_hbuf_page(d->pages, b, off, &pgoff, len);
	return kmap_local_page(page) + pgoff;
}

static void mcte_dseg_cpu_unmap(const struct mcte_seg *seg, void *addr)
{
	/*
	 * A dma-buf's mapping stays. kmap_local_page() never gives a
	 * vmalloc address; of a lowmem address it did not map (a dma-buf
	 * in the linear map), kunmap_local() does nothing.
	 */
	if (!is_vmalloc_addr(addr))
		kunmap_local(addr);
}

/* The CPU's pages of a dma-buf range, for a device with virtual DMA. */
static int mcte_dbuf_cpu_table(const struct mcte_dbuf *d, u64 off, u64 len,
			       struct sg_table *sgt)
{
	void *addr = d->map.vaddr + d->off + off;
	unsigned long base = (unsigned long)addr & PAGE_MASK;
	unsigned int i, npages;
	struct page **pages;
	int ret = 0;

	npages = DIV_ROUND_UP(offset_in_page(addr) + len, PAGE_SIZE);
	pages = kvmalloc_array(npages, sizeof(*pages), GFP_KERNEL);
	if (!pages)
		return -ENOMEM;
	for (i = 0; i < npages; i++) {
		pages[i] = mcte_dbuf_vpage((void *)(base + i * PAGE_SIZE));
		if (!pages[i]) {
			ret = -EOPNOTSUPP;
			goto out_free_pages;
		}
	}
	/* One entry per page: a device's MR maps page after page. */
	ret = sg_alloc_table_from_pages_segment(sgt, pages, npages,
						offset_in_page(addr), len,
						PAGE_SIZE, GFP_KERNEL);
out_free_pages:
	kvfree(pages);
	return ret;
}

/*
 * The DMA addresses of bytes [@from, @from + @len) of a dma-buf that
 * @src maps, in @sgt, one entry per page of DMA space and no pages: the
 * exporter's memory need not have any. Return: 0 or -errno.
 */
static int mcte_dbuf_dev_table(struct sg_table *src, u64 from, u64 len,
			       struct sg_table *sgt)
{
	struct scatterlist *sg, *out = NULL;
	unsigned int i, n = 0;
	int pass, ret;

	for (pass = 0; pass < 2; pass++) {
		u64 at = from, left = len, pos = 0;

		if (pass) {
			ret = sg_alloc_table(sgt, n, GFP_KERNEL);
			if (ret)
				return ret;
			out = sgt->sgl;
		}
		for_each_sgtable_dma_sg(src, sg, i) {
			dma_addr_t addr = sg_dma_address(sg);
			u64 slen = sg_dma_len(sg);

			while (left && at < pos + slen) {
				dma_addr_t a = addr + (at - pos);
				u64 chunk = min3(left, pos + slen - at,
						 (u64)(PAGE_SIZE -
						       offset_in_page(a)));

				if (pass) {
					sg_dma_address(out) = a;
					sg_dma_len(out) = chunk;
					out->length = chunk;
					out = sg_next(out);
				} else {
					n++;
				}
				at += chunk;
				left -= chunk;
			}
			pos += slen;
			if (!left)
				break;
		}
		/* The exporter maps less than its size. */
		if (left) {
			if (pass)
				sg_free_table(sgt);
			return -EINVAL;
		}
	}
	sgt->nents = n;
	return 0;
}

static void mcte_dbuf_move_notify(struct dma_buf_attachment *att)
{
	/* Pinned: the exporter may not move it. */
	pr_warn_ratelimited("dma-buf of %s moved while pinned\n",
			    att->dmabuf->exp_name);
}

static const struct dma_buf_attach_ops mcte_dbuf_attach_ops = {
	.allow_peer2peer	= true,
	.move_notify		= mcte_dbuf_move_notify,
};

/* Attach @d's dma-buf to @dev, pinned and mapped, into @ab. */
static int mcte_dbuf_attach(const struct mcte_dbuf *d, struct device *dev,
			    struct mcte_dattach_buf *ab)
{
	struct dma_buf_attachment *att;
	struct dma_resv *resv = d->dmabuf->resv;
	struct sg_table *sgt;
	long wait;
	int ret;

	att = dma_buf_dynamic_attach(d->dmabuf, dev, &mcte_dbuf_attach_ops,
				     NULL);
	if (IS_ERR(att))
		return PTR_ERR(att);

	dma_resv_lock(resv, NULL);
	ret = dma_buf_pin(att);
	if (ret)
		goto out_unlock;
	sgt = dma_buf_map_attachment(att, DMA_BIDIRECTIONAL);
	if (IS_ERR(sgt)) {
		ret = PTR_ERR(sgt);
		goto out_unpin;
	}
	/* The exporter may still be moving it in: wait, as ib_umem does. */
	wait = dma_resv_wait_timeout(resv, DMA_RESV_USAGE_KERNEL, false,
				     MAX_SCHEDULE_TIMEOUT);
	if (wait <= 0) {
		ret = wait ?: -ETIMEDOUT;
		goto out_unmap;
	}
	dma_resv_unlock(resv);
	ab->att = att;
	ab->sgt = sgt;
	return 0;

out_unmap:
	dma_buf_unmap_attachment(att, sgt, DMA_BIDIRECTIONAL);
out_unpin:
	dma_buf_unpin(att);
out_unlock:
	dma_resv_unlock(resv);
	dma_buf_detach(d->dmabuf, att);
	return ret;
}

static void mcte_dbuf_detach(const struct mcte_dbuf *d,
			     struct mcte_dattach_buf *ab)
{
	struct dma_resv *resv = d->dmabuf->resv;

	dma_resv_lock(resv, NULL);
	dma_buf_unmap_attachment(ab->att, ab->sgt, DMA_BIDIRECTIONAL);
	dma_buf_unpin(ab->att);
	dma_resv_unlock(resv);
	dma_buf_detach(d->dmabuf, ab->att);
	ab->att = NULL;
	ab->sgt = NULL;
}

/* Detach what @da holds and free it; it is off the list. */
static void mcte_dattach_free(struct mcte_dseg *ds, struct mcte_dattach *da)
{
	u32 i;

	for (i = 0; i < ds->seg.nr_bufs; i++) {
		if (da->bufs[i].att)
			mcte_dbuf_detach(&ds->dbufs[i], &da->bufs[i]);
	}
	kfree(da);
}

/* A table of DMA addresses of a dma-buf range for a device that DMAs. */
static int mcte_dbuf_dev_map(struct mcte_dseg *ds, u32 buf, u64 off, u64 len,
			     struct device *dev, struct sg_table *sgt)
{
	struct mcte_dbuf *d = &ds->dbufs[buf];
	struct mcte_dattach *da;
	bool found = false;
	int ret;

	mutex_lock(&ds->lock);
	list_for_each_entry(da, &ds->devs, node) {
		if (da->dev == dev) {
			found = true;
			break;
		}
	}
	if (!found) {
		da = kzalloc(struct_size(da, bufs, ds->seg.nr_bufs),
			     GFP_KERNEL);
		if (!da) {
			ret = -ENOMEM;
			goto out_unlock;
		}
		da->dev = dev;
		list_add(&da->node, &ds->devs);
	}
	if (!da->bufs[buf].att) {
		ret = mcte_dbuf_attach(d, dev, &da->bufs[buf]);
		if (ret)
			goto out_drop;
	}
	ret = mcte_dbuf_dev_table(da->bufs[buf].sgt, d->off + off, len, sgt);
	if (ret)
		goto out_drop;
	da->users++;
	mutex_unlock(&ds->lock);
	return 0;

out_drop:
	/* An entry nothing uses holds nothing. */
	if (!da->users) {
		list_del(&da->node);
		mcte_dattach_free(ds, da);
	}
out_unlock:
	mutex_unlock(&ds->lock);
	return ret;
}

/* Undo mcte_dbuf_dev_map() for @dev. */
static void mcte_dbuf_dev_unmap(struct mcte_dseg *ds, struct device *dev,
				struct sg_table *sgt)
{
	struct mcte_dattach *da;

	sg_free_table(sgt);
	mutex_lock(&ds->lock);
	list_for_each_entry(da, &ds->devs, node) {
		if (da->dev != dev)
			continue;
		if (!--da->users) {
			list_del(&da->node);
			mcte_dattach_free(ds, da);
		}
		break;
	}
	mutex_unlock(&ds->lock);
}

static int mcte_dseg_dma_map(struct mcte_seg *seg, u32 buf, u64 off,
			     u64 len, struct device *dev, struct sg_table *sgt)
{
	struct mcte_dseg *ds = to_dseg(seg);
	const struct mcte_dbuf *d = &ds->dbufs[buf];
	const struct mcte_sbuf *b = &seg->bufs[buf];

	if (off > b->len || len > b->len - off || !len)
		return -EINVAL;
	if (!d->dmabuf)
		return mcte_hbuf_dma_map(d->pages, b, off, len, dev, sgt);
	if (!dev)
		return mcte_dbuf_cpu_table(d, off, len, sgt);
	return mcte_dbuf_dev_map(ds, buf, off, len, dev, sgt);
}

static void mcte_dseg_dma_unmap(struct mcte_seg *seg, struct device *dev,
				struct sg_table *sgt)
{
	/* Only a dma-buf's table for a device that DMAs has no pages. */
	if (dev && !sg_page(sgt->sgl))
		mcte_dbuf_dev_unmap(to_dseg(seg), dev, sgt);
	else
		mcte_hbuf_dma_unmap(dev, sgt);
}

/* dma-bufs, with host buffers among them: registrable, copied as host. */
const struct mcte_seg_ops mcte_seg_dmabuf_ops = {
	.name		= "dmabuf",
	.kind		= MCTE_SEG_DMABUF,
	.features	= MCTE_FEAT_SEG_DMABUF,
	.create		= mcte_dseg_create,
	.release	= mcte_dseg_release,
	.page		= mcte_dseg_page,
	.cpu_map	= mcte_dseg_cpu_map,
	.cpu_unmap	= mcte_dseg_cpu_unmap,
	.dma_map	= mcte_dseg_dma_map,
	.dma_unmap	= mcte_dseg_dma_unmap,
};
