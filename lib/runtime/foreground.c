/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "berth/cleanup.h"
#include "foreground.h"
#include "tty.h"
#include "berth/util.h"

static const int forwarded[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH, SIGCHLD };

int foreground_begin(struct foreground *f, struct berth_error **err)
{
	sigset_t mask;

	sigemptyset(&mask);
	for (size_t i = 0; i < ELEMENTSOF(forwarded); i++)
		sigaddset(&mask, forwarded[i]);
	sigprocmask(SIG_BLOCK, &mask, &f->old);
	f->sigfd = signalfd(-1, &mask, SFD_CLOEXEC);
	if (f->sigfd < 0) {
		int r = berth_error_set(err, errno, "signalfd");

		sigprocmask(SIG_SETMASK, &f->old, NULL);
		return r;
	}
	return 0;
}

void foreground_end(struct foreground *f)
{
	if (f->sigfd >= 0)
		close(f->sigfd);
	f->sigfd = -EBADF;
	sigprocmask(SIG_SETMASK, &f->old, NULL);
}

int foreground_wait(struct foreground *f, pid_t pid, int pty, int in_fd, int out_fd,
		    const char *keys, size_t n_keys, int *ret_status, struct berth_error **err)
{
	struct termios saved;
	bool raw = false;
	int status = 0, k, r = 0;

	if (pty >= 0) {
		if (isatty(in_fd) && tty_set_raw(in_fd, &saved) == 0)
			raw = true;
		if (tty_proxy(pty, in_fd, out_fd, f->sigfd, pid, keys, n_keys) == 1) {
			/* detached: the process runs on, its terminal held open */
			if (raw)
				tcsetattr(in_fd, TCSANOW, &saved);
			r = tty_hold(pty, err);
			return r < 0 ? r : 1;
		}
	}
	for (;;) {
		struct signalfd_siginfo si;

		k = waitpid(pid, &status, WNOHANG);
		if (k == pid)
			break;
		if (k < 0 && errno != EINTR) {
			r = berth_error_set(err, errno, "wait for process %d", (int)pid);
			break;
		}
		if (read(f->sigfd, &si, sizeof(si)) != sizeof(si))
			continue;
		if (si.ssi_signo != SIGCHLD && si.ssi_signo != SIGWINCH)
			kill(pid, (int)si.ssi_signo);
	}
	if (raw)
		tcsetattr(in_fd, TCSANOW, &saved);
	if (r >= 0)
		*ret_status = exit_status(status);
	return r;
}
