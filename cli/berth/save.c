/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "berth/cleanup.h"
#include "cli.h"
#include "berth/util.h"

static void usage(FILE *f)
{
	fprintf(f, "Usage:  berth save [OPTIONS] IMAGE [IMAGE...]\n"
		   "\n"
		   "Save one or more images to a tar archive (streamed to stdout by default)\n"
		   "\n"
		   "Options:\n"
		   "  -o, --output FILE   Write to FILE instead of stdout\n"
		   "      --format FMT    docker-archive (default, `docker save` format) or\n"
		   "                      oci-archive (an OCI image layout)\n"
		   "  -h, --help          Print this help\n");
}

int cmd_save(int argc, char **argv, struct berth_cli *cli, struct berth_error **err)
{
	enum { OPT_FORMAT = 0x100 };
	static const struct option options[] = {
	    {"output", required_argument, NULL, 'o'},
	    {"format", required_argument, NULL, OPT_FORMAT},
	    {"help", no_argument, NULL, 'h'},
	    {},
	};
	_cleanup_(berth_store_freep) struct berth_store *store = NULL;
	struct cli_output o;
	enum berth_archive_format format = BERTH_ARCHIVE_DOCKER;
	const char *out = NULL;
	int c, r;

	while ((c = cli_getopt(argc, argv, ":o:h", options, NULL)) >= 0) {
		switch (c) {
		case 'o':
			out = optarg;
			break;
		case OPT_FORMAT:
			if (streq(optarg, "docker-archive") || streq(optarg, "docker"))
				format = BERTH_ARCHIVE_DOCKER;
			else if (streq(optarg, "oci-archive") || streq(optarg, "oci"))
				format = BERTH_ARCHIVE_OCI;
			else
				return cli_usage_error(cli, err,
						       "invalid --format '%s': expected "
						       "docker-archive or oci-archive",
						       optarg);
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			return cli_getopt_error(cli, argv, c, err);
		}
	}
	if (optind >= argc)
		return cli_usage_error(cli, err, "\"save\" requires at least 1 argument");
	r = cli_open_store(cli, &store, err);
	if (r < 0)
		return r;
	r = cli_output_open(cli, &o, out, err);
	if (r < 0)
		return r;
	r = berth_image_save(store, argv + optind, format, o.fd, err);
	r = cli_output_finish(&o, r, err);
	if (r < 0)
		return berth_error_wrap(err, "save");
	return 0;
}
