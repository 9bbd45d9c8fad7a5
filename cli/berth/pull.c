/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * `berth pull [--tls-verify=false] [--authfile FILE] [-q] REF`: prints progress on stderr
 * and the image id on stdout. On a terminal, a line per layer rewritten in place
 * ("sha256:abcd1234: Downloading  12.3MB/45.6MB", "Extracting", "Pull complete"), like
 * docker; otherwise plain lines ("Copying blob sha256:... done"), like podman.
 * Also the registry flags push shares.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "berth/cleanup.h"
#include "cli.h"
#include "berth/util.h"

static void usage(FILE *f)
{
	fprintf(f, "Usage:  berth pull [OPTIONS] NAME[:TAG|@DIGEST]\n"
		   "\n"
		   "Download an image from a registry (docker.io unless NAME starts with a\n"
		   "registry host). Prints the image id.\n"
		   "\n"
		   "Options:\n"
		   "  -a, --all-tags          Download every tagged image of the repository\n"
		   "      --authfile FILE     Credentials file (default $DOCKER_CONFIG/config.json\n"
		   "                          or ~/.docker/config.json)\n"
		   "      --platform P        linux/amd64 (the only one berth runs)\n"
		   "  -q, --quiet             Print no progress\n"
		   "      --tls-verify[=BOOL] Check the registry's certificate (default true);\n"
		   "                          false also allows plain http\n"
		   "  -h, --help              Print this help\n");
}

static volatile sig_atomic_t interrupted;

static void on_interrupt(int sig)
{
	/* The second one is not polite any more. */
	if (interrupted) {
		signal(sig, SIG_DFL);
		raise(sig);
	}
	interrupted = 1;
}

const volatile sig_atomic_t *cli_catch_interrupts(void)
{
	struct sigaction sa = {.sa_handler = on_interrupt};

	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	return &interrupted;
}

/* What is on the terminal: the layers' lines, and how many lines were printed. */
static struct {
	char **ids;
	size_t *row; /* the line each layer is on, counted from the first one printed */
	size_t n;
	size_t lines;
} screen;

void cli_progress(const char *line, void *data)
{
	(void)data;
	fprintf(stderr, "%s\n", line);
	fflush(stderr);
	screen.lines++;
}

void cli_layer_status(const char *id, const char *status, void *data)
{
	char **ids;
	size_t *row;

	(void)data;
	for (size_t i = 0; i < screen.n; i++) {
		size_t up = screen.lines - screen.row[i];

		if (!streq(screen.ids[i], id))
			continue;
		/* Up to the layer's line, rewrite it, back down to where we were. */
		fprintf(stderr, "\033[%zuA\r\033[2K%s: %s\r\033[%zuB", up, id, status, up);
		fflush(stderr);
		return;
	}
	ids = realloc(screen.ids, (screen.n + 1) * sizeof(*ids));
	if (ids)
		screen.ids = ids;
	row = realloc(screen.row, (screen.n + 1) * sizeof(*row));
	if (row)
		screen.row = row;
	if (ids && row && (ids[screen.n] = strdup(id))) {
		row[screen.n] = screen.lines;
		screen.n++;
	}
	fprintf(stderr, "%s: %s\n", id, status);
	fflush(stderr);
	screen.lines++;
}

