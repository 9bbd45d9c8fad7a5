/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * `berth cp`'s transfer, as docker's archive/extract API: the source side writes a tar
 * of what is copied, the receiving side unpacks it into a directory, every entry
 * resolved below that directory's fd with openat2(RESOLVE_IN_ROOT |
 * RESOLVE_NO_SYMLINKS) and made with O_EXCL/O_NOFOLLOW, so neither the tar's names nor
 * a symlink the container swaps in lead outside it.
 */
#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "berth/cleanup.h"
#include "berth/sync.h"
#include "berth/tarwrite.h"
#include "berth/util.h"
#include "cp.h"

int cp_openat2(int dirfd, const char *path, int flags, uint64_t resolve)
{
	struct open_how how = {
	    .flags = (uint64_t)(flags | O_CLOEXEC),
	    .resolve = resolve,
	};
	long fd = syscall(SYS_openat2, dirfd, *path ? path : ".", &how, sizeof(how));

	return fd < 0 ? -errno : (int)fd;
}

void cp_path_release(struct cp_path *p)
{
	free(p->clean);
	free(p->parent);
}

int cp_path_parse(const char *in, bool rooted, struct cp_path *ret)
{
	size_t n = strlen(in), len = 0, *starts = NULL, depth = 0;
	bool abs = rooted || in[0] == '/';
	_cleanup_free_ char *out = malloc(n + 3);
	char *slash;

	starts = calloc(n + 1, sizeof(*starts));
	if (!out || !starts) {
		free(starts);
		return -ENOMEM;
	}
	*ret = (struct cp_path){0};
	ret->slash = n > 0 && in[n - 1] == '/';
	ret->dot = streq(in, ".") || (n >= 2 && streq(in + n - 2, "/."));
	if (abs)
		out[len++] = '/';
	for (const char *p = in; *p;) {
		size_t k = strcspn(p, "/");

		if (k == 0 || (k == 1 && p[0] == '.')) {
			/* nothing */
		} else if (k == 2 && p[0] == '.' && p[1] == '.' && (depth > 0 || abs)) {
			if (depth > 0)
				len = starts[--depth];
		} else {
			starts[depth++] = len;
			if (len > 0 && out[len - 1] != '/')
				out[len++] = '/';
			memcpy(out + len, p, k);
			len += k;
		}
		p += k;
		if (*p == '/')
			p++;
	}
	free(starts);
	if (len == 0)
		out[len++] = '.';
	out[len] = 0;
	ret->clean = TAKE_PTR(out);
	slash = strrchr(ret->clean, '/');
	if (streq(ret->clean, "/") || streq(ret->clean, ".")) {
		ret->parent = strdup(ret->clean);
		ret->base = ".";
	} else if (slash) {
		ret->parent = slash == ret->clean
				  ? strdup("/")
				  : strndup(ret->clean, (size_t)(slash - ret->clean));
		ret->base = slash + 1;
	} else {
		ret->parent = strdup(".");
		ret->base = ret->clean;
	}
	if (!ret->parent) {
		cp_path_release(ret);
		return -ENOMEM;
	}
	return 0;
}

/* --- the tar of a source --- */

static int reopen(int opath_fd, int flags)
{
	char p[64];
	int fd;

	snprintf(p, sizeof(p), "/proc/self/fd/%d", opath_fd);
	fd = open(p, flags | O_CLOEXEC | O_NOCTTY);
	return fd < 0 ? -errno : fd;
}

static int tar_fail(struct archive *a, const char *name, struct berth_error **err)
{
	const char *m = archive_error_string(a);
	int e = archive_errno(a) > 0 ? archive_errno(a) : EIO;

	return berth_error_new(err, e, "tar '%s': %s", name, m ? m : strerror(e));
}

static int write_file_data(struct archive *a, int fd, const struct stat *st, const char *name,
			   struct berth_error **err)
{
	char buf[64 * 1024];
	off_t left = st->st_size;

