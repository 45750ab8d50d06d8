// SPDX-License-Identifier: GPL-2.0
/*
 * mcte - the handshake of a path (Documentation/wire.rst, "Connection"
 * and "Handshake"): the version range in rdma_cm's private data, then
 * HELLO / HELLO_REPLY, then, when the two ends hold a key for each other,
 * AUTH / AUTH_REPLY.
 *
 * The active side runs it from its hello work once connected, and the
 * path is up when it ends. The passive side answers from the request
 * work items of rdma_msg.c, which hand it HELLO and AUTH only in their
 * turn (enum mcte_hs); it takes no other request until the handshake is
 * over, and fails a path whose handshake fails, counting it
 * (MCTE_STAT_AUTH_FAILED) when a key was missing or wrong.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/random.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <rdma/ib_cm.h>

#include "rdma_priv.h"

#define MCTE_AUTH_LABEL_REPLY	"mcte-v2-reply"
#define MCTE_AUTH_LABEL_AUTH	"mcte-v2-auth"

/**
 * mcte_wire_cm_make() - the private data of our connect request or accept
 * @r: the engine's transport
 * @priv: out
 */
void mcte_wire_cm_make(struct mcte_rdma *r, struct mcte_wire_cm *priv)
{
	memset(priv, 0, sizeof(*priv));
	priv->magic = cpu_to_be32(MCTE_WIRE_MAGIC);
	priv->max_version = MCTE_WIRE_VERSION_MAX;
	priv->min_version = MCTE_WIRE_VERSION_MIN;
	if (mcte_auth_required(r))
		priv->flags = MCTE_WIRE_CM_AUTH;
	priv->engine_id = cpu_to_be64(r->eng->id);
}

/**
 * mcte_wire_cm_check() - check the private data of a peer's request or accept
 * @data: the private data
 * @len: its length
 * @engine_id: out: the peer's engine id
 * @flags: out: its MCTE_WIRE_CM_* flags
 *
 * Return: 0; -EPROTO when it is not mcte's; -EPROTONOSUPPORT when the
 * peer speaks no version we do.
 */
int mcte_wire_cm_check(const void *data, u8 len, u64 *engine_id, u8 *flags)
{
	const struct mcte_wire_cm *pd = data;
	u8 lo, hi;

	if (!pd || len < sizeof(*pd) ||
	    be32_to_cpu(pd->magic) != MCTE_WIRE_MAGIC)
		return -EPROTO;
	hi = pd->max_version;
	lo = pd->min_version ?: hi;
	if (lo > hi || pd->resv || (pd->flags & ~MCTE_WIRE_CM_AUTH))
		return -EPROTO;
	if (hi < MCTE_WIRE_VERSION_MIN || lo > MCTE_WIRE_VERSION_MAX)
		return -EPROTONOSUPPORT;
	*engine_id = be64_to_cpu(pd->engine_id);
	*flags = pd->flags;
	return *engine_id ? 0 : -EPROTO;
}

/**
 * mcte_wire_cm_auth_ok() - whether a peer's connection agrees on the key
 * @r: this engine's transport
 * @peer_id: the engine id of its private data
 * @flags: the flags of its private data
 *
 * Between an engine and itself the self key is proven whatever the flag;
 * otherwise both ends hold a cluster key, or neither.
 *
 * Return: true when the connection may go on to its handshake.
 */
bool mcte_wire_cm_auth_ok(struct mcte_rdma *r, u64 peer_id, u8 flags)
{
	return peer_id == r->eng->id ||
	       !!(flags & MCTE_WIRE_CM_AUTH) == mcte_auth_required(r);
}

/**
 * mcte_wire_rej_make() - the private data of a listener's reject
 * @rej: out
 * @reason: enum mcte_wire_rej_reason
 */
void mcte_wire_rej_make(struct mcte_wire_rej *rej, u8 reason)
{
	memset(rej, 0, sizeof(*rej));
	rej->magic = cpu_to_be32(MCTE_WIRE_MAGIC);
	rej->max_version = MCTE_WIRE_VERSION_MAX;
	rej->min_version = MCTE_WIRE_VERSION_MIN;
	rej->reason = reason;
}

