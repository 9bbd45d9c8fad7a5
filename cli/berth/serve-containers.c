/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The Engine API's /containers endpoints (create: serve-create.c).
 */
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <arpa/inet.h>
#include <time.h>
#include <unistd.h>

#include "berth/cleanup.h"
#include "berth/net.h"
#include "berth/runtime.h"
#include "berth/util.h"
#include "cli.h"
#include "serve.h"

static const char *state_name(const struct berth_ctr_info *c)
{
	if (c->restarting)
		return "restarting";
	if (c->state == BERTH_CTR_RUNNING)
		return c->paused ? "paused" : "running";
	return c->state == BERTH_CTR_CREATED ? "created" : "exited";
}

static json_t *ports_json(char *const *published, char *const *specs)
{
	json_t *a = json_array();

	for (char *const *p = published ? published : specs; a && p && *p; p++) {
		struct port_map pm;
		char ip[INET_ADDRSTRLEN];
		json_t *o;

		if (port_parse(*p, &pm, NULL) < 0)
			continue;
		o = json_pack("{s:i,s:s}", "PrivatePort", pm.ctr_port, "Type", pm.udp ? "udp" : "tcp");
		if (o && published && pm.host_port) {
			inet_ntop(AF_INET, &pm.host_ip, ip, sizeof(ip));
			json_object_set_new(o, "IP", json_string(ip));
			json_object_set_new(o, "PublicPort", json_integer(pm.host_port));
		}
		json_array_append_new(a, o);
	}
	return a;
}

static json_t *ctr_json(const struct berth_ctr_info *c, int64_t now)
{
	char status[128];
	json_t *nets = json_object();
	_cleanup_free_ char *nl = c->network ? strdup(c->network) : NULL;
	char *save = NULL;

	format_ctr_status(c, now, status, sizeof(status));
	for (char *n = nl ? strtok_r(nl, ",", &save) : NULL; nets && n;
	     n = strtok_r(NULL, ",", &save))
		json_object_set_new(nets, n, json_object());
	return json_pack("{s:s,s:[s+],s:s,s:s,s:s,s:I,s:o,s:o,s:s,s:s,s:{s:s},s:{s:o},s:[]}",
			 "Id", c->id, "Names", "/", c->name, "Image", c->image, "ImageID",
			 c->image_id ? c->image_id : "", "Command", c->command ? c->command : "",
			 "Created", (json_int_t)c->created, "Ports",
			 ports_json(c->published, c->port_specs), "Labels", api_labels(c->labels),
			 "State", state_name(c), "Status", status, "HostConfig", "NetworkMode",
			 c->network && !strchr(c->network, ',') ? c->network : "default",
			 "NetworkSettings", "Networks", nets, "Mounts");
}

/* GET /containers/json */
static int list(struct api_ctx *x)
{
	struct berth_engine *e = api_engine(x);
	_cleanup_(berth_error_freep) struct berth_error *err = NULL;
	_cleanup_strv_free_ char **filters = NULL;
	struct berth_ctr_info **l = NULL;
	size_t n = 0;
	int64_t limit;
	json_t *a;
	bool all = http_query_bool(x->req, "all", false);

	if (!e)
		return -1;
	if (http_query_int(x->conn, x->req, "limit", -1, &limit) < 0 ||
	    http_query_filters(x->conn, x->req, &filters) < 0)
		return -1;
	/* docker: a limit lists stopped containers too */
	if (limit > 0)
		all = true;
	if (berth_engine_ps(e, all, filters, &l, &n, &err) < 0)
		return http_engine_error(x->conn, err);
	a = json_array();
	for (size_t i = 0; a && i < n && (limit <= 0 || (int64_t)i < limit); i++)
		json_array_append_new(a, ctr_json(l[i], time(NULL)));
	berth_ctr_info_list_free(l, n);
	return http_json(x->conn, 200, a);
}

/* GET /containers/{id}/json */
static int inspect(struct api_ctx *x)
{
	struct berth_engine *e = api_engine(x);
	_cleanup_(berth_error_freep) struct berth_error *err = NULL;
	_cleanup_free_ char *j = NULL;

	if (!e)
		return -1;
	if (berth_engine_inspect(e, x->arg[0], &j, &err) < 0)
		return http_engine_error(x->conn, err);
	return http_send(x->conn, 200, "application/json", j, strlen(j));
}

/* the common end of the verbs answering 204 */
static int done(struct api_ctx *x, int r, const struct berth_error *err)
{
	return r < 0 ? http_engine_error(x->conn, err) : http_no_content(x->conn, 204);
}

