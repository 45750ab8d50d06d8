// SPDX-License-Identifier: GPL-2.0
/*
 * Random generic netlink messages to the "mcte" family, over raw
 * NETLINK_GENERIC sockets: at least 100,000 messages (MCTE_NL_FUZZ_OPS)
 * from a seeded PRNG (MCTE_NL_FUZZ_SEED; the seed is printed so that a
 * failure can be replayed), half of them as root, half from a child that
 * dropped to uid/gid 65534 with no capabilities.
 *
 * Every command value is sent (each MCTE_CMD_*, the notification commands,
 * 0, the two just past MCTE_CMD_MAX, 255 and random ones), with random
 * nlmsg flags (NLM_F_REQUEST mostly but not always, NLM_F_ACK, NLM_F_ECHO,
 * NLM_F_DUMP on do-only and dump-only commands, reserved bits), random
 * genl versions and reserved bytes, and attributes of known and unknown
 * types, of every length from 0 up, with lengths that overrun the message,
 * truncated headers, NLA_F_NESTED on non-nested types, nests several
 * levels deep, repeats, strings without their NUL, addresses of the wrong
 * size and integers at the edges. About 40% of the messages are valid
 * (listen-add/del on a small pool of addresses and ports, topo-set/get,
 * auth-set/del/get, policy-set/get, seg-get of a segment registered here,
 * dev-get, ...) and 30% valid but for one or two mutations, so that the
 * handlers are reached, not only the policy checks.
 *
 * Checked for each message: a reply comes when one must (every read has a
 * receive timeout; a sentinel message tells "no reply" from "late
 * reply"), it has the shape the ABI gives (data, ack, NLMSG_DONE, nothing
 * else, with our sequence number), and its error is one the ABI documents
 * for that command: see the table at cmds[] below. Some outcomes are
 * exact: EINVAL for a bad genl header, EOPNOTSUPP for a command without
 * the do or dump asked for, EPERM for an admin-perm command from the
 * unprivileged child (and never anywhere else), no EINVAL/ERANGE for a
 * message built valid. auth-get and policy-get must read back what the
 * successful auth-set/del and policy-set made.
 *
 * Checked at the end: the unprivileged phase changed nothing (listeners,
 * priority matrix, auth, policy, segments and batches, devices, read by
 * root before and after); the root phase, having removed what it made,
 * left the engine as it found it; the module's reference count is back.
 * The runner adds the kernel log (no WARNING/BUG).
 */
#include <grp.h>
#include <stdarg.h>
#include <sys/socket.h>

#include "kselftest_harness.h"
#include "mcte_test.h"
#include "mcte_xfer.h"
#include "mcte_nl.h"

#ifndef NETLINK_CAP_ACK
#define NETLINK_CAP_ACK		10
#endif
#ifndef NETLINK_EXT_ACK
#define NETLINK_EXT_ACK		11
#endif
#ifndef NLM_F_ACK_TLVS
#define NLM_F_ACK_TLVS		0x200
#endif

#define MSG_MAX		4096	/* bytes of one message sent */
#define PAYLOAD_MAX	1100	/* bytes of one attribute's payload */
#define ATTRS_MAX	80	/* top-level attributes of one message */
#define RBUF_SIZE	(64 * 1024)
#define RCV_TIMEOUT_S	5
#define NR_ERRNO	160
#define SENTINEL	0x80000000U	/* sequence bit of the sentinel messages */
#define GENL_MSG_MIN	(NLMSG_HDRLEN + GENL_HDRLEN)

/* ------------------------------------------------------------------ */
/* The family: commands, attribute sets, and the errors the ABI gives   */

enum ak {
	AK_NONE, AK_U8, AK_U16, AK_U32, AK_S32, AK_U64, AK_STR, AK_BIN,
	AK_NEST, AK_PAD,
};

enum aset {
	SET_NONE, SET_VERSION, SET_DEV, SET_PORT, SET_SEG, SET_BUF, SET_STAT,
	SET_LISTEN, SET_PEER, SET_PATH, SET_AUTH, SET_POLICY, SET_TOPO,
	NR_SETS,
};

/* Kind of each attribute of each set, as the spec declares it. */
static const unsigned char set_kinds[NR_SETS][17] = {
	[SET_VERSION] = { 0, AK_U32, AK_U64, AK_STR, AK_U32, AK_PAD },
	[SET_DEV] = { 0, AK_U32, AK_STR, AK_U64, AK_S32, AK_STR, AK_U32,
		      AK_NEST, AK_PAD, AK_STR },
	[SET_PORT] = { 0, AK_U32, AK_U32, AK_U32, AK_STR, AK_U32, AK_U32 },
	[SET_SEG] = { 0, AK_STR, AK_U32, AK_U32, AK_U32, AK_U32, AK_U32,
		      AK_U64, AK_U32, AK_NEST, AK_PAD },
	[SET_BUF] = { 0, AK_U64, AK_PAD },
	[SET_STAT] = { 0, AK_U64, AK_U64, AK_U64, AK_U64, AK_U64, AK_U64,
		       AK_U64, AK_U64, AK_U64, AK_U64, AK_PAD, AK_U64, AK_U64,
		       AK_U64, AK_U64, AK_U64 },
	[SET_LISTEN] = { 0, AK_BIN, AK_U16, AK_STR, AK_U8 },
	[SET_PEER] = { 0, AK_U64, AK_BIN, AK_U16, AK_U32, AK_U32, AK_U32,
		       AK_PAD },
	[SET_PATH] = { 0, AK_U32, AK_U64, AK_U32, AK_U8, AK_STR, AK_STR,
		       AK_BIN, AK_BIN, AK_U16, AK_U32, AK_U64, AK_U64, AK_U64,
		       AK_U64, AK_U64, AK_PAD },
	[SET_AUTH] = { 0, AK_BIN, AK_U8 },
	[SET_POLICY] = { 0, AK_U32, AK_U32, AK_U32, AK_U32 },
	[SET_TOPO] = { 0, AK_STR, AK_STR, AK_STR, AK_U8 },
};

static const unsigned char set_max[NR_SETS] = {
	[SET_VERSION] = MCTE_A_VERSION_MAX, [SET_DEV] = MCTE_A_DEV_MAX,
	[SET_PORT] = MCTE_A_PORT_MAX, [SET_SEG] = MCTE_A_SEG_MAX,
	[SET_BUF] = MCTE_A_BUF_MAX, [SET_STAT] = MCTE_A_STAT_MAX,
	[SET_LISTEN] = MCTE_A_LISTEN_MAX, [SET_PEER] = MCTE_A_PEER_MAX,
	[SET_PATH] = MCTE_A_PATH_MAX, [SET_AUTH] = MCTE_A_AUTH_MAX,
	[SET_POLICY] = MCTE_A_POLICY_MAX, [SET_TOPO] = MCTE_A_TOPO_MAX,
};

static int akind(int set, unsigned int type)
{
	if (set <= SET_NONE || set >= NR_SETS || !type || type > set_max[set])
		return AK_NONE;
	return set_kinds[set][type];
}

enum { NO_DO, DO_GET, DO_SET };

/*
 * Errors any request that reaches the family may get, whatever the
 * command:
 *  EINVAL      genetlink: a message shorter than the genl header
 *              (genl_family_rcv_msg()), a reserved byte or nlmsg flag
 *              bit set (genl_header_check(); resv_start_op is 0 here);
 *              strict attribute parsing (genl_family_rcv_msg_attrs_parse(),
 *              __nla_validate_parse()): type 0 or above the policy's
 *              maxattr, NLA_F_NESTED on a type that is not a nest, bytes
 *              left over (a truncated attribute header, an nla_len that
 *              overruns the message or is under 4), an integer of the
 *              wrong size, an NLA_NUL_STRING without its NUL, and any
 *              attribute at all for the commands without a policy
 *              (genl_policy_reject_all); handlers: a required attribute
 *              missing (GENL_REQ_ATTR_CHECK()).
 *  ERANGE      netlink policy checks (validate_nla(),
 *              nla_validate_int_range()): a string or binary longer than
 *              the policy's len (listen addr 16, topo location 31, device
 *              names 63), an integer outside NLA_POLICY_MIN/MAX/RANGE
 *              (listen port min 1, remote-open max 2, peers/dials-per-user
 *              1..1024), a binary outside NLA_POLICY_RANGE (auth key
 *              16..64 bytes).
 *  EOPNOTSUPP  genl_family_rcv_msg(): no op for the command, or none of
 *              the kind asked for (a do-only command with NLM_F_DUMP, a
 *              dump-only one without): exact, see check().
 *  EMSGSIZE    the handlers, when a reply does not fit what they sized
 *              (netlink.c, netlink_trust.c), and dumps whose one entry
 *              does not fit a message.
 *  ENOMEM      the handlers' and genetlink's allocations.
 *  ENOBUFS     the netlink core's allocations (netlink_sendmsg(),
 *              netlink_ack(): the latter as a socket error, which recv()
 *              reports, and a reply lost that way fails the run).
 *  EPERM       genl_family_rcv_msg(): a GENL_ADMIN_PERM op (the
 *              admin-perm flag of the spec) without CAP_NET_ADMIN: only
 *              the unprivileged phase, only admin-perm ops (exact).
 * E2BIG is not listed: the core does not produce it for a request;
 * topo-set's handler does (below).
 */
static const int core_errs[] = { EINVAL, ERANGE, EMSGSIZE, ENOMEM, ENOBUFS };

struct cmd_desc {
	const char *name;
	unsigned char doit;	/* NO_DO, DO_GET (data reply), DO_SET (ack) */
	bool dumpit;
	bool admin;		/* flags: [admin-perm] */
	unsigned char set;	/* attribute-set of the command */
	int do_errs[6];		/* besides core_errs, 0-terminated */
	int dump_errs[2];
};

/*
 * What each op adds to core_errs, from the spec's docs
 * (Documentation/netlink/specs/mcte.yaml) and the handlers (kmod/netlink.c,
 * kmod/netlink_trust.c and what they call).
 */
static const struct cmd_desc cmds[MCTE_CMD_MAX + 1] = {
	[MCTE_CMD_VERSION_GET] = { "version-get", DO_GET, false, false,
				   SET_VERSION },
	/* ENODEV: mcte_nl_dev_get_doit(), no device of that index here. */
	[MCTE_CMD_DEV_GET] = { "dev-get", DO_GET, true, false, SET_DEV,
			       { ENODEV } },
	[MCTE_CMD_DEV_ADD_NTF] = { "dev-add-ntf", NO_DO, false, false, SET_DEV },
	[MCTE_CMD_DEV_DEL_NTF] = { "dev-del-ntf", NO_DO, false, false, SET_DEV },
	[MCTE_CMD_DEV_CHANGE_NTF] = { "dev-change-ntf", NO_DO, false, false,
				      SET_DEV },
	/* ENOENT: mcte_nl_seg_get_doit(), no segment of that name. */
	[MCTE_CMD_SEG_GET] = { "seg-get", DO_GET, true, false, SET_SEG,
			       { ENOENT } },
	[MCTE_CMD_STAT_GET] = { "stat-get", DO_GET, false, false, SET_STAT },
	[MCTE_CMD_SEG_ADD_NTF] = { "seg-add-ntf", NO_DO, false, false, SET_SEG },
	[MCTE_CMD_SEG_DEL_NTF] = { "seg-del-ntf", NO_DO, false, false, SET_SEG },
	/*
	 * listen-add: EEXIST, EADDRNOTAVAIL, EADDRINUSE from the spec;
	 * EAFNOSUPPORT from mcte_listen_add() (not an IPv4/IPv6 address);
	 * EINVAL (a core one anyway) from mcte_nl_listen_parse() for an
	 * address that is not 4 or 16 bytes, and from rdma_bind_addr() for
	 * an IPv6 link-local address without a scope. A port a listener on
	 * an any-address holds gives EADDRNOTAVAIL (rdma_cm's
	 * cma_check_port()), where the spec says EADDRINUSE.
	 */
	[MCTE_CMD_LISTEN_ADD] = { "listen-add", DO_SET, false, true, SET_LISTEN,
				  { EEXIST, EADDRNOTAVAIL, EADDRINUSE,
				    EAFNOSUPPORT } },
	/* ENOENT: spec, not listening on that address and port. */
	[MCTE_CMD_LISTEN_DEL] = { "listen-del", DO_SET, false, true, SET_LISTEN,
				  { ENOENT } },
	[MCTE_CMD_LISTEN_GET] = { "listen-get", NO_DO, true, false, SET_LISTEN },
	[MCTE_CMD_PEER_GET] = { "peer-get", NO_DO, true, false, SET_PEER },
	[MCTE_CMD_PATH_GET] = { "path-get", NO_DO, true, false, SET_PATH },
	[MCTE_CMD_PATH_UP_NTF] = { "path-up-ntf", NO_DO, false, false,
				   SET_PATH },
	[MCTE_CMD_PATH_DOWN_NTF] = { "path-down-ntf", NO_DO, false, false,
				     SET_PATH },
	[MCTE_CMD_TOPO_GET] = { "topo-get", NO_DO, true, false, SET_TOPO },
	/*
	 * topo-set: ENODEV (unknown device) and EINVAL (location not cpu:N
	 * of a possible node) from the spec; E2BIG (more than
	 * MCTE_TOPO_NICS_MAX devices) and EINVAL (a device named twice) from
	 * mcte_nl_topo_set_doit().
	 */
	[MCTE_CMD_TOPO_SET] = { "topo-set", DO_SET, false, true, SET_TOPO,
				{ ENODEV, E2BIG } },
	/*
	 * auth-set: EINVAL for the key's length (spec; core anyway). The
	 * policy's NLA_POLICY_RANGE(NLA_BINARY, 16, 64) answers first, with
	 * ERANGE.
	 */
	[MCTE_CMD_AUTH_SET] = { "auth-set", DO_SET, false, true, SET_AUTH },
	/* auth-del: ENOENT, no key set (spec). */
	[MCTE_CMD_AUTH_DEL] = { "auth-del", DO_SET, false, true, SET_AUTH,
				{ ENOENT } },
	[MCTE_CMD_AUTH_GET] = { "auth-get", DO_GET, false, false, SET_AUTH },
	/* policy-set: EINVAL for a group without mapping (spec; core). */
	[MCTE_CMD_POLICY_SET] = { "policy-set", DO_SET, false, true,
				  SET_POLICY },
	[MCTE_CMD_POLICY_GET] = { "policy-get", DO_GET, false, false,
				  SET_POLICY },
};

