// SPDX-License-Identifier: GPL-2.0
/*
 * Addresses and ports of listeners, peers and paths: parsing what the
 * user types, formatting what the kernel reports. See mctectl.h.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/mcte.h>

#include "mctectl.h"
#include "print.h"

/* 1..65535, decimal digits only; 0 or -EINVAL. */
static int port_parse(const char *s, uint16_t *port)
{
	unsigned long v;
	char *end;

	if (*s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || v < 1 || v > 65535)
		return -EINVAL;
	*port = v;
	return 0;
}

int addr_parse(const char *arg, struct addr *a)
{
	char buf[INET6_ADDRSTRLEN + 8];
	const char *port = NULL;
	char *host = buf, *p;

	memset(a, 0, sizeof(*a));
	a->port = MCTE_RDMA_PORT;
	if (strlen(arg) >= sizeof(buf))
		goto bad_addr;
	strcpy(buf, arg);

	if (buf[0] == '[') {
		/* [IPv6] or [IPv6]:PORT */
		p = strchr(buf, ']');
		if (!p || (p[1] && p[1] != ':'))
			goto bad_addr;
		*p = '\0';
		host = buf + 1;
		if (p[1] == ':')
			port = p + 2;
		if (inet_pton(AF_INET6, host, a->addr) != 1)
			goto bad_addr;
		a->len = 16;
	} else if (strchr(buf, ':') && strchr(buf, ':') != strrchr(buf, ':')) {
		/* a bare IPv6 address: no port */
		if (inet_pton(AF_INET6, host, a->addr) != 1)
			goto bad_addr;
		a->len = 16;
	} else {
		/* IPv4 or IPv4:PORT */
		p = strchr(buf, ':');
		if (p) {
			*p = '\0';
			port = p + 1;
		}
		if (inet_pton(AF_INET, host, a->addr) != 1)
			goto bad_addr;
		a->len = 4;
	}

	if (port && port_parse(port, &a->port) < 0) {
		fprintf(stderr,
			"mctectl: invalid port \"%s\" in \"%s\": must be 1 to 65535\n",
			port, arg);
		return -EINVAL;
	}
	return 0;

bad_addr:
	fprintf(stderr,
		"mctectl: invalid address \"%s\": expected IPV4[:PORT] or [IPV6][:PORT]\n",
		arg);
	return -EINVAL;
}

const char *addr_ntop(const struct nlattr *attr, char *buf, size_t len)
{
	uint16_t alen = mnl_attr_get_payload_len(attr);
	int family = alen == 4 ? AF_INET : alen == 16 ? AF_INET6 : 0;

	if (!family || !inet_ntop(family, mnl_attr_get_payload(attr), buf, len))
		snprintf(buf, len, "?");
	return buf;
}

void addr_print(const char *addr_key, const char *port_key,
		const struct nlattr *addr, const struct nlattr *port)
{
	char buf[INET6_ADDRSTRLEN];
	bool v6;

	if (!addr) {
		print_text("-");
		return;
	}
	v6 = mnl_attr_get_payload_len(addr) == 16;
	addr_ntop(addr, buf, sizeof(buf));

	/* JSON: two members; text: one word, IPV4:PORT or [IPV6]:PORT */
	print_string(addr_key, NULL, buf);
	if (port)
		print_u32(port_key, NULL, mnl_attr_get_u16(port));
	if (!port)
		print_text("%s", buf);
	else if (v6)
		print_text("[%s]:%u", buf, mnl_attr_get_u16(port));
	else
		print_text("%s:%u", buf, mnl_attr_get_u16(port));
}

void addr_format(const struct addr *a, char *buf, size_t len)
{
	char host[INET6_ADDRSTRLEN];

	if (!inet_ntop(a->len == 16 ? AF_INET6 : AF_INET, a->addr, host,
		       sizeof(host)))
		snprintf(host, sizeof(host), "?");
	snprintf(buf, len, a->len == 16 ? "[%s]:%u" : "%s:%u", host, a->port);
}

void engine_id_print(const char *key, const char *fmt, uint64_t id)
{
	char buf[17];

	snprintf(buf, sizeof(buf), "%016" PRIx64, id);
	print_string(key, fmt, buf);
}
