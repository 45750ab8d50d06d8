// SPDX-License-Identifier: GPL-2.0
/*
 * mcte - NVIDIA GPU memory segments (MCTE_SEG_NV_P2P): buffers that are
 * ranges of the registering process's CUDA virtual address space, pinned
 * with nvidia_p2p_get_pages() in the ioctl's context (p2p_token and
 * va_space 0: the driver finds the address space from the caller), each
 * MCTE_NV_P2P_ALIGN aligned.
 *
 * Access. A device that DMAs (a real NIC, on PCI) gets the addresses of
 * nvidia_p2p_dma_map_pages() for its pci_dev, mapped at its first
 * mcte_seg_dma_map() and unmapped at its last unmap: addresses only, no
 * pages. The CPU (the local copy, and devices with virtual DMA such as
 * soft-RoCE, which copy with the CPU) reaches the memory only when every
 * page of the segment is a page of host memory (pfn_valid, not device
 * memory): a test provider's, or a system whose GPU memory is host
 * memory. The BAR pages of a discrete GPU have no struct page: such a
 * segment gets an ops table without CPU access, said once at registration;
 * local copies of it then fail with -EOPNOTSUPP and so do devices with
 * virtual DMA.
 *
 * Revocation. The driver calls a page table's free callback when the
 * memory goes under the segment (cudaFree, the process exiting). DMA must
 * have stopped when it returns: the callback makes the segment dead
 * (mcte_seg_revoke(): peers told and their keys voided, requests on it
 * ending with -ENODEV, and it waits until no transfer uses it), then
 * frees the table's DMA mappings and the table with
 * nvidia_p2p_free_dma_mapping() and nvidia_p2p_free_page_table(), as the
 * API wants from a callback; it never calls nvidia_p2p_put_pages() or
 * nvidia_p2p_dma_unmap_pages(), which the driver forbids there (it holds
 * its own locks while calling back). For the same reason the release of
 * the segment runs from a work item, never from the thread of a callback:
 * the last reference may be the one the callback held.
 *
 * Per buffer, under &mcte_nvseg.lock: LIVE (pinned) -> REVOKED (the
 * callback has it) or -> PUT (the release puts it). A callback that
 * finds PUT does nothing: the driver makes nvidia_p2p_put_pages() wait
 * for a callback of the same table in progress, and calls none once it
 * returned. The release waits for callbacks in progress (@cbs) before it
 * frees the segment.
 *
 * The pages are charged to the registering process's RLIMIT_MEMLOCK as
 * host pages are. Release order (work item, no transfer, export or DMA
 * table left): device entries left freed (with a warning), pages put,
 * callbacks in progress waited for, charge undone, mm dropped, the
 * provider's functions (its module) let go of.
 *
 * Lock order: &mcte_nvseg.map_lock, then &mcte_nvseg.lock.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/highmem.h>
#include <linux/list.h>
#include <linux/minmax.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/overflow.h>
#include <linux/pci.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/wait.h>
#include <linux/workqueue.h>

#include "mcte.h"
#include "seg_host.h"
#include "seg_kind.h"
#include "seg_nvp2p.h"

/* The driver's pages of GPU memory, by enum nvidia_p2p_page_size_type. */
static const u32 mcte_nvp2p_page_sizes[NVIDIA_P2P_PAGE_SIZE_COUNT] = {
	[NVIDIA_P2P_PAGE_SIZE_4KB]	= SZ_4K,
	[NVIDIA_P2P_PAGE_SIZE_64KB]	= SZ_64K,
	[NVIDIA_P2P_PAGE_SIZE_128KB]	= SZ_128K,
};

/* Life of one buffer's page table; see the head of this file. */
enum mcte_nvbuf_state {
	MCTE_NVBUF_LIVE,
	MCTE_NVBUF_REVOKED,
	MCTE_NVBUF_PUT,
};

struct mcte_nvseg;

