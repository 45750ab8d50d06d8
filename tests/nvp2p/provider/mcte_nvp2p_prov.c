// SPDX-License-Identifier: GPL-2.0
/*
 * mcte_nvp2p_prov - a test provider of NVIDIA's peer-memory API, for the
 * MCTE_SEG_NV_P2P segment kind in guests without a GPU.
 *
 * It exports nvidia_p2p_get_pages() and the rest under NVIDIA's names and
 * with the signatures of nv-p2p.h (included, so the compiler checks them):
 * those names are the ABI being imitated, the only names here without the
 * mcte_ prefix. The memory is host memory, in "GPU pages" of 64 KiB each
 * (order-4 allocations), at fake GPU virtual addresses of one address
 * space this module owns; a CUDA address is no user mapping, and neither
 * is this one.
 *
 * debugfs mcte_nvp2p_prov/:
 *   alloc   write "LEN" (a multiple of 64 KiB; "LEN bar" for memory whose
 *	     page table gives addresses without struct pages, as a GPU's BAR
 *	     does), then read back "VA" on the same open file
 *   mem     pread/pwrite at file offset VA: the bytes of the memory
 *   free    write "VA": cudaFree, the free callback of every page table
 *	     over that allocation first, then the memory goes
 *   revoke  write anything: the free callback of every page table handed
 *	     out, as the driver does when the owning process exits; the
 *	     memory stays, to be checked, until freed
 *   stats   "tables N mappings N callbacks N bad_calls N": live page
 *	     tables and DMA mappings, callbacks made, and calls the API
 *	     forbids (put_pages or dma_unmap_pages of a table being taken
 *	     back, free_page_table of a live one, a callback that did not
 *	     free its table)
 *
 * As the driver does, a callback is made with mcte_prov_lock held, and
 * nvidia_p2p_put_pages() takes it: put_pages waits for a callback of its
 * table in progress, and no callback comes once it returned. DMA mapping
 * does not wait for callbacks.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/debugfs.h>
#include <linux/dma-mapping.h>
#include <linux/gfp.h>
#include <linux/kernel.h>
#include <linux/list.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/pci.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/uaccess.h>

#include <nv-p2p.h>

#define MCTE_PROV_PAGE		SZ_64K
#define MCTE_PROV_ORDER		get_order(MCTE_PROV_PAGE)
#define MCTE_PROV_VA_BASE	(64ULL << 30)
#define MCTE_PROV_MAX		SZ_1G	/* bytes of one allocation */

/**
 * struct mcte_prov_region - one allocation of fake GPU memory
 * @node: in mcte_prov_regions
 * @va: its fake GPU virtual address
 * @len: bytes
 * @bar: page tables give addresses without struct pages
 * @chunks: its GPU pages, @len / MCTE_PROV_PAGE of them
 */
struct mcte_prov_region {
	struct list_head node;
	u64 va;
	u64 len;
	bool bar;
	struct page **chunks;
};

/**
 * struct mcte_prov_table - a page table handed out
 * @node: in mcte_prov_tables
 * @pt: what the consumer holds
 * @va: the range it covers
 * @len: bytes of it
 * @region: the allocation
 * @cb: the consumer's free callback
 * @data: its argument
 * @revoking: its callback is being made
 * @freed: the consumer called nvidia_p2p_free_page_table() on it
 * @maps: struct mcte_prov_map of it
 */
struct mcte_prov_table {
	struct list_head node;
	struct nvidia_p2p_page_table pt;
	u64 va;
	u64 len;
	struct mcte_prov_region *region;
	void (*cb)(void *data);
	void *data;
	bool revoking;
	bool freed;
	struct list_head maps;
};

/**
 * struct mcte_prov_map - a DMA mapping handed out
 * @node: in &mcte_prov_table.maps
 * @map: what the consumer holds
 * @t: its table
 */
struct mcte_prov_map {
	struct list_head node;
	struct nvidia_p2p_dma_mapping map;
	struct mcte_prov_table *t;
};

