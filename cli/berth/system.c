/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* `berth system ...`: df, prune, info (and the verbs docker groups there). */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "berth/engine.h"
#include "berth/cleanup.h"
#include "cli.h"
#include "berth/util.h"

static void tablep(struct table **t)
{
	table_free(*t);
}

/* docker's RECLAIMABLE: "1.2MB (50%)", or the size alone when there is nothing */
static void reclaimable(int64_t r, int64_t total, char *buf, size_t n)
{
	char sz[32];

	format_size(r, sz, sizeof(sz));
	if (total > 0)
		snprintf(buf, n, "%s (%" PRId64 "%%)", sz, r * 100 / total);
	else
		snprintf(buf, n, "%s", sz);
}

static int summary(const struct berth_df *d)
{
	static const char *const headers[] = {"TYPE", "TOTAL", "ACTIVE", "SIZE", "RECLAIMABLE"};
	_cleanup_(tablep) struct table *t = table_new(ELEMENTSOF(headers), headers);
	struct {
		const char *type;
		size_t total, active;
		int64_t size, reclaimable;
	} rows[] = {
	    {"Images", d->n_images, d->images_active, d->images_size, d->images_reclaimable},
	    {"Containers", d->n_containers, d->containers_active, d->containers_size,
	     d->containers_reclaimable},
	    {"Local Volumes", d->n_volumes, d->volumes_active, d->volumes_size,
	     d->volumes_reclaimable},
	    {"Build Cache", 0, 0, 0, 0},
	};

	if (!t)
		return -ENOMEM;
	for (size_t i = 0; i < ELEMENTSOF(rows); i++) {
		char total[24], active[24], size[32], recl[48];
		const char *cells[] = {rows[i].type, total, active, size, recl};

		snprintf(total, sizeof(total), "%zu", rows[i].total);
		snprintf(active, sizeof(active), "%zu", rows[i].active);
		format_size(rows[i].size, size, sizeof(size));
		reclaimable(rows[i].reclaimable, rows[i].size, recl, sizeof(recl));
		if (table_add_row(t, cells) < 0)
			return -ENOMEM;
	}
	return table_print(t, stdout);
}

