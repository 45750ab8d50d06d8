// SPDX-License-Identifier: GPL-2.0
/*
 * mcte - remote segments: a peer's segment opened here (opener side).
 *
 * A remote segment is the remote kind of segment (struct mcte_rseg, an
 * mcte_seg first in it): no memory of this node, this transport moving
 * its bytes, and it holds the peer, the owner's id of the segment and one
 * keyset per path: each path asks SEG_OPEN for itself,
 * the owner makes an open of its own for it with the access the local
 * open asked for, and its keys are used on that path alone
 * (Documentation/wire.rst, "Handshake" 3 and 4). A path that closes loses
 * its keyset, since the owner voids those keys as it sees the path close;
 * when a path comes up, a work item asks again.
 *
 * Closing the segment here sends SEG_CLOSE for every open it still holds,
 * from a work item that then frees it, so that the owner's keys stop
 * working with the open rather than with the path.
 *
 * A keyset is added only while its path is still the connection the
 * reply came on (&mcte_path.gen) and has not failed: a teardown, which
 * drops the keysets, either runs after and finds it, or ran before and
 * the keyset is never added.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cred.h>
#include <linux/delay.h>
#include <linux/in.h>
#include <linux/inet.h>
#include <linux/kernel.h>
#include <net/ipv6.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uidgid.h>

#include "rdma_priv.h"

static const struct mcte_seg_ops mcte_rseg_ops;
static void mcte_rseg_close_open(struct mcte_path *p, u64 open_id);

/* What an owner may say to a SEG_OPEN; anything else is a broken peer. */
static int mcte_rseg_status(u32 status)
{
	switch (status) {
	case ENOENT:
	case EACCES:
	case EINVAL:
	case E2BIG:
	case EMFILE:
	case EBUSY:
	case EKEYREJECTED:
		return -(int)status;
	default:
		return -EPROTO;
	}
}

/*
 * Check @nr keys that should start at offset @at of a segment of @size:
 * each starts where the one before ends, none is empty, none reaches
 * past @size. Return: the offset after the last, or 0 when they fail.
 */
static u64 mcte_rseg_check_keys(const struct mcte_wire_key *keys, u32 nr,
				u64 at, u64 size)
{
	u32 i, len;

	for (i = 0; i < nr; i++) {
		len = be32_to_cpu(keys[i].len);
		if (be64_to_cpu(keys[i].off) != at || !len || len > size - at)
			return 0;
		at += len;
	}
	return at;
}

/*
 * Check a reply: its status, the first page of keys in order from 0 within
 * [0, size), and their total: all of them when they fit one message,
 * otherwise a full page first and no more than MCTE_OPEN_KEYS_MAX in all
 * (-E2BIG).
 */
static int mcte_rseg_check_reply(const struct mcte_wire_seg_open_reply *in,
				 int len, u32 want)
{
	u32 nr, total;
	u64 size, at;

	if (len < (int)sizeof(in->hdr))
		return -EPROTO;
	if (in->hdr.status)
		return len == sizeof(in->hdr) ?
		       mcte_rseg_status(be32_to_cpu(in->hdr.status)) : -EPROTO;
	if (len < (int)sizeof(*in))
		return -EPROTO;
	size = be64_to_cpu(in->size);
	nr = be32_to_cpu(in->nr_keys);
	total = be32_to_cpu(in->total_keys);
	if (!nr || nr > MCTE_WIRE_KEYS_PAGE || nr > total ||
	    (nr < total && nr != MCTE_WIRE_KEYS_PAGE) ||
	    len != struct_size(in, keys, nr) ||
	    be32_to_cpu(in->access) != want || !size)
		return -EPROTO;
	at = mcte_rseg_check_keys(in->keys, nr, 0, size);
	if (!at || (nr == total && at != size) || (nr < total && at == size))
		return -EPROTO;
	return total > MCTE_OPEN_KEYS_MAX ? -E2BIG : 0;
}

static void mcte_keyset_free(struct mcte_keyset *ks)
{
	mcte_path_put(ks->path);
	kvfree(ks);
}

/*
 * Check a SEG_KEYS_REPLY to a request for keys @first on of open @open_id,
 * of @total keys, that should start at offset *@at of a segment of @size.
 * Return: how many keys it brings, the offset after them in *@at; or
 * -errno.
 */
