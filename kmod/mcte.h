/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mcte - in-kernel batched transfer engine: private header.
 *
 * Objects of the data path and who holds them (Documentation/design.rst,
 * "Data path", says the same at length):
 *
 *  engine   one per network namespace (pernet); segment names, counters
 *  file     one per open of /dev/mcte; handles, batches, completions
 *  segment  pinned user buffers; held by the engine's table while
 *	     registered, by handles and by every transfer using it
 *  batch    status slots of up to `capacity` requests; held by its file's
 *	     table until freed, by live transfers and by queued completions
 *  xfer     one request in flight; ends exactly once, then becomes its
 *	     completion (a reap queue entry or an io_uring CQE)
 *
 * Lock order, outer first: engine.seg_lock; batch.lock -> xfer.lock;
 * transport queue lock -> xfer.lock; file.lock is innermost. No reference
 * is ever dropped with a spinlock held.
 */
#ifndef _MCTE_H
#define _MCTE_H

#include <linux/hashtable.h>
#include <linux/kref.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/netdevice.h>
#include <linux/rcupdate.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/u64_stats_sync.h>
#include <linux/uidgid.h>
#include <linux/wait.h>
#include <linux/workqueue.h>
#include <linux/xarray.h>
#include <rdma/ib_verbs.h>

#include <uapi/linux/io_uring.h>
#include <linux/mcte.h>

#define MCTE_MODULE_VERSION	"0.2.0"

/*
 * What the core implements; MCTE_IOC_VERSION and version-get report these
 * and those of the transports (mcte_features()).
 */
#define MCTE_FEATURES_CORE	(MCTE_FEAT_SEGMENTS | MCTE_FEAT_BATCH |	\
				 MCTE_FEAT_URING_CMD)

/* Transports transport.c may list: the slots of each engine. */
#define MCTE_TRANSPORTS_MAX	4

/*
 * Requests the batches of one file may hold together; freed batches count
 * until their completions are reaped. Bounds the memory one file pins in
 * the kernel: status slots, transfers in flight and unreaped completions.
 */
#define MCTE_FILE_REQS_MAX	BIT(20)

struct mcte_engine;
struct mcte_topo;
struct mcte_transport;
struct mcte_file;
struct mcte_seg;
struct mcte_seg_ops;
struct mcte_batch;
struct mcte_xfer;
struct io_uring_cmd;

/* main.c */
u32 mcte_slice_size(void);
u32 mcte_xfer_timeout_ms(void);
extern struct workqueue_struct *mcte_wq;

/* ------------------------------------------------------------------ */
/* engine.c                                                             */

/**
 * enum mcte_stat - per-CPU counters of an engine
 * @MCTE_STAT_REQ_SUBMITTED: requests accepted
 * @MCTE_STAT_REQ_COMPLETED: requests that ended COMPLETED
 * @MCTE_STAT_REQ_FAILED: requests that ended FAILED
 * @MCTE_STAT_REQ_TIMEOUT: requests that ended TIMEOUT
 * @MCTE_STAT_REQ_CANCELED: requests that ended CANCELED
 * @MCTE_STAT_BYTES_READ: bytes moved by READ slices
 * @MCTE_STAT_BYTES_WRITTEN: bytes moved by WRITE slices
 * @MCTE_STAT_SLICES: slices executed
 * @MCTE_STAT_WIRE_REFUSED: messages of peers refused: malformed, out of
 *			    their turn, or over a limit
 * @MCTE_STAT_CONN_REFUSED: connect requests of peers rejected
 * @MCTE_STAT_AUTH_FAILED: handshakes that failed for a missing or wrong key
 * @MCTE_STAT_OPEN_REFUSED: opens of our segments refused to peers
 * @MCTE_STAT_PATHS_FAILED: paths that failed (and reconnected, or died)
 * @MCTE_STAT_KEY_PAGES: pages of keys fetched after an open's first, for
 *			 opens of peers' segments (SEG_KEYS)
 * @MCTE_STAT_NR: number of counters
 */
