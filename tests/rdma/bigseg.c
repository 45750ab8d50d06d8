// SPDX-License-Identifier: GPL-2.0
/*
 * bigseg - a segment far larger than the guest's memory, opened by a peer:
 * one small memfd (hugetlb with -H, else 4 KiB pages) mapped -b times,
 * each mapping one buffer of -s bytes, registered read-write, then opened
 * again through the peer's listener (MCTE_RDMA_PEER), so that its keys
 * come over the wire, page after page. Bytes are written through the open
 * at the segment's far end, across buffers and across the buffer whose
 * key starts the second page of keys, read back through it, and checked
 * in the memfd itself (the owner's mapping of it), where every buffer
 * lands.
 *
 * It prints TAP, and one line of figures:
 * "figures bufs=N bytes=B reg_ms=.. reg_kib=.. open_ms=.. open_kib=.."
 * (kernel memory as MemFree went down, the pinned memory being touched
 * before). Exit 0 when every check passed.
 */

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "rdma_test.h"

#ifndef MFD_HUGETLB
#define MFD_HUGETLB	0x0004U
#endif

#define BS_MAX_BUFS	MCTE_SEG_BUFS_MAX
#define BS_IO		8192	/* bytes of each checked transfer */
#define BS_WAIT_MS	60000

static unsigned int tap_n, tap_fail;

static void check(bool ok, const char *fmt, ...)
{
	va_list ap;

	printf("%s %u - ", ok ? "ok" : "not ok", ++tap_n);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	tap_fail += !ok;
}

/* MemFree of /proc/meminfo, in KiB. */
static long memfree_kib(void)
{
	char line[128];
	long v = -1;
	FILE *f = fopen("/proc/meminfo", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "MemFree: %ld kB", &v) == 1)
			break;
	fclose(f);
	return v;
}

/* The pattern of segment offset @off, one byte. */
static unsigned char bs_byte(unsigned long long off, unsigned int seed)
{
	unsigned long long x = (off + 1) * 0x9e3779b97f4a7c15ULL ^ seed;

	return (unsigned char)(x >> 29);
}

/*
 * Write BS_IO bytes of the pattern at @off through the open @hr (from the
 * local staging segment @hl, mapped at @stage), read them back into the
 * other half of the staging segment, compare; then compare with the
 * memfd, where segment offset @off is memfd offset @off % @bufsz.
 */
static bool bs_check_at(int fd, __u32 hl, unsigned char *stage, __u32 hr,
			unsigned long long off, unsigned long long bufsz,
			const unsigned char *memfd_map, unsigned int seed)
{
	struct mcte_cqe cqe = { 0 };
	unsigned int i;
	int ret;

	for (i = 0; i < BS_IO; i++)
		stage[i] = bs_byte(off + i, seed);
	memset(stage + BS_IO, 0, BS_IO);
	ret = mx_xfer_sync(fd, MCTE_OP_WRITE, hl, 0, hr, off, BS_IO,
			   BS_WAIT_MS, &cqe);
	if (ret || cqe.res != BS_IO) {
		printf("# write at %llu: %s, res %d\n", off,
		       ret ? strerror(-ret) : "done", (int)cqe.res);
		return false;
	}
	ret = mx_xfer_sync(fd, MCTE_OP_READ, hl, BS_IO, hr, off, BS_IO,
			   BS_WAIT_MS, &cqe);
	if (ret || cqe.res != BS_IO) {
		printf("# read at %llu: %s, res %d\n", off,
		       ret ? strerror(-ret) : "done", (int)cqe.res);
		return false;
	}
	if (memcmp(stage, stage + BS_IO, BS_IO)) {
		printf("# read at %llu: not what was written (byte %ld)\n",
		       off, mx_diff(stage, stage + BS_IO, BS_IO));
		return false;
	}
	/* Each byte in the memfd, where its buffer maps it. */
	for (i = 0; i < BS_IO; i++) {
		if (memfd_map[(off + i) % bufsz] != stage[i]) {
			printf("# offset %llu: memfd byte %llu differs\n",
			       off + i, (off + i) % bufsz);
			return false;
		}
	}
	return true;
}

