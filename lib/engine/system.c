/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * `berth system df` and `berth system prune`: the store as a whole, docker's way of
 * counting it (images: each layer once; containers: their writable layers; volumes:
 * their data).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "berth/engine.h"
#include "berth/image.h"
#include "berth/cleanup.h"
#include "berth/record.h"
#include "berth/util.h"

/* Bytes of file content below the directory fd (closed here), as docker's directory
 * size: regular files and symlinks, each hard link once. */
static int64_t tree_size(int fd, unsigned depth)
{
	DIR *d;
	struct dirent *de;
	int64_t total = 0;

	if (fd < 0)
		return 0;
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return 0;
	}
	while ((de = readdir(d))) {
		struct stat st;

		if (streq(de->d_name, ".") || streq(de->d_name, ".."))
			continue;
		if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			continue;
		if (S_ISDIR(st.st_mode) && depth < 256)
			total += tree_size(openat(dirfd(d), de->d_name,
						  O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC),
					   depth + 1);
		else if ((S_ISREG(st.st_mode) && st.st_nlink == 1) || S_ISLNK(st.st_mode))
			total += st.st_size;
		else if (S_ISREG(st.st_mode))
			total += st.st_size / (int64_t)st.st_nlink; /* shared by its links */
	}
	closedir(d);
	return total;
}

static int64_t path_size(const char *path)
{
	return path ? tree_size(open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC), 0) : 0;
}

int berth_engine_ctr_size(struct berth_engine *e, const char *name_or_id, int64_t *ret_rw,
			  int64_t *ret_rootfs, struct berth_error **err)
{
	struct berth_store *s = berth_engine_store(e);
	_cleanup_(ctr_release) struct ctr c = {0};
	_cleanup_free_ char *upper = NULL;
	struct berth_layer_info *l = NULL;
	int64_t rw, image = 0;
	size_t n = 0;
	int r;

	r = ctr_find(berth_store_root(s), name_or_id, &c, err);
	if (r < 0)
		return r;
	upper = xasprintf("%s/upper", c.dir);
	if (!upper)
		return berth_error_set(err, ENOMEM, "size of container '%s'", name_or_id);
	rw = path_size(upper);
	/* docker's SizeRootFs: the image's layers below it, and its own */
	if (c.rec.image_id && berth_image_layers(s, c.rec.image_id, &l, &n, NULL) == 0) {
		for (size_t i = 0; i < n; i++)
			image += l[i].size;
		berth_layer_info_free(l, n);
	}
	*ret_rw = rw;
	*ret_rootfs = image + rw;
	return 0;
}

void berth_df_clear(struct berth_df *d)
{
	for (size_t i = 0; i < d->n_images; i++) {
		free(d->images[i].id);
		free(d->images[i].ref);
	}
	free(d->images);
	for (size_t i = 0; i < d->n_containers; i++)
		berth_ctr_info_free(d->containers[i].info);
	free(d->containers);
	for (size_t i = 0; i < d->n_volumes; i++)
		free(d->volumes[i].name);
	free(d->volumes);
	memset(d, 0, sizeof(*d));
}

/* chain ids seen, and how many images have each */
struct layer_count {
	char *chain_id;
	int64_t size;
	size_t images;
};

static int count_layers(struct berth_store *s, struct berth_df *d, struct layer_count **ret,
			size_t *ret_n, struct berth_error **err)
{
	struct layer_count *lc = NULL;
	size_t n = 0;
	int r;

	for (size_t i = 0; i < d->n_images; i++) {
		struct berth_layer_info *l = NULL;
		size_t nl = 0;

		r = berth_image_layers(s, d->images[i].id, &l, &nl, err);
		if (r < 0)
			goto fail;
		for (size_t j = 0; j < nl; j++) {
			size_t k = 0;

			while (k < n && !streq(lc[k].chain_id, l[j].chain_id))
				k++;
			if (k == n) {
				struct layer_count *m = realloc(lc, (n + 1) * sizeof(*lc));

				if (!m) {
					berth_layer_info_free(l, nl);
					r = berth_error_set(err, ENOMEM, "system df");
					goto fail;
				}
				lc = m;
				lc[n++] = (struct layer_count){.chain_id = strdup(l[j].chain_id),
							       .size = l[j].size};
				if (!lc[n - 1].chain_id) {
					berth_layer_info_free(l, nl);
					r = berth_error_set(err, ENOMEM, "system df");
					goto fail;
				}
			}
			lc[k].images++;
		}
		berth_layer_info_free(l, nl);
	}
	*ret = lc;
	*ret_n = n;
	return 0;
fail:
	for (size_t k = 0; k < n; k++)
		free(lc[k].chain_id);
	free(lc);
	return r;
}

