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
	enum { OPT_DETACH_KEYS = 0x100 };
	static const struct option options[] = {
		{ "attach", no_argument, NULL, 'a' },
		{ "detach-keys", required_argument, NULL, OPT_DETACH_KEYS },
		{ "interactive", no_argument, NULL, 'i' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	_cleanup_(berth_engine_freep) struct berth_engine *engine = NULL;
	struct berth_stdio io = our_stdio;
	bool attach = false;
	char keys[BERTH_DETACH_KEYS_MAX];
	size_t n_keys;
	int c, r, status = 0;

	opterr = 0;
	while ((c = cli_getopt(argc, argv, ":aih", options, NULL)) >= 0) {
		switch (c) {
		case 'a':
		case 'i':
			attach = true;
			break;
		case OPT_DETACH_KEYS:
			io.detach_keys = optarg;
			break;
		case 'h':
			printf("Usage:  berth start [OPTIONS] CONTAINER [CONTAINER...]\n\n"
			       "Start one or more stopped containers\n\nOptions:\n"
			       "  -a, --attach            Attach its output (and its input when it was\n"
			       "                          created with -i) until it exits\n"
			       "      --detach-keys KEYS  Keys that detach (default \"ctrl-p,ctrl-q\")\n"
			       "  -i, --interactive       The same as --attach\n");
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
	if (attach && io.detach_keys && *io.detach_keys) {
		r = berth_detach_keys_parse(io.detach_keys, keys, &n_keys, err);
		if (r < 0)
			return r;
	}
	r = cli_open_engine(cli, &engine, err);
	if (r < 0)
		return r;
	if (attach) {
		r = berth_engine_start(engine, argv[optind], &io, &status, err);
		return r < 0 ? r : status;
	}
	return cli_for_each(argc, argv, engine, start_one, NULL, true);
}
