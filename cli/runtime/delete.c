/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <getopt.h>

#include <stddef.h>

#include "berth/runtime.h"
#include "cli.h"

int cmd_delete(int argc, char **argv, const struct rt_cli *cli)
{
	static const struct option opts[] = {
		{ "force", no_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	struct berth_error *err = NULL;
	bool force = false;
	int c;

	while ((c = getopt_long(argc, argv, "fh", opts, NULL)) != -1) {
		switch (c) {
		case 'f':
			force = true;
			break;
		default:
			return cli_usage_error(cli, "delete", "usage: delete [--force] ID");
		}
	}
	if (optind != argc - 1)
		return cli_usage_error(cli, "delete", "usage: delete [--force] ID");
	if (berth_container_delete(cli->root, argv[optind], force, &err) < 0) {
		/* like runc: deleting what is already gone is not an error with --force */
		if (force && err && err->errnum == ENOENT) {
			berth_error_free(err);
			return 0;
		}
		return cli_fail(cli, "delete", err);
	}
	return 0;
}