static DEFINE_MUTEX(mcte_prov_lock);	/* regions, tables, callbacks */
/*
 * DMA mappings of a table: a consumer may map while a callback of another
 * table is being made, holding its own locks that the callback needs.
 */
static DEFINE_SPINLOCK(mcte_prov_map_lock);
static LIST_HEAD(mcte_prov_regions);
static LIST_HEAD(mcte_prov_tables);
static u64 mcte_prov_next_va = MCTE_PROV_VA_BASE;
static atomic_t mcte_prov_nr_tables = ATOMIC_INIT(0);
static atomic_t mcte_prov_nr_maps = ATOMIC_INIT(0);
static atomic_t mcte_prov_callbacks = ATOMIC_INIT(0);
static atomic_t mcte_prov_bad = ATOMIC_INIT(0);
static struct dentry *mcte_prov_dir;
static const u8 mcte_prov_uuid[NVIDIA_P2P_GPU_UUID_LEN] = "mcte-test-gpu-0";

static void mcte_prov_bad_call(const char *what)
{
	atomic_inc(&mcte_prov_bad);
	pr_warn_ratelimited("forbidden call: %s\n", what);
}

/* Under mcte_prov_lock. */
static struct mcte_prov_region *mcte_prov_region_of(u64 va, u64 len)
{
	struct mcte_prov_region *r;

	list_for_each_entry(r, &mcte_prov_regions, node) {
		if (va >= r->va && len <= r->len && va - r->va <= r->len - len)
			return r;
	}
	return NULL;
}

/* The physical address a page table gives for GPU page @i of @r. */
static u64 mcte_prov_phys(const struct mcte_prov_region *r, u64 i)
{
	/* Beyond every memory block of this machine: no struct page. */
	if (r->bar)
		return (1ULL << (MAX_PHYSMEM_BITS - 1)) + r->va - MCTE_PROV_VA_BASE +
		       i * MCTE_PROV_PAGE;
	return page_to_phys(r->chunks[i]);
}

static void mcte_prov_table_free(struct mcte_prov_table *t)
{
	struct mcte_prov_map *m, *tmp;
	u32 i;

	list_for_each_entry_safe(m, tmp, &t->maps, node) {
		list_del(&m->node);
		kfree(m->map.dma_addresses);
		kfree(m);
		atomic_dec(&mcte_prov_nr_maps);
	}
	for (i = 0; i < t->pt.entries; i++)
		kfree(t->pt.pages[i]);
	kfree(t->pt.pages);
	kfree(t);
	atomic_dec(&mcte_prov_nr_tables);
}

/* Under mcte_prov_lock: take @t back from its consumer. */
static void mcte_prov_revoke_table(struct mcte_prov_table *t)
{
	list_del(&t->node);
	t->revoking = true;
	atomic_inc(&mcte_prov_callbacks);
	t->cb(t->data);
	if (!t->freed)
		mcte_prov_bad_call("a free callback that did not free its page table");
	mcte_prov_table_free(t);
}

