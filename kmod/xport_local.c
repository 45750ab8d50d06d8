// SPDX-License-Identifier: GPL-2.0
/*
 * mcte - the local transport: both segments of a transfer are on this
 * node, so a slice is a CPU copy between their memory (mcte_seg_copy()).
 *
 * Transfers wait in one FIFO queue; one work item per CPU, on a per-CPU
 * workqueue marked CPU-intensive (copying is), takes slices from the
 * transfer at the head, so that the slices of one large request are
 * copied on all CPUs at once and a request finishes before the next one
 * starts. A submission kicks the worker of its own CPU first: it runs as
 * soon as the submitter sleeps waiting for the completion, without an
 * inter-processor wakeup, which is what small requests cost most (under
 * emulation, 20 to 100 times the rate of an unbound workqueue for 4 KiB
 * requests); workers of other CPUs join when there are more slices. Each
 * work item runs until the queue is empty, rescheduling between slices;
 * no memory is allocated per slice or per page.
 *
 * Test hook: debugfs mcte/xfer_delay_ms makes every slice wait that long
 * before copying; the wait ends early when the transfer is stopped
 * (cancel, deadline, file release) or one of its segments goes.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cache.h>
#include <linux/debugfs.h>
#include <linux/kernel.h>
#include <linux/list.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/wait.h>
#include <linux/workqueue.h>

#include "mcte.h"
#include "seg_kind.h"
#include "transport.h"

static u32 mcte_local_delay_ms;
static bool mcte_local_exiting;
static DEFINE_SPINLOCK(mcte_local_lock);	/* queue, mcte_xfer.queued */
static LIST_HEAD(mcte_local_queue);
static DECLARE_WAIT_QUEUE_HEAD(mcte_local_wait);
static struct workqueue_struct *mcte_local_wq;
static struct work_struct *mcte_local_works;	/* one per possible CPU */

static int mcte_local_exec(struct mcte_slice *s)
{
	struct mcte_xfer *x = s->x;
	u32 delay = READ_ONCE(mcte_local_delay_ms);

	if (delay)
		wait_event_idle_timeout(mcte_local_wait,
					mcte_xfer_stopping(x) ||
					READ_ONCE(mcte_local_exiting),
					msecs_to_jiffies(delay));

	/* Stopping: the reason is set already, this one does not count. */
	if (READ_ONCE(x->stop))
		return -ECANCELED;
	if (mcte_seg_dead(x->lseg) || mcte_seg_dead(x->tseg))
		return -ENODEV;
	/* Memory the CPU cannot reach (a GPU's) said why when registered. */
	if (!x->lseg->ops->cpu_map || !x->tseg->ops->cpu_map)
		return -EOPNOTSUPP;

	if (x->opcode == MCTE_OP_READ)
		mcte_seg_copy(x->lseg, x->loff + s->off, x->tseg,
			      x->toff + s->off, s->len);
	else
		mcte_seg_copy(x->tseg, x->toff + s->off, x->lseg,
			      x->loff + s->off, s->len);
	return 0;
}

/* Claim a slice from the head of the queue; false when it is empty. */
static bool mcte_local_next(struct mcte_slice *s)
{
	struct mcte_xfer *x;
	enum mcte_claim claim;

	spin_lock(&mcte_local_lock);
	while ((x = list_first_entry_or_null(&mcte_local_queue,
					     struct mcte_xfer, qnode))) {
		claim = mcte_xfer_claim(x, s);
		if (claim == MCTE_CLAIM_MORE) {
			spin_unlock(&mcte_local_lock);
			return true;
		}

		list_del_init(&x->qnode);
		x->queued = false;
		spin_unlock(&mcte_local_lock);
		/* After the last claim, the slice keeps the transfer. */
		mcte_xfer_unhold(x);
		if (claim == MCTE_CLAIM_LAST)
			return true;
		spin_lock(&mcte_local_lock);
	}
	spin_unlock(&mcte_local_lock);
	return false;
}

static void mcte_local_work(struct work_struct *work)
{
	struct mcte_slice s;

	while (mcte_local_next(&s)) {
		mcte_xfer_slice_start(&s);
		mcte_xfer_slice_done(&s, mcte_local_exec(&s));
		cond_resched();
	}
}

