// SPDX-License-Identifier: LGPL-2.1 OR MIT
/*
 * CUDA device memory as segments: the CUDA driver API of libcuda.so.1,
 * opened at run time, exports an allocation as a dma-buf that the module
 * takes like any other. libmcte neither links against CUDA nor needs its
 * headers, so that one build of the library serves nodes with and
 * without GPUs.
 *
 * The few types and constants below are declared here with the values of
 * NVIDIA's public CUDA Driver API reference
 * (https://docs.nvidia.com/cuda/cuda-driver-api/: "Data types used by
 * CUDA driver" for CUresult, CUdevice_attribute, CUpointer_attribute,
 * CUmemorytype and CUmemRangeHandleType; "Memory Management" and
 * "Unified Addressing" for the functions). The values are part of the
 * driver's ABI and do not change between releases.
 */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>

#include "libmcte-private.h"

typedef int CUresult;
typedef int CUdevice;
typedef unsigned long long CUdeviceptr;
typedef void *CUcontext;

/* CUresult */
enum {
	CUDA_SUCCESS				= 0,
	CUDA_ERROR_INVALID_VALUE		= 1,
	CUDA_ERROR_OUT_OF_MEMORY		= 2,
	CUDA_ERROR_NOT_INITIALIZED		= 3,
	CUDA_ERROR_DEINITIALIZED		= 4,
	CUDA_ERROR_STUB_LIBRARY			= 34,
	CUDA_ERROR_INSUFFICIENT_DRIVER		= 35,
	CUDA_ERROR_NO_DEVICE			= 100,
	CUDA_ERROR_INVALID_DEVICE		= 101,
	CUDA_ERROR_INVALID_CONTEXT		= 201,
	CUDA_ERROR_INVALID_HANDLE		= 400,
	CUDA_ERROR_NOT_FOUND			= 500,
	CUDA_ERROR_NOT_PERMITTED		= 800,
	CUDA_ERROR_NOT_SUPPORTED		= 801,
	CUDA_ERROR_SYSTEM_DRIVER_MISMATCH	= 803,
};

/* CUdevice_attribute */
enum {
	CU_DEVICE_ATTRIBUTE_DMA_BUF_SUPPORTED	= 124,
};

/* CUpointer_attribute */
enum {
	CU_POINTER_ATTRIBUTE_CONTEXT		= 1,
	CU_POINTER_ATTRIBUTE_MEMORY_TYPE	= 2,
	CU_POINTER_ATTRIBUTE_DEVICE_ORDINAL	= 9,
};

/* CUmemorytype */
enum {
	CU_MEMORYTYPE_DEVICE			= 2,
};

/* CUmemRangeHandleType */
enum {
	CU_MEM_RANGE_HANDLE_TYPE_DMA_BUF_FD	= 1,
};

/*
 * The entry points, by the names the driver exports. Where the API has
 * been revised the driver keeps the old ABI under the plain name and the
 * current one under a _v2 name (cuda.h maps one to the other with
 * macros): those are looked up by their _v2 name.
 */
static struct {
	CUresult (*init)(unsigned int flags);
	CUresult (*device_get)(CUdevice *dev, int ordinal);
	CUresult (*device_get_count)(int *count);
	CUresult (*device_get_attribute)(int *value, int attr, CUdevice dev);
	CUresult (*device_get_pci_bus_id)(char *id, int len, CUdevice dev);
	CUresult (*pointer_get_attribute)(void *data, int attr,
					  CUdeviceptr ptr);
	CUresult (*mem_get_address_range)(CUdeviceptr *base, size_t *size,
					  CUdeviceptr ptr);
	CUresult (*ctx_push_current)(CUcontext ctx);
	CUresult (*ctx_pop_current)(CUcontext *ctx);
	/* CUDA 11.7 on: NULL with an older driver */
	CUresult (*mem_get_handle_for_address_range)(void *handle,
						     CUdeviceptr ptr,
						     size_t size, int type,
						     unsigned long long flags);
} cu;

static pthread_once_t cu_once = PTHREAD_ONCE_INIT;
static int cu_state;		/* 0 once usable, else -errno */

