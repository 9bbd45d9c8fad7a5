/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "berth/cleanup.h"
#include "store.h"
#include "layer.h"
#include "berth/util.h"

#define WHITEOUT_PREFIX ".wh."
#define WHITEOUT_META_PREFIX ".wh..wh."
#define WHITEOUT_OPAQUE ".wh..wh..opq"
#define OVERLAY_OPAQUE_XATTR "trusted.overlay.opaque"

#define READ_BLOCK (128 * 1024)

/* Every lookup inside the layer: "/" and ".." are clamped to the layer root, and no
 * symlink (magic or not) is followed. Symlinks written by earlier entries can point
 * anywhere; they are data for the container, never a path for us. */
#define RESOLVE_LAYER (RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_SYMLINKS)

static void archive_freep(struct archive **a)
{
	if (*a)
		archive_read_free(*a);
}

static int openat2_in(int dirfd, const char *path, int flags)
{
	struct open_how how = {
	    .flags = (uint64_t)(flags | O_CLOEXEC),
	    .resolve = RESOLVE_LAYER,
	};
	long fd = syscall(SYS_openat2, dirfd, *path ? path : ".", &how, sizeof(how));

	return fd < 0 ? -errno : (int)fd;
}

/* Readers accept tar only, plain or with the compressions OCI layers use. Filters are
 * named one by one: _all() would also register external programs (lrzip, grzip...)
 * that libarchive runs when it has no built-in decoder. */
static struct archive *archive_open_layer(int fd, bool raw, struct berth_error **err)
{
	struct archive *a;

	if (lseek(fd, 0, SEEK_SET) < 0) {
		berth_error_set(err, errno, "seek tar");
		return NULL;
	}
	a = archive_read_new();
	if (!a) {
		berth_error_set(err, ENOMEM, "read tar");
		return NULL;
	}
	archive_read_support_filter_gzip(a);
	archive_read_support_filter_xz(a);
	archive_read_support_filter_zstd(a);
	if (raw)
		archive_read_support_format_raw(a);
	else
		archive_read_support_format_tar(a);
	if (archive_read_open_fd(a, fd, READ_BLOCK) != ARCHIVE_OK) {
		berth_error_new(err, EINVAL, "read tar: %s", archive_error_string(a));
		archive_read_free(a);
		return NULL;
	}
	return a;
}

static int archive_err(struct archive *a, struct berth_error **err, const char *ctx)
{
	int e = archive_errno(a);
	const char *msg = archive_error_string(a);

	/* libarchive uses -1 and EILSEQ-like codes for format errors. */
	if (e <= 0 || e == EILSEQ)
		e = EINVAL;
	return berth_error_new(err, e, "%s: %s", ctx, msg ? msg : strerror(e));
}

const char *layer_media_type(enum layer_compression c)
{
	static const char *const table[_LAYER_COMPRESSION_MAX] = {
	    [LAYER_COMPRESSION_NONE] = "application/vnd.oci.image.layer.v1.tar",
	    [LAYER_COMPRESSION_GZIP] = "application/vnd.oci.image.layer.v1.tar+gzip",
	    [LAYER_COMPRESSION_ZSTD] = "application/vnd.oci.image.layer.v1.tar+zstd",
	    [LAYER_COMPRESSION_XZ] = "application/vnd.berth.image.layer.v1.tar+xz",
	};

	return c >= 0 && c < _LAYER_COMPRESSION_MAX ? table[c] : NULL;
}

int layer_diff_id(int tar_fd, const struct layer_limits *limits, char ret_hex[SHA256_HEX_SIZE],
		  enum layer_compression *ret_compression, struct berth_error **err)
{
	enum layer_compression comp;
	static const struct layer_limits defaults = LAYER_LIMITS_DEFAULT;
	_cleanup_(archive_freep) struct archive *a = NULL;
	struct archive_entry *e;
	struct sha256_ctx ctx;
	uint64_t total = 0, bound;
	_cleanup_free_ char *buf = NULL;
	int r;