/* -v: each image, container and volume */
static int verbose(const struct berth_df *d)
{
	static const char *const ih[] = {"REPOSITORY", "TAG",	      "IMAGE ID",    "CREATED",
					 "SIZE",       "SHARED SIZE", "UNIQUE SIZE", "CONTAINERS"};
	static const char *const ch[] = {"CONTAINER ID", "IMAGE",   "COMMAND", "LOCAL VOLUMES",
					 "SIZE",	 "CREATED", "STATUS",  "NAMES"};
	static const char *const vh[] = {"VOLUME NAME", "LINKS", "SIZE"};
	static const char *const bh[] = {"CACHE ID",  "CACHE TYPE", "SIZE",  "CREATED",
					 "LAST USED", "USAGE",	    "SHARED"};
	_cleanup_(tablep) struct table *ti = table_new(ELEMENTSOF(ih), ih);
	_cleanup_(tablep) struct table *tc = table_new(ELEMENTSOF(ch), ch);
	_cleanup_(tablep) struct table *tv = table_new(ELEMENTSOF(vh), vh);
	_cleanup_(tablep) struct table *tb = table_new(ELEMENTSOF(bh), bh);
	int64_t now = time(NULL);

	if (!ti || !tc || !tv || !tb)
		return -ENOMEM;
	for (size_t i = 0; i < d->n_images; i++) {
		const struct berth_df_image *im = &d->images[i];
		_cleanup_free_ char *repo = im->ref ? strdup(im->ref) : strdup("<none>");
		char *colon = repo ? strrchr(repo, ':') : NULL;
		char id[13], created[64], size[32], shared[32], unique[32], ctrs[24];
		const char *cells[] = {
		    repo, colon ? colon + 1 : "<none>", id, created, size, shared, unique, ctrs};

		if (!repo)
			return -ENOMEM;
		/* a ':' after the last '/' separates the tag */
		if (colon && strchr(colon, '/'))
			colon = NULL;
		if (colon) {
			*colon = 0;
			cells[1] = colon + 1;
		} else {
			cells[1] = "<none>";
		}
		snprintf(id, sizeof(id), "%s", startswith(im->id, "sha256:") ?: im->id);
		format_since(im->created, now, created, sizeof(created));
		format_size(im->size, size, sizeof(size));
		format_size(im->shared_size, shared, sizeof(shared));
		format_size(im->size - im->shared_size, unique, sizeof(unique));
		snprintf(ctrs, sizeof(ctrs), "%zu", im->containers);
		if (table_add_row(ti, cells) < 0)
			return -ENOMEM;
	}
	for (size_t i = 0; i < d->n_containers; i++) {
		const struct berth_ctr_info *c = d->containers[i].info;
		char id[13], cmd[64], vols[24], size[32], created[64], status[96];
		const char *cells[] = {id, c->image, cmd, vols, size, created, status, c->name};

		snprintf(id, sizeof(id), "%s", c->id);
		if (strlen(c->command) < 20)
			snprintf(cmd, sizeof(cmd), "\"%s\"", c->command);
		else
			snprintf(cmd, sizeof(cmd), "\"%.19s…\"", c->command);
		snprintf(vols, sizeof(vols), "%zu", strv_length(c->volumes));
		format_size(d->containers[i].size, size, sizeof(size));
		format_since(c->created, now, created, sizeof(created));
		format_ctr_status(c, now, status, sizeof(status));
		if (table_add_row(tc, cells) < 0)
			return -ENOMEM;
	}
	for (size_t i = 0; i < d->n_volumes; i++) {
		char links[24], size[32];
		const char *cells[] = {d->volumes[i].name, links, size};

		snprintf(links, sizeof(links), "%zu", d->volumes[i].links);
		format_size(d->volumes[i].size, size, sizeof(size));
		if (table_add_row(tv, cells) < 0)
			return -ENOMEM;
	}
	printf("Images space usage:\n\n");
	table_print(ti, stdout);
	printf("\nContainers space usage:\n\n");
	table_print(tc, stdout);
	printf("\nLocal Volumes space usage:\n\n");
	table_print(tv, stdout);
	printf("\nBuild cache usage: 0B\n\n");
	table_print(tb, stdout);
	return 0;
}

static int cmd_system_df(int argc, char **argv, struct berth_cli *cli, struct berth_error **err)
{
	static const struct option lo[] = {
	    {"verbose", no_argument, NULL, 'v'}, {"help", no_argument, NULL, 'h'}, {}};
	_cleanup_(berth_engine_freep) struct berth_engine *engine = NULL;
	struct berth_df d = {0};
	bool v = false;
	int c, r;

	opterr = 0;
	while ((c = cli_getopt(argc, argv, ":vh", lo, NULL)) >= 0) {
		switch (c) {
		case 'v':
			v = true;
			break;
		case 'h':
			printf("Usage:  berth system df [OPTIONS]\n\n"
			       "Show docker disk usage\n\nOptions:\n"
			       "  -v, --verbose   Show detailed information on space usage\n");
			return 0;
		default:
			return cli_getopt_error(cli, argv, c, err);
		}
	}
	if (optind < argc)
		return cli_usage_error(cli, err, "\"berth system df\" accepts no arguments");
	r = cli_open_engine(cli, &engine, err);
	if (r < 0)
		return r;
	r = berth_engine_df(engine, &d, err);
	if (r < 0)
		return r;
	r = v ? verbose(&d) : summary(&d);
	berth_df_clear(&d);
	if (r < 0)
		return berth_error_set(err, -r, "system df");
	return 0;
}