static int mcte_rseg_check_page(const struct mcte_wire_seg_keys_reply *in,
				int len, u64 open_id, u32 first, u32 total,
				u64 *at, u64 size)
{
	u32 nr, status;

	if (len < (int)sizeof(in->hdr))
		return -EPROTO;
	status = be32_to_cpu(in->hdr.status);
	if (status) {
		if (len != sizeof(in->hdr))
			return -EPROTO;
		/* The open went (its path or segment): as an open's ENOENT. */
		if (status == ENOENT || status == EBUSY)
			return -(int)status;
		return -EPROTO;
	}
	if (len < (int)sizeof(*in))
		return -EPROTO;
	nr = be32_to_cpu(in->nr_keys);
	/* Each page brings at least one key: the fetch ends. */
	if (be64_to_cpu(in->open_id) != open_id ||
	    be32_to_cpu(in->first) != first || !nr ||
	    nr > MCTE_WIRE_KEYS_PAGE || nr > total - first ||
	    len != struct_size(in, keys, nr))
		return -EPROTO;
	*at = mcte_rseg_check_keys(in->keys, nr, *at, size);
	if (!*at || (first + nr == total && *at != size) ||
	    (first + nr < total && *at == size))
		return -EPROTO;
	return nr;
}

/*
 * The keys of the open @in answered, through @p: the first page from
 * @in, the others asked for page by page with SEG_KEYS into @buf
 * (MCTE_WIRE_MSG_MAX bytes). An owner busy with other requests is asked
 * again, a little later each time, as mcte_rseg_ask() does; at most
 * total_keys requests succeed, each within an rpc timeout.
 * Return: the keyset, or an ERR_PTR(): -ENOMEM, -ENOENT (the open went),
 * -EPROTO (keys that do not cover the segment), -ETIMEDOUT, -ENOTCONN.
 */
static struct mcte_keyset *mcte_keyset_make(struct mcte_path *p,
					    const struct mcte_wire_seg_open_reply *in,
					    void *buf)
{
	u32 have = be32_to_cpu(in->nr_keys);
	u32 total = be32_to_cpu(in->total_keys);
	u64 size = be64_to_cpu(in->size), at;
	struct mcte_wire_seg_keys_reply *page = buf;
	struct mcte_wire_seg_keys out = {};
	struct mcte_keyset *ks;
	int len, ret, tries = 0;

	ks = kvzalloc(struct_size(ks, keys, total), GFP_KERNEL);
	if (!ks)
		return ERR_PTR(-ENOMEM);
	ks->nr = total;
	kref_get(&p->ref);
	ks->path = p;
	ks->open_id = be64_to_cpu(in->open_id);
	memcpy(ks->keys, in->keys, have * sizeof(ks->keys[0]));
	at = mcte_rseg_check_keys(in->keys, have, 0, size);

	while (have < total) {
		mcte_wire_init_hdr(&out.hdr, MCTE_WIRE_SEG_KEYS, sizeof(out), 0);
		out.open_id = cpu_to_be64(ks->open_id);
		out.first = cpu_to_be32(have);
		len = mcte_path_rpc(p, &out, sizeof(out), page,
				    MCTE_WIRE_MSG_MAX);
		ret = len < 0 ? len : mcte_rseg_check_page(page, len,
							   ks->open_id, have,
							   total, &at, size);
		if (ret == -EBUSY && tries < 8) {
			msleep(5 << tries++);
			continue;
		}
		if (ret < 0) {
			mcte_keyset_free(ks);
			return ERR_PTR(ret);
		}
		tries = 0;
		memcpy(ks->keys + have, page->keys, ret * sizeof(ks->keys[0]));
		have += ret;
		mcte_stat_add(p->r->eng, MCTE_STAT_KEY_PAGES, 1);
		cond_resched();
	}
	return ks;
}

/* Under rs->lock: the keyset of @p, if any. */
static struct mcte_keyset *mcte_keyset_find(struct mcte_rseg *rs,
					    const struct mcte_path *p)
{
	struct mcte_keyset *ks;

	lockdep_assert_held(&rs->lock);
	list_for_each_entry(ks, &rs->keysets, node)
		if (ks->path == p)
			return ks;
	return NULL;
}

