// SPDX-License-Identifier: GPL-2.0
/*
 * mcte - peer engines: the paths to one of them, shared by every process
 * of this node, and the choice of a path for each slice.
 *
 * A peer is made when a segment of it is first opened, by the address in
 * the segment's name. Its first paths say hello and learn the addresses
 * of all the peer's listeners (each on one of its NICs); paths are then
 * opened to each of them from each local NIC that reaches it, bound to
 * that NIC's address (rdma_nic.c): one path per (local NIC, remote NIC)
 * pair, whatever route IP would pick, so that slices stripe over the
 * pairs the priority matrix prefers. A path that died after it was up
 * (MCTE_PATH_FAILS_MAX failed reconnects: requests waiting for it fail
 * when no other is left) is made again MCTE_REGROW_MS later, and a path
 * of any kind when a segment of the peer is next opened, but only while
 * it is needed: a peer
 * with no segment open here and no open waiting for it is not dialed
 * again. Such a peer is let go with its paths MCTE_PEER_IDLE_MS after its
 * last segment closed, or at once when it was never reached.
 *
 * What one user can make the engine do over the network is bounded by the
 * engine's policy (mctectl policy): the peers the user's opens made that
 * are kept at once, and among them those still being dialed. Users with
 * CAP_NET_ADMIN in the engine's namespace are bound by the engine's limit
 * (MCTE_PEERS_MAX) alone.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/capability.h>
#include <linux/cred.h>
#include <linux/in.h>
#include <linux/in6.h>
#include <linux/slab.h>
#include <net/ipv6.h>
#include <net/net_namespace.h>

#include "rdma_priv.h"

#define MCTE_PEER_IDLE_MS	30000
#define MCTE_PEERS_MAX		1024	/* peers of one engine, all users */

/**
 * mcte_sockaddr_eq() - whether two IPv4 or IPv6 addresses and ports match
 * @a: one
 * @b: the other
 *
 * Return: true when they do.
 */
bool mcte_sockaddr_eq(const struct sockaddr_storage *a,
		      const struct sockaddr_storage *b)
{
	const struct sockaddr_in *a4 = (const void *)a, *b4 = (const void *)b;
	const struct sockaddr_in6 *a6 = (const void *)a, *b6 = (const void *)b;

	if (a->ss_family != b->ss_family)
		return false;
	if (a->ss_family == AF_INET)
		return a4->sin_port == b4->sin_port &&
		       a4->sin_addr.s_addr == b4->sin_addr.s_addr;
	return a6->sin6_port == b6->sin6_port &&
	       ipv6_addr_equal(&a6->sin6_addr, &b6->sin6_addr);
}

/**
 * mcte_sockaddr_ip_eq() - whether two IPv4 or IPv6 addresses match, ports aside
 * @a: one
 * @b: the other
 *
 * Return: true when they do.
 */
bool mcte_sockaddr_ip_eq(const struct sockaddr_storage *a,
			 const struct sockaddr_storage *b)
{
	const struct sockaddr_in *a4 = (const void *)a, *b4 = (const void *)b;
	const struct sockaddr_in6 *a6 = (const void *)a, *b6 = (const void *)b;

	if (a->ss_family != b->ss_family)
		return false;
	if (a->ss_family == AF_INET)
		return a4->sin_addr.s_addr == b4->sin_addr.s_addr;
	return ipv6_addr_equal(&a6->sin6_addr, &b6->sin6_addr);
}

static void mcte_peer_release(struct kref *ref)
{
	struct mcte_peer *peer = container_of(ref, struct mcte_peer, ref);

	WARN_ON_ONCE(!list_empty(&peer->waitq) || !list_empty(&peer->rsegs));
	mutex_destroy(&peer->grow_mutex);
	kfree(peer);
	atomic_dec(&mcte_rdma_live);
}

/**
 * mcte_peer_put() - drop a reference to a peer
 * @peer: the peer
 */
void mcte_peer_put(struct mcte_peer *peer)
{
	kref_put(&peer->ref, mcte_peer_release);
}

/* Kill every path of a peer that is leaving the list. */
static void mcte_peer_kill_paths(struct mcte_peer *peer)
{
	struct mcte_path *p;

	for (;;) {
		spin_lock(&peer->lock);
		p = list_first_entry_or_null(&peer->paths, struct mcte_path,
					     pnode);
		if (p)
			kref_get(&p->ref);
		spin_unlock(&peer->lock);
		if (!p)
			break;
		mcte_path_kill(p);
		mcte_path_put(p);
	}
}

