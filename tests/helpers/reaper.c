/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * reaper CMD [ARGS...]: run CMD as a child subreaper (PR_SET_CHILD_SUBREAPER), reaping
 * every orphan that is re-parented to us. The integration harness runs under it: the
 * daemons that orchestrators double-fork (conmon, containerd shims) become zombies the
 * moment they exit, and this machine's PID 1 reaps zombies late, so their cgroups could
 * not be removed and would count as leaks. Live processes are not touched: the harness
 * still sees (and reports) them. Exits with CMD's status.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

static pid_t child;

static void forward(int sig)
{
	if (child > 0)
		kill(child, sig);
}

int main(int argc, char **argv)
{
	int status = 0, st;
	pid_t p;

	if (argc < 2) {
		fprintf(stderr, "usage: reaper CMD [ARGS...]\n");
		return 2;
	}
	if (prctl(PR_SET_CHILD_SUBREAPER, 1) < 0) {
		perror("reaper: PR_SET_CHILD_SUBREAPER");
		return 2;
	}
	child = fork();
	if (child < 0) {
		perror("reaper: fork");
		return 2;
	}
	if (child == 0) {
		execvp(argv[1], argv + 1);
		fprintf(stderr, "reaper: exec '%s': %m\n", argv[1]);
		_exit(127);
	}
	signal(SIGINT, forward);
	signal(SIGTERM, forward);
	signal(SIGHUP, forward);
	for (;;) {
		p = waitpid(-1, &st, 0);
		if (p < 0 && errno == EINTR)
			continue;
		if (p < 0)
			break;
		if (p == child) {
			status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
			break;
		}
	}
	/* What exited meanwhile; whatever still runs is left to init (and was reported). */
	while (waitpid(-1, NULL, WNOHANG) > 0)
		;
	return status;
}
