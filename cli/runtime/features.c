/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdio.h>
#include <stdlib.h>

#include "berth/runtime.h"
#include "cli.h"

/* The OCI features document (runtime-spec features.md) for what berth implements. */
int cmd_features(int argc, char **argv, const struct rt_cli *cli)
{
	char *doc = berth_runtime_features();

	if (!doc)
		return cli_usage_error(cli, "features", "out of memory");
	fputs(doc, stdout);
	free(doc);
	return 0;
}
