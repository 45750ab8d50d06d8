// SPDX-License-Identifier: LGPL-2.1 OR MIT
/*
 * Messages for the errors libmcte returns.
 */
#include <errno.h>
#include <limits.h>
#include <string.h>

#include "libmcte-private.h"

/*
 * What an errno means when it comes from libmcte. Only errors whose
 * generic description would mislead are listed; the rest fall through to
 * the C library. Some errnos mean one thing from mcte_open() and another
 * from a request or a segment call: their message names both.
 */
static const char *const mcte_errors[] = {
	[ENOENT]	= "mcte module not loaded (" MCTE_DEV_PATH " does not exist), "
			  "or no such segment or batch",
	[ENXIO]		= "mcte module not loaded: " MCTE_DEV_PATH " has no driver",
	[ENODEV]	= "segment is gone: unregistered by its owner, or the engine of its node restarted "
			  "(or mcte module not loaded: " MCTE_DEV_PATH " has no driver)",
	[EACCES]	= "permission denied: the access mode of the segment does not allow this "
			  "(or no read-write access to " MCTE_DEV_PATH ")",
	[EPROTO]	= "ABI version mismatch between libmcte and the mcte module",
	[ENOTTY]	= "operation not supported by the running mcte module",
	[ENOSPC]	= "batch is full",
	[EBADF]		= "not a segment handle of this process",
	[ERANGE]	= "offset and length beyond the segment",
	[EBUSY]		= "batch still has requests in flight",
	[ETIMEDOUT]	= "timed out: a transfer's deadline passed, or no path to the peer came up in time",
	[ENETUNREACH]	= "no path to the peer from a NIC the priority matrix names for the local "
			  "memory's location (mctectl topo show)",
	[ENOLINK]	= "no path to the peer engine is left",
	[ECANCELED]	= "transfer canceled",
	[E2BIG]		= "transfer too long for one request",
	[EEXIST]	= "a segment of that name exists",
	[ETIME]		= "no completion came in time",
	[EAGAIN]	= "nothing to reap yet",
};

/* What an errno of mcte_seg_open() means: the cause of the refusal. */
static const char *const mcte_open_errors[] = {
	[ENOENT]	= "no such segment (or mcte module not loaded)",
	[EACCES]	= "permission denied: a segment of this node opens only for its owner's user, "
			  "whatever name it is opened by, and a segment only for what its access mode allows",
	[EINVAL]	= "invalid name or access (a peer's segment opens for read or read-write)",
	[EPERM]		= "the administrator restricts opening segments of peer engines "
			  "(mctectl policy show)",
	[EUSERS]	= "this user holds too many peer engines, or is dialing too many at once "
			  "(mctectl policy show)",
	[EHOSTUNREACH]	= "peer engine unreachable: host name not resolved, no route, or no answer",
	[ENETUNREACH]	= "peer engine unreachable: no route to its address",
	[ECONNREFUSED]	= "connection refused: no mcte listener at that address and port "
			  "(for an address of this node: none of its listeners takes it), "
			  "or the peer engine refused the connection",
	[ENETDOWN]	= "the RDMA device of the path to the peer engine went away",
	[EKEYREJECTED]	= "peer authentication failed: the cluster keys of the two engines differ, "
			  "or only one of them has one (mctectl auth show)",
	[EPROTONOSUPPORT] = "the peer engine speaks another version of the wire protocol",
	[EMFILE]	= "the path to the peer engine holds too many opens",
	[EBUSY]		= "the peer engine is too busy to answer (or no room for another connection)",
	[EPROTO]	= "the peer engine's answer is malformed",
	[ETIMEDOUT]	= "timed out: no path to the peer engine came up in time",
	[E2BIG]		= "the segment needs more keys than one open may hold (1048576)",
	[ENODEV]	= "mcte module not loaded: " MCTE_DEV_PATH " has no driver",
};

MCTE_EXPORT const char *mcte_seg_open_strerror(int err)
{
	unsigned int e = err < 0 ? 0U - (unsigned int)err : (unsigned int)err;

	if (e < ARRAY_SIZE(mcte_open_errors) && mcte_open_errors[e])
		return mcte_open_errors[e];
	return mcte_strerror(err);
}

MCTE_EXPORT const char *mcte_strerror(int err)
{
	/* unsigned: -INT_MIN does not fit an int */
	unsigned int e = err < 0 ? 0U - (unsigned int)err : (unsigned int)err;
	const char *msg;

	if (e == 0)
		return "success";
	if (e < ARRAY_SIZE(mcte_errors) && mcte_errors[e])
		return mcte_errors[e];
	if (e > INT_MAX)
		return "unknown error";

	/* Unlike strerror(), a pointer to a constant table: thread-safe. */
	msg = strerrordesc_np((int)e);
	return msg ? msg : "unknown error";
}
