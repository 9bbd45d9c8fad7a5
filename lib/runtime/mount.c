/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "berth/cleanup.h"
#include "idmap.h"
#include "mount.h"
#include "berth/util.h"

int openat_in_root(int rootfd, const char *path, int flags, bool no_symlinks)
{
	struct open_how how = {
		.flags = (uint64_t)(flags | O_CLOEXEC),
		.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS |
			   (no_symlinks ? RESOLVE_NO_SYMLINKS : 0),
	};
	int fd;

	while (*path == '/')
		path++;
	if (!*path)
		path = ".";
	if (flags & O_CREAT)
		how.mode = 0644;
	fd = (int)syscall(SYS_openat2, rootfd, path, &how, sizeof(how));
	return fd < 0 ? -errno : fd;
}

const char *fd_path(char buf[static 32], int fd)
{
	snprintf(buf, 32, "/proc/self/fd/%d", fd);
	return buf;
}

/*
 * Resolve `path` one component at a time below rootfd, as if rootfd were "/": ".." never
 * climbs above it and symlinks are expanded in place (an absolute target restarts at
 * rootfd). Missing components are created, like runc's securejoin + MkdirAll, so a
 * dangling symlink in an image leads to a new directory inside the rootfs, never to
 * the host. Each step opens with O_NOFOLLOW: a symlink swapped in between the check
 * and the open yields ENOTDIR, not an escape.
 */
#define MAX_LINKS 40
#define MAX_DEPTH 256

int mount_open_target(int rootfd, const char *path, bool dir, bool no_symlinks, int *ret_fd,
		      struct berth_error **err)
{
	_cleanup_free_ char *rest = strdup(path);
	int stack[MAX_DEPTH];
	int depth = 0, links = 0, r = 0;

	if (!rest)
		return berth_error_set(err, ENOMEM, "open '%s'", path);
	for (char *p = rest;;) {
		_cleanup_free_ char *target = NULL;
		char *comp, *slash;
		int cur = depth ? stack[depth - 1] : rootfd;
		struct stat st;
		bool last;

		while (*p == '/')
			p++;
		if (!*p)
			break;
		comp = p;
		slash = strchr(p, '/');
		if (slash) {
			*slash = 0;
			p = slash + 1;
		} else {
			p += strlen(p);
		}
		last = !*p || strspn(p, "/") == strlen(p);

		if (streq(comp, "."))
			continue;
		if (streq(comp, "..")) {
			if (depth > 0)
				close(stack[--depth]);
			continue;
		}
		if (fstatat(cur, comp, &st, AT_SYMLINK_NOFOLLOW) < 0) {
			if (errno != ENOENT) {
				r = berth_error_set(err, errno, "stat '%s' in the rootfs", path);
				goto out;
			}
			if (!last || dir) {
				if (mkdirat(cur, comp, 0755) < 0 && errno != EEXIST) {
					r = berth_error_set(err, errno, "mkdir '%s' in the rootfs", path);
					goto out;
				}
			} else {
				int f = openat(cur, comp, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC | O_NOFOLLOW,
					       0644);
				if (f < 0 && errno != EEXIST) {
					r = berth_error_set(err, errno, "create '%s' in the rootfs", path);
					goto out;
				}
				if (f >= 0)
					close(f);
			}
		} else if (S_ISLNK(st.st_mode)) {
			char buf[PATH_MAX];
			ssize_t n;

			if (no_symlinks) {
				r = berth_error_new(err, ELOOP,
						    "mount target '%s' is or goes through a symlink", path);
				goto out;
			}
			if (++links > MAX_LINKS) {
				r = berth_error_set(err, ELOOP, "resolve '%s' in the rootfs", path);
				goto out;
			}
			n = readlinkat(cur, comp, buf, sizeof(buf) - 1);
			if (n < 0) {
				r = berth_error_set(err, errno, "readlink '%s' in the rootfs", path);
				goto out;
			}
			buf[n] = 0;
			/* splice the link target in front of what is left */
			target = xasprintf("%s/%s", buf, p);
			if (!target) {
				r = berth_error_set(err, ENOMEM, "open '%s'", path);
				goto out;
			}
			if (buf[0] == '/')
				while (depth > 0)
					close(stack[--depth]);
			free(rest);
			rest = TAKE_PTR(target);
			p = rest;
			continue;
		}
		if (depth >= MAX_DEPTH) {
			r = berth_error_new(err, ENAMETOOLONG, "'%s' is too deep", path);
			goto out;
		}
		stack[depth] = openat(cur, comp, O_PATH | O_NOFOLLOW | O_CLOEXEC);
		if (stack[depth] < 0) {
			r = berth_error_set(err, errno, "open '%s' in the rootfs", path);
			goto out;
		}
		depth++;
	}
	if (depth == 0) {
		int fd = openat(rootfd, ".", O_PATH | O_CLOEXEC);

		if (fd < 0)
			return berth_error_set(err, errno, "open the rootfs");
		*ret_fd = fd;
		return 0;
	}
	*ret_fd = stack[--depth];
out:
	while (depth > 0)
		close(stack[--depth]);
	return r;
}

