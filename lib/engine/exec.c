/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * docker's exec instances: an exec is created, started and inspected by separate requests
 * (separate processes of `berth serve`), so each lives in a file of its container's,
 * <ctr>/execs/<id>.json, written whole (renamed into place) at each change and gone with
 * the container's directory. <ctr>/execs/.lock orders the starts.
 */
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#include "berth/engine.h"
#include "berth/image.h"
#include "berth/cleanup.h"
#include "berth/record.h"
#include "berth/util.h"
#include "exec.h"

void berth_exec_instance_clear(struct berth_exec_instance *x)
{
	free(x->id);
	free(x->container_id);
	strv_free(x->opts.cmd);
	strv_free(x->opts.env);
	free((char *)x->opts.user);
	free((char *)x->opts.workdir);
	free(x->detach_keys);
	*x = (struct berth_exec_instance){0};
}

static bool id_valid(const char *id)
{
	return strlen(id) == 64 && strspn(id, "0123456789abcdef") == 64;
}

static json_t *strv_json(char *const *l)
{
	json_t *a = json_array();

	for (char *const *p = l; a && p && *p; p++)
		json_array_append_new(a, json_string(*p));
	return a;
}

static int json_strv(json_t *a, char ***ret)
{
	size_t i;
	json_t *v;

	json_array_foreach(a, i, v) if (!json_is_string(v) ||
					strv_extend(ret, json_string_value(v)) < 0) return -EINVAL;
	return 0;
}

static int record_save(const char *dir, const struct berth_exec_instance *x,
		       struct berth_error **err)
{
	_cleanup_free_ char *path = xasprintf("%s/%s.json", dir, x->id), *text = NULL;
	json_t *o;
	int r;

	o = json_pack("{s:s,s:s,s:o,s:o,s:s?,s:s?,s:b,s:b,s:b,s:b,s:i,s:i,s:b,s:b,s:b,s:i,s:i,s:b,"
		      "s:s?}",
		      "ID", x->id, "ContainerID", x->container_id, "Cmd", strv_json(x->opts.cmd),
		      "Env", strv_json(x->opts.env), "User", x->opts.user, "WorkingDir",
		      x->opts.workdir, "Tty", x->opts.tty, "AttachStdin", x->opts.interactive,
		      "AttachStdout", x->attach_stdout, "AttachStderr", x->attach_stderr,
		      "ConsoleHeight", x->console_h, "ConsoleWidth", x->console_w, "Started",
		      x->started, "Running", x->running, "Exited", x->exited, "ExitCode",
		      x->exit_code, "Pid", (int)x->pid, "Privileged", x->opts.privileged,
		      "DetachKeys", x->detach_keys);
	text = o ? json_dumps(o, JSON_COMPACT) : NULL;
	json_decref(o);
	if (!path || !text)
		return berth_error_set(err, ENOMEM, "exec %s", x->id);
	r = write_file_atomic(path, text, strlen(text), 0600);
	if (r < 0)
		return berth_error_set(err, -r, "write '%s'", path);
	return 0;
}

static int record_load(const char *path, struct berth_exec_instance *ret)
{
	struct berth_exec_instance x = {0};
	json_auto_t *o = json_load_file(path, 0, NULL);
	const char *s;

	if (!o)
		return -ENOENT;
	x.id = strdup(json_string_value(json_object_get(o, "ID")) ?: "");
	x.container_id = strdup(json_string_value(json_object_get(o, "ContainerID")) ?: "");
	if ((s = json_string_value(json_object_get(o, "User"))))
		x.opts.user = strdup(s);
	if ((s = json_string_value(json_object_get(o, "WorkingDir"))))
		x.opts.workdir = strdup(s);
	if ((s = json_string_value(json_object_get(o, "DetachKeys"))))
		x.detach_keys = strdup(s);
	x.opts.tty = json_is_true(json_object_get(o, "Tty"));
	x.opts.privileged = json_is_true(json_object_get(o, "Privileged"));
	x.opts.interactive = json_is_true(json_object_get(o, "AttachStdin"));
	x.attach_stdout = json_is_true(json_object_get(o, "AttachStdout"));
	x.attach_stderr = json_is_true(json_object_get(o, "AttachStderr"));
	x.console_h = (unsigned)json_integer_value(json_object_get(o, "ConsoleHeight"));
	x.console_w = (unsigned)json_integer_value(json_object_get(o, "ConsoleWidth"));
	x.started = json_is_true(json_object_get(o, "Started"));
	x.running = json_is_true(json_object_get(o, "Running"));
	x.exited = json_is_true(json_object_get(o, "Exited"));
	x.exit_code = (int)json_integer_value(json_object_get(o, "ExitCode"));
	x.pid = (pid_t)json_integer_value(json_object_get(o, "Pid"));
	if (!x.id || !x.container_id || json_strv(json_object_get(o, "Cmd"), &x.opts.cmd) < 0 ||
	    json_strv(json_object_get(o, "Env"), &x.opts.env) < 0) {
		berth_exec_instance_clear(&x);
		return -ENOMEM;
	}
	*ret = x;
	return 0;
}

