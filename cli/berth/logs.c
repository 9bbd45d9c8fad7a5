/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "berth/engine.h"
#include "berth/cleanup.h"
#include "cli.h"
#include "berth/util.h"

/* The container's stdout to ours, its stderr to ours. A failed write is not an error
 * (a closed pipe ends us with SIGPIPE anyway). */
static int write_std(int stream, const void *buf, size_t n, void *userdata)
{
	(void)userdata;
	(void)loop_write(stream == BERTH_LOGS_STDERR ? STDERR_FILENO : STDOUT_FILENO, buf, n);
	return 0;
}

int cmd_logs(int argc, char **argv, struct berth_cli *cli, struct berth_error **err)
{
	enum { OPT_SINCE = 0x100, OPT_UNTIL, OPT_TAIL, OPT_HELP, OPT_DETAILS };
	static const struct option options[] = {
		{ "follow", no_argument, NULL, 'f' },
		{ "timestamps", no_argument, NULL, 't' },
		{ "tail", required_argument, NULL, 'n' },
		{ "since", required_argument, NULL, OPT_SINCE },
		{ "until", required_argument, NULL, OPT_UNTIL },
		{ "details", no_argument, NULL, OPT_DETAILS },
		{ "help", no_argument, NULL, OPT_HELP },
		{},
	};
	_cleanup_(berth_engine_freep) struct berth_engine *engine = NULL;
	struct berth_logs_opts o = {.tail = -1, .write = write_std};
	int c, r;

	opterr = 0;
	while ((c = cli_getopt(argc, argv, ":ftn:h", options, NULL)) >= 0) {
		switch (c) {
		case 'f':
			o.follow = true;
			break;
		case 't':
			o.timestamps = true;
			break;
		case OPT_DETAILS:
			o.details = true;
			break;
		case 'n':
			if (streq(optarg, "all"))
				o.tail = -1;
			else if (parse_i64(optarg, &o.tail) < 0 || o.tail < 0)
				return cli_usage_error(cli, err, "invalid --tail value '%s'", optarg);
			break;
		case OPT_SINCE:
		case OPT_UNTIL:
			if (parse_time_spec(optarg, c == OPT_SINCE ? &o.since_ns : &o.until_ns) < 0)
				return cli_usage_error(cli, err, "invalid time '%s' for --%s", optarg,
						       c == OPT_SINCE ? "since" : "until");
			break;
		case OPT_HELP:
		case 'h':
			printf("Usage:  berth logs [OPTIONS] CONTAINER\n\n"
			       "Fetch the output of a container\n\nOptions:\n"
			       "      --details       Show extra details provided to logs (berth's\n"
			       "                      have none: a space before each line, as docker's)\n"
			       "  -f, --follow        Follow the output until the container stops\n"
			       "      --since TIME    Only output since TIME (\"10m\", unix seconds, or\n"
			       "                      \"2026-12-05T10:10:26Z\")\n"
			       "  -n, --tail N        Only the last N lines (default all)\n"
			       "  -t, --timestamps    Show the time of each line\n"
			       "      --until TIME    Only output before TIME\n");
			return 0;
		default:
			return cli_getopt_error(cli, argv, c, err);
		}
	}
	if (argc - optind != 1)
		return cli_usage_error(cli, err, "\"berth logs\" requires exactly 1 argument");
	r = cli_open_engine(cli, &engine, err);
	if (r < 0)
		return r;
	r = berth_engine_logs(engine, argv[optind], &o, err);
	return r < 0 ? r : 0;
}
