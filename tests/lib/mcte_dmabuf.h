/* SPDX-License-Identifier: GPL-2.0 */
/*
 * dma-buf exporters for the suites: vgem (DRM PRIME of a dumb buffer,
 * both kernels), udmabuf (a sealed memfd) and the system dma-heap (6.12).
 * An exporter is expected where the running kernel's config has it (=y or
 * =m); one that is expected and does not work is a failure, one the
 * config lacks is not tried. Each buffer is mapped for the CPU through its
 * dma-buf fd, so the tests see exactly the exporter's memory.
 *
 * libdrm's headers are not needed: the few DRM ioctls used are spelled
 * out here, from include/uapi/drm/drm.h and drm_mode.h.
 */
#ifndef MCTE_DMABUF_H
#define MCTE_DMABUF_H

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/utsname.h>
#include <linux/dma-buf.h>
#include <linux/dma-heap.h>
#include <linux/udmabuf.h>

#include "mcte_xfer.h"

/* include/uapi/drm/drm.h and drm_mode.h */
struct md_drm_version {
	int version_major, version_minor, version_patchlevel;
	size_t name_len;
	char *name;
	size_t date_len;
	char *date;
	size_t desc_len;
	char *desc;
};

struct md_drm_create_dumb {
	__u32 height, width, bpp, flags;
	__u32 handle, pitch;
	__u64 size;
};

struct md_drm_prime_handle {
	__u32 handle;
	__u32 flags;
	__s32 fd;
};

struct md_drm_gem_close {
	__u32 handle;
	__u32 pad;
};

#define MD_DRM_IOCTL_VERSION	_IOWR('d', 0x00, struct md_drm_version)
#define MD_DRM_IOCTL_GEM_CLOSE	_IOW('d', 0x09, struct md_drm_gem_close)
#define MD_DRM_IOCTL_PRIME_H2FD	_IOWR('d', 0x2d, struct md_drm_prime_handle)
#define MD_DRM_IOCTL_CREATE_DUMB _IOWR('d', 0xB2, struct md_drm_create_dumb)

enum md_kind { MD_VGEM, MD_UDMABUF, MD_HEAP, MD_NR };

/* A dma-buf and the CPU's view of it. */
struct md_buf {
	int fd;
	unsigned char *p;
	size_t size;
};

struct md_exp {
	const char *name;
	const char *config;	/* CONFIG_ symbol of the kernel */
	int dev;		/* the exporter's device, open */
};

static inline void md_exps_init(struct md_exp *e)
{
	e[MD_VGEM] = (struct md_exp){ "vgem", "CONFIG_DRM_VGEM", -1 };
	e[MD_UDMABUF] = (struct md_exp){ "udmabuf", "CONFIG_UDMABUF", -1 };
	e[MD_HEAP] = (struct md_exp){ "system-heap",
				      "CONFIG_DMABUF_HEAPS_SYSTEM", -1 };
}

/* Whether the running kernel's config has @sym (=y or =m). */
static inline bool md_config_has(const char *sym)
{
	char path[2][300], line[256];
	struct utsname u;
	size_t n = strlen(sym);
	bool found = false;
	FILE *f = NULL;
	int i;

	if (uname(&u))
		return false;
	snprintf(path[0], sizeof(path[0]), "/boot/config-%s", u.release);
	snprintf(path[1], sizeof(path[1]), "/lib/modules/%s/build/.config",
		 u.release);
	for (i = 0; i < 2 && !f; i++)
		f = fopen(path[i], "r");
	if (!f)
		return false;
	while (!found && fgets(line, sizeof(line), f))
		found = !strncmp(line, sym, n) && line[n] == '=' &&
			(line[n + 1] == 'y' || line[n + 1] == 'm');
	fclose(f);
	return found;
}

/* The vgem card: /dev/dri/card* whose driver is "vgem". */
static inline int md_vgem_open(void)
{
	char path[64], name[16];
	int i, fd;

	if (system("modprobe -q vgem"))
		return -ENODEV;
	for (i = 0; i < 16; i++) {
		struct md_drm_version v = { .name = name,
					    .name_len = sizeof(name) - 1 };

		snprintf(path, sizeof(path), "/dev/dri/card%d", i);
		fd = open(path, O_RDWR | O_CLOEXEC);
		if (fd < 0)
			continue;
		memset(name, 0, sizeof(name));
		if (!ioctl(fd, MD_DRM_IOCTL_VERSION, &v) && !strcmp(name, "vgem"))
			return fd;
		close(fd);
	}
	return -ENOENT;
}

/* Open @e's device: 0 or -errno. */
static inline int md_exp_open(struct md_exp *e, enum md_kind k)
{
	if (e->dev >= 0)
		return 0;
	switch (k) {
	case MD_VGEM:
		e->dev = md_vgem_open();
		break;
	case MD_UDMABUF:
		e->dev = open("/dev/udmabuf", O_RDWR | O_CLOEXEC);
		break;
	default:
		e->dev = open("/dev/dma_heap/system", O_RDWR | O_CLOEXEC);
		break;
	}
	if (e->dev < 0 && k != MD_VGEM)
		e->dev = -errno;
	return e->dev < 0 ? e->dev : 0;
}

static inline void md_exp_close(struct md_exp *e)
{
	if (e->dev >= 0)
		close(e->dev);
	e->dev = -1;
}

