/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The store's internals: lock, blobs, layer records, the ref index. The public image
 * verbs (image.c) are built on these. The index and layer.json formats are parsed here
 * and nowhere else. */

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "berth/error.h"
#include "berth/image.h"
#include "layer.h"
#include "sha256.h"

#define STORE_TMP_PREFIX ".tmp-" /* in-progress writes; swept under the lock */
#define STORE_INDEX "index.json"
#define STORE_LAYER_RECORD "layer.json"
#define STORE_LAYER_DIFF "diff"

struct berth_store {
	char *root;    /* absolute */
	int root_fd;   /* all O_RDONLY | O_DIRECTORY */
	int blobs_fd;  /* blobs/sha256 */
	int layers_fd; /* layers */
	int images_fd; /* images */
};

/* flock(<root>/lock): shared for readers, exclusive for changes to what others read
 * (renames into place, the index). Release by closing *ret_fd. Exclusive holders also
 * sweep temp files whose writer (by pid in the name) is dead. */
/* docker's image event (events.h) in the store's log: actor id, attribute name (NULL:
 * the id). Best effort. */
void store_event(struct berth_store *s, const char *action, const char *id, const char *name);

int store_lock(struct berth_store *s, bool exclusive, int *ret_fd, struct berth_error **err);

/* Record that image id was pulled (or pushed) as repo_digest ("docker.io/library/x@sha256:
 * <hex>"), in images/repo-digests.json (repo-digests.c), under the exclusive store lock
 * (taken here: not while holding it). */
int store_repo_digest_add(struct berth_store *s, const char *id, const char *repo_digest,
			  struct berth_error **err);
/* One import at a time, from looking for an image the import would make again to its
 * commit (taken before store_lock, never while holding it). */
int store_import_lock(struct berth_store *s, int *ret_fd, struct berth_error **err);

/* --- blobs: blobs/sha256/<hex> --- */

/* A blob being written: a temp file in blobs/sha256, hashed as it is written. */
struct blob_writer {
	int fd;
	char *tmp_name;
	uint64_t size;
	struct sha256_ctx sha;
	char hex[SHA256_HEX_SIZE]; /* set by store_blob_finish() */
};
#define BLOB_WRITER_INIT                                                                           \
	{                                                                                          \
		.fd = -EBADF                                                                       \
	}

int store_blob_begin(struct berth_store *s, struct blob_writer *w, struct berth_error **err);
int store_blob_append(struct blob_writer *w, const void *data, size_t n, struct berth_error **err);
/* Copy fd to EOF into the blob. */
int store_blob_append_fd(struct blob_writer *w, int fd, struct berth_error **err);
/* fsync and compute the digest; the temp file stays, readable through w->fd. */
int store_blob_finish(struct blob_writer *w, struct berth_error **err);
/* Rename into place (or drop the temp file if the blob exists). If expected is set, a
 * different digest is -EIO. w must be finished. *ret_created (may be NULL) tells whether
 * the blob is new. */
int store_blob_commit(struct berth_store *s, struct blob_writer *w, const char *expected,
		      bool *ret_created, struct berth_error **err);
/* Remove the temp file if any and release w. Safe after commit. */
void store_blob_abort(struct berth_store *s, struct blob_writer *w);

/* One-shot write of a small blob; *ret_digest is "sha256:<hex>". */
int store_blob_write(struct berth_store *s, const void *data, size_t n, char **ret_digest,
		     bool *ret_created, struct berth_error **err);
/* Read a whole blob and verify its digest (-EIO if it does not match). */
int store_blob_read(struct berth_store *s, const char *digest, char **ret_data, size_t *ret_size,
		    struct berth_error **err);
int store_blob_remove(struct berth_store *s, const char *digest);

/* "sha256:<hex>" -> "<hex>", or NULL if digest is not a valid sha256 digest. */
const char *digest_hex(const char *digest);

