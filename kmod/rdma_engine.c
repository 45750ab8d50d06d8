// SPDX-License-Identifier: GPL-2.0
/*
 * mcte - the RDMA transport's state of each engine: made with the engine,
 * stopped when it goes or when the module does, told when a device goes,
 * and swept of the waiting slices of transfers that stop.
 *
 * mcte_rdma_engines_lock guards the list of engines only. The module's
 * exit and a device's removal hold it while they flush works of
 * mcte_rdma_wq, so no work on that queue may take it: each engine has a
 * sweep work of its own, which takes that engine's lock alone.
 *
 * Stop order (mcte_rdma_engine_stop()): nothing new (exiting), listeners,
 * peers with their active paths, the passive paths left (their opens of
 * our segments go with them), then the works still holding references
 * are flushed and the sweep work cancelled.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/mutex.h>
#include <linux/slab.h>

#include "rdma_priv.h"

static DEFINE_MUTEX(mcte_rdma_engines_lock);	/* mcte_rdma_engines */
static LIST_HEAD(mcte_rdma_engines);

/**
 * mcte_rdma_engines_dev_remove() - a device goes: every engine lets go of it
 * @ibdev: the device
 *
 * Its exports go with the paths on it.
 */
void mcte_rdma_engines_dev_remove(struct ib_device *ibdev)
{
	struct mcte_rdma *r;

	mutex_lock(&mcte_rdma_engines_lock);
	list_for_each_entry(r, &mcte_rdma_engines, node) {
		mcte_listen_dev_remove(r, ibdev);
		mcte_path_dev_remove(r, ibdev);
	}
	mutex_unlock(&mcte_rdma_engines_lock);
}

/* Slices of stopping transfers leave the engine's waiting lists and end. */
static void mcte_rdma_sweep_work(struct work_struct *work)
{
	struct mcte_rdma *r = container_of(work, struct mcte_rdma, sweep_work);
	struct mcte_rslice *rsl, *tmp;
	struct mcte_peer *peer;
	struct mcte_path *p;
	LIST_HEAD(out);

	mutex_lock(&r->lock);
	list_for_each_entry(peer, &r->peers, node) {
		spin_lock(&peer->lock);
		mcte_rdma_sweep_list(&peer->waitq, &out);
		spin_unlock(&peer->lock);
	}
	list_for_each_entry(p, &r->paths, node) {
		spin_lock(&p->lock);
		mcte_rdma_sweep_list(&p->pending, &out);
		spin_unlock(&p->lock);
	}
	mutex_unlock(&r->lock);

	list_for_each_entry_safe(rsl, tmp, &out, node) {
		list_del_init(&rsl->node);
		mcte_rdma_slice_gone(rsl);
	}
}

/**
 * mcte_rdma_sweep_engine() - have an engine's waiting slices swept soon
 * @r: the engine's transport
 */
void mcte_rdma_sweep_engine(struct mcte_rdma *r)
{
	queue_work(mcte_rdma_wq, &r->sweep_work);
}

/**
 * mcte_rdma_gauges() - count what an engine's transport holds now
 * @eng: the engine
 * @g: added to
 */
void mcte_rdma_gauges(struct mcte_engine *eng, struct mcte_gauges *g)
{
	struct mcte_rdma *r = mcte_rdma_of(eng);
	struct mcte_peer *peer;
	struct mcte_path *p;

	mutex_lock(&r->lock);
	list_for_each_entry(peer, &r->peers, node)
		g->peers++;
	list_for_each_entry(p, &r->paths, node) {
		g->paths++;
		g->opens += READ_ONCE(p->nr_exports);
	}
	mutex_unlock(&r->lock);
}

/**
 * mcte_rdma_engine_init() - the transport's state of a new engine
 * @eng: the engine
 *
 * Return: 0 or -ENOMEM.
 */
int mcte_rdma_engine_init(struct mcte_engine *eng)
{
	struct mcte_rdma *r;

	r = kzalloc(sizeof(*r), GFP_KERNEL);
	if (!r)
		return -ENOMEM;
	r->eng = eng;
	mutex_init(&r->lock);
	INIT_LIST_HEAD(&r->listeners);
	INIT_LIST_HEAD(&r->peers);
	INIT_LIST_HEAD(&r->paths);
	atomic64_set(&r->open_next, 0);
	INIT_WORK(&r->sweep_work, mcte_rdma_sweep_work);
	mcte_engine_set_xport(eng, &mcte_xport_rdma, r);
	mcte_auth_engine_init(r);

	mutex_lock(&mcte_rdma_engines_lock);
	list_add_tail(&r->node, &mcte_rdma_engines);
	mutex_unlock(&mcte_rdma_engines_lock);
	return 0;
}

static void mcte_rdma_engine_stop(struct mcte_rdma *r)
{
	struct mcte_peer *peer;
	struct mcte_path *p;

	mutex_lock(&r->lock);
	r->exiting = true;
	mutex_unlock(&r->lock);
	mcte_listen_flush(r);

	for (;;) {
		mutex_lock(&r->lock);
		peer = list_first_entry_or_null(&r->peers, struct mcte_peer,
						node);
		if (peer)
			list_del_init(&peer->node);
		mutex_unlock(&r->lock);
		if (!peer)
			break;
		if (cancel_delayed_work_sync(&peer->idle_work))
			mcte_peer_put(peer);
		mcte_peer_stop(peer);
		mcte_peer_put(peer);	/* the list's */
	}
	for (;;) {
		mutex_lock(&r->lock);
		p = list_first_entry_or_null(&r->paths, struct mcte_path,
					     node);
		if (p)
			kref_get(&p->ref);
		mutex_unlock(&r->lock);
		if (!p)
			break;
		mcte_path_kill(p);
		mcte_path_put(p);
	}
	/* Works of paths, peers and segments may still hold references. */
	flush_workqueue(mcte_rdma_wq);
	cancel_work_sync(&r->sweep_work);
}

/**
 * mcte_rdma_engine_exit() - tear down the transport's state of an engine
 * @eng: the engine
 */
void mcte_rdma_engine_exit(struct mcte_engine *eng)
{
	struct mcte_rdma *r = mcte_rdma_of(eng);

	mutex_lock(&mcte_rdma_engines_lock);
	list_del(&r->node);
	mutex_unlock(&mcte_rdma_engines_lock);

	mcte_rdma_engine_stop(r);
	mcte_auth_engine_exit(r);
	mutex_destroy(&r->lock);
	kfree(r);
	mcte_engine_set_xport(eng, &mcte_xport_rdma, NULL);
}

/**
 * mcte_rdma_shutdown() - the module goes: stop the transport of every engine
 *
 * Before the netlink family and the ib_client go, which paths use; the
 * engines themselves go later, with nothing left to stop. The list lock
 * is held across each stop, flushes included, so that no namespace's
 * exit frees an engine under us; works never take it.
 */
void mcte_rdma_shutdown(void)
{
	struct mcte_rdma *r;

	mutex_lock(&mcte_rdma_engines_lock);
	list_for_each_entry(r, &mcte_rdma_engines, node)
		mcte_rdma_engine_stop(r);
	mutex_unlock(&mcte_rdma_engines_lock);
}
