/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Healthchecks: the state file (record.h) and the monitor's runner (health.h), as
 * docker's daemon/health.go runs them.
 */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "berth/cleanup.h"
#include "berth/logfile.h"
#include "berth/record.h"
#include "berth/runtime.h"
#include "berth/util.h"
#include "health.h"

/* docker's defaults */
#define DEFAULT_INTERVAL (30 * 1000000000LL)
#define DEFAULT_TIMEOUT (30 * 1000000000LL)
#define DEFAULT_START_INTERVAL (5 * 1000000000LL)
#define DEFAULT_RETRIES 3

static const char *const health_names[_BERTH_HEALTH_MAX] = {
    [BERTH_HEALTH_NONE] = "none",
    [BERTH_HEALTH_STARTING] = "starting",
    [BERTH_HEALTH_HEALTHY] = "healthy",
    [BERTH_HEALTH_UNHEALTHY] = "unhealthy",
};

const char *berth_health_name(enum berth_health h)
{
	return h >= 0 && h < _BERTH_HEALTH_MAX ? health_names[h] : "none";
}

int berth_health_from_name(const char *s, enum berth_health *ret)
{
	for (int i = 0; i < _BERTH_HEALTH_MAX; i++)
		if (streq(s, health_names[i])) {
			*ret = (enum berth_health)i;
			return 0;
		}
	return -EINVAL;
}

bool record_has_healthcheck(const struct record *r)
{
	char **t = r->healthcheck.test;

	return t && t[0] && t[1] && (streq(t[0], "CMD") || streq(t[0], "CMD-SHELL"));
}

void health_state_clear(struct health_state *h)
{
	for (size_t i = 0; i < h->n_log; i++)
		free(h->log[i].output);
	*h = (struct health_state){0};
}

/* "2026-12-07T15:06:04.123456789Z", as logfile_format_time() writes it */
static int64_t parse_time(const char *s)
{
	struct tm tm = {0};
	char frac[10] = "";
	int64_t ns = 0;

	if (!s || sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d.%9[0-9]", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
			 &tm.tm_hour, &tm.tm_min, &tm.tm_sec, frac) < 6)
		return 0;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	for (size_t i = 0; i < 9; i++)
		ns = ns * 10 + (i < strlen(frac) ? frac[i] - '0' : 0);
	return (int64_t)timegm(&tm) * 1000000000 + ns;
}

int health_read(const char *dir, struct health_state *ret)
{
	_cleanup_free_ char *path = xasprintf("%s/" HEALTH_FILE, dir);
	struct health_state h = {0};
	json_t *o, *e;
	size_t i;

	if (!path)
		return -ENOMEM;
	o = json_load_file(path, 0, NULL);
	if (!o)
		return access(path, F_OK) < 0 ? -errno : -EINVAL;
	if (berth_health_from_name(json_string_value(json_object_get(o, "Status")) ?: "",
				   &h.status) < 0)
		h.status = BERTH_HEALTH_NONE;
	h.failing_streak = (int)json_integer_value(json_object_get(o, "FailingStreak"));
	json_array_foreach(json_object_get(o, "Log"), i, e)
	{
		struct health_result *res;

		if (h.n_log == HEALTH_LOG_MAX)
			break;
		res = &h.log[h.n_log];
		res->start = parse_time(json_string_value(json_object_get(e, "Start")));
		res->end = parse_time(json_string_value(json_object_get(e, "End")));
		res->exit_code = (int)json_integer_value(json_object_get(e, "ExitCode"));
		res->output = strdup(json_string_value(json_object_get(e, "Output")) ?: "");
		if (!res->output) {
			json_decref(o);
			health_state_clear(&h);
			return -ENOMEM;
		}
		h.n_log++;
	}
	json_decref(o);
	*ret = h;
	return 0;
}

json_t *health_to_json(const struct health_state *h)
{
	json_t *o = json_object(), *log = json_array();

	if (!o || !log) {
		json_decref(o);
		json_decref(log);
		return NULL;
	}
	for (size_t i = 0; i < h->n_log; i++) {
		const struct health_result *res = &h->log[i];
		char start[32], end[32];

		logfile_format_time(res->start, start);
		logfile_format_time(res->end, end);
		json_array_append_new(log, json_pack("{s:s, s:s, s:i, s:s}", "Start", start, "End",
						     end, "ExitCode", res->exit_code, "Output",
						     res->output ? res->output : ""));
	}
	json_object_set_new(o, "Status", json_string(berth_health_name(h->status)));
	json_object_set_new(o, "FailingStreak", json_integer(h->failing_streak));
	json_object_set_new(o, "Log", log);
	return o;
}