/**
 * struct mcte_nvbuf - one buffer of a GPU memory segment
 * @ns: its segment, for the free callback
 * @va: its CUDA virtual address
 * @pt: the driver's page table of it
 * @entries: the number of its pages
 * @psize: bytes of each of @pt's pages
 * @phys: the physical address of each of @pt's pages, copied: @pt is the
 *	  driver's, gone once it took the memory back
 * @pages: with CPU access, a struct page per PAGE_SIZE of the buffer
 * @state: enum mcte_nvbuf_state, under &mcte_nvseg.lock
 */
struct mcte_nvbuf {
	struct mcte_nvseg *ns;
	u64 va;
	struct nvidia_p2p_page_table *pt;
	u32 entries;
	u32 psize;
	u64 *phys;
	struct page **pages;
	int state;
};

/**
 * struct mcte_nvdev - a segment's buffers mapped for one device
 * @node: in &mcte_nvseg.devs
 * @dev: the device, a PCI one
 * @users: tables mcte_nvseg_dma_map() made for @dev, not yet undone
 * @maps: per buffer, nvidia_p2p_dma_map_pages() of it; NULL until mapped,
 *	  or once its page table was taken back (the callback freed it)
 */
struct mcte_nvdev {
	struct list_head node;
	struct device *dev;
	unsigned int users;
	struct nvidia_p2p_dma_mapping *maps[];
};

/**
 * struct mcte_nvseg - a GPU memory segment
 * @seg: the segment
 * @api: the provider's functions, its module held
 * @mm: the registering process's mm, grabbed, charged with @charged
 * @charged: pages charged
 * @lock: guards the buffers' @state and @cbs
 * @cbs: free callbacks in progress that found a buffer LIVE
 * @cb_wait: woken when @cbs drops to zero
 * @map_lock: guards @devs and their mappings
 * @devs: struct mcte_nvdev of the devices that map it
 * @release_work: the release, away from any callback's thread
 * @nbufs: per buffer
 */
struct mcte_nvseg {
	struct mcte_seg seg;
	struct mcte_nvp2p_api api;
	struct mm_struct *mm;
	unsigned long charged;
	spinlock_t lock;	/* buffer states, @cbs */
	unsigned int cbs;
	wait_queue_head_t cb_wait;
	struct mutex map_lock;	/* @devs */
	struct list_head devs;
	struct work_struct release_work;
	struct mcte_nvbuf *nbufs;
};

static const struct mcte_seg_ops mcte_seg_nvp2p_bar_ops;

static struct mcte_nvseg *to_nvseg(const struct mcte_seg *seg)
{
	return container_of(seg, struct mcte_nvseg, seg);
}

static void mcte_nvdev_free(struct mcte_nvseg *ns, struct mcte_nvdev *nd);

/*
 * The driver takes a buffer's memory back. Stop every use of the segment,
 * then free what the driver handed out for the buffer; see the head of
 * this file.
 */
static void mcte_nvbuf_free_callback(void *data)
{
	struct mcte_nvbuf *nb = data;
	struct mcte_nvseg *ns = nb->ns;
	u32 i = nb - ns->nbufs;
	struct mcte_nvdev *nd;
	bool held;

	spin_lock(&ns->lock);
	if (nb->state != MCTE_NVBUF_LIVE) {
		spin_unlock(&ns->lock);
		return;
	}
	nb->state = MCTE_NVBUF_REVOKED;
	ns->cbs++;
	spin_unlock(&ns->lock);

	pr_info_ratelimited("segment %s: the GPU driver takes back buffer %u (VA %#llx); the segment is dead\n",
			    ns->seg.name, i, nb->va);
	/* None: the segment is being released, no transfer is left. */
	held = kref_get_unless_zero(&ns->seg.ref);
	if (held)
		mcte_seg_revoke(&ns->seg);

	mutex_lock(&ns->map_lock);
	list_for_each_entry(nd, &ns->devs, node) {
		if (nd->maps[i]) {
			ns->api.free_dma_mapping(nd->maps[i]);
			nd->maps[i] = NULL;
		}
	}
	mutex_unlock(&ns->map_lock);
	ns->api.free_page_table(nb->pt);

	/*
	 * The release, if this is the last reference, runs from a work item
	 * that waits for @cbs; so does a registration that fails. Nothing
	 * of the segment is touched after the lock is let go of.
	 */
	if (held)
		mcte_seg_put(&ns->seg);
	spin_lock(&ns->lock);
	if (!--ns->cbs)
		wake_up_all(&ns->cb_wait);
	spin_unlock(&ns->lock);
}

