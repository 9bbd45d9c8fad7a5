/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdint.h>
#include <sys/types.h>

#include "berth/error.h"

/* Bring up the loopback interface in the network namespace of `pid`. The calling thread
 * enters that namespace for the two ioctls and returns to its own. */
int net_loopback_up(pid_t pid, struct berth_error **err);

/* A UDP socket bound to addr:port inside the network namespace of pid (non-blocking,
 * close-on-exec): it keeps working there from our own namespace. */
int net_udp_socket_in(pid_t pid, const char *addr, uint16_t port, int *ret_fd,
		      struct berth_error **err);