/* The command values every phase sends: each is checked to be sent. */
static const unsigned int cmd_slots[] = {
	MCTE_CMD_VERSION_GET, MCTE_CMD_DEV_GET, MCTE_CMD_DEV_ADD_NTF,
	MCTE_CMD_DEV_DEL_NTF, MCTE_CMD_DEV_CHANGE_NTF, MCTE_CMD_SEG_GET,
	MCTE_CMD_STAT_GET, MCTE_CMD_SEG_ADD_NTF, MCTE_CMD_SEG_DEL_NTF,
	MCTE_CMD_LISTEN_ADD, MCTE_CMD_LISTEN_DEL, MCTE_CMD_LISTEN_GET,
	MCTE_CMD_PEER_GET, MCTE_CMD_PATH_GET, MCTE_CMD_PATH_UP_NTF,
	MCTE_CMD_PATH_DOWN_NTF, MCTE_CMD_TOPO_GET, MCTE_CMD_TOPO_SET,
	MCTE_CMD_AUTH_SET, MCTE_CMD_AUTH_DEL, MCTE_CMD_AUTH_GET,
	MCTE_CMD_POLICY_SET, MCTE_CMD_POLICY_GET,
	0, MCTE_CMD_MAX + 1, MCTE_CMD_MAX + 2, 255,
};

static const struct cmd_desc *cmd_of(unsigned int cmd)
{
	return cmd >= 1 && cmd <= MCTE_CMD_MAX && cmds[cmd].name ?
	       &cmds[cmd] : NULL;
}

static const char *cmd_name(unsigned int cmd)
{
	const struct cmd_desc *d = cmd_of(cmd);

	if (d)
		return d->name;
	return cmd == 0 ? "(0)" : cmd <= MCTE_CMD_MAX + 2 ? "(past max)" :
	       "(unknown)";
}

/* ------------------------------------------------------------------ */
/* State of a run                                                      */

struct fattr {
	uint16_t type;		/* nla_type as sent, flag bits included */
	uint16_t len;		/* payload bytes */
	int lie;		/* added to nla_len: not the payload's length */
	uint8_t data[PAYLOAD_MAX];
};

enum { K_VALID, K_NEARLY, K_RANDOM, NR_KINDS };
static const char *const kind_names[] = { "valid", "nearly valid", "random" };

struct fmsg {
	uint16_t flags;
	uint8_t cmd, version;
	uint16_t reserved;
	unsigned int n;
	struct fattr a[ATTRS_MAX];
	unsigned int cut;	/* bytes cut off the end */
	unsigned int tail;	/* bytes of garbage after the attributes */
	uint8_t tailb[4];
	unsigned int short_len;	/* 16..19: nlmsg_len under the genl header */
	int kind;
	char what[160];		/* the mutations applied */
	union {
		uint8_t b[MSG_MAX + 16];
		struct nlmsghdr h;
	} w;			/* as sent */
	size_t wlen;
};

/* What a message should get, from its bytes alone. */
struct pred {
	bool request, ack, dump, hdr_ok, op, admin, must_reply;
	unsigned int cmd;
	const struct cmd_desc *d;
};

struct reply {
	int err;		/* 0 or -errno of NLMSG_ERROR/NLMSG_DONE */
	bool acked;		/* an NLMSG_ERROR came (error or ack) */
	bool done;		/* an NLMSG_DONE came */
	unsigned int data;	/* data messages */
	int first_len;		/* attributes of the first data message */
	uint8_t first[4096];
	char ext[200];		/* extack message */
	long ext_off;		/* extack offset, -1 if none */
};

struct phase_stats {
	unsigned long msgs, ok, err, silent, sentinels, data_msgs;
	unsigned long by_kind[NR_KINDS];
	unsigned long by_cmd[256], ok_by_cmd[256], eperm_by_cmd[256];
	unsigned long errnos[NR_ERRNO];
	unsigned long listen_added, listen_deleted;
	uint64_t ms;
	bool ran, caps_dropped, eperm_probe;
	char bad[8192];		/* the first broken rule, with the message */
};

struct model {
	int key;		/* auth: 1 key set, 0 none, -1 unknown */
	bool pol_known;
	uint32_t ro, group, peers, dials;
};

struct nlfz {
	int fd;
	uint16_t fam;
	uint32_t portid;	/* of fd: what replies carry in nlmsg_pid */
	bool unpriv;
	const char *phase;
	struct mx_rng rng;
	uint32_t seq;
	unsigned long cur;	/* index of the message being sent */
	struct phase_stats *st;
	struct model m;
	/* What valid messages draw from. */
	unsigned int nr_devs;
	char dev_name[8][64];
	uint32_t dev_idx[8];
	unsigned int nr_nodes;
	unsigned int nodes[64];
	char seg_name[64];
	struct fmsg f;
	struct reply rp;
	uint8_t rbuf[RBUF_SIZE] __attribute__((aligned(8)));
};

