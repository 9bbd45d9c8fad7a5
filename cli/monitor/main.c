/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * berth-monitor: the per-container monitor (include/berth/monitor.h, lib/monitor/). Started by berth
 * only, never by hand:
 *
 *     berth-monitor --root STORE --id ID --sync-fd FD [--attach-fd FD]
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "berth/monitor.h"
#include "berth/util.h"

int main(int argc, char **argv)
{
	static const struct option options[] = {
		{ "root", required_argument, NULL, 'r' },
		{ "id", required_argument, NULL, 'i' },
		{ "sync-fd", required_argument, NULL, 's' },
		{ "attach-fd", required_argument, NULL, 'a' },
		{},
	};
	struct monitor_opts o = { .sync_fd = -1, .client_fd = -1 };
	int64_t v;
	int c;

	while ((c = getopt_long(argc, argv, "", options, NULL)) >= 0) {
		switch (c) {
		case 'r':
			o.store_root = optarg;
			break;
		case 'i':
			o.id = optarg;
			break;
		case 's':
		case 'a':
			if (parse_i64(optarg, &v) < 0 || v < -1 || v > 1024) {
				fprintf(stderr, "berth-monitor: invalid fd '%s'\n", optarg);
				return 2;
			}
			*(c == 's' ? &o.sync_fd : &o.client_fd) = (int)v;
			break;
		default:
			fprintf(stderr, "usage: berth-monitor --root STORE --id ID --sync-fd FD "
					"[--attach-fd FD]\n");
			return 2;
		}
	}
	if (!o.store_root || !o.id || o.sync_fd < 0 || optind != argc) {
		fprintf(stderr, "berth-monitor: started by berth only (--root, --id and "
				"--sync-fd are required)\n");
		return 2;
	}
	return monitor_main(&o);
}
