/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The commit of a verified image, shared by `berth load` (archive.c) and `berth pull`
 * (registry.c). The slow part (unpacking) runs without the store lock, in temp dirs;
 * under the exclusive lock only renames and the index write remain, so readers are not
 * held up and a crash leaves at worst unreferenced temp files the next locker sweeps.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "berth/cleanup.h"
#include "commit.h"
#include "layer.h"
#include "store.h"
#include "berth/util.h"

int image_commit(struct berth_store *s, const char *config, size_t config_len,
		 char *const *diff_ids, const struct commit_layer *layers, size_t n_layers,
		 char *const *refs, char **ret_id, struct berth_error **err)
{
	_cleanup_strv_free_ char **chains = calloc(n_layers + 1, sizeof(char *));
	char **tmps = calloc(n_layers + 1, sizeof(char *)); /* may have holes */
	char **blobs = calloc(n_layers + 1, sizeof(char *)); /* may have holes */
	bool *layer_created = calloc(n_layers + 1, sizeof(bool));
	bool *blob_created = calloc(n_layers + 1, sizeof(bool));
	struct store_index idx = {0};
	_cleanup_close_ int lock = -EBADF;
	_cleanup_free_ char *id = NULL;
	bool config_created = false;
	int r = 0;

	if (!chains || !tmps || !blobs || !layer_created || !blob_created) {
		for (size_t i = 0; i < n_layers; i++) {
			store_layer_discard(s, layers[i].prepared);
			free(layers[i].prepared);
		}
		r = berth_error_set(err, ENOMEM, "commit");
		goto out;
	}
	/* From here on the prepared dirs are ours: committed or discarded at out. */
	for (size_t i = 0; i < n_layers; i++)
		tmps[i] = layers[i].prepared;
	for (size_t i = 0; i < n_layers; i++) {
		r = layer_chain_id(i ? chains[i - 1] : NULL, diff_ids[i], &chains[i]);
		if (r >= 0 && layers[i].w) {
			blobs[i] = xasprintf("sha256:%s", layers[i].w->hex);
			r = blobs[i] ? 0 : -ENOMEM;
		}
		if (r < 0) {
			r = berth_error_set(err, ENOMEM, "commit");
			goto out;
		}
	}

	/* Unpack without the lock: layer by layer, bottom first, skipping those that
	 * another image already brought (same chain id, same content). */
	for (int pass = 0; pass < 2; pass++) {
		if (pass == 1) {
			r = store_lock(s, true, &lock, err);
			if (r < 0)
				goto out;
		}
		for (size_t i = 0; i < n_layers; i++) {
			struct blob_writer *w = layers[i].w;
			struct layer_record rec;

			if (tmps[i] || store_layer_exists(s, chains[i]))
				continue;
			if (!w) {
				r = berth_error_new(err, ENOENT,
						    "layer '%s' disappeared from the store",
						    layers[i].name);
				goto out;
			}
			rec = (struct layer_record){
			    .chain_id = chains[i],
			    .diff_id = diff_ids[i],
			    .parent = i ? chains[i - 1] : NULL,
			    .blob = blobs[i],
			    .media_type = (char *)layers[i].media_type,
			    .blob_size = (int64_t)w->size,
			};
			r = store_layer_prepare(s, w->fd, &rec, &tmps[i], err);
			if (r < 0) {
				berth_error_wrap(err, "layer '%s'", layers[i].name);
				goto out;
			}
		}
	}

	/* Under the lock: blobs and layers into place, bottom first. */
	for (size_t i = 0; i < n_layers; i++) {
		struct blob_writer *w = layers[i].w;

		if (!tmps[i])
			continue;
		if (w->tmp_name) {
			r = store_blob_commit(s, w, blobs[i], &blob_created[i], err);
			if (r < 0)
				goto out;
		}
		r = store_layer_commit(s, tmps[i], chains[i], &layer_created[i], err);
		if (r < 0)
			goto out;
		free(tmps[i]);
		tmps[i] = strdup("");
		if (!tmps[i]) {
			r = berth_error_set(err, ENOMEM, "commit");
			goto out;
		}
	}
	r = store_blob_write(s, config, config_len, &id, &config_created, err);
	if (r < 0) {
		berth_error_wrap(err, "image config");
		goto out;
	}
	r = store_index_load(s, &idx, err);
	if (r < 0)
		goto out;
	if (store_index_add_image(&idx, id) < 0) {
		r = berth_error_set(err, ENOMEM, "commit");
		goto out;
	}
	for (size_t i = 0; refs && refs[i]; i++)
		if (store_index_set_ref(&idx, refs[i], id) < 0) {
			r = berth_error_set(err, ENOMEM, "commit");
			goto out;
		}
	r = store_index_save(s, &idx, err);
	if (r < 0)
		goto out;
	*ret_id = TAKE_PTR(id);
	r = 0;
out:
	if (r < 0) {
		/* Leave nothing the index does not reference: topmost layers first. */
		if (config_created)
			store_blob_remove(s, id);
		for (size_t i = n_layers; i-- > 0;) {
			if (tmps && tmps[i] && tmps[i][0])
				store_layer_discard(s, tmps[i]);
			if (layer_created && layer_created[i])
				store_layer_remove(s, chains[i], NULL);
			if (blob_created && blob_created[i] &&
			    !store_blob_used_by_layers(s, blobs[i], NULL))
				store_blob_remove(s, blobs[i]);
		}
	}
	store_index_release(&idx);
	for (size_t i = 0; tmps && i < n_layers; i++)
		free(tmps[i]);
	free(tmps);
	for (size_t i = 0; blobs && i < n_layers; i++)
		free(blobs[i]);
	free(blobs);
	free(layer_created);
	free(blob_created);
	return r;
}
