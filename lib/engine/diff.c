/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * `berth diff`: a container's changes, read from its overlay's upper directory the way
 * docker's overlay driver reads them (archive.OverlayChanges): a whiteout (char device
 * 0:0) or an opaque directory (trusted.overlay.opaque=y) is a deletion, anything else
 * an addition unless a lower layer has the path (a change); a directory that a lower
 * layer has with the same mode, size and mtime is no change of its own, and the parent
 * of an addition or deletion is listed as changed before it, once.
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

#include "berth/engine.h"
#include "berth/image.h"
#include "berth/cleanup.h"
#include "berth/record.h"
#include "berth/util.h"

/* The engine's mount targets (as in export.c), made empty in the upper directory when
 * the image lacks them: docker keeps these in a layer of its own (the "-init" layer),
 * so they are never the container's changes, nor is /etc changed by their making. */
static const char *const engine_targets[] = {"/etc/hostname", "/etc/hosts", "/etc/resolv.conf"};

struct diff {
	char *const *layers; /* topmost first */
	char **lines;
	char **changed_dirs;
};

static bool engine_target(const char *path, const struct stat *st)
{
	if (!S_ISREG(st->st_mode) || st->st_size != 0)
		return false;
	for (size_t i = 0; i < ELEMENTSOF(engine_targets); i++)
		if (streq(path, engine_targets[i]))
			return true;
	return false;
}

static bool deleted(int dfd, const char *name, const struct stat *st)
{
	char v[2];

	if (S_ISCHR(st->st_mode) && st->st_rdev == makedev(0, 0))
		return true;
	if (S_ISDIR(st->st_mode)) {
		_cleanup_free_ char *p = xasprintf("/proc/self/fd/%d/%s", dfd, name);

		return p && lgetxattr(p, "trusted.overlay.opaque", v, sizeof(v)) == 1 &&
		       v[0] == 'y';
	}
	return false;
}

/* The path in the topmost lower layer that has it. */
static bool in_lower(const struct diff *d, const char *path, struct stat *ret)
{
	for (char *const *l = d->layers; l && *l; l++) {
		_cleanup_free_ char *p = xasprintf("%s%s", *l, path);

		if (p && lstat(p, ret) == 0)
			return true;
	}
	return false;
}