/* No callback is in progress, nor still holding the lock. */
static bool mcte_nvseg_no_cbs(struct mcte_nvseg *ns)
{
	bool none;

	spin_lock(&ns->lock);
	none = !ns->cbs;
	spin_unlock(&ns->lock);
	return none;
}

/* Whether every page of @nb is host memory the CPU maps. */
static bool mcte_nvbuf_host(const struct mcte_nvbuf *nb)
{
	u32 i, k;

	for (i = 0; i < nb->entries; i++) {
		for (k = 0; k < nb->psize; k += PAGE_SIZE) {
			unsigned long pfn = PHYS_PFN(nb->phys[i] + k);

			if (!pfn_valid(pfn) ||
			    is_zone_device_page(pfn_to_page(pfn)))
				return false;
		}
	}
	return true;
}

/* Check one buffer as user space gave it: 0 or -EINVAL. */
static int mcte_nvbuf_check(const struct mcte_seg_buf *ub)
{
	u64 end;

	if (!ub->len || ub->resv || ub->fd != -1)
		return -EINVAL;
	if (!IS_ALIGNED(ub->addr, MCTE_NV_P2P_ALIGN) ||
	    !IS_ALIGNED(ub->len, MCTE_NV_P2P_ALIGN))
		return -EINVAL;
	if (check_add_overflow(ub->addr, ub->len, &end))
		return -EINVAL;
	return 0;
}

/* The driver's errors as user space should see them. */
static int mcte_nvp2p_errno(int err)
{
	switch (err) {
	case -EINVAL:
		/* Our arguments were checked: no GPU memory there. */
		return -EFAULT;
	case -ENOMEM:
	case -EFAULT:
	case -EPERM:
	case -EACCES:
		return err;
	case -ENOTSUPP:
	case -EOPNOTSUPP:
		return -EOPNOTSUPP;
	default:
		return -EIO;
	}
}

/* Pin buffer @i as @ub describes, in the caller's context. */
static int mcte_nvbuf_pin(struct mcte_nvseg *ns, u32 i,
			  const struct mcte_seg_buf *ub)
{
	struct mcte_nvbuf *nb = &ns->nbufs[i];
	struct nvidia_p2p_page_table *pt;
	u32 e;
	int ret;

	nb->ns = ns;
	nb->va = ub->addr;
	ret = ns->api.get_pages(0, 0, ub->addr, ub->len, &pt,
				mcte_nvbuf_free_callback, nb);
	if (ret)
		return mcte_nvp2p_errno(ret);

	ret = -EOPNOTSUPP;
	if (!NVIDIA_P2P_PAGE_TABLE_VERSION_COMPATIBLE(pt)) {
		pr_info_ratelimited("GPU page table version %#x, built for %#x\n",
				    pt->version, NVIDIA_P2P_PAGE_TABLE_VERSION);
		goto out_put_pages;
	}
	if (pt->page_size >= NVIDIA_P2P_PAGE_SIZE_COUNT)
		goto out_put_pages;
	nb->psize = mcte_nvp2p_page_sizes[pt->page_size];
	ret = -EIO;
	if (nb->psize < PAGE_SIZE || !pt->pages ||
	    (u64)pt->entries * nb->psize != ub->len)
		goto out_put_pages;
	ret = -ENOMEM;
	nb->phys = kvmalloc_array(pt->entries, sizeof(*nb->phys),
				  GFP_KERNEL_ACCOUNT);
	if (!nb->phys)
		goto out_put_pages;
	for (e = 0; e < pt->entries; e++)
		nb->phys[e] = pt->pages[e]->physical_address;
	nb->entries = pt->entries;
	nb->pt = pt;
	nb->state = MCTE_NVBUF_LIVE;
	return 0;

out_put_pages:
	ns->api.put_pages(0, 0, ub->addr, pt);
	return ret;
}