/**
 * mcte_wire_rej_errno() - what a REJECTED event of an active path means
 * @ev: the event
 *
 * Return: -EPROTONOSUPPORT (no common version), -EBUSY (the peer has no
 * room for us now), -EPROTO (it read our request as malformed),
 * -EKEYREJECTED (one of the two holds a cluster key, the other none), or
 * -ECONNREFUSED (nothing of mcte listens there, or the engine goes).
 */
int mcte_wire_rej_errno(const struct rdma_cm_event *ev)
{
	const struct mcte_wire_rej *rej = ev->param.conn.private_data;

	if (ev->status != IB_CM_REJ_CONSUMER_DEFINED || !rej ||
	    ev->param.conn.private_data_len < sizeof(*rej) ||
	    be32_to_cpu(rej->magic) != MCTE_WIRE_MAGIC)
		return -ECONNREFUSED;
	switch (rej->reason) {
	case MCTE_WIRE_REJ_VERSION:
		return -EPROTONOSUPPORT;
	case MCTE_WIRE_REJ_BUSY:
		return -EBUSY;
	case MCTE_WIRE_REJ_MALFORMED:
		return -EPROTO;
	case MCTE_WIRE_REJ_AUTH:
		return -EKEYREJECTED;
	default:
		return -ECONNREFUSED;
	}
}

/* What HELLO and HELLO_REPLY both carry. */
static void mcte_hello_fill(struct mcte_path *p, struct mcte_wire_hello *h,
			    u8 type, u64 tag, bool auth)
{
	mcte_wire_init_hdr(&h->hdr, type, sizeof(*h), tag);
	h->engine_id = cpu_to_be64(p->r->eng->id);
	strscpy(h->dev, p->local_dev, sizeof(h->dev));
	h->nr_addrs = cpu_to_be32(mcte_listen_addrs(p->r, h->addrs,
						    MCTE_WIRE_ADDRS_MAX));
	h->min_version = MCTE_WIRE_VERSION_MIN;
	h->max_version = MCTE_WIRE_VERSION_MAX;
	h->flags = auth ? MCTE_WIRE_HELLO_AUTH : 0;
	get_random_bytes(p->nonce, sizeof(p->nonce));
	memcpy(h->nonce, p->nonce, sizeof(h->nonce));
}

/* A hello from the other end that contradicts what rdma_cm said. */
static bool mcte_hello_sane(const struct mcte_path *p,
			    const struct mcte_wire_hello *h)
{
	return be64_to_cpu(h->engine_id) == p->peer_id &&
	       h->min_version <= MCTE_WIRE_VERSION &&
	       h->max_version >= MCTE_WIRE_VERSION &&
	       be32_to_cpu(h->nr_addrs) <= MCTE_WIRE_ADDRS_MAX;
}

static void mcte_hello_remote_dev(struct mcte_path *p,
				  const struct mcte_wire_hello *h)
{
	spin_lock(&p->lock);
	memcpy(p->remote_dev, h->dev, sizeof(p->remote_dev));
	p->remote_dev[sizeof(p->remote_dev) - 1] = 0;
	memcpy(p->peer_nonce, h->nonce, sizeof(p->peer_nonce));
	spin_unlock(&p->lock);
}

static void mcte_auth_failed(struct mcte_path *p, const char *why)
{
	mcte_stat_add(p->r->eng, MCTE_STAT_AUTH_FAILED, 1);
	pr_warn_ratelimited("path %u %s %pISpc: authentication failed: %s\n",
			    p->id, p->active ? "to" : "from", &p->remote, why);
	mcte_path_fail(p, -EKEYREJECTED);
}

/* ---- active side ----------------------------------------------------- */

