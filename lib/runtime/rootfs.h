/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "berth/error.h"
#include "mount.h"

/* In the container's mount namespace: make "/" rslave (or linux.rootfsPropagation),
 * bind the rootfs on itself, mount config.json's mounts, populate /dev, call
 * before_pivot (hooks run there; NULL: none), and pivot_root into it. The old root is
 * detached. With ctx->no_pivot: the host's full procfs/sysfs mounts are detached instead
 * and the rootfs is moved onto "/" and chroot'ed into. `ctx->rootfd` is set up here. */
int rootfs_prepare(const struct rt_config *cfg, const char *rootfs, struct mount_ctx *ctx,
		   int (*before_pivot)(void *data, struct berth_error **err), void *data,
		   struct berth_error **err);

/* After pivot_root (and after the console is in place): maskedPaths, readonlyPaths,
 * a read-only root when root.readonly, then the final rootfs propagation. */
int rootfs_finalize(const struct rt_config *cfg, struct berth_error **err);
