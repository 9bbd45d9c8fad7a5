/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>

#include "berth/cleanup.h"
#include "berth/engine.h"
#include "cli.h"

int cmd_rename(int argc, char **argv, struct berth_cli *cli, struct berth_error **err)
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
			printf("Usage:  berth rename CONTAINER NEW_NAME\n\nRename a container\n");
			return 0;
		default:
			return cli_getopt_error(cli, argv, c, err);
		}
	}
	if (argc - optind != 2)
		return cli_usage_error(cli, err, "\"berth rename\" requires exactly 2 arguments");
	r = cli_open_engine(cli, &engine, err);
	if (r < 0)
		return r;
	/* docker's daemon errors (no such container, a name in use) exit 1 */
	r = berth_engine_rename(engine, argv[optind], argv[optind + 1], err);
	if (r < 0) {
		fprintf(stderr, "berth: %s\n", berth_error_message(*err));
		*err = berth_error_free(*err);
		return 1;
	}
	return 0;
}