	if (!limits)
		limits = &defaults;
	/* Headers and padding on top of the content: generous, but still a bound, so a
	 * decompression bomb stops here. */
	bound = limits->max_total_size + limits->max_entries * 4096;
	a = archive_open_layer(tar_fd, true, err);
	if (!a)
		return err && *err ? -(*err)->errnum : -EINVAL;
	r = archive_read_next_header(a, &e);
	if (r == ARCHIVE_EOF) {
		/* Empty input: nothing to decompress. */
		*ret_compression = LAYER_COMPRESSION_NONE;
		return 0;
	}
	if (r < ARCHIVE_WARN)
		return archive_err(a, err, "read tar");
	switch (archive_filter_code(a, 0)) {
	case ARCHIVE_FILTER_NONE:
		*ret_compression = LAYER_COMPRESSION_NONE;
		return 0;
	case ARCHIVE_FILTER_GZIP:
		comp = LAYER_COMPRESSION_GZIP;
		break;
	case ARCHIVE_FILTER_ZSTD:
		comp = LAYER_COMPRESSION_ZSTD;
		break;
	case ARCHIVE_FILTER_XZ:
		comp = LAYER_COMPRESSION_XZ;
		break;
	default:
		return berth_error_new(err, EINVAL, "read tar: unsupported compression '%s'",
				       archive_filter_name(a, 0));
	}
	buf = malloc(READ_BLOCK);
	if (!buf)
		return berth_error_set(err, ENOMEM, "read tar");
	sha256_init(&ctx);
	for (;;) {
		la_ssize_t k = archive_read_data(a, buf, READ_BLOCK);

		if (k < 0)
			return archive_err(a, err, "decompress tar");
		if (k == 0)
			break;
		total += (uint64_t)k;
		if (total > bound)
			return berth_error_new(err, E2BIG, "decompress tar: more than %llu bytes",
					       (unsigned long long)bound);
		sha256_update(&ctx, buf, (size_t)k);
	}
	sha256_final_hex(&ctx, ret_hex);
	*ret_compression = comp;
	return 0;
}

int layer_has_entries(int tar_fd, struct berth_error **err)
{
	_cleanup_(archive_freep) struct archive *a = NULL;
	struct archive_entry *e;
	int r;

	a = archive_open_layer(tar_fd, false, err);
	if (!a)
		return err && *err ? -(*err)->errnum : -EINVAL;
	r = archive_read_next_header(a, &e);
	if (r == ARCHIVE_EOF)
		return 0;
	if (r < ARCHIVE_WARN)
		return archive_err(a, err, "read tar");
	return 1;
}

/* --- the unpacker --- */

struct dir_meta {
	char *path;   /* cleaned, "" for the layer root */
	size_t index; /* order in the archive: the last entry for a path wins */
	mode_t mode;
	struct timespec times[2];
};

struct unpack {
	struct archive *a;
	int root_fd;
	const struct layer_limits *limits;
	struct layer_stats stats;
	bool is_root;
	struct dir_meta *dirs;
	size_t n_dirs, alloc_dirs;
};

/*
 * Clean a tar name lexically: drop leading '/', empty and "." components, apply "..".
 * A ".." that would leave the root is refused rather than clamped: a layer that tries
 * it is hostile or broken, and either way not something to half-apply. "" is the root.
 * Returns -EXDEV for an escape, -ENAMETOOLONG, -ENOMEM.
 */
static int clean_path(const char *in, char **ret)
{
	size_t n = strlen(in), len = 0;
	_cleanup_free_ char *out = NULL;

	if (n >= PATH_MAX)
		return -ENAMETOOLONG;
	out = malloc(n + 1);
	if (!out)
		return -ENOMEM;
	for (const char *p = in; *p;) {
		const char *slash = strchr(p, '/');
		size_t k = slash ? (size_t)(slash - p) : strlen(p);

		if (k == 0 || (k == 1 && p[0] == '.')) {
			/* nothing */
		} else if (k == 2 && p[0] == '.' && p[1] == '.') {
			if (len == 0)
				return -EXDEV;
			while (len > 0 && out[len - 1] != '/')
				len--;
			if (len > 0)
				len--; /* the separator */
		} else {
			if (k > NAME_MAX)
				return -ENAMETOOLONG;
			if (len > 0)
				out[len++] = '/';
			memcpy(out + len, p, k);
			len += k;
		}
		p += k;
		if (*p == '/')
			p++;
	}
	out[len] = 0;
	*ret = TAKE_PTR(out);
	return 0;
}

