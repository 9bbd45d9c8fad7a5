/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <fcntl.h>
#include <linux/mount.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "berth/cleanup.h"
#include "dev.h"
#include "idmap.h"
#include "mount.h"
#include "berth/util.h"

/* where dev_prepare_nodes() makes the nodes, in the state directory */
#define PREPARED_DIR "devices"

struct dev_node {
	const char *name;
	char type;
	unsigned major, minor;
	mode_t mode;
};

static const struct dev_node default_nodes[] = {
	{ "null", 'c', 1, 3, 0666 },    { "zero", 'c', 1, 5, 0666 },
	{ "full", 'c', 1, 7, 0666 },    { "random", 'c', 1, 8, 0666 },
	{ "urandom", 'c', 1, 9, 0666 }, { "tty", 'c', 5, 0, 0666 },
};

static const struct {
	const char *name, *target;
} default_links[] = {
	{ "fd", "/proc/self/fd" },         { "stdin", "/proc/self/fd/0" },
	{ "stdout", "/proc/self/fd/1" },   { "stderr", "/proc/self/fd/2" },
	{ "ptmx", "pts/ptmx" },
};

static int device_format(const char *path, char type, mode_t *ret, struct berth_error **err)
{
	switch (type) {
	case 'c':
	case 'u':
		*ret = S_IFCHR;
		return 0;
	case 'b':
		*ret = S_IFBLK;
		return 0;
	case 'p':
		*ret = S_IFIFO;
		return 0;
	default:
		return berth_error_new(err, EINVAL, "device '%s': unknown type '%c'", path, type);
	}
}

/*
 * In a user namespace the init cannot mknod (that takes CAP_MKNOD in the initial one), and
 * a node on a filesystem mounted there could not be opened anyway. Made here instead, by
 * the runtime, in a directory only root can enter, and cloned as a detached bind mount:
 * the init only moves that into place (crun makes them the same way, on a tmpfs of a
 * private mount namespace). The clone takes nothing from the mount the state lives on:
 * /run is often nodev, which would make the device useless.
 */
int dev_prepare_nodes(const struct rt_config *cfg, int dirfd, int *ret_fds,
		      struct berth_error **err)
{
	struct mount_attr attr = {
		.attr_set = MOUNT_ATTR_NOSUID | MOUNT_ATTR_NOEXEC,
		.attr_clr = MOUNT_ATTR_NODEV,
	};
	_cleanup_close_ int dfd = -EBADF;
	int r;

