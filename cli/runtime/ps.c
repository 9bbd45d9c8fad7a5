/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include "berth/runtime.h"
#include "berth/cleanup.h"
#include "cli.h"
#include "berth/util.h"

static bool has_pid(const pid_t *pids, size_t n, long pid)
{
	for (size_t i = 0; i < n; i++)
		if (pids[i] == pid)
			return true;
	return false;
}

/* `ps [--format table|json] ID [ps-options]`: json is the pid list, table runs ps(1)
 * (default -ef) and keeps the lines of the container's processes, as runc does. */
int cmd_ps(int argc, char **argv, const struct rt_cli *cli)
{
	static const struct option opts[] = {
		{ "format", required_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	struct berth_error *err = NULL;
	_cleanup_free_ pid_t *pids = NULL;
	_cleanup_free_ char *cmd = NULL, *line = NULL;
	size_t n = 0, cap = 0;
	bool json = false;
	int c, pid_col = -1;
	FILE *f;

	while ((c = getopt_long(argc, argv, "+f:h", opts, NULL)) != -1) {
		switch (c) {
		case 'f':
			if (!streq(optarg, "table") && !streq(optarg, "json"))
				return cli_usage_error(cli, "ps", "unknown format '%s'", optarg);
			json = streq(optarg, "json");
			break;
		default:
			return cli_usage_error(cli, "ps", "usage: ps [--format table|json] ID [ps options]");
		}
	}
	if (optind >= argc)
		return cli_usage_error(cli, "ps", "usage: ps [--format table|json] ID [ps options]");
	if (berth_container_pids(cli->root, argv[optind], &pids, &n, &err) < 0)
		return cli_fail(cli, "ps", err);
	if (json) {
		putchar('[');
		for (size_t i = 0; i < n; i++)
			printf("%s%d", i ? "," : "", (int)pids[i]);
		puts("]");
		return 0;
	}
	{
		/* ps options are passed on; quote each for the shell */
		size_t len = 32;

		for (int i = optind + 1; i < argc; i++)
			len += strlen(argv[i]) * 4 + 3;
		cmd = calloc(1, len);
		if (!cmd)
			return cli_usage_error(cli, "ps", "out of memory");
		strcpy(cmd, "ps");
		if (optind + 1 >= argc)
			strcat(cmd, " -ef");
		for (int i = optind + 1; i < argc; i++) {
			strcat(cmd, " '");
			for (const char *s = argv[i]; *s; s++)
				strcat(cmd, *s == '\'' ? "'\\''" : (char[]){ *s, 0 });
			strcat(cmd, "'");
		}
	}
	f = popen(cmd, "re");
	if (!f)
		return cli_usage_error(cli, "ps", "run ps: %s", strerror(errno));
	for (bool header = true; getline(&line, &cap, f) > 0; header = false) {
		if (header) {
			/* find the PID column */
			_cleanup_free_ char *copy = strdup(line);
			char *save = NULL;
			int col = 0;

			for (char *t = copy ? strtok_r(copy, " \t\n", &save) : NULL; t;
			     t = strtok_r(NULL, " \t\n", &save), col++)
				if (streq(t, "PID"))
					pid_col = col;
			fputs(line, stdout);
			if (pid_col < 0) {
				pclose(f);
				return cli_usage_error(cli, "ps", "no PID column in ps output");
			}
			continue;
		}
		{
			_cleanup_free_ char *copy = strdup(line);
			char *save = NULL, *t = copy ? strtok_r(copy, " \t\n", &save) : NULL;

			for (int col = 0; t && col < pid_col; col++)
				t = strtok_r(NULL, " \t\n", &save);
			if (t && has_pid(pids, n, strtol(t, NULL, 10)))
				fputs(line, stdout);
		}
	}
	pclose(f);
	return 0;
}
