// SPDX-License-Identifier: GPL-2.0
/*
 * mcte - segments: named sets of user buffers, pinned while anyone uses
 * them, and the per-file handles that name them in requests.
 *
 * Lifetime: a segment is created with one reference, its owner handle's.
 * Registration puts it in the engine's name table, which holds no
 * reference of its own: the segment leaves the table (under seg_lock,
 * marked dead) before the owner handle drops its reference, at
 * MCTE_IOC_SEG_UNREG or when the owning file goes. Lookups take their
 * reference under seg_lock. Opened handles and transfers hold references
 * too, so the memory stays held, and charged to the registering process,
 * until the last of them is gone and the segment's kind releases it.
 *
 * What the memory is made of is the kind's business (seg_kind.h): this
 * file names no kind but in the list of those user space may register.
 *
 * Handles are per file (an xarray of struct mcte_handle); a handle and its
 * reference go together, under the xarray's lock, so a lookup that finds a
 * handle can always take a reference on its segment.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/capability.h>
#include <linux/cred.h>
#include <linux/delay.h>
#include <linux/jhash.h>
#include <linux/mm.h>
#include <linux/overflow.h>
#include <linux/pid.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <linux/xarray.h>

#include "mcte.h"
#include "seg_kind.h"
#include "transport.h"

/* Segment serials: never reused while the module is loaded. */
static atomic64_t mcte_seg_serial = ATOMIC64_INIT(0);

/*
 * The kinds user space registers, by enum mcte_seg_kind. A peer's segment
 * is made by its transport, never registered.
 */
static const struct mcte_seg_ops *const mcte_seg_kinds[] = {
	[MCTE_SEG_HOST]		= &mcte_seg_host_ops,
	[MCTE_SEG_DMABUF]	= &mcte_seg_dmabuf_ops,
	[MCTE_SEG_BLOCK]	= &mcte_seg_block_ops,
	[MCTE_SEG_NV_P2P]	= MCTE_SEG_NVP2P_OPS,
};

/**
 * mcte_seg_features() - what the kinds of segment memory bring
 *
 * Return: the MCTE_FEAT_* bits of every registrable kind whose memory can
 * be had now.
 */
u64 mcte_seg_features(void)
{
	const struct mcte_seg_ops *ops;
	u64 features = 0;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(mcte_seg_kinds); i++) {
		ops = mcte_seg_kinds[i];
		if (ops && (!ops->available || ops->available()))
			features |= ops->features;
	}
	return features;
}

/**
 * mcte_seg_alloc() - allocate a segment of any kind
 * @size: bytes of the kind's struct, whose first member is the segment
 * @nr_bufs: its number of buffers, at least one
 * @ops: its kind
 *
 * Use mcte_seg_new(), which checks where the segment sits. The buffers'
 * table is allocated with it; the segment has one reference, a new
 * serial, and the caller as its owner (uid, thread group).
 *
 * Return: the kind's struct, zeroed otherwise, or NULL.
 */
void *mcte_seg_alloc(size_t size, u32 nr_bufs, const struct mcte_seg_ops *ops)
{
	struct mcte_seg *seg;
	size_t bufs, total;

	size = ALIGN(size, __alignof__(struct mcte_sbuf));
	bufs = array_size(nr_bufs, sizeof(*seg->bufs));
	if (check_add_overflow(size, bufs, &total))
		return NULL;
	seg = kvzalloc(total, GFP_KERNEL_ACCOUNT);
	if (!seg)
		return NULL;
	kref_init(&seg->ref);
	INIT_HLIST_NODE(&seg->hnode);
	seg->ops = ops;
	seg->kind = ops->kind;
	seg->uid = current_euid();
	seg->owner = get_task_pid(current, PIDTYPE_TGID);
	atomic_set(&seg->inflight, 0);
	seg->serial = atomic64_inc_return(&mcte_seg_serial);
	seg->nr_bufs = nr_bufs;
	seg->bufs = (void *)seg + size;
	seg->align = 1;
	return seg;
}

