/* SPDX-License-Identifier: GPL-2.0 */
/* Helpers shared by the C suites. */
#ifndef MCTE_TEST_H
#define MCTE_TEST_H

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/mcte.h>

/* Read one integer module parameter; -1 when it cannot be read. */
static inline long mcte_test_param(const char *name)
{
	char path[128];
	long val = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/sys/module/mcte/parameters/%s", name);
	f = fopen(path, "r");
	if (!f)
		return -1;
	if (fscanf(f, "%ld", &val) != 1)
		val = -1;
	fclose(f);
	return val;
}

/* Every feature bit the ABI defines; anything else is a stray bit. */
#define MCTE_TEST_FEAT_KNOWN						\
	(MCTE_FEAT_DEVICES | MCTE_FEAT_SEGMENTS | MCTE_FEAT_BATCH |	\
	 MCTE_FEAT_URING_CMD | MCTE_FEAT_XPORT_LOCAL |			\
	 MCTE_FEAT_XPORT_RDMA | MCTE_FEAT_XPORT_TCP |			\
	 MCTE_FEAT_XPORT_NVME | MCTE_FEAT_SEG_DMABUF)

#endif
