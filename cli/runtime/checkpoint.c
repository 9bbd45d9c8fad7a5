/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <getopt.h>
#include <linux/sched.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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
	O_DEDUP,
	O_LAZY,
	O_EMPTYNS,
	O_PARENT,
	O_PAGESERVER,
	O_STATUSFD,
};

#define CRIU_COMMON_OPTIONS                                                                         \
	{ "image-path", required_argument, NULL, 'i' },                                            \
	    { "work-path", required_argument, NULL, O_WORK },                                      \
	    { "tcp-established", no_argument, NULL, O_TCP },                                       \
	    { "ext-unix-sk", no_argument, NULL, O_UNIX },                                          \
	    { "shell-job", no_argument, NULL, O_SHELL },                                           \
	    { "file-locks", no_argument, NULL, O_LOCKS },                                          \
	    { "manage-cgroups-mode", required_argument, NULL, O_CGMODE },                        \
	    { "auto-dedup", no_argument, NULL, O_DEDUP },                                          \
	    { "lazy-pages", no_argument, NULL, O_LAZY },                                           \
	    { "empty-ns", required_argument, NULL, O_EMPTYNS }

/* 1 when c is one of CRIU_COMMON_OPTIONS (and is stored in f), 0 when it is not, < 0
 * (the usage error's exit status, negated) for a bad value */
static int criu_common_opt(int c, struct berth_criu_opts *f, const struct rt_cli *cli,
			   const char *cmd)
{
	switch (c) {
	case O_DEDUP:
		f->auto_dedup = true;
		return 1;
	case O_LAZY:
		f->lazy_pages = true;
		return 1;
	case O_EMPTYNS:
		/* runc's: only the network namespace can be left to someone else */
		if (strcmp(optarg, "network") != 0)
			return -cli_usage_error(cli, cmd, "namespace \"%s\" is not supported "
						"by --empty-ns", optarg);
		f->empty_ns |= CLONE_NEWNET;
		return 1;
	case 'i':
		f->image_path = optarg;
		return 1;
	case O_WORK:
		f->work_path = optarg;
		return 1;
	case O_CGMODE:
		f->manage_cgroups_mode = optarg;
		return 1;
	case O_TCP:
		f->tcp_established = true;
		return 1;
	case O_UNIX:
		f->ext_unix_sk = true;
		return 1;
	case O_SHELL:
		f->shell_job = true;
		return 1;
	case O_LOCKS:
		f->file_locks = true;
		return 1;
	default:
		return 0;
	}
}

int cmd_checkpoint(int argc, char **argv, const struct rt_cli *cli)
{
	static const struct option opts[] = {
		{ "leave-running", no_argument, NULL, O_LEAVE },
		{ "pre-dump", no_argument, NULL, O_PREDUMP },
		{ "parent-path", required_argument, NULL, O_PARENT },
		{ "page-server", required_argument, NULL, O_PAGESERVER },
		{ "status-fd", required_argument, NULL, O_STATUSFD },
		CRIU_COMMON_OPTIONS,
		{},
	};
	struct berth_checkpoint_opts o = { .criu.image_path = "checkpoint", .status_fd = -1 };
	struct berth_error *err = NULL;
	int c, k;

	o.criu.binary = cli->criu;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if ((k = criu_common_opt(c, &o.criu, cli, "checkpoint")) != 0) {
			if (k < 0)
				return -k;
			continue;
		}
		switch (c) {
		case O_LEAVE:
			o.leave_running = true;
			break;
		case O_PREDUMP:
			o.pre_dump = true;
			break;
		case O_PARENT:
			o.parent_path = optarg;
			break;
		case O_STATUSFD: {
			char *end;
			long v = strtol(optarg, &end, 10);

			if (!*optarg || *end || v < 0 || v > 1 << 20)
				return cli_usage_error(cli, "checkpoint",
						       "invalid --status-fd argument '%s'", optarg);
			o.status_fd = (int)v;
			break;
		}
		case O_PAGESERVER: {
			/* ADDRESS:PORT, [IPv6]:PORT */
			char *colon = strrchr(optarg, ':'), *end;
			long port = colon ? strtol(colon + 1, &end, 10) : 0;
			char *addr = colon ? strndup(optarg, (size_t)(colon - optarg)) : NULL;
			size_t n = addr ? strlen(addr) : 0;

			if (!colon || colon == optarg || !colon[1] || *end || !addr) {
				free(addr);
				return cli_usage_error(cli, "checkpoint", "Use --page-server "
						       "ADDRESS:PORT to specify page server");
			}
			if (port <= 0 || port > 65535) {
				free(addr);
				return cli_usage_error(cli, "checkpoint", "Invalid port number");
			}
			if (n >= 2 && addr[0] == '[' && addr[n - 1] == ']') {
				memmove(addr, addr + 1, n - 2);
				addr[n - 2] = 0;
			}
			free((char *)o.page_server_address);
			o.page_server_address = addr;
			o.page_server_port = (int)port;
			break;
		}
		default:
			return cli_usage_error(cli, "checkpoint", "usage: checkpoint [OPTIONS] ID");
		}
	}
	if (optind != argc - 1)
		return cli_usage_error(cli, "checkpoint", "usage: checkpoint [OPTIONS] ID");
	k = berth_container_checkpoint(cli->root, argv[optind], &o, &err);
	free((char *)o.page_server_address);
	if (k < 0)
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
	struct berth_create_opts co = {.bundle = ".",
				       .stdio = {STDIN_FILENO, STDOUT_FILENO, STDERR_FILENO},
				       .systemd_cgroup = cli->systemd_cgroup};
	struct berth_restore_opts o = { .criu.image_path = "checkpoint" };
	struct berth_error *err = NULL;
	int c, k, status = 0;

	o.criu.binary = cli->criu;
	while ((c = getopt_long(argc, argv, "b:d", opts, NULL)) != -1) {
		if ((k = criu_common_opt(c, &o.criu, cli, "restore")) != 0) {
			if (k < 0)
				return -k;
			continue;
		}
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
