// SPDX-License-Identifier: GPL-2.0
/*
 * mcte - listeners: rdma_cm ids listening on an address and port of the
 * engine's namespace, configured through netlink. A connect request that
 * carries mcte's private data with a wire version we speak becomes a
 * passive path, while the engine has room for it (MCTE_PASSIVE_MAX in
 * all, MCTE_PASSIVE_PER_ADDR from one address); anything else is rejected
 * with a reason the peer can read (struct mcte_wire_rej), and counted.
 *
 * A listener whose device goes away loses its id (rdma_cm cannot keep it)
 * but stays configured, reported without a device, until deleted.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/in.h>
#include <linux/in6.h>
#include <linux/slab.h>
#include <net/addrconf.h>
#include <net/ipv6.h>
#include <net/route.h>
#include <rdma/ib_cm.h>

#include "rdma_priv.h"

/*
 * Ids a listener accepted inherit its handler: their events go to their
 * path, found through the QP. The listener's own id needs nothing on
 * device removal: mcte_rdma_dev_remove() destroyed it before.
 */
static int mcte_listen_handler(struct rdma_cm_id *cm, struct rdma_cm_event *ev)
{
	if (ev->event == RDMA_CM_EVENT_CONNECT_REQUEST)
		return mcte_listen_connect_request(cm->context, cm, ev);
	if (cm->qp)
		return mcte_path_cm_handler(cm, ev);
	return 0;
}

static struct rdma_cm_id *mcte_listen_start(struct mcte_listener *l,
					    struct netlink_ext_ack *extack)
{
	struct rdma_cm_id *cm;
	int ret;

	cm = rdma_create_id(l->r->eng->net, mcte_listen_handler, l,
			    RDMA_PS_TCP, IB_QPT_RC);
	if (IS_ERR(cm))
		return cm;
	ret = rdma_bind_addr(cm, (struct sockaddr *)&l->addr);
	if (ret) {
		NL_SET_ERR_MSG(extack,
			       "cannot bind to this address (not of this namespace, or in use)");
		goto out_destroy;
	}
	ret = rdma_listen(cm, 64);
	if (ret) {
		NL_SET_ERR_MSG(extack, "rdma_cm cannot listen on this address and port");
		goto out_destroy;
	}
	return cm;

out_destroy:
	rdma_destroy_id(cm);
	return ERR_PTR(ret);
}

/**
 * mcte_listen_add() - add a listener to an engine
 * @eng: the engine
 * @addr: IPv4 or IPv6 address and port
 * @extack: for a message saying why it failed
 *
 * Return: 0, -EEXIST, -EADDRINUSE, -EADDRNOTAVAIL or another -errno.
 */
int mcte_listen_add(struct mcte_engine *eng,
		    const struct sockaddr_storage *addr,
		    struct netlink_ext_ack *extack)
{
	struct mcte_rdma *r = mcte_rdma_of(eng);
	struct mcte_listener *l, *o;
	struct rdma_cm_id *cm;
	int ret = 0;

	if (addr->ss_family != AF_INET && addr->ss_family != AF_INET6)
		return -EAFNOSUPPORT;

	l = kzalloc(sizeof(*l), GFP_KERNEL);
	if (!l)
		return -ENOMEM;
	l->r = r;
	l->addr = *addr;

	mutex_lock(&r->lock);
	list_for_each_entry(o, &r->listeners, node) {
		if (mcte_sockaddr_eq(&o->addr, addr)) {
			NL_SET_ERR_MSG(extack, "already listening on this address and port");
			ret = -EEXIST;
			goto out_unlock;
		}
	}
	if (r->exiting) {
		ret = -ESHUTDOWN;
		goto out_unlock;
	}
	cm = mcte_listen_start(l, extack);
	if (IS_ERR(cm)) {
		ret = PTR_ERR(cm);
		goto out_unlock;
	}
	l->cm = cm;
	list_add_tail(&l->node, &r->listeners);
	l = NULL;
out_unlock:
	mutex_unlock(&r->lock);
	kfree(l);
	return ret;
}

static void mcte_listener_free(struct mcte_listener *l)
{
	/* Waits for the handler: no connect request of it runs after. */
	if (l->cm)
		rdma_destroy_id(l->cm);
	kfree(l);
}

/**
 * mcte_listen_del() - delete a listener of an engine
 * @eng: the engine
 * @addr: its address and port
 *
 * Paths it accepted stay.
 *
 * Return: 0 or -ENOENT.
 */
