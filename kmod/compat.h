/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mcte - differences between the kernels mcte builds for (Debian's 6.1 and
 * 6.12). Every version-dependent piece of code lives in this file; the
 * MCTE_HAVE_* macros it tests come from probes of the target kernel in
 * Kbuild.
 *
 * Checked and found equal on both, so not wrapped here: struct ib_client
 * (int add(), rename()), the ib_event_handler API, rdma_dev_access_netns()
 * and ibdev_to_node(), struct genl_ops with per-op policies,
 * genl_family.resv_start_op, GENL_REQ_ATTR_CHECK(), genl_has_listeners(),
 * and genlmsg_multicast_allns(), which lost its gfp_t argument in both
 * (6.1.y got the fix as a stable backport); pin_user_pages_fast() (int
 * nr_pages) with FOLL_WRITE | FOLL_LONGTERM (a #define in 6.1, an enum in
 * 6.12), unpin_user_pages_dirty_lock(), mm->pinned_vm (atomic64_t),
 * u64_stats_t, wait_event_idle_timeout(), xa_alloc_cyclic(), and
 * debugfs_create_u32() returning void; for block segments bio_alloc()
 * with a bdev and blk_opf_t, __bio_add_page(), bvec_set_page(), I_BDEV(),
 * bdev_nr_bytes(), bdev_dma_alignment() and bdev_read_only(). Debian's 6.1.y also has the io_uring
 * command API of 6.12 where mainline 6.1 did not: io_uring_cmd_done() with
 * issue_flags, and task-work callbacks that get issue_flags; only what
 * follows differs.
 */
#ifndef _MCTE_COMPAT_H
#define _MCTE_COMPAT_H

#include <linux/dma-buf.h>
#include <linux/iosys-map.h>
#include <linux/netdevice.h>
#include <linux/netlink.h>
#include <linux/stddef.h>
#include <rdma/ib_verbs.h>

#ifdef MCTE_HAVE_IB_DEVICE_GET_NETDEV

/**
 * mcte_ib_get_netdev() - the network device of a port of an RDMA device
 * @ibdev: a registered ib_device
 * @port: a port number of @ibdev
 *
 * Takes spinlocks only, so it may be called in atomic context.
 *
 * Return: the net_device with a reference the caller drops with dev_put(),
 * or NULL when the port has none (InfiniBand). It may be unregistering.
 */
static inline struct net_device *mcte_ib_get_netdev(struct ib_device *ibdev,
						    u32 port)
{
	return ib_device_get_netdev(ibdev, port);
}

#else

/*
 * 6.1 has ib_device_get_netdev() but neither exports nor declares it. Do
 * what it does with the fields ib_verbs.h makes public: ask a driver that
 * still implements the legacy get_netdev op (mlx4, mlx5; they take
 * spinlocks only), else read the netdev that ib_device_set_netdev()
 * stored, under the lock it is stored under, so that it cannot be dropped
 * meanwhile.
 */
static inline struct net_device *mcte_ib_get_netdev(struct ib_device *ibdev,
						    u32 port)
{
	struct ib_port_data *pdata;
	struct net_device *ndev;

	if (!rdma_is_port_valid(ibdev, port) || !ibdev->port_data)
		return NULL;

	if (ibdev->ops.get_netdev) {
		ndev = ibdev->ops.get_netdev(ibdev, port);
	} else {
		pdata = &ibdev->port_data[port];
		spin_lock(&pdata->netdev_lock);
		ndev = rcu_dereference_protected(pdata->netdev,
						 lockdep_is_held(&pdata->netdev_lock));
		dev_hold(ndev);
		spin_unlock(&pdata->netdev_lock);
	}

	return ndev;
}

#endif /* MCTE_HAVE_IB_DEVICE_GET_NETDEV */

#ifdef MCTE_HAVE_IO_URING_CMD_H

#include <linux/io_uring/cmd.h>

/**
 * mcte_uring_sqe() - the SQE of a command being issued
 * @ioucmd: the command, in its ->uring_cmd() issue call
 *
 * 6.12 keeps a pointer to the whole SQE, copied along when the command is
 * issued asynchronously.
 *
 * Return: the SQE, or NULL when it cannot be reached.
 */
static inline const struct io_uring_sqe *
mcte_uring_sqe(const struct io_uring_cmd *ioucmd)
{
	return ioucmd->sqe;
}