static void broke(struct nlfz *z, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void broke(struct nlfz *z, const char *fmt, ...)
{
	va_list ap;

	if (z->st->bad[0])
		return;
	va_start(ap, fmt);
	vsnprintf(z->st->bad, sizeof(z->st->bad), fmt, ap);
	va_end(ap);
}

static uint64_t r64(struct nlfz *z)
{
	return mx_rand64(&z->rng);
}

static uint64_t rb(struct nlfz *z, uint64_t n)
{
	return mx_rand_below(&z->rng, n);
}

static bool chance(struct nlfz *z, unsigned int percent)
{
	return rb(z, 100) < percent;
}

static void what(struct fmsg *f, const char *s)
{
	size_t l = strlen(f->what);

	snprintf(f->what + l, sizeof(f->what) - l, "%s%s", l ? ", " : "", s);
}

/* ------------------------------------------------------------------ */
/* Building messages                                                    */

static void fm_init(struct fmsg *f, unsigned int cmd, uint16_t flags,
		    uint8_t version, int kind)
{
	f->flags = flags;
	f->cmd = cmd;
	f->version = version;
	f->reserved = 0;
	f->n = 0;
	f->cut = f->tail = f->short_len = 0;
	f->kind = kind;
	f->what[0] = 0;
}

static struct fattr *fa_add(struct fmsg *f, uint16_t type, const void *data,
			    size_t len)
{
	struct fattr *a;

	if (f->n >= ATTRS_MAX)
		return NULL;
	if (len > PAYLOAD_MAX)
		len = PAYLOAD_MAX;
	a = &f->a[f->n++];
	a->type = type;
	a->len = len;
	a->lie = 0;
	if (data)
		memcpy(a->data, data, len);
	return a;
}

static void fa_u16(struct fmsg *f, uint16_t type, uint16_t v)
{
	fa_add(f, type, &v, 2);
}

static void fa_u32(struct fmsg *f, uint16_t type, uint32_t v)
{
	fa_add(f, type, &v, 4);
}

static void fa_str(struct fmsg *f, uint16_t type, const char *s)
{
	fa_add(f, type, s, strlen(s) + 1);
}

/* Lay the message out as it goes on the wire, with sequence number @seq. */
static void fm_serialize(struct fmsg *f, uint16_t fam, uint32_t seq)
{
	struct nlmsghdr *nh = &f->w.h;
	struct genlmsghdr *gh = NLMSG_DATA(nh);
	size_t len = GENL_MSG_MIN;
	unsigned int i;

	memset(f->w.b, 0, len);
	nh->nlmsg_type = fam;
	nh->nlmsg_flags = f->flags;
	nh->nlmsg_seq = seq;
	gh->cmd = f->cmd;
	gh->version = f->version;
	gh->reserved = f->reserved;
	for (i = 0; i < f->n; i++) {
		struct fattr *a = &f->a[i];
		size_t tot = NLA_ALIGN(NLA_HDRLEN + a->len);
		struct nlattr *na = (struct nlattr *)(f->w.b + len);
		long nl = (long)NLA_HDRLEN + a->len + a->lie;

		if (len + tot > MSG_MAX)
			break;
		na->nla_len = nl < 0 ? 0 : nl > 0xffff ? 0xffff : nl;
		na->nla_type = a->type;
		memcpy((uint8_t *)na + NLA_HDRLEN, a->data, a->len);
		memset((uint8_t *)na + NLA_HDRLEN + a->len, 0,
		       tot - NLA_HDRLEN - a->len);
		len += tot;
	}
	if (f->tail && len + f->tail <= MSG_MAX) {
		memcpy(f->w.b + len, f->tailb, f->tail);
		len += f->tail;
	}
	if (f->cut)
		len = len - f->cut > GENL_MSG_MIN ? len - f->cut : GENL_MSG_MIN;
	if (f->short_len)
		len = f->short_len;
	nh->nlmsg_len = len;
	f->wlen = len;
}

/* Mostly small, now and then big, lengths with their edges. */
static unsigned int rand_len(struct nlfz *z)
{
	static const unsigned int edges[] = {
		0, 1, 2, 3, 4, 5, 7, 8, 15, 16, 17, 31, 32, 33, 63, 64, 65,
		255, 256, 1024,
	};

	switch (rb(z, 20)) {
	case 0 ... 6: return rb(z, 9);
	case 7 ... 11: return rb(z, 33);
	case 12 ... 14: return rb(z, 81);
	case 15 ... 16: return rb(z, 301);
	case 17: return 300 + rb(z, PAYLOAD_MAX - 300);
	default: return edges[rb(z, MX_ARRAY_SIZE(edges))];
	}
}

static void fill_bytes(struct nlfz *z, uint8_t *p, size_t len)
{
	switch (rb(z, 10)) {
	case 0 ... 2:
		memset(p, 0, len);
		break;
	case 3:
		memset(p, 0xff, len);
		break;
	case 4: {
		size_t i;

		for (i = 0; i < len; i++)	/* printable, no NUL */
			p[i] = 'a' + rb(z, 26);
		break;
	}
	default:
		mx_fill_rand(p, len, &z->rng);
	}
}

static uint64_t edge_int(struct nlfz *z, int kind)
{
	static const uint32_t e32[] = {
		0, 1, 2, 3, 4, 16, 1023, 1024, 1025, 65534, 65535, 65536,
		0x7fffffff, 0x80000000U, 0xfffffffeU, 0xffffffffU,
	};

	switch (kind) {
	case AK_U8: {
		static const uint8_t e[] = { 0, 1, 2, 0x7f, 0x80, 0xff };

		return chance(z, 80) ? e[rb(z, MX_ARRAY_SIZE(e))] : rb(z, 256);
	}
	case AK_U16: {
		static const uint16_t e[] = {
			0, 1, 2, 1023, 1024, 7471, 0x7fff, 0x8000, 0xffff,
		};

		return chance(z, 80) ? e[rb(z, MX_ARRAY_SIZE(e))] : rb(z, 65536);
	}
	case AK_U64:
		switch (rb(z, 6)) {
		case 0: return 0;
		case 1: return 1;
		case 2: return ~0ULL;
		case 3: return 1ULL << 32;
		case 4: return e32[rb(z, MX_ARRAY_SIZE(e32))];
		default: return r64(z);
		}
	default:
		return chance(z, 80) ? e32[rb(z, MX_ARRAY_SIZE(e32))] :
		       (uint32_t)r64(z);
	}
}

static unsigned int kind_width(int kind)
{
	switch (kind) {
	case AK_U8: return 1;
	case AK_U16: return 2;
	case AK_U32: case AK_S32: return 4;
	case AK_U64: return 8;
	}
	return 0;
}

/*
 * Random attributes nested @depth deep and more, NLA_F_NESTED or not,
 * into @out (at most @room bytes). Returns the bytes written.
 */
static size_t gen_nest(struct nlfz *z, uint8_t *out, size_t room, int depth)
{
	unsigned int i, n = 1 + rb(z, 4);
	size_t len = 0;

	for (i = 0; i < n; i++) {
		struct nlattr *na = (struct nlattr *)(out + len);
		size_t plen;

		if (len + NLA_HDRLEN + 16 > room)
			break;
		na->nla_type = rb(z, 12) | (chance(z, 30) ? NLA_F_NESTED : 0);
		if (depth < 6 && chance(z, 40)) {
			plen = gen_nest(z, out + len + NLA_HDRLEN,
					room - len - NLA_HDRLEN, depth + 1);
			na->nla_type |= chance(z, 85) ? NLA_F_NESTED : 0;
		} else {
			plen = rb(z, 13);
			fill_bytes(z, out + len + NLA_HDRLEN, plen);
		}
		na->nla_len = NLA_HDRLEN + plen;
		if (chance(z, 4))		/* a lie, deep inside */
			na->nla_len = chance(z, 50) ? rb(z, 4) :
				      na->nla_len + 1 + rb(z, 64);
		memset(out + len + NLA_HDRLEN + plen, 0,
		       NLA_ALIGN(plen) - plen);
		len += NLA_ALIGN(NLA_HDRLEN + plen);
	}
	return len;
}

static void gen_nest_into(struct nlfz *z, struct fattr *a)
{
	a->len = gen_nest(z, a->data, 400, 1);
	if (chance(z, 70))
		a->type |= NLA_F_NESTED;
}

/* A payload for an attribute of @kind: well-formed if @sane. */
static void gen_value(struct nlfz *z, struct fattr *a, int kind, bool sane)
{
	unsigned int w = kind_width(kind), i;
	uint64_t v;

	if (!sane) {
		if (chance(z, 15)) {
			gen_nest_into(z, a);
			return;
		}
		a->len = rand_len(z);
		fill_bytes(z, a->data, a->len);
		return;
	}
	switch (kind) {
	case AK_U8: case AK_U16: case AK_U32: case AK_S32: case AK_U64:
		v = edge_int(z, kind);
		a->len = w;
		memcpy(a->data, &v, w);	/* little-endian */
		break;
	case AK_STR:
		a->len = chance(z, 70) ? rb(z, 20) : rand_len(z);
		if (a->len > PAYLOAD_MAX - 1)
			a->len = PAYLOAD_MAX - 1;
		for (i = 0; i < a->len; i++)
			a->data[i] = chance(z, 95) ? 'a' + rb(z, 26) :
				     1 + rb(z, 255);
		a->data[a->len++] = 0;
		break;
	case AK_BIN:
		a->len = chance(z, 60) ? (chance(z, 50) ? 4 : 16) : rand_len(z);
		fill_bytes(z, a->data, a->len);
		break;
	case AK_PAD:
		a->len = rb(z, 9);
		memset(a->data, 0, a->len);
		break;
	default:
		gen_nest_into(z, a);
	}
}

/* Flags of a well-formed request, do or dump. */
static uint16_t good_flags(struct nlfz *z, bool dump)
{
	uint16_t fl = NLM_F_REQUEST;

	if (chance(z, 40))
		fl |= NLM_F_ACK;
	if (chance(z, 10))
		fl |= NLM_F_ECHO;
	if (dump)
		fl |= NLM_F_DUMP;
	return fl;
}

static uint8_t good_version(struct nlfz *z)
{
	/* genetlink does not look at it. */
	return chance(z, 60) ? MCTE_FAMILY_VERSION : rb(z, 256);
}

/* The pool valid listen-add/del draw from: few, so that both succeed. */
static const struct {
	uint8_t a[16];
	unsigned int len;
} listen_addrs[] = {
	{ { 0 }, 4 },					/* 0.0.0.0 */
	{ { 0 }, 16 },					/* :: */
	{ { 127, 0, 0, 1 }, 4 },
	{ { [15] = 1 }, 16 },				/* ::1 */
	{ { 192, 0, 2, 1 }, 4 },			/* TEST-NET-1 */
	{ { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 }, 16 },	/* 2001:db8::1 */
};
static const uint16_t listen_ports[] = { 0 /* absent */, 47101, 47102, 47103 };

static void valid_listen(struct nlfz *z, struct fmsg *f)
{
	unsigned int i = chance(z, 45) ? 0 : chance(z, 50) ? 1 :
			 rb(z, MX_ARRAY_SIZE(listen_addrs));
	uint16_t port = listen_ports[rb(z, MX_ARRAY_SIZE(listen_ports))];

	if (chance(z, 50) && port)
		fa_u16(f, MCTE_A_LISTEN_PORT, port);
	fa_add(f, MCTE_A_LISTEN_ADDR, listen_addrs[i].a, listen_addrs[i].len);
	if (!chance(z, 50) && port)
		fa_u16(f, MCTE_A_LISTEN_PORT, port);
}

static void valid_topo_set(struct nlfz *z, struct fmsg *f)
{
	unsigned int node = z->nr_nodes ? z->nodes[rb(z, z->nr_nodes)] : 0;
	unsigned int i, n = 0, used = 0;
	char loc[32];

	snprintf(loc, sizeof(loc), "cpu:%u", node);
	fa_str(f, MCTE_A_TOPO_LOCATION, loc);
	if (z->nr_devs && chance(z, 60))
		n = 1 + rb(z, z->nr_devs < 4 ? z->nr_devs : 4);
	for (i = 0; i < n; i++) {
		unsigned int d = rb(z, z->nr_devs);

		if (used & (1U << d))
			continue;	/* each device once */
		used |= 1U << d;
		fa_str(f, chance(z, 60) ? MCTE_A_TOPO_PREFERRED :
			  MCTE_A_TOPO_FALLBACK, z->dev_name[d]);
	}
}

static uint32_t per_user(struct nlfz *z)
{
	static const uint32_t e[] = { 1, 2, 4, 16, 1023, 1024 };

	return chance(z, 50) ? e[rb(z, MX_ARRAY_SIZE(e))] : 1 + rb(z, 1024);
}

static void valid_policy_set(struct nlfz *z, struct fmsg *f)
{
	uint32_t ro = rb(z, 3);

	if (chance(z, 60))
		fa_u32(f, MCTE_A_POLICY_REMOTE_OPEN, ro);
	else
		ro = ~0U;
	/* A group with remote-open group, so that it is never refused. */
	if (ro == MCTE_REMOTE_OPEN_GROUP || chance(z, 30))
		fa_u32(f, MCTE_A_POLICY_GROUP,
		       chance(z, 50) ? rb(z, 3) * 32767 : rb(z, 100000));
	if (chance(z, 50))
		fa_u32(f, MCTE_A_POLICY_PEERS_PER_USER, per_user(z));
	if (chance(z, 50))
		fa_u32(f, MCTE_A_POLICY_DIALS_PER_USER, per_user(z));
}

/* A request the ABI accepts, for @cmd (any command value). */
static void build_valid(struct nlfz *z, struct fmsg *f, unsigned int cmd)
{
	const struct cmd_desc *d = cmd_of(cmd);
	bool dump = d && d->dumpit && (d->doit == NO_DO || chance(z, 50));

	/* Notifications and unknown commands: do and dump both refused. */
	if (!d || (!d->dumpit && d->doit == NO_DO))
		dump = chance(z, 40);
	uint8_t key[64];
	unsigned int n;

	fm_init(f, cmd, good_flags(z, dump), good_version(z), K_VALID);
	switch (cmd) {
	case MCTE_CMD_DEV_GET:
		if (!dump || chance(z, 30))
			fa_u32(f, MCTE_A_DEV_INDEX,
			       z->nr_devs && chance(z, 70) ?
			       z->dev_idx[rb(z, z->nr_devs)] :
			       (uint32_t)edge_int(z, AK_U32));
		break;
	case MCTE_CMD_SEG_GET:
		if (!dump || chance(z, 30))
			fa_str(f, MCTE_A_SEG_NAME,
			       z->seg_name[0] && chance(z, 60) ? z->seg_name :
			       chance(z, 50) ? "nlfz.nosuch" : "");
		break;
	case MCTE_CMD_LISTEN_ADD:
	case MCTE_CMD_LISTEN_DEL:
		valid_listen(z, f);
		break;
	case MCTE_CMD_TOPO_SET:
		valid_topo_set(z, f);
		break;
	case MCTE_CMD_AUTH_SET:
		n = 16 + rb(z, 49);
		mx_fill_rand(key, n, &z->rng);
		fa_add(f, MCTE_A_AUTH_KEY, key, n);
		break;
	case MCTE_CMD_POLICY_SET:
		valid_policy_set(z, f);
		break;
	default:
		break;	/* no attributes */
	}
}

/*
 * A random command value: mostly one of the slots, those of an op (the
 * first 23 but the notifications) more often than the others.
 */
static unsigned int rand_cmd(struct nlfz *z)
{
	unsigned int c;

	if (chance(z, 3))
		return rb(z, 256);
	if (chance(z, 30))
		return cmd_slots[rb(z, MX_ARRAY_SIZE(cmd_slots))];
	do {
		c = 1 + rb(z, MCTE_CMD_MAX);
	} while (cmds[c].doit == NO_DO && !cmds[c].dumpit);
	return c;
}

static int set_of(struct nlfz *z, unsigned int cmd)
{
	const struct cmd_desc *d = cmd_of(cmd);

	return d ? d->set : 1 + rb(z, NR_SETS - 1);
}

/* Something wrong with a valid message: one mutation. */
static void mutate(struct nlfz *z, struct fmsg *f)
{
	int set = set_of(z, f->cmd);
	struct fattr *a = f->n ? &f->a[rb(z, f->n)] : NULL;
	int kind = a ? akind(set, a->type & NLA_TYPE_MASK) : AK_NONE;
	unsigned int i, w;
	uint64_t v;
	char buf[48];

	switch (rb(z, 18)) {
	case 0:
		switch (rb(z, 6)) {
		case 0:
			f->flags &= ~NLM_F_REQUEST;
			what(f, "no NLM_F_REQUEST");
			break;
		case 1:
			f->flags ^= NLM_F_DUMP;
			what(f, "NLM_F_DUMP toggled");
			break;
		case 2:
			f->flags = (f->flags & ~NLM_F_DUMP) |
				   (chance(z, 50) ? NLM_F_ROOT : NLM_F_MATCH);
			what(f, "half of NLM_F_DUMP");
			break;
		default:
			w = 1 + rb(z, 15);
			f->flags |= 1U << w;
			snprintf(buf, sizeof(buf), "flag bit %u", w);
			what(f, buf);
		}
		break;
	case 1:
		f->reserved = 1 + rb(z, 0xffff);
		what(f, "reserved");
		break;
	case 2:
		a = fa_add(f, 0, NULL, 0);
		if (!a)
			break;
		switch (rb(z, 4)) {
		case 0: a->type = 0; break;
		case 1: a->type = set_max[set] + 1 + rb(z, 3); break;
		case 2: a->type = (uint16_t)NLA_TYPE_MASK; break;
		default: a->type = 1 + rb(z, 40);
		}
		gen_value(z, a, akind(set, a->type), chance(z, 50));
		what(f, "attribute of another type");
		break;
	case 3:
		if (!a)
			a = fa_add(f, 1 + rb(z, set_max[set]), NULL, 0);
		if (!a)
			break;
		a->type |= NLA_F_NESTED;
		what(f, "NLA_F_NESTED");
		break;
	case 4:
		if (!a)
			break;
		a->type |= NLA_F_NET_BYTEORDER;
		what(f, "NLA_F_NET_BYTEORDER");
		break;
	case 5:
		if (!a || f->n >= ATTRS_MAX)
			break;
		f->a[f->n] = *a;
		a = &f->a[f->n++];
		if (chance(z, 50))
			gen_value(z, a, kind, true);
		what(f, "attribute repeated");
		break;
	case 6:
		if (!a)
			break;
		*a = f->a[--f->n];
		what(f, "attribute dropped");
		break;
	case 7:
		if (!a)
			break;
		w = kind_width(kind);
		do {
			a->len = rb(z, 13);
		} while (w && a->len == w);
		fill_bytes(z, a->data, a->len);
		what(f, "attribute of another length");
		break;
	case 8:
		if (!a)
			break;
		if (kind_width(kind)) {
			v = edge_int(z, kind);
			memcpy(a->data, &v, a->len = kind_width(kind));
			what(f, "edge value");
		} else if (kind == AK_STR) {
			static const unsigned int l[] = {
				0, 1, 30, 31, 32, 33, 62, 63, 64, 65, 200,
			};

			a->len = l[rb(z, MX_ARRAY_SIZE(l))];
			memset(a->data, 'a' + rb(z, 26), a->len);
			if (a->len && chance(z, 60))
				a->data[a->len - 1] = 0;
			if (a->len > 2 && chance(z, 15))
				a->data[rb(z, a->len - 1)] = 0;
			what(f, "string of another length");
		} else {
			a->len = chance(z, 80) ? rb(z, 21) : rand_len(z);
			fill_bytes(z, a->data, a->len);
			what(f, "binary of another size");
		}
		break;
	case 9:
		if (!f->n)
			break;
		a = &f->a[chance(z, 70) ? f->n - 1 : rb(z, f->n)];
		a->lie = chance(z, 50) ? -(int)(NLA_HDRLEN + a->len) +
					 (int)rb(z, 4) :
			 1 + rb(z, chance(z, 50) ? 8 : 2000);
		what(f, "nla_len lies");
		break;
	case 10:
		f->cut = 1 + rb(z, 8);
		what(f, "message cut short");
		break;
	case 11:
		f->tail = 1 + rb(z, 3);
		mx_fill_rand(f->tailb, sizeof(f->tailb), &z->rng);
		what(f, "truncated attribute header");
		break;
	case 12:
		if (!a)
			a = fa_add(f, 1 + rb(z, set_max[set]), NULL, 0);
		if (!a)
			break;
		gen_nest_into(z, a);
		what(f, "nests");
		break;
	case 13:
		if (chance(z, 20)) {
			f->short_len = NLMSG_HDRLEN + rb(z, GENL_HDRLEN);
			what(f, "nlmsg_len under the genl header");
		}
		break;
	case 14:
		f->cmd = rand_cmd(z);
		what(f, "attributes of another command");
		break;
	case 15:
		if (!a)
			break;
		/* As many as fit: topo-set allows 64 devices. */
		for (i = 0; f->n < ATTRS_MAX && i < 70; i++)
			f->a[f->n++] = *a;
		what(f, "attribute repeated 70 times");
		break;
	case 16:
		if (!a)
			break;
		a->len = rand_len(z);
		fill_bytes(z, a->data, a->len);
		what(f, "random payload");
		break;
	default:
		f->version = rb(z, 256);
		what(f, "version");
	}
}

/* Messages valid for the topo-set and listen handlers but for content. */
static void handler_mutation(struct nlfz *z, struct fmsg *f)
{
	static const char *const locs[] = {
		"cpu:", "cpu:-1", "cpu:1000", "cpu:4294967295",
		"cpu:4294967296", "cpu:0x0", "cpu: 0", "cpu:00", "gpu:0",
		"cpu:0 ", "cpu:1", "cpu:63", "cpu:64",
	};
	static const struct {
		uint8_t a[16];
		unsigned int len;
	} addrs[] = {
		{ { 0xfe, 0x80, [15] = 1 }, 16 },	/* link-local, no scope */
		{ { 224, 0, 0, 1 }, 4 },
		{ { 255, 255, 255, 255 }, 4 },
		{ { [10] = 0xff, [11] = 0xff, 127, 0, 0, 1 }, 16 },
		{ { 0xff, 0x02, [15] = 1 }, 16 },
		{ { 10, 0, 2, 15 }, 4 },
		{ { 127, 1, 2, 3 }, 4 },
		{ { 0 }, 1 }, { { 0 }, 8 }, { { 0 }, 15 },
	};
	unsigned int i;
	char name[80];

	if (f->cmd == MCTE_CMD_TOPO_SET) {
		f->n = 0;
		fa_str(f, MCTE_A_TOPO_LOCATION, chance(z, 60) ?
		       locs[rb(z, MX_ARRAY_SIZE(locs))] : "cpu:0");
		for (i = rb(z, 4); i; i--) {
			if (z->nr_devs && chance(z, 50))
				snprintf(name, sizeof(name), "%s",
					 z->dev_name[rb(z, z->nr_devs)]);
			else
				snprintf(name, sizeof(name), "nlfz_nosuch%u",
					 (unsigned int)rb(z, 3));
			fa_str(f, chance(z, 50) ? MCTE_A_TOPO_PREFERRED :
				  MCTE_A_TOPO_FALLBACK, name);
		}
		what(f, "topo-set content");
	} else {
		i = rb(z, MX_ARRAY_SIZE(addrs));
		f->n = 0;
		fa_add(f, MCTE_A_LISTEN_ADDR, addrs[i].a, addrs[i].len);
		if (chance(z, 50))
			fa_u16(f, MCTE_A_LISTEN_PORT, 47101 + rb(z, 3));
		what(f, "listen address");
	}
}

static void build_nearly(struct nlfz *z, struct fmsg *f, unsigned int cmd)
{
	build_valid(z, f, cmd);
	f->kind = K_NEARLY;
	if ((cmd == MCTE_CMD_TOPO_SET || cmd == MCTE_CMD_LISTEN_ADD ||
	     cmd == MCTE_CMD_LISTEN_DEL) && chance(z, 30)) {
		handler_mutation(z, f);
		return;
	}
	mutate(z, f);
	if (chance(z, 20))
		mutate(z, f);
}

static void build_random(struct nlfz *z, struct fmsg *f, unsigned int cmd)
{
	int set = set_of(z, cmd);
	unsigned int i, n = chance(z, 85) ? rb(z, 6) : rb(z, 24);
	uint16_t fl = 0;

	if (chance(z, 90))
		fl |= NLM_F_REQUEST;
	if (chance(z, 50))
		fl |= NLM_F_ACK;
	if (chance(z, 10))
		fl |= NLM_F_ECHO;
	if (chance(z, 35))
		fl |= NLM_F_DUMP;
	if (chance(z, 8))
		fl |= 1U << rb(z, 16);
	fm_init(f, cmd, fl, rb(z, 256), K_RANDOM);
	if (chance(z, 5))
		f->reserved = r64(z);
	for (i = 0; i < n; i++) {
		struct fattr *a = fa_add(f, 0, NULL, 0);

		switch (rb(z, 20)) {
		case 0 ... 10: a->type = 1 + rb(z, set_max[set] + 1); break;
		case 11 ... 12: a->type = 0; break;
		case 13 ... 14: a->type = set_max[set] + 1 + rb(z, 4); break;
		case 15 ... 16: a->type = 1 + rb(z, 40); break;
		case 17: a->type = r64(z); break;
		default:
			a->type = (1 + rb(z, set_max[set])) | NLA_F_NESTED;
		}
		gen_value(z, a, akind(set, a->type & NLA_TYPE_MASK),
			  chance(z, 55));
	}
	if (chance(z, 8) && f->n)
		f->a[f->n - 1].lie = chance(z, 50) ? 1 + rb(z, 100) :
				     -(int)(NLA_HDRLEN + f->a[f->n - 1].len) +
				     (int)rb(z, 4);
	if (chance(z, 4))
		f->cut = 1 + rb(z, 6);
	if (chance(z, 4)) {
		f->tail = 1 + rb(z, 3);
		mx_fill_rand(f->tailb, sizeof(f->tailb), &z->rng);
	}
	if (chance(z, 1))
		f->short_len = NLMSG_HDRLEN + rb(z, GENL_HDRLEN);
}

/* ------------------------------------------------------------------ */
/* Sending, receiving, judging                                          */

static void predict(const struct fmsg *f, bool unpriv, struct pred *p)
{
	const struct nlmsghdr *nh = &f->w.h;
	const struct genlmsghdr *gh = NLMSG_DATA(nh);
	uint16_t fl = nh->nlmsg_flags, rest;

	memset(p, 0, sizeof(*p));
	p->request = fl & NLM_F_REQUEST;
	p->ack = fl & NLM_F_ACK;
	p->dump = (fl & NLM_F_DUMP) == NLM_F_DUMP;
	rest = fl & ~(NLM_F_REQUEST | NLM_F_ACK | NLM_F_ECHO |
		      (p->dump ? NLM_F_DUMP : 0));
	p->cmd = gh->cmd;
	p->d = cmd_of(p->cmd);
	p->hdr_ok = f->wlen >= GENL_MSG_MIN && !gh->reserved && !rest;
	p->op = p->hdr_ok && p->d &&
		(p->dump ? p->d->dumpit : p->d->doit != NO_DO);
	p->admin = p->d && p->d->admin;
	/*
	 * Without NLM_F_REQUEST the core only acks; a do that only changes
	 * something says nothing without NLM_F_ACK, unless it fails. Those
	 * are followed by a sentinel.
	 */
	if (!p->request)
		p->must_reply = p->ack;
	else
		p->must_reply = p->ack || !p->op || p->dump ||
				p->d->doit == DO_GET || (p->admin && unpriv);
}

static const char *ename(int e)
{
	const char *s = e ? strerrorname_np(e) : "0";

	return s ? s : "E?";
}

static bool errno_in(int e, const int *set, size_t n)
{
	size_t i;

	for (i = 0; i < n && set[i]; i++)
		if (set[i] == e)
			return true;
	return false;
}

static bool allowed(const struct pred *p, int e)
{
	if (errno_in(e, core_errs, MX_ARRAY_SIZE(core_errs)))
		return true;
	if (p->dump)
		return errno_in(e, p->d->dump_errs,
				MX_ARRAY_SIZE(p->d->dump_errs));
	return errno_in(e, p->d->do_errs, MX_ARRAY_SIZE(p->d->do_errs));
}

static void allowed_list(const struct pred *p, char *buf, size_t len)
{
	const int *ops = p->dump ? p->d->dump_errs : p->d->do_errs;
	size_t i, n = p->dump ? MX_ARRAY_SIZE(p->d->dump_errs) :
		      MX_ARRAY_SIZE(p->d->do_errs), l = 0;

	buf[0] = 0;
	for (i = 0; i < MX_ARRAY_SIZE(core_errs) && l < len; i++)
		l += snprintf(buf + l, len - l, "%s%s", l ? " " : "",
			      ename(core_errs[i]));
	for (i = 0; i < n && ops[i] && l < len; i++)
		l += snprintf(buf + l, len - l, " %s", ename(ops[i]));
}

/* The message and what came back, for a report. */
static void describe(struct nlfz *z, const char *why)
{
	const struct fmsg *f = &z->f;
	const struct reply *rp = &z->rp;
	const struct nlmsghdr *nh = &f->w.h;
	const struct genlmsghdr *gh = NLMSG_DATA(nh);
	char *b = z->st->bad;
	size_t n = sizeof(z->st->bad), l;
	long rem = (long)f->wlen - GENL_MSG_MIN, off = GENL_MSG_MIN;
	size_t i, dump = f->wlen > 1536 ? 1536 : f->wlen;

	if (b[0])
		return;
	l = snprintf(b, n,
		     "%s phase, message %lu: %s\n"
		     "cmd %u %s, nlmsg_flags %#x, version %u, reserved %u, nlmsg_len %zu, seq %u; built %s%s%s%s\n"
		     "reply: error %d %s, %u data message(s)%s%s, extack \"%s\" offset %ld\n"
		     "attributes:",
		     z->phase, z->cur, why, gh->cmd, cmd_name(gh->cmd),
		     nh->nlmsg_flags, gh->version, gh->reserved, f->wlen,
		     nh->nlmsg_seq, kind_names[f->kind],
		     f->what[0] ? " (" : "", f->what, f->what[0] ? ")" : "",
		     rp->err, ename(-rp->err), rp->data,
		     rp->acked ? ", acked" : "", rp->done ? ", done" : "",
		     rp->ext, rp->ext_off);
	while (rem >= NLA_HDRLEN && l < n) {
		const struct nlattr *na = (const void *)(f->w.b + off);

		l += snprintf(b + l, n - l, " [@%ld type %u%s%s len %u]", off,
			      na->nla_type & NLA_TYPE_MASK,
			      na->nla_type & NLA_F_NESTED ? "|N" : "",
			      na->nla_type & NLA_F_NET_BYTEORDER ? "|B" : "",
			      na->nla_len);
		if (na->nla_len < NLA_HDRLEN || na->nla_len > rem)
			break;
		off += NLA_ALIGN(na->nla_len);
		rem -= NLA_ALIGN(na->nla_len);
	}
	for (i = 0; i < dump && l < n; i++)
		l += snprintf(b + l, n - l, "%s%02x",
			      i % 32 ? (i % 4 ? "" : " ") : "\nhex:", f->w.b[i]);
	if (dump < f->wlen && l < n)
		snprintf(b + l, n - l, "\n(%zu bytes more)", f->wlen - dump);
}

static void parse_ext(struct reply *rp, const struct nlmsghdr *nh, size_t skip)
{
	const uint8_t *p = (const uint8_t *)nh + NLMSG_HDRLEN + skip;
	int len = (int)nh->nlmsg_len - NLMSG_HDRLEN - (int)skip;

	if (!(nh->nlmsg_flags & NLM_F_ACK_TLVS))
		return;
	while (len >= NLA_HDRLEN) {
		const struct nlattr *na = (const void *)p;
		int al = na->nla_len - NLA_HDRLEN;

		if (na->nla_len < NLA_HDRLEN || na->nla_len > len)
			break;
		if (na->nla_type == NLMSGERR_ATTR_MSG && al > 0)
			snprintf(rp->ext, sizeof(rp->ext), "%.*s", al,
				 (const char *)(na + 1));
		if (na->nla_type == NLMSGERR_ATTR_OFFS && al == 4)
			rp->ext_off = *(const uint32_t *)(na + 1);
		p += NLA_ALIGN(na->nla_len);
		len -= NLA_ALIGN(na->nla_len);
	}
}

static int sock_open(struct nlfz *z)
{
	struct timeval tv = { .tv_sec = RCV_TIMEOUT_S };
	struct sockaddr_nl sa;
	socklen_t salen = sizeof(sa);
	int one = 1, fam;

	z->fd = mx_nl_open();
	if (z->fd < 0)
		return z->fd;
	if (setsockopt(z->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) ||
	    setsockopt(z->fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one)) ||
	    setsockopt(z->fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one)))
		return -errno;
	if (getsockname(z->fd, (struct sockaddr *)&sa, &salen))
		return -errno;
	z->portid = sa.nl_pid;
	fam = mx_nl_family(z->fd);
	if (fam < 0)
		return fam;
	z->fam = fam;
	return 0;
}