/* Under peer->lock: whether @peer has a path to @want from @nic (NULL: unbound). */
static bool mcte_peer_has_path(struct mcte_peer *peer,
			       const struct sockaddr_storage *want,
			       const struct mcte_nic *nic)
{
	struct mcte_path *p;

	lockdep_assert_held(&peer->lock);
	list_for_each_entry(p, &peer->paths, pnode) {
		if (!mcte_sockaddr_eq(&p->remote, want) || p->bound != !!nic)
			continue;
		if (!nic || mcte_sockaddr_ip_eq(&p->local, &nic->addr))
			return true;
	}
	return false;
}

/*
 * The paths @peer lacks to @want: one from each local NIC that reaches
 * it, or one unbound when none does. Return: 0 or the first error.
 */
static int mcte_peer_fill_addr(struct mcte_peer *peer,
			       const struct sockaddr_storage *want,
			       const struct mcte_nic *nics, u32 nr)
{
	struct mcte_path *p;
	bool any = false, have;
	u32 i;

	for (i = 0; i < nr; i++) {
		if (!mcte_nic_reaches(peer->r, &nics[i], want))
			continue;
		any = true;
		spin_lock(&peer->lock);
		have = mcte_peer_has_path(peer, want, &nics[i]);
		spin_unlock(&peer->lock);
		if (have)
			continue;
		p = mcte_path_create(peer->r, peer, want, &nics[i]);
		if (IS_ERR(p))
			return PTR_ERR(p);
	}
	if (any)
		return 0;
	spin_lock(&peer->lock);
	have = mcte_peer_has_path(peer, want, NULL);
	spin_unlock(&peer->lock);
	if (have)
		return 0;
	p = mcte_path_create(peer->r, peer, want, NULL);
	return PTR_ERR_OR_ZERO(p);
}

/*
 * The paths the peer lacks, for each (local NIC, remote address) pair:
 * to the address it was found by, then those of its listeners, each from
 * every local NIC that reaches it (rdma_nic.c). Serialised, so that two
 * callers never make two paths for one pair; nothing once the peer is
 * unlisted. Return: 0 or the first error making a path.
 */
static int mcte_peer_fill(struct mcte_peer *peer)
{
	struct sockaddr_storage want;
	struct mcte_nic *nics;
	int ret = 0;
	u32 i, nr;

	nics = kcalloc(MCTE_NICS_MAX, sizeof(*nics), GFP_KERNEL);
	if (!nics)
		return -ENOMEM;
	mutex_lock(&peer->grow_mutex);
	nr = mcte_nic_list(peer->r, peer->addr.ss_family, nics,
			   MCTE_NICS_MAX);
	for (i = 0; i <= MCTE_WIRE_ADDRS_MAX && !ret; i++) {
		spin_lock(&peer->lock);
		if (i > peer->nr_addrs || list_empty(&peer->node)) {
			spin_unlock(&peer->lock);
			break;
		}
		want = i ? peer->addrs[i - 1] : peer->addr;
		spin_unlock(&peer->lock);
		/* Listeners of another family: our NICs have no address of it. */
		if (want.ss_family != peer->addr.ss_family)
			continue;
		ret = mcte_peer_fill_addr(peer, &want, nics, nr);
	}
	mutex_unlock(&peer->grow_mutex);
	kfree(nics);
	return ret;
}

static void mcte_peer_grow_work(struct work_struct *work)
{
	struct mcte_peer *peer = container_of(to_delayed_work(work),
					      struct mcte_peer, grow_work);

	/* Nothing asks for paths any more: none is dialed. */
	if (mcte_peer_needed(peer))
		mcte_peer_fill(peer);
	mcte_peer_put(peer);
}

/*
 * For whoever unlisted @peer, before it kills the paths: no grow is
 * pending or running after this, and none will make a path again.
 */
static void mcte_peer_stop_growing(struct mcte_peer *peer)
{
	if (cancel_delayed_work_sync(&peer->grow_work))
		mcte_peer_put(peer);
	mutex_lock(&peer->grow_mutex);
	mutex_unlock(&peer->grow_mutex);
}

