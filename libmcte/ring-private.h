/* SPDX-License-Identifier: LGPL-2.1 OR MIT */
/*
 * What ring.c (the ring API, the ioctl path) and uring.c (the io_uring
 * path) share. Not installed.
 */
#ifndef LIBMCTE_RING_PRIVATE_H
#define LIBMCTE_RING_PRIVATE_H

#include <liburing.h>
#include <time.h>

#include "libmcte-private.h"

#define MCTE_RING_MAX_ENTRIES	4096

/* SQPOLL: spin on the CQ this long before blocking, unless told otherwise. */
#define MCTE_SQPOLL_SPIN_NS	1000000000LL

static inline void mcte_cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#elif defined(__aarch64__)
	__asm__ __volatile__("yield" ::: "memory");
#else
	__asm__ __volatile__("" ::: "memory");
#endif
}

/* CLOCK_MONOTONIC through the vDSO: no system call. */
static inline long long mcte_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* A request in flight through io_uring: what its CQE does not carry. */
struct mcte_ring_slot {
	__u64 user_data;
	__u32 batch_id;
	__u32 next_free;
};

#define MCTE_SLOT_NONE		(~0U)

struct mcte_ring_int {
	/* both paths: a wait spins this long before it blocks */
	long long busy_poll_ns;

	/*
	 * ioctl path: @sq holds the prepared requests, @cq the completions
	 * routed to this ring; @outstanding counts those submitted (or
	 * refused) and not yet seen, at most cq.size.
	 */
	struct mcte_xfer_req *sq;
	unsigned int sq_nr;
	unsigned int outstanding;
	struct mcte_cq cq;

	/*
	 * io_uring path: each SQE's user_data is the index of its slot,
	 * which keeps the request's own user_data and batch; a slot is
	 * taken by mcte_ring_get_sqe() and given back when the CQE is seen,
	 * so at most cq_entries are ever due and the CQ cannot overflow.
	 */
	struct io_uring uring;
	bool uring_ready;
	bool fixed_file;
	struct mcte_ring_slot *slots;
	unsigned int nr_slots;
	unsigned int slots_used;
	unsigned int free_slot;
	struct io_uring_sqe **pend;	/* handed out since the last submit */
	unsigned int pend_nr;
	struct io_uring_cqe *cur;	/* the CQE behind @cqe */
	struct mcte_cqe cqe;
};

/* uring.c */
int mcte_uring_init(struct mcte_ring *ring, unsigned int entries,
		    bool sqpoll);
void mcte_uring_exit(struct mcte_ring *ring);
struct mcte_xfer_req *mcte_uring_get_sqe(struct mcte_ring *ring);
int mcte_uring_submit(struct mcte_ring *ring, unsigned int wait_nr);
int mcte_uring_peek_cqe(struct mcte_ring *ring, struct mcte_cqe **cqe);
int mcte_uring_wait_cqe(struct mcte_ring *ring, struct mcte_cqe **cqe);
void mcte_uring_cqe_seen(struct mcte_ring *ring, struct mcte_cqe *cqe);

#endif /* LIBMCTE_RING_PRIVATE_H */
