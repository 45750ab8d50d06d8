// SPDX-License-Identifier: LGPL-2.1 OR MIT
/*
 * A test double of libcuda.so.1 (built as test/cuda/libcuda.so.1 and
 * found through LD_LIBRARY_PATH), for testing libmcte's CUDA helpers and
 * mcte-bench's cuda:N memory without a GPU. It implements the few driver
 * API entry points they call, as NVIDIA's Driver API reference describes
 * them, over host memory:
 *
 *  - "device memory" is a memfd mapped into the process (the device
 *    pointer is the mapping's address, so copies are memcpy()), its
 *    backing rounded up to a page;
 *  - cuMemGetHandleForAddressRange() hands out a real dma-buf where the
 *    machine has /dev/udmabuf (UDMABUF_CREATE over the memfd), else a
 *    duplicate of the memfd; fake_cuda_state.export_kind says which;
 *  - the arguments of the last export are kept in fake_cuda_state, for
 *    the test to check what libmcte asked for.
 *
 * FAKE_CUDA_DEVICES=N (1): how many devices; 0: cuInit() fails as with
 * no GPU. FAKE_CUDA_DMABUF=0: the devices report no dma-buf support;
 * =lie: they report it but export fails with CUDA_ERROR_NOT_SUPPORTED.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>
#include <linux/udmabuf.h>

#define FAKE_ALLOCS	64
#define FAKE_DEVICES	8
#define FAKE_CTX_DEPTH	8

#define EXPORT		__attribute__((visibility("default")))

typedef int CUresult;
typedef int CUdevice;
typedef unsigned long long CUdeviceptr;
typedef void *CUcontext;

/* CUresult values, CUDA Driver API reference, "Data types" */
enum {
	CUDA_SUCCESS			= 0,
	CUDA_ERROR_INVALID_VALUE	= 1,
	CUDA_ERROR_OUT_OF_MEMORY	= 2,
	CUDA_ERROR_NOT_INITIALIZED	= 3,
	CUDA_ERROR_NO_DEVICE		= 100,
	CUDA_ERROR_INVALID_DEVICE	= 101,
	CUDA_ERROR_INVALID_CONTEXT	= 201,
	CUDA_ERROR_NOT_FOUND		= 500,
	CUDA_ERROR_NOT_SUPPORTED	= 801,
};

struct fake_alloc {
	bool used;
	CUdeviceptr base;
	size_t size;		/* as asked for */
	size_t backing;		/* mapped, memfd size */
	int memfd;
	int dev;
};

/* What the test reads back (dlsym "fake_cuda_state"). */
struct fake_cuda_state {
	int init_calls;
	int exports;
	CUdeviceptr export_ptr;
	size_t export_size;
	int export_type;
	unsigned long long export_flags;
	const char *export_kind;	/* "udmabuf" or "memfd" */
	int ctx_depth_at_export;
};

EXPORT struct fake_cuda_state fake_cuda_state;

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct fake_alloc allocs[FAKE_ALLOCS];
static int ctxs[FAKE_DEVICES];	/* a context is the address of its entry */
static bool inited;
static int ndev;
static __thread CUcontext cur[FAKE_CTX_DEPTH];
static __thread int depth;	/* cur[depth - 1] is current */

static const char *dmabuf_mode(void)
{
	const char *s = getenv("FAKE_CUDA_DMABUF");

	return s ? s : "1";
}

EXPORT CUresult cuInit(unsigned int flags)
{
	const char *s = getenv("FAKE_CUDA_DEVICES");

	fake_cuda_state.init_calls++;
	if (flags)
		return CUDA_ERROR_INVALID_VALUE;
	ndev = s ? atoi(s) : 1;
	if (ndev > FAKE_DEVICES)
		ndev = FAKE_DEVICES;
	if (ndev <= 0)
		return CUDA_ERROR_NO_DEVICE;
	inited = true;
	return CUDA_SUCCESS;
}

EXPORT CUresult cuDeviceGetCount(int *count)
{
	if (!inited)
		return CUDA_ERROR_NOT_INITIALIZED;
	*count = ndev;
	return CUDA_SUCCESS;
}

EXPORT CUresult cuDeviceGet(CUdevice *dev, int ordinal)
{
	if (!inited)
		return CUDA_ERROR_NOT_INITIALIZED;
	if (ordinal < 0 || ordinal >= ndev)
		return CUDA_ERROR_INVALID_DEVICE;
	*dev = ordinal;
	return CUDA_SUCCESS;
}

/* CU_DEVICE_ATTRIBUTE_DMA_BUF_SUPPORTED; nothing else is asked for */
EXPORT CUresult cuDeviceGetAttribute(int *value, int attr, CUdevice dev)
{
	if (!inited)
		return CUDA_ERROR_NOT_INITIALIZED;
	if (dev < 0 || dev >= ndev)
		return CUDA_ERROR_INVALID_DEVICE;
	if (attr != 124)
		return CUDA_ERROR_INVALID_VALUE;
	*value = strcmp(dmabuf_mode(), "0") != 0;
	return CUDA_SUCCESS;
}

