// SPDX-License-Identifier: GPL-2.0
/*
 * mcte - host-memory segments, and the host buffers every kind that
 * takes them shares (seg_host.h): user pages pinned with FOLL_LONGTERM at
 * registration, charged to the registering process's RLIMIT_MEMLOCK as
 * ib_umem_get() charges them, unpinned (dirtied: transfers may have
 * written them) when the last reference goes.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/dma-mapping.h>
#include <linux/highmem.h>
#include <linux/mm.h>
#include <linux/overflow.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>
#include <linux/sizes.h>
#include <linux/slab.h>

#include "compat.h"
#include "mcte.h"
#include "seg_host.h"
#include "seg_kind.h"

/* Pages pinned per call of pin_user_pages_fast(), between reschedules. */
#define MCTE_PIN_CHUNK		1024

/* Bytes of one run of an sg_table: larger runs are cut there. */
#define MCTE_HBUF_SG_MAX	SZ_1G

/**
 * struct mcte_hbuf - the pinned pages of one buffer
 * @pages: its pages, from its first; NULL until pinned
 * @nr: how many
 */
struct mcte_hbuf {
	struct page **pages;
	unsigned long nr;
};

/**
 * struct mcte_hseg - a host-memory segment
 * @seg: the segment
 * @mm: the registering process's mm, grabbed, charged with @nr_pages
 * @nr_pages: pages pinned, in all buffers (a page mapped at two places
 *	      of the segment counts twice)
 * @hb: per buffer, its pages: an array each, so that no array is larger
 *	than its buffer needs (kvmalloc() takes no more than INT_MAX bytes)
 */
struct mcte_hseg {
	struct mcte_seg seg;
	struct mm_struct *mm;
	unsigned long nr_pages;
	struct mcte_hbuf *hb;
};

static struct mcte_hseg *to_hseg(const struct mcte_seg *seg)
{
	return container_of(seg, struct mcte_hseg, seg);
}

/**
 * mcte_hbuf_layout() - check a host buffer user space described
 * @ub: the buffer: a user address and length, fd -1
 * @b: out: its length and offset in its first page (not its start)
 *
 * Return: the number of pages it spans, or -EINVAL, or -ENOMEM when
 * there is not that much memory to pin.
 */
long mcte_hbuf_layout(const struct mcte_seg_buf *ub, struct mcte_sbuf *b)
{
	u64 end, n;

	if (!ub->len || ub->fd != -1 || ub->resv)
		return -EINVAL;
	if (check_add_overflow(ub->addr, ub->len, &end) ||
	    end > ULONG_MAX - PAGE_SIZE)
		return -EINVAL;

	/* More than there is memory to pin cannot succeed. */
	n = (PAGE_ALIGN(end) - (ub->addr & PAGE_MASK)) >> PAGE_SHIFT;
	if (n > totalram_pages())
		return -ENOMEM;

	b->len = ub->len;
	b->pgoff = offset_in_page(ub->addr);
	return n;
}

/**
 * mcte_hbuf_pin() - pin the pages of a host buffer
 * @ub: the buffer, checked by mcte_hbuf_layout()
 * @nr_pages: what mcte_hbuf_layout() returned for it
 * @pages: out: its pages, @nr_pages of them
 *
 * Pinned FOLL_LONGTERM and writable, in the caller's mm, by chunks with
 * reschedules between them.
 *
 * Return: 0, or -EFAULT for memory that cannot be pinned so, -ENOMEM or
 * -EINTR; on failure nothing stays pinned.
 */
int mcte_hbuf_pin(const struct mcte_seg_buf *ub, unsigned long nr_pages,
		  struct page **pages)
{
	unsigned long addr = ub->addr & PAGE_MASK, done = 0;
	int ret = 0;

	while (done < nr_pages) {
		int n = min_t(unsigned long, nr_pages - done, MCTE_PIN_CHUNK);

		ret = pin_user_pages_fast(addr, n, FOLL_WRITE | FOLL_LONGTERM,
					  pages + done);
		if (ret <= 0) {
			ret = ret ?: -EFAULT;
			break;
		}
		done += ret;
		addr += (unsigned long)ret << PAGE_SHIFT;
		ret = 0;
		if (fatal_signal_pending(current)) {
			ret = -EINTR;
			break;
		}
		cond_resched();
	}

	if (!ret)
		return 0;

	unpin_user_pages(pages, done);
	/* Read-only, unmapped, I/O or otherwise unpinnable memory. */
	if (ret != -ENOMEM && ret != -EINTR)
		ret = -EFAULT;
	return ret;
}

