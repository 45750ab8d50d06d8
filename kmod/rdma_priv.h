/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mcte - objects of the RDMA transport, shared by its files:
 *
 *  rdma_device.c  the ib_client: the RDMA devices, their ports, events
 *  rdma_dev.c     a protection domain per RDMA device in use
 *  rdma_engine.c  the transport's state of each engine, its teardown
 *  rdma_listen.c  listeners (rdma_cm ids in LISTEN), who may connect
 *  rdma_path.c    paths: one RC QP each, their state machine, teardown
 *  rdma_msg.c     control messages: checks, sends, rpcs, receiving
 *  rdma_hello.c   the handshake: versions, hello, authentication
 *  rdma_auth.c    the self and cluster keys, and the proofs
 *  rdma_peer.c    peer engines, the limits on them, snapshots for netlink
 *  rdma_nic.c     the local NICs paths are dialed from, bound to
 *  rdma_rseg.c    remote segments (opener side)
 *  rdma_export.c  opens of our segments by peers (owner side)
 *  xport_rdma.c   slices as RDMA READ/WRITE work requests
 *
 * Lock order, outer first: mcte_rdma_engines_lock -> mcte_rdma.lock
 * (mutex) -> mcte_path.mutex -> mcte_peer.lock -> mcte_path.lock ->
 * mcte_rseg.lock -> xfer locks; mcte_rdma.auth_lock is innermost. rdma_cm
 * handlers never take a mutex of ours but the one of their own path while
 * it is not being torn down (see mcte_path_teardown()), and the engine's
 * while a listener accepts. No work item on mcte_rdma_wq takes
 * mcte_rdma_engines_lock: the module's exit and a device's removal flush
 * that queue while holding it.
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
#include "seg_kind.h"
#include "transport.h"

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
#define MCTE_HANDSHAKE_MS	5000	/* a passive path must be up by then */
/* Requests of one path handled at once; more are answered EBUSY. */
#define MCTE_PATH_WORKS_MAX	8
#define MCTE_PATH_OPENS_MAX	256	/* opens held through one path */
/*
 * Keys of one open, at most, on both sides: what the owner registers and
 * the opener holds for it (24 bytes a key here, about one MR there). A
 * TiB in 2 MiB pages is 1024 keys, in 4 KiB pages 524288; above this an
 * open is refused E2BIG.
 */
#define MCTE_OPEN_KEYS_MAX	BIT(20)
/*
 * How long an opener waits for SEG_OPEN_REPLY: the owner registers the
 * open's MRs before it answers, about a second per 10 GiB of 2 MiB
 * pages on soft-RoCE under emulation, far less on a NIC.
 */
#define MCTE_OPEN_TIMEOUT_MS	60000
/* Passive paths of an engine, in all and from one address. */
#define MCTE_PASSIVE_MAX	512
#define MCTE_PASSIVE_PER_ADDR	32

/* Cluster keys: from 16 bytes (128 bits) to 64 (SHA-256's block). */
#define MCTE_AUTH_KEY_MIN	16
#define MCTE_AUTH_KEY_MAX	64
#define MCTE_AUTH_KEY_SELF_LEN	32

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
 * @mdev: its entry of the ib_client, referenced, for its counters; NULL
 *	  in a dead entry made at removal
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
	struct mcte_dev *mdev;
};

struct mcte_rslice;
struct mcte_rdev *mcte_rdev_get(struct ib_device *ibdev);
void mcte_rdev_put(struct mcte_rdev *rdev);
void mcte_rdev_exit(void);
void mcte_rdma_engines_dev_remove(struct ib_device *ibdev);
void mcte_rdma_dev_add(struct ib_device *ibdev);
void mcte_rdma_dev_remove(struct ib_device *ibdev);

/* rdma_device.c */
int mcte_dev_init(void);
void mcte_dev_exit(void);

/**
 * struct mcte_auth_key - a key of peer authentication
 * @len: its length in bytes
 * @key: the bytes
 */
