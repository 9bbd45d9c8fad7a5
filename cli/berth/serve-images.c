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
	if (berth_engine_image_prune_filtered(e, all, rest, &deleted, &reclaimed, &err) < 0)
		return http_engine_error(x->conn, err);
	a = json_array();
	for (char **d = deleted; a && d && *d; d++)
		json_array_append_new(a, json_pack("{s:s}", "Deleted", *d));
	return http_json(
	    x->conn, 200,
	    json_pack("{s:o,s:I}", "ImagesDeleted", a, "SpaceReclaimed", (json_int_t)reclaimed));
}

/* --- bytes between the connection and a pipe, while a library call runs --- */

/* what is read from fd (a pipe's read end) into the response's chunked stream */
struct out_pump {
	struct http_conn *c;
	int fd;
	pthread_t t;
};

static void *out_pump_run(void *data)
{
	struct out_pump *p = data;
	char buf[65536];
	ssize_t n;

	while ((n = read(p->fd, buf, sizeof(buf))) > 0 || (n < 0 && errno == EINTR))
		if (n > 0 && http_stream_write(p->c, buf, (size_t)n) < 0)
			break; /* the client went: the writer gets EPIPE */
	close(p->fd);
	return NULL;
}

/* One stream message of load or import */
static void stream_msg(struct http_conn *c, const char *key, const char *value)
{
	_cleanup_free_ char *s = NULL;
	json_t *j = json_pack("{s:s}", key, value);

	s = j ? json_dumps(j, JSON_COMPACT) : NULL;
	json_decref(j);
	if (s && http_stream_write(c, s, strlen(s)) >= 0)
		(void)http_stream_write(c, "\r\n", 2);
}

/* GET /images/{name}/get, GET /images/get?names=A&names=B: a docker-archive */
static int save(struct api_ctx *x)
{
	struct berth_engine *e = api_engine(x);
	_cleanup_(berth_error_freep) struct berth_error *err = NULL;
	_cleanup_strv_free_ char **names = NULL;
	struct out_pump p = {.c = x->conn};
	int fds[2], r;

	if (!e)
		return -1;
	if (x->arg[0] ? strv_extend(&names, x->arg[0]) < 0
		      : http_query_all(x->req, "names", &names) < 0)
		return http_error(x->conn, 500, "out of memory");
	if (!names || !names[0])
		return http_error(x->conn, 400, "no image names given");
	/* what the archive cannot have is a 404 before it begins */
	for (char **n = names; *n; n++) {
		_cleanup_free_ char *id = NULL;

		if (berth_image_resolve(berth_engine_store(e), *n, &id, NULL, NULL, NULL) < 0)
			return http_error(x->conn, 404, "No such image: %s", *n);
	}
	if (pipe2(fds, O_CLOEXEC) < 0)
		return http_error(x->conn, 500, "pipe: %m");
	if (http_stream_begin(x->conn, 200, "application/x-tar") < 0) {
		close(fds[0]);
		close(fds[1]);
		return -1;
	}
	p.fd = fds[0];
	if (pthread_create(&p.t, NULL, out_pump_run, &p) != 0) {
		close(fds[0]);
		close(fds[1]);
		x->conn->close = true;
		return -1;
	}
	r = berth_image_save(berth_engine_store(e), names, BERTH_ARCHIVE_DOCKER, fds[1], &err);
	close(fds[1]);
	pthread_join(p.t, NULL);
	/* a failure half way: no final chunk, so the client sees the archive cut short */
	if (r < 0 || x->conn->close) {
		snprintf(x->conn->error, sizeof(x->conn->error), "%s",
			 err ? berth_error_message(err) : "the client went away");
		x->conn->close = true;
		return -1;
	}
	return http_stream_end(x->conn);
}

/* POST /images/load: the body is the archive; quiet (nothing else is said either way):
 * docker's {"stream": "Loaded image: busybox:latest\n"} */
static int load(struct api_ctx *x)
{
	struct berth_engine *e = api_engine(x);
	_cleanup_(berth_error_freep) struct berth_error *err = NULL;
	_cleanup_strv_free_ char **ids = NULL, **names = NULL;
	struct http_body_pump p;
	int fd = -1, r;

	if (!e)
		return -1;
	r = http_body_pump_start(x->conn, x->req, &p, &fd);
	if (r < 0)
		return http_error(x->conn, 500, "load: %s", strerror(-r));
	r = berth_image_load_fd(berth_engine_store(e), fd, &ids, &names, &err);
	http_body_pump_finish(&p, fd);
	if (r < 0)
		return http_engine_error(x->conn, err);
	if (http_stream_begin(x->conn, 200, "application/json") < 0)
		return -1;
	for (char **n = names; n && *n; n++) {
		_cleanup_free_ char *line = xasprintf(
		    startswith(*n, "sha256:") ? "Loaded image ID: %s\n" : "Loaded image: %s\n", *n);
		if (line)
			stream_msg(x->conn, "stream", line);
	}
	return http_stream_end(x->conn);
}

