/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The Engine API's endpoints that talk to registries: POST /images/create (a pull, or an
 * import with fromSrc), POST /images/{name}/push, POST /auth, GET /images/search.
 *
 * The credentials are the client's (X-Registry-Auth, or /auth's body), never a file of
 * the server's: dockerd keeps none either, and a client must not pull with another's.
 * A pull or push answers docker's JSON progress messages as a stream; an error before
 * its first message is an HTTP error (docker's CLI acts on its status: `run` pulls on
 * 404), one after it an {"errorDetail":...} message, as dockerd does.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>

#include "berth/cleanup.h"
#include "berth/image.h"
#include "berth/util.h"
#include "serve.h"

/* base64 (URL-safe or standard, padded or not), as docker's clients encode
 * X-Registry-Auth; NULL when malformed */
static char *b64_decode(const char *s)
{
	size_t n = strlen(s), o = 0;
	unsigned acc = 0;
	int bits = 0;
	char *out = malloc(n / 4 * 3 + 4);

	if (!out)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		const char *a = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
		const char *p;
		unsigned v;

		if (s[i] == '=')
			break;
		if (s[i] == '-' || s[i] == '+')
			v = 62;
		else if (s[i] == '_' || s[i] == '/')
			v = 63;
		else if (s[i] && (p = strchr(a, s[i])))
			v = (unsigned)(p - a);
		else {
			free(out);
			return NULL;
		}
		acc = acc << 6 | v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[o++] = (char)(acc >> bits & 0xff);
		}
	}
	out[o] = 0;
	return out;
}

/* The client's credentials */
struct auth {
	json_t *j; /* what X-Registry-Auth or the body held */
	struct berth_registry_options o;
};

static void auth_release(struct auth *a)
{
	json_decref(a->j);
}

/* X-Registry-Auth: base64 JSON {username, password, serveraddress, identitytoken};
 * absent, "{}" or without a username: anonymous. 400 when malformed. */
static int auth_from_header(struct api_ctx *x, struct auth *a)
{
	const char *h = x->req->registry_auth;
	const char *user;

	*a = (struct auth){.o = {.given_credentials = true}};
	if (h && *h) {
		_cleanup_free_ char *plain = b64_decode(h);

		a->j = plain ? json_loads(plain, 0, NULL) : NULL;
		if (!json_is_object(a->j))
			return http_error(x->conn, 400,
					  "invalid X-Registry-Auth header: not base64 "
					  "of a JSON object"),
			       -EINVAL;
	}
	user = json_string_value(json_object_get(a->j, "username"));
	if (user && *user) {
		a->o.user = user;
		a->o.password = json_string_value(json_object_get(a->j, "password")) ?: "";
	}
	return 0;
}

/* docker's reference parts of NAME (no tag): the registry ("docker.io" when the first
 * component names none), the path there ("library/busybox"), and the familiar name
 * ("busybox"; "127.0.0.1:5000/x") */
struct ref_parts {
	char *domain, *path, *familiar;
};

static void ref_parts_release(struct ref_parts *p)
{
	free(p->domain);
	free(p->path);
	free(p->familiar);
}

static int ref_split(const char *name, struct ref_parts *ret)
{
	const char *slash = strchr(name, '/');
	struct ref_parts p = {0};

	if (slash &&
	    (memchr(name, '.', (size_t)(slash - name)) ||
	     memchr(name, ':', (size_t)(slash - name)) || strncmp(name, "localhost/", 10) == 0)) {
		p.domain = strndup(name, (size_t)(slash - name));
		p.path = strdup(slash + 1);
	} else {
		p.domain = strdup("docker.io");
		p.path = slash ? strdup(name) : xasprintf("library/%s", name);
	}
	if (p.domain && p.path && streq(p.domain, "docker.io"))
		p.familiar = strdup(startswith(p.path, "library/") ?: p.path);
	else if (p.domain && p.path)
		p.familiar = xasprintf("%s/%s", p.domain, p.path);
	if (!p.familiar) {
		ref_parts_release(&p);
		return -ENOMEM;
	}
	*ret = p;
	return 0;
}

/* One JSON message of a progress stream; false once the client is gone */
static bool stream_msg(struct http_conn *c, json_t *j)
{
	_cleanup_free_ char *s = j ? json_dumps(j, JSON_COMPACT) : NULL;
	bool ok = s && http_stream_line(c, s, "\r\n") >= 0;

	json_decref(j);
	return ok;
}

static json_t *status_msg(const char *status, const char *id)
{
	return id ? json_pack("{s:s,s:{},s:s}", "status", status, "progressDetail", "id", id)
		  : json_pack("{s:s}", "status", status);
}

