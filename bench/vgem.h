/* SPDX-License-Identifier: GPL-2.0 */
/*
 * dma-bufs from vgem, the DRM driver without hardware whose PRIME export
 * is the one dma-buf exporter both Debian kernels have (udmabuf is only
 * on 6.12): for mcte-bench --local-mem dmabuf:vgem.
 */
#ifndef MCTE_BENCH_VGEM_H
#define MCTE_BENCH_VGEM_H

#include <stddef.h>

/*
 * A dma-buf of @size bytes (whole pages) backed by a vgem object, and
 * its mapping for the CPU in @map. The fd, or -errno: -ENODEV when there
 * is no vgem device (the module absent or not loadable).
 */
int vgem_alloc(size_t size, char **map);

#endif /* MCTE_BENCH_VGEM_H */
