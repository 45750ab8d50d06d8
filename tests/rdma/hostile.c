// SPDX-License-Identifier: GPL-2.0
/*
 * The hostile peer of the rdma suite: a user-space program that speaks
 * mcte's wire protocol as Documentation/wire.rst documents it, through
 * librdmacm and libibverbs, to a listener of the module on this node, and
 * then says what a hostile or broken peer would. Every refusal is checked
 * against the engine's counters (stat-get through netlink): each must be
 * counted, by exactly the counter the protocol says.
 *
 *	hostile -a ADDR[:PORT] -b BIND [-k KEYFILE] [-n MESSAGES] [-s SEED]
 *		-r RWSEG:SEED -o ROSEG:SEED -z NONESEG
 *
 * -a the listener; -b the local address to connect from; -k the cluster
 * key the engine was given (hex, as for mctectl auth set), whose absence
 * means the engine has none; -n garbage messages of the bulk phase (at
 * least 100,000 by default); -s the seed of everything random (printed;
 * MCTE_HOSTILE_SEED too); -r/-o/-z the owner's segments of mode rw, read
 * and none, with the seeds of the patterns they hold (rseg own).
 *
 * Without a key this peer is a program of the engine's own node that is
 * not the engine: every open must be refused (EACCES), whatever the
 * segment's mode. With the key, opens get what the segment's mode allows,
 * and keys only what the open asked for: the RDMA checks run then.
 *
 * Prints TAP; exit 0 when every check passed.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <netdb.h>
#include <poll.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <endian.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <rdma/rdma_cma.h>
#include <infiniband/verbs.h>

#include "mcte_nl.h"
#include "mcte_xfer.h"

/* ---- the protocol, as Documentation/wire.rst has it ------------------ */

#define W_MAGIC		0x4d435445u
#define W_VERSION	3
#define W_MSG_MAX	16384
#define W_HDR		24
#define W_HELLO		(W_HDR + 304)
#define W_SEG_OPEN	(W_HDR + 72)
#define W_REPLY_FIXED	(W_HDR + 40)
#define W_KEY		24
#define W_SEG_KEYS	(W_HDR + 16)
#define W_KEYS_FIXED	(W_HDR + 16)

enum {
	T_HELLO = 1, T_HELLO_REPLY, T_SEG_OPEN, T_SEG_OPEN_REPLY, T_SEG_GONE,
	T_PING, T_PONG, T_AUTH, T_AUTH_REPLY, T_SEG_CLOSE, T_SEG_CLOSE_REPLY,
	T_SEG_KEYS, T_SEG_KEYS_REPLY,
};

#define HELLO_AUTH	0x01
#define REJ_VERSION	1
#define REJ_BUSY	2
#define REJ_MALFORMED	4
#define REJ_AUTH	5
#define CM_AUTH		0x01

/* Big-endian fields at byte offsets: no structs, no padding surprises. */
static void put8(uint8_t *p, size_t off, uint8_t v) { p[off] = v; }
static void put16(uint8_t *p, size_t off, uint16_t v) { v = htobe16(v); memcpy(p + off, &v, 2); }
static void put32(uint8_t *p, size_t off, uint32_t v) { v = htobe32(v); memcpy(p + off, &v, 4); }
static void put64(uint8_t *p, size_t off, uint64_t v) { v = htobe64(v); memcpy(p + off, &v, 8); }
static uint32_t get32(const uint8_t *p, size_t off) { uint32_t v; memcpy(&v, p + off, 4); return be32toh(v); }
static uint64_t get64(const uint8_t *p, size_t off) { uint64_t v; memcpy(&v, p + off, 8); return be64toh(v); }

/* Header: magic 0, version 4, type 5, len 6, status 8, resv 12, tag 16. */
static void w_hdr(uint8_t *m, uint8_t type, uint16_t len, uint64_t tag)
{
	memset(m, 0, W_HDR);
	put32(m, 0, W_MAGIC);
	put8(m, 4, W_VERSION);
	put8(m, 5, type);
	put16(m, 6, len);
	put64(m, 16, tag);
}

/* HELLO body offsets, from the header's end. */
#define H_ID		(W_HDR + 0)
#define H_DEV		(W_HDR + 8)
#define H_NR_ADDRS	(W_HDR + 72)
#define H_MIN		(W_HDR + 76)
#define H_MAX		(W_HDR + 77)
#define H_FLAGS		(W_HDR + 78)
#define H_RESV		(W_HDR + 79)
#define H_NONCE		(W_HDR + 240)
#define H_MAC		(W_HDR + 272)

/* ---- TAP and counters ------------------------------------------------ */

static unsigned int tap_n, tap_fail;

static void check(bool ok, const char *fmt, ...)
{
	va_list ap;

	tap_n++;
	if (!ok)
		tap_fail++;
	printf("%sok %u ", ok ? "" : "not ", tap_n);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
}

