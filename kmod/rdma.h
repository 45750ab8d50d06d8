/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mcte - the RDMA transport as its netlink handlers and the priority
 * matrix see it: listeners, peer engines and their paths, the cluster key,
 * the RDMA devices. The core sees none of it: it reaches the transport
 * through its table (mcte_xport_rdma, transport.h) alone.
 *
 * Netlink reports listeners, peers and paths from snapshots: the transport
 * copies what a dump needs into a plain array under its own locks, and the
 * message is built from the copy, so that no transport lock is held while
 * netlink allocates or copies to user space.
 */
#ifndef _MCTE_RDMA_H
#define _MCTE_RDMA_H

#include <linux/kref.h>
#include <linux/netlink.h>
#include <linux/rcupdate.h>
#include <linux/socket.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/workqueue.h>
#include <rdma/ib_verbs.h>

struct mcte_engine;

/**
 * struct mcte_listen_info - a listener, as reported
 * @addr: address and port it listens on
 * @dev: RDMA device it is bound to, "" when the address has none (yet)
 * @auth: peers must prove the cluster key
 */
struct mcte_listen_info {
	struct sockaddr_storage addr;
	char dev[IB_DEVICE_NAME_MAX];
	bool auth;
};

/**
 * struct mcte_peer_info - a peer engine, as reported
 * @id: the engine id it announced in the handshake
 * @addr: the address and port it was first reached at
 * @nr_paths: paths to it, in any state
 * @nr_paths_up: paths to it that are up
 * @nr_segs: its segments opened here (remote segments)
 */
struct mcte_peer_info {
	u64 id;
	struct sockaddr_storage addr;
	u32 nr_paths;
	u32 nr_paths_up;
	u32 nr_segs;
};

/**
 * struct mcte_path_info - a path, as reported
 * @id: path id, unique in its engine
 * @peer_id: id of the peer engine at its other end
 * @state: enum mcte_path_state
 * @active: this engine connected it (else it accepted it)
 * @local_dev: local RDMA device
 * @remote_dev: the peer's RDMA device, as the peer named it
 * @local: local address
 * @remote: remote address and port
 * @qpn: local QP number, 0 while there is no QP
 * @bytes: bytes moved by its RDMA READs and WRITEs
 * @slices: work requests of slices completed
 * @errors: work requests that completed in error
 * @retries: slices moved from it to another path after a failure
 * @reconnects: times it connected again after an error
 */
struct mcte_path_info {
	u32 id;
	u64 peer_id;
	u32 state;
	bool active;
	char local_dev[IB_DEVICE_NAME_MAX];
	char remote_dev[IB_DEVICE_NAME_MAX];
	struct sockaddr_storage local;
	struct sockaddr_storage remote;
	u32 qpn;
	u64 bytes;
	u64 slices;
	u64 errors;
	u64 retries;
	u64 reconnects;
};

/* rdma_listen.c */
int mcte_listen_add(struct mcte_engine *eng,
		    const struct sockaddr_storage *addr,
		    struct netlink_ext_ack *extack);
int mcte_listen_del(struct mcte_engine *eng,
		    const struct sockaddr_storage *addr);
int mcte_listen_snapshot(struct mcte_engine *eng,
			 struct mcte_listen_info **infos, u32 *nr);

/* rdma_peer.c */
int mcte_peer_snapshot(struct mcte_engine *eng,
		       struct mcte_peer_info **infos, u32 *nr);
int mcte_path_snapshot(struct mcte_engine *eng,
		       struct mcte_path_info **infos, u32 *nr);
void mcte_rdma_topo_changed(struct mcte_engine *eng);

/* rdma_auth.c: the cluster key, for netlink */
int mcte_auth_set(struct mcte_engine *eng, const u8 *key, u32 len);
bool mcte_auth_engine_required(struct mcte_engine *eng);

/* rdma_netlink.c: path up/down events (MCTE_CMD_PATH_UP_NTF/DOWN_NTF) */
void mcte_nl_path_notify(struct mcte_engine *eng,
			 const struct mcte_path_info *pi, u8 cmd);

/* rdma_device.c: the RDMA devices (an ib_client) */

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
 * @pci_path: sysfs path of its PCI function (the parent's, or for
 *	      soft-RoCE that of the netdev it runs on), NULL when none;
 *	      ranks it for cuda:N by PCIe distance
 * @name: name of the ib_device, kept up to date on rename
 * @event_handler: receives asynchronous events of the ib_device
 * @event_work: re-reads the ports after an event; ib_core may call
 *		@event_handler with rtnl held (GID table updates), and
 *		querying a port may take rtnl (rxe), so it is deferred
 * @bytes_written: bytes of slices written through it (its local end)
 * @bytes_read: bytes of slices read through it
 * @slices: slices completed through it
 * @errors: slice tries through it that failed
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
	char *pci_path;
	char name[IB_DEVICE_NAME_MAX];
	struct ib_event_handler event_handler;
	struct work_struct event_work;
	atomic64_t bytes_written;
	atomic64_t bytes_read;
	atomic64_t slices;
	atomic64_t errors;
	u32 num_ports;
	struct mcte_port ports[] __counted_by(num_ports);
};

struct mcte_dev *mcte_dev_get(u32 index);
struct mcte_dev *mcte_dev_get_next(unsigned long *index);
void mcte_dev_put(struct mcte_dev *mdev);

/* rdma_netlink.c: device events (MCTE_CMD_DEV_*_NTF) */
void mcte_nl_dev_notify(struct mcte_dev *mdev, u8 cmd);

#endif /* _MCTE_RDMA_H */
