/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * `berth volume`: create, ls, inspect, rm, prune over the store's volumes (volume.c).
 */
#include <dirent.h>
#include <errno.h>
#include <jansson.h>
#include <regex.h>
#include <stdlib.h>
#include <string.h>
#include <stdio.h>
#include <sys/random.h>
#include <unistd.h>

#include "berth/engine.h"
#include "berth/image.h"
#include "berth/cleanup.h"
#include "berth/record.h"
#include "berth/util.h"
#include "berth/volume.h"

void berth_volume_list_free(char **names)
{
	strv_free(names);
}

int berth_volume_list(struct berth_engine *e, char ***ret, struct berth_error **err)
{
	struct berth_store *s = berth_engine_store(e);
	_cleanup_free_ char *dir = xasprintf("%s/volumes", berth_store_root(s));
	int r;

	if (!dir)
		return berth_error_set(err, ENOMEM, "list volumes");
	r = dir_list_marked(dir, "volume.json", volume_name_valid, ret);
	if (r < 0)
		return berth_error_set(err, -r, "list '%s'", dir);
	return 0;
}

int berth_volume_filter(struct berth_engine *engine, char ***names, char *const *filters,
			struct berth_error **err)
{
	_cleanup_strv_free_ char **used = NULL, **kept = NULL;
	bool need_used = false;
	int r;

	for (char *const *f = filters; f && *f; f++) {
		const char *v = strchr(*f, '=') + 1;
		size_t kl = (size_t)(v - 1 - *f);

		if (!strncmp(*f, "name", kl) && kl == 4)
			continue;
		if (!strncmp(*f, "driver", kl) && kl == 6)
			continue;
		if (!strncmp(*f, "label", kl) && kl == 5)
			continue;
		if (!strncmp(*f, "dangling", kl) && kl == 8) {
			if (!streq(v, "true") && !streq(v, "false") && !streq(v, "1") &&
			    !streq(v, "0"))
				return berth_error_new(err, EINVAL, "invalid filter 'dangling=%s'",
						       v);
			need_used = true;
			continue;
		}
		return berth_error_new(err, EINVAL, "invalid filter '%.*s'", (int)kl, *f);
	}
	if (!filters || !filters[0])
		return 0;
	if (need_used) {
		struct berth_ctr_info **l = NULL;
		size_t n = 0;

		r = berth_engine_list(engine, true, &l, &n, err);
		if (r < 0)
			return r;
		for (size_t i = 0; i < n; i++)
			for (char **v = l[i]->volumes; v && *v; v++)
				if (!strv_contains(used, *v) && strv_extend(&used, *v) < 0) {
					berth_ctr_info_list_free(l, n);
					return berth_error_set(err, ENOMEM, "volume ls");
				}
		berth_ctr_info_list_free(l, n);
	}
	kept = calloc(1, sizeof(char *));
	if (!kept)
		return berth_error_set(err, ENOMEM, "volume ls");
	for (char **name = *names; *name; name++) {
		static const char *const keys[] = {"name", "driver", "label", "dangling"};
		bool ok = true;

		/* each key: one of its values matches */
		for (size_t k = 0; k < ELEMENTSOF(keys) && ok; k++) {
			bool present = false, any = false;

			for (char *const *f = filters; *f; f++) {
				const char *v = startswith(*f, keys[k]);
				regex_t re;

				if (!v || *v != '=')
					continue;
				v++;
				present = true;
				if (k == 0) {
					if (regcomp(&re, v, REG_EXTENDED | REG_NOSUB) != 0)
						return berth_error_new(
						    err, EINVAL, "invalid filter 'name=%s'", v);
					any = any || regexec(&re, *name, 0, NULL, 0) == 0;
					regfree(&re);
				} else if (k == 1) {
					any = any || streq(v, "local");
				} else if (k == 2) {
					_cleanup_strv_free_ char **labels = NULL;

					/* docker: every label filter must match */
					if (volume_labels(berth_store_root(berth_engine_store(engine)),
							  *name, &labels) < 0 ||
					    !labels_match(labels, v)) {
						any = false;
						break;
					}
					any = true;
				} else if (k == 3) {
					bool dangling = streq(v, "true") || streq(v, "1");

					any = any || dangling != strv_contains(used, *name);
				}
			}
			ok = !present || any;
		}
		if (ok && strv_extend(&kept, *name) < 0)
			return berth_error_set(err, ENOMEM, "volume ls");
	}
	strv_free(*names);
	*names = TAKE_PTR(kept);
	return 0;
}

int berth_volume_create(struct berth_engine *e, const char *name, char *const *labels,
			char **ret_name, struct berth_error **err)
{
	struct berth_store *s = berth_engine_store(e);
	char anon[65];
	bool anonymous = !name;
	int r;

	/* without a name, as dockerd: a random one, and anonymous (volume prune's) */
	if (anonymous) {
		r = random_hex_id(anon);
		if (r < 0)
			return berth_error_set(err, -r, "getrandom");
		name = anon;
	}
	r = volume_create(berth_store_root(s), name, anonymous, labels, NULL, err);
	if (r < 0)
		return r;
	*ret_name = strdup(name);
	return *ret_name ? 0 : -ENOMEM;
}

