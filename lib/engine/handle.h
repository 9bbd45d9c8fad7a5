/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "berth/engine.h"

struct berth_engine {
	struct berth_store *store;
	char *cgroup_manager;    /* "systemd" or "cgroupfs"; NULL: the host's default */
};

/* "systemd" or "cgroupfs": the handle's, else the host's default. */
const char *engine_cgroup_manager(const struct berth_engine *e);

/* --cpus as docker takes it: 0 (unlimited), or from 0.01 to the CPUs online. -EINVAL. */
int engine_validate_cpus(double cpus, struct berth_error **err);
