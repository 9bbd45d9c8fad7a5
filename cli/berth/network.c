/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * berth network create|ls|inspect|rm
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

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

static int cmd_network_ls(int argc, char **argv, struct berth_cli *cli, struct berth_error **err)
{
	static const struct option lo[] = { { "quiet", no_argument, NULL, 'q' },
					    { "help", no_argument, NULL, 'h' },
					    {} };
	static const char *const headers[] = { "NETWORK ID", "NAME", "DRIVER", "SCOPE" };
	_cleanup_(berth_engine_freep) struct berth_engine *engine = NULL;
	struct berth_network_info **l = NULL;
	struct table *t = NULL;
	bool quiet = false;
	size_t n = 0;
	int c, r;

	opterr = 0;
	while ((c = cli_getopt(argc, argv, ":qh", lo, NULL)) >= 0) {
		switch (c) {
		case 'q':
			quiet = true;
			break;
		case 'h':
			printf("Usage:  berth network ls [-q]\n\nList networks\n");
			return 0;
		default:
			return cli_getopt_error(cli, argv, c, err);
		}
	}
	r = cli_open_engine(cli, &engine, err);
	if (r < 0)
		return r;
	r = berth_network_list(engine, &l, &n, err);
	if (r < 0)
		return r;
	if (!quiet)
		t = table_new(ELEMENTSOF(headers), headers);
	for (size_t i = 0; i < n; i++) {
		char id[13];
		const char *cells[4] = { id, l[i]->name, "bridge", "local" };

		snprintf(id, sizeof(id), "%s", l[i]->id);
		if (quiet)
			puts(id);
		else if (t)
			(void)table_add_row(t, cells);
	}
	if (t)
		(void)table_print(t, stdout);
	table_free(t);
	berth_network_info_list_free(l, n);
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
