/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The Engine API's endpoints that read or write tar archives, served by berth-full (they
 * link libarchive; `berth serve` hands their connection over, see api_handoff):
 * /containers/{id}/archive (docker cp: GET a path as a tar, HEAD its stat, PUT a tar into
 * a directory — through berth_engine_cp_from/_to, which resolve every path inside the
 * container's root), container export, image save and load, import
 * (images/create?fromSrc=) and commit.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "berth/cleanup.h"
#include "berth/image.h"
#include "berth/util.h"
#include "serve.h"

/* Go's os.FileMode of a stat: the permission bits, and its own type bits */
static uint32_t go_mode(mode_t m)
{
	uint32_t g = m & 0777;

	if (S_ISDIR(m))
		g |= 1U << 31;
	else if (S_ISLNK(m))
		g |= 1U << 27;
	else if (S_ISFIFO(m))
		g |= 1U << 25;
	else if (S_ISSOCK(m))
		g |= 1U << 24;
	else if (S_ISBLK(m))
		g |= 1U << 26;
	else if (S_ISCHR(m))
		g |= (1U << 26) | (1U << 21);
	if (m & S_ISUID)
		g |= 1U << 23;
	if (m & S_ISGID)
		g |= 1U << 22;
	if (m & S_ISVTX)
		g |= 1U << 20;
	return g;
}

static char *base64(const unsigned char *in, size_t n)
{
	static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	char *out = malloc((n + 2) / 3 * 4 + 1), *o = out;

	for (size_t i = 0; out && i < n; i += 3) {
		uint32_t v = (uint32_t)in[i] << 16 | (i + 1 < n ? (uint32_t)in[i + 1] << 8 : 0) |
			     (i + 2 < n ? in[i + 2] : 0);

		*o++ = tab[v >> 18 & 63];
		*o++ = tab[v >> 12 & 63];
		*o++ = i + 1 < n ? tab[v >> 6 & 63] : '=';
		*o++ = i + 2 < n ? tab[v & 63] : '=';
	}
	if (o)
		*o = 0;
	return out;
}

struct source_head {
	struct api_ctx *x;
	bool head_only;
	int status; /* the head sent */
};

/* dockerd's X-Docker-Container-Path-Stat: base64 of {name, size, mode, mtime, linkTarget} */
static int on_source(const char *name, const struct stat *st, const char *link, void *userdata)
{
	struct source_head *h = userdata;
	char mtime[64], extra[1024];
	struct tm tm;
	_cleanup_free_ char *js = NULL, *b64 = NULL;
	json_t *j;

	gmtime_r(&st->st_mtim.tv_sec, &tm);
	strftime(mtime, sizeof(mtime), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(mtime + strlen(mtime), sizeof(mtime) - strlen(mtime), ".%09ldZ",
		 st->st_mtim.tv_nsec);
	j = json_pack("{s:s,s:I,s:I,s:s,s:s}", "name", name, "size", (json_int_t)st->st_size,
		      "mode", (json_int_t)go_mode(st->st_mode), "mtime", mtime, "linkTarget",
		      link ? link : "");
	js = j ? json_dumps(j, JSON_COMPACT) : NULL;
	json_decref(j);
	b64 = js ? base64((const unsigned char *)js, strlen(js)) : NULL;
	if (!b64)
		return -ENOMEM;
	snprintf(extra, sizeof(extra), "X-Docker-Container-Path-Stat: %s\r\n", b64);
	h->status = 200;
	if (h->head_only) {
		char full[1100];

		snprintf(full, sizeof(full), "%sContent-Length: 0\r\n", extra);
		if (http_raw_begin(h->x->conn, 200, "application/x-tar", full) < 0)
			return -EPIPE;
		return 1;
	}
	return http_raw_begin(h->x->conn, 200, "application/x-tar", extra) < 0 ? -EPIPE : 0;
}

/* GET /containers/{id}/export: its filesystem as a tar */
int api_container_export(struct api_ctx *x)
{
	struct berth_engine *e = api_engine(x);
	_cleanup_(berth_error_freep) struct berth_error *err = NULL;
	_cleanup_(ctr_release) struct ctr c = { 0 };

	if (!e)
		return -1;
	if (ctr_find(berth_store_root(berth_engine_store(e)), x->arg[0], &c, &err) < 0)
		return http_engine_error(x->conn, err);
	if (http_raw_begin(x->conn, 200, "application/x-tar", NULL) < 0)
		return -1;
	/* an error past the head can only cut the stream short, as dockerd's */
	(void)berth_engine_export(e, c.rec.id, x->conn->fd, &err);
	return 0;
}

/* GET and HEAD /containers/{id}/archive?path= */
int api_archive_get(struct api_ctx *x)
{
	struct berth_engine *e = api_engine(x);
	_cleanup_(berth_error_freep) struct berth_error *err = NULL;
	_cleanup_free_ char *path = http_query(x->req, "path");
	struct source_head h = { .x = x, .head_only = streq(x->req->method, "HEAD") };
	struct berth_cp_opts o = { .on_source = on_source, .userdata = &h };
	int r;

	if (!e)
		return -1;
	if (!path || !*path)
		return http_error(x->conn, 400, "path is required (?path=)");
	r = berth_engine_cp_from(e, x->arg[0], path, NULL, x->conn->fd, &o, &err);
	if (r < 0 && !h.status)
		return http_engine_error(x->conn, err);
	return 0;
}

/* PUT /containers/{id}/archive?path=DIR: the tar in the body unpacked into DIR */
int api_archive_put(struct api_ctx *x)
{
	struct berth_engine *e = api_engine(x);
	_cleanup_(berth_error_freep) struct berth_error *err = NULL;
	_cleanup_free_ char *path = http_query(x->req, "path");
	struct berth_cp_opts o = { .archive = http_query_bool(x->req, "copyUIDGID", false) };
	struct http_body_pump pump;
	int fd = -1, r;

	if (!e)
		return -1;
	if (!path || !*path)
		return http_error(x->conn, 400, "path is required (?path=)");
	r = http_body_pump_start(x->conn, x->req, &pump, &fd);
	if (r < 0)
		return http_error(x->conn, 500, "archive: %s", strerror(-r));
	r = berth_engine_cp_to(e, x->arg[0], NULL, fd, path, &o, &err);
	http_body_pump_finish(&pump, fd);
	if (r < 0)
		return http_engine_error(x->conn, err);
	return http_send(x->conn, 200, NULL, NULL, 0);
}

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
	if (s)
		(void)http_stream_line(c, s, "\r\n");
}

/* GET /images/{name}/get, GET /images/get?names=A&names=B: a docker-archive */
int api_image_save(struct api_ctx *x)
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
int api_image_load(struct api_ctx *x)
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
int api_image_commit(struct api_ctx *x)
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
