/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * DNS between containers: each container on a bridge network asks its monitor's
 * resolver at 127.0.0.11:53 (a socket the monitor made inside the container's network
 * namespace). A name of a container on the same network (its name, or its id as a
 * prefix of 12 or more) is answered from the network's leases; every other query goes
 * to the host's nameservers from the monitor's own namespace, and their answers back.
 */

#include <stddef.h>
#include <stdint.h>

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
