/* SPDX-License-Identifier: ((GPL-2.0 WITH Linux-syscall-note) OR BSD-2-Clause) */
/*
 * mcte - in-kernel batched transfer engine: user space ABI.
 *
 * Three ways into the module share the definitions in this file:
 *  - ioctls on /dev/mcte (always available),
 *  - io_uring IORING_OP_URING_CMD on /dev/mcte (one struct mcte_xfer_req
 *    in the command area of a 128-byte SQE),
 *  - the generic netlink family "mcte" (control plane, see
 *    Documentation/netlink/specs/mcte.yaml).
 *
 * Every structure has a fixed size with explicit padding; reserved fields
 * must be zero on input and are zero on output, so that later ABI versions
 * can give them a meaning. MCTE_IOC_VERSION reports which parts the running
 * module implements (MCTE_FEAT_*); an ioctl of a part it does not implement
 * fails with -ENOTTY.
 */
#ifndef _UAPI_LINUX_MCTE_H
#define _UAPI_LINUX_MCTE_H

#include <linux/types.h>
#include <linux/ioctl.h>

#define MCTE_DEV_NAME		"mcte"
#define MCTE_DEV_PATH		"/dev/mcte"

/* Bumped on any incompatible change of this file. */
#define MCTE_ABI_VERSION	1

#define MCTE_SEG_NAME_MAX	64	/* including the terminating NUL */
#define MCTE_SEG_BUFS_MAX	1024	/* buffers in one segment */
#define MCTE_BATCH_MAX		65536	/* requests in one batch */
#define MCTE_XFER_MAX		(1ULL << 40)	/* bytes in one request */
#define MCTE_RDMA_PORT		7471	/* peer engines' port when none is named */

/**
 * enum mcte_feature - bits of &mcte_version.features
 * @MCTE_FEAT_DEVICES: RDMA devices are tracked and reported over netlink
 * @MCTE_FEAT_SEGMENTS: host-memory segments (MCTE_IOC_SEG_*)
 * @MCTE_FEAT_BATCH: batches through ioctls (MCTE_IOC_BATCH_*)
 * @MCTE_FEAT_URING_CMD: requests through IORING_OP_URING_CMD
 * @MCTE_FEAT_XPORT_LOCAL: transfers between segments of this node
 * @MCTE_FEAT_XPORT_RDMA: transfers to remote segments over RDMA
 * @MCTE_FEAT_XPORT_TCP: transfers to remote segments over TCP
 * @MCTE_FEAT_XPORT_NVME: block segments on NVMe namespaces
 * @MCTE_FEAT_SEG_DMABUF: device-memory segments from a dma-buf fd
 * @MCTE_FEAT_SEG_NV_P2P: NVIDIA GPU memory segments (MCTE_SEG_NV_P2P): set
 *	while a provider of the nvidia_p2p_* API (NVIDIA's open kernel
 *	modules) is loaded, so it may come and go
 */
enum mcte_feature {
	MCTE_FEAT_DEVICES	= 1ULL << 0,
	MCTE_FEAT_SEGMENTS	= 1ULL << 1,
	MCTE_FEAT_BATCH		= 1ULL << 2,
	MCTE_FEAT_URING_CMD	= 1ULL << 3,
	MCTE_FEAT_XPORT_LOCAL	= 1ULL << 4,
	MCTE_FEAT_XPORT_RDMA	= 1ULL << 5,
	MCTE_FEAT_XPORT_TCP	= 1ULL << 6,
	MCTE_FEAT_XPORT_NVME	= 1ULL << 7,
	MCTE_FEAT_SEG_DMABUF	= 1ULL << 8,
	MCTE_FEAT_SEG_NV_P2P	= 1ULL << 9,
};

/**
 * struct mcte_version - what the running module speaks (MCTE_IOC_VERSION)
 * @abi_version: MCTE_ABI_VERSION the module was built with
 * @req_size: sizeof(struct mcte_xfer_req) the module expects
 * @features: MCTE_FEAT_* bits the module implements
 * @seg_name_max: MCTE_SEG_NAME_MAX the module was built with
 * @slice_size: default size in bytes transfers are cut into
 * @resv: zero
 */
