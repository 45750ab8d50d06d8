/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mcte - objects of the RDMA transport, shared by its files:
 *
 *  rdma_dev.c     a protection domain per RDMA device in use
 *  rdma_listen.c  listeners (rdma_cm ids in LISTEN)
 *  rdma_path.c    paths: one RC QP each, their state machine, messages
 *  rdma_peer.c    peer engines, path choice, snapshots for netlink
 *  rdma_seg.c     remote segments (opener side), exports (owner side)
 *  xport_rdma.c   slices as RDMA READ/WRITE work requests
 *
 * Lock order, outer first: mcte_rdma.lock (mutex) -> mcte_path.mutex ->
 * mcte_peer.lock -> mcte_path.lock -> mcte_rseg.lock -> xfer locks. rdma_cm
 * handlers never take a mutex of ours but the one of their own path while
 * it is not being torn down (see mcte_path_teardown()).
 */
#ifndef _MCTE_RDMA_PRIV_H
#define _MCTE_RDMA_PRIV_H

#include <linux/completion.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/socket.h>
#include <linux/spinlock.h>
#include <linux/workqueue.h>
#include <rdma/ib_verbs.h>
#include <rdma/rdma_cm.h>

#include "mcte.h"
#include "rdma.h"
#include "rdma_wire.h"

#define MCTE_PATH_RECVS		16	/* receive buffers per path */
#define MCTE_PATH_SQ		512	/* send queue depth */
/*
 * Of which slices may take all but these: a path busy with RDMA still
 * sends its pings and their replies, or the peer, seeing no message,
 * would take it for dead.
 */
#define MCTE_PATH_SQ_CTRL	16
#define MCTE_PATH_SQ_DATA	(MCTE_PATH_SQ - MCTE_PATH_SQ_CTRL)
#define MCTE_PATH_SGE		16	/* SGEs per work request, at most */
#define MCTE_PATH_RD		16	/* RDMA READs in flight, at most */
#define MCTE_PATH_FAILS_MAX	8	/* failed reconnects before DEAD */
#define MCTE_SLICE_TRIES	16	/* tries of a slice; its deadline bounds it too */
#define MCTE_RPC_TIMEOUT_MS	5000
#define MCTE_PING_MS		1000
#define MCTE_PING_DEAD_MS	8000
#define MCTE_CONNECT_MS		10000	/* a connect that takes longer fails */
#define MCTE_REGROW_MS		10000	/* a dead path is made again after */

/**
 * struct mcte_rdev - an RDMA device the transport uses
 * @node: in the device list
 * @ref: paths, listeners and exports on it, and the list
 * @ibdev: the device
 * @pd: protection domain of everything of ours on it
 * @fr_pages: pages one fast-registration MR maps, at most
 * @max_sge: SGEs per work request we use
 * @max_rd: RDMA READs in flight per QP we ask for
 * @dead: the device is being removed; no new user
 */
struct mcte_rdev {
	struct list_head node;
	struct kref ref;
	struct ib_device *ibdev;
	struct ib_pd *pd;
	u32 fr_pages;
	u32 max_sge;
	u32 max_rd;
	bool dead;
};

struct mcte_rslice;
struct mcte_rdev *mcte_rdev_get(struct ib_device *ibdev);
void mcte_rdev_put(struct mcte_rdev *rdev);
void mcte_rdev_exit(void);
void mcte_rdma_engines_dev_remove(struct ib_device *ibdev);

/**
 * struct mcte_rdma - the transport's state of one engine
 * @eng: the engine
 * @node: in the list of engines
 * @lock: listeners, peers, paths, exports lists and @path_next
 * @listeners: struct mcte_listener
 * @peers: struct mcte_peer
 * @paths: every path, active and passive
 * @exports: struct mcte_export
 * @path_next: next path id
 * @exiting: the engine is going: nothing new is created
 */
struct mcte_rdma {
	struct mcte_engine *eng;
	struct list_head node;
	struct mutex lock;	/* lists, path_next */
	struct list_head listeners;
	struct list_head peers;
	struct list_head paths;
	struct list_head exports;
	u32 path_next;
	bool exiting;
};