/**
 * mcte_peer_stop() - a peer left the list: stop it for good
 * @peer: the peer, unlisted by the caller
 *
 * No grow work is pending or running after this, and every path is dead
 * and unlisted. Its idle work is the caller's, or cancelled by it.
 */
void mcte_peer_stop(struct mcte_peer *peer)
{
	mcte_peer_stop_growing(peer);
	mcte_peer_kill_paths(peer);
}

/* Under peer->lock. */
static bool mcte_peer_needed_locked(struct mcte_peer *peer)
{
	lockdep_assert_held(&peer->lock);
	return peer->nr_rsegs || peer->nr_waiting;
}

/**
 * mcte_peer_needed() - whether anything here needs a peer's paths
 * @peer: the peer
 *
 * Return: true while a segment of it is open or an open waits for a path.
 */
bool mcte_peer_needed(struct mcte_peer *peer)
{
	bool needed;

	spin_lock(&peer->lock);
	needed = mcte_peer_needed_locked(peer);
	spin_unlock(&peer->lock);
	return needed;
}

static void mcte_peer_idle_work(struct work_struct *work)
{
	struct mcte_peer *peer = container_of(to_delayed_work(work),
					      struct mcte_peer, idle_work);
	struct mcte_rdma *r = peer->r;
	bool gone = false;

	mutex_lock(&r->lock);
	spin_lock(&peer->lock);
	if (!mcte_peer_needed_locked(peer) && !list_empty(&peer->node)) {
		list_del_init(&peer->node);
		gone = true;
	}
	spin_unlock(&peer->lock);
	mutex_unlock(&r->lock);
	if (gone) {
		mcte_peer_stop(peer);
		mcte_peer_put(peer);	/* the list's */
	}
	mcte_peer_put(peer);	/* the work's */
}

/**
 * mcte_peer_grow() - open paths to the addresses of a peer it has none to
 * @peer: the peer
 * @delay_ms: from now
 */
void mcte_peer_grow(struct mcte_peer *peer, u32 delay_ms)
{
	struct mcte_rdma *r = peer->r;

	/*
	 * Only while it is listed: whoever unlists it cancels what is
	 * pending, and nothing may be left pending past the engine.
	 */
	mutex_lock(&r->lock);
	if (!list_empty(&peer->node) && !r->exiting) {
		kref_get(&peer->ref);
		if (!queue_delayed_work(mcte_rdma_wq, &peer->grow_work,
					msecs_to_jiffies(delay_ms)))
			mcte_peer_put(peer);
	}
	mutex_unlock(&r->lock);
}

/*
 * Under r->lock: whether the current user may make the engine keep one
 * more peer. Return: 0 or -EUSERS.
 */
static int mcte_peer_may_create(struct mcte_rdma *r, kuid_t uid)
{
	struct mcte_engine *eng = r->eng;
	u32 all = 0, mine = 0, dialing = 0;
	struct mcte_peer *peer;

	lockdep_assert_held(&r->lock);
	list_for_each_entry(peer, &r->peers, node) {
		all++;
		if (!uid_eq(peer->uid, uid))
			continue;
		mine++;
		if (!READ_ONCE(peer->id))
			dialing++;
	}
	if (all >= MCTE_PEERS_MAX)
		return -EUSERS;
	if (ns_capable(eng->net->user_ns, CAP_NET_ADMIN))
		return 0;
	if (mine >= READ_ONCE(eng->policy.peers_per_user) ||
	    dialing >= READ_ONCE(eng->policy.dials_per_user))
		return -EUSERS;
	return 0;
}

/**
 * mcte_peer_find_or_create() - the peer reached at an address
 * @r: the engine's transport
 * @ss: address and port from a segment name
 *
 * The caller is counted as waiting for a path (the peer is needed, it
 * is not let go) until its mcte_peer_wait_path() returns.
 *
 * Return: a referenced peer, or an ERR_PTR: -EUSERS over the limits on
 * peers (mcte_peer_may_create()), -ESHUTDOWN, -ENOMEM.
 */
