/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "berth/cleanup.h"
#include "cli.h"
#include "berth/util.h"

static void usage(FILE *f)
{
	fprintf(f, "Usage:  berth load [OPTIONS]\n"
		   "\n"
		   "Load images from a docker-archive (docker save) or an OCI image layout,\n"
		   "as a tar (plain, gzip, xz or zstd), read from a file or stdin.\n"
		   "Prints the id of each image loaded.\n"
		   "\n"
		   "Options:\n"
		   "  -i, --input FILE   Read from FILE instead of stdin\n"
		   "  -q, --quiet        Suppress the load output (berth shows no progress:\n"
		   "                     the images loaded are printed either way, as docker's)\n"
		   "  -h, --help         Print this help\n");
}

int cmd_load(int argc, char **argv, struct berth_cli *cli, struct berth_error **err)
{
	static const struct option options[] = {
	    {"input", required_argument, NULL, 'i'},
	    {"quiet", no_argument, NULL, 'q'},
	    {"help", no_argument, NULL, 'h'},
	    {},
	};
	_cleanup_(berth_store_freep) struct berth_store *store = NULL;
	_cleanup_strv_free_ char **ids = NULL, **names = NULL;
	const char *path = "-";
	int c, r;

	while ((c = cli_getopt(argc, argv, ":i:qh", options, NULL)) >= 0) {
		switch (c) {
		case 'i':
			path = optarg;
			break;
		case 'q':
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			return cli_getopt_error(cli, argv, c, err);
		}
	}
	if (argc - optind > 0)
		return cli_usage_error(cli, err, "\"load\" accepts no arguments");

	r = cli_open_store(cli, &store, err);
	if (r < 0)
		return r;
	/* "-" is ours to resolve: the library reads what it is given */
	r = streq(path, "-") ? berth_image_load_fd(store, STDIN_FILENO, &ids, &names, err)
			     : berth_image_load(store, path, &ids, &names, err);
	if (r < 0)
		return berth_error_wrap(err, "load '%s'", streq(path, "-") ? "stdin" : path);
	/* docker's lines: an image the archive names by its tags, another by its id */
	for (size_t i = 0; names[i]; i++)
		printf(startswith(names[i], "sha256:") ? "Loaded image ID: %s\n"
						       : "Loaded image: %s\n",
		       names[i]);
	return fflush(stdout) == 0 ? 0 : berth_error_set(err, errno, "write id");
}
