// SPDX-License-Identifier: GPL-2.0
/*
 * mcte - reaching the memory of a segment of this node, whatever its kind:
 * positions in its buffers, the CPU copy between two segments, and the
 * DMA view a device asks for, all through the kind's struct mcte_seg_ops.
 *
 * Host memory is the common case on the data path: its accessors are
 * called directly (INDIRECT_CALL_1), the others through the table.
 */

#include <linux/indirect_call_wrapper.h>
#include <linux/kernel.h>
#include <linux/string.h>

#include "mcte.h"
#include "seg_kind.h"

/**
 * mcte_seg_pos_init() - a position in a segment
 * @pos: out
 * @seg: a segment of this node
 * @off: offset in @seg, within it
 */
void mcte_seg_pos_init(struct mcte_seg_pos *pos,
		       const struct mcte_seg *seg, u64 off)
{
	u32 lo = 0, hi = seg->nr_bufs - 1;

	/* The last buffer starting at or before @off. */
	while (lo < hi) {
		u32 mid = lo + (hi - lo + 1) / 2;

		if (seg->bufs[mid].start <= off)
			lo = mid;
		else
			hi = mid - 1;
	}
	pos->seg = seg;
	pos->buf = lo;
	pos->off = off - seg->bufs[lo].start;
}

/**
 * mcte_seg_pos_page() - the page at a position
 * @pos: the position
 * @pgoff: out: the offset in the page
 * @len: out: the bytes from there to the end of the page or the buffer
 *
 * Return: the page, or NULL when the segment's memory has no pages.
 */
struct page *mcte_seg_pos_page(const struct mcte_seg_pos *pos,
			       size_t *pgoff, size_t *len)
{
	const struct mcte_seg_ops *ops = pos->seg->ops;

	if (!ops->page)
		return NULL;
	return INDIRECT_CALL_1(ops->page, mcte_seg_host_ops.page, pos->seg,
			       pos->buf, pos->off, pgoff, len);
}

/**
 * mcte_seg_pos_advance() - move a position forward
 * @pos: the position
 * @n: bytes, at most what is left in its buffer
 */
void mcte_seg_pos_advance(struct mcte_seg_pos *pos, size_t n)
{
	pos->off += n;
	if (pos->off == pos->seg->bufs[pos->buf].len &&
	    pos->buf + 1 < pos->seg->nr_bufs) {
		pos->buf++;
		pos->off = 0;
	}
}

static void *mcte_seg_pos_map(const struct mcte_seg_pos *pos, size_t *len)
{
	const struct mcte_seg_ops *ops = pos->seg->ops;

	return INDIRECT_CALL_1(ops->cpu_map, mcte_seg_host_ops.cpu_map,
			       pos->seg, pos->buf, pos->off, len);
}

static void mcte_seg_pos_unmap(const struct mcte_seg_pos *pos, void *addr)
{
	const struct mcte_seg_ops *ops = pos->seg->ops;

	INDIRECT_CALL_1(ops->cpu_unmap, mcte_seg_host_ops.cpu_unmap, pos->seg,
			addr);
}

/**
 * mcte_seg_copy() - copy bytes between two segments of this node
 * @dst: segment written
 * @doff: offset in @dst
 * @src: segment read
 * @soff: offset in @src
 * @len: bytes, within both segments
 *
 * Any alignment, across pages and buffers, any two kinds that the CPU
 * can map. Overlapping ranges of one segment give undefined bytes, as
 * memcpy() does.
 */