struct mcte_peer *mcte_peer_find_or_create(struct mcte_rdma *r,
					   const struct sockaddr_storage *ss)
{
	kuid_t uid = current_euid();
	struct mcte_peer *peer;
	bool none;
	int ret;
	u32 i;

	mutex_lock(&r->lock);
	list_for_each_entry(peer, &r->peers, node) {
		bool hit = mcte_sockaddr_eq(&peer->addr, ss);

		spin_lock(&peer->lock);
		for (i = 0; i < peer->nr_addrs && !hit; i++)
			hit = mcte_sockaddr_eq(&peer->addrs[i], ss);
		if (hit)
			peer->nr_waiting++;
		spin_unlock(&peer->lock);
		if (hit) {
			kref_get(&peer->ref);
			mutex_unlock(&r->lock);
			/*
			 * Paths that died are made again, now: the caller
			 * waits for one, and must not find none.
			 */
			mcte_peer_fill(peer);
			return peer;
		}
	}
	if (r->exiting) {
		mutex_unlock(&r->lock);
		return ERR_PTR(-ESHUTDOWN);
	}
	ret = mcte_peer_may_create(r, uid);
	if (ret) {
		mutex_unlock(&r->lock);
		return ERR_PTR(ret);
	}
	peer = kzalloc(sizeof(*peer), GFP_KERNEL);
	if (!peer) {
		mutex_unlock(&r->lock);
		return ERR_PTR(-ENOMEM);
	}
	kref_init(&peer->ref);	/* the list's */
	atomic_inc(&mcte_rdma_live);
	peer->r = r;
	peer->addr = *ss;
	peer->uid = uid;
	peer->nr_waiting = 1;
	atomic_set(&peer->gen, 0);
	spin_lock_init(&peer->lock);
	mutex_init(&peer->grow_mutex);
	INIT_LIST_HEAD(&peer->paths);
	INIT_LIST_HEAD(&peer->waitq);
	INIT_LIST_HEAD(&peer->rsegs);
	init_waitqueue_head(&peer->wait);
	INIT_DELAYED_WORK(&peer->grow_work, mcte_peer_grow_work);
	INIT_DELAYED_WORK(&peer->idle_work, mcte_peer_idle_work);
	list_add_tail(&peer->node, &r->peers);
	kref_get(&peer->ref);
	mutex_unlock(&r->lock);

	ret = mcte_peer_fill(peer);
	spin_lock(&peer->lock);
	none = list_empty(&peer->paths);
	spin_unlock(&peer->lock);
	if (ret && none) {
		mcte_peer_put(peer);
		return ERR_PTR(ret);
	}
	return peer;
}

/**
 * mcte_peer_changed() - a path of a peer changed state: wake its waiters
 * @peer: the peer
 */
void mcte_peer_changed(struct mcte_peer *peer)
{
	atomic_inc(&peer->gen);
	wake_up_all(&peer->wait);
}

/*
 * An up path of @peer, referenced, into @found; else whether a path may
 * still come up, and the last error seen.
 */
static bool mcte_peer_scan(struct mcte_peer *peer, struct mcte_path **found,
			   int *err)
{
	bool alive = false, all_failed = true;
	struct mcte_path *p;

	spin_lock(&peer->lock);
	/* The error of a path given up since, or none seen yet. */
	*err = peer->last_err ?: -EHOSTUNREACH;
	list_for_each_entry(p, &peer->paths, pnode) {
		u32 st = READ_ONCE(p->state);
		int e = READ_ONCE(p->err);

		if (st == MCTE_PATH_UP && !e) {
			kref_get(&p->ref);
			*found = p;
			break;
		}
		if (st != MCTE_PATH_DEAD)
			alive = true;
		if (e)
			*err = e;
		else
			all_failed = false;
	}
	/* A peer never reached: its first connects' error is the answer. */
	if (!peer->id && all_failed)
		alive = false;
	spin_unlock(&peer->lock);
	return *found || alive;
}

/**
 * mcte_peer_wait_path() - wait for an up path to a peer
 * @peer: the peer, from mcte_peer_find_or_create()
 *
 * Every change of a path's state bumps &mcte_peer.gen and wakes the
 * waiters; the generation is read before each scan, so that a change
 * between the scan and the sleep ends the sleep at once.
 *
 * Return: a referenced up path, or an ERR_PTR: the error of the connects
 * (-EHOSTUNREACH, -ECONNREFUSED, -EKEYREJECTED, ...) when none can be
 * made, -ETIMEDOUT, -EINTR.
 */
struct mcte_path *mcte_peer_wait_path(struct mcte_peer *peer)
{
	unsigned long deadline = jiffies +
				 msecs_to_jiffies(2 * MCTE_RPC_TIMEOUT_MS);
	struct mcte_path *found = NULL;
	long left;
	int err, gen;

