/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Device memory for mcte-bench and mcte-gpucheck: the few CUDA driver
 * calls that allocate and copy it, through libcuda.so.1 opened at run
 * time (libmcte registers it; this only makes some to register).
 */
#ifndef MCTE_BENCH_GPU_H
#define MCTE_BENCH_GPU_H

#include <stddef.h>
#include <linux/types.h>

/* 0, or -ENOSYS (no libcuda.so.1) / -ENODEV / -EIO; see gpu_error() */
int gpu_open(int device);
void gpu_close(void);
int gpu_alloc(size_t len, __u64 *dptr);
void gpu_free(__u64 dptr);
int gpu_to_device(__u64 dst, const void *src, size_t n);
int gpu_to_host(void *dst, __u64 src, size_t n);
/* the driver's words for the last failure, or "" */
const char *gpu_error(void);

#endif /* MCTE_BENCH_GPU_H */
