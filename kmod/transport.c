// SPDX-License-Identifier: GPL-2.0
/*
 * mcte - the list of transports, and what the core does with all of them.
 *
 * Unlike nvme-fabrics, where each transport is a module of its own and
 * calls nvmf_register_transport() when it loads, every mcte transport is
 * built into mcte.ko: the list is a constant array, set up at module load
 * in its order and torn down in reverse, and needs no lock. Adding a
 * transport is adding its table here. The order matters in two places:
 * submission hands transfers to the transports in list order, and the
 * first transport whose parse_peer takes a remote name opens it.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/build_bug.h>
#include <linux/kernel.h>
#include <linux/list.h>

#include "mcte.h"
#include "seg_kind.h"
#include "transport.h"

static struct mcte_transport *const mcte_transports[] = {
	&mcte_xport_local,
	&mcte_xport_rdma,
	&mcte_xport_block,
};

/* Exit the first @n transports, last first. */
static void mcte_transports_exit_first(unsigned int n)
{
	while (n--) {
		if (mcte_transports[n]->exit)
			mcte_transports[n]->exit();
	}
}

/**
 * mcte_transports_init() - set up every transport at module load
 * @debugfs: mcte's debugfs directory, for their test hooks
 *
 * Before any engine exists: engines make their transports' state with
 * what this sets up.
 *
 * Return: 0 or -errno; on failure none is left set up.
 */
int mcte_transports_init(struct dentry *debugfs)
{
	unsigned int i;
	int ret;

	BUILD_BUG_ON(ARRAY_SIZE(mcte_transports) > MCTE_TRANSPORTS_MAX);

	for (i = 0; i < ARRAY_SIZE(mcte_transports); i++) {
		struct mcte_transport *t = mcte_transports[i];

		t->id = i;
		if (!t->init)
			continue;
		ret = t->init(debugfs);
		if (ret) {
			pr_err("%s transport: %d\n", t->name, ret);
			mcte_transports_exit_first(i);
			return ret;
		}
	}
	return 0;
}

/**
 * mcte_transports_exit() - tear every transport down at module unload
 *
 * After every engine went.
 */
void mcte_transports_exit(void)
{
	mcte_transports_exit_first(ARRAY_SIZE(mcte_transports));
}

/* Shut the first @n transports down, last first. */
static void mcte_transports_shutdown_first(unsigned int n)
{
	while (n--) {
		if (mcte_transports[n]->shutdown)
			mcte_transports[n]->shutdown();
	}
}

/**
 * mcte_transports_start() - let every transport join its subsystems
 *
 * Once the netlink family is registered: what they join calls back at
 * once (an ib_client's add runs for every device present), and the
 * callbacks send events.
 *
 * Return: 0 or -errno; on failure those started are shut down.
 */
int mcte_transports_start(void)
{
	unsigned int i;
	int ret;

	for (i = 0; i < ARRAY_SIZE(mcte_transports); i++) {
		const struct mcte_transport *t = mcte_transports[i];

		if (!t->start)
			continue;
		ret = t->start();
		if (ret) {
			pr_err("%s transport: %d\n", t->name, ret);
			mcte_transports_shutdown_first(i);
			return ret;
		}
	}
	return 0;
}

/**
 * mcte_transports_shutdown() - stop every transport at module unload
 *
 * After /dev/mcte went, before the netlink family goes, last transport
 * first.
 */
void mcte_transports_shutdown(void)
{
	mcte_transports_shutdown_first(ARRAY_SIZE(mcte_transports));
}

/* Tear down the state of the first @n transports of @eng, last first. */
static void mcte_transports_engine_exit_first(struct mcte_engine *eng,
					      unsigned int n)
{
	while (n--) {
		if (mcte_transports[n]->engine_exit)
			mcte_transports[n]->engine_exit(eng);
	}
}

/**
 * mcte_transports_engine_init() - every transport's state of a new engine
 * @eng: the engine
 *
 * Return: 0 or -errno; on failure no transport keeps state of @eng.
 */
int mcte_transports_engine_init(struct mcte_engine *eng)
{
	unsigned int i;
	int ret;

	for (i = 0; i < ARRAY_SIZE(mcte_transports); i++) {
		const struct mcte_transport *t = mcte_transports[i];

		if (!t->engine_init)
			continue;
		ret = t->engine_init(eng);
		if (ret) {
			mcte_transports_engine_exit_first(eng, i);
			return ret;
		}
	}
	return 0;
}

/**
 * mcte_transports_engine_exit() - tear down every transport's state of an
 *				   engine
 * @eng: the engine; no file of it is left
 */
void mcte_transports_engine_exit(struct mcte_engine *eng)
{
	mcte_transports_engine_exit_first(eng, ARRAY_SIZE(mcte_transports));
}