enum mcte_stat {
	MCTE_STAT_REQ_SUBMITTED,
	MCTE_STAT_REQ_COMPLETED,
	MCTE_STAT_REQ_FAILED,
	MCTE_STAT_REQ_TIMEOUT,
	MCTE_STAT_REQ_CANCELED,
	MCTE_STAT_BYTES_READ,
	MCTE_STAT_BYTES_WRITTEN,
	MCTE_STAT_SLICES,
	MCTE_STAT_WIRE_REFUSED,
	MCTE_STAT_CONN_REFUSED,
	MCTE_STAT_AUTH_FAILED,
	MCTE_STAT_OPEN_REFUSED,
	MCTE_STAT_PATHS_FAILED,
	MCTE_STAT_KEY_PAGES,
	MCTE_STAT_NR
};

/**
 * struct mcte_stats - one CPU's share of an engine's counters
 * @syncp: lets 32-bit readers see whole 64-bit values
 * @v: the counters, indexed by enum mcte_stat
 */
struct mcte_stats {
	struct u64_stats_sync syncp;
	u64_stats_t v[MCTE_STAT_NR];
};

#define MCTE_SEG_HASH_BITS	8

/**
 * struct mcte_policy - what an administrator lets the users of an engine do
 *			over the network (policy.c)
 * @remote_open: enum mcte_remote_open: who may open a peer's segment
 * @gid: the group of MCTE_REMOTE_OPEN_GROUP
 * @peers_per_user: peers one user's opens may make the engine keep
 * @dials_per_user: of those, peers not reached yet (being dialed)
 *
 * Fields are read and written with READ_ONCE()/WRITE_ONCE(): each is
 * meaningful alone.
 */
struct mcte_policy {
	u32 remote_open;
	kgid_t gid;
	u32 peers_per_user;
	u32 dials_per_user;
};

/**
 * struct mcte_engine - the transfer engine of one network namespace
 * @net: the namespace; the engine lives and dies with it
 * @seg_lock: protects @seg_hash, @segs and the segments' @dead flags
 * @seg_hash: registered segments by name
 * @segs: registered segments by id, in registration order, for dumps
 * @seg_next: next id to try in @segs
 * @stats: per-CPU counters
 * @nr_segs: segments registered now
 * @nr_batches: batches allocated now
 * @id: random id announced to peer engines in the handshake, never 0
 * @xport: each transport's state of the engine, by &mcte_transport.id
 *	   (mcte_engine_xport())
 * @topo: the priority matrix (topo.c)
 * @policy: what users may make it do over the network
 *
 * Files hold a reference on @net, so no file, segment or transfer outlives
 * the engine.
 */
struct mcte_engine {
	struct net *net;
	struct mutex seg_lock;	/* seg_hash, segs, mcte_seg.dead */
	DECLARE_HASHTABLE(seg_hash, MCTE_SEG_HASH_BITS);
	struct xarray segs;
	u32 seg_next;
	struct mcte_stats __percpu *stats;
	atomic_long_t nr_segs;
	atomic_long_t nr_batches;
	u64 id;
	void *xport[MCTE_TRANSPORTS_MAX];
	struct mcte_topo *topo;
	struct mcte_policy policy;
};

int mcte_engine_init(void);
void mcte_engine_exit(void);
struct mcte_engine *mcte_engine(const struct net *net);
void mcte_stat_add(struct mcte_engine *eng, enum mcte_stat stat, u64 val);
void mcte_stats_read(struct mcte_engine *eng, u64 *vals);

/* policy.c */
#define MCTE_POLICY_PEERS_PER_USER	16
#define MCTE_POLICY_DIALS_PER_USER	4
#define MCTE_POLICY_LIMIT_MAX		1024
void mcte_policy_init(struct mcte_engine *eng);
int mcte_policy_may_open_remote(struct mcte_engine *eng);

/* ------------------------------------------------------------------ */
/* chardev.c                                                            */

