/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * What creating a container and restoring one from a checkpoint share (container.c,
 * criu.c): the container's cgroup and its state directory.
 */

#include "berth/error.h"
#include "cgroup.h"
#include "config.h"

/* The container's cgroup: linux.cgroupsPath, else /berth/<id>. Refused (-EBUSY) when it
 * exists and is frozen (an init put there would never run); a warning when it already
 * holds processes. Created, with the config's resources and the device rules every
 * container gets applied. On success *ret_cg and *ret_path (the path as configured) are
 * the caller's, who destroys the cgroup if a later step fails; on failure nothing was
 * created. */
int container_cgroup_setup(const struct rt_config *cfg, const char *id, bool systemd,
			   struct cgroup **ret_cg, char **ret_path, struct berth_error **err);

/* The bundle (opts->bundle, else the working directory) as an absolute path and its config
 * (opts->config), which must have a process to `verb` a container. */
int container_load(const struct berth_create_opts *opts, const char *verb, char **ret_bundle,
		   struct rt_config **ret_cfg, struct berth_error **err);

/* root.path of the config, relative to the bundle unless absolute, resolved (realpath):
 * malloc'd in *ret. */
int container_rootfs(const struct rt_config *cfg, const char *bundle, char **ret,
		     struct berth_error **err);

/* Remove <root>/<id> and what it holds (not crossing mount points). */
void container_remove_state(const char *root, const char *id);
