/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "berth/runtime.h"
#include "berth/cleanup.h"
#include "cli.h"
#include "berth/util.h"

/* The user owning the container's state directory (runc's "owner"). */
static const char *owner_of(const char *root, const char *id)
{
	static char buf[64];
	_cleanup_free_ char *p = xasprintf("%s/%s", root, id);
	struct stat st;

	if (!p || stat(p, &st) < 0)
		return "";
	{
		_cleanup_free_ char *name = NULL;

		if (passwd_lookup("/etc/passwd", st.st_uid, &name, NULL) > 0) {
			snprintf(buf, sizeof(buf), "%s", name);
			return buf;
		}
	}
	snprintf(buf, sizeof(buf), "#%u", (unsigned)st.st_uid);
	return buf;
}

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
			json_t *o = json_object(), *ann = json_object();

			/* runc's fields, in its order */
			json_object_set_new(o, "ociVersion", json_string("1.2.0"));
			json_object_set_new(o, "id", json_string(s.id));
			json_object_set_new(o, "pid", json_integer(s.pid));
			json_object_set_new(o, "status", json_string(berth_status_name(s.status)));
			json_object_set_new(o, "bundle", json_string(s.bundle ? s.bundle : ""));
			json_object_set_new(o, "rootfs", json_string(s.rootfs ? s.rootfs : ""));
			json_object_set_new(o, "created", json_string(s.created ? s.created : ""));
			for (char **a = s.annotations; a && a[0] && a[1]; a += 2)
				json_object_set_new(ann, a[0], json_string(a[1]));
			if (json_object_size(ann) > 0)
				json_object_set_new(o, "annotations", ann);
			else
				json_decref(ann);
			json_object_set_new(o, "owner", json_string(owner_of(cli->root, s.id)));
			json_array_append_new(arr, o);
		} else {
			printf("%-24s %-8d %-10s %-40s %s\n", s.id, (int)s.pid,
			       berth_status_name(s.status), s.bundle ? s.bundle : "",
			       s.created ? s.created : "");
		}
		berth_state_clear(&s);
	}
	if (json) {
		char *t = json_dumps(arr, JSON_COMPACT);

		puts(t ? t : "[]");
		free(t);
		json_decref(arr);
	}
	strv_free(ids);
	return 0;
}