int health_write(const char *dir, const struct health_state *h)
{
	_cleanup_free_ char *path = xasprintf("%s/" HEALTH_FILE, dir), *text = NULL;
	json_t *o = health_to_json(h);
	int r;

	if (!path || !o) {
		json_decref(o);
		return -ENOMEM;
	}
	text = json_dumps(o, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	json_decref(o);
	if (!text)
		return -ENOMEM;
	/* readers (ps, inspect) see the old file or the new one, never half of one */
	r = write_file_atomic(path, text, strlen(text), 0600);
	return r < 0 ? r : 0;
}

struct health {
	const char *dir, *rtroot, *id;
	char **args;						 /* the check's command */
	int64_t interval, timeout, start_period, start_interval; /* ns */
	int retries;
	struct health_state st;
	bool active;	  /* between health_begin() and health_end() */
	int64_t begun;	  /* CLOCK_REALTIME ns of health_begin(): the start period's start */
	uint64_t next_ms; /* CLOCK_MONOTONIC: when the next check starts */
	/* the check running, pid 0 when none */
	pid_t pid;
	bool reaped, timed_out;
	int wait_status;
	int out_fd;
	uint64_t deadline_ms;
	int64_t start; /* CLOCK_REALTIME ns */
	char out[HEALTH_OUTPUT_MAX];
	size_t out_len;
	bool truncated;
};

static int64_t realtime_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static uint64_t ns_to_ms(int64_t ns)
{
	return (uint64_t)(ns + 999999) / 1000000;
}

struct health *health_new(const char *dir, const char *rtroot, const char *id,
			  const struct berth_healthcheck *hc)
{
	struct health *h = calloc(1, sizeof(*h));
	char **t = hc->test;

	if (!h)
		return NULL;
	*h = (struct health){
	    .dir = dir,
	    .rtroot = rtroot,
	    .id = id,
	    .interval = hc->interval > 0 ? hc->interval : DEFAULT_INTERVAL,
	    .timeout = hc->timeout > 0 ? hc->timeout : DEFAULT_TIMEOUT,
	    .start_period = hc->start_period > 0 ? hc->start_period : 0,
	    .start_interval = hc->start_interval > 0 ? hc->start_interval : DEFAULT_START_INTERVAL,
	    .retries = hc->retries > 0 ? hc->retries : DEFAULT_RETRIES,
	    .out_fd = -1,
	};
	/* CMD-SHELL: docker's default shell before the rest */
	if (streq(t[0], "CMD-SHELL") &&
	    (strv_extend(&h->args, "/bin/sh") < 0 || strv_extend(&h->args, "-c") < 0))
		return health_free(h);
	for (char **a = t + 1; *a; a++)
		if (strv_extend(&h->args, *a) < 0)
			return health_free(h);
	return h;
}

static void check_kill(struct health *h)
{
	/* the check is the leader of a session of its own (the runtime's setsid for a
	 * process without a terminal): its group goes with it, the shell's children too.
	 * Only before it is reaped: until then neither its pid nor its group's id can be
	 * anyone else's. */
	(void)kill(-h->pid, SIGKILL);
	(void)kill(h->pid, SIGKILL);
}

static void check_clear(struct health *h)
{
	if (h->out_fd >= 0)
		close(h->out_fd);
	h->out_fd = -1;
	h->pid = 0;
	h->reaped = h->timed_out = h->truncated = false;
	h->out_len = 0;
}

/* A check still running killed and reaped; its result dropped. */
static void check_abort(struct health *h)
{
	if (h->pid && !h->reaped) {
		check_kill(h);
		while (waitpid(h->pid, NULL, 0) < 0 && errno == EINTR)
			;
	}
	check_clear(h);
}

struct health *health_free(struct health *h)
{
	if (!h)
		return NULL;
	check_abort(h);
	strv_free(h->args);
	health_state_clear(&h->st);
	free(h);
	return NULL;
}

/* Every change of the status goes through here: the place to tell of it (docker's
 * health_status event). */
static void health_set_status(struct health *h, enum berth_health status)
{
	if (h->st.status == status)
		return;
	h->st.status = status;
}

void health_begin(struct health *h)
{
	struct health_state old;

	/* the log of earlier runs stays, as docker keeps it */
	if (!h->active && h->st.n_log == 0 && health_read(h->dir, &old) == 0) {
		health_state_clear(&h->st);
		h->st = old;
	}
	h->active = true;
	h->st.failing_streak = 0;
	health_set_status(h, BERTH_HEALTH_STARTING);
	h->begun = realtime_ns();
	h->next_ms = now_ms() + ns_to_ms(h->start_period > 0 ? h->start_interval : h->interval);
	(void)health_write(h->dir, &h->st);
}

int health_fd(const struct health *h)
{
	return h->active && h->pid ? h->out_fd : -1;
}

int health_timeout(const struct health *h)
{
	uint64_t now = now_ms(), at;

	if (!h->active || (h->pid && (h->reaped || h->timed_out)))
		return h->active && h->reaped ? 0 : -1;
	at = h->pid ? h->deadline_ms : h->next_ms;
	return at <= now ? 0 : at - now > INT32_MAX ? INT32_MAX : (int)(at - now);
}

bool health_reaped(struct health *h, pid_t pid, int wait_status)
{
	if (!h->pid || pid != h->pid || h->reaped)
		return false;
	h->reaped = true;
	h->wait_status = wait_status;
	return true;
}

/* What the check wrote: the first HEALTH_OUTPUT_MAX bytes kept, the rest read and
 * dropped (a check writing more must not block on a full pipe). 64 KiB at a time: one
 * that never stops writing does not hold the monitor's loop. */
static void check_output(struct health *h)
{
	char buf[4096];
	ssize_t n;

	for (int i = 0; i < 16 && h->out_fd >= 0; i++) {
		n = read(h->out_fd, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return;
		if (n <= 0) {
			close(h->out_fd);
			h->out_fd = -1;
			return;
		}
		if ((size_t)n > sizeof(h->out) - h->out_len) {
			h->truncated = true;
			n = (ssize_t)(sizeof(h->out) - h->out_len);
		}
		memcpy(h->out + h->out_len, buf, (size_t)n);
		h->out_len += (size_t)n;
	}
}

/* The interval after a check: the start interval while "starting" in the start period */
static int64_t next_interval(const struct health *h)
{
	if (realtime_ns() - h->begun < h->start_period && h->st.status == BERTH_HEALTH_STARTING)
		return h->start_interval;
	return h->interval;
}

/* A result, as docker's handleProbeResult takes it: the log keeps the last five; a
 * success is "healthy" and ends the start period; a failure counts towards retries
 * unless it started within the start period while still "starting". */
static void record_result(struct health *h, int64_t start, int exit_code, char *output)
{
	struct health_state *st = &h->st;

	if (st->n_log == HEALTH_LOG_MAX) {
		free(st->log[0].output);
		memmove(st->log, st->log + 1, (HEALTH_LOG_MAX - 1) * sizeof(st->log[0]));
		st->n_log--;
	}
	st->log[st->n_log++] = (struct health_result){
	    .start = start,
	    .end = realtime_ns(),
	    .exit_code = exit_code,
	    .output = output,
	};
	if (exit_code == 0) {
		st->failing_streak = 0;
		health_set_status(h, BERTH_HEALTH_HEALTHY);
	} else if (st->status != BERTH_HEALTH_STARTING || start - h->begun >= h->start_period) {
		st->failing_streak++;
		if (st->failing_streak >= h->retries)
			health_set_status(h, BERTH_HEALTH_UNHEALTHY);
	}
	(void)health_write(h->dir, st);
	h->next_ms = now_ms() + ns_to_ms(next_interval(h));
}

static void check_start(struct health *h)
{
	_cleanup_close_ int devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
	struct berth_error *e = NULL;
	int p[2] = {-1, -1}, status, r;
	int64_t start = realtime_ns();
	pid_t pid = 0;

	if (devnull < 0 || pipe2(p, O_CLOEXEC) < 0) {
		r = berth_error_set(&e, errno, "health check");
	} else {
		struct berth_exec_opts eo = {
		    .args = h->args,
		    .detach = true,
		    .ret_pid = &pid,
		    .stdio = {devnull, p[1], p[1]},
		};

		(void)fd_set_nonblock(p[0], true);
		r = berth_container_exec(h->rtroot, h->id, &eo, &status, &e);
		close(p[1]);
	}
	if (r < 0 || pid <= 0) {
		/* it did not run (docker: exit code -1, the error as its output) */
		if (p[0] >= 0)
			close(p[0]);
		record_result(h, start, -1, strdup(e ? berth_error_message(e) : "health check"));
		berth_error_free(e);
		return;
	}
	h->pid = pid;
	h->out_fd = p[0];
	h->start = start;
	h->deadline_ms = now_ms() + ns_to_ms(h->timeout);
}

static void check_done(struct health *h)
{
	char *output;
	int code;

	check_output(h);
	if (h->timed_out) {
		char d[GO_DURATION_MAX];

		format_go_duration(h->timeout, d);
		code = -1;
		output = xasprintf("Health check exceeded timeout (%s)", d);
	} else {
		code = exit_status(h->wait_status);
		output = xasprintf("%.*s%s", (int)h->out_len, h->out, h->truncated ? "..." : "");
	}
	record_result(h, h->start, code, output);
	check_clear(h);
}

void health_run(struct health *h)
{
	if (!h->active)
		return;
	if (h->pid) {
		check_output(h);
		if (!h->reaped && !h->timed_out && now_ms() >= h->deadline_ms) {
			check_kill(h);
			h->timed_out = true;
		}
		if (h->reaped)
			check_done(h);
		return;
	}
	if (now_ms() >= h->next_ms)
		check_start(h);
}

void health_end(struct health *h)
{
	check_abort(h);
	if (!h->active)
		return;
	h->active = false;
	/* docker: "unhealthy when the monitor has stopped for compatibility reasons" */
	health_set_status(h, BERTH_HEALTH_UNHEALTHY);
	(void)health_write(h->dir, &h->st);
}
