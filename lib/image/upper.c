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
#include "cleanup.h"
#include "image/config.h"
#include "image/layer.h"
#include "image/reference.h"
#include "image/store.h"
#include "image/tarwrite.h"
#include "util.h"

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
	_cleanup_free_ char *full = NULL, *parent_json = NULL, *diff_id = NULL, *chain = NULL,
			    *json = NULL, *id = NULL, *layer_tmp = NULL;
	_cleanup_close_ int tar_fd = -EBADF, lock = -EBADF;
	struct berth_layer_info *layers = NULL;
	struct blob_writer w = BLOB_WRITER_INIT;
	struct store_index idx = {0};
	bool blob_created = false, layer_created = false, config_created = false;
	struct layer_record rec;
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
		goto fail;
	free(json);
	json = NULL;

	/* 1. The tar of the upper dir, stored as a blob (plain tar: its digest is the
	 * diff id). */
	tar_fd = tar_upper(s, upper_dir, o->skip_empty, err);
	if (tar_fd < 0) {
		r = berth_error_wrap(err, "layer from '%s'", upper_dir);
		goto fail;
	}
	r = store_blob_begin(s, &w, err);
	if (r >= 0)
		r = store_blob_append_fd(&w, tar_fd, err);
	if (r >= 0)
		r = store_blob_finish(&w, err);
	if (r < 0)
		goto fail;
	diff_id = xasprintf("sha256:%s", w.hex);
	if (!diff_id ||
	    layer_chain_id(n_layers ? layers[n_layers - 1].chain_id : NULL, diff_id, &chain) < 0) {
		r = berth_error_set(err, ENOMEM, "commit");
		goto fail;
	}
	rec = (struct layer_record){
	    .chain_id = chain,
	    .diff_id = diff_id,
	    .parent = n_layers ? layers[n_layers - 1].chain_id : NULL,
	    .blob = diff_id,
	    .media_type = (char *)layer_media_type(LAYER_COMPRESSION_NONE),
	    .blob_size = (int64_t)w.size,
	};
	/* 2. Unpacked like any layer (no lock needed). */
	if (!store_layer_exists(s, chain)) {
		r = store_layer_prepare(s, w.fd, &rec, &layer_tmp, err);
		if (r < 0)
			goto fail;
	}
	r = new_config(parent_json, parent_len, diff_id, o, &json, &n, err);
	if (r < 0)
		goto fail;

	/* 3. Under the lock: blob, layer, config, index. */
	r = store_lock(s, true, &lock, err);
	if (r < 0)
		goto fail;
	if (!layer_tmp && !store_layer_exists(s, chain)) {
		r = store_layer_prepare(s, w.fd, &rec, &layer_tmp, err);
		if (r < 0)
			goto fail;
	}
	r = store_blob_commit(s, &w, NULL, &blob_created, err);
	if (r < 0)
		goto fail;
	if (layer_tmp) {
		r = store_layer_commit(s, layer_tmp, chain, &layer_created, err);
		if (r < 0)
			goto fail;
		free(layer_tmp);
		layer_tmp = NULL;
	}
	r = store_blob_write(s, json, n, &id, &config_created, err);
	if (r < 0) {
		berth_error_wrap(err, "image config");
		goto fail;
	}
	r = store_index_load(s, &idx, err);
	if (r < 0)
		goto fail;
	if (store_index_add_image(&idx, id) < 0 || (full && store_index_set_ref(&idx, full, id) < 0)) {
		r = berth_error_set(err, ENOMEM, "commit");
		goto fail;
	}
	r = store_index_save(s, &idx, err);
	if (r < 0)
		goto fail;
	store_index_release(&idx);
	store_blob_abort(s, &w);
	berth_layer_info_free(layers, n_layers);
	*ret_id = TAKE_PTR(id);
	return 0;

fail:
	store_index_release(&idx);
	store_blob_abort(s, &w);
	store_layer_discard(s, layer_tmp);
	if (config_created)
		store_blob_remove(s, id);
	if (layer_created)
		store_layer_remove(s, chain, NULL);
	if (blob_created && !store_blob_used_by_layers(s, diff_id, NULL))
		store_blob_remove(s, diff_id);
	berth_layer_info_free(layers, n_layers);
	return r;
}
