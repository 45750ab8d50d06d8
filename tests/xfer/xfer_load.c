// SPDX-License-Identifier: GPL-2.0
/*
 * Helper of stat.sh: a known workload, then the counter deltas it must
 * cause, as one JSON object on stdout.
 *
 *	xfer_load ok	3 WRITEs of 100000 bytes, 2 READs of 5000 through the
 *			ioctl path, 1 READ of 70000 through io_uring; all
 *			complete, every byte checked
 *	xfer_load slow	one request that times out, one that is canceled
 *			(sets xfer_delay_ms and slice_size, then puts them back)
 *
 * Exits 1 when the workload itself did not go as planned.
 */
#define MX_WITH_URING
#include "mcte_xfer.h"

#define SZ	(1 << 20)

static int fail(const char *what, int ret)
{
	fprintf(stderr, "xfer_load: %s: %d (%s)\n", what, ret,
		ret < 0 ? strerror(-ret) : "unexpected");
	return 1;
}

static __u64 slices(__u64 len, __u64 s)
{
	return (len + s - 1) / s;
}

static int load_ok(int fd, __u32 ha, __u32 hb, char *a, char *b)
{
	struct mcte_xfer_req r[5];
	struct mcte_cqe c[5];
	struct io_uring ring;
	__u64 s = mx_slice_size(fd);
	__u32 id, i;
	int ret, res;

	ret = mx_batch_alloc(fd, 8, &id);
	if (ret)
		return fail("batch", ret);
	for (i = 0; i < 3; i++)
		mx_req(&r[i], MCTE_OP_WRITE, ha, 0, hb, 0, 100000, id, i);
	for (i = 3; i < 5; i++)
		mx_req(&r[i], MCTE_OP_READ, hb, 0, ha, 0, 5000, id, i);
	/* One at a time: the copies overlap. */
	for (i = 0; i < 5; i++) {
		ret = mx_submit(fd, &r[i], 1, NULL, NULL);
		if (!ret)
			ret = mx_reap_n(fd, &c[i], 1, 30000);
		if (ret || c[i].res != (__s64)r[i].length)
			return fail("ioctl transfer", ret ? ret : (int)c[i].res);
	}
	if (memcmp(a, b, 100000))
		return fail("data", 0);
	ret = mx_ring_init(&ring, 4, IORING_SETUP_SQE128);
	if (ret)
		return fail("io_uring", ret);
	mx_req(&r[0], MCTE_OP_READ, ha, 0, hb, 0, 70000, id, 9);
	memset(a, 0x5a, 70000);
	ret = mx_uring_xfer(&ring, fd, &r[0], &res);
	if (ret || res != 70000)
		return fail("uring transfer", ret ? ret : res);
	if (memcmp(a, b, 70000))
		return fail("data", 0);
	io_uring_queue_exit(&ring);
	printf("{\"req_submitted\":6,\"req_completed\":6,\"req_failed\":0,"
	       "\"req_timeout\":0,\"req_canceled\":0,\"bytes_read\":%u,"
	       "\"bytes_written\":%u,\"slices\":%llu}\n",
	       2 * 5000 + 70000, 3 * 100000,
	       (unsigned long long)(3 * slices(100000, s) +
				    2 * slices(5000, s) + slices(70000, s)));
	return 0;
}

static int load_slow(int fd, __u32 ha, __u32 hb)
{
	struct mcte_xfer_req r;
	__u32 id1, id2, st1, st2;
	long slice = mx_get_param("slice_size");
	int ret;

	if (mx_set_delay(200) || mx_set_param("slice_size", 4096))
		return fail("test hooks", -errno);
	ret = mx_batch_alloc(fd, 1, &id1);
	if (!ret)
		ret = mx_batch_alloc(fd, 1, &id2);
	if (ret)
		return fail("batch", ret);
	mx_req(&r, MCTE_OP_WRITE, ha, 0, hb, 0, 32 * 4096, id1, 1);
	r.timeout_ms = 20;
	ret = mx_submit(fd, &r, 1, NULL, NULL);
	mx_req(&r, MCTE_OP_WRITE, ha, 0, hb, 0, 32 * 4096, id2, 2);
	if (!ret)
		ret = mx_submit(fd, &r, 1, NULL, NULL);
	if (!ret)
		ret = mx_batch_cancel(fd, id2);
	if (!ret)
		ret = mx_wait_batch(fd, id1, 30000, &st1);
	if (!ret)
		ret = mx_wait_batch(fd, id2, 30000, &st2);
	mx_set_delay(0);
	mx_set_param("slice_size", slice);
	if (ret)
		return fail("slow transfers", ret);
	if (st1 != MCTE_XFER_TIMEOUT || st2 != MCTE_XFER_CANCELED)
		return fail("final states", st1 * 10 + st2);
	printf("{\"req_submitted\":2,\"req_completed\":0,\"req_failed\":0,"
	       "\"req_timeout\":1,\"req_canceled\":1}\n");
	return 0;
}

int main(int argc, char **argv)
{
	char name[MCTE_SEG_NAME_MAX];
	char *a = mx_alloc(SZ), *b = mx_alloc(SZ);
	__u32 ha, hb;
	int fd = mx_open(), ret;

	if (fd < 0 || !a || !b)
		return fail("set-up", -errno);
	memset(a, 1, SZ);
	memset(b, 2, SZ);
	ret = mx_seg_reg1(fd, mx_name(name, sizeof(name), "load"), a, SZ,
			  MCTE_ACCESS_NONE, &ha);
	if (!ret)
		ret = mx_seg_reg1(fd, mx_name(name, sizeof(name), "load"), b, SZ,
				  MCTE_ACCESS_NONE, &hb);
	if (ret)
		return fail("register", ret);
	if (argc > 1 && !strcmp(argv[1], "slow"))
		return load_slow(fd, ha, hb);
	return load_ok(fd, ha, hb, a, b);
}