/*
 * Ask @p for an open of @name with @access for @uid; the reply into @in
 * (MCTE_WIRE_MSG_MAX bytes), the connection it came on into @gen. An
 * owner busy with other requests is asked again, a little later each
 * time, within about one rpc timeout.
 */
static int mcte_rseg_ask(struct mcte_path *p, const char *name, u32 access,
			 kuid_t uid, struct mcte_wire_seg_open_reply *in,
			 u32 *gen)
{
	struct mcte_wire_seg_open out = {};
	int len, ret, tries;

	for (tries = 0;; tries++) {
		mcte_wire_init_hdr(&out.hdr, MCTE_WIRE_SEG_OPEN, sizeof(out), 0);
		strscpy(out.name, name, sizeof(out.name));
		out.access = cpu_to_be32(access);
		out.uid = cpu_to_be32(from_kuid_munged(&init_user_ns, uid));
		*gen = READ_ONCE(p->gen);
		len = mcte_path_rpc_wait(p, &out, sizeof(out), in,
					 MCTE_WIRE_MSG_MAX,
					 MCTE_OPEN_TIMEOUT_MS);
		if (len < 0)
			return len;
		ret = mcte_rseg_check_reply(in, len, access);
		if (ret != -EBUSY || tries == 8)
			return ret;
		msleep(5 << tries);
	}
}

/*
 * List @ks unless its path failed or reconnected since the reply came
 * (then the owner voided the keys). Return: whether it was listed.
 */
static bool mcte_rseg_add_keys(struct mcte_rseg *rs, struct mcte_keyset *ks,
			       u32 gen)
{
	struct mcte_peer *peer = rs->peer;
	struct mcte_path *p = ks->path;
	bool ok;

	spin_lock(&peer->lock);
	spin_lock(&p->lock);
	ok = !p->err && p->gen == gen;
	spin_unlock(&p->lock);
	if (ok) {
		spin_lock(&rs->lock);
		ok = !mcte_keyset_find(rs, p);
		if (ok)
			list_add_tail(&ks->node, &rs->keysets);
		spin_unlock(&rs->lock);
	}
	spin_unlock(&peer->lock);
	return ok;
}

/* Whether @rs has keys for @p. */
static bool mcte_rseg_has_keys(struct mcte_rseg *rs, struct mcte_path *p)
{
	bool have;

	spin_lock(&rs->lock);
	have = mcte_keyset_find(rs, p);
	spin_unlock(&rs->lock);
	return have;
}

/**
 * mcte_rseg_usable_on() - whether a remote segment's keys work on a path
 * @rs: the remote segment
 * @p: an up path of its peer
 *
 * Keys are good only on the path that got them, from the engine that
 * gave them: a path that reached the peer's engine after it restarted
 * cannot carry the old segment.
 *
 * Return: true when @rs has keys for @p from @p's engine.
 */
bool mcte_rseg_usable_on(struct mcte_rseg *rs, struct mcte_path *p)
{
	return READ_ONCE(p->peer_id) == rs->engine_id &&
	       mcte_rseg_has_keys(rs, p);
}

