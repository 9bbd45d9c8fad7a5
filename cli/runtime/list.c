/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>

#include "berth/runtime.h"
#include "cli.h"
#include "util.h"

int cmd_list(int argc, char **argv, const struct rt_cli *cli)
{
	static const struct option opts[] = {
		{ "format", required_argument, NULL, 'f' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	struct berth_error *err = NULL;
	bool json = false, quiet = false;
	char **ids = NULL;
	json_t *arr = NULL;
	int c;

	while ((c = getopt_long(argc, argv, "f:qh", opts, NULL)) != -1) {
		switch (c) {
		case 'f':
			if (!streq(optarg, "table") && !streq(optarg, "json"))
				return cli_usage_error(cli, "list", "unknown format '%s'", optarg);
			json = streq(optarg, "json");
			break;
		case 'q':
			quiet = true;
			break;
		default:
			return cli_usage_error(cli, "list", "usage: list [--format table|json] [-q]");
		}
	}
	if (berth_container_list(cli->root, &ids, &err) < 0)
		return cli_fail(cli, "list", err);
	if (json)
		arr = json_array();
	else if (!quiet)
		printf("%-24s %-8s %-10s %-40s %s\n", "ID", "PID", "STATUS", "BUNDLE", "CREATED");
	for (char **i = ids; *i; i++) {
		struct berth_state s;

		if (quiet) {
			puts(*i);
			continue;
		}
		if (berth_container_state(cli->root, *i, &s, NULL) < 0)
			continue;
		if (json) {
			json_t *o = json_object();

			json_object_set_new(o, "id", json_string(s.id));
			json_object_set_new(o, "pid", json_integer(s.pid));
			json_object_set_new(o, "status", json_string(berth_status_name(s.status)));
			json_object_set_new(o, "bundle", json_string(s.bundle ? s.bundle : ""));
			json_object_set_new(o, "rootfs", json_string(s.rootfs ? s.rootfs : ""));
			json_object_set_new(o, "created", json_string(s.created ? s.created : ""));
			json_object_set_new(o, "owner", json_string("root"));
			json_array_append_new(arr, o);
		} else {
			printf("%-24s %-8d %-10s %-40s %s\n", s.id, (int)s.pid,
			       berth_status_name(s.status), s.bundle ? s.bundle : "",
			       s.created ? s.created : "");
		}
		berth_state_clear(&s);
	}
	if (json) {
		char *t = json_dumps(arr, 0);

		puts(t ? t : "[]");
		free(t);
		json_decref(arr);
	}
	strv_free(ids);
	return 0;
}
