// SPDX-License-Identifier: GPL-2.0
/*
 * mcte - /dev/mcte, the data path entry point: ioctls now, io_uring
 * commands later.
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

/* Bytes of a 128-byte SQE (IORING_SETUP_SQE128) from its cmd area on. */
#define MCTE_SQE128_CMD_SIZE \
	(2 * sizeof(struct io_uring_sqe) - offsetof(struct io_uring_sqe, cmd))

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

	mf = kzalloc(sizeof(*mf), GFP_KERNEL);
	if (!mf)
		return -ENOMEM;

	mf->net = get_net(current->nsproxy->net_ns);
	file->private_data = mf;
	return 0;
}

static int mcte_chr_release(struct inode *inode, struct file *file)
{
	struct mcte_file *mf = file->private_data;

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
	ver.features = MCTE_FEATURES;
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
	 * MCTE_IOC_VERSION) get -ENOTTY, as unknown ones do.
	 */
	switch (cmd) {
	case MCTE_IOC_VERSION:
		return mcte_ioctl_version(mf, argp);
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
};

static struct miscdevice mcte_miscdev = {
	.minor		= MISC_DYNAMIC_MINOR,
	.name		= MCTE_DEV_NAME,
	.fops		= &mcte_chr_fops,
	/* Nothing to guard yet; access control comes with segments. */
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