static void print_list(const char *title, char *const *l)
{
	if (!l || !l[0])
		return;
	printf("%s:\n", title);
	for (char *const *i = l; *i; i++)
		printf("%s\n", *i);
	printf("\n");
}

static int cmd_system_prune(int argc, char **argv, struct berth_cli *cli, struct berth_error **err)
{
	enum { OPT_VOLUMES = 0x100, OPT_FILTER };
	static const struct option lo[] = {{"all", no_argument, NULL, 'a'},
					   {"force", no_argument, NULL, 'f'},
					   {"volumes", no_argument, NULL, OPT_VOLUMES},
					   {"filter", required_argument, NULL, OPT_FILTER},
					   {"help", no_argument, NULL, 'h'},
					   {}};
	_cleanup_(berth_engine_freep) struct berth_engine *engine = NULL;
	_cleanup_strv_free_ char **filters = NULL;
	struct berth_system_prune_report rep = {0};
	bool all = false, force = false, volumes = false;
	char warning[512], size[32];
	int c, r;

	opterr = 0;
	while ((c = cli_getopt(argc, argv, ":afh", lo, NULL)) >= 0) {
		switch (c) {
		case 'a':
			all = true;
			break;
		case 'f':
			force = true;
			break;
		case OPT_VOLUMES:
			volumes = true;
			break;
		case OPT_FILTER:
			r = cli_filter_add(cli, &filters, optarg, err);
			if (r < 0)
				return r;
			break;
		case 'h':
			printf("Usage:  berth system prune [OPTIONS]\n\n"
			       "Remove unused data\n\nOptions:\n"
			       "  -a, --all       Remove all unused images not just dangling ones\n"
			       "      --filter F  Provide filter values (e.g. "
			       "\"label=<key>=<value>\", "
			       "\"until=24h\")\n"
			       "  -f, --force     Do not prompt for confirmation\n"
			       "      --volumes   Prune anonymous volumes\n");
			return 0;
		default:
			return cli_getopt_error(cli, argv, c, err);
		}
	}
	if (optind < argc)
		return cli_usage_error(cli, err, "\"berth system prune\" accepts no arguments");
	snprintf(warning, sizeof(warning),
		 "This will remove:\n"
		 "  - all stopped containers\n"
		 "  - all networks not used by at least one container\n"
		 "%s"
		 "  - %s\n"
		 "  - unused build cache\n",
		 volumes ? "  - all anonymous volumes not used by at least one container\n" : "",
		 all ? "all images without at least one container associated to them"
		     : "all dangling images");
	if (!force && !cli_confirm(warning))
		return 0;
	r = cli_open_engine(cli, &engine, err);
	if (r < 0)
		return r;
	r = berth_engine_system_prune(engine, all, volumes, filters, &rep, err);
	if (r < 0)
		return r;
	print_list("Deleted Containers", rep.containers);
	print_list("Deleted Networks", rep.networks);
	print_list("Deleted Volumes", rep.volumes);
	if (rep.images && rep.images[0]) {
		printf("Deleted Images:\n");
		for (char **i = rep.images; *i; i++)
			printf("deleted: %s\n", *i);
		printf("\n");
	}
	format_size((int64_t)rep.reclaimed, size, sizeof(size));
	printf("Total reclaimed space: %s\n", size);
	berth_system_prune_report_clear(&rep);
	return 0;
}

int cmd_system(int argc, char **argv, struct berth_cli *cli, struct berth_error **err)
{
	/* one row per verb of `berth system` */
	static const struct berth_command sub[] = {
	    {"df", cmd_system_df, "Show docker disk usage"},
	    {"events", cmd_events, "Get real time events from the server"},
	    {"info", cmd_info, "Display system-wide information"},
	    {"prune", cmd_system_prune, "Remove unused data"},
	};

	return cli_group(argc, argv, cli, "system", "Manage berth", sub, ELEMENTSOF(sub), err);
}
