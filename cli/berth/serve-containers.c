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

json_t *api_ctr_json(const struct berth_ctr_info *c, int64_t now)
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
	bool size = http_query_bool(x->req, "size", false);

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
	for (size_t i = 0; a && i < n && (limit <= 0 || (int64_t)i < limit); i++) {
		json_t *c = api_ctr_json(l[i], time(NULL));
		int64_t rw, rootfs;

		/* ?size=1: docker's SizeRw and SizeRootFs (ps -s) */
		if (c && size && berth_engine_ctr_size(e, l[i]->id, &rw, &rootfs, NULL) == 0) {
			json_object_set_new(c, "SizeRw", json_integer(rw));
			json_object_set_new(c, "SizeRootFs", json_integer(rootfs));
		}
		json_array_append_new(a, c);
	}
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
	if (berth_engine_inspect(e, x->arg[0], http_query_bool(x->req, "size", false), &j,
				 &err) < 0)
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
	r = berth_engine_start(e, x->arg[0], NULL, &status, &err);
	return done(x, r, err);
}

/* ?t= (and docker 1.42's ?signal=) */
static int stop_like(struct api_ctx *x, bool restart)
{
	struct berth_engine *e = api_engine(x);
	_cleanup_(berth_error_freep) struct berth_error *err = NULL;
	_cleanup_(ctr_release) struct ctr c = { 0 };
	_cleanup_free_ char *sig = http_query(x->req, "signal");
	int64_t t;
	int r;

	if (!e || http_query_int(x->conn, x->req, "t", -1, &t) < 0)
		return -1;
	if (sig && !*sig) {
		free(sig);
		sig = NULL;
	}
	if (restart) {
		r = berth_engine_restart(e, x->arg[0], (int)t, sig, &err);
		return done(x, r, err);
	}
	if (ctr_find(berth_store_root(berth_engine_store(e)), x->arg[0], &c, &err) < 0)
		return http_engine_error(x->conn, err);
	if (c.rec.state != BERTH_CTR_RUNNING)
		return http_no_content(x->conn, 304);
	r = berth_engine_stop(e, x->arg[0], (int)t, sig, &err);
	return done(x, r, err);
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
	int r;

	if (!e)
		return -1;
	r = berth_engine_pause(e, x->arg[0], pause, &err);
	return done(x, r, err);
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
	int r;

	if (!e)
		return -1;
	if (!name || !*name)
		return http_error(x->conn, 400, "rename: the new name is missing (?name=)");
	r = berth_engine_rename(e, x->arg[0], name, &err);
	return done(x, r, err);
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
		if (s)
			(void)http_stream_line(x->conn, s, "\n");
	}
	return http_stream_end(x->conn);
}

/* Where a container's log goes: the logs endpoint's chunked response, or (attach's
 * logs=1) the hijacked connection itself */
struct logs_out {
	struct http_conn *conn;
	bool chunked;
	bool raw; /* a container with a terminal: no frames */
	bool want[3];
};