/**
 * mcte_seg_free() - free a segment of any kind
 * @seg: from mcte_seg_alloc(), its memory let go of by its kind
 */
void mcte_seg_free(struct mcte_seg *seg)
{
	put_pid(seg->owner);
	kvfree(seg);
}

/**
 * mcte_seg_charge() - charge pinned memory as ib_umem_get() does
 * @mm: the registering process's mm (current's)
 * @pages: pages about to be pinned
 *
 * Return: 0, or -ENOMEM over RLIMIT_MEMLOCK without CAP_IPC_LOCK.
 */
int mcte_seg_charge(struct mm_struct *mm, unsigned long pages)
{
	unsigned long limit = rlimit(RLIMIT_MEMLOCK) >> PAGE_SHIFT;
	u64 pinned;

	pinned = atomic64_add_return(pages, &mm->pinned_vm);
	if (pinned > limit && !capable(CAP_IPC_LOCK)) {
		atomic64_sub(pages, &mm->pinned_vm);
		return -ENOMEM;
	}
	return 0;
}

/**
 * mcte_seg_uncharge() - undo mcte_seg_charge()
 * @mm: the mm charged
 * @pages: pages charged
 */
void mcte_seg_uncharge(struct mm_struct *mm, unsigned long pages)
{
	atomic64_sub(pages, &mm->pinned_vm);
}

/* ASCII only: the kernel's isalnum() takes Latin-1 letters too. */
static bool mcte_seg_name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
}

/**
 * mcte_seg_name_valid() - whether a segment name is well formed
 * @name: the name
 * @size: bytes of @name that may be read
 *
 * Return: true for 1 to MCTE_SEG_NAME_MAX - 1 characters from
 * [A-Za-z0-9._-], NUL-terminated within @size bytes.
 */
bool mcte_seg_name_valid(const char *name, size_t size)
{
	size_t i, len = strnlen(name, size);

	if (!len || len >= MCTE_SEG_NAME_MAX || len == size)
		return false;
	for (i = 0; i < len; i++) {
		if (!mcte_seg_name_char(name[i]))
			return false;
	}
	return true;
}

static u32 mcte_seg_hash(const char *name)
{
	return jhash(name, strlen(name), 0);
}

/* Under eng->seg_lock. */
static struct mcte_seg *mcte_seg_find(struct mcte_engine *eng,
				      const char *name)
{
	struct mcte_seg *seg;

	lockdep_assert_held(&eng->seg_lock);
	hash_for_each_possible(eng->seg_hash, seg, hnode, mcte_seg_hash(name)) {
		if (!strcmp(seg->name, name))
			return seg;
	}
	return NULL;
}

/**
 * mcte_seg_lookup() - find a registered segment by name
 * @eng: the engine to look in
 * @name: a NUL-terminated name
 *
 * Return: the segment with a reference dropped by mcte_seg_put(), or NULL.
 */
struct mcte_seg *mcte_seg_lookup(struct mcte_engine *eng, const char *name)
{
	struct mcte_seg *seg;

	mutex_lock(&eng->seg_lock);
	seg = mcte_seg_find(eng, name);
	if (seg)
		kref_get(&seg->ref);
	mutex_unlock(&eng->seg_lock);
	return seg;
}

static void mcte_seg_release(struct kref *ref)
{
	struct mcte_seg *seg = container_of(ref, struct mcte_seg, ref);

	seg->ops->release(seg);
}

/**
 * mcte_seg_put() - drop a reference to a segment
 * @seg: the segment
 *
 * Process context, no spinlock held: the last reference releases the
 * memory.
 */
void mcte_seg_put(struct mcte_seg *seg)
{
	kref_put(&seg->ref, mcte_seg_release);
}

