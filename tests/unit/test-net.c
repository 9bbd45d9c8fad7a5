/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The pure parts of the engine's networking: DNS questions and replies (dns.c) and
 * docker's -p specs (network.c).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "berth/error.h"
#include "berth/cleanup.h"
#include "berth/net.h"
#include "berth/net.h"
#include "test.h"
#include "berth/util.h"

DEFINE_FREEP(struct berth_error, berth_error_free)

/* a query for name (dotted) of type, id 0x1234, RD set */
static size_t query(uint8_t *q, const char *name, uint16_t type)
{
	size_t i = 12;

	memset(q, 0, 12);
	q[0] = 0x12;
	q[1] = 0x34;
	q[2] = 0x01;
	q[5] = 1;
	for (const char *p = name; *p;) {
		const char *dot = strchr(p, '.');
		size_t l = dot ? (size_t)(dot - p) : strlen(p);

		q[i++] = (uint8_t)l;
		memcpy(q + i, p, l);
		i += l;
		p += l + (dot ? 1 : 0);
	}
	q[i++] = 0;
	q[i++] = (uint8_t)(type >> 8);
	q[i++] = (uint8_t)type;
	q[i++] = 0;
	q[i++] = 1;
	return i;
}

TEST(dns_question_of_a_query)
{
	uint8_t q[512];
	char name[256];
	uint16_t type;
	size_t n = query(q, "Db.Example", DNS_TYPE_A), end;

	ASSERT_EQ(dns_question(q, n, name, &type, &end), 0);
	ASSERT_STREQ(name, "db.example");
	ASSERT_EQ(type, DNS_TYPE_A);
	ASSERT_EQ(end, n);
	/* truncated, two questions, an answer rather than a query */
	ASSERT_EQ(dns_question(q, n - 3, name, &type, &end), -EINVAL);
	q[5] = 2;
	ASSERT_EQ(dns_question(q, n, name, &type, &end), -EINVAL);
	q[5] = 1;
	q[2] |= 0x80;
	ASSERT_EQ(dns_question(q, n, name, &type, &end), -EINVAL);
	/* a compression pointer has no place in a question */
	n = query(q, "db", DNS_TYPE_A);
	q[12] = 0xc0;
	ASSERT_EQ(dns_question(q, n, name, &type, &end), -EINVAL);
}

TEST(dns_reply_with_an_address_and_without)
{
	uint8_t q[512], r[600];
	struct in_addr a;
	size_t n = query(q, "db", DNS_TYPE_A);
	int k;

	inet_pton(AF_INET, "10.77.0.2", &a);
	k = dns_reply(q, n, DNS_NOERROR, a.s_addr, r, sizeof(r));
	ASSERT_EQ(k, (int)n + 16);
	ASSERT_EQ(r[0], 0x12);
	ASSERT_EQ(r[1], 0x34);
	ASSERT_TRUE(r[2] & 0x80);          /* a response */
	ASSERT_TRUE(r[2] & 0x01);          /* RD kept */
	ASSERT_EQ(r[3] & 0x0f, DNS_NOERROR);
	ASSERT_EQ(r[7], 1);                /* one answer */
	ASSERT_TRUE(!memcmp(r + n + 12, &a.s_addr, 4));
	/* NXDOMAIN: no answer */
	k = dns_reply(q, n, DNS_NXDOMAIN, 0, r, sizeof(r));
	ASSERT_EQ(k, (int)n);
	ASSERT_EQ(r[3] & 0x0f, DNS_NXDOMAIN);
	ASSERT_EQ(r[7], 0);
	/* AAAA for a known name: no error, no IPv4 answer */
	n = query(q, "db", 28);
	k = dns_reply(q, n, DNS_NOERROR, a.s_addr, r, sizeof(r));
	ASSERT_EQ(k, (int)n);
	ASSERT_EQ(r[7], 0);
	/* no room */
	ASSERT_EQ(dns_reply(q, n, DNS_NOERROR, a.s_addr, r, n), -EINVAL);
}

TEST(port_specs)
{
	_cleanup_(berth_error_freep) struct berth_error *err = NULL;
	struct port_map p;
	char buf[64];

	ASSERT_EQ(port_parse("8080:80", &p, &err), 0);
	ASSERT_EQ(p.host_port, 8080);
	ASSERT_EQ(p.ctr_port, 80);
	ASSERT_TRUE(!p.udp);
	port_format(&p, buf, sizeof(buf));
	ASSERT_STREQ(buf, "0.0.0.0:8080->80/tcp");
	ASSERT_EQ(port_parse("127.0.0.1:53:5353/udp", &p, &err), 0);
	ASSERT_EQ(p.host_port, 53);
	ASSERT_EQ(p.ctr_port, 5353);
	ASSERT_TRUE(p.udp);
	ASSERT_EQ(p.host_ip, htonl(0x7f000001));
	port_format(&p, buf, sizeof(buf));
	ASSERT_STREQ(buf, "127.0.0.1:53->5353/udp");
	port_canon(&p, buf, sizeof(buf));
	ASSERT_STREQ(buf, "127.0.0.1:53:5353/udp");
	ASSERT_EQ(port_parse("0.0.0.0:1:2/tcp", &p, &err), 0);
	ASSERT_EQ(p.host_ip, 0u);
	/* no host port: one picked at start (0) */
	ASSERT_EQ(port_parse("80", &p, &err), 0);
	ASSERT_EQ(p.host_port, 0);
	ASSERT_EQ(p.ctr_port, 80);
	ASSERT_EQ(port_parse("10.0.0.1::80/udp", &p, &err), 0);
	ASSERT_EQ(p.host_port, 0);
	port_canon(&p, buf, sizeof(buf));
	ASSERT_STREQ(buf, "10.0.0.1:0:80/udp");
	ASSERT_EQ(port_parse(buf, &p, &err), 0);
	ASSERT_EQ(p.host_ip, htonl(0x0a000001));
	static const char *const bad[] = { "a:b", "80:0", "65536:1", "1:2/sctp", "1.2.3:1:2",
					   "300.0.0.1:1:2", "1:2:3:4", "", "80:", "1:-2" };
	for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
		err = berth_error_free(err);
		if (port_parse(bad[i], &p, &err) != -EINVAL)
			TEST_FAIL_("accepted '%s'", bad[i]);
		ASSERT_CONTAINS(err->msg, "invalid port");
	}
}

