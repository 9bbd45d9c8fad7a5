/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The verbs on a running container that go straight to the runtime: exec, pause,
 * unpause, top, stats.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "berth/engine.h"
#include "berth/events.h"
#include "berth/image.h"
#include "berth/runtime.h"
#include "berth/cleanup.h"
#include "exec.h"
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

/* One piece of the process's output to the caller: its own fd per stream, in docker's
 * frame (multiplex without a terminal) or as it is. */
static int relay_write(const struct berth_stdio *io, bool raw, int stream, const char *buf,
		       size_t n)
{
	char frame[8 + 16384];

	if (io->multiplex && !raw) {
		int fd = stream == 2 ? io->err : io->out;

		berth_frame_header((uint8_t *)frame, stream, n);
		memcpy(frame + 8, buf, n);
		return fd >= 0 ? loop_write(fd, frame, n + 8) : 0;
	}
	if (stream == 2 && !raw)
		return io->err >= 0 ? loop_write(io->err, buf, n) : 0;
	return io->out >= 0 ? loop_write(io->out, buf, n) : 0;
}

/* A process detached from its relay keeps its terminal: the master stays open while the
 * process runs (closed, the kernel would hang the terminal up and end it), in a child
 * that holds nothing else and reads what it writes (dropped, as docker's output of an
 * exec no one is attached to) until it is gone. */
static void keep_terminal(int pty)
{
	pid_t pid = fork();

	if (pid == 0) {
		char buf[4096];
		ssize_t n;

		if ((pty > 0 && close_range(0, (unsigned)pty - 1, 0) < 0) ||
		    close_range((unsigned)pty + 1, ~0U, 0) < 0) {
			/* before Linux 5.9: one by one */
			long max = sysconf(_SC_OPEN_MAX);

			for (int fd = 0; fd < (max > 0 ? max : 1024); fd++)
				if (fd != pty)
					(void)close(fd);
		}
		(void)fd_set_nonblock(pty, false);
		while ((n = read(pty, buf, sizeof(buf))) > 0 || (n < 0 && errno == EINTR))
			;
		_exit(0);
	}
}

/*
 * The exec'd process's stdio relayed here, not by the runtime's foreground proxy, for a
 * caller whose signals are not the process's and whose out may take docker's frames (a
 * server's connection): in (when in_w >= 0) to in_w, out_r and err_r (or the terminal's
 * master, pty) to io, until pid (our child) exits; what it wrote until then is passed on.
 * *ret_status: its exit code, 128 + the signal that killed it. With n_keys detach keys
 * (a terminal's input), typing them ends the relay: 1, the process runs on.
 */