/* One datagram, or -errno (-EAGAIN: nothing within RCV_TIMEOUT_S). */
static int nl_recv(struct nlfz *z)
{
	ssize_t n = recv(z->fd, z->rbuf, RBUF_SIZE, MSG_TRUNC);

	if (n < 0)
		return errno == EWOULDBLOCK ? -EAGAIN : -errno;
	if (n > RBUF_SIZE)
		return -EMSGSIZE;
	return n;
}

/*
 * Send the message and take what comes back into z->rp. false when the
 * exchange itself broke the ABI (recorded in st->bad).
 */
static bool exchange(struct nlfz *z, const struct pred *p)
{
	struct fmsg *f = &z->f;
	struct reply *rp = &z->rp;
	uint32_t seq = z->seq = (z->seq + 1) & ~SENTINEL;
	bool sentinel = !p->must_reply, sent_seen = false, fin = false;
	char why[160];

	rp->err = 0;
	rp->acked = rp->done = false;
	rp->data = 0;
	rp->first_len = 0;
	rp->ext[0] = 0;
	rp->ext_off = -1;

	fm_serialize(f, z->fam, seq);
	if (send(z->fd, f->w.b, f->wlen, 0) != (ssize_t)f->wlen) {
		snprintf(why, sizeof(why), "send: %s", strerror(errno));
		describe(z, why);
		return false;
	}
	if (sentinel) {
		struct nlmsghdr s = {
			.nlmsg_len = NLMSG_HDRLEN,
			.nlmsg_type = NLMSG_NOOP,
			.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK,
			.nlmsg_seq = seq | SENTINEL,
		};

		z->st->sentinels++;
		if (send(z->fd, &s, sizeof(s), 0) != sizeof(s)) {
			snprintf(why, sizeof(why), "send of the sentinel: %s",
				 strerror(errno));
			describe(z, why);
			return false;
		}
	}

	while (sentinel ? !sent_seen : !fin) {
		int n = nl_recv(z);
		struct nlmsghdr *nh;

		if (n < 0) {
			if (n == -EAGAIN)
				snprintf(why, sizeof(why), "no %s within %d s",
					 sentinel ? "answer to the sentinel" :
					 "reply", RCV_TIMEOUT_S);
			else
				snprintf(why, sizeof(why), "recv: %s",
					 strerror(-n));
			describe(z, why);
			return false;
		}
		for (nh = (struct nlmsghdr *)z->rbuf; NLMSG_OK(nh, n);
		     nh = NLMSG_NEXT(nh, n)) {
			if (nh->nlmsg_seq == (seq | SENTINEL) && sentinel) {
				const struct nlmsgerr *e = NLMSG_DATA(nh);

				if (nh->nlmsg_type != NLMSG_ERROR || e->error) {
					describe(z, "the sentinel got something else than an ack");
					return false;
				}
				sent_seen = true;
				continue;
			}
			if (nh->nlmsg_seq != seq || nh->nlmsg_pid != z->portid) {
				snprintf(why, sizeof(why),
					 "message type %u seq %u pid %u while waiting for seq %u",
					 nh->nlmsg_type, nh->nlmsg_seq,
					 nh->nlmsg_pid, seq);
				describe(z, why);
				return false;
			}
			if (fin || sent_seen) {
				snprintf(why, sizeof(why),
					 "message type %u after the end of the reply",
					 nh->nlmsg_type);
				describe(z, why);
				return false;
			}
			if (nh->nlmsg_type == NLMSG_ERROR) {
				const struct nlmsgerr *e = NLMSG_DATA(nh);

				if (nh->nlmsg_len < NLMSG_LENGTH(sizeof(*e))) {
					describe(z, "short NLMSG_ERROR");
					return false;
				}
				rp->err = e->error;
				rp->acked = true;
				fin = true;
				parse_ext(rp, nh, sizeof(*e));
			} else if (nh->nlmsg_type == NLMSG_DONE) {
				if (!p->dump ||
				    nh->nlmsg_len < NLMSG_LENGTH(sizeof(int))) {
					describe(z, "NLMSG_DONE for a request that is no dump");
					return false;
				}
				rp->err = *(int *)NLMSG_DATA(nh);
				rp->done = true;
				fin = true;
				parse_ext(rp, nh, sizeof(int));
			} else if (nh->nlmsg_type == z->fam) {
				const struct genlmsghdr *gh = NLMSG_DATA(nh);

				if (nh->nlmsg_len < GENL_MSG_MIN ||
				    gh->cmd != p->cmd ||
				    !!(nh->nlmsg_flags & NLM_F_MULTI) != p->dump) {
					snprintf(why, sizeof(why),
						 "data message of cmd %u, flags %#x, length %u",
						 gh->cmd, nh->nlmsg_flags,
						 nh->nlmsg_len);
					describe(z, why);
					return false;
				}
				if (!rp->data++) {
					rp->first_len = nh->nlmsg_len -
							GENL_MSG_MIN;
					if (rp->first_len > (int)sizeof(rp->first))
						rp->first_len = sizeof(rp->first);
					memcpy(rp->first, (uint8_t *)nh +
					       GENL_MSG_MIN, rp->first_len);
				}
				if (!p->dump && !p->ack)
					fin = true;
			} else {
				snprintf(why, sizeof(why),
					 "message of type %u", nh->nlmsg_type);
				describe(z, why);
				return false;
			}
		}
		if (n) {
			describe(z, "a datagram with a truncated message");
			return false;
		}
	}
	return true;
}

