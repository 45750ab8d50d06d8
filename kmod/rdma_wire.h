/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mcte - what two engines say to each other (Documentation/wire.rst).
 *
 * Every field is big-endian and every message starts with the same
 * header; a receiver checks magic, version, type, direction, step and
 * length before it reads anything else, and drops (and counts) what fails
 * the checks. Version 3, the only one spoken: it added SEG_KEYS, by which
 * an opener fetches the keys of an open that do not fit its
 * SEG_OPEN_REPLY, and an engine of version 2 is refused at connect
 * (REJ_VERSION) rather than served keys it could not ask the rest of.
 */
#ifndef _MCTE_RDMA_WIRE_H
#define _MCTE_RDMA_WIRE_H

#include <linux/build_bug.h>
#include <linux/types.h>

#define MCTE_WIRE_MAGIC		0x4d435445	/* "MCTE" */
#define MCTE_WIRE_VERSION	3
/* The range this engine speaks; a path runs at the highest both speak. */
#define MCTE_WIRE_VERSION_MIN	3
#define MCTE_WIRE_VERSION_MAX	3
/* A receive buffer: the largest message. */
#define MCTE_WIRE_MSG_MAX	16384
#define MCTE_WIRE_ADDRS_MAX	8
#define MCTE_WIRE_NAME_MAX	64
#define MCTE_WIRE_NONCE_LEN	32
#define MCTE_WIRE_MAC_LEN	32	/* HMAC-SHA256 */

/**
 * struct mcte_wire_cm - private data of rdma_cm's connect request and reply
 * @magic: MCTE_WIRE_MAGIC
 * @max_version: highest version the sender speaks (version 1: its version)
 * @min_version: lowest version it speaks; 0 (version 1) reads as
 *		 @max_version
 * @flags: MCTE_WIRE_CM_*
 * @resv: zero
 * @engine_id: the sender engine's id
 */
struct mcte_wire_cm {
	__be32 magic;
	u8 max_version;
	u8 min_version;
	u8 flags;
	u8 resv;
	__be64 engine_id;
};

/* The sender holds a cluster key, and proves it to any other engine. */
#define MCTE_WIRE_CM_AUTH	0x01

/**
 * enum mcte_wire_rej_reason - why a listener rejected a connect request
 * @MCTE_WIRE_REJ_VERSION: no version both ends speak
 * @MCTE_WIRE_REJ_BUSY: too many connections, from that address or in all
 * @MCTE_WIRE_REJ_SHUTDOWN: the engine is going away
 * @MCTE_WIRE_REJ_MALFORMED: the private data is not mcte's
 * @MCTE_WIRE_REJ_AUTH: one end holds a cluster key, the other none
 */
enum mcte_wire_rej_reason {
	MCTE_WIRE_REJ_VERSION	= 1,
	MCTE_WIRE_REJ_BUSY	= 2,
	MCTE_WIRE_REJ_SHUTDOWN	= 3,
	MCTE_WIRE_REJ_MALFORMED	= 4,
	MCTE_WIRE_REJ_AUTH	= 5,
};

/**
 * struct mcte_wire_rej - private data of a listener's reject
 * @magic: MCTE_WIRE_MAGIC
 * @max_version: highest version the rejecting engine speaks
 * @min_version: lowest version it speaks
 * @reason: enum mcte_wire_rej_reason
 * @resv0: zero
 * @resv: zero
 */
struct mcte_wire_rej {
	__be32 magic;
	u8 max_version;
	u8 min_version;
	u8 reason;
	u8 resv0;
	__be64 resv;
};

