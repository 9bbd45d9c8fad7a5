/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The CLI's side of the monitor (see monitor.h): spawning it, connecting to it, and
 * relaying a terminal or stdio to and from it.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "berth/engine.h"
#include "berth/cleanup.h"
#include "berth/monitor.h"
#include "berth/sync.h"
#include "berth/util.h"

#ifndef BERTH_LIBEXECDIR
#define BERTH_LIBEXECDIR "/usr/local/libexec/berth"
#endif

char *berth_helper_path(const char *name)
{
	char self[PATH_MAX];
	ssize_t n;

	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n > 0) {
		char *slash, *p;

		self[n] = 0;
		slash = strrchr(self, '/');
		if (slash) {
			*slash = 0;
			p = xasprintf("%s/%s", self, name);
			if (!p || access(p, X_OK) == 0)
				return p;
			free(p);
		}
	}
	return xasprintf(BERTH_LIBEXECDIR "/%s", name);
}

/* BERTH_MONITOR, else berth-monitor where berth_helper_path() finds it */
static char *monitor_binary(void)
{
	const char *env = getenv("BERTH_MONITOR");

	if (env && *env)
		return strdup(env);
	return berth_helper_path("berth-monitor");
}

static _Noreturn void exec_monitor(const char *bin, const char *store_root, const char *id,
				   int sync_fd, int client_fd)
{
	sigset_t none;
	int a, b = -1;

	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	/* fds 3 and 4, whatever numbers they have now */
	a = fcntl(sync_fd, F_DUPFD_CLOEXEC, 10);
	if (client_fd >= 0)
		b = fcntl(client_fd, F_DUPFD_CLOEXEC, 10);
	if (a < 0 || dup2(a, 3) < 0 || (b >= 0 && dup2(b, 4) < 0))
		_exit(127);
	close_range(b >= 0 ? 5 : 4, ~0U, 0);
	execl(bin, "berth-monitor", "--root", store_root, "--id", id, "--sync-fd", "3",
	      "--attach-fd", b >= 0 ? "4" : "-1", (char *)NULL);
	_exit(127);
}

int monitor_spawn(const char *store_root, const char *id, int client_fd, pid_t *ret_pid,
		  struct berth_error **err)
{
	_cleanup_free_ char *bin = monitor_binary();
	_cleanup_close_ int ours = -EBADF;
	struct sync_msg msg;
	int sv[2], fd = -EBADF, r, st;
	pid_t pid;

	if (!bin)
		return berth_error_set(err, ENOMEM, "monitor of container %.12s", id);
	if (access(bin, X_OK) < 0)
		return berth_error_set(err, errno, "monitor '%s'", bin);
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		return berth_error_set(err, errno, "socketpair");
	pid = fork();
	if (pid < 0) {
		r = berth_error_set(err, errno, "fork");
		close(sv[0]);
		close(sv[1]);
		return r;
	}
	if (pid == 0)
		exec_monitor(bin, store_root, id, sv[1], client_fd);
	close(sv[1]);
	ours = sv[0];
	r = sync_recv(ours, &msg, &fd);
	if (fd >= 0)
		close(fd);
	if (r == 0 && msg.type == SYNC_READY) {
		*ret_pid = pid;
		return 0;
	}
	if (r == 0 && msg.type == SYNC_ERROR) {
		r = sync_error_to(&msg, err);
		while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
			;
		return r;
	}
	/* it died without a word: nothing of its clean-up can be assumed */
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	return berth_error_new(err, ECHILD, "monitor '%s' of container %.12s ended (status %d)",
			       bin, id, WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st));
}

int monitor_connect(const char *dir, int *ret_fd, struct berth_error **err)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	_cleanup_close_ int dfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC),
			    fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);

	if (dfd < 0 || fd < 0)
		return berth_error_set(err, errno, "attach to '%s'", dir);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "/proc/self/fd/%d/%s", dfd, MON_ATTACH_SOCKET);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return berth_error_set(err, errno, "connect to the monitor of '%s'", dir);
	*ret_fd = TAKE_FD(fd);
	return 0;
}