int mcte_listen_del(struct mcte_engine *eng,
		    const struct sockaddr_storage *addr)
{
	struct mcte_rdma *r = mcte_rdma_of(eng);
	struct mcte_listener *l, *found = NULL;

	mutex_lock(&r->lock);
	list_for_each_entry(l, &r->listeners, node) {
		if (mcte_sockaddr_eq(&l->addr, addr)) {
			list_del(&l->node);
			found = l;
			break;
		}
	}
	mutex_unlock(&r->lock);
	if (!found)
		return -ENOENT;
	mcte_listener_free(found);
	return 0;
}

/**
 * mcte_listen_snapshot() - copy the listeners of an engine
 * @eng: the engine
 * @infos: out: kmalloc'ed array, for the caller to kfree()
 * @nr: out: its entries
 *
 * Return: 0 or -ENOMEM.
 */
int mcte_listen_snapshot(struct mcte_engine *eng,
			 struct mcte_listen_info **infos, u32 *nr)
{
	struct mcte_rdma *r = mcte_rdma_of(eng);
	struct mcte_listen_info *v;
	struct mcte_listener *l;
	u32 n = 0, i = 0;

	mutex_lock(&r->lock);
	list_for_each_entry(l, &r->listeners, node)
		n++;
	v = kcalloc(max(n, 1U), sizeof(*v), GFP_KERNEL);
	if (!v) {
		mutex_unlock(&r->lock);
		return -ENOMEM;
	}
	list_for_each_entry(l, &r->listeners, node) {
		struct rdma_cm_id *cm = l->cm;

		v[i].addr = l->addr;
		v[i].auth = mcte_auth_required(r);
		if (cm && cm->device)
			strscpy(v[i].dev, dev_name(&cm->device->dev),
				sizeof(v[i].dev));
		i++;
	}
	mutex_unlock(&r->lock);
	*infos = v;
	*nr = n;
	return 0;
}

/**
 * mcte_listen_addrs() - the addresses to announce in a hello
 * @r: the engine's transport
 * @addrs: out: up to @max addresses
 * @max: room in @addrs
 *
 * Only listeners bound to a device: wildcard addresses say nothing a peer
 * could connect to.
 *
 * Return: the number of entries written.
 */
u32 mcte_listen_addrs(struct mcte_rdma *r, struct mcte_wire_addr *addrs,
		      u32 max)
{
	struct mcte_listener *l;
	u32 n = 0;

	mutex_lock(&r->lock);
	list_for_each_entry(l, &r->listeners, node) {
		const struct sockaddr_in *s4 = (const void *)&l->addr;
		const struct sockaddr_in6 *s6 = (const void *)&l->addr;

		if (n == max)
			break;
		if (!l->cm || !l->cm->device)
			continue;
		memset(&addrs[n], 0, sizeof(addrs[n]));
		addrs[n].family = cpu_to_be16(l->addr.ss_family);
		if (l->addr.ss_family == AF_INET) {
			addrs[n].port = s4->sin_port;
			memcpy(addrs[n].addr, &s4->sin_addr, 4);
		} else {
			addrs[n].port = s6->sin6_port;
			memcpy(addrs[n].addr, &s6->sin6_addr, 16);
		}
		n++;
	}
	mutex_unlock(&r->lock);
	return n;
}

/**
 * mcte_listen_dev_remove() - drop the ids of listeners bound to a device
 * @r: an engine's transport
 * @ibdev: the device going away
 */
void mcte_listen_dev_remove(struct mcte_rdma *r, struct ib_device *ibdev)
{
	struct rdma_cm_id *cm;
	struct mcte_listener *l;

	/* Destroyed unlocked: a connect request of it may wait for r->lock. */
	do {
		cm = NULL;
		mutex_lock(&r->lock);
		list_for_each_entry(l, &r->listeners, node) {
			if (l->cm && l->cm->device == ibdev) {
				cm = l->cm;
				l->cm = NULL;
				break;
			}
		}
		mutex_unlock(&r->lock);
		if (cm)
			rdma_destroy_id(cm);
	} while (cm);
}

/**
 * mcte_listen_flush() - delete every listener of an engine going away
 * @r: the engine's transport
 */
void mcte_listen_flush(struct mcte_rdma *r)
{
	struct mcte_listener *l, *tmp;
	LIST_HEAD(gone);

	mutex_lock(&r->lock);
	list_splice_init(&r->listeners, &gone);
	mutex_unlock(&r->lock);
	list_for_each_entry_safe(l, tmp, &gone, node)
		mcte_listener_free(l);
}

/**
 * mcte_listen_covers() - whether a listener of an engine takes an address
 * @r: the engine's transport
 * @ss: an address and port
 *
 * Return: true when one listens on that address and port, or on the
 * wildcard address of its family and that port.
 */