/* The u32/u8 attribute @type of an attribute stream; false if absent. */
static bool get_uint(const uint8_t *p, int len, unsigned int type,
		     uint32_t *v)
{
	bool found = false;

	while (len >= NLA_HDRLEN) {
		const struct nlattr *na = (const void *)p;
		int al = na->nla_len - NLA_HDRLEN;

		if (na->nla_len < NLA_HDRLEN || na->nla_len > len)
			break;
		if ((na->nla_type & NLA_TYPE_MASK) == type) {
			/* The last one wins, as in nla_parse(). */
			if (al == 4)
				*v = *(const uint32_t *)(na + 1);
			else if (al == 2)
				*v = *(const uint16_t *)(na + 1);
			else if (al == 1)
				*v = *(const uint8_t *)(na + 1);
			found = true;
		}
		p += NLA_ALIGN(na->nla_len);
		len -= NLA_ALIGN(na->nla_len);
	}
	return found;
}

/* What a successful reply says, against what we know. */
static void check_content(struct nlfz *z, const struct pred *p)
{
	const struct reply *rp = &z->rp;
	const uint8_t *req = z->f.w.b + GENL_MSG_MIN;
	int rlen = (int)z->f.wlen - GENL_MSG_MIN;
	struct model *m = &z->m;
	uint32_t v = 0, w;
	char why[160];

	switch (p->cmd) {
	case MCTE_CMD_VERSION_GET:
		if (!get_uint(rp->first, rp->first_len, MCTE_A_VERSION_ABI, &v) ||
		    v != MCTE_ABI_VERSION ||
		    !get_uint(rp->first, rp->first_len, MCTE_A_VERSION_FAMILY,
			      &w) || w != MCTE_FAMILY_VERSION)
			describe(z, "version-get: abi or family missing or wrong");
		break;
	case MCTE_CMD_AUTH_GET:
		if (!get_uint(rp->first, rp->first_len, MCTE_A_AUTH_REQUIRED,
			      &v) || v > 1) {
			describe(z, "auth-get: required missing or not 0/1");
		} else if (m->key >= 0 && (int)v != m->key) {
			snprintf(why, sizeof(why),
				 "auth-get: required %u after the auth-set/del that succeeded said %d",
				 v, m->key);
			describe(z, why);
		}
		break;
	case MCTE_CMD_AUTH_SET:
		m->key = 1;
		break;
	case MCTE_CMD_AUTH_DEL:
		if (m->key == 0)
			describe(z, "auth-del succeeded with no key set");
		m->key = 0;
		break;
	case MCTE_CMD_POLICY_SET:
		if (get_uint(req, rlen, MCTE_A_POLICY_REMOTE_OPEN, &v))
			m->ro = v;
		if (get_uint(req, rlen, MCTE_A_POLICY_GROUP, &v))
			m->group = v;
		if (get_uint(req, rlen, MCTE_A_POLICY_PEERS_PER_USER, &v))
			m->peers = v;
		if (get_uint(req, rlen, MCTE_A_POLICY_DIALS_PER_USER, &v))
			m->dials = v;
		break;
	case MCTE_CMD_POLICY_GET: {
		uint32_t ro = ~0U, g = ~0U, pe = 0, di = 0;
		bool has_g;

		get_uint(rp->first, rp->first_len, MCTE_A_POLICY_REMOTE_OPEN, &ro);
		has_g = get_uint(rp->first, rp->first_len, MCTE_A_POLICY_GROUP, &g);
		get_uint(rp->first, rp->first_len, MCTE_A_POLICY_PEERS_PER_USER, &pe);
		get_uint(rp->first, rp->first_len, MCTE_A_POLICY_DIALS_PER_USER, &di);
		if (ro > 2 || pe < 1 || pe > 1024 || di < 1 || di > 1024 ||
		    has_g != (ro == MCTE_REMOTE_OPEN_GROUP)) {
			describe(z, "policy-get: a value out of its range, or group where it does not belong");
		} else if (m->pol_known &&
			   (ro != m->ro || pe != m->peers || di != m->dials ||
			    (has_g && g != m->group))) {
			snprintf(why, sizeof(why),
				 "policy-get: remote-open %u group %u peers %u dials %u, policy-set made %u %u %u %u",
				 ro, g, pe, di, m->ro, m->group, m->peers,
				 m->dials);
			describe(z, why);
		}
		break;
	}
	case MCTE_CMD_LISTEN_ADD:
		z->st->listen_added++;
		break;
	case MCTE_CMD_LISTEN_DEL:
		z->st->listen_deleted++;
		break;
	}
}