static int df_images(struct berth_engine *e, struct berth_df *d, struct berth_error **err)
{
	struct berth_store *s = berth_engine_store(e);
	struct berth_image **imgs = NULL;
	struct layer_count *lc = NULL;
	size_t n = 0, nlc = 0;
	int r;

	r = berth_image_list(s, &imgs, &n, err);
	if (r < 0)
		return r;
	d->images = calloc(n + 1, sizeof(*d->images));
	if (!d->images) {
		r = berth_error_set(err, ENOMEM, "system df");
		goto out;
	}
	/* one row per image (the list has one per ref) */
	for (size_t i = 0; i < n; i++) {
		struct berth_df_image *im = NULL;

		for (size_t j = 0; j < d->n_images; j++)
			if (streq(d->images[j].id, imgs[i]->id))
				im = &d->images[j];
		if (im)
			continue;
		im = &d->images[d->n_images++];
		im->id = strdup(imgs[i]->id);
		im->ref = imgs[i]->ref ? strdup(imgs[i]->ref) : NULL;
		im->created = imgs[i]->created;
		im->size = imgs[i]->size;
		if (!im->id || (imgs[i]->ref && !im->ref)) {
			r = berth_error_set(err, ENOMEM, "system df");
			goto out;
		}
	}
	r = count_layers(s, d, &lc, &nlc, err);
	if (r < 0)
		goto out;
	for (size_t k = 0; k < nlc; k++)
		d->images_size += lc[k].size;
	for (size_t i = 0; i < d->n_images; i++) {
		struct berth_layer_info *l = NULL;
		size_t nl = 0;

		if (berth_image_layers(s, d->images[i].id, &l, &nl, NULL) < 0)
			continue;
		for (size_t j = 0; j < nl; j++)
			for (size_t k = 0; k < nlc; k++)
				if (streq(lc[k].chain_id, l[j].chain_id) && lc[k].images > 1)
					d->images[i].shared_size += l[j].size;
		berth_layer_info_free(l, nl);
	}
out:
	for (size_t k = 0; k < nlc; k++)
		free(lc[k].chain_id);
	free(lc);
	berth_image_list_free(imgs, n);
	return r;
}

