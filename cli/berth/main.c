/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * berth: the engine's front door. Parses the global flags, dispatches to a command
 * from the table below, and prints a failure once, here:
 *
 *     berth: import 'x.tar': unpack layer: entry '../evil': path escapes the layer root
 *
 * exiting 125 like docker does for its own errors.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "berth/cleanup.h"
#include "berth/util.h"

/* One row per command; keep sorted by name (the help lists them in this order). */
static const struct berth_command commands[] = {
    {"attach", cmd_attach, "Attach to a running container's input and output"},
    {"commit", cmd_commit, "Create a new image from a container's changes"},
    {"container", cmd_container, "Manage containers"},
    {"cp", cmd_cp, "Copy files/folders between a container and the local filesystem"},
    {"create", cmd_create, "Create a new container"},
    {"diff", cmd_diff, "Inspect changes on a container's filesystem"},
    {"events", cmd_events, "Get real time events from the server"},
    {"exec", cmd_exec, "Run a command in a running container"},
    {"export", cmd_export, "Export a container's filesystem as a tar archive"},
    {"history", cmd_history, "Show the history of an image"},
    {"image", cmd_image, "Manage images"},
    {"images", cmd_images, "List images"},
    {"import", cmd_import, "Import the contents of a tarball to create an image"},
    {"info", cmd_info, "Display system-wide information"},
    {"inspect", cmd_inspect, "Display detailed information on containers and images"},
    {"kill", cmd_kill, "Kill one or more running containers"},
    {"load", cmd_load, "Load images from a docker-archive or OCI layout tarball"},
    {"login", cmd_login, "Log in to a registry"},
    {"logout", cmd_logout, "Log out from a registry"},
    {"logs", cmd_logs, "Fetch the output of a container"},
    {"network", cmd_network, "Manage networks"},
    {"pause", cmd_pause, "Pause all processes within one or more containers"},
    {"port", cmd_port, "List port mappings or a specific mapping for the container"},
    {"ps", cmd_ps, "List containers"},
    {"pull", cmd_pull, "Download an image from a registry"},
    {"push", cmd_push, "Upload an image to a registry"},
    {"rename", cmd_rename, "Rename a container"},
    {"restart", cmd_restart, "Restart one or more containers"},
    {"rm", cmd_rm, "Remove one or more containers"},
    {"rmi", cmd_rmi, "Remove one or more images"},
    {"run", cmd_run, "Create and run a new container from an image"},
    {"save", cmd_save, "Save images to a docker-archive or OCI layout tarball"},
    {"search", cmd_search, "Search a registry for images"},
    {"serve", cmd_serve, "Serve the Docker Engine API (docker's CLI, compose, SDKs)"},
    {"start", cmd_start, "Start one or more stopped containers"},
    {"stats", cmd_stats, "Display a live stream of containers' resource usage"},
    {"stop", cmd_stop, "Stop one or more running containers"},
    {"system", cmd_system, "Manage berth"},
    {"tag", cmd_tag, "Create a tag TARGET_IMAGE that refers to SOURCE_IMAGE"},
    {"top", cmd_top, "Display the running processes of a container"},
    {"unpause", cmd_unpause, "Unpause all processes within one or more containers"},
    {"update", cmd_update, "Update configuration of one or more containers"},
    {"version", cmd_version, "Show the berth version information"},
    {"volume", cmd_volume, "Manage volumes"},
    {"wait", cmd_wait, "Block until containers stop, then print their exit codes"},
};

static void usage(FILE *f)
{
	fprintf(f,
		"Usage:  berth [OPTIONS] COMMAND\n"
		"\n"
		"A container engine\n"
		"\n"
		"Options:\n"
		"      --root DIR   Store images and containers in DIR (default %s)\n"
		"      --cgroup-manager systemd|cgroupfs\n"
		"                   The containers' cgroup driver (default: systemd where it\n"
		"                   is the init system on a cgroup v2 host, else cgroupfs)\n"
		"  -D, --debug      Print debugging information\n"
		"  -h, --help       Print this help\n"
		"  -v, --version    Print the version\n"
		"\n"
		"Commands:\n",
		BERTH_STORE_DEFAULT_ROOT);
	for (size_t i = 0; i < ELEMENTSOF(commands); i++)
		fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].summary);
	fprintf(f, "\nRun 'berth COMMAND --help' for more information on a command.\n");
}

static void print_warning(const char *msg)
{
	fprintf(stderr, "berth: warning: %s\n", msg);
}

static int fail(const struct berth_cli *cli, struct berth_error *err)
{
	fprintf(stderr, "berth: %s\n", berth_error_message(err));
	if (cli->usage_error)
		fprintf(stderr, "See 'berth%s%s --help'.\n", cli->command ? " " : "",
			cli->command ? cli->command : "");
	berth_error_free(err);
	return EXIT_CLI_ERROR;
}

int main(int argc, char **argv)
{
	enum { OPT_ROOT = 0x100, OPT_CGROUP_MANAGER };
	static const struct option options[] = {
	    {"root", required_argument, NULL, OPT_ROOT},
	    {"cgroup-manager", required_argument, NULL, OPT_CGROUP_MANAGER},
	    {"debug", no_argument, NULL, 'D'},
	    {"help", no_argument, NULL, 'h'},
	    {"version", no_argument, NULL, 'v'},
	    {},
	};
	struct berth_cli cli = {.argv = argv};
	struct berth_error *err = NULL;
	const struct berth_command *cmd = NULL;
	int c, r;

	berth_set_warning_handler(print_warning);
	opterr = 0;
	/* '+': stop at the command name; its flags are its own. */
	while ((c = cli_getopt(argc, argv, "+:Dhv", options, NULL)) >= 0) {
		switch (c) {
		case OPT_ROOT:
			cli.root = optarg;
			break;
		case OPT_CGROUP_MANAGER:
			if (!streq(optarg, "systemd") && !streq(optarg, "cgroupfs")) {
				cli_usage_error(&cli, &err,
						"unknown cgroup manager '%s' (systemd or cgroupfs)",
						optarg);
				return fail(&cli, err);
			}
			cli.cgroup_manager = optarg;
			break;
		case 'D':
			cli.debug = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'v':
			printf("berth version %s\n", BERTH_VERSION);
			return 0;
		default:
			cli_getopt_error(&cli, argv, c, &err);
			return fail(&cli, err);
		}
	}
	if (optind >= argc) {
		usage(stdout);
		return 0;
	}
	for (size_t i = 0; i < ELEMENTSOF(commands); i++)
		if (streq(commands[i].name, argv[optind]))
			cmd = &commands[i];
	if (!cmd) {
		cli_usage_error(&cli, &err, "unknown command '%s'", argv[optind]);
		return fail(&cli, err);
	}
	cli.command = cmd->name;

	argc -= optind;
	argv += optind;
	optind = 0; /* glibc: 0 re-initialises getopt completely for the command */
	r = cmd->fn(argc, argv, &cli, &err);
	if (r < 0) {
		/* a command that broke the convention: its errno, not "unknown error" */
		if (!err)
			berth_error_set(&err, -r, "%s", cmd->name);
		return fail(&cli, err);
	}
	return r;
}