struct mcte_version {
	__u32 abi_version;
	__u32 req_size;
	__u64 features;
	__u32 seg_name_max;
	__u32 slice_size;
	__u64 resv[4];
};

/* ------------------------------------------------------------------ */
/* Segments                                                             */

/**
 * enum mcte_seg_kind - what memory a segment is made of
 * @MCTE_SEG_HOST: user memory, pinned while registered
 * @MCTE_SEG_DMABUF: a dma-buf (GPU memory, udmabuf), one per buffer
 * @MCTE_SEG_BLOCK: a block device (NVMe namespace, possibly over NVMe-oF)
 * @MCTE_SEG_NV_P2P: NVIDIA GPU memory by CUDA virtual address, pinned
 *	through nvidia_p2p_get_pages(); buffers MCTE_NV_P2P_ALIGN aligned
 */
enum mcte_seg_kind {
	MCTE_SEG_HOST	= 0,
	MCTE_SEG_DMABUF	= 1,
	MCTE_SEG_BLOCK	= 2,
	MCTE_SEG_NV_P2P	= 3,
};

/* Alignment of the address and length of each MCTE_SEG_NV_P2P buffer. */
#define MCTE_NV_P2P_ALIGN	(64ULL << 10)

/**
 * enum mcte_access - what other processes and peers may do to a segment
 * @MCTE_ACCESS_NONE: only its owner uses it (default)
 * @MCTE_ACCESS_READ: others may read from it
 * @MCTE_ACCESS_RW: others may read from and write to it
 */
enum mcte_access {
	MCTE_ACCESS_NONE = 0,
	MCTE_ACCESS_READ = 1,
	MCTE_ACCESS_RW	 = 2,
};

/**
 * struct mcte_seg_buf - one buffer of a segment
 * @addr: user virtual address (HOST), offset into the dma-buf (DMABUF), or
 *	  CUDA virtual address of the calling process (NV_P2P)
 * @len: length in bytes, not zero
 * @fd: dma-buf or block device fd for DMABUF/BLOCK, -1 for HOST and NV_P2P
 * @resv: zero
 */
struct mcte_seg_buf {
	__u64 addr;
	__u64 len;
	__s32 fd;
	__u32 resv;
};

/**
 * struct mcte_seg_reg - register a segment (MCTE_IOC_SEG_REG)
 * @name: NUL-terminated name, unique on this node
 * @bufs: user pointer to an array of @nr_bufs struct mcte_seg_buf
 * @nr_bufs: number of buffers, at least one
 * @kind: enum mcte_seg_kind
 * @access: enum mcte_access
 * @handle: out: handle to name the segment in requests
 * @resv: zero
 */
struct mcte_seg_reg {
	char  name[MCTE_SEG_NAME_MAX];
	__u64 bufs;
	__u32 nr_bufs;
	__u32 kind;
	__u32 access;
	__u32 handle;
	__u64 resv[2];
};

/**
 * struct mcte_seg_open - open a segment by name (MCTE_IOC_SEG_OPEN)
 * @name: "name" for a segment of this node,
 *	  "host[:port]/name" for one of a peer engine
 * @access: access wanted, enum mcte_access; must be allowed by the owner
 * @handle: out: handle to name the segment in requests
 * @nr_bufs: out: number of buffers of the segment
 * @align: in: zero; out: what offsets and lengths of requests on the
 *	   segment must be multiples of: 1, or for a block segment its
 *	   device's logical block size (older modules leave it zero)
 * @size: out: total size in bytes
 * @resv: zero
 */
struct mcte_seg_open {
	char  name[256];
	__u32 access;
	__u32 handle;
	__u32 nr_bufs;
	__u32 align;
	__u64 size;
	__u64 resv[2];
};

