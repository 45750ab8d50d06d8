// SPDX-License-Identifier: LGPL-2.1 OR MIT
/*
 * The io_uring path of a ring: one IORING_OP_URING_CMD SQE (128 bytes,
 * IORING_SETUP_SQE128) per request, the struct mcte_xfer_req in its
 * command area, the result in its CQE.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ring-private.h"

/* SQPOLL: the SQ thread sleeps after this long without requests. */
#define MCTE_SQPOLL_IDLE_MS	1000

int mcte_uring_init(struct mcte_ring *ring, unsigned int entries, bool sqpoll)
{
	struct mcte_ring_int *ri = ring->ri;
	struct io_uring_params p;
	int fd = ring->m->fd;
	unsigned int i;
	int ret;

	memset(&p, 0, sizeof(p));
	p.flags = IORING_SETUP_SQE128 | IORING_SETUP_CQSIZE;
	p.cq_entries = 2 * entries;
	if (sqpoll) {
		p.flags |= IORING_SETUP_SQPOLL;
		p.sq_thread_idle = MCTE_SQPOLL_IDLE_MS;
		ri->busy_poll_ns = MCTE_SQPOLL_SPIN_NS;
	}
	ret = io_uring_queue_init_params(entries, &ri->uring, &p);
	if (ret < 0)
		return ret;
	ri->uring_ready = true;

	ri->nr_slots = p.cq_entries;
	ri->slots = calloc(ri->nr_slots, sizeof(*ri->slots));
	ri->pend = calloc(p.sq_entries, sizeof(*ri->pend));
	if (!ri->slots || !ri->pend) {
		mcte_uring_exit(ring);
		return -ENOMEM;
	}
	for (i = 0; i < ri->nr_slots; i++)
		ri->slots[i].next_free = i + 1 < ri->nr_slots ? i + 1 :
							       MCTE_SLOT_NONE;
	ri->free_slot = 0;

	/* A fixed file saves a file reference per request; optional. */
	ri->fixed_file = io_uring_register_files(&ri->uring, &fd, 1) == 0;

	ring->sq_entries = p.sq_entries;
	ring->cq_entries = p.cq_entries;
	return 0;
}

void mcte_uring_exit(struct mcte_ring *ring)
{
	struct mcte_ring_int *ri = ring->ri;

	if (ri->uring_ready)
		io_uring_queue_exit(&ri->uring);
	ri->uring_ready = false;
	free(ri->slots);
	free(ri->pend);
	ri->slots = NULL;
	ri->pend = NULL;
}

/*
 * SQPOLL: the SQ is full of submitted SQEs the SQ thread has not taken
 * yet. Wait for it to take some rather than fail: spin, then block.
 */
static struct io_uring_sqe *mcte_uring_sq_wait(struct mcte_ring_int *ri)
{
	struct io_uring_sqe *sqe;
	long long deadline = 0;
	unsigned int spins = 0;

	while (!(sqe = io_uring_get_sqe(&ri->uring))) {
		mcte_cpu_relax();
		if (++spins & 1023)
			continue;
		if (!deadline) {
			deadline = mcte_now_ns() + MCTE_SQPOLL_SPIN_NS;
		} else if (mcte_now_ns() > deadline) {
			if (io_uring_sqring_wait(&ri->uring) < 0)
				return NULL;
			deadline = 0;
		}
	}
	return sqe;
}

struct mcte_xfer_req *mcte_uring_get_sqe(struct mcte_ring *ring)
{
	struct mcte_ring_int *ri = ring->ri;
	struct io_uring_sqe *sqe;
	unsigned int slot = ri->free_slot;

	if (slot == MCTE_SLOT_NONE)
		return NULL;
	sqe = io_uring_get_sqe(&ri->uring);
	if (!sqe && ring->mode == MCTE_RING_MODE_SQPOLL && !ri->pend_nr)
		sqe = mcte_uring_sq_wait(ri);
	if (!sqe)
		return NULL;
	ri->free_slot = ri->slots[slot].next_free;
	ri->slots_used++;

	/* all 128 bytes: the module wants unused fields zero */
	memset(sqe, 0, 2 * sizeof(*sqe));
	sqe->opcode = IORING_OP_URING_CMD;
	if (ri->fixed_file) {
		sqe->fd = 0;
		sqe->flags = IOSQE_FIXED_FILE;
	} else {
		sqe->fd = ring->m->fd;
	}
	sqe->cmd_op = MCTE_URING_CMD_XFER;
	sqe->user_data = slot;
	ri->pend[ri->pend_nr++] = sqe;
	return (struct mcte_xfer_req *)sqe->cmd;
}

/*
 * Wait for @wait_nr CQEs: spin on the CQ for the ring's busy-poll time,
 * then block. The completions of a ring without SQPOLL are posted by task
 * work, which the kernel runs when it interrupts the spinning thread.
 */
