/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * `berth cp`: docker's cp. CONTAINER:SRC DEST or SRC CONTAINER:DEST, "-" for a tar on
 * stdout or from stdin. The copy itself is the engine's (lib/engine/cp.c); failures of
 * the copy exit 1, as docker's do.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "berth/engine.h"
#include "berth/cleanup.h"
#include "cli.h"
#include "berth/util.h"

static void usage(void)
{
	printf("Usage:  berth cp [OPTIONS] CONTAINER:SRC_PATH DEST_PATH|-\n"
	       "        berth cp [OPTIONS] SRC_PATH|- CONTAINER:DEST_PATH\n\n"
	       "Copy files/folders between a container and the local filesystem\n\n"
	       "Use '-' as the source to read a tar archive from stdin\n"
	       "and extract it to a directory destination in a container.\n"
	       "Use '-' as the destination to stream a tar archive of a\n"
	       "container source to stdout.\n\n"
	       "Options:\n"
	       "  -a, --archive       Archive mode (copy all uid/gid information)\n"
	       "  -L, --follow-link   Always follow symbol link in SRC_PATH\n"
	       "  -q, --quiet         Suppress progress output during copy\n");
}

/* docker's splitCpArg: "NAME:PATH", unless the argument is an absolute path or starts
 * with "." (a local path with a ':' in it: ./file:name). *ret_ctr NULL: a local path. */
static char *split_arg(const char *arg, const char **ret_path)
{
	const char *colon = strchr(arg, ':');

	*ret_path = arg;
	if (arg[0] == '/' || arg[0] == '.' || !colon)
		return NULL;
	*ret_path = colon + 1;
	return strndup(arg, (size_t)(colon - arg));
}

int cmd_cp(int argc, char **argv, struct berth_cli *cli, struct berth_error **err)
{
	static const struct option options[] = {
	    {"archive", no_argument, NULL, 'a'},
	    {"follow-link", no_argument, NULL, 'L'},
	    {"quiet", no_argument, NULL, 'q'},
	    {"help", no_argument, NULL, 'h'},
	    {},
	};
	_cleanup_(berth_engine_freep) struct berth_engine *engine = NULL;
	_cleanup_free_ char *src_ctr = NULL, *dst_ctr = NULL;
	struct berth_cp_opts o = {0};
	const char *src, *dst;
	int c, r;

	opterr = 0;
	while ((c = getopt_long(argc, argv, "+:aLqh", options, NULL)) >= 0) {
		switch (c) {
		case 'a':
			o.archive = true;
			break;
		case 'L':
			o.follow_link = true;
			break;
		case 'q':
			break; /* berth prints no progress */
		case 'h':
			usage();
			return 0;
		default:
			return cli_getopt_error(cli, argv, c, err);
		}
	}
	if (argc - optind != 2)
		return cli_usage_error(cli, err, "\"cp\" requires exactly 2 arguments");
	if (!*argv[optind])
		return cli_usage_error(cli, err, "source can not be empty");
	if (!*argv[optind + 1])
		return cli_usage_error(cli, err, "destination can not be empty");
	src_ctr = split_arg(argv[optind], &src);
	dst_ctr = split_arg(argv[optind + 1], &dst);
	if (src_ctr && dst_ctr) {
		r = berth_error_new(err, EINVAL, "copying between containers is not supported");
		goto fail;
	}
	if (!src_ctr && !dst_ctr) {
		r = berth_error_new(err, EINVAL, "must specify at least one container source");
		goto fail;
	}
	r = cli_open_engine(cli, &engine, err);
	if (r < 0)
		return r;
	if (src_ctr)
		r = berth_engine_cp_from(engine, src_ctr, src, streq(dst, "-") ? NULL : dst,
					 streq(dst, "-") ? STDOUT_FILENO : -1, &o, err);
	else
		r = berth_engine_cp_to(engine, dst_ctr, streq(src, "-") ? NULL : src,
				       streq(src, "-") ? STDIN_FILENO : -1, dst, &o, err);
	if (r >= 0)
		return 0;
fail:
	/* docker's exit code for a copy that failed: 1, not the CLI's own 125 */
	fprintf(stderr, "berth: %s\n", berth_error_message(*err));
	*err = berth_error_free(*err);
	return 1;
}
