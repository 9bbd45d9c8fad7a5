/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * berth network create|ls|inspect|rm
 */
#include <errno.h>
#include <getopt.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "berth/engine.h"
#include "berth/cleanup.h"
#include "cli.h"
#include "berth/util.h"

static int cmd_network_create(int argc, char **argv, struct berth_cli *cli, struct berth_error **err)
{
	enum { OPT_SUBNET = 0x100, OPT_GATEWAY, OPT_DRIVER, OPT_HELP };
	static const struct option lo[] = {
		{ "subnet", required_argument, NULL, OPT_SUBNET },
		{ "gateway", required_argument, NULL, OPT_GATEWAY },
		{ "driver", required_argument, NULL, 'd' },
		{ "help", no_argument, NULL, OPT_HELP },
		{},
	};
	_cleanup_(berth_engine_freep) struct berth_engine *engine = NULL;
	_cleanup_free_ char *id = NULL;
	const char *subnet = NULL, *gateway = NULL;
	int c, r;

	opterr = 0;
	while ((c = cli_getopt(argc, argv, ":d:", lo, NULL)) >= 0) {
		switch (c) {
		case OPT_SUBNET:
			subnet = optarg;
			break;
		case OPT_GATEWAY:
			gateway = optarg;
			break;
		case 'd':
			if (!streq(optarg, "bridge"))
				return cli_usage_error(cli, err, "driver '%s' is not supported "
								 "(only bridge)",
						       optarg);
			break;
		case OPT_HELP:
			printf("Usage:  berth network create [OPTIONS] NETWORK\n\n"
			       "Create a bridge network\n\nOptions:\n"
			       "  -d, --driver bridge     The only driver\n"
			       "      --gateway IP        The gateway (default: the subnet's first "
			       "address)\n"
			       "      --subnet CIDR       a.b.c.d/N (default: the next free /16)\n");
			return 0;
		default:
			return cli_getopt_error(cli, argv, c, err);
		}
	}
	if (argc - optind != 1)
		return cli_usage_error(cli, err, "\"network create\" requires exactly 1 argument");
	r = cli_open_engine(cli, &engine, err);
	if (r < 0)
		return r;
	r = berth_network_create(engine, argv[optind], subnet, gateway, &id, err);
	if (r < 0)
		return r;
	puts(id);
	return 0;
}

/* docker's `network ls --filter`: name and id (regular expressions, as docker's
 * filters.Match), driver (bridge), scope (local), type (custom: all but "bridge",
 * builtin: "bridge") */
static int network_match(const struct berth_network_info *n, char *const *filters, bool *ret,
			 struct berth_error **err)
{
	static const char *const keys[] = {"name", "id", "driver", "scope", "type"};

	for (char *const *f = filters; f && *f; f++) {
		size_t kl = (size_t)(strchr(*f, '=') - *f);
		bool ok = false;

		for (size_t k = 0; k < ELEMENTSOF(keys); k++)
			ok = ok || (strlen(keys[k]) == kl && !strncmp(keys[k], *f, kl));
		if (!ok)
			return berth_error_new(err, EINVAL, "invalid filter '%.*s'", (int)kl, *f);
	}
	*ret = true;
	for (size_t k = 0; k < ELEMENTSOF(keys) && *ret; k++) {
		bool present = false, any = false;

		for (char *const *f = filters; f && *f; f++) {
			const char *v = startswith(*f, keys[k]);
			regex_t re;

			if (!v || *v != '=')
				continue;
			v++;
			present = true;
			if (k <= 1) {
				if (regcomp(&re, v, REG_EXTENDED | REG_NOSUB) != 0)
					return berth_error_new(
					    err, EINVAL, "invalid filter '%s=%s'", keys[k], v);
				any =
				    any || regexec(&re, k == 0 ? n->name : n->id, 0, NULL, 0) == 0;
				regfree(&re);
			} else if (k == 2) {
				any = any || streq(v, "bridge");
			} else if (k == 3) {
				any = any || streq(v, "local");
			} else {
				if (!streq(v, "custom") && !streq(v, "builtin"))
					return berth_error_new(err, EINVAL,
							       "invalid filter 'type=%s'", v);
				any = any || streq(v, "builtin") == streq(n->name, "bridge");
			}
		}
		*ret = !present || any;
	}
	return 0;
}