static bool mcte_seg_name_taken(struct mcte_engine *eng, const char *name)
{
	bool taken;

	mutex_lock(&eng->seg_lock);
	taken = mcte_seg_find(eng, name);
	mutex_unlock(&eng->seg_lock);
	return taken;
}

/* A segment of @r's kind holding its memory, not registered yet. */
static struct mcte_seg *mcte_seg_create(struct mcte_file *mf,
					const struct mcte_seg_reg *r,
					const struct mcte_seg_buf *ubufs)
{
	const struct mcte_seg_ops *ops = mcte_seg_kinds[r->kind];
	struct mcte_seg *seg;

	/* Fail early on a taken name; it is checked again when published. */
	if (mcte_seg_name_taken(mf->eng, r->name))
		return ERR_PTR(-EEXIST);
	seg = ops->create(mf->eng, r, ubufs);
	if (IS_ERR(seg))
		return seg;
	seg->eng = mf->eng;
	strscpy(seg->name, r->name, sizeof(seg->name));
	seg->access = r->access;
	return seg;
}

/*
 * Put a created segment into its engine's table: 0, -EEXIST, -ENOMEM, or
 * -ENODEV when its memory was taken back meanwhile.
 */
static int mcte_seg_publish(struct mcte_seg *seg)
{
	struct mcte_engine *eng = seg->eng;
	int ret;

	mutex_lock(&eng->seg_lock);
	/* Its memory was taken back while it was being registered. */
	if (seg->revoked) {
		ret = -ENODEV;
		goto out_unlock;
	}
	if (mcte_seg_find(eng, seg->name)) {
		ret = -EEXIST;
		goto out_unlock;
	}
	ret = xa_alloc_cyclic(&eng->segs, &seg->id, seg, xa_limit_32b,
			      &eng->seg_next, GFP_KERNEL);
	if (ret < 0)
		goto out_unlock;
	hash_add(eng->seg_hash, &seg->hnode, mcte_seg_hash(seg->name));
	atomic_long_inc(&eng->nr_segs);
	ret = 0;
out_unlock:
	mutex_unlock(&eng->seg_lock);
	return ret;
}

/* Out of its engine's table, dead; under seg_lock. */
static void mcte_seg_unlist(struct mcte_seg *seg)
{
	struct mcte_engine *eng = seg->eng;

	lockdep_assert_held(&eng->seg_lock);
	WRITE_ONCE(seg->dead, true);
	hash_del(&seg->hnode);
	xa_erase(&eng->segs, seg->id);
	atomic_long_dec(&eng->nr_segs);
}

/* What follows a segment's death, with no lock held. */
static void mcte_seg_gone(struct mcte_seg *seg)
{
	mcte_nl_seg_notify(seg, MCTE_CMD_SEG_DEL_NTF);
	/* Transfers waiting to copy from or to it end now. */
	mcte_xfer_sweep(seg->eng);
	/* Peers' keys to it are voided; they hear of it. */
	mcte_transports_seg_unregistered(seg);
}

/*
 * Take a segment out of its engine's table: its name is free at once,
 * new requests on it fail with -ENODEV, and so do slices that have not
 * started copying. The caller still holds its reference.
 */
static void mcte_seg_unregister(struct mcte_seg *seg)
{
	struct mcte_engine *eng = seg->eng;

	mutex_lock(&eng->seg_lock);
	/* Its provider may have taken the memory back first. */
	if (seg->dead) {
		WARN_ON_ONCE(!seg->revoked);
		mutex_unlock(&eng->seg_lock);
		return;
	}
	mcte_seg_unlist(seg);
	mutex_unlock(&eng->seg_lock);
	mcte_seg_gone(seg);
}