struct mcte_auth_key {
	u32 len;
	u8 key[MCTE_AUTH_KEY_MAX];
};

/**
 * struct mcte_rdma - the transport's state of one engine
 * @eng: the engine
 * @node: in the list of engines
 * @lock: listeners, peers and paths lists, @path_next, @nr_passive
 * @listeners: struct mcte_listener
 * @peers: struct mcte_peer
 * @paths: every path, active and passive
 * @path_next: next path id
 * @nr_passive: passive paths listed
 * @open_next: last id given to an open of our segments (rdma_export.c)
 * @exiting: the engine is going: nothing new is created
 * @sweep_work: ends waiting slices of this engine's stopping transfers
 * @auth_lock: @self_key, @cluster_key
 * @self_key: what a path from this engine to itself proves
 * @cluster_key: what every other path proves, NULL when not set
 */
struct mcte_rdma {
	struct mcte_engine *eng;
	struct list_head node;
	struct mutex lock;	/* lists, path_next, nr_passive */
	struct list_head listeners;
	struct list_head peers;
	struct list_head paths;
	u32 path_next;
	u32 nr_passive;
	atomic64_t open_next;
	bool exiting;
	struct work_struct sweep_work;
	spinlock_t auth_lock;	/* self_key, cluster_key */
	struct mcte_auth_key self_key;
	struct mcte_auth_key *cluster_key;
};

/**
 * mcte_rdma_of() - the RDMA transport's state of an engine
 * @eng: an engine that exists
 *
 * Return: it, from mcte_rdma_engine_init() to mcte_rdma_engine_exit().
 */
static inline struct mcte_rdma *mcte_rdma_of(const struct mcte_engine *eng)
{
	return mcte_engine_xport(eng, &mcte_xport_rdma);
}

/* rdma_engine.c */
void mcte_rdma_sweep_engine(struct mcte_rdma *r);
int mcte_rdma_engine_init(struct mcte_engine *eng);
void mcte_rdma_engine_exit(struct mcte_engine *eng);
void mcte_rdma_shutdown(void);
void mcte_rdma_gauges(struct mcte_engine *eng, struct mcte_gauges *g);

/* rdma_auth.c */
void mcte_auth_engine_init(struct mcte_rdma *r);
void mcte_auth_engine_exit(struct mcte_rdma *r);
bool mcte_auth_key_for(struct mcte_rdma *r, u64 peer_id,
		       struct mcte_auth_key *k);
bool mcte_auth_required(struct mcte_rdma *r);
int mcte_auth_mac(const struct mcte_auth_key *k, const char *label,
		  u64 active_id, u64 passive_id, const u8 *n1, const u8 *n2,
		  u8 *mac);
bool mcte_auth_check(const struct mcte_auth_key *k, const char *label,
		     u64 active_id, u64 passive_id, const u8 *n1,
		     const u8 *n2, const u8 *mac);

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
bool mcte_listen_covers(struct mcte_rdma *r, const struct sockaddr_storage *ss);
bool mcte_addr_is_local(struct net *net, const struct sockaddr_storage *ss);

/* Local NICs a peer is dialed from, at most (rdma_nic.c). */
#define MCTE_NICS_MAX		16

/**
 * struct mcte_nic - a local NIC, as paths are bound to it
 * @name: its RDMA device
 * @ifindex: the network device of its address
 * @addr: the address its paths are bound to, port 0
 */
struct mcte_nic {
	char name[IB_DEVICE_NAME_MAX];
	int ifindex;
	struct sockaddr_storage addr;
};

u32 mcte_nic_list(struct mcte_rdma *r, sa_family_t family,
		  struct mcte_nic *nics, u32 max);
bool mcte_nic_reaches(struct mcte_rdma *r, const struct mcte_nic *nic,
		      const struct sockaddr_storage *dst);

