/* SPDX-License-Identifier: LGPL-2.1-or-later */
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
DEFINE_FREEP(struct berth_image, berth_image_free)
DEFINE_FREEP(struct layer_record, layer_record_free)

struct berth_image *berth_image_free(struct berth_image *img)
{
	if (img) {
		free(img->id);
		free(img->ref);
		strv_free(img->layer_dirs);
		strv_free(img->env);
		strv_free(img->cmd);
		strv_free(img->entrypoint);
		free(img->workdir);
		free(img->user);
		free(img->stop_signal);
		strv_free(img->exposed);
		strv_free(img->labels);
		berth_healthcheck_clear(&img->healthcheck);
		free(img);
	}
	return NULL;
}

struct berth_image **berth_image_list_free(struct berth_image **images, size_t n)
{
	for (size_t i = 0; images && i < n; i++)
		berth_image_free(images[i]);
	free(images);
	return NULL;
}

/* Chain ids of an image's layers, bottom first. */
static int config_chain_ids(const struct image_config *c, char ***ret)
{
	_cleanup_strv_free_ char **l = calloc(1, sizeof(char *));
	const char *parent = NULL;

	if (!l)
		return -ENOMEM;
	for (size_t i = 0; c->diff_ids[i]; i++) {
		char *chain;
		int r = layer_chain_id(parent, c->diff_ids[i], &chain);

		if (r < 0 || strv_push(&l, chain) < 0)
			return -ENOMEM;
		parent = l[i];
	}
	*ret = TAKE_PTR(l);
	return 0;
}

int image_config_load(struct berth_store *s, const char *id, struct image_config **ret,
		      struct berth_error **err)
{
	_cleanup_free_ char *data = NULL;
	size_t n;
	int r;

	r = store_blob_read(s, id, &data, &n, err);
	if (r < 0)
		return r;
	return image_config_parse(data, n, ret, err);
}

/* Fill a berth_image for id; ref_full is the normalised ref it was found by, or NULL. */
static int load_image(struct berth_store *s, const char *id, const char *ref_full,
		      struct berth_image **ret, struct berth_error **err)
{
	_cleanup_(image_config_freep) struct image_config *c = NULL;
	_cleanup_(berth_image_freep) struct berth_image *img = NULL;
	_cleanup_strv_free_ char **chains = NULL;
	size_t n;
	int r;

	r = image_config_load(s, id, &c, err);
	if (r < 0)
		return berth_error_wrap(err, "image '%s'", id);
	img = calloc(1, sizeof(*img));
	if (!img)
		return berth_error_set(err, ENOMEM, "image '%s'", id);
	img->id = strdup(id);
	if (!img->id || (ref_full && ref_familiar(ref_full, &img->ref) < 0))
		return berth_error_set(err, ENOMEM, "image '%s'", id);
	if (config_chain_ids(c, &chains) < 0)
		return berth_error_set(err, ENOMEM, "image '%s'", id);
	n = strv_length(chains);
	img->layer_dirs = calloc(n + 1, sizeof(char *));
	if (!img->layer_dirs)
		return berth_error_set(err, ENOMEM, "image '%s'", id);
	for (size_t i = 0; i < n; i++) {
		_cleanup_(layer_record_freep) struct layer_record *l = NULL;

		r = store_layer_load(s, chains[i], &l, err);
		if (r < 0)
			return berth_error_wrap(err, "image '%s'", id);
		/* Topmost first, the order overlay's lowerdir wants. */
		img->layer_dirs[n - 1 - i] = store_layer_diff_path(s, chains[i]);
		if (!img->layer_dirs[n - 1 - i])
			return berth_error_set(err, ENOMEM, "image '%s'", id);
		if (access(img->layer_dirs[n - 1 - i], F_OK) < 0)
			return berth_error_set(err, errno, "image '%s': layer '%s'", id,
					       img->layer_dirs[n - 1 - i]);
		img->size += l->size;
	}
	img->env = TAKE_PTR(c->env);
	img->cmd = TAKE_PTR(c->cmd);
	img->entrypoint = TAKE_PTR(c->entrypoint);
	img->workdir = TAKE_PTR(c->workdir);
	img->user = TAKE_PTR(c->user);
	img->stop_signal = TAKE_PTR(c->stop_signal);
	img->exposed = TAKE_PTR(c->exposed);
	img->labels = TAKE_PTR(c->labels);
	img->healthcheck = c->healthcheck;
	c->healthcheck = (struct berth_healthcheck){0};
	img->created = c->created;
	*ret = TAKE_PTR(img);
	return 0;
}

