/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Just enough rtnetlink for container networking: links (bridge, veth), addresses,
 * the default route, names and state. One socket per network namespace: a socket
 * opened inside a namespace keeps working on it from anywhere.
 */

#include <stdbool.h>
#include <stdint.h>

#include "berth/error.h"

struct nl {
	int fd;
	uint32_t seq;
};

#define NL_INIT                                                                                    \
	{                                                                                          \
		.fd = -1                                                                           \
	}

/* A NETLINK_ROUTE socket in our network namespace, or (netns_fd >= 0) in that one: the
 * calling thread enters it for the socket() call and comes back. */
int nl_open(struct nl *nl, int netns_fd, struct berth_error **err);
void nl_close(struct nl *nl);

/* The interface index of name; -ENODEV when there is none. */
int nl_link_index(struct nl *nl, const char *name, int *ret);

/* Make a bridge; -EEXIST when it exists. */
int nl_bridge_add(struct nl *nl, const char *name, struct berth_error **err);

/* Make a veth pair: `name` here, `peer` in the namespace peer_netns_fd, with the MAC
 * address peer_mac (NULL: a random one). */
int nl_veth_add(struct nl *nl, const char *name, const char *peer, const uint8_t *peer_mac,
		int peer_netns_fd, struct berth_error **err);

/* Set a link up (and its master with master_index > 0, its name with new_name). */
int nl_link_set(struct nl *nl, int index, const char *new_name, int master_index, bool up,
		struct berth_error **err);

int nl_link_del(struct nl *nl, int index, struct berth_error **err);

/* Add addr/prefix (network byte order) to a link; -EEXIST when it has it. */
int nl_addr_add(struct nl *nl, int index, uint32_t addr, int prefix, struct berth_error **err);

/* The default route through gw (network byte order). */
int nl_route_default(struct nl *nl, uint32_t gw, struct berth_error **err);
