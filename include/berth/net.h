/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * lib/net: bridge networks, published ports, and the containers' DNS.
 *
 * Bridge networks, docker's model:
 *
 *   <store>/networks/<name>/network.json   name, id, subnet, gateway, bridge, labels,
 *                                          internal, options
 *   <store>/networks/<name>/leases/<ip>    one file per address in use: the container id
 *
 * A container on a network gets a veth pair: one end on the network's bridge (made on
 * first use, with the gateway's address), the other its ethN (the lowest free N) with
 * the next free address (or the one asked for) and, when it has none yet, a default
 * route through the gateway: a container on several networks keeps the default route
 * of the first. Traffic leaving through any other interface is masqueraded, and
 * published ports are DNAT'ed (nftables, table "ip berth": the sets masq and bridges,
 * the maps ports_tcp and ports_udp). Networks are isolated from each other as docker's
 * are (a forward rule drops what goes from one bridge to another, published ports
 * aside); an internal network is neither masqueraded nor routed at all (the set
 * internal). All of it happens in the network namespace the engine runs in.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "berth/error.h"

#define NET_DEFAULT "bridge"     /* the network of a container that names none */
#define NET_DEFAULT_BRIDGE "berth0"
#define NET_DEFAULT_SUBNET "172.29.0.0/16"

struct net_config {
	char *name;
	char *id;                /* 64 hex */
	char *bridge;
	uint32_t subnet;         /* network byte order */
	int prefix;
	uint32_t gateway;        /* network byte order */
	int64_t created;         /* unix seconds */
	bool internal;	  /* --internal: no NAT, no route out */
	bool masquerade;  /* traffic out is masqueraded (unless internal, or the option
			     com.docker.network.bridge.enable_ip_masquerade=false) */
	char **labels;	  /* "KEY=VALUE", NULL when none */
	char **options;	  /* the -o "KEY=VALUE" it was made with, NULL when none */
};

/* The -o options network_create knows */
#define NET_OPT_BRIDGE_NAME "com.docker.network.bridge.name"
#define NET_OPT_MASQUERADE "com.docker.network.bridge.enable_ip_masquerade"

struct net_create_opts {
	const char *subnet;  /* "a.b.c.d/len", NULL: the next free /16 */
	const char *gateway; /* NULL: the subnet's first address */
	bool internal;
	char **labels;	/* "KEY=VALUE" (or "KEY": an empty value) */
	char **options; /* "KEY=VALUE", the NET_OPT_* keys; others are refused */
};

void net_config_clear(struct net_config *n);

/* Read a network ("bridge" is made when it does not exist yet). -ENOENT: no such
 * network. */
int network_load(const char *store_root, const char *name, struct net_config *ret,
		 struct berth_error **err);

/* Make a network: subnet "a.b.c.d/len", or NULL for the first /16 no other network
 * overlaps among 172.30.0.0 .. 172.31.0.0 and 10.90.0.0 .. 10.99.0.0; gateway NULL: the
 * subnet's first address; the bridge named by NET_OPT_BRIDGE_NAME, else br-<12 of the
 * id>. -EEXIST when the name is taken, -EINVAL for a subnet that overlaps another
 * network's, a bridge name another network has, or an unknown option (named). */
int network_create(const char *store_root, const char *name, const struct net_create_opts *o,
		   struct net_config *ret, struct berth_error **err);

/* Whether ip ("a.b.c.d") is an address a container can have on n (in its subnet, not
 * its gateway, network or broadcast address): *ret_ip in network byte order. -EINVAL
 * says why not, as docker does. */
int network_check_ip(const struct net_config *n, const char *ip, uint32_t *ret_ip,
		     struct berth_error **err);

/* docker's MAC address of a container's interface: 02:42 and the four bytes of its IPv4
 * address ("02:42:ac:1d:00:02" into buf). */
void net_mac_string(uint32_t ip, char buf[18]);

/* docker's --mac-address: six octets of two hex digits each, separated by ':' or '-'
 * ("02:42:AC:11:00:02"), a unicast address that is not all zeros (what the kernel gives
 * an interface) into ret, and its canonical form (lowercase, ':') into ret_str when not
 * NULL. -EINVAL: docker's "invalid MAC address", saying why. */
int net_mac_parse(const char *s, uint8_t ret[6], char ret_str[18], struct berth_error **err);

/* Remove a network no container is on (-EBUSY naming one), its bridge if it exists. */
int network_remove(const char *store_root, const char *name, struct berth_error **err);

/* docker's network event (events.h) in the store's log: action "create", "destroy",
 * "connect" or "disconnect" (ctr_id: the container, else NULL), the actor n's id, with
 * its name and type. Best effort: -errno, which callers may ignore. */
int network_event(const char *store_root, const char *action, const struct net_config *n,
		  const char *ctr_id);

/* Names of the store's networks, sorted ("bridge" among them once it exists). */
int network_list(const char *store_root, char ***ret, struct berth_error **err);

/* The containers (ids) on a network, with their addresses ("a.b.c.d"): two
 * NULL-terminated lists of the same length. */