static bool is_hex(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!isdigit((unsigned char)*s) && !(*s >= 'a' && *s <= 'f'))
			return false;
	return true;
}

/* Resolve s against the index, like docker: a ref first, then an id or unique id
 * prefix. *ret_id and *ret_ref point into idx; *ret_ref is NULL for a match by id. */
static int resolve(const struct store_index *idx, const char *s, const char **ret_id,
		   const char **ret_ref, struct berth_error **err)
{
	_cleanup_free_ char *full = NULL;
	const char *prefix, *found = NULL;

	if (!startswith(s, "sha256:") && ref_normalize(s, &full, NULL) >= 0)
		for (size_t i = 0; i < idx->n_refs; i++)
			if (streq(idx->refs[i].name, full)) {
				*ret_id = idx->refs[i].id;
				*ret_ref = idx->refs[i].name;
				return 0;
			}
	prefix = startswith(s, "sha256:");
	if (!prefix)
		prefix = s;
	if (is_hex(prefix)) {
		for (size_t i = 0; idx->images && idx->images[i]; i++) {
			if (!startswith(digest_hex(idx->images[i]), prefix))
				continue;
			if (found)
				return berth_error_new(err, EINVAL,
						       "image id prefix '%s' is ambiguous", s);
			found = idx->images[i];
		}
		if (found) {
			*ret_id = found;
			*ret_ref = NULL;
			return 0;
		}
	}
	return berth_error_new(err, ENOENT, "no such image: '%s'", s);
}

/* The first ref (in index order) naming id, or NULL. */
static const char *first_ref(const struct store_index *idx, const char *id)
{
	for (size_t i = 0; i < idx->n_refs; i++)
		if (streq(idx->refs[i].id, id))
			return idx->refs[i].name;
	return NULL;
}

int berth_image_lookup(struct berth_store *s, const char *ref_or_id, struct berth_image **ret_image,
		       struct berth_error **err)
{
	_cleanup_(store_index_releasep) struct store_index idx = {0};
	_cleanup_close_ int lock = -EBADF;
	const char *id, *ref;
	int r;

	r = store_lock(s, false, &lock, err);
	if (r < 0)
		return r;
	r = store_index_load(s, &idx, err);
	if (r < 0)
		return r;
	r = resolve(&idx, ref_or_id, &id, &ref, err);
	if (r < 0)
		return r;
	return load_image(s, id, ref ? ref : first_ref(&idx, id), ret_image, err);
}

static int image_cmp(const void *a, const void *b)
{
	const struct berth_image *x = *(struct berth_image *const *)a;
	const struct berth_image *y = *(struct berth_image *const *)b;

	if (x->created != y->created)
		return x->created > y->created ? -1 : 1;
	if (!x->ref || !y->ref)
		return !x->ref - !y->ref; /* untagged last */
	return strcmp(x->ref, y->ref);
}

int berth_image_list(struct berth_store *s, struct berth_image ***ret_images, size_t *ret_n,
		     struct berth_error **err)
{
	_cleanup_(store_index_releasep) struct store_index idx = {0};
	_cleanup_close_ int lock = -EBADF;
	struct berth_image **list;
	size_t n = 0, max;
	int r;

	r = store_lock(s, false, &lock, err);
	if (r < 0)
		return r;
	r = store_index_load(s, &idx, err);
	if (r < 0)
		return r;
	max = idx.n_refs + strv_length(idx.images);
	list = calloc(max + 1, sizeof(*list));
	if (!list)
		return berth_error_set(err, ENOMEM, "list images");
	for (size_t i = 0; i < idx.n_refs; i++) {
		r = load_image(s, idx.refs[i].id, idx.refs[i].name, &list[n], err);
		if (r < 0)
			goto fail;
		n++;
	}
	for (size_t i = 0; idx.images && idx.images[i]; i++) {
		if (store_index_refs_to(&idx, idx.images[i]) > 0)
			continue;
		r = load_image(s, idx.images[i], NULL, &list[n], err);
		if (r < 0)
			goto fail;
		n++;
	}
	qsort(list, n, sizeof(*list), image_cmp);
	*ret_images = list;
	*ret_n = n;
	return 0;
fail:
	berth_image_list_free(list, n);
	return r;
}

