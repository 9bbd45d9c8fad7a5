// SPDX-License-Identifier: LGPL-2.1-or-later
// A pod sandbox's init for the CRI tests (the pause image cannot be pulled here):
// sleeps until SIGINT/SIGTERM, reaps children. Built static by tests/integration/test-cri.sh.
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

static void stop(int sig)
{
	(void)sig;
	_exit(0);
}

static void reap(int sig)
{
	(void)sig;
	while (waitpid(-1, NULL, WNOHANG) > 0)
		;
}

int main(void)
{
	signal(SIGINT, stop);
	signal(SIGTERM, stop);
	signal(SIGCHLD, reap);
	for (;;)
		pause();
}
