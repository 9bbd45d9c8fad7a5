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

/* The value at a dotted path (".State.Pid"; "." is obj itself). NULL when absent; when
 * a key is absent from an object, *ret_missing and *ret_missing_len name it. */
static json_t *lookup(json_t *obj, const char *path, size_t len, const char **ret_missing,
		      size_t *ret_missing_len)
{
	json_t *v = obj;
	size_t i = 0;

	if (len == 0 || path[0] != '.')
		return NULL;
	i = 1;
	while (i < len && v) {
		size_t j = i;
		char key[128];
		json_t *next;

		while (j < len && path[j] != '.')
			j++;
		if (j - i >= sizeof(key))
			return NULL;
		memcpy(key, path + i, j - i);
		key[j - i] = 0;
		next = json_object_get(v, key);
		if (!next && json_is_object(v)) {
			*ret_missing = path + i;
			*ret_missing_len = j - i;
			return NULL;
		}
		v = next;
		i = j + 1;
	}
	return v;
}

/* Go's text/template with missingkey=error (docker's inspect over the raw JSON): "at
 * <.A.B>: map has no entry for key "A"", at line:column of the path's last field. */
static int missing_key(const char *tmpl, const char *path, size_t len, const char *key,
		       size_t key_len, struct berth_error **err)
{
	const char *last = path + len, *line = tmpl;
	unsigned lineno = 1;

	while (last > path && last[-1] != '.')
		last--;
	if (last > path)
		last--;
	for (const char *c = tmpl; c < last; c++)
		if (*c == '\n') {
			lineno++;
			line = c + 1;
		}
	return berth_error_new(err, ENOENT,
			       "template: :%u:%zu: executing \"\" at <%.*s>: map has no entry for "
			       "key \"%.*s\"",
			       lineno, (size_t)(last - line), (int)len, path, (int)key_len, key);
}

static void print_value(json_t *v, bool as_json, FILE *out)
{
	char *t;

	if (!v) {
		fputs(as_json ? "null" : "<no value>", out);
		return;
	}
	if (!as_json && json_is_string(v)) {
		fputs(json_string_value(v), out);
		return;
	}
	t = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY | JSON_PRESERVE_ORDER);
	if (t)
		fputs(t, out);
	free(t);
}

int cli_template(const char *tmpl, json_t *obj, FILE *out, struct berth_error **err)
{
	const char *p = tmpl;

	while (*p) {
		const char *open = strstr(p, "{{"), *close, *a, *b;
		bool as_json = false;
		json_t *v;

		if (!open) {
			fputs(p, out);
			break;
		}
		fwrite(p, 1, (size_t)(open - p), out);
		close = strstr(open + 2, "}}");
		if (!close)
			return berth_error_new(err, EINVAL, "template: unclosed action");
		a = open + 2;
		b = close;
		while (a < b && *a == ' ')
			a++;
		while (b > a && b[-1] == ' ')
			b--;
		if ((size_t)(b - a) > 5 && !strncmp(a, "json ", 5)) {
			as_json = true;
			a += 5;
			while (a < b && *a == ' ')
				a++;
		}
		if (a == b || *a != '.' || memchr(a, ' ', (size_t)(b - a)))
			return berth_error_new(err, EINVAL,
					       "template: '%.*s': only {{.Field.Path}} and "
					       "{{json .Field.Path}} are supported",
					       (int)(close - open - 2), open + 2);
		if (b - a == 1) {
			v = obj;
		} else {
			const char *key = NULL;
			size_t key_len = 0;

			v = lookup(obj, a, (size_t)(b - a), &key, &key_len);
			if (key)
				return missing_key(tmpl, a, (size_t)(b - a), key, key_len, err);
		}
		print_value(v, as_json, out);
		p = close + 2;
	}
	fputc('\n', out);
	return 0;
}

int cli_inspect(int argc, char **argv, struct berth_cli *cli, const char *type,
		struct berth_error **err)
{
	enum { OPT_TYPE = 0x100, OPT_HELP };
	static const struct option options[] = {
		{ "format", required_argument, NULL, 'f' },
		{ "type", required_argument, NULL, OPT_TYPE },
		{ "help", no_argument, NULL, OPT_HELP },
		{},
	};
	_cleanup_(berth_engine_freep) struct berth_engine *engine = NULL;
	const char *format = NULL;
	bool first = true;
	int c, r, failed = 0;

	opterr = 0;
	while ((c = cli_getopt(argc, argv, ":f:h", options, NULL)) >= 0) {
		switch (c) {
		case 'f':
			format = optarg;
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
			       "  -f, --format TEMPLATE   Print {{.Field.Path}} or {{json .Field}} of "
			       "each\n%s",
			       type ? type : "", type ? " " : "",
			       type ? (streq(type, "image") ? "images" : "containers")
				    : "containers and images",
			       type ? "" : "      --type TYPE         container or image only\n");
			return 0;
		default:
			return cli_getopt_error(cli, argv, c, err);
		}
	}
	if (optind >= argc)
		return cli_usage_error(cli, err, "\"inspect\" requires at least 1 argument");
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
			r = berth_engine_inspect(engine, argv[i], &json, &e);
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
			r = cli_template(format, o, f, &e);
			json_decref(o);
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
