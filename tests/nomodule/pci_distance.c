// SPDX-License-Identifier: GPL-2.0
/*
 * The PCIe distance the priority matrix ranks NICs by, for each class,
 * on paths as sysfs writes them: kmod/topo_pci.c is compiled here as the
 * module compiles it. It needs no module and no GPU, which is how the
 * cuda:N ranking is shown where the test guest has none.
 */
#include <errno.h>
#include <string.h>

#include "kselftest_harness.h"

#include "../../kmod/topo_pci.c"

#define RP	"/sys/devices/pci0000:00/0000:00:01.0"
#define SW	RP "/0000:01:00.0"		/* switch upstream port */
#define GPU	SW "/0000:02:00.0/0000:03:00.0"
#define NIC_SW	SW "/0000:02:01.0/0000:04:00.0"
#define NIC_RP	RP "/0000:05:00.0"
#define NIC_RP2	"/sys/devices/pci0000:00/0000:00:1c.0/0000:06:00.0"

TEST(same_switch)
{
	EXPECT_EQ(MCTE_PCI_SAME_SWITCH, mcte_pci_distance(GPU, 0, NIC_SW, 0));
	EXPECT_EQ(MCTE_PCI_SAME_SWITCH, mcte_pci_distance(NIC_SW, 1, GPU, 0))
		TH_LOG("PCI path outranks the NUMA node");
	/* Two functions of one device: below the same switch port. */
	EXPECT_EQ(MCTE_PCI_SAME_SWITCH,
		  mcte_pci_distance(SW "/0000:02:00.0/0000:03:00.0", 0,
				    SW "/0000:02:00.0/0000:03:00.1", 0));
	EXPECT_STREQ("same-switch", mcte_pci_dist_name(MCTE_PCI_SAME_SWITCH));
}

TEST(same_root_port)
{
	EXPECT_EQ(MCTE_PCI_SAME_ROOT_PORT,
		  mcte_pci_distance(GPU, 0, NIC_RP, 0));
	/* Without the "/sys" that kobject_get_path() leaves out. */
	EXPECT_EQ(MCTE_PCI_SAME_ROOT_PORT,
		  mcte_pci_distance(GPU + 4, 0, NIC_RP + 4, 0));
	/* Directly on the root port, both. */
	EXPECT_EQ(MCTE_PCI_SAME_ROOT_PORT,
		  mcte_pci_distance(RP "/0000:05:00.0", 0,
				    RP "/0000:05:00.1", 0));
	EXPECT_STREQ("same-root-port",
		     mcte_pci_dist_name(MCTE_PCI_SAME_ROOT_PORT));
}

TEST(same_numa)
{
	EXPECT_EQ(MCTE_PCI_SAME_NUMA, mcte_pci_distance(GPU, 0, NIC_RP2, 0));
	/* Integrated devices on the host bridge share no root port. */
	EXPECT_EQ(MCTE_PCI_SAME_NUMA,
		  mcte_pci_distance("/sys/devices/pci0000:00/0000:00:02.0", 0,
				    "/sys/devices/pci0000:00/0000:00:03.0", 0));
	/* An unknown node matches any. */
	EXPECT_EQ(MCTE_PCI_SAME_NUMA, mcte_pci_distance(GPU, -1, NIC_RP2, 1));
	/* No PCI path (soft-RoCE on a netdev that is not PCI): node alone. */
	EXPECT_EQ(MCTE_PCI_SAME_NUMA, mcte_pci_distance(GPU, 1, NULL, 1));
	EXPECT_EQ(MCTE_PCI_SAME_NUMA, mcte_pci_distance(NULL, -1, NULL, -1));
	EXPECT_STREQ("same-numa", mcte_pci_dist_name(MCTE_PCI_SAME_NUMA));
}

TEST(other)
{
	EXPECT_EQ(MCTE_PCI_OTHER, mcte_pci_distance(GPU, 0, NIC_RP2, 1));
	EXPECT_EQ(MCTE_PCI_OTHER, mcte_pci_distance(NULL, 0, GPU, 1));
	EXPECT_STREQ("other", mcte_pci_dist_name(MCTE_PCI_OTHER));
	EXPECT_STREQ("?", mcte_pci_dist_name(-EINVAL));
}