/* After an image is gone: delete its layers that no remaining image uses, and their
 * blobs when no remaining layer record names them. */
static int gc_layers(struct berth_store *s, const struct store_index *idx, char *const *chains,
		     struct berth_error **err)
{
	_cleanup_strv_free_ char **keep = calloc(1, sizeof(char *));
	int r;

	if (!keep)
		return berth_error_set(err, ENOMEM, "remove layers");
	for (size_t i = 0; idx->images && idx->images[i]; i++) {
		_cleanup_(image_config_freep) struct image_config *c = NULL;
		_cleanup_strv_free_ char **l = NULL;

		r = image_config_load(s, idx->images[i], &c, err);
		if (r < 0)
			return berth_error_wrap(err, "keep layers of '%s'", idx->images[i]);
		if (config_chain_ids(c, &l) < 0)
			return berth_error_set(err, ENOMEM, "remove layers");
		for (size_t k = 0; l[k]; k++)
			if (strv_extend(&keep, l[k]) < 0)
				return berth_error_set(err, ENOMEM, "remove layers");
	}
	for (size_t i = 0; chains[i]; i++) {
		_cleanup_(layer_record_freep) struct layer_record *l = NULL;

		if (strv_contains(keep, chains[i]))
			continue;
		if (store_layer_load(s, chains[i], &l, NULL) < 0)
			l = NULL; /* already gone, or broken: remove the dir anyway */
		r = store_layer_remove(s, chains[i], err);
		if (r < 0)
			return r;
		if (l && l->blob && !store_blob_used_by_layers(s, l->blob, NULL))
			store_blob_remove(s, l->blob);
	}
	return 0;
}

/* Lock the store (exclusive or shared), load the index and resolve name in it. *ret_id
 * and *ret_ref point into idx (see resolve()). */
static int lock_resolve(struct berth_store *s, bool exclusive, const char *name, int *ret_lock,
			struct store_index *idx, const char **ret_id, const char **ret_ref,
			struct berth_error **err)
{
	int r = store_lock(s, exclusive, ret_lock, err);

	if (r < 0)
		return r;
	r = store_index_load(s, idx, err);
	if (r < 0)
		return r;
	return resolve(idx, name, ret_id, ret_ref, err);
}

int berth_image_resolve(struct berth_store *s, const char *ref_or_id, char **ret_id,
			size_t *ret_refs, bool *ret_by_ref, struct berth_error **err)
{
	_cleanup_(store_index_releasep) struct store_index idx = {0};
	_cleanup_close_ int lock = -EBADF;
	const char *id, *ref;
	char *dup;
	int r;

	r = lock_resolve(s, false, ref_or_id, &lock, &idx, &id, &ref, err);
	if (r < 0)
		return r;
	dup = strdup(id);
	if (!dup)
		return berth_error_set(err, ENOMEM, "image '%s'", ref_or_id);
	if (ret_refs)
		*ret_refs = store_index_refs_to(&idx, id);
	if (ret_by_ref)
		*ret_by_ref = ref != NULL;
	*ret_id = dup;
	return 0;
}

int berth_image_tag(struct berth_store *s, const char *source, const char *target,
		    struct berth_error **err)
{
	_cleanup_(store_index_releasep) struct store_index idx = {0};
	_cleanup_close_ int lock = -EBADF;
	_cleanup_free_ char *full = NULL, *id = NULL;
	const char *pid, *pref;
	int r;

	r = ref_normalize(target, &full, err);
	if (r < 0)
		return r;
	if (strchr(full, '@'))
		return berth_error_new(err, EINVAL,
				       "invalid tag '%s': a tag cannot name a digest", target);
	r = lock_resolve(s, true, source, &lock, &idx, &pid, &pref, err);
	if (r < 0)
		return r;
	id = strdup(pid);
	if (!id || store_index_set_ref(&idx, full, id) < 0)
		return berth_error_set(err, ENOMEM, "tag '%s'", target);
	r = store_index_save(s, &idx, err);
	if (r < 0)
		return r;
	{
		_cleanup_free_ char *familiar = NULL;

		(void)ref_familiar(full, &familiar);
		store_event(s, "tag", id, familiar ?: full);
	}
	return 0;
}

