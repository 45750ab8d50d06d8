// SPDX-License-Identifier: LGPL-2.1 OR MIT
/*
 * What the running module speaks: MCTE_IOC_VERSION, asked once per handle.
 */
#include <errno.h>
#include <stdbool.h>
#include <string.h>
#include <sys/ioctl.h>

#include "libmcte-private.h"

/* A module that disagrees on these cannot share requests with us. */
static int mcte_version_check(const struct mcte_version *v)
{
	if (v->abi_version != MCTE_ABI_VERSION)
		return -EPROTO;
	if (v->req_size != sizeof(struct mcte_xfer_req))
		return -EPROTO;
	return 0;
}

MCTE_EXPORT int mcte_query_version(struct mcte *m, struct mcte_version *out)
{
	struct mcte_version v;
	int state = MCTE_VER_NONE;
	int err;

	if (!m || !out)
		return -EINVAL;

	if (__atomic_load_n(&m->ver_state, __ATOMIC_ACQUIRE) == MCTE_VER_READY) {
		*out = m->ver;
		return m->ver_err;
	}

	memset(&v, 0, sizeof(v));
	if (ioctl(m->fd, MCTE_IOC_VERSION, &v) < 0)
		return -errno;	/* not cached: the next call asks again */
	err = mcte_version_check(&v);

	/*
	 * Threads racing here all got the same answer; the first one to
	 * claim the cache stores it, the others return their own copy.
	 */
	if (__atomic_compare_exchange_n(&m->ver_state, &state, MCTE_VER_FILLING,
					false, __ATOMIC_ACQUIRE,
					__ATOMIC_RELAXED)) {
		m->ver = v;
		m->ver_err = err;
		__atomic_store_n(&m->ver_state, MCTE_VER_READY, __ATOMIC_RELEASE);
	}

	*out = v;
	return err;
}

MCTE_EXPORT int mcte_has_feature(struct mcte *m, __u64 feat)
{
	struct mcte_version v;
	int err;

	if (!feat)
		return -EINVAL;

	err = mcte_query_version(m, &v);
	if (err)
		return err;
	return (v.features & feat) == feat;
}

MCTE_EXPORT const char *mcte_lib_version(void)
{
	return LIBMCTE_VERSION;
}