	for (size_t i = 0; i < cfg->n_devices; i++)
		ret_fds[i] = -1;
	/* no maps in the config (a user namespace joined by path): owners unknown here */
	if (!cfg->n_uid_mappings || !cfg->n_gid_mappings)
		return 0;
	for (size_t i = 0; i < cfg->n_devices; i++) {
		const struct rt_device *d = &cfg->devices[i];
		mode_t fmt, mode = (d->mode ? d->mode : 0666) & 07777;
		dev_t rdev = makedev((unsigned)d->major, (unsigned)d->minor);
		uint32_t uid, gid;
		bool has_uid, has_gid;
		char name[32];
		int fd;

		r = device_format(d->path, d->type, &fmt, err);
		if (r < 0)
			goto fail;
		if (fmt == S_IFIFO)
			continue; /* a fifo the init can make itself */
		if (dfd < 0) {
			if (mkdirat(dirfd, PREPARED_DIR, 0700) < 0 && errno != EEXIST) {
				r = berth_error_set(err, errno, "create a directory for devices");
				goto fail;
			}
			dfd = openat(dirfd, PREPARED_DIR,
				     O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (dfd < 0) {
				r = berth_error_set(err, errno, "open the directory for devices");
				goto fail;
			}
		}
		snprintf(name, sizeof(name), "%zu", i);
		if (mknodat(dfd, name, fmt | mode, rdev) < 0) {
			/* not privileged enough here either: the init binds the host's node */
			if (errno == EPERM || errno == EROFS || errno == EOPNOTSUPP)
				continue;
			r = berth_error_set(err, errno, "mknod device '%s'", d->path);
			goto fail;
		}
		/* an id the maps do not cover stays the host root's (the overflow id inside) */
		uid = d->has_uid ? d->uid : 0;
		gid = d->has_gid ? d->gid : 0;
		has_uid = idmap_to_host(cfg->uid_mappings, cfg->n_uid_mappings, uid, &uid);
		has_gid = idmap_to_host(cfg->gid_mappings, cfg->n_gid_mappings, gid, &gid);
		if (fchownat(dfd, name, has_uid ? uid : (uid_t)-1, has_gid ? gid : (gid_t)-1,
			     AT_SYMLINK_NOFOLLOW) < 0) {
			r = berth_error_set(err, errno, "chown device '%s'", d->path);
			goto fail;
		}
		/* mknod is subject to the umask; set the mode exactly */
		if (fchmodat(dfd, name, mode, 0) < 0) {
			r = berth_error_set(err, errno, "chmod device '%s'", d->path);
			goto fail;
		}
		fd = (int)syscall(SYS_open_tree, dfd, name, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
		if (fd < 0) {
			r = berth_error_set(err, errno, "bind device '%s'", d->path);
			goto fail;
		}
		if (syscall(SYS_mount_setattr, fd, "", AT_EMPTY_PATH, &attr, sizeof(attr)) < 0) {
			r = -errno;
			close(fd);
			/* Before 5.12 (no mount_setattr) the clone keeps the state directory's
			 * nodev: the init binds the host's node instead, as where mknod is not
			 * allowed (a device the host lacks then fails there, naming it). */
			if (r == -ENOSYS)
				continue;
			r = berth_error_set(err, -r, "set mount flags of device '%s'", d->path);
			goto fail;
		}
		ret_fds[i] = fd;
	}
	return 0;
fail:
	for (size_t i = 0; i < cfg->n_devices; i++)
		if (ret_fds[i] >= 0) {
			close(ret_fds[i]);
			ret_fds[i] = -1;
		}
	dev_release_nodes(dirfd);
	return r;
}

void dev_release_nodes(int dirfd)
{
	(void)rm_rf_at(dirfd, PREPARED_DIR);
}

static int make_node(int rootfd, const char *path, char type, unsigned major, unsigned minor,
		     mode_t mode, uid_t uid, gid_t gid, bool userns, int prepared,
		     struct berth_error **err)
{
	_cleanup_free_ char *parent = NULL;
	_cleanup_close_ int pfd = -EBADF;
	const char *name;
	mode_t fmt;
	struct stat st;
	char *slash;
	int r;

	r = device_format(path, type, &fmt, err);
	if (r < 0)
		return r;
	/* a fifo needs no privilege: made in place, in a user namespace too */
	if (fmt == S_IFIFO)
		userns = false;
	parent = strdup(path);
	if (!parent)
		return berth_error_set(err, ENOMEM, "device '%s'", path);
	slash = strrchr(parent, '/');
	if (!slash || !slash[1])
		return berth_error_new(err, EINVAL, "device path '%s' is not a file path", path);
	*slash = 0;
	name = path + (slash - parent) + 1;
	if (mount_open_target(rootfd, *parent ? parent : "/", true, false, &pfd, err) < 0)
		return berth_error_wrap(err, "device '%s'", path);

	/* Whatever the image left at this name (a symlink to a host path, a file) goes:
	 * the node is always made fresh. */
	if (fstatat(pfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0) {
		if ((st.st_mode & S_IFMT) == fmt && st.st_rdev == makedev(major, minor) && !userns)
			return 0;
		if (unlinkat(pfd, name, S_ISDIR(st.st_mode) ? AT_REMOVEDIR : 0) < 0)
			return berth_error_set(err, errno, "remove '%s' to make a device", path);
	}

	if (!userns) {
		if (mknodat(pfd, name, fmt | (mode & 07777), makedev(major, minor)) < 0)
			return berth_error_set(err, errno, "mknod '%s'", path);
		if (fchownat(pfd, name, uid, gid, AT_SYMLINK_NOFOLLOW) < 0)
			return berth_error_set(err, errno, "chown '%s'", path);
		/* mknod is subject to the umask; set the mode exactly */
		if (fchmodat(pfd, name, mode & 07777, 0) < 0)
			return berth_error_set(err, errno, "chmod '%s'", path);
		return 0;
	} else {
		_cleanup_close_ int f = openat(pfd, name, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0644);
		char buf[32];

		if (f < 0)
			return berth_error_set(err, errno, "create '%s'", path);
		/* the node the runtime made (dev_prepare_nodes()) */
		if (prepared >= 0) {
			if (syscall(SYS_move_mount, prepared, "", f, "",
				    MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
				return berth_error_set(err, errno, "attach device '%s'", path);
			return 0;
		}
		/* else the host's own node at that path, when it is the same device */
		if (stat(path, &st) < 0 || (st.st_mode & S_IFMT) != fmt ||
		    st.st_rdev != makedev(major, minor))
			return berth_error_new(err, ENODEV,
					       "device '%s': it cannot be made in a user namespace, "
					       "and the host has no such node to bind",
					       path);
		if (mount(path, fd_path(buf, f), NULL, MS_BIND, NULL) < 0)
			return berth_error_set(err, errno, "bind '%s' on '%s'", path, path);
	}
	return 0;
}

static bool listed(const struct rt_config *cfg, const char *path)
{
	for (size_t i = 0; i < cfg->n_devices; i++)
		if (streq(cfg->devices[i].path, path))
			return true;
	return false;
}

int dev_setup(int rootfd, const struct rt_config *cfg, bool userns, const int *prepared,
	      struct berth_error **err)
{
	_cleanup_close_ int devfd = -EBADF;
	int r;

	for (size_t i = 0; i < ELEMENTSOF(default_nodes); i++) {
		const struct dev_node *d = &default_nodes[i];
		_cleanup_free_ char *p = xasprintf("/dev/%s", d->name);

		if (!p)
			return berth_error_set(err, ENOMEM, "device '/dev/%s'", d->name);
		/* the config's own entry at this path replaces it */
		if (listed(cfg, p))
			continue;
		r = make_node(rootfd, p, d->type, d->major, d->minor, d->mode, 0, 0, userns, -1,
			      err);
		if (r < 0)
			return r;
	}
	for (size_t i = 0; i < cfg->n_devices; i++) {
		const struct rt_device *d = &cfg->devices[i];

		r = make_node(rootfd, d->path, d->type, (unsigned)d->major, (unsigned)d->minor,
			      d->mode ? d->mode : 0666, d->has_uid ? d->uid : 0,
			      d->has_gid ? d->gid : 0, userns, prepared ? prepared[i] : -1, err);
		if (r < 0)
			return r;
	}

	r = mount_open_target(rootfd, "/dev", true, false, &devfd, err);
	if (r < 0)
		return r;
	for (size_t i = 0; i < ELEMENTSOF(default_links); i++) {
		if (symlinkat(default_links[i].target, devfd, default_links[i].name) < 0 &&
		    errno != EEXIST)
			return berth_error_set(err, errno, "symlink '/dev/%s'", default_links[i].name);
	}
	return 0;
}

int dev_open_null(int *ret_fd, struct berth_error **err)
{
	_cleanup_close_ int fd = open("/dev/null", O_PATH | O_NOFOLLOW | O_CLOEXEC);
	struct stat st;

	if (fd < 0)
		return berth_error_set(err, errno, "open '/dev/null'");
	if (fstat(fd, &st) < 0)
		return berth_error_set(err, errno, "stat '/dev/null'");
	if (!S_ISCHR(st.st_mode) || st.st_rdev != makedev(1, 3))
		return berth_error_new(err, EPERM, "'/dev/null' is not the null device");
	*ret_fd = TAKE_FD(fd);
	return 0;
}