static void diag(const char *fmt, ...)
{
	va_list ap;

	printf("# ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
}

struct counts {
	uint64_t wire, conn, auth, open, paths;
};

static struct counts counts_now(void)
{
	struct mx_nl_attrs a;
	struct counts c = { 0 };

	if (mx_nl_stat(&a)) {
		diag("stat-get failed");
		return c;
	}
	c.wire = a.val[MCTE_A_STAT_WIRE_REFUSED];
	c.conn = a.val[MCTE_A_STAT_CONN_REFUSED];
	c.auth = a.val[MCTE_A_STAT_AUTH_FAILED];
	c.open = a.val[MCTE_A_STAT_OPEN_REFUSED];
	c.paths = a.val[MCTE_A_STAT_PATHS_FAILED];
	return c;
}

/* The counters moved by exactly what a step expects (paths aside). */
static bool counts_moved(const struct counts *a, uint64_t wire, uint64_t conn,
			 uint64_t auth, uint64_t open)
{
	struct counts b;
	int i;

	/* Refusals handed to work items are counted a moment later. */
	for (i = 0; i < 100; i++) {
		b = counts_now();
		if (b.wire - a->wire == wire && b.conn - a->conn == conn &&
		    b.auth - a->auth == auth && b.open - a->open == open)
			return true;
		if (b.wire - a->wire > wire || b.conn - a->conn > conn ||
		    b.auth - a->auth > auth || b.open - a->open > open)
			break;
		usleep(20000);
	}
	diag("counters moved wire %llu conn %llu auth %llu open %llu, wanted %llu %llu %llu %llu",
	     (unsigned long long)(b.wire - a->wire),
	     (unsigned long long)(b.conn - a->conn),
	     (unsigned long long)(b.auth - a->auth),
	     (unsigned long long)(b.open - a->open),
	     (unsigned long long)wire, (unsigned long long)conn,
	     (unsigned long long)auth, (unsigned long long)open);
	return false;
}

/* ---- options --------------------------------------------------------- */

static struct sockaddr_storage opt_dst, opt_src;
static uint8_t opt_key[64];
static size_t opt_key_len;
static uint64_t opt_messages = 100000;
static struct mx_rng rng;
static char seg_rw[64], seg_ro[64], seg_none[64];
static uint64_t seed_rw, seed_ro;

static uint64_t rnd(uint64_t n)
{
	return mx_rand_below(&rng, n);
}

/* ---- one connection -------------------------------------------------- */

#define RX_NR		64
#define TX_NR		64
#define DATA_LEN	(1 << 20)
#define WAIT_MS		10000

struct msg {
	uint32_t len;
	uint8_t b[W_MSG_MAX];
};

struct conn {
	struct rdma_event_channel *ch;
	struct rdma_cm_id *id;
	struct ibv_pd *pd;
	struct ibv_cq *cq;
	struct ibv_mr *rx_mr, *tx_mr, *data_mr;
	uint8_t *rx, *tx, *data;
	unsigned int tx_next, tx_busy;
	uint64_t peer_id, my_id, tag;
	uint8_t nonce[32], peer_nonce[32];
	bool broken;			/* the QP went to the error state */
	/* messages received and not taken yet, oldest first */
	struct msg *q;
	unsigned int qn;
	int rdma_status;		/* of the last RDMA operation, -1 pending */
	uint64_t sent;
};

#define Q_MAX	256

static int cm_wait(struct conn *c, enum rdma_cm_event_type want,
		   struct rdma_cm_event *copy)
{
	struct pollfd pfd = { .fd = c->ch->fd, .events = POLLIN };
	struct rdma_cm_event *ev;
	int ret;

	if (poll(&pfd, 1, WAIT_MS) <= 0)
		return -ETIMEDOUT;
	ret = rdma_get_cm_event(c->ch, &ev);
	if (ret)
		return -errno;
	if (copy)
		*copy = *ev;
	ret = ev->event == want ? 0 : -(int)ev->event - 1000;
	/* Private data lives in the event: callers copy it before the ack. */
	if (copy && ev->param.conn.private_data_len) {
		static uint8_t pd[256];

		memcpy(pd, ev->param.conn.private_data,
		       ev->param.conn.private_data_len < sizeof(pd) ?
		       ev->param.conn.private_data_len : sizeof(pd));
		copy->param.conn.private_data = pd;
	}
	rdma_ack_cm_event(ev);
	return ret;
}

static int post_recv(struct conn *c, unsigned int i)
{
	struct ibv_sge sge = {
		.addr = (uintptr_t)(c->rx + (size_t)i * W_MSG_MAX),
		.length = W_MSG_MAX,
		.lkey = c->rx_mr->lkey,
	};
	struct ibv_recv_wr wr = { .wr_id = i, .sg_list = &sge, .num_sge = 1 }, *bad;

	return ibv_post_recv(c->id->qp, &wr, &bad);
}

static void conn_free(struct conn *c)
{
	if (!c)
		return;
	if (c->id) {
		if (c->id->qp)
			rdma_destroy_qp(c->id);
		rdma_destroy_id(c->id);
	}
	if (c->rx_mr)
		ibv_dereg_mr(c->rx_mr);
	if (c->tx_mr)
		ibv_dereg_mr(c->tx_mr);
	if (c->data_mr)
		ibv_dereg_mr(c->data_mr);
	if (c->cq)
		ibv_destroy_cq(c->cq);
	if (c->pd)
		ibv_dealloc_pd(c->pd);
	if (c->ch)
		rdma_destroy_event_channel(c->ch);
	free(c->rx);
	free(c->tx);
	free(c->data);
	free(c->q);
	free(c);
}

/*
 * Our private data: magic, max, min, flags (the key flag when we hold
 * the key), resv, engine id (or as asked).
 */
static void cm_priv(uint8_t *p, uint8_t max, uint8_t min, uint64_t id)
{
	memset(p, 0, 16);
	put32(p, 0, W_MAGIC);
	put8(p, 4, max);
	put8(p, 5, min);
	put8(p, 6, opt_key_len ? CM_AUTH : 0);
	put64(p, 8, id);
}

/*
 * Connect with @priv (@plen bytes). Return: the connection, or NULL with
 * *err: -ECONNREFUSED (and *reason from the reject's private data, 0
 * when it had none of ours), or another -errno.
 */
static struct conn *dial(const uint8_t *priv, uint8_t plen, int *err,
			 int *reason)
{
	struct rdma_conn_param param = { 0 };
	struct ibv_qp_init_attr qa = { 0 };
	struct rdma_cm_event ev;
	struct conn *c;
	unsigned int i;
	int ret;

	*reason = 0;
	c = calloc(1, sizeof(*c));
	if (!c) {
		*err = -ENOMEM;
		return NULL;
	}
	c->rx = aligned_alloc(4096, (size_t)RX_NR * W_MSG_MAX);
	c->tx = aligned_alloc(4096, (size_t)TX_NR * W_MSG_MAX + 65536);
	c->data = aligned_alloc(4096, DATA_LEN);
	c->q = calloc(Q_MAX, sizeof(*c->q));
	c->ch = rdma_create_event_channel();
	ret = -ENOMEM;
	if (!c->rx || !c->tx || !c->data || !c->q || !c->ch)
		goto out_fail;
	if (rdma_create_id(c->ch, &c->id, c, RDMA_PS_TCP))
		goto out_errno;
	if (rdma_resolve_addr(c->id, (struct sockaddr *)&opt_src,
			      (struct sockaddr *)&opt_dst, 2000))
		goto out_errno;
	ret = cm_wait(c, RDMA_CM_EVENT_ADDR_RESOLVED, NULL);
	if (ret)
		goto out_fail;
	if (rdma_resolve_route(c->id, 2000))
		goto out_errno;
	ret = cm_wait(c, RDMA_CM_EVENT_ROUTE_RESOLVED, NULL);
	if (ret)
		goto out_fail;

	c->pd = ibv_alloc_pd(c->id->verbs);
	c->cq = c->pd ? ibv_create_cq(c->id->verbs, 4 * (RX_NR + TX_NR), NULL,
				      NULL, 0) : NULL;
	if (!c->cq)
		goto out_errno;
	c->rx_mr = ibv_reg_mr(c->pd, c->rx, (size_t)RX_NR * W_MSG_MAX,
			      IBV_ACCESS_LOCAL_WRITE);
	c->tx_mr = ibv_reg_mr(c->pd, c->tx, (size_t)TX_NR * W_MSG_MAX + 65536, 0);
	c->data_mr = ibv_reg_mr(c->pd, c->data, DATA_LEN, IBV_ACCESS_LOCAL_WRITE);
	if (!c->rx_mr || !c->tx_mr || !c->data_mr)
		goto out_errno;
	qa.send_cq = c->cq;
	qa.recv_cq = c->cq;
	qa.qp_type = IBV_QPT_RC;
	qa.cap.max_send_wr = TX_NR + 8;
	qa.cap.max_recv_wr = RX_NR;
	qa.cap.max_send_sge = 1;
	qa.cap.max_recv_sge = 1;
	qa.sq_sig_all = 1;
	if (rdma_create_qp(c->id, c->pd, &qa))
		goto out_errno;
	for (i = 0; i < RX_NR; i++)
		if (post_recv(c, i))
			goto out_errno;

	param.private_data = priv;
	param.private_data_len = plen;
	param.responder_resources = 4;
	param.initiator_depth = 4;
	param.retry_count = 7;
	param.rnr_retry_count = 7;
	if (rdma_connect(c->id, &param))
		goto out_errno;
	ret = cm_wait(c, RDMA_CM_EVENT_ESTABLISHED, &ev);
	if (ret) {
		if (ev.event == RDMA_CM_EVENT_REJECTED) {
			const uint8_t *r = ev.param.conn.private_data;

			if (ev.param.conn.private_data_len >= 16 &&
			    get32(r, 0) == W_MAGIC)
				*reason = r[6];
			ret = -ECONNREFUSED;
		}
		goto out_fail;
	}
	if (ev.param.conn.private_data_len < 16 ||
	    get32(ev.param.conn.private_data, 0) != W_MAGIC) {
		ret = -EPROTO;
		goto out_fail;
	}
	c->peer_id = get64(ev.param.conn.private_data, 8);
	/* From now on pump() reads the channel too: a DISCONNECTED. */
	fcntl(c->ch->fd, F_SETFL, fcntl(c->ch->fd, F_GETFL) | O_NONBLOCK);
	*err = 0;
	return c;

out_errno:
	ret = -errno ?: -EIO;
out_fail:
	*err = ret;
	conn_free(c);
	return NULL;
}

static struct conn *dial_as(uint64_t id)
{
	uint8_t priv[16];
	int err, reason;
	struct conn *c;

	cm_priv(priv, W_VERSION, W_VERSION, id);
	c = dial(priv, sizeof(priv), &err, &reason);
	if (c)
		c->my_id = id;
	else
		diag("connect failed: %s (reason %d)", strerror(-err), reason);
	return c;
}

/* Poll the CQ once for up to @ms: messages queued, PINGs answered. */
static void pump(struct conn *c, int ms);

static int send_raw(struct conn *c, const void *m, size_t len)
{
	struct ibv_sge sge;
	struct ibv_send_wr wr = { 0 }, *bad;
	uint8_t *slot;
	int tries = 0;

	while (c->tx_busy >= TX_NR && tries++ < 1000)
		pump(c, 10);
	if (c->tx_busy >= TX_NR || c->broken)
		return -EIO;
	slot = len > W_MSG_MAX ? c->tx + (size_t)TX_NR * W_MSG_MAX :
	       c->tx + (size_t)(c->tx_next++ % TX_NR) * W_MSG_MAX;
	memcpy(slot, m, len);
	sge.addr = (uintptr_t)slot;
	sge.length = len;
	sge.lkey = c->tx_mr->lkey;
	wr.wr_id = 1ULL << 62;
	wr.sg_list = &sge;
	wr.num_sge = 1;
	wr.opcode = IBV_WR_SEND;
	if (ibv_post_send(c->id->qp, &wr, &bad))
		return -errno;
	c->tx_busy++;
	c->sent++;
	return 0;
}

static void on_msg(struct conn *c, const uint8_t *b, uint32_t len)
{
	uint8_t pong[W_HDR];

	if (len >= W_HDR && get32(b, 0) == W_MAGIC && b[5] == T_PING) {
		w_hdr(pong, T_PONG, W_HDR, get64(b, 16));
		send_raw(c, pong, W_HDR);
		return;
	}
	if (c->qn == Q_MAX) {
		memmove(c->q, c->q + 1, (Q_MAX - 1) * sizeof(*c->q));
		c->qn--;
	}
	c->q[c->qn].len = len;
	memcpy(c->q[c->qn].b, b, len < W_MSG_MAX ? len : W_MSG_MAX);
	c->qn++;
}

static void pump(struct conn *c, int ms)
{
	struct rdma_cm_event *ev;
	struct ibv_wc wc[32];
	int n, i, waited = 0;

	for (;;) {
		/* The engine closed the connection: nothing will answer. */
		if (!c->broken && !rdma_get_cm_event(c->ch, &ev)) {
			if (ev->event == RDMA_CM_EVENT_DISCONNECTED)
				c->broken = true;
			rdma_ack_cm_event(ev);
		}
		n = ibv_poll_cq(c->cq, 32, wc);
		for (i = 0; i < n; i++) {
			if (wc[i].status != IBV_WC_SUCCESS) {
				if (!(wc[i].wr_id >> 62) && wc[i].opcode & IBV_WC_RECV)
					c->broken = true;
				if (wc[i].wr_id >> 62 == 1)
					c->tx_busy--;
				else if (wc[i].wr_id >> 62 == 2)
					c->rdma_status = wc[i].status;
				c->broken = true;
				continue;
			}
			if (wc[i].opcode == IBV_WC_RECV) {
				on_msg(c, c->rx + wc[i].wr_id * W_MSG_MAX,
				       wc[i].byte_len);
				post_recv(c, wc[i].wr_id);
			} else if (wc[i].wr_id >> 62 == 1) {
				c->tx_busy--;
			} else if (wc[i].wr_id >> 62 == 2) {
				c->rdma_status = IBV_WC_SUCCESS;
			}
		}
		if (n > 0)
			continue;
		if (waited >= ms)
			return;
		usleep(1000);
		waited++;
	}
}

/* Take a received message of @type (and @tag, when not 0). */
static int take(struct conn *c, uint8_t type, uint64_t tag, uint8_t *out,
		int ms)
{
	unsigned int i;
	int waited;

	for (waited = 0; waited <= ms; waited += 5) {
		for (i = 0; i < c->qn; i++) {
			const uint8_t *b = c->q[i].b;
			uint32_t len = c->q[i].len;

			if (len < W_HDR || b[5] != type ||
			    (tag && get64(b, 16) != tag))
				continue;
			memcpy(out, b, len);
			memmove(c->q + i, c->q + i + 1,
				(c->qn - i - 1) * sizeof(*c->q));
			c->qn--;
			return len;
		}
		if (c->broken)
			return -ECONNRESET;
		pump(c, 5);
	}
	return -ETIMEDOUT;
}

/* A request and its reply (type + 1, same tag). */
static int rpc(struct conn *c, uint8_t *m, size_t len, uint8_t *reply)
{
	uint64_t tag = ++c->tag;
	int ret;

	put64(m, 16, tag);
	ret = send_raw(c, m, len);
	if (ret)
		return ret;
	return take(c, m[5] + 1, tag, reply, WAIT_MS);
}

/* Whether the path still answers: a PING gets its PONG. */
static bool alive(struct conn *c)
{
	uint8_t m[W_HDR], r[W_MSG_MAX];

	w_hdr(m, T_PING, W_HDR, 0);
	return !c->broken && rpc(c, m, W_HDR, r) > 0 && r[5] == T_PONG;
}

/* ---- handshake ------------------------------------------------------- */

static void mac(const char *label, uint64_t active, uint64_t passive,
		const uint8_t *n1, const uint8_t *n2, uint8_t *out)
{
	uint8_t buf[64 + 16 + 64];
	unsigned int outlen = 32;
	size_t l = strlen(label);

	memcpy(buf, label, l);
	put64(buf, l, active);
	put64(buf, l + 8, passive);
	memcpy(buf + l + 16, n1, 32);
	memcpy(buf + l + 48, n2, 32);
	HMAC(EVP_sha256(), opt_key, opt_key_len, buf, l + 80, out, &outlen);
}

static void hello_msg(struct conn *c, uint8_t *m, uint8_t flags)
{
	memset(m, 0, W_HELLO);
	w_hdr(m, T_HELLO, W_HELLO, 0);
	put64(m, H_ID, c->my_id);
	strcpy((char *)m + H_DEV, "hostile");
	put8(m, H_MIN, W_VERSION);
	put8(m, H_MAX, W_VERSION);
	put8(m, H_FLAGS, flags);
	mx_fill_rand(c->nonce, 32, &rng);
	memcpy(m + H_NONCE, c->nonce, 32);
}

/* How far handshake() goes before it stops, to leave a peer mid-way. */
enum hs_step {
	HS_HELLO_SENT = 1, HS_HELLO_REPLY, HS_AUTH_SENT, HS_DONE,
};

/*
 * The handshake as an engine does it, with @key (the cluster key) or
 * none; up to @upto. Return: 0, or the reply's refusal as -errno.
 */
static int handshake(struct conn *c, bool key, enum hs_step upto)
{
	uint8_t m[W_MSG_MAX], r[W_MSG_MAX], want[32];
	uint64_t tag;
	int len;

	hello_msg(c, m, key ? HELLO_AUTH : 0);
	tag = ++c->tag;
	put64(m, 16, tag);
	if (send_raw(c, m, W_HELLO))
		return -EIO;
	if (upto == HS_HELLO_SENT)
		return 0;
	len = take(c, T_HELLO_REPLY, tag, r, WAIT_MS);
	if (len < 0)
		return len;
	if (get32(r, 8))
		return -(int)get32(r, 8);
	if (len != W_HELLO || get64(r, H_ID) != c->peer_id)
		return -EPROTO;
	memcpy(c->peer_nonce, r + H_NONCE, 32);
	if (!key)
		return (r[H_FLAGS] & HELLO_AUTH) ? -EKEYREJECTED : 0;
	mac("mcte-v2-reply", c->my_id, c->peer_id, c->nonce, c->peer_nonce, want);
	if (!(r[H_FLAGS] & HELLO_AUTH) || memcmp(want, r + H_MAC, 32))
		return -EKEYREJECTED;
	if (upto == HS_HELLO_REPLY)
		return 0;
	w_hdr(m, T_AUTH, W_HDR + 32, 0);
	mac("mcte-v2-auth", c->my_id, c->peer_id, c->peer_nonce, c->nonce, m + W_HDR);
	tag = ++c->tag;
	put64(m, 16, tag);
	if (send_raw(c, m, W_HDR + 32))
		return -EIO;
	if (upto == HS_AUTH_SENT)
		return 0;
	len = take(c, T_AUTH_REPLY, tag, r, WAIT_MS);
	if (len < 0)
		return len;
	return get32(r, 8) ? -(int)get32(r, 8) : 0;
}

static struct conn *session(void)
{
	struct conn *c = dial_as(mx_rand64(&rng) | 1);
	int ret;

	if (!c)
		return NULL;
	ret = handshake(c, opt_key_len, HS_DONE);
	if (ret) {
		diag("handshake failed: %s", strerror(-ret));
		conn_free(c);
		return NULL;
	}
	return c;
}

/* ---- opens ----------------------------------------------------------- */

struct open {
	uint64_t seg_id, open_id, size;
	uint32_t access, nr_keys, total_keys;
	struct { uint64_t off, addr; uint32_t len, rkey; } key[64];
};

static void seg_open_msg(uint8_t *m, const char *name, uint32_t access)
{
	memset(m, 0, W_SEG_OPEN);
	w_hdr(m, T_SEG_OPEN, W_SEG_OPEN, 0);
	strncpy((char *)m + W_HDR, name, 64);
	put32(m, W_HDR + 64, access);
	put32(m, W_HDR + 68, 0);
}

/* SEG_OPEN; Return: 0 with @o filled, or the reply's refusal -errno. */
static int seg_open(struct conn *c, const char *name, uint32_t access,
		    struct open *o)
{
	uint8_t m[W_SEG_OPEN], r[W_MSG_MAX];
	uint32_t i;
	int len;

	seg_open_msg(m, name, access);
	len = rpc(c, m, W_SEG_OPEN, r);
	if (len < 0)
		return len;
	if (get32(r, 8))
		return len == W_HDR ? -(int)get32(r, 8) : -EPROTO;
	if (len < W_REPLY_FIXED)
		return -EPROTO;
	memset(o, 0, sizeof(*o));
	o->seg_id = get64(r, W_HDR);
	o->open_id = get64(r, W_HDR + 8);
	o->size = get64(r, W_HDR + 16);
	o->access = get32(r, W_HDR + 24);
	o->nr_keys = get32(r, W_HDR + 32);
	o->total_keys = get32(r, W_HDR + 36);
	if (o->nr_keys > 64 || len != W_REPLY_FIXED + (int)o->nr_keys * W_KEY)
		return -EPROTO;
	for (i = 0; i < o->nr_keys; i++) {
		const uint8_t *k = r + W_REPLY_FIXED + i * W_KEY;

		o->key[i].off = get64(k, 0);
		o->key[i].addr = get64(k, 8);
		o->key[i].len = get32(k, 16);
		o->key[i].rkey = get32(k, 20);
	}
	return 0;
}

static int seg_close(struct conn *c, uint64_t open_id)
{
	uint8_t m[W_HDR + 8], r[W_MSG_MAX];
	int len;

	w_hdr(m, T_SEG_CLOSE, sizeof(m), 0);
	put64(m, W_HDR, open_id);
	len = rpc(c, m, sizeof(m), r);
	if (len < 0)
		return len;
	return get32(r, 8) ? -(int)get32(r, 8) : 0;
}

/*
 * One RDMA READ or WRITE of @len bytes at @raddr with @rkey, from or into
 * our data buffer at @loff. Return: the work completion's status.
 */
static int rdma_op(struct conn *c, bool write, uint64_t raddr, uint32_t rkey,
		   uint32_t len, uint32_t loff)
{
	struct ibv_sge sge = {
		.addr = (uintptr_t)(c->data + loff),
		.length = len,
		.lkey = c->data_mr->lkey,
	};
	struct ibv_send_wr wr = { 0 }, *bad;
	int waited;

	wr.wr_id = 2ULL << 62;
	wr.sg_list = &sge;
	wr.num_sge = 1;
	wr.opcode = write ? IBV_WR_RDMA_WRITE : IBV_WR_RDMA_READ;
	wr.wr.rdma.remote_addr = raddr;
	wr.wr.rdma.rkey = rkey;
	c->rdma_status = -1;
	if (ibv_post_send(c->id->qp, &wr, &bad))
		return -errno;
	for (waited = 0; c->rdma_status < 0 && waited < WAIT_MS; waited += 5)
		pump(c, 5);
	return c->rdma_status;
}

/* The owner's pattern of @seed at [off, off + len). */
static void pattern_at(uint64_t seed, uint64_t off, uint8_t *out, uint32_t len)
{
	static uint8_t *full;
	static uint64_t full_seed, full_len;
	uint64_t need = off + len;

	if (!full || full_seed != seed || full_len < need) {
		free(full);
		full = malloc(need);
		full_seed = seed;
		full_len = need;
		mx_fill_rand(full, need, &(struct mx_rng){ seed });
	}
	memcpy(out, full + off, len);
}

/* ---- the scenarios --------------------------------------------------- */

/* Connect requests an engine must refuse, each with its reason. */
static void t_connect(void)
{
	static const struct {
		const char *what;
		uint8_t len, max, min;
		uint32_t magic;
		uint64_t id;
		int reason;
	} cases[] = {
		{ "private data too short", 8, W_VERSION, W_VERSION, W_MAGIC, 7, REJ_MALFORMED },
		{ "no private data", 0, W_VERSION, W_VERSION, W_MAGIC, 7, REJ_MALFORMED },
		{ "another magic", 16, W_VERSION, W_VERSION, 0x12345678, 7, REJ_MALFORMED },
		{ "version 1 only (an old engine)", 16, 1, 0, W_MAGIC, 7, REJ_VERSION },
		{ "version 2 only (keys in one message)", 16, 2, 2, W_MAGIC, 7, REJ_VERSION },
		{ "versions 4 to 6 only", 16, 6, 4, W_MAGIC, 7, REJ_VERSION },
		{ "lowest version above highest", 16, 3, 4, W_MAGIC, 7, REJ_MALFORMED },
		{ "engine id 0", 16, W_VERSION, W_VERSION, W_MAGIC, 0, REJ_MALFORMED },
	};
	struct counts before = counts_now();
	unsigned int i, good = 0;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint8_t priv[16];
		int err, reason;
		struct conn *c;

		cm_priv(priv, cases[i].max, cases[i].min, cases[i].id);
		put32(priv, 0, cases[i].magic);
		c = dial(priv, cases[i].len, &err, &reason);
		if (!c && err == -ECONNREFUSED && reason == cases[i].reason)
			good++;
		else
			diag("%s: %s, reason %d", cases[i].what,
			     c ? "accepted" : strerror(-err), reason);
		conn_free(c);
	}
	check(good == i, "connect requests refused with their reason (%u of %u)",
	      good, i);
	check(counts_moved(&before, 0, i, 0, 0),
	      "each refused connect request counted (conn-refused +%u)", i);
}

