/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <getopt.h>
#include <signal.h>

#include "berth/runtime.h"
#include "cli.h"

int cmd_kill(int argc, char **argv, const struct rt_cli *cli)
{
	static const struct option opts[] = {
		{ "all", no_argument, NULL, 'a' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	struct berth_error *err = NULL;
	bool all = false;
	int sig = SIGTERM, c;

	while ((c = getopt_long(argc, argv, "ah", opts, NULL)) != -1) {
		switch (c) {
		case 'a':
			all = true;
			break;
		default:
			return cli_usage_error(cli, "kill", "usage: kill [--all] ID [SIGNAL]");
		}
	}
	if (optind >= argc || argc - optind > 2)
		return cli_usage_error(cli, "kill", "usage: kill [--all] ID [SIGNAL]");
	if (argc - optind == 2) {
		sig = berth_signal_parse(argv[optind + 1]);
		if (sig < 0)
			return cli_usage_error(cli, "kill", "unknown signal '%s'", argv[optind + 1]);
	}
	if (berth_container_kill(cli->root, argv[optind], sig, all, &err) < 0)
		return cli_fail(cli, "kill", err);
	return 0;
}