/* HELLO, its reply checked; with @key, the replier's proof too. */
static int mcte_hello_ask(struct mcte_path *p, struct mcte_wire_hello *out,
			  struct mcte_wire_hello *in,
			  const struct mcte_auth_key *key)
{
	int len;

	mcte_hello_fill(p, out, MCTE_WIRE_HELLO, 0, key);
	len = mcte_path_rpc(p, out, sizeof(*out), in, sizeof(*in));
	if (len < 0)
		return len;
	if (in->hdr.status == cpu_to_be32(EKEYREJECTED)) {
		mcte_auth_failed(p, key ? "the peer has no key for us, or wants none" :
				 "the peer wants a key, this engine has none");
		return -EKEYREJECTED;
	}
	if (len != sizeof(*in) || in->hdr.status || !mcte_hello_sane(p, in))
		return -EPROTO;
	if (!!(in->flags & MCTE_WIRE_HELLO_AUTH) != !!key) {
		mcte_auth_failed(p, key ? "the peer does not authenticate" :
				 "the peer authenticates, this engine has no key");
		return -EKEYREJECTED;
	}
	mcte_hello_remote_dev(p, in);
	if (key && !mcte_auth_check(key, MCTE_AUTH_LABEL_REPLY, p->r->eng->id,
				    p->peer_id, p->nonce, in->nonce, in->mac)) {
		mcte_auth_failed(p, "the peer's proof is wrong: another key");
		return -EKEYREJECTED;
	}
	return 0;
}

/* AUTH: our proof, once the peer proved its key. */
static int mcte_hello_prove(struct mcte_path *p,
			    const struct mcte_auth_key *key)
{
	struct mcte_wire_auth out = {};
	struct mcte_wire_hdr in;
	int len, ret;

	mcte_wire_init_hdr(&out.hdr, MCTE_WIRE_AUTH, sizeof(out), 0);
	ret = mcte_auth_mac(key, MCTE_AUTH_LABEL_AUTH, p->r->eng->id,
			    p->peer_id, p->peer_nonce, p->nonce, out.mac);
	if (ret)
		return ret;
	len = mcte_path_rpc(p, &out, sizeof(out), &in, sizeof(in));
	memzero_explicit(out.mac, sizeof(out.mac));
	if (len < 0)
		return len;
	if (in.status) {
		mcte_auth_failed(p, "the peer refused our proof: another key");
		return -EKEYREJECTED;
	}
	return 0;
}

/**
 * mcte_hello_work() - the active side's handshake, once connected
 * @work: &mcte_path.hello_work
 */
void mcte_hello_work(struct work_struct *work)
{
	struct mcte_path *p = container_of(work, struct mcte_path, hello_work);
	struct mcte_wire_hello *out, *in;
	struct mcte_auth_key key;
	bool have_key;
	int ret;

	have_key = mcte_auth_key_for(p->r, p->peer_id, &key);
	out = kzalloc(sizeof(*out), GFP_KERNEL);
	in = kzalloc(sizeof(*in), GFP_KERNEL);
	ret = -ENOMEM;
	if (!out || !in)
		goto out_fail;
	ret = mcte_hello_ask(p, out, in, have_key ? &key : NULL);
	if (!ret && have_key)
		ret = mcte_hello_prove(p, &key);
	if (ret)
		goto out_fail;

	/*
	 * Before the path is up for slices: a restarted peer engine's
	 * segments are not those opened here, whatever their names.
	 */
	if (mcte_rseg_engine_gone(p->peer, p->peer_id))
		pr_info("peer %pISpc is a new engine (it restarted): its segments opened here are gone\n",
			&p->remote);
	if (mcte_path_up(p)) {
		mcte_peer_hello(p->peer, p->peer_id, in);
		mcte_path_notify(p, MCTE_CMD_PATH_UP_NTF);
		mcte_peer_path_up(p->peer, p);
		mcte_path_arm(p, MCTE_PING_MS);
	}
	goto out_free;

out_fail:
	mcte_path_fail(p, ret);
out_free:
	memzero_explicit(&key, sizeof(key));
	kfree(in);
	kfree(out);
	mcte_path_put(p);
}

/* ---- passive side ---------------------------------------------------- */