/**
 * struct mcte_peer - a peer engine this engine opened segments of
 * @ref: its paths, its remote segments, the peer list
 * @node: in &mcte_rdma.peers while it may be found
 * @r: this engine's transport
 * @id: the peer's engine id, 0 until a path said hello
 * @addr: the address it was first reached at
 * @uid: the user whose open made it, counted against that user's limits
 * @lock: @paths, @waitq, @rsegs, @rr, @nr_addrs, @addrs, @nr_waiting
 * @grow_mutex: one at a time makes paths to its addresses
 * @paths: its active paths (struct mcte_path.pnode)
 * @waitq: slices waiting for a path to come up
 * @rsegs: its segments open here
 * @nr_rsegs: entries of @rsegs
 * @rr: id of the path last picked for a slice (round robin)
 * @nr_addrs: entries of @addrs
 * @addrs: addresses its listeners listen on, from its hello
 * @nr_waiting: opens waiting for a path (mcte_peer_wait_path())
 * @last_err: the error of the last path given up, for opens that find
 *	      none left
 * @gen: bumped, and @wait woken, whenever a path changes state
 * @wait: where opens wait for a path
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
	kuid_t uid;
	spinlock_t lock;	/* paths, waitq, rsegs, rr, addrs, nr_waiting */
	struct mutex grow_mutex;
	struct list_head paths;
	struct list_head waitq;
	struct list_head rsegs;
	u32 nr_rsegs;
	u32 rr;
	u32 nr_addrs;
	struct sockaddr_storage addrs[MCTE_WIRE_ADDRS_MAX];
	u32 nr_waiting;
	int last_err;
	atomic_t gen;
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
 * @peer_id: the peer's engine id, from the connection's private data
 * @self: its other end is this very engine (the ids match); it proves
 *	  the self key, and only then carries anything
 * @from_local: passive: the peer's address is one of this node's
 * @hs: enum mcte_hs, how far its handshake got; under @lock
 * @authed: a key was proven on it (the self key when @self)
 * @nonce: the nonce we sent in our HELLO or HELLO_REPLY
 * @peer_nonce: the one the other end sent
 * @mutex: serializes connect and teardown
 * @lock: @state, queue accounting, @pending, @rpcs, @qp use
 * @state: enum mcte_path_state
 * @err: why it failed last
 * @cm: the rdma_cm id, NULL between connections
 * @rdev: the device of @cm, referenced while @qp exists
 * @cq: its completion queue
 * @qp: its QP, NULL between connections
 * @local: local address; for an active path bound to a NIC, that NIC's
 *	   from its creation on
 * @remote: remote address and port
 * @local_dev: local device name; see @local
 * @bound: an active path bound to a local NIC (@local, @local_dev): it
 *	   connects from that NIC's address only
 * @was_up: it was up once: a link that comes back is dialed again
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
 * @works: requests of the peer being handled in work items (passive)
 * @exports: opens of our segments made through it (rdma_export.c)
 * @nr_exports: entries of @exports
 * @exports_closed: teardown took @exports: no open is added any more
 * @gen: bumped by each teardown: keys got on one connection are not
 *	 kept for the next (rdma_rseg.c)
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
	bool self;
	bool from_local;
	u8 hs;
	bool authed;
	u8 nonce[MCTE_WIRE_NONCE_LEN];
	u8 peer_nonce[MCTE_WIRE_NONCE_LEN];
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
	bool bound;
	bool was_up;
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
	u32 works;
	struct list_head exports;
	u32 nr_exports;
	bool exports_closed;
	u32 gen;
	atomic64_t bytes;
	atomic64_t slices;
	atomic64_t errors;
	atomic64_t retries;
	atomic64_t reconnects;
};

/**
 * enum mcte_hs - steps of a path's handshake (Documentation/wire.rst)
 * @MCTE_HS_NONE: connected, no hello yet
 * @MCTE_HS_HELLO_IN: passive: a HELLO came and is being answered
 * @MCTE_HS_AUTH_WAIT: passive: answered, waiting for the peer's AUTH
 * @MCTE_HS_AUTH_IN: passive: an AUTH came and is being checked
 * @MCTE_HS_DONE: the handshake is over; the path carries everything
 */