/* The error message of a stream that began */
static int stream_error(struct http_conn *c, const char *msg)
{
	stream_msg(c, json_pack("{s:{s:s},s:s}", "errorDetail", "message", msg, "error", msg));
	return http_stream_end(c);
}

/* --- pull --- */

struct pull {
	struct http_conn *c;
	const struct ref_parts *ref;
	const char *tag; /* or digest */
	bool begun;
};

static void pull_begin(struct pull *p)
{
	_cleanup_free_ char *from = NULL;

	if (p->begun)
		return;
	p->begun = true;
	from = xasprintf("Pulling from %s", p->ref->path);
	if (http_stream_begin(p->c, 200, "application/json") >= 0 && from)
		stream_msg(p->c, status_msg(from, p->tag));
}

/* "12.3MB" back to bytes, for docker's progressDetail */
static json_int_t parse_human(const char *s)
{
	static const char *const units[] = {"B", "kB", "MB", "GB", "TB"};
	char *end;
	double v = strtod(s, &end);

	for (size_t i = 0; i < ELEMENTSOF(units); i++) {
		if (strncmp(end, units[i], strlen(units[i])) == 0) {
			for (size_t k = 0; k < i; k++)
				v *= 1000;
			break;
		}
	}
	return (json_int_t)v;
}

static void pull_line(const char *line, void *data)
{
	struct pull *p = data;
	const char *digest;

	if (startswith(line, "Trying to pull "))
		return;
	pull_begin(p);
	if ((digest = startswith(line, "Digest: ")))
		stream_msg(p->c, status_msg(line, NULL));
}

/* lib/image's statuses of a layer as docker's messages */
static void pull_layer(const char *id, const char *status, void *data)
{
	struct pull *p = data;
	const char *hex = startswith(id, "sha256:") ?: id;
	const char *dl;

	pull_begin(p);
	if (streq(status, "Waiting")) {
		stream_msg(p->c, status_msg("Pulling fs layer", hex));
	} else if ((dl = startswith(status, "Downloading"))) {
		const char *slash;

		dl += strspn(dl, " ");
		slash = strchr(dl, '/');
		stream_msg(p->c, json_pack("{s:s,s:{s:I,s:I},s:s,s:s}", "status", "Downloading",
					   "progressDetail", "current", parse_human(dl), "total",
					   slash ? parse_human(slash + 1) : (json_int_t)0,
					   "progress", dl, "id", hex));
	} else {
		stream_msg(p->c, status_msg(status, hex));
	}
}

static bool platform_ok(const char *platform)
{
	struct utsname u;

	if (!platform || !*platform || streq(platform, "linux"))
		return true;
	return uname(&u) == 0 && streq(u.machine, "x86_64") && streq(platform, "linux/amd64");
}

static int pull(struct api_ctx *x, const char *from)
{
	struct berth_engine *e = api_engine(x);
	_cleanup_(berth_error_freep) struct berth_error *err = NULL;
	_cleanup_(auth_release) struct auth a = {0};
	_cleanup_(ref_parts_release) struct ref_parts ref = {0};
	_cleanup_free_ char *tag = http_query(x->req, "tag"),
			    *platform = http_query(x->req, "platform");
	_cleanup_free_ char *name = NULL, *full = NULL, *old = NULL, *id = NULL, *msg = NULL;
	const char *at, *colon;
	struct pull p = {.c = x->conn};

	if (!e || auth_from_header(x, &a) < 0)
		return -1;
	if (!platform_ok(platform))
		return http_error(x->conn, 400,
				  "platform '%s' is not supported by berth: it pulls "
				  "the linux/amd64 image",
				  platform);
	/* fromImage may carry the tag (or digest) itself */
	at = strchr(from, '@');
	colon = strrchr(from, ':');
	if (colon && strchr(colon, '/'))
		colon = NULL;
	name = at      ? strndup(from, (size_t)(at - from))
	       : colon ? strndup(from, (size_t)(colon - from))
		       : strdup(from);
	if (!name)
		return http_error(x->conn, 500, "out of memory");
	if (!tag || !*tag) {
		free(tag);
		tag = strdup(at ? at + 1 : colon ? colon + 1 : "latest");
	}
	if (!tag || ref_split(name, &ref) < 0)
		return http_error(x->conn, 500, "out of memory");
	full = xasprintf("%s%s%s", ref.familiar, startswith(tag, "sha256:") ? "@" : ":", tag);
	if (!full)
		return http_error(x->conn, 500, "out of memory");
	p.ref = &ref;
	p.tag = tag;
	a.o.progress = pull_line;
	a.o.layer_status = pull_layer;
	a.o.progress_data = &p;
	(void)berth_image_resolve(berth_engine_store(e), full, &old, NULL, NULL, NULL);
	if (berth_image_pull(berth_engine_store(e), full, &a.o, &id, &err) < 0) {
		if (!p.begun)
			return http_engine_error(x->conn, err);
		return stream_error(x->conn, berth_error_message(err));
	}
	pull_begin(&p);
	msg = xasprintf("Status: %s for %s",
			old && streq(old, id) ? "Image is up to date" : "Downloaded newer image",
			full);
	if (msg)
		stream_msg(x->conn, status_msg(msg, NULL));
	return http_stream_end(x->conn);
}

