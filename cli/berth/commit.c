/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* `berth commit` and `berth export`: a container's filesystem out as an image or a tar. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "berth/engine.h"
#include "berth/cleanup.h"
#include "cli.h"
#include "berth/util.h"

int cmd_commit(int argc, char **argv, struct berth_cli *cli, struct berth_error **err)
{
	static const struct option options[] = {
	    {"author", required_argument, NULL, 'a'},
	    {"change", required_argument, NULL, 'c'},
	    {"message", required_argument, NULL, 'm'},
	    {"pause", required_argument, NULL, 'p'},
	    {"help", no_argument, NULL, 'h'},
	    {},
	};
	_cleanup_(berth_engine_freep) struct berth_engine *engine = NULL;
	_cleanup_strv_free_ char **changes = NULL;
	_cleanup_free_ char *id = NULL;
	struct berth_commit_opts o = {0};
	int c, r;

	while ((c = cli_getopt(argc, argv, ":a:c:m:p:h", options, NULL)) >= 0) {
		switch (c) {
		case 'a':
			o.author = optarg;
			break;
		case 'c':
			if (strv_extend(&changes, optarg) < 0)
				return berth_error_set(err, ENOMEM, "commit");
			break;
		case 'm':
			o.comment = optarg;
			break;
		case 'p':
			break; /* accepted for docker's sake: berth reads the upper dir as is */
		case 'h':
			printf("Usage:  berth commit [OPTIONS] CONTAINER [REPOSITORY[:TAG]]\n\n"
			       "Create a new image from a container's changes\n\nOptions:\n"
			       "  -a, --author S        Author\n"
			       "  -c, --change LINE     Apply a Dockerfile instruction (CMD, "
			       "ENTRYPOINT,\n"
			       "                        ENV, EXPOSE, HEALTHCHECK, LABEL, STOPSIGNAL,\n"
			       "                        USER, VOLUME, WORKDIR) to the image config\n"
			       "  -m, --message S       Commit message\n");
			return 0;
		default:
			return cli_getopt_error(cli, argv, c, err);
		}
	}
	if (argc - optind < 1 || argc - optind > 2)
		return cli_usage_error(cli, err, "\"commit\" requires 1 or 2 arguments");
	o.ref = argc - optind == 2 ? argv[optind + 1] : NULL;
	o.changes = changes;
	r = cli_open_engine(cli, &engine, err);
	if (r < 0)
		return r;
	r = berth_engine_commit(engine, argv[optind], &o, &id, err);
	if (r < 0)
		return berth_error_wrap(err, "commit '%s'", argv[optind]);
	printf("%s\n", id);
	return fflush(stdout) == 0 ? 0 : berth_error_set(err, errno, "write");
}

int cmd_export(int argc, char **argv, struct berth_cli *cli, struct berth_error **err)
{
	static const struct option options[] = {
	    {"output", required_argument, NULL, 'o'},
	    {"help", no_argument, NULL, 'h'},
	    {},
	};
	_cleanup_(berth_engine_freep) struct berth_engine *engine = NULL;
	struct cli_output o;
	const char *out = NULL;
	int c, r;

	while ((c = cli_getopt(argc, argv, ":o:h", options, NULL)) >= 0) {
		switch (c) {
		case 'o':
			out = optarg;
			break;
		case 'h':
			printf("Usage:  berth export [OPTIONS] CONTAINER\n\n"
			       "Export a container's filesystem as a tar archive\n\nOptions:\n"
			       "  -o, --output FILE   Write to FILE instead of stdout\n");
			return 0;
		default:
			return cli_getopt_error(cli, argv, c, err);
		}
	}
	if (argc - optind != 1)
		return cli_usage_error(cli, err, "\"export\" requires exactly 1 argument");
	r = cli_open_engine(cli, &engine, err);
	if (r < 0)
		return r;
	r = cli_output_open(cli, &o, out, err);
	if (r < 0)
		return r;
	r = berth_engine_export(engine, argv[optind], o.fd, err);
	r = cli_output_finish(&o, r, err);
	if (r < 0)
		return berth_error_wrap(err, "export '%s'", argv[optind]);
	return 0;
}