static int exec_relay(pid_t pid, int in_w, int out_r, int err_r, int pty,
		      const struct berth_stdio *io, const char *keys, size_t n_keys,
		      int *ret_status, struct berth_error **err)
{
	_cleanup_close_ int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	int outs[2] = {pty >= 0 ? pty : out_r, pty >= 0 ? -1 : err_r};
	bool in_open = in_w >= 0 && io->in >= 0, exited = false;
	char buf[16384], filtered[16384 + BERTH_DETACH_KEYS_MAX];
	bool detached = false;
	size_t held = 0;
	int status = 0;

	if (pidfd < 0)
		return berth_error_set(err, errno, "exec: pidfd_open %d", (int)pid);
	for (int i = 0; i < 2; i++)
		if (outs[i] >= 0)
			(void)fd_set_nonblock(outs[i], true);
	while (!exited || outs[0] >= 0 || outs[1] >= 0) {
		struct pollfd p[4] = {
		    {.fd = outs[0], .events = POLLIN},
		    {.fd = outs[1], .events = POLLIN},
		    {.fd = in_open ? io->in : -1, .events = POLLIN},
		    {.fd = exited ? -1 : pidfd, .events = POLLIN},
		};
		int k = poll(p, 4, exited ? 0 : -1);

		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0)
			return berth_error_set(err, errno, "exec: poll");
		/* it exited and nothing more is there to read: the end (a process it left
		 * behind may hold the output open) */
		if (k == 0 && exited)
			break;
		for (int i = 0; i < 2; i++) {
			ssize_t n;

			if (outs[i] < 0 || !(p[i].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			n = read(outs[i], buf, sizeof(buf));
			if (n < 0 && (errno == EINTR || errno == EAGAIN))
				continue;
			/* a terminal's master answers EIO once its last slave is closed */
			if (n <= 0) {
				if (outs[i] != pty)
					close(outs[i]);
				outs[i] = -1;
				continue;
			}
			(void)relay_write(io, pty >= 0, i + 1, buf, (size_t)n);
		}
		if (p[2].revents & (POLLIN | POLLHUP | POLLERR)) {
			ssize_t n = read(io->in, buf, sizeof(buf));
			const char *w = buf;
			size_t wn = n > 0 ? (size_t)n : 0;

			if (n < 0 && errno == EINTR)
				continue;
			/* a terminal's detach keys: what came before them is the process's */
			if (n > 0 && n_keys > 0) {
				detached = detach_keys_filter(keys, n_keys, &held, buf, (size_t)n,
							      filtered, &wn);
				w = filtered;
			}
			if (n <= 0 || loop_write(in_w, w, wn) < 0) {
				/* the caller's end of input: the process's, without a terminal
				 * (a terminal's is the user's ^D, which came through it) */
				in_open = false;
				if (pty < 0) {
					close(in_w);
					in_w = -1;
				}
			}
			if (detached)
				break;
		}
		if (p[3].revents & POLLIN) {
			int st;

			if (waitpid(pid, &st, WNOHANG) == pid) {
				exited = true;
				status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
			}
		}
	}
	if (in_w >= 0 && pty < 0)
		close(in_w);
	for (int i = 0; i < 2; i++)
		if (outs[i] >= 0 && outs[i] != pty)
			close(outs[i]);
	*ret_status = status;
	if (detached && pty >= 0)
		keep_terminal(pty);
	return detached ? 1 : 0;
}

int engine_exec(struct berth_engine *e, const char *key, const struct berth_engine_exec_opts *o,
		const struct berth_stdio *io, const char *id, const struct exec_hooks *h,
		int *ret_status, struct berth_error **err)
{
	struct berth_store *s = berth_engine_store(e);
	_cleanup_(running_release) struct running r = { 0 };
	_cleanup_close_ int devnull = -EBADF, pty = -EBADF;
	_cleanup_free_ char *rootfs = NULL, *joined = NULL;
	char exec_id[65] = "", code[16], *action;
	struct berth_event_attr a[] = {{"execID", exec_id}};
	int pipes[3][2] = {{-1, -1}, {-1, -1}, {-1, -1}};
	/* relayed here: docker's frames, or a caller whose signals are its own */
	bool relay = !o->detach && io && (io->multiplex || io->no_signals);
	pid_t pid = 0;
	struct berth_exec_opts eo = {
		.args = o->cmd,
		.tty = o->tty,
		.detach = o->detach || relay,
		.ret_pid = &pid,
		.ret_pty = relay ? &pty : NULL,
		.cwd = o->workdir,
		.env = o->env,
		.all_caps = o->privileged,
		.stdio = { -1, -1, -1 },
	};
	char keys[BERTH_DETACH_KEYS_MAX];
	size_t n_keys = 0;
	int k;

	if (!o->cmd || !o->cmd[0])
		return berth_error_new(err, EINVAL, "no command to execute");
	if (!o->detach && !io)
		return berth_error_new(err, EINVAL, "exec in the foreground: no stdio to relay");
	/* docker's exec has its own words for them */
	if (!o->detach &&
	    berth_detach_keys_parse(io->detach_keys && *io->detach_keys ? io->detach_keys
									: "ctrl-p,ctrl-q",
				    keys, &n_keys, NULL) < 0)
		return berth_error_new(err, EINVAL, "Invalid escape keys (%s) provided",
				       io->detach_keys);
	if (!o->detach && o->tty && o->interactive) {
		eo.detach_keys = keys;
		eo.n_detach_keys = n_keys;
	}
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
	 * this process (the runtime's -1 would be ours). Relayed, the process has pipes
	 * (or its terminal) instead of io. */
	if (relay && !o->tty) {
		for (int i = 0; i < 3; i++) {
			if (i == 0 && !o->interactive)
				continue;
			if (pipe2(pipes[i], O_CLOEXEC) < 0) {
				k = berth_error_set(err, errno, "exec in '%s': pipe", key);
				goto out;
			}
			eo.stdio[i] = pipes[i][i == 0 ? 0 : 1];
		}
	} else if (!o->detach && !relay) {
		eo.stdio[0] = o->interactive ? io->in : -1;
		eo.stdio[1] = io->out;
		eo.stdio[2] = io->err;
	}
	if (eo.stdio[0] < 0 || eo.stdio[1] < 0 || eo.stdio[2] < 0) {
		devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
		if (devnull < 0) {
			k = berth_error_set(err, errno, "open '/dev/null'");
			goto out;
		}
		for (int i = 0; i < 3; i++)
			if (eo.stdio[i] < 0)
				eo.stdio[i] = devnull;
	}
	/* docker's events: exec_create and exec_start with the command in the action,
	 * exec_die with its exit code, each with the exec's id */
	joined = strv_join(o->cmd, " ");
	if (id)
		snprintf(exec_id, sizeof(exec_id), "%s", id);
	if (!joined || (!id && random_hex_id(exec_id) < 0)) {
		k = berth_error_set(err, ENOMEM, "exec in '%s'", key);
		goto out;
	}
	action = xasprintf("exec_create: %s", joined);
	if (action)
		(void)record_event(berth_store_root(s), &r.c.rec, action, a, ELEMENTSOF(a));
	free(action);
	action = xasprintf("exec_start: %s", joined);
	if (action)
		(void)record_event(berth_store_root(s), &r.c.rec, action, a, ELEMENTSOF(a));
	free(action);
	k = berth_container_exec(r.c.rtroot, r.c.rec.id, &eo, ret_status, err);
	/* the process's ends are its own now */
	for (int i = 0; i < 3; i++) {
		if (pipes[i][i == 0 ? 0 : 1] >= 0)
			close(pipes[i][i == 0 ? 0 : 1]);
		pipes[i][i == 0 ? 0 : 1] = -1;
	}
	if (k >= 0 && pid > 0 && h && h->started)
		h->started(pid, h->userdata);
	if (k >= 0 && relay) {
		k = exec_relay(pid, o->tty ? (o->interactive ? pty : -1) : pipes[0][1], pipes[1][0],
			       pipes[2][0], pty, io, eo.detach_keys, eo.n_detach_keys, ret_status,
			       err);
		/* exec_relay closed them */
		pipes[0][1] = pipes[1][0] = pipes[2][0] = -1;
	}
	if (k == 1 || (k >= 0 && o->detach))
		*ret_status = 0;
	if (k == 0 && !o->detach) {
		struct berth_event_attr d[] = {{"execID", exec_id}, {"exitCode", code}};

		snprintf(code, sizeof(code), "%d", *ret_status);
		(void)record_event(berth_store_root(s), &r.c.rec, "exec_die", d, ELEMENTSOF(d));
	}
out:
	for (int i = 0; i < 3; i++)
		for (int j = 0; j < 2; j++)
			if (pipes[i][j] >= 0)
				close(pipes[i][j]);
	return k;
}

int berth_engine_exec(struct berth_engine *e, const char *key,
		      const struct berth_engine_exec_opts *o, const struct berth_stdio *io,
		      int *ret_status, struct berth_error **err)
{
	return engine_exec(e, key, o, io, NULL, NULL, ret_status, err);
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
		.io_read = st.io_read,
		.io_write = st.io_write,
	};
	net_io(r.c.rec.pid, &ret->net_rx, &ret->net_tx);
	return 0;
}
