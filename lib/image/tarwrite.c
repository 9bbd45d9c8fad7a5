/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Directory trees to tar: what `berth commit` makes of a container's upper directory
 * and `berth export` of its whole filesystem. See tarwrite.h.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>

#include "berth/cleanup.h"
#include "berth/tarwrite.h"
#include "berth/util.h"

#define OVL_OPAQUE "trusted.overlay.opaque"
#define WHITEOUT_PREFIX ".wh."
#define OPAQUE_NAME ".wh..wh..opq"

struct hardlink {
	dev_t dev;
	ino_t ino;
	char *path;
};

struct walker {
	struct archive *a;
	unsigned flags;
	char *const *skip_empty; /* paths of empty regular files to leave out */
	struct hardlink *links;
	size_t n_links;
	char buf[128 * 1024];
};

static void entry_freep(struct archive_entry **e)
{
	if (*e)
		archive_entry_free(*e);
}

static int archive_fail(struct walker *w, const char *path, struct berth_error **err)
{
	int e = archive_errno(w->a);

	return berth_error_new(err, e > 0 ? e : EIO, "tar: '%s': %s", path,
			       archive_error_string(w->a) ? archive_error_string(w->a)
							  : "write failed");
}

/* The xattrs of dir_fd/name (not following a symlink), minus overlay's own. An xattr
 * that cannot be read (EOPNOTSUPP, ENODATA racing a change) is left out. */
static int add_xattrs(struct archive_entry *e, int dir_fd, const char *name,
		      struct berth_error **err)
{
	_cleanup_free_ char *path = xasprintf("/proc/self/fd/%d/%s", dir_fd, name);
	_cleanup_free_ char *list = NULL;
	ssize_t n;

	if (!path)
		return berth_error_set(err, ENOMEM, "tar");
	n = llistxattr(path, NULL, 0);
	if (n <= 0)
		return 0;
	list = malloc((size_t)n);
	if (!list)
		return berth_error_set(err, ENOMEM, "tar");
	n = llistxattr(path, list, (size_t)n);
	for (ssize_t off = 0; n > 0 && off < n; off += (ssize_t)strlen(list + off) + 1) {
		const char *key = list + off;
		char value[65536];
		ssize_t vn;

		if (startswith(key, "trusted.overlay.") || startswith(key, "user.overlay."))
			continue;
		vn = lgetxattr(path, key, value, sizeof(value));
		if (vn >= 0)
			archive_entry_xattr_add_entry(e, key, value, (size_t)vn);
	}
	return 0;
}

static int write_header(struct walker *w, struct archive_entry *e, const char *path,
			struct berth_error **err)
{
	if (archive_write_header(w->a, e) < ARCHIVE_WARN)
		return archive_fail(w, path, err);
	return 0;
}

/* An empty regular file entry: an AUFS whiteout ".wh.NAME" or the opaque marker. */
static int write_marker(struct walker *w, const char *path, const struct stat *dir_st,
			struct berth_error **err)
{
	_cleanup_(entry_freep) struct archive_entry *e = archive_entry_new();

	if (!e)
		return berth_error_set(err, ENOMEM, "tar");
	archive_entry_set_pathname(e, path);
	archive_entry_set_filetype(e, AE_IFREG);
	archive_entry_set_perm(e, 0644);
	archive_entry_set_size(e, 0);
	archive_entry_set_mtime(e, dir_st->st_mtim.tv_sec, 0);
	return write_header(w, e, path, err);
}

static int write_file_data(struct walker *w, int fd, const char *path, struct berth_error **err)
{
	for (;;) {
		ssize_t n = read(fd, w->buf, sizeof(w->buf));

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return berth_error_set(err, errno, "tar: read '%s'", path);
		}
		if (n == 0)
			return 0;
		if (archive_write_data(w->a, w->buf, (size_t)n) != n)
			return archive_fail(w, path, err);
	}
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The names in dir_fd, sorted: the same tree always gives the same tar (and diff id). */
static int read_names(int dir_fd, char ***ret, struct berth_error **err)
{
	_cleanup_strv_free_ char **names = calloc(1, sizeof(char *));
	int fd = openat(dir_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	struct dirent *de;
	DIR *d;

	if (fd < 0 || !names) {
		if (fd >= 0)
			close(fd);
		return berth_error_set(err, fd < 0 ? errno : ENOMEM, "tar: open directory");
	}
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return berth_error_set(err, errno, "tar: open directory");
	}
	while ((de = readdir(d)))
		if (!streq(de->d_name, ".") && !streq(de->d_name, "..") &&
		    strv_extend(&names, de->d_name) < 0) {
			closedir(d);
			return berth_error_set(err, ENOMEM, "tar");
		}
	closedir(d);
	qsort(names, strv_length(names), sizeof(char *), name_cmp);
	*ret = TAKE_PTR(names);
	return 0;
}

