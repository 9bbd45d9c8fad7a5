/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The Engine API's /images endpoints.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
	return http_send(x->conn, 200, "application/json", j, strlen(j));
}

const struct api_route api_image_routes[] = {
	{ "GET", "/images/json", list },
	{ "GET", "/images/{*}/json", inspect },
	{},
};