/* A struct page per PAGE_SIZE of buffer @i, for CPU access. */
static int mcte_nvbuf_host_pages(struct mcte_nvseg *ns, u32 i)
{
	struct mcte_nvbuf *nb = &ns->nbufs[i];
	u64 len = ns->seg.bufs[i].len, off;

	nb->pages = kvmalloc_array(len >> PAGE_SHIFT, sizeof(*nb->pages),
				   GFP_KERNEL_ACCOUNT);
	if (!nb->pages)
		return -ENOMEM;
	for (off = 0; off < len; off += PAGE_SIZE)
		nb->pages[off >> PAGE_SHIFT] =
			pfn_to_page(PHYS_PFN(nb->phys[off / nb->psize] +
					     off % nb->psize));
	return 0;
}

/* Put the pages of every buffer still LIVE; their callbacks do nothing. */
static void mcte_nvseg_put_pages(struct mcte_nvseg *ns)
{
	u32 i;

	for (i = 0; i < ns->seg.nr_bufs; i++) {
		struct mcte_nvbuf *nb = &ns->nbufs[i];
		bool put;

		if (!nb->pt)
			continue;
		spin_lock(&ns->lock);
		put = nb->state == MCTE_NVBUF_LIVE;
		if (put)
			nb->state = MCTE_NVBUF_PUT;
		spin_unlock(&ns->lock);
		if (put)
			ns->api.put_pages(0, 0, nb->va, nb->pt);
	}
	/* A callback that found a buffer LIVE may still be on its way out. */
	wait_event(ns->cb_wait, mcte_nvseg_no_cbs(ns));
}

static void mcte_nvseg_free_bufs(struct mcte_nvseg *ns)
{
	u32 i;

	for (i = 0; i < ns->seg.nr_bufs; i++) {
		kvfree(ns->nbufs[i].pages);
		kvfree(ns->nbufs[i].phys);
	}
	kvfree(ns->nbufs);
}

static void mcte_nvseg_release_work(struct work_struct *work);

