/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "cleanup.h"
#include "dev.h"
#include "mount.h"
#include "util.h"

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

static int make_node(int rootfd, const char *path, char type, unsigned major, unsigned minor,
		     mode_t mode, uid_t uid, gid_t gid, bool userns, struct berth_error **err)
{
	_cleanup_free_ char *parent = NULL;
	_cleanup_close_ int pfd = -EBADF;
	const char *name;
	mode_t fmt;
	struct stat st;
	char *slash;

	switch (type) {
	case 'c':
	case 'u':
		fmt = S_IFCHR;
		break;
	case 'b':
		fmt = S_IFBLK;
		break;
	case 'p':
		fmt = S_IFIFO;
		break;
	default:
		return berth_error_new(err, EINVAL, "device '%s': unknown type '%c'", path, type);
	}
	parent = strdup(path);
	if (!parent)
		return -ENOMEM;
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
		_cleanup_free_ char *host = xasprintf("/dev/%s", name);
		char buf[32];

		if (f < 0)
			return berth_error_set(err, errno, "create '%s'", path);
		if (!host)
			return -ENOMEM;
		if (mount(host, fd_path(buf, f), NULL, MS_BIND, NULL) < 0)
			return berth_error_set(err, errno, "bind '%s' on '%s'", host, path);
	}
	return 0;
}

int dev_setup(int rootfd, const struct rt_config *cfg, bool userns, struct berth_error **err)
{
	_cleanup_close_ int devfd = -EBADF;
	int r;

	for (size_t i = 0; i < ELEMENTSOF(default_nodes); i++) {
		const struct dev_node *d = &default_nodes[i];
		_cleanup_free_ char *p = xasprintf("/dev/%s", d->name);

		if (!p)
			return -ENOMEM;
		r = make_node(rootfd, p, d->type, d->major, d->minor, d->mode, 0, 0, userns, err);
		if (r < 0)
			return r;
	}
	for (size_t i = 0; i < cfg->n_devices; i++) {
		const struct rt_device *d = &cfg->devices[i];

		r = make_node(rootfd, d->path, d->type, (unsigned)d->major, (unsigned)d->minor,
			      d->mode ? d->mode : 0666, d->has_uid ? d->uid : 0,
			      d->has_gid ? d->gid : 0, userns, err);
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
