/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <unistd.h>

#include "berth/cleanup.h"
#include "berth/overlay.h"
#include "berth/util.h"

/* Read what the kernel logged into the fs context ("e overlay: ..." lines) so the user
 * sees why, not just EINVAL. */
static char *fs_context_log(int fs_fd)
{
	char buf[512], *out = NULL;

	for (;;) {
		ssize_t n = read(fs_fd, buf, sizeof(buf) - 1);
		char *s;

		if (n <= 0)
			break;
		buf[n] = 0;
		if (n > 2 && buf[1] == ' ')
			memmove(buf, buf + 2, (size_t)n - 1); /* drop the "e " level prefix */
		s = out ? xasprintf("%s; %s", out, buf) : strdup(buf);
		free(out);
		out = s;
		if (!out)
			break;
	}
	return out;
}

static int fs_error(int errnum, const char *log, const char *what, const char *arg,
		    struct berth_error **err)
{
	if (log)
		return berth_error_new(err, errnum, "overlay: %s%s%s%s: %s (%s)", what,
				       arg ? " '" : "", arg ? arg : "", arg ? "'" : "",
				       strerror(errnum), log);
	return berth_error_set(err, errnum, "overlay: %s%s%s%s", what, arg ? " '" : "",
			       arg ? arg : "", arg ? "'" : "");
}

#define FS_ERROR(fs_fd, what, arg)                                                                 \
	({                                                                                         \
		int e_ = errno;                                                                    \
		_cleanup_free_ char *log_ = fs_context_log(fs_fd);                                 \
		fs_error(e_, log_, what, arg, err);                                                \
	})

/* Set once this process learnt that the kernel's overlay has no "lowerdir+": later
 * mounts go straight to mount(2). */
static bool lowerdir_plus_missing;

/*
 * A failed fsconfig() step: -ENOSYS (err untouched) when it shows that the kernel has no
 * "lowerdir+", the error naming the step otherwise. Two kinds of kernel lack it:
 *  - 6.5 to 6.7: overlay parses its options itself and refuses the key at once
 *    ("Unknown parameter" in the context's log);
 *  - before 6.5: overlay has no parser of its own for the new API, so the kernel's legacy
 *    context takes any key at fsconfig() time and joins them into one option string that
 *    overlay reads only at FSCONFIG_CMD_CREATE: that fails with EINVAL and an empty
 *    context log (overlay logs to the kernel log), or earlier, when the joined options
 *    outgrow a page, with "VFS: Legacy: ..." in the log.
 * A kernel whose overlay has its own parser always logs why it refused, so an EINVAL with
 * an empty log is the legacy case, never a real error of the new API.
 */
static int no_lowerdir_plus(int fs_fd, int e, const char *what, const char *arg,
			    struct berth_error **err)
{
	_cleanup_free_ char *log = fs_context_log(fs_fd);

	if (e == EINVAL && (!log || strstr(log, "nknown parameter") || strstr(log, "Legacy"))) {
		lowerdir_plus_missing = true;
		return -ENOSYS; /* err: unset on purpose, the caller falls back to mount(2) */
	}
	return fs_error(e, log, what, arg, err);
}

/* Returns -ENOSYS without filling err when the new API (or "lowerdir+") is missing,
 * so the caller can fall back to mount(2). */