/* Whether what came back is what the ABI gives for this message. */
static void judge(struct nlfz *z, const struct pred *p)
{
	const struct reply *rp = &z->rp;
	int e = -rp->err;
	char why[512], list[160];

	if (rp->err > 0) {
		describe(z, "a positive error");
		return;
	}
	if (!p->request) {
		if (p->ack ? !rp->acked || rp->err || rp->data :
		    rp->acked || rp->data || rp->done)
			describe(z, "without NLM_F_REQUEST: the core acks it when NLM_F_ACK asks, and does nothing more");
		return;
	}
	if (e == EPERM && !(z->unpriv && p->admin)) {
		describe(z, z->unpriv ? "EPERM for a command that is not admin-perm" :
			 "EPERM as root");
		return;
	}
	if (!p->hdr_ok) {
		if (e != EINVAL)
			describe(z, "a bad genl header (reserved byte, reserved flag, length) wants EINVAL");
		return;
	}
	/*
	 * An admin-perm command asked for a kind it does not have (a do-only
	 * one with NLM_F_DUMP): 6.2+ looks the op up by command and kind,
	 * then checks the permission; 6.1 looks it up by command, checks the
	 * permission, then finds no dumpit (genl_family_rcv_msg_dumpit()).
	 */
	if (!p->op && z->unpriv && p->admin) {
		if (e != EOPNOTSUPP && e != EPERM)
			describe(z, "admin-perm command, no op of that kind, no CAP_NET_ADMIN: wants EOPNOTSUPP (or EPERM before 6.2)");
		return;
	}
	/*
	 * The do of a dump-only command: the generated per-op table
	 * (kmod/netlink_gen.c) gives it one, which answers EOPNOTSUPP once
	 * the policy let the attributes through.
	 */
	if (!p->op && !p->dump && p->d && p->d->dumpit) {
		if (e != EOPNOTSUPP &&
		    !(e == EINVAL && z->f.wlen > GENL_MSG_MIN))
			describe(z, "do of a dump-only command: wants EOPNOTSUPP (EINVAL for its attributes)");
		return;
	}
	if (!p->op) {
		if (e != EOPNOTSUPP)
			describe(z, "no such op for the command and NLM_F_DUMP: wants EOPNOTSUPP");
		return;
	}
	if (p->admin && z->unpriv) {
		if (e != EPERM)
			describe(z, "admin-perm op without CAP_NET_ADMIN: wants EPERM");
		return;
	}
	if (e) {
		if (!allowed(p, e)) {
			allowed_list(p, list, sizeof(list));
			snprintf(why, sizeof(why),
				 "%s (%s) is not an error %s %s gives (allowed: %s)",
				 ename(e), strerror(e), p->d->name,
				 p->dump ? "dump" : "do", list);
			describe(z, why);
		} else if (z->f.kind == K_VALID && (e == EINVAL || e == ERANGE)) {
			describe(z, "a valid message refused with a policy error");
		} else if (!p->dump && rp->data) {
			describe(z, "a data reply and an error");
		} else if (p->cmd == MCTE_CMD_AUTH_DEL && e == ENOENT &&
			   z->m.key == 1) {
			describe(z, "auth-del: ENOENT after an auth-set that succeeded");
		}
		return;
	}
	if (p->dump) {
		if (!rp->done)
			describe(z, "a dump that did not end with NLMSG_DONE");
		return;
	}
	if (p->d->doit == DO_GET ? rp->data != 1 : rp->data != 0) {
		describe(z, "a do's reply has the wrong number of data messages");
		return;
	}
	if (rp->acked != p->ack) {
		describe(z, p->ack ? "NLM_F_ACK asked, no ack" : "an ack nobody asked for");
		return;
	}
	check_content(z, p);
}

static void count(struct nlfz *z, const struct pred *p)
{
	struct phase_stats *st = z->st;
	int e = -z->rp.err;

	st->msgs++;
	st->by_kind[z->f.kind]++;
	st->by_cmd[p->cmd]++;
	st->data_msgs += z->rp.data;
	if (!e) {
		st->ok++;
		st->ok_by_cmd[p->cmd]++;
		if (!z->rp.acked && !z->rp.data && !z->rp.done)
			st->silent++;
		return;
	}
	st->err++;
	if (e > 0 && e < NR_ERRNO)
		st->errnos[e]++;
	if (e == EPERM)
		st->eperm_by_cmd[p->cmd]++;
}

/* One message of the phase: the @i-th. */
static void one(struct nlfz *z, unsigned long i)
{
	struct pred p;
	unsigned int cmd;
	unsigned int k;

	/* The first ones go through every slot, so that none is missed. */
	cmd = i < MX_ARRAY_SIZE(cmd_slots) ? cmd_slots[i] : rand_cmd(z);
	k = rb(z, 100);
	if (k < 40)
		build_valid(z, &z->f, cmd);
	else if (k < 70)
		build_nearly(z, &z->f, cmd);
	else
		build_random(z, &z->f, cmd);
	/* The bytes decide, whatever the builder meant. */
	fm_serialize(&z->f, z->fam, 0);
	predict(&z->f, z->unpriv, &p);
	if (!exchange(z, &p))
		return;
	count(z, &p);
	judge(z, &p);
}

/* ------------------------------------------------------------------ */
/* Plain requests: snapshots, restoring, the model                      */

typedef void (*reply_cb)(void *ctx, const uint8_t *attrs, int len);

/* A request with NLM_F_ACK; each data message to @cb. 0 or -errno. */
static int nl_call(struct nlfz *z, uint8_t cmd, bool dump, const void *attrs,
		   size_t alen, reply_cb cb, void *ctx)
{
	uint8_t buf[1024] __attribute__((aligned(8)));
	struct nlmsghdr *nh = (struct nlmsghdr *)buf;
	struct genlmsghdr *gh = NLMSG_DATA(nh);
	uint32_t seq = z->seq = (z->seq + 1) & ~SENTINEL;

	if (alen > sizeof(buf) - GENL_MSG_MIN)
		return -E2BIG;
	memset(buf, 0, GENL_MSG_MIN);
	nh->nlmsg_len = GENL_MSG_MIN + alen;
	nh->nlmsg_type = z->fam;
	nh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | (dump ? NLM_F_DUMP : 0);
	nh->nlmsg_seq = seq;
	gh->cmd = cmd;
	gh->version = MCTE_FAMILY_VERSION;
	memcpy(buf + GENL_MSG_MIN, attrs, alen);
	if (send(z->fd, buf, nh->nlmsg_len, 0) < 0)
		return -errno;
	for (;;) {
		int n = nl_recv(z);

		if (n < 0)
			return n == -EAGAIN ? -ETIMEDOUT : n;
		for (nh = (struct nlmsghdr *)z->rbuf; NLMSG_OK(nh, n);
		     nh = NLMSG_NEXT(nh, n)) {
			if (nh->nlmsg_seq != seq)
				return -EPROTO;
			if (nh->nlmsg_type == NLMSG_ERROR)
				return ((struct nlmsgerr *)NLMSG_DATA(nh))->error;
			if (nh->nlmsg_type == NLMSG_DONE)
				return *(int *)NLMSG_DATA(nh);
			if (nh->nlmsg_type == z->fam && cb)
				cb(ctx, (uint8_t *)nh + GENL_MSG_MIN,
				   nh->nlmsg_len - GENL_MSG_MIN);
		}
	}
}

struct abuf {
	uint8_t b[1000] __attribute__((aligned(4)));
	size_t len;
};

static void ab_put(struct abuf *ab, uint16_t type, const void *d, size_t len)
{
	struct nlattr *na = (struct nlattr *)(ab->b + ab->len);

	if (ab->len + NLA_ALIGN(NLA_HDRLEN + len) > sizeof(ab->b))
		return;
	na->nla_type = type;
	na->nla_len = NLA_HDRLEN + len;
	memcpy(na + 1, d, len);
	memset((uint8_t *)(na + 1) + len, 0, NLA_ALIGN(len) - len);
	ab->len += NLA_ALIGN(NLA_HDRLEN + len);
}

#define SNAP_LISTEN_MAX	256
#define SNAP_TOPO_MAX	64
#define SNAP_NICS_MAX	16

struct snap_listen {
	uint8_t addr[16];
	unsigned int alen, port, auth;
	char dev[64];
};

struct snap_topo {
	char loc[32];
	unsigned int autom, nr;
	char nic[SNAP_NICS_MAX][64];
	bool pref[SNAP_NICS_MAX];
};

struct snap {
	struct snap_listen l[SNAP_LISTEN_MAX];
	unsigned int nl, nt, ndevs;
	struct snap_topo t[SNAP_TOPO_MAX];
	uint32_t auth, ro, group, peers, dials;
	bool has_group, overflow;
	uint64_t segs, batches;
	int err;
	char text[32768];
};

static void str_of(char *dst, size_t size, const struct nlattr *na)
{
	int al = na->nla_len - NLA_HDRLEN;

	snprintf(dst, size, "%.*s", al, (const char *)(na + 1));
}

#define for_each_attr(na, p, len)					\
	for (na = (const struct nlattr *)(p);				\
	     (len) >= NLA_HDRLEN && na->nla_len >= NLA_HDRLEN &&	\
	     na->nla_len <= (len);					\
	     (len) -= NLA_ALIGN(na->nla_len),				\
	     na = (const void *)((const uint8_t *)na + NLA_ALIGN(na->nla_len)))

static void snap_listen_cb(void *ctx, const uint8_t *p, int len)
{
	struct snap *s = ctx;
	struct snap_listen *l;
	const struct nlattr *na;

	if (s->nl >= SNAP_LISTEN_MAX) {
		s->overflow = true;
		return;
	}
	l = &s->l[s->nl++];
	memset(l, 0, sizeof(*l));
	for_each_attr(na, p, len) {
		int al = na->nla_len - NLA_HDRLEN;

		switch (na->nla_type & NLA_TYPE_MASK) {
		case MCTE_A_LISTEN_ADDR:
			l->alen = al > 16 ? 16 : al;
			memcpy(l->addr, na + 1, l->alen);
			break;
		case MCTE_A_LISTEN_PORT:
			l->port = *(const uint16_t *)(na + 1);
			break;
		case MCTE_A_LISTEN_DEV_NAME:
			str_of(l->dev, sizeof(l->dev), na);
			break;
		case MCTE_A_LISTEN_AUTH:
			l->auth = *(const uint8_t *)(na + 1);
			break;
		}
	}
}

static void snap_topo_cb(void *ctx, const uint8_t *p, int len)
{
	struct snap *s = ctx;
	struct snap_topo *t;
	const struct nlattr *na;

	if (s->nt >= SNAP_TOPO_MAX) {
		s->overflow = true;
		return;
	}
	t = &s->t[s->nt++];
	memset(t, 0, sizeof(*t));
	for_each_attr(na, p, len) {
		unsigned int type = na->nla_type & NLA_TYPE_MASK;

		if (type == MCTE_A_TOPO_LOCATION)
			str_of(t->loc, sizeof(t->loc), na);
		else if (type == MCTE_A_TOPO_AUTO)
			t->autom = *(const uint8_t *)(na + 1);
		else if ((type == MCTE_A_TOPO_PREFERRED ||
			  type == MCTE_A_TOPO_FALLBACK) &&
			 t->nr < SNAP_NICS_MAX) {
			t->pref[t->nr] = type == MCTE_A_TOPO_PREFERRED;
			str_of(t->nic[t->nr++], 64, na);
		}
	}
}

static void snap_dev_cb(void *ctx, const uint8_t *p, int len)
{
	((struct snap *)ctx)->ndevs++;
}

static void snap_auth_cb(void *ctx, const uint8_t *p, int len)
{
	get_uint(p, len, MCTE_A_AUTH_REQUIRED, &((struct snap *)ctx)->auth);
}

static void snap_policy_cb(void *ctx, const uint8_t *p, int len)
{
	struct snap *s = ctx;

	get_uint(p, len, MCTE_A_POLICY_REMOTE_OPEN, &s->ro);
	s->has_group = get_uint(p, len, MCTE_A_POLICY_GROUP, &s->group);
	get_uint(p, len, MCTE_A_POLICY_PEERS_PER_USER, &s->peers);
	get_uint(p, len, MCTE_A_POLICY_DIALS_PER_USER, &s->dials);
}

static void snap_stat_cb(void *ctx, const uint8_t *p, int len)
{
	struct snap *s = ctx;
	const struct nlattr *na;

	for_each_attr(na, p, len) {
		uint64_t v = 0;

		if (na->nla_len != NLA_HDRLEN + 8)
			continue;
		memcpy(&v, na + 1, 8);
		if ((na->nla_type & NLA_TYPE_MASK) == MCTE_A_STAT_SEGMENTS)
			s->segs = v;
		if ((na->nla_type & NLA_TYPE_MASK) == MCTE_A_STAT_BATCHES)
			s->batches = v;
	}
}

