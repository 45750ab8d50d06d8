/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mcte - the seam between the core and the kinds of segment memory.
 *
 * A segment is a struct mcte_seg embedded first in a kind's own struct:
 * host pages (seg_host.c), dma-bufs mixed with host pages (seg_dmabuf.c),
 * NVIDIA GPU memory (seg_nvp2p.c), ranges of block devices (seg_block.c),
 * and a peer's segment opened here (a transport's). The core, the
 * local copy and the transports reach a segment's memory only through
 * its struct mcte_seg_ops, so that a new kind is a new table, its file,
 * and a line in the list of registrable kinds in segment.c.
 */
#ifndef _MCTE_SEG_KIND_H
#define _MCTE_SEG_KIND_H

#include <linux/mm_types.h>
#include <linux/scatterlist.h>
#include <linux/types.h>

#include "mcte.h"

struct device;
struct mcte_transport;
struct sk_buff;

/**
 * struct mcte_seg_ops - what a kind of segment memory does
 * @name: for messages
 * @kind: the enum mcte_seg_kind it reports; a peer's segment reports
 *	  what the owner's is made of as far as the wire says: HOST
 * @features: MCTE_FEAT_* bits it brings, reported with the core's
 * @xport: the transport that moves the bytes of a peer's segment; NULL for
 *	   memory of this node, which the local transport copies and the
 *	   transports read and write through @page or @dma_map
 * @available: whether its memory can be had now, for a kind that rests on
 *	       another module which may come and go: its @features are
 *	       reported only then. Optional: NULL is always.
 * @create: MCTE_IOC_SEG_REG of this kind: check @ubufs (@r->nr_bufs of
 *	    them), make the segment with mcte_seg_alloc(), lay its buffers
 *	    out (&mcte_seg.bufs, .size) and take hold of the memory in the
 *	    caller's context, charged to it. Required for a kind user space
 *	    registers. Return: the segment with one reference, or an
 *	    ERR_PTR(): -EINVAL for buffers this kind does not take, -EFAULT
 *	    for memory it cannot hold, -ENOMEM over RLIMIT_MEMLOCK.
 * @release: the last reference went (process context, no lock held):
 *	     let go of the memory and free the segment with mcte_seg_free(),
 *	     now or from a work item. Required.
 * @page: CPU access by page: the page holding byte @off of buffer @buf,
 *	  its offset there, and the bytes from there to the end of the page
 *	  or the buffer. Optional: a kind without pages leaves it NULL.
 * @cpu_map: CPU access for the local copy: a kernel address of byte @off
 *	     of buffer @buf and how many bytes from it are mapped (at least
 *	     one). Undone by @cpu_unmap before the next @cpu_map of this
 *	     segment on this CPU but one: mappings nest, as kmap_local_page()
 *	     does. Optional: memory the CPU cannot reach leaves it NULL, and
 *	     local copies of it fail with -EOPNOTSUPP.
 * @cpu_unmap: undo @cpu_map of address @addr. Required with @cpu_map.
 * @dma_map: a device's view of bytes [@off, @off + @len) of buffer @buf,
 *	     in @sgt (allocated here): DMA-mapped for @dev, or, when @dev is
 *	     NULL (a device with virtual DMA, such as soft-RoCE), the CPU's
 *	     pages for the caller to map. Optional. Return: 0, -EOPNOTSUPP
 *	     when this memory cannot be had that way, or -errno.
 * @dma_unmap: undo @dma_map with the same @dev. Required with @dma_map.
 * @check_xfer: a request is being prepared with this segment as its
 *		local side (@target false) or its target, @other the other
 *		side, over bytes [@off, @off + @len) of this one; @write
 *		when this segment is written. Optional: NULL takes every
 *		request the core's checks let through. Return: 0, or the
 *		-errno the request fails with: -EINVAL for a range this
 *		memory does not take, -EOPNOTSUPP for a pairing it cannot
 *		move bytes with.
 * @nl_size: room @nl_fill needs in a segment message. Required with
 *	     @nl_fill.
 * @nl_fill: put the attributes of this kind into a segment message
 *	     (seg-get and its notifications). Optional. Return: 0 or
 *	     -EMSGSIZE.
 */
struct mcte_seg_ops {
	const char *name;
	u32 kind;
	u64 features;
	const struct mcte_transport *xport;