int cli_registry_flags(int argc, char **argv, struct berth_cli *cli,
		       struct berth_registry_options *o, void (*print_usage)(FILE *),
		       bool *ret_all_tags, struct berth_error **err)
{
	enum { OPT_TLS_VERIFY = 0x100, OPT_AUTHFILE, OPT_PLATFORM };
	static const struct option push_options[] = {
	    {"tls-verify", optional_argument, NULL, OPT_TLS_VERIFY},
	    {"authfile", required_argument, NULL, OPT_AUTHFILE},
	    {"quiet", no_argument, NULL, 'q'},
	    {"help", no_argument, NULL, 'h'},
	    {},
	};
	static const struct option pull_options[] = {
	    {"tls-verify", optional_argument, NULL, OPT_TLS_VERIFY},
	    {"authfile", required_argument, NULL, OPT_AUTHFILE},
	    {"quiet", no_argument, NULL, 'q'},
	    {"all-tags", no_argument, NULL, 'a'},
	    {"platform", required_argument, NULL, OPT_PLATFORM},
	    {"help", no_argument, NULL, 'h'},
	    {},
	};
	bool verify = true;
	int c, r;

	while ((c = cli_getopt(argc, argv, ret_all_tags ? ":aqh" : ":qh",
			       ret_all_tags ? pull_options : push_options, NULL)) >= 0) {
		switch (c) {
		case 'a':
			*ret_all_tags = true;
			break;
		case OPT_PLATFORM:
			/* one platform: the host's (as run --platform) */
			if (!streq(optarg, "linux/amd64") && !streq(optarg, "linux") &&
			    !streq(optarg, "amd64"))
				return cli_usage_error(cli, err,
						       "--platform '%s': berth pulls linux/amd64 "
						       "images only",
						       optarg);
			break;
		case OPT_TLS_VERIFY:
			r = cli_parse_bool(cli, "tls-verify", optarg, &verify, err);
			if (r < 0)
				return r;
			o->insecure = !verify;
			break;
		case OPT_AUTHFILE:
			o->auth_file = optarg;
			break;
		case 'q':
			o->progress = NULL;
			break;
		case 'h':
			print_usage(stdout);
			return 1;
		default:
			return cli_getopt_error(cli, argv, c, err);
		}
	}
	return 0;
}

int cmd_pull(int argc, char **argv, struct berth_cli *cli, struct berth_error **err)
{
	_cleanup_(berth_store_freep) struct berth_store *store = NULL;
	_cleanup_strv_free_ char **tags = NULL;
	struct berth_registry_options o = {.progress = cli_progress};
	bool all_tags = false;
	int r;

	r = cli_registry_flags(argc, argv, cli, &o, usage, &all_tags, err);
	if (r != 0)
		return r < 0 ? r : 0;
	if (argc - optind != 1)
		return cli_usage_error(cli, err, "\"pull\" requires exactly 1 argument");
	/* On a terminal, a line per layer updated in place, as docker shows them. */
	if (o.progress && isatty(STDERR_FILENO))
		o.layer_status = cli_layer_status;

	r = cli_open_store(cli, &store, err);
	if (r < 0)
		return r;
	o.cancel = cli_catch_interrupts();
	/* -a: each tag the registry lists, in its order, an id per tag (as podman) */
	if (all_tags) {
		r = berth_registry_tags(argv[optind], &o, &tags, err);
		if (r < 0)
			return berth_error_wrap(err, "pull '%s'", argv[optind]);
	}
	for (size_t i = 0; !all_tags || tags[i]; i++) {
		_cleanup_free_ char *id = NULL,
				    *ref = all_tags ? xasprintf("%s:%s", argv[optind], tags[i])
						    : strdup(argv[optind]);

		if (!ref)
			return berth_error_set(err, ENOMEM, "pull");
		r = berth_image_pull(store, ref, &o, &id, err);
		if (r < 0)
			return berth_error_wrap(err, "pull '%s'", ref);
		printf("%s\n", id);
		if (fflush(stdout) != 0)
			return berth_error_set(err, errno, "write id");
		if (!all_tags)
			break;
	}
	return 0;
}

int cli_pull_image(struct berth_cli *cli, const char *ref, struct berth_error **err)
{
	_cleanup_(berth_store_freep) struct berth_store *store = NULL;
	_cleanup_free_ char *id = NULL;
	struct berth_registry_options o = {.progress = cli_progress};
	int r;

	if (isatty(STDERR_FILENO))
		o.layer_status = cli_layer_status;
	r = cli_open_store(cli, &store, err);
	if (r < 0)
		return r;
	o.cancel = cli_catch_interrupts();
	r = berth_image_pull(store, ref, &o, &id, err);
	if (r < 0)
		return berth_error_wrap(err, "pull '%s'", ref);
	return 0;
}
