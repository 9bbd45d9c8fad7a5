/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * berth stats: docker's table of CPU, memory, network and pids, from two readings of
 * each container (CPU % is the CPU time used between them over the time between them).
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysinfo.h>
#include <time.h>
#include <unistd.h>

#include "berth/engine.h"
#include "berth/cleanup.h"
#include "cli.h"
#include "berth/util.h"

struct sample {
	char *key;               /* as given, or the container's name */
	char id[65];
	char *name;
	struct berth_engine_stats a, b;
	bool ok;
};

static uint64_t host_memory(void)
{
	struct sysinfo si;

	return sysinfo(&si) == 0 ? (uint64_t)si.totalram * si.mem_unit : 0;
}

/* docker's stats placeholders (formatter.stats) and their titles */
static const char *const fields[][2] = {
	{ "Container", "CONTAINER" }, { "ID", "CONTAINER ID" }, { "Name", "NAME" },
	{ "CPUPerc", "CPU %" },	      { "MemUsage", "MEM USAGE / LIMIT" },
	{ "MemPerc", "MEM %" },	      { "NetIO", "NET I/O" },	   { "BlockIO", "BLOCK I/O" },
	{ "PIDs", "PIDS" },
};

/* one container's values, in the order of fields; a stopped one (-a) shows docker's "--" */
static void values_of(const struct sample *s, bool no_trunc, char v[][80])
{
	uint64_t host = host_memory(), limit = s->b.memory_limit,
		 dt = s->b.read_ns - s->a.read_ns;
	char u[16], l[16], rx[16], tx[16], br[16], bw[16];

	snprintf(v[0], 80, "%s", s->key);
	snprintf(v[1], 80, "%.*s", no_trunc ? 64 : 12, s->id);
	snprintf(v[2], 80, "%s", s->name);
	if (!s->ok) {
		snprintf(v[3], 80, "0.00%%");
		snprintf(v[4], 80, "0B / 0B");
		snprintf(v[5], 80, "0.00%%");
		snprintf(v[6], 80, "0B / 0B");
		snprintf(v[7], 80, "--");
		snprintf(v[8], 80, "0");
		return;
	}
	if (!limit || (host && limit > host))
		limit = host;
	snprintf(v[3], 80, "%.2f%%",
		 dt ? 100.0 * (double)(s->b.cpu_ns - s->a.cpu_ns) / (double)dt : 0.0);
	format_binary(s->b.memory_usage, u, sizeof(u));
	format_binary(limit, l, sizeof(l));
	snprintf(v[4], 80, "%s / %s", u, l);
	snprintf(v[5], 80, "%.2f%%", limit ? 100.0 * (double)s->b.memory_usage / (double)limit : 0.0);
	format_size((int64_t)s->b.net_rx, rx, sizeof(rx));
	format_size((int64_t)s->b.net_tx, tx, sizeof(tx));
	snprintf(v[6], 80, "%s / %s", rx, tx);
	format_size((int64_t)s->b.io_read, br, sizeof(br));
	format_size((int64_t)s->b.io_write, bw, sizeof(bw));
	snprintf(v[7], 80, "%s / %s", br, bw);
	snprintf(v[8], 80, "%llu", (unsigned long long)s->b.pids);
}

static int print_formatted(const char *format, struct sample *s, size_t n, bool all,
			   bool no_trunc, struct berth_error **err)
{
	_cleanup_(cli_format_release) struct cli_format fmt = { 0 };
	json_t *h;
	bool used;
	int r = cli_format_open(format, &fmt, &used, err);

	if (r < 0)
		return r;
	for (size_t i = 0; i < n; i++) {
		char v[ELEMENTSOF(fields)][80];
		json_t *row = json_object();

		if (!s[i].ok && !all)
			continue;
		values_of(&s[i], no_trunc, v);
		for (size_t k = 0; row && k < ELEMENTSOF(fields); k++)
			json_object_set_new(row, fields[k][0], json_string(v[k]));
		r = row ? cli_format_row(&fmt, row, err) : berth_error_set(err, ENOMEM, "stats");
		json_decref(row);
		if (r < 0)
			return r;
	}
	h = json_object();
	for (size_t k = 0; h && k < ELEMENTSOF(fields); k++)
		json_object_set_new(h, fields[k][0], json_string(fields[k][1]));
	r = cli_format_finish(&fmt, h, err);
	json_decref(h);
	return r;
}

static void print_table(struct sample *s, size_t n, bool all, bool no_trunc)
{
	static const char *const headers[] = { "CONTAINER ID", "NAME",  "CPU %", "MEM USAGE / LIMIT",
					       "MEM %",        "NET I/O", "PIDS" };
	struct table *t = table_new(ELEMENTSOF(headers), headers);

	for (size_t i = 0; t && i < n; i++) {
		char v[ELEMENTSOF(fields)][80];
		const char *cells[7];

		if (!s[i].ok && !all)
			continue;
		values_of(&s[i], no_trunc, v);
		cells[0] = v[1];
		cells[1] = v[2];
		cells[2] = v[3];
		cells[3] = v[4];
		cells[4] = v[5];
		cells[5] = v[6];
		cells[6] = v[8];
		(void)table_add_row(t, cells);
	}
	if (t)
		(void)table_print(t, stdout);
	table_free(t);
	fflush(stdout);
}

static void samples_free(struct sample *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(s[i].key);
		free(s[i].name);
	}
	free(s);
}