/* A connection whose key flag disagrees with the engine is refused. */
static void t_connect_auth(void)
{
	struct counts before = counts_now();
	uint8_t priv[16];
	int err, reason;
	struct conn *c;

	cm_priv(priv, W_VERSION, W_VERSION, mx_rand64(&rng) | 1);
	priv[6] ^= CM_AUTH;
	c = dial(priv, sizeof(priv), &err, &reason);
	check(!c && err == -ECONNREFUSED && reason == REJ_AUTH,
	      opt_key_len ? "a connection without the key flag is refused (reason 5)" :
			    "a connection with the key flag, to an engine with no key, is refused (reason 5)");
	check(counts_moved(&before, 0, 0, 1, 0), "counted (auth-failed +1)");
	conn_free(c);
	/* The flag's other bits are reserved. */
	before = counts_now();
	cm_priv(priv, W_VERSION, W_VERSION, mx_rand64(&rng) | 1);
	priv[6] |= 0x80;
	c = dial(priv, sizeof(priv), &err, &reason);
	check(!c && err == -ECONNREFUSED && reason == REJ_MALFORMED,
	      "a connection with a reserved flag set is refused as malformed");
	check(counts_moved(&before, 0, 1, 0, 0), "counted (conn-refused +1)");
	conn_free(c);
}