/* ------------------------------------------------------------------ */
/* Transfer requests and batches                                        */

/**
 * enum mcte_opcode - direction of a transfer, seen from the local segment
 * @MCTE_OP_READ: copy from the target segment into the local segment
 * @MCTE_OP_WRITE: copy from the local segment into the target segment
 */
enum mcte_opcode {
	MCTE_OP_READ	= 0,
	MCTE_OP_WRITE	= 1,
};

/**
 * enum mcte_xfer_state - life of a request, and of a batch as a whole
 * @MCTE_XFER_WAITING: accepted, not started
 * @MCTE_XFER_PENDING: some slices in flight
 * @MCTE_XFER_COMPLETED: all bytes transferred
 * @MCTE_XFER_FAILED: stopped on an error, see the result
 * @MCTE_XFER_TIMEOUT: its deadline passed
 * @MCTE_XFER_CANCELED: canceled before it completed
 */
enum mcte_xfer_state {
	MCTE_XFER_WAITING	= 0,
	MCTE_XFER_PENDING	= 1,
	MCTE_XFER_COMPLETED	= 2,
	MCTE_XFER_FAILED	= 3,
	MCTE_XFER_TIMEOUT	= 4,
	MCTE_XFER_CANCELED	= 5,
};

/**
 * struct mcte_xfer_req - one transfer request, for ioctls and uring_cmd
 * @opcode: enum mcte_opcode
 * @flags: zero
 * @resv0: zero
 * @local_seg: handle of a segment this process registered
 * @local_off: byte offset into @local_seg
 * @target_seg: handle of a registered or opened segment
 * @resv1: zero
 * @target_off: byte offset into @target_seg
 * @length: bytes to transfer, not zero
 * @user_data: opaque, returned with the completion
 * @batch_id: batch the request belongs to
 * @timeout_ms: deadline relative to submission, 0 for the default
 * @resv2: zero
 *
 * 64 bytes; fits the 80-byte command area of an IORING_SETUP_SQE128 SQE.
 */
struct mcte_xfer_req {
	__u8  opcode;
	__u8  flags;
	__u16 resv0;
	__u32 local_seg;
	__u64 local_off;
	__u32 target_seg;
	__u32 resv1;
	__u64 target_off;
	__u64 length;
	__u64 user_data;
	__u32 batch_id;
	__u32 timeout_ms;
	__u64 resv2;
};

/* IORING_OP_URING_CMD: sqe->cmd_op; the SQE command area holds the request. */
#define MCTE_URING_CMD_XFER	0x01

/**
 * struct mcte_batch_alloc - allocate a batch (MCTE_IOC_BATCH_ALLOC)
 * @capacity: most requests the batch may hold
 * @batch_id: out: its id
 * @resv: zero
 */
struct mcte_batch_alloc {
	__u32 capacity;
	__u32 batch_id;
	__u64 resv;
};

/**
 * struct mcte_batch_submit - submit requests (MCTE_IOC_BATCH_SUBMIT)
 * @reqs: user pointer to an array of @nr struct mcte_xfer_req
 * @nr: number of requests, at least one
 * @submitted: out: number queued: @nr on success, 0 on failure
 * @error_index: out: on failure, index of the request that was refused
 *		 (@nr when the array as a whole was)
 * @resv: zero
 *
 * All or nothing: every request is checked and its batch slot reserved
 * before any is queued, so a failed call has transferred nothing.
 */
struct mcte_batch_submit {
	__u64 reqs;
	__u32 nr;
	__u32 submitted;
	__u32 error_index;
	__u32 resv;
};

/**
 * struct mcte_xfer_status - state of one request
 * @user_data: the request's user_data
 * @bytes: bytes transferred so far
 * @res: 0, or -errno when FAILED/TIMEOUT/CANCELED
 * @state: enum mcte_xfer_state
 */
struct mcte_xfer_status {
	__u64 user_data;
	__u64 bytes;
	__s32 res;
	__u32 state;
};

