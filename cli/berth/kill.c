/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>

#include "berth/engine.h"
#include "berth/runtime.h"
#include "berth/cleanup.h"
#include "cli.h"

static int kill_one(struct berth_engine *e, const char *key, void *data, struct berth_error **err)
{
	return berth_engine_kill(e, key, *(int *)data, err);
}

int cmd_kill(int argc, char **argv, struct berth_cli *cli, struct berth_error **err)
{
	static const struct option options[] = {
		{ "signal", required_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	_cleanup_(berth_engine_freep) struct berth_engine *engine = NULL;
	int c, r, sig = SIGKILL;

	opterr = 0;
	while ((c = cli_getopt(argc, argv, ":s:h", options, NULL)) >= 0) {
		switch (c) {
		case 's':
			sig = berth_signal_parse(optarg);
			if (sig <= 0)
				return cli_usage_error(cli, err, "invalid signal '%s'", optarg);
			break;
		case 'h':
			printf("Usage:  berth kill [OPTIONS] CONTAINER [CONTAINER...]\n\n"
			       "Kill one or more running containers\n\nOptions:\n"
			       "  -s, --signal SIGNAL   Signal to send (default KILL)\n");
			return 0;
		default:
			return cli_getopt_error(cli, argv, c, err);
		}
	}
	if (optind >= argc)
		return cli_usage_error(cli, err, "\"berth kill\" requires at least 1 argument");
	r = cli_open_engine(cli, &engine, err);
	if (r < 0)
		return r;
	return cli_for_each(argc, argv, engine, kill_one, &sig, true);
}
