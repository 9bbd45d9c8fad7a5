/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The Engine API's exec endpoints: an exec is created (POST /containers/{id}/exec),
 * started on another connection (POST /exec/{id}/start, hijacked as attach is) and
 * inspected for its exit code; the engine keeps each in its container's directory
 * (berth_exec_*), since every connection is a process of its own.
 */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "berth/cleanup.h"
#include "berth/record.h"
#include "berth/util.h"
#include "serve.h"

static int get_bool(struct api_ctx *x, json_t *o, const char *key, bool *ret)
{
	json_t *v = json_object_get(o, key);

	if (v && !json_is_null(v) && !json_is_boolean(v))
		return http_error(x->conn, 400, "%s: not a boolean", key);
	*ret = json_is_true(v);
	return 0;
}

static int get_str(struct api_ctx *x, json_t *o, const char *key, char **ret)
{
	json_t *v = json_object_get(o, key);

	*ret = NULL;
	if (!v || json_is_null(v) || (json_is_string(v) && !*json_string_value(v)))
		return 0;
	if (!json_is_string(v))
		return http_error(x->conn, 400, "%s: not a string", key);
	*ret = strdup(json_string_value(v));
	return *ret ? 0 : http_error(x->conn, 500, "out of memory");
}

static int get_strv(struct api_ctx *x, json_t *o, const char *key, char ***ret)
{
	json_t *v = json_object_get(o, key), *s;
	size_t i;

	*ret = NULL;
	if (!v || json_is_null(v))
		return 0;
	if (!json_is_array(v))
		return http_error(x->conn, 400, "%s: not an array of strings", key);
	json_array_foreach(v, i, s)
	{
		if (!json_is_string(s))
			return http_error(x->conn, 400, "%s[%zu]: not a string", key, i);
		if (strv_extend(ret, json_string_value(s)) < 0)
			return http_error(x->conn, 500, "out of memory");
	}
	return 0;
}

/* POST /containers/{id}/exec: docker's ExecConfig; 201 {"Id"} */
static int create(struct api_ctx *x)
{
	struct berth_engine *e = api_engine(x);
	_cleanup_(berth_error_freep) struct berth_error *err = NULL;
	_cleanup_(berth_exec_instance_clear) struct berth_exec_instance o = {0};
	_cleanup_free_ char *id = NULL, *user = NULL, *workdir = NULL, *keys = NULL;
	json_auto_t *body = NULL;
	json_t *size;
	int r;

	if (!e || http_body_object(x->conn, x->req, true, &body) < 0)
		return -1;
	if (get_strv(x, body, "Cmd", &o.opts.cmd) < 0 ||
	    get_strv(x, body, "Env", &o.opts.env) < 0 || get_str(x, body, "User", &user) < 0 ||
	    get_str(x, body, "WorkingDir", &workdir) < 0 ||
	    get_str(x, body, "DetachKeys", &keys) < 0 ||
	    get_bool(x, body, "Tty", &o.opts.tty) < 0 ||
	    get_bool(x, body, "AttachStdin", &o.opts.interactive) < 0 ||
	    get_bool(x, body, "AttachStdout", &o.attach_stdout) < 0 ||
	    get_bool(x, body, "AttachStderr", &o.attach_stderr) < 0 ||
	    get_bool(x, body, "Privileged", &o.opts.privileged) < 0)
		return -1;
	if (workdir && workdir[0] != '/')
		return http_error(x->conn, 400,
				  "the working directory '%s' is invalid, it needs "
				  "to be an absolute path",
				  workdir);
	size = json_object_get(body, "ConsoleSize");
	if (size && !json_is_null(size)) {
		if (!json_is_array(size) || json_array_size(size) != 2 ||
		    !json_is_integer(json_array_get(size, 0)) ||
		    !json_is_integer(json_array_get(size, 1)))
			return http_error(x->conn, 400, "ConsoleSize: not [height, width]");
		o.console_h = (unsigned)json_integer_value(json_array_get(size, 0));
		o.console_w = (unsigned)json_integer_value(json_array_get(size, 1));
	}
	if (!o.opts.cmd || !o.opts.cmd[0])
		return http_error(x->conn, 400, "No exec command specified");
	o.opts.user = user;
	o.opts.workdir = workdir;
	o.detach_keys = keys;
	r = berth_exec_create(e, x->arg[0], &o, &id, &err);
	o.opts.user = o.opts.workdir = o.detach_keys = NULL; /* ours, freed as such */
	if (r == -ENOENT)
		return http_error(x->conn, 404, "No such container: %s", x->arg[0]);
	if (r < 0)
		return http_engine_error(x->conn, err);
	return http_json(x->conn, 201, json_pack("{s:s}", "Id", id));
}