enum mcte_hs {
	MCTE_HS_NONE,
	MCTE_HS_HELLO_IN,
	MCTE_HS_AUTH_WAIT,
	MCTE_HS_AUTH_IN,
	MCTE_HS_DONE,
};

struct mcte_path *mcte_path_create(struct mcte_rdma *r,
				   struct mcte_peer *peer,
				   const struct sockaddr_storage *remote,
				   const struct mcte_nic *nic);
struct mcte_path *mcte_path_accept(struct mcte_rdma *r, struct rdma_cm_id *cm,
				   u64 peer_id, bool from_local);
void mcte_path_put(struct mcte_path *p);
void mcte_path_fail(struct mcte_path *p, int err);
void mcte_path_kill(struct mcte_path *p);
int mcte_path_cm_handler(struct rdma_cm_id *cm, struct rdma_cm_event *ev);
void mcte_path_dev_remove(struct mcte_rdma *r, struct ib_device *ibdev);
void mcte_path_info(struct mcte_path *p, struct mcte_path_info *pi);
void mcte_path_arm(struct mcte_path *p, u32 ms);
void mcte_path_notify(struct mcte_path *p, u8 cmd);
bool mcte_path_up(struct mcte_path *p);
bool mcte_path_set_hs(struct mcte_path *p, u8 from, u8 to);

/* rdma_msg.c */
int mcte_path_send(struct mcte_path *p, const void *msg, u32 len);
int mcte_path_send_sync(struct mcte_path *p, const void *msg, u32 len);
void mcte_path_send_nowait(struct mcte_path *p, const void *msg, u32 len);
int mcte_path_rpc(struct mcte_path *p, void *msg, u32 len, void *reply,
		  u32 reply_max);
int mcte_path_rpc_wait(struct mcte_path *p, void *msg, u32 len, void *reply,
		       u32 reply_max, unsigned int ms);
int mcte_path_wait_room(struct mcte_path *p, u32 n);
void mcte_path_unroom(struct mcte_path *p, u32 n);
void mcte_path_fail_rpcs(struct mcte_path *p);
int mcte_path_post_recv(struct mcte_rx *rx);
void mcte_rx_done(struct ib_cq *cq, struct ib_wc *wc);
void mcte_wire_init_hdr(struct mcte_wire_hdr *h, u8 type, u32 len, u64 tag);
void mcte_wire_refused(struct mcte_path *p, const char *why);

/* rdma_hello.c */
void mcte_wire_cm_make(struct mcte_rdma *r, struct mcte_wire_cm *priv);
int mcte_wire_cm_check(const void *data, u8 len, u64 *engine_id, u8 *flags);
bool mcte_wire_cm_auth_ok(struct mcte_rdma *r, u64 peer_id, u8 flags);
void mcte_wire_rej_make(struct mcte_wire_rej *rej, u8 reason);
int mcte_wire_rej_errno(const struct rdma_cm_event *ev);
void mcte_hello_work(struct work_struct *work);
void mcte_hello_in(struct mcte_path *p, const void *msg, u32 len);
void mcte_auth_in(struct mcte_path *p, const void *msg, u32 len);

/* rdma_peer.c */
bool mcte_sockaddr_eq(const struct sockaddr_storage *a,
		      const struct sockaddr_storage *b);
bool mcte_sockaddr_ip_eq(const struct sockaddr_storage *a,
			 const struct sockaddr_storage *b);
struct mcte_peer *mcte_peer_find_or_create(struct mcte_rdma *r,
					   const struct sockaddr_storage *ss);
void mcte_peer_put(struct mcte_peer *peer);
void mcte_peer_grow(struct mcte_peer *peer, u32 delay_ms);
struct mcte_path *mcte_peer_wait_path(struct mcte_peer *peer);
void mcte_peer_path_up(struct mcte_peer *peer, struct mcte_path *p);
void mcte_peer_path_down(struct mcte_peer *peer);
void mcte_peer_changed(struct mcte_peer *peer);
bool mcte_peer_needed(struct mcte_peer *peer);
void mcte_rdma_peer_idle(struct mcte_peer *peer);
void mcte_peer_hello(struct mcte_peer *peer, u64 id,
		     const struct mcte_wire_hello *h);
