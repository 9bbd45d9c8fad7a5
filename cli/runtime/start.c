/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stddef.h>

#include "berth/runtime.h"
#include "cli.h"

int cmd_start(int argc, char **argv, const struct rt_cli *cli)
{
	struct berth_error *err = NULL;

	if (argc != 2)
		return cli_usage_error(cli, "start", "expects exactly one container id");
	if (berth_container_start(cli->root, argv[1], &err) < 0)
		return cli_fail(cli, "start", err);
	return 0;
}