int main(int argc, char **argv)
{
	unsigned long long bufsz = 64 * MX_MiB, size, off, sz = 0;
	unsigned int nbufs = 1024, i, seed = 0x6b16;
	struct mcte_seg_buf *bufs;
	unsigned char **maps, *stage;
	const char *name = "bigseg";
	__u32 hs, hr, hl, nr_bufs = 0;
	bool huge = false, ok;
	long m0, m1, m2, m3;
	char target[256];
	uint64_t t0, t1, treg;
	int o, fd, mfd, ret;

	while ((o = getopt(argc, argv, "b:s:Hn:")) != -1) {
		switch (o) {
		case 'b':
			nbufs = strtoul(optarg, NULL, 0);
			break;
		case 's':
			bufsz = strtoull(optarg, NULL, 0) * MX_MiB;
			break;
		case 'H':
			huge = true;
			break;
		case 'n':
			name = optarg;
			break;
		default:
			fprintf(stderr, "usage: bigseg [-b BUFS] [-s MIB] [-H] [-n NAME]\n");
			return 2;
		}
	}
	if (!nbufs || nbufs > BS_MAX_BUFS || !bufsz) {
		fprintf(stderr, "bigseg: 1 to %u buffers, of at least 1 MiB\n",
			BS_MAX_BUFS);
		return 2;
	}
	size = bufsz * nbufs;
	printf("TAP version 13\n");
	printf("# %u buffers of %llu MiB (%s pages) mapping one memfd: %llu GiB\n",
	       nbufs, bufsz / MX_MiB, huge ? "2 MiB" : "4 KiB", size >> 30);

	fd = mx_open();
	mfd = memfd_create("bigseg", huge ? MFD_HUGETLB : 0);
	maps = calloc(nbufs, sizeof(*maps));
	bufs = calloc(nbufs, sizeof(*bufs));
	if (fd < 0 || mfd < 0 || !maps || !bufs || ftruncate(mfd, bufsz)) {
		printf("1..1\nnot ok 1 set-up: /dev/mcte, memfd of %llu bytes: %s\n",
		       bufsz, strerror(errno));
		return 1;
	}
	for (i = 0; i < nbufs; i++) {
		maps[i] = mmap(NULL, bufsz, PROT_READ | PROT_WRITE, MAP_SHARED,
			       mfd, 0);
		if (maps[i] == MAP_FAILED) {
			printf("1..1\nnot ok 1 set-up: mapping %u: %s\n", i,
			       strerror(errno));
			return 1;
		}
		bufs[i] = mx_buf(maps[i], bufsz);
	}
	/* Touch the memory now: what registration costs is the kernel's. */
	memset(maps[0], 0, bufsz);

	m0 = memfree_kib();
	t0 = mx_now_ms();
	ret = mx_seg_reg(fd, name, bufs, nbufs, MCTE_ACCESS_RW, &hs);
	t1 = mx_now_ms();
	m1 = memfree_kib();
	treg = t1 - t0;
	check(!ret, "registered %llu GiB in %u buffers, read-write (%s), %llu ms",
	      size >> 30, nbufs, ret ? strerror(-ret) : "ok",
	      (unsigned long long)treg);
	if (ret)
		goto out;

	rt_remote(target, sizeof(target), name);
	t0 = mx_now_ms();
	ret = mx_seg_open(fd, target, MCTE_ACCESS_RW, &hr, &sz, &nr_bufs);
	t1 = mx_now_ms();
	m2 = memfree_kib();
	check(!ret && sz == size,
	      "opened %s through the peer: %llu bytes (%s), %llu ms", target,
	      (unsigned long long)sz, ret ? strerror(-ret) : "ok",
	      (unsigned long long)(t1 - t0));
	if (ret)
		goto out_unreg;
	check(nr_bufs == nbufs, "the open reports the owner's %u buffers (%u)",
	      nbufs, nr_bufs);
	printf("figures bufs=%u bytes=%llu huge=%d reg_ms=%llu reg_kib=%ld open_ms=%llu open_kib=%ld\n",
	       nbufs, size, huge, (unsigned long long)treg, m0 - m1,
	       (unsigned long long)(t1 - t0), m1 - m2);
	fflush(stdout);

	stage = mx_alloc(2 * BS_IO);
	ret = stage ? mx_seg_reg1(fd, "bigseg-stage", stage, 2 * BS_IO,
				  MCTE_ACCESS_NONE, &hl) : -ENOMEM;
	if (ret) {
		check(false, "staging segment: %s", strerror(-ret));
		goto out_close;
	}

	/* The far end: the last BS_IO bytes, the segment's last byte. */
	off = size - BS_IO;
	check(bs_check_at(fd, hl, stage, hr, off, bufsz, maps[0], seed),
	      "the last %u bytes (to byte %llu) written, read back, in the memfd",
	      BS_IO, size - 1);
	/* Across buffers: two boundaries early and late, odd offsets. */
	ok = true;
	for (i = 1; i < nbufs && i < 4; i++)
		ok &= bs_check_at(fd, hl, stage, hr,
				  (unsigned long long)i * bufsz - BS_IO / 2 +
				  i * 3 * BS_IO, bufsz, maps[0], seed + i);
	check(ok, "requests across the first buffers' boundaries");
	/*
	 * The buffer that starts the second page of keys when each buffer
	 * takes one key (680 keys a page), and one after.
	 */
	ok = true;
	for (i = 680; i < nbufs && i < 682; i++)
		ok &= bs_check_at(fd, hl, stage, hr,
				  (unsigned long long)i * bufsz - BS_IO / 2 +
				  (i - 670) * 5 * BS_IO, bufsz, maps[0], seed + i);
	check(ok, "requests across buffers 679/680/681 (the second page of keys)");
	/* The middle of the segment, at an odd offset. */
	off = size / 2 + bufsz / 3 + 7;
	check(bs_check_at(fd, hl, stage, hr, off, bufsz, maps[0], seed + 9),
	      "a request in the middle (offset %llu)", off);

	ret = mx_seg_unreg(fd, hl);
	check(!ret, "staging segment unregistered");
out_close:
	ret = mx_seg_close(fd, hr);
	check(!ret, "remote open closed (%s)", ret ? strerror(-ret) : "ok");
out_unreg:
	t0 = mx_now_ms();
	ret = mx_seg_unreg(fd, hs);
	t1 = mx_now_ms();
	m3 = memfree_kib();
	check(!ret, "unregistered in %llu ms, %ld KiB of kernel memory back",
	      (unsigned long long)(t1 - t0), m3 - m1);
out:
	printf("1..%u\n", tap_n);
	close(fd);
	return tap_fail ? 1 : 0;
}
