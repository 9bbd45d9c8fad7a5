/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * berth volume create|ls|inspect|rm|prune
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "berth/engine.h"
#include "berth/cleanup.h"
#include "cli.h"
#include "berth/util.h"

/* the only flags of a subcommand: -h, and those in `flags` (each a letter) */
static int flags(int argc, char **argv, struct berth_cli *cli, const char *usage, const char *opts,
		 const struct option *longopts, bool *set, struct berth_error **err)
{
	int c;

	opterr = 0;
	while ((c = cli_getopt(argc, argv, opts, longopts, NULL)) >= 0) {
		const char *at = strchr(opts + 1, c);

		if (c == 'h') {
			fputs(usage, stdout);
			return 1;
		}
		if (!at || c == ':')
			return cli_getopt_error(cli, argv, c, err);
		set[at - (opts + 1)] = true;
	}
	return 0;
}

static int cmd_volume_create(int argc, char **argv, struct berth_cli *cli, struct berth_error **err)
{
	static const struct option lo[] = {
		{ "label", required_argument, NULL, 'l' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	_cleanup_(berth_engine_freep) struct berth_engine *engine = NULL;
	_cleanup_strv_free_ char **labels = NULL;
	_cleanup_free_ char *name = NULL;
	int c, r;

	opterr = 0;
	while ((c = cli_getopt(argc, argv, ":hl:", lo, NULL)) >= 0) {
		if (c == 'h') {
			fputs("Usage:  berth volume create [OPTIONS] [NAME]\n\nCreate a volume\n\n"
			      "Options:\n  -l, --label list   Set metadata for a volume\n",
			      stdout);
			return 0;
		}
		if (c != 'l')
			return cli_getopt_error(cli, argv, c, err);
		if (strv_extend(&labels, optarg) < 0)
			return berth_error_set(err, ENOMEM, "volume create");
	}
	if (argc - optind > 1)
		return cli_usage_error(cli, err, "\"volume create\" takes at most 1 argument");
	r = cli_open_engine(cli, &engine, err);
	if (r < 0)
		return r;
	r = berth_volume_create(engine, optind < argc ? argv[optind] : NULL, labels, &name, err);
	if (r < 0)
		return r;
	puts(name);
	return 0;
}

/* docker's placeholders of a volume (formatter.volumeContext), keys sorted as its JSON
 * has them */
static json_t *volume_row(struct berth_engine *engine, const char *name)
{
	_cleanup_free_ char *json = NULL;
	json_t *v = NULL, *row;

	if (berth_volume_inspect(engine, name, &json, NULL) == 0)
		v = json_loads(json, 0, NULL);
	row = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "Availability", "N/A",
			"Driver", "local", "Group", "N/A", "Labels", "", "Links", "N/A",
			"Mountpoint", json_string_value(json_object_get(v, "Mountpoint")) ?: "",
			"Name", name, "Scope", "local", "Size", "N/A", "Status", "N/A");
	json_decref(v);
	return row;
}

static int cmd_volume_ls(int argc, char **argv, struct berth_cli *cli, struct berth_error **err)
{
	enum { OPT_FORMAT = 0x100 };
	static const struct option lo[] = {{"quiet", no_argument, NULL, 'q'},
					   {"filter", required_argument, NULL, 'f'},
					   {"format", required_argument, NULL, OPT_FORMAT},
					   {"help", no_argument, NULL, 'h'},
					   {}};
	static const char *const headers[] = { "DRIVER", "VOLUME NAME" };
	_cleanup_(berth_engine_freep) struct berth_engine *engine = NULL;
	_cleanup_(cli_format_release) struct cli_format fmt = {0};
	_cleanup_strv_free_ char **names = NULL, **filters = NULL;
	const char *format = NULL;
	struct table *t;
	bool quiet = false, formatted = false;
	int c, r;

	opterr = 0;
	while ((c = cli_getopt(argc, argv, ":qf:h", lo, NULL)) >= 0) {
		switch (c) {
		case 'q':
			quiet = true;
			break;
		case 'f':
			r = cli_filter_add(cli, &filters, optarg, err);
			if (r < 0)
				return r;
			break;
		case OPT_FORMAT:
			format = optarg;
			break;
		case 'h':
			fputs("Usage:  berth volume ls [OPTIONS]\n\nList volumes\n\nOptions:\n"
			      "  -f, --filter filter   name, dangling=true|false, driver, label\n"
			      "      --format string   'table', 'table TEMPLATE', 'json', "
			      "'TEMPLATE'\n"
			      "  -q, --quiet           Only the names\n",
			      stdout);
			return 0;
		default:
			return cli_getopt_error(cli, argv, c, err);
		}
	}
	if (!quiet) {
		r = cli_format_open(format, &fmt, &formatted, err);
		if (r < 0)
			return r;
	}
	r = cli_open_engine(cli, &engine, err);
	if (r < 0)
		return r;
	r = berth_volume_list(engine, &names, err);
	if (r < 0)
		return r;
	r = berth_volume_filter(engine, &names, filters, err);
	if (r < 0)
		return r;
	if (quiet) {
		for (char **n = names; *n; n++)
			puts(*n);
		return 0;
	}
	if (formatted) {
		json_t *h;

		for (char **n = names; *n; n++) {
			json_t *row = volume_row(engine, *n);

			r = row ? cli_format_row(&fmt, row, err)
				: berth_error_set(err, ENOMEM, "volume ls: format");
			json_decref(row);
			if (r < 0)
				return r;
		}
		h = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "Availability",
			      "AVAILABILITY", "Driver", "DRIVER", "Group", "GROUP", "Labels",
			      "LABELS", "Links", "LINKS", "Mountpoint", "MOUNTPOINT", "Name",
			      "VOLUME NAME", "Scope", "SCOPE", "Size", "SIZE", "Status", "STATUS");
		r = cli_format_finish(&fmt, h, err);
		json_decref(h);
		return r;
	}
	t = table_new(2, headers);
	for (char **n = names; t && *n; n++) {
		const char *cells[2] = { "local", *n };

		(void)table_add_row(t, cells);
	}
	if (t)
		(void)table_print(t, stdout);
	table_free(t);
	return 0;
}

