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
#include <linux/slab.h>

#include "compat.h"
#include "mcte.h"
#include "seg_host.h"
#include "seg_kind.h"

/* Pages pinned per call of pin_user_pages_fast(), between reschedules. */
#define MCTE_PIN_CHUNK		1024

/**
 * struct mcte_hseg - a host-memory segment
 * @seg: the segment
 * @mm: the registering process's mm, grabbed, charged with @nr_pages
 * @nr_pages: pages pinned, in @pages
 * @pages: the pinned pages of all buffers, buffer after buffer
 * @first: per buffer, the index in @pages of its first page
 */
struct mcte_hseg {
	struct mcte_seg seg;
	struct mm_struct *mm;
	unsigned long nr_pages;
	struct page **pages;
	unsigned long *first;
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
 * @sgt: out: one entry per page, DMA-mapped for @dev
 *
 * Return: 0 or -errno.
 */
int mcte_hbuf_dma_map(struct page **pages, const struct mcte_sbuf *b,
		      u64 off, u64 len, struct device *dev,
		      struct sg_table *sgt)
{
	u64 at = b->pgoff + off;
	unsigned int npages;
	int ret;

	if (off > b->len || len > b->len - off || !len)
		return -EINVAL;
	npages = DIV_ROUND_UP(offset_in_page(at) + len, PAGE_SIZE);
	/* One entry per page: a device's MR maps page after page. */
	ret = sg_alloc_table_from_pages_segment(sgt, pages + (at >> PAGE_SHIFT),
						npages, offset_in_page(at),
						len, PAGE_SIZE, GFP_KERNEL);
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

		n = mcte_hbuf_layout(&ubufs[i], b);
		if (n < 0)
			return n;
		if (pages + n > totalram_pages())
			return -ENOMEM;
		b->start = size;
		hs->first[i] = pages;
		size += b->len;
		pages += n;
	}

	seg->size = size;
	return pages;
}

/* Pin every buffer's pages; on failure nothing stays pinned. */
static int mcte_hseg_pin(struct mcte_hseg *hs,
			 const struct mcte_seg_buf *ubufs)
{
	u32 i, nr = hs->seg.nr_bufs;
	int ret;

	for (i = 0; i < nr; i++) {
		unsigned long n;

		n = (i + 1 < nr ? hs->first[i + 1] : hs->nr_pages) -
		    hs->first[i];
		ret = mcte_hbuf_pin(&ubufs[i], n, hs->pages + hs->first[i]);
		if (ret) {
			unpin_user_pages(hs->pages, hs->first[i]);
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
	hs->first = kvcalloc(r->nr_bufs, sizeof(*hs->first),
			     GFP_KERNEL_ACCOUNT);
	if (!hs->first) {
		ret = -ENOMEM;
		goto out_free_seg;
	}

	pages = mcte_hseg_layout(hs, ubufs);
	if (pages < 0) {
		ret = pages;
		goto out_free_first;
	}

	ret = mcte_seg_charge(mm, pages);
	if (ret)
		goto out_free_first;

	hs->pages = kvmalloc_array(pages, sizeof(*hs->pages),
				   GFP_KERNEL_ACCOUNT | __GFP_NOWARN);
	if (!hs->pages) {
		ret = -ENOMEM;
		goto out_uncharge;
	}
	hs->nr_pages = pages;

	ret = mcte_hseg_pin(hs, ubufs);
	if (ret)
		goto out_free_pages;

	mmgrab(mm);
	hs->mm = mm;
	return &hs->seg;

out_free_pages:
	kvfree(hs->pages);
out_uncharge:
	mcte_seg_uncharge(mm, pages);
out_free_first:
	kvfree(hs->first);
out_free_seg:
	mcte_seg_free(&hs->seg);
	return ERR_PTR(ret);
}

static void mcte_hseg_release(struct mcte_seg *seg)
{
	struct mcte_hseg *hs = to_hseg(seg);

	mcte_hbuf_unpin(hs->pages, hs->nr_pages);
	mcte_seg_uncharge(hs->mm, hs->nr_pages);
	mmdrop(hs->mm);
	kvfree(hs->pages);
	kvfree(hs->first);
	mcte_seg_free(seg);
}

static struct page *mcte_hseg_page(const struct mcte_seg *seg, u32 buf,
				   u64 off, size_t *pgoff, size_t *len)
{
	const struct mcte_hseg *hs = to_hseg(seg);

	return mcte_hbuf_page(hs->pages + hs->first[buf], &seg->bufs[buf], off,
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

	return mcte_hbuf_dma_map(hs->pages + hs->first[buf], &seg->bufs[buf],
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