static int mcte_cuda_errno(CUresult res)
{
	switch (res) {
	case CUDA_SUCCESS:
		return 0;
	case CUDA_ERROR_INVALID_VALUE:
	case CUDA_ERROR_INVALID_CONTEXT:
	case CUDA_ERROR_INVALID_HANDLE:
		return -EINVAL;
	case CUDA_ERROR_OUT_OF_MEMORY:
		return -ENOMEM;
	case CUDA_ERROR_STUB_LIBRARY:
	case CUDA_ERROR_INSUFFICIENT_DRIVER:
	case CUDA_ERROR_SYSTEM_DRIVER_MISMATCH:
		/* a libcuda.so.1 that cannot drive this node's GPUs */
		return -ENOSYS;
	case CUDA_ERROR_NO_DEVICE:
	case CUDA_ERROR_INVALID_DEVICE:
		return -ENODEV;
	case CUDA_ERROR_NOT_FOUND:
		return -ENOENT;
	case CUDA_ERROR_NOT_PERMITTED:
		return -EPERM;
	case CUDA_ERROR_NOT_SUPPORTED:
		return -EOPNOTSUPP;
	default:
		return -EIO;
	}
}

static void mcte_cuda_load(void)
{
	static const struct {
		const char *name;
		void **fn;
		bool optional;
	} syms[] = {
		{ "cuInit", (void **)&cu.init, false },
		{ "cuDeviceGet", (void **)&cu.device_get, false },
		{ "cuDeviceGetCount", (void **)&cu.device_get_count, false },
		{ "cuDeviceGetAttribute",
		  (void **)&cu.device_get_attribute, false },
		{ "cuDeviceGetPCIBusId",
		  (void **)&cu.device_get_pci_bus_id, false },
		{ "cuPointerGetAttribute",
		  (void **)&cu.pointer_get_attribute, false },
		{ "cuMemGetAddressRange_v2",
		  (void **)&cu.mem_get_address_range, false },
		{ "cuCtxPushCurrent_v2", (void **)&cu.ctx_push_current, false },
		{ "cuCtxPopCurrent_v2", (void **)&cu.ctx_pop_current, false },
		{ "cuMemGetHandleForAddressRange",
		  (void **)&cu.mem_get_handle_for_address_range, true },
	};
	unsigned int i;
	void *lib;

	/*
	 * Never closed: the driver keeps threads and mappings of its own,
	 * and the process may use it through other libraries too.
	 */
	lib = dlopen("libcuda.so.1", RTLD_NOW | RTLD_LOCAL);
	if (!lib) {
		cu_state = -ENOSYS;
		return;
	}
	for (i = 0; i < ARRAY_SIZE(syms); i++) {
		*syms[i].fn = dlsym(lib, syms[i].name);
		if (!*syms[i].fn && !syms[i].optional) {
			memset(&cu, 0, sizeof(cu));
			cu_state = -ENOSYS;
			return;
		}
	}
	cu_state = mcte_cuda_errno(cu.init(0));
}

static int mcte_cuda_init(void)
{
	pthread_once(&cu_once, mcte_cuda_load);
	return cu_state;
}

MCTE_EXPORT int mcte_cuda_available(void)
{
	int err, count = 0;

	err = mcte_cuda_init();
	if (err)
		return err;
	err = mcte_cuda_errno(cu.device_get_count(&count));
	if (err)
		return err;
	return count > 0 ? count : -ENODEV;
}

/* The device holding @dptr, or -EFAULT when it is not device memory. */
static int mcte_cuda_ptr_device(CUdeviceptr dptr, int *ordinal, CUdevice *dev,
				CUcontext *ctx)
{
	unsigned int type = 0;
	int err;

	if (cu.pointer_get_attribute(&type, CU_POINTER_ATTRIBUTE_MEMORY_TYPE,
				     dptr) != CUDA_SUCCESS ||
	    type != CU_MEMORYTYPE_DEVICE)
		return -EFAULT;
	err = mcte_cuda_errno(cu.pointer_get_attribute(ordinal,
					CU_POINTER_ATTRIBUTE_DEVICE_ORDINAL, dptr));
	if (!err && ctx)
		err = mcte_cuda_errno(cu.pointer_get_attribute(ctx,
					CU_POINTER_ATTRIBUTE_CONTEXT, dptr));
	if (!err)
		err = mcte_cuda_errno(cu.device_get(dev, *ordinal));
	return err;
}

static int mcte_cuda_dmabuf_capable(CUdevice dev)
{
	int v = 0, err;

	if (!cu.mem_get_handle_for_address_range)
		return 0;
	err = mcte_cuda_errno(cu.device_get_attribute(&v,
				CU_DEVICE_ATTRIBUTE_DMA_BUF_SUPPORTED, dev));
	/* a driver that does not know the attribute cannot export either */
	if (err == -EINVAL)
		return 0;
	return err ? err : v != 0;
}