/* Steps out of order, wrong ids, keys missing or wrong. */
static void t_handshake(void)
{
	uint8_t m[W_MSG_MAX], r[W_MSG_MAX];
	struct counts before;
	struct conn *c;
	int ret;

	/* Requests before the hello are dropped, the path stays. */
	before = counts_now();
	c = dial_as(mx_rand64(&rng) | 1);
	if (c) {
		seg_open_msg(m, seg_ro, MCTE_ACCESS_READ);
		send_raw(c, m, W_SEG_OPEN);
		w_hdr(m, T_AUTH, W_HDR + 32, 0);
		send_raw(c, m, W_HDR + 32);
		w_hdr(m, T_SEG_CLOSE, W_HDR + 8, 0);
		send_raw(c, m, W_HDR + 8);
		ret = handshake(c, opt_key_len, HS_DONE);
		check(!ret && alive(c),
		      "open, auth and close before the hello: dropped, the handshake still works");
	} else {
		check(false, "open, auth and close before the hello: no connection");
	}
	check(counts_moved(&before, 3, 0, 0, 0), "the three counted (wire-refused +3)");
	conn_free(c);

	/* A hello that is not what the connection said. */
	before = counts_now();
	c = dial_as(mx_rand64(&rng) | 1);
	if (c) {
		hello_msg(c, m, opt_key_len ? HELLO_AUTH : 0);
		put64(m, H_ID, c->my_id ^ 0xff);
		ret = rpc(c, m, W_HELLO, r);
		check(ret < 0, "a hello with another engine id than the connection's: no reply, path closed");
	} else {
		check(false, "hello with another id: no connection");
	}
	check(counts_moved(&before, 1, 0, 0, 0), "counted (wire-refused +1)");
	conn_free(c);

	/* A hello announcing more addresses than it can hold. */
	before = counts_now();
	c = dial_as(mx_rand64(&rng) | 1);
	if (c) {
		hello_msg(c, m, opt_key_len ? HELLO_AUTH : 0);
		put32(m, H_NR_ADDRS, 9 + (uint32_t)rnd(100000));
		ret = rpc(c, m, W_HELLO, r);
		check(ret < 0, "a hello counting more than 8 addresses: no reply, path closed");
	} else {
		check(false, "hello with too many addresses: no connection");
	}
	check(counts_moved(&before, 1, 0, 0, 0), "counted (wire-refused +1)");
	conn_free(c);

	/* A second hello. */
	before = counts_now();
	c = session();
	if (c) {
		hello_msg(c, m, opt_key_len ? HELLO_AUTH : 0);
		put64(m, 16, ++c->tag);
		send_raw(c, m, W_HELLO);
		check(take(c, T_HELLO_REPLY, c->tag, r, 500) < 0 && alive(c),
		      "a second hello: no reply, the path stays");
	} else {
		check(false, "second hello: no session");
	}
	check(counts_moved(&before, 1, 0, 0, 0), "counted (wire-refused +1)");
	conn_free(c);

	/* Without the key the engine wants, or with one it does not have. */
	before = counts_now();
	c = dial_as(mx_rand64(&rng) | 1);
	if (c) {
		size_t saved = opt_key_len;
		uint8_t flags = saved ? 0 : HELLO_AUTH;

		hello_msg(c, m, flags);
		ret = rpc(c, m, W_HELLO, r);
		check(ret == W_HDR && get32(r, 8) == EKEYREJECTED,
		      saved ? "a hello without the key: refused EKEYREJECTED" :
			      "a hello proving a key the engine has none of: refused EKEYREJECTED");
		pump(c, 300);
		check(!alive(c), "and the path is closed");
	} else {
		check(false, "hello with the wrong flag: no connection");
		check(false, "and the path is closed");
	}
	check(counts_moved(&before, 0, 0, 1, 0), "counted (auth-failed +1)");
	conn_free(c);

	/* Passing for the engine itself, which proves its self key. */
	before = counts_now();
	c = dial_as(mx_rand64(&rng) | 1);
	if (c) {
		uint64_t engine = c->peer_id;
		uint8_t priv[16];
		int err, reason;

		conn_free(c);
		/* Its own requests carry its key flag: ours, from the REP. */
		cm_priv(priv, W_VERSION, W_VERSION, engine);
		c = dial(priv, sizeof(priv), &err, &reason);
		if (c)
			c->my_id = engine;
	}
	if (c) {
		/* The engine proves its self key; we can only guess ours. */
		hello_msg(c, m, HELLO_AUTH);
		ret = rpc(c, m, W_HELLO, r);
		check(ret == W_HELLO && !get32(r, 8) && (r[H_FLAGS] & HELLO_AUTH),
		      "a peer claiming the engine's own id is asked for the self key");
		w_hdr(m, T_AUTH, W_HDR + 32, 0);
		mx_fill_rand(m + W_HDR, 32, &rng);
		ret = rpc(c, m, W_HDR + 32, r);
		check(ret == W_HDR && get32(r, 8) == EKEYREJECTED,
		      "and cannot prove it: AUTH_REPLY EKEYREJECTED");
		seg_open_msg(m, seg_rw, MCTE_ACCESS_RW);
		check(rpc(c, m, W_SEG_OPEN, r) < 0, "and gets no segment");
	} else {
		check(false, "claim the engine's id: no connection");
		check(false, "claim the engine's id: no connection");
		check(false, "and gets no segment");
	}
	check(counts_moved(&before, 0, 0, 1, 0), "counted (auth-failed +1)");
	conn_free(c);

	if (!opt_key_len)
		return;
	/* A wrong proof of the cluster key. */
	before = counts_now();
	c = dial_as(mx_rand64(&rng) | 1);
	if (c) {
		opt_key[0] ^= 0x5a;
		ret = handshake(c, true, HS_DONE);
		opt_key[0] ^= 0x5a;
		check(ret == -EKEYREJECTED, "another key: the engine's proof does not check, ours is refused (%s)",
		      strerror(-ret));
	} else {
		check(false, "another key: no connection");
	}
	check(counts_moved(&before, 0, 0, 0, 0) || counts_moved(&before, 0, 0, 1, 0),
	      "a proof that does not check is caught by one side and counted there");
	conn_free(c);

	/* The engine's proof checked, then a wrong one of ours. */
	before = counts_now();
	c = dial_as(mx_rand64(&rng) | 1);
	if (c && !handshake(c, true, HS_HELLO_REPLY)) {
		w_hdr(m, T_AUTH, W_HDR + 32, 0);
		mx_fill_rand(m + W_HDR, 32, &rng);
		ret = rpc(c, m, W_HDR + 32, r);
		check(ret == W_HDR && get32(r, 8) == EKEYREJECTED,
		      "a wrong proof after the engine's: AUTH_REPLY EKEYREJECTED");
	} else {
		check(false, "wrong AUTH: no connection or no hello");
	}
	check(counts_moved(&before, 0, 0, 1, 0), "counted (auth-failed +1)");
	conn_free(c);
}