static int logs_write(int stream, const void *buf, size_t n, void *userdata)
{
	struct logs_out *o = userdata;
	_cleanup_free_ char *frame = NULL;
	size_t k = o->raw ? 0 : 8;

	if (stream < 1 || stream > 2 || !o->want[stream] || n == 0)
		return 0;
	frame = malloc(n + k);
	if (!frame)
		return -ENOMEM;
	if (k)
		berth_frame_header((uint8_t *)frame, stream, n);
	memcpy(frame + k, buf, n);
	if (o->chunked)
		return http_stream_write(o->conn, frame, n + k) < 0 ? -EPIPE : 0;
	return loop_write(o->conn->fd, frame, n + k) < 0 ? -EPIPE : 0;
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
	struct logs_out out = { .conn = x->conn, .chunked = true };
	struct berth_logs_opts o = {
		.follow = http_query_bool(x->req, "follow", false),
		.timestamps = http_query_bool(x->req, "timestamps", false),
		.details = http_query_bool(x->req, "details", false),
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
	_cleanup_free_ char *keys = http_query(x->req, "detachKeys");
	struct berth_stdio io = { .in = in ? x->conn->fd : -1, .out = out ? x->conn->fd : -1,
				  .err = errs ? x->conn->fd : -1, .multiplex = true,
				  .no_signals = true, .detach_keys = keys };
	int status = 0, r = 0;

	if (!e)
		return -1;
	if (keys && *keys) {
		char k[BERTH_DETACH_KEYS_MAX];
		size_t n;

		if (berth_detach_keys_parse(keys, k, &n, &err) < 0)
			return http_engine_error(x->conn, err);
	}
	if (ctr_find(berth_store_root(berth_engine_store(e)), x->arg[0], &c, &err) < 0)
		return http_engine_error(x->conn, err);
	if (!http_query_bool(x->req, "stream", false) && !http_query_bool(x->req, "logs", false))
		return http_error(x->conn, 400, "Bad parameters: you must choose at least one "
						"stream");
	if (http_hijack(x->conn, x->req,
			c.rec.tty ? "application/vnd.docker.raw-stream"
				  : "application/vnd.docker.multiplexed-stream") < 0)
		return -1;
	/* logs=1: what it wrote so far first (docker-compose up attaches so). A moment after
	 * the head: a client that reads the head through a buffer and the stream from the
	 * socket under it (docker-py) would lose output that came with the head. */
	if (http_query_bool(x->req, "logs", false)) {
		struct logs_out rp = { .conn = x->conn, .raw = c.rec.tty };
		struct berth_logs_opts lo = { .tail = -1, .write = logs_write, .userdata = &rp };

		rp.want[1] = out;
		rp.want[2] = errs;
		(void)poll(NULL, 0, 100);
		if (berth_engine_logs(e, c.rec.id, &lo, NULL) == -EPIPE)
			return 0;
	}
	if (http_query_bool(x->req, "stream", false))
		r = berth_engine_attach_next(e, c.rec.id, !in, &io, &status, &err);
	(void)r;
	/* the stream ends with the connection: the client reads the end of the output, then
	 * asks /wait how it ended */
	shutdown(x->conn->fd, SHUT_WR);
	return 0;
}

/* POST /containers/{id}/resize?h=&w=: its terminal's window */
static int resize(struct api_ctx *x)
{
	struct berth_engine *e = api_engine(x);
	_cleanup_(berth_error_freep) struct berth_error *err = NULL;
	unsigned h, w;
	int r;

	if (!e || api_query_size(x, &h, &w) < 0)
		return -1;
	r = berth_engine_resize(e, x->arg[0], h, w, &err);
	if (r == -EINVAL)
		return http_error(x->conn, 409, "%s", berth_error_message(err));
	if (r < 0)
		return http_engine_error(x->conn, err);
	return http_send(x->conn, 200, "text/plain", NULL, 0);
}

/* GET /containers/{id}/top?ps_args=: ps's columns and the container's rows */
static int top(struct api_ctx *x)
{
	struct berth_engine *e = api_engine(x);
	_cleanup_(berth_error_freep) struct berth_error *err = NULL;
	_cleanup_free_ char *ps_args = http_query(x->req, "ps_args");
	_cleanup_strv_free_ char **args = NULL, **lines = NULL;
	json_t *titles, *procs;
	size_t n_titles = 0;
	char *save = NULL;

	if (!e)
		return -1;
	if (strv_extend(&args, "ps") < 0)
		return http_error(x->conn, 500, "out of memory");
	for (char *a = ps_args && *ps_args ? strtok_r(ps_args, " ", &save) : NULL; a;
	     a = strtok_r(NULL, " ", &save))
		if (strv_extend(&args, a) < 0)
			return http_error(x->conn, 500, "out of memory");
	if (!args[1] && strv_extend(&args, "-ef") < 0)
		return http_error(x->conn, 500, "out of memory");
	if (top_lines(e, x->arg[0], args, &lines, &err) < 0) {
		if (err && err->errnum == EINVAL && strstr(err->msg, "not running"))
			return http_error(x->conn, 409, "%s", berth_error_message(err));
		return http_engine_error(x->conn, err);
	}
	titles = json_array();
	procs = json_array();
	for (size_t i = 0; titles && procs && lines[i]; i++) {
		json_t *row = i == 0 ? titles : json_array();
		char *p = lines[i];
		size_t col = 0;

		/* fields split on blanks; the last title's column takes the rest (ps's CMD) */
		while (row && *p) {
			size_t n;

			p += strspn(p, " \t");
			if (!*p)
				break;
			n = i > 0 && col + 1 >= n_titles ? strlen(p) : strcspn(p, " \t");
			json_array_append_new(row, json_stringn(p, n));
			p += n;
			col++;
		}
		if (i == 0)
			n_titles = col;
		else
			json_array_append_new(procs, row);
	}
	return http_json(x->conn, 200,
			 json_pack("{s:o,s:o}", "Titles", titles, "Processes", procs));
}

/* the host's CPU time, ns (/proc/stat's cpu line), as dockerd's system_cpu_usage */
static uint64_t system_cpu_ns(void)
{
	_cleanup_fclose_ FILE *f = fopen("/proc/stat", "re");
	unsigned long long v[8] = { 0 };
	uint64_t sum = 0;
	long tck = sysconf(_SC_CLK_TCK);

	if (!f || fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1], &v[2],
			 &v[3], &v[4], &v[5], &v[6], &v[7]) != 8 || tck <= 0)
		return 0;
	for (size_t i = 0; i < 8; i++)
		sum += v[i];
	return sum * (1000000000ULL / (uint64_t)tck);
}