static unsigned long locked_flags(int fd)
{
	char buf[32];
	struct statvfs sv;
	unsigned long f = 0;

	if (statvfs(fd_path(buf, fd), &sv) < 0)
		return 0;
	if (sv.f_flag & ST_NOSUID)
		f |= MS_NOSUID;
	if (sv.f_flag & ST_NODEV)
		f |= MS_NODEV;
	if (sv.f_flag & ST_NOEXEC)
		f |= MS_NOEXEC;
	if (sv.f_flag & ST_NOATIME)
		f |= MS_NOATIME;
	if (sv.f_flag & ST_NODIRATIME)
		f |= MS_NODIRATIME;
	if (sv.f_flag & ST_RELATIME)
		f |= MS_RELATIME;
	return f;
}

int mount_remount_ro(int fd, const char *what, struct berth_error **err)
{
	char buf[32];
	unsigned long f = MS_BIND | MS_REMOUNT | MS_RDONLY | locked_flags(fd);

	if (mount(NULL, fd_path(buf, fd), NULL, f, NULL) < 0)
		return berth_error_set(err, errno, "remount '%s' read-only", what);
	return 0;
}

static int reopen(const struct mount_ctx *ctx, const char *dest, int *fd, struct berth_error **err)
{
	int nfd = openat_in_root(ctx->rootfd, dest, O_PATH, false);

	if (nfd < 0)
		return berth_error_set(err, -nfd, "reopen '%s' after mounting", dest);
	close(*fd);
	*fd = nfd;
	return 0;
}

static int mount_cgroup(const struct mount_ctx *ctx, const struct rt_mount *m, int *fd,
			struct berth_error **err)
{
	const struct cgroup *cg = ctx->cg;
	unsigned long flags = m->flags & ~(MS_RDONLY | MS_BIND | MS_REC | MS_REMOUNT);
	char buf[32];

	if (!cg)
		return berth_error_new(err, EINVAL, "mount '%s': no cgroup to mount",
				       m->destination);
	if (cg->layout == CGROUP_LAYOUT_V2) {
		if (ctx->cgroupns) {
			if (mount("cgroup2", fd_path(buf, *fd), "cgroup2", flags, NULL) < 0)
				return berth_error_set(err, errno, "mount cgroup2 on '%s'",
						       m->destination);
		} else if (mount(cg->hiers[0].path, fd_path(buf, *fd), NULL, MS_BIND | MS_REC,
				 NULL) < 0) {
			return berth_error_set(err, errno, "bind '%s' on '%s'", cg->hiers[0].path,
					       m->destination);
		}
		if (reopen(ctx, m->destination, fd, err) < 0)
			return -(*err)->errnum;
		if (m->flags & MS_RDONLY)
			return mount_remount_ro(*fd, m->destination, err);
		return 0;
	}