MCTE_EXPORT int mcte_cuda_location(__u64 dptr, int device,
				   struct mcte_cuda_loc *loc)
{
	char id[sizeof(loc->pci)];
	CUdevice dev;
	size_t i;
	int err;

	if (!loc || (!dptr && device < 0))
		return -EINVAL;
	err = mcte_cuda_init();
	if (err)
		return err;
	if (dptr) {
		err = mcte_cuda_ptr_device(dptr, &device, &dev, NULL);
		if (err)
			return err;
	} else {
		err = mcte_cuda_errno(cu.device_get(&dev, device));
		if (err)
			return err;
	}
	memset(id, 0, sizeof(id));
	err = mcte_cuda_errno(cu.device_get_pci_bus_id(id, sizeof(id) - 1, dev));
	if (err)
		return err;

	memset(loc, 0, sizeof(*loc));
	loc->device = device;
	snprintf(loc->name, sizeof(loc->name), "cuda:%d", device);
	/* as sysfs spells it: /sys/bus/pci/devices/0000:3b:00.0 */
	for (i = 0; id[i] && i < sizeof(loc->pci) - 1; i++)
		loc->pci[i] = id[i] >= 'A' && id[i] <= 'F' ? id[i] - 'A' + 'a' :
							     id[i];
	err = mcte_cuda_dmabuf_capable(dev);
	if (err < 0)
		return err;
	loc->dmabuf = err;
	return 0;
}

MCTE_EXPORT int mcte_cuda_export_dmabuf(__u64 dptr, size_t len, int *fd,
					__u64 *offset)
{
	CUdeviceptr base = 0;
	CUcontext ctx = NULL, popped;
	size_t size = 0, page, export_len;
	CUdevice dev;
	int err, ordinal, dfd = -1;

	if (!dptr || !len || !fd || !offset || dptr + len < dptr)
		return -EINVAL;
	err = mcte_cuda_init();
	if (err)
		return err;
	err = mcte_cuda_ptr_device(dptr, &ordinal, &dev, &ctx);
	if (err)
		return err;
	err = mcte_cuda_dmabuf_capable(dev);
	if (err <= 0)
		return err ? err : -EOPNOTSUPP;

	/*
	 * The calls below act in the current context; the caller's thread
	 * need not have the allocation's.
	 */
	err = mcte_cuda_errno(cu.ctx_push_current(ctx));
	if (err)
		return err;
	if (cu.mem_get_address_range(&base, &size, dptr) != CUDA_SUCCESS) {
		err = -EFAULT;
		goto out;
	}
	/* each piece cuMemMap() put in place is an allocation of its own */
	if (dptr + len > base + size) {
		err = -ERANGE;
		goto out;
	}
	/*
	 * Export wants page-aligned bounds. Allocations start aligned (to
	 * far more than a page) and their physical backing comes in
	 * granules of at least 64 KiB, so rounding the end up to a page
	 * stays within what backs the allocation.
	 */
	page = (size_t)sysconf(_SC_PAGESIZE);
	if (base % page) {
		err = -EINVAL;
		goto out;
	}
	export_len = (size + page - 1) / page * page;
	err = mcte_cuda_errno(cu.mem_get_handle_for_address_range(&dfd, base,
					export_len,
					CU_MEM_RANGE_HANDLE_TYPE_DMA_BUF_FD, 0));
	if (err)
		goto out;
	/* not inherited across exec(), like the library's other files */
	fcntl(dfd, F_SETFD, FD_CLOEXEC);
	*fd = dfd;
	*offset = dptr - base;
out:
	cu.ctx_pop_current(&popped);
	return err;
}

MCTE_EXPORT int mcte_seg_register_dmabuf(struct mcte *m, const char *name,
					 int fd, __u64 offset, size_t len,
					 enum mcte_access access, __u32 *handle)
{
	struct mcte_seg_buf buf = {
		.addr = offset,
		.len = len,
		.fd = fd,
	};
	int ret;

	if (!m || fd < 0 || !len)
		return -EINVAL;
	ret = mcte_has_feature(m, MCTE_FEAT_SEG_DMABUF);
	if (ret <= 0)
		return ret ? ret : -EOPNOTSUPP;
	return mcte_seg_register(m, name, &buf, 1, access, handle);
}

MCTE_EXPORT int mcte_seg_register_nvp2p(struct mcte *m, const char *name,
					__u64 dptr, size_t len,
					enum mcte_access access, __u32 *handle)
{
	struct mcte_seg_buf buf = {
		.addr = dptr,
		.len = len,
		.fd = -1,
	};
	struct mcte_seg_reg reg;
	size_t nlen;
	int ret;

