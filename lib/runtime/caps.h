/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdint.h>

#include "berth/error.h"
#include "config.h"

/* Highest capability the running kernel knows (/proc/sys/kernel/cap_last_cap). */
int caps_last_cap(void);

/* Every capability the running kernel knows and our bounding set has, as a bit mask:
 * what a process we start can be given. */
uint64_t caps_all_ours(void);

/* Drop every capability not in `keep` from the bounding set. Needs CAP_SETPCAP. */
int caps_drop_bounding(uint64_t keep, struct berth_error **err);

/* Set effective, permitted and inheritable with capset(2), then raise the ambient ones.
 * Bits the kernel does not know are ignored. */
int caps_apply(const uint64_t caps[_RT_CAP_SET_MAX], struct berth_error **err);