/* Whether the engine closed the connection within @ms (rdma_cm says so). */
static bool closed_by_peer(struct conn *c, int ms)
{
	int waited;

	for (waited = 0; !c->broken && waited < ms; waited += 10)
		pump(c, 10);
	return c->broken;
}

/* A connection that says nothing is closed once its handshake is late. */
static void t_silent(void)
{
	struct counts before = counts_now();
	struct conn *c = dial_as(mx_rand64(&rng) | 1);

	check(c && closed_by_peer(c, 10000),
	      "a peer that never says hello is closed after the handshake deadline");
	check(counts_moved(&before, 1, 0, 0, 0), "counted (wire-refused +1)");
	conn_free(c);
}

/* Leave at every step of the handshake and of an open. */
static void t_leave(void)
{
	unsigned int step, n = 0;
	struct open o;

	for (step = HS_HELLO_SENT; step <= HS_DONE + 3; step++) {
		struct conn *c = dial_as(mx_rand64(&rng) | 1);
		uint8_t m[W_SEG_OPEN];

		if (!c)
			continue;
		if (step <= HS_DONE) {
			if (opt_key_len || step != HS_AUTH_SENT)
				handshake(c, opt_key_len, step);
		} else if (!handshake(c, opt_key_len, HS_DONE)) {
			if (step == HS_DONE + 1) {
				/* An rpc abandoned mid-way. */
				seg_open_msg(m, seg_ro, MCTE_ACCESS_READ);
				put64(m, 16, ++c->tag);
				send_raw(c, m, W_SEG_OPEN);
			} else if (opt_key_len) {
				seg_open(c, seg_ro, MCTE_ACCESS_READ, &o);
				if (step == HS_DONE + 3) {
					w_hdr(m, T_SEG_CLOSE, W_HDR + 8, ++c->tag);
					put64(m, W_HDR, o.open_id);
					send_raw(c, m, W_HDR + 8);
				}
			}
		}
		/* Half leave politely, half just go. */
		if (step & 1)
			rdma_disconnect(c->id);
		conn_free(c);
		n++;
	}
	check(n == HS_DONE + 3, "left at each of %u steps (the engine cleans up; checked at the end)", n);
}

/*
 * The connections one address may hold, then one more. Each one held
 * finishes its handshake: on a slow kernel (the debug lane) the flood
 * outlasts the handshake deadline, which would close the first ones and
 * make room for the last.
 */