int mcte_chr_init(void);
void mcte_chr_exit(void);

/**
 * struct mcte_file - per-open context of /dev/mcte
 * @net: network namespace of the opener, held; selects the engine
 * @eng: the engine of @net
 * @handles: segment handles of this file (struct mcte_handle)
 * @handle_next: next handle number to try
 * @batches: batches of this file (struct mcte_batch)
 * @batch_next: next batch id to try
 * @lock: protects @cq, @cq_nr and @reqs_charged
 * @cq: ended transfers of the ioctl path, oldest first
 * @cq_nr: entries in @cq
 * @cq_wait: MCTE_IOC_REAP waits here for @cq_nr to grow
 * @reap_lock: one reaper at a time, so that entries leave @cq in order
 *	       and a failed copy can leave them there
 * @reqs_charged: capacity of the batches that still exist (allocated, or
 *		  freed with completions left in @cq)
 * @nr_live: transfers of this file that have not ended; release waits for
 *	     it to reach zero, so an ending transfer may still use the file
 */
struct mcte_file {
	struct net *net;
	struct mcte_engine *eng;
	struct xarray handles;
	u32 handle_next;
	struct xarray batches;
	u32 batch_next;
	spinlock_t lock;	/* cq, cq_nr, reqs_charged */
	struct list_head cq;
	u32 cq_nr;
	wait_queue_head_t cq_wait;
	struct mutex reap_lock;	/* one reaper */
	u32 reqs_charged;
	atomic_t nr_live;
};

/* ------------------------------------------------------------------ */
/* segment.c                                                            */

/**
 * struct mcte_sbuf - one buffer of a segment
 * @start: offset of its first byte in the segment
 * @len: length in bytes
 * @pgoff: offset of its first byte in the first page of its memory, which
 *	   is where a device's page-sized translation of it starts
 */
struct mcte_sbuf {
	u64 start;
	u64 len;
	u32 pgoff;
};

/**
 * struct mcte_seg - a segment: what every kind of segment memory has, first
 *		     in the kind's own struct (seg_kind.h)
 * @ref: holders: the engine's table while registered, handles, and every
 *	 transfer that uses it; the last one releases the memory
 * @eng: engine whose table holds (or held) it
 * @hnode: entry in &mcte_engine.seg_hash
 * @id: index in &mcte_engine.segs
 * @dead: unregistered; new requests are refused with -ENODEV, slices not
 *	  yet copying fail with it. Written under the engine's seg_lock.
 * @revoked: made dead by its memory's provider taking the memory back
 *	     (mcte_seg_revoke()), not by its owner; under seg_lock too
 * @kind: enum mcte_seg_kind
 * @access: enum mcte_access granted to openers
 * @uid: effective uid of the registering (or opening) process
 * @owner: thread group of the registering (or opening) process
 * @size: total length of the buffers
 * @align: what the offsets and lengths of requests on it must be
 *	   multiples of: 1, or a block segment's logical block size
 * @inflight: transfers in flight that use it
 * @name: NUL-terminated name
 * @serial: unique among the segments this module made; peers name it by
 *	    this in SEG_GONE
 * @ops: its kind
 * @nr_bufs: entries in @bufs
 * @bufs: the buffers in segment order, allocated with the segment. A
 *	  peer's segment has one, covering @size.
 */
struct mcte_seg {
	struct kref ref;
	struct mcte_engine *eng;
	struct hlist_node hnode;
	u32 id;
	bool dead;
	bool revoked;
	u32 kind;
	u32 access;
	kuid_t uid;
	struct pid *owner;
	u64 size;
	u32 align;
	atomic_t inflight;
	char name[MCTE_SEG_NAME_MAX];
	u64 serial;
	const struct mcte_seg_ops *ops;
	u32 nr_bufs;
	struct mcte_sbuf *bufs;
};

