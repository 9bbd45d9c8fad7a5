/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * berth inspect: containers and images as docker shows them, a JSON array, or each
 * through --format.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "berth/engine.h"
#include "berth/cleanup.h"
#include "cli.h"
#include "berth/util.h"
#include "template.h"

int cli_inspect(int argc, char **argv, struct berth_cli *cli, const char *type,
		struct berth_error **err)
{
	enum { OPT_TYPE = 0x100, OPT_HELP };
	static const struct option options[] = {
		{ "format", required_argument, NULL, 'f' },
		{ "size", no_argument, NULL, 's' },
		{ "type", required_argument, NULL, OPT_TYPE },
		{ "help", no_argument, NULL, OPT_HELP },
		{},
	};
	_cleanup_(berth_engine_freep) struct berth_engine *engine = NULL;
	_cleanup_(tmpl_freep) struct tmpl *tmpl = NULL;
	const char *format = NULL;
	bool first = true, size = false;
	int c, r, failed = 0;

	opterr = 0;
	while ((c = cli_getopt(argc, argv, ":f:sh", options, NULL)) >= 0) {
		switch (c) {
		case 'f':
			/* docker: "json" is {{json .}} */
			format = streq(optarg, "json") ? "{{json .}}" : optarg;
			break;
		case 's':
			/* docker's: containers only, images as without it */
			size = true;
			break;
		case OPT_TYPE:
			if (type || (!streq(optarg, "container") && !streq(optarg, "image")))
				/* (a group's inspect has its type: a --type of its own is an error) */
				return cli_usage_error(cli, err, "invalid --type '%s'", optarg);
			type = optarg;
			break;
		case OPT_HELP:
		case 'h':
			printf("Usage:  berth %s%sinspect [OPTIONS] NAME|ID [NAME|ID...]\n\n"
			       "Display detailed information on %s, as a JSON array\n\n"
			       "Options:\n"
			       "  -f, --format TEMPLATE   Print each through a Go template: "
			       "{{.State.Status}}, {{json .Config}}\n%s%s",
			       type ? type : "", type ? " " : "",
			       type ? (streq(type, "image") ? "images" : "containers")
				    : "containers and images",
			       type && streq(type, "image")
				   ? ""
				   : "  -s, --size              A container's SizeRw and SizeRootFs\n",
			       type ? "" : "      --type TYPE         container or image only\n");
			return 0;
		default:
			return cli_getopt_error(cli, argv, c, err);
		}
	}
	if (optind >= argc)
		return cli_usage_error(cli, err, "\"inspect\" requires at least 1 argument");
	/* Go's missingkey=error, as docker's inspect over the raw JSON */
	if (format && (r = tmpl_parse(format, true, &tmpl, err)) < 0)
		return r;
	r = cli_open_engine(cli, &engine, err);
	if (r < 0)
		return r;
	if (!format)
		printf("[");
	for (int i = optind; i < argc; i++) {
		_cleanup_free_ char *json = NULL;
		struct berth_error *e = NULL;

		r = -ENOENT;
		if (!type || streq(type, "container"))
			r = berth_engine_inspect(engine, argv[i], size, &json, &e);
		if (r == -ENOENT && (!type || streq(type, "image"))) {
			e = berth_error_free(e);
			r = berth_image_inspect(berth_engine_store(engine), argv[i], &json, &e);
		}
		if (r == -ENOENT && !type) {
			e = berth_error_free(e);
			berth_error_new(&e, ENOENT, "no such object: %s", argv[i]);
		}
		if (r < 0) {
			fprintf(stderr, "berth: %s\n", berth_error_message(e));
			berth_error_free(e);
			failed = 1;
			continue;
		}
		if (format) {
			json_t *o = json_loads(json, 0, NULL);
			_cleanup_free_ char *text = NULL;
			size_t n = 0;
			FILE *f = open_memstream(&text, &n);

			if (!f) {
				json_decref(o);
				return berth_error_set(err, errno, "format '%s'", argv[i]);
			}
			/* into a buffer: a failed template prints nothing of its object */
			r = tmpl_execute(tmpl, o, f, &e);
			json_decref(o);
			if (r >= 0)
				fputc('\n', f);
			if (fclose(f) != 0 && r >= 0)
				r = berth_error_set(&e, errno, "format '%s'", argv[i]);
			/* a key it does not have: that object's failure, as docker's (exit 1) */
			if (r == -ENOENT) {
				fprintf(stderr, "berth: %s\n", berth_error_message(e));
				berth_error_free(e);
				failed = 1;
				continue;
			}
			if (r < 0) {
				*err = e;
				return r;
			}
			fwrite(text, 1, n, stdout);
			continue;
		}
		printf("%s\n%s", first ? "" : ",", json);
		first = false;
	}
	if (!format)
		printf("%s]\n", first ? "" : "\n");
	if (fflush(stdout) != 0)
		return berth_error_set(err, errno, "write");
	return failed;
}

int cmd_inspect(int argc, char **argv, struct berth_cli *cli, struct berth_error **err)
{
	return cli_inspect(argc, argv, cli, NULL, err);
}

int cmd_container_inspect(int argc, char **argv, struct berth_cli *cli, struct berth_error **err)
{
	return cli_inspect(argc, argv, cli, "container", err);
}
