/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mcte - the RDMA transport as the rest of mcte sees it: listeners, peer
 * engines and their paths, remote segments, and the priority matrix.
 *
 * Netlink reports listeners, peers and paths from snapshots: the transport
 * copies what a dump needs into a plain array under its own locks, and the
 * message is built from the copy, so that no transport lock is held while
 * netlink allocates or copies to user space.
 */
#ifndef _MCTE_RDMA_H
#define _MCTE_RDMA_H

#include <linux/netlink.h>
#include <linux/socket.h>
#include <linux/types.h>
#include <rdma/ib_verbs.h>

struct mcte_engine;
struct mcte_file;
struct mcte_seg;
struct mcte_xfer;
struct mcte_rseg;

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

struct sockaddr_storage;
int mcte_rseg_open(struct mcte_engine *eng, const struct sockaddr_storage *ss,
		   const char *name, u32 access, struct mcte_seg **segp,
		   u32 *nr_bufs);
void mcte_rseg_release(struct mcte_rseg *rs);
void mcte_rdma_seg_unregistered(struct mcte_seg *seg);

/**
 * struct mcte_rdma_gauges - what the RDMA transport of an engine holds now
 * @peers: peer engines
 * @paths: paths, active and passive, in any state
 * @opens: opens of this node's segments held by peers (exports)
 */
struct mcte_rdma_gauges {
	u64 peers;
	u64 paths;
	u64 opens;
};

/* rdma_engine.c */
void mcte_rdma_gauges(struct mcte_engine *eng, struct mcte_rdma_gauges *g);

/* rdma_auth.c: the cluster key, for netlink */
int mcte_auth_set(struct mcte_engine *eng, const u8 *key, u32 len);
bool mcte_auth_engine_required(struct mcte_engine *eng);

int mcte_rdma_engine_init(struct mcte_engine *eng);
void mcte_rdma_engine_exit(struct mcte_engine *eng);
void mcte_rdma_shutdown(void);
void mcte_rdma_dev_add(struct ib_device *ibdev);
void mcte_rdma_dev_remove(struct ib_device *ibdev);
int mcte_xport_rdma_init(void);
void mcte_xport_rdma_exit(void);

/* netlink.c: path up/down events (MCTE_CMD_PATH_UP_NTF/DOWN_NTF) */
void mcte_nl_path_notify(struct mcte_engine *eng,
			 const struct mcte_path_info *pi, u8 cmd);

/* topo.c: the priority matrix of an engine */

/* Devices one entry set by topo-set may name, both lists together. */
#define MCTE_TOPO_NICS_MAX	64

/**
 * struct mcte_topo_nic - a device of an entry of the priority matrix
 * @name: name of the RDMA device
 * @class: enum mcte_topo_class, MCTE_TOPO_PREFERRED or MCTE_TOPO_FALLBACK
 */
struct mcte_topo_nic {
	char name[IB_DEVICE_NAME_MAX];
	u32 class;
};

/**
 * struct mcte_topo_entry - the devices of one memory location
 * @rcu: frees a replaced entry once mcte_topo_class() is done with it
 * @automatic: derived from the devices' NUMA nodes, not set by topo-set
 * @nr: entries in @nics
 * @nics: the devices named and their class; any other device is not used
 *	  for the location (MCTE_TOPO_NONE) in an entry set by topo-set
 */
struct mcte_topo_entry {
	struct rcu_head rcu;
	bool automatic;
	u32 nr;
	struct mcte_topo_nic nics[] __counted_by(nr);
};

int mcte_topo_engine_init(struct mcte_engine *eng);
void mcte_topo_engine_exit(struct mcte_engine *eng);
enum mcte_topo_class mcte_topo_class(struct mcte_engine *eng, int nid,
				     struct ib_device *ibdev);
int mcte_topo_location(const char *loc);
struct mcte_topo_entry *mcte_topo_entry_alloc(u32 nr);
struct mcte_topo_entry *mcte_topo_get(struct mcte_engine *eng, int nid);
void mcte_topo_set(struct mcte_engine *eng, int nid,
		   struct mcte_topo_entry *ent);
bool mcte_topo_dev_exists(struct mcte_engine *eng, const char *name);

#endif /* _MCTE_RDMA_H */