int nvidia_p2p_get_pages(u64 p2p_token, u32 va_space,
			 u64 virtual_address, u64 length,
			 struct nvidia_p2p_page_table **page_table,
			 void (*free_callback)(void *data), void *data)
{
	struct mcte_prov_region *r;
	struct mcte_prov_table *t;
	u64 i, n;
	int ret;

	if (p2p_token || va_space || !page_table || !free_callback || !data)
		return -EINVAL;
	if (!length || !IS_ALIGNED(virtual_address, MCTE_PROV_PAGE) ||
	    !IS_ALIGNED(length, MCTE_PROV_PAGE))
		return -EINVAL;
	n = length / MCTE_PROV_PAGE;

	t = kzalloc(sizeof(*t), GFP_KERNEL);
	if (!t)
		return -ENOMEM;
	INIT_LIST_HEAD(&t->maps);
	t->pt.pages = kcalloc(n, sizeof(*t->pt.pages), GFP_KERNEL);
	if (!t->pt.pages) {
		kfree(t);
		return -ENOMEM;
	}
	atomic_inc(&mcte_prov_nr_tables);

	mutex_lock(&mcte_prov_lock);
	r = mcte_prov_region_of(virtual_address, length);
	ret = -EINVAL;
	if (!r)
		goto out_unlock;
	t->pt.version = NVIDIA_P2P_PAGE_TABLE_VERSION;
	t->pt.page_size = NVIDIA_P2P_PAGE_SIZE_64KB;
	t->pt.gpu_uuid = (u8 *)mcte_prov_uuid;
	for (i = 0; i < n; i++) {
		ret = -ENOMEM;
		t->pt.pages[i] = kzalloc(sizeof(*t->pt.pages[i]), GFP_KERNEL);
		if (!t->pt.pages[i])
			goto out_unlock;
		t->pt.entries = i + 1;
		t->pt.pages[i]->physical_address =
			mcte_prov_phys(r, (virtual_address - r->va) /
					  MCTE_PROV_PAGE + i);
	}
	t->va = virtual_address;
	t->len = length;
	t->region = r;
	t->cb = free_callback;
	t->data = data;
	list_add_tail(&t->node, &mcte_prov_tables);
	mutex_unlock(&mcte_prov_lock);
	*page_table = &t->pt;
	return 0;

out_unlock:
	mutex_unlock(&mcte_prov_lock);
	mcte_prov_table_free(t);
	return ret;
}
EXPORT_SYMBOL_GPL(nvidia_p2p_get_pages);

int nvidia_p2p_put_pages(u64 p2p_token, u32 va_space,
			 u64 virtual_address,
			 struct nvidia_p2p_page_table *page_table)
{
	struct mcte_prov_table *t, *found = NULL;

	mutex_lock(&mcte_prov_lock);
	list_for_each_entry(t, &mcte_prov_tables, node) {
		if (&t->pt == page_table) {
			found = t;
			break;
		}
	}
	if (found && (p2p_token || va_space ||
		      found->va != virtual_address))
		found = NULL;
	if (found)
		list_del(&found->node);
	mutex_unlock(&mcte_prov_lock);
	/* Taken back already: its callback ran, and freed it. */
	if (!found)
		return -EINVAL;
	if (!list_empty(&found->maps))
		mcte_prov_bad_call("put_pages of a table still DMA-mapped");
	mcte_prov_table_free(found);
	return 0;
}
EXPORT_SYMBOL_GPL(nvidia_p2p_put_pages);

int nvidia_p2p_free_page_table(struct nvidia_p2p_page_table *page_table)
{
	struct mcte_prov_table *t = container_of(page_table,
						 struct mcte_prov_table, pt);

	/* Only from the free callback, under mcte_prov_lock. */
	if (!page_table || !t->revoking) {
		mcte_prov_bad_call("free_page_table of a live page table");
		return -EINVAL;
	}
	t->freed = true;
	return 0;
}
EXPORT_SYMBOL_GPL(nvidia_p2p_free_page_table);

int nvidia_p2p_dma_map_pages(struct pci_dev *peer,
			     struct nvidia_p2p_page_table *page_table,
			     struct nvidia_p2p_dma_mapping **dma_mapping)
{
	struct mcte_prov_table *t = container_of(page_table,
						 struct mcte_prov_table, pt);
	struct mcte_prov_map *m;
	u32 i;

