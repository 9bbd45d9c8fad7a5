/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "berth/engine.h"
#include "berth/runtime.h"
#include "berth/cleanup.h"
#include "cli.h"
#include "berth/util.h"

/* the engine relays our own stdio: a front door's to give */
static const struct berth_stdio our_stdio = {STDIN_FILENO, STDOUT_FILENO, STDERR_FILENO};

static void usage(FILE *f, bool create)
{
	fprintf(f,
		"Usage:  berth %s [OPTIONS] IMAGE [COMMAND] [ARG...]\n"
		"\n"
		"%s\n"
		"\n"
		"Options:\n"
		"      --cgroup-parent PATH  Cgroup under which the container's cgroup is made\n"
		"      --cpus N              Number of CPUs (fractions allowed)\n"
		"%s",
		create ? "create" : "run",
		create ? "Create a new container from an image, without starting it"
		       : "Create and run a new container from an image",
		create ? "" : "  -d, --detach              Run in the background and print its id\n");
	fprintf(f,
		"      --entrypoint CMD      Overwrite the image's entrypoint\n"
		"  -e, --env K=V             Set an environment variable\n"
		"  -h, --hostname NAME       Container host name\n"
		"  -i, --interactive         Keep STDIN open\n"
		"  -m, --memory SIZE         Memory limit (e.g. 512m, 1g)\n"
		"      --memory-swap SIZE    Memory plus swap limit, -1 for unlimited swap\n"
		"      --name NAME           Name the container\n"
		"      --network NET         bridge (default), none, host, container:NAME, or\n"
		"                            a network made with `berth network create`\n"
		"  -p, --publish SPEC        Publish a port: [[IP:][HOSTPORT]:]CTRPORT[/tcp|/udp]\n"
		"                            (no HOSTPORT: a free one, see `berth port`)\n"
		"  -P, --publish-all         Publish every port the image exposes on free ports\n"
		"      --pids-limit N        Limit the number of processes\n"
		"      --read-only           Mount the container's root filesystem read-only\n"
		"      --pull string         Pull image before running (\"always\", \"missing\",\n"
		"                            \"never\") (default \"missing\")\n"
		"      --restart POLICY      no, always, unless-stopped, on-failure[:N]\n"
		"      --rm                  Remove the container when it exits\n"
		"      --stop-signal SIGNAL  Signal that stops the container (default SIGTERM)\n"
		"  -t, --tty                 Allocate a pseudo-TTY\n"
		"  -u, --user USER[:GROUP]   User name or uid, and group\n"
		"  -v, --volume SPEC         Bind mount HOST:DEST[:ro], volume NAME:DEST[:ro],\n"
		"                            or an anonymous volume at DEST\n"
		"  -w, --workdir DIR         Working directory inside the container\n"
		"      --help                Print this help\n");
}

