// SPDX-License-Identifier: LGPL-2.1 OR MIT
/*
 * libmcte's CUDA helpers, TAP output (`make -C libmcte test`):
 *
 *  - with no libcuda.so.1 on the loader path: every helper says -ENOSYS,
 *    with the message that names the library;
 *  - with test/cuda/libcuda.so.1, the test double of fake-cuda.c, first
 *    on LD_LIBRARY_PATH: the helpers call the driver API as documented
 *    (whole allocation, page-rounded, from the allocation's context, fd
 *    of the right size, offset of the pointer in it, errors mapped), and
 *    with fake-mcte.so (LD_PRELOAD) a segment of GPU memory registers
 *    and transfers.
 *
 * With a real libcuda.so.1 found instead, it tests nothing and says so:
 * scripts/gpu-check.sh is for real GPUs.
 */
#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "libmcte.h"

#define ALLOC_SIZE	((3UL << 20) + 100)	/* not a page multiple */
#define IN_OFF		((1UL << 20) + 8)
#define IN_LEN		4096UL

static unsigned int tests;
static int failures;

static void ok(int cond, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void ok(int cond, const char *fmt, ...)
{
	va_list ap;

	printf("%sok %u - ", cond ? "" : "not ", ++tests);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	if (!cond)
		failures++;
}

static int count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	int n = 0;

	if (!d)
		return -1;
	while (readdir(d))
		n++;
	closedir(d);
	return n;
}

/* ---------------------------------------------------------------- */

static void test_no_driver(void)
{
	struct mcte_cuda_loc loc;
	struct mcte *m;
	__u64 off;
	__u32 h;
	int fd, err;

	printf("# no libcuda.so.1 on the loader path\n");
	err = mcte_cuda_available();
	ok(err == -ENOSYS, "mcte_cuda_available() without a driver: %d", err);
	ok(strstr(mcte_cuda_strerror(err), "libcuda.so.1") != NULL,
	   "its message names libcuda.so.1: %s", mcte_cuda_strerror(err));
	err = mcte_cuda_export_dmabuf(0x7f0000000000ULL, 4096, &fd, &off);
	ok(err == -ENOSYS, "mcte_cuda_export_dmabuf(): %d", err);
	err = mcte_cuda_location(0, 0, &loc);
	ok(err == -ENOSYS, "mcte_cuda_location(): %d", err);

	setenv("FAKE_MCTE_DMABUF", "1", 1);
	err = mcte_open(&m, 0);
	ok(!err, "open the (fake) module with dma-buf segments: %d", err);
	if (err)
		return;
	err = mcte_seg_register_cuda(m, "gpu", 0x7f0000000000ULL, 4096,
				     MCTE_ACCESS_RW, &h);
	ok(err == -ENOSYS, "mcte_seg_register_cuda(): %d", err);
	mcte_close(m);

	unsetenv("FAKE_MCTE_DMABUF");
	err = mcte_open(&m, 0);
	if (err)
		return;
	err = mcte_seg_register_cuda(m, "gpu", 0x7f0000000000ULL, 4096,
				     MCTE_ACCESS_RW, &h);
	ok(err == -EOPNOTSUPP,
	   "mcte_seg_register_cuda() on a module without dma-buf segments: %d",
	   err);
	mcte_close(m);
}

/* ---------------------------------------------------------------- */

typedef unsigned long long CUdeviceptr;

struct fake_cuda_state {
	int init_calls;
	int exports;
	CUdeviceptr export_ptr;
	size_t export_size;
	int export_type;
	unsigned long long export_flags;
	const char *export_kind;
	int ctx_depth_at_export;
};

static struct {
	int (*retain)(void **ctx, int dev);
	int (*set_current)(void *ctx);
	int (*alloc)(CUdeviceptr *p, size_t size);
	int (*free)(CUdeviceptr p);
	int (*htod)(CUdeviceptr dst, const void *src, size_t n);
	int (*dtoh)(void *dst, CUdeviceptr src, size_t n);
} fk;

