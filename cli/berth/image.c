/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The small image verbs: tag, rmi, history, inspect, and `berth image ...`, docker's
 * management group (image ls|rm|tag|history|inspect|prune|import|load|save|pull|push),
 * which
 * dispatches to the top-level commands.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "berth/engine.h"
#include "berth/cleanup.h"
#include "cli.h"
#include "berth/util.h"

/* Parse only -h/--help (and the given extra flags elsewhere): returns 1 when help was
 * printed, 0 to go on, < 0 on a usage error. */
static int help_only(int argc, char **argv, struct berth_cli *cli, const char *help,
		     struct berth_error **err)
{
	static const struct option options[] = {
	    {"help", no_argument, NULL, 'h'},
	    {},
	};
	int c;

	while ((c = cli_getopt(argc, argv, ":h", options, NULL)) >= 0) {
		if (c == 'h') {
			fputs(help, stdout);
			return 1;
		}
		return cli_getopt_error(cli, argv, c, err);
	}
	return 0;
}

int cmd_tag(int argc, char **argv, struct berth_cli *cli, struct berth_error **err)
{
	_cleanup_(berth_engine_freep) struct berth_engine *engine = NULL;
	int r;

	r = help_only(argc, argv, cli,
		      "Usage:  berth tag SOURCE_IMAGE[:TAG] TARGET_IMAGE[:TAG]\n\n"
		      "Create a tag TARGET_IMAGE that refers to SOURCE_IMAGE\n",
		      err);
	if (r != 0)
		return r < 0 ? r : 0;
	if (argc - optind != 2)
		return cli_usage_error(cli, err, "\"tag\" requires exactly 2 arguments");
	r = cli_open_engine(cli, &engine, err);
	if (r < 0)
		return r;
	r = berth_image_tag(berth_engine_store(engine), argv[optind], argv[optind + 1], err);
	return r < 0 ? berth_error_wrap(err, "tag '%s'", argv[optind + 1]) : 0;
}

int cmd_rmi(int argc, char **argv, struct berth_cli *cli, struct berth_error **err)
{
	static const struct option options[] = {
	    {"force", no_argument, NULL, 'f'},
	    {"help", no_argument, NULL, 'h'},
	    {},
	};
	_cleanup_(berth_engine_freep) struct berth_engine *engine = NULL;
	bool force = false;
	int c, r, failed = 0;

	while ((c = cli_getopt(argc, argv, ":fh", options, NULL)) >= 0) {
		switch (c) {
		case 'f':
			force = true;
			break;
		case 'h':
			printf("Usage:  berth rmi [OPTIONS] IMAGE [IMAGE...]\n\n"
			       "Remove one or more images\n\nOptions:\n"
			       "  -f, --force   Remove an image that a stopped container uses, or\n"
			       "                that several tags name (by id)\n");
			return 0;
		default:
			return cli_getopt_error(cli, argv, c, err);
		}
	}
	if (optind >= argc)
		return cli_usage_error(cli, err, "\"rmi\" requires at least 1 argument");
	r = cli_open_engine(cli, &engine, err);
	if (r < 0)
		return r;
	/* like docker: remove what can be, report each failure, exit 1 if any failed */
	for (int i = optind; i < argc; i++) {
		_cleanup_strv_free_ char **untagged = NULL;
		_cleanup_free_ char *id = NULL;
		struct berth_error *e = NULL;
		bool deleted = false;

		(void)berth_image_resolve(berth_engine_store(engine), argv[i], &id, NULL, NULL, NULL);
		if (berth_engine_image_remove(engine, argv[i], force, &untagged, &deleted, &e) < 0) {
			fprintf(stderr, "berth: rmi '%s': %s\n", argv[i], berth_error_message(e));
			berth_error_free(e);
			failed = 1;
			continue;
		}
		for (size_t k = 0; untagged[k]; k++)
			printf("Untagged: %s\n", untagged[k]);
		if (deleted && id)
			printf("Deleted: %s\n", id);
	}
	return failed;
}