/* The directory of the exec's record (its container's execs/), NULL when there is none */
static char *exec_dir(struct berth_engine *e, const char *id)
{
	_cleanup_free_ char *pattern = NULL;
	glob_t g;
	char *dir = NULL;

	if (!id_valid(id))
		return NULL;
	pattern =
	    xasprintf("%s/containers/*/execs/%s.json", berth_store_root(berth_engine_store(e)), id);
	if (!pattern || glob(pattern, GLOB_NOSORT, NULL, &g) != 0)
		return NULL;
	/* a container being removed (.rm-ID) is not matched by '*' (a leading dot) */
	if (g.gl_pathc > 0)
		dir = strndup(g.gl_pathv[0], strlen(g.gl_pathv[0]) - strlen(id) - strlen("/.json"));
	globfree(&g);
	return dir;
}

/* Its process still runs (not a zombie its starter has not reaped yet). */
static bool pid_alive(pid_t pid)
{
	_cleanup_free_ char *stat = NULL;
	char path[64], *p;

	if (pid <= 0)
		return false;
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if (read_full_file(path, &stat, NULL) < 0)
		return false;
	p = strrchr(stat, ')');
	return p && p[1] == ' ' && p[2] != 'Z' && p[2] != 'X';
}

int berth_exec_get(struct berth_engine *e, const char *id, struct berth_exec_instance *ret,
		   struct berth_error **err)
{
	_cleanup_free_ char *dir = exec_dir(e, id), *path = NULL;
	int r;

	path = dir ? xasprintf("%s/%s.json", dir, id) : NULL;
	if (!path)
		return berth_error_new(err, ENOENT, "No such exec instance: %s", id);
	r = record_load(path, ret);
	if (r < 0)
		return berth_error_new(err, -r == ENOMEM ? ENOMEM : ENOENT,
				       "No such exec instance: %s", id);
	/* a detached one, or one whose starter went away: running while its process does */
	if (ret->running && !pid_alive(ret->pid))
		ret->running = false;
	return 0;
}

int berth_exec_create(struct berth_engine *e, const char *name_or_id,
		      const struct berth_exec_instance *o, char **ret_id, struct berth_error **err)
{
	_cleanup_(ctr_release) struct ctr c = {0};
	_cleanup_free_ char *dir = NULL;
	struct berth_exec_instance x = *o;
	char id[65];
	int r;

	if (!o->opts.cmd || !o->opts.cmd[0])
		return berth_error_new(err, EINVAL, "No exec command specified");
	if (o->detach_keys && *o->detach_keys) {
		char keys[BERTH_DETACH_KEYS_MAX];
		size_t n;

		if (berth_detach_keys_parse(o->detach_keys, keys, &n, NULL) < 0)
			return berth_error_new(err, EINVAL, "Invalid escape keys (%s) provided",
					       o->detach_keys);
	} else {
		x.detach_keys = NULL;
	}
	r = ctr_find(berth_store_root(berth_engine_store(e)), name_or_id, &c, err);
	if (r < 0)
		return r;
	if (c.rec.state != BERTH_CTR_RUNNING)
		return berth_error_new(err, EBUSY, "container %s is not running", c.rec.id);
	dir = xasprintf("%s/execs", c.dir);
	if (!dir || random_hex_id(id) < 0)
		return berth_error_set(err, ENOMEM, "exec in %s", name_or_id);
	r = mkdir_p(dir, 0700);
	if (r < 0)
		return berth_error_set(err, -r, "mkdir '%s'", dir);
	x.id = id;
	x.container_id = c.rec.id;
	x.started = x.running = x.exited = false;
	x.exit_code = 0;
	x.pid = 0;
	r = record_save(dir, &x, err);
	if (r < 0)
		return r;
	*ret_id = strdup(id);
	return *ret_id ? 0 : berth_error_set(err, ENOMEM, "exec in %s", name_or_id);
}

/* The size of the terminal the process has as its stdin (through /proc: its master is
 * another process's, the one relaying it). Not a terminal: nothing to do. */
