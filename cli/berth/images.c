/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "berth/cleanup.h"
#include "cli.h"
#include "berth/util.h"

#define SHORT_ID_LEN 12

static void usage(FILE *f)
{
	fprintf(f, "Usage:  berth images [OPTIONS]\n"
		   "\n"
		   "List images\n"
		   "\n"
		   "Options:\n"
		   "  -a, --all             Show all images (berth makes no intermediate ones: "
		   "the same list)\n"
		   "      --digests         Show digests\n"
		   "  -f, --filter filter   Filter output based on conditions provided "
		   "(dangling, reference, before, since, label)\n"
		   "      --format string   Format output using a custom template: 'table', "
		   "'table TEMPLATE', 'json', 'TEMPLATE'\n"
		   "  -q, --quiet           Only show image IDs\n"
		   "      --no-trunc        Don't truncate output\n"
		   "  -h, --help            Print this help\n");
}

static void tablep(struct table **t)
{
	table_free(*t);
}

struct image_list {
	struct berth_image **images;
	size_t n;
};

static void image_list_release(struct image_list *l)
{
	berth_image_list_free(l->images, l->n);
}

/* "sha256:0123456789ab..." -> "0123456789ab" (or the whole id with --no-trunc). */
static const char *display_id(const char *id, bool no_trunc, char buf[SHORT_ID_LEN + 1])
{
	const char *hex = startswith(id, "sha256:");

	if (no_trunc)
		return id;
	snprintf(buf, SHORT_ID_LEN + 1, "%s", hex ? hex : id);
	return buf;
}

/* docker's placeholders of an image (formatter.imageContext), keys sorted as its JSON
 * has them */
static json_t *row_of(const struct berth_image *img, const char *repo, const char *tag,
		      const char *digest, const char *id, const char *since, const char *size)
{
	char created_at[64];

	format_created_at(img->created, created_at, sizeof(created_at));
	return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "Containers",
			 "N/A", "CreatedAt", created_at, "CreatedSince", since, "Digest", digest,
			 "ID", id, "Repository", repo, "SharedSize", "N/A", "Size", size, "Tag",
			 tag, "UniqueSize", "N/A", "VirtualSize", size);
}

static json_t *header(void)
{
	return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "Containers",
			 "CONTAINERS", "CreatedAt", "CREATED AT", "CreatedSince", "CREATED",
			 "Digest", "DIGEST", "ID", "IMAGE ID", "Repository", "REPOSITORY",
			 "SharedSize", "SHARED SIZE", "Size", "SIZE", "Tag", "TAG", "UniqueSize",
			 "UNIQUE SIZE", "VirtualSize", "VIRTUAL SIZE");
}

