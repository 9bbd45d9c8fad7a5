/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "berth/cleanup.h"
#include "berth/engine.h"
#include "berth/util.h"
#include "cli.h"
#include "template.h"

struct printer {
	struct tmpl *tmpl;	   /* --format TEMPLATE */
	bool json;		   /* --format json */
	struct berth_error *error; /* the template's, when it failed */
};

/* Go's RFC3339NanoFixed in local time, as docker prints an event's time:
 * "2026-12-07T15:00:00.123456789Z" (or "+01:00" for the zone) */
static void format_time(int64_t ns, char *buf, size_t n)
{
	time_t t = (time_t)(ns / 1000000000);
	struct tm tm;
	size_t k;

	if (!localtime_r(&t, &tm)) {
		snprintf(buf, n, "%lld", (long long)ns);
		return;
	}
	k = strftime(buf, n, "%Y-%m-%dT%H:%M:%S", &tm);
	k += (size_t)snprintf(buf + k, n - k, ".%09lld", (long long)(ns % 1000000000));
	if (tm.tm_gmtoff == 0)
		snprintf(buf + k, n - k, "Z");
	else
		snprintf(buf + k, n - k, "%c%02ld:%02ld", tm.tm_gmtoff < 0 ? '-' : '+',
			 labs(tm.tm_gmtoff) / 3600, labs(tm.tm_gmtoff) % 3600 / 60);
}

/* What a template sees: docker's events.Message by its Go field names */
static json_t *message(const struct berth_event *ev)
{
	_cleanup_(json_decrefp) json_t *line = json_loads(ev->json, 0, NULL);
	json_t *attrs = json_object(), *m;
	const char *status = json_string_value(json_object_get(line, "status")),
		   *id = json_string_value(json_object_get(line, "id")),
		   *from = json_string_value(json_object_get(line, "from"));

	if (!attrs)
		return NULL;
	for (const char *const *a = ev->attrs; a[0] && a[1]; a += 2)
		json_object_set_new(attrs, a[0], json_string(a[1]));
	m = json_pack("{s:s, s:s, s:s, s:s, s:s, s:{s:s, s:o}, s:s, s:I, s:I}", "Status",
		      status ?: "", "ID", id ?: "", "From", from ?: "", "Type", ev->type, "Action",
		      ev->action, "Actor", "ID", ev->id, "Attributes", attrs, "Scope", ev->scope,
		      "Time", (json_int_t)(ev->time_ns / 1000000000), "TimeNano",
		      (json_int_t)ev->time_ns);
	return m;
}

static int print_event(const struct berth_event *ev, void *userdata)
{
	struct printer *p = userdata;
	char when[64];

	if (p->json) {
		puts(ev->json);
	} else if (p->tmpl) {
		_cleanup_(json_decrefp) json_t *m = message(ev);
		struct berth_error *e = NULL;
		_cleanup_free_ char *out = NULL;
		size_t n = 0;
		FILE *f;

		if (!m)
			return -ENOMEM;
		/* all or nothing of the line: an execution error prints none of it */
		f = open_memstream(&out, &n);
		if (!f)
			return -ENOMEM;
		if (tmpl_execute(p->tmpl, m, f, &e) < 0) {
			fclose(f);
			p->error = e;
			return -EINVAL;
		}
		fclose(f);
		printf("%s\n", out);
	} else {
		format_time(ev->time_ns, when, sizeof(when));
		printf("%s %s %s %s", when, ev->type, ev->action, ev->id);
		/* docker: the attributes sorted by key, as they are logged */
		for (const char *const *a = ev->attrs; a[0] && a[1]; a += 2)
			printf("%s%s=%s", a == ev->attrs ? " (" : ", ", a[0], a[1]);
		if (ev->attrs[0])
			putchar(')');
		putchar('\n');
	}
	/* live: each event as it comes, also into a pipe */
	if (fflush(stdout) != 0)
		return -errno;
	return 0;
}