void mcte_peer_stop(struct mcte_peer *peer);

/**
 * struct mcte_keyset - the keys of one open of a remote segment
 * @node: in &mcte_rseg.keysets
 * @path: the path the open was made through, referenced: the keys are
 *	  used on it alone, and are void once it closes
 * @open_id: the owner's id of the open, for SEG_CLOSE
 * @nr: entries in @keys
 * @keys: pieces in offset order, covering the segment
 */
struct mcte_keyset {
	struct list_head node;
	struct mcte_path *path;
	u64 open_id;
	u32 nr;
	struct mcte_wire_key keys[] __counted_by(nr);
};

/**
 * struct mcte_rseg - a segment of a peer opened here: the remote kind
 * @seg: the segment standing for it in handles and transfers; no memory
 *	 of this node, one buffer covering the peer's whole segment
 * @peer: the peer, referenced
 * @pnode: in &mcte_peer.rsegs
 * @seg_id: the owner's id of it
 * @engine_id: the id of the peer engine that owns it: keys and @seg_id
 *	       mean nothing to another (the peer restarted)
 * @name: its name on the peer
 * @access: the access the open asked for and got: its keys' rights
 * @uid: the user who opened it, whom the owner judges (when it is us)
 * @nr_bufs: its buffers on the peer
 * @lock: @keysets
 * @keysets: keys per path (struct mcte_keyset)
 * @fetch_work: gets keys for paths that came up later
 * @close_work: once the segment is closed, voids its opens on the owner
 *		(SEG_CLOSE), then frees it
 */
struct mcte_rseg {
	struct mcte_seg seg;
	struct mcte_peer *peer;
	struct list_head pnode;
	u64 seg_id;
	u64 engine_id;
	char name[MCTE_SEG_NAME_MAX];
	u32 access;
	kuid_t uid;
	u32 nr_bufs;
	spinlock_t lock;	/* keysets */
	struct list_head keysets;
	struct work_struct fetch_work;
	struct work_struct close_work;
};

/* rdma_rseg.c */
bool mcte_rseg_usable_on(struct mcte_rseg *rs, struct mcte_path *p);
bool mcte_rseg_key(struct mcte_rseg *rs, struct mcte_path *p, u64 off,
		   struct mcte_wire_key *key);
void mcte_rseg_path_up(struct mcte_peer *peer);
void mcte_rseg_path_down(struct mcte_peer *peer, struct mcte_path *p);
void mcte_rseg_gone(struct mcte_peer *peer, u64 seg_id);
bool mcte_rseg_engine_gone(struct mcte_peer *peer, u64 id);
int mcte_rseg_parse_peer(const char *peer, size_t len,
			 struct sockaddr_storage *ss);
int mcte_rseg_open(struct mcte_engine *eng, const struct sockaddr_storage *ss,
		   const char *name, u32 access, struct mcte_seg **segp,
		   u32 *nr_bufs);
struct mcte_rseg *mcte_rseg_of(const struct mcte_seg *seg);

/* rdma_export.c */
void mcte_export_open(struct mcte_path *p, const void *msg, u32 len);
void mcte_export_close(struct mcte_path *p, const void *msg, u32 len);
void mcte_export_keys(struct mcte_path *p, const void *msg, u32 len);
void mcte_export_path_down(struct mcte_path *p);
void mcte_rdma_seg_unregistered(struct mcte_seg *seg);

/* xport_rdma.c */
void mcte_rdma_dispatch(struct list_head *rslices);
void mcte_rdma_retry_list(struct list_head *rslices, int err);
void mcte_rdma_post_pending(struct mcte_path *p);
void mcte_rdma_slice_gone(struct mcte_rslice *rsl);
bool mcte_rdma_sweep_list(struct list_head *list, struct list_head *out);
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