int berth_engine_df(struct berth_engine *e, struct berth_df *ret, struct berth_error **err)
{
	struct berth_store *s = berth_engine_store(e);
	const char *root = berth_store_root(s);
	struct berth_df d = {0};
	struct berth_ctr_info **l = NULL;
	_cleanup_strv_free_ char **vols = NULL;
	size_t n = 0;
	int64_t used = 0;
	int r;

	r = df_images(e, &d, err);
	if (r < 0)
		goto fail;
	r = berth_engine_list(e, true, &l, &n, err);
	if (r < 0)
		goto fail;
	d.containers = calloc(n + 1, sizeof(*d.containers));
	if (!d.containers) {
		berth_ctr_info_list_free(l, n);
		r = berth_error_set(err, ENOMEM, "system df");
		goto fail;
	}
	for (size_t i = 0; i < n; i++) {
		struct berth_df_container *c = &d.containers[d.n_containers++];
		_cleanup_free_ char *upper = xasprintf("%s/containers/%s/upper", root, l[i]->id);
		bool active = l[i]->state == BERTH_CTR_RUNNING || l[i]->restarting;

		c->info = TAKE_PTR(l[i]);
		c->size = path_size(upper);
		d.containers_size += c->size;
		if (active)
			d.containers_active++;
		else
			d.containers_reclaimable += c->size;
		for (size_t j = 0; j < d.n_images; j++)
			if (c->info->image_id && streq(d.images[j].id, c->info->image_id))
				d.images[j].containers++;
	}
	free(l);
	for (size_t j = 0; j < d.n_images; j++)
		if (d.images[j].containers > 0) {
			d.images_active++;
			used += d.images[j].size - d.images[j].shared_size;
		}
	/* docker's: what the images in use do not hold alone */
	d.images_reclaimable = d.images_size - used > 0 ? d.images_size - used : 0;

	r = berth_volume_list(e, &vols, err);
	if (r < 0)
		goto fail;
	d.volumes = calloc(strv_length(vols) + 1, sizeof(*d.volumes));
	if (!d.volumes) {
		r = berth_error_set(err, ENOMEM, "system df");
		goto fail;
	}
	for (char **v = vols; *v; v++) {
		struct berth_df_volume *vol = &d.volumes[d.n_volumes++];
		_cleanup_free_ char *data = xasprintf("%s/volumes/%s/_data", root, *v);

		vol->name = strdup(*v);
		if (!vol->name) {
			r = berth_error_set(err, ENOMEM, "system df");
			goto fail;
		}
		vol->size = path_size(data);
		for (size_t i = 0; i < d.n_containers; i++)
			if (strv_contains(d.containers[i].info->volumes, *v))
				vol->links++;
		d.volumes_size += vol->size;
		if (vol->links > 0)
			d.volumes_active++;
		else
			d.volumes_reclaimable += vol->size;
	}
	*ret = d;
	return 0;
fail:
	berth_df_clear(&d);
	return r;
}

/* ---- system prune ------------------------------------------------------------------- */

void berth_system_prune_report_clear(struct berth_system_prune_report *r)
{
	strv_free(r->containers);
	strv_free(r->images);
	strv_free(r->volumes);
	strv_free(r->networks);
	memset(r, 0, sizeof(*r));
}

struct prune_filter {
	bool has_until;
	int64_t until;	 /* unix seconds: what was made before */
	char **labels;	 /* "K" or "K=V" it must have */
	char **nolabels; /* ... it must not have */
};

static void prune_filter_clear(struct prune_filter *f)
{
	strv_free(f->labels);
	strv_free(f->nolabels);
}

static int prune_filter_parse(char *const *filters, bool volumes, struct prune_filter *ret,
			      struct berth_error **err)
{
	struct prune_filter f = {0};
	int r = 0;

	for (char *const *i = filters; i && *i; i++) {
		const char *v;

		if ((v = startswith(*i, "until="))) {
			if (volumes) {
				r = berth_error_new(err, EINVAL, "invalid filter 'until'");
				break;
			}
			if (parse_time_spec(v, &f.until) < 0) {
				r = berth_error_new(
				    err, EINVAL,
				    "invalid filter 'until=%s': a duration (24h), unix "
				    "seconds or an RFC 3339 time",
				    v);
				break;
			}
			f.until /= 1000000000; /* what was made before it, in seconds */
			f.has_until = true;
		} else if ((v = startswith(*i, "label!="))) {
			if (strv_extend(&f.nolabels, v) < 0)
				r = berth_error_set(err, ENOMEM, "filter");
		} else if ((v = startswith(*i, "label="))) {
			if (strv_extend(&f.labels, v) < 0)
				r = berth_error_set(err, ENOMEM, "filter");
		} else {
			_cleanup_free_ char *key = strndup(*i, strcspn(*i, "=!"));

			r = berth_error_new(err, EINVAL, "invalid filter '%s'", key ? key : *i);
		}
		if (r < 0)
			break;
	}
	if (r < 0) {
		prune_filter_clear(&f);
		return r;
	}
	*ret = f;
	return 0;
}

