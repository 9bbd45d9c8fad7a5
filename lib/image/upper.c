/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * `berth commit`: a container's upper directory becomes a layer on top of its image's.
 * The tar is written once (sorted, deterministic), stored as the layer's blob, and
 * unpacked by the same safe unpacker as every other layer, so a committed layer is
 * exactly what a load of it elsewhere gives.
 */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <archive.h>

#include "berth/image.h"
#include "berth/cleanup.h"
#include "commit.h"
#include "config.h"
#include "layer.h"
#include "reference.h"
#include "store.h"
#include "berth/tarwrite.h"
#include "berth/util.h"

#define _cleanup_json_ _cleanup_(json_decrefp)

/* The tar of upper_dir into a new (unnamed) temp file; returns its fd at offset 0. */
static int tar_upper(struct berth_store *s, const char *upper_dir, char *const *skip_empty,
		     struct berth_error **err)
{
	_cleanup_close_ int dfd = open(upper_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (dfd < 0)
		return berth_error_set(err, errno, "open '%s'", upper_dir);
	return tar_tree_to_tmpfile(s->blobs_fd, dfd, TAR_OVERLAY_UPPER, skip_empty, err);
}

/* parent's config with the new layer, history entry, time and changes. */
static int new_config(const char *parent_json, size_t parent_len, const char *diff_id,
		      const struct berth_commit_opts *o, char **ret, size_t *ret_n,
		      struct berth_error **err)
{
	_cleanup_json_ json_t *root = NULL;
	json_t *rootfs, *ids, *hist, *h;
	char when[RFC3339_MAX];
	json_error_t jerr;
	char *s;
	int r;

	root = json_loadb(parent_json, parent_len, 0, &jerr);
	if (!json_is_object(root))
		return berth_error_new(err, EINVAL, "parent config: line %d: %s", jerr.line,
				       jerr.text);
	format_rfc3339((int64_t)time(NULL), when);
	rootfs = json_object_get(root, "rootfs");
	ids = json_object_get(rootfs, "diff_ids");
	if (!json_is_array(ids))
		return berth_error_new(err, EINVAL, "parent config: rootfs.diff_ids missing");
	if (json_array_append_new(ids, json_string(diff_id)) < 0)
		return berth_error_set(err, ENOMEM, "config");
	hist = json_object_get(root, "history");
	if (!json_is_array(hist)) {
		hist = json_array();
		if (!hist || json_object_set_new(root, "history", hist) < 0)
			return berth_error_set(err, ENOMEM, "config");
	}
	h = json_pack("{s:s, s:s}", "created", when, "created_by",
		      o->created_by ? o->created_by : "berth commit");
	if (!h || json_array_append_new(hist, h) < 0)
		return berth_error_set(err, ENOMEM, "config");
	if (o->comment && *o->comment)
		json_object_set_new(h, "comment", json_string(o->comment));
	if (o->author && *o->author) {
		json_object_set_new(h, "author", json_string(o->author));
		json_object_set_new(root, "author", json_string(o->author));
	}
	json_object_set_new(root, "created", json_string(when));
	r = image_config_apply_changes(root, o->changes, err);
	if (r < 0)
		return r;
	s = json_dumps(root, JSON_COMPACT | JSON_PRESERVE_ORDER);
	if (!s)
		return berth_error_set(err, ENOMEM, "config");
	*ret = s;
	*ret_n = strlen(s);
	return 0;
}

int berth_image_commit(struct berth_store *s, const char *parent_id, const char *upper_dir,
		       const struct berth_commit_opts *o, char **ret_id, struct berth_error **err)
{
	_cleanup_free_ char *full = NULL, *parent_json = NULL, *diff_id = NULL, *json = NULL;
	_cleanup_free_ struct commit_layer *cl = NULL;
	_cleanup_strv_free_ char **diff_ids = NULL;
	_cleanup_close_ int tar_fd = -EBADF;
	struct berth_layer_info *layers = NULL;
	struct blob_writer w = BLOB_WRITER_INIT;
	size_t n_layers = 0, parent_len, n;
	int r;

	if (o->ref) {
		r = ref_normalize(o->ref, &full, err);
		if (r < 0)
			return r;
		if (strchr(full, '@'))
			return berth_error_new(err, EINVAL, "invalid reference '%s': a digest "
							    "cannot name a new image",
					       o->ref);
	}
	r = berth_image_config(s, parent_id, &parent_json, &parent_len, err);
	if (r < 0)
		return r;
	r = berth_image_layers(s, parent_id, &layers, &n_layers, err);
	if (r < 0)
		return r;
	/* Check the changes before the slow part. */
	r = new_config(parent_json, parent_len, "sha256:0", o, &json, &n, err);
	if (r < 0)
		goto out;
	free(json);
	json = NULL;

	/* The tar of the upper dir, stored as a plain-tar blob: its digest is the diff id. */
	tar_fd = tar_upper(s, upper_dir, o->skip_empty, err);
	if (tar_fd < 0) {
		r = berth_error_wrap(err, "layer from '%s'", upper_dir);
		goto out;
	}
	r = store_blob_begin(s, &w, err);
	if (r >= 0)
		r = store_blob_append_fd(&w, tar_fd, err);
	if (r >= 0)
		r = store_blob_finish(&w, err);
	if (r < 0)
		goto out;
	diff_id = xasprintf("sha256:%s", w.hex);
	cl = calloc(n_layers + 1, sizeof(*cl));
	if (!diff_id || !cl) {
		r = berth_error_set(err, ENOMEM, "commit");
		goto out;
	}
	r = new_config(parent_json, parent_len, diff_id, o, &json, &n, err);
	if (r < 0)
		goto out;

	/* The parent's layers are in the store already; the new one is unpacked and
	 * committed with the config and the ref, as every image is (commit.c). */
	for (size_t i = 0; i < n_layers; i++) {
		cl[i] = (struct commit_layer){.name = layers[i].diff_id};
		if (strv_extend(&diff_ids, layers[i].diff_id) < 0) {
			r = berth_error_set(err, ENOMEM, "commit");
			goto out;
		}
	}
	cl[n_layers] = (struct commit_layer){
	    .w = &w,
	    .media_type = layer_media_type(LAYER_COMPRESSION_NONE),
	    .name = upper_dir,
	};
	if (strv_extend(&diff_ids, diff_id) < 0) {
		r = berth_error_set(err, ENOMEM, "commit");
		goto out;
	}
	r = image_commit(s, json, n, diff_ids, cl, n_layers + 1,
			 full ? (char *const[]){full, NULL} : NULL, ret_id, err);
out:
	store_blob_abort(s, &w);
	berth_layer_info_free(layers, n_layers);
	return r;
}
