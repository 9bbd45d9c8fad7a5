/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>

#include "berth/engine.h"
#include "berth/cleanup.h"
#include "cli.h"

struct rm_args {
	bool force, volumes;
};

static int rm_one(struct berth_engine *e, const char *key, void *data, struct berth_error **err)
{
	const struct rm_args *a = data;

	return berth_engine_remove(e, key, a->force, a->volumes, err);
}

int cmd_rm(int argc, char **argv, struct berth_cli *cli, struct berth_error **err)
{
	static const struct option options[] = {
		{ "force", no_argument, NULL, 'f' },
		{ "volumes", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	_cleanup_(berth_engine_freep) struct berth_engine *engine = NULL;
	struct rm_args a = { 0 };
	int c, r;

	opterr = 0;
	while ((c = cli_getopt(argc, argv, ":fvh", options, NULL)) >= 0) {
		switch (c) {
		case 'f':
			a.force = true;
			break;
		case 'v':
			a.volumes = true;
			break;
		case 'h':
			printf("Usage:  berth rm [OPTIONS] CONTAINER [CONTAINER...]\n\n"
			       "Remove one or more containers\n\nOptions:\n"
			       "  -f, --force     Kill and remove a running container\n"
			       "  -v, --volumes   Remove its anonymous volumes too\n");
			return 0;
		default:
			return cli_getopt_error(cli, argv, c, err);
		}
	}
	if (optind >= argc)
		return cli_usage_error(cli, err, "\"berth rm\" requires at least 1 argument");
	r = cli_open_engine(cli, &engine, err);
	if (r < 0)
		return r;
	/* like docker: remove what can be removed, report each failure, exit 1 if any */
	return cli_for_each(argc, argv, engine, rm_one, &a, true);
}
