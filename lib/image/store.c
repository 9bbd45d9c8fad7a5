/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "berth/cleanup.h"
#include "berth/events.h"
#include "store.h"
#include "berth/util.h"

#define INDEX_SCHEMA_VERSION 1
#define COPY_BLOCK (128 * 1024)

/* json_decrefp() is jansson's own (2.9+). */
#define _cleanup_json_ _cleanup_(json_decrefp)

const char *digest_hex(const char *digest)
{
	const char *h = digest ? startswith(digest, "sha256:") : NULL;

	if (!h || strlen(h) != SHA256_HEX_SIZE - 1)
		return NULL;
	for (const char *p = h; *p; p++)
		if (!isdigit((unsigned char)*p) && !(*p >= 'a' && *p <= 'f'))
			return NULL;
	return h;
}

#define TMP_NAME_MAX 48

/* ".tmp-<pid>-<16 hex>": unique, and the sweep can tell whether its writer still
 * lives. */
static void tmp_name(char buf[TMP_NAME_MAX])
{
	uint64_t v;

	if (getrandom(&v, sizeof(v), GRND_NONBLOCK) != sizeof(v)) {
		struct timespec ts;

		clock_gettime(CLOCK_MONOTONIC, &ts);
		v = (uint64_t)ts.tv_nsec ^ ((uint64_t)ts.tv_sec << 32);
	}
	snprintf(buf, TMP_NAME_MAX, STORE_TMP_PREFIX "%d-%016llx", (int)getpid(),
		 (unsigned long long)v);
}

/* Whether the process that made temp name `name` may still be writing it. */
static bool tmp_owner_alive(const char *name)
{
	const char *p = startswith(name, STORE_TMP_PREFIX);
	char *end;
	long pid;

	if (!p)
		return false;
	errno = 0;
	pid = strtol(p, &end, 10);
	if (errno || end == p || *end != '-' || pid <= 0 || pid > INT_MAX)
		return false;
	if (pid == getpid())
		return true; /* ours: maybe another thread's work in progress */
	return kill((pid_t)pid, 0) == 0 || errno != ESRCH;
}

static int open_tmp_file_at(int dir_fd, mode_t mode, char **ret_name)
{
	for (int attempt = 0; attempt < 16; attempt++) {
		char name[TMP_NAME_MAX];
		int fd;

		tmp_name(name);
		fd = openat(dir_fd, name, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, mode);
		if (fd < 0 && errno == EEXIST)
			continue;
		if (fd < 0)
			return -errno;
		*ret_name = strdup(name);
		if (!*ret_name) {
			unlinkat(dir_fd, name, 0);
			close(fd);
			return -ENOMEM;
		}
		return fd;
	}
	return -EEXIST;
}

static int mkdir_tmp_at(int dir_fd, mode_t mode, char **ret_name)
{
	for (int attempt = 0; attempt < 16; attempt++) {
		char name[TMP_NAME_MAX];

		tmp_name(name);
		if (mkdirat(dir_fd, name, mode) < 0) {
			if (errno == EEXIST)
				continue;
			return -errno;
		}
		*ret_name = strdup(name);
		if (!*ret_name) {
			unlinkat(dir_fd, name, AT_REMOVEDIR);
			return -ENOMEM;
		}
		return 0;
	}
	return -EEXIST;
}

int write_atomic_at(int dir_fd, const char *name, const void *data, size_t n, mode_t mode)
{
	_cleanup_free_ char *tmp = NULL;
	_cleanup_close_ int fd = -EBADF;
	int r;

	fd = open_tmp_file_at(dir_fd, mode, &tmp);
	if (fd < 0)
		return fd;
	r = loop_write(fd, data, n);
	if (r >= 0 && fchmod(fd, mode) < 0)
		r = -errno;
	if (r >= 0 && fsync(fd) < 0)
		r = -errno;
	if (r >= 0 && renameat(dir_fd, tmp, dir_fd, name) < 0)
		r = -errno;
	if (r < 0) {
		unlinkat(dir_fd, tmp, 0);
		return r;
	}
	/* The rename itself must survive a crash too. */
	if (fsync(dir_fd) < 0)
		return -errno;
	return 0;
}

