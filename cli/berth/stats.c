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
	char id[13];
	char *name;
	struct berth_engine_stats a, b;
	bool ok;
};

static uint64_t host_memory(void)
{
	struct sysinfo si;

	return sysinfo(&si) == 0 ? (uint64_t)si.totalram * si.mem_unit : 0;
}

static void print_table(struct sample *s, size_t n)
{
	static const char *const headers[] = { "CONTAINER ID", "NAME",  "CPU %", "MEM USAGE / LIMIT",
					       "MEM %",        "NET I/O", "PIDS" };
	struct table *t = table_new(ELEMENTSOF(headers), headers);
	uint64_t host = host_memory();

	for (size_t i = 0; t && i < n; i++) {
		char cpu[32], mem[64], memp[32], net[64], pids[32], u[16], l[16], rx[16], tx[16];
		const char *cells[7];
		uint64_t limit = s[i].b.memory_limit, dt = s[i].b.read_ns - s[i].a.read_ns;

		if (!s[i].ok)
			continue;
		if (!limit || (host && limit > host))
			limit = host;
		snprintf(cpu, sizeof(cpu), "%.2f%%",
			 dt ? 100.0 * (double)(s[i].b.cpu_ns - s[i].a.cpu_ns) / (double)dt : 0.0);
		format_binary(s[i].b.memory_usage, u, sizeof(u));
		format_binary(limit, l, sizeof(l));
		snprintf(mem, sizeof(mem), "%s / %s", u, l);
		snprintf(memp, sizeof(memp), "%.2f%%",
			 limit ? 100.0 * (double)s[i].b.memory_usage / (double)limit : 0.0);
		format_size((int64_t)s[i].b.net_rx, rx, sizeof(rx));
		format_size((int64_t)s[i].b.net_tx, tx, sizeof(tx));
		snprintf(net, sizeof(net), "%s / %s", rx, tx);
		snprintf(pids, sizeof(pids), "%llu", (unsigned long long)s[i].b.pids);
		cells[0] = s[i].id;
		cells[1] = s[i].name;
		cells[2] = cpu;
		cells[3] = mem;
		cells[4] = memp;
		cells[5] = net;
		cells[6] = pids;
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
static int collect(struct berth_engine *engine, int argc, char **argv, struct sample **ret,
		   size_t *ret_n, struct berth_error **err)
{
	struct berth_ctr_info **l = NULL;
	struct sample *s;
	size_t n = 0, nl = 0;
	int r;

	r = berth_engine_list(engine, false, &l, &nl, err);
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
	enum { OPT_NO_STREAM = 0x100, OPT_HELP };
	static const struct option options[] = {
		{ "no-stream", no_argument, NULL, OPT_NO_STREAM },
		{ "help", no_argument, NULL, OPT_HELP },
		{},
	};
	_cleanup_(berth_engine_freep) struct berth_engine *engine = NULL;
	bool stream = true;
	int c, r;

	opterr = 0;
	while ((c = cli_getopt(argc, argv, ":h", options, NULL)) >= 0) {
		switch (c) {
		case OPT_NO_STREAM:
			stream = false;
			break;
		case OPT_HELP:
		case 'h':
			printf("Usage:  berth stats [OPTIONS] [CONTAINER...]\n\n"
			       "Display a live stream of the resource usage of running containers\n\n"
			       "Options:\n"
			       "      --no-stream   Print one table and exit\n");
			return 0;
		default:
			return cli_getopt_error(cli, argv, c, err);
		}
	}
	r = cli_open_engine(cli, &engine, err);
	if (r < 0)
		return r;
	for (bool first = true;; first = false) {
		struct sample *s = NULL;
		size_t n = 0;

		r = collect(engine, argc, argv, &s, &n, err);
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
		print_table(s, n);
		samples_free(s, n);
		if (!stream)
			return 0;
	}
}