/* "K" matches a label K of any value, "K=V" that value */
static bool has_label(char *const *labels, const char *want)
{
	size_t n = strlen(want);
	bool with_value = strchr(want, '=') != NULL;

	for (char *const *l = labels; l && *l; l++)
		if (with_value ? streq(*l, want) : (strncmp(*l, want, n) == 0 && (*l)[n] == '='))
			return true;
	return false;
}

static bool prune_filter_match(const struct prune_filter *f, int64_t created, char *const *labels)
{
	if (f->has_until && created >= f->until)
		return false;
	for (char **l = f->labels; l && *l; l++)
		if (!has_label(labels, *l))
			return false;
	for (char **l = f->nolabels; l && *l; l++)
		if (has_label(labels, *l))
			return false;
	return true;
}

static bool prune_filter_empty(const struct prune_filter *f)
{
	return !f->has_until && !f->labels && !f->nolabels;
}

/* container prune with a filter: the stopped containers it matches */
static int prune_containers_filtered(struct berth_engine *e, const struct prune_filter *f,
				     char ***removed, struct berth_error **err)
{
	struct berth_store *s = berth_engine_store(e);
	struct berth_ctr_info **l = NULL;
	size_t n = 0;
	int r;

	r = berth_engine_list(e, true, &l, &n, err);
	if (r < 0)
		return r;
	for (size_t i = 0; i < n; i++) {
		_cleanup_(ctr_release) struct ctr c = {0};

		if (l[i]->state == BERTH_CTR_RUNNING ||
		    ctr_find(berth_store_root(s), l[i]->id, &c, NULL) < 0 ||
		    !prune_filter_match(f, l[i]->created, c.rec.labels))
			continue;
		if (berth_engine_remove(e, l[i]->id, false, false, NULL) == 0 &&
		    strv_extend(removed, l[i]->id) < 0) {
			berth_ctr_info_list_free(l, n);
			return berth_error_set(err, ENOMEM, "prune containers");
		}
	}
	berth_ctr_info_list_free(l, n);
	return 0;
}

/* image prune with a filter: the unused (dangling, or with all every unused) images it
 * matches, under the containers lock as image prune (no container is made from one
 * meanwhile) */
static int prune_images_filtered(struct berth_engine *e, bool all, const struct prune_filter *f,
				 char ***deleted, struct berth_error **err)
{
	struct berth_store *s = berth_engine_store(e);
	_cleanup_close_ int lock = -EBADF;
	struct berth_image **imgs = NULL;
	struct berth_ctr_info **l = NULL;
	size_t n = 0, nl = 0;
	int r;

	r = record_store_lock(berth_store_root(s), &lock, err);
	if (r < 0)
		return r;
	r = berth_engine_list(e, true, &l, &nl, err);
	if (r < 0)
		return r;
	r = berth_image_list(s, &imgs, &n, err);
	if (r < 0) {
		berth_ctr_info_list_free(l, nl);
		return r;
	}
	for (size_t i = 0; i < n; i++) {
		bool used = false;

		if ((!all && imgs[i]->ref) || strv_contains(*deleted, imgs[i]->id) ||
		    !prune_filter_match(f, imgs[i]->created, imgs[i]->labels))
			continue;
		for (size_t j = 0; j < nl && !used; j++)
			used = l[j]->image_id && streq(l[j]->image_id, imgs[i]->id);
		if (used || berth_image_delete(s, imgs[i]->id, NULL) < 0)
			continue;
		if (strv_extend(deleted, imgs[i]->id) < 0) {
			r = berth_error_set(err, ENOMEM, "prune images");
			break;
		}
	}
	berth_image_list_free(imgs, n);
	berth_ctr_info_list_free(l, nl);
	return r;
}

int berth_engine_image_prune_filtered(struct berth_engine *e, bool all, char *const *filters,
				      char ***ret_deleted, uint64_t *ret_reclaimed,
				      struct berth_error **err)
{
	struct berth_store *s = berth_engine_store(e);
	struct prune_filter f = {0};
	_cleanup_strv_free_ char **deleted = NULL;
	uint64_t before = 0, after = 0;
	int r;

