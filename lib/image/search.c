/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * `berth search`: the registry's v1 search API (GET /v1/search?q=TERM&n=LIMIT), which
 * docker's Hub (index.docker.io) answers; a registry of the v2 API alone has none, and
 * says so with a 404, which is reported as such rather than as "not found".
 */
#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "berth/cleanup.h"
#include "berth/image.h"
#include "berth/util.h"
#include "registry.h"

void berth_search_results_free(struct berth_search_result *r, size_t n)
{
	for (size_t i = 0; r && i < n; i++) {
		free(r[i].name);
		free(r[i].description);
	}
	free(r);
}

static bool hub(const char *host)
{
	return streq(host, "docker.io") || streq(host, "index.docker.io") ||
	       streq(host, REG_DOCKER_HUB_HOST);
}

int berth_registry_search(const char *registry, const char *term, unsigned limit,
			  const struct berth_registry_options *o,
			  struct berth_search_result **ret, size_t *ret_n, struct berth_error **err)
{
	struct reg_client *c = NULL;
	struct reg_request req = REG_REQUEST_INIT;
	struct reg_response resp = {0};
	_cleanup_free_ char *q = reg_escape(term), *url = NULL;
	_cleanup_(json_decrefp) json_t *j = NULL;
	struct berth_search_result *res = NULL;
	json_t *results, *it;
	size_t i, n = 0;
	int r;

	if (!q)
		return berth_error_set(err, ENOMEM, "search");
	if (limit < 1 || limit > 100)
		return berth_error_new(err, EINVAL, "limit %u is outside the range of [1, 100]",
				       limit);
	r = reg_client_new(hub(registry) ? "docker.io" : registry, NULL, NULL, NULL, false, o, &c,
			   err);
	if (r >= 0 && !hub(registry))
		r = reg_ping(c, err);
	if (r < 0)
		goto out;
	url = hub(registry) ? xasprintf("https://index.docker.io/v1/search?q=%s&n=%u", q, limit)
			    : xasprintf("/v1/search?q=%s&n=%u", q, limit);
	if (!url) {
		r = berth_error_set(err, ENOMEM, "search");
		goto out;
	}
	req.url = url;
	req.accept = "application/json";
	r = reg_do(c, &req, &resp, err);
	if (r < 0)
		goto out;
	if (resp.status == 404 || resp.status == 405) {
		r = berth_error_new(err, ENOTSUP,
				    "registry '%s' does not support search (it has no v1 search "
				    "API)",
				    registry);
		goto out;
	}
	if (resp.status != 200) {
		reg_status_error(&resp, err);
		r = berth_error_wrap(err, "search '%s'", registry);
		goto out;
	}
	j = json_loadb(resp.body ? resp.body : "", resp.len, 0, NULL);
	results = json_object_get(j, "results");
	if (!json_is_array(results)) {
		r = berth_error_new(err, EPROTO, "search '%s': the answer has no results",
				    registry);
		goto out;
	}
	res = calloc(json_array_size(results) + 1, sizeof(*res));
	if (!res) {
		r = berth_error_set(err, ENOMEM, "search");
		goto out;
	}
	json_array_foreach(results, i, it)
	{
		const char *name = json_string_value(json_object_get(it, "name"));
		const char *desc = json_string_value(json_object_get(it, "description"));

		if (!name || n >= limit)
			continue;
		res[n] = (struct berth_search_result){
		    .name = strdup(name),
		    .description = strdup(desc ? desc : ""),
		    .stars = json_integer_value(json_object_get(it, "star_count")),
		    .official = json_is_true(json_object_get(it, "is_official")),
		    .automated = json_is_true(json_object_get(it, "is_automated")),
		};
		if (!res[n].name || !res[n].description) {
			berth_search_results_free(res, n + 1);
			res = NULL;
			r = berth_error_set(err, ENOMEM, "search");
			goto out;
		}
		n++;
	}
	*ret = TAKE_PTR(res);
	*ret_n = n;
	r = 0;
out:
	reg_response_release(&resp);
	reg_client_free(c);
	return r;
}