static int start(struct api_ctx *x)
{
	struct berth_engine *e = api_engine(x);
	_cleanup_(berth_error_freep) struct berth_error *err = NULL;
	_cleanup_(ctr_release) struct ctr c = { 0 };
	int status, r;

	if (!e)
		return -1;
	r = ctr_find(berth_store_root(berth_engine_store(e)), x->arg[0], &c, &err);
	if (r < 0)
		return http_engine_error(x->conn, err);
	/* docker: 304 for one that runs already */
	if (c.rec.state == BERTH_CTR_RUNNING)
		return http_no_content(x->conn, 304);
	return done(x, berth_engine_start(e, x->arg[0], NULL, &status, &err), err);
}

/* ?t= (and docker 1.42's ?signal=) */
static int stop_like(struct api_ctx *x, bool restart)
{
	struct berth_engine *e = api_engine(x);
	_cleanup_(berth_error_freep) struct berth_error *err = NULL;
	_cleanup_(ctr_release) struct ctr c = { 0 };
	_cleanup_free_ char *sig = http_query(x->req, "signal");
	int64_t t;

	if (!e || http_query_int(x->conn, x->req, "t", -1, &t) < 0)
		return -1;
	if (sig && !*sig) {
		free(sig);
		sig = NULL;
	}
	if (restart)
		return done(x, berth_engine_restart(e, x->arg[0], (int)t, sig, &err), err);
	if (ctr_find(berth_store_root(berth_engine_store(e)), x->arg[0], &c, &err) < 0)
		return http_engine_error(x->conn, err);
	if (c.rec.state != BERTH_CTR_RUNNING)
		return http_no_content(x->conn, 304);
	return done(x, berth_engine_stop(e, x->arg[0], (int)t, sig, &err), err);
}

static int stop(struct api_ctx *x)
{
	return stop_like(x, false);
}

static int restart(struct api_ctx *x)
{
	return stop_like(x, true);
}

static int kill_(struct api_ctx *x)
{
	struct berth_engine *e = api_engine(x);
	_cleanup_(berth_error_freep) struct berth_error *err = NULL;
	_cleanup_free_ char *name = http_query(x->req, "signal");
	int sig = SIGKILL, r;

	if (!e)
		return -1;
	if (name && *name) {
		sig = berth_signal_parse(name);
		if (sig <= 0)
			return http_error(x->conn, 400, "invalid signal: %s", name);
	}
	r = berth_engine_kill(e, x->arg[0], sig, &err);
	if (r == -EINVAL)
		return http_error(x->conn, 409, "Container %s is not running", x->arg[0]);
	return done(x, r, err);
}

static int pause_like(struct api_ctx *x, bool pause)
{
	struct berth_engine *e = api_engine(x);
	_cleanup_(berth_error_freep) struct berth_error *err = NULL;

	if (!e)
		return -1;
	return done(x, berth_engine_pause(e, x->arg[0], pause, &err), err);
}

static int pause_(struct api_ctx *x)
{
	return pause_like(x, true);
}

static int unpause(struct api_ctx *x)
{
	return pause_like(x, false);
}

static int rename_(struct api_ctx *x)
{
	struct berth_engine *e = api_engine(x);
	_cleanup_(berth_error_freep) struct berth_error *err = NULL;
	_cleanup_free_ char *name = http_query(x->req, "name");

	if (!e)
		return -1;
	if (!name || !*name)
		return http_error(x->conn, 400, "rename: the new name is missing (?name=)");
	return done(x, berth_engine_rename(e, x->arg[0], name, &err), err);
}

/* DELETE /containers/{id}?force=&v= */
static int remove_(struct api_ctx *x)
{
	struct berth_engine *e = api_engine(x);
	_cleanup_(berth_error_freep) struct berth_error *err = NULL;
	int r;

	if (!e)
		return -1;
	if (http_query_bool(x->req, "link", false))
		return http_error(x->conn, 400, "link removal: berth has no links");
	r = berth_engine_remove(e, x->arg[0], http_query_bool(x->req, "force", false),
				http_query_bool(x->req, "v", false), &err);
	return done(x, r, err);
}