/**
 * struct mcte_batch_status - query a batch (MCTE_IOC_BATCH_STATUS)
 * @batch_id: the batch
 * @nr: in: room in @status; out: requests in the batch
 * @status: user pointer to @nr struct mcte_xfer_status, in submission order
 *	    (may be 0 to ask for the batch totals only)
 * @state: out: enum mcte_xfer_state of the batch as a whole
 * @resv0: zero
 * @bytes: out: bytes transferred by all its requests
 * @resv: zero
 */
struct mcte_batch_status {
	__u32 batch_id;
	__u32 nr;
	__u64 status;
	__u32 state;
	__u32 resv0;
	__u64 bytes;
	__u64 resv;
};

/**
 * struct mcte_cqe - a completion reaped through MCTE_IOC_REAP
 * @user_data: the request's user_data
 * @res: bytes transferred, or -errno
 * @batch_id: the request's batch
 * @state: enum mcte_xfer_state, final
 */
struct mcte_cqe {
	__u64 user_data;
	__s64 res;
	__u32 batch_id;
	__u32 state;
};

/**
 * struct mcte_reap - reap completions (MCTE_IOC_REAP)
 * @cqes: user pointer to room for @nr struct mcte_cqe
 * @nr: in: room; out: completions stored
 * @min_nr: wait until at least this many are available
 * @timeout_ms: give up waiting after this long (-ETIME), 0 waits forever
 * @resv: zero
 */
struct mcte_reap {
	__u64 cqes;
	__u32 nr;
	__u32 min_nr;
	__u32 timeout_ms;
	__u32 resv;
};

/* ------------------------------------------------------------------ */
/* ioctls on /dev/mcte                                                  */

#define MCTE_IOC_MAGIC		0xE8

#define MCTE_IOC_VERSION	_IOR(MCTE_IOC_MAGIC, 0x00, struct mcte_version)
#define MCTE_IOC_SEG_REG	_IOWR(MCTE_IOC_MAGIC, 0x10, struct mcte_seg_reg)
#define MCTE_IOC_SEG_UNREG	_IOW(MCTE_IOC_MAGIC, 0x11, __u32)
#define MCTE_IOC_SEG_OPEN	_IOWR(MCTE_IOC_MAGIC, 0x12, struct mcte_seg_open)
#define MCTE_IOC_SEG_CLOSE	_IOW(MCTE_IOC_MAGIC, 0x13, __u32)
#define MCTE_IOC_BATCH_ALLOC	_IOWR(MCTE_IOC_MAGIC, 0x20, struct mcte_batch_alloc)
#define MCTE_IOC_BATCH_FREE	_IOW(MCTE_IOC_MAGIC, 0x21, __u32)
#define MCTE_IOC_BATCH_SUBMIT	_IOWR(MCTE_IOC_MAGIC, 0x22, struct mcte_batch_submit)
#define MCTE_IOC_BATCH_STATUS	_IOWR(MCTE_IOC_MAGIC, 0x23, struct mcte_batch_status)
#define MCTE_IOC_BATCH_CANCEL	_IOW(MCTE_IOC_MAGIC, 0x24, __u32)
#define MCTE_IOC_REAP		_IOWR(MCTE_IOC_MAGIC, 0x25, struct mcte_reap)

/* ------------------------------------------------------------------ */
/* Generic netlink family "mcte" (Documentation/netlink/specs/mcte.yaml) */

#define MCTE_FAMILY_NAME	"mcte"
#define MCTE_FAMILY_VERSION	1
#define MCTE_MCGRP_EVENTS	"events"

/**
 * enum mcte_port_state - logical state of an RDMA port (IB spec values)
 * @MCTE_PORT_STATE_NOP: no state change
 * @MCTE_PORT_STATE_DOWN: down
 * @MCTE_PORT_STATE_INIT: initialised, not armed
 * @MCTE_PORT_STATE_ARMED: armed
 * @MCTE_PORT_STATE_ACTIVE: active: carries traffic
 * @MCTE_PORT_STATE_ACTIVE_DEFER: active, deferring
 */
