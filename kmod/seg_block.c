// SPDX-License-Identifier: GPL-2.0
/*
 * mcte - block segments: a range of a block device (an NVMe namespace,
 * local or reached over NVMe-oF) registered as a segment, and the block
 * I/O on it.
 *
 * The registering process hands over an fd of the device it opened with
 * O_DIRECT, so that the device node's own permissions decide who may
 * register it, and the fd's mode whether it may be written: a segment
 * made from a read-only fd refuses writes (-EROFS), whatever access it
 * grants others. The segment holds its own reference to the file, which
 * keeps the device open; the fd may be closed at once.
 *
 * I/O is bios built straight on the memory of the other side of the
 * transfer (its pinned pages), rather than direct I/O on the device
 * file: the pages are pinned already and need no second pin through an
 * iov_iter, the number of bios in flight is bounded here, and a bio's end
 * is handed to a work item, off the interrupt path, in one place for the
 * local transport of block segments (xport_block.c) and for a transport
 * serving a peer's requests. O_DIRECT is asked of the fd because these
 * bios bypass the page cache: a process that reads the device through
 * the page cache as well would see stale data, and O_DIRECT says it
 * knows.
 *
 * Release order: no bio is in flight once the last reference goes (each
 * user holds one until its done callback ran); the file is put, which
 * closes the device, then the segment is freed.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/bio.h>
#include <linux/blkdev.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/moduleparam.h>
#include <linux/slab.h>
#include <linux/wait.h>
#include <linux/workqueue.h>
#include <net/netlink.h>

#include "mcte.h"
#include "seg_block.h"
#include "seg_kind.h"
#include "transport.h"

#define MCTE_BLK_INFLIGHT_DEFAULT	128
#define MCTE_BLK_INFLIGHT_MAX		4096

/**
 * struct mcte_bseg - a block segment
 * @seg: the segment; one buffer, the range of the device
 * @file: the device file the registering process opened, referenced
 * @bdev: its block device, open while @file is
 * @start: byte offset of the segment on the device
 * @lbs: the device's logical block size
 * @writable: @file was opened for writing
 */
struct mcte_bseg {
	struct mcte_seg seg;
	struct file *file;
	struct block_device *bdev;
	u64 start;
	u32 lbs;
	bool writable;
};

/**
 * struct mcte_blk_req - one mcte_blk_submit(), until its last bio ended
 * @bs: the segment
 * @done: the caller's callback
 * @priv: for @done
 * @left: bios not ended yet, plus one while bios are being submitted
 * @err: the first error of a bio, 0 while none
 * @work: runs @done in process context
 */
struct mcte_blk_req {
	struct mcte_bseg *bs;
	mcte_blk_done_t done;
	void *priv;
	atomic_t left;
	int err;
	struct work_struct work;
};

static unsigned int mcte_blk_max_inflight = MCTE_BLK_INFLIGHT_DEFAULT;
static atomic_t mcte_blk_inflight = ATOMIC_INIT(0);
static DECLARE_WAIT_QUEUE_HEAD(mcte_blk_wait);
static struct workqueue_struct *mcte_blk_wq;

static int mcte_blk_max_inflight_set(const char *val,
				     const struct kernel_param *kp)
{
	unsigned int n;
	int ret;

	ret = kstrtouint(val, 0, &n);
	if (ret)
		return ret;
	if (!n || n > MCTE_BLK_INFLIGHT_MAX)
		return -EINVAL;
	WRITE_ONCE(*(unsigned int *)kp->arg, n);
	/* A larger bound lets waiting submitters on. */
	wake_up_all(&mcte_blk_wait);
	return 0;
}

static const struct kernel_param_ops mcte_blk_max_inflight_ops = {
	.set	= mcte_blk_max_inflight_set,
	.get	= param_get_uint,
};

module_param_cb(block_max_inflight, &mcte_blk_max_inflight_ops,
		&mcte_blk_max_inflight, 0644);
MODULE_PARM_DESC(block_max_inflight,
		 "Bios mcte keeps in flight on block segments at once, 1 to 4096 (default 128)");

static struct mcte_bseg *to_bseg(const struct mcte_seg *seg)
{
	return container_of(seg, struct mcte_bseg, seg);
}

/**
 * mcte_seg_is_block() - whether a segment is a block segment of this node
 * @seg: the segment
 *
 * Return: true for a segment of kind &mcte_seg_block_ops.
 */
bool mcte_seg_is_block(const struct mcte_seg *seg)
{
	return seg->ops == &mcte_seg_block_ops;
}