static int line_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The engine as root sees it, in s (s->text to compare). 0 or -errno. */
static int snapshot(struct nlfz *z, struct snap *s)
{
	static char lines[SNAP_LISTEN_MAX][120];
	char *sorted[SNAP_LISTEN_MAX];
	size_t l = 0, n = sizeof(s->text);
	unsigned int i, j;
	int ret;

	memset(s, 0, offsetof(struct snap, text));
	s->auth = ~0U;
	s->ro = ~0U;
	if ((ret = nl_call(z, MCTE_CMD_LISTEN_GET, true, NULL, 0,
			   snap_listen_cb, s)) ||
	    (ret = nl_call(z, MCTE_CMD_TOPO_GET, true, NULL, 0,
			   snap_topo_cb, s)) ||
	    (ret = nl_call(z, MCTE_CMD_AUTH_GET, false, NULL, 0,
			   snap_auth_cb, s)) ||
	    (ret = nl_call(z, MCTE_CMD_POLICY_GET, false, NULL, 0,
			   snap_policy_cb, s)) ||
	    (ret = nl_call(z, MCTE_CMD_STAT_GET, false, NULL, 0,
			   snap_stat_cb, s)) ||
	    (ret = nl_call(z, MCTE_CMD_DEV_GET, true, NULL, 0,
			   snap_dev_cb, s)))
		return s->err = ret;

	for (i = 0; i < s->nl; i++) {
		const struct snap_listen *x = &s->l[i];
		size_t k = 0;

		for (j = 0; j < x->alen; j++)
			k += snprintf(lines[i] + k, sizeof(lines[i]) - k,
				      "%02x", x->addr[j]);
		snprintf(lines[i] + k, sizeof(lines[i]) - k,
			 " port %u dev %s auth %u", x->port,
			 x->dev[0] ? x->dev : "-", x->auth);
		sorted[i] = lines[i];
	}
	qsort(sorted, s->nl, sizeof(sorted[0]), line_cmp);
	for (i = 0; i < s->nl && l < n; i++)
		l += snprintf(s->text + l, n - l, "listen %s\n", sorted[i]);
	for (i = 0; i < s->nt && l < n; i++) {
		const struct snap_topo *t = &s->t[i];

		l += snprintf(s->text + l, n - l, "topo %s auto %u:", t->loc,
			      t->autom);
		for (j = 0; j < t->nr && l < n; j++)
			l += snprintf(s->text + l, n - l, " %s %s",
				      t->pref[j] ? "preferred" : "fallback",
				      t->nic[j]);
		if (l < n)
			l += snprintf(s->text + l, n - l, "\n");
	}
	if (l < n)
		l += snprintf(s->text + l, n - l,
			      "auth required %u\npolicy remote-open %u group %s%u peers-per-user %u dials-per-user %u\nsegments %llu batches %llu\ndevices %u%s\n",
			      s->auth, s->ro, s->has_group ? "" : "(none) ",
			      s->has_group ? s->group : 0, s->peers, s->dials,
			      (unsigned long long)s->segs,
			      (unsigned long long)s->batches, s->ndevs,
			      s->overflow ? "\n(more than fit)" : "");
	return 0;
}

static const struct snap_topo *topo_find(const struct snap *s, const char *loc)
{
	unsigned int i;

	for (i = 0; i < s->nt; i++)
		if (!strcmp(s->t[i].loc, loc))
			return &s->t[i];
	return NULL;
}

static bool topo_same(const struct snap_topo *a, const struct snap_topo *b)
{
	unsigned int i;

	if (!a || !b || a->autom != b->autom || a->nr != b->nr)
		return false;
	for (i = 0; i < a->nr; i++)
		if (a->pref[i] != b->pref[i] || strcmp(a->nic[i], b->nic[i]))
			return false;
	return true;
}

static bool listen_in(const struct snap *s, const struct snap_listen *l)
{
	unsigned int i;

	for (i = 0; i < s->nl; i++)
		if (s->l[i].alen == l->alen && s->l[i].port == l->port &&
		    !memcmp(s->l[i].addr, l->addr, l->alen))
			return true;
	return false;
}

static int listen_req(struct nlfz *z, uint8_t cmd, const struct snap_listen *l)
{
	struct abuf ab = { .len = 0 };
	uint16_t port = l->port;

	ab_put(&ab, MCTE_A_LISTEN_ADDR, l->addr, l->alen);
	ab_put(&ab, MCTE_A_LISTEN_PORT, &port, 2);
	return nl_call(z, cmd, false, ab.b, ab.len, NULL, NULL);
}

/*
 * Put back what @s0 saw: listeners, the priority matrix, the cluster key
 * (one of ours where there was one), the policy. Describes the first
 * failure in @err. 0 or -errno.
 */
static int restore(struct nlfz *z, const struct snap *s0, struct snap *now,
		   char *err, size_t errlen)
{
	struct abuf ab;
	unsigned int i, j;
	uint8_t key[32];
	int ret;

	if ((ret = snapshot(z, now))) {
		snprintf(err, errlen, "snapshot: %s", strerror(-ret));
		return ret;
	}
	for (i = 0; i < now->nl; i++)
		if (!listen_in(s0, &now->l[i]) &&
		    (ret = listen_req(z, MCTE_CMD_LISTEN_DEL, &now->l[i]))) {
			snprintf(err, errlen, "listen-del of listener %u: %s",
				 i, strerror(-ret));
			return ret;
		}
	for (i = 0; i < s0->nl; i++)
		if (!listen_in(now, &s0->l[i]) &&
		    (ret = listen_req(z, MCTE_CMD_LISTEN_ADD, &s0->l[i]))) {
			snprintf(err, errlen, "listen-add back of listener %u: %s",
				 i, strerror(-ret));
			return ret;
		}
	for (i = 0; i < now->nt; i++) {
		const struct snap_topo *t = &now->t[i], *t0 = topo_find(s0, t->loc);

		if (topo_same(t, t0) || (t->autom && (!t0 || t0->autom)))
			continue;
		ab.len = 0;
		ab_put(&ab, MCTE_A_TOPO_LOCATION, t->loc, strlen(t->loc) + 1);
		for (j = 0; t0 && !t0->autom && j < t0->nr; j++)
			ab_put(&ab, t0->pref[j] ? MCTE_A_TOPO_PREFERRED :
			       MCTE_A_TOPO_FALLBACK, t0->nic[j],
			       strlen(t0->nic[j]) + 1);
		if ((ret = nl_call(z, MCTE_CMD_TOPO_SET, false, ab.b, ab.len,
				   NULL, NULL))) {
			snprintf(err, errlen, "topo-set %s: %s", t->loc,
				 strerror(-ret));
			return ret;
		}
	}
	ret = 0;
	if (s0->auth == 0 && now->auth == 1)
		ret = nl_call(z, MCTE_CMD_AUTH_DEL, false, NULL, 0, NULL, NULL);
	if (s0->auth == 1 && now->auth == 0) {
		ksft_print_msg("a cluster key was set before the run: it is one of ours now\n");
		ab.len = 0;
		mx_fill_rand(key, sizeof(key), &z->rng);
		ab_put(&ab, MCTE_A_AUTH_KEY, key, sizeof(key));
		ret = nl_call(z, MCTE_CMD_AUTH_SET, false, ab.b, ab.len, NULL,
			      NULL);
	}
	if (ret) {
		snprintf(err, errlen, "auth back to %u: %s", s0->auth,
			 strerror(-ret));
		return ret;
	}
	ab.len = 0;
	ab_put(&ab, MCTE_A_POLICY_REMOTE_OPEN, &s0->ro, 4);
	if (s0->has_group)
		ab_put(&ab, MCTE_A_POLICY_GROUP, &s0->group, 4);
	ab_put(&ab, MCTE_A_POLICY_PEERS_PER_USER, &s0->peers, 4);
	ab_put(&ab, MCTE_A_POLICY_DIALS_PER_USER, &s0->dials, 4);
	if ((ret = nl_call(z, MCTE_CMD_POLICY_SET, false, ab.b, ab.len, NULL,
			   NULL))) {
		snprintf(err, errlen, "policy-set back: %s", strerror(-ret));
		return ret;
	}
	return 0;
}

/* The model of auth and policy, from what the engine says now. */
static int model_init(struct nlfz *z)
{
	struct snap *s = calloc(1, sizeof(*s));
	int ret;

	if (!s)
		return -ENOMEM;
	s->auth = ~0U;
	ret = nl_call(z, MCTE_CMD_AUTH_GET, false, NULL, 0, snap_auth_cb, s);
	if (!ret)
		ret = nl_call(z, MCTE_CMD_POLICY_GET, false, NULL, 0,
			      snap_policy_cb, s);
	if (!ret) {
		z->m.key = s->auth <= 1 ? (int)s->auth : -1;
		z->m.pol_known = true;
		z->m.ro = s->ro;
		z->m.group = s->group;
		z->m.peers = s->peers;
		z->m.dials = s->dials;
	}
	free(s);
	return ret;
}

static void devs_cb(void *ctx, const uint8_t *p, int len)
{
	struct nlfz *z = ctx;
	const struct nlattr *na;
	uint32_t idx = 0;
	char name[64] = "";

	for_each_attr(na, p, len) {
		if ((na->nla_type & NLA_TYPE_MASK) == MCTE_A_DEV_INDEX &&
		    na->nla_len == NLA_HDRLEN + 4)
			idx = *(const uint32_t *)(na + 1);
		if ((na->nla_type & NLA_TYPE_MASK) == MCTE_A_DEV_NAME)
			str_of(name, sizeof(name), na);
	}
	if (z->nr_devs < MX_ARRAY_SIZE(z->dev_idx) && name[0]) {
		z->dev_idx[z->nr_devs] = idx;
		snprintf(z->dev_name[z->nr_devs++], 64, "%s", name);
	}
}

/* Possible NUMA nodes, from a list such as 0-3,5. */
static void read_nodes(struct nlfz *z)
{
	FILE *fp = fopen("/sys/devices/system/node/possible", "r");
	unsigned int a, b, n;
	char sep;

	z->nr_nodes = 0;
	while (fp && fscanf(fp, "%u", &a) == 1) {
		b = a;
		if (fscanf(fp, "%c", &sep) == 1 && sep == '-') {
			if (fscanf(fp, "%u", &b) != 1)
				break;
			if (fscanf(fp, "%c", &sep) != 1)
				sep = 0;
		}
		for (n = a; n <= b && z->nr_nodes < MX_ARRAY_SIZE(z->nodes); n++)
			z->nodes[z->nr_nodes++] = n;
		if (sep != ',')
			break;
	}
	if (fp)
		fclose(fp);
	if (!z->nr_nodes)
		z->nodes[z->nr_nodes++] = 0;
}

/* ------------------------------------------------------------------ */
/* Phases                                                               */

static void run_phase(struct nlfz *z, unsigned long nr)
{
	struct phase_stats *st = z->st;
	uint64_t t0 = mx_now_ms();
	unsigned long i;
	int ret;

	st->ran = true;
	ret = model_init(z);
	if (ret) {
		broke(z, "%s phase: auth-get/policy-get: %s", z->phase,
		      strerror(-ret));
		return;
	}
	for (i = 0; i < nr && !st->bad[0]; i++) {
		z->cur = i;
		one(z, i);
	}
	st->ms = mx_now_ms() - t0;
}

static bool caps_none(void)
{
	char line[256];
	bool none = false;
	FILE *fp = fopen("/proc/self/status", "r");

	while (fp && fgets(line, sizeof(line), fp))
		if (!strncmp(line, "CapEff:", 7))
			none = strtoull(line + 7, NULL, 16) == 0;
	if (fp)
		fclose(fp);
	return none;
}

/* The unprivileged phase, in a child: 0, or 1 with st->bad set. */
static int unpriv_child(struct nlfz *z, unsigned long nr)
{
	struct abuf ab = { .len = 0 };
	uint32_t ro;
	int ret;

	close(z->fd);
	z->fd = -1;
	if (setgroups(0, NULL) || setresgid(65534, 65534, 65534) ||
	    setresuid(65534, 65534, 65534)) {
		broke(z, "dropping to uid/gid 65534: %s", strerror(errno));
		return 1;
	}
	if (!caps_none()) {
		broke(z, "uid 65534 still has capabilities (CapEff)");
		return 1;
	}
	z->st->caps_dropped = true;
	ret = sock_open(z);
	if (ret) {
		broke(z, "unprivileged: netlink socket: %s", strerror(-ret));
		return 1;
	}
	/* Prove it: an admin-perm op that root would be granted. */
	ro = MCTE_REMOTE_OPEN_ALL;
	ab_put(&ab, MCTE_A_POLICY_REMOTE_OPEN, &ro, 4);
	ret = nl_call(z, MCTE_CMD_POLICY_SET, false, ab.b, ab.len, NULL, NULL);
	if (ret != -EPERM) {
		broke(z, "unprivileged policy-set: %d (%s), want EPERM", ret,
		      strerror(-ret));
		return 1;
	}
	ret = nl_call(z, MCTE_CMD_AUTH_DEL, false, NULL, 0, NULL, NULL);
	if (ret != -EPERM) {
		broke(z, "unprivileged auth-del: %d (%s), want EPERM", ret,
		      strerror(-ret));
		return 1;
	}
	z->st->eperm_probe = true;
	run_phase(z, nr);
	return z->st->bad[0] ? 1 : 0;
}