static int remove_image(struct berth_store *s, const char *ref_or_id, bool all_refs,
			bool keep, struct berth_error **err)
{
	_cleanup_(store_index_releasep) struct store_index idx = {0};
	_cleanup_(image_config_freep) struct image_config *c = NULL;
	_cleanup_strv_free_ char **chains = NULL;
	_cleanup_close_ int lock = -EBADF;
	_cleanup_free_ char *id = NULL, *ref = NULL;
	const char *pid, *pref;
	size_t refs, untagged = 0;
	int r;

	r = lock_resolve(s, true, ref_or_id, &lock, &idx, &pid, &pref, err);
	if (r < 0)
		return r;
	id = strdup(pid);
	ref = pref ? strdup(pref) : NULL;
	if (!id || (pref && !ref))
		return berth_error_set(err, ENOMEM, "remove '%s'", ref_or_id);

	if (ref) {
		store_index_remove_ref(&idx, ref);
		untagged = 1;
	} else {
		refs = store_index_refs_to(&idx, id);
		if (refs > 1 && !all_refs)
			return berth_error_new(err, EBUSY,
					       "image '%s' is referenced by %zu tags: remove them "
					       "by name",
					       ref_or_id, refs);
		while (first_ref(&idx, id)) {
			store_index_remove_ref(&idx, first_ref(&idx, id));
			untagged++;
		}
	}
	if (keep || store_index_refs_to(&idx, id) > 0) {
		r = store_index_save(s, &idx, err);
		if (r < 0)
			return r;
		/* docker's untag names the image by its id */
		while (untagged-- > 0)
			store_event(s, "untag", id, NULL);
		return 0;
	}

	/* The last ref is gone: the image goes too. Read its layers before the config. */
	if (image_config_load(s, id, &c, NULL) >= 0 && config_chain_ids(c, &chains) < 0)
		return berth_error_set(err, ENOMEM, "remove '%s'", ref_or_id);
	store_index_remove_image(&idx, id);
	r = store_index_save(s, &idx, err);
	if (r < 0)
		return r;
	while (untagged-- > 0)
		store_event(s, "untag", id, NULL);
	store_event(s, "delete", id, NULL);
	/* The index no longer names the image: from here on, failures leave garbage,
	 * never a broken image. */
	store_blob_remove(s, id);
	if (chains) {
		r = gc_layers(s, &idx, chains, err);
		if (r < 0)
			return berth_error_wrap(err, "image '%s' removed, but cleaning up failed",
						id);
	}
	return 1;
}

int berth_image_remove(struct berth_store *s, const char *ref_or_id, struct berth_error **err)
{
	return remove_image(s, ref_or_id, false, false, err);
}

int berth_image_untag(struct berth_store *s, const char *ref_or_id, struct berth_error **err)
{
	return remove_image(s, ref_or_id, true, true, err);
}

int berth_image_delete(struct berth_store *s, const char *ref_or_id, struct berth_error **err)
{
	_cleanup_free_ char *id = NULL;
	int r;

	/* By id: every ref goes, then the image. */
	r = berth_image_resolve(s, ref_or_id, &id, NULL, NULL, err);
	if (r < 0)
		return r;
	return remove_image(s, id, true, false, err);
}

int berth_image_config(struct berth_store *s, const char *id, char **ret_json, size_t *ret_n,
		       struct berth_error **err)
{
	_cleanup_close_ int lock = -EBADF;
	int r;

	r = store_lock(s, false, &lock, err);
	if (r < 0)
		return r;
	r = store_blob_read(s, id, ret_json, ret_n, err);
	return r < 0 ? berth_error_wrap(err, "image '%s'", id) : 0;
}

int berth_image_refs(struct berth_store *s, const char *id, char ***ret_refs,
		     struct berth_error **err)
{
	_cleanup_(store_index_releasep) struct store_index idx = {0};
	_cleanup_strv_free_ char **l = calloc(1, sizeof(char *));
	_cleanup_close_ int lock = -EBADF;
	int r;

