/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * `berth import`: a tarball as a one-layer image. (Apart from image.c so that what only
 * looks images up links no archive code.)
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "berth/image.h"
#include "berth/cleanup.h"
#include "commit.h"
#include "config.h"
#include "layer.h"
#include "reference.h"
#include "store.h"
#include "berth/util.h"

DEFINE_FREEP(struct image_config, image_config_free)

/* The config of an image already in the store that `berth import` of these layers would
 * produce byte for byte, but for the time: reused, so importing the same tarball twice
 * gives the same image id (docker would make a new one each time). 1 and the config
 * when there is one, 0 when not. Read under the shared lock. */
static int find_imported_config(struct berth_store *s, char *const *diff_ids, char **ret_json,
				size_t *ret_n, struct berth_error **err)
{
	_cleanup_(store_index_releasep) struct store_index idx = {0};
	_cleanup_close_ int lock = -EBADF;
	int r;

	r = store_lock(s, false, &lock, err);
	if (r >= 0)
		r = store_index_load(s, &idx, err);
	if (r < 0)
		return r;
	for (size_t i = 0; idx.images && idx.images[i]; i++) {
		_cleanup_(image_config_freep) struct image_config *c = NULL;
		_cleanup_free_ char *json = NULL;
		char hex[SHA256_HEX_SIZE];
		size_t n;
		bool same = true;

		if (image_config_load(s, idx.images[i], &c, NULL) < 0)
			continue;
		for (size_t k = 0; same && (c->diff_ids[k] || diff_ids[k]); k++)
			same = c->diff_ids[k] && diff_ids[k] && streq(c->diff_ids[k], diff_ids[k]);
		if (!same)
			continue;
		if (image_config_format_import(diff_ids, c->created, &json, &n) < 0)
			return berth_error_set(err, ENOMEM, "image config");
		sha256_hex(json, n, hex);
		if (streq(hex, digest_hex(idx.images[i]))) {
			*ret_json = TAKE_PTR(json);
			*ret_n = n;
			return 1;
		}
	}
	return 0;
}

/* The import config with changes applied. */
static int import_config(char *const *diff_ids, char *const *changes, char **ret_json,
			 size_t *ret_n, struct berth_error **err)
{
	_cleanup_free_ char *json = NULL;
	json_t *root;
	size_t n;
	int r;

	r = image_config_format_import(diff_ids, (int64_t)time(NULL), &json, &n);
	if (r < 0)
		return berth_error_set(err, -r, "image config");
	if (!changes || !changes[0]) {
		*ret_json = TAKE_PTR(json);
		*ret_n = n;
		return 0;
	}
	root = json_loadb(json, n, 0, NULL);
	if (!root)
		return berth_error_set(err, ENOMEM, "image config");
	r = image_config_apply_changes(root, changes, err);
	if (r >= 0) {
		*ret_json = json_dumps(root, JSON_COMPACT | JSON_PRESERVE_ORDER);
		r = *ret_json ? 0 : berth_error_set(err, ENOMEM, "image config");
		if (r >= 0)
			*ret_n = strlen(*ret_json);
	}
	json_decref(root);
	return r;
}

int berth_image_import(struct berth_store *s, const char *path, const char *ref, char **ret_id,
		       struct berth_error **err)
{
	return berth_image_import_with(s, path, ref, NULL, ret_id, err);
}

/* The import of the tar at path, or (path NULL) read from fd, which is left open. */
static int import_any(struct berth_store *s, const char *path, int fd, const char *ref,
		      char *const *changes, char **ret_id, struct berth_error **err)
{
	_cleanup_free_ char *full = NULL, *diff_id = NULL, *json = NULL;
	_cleanup_strv_free_ char **diff_ids = NULL;
	_cleanup_close_ int in_fd = -EBADF, import_lock = -EBADF;
	struct blob_writer w = BLOB_WRITER_INIT;
	enum layer_compression comp;
	char hex[SHA256_HEX_SIZE];
	struct stat st;
	size_t n = 0;
	int r;

	if (ref) {
		r = ref_normalize(ref, &full, err);
		if (r < 0)
			return r;
	}
	/* Bad --change instructions are refused before anything is read. */
	r = import_config(NULL, changes, &json, &n, err);
	if (r < 0)
		return r;
	free(TAKE_PTR(json));
	if (!path) {
		in_fd = fcntl(fd, F_DUPFD_CLOEXEC, 3);
		if (in_fd < 0)
			return berth_error_set(err, errno, "input");
	} else {
		in_fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
		if (in_fd < 0)
			return berth_error_set(err, errno, "open");
		if (fstat(in_fd, &st) < 0)
			return berth_error_set(err, errno, "stat");
		if (S_ISDIR(st.st_mode))
			return berth_error_new(err, EISDIR, "is a directory, not a tarball");
	}

	/* 1. The tarball as given becomes a temp blob, hashed while written (no lock). */
	r = store_blob_begin(s, &w, err);
	if (r >= 0)
		r = store_blob_append_fd(&w, in_fd, err);
	if (r >= 0)
		r = store_blob_finish(&w, err);
	if (r < 0)
		goto out;

	/* 2. Something to import: a tar of only end-of-archive blocks (e.g. a file of
	 * zeros) reads as a valid empty tar, but has no files to make an image of. Docker
	 * refuses it too. */
	r = layer_has_entries(w.fd, err);
	if (r == 0)
		r = berth_error_new(err, EINVAL, "no files in the tarball: nothing to import");
	if (r < 0)
		goto out;

	/* 3. Its diff id: the digest of the uncompressed tar. */
	r = layer_diff_id(w.fd, NULL, hex, &comp, err);
	if (r < 0)
		goto out;
	diff_id = xasprintf("sha256:%s", comp == LAYER_COMPRESSION_NONE ? w.hex : hex);
	if (!diff_id || strv_extend(&diff_ids, diff_id) < 0) {
		r = berth_error_set(err, ENOMEM, "import");
		goto out;
	}

	/* 4. The config: the same image's again, or a new one. Imports run one at a time
	 * from here: two of the same tarball must not both find none and make two images
	 * that differ only in their time. */
	r = store_import_lock(s, &import_lock, err);
	if (r < 0)
		goto out;
	r = changes && changes[0] ? 0 : find_imported_config(s, diff_ids, &json, &n, err);
	if (r == 0)
		r = import_config(diff_ids, changes, &json, &n, err);
	if (r < 0)
		goto out;

	/* 5. The store's one commit path: unpack (once per chain id), then blob, layer,
	 * config and index under the lock. */
	{
		const struct commit_layer layer = {
		    .w = &w, .media_type = layer_media_type(comp), .name = path ?: "-"};
		char *const refs[] = {full, NULL};

		r = image_commit(s, json, n, diff_ids, &layer, 1, full ? refs : NULL, ret_id, err);
		if (r >= 0)
			store_event(s, "import", *ret_id, NULL);
	}
out:
	store_blob_abort(s, &w);
	return r;
}

int berth_image_import_with(struct berth_store *s, const char *path, const char *ref,
			    char *const *changes, char **ret_id, struct berth_error **err)
{
	return import_any(s, path, -EBADF, ref, changes, ret_id, err);
}

int berth_image_import_fd(struct berth_store *s, int fd, const char *ref, char *const *changes,
			  char **ret_id, struct berth_error **err)
{
	return import_any(s, NULL, fd, ref, changes, ret_id, err);
}
