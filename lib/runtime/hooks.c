/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Running OCI hooks: one child per hook, fed the state JSON on stdin, watched with poll(2)
 * on its output, an exec-status pipe and a pidfd, and killed when its timeout expires.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "berth/cleanup.h"
#include "hooks.h"
#include "berth/util.h"

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

extern char **environ;

/* Captured output of one stream. */
struct capture {
	int fd;
	char buf[HOOKS_OUTPUT_MAX + 1];
	size_t len;
	bool truncated;
};

/* Read what is there; closes the fd at EOF or on error. */
static void capture_read(struct capture *c)
{
	char tmp[4096];

	for (;;) {
		ssize_t n = read(c->fd, tmp, sizeof(tmp));
		size_t keep;

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return;
		if (n <= 0) {
			close(c->fd);
			c->fd = -EBADF;
			return;
		}
		keep = HOOKS_OUTPUT_MAX - c->len;
		if ((size_t)n > keep)
			c->truncated = true; /* drained, not kept */
		else
			keep = (size_t)n;
		memcpy(c->buf + c->len, tmp, keep);
		c->len += keep;
		c->buf[c->len] = '\0';
	}
}

/* What goes after the message: ": stderr: ..." (or stdout when stderr is empty). */
static char *output_suffix(struct capture *out, struct capture *errc)
{
	struct capture *c = errc->len > 0 ? errc : out;
	const char *name = c == errc ? "stderr" : "stdout";

	while (c->len > 0 && (c->buf[c->len - 1] == '\n' || c->buf[c->len - 1] == ' '))
		c->buf[--c->len] = '\0';
	if (c->len == 0)
		return strdup("");
	return xasprintf(": %s: %s%s", name, c->buf, c->truncated ? "..." : "");
}

