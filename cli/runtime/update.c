/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "berth/runtime.h"
#include "cli.h"
#include "berth/util.h"

int cmd_update(int argc, char **argv, const struct rt_cli *cli)
{
	enum { O_MEM = 0x100, O_RES, O_SWAP, O_SHARES, O_QUOTA, O_PERIOD, O_CPUS, O_MEMS, O_PIDS,
	       O_RESOURCES, O_RT_PERIOD, O_RT_RUNTIME, O_BLKIO_WEIGHT };
	static const struct option opts[] = {
		{ "memory", required_argument, NULL, O_MEM },
		{ "memory-reservation", required_argument, NULL, O_RES },
		{ "memory-swap", required_argument, NULL, O_SWAP },
		{ "cpu-shares", required_argument, NULL, O_SHARES },
		{ "cpu-quota", required_argument, NULL, O_QUOTA },
		{ "cpu-period", required_argument, NULL, O_PERIOD },
		{ "cpu-rt-period", required_argument, NULL, O_RT_PERIOD },
		{ "cpu-rt-runtime", required_argument, NULL, O_RT_RUNTIME },
		{ "blkio-weight", required_argument, NULL, O_BLKIO_WEIGHT },
		{ "cpuset-cpus", required_argument, NULL, O_CPUS },
		{ "cpuset-mems", required_argument, NULL, O_MEMS },
		{ "pids-limit", required_argument, NULL, O_PIDS },
		{ "resources", required_argument, NULL, 'r' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	struct berth_error *err = NULL;
	const char *resources = NULL;
	struct berth_update u;
	int64_t v;
	uint64_t uv;
	int c;

	berth_update_init(&u);
	while ((c = getopt_long(argc, argv, "r:h", opts, NULL)) != -1) {
		switch (c) {
		case O_MEM:
		case O_RES:
		case O_SWAP:
			if (streq(optarg, "-1"))
				v = -1;
			else if (parse_size(optarg, &v) < 0)
				return cli_usage_error(cli, "update", "invalid size '%s'", optarg);
			if (c == O_MEM)
				u.memory_limit = v;
			else if (c == O_RES)
				u.memory_reservation = v;
			else
				u.memory_swap = v;
			break;
		case O_SHARES:
		case O_PERIOD:
			if (parse_u64(optarg, &uv) < 0)
				return cli_usage_error(cli, "update", "invalid number '%s'", optarg);
			if (c == O_SHARES)
				u.cpu_shares = uv;
			else
				u.cpu_period = uv;
			break;
		case O_QUOTA:
		case O_PIDS:
			if (parse_i64(optarg, &v) < 0)
				return cli_usage_error(cli, "update", "invalid number '%s'", optarg);
			if (c == O_QUOTA)
				u.cpu_quota = v;
			else
				u.pids_limit = v;
			break;
		case O_RT_PERIOD:
			if (parse_u64(optarg, &uv) < 0)
				return cli_usage_error(cli, "update", "invalid number '%s'", optarg);
			u.has_cpu_rt_period = true;
			u.cpu_rt_period = uv;
			break;
		case O_RT_RUNTIME:
			if (parse_i64(optarg, &v) < 0)
				return cli_usage_error(cli, "update", "invalid number '%s'", optarg);
			u.has_cpu_rt_runtime = true;
			u.cpu_rt_runtime = v;
			break;
		case O_BLKIO_WEIGHT:
			/* runc: 10 to 1000, 0 leaves it alone */
			if (parse_u64(optarg, &uv) < 0 || (uv != 0 && (uv < 10 || uv > 1000)))
				return cli_usage_error(cli, "update", "invalid --blkio-weight '%s' "
						       "(10 to 1000)", optarg);
			u.blkio_weight = (uint16_t)uv;
			break;
		case O_CPUS:
			u.cpuset_cpus = optarg;
			break;
		case O_MEMS:
			u.cpuset_mems = optarg;
			break;
		case 'r':
			resources = optarg;
			break;
		default:
			return cli_usage_error(cli, "update", "usage: update [OPTIONS] ID");
		}
	}
	if (optind != argc - 1)
		return cli_usage_error(cli, "update", "usage: update [OPTIONS] ID");
	if (resources) {
		char *text = NULL;
		size_t len;
		int r = streq(resources, "-") ? read_full_fd(0, &text, &len)
					      : read_full_file(resources, &text, &len);

		if (r < 0)
			return cli_usage_error(cli, "update", "read '%s': %s", resources, strerror(-r));
		r = berth_container_update_json(cli->root, argv[optind], text, len, resources, &err);
		free(text);
		if (r < 0)
			return cli_fail(cli, "update", err);
	}
	if (berth_container_update(cli->root, argv[optind], &u, &err) < 0)
		return cli_fail(cli, "update", err);
	return 0;
}