	if (!peer || !page_table || !dma_mapping)
		return -EINVAL;
	if (t->region->bar)
		return -ENOTSUPP;
	m = kzalloc(sizeof(*m), GFP_KERNEL);
	if (!m)
		return -ENOMEM;
	m->map.dma_addresses = kcalloc(page_table->entries,
				       sizeof(*m->map.dma_addresses),
				       GFP_KERNEL);
	if (!m->map.dma_addresses) {
		kfree(m);
		return -ENOMEM;
	}
	for (i = 0; i < page_table->entries; i++) {
		dma_addr_t a;

		struct page *pg;

		pg = pfn_to_page(PHYS_PFN(page_table->pages[i]->physical_address));
		a = dma_map_page(&peer->dev, pg, 0, MCTE_PROV_PAGE,
				 DMA_BIDIRECTIONAL);
		if (dma_mapping_error(&peer->dev, a)) {
			while (i--)
				dma_unmap_page(&peer->dev,
					       m->map.dma_addresses[i],
					       MCTE_PROV_PAGE,
					       DMA_BIDIRECTIONAL);
			kfree(m->map.dma_addresses);
			kfree(m);
			return -EIO;
		}
		m->map.dma_addresses[i] = a;
	}
	m->map.version = NVIDIA_P2P_DMA_MAPPING_VERSION;
	m->map.page_size_type = NVIDIA_P2P_PAGE_SIZE_64KB;
	m->map.entries = page_table->entries;
	m->map.pci_dev = peer;
	m->t = t;
	spin_lock(&mcte_prov_map_lock);
	list_add_tail(&m->node, &t->maps);
	spin_unlock(&mcte_prov_map_lock);
	atomic_inc(&mcte_prov_nr_maps);
	*dma_mapping = &m->map;
	return 0;
}
EXPORT_SYMBOL_GPL(nvidia_p2p_dma_map_pages);

int nvidia_p2p_dma_unmap_pages(struct pci_dev *peer,
			       struct nvidia_p2p_page_table *page_table,
			       struct nvidia_p2p_dma_mapping *dma_mapping)
{
	struct mcte_prov_map *m = container_of(dma_mapping,
					       struct mcte_prov_map, map);
	u32 i;

	if (!peer || !page_table || !dma_mapping || m->t->revoking) {
		mcte_prov_bad_call("dma_unmap_pages of a table being taken back");
		return -EINVAL;
	}
	for (i = 0; i < dma_mapping->entries; i++)
		dma_unmap_page(&peer->dev, dma_mapping->dma_addresses[i],
			       MCTE_PROV_PAGE, DMA_BIDIRECTIONAL);
	spin_lock(&mcte_prov_map_lock);
	list_del(&m->node);
	spin_unlock(&mcte_prov_map_lock);
	kfree(dma_mapping->dma_addresses);
	kfree(m);
	atomic_dec(&mcte_prov_nr_maps);
	return 0;
}
EXPORT_SYMBOL_GPL(nvidia_p2p_dma_unmap_pages);

int nvidia_p2p_free_dma_mapping(struct nvidia_p2p_dma_mapping *dma_mapping)
{
	struct mcte_prov_map *m = container_of(dma_mapping,
					       struct mcte_prov_map, map);

	/* Only from the free callback: the table goes, with its mappings. */
	if (!dma_mapping || !m->t->revoking) {
		mcte_prov_bad_call("free_dma_mapping of a live mapping");
		return -EINVAL;
	}
	return 0;
}
EXPORT_SYMBOL_GPL(nvidia_p2p_free_dma_mapping);

/* --- debugfs ------------------------------------------------------------ */

static void mcte_prov_region_free(struct mcte_prov_region *r)
{
	u64 i;

	for (i = 0; i < r->len / MCTE_PROV_PAGE; i++) {
		if (r->chunks[i])
			__free_pages(r->chunks[i], MCTE_PROV_ORDER);
	}
	kvfree(r->chunks);
	kfree(r);
}