static int mcte_uring_spin(struct mcte_ring_int *ri, unsigned int wait_nr)
{
	struct io_uring_cqe *cqe;
	long long deadline;
	unsigned int spins = 0;

	if (io_uring_cq_ready(&ri->uring) >= wait_nr)
		return 0;
	if (!ri->busy_poll_ns)
		return io_uring_wait_cqe_nr(&ri->uring, &cqe, wait_nr);
	deadline = mcte_now_ns() + ri->busy_poll_ns;
	while (io_uring_cq_ready(&ri->uring) < wait_nr) {
		mcte_cpu_relax();
		if (++spins & 1023)
			continue;
		if (mcte_now_ns() > deadline)
			return io_uring_wait_cqe_nr(&ri->uring, &cqe, wait_nr);
	}
	return 0;
}

int mcte_uring_submit(struct mcte_ring *ring, unsigned int wait_nr)
{
	struct mcte_ring_int *ri = ring->ri;
	struct mcte_xfer_req *req;
	struct mcte_ring_slot *slot;
	unsigned int i, nr = ri->pend_nr;
	bool spin;
	int ret, err;

	/* what the CQEs will not say; before the SQ thread can see them */
	for (i = 0; i < ri->pend_nr; i++) {
		req = (struct mcte_xfer_req *)ri->pend[i]->cmd;
		slot = &ri->slots[ri->pend[i]->user_data];
		slot->user_data = req->user_data;
		slot->batch_id = req->batch_id;
	}
	ri->pend_nr = 0;

	if (wait_nr > ri->slots_used)
		wait_nr = ri->slots_used;
	/* SQPOLL: the SQ thread submits; waiting is ours either way */
	spin = ring->mode == MCTE_RING_MODE_SQPOLL || ri->busy_poll_ns;
	if (!wait_nr || io_uring_cq_ready(&ri->uring) >= wait_nr || spin)
		ret = io_uring_submit(&ri->uring);
	else
		ret = io_uring_submit_and_wait(&ri->uring, wait_nr);
	if (ret < 0)
		return ret;
	if (wait_nr && spin) {
		err = mcte_uring_spin(ri, wait_nr);
		if (err < 0)
			return err;
	}
	/*
	 * liburing counts what the SQ thread has not taken yet, including
	 * earlier calls' SQEs: say what this call handed over instead.
	 */
	return ring->mode == MCTE_RING_MODE_SQPOLL ? (int)nr : ret;
}

/* The CQE at the head, as a struct mcte_cqe. */
static void mcte_uring_convert(struct mcte_ring_int *ri,
			       struct io_uring_cqe *c)
{
	__u64 slot = c->user_data;

	ri->cur = c;
	ri->cqe.res = c->res;
	ri->cqe.state = mcte_res_state(c->res);
	if (slot < ri->nr_slots) {
		ri->cqe.user_data = ri->slots[slot].user_data;
		ri->cqe.batch_id = ri->slots[slot].batch_id;
	} else {
		/* not one of ours: pass it on as it is */
		ri->cqe.user_data = c->user_data;
		ri->cqe.batch_id = 0;
	}
}

int mcte_uring_peek_cqe(struct mcte_ring *ring, struct mcte_cqe **cqe)
{
	struct mcte_ring_int *ri = ring->ri;
	struct io_uring_cqe *c;
	int ret;

	ret = io_uring_peek_cqe(&ri->uring, &c);
	if (ret < 0)
		return ret;
	mcte_uring_convert(ri, c);
	*cqe = &ri->cqe;
	return 0;
}

int mcte_uring_wait_cqe(struct mcte_ring *ring, struct mcte_cqe **cqe)
{
	struct mcte_ring_int *ri = ring->ri;
	struct io_uring_cqe *c;
	int ret;

	if (ri->busy_poll_ns && ri->slots_used) {
		ret = mcte_uring_spin(ri, 1);
		if (ret < 0)
			return ret;
	}
	ret = io_uring_wait_cqe(&ri->uring, &c);
	if (ret < 0)
		return ret;
	mcte_uring_convert(ri, c);
	*cqe = &ri->cqe;
	return 0;
}

void mcte_uring_cqe_seen(struct mcte_ring *ring, struct mcte_cqe *cqe)
{
	struct mcte_ring_int *ri = ring->ri;
	__u64 slot;

	if (!ri->cur || cqe != &ri->cqe)
		return;
	slot = ri->cur->user_data;
	io_uring_cqe_seen(&ri->uring, ri->cur);
	ri->cur = NULL;
	if (slot < ri->nr_slots) {
		ri->slots[slot].next_free = ri->free_slot;
		ri->free_slot = slot;
		ri->slots_used--;
	}
}