/**
 * struct mcte_listener - an rdma_cm listener of an engine
 * @node: in &mcte_rdma.listeners
 * @r: its engine's transport
 * @addr: address and port
 * @cm: the listening id, NULL after its device went away
 */
struct mcte_listener {
	struct list_head node;
	struct mcte_rdma *r;
	struct sockaddr_storage addr;
	struct rdma_cm_id *cm;
};

int mcte_listen_connect_request(struct mcte_listener *l,
				struct rdma_cm_id *cm,
				struct rdma_cm_event *ev);
void mcte_listen_dev_remove(struct mcte_rdma *r, struct ib_device *ibdev);
void mcte_listen_flush(struct mcte_rdma *r);
u32 mcte_listen_addrs(struct mcte_rdma *r, struct mcte_wire_addr *addrs,
		      u32 max);

/**
 * struct mcte_peer - a peer engine this engine opened segments of
 * @ref: its paths, its remote segments, the peer list
 * @node: in &mcte_rdma.peers while it may be found
 * @r: this engine's transport
 * @id: the peer's engine id, 0 until a path said hello
 * @addr: the address it was first reached at
 * @lock: @paths, @waitq, @rsegs, @rr, @nr_addrs, @addrs
 * @grow_mutex: one at a time makes paths to its addresses
 * @paths: its active paths (struct mcte_path.pnode)
 * @waitq: slices waiting for a path to come up
 * @rsegs: its segments open here
 * @nr_rsegs: entries of @rsegs
 * @rr: id of the path last picked for a slice (round robin)
 * @nr_addrs: entries of @addrs
 * @addrs: addresses its listeners listen on, from its hello
 * @wait: woken when a path changes state
 * @grow_work: opens paths to the addresses it has none to: after its
 *	       hello, at each open, and a while after a path died
 * @idle_work: lets it go when no segment of it was open for a while
 */
struct mcte_peer {
	struct kref ref;
	struct list_head node;
	struct mcte_rdma *r;
	u64 id;
	struct sockaddr_storage addr;
	spinlock_t lock;	/* paths, waitq, rsegs, rr, addrs */
	struct mutex grow_mutex;
	struct list_head paths;
	struct list_head waitq;
	struct list_head rsegs;
	u32 nr_rsegs;
	u32 rr;
	u32 nr_addrs;
	struct sockaddr_storage addrs[MCTE_WIRE_ADDRS_MAX];
	wait_queue_head_t wait;
	struct delayed_work grow_work;
	struct delayed_work idle_work;
};

/**
 * struct mcte_rx - a receive buffer of a path
 * @cqe: completion
 * @path: the path
 * @dma: its DMA address
 * @buf: MCTE_WIRE_MSG_MAX bytes
 */
struct mcte_rx {
	struct ib_cqe cqe;
	struct mcte_path *path;
	u64 dma;
	void *buf;
};

/**
 * struct mcte_path - one RC connection to a peer engine
 * @ref: lists, cm id context, posted work requests, works
 * @node: in &mcte_rdma.paths
 * @pnode: in &mcte_peer.paths (active paths)
 * @r: its engine's transport
 * @peer: the peer (active paths), referenced
 * @id: its id
 * @active: we connected it; we reconnect it after errors
 * @peer_id: the peer's engine id
 * @mutex: serializes connect and teardown
 * @lock: @state, queue accounting, @pending, @rpcs, @qp use
 * @state: enum mcte_path_state
 * @err: why it failed last
 * @cm: the rdma_cm id, NULL between connections
 * @rdev: the device of @cm, referenced while @qp exists
 * @cq: its completion queue
 * @qp: its QP, NULL between connections
 * @local: local address
 * @remote: remote address and port
 * @local_dev: local device name
 * @remote_dev: the peer's device, from its hello
 * @sq_used: send queue entries in use
 * @rd_max: RDMA READs allowed in flight
 * @rd_used: RDMA READs in flight
 * @pending: slices waiting for room in the send queue
 * @rpcs: requests waiting for their reply
 * @rx: receive buffers
 * @last_heard: jiffies of the last sign of life of the peer: a message
 *	received, or a work request of ours that it acknowledged
 * @tag: next rpc tag
 * @fails: failed connects in a row
 * @connect_start: jiffies when the last connect began
 * @work: connects, reconnects after a backoff, pings
 * @err_work: tears down after an error
 * @hello_work: says hello once connected (active paths)
 * @room: woken when send queue entries are freed
 * @dev_gone: the device of @cm is being removed
 * @bytes: counters reported by netlink
 * @slices: see &struct mcte_path_info
 * @errors: see &struct mcte_path_info
 * @retries: see &struct mcte_path_info
 * @reconnects: see &struct mcte_path_info
 */
