/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * berth port CONTAINER [PRIVATE_PORT[/PROTO]]: the container's published ports, docker's
 * way ("80/tcp -> 0.0.0.0:8080"; with a port, only the host side of its mappings).
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "berth/engine.h"
#include "berth/cleanup.h"
#include "cli.h"
#include "berth/util.h"

int cmd_port(int argc, char **argv, struct berth_cli *cli, struct berth_error **err)
{
	static const struct option options[] = {
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	_cleanup_(berth_engine_freep) struct berth_engine *engine = NULL;
	_cleanup_strv_free_ char **l = NULL;
	_cleanup_free_ char *want = NULL;
	bool found = false;
	int c, r;

	opterr = 0;
	while ((c = cli_getopt(argc, argv, ":h", options, NULL)) >= 0) {
		switch (c) {
		case 'h':
			printf("Usage:  berth port CONTAINER [PRIVATE_PORT[/PROTO]]\n\n"
			       "List port mappings or a specific mapping for the container\n");
			return 0;
		default:
			return cli_getopt_error(cli, argv, c, err);
		}
	}
	if (argc - optind < 1 || argc - optind > 2)
		return cli_usage_error(cli, err,
				       "\"berth port\" requires at least 1 and at most 2 arguments");
	if (argc - optind == 2) {
		const char *p = argv[optind + 1];
		char *end;
		long n = strtol(p, &end, 10);

		if (end == p || n < 1 || n > 65535 ||
		    (*end && !streq(end, "/tcp") && !streq(end, "/udp")))
			return cli_usage_error(cli, err, "invalid port '%s': PORT[/tcp|/udp]", p);
		want = xasprintf("%ld/%s", n, *end ? end + 1 : "tcp");
		if (!want)
			return berth_error_set(err, ENOMEM, "port '%s'", p);
	}
	r = cli_open_engine(cli, &engine, err);
	if (r < 0)
		return r;
	r = berth_engine_ports(engine, argv[optind], &l, err);
	if (r == -ENOENT) {
		/* docker: no such container exits 1 */
		fprintf(stderr, "berth: %s\n", berth_error_message(*err));
		return 1;
	}
	if (r < 0)
		return r;
	for (char **i = l; *i; i++) {
		char *tab = strchr(*i, '\t');

		if (!tab)
			continue;
		*tab = 0;
		if (!want)
			printf("%s -> %s\n", *i, tab + 1);
		else if (streq(*i, want)) {
			printf("%s\n", tab + 1);
			found = true;
		}
	}
	if (want && !found) {
		fprintf(stderr, "berth: No public port '%s' published for %s\n", want,
			argv[optind]);
		return 1;
	}
	return 0;
}
