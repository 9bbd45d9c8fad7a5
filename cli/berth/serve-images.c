/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The Engine API's /images endpoints over the image store: list, inspect, tag, delete,
 * history, prune, save, load, import (POST /images/create?fromSrc=), and POST /commit and
 * POST /build. What talks to a registry is in serve-registry.c.
 *
 * load and import read a descriptor, save writes one: a thread moves the bytes between
 * a pipe and the connection while the library call runs.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "berth/cleanup.h"
#include "berth/image.h"
#include "berth/util.h"
#include "serve.h"

/* GET /images/json: one entry per image, its tags together */
static int list(struct api_ctx *x)
{
	struct berth_engine *e = api_engine(x);
	_cleanup_(berth_error_freep) struct berth_error *err = NULL;
	_cleanup_strv_free_ char **filters = NULL;
	struct berth_image **l = NULL;
	size_t n = 0;
	json_t *a, *by_id;

	if (!e || http_query_filters(x->conn, x->req, &filters) < 0)
		return -1;
	if (berth_image_list(berth_engine_store(e), &l, &n, &err) < 0 ||
	    berth_image_list_filter(berth_engine_store(e), l, &n, filters, &err) < 0) {
		berth_image_list_free(l, n);
		return http_engine_error(x->conn, err);
	}
	a = json_array();
	by_id = json_object();
	for (size_t i = 0; a && by_id && i < n; i++) {
		json_t *img = json_object_get(by_id, l[i]->id), *tags;

		if (!img) {
			img = json_pack("{s:s,s:s,s:[],s:[],s:I,s:I,s:I,s:i,s:o}", "Id", l[i]->id,
					"ParentId", "", "RepoTags", "RepoDigests", "Created",
					(json_int_t)l[i]->created, "Size", (json_int_t)l[i]->size,
					"SharedSize", (json_int_t)-1, "Containers", -1, "Labels",
					api_labels(l[i]->labels));
			if (!img)
				break;
			/* dockerd's VirtualSize (the Size) below API 1.44: docker's CLI 20.10
			 * shows it as {{.VirtualSize}} */
			if (api_version_cmp(x->req->version, "1.44") < 0)
				json_object_set_new(img, "VirtualSize",
						    json_integer((json_int_t)l[i]->size));
			json_object_set(by_id, l[i]->id, img);
			json_array_append_new(a, img);
		}
		tags = json_object_get(img, "RepoTags");
		if (l[i]->ref)
			json_array_append_new(tags, json_string(l[i]->ref));
	}
	json_decref(by_id);
	berth_image_list_free(l, n);
	return http_json(x->conn, 200, a);
}

/* GET /images/{name}/json */
static int inspect(struct api_ctx *x)
{
	struct berth_engine *e = api_engine(x);
	_cleanup_(berth_error_freep) struct berth_error *err = NULL;
	_cleanup_free_ char *j = NULL;

	if (!e)
		return -1;
	if (berth_image_inspect(berth_engine_store(e), x->arg[0], &j, &err) < 0)
		return http_engine_error(x->conn, err);
	/* below API 1.44 dockerd's VirtualSize too, the Size */
	if (api_version_cmp(x->req->version, "1.44") < 0) {
		json_auto_t *o = json_loads(j, 0, NULL);

		if (o && json_is_object(o) && json_object_get(o, "Size")) {
			json_object_set(o, "VirtualSize", json_object_get(o, "Size"));
			return http_json(x->conn, 200, json_incref(o));
		}
	}
	return http_send(x->conn, 200, "application/json", j, strlen(j));
}

/* POST /images/{name}/tag: repo, tag; 201 */
static int tag(struct api_ctx *x)
{
	struct berth_engine *e = api_engine(x);
	_cleanup_(berth_error_freep) struct berth_error *err = NULL;
	_cleanup_free_ char *repo = http_query(x->req, "repo"), *t = http_query(x->req, "tag");
	_cleanup_free_ char *target = NULL;

	if (!e)
		return -1;
	if (!repo || !*repo)
		return http_error(x->conn, 400, "repository name must have at least one component");
	target = xasprintf("%s:%s", repo, t && *t ? t : "latest");
	if (!target)
		return http_error(x->conn, 500, "out of memory");
	if (berth_image_tag(berth_engine_store(e), x->arg[0], target, &err) < 0)
		return http_engine_error(x->conn, err);
	return http_no_content(x->conn, 201);
}

/* DELETE /images/{name}: force, noprune (berth keeps no parent images to prune);
 * [{"Untagged": ...}, {"Deleted": ...}], 409 with dockerd's conflicts */