static int clean_error(const char *entry, const char *what, const char *name, int r,
		       struct berth_error **err)
{
	if (r == -EXDEV && what)
		return berth_error_new(err, EINVAL, "entry '%s': %s '%s' escapes the layer root",
				       entry, what, name);
	if (r == -EXDEV)
		return berth_error_new(err, EINVAL, "entry '%s': path escapes the layer root",
				       entry);
	if (r == -ENAMETOOLONG)
		return berth_error_new(err, ENAMETOOLONG, "entry '%.100s...': %s too long", entry,
				       what ? what : "path");
	return berth_error_set(err, -r, "entry '%s'", entry);
}

/* Split "a/b/c" into "a/b" and "c" in place; base of "c" is "c" with parent "". */
static void split_path(char *path, const char **ret_parent, const char **ret_base)
{
	char *slash = strrchr(path, '/');

	if (slash) {
		*slash = 0;
		*ret_parent = path;
		*ret_base = slash + 1;
	} else {
		*ret_parent = "";
		*ret_base = path;
	}
}

static int open_error(const char *entry, const char *path, int r, struct berth_error **err)
{
	switch (-r) {
	case ELOOP:
		return berth_error_new(
		    err, EINVAL, "entry '%s': '%s' is a symlink, refusing to write through it",
		    entry, path);
	case ENOTDIR:
		return berth_error_new(err, EINVAL, "entry '%s': '%s' is not a directory", entry,
				       path);
	case EXDEV:
		return berth_error_new(err, EINVAL, "entry '%s': '%s' escapes the layer root",
				       entry, path);
	default:
		return berth_error_set(err, -r, "entry '%s': open '%s'", entry, path);
	}
}

/* Open the directory `parent` (cleaned) inside the root, creating missing components
 * (0755, like tar does for directories an archive never lists). */
static int open_parent(struct unpack *u, const char *entry, const char *parent, int *ret_fd,
		       struct berth_error **err)
{
	_cleanup_free_ char *copy = NULL;
	_cleanup_close_ int cur = -EBADF;
	char *p, *slash;
	int fd;

	fd = openat2_in(u->root_fd, parent, O_RDONLY | O_DIRECTORY);
	if (fd >= 0) {
		*ret_fd = fd;
		return 0;
	}
	if (fd != -ENOENT)
		return open_error(entry, parent, fd, err);

	copy = strdup(parent);
	if (!copy)
		return berth_error_set(err, ENOMEM, "entry '%s'", entry);
	cur = openat2_in(u->root_fd, "", O_RDONLY | O_DIRECTORY);
	if (cur < 0)
		return open_error(entry, ".", cur, err);
	for (p = copy; p; p = slash ? slash + 1 : NULL) {
		bool created = false;

		slash = strchr(p, '/');
		if (slash)
			*slash = 0;
		fd = openat2_in(cur, p, O_RDONLY | O_DIRECTORY);
		if (fd == -ENOENT) {
			if (mkdirat(cur, p, 0755) < 0 && errno != EEXIST)
				return berth_error_set(err, errno, "entry '%s': mkdir '%s'", entry,
						       copy);
			created = true;
			fd = openat2_in(cur, p, O_RDONLY | O_DIRECTORY);
		}
		if (fd < 0)
			return open_error(entry, copy, fd, err);
		if (created && fchmod(fd, 0755) < 0) {
			int e = errno;
			close(fd);
			return berth_error_set(err, e, "entry '%s': chmod '%s'", entry, copy);
		}
		close(cur);
		cur = fd;
		if (slash)
			*slash = '/';
	}
	*ret_fd = TAKE_FD(cur);
	return 0;
}

/* Make room for a new entry called base in dir_fd: tar semantics, the later entry
 * wins. A directory replacing a directory keeps it (and its contents). */
static int remove_existing(int dir_fd, const char *base, bool new_is_dir, const char *entry,
			   struct berth_error **err)
{
	struct stat st;
	int r;

	if (fstatat(dir_fd, base, &st, AT_SYMLINK_NOFOLLOW) < 0) {
		if (errno == ENOENT)
			return 0;
		return berth_error_set(err, errno, "entry '%s': stat", entry);
	}
	if (S_ISDIR(st.st_mode)) {
		if (new_is_dir)
			return 0;
		r = rm_rf_at(dir_fd, base);
		if (r < 0)
			return berth_error_set(err, -r, "entry '%s': remove existing directory",
					       entry);
		return 0;
	}
	if (unlinkat(dir_fd, base, 0) < 0 && errno != ENOENT)
		return berth_error_set(err, errno, "entry '%s': remove existing file", entry);
	return 0;
}

