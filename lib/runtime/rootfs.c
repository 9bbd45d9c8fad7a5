/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/mount.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "berth/cleanup.h"
#include "dev.h"
#include "rootfs.h"
#include "berth/util.h"

#ifndef STATX_MNT_ID_UNIQUE
#define STATX_MNT_ID_UNIQUE 0x00004000U
#endif

static bool mounts_dev_bind(const struct rt_config *cfg)
{
	for (size_t i = 0; i < cfg->n_mounts; i++)
		if (streq(cfg->mounts[i].destination, "/dev") && (cfg->mounts[i].flags & MS_BIND))
			return true;
	return false;
}

/* --no-pivot: the old root stays reachable in the mount namespace, and with it the host's
 * full procfs and sysfs, which would let a process in the container mount a fresh,
 * unmasked procfs (the kernel allows that when a full one is visible). Detach those
 * (or, without the right to, cover them with a tmpfs) first, as runc does; then move the
 * rootfs onto "/" and chroot into it. Best effort by nature: --no-pivot is for roots that
 * cannot be pivoted (ramfs), not for untrusted containers. */
static int move_root(const char *rootfs, struct berth_error **err)
{
	_cleanup_fclose_ FILE *f = fopen("/proc/self/mountinfo", "re");
	_cleanup_strv_free_ char **targets = NULL;
	_cleanup_free_ char *line = NULL;
	size_t cap = 0, len = strlen(rootfs);

	if (!f)
		return berth_error_set(err, errno, "read '/proc/self/mountinfo'");
	while (getline(&line, &cap, f) > 0) {
		char root[PATH_MAX], mp[PATH_MAX], fstype[64];
		const char *dash = strstr(line, " - ");

		/* ID PARENT MAJ:MIN ROOT MOUNTPOINT ... - FSTYPE SOURCE OPTIONS */
		if (!dash || sscanf(line, "%*d %*d %*s %4095s %4095s", root, mp) != 2 ||
		    sscanf(dash + 3, "%63s", fstype) != 1)
			continue;
		if (!streq(root, "/") || (!streq(fstype, "proc") && !streq(fstype, "sysfs")))
			continue;
		if (strncmp(mp, rootfs, len) == 0 && (mp[len] == '/' || mp[len] == 0))
			continue;
		if (strv_extend(&targets, mp) < 0)
			return berth_error_set(err, ENOMEM, "no-pivot");
	}
	for (char **t = targets; t && *t; t++) {
		/* the unmount must not propagate to the host */
		if (mount(NULL, *t, NULL, MS_SLAVE | MS_REC, NULL) < 0) {
			if (errno == ENOENT)
				continue; /* under something detached already */
			return berth_error_set(err, errno, "no-pivot: make '%s' slave", *t);
		}
		if (umount2(*t, MNT_DETACH) < 0) {
			if (errno != EINVAL && errno != EPERM)
				return berth_error_set(err, errno, "no-pivot: detach '%s'", *t);
			if (mount("tmpfs", *t, "tmpfs", 0, NULL) < 0)
				return berth_error_set(err, errno, "no-pivot: cover '%s'", *t);
		}
	}
	if (chdir(rootfs) < 0)
		return berth_error_set(err, errno, "chdir '%s'", rootfs);
	if (mount(rootfs, "/", NULL, MS_MOVE, NULL) < 0)
		return berth_error_set(err, errno, "move rootfs '%s' to '/'", rootfs);
	if (chroot(".") < 0)
		return berth_error_set(err, errno, "chroot '%s'", rootfs);
	if (chdir("/") < 0)
		return berth_error_set(err, errno, "chdir '/'");
	return 0;
}

int rootfs_prepare(const struct rt_config *cfg, const char *rootfs, struct mount_ctx *ctx,
		   int (*before_pivot)(void *data, struct berth_error **err), void *data,
		   struct berth_error **err)
{
	unsigned long prop = cfg->rootfs_propagation ? cfg->rootfs_propagation : MS_SLAVE | MS_REC;
	int r;

	/* Nothing we mount may propagate back to the host. A shared or unbindable rootfs
	 * propagation is applied at the end, once everything is in place (an unbindable /
	 * could not even be bound onto itself). In the caller's mount namespace "/" is not
	 * ours to change: the runtime made the rootfs a private bind already. */
	if (prop & (MS_SHARED | MS_UNBINDABLE))
		prop = MS_PRIVATE | MS_REC;
	if (!ctx->host_mntns && mount(NULL, "/", NULL, MS_REC | (prop & ~MS_REC), NULL) < 0)
		return berth_error_set(err, errno, "make '/' %s",
				       (prop & MS_PRIVATE) ? "private" : "slave");

	/* pivot_root needs the new root to be a mount point. */
	if (!ctx->host_mntns && mount(rootfs, rootfs, NULL, MS_BIND | MS_REC, NULL) < 0)
		return berth_error_set(err, errno, "bind rootfs '%s'", rootfs);