/* POST /containers/{id}/wait?condition=not-running|next-exit|removed */
static int wait_(struct api_ctx *x)
{
	struct berth_engine *e = api_engine(x);
	_cleanup_(berth_error_freep) struct berth_error *err = NULL;
	_cleanup_(ctr_release) struct ctr c = { 0 };
	_cleanup_free_ char *cond = http_query(x->req, "condition");
	enum berth_wait_condition wc = BERTH_WAIT_NOT_RUNNING;
	int code = 0, r;

	if (!e)
		return -1;
	if (cond && streq(cond, "next-exit"))
		wc = BERTH_WAIT_NEXT_EXIT;
	else if (cond && streq(cond, "removed"))
		wc = BERTH_WAIT_REMOVED;
	else if (cond && *cond && !streq(cond, "not-running"))
		return http_error(x->conn, 400, "invalid condition: \"%s\"", cond);
	/* an unknown container is a 404 before the wait begins */
	if (ctr_find(berth_store_root(berth_engine_store(e)), x->arg[0], &c, &err) < 0)
		return http_engine_error(x->conn, err);
	/* docker sends the head at once (its clients learn the wait began), the body at
	 * the end */
	if (http_stream_begin(x->conn, 200, "application/json") < 0)
		return -1;
	r = berth_engine_wait_condition(e, c.rec.id, wc, &code, &err);
	{
		json_t *j = r < 0 ? json_pack("{s:i,s:{s:s}}", "StatusCode", -1, "Error", "Message",
					      berth_error_message(err))
				  : json_pack("{s:i,s:n}", "StatusCode", code, "Error");
		_cleanup_free_ char *s = j ? json_dumps(j, JSON_COMPACT) : NULL;

		json_decref(j);
		if (s) {
			(void)http_stream_write(x->conn, s, strlen(s));
			(void)http_stream_write(x->conn, "\n", 1);
		}
	}
	return http_stream_end(x->conn);
}

struct logs_out {
	struct http_conn *conn;
	bool raw; /* a container with a terminal: no frames */
	bool want[3];
};

static int logs_write(int stream, const void *buf, size_t n, void *userdata)
{
	struct logs_out *o = userdata;
	uint8_t h[8] = { (uint8_t)stream, 0, 0, 0, (uint8_t)(n >> 24), (uint8_t)(n >> 16),
			 (uint8_t)(n >> 8), (uint8_t)n };
	_cleanup_free_ char *frame = NULL;

	if (stream < 1 || stream > 2 || !o->want[stream] || n == 0)
		return 0;
	if (o->raw)
		return http_stream_write(o->conn, buf, n) < 0 ? -EPIPE : 0;
	frame = malloc(n + 8);
	if (!frame)
		return -ENOMEM;
	memcpy(frame, h, 8);
	memcpy(frame + 8, buf, n);
	return http_stream_write(o->conn, frame, n + 8) < 0 ? -EPIPE : 0;
}

/* docker's since/until: unix seconds, with a fraction */
static int query_time(struct api_ctx *x, const char *key, int64_t *ret)
{
	_cleanup_free_ char *v = http_query(x->req, key);
	char *end;
	double d;

	*ret = 0;
	if (!v || !*v)
		return 0;
	errno = 0;
	d = strtod(v, &end);
	if (errno || *end || d < 0)
		return http_error(x->conn, 400, "invalid value for %s: %s", key, v);
	*ret = (int64_t)(d * 1e9);
	return 0;
}

/* GET /containers/{id}/logs */
static int logs(struct api_ctx *x)
{
	struct berth_engine *e = api_engine(x);
	_cleanup_(berth_error_freep) struct berth_error *err = NULL;
	_cleanup_(ctr_release) struct ctr c = { 0 };
	_cleanup_free_ char *tail = http_query(x->req, "tail");
	struct logs_out out = { .conn = x->conn };
	struct berth_logs_opts o = {
		.follow = http_query_bool(x->req, "follow", false),
		.timestamps = http_query_bool(x->req, "timestamps", false),
		.tail = -1,
		.write = logs_write,
		.userdata = &out,
	};
	int r;

	if (!e)
		return -1;
	out.want[1] = http_query_bool(x->req, "stdout", false);
	out.want[2] = http_query_bool(x->req, "stderr", false);
	if (!out.want[1] && !out.want[2])
		return http_error(x->conn, 400, "Bad parameters: you must choose at least one stream");
	if (tail && *tail && !streq(tail, "all")) {
		char *end;

		o.tail = strtoll(tail, &end, 10);
		if (*end || o.tail < 0)
			return http_error(x->conn, 400, "invalid value for tail: %s", tail);
	}
	if (query_time(x, "since", &o.since_ns) < 0 || query_time(x, "until", &o.until_ns) < 0)
		return -1;
	if (ctr_find(berth_store_root(berth_engine_store(e)), x->arg[0], &c, &err) < 0)
		return http_engine_error(x->conn, err);
	out.raw = c.rec.tty;
	if (http_stream_begin(x->conn, 200,
			      out.raw ? "application/vnd.docker.raw-stream"
				      : "application/vnd.docker.multiplexed-stream") < 0)
		return -1;
	r = berth_engine_logs(e, c.rec.id, &o, &err);
	if (r < 0 && r != -EPIPE) {
		/* the head went out: the error ends the stream as text, as dockerd's */
		char msg[512];
		int n = snprintf(msg, sizeof(msg), "Error grabbing logs: %s\n",
				 berth_error_message(err));

		(void)logs_write(2, msg, (size_t)n, &out);
	}
	return http_stream_end(x->conn);
}

