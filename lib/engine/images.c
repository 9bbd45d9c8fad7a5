/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The image verbs that must know about containers: rmi refuses to delete an image a
 * container uses, prune skips such images. The store itself (lib/image) knows nothing
 * of containers.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "berth/engine.h"
#include "berth/cleanup.h"
#include "images.h"
#include "berth/record.h"
#include "berth/util.h"

struct ctr_list {
	struct berth_ctr_info **l;
	size_t n;
};

static void ctr_list_release(struct ctr_list *c)
{
	berth_ctr_info_list_free(c->l, c->n);
}

/* The first container using image id (a running one if any), or NULL. */
static const struct berth_ctr_info *user_of(const struct ctr_list *c, const char *id)
{
	const struct berth_ctr_info *found = NULL;

	for (size_t i = 0; i < c->n; i++) {
		if (!c->l[i]->image_id || !streq(c->l[i]->image_id, id))
			continue;
		if (c->l[i]->state == BERTH_CTR_RUNNING)
			return c->l[i];
		if (!found)
			found = c->l[i];
	}
	return found;
}

/* <store>/held-images/<hex>: an image `rmi -f` untagged and kept for the containers
 * that use it; it goes with the last of them (image_release_held). */
static int hold_mark(struct berth_store *s, const char *id, bool set)
{
	_cleanup_free_ char *dir = xasprintf("%s/held-images", berth_store_root(s)),
			    *path = xasprintf("%s/held-images/%s", berth_store_root(s),
					      startswith(id, "sha256:") ?: id);
	_cleanup_close_ int fd = -EBADF;

	if (!dir || !path)
		return -ENOMEM;
	if (!set)
		return unlink(path) < 0 ? -errno : 0;
	if (mkdir(dir, 0700) < 0 && errno != EEXIST)
		return -errno;
	fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	return fd < 0 ? -errno : 0;
}

void image_release_held(struct berth_engine *e, const char *id)
{
	struct berth_store *s = berth_engine_store(e);
	_cleanup_(ctr_list_release) struct ctr_list ctrs = {0};
	_cleanup_free_ char *path = xasprintf("%s/held-images/%s", berth_store_root(s),
					      startswith(id, "sha256:") ?: id),
			    *found = NULL;
	_cleanup_close_ int lock = -EBADF;
	size_t refs = 0;

	if (!path || access(path, F_OK) < 0)
		return;
	if (record_store_lock(berth_store_root(s), &lock, NULL) < 0 ||
	    berth_engine_list(e, true, &ctrs.l, &ctrs.n, NULL) < 0 || user_of(&ctrs, id))
		return;
	if (berth_image_resolve(s, id, &found, &refs, NULL, NULL) == 0 && refs == 0)
		(void)berth_image_delete(s, id, NULL);
	(void)hold_mark(s, id, false);
}