static json_t *cpu_json(const struct berth_engine_stats *st, uint64_t system)
{
	return json_pack("{s:{s:I,s:I,s:I},s:I,s:i,s:{s:i,s:i,s:i}}", "cpu_usage", "total_usage",
			 (json_int_t)st->cpu_ns, "usage_in_kernelmode", (json_int_t)0,
			 "usage_in_usermode", (json_int_t)0, "system_cpu_usage", (json_int_t)system,
			 "online_cpus", (int)sysconf(_SC_NPROCESSORS_ONLN), "throttling_data",
			 "periods", 0, "throttled_periods", 0, "throttled_time", 0);
}

/* docker's stats object of one reading, with the one before it (prev NULL: none) */
static json_t *stats_json(const char *id, const char *name, const struct berth_engine_stats *st,
			  uint64_t system, const struct berth_engine_stats *prev,
			  uint64_t prev_system)
{
	struct berth_engine_stats zero = { 0 };
	/* unlimited: the host's memory, as dockerd shows it (Go reads these as uint64: never
	 * negative) */
	uint64_t limit = st->memory_limit;
	struct timespec now;
	char read[64];
	struct tm tm;
	json_t *io;

	if (limit == 0 || limit > (uint64_t)INT64_MAX)
		limit = (uint64_t)sysconf(_SC_PHYS_PAGES) * (uint64_t)sysconf(_SC_PAGESIZE);
	clock_gettime(CLOCK_REALTIME, &now);
	gmtime_r(&now.tv_sec, &tm);
	strftime(read, sizeof(read), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(read + strlen(read), sizeof(read) - strlen(read), ".%09ldZ", now.tv_nsec);
	/* docker's CLI sums the "read" and "write" entries (major/minor: all devices) */
	io = json_pack("[{s:i,s:i,s:s,s:I},{s:i,s:i,s:s,s:I}]", "major", 0, "minor", 0, "op",
		       "read", "value", (json_int_t)st->io_read, "major", 0, "minor", 0, "op",
		       "write", "value", (json_int_t)st->io_write);

	return json_pack("{s:s,s:s,s:s,s:s,s:{s:I},s:{s:o,s:n,s:n,s:n,s:n,s:n,s:n,s:n},s:i,s:{},"
			 "s:o,s:o,s:{s:I,s:I,s:{}},s:{s:{s:I,s:i,s:i,s:i,s:I,s:i,s:i,s:i}}}",
			 "id", id, "name", name, "read", read, "preread",
			 prev ? read : "0001-01-01T00:00:00Z", "pids_stats", "current",
			 (json_int_t)st->pids, "blkio_stats", "io_service_bytes_recursive", io,
			 "io_serviced_recursive", "io_queue_recursive", "io_service_time_recursive",
			 "io_wait_time_recursive", "io_merged_recursive", "io_time_recursive",
			 "sectors_recursive", "num_procs", 0, "storage_stats", "cpu_stats",
			 cpu_json(st, system), "precpu_stats",
			 cpu_json(prev ? prev : &zero, prev ? prev_system : 0), "memory_stats",
			 "usage", (json_int_t)st->memory_usage, "limit", (json_int_t)limit, "stats",
			 "networks", "eth0", "rx_bytes",
			 (json_int_t)st->net_rx, "rx_packets", 0, "rx_errors", 0, "rx_dropped", 0,
			 "tx_bytes", (json_int_t)st->net_tx, "tx_packets", 0, "tx_errors", 0,
			 "tx_dropped", 0);
}

/* GET /containers/{id}/stats?stream=&one-shot=: a reading a second (docker's), each with
 * the one before it for the CPU share; not streamed: one, after a second, unless one-shot */
static int stats(struct api_ctx *x)
{
	struct berth_engine *e = api_engine(x);
	_cleanup_(berth_error_freep) struct berth_error *err = NULL;
	_cleanup_(ctr_release) struct ctr c = { 0 };
	bool stream = http_query_bool(x->req, "stream", true);
	bool one_shot = http_query_bool(x->req, "one-shot", false);
	struct berth_engine_stats prev = { 0 }, cur = { 0 };
	uint64_t prev_sys = 0, cur_sys;
	_cleanup_free_ char *name = NULL;
	bool have_prev = false;

	if (!e)
		return -1;
	if (ctr_find(berth_store_root(berth_engine_store(e)), x->arg[0], &c, &err) < 0)
		return http_engine_error(x->conn, err);
	name = xasprintf("/%s", c.rec.name ? c.rec.name : "");
	if (!name)
		return http_error(x->conn, 500, "out of memory");
	if (c.rec.state != BERTH_CTR_RUNNING) {
		/* docker: zeros for one that does not run */
		json_t *j = stats_json(c.rec.id, name, &cur, 0, NULL, 0);

		if (!stream)
			return http_json(x->conn, 200, j);
		if (http_stream_begin(x->conn, 200, "application/json") < 0) {
			json_decref(j);
			return -1;
		}
		{
			_cleanup_free_ char *line = j ? json_dumps(j, JSON_COMPACT) : NULL;

			json_decref(j);
			if (line)
				(void)http_stream_line(x->conn, line, "\n");
		}
		return http_stream_end(x->conn);
	}
	if (!stream) {
		if (!one_shot) {
			if (berth_engine_stats(e, c.rec.id, &prev, &err) < 0)
				return http_engine_error(x->conn, err);
			prev_sys = system_cpu_ns();
			have_prev = true;
			(void)poll(NULL, 0, 1000);
		}
		if (berth_engine_stats(e, c.rec.id, &cur, &err) < 0)
			return http_engine_error(x->conn, err);
		cur_sys = system_cpu_ns();
		return http_json(x->conn, 200,
				 stats_json(c.rec.id, name, &cur, cur_sys, have_prev ? &prev : NULL,
					    prev_sys));
	}
	if (http_stream_begin(x->conn, 200, "application/json") < 0)
		return -1;
	for (;;) {
		_cleanup_free_ char *line = NULL;
		json_t *j;

		if (berth_engine_stats(e, c.rec.id, &cur, NULL) < 0)
			break;
		cur_sys = system_cpu_ns();
		j = stats_json(c.rec.id, name, &cur, cur_sys, have_prev ? &prev : NULL, prev_sys);
		line = j ? json_dumps(j, JSON_COMPACT) : NULL;
		json_decref(j);
		if (!line || http_stream_line(x->conn, line, "\n") < 0)
			return -1;
		prev = cur;
		prev_sys = cur_sys;
		have_prev = true;
		/* a second, or less when the client hangs up */
		{
			struct pollfd p = { .fd = x->conn->fd, .events = POLLIN };

			if (poll(&p, 1, 1000) > 0 && (p.revents & (POLLHUP | POLLERR | POLLIN))) {
				char b;

				if (recv(x->conn->fd, &b, 1, MSG_PEEK | MSG_DONTWAIT) <= 0)
					return -1;
			}
		}
	}
	return http_stream_end(x->conn);
}

/* POST /containers/{id}/update: resources and restart policy */
static int update(struct api_ctx *x)
{
	struct berth_engine *e = api_engine(x);
	_cleanup_(berth_error_freep) struct berth_error *err = NULL;
	json_auto_t *body = NULL;
	struct berth_update_opts o = { 0 };
	_cleanup_free_ char *restart = NULL;
	json_t *v, *rp;
	int r;

	if (!e)
		return -1;
	r = http_body_object(x->conn, x->req, true, &body);
	if (r < 0)
		return r;
#define INT_FIELD(key, field)                                                              \
	v = json_object_get(body, key);                                                    \
	if (v && !json_is_null(v)) {                                                       \
		if (!json_is_integer(v))                                                   \
			return http_error(x->conn, 400, "%s: not an integer", key);        \
		field = json_integer_value(v);                                             \
	}
	INT_FIELD("Memory", o.memory)
	INT_FIELD("MemorySwap", o.memory_swap)
	INT_FIELD("MemoryReservation", o.memory_reservation)
	INT_FIELD("CpuPeriod", o.cpu_period)
	INT_FIELD("CpuQuota", o.cpu_quota)
#undef INT_FIELD
	v = json_object_get(body, "NanoCpus");
	if (json_is_integer(v))
		o.cpus = (double)json_integer_value(v) / 1e9;
	v = json_object_get(body, "CpuShares");
	if (json_is_integer(v) && json_integer_value(v) > 0)
		o.cpu_shares = (uint64_t)json_integer_value(v);
	v = json_object_get(body, "BlkioWeight");
	if (json_is_integer(v))
		o.blkio_weight = (uint16_t)json_integer_value(v);
	v = json_object_get(body, "PidsLimit");
	if (json_is_integer(v)) {
		o.pids_limit = json_integer_value(v);
		o.pids_limit_set = true;
	}
	v = json_object_get(body, "CpusetCpus");
	if (json_is_string(v) && json_string_length(v))
		o.cpuset_cpus = json_string_value(v);
	v = json_object_get(body, "CpusetMems");
	if (json_is_string(v) && json_string_length(v))
		o.cpuset_mems = json_string_value(v);
	rp = json_object_get(body, "RestartPolicy");
	if (json_is_object(rp)) {
		const char *name = json_string_value(json_object_get(rp, "Name"));
		json_int_t max = json_integer_value(json_object_get(rp, "MaximumRetryCount"));

		if (name && *name) {
			restart = streq(name, "on-failure") && max > 0
					  ? xasprintf("on-failure:%lld", (long long)max)
					  : strdup(name);
			if (!restart)
				return http_error(x->conn, 500, "out of memory");
			o.restart = restart;
		}
	}
	r = berth_engine_update(e, x->arg[0], &o, &err);
	if (r < 0)
		return http_engine_error(x->conn, err);
	return http_json(x->conn, 200, json_pack("{s:[]}", "Warnings"));
}

/* GET /containers/{id}/changes: [{"Path": P, "Kind": 0 changed, 1 added, 2 deleted}] */
static int changes(struct api_ctx *x)
{
	struct berth_engine *e = api_engine(x);
	_cleanup_(berth_error_freep) struct berth_error *err = NULL;
	_cleanup_strv_free_ char **l = NULL;
	json_t *a;

	if (!e)
		return -1;
	if (berth_engine_diff(e, x->arg[0], &l, &err) < 0)
		return http_engine_error(x->conn, err);
	a = json_array();
	for (char **d = l; a && d && *d; d++) {
		int kind = (*d)[0] == 'A' ? 1 : (*d)[0] == 'D' ? 2 : 0;

		json_array_append_new(a, json_pack("{s:s,s:i}", "Path", *d + 2, "Kind", kind));
	}
	return http_json(x->conn, 200, a);
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
	{ "GET", "/containers/{}/top", top },
	{ "GET", "/containers/{}/stats", stats },
	{ "POST", "/containers/{}/update", update },
	{ "GET", "/containers/{}/changes", changes },
	{ "DELETE", "/containers/{}", remove_ },
	{},
};