/**
 * mcte_uring_cmd_area() - the command area of a command's SQE
 * @ioucmd: the command, in its ->uring_cmd() issue call
 *
 * Return: its first byte; 80 bytes with IORING_SETUP_SQE128.
 */
static inline const void *mcte_uring_cmd_area(const struct io_uring_cmd *ioucmd)
{
	return io_uring_sqe_cmd(ioucmd->sqe);
}

#else

#include <linux/io_uring.h>
#include <linux/io_uring_types.h>

/*
 * 6.1 keeps a pointer to the SQE's command area only. At the first issue
 * it points into the SQE in the ring; a command issued asynchronously
 * (IOSQE_ASYNC, links, io-wq) has had its command area, and only that,
 * copied to the request's async data, and the rest of its SQE is gone.
 */
static inline const struct io_uring_sqe *
mcte_uring_sqe(const struct io_uring_cmd *ioucmd)
{
	if (cmd_to_io_kiocb(ioucmd)->async_data == ioucmd->cmd)
		return NULL;
	return (const void *)((const u8 *)ioucmd->cmd -
			      offsetof(struct io_uring_sqe, cmd));
}

static inline const void *mcte_uring_cmd_area(const struct io_uring_cmd *ioucmd)
{
	return ioucmd->cmd;
}

#endif /* MCTE_HAVE_IO_URING_CMD_H */

#ifdef MCTE_HAVE_URING_CMD_CANCELABLE

/*
 * 6.12: a command marked cancelable gets ->uring_cmd() again, with
 * IO_URING_F_CANCEL, when its ring or its task goes away.
 */
#define MCTE_URING_F_CANCEL	IO_URING_F_CANCEL

/**
 * mcte_uring_mark_cancelable() - have io_uring cancel a command it drops
 * @ioucmd: the command, in its ->uring_cmd() issue call
 * @issue_flags: the issue flags of that call
 */
static inline void mcte_uring_mark_cancelable(struct io_uring_cmd *ioucmd,
					      unsigned int issue_flags)
{
	io_uring_cmd_mark_cancelable(ioucmd, issue_flags);
}

#else

/*
 * 6.1 has no cancellation of commands: a ring going away waits until they
 * complete, which every request does by its deadline at the latest.
 */
#define MCTE_URING_F_CANCEL	0

static inline void mcte_uring_mark_cancelable(struct io_uring_cmd *ioucmd,
					      unsigned int issue_flags)
{
}

#endif /* MCTE_HAVE_URING_CMD_CANCELABLE */

/**
 * mcte_dma_buf_vmap() - map a whole dma-buf for the CPU, no lock held
 * @dmabuf: the dma-buf
 * @map: out: its mapping
 *
 * 6.12's dma_buf_vmap() wants the reservation lock held and
 * dma_buf_vmap_unlocked() takes it; 6.1 has only dma_buf_vmap(), which
 * takes the dma-buf's own lock.
 *
 * Return: 0 or -errno.
 */
static inline int mcte_dma_buf_vmap(struct dma_buf *dmabuf,
				    struct iosys_map *map)
{
#ifdef MCTE_HAVE_DMA_BUF_VMAP_UNLOCKED
	return dma_buf_vmap_unlocked(dmabuf, map);
#else
	return dma_buf_vmap(dmabuf, map);
#endif
}

/**
 * mcte_dma_buf_vunmap() - undo mcte_dma_buf_vmap()
 * @dmabuf: the dma-buf
 * @map: its mapping
 */
static inline void mcte_dma_buf_vunmap(struct dma_buf *dmabuf,
				       struct iosys_map *map)
{
#ifdef MCTE_HAVE_DMA_BUF_VMAP_UNLOCKED
	dma_buf_vunmap_unlocked(dmabuf, map);
#else
	dma_buf_vunmap(dmabuf, map);
#endif
}

/*
 * "no RDMA device NAME": NL_SET_ERR_MSG_FMT() came with 6.2; 6.1 has no
 * room in the extack for a formatted message and gets one without the
 * name (the bad attribute still points at it).
 */
static inline void mcte_extack_nodev(struct netlink_ext_ack *extack,
				     const char *name)
{
#ifdef NL_SET_ERR_MSG_FMT
	NL_SET_ERR_MSG_FMT(extack, "no RDMA device %s", name);
#else
	NL_SET_ERR_MSG(extack, "no such RDMA device");
#endif
}

#endif /* _MCTE_COMPAT_H */
