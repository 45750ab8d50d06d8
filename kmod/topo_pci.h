/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mcte - PCIe distance between two devices, from their sysfs paths.
 *
 * Pure: no kernel-only dependency, so that a user-space test compiles
 * topo_pci.c as it is and feeds it paths (tests/nomodule/topo_pci).
 */
#ifndef MCTE_TOPO_PCI_H
#define MCTE_TOPO_PCI_H

#ifdef __KERNEL__
#include <linux/errno.h>
#include <linux/stddef.h>
#else
#include <errno.h>
#include <stddef.h>
#endif

/**
 * enum mcte_pci_dist - how near two PCI devices are, nearest first
 * @MCTE_PCI_SAME_SWITCH: they share an upstream bridge below the root
 *	port (a PCIe switch), or one is such a bridge above the other
 * @MCTE_PCI_SAME_ROOT_PORT: they share a root port, and no bridge below it
 * @MCTE_PCI_SAME_NUMA: different root ports (or no PCI path for one of
 *	them), the same NUMA node
 * @MCTE_PCI_OTHER: none of the above
 */
enum mcte_pci_dist {
	MCTE_PCI_SAME_SWITCH,
	MCTE_PCI_SAME_ROOT_PORT,
	MCTE_PCI_SAME_NUMA,
	MCTE_PCI_OTHER,
};

int mcte_pci_distance(const char *a, int node_a, const char *b, int node_b);
const char *mcte_pci_dist_name(int dist);

#endif /* MCTE_TOPO_PCI_H */