static int set_size(pid_t pid, unsigned h, unsigned w, struct berth_error **err)
{
	struct winsize ws = {.ws_row = (unsigned short)h, .ws_col = (unsigned short)w};
	_cleanup_close_ int fd = -EBADF;
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d/fd/0", (int)pid);
	fd = open(path, O_RDWR | O_NOCTTY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return berth_error_set(err, errno, "resize: open '%s'", path);
	if (!isatty(fd))
		return 0;
	if (ioctl(fd, TIOCSWINSZ, &ws) < 0)
		return berth_error_set(err, errno, "resize the terminal of %d", (int)pid);
	return 0;
}

struct start_ctx {
	const char *dir;
	struct berth_exec_instance *x;
};

static void started(pid_t pid, void *userdata)
{
	struct start_ctx *s = userdata;

	s->x->pid = pid;
	s->x->running = true;
	(void)record_save(s->dir, s->x, NULL);
	if (s->x->opts.tty && s->x->console_h && s->x->console_w)
		(void)set_size(pid, s->x->console_h, s->x->console_w, NULL);
}

int berth_exec_start(struct berth_engine *e, const char *id, bool detach,
		     const struct berth_stdio *io, int *ret_status, struct berth_error **err)
{
	_cleanup_free_ char *dir = exec_dir(e, id), *lock_path = NULL, *path = NULL;
	_cleanup_close_ int lock = -EBADF;
	struct berth_exec_instance x = {0};
	struct start_ctx s = {.dir = dir, .x = &x};
	struct exec_hooks h = {.started = started, .userdata = &s};
	struct berth_stdio keyed;
	int status = 0, r;

	if (!dir)
		return berth_error_new(err, ENOENT, "No such exec instance: %s", id);
	lock_path = xasprintf("%s/.lock", dir);
	path = xasprintf("%s/%s.json", dir, id);
	if (!lock_path || !path)
		return berth_error_set(err, ENOMEM, "exec %s", id);
	lock = open(lock_path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (lock < 0 || flock(lock, LOCK_EX) < 0)
		return berth_error_set(err, errno, "lock '%s'", lock_path);
	r = record_load(path, &x);
	if (r < 0)
		return berth_error_new(err, ENOENT, "No such exec instance: %s", id);
	/* once: dockerd's conflicts */
	if (x.started) {
		r = berth_error_new(err, EBUSY,
				    x.exited || !pid_alive(x.pid)
					? "Error: Exec command %s has already run"
					: "Error: Exec command %s is already running",
				    id);
		berth_exec_instance_clear(&x);
		return r;
	}
	x.started = true;
	x.opts.detach = detach;
	r = record_save(dir, &x, err);
	close(TAKE_FD(lock));
	if (io && x.detach_keys) {
		keyed = *io;
		keyed.detach_keys = x.detach_keys;
		io = &keyed;
	}
	if (r >= 0)
		r = engine_exec(e, x.container_id, &x.opts, io, x.id, &h, &status, err);
	/* the end is written before the caller learns it (docker's CLI asks for the exit
	 * code once the stream ends) */
	if (r == 1) {
		/* detached by its keys: it runs on, recorded so by started() */
		*ret_status = 0;
	} else if (r >= 0 && !detach) {
		x.running = false;
		x.exited = true;
		x.exit_code = status;
		(void)record_save(dir, &x, NULL);
		*ret_status = status;
	} else if (r < 0) {
		/* docker's codes: the command could not be found (127) or run (126) */
		x.running = false;
		x.exited = true;
		x.exit_code = err && *err && (*err)->kind == BERTH_ERROR_EXEC_NOT_FOUND ? 127 : 126;
		(void)record_save(dir, &x, NULL);
	} else {
		*ret_status = 0;
	}
	berth_exec_instance_clear(&x);
	return r;
}

int berth_exec_resize(struct berth_engine *e, const char *id, unsigned h, unsigned w,
		      struct berth_error **err)
{
	_cleanup_free_ char *dir = exec_dir(e, id), *path = NULL;
	struct berth_exec_instance x = {0};
	int r = 0;

	path = dir ? xasprintf("%s/%s.json", dir, id) : NULL;
	if (!path || record_load(path, &x) < 0)
		return berth_error_new(err, ENOENT, "No such exec instance: %s", id);
	if (!x.running || !pid_alive(x.pid))
		r = berth_error_new(err, EBUSY, "Exec %s is not running", id);
	else if (x.opts.tty)
		r = set_size(x.pid, h, w, err);
	berth_exec_instance_clear(&x);
	return r;
}