/* run and create: the same flags (create has no --detach) */
static int run_or_create(int argc, char **argv, struct berth_cli *cli, bool create,
			 struct berth_error **err)
{
	enum {
		OPT_RM = 0x100,
		OPT_NAME,
		OPT_CPUS,
		OPT_PIDS,
		OPT_CGROUP_PARENT,
		OPT_ENTRYPOINT,
		OPT_SWAP,
		OPT_HELP,
		OPT_STOP_SIGNAL,
		OPT_READ_ONLY,
		OPT_NETWORK,
		OPT_RESTART,
		OPT_PULL,
	};
	static const struct option options[] = {
		{ "rm", no_argument, NULL, OPT_RM },
		{ "interactive", no_argument, NULL, 'i' },
		{ "tty", no_argument, NULL, 't' },
		{ "detach", no_argument, NULL, 'd' },
		{ "name", required_argument, NULL, OPT_NAME },
		{ "env", required_argument, NULL, 'e' },
		{ "workdir", required_argument, NULL, 'w' },
		{ "user", required_argument, NULL, 'u' },
		{ "hostname", required_argument, NULL, 'h' },
		{ "memory", required_argument, NULL, 'm' },
		{ "memory-swap", required_argument, NULL, OPT_SWAP },
		{ "cpus", required_argument, NULL, OPT_CPUS },
		{ "pids-limit", required_argument, NULL, OPT_PIDS },
		{ "cgroup-parent", required_argument, NULL, OPT_CGROUP_PARENT },
		{ "entrypoint", required_argument, NULL, OPT_ENTRYPOINT },
		{ "stop-signal", required_argument, NULL, OPT_STOP_SIGNAL },
		{ "volume", required_argument, NULL, 'v' },
		{ "network", required_argument, NULL, OPT_NETWORK },
		{ "net", required_argument, NULL, OPT_NETWORK },
		{ "publish", required_argument, NULL, 'p' },
		{ "publish-all", no_argument, NULL, 'P' },
		{ "restart", required_argument, NULL, OPT_RESTART },
		{ "read-only", no_argument, NULL, OPT_READ_ONLY },
		{ "pull", required_argument, NULL, OPT_PULL },
		{ "help", no_argument, NULL, OPT_HELP },
		{},
	};
	_cleanup_(berth_engine_freep) struct berth_engine *engine = NULL;
	_cleanup_strv_free_ char **env = NULL, **entrypoint = NULL, **cmd = NULL, **volumes = NULL,
				   **publish = NULL;
	_cleanup_free_ char *id = NULL, *image_id = NULL;
	struct berth_run_opts o = { 0 };
	const char *pull = "missing";
	int c, r, code, status = 0;

