// SPDX-License-Identifier: GPL-2.0
/*
 * No provider of the nvidia_p2p_* API is loaded (nvp2p.sh runs this
 * first): the module reports no MCTE_FEAT_SEG_NV_P2P, and registering a
 * GPU memory segment is refused with -EOPNOTSUPP, holding nothing.
 * Exit 0 when so.
 */
#include "nvp2p_test.h"

int main(void)
{
	struct mcte_seg_buf b = nv_buf(64ULL << 30, 64 * MX_KiB);
	long pin;
	__u32 h;
	int fd, ret;

	fd = mx_open();
	if (fd < 0) {
		fprintf(stderr, "# open " MCTE_DEV_PATH ": %s\n", strerror(-fd));
		return 1;
	}
	if (mx_features(fd) & MCTE_FEAT_SEG_NV_P2P) {
		fprintf(stderr, "# MCTE_FEAT_SEG_NV_P2P set without a provider\n");
		return 1;
	}
	pin = mx_vmpin_kb();
	ret = nv_seg_reg(fd, "nv-absent", &b, 1, MCTE_ACCESS_RW, &h);
	if (ret != -EOPNOTSUPP) {
		fprintf(stderr, "# register without a provider: %d (%s), want -EOPNOTSUPP\n",
			ret, strerror(-ret));
		return 1;
	}
	if (mx_vmpin_kb() != pin) {
		fprintf(stderr, "# a refused registration left pages charged\n");
		return 1;
	}
	close(fd);
	return 0;
}