int berth_engine_image_remove(struct berth_engine *e, const char *ref_or_id, bool force,
			      char ***ret_untagged, bool *ret_deleted, struct berth_error **err)
{
	struct berth_store *s = berth_engine_store(e);
	_cleanup_(ctr_list_release) struct ctr_list ctrs = {0};
	_cleanup_strv_free_ char **before = NULL, **after = NULL, **gone = NULL;
	_cleanup_free_ char *id = NULL;
	_cleanup_close_ int lock = -EBADF;
	const struct berth_ctr_info *user = NULL;
	size_t refs;
	bool by_ref;
	int r;

	/* no container is published while we look at them and remove */
	r = record_store_lock(berth_store_root(s), &lock, err);
	if (r < 0)
		return r;
	r = berth_image_resolve(s, ref_or_id, &id, &refs, &by_ref, err);
	if (r < 0)
		return r;
	r = berth_image_refs(s, id, &before, err);
	if (r < 0)
		return r;
	if (!(by_ref && refs > 1)) {
		/* This removal deletes the image (or, by id with several refs, would with
		 * force): nothing may use it. */
		r = berth_engine_list(e, true, &ctrs.l, &ctrs.n, err);
		if (r < 0)
			return r;
		/* docker's conflicts: a name goes when forced (the image stays for its
		 * containers); an id never while a container runs it */
		user = user_of(&ctrs, id);
		if (user && by_ref && !force)
			return berth_error_new(err, EBUSY,
					       "conflict: unable to remove repository reference \"%s\" "
					       "(must force) - container %.12s is using its referenced "
					       "image %.12s",
					       ref_or_id, user->id, startswith(id, "sha256:") ?: id);
		if (user && !by_ref && user->state == BERTH_CTR_RUNNING)
			return berth_error_new(err, EBUSY,
					       "conflict: unable to delete %s (cannot be forced) - "
					       "image is being used by running container %.12s",
					       ref_or_id, user->id);
		if (user && !by_ref && !force)
			return berth_error_new(err, EBUSY,
					       "conflict: unable to delete %s (must be forced) - "
					       "image is being used by stopped container %.12s",
					       ref_or_id, user->id);
		if (!by_ref && refs > 1 && !force)
			return berth_error_new(err, EBUSY,
					       "conflict: unable to delete %s (must be forced) - "
					       "image is referenced in %zu tags",
					       ref_or_id, refs);
	}
	/* A container holds its image: forced, the image loses its names and stays
	 * (dangling) until the last container using it is removed. */
	if (user) {
		r = berth_image_untag(s, ref_or_id, err);
		if (r >= 0)
			(void)hold_mark(s, id, true);
	}
	else if (force && !by_ref)
		r = berth_image_delete(s, id, err);
	else
		r = berth_image_remove(s, ref_or_id, err);
	if (r < 0)
		return r;
	if (ret_untagged) {
		if (r == 1) {
			after = calloc(1, sizeof(char *));
		} else {
			r = berth_image_refs(s, id, &after, err);
			if (r < 0)
				return r;
			r = 0;
		}
		gone = calloc(1, sizeof(char *));
		if (!after || !gone)
			return berth_error_set(err, ENOMEM, "rmi");
		for (size_t i = 0; before[i]; i++)
			if (!strv_contains(after, before[i]) && strv_extend(&gone, before[i]) < 0)
				return berth_error_set(err, ENOMEM, "rmi");
		*ret_untagged = TAKE_PTR(gone);
	}
	if (ret_deleted)
		*ret_deleted = r == 1;
	return 0;
}

int berth_engine_image_prune(struct berth_engine *e, bool all, char ***ret_deleted,
			     uint64_t *ret_reclaimed, struct berth_error **err)
{
	struct berth_store *s = berth_engine_store(e);
	_cleanup_(ctr_list_release) struct ctr_list ctrs = {0};
	_cleanup_strv_free_ char **deleted = calloc(1, sizeof(char *));
	struct berth_image **images = NULL;
	uint64_t before = 0, after = 0;
	size_t n = 0;
	int r;

	_cleanup_close_ int lock = -EBADF;

	if (!deleted)
		return berth_error_set(err, ENOMEM, "prune");
	r = record_store_lock(berth_store_root(s), &lock, err);
	if (r < 0)
		return r;
	r = berth_image_store_usage(s, &before, err);
	if (r < 0)
		return r;
	r = berth_engine_list(e, true, &ctrs.l, &ctrs.n, err);
	if (r < 0)
		return r;
	r = berth_image_list(s, &images, &n, err);
	if (r < 0)
		return r;
	for (size_t i = 0; i < n; i++) {
		const char *id = images[i]->id;

		if ((!all && images[i]->ref) || strv_contains(deleted, id) || user_of(&ctrs, id))
			continue;
		r = berth_image_delete(s, id, err);
		if (r < 0 && r != -ENOENT)
			goto out;
		if (r == -ENOENT && err)
			*err = berth_error_free(*err);
		if (r >= 0 && strv_extend(&deleted, id) < 0) {
			r = berth_error_set(err, ENOMEM, "prune");
			goto out;
		}
	}
	r = berth_image_gc(s, NULL, err);
	if (r >= 0)
		r = berth_image_store_usage(s, &after, err);
	if (r < 0)
		goto out;
	if (ret_reclaimed)
		*ret_reclaimed = before > after ? before - after : 0;
	*ret_deleted = TAKE_PTR(deleted);
	r = 0;
out:
	berth_image_list_free(images, n);
	return r;
}
