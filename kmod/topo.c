// SPDX-License-Identifier: GPL-2.0
/*
 * mcte - the priority matrix of an engine: for each memory location (the
 * memory of NUMA node N, "cpu:N", or of the Nth NVIDIA GPU in PCI address
 * order, "cuda:N"), which RDMA devices carry its slices.
 *
 * A location's entry is automatic until topo-set gives it one:
 *  - automatic, cpu:N: a device on node N, or on no known node (soft-RoCE,
 *    or a machine without NUMA), is preferred; any other is a fallback;
 *  - automatic, cuda:N: the devices nearest the GPU by PCIe distance
 *    (topo_pci.c: same switch, same root port, same NUMA node, other) are
 *    preferred, the others fallbacks; a GPU that is not there has none;
 *  - set: the devices it names, by name, preferred or fallback; any other
 *    device is not used for the location (MCTE_TOPO_NONE). A device
 *    renamed after topo-set is no longer the one the entry names.
 *
 * Entries set by topo-set are read under RCU by mcte_topo_class(), which
 * the data path calls: no lock, no allocation. They are replaced whole,
 * under the matrix's mutex, and the old one is freed after a grace period.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/ctype.h>
#include <linux/kernel.h>
#include <linux/mutex.h>
#include <linux/nodemask.h>
#include <linux/numa.h>
#include <linux/overflow.h>
#include <linux/pci.h>
#include <linux/rcupdate.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <rdma/ib_verbs.h>

#include "compat.h"
#include "mcte.h"
#include "rdma.h"
#include "topo_pci.h"
#include "transport.h"

/**
 * struct mcte_topo - the priority matrix of an engine
 * @lock: serializes replacing entries of @locs, and copying them
 * @nr_locs: entries of @locs, mcte_topo_nr_locations()
 * @locs: per location (NUMA nodes, then GPUs), the entry set by topo-set,
 *	  NULL while automatic
 */
struct mcte_topo {
	struct mutex lock;	/* writers of locs */
	u32 nr_locs;
	struct mcte_topo_entry __rcu *locs[] __counted_by(nr_locs);
};

/**
 * mcte_topo_engine_init() - give an engine an empty priority matrix
 * @eng: the engine, being set up
 *
 * Every location starts automatic.
 *
 * Return: 0 or -ENOMEM.
 */
int mcte_topo_engine_init(struct mcte_engine *eng)
{
	struct mcte_topo *topo;

	topo = kzalloc(struct_size(topo, locs, mcte_topo_nr_locations()),
		       GFP_KERNEL);
	if (!topo)
		return -ENOMEM;
	mutex_init(&topo->lock);
	topo->nr_locs = mcte_topo_nr_locations();
	eng->topo = topo;
	return 0;
}

/**
 * mcte_topo_engine_exit() - free an engine's priority matrix
 * @eng: the engine, going away
 *
 * The transport of the engine must be stopped: nobody calls
 * mcte_topo_class() on it any more.
 */
void mcte_topo_engine_exit(struct mcte_engine *eng)
{
	struct mcte_topo *topo = eng->topo;
	u32 i;

	if (!topo)
		return;
	for (i = 0; i < topo->nr_locs; i++)
		kfree(rcu_dereference_protected(topo->locs[i], true));
	mutex_destroy(&topo->lock);
	kfree(topo);
	eng->topo = NULL;
}

/* The class of a device on node @dnode for the memory of node @nid. */
static enum mcte_topo_class mcte_topo_auto_class(int nid, int dnode)
{
	if (dnode == NUMA_NO_NODE || dnode == nid)
		return MCTE_TOPO_PREFERRED;
	return MCTE_TOPO_FALLBACK;
}

/**
 * mcte_topo_class() - how a device ranks for memory of a NUMA node
 * @eng: the engine
 * @nid: NUMA node of the memory; NUMA_NO_NODE (or a node that is not
 *	 possible) stands for node 0
 * @ibdev: the RDMA device
 *
 * Any context; no lock taken, nothing allocated. A device that an entry
 * set by topo-set does not name is MCTE_TOPO_NONE for that location; the
 * transport should not use it there.
 *
 * Return: MCTE_TOPO_PREFERRED, MCTE_TOPO_FALLBACK or MCTE_TOPO_NONE.
 */
enum mcte_topo_class mcte_topo_class(struct mcte_engine *eng, int nid,
				     struct ib_device *ibdev)
{
	struct mcte_topo *topo = eng->topo;
	const struct mcte_topo_entry *ent;
	enum mcte_topo_class class;
	u32 i;

	if (nid < 0 || nid >= nr_node_ids)
		nid = 0;