int berth_volume_inspect(struct berth_engine *e, const char *name, char **ret_json,
			 struct berth_error **err)
{
	struct berth_store *s = berth_engine_store(e);
	_cleanup_free_ char *meta = xasprintf("%s/volumes/%s/volume.json", berth_store_root(s), name),
			    *mp = xasprintf("%s/volumes/%s/_data", berth_store_root(s), name);
	json_t *o, *out;
	char *text;

	if (!meta || !mp)
		return berth_error_set(err, ENOMEM, "inspect volume '%s'", name);
	o = volume_name_valid(name) ? json_load_file(meta, 0, NULL) : NULL;
	if (!o)
		return berth_error_new(err, ENOENT, "no such volume: %s", name);
	out = json_pack("{s:O?, s:s, s:o, s:s, s:s, s:{}, s:s}", "CreatedAt",
			json_object_get(o, "CreatedAt"), "Driver", "local", "Labels",
			json_is_object(json_object_get(o, "Labels"))
				? json_incref(json_object_get(o, "Labels"))
				: json_object(),
			"Mountpoint", mp, "Name", name, "Options", "Scope", "local");
	json_decref(o);
	text = out ? json_dumps(out, JSON_INDENT(4) | JSON_PRESERVE_ORDER) : NULL;
	json_decref(out);
	if (!text)
		return berth_error_set(err, ENOMEM, "inspect volume '%s'", name);
	*ret_json = text;
	return 0;
}

struct user_ctx {
	const char *volume;
	char *found;
};

static int mounts_it(const char *dir, struct record *r, void *data)
{
	struct user_ctx *u = data;

	if (!strv_contains(r->volumes, u->volume))
		return 0;
	u->found = TAKE_PTR(r->name);
	return 1;
}

/* The first container (name) whose record mounts the volume, NULL when none does. */
static char *user_of(struct berth_store *s, const char *name)
{
	struct user_ctx u = { .volume = name };

	(void)record_each(berth_store_root(s), mounts_it, &u, NULL);
	return u.found;
}

int berth_volume_remove(struct berth_engine *e, const char *name, bool force,
			struct berth_error **err)
{
	struct berth_store *s = berth_engine_store(e);
	_cleanup_free_ char *user = NULL;
	_cleanup_close_ int lock = -EBADF;
	int r;

	/* under the containers lock: no container is published with it between the check
	 * and the removal (publish() checks its volumes are still there) */
	r = record_store_lock(berth_store_root(s), &lock, err);
	if (r < 0)
		return r;
	user = user_of(s, name);
	/* docker refuses even with --force while a container (running or not) has it */
	if (user)
		return berth_error_new(err, EBUSY,
				       "remove %s: volume is in use by container %s", name, user);
	(void)force;
	return volume_delete(berth_store_root(s), name, err);
}

/* A volume's labels against prune's filters (checked by the caller) */
static bool prune_labels_pass(const char *store_root, const char *name, char *const *filters)
{
	_cleanup_strv_free_ char **labels = NULL;

	if (!filters || !filters[0])
		return true;
	if (volume_labels(store_root, name, &labels) < 0)
		return false;
	for (char *const *f = filters; *f; f++) {
		const char *v;

		if ((v = startswith(*f, "label=")) && !labels_match(labels, v))
			return false;
		if ((v = startswith(*f, "label!=")) && labels_match(labels, v))
			return false;
	}
	return true;
}

int berth_volume_prune(struct berth_engine *e, bool all, char *const *filters,
		       char ***ret_removed, struct berth_error **err)
{
	struct berth_store *s = berth_engine_store(e);
	_cleanup_strv_free_ char **names = NULL, **removed = NULL;
	_cleanup_close_ int lock = -EBADF;
	int r;

	for (char *const *f = filters; f && *f; f++)
		if (!startswith(*f, "label=") && !startswith(*f, "label!="))
			return berth_error_new(err, EINVAL, "invalid filter '%.*s'",
					       (int)strcspn(*f, "=!"), *f);

	r = record_store_lock(berth_store_root(s), &lock, err);
	if (r < 0)
		return r;
	r = berth_volume_list(e, &names, err);
	if (r < 0)
		return r;
	for (char **n = names; *n; n++) {
		_cleanup_free_ char *user = NULL;

		/* docker: only anonymous ones unless --all */
		if (!all && !volume_is_anonymous(berth_store_root(s), *n))
			continue;
		if (!prune_labels_pass(berth_store_root(s), *n, filters))
			continue;
		user = user_of(s, *n);
		if (user)
			continue;
		if (volume_delete(berth_store_root(s), *n, NULL) == 0 && strv_extend(&removed, *n) < 0)
			return berth_error_set(err, ENOMEM, "prune volumes");
	}
	if (!removed && !(removed = calloc(1, sizeof(char *))))
		return berth_error_set(err, ENOMEM, "prune volumes");
	*ret_removed = TAKE_PTR(removed);
	return 0;
}
