// SPDX-License-Identifier: GPL-2.0
/*
 * mcte - the generic netlink family "mcte", around the tables
 * scripts/nl-gen.sh generates. ynl-gen writes the family struct itself
 * only for the "genetlink" protocol; the spec is genetlink-legacy, for
 * kernel-policy per-op (struct genl_ops, which 6.1 has). The struct needs
 * the multicast groups, which the generator makes static to its source
 * file, for the family struct it would have put next to them: so that
 * file is compiled here, as part of this one, rather than edited.
 */

#include <linux/module.h>

#include "netlink.h"
#include "netlink_gen.c"

struct genl_family mcte_nl_family __ro_after_init = {
	.name		= MCTE_FAMILY_NAME,
	.version	= MCTE_FAMILY_VERSION,
	.netnsok	= true,
	.parallel_ops	= true,
	.module		= THIS_MODULE,
	.ops		= mcte_nl_ops,
	.n_ops		= ARRAY_SIZE(mcte_nl_ops),
	.mcgrps		= mcte_nl_mcgrps,
	.n_mcgrps	= ARRAY_SIZE(mcte_nl_mcgrps),
};