/* --- layers: layers/<chain hex>/{layer.json,diff/} --- */

struct layer_record {
	char *chain_id;
	char *diff_id;
	char *parent; /* chain id, NULL for the bottom layer */
	char *blob;   /* digest of the blob the layer came from */
	char *media_type;
	int64_t blob_size;
	int64_t size; /* bytes of file content */
	int64_t entries;
};

struct layer_record *layer_record_free(struct layer_record *l);

/* -ENOENT when there is no such (complete) layer. */
int store_layer_load(struct berth_store *s, const char *chain_id, struct layer_record **ret,
		     struct berth_error **err);
bool store_layer_exists(struct berth_store *s, const char *chain_id);
char *store_layer_diff_path(struct berth_store *s, const char *chain_id);

/*
 * Unpack the tar in tar_fd into layers/.tmp-<pid>-XXXX/diff, write layer.json (rec,
 * with size and entries filled in) and syncfs: everything but the name. Needs no lock.
 * *ret_tmp names the temp dir for store_layer_commit() or store_layer_discard(). On
 * failure the temp dir is already gone.
 */
int store_layer_prepare(struct berth_store *s, int tar_fd, struct layer_record *rec, char **ret_tmp,
			struct berth_error **err);
/* Under the exclusive lock: rename the prepared dir to layers/<chain hex>. If the layer
 * appeared meanwhile, ours is discarded and *ret_created is false. */
int store_layer_commit(struct berth_store *s, const char *tmp, const char *chain_id,
		       bool *ret_created, struct berth_error **err);
/* Remove a prepared, uncommitted layer dir. NULL is ignored. */
void store_layer_discard(struct berth_store *s, const char *tmp);

/* The two halves of store_layer_prepare() that are the store's (layer.c does the
 * unpacking between them): a temp layer dir with an empty diff dir (*ret_diff_fd), and
 * its record written and everything synced. */
int store_layer_begin(struct berth_store *s, const struct layer_record *rec, char **ret_tmp,
		      int *ret_diff_fd, struct berth_error **err);
int store_layer_end(struct berth_store *s, const char *tmp, int diff_fd,
		    const struct layer_record *rec, struct berth_error **err);
/* Rename out of sight, then delete. */
int store_layer_remove(struct berth_store *s, const char *chain_id, struct berth_error **err);
/* Whether any layer record other than except_chain_id names blob. */
bool store_blob_used_by_layers(struct berth_store *s, const char *blob,
			       const char *except_chain_id);

/* --- the index: images/index.json --- */

struct store_ref {
	char *name; /* fully normalised */
	char *id;
};

struct store_index {
	char **images; /* ids, in the order they were added */
	struct store_ref *refs;
	size_t n_refs;
};

void store_index_release(struct store_index *idx);
/* For _cleanup_(store_index_releasep) on a struct store_index on the stack. */
static inline void store_index_releasep(struct store_index *idx)
{
	store_index_release(idx);
}
/* A missing index is an empty one. */
int store_index_load(struct berth_store *s, struct store_index *ret, struct berth_error **err);
int store_index_save(struct berth_store *s, const struct store_index *idx,
		     struct berth_error **err);
const char *store_index_ref(const struct store_index *idx, const char *name);
int store_index_set_ref(struct store_index *idx, const char *name, const char *id);
bool store_index_remove_ref(struct store_index *idx, const char *name);
int store_index_add_image(struct store_index *idx, const char *id);
bool store_index_remove_image(struct store_index *idx, const char *id);
size_t store_index_refs_to(const struct store_index *idx, const char *id);

/* rm_rf_at() that also works for an unprivileged owner when the tree has read-only
 * directories (it makes them writable first). */
int store_rm_tree_at(int dir_fd, const char *name);

/* Write data to dir_fd/name atomically: temp file, fsync, rename, fsync dir. */
int write_atomic_at(int dir_fd, const char *name, const void *data, size_t n, mode_t mode);