/* The error of a start whose stream has begun: as text in it, the client prints it. */
static void stream_error(int fd, bool framed, const char *msg)
{
	size_t n = strlen(msg);
	uint8_t h[8];

	berth_frame_header(h, BERTH_LOGS_STDERR, n + 1);
	if (framed)
		(void)loop_write(fd, h, sizeof(h));
	(void)loop_write(fd, msg, n);
	(void)loop_write(fd, "\n", 1);
}

/* A detached exec's process is this connection's child, and the connection lives on: a
 * thread reaps it when it ends. A zombie left in the container's PID namespace keeps the
 * namespace's init from ever being gone: stop, kill and rm -f of the container then hang. */
static void *reap(void *data)
{
	pid_t pid = (pid_t)(intptr_t)data;

	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
	return NULL;
}

static void reap_later(struct berth_engine *e, const char *id)
{
	struct berth_exec_instance ex = {0};
	pthread_t t;

	if (berth_exec_get(e, id, &ex, NULL) >= 0 && ex.pid > 0 &&
	    pthread_create(&t, NULL, reap, (void *)(intptr_t)ex.pid) == 0)
		pthread_detach(t);
	berth_exec_instance_clear(&ex);
}

/* POST /exec/{id}/start {"Detach":bool,"Tty":bool}: detached, 200 once it runs; else the
 * connection becomes its stdio (docker's frames without a terminal, raw with one) */
static int start(struct api_ctx *x)
{
	struct berth_engine *e = api_engine(x);
	_cleanup_(berth_error_freep) struct berth_error *err = NULL;
	_cleanup_(berth_exec_instance_clear) struct berth_exec_instance ex = {0};
	_cleanup_(ctr_release) struct ctr c = {0};
	json_auto_t *body = NULL;
	bool detach = false;
	int status = 0, r;

	if (!e || http_body_object(x->conn, x->req, false, &body) < 0)
		return -1;
	if (get_bool(x, body, "Detach", &detach) < 0)
		return -1;
	/* what can be refused is refused before the stream begins */
	if (berth_exec_get(e, x->arg[0], &ex, &err) < 0)
		return http_engine_error(x->conn, err);
	if (ex.started)
		return http_error(x->conn, 409,
				  ex.running ? "Error: Exec command %s is already running"
					     : "Error: Exec command %s has already run",
				  ex.id);
	if (ctr_find(berth_store_root(berth_engine_store(e)), ex.container_id, &c, NULL) < 0 ||
	    c.rec.state != BERTH_CTR_RUNNING)
		return http_error(x->conn, 409, "container %s is not running", ex.container_id);
	if (detach) {
		r = berth_exec_start(e, ex.id, true, NULL, &status, &err);
		if (r < 0)
			return http_engine_error(x->conn, err);
		reap_later(e, ex.id);
		return http_send(x->conn, 200, "application/json", NULL, 0);
	}
	{
		int fd = x->conn->fd;
		struct berth_stdio io = {.in = ex.opts.interactive ? fd : -1,
					 .out = ex.attach_stdout ? fd : -1,
					 .err = ex.attach_stderr ? fd : -1,
					 .multiplex = true,
					 .no_signals = true};

		if (http_hijack(x->conn, x->req,
				ex.opts.tty ? "application/vnd.docker.raw-stream"
					    : "application/vnd.docker.multiplexed-stream") < 0)
			return -1;
		r = berth_exec_start(e, ex.id, false, &io, &status, &err);
		if (r < 0)
			stream_error(fd, !ex.opts.tty, berth_error_message(err));
		/* the stream ends with the connection: the client reads the end of the
		 * output, then asks /exec/{id}/json for the exit code (recorded by now) */
		shutdown(fd, SHUT_WR);
	}
	return 0;
}