/**
 * struct mcte_handle - what a segment handle of a file stands for
 * @seg: the segment, referenced
 * @access: what requests through the handle may do (enum mcte_access)
 * @owner: the handle came from MCTE_IOC_SEG_REG, not MCTE_IOC_SEG_OPEN
 */
struct mcte_handle {
	struct mcte_seg *seg;
	u32 access;
	bool owner;
};

long mcte_ioctl_seg_reg(struct mcte_file *mf, struct mcte_seg_reg __user *arg);
long mcte_ioctl_seg_unreg(struct mcte_file *mf, u32 __user *arg);
long mcte_ioctl_seg_open(struct mcte_file *mf,
			 struct mcte_seg_open __user *arg);
long mcte_ioctl_seg_close(struct mcte_file *mf, u32 __user *arg);
void mcte_seg_release_file(struct mcte_file *mf);
struct mcte_seg *mcte_seg_get_handle(struct mcte_file *mf, u32 handle,
				     bool owner, u32 *access);
void mcte_seg_put(struct mcte_seg *seg);
struct mcte_seg *mcte_seg_lookup(struct mcte_engine *eng, const char *name);
bool mcte_seg_name_valid(const char *name, size_t size);
int mcte_seg_may_open_as(const struct mcte_seg *seg, kuid_t uid, u32 want);

/**
 * mcte_seg_dead() - whether a segment has been unregistered
 * @seg: a referenced segment
 *
 * Return: true once it is unregistered.
 */
static inline bool mcte_seg_dead(const struct mcte_seg *seg)
{
	return READ_ONCE(seg->dead);
}

/* ------------------------------------------------------------------ */
/* batch.c                                                              */

/**
 * struct mcte_req - status slot of one request of a batch
 * @user_data: the request's user_data
 * @bytes: bytes transferred so far; written by slice completions
 * @res: 0, or -errno once it ended other than COMPLETED
 * @state: enum mcte_xfer_state; changed by mcte_req_set_state() only
 */
struct mcte_req {
	u64 user_data;
	u64 bytes;
	s32 res;
	u32 state;
};

/**
 * struct mcte_batch - a batch of requests
 * @ref: holders: its file's table until freed, every live transfer, every
 *	 completion of it still in the file's reap queue
 * @mf: the file; a batch never outlives it (see mcte_chr_release())
 * @id: its id in &mcte_file.batches
 * @capacity: number of @slots
 * @lock: protects everything below but @bytes, and the transitions of the
 *	  slots' states
 * @freed: MCTE_IOC_BATCH_FREE (or release) took it out of the table
 * @nr: slots used, in submission order
 * @reserved: slots reserved by submissions being checked
 * @nr_moved: requests that left WAITING
 * @nr_ended: requests that ended
 * @nr_failed: requests that ended FAILED
 * @nr_timeout: requests that ended TIMEOUT
 * @nr_canceled: requests that ended CANCELED
 * @live: transfers of this batch that have not ended
 * @bytes: bytes transferred by all its requests
 * @slots: status of each request
 */
struct mcte_batch {
	struct kref ref;
	struct mcte_file *mf;
	u32 id;
	u32 capacity;
	spinlock_t lock;	/* all below but bytes; slot states */
	bool freed;
	u32 nr;
	u32 reserved;
	u32 nr_moved;
	u32 nr_ended;
	u32 nr_failed;
	u32 nr_timeout;
	u32 nr_canceled;
	struct list_head live;
	atomic64_t bytes;
	struct mcte_req *slots;
};

long mcte_ioctl_batch_alloc(struct mcte_file *mf,
			    struct mcte_batch_alloc __user *arg);
long mcte_ioctl_batch_free(struct mcte_file *mf, u32 __user *arg);
long mcte_ioctl_batch_submit(struct mcte_file *mf,
			     struct mcte_batch_submit __user *arg);
long mcte_ioctl_batch_status(struct mcte_file *mf,
			     struct mcte_batch_status __user *arg);
