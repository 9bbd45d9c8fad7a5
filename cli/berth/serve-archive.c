/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The Engine API's /containers/{id}/archive (docker cp): GET a path as a tar, HEAD its
 * stat, PUT a tar into a directory — through berth_engine_cp_from/_to, which resolve
 * every path inside the container's root.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "berth/cleanup.h"
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

/* GET and HEAD /containers/{id}/archive?path= */
static int archive_get(struct api_ctx *x)
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
static int archive_put(struct api_ctx *x)
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

const struct api_route api_archive_routes[] = {
	{ "GET", "/containers/{}/archive", archive_get },
	{ "HEAD", "/containers/{}/archive", archive_get },
	{ "PUT", "/containers/{}/archive", archive_put },
	{},
};