	bool (*available)(void);
	struct mcte_seg *(*create)(struct mcte_engine *eng,
				   const struct mcte_seg_reg *r,
				   const struct mcte_seg_buf *ubufs);
	void (*release)(struct mcte_seg *seg);

	struct page *(*page)(const struct mcte_seg *seg, u32 buf, u64 off,
			     size_t *pgoff, size_t *len);
	void *(*cpu_map)(const struct mcte_seg *seg, u32 buf, u64 off,
			 size_t *len);
	void (*cpu_unmap)(const struct mcte_seg *seg, void *addr);
	int (*dma_map)(struct mcte_seg *seg, u32 buf, u64 off, u64 len,
		       struct device *dev, struct sg_table *sgt);
	void (*dma_unmap)(struct mcte_seg *seg, struct device *dev,
			  struct sg_table *sgt);

	int (*check_xfer)(const struct mcte_seg *seg, bool target,
			  const struct mcte_seg *other, u64 off, u64 len,
			  bool write);
	size_t (*nl_size)(const struct mcte_seg *seg);
	int (*nl_fill)(const struct mcte_seg *seg, struct sk_buff *skb);
};

/* The kinds segment.c lists for registration. */
extern const struct mcte_seg_ops mcte_seg_host_ops;
extern const struct mcte_seg_ops mcte_seg_dmabuf_ops;
extern const struct mcte_seg_ops mcte_seg_block_ops;
#ifdef MCTE_HAVE_NV_P2P
extern const struct mcte_seg_ops mcte_seg_nvp2p_ops;
#define MCTE_SEG_NVP2P_OPS	(&mcte_seg_nvp2p_ops)
#else
/* Built without nv-p2p.h: the kind is not registrable. */
#define MCTE_SEG_NVP2P_OPS	NULL
#endif

/* segment.c: the allocator of every kind, and memory charging */
void *mcte_seg_alloc(size_t size, u32 nr_bufs,
		     const struct mcte_seg_ops *ops);
void mcte_seg_free(struct mcte_seg *seg);
int mcte_seg_charge(struct mm_struct *mm, unsigned long pages);
void mcte_seg_uncharge(struct mm_struct *mm, unsigned long pages);
u64 mcte_seg_features(void);
void mcte_seg_revoke(struct mcte_seg *seg);

/**
 * mcte_seg_new() - allocate a segment of a kind
 * @type: the kind's struct, a struct mcte_seg named seg first in it
 * @nr_bufs: its number of buffers
 * @ops: its kind
 *
 * Return: the kind's struct, zeroed but for the base's fields that
 * mcte_seg_alloc() sets, or NULL.
 */
#define mcte_seg_new(type, nr_bufs, ops)				\
	({								\
		BUILD_BUG_ON(offsetof(type, seg) != 0);			\
		(type *)mcte_seg_alloc(sizeof(type), nr_bufs, ops);	\
	})

/**
 * struct mcte_seg_pos - a position in a segment of this node
 * @seg: the segment
 * @buf: index of a buffer
 * @off: offset in that buffer
 */
struct mcte_seg_pos {
	const struct mcte_seg *seg;
	u32 buf;
	u64 off;
};

/* seg_access.c: positions, CPU and DMA access through the kinds' ops */
void mcte_seg_pos_init(struct mcte_seg_pos *pos, const struct mcte_seg *seg,
		       u64 off);
struct page *mcte_seg_pos_page(const struct mcte_seg_pos *pos,
			       size_t *pgoff, size_t *len);
void mcte_seg_pos_advance(struct mcte_seg_pos *pos, size_t n);
void mcte_seg_copy(struct mcte_seg *dst, u64 doff, struct mcte_seg *src,
		   u64 soff, u64 len);
void mcte_seg_copy_kbuf(struct mcte_seg *seg, u64 off, void *kbuf,
			u64 len, bool to_seg);
int mcte_seg_check_xfer(const struct mcte_seg *lseg, u64 loff,
			const struct mcte_seg *tseg, u64 toff, u64 len,
			bool write);
int mcte_seg_dma_map(struct mcte_seg *seg, u32 buf, u64 off, u64 len,
		     struct device *dev, struct sg_table *sgt);
void mcte_seg_dma_unmap(struct mcte_seg *seg, struct device *dev,
			struct sg_table *sgt);

#endif /* _MCTE_SEG_KIND_H */