/* Give every directory below fd (and fd) u+rwx, so that an unprivileged owner can
 * delete a tree holding read-only directories (a layer's 0555 dirs). Never follows
 * symlinks. */
static void make_dirs_writable(int fd)
{
	_cleanup_closedir_ DIR *d = NULL;
	struct dirent *de;
	struct stat st;

	if (fstat(fd, &st) < 0 ||
	    ((st.st_mode & 0700) != 0700 && fchmod(fd, st.st_mode | 0700) < 0)) {
		close(fd);
		return;
	}
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return;
	}
	while ((de = readdir(d))) {
		int cfd;

		if (streq(de->d_name, ".") || streq(de->d_name, ".."))
			continue;
		if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
		    !S_ISDIR(st.st_mode))
			continue;
		/* A 0000 directory cannot even be opened before its mode is fixed; it is a
		 * directory (lstat above) in a tree only we write to. */
		if ((st.st_mode & 0700) != 0700)
			fchmodat(dirfd(d), de->d_name, st.st_mode | 0700, 0);
		cfd = openat(dirfd(d), de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (cfd >= 0)
			make_dirs_writable(cfd);
	}
}

int store_rm_tree_at(int dir_fd, const char *name)
{
	struct stat st;

	/* root has CAP_DAC_OVERRIDE: modes do not stop it, and are left alone. */
	if (geteuid() != 0 && fstatat(dir_fd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
	    S_ISDIR(st.st_mode)) {
		if ((st.st_mode & 0700) != 0700)
			fchmodat(dir_fd, name, st.st_mode | 0700, 0);
		int fd = openat(dir_fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd >= 0)
			make_dirs_writable(fd);
	}
	return rm_rf_at(dir_fd, name);
}

/* --- open, lock, sweep --- */

static int open_subdir(int dir_fd, const char *name, int *ret_fd)
{
	int fd;

	if (mkdirat(dir_fd, name, 0700) < 0 && errno != EEXIST)
		return -errno;
	fd = openat(dir_fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	*ret_fd = fd;
	return 0;
}

struct berth_store *berth_store_free(struct berth_store *s)
{
	if (s) {
		free(s->root);
		closep(&s->root_fd);
		closep(&s->blobs_fd);
		closep(&s->layers_fd);
		closep(&s->images_fd);
		free(s);
	}
	return NULL;
}

const char *berth_store_root(const struct berth_store *s)
{
	return s->root;
}

static void sweep_dir(int dir_fd);

int berth_store_open(const char *root, struct berth_store **ret_store, struct berth_error **err)
{
	_cleanup_(berth_store_freep) struct berth_store *s = NULL;
	_cleanup_close_ int blobs = -EBADF;
	char real[PATH_MAX];
	int r;

	if (!root)
		root = BERTH_STORE_DEFAULT_ROOT;
	if (!*root)
		return berth_error_new(err, EINVAL, "store root: empty path");
	/* 0711: others may traverse to what is exported from here later (container
	 * rootfs mounts), but may not list it; everything below is 0700 since layers
	 * hold set-uid binaries. */
	r = mkdir_p(root, 0711);
	if (r < 0)
		return berth_error_set(err, -r, "create store '%s'", root);
	if (!realpath(root, real))
		return berth_error_set(err, errno, "store '%s'", root);

	s = calloc(1, sizeof(*s));
	if (!s)
		return berth_error_set(err, ENOMEM, "store '%s'", root);
	s->root_fd = s->blobs_fd = s->layers_fd = s->images_fd = -EBADF;
	s->root = strdup(real);
	if (!s->root)
		return berth_error_set(err, ENOMEM, "store '%s'", root);
	s->root_fd = open(real, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (s->root_fd < 0)
		return berth_error_set(err, errno, "open store '%s'", real);
	if ((r = open_subdir(s->root_fd, "blobs", &blobs)) < 0 ||
	    (r = open_subdir(blobs, "sha256", &s->blobs_fd)) < 0)
		return berth_error_set(err, -r, "store '%s': blobs/sha256", real);
	if ((r = open_subdir(s->root_fd, "layers", &s->layers_fd)) < 0)
		return berth_error_set(err, -r, "store '%s': layers", real);
	if ((r = open_subdir(s->root_fd, "images", &s->images_fd)) < 0)
		return berth_error_set(err, -r, "store '%s': images", real);
	/* what an interrupted load, import, commit or pull left goes at the next open */
	sweep_dir(s->blobs_fd);
	sweep_dir(s->layers_fd);
	sweep_dir(s->images_fd);
	*ret_store = TAKE_PTR(s);
	return 0;
}

/* Remove what writers that died left behind. Writers make their temp files without
 * the lock (so that a long unpack blocks nobody) and name them by pid: what belongs to
 * a live process stays, so no lock is needed (done at every open and under the
 * exclusive lock). */
static void sweep_dir(int dir_fd)
{
	_cleanup_closedir_ DIR *d = NULL;
	int fd = openat(dir_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	struct dirent *de;

	if (fd < 0)
		return;
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return;
	}
	while ((de = readdir(d)))
		if (startswith(de->d_name, STORE_TMP_PREFIX) && !tmp_owner_alive(de->d_name))
			store_rm_tree_at(dirfd(d), de->d_name);
}

static int lock_file(struct berth_store *s, const char *name, bool exclusive, int *ret_fd,
		     struct berth_error **err)
{
	_cleanup_close_ int fd = -EBADF;

	fd = openat(s->root_fd, name, O_RDONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return berth_error_set(err, errno, "store lock '%s/%s'", s->root, name);
	while (flock(fd, exclusive ? LOCK_EX : LOCK_SH) < 0)
		if (errno != EINTR)
			return berth_error_set(err, errno, "store lock '%s/%s'", s->root, name);
	*ret_fd = TAKE_FD(fd);
	return 0;
}

int store_import_lock(struct berth_store *s, int *ret_fd, struct berth_error **err)
{
	return lock_file(s, "import.lock", true, ret_fd, err);
}

int store_lock(struct berth_store *s, bool exclusive, int *ret_fd, struct berth_error **err)
{
	_cleanup_close_ int fd = -EBADF;
	int r = lock_file(s, "lock", exclusive, &fd, err);

	if (r < 0)
		return r;
	if (exclusive) {
		sweep_dir(s->blobs_fd);
		sweep_dir(s->layers_fd);
		sweep_dir(s->images_fd);
	}
	*ret_fd = TAKE_FD(fd);
	return 0;
}

/* --- blobs --- */

int store_blob_begin(struct berth_store *s, struct blob_writer *w, struct berth_error **err)
{
	int fd = open_tmp_file_at(s->blobs_fd, 0600, &w->tmp_name);

	if (fd < 0)
		return berth_error_set(err, -fd, "create blob in '%s/blobs/sha256'", s->root);
	w->fd = fd;
	w->size = 0;
	w->hex[0] = 0;
	sha256_init(&w->sha);
	return 0;
}

int store_blob_append(struct blob_writer *w, const void *data, size_t n, struct berth_error **err)
{
	int r = loop_write(w->fd, data, n);

	if (r < 0)
		return berth_error_set(err, -r, "write blob");
	sha256_update(&w->sha, data, n);
	w->size += n;
	return 0;
}

int store_blob_append_fd(struct blob_writer *w, int fd, struct berth_error **err)
{
	_cleanup_free_ char *buf = malloc(COPY_BLOCK);

	if (!buf)
		return berth_error_set(err, ENOMEM, "copy");
	for (;;) {
		ssize_t k = read(fd, buf, COPY_BLOCK);
		int r;

		if (k < 0) {
			if (errno == EINTR)
				continue;
			return berth_error_set(err, errno, "read");
		}
		if (k == 0)
			return 0;
		r = store_blob_append(w, buf, (size_t)k, err);
		if (r < 0)
			return r;
	}
}

int store_blob_finish(struct blob_writer *w, struct berth_error **err)
{
	if (fsync(w->fd) < 0)
		return berth_error_set(err, errno, "sync blob");
	sha256_final_hex(&w->sha, w->hex);
	return 0;
}

int store_blob_commit(struct berth_store *s, struct blob_writer *w, const char *expected,
		      bool *ret_created, struct berth_error **err)
{
	bool created = true;

	if (expected && (!digest_hex(expected) || !streq(digest_hex(expected), w->hex)))
		return berth_error_new(err, EIO,
				       "blob digest mismatch: expected '%s', got "
				       "'sha256:%s'",
				       expected, w->hex);
	if (renameat2(s->blobs_fd, w->tmp_name, s->blobs_fd, w->hex, RENAME_NOREPLACE) < 0) {
		if (errno != EEXIST)
			return berth_error_set(err, errno, "store blob 'sha256:%s'", w->hex);
		/* Content-addressed: the existing blob is the same bytes. */
		unlinkat(s->blobs_fd, w->tmp_name, 0);
		created = false;
	} else if (fsync(s->blobs_fd) < 0) {
		return berth_error_set(err, errno, "sync '%s/blobs/sha256'", s->root);
	}
	free(w->tmp_name);
	w->tmp_name = NULL;
	if (ret_created)
		*ret_created = created;
	return 0;
}

void store_blob_abort(struct berth_store *s, struct blob_writer *w)
{
	if (w->tmp_name)
		unlinkat(s->blobs_fd, w->tmp_name, 0);
	free(w->tmp_name);
	w->tmp_name = NULL;
	closep(&w->fd);
	w->fd = -EBADF;
}

int store_blob_write(struct berth_store *s, const void *data, size_t n, char **ret_digest,
		     bool *ret_created, struct berth_error **err)
{
	struct blob_writer w = BLOB_WRITER_INIT;
	char *digest;
	int r;

	r = store_blob_begin(s, &w, err);
	if (r >= 0)
		r = store_blob_append(&w, data, n, err);
	if (r >= 0)
		r = store_blob_finish(&w, err);
	if (r >= 0)
		r = store_blob_commit(s, &w, NULL, ret_created, err);
	if (r >= 0) {
		digest = xasprintf("sha256:%s", w.hex);
		if (!digest)
			r = berth_error_set(err, ENOMEM, "blob");
		else
			*ret_digest = digest;
	}
	store_blob_abort(s, &w);
	return r;
}

int store_blob_read(struct berth_store *s, const char *digest, char **ret_data, size_t *ret_size,
		    struct berth_error **err)
{
	const char *hex = digest_hex(digest);
	_cleanup_close_ int fd = -EBADF;
	_cleanup_free_ char *data = NULL;
	char got[SHA256_HEX_SIZE];
	size_t n;
	int r;

	if (!hex)
		return berth_error_new(err, EINVAL, "invalid digest '%s'", digest);
	fd = openat(s->blobs_fd, hex, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return berth_error_set(err, errno, "blob '%s'", digest);
	r = read_full_fd(fd, &data, &n);
	if (r < 0)
		return berth_error_set(err, -r, "read blob '%s'", digest);
	sha256_hex(data, n, got);
	if (!streq(got, hex))
		return berth_error_new(err, EIO,
				       "blob '%s' is corrupt (its content hashes to "
				       "sha256:%s)",
				       digest, got);
	*ret_data = TAKE_PTR(data);
	*ret_size = n;
	return 0;
}

int store_blob_remove(struct berth_store *s, const char *digest)
{
	const char *hex = digest_hex(digest);

	if (!hex)
		return -EINVAL;
	if (unlinkat(s->blobs_fd, hex, 0) < 0 && errno != ENOENT)
		return -errno;
	return 0;
}

/* --- layer records --- */

struct layer_record *layer_record_free(struct layer_record *l)
{
	if (l) {
		free(l->chain_id);
		free(l->diff_id);
		free(l->parent);
		free(l->blob);
		free(l->media_type);
		free(l);
	}
	return NULL;
}
DEFINE_FREEP(struct layer_record, layer_record_free)

char *store_layer_diff_path(struct berth_store *s, const char *chain_id)
{
	const char *hex = digest_hex(chain_id);

	return hex ? xasprintf("%s/layers/%s/" STORE_LAYER_DIFF, s->root, hex) : NULL;
}

bool store_layer_exists(struct berth_store *s, const char *chain_id)
{
	_cleanup_free_ char *p = NULL;
	const char *hex = digest_hex(chain_id);

	if (!hex)
		return false;
	p = xasprintf("%s/" STORE_LAYER_RECORD, hex);
	return p && faccessat(s->layers_fd, p, F_OK, AT_SYMLINK_NOFOLLOW) == 0;
}

static int json_get_digest(json_t *o, const char *key, bool optional, char **ret)
{
	json_t *v = json_object_get(o, key);

	if (optional && (!v || json_is_null(v))) {
		*ret = NULL;
		return 0;
	}
	if (!json_is_string(v) || !digest_hex(json_string_value(v)))
		return -EINVAL;
	*ret = strdup(json_string_value(v));
	return *ret ? 0 : -ENOMEM;
}

int store_layer_load(struct berth_store *s, const char *chain_id, struct layer_record **ret,
		     struct berth_error **err)
{
	_cleanup_(layer_record_freep) struct layer_record *l = NULL;
	_cleanup_free_ char *path = NULL, *data = NULL;
	_cleanup_json_ json_t *root = NULL;
	_cleanup_close_ int fd = -EBADF;
	const char *hex = digest_hex(chain_id);
	json_error_t jerr;
	json_t *mt;
	size_t n;
	int r;

	if (!hex)
		return berth_error_new(err, EINVAL, "invalid layer id '%s'", chain_id);
	path = xasprintf("%s/" STORE_LAYER_RECORD, hex);
	if (!path)
		return berth_error_set(err, ENOMEM, "layer '%s'", chain_id);
	fd = openat(s->layers_fd, path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return berth_error_set(err, errno, "layer '%s'", chain_id);
	r = read_full_fd(fd, &data, &n);
	if (r < 0)
		return berth_error_set(err, -r, "layer '%s'", chain_id);
	root = json_loadb(data, n, 0, &jerr);
	if (!json_is_object(root))
		return berth_error_new(err, EINVAL, "layer '%s': %s: invalid JSON", chain_id,
				       STORE_LAYER_RECORD);
	l = calloc(1, sizeof(*l));
	if (!l)
		return berth_error_set(err, ENOMEM, "layer '%s'", chain_id);
	if (json_get_digest(root, "chain_id", false, &l->chain_id) < 0 ||
	    json_get_digest(root, "diff_id", false, &l->diff_id) < 0 ||
	    json_get_digest(root, "parent", true, &l->parent) < 0 ||
	    json_get_digest(root, "blob", true, &l->blob) < 0 || !streq(l->chain_id, chain_id))
		return berth_error_new(err, EINVAL, "layer '%s': %s: invalid record", chain_id,
				       STORE_LAYER_RECORD);
	mt = json_object_get(root, "media_type");
	if (json_is_string(mt) && !(l->media_type = strdup(json_string_value(mt))))
		return berth_error_set(err, ENOMEM, "layer '%s'", chain_id);
	l->size = json_integer_value(json_object_get(root, "size"));
	l->blob_size = json_integer_value(json_object_get(root, "blob_size"));
	l->entries = json_integer_value(json_object_get(root, "entries"));
	*ret = TAKE_PTR(l);
	return 0;
}

static char *layer_record_format(const struct layer_record *l)
{
	_cleanup_json_ json_t *o = NULL;

	/* clang-format off */
	o = json_pack("{s:s, s:s, s:s?, s:s?, s:s?, s:I, s:I, s:I}",
		      "chain_id", l->chain_id,
		      "diff_id", l->diff_id,
		      "parent", l->parent,
		      "blob", l->blob,
		      "media_type", l->media_type,
		      "blob_size", (json_int_t)l->blob_size,
		      "size", (json_int_t)l->size,
		      "entries", (json_int_t)l->entries);
	/* clang-format on */
	return o ? json_dumps(o, JSON_INDENT(2) | JSON_PRESERVE_ORDER) : NULL;
}

void store_layer_discard(struct berth_store *s, const char *tmp)
{
	if (tmp)
		store_rm_tree_at(s->layers_fd, tmp);
}

int store_layer_begin(struct berth_store *s, const struct layer_record *rec, char **ret_tmp,
		      int *ret_diff_fd, struct berth_error **err)
{
	_cleanup_free_ char *tmp = NULL;
	_cleanup_close_ int tmp_fd = -EBADF, diff_fd = -EBADF;
	int r;

	if (!digest_hex(rec->chain_id))
		return berth_error_new(err, EINVAL, "invalid layer id '%s'", rec->chain_id);
	/* Unpack next to the final place and rename when complete: a half-unpacked
	 * layer is never visible under its chain id. */
	r = mkdir_tmp_at(s->layers_fd, 0700, &tmp);
	if (r < 0)
		return berth_error_set(err, -r, "create layer dir in '%s/layers'", s->root);
	tmp_fd = openat(s->layers_fd, tmp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (tmp_fd < 0) {
		r = berth_error_set(err, errno, "open layer dir");
		goto fail;
	}
	if (mkdirat(tmp_fd, STORE_LAYER_DIFF, 0755) < 0) {
		r = berth_error_set(err, errno, "create layer diff dir");
		goto fail;
	}
	diff_fd = openat(tmp_fd, STORE_LAYER_DIFF, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (diff_fd < 0) {
		r = berth_error_set(err, errno, "open layer diff dir");
		goto fail;
	}
	*ret_tmp = TAKE_PTR(tmp);
	*ret_diff_fd = TAKE_FD(diff_fd);
	return 0;
fail:
	store_layer_discard(s, tmp);
	return r;
}

int store_layer_end(struct berth_store *s, const char *tmp, int diff_fd,
		    const struct layer_record *rec, struct berth_error **err)
{
	_cleanup_free_ char *json = NULL;
	_cleanup_close_ int tmp_fd = openat(s->layers_fd, tmp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	int r;

	if (tmp_fd < 0)
		return berth_error_set(err, errno, "open layer dir");
	json = layer_record_format(rec);
	if (!json)
		return berth_error_set(err, ENOMEM, "layer record");
	r = write_atomic_at(tmp_fd, STORE_LAYER_RECORD, json, strlen(json), 0600);
	if (r < 0)
		return berth_error_set(err, -r, "write layer record");
	/* One syncfs instead of an fsync per unpacked file: the layer's content is on
	 * disk before its name appears. */
	if (syncfs(diff_fd) < 0)
		return berth_error_set(err, errno, "sync layer");
	return 0;
}

int store_layer_commit(struct berth_store *s, const char *tmp, const char *chain_id,
		       bool *ret_created, struct berth_error **err)
{
	const char *hex = digest_hex(chain_id);

	if (!hex)
		return berth_error_new(err, EINVAL, "invalid layer id '%s'", chain_id);
	if (renameat2(s->layers_fd, tmp, s->layers_fd, hex, RENAME_NOREPLACE) < 0) {
		if (errno != EEXIST)
			return berth_error_set(err, errno, "store layer '%s'", chain_id);
		/* Someone committed the same content first: theirs is as good. */
		store_layer_discard(s, tmp);
		*ret_created = false;
		return 0;
	}
	if (fsync(s->layers_fd) < 0) {
		int r = berth_error_set(err, errno, "sync '%s/layers'", s->root);
		store_layer_remove(s, chain_id, NULL);
		return r;
	}
	*ret_created = true;
	return 0;
}

int store_layer_remove(struct berth_store *s, const char *chain_id, struct berth_error **err)
{
	_cleanup_free_ char *tmp = NULL;
	const char *hex = digest_hex(chain_id);
	char name[TMP_NAME_MAX];
	int r;

	if (!hex)
		return berth_error_new(err, EINVAL, "invalid layer id '%s'", chain_id);
	/* Renamed to a temp name first: from here on nobody finds a half-deleted layer,
	 * and if we crash the next writer's sweep finishes the job. */
	tmp_name(name);
	if (renameat(s->layers_fd, hex, s->layers_fd, name) < 0) {
		if (errno == ENOENT)
			return 0;
		return berth_error_set(err, errno, "remove layer '%s'", chain_id);
	}
	r = store_rm_tree_at(s->layers_fd, name);
	if (r < 0)
		return berth_error_set(err, -r, "remove layer '%s'", chain_id);
	return 0;
}

bool store_blob_used_by_layers(struct berth_store *s, const char *blob, const char *except_chain_id)
{
	_cleanup_closedir_ DIR *d = NULL;
	struct dirent *de;
	int fd = openat(s->layers_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0)
		return true; /* when in doubt, keep the blob */
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return true;
	}
	while ((de = readdir(d))) {
		_cleanup_(layer_record_freep) struct layer_record *l = NULL;
		_cleanup_free_ char *id = NULL;

		if (de->d_name[0] == '.')
			continue;
		id = xasprintf("sha256:%s", de->d_name);
		if (!id)
			return true;
		if (except_chain_id && streq(id, except_chain_id))
			continue;
		if (store_layer_load(s, id, &l, NULL) < 0)
			continue;
		if (streq_ptr(l->blob, blob))
			return true;
	}
	return false;
}

/* --- the index --- */

void store_index_release(struct store_index *idx)
{
	strv_free(idx->images);
	for (size_t i = 0; i < idx->n_refs; i++) {
		free(idx->refs[i].name);
		free(idx->refs[i].id);
	}
	free(idx->refs);
	*idx = (struct store_index){0};
}

const char *store_index_ref(const struct store_index *idx, const char *name)
{
	for (size_t i = 0; i < idx->n_refs; i++)
		if (streq(idx->refs[i].name, name))
			return idx->refs[i].id;
	return NULL;
}

int store_index_set_ref(struct store_index *idx, const char *name, const char *id)
{
	struct store_ref *nr;
	char *n, *i;

	for (size_t k = 0; k < idx->n_refs; k++)
		if (streq(idx->refs[k].name, name)) {
			i = strdup(id);
			if (!i)
				return -ENOMEM;
			free(idx->refs[k].id);
			idx->refs[k].id = i;
			return 0;
		}
	nr = realloc(idx->refs, (idx->n_refs + 1) * sizeof(*nr));
	if (!nr)
		return -ENOMEM;
	idx->refs = nr;
	n = strdup(name);
	i = strdup(id);
	if (!n || !i) {
		free(n);
		free(i);
		return -ENOMEM;
	}
	idx->refs[idx->n_refs++] = (struct store_ref){n, i};
	return 0;
}

bool store_index_remove_ref(struct store_index *idx, const char *name)
{
	for (size_t k = 0; k < idx->n_refs; k++)
		if (streq(idx->refs[k].name, name)) {
			free(idx->refs[k].name);
			free(idx->refs[k].id);
			memmove(idx->refs + k, idx->refs + k + 1,
				(idx->n_refs - k - 1) * sizeof(*idx->refs));
			idx->n_refs--;
			return true;
		}
	return false;
}

int store_index_add_image(struct store_index *idx, const char *id)
{
	if (strv_contains(idx->images, id))
		return 0;
	if (!idx->images) {
		idx->images = calloc(1, sizeof(char *));
		if (!idx->images)
			return -ENOMEM;
	}
	return strv_extend(&idx->images, id);
}

bool store_index_remove_image(struct store_index *idx, const char *id)
{
	size_t n = strv_length(idx->images);

	for (size_t k = 0; k < n; k++)
		if (streq(idx->images[k], id)) {
			free(idx->images[k]);
			memmove(idx->images + k, idx->images + k + 1, (n - k) * sizeof(char *));
			return true;
		}
	return false;
}

size_t store_index_refs_to(const struct store_index *idx, const char *id)
{
	size_t n = 0;

	for (size_t k = 0; k < idx->n_refs; k++)
		if (streq(idx->refs[k].id, id))
			n++;
	return n;
}

int store_index_load(struct berth_store *s, struct store_index *ret, struct berth_error **err)
{
	_cleanup_(store_index_releasep) struct store_index idx = {0};
	_cleanup_free_ char *data = NULL;
	_cleanup_json_ json_t *root = NULL;
	_cleanup_close_ int fd = -EBADF;
	json_error_t jerr;
	json_t *images, *refs, *v;
	const char *key;
	size_t n, i;
	int r;

	idx.images = calloc(1, sizeof(char *));
	if (!idx.images)
		return berth_error_set(err, ENOMEM, "image index");
	fd = openat(s->images_fd, STORE_INDEX, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0 && errno == ENOENT) {
		*ret = idx;
		idx = (struct store_index){0};
		return 0;
	}
	if (fd < 0)
		return berth_error_set(err, errno, "image index '%s/images/%s'", s->root,
				       STORE_INDEX);
	r = read_full_fd(fd, &data, &n);
	if (r < 0)
		return berth_error_set(err, -r, "image index '%s/images/%s'", s->root, STORE_INDEX);
	root = json_loadb(data, n, JSON_REJECT_DUPLICATES, &jerr);
	if (!json_is_object(root))
		return berth_error_new(err, EINVAL, "image index '%s/images/%s': invalid JSON",
				       s->root, STORE_INDEX);
	if (json_integer_value(json_object_get(root, "schemaVersion")) != INDEX_SCHEMA_VERSION)
		return berth_error_new(err, EINVAL,
				       "image index '%s/images/%s': unknown "
				       "schemaVersion",
				       s->root, STORE_INDEX);
	images = json_object_get(root, "images");
	refs = json_object_get(root, "refs");
	if (!json_is_array(images) || !json_is_object(refs))
		return berth_error_new(err, EINVAL, "image index '%s/images/%s': invalid", s->root,
				       STORE_INDEX);
	json_array_foreach(images, i, v)
	{
		if (!digest_hex(json_string_value(v)))
			return berth_error_new(err, EINVAL,
					       "image index: images[%zu]: invalid "
					       "id",
					       i);
		if (store_index_add_image(&idx, json_string_value(v)) < 0)
			return berth_error_set(err, ENOMEM, "image index");
	}
	json_object_foreach(refs, key, v)
	{
		if (!digest_hex(json_string_value(v)))
			return berth_error_new(err, EINVAL,
					       "image index: refs['%s']: invalid "
					       "id",
					       key);
		if (store_index_set_ref(&idx, key, json_string_value(v)) < 0)
			return berth_error_set(err, ENOMEM, "image index");
	}
	*ret = idx;
	idx = (struct store_index){0};
	return 0;
}

int store_index_save(struct berth_store *s, const struct store_index *idx, struct berth_error **err)
{
	_cleanup_json_ json_t *root = NULL;
	_cleanup_free_ char *data = NULL;
	json_t *images, *refs;
	int r;

	root = json_object();
	images = json_array();
	refs = json_object();
	if (!root || !images || !refs) {
		json_decref(images);
		json_decref(refs);
		return berth_error_set(err, ENOMEM, "image index");
	}
	if (json_object_set_new(root, "schemaVersion", json_integer(INDEX_SCHEMA_VERSION)) < 0 ||
	    json_object_set_new(root, "images", images) < 0 ||
	    json_object_set_new(root, "refs", refs) < 0)
		return berth_error_set(err, ENOMEM, "image index");
	for (size_t i = 0; idx->images && idx->images[i]; i++)
		if (json_array_append_new(images, json_string(idx->images[i])) < 0)
			return berth_error_set(err, ENOMEM, "image index");
	for (size_t i = 0; i < idx->n_refs; i++)
		if (json_object_set_new(refs, idx->refs[i].name, json_string(idx->refs[i].id)) < 0)
			return berth_error_set(err, ENOMEM, "image index");
	data = json_dumps(root, JSON_INDENT(2) | JSON_SORT_KEYS);
	if (!data)
		return berth_error_set(err, ENOMEM, "image index");
	r = write_atomic_at(s->images_fd, STORE_INDEX, data, strlen(data), 0600);
	if (r < 0)
		return berth_error_set(err, -r, "write image index '%s/images/%s'", s->root,
				       STORE_INDEX);
	return 0;
}

/* (here, not in layer.c: what only looks images up links no archive code) */
int layer_chain_id(const char *parent, const char *diff_id, char **ret)
{
	_cleanup_free_ char *s = NULL;
	char hex[SHA256_HEX_SIZE];
	char *r;

	if (!parent) {
		r = strdup(diff_id);
	} else {
		s = xasprintf("%s %s", parent, diff_id);
		if (!s)
			return -ENOMEM;
		sha256_hex(s, strlen(s), hex);
		r = xasprintf("sha256:%s", hex);
	}
	if (!r)
		return -ENOMEM;
	*ret = r;
	return 0;
}

void store_event(struct berth_store *s, const char *action, const char *id, const char *name)
{
	struct berth_event_attr a[] = {{"name", name ? name : id}};

	(void)berth_event_append(berth_store_root(s), "image", action, id, a, ELEMENTSOF(a));
}
