/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * `berth volume`: create, ls, inspect, rm, prune over the store's volumes (volume.c).
 */
#include <dirent.h>
#include <errno.h>
#include <jansson.h>
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

int berth_volume_create(struct berth_engine *e, const char *name, char **ret_name,
			struct berth_error **err)
{
	struct berth_store *s = berth_engine_store(e);
	char anon[65];
	int r;

	if (!name) {
		r = random_hex_id(anon);
		if (r < 0)
			return berth_error_set(err, -r, "getrandom");
		name = anon;
	}
	r = volume_create(berth_store_root(s), name, false, NULL, err);
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
	out = json_pack("{s:O?, s:s, s:{}, s:s, s:s, s:{}, s:s}", "CreatedAt",
			json_object_get(o, "CreatedAt"), "Driver", "local", "Labels", "Mountpoint",
			mp, "Name", name, "Options", "Scope", "local");
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

int berth_volume_prune(struct berth_engine *e, bool all, char ***ret_removed,
		       struct berth_error **err)
{
	struct berth_store *s = berth_engine_store(e);
	_cleanup_strv_free_ char **names = NULL, **removed = NULL;
	_cleanup_close_ int lock = -EBADF;
	int r;

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