/**
 * mcte_seg_revoke() - a segment's memory is being taken back
 * @seg: a referenced segment of this node
 *
 * For a kind whose memory another module may take back while it is
 * registered (a GPU driver freeing the memory, or its process exiting):
 * the segment goes dead as if unregistered (its name is free, requests
 * on it end with -ENODEV, peers hear SEG_GONE and lose their keys), and
 * this returns once no transfer uses it any more, so that nothing reads or
 * writes the memory after. The owner's handle stays until it unregisters
 * or closes. Process context, no lock held; may wait for as long as the
 * transfers on it take to end (their deadline at most).
 */
void mcte_seg_revoke(struct mcte_seg *seg)
{
	struct mcte_engine *eng = seg->eng;
	unsigned long waited = 0;
	bool listed;

	mutex_lock(&eng->seg_lock);
	/* Not listed yet when it comes during registration. */
	listed = !seg->dead && !hlist_unhashed(&seg->hnode);
	seg->revoked = true;
	if (listed)
		mcte_seg_unlist(seg);
	mutex_unlock(&eng->seg_lock);
	if (listed)
		mcte_seg_gone(seg);

	/* Transfers end by themselves now; none waits on this. */
	while (atomic_read(&seg->inflight)) {
		usleep_range(1000, 2000);
		if (++waited % 10000 == 0)
			pr_info("segment %s: its memory is being taken back; waiting for %d transfers\n",
				seg->name, atomic_read(&seg->inflight));
	}
}

/* Reserve a handle number of @mf: 0 or -errno. Release with xa_erase(). */
static int mcte_handle_reserve(struct mcte_file *mf, u32 *id)
{
	int ret;

	ret = xa_alloc_cyclic(&mf->handles, id, NULL, XA_LIMIT(1, INT_MAX),
			      &mf->handle_next, GFP_KERNEL_ACCOUNT);
	return ret < 0 ? ret : 0;
}

/**
 * mcte_ioctl_seg_reg() - MCTE_IOC_SEG_REG: register a segment
 * @mf: the file
 * @arg: struct mcte_seg_reg in user memory
 *
 * The handle is written back before the segment becomes visible, so a
 * call that fails leaves nothing registered.
 *
 * Return: 0 or -errno.
 */
long mcte_ioctl_seg_reg(struct mcte_file *mf, struct mcte_seg_reg __user *arg)
{
	struct mcte_seg_buf *ubufs;
	struct mcte_handle *h;
	struct mcte_seg_reg r;
	struct mcte_seg *seg;
	u32 id;
	int ret;

	if (copy_from_user(&r, arg, sizeof(r)))
		return -EFAULT;
	if (r.resv[0] || r.resv[1])
		return -EINVAL;
	if (!mcte_seg_name_valid(r.name, sizeof(r.name)))
		return -EINVAL;
	if (r.access > MCTE_ACCESS_RW)
		return -EINVAL;
	if (r.kind > MCTE_SEG_NV_P2P)
		return -EINVAL;
	/* A kind of the ABI this module has no memory of. */
	if (r.kind >= ARRAY_SIZE(mcte_seg_kinds) || !mcte_seg_kinds[r.kind])
		return -EOPNOTSUPP;
	if (!r.nr_bufs || r.nr_bufs > MCTE_SEG_BUFS_MAX)
		return -EINVAL;

	ubufs = vmemdup_user(u64_to_user_ptr(r.bufs),
			     array_size(r.nr_bufs, sizeof(*ubufs)));
	if (IS_ERR(ubufs))
		return PTR_ERR(ubufs);
	seg = mcte_seg_create(mf, &r, ubufs);
	kvfree(ubufs);
	if (IS_ERR(seg))
		return PTR_ERR(seg);

	h = kzalloc(sizeof(*h), GFP_KERNEL_ACCOUNT);
	if (!h) {
		ret = -ENOMEM;
		goto out_put_seg;
	}
	h->seg = seg;
	h->access = MCTE_ACCESS_RW;
	h->owner = true;

	ret = mcte_handle_reserve(mf, &id);
	if (ret)
		goto out_free_handle;
	if (put_user(id, &arg->handle)) {
		ret = -EFAULT;
		goto out_release_id;
	}
	ret = mcte_seg_publish(seg);
	if (ret)
		goto out_release_id;

	/* Over a reserved entry: allocates nothing, cannot fail. */
	WARN_ON_ONCE(xa_is_err(xa_store(&mf->handles, id, h, GFP_KERNEL)));
	mcte_nl_seg_notify(seg, MCTE_CMD_SEG_ADD_NTF);
	return 0;

out_release_id:
	xa_erase(&mf->handles, id);
out_free_handle:
	kfree(h);
out_put_seg:
	mcte_seg_put(seg);
	return ret;
}