/* POST /images/create?fromSrc=-: the body is the tarball; repo, tag, changes;
 * {"status": "sha256:..."} */
int api_image_import(struct api_ctx *x, const char *src)
{
	struct berth_engine *e = api_engine(x);
	_cleanup_(berth_error_freep) struct berth_error *err = NULL;
	_cleanup_free_ char *repo = http_query(x->req, "repo"), *t = http_query(x->req, "tag");
	_cleanup_free_ char *ref = NULL, *id = NULL;
	_cleanup_strv_free_ char **changes = NULL;
	struct http_body_pump p;
	int fd = -1, r;

	if (!e)
		return -1;
	if (!streq(src, "-"))
		return http_error(x->conn, 400,
				  "importing from '%s' is not supported by berth: "
				  "send the tarball as the body (fromSrc=-)",
				  src);
	if (http_query_all(x->req, "changes", &changes) < 0)
		return http_error(x->conn, 500, "out of memory");
	if (repo && *repo) {
		ref = t && *t ? xasprintf("%s:%s", repo, t) : strdup(repo);
		if (!ref)
			return http_error(x->conn, 500, "out of memory");
	}
	r = http_body_pump_start(x->conn, x->req, &p, &fd);
	if (r < 0)
		return http_error(x->conn, 500, "import: %s", strerror(-r));
	r = berth_image_import_fd(berth_engine_store(e), fd, ref, changes, &id, &err);
	http_body_pump_finish(&p, fd);
	if (r < 0)
		return http_engine_error(x->conn, err);
	if (http_stream_begin(x->conn, 200, "application/json") < 0)
		return -1;
	stream_msg(x->conn, "status", id);
	return http_stream_end(x->conn);
}

/* zero: what a client sends for a field it leaves unset */
static bool json_zero(json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_NULL:
	case JSON_FALSE:
		return true;
	case JSON_STRING:
		return json_string_length(v) == 0;
	case JSON_INTEGER:
		return json_integer_value(v) == 0;
	case JSON_OBJECT:
		return json_object_size(v) == 0;
	case JSON_ARRAY:
		return json_array_size(v) == 0;
	default:
		return false;
	}
}

/* POST /commit: container, repo, tag, comment, author, changes; pause is not needed (the
 * upper directory is read as it is); 201 {"Id": ...}. A config in the body is refused
 * by field (the changes say the same). */
static int commit(struct api_ctx *x)
{
	struct berth_engine *e = api_engine(x);
	_cleanup_(berth_error_freep) struct berth_error *err = NULL;
	_cleanup_free_ char *ctr = http_query(x->req, "container"),
			    *repo = http_query(x->req, "repo");
	_cleanup_free_ char *t = http_query(x->req, "tag"),
			    *comment = http_query(x->req, "comment");
	_cleanup_free_ char *author = http_query(x->req, "author"), *ref = NULL, *id = NULL;
	_cleanup_strv_free_ char **changes = NULL;
	json_auto_t *body = NULL;
	struct berth_commit_opts o = {0};
	const char *key;
	json_t *v;

	if (!e || http_body_json(x->conn, x->req, &body) < 0)
		return -1;
	json_object_foreach(body, key, v)
	{
		if (!json_zero(v))
			return http_error(x->conn, 400,
					  "%s is not supported by berth in a commit's config: use "
					  "changes",
					  key);
	}
	if (!ctr || !*ctr)
		return http_error(x->conn, 400, "a container is needed");
	if (http_query_all(x->req, "changes", &changes) < 0)
		return http_error(x->conn, 500, "out of memory");
	if (repo && *repo) {
		ref = xasprintf("%s:%s", repo, t && *t ? t : "latest");
		if (!ref)
			return http_error(x->conn, 500, "out of memory");
	}
	o.ref = ref;
	o.changes = changes;
	o.comment = comment && *comment ? comment : NULL;
	o.author = author && *author ? author : NULL;
	if (berth_engine_commit(e, ctr, &o, &id, &err) < 0)
		return http_engine_error(x->conn, err);
	return http_json(x->conn, 201, json_pack("{s:s}", "Id", id));
}

/* POST /build */
static int build(struct api_ctx *x)
{
	return http_error(x->conn, 501, "berth does not build images from a Dockerfile yet");
}

const struct api_route api_image_routes[] = {
	{ "GET", "/images/json", list },
	{ "POST", "/images/load", load },
	{ "POST", "/images/prune", prune },
	{ "GET", "/images/get", save },
	{ "GET", "/images/{*}/json", inspect },
	{ "GET", "/images/{*}/history", history },
	{ "GET", "/images/{*}/get", save },
	{ "POST", "/images/{*}/tag", tag },
	{ "DELETE", "/images/{*}", remove_ },
	{ "POST", "/commit", commit },
	{ "POST", "/build", build },
	{},
};
