// SPDX-License-Identifier: GPL-2.0
/*
 * Helper of trust.sh: open one segment by a name, as whoever runs it.
 *
 *	open_as [-w] [-c SEED] NAME read|rw|none
 *
 * Prints "opened SIZE", or "refused ERRNAME: MESSAGE" with libmcte's
 * message for the cause (mcte_seg_open_strerror()). With -w, once opened,
 * WRITEs 1 MiB of 0xa5 at offset 0 (whoever owns the segment checks that
 * nothing landed where nothing should); with -c, READs the whole segment
 * and compares it with the pattern of SEED (rseg own's).
 *
 * Exit: 0 opened (and the -w/-c transfer did what it should), 1 refused,
 * 2 usage or set-up, 3 the transfer failed or the bytes differ.
 */
#include "rdma_test.h"

int main(int argc, char **argv)
{
	unsigned long long seed = 0;
	bool write = false, cmp = false;
	__u32 h, hl;
	struct mcte *m;
	struct rt_seg l;
	__u64 size;
	size_t len;
	int o, ret;
	__s64 n;

	while ((o = getopt(argc, argv, "wc:")) != -1) {
		if (o == 'w') {
			write = true;
		} else if (o == 'c') {
			cmp = true;
			seed = strtoull(optarg, NULL, 0);
		} else {
			return 2;
		}
	}
	if (argc - optind != 2)
		return 2;
	ret = mcte_open(&m, 0);
	if (ret) {
		printf("mcte_open: %s\n", mcte_strerror(ret));
		return 2;
	}
	ret = mcte_seg_open(m, argv[optind],
			    !strcmp(argv[optind + 1], "rw") ? MCTE_ACCESS_RW :
			    !strcmp(argv[optind + 1], "none") ? MCTE_ACCESS_NONE :
			    MCTE_ACCESS_READ, &h, &size);
	if (ret) {
		printf("refused %s: %s\n", rt_errname(ret),
		       mcte_seg_open_strerror(ret));
		return 1;
	}
	printf("opened %llu\n", (unsigned long long)size);
	if (!write && !cmp)
		return 0;

	len = write ? MX_MiB : size;
	if (rt_seg_alloc(&l, &len, 1) ||
	    rt_seg_register(m, "open_as.local", &l, MCTE_ACCESS_NONE, &hl)) {
		printf("local segment: cannot register\n");
		return 2;
	}
	if (write) {
		memset(l.p[0], 0xa5, len);
		n = mcte_transfer_sync_write(m, hl, 0, h, 0, len);
		printf("write: %lld\n", (long long)n);
		return n == (__s64)len ? 0 : 3;
	}
	n = mcte_transfer_sync_read(m, hl, 0, h, 0, len);
	printf("read: %lld, differs at %ld\n", (long long)n,
	       rt_seg_diff(&l, seed));
	return n == (__s64)len && rt_seg_diff(&l, seed) < 0 ? 0 : 3;
}
