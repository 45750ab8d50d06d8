/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mcte - host buffers: user pages pinned for a buffer of any kind of
 * segment that takes them (seg_host.c for host segments, seg_dmabuf.c for
 * host buffers mixed with dma-bufs). A buffer's pages are an array of
 * struct page pointers from its first page; the caller owns the array
 * and charges the pages (mcte_seg_charge()).
 */
#ifndef _MCTE_SEG_HOST_H
#define _MCTE_SEG_HOST_H

#include <linux/mm_types.h>
#include <linux/scatterlist.h>
#include <linux/types.h>

#include "mcte.h"

struct device;

long mcte_hbuf_layout(const struct mcte_seg_buf *ub, struct mcte_sbuf *b);
int mcte_hbuf_pin(const struct mcte_seg_buf *ub, unsigned long nr_pages,
		  struct page **pages);
void mcte_hbuf_unpin(struct page **pages, unsigned long nr_pages);
struct page *mcte_hbuf_page(struct page *const *pages,
			    const struct mcte_sbuf *b, u64 off,
			    size_t *pgoff, size_t *len);
int mcte_hbuf_dma_map(struct page **pages, const struct mcte_sbuf *b,
		      u64 off, u64 len, struct device *dev,
		      struct sg_table *sgt);
void mcte_hbuf_dma_unmap(struct device *dev, struct sg_table *sgt);

#endif /* _MCTE_SEG_HOST_H */