static int add(struct diff *d, char kind, const char *path, struct berth_error **err)
{
	char *line = xasprintf("%c %s", kind, path);

	if (!line || strv_push(&d->lines, line) < 0) {
		free(line);
		return berth_error_set(err, ENOMEM, "diff");
	}
	return 0;
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Has the directory name in dfd (path) engine targets in it, and nothing else? */
static bool only_engine_targets(int parent, const char *name, const char *path)
{
	int dfd = openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	_cleanup_closedir_ DIR *dir = dfd >= 0 ? fdopendir(dfd) : NULL;
	bool any = false;
	struct dirent *de;

	if (!dir) {
		if (dfd >= 0)
			close(dfd);
		return false;
	}
	while ((de = readdir(dir))) {
		_cleanup_free_ char *p = NULL;
		struct stat st;

		if (streq(de->d_name, ".") || streq(de->d_name, ".."))
			continue;
		p = xasprintf("%s/%s", path, de->d_name);
		if (!p || fstatat(dfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
		    !engine_target(p, &st))
			return false;
		any = true;
	}
	return any;
}

static int walk(struct diff *d, int dfd, const char *path, struct berth_error **err)
{
	_cleanup_strv_free_ char **names = NULL;
	_cleanup_closedir_ DIR *dir = fdopendir(fcntl(dfd, F_DUPFD_CLOEXEC, 3));
	struct dirent *de;
	int r;

	if (!dir)
		return berth_error_set(err, errno, "diff: read '%s'", *path ? path : "/");
	while ((de = readdir(dir)))
		if (!streq(de->d_name, ".") && !streq(de->d_name, "..") &&
		    strv_extend(&names, de->d_name) < 0)
			return berth_error_set(err, ENOMEM, "diff");
	if (names)
		qsort(names, strv_length(names), sizeof(*names), cmp_names);
	for (char **n = names; n && *n; n++) {
		_cleanup_free_ char *p = xasprintf("%s/%s", path, *n), *parent = NULL;
		struct stat st, low;
		char kind = 'A';

		if (!p)
			return berth_error_set(err, ENOMEM, "diff");
		if (fstatat(dfd, *n, &st, AT_SYMLINK_NOFOLLOW) < 0) {
			if (errno == ENOENT)
				continue;
			return berth_error_set(err, errno, "diff: stat '%s'", p);
		}
		if (engine_target(p, &st))
			continue;
		if (deleted(dfd, *n, &st)) {
			kind = 'D';
		} else if (in_lower(d, p, &low)) {
			kind = 'C';
			if (S_ISDIR(st.st_mode) && S_ISDIR(low.st_mode) &&
			    st.st_mode == low.st_mode && st.st_size == low.st_size &&
			    st.st_mtim.tv_sec == low.st_mtim.tv_sec &&
			    st.st_mtim.tv_nsec == low.st_mtim.tv_nsec)
				kind = 0; /* the same directory, copied up for what is below it */
			else if (S_ISDIR(st.st_mode) && streq(p, "/etc") &&
				 only_engine_targets(dfd, *n, p))
				continue;
		}
		if (kind && S_ISDIR(st.st_mode) && strv_extend(&d->changed_dirs, p) < 0)
			return berth_error_set(err, ENOMEM, "diff");
		if (kind == 'A' || kind == 'D') {
			parent = strndup(p, (size_t)(strrchr(p, '/') - p));
			if (!parent)
				return berth_error_set(err, ENOMEM, "diff");
			if (*parent && !strv_contains(d->changed_dirs, parent)) {
				r = add(d, 'C', parent, err);
				if (r < 0)
					return r;
				if (strv_extend(&d->changed_dirs, parent) < 0)
					return berth_error_set(err, ENOMEM, "diff");
			}
		}
		if (kind) {
			r = add(d, kind, p, err);
			if (r < 0)
				return r;
		}
		if (S_ISDIR(st.st_mode)) {
			_cleanup_close_ int cfd =
			    openat(dfd, *n, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

			if (cfd < 0)
				return berth_error_set(err, errno, "diff: open '%s'", p);
			r = walk(d, cfd, p, err);
			if (r < 0)
				return r;
		}
	}
	return 0;
}

int berth_engine_diff(struct berth_engine *e, const char *key, char ***ret,
		      struct berth_error **err)
{
	struct berth_store *s = berth_engine_store(e);
	_cleanup_free_ char *dir = NULL, *upper = NULL;
	_cleanup_close_ int fd = -EBADF;
	struct berth_image *img = NULL;
	struct diff d = {0};
	struct record rec;
	int r;

	r = record_find(berth_store_root(s), key, &dir, &rec, err);
	if (r < 0)
		return r;
	upper = xasprintf("%s/upper", dir);
	if (!upper) {
		r = berth_error_set(err, ENOMEM, "diff");
		goto out;
	}
	r = berth_image_lookup(s, rec.image_id, &img, err);
	if (r < 0) {
		berth_error_wrap(err, "image of container %.12s", rec.id);
		goto out;
	}
	fd = open(upper, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		r = berth_error_set(err, errno, "open '%s'", upper);
		goto out;
	}
	d.layers = img->layer_dirs;
	r = walk(&d, fd, "", err);
	if (r >= 0 && !d.lines && !(d.lines = calloc(1, sizeof(*d.lines))))
		r = berth_error_set(err, ENOMEM, "diff");
	if (r >= 0)
		*ret = TAKE_PTR(d.lines);
out:
	strv_free(d.lines);
	strv_free(d.changed_dirs);
	berth_image_free(img);
	record_clear(&rec);
	return r;
}
