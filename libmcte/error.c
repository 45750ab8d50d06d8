// SPDX-License-Identifier: LGPL-2.1 OR MIT
/*
 * Messages for the errors libmcte returns.
 */
#include <errno.h>
#include <limits.h>
#include <string.h>

#include "libmcte-private.h"

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

/*
 * What an errno means when it comes from libmcte. Only errors whose
 * generic description would mislead are listed; the rest fall through to
 * the C library.
 */
static const char *const mcte_errors[] = {
	[ENOENT]	= "mcte module not loaded: " MCTE_DEV_PATH " does not exist",
	[ENXIO]		= "mcte module not loaded: " MCTE_DEV_PATH " has no driver",
	[ENODEV]	= "mcte module not loaded: " MCTE_DEV_PATH " has no driver",
	[EACCES]	= "permission denied: no read-write access to " MCTE_DEV_PATH,
	[EPROTO]	= "ABI version mismatch between libmcte and the mcte module",
	[ENOTTY]	= "operation not supported by the running mcte module",
};

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
