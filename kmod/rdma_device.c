// SPDX-License-Identifier: GPL-2.0
/*
 * mcte - RDMA devices: an ib_client keeps a table of the devices ib_core
 * registers, with their ports, and reports changes on netlink.
 *
 * Lifetime: the table holds one reference on each struct mcte_dev from the
 * client's add to its remove callback; lookups take their own under RCU.
 * The ib_device itself may be used only while mcte_dev.ibdev is set, under
 * mcte_dev.lock: ib_core does not free or unregister it before our remove
 * callback, which clears the pointer, has returned.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kref.h>
#include <linux/overflow.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/workqueue.h>
#include <linux/xarray.h>
#include <rdma/ib_verbs.h>

#include "compat.h"
#include "mcte.h"
#include "rdma_priv.h"

/* ib_device.index -> struct mcte_dev */
static DEFINE_XARRAY(mcte_devs);

static struct ib_client mcte_ib_client;

static void mcte_dev_release(struct kref *ref)
{
	struct mcte_dev *mdev = container_of(ref, struct mcte_dev, ref);

	/* Lookups under RCU may still see mdev, but not get a reference. */
	kfree(mdev->pci_path);
	kfree(mdev->parent);
	kfree_rcu(mdev, rcu);
}

/**
 * mcte_dev_put() - drop a reference to an RDMA device
 * @mdev: from mcte_dev_get() or mcte_dev_get_next()
 */
void mcte_dev_put(struct mcte_dev *mdev)
{
	kref_put(&mdev->ref, mcte_dev_release);
}

/**
 * mcte_dev_get() - look an RDMA device up by its index
 * @index: ib_device index
 *
 * The caller still has to check visibility in its network namespace.
 *
 * Return: the device with a reference dropped by mcte_dev_put(), or NULL.
 */
struct mcte_dev *mcte_dev_get(u32 index)
{
	struct mcte_dev *mdev;

	rcu_read_lock();
	mdev = xa_load(&mcte_devs, index);
	if (mdev && !kref_get_unless_zero(&mdev->ref))
		mdev = NULL;
	rcu_read_unlock();

	return mdev;
}

/**
 * mcte_dev_get_next() - iterate over the RDMA devices in index order
 * @index: in: lowest index to return; out: index of the device returned
 *
 * For dumps that span several calls: no lock is held in between, devices
 * that come or go meanwhile are or are not seen.
 *
 * Return: the device with a reference dropped by mcte_dev_put(), or NULL
 * when there is none from @index on.
 */
struct mcte_dev *mcte_dev_get_next(unsigned long *index)
{
	struct mcte_dev *mdev;

	rcu_read_lock();
	xa_for_each_start(&mcte_devs, *index, mdev, *index) {
		if (kref_get_unless_zero(&mdev->ref))
			break;
	}
	rcu_read_unlock();

	return mdev;
}

static u32 mcte_port_state(enum ib_port_state state)
{
	switch (state) {
	case IB_PORT_DOWN:
		return MCTE_PORT_STATE_DOWN;
	case IB_PORT_INIT:
		return MCTE_PORT_STATE_INIT;
	case IB_PORT_ARMED:
		return MCTE_PORT_STATE_ARMED;
	case IB_PORT_ACTIVE:
		return MCTE_PORT_STATE_ACTIVE;
	case IB_PORT_ACTIVE_DEFER:
		return MCTE_PORT_STATE_ACTIVE_DEFER;
	default:
		return MCTE_PORT_STATE_NOP;
	}
}

static u32 mcte_link_layer(enum rdma_link_layer ll)
{
	switch (ll) {
	case IB_LINK_LAYER_INFINIBAND:
		return MCTE_LINK_LAYER_INFINIBAND;
	case IB_LINK_LAYER_ETHERNET:
		return MCTE_LINK_LAYER_ETHERNET;
	default:
		return MCTE_LINK_LAYER_UNSPECIFIED;
	}
}

/* May sleep: drivers' query_port may wait for firmware or take rtnl. */
static void mcte_dev_query_port(struct ib_device *ibdev, u32 num,
				struct mcte_port *port)
{
	struct ib_port_attr attr;
	int mtu;

	memset(port, 0, sizeof(*port));
	port->num = num;
	port->link_layer = mcte_link_layer(rdma_port_get_link_layer(ibdev, num));
	port->state = MCTE_PORT_STATE_NOP;

	if (ib_query_port(ibdev, num, &attr))
		return;

	port->state = mcte_port_state(attr.state);
	mtu = ib_mtu_enum_to_int(attr.active_mtu);
	if (mtu > 0)
		port->mtu = mtu;
}

/* Return: whether any cached port attribute changed. */
static bool mcte_dev_refresh_ports(struct mcte_dev *mdev,
				   struct ib_device *ibdev)
{
	struct mcte_port port;
	bool changed = false;
	u32 i;

	for (i = 0; i < mdev->num_ports; i++) {
		mcte_dev_query_port(ibdev, mdev->ports[i].num, &port);

		spin_lock(&mdev->lock);
		if (memcmp(&mdev->ports[i], &port, sizeof(port))) {
			mdev->ports[i] = port;
			changed = true;
		}
		spin_unlock(&mdev->lock);
	}

	return changed;
}

static void mcte_dev_event_work(struct work_struct *work)
{
	struct mcte_dev *mdev = container_of(work, struct mcte_dev, event_work);

	/*
	 * The event handler's device, not mdev->ibdev: remove cancels this
	 * work before it clears mdev->ibdev, so it is valid here, unlocked.
	 */
	if (mcte_dev_refresh_ports(mdev, mdev->event_handler.device))
		mcte_nl_dev_notify(mdev, MCTE_CMD_DEV_CHANGE_NTF);
}