/* Take handle @id of the kind asked for out of @mf's table. */
static struct mcte_handle *mcte_handle_remove(struct mcte_file *mf, u32 id,
					      bool owner)
{
	struct mcte_handle *h;

	xa_lock(&mf->handles);
	h = xa_load(&mf->handles, id);
	if (h && h->owner == owner)
		__xa_erase(&mf->handles, id);
	else
		h = NULL;
	xa_unlock(&mf->handles);
	return h;
}

/**
 * mcte_ioctl_seg_unreg() - MCTE_IOC_SEG_UNREG: unregister a segment
 * @mf: the file that registered it
 * @arg: its handle, a u32 in user memory
 *
 * Return: 0, -EFAULT, or -EBADF for a handle that is not one of this
 * file's registered segments.
 */
long mcte_ioctl_seg_unreg(struct mcte_file *mf, u32 __user *arg)
{
	struct mcte_handle *h;
	u32 id;

	if (get_user(id, arg))
		return -EFAULT;
	h = mcte_handle_remove(mf, id, true);
	if (!h)
		return -EBADF;

	mcte_seg_unregister(h->seg);
	mcte_seg_put(h->seg);
	kfree(h);
	return 0;
}

/**
 * mcte_seg_may_open_as() - the local rule: may @uid have @want of a segment
 * @seg: a segment of this node
 * @uid: the opening user
 * @want: enum mcte_access asked for
 *
 * The rule for every open of a segment by a process of this node, whatever
 * name it was opened by (its own, or an address of this node's listeners:
 * rdma_export.c applies it then).
 *
 * Return: 0 or -EACCES.
 */
int mcte_seg_may_open_as(const struct mcte_seg *seg, kuid_t uid, u32 want)
{
	/* Another user opens nothing, whatever the mode says. */
	if (!uid_eq(seg->uid, uid))
		return -EACCES;
	if (seg->access == MCTE_ACCESS_NONE || want > seg->access)
		return -EACCES;
	return 0;
}

/* "<peer>/<segment>": a peer's segment, reached through a transport. */
static int mcte_seg_open_remote(struct mcte_file *mf, const char *name,
				u32 access, struct mcte_seg **segp,
				u32 *nr_bufs)
{
	const char *slash = strrchr(name, '/');

	if (slash == name)
		return -EINVAL;
	if (!mcte_seg_name_valid(slash + 1, MCTE_SEG_NAME_MAX))
		return -EINVAL;
	return mcte_transport_open_remote(mf->eng, name, slash - name, access,
					  segp, nr_bufs);
}

/**
 * mcte_ioctl_seg_open() - MCTE_IOC_SEG_OPEN: open a segment by name
 * @mf: the file
 * @arg: struct mcte_seg_open in user memory
 *
 * Return: 0 or -errno.
 */
long mcte_ioctl_seg_open(struct mcte_file *mf,
			 struct mcte_seg_open __user *arg)
{
	struct mcte_handle *h;
	struct mcte_seg_open o;
	struct mcte_seg *seg;
	u32 id, nr_bufs;
	int ret;