static void t_conn_flood(void)
{
	struct conn *cs[40];
	struct counts before = counts_now();
	unsigned int i, n = 0, refused = 0, failed = 0;
	int err, reason, ret;
	uint8_t priv[16];
	uint64_t id;

	for (i = 0; i < 40; i++) {
		id = mx_rand64(&rng) | 1;
		cm_priv(priv, W_VERSION, W_VERSION, id);
		cs[i] = dial(priv, 16, &err, &reason);
		if (!cs[i]) {
			if (err == -ECONNREFUSED && reason == REJ_BUSY)
				refused++;
			continue;
		}
		cs[i]->my_id = id;
		ret = handshake(cs[i], opt_key_len, HS_DONE);
		if (ret) {
			diag("connection %u: handshake failed: %s", i, strerror(-ret));
			failed++;
			continue;
		}
		n++;
	}
	diag("%u connections held, %u refused busy", n, refused);
	check(refused > 0 && !failed && n + refused == 40 && n <= 32,
	      "an address gets at most 32 connections, the rest are refused busy");
	check(counts_moved(&before, 0, refused, 0, 0),
	      "each refused connection counted (conn-refused +%u)", refused);
	for (i = 0; i < 40; i++)
		conn_free(cs[i]);
}

/* Opens the rules must refuse. */
static void t_opens(void)
{
	uint8_t m[W_SEG_OPEN], r[W_MSG_MAX];
	struct counts before;
	struct open o;
	struct conn *c;
	unsigned int i, ok = 0;
	int ret, refused = 0;

	c = session();
	if (!c) {
		check(false, "opens: no session");
		return;
	}
	before = counts_now();
	ret = seg_open(c, "no-such-segment", MCTE_ACCESS_READ, &o);
	check(ret == -ENOENT, "an unknown segment: ENOENT (%s)", strerror(-ret));
	ret = seg_open(c, seg_none, MCTE_ACCESS_READ, &o);
	check(ret == -EACCES, "a segment of mode none: EACCES (%s)", strerror(-ret));
	ret = seg_open(c, seg_ro, MCTE_ACCESS_RW, &o);
	check(ret == -EACCES, "read-write of a read-only segment: EACCES (%s)",
	      strerror(-ret));
	check(counts_moved(&before, 0, 0, 0, 3), "counted (open-refused +3)");

	/* Malformed: answered EINVAL, counted as refused messages. */
	before = counts_now();
	seg_open_msg(m, "", MCTE_ACCESS_READ);
	memset(m + W_HDR, 'a', 64);
	ret = rpc(c, m, W_SEG_OPEN, r);
	refused += ret == W_HDR && get32(r, 8) == EINVAL;
	seg_open_msg(m, "../etc", MCTE_ACCESS_READ);
	ret = rpc(c, m, W_SEG_OPEN, r);
	refused += ret == W_HDR && get32(r, 8) == EINVAL;
	seg_open_msg(m, seg_ro, 0);
	ret = rpc(c, m, W_SEG_OPEN, r);
	refused += ret == W_HDR && get32(r, 8) == EINVAL;
	seg_open_msg(m, seg_ro, 7);
	ret = rpc(c, m, W_SEG_OPEN, r);
	refused += ret == W_HDR && get32(r, 8) == EINVAL;
	check(refused == 4, "names without NUL or with other characters, access 0 and 7: EINVAL (%d of 4)",
	      refused);
	ret = seg_close(c, 0x1234567);
	check(ret == -ENOENT, "closing an open the path does not hold: ENOENT");
	check(counts_moved(&before, 5, 0, 0, 0), "counted (wire-refused +5)");

	if (!opt_key_len) {
		/* A program of this node, unauthenticated: nothing opens. */
		before = counts_now();
		ret = seg_open(c, seg_ro, MCTE_ACCESS_READ, &o);
		check(ret == -EACCES, "without the key, a local program cannot open a read segment: EACCES (%s)",
		      strerror(-ret));
		ret = seg_open(c, seg_rw, MCTE_ACCESS_RW, &o);
		check(ret == -EACCES, "nor a read-write one: EACCES (%s)", strerror(-ret));
		check(counts_moved(&before, 0, 0, 0, 2), "counted (open-refused +2)");
		conn_free(c);
		return;
	}

	/* An open flood: 256 per path, then EMFILE. */
	before = counts_now();
	for (i = 0; i < 256; i++)
		ok += !seg_open(c, seg_ro, MCTE_ACCESS_READ, &o);
	ret = seg_open(c, seg_ro, MCTE_ACCESS_READ, &o);
	check(ok == 256 && ret == -EMFILE, "256 opens through one path, the 257th refused EMFILE (%u, %s)",
	      ok, strerror(-ret));
	check(counts_moved(&before, 0, 0, 0, 1), "counted (open-refused +1)");
	conn_free(c);	/* its opens go with it: checked at the end */
}

/* Keys do what the open asked, on the segment only, while it lives. */
static void t_keys(void)
{
	struct open ro, rw, rwr;
	uint8_t want[4096];
	struct conn *c;
	uint32_t k;
	int st;

	c = session();
	if (!c || seg_open(c, seg_rw, MCTE_ACCESS_READ, &ro)) {
		check(false, "keys: no read open of the read-write segment");
		conn_free(c);
		return;
	}
	check(ro.access == MCTE_ACCESS_READ && ro.nr_keys > 0 &&
	      ro.key[0].off == 0, "a read open of a read-write segment grants read");
	/* Addresses are the engine's numbers, not its kernel's. */
	for (k = 0; k < ro.nr_keys; k++)
		if (ro.key[k].addr >= 0xffff800000000000ULL)
			break;
	check(k == ro.nr_keys, "no key address looks like a kernel address");
	st = rdma_op(c, false, ro.key[0].addr, ro.key[0].rkey, 4096, 0);
	pattern_at(seed_rw, 0, want, 4096);
	check(st == IBV_WC_SUCCESS && !memcmp(c->data, want, 4096),
	      "RDMA READ with it: the owner's bytes");
	memset(c->data, 0xee, 4096);
	st = rdma_op(c, true, ro.key[0].addr, ro.key[0].rkey, 4096, 0);
	check(st == IBV_WC_REM_ACCESS_ERR, "RDMA WRITE with the read open's key: remote access error (%s)",
	      ibv_wc_status_str(st));
	conn_free(c);

	/* Nothing landed: read again through a read-write open. */
	c = session();
	if (!c || seg_open(c, seg_rw, MCTE_ACCESS_RW, &rw)) {
		check(false, "keys: no read-write open");
		conn_free(c);
		return;
	}
	st = rdma_op(c, false, rw.key[0].addr, rw.key[0].rkey, 4096, 0);
	check(st == IBV_WC_SUCCESS && !memcmp(c->data, want, 4096),
	      "data unchanged after the refused WRITE");
	/* A read-write open writes; the bytes are put back after. */
	memset(c->data, 0x5c, 4096);
	st = rdma_op(c, true, rw.key[0].addr, rw.key[0].rkey, 4096, 0);
	memset(c->data, 0, 4096);
	if (st == IBV_WC_SUCCESS)
		st = rdma_op(c, false, rw.key[0].addr, rw.key[0].rkey, 4096, 0);
	check(st == IBV_WC_SUCCESS && c->data[0] == 0x5c && c->data[4095] == 0x5c,
	      "a read-write open's key writes");
	memcpy(c->data, want, 4096);
	rdma_op(c, true, rw.key[0].addr, rw.key[0].rkey, 4096, 0);

	/* Beyond a piece. */
	k = rw.nr_keys - 1;
	st = rdma_op(c, false, rw.key[k].addr + rw.key[k].len - 512,
		     rw.key[k].rkey, 4096, 0);
	check(st == IBV_WC_REM_ACCESS_ERR, "RDMA READ past the end of the segment: remote access error (%s)",
	      ibv_wc_status_str(st));
	conn_free(c);

	/* A closed open's key. */
	c = session();
	if (!c || seg_open(c, seg_ro, MCTE_ACCESS_READ, &rwr)) {
		check(false, "keys: no read open of the read segment");
		conn_free(c);
		return;
	}
	st = rdma_op(c, false, rwr.key[0].addr, rwr.key[0].rkey, 4096, 0);
	pattern_at(seed_ro, 0, want, 4096);
	check(st == IBV_WC_SUCCESS && !memcmp(c->data, want, 4096),
	      "RDMA READ of the read segment");
	check(!seg_close(c, rwr.open_id), "SEG_CLOSE of that open");
	st = rdma_op(c, false, rwr.key[0].addr, rwr.key[0].rkey, 4096, 0);
	check(st == IBV_WC_REM_ACCESS_ERR, "its key after the close: remote access error (%s)",
	      ibv_wc_status_str(st));
	conn_free(c);

	/* The key of an open whose connection closed. */
	c = session();
	if (!c) {
		check(false, "keys: no session for the old key");
		return;
	}
	st = rdma_op(c, false, ro.key[0].addr, ro.key[0].rkey, 4096, 0);
	check(st == IBV_WC_REM_ACCESS_ERR, "a key of a connection that closed: remote access error (%s)",
	      ibv_wc_status_str(st));
	conn_free(c);
}

