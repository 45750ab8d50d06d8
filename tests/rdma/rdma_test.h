/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers of the rdma suite's programs (remote_xfer, remote_load, rseg):
 * segments made of several guarded buffers, seeded patterns both ends of
 * a link can compute, the peer's address, and which errors count as a
 * clean failure of a remote transfer.
 *
 * The peer comes from MCTE_RDMA_PEER ("host[:port]", default 10.77.0.2,
 * the B end of tests/lib/rxe.sh's pair in one guest); the same programs
 * serve the two-guest test with the other guest's address there.
 */
#ifndef MCTE_RDMA_TEST_H
#define MCTE_RDMA_TEST_H

#include "libmcte.h"
#include "mcte_xfer.h"

#define RT_PEER_DEFAULT		"10.77.0.2"
#define RT_MAX_BUFS		8

/*
 * Layouts of the segments remote_xfer works on, shared with rseg so that
 * a segment owned by the other guest looks the same: buffers of odd
 * lengths, so that requests cross buffer boundaries at odd offsets.
 */
static const size_t rt_rw_lens[] = {
	5 * MX_MiB + 1, 4097, 3 * MX_MiB, 8 * MX_MiB + 333,
};
static const size_t rt_ro_lens[] = { 4 * MX_MiB + 3 };

#define RT_RW_SEED	0x5157a11eULL	/* "rw" as registered */
#define RT_RO_SEED	0x40beefULL	/* "ro" as registered */
#define RT_FINAL_SEED	0xf17a1ULL	/* "rw" as the pair client leaves it */

/* A segment's memory: buffers with guard pages, odd ones at odd addresses. */
struct rt_seg {
	unsigned int nr;
	unsigned char *p[RT_MAX_BUFS];
	size_t len[RT_MAX_BUFS];
	size_t size;
};

static inline void rt_seg_free(struct rt_seg *s)
{
	unsigned int i;

	for (i = 0; i < s->nr; i++)
		if (s->p[i])
			mx_free(s->p[i] - (i & 1), s->len[i] + 1);
	memset(s, 0, sizeof(*s));
}

static inline int rt_seg_alloc(struct rt_seg *s, const size_t *lens,
			       unsigned int nr)
{
	unsigned int i;

	memset(s, 0, sizeof(*s));
	if (!nr || nr > RT_MAX_BUFS)
		return -EINVAL;
	for (i = 0; i < nr; i++) {
		unsigned char *p = mx_alloc(lens[i] + 1);

		if (!p) {
			rt_seg_free(s);
			return -ENOMEM;
		}
		s->p[i] = p + (i & 1);
		s->len[i] = lens[i];
		s->size += lens[i];
		s->nr = i + 1;
	}
	return 0;
}

static inline void rt_seg_bufs(const struct rt_seg *s, struct mcte_seg_buf *b)
{
	unsigned int i;

	for (i = 0; i < s->nr; i++)
		b[i] = mx_buf(s->p[i], s->len[i]);
}

/* Copy [off, off + len) of the segment out (gather) or in (scatter). */
static inline void rt_seg_copy(const struct rt_seg *s, size_t off, size_t len,
			       void *mem, bool out)
{
	unsigned char *m = mem;
	unsigned int i;

	for (i = 0; i < s->nr && len; i++) {
		size_t n;

		if (off >= s->len[i]) {
			off -= s->len[i];
			continue;
		}
		n = s->len[i] - off < len ? s->len[i] - off : len;
		if (out)
			memcpy(m, s->p[i] + off, n);
		else
			memcpy(s->p[i] + off, m, n);
		m += n;
		len -= n;
		off = 0;
	}
}

static inline void rt_seg_gather(const struct rt_seg *s, size_t off,
				 size_t len, void *dst)
{
	rt_seg_copy(s, off, len, dst, true);
}

static inline void rt_seg_scatter(const struct rt_seg *s, size_t off,
				  size_t len, const void *src)
{
	rt_seg_copy(s, off, len, (void *)src, false);
}

/* The bytes of a seeded pattern: the same on both ends of a link. */
static inline void rt_pattern(void *buf, size_t len, uint64_t seed)
{
	struct mx_rng r = { seed };

	mx_fill_rand(buf, len, &r);
}

static inline int rt_seg_fill(const struct rt_seg *s, uint64_t seed)
{
	unsigned char *tmp = malloc(s->size);

	if (!tmp)
		return -ENOMEM;
	rt_pattern(tmp, s->size, seed);
	rt_seg_scatter(s, 0, s->size, tmp);
	free(tmp);
	return 0;
}

/* Offset of the first byte differing from the pattern, -1 if none. */
static inline long rt_seg_diff(const struct rt_seg *s, uint64_t seed)
{
	unsigned char *want = malloc(s->size), *have = malloc(s->size);
	long d = -2;

	if (want && have) {
		rt_pattern(want, s->size, seed);
		rt_seg_gather(s, 0, s->size, have);
		d = mx_diff(want, have, s->size);
	}
	free(want);
	free(have);
	return d;
}

/* Register @s under @name; 0 or -errno. */
static inline int rt_seg_register(struct mcte *m, const char *name,
				  const struct rt_seg *s, enum mcte_access acc,
				  __u32 *handle)
{
	struct mcte_seg_buf b[RT_MAX_BUFS];

	rt_seg_bufs(s, b);
	return mcte_seg_register(m, name, b, s->nr, acc, handle);
}

/* "host[:port]" of the peer. */
static inline const char *rt_peer(void)
{
	const char *p = getenv("MCTE_RDMA_PEER");

	return p && *p ? p : RT_PEER_DEFAULT;
}

/* "host[:port]/name", the name of a peer's segment. */
static inline const char *rt_remote(char *buf, size_t len, const char *name)
{
	snprintf(buf, len, "%s/%s", rt_peer(), name);
	return buf;
}

/* The peer's host with another port: "host:port/name". */
static inline const char *rt_remote_port(char *buf, size_t len,
					 unsigned int port, const char *name)
{
	const char *peer = rt_peer();
	const char *colon = strrchr(peer, ':');
	int hl = colon ? (int)(colon - peer) : (int)strlen(peer);

	snprintf(buf, len, "%.*s:%u/%s", hl, peer, port, name);
	return buf;
}

/* Whether the module moves data to peers (MCTE_RDMA_FORCE=1: assume so). */
static inline bool rt_have_rdma(struct mcte *m)
{
	const char *f = getenv("MCTE_RDMA_FORCE");

	if (f && *f == '1')
		return true;
	return mcte_has_feature(m, MCTE_FEAT_XPORT_RDMA) == 1;
}

/*
 * A clean failure of a remote request: the errors a transport may end a
 * request with when a path, a device, the peer or the segment goes away
 * (Documentation/testing.rst, "The rdma suite"). Anything else in a
 * failed request's result — zero, a positive count, an errno about the
 * request's own fields — is a bug.
 */
static inline bool rt_errno_clean(int res)
{
	switch (-res) {
	case ENOLINK:
	case ETIMEDOUT:
	case ENODEV:
	case ECONNRESET:
	case ECONNABORTED:
	case ECONNREFUSED:
	case ENETUNREACH:
	case EHOSTUNREACH:
	case ENETDOWN:
	case EIO:
	case ECANCELED:
	case ESHUTDOWN:
	case EPIPE:
		return true;
	default:
		return false;
	}
}

static inline const char *rt_errname(int err)
{
	const char *n = strerrorname_np(err < 0 ? -err : err);

	return n ? n : "?";
}

#endif /* MCTE_RDMA_TEST_H */
