// SPDX-License-Identifier: GPL-2.0
/*
 * mcte - /dev/mcte, the data path entry point: ioctls and io_uring
 * commands.
 *
 * A file lives from open to release. Release runs when no ioctl and no
 * io_uring command of the file is in progress (each holds the file), and
 * tears the file down in this order:
 *  1. every request of the file that has not ended is canceled, and
 *     release waits until all have ended; slices already copying finish
 *     first, slices not started are dropped, so this takes at most one
 *     slice's time;
 *  2. completions nobody reaped and the batches are freed;
 *  3. the handles go: segments the file registered are unregistered
 *     (their pages stay pinned while other files' transfers use them),
 *     opened ones are closed;
 *  4. the network namespace reference is dropped.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/build_bug.h>
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/nsproxy.h>
#include <linux/slab.h>
#include <linux/stddef.h>
#include <linux/uaccess.h>
#include <net/net_namespace.h>
#include <uapi/linux/io_uring.h>

#include "mcte.h"
#include "transport.h"

/*
 * The uapi structures have explicit padding only, so that 32-bit callers
 * (compat_ptr_ioctl) and 64-bit ones share one layout; a size that moves
 * means a field moved, which is an ABI break.
 */
static_assert(sizeof(struct mcte_version) == 56);
static_assert(sizeof(struct mcte_seg_buf) == 24);
static_assert(sizeof(struct mcte_seg_reg) == 104);
static_assert(sizeof(struct mcte_seg_open) == 296);
static_assert(sizeof(struct mcte_xfer_req) == 64);
static_assert(sizeof(struct mcte_xfer_req) <= MCTE_SQE128_CMD_SIZE);
static_assert(sizeof(struct mcte_batch_alloc) == 16);
static_assert(sizeof(struct mcte_batch_submit) == 24);
static_assert(sizeof(struct mcte_xfer_status) == 24);
static_assert(sizeof(struct mcte_batch_status) == 40);
static_assert(sizeof(struct mcte_cqe) == 24);
static_assert(sizeof(struct mcte_reap) == 24);

static int mcte_chr_open(struct inode *inode, struct file *file)
{
	struct mcte_file *mf;
	int ret;

	ret = nonseekable_open(inode, file);
	if (ret)
		return ret;

	mf = kzalloc(sizeof(*mf), GFP_KERNEL_ACCOUNT);
	if (!mf)
		return -ENOMEM;

	mf->net = get_net(current->nsproxy->net_ns);
	mf->eng = mcte_engine(mf->net);
	xa_init_flags(&mf->handles, XA_FLAGS_ALLOC1);
	xa_init_flags(&mf->batches, XA_FLAGS_ALLOC1);
	spin_lock_init(&mf->lock);
	INIT_LIST_HEAD(&mf->cq);
	init_waitqueue_head(&mf->cq_wait);
	mutex_init(&mf->reap_lock);
	atomic_set(&mf->nr_live, 0);
	file->private_data = mf;
	return 0;
}

static int mcte_chr_release(struct inode *inode, struct file *file)
{
	struct mcte_file *mf = file->private_data;

	mcte_batch_release_file(mf);
	mcte_seg_release_file(mf);
	mutex_destroy(&mf->reap_lock);
	put_net(mf->net);
	kfree(mf);
	return 0;
}

static long mcte_ioctl_version(struct mcte_file *mf,
			       struct mcte_version __user *uver)
{
	struct mcte_version ver;

	memset(&ver, 0, sizeof(ver));
	ver.abi_version = MCTE_ABI_VERSION;
	ver.req_size = sizeof(struct mcte_xfer_req);
	ver.features = mcte_features();
	ver.seg_name_max = MCTE_SEG_NAME_MAX;
	ver.slice_size = mcte_slice_size();

	if (copy_to_user(uver, &ver, sizeof(ver)))
		return -EFAULT;
	return 0;
}

static long mcte_chr_ioctl(struct file *file, unsigned int cmd,
			   unsigned long arg)
{
	struct mcte_file *mf = file->private_data;
	void __user *argp = (void __user *)arg;

	/*
	 * Requests of parts not implemented yet (MCTE_FEAT_* clear in
	 * MCTE_IOC_VERSION) get -ENOTTY, as unknown ones do; so does a known
	 * number with another size or direction, as it is another number.
	 */
	switch (cmd) {
	case MCTE_IOC_VERSION:
		return mcte_ioctl_version(mf, argp);
	case MCTE_IOC_SEG_REG:
		return mcte_ioctl_seg_reg(mf, argp);
	case MCTE_IOC_SEG_UNREG:
		return mcte_ioctl_seg_unreg(mf, argp);
	case MCTE_IOC_SEG_OPEN:
		return mcte_ioctl_seg_open(mf, argp);
	case MCTE_IOC_SEG_CLOSE:
		return mcte_ioctl_seg_close(mf, argp);
	case MCTE_IOC_BATCH_ALLOC:
		return mcte_ioctl_batch_alloc(mf, argp);
	case MCTE_IOC_BATCH_FREE:
		return mcte_ioctl_batch_free(mf, argp);
	case MCTE_IOC_BATCH_SUBMIT:
		return mcte_ioctl_batch_submit(mf, argp);
	case MCTE_IOC_BATCH_STATUS:
		return mcte_ioctl_batch_status(mf, argp);
	case MCTE_IOC_BATCH_CANCEL:
		return mcte_ioctl_batch_cancel(mf, argp);
	case MCTE_IOC_REAP:
		return mcte_ioctl_reap(mf, argp);
	default:
		return -ENOTTY;
	}
}

static const struct file_operations mcte_chr_fops = {
	.owner		= THIS_MODULE,
	.open		= mcte_chr_open,
	.release	= mcte_chr_release,
	.unlocked_ioctl	= mcte_chr_ioctl,
	.compat_ioctl	= compat_ptr_ioctl,
	.uring_cmd	= mcte_uring_cmd,
};

static struct miscdevice mcte_miscdev = {
	.minor		= MISC_DYNAMIC_MINOR,
	.name		= MCTE_DEV_NAME,
	.fops		= &mcte_chr_fops,
	/*
	 * Open to all: a process pins only its own memory, charged to its
	 * RLIMIT_MEMLOCK, and opens only segments of its own user.
	 */
	.mode		= 0666,
};

/**
 * mcte_chr_init() - create /dev/mcte
 *
 * Return: 0 or -errno.
 */
int mcte_chr_init(void)
{
	return misc_register(&mcte_miscdev);
}

/**
 * mcte_chr_exit() - remove /dev/mcte
 *
 * Files still open keep the module loaded through the fops owner, so none
 * is left when this runs.
 */
void mcte_chr_exit(void)
{
	misc_deregister(&mcte_miscdev);
}
