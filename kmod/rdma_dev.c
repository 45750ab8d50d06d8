// SPDX-License-Identifier: GPL-2.0
/*
 * mcte - one protection domain per RDMA device the transport uses, shared
 * by every engine: export MRs must sit in the PD of the QPs the peers come
 * in through, and one PD per device is what makes one export per device
 * enough.
 *
 * A device's entry is made on first use and lives until the device goes:
 * mcte_rdma_dev_remove(), called from mcte's ib_client remove before
 * rdma_cm's own (clients are removed in reverse order of registration),
 * tears down every path, listener and export on it, then the PD.
 *
 * The entry then stays listed, dead and without a PD, because rdma_cm
 * still binds new ids to the device until its own remove: a path
 * connecting meanwhile must be refused a PD (mcte_rdev_get() says
 * -ENODEV) rather than be given a fresh one that nothing would tear
 * down. A device registered later at the same address clears it first
 * (mcte_rdma_dev_add() from mcte's ib_client add).
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/wait_bit.h>

#include "rdma_priv.h"

static DEFINE_MUTEX(mcte_rdevs_lock);	/* mcte_rdevs */
static LIST_HEAD(mcte_rdevs);

static void mcte_rdev_release(struct kref *ref)
{
	struct mcte_rdev *rdev = container_of(ref, struct mcte_rdev, ref);

	if (rdev->pd)
		ib_dealloc_pd(rdev->pd);
	if (rdev->mdev)
		mcte_dev_put(rdev->mdev);
	kfree(rdev);
}

/**
 * mcte_rdev_put() - drop a reference to a device entry
 * @rdev: the entry
 */
void mcte_rdev_put(struct mcte_rdev *rdev)
{
	/* The address only is hashed: no use of @rdev after the put. */
	if (!kref_put(&rdev->ref, mcte_rdev_release))
		wake_up_var(rdev);
}

/**
 * mcte_rdev_get() - the entry of a device, made on first use
 * @ibdev: a device rdma_cm bound an id of ours to
 *
 * Return: a referenced entry, or an ERR_PTR.
 */
struct mcte_rdev *mcte_rdev_get(struct ib_device *ibdev)
{
	const struct ib_device_attr *a = &ibdev->attrs;
	struct mcte_rdev *rdev;
	struct ib_pd *pd;

	mutex_lock(&mcte_rdevs_lock);
	list_for_each_entry(rdev, &mcte_rdevs, node) {
		if (rdev->ibdev != ibdev)
			continue;
		if (rdev->dead)
			rdev = ERR_PTR(-ENODEV);
		else
			kref_get(&rdev->ref);
		goto out_unlock;
	}

	rdev = kzalloc(sizeof(*rdev), GFP_KERNEL);
	if (!rdev) {
		rdev = ERR_PTR(-ENOMEM);
		goto out_unlock;
	}
	pd = ib_alloc_pd(ibdev, 0);
	if (IS_ERR(pd)) {
		kfree(rdev);
		rdev = ERR_CAST(pd);
		goto out_unlock;
	}
	kref_init(&rdev->ref);	/* the list's */
	rdev->ibdev = ibdev;
	rdev->pd = pd;
	/* Registered with our client: rdma_cm bound an id to it. */
	rdev->mdev = mcte_dev_get(ibdev->index);
	if (rdev->mdev && READ_ONCE(rdev->mdev->ibdev) != ibdev) {
		mcte_dev_put(rdev->mdev);
		rdev->mdev = NULL;
	}
	rdev->fr_pages = min_t(u32, a->max_fast_reg_page_list_len, 512);
	rdev->max_sge = min3((u32)a->max_send_sge, (u32)a->max_sge_rd,
			     (u32)MCTE_PATH_SGE);
	rdev->max_rd = min_t(u32, a->max_qp_init_rd_atom, MCTE_PATH_RD);
	/* What rdma_cm carries: at most 255 each way. */
	rdev->max_rd = min_t(u32, rdev->max_rd, 255);
	if (!rdev->fr_pages || !rdev->max_sge || !rdev->max_rd) {
		ib_dealloc_pd(pd);
		if (rdev->mdev)
			mcte_dev_put(rdev->mdev);
		kfree(rdev);
		rdev = ERR_PTR(-EOPNOTSUPP);
		goto out_unlock;
	}
	list_add_tail(&rdev->node, &mcte_rdevs);
	kref_get(&rdev->ref);
out_unlock:
	mutex_unlock(&mcte_rdevs_lock);
	return rdev;
}

/**
 * mcte_rdma_dev_add() - a device is registered
 * @ibdev: the device
 *
 * Called by mcte's ib_client add: the dead entry of a device that was
 * at the same address before goes.
 */
void mcte_rdma_dev_add(struct ib_device *ibdev)
{
	struct mcte_rdev *rdev, *found = NULL;

	mutex_lock(&mcte_rdevs_lock);
	list_for_each_entry(rdev, &mcte_rdevs, node) {
		if (rdev->ibdev == ibdev && rdev->dead) {
			list_del(&rdev->node);
			found = rdev;
			break;
		}
	}
	mutex_unlock(&mcte_rdevs_lock);
	if (found)
		mcte_rdev_put(found);
}

/**
 * mcte_rdma_dev_remove() - a device is going away
 * @ibdev: the device
 *
 * Called by mcte's ib_client before rdma_cm's: every path, listener and
 * export on @ibdev is gone when this returns, and so is its PD. Active
 * paths go on reconnecting, maybe through another device.
 */
void mcte_rdma_dev_remove(struct ib_device *ibdev)
{
	struct mcte_rdev *rdev, *found = NULL;

	mutex_lock(&mcte_rdevs_lock);
	list_for_each_entry(rdev, &mcte_rdevs, node) {
		if (rdev->ibdev == ibdev) {
			found = rdev;
			break;
		}
	}
	if (!found) {
		/*
		 * Never used: a dead entry all the same, to refuse a PD
		 * (without memory for one, a path may still get a PD here,
		 * and rdma_cm's DEVICE_REMOVAL finds it with a QP).
		 */
		found = kzalloc(sizeof(*found), GFP_KERNEL);
		if (found) {
			kref_init(&found->ref);
			found->ibdev = ibdev;
			list_add_tail(&found->node, &mcte_rdevs);
		}
	}
	if (found)
		WRITE_ONCE(found->dead, true);
	mutex_unlock(&mcte_rdevs_lock);

	/* Listeners bound to it go too, though they may hold no PD. */
	mcte_rdma_engines_dev_remove(ibdev);
	if (found) {
		/*
		 * Paths, listeners and exports on it are gone; an export
		 * being made by a SEG_OPEN at this moment lets go as soon as
		 * its REG_MR completes (the drained QP completes it) and
		 * never lists itself on a dead device.
		 */
		if (wait_var_event_timeout(found,
					   kref_read(&found->ref) == 1,
					   30 * HZ)) {
			/* The list's reference alone: no one sees the PD. */
			if (found->pd)
				ib_dealloc_pd(found->pd);
		} else {
			/* Leaked rather than freed under its users. */
			WARN(1, "%s: still in use after 30 s\n",
			     dev_name(&ibdev->dev));
		}
		found->pd = NULL;
	}
}

/**
 * mcte_rdev_exit() - no engine is left: nothing may remain
 */
void mcte_rdev_exit(void)
{
	struct mcte_rdev *rdev, *tmp;

	list_for_each_entry_safe(rdev, tmp, &mcte_rdevs, node) {
		list_del(&rdev->node);
		WARN_ON_ONCE(kref_read(&rdev->ref) != 1);
		mcte_rdev_put(rdev);
	}
}