static ssize_t mcte_prov_alloc_write(struct file *file, const char __user *ubuf,
				     size_t count, loff_t *ppos)
{
	struct mcte_prov_region *r;
	char buf[48] = {};
	char mode[8] = {};
	u64 len, i, n;

	if (count >= sizeof(buf) || copy_from_user(buf, ubuf, count))
		return -EINVAL;
	if (sscanf(buf, "%llu %7s", &len, mode) < 1)
		return -EINVAL;
	if (!len || len > MCTE_PROV_MAX || !IS_ALIGNED(len, MCTE_PROV_PAGE))
		return -EINVAL;
	if (mode[0] && strcmp(mode, "bar"))
		return -EINVAL;
	r = kzalloc(sizeof(*r), GFP_KERNEL);
	if (!r)
		return -ENOMEM;
	n = len / MCTE_PROV_PAGE;
	r->chunks = kvcalloc(n, sizeof(*r->chunks), GFP_KERNEL);
	if (!r->chunks) {
		kfree(r);
		return -ENOMEM;
	}
	r->len = len;
	r->bar = mode[0];
	for (i = 0; i < n; i++) {
		r->chunks[i] = alloc_pages(GFP_KERNEL | __GFP_ZERO,
					   MCTE_PROV_ORDER);
		if (!r->chunks[i]) {
			mcte_prov_region_free(r);
			return -ENOMEM;
		}
	}
	mutex_lock(&mcte_prov_lock);
	r->va = mcte_prov_next_va;
	/* A hole after each: adjacent allocations are not one range. */
	mcte_prov_next_va += len + MCTE_PROV_PAGE;
	list_add_tail(&r->node, &mcte_prov_regions);
	mutex_unlock(&mcte_prov_lock);
	file->private_data = (void *)(uintptr_t)r->va;
	return count;
}

static ssize_t mcte_prov_alloc_read(struct file *file, char __user *ubuf,
				    size_t count, loff_t *ppos)
{
	char buf[32];
	int n;

	n = scnprintf(buf, sizeof(buf), "%#llx\n",
		      (u64)(uintptr_t)file->private_data);
	return simple_read_from_buffer(ubuf, count, ppos, buf, n);
}

static const struct file_operations mcte_prov_alloc_fops = {
	.owner	= THIS_MODULE,
	.open	= simple_open,
	.read	= mcte_prov_alloc_read,
	.write	= mcte_prov_alloc_write,
	.llseek	= default_llseek,
};

/* Copy between user memory and the fake GPU memory at *@ppos. */
static ssize_t mcte_prov_mem_rw(char __user *ubuf, size_t count,
				loff_t *ppos, bool write)
{
	struct mcte_prov_region *r;
	u64 va = *ppos, done = 0;
	ssize_t ret = 0;

	if (*ppos < 0)
		return -EINVAL;
	mutex_lock(&mcte_prov_lock);
	r = mcte_prov_region_of(va, count);
	if (!r) {
		ret = -EFAULT;
		goto out_unlock;
	}
	while (done < count) {
		u64 off = va + done - r->va;
		u64 in = off % MCTE_PROV_PAGE;
		size_t n = min_t(u64, count - done, MCTE_PROV_PAGE - in);
		void *p = page_address(r->chunks[off / MCTE_PROV_PAGE]) + in;
		unsigned long left;

		if (write)
			left = copy_from_user(p, ubuf + done, n);
		else
			left = copy_to_user(ubuf + done, p, n);
		if (left) {
			ret = -EFAULT;
			goto out_unlock;
		}
		done += n;
	}
	*ppos += done;
	ret = done;
out_unlock:
	mutex_unlock(&mcte_prov_lock);
	return ret;
}

static ssize_t mcte_prov_mem_read(struct file *file, char __user *ubuf,
				  size_t count, loff_t *ppos)
{
	return mcte_prov_mem_rw(ubuf, count, ppos, false);
}

static ssize_t mcte_prov_mem_write(struct file *file, const char __user *ubuf,
				   size_t count, loff_t *ppos)
{
	return mcte_prov_mem_rw((char __user *)ubuf, count, ppos, true);
}

static const struct file_operations mcte_prov_mem_fops = {
	.owner	= THIS_MODULE,
	.open	= simple_open,
	.read	= mcte_prov_mem_read,
	.write	= mcte_prov_mem_write,
	.llseek	= default_llseek,
};

