// SPDX-License-Identifier: LGPL-2.1 OR MIT
/*
 * Block segments: registering a range of a block device, and what the
 * alignment of requests on a block segment is, for messages that say it.
 *
 * The checks of mcte_seg_register_block() are the module's own, done here
 * first so that each refusal has its own errno before the ioctl: the
 * module refuses the same things with the same errnos. The alignment of
 * every block segment a handle registered or opened is kept on the handle
 * (mcte::aligns, a small array: a process holds few block segments), for
 * mcte_xfer_strerror() to name the block size.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <linux/fs.h>

#include "libmcte-private.h"

/* Remember that requests on @handle must be multiples of @align. */
void mcte_align_note(struct mcte *m, __u32 handle, __u32 align)
{
	struct mcte_align *a;

	if (align <= 1)
		return;
	pthread_mutex_lock(&m->lock);
	a = realloc(m->aligns, (m->nr_aligns + 1) * sizeof(*a));
	/* Only messages are poorer without it. */
	if (a) {
		a[m->nr_aligns].handle = handle;
		a[m->nr_aligns].align = align;
		m->aligns = a;
		m->nr_aligns++;
	}
	pthread_mutex_unlock(&m->lock);
}

/* @handle was unregistered or closed. */
void mcte_align_forget(struct mcte *m, __u32 handle)
{
	unsigned int i;

	pthread_mutex_lock(&m->lock);
	for (i = 0; i < m->nr_aligns; i++) {
		if (m->aligns[i].handle == handle) {
			m->aligns[i] = m->aligns[--m->nr_aligns];
			break;
		}
	}
	pthread_mutex_unlock(&m->lock);
}

MCTE_EXPORT unsigned int mcte_seg_align(struct mcte *m, __u32 handle)
{
	unsigned int i, align = 1;

	if (!m)
		return 1;
	pthread_mutex_lock(&m->lock);
	for (i = 0; i < m->nr_aligns; i++) {
		if (m->aligns[i].handle == handle) {
			align = m->aligns[i].align;
			break;
		}
	}
	pthread_mutex_unlock(&m->lock);
	return align;
}

MCTE_EXPORT const char *mcte_xfer_strerror(struct mcte *m, __u32 target,
					   int err)
{
	static __thread char msg[192];
	unsigned int align = mcte_seg_align(m, target);

	if (align <= 1)
		return mcte_strerror(err);
	switch (err < 0 ? -err : err) {
	case EINVAL:
		snprintf(msg, sizeof(msg),
			 "offset or length not a multiple of the target's block size (%u bytes): a block segment moves whole blocks",
			 align);
		return msg;
	case EROFS:
		return "the block segment cannot be written: its device is read-only, or was opened read-only";
	case ERANGE:
		return "offset and length beyond the block segment (its device's range)";
	case EIO:
		return "I/O error on the block segment's device (its controller may be gone)";
	case EOPNOTSUPP:
		return "a block segment moves bytes only to and from memory of this node";
	}
	return mcte_strerror(err);
}

MCTE_EXPORT int mcte_seg_register_block(struct mcte *m, const char *name,
					int fd, __u64 offset, __u64 len,
					enum mcte_access access,
					__u32 *handle)
{
	struct mcte_seg_buf buf = {
		.addr = offset,
		.len = len,
		.fd = fd,
	};
	unsigned long long size;
	struct stat st;
	int lbs, flags, ret;

	if (!m || !handle)
		return -EINVAL;
	if (fstat(fd, &st) < 0)
		return -errno;
	if (!S_ISBLK(st.st_mode))
		return -ENOTBLK;
	flags = fcntl(fd, F_GETFL);
	if (flags < 0)
		return -errno;
	if (!(flags & O_DIRECT))
		return -EINVAL;
	if (access == MCTE_ACCESS_RW && (flags & O_ACCMODE) == O_RDONLY)
		return -EBADF;
	if (ioctl(fd, BLKSSZGET, &lbs) < 0 ||
	    ioctl(fd, BLKGETSIZE64, &size) < 0)
		return -errno;
	if (lbs <= 0 || (offset | len) % (unsigned int)lbs)
		return -EINVAL;
	if (offset >= size || len > size - offset)
		return -ERANGE;

	ret = mcte_has_feature(m, MCTE_FEAT_XPORT_NVME);
	if (ret <= 0)
		return ret ? ret : -EOPNOTSUPP;
	ret = mcte_seg_register(m, name, &buf, 1, access, handle);
	if (ret)
		return ret;
	mcte_align_note(m, *handle, lbs);
	return 0;
}

MCTE_EXPORT const char *mcte_block_strerror(int err)
{
	switch (err < 0 ? -err : err) {
	case ENOTBLK:
		return "not a block device";
	case EINVAL:
		return "the device must be opened with O_DIRECT, and offset and length must be multiples of its logical block size (blockdev --getss)";
	case ERANGE:
		return "offset and length beyond the end of the device";
	case EBADF:
		return "read-write access asked for a device opened read-only";
	case EOPNOTSUPP:
		return "the mcte module has no block segments (MCTE_FEAT_XPORT_NVME)";
	}
	return mcte_strerror(err);
}