static inline int md_vgem_alloc(int dev, size_t size)
{
	size_t pg = sysconf(_SC_PAGESIZE);
	struct md_drm_create_dumb c = {
		.height = (size + pg - 1) / pg, .width = pg / 4, .bpp = 32,
	};
	struct md_drm_prime_handle ph = { .flags = O_RDWR | O_CLOEXEC };
	struct md_drm_gem_close gc = {};

	if (ioctl(dev, MD_DRM_IOCTL_CREATE_DUMB, &c))
		return -errno;
	ph.handle = c.handle;
	gc.handle = c.handle;
	if (ioctl(dev, MD_DRM_IOCTL_PRIME_H2FD, &ph))
		ph.fd = -errno;
	/* The dma-buf holds the object now. */
	ioctl(dev, MD_DRM_IOCTL_GEM_CLOSE, &gc);
	return ph.fd;
}

static inline int md_udmabuf_alloc(int dev, size_t size)
{
	struct udmabuf_create c = { .flags = UDMABUF_FLAGS_CLOEXEC, .size = size };
	int memfd, fd;

	memfd = memfd_create("mcte-udmabuf", MFD_ALLOW_SEALING | MFD_CLOEXEC);
	if (memfd < 0)
		return -errno;
	if (ftruncate(memfd, size) ||
	    fcntl(memfd, F_ADD_SEALS, F_SEAL_SHRINK)) {
		close(memfd);
		return -errno;
	}
	c.memfd = memfd;
	fd = ioctl(dev, UDMABUF_CREATE, &c);
	if (fd < 0)
		fd = -errno;
	close(memfd);
	return fd;
}

static inline int md_heap_alloc(int dev, size_t size)
{
	struct dma_heap_allocation_data a = {
		.len = size, .fd_flags = O_RDWR | O_CLOEXEC,
	};

	if (ioctl(dev, DMA_HEAP_IOCTL_ALLOC, &a))
		return -errno;
	return a.fd;
}

/*
 * A dma-buf of at least @size bytes (whole pages) from exporter @k, open
 * and mapped into @b. 0 or -errno.
 */
static inline int md_alloc(struct md_exp *e, enum md_kind k, size_t size,
			   struct md_buf *b)
{
	size_t pg = sysconf(_SC_PAGESIZE);
	int ret;

	ret = md_exp_open(e, k);
	if (ret)
		return ret;
	b->size = (size + pg - 1) / pg * pg;
	if (k == MD_VGEM)
		b->fd = md_vgem_alloc(e->dev, b->size);
	else if (k == MD_UDMABUF)
		b->fd = md_udmabuf_alloc(e->dev, b->size);
	else
		b->fd = md_heap_alloc(e->dev, b->size);
	if (b->fd < 0)
		return b->fd;
	b->p = mmap(NULL, b->size, PROT_READ | PROT_WRITE, MAP_SHARED, b->fd,
		    0);
	if (b->p == MAP_FAILED) {
		ret = -errno;
		close(b->fd);
		b->fd = -1;
		b->p = NULL;
		return ret;
	}
	return 0;
}

static inline void md_free(struct md_buf *b)
{
	if (b->p)
		munmap(b->p, b->size);
	if (b->fd >= 0)
		close(b->fd);
	b->p = NULL;
	b->fd = -1;
}

/* CPU access through the dma-buf's mapping, bracketed as the ABI asks. */
static inline void md_sync(const struct md_buf *b, bool end)
{
	struct dma_buf_sync s = {
		.flags = DMA_BUF_SYNC_RW |
			 (end ? DMA_BUF_SYNC_END : DMA_BUF_SYNC_START),
	};

	ioctl(b->fd, DMA_BUF_IOCTL_SYNC, &s);
}

static inline struct mcte_seg_buf md_seg_buf(int fd, __u64 off, __u64 len)
{
	struct mcte_seg_buf sb = { .addr = off, .len = len, .fd = fd };

	return sb;
}

static inline int md_seg_reg(int fd, const char *name,
			     const struct mcte_seg_buf *bufs, __u32 nr,
			     __u32 kind, __u32 access, __u32 *handle)
{
	return mx_seg_reg_kind(fd, name, bufs, nr, kind, access, handle);
}

/* A segment's bytes as the CPU sees them: its buffers in order. */
struct md_view {
	unsigned int nr;
	unsigned char *p[8];
	size_t len[8];
	size_t size;
};

static inline void md_view_add(struct md_view *v, void *p, size_t len)
{
	v->p[v->nr] = p;
	v->len[v->nr++] = len;
	v->size += len;
}

/* Copy [off, off + len) of the view out (gather) or in (scatter). */
static inline void md_view_copy(const struct md_view *v, size_t off,
				size_t len, unsigned char *m, bool out)
{
	unsigned int i;

	for (i = 0; i < v->nr && len; i++) {
		size_t n;

		if (off >= v->len[i]) {
			off -= v->len[i];
			continue;
		}
		n = v->len[i] - off < len ? v->len[i] - off : len;
		if (out)
			memcpy(m, v->p[i] + off, n);
		else
			memcpy(v->p[i] + off, m, n);
		m += n;
		len -= n;
		off = 0;
	}
}

#endif /* MCTE_DMABUF_H */