	opterr = 0;
	while ((c = cli_getopt(argc, argv, "+:ite:w:u:h:m:dv:p:P", options, NULL)) >= 0) {
		switch (c) {
		case OPT_RM:
			o.rm = true;
			break;
		case 'i':
			o.interactive = true;
			break;
		case 't':
			o.tty = true;
			break;
		case 'd':
			if (create)
				return cli_usage_error(cli, err, "unknown shorthand flag: 'd' in -d");
			o.detach = true;
			break;
		case 'v':
			if (strv_extend(&volumes, optarg) < 0)
				return berth_error_set(err, ENOMEM, "%s: -v '%s'", cli->command,
						       optarg);
			break;
		case 'p':
			if (strv_extend(&publish, optarg) < 0)
				return berth_error_set(err, ENOMEM, "%s: -p '%s'", cli->command,
						       optarg);
			break;
		case 'P':
			o.publish_all = true;
			break;
		case OPT_NETWORK:
			o.network = optarg;
			break;
		case OPT_RESTART:
			o.restart = optarg;
			break;
		case OPT_PULL:
			if (!streq(optarg, "always") && !streq(optarg, "missing") &&
			    !streq(optarg, "never"))
				return cli_usage_error(cli, err,
						       "invalid pull option: '%s': must be one of "
						       "\"always\", \"missing\" or \"never\"",
						       optarg);
			pull = optarg;
			break;
		case OPT_READ_ONLY:
			o.read_only = true;
			break;
		case OPT_STOP_SIGNAL:
			if (berth_signal_parse(optarg) <= 0)
				return cli_usage_error(cli, err, "invalid stop signal '%s'", optarg);
			o.stop_signal = optarg;
			break;
		case OPT_NAME:
			o.name = optarg;
			break;
		case 'e':
			if (cli_env_add(&env, optarg) < 0)
				return berth_error_set(err, ENOMEM, "%s: -e '%s'", cli->command,
						       optarg);
			break;
		case 'w':
			if (optarg[0] != '/')
				return cli_usage_error(cli, err,
						       "the working directory '%s' is not absolute",
						       optarg);
			o.workdir = optarg;
			break;
		case 'u':
			o.user = optarg;
			break;
		case 'h':
			o.hostname = optarg;
			break;
		case 'm':
			if (parse_size(optarg, &o.memory) < 0 || o.memory <= 0)
				return cli_usage_error(cli, err, "invalid memory size '%s'", optarg);
			if (o.memory < 6 * 1024 * 1024)
				return cli_usage_error(cli, err,
						       "minimum memory limit allowed is 6MB, got '%s'",
						       optarg);
			break;
		case OPT_SWAP:
			if (streq(optarg, "-1"))
				o.memory_swap = -1;
			else if (parse_size(optarg, &o.memory_swap) < 0 || o.memory_swap <= 0)
				return cli_usage_error(cli, err, "invalid memory-swap size '%s'",
						       optarg);
			break;
		case OPT_CPUS: {
			char *end;

			o.cpus = strtod(optarg, &end);
			if (*end || end == optarg || o.cpus <= 0 || o.cpus > 1024)
				return cli_usage_error(cli, err, "invalid --cpus value '%s'", optarg);
			break;
		}
		case OPT_PIDS: {
			int64_t v;

			if (parse_i64(optarg, &v) < 0)
				return cli_usage_error(cli, err, "invalid --pids-limit value '%s'",
						       optarg);
			o.pids_limit = v > 0 ? v : 0;
			break;
		}
		case OPT_CGROUP_PARENT:
			o.cgroup_parent = optarg;
			break;
		case OPT_ENTRYPOINT:
			if (strv_extend(&entrypoint, optarg) < 0)
				return berth_error_set(err, ENOMEM, "%s: --entrypoint '%s'",
						       cli->command, optarg);
			break;
		case OPT_HELP:
			usage(stdout, create);
			return 0;
		default:
			return cli_getopt_error(cli, argv, c, err);
		}
	}
	if (optind >= argc)
		return cli_usage_error(cli, err, "\"berth %s\" requires at least 1 argument",
				       create ? "create" : "run");
	if (o.memory_swap > 0 && o.memory > 0 && o.memory_swap < o.memory)
		return cli_usage_error(cli, err,
				       "minimum memoryswap limit should be larger than memory limit");
	/* docker's check: -it in the foreground proxies our stdin to the container's pty in
	 * raw mode; from a pipe that echoes and then hangs for ever. Refused as docker does
	 * (its words, its exit code 1), before anything is made. */
	if (!create && !o.detach && o.interactive && o.tty && !isatty(STDIN_FILENO)) {
		fprintf(stderr, "berth: the input device is not a TTY\n");
		return 1;
	}
	o.image = argv[optind++];
	for (int i = optind; i < argc; i++)
		if (strv_extend(&cmd, argv[i]) < 0)
			return berth_error_set(err, ENOMEM, "%s: the command", cli->command);
	o.cmd = cmd;
	o.env = env;
	o.entrypoint = entrypoint;
	o.volumes = volumes;
	o.publish = publish;

	r = cli_open_engine(cli, &engine, err);
	if (r < 0)
		return r;
	/* docker's --pull: missing (the default) pulls an image the store lacks, always
	 * pulls it anyway, never leaves it to the engine's "unable to find image" */
	if (streq(pull, "always") ||
	    (streq(pull, "missing") &&
	     berth_image_resolve(berth_engine_store(engine), o.image, &image_id, NULL, NULL,
				 NULL) == -ENOENT)) {
		if (!streq(pull, "always"))
			fprintf(stderr, "Unable to find image '%s' locally\n", o.image);
		r = cli_pull_image(cli, o.image, err);
		if (r != 0)
			return r;
	}
	if (create) {
		r = berth_engine_create(engine, &o, &id, err);
		if (r < 0)
			return r;
		puts(id);
		return 0;
	}
	r = berth_engine_run(engine, &o, &our_stdio, &id, &status, err);
	if (r < 0 && (code = cli_exec_failure(err)) > 0)
		return code;
	if (r < 0)
		return r;
	if (o.detach) {
		puts(id);
		return 0;
	}
	return status;
}

int cmd_run(int argc, char **argv, struct berth_cli *cli, struct berth_error **err)
{
	return run_or_create(argc, argv, cli, false, err);
}

int cmd_create(int argc, char **argv, struct berth_cli *cli, struct berth_error **err)
{
	return run_or_create(argc, argv, cli, true, err);
}