/**
 * mcte_blk_lbs() - the logical block size of a block segment
 * @seg: a block segment (mcte_seg_is_block())
 *
 * Return: its device's logical block size in bytes.
 */
u32 mcte_blk_lbs(const struct mcte_seg *seg)
{
	return to_bseg(seg)->lbs;
}

/**
 * mcte_blk_dma_mask() - the DMA alignment of a block segment's device
 * @seg: a block segment (mcte_seg_is_block())
 *
 * Return: the mask that bio_vec offsets and lengths must have clear.
 */
unsigned int mcte_blk_dma_mask(const struct mcte_seg *seg)
{
	return bdev_dma_alignment(to_bseg(seg)->bdev);
}

/* Is the range aligned to the device's blocks? -EINVAL says why. */
static int mcte_blk_check_aligned(const struct mcte_bseg *bs, u64 off,
				  u64 len)
{
	if (!len || !IS_ALIGNED(off | len, bs->lbs))
		return -EINVAL;
	return 0;
}

/*
 * May a write go to the device now? Not through an fd opened read-only,
 * nor to a read-only device. Checked at every submission as well as when
 * requests are prepared, because a device can become read-only while
 * registered (BLKROSET, a controller that says so) and 6.1's block layer
 * only warns when it is written then.
 */
static int mcte_blk_check_write(const struct mcte_bseg *bs)
{
	if (!bs->writable || bdev_read_only(bs->bdev))
		return -EROFS;
	return 0;
}

static struct mcte_seg *mcte_bseg_create(struct mcte_engine *eng,
					 const struct mcte_seg_reg *r,
					 const struct mcte_seg_buf *ubufs)
{
	const struct mcte_seg_buf *ub = &ubufs[0];
	struct block_device *bdev;
	struct mcte_bseg *bs;
	struct file *file;
	u64 size, len;
	int ret;

	/* One device range per segment: its size is the device's. */
	if (r->nr_bufs != 1 || ub->resv)
		return ERR_PTR(-EINVAL);

	file = fget(ub->fd);
	if (!file)
		return ERR_PTR(-EBADF);
	ret = -ENOTBLK;
	if (!S_ISBLK(file_inode(file)->i_mode))
		goto out_put_file;
	ret = -EINVAL;
	if (!(file->f_flags & O_DIRECT))
		goto out_put_file;
	/* Others may write only what the owner itself may. */
	ret = -EBADF;
	if (!(file->f_mode & FMODE_READ) ||
	    (r->access == MCTE_ACCESS_RW && !(file->f_mode & FMODE_WRITE)))
		goto out_put_file;

	bdev = I_BDEV(file->f_mapping->host);
	size = bdev_nr_bytes(bdev);
	ret = -EINVAL;
	if (!IS_ALIGNED(ub->addr | ub->len, bdev_logical_block_size(bdev)))
		goto out_put_file;
	ret = -ERANGE;
	if (ub->addr >= size)
		goto out_put_file;
	len = ub->len ?: size - ub->addr;
	if (len > size - ub->addr)
		goto out_put_file;

	ret = -ENOMEM;
	bs = mcte_seg_new(struct mcte_bseg, 1, &mcte_seg_block_ops);
	if (!bs)
		goto out_put_file;
	bs->file = file;
	bs->bdev = bdev;
	bs->start = ub->addr;
	bs->lbs = bdev_logical_block_size(bdev);
	bs->writable = file->f_mode & FMODE_WRITE;
	bs->seg.bufs[0].start = 0;
	bs->seg.bufs[0].len = len;
	bs->seg.size = len;
	bs->seg.align = bs->lbs;
	return &bs->seg;

out_put_file:
	fput(file);
	return ERR_PTR(ret);
}

static void mcte_bseg_release(struct mcte_seg *seg)
{
	struct mcte_bseg *bs = to_bseg(seg);

	fput(bs->file);
	mcte_seg_free(seg);
}

/*
 * Requests on a block segment: it is only ever the target (the local side
 * is memory), the other side must be memory of this node the block
 * transport can read or write, and the range whole blocks.
 */
static int mcte_bseg_check_xfer(const struct mcte_seg *seg, bool target,
				const struct mcte_seg *other, u64 off, u64 len,
				bool write)
{
	struct mcte_bseg *bs = to_bseg(seg);
	int ret;

	if (!target)
		return -EINVAL;
	if (other->ops->xport || mcte_seg_is_block(other))
		return -EOPNOTSUPP;
	if (!other->ops->page && !other->ops->cpu_map)
		return -EOPNOTSUPP;
	ret = mcte_blk_check_aligned(bs, off, len);
	if (ret)
		return ret;
	return write ? mcte_blk_check_write(bs) : 0;
}

