/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "berth/engine.h"
#include "berth/cleanup.h"
#include "cli.h"
#include "berth/util.h"

static void usage(FILE *f)
{
	fprintf(f, "Usage:  berth ps [OPTIONS]\n\nList containers\n\nOptions:\n"
		   "  -a, --all        Show all containers (default shows just running)\n"
		   "  -q, --quiet      Only display container IDs\n"
		   "      --no-trunc   Don't truncate output\n"
		   "  -h, --help       Print this help\n");
}

static void tablep(struct table **t)
{
	table_free(*t);
}

int cmd_ps(int argc, char **argv, struct berth_cli *cli, struct berth_error **err)
{
	enum { OPT_NO_TRUNC = 0x100 };
	static const struct option options[] = {
		{ "all", no_argument, NULL, 'a' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "no-trunc", no_argument, NULL, OPT_NO_TRUNC },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	static const char *const headers[] = { "CONTAINER ID", "IMAGE", "COMMAND", "CREATED",
					       "STATUS", "PORTS", "NAMES" };
	_cleanup_(berth_engine_freep) struct berth_engine *engine = NULL;
	_cleanup_(tablep) struct table *t = NULL;
	struct berth_ctr_info **l = NULL;
	bool all = false, quiet = false, no_trunc = false;
	size_t n = 0;
	int64_t now = time(NULL);
	int c, r;

	opterr = 0;
	while ((c = cli_getopt(argc, argv, ":aqh", options, NULL)) >= 0) {
		switch (c) {
		case 'a':
			all = true;
			break;
		case 'q':
			quiet = true;
			break;
		case OPT_NO_TRUNC:
			no_trunc = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			return cli_getopt_error(cli, argv, c, err);
		}
	}
	if (optind != argc)
		return cli_usage_error(cli, err, "\"berth ps\" accepts no arguments");
	r = cli_open_engine(cli, &engine, err);
	if (r < 0)
		return r;
	r = berth_engine_list(engine, all, &l, &n, err);
	if (r < 0)
		return r;
	t = table_new(ELEMENTSOF(headers), headers);
	if (!t) {
		berth_ctr_info_list_free(l, n);
		return berth_error_set(err, ENOMEM, "ps: the table");
	}
	for (size_t i = 0; i < n; i++) {
		char id[13], created[64], since[64], status[96], cmd[64];
		const char *cells[7];

		snprintf(id, sizeof(id), "%s", l[i]->id);
		if (quiet) {
			puts(no_trunc ? l[i]->id : id);
			continue;
		}
		format_since(l[i]->created, now, created, sizeof(created));
		if (l[i]->restarting) {
			format_since(l[i]->finished, now, since, sizeof(since));
			snprintf(status, sizeof(status), "Restarting (%d) %s", l[i]->exit_code, since);
		} else if (l[i]->state == BERTH_CTR_RUNNING) {
			format_since(l[i]->started ? l[i]->started : l[i]->created, now, since,
				     sizeof(since));
			/* "Up 3 seconds": docker drops the " ago" */
			char *ago = strstr(since, " ago");
			if (ago)
				*ago = 0;
			snprintf(status, sizeof(status), "Up %s%s", since,
				 l[i]->paused ? " (Paused)" : "");
		} else if (l[i]->state == BERTH_CTR_CREATED) {
			snprintf(status, sizeof(status), "Created");
		} else {
			format_since(l[i]->finished ? l[i]->finished : l[i]->created, now, since,
				     sizeof(since));
			snprintf(status, sizeof(status), "Exited (%d) %s", l[i]->exit_code, since);
		}
		if (no_trunc || strlen(l[i]->command) < 20)
			snprintf(cmd, sizeof(cmd), "\"%s\"", l[i]->command);
		else
			snprintf(cmd, sizeof(cmd), "\"%.19s…\"", l[i]->command);
		cells[0] = no_trunc ? l[i]->id : id;
		cells[1] = l[i]->image;
		cells[2] = cmd;
		cells[3] = created;
		cells[4] = status;
		cells[5] = l[i]->ports ? l[i]->ports : "";
		cells[6] = l[i]->name;
		if (table_add_row(t, cells) < 0) {
			berth_ctr_info_list_free(l, n);
			return berth_error_set(err, ENOMEM, "ps: the table");
		}
	}
	berth_ctr_info_list_free(l, n);
	if (!quiet)
		table_print(t, stdout);
	return 0;
}