	/* v1 and hybrid: a tmpfs holding one mount per hierarchy, as runc does. */
	if (mount("tmpfs", fd_path(buf, *fd), "tmpfs", flags, "mode=755") < 0)
		return berth_error_set(err, errno, "mount tmpfs on '%s'", m->destination);
	if (reopen(ctx, m->destination, fd, err) < 0)
		return -(*err)->errnum;
	for (size_t i = 0; i < cg->n_hiers; i++) {
		const struct cgroup_hier *h = &cg->hiers[i];
		const char *name = strrchr(h->mountpoint, '/');
		_cleanup_free_ char *sub = NULL;
		_cleanup_close_ int sfd = -EBADF;
		bool v2 = !h->controllers || !*h->controllers;
		int r;

		name = name ? name + 1 : h->mountpoint;
		if (mkdirat(*fd, name, 0755) < 0 && errno != EEXIST)
			return berth_error_set(err, errno, "mkdir '%s/%s'", m->destination, name);
		sfd = openat(*fd, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (sfd < 0)
			return berth_error_set(err, errno, "open '%s/%s'", m->destination, name);
		if (ctx->cgroupns)
			r = v2 ? mount("cgroup2", fd_path(buf, sfd), "cgroup2", flags, NULL)
			       : mount("cgroup", fd_path(buf, sfd), "cgroup", flags, h->controllers);
		else
			r = mount(h->path, fd_path(buf, sfd), NULL, MS_BIND | MS_REC, NULL);
		if (r < 0)
			return berth_error_set(err, errno, "mount cgroup '%s' on '%s/%s'",
					       v2 ? "unified" : h->controllers, m->destination, name);
		sub = xasprintf("%s/%s", m->destination, name);
		if (!sub)
			return berth_error_set(err, ENOMEM, "mount cgroup '%s/%s'", m->destination,
					       name);
		if (m->flags & MS_RDONLY) {
			if (reopen(ctx, sub, &sfd, err) < 0)
				return -(*err)->errnum;
			if (mount_remount_ro(sfd, sub, err) < 0)
				return -(*err)->errnum;
		}
		/* co-mounted controllers ("cpu,cpuacct") also get one symlink per name */
		if (!v2 && strchr(name, ',')) {
			_cleanup_free_ char *copy = strdup(name);
			char *save = NULL;

			if (!copy)
				return berth_error_set(err, ENOMEM, "mount cgroup '%s/%s'",
						       m->destination, name);
			for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save))
				if (symlinkat(name, *fd, t) < 0 && errno != EEXIST)
					return berth_error_set(err, errno, "symlink '%s/%s'",
							       m->destination, t);
		}
	}
	if (m->flags & MS_RDONLY) {
		unsigned long f = MS_REMOUNT | MS_RDONLY | flags;

		if (mount(NULL, fd_path(buf, *fd), NULL, f, NULL) < 0)
			return berth_error_set(err, errno, "remount '%s' read-only", m->destination);
	}
	return 0;
}