struct mcte_path {
	struct kref ref;
	struct list_head node;
	struct list_head pnode;
	struct mcte_rdma *r;
	struct mcte_peer *peer;
	u32 id;
	bool active;
	u64 peer_id;
	struct mutex mutex;	/* connect, teardown */
	spinlock_t lock;	/* state, accounting, pending, rpcs, qp */
	u32 state;
	int err;
	struct rdma_cm_id *cm;
	struct mcte_rdev *rdev;
	struct ib_cq *cq;
	struct ib_qp *qp;
	struct sockaddr_storage local;
	struct sockaddr_storage remote;
	char local_dev[IB_DEVICE_NAME_MAX];
	char remote_dev[IB_DEVICE_NAME_MAX];
	u32 sq_used;
	u32 rd_max;
	u32 rd_used;
	struct list_head pending;
	struct list_head rpcs;
	struct mcte_rx rx[MCTE_PATH_RECVS];
	unsigned long last_heard;
	u64 tag;
	u32 fails;
	unsigned long connect_start;
	struct delayed_work work;
	struct work_struct err_work;
	struct work_struct hello_work;
	wait_queue_head_t room;
	bool dev_gone;
	atomic64_t bytes;
	atomic64_t slices;
	atomic64_t errors;
	atomic64_t retries;
	atomic64_t reconnects;
};

struct mcte_path *mcte_path_create(struct mcte_rdma *r,
				   struct mcte_peer *peer,
				   const struct sockaddr_storage *remote);
struct mcte_path *mcte_path_accept(struct mcte_rdma *r, struct rdma_cm_id *cm,
				   u64 peer_id);
void mcte_path_put(struct mcte_path *p);
void mcte_path_fail(struct mcte_path *p, int err);
void mcte_path_kill(struct mcte_path *p);
int mcte_path_cm_handler(struct rdma_cm_id *cm, struct rdma_cm_event *ev);
void mcte_path_dev_remove(struct mcte_rdma *r, struct ib_device *ibdev);
int mcte_path_send(struct mcte_path *p, const void *msg, u32 len);
int mcte_path_send_sync(struct mcte_path *p, const void *msg, u32 len);
int mcte_path_rpc(struct mcte_path *p, void *msg, u32 len, void *reply,
		  u32 reply_max);
int mcte_path_wait_room(struct mcte_path *p, u32 n);
void mcte_path_unroom(struct mcte_path *p, u32 n);
void mcte_path_info(struct mcte_path *p, struct mcte_path_info *pi);
void mcte_wire_init_hdr(struct mcte_wire_hdr *h, u8 type, u32 len, u64 tag);

/* rdma_peer.c */
bool mcte_sockaddr_eq(const struct sockaddr_storage *a,
		      const struct sockaddr_storage *b);
struct mcte_peer *mcte_peer_find_or_create(struct mcte_rdma *r,
					   const struct sockaddr_storage *ss);
void mcte_peer_put(struct mcte_peer *peer);
void mcte_peer_grow(struct mcte_peer *peer, u32 delay_ms);
struct mcte_path *mcte_peer_wait_path(struct mcte_peer *peer);
void mcte_peer_path_up(struct mcte_peer *peer, struct mcte_path *p);
void mcte_peer_path_down(struct mcte_peer *peer);
void mcte_rdma_peer_idle(struct mcte_peer *peer);
void mcte_peer_hello(struct mcte_peer *peer, u64 id,
		     const struct mcte_wire_hello *h);

/**
 * struct mcte_keyset - the keys of a remote segment for one remote device
 * @node: in &mcte_rseg.keysets
 * @dev: the peer's device they are valid on
 * @nr: entries in @keys
 * @keys: pieces in offset order, covering the segment
 */