/* POST /images/create: fromImage pulls, fromSrc imports (serve-images.c) */
int api_image_create(struct api_ctx *x)
{
	_cleanup_free_ char *from = http_query(x->req, "fromImage");
	_cleanup_free_ char *src = http_query(x->req, "fromSrc");

	if (src && *src)
		return api_image_import(x, src);
	if (!from || !*from)
		return http_error(x->conn, 400, "fromImage or fromSrc is required");
	return pull(x, from);
}

/* --- push --- */

struct push {
	struct http_conn *c;
	bool begun;
};

/* lib/image's lines ("Copying blob sha256:... done", "... skipped: already exists",
 * "... mounted from REPO") as docker's per-layer messages */
static void push_line(const char *line, void *data)
{
	struct push *p = data;
	const char *blob = startswith(line, "Copying blob sha256:");
	char id[13];

	if (!blob)
		return;
	snprintf(id, sizeof(id), "%.12s", blob);
	if (strstr(line, "skipped: already exists"))
		stream_msg(p->c, status_msg("Layer already exists", id));
	else if (strstr(line, " mounted from ")) {
		_cleanup_free_ char *s =
		    xasprintf("Mounted from %s", strstr(line, " mounted from ") + 14);

		if (s)
			stream_msg(p->c, status_msg(s, id));
	} else
		stream_msg(p->c, status_msg("Pushed", id));
}

/* the tags of repository familiar name (the image store's refs) */
static int repo_tags(struct berth_store *s, const char *familiar, char ***ret,
		     struct berth_error **err)
{
	struct berth_image **l = NULL;
	_cleanup_strv_free_ char **tags = NULL;
	size_t n = 0, len = strlen(familiar);

	if (berth_image_list(s, &l, &n, err) < 0)
		return -1;
	for (size_t i = 0; i < n; i++)
		if (l[i]->ref && strncmp(l[i]->ref, familiar, len) == 0 && l[i]->ref[len] == ':' &&
		    !strchr(l[i]->ref + len + 1, '/') &&
		    strv_extend(&tags, l[i]->ref + len + 1) < 0) {
			berth_image_list_free(l, n);
			return berth_error_set(err, ENOMEM, "push");
		}
	berth_image_list_free(l, n);
	*ret = TAKE_PTR(tags);
	return 0;
}

/* POST /images/{name}/push: tag, X-Registry-Auth; every tag of the repository without
 * one */
int api_image_push(struct api_ctx *x)
{
	struct berth_engine *e = api_engine(x);
	_cleanup_(berth_error_freep) struct berth_error *err = NULL;
	_cleanup_(auth_release) struct auth a = {0};
	_cleanup_(ref_parts_release) struct ref_parts ref = {0};
	_cleanup_free_ char *tag = http_query(x->req, "tag"), *head = NULL;
	_cleanup_strv_free_ char **tags = NULL;
	struct push p = {.c = x->conn};

	if (!e || auth_from_header(x, &a) < 0)
		return -1;
	if (ref_split(x->arg[0], &ref) < 0)
		return http_error(x->conn, 500, "out of memory");
	if (tag && *tag) {
		if (strv_extend(&tags, tag) < 0)
			return http_error(x->conn, 500, "out of memory");
	} else if (repo_tags(berth_engine_store(e), ref.familiar, &tags, &err) < 0)
		return http_engine_error(x->conn, err);
	if (!tags || !tags[0])
		return http_error(x->conn, 404, "An image does not exist locally with the tag: %s",
				  ref.familiar);
	for (char **t = tags; *t; t++) {
		_cleanup_free_ char *full = xasprintf("%s:%s", ref.familiar, *t), *id = NULL;

		if (!full)
			return http_error(x->conn, 500, "out of memory");
		if (berth_image_resolve(berth_engine_store(e), full, &id, NULL, NULL, NULL) < 0)
			return http_error(x->conn, 404,
					  "An image does not exist locally with the tag: %s", full);
	}
	head = xasprintf("The push refers to repository [%s/%s]", ref.domain, ref.path);
	if (!head || http_stream_begin(x->conn, 200, "application/json") < 0)
		return -1;
	p.begun = true;
	stream_msg(x->conn, status_msg(head, NULL));
	a.o.progress = push_line;
	a.o.progress_data = &p;
	for (char **t = tags; *t; t++) {
		_cleanup_free_ char *full = xasprintf("%s:%s", ref.familiar, *t), *digest = NULL,
				    *done = NULL;

		if (!full)
			return stream_error(x->conn, "out of memory");
		if (berth_image_push(berth_engine_store(e), full, NULL, &a.o, &digest, &err) < 0)
			return stream_error(x->conn, berth_error_message(err));
		done = xasprintf("%s: digest: %s", *t, digest);
		if (done)
			stream_msg(x->conn, status_msg(done, NULL));
		stream_msg(x->conn, json_pack("{s:{},s:{s:s,s:s}}", "progressDetail", "aux", "Tag",
					      *t, "Digest", digest));
	}
	return http_stream_end(x->conn);
}