static void mcte_local_submit(struct list_head *xfers)
{
	unsigned long slices = 0, want, kicked;
	struct mcte_xfer *x;
	int cpu, i;

	list_for_each_entry(x, xfers, qnode)
		slices += DIV_ROUND_UP(x->length, x->slice);

	spin_lock(&mcte_local_lock);
	list_for_each_entry(x, xfers, qnode)
		x->queued = true;
	list_splice_tail_init(xfers, &mcte_local_queue);
	spin_unlock(&mcte_local_lock);

	/*
	 * The worker of this CPU first: it runs as soon as the submitter
	 * sleeps, without waking another CPU. A worker that is running gets
	 * queued again and looks once more.
	 */
	want = min_t(unsigned long, slices, num_online_cpus());
	cpu = get_cpu();
	queue_work_on(cpu, mcte_local_wq, &mcte_local_works[cpu]);
	kicked = 1;
	for_each_online_cpu(i) {
		if (kicked == want)
			break;
		if (i == cpu)
			continue;
		queue_work_on(i, mcte_local_wq, &mcte_local_works[i]);
		kicked++;
	}
	put_cpu();
}

static void mcte_local_cancel(struct mcte_xfer *x)
{
	bool unhold = false;

	spin_lock(&mcte_local_lock);
	if (x->queued) {
		list_del_init(&x->qnode);
		x->queued = false;
		unhold = true;
	}
	spin_unlock(&mcte_local_lock);

	if (unhold)
		mcte_xfer_unhold(x);
	wake_up_all(&mcte_local_wait);
}

/* One queue for all engines: the engine's transfers are among them. */
static void mcte_local_sweep(struct mcte_engine *eng)
{
	struct mcte_xfer *x, *tmp;
	LIST_HEAD(stopped);

	spin_lock(&mcte_local_lock);
	list_for_each_entry_safe(x, tmp, &mcte_local_queue, qnode) {
		if (mcte_xfer_stopped(x)) {
			list_move_tail(&x->qnode, &stopped);
			x->queued = false;
		}
	}
	spin_unlock(&mcte_local_lock);

	list_for_each_entry_safe(x, tmp, &stopped, qnode) {
		list_del_init(&x->qnode);
		mcte_xfer_unhold(x);
	}
	wake_up_all(&mcte_local_wait);
}

/* Its workers, and the xfer_delay_ms test hook in mcte's debugfs. */
static int mcte_local_init(struct dentry *debugfs)
{
	unsigned int i;

	mcte_local_works = kcalloc(nr_cpu_ids, sizeof(*mcte_local_works),
				   GFP_KERNEL);
	if (!mcte_local_works)
		return -ENOMEM;
	for (i = 0; i < nr_cpu_ids; i++)
		INIT_WORK(&mcte_local_works[i], mcte_local_work);

	/* One worker per CPU; long copies do not hold up other work. */
	mcte_local_wq = alloc_workqueue("mcte_local", WQ_CPU_INTENSIVE, 1);
	if (!mcte_local_wq) {
		kfree(mcte_local_works);
		return -ENOMEM;
	}

	debugfs_create_u32("xfer_delay_ms", 0600, debugfs,
			   &mcte_local_delay_ms);
	return 0;
}

/* No file is left, so no transfer either; waits for the workers. */
static void mcte_local_exit(void)
{
	WRITE_ONCE(mcte_local_exiting, true);
	wake_up_all(&mcte_local_wait);
	destroy_workqueue(mcte_local_wq);
	WARN_ON_ONCE(!list_empty(&mcte_local_queue));
	kfree(mcte_local_works);
}

/* The local transport, for transfers between segments of this node. */
struct mcte_transport mcte_xport_local __ro_after_init = {
	.name		= "local",
	.features	= MCTE_FEAT_XPORT_LOCAL,
	.init		= mcte_local_init,
	.exit		= mcte_local_exit,
	.submit		= mcte_local_submit,
	.cancel		= mcte_local_cancel,
	.sweep		= mcte_local_sweep,
};
