// SPDX-License-Identifier: GPL-2.0
/*
 * mcte - in-kernel batched transfer engine: module load and unload.
 *
 * Init order, each step depending on the ones before it:
 *  1. generic netlink family: the ib_client's add callback, run for every
 *     RDMA device already present while the client registers, sends
 *     dev-add-ntf on the family's events group;
 *  2. ib_client: the device table has to be complete before anyone can
 *     ask for it;
 *  3. misc device /dev/mcte: the entry point of user space requests, which
 *     will work on devices, comes last.
 *
 * Exit runs in exact reverse: /dev/mcte goes first so no new request can
 * come in; unregistering the ib_client removes every device (each sends
 * its dev-del-ntf while the family still exists) and waits for their
 * event work; the family goes last, and genl_unregister_family() waits
 * for handlers in flight.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kernel.h>
#include <linux/log2.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/sizes.h>

#include "mcte.h"

#define MCTE_SLICE_SIZE_MIN	SZ_4K
#define MCTE_SLICE_SIZE_MAX	SZ_16M
#define MCTE_SLICE_SIZE_DEFAULT	SZ_64K

static unsigned int mcte_slice_size_param = MCTE_SLICE_SIZE_DEFAULT;

static int mcte_slice_size_set(const char *val, const struct kernel_param *kp)
{
	unsigned int size;
	int ret;

	ret = kstrtouint(val, 0, &size);
	if (ret)
		return ret;

	/*
	 * A power of two keeps slice arithmetic to shifts and masks, and
	 * slices of page-aligned buffers page-aligned.
	 */
	if (!is_power_of_2(size) || size < MCTE_SLICE_SIZE_MIN ||
	    size > MCTE_SLICE_SIZE_MAX)
		return -EINVAL;

	WRITE_ONCE(*(unsigned int *)kp->arg, size);
	return 0;
}

static const struct kernel_param_ops mcte_slice_size_ops = {
	.set	= mcte_slice_size_set,
	.get	= param_get_uint,
};

module_param_cb(slice_size, &mcte_slice_size_ops, &mcte_slice_size_param,
		0644);
MODULE_PARM_DESC(slice_size,
		 "Default size transfers are cut into, a power of two from 4 KiB to 16 MiB (default 64 KiB)");

/**
 * mcte_slice_size() - default slice size of new transfers
 *
 * Return: the slice_size module parameter, in bytes.
 */
u32 mcte_slice_size(void)
{
	return READ_ONCE(mcte_slice_size_param);
}

static int __init mcte_init(void)
{
	int ret;

	ret = mcte_nl_init();
	if (ret)
		return ret;

	ret = mcte_dev_init();
	if (ret)
		goto out_unregister_family;

	ret = mcte_chr_init();
	if (ret)
		goto out_unregister_client;

	return 0;

out_unregister_client:
	mcte_dev_exit();
out_unregister_family:
	mcte_nl_exit();
	return ret;
}

static void __exit mcte_exit(void)
{
	mcte_chr_exit();
	mcte_dev_exit();
	mcte_nl_exit();
}

module_init(mcte_init);
module_exit(mcte_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Batched KVCache transfer engine");
MODULE_AUTHOR("mcte developers");
MODULE_VERSION(MCTE_MODULE_VERSION);
