/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers of the nvp2p suite: the test provider of the nvidia_p2p_* API
 * (provider/mcte_nvp2p_prov.c) through its debugfs files, and GPU memory
 * segments (MCTE_SEG_NV_P2P) registered with the raw ioctl.
 */
#ifndef MCTE_NVP2P_TEST_H
#define MCTE_NVP2P_TEST_H

#include "mcte_xfer.h"

#define NV_DIR		"/sys/kernel/debug/mcte_nvp2p_prov"
#define NV_REFCNT	"/sys/module/mcte_nvp2p_prov/refcnt"
#define NV_PAGE		(64 * MX_KiB)

/* Fake GPU memory of the provider: its address and size. */
struct nv_mem {
	__u64 va;
	__u64 len;
};

/* Allocate @len bytes ("bar": without struct pages): 0 or -errno. */
static inline int nv_alloc(struct nv_mem *m, __u64 len, bool bar)
{
	char buf[64];
	int fd, n, ret = 0;

	fd = open(NV_DIR "/alloc", O_RDWR);
	if (fd < 0)
		return -errno;
	n = snprintf(buf, sizeof(buf), "%llu%s", (unsigned long long)len,
		     bar ? " bar" : "");
	if (write(fd, buf, n) != n) {
		ret = -errno;
		goto out;
	}
	n = pread(fd, buf, sizeof(buf) - 1, 0);
	if (n <= 0) {
		ret = n < 0 ? -errno : -EIO;
		goto out;
	}
	buf[n] = 0;
	m->va = strtoull(buf, NULL, 0);
	m->len = len;
out:
	close(fd);
	return ret;
}

/* Read (@write false) or write the provider's memory at @va. */
static inline int nv_rw(__u64 va, void *p, size_t len, bool write)
{
	int fd = open(NV_DIR "/mem", O_RDWR);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = write ? pwrite(fd, p, len, va) : pread(fd, p, len, va);
	close(fd);
	if (n < 0)
		return -errno;
	return (size_t)n == len ? 0 : -EIO;
}

static inline int nv_cmd(const char *file, const char *text)
{
	int fd = open(file, O_WRONLY);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = write(fd, text, strlen(text));
	close(fd);
	return n < 0 ? -errno : 0;
}

/* cudaFree: the callbacks of its page tables, then the memory goes. */
static inline int nv_free(const struct nv_mem *m)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%#llx", (unsigned long long)m->va);
	return nv_cmd(NV_DIR "/free", buf);
}

/* The owning process exits: every page table handed out is taken back. */
static inline int nv_revoke(void)
{
	return nv_cmd(NV_DIR "/revoke", "1");
}

struct nv_stats {
	int tables, mappings, callbacks, bad;
};

static inline int nv_stats(struct nv_stats *s)
{
	FILE *f = fopen(NV_DIR "/stats", "r");
	int n;

	if (!f)
		return -errno;
	n = fscanf(f, "tables %d mappings %d callbacks %d bad_calls %d",
		   &s->tables, &s->mappings, &s->callbacks, &s->bad);
	fclose(f);
	return n == 4 ? 0 : -EIO;
}

/* References held on the provider's module (segments hold six each). */
static inline long nv_refcnt(void)
{
	return mx_read_file(NV_REFCNT);
}

static inline struct mcte_seg_buf nv_buf(__u64 va, __u64 len)
{
	struct mcte_seg_buf b = { .addr = va, .len = len, .fd = -1 };

	return b;
}

static inline int nv_seg_reg(int fd, const char *name,
			     const struct mcte_seg_buf *bufs, __u32 nr,
			     __u32 access, __u32 *handle)
{
	return mx_seg_reg_kind(fd, name, bufs, nr, MCTE_SEG_NV_P2P, access,
			       handle);
}

/* A view of a segment's bytes in the provider's memory, buffer by buffer. */
struct nv_view {
	unsigned int nr;
	__u64 va[4];
	__u64 len[4];
	__u64 size;
};

static inline void nv_view_add(struct nv_view *v, __u64 va, __u64 len)
{
	v->va[v->nr] = va;
	v->len[v->nr++] = len;
	v->size += len;
}

/* Copy bytes [@off, @off + @len) of the view out (@out) or in. */
static inline int nv_view_copy(const struct nv_view *v, __u64 off, __u64 len,
			       unsigned char *p, bool out)
{
	unsigned int i;
	int ret;

	for (i = 0; i < v->nr && len; i++) {
		__u64 n;

		if (off >= v->len[i]) {
			off -= v->len[i];
			continue;
		}
		n = v->len[i] - off < len ? v->len[i] - off : len;
		ret = nv_rw(v->va[i] + off, p, n, !out);
		if (ret)
			return ret;
		p += n;
		len -= n;
		off = 0;
	}
	return len ? -ERANGE : 0;
}

/*
 * After a transfer that was cut short: each byte of @dst is its old value
 * or the source's, never another. -1 when so, else the first bad offset.
 */
static inline long nv_no_wrong_bytes(const unsigned char *dst,
				     const unsigned char *old,
				     const unsigned char *src, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (dst[i] != old[i] && dst[i] != src[i])
			return i;
	return -1;
}

#endif /* MCTE_NVP2P_TEST_H */
