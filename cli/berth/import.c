/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "berth/cleanup.h"
#include "cli.h"
#include "berth/util.h"

static void usage(FILE *f)
{
	fprintf(f, "Usage:  berth import [OPTIONS] TARBALL|- [NAME[:TAG]]\n"
		   "\n"
		   "Import the contents of a tarball (plain, gzip, xz or zstd; - reads stdin)\n"
		   "as a one-layer image, tagged NAME:TAG (TAG defaults to latest).\n"
		   "Prints the image id.\n"
		   "\n"
		   "Options:\n"
		   "  -c, --change LINE   Apply a Dockerfile instruction (CMD, ENTRYPOINT, ENV,\n"
		   "                      EXPOSE, HEALTHCHECK, LABEL, STOPSIGNAL, USER, VOLUME,\n"
		   "                      WORKDIR)\n"
		   "  -h, --help          Print this help\n");
}

int cmd_import(int argc, char **argv, struct berth_cli *cli, struct berth_error **err)
{
	static const struct option options[] = {
	    {"change", required_argument, NULL, 'c'},
	    {"help", no_argument, NULL, 'h'},
	    {},
	};
	_cleanup_(berth_store_freep) struct berth_store *store = NULL;
	_cleanup_free_ char *id = NULL;
	_cleanup_strv_free_ char **changes = NULL;
	struct timespec t0, t1;
	const char *path, *ref;
	int c, r;

	while ((c = cli_getopt(argc, argv, ":c:h", options, NULL)) >= 0) {
		switch (c) {
		case 'c':
			if (strv_extend(&changes, optarg) < 0)
				return berth_error_set(err, ENOMEM, "import");
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			return cli_getopt_error(cli, argv, c, err);
		}
	}
	if (argc - optind < 1 || argc - optind > 2)
		return cli_usage_error(cli, err, "\"import\" requires 1 or 2 arguments");
	path = argv[optind];
	ref = argc - optind == 2 ? argv[optind + 1] : NULL;

	r = cli_open_store(cli, &store, err);
	if (r < 0)
		return r;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	r = streq(path, "-") ? berth_image_import_fd(store, STDIN_FILENO, ref, changes, &id, err)
			     : berth_image_import_with(store, path, ref, changes, &id, err);
	if (r < 0)
		return berth_error_wrap(err, "import '%s'", path);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	cli_debug(cli, "imported in %.1f ms",
		  (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6);
	printf("%s\n", id);
	return fflush(stdout) == 0 ? 0 : berth_error_set(err, errno, "write id");
}