static struct mcte_seg *mcte_nvseg_create(struct mcte_engine *eng,
					  const struct mcte_seg_reg *r,
					  const struct mcte_seg_buf *ubufs)
{
	struct mm_struct *mm = current->mm;
	unsigned long pages = 0;
	struct mcte_nvseg *ns;
	bool host = true;
	u64 size = 0;
	int ret;
	u32 i;

	for (i = 0; i < r->nr_bufs; i++) {
		ret = mcte_nvbuf_check(&ubufs[i]);
		if (ret)
			return ERR_PTR(ret);
		/* Buffers each below 2^64 bytes, at most 1024 of them. */
		pages += ubufs[i].len >> PAGE_SHIFT;
	}

	ns = mcte_seg_new(struct mcte_nvseg, r->nr_bufs, &mcte_seg_nvp2p_ops);
	if (!ns)
		return ERR_PTR(-ENOMEM);
	/* A callback may come before registration ends: it needs the engine. */
	ns->seg.eng = eng;
	spin_lock_init(&ns->lock);
	init_waitqueue_head(&ns->cb_wait);
	mutex_init(&ns->map_lock);
	INIT_LIST_HEAD(&ns->devs);
	INIT_WORK(&ns->release_work, mcte_nvseg_release_work);
	ns->nbufs = kvcalloc(r->nr_bufs, sizeof(*ns->nbufs),
			     GFP_KERNEL_ACCOUNT);
	if (!ns->nbufs) {
		ret = -ENOMEM;
		goto out_free_seg;
	}

	ret = mcte_nvp2p_api_get(&ns->api);
	if (ret)
		goto out_free_bufs;

	ret = mcte_seg_charge(mm, pages);
	if (ret)
		goto out_put_api;
	ns->charged = pages;

	for (i = 0; i < r->nr_bufs; i++) {
		struct mcte_sbuf *b = &ns->seg.bufs[i];

		b->start = size;
		b->len = ubufs[i].len;
		size += b->len;
		ret = mcte_nvbuf_pin(ns, i, &ubufs[i]);
		if (ret)
			goto out_put_pages;
		host = host && mcte_nvbuf_host(&ns->nbufs[i]);
	}
	ns->seg.size = size;

	if (host) {
		for (i = 0; i < r->nr_bufs; i++) {
			ret = mcte_nvbuf_host_pages(ns, i);
			if (ret)
				goto out_put_pages;
		}
	} else {
		/* Before anyone sees it: a table without CPU access. */
		ns->seg.ops = &mcte_seg_nvp2p_bar_ops;
		pr_info_ratelimited("segment %s: GPU memory without struct pages (BAR): for NICs that DMA only; no local copies, no devices with virtual DMA\n",
				    r->name);
	}

	mmgrab(mm);
	ns->mm = mm;
	return &ns->seg;

out_put_pages:
	/* Buffers not pinned have no table: put skips them. */
	mcte_nvseg_put_pages(ns);
	mcte_seg_uncharge(mm, pages);
out_put_api:
	mcte_nvp2p_api_put(&ns->api);
out_free_bufs:
	mcte_nvseg_free_bufs(ns);
out_free_seg:
	mutex_destroy(&ns->map_lock);
	mcte_seg_free(&ns->seg);
	return ERR_PTR(ret);
}

static void mcte_nvseg_release_work(struct work_struct *work)
{
	struct mcte_nvseg *ns = container_of(work, struct mcte_nvseg,
					     release_work);
	struct mcte_nvdev *nd, *tmp;

	/*
	 * Entries a dead segment kept (see mcte_nvbuf_dev_unmap()); every
	 * table for a device was undone before the last reference went.
	 * Unmapped before the pages are put.
	 */
	mutex_lock(&ns->map_lock);
	list_for_each_entry_safe(nd, tmp, &ns->devs, node) {
		WARN_ON_ONCE(nd->users);
		list_del(&nd->node);
		mcte_nvdev_free(ns, nd);
	}
	mutex_unlock(&ns->map_lock);
	mcte_nvseg_put_pages(ns);
	mcte_seg_uncharge(ns->mm, ns->charged);
	mmdrop(ns->mm);
	mcte_nvp2p_api_put(&ns->api);
	mcte_nvseg_free_bufs(ns);
	mutex_destroy(&ns->map_lock);
	mcte_seg_free(&ns->seg);
}

/*
 * The last reference may be a free callback's, in the driver's thread
 * with its locks held: nvidia_p2p_put_pages() must not be called there.
 * mcte_wq is flushed at module unload, after every segment is released.
 */
static void mcte_nvseg_release(struct mcte_seg *seg)
{
	queue_work(mcte_wq, &to_nvseg(seg)->release_work);
}

static struct page *mcte_nvseg_page(const struct mcte_seg *seg, u32 buf,
				    u64 off, size_t *pgoff, size_t *len)
{
	return mcte_hbuf_page(to_nvseg(seg)->nbufs[buf].pages,
			      &seg->bufs[buf], off, pgoff, len);
}

static void *mcte_nvseg_cpu_map(const struct mcte_seg *seg, u32 buf,
				u64 off, size_t *len)
{
	struct page *page;
	size_t pgoff;

	page = mcte_nvseg_page(seg, buf, off, &pgoff, len);
	return kmap_local_page(page) + pgoff;
}

static void mcte_nvseg_cpu_unmap(const struct mcte_seg *seg, void *addr)
{
	kunmap_local(addr);
}

