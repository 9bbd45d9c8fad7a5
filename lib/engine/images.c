/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The image verbs that must know about containers: rmi refuses to delete an image a
 * container uses, prune skips such images. The store itself (lib/image) knows nothing
 * of containers.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "berth/engine.h"
#include "cleanup.h"
#include "util.h"

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

int berth_engine_image_remove(struct berth_store *s, const char *ref_or_id, bool force,
			      char ***ret_untagged, bool *ret_deleted, struct berth_error **err)
{
	_cleanup_(ctr_list_release) struct ctr_list ctrs = {0};
	_cleanup_strv_free_ char **before = NULL, **after = NULL, **gone = NULL;
	_cleanup_free_ char *id = NULL;
	const struct berth_ctr_info *user;
	size_t refs;
	bool by_ref;
	int r;

	r = berth_image_resolve(s, ref_or_id, &id, &refs, &by_ref, err);
	if (r < 0)
		return r;
	r = berth_image_refs(s, id, &before, err);
	if (r < 0)
		return r;
	if (!(by_ref && refs > 1)) {
		/* This removal deletes the image (or, by id with several refs, would with
		 * force): nothing may use it. */
		r = berth_engine_list(s, true, &ctrs.l, &ctrs.n, err);
		if (r < 0)
			return r;
		user = user_of(&ctrs, id);
		if (user && user->state == BERTH_CTR_RUNNING)
			return berth_error_new(err, EBUSY,
					       "conflict: unable to delete %s (cannot be forced) - "
					       "image is being used by running container %.12s",
					       ref_or_id, user->id);
		if (user && !force)
			return berth_error_new(err, EBUSY,
					       "conflict: unable to remove %s (must force) - "
					       "container %.12s is using its image %.19s",
					       ref_or_id, user->id, id);
		if (!by_ref && refs > 1 && !force)
			return berth_error_new(err, EBUSY,
					       "conflict: unable to delete %s (must be forced) - "
					       "image is referenced in %zu tags",
					       ref_or_id, refs);
	}
	r = force && !by_ref ? berth_image_delete(s, id, err) : berth_image_remove(s, ref_or_id, err);
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

int berth_engine_image_prune(struct berth_store *s, bool all, char ***ret_deleted,
			     uint64_t *ret_reclaimed, struct berth_error **err)
{
	_cleanup_(ctr_list_release) struct ctr_list ctrs = {0};
	_cleanup_strv_free_ char **deleted = calloc(1, sizeof(char *));
	struct berth_image **images = NULL;
	uint64_t before = 0, after = 0;
	size_t n = 0;
	int r;

	if (!deleted)
		return berth_error_set(err, ENOMEM, "prune");
	r = berth_image_store_usage(s, &before, err);
	if (r < 0)
		return r;
	r = berth_engine_list(s, true, &ctrs.l, &ctrs.n, err);
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