int network_leases(const char *store_root, const char *name, char ***ret_ids, char ***ret_ips);

/* Connect the container whose init is pid (in its own network namespace) to the network:
 * lease an address for ctr_id (want_ip, network byte order, when not 0: -EADDRINUSE
 * when another container has it), bridge and NAT set up if needed, veth, ethN (its name
 * in ret_ifname) with the MAC address want_mac (NULL: docker's, net_mac_string()), the
 * default route when the container has none and the network is not internal. *ret_ip in
 * network byte order. On failure nothing is left (lease, veth). */
int network_attach(const char *store_root, const struct net_config *n, const char *ctr_id,
		   pid_t pid, uint32_t want_ip, const uint8_t *want_mac, char ret_ifname[16],
		   uint32_t *ret_ip, struct berth_error **err);

/* Give the address back; with pid > 0 (the container still runs) its interface ifname
 * is deleted in its namespace (the veth pair goes with it). Otherwise the veth went
 * with the container's network namespace. */
void network_detach(const char *store_root, const struct net_config *n, const char *ctr_id,
		    uint32_t ip, pid_t pid, const char *ifname);

struct port_map {
	uint32_t host_ip;          /* network byte order; 0: every local address */
	uint16_t host_port;        /* 0: one the kernel picks (ports_reserve) */
	uint16_t ctr_port;
	bool udp;
};

/* docker's -p: "[[IP:][HOSTPORT]:]CTRPORT[/tcp|/udp]" (no HOSTPORT: a free port picked
 * when the container starts). -EINVAL names what is wrong. */
int port_parse(const char *spec, struct port_map *ret, struct berth_error **err);

/* docker's -p with port ranges, "[[IP:][H1-H2:]C1-C2[/PROTO]", as the specs of single
 * ports port_parse() takes (appended to *ret): a container range alone, or a host range
 * as long as it (H1 to C1, ...). A spec without a range is appended as it is. -EINVAL
 * names what is wrong: a range backwards or of another length, a host range for one
 * container port. */
int port_expand(const char *spec, char ***ret, struct berth_error **err);

/* The form records keep: "[IP:]HOSTPORT:CTRPORT/PROTO" (HOSTPORT 0: picked at start) */
void port_canon(const struct port_map *p, char *buf, size_t n);

/* docker's "0.0.0.0:8080->80/tcp" */
void port_format(const struct port_map *p, char *buf, size_t n);

/* Hold each host port as docker's proxy does, so that nothing else on the host takes it
 * while the container runs: a listening TCP socket (a bound UDP socket) on the host
 * address and port, in the caller's network namespace. A port 0 is given the one the
 * kernel picked. fds[i] (close-on-exec) are the caller's to close. -EADDRINUSE names
 * the port and who has it; on failure no socket is left. */
int ports_reserve(struct port_map *p, size_t n, int *fds, struct berth_error **err);

/* DNAT the host ports (on their address, or on every local address) to ip.
 * -EADDRINUSE names a port another container has. On failure none of them is left
 * published. */
int ports_publish(const struct port_map *p, size_t n, uint32_t ip, struct berth_error **err);
void ports_unpublish(const struct port_map *p, size_t n);

/* "a.b.c.d" of addr (network byte order) into buf (>= 16 bytes) */
const char *ip_string(uint32_t addr, char buf[16]);

/* In a container's network namespace */

/* Bring up the loopback interface in the network namespace of `pid`. The calling thread
 * enters that namespace for the two ioctls and returns to its own. */
int net_loopback_up(pid_t pid, struct berth_error **err);

/* A UDP socket bound to addr:port inside the network namespace of pid (non-blocking,
 * close-on-exec): it keeps working there from our own namespace. */
int net_udp_socket_in(pid_t pid, const char *addr, uint16_t port, int *ret_fd,
		      struct berth_error **err);

/*
 * DNS between containers: each container on a bridge network asks its monitor's
 * resolver at 127.0.0.11:53 (a socket the monitor made inside the container's network
 * namespace). A name of a container on the same network (its name, or its id as a
 * prefix of 12 or more) is answered from the network's leases; every other query goes
 * to the host's nameservers from the monitor's own namespace, and their answers back.
 */

#define DNS_ADDRESS "127.0.0.11"

enum {
	DNS_NOERROR = 0,
	DNS_SERVFAIL = 2,
	DNS_NXDOMAIN = 3,
	DNS_TYPE_A = 1,
	DNS_TYPE_ANY = 255,
};

/* The single question of a query: its name (lowercase, without the final dot), type,
 * and where it ends. -EINVAL when q is not a query with one question. */
int dns_question(const uint8_t *q, size_t n, char name[256], uint16_t *ret_type,
		 size_t *ret_end);

/* The reply to query q: rcode, and with DNS_NOERROR and addr (network byte order, 0:
 * none) one A record when the question asks for A. Returns its length in out, or
 * -EINVAL. */
int dns_reply(const uint8_t *q, size_t n, int rcode, uint32_t addr, uint8_t *out, size_t cap);