static int mcte_bseg_nl_fill(const struct mcte_seg *seg, struct sk_buff *skb)
{
	struct mcte_bseg *bs = to_bseg(seg);
	char name[BDEVNAME_SIZE];

	snprintf(name, sizeof(name), "%pg", bs->bdev);
	if (nla_put_string(skb, MCTE_A_SEG_BLOCK_DEV, name) ||
	    nla_put_u32(skb, MCTE_A_SEG_BLOCK_LBS, bs->lbs) ||
	    nla_put_u64_64bit(skb, MCTE_A_SEG_BLOCK_START, bs->start,
			      MCTE_A_SEG_PAD) ||
	    nla_put_u8(skb, MCTE_A_SEG_BLOCK_RO,
		       !bs->writable || bdev_read_only(bs->bdev)))
		return -EMSGSIZE;
	return 0;
}

static size_t mcte_bseg_nl_size(const struct mcte_seg *seg)
{
	return nla_total_size(BDEVNAME_SIZE) +			/* block-dev */
	       nla_total_size(sizeof(u32)) +			/* block-lbs */
	       nla_total_size_64bit(sizeof(u64)) +		/* block-start */
	       nla_total_size(sizeof(u8));			/* block-ro */
}

const struct mcte_seg_ops mcte_seg_block_ops = {
	.name		= "block",
	.kind		= MCTE_SEG_BLOCK,
	.features	= MCTE_FEAT_XPORT_NVME,
	.xport		= &mcte_xport_block,
	.create		= mcte_bseg_create,
	.release	= mcte_bseg_release,
	.check_xfer	= mcte_bseg_check_xfer,
	.nl_fill	= mcte_bseg_nl_fill,
	.nl_size	= mcte_bseg_nl_size,
};

static void mcte_blk_req_work(struct work_struct *work)
{
	struct mcte_blk_req *rq = container_of(work, struct mcte_blk_req,
					       work);

	rq->done(rq->priv, rq->err);
	kfree(rq);
}

static void mcte_blk_req_put(struct mcte_blk_req *rq)
{
	if (atomic_dec_and_test(&rq->left))
		queue_work(mcte_blk_wq, &rq->work);
}

static void mcte_blk_end_io(struct bio *bio)
{
	struct mcte_blk_req *rq = bio->bi_private;
	int err = blk_status_to_errno(bio->bi_status);

	if (err)
		cmpxchg(&rq->err, 0, err);
	bio_put(bio);
	atomic_dec(&mcte_blk_inflight);
	wake_up(&mcte_blk_wait);
	mcte_blk_req_put(rq);
}

/* A slot for one more bio in flight, if fewer than the bound are. */
static bool mcte_blk_slot_try(void)
{
	int n = atomic_read(&mcte_blk_inflight);

	do {
		if (n >= READ_ONCE(mcte_blk_max_inflight))
			return false;
	} while (!atomic_try_cmpxchg(&mcte_blk_inflight, &n, n + 1));
	return true;
}

/*
 * Bytes of the next bio, from entry @bv on, its first @head bytes taken
 * by the bio before: at most BIO_MAX_VECS entries, and, when it is not
 * the whole rest, ending at a block boundary (each bio is whole blocks).
 * Its last entry may be split there: *@nr is the entries it has, *@tail
 * the bytes of its last entry it takes.
 */
static u64 mcte_blk_bio_len(const struct bio_vec *bv, unsigned int nr_bv,
			    u32 head, u64 left, u32 lbs, unsigned int *nr,
			    u32 *tail)
{
	unsigned int n = min_t(unsigned int, nr_bv, BIO_MAX_VECS);
	u64 len = 0, cut;
	unsigned int i;

	for (i = 0; i < n; i++)
		len += bv[i].bv_len - (i ? 0 : head);
	if (len >= left) {
		*nr = n;
		*tail = bv[n - 1].bv_len - (n == 1 ? head : 0) - (len - left);
		return left;
	}
	/*
	 * Cut back to a block boundary. Every entry is a multiple of the
	 * DMA alignment, and blocks are too, so the cut is one as well.
	 */
	cut = len & (lbs - 1);
	for (;;) {
		u32 last = bv[n - 1].bv_len - (n == 1 ? head : 0);

		if (cut < last) {
			*nr = n;
			*tail = last - cut;
			return len - cut;
		}
		cut -= last;
		len -= last;
		n--;
	}
}