void mcte_seg_copy(struct mcte_seg *dst, u64 doff, struct mcte_seg *src,
		   u64 soff, u64 len)
{
	struct mcte_seg_pos d, s;

	mcte_seg_pos_init(&d, dst, doff);
	mcte_seg_pos_init(&s, src, soff);
	while (len) {
		size_t dlen, slen, n;
		void *dv, *sv;

		/* Unmapped in reverse: CPU mappings nest. */
		dv = mcte_seg_pos_map(&d, &dlen);
		sv = mcte_seg_pos_map(&s, &slen);
		n = min_t(u64, len, min(dlen, slen));
		memcpy(dv, sv, n);
		mcte_seg_pos_unmap(&s, sv);
		mcte_seg_pos_unmap(&d, dv);

		mcte_seg_pos_advance(&d, n);
		mcte_seg_pos_advance(&s, n);
		len -= n;
	}
}

/**
 * mcte_seg_copy_kbuf() - copy between a segment and kernel memory
 * @seg: a segment of this node whose kind has &mcte_seg_ops.cpu_map
 * @off: offset in @seg (its buffers laid end to end)
 * @kbuf: kernel memory, @len bytes, mapped
 * @len: bytes, within @seg
 * @to_seg: copy @kbuf into @seg; false copies @seg into @kbuf
 *
 * For bounce buffers of memory a device cannot reach page by page.
 */
void mcte_seg_copy_kbuf(struct mcte_seg *seg, u64 off, void *kbuf,
			u64 len, bool to_seg)
{
	struct mcte_seg_pos p;

	mcte_seg_pos_init(&p, seg, off);
	while (len) {
		size_t plen, n;
		void *v;

		v = mcte_seg_pos_map(&p, &plen);
		n = min_t(u64, len, plen);
		if (to_seg)
			memcpy(v, kbuf, n);
		else
			memcpy(kbuf, v, n);
		mcte_seg_pos_unmap(&p, v);
		mcte_seg_pos_advance(&p, n);
		kbuf += n;
		len -= n;
	}
}

/**
 * mcte_seg_check_xfer() - let the kinds of both sides refuse a request
 * @lseg: its local segment
 * @loff: offset in @lseg
 * @tseg: its target segment
 * @toff: offset in @tseg
 * @len: bytes, in range of both
 * @write: the request writes @tseg (MCTE_OP_WRITE); else it writes @lseg
 *
 * Return: 0, or what &mcte_seg_ops.check_xfer of either side returned.
 */
int mcte_seg_check_xfer(const struct mcte_seg *lseg, u64 loff,
			const struct mcte_seg *tseg, u64 toff, u64 len,
			bool write)
{
	int ret = 0;

	if (lseg->ops->check_xfer)
		ret = lseg->ops->check_xfer(lseg, false, tseg, loff, len,
					    !write);
	if (!ret && tseg->ops->check_xfer)
		ret = tseg->ops->check_xfer(tseg, true, lseg, toff, len,
					    write);
	return ret;
}

/**
 * mcte_seg_dma_map() - a device's view of a range of one buffer
 * @seg: a segment of this node
 * @buf: index of the buffer
 * @off: offset in the buffer
 * @len: bytes, within the buffer, not zero
 * @dev: the device that will DMA, or NULL for one with virtual DMA: the
 *	 table then holds the CPU's pages, for the caller to map
 * @sgt: out: the table, undone by mcte_seg_dma_unmap()
 *
 * Return: 0; -EOPNOTSUPP when this kind of memory cannot be had so; or
 * -errno.
 */
int mcte_seg_dma_map(struct mcte_seg *seg, u32 buf, u64 off, u64 len,
		     struct device *dev, struct sg_table *sgt)
{
	if (!seg->ops->dma_map)
		return -EOPNOTSUPP;
	return seg->ops->dma_map(seg, buf, off, len, dev, sgt);
}

/**
 * mcte_seg_dma_unmap() - undo mcte_seg_dma_map()
 * @seg: the segment
 * @dev: the device given to mcte_seg_dma_map()
 * @sgt: the table it filled
 */
void mcte_seg_dma_unmap(struct mcte_seg *seg, struct device *dev,
			struct sg_table *sgt)
{
	seg->ops->dma_unmap(seg, dev, sgt);
}
