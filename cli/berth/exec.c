/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "berth/engine.h"
#include "berth/cleanup.h"
#include "cli.h"
#include "berth/util.h"

/* the engine relays our own stdio: a front door's to give */
static const struct berth_stdio our_stdio = {STDIN_FILENO, STDOUT_FILENO, STDERR_FILENO};

int cmd_exec(int argc, char **argv, struct berth_cli *cli, struct berth_error **err)
{
	enum { OPT_HELP = 0x100, OPT_ENV_FILE, OPT_PRIVILEGED, OPT_DETACH_KEYS };
	static const struct option options[] = {
		{ "detach", no_argument, NULL, 'd' },
		{ "interactive", no_argument, NULL, 'i' },
		{ "tty", no_argument, NULL, 't' },
		{ "env", required_argument, NULL, 'e' },
		{ "env-file", required_argument, NULL, OPT_ENV_FILE },
		{ "detach-keys", required_argument, NULL, OPT_DETACH_KEYS },
		{ "user", required_argument, NULL, 'u' },
		{ "workdir", required_argument, NULL, 'w' },
		{ "privileged", no_argument, NULL, OPT_PRIVILEGED },
		{ "help", no_argument, NULL, OPT_HELP },
		{},
	};
	_cleanup_(berth_engine_freep) struct berth_engine *engine = NULL;
	_cleanup_strv_free_ char **env = NULL, **cmd = NULL, **env_from_files = NULL;
	struct berth_engine_exec_opts o = { 0 };
	struct berth_stdio io = our_stdio;
	const char *key;
	int c, r, code, status = 0;

	opterr = 0;
	while ((c = cli_getopt(argc, argv, "+:dite:u:w:h", options, NULL)) >= 0) {
		switch (c) {
		case 'd':
			o.detach = true;
			break;
		case 'i':
			o.interactive = true;
			break;
		case 't':
			o.tty = true;
			break;
		case 'e':
			if (cli_env_add(&env, optarg) < 0)
				return berth_error_set(err, ENOMEM, "exec: -e '%s'", optarg);
			break;
		case OPT_ENV_FILE:
			/* docker: the files first, -e over them whatever the order */
			r = cli_env_file(&env_from_files, optarg, err);
			if (r < 0)
				return r;
			break;
		case 'u':
			o.user = optarg;
			break;
		case OPT_DETACH_KEYS:
			io.detach_keys = optarg;
			break;
		case 'w':
			if (optarg[0] != '/')
				return cli_usage_error(cli, err,
						       "the working directory '%s' is not absolute",
						       optarg);
			o.workdir = optarg;
			break;
		case OPT_PRIVILEGED:
			o.privileged = true;
			break;
		case OPT_HELP:
		case 'h':
			printf("Usage:  berth exec [OPTIONS] CONTAINER COMMAND [ARG...]\n\n"
			       "Run a command in a running container\n\nOptions:\n"
			       "  -d, --detach              Run it in the background\n"
			       "      --detach-keys KEYS    Keys that detach (default \"ctrl-p,ctrl-q\")\n"
			       "  -e, --env K=V             Set an environment variable\n"
			       "      --env-file FILE       Read in a file of environment variables\n"
			       "  -i, --interactive         Keep STDIN open\n"
			       "      --privileged          Give extended privileges to the command\n"
			       "  -t, --tty                 Allocate a pseudo-TTY\n"
			       "  -u, --user USER[:GROUP]   User name or uid, and group\n"
			       "  -w, --workdir DIR         Working directory inside the container\n");
			return 0;
		default:
			return cli_getopt_error(cli, argv, c, err);
		}
	}
	if (argc - optind < 2)
		return cli_usage_error(cli, err, "\"berth exec\" requires at least 2 arguments");
	key = argv[optind++];
	for (int i = optind; i < argc; i++)
		if (strv_extend(&cmd, argv[i]) < 0)
			return berth_error_set(err, ENOMEM, "exec: the command");
	o.cmd = cmd;
	for (char **e = env; e && *e; e++)
		if (strv_extend(&env_from_files, *e) < 0)
			return berth_error_set(err, ENOMEM, "exec: -e '%s'", *e);
	o.env = env_from_files ? env_from_files : env;
	r = cli_open_engine(cli, &engine, err);
	if (r < 0)
		return r;
	r = berth_engine_exec(engine, key, &o, &io, &status, err);
	if (r < 0 && (code = cli_exec_failure(err)) > 0)
		return code;
	if (r == 1) {
		/* docker's exec ends with the error its escape proxy read */
		fputs("read escape sequence\n", stderr);
		return 1;
	}
	return r < 0 ? r : status;
}
