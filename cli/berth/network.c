/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * berth network create|ls|inspect|rm|prune|connect|disconnect
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

static int cmd_network_create(int argc, char **argv, struct berth_cli *cli, struct berth_error **err)
{
	enum { OPT_SUBNET = 0x100, OPT_GATEWAY, OPT_DRIVER, OPT_HELP, OPT_LABEL, OPT_INTERNAL };
	static const struct option lo[] = {
		{ "subnet", required_argument, NULL, OPT_SUBNET },
		{ "gateway", required_argument, NULL, OPT_GATEWAY },
		{ "driver", required_argument, NULL, 'd' },
	    {"label", required_argument, NULL, OPT_LABEL},
	    {"internal", no_argument, NULL, OPT_INTERNAL},
	    {"opt", required_argument, NULL, 'o'},
		{ "help", no_argument, NULL, OPT_HELP },
		{},
	};
	_cleanup_(berth_engine_freep) struct berth_engine *engine = NULL;
	_cleanup_strv_free_ char **labels = NULL, **options = NULL;
	_cleanup_free_ char *id = NULL;
	struct berth_network_opts o = {0};
	int c, r;

	opterr = 0;
	while ((c = cli_getopt(argc, argv, ":d:o:", lo, NULL)) >= 0) {
		switch (c) {
		case OPT_SUBNET:
			o.subnet = optarg;
			break;
		case OPT_GATEWAY:
			o.gateway = optarg;
			break;
		case OPT_INTERNAL:
			o.internal = true;
			break;
		case OPT_LABEL:
		case 'o':
			if (c == 'o' && !strchr(optarg, '='))
				return cli_usage_error(
				    cli, err, "invalid option '%s': KEY=VALUE expected", optarg);
			if (strv_extend(c == 'o' ? &options : &labels, optarg) < 0)
				return berth_error_set(err, ENOMEM, "network create");
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
			    "      --internal          No access to the outside of the network\n"
			    "      --label K=V         Set metadata on the network\n"
			    "  -o, --opt K=V           com.docker.network.bridge.name=NAME,\n"
			    "                          "
			    "com.docker.network.bridge.enable_ip_masquerade=false\n"
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
	o.labels = labels;
	o.options = options;
	r = berth_network_create(engine, argv[optind], &o, &id, err);
	if (r < 0)
		return r;
	puts(id);
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
			    "  -f, --filter filter   name, id, driver, scope, type=custom|builtin, "
			    "label,\n"
			    "                        dangling=true|false\n"
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
	r = cli_open_engine(cli, &engine, err);
	if (r < 0)
		return r;
	r = berth_network_ls(engine, filters, &l, &n, err);
	if (r < 0)
		return r;
	if (!quiet && !formatted)
		t = table_new(ELEMENTSOF(headers), headers);
	for (size_t i = 0; i < n && r >= 0; i++) {
		char id[13], created_at[64];
		const char *cells[4] = { id, l[i]->name, "bridge", "local" };

		snprintf(id, sizeof(id), "%s", l[i]->id);
		if (quiet) {
			puts(id);
		} else if (formatted) {
			/* docker's formatter.networkContext, keys sorted as its JSON has them */
			_cleanup_free_ char *labels = strv_join(l[i]->labels, ",");
			json_t *row;

			format_created_at(l[i]->created, created_at, sizeof(created_at));
			row = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}",
					"CreatedAt", created_at, "Driver", "bridge", "ID", id,
					"IPv4", "true", "IPv6", "false", "Internal",
					l[i]->internal ? "true" : "false", "Labels",
					labels ? labels : "", "Name", l[i]->name, "Scope", "local");
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

static int cmd_network_prune(int argc, char **argv, struct berth_cli *cli, struct berth_error **err)
{
	static const struct option lo[] = {{"force", no_argument, NULL, 'f'},
					   {"filter", required_argument, NULL, 'F'},
					   {"help", no_argument, NULL, 'h'},
					   {}};
	_cleanup_(berth_engine_freep) struct berth_engine *engine = NULL;
	_cleanup_strv_free_ char **filters = NULL, **removed = NULL;
	bool force = false;
	int c, r;

	opterr = 0;
	while ((c = cli_getopt(argc, argv, ":fh", lo, NULL)) >= 0) {
		switch (c) {
		case 'f':
			force = true;
			break;
		case 'F':
			r = cli_filter_add(cli, &filters, optarg, err);
			if (r < 0)
				return r;
			if (!startswith(filters[strv_length(filters) - 1], "label=") &&
			    !startswith(filters[strv_length(filters) - 1], "label!="))
				return berth_error_new(err, EINVAL, "invalid filter '%.*s'",
						       (int)strcspn(optarg, "=!"), optarg);
			break;
		case 'h':
			printf("Usage:  berth network prune [OPTIONS]\n\n"
			       "Remove all unused networks\n\nOptions:\n"
			       "      --filter filter   label=KEY[=VALUE], label!=KEY[=VALUE]\n"
			       "  -f, --force           Do not prompt for confirmation\n");
			return 0;
		default:
			return cli_getopt_error(cli, argv, c, err);
		}
	}
	if (optind < argc)
		return cli_usage_error(cli, err, "\"network prune\" accepts no arguments");
	if (!force && !cli_confirm("This will remove all custom networks not used by at least one "
				   "container."))
		return 0;
	r = cli_open_engine(cli, &engine, err);
	if (r < 0)
		return r;
	r = berth_network_prune(engine, filters, &removed, err);
	if (r < 0)
		return r;
	/* docker prints the list and an empty line, nothing when none went */
	if (removed[0]) {
		printf("Deleted Networks:\n");
		for (char **n = removed; *n; n++)
			puts(*n);
		putchar('\n');
	}
	return 0;
}

/* docker's daemon errors for connect and disconnect: printed, exit 1 */
static int daemon_error(struct berth_error *e)
{
	fprintf(stderr, "berth: %s\n", berth_error_message(e));
	berth_error_free(e);
	return 1;
}

static int cmd_network_connect(int argc, char **argv, struct berth_cli *cli,
			       struct berth_error **err)
{
	enum { OPT_ALIAS = 0x100, OPT_IP };
	static const struct option lo[] = {{"alias", required_argument, NULL, OPT_ALIAS},
					   {"ip", required_argument, NULL, OPT_IP},
					   {"help", no_argument, NULL, 'h'},
					   {}};
	_cleanup_(berth_engine_freep) struct berth_engine *engine = NULL;
	_cleanup_strv_free_ char **aliases = NULL;
	struct berth_error *e = NULL;
	const char *ip = NULL;
	int c, r;

	opterr = 0;
	while ((c = cli_getopt(argc, argv, ":h", lo, NULL)) >= 0) {
		switch (c) {
		case OPT_ALIAS:
			if (strv_extend(&aliases, optarg) < 0)
				return berth_error_set(err, ENOMEM, "network connect");
			break;
		case OPT_IP:
			ip = optarg;
			break;
		case 'h':
			printf("Usage:  berth network connect [OPTIONS] NETWORK CONTAINER\n\n"
			       "Connect a container to a network\n\nOptions:\n"
			       "      --alias NAME   A name it has on the network (repeatable)\n"
			       "      --ip IP        Its IPv4 address there\n");
			return 0;
		default:
			return cli_getopt_error(cli, argv, c, err);
		}
	}
	if (argc - optind != 2)
		return cli_usage_error(cli, err,
				       "\"network connect\" requires exactly 2 arguments");
	r = cli_open_engine(cli, &engine, err);
	if (r < 0)
		return r;
	r = berth_network_connect(engine, argv[optind], argv[optind + 1], ip, aliases, &e);
	return r < 0 ? daemon_error(e) : 0;
}

static int cmd_network_disconnect(int argc, char **argv, struct berth_cli *cli,
				  struct berth_error **err)
{
	static const struct option lo[] = {
	    {"force", no_argument, NULL, 'f'}, {"help", no_argument, NULL, 'h'}, {}};
	_cleanup_(berth_engine_freep) struct berth_engine *engine = NULL;
	struct berth_error *e = NULL;
	bool force = false;
	int c, r;

	opterr = 0;
	while ((c = cli_getopt(argc, argv, ":fh", lo, NULL)) >= 0) {
		switch (c) {
		case 'f':
			force = true;
			break;
		case 'h':
			printf("Usage:  berth network disconnect [OPTIONS] NETWORK CONTAINER\n\n"
			       "Disconnect a container from a network\n\nOptions:\n"
			       "  -f, --force   No error when it is not connected\n");
			return 0;
		default:
			return cli_getopt_error(cli, argv, c, err);
		}
	}
	if (argc - optind != 2)
		return cli_usage_error(cli, err,
				       "\"network disconnect\" requires exactly 2 arguments");
	r = cli_open_engine(cli, &engine, err);
	if (r < 0)
		return r;
	r = berth_network_disconnect(engine, argv[optind], argv[optind + 1], force, &e);
	return r < 0 ? daemon_error(e) : 0;
}

int cmd_network(int argc, char **argv, struct berth_cli *cli, struct berth_error **err)
{
	static const struct berth_command sub[] = {
	    {"connect", cmd_network_connect, "Connect a container to a network"},
		{ "create", cmd_network_create, "Create a network" },
	    {"disconnect", cmd_network_disconnect, "Disconnect a container from a network"},
		{ "inspect", cmd_network_inspect, "Display detailed information on networks" },
		{ "ls", cmd_network_ls, "List networks" },
	    {"prune", cmd_network_prune, "Remove all unused networks"},
		{ "rm", cmd_network_rm, "Remove networks" },
	};

	return cli_group(argc, argv, cli, "network", "Manage networks", sub, ELEMENTSOF(sub), err);
}