enum mcte_port_state {
	MCTE_PORT_STATE_NOP		= 0,
	MCTE_PORT_STATE_DOWN		= 1,
	MCTE_PORT_STATE_INIT		= 2,
	MCTE_PORT_STATE_ARMED		= 3,
	MCTE_PORT_STATE_ACTIVE		= 4,
	MCTE_PORT_STATE_ACTIVE_DEFER	= 5,
};

/**
 * enum mcte_link_layer - link layer of an RDMA port
 * @MCTE_LINK_LAYER_UNSPECIFIED: not reported
 * @MCTE_LINK_LAYER_INFINIBAND: InfiniBand
 * @MCTE_LINK_LAYER_ETHERNET: Ethernet (RoCE, iWARP)
 */
enum mcte_link_layer {
	MCTE_LINK_LAYER_UNSPECIFIED	= 0,
	MCTE_LINK_LAYER_INFINIBAND	= 1,
	MCTE_LINK_LAYER_ETHERNET	= 2,
};

/**
 * enum mcte_path_state - life of a path (one RC connection between a local
 * and a remote NIC of a peer engine)
 * @MCTE_PATH_CONNECTING: resolving and connecting for the first time
 * @MCTE_PATH_UP: connected; carries slices and control messages
 * @MCTE_PATH_ERROR: failed; its slices are being retried on other paths
 * @MCTE_PATH_RECONNECTING: waiting out a backoff, or connecting again
 * @MCTE_PATH_DEAD: given up (device gone, peer gone, too many failures)
 */
enum mcte_path_state {
	MCTE_PATH_CONNECTING	= 1,
	MCTE_PATH_UP		= 2,
	MCTE_PATH_ERROR		= 3,
	MCTE_PATH_RECONNECTING	= 4,
	MCTE_PATH_DEAD		= 5,
};

/**
 * enum mcte_remote_open - who may open segments of peer engines
 * @MCTE_REMOTE_OPEN_ALL: any user (the default)
 * @MCTE_REMOTE_OPEN_GROUP: members of one group, and administrators
 * @MCTE_REMOTE_OPEN_ADMIN: only users with CAP_NET_ADMIN in the engine's
 *			    network namespace
 */
enum mcte_remote_open {
	MCTE_REMOTE_OPEN_ALL	= 0,
	MCTE_REMOTE_OPEN_GROUP	= 1,
	MCTE_REMOTE_OPEN_ADMIN	= 2,
};

/**
 * enum mcte_topo_class - how a NIC ranks for a memory location
 * @MCTE_TOPO_PREFERRED: used while any preferred NIC has a path up
 * @MCTE_TOPO_FALLBACK: used only when no preferred NIC has one
 * @MCTE_TOPO_NONE: not used for the location: its entry was set by hand
 *		    (topo-set) and names the NIC in neither list
 */
enum mcte_topo_class {
	MCTE_TOPO_PREFERRED	= 0,
	MCTE_TOPO_FALLBACK	= 1,
	MCTE_TOPO_NONE		= 2,
};

enum {
	MCTE_A_VERSION_ABI = 1,
	MCTE_A_VERSION_FEATURES,
	MCTE_A_VERSION_MODULE,
	MCTE_A_VERSION_FAMILY,
	MCTE_A_VERSION_PAD,

	__MCTE_A_VERSION_MAX,
	MCTE_A_VERSION_MAX = (__MCTE_A_VERSION_MAX - 1)
};

enum {
	MCTE_A_DEV_INDEX = 1,
	MCTE_A_DEV_NAME,
	MCTE_A_DEV_NODE_GUID,
	MCTE_A_DEV_NUMA_NODE,
	MCTE_A_DEV_PARENT,
	MCTE_A_DEV_NUM_PORTS,
	MCTE_A_DEV_PORT,
	MCTE_A_DEV_PAD,
	MCTE_A_DEV_PCI_PATH,
	MCTE_A_DEV_BYTES_WRITTEN,
	MCTE_A_DEV_BYTES_READ,
	MCTE_A_DEV_SLICES,
	MCTE_A_DEV_ERRORS,

