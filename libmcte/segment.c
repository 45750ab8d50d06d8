// SPDX-License-Identifier: LGPL-2.1 OR MIT
/*
 * Segments: register, unregister, open and close (MCTE_IOC_SEG_*).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdint.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>

#include "libmcte-private.h"

/*
 * The kind follows from the buffers' descriptors. A dma-buf segment may
 * hold host buffers too (GPU memory and its host staging memory in one
 * segment: the module takes fd -1 in a DMABUF segment as host memory);
 * block devices go with nothing else.
 */
static int mcte_seg_kind(const struct mcte_seg_buf *bufs, unsigned int nr)
{
	bool host = false, dmabuf = false, block = false;
	struct stat stbuf;
	unsigned int i;

	for (i = 0; i < nr; i++) {
		if (bufs[i].fd < 0) {
			host = true;
			continue;
		}
		if (fstat(bufs[i].fd, &stbuf) < 0)
			return -errno;
		if (S_ISBLK(stbuf.st_mode))
			block = true;
		else
			dmabuf = true;
	}
	if (block)
		return host || dmabuf ? -EINVAL : MCTE_SEG_BLOCK;
	return dmabuf ? MCTE_SEG_DMABUF : MCTE_SEG_HOST;
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
	mcte_align_forget(m, handle);
	return 0;
}

/*
 * "host[:port]/name" with a host name: the kernel takes addresses only, so
 * the name is resolved here into @out ("addr[:port]/name", an IPv6
 * address in brackets). Names that are addresses already, and local
 * segment names, are copied as they are.
 */
static int mcte_seg_resolve(const char *name, char *out, size_t size)
{
	const char *slash = strrchr(name, '/'), *colon, *port = "";
	struct addrinfo hints, *res;
	char host[256], addr[INET6_ADDRSTRLEN];
	struct in6_addr a6;
	struct in_addr a4;
	size_t hlen;
	int ret, n;

	if (!slash || name[0] == '[')
		goto copy;
	colon = memchr(name, ':', slash - name);
	hlen = (colon ? colon : slash) - name;
	if (!hlen || hlen >= sizeof(host))
		return -EINVAL;
	memcpy(host, name, hlen);
	host[hlen] = 0;
	if (inet_pton(AF_INET, host, &a4) == 1 ||
	    inet_pton(AF_INET6, host, &a6) == 1)
		goto copy;
	if (colon)
		port = colon;	/* ":port/..." follows the address */
	else
		port = slash;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	ret = getaddrinfo(host, NULL, &hints, &res);
	if (ret)
		return ret == EAI_MEMORY ? -ENOMEM : -EHOSTUNREACH;
	if (res->ai_family == AF_INET)
		inet_ntop(AF_INET,
			  &((struct sockaddr_in *)res->ai_addr)->sin_addr,
			  addr, sizeof(addr));
	else
		inet_ntop(AF_INET6,
			  &((struct sockaddr_in6 *)res->ai_addr)->sin6_addr,
			  addr, sizeof(addr));
	n = snprintf(out, size, res->ai_family == AF_INET6 ? "[%s]%s" :
		     "%s%s", addr, port);
	freeaddrinfo(res);
	return n > 0 && (size_t)n < size ? 0 : -EINVAL;
copy:
	if (strlen(name) >= size)
		return -EINVAL;
	strcpy(out, name);
	return 0;
}

MCTE_EXPORT int mcte_seg_open(struct mcte *m, const char *name,
			      enum mcte_access access, __u32 *handle,
			      __u64 *size)
{
	struct mcte_seg_open op;
	size_t len;
	int ret;

	if (!m || !name || !handle)
		return -EINVAL;
	len = strlen(name);
	if (!len || len >= sizeof(op.name))
		return -EINVAL;

	memset(&op, 0, sizeof(op));
	ret = mcte_seg_resolve(name, op.name, sizeof(op.name));
	if (ret)
		return ret;
	op.access = access;
	if (ioctl(m->fd, MCTE_IOC_SEG_OPEN, &op) < 0)
		return -errno;
	*handle = op.handle;
	mcte_align_note(m, op.handle, op.align);
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
	mcte_align_forget(m, handle);
	return 0;
}
