// SPDX-License-Identifier: GPL-2.0
/*
 * mcte - keys of peer authentication, and the proofs made with them
 * (Documentation/wire.rst, "Handshake").
 *
 * Two keys: the self key, random, made with the engine and never leaving
 * the kernel, which a path between an engine and itself must prove (so
 * that nothing else of this node can pass for the engine, and the uid a
 * SEG_OPEN carries can be believed); and the cluster key, which an
 * administrator sets through netlink and nobody can read back, which
 * every other path must prove once it is set.
 *
 * Proofs are HMAC-SHA256 of a label, the two engine ids and the two
 * nonces of the path, through the kernel's crypto API. Handshakes are
 * rare (one per connection), so each proof allocates its own transform:
 * no transform is shared between paths, none outlives a key.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <crypto/algapi.h>
#include <crypto/hash.h>
#include <linux/random.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "rdma_priv.h"

/**
 * mcte_auth_engine_init() - give an engine its self key
 * @r: the engine's transport
 */
void mcte_auth_engine_init(struct mcte_rdma *r)
{
	spin_lock_init(&r->auth_lock);
	r->self_key.len = MCTE_AUTH_KEY_SELF_LEN;
	get_random_bytes(r->self_key.key, MCTE_AUTH_KEY_SELF_LEN);
	r->cluster_key = NULL;
}

/**
 * mcte_auth_engine_exit() - wipe an engine's keys
 * @r: the engine's transport, with no path left
 */
void mcte_auth_engine_exit(struct mcte_rdma *r)
{
	kfree_sensitive(r->cluster_key);
	r->cluster_key = NULL;
	memzero_explicit(&r->self_key, sizeof(r->self_key));
}

/**
 * mcte_auth_key_for() - the key a path to an engine must prove
 * @r: this engine's transport
 * @peer_id: the engine id of the path's other end
 * @k: out: a copy of the key, for the caller to memzero_explicit()
 *
 * Return: true when there is one: the self key for a path to this very
 * engine, else the cluster key if set.
 */
bool mcte_auth_key_for(struct mcte_rdma *r, u64 peer_id,
		       struct mcte_auth_key *k)
{
	bool have = true;

	spin_lock(&r->auth_lock);
	if (peer_id == r->eng->id)
		*k = r->self_key;
	else if (r->cluster_key)
		*k = *r->cluster_key;
	else
		have = false;
	spin_unlock(&r->auth_lock);
	return have;
}

/**
 * mcte_auth_required() - whether peers other than self must authenticate
 * @r: the engine's transport
 *
 * Return: true while a cluster key is set.
 */
bool mcte_auth_required(struct mcte_rdma *r)
{
	bool set;

	spin_lock(&r->auth_lock);
	set = r->cluster_key;
	spin_unlock(&r->auth_lock);
	return set;
}

/**
 * mcte_auth_engine_required() - whether an engine's peers must authenticate
 * @eng: the engine
 *
 * Return: true while its cluster key is set.
 */
bool mcte_auth_engine_required(struct mcte_engine *eng)
{
	return mcte_auth_required(mcte_rdma_of(eng));
}

/**
 * mcte_auth_mac() - a proof of a key for one path
 * @k: the key
 * @label: "mcte-v2-reply" or "mcte-v2-auth", without its NUL
 * @active_id: engine id of the path's active side
 * @passive_id: engine id of its passive side
 * @n1: first nonce (MCTE_WIRE_NONCE_LEN bytes)
 * @n2: second nonce
 * @mac: out: MCTE_WIRE_MAC_LEN bytes
 *
 * Process context.
 *
 * Return: 0, or -errno when the crypto API cannot compute it.
 */
int mcte_auth_mac(const struct mcte_auth_key *k, const char *label,
		  u64 active_id, u64 passive_id, const u8 *n1, const u8 *n2,
		  u8 *mac)
{
	__be64 ids[2] = { cpu_to_be64(active_id), cpu_to_be64(passive_id) };
	struct crypto_shash *tfm;
	int ret;

	tfm = crypto_alloc_shash("hmac(sha256)", 0, 0);
	if (IS_ERR(tfm))
		return PTR_ERR(tfm);
	ret = crypto_shash_setkey(tfm, k->key, k->len);
	if (!ret) {
		SHASH_DESC_ON_STACK(desc, tfm);

		desc->tfm = tfm;
		ret = crypto_shash_init(desc) ?:
		      crypto_shash_update(desc, label, strlen(label)) ?:
		      crypto_shash_update(desc, (const u8 *)ids, sizeof(ids)) ?:
		      crypto_shash_update(desc, n1, MCTE_WIRE_NONCE_LEN) ?:
		      crypto_shash_update(desc, n2, MCTE_WIRE_NONCE_LEN) ?:
		      crypto_shash_final(desc, mac);
		shash_desc_zero(desc);
	}
	crypto_free_shash(tfm);
	return ret;
}

/**
 * mcte_auth_check() - whether a proof received is the one expected
 * @k: the key
 * @label: as for mcte_auth_mac()
 * @active_id: as for mcte_auth_mac()
 * @passive_id: as for mcte_auth_mac()
 * @n1: as for mcte_auth_mac()
 * @n2: as for mcte_auth_mac()
 * @mac: the proof received
 *
 * Return: true when it matches, compared in constant time.
 */
bool mcte_auth_check(const struct mcte_auth_key *k, const char *label,
		     u64 active_id, u64 passive_id, const u8 *n1,
		     const u8 *n2, const u8 *mac)
{
	u8 want[MCTE_WIRE_MAC_LEN];
	bool ok;

	ok = !mcte_auth_mac(k, label, active_id, passive_id, n1, n2, want) &&
	     !crypto_memneq(want, mac, sizeof(want));
	memzero_explicit(want, sizeof(want));
	return ok;
}

/**
 * mcte_auth_set() - set, change or clear the cluster key of an engine
 * @eng: the engine
 * @key: the key, or NULL to clear it
 * @len: its length, MCTE_AUTH_KEY_MIN to MCTE_AUTH_KEY_MAX
 *
 * Every path but those between the engine and itself fails: each had
 * proven the old key or none, and reconnects (active) or is made again by
 * its peer (passive) under the new rule.
 *
 * Return: 0, -EINVAL or -ENOMEM.
 */
int mcte_auth_set(struct mcte_engine *eng, const u8 *key, u32 len)
{
	struct mcte_rdma *r = mcte_rdma_of(eng);
	struct mcte_auth_key *nk = NULL, *old;
	struct mcte_path *p;

	if (key) {
		if (len < MCTE_AUTH_KEY_MIN || len > MCTE_AUTH_KEY_MAX)
			return -EINVAL;
		nk = kzalloc(sizeof(*nk), GFP_KERNEL);
		if (!nk)
			return -ENOMEM;
		nk->len = len;
		memcpy(nk->key, key, len);
	}

	spin_lock(&r->auth_lock);
	old = r->cluster_key;
	r->cluster_key = nk;
	spin_unlock(&r->auth_lock);
	kfree_sensitive(old);

	mutex_lock(&r->lock);
	list_for_each_entry(p, &r->paths, node)
		if (!READ_ONCE(p->self))
			mcte_path_fail(p, -EKEYEXPIRED);
	mutex_unlock(&r->lock);
	return 0;
}