static struct fake_cuda_state *st;

struct export_args {
	CUdeviceptr p;
	int fd, err;
	__u64 off;
};

/* A thread without a current CUDA context, as a registering one may be. */
static void *export_thread(void *arg)
{
	struct export_args *a = arg;

	a->err = mcte_cuda_export_dmabuf(a->p, IN_LEN, &a->fd, &a->off);
	return NULL;
}

static void test_fd(int fd, CUdeviceptr base, size_t page)
{
	size_t want = (ALLOC_SIZE + page - 1) / page * page;
	char link[256], path[64];
	char pattern[IN_LEN], back[IN_LEN];
	struct stat sb;
	ssize_t n;
	off_t end;
	char *map;
	size_t i;

	end = lseek(fd, 0, SEEK_END);
	ok(end == (off_t)want, "the fd's size (SEEK_END) is the allocation's, page-rounded: %lld, want %zu",
	   (long long)end, want);
	if (fstat(fd, &sb))
		sb.st_size = -1;
	ok(sb.st_size == (off_t)want, "fstat agrees: %lld",
	   (long long)sb.st_size);
	ok(fcntl(fd, F_GETFD) & FD_CLOEXEC, "the fd is close-on-exec");

	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	n = readlink(path, link, sizeof(link) - 1);
	link[n > 0 ? n : 0] = 0;
	if (!strcmp(st->export_kind, "udmabuf"))
		ok(!strcmp(link, "anon_inode:dmabuf") ||
		   !strncmp(link, "/dmabuf:", 8), "it is a dma-buf: %s", link);
	else
		ok(strstr(link, "memfd:fake-cuda") != NULL,
		   "it is the allocation's memfd: %s", link);

	/* the offset is where the pointer's bytes are in the fd */
	for (i = 0; i < sizeof(pattern); i++)
		pattern[i] = (char)(i * 7 + 3);
	ok(!fk.htod(base + IN_OFF, pattern, sizeof(pattern)), "cuMemcpyHtoD");
	map = mmap(NULL, want, PROT_READ, MAP_SHARED, fd, 0);
	ok(map != MAP_FAILED, "mmap the exported fd");
	if (map == MAP_FAILED)
		return;
	memcpy(back, map + IN_OFF, sizeof(back));
	ok(!memcmp(back, pattern, sizeof(back)),
	   "bytes written at the pointer are at its offset in the fd");
	munmap(map, want);
}

static void test_segment(CUdeviceptr base)
{
	char host[IN_LEN], dev[IN_LEN];
	struct mcte *m;
	__u32 h, hh, t;
	__u64 size = 0;
	__s64 res;
	int err, fds, exports;
	size_t i;

	unsetenv("FAKE_MCTE_DMABUF");
	if (mcte_open(&m, 0))
		return;
	exports = st->exports;
	err = mcte_seg_register_cuda(m, "gpu", base + IN_OFF, IN_LEN,
				     MCTE_ACCESS_RW, &h);
	ok(err == -EOPNOTSUPP && st->exports == exports,
	   "module without MCTE_FEAT_SEG_DMABUF: -EOPNOTSUPP, nothing exported: %d",
	   err);
	err = mcte_seg_register_dmabuf(m, "gpu", 0, 0, IN_LEN, MCTE_ACCESS_RW, &h);
	ok(err == -EOPNOTSUPP, "mcte_seg_register_dmabuf() there too: %d", err);
	mcte_close(m);

	setenv("FAKE_MCTE_DMABUF", "1", 1);
	if (mcte_open(&m, 0))
		return;
	fds = count_fds();
	err = mcte_seg_register_cuda(m, "gpu", base + IN_OFF, IN_LEN,
				     MCTE_ACCESS_RW, &h);
	ok(!err, "mcte_seg_register_cuda(): %s", mcte_cuda_strerror(err));
	ok(count_fds() == fds, "its exported fd is closed again (%d fds, were %d)",
	   count_fds(), fds);
	err = mcte_seg_open(m, "gpu", MCTE_ACCESS_RW, &t, &size);
	ok(!err && size == IN_LEN, "open the GPU segment: size %llu",
	   (unsigned long long)size);

	for (i = 0; i < sizeof(host); i++)
		host[i] = (char)(i ^ 0x5a);
	err = mcte_seg_register_host(m, "host", host, sizeof(host),
				     MCTE_ACCESS_NONE, &hh);
	ok(!err, "register a host segment: %d", err);
	res = mcte_transfer_sync_write(m, hh, 0, t, 0, sizeof(host));
	ok(res == (__s64)sizeof(host), "write host to GPU segment: %lld",
	   (long long)res);
	memset(dev, 0, sizeof(dev));
	fk.dtoh(dev, base + IN_OFF, sizeof(dev));
	ok(!memcmp(dev, host, sizeof(dev)),
	   "the bytes are in device memory at the registered pointer");

	mcte_seg_close(m, t);
	mcte_seg_unregister(m, hh);
	mcte_seg_unregister(m, h);
	mcte_close(m);
	unsetenv("FAKE_MCTE_DMABUF");
}