	if (!m || !name || !dptr || !len || !handle)
		return -EINVAL;
	/* nvidia_p2p_get_pages() pins whole 64 KiB GPU pages only. */
	if (dptr % MCTE_NV_P2P_ALIGN || len % MCTE_NV_P2P_ALIGN)
		return -EINVAL;
	nlen = strlen(name);
	if (!nlen || nlen >= sizeof(reg.name))
		return -EINVAL;
	ret = mcte_has_feature(m, MCTE_FEAT_SEG_NV_P2P);
	if (ret <= 0)
		return ret ? ret : -EOPNOTSUPP;

	memset(&reg, 0, sizeof(reg));
	memcpy(reg.name, name, nlen);
	reg.bufs = (__u64)(uintptr_t)&buf;
	reg.nr_bufs = 1;
	reg.kind = MCTE_SEG_NV_P2P;
	reg.access = access;
	if (ioctl(m->fd, MCTE_IOC_SEG_REG, &reg) < 0)
		return -errno;
	*handle = reg.handle;
	return 0;
}

MCTE_EXPORT int mcte_seg_register_cuda(struct mcte *m, const char *name,
				       __u64 dptr, size_t len,
				       enum mcte_access access, __u32 *handle)
{
	CUdevice dev;
	__u64 offset;
	int ret, fd, ordinal;

	if (!m || !dptr || !len || !handle)
		return -EINVAL;
	/* dma-buf first: it needs nothing of NVIDIA's in the kernel. */
	ret = mcte_has_feature(m, MCTE_FEAT_SEG_DMABUF);
	if (ret < 0)
		return ret;
	if (ret) {
		ret = mcte_cuda_export_dmabuf(dptr, len, &fd, &offset);
		if (!ret) {
			ret = mcte_seg_register_dmabuf(m, name, fd, offset, len,
						       access, handle);
			/* a registered segment holds the dma-buf itself */
			close(fd);
			return ret;
		}
		if (ret != -EOPNOTSUPP)
			return ret;
	}
	/*
	 * GPU peer memory: the module pins the range itself with
	 * nvidia_p2p_get_pages(), when NVIDIA's open kernel modules are
	 * loaded (MCTE_FEAT_SEG_NV_P2P says so).
	 */
	ret = mcte_has_feature(m, MCTE_FEAT_SEG_NV_P2P);
	if (ret <= 0)
		return ret ? ret : -EOPNOTSUPP;
	ret = mcte_cuda_init();
	if (ret)
		return ret;
	ret = mcte_cuda_ptr_device(dptr, &ordinal, &dev, NULL);
	if (ret)
		return ret;
	return mcte_seg_register_nvp2p(m, name, dptr, len, access, handle);
}

/* What an errno of the mcte_cuda_*() and *_register_cuda() calls means. */
static const char *const mcte_cuda_errors[] = {
	[ENOSYS]	= "CUDA driver not found (libcuda.so.1), or too old for libmcte, "
			  "or it cannot drive this node's GPUs",
	[ENODEV]	= "no CUDA device (or no device of that ordinal)",
	[EOPNOTSUPP]	= "GPU memory cannot be registered: this GPU cannot export dma-buf "
			  "(needs NVIDIA's open kernel modules, driver >= 515 and CUDA >= 11.7) "
			  "or the mcte module has no dma-buf segments (MCTE_FEAT_SEG_DMABUF), "
			  "and no GPU peer memory either (MCTE_FEAT_SEG_NV_P2P: the mcte module "
			  "built with nv-p2p.h, NVIDIA's open kernel modules loaded)",
	[EFAULT]	= "not CUDA device memory (register host memory as a host segment)",
	[EINVAL]	= "invalid argument (GPU peer memory wants a range 64 KiB aligned "
			  "at both ends)",
	[ERANGE]	= "the range runs past the end of its CUDA allocation "
			  "(each piece mapped with cuMemMap() is an allocation of its own)",
	[EIO]		= "the CUDA driver reported an error",
};

MCTE_EXPORT const char *mcte_cuda_strerror(int err)
{
	unsigned int e = err < 0 ? 0U - (unsigned int)err : (unsigned int)err;

	if (e < ARRAY_SIZE(mcte_cuda_errors) && mcte_cuda_errors[e])
		return mcte_cuda_errors[e];
	return mcte_strerror(err);
}
