/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * `berth search [OPTIONS] TERM`: docker's search through the registry's v1 search API
 * (berth_registry_search); TERM may name the registry ("localhost:5000/busybox"), as
 * docker's does, else docker.io is asked.
 */
#include <errno.h>
#include <inttypes.h>
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "berth/cleanup.h"
#include "berth/image.h"
#include "berth/util.h"
#include "cli.h"

static void usage(FILE *f)
{
	fprintf(f, "Usage:  berth search [OPTIONS] TERM\n"
		   "\n"
		   "Search a registry for images (TERM may start with the registry,\n"
		   "\"host:port/term\"; docker.io otherwise)\n"
		   "\n"
		   "Options:\n"
		   "  -f, --filter filter   Filter output based on conditions provided\n"
		   "                        (stars=N, is-official=BOOL, is-automated=BOOL)\n"
		   "      --format string   Pretty-print search using a Go template\n"
		   "      --limit int       Max number of search results (default 25)\n"
		   "      --no-trunc        Don't truncate output\n"
		   "      --tls-verify[=BOOL] Check the registry's certificate (default true);\n"
		   "                        false also allows plain http\n"
		   "  -h, --help            Print this help\n");
}

/* "host:port/term" or "host.name/term": docker's split of a registry from the term */
static void split_term(const char *arg, char **ret_registry, const char **ret_term)
{
	const char *slash = strchr(arg, '/');
	size_t n = slash ? (size_t)(slash - arg) : 0;

	if (slash && (memchr(arg, '.', n) || memchr(arg, ':', n) ||
		      (n == strlen("localhost") && !strncmp(arg, "localhost", n)))) {
		*ret_registry = strndup(arg, n);
		*ret_term = slash + 1;
	} else {
		*ret_registry = strdup("docker.io");
		*ret_term = arg;
	}
}

/* s and spaces to width characters (not bytes: "…" is one), then a space */
static void cell(const char *s, size_t width)
{
	size_t runes = 0;

	for (const char *c = s; *c; c++)
		runes += ((unsigned char)*c & 0xc0) != 0x80;
	printf("%s%*s ", s, (int)(runes < width ? width - runes : 0), "");
}

static bool keep(const struct berth_search_result *r, char *const *filters)
{
	for (char *const *f = filters; f && *f; f++) {
		const char *v = strchr(*f, '=') + 1;
		bool want = streq(v, "true") || streq(v, "1");

		if (startswith(*f, "stars=") && r->stars < strtoll(v, NULL, 10))
			return false;
		if (startswith(*f, "is-official=") && r->official != want)
			return false;
		if (startswith(*f, "is-automated=") && r->automated != want)
			return false;
	}
	return true;
}

int cmd_search(int argc, char **argv, struct berth_cli *cli, struct berth_error **err)
{
	enum { OPT_FORMAT = 0x100, OPT_LIMIT, OPT_NO_TRUNC, OPT_TLS_VERIFY };
	static const struct option options[] = {
	    {"filter", required_argument, NULL, 'f'},
	    {"format", required_argument, NULL, OPT_FORMAT},
	    {"limit", required_argument, NULL, OPT_LIMIT},
	    {"no-trunc", no_argument, NULL, OPT_NO_TRUNC},
	    {"tls-verify", optional_argument, NULL, OPT_TLS_VERIFY},
	    {"help", no_argument, NULL, 'h'},
	    {},
	};
	_cleanup_(cli_format_release) struct cli_format fmt = {0};
	_cleanup_strv_free_ char **filters = NULL;
	_cleanup_free_ char *registry = NULL;
	struct berth_registry_options o = {0};
	struct berth_search_result *res = NULL;
	const char *format = NULL, *term;
	bool no_trunc = false, verify = true, formatted = false;
	int64_t limit = 25;
	size_t n = 0;
	int c, r;

	while ((c = cli_getopt(argc, argv, ":f:h", options, NULL)) >= 0) {
		switch (c) {
		case 'f':
			r = cli_filter_add(cli, &filters, optarg, err);
			if (r < 0)
				return r;
			if (!startswith(filters[strv_length(filters) - 1], "stars=") &&
			    !startswith(filters[strv_length(filters) - 1], "is-official=") &&
			    !startswith(filters[strv_length(filters) - 1], "is-automated="))
				return berth_error_new(err, EINVAL, "invalid filter '%s'", optarg);
			break;
		case OPT_FORMAT:
			format = optarg;
			break;
		case OPT_LIMIT:
			if (parse_i64(optarg, &limit) < 0)
				return cli_usage_error(cli, err,
						       "invalid argument \"%s\" for \"--limit\" flag",
						       optarg);
			break;
		case OPT_NO_TRUNC:
			no_trunc = true;
			break;
		case OPT_TLS_VERIFY:
			r = cli_parse_bool(cli, "tls-verify", optarg, &verify, err);
			if (r < 0)
				return r;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			return cli_getopt_error(cli, argv, c, err);
		}
	}
	if (argc - optind != 1)
		return cli_usage_error(cli, err, "\"search\" requires exactly 1 argument");
	if (limit < 1 || limit > 100)
		return berth_error_new(err, EINVAL,
				       "limit %" PRId64 " is outside the range of [1, 100]", limit);
	r = cli_format_open(format, &fmt, &formatted, err);
	if (r < 0)
		return r;
	split_term(argv[optind], &registry, &term);
	if (!registry)
		return berth_error_set(err, ENOMEM, "search");
	o.insecure = !verify;
	r = berth_registry_search(registry, term, (unsigned)limit, &o, &res, &n, err);
	if (r < 0)
		return r;
	if (!formatted)
		printf("%-46s %-46s %-5s %s\n", "NAME", "DESCRIPTION", "STARS", "OFFICIAL");
	for (size_t i = 0; i < n; i++) {
		_cleanup_free_ char *desc = NULL;
		char stars[24];

		if (!keep(&res[i], filters))
			continue;
		desc = no_trunc ? strdup(res[i].description) : cli_ellipsis(res[i].description, 45);
		snprintf(stars, sizeof(stars), "%" PRId64, res[i].stars);
		if (formatted) {
			json_t *row = json_pack("{s:s, s:s, s:s, s:s, s:s}", "Name", res[i].name,
						"Description", desc ? desc : "", "StarCount", stars,
						"IsOfficial", res[i].official ? "true" : "false",
						"IsAutomated", res[i].automated ? "true" : "false");

			r = row ? cli_format_row(&fmt, row, err)
				: berth_error_set(err, ENOMEM, "search");
			json_decref(row);
			if (r < 0)
				break;
			continue;
		}
		cell(res[i].name, 46);
		cell(desc ? desc : "", 46);
		cell(stars, 5);
		printf("%s\n", res[i].official ? "[OK]" : "");
	}
	berth_search_results_free(res, n);
	if (r >= 0 && formatted) {
		json_t *h = json_pack("{s:s, s:s, s:s, s:s, s:s}", "Name", "NAME", "Description",
				      "DESCRIPTION", "StarCount", "STARS", "IsOfficial", "OFFICIAL",
				      "IsAutomated", "AUTOMATED");

		r = cli_format_finish(&fmt, h, err);
		json_decref(h);
	}
	return r;
}
