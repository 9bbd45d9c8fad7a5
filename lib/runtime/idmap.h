/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "berth/error.h"
#include "config.h"

/*
 * Idmapped mounts (mount_setattr(2) MOUNT_ATTR_IDMAP). They are made by the runtime on
 * the host side, where it has the privilege over the filesystem, as detached trees
 * (open_tree OPEN_TREE_CLONE); the container init then only moves each into place.
 * The user namespace that carries a mount's mapping is made by a short-lived child.
 */

/* Whether idmapped mounts are implemented: the mount options "idmap" and "ridmap" and a
 * mount's uidMappings/gidMappings. What `berth-runtime features` reports as
 * linux.mountExtensions.idmap.enabled. */
bool idmap_mounts_supported(void);

/* For each mount of cfg with idmap: a detached, idmapped tree fd in ret_fds[i]
 * (-1 for the others). ret_fds has cfg->n_mounts entries; the caller closes them. */
int idmap_prepare(const struct rt_config *cfg, int *ret_fds, struct berth_error **err);

/* The host id that container id `id` maps to in the mappings m; false when none covers
 * it. */
bool idmap_to_host(const struct rt_idmap *m, size_t n, uint32_t id, uint32_t *ret);

/* Move the tree `tree_fd` onto the target fd. */
int idmap_attach(int tree_fd, int target_fd, const char *dest, struct berth_error **err);