	__MCTE_A_DEV_MAX,
	MCTE_A_DEV_MAX = (__MCTE_A_DEV_MAX - 1)
};

enum {
	MCTE_A_PORT_NUM = 1,
	MCTE_A_PORT_STATE,
	MCTE_A_PORT_LINK_LAYER,
	MCTE_A_PORT_NETDEV,
	MCTE_A_PORT_IFINDEX,
	MCTE_A_PORT_MTU,

	__MCTE_A_PORT_MAX,
	MCTE_A_PORT_MAX = (__MCTE_A_PORT_MAX - 1)
};

enum {
	MCTE_A_SEG_NAME = 1,
	MCTE_A_SEG_OWNER_PID,
	MCTE_A_SEG_OWNER_UID,
	MCTE_A_SEG_KIND,
	MCTE_A_SEG_ACCESS,
	MCTE_A_SEG_NR_BUFS,
	MCTE_A_SEG_SIZE,
	MCTE_A_SEG_INFLIGHT,
	MCTE_A_SEG_BUF,
	MCTE_A_SEG_PAD,
	MCTE_A_SEG_BLOCK_DEV,
	MCTE_A_SEG_BLOCK_LBS,
	MCTE_A_SEG_BLOCK_START,
	MCTE_A_SEG_BLOCK_RO,

	__MCTE_A_SEG_MAX,
	MCTE_A_SEG_MAX = (__MCTE_A_SEG_MAX - 1)
};

enum {
	MCTE_A_BUF_LEN = 1,
	MCTE_A_BUF_PAD,

	__MCTE_A_BUF_MAX,
	MCTE_A_BUF_MAX = (__MCTE_A_BUF_MAX - 1)
};

enum {
	MCTE_A_STAT_REQ_SUBMITTED = 1,
	MCTE_A_STAT_REQ_COMPLETED,
	MCTE_A_STAT_REQ_FAILED,
	MCTE_A_STAT_REQ_TIMEOUT,
	MCTE_A_STAT_REQ_CANCELED,
	MCTE_A_STAT_BYTES_READ,
	MCTE_A_STAT_BYTES_WRITTEN,
	MCTE_A_STAT_SLICES,
	MCTE_A_STAT_SEGMENTS,
	MCTE_A_STAT_BATCHES,
	MCTE_A_STAT_PAD,
	MCTE_A_STAT_WIRE_REFUSED,
	MCTE_A_STAT_CONN_REFUSED,
	MCTE_A_STAT_AUTH_FAILED,
	MCTE_A_STAT_OPEN_REFUSED,
	MCTE_A_STAT_PATHS_FAILED,
	MCTE_A_STAT_PEERS,
	MCTE_A_STAT_PATHS,
	MCTE_A_STAT_OPENS,
	MCTE_A_STAT_KEY_PAGES,

	__MCTE_A_STAT_MAX,
	MCTE_A_STAT_MAX = (__MCTE_A_STAT_MAX - 1)
};

/* A listener: IPv4 (4 bytes) or IPv6 (16 bytes) address and port. */
enum {
	MCTE_A_LISTEN_ADDR = 1,
	MCTE_A_LISTEN_PORT,
	MCTE_A_LISTEN_DEV_NAME,
	MCTE_A_LISTEN_AUTH,

	__MCTE_A_LISTEN_MAX,
	MCTE_A_LISTEN_MAX = (__MCTE_A_LISTEN_MAX - 1)
};

/* A peer engine, known by the id it announced in the handshake. */
enum {
	MCTE_A_PEER_ID = 1,
	MCTE_A_PEER_ADDR,
	MCTE_A_PEER_PORT,
	MCTE_A_PEER_NR_PATHS,
	MCTE_A_PEER_NR_PATHS_UP,
	MCTE_A_PEER_NR_SEGS,
	MCTE_A_PEER_PAD,