static void print_lines(const char *prefix, const char *text)
{
	const char *p = text, *e;

	while (*p) {
		e = strchr(p, '\n');
		if (!e)
			e = p + strlen(p);
		ksft_print_msg("%s%.*s\n", prefix, (int)(e - p), p);
		p = *e ? e + 1 : e;
	}
}

static void report(const char *name, const struct phase_stats *st)
{
	unsigned long other = 0, other_ok = 0;
	unsigned int i, c;
	char line[1024];
	size_t l;

	ksft_print_msg("%s phase: %lu messages in %llu ms (%llu/s): %lu ok (%lu silent), %lu errors, %lu data replies, %lu sentinels; %lu valid, %lu nearly valid, %lu random\n",
		       name, st->msgs, (unsigned long long)st->ms,
		       st->ms ? (unsigned long long)st->msgs * 1000 / st->ms : 0,
		       st->ok, st->silent, st->err, st->data_msgs,
		       st->sentinels, st->by_kind[K_VALID],
		       st->by_kind[K_NEARLY], st->by_kind[K_RANDOM]);
	for (i = 0; i < 256; i++) {
		for (c = 0; c < MX_ARRAY_SIZE(cmd_slots); c++)
			if (cmd_slots[c] == i)
				break;
		if (c == MX_ARRAY_SIZE(cmd_slots)) {
			other += st->by_cmd[i];
			other_ok += st->ok_by_cmd[i];
		}
	}
	for (c = 0, l = 0; c <= MX_ARRAY_SIZE(cmd_slots); c++) {
		if (l >= sizeof(line) - 100)
			l = sizeof(line) - 100;
		if (c == MX_ARRAY_SIZE(cmd_slots))
			l += snprintf(line + l, sizeof(line) - l,
				      " other-values %lu/%lu", other_ok, other);
		else if (cmd_of(cmd_slots[c]))
			l += snprintf(line + l, sizeof(line) - l, " %s %lu/%lu",
				      cmd_name(cmd_slots[c]),
				      st->ok_by_cmd[cmd_slots[c]],
				      st->by_cmd[cmd_slots[c]]);
		else
			l += snprintf(line + l, sizeof(line) - l,
				      " cmd%u %lu/%lu", cmd_slots[c],
				      st->ok_by_cmd[cmd_slots[c]],
				      st->by_cmd[cmd_slots[c]]);
		if (l > 90 || c == MX_ARRAY_SIZE(cmd_slots)) {
			ksft_print_msg("  ok/sent:%s\n", line);
			l = 0;
		}
	}
	for (i = 1, l = 0; i < NR_ERRNO && l < sizeof(line); i++) {
		if (!st->errnos[i])
			continue;
		l += snprintf(line + l, sizeof(line) - l, " %s %lu",
			      ename(i), st->errnos[i]);
	}
	ksft_print_msg("  errno:%s\n", l ? line : " none");
	ksft_print_msg("  listeners added %lu, deleted %lu\n",
		       st->listen_added, st->listen_deleted);
}

FIXTURE(nl_fuzz) {
	int unused;
};

FIXTURE_SETUP(nl_fuzz)
{
}

FIXTURE_TEARDOWN(nl_fuzz)
{
}

static const unsigned int must_succeed_root[] = {
	MCTE_CMD_VERSION_GET, MCTE_CMD_DEV_GET, MCTE_CMD_SEG_GET,
	MCTE_CMD_STAT_GET, MCTE_CMD_LISTEN_ADD, MCTE_CMD_LISTEN_DEL,
	MCTE_CMD_LISTEN_GET, MCTE_CMD_PEER_GET, MCTE_CMD_PATH_GET,
	MCTE_CMD_TOPO_GET, MCTE_CMD_TOPO_SET, MCTE_CMD_AUTH_SET,
	MCTE_CMD_AUTH_DEL, MCTE_CMD_AUTH_GET, MCTE_CMD_POLICY_SET,
	MCTE_CMD_POLICY_GET,
};

TEST_F_TIMEOUT(nl_fuzz, random_messages, 600)
{
	uint64_t seed = mx_seed("MCTE_NL_FUZZ_SEED", 0x6e6c66757a7a6d63ULL);
	unsigned long nr = mx_seed("MCTE_NL_FUZZ_OPS", 100000);
	unsigned long nr_root = (nr + 1) / 2, nr_unpriv = nr - nr_root;
	struct phase_stats *stats;
	struct snap *s_pre, *s0, *s1, *s2, *s3;
	struct nlfz *z;
	long refcnt0;
	uint32_t seg_handle = 0;
	unsigned char *mem;
	int mfd, ret, status;
	unsigned int i, c;
	uint64_t t0;
	char err[256];
	pid_t pid;

	if (geteuid())
		SKIP(return, "needs root (the unprivileged phase drops from it)");
	refcnt0 = mx_module_refcnt();
	z = calloc(1, sizeof(*z));
	s_pre = calloc(1, sizeof(*s_pre));
	s0 = calloc(1, sizeof(*s0));
	s1 = calloc(1, sizeof(*s1));
	s2 = calloc(1, sizeof(*s2));
	s3 = calloc(1, sizeof(*s3));
	ASSERT_TRUE(z && s_pre && s0 && s1 && s2 && s3);
	stats = mmap(NULL, 2 * sizeof(*stats), PROT_READ | PROT_WRITE,
		     MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, stats);
	memset(stats, 0, 2 * sizeof(*stats));

	z->st = &stats[0];
	z->phase = "root";
	ret = sock_open(z);
	if (ret == -ENOENT)
		SKIP(return, "no generic netlink family \"mcte\"");
	ASSERT_EQ(0, ret) TH_LOG("netlink socket: %s", strerror(-ret));
	ksft_print_msg("seed %#llx (MCTE_NL_FUZZ_SEED), %lu messages (MCTE_NL_FUZZ_OPS): %lu as root, %lu as uid 65534; family id %u\n",
		       (unsigned long long)seed, nr, nr_root, nr_unpriv, z->fam);

	read_nodes(z);
	ret = nl_call(z, MCTE_CMD_DEV_GET, true, NULL, 0, devs_cb, z);
	ASSERT_EQ(0, ret) TH_LOG("dev-get dump: %s", strerror(-ret));
	ksft_print_msg("%u RDMA device(s)%s%s, %u possible NUMA node(s)\n",
		       z->nr_devs, z->nr_devs ? ", first " : "",
		       z->nr_devs ? z->dev_name[0] : "", z->nr_nodes);

	ASSERT_EQ(0, snapshot(z, s_pre));

	/* A segment for seg-get to find, owned by this process. */
	mem = mx_alloc(2 * 4096);
	ASSERT_NE(NULL, mem);
	mfd = mx_open();
	if (mfd >= 0) {
		struct mcte_seg_buf bufs[2] = {
			mx_buf(mem, 4096), mx_buf(mem + 4096, 4096),
		};

		snprintf(z->seg_name, sizeof(z->seg_name), "nlfz.%d", getpid());
		ret = mx_seg_reg(mfd, z->seg_name, bufs, 2, MCTE_ACCESS_READ,
				 &seg_handle);
		if (ret) {
			ksft_print_msg("no segment for seg-get: %s\n",
				       strerror(-ret));
			z->seg_name[0] = 0;
		}
	}

	ASSERT_EQ(0, snapshot(z, s0));
	print_lines("before: ", s0->text);

	/* Root. */
	z->rng.s = seed;
	z->unpriv = false;
	t0 = mx_now_ms();
	run_phase(z, nr_root);
	if (stats[0].bad[0]) {
		print_lines("root: ", stats[0].bad);
		/* What the broken exchange left unread goes with the socket. */
		close(z->fd);
		ASSERT_EQ(0, sock_open(z));
	}
	ret = restore(z, s0, s1, err, sizeof(err));
	EXPECT_EQ(0, ret) TH_LOG("putting the engine back: %s", err);
	ASSERT_EQ(0, snapshot(z, s1));
	EXPECT_STREQ(s0->text, s1->text)
		TH_LOG("the root phase did not leave the engine as it found it");

	/* Unprivileged. */
	ASSERT_EQ(0, snapshot(z, s2));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		z->st = &stats[1];
		z->phase = "unprivileged";
		z->unpriv = true;
		z->rng.s = seed ^ 0x756e707269760000ULL;
		_exit(unpriv_child(z, nr_unpriv));
	}
	status = mx_wait_child(pid);
	ASSERT_EQ(0, snapshot(z, s3));
	EXPECT_STREQ(s2->text, s3->text)
		TH_LOG("the unprivileged phase changed the engine");
	ksft_print_msg("both phases: %lu messages in %llu ms (%llu/s)\n",
		       stats[0].msgs + stats[1].msgs,
		       (unsigned long long)(mx_now_ms() - t0),
		       (unsigned long long)(stats[0].msgs + stats[1].msgs) *
		       1000 / (mx_now_ms() - t0 + 1));

	report("root", &stats[0]);
	report("unprivileged", &stats[1]);
	if (stats[1].bad[0])
		print_lines("unprivileged: ", stats[1].bad);
	EXPECT_STREQ("", stats[0].bad)
		TH_LOG("seed %#llx, root phase", (unsigned long long)seed);
	EXPECT_STREQ("", stats[1].bad)
		TH_LOG("seed %#llx, unprivileged phase", (unsigned long long)seed);
	EXPECT_EQ(0, status);

	/*
	 * Not vacuous: every command sent, handlers reached, errors of each
	 * kind seen. Short runs (a replay of the first messages) check what
	 * they can: the first messages of a phase go through every slot.
	 */
	EXPECT_TRUE(stats[1].caps_dropped && stats[1].eperm_probe);
	EXPECT_EQ(0, stats[0].errnos[EPERM]);
	if (!stats[0].bad[0] && !stats[1].bad[0]) {
		for (i = 0; i < 2; i++) {
			unsigned long n = i ? nr_unpriv : nr_root;
			unsigned long min = n / 300 ? n / 300 : 1;

			EXPECT_LE(n, stats[i].msgs);
			for (c = 0; c < MX_ARRAY_SIZE(cmd_slots) &&
				    n >= MX_ARRAY_SIZE(cmd_slots); c++)
				EXPECT_LE(min, stats[i].by_cmd[cmd_slots[c]])
					TH_LOG("%s phase: command %u (%s) sent %lu times",
					       i ? "unprivileged" : "root",
					       cmd_slots[c], cmd_name(cmd_slots[c]),
					       stats[i].by_cmd[cmd_slots[c]]);
			if (n < 1000)
				continue;
			EXPECT_LT(0, stats[i].ok);
			EXPECT_LT(0, stats[i].errnos[EINVAL]);
			EXPECT_LT(0, stats[i].errnos[EOPNOTSUPP]);
		}
	}
	if (!stats[0].bad[0] && !stats[1].bad[0] && nr_root >= 1000 &&
	    nr_unpriv >= 1000) {
		/*
		 * Range checks are on admin-perm ops only, which the
		 * unprivileged user never gets past.
		 */
		EXPECT_LT(0, stats[0].errnos[ERANGE]);
		EXPECT_LT(0, stats[1].errnos[EPERM]);
		for (c = 1; c <= MCTE_CMD_MAX; c++)
			if (cmd_of(c) && cmd_of(c)->admin)
				EXPECT_LT(0, stats[1].eperm_by_cmd[c])
					TH_LOG("no EPERM for %s", cmd_name(c));
		EXPECT_LT(0, stats[0].silent);
		if (nr_root >= 5000) {
			for (c = 0; c < MX_ARRAY_SIZE(must_succeed_root); c++) {
				unsigned int k = must_succeed_root[c];

				if (k == MCTE_CMD_SEG_GET && !z->seg_name[0])
					continue;
				EXPECT_LT(0, stats[0].ok_by_cmd[k])
					TH_LOG("root: %s never succeeded",
					       cmd_name(k));
			}
		}
	}

	/* The segment goes; the engine is as before; no reference stays. */
	if (seg_handle)
		EXPECT_EQ(0, mx_seg_unreg(mfd, seg_handle));
	if (mfd >= 0)
		close(mfd);
	ASSERT_EQ(0, snapshot(z, s1));
	EXPECT_STREQ(s_pre->text, s1->text);
	close(z->fd);
	EXPECT_EQ(0, mx_wait_refcnt(refcnt0, 10000));
	EXPECT_EQ(refcnt0, mx_module_refcnt())
		TH_LOG("module references %ld, %ld before", mx_module_refcnt(),
		       refcnt0);
	mx_free(mem, 2 * 4096);
	munmap(stats, 2 * sizeof(*stats));
	free(s_pre);
	free(s0);
	free(s1);
	free(s2);
	free(s3);
	free(z);
}

TEST_HARNESS_MAIN