TEST(port_ranges_expand_to_single_ports)
{
	_cleanup_(berth_error_freep) struct berth_error *err = NULL;
	_cleanup_strv_free_ char **l = NULL;

	ASSERT_EQ(port_expand("127.0.0.1:8000-8002:80-82/udp", &l, &err), 0);
	ASSERT_EQ(port_expand("9000-9001", &l, &err), 0);
	ASSERT_EQ(port_expand("10.0.0.1::70-71", &l, &err), 0);
	ASSERT_EQ(port_expand("5000:50", &l, &err), 0);
	ASSERT_EQ(port_expand("7000-7001:70-71", &l, &err), 0);
	ASSERT_EQ(strv_length(l), 10u);
	ASSERT_STREQ(l[0], "127.0.0.1:8000:80/udp");
	ASSERT_STREQ(l[2], "127.0.0.1:8002:82/udp");
	ASSERT_STREQ(l[3], "9000");
	ASSERT_STREQ(l[4], "9001");
	ASSERT_STREQ(l[5], "10.0.0.1::70");
	ASSERT_STREQ(l[7], "5000:50");
	ASSERT_STREQ(l[8], "7000:70");
	ASSERT_STREQ(l[9], "7001:71");
	for (char **s = l; *s; s++) {
		struct port_map p;

		ASSERT_EQ(port_parse(*s, &p, &err), 0);
	}
	static const char *const bad[] = { "8000-8001:80", "8080:80-81", "90-80", "1-2-3",
					   "0-1", "65535-65536", "a-b:1-2" };
	for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
		err = berth_error_free(err);
		if (port_expand(bad[i], &l, &err) != -EINVAL)
			TEST_FAIL_("accepted '%s'", bad[i]);
		ASSERT_CONTAINS(err->msg, "invalid port");
	}
	ASSERT_EQ(strv_length(l), 10u);
}

TEST(addresses_a_network_can_give)
{
	struct net_config n = {0};
	struct in_addr a;
	char mac[18];
	uint32_t ip;

	inet_pton(AF_INET, "10.83.0.0", &a);
	n.subnet = a.s_addr;
	n.prefix = 24;
	inet_pton(AF_INET, "10.83.0.1", &a);
	n.gateway = a.s_addr;
	ASSERT_EQ(network_check_ip(&n, "10.83.0.77", &ip, NULL), 0);
	net_mac_string(ip, mac);
	ASSERT_STREQ(mac, "02:42:0a:53:00:4d");
	/* outside, the gateway, the network and broadcast addresses, not an address */
	ASSERT_EQ(network_check_ip(&n, "10.83.1.5", &ip, NULL), -EINVAL);
	ASSERT_EQ(network_check_ip(&n, "10.83.0.1", &ip, NULL), -EINVAL);
	ASSERT_EQ(network_check_ip(&n, "10.83.0.0", &ip, NULL), -EINVAL);
	ASSERT_EQ(network_check_ip(&n, "10.83.0.255", &ip, NULL), -EINVAL);
	ASSERT_EQ(network_check_ip(&n, "nonsense", &ip, NULL), -EINVAL);
}

TEST(mac_addresses_as_docker_takes_them)
{
	static const char *const bad[] = {
	    "",
	    "92:d0:c6:0a:29",
	    "92:d0:c6:0a:29:zz",
	    "92:d0-c6:0a:29:33",
	    "92:d0:c6:0a:29:33:44",
	    "92:d0:c6:0a:29:3",
	    "92d0c60a2933",
	    "92:d0:c6:0a:29:33 ",
	};
	struct berth_error *err = NULL;
	uint8_t mac[6];
	char s[18];

	ASSERT_EQ(net_mac_parse("92:D0:c6:0a:29:33", mac, s, NULL), 0);
	ASSERT_STREQ(s, "92:d0:c6:0a:29:33");
	ASSERT_EQ(mac[0], 0x92);
	ASSERT_EQ(mac[5], 0x33);
	ASSERT_EQ(net_mac_parse("02-42-ac-11-00-02", mac, s, NULL), 0);
	ASSERT_STREQ(s, "02:42:ac:11:00:02");
	for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
		err = berth_error_free(err);
		if (net_mac_parse(bad[i], mac, s, &err) != -EINVAL)
			TEST_FAIL_("accepted '%s'", bad[i]);
		ASSERT_CONTAINS(err->msg, "invalid MAC address");
	}
	/* what no interface has: a multicast address, all zeros */
	err = berth_error_free(err);
	ASSERT_EQ(net_mac_parse("01:00:5e:00:00:01", mac, s, &err), -EINVAL);
	ASSERT_CONTAINS(err->msg, "multicast");
	err = berth_error_free(err);
	ASSERT_EQ(net_mac_parse("00:00:00:00:00:00", mac, s, &err), -EINVAL);
	ASSERT_CONTAINS(err->msg, "all zeros");
	berth_error_free(err);
}

TEST_MAIN()
