/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * berth top: as docker does it, ps(1) on the host (default "-ef", or the given ps
 * options) and only the rows of the container's processes.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "berth/engine.h"
#include "berth/cleanup.h"
#include "cli.h"
#include "berth/util.h"

/* ps's output, with argv as ps's arguments */
static int run_ps(char **args, char **ret, struct berth_error **err)
{
	_cleanup_free_ char *out = NULL;
	int p[2], st;
	size_t n;
	pid_t pid;

	if (pipe2(p, O_CLOEXEC) < 0)
		return berth_error_set(err, errno, "pipe");
	pid = fork();
	if (pid < 0) {
		close(p[0]);
		close(p[1]);
		return berth_error_set(err, errno, "fork");
	}
	if (pid == 0) {
		dup2(p[1], STDOUT_FILENO);
		execvp("ps", args);
		fprintf(stderr, "berth: top: cannot run ps: %m\n");
		_exit(127);
	}
	close(p[1]);
	if (read_full_fd(p[0], &out, &n) < 0)
		out = NULL;
	close(p[0]);
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0 || !out)
		return berth_error_new(err, EIO, "ps failed (status %d)",
				       WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st));
	*ret = TAKE_PTR(out);
	return 0;
}

int top_lines(struct berth_engine *engine, const char *key, char **args, char ***ret,
	      struct berth_error **err)
{
	_cleanup_strv_free_ char **lines = NULL;
	_cleanup_free_ char *out = NULL;
	_cleanup_free_ pid_t *pids = NULL;
	size_t n_pids = 0;
	int r, col = -1;
	char *save = NULL, *line;
	bool header = true;

	r = berth_engine_pids(engine, key, &pids, &n_pids, err);
	if (r < 0)
		return r;
	r = run_ps(args, &out, err);
	if (r < 0)
		return r;
	for (line = strtok_r(out, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		_cleanup_free_ char *copy = strdup(line);
		char *f, *fs = NULL;
		bool ours = header;
		int i = 0;

		if (!copy)
			return berth_error_set(err, ENOMEM, "top: the ps output");
		if (header) {
			/* the PID column, by its title */
			for (f = strtok_r(copy, " \t", &fs); f; f = strtok_r(NULL, " \t", &fs), i++)
				if (streq(f, "PID"))
					col = i;
			if (col < 0)
				return berth_error_new(err, EINVAL,
						       "ps output has no PID column: add -o pid");
			header = false;
		} else {
			for (f = strtok_r(copy, " \t", &fs); f && i < col;
			     f = strtok_r(NULL, " \t", &fs))
				i++;
			for (size_t k = 0; f && k < n_pids && !ours; k++)
				ours = atoi(f) == (int)pids[k];
		}
		if (ours && strv_extend(&lines, line) < 0)
			return berth_error_set(err, ENOMEM, "top: the ps output");
	}
	if (!lines && !(lines = calloc(1, sizeof(char *))))
		return berth_error_set(err, ENOMEM, "top: the ps output");
	*ret = TAKE_PTR(lines);
	return 0;
}

int cmd_top(int argc, char **argv, struct berth_cli *cli, struct berth_error **err)
{
	static const struct option options[] = {
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	_cleanup_(berth_engine_freep) struct berth_engine *engine = NULL;
	_cleanup_strv_free_ char **args = NULL, **lines = NULL;
	int c, r;

	opterr = 0;
	while ((c = cli_getopt(argc, argv, "+:h", options, NULL)) >= 0) {
		switch (c) {
		case 'h':
			printf("Usage:  berth top CONTAINER [ps OPTIONS]\n\n"
			       "Display the running processes of a container (ps -ef by default)\n");
			return 0;
		default:
			return cli_getopt_error(cli, argv, c, err);
		}
	}
	if (optind >= argc)
		return cli_usage_error(cli, err, "\"berth top\" requires at least 1 argument");
	if (strv_extend(&args, "ps") < 0)
		return berth_error_set(err, ENOMEM, "top: the ps arguments");
	for (int i = optind + 1; i < argc; i++)
		if (strv_extend(&args, argv[i]) < 0)
			return berth_error_set(err, ENOMEM, "top: the ps arguments");
	if (argc - optind == 1 && strv_extend(&args, "-ef") < 0)
		return berth_error_set(err, ENOMEM, "top: the ps arguments");
	r = cli_open_engine(cli, &engine, err);
	if (r < 0)
		return r;
	r = top_lines(engine, argv[optind], args, &lines, err);
	if (r < 0)
		return r;
	for (char **l = lines; *l; l++)
		puts(*l);
	return 0;
}