int cmd_history(int argc, char **argv, struct berth_cli *cli, struct berth_error **err)
{
	enum { OPT_NO_TRUNC = 0x100 };
	static const struct option options[] = {
	    {"quiet", no_argument, NULL, 'q'},
	    {"no-trunc", no_argument, NULL, OPT_NO_TRUNC},
	    {"help", no_argument, NULL, 'h'},
	    {},
	};
	static const char *const headers[] = {"IMAGE", "CREATED", "CREATED BY", "SIZE",
					      "COMMENT"};
	_cleanup_(berth_engine_freep) struct berth_engine *engine = NULL;
	struct berth_history *h = NULL;
	struct table *t = NULL;
	bool quiet = false, no_trunc = false;
	int64_t now = (int64_t)time(NULL);
	size_t n = 0;
	int c, r;

	while ((c = cli_getopt(argc, argv, ":qh", options, NULL)) >= 0) {
		switch (c) {
		case 'q':
			quiet = true;
			break;
		case OPT_NO_TRUNC:
			no_trunc = true;
			break;
		case 'h':
			printf("Usage:  berth history [OPTIONS] IMAGE\n\n"
			       "Show the history of an image, newest layer first\n\nOptions:\n"
			       "  -q, --quiet      Only show image IDs\n"
			       "      --no-trunc   Don't truncate output\n");
			return 0;
		default:
			return cli_getopt_error(cli, argv, c, err);
		}
	}
	if (argc - optind != 1)
		return cli_usage_error(cli, err, "\"history\" requires exactly 1 argument");
	r = cli_open_engine(cli, &engine, err);
	if (r < 0)
		return r;
	r = berth_image_history(berth_engine_store(engine), argv[optind], &h, &n, err);
	if (r < 0)
		return berth_error_wrap(err, "history '%s'", argv[optind]);
	t = table_new(ELEMENTSOF(headers), headers);
	if (!t) {
		r = berth_error_set(err, ENOMEM, "history");
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		char id[80], since[64], size[32], by[64];
		const char *hex = h[i].id ? startswith(h[i].id, "sha256:") : NULL;

		if (!h[i].id)
			snprintf(id, sizeof(id), "<missing>");
		else
			snprintf(id, no_trunc ? sizeof(id) : 13, "%s",
				 no_trunc ? h[i].id : (hex ? hex : h[i].id));
		if (quiet) {
			printf("%s\n", id);
			continue;
		}
		if (h[i].created)
			format_since(h[i].created, now, since, sizeof(since));
		else
			snprintf(since, sizeof(since), "N/A");
		format_size(h[i].size, size, sizeof(size));
		/* docker truncates CREATED BY to 45 characters with an ellipsis */
		if (!no_trunc && strlen(h[i].created_by) > 45)
			snprintf(by, sizeof(by), "%.44s…", h[i].created_by);
		const char *const row[] = {id, since,
					   !no_trunc && strlen(h[i].created_by) > 45
					       ? by
					       : h[i].created_by,
					   size, h[i].comment};
		if (table_add_row(t, row) < 0) {
			r = berth_error_set(err, ENOMEM, "history");
			goto out;
		}
	}
	r = quiet ? 0 : table_print(t, stdout);
	if (r < 0)
		r = berth_error_set(err, -r, "write");
out:
	table_free(t);
	berth_history_free(h, n);
	return r;
}

static int cmd_image_inspect(int argc, char **argv, struct berth_cli *cli,
			     struct berth_error **err)
{
	return cli_inspect(argc, argv, cli, "image", err);
}

static int cmd_image_prune(int argc, char **argv, struct berth_cli *cli, struct berth_error **err)
{
	static const struct option options[] = {
	    {"all", no_argument, NULL, 'a'},
	    {"force", no_argument, NULL, 'f'},
	    {"help", no_argument, NULL, 'h'},
	    {},
	};
	_cleanup_(berth_engine_freep) struct berth_engine *engine = NULL;
	_cleanup_strv_free_ char **deleted = NULL;
	uint64_t reclaimed = 0;
	bool all = false, force = false;
	char size[32];
	int c, r;

	while ((c = cli_getopt(argc, argv, ":afh", options, NULL)) >= 0) {
		switch (c) {
		case 'a':
			all = true;
			break;
		case 'f':
			force = true;
			break;
		case 'h':
			printf("Usage:  berth image prune [OPTIONS]\n\n"
			       "Remove unused images, layers and blobs\n\nOptions:\n"
			       "  -a, --all     Remove all images no container uses, not just\n"
			       "                untagged ones\n"
			       "  -f, --force   Do not prompt for confirmation\n");
			return 0;
		default:
			return cli_getopt_error(cli, argv, c, err);
		}
	}
	if (optind < argc)
		return cli_usage_error(cli, err, "\"image prune\" takes no arguments");
	if (!force && !cli_confirm(all ? "This will remove all images without at least one "
					 "container associated to them."
				       : "This will remove all dangling images."))
		return 0;
	r = cli_open_engine(cli, &engine, err);
	if (r < 0)
		return r;
	r = berth_engine_image_prune(engine, all, &deleted, &reclaimed, err);
	if (r < 0)
		return berth_error_wrap(err, "image prune");
	if (deleted[0]) {
		printf("Deleted Images:\n");
		for (size_t i = 0; deleted[i]; i++)
			printf("deleted: %s\n", deleted[i]);
		printf("\n");
	}
	format_size((int64_t)reclaimed, size, sizeof(size));
	printf("Total reclaimed space: %s\n", size);
	return fflush(stdout) == 0 ? 0 : berth_error_set(err, errno, "write");
}

int cmd_image(int argc, char **argv, struct berth_cli *cli, struct berth_error **err)
{
	static const struct berth_command sub[] = {
	    {"history", cmd_history, "Show the history of an image"},
	    {"import", cmd_import, "Import a tarball as an image"},
	    {"inspect", cmd_image_inspect, "Display detailed information on images"},
	    {"load", cmd_load, "Load images from an archive"},
	    {"ls", cmd_images, "List images"},
	    {"prune", cmd_image_prune, "Remove unused images"},
	    {"pull", cmd_pull, "Download an image from a registry"},
	    {"push", cmd_push, "Upload an image to a registry"},
	    {"rm", cmd_rmi, "Remove images"},
	    {"save", cmd_save, "Save images to an archive"},
	    {"tag", cmd_tag, "Tag an image"},
	};

	return cli_group(argc, argv, cli, "image", "Manage images", sub, ELEMENTSOF(sub), err);
}