static void mcte_rseg_fetch_work(struct work_struct *work)
{
	struct mcte_rseg *rs = container_of(work, struct mcte_rseg,
					    fetch_work);
	struct mcte_peer *peer = rs->peer;
	struct mcte_wire_seg_open_reply *in;
	bool got = false, dead = false;
	struct mcte_keyset *ks;
	struct mcte_path *p;
	void *page;
	u32 gen;
	int ret;

	in = kmalloc(MCTE_WIRE_MSG_MAX, GFP_KERNEL);
	page = kmalloc(MCTE_WIRE_MSG_MAX, GFP_KERNEL);
	while (in && page && !mcte_seg_dead(&rs->seg)) {
		struct mcte_path *want = NULL;

		spin_lock(&peer->lock);
		list_for_each_entry(p, &peer->paths, pnode) {
			if (READ_ONCE(p->state) != MCTE_PATH_UP ||
			    READ_ONCE(p->err) || mcte_rseg_has_keys(rs, p))
				continue;
			kref_get(&p->ref);
			want = p;
			break;
		}
		spin_unlock(&peer->lock);
		if (!want)
			break;
		ret = -ENOENT;
		if (READ_ONCE(want->peer_id) == rs->engine_id)
			ret = mcte_rseg_ask(want, rs->name, rs->access, rs->uid,
					    in, &gen);
		if (!ret && (be64_to_cpu(in->seg_id) != rs->seg_id ||
			     be64_to_cpu(in->size) != rs->seg.size))
			ret = -ENOENT;
		if (ret == -ENOENT || ret == -EACCES) {
			/* Gone, or another segment of the same name now. */
			dead = !READ_ONCE(want->err);
			if (dead)
				WRITE_ONCE(rs->seg.dead, true);
		}
		if (ret == -E2BIG && !in->hdr.status)
			mcte_rseg_close_open(want, be64_to_cpu(in->open_id));
		if (ret) {
			mcte_path_put(want);
			break;
		}
		ks = mcte_keyset_make(want, in, page);
		if (IS_ERR(ks)) {
			/* The owner made the open: void it. */
			mcte_rseg_close_open(want, be64_to_cpu(in->open_id));
			mcte_path_put(want);
			break;
		}
		if (mcte_rseg_add_keys(rs, ks, gen))
			got = true;
		else
			mcte_keyset_free(ks);
		mcte_path_put(want);
	}
	kfree(page);
	kfree(in);
	/* Slices waiting for a path with keys may go now, or fail. */
	if (dead)
		mcte_xfer_sweep(peer->r->eng);
	else if (got)
		mcte_peer_path_down(peer);
	mcte_seg_put(&rs->seg);
}

/**
 * mcte_rseg_path_up() - a path of a peer came up: fetch keys for it
 * @peer: the peer
 */
void mcte_rseg_path_up(struct mcte_peer *peer)
{
	struct mcte_rseg *rs;

	spin_lock(&peer->lock);
	list_for_each_entry(rs, &peer->rsegs, pnode) {
		/* One being released waits for peer->lock: skip it. */
		if (!kref_get_unless_zero(&rs->seg.ref))
			continue;
		/* Queued already: that work holds one, this is not the last. */
		if (!queue_work(mcte_rdma_wq, &rs->fetch_work))
			refcount_dec(&rs->seg.ref.refcount);
	}
	spin_unlock(&peer->lock);
}

/**
 * mcte_rseg_path_down() - a path of a peer closes: its keys are void
 * @peer: the peer
 * @p: the path, failed (its error set), referenced by the caller
 */
void mcte_rseg_path_down(struct mcte_peer *peer, struct mcte_path *p)
{
	struct mcte_keyset *ks;
	struct mcte_rseg *rs;
	LIST_HEAD(gone);

	spin_lock(&peer->lock);
	list_for_each_entry(rs, &peer->rsegs, pnode) {
		spin_lock(&rs->lock);
		ks = mcte_keyset_find(rs, p);
		if (ks)
			list_move_tail(&ks->node, &gone);
		spin_unlock(&rs->lock);
	}
	spin_unlock(&peer->lock);

	while ((ks = list_first_entry_or_null(&gone, struct mcte_keyset,
					      node))) {
		list_del(&ks->node);
		mcte_keyset_free(ks);
	}
}

/**
 * mcte_rseg_gone() - a peer says one of its segments went
 * @peer: the peer
 * @seg_id: its id of the segment
 */
void mcte_rseg_gone(struct mcte_peer *peer, u64 seg_id)
{
	struct mcte_rseg *rs;
	bool hit = false;

	spin_lock(&peer->lock);
	list_for_each_entry(rs, &peer->rsegs, pnode) {
		if (rs->seg_id == seg_id) {
			WRITE_ONCE(rs->seg.dead, true);
			hit = true;
		}
	}
	spin_unlock(&peer->lock);
	if (hit)
		mcte_xfer_sweep(peer->r->eng);
}

/**
 * mcte_rseg_engine_gone() - a path of a peer reached engine @id
 * @peer: the peer
 * @id: the engine id the path's hello gave
 *
 * Segments opened of another engine at the peer's addresses (the one
 * there before it restarted) are dead: their keys and ids would name
 * whatever the new engine registered since.
 *
 * Return: true when there were such segments.
 */