/*
 * The choice of mcte_seg_register_cuda(): dma-buf while the GPU exports,
 * GPU peer memory when it cannot and the module has it.
 */
static void test_nvp2p(CUdeviceptr base)
{
	int *last = dlsym(RTLD_DEFAULT, "fake_mcte_last_kind");
	__u64 a = (base + MCTE_NV_P2P_ALIGN - 1) & ~(MCTE_NV_P2P_ALIGN - 1);
	const size_t len = MCTE_NV_P2P_ALIGN;
	struct mcte *m;
	__u32 h;
	int err;

	if (!last || mcte_open(&m, 0)) {
		ok(0, "set up the peer memory test");
		return;
	}
	err = mcte_seg_register_nvp2p(m, "p2p", a, len, MCTE_ACCESS_RW, &h);
	ok(err == -EOPNOTSUPP,
	   "mcte_seg_register_nvp2p() without MCTE_FEAT_SEG_NV_P2P: %d", err);
	mcte_close(m);

	setenv("FAKE_MCTE_NVP2P", "1", 1);
	setenv("FAKE_MCTE_DMABUF", "1", 1);
	if (mcte_open(&m, 0))
		return;
	err = mcte_seg_register_cuda(m, "both", a, len, MCTE_ACCESS_RW, &h);
	ok(!err && *last == MCTE_SEG_DMABUF,
	   "both ways there, the GPU exports: dma-buf (kind %d): %d", *last,
	   err);
	if (!err)
		mcte_seg_unregister(m, h);
	setenv("FAKE_CUDA_DMABUF", "0", 1);
	err = mcte_seg_register_cuda(m, "p2p", a, len, MCTE_ACCESS_RW, &h);
	ok(!err && *last == MCTE_SEG_NV_P2P,
	   "a GPU that cannot export: peer memory (kind %d): %s", *last,
	   mcte_cuda_strerror(err));
	if (!err)
		mcte_seg_unregister(m, h);
	err = mcte_seg_register_cuda(m, "odd", a + 4096, len, MCTE_ACCESS_RW,
				     &h);
	ok(err == -EINVAL && strstr(mcte_cuda_strerror(err), "64 KiB"),
	   "peer memory not 64 KiB aligned: %s", mcte_cuda_strerror(err));
	unsetenv("FAKE_MCTE_DMABUF");
	mcte_close(m);
	if (mcte_open(&m, 0))
		return;
	err = mcte_seg_register_cuda(m, "p2p", a, len, MCTE_ACCESS_RW, &h);
	ok(!err && *last == MCTE_SEG_NV_P2P,
	   "a module without dma-buf segments: peer memory: %s",
	   mcte_cuda_strerror(err));
	if (!err)
		mcte_seg_unregister(m, h);
	unsetenv("FAKE_MCTE_NVP2P");
	/* A handle keeps the features it was told. */
	mcte_close(m);
	if (mcte_open(&m, 0))
		return;
	err = mcte_seg_register_cuda(m, "none", a, len, MCTE_ACCESS_RW, &h);
	ok(err == -EOPNOTSUPP, "neither way: -EOPNOTSUPP: %d", err);
	mcte_close(m);
	unsetenv("FAKE_CUDA_DMABUF");
}

