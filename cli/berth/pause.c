/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>

#include "berth/engine.h"
#include "berth/cleanup.h"
#include "cli.h"

static int pause_one(struct berth_engine *e, const char *key, void *data, struct berth_error **err)
{
	return berth_engine_pause(e, key, *(bool *)data, err);
}

static int pause_or_unpause(int argc, char **argv, struct berth_cli *cli, bool pause,
			    struct berth_error **err)
{
	static const struct option options[] = {
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	_cleanup_(berth_engine_freep) struct berth_engine *engine = NULL;
	int c, r;

	opterr = 0;
	while ((c = cli_getopt(argc, argv, ":h", options, NULL)) >= 0) {
		switch (c) {
		case 'h':
			printf("Usage:  berth %s CONTAINER [CONTAINER...]\n\n%s\n",
			       pause ? "pause" : "unpause",
			       pause ? "Pause (freeze) all processes within one or more containers"
				     : "Unpause all processes within one or more containers");
			return 0;
		default:
			return cli_getopt_error(cli, argv, c, err);
		}
	}
	if (optind >= argc)
		return cli_usage_error(cli, err, "\"berth %s\" requires at least 1 argument",
				       pause ? "pause" : "unpause");
	r = cli_open_engine(cli, &engine, err);
	if (r < 0)
		return r;
	return cli_for_each(argc, argv, engine, pause_one, &pause, true);
}

int cmd_pause(int argc, char **argv, struct berth_cli *cli, struct berth_error **err)
{
	return pause_or_unpause(argc, argv, cli, true, err);
}

int cmd_unpause(int argc, char **argv, struct berth_cli *cli, struct berth_error **err)
{
	return pause_or_unpause(argc, argv, cli, false, err);
}