bool mcte_rseg_engine_gone(struct mcte_peer *peer, u64 id)
{
	struct mcte_rseg *rs;
	bool hit = false;

	spin_lock(&peer->lock);
	list_for_each_entry(rs, &peer->rsegs, pnode) {
		if (rs->engine_id != id && !mcte_seg_dead(&rs->seg)) {
			WRITE_ONCE(rs->seg.dead, true);
			hit = true;
		}
	}
	spin_unlock(&peer->lock);
	if (hit)
		mcte_xfer_sweep(peer->r->eng);
	return hit;
}

/**
 * mcte_rseg_key() - the key of the piece of a remote segment at an offset
 * @rs: the remote segment
 * @p: the path the key is to be used on
 * @off: offset in the segment
 * @key: out: the piece, in its fields' wire order
 *
 * Return: false when there are no keys for @p.
 */
bool mcte_rseg_key(struct mcte_rseg *rs, struct mcte_path *p, u64 off,
		   struct mcte_wire_key *key)
{
	struct mcte_keyset *ks;
	u32 lo, hi;
	bool found;

	spin_lock(&rs->lock);
	ks = mcte_keyset_find(rs, p);
	found = ks && ks->nr;
	if (found) {
		lo = 0;
		hi = ks->nr - 1;
		while (lo < hi) {
			u32 mid = lo + (hi - lo + 1) / 2;

			if (be64_to_cpu(ks->keys[mid].off) <= off)
				lo = mid;
			else
				hi = mid - 1;
		}
		*key = ks->keys[lo];
	}
	spin_unlock(&rs->lock);
	return found;
}

/*
 * Void open @open_id on the owner; a path that closed took it already,
 * and one that has not heard from the peer for two pings soon will: a
 * message sent into a dead link only lingers in it.
 */
static void mcte_rseg_close_open(struct mcte_path *p, u64 open_id)
{
	unsigned long quiet = READ_ONCE(p->last_heard) +
			      msecs_to_jiffies(2 * MCTE_PING_MS);
	struct mcte_wire_seg_close out;
	struct mcte_wire_hdr in;

	if (READ_ONCE(p->state) != MCTE_PATH_UP || READ_ONCE(p->err) ||
	    time_after(jiffies, quiet))
		return;
	mcte_wire_init_hdr(&out.hdr, MCTE_WIRE_SEG_CLOSE, sizeof(out), 0);
	out.open_id = cpu_to_be64(open_id);
	mcte_path_rpc(p, &out, sizeof(out), &in, sizeof(in));
}

/* SEG_CLOSE for each open still held, then the remote segment goes. */
static void mcte_rseg_close_work(struct work_struct *work)
{
	struct mcte_rseg *rs = container_of(work, struct mcte_rseg,
					    close_work);
	struct mcte_keyset *ks, *tmp;

	list_for_each_entry_safe(ks, tmp, &rs->keysets, node) {
		list_del(&ks->node);
		mcte_rseg_close_open(ks->path, ks->open_id);
		mcte_keyset_free(ks);
	}
	mcte_peer_put(rs->peer);
	mcte_seg_free(&rs->seg);
}

/**
 * mcte_rseg_parse_peer() - the peer address of a remote segment name
 * @peer: "host[:port]": an IPv4 address or a bracketed IPv6 address, then
 *	  maybe a port (default MCTE_RDMA_PORT)
 * @len: bytes of @peer, up to the name's last '/'
 * @ss: out: the address and port
 *
 * Names are resolved in user space (libmcte); the kernel takes addresses
 * only.
 *
 * Return: 0, or -EINVAL for anything else.
 */
int mcte_rseg_parse_peer(const char *peer, size_t len,
			 struct sockaddr_storage *ss)
{
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;
	struct sockaddr_in *s4 = (struct sockaddr_in *)ss;
	const char *end, *host = peer, *slash = peer + len;
	char port[8];
	u16 nport = MCTE_RDMA_PORT;
	size_t n;