static void entry_times(struct archive_entry *e, struct timespec ts[2])
{
	if (archive_entry_mtime_is_set(e)) {
		ts[1].tv_sec = archive_entry_mtime(e);
		ts[1].tv_nsec = archive_entry_mtime_nsec(e);
	} else {
		ts[1].tv_sec = 0;
		ts[1].tv_nsec = UTIME_OMIT;
	}
	if (archive_entry_atime_is_set(e)) {
		ts[0].tv_sec = archive_entry_atime(e);
		ts[0].tv_nsec = archive_entry_atime_nsec(e);
	} else {
		ts[0] = ts[1];
	}
}

static int entry_owner(struct archive_entry *e, const char *entry, uid_t *uid, gid_t *gid,
		       struct berth_error **err)
{
	la_int64_t eu = archive_entry_uid(e), eg = archive_entry_gid(e);

	/* (uid_t)-1 means "unchanged" to chown(2): never a valid owner. */
	if (eu < 0 || eg < 0 || eu >= (la_int64_t)UINT32_MAX || eg >= (la_int64_t)UINT32_MAX)
		return berth_error_new(err, EINVAL, "entry '%s': owner %lld:%lld out of range",
				       entry, (long long)eu, (long long)eg);
	*uid = (uid_t)eu;
	*gid = (gid_t)eg;
	return 0;
}

/* chown: as root always; otherwise only a no-op is possible, so skip it. */
static int apply_owner(struct unpack *u, int dir_fd, const char *base, int fd,
		       struct archive_entry *e, const char *entry, struct berth_error **err)
{
	uid_t uid = 0;
	gid_t gid = 0;
	int r;

	r = entry_owner(e, entry, &uid, &gid, err);
	if (r < 0)
		return r;
	if (!u->is_root)
		return 0;
	r = fd >= 0 ? fchown(fd, uid, gid) : fchownat(dir_fd, base, uid, gid, AT_SYMLINK_NOFOLLOW);
	if (r < 0)
		return berth_error_set(err, errno, "entry '%s': chown %u:%u", entry, uid, gid);
	return 0;
}

static bool skip_xattr(const char *name)
{
	/* Overlay's private xattrs are the kernel's to interpret (redirect, metacopy,
	 * origin, opaque): a layer must not be able to forge them. Opaque dirs arrive as
	 * .wh..wh..opq and are converted by us. */
	return startswith(name, "trusted.overlay.") || startswith(name, "user.overlay.");
}

/* xattrs, after chown: chown(2) clears security.capability. fd is the open file or
 * dir, or -1 for symlinks, devices and fifos (set through our own dir fd). */
static int apply_xattrs(int dir_fd, const char *base, int fd, struct archive_entry *e,
			const char *entry, struct berth_error **err)
{
	const char *name;
	const void *value;
	size_t size;

	if (archive_entry_xattr_reset(e) == 0)
		return 0;
	while (archive_entry_xattr_next(e, &name, &value, &size) == ARCHIVE_OK) {
		char path[64 + NAME_MAX];
		int r;

		if (!name || skip_xattr(name))
			continue;
		if (fd >= 0) {
			r = fsetxattr(fd, name, value, size, 0);
		} else {
			/* /proc/self/fd/N is our own directory; base is not followed. */
			snprintf(path, sizeof(path), "/proc/self/fd/%d/%s", dir_fd, base);
			r = lsetxattr(path, name, value, size, 0);
		}
		if (r < 0) {
			if ((errno == ENOTSUP || errno == EPERM) && startswith(name, "user."))
				continue; /* fs without user xattrs, or on a symlink */
			return berth_error_set(err, errno, "entry '%s': set xattr '%s'", entry,
					       name);
		}
	}
	return 0;
}

static int write_data(struct unpack *u, int fd, struct archive_entry *e, const char *entry,
		      struct berth_error **err)
{
	uint64_t written = 0;