/*
 * SEG_KEYS for keys @first on of @open_id, @resv in its reserved field.
 * Return: the reply's length into @r, or -errno.
 */
static int seg_keys(struct conn *c, uint64_t open_id, uint32_t first,
		    uint32_t resv, uint8_t *r)
{
	uint8_t m[W_SEG_KEYS];

	memset(m, 0, sizeof(m));
	w_hdr(m, T_SEG_KEYS, sizeof(m), 0);
	put64(m, W_HDR, open_id);
	put32(m, W_HDR + 8, first);
	put32(m, W_HDR + 12, resv);
	return rpc(c, m, sizeof(m), r);
}

/* Whether a SEG_KEYS_REPLY @r of @len bytes is the refusal @err alone. */
static bool keys_refused(const uint8_t *r, int len, uint32_t err)
{
	return len == W_HDR && get32(r, 8) == err;
}

/*
 * SEG_KEYS, by which an opener fetches the keys that do not fit its
 * SEG_OPEN_REPLY: only opens of this path are named, nothing past an
 * open's keys, asking again costs a reply and nothing else.
 */
static void t_seg_keys(void)
{
	uint8_t r[W_MSG_MAX];
	struct counts before;
	struct open o, other;
	struct conn *c, *c2;
	unsigned int i, same = 0;
	int len;

	c = session();
	c2 = session();
	if (!c || !c2 || seg_open(c, seg_rw, MCTE_ACCESS_RW, &o) ||
	    seg_open(c2, seg_ro, MCTE_ACCESS_READ, &other)) {
		check(false, "seg keys: no sessions with opens");
		conn_free(c);
		conn_free(c2);
		return;
	}
	check(o.total_keys == o.nr_keys && o.nr_keys > 0,
	      "a small segment's reply carries all its keys (%u of %u)",
	      o.nr_keys, o.total_keys);

	before = counts_now();
	/* The first page again, many times: the same keys every time. */
	for (i = 0; i < 64; i++) {
		len = seg_keys(c, o.open_id, 0, 0, r);
		if (len == W_KEYS_FIXED + (int)o.nr_keys * W_KEY &&
		    !get32(r, 8) && get64(r, W_HDR) == o.open_id &&
		    !get32(r, W_HDR + 8) && get32(r, W_HDR + 12) == o.nr_keys &&
		    get64(r, W_KEYS_FIXED) == o.key[0].off &&
		    get32(r, W_KEYS_FIXED + 20) == o.key[0].rkey)
			same++;
	}
	check(same == 64, "the same page of keys asked 64 times: the same keys each time (%u)",
	      same);
	len = seg_keys(c, o.open_id, o.nr_keys - 1, 0, r);
	check(len == W_KEYS_FIXED + W_KEY && get32(r, W_HDR + 12) == 1 &&
	      get64(r, W_KEYS_FIXED) == o.key[o.nr_keys - 1].off,
	      "keys from the last on: the last alone");
	check(counts_moved(&before, 0, 0, 0, 0), "asking is no refusal (counters unmoved)");

	before = counts_now();
	len = seg_keys(c, o.open_id ^ 0x5a5a00, 0, 0, r);
	check(keys_refused(r, len, ENOENT), "an open id the engine never gave: ENOENT");
	len = seg_keys(c, other.open_id, 0, 0, r);
	check(keys_refused(r, len, ENOENT), "the open of another connection: ENOENT");
	len = seg_keys(c, o.open_id, o.total_keys, 0, r);
	check(keys_refused(r, len, ERANGE), "keys from the open's count on: ERANGE");
	len = seg_keys(c, o.open_id, 0xffffffffu, 0, r);
	check(keys_refused(r, len, ERANGE), "keys from index 2^32-1: ERANGE");
	len = seg_keys(c, o.open_id, 0, 1, r);
	check(keys_refused(r, len, EINVAL), "the reserved field set: EINVAL");
	check(counts_moved(&before, 5, 0, 0, 0), "each refusal counted (wire-refused +5)");

	before = counts_now();
	check(!seg_close(c, o.open_id), "SEG_CLOSE of the open");
	len = seg_keys(c, o.open_id, 0, 0, r);
	check(keys_refused(r, len, ENOENT), "its keys after the close: ENOENT");
	check(counts_moved(&before, 1, 0, 0, 0), "counted (wire-refused +1)");
	check(alive(c) && alive(c2), "both connections still answer");
	conn_free(c2);
	conn_free(c);
}

/* One garbage message that the engine must refuse exactly once. */
static size_t garbage(struct conn *c, uint8_t *m)
{
	size_t len = W_HDR;

	w_hdr(m, T_PING, W_HDR, rnd(1000));
	switch (rnd(15)) {
	case 0:		/* shorter than a header */
		len = 1 + rnd(W_HDR - 1);
		mx_fill_rand(m, len, &rng);
		break;
	case 1:		/* another magic */
		put32(m, 0, (uint32_t)mx_rand64(&rng) | 1);
		if (get32(m, 0) == W_MAGIC)
			put32(m, 0, 0);
		break;
	case 2:		/* another version */
		put8(m, 4, (uint8_t)(W_VERSION + 1 + rnd(254)));
		break;
	case 3:		/* length field that lies */
		put16(m, 6, (uint16_t)(W_HDR + 1 + rnd(60000)));
		break;
	case 4:		/* reserved header field */
		put32(m, 12, (uint32_t)mx_rand64(&rng) | 1);
		break;
	case 5:		/* unknown type */
		put8(m, 5, rnd(2) ? 0 : (uint8_t)(T_SEG_KEYS_REPLY + 1 + rnd(242)));
		break;
	case 6:		/* a reply, sent to the side that answers */
		put8(m, 5, (uint8_t[]){ T_HELLO_REPLY, T_SEG_OPEN_REPLY,
			T_SEG_GONE, T_AUTH_REPLY, T_SEG_CLOSE_REPLY,
			T_SEG_KEYS_REPLY }[rnd(6)]);
		len = W_HDR + 8;
		put16(m, 6, len);
		break;
	case 7:		/* a status in a request */
		put32(m, 8, 1 + (uint32_t)rnd(200));
		break;
	case 8:		/* a body where there is none */
		len = W_HDR + 1 + rnd(200);
		mx_fill_rand(m + W_HDR, len - W_HDR, &rng);
		put16(m, 6, len);
		break;
	case 9:		/* a hello after the handshake */
		hello_msg(c, m, opt_key_len ? HELLO_AUTH : 0);
		len = W_HELLO;
		break;
	case 10:	/* an auth after the handshake */
		w_hdr(m, T_AUTH, W_HDR + 32, 0);
		mx_fill_rand(m + W_HDR, 32, &rng);
		len = W_HDR + 32;
		break;
	case 11:	/* an open with a name without NUL or a bad access */
		seg_open_msg(m, seg_ro, MCTE_ACCESS_READ);
		if (rnd(2))
			memset(m + W_HDR, 'x', 64);
		else
			put32(m, W_HDR + 64, rnd(2) ? 0 : 3 + (uint32_t)rnd(1000));
		len = W_SEG_OPEN;
		break;
	case 12:	/* a close, or keys, of an open nobody has */
		len = rnd(2) ? W_HDR + 8 : W_SEG_KEYS;
		w_hdr(m, len == W_SEG_KEYS ? T_SEG_KEYS : T_SEG_CLOSE, len,
		      rnd(1000));
		memset(m + W_HDR, 0, len - W_HDR);
		put64(m, W_HDR, (1ULL << 60) | mx_rand64(&rng) >> 8);
		break;
	case 13:	/* a hello carrying a proof */
		hello_msg(c, m, 0);
		mx_fill_rand(m + H_MAC, 32, &rng);
		len = W_HELLO;
		break;
	default:	/* an open of the wrong length */
		seg_open_msg(m, seg_ro, MCTE_ACCESS_READ);
		len = W_SEG_OPEN + (rnd(2) ? 8 : -8);
		put16(m, 6, len);
		break;
	}
	return len;
}