	memset(ss, 0, sizeof(*ss));
	if (*host == '[') {
		host++;
		if (!in6_pton(host, slash - host, (u8 *)&s6->sin6_addr, ']',
			      &end) || *end != ']')
			return -EINVAL;
		end++;
		s6->sin6_family = AF_INET6;
	} else {
		if (!in4_pton(host, slash - host, (u8 *)&s4->sin_addr, -1,
			      &end))
			return -EINVAL;
		s4->sin_family = AF_INET;
	}
	if (end != slash) {
		if (*end != ':')
			return -EINVAL;
		n = slash - end - 1;
		if (!n || n >= sizeof(port))
			return -EINVAL;
		memcpy(port, end + 1, n);
		port[n] = 0;
		if (kstrtou16(port, 10, &nport) || !nport)
			return -EINVAL;
	}
	if (ss->ss_family == AF_INET)
		s4->sin_port = htons(nport);
	else
		s6->sin6_port = htons(nport);
	return 0;
}

/*
 * Whether a name's address is one of this node's: then it reaches this
 * engine, which must listen there (a connect would go nowhere else), and
 * the open is judged as a local one by the owner's side.
 */
static int mcte_rseg_check_local(struct mcte_engine *eng,
				 const struct sockaddr_storage *ss)
{
	const struct sockaddr_in6 *s6 = (const void *)ss;
	const struct sockaddr_in *s4 = (const void *)ss;

	/* The unspecified address names no host to dial. */
	if ((ss->ss_family == AF_INET && ipv4_is_zeronet(s4->sin_addr.s_addr)) ||
	    (ss->ss_family == AF_INET6 && ipv6_addr_any(&s6->sin6_addr)))
		return -EINVAL;
	if (!mcte_addr_is_local(eng->net, ss))
		return 0;
	return mcte_listen_covers(mcte_rdma_of(eng), ss) ? 0 : -ECONNREFUSED;
}

/**
 * mcte_rseg_open() - open a segment of a peer engine
 * @eng: this engine
 * @ss: the peer's address and port
 * @name: the segment's name there
 * @access: access wanted, MCTE_ACCESS_READ or MCTE_ACCESS_RW
 * @segp: out: the segment standing for it here
 * @nr_bufs: out: its buffers on the peer
 *
 * Return: 0 or -errno: -ENOENT (no such segment), -EACCES (refused by the
 * owner's rules), -ECONNREFUSED (no listener there, for an address of
 * this node; or the peer refused the connection), -EHOSTUNREACH,
 * -ENETDOWN, -ETIMEDOUT (no path), -EKEYREJECTED (authentication
 * failed), -EPROTONOSUPPORT (no common wire version), -EUSERS (this
 * user's limits on peers), -E2BIG (more than MCTE_OPEN_KEYS_MAX keys),
 * -EMFILE (the path holds too many opens), -EPROTO (a malformed reply).
 */