int mount_one(const struct mount_ctx *ctx, const struct rt_mount *m, struct berth_error **err)
{
	_cleanup_close_ int fd = -EBADF;
	bool bind = m->flags & MS_BIND;
	bool dir = true;
	const char *type = m->type, *bind_src = m->source;
	char buf[32], srcbuf[32];
	int r, tree = -1;

	if (type && (streq(type, "bind") || streq(type, "none")))
		type = NULL;
	/* a detached tree the runtime made: idmapped, or the source of a bind mount the
	 * user namespace could not reach */
	if (bind && ctx->mounts && ctx->idmap_fds && m->idmap && ctx->idmap_fds[m - ctx->mounts] >= 0)
		tree = ctx->idmap_fds[m - ctx->mounts];
	else if (bind && ctx->mounts && ctx->source_fds && ctx->source_fds[m - ctx->mounts] >= 0)
		tree = ctx->source_fds[m - ctx->mounts];
	if (tree >= 0)
		bind_src = fd_path(srcbuf, tree);
	if (bind) {
		struct stat st;

		if (!m->source)
			return berth_error_new(err, EINVAL, "mount '%s': bind mount without a source",
					       m->destination);
		if (stat(bind_src, &st) < 0)
			return berth_error_set(err, errno, "mount '%s': source '%s'",
					       m->destination, m->source);
		dir = S_ISDIR(st.st_mode);
	}

	/* proc and sysfs must land on a real directory: a symlink there could make the
	 * runtime mount procfs over a host path (CVE-2019-19921). */
	r = mount_open_target(ctx->rootfd, m->destination, dir,
			      !bind && type && (streq(type, "proc") || streq(type, "sysfs")), &fd, err);
	if ((r == -ELOOP || r == -ENOTDIR) && !bind && type &&
	    (streq(type, "proc") || streq(type, "sysfs")))
		return berth_error_wrap(err, "filesystem \"%s\" must be mounted on ordinary directory",
					type);
	if (r < 0)
		return r;
	if (!bind && type && (streq(type, "proc") || streq(type, "sysfs"))) {
		struct stat st;

		if (fstat(fd, &st) < 0)
			return berth_error_set(err, errno, "mount target '%s'", m->destination);
		if (!S_ISDIR(st.st_mode))
			return berth_error_new(err, ENOTDIR,
					       "filesystem \"%s\" must be mounted on ordinary "
					       "directory: '%s' is not one",
					       type, m->destination);
	}

	if (!bind && type && streq(type, "cgroup"))
		return mount_cgroup(ctx, m, &fd, err);

	if (tree >= 0) {
		r = idmap_attach(tree, fd, m->destination, err);
		if (r < 0)
			return r;
		if (reopen(ctx, m->destination, &fd, err) < 0)
			return -(*err)->errnum;
		if (m->flags & ~(MS_BIND | MS_REC | MS_REMOUNT)) {
			unsigned long f = MS_BIND | MS_REMOUNT | (m->flags & ~(MS_BIND | MS_REC));

			if (mount(NULL, fd_path(buf, fd), NULL, f | locked_flags(fd), NULL) < 0)
				return berth_error_set(err, errno, "remount '%s'", m->destination);
		}
	} else if (bind) {
		if (mount(bind_src, fd_path(buf, fd), NULL, MS_BIND | (m->flags & MS_REC), NULL) < 0)
			return berth_error_set(err, errno, "bind '%s' on '%s'", m->source,
					       m->destination);
		if (reopen(ctx, m->destination, &fd, err) < 0)
			return -(*err)->errnum;
		if (m->flags & ~(MS_BIND | MS_REC | MS_REMOUNT)) {
			unsigned long f = MS_BIND | MS_REMOUNT | (m->flags & ~(MS_BIND | MS_REC));

			if (mount(NULL, fd_path(buf, fd), NULL, f, NULL) < 0) {
				/* in a user namespace the kernel locks nosuid/nodev/...: keep them */
				if (errno != EPERM ||
				    mount(NULL, fd_path(buf, fd), NULL, f | locked_flags(fd), NULL) < 0)
					return berth_error_set(err, errno, "remount '%s'",
							       m->destination);
			}
		}
	} else {
		const char *src = m->source ? m->source : (type ? type : "none");
		unsigned long f = m->flags & ~(MS_REC | MS_REMOUNT);

		/* a read-only /dev is made read-only at the end (rootfs_finalize()), once its
		 * devices, /dev/pts and the console are there, as runc does */
		if (streq(m->destination, "/dev"))
			f &= ~(unsigned long)MS_RDONLY;

		if (!type)
			return berth_error_new(err, EINVAL, "mount '%s': no type and not a bind mount",
					       m->destination);
		if (mount(src, fd_path(buf, fd), type, f, m->data) < 0) {
			int e = errno;

			/* sysfs needs a network namespace of our own; without one, bind the
			 * host's read-only, as runc does. */
			if (streq(type, "sysfs") && (e == EPERM || e == EBUSY) && !ctx->netns) {
				if (mount("/sys", fd_path(buf, fd), NULL, MS_BIND | MS_REC, NULL) < 0)
					return berth_error_set(err, errno, "bind '/sys' on '%s'",
							       m->destination);
				if (reopen(ctx, m->destination, &fd, err) < 0)
					return -(*err)->errnum;
				return mount_remount_ro(fd, m->destination, err);
			}
			return berth_error_set(err, e, "mount '%s' on '%s'", type, m->destination);
		}
	}
	if (m->rec_attr_set || m->rec_attr_clr) {
		/* "rro", "rnosuid", ...: on the whole tree, submounts included, which a
		 * remount cannot do (runtime-spec 1.1; kernel 5.12) */
		struct mount_attr attr = { .attr_set = m->rec_attr_set, .attr_clr = m->rec_attr_clr };

		if (reopen(ctx, m->destination, &fd, err) < 0)
			return -(*err)->errnum;
		if (syscall(SYS_mount_setattr, fd, "", AT_EMPTY_PATH | AT_RECURSIVE, &attr,
			    sizeof(attr)) < 0)
			return berth_error_set(err, errno, "set recursive attributes of '%s'",
					       m->destination);
	}
	if (m->propagation) {
		if (reopen(ctx, m->destination, &fd, err) < 0)
			return -(*err)->errnum;
		if (mount(NULL, fd_path(buf, fd), NULL, m->propagation, NULL) < 0)
			return berth_error_set(err, errno, "set propagation of '%s'", m->destination);
	}
	return 0;
}
