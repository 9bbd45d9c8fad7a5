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
		   "  -a, --all             Show all containers (default shows just running)\n"
		   "  -f, --filter filter   Filter output based on conditions provided\n"
		   "      --format string   Format output using a custom template:\n"
		   "                        'table':            Print output in table format with "
		   "column headers (default)\n"
		   "                        'table TEMPLATE':   Print output in table format using "
		   "the given Go template\n"
		   "                        'json':             Print in JSON format\n"
		   "                        'TEMPLATE':         Print output using the given Go "
		   "template\n"
		   "  -n, --last int        Show n last created containers (includes all "
		   "states) (default -1)\n"
		   "  -l, --latest          Show the latest created container (includes all "
		   "states)\n"
		   "  -q, --quiet           Only display container IDs\n"
		   "  -s, --size            Display total file sizes\n"
		   "      --no-trunc        Don't truncate output\n"
		   "  -h, --help            Print this help\n");
}

static void tablep(struct table **t)
{
	table_free(*t);
}

static const char *state_of(const struct berth_ctr_info *c)
{
	if (c->restarting)
		return "restarting";
	if (c->state == BERTH_CTR_RUNNING)
		return c->paused ? "paused" : "running";
	return c->state == BERTH_CTR_CREATED ? "created" : "exited";
}

/* docker's placeholders of a container (formatter.ContainerContext), keys sorted as
 * its JSON has them */
static json_t *row_of(const struct berth_ctr_info *c, const char *id, const char *cmd,
		      const char *since, const char *status, const char *size, bool no_trunc)
{
	_cleanup_free_ char *mounts = NULL, *labels = NULL;
	char created_at[64], nvol[16];
	json_t *o;

	for (char **v = c->volumes; v && *v; v++) {
		_cleanup_free_ char *name = no_trunc ? strdup(*v) : cli_ellipsis(*v, 15);
		char *m = name ? xasprintf("%s%s%s", mounts ? mounts : "", mounts ? "," : "", name)
			       : NULL;

		if (!m)
			return NULL;
		free(mounts);
		mounts = m;
	}
	format_created_at(c->created, created_at, sizeof(created_at));
	snprintf(nvol, sizeof(nvol), "%zu", strv_length(c->volumes));
	o = json_object();
	if (!o)
		return NULL;
	json_object_set_new(o, "Command", json_string(cmd));
	json_object_set_new(o, "CreatedAt", json_string(created_at));
	json_object_set_new(o, "ID", json_string(id));
	json_object_set_new(o, "Image", json_string(c->image ? c->image : ""));
	labels = strv_join(c->labels, ",");
	json_object_set_new(o, "Labels", json_string(labels ? labels : ""));
	json_object_set_new(o, "LocalVolumes", json_string(nvol));
	json_object_set_new(o, "Mounts", json_string(mounts ? mounts : ""));
	json_object_set_new(o, "Names", json_string(c->name));
	json_object_set_new(o, "Networks", json_string(c->network ? c->network : ""));
	json_object_set_new(o, "Ports", json_string(c->ports ? c->ports : ""));
	json_object_set_new(o, "RunningFor", json_string(since));
	json_object_set_new(o, "Size", json_string(size));
	json_object_set_new(o, "State", json_string(state_of(c)));
	json_object_set_new(o, "Status", json_string(status));
	return o;
}

static json_t *header(void)
{
	return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}",
			 "Command", "COMMAND", "CreatedAt", "CREATED AT", "ID", "CONTAINER ID",
			 "Image", "IMAGE", "Labels", "LABELS", "LocalVolumes", "LOCAL VOLUMES",
			 "Mounts", "MOUNTS", "Names", "NAMES", "Networks", "NETWORKS", "Ports",
			 "PORTS", "RunningFor", "CREATED", "Size", "SIZE", "State", "STATE",
			 "Status", "STATUS");
}