static int cmd_volume_inspect(int argc, char **argv, struct berth_cli *cli, struct berth_error **err)
{
	static const struct option lo[] = { { "help", no_argument, NULL, 'h' }, {} };
	_cleanup_(berth_engine_freep) struct berth_engine *engine = NULL;
	bool set[1] = { false };
	int r;

	r = flags(argc, argv, cli,
		  "Usage:  berth volume inspect VOLUME [VOLUME...]\n\n"
		  "Display detailed information on volumes, as a JSON array\n",
		  ":h", lo, set, err);
	if (r != 0)
		return r < 0 ? r : 0;
	if (optind >= argc)
		return cli_usage_error(cli, err, "\"volume inspect\" requires at least 1 argument");
	r = cli_open_engine(cli, &engine, err);
	if (r < 0)
		return r;
	return cli_json_array(argc, argv, engine, berth_volume_inspect);
}

static int rm_one(struct berth_engine *e, const char *key, void *data, struct berth_error **err)
{
	return berth_volume_remove(e, key, *(bool *)data, err);
}

static int cmd_volume_rm(int argc, char **argv, struct berth_cli *cli, struct berth_error **err)
{
	static const struct option lo[] = { { "force", no_argument, NULL, 'f' },
					    { "help", no_argument, NULL, 'h' },
					    {} };
	_cleanup_(berth_engine_freep) struct berth_engine *engine = NULL;
	bool set[1] = { false };
	int r;

	r = flags(argc, argv, cli,
		  "Usage:  berth volume rm [-f] VOLUME [VOLUME...]\n\n"
		  "Remove volumes (not one a container uses)\n",
		  ":fh", lo, set, err);
	if (r != 0)
		return r < 0 ? r : 0;
	if (optind >= argc)
		return cli_usage_error(cli, err, "\"volume rm\" requires at least 1 argument");
	r = cli_open_engine(cli, &engine, err);
	if (r < 0)
		return r;
	return cli_for_each(argc, argv, engine, rm_one, &set[0], true);
}

static int cmd_volume_prune(int argc, char **argv, struct berth_cli *cli, struct berth_error **err)
{
	static const struct option lo[] = { { "all", no_argument, NULL, 'a' },
					    { "filter", required_argument, NULL, 'F' },
					    { "force", no_argument, NULL, 'f' },
					    { "help", no_argument, NULL, 'h' },
					    {} };
	_cleanup_(berth_engine_freep) struct berth_engine *engine = NULL;
	_cleanup_strv_free_ char **removed = NULL, **filters = NULL;
	bool all = false, force = false;
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
		case 'F':
			/* docker's all=true is -a */
			if (streq(optarg, "all=true") || streq(optarg, "all=1")) {
				all = true;
				break;
			}
			r = cli_filter_add(cli, &filters, optarg, err);
			if (r < 0)
				return r;
			break;
		case 'h':
			fputs("Usage:  berth volume prune [OPTIONS]\n\n"
			      "Remove the anonymous volumes no container uses (with -a: every unused "
			      "one)\n\n"
			      "Options:\n"
			      "  -a, --all          Remove all unused volumes, not just anonymous ones\n"
			      "      --filter F     Provide filter values (e.g. \"label=<label>\")\n"
			      "  -f, --force        Do not prompt for confirmation\n",
			      stdout);
			return 0;
		default:
			return cli_getopt_error(cli, argv, c, err);
		}
	}
	if (optind < argc)
		return cli_usage_error(cli, err, "\"volume prune\" accepts no arguments");
	if (!force && !cli_confirm(all ? "This will remove all local volumes not used by at "
					 "least one container."
				       : "This will remove anonymous local volumes not used by "
					 "at least one container."))
		return 0;
	r = cli_open_engine(cli, &engine, err);
	if (r < 0)
		return r;
	r = berth_volume_prune(engine, all, filters, &removed, err);
	if (r < 0)
		return r;
	if (removed[0]) {
		printf("Deleted Volumes:\n");
		for (char **n = removed; *n; n++)
			puts(*n);
	}
	return 0;
}

int cmd_volume(int argc, char **argv, struct berth_cli *cli, struct berth_error **err)
{
	static const struct berth_command sub[] = {
		{ "create", cmd_volume_create, "Create a volume" },
		{ "inspect", cmd_volume_inspect, "Display detailed information on volumes" },
		{ "ls", cmd_volume_ls, "List volumes" },
		{ "prune", cmd_volume_prune, "Remove unused volumes" },
		{ "rm", cmd_volume_rm, "Remove volumes" },
	};

	return cli_group(argc, argv, cli, "volume", "Manage volumes", sub, ELEMENTSOF(sub), err);
}
