/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The verbs on a running container that go straight to the runtime: exec, pause,
 * unpause, top, stats.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "berth/engine.h"
#include "berth/events.h"
#include "berth/image.h"
#include "berth/runtime.h"
#include "berth/cleanup.h"
#include "ocigen.h"
#include "berth/record.h"
#include "berth/util.h"

/* The running container key names, and whether it is paused. */
struct running {
	struct ctr c;
	bool paused;
};

static void running_release(struct running *r)
{
	ctr_release(&r->c);
}

static int find_running(struct berth_store *s, const char *key, struct running *ret,
			struct berth_error **err)
{
	struct running r = { 0 };
	struct berth_state st;
	int k;

	k = ctr_find(berth_store_root(s), key, &r.c, err);
	if (k < 0)
		return k;
	if (r.c.rec.state != BERTH_CTR_RUNNING ||
	    berth_container_state(r.c.rtroot, r.c.rec.id, &st, NULL) < 0) {
		running_release(&r);
		return berth_error_new(err, EINVAL, "container %s is not running", key);
	}
	r.paused = st.status == BERTH_STATUS_PAUSED;
	berth_state_clear(&st);
	*ret = r;
	return 0;
}

int berth_engine_exec(struct berth_engine *e, const char *key,
		      const struct berth_engine_exec_opts *o, const struct berth_stdio *io,
		      int *ret_status, struct berth_error **err)
{
	struct berth_store *s = berth_engine_store(e);
	_cleanup_(running_release) struct running r = { 0 };
	_cleanup_close_ int devnull = -EBADF;
	_cleanup_free_ char *rootfs = NULL, *joined = NULL;
	char exec_id[65] = "", code[16], *action;
	struct berth_event_attr a[] = {{"execID", exec_id}};
	struct berth_exec_opts eo = {
		.args = o->cmd,
		.tty = o->tty,
		.detach = o->detach,
		.cwd = o->workdir,
		.env = o->env,
		.all_caps = o->privileged,
		.stdio = { -1, -1, -1 },
	};
	int k;

	if (!o->cmd || !o->cmd[0])
		return berth_error_new(err, EINVAL, "no command to execute");
	if (!o->detach && !io)
		return berth_error_new(err, EINVAL, "exec in the foreground: no stdio to relay");
	k = find_running(s, key, &r, err);
	if (k < 0)
		return k;
	if (r.paused)
		return berth_error_new(err, EBUSY,
				       "container %s is paused, unpause the container before exec",
				       key);
	if (o->user) {
		rootfs = xasprintf("%s/rootfs", r.c.dir);
		if (!rootfs)
			return berth_error_set(err, ENOMEM, "exec in '%s'", key);
		k = ocigen_parse_user(rootfs, o->user, &eo.uid, &eo.gid, err);
		if (k < 0)
			return k;
		eo.has_user = true;
	}
	/* docker: without -i the process's stdin is closed (here: /dev/null); detached,
	 * none of its stdio is the caller's. What io lacks is /dev/null too: never an fd of
	 * this process (the runtime's -1 would be ours) */
	if (!o->detach) {
		eo.stdio[0] = o->interactive ? io->in : -1;
		eo.stdio[1] = io->out;
		eo.stdio[2] = io->err;
	}
	if (eo.stdio[0] < 0 || eo.stdio[1] < 0 || eo.stdio[2] < 0) {
		devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
		if (devnull < 0)
			return berth_error_set(err, errno, "open '/dev/null'");
		for (int i = 0; i < 3; i++)
			if (eo.stdio[i] < 0)
				eo.stdio[i] = devnull;
	}
	/* docker's events: exec_create and exec_start with the command in the action,
	 * exec_die with its exit code, each with the exec's id */
	joined = strv_join(o->cmd, " ");
	if (!joined || random_hex_id(exec_id) < 0)
		return berth_error_set(err, ENOMEM, "exec in '%s'", key);
	action = xasprintf("exec_create: %s", joined);
	if (action)
		(void)record_event(berth_store_root(s), &r.c.rec, action, a, ELEMENTSOF(a));
	free(action);
	action = xasprintf("exec_start: %s", joined);
	if (action)
		(void)record_event(berth_store_root(s), &r.c.rec, action, a, ELEMENTSOF(a));
	free(action);
	k = berth_container_exec(r.c.rtroot, r.c.rec.id, &eo, ret_status, err);
	if (k >= 0 && o->detach)
		*ret_status = 0;
	if (k >= 0 && !o->detach) {
		struct berth_event_attr d[] = {{"execID", exec_id}, {"exitCode", code}};

		snprintf(code, sizeof(code), "%d", *ret_status);
		(void)record_event(berth_store_root(s), &r.c.rec, "exec_die", d, ELEMENTSOF(d));
	}
	return k;
}