EXPORT CUresult cuDeviceGetPCIBusId(char *id, int len, CUdevice dev)
{
	if (!inited)
		return CUDA_ERROR_NOT_INITIALIZED;
	if (dev < 0 || dev >= ndev)
		return CUDA_ERROR_INVALID_DEVICE;
	if (!id || len < 13)
		return CUDA_ERROR_INVALID_VALUE;
	/* the driver's spelling: upper-case hex */
	snprintf(id, len, "0000:%02X:00.0", 0x3b + dev);
	return CUDA_SUCCESS;
}

EXPORT CUresult cuDevicePrimaryCtxRetain(CUcontext *ctx, CUdevice dev)
{
	if (!inited)
		return CUDA_ERROR_NOT_INITIALIZED;
	if (dev < 0 || dev >= ndev)
		return CUDA_ERROR_INVALID_DEVICE;
	*ctx = &ctxs[dev];
	return CUDA_SUCCESS;
}

EXPORT CUresult cuDevicePrimaryCtxRelease_v2(CUdevice dev)
{
	return dev >= 0 && dev < ndev ? CUDA_SUCCESS : CUDA_ERROR_INVALID_DEVICE;
}

static bool ctx_valid(CUcontext ctx)
{
	return ctx >= (CUcontext)&ctxs[0] && ctx < (CUcontext)&ctxs[ndev];
}

EXPORT CUresult cuCtxSetCurrent(CUcontext ctx)
{
	if (ctx && !ctx_valid(ctx))
		return CUDA_ERROR_INVALID_CONTEXT;
	if (!depth)
		depth = 1;
	cur[depth - 1] = ctx;
	return CUDA_SUCCESS;
}

EXPORT CUresult cuCtxPushCurrent_v2(CUcontext ctx)
{
	if (!ctx_valid(ctx) || depth == FAKE_CTX_DEPTH)
		return CUDA_ERROR_INVALID_CONTEXT;
	cur[depth++] = ctx;
	return CUDA_SUCCESS;
}

EXPORT CUresult cuCtxPopCurrent_v2(CUcontext *ctx)
{
	if (!depth || !cur[depth - 1])
		return CUDA_ERROR_INVALID_CONTEXT;
	if (ctx)
		*ctx = cur[depth - 1];
	depth--;
	return CUDA_SUCCESS;
}

static int current_dev(void)
{
	if (!depth || !cur[depth - 1])
		return -1;
	return (int *)cur[depth - 1] - ctxs;
}

/* The allocation holding [ptr, ptr + len), under lock. */
static struct fake_alloc *find_alloc(CUdeviceptr ptr, size_t len)
{
	unsigned int i;

	for (i = 0; i < FAKE_ALLOCS; i++)
		if (allocs[i].used && ptr >= allocs[i].base &&
		    ptr - allocs[i].base < allocs[i].size &&
		    len <= allocs[i].size - (ptr - allocs[i].base))
			return &allocs[i];
	return NULL;
}

EXPORT CUresult cuMemAlloc_v2(CUdeviceptr *dptr, size_t size)
{
	struct fake_alloc *a = NULL;
	size_t backing;
	unsigned int i;
	void *p;
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	int fd, dev = current_dev();

	if (dev < 0)
		return CUDA_ERROR_INVALID_CONTEXT;
	if (!dptr || !size)
		return CUDA_ERROR_INVALID_VALUE;
	backing = (size + page - 1) / page * page;
	fd = memfd_create("fake-cuda", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (fd < 0)
		return CUDA_ERROR_OUT_OF_MEMORY;
	/* udmabuf wants memory that cannot shrink under it */
	if (ftruncate(fd, backing) ||
	    fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK) < 0) {
		close(fd);
		return CUDA_ERROR_OUT_OF_MEMORY;
	}
	p = mmap(NULL, backing, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED) {
		close(fd);
		return CUDA_ERROR_OUT_OF_MEMORY;
	}
	pthread_mutex_lock(&lock);
	for (i = 0; i < FAKE_ALLOCS && !a; i++)
		if (!allocs[i].used)
			a = &allocs[i];
	if (a)
		*a = (struct fake_alloc){ true, (CUdeviceptr)(uintptr_t)p, size,
					  backing, fd, dev };
	pthread_mutex_unlock(&lock);
	if (!a) {
		munmap(p, backing);
		close(fd);
		return CUDA_ERROR_OUT_OF_MEMORY;
	}
	*dptr = (CUdeviceptr)(uintptr_t)p;
	return CUDA_SUCCESS;
}

EXPORT CUresult cuMemFree_v2(CUdeviceptr dptr)
{
	struct fake_alloc *a;

	pthread_mutex_lock(&lock);
	a = find_alloc(dptr, 1);
	if (!a || a->base != dptr) {
		pthread_mutex_unlock(&lock);
		return CUDA_ERROR_INVALID_VALUE;
	}
	munmap((void *)(uintptr_t)a->base, a->backing);
	close(a->memfd);
	a->used = false;
	pthread_mutex_unlock(&lock);
	return CUDA_SUCCESS;
}