/* `\t` and `\n` as typed stand for a tab and a newline, as docker's */
static char *unescape(const char *s)
{
	char *out = malloc(strlen(s) + 1), *o = out;

	if (!out)
		return NULL;
	for (const char *p = s; *p; p++) {
		if (p[0] == '\\' && (p[1] == 't' || p[1] == 'n')) {
			*o++ = p[1] == 't' ? '\t' : '\n';
			p++;
		} else {
			*o++ = *p;
		}
	}
	*o = 0;
	return out;
}

int cmd_events(int argc, char **argv, struct berth_cli *cli, struct berth_error **err)
{
	enum { OPT_SINCE = 0x100, OPT_UNTIL, OPT_FORMAT, OPT_HELP };
	static const struct option options[] = {
	    {"since", required_argument, NULL, OPT_SINCE},
	    {"until", required_argument, NULL, OPT_UNTIL},
	    {"filter", required_argument, NULL, 'f'},
	    {"format", required_argument, NULL, OPT_FORMAT},
	    {"help", no_argument, NULL, OPT_HELP},
	    {},
	};
	_cleanup_(berth_engine_freep) struct berth_engine *engine = NULL;
	_cleanup_(tmpl_freep) struct tmpl *tmpl = NULL;
	_cleanup_strv_free_ char **filters = NULL;
	const char *format = NULL;
	struct printer p = {0};
	struct berth_events_opts o = {.stop_fd = -1, .event = print_event, .userdata = &p};
	int c, r;

	opterr = 0;
	while ((c = cli_getopt(argc, argv, ":f:h", options, NULL)) >= 0) {
		switch (c) {
		case OPT_SINCE:
		case OPT_UNTIL:
			if (parse_time_spec(optarg, c == OPT_SINCE ? &o.since_ns : &o.until_ns) < 0)
				return cli_usage_error(cli, err, "invalid time '%s' for --%s",
						       optarg, c == OPT_SINCE ? "since" : "until");
			break;
		case 'f':
			r = cli_filter_add(cli, &filters, optarg, err);
			if (r < 0)
				return r;
			break;
		case OPT_FORMAT:
			format = optarg;
			break;
		case OPT_HELP:
		case 'h':
			printf(
			    "Usage:  berth events [OPTIONS]\n\n"
			    "Get real time events from the server\n\nOptions:\n"
			    "  -f, --filter FILTER   Filter output based on conditions provided\n"
			    "                        (type, event, container, image, volume,\n"
			    "                        network, label, scope)\n"
			    "      --format STRING   Format output using a custom template:\n"
			    "                        'json': print in JSON format\n"
			    "                        'TEMPLATE': print output using the given Go "
			    "template\n"
			    "      --since TIME      Show all events created since TIME (\"10m\", "
			    "unix\n"
			    "                        seconds, or \"2026-12-05T10:10:26Z\")\n"
			    "      --until TIME      Stream events until TIME\n");
			return 0;
		default:
			return cli_getopt_error(cli, argv, c, err);
		}
	}
	if (argc - optind != 0)
		return cli_usage_error(cli, err, "\"berth events\" accepts no arguments");
	if (format && streq(format, "json")) {
		p.json = true;
	} else if (format && *format) {
		_cleanup_free_ char *text = unescape(format);

		if (!text)
			return berth_error_set(err, ENOMEM, "format");
		r = tmpl_parse(text, false, &tmpl, err);
		if (r < 0)
			return berth_error_wrap(err, "template parsing error");
		p.tmpl = tmpl;
	}
	o.filters = filters;
	r = cli_open_engine(cli, &engine, err);
	if (r < 0)
		return r;
	r = berth_engine_events(engine, &o, err);
	if (p.error) {
		/* the template's own words, not the engine's wrapping of them */
		berth_error_free(*err);
		*err = p.error;
	}
	return r < 0 ? r : 0;
}