/* --- auth, search --- */

/* POST /auth: the credentials checked against the registry (nothing is stored: the
 * client keeps them, and sends them with each pull and push) */
int api_auth(struct api_ctx *x)
{
	_cleanup_(berth_error_freep) struct berth_error *err = NULL;
	json_auto_t *body = NULL;
	struct berth_registry_options o = {.given_credentials = true};
	const char *user, *pass, *server;
	int r;

	if (http_body_json(x->conn, x->req, &body) < 0)
		return -1;
	user = json_string_value(json_object_get(body, "username"));
	pass = json_string_value(json_object_get(body, "password"));
	server = json_string_value(json_object_get(body, "serveraddress"));
	if (!server || !*server)
		server = "docker.io";
	if (!user || !*user || !pass)
		return http_error(x->conn, 400, "a username and a password are needed");
	r = berth_registry_check_login(server, user, pass, &o, &err);
	if (r == -EACCES)
		return http_error(x->conn, 401, "login to '%s': %s", server,
				  berth_error_message(err));
	if (r < 0)
		return http_engine_error(x->conn, err);
	return http_json(x->conn, 200,
			 json_pack("{s:s,s:s}", "Status", "Login Succeeded", "IdentityToken", ""));
}

/* GET /images/search: term (its registry, "docker.io" unless it names one), limit */
int api_image_search(struct api_ctx *x)
{
	_cleanup_(berth_error_freep) struct berth_error *err = NULL;
	_cleanup_(auth_release) struct auth a = {0};
	_cleanup_free_ char *term = http_query(x->req, "term"), *reg = NULL, *filters = NULL;
	struct berth_search_result *res = NULL;
	const char *slash, *what;
	int64_t limit;
	size_t n = 0;
	json_t *arr;

	if (auth_from_header(x, &a) < 0 || http_query_int(x->conn, x->req, "limit", 25, &limit) < 0)
		return -1;
	filters = http_query(x->req, "filters");
	if (filters && *filters && !streq(filters, "{}"))
		return http_error(x->conn, 400, "search filters are not supported by berth yet");
	if (!term || !*term)
		return http_error(x->conn, 400, "a search term is needed");
	if (limit < 1 || limit > 100)
		return http_error(x->conn, 400, "limit %" PRId64 " is outside the range [1, 100]",
				  limit);
	slash = strchr(term, '/');
	if (slash && (memchr(term, '.', (size_t)(slash - term)) ||
		      memchr(term, ':', (size_t)(slash - term)))) {
		reg = strndup(term, (size_t)(slash - term));
		what = slash + 1;
	} else {
		reg = strdup("docker.io");
		what = term;
	}
	if (!reg)
		return http_error(x->conn, 500, "out of memory");
	if (berth_registry_search(reg, what, (unsigned)limit, &a.o, &res, &n, &err) < 0)
		return http_engine_error(x->conn, err);
	arr = json_array();
	for (size_t i = 0; arr && i < n; i++)
		json_array_append_new(arr, json_pack("{s:s,s:s,s:I,s:b,s:b}", "name", res[i].name,
						     "description", res[i].description ?: "",
						     "star_count", (json_int_t)res[i].stars,
						     "is_official", res[i].official, "is_automated",
						     res[i].automated));
	berth_search_results_free(res, n);
	return http_json(x->conn, 200, arr);
}