long mcte_ioctl_batch_cancel(struct mcte_file *mf, u32 __user *arg);
long mcte_ioctl_reap(struct mcte_file *mf, struct mcte_reap __user *arg);
struct mcte_batch *mcte_batch_get(struct mcte_file *mf, u32 id);
void mcte_batch_put(struct mcte_batch *b);
int mcte_batch_reserve(struct mcte_batch *b);
void mcte_batch_unreserve(struct mcte_batch *b);
void mcte_batch_commit(struct mcte_batch *b, struct mcte_xfer *x);
void mcte_batch_started(struct mcte_batch *b, struct mcte_xfer *x);
void mcte_batch_end(struct mcte_batch *b, struct mcte_xfer *x, u32 state,
		    int res);
void mcte_batch_release_file(struct mcte_file *mf);

/* ------------------------------------------------------------------ */
/* xfer.c                                                               */

/**
 * struct mcte_slice - a piece of a request, executed by a transport
 * @x: the transfer; a claimed slice keeps it from ending
 * @off: offset of the piece in the request
 * @len: length of the piece
 */
struct mcte_slice {
	struct mcte_xfer *x;
	u64 off;
	u64 len;
};

/**
 * enum mcte_claim - what mcte_xfer_claim() found
 * @MCTE_CLAIM_MORE: a slice was claimed, more remain
 * @MCTE_CLAIM_LAST: the last slice was claimed
 * @MCTE_CLAIM_STOP: the transfer is stopping, nothing was claimed
 */
enum mcte_claim {
	MCTE_CLAIM_MORE,
	MCTE_CLAIM_LAST,
	MCTE_CLAIM_STOP,
};

/**
 * struct mcte_xfer - one request from submission to its completion
 * @ref: holders: the submitter until the end, then its completion (reap
 *	 queue entry or io_uring command); a pending deadline
 * @lock: protects @next, @done, @busy, @stop, @ended
 * @mf: the submitting file; valid until the end (it waits for us)
 * @batch: the batch, referenced until the completion is consumed
 * @slot: index of the request's status in @batch
 * @opcode: enum mcte_opcode
 * @slice: slice size for this request, a power of two
 * @timeout_ms: deadline, relative to the commit
 * @lseg: local segment, referenced until the end
 * @tseg: target segment, referenced until the end
 * @loff: offset in @lseg
 * @toff: offset in @tseg
 * @length: bytes to transfer
 * @user_data: the request's user_data
 * @ioucmd: io_uring command to complete, NULL for the ioctl path
 * @xport: the transport executing the slices (transport.h)
 * @next: offset of the next slice to claim
 * @done: bytes of slices completed
 * @busy: holds that keep the transfer from ending: one while queued on
 *	  the transport, one per claimed slice
 * @stop: 0, or why the transfer is to stop (-ETIMEDOUT, -ECANCELED,
 *	  -errno of a failed slice); the first reason wins
 * @ended: mcte_xfer_end() ran or is running
 * @qnode: in the transport's queue (or the submission list)
 * @queued: on the transport's queue; the transport's lock protects it
 * @bnode: in &mcte_batch.live, under the batch lock
 * @deadline: stops the transfer with -ETIMEDOUT
 * @cqnode: in &mcte_file.cq after the end (ioctl path)
 * @cqe_res: result of the completion: bytes, or -errno
 * @cqe_state: final state
 */
struct mcte_xfer {
	struct kref ref;
	spinlock_t lock;	/* next, done, busy, stop, ended */
	struct mcte_file *mf;
	struct mcte_batch *batch;
	u32 slot;
	u8 opcode;
	u32 slice;
	u32 timeout_ms;
	struct mcte_seg *lseg;
	struct mcte_seg *tseg;
	u64 loff;
	u64 toff;
	u64 length;
	u64 user_data;
	struct io_uring_cmd *ioucmd;
	const struct mcte_transport *xport;

	u64 next;
	u64 done;
	u32 busy;
	int stop;
	bool ended;

	struct list_head qnode;
	bool queued;
	struct list_head bnode;
	struct delayed_work deadline;

