/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* overlayfs mounts of image layers (internal to the engine, not public API). */

#include <stdbool.h>

#include "berth/error.h"

/*
 * Mount overlay on target. lower_dirs is NULL-terminated, TOPMOST FIRST (as
 * berth_image.layer_dirs gives them), at least one. upper and work are both set or
 * both NULL (then the mount is read-only by nature). readonly adds MS_RDONLY.
 *
 * Uses the new mount API (fsopen/fsconfig/fsmount/move_mount) with one "lowerdir+"
 * per layer when the kernel has it (6.8+): no page-size limit on the option string and
 * no escaping of ':' or ',' in paths. Falls back to mount(2) otherwise, where the
 * whole option string must fit in a page (-E2BIG). Kernel messages from the fs
 * context are appended to the error.
 */
int overlay_mount(char *const *lower_dirs, const char *upper, const char *work, const char *target,
		  bool readonly, struct berth_error **err);

/* The mount(2) path alone (lowerdir=a:b:c with ':' ',' '\\' escaped), which
 * overlay_mount() falls back to. Exposed for tests. */
int overlay_mount_legacy(char *const *lower_dirs, const char *upper, const char *work,
			 const char *target, bool readonly, struct berth_error **err);

/* Lazily unmount target (MNT_DETACH). Not a mount point (-EINVAL) or missing (-ENOENT)
 * count as success. */
int overlay_umount(const char *target, struct berth_error **err);