	while (left > 0) {
		ssize_t n = read(fd, buf, (size_t)left < sizeof(buf) ? (size_t)left : sizeof(buf));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return berth_error_set(err, errno, "read '%s'", name);
		if (n == 0) { /* it shrank under us: the header said size bytes */
			memset(buf, 0, sizeof(buf));
			n = (ssize_t)((size_t)left < sizeof(buf) ? (size_t)left : sizeof(buf));
		}
		if (archive_write_data(a, buf, (size_t)n) < 0)
			return tar_fail(a, name, err);
		left -= n;
	}
	return 0;
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Add fd (O_PATH, of what is copied: not followed if a symlink) as name, and what is
 * below it when a directory. */
static int write_entry(struct archive *a, int fd, const char *name, struct berth_error **err)
{
	struct archive_entry *e = NULL;
	_cleanup_close_ int data = -EBADF;
	struct stat st;
	char target[PATH_MAX];
	int r = 0;

	if (fstat(fd, &st) < 0)
		return berth_error_set(err, errno, "stat '%s'", name);
	if (S_ISSOCK(st.st_mode))
		return 0; /* as tar(1): not content */
	if (S_ISREG(st.st_mode)) {
		struct stat st2;

		data = reopen(fd, O_RDONLY);
		if (data < 0)
			return berth_error_set(err, -data, "open '%s'", name);
		if (fstat(data, &st2) < 0 || st2.st_ino != st.st_ino || st2.st_dev != st.st_dev)
			return berth_error_new(err, EIO, "'%s' changed while copied", name);
		st = st2;
	}
	e = archive_entry_new();
	if (!e)
		return berth_error_set(err, ENOMEM, "tar '%s'", name);
	archive_entry_copy_stat(e, &st);
	archive_entry_set_pathname(e, name);
	archive_entry_set_nlink(e, 1);
	if (!S_ISREG(st.st_mode))
		archive_entry_set_size(e, 0);
	if (S_ISLNK(st.st_mode)) {
		ssize_t n = readlinkat(fd, "", target, sizeof(target) - 1);

		if (n < 0) {
			r = berth_error_set(err, errno, "readlink '%s'", name);
			goto out;
		}
		target[n] = 0;
		archive_entry_set_symlink(e, target);
	}
	if (archive_write_header(a, e) < ARCHIVE_WARN) {
		r = tar_fail(a, name, err);
		goto out;
	}
	if (S_ISREG(st.st_mode))
		r = write_file_data(a, data, &st, name, err);
	if (r >= 0 && S_ISDIR(st.st_mode)) {
		_cleanup_strv_free_ char **names = NULL;
		_cleanup_close_ int dfd = openat(fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		struct dirent *de;
		DIR *d;

		if (dfd < 0) {
			r = berth_error_set(err, errno, "open '%s'", name);
			goto out;
		}
		d = fdopendir(fcntl(dfd, F_DUPFD_CLOEXEC, 3));
		if (!d) {
			r = berth_error_set(err, errno, "read directory '%s'", name);
			goto out;
		}
		while ((de = readdir(d)))
			if (!streq(de->d_name, ".") && !streq(de->d_name, "..") &&
			    strv_extend(&names, de->d_name) < 0) {
				closedir(d);
				r = berth_error_set(err, ENOMEM, "read directory '%s'", name);
				goto out;
			}
		closedir(d);
		if (names)
			qsort(names, strv_length(names), sizeof(*names), cmp_names);
		for (char **i = names; r >= 0 && i && *i; i++) {
			_cleanup_free_ char *child = xasprintf("%s/%s", name, *i);
			_cleanup_close_ int cfd = -EBADF;

			if (!child) {
				r = berth_error_set(err, ENOMEM, "tar '%s'", name);
				break;
			}
			cfd = openat(dfd, *i, O_PATH | O_NOFOLLOW | O_CLOEXEC);
			if (cfd < 0 && errno == ENOENT)
				continue; /* gone since we listed it */
			if (cfd < 0) {
				r = berth_error_set(err, errno, "open '%s'", child);
				break;
			}
			r = write_entry(a, cfd, child, err);
		}
	}
out:
	archive_entry_free(e);
	return r;
}

/* The tar of src (O_PATH) with its top entry named name, on out_fd. */
int cp_write_tar(int out_fd, int src, const char *name, struct berth_error **err)
{
	struct archive *a = tar_writer_new(&out_fd);
	int r;

	if (!a)
		return berth_error_set(err, ENOMEM, "tar");
	r = write_entry(a, src, name, err);
	if (r < 0) {
		archive_write_free(a);
		return r;
	}
	return tar_writer_close(a, err);
}

/* --- unpacking into a directory --- */

#define RESOLVE_BELOW (RESOLVE_IN_ROOT | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS)

struct dir_time {
	char *path;
	struct timespec ts[2];
};

struct unpack {
	int dir;  /* the directory unpacked into: entries resolve below it */
	bool own; /* -a: the entries' owners, else ours */
	struct dir_time *times;
	size_t n_times;
};

/* Clean an entry's name: no leading "/", no "." components; a ".." that would climb
 * above the directory is refused. "" for the directory itself. */
static int entry_clean(const char *in, char **ret)
{
	_cleanup_(cp_path_release) struct cp_path p = {0};
	int r;

	for (const char *c = in; *c;) {
		size_t k = strcspn(c, "/");

		if (k == 2 && c[0] == '.' && c[1] == '.')
			return -EXDEV;
		c += k;
		if (*c == '/')
			c++;
	}
	r = cp_path_parse(in, false, &p);
	if (r < 0)
		return r;
	*ret = strdup(streq(p.clean, ".") ? "" : p.clean + (p.clean[0] == '/'));
	return *ret ? 0 : -ENOMEM;
}

/* The parent directory of an entry, made when missing (0755). */
static int open_parent(struct unpack *u, const char *parent, const char *entry, int *ret_fd,
		       struct berth_error **err)
{
	_cleanup_free_ char *copy = strdup(parent);
	_cleanup_close_ int cur = -EBADF;
	char *p, *next;

	if (!copy)
		return berth_error_set(err, ENOMEM, "unpack '%s'", entry);
	cur = cp_openat2(u->dir, "", O_PATH | O_DIRECTORY, RESOLVE_BELOW);
	if (cur < 0)
		return berth_error_set(err, -cur, "unpack '%s'", entry);
	for (p = *copy ? copy : NULL; p; p = next) {
		int fd;

		next = strchr(p, '/');
		if (next)
			*next++ = 0;
		fd = cp_openat2(cur, p, O_PATH | O_DIRECTORY, RESOLVE_BELOW);
		if (fd == -ENOENT) {
			if (mkdirat(cur, p, 0755) < 0 && errno != EEXIST)
				return berth_error_set(err, errno, "unpack '%s': mkdir '%s'", entry,
						       p);
			fd = cp_openat2(cur, p, O_PATH | O_DIRECTORY, RESOLVE_BELOW);
		}
		if (fd == -ELOOP || fd == -ENOTDIR)
			return berth_error_new(err, ENOTDIR, "unpack '%s': '%s' is not a directory",
					       entry, p);
		if (fd < 0)
			return berth_error_set(err, -fd, "unpack '%s': open '%s'", entry, p);
		close(cur);
		cur = fd;
	}
	*ret_fd = TAKE_FD(cur);
	return 0;
}

static void entry_times(struct archive_entry *e, struct timespec ts[2])
{
	ts[0].tv_sec =
	    archive_entry_atime_is_set(e) ? archive_entry_atime(e) : archive_entry_mtime(e);
	ts[0].tv_nsec = archive_entry_atime_is_set(e) ? archive_entry_atime_nsec(e) : 0;
	ts[1].tv_sec = archive_entry_mtime(e);
	ts[1].tv_nsec = archive_entry_mtime_nsec(e);
}

/* Owner (with -a), mode and times of what was made as base in pfd: through fd when
 * there is one (opath: an O_PATH fd, whose file is reached as /proc/self/fd/N, the very
 * inode, never a symlink swapped in for it), else (a symlink) by name, never following. */
static int apply_meta(struct unpack *u, struct archive_entry *e, int pfd, const char *base, int fd,
		      bool opath, const char *entry, struct berth_error **err)
{
	mode_t type = archive_entry_filetype(e), perm = archive_entry_perm(e);
	struct timespec ts[2];
	char proc[64];
	int k;

	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
	if (u->own) {
		uid_t uid = (uid_t)archive_entry_uid(e);
		gid_t gid = (gid_t)archive_entry_gid(e);

		if (fd < 0)
			k = fchownat(pfd, base, uid, gid, AT_SYMLINK_NOFOLLOW);
		else
			k = opath ? fchownat(fd, "", uid, gid, AT_EMPTY_PATH)
				  : fchown(fd, uid, gid);
		if (k < 0)
			return berth_error_set(err, errno, "unpack '%s': chown", entry);
	}
	if (fd >= 0 && (opath ? chmod(proc, perm) : fchmod(fd, perm)) < 0)
		return berth_error_set(err, errno, "unpack '%s': chmod", entry);
	entry_times(e, ts);
	if (type == AE_IFDIR)
		return 0; /* last, once its entries are in */
	if (fd < 0)
		k = utimensat(pfd, base, ts, AT_SYMLINK_NOFOLLOW);
	else
		k = opath ? utimensat(AT_FDCWD, proc, ts, 0) : futimens(fd, ts);
	if (k < 0)
		return berth_error_set(err, errno, "unpack '%s': set times", entry);
	return 0;
}

static int unpack_data(struct archive *a, int fd, const char *entry, struct berth_error **err)
{
	for (;;) {
		const void *buf;
		size_t n;
		la_int64_t off;
		int k = archive_read_data_block(a, &buf, &n, &off);

		if (k == ARCHIVE_EOF)
			break;
		if (k < ARCHIVE_WARN)
			return tar_fail(a, entry, err);
		for (size_t done = 0; done < n;) {
			ssize_t w = pwrite(fd, (const char *)buf + done, n - done,
					   (off_t)off + (off_t)done);

			if (w < 0 && errno == EINTR)
				continue;
			if (w < 0)
				return berth_error_set(err, errno, "unpack '%s': write", entry);
			done += (size_t)w;
		}
	}
	return 0;
}

static int unpack_entry(struct unpack *u, struct archive *a, struct archive_entry *e,
			struct berth_error **err)
{
	const char *entry = archive_entry_pathname(e), *hardlink = archive_entry_hardlink(e);
	_cleanup_free_ char *path = NULL, *parent = NULL, *link = NULL;
	_cleanup_close_ int pfd = -EBADF, fd = -EBADF;
	mode_t type = archive_entry_filetype(e), perm = archive_entry_perm(e);
	const char *base;
	struct stat old;
	bool exists;
	int r;

	if (!entry)
		return berth_error_new(err, EINVAL, "unpack: an entry without a name");
	r = entry_clean(entry, &path);
	if (r == -EXDEV)
		return berth_error_new(err, EINVAL, "unpack '%s': path escapes the destination",
				       entry);
	if (r < 0)
		return berth_error_set(err, -r, "unpack '%s'", entry);
	if (!*path)
		return 0; /* the directory itself: it exists */
	base = strrchr(path, '/');
	parent = base ? strndup(path, (size_t)(base - path)) : strdup("");
	base = base ? base + 1 : path;
	if (!parent)
		return berth_error_set(err, ENOMEM, "unpack '%s'", entry);
	r = open_parent(u, parent, entry, &pfd, err);
	if (r < 0)
		return r;

	exists = fstatat(pfd, base, &old, AT_SYMLINK_NOFOLLOW) == 0;
	if (exists && S_ISDIR(old.st_mode) != (type == AE_IFDIR && !hardlink))
		return berth_error_new(
		    err, EEXIST,
		    S_ISDIR(old.st_mode)
			? "cannot overwrite directory \"%s\" with non-directory \"%s\""
			: "cannot overwrite non-directory \"%s\" with directory \"%s\"",
		    path, entry);
	if (exists && !S_ISDIR(old.st_mode) && unlinkat(pfd, base, 0) < 0)
		return berth_error_set(err, errno, "unpack '%s': remove the old one", entry);

	if (hardlink) {
		_cleanup_close_ int tfd = -EBADF;

		r = entry_clean(hardlink, &link);
		if (r < 0 || !*link)
			return berth_error_new(err, EINVAL, "unpack '%s': bad link target '%s'",
					       entry, hardlink);
		tfd = cp_openat2(u->dir, link, O_PATH | O_NOFOLLOW, RESOLVE_BELOW);
		if (tfd < 0)
			return berth_error_set(err, -tfd, "unpack '%s': link to '%s'", entry,
					       hardlink);
		if (linkat(tfd, "", pfd, base, AT_EMPTY_PATH) < 0)
			return berth_error_set(err, errno, "unpack '%s': link", entry);
		return 0;
	}
	switch (type) {
	case AE_IFREG:
		fd = openat(pfd, base, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
		if (fd < 0)
			return berth_error_set(err, errno, "unpack '%s'", entry);
		r = unpack_data(a, fd, entry, err);
		if (r >= 0 && ftruncate(fd, archive_entry_size(e)) < 0)
			r = berth_error_set(err, errno, "unpack '%s': truncate", entry);
		if (r < 0)
			return r;
		return apply_meta(u, e, pfd, base, fd, false, entry, err);
	case AE_IFDIR: {
		struct dir_time *t;

		if (!exists && mkdirat(pfd, base, 0700) < 0)
			return berth_error_set(err, errno, "unpack '%s': mkdir", entry);
		fd = openat(pfd, base, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0)
			return berth_error_set(err, errno, "unpack '%s'", entry);
		r = apply_meta(u, e, pfd, base, fd, false, entry, err);
		if (r < 0)
			return r;
		t = realloc(u->times, (u->n_times + 1) * sizeof(*t));
		if (!t)
			return berth_error_set(err, ENOMEM, "unpack '%s'", entry);
		u->times = t;
		t[u->n_times].path = TAKE_PTR(path);
		entry_times(e, t[u->n_times].ts);
		u->n_times++;
		return 0;
	}
	case AE_IFLNK:
		if (!archive_entry_symlink(e) || symlinkat(archive_entry_symlink(e), pfd, base) < 0)
			return berth_error_set(err, errno ? errno : EINVAL, "unpack '%s': symlink",
					       entry);
		return apply_meta(u, e, pfd, base, -1, false, entry, err);
	case AE_IFCHR:
	case AE_IFBLK:
	case AE_IFIFO:
		if (mknodat(pfd, base, type | perm, archive_entry_rdev(e)) < 0)
			return berth_error_set(err, errno, "unpack '%s': mknod", entry);
		/* by an fd of what we made: a container may put a symlink there meanwhile */
		fd = openat(pfd, base, O_PATH | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0 || fstat(fd, &old) < 0)
			return berth_error_set(err, errno, "unpack '%s'", entry);
		if ((old.st_mode & S_IFMT) != type)
			return berth_error_new(err, EBUSY, "unpack '%s': replaced while made",
					       entry);
		return apply_meta(u, e, pfd, base, fd, true, entry, err);
	case AE_IFSOCK:
		return 0;
	default:
		return berth_error_new(err, EINVAL, "unpack '%s': unsupported file type 0%o", entry,
				       (unsigned)type);
	}
}

/* Directory times last, deepest first, so their own entries do not change them. */
static void apply_dir_times(struct unpack *u)
{
	for (size_t i = u->n_times; i-- > 0;) {
		_cleanup_close_ int fd =
		    cp_openat2(u->dir, u->times[i].path, O_RDONLY | O_DIRECTORY, RESOLVE_BELOW);

		if (fd >= 0)
			(void)futimens(fd, u->times[i].ts);
	}
}

/* Unpack the tar read from in_fd into the directory dir (any fd of it). */
int cp_unpack_tar(int in_fd, int dir, bool own, struct berth_error **err)
{
	struct unpack u = {.dir = dir, .own = own};
	struct archive *a = archive_read_new();
	int r = 0;

	if (!a)
		return berth_error_set(err, ENOMEM, "unpack");
	archive_read_support_format_tar(a);
	archive_read_support_filter_none(a);
	archive_read_support_filter_gzip(a);
	archive_read_support_filter_xz(a);
	archive_read_support_filter_zstd(a);
	if (archive_read_open_fd(a, in_fd, 64 * 1024) != ARCHIVE_OK) {
		r = tar_fail(a, "-", err);
		goto out;
	}
	for (;;) {
		struct archive_entry *e;
		int k = archive_read_next_header(a, &e);

		if (k == ARCHIVE_EOF)
			break;
		if (k < ARCHIVE_WARN) {
			r = berth_error_new(err, EINVAL, "unpack: %s",
					    archive_error_string(a) ? archive_error_string(a)
								    : "not a tar archive");
			break;
		}
		r = unpack_entry(&u, a, e, err);
		if (r < 0)
			break;
	}
	apply_dir_times(&u);
out:
	for (size_t i = 0; i < u.n_times; i++)
		free(u.times[i].path);
	free(u.times);
	archive_read_free(a);
	return r;
}

/* In a child: the tar of src onto a pipe, which the caller unpacks into dir. */
int cp_copy_tree(int src, const char *name, int dir, bool own, struct berth_error **err)
{
	int data[2], sk[2], status, r;
	struct sync_msg m;
	pid_t pid;

	if (pipe2(data, O_CLOEXEC) < 0)
		return berth_error_set(err, errno, "pipe");
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sk) < 0) {
		r = berth_error_set(err, errno, "socketpair");
		close(data[0]);
		close(data[1]);
		return r;
	}
	pid = fork();
	if (pid < 0) {
		r = berth_error_set(err, errno, "fork");
		close(data[0]);
		close(data[1]);
		close(sk[0]);
		close(sk[1]);
		return r;
	}
	if (pid == 0) {
		struct berth_error *e = NULL;

		close(data[0]);
		close(sk[0]);
		signal(SIGPIPE, SIG_IGN);
		r = cp_write_tar(data[1], src, name, &e);
		if (r < 0)
			(void)sync_send_error(sk[1], -r, e);
		_exit(r < 0 ? 1 : 0);
	}
	close(data[1]);
	close(sk[1]);
	r = cp_unpack_tar(data[0], dir, own, err);
	close(data[0]); /* a writer still at it gets EPIPE */
	if (sync_recv(sk[0], &m, NULL) == 0 && m.type == SYNC_ERROR)
		r = sync_error_to(&m, err); /* the source's failure is the one to tell */
	close(sk[0]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (r >= 0 && (!WIFEXITED(status) || WEXITSTATUS(status) != 0))
		r = berth_error_new(err, EIO, "copy: the writer failed");
	return r;
}