static ssize_t mcte_prov_free_write(struct file *file, const char __user *ubuf,
				    size_t count, loff_t *ppos)
{
	struct mcte_prov_table *t, *tmp;
	struct mcte_prov_region *r;
	char buf[32] = {};
	u64 va;

	if (count >= sizeof(buf) || copy_from_user(buf, ubuf, count))
		return -EINVAL;
	if (kstrtou64(strim(buf), 0, &va))
		return -EINVAL;
	mutex_lock(&mcte_prov_lock);
	r = mcte_prov_region_of(va, 1);
	if (!r || r->va != va) {
		mutex_unlock(&mcte_prov_lock);
		return -EINVAL;
	}
	list_for_each_entry_safe(t, tmp, &mcte_prov_tables, node) {
		if (t->region == r)
			mcte_prov_revoke_table(t);
	}
	list_del(&r->node);
	mutex_unlock(&mcte_prov_lock);
	mcte_prov_region_free(r);
	return count;
}

static const struct file_operations mcte_prov_free_fops = {
	.owner	= THIS_MODULE,
	.open	= simple_open,
	.write	= mcte_prov_free_write,
	.llseek	= default_llseek,
};

static ssize_t mcte_prov_revoke_write(struct file *file,
				      const char __user *ubuf, size_t count,
				      loff_t *ppos)
{
	struct mcte_prov_table *t, *tmp;

	mutex_lock(&mcte_prov_lock);
	list_for_each_entry_safe(t, tmp, &mcte_prov_tables, node)
		mcte_prov_revoke_table(t);
	mutex_unlock(&mcte_prov_lock);
	return count;
}

static const struct file_operations mcte_prov_revoke_fops = {
	.owner	= THIS_MODULE,
	.open	= simple_open,
	.write	= mcte_prov_revoke_write,
	.llseek	= default_llseek,
};

static int mcte_prov_stats_show(struct seq_file *m, void *v)
{
	seq_printf(m, "tables %d mappings %d callbacks %d bad_calls %d\n",
		   atomic_read(&mcte_prov_nr_tables),
		   atomic_read(&mcte_prov_nr_maps),
		   atomic_read(&mcte_prov_callbacks),
		   atomic_read(&mcte_prov_bad));
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(mcte_prov_stats);

static int __init mcte_prov_init(void)
{
	mcte_prov_dir = debugfs_create_dir(KBUILD_MODNAME, NULL);
	if (IS_ERR(mcte_prov_dir))
		return PTR_ERR(mcte_prov_dir);
	debugfs_create_file("alloc", 0600, mcte_prov_dir, NULL,
			    &mcte_prov_alloc_fops);
	debugfs_create_file("mem", 0600, mcte_prov_dir, NULL,
			    &mcte_prov_mem_fops);
	debugfs_create_file("free", 0200, mcte_prov_dir, NULL,
			    &mcte_prov_free_fops);
	debugfs_create_file("revoke", 0200, mcte_prov_dir, NULL,
			    &mcte_prov_revoke_fops);
	debugfs_create_file("stats", 0400, mcte_prov_dir, NULL,
			    &mcte_prov_stats_fops);
	return 0;
}

/* No consumer holds a table: each holds this module through its symbols. */
static void __exit mcte_prov_exit(void)
{
	struct mcte_prov_region *r, *tmp;

	debugfs_remove(mcte_prov_dir);
	WARN_ON(!list_empty(&mcte_prov_tables));
	list_for_each_entry_safe(r, tmp, &mcte_prov_regions, node) {
		list_del(&r->node);
		mcte_prov_region_free(r);
	}
}

module_init(mcte_prov_init);
module_exit(mcte_prov_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Test provider of the nvidia_p2p_* API for mcte, backed by host pages");
MODULE_AUTHOR("mcte developers");
