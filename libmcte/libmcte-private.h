/* SPDX-License-Identifier: LGPL-2.1 OR MIT */
/*
 * libmcte internals: the handle and what the files of the library share.
 * Not installed.
 */
#ifndef LIBMCTE_PRIVATE_H
#define LIBMCTE_PRIVATE_H

#include "libmcte.h"

/*
 * Built with -fvisibility=hidden: only what is marked is exported, and
 * libmcte.map gives each exported symbol its version node.
 */
#define MCTE_EXPORT	__attribute__((visibility("default")))

/* mcte::ver_state */
enum {
	MCTE_VER_NONE = 0,	/* not asked for yet */
	MCTE_VER_FILLING,	/* one thread is storing the answer */
	MCTE_VER_READY,		/* ver and ver_err may be read */
};

struct mcte {
	int fd;

	/* Cached answer of MCTE_IOC_VERSION, see version.c. */
	int ver_state;
	int ver_err;			/* 0 or -EPROTO */
	struct mcte_version ver;
};

#endif /* LIBMCTE_PRIVATE_H */
