// SPDX-License-Identifier: GPL-2.0
/*
 * vgem dma-bufs for mcte-bench. A dumb buffer is created on the vgem
 * card, exported as a dma-buf (PRIME), its GEM handle closed (the dma-buf
 * holds the object) and the dma-buf mapped for the CPU. The DRM ioctls
 * are spelled out from the kernel's uapi (drm.h, drm_mode.h) so that
 * libdrm's headers are not needed.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <linux/types.h>

#include "vgem.h"

struct vgem_drm_version {
	int version_major, version_minor, version_patchlevel;
	size_t name_len;
	char *name;
	size_t date_len;
	char *date;
	size_t desc_len;
	char *desc;
};

struct vgem_create_dumb {
	__u32 height, width, bpp, flags;
	__u32 handle, pitch;
	__u64 size;
};

struct vgem_prime_handle {
	__u32 handle;
	__u32 flags;
	__s32 fd;
};

struct vgem_gem_close {
	__u32 handle;
	__u32 pad;
};

#define VGEM_IOCTL_VERSION	_IOWR('d', 0x00, struct vgem_drm_version)
#define VGEM_IOCTL_GEM_CLOSE	_IOW('d', 0x09, struct vgem_gem_close)
#define VGEM_IOCTL_PRIME_H2FD	_IOWR('d', 0x2d, struct vgem_prime_handle)
#define VGEM_IOCTL_CREATE_DUMB	_IOWR('d', 0xB2, struct vgem_create_dumb)

/* /dev/dri/card* whose driver is "vgem"; no udev in a test guest */
static int vgem_open(void)
{
	char path[32], name[16];
	int i, fd;

	if (system("modprobe -q vgem 2>/dev/null"))
		return -ENODEV;
	for (i = 0; i < 16; i++) {
		struct vgem_drm_version v = { .name = name,
					      .name_len = sizeof(name) - 1 };

		snprintf(path, sizeof(path), "/dev/dri/card%d", i);
		fd = open(path, O_RDWR | O_CLOEXEC);
		if (fd < 0)
			continue;
		memset(name, 0, sizeof(name));
		if (!ioctl(fd, VGEM_IOCTL_VERSION, &v) && !strcmp(name, "vgem"))
			return fd;
		close(fd);
	}
	return -ENODEV;
}

int vgem_alloc(size_t size, char **map)
{
	size_t pg = (size_t)sysconf(_SC_PAGESIZE);
	/* one page per row: any size in whole pages */
	struct vgem_create_dumb c = {
		.height = (size + pg - 1) / pg, .width = pg / 4, .bpp = 32,
	};
	struct vgem_prime_handle ph = { .flags = O_RDWR | O_CLOEXEC };
	struct vgem_gem_close gc = {};
	int dev, err;
	void *p;

	dev = vgem_open();
	if (dev < 0)
		return dev;
	if (ioctl(dev, VGEM_IOCTL_CREATE_DUMB, &c)) {
		err = -errno;
		close(dev);
		return err;
	}
	ph.handle = c.handle;
	gc.handle = c.handle;
	if (ioctl(dev, VGEM_IOCTL_PRIME_H2FD, &ph))
		ph.fd = -errno;
	ioctl(dev, VGEM_IOCTL_GEM_CLOSE, &gc);
	close(dev);
	if (ph.fd < 0)
		return ph.fd;
	p = mmap(NULL, c.height * pg, PROT_READ | PROT_WRITE, MAP_SHARED,
		 ph.fd, 0);
	if (p == MAP_FAILED) {
		err = -errno;
		close(ph.fd);
		return err;
	}
	*map = p;
	return ph.fd;
}