/* Detach what @nd holds and free it; it is off the list, under map_lock. */
static void mcte_nvdev_free(struct mcte_nvseg *ns, struct mcte_nvdev *nd)
{
	struct pci_dev *pdev = to_pci_dev(nd->dev);
	u32 i;

	for (i = 0; i < ns->seg.nr_bufs; i++) {
		if (!nd->maps[i])
			continue;
		/* A mapping of a table taken back is freed, never unmapped. */
		if (READ_ONCE(ns->nbufs[i].state) == MCTE_NVBUF_REVOKED)
			ns->api.free_dma_mapping(nd->maps[i]);
		else
			ns->api.dma_unmap_pages(pdev, ns->nbufs[i].pt,
						nd->maps[i]);
	}
	kfree(nd);
}

/*
 * The DMA addresses of bytes [@off, @off + @len) of buffer @i in @map,
 * in @sgt, one entry per page of DMA space and no pages.
 */
static int mcte_nvbuf_dev_table(const struct mcte_nvbuf *nb,
				const struct nvidia_p2p_dma_mapping *map,
				u64 off, u64 len, struct sg_table *sgt)
{
	struct scatterlist *sg;
	unsigned int n;
	u64 at;
	int ret;

	n = DIV_ROUND_UP(offset_in_page(off) + len, PAGE_SIZE);
	ret = sg_alloc_table(sgt, n, GFP_KERNEL);
	if (ret)
		return ret;
	sg = sgt->sgl;
	for (at = off; at < off + len; sg = sg_next(sg)) {
		u64 chunk = min_t(u64, off + len - at,
				  PAGE_SIZE - offset_in_page(at));

		sg_dma_address(sg) = map->dma_addresses[at / nb->psize] +
				     at % nb->psize;
		sg_dma_len(sg) = chunk;
		sg->length = chunk;
		at += chunk;
	}
	sgt->nents = n;
	return 0;
}

/* Map buffer @i for @dev (a PCI device) once, and a table of a range. */
static int mcte_nvbuf_dev_map(struct mcte_nvseg *ns, u32 i, u64 off, u64 len,
			      struct device *dev, struct sg_table *sgt)
{
	struct mcte_nvbuf *nb = &ns->nbufs[i];
	struct nvidia_p2p_dma_mapping *map;
	struct mcte_nvdev *nd;
	bool found = false;
	int ret;

	if (!dev_is_pci(dev)) {
		pr_info_ratelimited("%s: not a PCI device; GPU memory is mapped for PCI peers only\n",
				    dev_name(dev));
		return -EOPNOTSUPP;
	}
	mutex_lock(&ns->map_lock);
	/* A table taken back is mapped for nobody any more. */
	ret = -ENODEV;
	if (READ_ONCE(nb->state) != MCTE_NVBUF_LIVE)
		goto out_unlock;
	list_for_each_entry(nd, &ns->devs, node) {
		if (nd->dev == dev) {
			found = true;
			break;
		}
	}
	if (!found) {
		ret = -ENOMEM;
		nd = kzalloc(struct_size(nd, maps, ns->seg.nr_bufs),
			     GFP_KERNEL);
		if (!nd)
			goto out_unlock;
		nd->dev = dev;
		list_add(&nd->node, &ns->devs);
	}
	if (!nd->maps[i]) {
		ret = ns->api.dma_map_pages(to_pci_dev(dev), nb->pt, &map);
		if (ret) {
			ret = mcte_nvp2p_errno(ret);
			goto out_drop;
		}
		if (!NVIDIA_P2P_DMA_MAPPING_VERSION_COMPATIBLE(map) ||
		    map->entries != nb->entries) {
			pr_info_ratelimited("GPU DMA mapping version %#x, built for %#x\n",
					    map->version,
					    NVIDIA_P2P_DMA_MAPPING_VERSION);
			ns->api.dma_unmap_pages(to_pci_dev(dev), nb->pt, map);
			ret = -EOPNOTSUPP;
			goto out_drop;
		}
		nd->maps[i] = map;
	}
	ret = mcte_nvbuf_dev_table(nb, nd->maps[i], off, len, sgt);
	if (ret)
		goto out_drop;
	nd->users++;
	mutex_unlock(&ns->map_lock);
	return 0;

out_drop:
	/* An entry nothing uses holds nothing. */
	if (!nd->users) {
		list_del(&nd->node);
		mcte_nvdev_free(ns, nd);
	}
out_unlock:
	mutex_unlock(&ns->map_lock);
	return ret;
}

