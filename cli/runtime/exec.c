/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "berth/runtime.h"
#include "berth/cleanup.h"
#include "cli.h"
#include "berth/runtime.h"
#include "berth/util.h"

static int parse_user(const char *s, struct berth_exec_opts *o)
{
	_cleanup_free_ char *u = strdup(s);
	char *g;
	uint64_t v;

	if (!u)
		return -ENOMEM;
	g = strchr(u, ':');
	if (g)
		*g++ = 0;
	if (parse_u64(u, &v) < 0 || v > UINT32_MAX)
		return -EINVAL;
	o->uid = (uint32_t)v;
	o->gid = 0;
	if (g) {
		if (parse_u64(g, &v) < 0 || v > UINT32_MAX)
			return -EINVAL;
		o->gid = (uint32_t)v;
	}
	o->has_user = true;
	return 0;
}

int cmd_exec(int argc, char **argv, const struct rt_cli *cli)
{
	enum { OPT_CONSOLE = 0x100, OPT_PIDFILE, OPT_CWD, OPT_NNP, OPT_PRESERVE, OPT_LABEL,
	       OPT_APPARMOR, OPT_CGROUP, OPT_IGNORE_PAUSED };
	/* runc's exit status for a failure of exec itself (not of the process), which
	 * callers tell apart from the process's own status */
	enum { EXIT_EXEC_FAILED = 255 };
	static const struct option opts[] = {
		{ "console-socket", required_argument, NULL, OPT_CONSOLE },
		{ "pid-file", required_argument, NULL, OPT_PIDFILE },
		{ "cwd", required_argument, NULL, OPT_CWD },
		{ "env", required_argument, NULL, 'e' },
		{ "tty", no_argument, NULL, 't' },
		{ "user", required_argument, NULL, 'u' },
		{ "detach", no_argument, NULL, 'd' },
		{ "process", required_argument, NULL, 'p' },
		{ "cap", required_argument, NULL, 'c' },
		{ "no-new-privs", no_argument, NULL, OPT_NNP },
		{ "preserve-fds", required_argument, NULL, OPT_PRESERVE },
		{ "process-label", required_argument, NULL, OPT_LABEL },
		{ "apparmor", required_argument, NULL, OPT_APPARMOR },
		{ "cgroup", required_argument, NULL, OPT_CGROUP },
		{ "ignore-paused", no_argument, NULL, OPT_IGNORE_PAUSED },
		{ "additional-gids", required_argument, NULL, 'g' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	_cleanup_strv_free_ char **env = NULL, **args = NULL, **cgroups = NULL;
	_cleanup_free_ uint32_t *gids = NULL;
	_cleanup_free_ char *process = NULL;
	struct berth_exec_opts o = {.stdio = {STDIN_FILENO, STDOUT_FILENO, STDERR_FILENO}};
	struct berth_error *err = NULL;
	int c, cap, status = 0;

	/* '+': the first non-option is the id; what follows is the command */
	while ((c = getopt_long(argc, argv, "+e:tu:dp:c:g:h", opts, NULL)) != -1) {
		switch (c) {
		case OPT_CONSOLE:
			o.console_socket = optarg;
			break;
		case OPT_PIDFILE:
			o.pid_file = optarg;
			break;
		case OPT_CWD:
			o.cwd = optarg;
			break;
		case 'e':
			if (strv_extend(&env, optarg) < 0)
				return cli_usage_error(cli, "exec", "out of memory");
			break;
		case 't':
			o.tty = true;
			break;
		case 'u':
			if (parse_user(optarg, &o) < 0)
				return cli_usage_error(cli, "exec", "invalid --user '%s' (uid[:gid])",
						       optarg);
			break;
		case 'd':
			o.detach = true;
			break;
		case 'p':
			o.process_path = optarg;
			break;
		case 'c':
			cap = berth_cap_from_name(optarg);
			if (cap < 0)
				return cli_usage_error(cli, "exec", "unknown capability '%s'", optarg);
			o.add_caps |= 1ULL << cap;
			break;
		case OPT_NNP:
			o.no_new_privs = true;
			break;
		case OPT_PRESERVE: {
			uint64_t n;

			if (parse_u64(optarg, &n) < 0 || n > 1024)
				return cli_usage_error(cli, "exec", "invalid --preserve-fds '%s'", optarg);
			o.preserve_fds = (unsigned)n;
			break;
		}
		case OPT_LABEL:
		case OPT_APPARMOR:
			return cli_usage_error(cli, "exec", "no LSM is active to apply '%s'", optarg);
		case OPT_CGROUP:
			if (strv_extend(&cgroups, optarg) < 0)
				return cli_usage_error(cli, "exec", "out of memory");
			break;
		case OPT_IGNORE_PAUSED:
			o.ignore_paused = true;
			break;
		case 'g': {
			uint64_t g;
			uint32_t *n;

			if (parse_u64(optarg, &g) < 0 || g > UINT32_MAX)
				return cli_usage_error(cli, "exec", "invalid --additional-gids '%s'",
						       optarg);
			n = realloc(gids, (o.n_additional_gids + 1) * sizeof(*gids));
			if (!n)
				return cli_usage_error(cli, "exec", "out of memory");
			gids = n;
			gids[o.n_additional_gids++] = (uint32_t)g;
			break;
		}
		default:
			return cli_usage_error(cli, "exec",
					       "usage: exec [OPTIONS] ID COMMAND [ARG...]");
		}
	}
	if (o.process_path ? optind != argc - 1 : optind >= argc - 1)
		return cli_usage_error(cli, "exec",
				       "usage: exec [OPTIONS] ID COMMAND [ARG...] | exec --process FILE ID");
	for (int i = optind + 1; i < argc; i++)
		if (strv_extend(&args, argv[i]) < 0)
			return cli_usage_error(cli, "exec", "out of memory");
	o.args = args;
	o.env = env;
	o.additional_gids = gids;
	o.sub_cgroups = (const char *const *)cgroups;
	if (o.process_path && streq(o.process_path, "-")) {
		/* --process -: ours to read, the library reads no stdin */
		int r = read_full_fd(STDIN_FILENO, &process, &o.process_json_len);

		if (r < 0) {
			berth_error_set(&err, -r, "read process '%s'", o.process_path);
			cli_fail(cli, "exec", err);
			return EXIT_EXEC_FAILED;
		}
		o.process_json = process;
	}
	if (berth_container_exec(cli->root, argv[optind], &o, &status, &err) < 0) {
		cli_fail(cli, "exec", err);
		return EXIT_EXEC_FAILED;
	}
	return o.detach ? 0 : status;
}