int monitor_net_request(const char *dir, int type, const char *network, const char *ip,
			char *const *aliases, struct berth_error **err)
{
	_cleanup_close_ int sock = -EBADF;
	char frame[1 + MON_FRAME_MAX];
	size_t n = 1;
	int r;

	r = monitor_connect(dir, &sock, NULL);
	if (r < 0)
		return berth_error_new(err, ESRCH, "the monitor of '%s' is gone", dir);
	frame[0] = (char)type;
	n += (size_t)snprintf(frame + n, sizeof(frame) - n, "%s", network) + 1;
	if (type == MON_NET_CONNECT) {
		n += (size_t)snprintf(frame + n, sizeof(frame) - n, "%s", ip ? ip : "") + 1;
		for (char *const *a = aliases; a && *a && n < sizeof(frame) - 256; a++)
			n += (size_t)snprintf(frame + n, sizeof(frame) - n, "%.250s", *a) + 1;
	} else {
		n--; /* the name alone */
	}
	if (send(sock, frame, n, MSG_NOSIGNAL) < 0)
		return berth_error_set(err, errno, "send to the monitor of '%s'", dir);
	/* its output may come first: only the answer counts */
	for (;;) {
		struct pollfd p = {.fd = sock, .events = POLLIN};
		ssize_t k;
		int32_t code;

		r = poll(&p, 1, 60000);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return berth_error_new(err, ETIMEDOUT, "the monitor of '%s' did not answer",
					       dir);
		k = recv(sock, frame, sizeof(frame) - 1, 0);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return berth_error_new(err, EPIPE, "the monitor of '%s' went away", dir);
		if ((uint8_t)frame[0] == MON_EXIT)
			return berth_error_new(err, EPIPE, "the container ended");
		if ((uint8_t)frame[0] != MON_NET_RESULT || k < 5)
			continue;
		memcpy(&code, frame + 1, 4);
		frame[k] = 0;
		if (code > 0)
			return berth_error_new(err, code, "%s", frame + 5);
		return 0;
	}
}

static int send_frame(int sock, uint8_t type, const void *data, size_t n)
{
	char frame[1 + MON_FRAME_MAX];

	frame[0] = (char)type;
	if (n)
		memcpy(frame + 1, data, n);
	return send(sock, frame, n + 1, MSG_NOSIGNAL) < 0 ? -errno : 0;
}

/* The window size of the user's terminal: in, else out (docker reads the one, resizes
 * by the other); nothing when neither is a terminal. */
static void send_size(int sock, const struct attach_opts *o)
{
	struct winsize ws;
	uint16_t v[2];

	if ((o->in < 0 || ioctl(o->in, TIOCGWINSZ, &ws) < 0) &&
	    (o->out < 0 || ioctl(o->out, TIOCGWINSZ, &ws) < 0))
		return;
	v[0] = ws.ws_row;
	v[1] = ws.ws_col;
	(void)send_frame(sock, MON_RESIZE, v, sizeof(v));
}

/* Output to the user: its stream's fd, as it is or (multiplex) in docker's frame. */
static void relay_output(const struct attach_opts *o, uint8_t type, const char *data, size_t n)
{
	if (o->multiplex) {
		int fd = type == MON_STDERR ? o->err : o->out;
		uint8_t h[8];

		berth_frame_header(h, type == MON_STDERR ? BERTH_LOGS_STDERR : BERTH_LOGS_STDOUT, n);
		if (fd >= 0 && loop_write(fd, h, sizeof(h)) == 0)
			(void)loop_write(fd, data, n);
		return;
	}
	if (type == MON_STDOUT ? o->out >= 0 : o->err >= 0)
		(void)loop_write(type == MON_STDOUT ? o->out : o->err, data, n);
}

int berth_detach_keys_parse(const char *keys, char ret[BERTH_DETACH_KEYS_MAX], size_t *ret_n,
			    struct berth_error **err)
{
	/* moby/term's ASCII table: ctrl-@ is 0, ctrl-a 1, ... ctrl-_ 31 */
	static const char ctrl[] = "@abcdefghijklmnopqrstuvwxyz[\\]^_";
	char codes[BERTH_DETACH_KEYS_MAX];
	const char *p = keys;
	size_t n = 0;

	for (;;) {
		size_t len = strcspn(p, ",");
		const char *c;
		int code = -1;

		if (len == 1)
			code = (unsigned char)p[0];
		else if (len == 6 && startswith(p, "ctrl-") && p[5] && (c = strchr(ctrl, p[5])))
			code = (int)(c - ctrl);
		else if (len == 3 && !strncmp(p, "DEL", 3))
			code = 127;
		if (code < 0 || n == BERTH_DETACH_KEYS_MAX)
			return berth_error_new(err, EINVAL, "Invalid detach keys (%s) provided",
					       keys);
		codes[n++] = (char)code;
		p += len;
		if (!*p)
			break;
		p++;
	}
	memcpy(ret, codes, n);
	*ret_n = n;
	return 0;
}