static int walk(struct walker *w, int dir_fd, const char *prefix, struct berth_error **err);

static int write_entry(struct walker *w, int dir_fd, const char *name, const char *prefix,
		       struct berth_error **err)
{
	_cleanup_(entry_freep) struct archive_entry *e = NULL;
	_cleanup_free_ char *path = NULL;
	_cleanup_close_ int fd = -EBADF;
	struct stat st;
	int r;

	path = *prefix ? xasprintf("%s/%s", prefix, name) : strdup(name);
	if (!path)
		return berth_error_set(err, ENOMEM, "tar");
	if (fstatat(dir_fd, name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
		if (errno == ENOENT)
			return 0; /* gone meanwhile (a running container) */
		return berth_error_set(err, errno, "tar: stat '%s'", path);
	}
	if (S_ISSOCK(st.st_mode))
		return 0; /* docker and tar leave sockets out too */
	if (S_ISREG(st.st_mode) && st.st_size == 0 && strv_contains(w->skip_empty, path))
		return 0;

	if ((w->flags & TAR_OVERLAY_UPPER) && S_ISCHR(st.st_mode) && st.st_rdev == makedev(0, 0)) {
		/* An overlay whiteout: NAME was deleted from the layers below. */
		_cleanup_free_ char *wh = *prefix ? xasprintf("%s/" WHITEOUT_PREFIX "%s", prefix, name)
						  : xasprintf(WHITEOUT_PREFIX "%s", name);

		if (!wh)
			return berth_error_set(err, ENOMEM, "tar");
		return write_marker(w, wh, &st, err);
	}
	if ((w->flags & TAR_OVERLAY_UPPER) && startswith(name, WHITEOUT_PREFIX))
		return berth_error_new(err, EINVAL,
				       "tar: '%s': a file named like a whiteout cannot be "
				       "committed",
				       path);

	e = archive_entry_new();
	if (!e)
		return berth_error_set(err, ENOMEM, "tar");
	archive_entry_set_pathname(e, path);
	archive_entry_copy_stat(e, &st);
	/* No access or change times, no device/inode numbers in the output: only what
	 * the unpacker restores, so a round trip gives the same tar. */
	archive_entry_unset_atime(e);
	archive_entry_unset_ctime(e);
	archive_entry_unset_birthtime(e);
	archive_entry_set_dev(e, 0);
	archive_entry_set_ino(e, 0);
	archive_entry_set_nlink(e, 1);
	archive_entry_set_mtime(e, st.st_mtim.tv_sec, 0);
	r = add_xattrs(e, dir_fd, name, err);
	if (r < 0)
		return r;

	if (S_ISREG(st.st_mode) && st.st_nlink > 1) {
		for (size_t i = 0; i < w->n_links; i++)
			if (w->links[i].dev == st.st_dev && w->links[i].ino == st.st_ino) {
				archive_entry_set_hardlink(e, w->links[i].path);
				archive_entry_set_size(e, 0);
				return write_header(w, e, path, err);
			}
		struct hardlink *nl = realloc(w->links, (w->n_links + 1) * sizeof(*nl));

		if (!nl)
			return berth_error_set(err, ENOMEM, "tar");
		w->links = nl;
		w->links[w->n_links] = (struct hardlink){st.st_dev, st.st_ino, strdup(path)};
		if (!w->links[w->n_links].path)
			return berth_error_set(err, ENOMEM, "tar");
		w->n_links++;
	}

	if (S_ISLNK(st.st_mode)) {
		char target[PATH_MAX];
		ssize_t n = readlinkat(dir_fd, name, target, sizeof(target) - 1);

		if (n < 0)
			return berth_error_set(err, errno, "tar: readlink '%s'", path);
		target[n] = '\0';
		archive_entry_set_symlink(e, target);
		archive_entry_set_size(e, 0);
		return write_header(w, e, path, err);
	}
	if (S_ISREG(st.st_mode)) {
		fd = openat(dir_fd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY);
		if (fd < 0)
			return berth_error_set(err, errno, "tar: open '%s'", path);
		r = write_header(w, e, path, err);
		if (r < 0)
			return r;
		return write_file_data(w, fd, path, err);
	}
	if (S_ISDIR(st.st_mode)) {
		char opaque[2];
		ssize_t on = 0;

		fd = openat(dir_fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0)
			return berth_error_set(err, errno, "tar: open '%s'", path);
		r = write_header(w, e, path, err);
		if (r < 0)
			return r;
		if (w->flags & TAR_OVERLAY_UPPER) {
			on = fgetxattr(fd, OVL_OPAQUE, opaque, sizeof(opaque));
			if (on == 1 && opaque[0] == 'y') {
				/* Replaced directory: nothing below shows through. */
				_cleanup_free_ char *m = xasprintf("%s/" OPAQUE_NAME, path);

				if (!m)
					return berth_error_set(err, ENOMEM, "tar");
				r = write_marker(w, m, &st, err);
				if (r < 0)
					return r;
			}
			if (fgetxattr(fd, "trusted.overlay.redirect", NULL, 0) >= 0 ||
			    fgetxattr(fd, "trusted.overlay.metacopy", NULL, 0) >= 0)
				return berth_error_new(err, EINVAL,
						       "tar: '%s': overlay redirect or metacopy "
						       "entries cannot be committed",
						       path);
		}
		return walk(w, fd, path, err);
	}
	/* Devices and FIFOs: the header is all there is. */
	archive_entry_set_size(e, 0);
	return write_header(w, e, path, err);
}

static int walk(struct walker *w, int dir_fd, const char *prefix, struct berth_error **err)
{
	_cleanup_strv_free_ char **names = NULL;
	int r;

	r = read_names(dir_fd, &names, err);
	if (r < 0)
		return r;
	for (size_t i = 0; names[i]; i++) {
		r = write_entry(w, dir_fd, names[i], prefix, err);
		if (r < 0)
			return r;
	}
	return 0;
}

int tar_write_tree(struct archive *a, int dir_fd, const char *prefix, unsigned flags,
		   struct berth_error **err)
{
	return tar_write_tree_skipping(a, dir_fd, prefix, flags, NULL, err);
}

int tar_write_tree_skipping(struct archive *a, int dir_fd, const char *prefix, unsigned flags,
			    char *const *skip_empty, struct berth_error **err)
{
	struct walker *w = calloc(1, sizeof(*w));
	int r;

	if (!w)
		return berth_error_set(err, ENOMEM, "tar");
	w->a = a;
	w->flags = flags;
	w->skip_empty = skip_empty;
	r = walk(w, dir_fd, prefix ? prefix : "", err);
	for (size_t i = 0; i < w->n_links; i++)
		free(w->links[i].path);
	free(w->links);
	free(w);
	return r;
}

/* --- archives written to a blob or an fd --- */

static la_ssize_t fd_write(struct archive *a, void *userdata, const void *buf, size_t n)
{
	int r = loop_write(*(int *)userdata, buf, n);

	if (r < 0) {
		archive_set_error(a, -r, "write: %s", strerror(-r));
		return -1;
	}
	return (la_ssize_t)n;
}

struct archive *tar_writer_new(int *fd)
{
	struct archive *a = archive_write_new();