static void mcte_dev_event(struct ib_event_handler *handler,
			   struct ib_event *event)
{
	struct mcte_dev *mdev = container_of(handler, struct mcte_dev,
					     event_handler);

	/*
	 * Events that may change a port's state or MTU. Every port is read
	 * again, and a notification goes out only if something changed, so
	 * duplicates and spurious events cost a query, not a message. GID
	 * and P_Key changes are left out: mcte reports neither, and RoCE
	 * raises a GID change for every IP address change.
	 */
	switch (event->event) {
	case IB_EVENT_DEVICE_FATAL:
	case IB_EVENT_PORT_ACTIVE:
	case IB_EVENT_PORT_ERR:
	case IB_EVENT_LID_CHANGE:
	case IB_EVENT_SM_CHANGE:
	case IB_EVENT_CLIENT_REREGISTER:
		schedule_work(&mdev->event_work);
		break;
	default:
		break;
	}
}

static int mcte_dev_add(struct ib_device *ibdev)
{
	u32 start = rdma_start_port(ibdev);
	u32 num_ports = rdma_end_port(ibdev) - start + 1;
	struct mcte_dev *mdev;
	u32 i;
	int ret;

	/* A device that was at this address before is forgotten first. */
	mcte_rdma_dev_add(ibdev);

	mdev = kzalloc(struct_size(mdev, ports, num_ports), GFP_KERNEL);
	if (!mdev)
		return -ENOMEM;

	kref_init(&mdev->ref);
	spin_lock_init(&mdev->lock);
	mdev->ibdev = ibdev;
	mdev->index = ibdev->index;
	mdev->numa_node = ibdev_to_node(ibdev);
	strscpy(mdev->name, dev_name(&ibdev->dev), sizeof(mdev->name));
	if (ibdev->dev.parent) {
		mdev->parent = kstrdup(dev_name(ibdev->dev.parent), GFP_KERNEL);
		if (!mdev->parent) {
			ret = -ENOMEM;
			goto out_free;
		}
	}
	/* Not having one only ranks the device by NUMA node for cuda:N. */
	mdev->pci_path = mcte_topo_dev_pci_path(ibdev);
	INIT_IB_EVENT_HANDLER(&mdev->event_handler, ibdev, mcte_dev_event);
	INIT_WORK(&mdev->event_work, mcte_dev_event_work);

	mdev->num_ports = num_ports;
	for (i = 0; i < num_ports; i++)
		mcte_dev_query_port(ibdev, start + i, &mdev->ports[i]);

	ret = xa_insert(&mcte_devs, mdev->index, mdev, GFP_KERNEL);
	if (ret)
		goto out_free;

	ib_set_client_data(ibdev, &mcte_ib_client, mdev);
	mcte_nl_dev_notify(mdev, MCTE_CMD_DEV_ADD_NTF);

	/*
	 * Registered after the add notification so that no change
	 * notification can precede it; the extra pass catches what changed
	 * since the ports were read above.
	 */
	ib_register_event_handler(&mdev->event_handler);
	schedule_work(&mdev->event_work);

	return 0;

out_free:
	kfree(mdev->pci_path);
	kfree(mdev->parent);
	kfree(mdev);
	return ret;
}

static void mcte_dev_remove(struct ib_device *ibdev, void *client_data)
{
	struct mcte_dev *mdev = client_data;

	/* Handlers run under the rwsem unregistering takes: none is left. */
	ib_unregister_event_handler(&mdev->event_handler);
	cancel_work_sync(&mdev->event_work);

	/*
	 * Before rdma_cm's remove (clients go in reverse order of
	 * registration): paths, listeners and exports on it go now.
	 */
	mcte_rdma_dev_remove(ibdev);

	/* Whoever sees the notification no longer finds the device. */
	xa_erase(&mcte_devs, mdev->index);
	mcte_nl_dev_notify(mdev, MCTE_CMD_DEV_DEL_NTF);

	/* Lookups still holding mdev find it dead from here on. */
	spin_lock(&mdev->lock);
	mdev->ibdev = NULL;
	spin_unlock(&mdev->lock);

	mcte_dev_put(mdev);
}

static void mcte_dev_rename(struct ib_device *ibdev, void *client_data)
{
	struct mcte_dev *mdev = client_data;

	/* ib_core holds devices_rwsem, which keeps dev_name() stable. */
	spin_lock(&mdev->lock);
	strscpy(mdev->name, dev_name(&ibdev->dev), sizeof(mdev->name));
	spin_unlock(&mdev->lock);

	mcte_nl_dev_notify(mdev, MCTE_CMD_DEV_CHANGE_NTF);
}

/*
 * no_kverbs_req stays clear: mcte moves data with kernel verbs, so devices
 * without them (user-space-only providers) are of no use to it and not
 * reported.
 */
static struct ib_client mcte_ib_client = {
	.name	= "mcte",
	.add	= mcte_dev_add,
	.remove	= mcte_dev_remove,
	.rename	= mcte_dev_rename,
};

/**
 * mcte_dev_init() - start tracking RDMA devices
 *
 * The add callback runs for every device already registered before this
 * returns.
 *
 * Return: 0 or -errno.
 */
int mcte_dev_init(void)
{
	return ib_register_client(&mcte_ib_client);
}

/**
 * mcte_dev_exit() - stop tracking RDMA devices
 *
 * The remove callback runs for every device before this returns, leaving
 * the table empty; lookups may still hold references to removed devices.
 */
void mcte_dev_exit(void)
{
	ib_unregister_client(&mcte_ib_client);
	WARN_ON(!xa_empty(&mcte_devs));
}
