/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <unistd.h>

#include "berth/engine.h"
#include "berth/cleanup.h"
#include "cli.h"

/* the engine relays our own stdio: a front door's to give */
static const struct berth_stdio our_stdio = {STDIN_FILENO, STDOUT_FILENO, STDERR_FILENO};

static int start_one(struct berth_engine *e, const char *key, void *data, struct berth_error **err)
{
	int status;

	return berth_engine_start(e, key, NULL, &status, err);
}

int cmd_start(int argc, char **argv, struct berth_cli *cli, struct berth_error **err)
{
	static const struct option options[] = {
		{ "attach", no_argument, NULL, 'a' },
		{ "interactive", no_argument, NULL, 'i' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	_cleanup_(berth_engine_freep) struct berth_engine *engine = NULL;
	bool attach = false;
	int c, r, status = 0;

	opterr = 0;
	while ((c = cli_getopt(argc, argv, ":aih", options, NULL)) >= 0) {
		switch (c) {
		case 'a':
		case 'i':
			attach = true;
			break;
		case 'h':
			printf("Usage:  berth start [OPTIONS] CONTAINER [CONTAINER...]\n\n"
			       "Start one or more stopped containers\n\nOptions:\n"
			       "  -a, --attach        Attach its output (and its input when it was\n"
			       "                      created with -i) until it exits\n"
			       "  -i, --interactive   The same as --attach\n");
			return 0;
		default:
			return cli_getopt_error(cli, argv, c, err);
		}
	}
	if (optind >= argc)
		return cli_usage_error(cli, err, "\"berth start\" requires at least 1 argument");
	if (attach && argc - optind > 1)
		return cli_usage_error(cli, err, "you cannot start and attach multiple containers "
						 "at once");
	r = cli_open_engine(cli, &engine, err);
	if (r < 0)
		return r;
	if (attach) {
		r = berth_engine_start(engine, argv[optind], &our_stdio, &status, err);
		return r < 0 ? r : status;
	}
	return cli_for_each(argc, argv, engine, start_one, NULL, true);
}