/* In the child: only async-signal-safe calls from here to execve. */
static _Noreturn void child_exec(const struct rt_hook *h, char *const *argv, char *const *envp,
				 int in, int out, int errfd, int status)
{
	struct sigaction dfl = {.sa_handler = SIG_DFL};
	sigset_t none;
	int fds[3] = {in, out, errfd}, e;

	/* Move them above 2 first, so that dup2() onto 0-2 cannot clobber one of them (the
	 * caller may have had stdin closed, and socketpair() returned 0). */
	for (int i = 0; i < 3; i++) {
		fds[i] = fcntl(fds[i], F_DUPFD, 3);
		if (fds[i] < 0)
			goto fail;
	}
	for (int i = 0; i < 3; i++)
		if (dup2(fds[i], i) < 0)
			goto fail;
	/* Nothing of the runtime reaches the hook but stdio (and the status pipe, which
	 * closes on exec). */
	if (syscall(SYS_close_range, 3U, ~0U, CLOSE_RANGE_CLOEXEC) < 0)
		for (int fd = 3; fd < 1024; fd++)
			(void)fcntl(fd, F_SETFD, FD_CLOEXEC);
	sigaction(SIGPIPE, &dfl, NULL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	execve(h->path, argv, envp);
fail:
	e = errno;
	(void)!write(status, &e, sizeof(e));
	_exit(127);
}

static int run_one(const struct rt_hook *h, const char *kind, size_t idx, const char *state_json,
		   struct berth_error **err)
{
	char *fallback_argv[] = {h->path, NULL};
	char *const *argv = h->args && h->args[0] ? h->args : fallback_argv;
	char *const *envp = h->env ? h->env : environ;
	_cleanup_close_ int in = -EBADF, status = -EBADF, pidfd = -EBADF;
	struct capture out = {.fd = -EBADF}, errc = {.fd = -EBADF};
	int sp[2] = {-EBADF, -EBADF}, op[2] = {-EBADF, -EBADF}, ep[2] = {-EBADF, -EBADF},
	    xp[2] = {-EBADF, -EBADF};
	_cleanup_free_ char *suffix = NULL;
	size_t len = strlen(state_json), written = 0;
	uint64_t deadline = h->timeout ? now_ms() + (uint64_t)h->timeout * 1000 : 0;
	int exec_errno = 0, wstatus = 0, r = 0;
	bool exited = false, timed_out = false;
	pid_t pid;

	/* stdin is a socket, not a pipe: send(MSG_NOSIGNAL) to a hook that does not read it
	 * gives EPIPE instead of a SIGPIPE for the whole runtime. */
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp) < 0 ||
	    pipe2(op, O_CLOEXEC) < 0 || pipe2(ep, O_CLOEXEC) < 0 || pipe2(xp, O_CLOEXEC) < 0) {
		r = -errno;
		goto close_all;
	}
	pid = fork();
	if (pid < 0) {
		r = -errno;
		goto close_all;
	}
	if (pid == 0)
		child_exec(h, argv, envp, sp[1], op[1], ep[1], xp[1]);

	close(sp[1]);
	close(op[1]);
	close(ep[1]);
	close(xp[1]);
	in = sp[0];
	out.fd = op[0];
	errc.fd = ep[0];
	status = xp[0];
	(void)fd_set_nonblock(in, true);
	(void)fd_set_nonblock(out.fd, true);
	(void)fd_set_nonblock(errc.fd, true);
	/* A pidfd says when the hook exits even if it left a daemon holding its stdout. */
	pidfd = (int)syscall(SYS_pidfd_open, pid, 0);

	while (!exited) {
		struct pollfd p[5] = {
		    {.fd = written < len ? in : -1, .events = POLLOUT},
		    {.fd = out.fd, .events = POLLIN},
		    {.fd = errc.fd, .events = POLLIN},
		    {.fd = status, .events = POLLIN},
		    {.fd = pidfd, .events = POLLIN},
		};
		int timeout = pidfd >= 0 ? -1 : 20; /* without a pidfd: poll waitpid */

		if (deadline) {
			uint64_t now = now_ms();

			if (now >= deadline) {
				timed_out = true;
				break;
			}
			if (timeout < 0 || deadline - now < (uint64_t)timeout)
				timeout = (int)(deadline - now);
		}
		if (poll(p, ELEMENTSOF(p), timeout) < 0 && errno != EINTR) {
			r = -errno;
			timed_out = true; /* kill it: we can no longer watch it */
			break;
		}
		if (p[0].revents) {
			ssize_t n = send(in, state_json + written, len - written,
					 MSG_NOSIGNAL | MSG_DONTWAIT);

			if (n >= 0)
				written += (size_t)n;
			else if (errno != EAGAIN && errno != EINTR)
				written = len; /* the hook closed stdin: it does not want it */
			if (written >= len) {
				close(in); /* EOF for the hook */
				in = -EBADF;
			}
		}
		if (p[1].revents)
			capture_read(&out);
		if (p[2].revents)
			capture_read(&errc);
		if (p[3].revents) {
			ssize_t n = read(status, &exec_errno, sizeof(exec_errno));

			if (n != sizeof(exec_errno))
				exec_errno = 0; /* EOF: execve worked */
			close(status);
			status = -EBADF;
		}
		if (pidfd < 0 || p[4].revents) {
			pid_t w = waitpid(pid, &wstatus, pidfd >= 0 ? 0 : WNOHANG);

			if (w == pid)
				exited = true;
			else if (w < 0 && errno != EINTR) {
				r = -errno;
				exited = true;
			}
		}
	}
	if (timed_out) {
		kill(pid, SIGKILL);
		while (waitpid(pid, &wstatus, 0) < 0 && errno == EINTR)
			;
	}
	/* Whatever it wrote before it exited is in the pipes now. */
	if (out.fd >= 0)
		capture_read(&out);
	if (errc.fd >= 0)
		capture_read(&errc);
	if (status >= 0 && read(status, &exec_errno, sizeof(exec_errno)) != sizeof(exec_errno))
		exec_errno = 0;
	if (out.fd >= 0)
		close(out.fd);
	if (errc.fd >= 0)
		close(errc.fd);

	if (r < 0)
		return berth_error_set(err, -r, "error running hook '%s[%zu]' %s", kind, idx, h->path);
	if (exec_errno > 0)
		return berth_error_set(err, exec_errno, "error running hook '%s[%zu]' %s: exec", kind, idx,
				       h->path);
	suffix = output_suffix(&out, &errc);
	if (timed_out)
		return berth_error_new(err, ETIMEDOUT, "error running hook '%s[%zu]' %s timed out after %u s%s",
				       kind, idx, h->path, h->timeout, suffix ? suffix : "");
	if (WIFSIGNALED(wstatus)) {
		char sig[64];

		/* with the signal's name, lowercase as runc (Go) says it: "bad system call" when
		 * the container's seccomp filter killed a startContainer hook */
		snprintf(sig, sizeof(sig), "%s", strsignal(WTERMSIG(wstatus)));
		sig[0] = (char)tolower((unsigned char)sig[0]);
		return berth_error_new(err, EIO,
				       "error running hook '%s[%zu]' %s was killed by signal %d (%s)%s",
				       kind, idx, h->path, WTERMSIG(wstatus), sig, suffix ? suffix : "");
	}
	if (WIFEXITED(wstatus) && WEXITSTATUS(wstatus) != 0)
		return berth_error_new(err, EIO, "error running hook '%s[%zu]' %s exited with status %d%s", kind,
				       idx, h->path, WEXITSTATUS(wstatus), suffix ? suffix : "");
	return 0;

