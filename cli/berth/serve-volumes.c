/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The Engine API's /volumes endpoints over the engine's berth_volume_* calls: the store's
 * local volumes, as `berth volume`.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "berth/cleanup.h"
#include "berth/util.h"
#include "serve.h"

static json_t *volume_json(struct berth_engine *e, const char *name, struct berth_error **err)
{
	_cleanup_free_ char *text = NULL;

	if (berth_volume_inspect(e, name, &text, err) < 0)
		return NULL;
	return json_loads(text, 0, NULL);
}

/* GET /volumes?filters= */
static int list(struct api_ctx *x)
{
	struct berth_engine *e = api_engine(x);
	_cleanup_(berth_error_freep) struct berth_error *err = NULL;
	_cleanup_strv_free_ char **filters = NULL, **names = NULL;
	json_t *a;

	if (!e || http_query_filters(x->conn, x->req, &filters) < 0)
		return -1;
	if (berth_volume_list(e, &names, &err) < 0 ||
	    berth_volume_filter(e, &names, filters, &err) < 0)
		return http_engine_error(x->conn, err);
	a = json_array();
	for (char **n = names; a && *n; n++) {
		/* removed meanwhile: not listed */
		json_t *j = volume_json(e, *n, NULL);

		if (j)
			json_array_append_new(a, j);
	}
	return http_json(x->conn, 200, json_pack("{s:o,s:[]}", "Volumes", a, "Warnings"));
}

/* GET /volumes/{name} */
static int inspect(struct api_ctx *x)
{
	struct berth_engine *e = api_engine(x);
	_cleanup_(berth_error_freep) struct berth_error *err = NULL;
	json_t *j;

	if (!e)
		return -1;
	j = volume_json(e, x->arg[0], &err);
	if (!j)
		return err ? http_engine_error(x->conn, err)
			   : http_error(x->conn, 500, "out of memory");
	return http_json(x->conn, 200, j);
}

/* POST /volumes/create: docker's VolumeCreateRequest; 201 with the volume */
static int create(struct api_ctx *x)
{
	static const char *const unsupported[] = {"DriverOpts", "ClusterVolumeSpec"};
	struct berth_engine *e = api_engine(x);
	_cleanup_(berth_error_freep) struct berth_error *err = NULL;
	_cleanup_free_ char *name = NULL;
	json_auto_t *body = NULL;
	json_t *n, *d, *j;

	if (!e || http_body_object(x->conn, x->req, false, &body) < 0)
		return -1;
	n = json_object_get(body, "Name");
	d = json_object_get(body, "Driver");
	if (n && !json_is_null(n) && !json_is_string(n))
		return http_error(x->conn, 400, "Name: not a string");
	if (d && !json_is_null(d) && !json_is_string(d))
		return http_error(x->conn, 400, "Driver: not a string");
	if (json_is_string(d) && *json_string_value(d) && !streq(json_string_value(d), "local"))
		return http_error(x->conn, 400,
				  "volume driver %s is not supported by berth (only "
				  "local)",
				  json_string_value(d));
	/* berth's volumes are plain directories without labels or options: a field that
	 * asks for one is refused by name, not ignored */
	for (size_t i = 0; i < ELEMENTSOF(unsupported); i++) {
		json_t *v = json_object_get(body, unsupported[i]);

		if (v && !json_is_null(v) && !(json_is_object(v) && json_object_size(v) == 0))
			return http_error(x->conn, 400, "%s is not supported by berth",
					  unsupported[i]);
	}
	{
		json_t *lj = json_object_get(body, "Labels"), *v;
		_cleanup_strv_free_ char **labels = NULL;
		const char *k;

		if (lj && !json_is_null(lj) && !json_is_object(lj))
			return http_error(x->conn, 400, "Labels: not an object");
		json_object_foreach(lj, k, v) {
			_cleanup_free_ char *kv = NULL;

			if (!json_is_string(v))
				return http_error(x->conn, 400, "Labels[\"%s\"]: not a string", k);
			kv = xasprintf("%s=%s", k, json_string_value(v));
			if (!kv || strv_extend(&labels, kv) < 0)
				return http_error(x->conn, 500, "out of memory");
		}
		if (berth_volume_create(e,
					json_is_string(n) && *json_string_value(n)
						? json_string_value(n)
						: NULL,
					labels, &name, &err) < 0)
			return http_engine_error(x->conn, err);
	}
	j = volume_json(e, name, &err);
	if (!j)
		return err ? http_engine_error(x->conn, err)
			   : http_error(x->conn, 500, "out of memory");
	return http_json(x->conn, 201, j);
}

/* DELETE /volumes/{name}?force=: 204; 409 while a container mounts it */
static int remove_(struct api_ctx *x)
{
	struct berth_engine *e = api_engine(x);
	_cleanup_(berth_error_freep) struct berth_error *err = NULL;
	bool force = http_query_bool(x->req, "force", false);
	int r;

	if (!e)
		return -1;
	r = berth_volume_remove(e, x->arg[0], force, &err);
	/* dockerd: a volume that is not there is no error with force */
	if (r < 0 && !(r == -ENOENT && force))
		return http_engine_error(x->conn, err);
	return http_no_content(x->conn, 204);
}

/* POST /volumes/prune?filters=: anonymous volumes no container mounts; all=true every
 * one; label=, label!= */
static int prune(struct api_ctx *x)
{
	struct berth_engine *e = api_engine(x);
	_cleanup_(berth_error_freep) struct berth_error *err = NULL;
	_cleanup_strv_free_ char **filters = NULL, **removed = NULL, **labels = NULL;
	struct berth_df before = {0};
	bool all = false;
	int64_t reclaimed = 0;
	json_t *a;

	if (!e || http_query_filters(x->conn, x->req, &filters) < 0)
		return -1;
	for (char **f = filters; f && *f; f++) {
		const char *v;

		if ((v = startswith(*f, "all=")))
			all = streq(v, "true") || streq(v, "1");
		else if (startswith(*f, "label=") || startswith(*f, "label!=")) {
			if (strv_extend(&labels, *f) < 0)
				return http_error(x->conn, 500, "out of memory");
		} else
			return http_error(x->conn, 400, "invalid filter '%.*s'",
					  (int)strcspn(*f, "=!"), *f);
	}
	/* what they take, measured before they go (as system prune counts it) */
	if (berth_engine_df(e, &before, &err) < 0)
		return http_engine_error(x->conn, err);
	if (berth_volume_prune(e, all, labels, &removed, &err) < 0) {
		berth_df_clear(&before);
		return http_engine_error(x->conn, err);
	}
	for (size_t i = 0; i < before.n_volumes; i++)
		if (strv_contains(removed, before.volumes[i].name))
			reclaimed += before.volumes[i].size;
	berth_df_clear(&before);
	a = json_array();
	for (char **n = removed; a && n && *n; n++)
		json_array_append_new(a, json_string(*n));
	return http_json(
	    x->conn, 200,
	    json_pack("{s:o,s:I}", "VolumesDeleted", a, "SpaceReclaimed", (json_int_t)reclaimed));
}

const struct api_route api_volume_routes[] = {
    {"GET", "/volumes", list},		{"POST", "/volumes/create", create},
    {"POST", "/volumes/prune", prune},	{"GET", "/volumes/{}", inspect},
    {"DELETE", "/volumes/{}", remove_}, {},
};