static int mount_new_api(char *const *lower_dirs, const char *upper, const char *work,
			 const char *target, bool readonly, struct berth_error **err)
{
	_cleanup_close_ int fs_fd = -EBADF, mnt_fd = -EBADF;

	if (lowerdir_plus_missing)
		return -ENOSYS; /* err: unset on purpose, the caller falls back to mount(2) */
	fs_fd = fsopen("overlay", FSOPEN_CLOEXEC);
	if (fs_fd < 0)
		return errno == ENOSYS ? -ENOSYS : berth_error_set(err, errno, "overlay: fsopen");
	for (size_t i = 0; lower_dirs[i]; i++)
		if (fsconfig(fs_fd, FSCONFIG_SET_STRING, "lowerdir+", lower_dirs[i], 0) < 0)
			return no_lowerdir_plus(fs_fd, errno, "lowerdir", lower_dirs[i], err);
	if (upper) {
		if (fsconfig(fs_fd, FSCONFIG_SET_STRING, "upperdir", upper, 0) < 0)
			return no_lowerdir_plus(fs_fd, errno, "upperdir", upper, err);
		if (fsconfig(fs_fd, FSCONFIG_SET_STRING, "workdir", work, 0) < 0)
			return no_lowerdir_plus(fs_fd, errno, "workdir", work, err);
	}
	if (fsconfig(fs_fd, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
		return no_lowerdir_plus(fs_fd, errno, "create", NULL, err);
	mnt_fd = fsmount(fs_fd, FSMOUNT_CLOEXEC, readonly ? MOUNT_ATTR_RDONLY : 0);
	if (mnt_fd < 0)
		return FS_ERROR(fs_fd, "fsmount", NULL);
	if (move_mount(mnt_fd, "", AT_FDCWD, target, MOVE_MOUNT_F_EMPTY_PATH) < 0)
		return berth_error_set(err, errno, "overlay: move mount to '%s'", target);
	return 0;
}

struct opts {
	char *buf;
	size_t len, alloc;
};

/* Append s; when escape, backslash-escape what overlay's option parser treats as
 * separators (',' between options, ':' between lower dirs) and '\\' itself. */
static int opts_append(struct opts *o, const char *s, bool escape)
{
	for (; *s; s++) {
		if (o->len + 3 > o->alloc) {
			size_t n = o->alloc ? o->alloc * 2 : 4096;
			char *nb = realloc(o->buf, n);

			if (!nb)
				return -ENOMEM;
			o->buf = nb;
			o->alloc = n;
		}
		if (escape && (*s == ':' || *s == ',' || *s == '\\'))
			o->buf[o->len++] = '\\';
		o->buf[o->len++] = *s;
		o->buf[o->len] = 0;
	}
	return 0;
}

/* "lowerdir=A:B[,upperdir=U,workdir=W]", each lower dir without its first `skip` bytes. */
static int legacy_opts(char *const *lower_dirs, size_t skip, const char *upper, const char *work,
		       struct opts *o)
{
	int r = opts_append(o, "lowerdir=", false);

	for (size_t i = 0; r >= 0 && lower_dirs[i]; i++) {
		if (i > 0)
			r = opts_append(o, ":", false);
		if (r >= 0)
			r = opts_append(o, lower_dirs[i] + skip, true);
	}
	if (r >= 0 && upper) {
		r = opts_append(o, ",upperdir=", false);
		if (r >= 0)
			r = opts_append(o, upper, true);
		if (r >= 0)
			r = opts_append(o, ",workdir=", false);
		if (r >= 0)
			r = opts_append(o, work, true);
	}
	return r;
}

/* Length of the longest directory prefix ("/x/layers/", with its '/') of every lower dir. */
static size_t common_dir_prefix(char *const *lower_dirs)
{
	size_t n = strlen(lower_dirs[0]);

	for (size_t i = 1; lower_dirs[i]; i++) {
		size_t k = 0;

		while (k < n && lower_dirs[i][k] && lower_dirs[i][k] == lower_dirs[0][k])
			k++;
		n = k;
	}
	while (n > 0 && lower_dirs[0][n - 1] != '/')
		n--;
	return n;
}

/* mount(2) in a child whose working directory is `dir`, so that the relative lower dirs
 * of `opts` are found there (the parent's own directory stays as it is: a library must
 * not chdir under a caller that may have threads). */
static int mount_in_dir(const char *dir, const char *target, unsigned long flags, const char *opts)
{
	int status;
	pid_t pid = fork();

	if (pid < 0)
		return -errno;
	if (pid == 0) {
		if (chdir(dir) < 0)
			_exit(errno);
		_exit(mount("overlay", target, "overlay", flags, opts) < 0 ? errno : 0);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -errno;
	if (!WIFEXITED(status))
		return -EIO;
	return -WEXITSTATUS(status);
}

int overlay_mount_legacy(char *const *lower_dirs, const char *upper, const char *work,
			 const char *target, bool readonly, struct berth_error **err)
{
	struct opts o = {};
	long page = sysconf(_SC_PAGESIZE);
	unsigned long flags = readonly ? MS_RDONLY : 0;
	_cleanup_free_ char *dir = NULL;
	size_t skip = 0;
	int r;

	r = legacy_opts(lower_dirs, 0, upper, work, &o);
	if (r >= 0 && page > 0 && o.len >= (size_t)page && target[0] == '/') {
		/* Too long for one page: name the lower dirs relative to the directory they
		 * share (the store's layers/), as docker's overlay2 driver does, which
		 * takes the option string from ~70 bytes a layer to the layer's own name. */
		skip = common_dir_prefix(lower_dirs);
		if (skip > 1) {
			free(o.buf);
			o = (struct opts){};
			r = legacy_opts(lower_dirs, skip, upper, work, &o);
			dir = strndup(lower_dirs[0], skip);
			if (!dir)
				r = -ENOMEM;
		}
	}
	if (r < 0) {
		free(o.buf);
		return berth_error_set(err, -r, "overlay: options");
	}
	if (page > 0 && o.len >= (size_t)page) {
		free(o.buf);
		return berth_error_new(err, E2BIG,
				       "overlay: %zu layers need %zu bytes of mount options, more "
				       "than mount(2) takes (%ld), and this kernel has no "
				       "\"lowerdir+\"",
				       strv_length(lower_dirs), o.len, page);
	}
	if (dir) {
		r = mount_in_dir(dir, target, flags, o.buf);
		if (r < 0)
			r = berth_error_set(err, -r, "overlay: mount on '%s' (layers in '%s')",
					    target, dir);
	} else {
		r = mount("overlay", target, "overlay", flags, o.buf);
		if (r < 0)
			r = berth_error_set(err, errno, "overlay: mount on '%s'", target);
	}
	free(o.buf);
	return r;
}

int overlay_mount(char *const *lower_dirs, const char *upper, const char *work, const char *target,
		  bool readonly, struct berth_error **err)
{
	int r;

	if (!lower_dirs || !lower_dirs[0])
		return berth_error_new(err, EINVAL, "overlay: no lower directories");
	if (!upper != !work)
		return berth_error_new(err, EINVAL, "overlay: upperdir and workdir go together");
	r = mount_new_api(lower_dirs, upper, work, target, readonly, err);
	if (r != -ENOSYS)
		return r;
	return overlay_mount_legacy(lower_dirs, upper, work, target, readonly, err);
}

int overlay_umount(const char *target, struct berth_error **err)
{
	if (umount2(target, MNT_DETACH | UMOUNT_NOFOLLOW) < 0) {
		if (errno == EINVAL || errno == ENOENT)
			return 0;
		return berth_error_set(err, errno, "unmount '%s'", target);
	}
	return 0;
}
