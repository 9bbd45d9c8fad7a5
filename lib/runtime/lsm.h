/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>

#include "berth/error.h"
#include "config.h"

bool lsm_apparmor_enabled(void);
bool lsm_selinux_enabled(void);

/* Refuse labels for an LSM that is not active, naming the field: a profile that silently
 * does not apply would be a container running unconfined. */
int lsm_check(const struct rt_config *cfg, struct berth_error **err);

/* In the container init, right before execve: the AppArmor profile / SELinux label the
 * program is exec'd into. */
int lsm_apply_exec(const struct rt_process *p, struct berth_error **err);