/* A refusal the peer can read, then the path goes. */
static void mcte_hello_refuse(struct mcte_path *p, u8 type, u64 tag,
			      const char *why)
{
	struct mcte_wire_hdr no;

	mcte_wire_init_hdr(&no, type, sizeof(no), tag);
	no.status = cpu_to_be32(EKEYREJECTED);
	mcte_path_send_sync(p, &no, sizeof(no));
	mcte_auth_failed(p, why);
}

/**
 * mcte_hello_in() - answer a peer's HELLO
 * @p: the passive path it came on
 * @msg: the HELLO, its length and fields checked by mcte_rx_done()
 * @len: its length
 *
 * Work item context.
 */
void mcte_hello_in(struct mcte_path *p, const void *msg, u32 len)
{
	const struct mcte_wire_hello *in = msg;
	u64 tag = be64_to_cpu(in->hdr.tag);
	struct mcte_wire_hello *out;
	struct mcte_auth_key key;
	bool have_key, wants;
	int ret;

	if (!mcte_hello_sane(p, in)) {
		mcte_wire_refused(p, "hello contradicts the connection's private data");
		mcte_path_fail(p, -EPROTO);
		return;
	}
	have_key = mcte_auth_key_for(p->r, p->peer_id, &key);
	wants = in->flags & MCTE_WIRE_HELLO_AUTH;
	if (wants != have_key) {
		mcte_hello_refuse(p, MCTE_WIRE_HELLO_REPLY, tag,
				  have_key ? "the peer does not authenticate" :
				  "the peer authenticates, this engine has no key for it");
		goto out_wipe;
	}
	out = kzalloc(sizeof(*out), GFP_KERNEL);
	if (!out) {
		mcte_path_fail(p, -ENOMEM);
		goto out_wipe;
	}
	mcte_hello_remote_dev(p, in);
	mcte_hello_fill(p, out, MCTE_WIRE_HELLO_REPLY, tag, have_key);
	ret = 0;
	if (have_key)
		ret = mcte_auth_mac(&key, MCTE_AUTH_LABEL_REPLY, p->peer_id,
				    p->r->eng->id, p->peer_nonce, p->nonce,
				    out->mac);
	if (ret) {
		mcte_path_fail(p, ret);
	} else {
		/* In its new step before the peer can answer. */
		spin_lock(&p->lock);
		mcte_path_set_hs(p, MCTE_HS_HELLO_IN,
				 have_key ? MCTE_HS_AUTH_WAIT : MCTE_HS_DONE);
		spin_unlock(&p->lock);
		mcte_path_send(p, out, sizeof(*out));
	}
	kfree_sensitive(out);
out_wipe:
	memzero_explicit(&key, sizeof(key));
}

/**
 * mcte_auth_in() - check a peer's AUTH
 * @p: the passive path it came on, in MCTE_HS_AUTH_IN
 * @msg: the AUTH, its length checked by mcte_rx_done()
 * @len: its length
 *
 * Work item context.
 */
void mcte_auth_in(struct mcte_path *p, const void *msg, u32 len)
{
	const struct mcte_wire_auth *in = msg;
	u64 tag = be64_to_cpu(in->hdr.tag);
	struct mcte_wire_hdr yes;
	struct mcte_auth_key key;

	/* The key may have been cleared since the hello: refused then. */
	if (!mcte_auth_key_for(p->r, p->peer_id, &key) ||
	    !mcte_auth_check(&key, MCTE_AUTH_LABEL_AUTH, p->peer_id,
			     p->r->eng->id, p->nonce, p->peer_nonce, in->mac)) {
		mcte_hello_refuse(p, MCTE_WIRE_AUTH_REPLY, tag,
				  "the peer's proof is wrong: another key");
		goto out_wipe;
	}
	spin_lock(&p->lock);
	p->authed = true;
	mcte_path_set_hs(p, MCTE_HS_AUTH_IN, MCTE_HS_DONE);
	spin_unlock(&p->lock);
	mcte_wire_init_hdr(&yes, MCTE_WIRE_AUTH_REPLY, sizeof(yes), tag);
	mcte_path_send(p, &yes, sizeof(yes));
out_wipe:
	memzero_explicit(&key, sizeof(key));
}