static int cmd_network_ls(int argc, char **argv, struct berth_cli *cli, struct berth_error **err)
{
	enum { OPT_FORMAT = 0x100 };
	static const struct option lo[] = {{"quiet", no_argument, NULL, 'q'},
					   {"filter", required_argument, NULL, 'f'},
					   {"format", required_argument, NULL, OPT_FORMAT},
					   {"help", no_argument, NULL, 'h'},
					   {}};
	static const char *const headers[] = { "NETWORK ID", "NAME", "DRIVER", "SCOPE" };
	_cleanup_(berth_engine_freep) struct berth_engine *engine = NULL;
	_cleanup_(cli_format_release) struct cli_format fmt = {0};
	_cleanup_strv_free_ char **filters = NULL;
	struct berth_network_info **l = NULL;
	struct table *t = NULL;
	const char *format = NULL;
	bool quiet = false, formatted = false;
	size_t n = 0;
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
			printf(
			    "Usage:  berth network ls [OPTIONS]\n\nList networks\n\nOptions:\n"
			    "  -f, --filter filter   name, id, driver, scope, type=custom|builtin\n"
			    "      --format string   'table', 'table TEMPLATE', 'json', "
			    "'TEMPLATE'\n"
			    "  -q, --quiet           Only the IDs\n");
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
	{
		/* the filters' keys are checked before there is anything to match */
		char none[] = "";
		struct berth_network_info probe = {.name = none, .id = none};
		bool ok;

		r = network_match(&probe, filters, &ok, err);
		if (r < 0)
			return r;
	}
	r = cli_open_engine(cli, &engine, err);
	if (r < 0)
		return r;
	r = berth_network_list(engine, &l, &n, err);
	if (r < 0)
		return r;
	if (!quiet && !formatted)
		t = table_new(ELEMENTSOF(headers), headers);
	for (size_t i = 0; i < n && r >= 0; i++) {
		char id[13], created_at[64];
		const char *cells[4] = { id, l[i]->name, "bridge", "local" };
		bool ok = false;

		r = network_match(l[i], filters, &ok, err);
		if (r < 0 || !ok)
			continue;
		snprintf(id, sizeof(id), "%s", l[i]->id);
		if (quiet) {
			puts(id);
		} else if (formatted) {
			/* docker's formatter.networkContext, keys sorted as its JSON has them */
			json_t *row;

			format_created_at(l[i]->created, created_at, sizeof(created_at));
			row = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}",
					"CreatedAt", created_at, "Driver", "bridge", "ID", id,
					"IPv4", "true", "IPv6", "false", "Internal", "false",
					"Labels", "", "Name", l[i]->name, "Scope", "local");
			r = row ? cli_format_row(&fmt, row, err)
				: berth_error_set(err, ENOMEM, "network ls: format");
			json_decref(row);
		} else if (t) {
			(void)table_add_row(t, cells);
		}
	}
	berth_network_info_list_free(l, n);
	if (r < 0)
		return r;
	if (formatted) {
		json_t *h = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "CreatedAt",
				      "CREATED AT", "Driver", "DRIVER", "ID", "NETWORK ID", "IPv4",
				      "IPV4", "IPv6", "IPV6", "Internal", "INTERNAL", "Labels",
				      "LABELS", "Name", "NAME", "Scope", "SCOPE");

		r = cli_format_finish(&fmt, h, err);
		json_decref(h);
		return r;
	}
	if (t)
		(void)table_print(t, stdout);
	table_free(t);
	return 0;
}

static int cmd_network_inspect(int argc, char **argv, struct berth_cli *cli,
			       struct berth_error **err)
{
	static const struct option lo[] = { { "help", no_argument, NULL, 'h' }, {} };
	_cleanup_(berth_engine_freep) struct berth_engine *engine = NULL;
	int c, r;

	opterr = 0;
	while ((c = cli_getopt(argc, argv, ":h", lo, NULL)) >= 0) {
		if (c == 'h') {
			printf("Usage:  berth network inspect NETWORK [NETWORK...]\n\n"
			       "Display detailed information on networks, as a JSON array\n");
			return 0;
		}
		return cli_getopt_error(cli, argv, c, err);
	}
	if (optind >= argc)
		return cli_usage_error(cli, err, "\"network inspect\" requires at least 1 argument");
	r = cli_open_engine(cli, &engine, err);
	if (r < 0)
		return r;
	return cli_json_array(argc, argv, engine, berth_network_inspect);
}

static int rm_one(struct berth_engine *e, const char *key, void *data, struct berth_error **err)
{
	return berth_network_remove(e, key, err);
}

static int cmd_network_rm(int argc, char **argv, struct berth_cli *cli, struct berth_error **err)
{
	static const struct option lo[] = { { "help", no_argument, NULL, 'h' }, {} };
	_cleanup_(berth_engine_freep) struct berth_engine *engine = NULL;
	int c, r;

	opterr = 0;
	while ((c = cli_getopt(argc, argv, ":h", lo, NULL)) >= 0) {
		if (c == 'h') {
			printf("Usage:  berth network rm NETWORK [NETWORK...]\n\n"
			       "Remove networks no container is connected to\n");
			return 0;
		}
		return cli_getopt_error(cli, argv, c, err);
	}
	if (optind >= argc)
		return cli_usage_error(cli, err, "\"network rm\" requires at least 1 argument");
	r = cli_open_engine(cli, &engine, err);
	if (r < 0)
		return r;
	return cli_for_each(argc, argv, engine, rm_one, NULL, true);
}

int cmd_network(int argc, char **argv, struct berth_cli *cli, struct berth_error **err)
{
	static const struct berth_command sub[] = {
		{ "create", cmd_network_create, "Create a network" },
		{ "inspect", cmd_network_inspect, "Display detailed information on networks" },
		{ "ls", cmd_network_ls, "List networks" },
		{ "rm", cmd_network_rm, "Remove networks" },
	};

	return cli_group(argc, argv, cli, "network", "Manage networks", sub, ELEMENTSOF(sub), err);
}