int berth_engine_pause(struct berth_engine *e, const char *key, bool pause,
		       struct berth_error **err)
{
	struct berth_store *s = berth_engine_store(e);
	_cleanup_(running_release) struct running r = { 0 };
	int k;

	k = find_running(s, key, &r, err);
	if (k < 0)
		return k;
	if (pause && r.paused)
		return berth_error_new(err, EINVAL, "container %s is already paused", key);
	if (!pause && !r.paused)
		return berth_error_new(err, EINVAL, "container %s is not paused", key);
	k = pause ? berth_container_pause(r.c.rtroot, r.c.rec.id, err)
		  : berth_container_resume(r.c.rtroot, r.c.rec.id, err);
	if (k >= 0)
		(void)record_event(berth_store_root(s), &r.c.rec, pause ? "pause" : "unpause", NULL,
				   0);
	return k;
}

int berth_engine_pids(struct berth_engine *e, const char *key, pid_t **ret, size_t *ret_n,
		      struct berth_error **err)
{
	struct berth_store *s = berth_engine_store(e);
	_cleanup_(running_release) struct running r = { 0 };
	int k;

	k = find_running(s, key, &r, err);
	if (k < 0)
		return k;
	return berth_container_pids(r.c.rtroot, r.c.rec.id, ret, ret_n, err);
}

/* Bytes received and sent on every interface but lo, read from the container's own
 * network namespace through its init's /proc/PID/net/dev. */
static void net_io(pid_t pid, uint64_t *rx, uint64_t *tx)
{
	char path[64], line[512];
	_cleanup_fclose_ FILE *f = NULL;

	*rx = *tx = 0;
	snprintf(path, sizeof(path), "/proc/%d/net/dev", (int)pid);
	f = fopen(path, "re");
	while (f && fgets(line, sizeof(line), f)) {
		char name[64];
		unsigned long long r, t;

		if (sscanf(line, " %63[^:]: %llu %*u %*u %*u %*u %*u %*u %*u %llu", name, &r,
			   &t) != 3 || streq(name, "lo"))
			continue;
		*rx += r;
		*tx += t;
	}
}

int berth_engine_stats(struct berth_engine *e, const char *key, struct berth_engine_stats *ret,
		       struct berth_error **err)
{
	struct berth_store *s = berth_engine_store(e);
	_cleanup_(running_release) struct running r = { 0 };
	struct berth_stats st;
	struct timespec ts;
	int k;

	k = find_running(s, key, &r, err);
	if (k < 0)
		return k;
	k = berth_container_stats(r.c.rtroot, r.c.rec.id, &st, err);
	if (k < 0)
		return k;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	*ret = (struct berth_engine_stats){
		.read_ns = (uint64_t)ts.tv_sec * 1000000000 + (uint64_t)ts.tv_nsec,
		.cpu_ns = st.cpu_usage_ns,
		.memory_usage = st.memory_usage,
		.memory_limit = st.memory_limit,
		.pids = st.pids_current,
	};
	net_io(r.c.rec.pid, &ret->net_rx, &ret->net_tx);
	return 0;
}
