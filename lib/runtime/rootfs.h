/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdint.h>

#include "berth/error.h"
#include "mount.h"

/* In the container's mount namespace: make "/" rslave (or linux.rootfsPropagation),
 * bind the rootfs on itself, mount config.json's mounts, populate /dev, call
 * before_pivot (hooks run there; NULL: none), and pivot_root into it. The old root is
 * detached. With ctx->no_pivot: the host's full procfs/sysfs mounts are detached instead
 * and the rootfs is moved onto "/" and chroot'ed into. With ctx->host_mntns (no mount
 * namespace of the container's own): "/" is left alone, the mounts go below the bind
 * rootfs_host_bind() made, and the rootfs is chroot'ed into. `ctx->rootfd` is set up
 * here. */
int rootfs_prepare(const struct rt_config *cfg, const char *rootfs, struct mount_ctx *ctx,
		   int (*before_pivot)(void *data, struct berth_error **err), void *data,
		   struct berth_error **err);

/* After pivot_root (and after the console is in place): maskedPaths, readonlyPaths,
 * a read-only root when root.readonly, then the final rootfs propagation. */
int rootfs_finalize(const struct rt_config *cfg, struct berth_error **err);

/*
 * A container without a mount namespace of its own lives in the caller's, where its mounts
 * would outlive it. The runtime binds the rootfs onto itself there (recursively, private),
 * the init mounts config.json's mounts below that bind and chroots into it, and detaching
 * the bind undoes all of them at once. *ret_mnt_id identifies the bind (the unique mount id
 * where the kernel has it, 6.8, else the mount id).
 */
int rootfs_host_bind(const char *rootfs, uint64_t *ret_mnt_id, struct berth_error **err);

/* Lazily detach the bind rootfs_host_bind() made, with every mount below it, when the mount
 * on top of `rootfs` is still that one (by mount id); otherwise nothing is done. A rootfs
 * that is gone is not an error. */
int rootfs_host_unbind(const char *rootfs, uint64_t mnt_id, struct berth_error **err);
