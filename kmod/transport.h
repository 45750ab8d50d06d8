/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mcte - the seam between the core and its transports.
 *
 * A transport fills one struct mcte_transport and is listed in
 * transport.c; the core reaches it only through that table and the
 * mcte_transport*() helpers below, so that a new transport (TCP, NVMe) is
 * a new table and a line in the list, and no core file changes.
 */
#ifndef _MCTE_TRANSPORT_H
#define _MCTE_TRANSPORT_H

#include <linux/list.h>
#include <linux/socket.h>
#include <linux/types.h>

#include "mcte.h"

struct dentry;

/**
 * struct mcte_gauges - what the transports of an engine hold now (stat-get)
 * @peers: peer engines
 * @paths: paths to peer engines, active and passive, in any state
 * @opens: opens of this node's segments held by peers (exports)
 */
struct mcte_gauges {
	u64 peers;
	u64 paths;
	u64 opens;
};

/**
 * struct mcte_transport - a transport: how slices get executed, and what it
 *			   does as the module, its engines and segments come
 *			   and go
 * @name: for messages
 * @features: MCTE_FEAT_* bits it implements, reported with the core's
 * @id: its slot in &mcte_engine.xport, given by mcte_transports_init()
 * @init: module load, before any engine exists: its caches and queues;
 *	  @debugfs is mcte's debugfs directory (maybe an error pointer), for
 *	  test hooks. Optional. Return: 0 or -errno.
 * @start: module load, once the netlink family is registered and before
 *	   /dev/mcte is: join the subsystems whose callbacks send events
 *	   (the ib_client). Optional. Return: 0 or -errno.
 * @shutdown: module unload, after /dev/mcte went (no file is left), before
 *	      the netlink family goes: stop what every engine has of it (its
 *	      work sends events) and leave what @start joined. Called also
 *	      when a later step of the load failed. Optional.
 * @exit: module unload, after every engine went: undo @init. Optional.
 * @engine_init: a new engine: make its state of the engine, put in the
 *		 engine's slot with mcte_engine_set_xport(). Optional.
 *		 Return: 0 or -errno.
 * @engine_exit: an engine goes, no file of it is left: tear that state
 *		 down. Optional, required with @engine_init.
 * @parse_peer: the peer part of a remote segment name, @len bytes before
 *		its last '/', as an address: 0, or -EINVAL when it names no
 *		peer this transport reaches. Optional: a transport without
 *		it opens no remote segment.
 * @open_remote: open segment @name of the peer at @ss (from @parse_peer)
 *		 with @access: a new segment with one reference, of a kind
 *		 whose &mcte_seg_ops.xport is this transport, and the number
 *		 of its buffers on the peer.
 *		 Required with @parse_peer. Return: 0 or -errno.
 * @seg_unregistered: a segment of this node was unregistered (dead
 *		      already): void what peers hold of it. Optional.
 * @gauges: add what it holds for an engine to @g. Optional.
 * @topo_changed: the priority matrix of an engine changed: transfers
 *		  waiting for a NIC choose again. Optional.
 * @submit: take over transfers (linked by &mcte_xfer.qnode), each with its
 *	    queue hold; claim their slices with mcte_xfer_claim(), start each
 *	    with mcte_xfer_slice_start() and report it with
 *	    mcte_xfer_slice_done(), and drop the hold with mcte_xfer_unhold()
 *	    once no slice is left to claim or the transfer is stopping
 * @cancel: a transfer is stopping: drop its queue hold soon if it still
 *	    has one, and cut short slices that wait
 * @sweep: many transfers of an engine may be stopping (a batch canceled,
 *	   a file going away, a segment unregistered): as @cancel for each
 *	   of its transfers that mcte_xfer_stopped() says is
 *
 * One table for the whole transport, data path and life cycle alike,
 * rather than an ops table of the data path inside a transport structure:
 * a transport is nothing but these operations and constants (all of mcte
 * is one module: no owner to reference, no options to check), and one
 * type serves transfers (&mcte_xfer.xport) and the kinds of remote
 * segments (&mcte_seg_ops.xport) alike. Slices of one transfer may run in any order
 * and concurrently.
 */
struct mcte_transport {
	const char *name;
	u64 features;
	unsigned int id;

	int (*init)(struct dentry *debugfs);
	int (*start)(void);
	void (*shutdown)(void);
	void (*exit)(void);

	int (*engine_init)(struct mcte_engine *eng);
	void (*engine_exit)(struct mcte_engine *eng);

	int (*parse_peer)(const char *peer, size_t len,
			  struct sockaddr_storage *ss);
	int (*open_remote)(struct mcte_engine *eng,
			   const struct sockaddr_storage *ss, const char *name,
			   u32 access, struct mcte_seg **segp, u32 *nr_bufs);
	void (*seg_unregistered)(struct mcte_seg *seg);

	void (*gauges)(struct mcte_engine *eng, struct mcte_gauges *g);
	void (*topo_changed)(struct mcte_engine *eng);

	void (*submit)(struct list_head *xfers);
	void (*cancel)(struct mcte_xfer *x);
	void (*sweep)(struct mcte_engine *eng);
};

/**
 * mcte_engine_xport() - a transport's state of an engine
 * @eng: the engine
 * @t: the transport
 *
 * Return: what @t put there in its @engine_init, NULL before or after.
 */
static inline void *mcte_engine_xport(const struct mcte_engine *eng,
				      const struct mcte_transport *t)
{
	return eng->xport[t->id];
}

/**
 * mcte_engine_set_xport() - keep a transport's state of an engine
 * @eng: the engine
 * @t: the transport
 * @data: its state, NULL once torn down
 */
static inline void mcte_engine_set_xport(struct mcte_engine *eng,
					 const struct mcte_transport *t,
					 void *data)
{
	eng->xport[t->id] = data;
}

/* The transports transport.c lists; nothing else names them. */
extern struct mcte_transport mcte_xport_local;
extern struct mcte_transport mcte_xport_rdma;
extern struct mcte_transport mcte_xport_block;

/* transport.c: what the core does with every transport */
int mcte_transports_init(struct dentry *debugfs);
void mcte_transports_exit(void);
int mcte_transports_start(void);
void mcte_transports_shutdown(void);
int mcte_transports_engine_init(struct mcte_engine *eng);
void mcte_transports_engine_exit(struct mcte_engine *eng);
u64 mcte_features(void);
const struct mcte_transport *mcte_transport_of(const struct mcte_seg *seg);
int mcte_transport_open_remote(struct mcte_engine *eng, const char *name,
			       size_t peer_len, u32 access,
			       struct mcte_seg **segp, u32 *nr_bufs);
void mcte_transports_seg_unregistered(struct mcte_seg *seg);
void mcte_transports_gauges(struct mcte_engine *eng, struct mcte_gauges *g);
void mcte_transports_topo_changed(struct mcte_engine *eng);
void mcte_transports_submit(struct list_head *xfers);
void mcte_transports_sweep(struct mcte_engine *eng);

#endif /* _MCTE_TRANSPORT_H */
