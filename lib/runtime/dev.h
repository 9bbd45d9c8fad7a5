/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>

#include "berth/error.h"
#include "config.h"

/* Populate the container's /dev (inside rootfd, before pivot_root): the default nodes
 * (null zero full random urandom tty), the config's linux.devices, and the links
 * fd stdin stdout stderr ptmx. In a user namespace nodes cannot be made, so the host's
 * are bind-mounted onto empty files instead. */
int dev_setup(int rootfd, const struct rt_config *cfg, bool userns, struct berth_error **err);

/* Open /dev/null (of the current root) and check it really is the 1:3 character device,
 * so a planted symlink or file is never bind-mounted over a masked path (CVE-2025-31133). */
int dev_open_null(int *ret_fd, struct berth_error **err);
