/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdbool.h>

#include <stddef.h>

#include "berth/runtime.h"
#include "cli.h"

int parse_create_opts(int argc, char **argv, const struct rt_cli *cli, const char *cmd,
		      struct berth_create_opts *o, bool *detach, const char **id);

int cmd_run(int argc, char **argv, const struct rt_cli *cli)
{
	struct berth_error *err = NULL;
	struct berth_create_opts o;
	bool detach = false;
	const char *id = NULL;
	int status = 0, r;

	r = parse_create_opts(argc, argv, cli, "run", &o, &detach, &id);
	if (r)
		return r;
	if (detach) {
		if (berth_container_create(cli->root, id, &o, &err) < 0)
			return cli_fail(cli, "run", err);
		if (berth_container_start(cli->root, id, &err) < 0) {
			(void)berth_container_delete(cli->root, id, true, NULL);
			return cli_fail(cli, "run", err);
		}
		return 0;
	}
	if (berth_container_run(cli->root, id, &o, &status, &err) < 0)
		return cli_fail(cli, "run", err);
	return status;
}