enum mcte_wire_type {
	MCTE_WIRE_HELLO		= 1,	/* active -> passive, after connect */
	MCTE_WIRE_HELLO_REPLY	= 2,
	MCTE_WIRE_SEG_OPEN	= 3,
	MCTE_WIRE_SEG_OPEN_REPLY = 4,
	MCTE_WIRE_SEG_GONE	= 5,	/* owner -> opener: keys are void */
	MCTE_WIRE_PING		= 6,
	MCTE_WIRE_PONG		= 7,
	MCTE_WIRE_AUTH		= 8,	/* active -> passive: its proof */
	MCTE_WIRE_AUTH_REPLY	= 9,
	MCTE_WIRE_SEG_CLOSE	= 10,	/* opener -> owner: void an open */
	MCTE_WIRE_SEG_CLOSE_REPLY = 11,
	MCTE_WIRE_SEG_KEYS	= 12,	/* opener -> owner: a page of keys */
	MCTE_WIRE_SEG_KEYS_REPLY = 13,
	MCTE_WIRE_TYPE_MAX	= MCTE_WIRE_SEG_KEYS_REPLY,
};

/* HELLO flags */
#define MCTE_WIRE_HELLO_AUTH	0x01	/* the sender proves a key */

/**
 * struct mcte_wire_hdr - head of every message
 * @magic: MCTE_WIRE_MAGIC
 * @version: MCTE_WIRE_VERSION
 * @type: enum mcte_wire_type
 * @len: length of the whole message, header included
 * @status: 0, or a positive errno answering a request
 * @resv: zero
 * @tag: chosen by a requester, echoed by the reply
 */
struct mcte_wire_hdr {
	__be32 magic;
	u8 version;
	u8 type;
	__be16 len;
	__be32 status;
	__be32 resv;
	__be64 tag;
};

/**
 * struct mcte_wire_addr - an address a listener of the sender listens on
 * @family: AF_INET or AF_INET6
 * @port: port
 * @addr: IPv4 address in the first 4 bytes, or IPv6 address
 */
struct mcte_wire_addr {
	__be16 family;
	__be16 port;
	u8 addr[16];
};

/**
 * struct mcte_wire_hello - HELLO and HELLO_REPLY
 * @hdr: header
 * @engine_id: sender's engine id, as in the connection's private data
 * @dev: sender's RDMA device of this connection, NUL-terminated
 * @nr_addrs: entries of @addrs used
 * @min_version: lowest version the sender speaks
 * @max_version: highest version it speaks
 * @flags: MCTE_WIRE_HELLO_*
 * @resv: zero
 * @addrs: addresses the sender's listeners listen on
 * @nonce: the sender's challenge, random for each path
 * @mac: HELLO_REPLY: the replier's proof of the key; HELLO: zero
 */
struct mcte_wire_hello {
	struct mcte_wire_hdr hdr;
	__be64 engine_id;
	char dev[64];
	__be32 nr_addrs;
	u8 min_version;
	u8 max_version;
	u8 flags;
	u8 resv;
	struct mcte_wire_addr addrs[MCTE_WIRE_ADDRS_MAX];
	u8 nonce[MCTE_WIRE_NONCE_LEN];
	u8 mac[MCTE_WIRE_MAC_LEN];
};

/**
 * struct mcte_wire_auth - AUTH: the active side's proof of the key
 * @hdr: header
 * @mac: see Documentation/wire.rst
 */
struct mcte_wire_auth {
	struct mcte_wire_hdr hdr;
	u8 mac[MCTE_WIRE_MAC_LEN];
};

/**
 * struct mcte_wire_seg_open - SEG_OPEN: open a segment of the receiver
 * @hdr: header
 * @name: segment name, NUL-terminated
 * @access: enum mcte_access wanted, READ or RW
 * @uid: the opening process's uid; read only by the same engine
 */
struct mcte_wire_seg_open {
	struct mcte_wire_hdr hdr;
	char name[MCTE_WIRE_NAME_MAX];
	__be32 access;
	__be32 uid;
};

/**
 * struct mcte_wire_key - a piece of a segment reachable with one key
 * @off: offset of the piece in the segment
 * @addr: address to use in RDMA work requests for its first byte
 * @len: length of the piece
 * @rkey: remote key
 */
struct mcte_wire_key {
	__be64 off;
	__be64 addr;
	__be32 len;
	__be32 rkey;
};