	for (;;) {
		gen = atomic_read(&peer->gen);
		if (!mcte_peer_scan(peer, &found, &err)) {
			found = ERR_PTR(err);
			break;
		}
		if (found)
			break;
		left = (long)(deadline - jiffies);
		if (left <= 0) {
			found = ERR_PTR(-ETIMEDOUT);
			break;
		}
		if (wait_event_interruptible_timeout(peer->wait,
						     atomic_read(&peer->gen) != gen,
						     left) < 0) {
			found = ERR_PTR(-EINTR);
			break;
		}
	}
	spin_lock(&peer->lock);
	peer->nr_waiting--;
	spin_unlock(&peer->lock);
	return found;
}

/*
 * An address a peer announces is dialed: a port, and an address of a
 * host, not the unspecified one, a loopback, a multicast or a broadcast.
 */
static bool mcte_peer_addr_dialable(const struct sockaddr_storage *ss)
{
	const struct sockaddr_in6 *s6 = (const void *)ss;
	const struct sockaddr_in *s4 = (const void *)ss;
	__be32 a4 = s4->sin_addr.s_addr;

	if (ss->ss_family == AF_INET)
		return s4->sin_port && !ipv4_is_zeronet(a4) &&
		       !ipv4_is_loopback(a4) && !ipv4_is_multicast(a4) &&
		       !ipv4_is_lbcast(a4);
	return s6->sin6_port && !ipv6_addr_any(&s6->sin6_addr) &&
	       !ipv6_addr_loopback(&s6->sin6_addr) &&
	       !ipv6_addr_is_multicast(&s6->sin6_addr);
}

/**
 * mcte_peer_hello() - a path of a peer said hello
 * @peer: the peer
 * @id: its engine id
 * @h: its hello reply, with the addresses of its listeners
 */
void mcte_peer_hello(struct mcte_peer *peer, u64 id,
		     const struct mcte_wire_hello *h)
{
	u32 i, n = min_t(u32, be32_to_cpu(h->nr_addrs), MCTE_WIRE_ADDRS_MAX);

	spin_lock(&peer->lock);
	peer->id = id;
	peer->nr_addrs = 0;
	for (i = 0; i < n; i++) {
		const struct mcte_wire_addr *a = &h->addrs[i];
		struct sockaddr_storage *ss = &peer->addrs[peer->nr_addrs];

		memset(ss, 0, sizeof(*ss));
		if (be16_to_cpu(a->family) == AF_INET) {
			struct sockaddr_in *s4 = (void *)ss;

			s4->sin_family = AF_INET;
			s4->sin_port = a->port;
			memcpy(&s4->sin_addr, a->addr, 4);
		} else if (be16_to_cpu(a->family) == AF_INET6) {
			struct sockaddr_in6 *s6 = (void *)ss;

			s6->sin6_family = AF_INET6;
			s6->sin6_port = a->port;
			memcpy(&s6->sin6_addr, a->addr, 16);
		} else {
			continue;
		}
		/* Only what a listener of an engine could be: it is dialed. */
		if (mcte_peer_addr_dialable(ss))
			peer->nr_addrs++;
	}
	spin_unlock(&peer->lock);

	mcte_peer_grow(peer, 0);
}

/**
 * mcte_peer_path_up() - a path of a peer came up
 * @peer: the peer
 * @p: the path
 *
 * Slices waiting for a path go; remote segments get keys for its device.
 */
void mcte_peer_path_up(struct mcte_peer *peer, struct mcte_path *p)
{
	LIST_HEAD(go);

	spin_lock(&peer->lock);
	list_splice_init(&peer->waitq, &go);
	spin_unlock(&peer->lock);
	mcte_peer_changed(peer);
	mcte_rseg_path_up(peer);
	mcte_rdma_dispatch(&go);
}

/**
 * mcte_peer_path_down() - a path of a peer went down (or dead)
 * @peer: the peer
 *
 * Waiting slices are dispatched again: they fail when no path is left.
 */
void mcte_peer_path_down(struct mcte_peer *peer)
{
	LIST_HEAD(go);

	spin_lock(&peer->lock);
	list_splice_init(&peer->waitq, &go);
	spin_unlock(&peer->lock);
	mcte_peer_changed(peer);
	mcte_rdma_dispatch(&go);
}

