// SPDX-License-Identifier: GPL-2.0
/*
 * Device memory for the bench tools, through the CUDA driver API of
 * libcuda.so.1 opened at run time; the types and values are those of
 * NVIDIA's public CUDA Driver API reference, as in libmcte/cuda.c.
 * One device per process, made current on the calling thread through its
 * primary context (the one the CUDA runtime and PyTorch share).
 */
#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "gpu.h"

typedef int CUresult;
typedef unsigned long long CUdeviceptr;

static struct {
	CUresult (*init)(unsigned int flags);
	CUresult (*device_get)(int *dev, int ordinal);
	CUresult (*ctx_retain)(void **ctx, int dev);
	CUresult (*ctx_release)(int dev);
	CUresult (*ctx_set_current)(void *ctx);
	CUresult (*alloc)(CUdeviceptr *p, size_t size);
	CUresult (*free)(CUdeviceptr p);
	CUresult (*htod)(CUdeviceptr dst, const void *src, size_t n);
	CUresult (*dtoh)(void *dst, CUdeviceptr src, size_t n);
	CUresult (*error_string)(CUresult err, const char **str);
} cu;

static int gpu_dev = -1;
static char gpu_msg[128];

static int gpu_fail(const char *call, CUresult res)
{
	const char *s = NULL;

	if (cu.error_string)
		cu.error_string(res, &s);
	snprintf(gpu_msg, sizeof(gpu_msg), "%s: CUDA error %d (%s)", call,
		 res, s ? s : "?");
	/* CUDA_ERROR_NO_DEVICE, CUDA_ERROR_INVALID_DEVICE */
	return res == 100 || res == 101 ? -ENODEV : -EIO;
}

const char *gpu_error(void)
{
	return gpu_msg;
}

int gpu_open(int device)
{
	static const struct {
		const char *name;
		void **fn;
	} syms[] = {
		{ "cuInit", (void **)&cu.init },
		{ "cuDeviceGet", (void **)&cu.device_get },
		{ "cuDevicePrimaryCtxRetain", (void **)&cu.ctx_retain },
		{ "cuDevicePrimaryCtxRelease_v2", (void **)&cu.ctx_release },
		{ "cuCtxSetCurrent", (void **)&cu.ctx_set_current },
		{ "cuMemAlloc_v2", (void **)&cu.alloc },
		{ "cuMemFree_v2", (void **)&cu.free },
		{ "cuMemcpyHtoD_v2", (void **)&cu.htod },
		{ "cuMemcpyDtoH_v2", (void **)&cu.dtoh },
		{ "cuGetErrorString", (void **)&cu.error_string },
	};
	unsigned int i;
	CUresult res;
	void *lib, *ctx;
	int dev;

	lib = dlopen("libcuda.so.1", RTLD_NOW | RTLD_LOCAL);
	if (!lib) {
		snprintf(gpu_msg, sizeof(gpu_msg), "%s", dlerror());
		return -ENOSYS;
	}
	for (i = 0; i < sizeof(syms) / sizeof(syms[0]); i++) {
		*syms[i].fn = dlsym(lib, syms[i].name);
		if (!*syms[i].fn) {
			snprintf(gpu_msg, sizeof(gpu_msg),
				 "libcuda.so.1 lacks %s", syms[i].name);
			return -ENOSYS;
		}
	}
	res = cu.init(0);
	if (res)
		return gpu_fail("cuInit", res);
	res = cu.device_get(&dev, device);
	if (res)
		return gpu_fail("cuDeviceGet", res);
	res = cu.ctx_retain(&ctx, dev);
	if (res)
		return gpu_fail("cuDevicePrimaryCtxRetain", res);
	res = cu.ctx_set_current(ctx);
	if (res) {
		cu.ctx_release(dev);
		return gpu_fail("cuCtxSetCurrent", res);
	}
	gpu_dev = dev;
	return 0;
}

void gpu_close(void)
{
	if (gpu_dev < 0)
		return;
	cu.ctx_set_current(NULL);
	cu.ctx_release(gpu_dev);
	gpu_dev = -1;
}

int gpu_alloc(size_t len, __u64 *dptr)
{
	CUdeviceptr p;
	CUresult res = cu.alloc(&p, len);

	if (res)
		return res == 2 ? -ENOMEM : gpu_fail("cuMemAlloc", res);
	*dptr = p;
	return 0;
}

void gpu_free(__u64 dptr)
{
	cu.free(dptr);
}

int gpu_to_device(__u64 dst, const void *src, size_t n)
{
	CUresult res = cu.htod(dst, src, n);

	return res ? gpu_fail("cuMemcpyHtoD", res) : 0;
}

int gpu_to_host(void *dst, __u64 src, size_t n)
{
	CUresult res = cu.dtoh(dst, src, n);

	return res ? gpu_fail("cuMemcpyDtoH", res) : 0;
}