	__MCTE_A_PEER_MAX,
	MCTE_A_PEER_MAX = (__MCTE_A_PEER_MAX - 1)
};

/* A path: one RC QP between a local and a remote NIC of a peer. */
enum {
	MCTE_A_PATH_ID = 1,
	MCTE_A_PATH_PEER_ID,
	MCTE_A_PATH_STATE,
	MCTE_A_PATH_ACTIVE,
	MCTE_A_PATH_LOCAL_DEV,
	MCTE_A_PATH_REMOTE_DEV,
	MCTE_A_PATH_LOCAL_ADDR,
	MCTE_A_PATH_REMOTE_ADDR,
	MCTE_A_PATH_REMOTE_PORT,
	MCTE_A_PATH_QPN,
	MCTE_A_PATH_BYTES,
	MCTE_A_PATH_SLICES,
	MCTE_A_PATH_ERRORS,
	MCTE_A_PATH_RETRIES,
	MCTE_A_PATH_RECONNECTS,
	MCTE_A_PATH_PAD,

	__MCTE_A_PATH_MAX,
	MCTE_A_PATH_MAX = (__MCTE_A_PATH_MAX - 1)
};

/*
 * Peer authentication: the cluster key (set, never read back) and whether
 * peers must prove it.
 */
enum {
	MCTE_A_AUTH_KEY = 1,
	MCTE_A_AUTH_REQUIRED,

	__MCTE_A_AUTH_MAX,
	MCTE_A_AUTH_MAX = (__MCTE_A_AUTH_MAX - 1)
};

/* What users of an engine may make it do over the network. */
enum {
	MCTE_A_POLICY_REMOTE_OPEN = 1,
	MCTE_A_POLICY_GROUP,
	MCTE_A_POLICY_PEERS_PER_USER,
	MCTE_A_POLICY_DIALS_PER_USER,

	__MCTE_A_POLICY_MAX,
	MCTE_A_POLICY_MAX = (__MCTE_A_POLICY_MAX - 1)
};

/* The priority matrix: NICs by memory location ("cpu:N", "cuda:N"). */
enum {
	MCTE_A_TOPO_LOCATION = 1,
	MCTE_A_TOPO_PREFERRED,
	MCTE_A_TOPO_FALLBACK,
	MCTE_A_TOPO_AUTO,
	MCTE_A_TOPO_REASON,

	__MCTE_A_TOPO_MAX,
	MCTE_A_TOPO_MAX = (__MCTE_A_TOPO_MAX - 1)
};

enum {
	MCTE_CMD_VERSION_GET = 1,
	MCTE_CMD_DEV_GET,
	MCTE_CMD_DEV_ADD_NTF,
	MCTE_CMD_DEV_DEL_NTF,
	MCTE_CMD_DEV_CHANGE_NTF,
	MCTE_CMD_SEG_GET,
	MCTE_CMD_STAT_GET,
	MCTE_CMD_SEG_ADD_NTF,
	MCTE_CMD_SEG_DEL_NTF,
	MCTE_CMD_LISTEN_ADD,
	MCTE_CMD_LISTEN_DEL,
	MCTE_CMD_LISTEN_GET,
	MCTE_CMD_PEER_GET,
	MCTE_CMD_PATH_GET,
	MCTE_CMD_PATH_UP_NTF,
	MCTE_CMD_PATH_DOWN_NTF,
	MCTE_CMD_TOPO_GET,
	MCTE_CMD_TOPO_SET,
	MCTE_CMD_AUTH_SET,
	MCTE_CMD_AUTH_DEL,
	MCTE_CMD_AUTH_GET,
	MCTE_CMD_POLICY_SET,
	MCTE_CMD_POLICY_GET,

	__MCTE_CMD_MAX,
	MCTE_CMD_MAX = (__MCTE_CMD_MAX - 1)
};

#endif /* _UAPI_LINUX_MCTE_H */