/* Send n bytes of the user's input, in frames the monitor takes. */
static int send_input(int sock, const char *data, size_t n)
{
	while (n > 0) {
		size_t k = n < MON_FRAME_MAX ? n : MON_FRAME_MAX;
		int r = send_frame(sock, MON_STDIN, data, k);

		if (r < 0)
			return r;
		data += k;
		n -= k;
	}
	return 0;
}

static const int proxied[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2 };

int attach_relay(int sock, const struct attach_opts *o, int *ret_status, struct berth_error **err)
{
	_cleanup_close_ int sigfd = -EBADF;
	struct termios saved;
	sigset_t mask, old;
	bool raw = false, in_open = o->send_stdin && o->in >= 0;
	size_t held = 0; /* how many of the detach keys were typed last, held back */
	int r = 0;

	sigemptyset(&mask);
	if (o->tty)
		sigaddset(&mask, SIGWINCH);
	if (o->signal)
		for (size_t i = 0; i < ELEMENTSOF(proxied); i++)
			sigaddset(&mask, proxied[i]);
	sigprocmask(SIG_BLOCK, &mask, &old);
	sigfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	if (sigfd < 0) {
		r = berth_error_set(err, errno, "signalfd");
		goto out;
	}
	if (o->tty) {
		if (in_open && isatty(o->in) && tty_set_raw(o->in, &saved) == 0)
			raw = true;
		send_size(sock, o);
	}
	for (;;) {
		struct pollfd p[3] = {
		    {.fd = sock, .events = POLLIN},
		    {.fd = sigfd, .events = POLLIN},
		    {.fd = in_open ? o->in : -1, .events = POLLIN},
		};
		char buf[1 + MON_FRAME_MAX];
		ssize_t n;

		if (poll(p, 3, -1) < 0) {
			if (errno == EINTR)
				continue;
			r = berth_error_set(err, errno, "poll");
			goto out;
		}
		if (p[1].revents & POLLIN) {
			struct signalfd_siginfo si;

			while (read(sigfd, &si, sizeof(si)) == sizeof(si)) {
				if (si.ssi_signo == SIGWINCH)
					send_size(sock, o);
				else if (o->signal)
					(void)o->signal((int)si.ssi_signo, o->userdata);
			}
		}
		if (p[2].revents & (POLLIN | POLLHUP | POLLERR)) {
			n = read(o->in, buf, MON_FRAME_MAX);
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0) {
				in_open = false;
				if (held > 0)
					(void)send_input(sock, o->detach_keys, held);
				(void)send_frame(sock, MON_STDIN_EOF, NULL, 0);
			} else if (o->n_detach_keys > 0 && o->tty) {
				/* the detach keys, as docker: the CLI leaves, the container runs
				 * on. What matches them so far is held back until a key says
				 * what it is: sent before that key, or never (a detach). */
				char out[BERTH_DETACH_KEYS_MAX + MON_FRAME_MAX];
				size_t k = 0;
				bool detach = detach_keys_filter(o->detach_keys, o->n_detach_keys,
								 &held, buf, (size_t)n, out, &k);

				if (k > 0 && send_input(sock, out, k) < 0)
					in_open = false;
				if (detach) {
					r = 1;
					goto out;
				}
			} else if (send_frame(sock, MON_STDIN, buf, (size_t)n) < 0) {
				in_open = false;
			}
		}
		if (p[0].revents & (POLLIN | POLLHUP | POLLERR)) {
			n = recv(sock, buf, sizeof(buf), 0);
			/* ECONNRESET: the monitor closed while something we sent was unread
			 * there. The kernel reports that before the frames still queued here
			 * (MON_EXIT among them), and only once: read on. */
			if (n < 0 && (errno == EINTR || errno == ECONNRESET))
				continue;
			if (n <= 0) {
				r = berth_error_new(err, EPIPE,
						    "attach: lost the connection to the monitor");
				goto out;
			}
			switch ((uint8_t)buf[0]) {
			case MON_STDOUT:
			case MON_STDERR:
				relay_output(o, (uint8_t)buf[0], buf + 1, (size_t)n - 1);
				break;
			case MON_EXIT:
				if (n >= 5) {
					int32_t v;

					memcpy(&v, buf + 1, sizeof(v));
					*ret_status = v;
					r = 0;
					goto out;
				}
				break;
			default:
				break;
			}
		}
	}
out:
	if (raw)
		tcsetattr(o->in, TCSANOW, &saved);
	if (sigfd >= 0) {
		struct signalfd_siginfo si;

		/* what arrived while blocked is not ours to act on any more */
		while (read(sigfd, &si, sizeof(si)) == sizeof(si))
			;
	}
	sigprocmask(SIG_SETMASK, &old, NULL);
	return r;
}
