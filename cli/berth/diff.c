/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* `berth diff`: a container's changes to its filesystem, docker's A/C/D lines. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>

#include "berth/engine.h"
#include "berth/cleanup.h"
#include "cli.h"
#include "berth/util.h"

int cmd_diff(int argc, char **argv, struct berth_cli *cli, struct berth_error **err)
{
	static const struct option options[] = {
	    {"help", no_argument, NULL, 'h'},
	    {},
	};
	_cleanup_(berth_engine_freep) struct berth_engine *engine = NULL;
	_cleanup_strv_free_ char **lines = NULL;
	int c, r;

	opterr = 0;
	while ((c = getopt_long(argc, argv, "+:h", options, NULL)) >= 0) {
		switch (c) {
		case 'h':
			printf("Usage:  berth diff CONTAINER\n\n"
			       "Inspect changes to files or directories on a container's "
			       "filesystem\n");
			return 0;
		default:
			return cli_getopt_error(cli, argv, c, err);
		}
	}
	if (argc - optind != 1)
		return cli_usage_error(cli, err, "\"diff\" requires exactly 1 argument");
	r = cli_open_engine(cli, &engine, err);
	if (r < 0)
		return r;
	r = berth_engine_diff(engine, argv[optind], &lines, err);
	if (r < 0)
		return r;
	for (char **l = lines; *l; l++)
		puts(*l);
	return fflush(stdout) == 0 ? 0 : berth_error_set(err, errno, "write");
}
