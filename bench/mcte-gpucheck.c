// SPDX-License-Identifier: GPL-2.0
/*
 * mcte-gpucheck - libmcte's CUDA helpers on a real GPU, TAP output
 * (scripts/gpu-check.sh runs it): allocate device memory, export it
 * with mcte_cuda_export_dmabuf(), and check that the fd is a dma-buf of
 * the allocation's size with the pointer at the offset said. Needs no
 * mcte module and no root.
 *
 *	mcte-gpucheck [DEVICE]     exit 0: passed or skipped, 1: failed
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libmcte.h>

#include "gpu.h"

#define ALLOC_SIZE	((32UL << 20) + 123)	/* not a page multiple */
#define IN_OFF		((1UL << 20) + 64)
#define IN_LEN		(1UL << 20)

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

/* The "exp_name:" line /proc/self/fdinfo shows for a dma-buf, or "". */
static void fdinfo_exp_name(int fd, char *out, size_t size)
{
	char path[64], line[256];
	FILE *f;

	out[0] = 0;
	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	f = fopen(path, "r");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, "exp_name:", 9)) {
			line[strcspn(line, "\n")] = 0;
			snprintf(out, size, "%s", line);
			break;
		}
	fclose(f);
}

static void check_fd(int fd)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	size_t want = (ALLOC_SIZE + page - 1) / page * page;
	char path[64], link[256], exp[256];
	ssize_t n;
	off_t end;

	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	n = readlink(path, link, sizeof(link) - 1);
	link[n > 0 ? n : 0] = 0;
	/* older kernels name it anon_inode:dmabuf, newer /dmabuf: */
	ok(!strcmp(link, "anon_inode:dmabuf") || !strncmp(link, "/dmabuf:", 8),
	   "the fd is a dma-buf: %s", link);
	fdinfo_exp_name(fd, exp, sizeof(exp));
	ok(exp[0] != 0, "fdinfo names its exporter: %s", exp[0] ? exp : "(none)");
	end = lseek(fd, 0, SEEK_END);
	ok(end == (off_t)want,
	   "its size is the allocation's, page-rounded: %lld (want %zu)",
	   (long long)end, want);
	ok(fcntl(fd, F_GETFD) & FD_CLOEXEC, "it is close-on-exec");
}

int main(int argc, char **argv)
{
	struct mcte_cuda_loc loc;
	char host[64];
	int dev = argc > 1 ? atoi(argv[1]) : 0;
	__u64 base, off;
	int err, fd;

	printf("TAP version 13\n");
	err = mcte_cuda_available();
	if (err == -ENOSYS || err == -ENODEV) {
		printf("1..0 # SKIP no NVIDIA GPU: %s\n", mcte_cuda_strerror(err));
		return 0;
	}
	ok(err > dev, "mcte_cuda_available(): %d device(s)%s", err,
	   err < 0 ? mcte_cuda_strerror(err) : "");
	if (err <= dev)
		goto out;
	err = mcte_cuda_location(0, dev, &loc);
	ok(!err, "mcte_cuda_location(device %d): %s at %s, dma-buf %s", dev,
	   loc.name, loc.pci, loc.dmabuf ? "supported" : "not supported");
	if (err)
		goto out;

	err = gpu_open(dev);
	ok(!err, "primary context of device %d%s%s", dev, err ? ": " : "",
	   err ? gpu_error() : "");
	if (err)
		goto out;
	err = gpu_alloc(ALLOC_SIZE, &base);
	ok(!err, "cuMemAlloc(%lu)%s%s", ALLOC_SIZE, err ? ": " : "",
	   err ? gpu_error() : "");
	if (err)
		goto close;

	err = mcte_cuda_location(base + IN_OFF, -1, &loc);
	ok(!err && loc.device == dev, "the pointer is on %s", loc.name);

	err = mcte_cuda_export_dmabuf(base + IN_OFF, IN_LEN, &fd, &off);
	if (!loc.dmabuf) {
		ok(err == -EOPNOTSUPP,
		   "the GPU cannot export dma-buf: -EOPNOTSUPP (%d) # SKIP %s",
		   err, mcte_cuda_strerror(-EOPNOTSUPP));
		goto free;
	}
	ok(!err, "mcte_cuda_export_dmabuf(): %s", mcte_cuda_strerror(err));
	if (!err) {
		ok(off == IN_OFF, "offset of the pointer: %llu (want %lu)",
		   (unsigned long long)off, IN_OFF);
		check_fd(fd);
		close(fd);
	}
	err = mcte_cuda_export_dmabuf((__u64)(uintptr_t)host, sizeof(host),
				      &fd, &off);
	ok(err == -EFAULT, "host memory is refused: %d", err);
	err = mcte_cuda_export_dmabuf(base + ALLOC_SIZE - 8, 16, &fd, &off);
	ok(err == -ERANGE, "a range past the allocation is refused: %d", err);
free:
	gpu_free(base);
close:
	gpu_close();
out:
	printf("1..%u\n", tests);
	return failures ? 1 : 0;
}
