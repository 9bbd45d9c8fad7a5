/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "berth/cleanup.h"
#include "mount.h"
#include "tty.h"
#include "berth/util.h"

#ifndef TIOCGPTPEER
#define TIOCGPTPEER _IO('T', 0x41)
#endif

int tty_create(int *ret_master, int *ret_slave, unsigned rows, unsigned cols, bool console_bind,
	       struct berth_error **err)
{
	_cleanup_close_ int master = -EBADF, slave = -EBADF, console = -EBADF;
	char a[32], b[32];
	int unlock = 0;

	master = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (master < 0)
		return berth_error_set(err, errno, "open '/dev/ptmx'");
	if (ioctl(master, TIOCSPTLCK, &unlock) < 0)
		return berth_error_set(err, errno, "unlock pty");
	slave = ioctl(master, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (slave < 0)
		return berth_error_set(err, errno, "open pty peer");
	if (rows && cols) {
		struct winsize ws = { .ws_row = (unsigned short)rows, .ws_col = (unsigned short)cols };

		if (ioctl(master, TIOCSWINSZ, &ws) < 0)
			return berth_error_set(err, errno, "set console size");
	}
	if (!console_bind)
		goto done;
	/* /dev/console must be our pty, never whatever the image put there
	 * (CVE-2025-52565): refuse symlinks on the way. */
	if (mount_open_target(AT_FDCWD, "/dev/console", false, true, &console, err) < 0)
		return berth_error_wrap(err, "console");
	if (mount(fd_path(a, slave), fd_path(b, console), NULL, MS_BIND, NULL) < 0)
		return berth_error_set(err, errno, "bind pty on '/dev/console'");
done:
	*ret_master = TAKE_FD(master);
	*ret_slave = TAKE_FD(slave);
	return 0;
}

int tty_make_controlling(int slave, struct berth_error **err)
{
	if (setsid() < 0 && errno != EPERM)
		return berth_error_set(err, errno, "setsid");
	if (ioctl(slave, TIOCSCTTY, 0) < 0)
		return berth_error_set(err, errno, "make the pty the controlling terminal");
	for (int i = 0; i < 3; i++)
		if (dup2(slave, i) < 0)
			return berth_error_set(err, errno, "dup pty to fd %d", i);
	return 0;
}

int tty_send_to_socket(const char *path, int master, struct berth_error **err)
{
	_cleanup_close_ int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	static const char name[] = "/dev/ptmx";
	int r;

	if (s < 0)
		return berth_error_set(err, errno, "socket");
	if (strlen(path) >= sizeof(sa.sun_path))
		return berth_error_new(err, ENAMETOOLONG, "console socket path '%s' is too long", path);
	strcpy(sa.sun_path, path);
	if (connect(s, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return berth_error_set(err, errno, "connect to console socket '%s'", path);
	/* the payload names the file, as runc's utils.SendFd does */
	r = send_with_fd(s, name, sizeof(name) - 1, master);
	if (r < 0)
		return berth_error_set(err, -r, "send pty to console socket '%s'", path);
	return 0;
}

static void copy_winsize(int from, int to)
{
	struct winsize ws;

	if (ioctl(from, TIOCGWINSZ, &ws) == 0)
		(void)ioctl(to, TIOCSWINSZ, &ws);
}

int tty_hold(int master, struct berth_error **err)
{
	pid_t pid = fork(), holder;
	int st;

	if (pid < 0)
		return berth_error_set(err, errno, "fork");
	if (pid == 0) {
		/* the holder's parent exits at once: it is nobody's zombie */
		holder = fork();
		if (holder != 0)
			_exit(holder < 0 ? 1 : 0);
		(void)setsid();
		if (master != 3 && dup2(master, 3) < 0)
			_exit(1);
		close_range(0, 2, 0);
		close_range(4, ~0U, 0);
		for (;;) {
			char buf[4096];
			ssize_t n = read(3, buf, sizeof(buf));

			if (n == 0 || (n < 0 && errno != EINTR))
				_exit(0);
		}
	}
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
		return berth_error_new(err, ECHILD, "hold the terminal: its holder failed");
	return 0;
}

int tty_proxy(int master, int in_fd, int out_fd, int sigfd, pid_t pid, const char *keys,
	      size_t n_keys)
{
	char buf[16384], out[16384 + 64];
	bool in_open = in_fd >= 0;
	size_t held = 0;

	if (isatty(in_fd))
		copy_winsize(in_fd, master);
	for (;;) {
		struct pollfd p[3] = {
			{ .fd = master, .events = POLLIN },
			{ .fd = in_open ? in_fd : -1, .events = POLLIN },
			{ .fd = sigfd, .events = POLLIN },
		};
		ssize_t n;

		if (poll(p, 3, -1) < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (p[2].revents & POLLIN) {
			struct signalfd_siginfo si;

			if (read(sigfd, &si, sizeof(si)) == sizeof(si)) {
				if (si.ssi_signo == SIGWINCH)
					copy_winsize(in_fd, master);
				else if (si.ssi_signo != SIGCHLD)
					kill(pid, (int)si.ssi_signo);
			}
		}
		if (p[0].revents & (POLLIN | POLLHUP | POLLERR)) {
			n = read(master, buf, sizeof(buf));
			if (n > 0) {
				if (out_fd >= 0 && loop_write(out_fd, buf, (size_t)n) < 0)
					return 0;
			} else if (n == 0 || (errno != EINTR && errno != EAGAIN)) {
				return 0; /* EIO: every slave is closed, the container is gone */
			}
		}
		if (p[1].revents & (POLLIN | POLLHUP | POLLERR)) {
			n = read(in_fd, buf, sizeof(buf));
			if (n > 0 && n_keys > 0 && n_keys <= 64) {
				size_t k = 0;
				bool detach = detach_keys_filter(keys, n_keys, &held, buf,
								 (size_t)n, out, &k);

				(void)loop_write(master, out, k);
				if (detach)
					return 1;
			} else if (n > 0) {
				(void)loop_write(master, buf, (size_t)n);
			} else if (n == 0 || (errno != EINTR && errno != EAGAIN)) {
				/* the caller's input ended: stop reading it, the container goes on
				 * (as docker does); typing ^D is the terminal user's business */
				in_open = false;
			}
		}
	}
}