/**
 * mcte_hbuf_unpin() - unpin pages mcte_hbuf_pin() pinned
 * @pages: the pages, of one buffer or of several in a row
 * @nr_pages: how many
 *
 * They may have been written by transfers: they are dirtied.
 */
void mcte_hbuf_unpin(struct page **pages, unsigned long nr_pages)
{
	unpin_user_pages_dirty_lock(pages, nr_pages, true);
}

/**
 * mcte_hbuf_page() - the page of a byte of a host buffer
 * @pages: the buffer's pages
 * @b: the buffer
 * @off: offset of the byte in it
 * @pgoff: out: its offset in the page
 * @len: out: bytes from there to the end of the page or of the buffer
 *
 * Return: the page.
 */
struct page *mcte_hbuf_page(struct page *const *pages,
			    const struct mcte_sbuf *b, u64 off,
			    size_t *pgoff, size_t *len)
{
	u64 at = b->pgoff + off;

	*pgoff = offset_in_page(at);
	*len = min_t(u64, PAGE_SIZE - *pgoff, b->len - off);
	return pages[at >> PAGE_SHIFT];
}

/**
 * mcte_hbuf_dma_map() - a device's view of a range of a host buffer
 * @pages: the buffer's pages
 * @b: the buffer
 * @off: offset of the range in it
 * @len: bytes, within it, not zero
 * @dev: the device, or NULL for the CPU's pages (virtual DMA)
 * @sgt: out: one entry per physically contiguous run of pages (at most
 *	 MCTE_HBUF_SG_MAX bytes, or what @dev takes), DMA-mapped for @dev
 *
 * Return: 0 or -errno.
 */
int mcte_hbuf_dma_map(struct page **pages, const struct mcte_sbuf *b,
		      u64 off, u64 len, struct device *dev,
		      struct sg_table *sgt)
{
	u64 at = b->pgoff + off;
	unsigned int npages, max_seg;
	int ret;

	if (off > b->len || len > b->len - off || !len)
		return -EINVAL;
	npages = DIV_ROUND_UP(offset_in_page(at) + len, PAGE_SIZE);
	/*
	 * One entry per physically contiguous run (a huge page, or more):
	 * 32 bytes per 2 MiB rather than per 4 KiB, and the MR that maps
	 * it may use pages as large as the runs.
	 */
	max_seg = dev ? min_t(u64, dma_get_max_seg_size(dev),
			      MCTE_HBUF_SG_MAX) : MCTE_HBUF_SG_MAX;
	max_seg = max_t(unsigned int, max_seg & PAGE_MASK, PAGE_SIZE);
	ret = sg_alloc_table_from_pages_segment(sgt, pages + (at >> PAGE_SHIFT),
						npages, offset_in_page(at),
						len, max_seg, GFP_KERNEL);
	if (ret)
		return ret;
	if (!dev)
		return 0;
	ret = dma_map_sgtable(dev, sgt, DMA_BIDIRECTIONAL, 0);
	if (ret)
		sg_free_table(sgt);
	return ret;
}

/**
 * mcte_hbuf_dma_unmap() - undo mcte_hbuf_dma_map()
 * @dev: the device it was given
 * @sgt: the table it filled
 */
void mcte_hbuf_dma_unmap(struct device *dev, struct sg_table *sgt)
{
	if (dev)
		dma_unmap_sgtable(dev, sgt, DMA_BIDIRECTIONAL, 0);
	sg_free_table(sgt);
}

/*
 * Check the buffers user space described and lay them out in @hs.
 * Return: the number of pages they span, or -errno.
 */
static long mcte_hseg_layout(struct mcte_hseg *hs,
			     const struct mcte_seg_buf *ubufs)
{
	struct mcte_seg *seg = &hs->seg;
	unsigned long pages = 0;
	u64 size = 0;
	long n;
	u32 i;

	for (i = 0; i < seg->nr_bufs; i++) {
		struct mcte_sbuf *b = &seg->bufs[i];

		/*
		 * No bound on the sum against RAM: one memory mapped at many
		 * places pins its pages once per place.
		 */
		n = mcte_hbuf_layout(&ubufs[i], b);
		if (n < 0)
			return n;
		b->start = size;
		hs->hb[i].nr = n;
		size += b->len;
		pages += n;
	}

	seg->size = size;
	return pages;
}

/* Unpin and free the page arrays of buffers [0, @nr); dirtied or not. */
static void mcte_hseg_unpin(struct mcte_hseg *hs, u32 nr, bool dirty)
{
	u32 i;

	for (i = 0; i < nr; i++) {
		if (dirty)
			mcte_hbuf_unpin(hs->hb[i].pages, hs->hb[i].nr);
		else
			unpin_user_pages(hs->hb[i].pages, hs->hb[i].nr);
		kvfree(hs->hb[i].pages);
		hs->hb[i].pages = NULL;
	}
}