	struct list_head cqnode;
	s64 cqe_res;
	u32 cqe_state;
};

int mcte_xfer_init(void);
void mcte_xfer_exit(void);
int mcte_xfer_prepare(struct mcte_file *mf, const struct mcte_xfer_req *req,
		      struct io_uring_cmd *ioucmd, struct mcte_xfer **xp);
void mcte_xfer_abort(struct mcte_xfer *x);
void mcte_xfer_commit(struct mcte_xfer *x);
void mcte_xfer_submit(struct list_head *xfers);
void mcte_xfer_stop(struct mcte_xfer *x, int err);
void mcte_xfer_put(struct mcte_xfer *x);
void mcte_xfer_sweep(struct mcte_engine *eng);
bool mcte_xfer_mark_stop(struct mcte_xfer *x, int err);
bool mcte_xfer_stopped(struct mcte_xfer *x);
enum mcte_claim mcte_xfer_claim(struct mcte_xfer *x, struct mcte_slice *s);
void mcte_xfer_slice_start(struct mcte_slice *s);
void mcte_xfer_slice_done(struct mcte_slice *s, int err);
void mcte_xfer_unhold(struct mcte_xfer *x);
void mcte_xfer_wait_file(struct mcte_file *mf);

/**
 * mcte_xfer_stopping() - whether a transfer should not start more copies
 * @x: a transfer that has not ended
 *
 * Return: true when it is to stop or one of its segments is gone.
 */
static inline bool mcte_xfer_stopping(const struct mcte_xfer *x)
{
	return READ_ONCE(x->stop) || mcte_seg_dead(x->lseg) ||
	       mcte_seg_dead(x->tseg);
}

/* uring.c */

/* Bytes of a 128-byte SQE (IORING_SETUP_SQE128) from its cmd area on. */
#define MCTE_SQE128_CMD_SIZE \
	(2 * sizeof(struct io_uring_sqe) - offsetof(struct io_uring_sqe, cmd))

int mcte_uring_cmd(struct io_uring_cmd *ioucmd, unsigned int issue_flags);
void mcte_uring_complete(struct mcte_xfer *x);

/* ------------------------------------------------------------------ */
/* topo.c: the priority matrix of an engine */

/* Devices one entry set by topo-set may name, both lists together. */
#define MCTE_TOPO_NICS_MAX	64
/* GPU locations, cuda:0 to cuda:MCTE_TOPO_GPUS_MAX - 1. */
#define MCTE_TOPO_GPUS_MAX	64

/**
 * struct mcte_topo_nic - a device of an entry of the priority matrix
 * @name: name of the RDMA device
 * @class: enum mcte_topo_class, MCTE_TOPO_PREFERRED or MCTE_TOPO_FALLBACK
 * @reason: in an automatic entry, why: enum mcte_pci_dist (topo_pci.h)
 */
struct mcte_topo_nic {
	char name[IB_DEVICE_NAME_MAX];
	u32 class;
	u32 reason;
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
bool mcte_topo_usable(struct mcte_engine *eng, int nid, const char *name);
int mcte_topo_location(const char *loc);
int mcte_topo_location_name(int loc, char *buf, size_t size);
bool mcte_topo_location_present(int loc);
int mcte_topo_nr_locations(void);
char *mcte_topo_dev_pci_path(struct ib_device *ibdev);
struct mcte_topo_entry *mcte_topo_entry_alloc(u32 nr);
struct mcte_topo_entry *mcte_topo_get(struct mcte_engine *eng, int nid);
void mcte_topo_set(struct mcte_engine *eng, int nid,
		   struct mcte_topo_entry *ent);
bool mcte_topo_dev_exists(struct mcte_engine *eng, const char *name);

/* netlink.c */
int mcte_nl_init(void);
void mcte_nl_exit(void);
void mcte_nl_seg_notify(struct mcte_seg *seg, u8 cmd);

#endif /* _MCTE_H */
