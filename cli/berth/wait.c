/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>

#include "berth/engine.h"
#include "berth/cleanup.h"
#include "cli.h"

static int wait_one(struct berth_engine *e, const char *key, void *data, struct berth_error **err)
{
	int code, r;

	r = berth_engine_wait(e, key, &code, err);
	if (r < 0)
		return r;
	printf("%d\n", code);
	fflush(stdout);
	return 0;
}

int cmd_wait(int argc, char **argv, struct berth_cli *cli, struct berth_error **err)
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
			printf("Usage:  berth wait CONTAINER [CONTAINER...]\n\n"
			       "Block until one or more containers stop, then print their exit "
			       "codes\n");
			return 0;
		default:
			return cli_getopt_error(cli, argv, c, err);
		}
	}
	if (optind >= argc)
		return cli_usage_error(cli, err, "\"berth wait\" requires at least 1 argument");
	r = cli_open_engine(cli, &engine, err);
	if (r < 0)
		return r;
	return cli_for_each(argc, argv, engine, wait_one, NULL, false);
}