	for (;;) {
		const void *block;
		size_t size;
		la_int64_t offset;
		int r = archive_read_data_block(u->a, &block, &size, &offset);

		if (r == ARCHIVE_EOF)
			break;
		if (r < ARCHIVE_WARN) {
			archive_err(u->a, err, "read tar");
			return berth_error_wrap(err, "entry '%s'", entry);
		}
		if (offset < 0 || (uint64_t)offset + size > u->limits->max_file_size)
			return berth_error_new(err, E2BIG,
					       "entry '%s': file larger than %llu bytes", entry,
					       (unsigned long long)u->limits->max_file_size);
		written += size;
		if (u->stats.size + written > u->limits->max_total_size)
			return berth_error_new(
			    err, E2BIG, "entry '%s': layer content larger than %llu bytes", entry,
			    (unsigned long long)u->limits->max_total_size);
		for (size_t done = 0; done < size;) {
			ssize_t k = pwrite(fd, (const char *)block + done, size - done,
					   (off_t)(offset + (la_int64_t)done));
			if (k < 0) {
				if (errno == EINTR)
					continue;
				return berth_error_set(err, errno, "entry '%s': write", entry);
			}
			done += (size_t)k;
		}
	}
	/* Sparse files may end in a hole: the declared size is the real one. */
	if (archive_entry_size_is_set(e) && ftruncate(fd, archive_entry_size(e)) < 0)
		return berth_error_set(err, errno, "entry '%s': truncate", entry);
	u->stats.size += written;
	return 0;
}

