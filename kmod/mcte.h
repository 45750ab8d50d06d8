/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mcte - in-kernel batched transfer engine: private header.
 */
#ifndef _MCTE_H
#define _MCTE_H

#include <linux/kref.h>
#include <linux/netdevice.h>
#include <linux/rcupdate.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/workqueue.h>
#include <rdma/ib_verbs.h>

#include <linux/mcte.h>

#define MCTE_MODULE_VERSION	"0.1.0"

/* What MCTE_IOC_VERSION and version-get report: only what is implemented. */
#define MCTE_FEATURES		(MCTE_FEAT_DEVICES)

/* main.c */
u32 mcte_slice_size(void);

/* chardev.c */
int mcte_chr_init(void);
void mcte_chr_exit(void);

/**
 * struct mcte_file - per-open context of /dev/mcte
 * @net: network namespace of the opener, held; selects the engine later
 *	 requests of this file work in
 */
struct mcte_file {
	struct net *net;
};

/* device.c */

/**
 * struct mcte_port - cached attributes of one port of an RDMA device
 * @num: port number (from 1; 0 only on a switch)
 * @state: logical state, enum mcte_port_state
 * @link_layer: enum mcte_link_layer
 * @mtu: active MTU in bytes, 0 when unknown
 *
 * The network device of a port is not cached: holding a reference would
 * block its unregistration, and its name and namespace can change without
 * an RDMA event. It is looked up each time it is reported.
 */
struct mcte_port {
	u32 num;
	u32 state;
	u32 link_layer;
	u32 mtu;
};

/**
 * struct mcte_dev - an RDMA device as seen by mcte
 * @ref: holders: the device table (until the device goes) and lookups
 * @rcu: frees the structure after lookups under RCU are done with it
 * @lock: protects @ibdev, @name and @ports; a spinlock because netlink
 *	  messages are built under rcu_read_lock() for notifications
 * @ibdev: the ib_device while it is registered with mcte, NULL after its
 *	   removal; whoever finds it non-NULL under @lock may use it until
 *	   releasing @lock, as ib_core waits for our remove callback
 * @index: ib_device index, key of the device table, never reused while
 *	   this structure is in the table
 * @numa_node: NUMA node of the parent device, NUMA_NO_NODE when unknown
 * @parent: name of the parent device (a PCI address), or NULL
 * @name: name of the ib_device, kept up to date on rename
 * @event_handler: receives asynchronous events of the ib_device
 * @event_work: re-reads the ports after an event; ib_core may call
 *		@event_handler with rtnl held (GID table updates), and
 *		querying a port may take rtnl (rxe), so it is deferred
 * @num_ports: number of entries in @ports
 * @ports: cached port attributes, in port order
 */
struct mcte_dev {
	struct kref ref;
	struct rcu_head rcu;
	spinlock_t lock;	/* ibdev, name, ports */
	struct ib_device *ibdev;
	u32 index;
	int numa_node;
	const char *parent;
	char name[IB_DEVICE_NAME_MAX];
	struct ib_event_handler event_handler;
	struct work_struct event_work;
	u32 num_ports;
	struct mcte_port ports[] __counted_by(num_ports);
};

int mcte_dev_init(void);
void mcte_dev_exit(void);
struct mcte_dev *mcte_dev_get(u32 index);
struct mcte_dev *mcte_dev_get_next(unsigned long *index);
void mcte_dev_put(struct mcte_dev *mdev);

/* netlink.c */
int mcte_nl_init(void);
void mcte_nl_exit(void);
void mcte_nl_dev_notify(struct mcte_dev *mdev, u8 cmd);

#endif /* _MCTE_H */
