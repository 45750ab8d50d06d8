// SPDX-License-Identifier: GPL-2.0
/*
 * mcte - requests through io_uring: IORING_OP_URING_CMD on /dev/mcte with
 * cmd_op MCTE_URING_CMD_XFER, one struct mcte_xfer_req in the command area
 * of a 128-byte SQE.
 *
 * A command is checked as MCTE_IOC_BATCH_SUBMIT checks a request, plus
 * the SQE fields the command does not use (zero) and its result's range
 * (the CQE's res is an int). An accepted command returns -EIOCBQUEUED and
 * completes from task work when its transfer ends, with the length or
 * -errno; it is counted in its batch but not queued for MCTE_IOC_REAP.
 *
 * Lifetime: the command's pdu holds the transfer's owning reference from
 * its end until the task work has completed the command. A command keeps
 * its file, and so the module, alive until then. When the ring or its
 * task goes away, 6.12 calls us again with IO_URING_F_CANCEL for each
 * command marked cancelable: the transfer is stopped (-ECANCELED) and the
 * command completes as soon as its slices executing have finished. 6.1
 * cannot tell: its ring waits until the transfers end, by their deadline
 * at the latest; the file cannot be released before that, as each command
 * holds it.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/build_bug.h>
#include <linux/fs.h>
#include <linux/string.h>

#include "compat.h"
#include "mcte.h"

/**
 * struct mcte_uring_pdu - what a command of ours keeps in its pdu
 * @x: its transfer, from the issue until the command is completed
 */
struct mcte_uring_pdu {
	struct mcte_xfer *x;
};

static_assert(sizeof(struct mcte_uring_pdu) <=
	      sizeof_field(struct io_uring_cmd, pdu));

static struct mcte_uring_pdu *mcte_uring_pdu(struct io_uring_cmd *ioucmd)
{
	return (struct mcte_uring_pdu *)ioucmd->pdu;
}

/* The fields of the SQE an MCTE_URING_CMD_XFER does not use: zero. */
static int mcte_uring_check_sqe(const struct io_uring_cmd *ioucmd)
{
	const struct io_uring_sqe *sqe = mcte_uring_sqe(ioucmd);

	/* io_uring checked __pad1 and unknown flags; no fixed buffers. */
	if (ioucmd->flags & IORING_URING_CMD_FIXED)
		return -EINVAL;
	/* Not reachable on 6.1 when issued asynchronously: unchecked. */
	if (!sqe)
		return 0;
	if (READ_ONCE(sqe->ioprio) || READ_ONCE(sqe->addr) ||
	    READ_ONCE(sqe->len) || READ_ONCE(sqe->buf_index) ||
	    READ_ONCE(sqe->file_index))
		return -EINVAL;
	return 0;
}

static void mcte_uring_done(struct io_uring_cmd *ioucmd,
			    unsigned int issue_flags)
{
	struct mcte_xfer *x = mcte_uring_pdu(ioucmd)->x;

	io_uring_cmd_done(ioucmd, x->cqe_res, 0, issue_flags);
	mcte_xfer_put(x);
}

/**
 * mcte_uring_complete() - complete the command of an ended transfer
 * @x: the transfer; its owning reference goes to the command
 */
void mcte_uring_complete(struct mcte_xfer *x)
{
	io_uring_cmd_complete_in_task(x->ioucmd, mcte_uring_done);
}

/**
 * mcte_uring_cmd() - the ->uring_cmd() of /dev/mcte
 * @ioucmd: the command
 * @issue_flags: IO_URING_F_*
 *
 * Return: -EIOCBQUEUED for an accepted command, else -errno (its CQE's
 * res); 0 for a cancellation.
 */
int mcte_uring_cmd(struct io_uring_cmd *ioucmd, unsigned int issue_flags)
{
	struct mcte_file *mf = ioucmd->file->private_data;
	struct mcte_xfer_req req;
	struct mcte_xfer *x;
	LIST_HEAD(xfers);
	const u8 *cmd;
	int ret;

	if (issue_flags & MCTE_URING_F_CANCEL) {
		/* Not completed yet, so the pdu still holds the transfer. */
		mcte_xfer_stop(mcte_uring_pdu(ioucmd)->x, -ECANCELED);
		return 0;
	}

	/* Without SQE128 the request does not fit: 16 bytes of it would. */
	if (!(issue_flags & IO_URING_F_SQE128))
		return -EINVAL;
	if (ioucmd->cmd_op != MCTE_URING_CMD_XFER)
		return -ENOTTY;
	ret = mcte_uring_check_sqe(ioucmd);
	if (ret)
		return ret;

	/* The SQE is user memory: read it once, check the copy. */
	cmd = mcte_uring_cmd_area(ioucmd);
	memcpy(&req, cmd, sizeof(req));
	if (memchr_inv(cmd + sizeof(req), 0, MCTE_SQE128_CMD_SIZE - sizeof(req)))
		return -EINVAL;

	ret = mcte_xfer_prepare(mf, &req, ioucmd, &x);
	if (ret)
		return ret;

	mcte_uring_pdu(ioucmd)->x = x;
	/* Before the transfer can end and the command complete. */
	mcte_uring_mark_cancelable(ioucmd, issue_flags);
	mcte_xfer_commit(x);
	list_add_tail(&x->qnode, &xfers);
	mcte_xfer_submit(&xfers);
	return -EIOCBQUEUED;
}
