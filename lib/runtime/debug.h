/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Debug messages of the runtime (`berth-runtime --debug`): the steps of creating and
 * exec'ing, for someone finding out where it went wrong. The library never prints: it
 * hands each line to the handler the front door installed (berth_set_debug_handler), or
 * drops it. Also called in the container's child processes before execve, so a handler
 * must write with one write(2) to a descriptor it holds (no stdio buffers, no paths: the
 * child may be past pivot_root).
 */

#include "berth/runtime.h"

void rt_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Whether a handler is installed (to skip building expensive messages). */
bool rt_debug_enabled(void);