static void test_fake_driver(void *lib)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	struct export_args a = { .fd = -1 };
	struct mcte_cuda_loc loc;
	CUdeviceptr base = 0;
	const char *msg;
	pthread_t tid;
	void *ctx;
	char host[64];
	__u64 off;
	int err, fd;

	fk.retain = dlsym(lib, "cuDevicePrimaryCtxRetain");
	fk.set_current = dlsym(lib, "cuCtxSetCurrent");
	fk.alloc = dlsym(lib, "cuMemAlloc_v2");
	fk.free = dlsym(lib, "cuMemFree_v2");
	fk.htod = dlsym(lib, "cuMemcpyHtoD_v2");
	fk.dtoh = dlsym(lib, "cuMemcpyDtoH_v2");

	err = mcte_cuda_available();
	ok(err == 2, "mcte_cuda_available(): 2 devices (FAKE_CUDA_DEVICES=2): %d",
	   err);
	ok(st->init_calls == 1, "cuInit() called once");
	mcte_cuda_available();
	ok(st->init_calls == 1, "and not again");

	err = mcte_cuda_location(0, 1, &loc);
	ok(!err && loc.device == 1 && !strcmp(loc.name, "cuda:1") &&
	   !strcmp(loc.pci, "0000:3c:00.0") && loc.dmabuf == 1,
	   "location of device 1: %s %s dmabuf=%d", loc.name, loc.pci,
	   loc.dmabuf);
	err = mcte_cuda_location(0, 5, &loc);
	ok(err == -ENODEV, "location of device 5: -ENODEV: %d", err);
	err = mcte_cuda_location(0, -1, &loc);
	ok(err == -EINVAL, "location of neither pointer nor device: %d", err);

	/* device memory on device 1, from its primary context */
	if (fk.retain(&ctx, 1) || fk.set_current(ctx) ||
	    fk.alloc(&base, ALLOC_SIZE)) {
		ok(0, "allocate %lu bytes through the fake driver", ALLOC_SIZE);
		return;
	}
	err = mcte_cuda_location(base + IN_OFF, -1, &loc);
	ok(!err && loc.device == 1 && !strcmp(loc.name, "cuda:1"),
	   "location of a pointer on device 1: %s", loc.name);

	fk.set_current(NULL);
	a.p = base + IN_OFF;
	pthread_create(&tid, NULL, export_thread, &a);
	pthread_join(tid, NULL);
	ok(!a.err, "export a range inside the allocation: %s",
	   mcte_cuda_strerror(a.err));
	if (a.err)
		goto out;
	printf("# the fake driver exported a %s\n", st->export_kind);
	ok(a.off == IN_OFF, "offset of the pointer in the dma-buf: %llu",
	   (unsigned long long)a.off);
	ok(st->export_ptr == base, "the whole allocation is exported, from its base");
	ok(st->export_size == (ALLOC_SIZE + page - 1) / page * page,
	   "its size rounded up to a page: %zu", st->export_size);
	ok(st->export_type == 1 && st->export_flags == 0,
	   "handle type CU_MEM_RANGE_HANDLE_TYPE_DMA_BUF_FD, flags 0");
	ok(st->ctx_depth_at_export == 1,
	   "in the allocation's context, pushed for a thread without one");
	fk.set_current(ctx);
	test_fd(a.fd, base, page);
	close(a.fd);

	err = mcte_cuda_export_dmabuf((__u64)(uintptr_t)host, sizeof(host),
				      &fd, &off);
	ok(err == -EFAULT, "host memory: -EFAULT: %d", err);
	msg = mcte_cuda_strerror(err);
	ok(strstr(msg, "not CUDA device memory") != NULL, "message: %s", msg);
	err = mcte_cuda_export_dmabuf(base + ALLOC_SIZE - 10, 11, &fd, &off);
	ok(err == -ERANGE, "a range past the allocation's end: -ERANGE: %d", err);
	err = mcte_cuda_export_dmabuf(base, 0, &fd, &off);
	ok(err == -EINVAL, "length 0: -EINVAL: %d", err);

	setenv("FAKE_CUDA_DMABUF", "0", 1);
	err = mcte_cuda_export_dmabuf(base, IN_LEN, &fd, &off);
	ok(err == -EOPNOTSUPP, "a GPU without dma-buf support: -EOPNOTSUPP: %d",
	   err);
	msg = mcte_cuda_strerror(err);
	ok(strstr(msg, "cannot export dma-buf") && strstr(msg, "open kernel modules"),
	   "message: %s", msg);
	ok(!mcte_cuda_location(0, 0, &loc) && loc.dmabuf == 0,
	   "location says dmabuf=0");
	setenv("FAKE_CUDA_DMABUF", "lie", 1);
	err = mcte_cuda_export_dmabuf(base, IN_LEN, &fd, &off);
	ok(err == -EOPNOTSUPP,
	   "CUDA_ERROR_NOT_SUPPORTED from the export: -EOPNOTSUPP: %d", err);
	unsetenv("FAKE_CUDA_DMABUF");

	test_segment(base);
	test_nvp2p(base);
