/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The commands `berth` leaves to berth-full (see cli.h): executed with the whole command
 * line, so flags, output and exit code are berth-full's own.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "berth/engine.h"
#include "berth/cleanup.h"
#include "cli.h"

static int delegate(struct berth_cli *cli, struct berth_error **err)
{
	_cleanup_free_ char *full = berth_helper_path("berth-full");

	if (!full)
		return berth_error_set(err, ENOMEM, "%s: berth-full", cli->command);
	fflush(stdout);
	execv(full, cli->argv);
	return berth_error_set(err, errno, "%s: run '%s'", cli->command, full);
}

#define DELEGATE(name)                                                                    \
	int name(int argc, char **argv, struct berth_cli *cli, struct berth_error **err) \
	{                                                                                 \
		return delegate(cli, err);                                                \
	}

DELEGATE(cmd_commit)
DELEGATE(cmd_cp)
DELEGATE(cmd_export)
DELEGATE(cmd_import)
DELEGATE(cmd_load)
DELEGATE(cmd_login)
DELEGATE(cmd_search)
DELEGATE(cmd_logout)
DELEGATE(cmd_pull)
DELEGATE(cmd_push)
DELEGATE(cmd_save)

int cli_pull_image(struct berth_cli *cli, const char *ref, struct berth_error **err)
{
	_cleanup_free_ char *full = berth_helper_path("berth-full");
	const char *args[10];
	size_t n = 0;
	int status;
	pid_t pid;

	if (!full)
		return berth_error_set(err, ENOMEM, "pull '%s': berth-full", ref);
	args[n++] = "berth";
	if (cli->root) {
		args[n++] = "--root";
		args[n++] = cli->root;
	}
	if (cli->debug)
		args[n++] = "--debug";
	args[n++] = "pull";
	args[n++] = ref;
	args[n] = NULL;
	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid < 0)
		return berth_error_set(err, errno, "pull '%s': fork", ref);
	if (pid == 0) {
		/* the progress goes to stderr; the id pull prints last is not run's output */
		int null = open("/dev/null", O_WRONLY | O_CLOEXEC);

		if (null < 0 || dup2(null, STDOUT_FILENO) < 0)
			_exit(125);
		execv(full, (char **)args);
		fprintf(stderr, "berth: pull '%s': run '%s': %m\n", ref, full);
		_exit(125);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return berth_error_set(err, errno, "pull '%s': wait for berth-full", ref);
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 125;
}
