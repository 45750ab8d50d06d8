// SPDX-License-Identifier: GPL-2.0
/*
 * Helper of kptr.sh: every ioctl output and io_uring completion of a
 * session that registers segments, opens one locally and one through
 * the peer, and moves data both ways, checked for kernel addresses.
 *
 *	kptr NAME
 *
 * NAME is a segment this program registers and opens again as
 * "$MCTE_RDMA_PEER/NAME". Every 8-byte word of every structure the module
 * wrote back is checked; on x86-64 a kernel address has its top 17 bits
 * set (0xffff8000_00000000 and up). Prints TAP; exit 0 when none was seen.
 */
#define MX_WITH_URING
#include "rdma_test.h"

#define KP_LEN		(1 << 20)

static unsigned int kp_n, kp_fail, kp_words;

static bool kp_kernel(uint64_t v)
{
	return (v >> 47) == 0x1ffff;
}

/* Scan @len bytes the module wrote for anything like a kernel address. */
static void kp_scan(const char *what, const void *p, size_t len)
{
	const unsigned char *b = p;
	bool bad = false;
	size_t i;

	for (i = 0; i + 8 <= len; i += 4) {
		uint64_t v;

		memcpy(&v, b + i, 8);
		kp_words++;
		if (kp_kernel(v)) {
			printf("# %s: %#llx at offset %zu\n", what,
			       (unsigned long long)v, i);
			bad = true;
		}
	}
	kp_n++;
	if (bad)
		kp_fail++;
	printf("%sok %u %s: no kernel address\n", bad ? "not " : "", kp_n, what);
}

int main(int argc, char **argv)
{
	struct mcte_batch_status bst = { 0 };
	struct mcte_xfer_status st[4];
	struct mcte_version ver;
	struct mcte_seg_reg reg = { 0 };
	struct mcte_seg_open op = { 0 }, lop = { 0 };
	struct mcte_batch_alloc ba = { .capacity = 4 };
	struct mcte_batch_submit bs = { 0 };
	struct mcte_xfer_req reqs[4] = { 0 };
	struct mcte_reap rp = { 0 };
	struct mcte_cqe cqes[8];
	struct mcte_seg_buf buf;
	struct io_uring ring;
	unsigned char *mem;
	int fd, i, got;

	if (argc != 2)
		return 2;
	printf("TAP version 13\n");
	fd = open(MCTE_DEV_PATH, O_RDWR | O_CLOEXEC);
	mem = mx_alloc(2 * KP_LEN);
	if (fd < 0 || !mem)
		return 2;
	memset(mem, 0x3c, 2 * KP_LEN);

	if (ioctl(fd, MCTE_IOC_VERSION, &ver))
		return 2;
	kp_scan("MCTE_IOC_VERSION", &ver, sizeof(ver));

	buf.addr = (uintptr_t)mem;
	buf.len = KP_LEN;
	buf.fd = -1;
	buf.resv = 0;
	snprintf(reg.name, sizeof(reg.name), "%s", argv[1]);
	reg.bufs = (uintptr_t)&buf;
	reg.nr_bufs = 1;
	reg.access = MCTE_ACCESS_RW;
	if (ioctl(fd, MCTE_IOC_SEG_REG, &reg))
		return 2;
	kp_scan("MCTE_IOC_SEG_REG", &reg, sizeof(reg));

	snprintf(lop.name, sizeof(lop.name), "%s", argv[1]);
	lop.access = MCTE_ACCESS_RW;
	if (ioctl(fd, MCTE_IOC_SEG_OPEN, &lop))
		return 2;
	kp_scan("MCTE_IOC_SEG_OPEN, local", &lop, sizeof(lop));

	snprintf(op.name, sizeof(op.name), "%s/%s", rt_peer(), argv[1]);
	op.access = MCTE_ACCESS_RW;
	if (ioctl(fd, MCTE_IOC_SEG_OPEN, &op)) {
		printf("# remote open of %s: %s\n", op.name, strerror(errno));
		return 2;
	}
	kp_scan("MCTE_IOC_SEG_OPEN, through the peer", &op, sizeof(op));

	/* A second local segment: the other end of the transfers. */
	buf.addr = (uintptr_t)(mem + KP_LEN);
	reg.name[0] = 'L';
	reg.access = MCTE_ACCESS_NONE;
	reg.handle = 0;
	if (ioctl(fd, MCTE_IOC_SEG_REG, &reg))
		return 2;

	if (ioctl(fd, MCTE_IOC_BATCH_ALLOC, &ba))
		return 2;
	kp_scan("MCTE_IOC_BATCH_ALLOC", &ba, sizeof(ba));
	for (i = 0; i < 4; i++) {
		reqs[i].opcode = i & 1 ? MCTE_OP_READ : MCTE_OP_WRITE;
		reqs[i].local_seg = reg.handle;
		reqs[i].local_off = i * 4096;
		reqs[i].target_seg = i < 2 ? op.handle : lop.handle;
		reqs[i].target_off = i * 8192;
		reqs[i].length = 4096;
		reqs[i].user_data = i;
		reqs[i].batch_id = ba.batch_id;
	}
	bs.reqs = (uintptr_t)reqs;
	bs.nr = 4;
	if (ioctl(fd, MCTE_IOC_BATCH_SUBMIT, &bs))
		return 2;
	kp_scan("MCTE_IOC_BATCH_SUBMIT", &bs, sizeof(bs));

	rp.cqes = (uintptr_t)cqes;
	for (got = 0; got < 4;) {
		rp.nr = 8;
		rp.min_nr = 1;
		rp.timeout_ms = 30000;
		if (ioctl(fd, MCTE_IOC_REAP, &rp))
			return 2;
		kp_scan("MCTE_IOC_REAP", &rp, sizeof(rp));
		kp_scan("reaped completions", cqes, rp.nr * sizeof(cqes[0]));
		got += rp.nr;
	}
	bst.batch_id = ba.batch_id;
	bst.nr = 4;
	bst.status = (uintptr_t)st;
	if (ioctl(fd, MCTE_IOC_BATCH_STATUS, &bst))
		return 2;
	kp_scan("MCTE_IOC_BATCH_STATUS", &bst, sizeof(bst));
	kp_scan("request statuses", st, sizeof(st));

	/* The same requests through io_uring commands, if it is there. */
	ba.capacity = 4;
	if (!ioctl(fd, MCTE_IOC_BATCH_ALLOC, &ba) &&
	    !mx_ring_init(&ring, 8, IORING_SETUP_SQE128)) {
		struct io_uring_cqe *cqe;
		struct io_uring_sqe *sqe;

		for (i = 0; i < 4; i++)
			reqs[i].batch_id = ba.batch_id;
		for (i = 0; i < 4 && (sqe = io_uring_get_sqe(&ring)); i++)
			mx_prep_xfer(&ring, sqe, fd, &reqs[i], 100 + i);
		io_uring_submit(&ring);
		for (i = 0; i < 4 && !io_uring_wait_cqe(&ring, &cqe); i++) {
			kp_scan("io_uring completion", cqe, sizeof(*cqe));
			io_uring_cqe_seen(&ring, cqe);
		}
		io_uring_queue_exit(&ring);
	}

	printf("1..%u\n# %u words checked\n", kp_n, kp_words);
	close(fd);
	return kp_fail ? 1 : 0;
}
