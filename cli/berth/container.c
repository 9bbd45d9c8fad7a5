/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * `berth container ...`: docker's management group for containers (the verbs are the
 * top-level ones), and `container prune`.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>

#include "berth/engine.h"
#include "berth/cleanup.h"
#include "cli.h"
#include "berth/util.h"

static int cmd_container_prune(int argc, char **argv, struct berth_cli *cli,
			       struct berth_error **err)
{
	static const struct option lo[] = { { "force", no_argument, NULL, 'f' },
					    { "help", no_argument, NULL, 'h' },
					    {} };
	_cleanup_(berth_engine_freep) struct berth_engine *engine = NULL;
	_cleanup_strv_free_ char **removed = NULL;
	bool force = false;
	int c, r;

	opterr = 0;
	while ((c = cli_getopt(argc, argv, ":fh", lo, NULL)) >= 0) {
		switch (c) {
		case 'f':
			force = true;
			break;
		case 'h':
			printf("Usage:  berth container prune [-f]\n\n"
			       "Remove every container that does not run\n\nOptions:\n"
			       "  -f, --force   Do not prompt for confirmation\n");
			return 0;
		default:
			return cli_getopt_error(cli, argv, c, err);
		}
	}
	if (!force && !cli_confirm("This will remove all stopped containers."))
		return 0;
	r = cli_open_engine(cli, &engine, err);
	if (r < 0)
		return r;
	r = berth_engine_prune(engine, &removed, err);
	if (r < 0)
		return r;
	if (removed[0]) {
		printf("Deleted Containers:\n");
		for (char **i = removed; *i; i++)
			puts(*i);
	}
	return 0;
}

int cmd_container(int argc, char **argv, struct berth_cli *cli, struct berth_error **err)
{
	static const struct berth_command sub[] = {
		{ "attach", cmd_attach, "Attach to a running container" },
		{ "commit", cmd_commit, "Create a new image from a container's changes" },
		{ "cp", cmd_cp, "Copy files/folders between a container and the local filesystem" },
		{ "create", cmd_create, "Create a new container" },
		{ "diff", cmd_diff, "Inspect changes on a container's filesystem" },
		{ "exec", cmd_exec, "Run a command in a running container" },
		{ "export", cmd_export, "Export a container's filesystem as a tar archive" },
		{ "inspect", cmd_container_inspect, "Display detailed information on containers" },
		{ "kill", cmd_kill, "Kill one or more running containers" },
		{ "logs", cmd_logs, "Fetch the output of a container" },
		{ "ls", cmd_ps, "List containers" },
		{ "pause", cmd_pause, "Pause all processes within one or more containers" },
		{ "port", cmd_port, "List port mappings or a specific mapping for the container" },
		{ "prune", cmd_container_prune, "Remove all stopped containers" },
		{ "rename", cmd_rename, "Rename a container" },
		{ "restart", cmd_restart, "Restart one or more containers" },
		{ "rm", cmd_rm, "Remove one or more containers" },
		{ "run", cmd_run, "Create and run a new container" },
		{ "start", cmd_start, "Start one or more stopped containers" },
		{ "stats", cmd_stats, "Display containers' resource usage" },
		{ "stop", cmd_stop, "Stop one or more running containers" },
		{ "top", cmd_top, "Display the running processes of a container" },
		{ "unpause", cmd_unpause, "Unpause all processes within one or more containers" },
		{ "update", cmd_update, "Update configuration of one or more containers" },
		{ "wait", cmd_wait, "Block until containers stop, then print their exit codes" },
	};

	return cli_group(argc, argv, cli, "container", "Manage containers", sub, ELEMENTSOF(sub),
			 err);
}