int cmd_ps(int argc, char **argv, struct berth_cli *cli, struct berth_error **err)
{
	enum { OPT_NO_TRUNC = 0x100, OPT_FORMAT };
	static const struct option options[] = {
	    {"all", no_argument, NULL, 'a'},
	    {"filter", required_argument, NULL, 'f'},
	    {"format", required_argument, NULL, OPT_FORMAT},
	    {"last", required_argument, NULL, 'n'},
	    {"latest", no_argument, NULL, 'l'},
	    {"quiet", no_argument, NULL, 'q'},
	    {"size", no_argument, NULL, 's'},
	    {"no-trunc", no_argument, NULL, OPT_NO_TRUNC},
	    {"help", no_argument, NULL, 'h'},
	    {},
	};
	static const char *const headers[] = {"CONTAINER ID", "IMAGE", "COMMAND", "CREATED",
					      "STATUS",	      "PORTS", "NAMES",	  "SIZE"};
	_cleanup_(berth_engine_freep) struct berth_engine *engine = NULL;
	_cleanup_(tablep) struct table *t = NULL;
	_cleanup_(cli_format_release) struct cli_format fmt = {0};
	_cleanup_strv_free_ char **filters = NULL;
	struct berth_ctr_info **l = NULL;
	const char *format = NULL;
	bool all = false, quiet = false, no_trunc = false, formatted = false, size = false;
	size_t n = 0;
	int64_t now = time(NULL), last = -1;
	int c, r;

	opterr = 0;
	while ((c = cli_getopt(argc, argv, ":af:n:lqsh", options, NULL)) >= 0) {
		switch (c) {
		case 'a':
			all = true;
			break;
		case 'f':
			r = cli_filter_add(cli, &filters, optarg, err);
			if (r < 0)
				return r;
			break;
		case OPT_FORMAT:
			format = optarg;
			break;
		case 'n':
			if (parse_i64(optarg, &last) < 0 || last < -1)
				return cli_usage_error(cli, err,
						       "invalid argument \"%s\" for \"-n, --last\" "
						       "flag: not a number",
						       optarg);
			break;
		case 'l':
			last = 1;
			break;
		case 'q':
			quiet = true;
			break;
		case 's':
			size = true;
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
	if (!quiet) {
		r = cli_format_open(format, &fmt, &formatted, err);
		if (r < 0)
			return r;
	}
	/* docker's: a template using .Size asks for the sizes as -s does; -q never does */
	size = !quiet && (size || (formatted && format && strstr(format, ".Size")));
	r = cli_open_engine(cli, &engine, err);
	if (r < 0)
		return r;
	/* -n/-l: the newest, of every state (the list comes newest first) */
	r = berth_engine_ps(engine, all || last >= 0, filters, &l, &n, err);
	if (r < 0)
		return r;
	for (; last >= 0 && n > (size_t)last; n--)
		berth_ctr_info_free(l[n - 1]);
	/* -s: docker's SIZE column, last */
	t = table_new(ELEMENTSOF(headers) - !size, headers);
	if (!t) {
		berth_ctr_info_list_free(l, n);
		return berth_error_set(err, ENOMEM, "ps: the table");
	}
	for (size_t i = 0; i < n; i++) {
		char id[13], created[64], since[64], status[96], cmd[64], sz[64] = "0B";
		const char *cells[8];

		snprintf(id, sizeof(id), "%s", l[i]->id);
		if (quiet) {
			puts(no_trunc ? l[i]->id : id);
			continue;
		}
		format_since(l[i]->created, now, created, sizeof(created));
		if (l[i]->restarting) {
			format_since(l[i]->finished, now, since, sizeof(since));
			snprintf(status, sizeof(status), "Restarting (%d) %s", l[i]->exit_code,
				 since);
		} else if (l[i]->state == BERTH_CTR_RUNNING) {
			format_since(l[i]->started ? l[i]->started : l[i]->created, now, since,
				     sizeof(since));
			/* "Up 3 seconds": docker drops the " ago" */
			char *ago = strstr(since, " ago");
			if (ago)
				*ago = 0;
			/* docker's: "(Paused)" first, else the healthcheck's status */
			snprintf(status, sizeof(status), "Up %s%s", since,
				 l[i]->paused				  ? " (Paused)"
				 : l[i]->health == BERTH_HEALTH_STARTING  ? " (health: starting)"
				 : l[i]->health == BERTH_HEALTH_HEALTHY	  ? " (healthy)"
				 : l[i]->health == BERTH_HEALTH_UNHEALTHY ? " (unhealthy)"
									  : "");
		} else if (l[i]->state == BERTH_CTR_CREATED) {
			snprintf(status, sizeof(status), "Created");
		} else {
			format_since(l[i]->finished ? l[i]->finished : l[i]->created, now, since,
				     sizeof(since));
			snprintf(status, sizeof(status), "Exited (%d) %s", l[i]->exit_code, since);
		}
		if (no_trunc) {
			snprintf(cmd, sizeof(cmd), "\"%s\"", l[i]->command);
		} else {
			_cleanup_free_ char *cut = cli_ellipsis(l[i]->command, 20);

			snprintf(cmd, sizeof(cmd), "\"%s\"", cut ? cut : "");
		}
		if (size) {
			int64_t rw, rootfs;
			char a[16], b[16];

			/* gone meanwhile: docker's zero sizes */
			if (berth_engine_ctr_size(engine, l[i]->id, &rw, &rootfs, NULL) == 0) {
				format_size(rw, a, sizeof(a));
				format_size(rootfs, b, sizeof(b));
				if (rootfs > 0)
					snprintf(sz, sizeof(sz), "%s (virtual %s)", a, b);
				else
					snprintf(sz, sizeof(sz), "%s", a);
			}
		}
		if (formatted) {
			json_t *row = row_of(l[i], no_trunc ? l[i]->id : id, cmd, created, status,
					     sz, no_trunc);

			r = row ? cli_format_row(&fmt, row, err)
				: berth_error_set(err, ENOMEM, "ps: format");
			json_decref(row);
			if (r < 0) {
				berth_ctr_info_list_free(l, n);
				return r;
			}
			continue;
		}
		cells[0] = no_trunc ? l[i]->id : id;
		cells[1] = l[i]->image;
		cells[2] = cmd;
		cells[3] = created;
		cells[4] = status;
		cells[5] = l[i]->ports ? l[i]->ports : "";
		cells[6] = l[i]->name;
		cells[7] = sz;
		if (table_add_row(t, cells) < 0) {
			berth_ctr_info_list_free(l, n);
			return berth_error_set(err, ENOMEM, "ps: the table");
		}
	}
	berth_ctr_info_list_free(l, n);
	if (formatted) {
		json_t *h = header();

		r = cli_format_finish(&fmt, h, err);
		json_decref(h);
		return r;
	}
	if (!quiet)
		table_print(t, stdout);
	return 0;
}
