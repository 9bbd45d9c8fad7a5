/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Committing a verified multi-layer image into the store: the one path `berth load` and
 * `berth pull` share. */

#include <stdbool.h>
#include <stddef.h>

#include "berth/error.h"
#include "store.h"

/* One layer of the image to commit, bottom first. */
struct commit_layer {
	/* A finished temp blob (store_blob_finish()) whose uncompressed content the caller
	 * checked against the config's diff id; it is read from offset 0. NULL when the
	 * caller found the layer in the store already (by chain id) and has no blob. A
	 * writer whose temp file is already committed (tmp_name NULL) is not committed
	 * again. */
	struct blob_writer *w;
	/* A layer dir the caller already unpacked from w with store_layer_prepare(), or
	 * NULL. image_commit() takes it over in every case: it is committed, or discarded
	 * on failure or when the layer appeared meanwhile; the caller forgets it. */
	char *prepared;
	const char *media_type; /* of the blob, for the layer record */
	const char *name;	/* what messages call the layer */
};

/*
 * Commit an image: its layers with a new chain id that are not prepared yet are unpacked
 * bottom first without the lock, then under the exclusive lock the layer blobs and dirs
 * are renamed into place, the config (config_len bytes) is written as a blob, the image
 * id ("sha256:" of the config) is added to the index and every ref in refs
 * (NULL-terminated, fully normalised; refs may be NULL) is pointed at it. diff_ids are
 * the config's, one per layer. On failure nothing this call created is left (an
 * existing image or layer is never removed). A layer given without a blob that
 * disappears meanwhile is -ENOENT.
 */
int image_commit(struct berth_store *s, const char *config, size_t config_len,
		 char *const *diff_ids, const struct commit_layer *layers, size_t n_layers,
		 char *const *refs, char **ret_id, struct berth_error **err);
