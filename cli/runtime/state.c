/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdio.h>
#include <stdlib.h>

#include "berth/runtime.h"
#include "cli.h"

int cmd_state(int argc, char **argv, const struct rt_cli *cli)
{
	struct berth_error *err = NULL;
	struct berth_state s;
	char *json;

	if (argc != 2)
		return cli_usage_error(cli, "state", "expects exactly one container id");
	if (berth_container_state(cli->root, argv[1], &s, &err) < 0)
		return cli_fail(cli, "state", err);
	json = berth_state_to_json(&s);
	berth_state_clear(&s);
	if (!json)
		return cli_usage_error(cli, "state", "out of memory");
	puts(json);
	free(json);
	return 0;
}
