/* SPDX-License-Identifier: LGPL-2.1 OR MIT */
/*
 * libmcte - user space library of mcte, the in-kernel batched transfer
 * engine (/dev/mcte).
 *
 * Conventions, as in liburing:
 *  - functions return 0 (or a non-negative value where documented) on
 *    success and a negative errno on failure; errno itself is not part of
 *    the interface;
 *  - mcte_strerror() turns those negative errnos into messages that say
 *    what they mean for mcte;
 *  - a struct mcte is an opaque handle to one open /dev/mcte; it may be
 *    used from several threads at once.
 *
 * The ABI structures and constants come from <linux/mcte.h>.
 */
#ifndef LIBMCTE_H
#define LIBMCTE_H

#include <linux/types.h>
#include <linux/mcte.h>

#ifdef __cplusplus
extern "C" {
#endif

struct mcte;

/* ------------------------------------------------------------------ */
/* Open and close (setup.c)                                             */

/**
 * mcte_open() - open the mcte device, MCTE_DEV_PATH
 * @out: where to store the new handle
 * @flags: zero (no flags are defined yet)
 *
 * Return: 0, -EINVAL for unknown @flags, -ENOENT when the mcte module is
 * not loaded, -EACCES when the device may not be opened, other -errno.
 */
int mcte_open(struct mcte **out, unsigned int flags);

/**
 * mcte_open_path() - open an mcte device at @path (tests, containers)
 */
int mcte_open_path(struct mcte **out, const char *path, unsigned int flags);

/**
 * mcte_close() - close a handle from mcte_open(); NULL is accepted
 */
void mcte_close(struct mcte *m);

/**
 * mcte_fd() - file descriptor of the open device, for poll or io_uring
 */
int mcte_fd(const struct mcte *m);

/* ------------------------------------------------------------------ */
/* Versions and features (version.c)                                    */

/**
 * mcte_query_version() - what the running module speaks
 * @m: handle
 * @out: filled with the module's struct mcte_version
 *
 * The answer is asked for once per handle (MCTE_IOC_VERSION) and kept.
 *
 * Return: 0; -EPROTO when the module's ABI version or request size differs
 * from the ones this library was built with (@out is filled all the same,
 * to report what the module speaks); other -errno from the ioctl.
 */
int mcte_query_version(struct mcte *m, struct mcte_version *out);

/**
 * mcte_has_feature() - whether the module implements MCTE_FEAT_* bits
 * @m: handle
 * @feat: one or more MCTE_FEAT_* bits, not zero
 *
 * Return: 1 when the module implements all of @feat, 0 when not, -errno
 * as from mcte_query_version(), -EINVAL for @feat zero.
 */
int mcte_has_feature(struct mcte *m, __u64 feat);

/**
 * mcte_lib_version() - version of this library, "MAJOR.MINOR.PATCH"
 */
const char *mcte_lib_version(void);

/* ------------------------------------------------------------------ */
/* Errors (error.c)                                                     */

/**
 * mcte_strerror() - message for an error returned by libmcte
 * @err: a negative errno as returned by a libmcte function (the positive
 *	 value is accepted too)
 *
 * Errors with a meaning particular to mcte get an explanation ("mcte
 * module not loaded: ..."); others get the C library's description.
 * The string is static: do not modify or free it.
 */
const char *mcte_strerror(int err);

#ifdef __cplusplus
}
#endif

#endif /* LIBMCTE_H */