out:
	fk.free(base);
}

/* ---------------------------------------------------------------- */

/* Host buffers in a dma-buf segment make it a dma-buf segment. */
static void test_kind(void)
{
	int *last = dlsym(RTLD_DEFAULT, "fake_mcte_last_kind");
	struct mcte_seg_buf bufs[2];
	char host[64];
	struct mcte *m;
	__u32 h;
	int fd;

	fd = memfd_create("kind", MFD_CLOEXEC);
	if (!last || fd < 0 || ftruncate(fd, 4096) || mcte_open(&m, 0)) {
		ok(0, "set up the kind test (fake-mcte.so preloaded?)");
		return;
	}
	bufs[0] = (struct mcte_seg_buf){ .addr = (__u64)(uintptr_t)host,
					 .len = sizeof(host), .fd = -1 };
	bufs[1] = (struct mcte_seg_buf){ .addr = 0, .len = 4096, .fd = fd };
	mcte_seg_register(m, "mixed", bufs, 2, MCTE_ACCESS_RW, &h);
	ok(*last == MCTE_SEG_DMABUF, "host + dma-buf buffers: kind DMABUF (%d)",
	   *last);
	mcte_seg_register(m, "host", bufs, 1, MCTE_ACCESS_RW, &h);
	ok(*last == MCTE_SEG_HOST, "host buffers only: kind HOST (%d)", *last);
	mcte_seg_unregister(m, h);
	mcte_close(m);
	close(fd);
}

int main(void)
{
	void *lib = dlopen("libcuda.so.1", RTLD_NOW | RTLD_LOCAL);

	printf("TAP version 13\n");
	test_kind();
	if (!lib) {
		test_no_driver();
	} else {
		st = dlsym(lib, "fake_cuda_state");
		if (!st) {
			printf("1..0 # SKIP a real libcuda.so.1 is on the loader path (scripts/gpu-check.sh tests that)\n");
			dlclose(lib);
			return 0;
		}
		test_fake_driver(lib);
		dlclose(lib);
	}
	printf("1..%u\n", tests);
	return failures ? 1 : 0;
}