static int remove_(struct api_ctx *x)
{
	struct berth_engine *e = api_engine(x);
	_cleanup_(berth_error_freep) struct berth_error *err = NULL;
	_cleanup_strv_free_ char **untagged = NULL;
	_cleanup_free_ char *id = NULL;
	bool deleted = false;
	json_t *a;

	if (!e)
		return -1;
	if (berth_image_resolve(berth_engine_store(e), x->arg[0], &id, NULL, NULL, NULL) < 0)
		return http_error(x->conn, 404, "No such image: %s", x->arg[0]);
	if (berth_engine_image_remove(e, x->arg[0], http_query_bool(x->req, "force", false),
				      &untagged, &deleted, &err) < 0)
		return http_engine_error(x->conn, err);
	a = json_array();
	for (char **u = untagged; a && u && *u; u++)
		json_array_append_new(a, json_pack("{s:s}", "Untagged", *u));
	if (a && deleted)
		json_array_append_new(a, json_pack("{s:s}", "Deleted", id));
	return http_json(x->conn, 200, a);
}

/* GET /images/{name}/history: newest first, as docker's */
static int history(struct api_ctx *x)
{
	struct berth_engine *e = api_engine(x);
	_cleanup_(berth_error_freep) struct berth_error *err = NULL;
	struct berth_history *h = NULL;
	size_t n = 0;
	json_t *a;

	if (!e)
		return -1;
	if (berth_image_history(berth_engine_store(e), x->arg[0], &h, &n, &err) < 0)
		return http_engine_error(x->conn, err);
	a = json_array();
	for (size_t i = 0; a && i < n; i++) {
		_cleanup_strv_free_ char **refs = NULL;
		json_t *tags = json_null();

		if (h[i].id && berth_image_refs(berth_engine_store(e), h[i].id, &refs, NULL) >= 0 &&
		    refs[0]) {
			tags = json_array();
			for (char **r = refs; tags && *r; r++)
				json_array_append_new(tags, json_string(*r));
		}
		json_array_append_new(
		    a,
		    json_pack("{s:s,s:I,s:s,s:o*,s:I,s:s}", "Id", h[i].id ?: "<missing>", "Created",
			      (json_int_t)h[i].created, "CreatedBy", h[i].created_by ?: "", "Tags",
			      tags, "Size", (json_int_t)h[i].size, "Comment", h[i].comment ?: ""));
	}
	berth_history_free(h, n);
	return http_json(x->conn, 200, a);
}

/* POST /images/prune: filters dangling (false: every unused image), until, label,
 * label!; {"ImagesDeleted": [...], "SpaceReclaimed": N} */
static int prune(struct api_ctx *x)
{
	struct berth_engine *e = api_engine(x);
	_cleanup_(berth_error_freep) struct berth_error *err = NULL;
	_cleanup_strv_free_ char **filters = NULL, **rest = NULL, **deleted = NULL;
	struct berth_image **imgs = NULL;
	size_t n_imgs = 0;
	uint64_t reclaimed = 0;
	bool all = false;
	json_t *a;

	if (!e || http_query_filters(x->conn, x->req, &filters) < 0)
		return -1;
	for (char **f = filters; f && *f; f++) {
		const char *v = startswith(*f, "dangling=");

		if (v && (streq(v, "true") || streq(v, "1")))
			all = false;
		else if (v && (streq(v, "false") || streq(v, "0")))
			all = true;
		else if (v)
			return http_error(x->conn, 400, "invalid filter 'dangling=%s'", v);
		else if (strv_extend(&rest, *f) < 0)
			return http_error(x->conn, 500, "out of memory");
	}
	/* dockerd names the tags that went with each image: the images as they were */
	if (berth_image_list(berth_engine_store(e), &imgs, &n_imgs, &err) < 0)
		return http_engine_error(x->conn, err);
	if (berth_engine_image_prune_filtered(e, all, rest, &deleted, &reclaimed, &err) < 0) {
		berth_image_list_free(imgs, n_imgs);
		return http_engine_error(x->conn, err);
	}
	a = json_array();
	for (char **d = deleted; a && d && *d; d++) {
		for (size_t i = 0; i < n_imgs; i++)
			if (imgs[i]->ref && streq(imgs[i]->id, *d))
				json_array_append_new(a, json_pack("{s:s}", "Untagged", imgs[i]->ref));
		json_array_append_new(a, json_pack("{s:s}", "Deleted", *d));
	}
	berth_image_list_free(imgs, n_imgs);
	return http_json(
	    x->conn, 200,
	    json_pack("{s:o,s:I}", "ImagesDeleted", a, "SpaceReclaimed", (json_int_t)reclaimed));
}

/* --- bytes between the connection and a pipe, while a library call runs --- */

/* POST /build */
static int build(struct api_ctx *x)
{
	return http_error(x->conn, 501, "berth does not build images from a Dockerfile yet");
}

const struct api_route api_image_routes[] = {
	{ "GET", "/images/json", list },
	{ "POST", "/images/prune", prune },
	{ "GET", "/images/{*}/json", inspect },
	{ "GET", "/images/{*}/history", history },
	{ "POST", "/images/{*}/tag", tag },
	{ "DELETE", "/images/{*}", remove_ },
	{ "POST", "/build", build },
	{},
};
