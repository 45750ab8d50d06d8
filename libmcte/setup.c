// SPDX-License-Identifier: LGPL-2.1 OR MIT
/*
 * Opening and closing /dev/mcte.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include "libmcte-private.h"

MCTE_EXPORT int mcte_open_path(struct mcte **out, const char *path,
			       unsigned int flags)
{
	struct mcte *m;
	int err;

	if (!out || !path || flags)
		return -EINVAL;

	m = calloc(1, sizeof(*m));
	if (!m)
		return -ENOMEM;

	m->fd = open(path, O_RDWR | O_CLOEXEC);
	if (m->fd < 0) {
		err = -errno;
		free(m);
		return err;
	}
	pthread_mutex_init(&m->lock, NULL);
	pthread_cond_init(&m->reap_cond, NULL);

	*out = m;
	return 0;
}

MCTE_EXPORT int mcte_open(struct mcte **out, unsigned int flags)
{
	return mcte_open_path(out, MCTE_DEV_PATH, flags);
}

MCTE_EXPORT void mcte_close(struct mcte *m)
{
	if (!m)
		return;
	close(m->fd);
	mcte_reap_destroy(m);
	free(m->aligns);
	free(m);
}

MCTE_EXPORT int mcte_fd(const struct mcte *m)
{
	return m ? m->fd : -EINVAL;
}
