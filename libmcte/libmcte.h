/* SPDX-License-Identifier: LGPL-2.1 OR MIT */
/*
 * libmcte - user space library of mcte, the in-kernel batched transfer
 * engine (/dev/mcte).
 *
 * Conventions, as in liburing:
 *  - functions return 0 (or a non-negative value where documented) on
 *    success and a negative errno on failure; errno itself is not part of
 *    the interface;
 *  - mcte_strerror() turns those negative errnos into messages that say
 *    what they mean for mcte;
 *  - a struct mcte is an opaque handle to one open /dev/mcte; it may be
 *    used from several threads at once;
 *  - a struct mcte_ring, like liburing's struct io_uring, belongs to one
 *    thread at a time: calls on one ring must not run concurrently (give
 *    each thread its own ring; many rings may share one struct mcte).
 *
 * Segment handles and batch ids belong to the open file: they are valid
 * with the struct mcte (and the rings on it) that made them, not with
 * another mcte_open() of the same process.
 *
 * The ABI structures and constants come from <linux/mcte.h>.
 */
#ifndef LIBMCTE_H
#define LIBMCTE_H

#include <stddef.h>
#include <string.h>
#include <linux/types.h>
#include <linux/mcte.h>

#ifdef __cplusplus
extern "C" {
#endif

struct mcte;

/* ------------------------------------------------------------------ */
/* Open and close (setup.c)                                             */

/**
 * mcte_open() - open the mcte device, MCTE_DEV_PATH
 * @out: where to store the new handle
 * @flags: zero (no flags are defined yet)
 *
 * Return: 0, -EINVAL for unknown @flags, -ENOENT when the mcte module is
 * not loaded, -EACCES when the device may not be opened, other -errno.
 */
int mcte_open(struct mcte **out, unsigned int flags);

/**
 * mcte_open_path() - open an mcte device at @path (tests, containers)
 */
int mcte_open_path(struct mcte **out, const char *path, unsigned int flags);

/**
 * mcte_close() - close a handle from mcte_open(); NULL is accepted
 */
void mcte_close(struct mcte *m);

/**
 * mcte_fd() - file descriptor of the open device, for poll or io_uring
 */
int mcte_fd(const struct mcte *m);

/* ------------------------------------------------------------------ */
/* Versions and features (version.c)                                    */

/**
 * mcte_query_version() - what the running module speaks
 * @m: handle
 * @out: filled with the module's struct mcte_version
 *
 * The answer is asked for once per handle (MCTE_IOC_VERSION) and kept.
 *
 * Return: 0; -EPROTO when the module's ABI version or request size differs
 * from the ones this library was built with (@out is filled all the same,
 * to report what the module speaks); other -errno from the ioctl.
 */
int mcte_query_version(struct mcte *m, struct mcte_version *out);

/**
 * mcte_has_feature() - whether the module implements MCTE_FEAT_* bits
 * @m: handle
 * @feat: one or more MCTE_FEAT_* bits, not zero
 *
 * Return: 1 when the module implements all of @feat, 0 when not, -errno
 * as from mcte_query_version(), -EINVAL for @feat zero.
 */
int mcte_has_feature(struct mcte *m, __u64 feat);

/**
 * mcte_lib_version() - version of this library, "MAJOR.MINOR.PATCH"
 */
const char *mcte_lib_version(void);

/* ------------------------------------------------------------------ */
/* Errors (error.c)                                                     */

/**
 * mcte_strerror() - message for an error returned by libmcte
 * @err: a negative errno as returned by a libmcte function (the positive
 *	 value is accepted too)
 *
 * Errors with a meaning particular to mcte get an explanation ("mcte
 * module not loaded: ..."); others get the C library's description.
 * The string is static: do not modify or free it.
 */
const char *mcte_strerror(int err);

/**
 * mcte_seg_open_strerror() - message for an error of mcte_seg_open()
 * @err: a negative errno returned by mcte_seg_open() (or positive)
 *
 * Opening a segment, locally or of a peer engine, fails for causes of its
 * own (the owner's rules, the administrator's policy, the path to the
 * peer, its authentication): this names the cause for each errno the open
 * returns, and falls back to mcte_strerror() for the others. The string
 * is static.
 */
const char *mcte_seg_open_strerror(int err);

/* ------------------------------------------------------------------ */
/* Segments (segment.c)                                                 */

/**
 * mcte_seg_register() - register buffers as a named segment
 * @m: handle
 * @name: 1 to MCTE_SEG_NAME_MAX - 1 characters from [A-Za-z0-9._-],
 *	  unique in the network namespace
 * @bufs: @nr buffers; for host memory @fd is -1 and @addr/@len a range of
 *	  writable memory of this process, for a dma-buf or a block device
 *	  @fd is its descriptor and @addr an offset into it; @resv zero
 * @nr: 1 to MCTE_SEG_BUFS_MAX
 * @access: what other processes and peers may do: MCTE_ACCESS_NONE (only
 *	    this file uses it), MCTE_ACCESS_READ or MCTE_ACCESS_RW
 * @handle: out: the segment's handle, to name it in requests
 *
 * The kind of the segment follows from the buffers: all @fd -1 is host
 * memory (pinned while registered, charged to RLIMIT_MEMLOCK), all block
 * devices is a block segment; any other descriptor makes it a dma-buf
 * segment, whose buffers may also be host memory (@fd -1: GPU memory and
 * host staging memory in one segment). Block devices mixed with anything
 * else are -EINVAL. The segment stays until mcte_seg_unregister() or
 * until @m is closed.
 *
 * Return: 0; -EINVAL (bad name, @nr, @access or buffer), -EEXIST (name
 * taken), -EFAULT (a range is not writable memory), -ENOMEM (over
 * RLIMIT_MEMLOCK), -EOPNOTSUPP (the module has no segments of that kind:
 * see MCTE_FEAT_SEG_DMABUF, MCTE_FEAT_XPORT_NVME), other -errno.
 */
int mcte_seg_register(struct mcte *m, const char *name,
		      const struct mcte_seg_buf *bufs, unsigned int nr,
		      enum mcte_access access, __u32 *handle);

/**
 * mcte_seg_register_host() - register one range of host memory
 * @m: handle
 * @name: as for mcte_seg_register()
 * @addr: start of the range, any alignment
 * @len: its length in bytes, not zero
 * @access: as for mcte_seg_register()
 * @handle: out: the segment's handle
 *
 * Return: as mcte_seg_register().
 */
int mcte_seg_register_host(struct mcte *m, const char *name, void *addr,
			   size_t len, enum mcte_access access, __u32 *handle);

/**
 * mcte_seg_register_dmabuf() - register a range of a dma-buf
 * @m: handle
 * @name: as for mcte_seg_register()
 * @fd: the dma-buf (from a GPU driver's export, udmabuf, a DRM driver)
 * @offset: where the range starts in it
 * @len: its length in bytes, not zero
 * @access: as for mcte_seg_register()
 * @handle: out: the segment's handle
 *
 * The module takes its own reference to the dma-buf: @fd may be closed
 * once this returns.
 *
 * Return: as mcte_seg_register(); -EOPNOTSUPP, without asking the module
 * to register, when it does not implement MCTE_FEAT_SEG_DMABUF.
 */
int mcte_seg_register_dmabuf(struct mcte *m, const char *name, int fd,
			     __u64 offset, size_t len, enum mcte_access access,
			     __u32 *handle);

/**
 * mcte_seg_register_block() - register a range of a block device
 * @m: handle
 * @name: as for mcte_seg_register()
 * @fd: the device (an NVMe namespace, /dev/nvme1n1), opened with O_DIRECT,
 *	read-only or read-write: the device node's permissions decide who
 *	may, and a segment of a read-only fd cannot be written
 * @offset: byte offset of the range on the device
 * @len: its length in bytes; 0 for the rest of the device
 * @access: as for mcte_seg_register(); MCTE_ACCESS_RW wants @fd open for
 *	    writing
 * @handle: out: the segment's handle
 *
 * Requests with the segment as their target move whole blocks: their
 * target offset and length are multiples of the device's logical block
 * size (mcte_seg_align()), their local side memory of this node. The
 * module takes its own reference to the device file: @fd may be closed
 * once this returns.
 *
 * Return: 0; -ENOTBLK (@fd is not a block device), -EINVAL (not opened
 * with O_DIRECT, or @offset or @len not a multiple of the logical block
 * size), -ERANGE (beyond the device), -EBADF (@access MCTE_ACCESS_RW on
 * a read-only @fd), -EOPNOTSUPP (the module has no block segments,
 * MCTE_FEAT_XPORT_NVME), else as mcte_seg_register().
 * mcte_block_strerror() names the cause.
 */
int mcte_seg_register_block(struct mcte *m, const char *name, int fd,
			    __u64 offset, __u64 len, enum mcte_access access,
			    __u32 *handle);

/**
 * mcte_block_strerror() - message for an error of mcte_seg_register_block()
 * @err: a negative errno it returned (or positive)
 *
 * Return: a static string naming the cause; mcte_strerror() for errnos
 * with no meaning particular to block devices.
 */
const char *mcte_block_strerror(int err);

/**
 * mcte_seg_align() - what requests on a segment must be multiples of
 * @m: handle
 * @handle: a segment handle of @m
 *
 * Return: the logical block size of a block segment @m registered or
 * opened (offsets and lengths of requests that target it are multiples
 * of it), 1 for any other segment.
 */
unsigned int mcte_seg_align(struct mcte *m, __u32 handle);

/**
 * mcte_xfer_strerror() - message for the error of a request
 * @m: handle
 * @target: the request's target segment handle
 * @err: the negative errno the request failed with (or positive)
 *
 * As mcte_strerror(), but for a block segment target it says what a
 * block segment refuses, and names its block size for -EINVAL. The string
 * is thread-local: valid until this thread's next call.
 *
 * Return: the message.
 */
const char *mcte_xfer_strerror(struct mcte *m, __u32 target, int err);

/**
 * mcte_seg_unregister() - remove a segment this handle registered
 * @m: handle
 * @handle: from mcte_seg_register()
 *
 * The name is free again at once; requests in flight finish, new ones
 * naming the segment fail (-ENODEV for those who opened it).
 *
 * Return: 0, -EBADF when @handle is not a segment registered on @m.
 */
int mcte_seg_unregister(struct mcte *m, __u32 handle);

/**
 * mcte_seg_open() - open a segment by name, as the target of requests
 * @m: handle
 * @name: "name" of a segment of this node, or "host[:port]/name" of a
 *	  peer engine's (host: an IPv4 address, a bracketed IPv6 address,
 *	  or a host name, resolved here; port: 7471 when absent)
 * @access: MCTE_ACCESS_READ to read from it, MCTE_ACCESS_RW to also write
 * @handle: out: handle naming the segment as a target
 * @size: out, may be NULL: total size of the segment in bytes
 *
 * Opening a peer's segment connects to the peer engine if this node has
 * no path to it yet (shared by every process of the node), which may take
 * seconds.
 *
 * A segment of this node is opened by its owner's user only, and only
 * for what its mode allows, whether it is named by its name or through an
 * address of this node's own listeners ("10.0.0.1/name").
 *
 * Return: 0; -ENOENT (no such segment), -EACCES (it belongs to another
 * user of this node, or its mode does not allow @access), -EINVAL (a
 * peer's segment opened with MCTE_ACCESS_NONE, or a malformed name); for
 * a peer's segment also -EPERM (the administrator restricts remote
 * opens), -EUSERS (this user's limits on peers), -EHOSTUNREACH (host name
 * not resolved, or no route, or no answer), -ECONNREFUSED (no listener
 * there, or the peer refused the connection), -ENETDOWN (the RDMA device
 * of the path went away), -EKEYREJECTED (peer authentication failed),
 * -EPROTONOSUPPORT (the peer speaks another wire version), -EMFILE (the
 * path holds too many opens), -ETIMEDOUT; other -errno.
 * mcte_seg_open_strerror() names the cause.
 */
int mcte_seg_open(struct mcte *m, const char *name, enum mcte_access access,
		  __u32 *handle, __u64 *size);

/**
 * mcte_seg_close() - drop a handle from mcte_seg_open()
 *
 * Return: 0, -EBADF when @handle is not an opened segment of @m.
 */
int mcte_seg_close(struct mcte *m, __u32 handle);

/* ------------------------------------------------------------------ */
/* GPU memory (cuda.c)                                                  */

/*
 * CUDA device memory goes to the module as a dma-buf that the CUDA
 * driver exports (cuMemGetHandleForAddressRange()). The library calls
 * the CUDA driver API through libcuda.so.1, opened on first use: it
 * builds and runs without CUDA, and these functions then return -ENOSYS.
 * Exporting needs a driver that implements it for the GPU: NVIDIA's open
 * kernel modules, driver 515 or later, CUDA 11.7 or later (with the
 * proprietary modules the GPU reports no dma-buf support).
 *
 * Device pointers are CUdeviceptr values (cuMemAlloc(), cudaMalloc(),
 * PyTorch's tensor.data_ptr()), passed as __u64. Any thread may call
 * these functions; they act in the context of the pointer's allocation,
 * not the caller's current one.
 *
 * mcte_cuda_strerror() names the cause of their errors.
 */

/**
 * mcte_cuda_available() - whether CUDA devices can be used
 *
 * Opens libcuda.so.1 and initialises the driver (cuInit()) the first time
 * any mcte_cuda_*() function is called, once per process.
 *
 * Return: the number of CUDA devices (at least 1); -ENOSYS when
 * libcuda.so.1 is not found, lacks an entry point the library needs, or
 * cannot drive this node's GPUs; -ENODEV when there is no device; other
 * -errno from the driver.
 */
int mcte_cuda_available(void);

/**
 * struct mcte_cuda_loc - where a GPU is (mcte_cuda_location())
 * @device: CUDA device ordinal (as CUDA_VISIBLE_DEVICES numbers them)
 * @dmabuf: 1 when the driver can export the device's memory as dma-buf
 * @name: "cuda:N", the location name Mooncake's topology uses
 * @pci: its PCI address as sysfs spells it, "0000:3b:00.0", to find the
 *	 NICs and NUMA node near it
 */
struct mcte_cuda_loc {
	int device;
	int dmabuf;
	char name[16];
	char pci[32];
};

/**
 * mcte_cuda_location() - the device of a pointer, or of an ordinal
 * @dptr: device memory to locate, or 0 to describe @device
 * @device: with @dptr 0: a CUDA device ordinal
 * @loc: out
 *
 * Return: 0; -EINVAL (@loc NULL, or neither @dptr nor @device); -EFAULT
 * when @dptr is not CUDA device memory; -ENODEV for an ordinal with no
 * device; -ENOSYS as mcte_cuda_available(); other -errno.
 */
int mcte_cuda_location(__u64 dptr, int device, struct mcte_cuda_loc *loc);

/**
 * mcte_cuda_export_dmabuf() - a dma-buf of the allocation holding a range
 * @dptr: start of the range, device memory
 * @len: its length in bytes, not zero
 * @fd: out: a new dma-buf file descriptor (close-on-exec), the caller's
 *	to close
 * @offset: out: where @dptr is in the dma-buf
 *
 * Exports the whole allocation that holds [@dptr, @dptr + @len)
 * (cuMemGetAddressRange()), its end rounded up to a page: a buffer
 * allocator's block (PyTorch's caching allocator, a cuMemMap()'d piece of
 * a VMM reservation such as PyTorch's expandable segments) is exported
 * once per allocation whatever part of it the caller names, and the
 * exported bounds are those the driver wants, page-aligned.
 *
 * Return: 0; -EINVAL (arguments); -EFAULT (not CUDA device memory);
 * -ERANGE (the range runs past the end of its allocation: a range over
 * two cuMemMap()'d pieces needs one export each); -EOPNOTSUPP (this GPU
 * or driver cannot export dma-buf); -ENOSYS as mcte_cuda_available();
 * -ENOMEM; other -errno from the driver (-EIO when it has none to say).
 */
int mcte_cuda_export_dmabuf(__u64 dptr, size_t len, int *fd, __u64 *offset);

/**
 * mcte_seg_register_nvp2p() - register CUDA device memory as GPU peer memory
 * @m: handle
 * @name: as for mcte_seg_register()
 * @dptr: start of the range, a CUDA virtual address of this process,
 *	  MCTE_NV_P2P_ALIGN (64 KiB) aligned
 * @len: its length in bytes, a multiple of MCTE_NV_P2P_ALIGN
 * @access: as for mcte_seg_register()
 * @handle: out: the segment's handle
 *
 * A segment of kind MCTE_SEG_NV_P2P: the module pins the range with
 * nvidia_p2p_get_pages(), so it needs no dma-buf export and no CUDA in
 * this library. Freeing the memory (cudaFree) or this process exiting
 * makes the segment dead: its requests end with -ENODEV; unregister it.
 *
 * Return: 0; -EINVAL for a range not so aligned; -EOPNOTSUPP when the
 * module does not report MCTE_FEAT_SEG_NV_P2P (built without nv-p2p.h,
 * or no provider of nvidia_p2p_* loaded: only NVIDIA's open kernel
 * modules export those for GPL modules); -EFAULT when the driver has no
 * GPU memory there; otherwise as mcte_seg_register().
 */
int mcte_seg_register_nvp2p(struct mcte *m, const char *name, __u64 dptr,
			    size_t len, enum mcte_access access,
			    __u32 *handle);

/**
 * mcte_seg_register_cuda() - register CUDA device memory as a segment
 * @m: handle
 * @name: as for mcte_seg_register()
 * @dptr: start of the range, device memory
 * @len: its length in bytes, not zero
 * @access: as for mcte_seg_register()
 * @handle: out: the segment's handle
 *
 * Picks how the module gets at the memory by what this node supports:
 * a dma-buf (mcte_cuda_export_dmabuf(), then
 * mcte_seg_register_dmabuf(); the exported fd is closed again, the
 * segment holds the dma-buf) when the module implements
 * MCTE_FEAT_SEG_DMABUF and the GPU can export; otherwise GPU peer
 * memory (mcte_seg_register_nvp2p()) when the module reports
 * MCTE_FEAT_SEG_NV_P2P (NVIDIA's open kernel modules loaded), for which
 * @dptr and @len must be 64 KiB aligned.
 *
 * Return: 0; -EOPNOTSUPP when neither way is available (the module lacks
 * MCTE_FEAT_SEG_DMABUF or the GPU cannot export, and the module lacks
 * MCTE_FEAT_SEG_NV_P2P: mcte_has_feature() tells which); -EINVAL for a
 * range peer memory cannot take; -EFAULT when @dptr is not device memory;
 * otherwise as mcte_cuda_export_dmabuf() and mcte_seg_register().
 */
int mcte_seg_register_cuda(struct mcte *m, const char *name, __u64 dptr,
			   size_t len, enum mcte_access access, __u32 *handle);

/**
 * mcte_cuda_strerror() - message for an error of the GPU memory functions
 * @err: a negative errno returned by mcte_cuda_*(),
 *	 mcte_seg_register_cuda() or mcte_seg_register_dmabuf() (or positive)
 *
 * Names the causes particular to GPUs ("CUDA driver not found
 * (libcuda.so.1)", "... cannot export dma-buf ..."), and falls back to
 * mcte_strerror() for the others. The string is static.
 */
const char *mcte_cuda_strerror(int err);

/* ------------------------------------------------------------------ */
/* Requests                                                             */

/**
 * mcte_prep_xfer() - fill a request
 * @req: the request, e.g. from mcte_ring_get_sqe() or an array element
 * @opcode: MCTE_OP_READ (target into local) or MCTE_OP_WRITE
 * @batch_id: batch from mcte_batch_alloc()
 * @local_seg: handle of a segment registered on the same struct mcte
 * @local_off: offset into it
 * @target_seg: handle of a registered or opened segment
 * @target_off: offset into it
 * @len: bytes, 1 to MCTE_XFER_MAX (through io_uring: below 2 GiB, the
 *	 CQE's result is 32 bits)
 * @user_data: returned in the completion and the request's status
 *
 * Every other field, reserved ones included, is zeroed.
 */
static inline void mcte_prep_xfer(struct mcte_xfer_req *req, __u8 opcode,
				  __u32 batch_id, __u32 local_seg,
				  __u64 local_off, __u32 target_seg,
				  __u64 target_off, __u64 len,
				  __u64 user_data)
{
	memset(req, 0, sizeof(*req));
	req->opcode = opcode;
	req->local_seg = local_seg;
	req->local_off = local_off;
	req->target_seg = target_seg;
	req->target_off = target_off;
	req->length = len;
	req->user_data = user_data;
	req->batch_id = batch_id;
}

/** mcte_prep_read() - a request copying from the target into local memory */
static inline void mcte_prep_read(struct mcte_xfer_req *req, __u32 batch_id,
				  __u32 local_seg, __u64 local_off,
				  __u32 target_seg, __u64 target_off,
				  __u64 len, __u64 user_data)
{
	mcte_prep_xfer(req, MCTE_OP_READ, batch_id, local_seg, local_off,
		       target_seg, target_off, len, user_data);
}

/** mcte_prep_write() - a request copying from local memory to the target */
static inline void mcte_prep_write(struct mcte_xfer_req *req, __u32 batch_id,
				   __u32 local_seg, __u64 local_off,
				   __u32 target_seg, __u64 target_off,
				   __u64 len, __u64 user_data)
{
	mcte_prep_xfer(req, MCTE_OP_WRITE, batch_id, local_seg, local_off,
		       target_seg, target_off, len, user_data);
}

/* ------------------------------------------------------------------ */
/* Batches, in the shape of Mooncake's Transfer Engine (batch.c)        */

/**
 * struct mcte_batch_state - a batch as a whole (mcte_batch_status())
 * @state: enum mcte_xfer_state: the worst end state of its requests once
 *	   all have ended, MCTE_XFER_PENDING while any runs, else WAITING
 * @nr: number of requests in the batch
 * @bytes: bytes transferred by all of them
 */
struct mcte_batch_state {
	__u32 state;
	__u32 nr;
	__u64 bytes;
};

/**
 * mcte_batch_alloc() - allocate a batch (Mooncake: allocateBatchID)
 * @m: handle
 * @capacity: most requests the batch will hold, 1 to MCTE_BATCH_MAX
 * @batch_id: out: its id, not zero
 *
 * Return: 0, -EINVAL for @capacity, -ENOMEM, -ENOTTY without batches.
 */
int mcte_batch_alloc(struct mcte *m, unsigned int capacity, __u32 *batch_id);

/**
 * mcte_batch_submit() - submit requests to a batch (Mooncake: submitTransfer)
 * @m: handle
 * @batch_id: the batch; each request's @batch_id is taken to be it
 * @reqs: @nr requests, filled e.g. with mcte_prep_read()/_write()
 * @nr: at least one
 *
 * One MCTE_IOC_BATCH_SUBMIT for the whole array, whatever @nr: all or
 * nothing — on failure no request was queued. Their progress is read
 * with mcte_batch_status(); the completions the module also queues on the
 * file for them are drained and dropped by the library (see
 * mcte_ring_init() for the ring's side), so nothing piles up however long
 * the batch lives.
 *
 * Why not through a ring: an array handed over at once costs one system
 * call on this path too, and only this path can refuse the array as a
 * whole, which is what submitTransfer() promises; through io_uring each
 * request is accepted or refused on its own and says so only in its
 * completion. Use a ring (mcte_ring_get_sqe()) to stream requests.
 *
 * Return: @nr; -EINVAL, -E2BIG, -ENOENT (no such batch), -ENOSPC (batch
 * full), -EBADF, -ENODEV, -EACCES, -ERANGE as checked for each request
 * (see Documentation/abi.rst), -EBUSY when a ring of @m still has
 * completions of this batch to deliver, other -errno.
 */
int mcte_batch_submit(struct mcte *m, __u32 batch_id,
		      const struct mcte_xfer_req *reqs, unsigned int nr);

/**
 * mcte_batch_status() - progress of a batch (Mooncake: getTransferStatus)
 * @m: handle
 * @batch_id: the batch
 * @st: room for @nr per-request states, in submission order; may be NULL
 *	with @nr 0 to ask for the batch as a whole only
 * @nr: room in @st
 * @out: may be NULL: the batch as a whole
 *
 * Return: the number of entries of @st filled (the smaller of @nr and the
 * number of requests in the batch), -ENOENT for an unknown batch, other
 * -errno.
 */
int mcte_batch_status(struct mcte *m, __u32 batch_id,
		      struct mcte_xfer_status *st, unsigned int nr,
		      struct mcte_batch_state *out);

/**
 * mcte_batch_cancel() - end the unfinished requests of a batch as CANCELED
 *
 * Slices already copying finish first. Return: 0, -ENOENT, other -errno.
 */
int mcte_batch_cancel(struct mcte *m, __u32 batch_id);

/**
 * mcte_batch_free() - free a batch whose requests have all ended
 *	(Mooncake: freeBatchID)
 *
 * Return: 0; -EBUSY while requests of the batch are unfinished (cancel
 * them first, or wait); -ENOENT for an unknown or already freed batch.
 */
int mcte_batch_free(struct mcte *m, __u32 batch_id);

/* ------------------------------------------------------------------ */
/* Synchronous transfers (xfer.c)                                       */

/**
 * mcte_transfer_sync_read() - copy from a target segment, and wait
 * @m: handle
 * @local_seg: handle of a segment registered on @m, the destination
 * @local_off: offset into it
 * @target_seg: handle of an opened (for read) or registered segment
 * @target_off: offset into it
 * @len: bytes, not zero
 *
 * Uses a batch of its own for the one request (allocated and freed on
 * each call: four ioctls), so it may be called from any thread at any
 * time; for many requests use a batch or a ring instead.
 *
 * Return: bytes transferred (@len), or -errno: as for
 * mcte_batch_submit(), or the request's own error (-ETIMEDOUT,
 * -ECANCELED, -EIO...).
 */
__s64 mcte_transfer_sync_read(struct mcte *m, __u32 local_seg,
			      __u64 local_off, __u32 target_seg,
			      __u64 target_off, __u64 len);

/**
 * mcte_transfer_sync_write() - copy to a target segment, and wait
 *
 * As mcte_transfer_sync_read(), from @local_seg to @target_seg.
 */
__s64 mcte_transfer_sync_write(struct mcte *m, __u32 local_seg,
			       __u64 local_off, __u32 target_seg,
			       __u64 target_off, __u64 len);

/* ------------------------------------------------------------------ */
/* Rings: streaming requests, liburing style (ring.c, uring.c)          */

/* mcte_ring_init() flags */
#define MCTE_RING_SQPOLL	(1U << 0)	/* io_uring with a kernel SQ thread */
#define MCTE_RING_FORCE_IOCTL	(1U << 1)	/* the ioctl path, never io_uring */

/**
 * enum mcte_ring_mode - how a ring reaches the module (mcte_ring_mode())
 * @MCTE_RING_MODE_URING: io_uring IORING_OP_URING_CMD; a batch submitted
 *	with mcte_ring_submit_and_wait() costs one system call
 * @MCTE_RING_MODE_SQPOLL: the same with a kernel thread polling the
 *	submission queue and the caller polling the completion queue: no
 *	system call while the thread is awake
 * @MCTE_RING_MODE_IOCTL: MCTE_IOC_BATCH_SUBMIT and MCTE_IOC_REAP: two
 *	system calls a batch
 */
enum mcte_ring_mode {
	MCTE_RING_MODE_URING	= 1,
	MCTE_RING_MODE_SQPOLL	= 2,
	MCTE_RING_MODE_IOCTL	= 3,
};

struct mcte_ring_int;

/**
 * struct mcte_ring - a submission and completion queue on a struct mcte
 * @m: the handle it was set up on (read-only)
 * @mode: enum mcte_ring_mode (read-only; see mcte_ring_mode())
 * @sq_entries: requests that can be prepared before a submit (read-only)
 * @cq_entries: requests that can be in flight or completed and not yet
 *		seen (read-only)
 * @ri: the library's state
 * @resv: for later use
 *
 * The caller provides the memory (like struct io_uring); only
 * mcte_ring_*() functions may change it.
 */
struct mcte_ring {
	struct mcte *m;
	unsigned int mode;
	unsigned int sq_entries;
	unsigned int cq_entries;
	unsigned int resv0;
	struct mcte_ring_int *ri;
	__u64 resv[4];
};

/**
 * mcte_ring_init() - set up a ring
 * @m: handle; the segments and batches of the requests belong to it
 * @ring: the ring to set up
 * @entries: submission queue size, 1 to 4096 (rounded up to a power of
 *	     two); up to twice as many requests may be in flight
 * @flags: 0, MCTE_RING_SQPOLL or MCTE_RING_FORCE_IOCTL
 *
 * Without flags the ring uses io_uring when the module implements
 * MCTE_FEAT_URING_CMD and io_uring can be set up (it is often disabled in
 * containers), else the ioctl path; mcte_ring_mode() tells which. With
 * MCTE_RING_SQPOLL it is io_uring with an SQ thread or an error: an
 * explicit request never silently becomes a slower path.
 *
 * The completion queue cannot overflow: mcte_ring_get_sqe() hands out no
 * more requests while @cq_entries are in flight or completed and not yet
 * marked seen, so the kernel always has room for every completion. On
 * the ioctl path, completions are routed by batch: all the rings (and
 * the batch functions) of one struct mcte share the file's completion
 * queue and each gets those of the batches it submitted to; a batch is
 * used by one ring at a time (-EBUSY otherwise, in that request's CQE).
 *
 * Exit every ring of @m with mcte_ring_exit() before mcte_close(@m).
 *
 * Return: 0; -EINVAL (@entries, @flags); -ENOTTY when the module
 * implements neither path (or not the one forced); -errno from io_uring
 * set-up with MCTE_RING_SQPOLL; -ENOMEM.
 */
int mcte_ring_init(struct mcte *m, struct mcte_ring *ring,
		   unsigned int entries, unsigned int flags);

/**
 * mcte_ring_exit() - tear down a ring
 *
 * Requests still in flight complete in the module; their completions are
 * lost. Wait for them first to know how they ended.
 */
void mcte_ring_exit(struct mcte_ring *ring);

/**
 * mcte_ring_mode() - enum mcte_ring_mode of a set-up ring, or -EINVAL
 */
int mcte_ring_mode(const struct mcte_ring *ring);

/**
 * mcte_ring_mode_name() - "uring", "sqpoll", "ioctl", or "unknown"
 */
const char *mcte_ring_mode_name(int mode);

/**
 * mcte_ring_get_sqe() - the next free request slot
 *
 * The request is zeroed; fill it with mcte_prep_read()/_write() before
 * the next mcte_ring_submit*(). Its @user_data comes back in the
 * completion.
 *
 * Return: the slot, or NULL when the submission queue is full (submit
 * first) or @cq_entries requests are in flight or unseen (reap first).
 */
struct mcte_xfer_req *mcte_ring_get_sqe(struct mcte_ring *ring);

/**
 * mcte_ring_submit() - hand the prepared requests to the module
 *
 * A request the module refuses (see mcte_batch_submit() for the checks)
 * completes at once with the error in its CQE; the others go ahead.
 *
 * Return: the number of requests submitted (0 when none were prepared),
 * or -errno when none could be (they stay prepared, to be submitted
 * again).
 */
int mcte_ring_submit(struct mcte_ring *ring);

/**
 * mcte_ring_submit_and_wait() - submit, then wait for completions
 * @ring: the ring
 * @wait_nr: wait until at least this many completions are available
 *	     (not yet seen), at most @cq_entries
 *
 * io_uring: a single io_uring_enter() for both; with SQPOLL, none while
 * the SQ thread is awake: the caller spins on the completion queue (for
 * at most a second by default, then blocks). ioctl: MCTE_IOC_BATCH_SUBMIT,
 * then one MCTE_IOC_REAP waiting for @wait_nr. With a busy-poll time
 * (mcte_ring_set_busy_poll()) the wait spins first.
 *
 * Return: the number of requests submitted, or -errno (-EINTR when a
 * signal interrupted the wait).
 */
int mcte_ring_submit_and_wait(struct mcte_ring *ring, unsigned int wait_nr);

/**
 * mcte_ring_wait_cqe() - wait for a completion
 * @ring: the ring
 * @cqe: out: the oldest completion not yet seen, valid until
 *	 mcte_ring_cqe_seen()
 *
 * Completions of both paths come as a struct mcte_cqe: @user_data of the
 * request, @res its bytes or -errno, its @batch_id, and @state
 * (COMPLETED, or FAILED/TIMEOUT/CANCELED by the error for io_uring).
 * With a busy-poll time (mcte_ring_set_busy_poll()) it spins first.
 *
 * Return: 0, -EINTR, other -errno.
 */
int mcte_ring_wait_cqe(struct mcte_ring *ring, struct mcte_cqe **cqe);

/**
 * mcte_ring_set_busy_poll() - spin for completions before sleeping
 * @ring: a set-up ring
 * @usec: how long a wait of mcte_ring_submit_and_wait() or
 *	  mcte_ring_wait_cqe() spins for its completions before it blocks;
 *	  0 blocks at once
 *
 * A thread that sleeps until a request ends is woken for it: a wake-up
 * per completion, and a sleeping CPU to wake when the transport's
 * workers run on another. Spinning costs the waiting thread's CPU and
 * saves both, as a verbs application busy-polling its CQ does. io_uring
 * rings spin on the completion queue in user space, without system
 * calls; ioctl rings call MCTE_IOC_REAP without waiting.
 *
 * Default: 0 for io_uring and ioctl rings, one second for SQPOLL rings
 * (whose submissions make no system call to wait in).
 *
 * Return: 0, or -EINVAL when @ring is not set up.
 */
int mcte_ring_set_busy_poll(struct mcte_ring *ring, unsigned int usec);

/**
 * mcte_ring_peek_cqe() - a completion if there is one, without waiting
 *
 * Return: 0 with *@cqe set, -EAGAIN when there is none, other -errno.
 */
int mcte_ring_peek_cqe(struct mcte_ring *ring, struct mcte_cqe **cqe);

/**
 * mcte_ring_cqe_seen() - mark the completion from *_cqe() as consumed
 */
void mcte_ring_cqe_seen(struct mcte_ring *ring, struct mcte_cqe *cqe);

#ifdef __cplusplus
}
#endif

#endif /* LIBMCTE_H */