	r = prune_filter_parse(filters, false, &f, err);
	if (r < 0)
		return r;
	if (prune_filter_empty(&f))
		return berth_engine_image_prune(e, all, ret_deleted, ret_reclaimed, err);
	(void)berth_image_store_usage(s, &before, NULL);
	deleted = calloc(1, sizeof(char *));
	r = deleted ? prune_images_filtered(e, all, &f, &deleted, err)
		    : berth_error_set(err, ENOMEM, "prune images");
	prune_filter_clear(&f);
	if (r < 0)
		return r;
	r = berth_image_gc(s, NULL, err);
	if (r < 0)
		return r;
	(void)berth_image_store_usage(s, &after, NULL);
	*ret_deleted = TAKE_PTR(deleted);
	if (ret_reclaimed)
		*ret_reclaimed = before > after ? before - after : 0;
	return 0;
}

int berth_engine_system_prune(struct berth_engine *e, bool all, bool volumes, char *const *filters,
			      struct berth_system_prune_report *ret, struct berth_error **err)
{
	struct berth_store *s = berth_engine_store(e);
	struct berth_system_prune_report rep = {0};
	struct prune_filter f = {0};
	struct berth_df before = {0};
	uint64_t store_before = 0, store_after = 0;
	int r;

	r = prune_filter_parse(filters, volumes, &f, err);
	if (r < 0)
		return r;
	/* the sizes of what may go, taken before it goes */
	r = berth_engine_df(e, &before, err);
	if (r < 0)
		goto out;
	if (prune_filter_empty(&f)) {
		r = berth_engine_prune(e, &rep.containers, err);
	} else {
		rep.containers = calloc(1, sizeof(char *));
		r = rep.containers ? prune_containers_filtered(e, &f, &rep.containers, err)
				   : berth_error_set(err, ENOMEM, "prune");
	}
	if (r < 0)
		goto out;
	for (size_t i = 0; i < before.n_containers; i++)
		if (strv_contains(rep.containers, before.containers[i].info->id))
			rep.reclaimed += (uint64_t)before.containers[i].size;

	if (prune_filter_empty(&f)) {
		uint64_t freed = 0;

		r = berth_engine_image_prune(e, all, &rep.images, &freed, err);
		rep.reclaimed += freed;
	} else {
		(void)berth_image_store_usage(s, &store_before, NULL);
		rep.images = calloc(1, sizeof(char *));
		r = rep.images ? prune_images_filtered(e, all, &f, &rep.images, err)
			       : berth_error_set(err, ENOMEM, "prune");
		if (r >= 0 && berth_image_gc(s, NULL, NULL) >= 0 &&
		    berth_image_store_usage(s, &store_after, NULL) >= 0 &&
		    store_before > store_after)
			rep.reclaimed += store_before - store_after;
	}
	if (r < 0)
		goto out;

	{
		/* networks no container is on, by their labels (as network prune) */
		_cleanup_strv_free_ char **nf = NULL;

		for (char *const *k = filters; k && *k; k++)
			if ((startswith(*k, "label=") || startswith(*k, "label!=")) &&
			    strv_extend(&nf, *k) < 0) {
				r = berth_error_set(err, ENOMEM, "prune");
				goto out;
			}
		r = berth_network_prune(e, nf, &rep.networks, err);
		if (r < 0)
			goto out;
		/* docker's: anonymous volumes no container mounts, by their labels too */
		if (volumes) {
			r = berth_volume_prune(e, false, nf, &rep.volumes, err);
			if (r < 0)
				goto out;
			for (size_t i = 0; i < before.n_volumes; i++)
				if (strv_contains(rep.volumes, before.volumes[i].name))
					rep.reclaimed += (uint64_t)before.volumes[i].size;
		}
	}
	if (!rep.volumes && !(rep.volumes = calloc(1, sizeof(char *)))) {
		r = berth_error_set(err, ENOMEM, "prune");
		goto out;
	}
	*ret = rep;
	rep = (struct berth_system_prune_report){0};
	r = 0;
out:
	berth_system_prune_report_clear(&rep);
	berth_df_clear(&before);
	prune_filter_clear(&f);
	return r;
}