bool mcte_listen_covers(struct mcte_rdma *r, const struct sockaddr_storage *ss)
{
	struct mcte_listener *l;
	bool hit = false;

	mutex_lock(&r->lock);
	list_for_each_entry(l, &r->listeners, node) {
		const struct sockaddr_in6 *l6 = (const void *)&l->addr;
		const struct sockaddr_in *l4 = (const void *)&l->addr;
		const struct sockaddr_in6 *s6 = (const void *)ss;
		const struct sockaddr_in *s4 = (const void *)ss;

		if (l->addr.ss_family != ss->ss_family)
			continue;
		if (mcte_sockaddr_eq(&l->addr, ss))
			hit = true;
		else if (ss->ss_family == AF_INET)
			hit = l4->sin_addr.s_addr == htonl(INADDR_ANY) &&
			      l4->sin_port == s4->sin_port;
		else
			hit = ipv6_addr_any(&l6->sin6_addr) &&
			      l6->sin6_port == s6->sin6_port;
		if (hit)
			break;
	}
	mutex_unlock(&r->lock);
	return hit;
}

/**
 * mcte_addr_is_local() - whether an address is one of this node's
 * @net: the namespace whose addresses count
 * @ss: an IPv4 or IPv6 address
 *
 * Loopback addresses and the wildcard count as local.
 *
 * Return: true when it is.
 */
bool mcte_addr_is_local(struct net *net, const struct sockaddr_storage *ss)
{
	const struct sockaddr_in6 *s6 = (const void *)ss;
	const struct sockaddr_in *s4 = (const void *)ss;

	if (ss->ss_family == AF_INET)
		return ipv4_is_zeronet(s4->sin_addr.s_addr) ||
		       inet_addr_type(net, s4->sin_addr.s_addr) == RTN_LOCAL;
	if (ss->ss_family == AF_INET6)
		return ipv6_addr_any(&s6->sin6_addr) ||
		       ipv6_addr_loopback(&s6->sin6_addr) ||
		       ipv6_chk_addr(net, &s6->sin6_addr, NULL, 0);
	return false;
}

/* Reject with @reason, counted; 1 for rdma_cm to destroy the id. */
static int mcte_listen_reject(struct mcte_listener *l, struct rdma_cm_id *cm,
			      u8 reason)
{
	struct mcte_wire_rej rej;

	mcte_wire_rej_make(&rej, reason);
	rdma_reject(cm, &rej, sizeof(rej), IB_CM_REJ_CONSUMER_DEFINED);
	mcte_stat_add(l->r->eng, reason == MCTE_WIRE_REJ_AUTH ?
		      MCTE_STAT_AUTH_FAILED : MCTE_STAT_CONN_REFUSED, 1);
	return 1;
}

/**
 * mcte_listen_connect_request() - a peer engine wants a path to us
 * @l: the listener
 * @cm: the new id
 * @ev: the event, with the peer's private data
 *
 * In the listener's rdma_cm handler.
 *
 * Return: 0, or non-zero to have rdma_cm destroy @cm.
 */
int mcte_listen_connect_request(struct mcte_listener *l,
				struct rdma_cm_id *cm,
				struct rdma_cm_event *ev)
{
	struct sockaddr_storage *from = &cm->route.addr.dst_addr;
	struct mcte_path *p;
	u8 flags;
	u64 id;
	int ret;

	ret = mcte_wire_cm_check(ev->param.conn.private_data,
				 ev->param.conn.private_data_len, &id, &flags);
	if (ret == -EPROTONOSUPPORT) {
		pr_warn_ratelimited("refused a peer at %pISpc: it speaks no wire version from %u to %u\n",
				    from, MCTE_WIRE_VERSION_MIN,
				    MCTE_WIRE_VERSION_MAX);
		return mcte_listen_reject(l, cm, MCTE_WIRE_REJ_VERSION);
	}
	if (ret)
		return mcte_listen_reject(l, cm, MCTE_WIRE_REJ_MALFORMED);
	/* A key on one side only: refused before a word is said. */
	if (!mcte_wire_cm_auth_ok(l->r, id, flags)) {
		pr_warn_ratelimited("refused a peer at %pISpc: %s\n", from,
				    flags & MCTE_WIRE_CM_AUTH ?
				    "it proves a cluster key, this engine has none" :
				    "it has no cluster key, this engine wants one");
		return mcte_listen_reject(l, cm, MCTE_WIRE_REJ_AUTH);
	}
	p = mcte_path_accept(l->r, cm, id,
			     mcte_addr_is_local(l->r->eng->net, from));
	/* Out of room or memory: the peer may try again later. */
	if (IS_ERR(p))
		return mcte_listen_reject(l, cm, PTR_ERR(p) == -ESHUTDOWN ?
					  MCTE_WIRE_REJ_SHUTDOWN :
					  MCTE_WIRE_REJ_BUSY);
	return 0;
}
