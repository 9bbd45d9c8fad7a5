/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <getopt.h>
#include <stddef.h>

#include "berth/runtime.h"
#include "cli.h"

int cmd_checkpoint(int argc, char **argv, const struct rt_cli *cli)
{
	enum { O_IMAGE = 0x100, O_WORK, O_LEAVE, O_TCP, O_UNIX, O_SHELL, O_LOCKS, O_IGNORED };
	static const struct option opts[] = {
		{ "image-path", required_argument, NULL, O_IMAGE },
		{ "work-path", required_argument, NULL, O_WORK },
		{ "leave-running", no_argument, NULL, O_LEAVE },
		{ "tcp-established", no_argument, NULL, O_TCP },
		{ "ext-unix-sk", no_argument, NULL, O_UNIX },
		{ "shell-job", no_argument, NULL, O_SHELL },
		{ "file-locks", no_argument, NULL, O_LOCKS },
		{ "pre-dump", no_argument, NULL, O_IGNORED },
		{ "manage-cgroups-mode", required_argument, NULL, O_IGNORED },
		{},
	};
	struct berth_checkpoint_opts o = { .image_path = "checkpoint" };
	struct berth_error *err = NULL;
	int c;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case O_IMAGE:
			o.image_path = optarg;
			break;
		case O_WORK:
			o.work_path = optarg;
			break;
		case O_LEAVE:
			o.leave_running = true;
			break;
		case O_TCP:
			o.tcp_established = true;
			break;
		case O_UNIX:
			o.ext_unix_sk = true;
			break;
		case O_SHELL:
			o.shell_job = true;
			break;
		case O_LOCKS:
			o.file_locks = true;
			break;
		case O_IGNORED:
			break;
		default:
			return cli_usage_error(cli, "checkpoint", "usage: checkpoint [OPTIONS] ID");
		}
	}
	if (optind != argc - 1)
		return cli_usage_error(cli, "checkpoint", "usage: checkpoint [OPTIONS] ID");
	if (berth_container_checkpoint(cli->root, argv[optind], &o, &err) < 0)
		return cli_fail(cli, "checkpoint", err);
	return 0;
}

int cmd_restore(int argc, char **argv, const struct rt_cli *cli)
{
	static const struct option opts[] = {
		{ "image-path", required_argument, NULL, 'i' },
		{ "bundle", required_argument, NULL, 'b' },
		{ "detach", no_argument, NULL, 'd' },
		{ "pid-file", required_argument, NULL, 'p' },
		{ "console-socket", required_argument, NULL, 'c' },
		{ "work-path", required_argument, NULL, 'w' },
		{ "tcp-established", no_argument, NULL, 't' },
		{ "ext-unix-sk", no_argument, NULL, 'u' },
		{ "shell-job", no_argument, NULL, 's' },
		{ "file-locks", no_argument, NULL, 'l' },
		{},
	};
	struct berth_create_opts co = { .bundle = ".", .stdio = { -1, -1, -1 } };
	struct berth_error *err = NULL;
	const char *image = "checkpoint";
	int c;

	while ((c = getopt_long(argc, argv, "b:d", opts, NULL)) != -1) {
		switch (c) {
		case 'i':
			image = optarg;
			break;
		case 'b':
			co.bundle = optarg;
			break;
		case 'p':
			co.pid_file = optarg;
			break;
		case 'c':
			co.console_socket = optarg;
			break;
		case 'd':
		case 'w':
		case 't':
		case 'u':
		case 's':
		case 'l':
			break;
		default:
			return cli_usage_error(cli, "restore", "usage: restore [OPTIONS] ID");
		}
	}
	if (optind != argc - 1)
		return cli_usage_error(cli, "restore", "usage: restore [OPTIONS] ID");
	if (berth_container_restore(cli->root, argv[optind], &co, image, &err) < 0)
		return cli_fail(cli, "restore", err);
	return 0;
}