	if (!a)
		return NULL;
	/* pax for long names, big files and xattrs; 10 KiB blocks like tar(1), the
	 * last block padded so any tar reader is happy. */
	if (archive_write_set_format_pax_restricted(a) != ARCHIVE_OK ||
	    archive_write_add_filter_none(a) != ARCHIVE_OK ||
	    archive_write_open(a, fd, NULL, fd_write, NULL) != ARCHIVE_OK) {
		archive_write_free(a);
		return NULL;
	}
	return a;
}

int tar_add_bytes(struct archive *a, const char *path, const void *data, size_t n,
		  struct berth_error **err)
{
	_cleanup_(entry_freep) struct archive_entry *e = archive_entry_new();

	if (!e)
		return berth_error_set(err, ENOMEM, "tar");
	archive_entry_set_pathname(e, path);
	archive_entry_set_filetype(e, AE_IFREG);
	archive_entry_set_perm(e, 0644);
	archive_entry_set_size(e, (la_int64_t)n);
	archive_entry_set_mtime(e, 0, 0);
	if (archive_write_header(a, e) < ARCHIVE_WARN ||
	    (n && archive_write_data(a, data, n) != (la_ssize_t)n))
		return berth_error_new(err, EIO, "tar: '%s': %s", path,
				       archive_error_string(a) ? archive_error_string(a)
							       : "write failed");
	return 0;
}

int tar_add_dir(struct archive *a, const char *path, struct berth_error **err)
{
	_cleanup_(entry_freep) struct archive_entry *e = archive_entry_new();

	if (!e)
		return berth_error_set(err, ENOMEM, "tar");
	archive_entry_set_pathname(e, path);
	archive_entry_set_filetype(e, AE_IFDIR);
	archive_entry_set_perm(e, 0755);
	archive_entry_set_mtime(e, 0, 0);
	if (archive_write_header(a, e) < ARCHIVE_WARN)
		return berth_error_new(err, EIO, "tar: '%s': %s", path,
				       archive_error_string(a) ? archive_error_string(a)
							       : "write failed");
	return 0;
}

int tar_add_fd(struct archive *a, const char *path, int fd, uint64_t size,
	       struct berth_error **err)
{
	_cleanup_(entry_freep) struct archive_entry *e = archive_entry_new();
	char buf[128 * 1024];
	uint64_t done = 0;