static int unpack_file(struct unpack *u, struct archive_entry *e, int dir_fd, const char *base,
		       const char *entry, struct berth_error **err)
{
	_cleanup_close_ int fd = -EBADF;
	struct timespec ts[2];
	la_int64_t size = archive_entry_size(e);
	int r;

	if (size < 0 || (uint64_t)size > u->limits->max_file_size)
		return berth_error_new(err, E2BIG, "entry '%s': file larger than %llu bytes", entry,
				       (unsigned long long)u->limits->max_file_size);
	fd = openat(dir_fd, base, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return berth_error_set(err, errno, "entry '%s': create", entry);
	r = write_data(u, fd, e, entry, err);
	if (r < 0)
		return r;
	/* chown before chmod (chown clears set-id bits) and before xattrs (it clears
	 * security.capability). */
	r = apply_owner(u, dir_fd, base, fd, e, entry, err);
	if (r < 0)
		return r;
	if (fchmod(fd, archive_entry_perm(e) & 07777) < 0)
		return berth_error_set(err, errno, "entry '%s': chmod", entry);
	r = apply_xattrs(dir_fd, base, fd, e, entry, err);
	if (r < 0)
		return r;
	entry_times(e, ts);
	if (futimens(fd, ts) < 0)
		return berth_error_set(err, errno, "entry '%s': set times", entry);
	return 0;
}

static int defer_dir(struct unpack *u, const char *path, struct archive_entry *e,
		     struct berth_error **err)
{
	struct dir_meta *d;

	if (u->n_dirs == u->alloc_dirs) {
		size_t n = u->alloc_dirs ? u->alloc_dirs * 2 : 64;
		struct dir_meta *nd = realloc(u->dirs, n * sizeof(*nd));

		if (!nd)
			return berth_error_set(err, ENOMEM, "entry '%s'", path);
		u->dirs = nd;
		u->alloc_dirs = n;
	}
	d = &u->dirs[u->n_dirs];
	d->path = strdup(path);
	if (!d->path)
		return berth_error_set(err, ENOMEM, "entry '%s'", path);
	d->index = u->n_dirs;
	d->mode = archive_entry_perm(e) & 07777;
	entry_times(e, d->times);
	u->n_dirs++;
	return 0;
}

static int unpack_dir(struct unpack *u, struct archive_entry *e, int dir_fd, const char *base,
		      const char *path, const char *entry, struct berth_error **err)
{
	_cleanup_close_ int fd = -EBADF;
	int r;

	if (*base) {
		/* Created 0700: mode and times are applied once all entries are written
		 * (children change a directory's mtime; a 0555 dir would stop them). */
		if (mkdirat(dir_fd, base, 0700) < 0 && errno != EEXIST)
			return berth_error_set(err, errno, "entry '%s': mkdir", entry);
		fd = openat2_in(dir_fd, base, O_RDONLY | O_DIRECTORY);
	} else {
		fd = openat2_in(u->root_fd, "", O_RDONLY | O_DIRECTORY);
	}
	if (fd < 0)
		return open_error(entry, entry, fd, err);
	r = apply_owner(u, dir_fd, base, fd, e, entry, err);
	if (r < 0)
		return r;
	r = apply_xattrs(dir_fd, base, fd, e, entry, err);
	if (r < 0)
		return r;
	return defer_dir(u, path, e, err);
}

static int unpack_symlink(struct unpack *u, struct archive_entry *e, int dir_fd, const char *base,
			  const char *entry, struct berth_error **err)
{
	const char *target = archive_entry_symlink(e);
	struct timespec ts[2];
	int r;

	if (!target || !*target)
		return berth_error_new(err, EINVAL, "entry '%s': symlink without a target", entry);
	if (strlen(target) >= PATH_MAX)
		return berth_error_new(err, ENAMETOOLONG, "entry '%s': symlink target too long",
				       entry);
	/* The target is stored as is: it is resolved later, inside the container's root,
	 * and never by us. */
	if (symlinkat(target, dir_fd, base) < 0)
		return berth_error_set(err, errno, "entry '%s': symlink", entry);
	r = apply_owner(u, dir_fd, base, -1, e, entry, err);
	if (r < 0)
		return r;
	r = apply_xattrs(dir_fd, base, -1, e, entry, err);
	if (r < 0)
		return r;
	entry_times(e, ts);
	if (utimensat(dir_fd, base, ts, AT_SYMLINK_NOFOLLOW) < 0)
		return berth_error_set(err, errno, "entry '%s': set times", entry);
	return 0;
}

static int unpack_hardlink(struct unpack *u, const char *link, int dir_fd, const char *base,
			   const char *entry, struct berth_error **err)
{
	_cleanup_free_ char *target = NULL;
	_cleanup_close_ int tdir = -EBADF;
	const char *tparent, *tbase;
	int r;

	r = clean_path(link, &target);
	if (r < 0)
		return clean_error(entry, "hard link target", link, r, err);
	if (!*target)
		return berth_error_new(err, EINVAL, "entry '%s': hard link to the layer root",
				       entry);
	split_path(target, &tparent, &tbase);
	tdir = openat2_in(u->root_fd, tparent, O_RDONLY | O_DIRECTORY);
	if (tdir < 0) {
		if (tdir == -ENOENT)
			return berth_error_new(err, EINVAL,
					       "entry '%s': hard link target '%s' does not exist",
					       entry, link);
		return open_error(entry, link, tdir, err);
	}
	/* No AT_SYMLINK_FOLLOW: a link to a symlink links the symlink itself. */
	if (linkat(tdir, tbase, dir_fd, base, 0) < 0) {
		if (errno == ENOENT)
			return berth_error_new(err, EINVAL,
					       "entry '%s': hard link target '%s' does not exist",
					       entry, link);
		return berth_error_set(err, errno, "entry '%s': hard link to '%s'", entry, link);
	}
	return 0;
}

static int unpack_node(struct unpack *u, struct archive_entry *e, int dir_fd, const char *base,
		       const char *entry, struct berth_error **err)
{
	mode_t type = archive_entry_filetype(e);
	dev_t dev = type == AE_IFIFO ? 0 : archive_entry_rdev(e);
	struct timespec ts[2];
	int r;

	if (mknodat(dir_fd, base, type | 0600, dev) < 0)
		return berth_error_set(err, errno, "entry '%s': mknod", entry);
	r = apply_owner(u, dir_fd, base, -1, e, entry, err);
	if (r < 0)
		return r;
	/* base was just created by us as a node in a private directory: not a symlink. */
	if (fchmodat(dir_fd, base, archive_entry_perm(e) & 07777, 0) < 0)
		return berth_error_set(err, errno, "entry '%s': chmod", entry);
	r = apply_xattrs(dir_fd, base, -1, e, entry, err);
	if (r < 0)
		return r;
	entry_times(e, ts);
	if (utimensat(dir_fd, base, ts, AT_SYMLINK_NOFOLLOW) < 0)
		return berth_error_set(err, errno, "entry '%s': set times", entry);
	return 0;
}

/* AUFS-style whiteouts, as docker and the OCI image spec use in layer tars, become
 * overlayfs whiteouts so the diff dir can be a lowerdir as is. Only the name makes a
 * marker, whatever the entry's type: some tools write ".wh..wh..opq" as a directory,
 * and docker and containerd make its parent opaque all the same. */
static int unpack_whiteout(struct unpack *u, struct archive_entry *e, int dir_fd, const char *base,
			   const char *entry, struct berth_error **err)
{
	const char *name = base + strlen(WHITEOUT_PREFIX);
	int r;

	if (streq(base, WHITEOUT_OPAQUE)) {
		if (fsetxattr(dir_fd, OVERLAY_OPAQUE_XATTR, "y", 1, 0) < 0)
			return berth_error_set(err, errno, "entry '%s': set %s", entry,
					       OVERLAY_OPAQUE_XATTR);
		return 0;
	}
	if (startswith(base, WHITEOUT_META_PREFIX))
		return 0; /* AUFS bookkeeping (.wh..wh.plnk, .wh..wh.aufs): not content */
	if (!*name || streq(name, ".") || streq(name, ".."))
		return berth_error_new(err, EINVAL, "entry '%s': invalid whiteout", entry);
	r = remove_existing(dir_fd, name, false, entry, err);
	if (r < 0)
		return r;
	if (mknodat(dir_fd, name, S_IFCHR | 0, makedev(0, 0)) < 0)
		return berth_error_set(err, errno, "entry '%s': create whiteout", entry);
	return apply_owner(u, dir_fd, name, -1, e, entry, err);
}

/* A whiteout is a marker, never a directory: an entry below one (say
 * "d/.wh..wh..opq/x", from a tool that wrote the marker as a directory with content)
 * would make a directory of that name in the layer, visible in the container. The
 * layer is refused rather than half-applied. AUFS bookkeeping directories
 * (.wh..wh.plnk/ and the like) are not markers and are left as they were. Returns the
 * length of parent up to the end of its first whiteout component, or 0. */
static size_t whiteout_in_parent(const char *parent)
{
	for (const char *p = parent; *p;) {
		const char *slash = strchrnul(p, '/');
		size_t len = (size_t)(slash - p);
		bool opaque = len == strlen(WHITEOUT_OPAQUE) && startswith(p, WHITEOUT_OPAQUE);

		if (startswith(p, WHITEOUT_PREFIX) &&
		    (opaque || !startswith(p, WHITEOUT_META_PREFIX)))
			return (size_t)(slash - parent);
		p = *slash ? slash + 1 : slash;
	}
	return 0;
}

static int unpack_entry(struct unpack *u, struct archive_entry *e, struct berth_error **err)
{
	const char *entry = archive_entry_pathname(e), *hardlink = archive_entry_hardlink(e);
	_cleanup_free_ char *path = NULL, *split = NULL;
	_cleanup_close_ int dir_fd = -EBADF;
	const char *parent, *base;
	mode_t type = archive_entry_filetype(e);
	size_t n;
	int r;

	if (!entry)
		return berth_error_new(err, EINVAL, "entry #%llu: no name",
				       (unsigned long long)u->stats.entries);
	r = clean_path(entry, &path);
	if (r < 0)
		return clean_error(entry, NULL, NULL, r, err);
	split = strdup(path);
	if (!split)
		return berth_error_set(err, ENOMEM, "entry '%s'", entry);
	split_path(split, &parent, &base);

	if (!*path) {
		if (type != AE_IFDIR || hardlink)
			return berth_error_new(
			    err, EINVAL, "entry '%s': the layer root must be a directory", entry);
		return unpack_dir(u, e, u->root_fd, "", path, entry, err);
	}

	n = whiteout_in_parent(parent);
	if (n > 0)
		return berth_error_new(err, EINVAL, "entry '%s': inside the whiteout '%.*s'", entry,
				       (int)n, parent);

	r = open_parent(u, entry, parent, &dir_fd, err);
	if (r < 0)
		return r;

	if (startswith(base, WHITEOUT_PREFIX))
		return unpack_whiteout(u, e, dir_fd, base, entry, err);

	r = remove_existing(dir_fd, base, !hardlink && type == AE_IFDIR, entry, err);
	if (r < 0)
		return r;
	if (hardlink)
		return unpack_hardlink(u, hardlink, dir_fd, base, entry, err);

	switch (type) {
	case AE_IFREG:
		return unpack_file(u, e, dir_fd, base, entry, err);
	case AE_IFDIR:
		return unpack_dir(u, e, dir_fd, base, path, entry, err);
	case AE_IFLNK:
		return unpack_symlink(u, e, dir_fd, base, entry, err);
	case AE_IFCHR:
	case AE_IFBLK:
	case AE_IFIFO:
		return unpack_node(u, e, dir_fd, base, entry, err);
	case AE_IFSOCK:
		return 0; /* like tar: sockets are not archived content */
	default:
		return berth_error_new(err, EINVAL, "entry '%s': unsupported file type 0%o", entry,
				       (unsigned)type);
	}
}

static int dir_meta_cmp(const void *a, const void *b)
{
	const struct dir_meta *x = a, *y = b;
	int c = strcmp(x->path, y->path);

	if (c)
		return c;
	return x->index < y->index ? -1 : x->index > y->index;
}

/* Directory modes and times, last: in reverse path order, so children come before
 * their parents, and for a path listed twice only its last entry applies. */
static int apply_dirs(struct unpack *u, struct berth_error **err)
{
	const char *prev = NULL;

	if (u->n_dirs > 1) /* qsort(NULL, 0, ...) is undefined */
		qsort(u->dirs, u->n_dirs, sizeof(*u->dirs), dir_meta_cmp);
	for (size_t i = u->n_dirs; i-- > 0;) {
		struct dir_meta *d = &u->dirs[i];
		_cleanup_close_ int fd = -EBADF;

		if (prev && streq(prev, d->path))
			continue;
		prev = d->path;
		fd = openat2_in(u->root_fd, d->path, O_RDONLY | O_DIRECTORY);
		if (fd == -ENOENT || fd == -ENOTDIR || fd == -ELOOP)
			continue; /* replaced or removed by a later entry */
		if (fd < 0)
			return open_error(d->path, d->path, fd, err);
		if (fchmod(fd, d->mode) < 0)
			return berth_error_set(err, errno, "entry '%s': chmod", d->path);
		if (futimens(fd, d->times) < 0)
			return berth_error_set(err, errno, "entry '%s': set times", d->path);
	}
	return 0;
}

static void unpack_release(struct unpack *u)
{
	for (size_t i = 0; i < u->n_dirs; i++)
		free(u->dirs[i].path);
	free(u->dirs);
	if (u->a)
		archive_read_free(u->a);
}

int layer_unpack(int tar_fd, int dir_fd, const struct layer_limits *limits,
		 struct layer_stats *ret_stats, struct berth_error **err)
{
	static const struct layer_limits defaults = LAYER_LIMITS_DEFAULT;
	struct unpack u = {
	    .root_fd = dir_fd,
	    .limits = limits ? limits : &defaults,
	    .is_root = geteuid() == 0,
	};
	int r = 0;

	u.a = archive_open_layer(tar_fd, false, err);
	if (!u.a)
		return err && *err ? -(*err)->errnum : -EINVAL;
	for (;;) {
		struct archive_entry *e;

		r = archive_read_next_header(u.a, &e);
		if (r == ARCHIVE_EOF) {
			r = 0;
			break;
		}
		if (r < ARCHIVE_WARN) {
			r = archive_err(u.a, err, "read tar");
			break;
		}
		if (++u.stats.entries > u.limits->max_entries) {
			r = berth_error_new(err, E2BIG, "entry '%s': more than %llu entries",
					    archive_entry_pathname(e) ? archive_entry_pathname(e)
								      : "",
					    (unsigned long long)u.limits->max_entries);
			break;
		}
		r = unpack_entry(&u, e, err);
		if (r < 0)
			break;
	}
	if (r >= 0)
		r = apply_dirs(&u, err);
	if (r >= 0 && ret_stats)
		*ret_stats = u.stats;
	unpack_release(&u);
	return r < 0 ? r : 0;
}

/* (here, not in store.c: only what unpacks layers links the archive code) */
int store_layer_prepare(struct berth_store *s, int tar_fd, struct layer_record *rec, char **ret_tmp,
			struct berth_error **err)
{
	_cleanup_free_ char *tmp = NULL;
	_cleanup_close_ int diff_fd = -EBADF;
	struct layer_stats stats;
	int r;

	r = store_layer_begin(s, rec, &tmp, &diff_fd, err);
	if (r < 0)
		return r;
	r = layer_unpack(tar_fd, diff_fd, NULL, &stats, err);
	if (r < 0) {
		berth_error_wrap(err, "unpack layer");
		goto fail;
	}
	rec->size = (int64_t)stats.size;
	rec->entries = (int64_t)stats.entries;
	r = store_layer_end(s, tmp, diff_fd, rec, err);
	if (r < 0)
		goto fail;
	*ret_tmp = TAKE_PTR(tmp);
	return 0;
fail:
	store_layer_discard(s, tmp);
	return r;
}
