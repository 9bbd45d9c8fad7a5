/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * `berth push [--tls-verify=false] [--authfile FILE] [-q] IMAGE [DESTINATION]`: as
 * podman, DESTINATION (a ref) defaults to IMAGE. Progress lines on stderr, the manifest
 * digest on stdout.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "berth/cleanup.h"
#include "cli.h"
#include "berth/util.h"

static void usage(FILE *f)
{
	fprintf(f, "Usage:  berth push [OPTIONS] IMAGE [DESTINATION]\n"
		   "\n"
		   "Upload an image to a registry: to DESTINATION (NAME[:TAG]) if given, else\n"
		   "to the registry IMAGE's name says. Prints the manifest digest.\n"
		   "\n"
		   "Options:\n"
		   "      --authfile FILE     Credentials file (default $DOCKER_CONFIG/config.json\n"
		   "                          or ~/.docker/config.json)\n"
		   "  -q, --quiet             Print no progress\n"
		   "      --tls-verify[=BOOL] Check the registry's certificate (default true);\n"
		   "                          false also allows plain http\n"
		   "  -h, --help              Print this help\n");
}

int cmd_push(int argc, char **argv, struct berth_cli *cli, struct berth_error **err)
{
	_cleanup_(berth_store_freep) struct berth_store *store = NULL;
	_cleanup_free_ char *digest = NULL;
	struct berth_registry_options o = {.progress = cli_progress};
	const char *image, *dest;
	int r;

	r = cli_registry_flags(argc, argv, cli, &o, usage, NULL, err);
	if (r != 0)
		return r < 0 ? r : 0;
	if (argc - optind < 1 || argc - optind > 2)
		return cli_usage_error(cli, err, "\"push\" requires 1 or 2 arguments");
	image = argv[optind];
	dest = argc - optind == 2 ? argv[optind + 1] : NULL;

	r = cli_open_store(cli, &store, err);
	if (r < 0)
		return r;
	o.cancel = cli_catch_interrupts();
	r = berth_image_push(store, image, dest, &o, &digest, err);
	if (r < 0)
		return berth_error_wrap(err, "push '%s'", dest ? dest : image);
	printf("%s\n", digest);
	return fflush(stdout) == 0 ? 0 : berth_error_set(err, errno, "write digest");
}
