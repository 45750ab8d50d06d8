// SPDX-License-Identifier: LGPL-2.1 OR MIT
/*
 * Synchronous transfers: one request in a batch of its own, waited for
 * through the file's completion queue (reap.c).
 */
#include <errno.h>

#include "libmcte-private.h"

static __s64 mcte_transfer_sync(struct mcte *m, __u8 opcode, __u32 local_seg,
				__u64 local_off, __u32 target_seg,
				__u64 target_off, __u64 len)
{
	struct mcte_cqe cqe;
	struct mcte_cq cq = { .cqes = &cqe, .size = 1 };
	struct mcte_xfer_req req;
	__u32 batch_id;
	__s64 ret;
	int err;

	if (!m || !len)
		return -EINVAL;

	err = mcte_batch_alloc(m, 1, &batch_id);
	if (err)
		return err;
	mcte_prep_xfer(&req, opcode, batch_id, local_seg, local_off,
		       target_seg, target_off, len, 0);
	err = mcte_batch_submit_owned(m, batch_id, &req, 1, &cq);
	if (err) {
		ret = err;
		goto out_free;
	}

	/* -EINTR and the like: the request runs on, wait it out */
	do {
		err = mcte_reap(m, &cq, 1);
	} while (err == -EINTR);
	if (err) {
		/* the completion can no longer be routed to us: drop it */
		mcte_batch_cancel(m, batch_id);
		pthread_mutex_lock(&m->lock);
		mcte_untrack_locked(m, batch_id, 1);
		pthread_mutex_unlock(&m->lock);
		ret = err;
		goto out_free;
	}
	ret = cqe.res;

out_free:
	/* -EBUSY only if the wait failed and the cancel did not end it */
	mcte_batch_free(m, batch_id);
	return ret;
}

MCTE_EXPORT __s64 mcte_transfer_sync_read(struct mcte *m, __u32 local_seg,
					  __u64 local_off, __u32 target_seg,
					  __u64 target_off, __u64 len)
{
	return mcte_transfer_sync(m, MCTE_OP_READ, local_seg, local_off,
				  target_seg, target_off, len);
}

MCTE_EXPORT __s64 mcte_transfer_sync_write(struct mcte *m, __u32 local_seg,
					   __u64 local_off, __u32 target_seg,
					   __u64 target_off, __u64 len)
{
	return mcte_transfer_sync(m, MCTE_OP_WRITE, local_seg, local_off,
				  target_seg, target_off, len);
}