close_all:
	for (int i = 0; i < 2; i++) {
		if (sp[i] >= 0)
			close(sp[i]);
		if (op[i] >= 0)
			close(op[i]);
		if (ep[i] >= 0)
			close(ep[i]);
		if (xp[i] >= 0)
			close(xp[i]);
	}
	return berth_error_set(err, -r, "error running hook '%s[%zu]' %s: start", kind, idx, h->path);
}

int hooks_run(const struct rt_hook *hooks, size_t n, const char *kind, const char *state_json,
	      struct berth_error **err)
{
	/* "If any poststart/poststop hook fails, the runtime MUST log a warning, but the
	 * remaining hooks and lifecycle continue." */
	bool keep_going = streq(kind, "poststart") || streq(kind, "poststop");
	int first = 0;

	for (size_t i = 0; i < n; i++) {
		struct berth_error *e = NULL;
		int r = run_one(&hooks[i], kind, i, state_json, &e);

		if (r < 0 && first == 0) {
			first = r;
			if (err) {
				berth_error_free(*err);
				*err = e;
				e = NULL;
			}
		}
		berth_error_free(e);
		if (r < 0 && !keep_going)
			break;
	}
	return first;
}

char *hooks_state_json(const char *id, const char *status, pid_t pid, const char *bundle,
		       const struct rt_sysctl *annotations, size_t n_annotations)
{
	_cleanup_(json_decrefp) json_t *o = NULL;
	json_t *ann;

	o = json_pack("{s:s, s:s, s:s}", "ociVersion", "1.2.0", "id", id, "status", status);
	if (!o)
		return NULL;
	if (pid > 0 && json_object_set_new(o, "pid", json_integer(pid)) < 0)
		return NULL;
	if (json_object_set_new(o, "bundle", json_string(bundle ? bundle : "")) < 0)
		return NULL;
	ann = json_object();
	if (json_object_set_new(o, "annotations", ann) < 0)
		return NULL;
	for (size_t i = 0; i < n_annotations; i++)
		if (json_object_set_new(ann, annotations[i].key,
					json_string(annotations[i].value)) < 0)
			return NULL;
	return json_dumps(o, JSON_COMPACT);
}
