/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "berth/runtime.h"
#include "cli.h"
#include "berth/util.h"

/* The fields of runc's stats that berth has, in runc's shape. OOM kills are not a stats
 * field there (tools wait for the "oom" event, and some grep the stream for "oom"). */
static void print_stats(const char *id, const struct berth_stats *s)
{
	printf("{\"type\":\"stats\",\"id\":\"%s\",\"data\":{"
	       "\"cpu\":{\"usage\":{\"total\":%llu}},"
	       "\"memory\":{\"usage\":{\"usage\":%llu,\"max\":%llu,\"limit\":%llu}},"
	       "\"pids\":{\"current\":%llu,\"limit\":%llu}}}\n",
	       id, (unsigned long long)s->cpu_usage_ns, (unsigned long long)s->memory_usage,
	       (unsigned long long)s->memory_max_usage, (unsigned long long)s->memory_limit,
	       (unsigned long long)s->pids_current,
	       (unsigned long long)(s->pids_limit == UINT64_MAX ? 0 : s->pids_limit));
	fflush(stdout);
}

/* `events [--stats] [--interval D] ID`: with --stats one stats record; otherwise a
 * stats record every interval and an "oom" record as soon as the OOM killer strikes
 * (checked every 100 ms), until the container stops. */
int cmd_events(int argc, char **argv, const struct rt_cli *cli)
{
	static const struct option opts[] = {
		{ "stats", no_argument, NULL, 's' },
		{ "interval", required_argument, NULL, 'i' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	struct berth_error *err = NULL;
	struct berth_stats s;
	bool once = false;
	double interval = 5.0;
	uint64_t ooms;
	int c;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 's':
			once = true;
			break;
		case 'i': {
			char *end;

			interval = strtod(optarg, &end);
			if (end == optarg || interval <= 0 || (*end && !streq(end, "s") &&
							       !streq(end, "ms")))
				return cli_usage_error(cli, "events", "invalid interval '%s'", optarg);
			if (streq(end, "ms"))
				interval /= 1000.0;
			break;
		}
		default:
			return cli_usage_error(cli, "events", "usage: events [--stats] [--interval D] ID");
		}
	}
	if (optind != argc - 1)
		return cli_usage_error(cli, "events", "usage: events [--stats] [--interval D] ID");
	if (berth_container_stats(cli->root, argv[optind], &s, &err) < 0)
		return cli_fail(cli, "events", err);
	if (once) {
		print_stats(argv[optind], &s);
		return 0;
	}
	ooms = s.oom_kills;
	for (double waited = interval;; waited += 0.1) {
		struct timespec ts = { 0, 100 * 1000 * 1000 };

		if (berth_container_stats(cli->root, argv[optind], &s, NULL) < 0)
			return 0; /* the container is gone */
		if (s.oom_kills > ooms) {
			printf("{\"type\":\"oom\",\"id\":\"%s\"}\n", argv[optind]);
			fflush(stdout);
			ooms = s.oom_kills;
		}
		if (waited >= interval) {
			print_stats(argv[optind], &s);
			waited = 0;
		}
		nanosleep(&ts, NULL);
	}
}