	ctx->rootfd = open(rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (ctx->rootfd < 0)
		return berth_error_set(err, errno, "open rootfs '%s'", rootfs);

	for (size_t i = 0; i < cfg->n_mounts; i++) {
		r = mount_one(ctx, &cfg->mounts[i], err);
		if (r < 0)
			return berth_error_wrap(err, "mount '%s'", cfg->mounts[i].destination);
	}

	if (!mounts_dev_bind(cfg)) {
		r = dev_setup(ctx->rootfd, cfg, ctx->userns, ctx->device_fds, err);
		if (r < 0)
			return berth_error_wrap(err, "/dev");
	}

	/* A cwd the image lacks is made (inside the rootfs, as runc and crun make it), while
	 * the root is still writable. */
	if (cfg->process.cwd && !streq(cfg->process.cwd, "/")) {
		_cleanup_close_ int fd = -EBADF;

		r = mount_open_target(ctx->rootfd, cfg->process.cwd, true, false, &fd, err);
		if (r < 0)
			return berth_error_wrap(err, "cwd '%s'", cfg->process.cwd);
	}

	/* In the rootfs from here on: createContainer hooks run there (as with runc, they may
	 * use paths relative to it), then it becomes the root. */
	if (fchdir(ctx->rootfd) < 0 && chdir(rootfs) < 0)
		return berth_error_set(err, errno, "chdir '%s'", rootfs);
	if (before_pivot) {
		r = before_pivot(data, err);
		if (r < 0)
			return r;
	}
	if (ctx->host_mntns) {
		/* no mount namespace of its own: pivot_root would swap the host's root */
		if (chroot(".") < 0)
			return berth_error_set(err, errno, "chroot '%s'", rootfs);
		if (chdir("/") < 0)
			return berth_error_set(err, errno, "chdir '/'");
		close(ctx->rootfd);
		ctx->rootfd = -EBADF;
		return 0;
	}
	if (ctx->no_pivot) {
		r = move_root(rootfs, err);
		if (r < 0)
			return r;
		close(ctx->rootfd);
		ctx->rootfd = -EBADF;
		return 0;
	}
	/* pivot_root(".", ".") stacks the old root under the new one; detach it right away
	 * (after making sure the unmount cannot propagate to the host). */
	if (syscall(SYS_pivot_root, ".", ".") < 0)
		return berth_error_set(err, errno, "pivot_root '%s'", rootfs);
	if (mount(NULL, ".", NULL, MS_SLAVE | MS_REC, NULL) < 0)
		return berth_error_set(err, errno, "make the old root slave");
	if (umount2(".", MNT_DETACH) < 0)
		return berth_error_set(err, errno, "detach the old root");
	if (chdir("/") < 0)
		return berth_error_set(err, errno, "chdir '/'");
	close(ctx->rootfd);
	ctx->rootfd = -EBADF;
	return 0;
}

static int mount_id(int fd, uint64_t *ret)
{
	struct statx stx;

	if (statx(fd, "", AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW, STATX_MNT_ID_UNIQUE | STATX_MNT_ID,
		  &stx) < 0)
		return -errno;
	if (!(stx.stx_mask & (STATX_MNT_ID_UNIQUE | STATX_MNT_ID)))
		return -EOPNOTSUPP;
	*ret = stx.stx_mnt_id;
	return 0;
}

int rootfs_host_bind(const char *rootfs, uint64_t *ret_mnt_id, struct berth_error **err)
{
	struct mount_attr attr = { .propagation = MS_PRIVATE };
	_cleanup_close_ int dirfd = -EBADF, tree = -EBADF;
	uint64_t id;
	int r;

	dirfd = open(rootfs, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dirfd < 0)
		return berth_error_set(err, errno, "open rootfs '%s'", rootfs);
	/* A detached copy, attached onto the rootfs, then made private: nothing mounted
	 * below it can propagate to the host's other mounts or namespaces, nor theirs into
	 * it. (Attaching it below a shared mount made it shared, and propagated the bind
	 * itself to that mount's peers; detaching it propagates there too.) */
	tree = (int)syscall(SYS_open_tree, dirfd, "",
			    OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH | AT_RECURSIVE);
	if (tree < 0)
		return berth_error_set(err, errno, "bind rootfs '%s'", rootfs);
	if (syscall(SYS_move_mount, tree, "", dirfd, "",
		    MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
		return berth_error_set(err, errno, "bind rootfs '%s'", rootfs);
	r = 0;
	if (syscall(SYS_mount_setattr, tree, "", AT_EMPTY_PATH | AT_RECURSIVE, &attr,
		    sizeof(attr)) < 0) {
		char buf[32];

		r = -errno;
		/* before 5.12: the attached bind through its fd, with mount(2) */
		if (r == -ENOSYS &&
		    mount(NULL, fd_path(buf, tree), NULL, MS_REC | MS_PRIVATE, NULL) == 0)
			r = 0;
	}
	if (r >= 0)
		r = mount_id(tree, &id);
	if (r < 0) {
		char buf[32];

		(void)umount2(fd_path(buf, tree), MNT_DETACH);
		return berth_error_set(err, -r, "make the bind of rootfs '%s' private", rootfs);
	}
	*ret_mnt_id = id;
	return 0;
}

int rootfs_host_unbind(const char *rootfs, uint64_t mnt_id, struct berth_error **err)
{
	_cleanup_close_ int fd = -EBADF;
	uint64_t id;
	char buf[32];

	/* a mount point cannot be removed or renamed itself: a rootfs that is gone (or no
	 * longer a directory) carries no mount of ours, unless a directory above it moved */
	fd = open(rootfs, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 && (errno == ENOENT || errno == ENOTDIR))
		return 0;
	if (fd < 0)
		return berth_error_set(err, errno, "open rootfs '%s'", rootfs);
	/* only the bind we made: whatever else is on top of the rootfs is not ours */
	if (mount_id(fd, &id) < 0 || id != mnt_id)
		return 0;
	/* lazily, with everything below it: the container's mounts go with it */
	if (umount2(fd_path(buf, fd), MNT_DETACH) < 0)
		return berth_error_set(err, errno, "detach the mounts of rootfs '%s'", rootfs);
	return 0;
}

static int mask_path(const char *path, int nullfd, struct berth_error **err)
{
	_cleanup_close_ int fd = -EBADF;
	struct stat st;
	char a[32], b[32];

	fd = openat_in_root(AT_FDCWD, path, O_PATH | O_NOFOLLOW, false);
	if (fd == -ENOENT)
		return 0;
	if (fd < 0)
		return berth_error_set(err, -fd, "mask '%s'", path);
	if (fstat(fd, &st) < 0)
		return berth_error_set(err, errno, "mask '%s'", path);
	if (S_ISLNK(st.st_mode))
		return 0; /* a symlink is never followed to mask what it points at */
	if (S_ISDIR(st.st_mode)) {
		if (mount("tmpfs", fd_path(a, fd), "tmpfs", MS_RDONLY, "size=0") < 0)
			return berth_error_set(err, errno, "mask directory '%s'", path);
		return 0;
	}
	if (mount(fd_path(a, nullfd), fd_path(b, fd), NULL, MS_BIND, NULL) < 0)
		return berth_error_set(err, errno, "mask '%s'", path);
	return 0;
}

static int readonly_path(const char *path, struct berth_error **err)
{
	_cleanup_close_ int fd = -EBADF;
	char buf[32];

	fd = openat_in_root(AT_FDCWD, path, O_PATH | O_NOFOLLOW, false);
	if (fd == -ENOENT)
		return 0;
	if (fd < 0)
		return berth_error_set(err, -fd, "read-only path '%s'", path);
	if (mount(fd_path(buf, fd), fd_path(buf, fd), NULL, MS_BIND | MS_REC, NULL) < 0)
		return berth_error_set(err, errno, "bind read-only path '%s'", path);
	close(fd);
	fd = openat_in_root(AT_FDCWD, path, O_PATH | O_NOFOLLOW, false);
	if (fd < 0)
		return berth_error_set(err, -fd, "reopen read-only path '%s'", path);
	return mount_remount_ro(fd, path, err);
}

int rootfs_finalize(const struct rt_config *cfg, struct berth_error **err)
{
	_cleanup_close_ int nullfd = -EBADF;
	int r;

	if (cfg->masked_paths && cfg->masked_paths[0]) {
		r = dev_open_null(&nullfd, err);
		if (r < 0)
			return berth_error_wrap(err, "masked paths");
		for (char **p = cfg->masked_paths; *p; p++) {
			r = mask_path(*p, nullfd, err);
			if (r < 0)
				return r;
		}
	}
	for (char **p = cfg->readonly_paths; p && *p; p++) {
		r = readonly_path(*p, err);
		if (r < 0)
			return r;
	}
	for (size_t i = 0; i < cfg->n_mounts; i++) {
		const struct rt_mount *m = &cfg->mounts[i];
		_cleanup_close_ int fd = -EBADF;

		if (!streq(m->destination, "/dev") || (m->flags & MS_BIND) || !(m->flags & MS_RDONLY))
			continue;
		fd = openat_in_root(AT_FDCWD, "/dev", O_PATH | O_DIRECTORY | O_NOFOLLOW, true);
		if (fd < 0)
			return berth_error_set(err, -fd, "open '/dev'");
		r = mount_remount_ro(fd, "/dev", err);
		if (r < 0)
			return r;
	}
	if (cfg->root_readonly) {
		_cleanup_close_ int fd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);

		if (fd < 0)
			return berth_error_set(err, errno, "open '/'");
		r = mount_remount_ro(fd, "/", err);
		if (r < 0)
			return r;
	}
	if (cfg->rootfs_propagation & (MS_SHARED | MS_UNBINDABLE)) {
		if (mount(NULL, "/", NULL, cfg->rootfs_propagation, NULL) < 0)
			return berth_error_set(err, errno, "set rootfs propagation");
	}
	return 0;
}
