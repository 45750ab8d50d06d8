/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mcte - block segments: ranges of block devices registered as segments
 * (seg_block.c), and the block I/O on them that the block transport
 * (xport_block.c) and a transport serving a peer's requests on them use.
 */
#ifndef _MCTE_SEG_BLOCK_H
#define _MCTE_SEG_BLOCK_H

#include <linux/bvec.h>
#include <linux/types.h>

#include "mcte.h"

/**
 * typedef mcte_blk_done_t - the end of a mcte_blk_submit()
 * @priv: what the caller passed to mcte_blk_submit()
 * @err: 0 when every byte was read or written, else -errno (the first
 *	 error of its bios: -EIO, -ENOSPC, ...)
 *
 * Called once, in process context (a work item of mcte's block queue),
 * never in interrupt context, with no mcte lock held: it may sleep,
 * complete a slice and drop references.
 */
typedef void (*mcte_blk_done_t)(void *priv, int err);

/**
 * mcte_seg_is_block() - whether a segment is a block segment of this node
 * @seg: the segment
 *
 * Return: true for a segment of kind &mcte_seg_block_ops.
 */
bool mcte_seg_is_block(const struct mcte_seg *seg);

/**
 * mcte_blk_lbs() - the logical block size of a block segment
 * @seg: a block segment (mcte_seg_is_block())
 *
 * Return: its device's logical block size in bytes (512, 4096, ...):
 * every offset and length of I/O on it is a multiple of it.
 */
u32 mcte_blk_lbs(const struct mcte_seg *seg);

/**
 * mcte_blk_dma_mask() - the DMA alignment of a block segment's device
 * @seg: a block segment (mcte_seg_is_block())
 *
 * Return: the mask (511, 3, ...) that the offset and length of every
 * bio_vec given to mcte_blk_submit() must have clear.
 */
unsigned int mcte_blk_dma_mask(const struct mcte_seg *seg);

/**
 * mcte_blk_submit() - read or write a range of a block segment
 * @seg: a block segment (mcte_seg_is_block()), referenced by the caller
 *	 until @done ran
 * @write: write the memory of @bv to the device; false reads into it
 * @off: byte offset within the segment (its buffers laid end to end)
 * @bv: the memory, @len bytes in all; each bio_vec's offset and length
 *	a multiple of the device's DMA alignment (bdev_dma_alignment()),
 *	its pages held by the caller until @done ran
 * @nr_bv: entries of @bv
 * @len: bytes, a multiple of mcte_blk_lbs(), not zero
 * @done: called once after every bio ended (see &mcte_blk_done_t)
 * @priv: for @done
 *
 * Checks the range (alignment, bounds, a write into a segment opened
 * read-only or on a read-only device) and splits it into as many bios
 * as the device and the buffers' boundaries ask for. The number of bios
 * mcte has in flight at once is bounded (module parameter
 * block_max_inflight): over it this waits, so call it where sleeping is
 * fine.
 *
 * Return: 0 when the I/O started, and @done will be called; -EINVAL for
 * an unaligned or empty range or @bv not holding @len bytes, -ERANGE for
 * one beyond the segment, -EROFS for a write into a segment whose fd was
 * not open for writing or whose device is read-only, -ENOMEM; @done is
 * not called then.
 */
int mcte_blk_submit(struct mcte_seg *seg, bool write, u64 off,
		    struct bio_vec *bv, unsigned int nr_bv, u64 len,
		    mcte_blk_done_t done, void *priv);

int mcte_blk_init(void);
void mcte_blk_exit(void);

#endif /* _MCTE_SEG_BLOCK_H */