	rcu_read_lock();
	ent = rcu_dereference(topo->locs[nid]);
	if (!ent) {
		rcu_read_unlock();
		return mcte_topo_auto_class(nid, ibdev_to_node(ibdev));
	}

	/* ibdev->name, not dev_name(): a rename rewrites it in place. */
	class = MCTE_TOPO_NONE;
	for (i = 0; i < ent->nr; i++) {
		if (!strncmp(ent->nics[i].name, ibdev->name,
			     IB_DEVICE_NAME_MAX)) {
			class = ent->nics[i].class;
			break;
		}
	}
	rcu_read_unlock();
	return class;
}

/**
 * mcte_topo_usable() - whether a device may carry memory of a NUMA node
 * @eng: the engine
 * @nid: NUMA node of the memory, as for mcte_topo_class()
 * @name: the device's name
 *
 * Any context; no lock taken. An automatic entry uses every device; one
 * set by topo-set only those it names.
 *
 * Return: true when the device is preferred or a fallback for @nid.
 */
bool mcte_topo_usable(struct mcte_engine *eng, int nid, const char *name)
{
	struct mcte_topo *topo = eng->topo;
	const struct mcte_topo_entry *ent;
	bool usable;
	u32 i;

	if (nid < 0 || nid >= nr_node_ids)
		nid = 0;

	rcu_read_lock();
	ent = rcu_dereference(topo->locs[nid]);
	usable = !ent;
	for (i = 0; ent && i < ent->nr && !usable; i++)
		usable = !strncmp(ent->nics[i].name, name, IB_DEVICE_NAME_MAX);
	rcu_read_unlock();
	return usable;
}

/**
 * mcte_topo_nr_locations() - how many locations a matrix has
 *
 * Return: nr_node_ids for cpu:N, and MCTE_TOPO_GPUS_MAX for cuda:N.
 */
int mcte_topo_nr_locations(void)
{
	return nr_node_ids + MCTE_TOPO_GPUS_MAX;
}

/**
 * mcte_topo_location() - the index of a location in the matrix
 * @loc: "cpu:N" or "cuda:N", N in decimal
 *
 * A cuda:N of a GPU that is not there is accepted, as cpu:N is of a
 * possible node that is not online: an entry set for it applies once the
 * GPU is there. N is bounded by MCTE_TOPO_GPUS_MAX only.
 *
 * Return: N for cpu:N of a possible node, nr_node_ids + N for cuda:N with
 * N below MCTE_TOPO_GPUS_MAX, -EINVAL otherwise.
 */
int mcte_topo_location(const char *loc)
{
	unsigned int n;

	if (!strncmp(loc, "cpu:", 4)) {
		if (!isdigit(loc[4]) || kstrtouint(loc + 4, 10, &n) ||
		    n >= nr_node_ids || !node_possible(n))
			return -EINVAL;
		return n;
	}
	if (!strncmp(loc, "cuda:", 5)) {
		if (!isdigit(loc[5]) || kstrtouint(loc + 5, 10, &n) ||
		    n >= MCTE_TOPO_GPUS_MAX)
			return -EINVAL;
		return nr_node_ids + n;
	}
	return -EINVAL;
}

/**
 * mcte_topo_location_name() - the name of a location
 * @loc: an index from mcte_topo_location()
 * @buf: out
 * @size: bytes of @buf
 *
 * Return: as snprintf().
 */
int mcte_topo_location_name(int loc, char *buf, size_t size)
{
	if (loc < nr_node_ids)
		return snprintf(buf, size, "cpu:%d", loc);
	return snprintf(buf, size, "cuda:%d", loc - nr_node_ids);
}

/* Whether @pdev is an NVIDIA GPU: a VGA or 3D display controller. */
static bool mcte_topo_is_gpu(struct pci_dev *pdev)
{
	u32 class = pdev->class >> 8;

	return class == PCI_CLASS_DISPLAY_VGA || class == PCI_CLASS_DISPLAY_3D;
}

/* Whether @a comes before @b in PCI address order. */
static bool mcte_topo_pci_before(struct pci_dev *a, struct pci_dev *b)
{
	int da = pci_domain_nr(a->bus), db = pci_domain_nr(b->bus);

	if (da != db)
		return da < db;
	if (a->bus->number != b->bus->number)
		return a->bus->number < b->bus->number;
	return a->devfn < b->devfn;
}

/*
 * The GPU of cuda:@n, with a reference, or NULL. The PCI device list is
 * in discovery order, not address order: a GPU's index is the number of
 * GPUs before it by address, so that cuda:N does not depend on probing.
 */
