// SPDX-License-Identifier: GPL-2.0
/*
 * mcte - the priority matrix of an engine: for each memory location (the
 * memory of NUMA node N, "cpu:N"), which RDMA devices carry its slices.
 *
 * A location's entry is automatic until topo-set gives it one:
 *  - automatic: a device on node N, or on no known node (soft-RoCE, or a
 *    machine without NUMA), is preferred; any other is a fallback;
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
#include <linux/rcupdate.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <rdma/ib_verbs.h>

#include "mcte.h"
#include "rdma.h"
#include "transport.h"

/**
 * struct mcte_topo - the priority matrix of an engine
 * @lock: serializes replacing entries of @locs, and copying them
 * @nr_locs: entries of @locs, nr_node_ids
 * @locs: per NUMA node, the entry set by topo-set, NULL while automatic
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

	topo = kzalloc(struct_size(topo, locs, nr_node_ids), GFP_KERNEL);
	if (!topo)
		return -ENOMEM;
	mutex_init(&topo->lock);
	topo->nr_locs = nr_node_ids;
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

	if (nid < 0 || nid >= topo->nr_locs)
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

	if (nid < 0 || nid >= topo->nr_locs)
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
 * mcte_topo_location() - the NUMA node a location names
 * @loc: "cpu:N", N in decimal
 *
 * Return: N when it is a possible node, -EINVAL otherwise.
 */
int mcte_topo_location(const char *loc)
{
	unsigned int nid;

	if (strncmp(loc, "cpu:", 4) || !isdigit(loc[4]) ||
	    kstrtouint(loc + 4, 10, &nid) || nid >= nr_node_ids ||
	    !node_possible(nid))
		return -EINVAL;
	return nid;
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
 * The automatic entry of node @nid: the devices the engine's namespace
 * sees, in index order. Devices that come meanwhile may be missed.
 */
static struct mcte_topo_entry *mcte_topo_auto(struct mcte_engine *eng,
					      int nid)
{
	struct mcte_topo_entry *ent;
	struct mcte_dev *mdev;
	unsigned long index;
	u32 nr = 0, i = 0;
	bool seen;

	for (index = 0; (mdev = mcte_dev_get_next(&index)); index++) {
		mcte_dev_put(mdev);
		nr++;
	}

	ent = mcte_topo_entry_alloc(nr);
	if (!ent)
		return ERR_PTR(-ENOMEM);
	ent->automatic = true;

	for (index = 0; i < nr && (mdev = mcte_dev_get_next(&index));
	     index++) {
		spin_lock(&mdev->lock);
		seen = mdev->ibdev &&
		       rdma_dev_access_netns(mdev->ibdev, eng->net);
		if (seen) {
			strscpy(ent->nics[i].name, mdev->name,
				sizeof(ent->nics[i].name));
			ent->nics[i].class =
				mcte_topo_auto_class(nid, mdev->numa_node);
		}
		spin_unlock(&mdev->lock);
		mcte_dev_put(mdev);
		if (seen)
			i++;
	}
	ent->nr = i;
	return ent;
}

/**
 * mcte_topo_get() - a copy of the entry of a location
 * @eng: the engine
 * @nid: a possible NUMA node
 *
 * Process context. For an automatic entry, the devices the engine's
 * network namespace sees, each with its class for @nid.
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
 * @nid: a possible NUMA node
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
