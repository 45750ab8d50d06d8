// SPDX-License-Identifier: GPL-2.0
/*
 * mcte - in-kernel batched transfer engine: module load and unload.
 *
 * Init order, each step depending on the ones before it:
 *  1. the debugfs directory, for the transports' test hooks;
 *  2. transports (transport.c, each its init): their caches and
 *     workqueues (the local transport's workers, the RDMA transport's
 *     queue), which the engines' transport state uses;
 *  3. engines (pernet), each with every transport's state of it: netlink
 *     requests and files find the engine of their network namespace;
 *  4. transfers: their slab cache and the workqueue their deadlines run
 *     on;
 *  5. generic netlink family: what the transports join next calls back
 *     at once and sends events on the family's events group (the RDMA
 *     transport's ib_client: its add callback, run for every RDMA device
 *     already present, sends dev-add-ntf);
 *  6. transports start (each its start): the device table has to be
 *     complete before anyone can ask for it;
 *  7. misc device /dev/mcte: the entry point of user space requests, which
 *     will work on all of the above, comes last.
 *
 * Exit runs in exact reverse. /dev/mcte goes first so no new file can be
 * opened; none is open (each holds the module), and the release of the
 * last one waited until its transfers had ended. The transports shut
 * down next, while the family still exists: the RDMA transport stops the
 * listeners, peers and paths of every engine (paths send path-down-ntf),
 * then unregisters its ib_client, which removes every device (each sends
 * its dev-del-ntf) and waits for their event work. The family goes next,
 * and genl_unregister_family() waits for handlers in flight; then the
 * deadline workqueue, drained of the deadlines of ended transfers still
 * running, the slab cache, and the engines with their transports' state.
 * The transports' queues are drained and destroyed after them (the local
 * transport's workers, the RDMA transport's works of engines that went),
 * and debugfs, the test hooks with it, goes last.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/debugfs.h>
#include <linux/kernel.h>
#include <linux/log2.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/sizes.h>

#include "mcte.h"
#include "transport.h"

#define MCTE_SLICE_SIZE_MIN	SZ_4K
#define MCTE_SLICE_SIZE_MAX	SZ_16M
#define MCTE_SLICE_SIZE_DEFAULT	SZ_64K
#define MCTE_XFER_TIMEOUT_MS_DEFAULT	30000

/* Deadlines of transfers run here. */
struct workqueue_struct *mcte_wq;
static struct dentry *mcte_debugfs;

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

static unsigned int mcte_xfer_timeout_param = MCTE_XFER_TIMEOUT_MS_DEFAULT;

static int mcte_xfer_timeout_set(const char *val,
				 const struct kernel_param *kp)
{
	unsigned int ms;
	int ret;

	ret = kstrtouint(val, 0, &ms);
	if (ret)
		return ret;
	/* Every request has a deadline: a stuck one must end some day. */
	if (!ms)
		return -EINVAL;

	WRITE_ONCE(*(unsigned int *)kp->arg, ms);
	return 0;
}

static const struct kernel_param_ops mcte_xfer_timeout_ops = {
	.set	= mcte_xfer_timeout_set,
	.get	= param_get_uint,
};

module_param_cb(xfer_timeout_ms, &mcte_xfer_timeout_ops,
		&mcte_xfer_timeout_param, 0644);
MODULE_PARM_DESC(xfer_timeout_ms,
		 "Deadline of requests that set none, in milliseconds, at least 1 (default 30000)");

/**
 * mcte_xfer_timeout_ms() - deadline of new requests that set none
 *
 * Return: the xfer_timeout_ms module parameter, in milliseconds.
 */
u32 mcte_xfer_timeout_ms(void)
{
	return READ_ONCE(mcte_xfer_timeout_param);
}

static int __init mcte_init(void)
{
	int ret;

	/* No debugfs is not an error: only the test hooks are missing then. */
	mcte_debugfs = debugfs_create_dir(KBUILD_MODNAME, NULL);

	/* First: engines make their transports' state with what it sets up. */
	ret = mcte_transports_init(mcte_debugfs);
	if (ret)
		goto out_remove_debugfs;

	ret = mcte_engine_init();
	if (ret)
		goto out_transports_exit;

	ret = mcte_xfer_init();
	if (ret)
		goto out_engine_exit;

	mcte_wq = alloc_workqueue("mcte", 0, 0);
	if (!mcte_wq) {
		ret = -ENOMEM;
		goto out_xfer_exit;
	}

	ret = mcte_nl_init();
	if (ret)
		goto out_destroy_wq;

	ret = mcte_transports_start();
	if (ret)
		goto out_unregister_family;

	ret = mcte_chr_init();
	if (ret)
		goto out_transports_shutdown;

	return 0;

out_transports_shutdown:
	mcte_transports_shutdown();
out_unregister_family:
	mcte_nl_exit();
out_destroy_wq:
	destroy_workqueue(mcte_wq);
out_xfer_exit:
	mcte_xfer_exit();
out_engine_exit:
	mcte_engine_exit();
out_transports_exit:
	mcte_transports_exit();
out_remove_debugfs:
	debugfs_remove(mcte_debugfs);
	return ret;
}

static void __exit mcte_exit(void)
{
	mcte_chr_exit();
	mcte_transports_shutdown();
	mcte_nl_exit();
	destroy_workqueue(mcte_wq);
	mcte_xfer_exit();
	mcte_engine_exit();
	mcte_transports_exit();
	debugfs_remove(mcte_debugfs);
}

module_init(mcte_init);
module_exit(mcte_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Batched KVCache transfer engine");
MODULE_AUTHOR("mcte developers");
MODULE_VERSION(MCTE_MODULE_VERSION);