static struct pci_dev *mcte_topo_gpu(unsigned int n)
{
	struct pci_dev *gpu = NULL, *other;
	unsigned int before;

	while ((gpu = pci_get_device(PCI_VENDOR_ID_NVIDIA, PCI_ANY_ID, gpu))) {
		if (!mcte_topo_is_gpu(gpu))
			continue;
		before = 0;
		other = NULL;
		while ((other = pci_get_device(PCI_VENDOR_ID_NVIDIA,
					       PCI_ANY_ID, other))) {
			if (mcte_topo_is_gpu(other) &&
			    mcte_topo_pci_before(other, gpu))
				before++;
		}
		if (before == n)
			return gpu;
	}
	return NULL;
}

/**
 * mcte_topo_location_present() - whether a location has its memory here
 * @loc: an index from mcte_topo_location()
 *
 * Return: for cpu:N whether node N is online, for cuda:N whether the GPU
 * is there.
 */
bool mcte_topo_location_present(int loc)
{
	struct pci_dev *gpu;

	if (loc < nr_node_ids)
		return node_online(loc);
	gpu = mcte_topo_gpu(loc - nr_node_ids);
	pci_dev_put(gpu);
	return gpu;
}

/**
 * mcte_topo_dev_pci_path() - the sysfs path of an RDMA device's PCI function
 * @ibdev: the device, being added
 *
 * Process context. The function is the first PCI device above the
 * ib_device (its parent for a hardware NIC), else above the network
 * device of its first port (soft-RoCE on a PCI NIC, virtio-net included).
 *
 * Return: the path, as kobject_get_path() gives it, for the caller to
 * kfree(); NULL when there is none or no memory for it (the device is then
 * ranked by NUMA node alone).
 */
char *mcte_topo_dev_pci_path(struct ib_device *ibdev)
{
	struct net_device *ndev;
	struct device *dev;
	char *path = NULL;

	for (dev = ibdev->dev.parent; dev && !dev_is_pci(dev); dev = dev->parent)
		;
	if (dev)
		return kobject_get_path(&dev->kobj, GFP_KERNEL);

	ndev = mcte_ib_get_netdev(ibdev, rdma_start_port(ibdev));
	if (!ndev)
		return NULL;
	for (dev = ndev->dev.parent; dev && !dev_is_pci(dev); dev = dev->parent)
		;
	if (dev)
		path = kobject_get_path(&dev->kobj, GFP_KERNEL);
	dev_put(ndev);
	return path;
}

/**
 * mcte_topo_entry_alloc() - allocate an entry for topo-set to fill
 * @nr: number of devices it will name
 *
 * Return: the entry, zeroed but for @nr, or NULL.
 */
struct mcte_topo_entry *mcte_topo_entry_alloc(u32 nr)
{
	struct mcte_topo_entry *ent;

	ent = kzalloc(struct_size(ent, nics, nr), GFP_KERNEL);
	if (ent)
		ent->nr = nr;
	return ent;
}

/*
 * The automatic entry of location @loc: the devices the engine's
 * namespace sees, in index order, each with its reason (enum
 * mcte_pci_dist). Devices that come meanwhile may be missed.
 */
