/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stddef.h>

#include "berth/runtime.h"
#include "cli.h"

int cmd_pause(int argc, char **argv, const struct rt_cli *cli)
{
	struct berth_error *err = NULL;

	if (argc != 2)
		return cli_usage_error(cli, "pause", "expects exactly one container id");
	if (berth_container_pause(cli->root, argv[1], &err) < 0)
		return cli_fail(cli, "pause", err);
	return 0;
}

int cmd_resume(int argc, char **argv, const struct rt_cli *cli)
{
	struct berth_error *err = NULL;

	if (argc != 2)
		return cli_usage_error(cli, "resume", "expects exactly one container id");
	if (berth_container_resume(cli->root, argv[1], &err) < 0)
		return cli_fail(cli, "resume", err);
	return 0;
}
