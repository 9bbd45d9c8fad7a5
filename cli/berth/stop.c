/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>

#include "berth/engine.h"
#include "berth/runtime.h"
#include "berth/cleanup.h"
#include "cli.h"
#include "berth/util.h"

struct stop_args {
	int timeout;
	const char *signal;
	bool restart;
};

static int stop_one(struct berth_engine *e, const char *key, void *data, struct berth_error **err)
{
	const struct stop_args *a = data;
	return a->restart ? berth_engine_restart(e, key, a->timeout, a->signal, err)
			  : berth_engine_stop(e, key, a->timeout, a->signal, err);
}

static int stop_or_restart(int argc, char **argv, struct berth_cli *cli, bool restart,
			   struct berth_error **err)
{
	static const struct option options[] = {
		{ "time", required_argument, NULL, 't' },
		{ "timeout", required_argument, NULL, 't' },
		{ "signal", required_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	_cleanup_(berth_engine_freep) struct berth_engine *engine = NULL;
	struct stop_args a = { .timeout = -1, .restart = restart };
	int64_t v;
	int c, r;

	opterr = 0;
	while ((c = cli_getopt(argc, argv, ":t:s:h", options, NULL)) >= 0) {
		switch (c) {
		case 't':
			if (parse_i64(optarg, &v) < 0 || v < -1 || v > 86400 * 365)
				return cli_usage_error(cli, err, "invalid timeout '%s'", optarg);
			a.timeout = (int)v;
			break;
		case 's':
			if (berth_signal_parse(optarg) <= 0)
				return cli_usage_error(cli, err, "invalid signal '%s'", optarg);
			a.signal = optarg;
			break;
		case 'h':
			printf("Usage:  berth %s [OPTIONS] CONTAINER [CONTAINER...]\n\n"
			       "%s\n\nOptions:\n"
			       "  -s, --signal SIGNAL   Signal to send (default: the container's stop\n"
			       "                        signal, else SIGTERM)\n"
			       "  -t, --time SECONDS    Seconds to wait before killing it (default 10)\n",
			       restart ? "restart" : "stop",
			       restart ? "Restart one or more containers"
				       : "Stop one or more running containers");
			return 0;
		default:
			return cli_getopt_error(cli, argv, c, err);
		}
	}
	if (optind >= argc)
		return cli_usage_error(cli, err, "\"berth %s\" requires at least 1 argument",
				       restart ? "restart" : "stop");
	r = cli_open_engine(cli, &engine, err);
	if (r < 0)
		return r;
	return cli_for_each(argc, argv, engine, stop_one, &a, true);
}

int cmd_stop(int argc, char **argv, struct berth_cli *cli, struct berth_error **err)
{
	return stop_or_restart(argc, argv, cli, false, err);
}

int cmd_restart(int argc, char **argv, struct berth_cli *cli, struct berth_error **err)
{
	return stop_or_restart(argc, argv, cli, true, err);
}