	if (!l)
		return berth_error_set(err, ENOMEM, "refs");
	r = store_lock(s, false, &lock, err);
	if (r < 0)
		return r;
	r = store_index_load(s, &idx, err);
	if (r < 0)
		return r;
	for (size_t i = 0; i < idx.n_refs; i++) {
		char *fam;

		if (!streq(idx.refs[i].id, id))
			continue;
		if (ref_familiar(idx.refs[i].name, &fam) < 0 || strv_push(&l, fam) < 0)
			return berth_error_set(err, ENOMEM, "refs");
	}
	*ret_refs = TAKE_PTR(l);
	return 0;
}

int berth_image_layers(struct berth_store *s, const char *id, struct berth_layer_info **ret,
		       size_t *ret_n, struct berth_error **err)
{
	_cleanup_(image_config_freep) struct image_config *c = NULL;
	_cleanup_strv_free_ char **chains = NULL;
	_cleanup_close_ int lock = -EBADF;
	struct berth_layer_info *l;
	size_t n;
	int r;

	r = store_lock(s, false, &lock, err);
	if (r < 0)
		return r;
	r = image_config_load(s, id, &c, err);
	if (r < 0)
		return berth_error_wrap(err, "image '%s'", id);
	if (config_chain_ids(c, &chains) < 0)
		return berth_error_set(err, ENOMEM, "image '%s'", id);
	n = strv_length(chains);
	l = calloc(n + 1, sizeof(*l));
	if (!l)
		return berth_error_set(err, ENOMEM, "image '%s'", id);
	for (size_t i = 0; i < n; i++) {
		_cleanup_(layer_record_freep) struct layer_record *rec = NULL;

		r = store_layer_load(s, chains[i], &rec, err);
		if (r < 0) {
			berth_layer_info_free(l, i);
			return berth_error_wrap(err, "image '%s'", id);
		}
		l[i] = (struct berth_layer_info){
		    .diff_id = TAKE_PTR(rec->diff_id),
		    .chain_id = TAKE_PTR(rec->chain_id),
		    .blob = TAKE_PTR(rec->blob),
		    .media_type = TAKE_PTR(rec->media_type),
		    .blob_size = rec->blob_size,
		    .size = rec->size,
		    .diff_dir = store_layer_diff_path(s, chains[i]),
		};
		if (!l[i].diff_dir) {
			berth_layer_info_free(l, i + 1);
			return berth_error_set(err, ENOMEM, "image '%s'", id);
		}
	}
	*ret = l;
	*ret_n = n;
	return 0;
}

struct berth_layer_info *berth_layer_info_free(struct berth_layer_info *l, size_t n)
{
	for (size_t i = 0; l && i < n; i++) {
		free(l[i].diff_id);
		free(l[i].chain_id);
		free(l[i].blob);
		free(l[i].media_type);
		free(l[i].diff_dir);
	}
	free(l);
	return NULL;
}