struct mcte_keyset {
	struct list_head node;
	char dev[IB_DEVICE_NAME_MAX];
	u32 nr;
	struct mcte_wire_key keys[] __counted_by(nr);
};

/**
 * struct mcte_rseg - what a segment of a peer opened here carries
 * @seg: the mcte_seg standing for it in handles and transfers
 * @peer: the peer, referenced
 * @pnode: in &mcte_peer.rsegs
 * @seg_id: the owner's id of it
 * @engine_id: the id of the peer engine that owns it: keys and @seg_id
 *	       mean nothing to another (the peer restarted)
 * @name: its name on the peer
 * @access: its mode on the peer
 * @nr_bufs: its buffers on the peer
 * @lock: @keysets
 * @keysets: keys per remote device (struct mcte_keyset)
 * @fetch_work: gets keys for devices of paths that came up later
 */
struct mcte_rseg {
	struct mcte_seg *seg;
	struct mcte_peer *peer;
	struct list_head pnode;
	u64 seg_id;
	u64 engine_id;
	char name[MCTE_SEG_NAME_MAX];
	u32 access;
	u32 nr_bufs;
	spinlock_t lock;	/* keysets */
	struct list_head keysets;
	struct work_struct fetch_work;
};

/* rdma_seg.c */
bool mcte_rseg_usable_on(struct mcte_rseg *rs, struct mcte_path *p);
bool mcte_rseg_key(struct mcte_rseg *rs, const char *dev, u64 off,
		   struct mcte_wire_key *key);
void mcte_rseg_path_up(struct mcte_peer *peer);
void mcte_rseg_gone(struct mcte_peer *peer, u64 seg_id);
bool mcte_rseg_engine_gone(struct mcte_peer *peer, u64 id);
void mcte_export_open(struct mcte_path *p, const void *msg, u32 len, u64 tag);
void mcte_export_dev_remove(struct mcte_rdma *r, struct ib_device *ibdev);
void mcte_export_flush(struct mcte_rdma *r);

/* xport_rdma.c */
void mcte_rdma_dispatch(struct list_head *rslices);
void mcte_rdma_retry_list(struct list_head *rslices, int err);
void mcte_rdma_post_pending(struct mcte_path *p);
void mcte_rdma_slice_gone(struct mcte_rslice *rsl);
void mcte_rdma_engines_sweep(bool (*sweep)(struct list_head *list,
					   struct list_head *out));
extern struct workqueue_struct *mcte_rdma_wq;
/* Paths and peers not yet freed: none may be left when the module goes. */
extern atomic_t mcte_rdma_live;

/**
 * struct mcte_rslice - a slice on its way over RDMA
 * @s: the slice
 * @node: in a path's pending list or a peer's wait queue
 * @path: the path it is posted on, referenced while posted
 * @rs: the remote segment
 * @tries: paths tried
 * @err: first error of its work requests this try
 * @left: work requests not completed
 * @nr_wr: work requests of this try
 * @nr_rd: RDMA READs among them
 * @dev: the device its pages are mapped for this try
 * @path_err: @err is the path's fault: another path may do
 * @wrs: the work requests of this try
 */
struct mcte_rslice {
	struct mcte_slice s;
	struct list_head node;
	struct mcte_path *path;
	struct mcte_rseg *rs;
	u32 tries;
	int err;
	bool path_err;
	struct ib_device *dev;
	atomic_t left;
	u32 nr_wr;
	u32 nr_rd;
	struct mcte_rwr *wrs;
};

/**
 * struct mcte_rwr - one RDMA READ or WRITE of a slice
 * @cqe: completion
 * @rsl: its slice
 * @wr: the work request
 * @nr_sge: SGEs used in @sge
 * @sge: local pieces, DMA-mapped
 */
struct mcte_rwr {
	struct ib_cqe cqe;
	struct mcte_rslice *rsl;
	struct ib_rdma_wr wr;
	u32 nr_sge;
	struct ib_sge sge[MCTE_PATH_SGE];
};

#endif /* _MCTE_RDMA_PRIV_H */