	if (!e)
		return berth_error_set(err, ENOMEM, "tar");
	archive_entry_set_pathname(e, path);
	archive_entry_set_filetype(e, AE_IFREG);
	archive_entry_set_perm(e, 0644);
	archive_entry_set_size(e, (la_int64_t)size);
	archive_entry_set_mtime(e, 0, 0);
	if (archive_write_header(a, e) < ARCHIVE_WARN)
		goto fail;
	while (done < size) {
		ssize_t n = pread(fd, buf, sizeof(buf), (off_t)done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return berth_error_set(err, errno, "tar: read '%s'", path);
		if (n == 0)
			return berth_error_new(err, EIO, "tar: '%s': shorter than %llu bytes", path,
					       (unsigned long long)size);
		if (archive_write_data(a, buf, (size_t)n) != n)
			goto fail;
		done += (uint64_t)n;
	}
	return 0;
fail:
	return berth_error_new(err, EIO, "tar: '%s': %s", path,
			       archive_error_string(a) ? archive_error_string(a) : "write failed");
}

int tar_writer_close(struct archive *a, struct berth_error **err)
{
	int r = archive_write_close(a);

	if (r != ARCHIVE_OK) {
		r = berth_error_new(err, EIO, "tar: %s",
				    archive_error_string(a) ? archive_error_string(a)
							    : "close failed");
		archive_write_free(a);
		return r;
	}
	archive_write_free(a);
	return 0;
}

int tar_tree_to_tmpfile(int tmp_dir_fd, int dir_fd, unsigned flags, char *const *skip_empty,
			struct berth_error **err)
{
	_cleanup_close_ int out = openat(tmp_dir_fd, ".", O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	struct archive *a;
	int r;

	if (out < 0)
		return berth_error_set(err, errno, "temp file");
	a = tar_writer_new(&out);
	if (!a)
		return berth_error_set(err, ENOMEM, "tar");
	r = tar_write_tree_skipping(a, dir_fd, NULL, flags, skip_empty, err);
	if (r < 0) {
		archive_write_free(a);
		return r;
	}
	r = tar_writer_close(a, err);
	if (r < 0)
		return r;
	if (lseek(out, 0, SEEK_SET) < 0)
		return berth_error_set(err, errno, "seek");
	return TAKE_FD(out);
}