/* A fresh stream on dir_fd's directory: a dup would share (and move) its offset. */
static DIR *opendir_at(int dir_fd)
{
	int fd = openat(dir_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d;

	if (fd < 0)
		return NULL;
	d = fdopendir(fd);
	if (!d)
		close(fd);
	return d;
}

int berth_image_gc(struct berth_store *s, uint64_t *ret_reclaimed, struct berth_error **err)
{
	_cleanup_(store_index_releasep) struct store_index idx = {0};
	_cleanup_strv_free_ char **keep_layers = calloc(1, sizeof(char *));
	_cleanup_strv_free_ char **keep_blobs = calloc(1, sizeof(char *));
	_cleanup_close_ int lock = -EBADF;
	uint64_t reclaimed = 0;
	DIR *d;
	struct dirent *de;
	int r;

	if (!keep_layers || !keep_blobs)
		return berth_error_set(err, ENOMEM, "garbage collection");
	r = store_lock(s, true, &lock, err);
	if (r < 0)
		return r;
	r = store_index_load(s, &idx, err);
	if (r < 0)
		return r;
	/* What the images use: their configs and every layer of their stacks. */
	for (size_t i = 0; idx.images && idx.images[i]; i++) {
		_cleanup_(image_config_freep) struct image_config *c = NULL;
		_cleanup_strv_free_ char **l = NULL;

		if (strv_extend(&keep_blobs, digest_hex(idx.images[i])) < 0)
			return berth_error_set(err, ENOMEM, "garbage collection");
		r = image_config_load(s, idx.images[i], &c, err);
		if (r < 0)
			return berth_error_wrap(err, "garbage collection: image '%s'",
						idx.images[i]);
		if (config_chain_ids(c, &l) < 0)
			return berth_error_set(err, ENOMEM, "garbage collection");
		for (size_t k = 0; l[k]; k++)
			if (strv_extend(&keep_layers, digest_hex(l[k])) < 0)
				return berth_error_set(err, ENOMEM, "garbage collection");
	}
	/* Layers no image uses go; the blobs of those that stay are kept. */
	d = opendir_at(s->layers_fd);
	if (!d)
		return berth_error_set(err, errno, "garbage collection: layers");
	while ((de = readdir(d))) {
		_cleanup_(layer_record_freep) struct layer_record *l = NULL;
		_cleanup_free_ char *chain = NULL;

		if (de->d_name[0] == '.')
			continue; /* ".", "..", and temp dirs (swept by store_lock) */
		chain = xasprintf("sha256:%s", de->d_name);
		if (!chain) {
			closedir(d);
			return berth_error_set(err, ENOMEM, "garbage collection");
		}
		if (strv_contains(keep_layers, de->d_name)) {
			if (store_layer_load(s, chain, &l, NULL) >= 0 && l->blob &&
			    strv_extend(&keep_blobs, digest_hex(l->blob)) < 0) {
				closedir(d);
				return berth_error_set(err, ENOMEM, "garbage collection");
			}
			continue;
		}
		if (store_layer_load(s, chain, &l, NULL) >= 0)
			reclaimed += (uint64_t)l->size;
		r = store_layer_remove(s, chain, err);
		if (r < 0) {
			closedir(d);
			return berth_error_wrap(err, "garbage collection");
		}
	}
	closedir(d);
	/* Blobs nothing names any more. */
	d = opendir_at(s->blobs_fd);
	if (!d)
		return berth_error_set(err, errno, "garbage collection: blobs");
	while ((de = readdir(d))) {
		struct stat st;

		if (de->d_name[0] == '.' || strv_contains(keep_blobs, de->d_name))
			continue;
		if (fstatat(s->blobs_fd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0)
			reclaimed += (uint64_t)st.st_size;
		if (unlinkat(s->blobs_fd, de->d_name, 0) < 0 && errno != ENOENT) {
			r = berth_error_set(err, errno, "garbage collection: blob '%s'",
					    de->d_name);
			closedir(d);
			return r;
		}
	}
	closedir(d);
	if (ret_reclaimed)
		*ret_reclaimed = reclaimed;
	return 0;
}

int berth_image_store_usage(struct berth_store *s, uint64_t *ret_bytes, struct berth_error **err)
{
	_cleanup_close_ int lock = -EBADF;
	uint64_t total = 0;
	struct dirent *de;
	DIR *d;
	int r;

	r = store_lock(s, false, &lock, err);
	if (r < 0)
		return r;
	d = opendir_at(s->blobs_fd);
	if (!d)
		return berth_error_set(err, errno, "store usage: blobs");
	while ((de = readdir(d))) {
		struct stat st;

		if (de->d_name[0] != '.' &&
		    fstatat(s->blobs_fd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0)
			total += (uint64_t)st.st_size;
	}
	closedir(d);
	d = opendir_at(s->layers_fd);
	if (!d)
		return berth_error_set(err, errno, "store usage: layers");
	while ((de = readdir(d))) {
		_cleanup_(layer_record_freep) struct layer_record *l = NULL;
		_cleanup_free_ char *chain = NULL;

		if (de->d_name[0] == '.')
			continue;
		chain = xasprintf("sha256:%s", de->d_name);
		if (chain && store_layer_load(s, chain, &l, NULL) >= 0)
			total += (uint64_t)l->size;
	}
	closedir(d);
	*ret_bytes = total;
	return 0;
}