static struct mcte_topo_entry *mcte_topo_auto(struct mcte_engine *eng,
					      int loc)
{
	int best = MCTE_PCI_OTHER, gpu_node = NUMA_NO_NODE, dist;
	struct pci_dev *gpu = NULL;
	struct mcte_topo_entry *ent;
	char *gpu_path = NULL;
	struct mcte_dev *mdev;
	unsigned long index;
	u32 nr = 0, i = 0;
	bool seen;

	if (loc >= nr_node_ids) {
		gpu = mcte_topo_gpu(loc - nr_node_ids);
		if (!gpu) {
			/* No GPU, no devices; automatic all the same. */
			ent = mcte_topo_entry_alloc(0);
			if (!ent)
				return ERR_PTR(-ENOMEM);
			ent->automatic = true;
			return ent;
		}
		gpu_node = dev_to_node(&gpu->dev);
		gpu_path = kobject_get_path(&gpu->dev.kobj, GFP_KERNEL);
		pci_dev_put(gpu);
		if (!gpu_path)
			return ERR_PTR(-ENOMEM);
	}

	for (index = 0; (mdev = mcte_dev_get_next(&index)); index++) {
		mcte_dev_put(mdev);
		nr++;
	}

	ent = mcte_topo_entry_alloc(nr);
	if (!ent) {
		kfree(gpu_path);
		return ERR_PTR(-ENOMEM);
	}
	ent->automatic = true;

	for (index = 0; i < nr && (mdev = mcte_dev_get_next(&index));
	     index++) {
		spin_lock(&mdev->lock);
		seen = mdev->ibdev &&
		       rdma_dev_access_netns(mdev->ibdev, eng->net);
		if (seen) {
			strscpy(ent->nics[i].name, mdev->name,
				sizeof(ent->nics[i].name));
			if (gpu_path) {
				dist = mcte_pci_distance(gpu_path, gpu_node,
							 mdev->pci_path,
							 mdev->numa_node);
				/* kobject paths parse; be safe anyway. */
				if (dist < 0)
					dist = MCTE_PCI_OTHER;
				best = min(best, dist);
				ent->nics[i].reason = dist;
			} else {
				ent->nics[i].class =
					mcte_topo_auto_class(loc,
							     mdev->numa_node);
				ent->nics[i].reason =
					ent->nics[i].class ==
					MCTE_TOPO_PREFERRED ?
					MCTE_PCI_SAME_NUMA : MCTE_PCI_OTHER;
			}
		}
		spin_unlock(&mdev->lock);
		mcte_dev_put(mdev);
		if (seen)
			i++;
	}
	ent->nr = i;

	/* For a GPU, the nearest devices there are preferred. */
	for (i = 0; gpu_path && i < ent->nr; i++)
		ent->nics[i].class = ent->nics[i].reason == best ?
				     MCTE_TOPO_PREFERRED : MCTE_TOPO_FALLBACK;
	kfree(gpu_path);
	return ent;
}

/**
 * mcte_topo_get() - a copy of the entry of a location
 * @eng: the engine
 * @nid: a location, from mcte_topo_location()
 *
 * Process context. For an automatic entry, the devices the engine's
 * network namespace sees, each with its class and reason for @nid.
 *
 * Return: the copy, for the caller to kfree(), or ERR_PTR(-ENOMEM).
 */
struct mcte_topo_entry *mcte_topo_get(struct mcte_engine *eng, int nid)
{
	struct mcte_topo *topo = eng->topo;
	struct mcte_topo_entry *ent, *copy = NULL;

	if (WARN_ON_ONCE(nid < 0 || nid >= topo->nr_locs))
		return ERR_PTR(-EINVAL);

	mutex_lock(&topo->lock);
	ent = rcu_dereference_protected(topo->locs[nid],
					lockdep_is_held(&topo->lock));
	if (ent)
		copy = kmemdup(ent, struct_size(ent, nics, ent->nr),
			       GFP_KERNEL);
	mutex_unlock(&topo->lock);

	if (!ent)
		return mcte_topo_auto(eng, nid);
	return copy ?: ERR_PTR(-ENOMEM);
}

/**
 * mcte_topo_set() - replace the entry of a location
 * @eng: the engine
 * @nid: a location, from mcte_topo_location()
 * @ent: from mcte_topo_entry_alloc(), filled; NULL to make the location
 *	 automatic again. The matrix owns it from here on.
 *
 * Process context. mcte_topo_class() sees the old entry or the new one;
 * slices waiting for a path are dispatched again under the new one.
 */
void mcte_topo_set(struct mcte_engine *eng, int nid,
		   struct mcte_topo_entry *ent)
{
	struct mcte_topo *topo = eng->topo;
	struct mcte_topo_entry *old;

	if (WARN_ON_ONCE(nid < 0 || nid >= topo->nr_locs)) {
		kfree(ent);
		return;
	}
	if (ent)
		ent->automatic = false;

	mutex_lock(&topo->lock);
	old = rcu_replace_pointer(topo->locs[nid], ent,
				  lockdep_is_held(&topo->lock));
	mutex_unlock(&topo->lock);

	if (old)
		kfree_rcu(old, rcu);
	/* Slices waiting for a NIC the old entry named choose again. */
	mcte_transports_topo_changed(eng);
}

/**
 * mcte_topo_dev_exists() - whether an engine sees an RDMA device
 * @eng: the engine
 * @name: the device's name
 *
 * Return: true when a registered device of that name is visible in the
 * engine's network namespace.
 */
bool mcte_topo_dev_exists(struct mcte_engine *eng, const char *name)
{
	struct mcte_dev *mdev;
	unsigned long index;
	bool found = false;

	for (index = 0; !found && (mdev = mcte_dev_get_next(&index));
	     index++) {
		spin_lock(&mdev->lock);
		found = mdev->ibdev &&
			rdma_dev_access_netns(mdev->ibdev, eng->net) &&
			!strcmp(mdev->name, name);
		spin_unlock(&mdev->lock);
		mcte_dev_put(mdev);
	}
	return found;
}