int cmd_images(int argc, char **argv, struct berth_cli *cli, struct berth_error **err)
{
	enum { OPT_NO_TRUNC = 0x100, OPT_FORMAT, OPT_DIGESTS };
	static const struct option options[] = {
	    {"all", no_argument, NULL, 'a'},
	    {"digests", no_argument, NULL, OPT_DIGESTS},
	    {"filter", required_argument, NULL, 'f'},
	    {"format", required_argument, NULL, OPT_FORMAT},
	    {"quiet", no_argument, NULL, 'q'},
	    {"no-trunc", no_argument, NULL, OPT_NO_TRUNC},
	    {"help", no_argument, NULL, 'h'},
	    {},
	};
	static const char *const headers[] = {"REPOSITORY", "TAG", "IMAGE ID", "CREATED", "SIZE"};
	static const char *const headers_digests[] = {"REPOSITORY", "TAG",     "DIGEST",
						      "IMAGE ID",   "CREATED", "SIZE"};
	_cleanup_(berth_store_freep) struct berth_store *store = NULL;
	_cleanup_(image_list_release) struct image_list l = {0};
	_cleanup_(tablep) struct table *t = NULL;
	_cleanup_strv_free_ char **seen = NULL, **filters = NULL;
	_cleanup_(cli_format_release) struct cli_format fmt = {0};
	const char *format = NULL;
	bool quiet = false, no_trunc = false, formatted = false, digests = false;
	int64_t now = (int64_t)time(NULL);
	int c, r;

	while ((c = cli_getopt(argc, argv, ":af:qh", options, NULL)) >= 0) {
		switch (c) {
		case 'a':
			/* docker's intermediate images: berth has none */
			break;
		case OPT_DIGESTS:
			digests = true;
			break;
		case 'f':
			r = cli_filter_add(cli, &filters, optarg, err);
			if (r < 0)
				return r;
			break;
		case OPT_FORMAT:
			format = optarg;
			break;
		case 'q':
			quiet = true;
			break;
		case OPT_NO_TRUNC:
			no_trunc = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			return cli_getopt_error(cli, argv, c, err);
		}
	}
	if (optind < argc)
		return cli_usage_error(cli, err, "\"images\" takes no arguments");

	if (!quiet) {
		r = cli_format_open(format, &fmt, &formatted, err);
		if (r < 0)
			return r;
	}
	r = cli_open_store(cli, &store, err);
	if (r < 0)
		return r;
	r = berth_image_list(store, &l.images, &l.n, err);
	if (r < 0)
		return berth_error_wrap(err, "images");
	r = berth_image_list_filter(store, l.images, &l.n, filters, err);
	if (r < 0)
		return r;

	if (quiet) {
		/* One line per image, not per tag: what `berth rmi $(berth images -q)`
		 * wants. */
		for (size_t i = 0; i < l.n; i++) {
			char buf[SHORT_ID_LEN + 1];

			if (strv_contains(seen, l.images[i]->id))
				continue;
			if (strv_extend(&seen, l.images[i]->id) < 0)
				return berth_error_set(err, ENOMEM, "images");
			printf("%s\n", display_id(l.images[i]->id, no_trunc, buf));
		}
		return fflush(stdout) == 0 ? 0 : berth_error_set(err, errno, "write");
	}

	t = digests ? table_new(ELEMENTSOF(headers_digests), headers_digests)
		    : table_new(ELEMENTSOF(headers), headers);
	if (!t)
		return berth_error_set(err, ENOMEM, "images");
	for (size_t i = 0; i < l.n; i++) {
		const struct berth_image *img = l.images[i];
		_cleanup_free_ char *repo = NULL;
		_cleanup_strv_free_ char **rd = NULL, **shown = NULL;
		const char *tag = "<none>", *colon;
		char idbuf[SHORT_ID_LEN + 1], since[64], size[32];

		if (img->ref) {
			/* The tag is after the last ':' that follows the last '/'. */
			colon = strrchr(img->ref, ':');
			if (colon && strchr(colon, '/'))
				colon = NULL;
			repo = colon ? strndup(img->ref, (size_t)(colon - img->ref))
				     : strdup(img->ref);
			if (colon)
				tag = colon + 1;
		} else {
			repo = strdup("<none>");
		}
		if (!repo)
			return berth_error_set(err, ENOMEM, "images");
		format_since(img->created, now, since, sizeof(since));
		format_size(img->size, size, sizeof(size));
		/* docker's --digests: a row per digest of the row's repository ("repo@sha256:
		 * ..."); an untagged image a row per digest it was pulled by, under its
		 * repository; "<none>" for the others and without --digests */
		if (digests) {
			r = berth_image_repo_digests(store, img->id, &rd, err);
			if (r < 0)
				return r;
			for (char **d = rd; *d; d++) {
				const char *at = strchr(*d, '@');

				if (at &&
				    (img->ref ? (size_t)(at - *d) == strlen(repo) &&
						    !strncmp(*d, repo, strlen(repo))
					      : !img->ref) &&
				    strv_extend(&shown, *d) < 0)
					return berth_error_set(err, ENOMEM, "images");
			}
		}
		for (size_t k = 0, rows = shown ? strv_length(shown) : 1; k < rows; k++) {
			_cleanup_free_ char *drepo = NULL;
			const char *digest = "<none>", *rrepo = repo;

			if (shown && shown[k]) {
				const char *at = strchr(shown[k], '@');

				digest = at + 1;
				drepo = strndup(shown[k], (size_t)(at - shown[k]));
				if (!drepo)
					return berth_error_set(err, ENOMEM, "images");
				rrepo = drepo;
			}
			if (formatted) {
				json_t *o =
				    row_of(img, rrepo, tag, digest,
					   display_id(img->id, no_trunc, idbuf), since, size);

				r = o ? cli_format_row(&fmt, o, err)
				      : berth_error_set(err, ENOMEM, "images: format");
				json_decref(o);
				if (r < 0)
					return r;
				continue;
			}
			const char *const row[] = {rrepo, tag, display_id(img->id, no_trunc, idbuf),
						   since, size};
			const char *const row_d[] = {
			    rrepo, tag, digest, display_id(img->id, no_trunc, idbuf), since, size};
			if (table_add_row(t, digests ? row_d : row) < 0)
				return berth_error_set(err, ENOMEM, "images");
		}
	}
	if (formatted) {
		json_t *h = header();

		r = cli_format_finish(&fmt, h, err);
		json_decref(h);
		return r;
	}
	r = table_print(t, stdout);
	return r < 0 ? berth_error_set(err, -r, "write") : 0;
}