/* POST /containers/{id}/attach?stream=1&stdin=1&stdout=1&stderr=1: the connection becomes
 * the container's stdio (docker's frames without a terminal), from its next start when it
 * does not run yet (docker's CLI attaches before it starts a container). */
static int attach(struct api_ctx *x)
{
	struct berth_engine *e = api_engine(x);
	_cleanup_(berth_error_freep) struct berth_error *err = NULL;
	_cleanup_(ctr_release) struct ctr c = { 0 };
	bool in = http_query_bool(x->req, "stdin", false);
	bool out = http_query_bool(x->req, "stdout", false);
	bool errs = http_query_bool(x->req, "stderr", false);
	struct berth_stdio io = { .in = in ? x->conn->fd : -1, .out = out ? x->conn->fd : -1,
				  .err = errs ? x->conn->fd : -1, .multiplex = true,
				  .no_signals = true };
	int status = 0, r;

	if (!e)
		return -1;
	if (ctr_find(berth_store_root(berth_engine_store(e)), x->arg[0], &c, &err) < 0)
		return http_engine_error(x->conn, err);
	if (!http_query_bool(x->req, "stream", false) && !http_query_bool(x->req, "logs", false))
		return http_error(x->conn, 400, "Bad parameters: you must choose at least one "
						"stream");
	if (http_query_bool(x->req, "logs", false))
		return http_error(x->conn, 400, "attach with logs=1 is not supported by berth yet");
	if (!out)
		io.multiplex = false;
	if (http_hijack(x->conn, x->req,
			c.rec.tty ? "application/vnd.docker.raw-stream"
				  : "application/vnd.docker.multiplexed-stream") < 0)
		return -1;
	r = berth_engine_attach_next(e, c.rec.id, !in, &io, &status, &err);
	(void)r;
	/* the stream ends with the connection: the client reads the end of the output, then
	 * asks /wait how it ended */
	shutdown(x->conn->fd, SHUT_WR);
	return 0;
}

/* POST /containers/{id}/resize: berth's monitor takes the size from the attach stream's
 * terminal; a client's resize is answered (docker's CLI sends one after attaching). */
static int resize(struct api_ctx *x)
{
	struct berth_engine *e = api_engine(x);
	_cleanup_(berth_error_freep) struct berth_error *err = NULL;
	_cleanup_(ctr_release) struct ctr c = { 0 };

	if (!e)
		return -1;
	if (ctr_find(berth_store_root(berth_engine_store(e)), x->arg[0], &c, &err) < 0)
		return http_engine_error(x->conn, err);
	return http_send(x->conn, 200, "text/plain", NULL, 0);
}

/* POST /containers/prune */
static int prune(struct api_ctx *x)
{
	struct berth_engine *e = api_engine(x);
	_cleanup_(berth_error_freep) struct berth_error *err = NULL;
	_cleanup_strv_free_ char **removed = NULL, **filters = NULL;
	json_t *a;

	if (!e || http_query_filters(x->conn, x->req, &filters) < 0)
		return -1;
	if (filters)
		return http_error(x->conn, 400, "container prune filters are not supported by "
						"berth yet");
	if (berth_engine_prune(e, &removed, &err) < 0)
		return http_engine_error(x->conn, err);
	a = json_array();
	for (char **r = removed; a && r && *r; r++)
		json_array_append_new(a, json_string(*r));
	return http_json(x->conn, 200,
			 json_pack("{s:o,s:i}", "ContainersDeleted", a, "SpaceReclaimed", 0));
}

const struct api_route api_container_routes[] = {
	{ "GET", "/containers/json", list },
	{ "POST", "/containers/create", api_container_create },
	{ "POST", "/containers/prune", prune },
	{ "GET", "/containers/{}/json", inspect },
	{ "GET", "/containers/{}/logs", logs },
	{ "POST", "/containers/{}/start", start },
	{ "POST", "/containers/{}/stop", stop },
	{ "POST", "/containers/{}/restart", restart },
	{ "POST", "/containers/{}/kill", kill_ },
	{ "POST", "/containers/{}/pause", pause_ },
	{ "POST", "/containers/{}/unpause", unpause },
	{ "POST", "/containers/{}/rename", rename_ },
	{ "POST", "/containers/{}/wait", wait_ },
	{ "POST", "/containers/{}/attach", attach },
	{ "POST", "/containers/{}/resize", resize },
	{ "DELETE", "/containers/{}", remove_ },
	{},
};
