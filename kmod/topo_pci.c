// SPDX-License-Identifier: GPL-2.0
/*
 * mcte - PCIe distance between two devices, from their sysfs paths, such
 * as "/sys/devices/pci0000:00/0000:00:1c.0/0000:03:00.0" (or, as
 * kobject_get_path() gives it, without "/sys").
 *
 * A path is a host bridge ("pciDDDD:BB") followed by the PCI functions
 * from the root port down to the device, each "DDDD:BB:DD.F". The two
 * devices share every leading function their paths have in common: one
 * shared function is the root port; two or more means a bridge below the
 * root port, that is a switch (or, when one device is a prefix of the
 * other, the upper one is itself that bridge).
 *
 * Written without the C library or kernel helpers: the same file is built
 * into the module and into a user-space test.
 */

#include "topo_pci.h"

/* Functions below a host bridge, at most: deeper than any real tree. */
#define MCTE_PCI_DEPTH_MAX	32

/* A path, cut into components: start and length of each. */
struct mcte_pci_path {
	const char *host;
	unsigned int host_len;
	unsigned int nr;
	const char *fn[MCTE_PCI_DEPTH_MAX];
	unsigned int fn_len[MCTE_PCI_DEPTH_MAX];
};

static int mcte_pci_ishex(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
}

/* Hex digits at @s, up to @max; lower case, as sysfs writes them. */
static unsigned int mcte_pci_hex(const char *s, unsigned int len,
				 unsigned int max)
{
	unsigned int i = 0;

	while (i < len && i < max && mcte_pci_ishex(s[i]))
		i++;
	return i;
}

/* "DDDD:BB": a domain of 4 to 8 hex digits (VMD ones have 5), a bus. */
static unsigned int mcte_pci_domain_bus(const char *s, unsigned int len)
{
	unsigned int d = mcte_pci_hex(s, len, 8);

	if (d < 4 || d + 3 > len || s[d] != ':' ||
	    mcte_pci_hex(s + d + 1, len - d - 1, 2) != 2)
		return 0;
	return d + 3;
}

/* Whether @s is "DDDD:BB:DD.F" exactly. */
static int mcte_pci_is_fn(const char *s, unsigned int len)
{
	unsigned int n = mcte_pci_domain_bus(s, len);

	return n && len == n + 5 && s[n] == ':' &&
	       mcte_pci_hex(s + n + 1, 2, 2) == 2 && s[n + 3] == '.' &&
	       s[n + 4] >= '0' && s[n + 4] <= '7';
}

/* Whether @s is "pciDDDD:BB" exactly. */
static int mcte_pci_is_host(const char *s, unsigned int len)
{
	return len > 3 && s[0] == 'p' && s[1] == 'c' && s[2] == 'i' &&
	       mcte_pci_domain_bus(s + 3, len - 3) == len - 3;
}

static int mcte_pci_prefix(const char *s, const char *prefix)
{
	while (*prefix)
		if (*s++ != *prefix++)
			return 0;
	return 1;
}

static int mcte_pci_eq(const char *a, unsigned int alen, const char *b,
		       unsigned int blen)
{
	unsigned int i;

	if (alen != blen)
		return 0;
	for (i = 0; i < alen; i++)
		if (a[i] != b[i])
			return 0;
	return 1;
}

/*
 * Cut @s into @p: "[/sys]/devices/", any components that are not PCI
 * (an ACPI parent), the host bridge, then one function at least and
 * nothing but functions, or another host bridge (VMD) that starts over.
 * Return: 0 or -EINVAL.
 */
static int mcte_pci_parse(const char *s, struct mcte_pci_path *p)
{
	unsigned int len;

	if (mcte_pci_prefix(s, "/sys/"))
		s += 4;
	if (!mcte_pci_prefix(s, "/devices/"))
		return -EINVAL;
	s += 8;

	p->host = NULL;
	p->nr = 0;
	while (*s == '/') {
		s++;
		for (len = 0; s[len] && s[len] != '/'; len++)
			;
		if (!len)
			return -EINVAL;	/* "//" or a trailing '/' */
		if (mcte_pci_is_host(s, len)) {
			/*
			 * A domain behind a function of another (VMD): the
			 * inner one is what its devices share or not.
			 */
			p->host = s;
			p->host_len = len;
			p->nr = 0;
		} else if (p->host) {
			if (!mcte_pci_is_fn(s, len) ||
			    p->nr == MCTE_PCI_DEPTH_MAX)
				return -EINVAL;
			p->fn[p->nr] = s;
			p->fn_len[p->nr] = len;
			p->nr++;
		}
		/* Else a parent that is not PCI (ACPI): skipped. */
		s += len;
	}
	if (*s || !p->host || !p->nr)
		return -EINVAL;
	return 0;
}

/*
 * An unknown node (negative: NUMA_NO_NODE) is the same as any: a machine
 * without NUMA, or a device whose firmware names no node, has nothing
 * nearer to offer.
 */
static int mcte_pci_numa(int node_a, int node_b)
{
	if (node_a < 0 || node_b < 0 || node_a == node_b)
		return MCTE_PCI_SAME_NUMA;
	return MCTE_PCI_OTHER;
}

/**
 * mcte_pci_distance() - PCIe distance class of two devices
 * @a: sysfs path of the first device's PCI function, or NULL when it has
 *     none (a soft-RoCE device on a netdev that is not PCI)
 * @node_a: its NUMA node, negative when unknown
 * @b: the same of the second device
 * @node_b: its NUMA node, negative when unknown
 *
 * Any context: nothing allocated, no lock. Paths are compared component
 * by component, never as strings, so "0000:00:01.0" is no prefix of
 * "0000:00:01.00"; devices in different PCI domains share nothing. A
 * device with no path is ranked by NUMA node alone.
 *
 * Return: an enum mcte_pci_dist, or -EINVAL when a path given is not a
 * PCI device's sysfs path.
 */
int mcte_pci_distance(const char *a, int node_a, const char *b, int node_b)
{
	struct mcte_pci_path pa, pb;
	unsigned int i, n;

	if (a && mcte_pci_parse(a, &pa))
		return -EINVAL;
	if (b && mcte_pci_parse(b, &pb))
		return -EINVAL;
	if (!a || !b ||
	    !mcte_pci_eq(pa.host, pa.host_len, pb.host, pb.host_len))
		return mcte_pci_numa(node_a, node_b);

	n = pa.nr < pb.nr ? pa.nr : pb.nr;
	for (i = 0; i < n; i++)
		if (!mcte_pci_eq(pa.fn[i], pa.fn_len[i], pb.fn[i], pb.fn_len[i]))
			break;
	if (i >= 2)
		return MCTE_PCI_SAME_SWITCH;
	if (i == 1)
		return MCTE_PCI_SAME_ROOT_PORT;
	return mcte_pci_numa(node_a, node_b);
}

/**
 * mcte_pci_dist_name() - the name of a distance class, as shown to users
 * @dist: an enum mcte_pci_dist
 *
 * Return: "same-switch", "same-root-port", "same-numa", "other", or "?"
 * for a value that is none of them.
 */
const char *mcte_pci_dist_name(int dist)
{
	switch (dist) {
	case MCTE_PCI_SAME_SWITCH:
		return "same-switch";
	case MCTE_PCI_SAME_ROOT_PORT:
		return "same-root-port";
	case MCTE_PCI_SAME_NUMA:
		return "same-numa";
	case MCTE_PCI_OTHER:
		return "other";
	}
	return "?";
}
