/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <sys/types.h>

#include "berth/error.h"

/* Bring up the loopback interface in the network namespace of `pid`. The calling thread
 * enters that namespace for the two ioctls and returns to its own. */
int net_loopback_up(pid_t pid, struct berth_error **err);
