/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "berth/runtime.h"
#include "cli.h"
#include "berth/util.h"

/* Shared by create and run: --bundle, --config, --pid-file, --console-socket, --detach. */
int parse_create_opts(int argc, char **argv, const struct rt_cli *cli, const char *cmd,
		      struct berth_create_opts *o, bool *detach, const char **id);

int parse_create_opts(int argc, char **argv, const struct rt_cli *cli, const char *cmd,
		      struct berth_create_opts *o, bool *detach, const char **id)
{
	static const struct option opts[] = {
		{ "bundle", required_argument, NULL, 'b' },
		{ "config", required_argument, NULL, 'C' },
		{ "pid-file", required_argument, NULL, 'p' },
		{ "console-socket", required_argument, NULL, 'c' },
		{ "detach", no_argument, NULL, 'd' },
		{ "no-pivot", no_argument, NULL, 'P' },
		{ "no-new-keyring", no_argument, NULL, 'k' },
		{ "preserve-fds", required_argument, NULL, 'f' },
		{ "keep", no_argument, NULL, 'K' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	int c;

	/* our stdio, for the container and (run, with a terminal) the pty's proxy */
	*o = (struct berth_create_opts){.bundle = ".",
					.stdio = {STDIN_FILENO, STDOUT_FILENO, STDERR_FILENO},
					.systemd_cgroup = cli->systemd_cgroup};
	while ((c = getopt_long(argc, argv, "b:dh", opts, NULL)) != -1) {
		switch (c) {
		case 'b':
			o->bundle = optarg;
			break;
		case 'C': /* crun's: a config other than <bundle>/config.json */
			o->config = optarg;
			break;
		case 'p':
			o->pid_file = optarg;
			break;
		case 'c':
			o->console_socket = optarg;
			break;
		case 'd':
			if (!detach)
				return cli_usage_error(cli, cmd, "unknown option '--detach'");
			*detach = true;
			break;
		case 'P':
			o->no_pivot = true;
			break;
		case 'K':
			if (!detach)
				return cli_usage_error(cli, cmd, "unknown option '--keep'");
			o->keep = true;
			break;
		case 'k':
			break;
		case 'f': {
			uint64_t n;

			if (parse_u64(optarg, &n) < 0 || n > 1024)
				return cli_usage_error(cli, cmd, "invalid --preserve-fds '%s'", optarg);
			o->preserve_fds = (unsigned)n;
			break;
		}
		case 'h':
			printf("usage: berth-runtime %s [--bundle DIR] [--pid-file FILE] "
			       "[--console-socket SOCKET]%s ID\n",
			       cmd, detach ? " [--detach]" : "");
			exit(0);
		default:
			return 1;
		}
	}
	if (optind != argc - 1)
		return cli_usage_error(cli, cmd, "expects exactly one container id");
	*id = argv[optind];
	o->listen_fds = listen_fds();
	o->preserve_fds += o->listen_fds;
	return 0;
}

int cmd_create(int argc, char **argv, const struct rt_cli *cli)
{
	struct berth_error *err = NULL;
	struct berth_create_opts o;
	const char *id = NULL;
	int r;

	r = parse_create_opts(argc, argv, cli, "create", &o, NULL, &id);
	if (r)
		return r;
	if (berth_container_create(cli->root, id, &o, &err) < 0)
		return cli_fail(cli, "create", err);
	return 0;
}