/*
 * The bulk: garbage in rounds, the paths alive and every message counted.
 * Sent in bursts of fewer messages than the engine has receive buffers,
 * each closed by a PING whose PONG says the engine took the burst: a
 * sender that outruns the buffers is only slowed down (RNR retries), and
 * would measure soft-RoCE's retry timer rather than the engine. Two
 * connections take turns, so that both CPUs have work.
 */
#define BULK_CONNS	2
#define BULK_BURST	14	/* + its PING: under the 16 receive buffers */
#define BULK_ROUND	4000

static void t_bulk(void)
{
	uint64_t sent = 0, rounds = 0, bad_rounds = 0;
	uint8_t m[W_MSG_MAX], r[W_MSG_MAX];
	struct conn *c[BULK_CONNS] = { NULL };
	uint64_t tag[BULK_CONNS];
	struct timespec t0, t1;
	struct counts before;
	unsigned int k, j;
	bool ok = true;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (k = 0; k < BULK_CONNS; k++)
		ok &= !!(c[k] = session());
	while (ok && sent < opt_messages) {
		uint64_t n = 0;

		before = counts_now();
		while (ok && n < BULK_ROUND && sent + n < opt_messages) {
			for (k = 0; k < BULK_CONNS && ok; k++) {
				for (j = 0; j < BULK_BURST && ok; j++) {
					ok = !send_raw(c[k], m, garbage(c[k], m));
					n += ok;
				}
				w_hdr(m, T_PING, W_HDR, 0);
				tag[k] = ++c[k]->tag;
				put64(m, 16, tag[k]);
				ok = ok && !send_raw(c[k], m, W_HDR);
			}
			for (k = 0; k < BULK_CONNS && ok; k++) {
				ok = take(c[k], T_PONG, tag[k], r, WAIT_MS) > 0;
				/* Answers to garbage requests: not needed. */
				c[k]->qn = 0;
			}
		}
		sent += n;
		rounds++;
		/* Drain the answers (EINVAL, ENOENT, EBUSY), then count. */
		for (k = 0; k < BULK_CONNS && ok; k++) {
			pump(c[k], 100);
			c[k]->qn = 0;
			ok = alive(c[k]);
		}
		if (!ok || !counts_moved(&before, n, 0, 0, 0)) {
			bad_rounds++;
			diag("round %llu: %s", (unsigned long long)rounds,
			     ok ? "counters off" : "a path closed");
			break;
		}
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	diag("%llu garbage messages over %u connections in %llu rounds, %.1f s",
	     (unsigned long long)sent, BULK_CONNS, (unsigned long long)rounds,
	     (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9);
	check(ok && sent >= opt_messages && !bad_rounds,
	      "%llu malformed, out-of-turn and unknown messages: each refused and counted, the paths alive",
	      (unsigned long long)sent);
	for (k = 0; k < BULK_CONNS; k++)
		conn_free(c[k]);
}

/* A message larger than a receive buffer fails the connection. */
static void t_oversize(void)
{
	static uint8_t m[W_MSG_MAX + 4096];
	struct conn *c = session();
	int i;

	if (!c) {
		check(false, "oversize: no session");
		return;
	}
	w_hdr(m, T_PING, 0, 0);
	send_raw(c, m, sizeof(m));
	for (i = 0; i < 100 && !c->broken; i++)
		pump(c, 20);
	check(c->broken, "a SEND larger than 16 KiB fails the connection");
	conn_free(c);
}

/* Run a scenario; say how long it took (under TCG it adds up). */
static void timed(const char *what, void (*fn)(void))
{
	struct timespec t0, t1;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	fn();
	clock_gettime(CLOCK_MONOTONIC, &t1);
	diag("%s: %.1f s", what, (t1.tv_sec - t0.tv_sec) +
	     (t1.tv_nsec - t0.tv_nsec) / 1e9);
}

static int parse_addr(const char *s, struct sockaddr_storage *ss, int defport)
{
	char host[128], *colon;
	struct sockaddr_in *s4 = (struct sockaddr_in *)ss;
	int port = defport;

	snprintf(host, sizeof(host), "%s", s);
	colon = strrchr(host, ':');
	if (colon) {
		*colon = 0;
		port = atoi(colon + 1);
	}
	memset(ss, 0, sizeof(*ss));
	s4->sin_family = AF_INET;
	s4->sin_port = htons(port);
	return inet_pton(AF_INET, host, &s4->sin_addr) == 1 ? 0 : -1;
}

static int read_key(const char *path)
{
	char buf[512];
	size_t i, n;
	FILE *f = fopen(path, "r");

	if (!f)
		return -1;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = 0;
	opt_key_len = 0;
	for (i = 0; i + 1 < n && opt_key_len < sizeof(opt_key);) {
		unsigned int b;

		if (buf[i] == ' ' || buf[i] == '\n') {
			i++;
			continue;
		}
		if (sscanf(buf + i, "%2x", &b) != 1)
			return -1;
		opt_key[opt_key_len++] = b;
		i += 2;
	}
	return opt_key_len >= 16 ? 0 : -1;
}

static int seg_arg(const char *s, char *name, uint64_t *seed)
{
	const char *colon = strchr(s, ':');

	if (!colon || colon - s >= 64)
		return -1;
	memcpy(name, s, colon - s);
	name[colon - s] = 0;
	*seed = strtoull(colon + 1, NULL, 0);
	return 0;
}

int main(int argc, char **argv)
{
	uint64_t seed = mx_seed("MCTE_HOSTILE_SEED", (uint64_t)time(NULL));
	int o;

	while ((o = getopt(argc, argv, "a:b:k:n:s:r:o:z:")) != -1) {
		switch (o) {
		case 'a':
			if (parse_addr(optarg, &opt_dst, MCTE_RDMA_PORT))
				return 2;
			break;
		case 'b':
			if (parse_addr(optarg, &opt_src, 0))
				return 2;
			break;
		case 'k':
			if (read_key(optarg)) {
				fprintf(stderr, "hostile: bad key file %s\n", optarg);
				return 2;
			}
			break;
		case 'n':
			opt_messages = strtoull(optarg, NULL, 0);
			break;
		case 's':
			seed = strtoull(optarg, NULL, 0);
			break;
		case 'r':
			if (seg_arg(optarg, seg_rw, &seed_rw))
				return 2;
			break;
		case 'o':
			if (seg_arg(optarg, seg_ro, &seed_ro))
				return 2;
			break;
		case 'z':
			snprintf(seg_none, sizeof(seg_none), "%s", optarg);
			break;
		default:
			return 2;
		}
	}
	if (!seg_rw[0] || !seg_ro[0] || !seg_none[0] ||
	    opt_dst.ss_family != AF_INET || opt_src.ss_family != AF_INET) {
		fprintf(stderr, "usage: hostile -a ADDR[:PORT] -b BIND [-k KEYFILE] [-n N] [-s SEED] -r RW:SEED -o RO:SEED -z NONE\n");
		return 2;
	}
	rng.s = seed;
	printf("TAP version 13\n");
	diag("seed %#llx (MCTE_HOSTILE_SEED replays it), %s",
	     (unsigned long long)seed, opt_key_len ? "with the cluster key" :
	     "the engine has no cluster key");

	/* What does not depend on the key runs in the keyed run only. */
	if (opt_key_len) {
		timed("connect requests", t_connect);
		timed("a silent peer", t_silent);
		timed("a connection flood", t_conn_flood);
	}
	timed("the key flag", t_connect_auth);
	timed("the handshake", t_handshake);
	timed("leaving at every step", t_leave);
	timed("opens", t_opens);
	if (opt_key_len) {
		timed("keys", t_keys);
		timed("pages of keys", t_seg_keys);
		timed("an oversize message", t_oversize);
	}
	timed("the bulk", t_bulk);

	printf("1..%u\n", tap_n);
	diag("pass:%u fail:%u", tap_n - tap_fail, tap_fail);
	return tap_fail ? 1 : 0;
}
