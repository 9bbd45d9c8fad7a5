/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* `berth update [OPTIONS] CONTAINER...`: docker's update of resources and restart policy. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "berth/engine.h"
#include "berth/cleanup.h"
#include "cli.h"
#include "berth/util.h"

static void usage(void)
{
	printf("Usage:  berth update [OPTIONS] CONTAINER [CONTAINER...]\n"
	       "\n"
	       "Update configuration of one or more containers\n"
	       "\n"
	       "Options:\n"
	       "      --blkio-weight N         Block IO weight (10 to 1000)\n"
	       "  -c, --cpu-shares N           CPU shares (relative weight)\n"
	       "      --cpu-period US          CFS period\n"
	       "      --cpu-quota US           CFS quota\n"
	       "      --cpus N                 Number of CPUs (fractions allowed)\n"
	       "      --cpuset-cpus LIST       CPUs in which to allow execution (0-3, 0,1)\n"
	       "      --cpuset-mems LIST       Memory nodes in which to allow execution\n"
	       "  -m, --memory SIZE            Memory limit (e.g. 512m, 1g)\n"
	       "      --memory-reservation SIZE  Memory soft limit\n"
	       "      --memory-swap SIZE       Memory plus swap limit, -1 for unlimited swap\n"
	       "      --pids-limit N           Limit the number of processes (-1: unlimited)\n"
	       "      --restart POLICY         no, always, unless-stopped, on-failure[:N]\n");
}

static int update_one(struct berth_engine *e, const char *key, void *data, struct berth_error **err)
{
	return berth_engine_update(e, key, data, err);
}

static int parse_size_flag(struct berth_cli *cli, const char *flag, const char *arg, int64_t *ret,
			   struct berth_error **err)
{
	if (parse_size(arg, ret) < 0 || *ret <= 0)
		return cli_usage_error(cli, err, "invalid %s value '%s'", flag, arg);
	return 0;
}

int cmd_update(int argc, char **argv, struct berth_cli *cli, struct berth_error **err)
{
	enum {
		OPT_SWAP = 0x100,
		OPT_RESERVATION,
		OPT_CPUS,
		OPT_PERIOD,
		OPT_QUOTA,
		OPT_CPUSET_CPUS,
		OPT_CPUSET_MEMS,
		OPT_PIDS,
		OPT_RESTART,
		OPT_BLKIO_WEIGHT,
	};
	static const struct option options[] = {
	    {"memory", required_argument, NULL, 'm'},
	    {"memory-swap", required_argument, NULL, OPT_SWAP},
	    {"memory-reservation", required_argument, NULL, OPT_RESERVATION},
	    {"cpus", required_argument, NULL, OPT_CPUS},
	    {"cpu-shares", required_argument, NULL, 'c'},
	    {"cpu-period", required_argument, NULL, OPT_PERIOD},
	    {"cpu-quota", required_argument, NULL, OPT_QUOTA},
	    {"cpuset-cpus", required_argument, NULL, OPT_CPUSET_CPUS},
	    {"cpuset-mems", required_argument, NULL, OPT_CPUSET_MEMS},
	    {"pids-limit", required_argument, NULL, OPT_PIDS},
	    {"restart", required_argument, NULL, OPT_RESTART},
	    {"blkio-weight", required_argument, NULL, OPT_BLKIO_WEIGHT},
	    {"help", no_argument, NULL, 'h'},
	    {},
	};
	_cleanup_(berth_engine_freep) struct berth_engine *engine = NULL;
	struct berth_update_opts o = {0};
	bool any = false;
	int64_t v;
	int c, r;

	opterr = 0;
	while ((c = cli_getopt(argc, argv, ":m:c:h", options, NULL)) >= 0) {
		any = true;
		switch (c) {
		case 'm':
			r = parse_size_flag(cli, "--memory", optarg, &o.memory, err);
			if (r < 0)
				return r;
			if (o.memory < 6 * 1024 * 1024)
				return cli_usage_error(
				    cli, err, "minimum memory limit allowed is 6MB, got '%s'",
				    optarg);
			break;
		case OPT_SWAP:
			if (streq(optarg, "-1"))
				o.memory_swap = -1;
			else if ((r = parse_size_flag(cli, "--memory-swap", optarg, &o.memory_swap,
						      err)) < 0)
				return r;
			break;
		case OPT_RESERVATION:
			r = parse_size_flag(cli, "--memory-reservation", optarg,
					    &o.memory_reservation, err);
			if (r < 0)
				return r;
			break;
		case OPT_CPUS: {
			char *end;

			o.cpus = strtod(optarg, &end);
			if (*end || end == optarg || o.cpus <= 0 || o.cpus > 1024)
				return cli_usage_error(cli, err, "invalid --cpus value '%s'",
						       optarg);
			break;
		}
		case 'c':
			if (parse_i64(optarg, &v) < 0 || v <= 0)
				return cli_usage_error(cli, err, "invalid --cpu-shares value '%s'",
						       optarg);
			o.cpu_shares = (uint64_t)v;
			break;
		case OPT_PERIOD:
			/* the kernel's range: 1 ms to 1 s */
			if (parse_i64(optarg, &v) < 0 || v < 1000 || v > 1000000)
				return cli_usage_error(
				    cli, err,
				    "invalid --cpu-period value '%s': CPU cfs period "
				    "can not be less than 1ms (i.e. 1000) or larger "
				    "than 1 second (i.e. 1000000)",
				    optarg);
			o.cpu_period = v;
			break;
		case OPT_QUOTA:
			if (parse_i64(optarg, &v) < 0 || (v != -1 && v < 1000))
				return cli_usage_error(
				    cli, err,
				    "invalid --cpu-quota value '%s': CPU cfs quota "
				    "can not be less than 1ms (i.e. 1000), or -1",
				    optarg);
			o.cpu_quota = v;
			break;
		case OPT_CPUSET_CPUS:
			o.cpuset_cpus = optarg;
			break;
		case OPT_CPUSET_MEMS:
			o.cpuset_mems = optarg;
			break;
		case OPT_PIDS:
			if (parse_i64(optarg, &v) < 0)
				return cli_usage_error(cli, err, "invalid --pids-limit value '%s'",
						       optarg);
			o.pids_limit = v;
			o.pids_limit_set = true;
			break;
		case OPT_RESTART:
			o.restart = optarg;
			break;
		case OPT_BLKIO_WEIGHT:
			if (parse_i64(optarg, &v) < 0 || v < 10 || v > 1000)
				return cli_usage_error(
				    cli, err,
				    "invalid --blkio-weight value '%s': range of "
				    "blkio weight is from 10 to 1000",
				    optarg);
			o.blkio_weight = (uint16_t)v;
			break;
		case 'h':
			usage();
			return 0;
		default:
			return cli_getopt_error(cli, argv, c, err);
		}
	}
	if (optind >= argc)
		return cli_usage_error(cli, err, "\"berth update\" requires at least 1 argument");
	if (!any)
		return cli_usage_error(
		    cli, err, "you must provide one or more flags when using this command");
	/* bad values: berth's error (125), before any container is touched */
	r = berth_engine_update_check(&o, err);
	if (r < 0)
		return r;
	r = cli_open_engine(cli, &engine, err);
	if (r < 0)
		return r;
	return cli_for_each(argc, argv, engine, update_one, &o, true);
}