TEST(different_domains)
{
	/* Same bus:device.function, another domain: nothing shared. */
	EXPECT_EQ(MCTE_PCI_SAME_NUMA,
		  mcte_pci_distance(RP "/0000:05:00.0", 0,
				    "/sys/devices/pci0001:00/0001:00:01.0/0001:05:00.0",
				    0));
	EXPECT_EQ(MCTE_PCI_OTHER,
		  mcte_pci_distance(RP "/0000:05:00.0", 0,
				    "/sys/devices/pci0001:00/0001:00:01.0/0001:05:00.0",
				    1));
	/* A VMD domain (5 digits) behind a non-PCI parent is still PCI. */
	EXPECT_EQ(MCTE_PCI_SAME_SWITCH,
		  mcte_pci_distance("/sys/devices/pci0000:00/0000:00:0e.0/pci10000:e0/10000:e0:06.0/10000:e1:00.0/10000:e2:00.0", 0,
				    "/sys/devices/pci0000:00/0000:00:0e.0/pci10000:e0/10000:e0:06.0/10000:e1:00.0/10000:e2:01.0", 0));
}

TEST(prefix)
{
	/* The switch's own port and a device below it. */
	EXPECT_EQ(MCTE_PCI_SAME_SWITCH, mcte_pci_distance(SW, 0, GPU, 0));
	/* The root port itself and a device below it. */
	EXPECT_EQ(MCTE_PCI_SAME_ROOT_PORT, mcte_pci_distance(RP, 0, GPU, 0));
	/* A string prefix that is no component prefix. */
	EXPECT_EQ(MCTE_PCI_SAME_NUMA,
		  mcte_pci_distance("/sys/devices/pci0000:00/0000:00:01.0/0000:01:00.0", 0,
				    "/sys/devices/pci0000:00/0000:00:01.1/0000:01:00.0", 0));
	/* The same device twice. */
	EXPECT_EQ(MCTE_PCI_SAME_SWITCH, mcte_pci_distance(GPU, 0, GPU, 1));
}

TEST(malformed)
{
	static const char * const bad[] = {
		"",
		"/",
		"devices/pci0000:00/0000:00:01.0",	/* relative */
		"/sys/devices/",
		"/sys/devices/pci0000:00",		/* a host bridge only */
		"/sys/devices/pci0000:00/",
		"/sys/devices/pci0000:00//0000:00:01.0",
		"/sys/devices/pci0000:00/0000:00:01.0/",
		"/sys/devices/pci0000:00/0000:00:01.8",	/* function > 7 */
		"/sys/devices/pci0000:00/0000:00:1.0",
		"/sys/devices/pci0000:00/0000:00:01.0/virtio0",
		"/sys/devices/pci0000:00/0000:0g:01.0",
		"/sys/devices/pci0000:00/0000:00:01.0/0000:01:00.0/net/eth0",
		"/sys/devices/pci000:00/000:00:01.0",	/* 3-digit domain */
		"/sys/devices/PCI0000:00/0000:00:01.0",
		"/sys/devices/virtual/net/lo",
		"/sys/class/net/eth0",
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		EXPECT_EQ(-EINVAL, mcte_pci_distance(bad[i], 0, GPU, 0))
			TH_LOG("path \"%s\"", bad[i]);
		EXPECT_EQ(-EINVAL, mcte_pci_distance(GPU, 0, bad[i], 0))
			TH_LOG("path \"%s\"", bad[i]);
	}
}

TEST(too_deep)
{
	char path[1024] = "/sys/devices/pci0000:00";
	unsigned int i;

	for (i = 0; i < 32; i++)
		snprintf(path + strlen(path), sizeof(path) - strlen(path),
			 "/0000:%02x:00.0", i);
	EXPECT_EQ(MCTE_PCI_SAME_SWITCH, mcte_pci_distance(path, 0, path, 0));
	strcat(path, "/0000:ff:00.0");
	EXPECT_EQ(-EINVAL, mcte_pci_distance(path, 0, GPU, 0));
}

TEST_HARNESS_MAIN