int mcte_rseg_open(struct mcte_engine *eng, const struct sockaddr_storage *ss,
		   const char *name, u32 access, struct mcte_seg **segp,
		   u32 *nr_bufs)
{
	struct mcte_wire_seg_open_reply *in;
	struct mcte_peer *peer;
	struct mcte_keyset *ks;
	struct mcte_rseg *rs;
	struct mcte_seg *seg;
	struct mcte_path *p;
	kuid_t uid = current_euid();
	void *page;
	bool first;
	u32 gen;
	int ret;

	if (access != MCTE_ACCESS_READ && access != MCTE_ACCESS_RW)
		return -EINVAL;
	ret = mcte_rseg_check_local(eng, ss);
	if (ret)
		return ret;
	in = kmalloc(MCTE_WIRE_MSG_MAX, GFP_KERNEL);
	if (!in)
		return -ENOMEM;
	peer = mcte_peer_find_or_create(mcte_rdma_of(eng), ss);
	if (IS_ERR(peer)) {
		ret = PTR_ERR(peer);
		goto out_free_in;
	}
	p = mcte_peer_wait_path(peer);
	if (IS_ERR(p)) {
		ret = PTR_ERR(p);
		goto out_put_peer;
	}
	ret = mcte_rseg_ask(p, name, access, uid, in, &gen);
	if (ret == -E2BIG && !in->hdr.status)
		goto out_close;	/* made, but more keys than we hold */
	if (ret)
		goto out_put_path;

	page = kmalloc(MCTE_WIRE_MSG_MAX, GFP_KERNEL);
	ks = page ? mcte_keyset_make(p, in, page) : ERR_PTR(-ENOMEM);
	kfree(page);
	if (IS_ERR(ks)) {
		ret = PTR_ERR(ks);
		goto out_close;
	}
	ret = -ENOMEM;
	rs = mcte_seg_new(struct mcte_rseg, 1, &mcte_rseg_ops);
	if (!rs)
		goto out_free_ks;

	seg = &rs->seg;
	seg->eng = eng;
	seg->access = access;
	seg->size = be64_to_cpu(in->size);
	strscpy(seg->name, name, sizeof(seg->name));
	seg->bufs[0].len = seg->size;

	rs->peer = peer;
	rs->seg_id = be64_to_cpu(in->seg_id);
	rs->engine_id = READ_ONCE(p->peer_id);
	strscpy(rs->name, name, sizeof(rs->name));
	rs->access = access;
	rs->uid = uid;
	rs->nr_bufs = be32_to_cpu(in->nr_bufs);
	spin_lock_init(&rs->lock);
	INIT_LIST_HEAD(&rs->keysets);
	INIT_WORK(&rs->fetch_work, mcte_rseg_fetch_work);
	INIT_WORK(&rs->close_work, mcte_rseg_close_work);

	spin_lock(&peer->lock);
	list_add_tail(&rs->pnode, &peer->rsegs);
	first = !peer->nr_rsegs++;
	spin_unlock(&peer->lock);
	/*
	 * The grow the handshake queued may have run between this open's
	 * wait for a path and here, found nobody needing the peer and
	 * dialed nothing: the first segment asks again.
	 */
	if (first)
		mcte_peer_grow(peer, 0);
	/* Closed meanwhile, the path took the open: another asks again. */
	if (!mcte_rseg_add_keys(rs, ks, gen))
		mcte_keyset_free(ks);
	/* Keys for the peer's other paths. */
	mcte_rseg_path_up(peer);

	*segp = seg;
	*nr_bufs = rs->nr_bufs;
	mcte_path_put(p);
	kfree(in);
	return 0;

out_free_ks:
	mcte_keyset_free(ks);
out_close:
	/* The owner made the open: void it rather than leave it to the path. */
	mcte_rseg_close_open(p, be64_to_cpu(in->open_id));
out_put_path:
	mcte_path_put(p);
out_put_peer:
	/* A peer nothing was opened of goes, at once if never reached. */
	if (!READ_ONCE(peer->nr_rsegs))
		mcte_rdma_peer_idle(peer);
	mcte_peer_put(peer);
out_free_in:
	kfree(in);
	return ret;
}

/*
 * The last reference to a remote segment went. No work item of it is
 * pending: each holds a reference. Its opens on the owner are closed, and
 * it is freed, by its close work.
 */
static void mcte_rseg_release(struct mcte_seg *seg)
{
	struct mcte_rseg *rs = mcte_rseg_of(seg);
	struct mcte_peer *peer = rs->peer;
	bool idle;

	spin_lock(&peer->lock);
	list_del(&rs->pnode);
	idle = !--peer->nr_rsegs;
	spin_unlock(&peer->lock);
	/* Before the work, which may drop the last reference to the peer. */
	if (idle)
		mcte_rdma_peer_idle(peer);
	queue_work(mcte_rdma_wq, &rs->close_work);
}

/* A peer's segment: no memory here, its bytes moved by RDMA. */
static const struct mcte_seg_ops mcte_rseg_ops = {
	.name		= "rdma-remote",
	.kind		= MCTE_SEG_HOST,
	.xport		= &mcte_xport_rdma,
	.release	= mcte_rseg_release,
};

/**
 * mcte_rseg_of() - the remote segment a segment of this transport is
 * @seg: a segment whose transport is RDMA (mcte_transport_of())
 *
 * Return: its struct mcte_rseg.
 */
struct mcte_rseg *mcte_rseg_of(const struct mcte_seg *seg)
{
	WARN_ON_ONCE(seg->ops != &mcte_rseg_ops);
	return container_of(seg, struct mcte_rseg, seg);
}