/*
 * Undo mcte_nvbuf_dev_map(). A dead segment keeps an entry nothing uses
 * for its release: this may run in a free callback's thread (the exports
 * of a segment taken back go there), where the driver's mappings of the
 * other buffers are better not unmapped.
 */
static void mcte_nvbuf_dev_unmap(struct mcte_nvseg *ns, struct device *dev,
				 struct sg_table *sgt)
{
	struct mcte_nvdev *nd;

	sg_free_table(sgt);
	mutex_lock(&ns->map_lock);
	list_for_each_entry(nd, &ns->devs, node) {
		if (nd->dev != dev)
			continue;
		if (!--nd->users && !mcte_seg_dead(&ns->seg)) {
			list_del(&nd->node);
			mcte_nvdev_free(ns, nd);
		}
		break;
	}
	mutex_unlock(&ns->map_lock);
}

static int mcte_nvseg_dma_map(struct mcte_seg *seg, u32 buf, u64 off,
			      u64 len, struct device *dev,
			      struct sg_table *sgt)
{
	struct mcte_nvseg *ns = to_nvseg(seg);
	const struct mcte_sbuf *b = &seg->bufs[buf];

	if (off > b->len || len > b->len - off || !len)
		return -EINVAL;
	if (dev)
		return mcte_nvbuf_dev_map(ns, buf, off, len, dev, sgt);
	if (!ns->nbufs[buf].pages) {
		pr_info_ratelimited("segment %s: GPU memory without struct pages cannot be reached by a device with virtual DMA (soft-RoCE)\n",
				    seg->name);
		return -EOPNOTSUPP;
	}
	return mcte_hbuf_dma_map(ns->nbufs[buf].pages, b, off, len, NULL, sgt);
}

static void mcte_nvseg_dma_unmap(struct mcte_seg *seg, struct device *dev,
				 struct sg_table *sgt)
{
	if (dev)
		mcte_nvbuf_dev_unmap(to_nvseg(seg), dev, sgt);
	else
		mcte_hbuf_dma_unmap(NULL, sgt);
}

/* GPU memory the CPU maps (host pages): copied as host memory too. */
const struct mcte_seg_ops mcte_seg_nvp2p_ops = {
	.name		= "nv_p2p",
	.kind		= MCTE_SEG_NV_P2P,
	.features	= MCTE_FEAT_SEG_NV_P2P,
	.available	= mcte_nvp2p_api_present,
	.create		= mcte_nvseg_create,
	.release	= mcte_nvseg_release,
	.page		= mcte_nvseg_page,
	.cpu_map	= mcte_nvseg_cpu_map,
	.cpu_unmap	= mcte_nvseg_cpu_unmap,
	.dma_map	= mcte_nvseg_dma_map,
	.dma_unmap	= mcte_nvseg_dma_unmap,
};

/* GPU memory of BAR pages: for devices that DMA only. */
static const struct mcte_seg_ops mcte_seg_nvp2p_bar_ops = {
	.name		= "nv_p2p",
	.kind		= MCTE_SEG_NV_P2P,
	.features	= MCTE_FEAT_SEG_NV_P2P,
	.available	= mcte_nvp2p_api_present,
	.release	= mcte_nvseg_release,
	.dma_map	= mcte_nvseg_dma_map,
	.dma_unmap	= mcte_nvseg_dma_unmap,
};