/**
 * mcte_blk_submit() - read or write a range of a block segment
 * @seg: a block segment (mcte_seg_is_block()), referenced by the caller
 *	 until @done ran
 * @write: write the memory of @bv to the device; false reads into it
 * @off: byte offset within the segment
 * @bv: the memory, @len bytes in all; each entry's offset and length a
 *	multiple of the device's DMA alignment, its pages held by the caller
 *	until @done ran; the array itself is not needed after the return
 * @nr_bv: entries of @bv
 * @len: bytes, a multiple of mcte_blk_lbs(), not zero
 * @done: called once after every bio ended
 * @priv: for @done
 *
 * See seg_block.h. Over the block_max_inflight bound this waits.
 *
 * Return: 0 when the I/O started and @done will be called, else -errno
 * and @done is not called.
 */
int mcte_blk_submit(struct mcte_seg *seg, bool write, u64 off,
		    struct bio_vec *bv, unsigned int nr_bv, u64 len,
		    mcte_blk_done_t done, void *priv)
{
	struct mcte_bseg *bs = to_bseg(seg);
	unsigned int dma_mask = bdev_dma_alignment(bs->bdev);
	blk_opf_t opf = write ? REQ_OP_WRITE : REQ_OP_READ;
	struct mcte_blk_req *rq;
	u64 total = 0, sector;
	unsigned int i;
	u32 head = 0;
	int ret;

	ret = mcte_blk_check_aligned(bs, off, len);
	if (ret)
		return ret;
	if (off > seg->size || len > seg->size - off)
		return -ERANGE;
	if (write) {
		ret = mcte_blk_check_write(bs);
		if (ret)
			return ret;
	}
	for (i = 0; i < nr_bv; i++) {
		if ((bv[i].bv_offset | bv[i].bv_len) & dma_mask ||
		    !bv[i].bv_len)
			return -EINVAL;
		total += bv[i].bv_len;
	}
	if (total != len)
		return -EINVAL;

	rq = kmalloc(sizeof(*rq), GFP_KERNEL);
	if (!rq)
		return -ENOMEM;
	rq->bs = bs;
	rq->done = done;
	rq->priv = priv;
	rq->err = 0;
	atomic_set(&rq->left, 1);
	INIT_WORK(&rq->work, mcte_blk_req_work);

	sector = (bs->start + off) >> SECTOR_SHIFT;
	while (len) {
		unsigned int nr, j;
		struct bio *bio;
		u32 tail;
		u64 n;

		n = mcte_blk_bio_len(bv, nr_bv, head, len, bs->lbs, &nr,
				     &tail);
		wait_event(mcte_blk_wait, mcte_blk_slot_try());
		/* From fs_bio_set with a sleeping mask: it does not fail. */
		bio = bio_alloc(bs->bdev, nr, opf, GFP_KERNEL);
		bio->bi_iter.bi_sector = sector;
		bio->bi_end_io = mcte_blk_end_io;
		bio->bi_private = rq;
		for (j = 0; j < nr; j++) {
			u32 skip = j ? 0 : head;
			u32 blen = j == nr - 1 ? tail : bv[j].bv_len - skip;

			__bio_add_page(bio, bv[j].bv_page, blen,
				       bv[j].bv_offset + skip);
		}
		atomic_inc(&rq->left);
		submit_bio(bio);

		/* The rest of a split entry starts the next bio. */
		j = nr - 1;
		if ((j ? 0 : head) + tail < bv[j].bv_len) {
			head = (j ? 0 : head) + tail;
			bv += j;
			nr_bv -= j;
		} else {
			head = 0;
			bv += nr;
			nr_bv -= nr;
		}
		sector += n >> SECTOR_SHIFT;
		len -= n;
	}
	mcte_blk_req_put(rq);
	return 0;
}

/**
 * mcte_blk_init() - set up block segments at module load
 *
 * Return: 0 or -ENOMEM.
 */
int mcte_blk_init(void)
{
	/* Done callbacks may sleep and complete requests; not per CPU. */
	mcte_blk_wq = alloc_workqueue("mcte_blk", WQ_UNBOUND, 0);
	return mcte_blk_wq ? 0 : -ENOMEM;
}

/**
 * mcte_blk_exit() - tear block segments down at module unload
 *
 * After every segment went, so no bio is in flight.
 */
void mcte_blk_exit(void)
{
	WARN_ON_ONCE(atomic_read(&mcte_blk_inflight));
	destroy_workqueue(mcte_blk_wq);
	mcte_blk_wq = NULL;
}
