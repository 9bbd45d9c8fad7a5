/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <getopt.h>
#include <stddef.h>

#include "berth/runtime.h"
#include "cli.h"

/* Options checkpoint and restore share (runc's spellings), and where each one goes. */
enum {
	O_WORK = 0x100,
	O_TCP,
	O_UNIX,
	O_SHELL,
	O_LOCKS,
	O_CGMODE,
	O_LEAVE,
	O_PREDUMP,
	O_PIDFILE,
	O_CONSOLE,
	O_IGNORED,
};

#define CRIU_COMMON_OPTIONS                                                                         \
	{ "image-path", required_argument, NULL, 'i' },                                            \
	    { "work-path", required_argument, NULL, O_WORK },                                      \
	    { "tcp-established", no_argument, NULL, O_TCP },                                       \
	    { "ext-unix-sk", no_argument, NULL, O_UNIX },                                          \
	    { "shell-job", no_argument, NULL, O_SHELL },                                           \
	    { "file-locks", no_argument, NULL, O_LOCKS },                                          \
	    { "manage-cgroups-mode", required_argument, NULL, O_CGMODE }

/* true when c is one of CRIU_COMMON_OPTIONS (and is stored in f) */
static bool criu_common_opt(int c, struct berth_criu_opts *f)
{
	switch (c) {
	case 'i':
		f->image_path = optarg;
		return true;
	case O_WORK:
		f->work_path = optarg;
		return true;
	case O_CGMODE:
		f->manage_cgroups_mode = optarg;
		return true;
	case O_TCP:
		f->tcp_established = true;
		return true;
	case O_UNIX:
		f->ext_unix_sk = true;
		return true;
	case O_SHELL:
		f->shell_job = true;
		return true;
	case O_LOCKS:
		f->file_locks = true;
		return true;
	default:
		return false;
	}
}

int cmd_checkpoint(int argc, char **argv, const struct rt_cli *cli)
{
	static const struct option opts[] = {
		{ "leave-running", no_argument, NULL, O_LEAVE },
		{ "pre-dump", no_argument, NULL, O_PREDUMP },
		CRIU_COMMON_OPTIONS,
		{},
	};
	struct berth_checkpoint_opts o = { .criu.image_path = "checkpoint" };
	struct berth_error *err = NULL;
	int c;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (criu_common_opt(c, &o.criu))
			continue;
		switch (c) {
		case O_LEAVE:
			o.leave_running = true;
			break;
		case O_PREDUMP:
			/* a full dump in its place would kill the container */
			return cli_usage_error(cli, "checkpoint", "--pre-dump is not supported");
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
		{ "bundle", required_argument, NULL, 'b' },
		{ "detach", no_argument, NULL, 'd' },
		{ "pid-file", required_argument, NULL, O_PIDFILE },
		{ "console-socket", required_argument, NULL, O_CONSOLE },
		CRIU_COMMON_OPTIONS,
		/* runc's: berth-runtime neither becomes a subreaper nor pivots here */
		{ "no-subreaper", no_argument, NULL, O_IGNORED },
		{ "no-pivot", no_argument, NULL, O_IGNORED },
		{},
	};
	struct berth_create_opts co = { .bundle = ".", .stdio = { -1, -1, -1 } };
	struct berth_restore_opts o = { .criu.image_path = "checkpoint" };
	struct berth_error *err = NULL;
	int c, status = 0;

	while ((c = getopt_long(argc, argv, "b:d", opts, NULL)) != -1) {
		if (criu_common_opt(c, &o.criu))
			continue;
		switch (c) {
		case 'b':
			co.bundle = optarg;
			break;
		case 'd':
			o.detach = true;
			break;
		case O_PIDFILE:
			co.pid_file = optarg;
			break;
		case O_CONSOLE:
			co.console_socket = optarg;
			break;
		case O_IGNORED:
			break;
		default:
			return cli_usage_error(cli, "restore", "usage: restore [OPTIONS] ID");
		}
	}
	if (optind != argc - 1)
		return cli_usage_error(cli, "restore", "usage: restore [OPTIONS] ID");
	if (berth_container_restore(cli->root, argv[optind], &co, &o, &status, &err) < 0)
		return cli_fail(cli, "restore", err);
	return status;
}