/**
 * struct mcte_wire_seg_open_reply - SEG_OPEN_REPLY
 * @hdr: header; status says why an open failed (then the header is all)
 * @seg_id: the owner's id of the segment, named by SEG_GONE
 * @open_id: the owner's id of this open, named by SEG_CLOSE
 * @size: size of the segment
 * @access: enum mcte_access granted: the rights of the keys
 * @nr_bufs: buffers of the segment
 * @nr_keys: entries of @keys: the first page of the open's keys, at least
 *	     one, at most MCTE_WIRE_KEYS_PAGE
 * @total_keys: keys of the open in all, at least @nr_keys; those past
 *		@nr_keys are asked for with SEG_KEYS
 * @keys: the first pieces, in offset order; all the open's pieces cover
 *	  the segment exactly
 */
struct mcte_wire_seg_open_reply {
	struct mcte_wire_hdr hdr;
	__be64 seg_id;
	__be64 open_id;
	__be64 size;
	__be32 access;
	__be32 nr_bufs;
	__be32 nr_keys;
	__be32 total_keys;
	struct mcte_wire_key keys[];
};

/* Keys one message carries: a page of keys (680). */
#define MCTE_WIRE_KEYS_PAGE						\
	((MCTE_WIRE_MSG_MAX - sizeof(struct mcte_wire_seg_open_reply)) /	\
	 sizeof(struct mcte_wire_key))

/**
 * struct mcte_wire_seg_keys - SEG_KEYS: a page of an open's keys, wanted
 * @hdr: header
 * @open_id: the open, as its SEG_OPEN_REPLY named it, made through this
 *	     path
 * @first: index of the first key wanted, below the open's total_keys
 * @resv: zero
 */
struct mcte_wire_seg_keys {
	struct mcte_wire_hdr hdr;
	__be64 open_id;
	__be32 first;
	__be32 resv;
};

/**
 * struct mcte_wire_seg_keys_reply - SEG_KEYS_REPLY
 * @hdr: header; status ENOENT (no such open on this path) or ERANGE
 *	 (@first not below the open's keys), then the header is all
 * @open_id: as asked
 * @first: as asked
 * @nr_keys: entries of @keys, at least one, at most MCTE_WIRE_KEYS_PAGE
 *	     and no more than the open has from @first on
 * @keys: keys @first on, in offset order
 */
struct mcte_wire_seg_keys_reply {
	struct mcte_wire_hdr hdr;
	__be64 open_id;
	__be32 first;
	__be32 nr_keys;
	struct mcte_wire_key keys[];
};

/**
 * struct mcte_wire_seg_gone - SEG_GONE
 * @hdr: header
 * @seg_id: the segment that went
 */
struct mcte_wire_seg_gone {
	struct mcte_wire_hdr hdr;
	__be64 seg_id;
};

/**
 * struct mcte_wire_seg_close - SEG_CLOSE: the opener is done with an open
 * @hdr: header
 * @open_id: the open, as its SEG_OPEN_REPLY named it
 */
struct mcte_wire_seg_close {
	struct mcte_wire_hdr hdr;
	__be64 open_id;
};

static_assert(sizeof(struct mcte_wire_cm) == 16);
static_assert(sizeof(struct mcte_wire_rej) == 16);
static_assert(sizeof(struct mcte_wire_hello) == 24 + 304);
static_assert(sizeof(struct mcte_wire_seg_open) == 24 + 72);
static_assert(sizeof(struct mcte_wire_seg_open_reply) == 24 + 40);
static_assert(sizeof(struct mcte_wire_seg_keys) == 24 + 16);
static_assert(sizeof(struct mcte_wire_seg_keys_reply) == 24 + 16);
static_assert(sizeof(struct mcte_wire_seg_keys_reply) +
	      MCTE_WIRE_KEYS_PAGE * sizeof(struct mcte_wire_key) <=
	      MCTE_WIRE_MSG_MAX);
static_assert(sizeof(struct mcte_wire_hdr) == 24);
static_assert(sizeof(struct mcte_wire_addr) == 20);
static_assert(sizeof(struct mcte_wire_key) == 24);
static_assert(sizeof(struct mcte_wire_hello) <= MCTE_WIRE_MSG_MAX);

#endif /* _MCTE_RDMA_WIRE_H */
