// SPDX-License-Identifier: GPL-2.0
/*
 * mcte - the engine: one per network namespace (pernet_operations), owning
 * the namespace's segment table and its counters.
 *
 * An engine exists from the namespace's creation (or the module's load)
 * to its cleanup. Every file of /dev/mcte holds a reference on the
 * namespace it was opened in, and every segment and transfer belongs to a
 * file, so none of them can outlive the engine they were made in.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/hashtable.h>
#include <linux/mutex.h>
#include <linux/percpu.h>
#include <linux/random.h>
#include <linux/u64_stats_sync.h>
#include <linux/xarray.h>
#include <net/net_namespace.h>
#include <net/netns/generic.h>

#include "mcte.h"
#include "transport.h"

static unsigned int mcte_net_id __read_mostly;

/**
 * mcte_engine() - the engine of a network namespace
 * @net: a namespace the caller holds (directly, or through a file)
 *
 * Return: its engine, never NULL.
 */
struct mcte_engine *mcte_engine(const struct net *net)
{
	return net_generic(net, mcte_net_id);
}

/**
 * mcte_stat_add() - count on an engine's per-CPU counters
 * @eng: the engine
 * @stat: which counter
 * @val: by how much
 *
 * Any context but NMI.
 */
void mcte_stat_add(struct mcte_engine *eng, enum mcte_stat stat, u64 val)
{
	struct mcte_stats *st = get_cpu_ptr(eng->stats);
	unsigned long flags;

	flags = u64_stats_update_begin_irqsave(&st->syncp);
	u64_stats_add(&st->v[stat], val);
	u64_stats_update_end_irqrestore(&st->syncp, flags);
	put_cpu_ptr(eng->stats);
}

/**
 * mcte_stats_read() - sum an engine's counters over all CPUs
 * @eng: the engine
 * @vals: MCTE_STAT_NR values, indexed by enum mcte_stat
 */
void mcte_stats_read(struct mcte_engine *eng, u64 *vals)
{
	unsigned int start;
	int cpu, i;

	memset(vals, 0, MCTE_STAT_NR * sizeof(*vals));
	for_each_possible_cpu(cpu) {
		const struct mcte_stats *st = per_cpu_ptr(eng->stats, cpu);
		u64 v[MCTE_STAT_NR];

		do {
			start = u64_stats_fetch_begin(&st->syncp);
			for (i = 0; i < MCTE_STAT_NR; i++)
				v[i] = u64_stats_read(&st->v[i]);
		} while (u64_stats_fetch_retry(&st->syncp, start));

		for (i = 0; i < MCTE_STAT_NR; i++)
			vals[i] += v[i];
	}
}

static int __net_init mcte_engine_net_init(struct net *net)
{
	struct mcte_engine *eng = mcte_engine(net);
	int cpu, ret;

	eng->stats = alloc_percpu(struct mcte_stats);
	if (!eng->stats)
		return -ENOMEM;
	for_each_possible_cpu(cpu)
		u64_stats_init(&per_cpu_ptr(eng->stats, cpu)->syncp);

	eng->net = net;
	mutex_init(&eng->seg_lock);
	hash_init(eng->seg_hash);
	xa_init_flags(&eng->segs, XA_FLAGS_ALLOC1);
	atomic_long_set(&eng->nr_segs, 0);
	atomic_long_set(&eng->nr_batches, 0);
	mcte_policy_init(eng);
	/* Never 0: peers read 0 as "not said hello yet". */
	do {
		eng->id = get_random_u64();
	} while (!eng->id);

	ret = mcte_topo_engine_init(eng);
	if (ret)
		goto out_free_stats;
	ret = mcte_transports_engine_init(eng);
	if (ret)
		goto out_topo_exit;
	return 0;

out_topo_exit:
	mcte_topo_engine_exit(eng);
out_free_stats:
	free_percpu(eng->stats);
	return ret;
}

static void __net_exit mcte_engine_net_exit(struct net *net)
{
	struct mcte_engine *eng = mcte_engine(net);

	/* Listeners, peers and paths of transports hold no file: first. */
	mcte_transports_engine_exit(eng);
	mcte_topo_engine_exit(eng);

	/* Files hold the namespace: none is left, so no segment either. */
	WARN_ON_ONCE(!xa_empty(&eng->segs));
	WARN_ON_ONCE(atomic_long_read(&eng->nr_batches));
	xa_destroy(&eng->segs);
	mutex_destroy(&eng->seg_lock);
	free_percpu(eng->stats);
}

static struct pernet_operations mcte_engine_net_ops = {
	.init	= mcte_engine_net_init,
	.exit	= mcte_engine_net_exit,
	.id	= &mcte_net_id,
	.size	= sizeof(struct mcte_engine),
};

/**
 * mcte_engine_init() - create the engine of every network namespace
 *
 * Return: 0 or -errno.
 */
int mcte_engine_init(void)
{
	return register_pernet_subsys(&mcte_engine_net_ops);
}

/**
 * mcte_engine_exit() - destroy every engine
 *
 * Runs after /dev/mcte is gone: no file, segment or transfer is left.
 */
void mcte_engine_exit(void)
{
	unregister_pernet_subsys(&mcte_engine_net_ops);
}
