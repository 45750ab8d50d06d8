// SPDX-License-Identifier: LGPL-2.1 OR MIT
/*
 * Segments: register, unregister, open and close (MCTE_IOC_SEG_*).
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>

#include "libmcte-private.h"

/* The kind follows from the buffers' descriptors; a mix is refused. */
static int mcte_seg_kind(const struct mcte_seg_buf *bufs, unsigned int nr)
{
	int kind = -1, k;
	struct stat stbuf;
	unsigned int i;

	for (i = 0; i < nr; i++) {
		if (bufs[i].fd < 0) {
			k = MCTE_SEG_HOST;
		} else {
			if (fstat(bufs[i].fd, &stbuf) < 0)
				return -errno;
			k = S_ISBLK(stbuf.st_mode) ? MCTE_SEG_BLOCK :
						     MCTE_SEG_DMABUF;
		}
		if (kind >= 0 && k != kind)
			return -EINVAL;
		kind = k;
	}
	return kind;
}

MCTE_EXPORT int mcte_seg_register(struct mcte *m, const char *name,
				  const struct mcte_seg_buf *bufs,
				  unsigned int nr, enum mcte_access access,
				  __u32 *handle)
{
	struct mcte_seg_reg reg;
	size_t len;
	int kind;

	if (!m || !name || !bufs || !handle || !nr || nr > MCTE_SEG_BUFS_MAX)
		return -EINVAL;
	len = strlen(name);
	if (!len || len >= sizeof(reg.name))
		return -EINVAL;
	kind = mcte_seg_kind(bufs, nr);
	if (kind < 0)
		return kind;

	memset(&reg, 0, sizeof(reg));
	memcpy(reg.name, name, len);
	reg.bufs = (__u64)(uintptr_t)bufs;
	reg.nr_bufs = nr;
	reg.kind = kind;
	reg.access = access;
	if (ioctl(m->fd, MCTE_IOC_SEG_REG, &reg) < 0)
		return -errno;
	*handle = reg.handle;
	return 0;
}

MCTE_EXPORT int mcte_seg_register_host(struct mcte *m, const char *name,
				       void *addr, size_t len,
				       enum mcte_access access, __u32 *handle)
{
	struct mcte_seg_buf buf = {
		.addr = (__u64)(uintptr_t)addr,
		.len = len,
		.fd = -1,
	};

	if (!len)
		return -EINVAL;
	return mcte_seg_register(m, name, &buf, 1, access, handle);
}

MCTE_EXPORT int mcte_seg_unregister(struct mcte *m, __u32 handle)
{
	if (!m)
		return -EINVAL;
	if (ioctl(m->fd, MCTE_IOC_SEG_UNREG, &handle) < 0)
		return -errno;
	return 0;
}

MCTE_EXPORT int mcte_seg_open(struct mcte *m, const char *name,
			      enum mcte_access access, __u32 *handle,
			      __u64 *size)
{
	struct mcte_seg_open op;
	size_t len;

	if (!m || !name || !handle)
		return -EINVAL;
	len = strlen(name);
	if (!len || len >= sizeof(op.name))
		return -EINVAL;

	memset(&op, 0, sizeof(op));
	memcpy(op.name, name, len);
	op.access = access;
	if (ioctl(m->fd, MCTE_IOC_SEG_OPEN, &op) < 0)
		return -errno;
	*handle = op.handle;
	if (size)
		*size = op.size;
	return 0;
}

MCTE_EXPORT int mcte_seg_close(struct mcte *m, __u32 handle)
{
	if (!m)
		return -EINVAL;
	if (ioctl(m->fd, MCTE_IOC_SEG_CLOSE, &handle) < 0)
		return -errno;
	return 0;
}
