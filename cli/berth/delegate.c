/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The commands `berth` leaves to berth-full (see cli.h): executed with the whole command
 * line, so flags, output and exit code are berth-full's own.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "berth/engine.h"
#include "berth/cleanup.h"
#include "cli.h"

static int delegate(struct berth_cli *cli, struct berth_error **err)
{
	_cleanup_free_ char *full = berth_helper_path("berth-full");

	if (!full)
		return berth_error_set(err, ENOMEM, "%s: berth-full", cli->command);
	fflush(stdout);
	execv(full, cli->argv);
	return berth_error_set(err, errno, "%s: run '%s'", cli->command, full);
}

#define DELEGATE(name)                                                                    \
	int name(int argc, char **argv, struct berth_cli *cli, struct berth_error **err) \
	{                                                                                 \
		return delegate(cli, err);                                                \
	}

DELEGATE(cmd_commit)
DELEGATE(cmd_export)
DELEGATE(cmd_import)
DELEGATE(cmd_load)
DELEGATE(cmd_login)
DELEGATE(cmd_logout)
DELEGATE(cmd_pull)
DELEGATE(cmd_push)
DELEGATE(cmd_save)
