/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mcte - what two engines say to each other (Documentation/wire.rst).
 *
 * Every field is big-endian and every message starts with the same
 * header; a receiver checks magic, version, type and length before it
 * reads anything else, and drops (and counts) what fails the checks.
 * Version 1.
 */
#ifndef _MCTE_RDMA_WIRE_H
#define _MCTE_RDMA_WIRE_H

#include <linux/build_bug.h>
#include <linux/types.h>

#define MCTE_WIRE_MAGIC		0x4d435445	/* "MCTE" */
#define MCTE_WIRE_VERSION	1
/* A receive buffer: the largest message. */
#define MCTE_WIRE_MSG_MAX	16384
#define MCTE_WIRE_ADDRS_MAX	8
#define MCTE_WIRE_NAME_MAX	64

/**
 * struct mcte_wire_cm - private data of rdma_cm's connect request and reply
 * @magic: MCTE_WIRE_MAGIC
 * @version: MCTE_WIRE_VERSION; a request of another version is rejected
 * @resv: zero
 * @engine_id: the sender engine's id
 */
struct mcte_wire_cm {
	__be32 magic;
	u8 version;
	u8 resv[3];
	__be64 engine_id;
};

enum mcte_wire_type {
	MCTE_WIRE_HELLO		= 1,	/* active -> passive, after connect */
	MCTE_WIRE_HELLO_REPLY	= 2,
	MCTE_WIRE_SEG_OPEN	= 3,
	MCTE_WIRE_SEG_OPEN_REPLY = 4,
	MCTE_WIRE_SEG_GONE	= 5,	/* owner -> opener: keys are void */
	MCTE_WIRE_PING		= 6,
	MCTE_WIRE_PONG		= 7,
};

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
 * @engine_id: sender's engine id
 * @dev: sender's RDMA device of this connection, NUL-terminated
 * @nr_addrs: entries of @addrs used
 * @resv: zero
 * @addrs: addresses the sender's listeners listen on
 */
struct mcte_wire_hello {
	struct mcte_wire_hdr hdr;
	__be64 engine_id;
	char dev[64];
	__be32 nr_addrs;
	__be32 resv;
	struct mcte_wire_addr addrs[MCTE_WIRE_ADDRS_MAX];
};

/**
 * struct mcte_wire_seg_open - SEG_OPEN: open a segment of the receiver
 * @hdr: header
 * @name: segment name, NUL-terminated
 * @access: enum mcte_access wanted
 * @resv: zero
 */
struct mcte_wire_seg_open {
	struct mcte_wire_hdr hdr;
	char name[MCTE_WIRE_NAME_MAX];
	__be32 access;
	__be32 resv;
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
 * @hdr: header; status says why an open failed
 * @seg_id: the owner's id of the segment, named by SEG_GONE
 * @size: size of the segment
 * @access: enum mcte_access of the segment (its keys' rights)
 * @nr_bufs: buffers of the segment
 * @nr_keys: entries of @keys
 * @resv: zero
 * @keys: the pieces, in offset order, covering the segment exactly
 */
struct mcte_wire_seg_open_reply {
	struct mcte_wire_hdr hdr;
	__be64 seg_id;
	__be64 size;
	__be32 access;
	__be32 nr_bufs;
	__be32 nr_keys;
	__be32 resv;
	struct mcte_wire_key keys[];
};

#define MCTE_WIRE_KEYS_MAX						\
	((MCTE_WIRE_MSG_MAX - sizeof(struct mcte_wire_seg_open_reply)) /	\
	 sizeof(struct mcte_wire_key))

/**
 * struct mcte_wire_seg_gone - SEG_GONE
 * @hdr: header
 * @seg_id: the segment that went
 */
struct mcte_wire_seg_gone {
	struct mcte_wire_hdr hdr;
	__be64 seg_id;
};

static_assert(sizeof(struct mcte_wire_cm) == 16);
static_assert(sizeof(struct mcte_wire_hdr) == 24);
static_assert(sizeof(struct mcte_wire_addr) == 20);
static_assert(sizeof(struct mcte_wire_key) == 24);
static_assert(sizeof(struct mcte_wire_hello) <= MCTE_WIRE_MSG_MAX);

#endif /* _MCTE_RDMA_WIRE_H */
