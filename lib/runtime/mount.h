/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>

#include "berth/error.h"
#include "cgroup.h"
#include "config.h"

/* openat2(2) with RESOLVE_IN_ROOT|RESOLVE_NO_MAGICLINKS (+ RESOLVE_NO_SYMLINKS when
 * no_symlinks): `path` is resolved as if rootfd were "/", so a symlink in an image can
 * never lead outside it. Returns an fd or -errno. */
int openat_in_root(int rootfd, const char *path, int flags, bool no_symlinks);

/* Open `path` inside the tree at rootfd as an O_PATH fd, creating missing parents as
 * directories and the last component as a directory (dir) or an empty file. */
int mount_open_target(int rootfd, const char *path, bool dir, bool no_symlinks, int *ret_fd,
		      struct berth_error **err);

/* "/proc/self/fd/N" for fd, in buf. */
const char *fd_path(char buf[static 32], int fd);

struct mount_ctx {
	int rootfd;             /* O_PATH fd of the container rootfs (before pivot_root) */
	bool userns;            /* running in a new user namespace */
	bool cgroupns;          /* a cgroup namespace was made for the container */
	bool netns;             /* a network namespace was made */
	bool no_pivot;          /* MS_MOVE + chroot instead of pivot_root */
	bool host_mntns;        /* no mount namespace of its own: in the caller's, below the
				 * private bind of the rootfs the runtime made; chroot */
	const struct cgroup *cg;
	const struct rt_mount *mounts; /* config.json's mounts, for the index of idmap_fds */
	const int *idmap_fds;   /* per mount: a detached idmapped tree, or -1 (may be NULL) */
	const int *source_fds;  /* per mount: the bind source, opened by the runtime outside
				 * the user namespace, or -1 (may be NULL) */
	const int *device_fds;  /* per linux.devices entry: the node the runtime made for a
				 * user namespace (dev_prepare_nodes()), or -1 (may be NULL) */
};

/* Mount one entry of config.json's mounts inside the rootfs. */
int mount_one(const struct mount_ctx *ctx, const struct rt_mount *m, struct berth_error **err);

/* Remount the mount at the target fd read-only (bind remount), keeping the flags the
 * kernel locked on it. */
int mount_remount_ro(int fd, const char *what, struct berth_error **err);