/* POST /exec/{id}/resize?h=&w=: as dockerd, once its process runs, waiting up to 10 s
 * for it: docker's CLI before API 1.42 gives the size only by this resize, sent as soon
 * as the start's stream begins, which can be before the process is there */
static int resize(struct api_ctx *x)
{
	struct berth_engine *e = api_engine(x);
	_cleanup_(berth_error_freep) struct berth_error *err = NULL;
	unsigned h, w;
	int r;

	if (!e || api_query_size(x, &h, &w) < 0)
		return -1;
	for (int i = 0;; i++) {
		_cleanup_(berth_exec_instance_clear) struct berth_exec_instance ex = {0};

		if (berth_exec_get(e, x->arg[0], &ex, &err) < 0)
			return http_engine_error(x->conn, err);
		if (ex.running || ex.exited)
			break;
		if (i == 500)
			return http_error(x->conn, 500, "timeout waiting for exec session ready");
		usleep(20 * 1000);
	}
	r = berth_exec_resize(e, x->arg[0], h, w, &err);
	/* no longer running: nothing to resize */
	if (r < 0 && r != -EBUSY)
		return http_engine_error(x->conn, err);
	return http_send(x->conn, 200, "text/plain", NULL, 0);
}

/* GET /exec/{id}/json: docker's ExecInspect */
static int inspect(struct api_ctx *x)
{
	struct berth_engine *e = api_engine(x);
	_cleanup_(berth_error_freep) struct berth_error *err = NULL;
	_cleanup_(berth_exec_instance_clear) struct berth_exec_instance ex = {0};
	json_t *args;

	if (!e)
		return -1;
	if (berth_exec_get(e, x->arg[0], &ex, &err) < 0)
		return http_engine_error(x->conn, err);
	if (!ex.opts.cmd || !ex.opts.cmd[0])
		return http_error(x->conn, 500, "exec %s: its record has no command", ex.id);
	args = json_array();
	for (char **a = ex.opts.cmd + 1; args && *a; a++)
		json_array_append_new(args, json_string(*a));
	return http_json(
	    x->conn, 200,
	    json_pack("{s:b,s:s,s:s,s:o,s:s,s:b,s:b,s:b,s:{s:o,s:s,s:b,s:b,s:s},s:b,s:i}",
		      "CanRemove", 0, "ContainerID", ex.container_id, "DetachKeys",
		      ex.detach_keys ? ex.detach_keys : "", "ExitCode",
		      ex.exited ? json_integer(ex.exit_code) : json_null(), "ID", ex.id,
		      "OpenStderr", ex.attach_stderr, "OpenStdin", ex.opts.interactive,
		      "OpenStdout", ex.attach_stdout, "ProcessConfig", "arguments", args,
		      "entrypoint", ex.opts.cmd[0], "privileged", ex.opts.privileged, "tty",
		      ex.opts.tty, "user", ex.opts.user ? ex.opts.user : "", "Running", ex.running,
		      "Pid",
		      ex.running ? (int)ex.pid : 0));
}

const struct api_route api_exec_routes[] = {
    {"POST", "/containers/{}/exec", create},
    {"POST", "/exec/{}/start", start},
    {"POST", "/exec/{}/resize", resize},
    {"GET", "/exec/{}/json", inspect},
    {},
};