/* Pin every buffer's pages; on failure nothing stays pinned. */
static int mcte_hseg_pin(struct mcte_hseg *hs,
			 const struct mcte_seg_buf *ubufs)
{
	u32 i, nr = hs->seg.nr_bufs;
	int ret;

	for (i = 0; i < nr; i++) {
		struct mcte_hbuf *hb = &hs->hb[i];

		hb->pages = kvmalloc_array(hb->nr, sizeof(*hb->pages),
					   GFP_KERNEL_ACCOUNT | __GFP_NOWARN);
		ret = hb->pages ? mcte_hbuf_pin(&ubufs[i], hb->nr, hb->pages) :
				  -ENOMEM;
		if (ret) {
			kvfree(hb->pages);
			hb->pages = NULL;
			mcte_hseg_unpin(hs, i, false);
			return ret;
		}
	}
	return 0;
}

static struct mcte_seg *mcte_hseg_create(struct mcte_engine *eng,
					 const struct mcte_seg_reg *r,
					 const struct mcte_seg_buf *ubufs)
{
	struct mm_struct *mm = current->mm;
	struct mcte_hseg *hs;
	long pages;
	int ret;

	hs = mcte_seg_new(struct mcte_hseg, r->nr_bufs, &mcte_seg_host_ops);
	if (!hs)
		return ERR_PTR(-ENOMEM);
	hs->hb = kvcalloc(r->nr_bufs, sizeof(*hs->hb), GFP_KERNEL_ACCOUNT);
	if (!hs->hb) {
		ret = -ENOMEM;
		goto out_free_seg;
	}

	pages = mcte_hseg_layout(hs, ubufs);
	if (pages < 0) {
		ret = pages;
		goto out_free_hb;
	}

	ret = mcte_seg_charge(mm, pages);
	if (ret)
		goto out_free_hb;
	hs->nr_pages = pages;

	ret = mcte_hseg_pin(hs, ubufs);
	if (ret)
		goto out_uncharge;

	mmgrab(mm);
	hs->mm = mm;
	return &hs->seg;

out_uncharge:
	mcte_seg_uncharge(mm, pages);
out_free_hb:
	kvfree(hs->hb);
out_free_seg:
	mcte_seg_free(&hs->seg);
	return ERR_PTR(ret);
}

static void mcte_hseg_release(struct mcte_seg *seg)
{
	struct mcte_hseg *hs = to_hseg(seg);

	mcte_hseg_unpin(hs, seg->nr_bufs, true);
	mcte_seg_uncharge(hs->mm, hs->nr_pages);
	mmdrop(hs->mm);
	kvfree(hs->hb);
	mcte_seg_free(seg);
}

static struct page *mcte_hseg_page(const struct mcte_seg *seg, u32 buf,
				   u64 off, size_t *pgoff, size_t *len)
{
	const struct mcte_hseg *hs = to_hseg(seg);

	return mcte_hbuf_page(hs->hb[buf].pages, &seg->bufs[buf], off,
			      pgoff, len);
}

static void *mcte_hseg_cpu_map(const struct mcte_seg *seg, u32 buf, u64 off,
			       size_t *len)
{
	struct page *page;
	size_t pgoff;

	page = mcte_hseg_page(seg, buf, off, &pgoff, len);
	return kmap_local_page(page) + pgoff;
}

static void mcte_hseg_cpu_unmap(const struct mcte_seg *seg, void *addr)
{
	kunmap_local(addr);
}

static int mcte_hseg_dma_map(struct mcte_seg *seg, u32 buf, u64 off,
			     u64 len, struct device *dev, struct sg_table *sgt)
{
	struct mcte_hseg *hs = to_hseg(seg);

	return mcte_hbuf_dma_map(hs->hb[buf].pages, &seg->bufs[buf],
				 off, len, dev, sgt);
}

static void mcte_hseg_dma_unmap(struct mcte_seg *seg, struct device *dev,
				struct sg_table *sgt)
{
	mcte_hbuf_dma_unmap(dev, sgt);
}

/* Host memory: registrable, and copied by the CPU or a device's DMA. */
const struct mcte_seg_ops mcte_seg_host_ops = {
	.name		= "host",
	.kind		= MCTE_SEG_HOST,
	.create		= mcte_hseg_create,
	.release	= mcte_hseg_release,
	.page		= mcte_hseg_page,
	.cpu_map	= mcte_hseg_cpu_map,
	.cpu_unmap	= mcte_hseg_cpu_unmap,
	.dma_map	= mcte_hseg_dma_map,
	.dma_unmap	= mcte_hseg_dma_unmap,
};
