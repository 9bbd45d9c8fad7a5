/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * `berth info` and `berth version`, in docker's layout.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "berth/cleanup.h"
#include "berth/engine.h"
#include "berth/util.h"
#include "cli.h"
#include "serve.h"

/* docker's -f/--format help, info's and version's */
#define FORMAT_HELP                                                                       \
	"Options:\n"                                                                      \
	"  -f, --format string   Format output using a custom template:\n"                \
	"                        'json':             Print in JSON format\n"              \
	"                        'TEMPLATE':         Print output using the given Go "     \
	"template\n"

/* the flags (-f/--format, help), then the engine's info: 1 when help was printed */
static int read_info(int argc, char **argv, struct berth_cli *cli, const char *usage,
		     const char **ret_format, struct berth_info *ret, struct berth_error **err)
{
	static const struct option options[] = {
		{ "format", required_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	_cleanup_(berth_engine_freep) struct berth_engine *engine = NULL;
	int c, r;

	*ret_format = NULL;
	opterr = 0;
	while ((c = cli_getopt(argc, argv, ":f:h", options, NULL)) >= 0) {
		if (c == 'f') {
			*ret_format = optarg;
			continue;
		}
		if (c == 'h') {
			fputs(usage, stdout);
			return 1;
		}
		return cli_getopt_error(cli, argv, c, err);
	}
	if (optind < argc)
		return cli_usage_error(cli, err, "\"berth %s\" accepts no arguments", cli->command);
	r = cli_open_engine(cli, &engine, err);
	if (r < 0)
		return r;
	return berth_engine_info(engine, ret, err);
}

/* --format: data through docker's template ("json": the object), as docker's CLI does
 * with what the Engine API's /info or /version answer */
static int print_format(const char *format, json_t *data, struct berth_error **err)
{
	struct cli_format f = { 0 };
	bool used;
	int r;

	if (!data)
		return berth_error_set(err, ENOMEM, "format");
	r = cli_format_open(format, &f, &used, err);
	if (r >= 0 && used)
		r = cli_format_row(&f, data, err);
	if (r >= 0 && used)
		r = cli_format_finish(&f, NULL, err);
	cli_format_release(&f);
	json_decref(data);
	return r < 0 ? r : 0;
}

int cmd_info(int argc, char **argv, struct berth_cli *cli, struct berth_error **err)
{
	struct berth_info i = { 0 };
	const char *format;
	char mem[32];
	int r;

	r = read_info(argc, argv, cli,
		      "Usage:  berth info [OPTIONS]\n\nDisplay system-wide information\n\n" FORMAT_HELP,
		      &format, &i, err);
	if (r != 0)
		return r < 0 ? r : 0;
	if (format && *format && !streq(format, "table")) {
		/* docker's: the server's /info and the client's own */
		json_t *j = api_info_json(&i, cli->debug);

		if (j)
			json_object_set_new(j, "ClientInfo",
					    json_pack("{s:b,s:s,s:s,s:[],s:n}", "Debug", cli->debug,
						      "Version", i.version, "Context", "default",
						      "Plugins", "Warnings"));
		berth_info_clear(&i);
		return print_format(format, j, err);
	}
	format_binary(i.mem_total, mem, sizeof(mem));
	printf("Client:\n Version:    %s\n Debug Mode: %s\n\n", i.version,
	       cli->debug ? "true" : "false");
	printf("Server:\n Containers: %zu\n  Running: %zu\n  Paused: %zu\n  Stopped: %zu\n"
	       " Images: %zu\n Server Version: %s\n Storage Driver: overlay\n"
	       " Logging Driver: k8s-file\n Cgroup Driver: %s\n Cgroup Version: %d\n"
	       " Default Runtime: berth-runtime\n%s",
	       i.containers, i.running, i.paused, i.stopped, i.images, i.version,
	       i.cgroup_driver, i.cgroup_version,
	       i.security_options && i.security_options[0] ? " Security Options:\n" : "");
	for (char **o = i.security_options; o && *o; o++) {
		/* "name=seccomp,profile=builtin" as docker prints it */
		_cleanup_free_ char *copy = strdup(*o);
		char *save = NULL;

		for (char *kv = copy ? strtok_r(copy, ",", &save) : NULL; kv;
		     kv = strtok_r(NULL, ",", &save)) {
			char *eq = strchr(kv, '=');

			if (!eq)
				continue;
			*eq = 0;
			if (streq(kv, "name"))
				printf("  %s\n", eq + 1);
			else
				printf("   %c%s: %s\n", kv[0] - 'a' + 'A', kv + 1, eq + 1);
		}
	}
	printf(" Kernel Version: %s\n Operating System: %s\n OSType: linux\n"
	       " Architecture: %s\n CPUs: %ld\n Total Memory: %s\n Name: %s\n"
	       " Berth Root Dir: %s\n Debug Mode: %s\n",
	       i.kernel, i.os, i.arch, i.cpus, mem, i.hostname, i.root,
	       cli->debug ? "true" : "false");
	berth_info_clear(&i);
	return fflush(stdout) == 0 ? 0 : berth_error_set(err, errno, "info: write");
}

int cmd_version(int argc, char **argv, struct berth_cli *cli, struct berth_error **err)
{
	struct berth_info i = { 0 };
	const char *format;
	int r;

	r = read_info(argc, argv, cli,
		      "Usage:  berth version [OPTIONS]\n\nShow the berth version information\n\n"
		      FORMAT_HELP,
		      &format, &i, err);
	if (r != 0)
		return r < 0 ? r : 0;
	if (format && *format && !streq(format, "table")) {
		/* docker's: {Client, Server}, the server's as /version answers */
		json_t *j = json_pack("{s:{s:{s:s},s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s},s:o}", "Client",
				      "Platform", "Name", "berth", "Version", i.version, "ApiVersion",
				      API_VERSION_MAX, "DefaultAPIVersion", API_VERSION_MAX,
				      "GitCommit", "", "GoVersion", "none (C)", "Os", "linux", "Arch",
				      api_go_arch(i.arch), "BuildTime", "", "Server",
				      api_version_json(&i));

		berth_info_clear(&i);
		return print_format(format, j, err);
	}
	printf("Client:\n Version:           %s\n OS/Arch:           linux/%s\n\n"
	       "Server:\n Engine:\n  Version:          %s\n  OS/Arch:          linux/%s\n"
	       "  Kernel Version:   %s\n  Cgroup Driver:    %s\n berth-runtime:\n"
	       "  Version:          %s\n",
	       i.version, api_go_arch(i.arch), i.version, api_go_arch(i.arch), i.kernel,
	       i.cgroup_driver, i.version);
	berth_info_clear(&i);
	return fflush(stdout) == 0 ? 0 : berth_error_set(err, errno, "version: write");
}
