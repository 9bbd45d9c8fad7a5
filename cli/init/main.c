/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * berth-init: the container's PID 1 with `berth run --init` (bind-mounted read-only at
 * docker's /sbin/docker-init), as tini and catatonit are. A command run as PID 1 gets
 * no signal it has no handler for (the kernel's rule for a namespace's init), so a
 * `sleep` ignores `berth stop`'s SIGTERM; and the orphans a PID 1 inherits stay zombies
 * unless it waits for them. This one forks the command, forwards every signal it gets
 * to it, reaps every child, and exits as the command did: its code, or 128+N when a
 * signal N killed it.
 *
 *     berth-init [--] COMMAND [ARG...]
 *
 * Static (it runs in any image) and libc only.
 */
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

/* Signals a fault raises in this process itself: never blocked, never forwarded. */
static bool synchronous(int sig)
{
	return sig == SIGSEGV || sig == SIGBUS || sig == SIGFPE || sig == SIGILL ||
	       sig == SIGTRAP || sig == SIGSYS || sig == SIGABRT;
}

int main(int argc, char **argv)
{
	sigset_t set, old;
	pid_t child;
	int status = 0;

	if (argc > 1 && strcmp(argv[1], "--") == 0) {
		argv++;
		argc--;
	}
	if (argc < 2) {
		fprintf(stderr, "Usage: berth-init [--] COMMAND [ARG...]\n");
		return 1;
	}
	sigfillset(&set);
	for (int sig = 1; sig < NSIG; sig++)
		if (synchronous(sig))
			sigdelset(&set, sig);
	sigprocmask(SIG_BLOCK, &set, &old);
	/* not PID 1 (run without a pid namespace): orphans of the command are ours still */
	if (getpid() != 1)
		(void)prctl(PR_SET_CHILD_SUBREAPER, 1);

	child = fork();
	if (child < 0) {
		fprintf(stderr, "berth-init: fork: %s\n", strerror(errno));
		return 1;
	}
	if (child == 0) {
		sigprocmask(SIG_SETMASK, &old, NULL);
		execvp(argv[1], argv + 1);
		fprintf(stderr, "berth-init: exec %s: %s\n", argv[1], strerror(errno));
		_exit(errno == ENOENT ? 127 : 126);
	}

	for (;;) {
		siginfo_t si;
		int sig = sigwaitinfo(&set, &si);

		if (sig < 0)
			continue; /* EINTR */
		if (sig != SIGCHLD) {
			/* the command's, whatever it is (SIGTERM from stop, SIGINT, SIGHUP...) */
			(void)kill(child, sig);
			continue;
		}
		/* every child that ended: the command, and the orphans we inherited */
		for (;;) {
			int st;
			pid_t p = waitpid(-1, &st, WNOHANG);

			if (p <= 0)
				break;
			if (p == child) {
				status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
				child = 0;
			}
		}
		if (child == 0)
			return status;
	}
}