static CUresult copy_check(CUdeviceptr dptr, size_t n)
{
	CUresult res;

	pthread_mutex_lock(&lock);
	res = find_alloc(dptr, n) ? CUDA_SUCCESS : CUDA_ERROR_INVALID_VALUE;
	pthread_mutex_unlock(&lock);
	return res;
}

EXPORT CUresult cuMemcpyHtoD_v2(CUdeviceptr dst, const void *src, size_t n)
{
	CUresult res = copy_check(dst, n);

	if (!res)
		memcpy((void *)(uintptr_t)dst, src, n);
	return res;
}

EXPORT CUresult cuMemcpyDtoH_v2(void *dst, CUdeviceptr src, size_t n)
{
	CUresult res = copy_check(src, n);

	if (!res)
		memcpy(dst, (void *)(uintptr_t)src, n);
	return res;
}

/* MEMORY_TYPE, DEVICE_ORDINAL and CONTEXT */
EXPORT CUresult cuPointerGetAttribute(void *data, int attr, CUdeviceptr ptr)
{
	struct fake_alloc *a;
	CUresult res = CUDA_SUCCESS;

	pthread_mutex_lock(&lock);
	a = find_alloc(ptr, 1);
	if (!a)
		res = CUDA_ERROR_INVALID_VALUE;	/* memory CUDA does not know */
	else if (attr == 2)
		*(unsigned int *)data = 2;	/* CU_MEMORYTYPE_DEVICE */
	else if (attr == 9)
		*(int *)data = a->dev;
	else if (attr == 1)
		*(CUcontext *)data = &ctxs[a->dev];
	else
		res = CUDA_ERROR_INVALID_VALUE;
	pthread_mutex_unlock(&lock);
	return res;
}

EXPORT CUresult cuMemGetAddressRange_v2(CUdeviceptr *base, size_t *size,
					CUdeviceptr ptr)
{
	struct fake_alloc *a;

	if (current_dev() < 0)
		return CUDA_ERROR_INVALID_CONTEXT;
	pthread_mutex_lock(&lock);
	a = find_alloc(ptr, 1);
	if (a) {
		if (base)
			*base = a->base;
		if (size)
			*size = a->size;
	}
	pthread_mutex_unlock(&lock);
	return a ? CUDA_SUCCESS : CUDA_ERROR_NOT_FOUND;
}

/* The range as a dma-buf of the allocation's memfd, or the memfd itself. */
static int export_fd(const struct fake_alloc *a, size_t off, size_t size)
{
	struct udmabuf_create c = {
		.memfd = a->memfd,
		.flags = UDMABUF_FLAGS_CLOEXEC,
		.offset = off,
		.size = size,
	};
	int dev, fd;

	dev = open("/dev/udmabuf", O_RDWR | O_CLOEXEC);
	if (dev >= 0) {
		fd = ioctl(dev, UDMABUF_CREATE, &c);
		close(dev);
		if (fd >= 0) {
			fake_cuda_state.export_kind = "udmabuf";
			return fd;
		}
	}
	/* no udmabuf: the allocation's own file stands in, if all of it */
	if (off || size != a->backing)
		return -1;
	fake_cuda_state.export_kind = "memfd";
	return fcntl(a->memfd, F_DUPFD_CLOEXEC, 0);
}

EXPORT CUresult cuMemGetHandleForAddressRange(void *handle, CUdeviceptr dptr,
					      size_t size, int type,
					      unsigned long long flags)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	struct fake_alloc *a;
	CUresult res = CUDA_SUCCESS;
	int fd;

	if (current_dev() < 0)
		return CUDA_ERROR_INVALID_CONTEXT;
	if (!handle || type != 1 || flags || dptr % page || size % page || !size)
		return CUDA_ERROR_INVALID_VALUE;
	if (strcmp(dmabuf_mode(), "1"))
		return CUDA_ERROR_NOT_SUPPORTED;
	pthread_mutex_lock(&lock);
	fake_cuda_state.exports++;
	fake_cuda_state.export_ptr = dptr;
	fake_cuda_state.export_size = size;
	fake_cuda_state.export_type = type;
	fake_cuda_state.export_flags = flags;
	fake_cuda_state.ctx_depth_at_export = depth;
	a = find_alloc(dptr, 1);
	/* within what backs the allocation, as the real driver allows */
	if (!a || dptr - a->base + size > a->backing) {
		res = CUDA_ERROR_INVALID_VALUE;
	} else {
		fd = export_fd(a, dptr - a->base, size);
		if (fd < 0)
			res = CUDA_ERROR_NOT_SUPPORTED;
		else
			*(int *)handle = fd;
	}
	pthread_mutex_unlock(&lock);
	return res;
}

EXPORT CUresult cuGetErrorString(CUresult err, const char **str)
{
	switch (err) {
	case CUDA_SUCCESS:
		*str = "no error";
		return CUDA_SUCCESS;
	case CUDA_ERROR_INVALID_VALUE:
		*str = "invalid argument";
		return CUDA_SUCCESS;
	case CUDA_ERROR_NOT_SUPPORTED:
		*str = "operation not supported";
		return CUDA_SUCCESS;
	}
	*str = "fake-cuda: some error";
	return CUDA_SUCCESS;
}