/**
 * mcte_rdma_topo_changed() - the priority matrix changed: slices choose again
 * @eng: the engine
 *
 * Process context (topo-set). Slices waiting on a peer for a path of a NIC
 * the old matrix named go to the new one's, or fail at once when it names
 * none with a path left.
 */
void mcte_rdma_topo_changed(struct mcte_engine *eng)
{
	struct mcte_rdma *r = mcte_rdma_of(eng);
	struct mcte_peer *peer;
	LIST_HEAD(go);

	if (!r)
		return;
	mutex_lock(&r->lock);
	list_for_each_entry(peer, &r->peers, node) {
		spin_lock(&peer->lock);
		list_splice_tail_init(&peer->waitq, &go);
		spin_unlock(&peer->lock);
	}
	mutex_unlock(&r->lock);
	/* Each slice holds its transfer, which holds the remote segment and its peer. */
	mcte_rdma_dispatch(&go);
}

/**
 * mcte_peer_snapshot() - copy the peers of an engine
 * @eng: the engine
 * @infos: out: kmalloc'ed array, for the caller to kfree()
 * @nr: out: its entries
 *
 * Return: 0 or -ENOMEM.
 */
int mcte_peer_snapshot(struct mcte_engine *eng,
		       struct mcte_peer_info **infos, u32 *nr)
{
	struct mcte_rdma *r = mcte_rdma_of(eng);
	struct mcte_peer_info *v;
	struct mcte_peer *peer;
	struct mcte_path *p;
	u32 n = 0, i = 0;

	mutex_lock(&r->lock);
	list_for_each_entry(peer, &r->peers, node)
		n++;
	v = kcalloc(max(n, 1U), sizeof(*v), GFP_KERNEL);
	if (!v) {
		mutex_unlock(&r->lock);
		return -ENOMEM;
	}
	list_for_each_entry(peer, &r->peers, node) {
		spin_lock(&peer->lock);
		v[i].id = peer->id;
		v[i].addr = peer->addr;
		v[i].nr_segs = peer->nr_rsegs;
		list_for_each_entry(p, &peer->paths, pnode) {
			v[i].nr_paths++;
			if (READ_ONCE(p->state) == MCTE_PATH_UP)
				v[i].nr_paths_up++;
		}
		spin_unlock(&peer->lock);
		i++;
	}
	mutex_unlock(&r->lock);
	*infos = v;
	*nr = n;
	return 0;
}

/**
 * mcte_path_snapshot() - copy the paths of an engine
 * @eng: the engine
 * @infos: out: kmalloc'ed array, for the caller to kfree()
 * @nr: out: its entries
 *
 * Return: 0 or -ENOMEM.
 */
int mcte_path_snapshot(struct mcte_engine *eng,
		       struct mcte_path_info **infos, u32 *nr)
{
	struct mcte_rdma *r = mcte_rdma_of(eng);
	struct mcte_path_info *v;
	struct mcte_path *p;
	u32 n = 0, i = 0;

	mutex_lock(&r->lock);
	list_for_each_entry(p, &r->paths, node)
		n++;
	v = kcalloc(max(n, 1U), sizeof(*v), GFP_KERNEL);
	if (!v) {
		mutex_unlock(&r->lock);
		return -ENOMEM;
	}
	list_for_each_entry(p, &r->paths, node)
		mcte_path_info(p, &v[i++]);
	mutex_unlock(&r->lock);
	*infos = v;
	*nr = n;
	return 0;
}

/**
 * mcte_rdma_peer_idle() - a peer may have no segment open any more
 * @peer: the peer
 *
 * It is let go MCTE_PEER_IDLE_MS from now, at once when it was never
 * reached (an open of an address where no engine answered), unless
 * something needs it by then.
 */
void mcte_rdma_peer_idle(struct mcte_peer *peer)
{
	struct mcte_rdma *r = peer->r;
	u32 ms = READ_ONCE(peer->id) ? MCTE_PEER_IDLE_MS : 0;

	/* As mcte_peer_grow(): never for a peer that left the list. */
	mutex_lock(&r->lock);
	if (!list_empty(&peer->node) && !r->exiting) {
		kref_get(&peer->ref);
		/* Pending already: that one holds a reference, not ours. */
		if (mod_delayed_work(mcte_rdma_wq, &peer->idle_work,
				     msecs_to_jiffies(ms)))
			mcte_peer_put(peer);
	}
	mutex_unlock(&r->lock);
}