	if (copy_from_user(&o, arg, sizeof(o)))
		return -EFAULT;
	if (o.align || o.resv[0] || o.resv[1])
		return -EINVAL;
	if (o.access > MCTE_ACCESS_RW)
		return -EINVAL;
	if (strnlen(o.name, sizeof(o.name)) == sizeof(o.name))
		return -EINVAL;
	if (strchr(o.name, '/')) {
		ret = mcte_seg_open_remote(mf, o.name, o.access, &seg,
					   &nr_bufs);
		if (ret)
			return ret;
	} else {
		if (!mcte_seg_name_valid(o.name, sizeof(o.name)))
			return -EINVAL;
		seg = mcte_seg_lookup(mf->eng, o.name);
		if (!seg)
			return -ENOENT;
		nr_bufs = seg->nr_bufs;
		ret = mcte_seg_may_open_as(seg, current_euid(), o.access);
		if (ret)
			goto out_put_seg;
	}

	h = kzalloc(sizeof(*h), GFP_KERNEL_ACCOUNT);
	if (!h) {
		ret = -ENOMEM;
		goto out_put_seg;
	}
	h->seg = seg;
	h->access = o.access;

	ret = mcte_handle_reserve(mf, &id);
	if (ret)
		goto out_free_handle;
	/* The outputs only: the rest of the struct is the caller's. */
	if (put_user(id, &arg->handle) ||
	    put_user(nr_bufs, &arg->nr_bufs) ||
	    put_user(seg->size, &arg->size) ||
	    put_user(seg->align, &arg->align)) {
		ret = -EFAULT;
		goto out_release_id;
	}
	WARN_ON_ONCE(xa_is_err(xa_store(&mf->handles, id, h, GFP_KERNEL)));
	return 0;

out_release_id:
	xa_erase(&mf->handles, id);
out_free_handle:
	kfree(h);
out_put_seg:
	mcte_seg_put(seg);
	return ret;
}

/**
 * mcte_ioctl_seg_close() - MCTE_IOC_SEG_CLOSE: close an opened handle
 * @mf: the file
 * @arg: the handle, a u32 in user memory
 *
 * Return: 0, -EFAULT, or -EBADF for a handle that is not one this file
 * opened.
 */
long mcte_ioctl_seg_close(struct mcte_file *mf, u32 __user *arg)
{
	struct mcte_handle *h;
	u32 id;

	if (get_user(id, arg))
		return -EFAULT;
	h = mcte_handle_remove(mf, id, false);
	if (!h)
		return -EBADF;

	mcte_seg_put(h->seg);
	kfree(h);
	return 0;
}

/**
 * mcte_seg_get_handle() - the segment a handle of a file names
 * @mf: the file
 * @id: the handle
 * @owner: only a handle of a segment @mf registered will do
 * @access: out: what requests through the handle may do
 *
 * Return: the segment with a reference dropped by mcte_seg_put(), or NULL.
 */
struct mcte_seg *mcte_seg_get_handle(struct mcte_file *mf, u32 id,
				     bool owner, u32 *access)
{
	struct mcte_seg *seg = NULL;
	struct mcte_handle *h;

	xa_lock(&mf->handles);
	h = xa_load(&mf->handles, id);
	if (h && (h->owner || !owner)) {
		seg = h->seg;
		kref_get(&seg->ref);
		*access = h->access;
	}
	xa_unlock(&mf->handles);
	return seg;
}

/**
 * mcte_seg_release_file() - drop every handle of a file that goes away
 * @mf: the file, with no transfer left
 *
 * Segments the file registered are unregistered; their pages stay pinned
 * while other files' transfers still use them.
 */
void mcte_seg_release_file(struct mcte_file *mf)
{
	struct mcte_handle *h;
	unsigned long id;

	xa_for_each(&mf->handles, id, h) {
		xa_erase(&mf->handles, id);
		if (h->owner)
			mcte_seg_unregister(h->seg);
		mcte_seg_put(h->seg);
		kfree(h);
		cond_resched();
	}
	xa_destroy(&mf->handles);
}
