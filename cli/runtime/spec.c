/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "berth/runtime.h"
#include "berth/util.h"

int cmd_spec(int argc, char **argv, const struct rt_cli *cli)
{
	static const struct option opts[] = {
		{ "bundle", required_argument, NULL, 'b' },
		{ "rootless", no_argument, NULL, 'r' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	const char *bundle = ".";
	bool rootless = false;
	char *json, *path;
	int c, fd;

	while ((c = getopt_long(argc, argv, "b:h", opts, NULL)) != -1) {
		switch (c) {
		case 'b':
			bundle = optarg;
			break;
		case 'r':
			rootless = true;
			break;
		default:
			return cli_usage_error(cli, "spec", "usage: spec [--bundle DIR] [--rootless]");
		}
	}
	json = berth_runtime_default_spec(rootless);
	path = xasprintf("%s/config.json", bundle);
	if (!json || !path)
		return cli_usage_error(cli, "spec", "out of memory");
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0) {
		int e = errno;

		if (e == EEXIST)
			c = cli_usage_error(cli, "spec", "'%s' exists: remove it first", path);
		else
			c = cli_usage_error(cli, "spec", "create '%s': %s", path, strerror(e));
		free(json);
		free(path);
		return c;
	}
	c = loop_write(fd, json, strlen(json));
	close(fd);
	free(json);
	free(path);
	return c < 0 ? 1 : 0;
}