/**
 * mcte_features() - what MCTE_IOC_VERSION and version-get report
 *
 * Return: the MCTE_FEAT_* bits of the core, of every transport and of
 * every kind of segment memory.
 */
u64 mcte_features(void)
{
	u64 features = MCTE_FEATURES_CORE | mcte_seg_features();
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(mcte_transports); i++)
		features |= mcte_transports[i]->features;
	return features;
}

/**
 * mcte_transport_of() - the transport of transfers to a segment
 * @seg: the target segment
 *
 * Return: the transport that opened it for a peer's segment, the local
 * one for a segment of this node.
 */
const struct mcte_transport *mcte_transport_of(const struct mcte_seg *seg)
{
	return seg->ops->xport ?: &mcte_xport_local;
}

/**
 * mcte_transport_open_remote() - open a peer's segment by its name
 * @eng: the engine of the caller
 * @name: "<peer>/<segment>", the segment part checked already
 * @peer_len: bytes of the peer part, up to the last '/'
 * @access: access wanted, enum mcte_access
 * @segp: out: the segment standing for it here, one reference
 * @nr_bufs: out: its buffers on the peer
 *
 * The first transport whose parse_peer takes the peer part opens it, if
 * the engine's policy lets the caller open remote segments at all. A
 * malformed name is -EINVAL whatever the policy says.
 *
 * Return: 0 or -errno: -EINVAL when no transport takes the name, -EPERM
 * from the policy, else the transport's.
 */
int mcte_transport_open_remote(struct mcte_engine *eng, const char *name,
			       size_t peer_len, u32 access,
			       struct mcte_seg **segp, u32 *nr_bufs)
{
	const struct mcte_transport *t = NULL;
	struct sockaddr_storage ss;
	unsigned int i;
	int ret = -EINVAL;

	for (i = 0; i < ARRAY_SIZE(mcte_transports); i++) {
		if (!mcte_transports[i]->parse_peer)
			continue;
		ret = mcte_transports[i]->parse_peer(name, peer_len, &ss);
		if (!ret) {
			t = mcte_transports[i];
			break;
		}
	}
	if (!t)
		return ret;

	ret = mcte_policy_may_open_remote(eng);
	if (ret)
		return ret;
	return t->open_remote(eng, &ss, name + peer_len + 1, access, segp,
			      nr_bufs);
}

/**
 * mcte_transports_seg_unregistered() - tell every transport a segment went
 * @seg: a segment of this node, unregistered already
 */
void mcte_transports_seg_unregistered(struct mcte_seg *seg)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(mcte_transports); i++) {
		if (mcte_transports[i]->seg_unregistered)
			mcte_transports[i]->seg_unregistered(seg);
	}
}

/**
 * mcte_transports_gauges() - what the transports of an engine hold now
 * @eng: the engine
 * @g: out: the sums over every transport
 */
void mcte_transports_gauges(struct mcte_engine *eng, struct mcte_gauges *g)
{
	unsigned int i;

	memset(g, 0, sizeof(*g));
	for (i = 0; i < ARRAY_SIZE(mcte_transports); i++) {
		if (mcte_transports[i]->gauges)
			mcte_transports[i]->gauges(eng, g);
	}
}

/**
 * mcte_transports_topo_changed() - tell every transport the matrix changed
 * @eng: the engine whose priority matrix changed
 */
void mcte_transports_topo_changed(struct mcte_engine *eng)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(mcte_transports); i++) {
		if (mcte_transports[i]->topo_changed)
			mcte_transports[i]->topo_changed(eng);
	}
}

/**
 * mcte_transports_submit() - hand committed transfers to their transports
 * @xfers: transfers linked by &mcte_xfer.qnode; emptied
 *
 * Each transport gets its own transfers in one call, in submission order,
 * the transports in list order.
 */
void mcte_transports_submit(struct list_head *xfers)
{
	struct mcte_xfer *x, *tmp;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(mcte_transports) && !list_empty(xfers);
	     i++) {
		const struct mcte_transport *t = mcte_transports[i];
		LIST_HEAD(mine);

		list_for_each_entry_safe(x, tmp, xfers, qnode) {
			if (x->xport == t)
				list_move_tail(&x->qnode, &mine);
		}
		if (!list_empty(&mine))
			t->submit(&mine);
	}
	/* Every transfer got its transport from the list. */
	WARN_ON_ONCE(!list_empty(xfers));
}

/**
 * mcte_transports_sweep() - let every transport drop an engine's transfers
 *			     that stop
 * @eng: the engine
 */
void mcte_transports_sweep(struct mcte_engine *eng)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(mcte_transports); i++)
		mcte_transports[i]->sweep(eng);
}
