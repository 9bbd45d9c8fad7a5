/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <sys/types.h>

#include "berth/engine.h"

/* What an exec's caller learns while it runs. */
struct exec_hooks {
	/* the process runs: its pid (before the relay begins) */
	void (*started)(pid_t pid, void *userdata);
	void *userdata;
};

/* berth_engine_exec(), its events under the exec id `id` (NULL: a new one), h (may be
 * NULL) told when the process runs. */
int engine_exec(struct berth_engine *e, const char *key, const struct berth_engine_exec_opts *o,
		const struct berth_stdio *io, const char *id, const struct exec_hooks *h,
		int *ret_status, struct berth_error **err);