/* The containers to show: the ones named, or every running one. */
static int collect(struct berth_engine *engine, int argc, char **argv, bool all,
		   struct sample **ret, size_t *ret_n, struct berth_error **err)
{
	struct berth_ctr_info **l = NULL;
	struct sample *s;
	size_t n = 0, nl = 0;
	int r;

	r = berth_engine_list(engine, all, &l, &nl, err);
	if (r < 0)
		return r;
	n = optind < argc ? (size_t)(argc - optind) : nl;
	s = calloc(n + 1, sizeof(*s));
	if (!s) {
		berth_ctr_info_list_free(l, nl);
		return berth_error_set(err, ENOMEM, "stats");
	}
	for (size_t i = 0; i < n; i++) {
		s[i].key = strdup(optind < argc ? argv[optind + (int)i] : l[i]->id);
		s[i].name = strdup(s[i].key);
	}
	berth_ctr_info_list_free(l, nl);
	*ret = s;
	*ret_n = n;
	return 0;
}

/* A reading of each; names and ids from the records. Containers named on the command
 * line that do not run are an error, as docker's are. */
static int read_all(struct berth_engine *engine, struct sample *s, size_t n, bool first,
		    bool named, struct berth_error **err)
{
	for (size_t i = 0; i < n; i++) {
		struct berth_error *e = NULL;
		struct berth_engine_stats *st = first ? &s[i].a : &s[i].b;
		int r = berth_engine_stats(engine, s[i].key, st, &e);

		if (r < 0) {
			s[i].ok = false;
			if (named) {
				berth_error_free(*err);
				*err = e;
				return r;
			}
			berth_error_free(e);
			continue;
		}
		s[i].ok = true;
	}
	return 0;
}

static void fill_names(struct berth_engine *engine, struct sample *s, size_t n)
{
	struct berth_ctr_info **l = NULL;
	size_t nl = 0;

	if (berth_engine_list(engine, true, &l, &nl, NULL) < 0)
		return;
	for (size_t i = 0; i < n; i++)
		for (size_t k = 0; k < nl; k++)
			if (streq(s[i].key, l[k]->name) || startswith(l[k]->id, s[i].key)) {
				snprintf(s[i].id, sizeof(s[i].id), "%s", l[k]->id);
				free(s[i].name);
				s[i].name = strdup(l[k]->name);
				break;
			}
	berth_ctr_info_list_free(l, nl);
}

int cmd_stats(int argc, char **argv, struct berth_cli *cli, struct berth_error **err)
{
	enum { OPT_NO_STREAM = 0x100, OPT_HELP, OPT_FORMAT, OPT_NO_TRUNC };
	static const struct option options[] = {
		{ "all", no_argument, NULL, 'a' },
		{ "format", required_argument, NULL, OPT_FORMAT },
		{ "no-stream", no_argument, NULL, OPT_NO_STREAM },
		{ "no-trunc", no_argument, NULL, OPT_NO_TRUNC },
		{ "help", no_argument, NULL, OPT_HELP },
		{},
	};
	_cleanup_(berth_engine_freep) struct berth_engine *engine = NULL;
	_cleanup_(cli_format_release) struct cli_format probe = { 0 };
	bool stream = true, all = false, no_trunc = false, formatted = false;
	const char *format = NULL;
	int c, r;

	opterr = 0;
	while ((c = cli_getopt(argc, argv, ":ah", options, NULL)) >= 0) {
		switch (c) {
		case 'a':
			all = true;
			break;
		case OPT_FORMAT:
			format = optarg;
			break;
		case OPT_NO_TRUNC:
			no_trunc = true;
			break;
		case OPT_NO_STREAM:
			stream = false;
			break;
		case OPT_HELP:
		case 'h':
			printf("Usage:  berth stats [OPTIONS] [CONTAINER...]\n\n"
			       "Display a live stream of the resource usage of running containers\n\n"
			       "Options:\n"
			       "  -a, --all             Show all containers (default shows just running)\n"
			       "      --format string   Format output using a custom template:\n"
			       "                        'table', 'table TEMPLATE', 'json' or 'TEMPLATE'\n"
			       "                        (.Container .ID .Name .CPUPerc .MemUsage .MemPerc\n"
			       "                        .NetIO .BlockIO .PIDs)\n"
			       "      --no-stream       Print one table and exit\n"
			       "      --no-trunc        Do not truncate output\n");
			return 0;
		default:
			return cli_getopt_error(cli, argv, c, err);
		}
	}
	/* a template Go would not parse is refused before anything is read */
	r = cli_format_open(format, &probe, &formatted, err);
	if (r < 0)
		return r;
	r = cli_open_engine(cli, &engine, err);
	if (r < 0)
		return r;
	for (bool first = true;; first = false) {
		struct sample *s = NULL;
		size_t n = 0;

		r = collect(engine, argc, argv, all, &s, &n, err);
		if (r < 0)
			return r;
		fill_names(engine, s, n);
		r = read_all(engine, s, n, true, optind < argc, err);
		if (r >= 0) {
			struct timespec d = { .tv_sec = first ? 0 : 1, .tv_nsec = first ? 500000000 : 0 };

			nanosleep(&d, NULL);
			r = read_all(engine, s, n, false, optind < argc, err);
		}
		if (r < 0) {
			samples_free(s, n);
			return r;
		}
		if (stream)
			fputs("\033[2J\033[H", stdout);
		if (formatted)
			r = print_formatted(format, s, n, all, no_trunc, err);
		else
			print_table(s, n, all, no_trunc);
		samples_free(s, n);
		if (r < 0)
			return r;
		if (!stream)
			return 0;
	}
}
