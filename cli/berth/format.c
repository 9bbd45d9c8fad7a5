/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "berth/cleanup.h"
#include "cli.h"
#include "berth/util.h"
#include "template.h"

int cli_open_store(const struct berth_cli *cli, struct berth_store **ret, struct berth_error **err)
{
	cli_debug(cli, "store root '%s'", cli->root ? cli->root : BERTH_STORE_DEFAULT_ROOT);
	return berth_store_open(cli->root, ret, err);
}

int cli_open_engine(const struct berth_cli *cli, struct berth_engine **ret,
		    struct berth_error **err)
{
	struct berth_engine_opts o = {.root = cli->root, .cgroup_manager = cli->cgroup_manager};

	cli_debug(cli, "store root '%s'", cli->root ? cli->root : BERTH_STORE_DEFAULT_ROOT);
	return berth_engine_open(&o, ret, err);
}

int cli_for_each(int argc, char **argv, struct berth_engine *engine,
		 int (*fn)(struct berth_engine *e, const char *key, void *data,
			   struct berth_error **err),
		 void *data, bool print_names)
{
	int failed = 0;

	for (int i = optind; i < argc; i++) {
		struct berth_error *e = NULL;

		if (fn(engine, argv[i], data, &e) < 0) {
			fprintf(stderr, "berth: %s\n", berth_error_message(e));
			berth_error_free(e);
			failed = 1;
			continue;
		}
		if (print_names)
			puts(argv[i]);
	}
	return failed;
}

int cli_group(int argc, char **argv, struct berth_cli *cli, const char *group, const char *summary,
	      const struct berth_command *sub, size_t n, struct berth_error **err)
{
	if (argc < 2 || streq(argv[1], "--help") || streq(argv[1], "-h")) {
		printf("Usage:  berth %s COMMAND\n\n%s\n\nCommands:\n", group, summary);
		for (size_t i = 0; i < n; i++)
			printf("  %-9s %s\n", sub[i].name, sub[i].summary);
		return 0;
	}
	for (size_t i = 0; i < n; i++)
		if (streq(sub[i].name, argv[1])) {
			/* "volume inspect": what errors point at ("See 'berth volume inspect
			 * --help'") */
			static char full[64];

			snprintf(full, sizeof(full), "%s %s", group, sub[i].name);
			cli->command = full;
			optind = 0;
			return sub[i].fn(argc - 1, argv + 1, cli, err);
		}
	return cli_usage_error(cli, err, "unknown command '%s %s'", group, argv[1]);
}

int cli_env_add(char ***env, const char *arg)
{
	_cleanup_free_ char *kv = NULL;
	const char *v;

	if (strchr(arg, '='))
		return strv_extend(env, arg);
	/* docker: "-e NAME" passes NAME from our environment, if set */
	v = getenv(arg);
	if (!v)
		return 0;
	kv = xasprintf("%s=%s", arg, v);
	return kv ? strv_extend(env, kv) : -ENOMEM;
}

int cli_exec_failure(struct berth_error **err)
{
	int code;

	if (!*err ||
	    ((*err)->kind != BERTH_ERROR_EXEC_NOT_FOUND && (*err)->kind != BERTH_ERROR_EXEC_DENIED))
		return 0;
	/* docker's codes: the command could not be found (127) or run (126) */
	code = (*err)->kind == BERTH_ERROR_EXEC_NOT_FOUND ? 127 : 126;
	fprintf(stderr, "berth: %s\n", berth_error_message(*err));
	*err = berth_error_free(*err);
	return code;
}

int cli_json_array(int argc, char **argv, struct berth_engine *engine,
		   int (*fn)(struct berth_engine *e, const char *name, char **ret_json,
			     struct berth_error **err))
{
	bool first = true;
	int failed = 0;

	printf("[");
	for (int i = optind; i < argc; i++) {
		_cleanup_free_ char *json = NULL;
		struct berth_error *e = NULL;

		if (fn(engine, argv[i], &json, &e) < 0) {
			fprintf(stderr, "berth: %s\n", berth_error_message(e));
			berth_error_free(e);
			failed = 1;
			continue;
		}
		printf("%s\n%s", first ? "" : ",", json);
		first = false;
	}
	printf("%s]\n", first ? "" : "\n");
	return fflush(stdout) == 0 ? failed : 1;
}

void cli_debug(const struct berth_cli *cli, const char *fmt, ...)
{
	va_list ap;

	if (!cli->debug)
		return;
	fputs("berth: debug: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

int cli_usage_error(struct berth_cli *cli, struct berth_error **err, const char *fmt, ...)
{
	_cleanup_free_ char *msg = NULL;
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = vasprintf(&msg, fmt, ap);
	va_end(ap);
	cli->usage_error = true;
	return berth_error_new(err, EINVAL, "%s", r < 0 ? "invalid usage" : msg);
}

/* the flag check_long_flags() refused, for cli_getopt_error() */
static const char *bad_flag;

/* Every long flag of argv (up to `--`, or to the first operand when in_order) is one of
 * longopts by its whole name; else bad_flag is it and -EINVAL. */
static int check_long_flags(int argc, char **argv, const char *shortopts,
			    const struct option *longopts)
{
	bool in_order = shortopts[0] == '+';
	const char *s = shortopts + (in_order ? 1 : 0);

	if (*s == ':')
		s++;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (streq(a, "--"))
			return 0;
		if (startswith(a, "--")) {
			size_t n = strcspn(a + 2, "=");
			const struct option *o = longopts;

			while (o && o->name && (strlen(o->name) != n || strncmp(o->name, a + 2, n)))
				o++;
			if (!o || !o->name) {
				bad_flag = a;
				return -EINVAL;
			}
			if (o->has_arg == required_argument && !a[2 + n])
				i++; /* its value */
			continue;
		}
		if (a[0] == '-' && a[1]) {
			for (const char *p = a + 1; *p; p++) {
				const char *d = *p == ':' ? NULL : strchr(s, *p);

				if (!d)
					break; /* unknown: getopt names it */
				if (d[1] == ':') {
					if (!p[1])
						i++; /* its value */
					break;
				}
			}
			continue;
		}
		if (in_order)
			return 0;
	}
	return 0;
}

int cli_getopt(int argc, char **argv, const char *shortopts, const struct option *longopts,
	       int *longindex)
{
	if (optind == 0) {
		bad_flag = NULL;
		if (check_long_flags(argc, argv, shortopts, longopts) < 0) {
			optind = 1;
			optopt = 0;
			return '?';
		}
	}
	return getopt_long(argc, argv, shortopts, longopts, longindex);
}

int cli_getopt_error(struct berth_cli *cli, char **argv, int c, struct berth_error **err)
{
	const char *arg = bad_flag ? bad_flag : optind > 0 ? argv[optind - 1] : "?";

	if (c == ':')
		return cli_usage_error(cli, err, "flag '%s' needs an argument", arg);
	if (optopt && !startswith(arg, "--"))
		return cli_usage_error(cli, err, "unknown flag '-%c'", optopt);
	return cli_usage_error(cli, err, "unknown flag '%s'", arg);
}

int cli_parse_bool(struct berth_cli *cli, const char *flag, const char *arg, bool *ret,
		   struct berth_error **err)
{
	if (!arg || strcasecmp(arg, "true") == 0 || streq(arg, "1"))
		*ret = true;
	else if (strcasecmp(arg, "false") == 0 || streq(arg, "0"))
		*ret = false;
	else
		return cli_usage_error(cli, err, "invalid value '%s' for --%s: want true or false",
				       arg, flag);
	return 0;
}

void format_size(int64_t bytes, char *buf, size_t n)
{
	static const char *const units[] = {"B", "kB", "MB", "GB", "TB", "PB", "EB"};
	double v = (double)bytes;
	size_t i = 0;

	while (v >= 1000.0 && i < ELEMENTSOF(units) - 1) {
		v /= 1000.0;
		i++;
	}
	/* 999.96kB rounds to "1e+03kB" with %.3g: step up a unit, as it means 1MB. */
	if (v >= 999.5 && i < ELEMENTSOF(units) - 1) {
		v /= 1000.0;
		i++;
	}
	snprintf(buf, n, "%.3g%s", v, units[i]);
}

void format_binary(uint64_t bytes, char *buf, size_t n)
{
	static const char *const units[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB"};
	double v = (double)bytes;
	size_t i = 0;

	while (v >= 1024.0 && i < ELEMENTSOF(units) - 1) {
		v /= 1024.0;
		i++;
	}
	snprintf(buf, n, "%.4g%s", v, units[i]);
}

void format_since(int64_t then, int64_t now, char *buf, size_t n)
{
	int64_t d = now - then, minutes, hours;

	if (then <= 0) {
		snprintf(buf, n, "N/A");
		return;
	}
	if (d < 0)
		d = 0;
	minutes = d / 60;
	hours = (d + 1800) / 3600; /* docker rounds hours */
	if (d < 1)
		snprintf(buf, n, "Less than a second ago");
	else if (d == 1)
		snprintf(buf, n, "1 second ago");
	else if (d < 60)
		snprintf(buf, n, "%lld seconds ago", (long long)d);
	else if (minutes == 1)
		snprintf(buf, n, "About a minute ago");
	else if (minutes < 60)
		snprintf(buf, n, "%lld minutes ago", (long long)minutes);
	else if (hours == 1)
		snprintf(buf, n, "About an hour ago");
	else if (hours < 48)
		snprintf(buf, n, "%lld hours ago", (long long)hours);
	else if (hours < 24 * 7 * 2)
		snprintf(buf, n, "%lld days ago", (long long)(hours / 24));
	else if (hours < 24 * 30 * 2)
		snprintf(buf, n, "%lld weeks ago", (long long)(hours / 24 / 7));
	else if (hours < 24 * 365 * 2)
		snprintf(buf, n, "%lld months ago", (long long)(hours / 24 / 30));
	else
		snprintf(buf, n, "%lld years ago", (long long)(d / 3600 / 24 / 365));
}

struct table {
	size_t n_cols, n_rows; /* rows include the header */
	char **cells;	       /* row-major */
};

struct table *table_free(struct table *t)
{
	if (t) {
		for (size_t i = 0; i < t->n_cols * t->n_rows; i++)
			free(t->cells[i]);
		free(t->cells);
		free(t);
	}
	return NULL;
}

int table_add_row(struct table *t, const char *const *cells)
{
	char **nc = realloc(t->cells, (t->n_rows + 1) * t->n_cols * sizeof(char *));

	if (!nc)
		return -ENOMEM;
	t->cells = nc;
	for (size_t i = 0; i < t->n_cols; i++) {
		char *c = strdup(cells[i] ? cells[i] : "");

		if (!c) {
			for (size_t k = 0; k < i; k++)
				free(nc[t->n_rows * t->n_cols + k]);
			return -ENOMEM;
		}
		nc[t->n_rows * t->n_cols + i] = c;
	}
	t->n_rows++;
	return 0;
}

struct table *table_new(size_t n_cols, const char *const *headers)
{
	struct table *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	t->n_cols = n_cols;
	if (table_add_row(t, headers) < 0)
		return table_free(t);
	return t;
}

static size_t rune_width(const char *s, size_t n)
{
	size_t w = 0;

	for (size_t i = 0; i < n; i++)
		w += ((unsigned char)s[i] & 0xc0) != 0x80;
	return w;
}

/* columns padded by characters, not bytes: "…" or a name in UTF-8 keeps the next column
 * in line */
int table_print(const struct table *t, FILE *f)
{
	_cleanup_free_ size_t *w = calloc(t->n_cols, sizeof(size_t));

	if (!w)
		return -ENOMEM;
	for (size_t r = 0; r < t->n_rows; r++)
		for (size_t c = 0; c < t->n_cols; c++) {
			const char *cell = t->cells[r * t->n_cols + c];
			size_t l = rune_width(cell, strlen(cell));

			if (l > w[c])
				w[c] = l;
		}
	for (size_t r = 0; r < t->n_rows; r++) {
		for (size_t c = 0; c < t->n_cols; c++) {
			const char *cell = t->cells[r * t->n_cols + c];
			size_t width = w[c] + 3 < 10 ? 10 : w[c] + 3;

			if (c + 1 == t->n_cols)
				fprintf(f, "%s\n", cell);
			else
				fprintf(f, "%s%*s", cell,
					(int)(width - rune_width(cell, strlen(cell))), "");
		}
	}
	return fflush(f) == 0 ? 0 : -errno;
}

int cli_output_open(struct berth_cli *cli, struct cli_output *o, const char *path,
		    struct berth_error **err)
{
	*o = (struct cli_output){.path = path, .fd = STDOUT_FILENO};
	if (!path) {
		if (isatty(STDOUT_FILENO))
			return cli_usage_error(cli, err,
					       "cowardly refusing to write a tar to a terminal: "
					       "use -o or redirect stdout");
		return 0;
	}
	/* Written beside the target and renamed: FILE is whole or untouched. */
	o->tmp = xasprintf("%s.tmp-%d", path, (int)getpid());
	if (!o->tmp)
		return berth_error_set(err, ENOMEM, "output");
	o->fd = open(o->tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (o->fd < 0) {
		int r = berth_error_set(err, errno, "create '%s'", o->tmp);

		free(o->tmp);
		o->tmp = NULL;
		return r;
	}
	return 0;
}

int cli_output_finish(struct cli_output *o, int r, struct berth_error **err)
{
	if (!o->tmp)
		return r;
	if (r >= 0 && (fsync(o->fd) < 0 || rename(o->tmp, o->path) < 0))
		r = berth_error_set(err, errno, "write '%s'", o->path);
	close(o->fd);
	if (r < 0)
		unlink(o->tmp);
	free(o->tmp);
	o->tmp = NULL;
	return r;
}

bool cli_confirm(const char *warning)
{
	char line[64];

	printf("WARNING! %s\nAre you sure you want to continue? [y/N] ", warning);
	fflush(stdout);
	if (!fgets(line, sizeof(line), stdin)) {
		putchar('\n');
		return false;
	}
	line[strcspn(line, "\r\n")] = 0;
	return streq(line, "y") || streq(line, "Y") || streq(line, "yes") || streq(line, "Yes");
}

int cli_env_file(char ***env, const char *path, struct berth_error **err)
{
	_cleanup_free_ char *text = NULL;
	char *save = NULL;
	int r;

	r = read_full_file(path, &text, NULL);
	if (r < 0)
		return berth_error_set(err, -r, "open %s", path);
	for (char *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		size_t n = strlen(l);

		/* docker: leading blanks go, empty lines and comments are skipped */
		while (*l == ' ' || *l == '\t')
			l++;
		if (n && l[strlen(l) - 1] == '\r')
			l[strlen(l) - 1] = 0;
		if (!*l || *l == '#')
			continue;
		if (*l == '=')
			return berth_error_new(err, EINVAL, "invalid environment variable: %s", l);
		if (cli_env_add(env, l) < 0)
			return berth_error_set(err, ENOMEM, "--env-file '%s'", path);
	}
	return 0;
}

void format_created_at(int64_t t, char *buf, size_t n)
{
	time_t tt = (time_t)t;
	struct tm tm;
	char tz[16];

	if (!localtime_r(&tt, &tm)) {
		snprintf(buf, n, "N/A");
		return;
	}
	strftime(tz, sizeof(tz), "%z %Z", &tm);
	strftime(buf, n, "%Y-%m-%d %H:%M:%S ", &tm);
	/* Go prints a zone without an abbreviation as its offset: "+0000 +0000" */
	strncat(buf, tz, n - strlen(buf) - 1);
}

int cli_format_open(const char *format, struct cli_format *f, bool *ret_used,
		    struct berth_error **err)
{
	_cleanup_free_ char *text = NULL;
	const char *body;
	size_t o = 0;
	int r;

	*f = (struct cli_format){0};
	*ret_used = false;
	if (!format)
		return 0;
	body = format;
	/* docker: "table" then the template, trimmed of spaces */
	if (startswith(body, "table")) {
		f->table = true;
		body += strlen("table");
	}
	while (*body == ' ')
		body++;
	if (!*body)
		return 0; /* "" and "table": the default table */
	if (!f->table && streq(body, "json"))
		body = "{{json .}}";
	text = malloc(strlen(body) + 1);
	if (!text)
		return berth_error_set(err, ENOMEM, "format");
	/* `\t` and `\n` as typed, as docker's */
	for (const char *p = body; *p; p++) {
		if (p[0] == '\\' && (p[1] == 't' || p[1] == 'n')) {
			text[o++] = p[1] == 't' ? '\t' : '\n';
			p++;
		} else {
			text[o++] = *p;
		}
	}
	while (o > 0 && text[o - 1] == ' ')
		o--;
	text[o] = 0;
	r = tmpl_parse(text, false, &f->tmpl, err);
	if (r < 0)
		return berth_error_wrap(err, "template parsing error");
	f->f = open_memstream(&f->out, &f->n);
	if (!f->f) {
		f->tmpl = tmpl_free(f->tmpl);
		return berth_error_set(err, errno, "format");
	}
	*ret_used = true;
	return 0;
}

int cli_format_row(struct cli_format *f, json_t *row, struct berth_error **err)
{
	int r = tmpl_execute(f->tmpl, row, f->f, err);

	if (r < 0)
		return r;
	fputc('\n', f->f);
	return 0;
}

/* Go's tabwriter as docker sets it up (min width 10, padding 3, spaces): a cell ended by
 * a tab is padded to its column's width; what follows a line's last tab is not. */
static void tabwrite(const char *text, size_t n, FILE *out)
{
	_cleanup_free_ size_t *w = NULL;
	size_t n_w = 0;

	for (int pass = 0; pass < 2; pass++) {
		const char *p = text, *end = text + n;

		while (p < end) {
			const char *nl = memchr(p, '\n', (size_t)(end - p));
			const char *le = nl ? nl : end;
			size_t col = 0;

			for (const char *c = p; c < le; col++) {
				const char *tab = memchr(c, '\t', (size_t)(le - c));
				size_t cw;

				if (!tab) {
					if (pass)
						fwrite(c, 1, (size_t)(le - c), out);
					break;
				}
				cw = rune_width(c, (size_t)(tab - c));
				if (pass == 0) {
					if (col >= n_w) {
						size_t *nw = realloc(w, (col + 1) * sizeof(*w));

						if (!nw)
							return;
						w = nw;
						while (n_w <= col)
							w[n_w++] = 10;
					}
					if (cw + 3 > w[col])
						w[col] = cw + 3;
				} else {
					fwrite(c, 1, (size_t)(tab - c), out);
					for (size_t i = cw; i < w[col]; i++)
						fputc(' ', out);
				}
				c = tab + 1;
			}
			if (pass && nl)
				fputc('\n', out);
			p = nl ? nl + 1 : end;
		}
	}
}

int cli_format_finish(struct cli_format *f, json_t *header, struct berth_error **err)
{
	_cleanup_free_ char *head = NULL, *all = NULL;
	size_t head_n = 0, all_n = 0;
	FILE *h;

	if (fclose(f->f) != 0) {
		f->f = NULL;
		return berth_error_set(err, errno, "format");
	}
	f->f = NULL;
	if (!f->table) {
		fwrite(f->out, 1, f->n, stdout);
		return fflush(stdout) == 0 ? 0 : berth_error_set(err, errno, "write");
	}
	/* the header: the template over the titles (what fails to render is left out) */
	h = open_memstream(&all, &all_n);
	if (!h)
		return berth_error_set(err, errno, "format");
	{
		FILE *hf = open_memstream(&head, &head_n);

		if (hf) {
			int r = tmpl_execute(f->tmpl, header, hf, NULL);

			fclose(hf);
			if (r >= 0 && head_n) {
				fwrite(head, 1, head_n, h);
				fputc('\n', h);
			}
		}
	}
	fwrite(f->out, 1, f->n, h);
	if (fclose(h) != 0)
		return berth_error_set(err, errno, "format");
	tabwrite(all, all_n, stdout);
	return fflush(stdout) == 0 ? 0 : berth_error_set(err, errno, "write");
}

void cli_format_release(struct cli_format *f)
{
	if (f->f)
		fclose(f->f);
	free(f->out);
	tmpl_free(f->tmpl);
	*f = (struct cli_format){0};
}

int cli_filter_add(struct berth_cli *cli, char ***filters, const char *arg,
		   struct berth_error **err)
{
	_cleanup_free_ char *kv = NULL;
	const char *eq = strchr(arg, '=');
	size_t o = 0;

	if (!eq)
		return cli_usage_error(cli, err, "bad format of filter (expected name=value)");
	kv = malloc(strlen(arg) + 1);
	if (!kv)
		return berth_error_set(err, ENOMEM, "filter");
	for (const char *p = arg; p < eq; p++)
		if (*p != ' ' && *p != '\t')
			kv[o++] = (char)(*p >= 'A' && *p <= 'Z' ? *p - 'A' + 'a' : *p);
	kv[o++] = '=';
	for (const char *p = eq + 1; *p == ' ' || *p == '\t'; p++)
		eq++;
	strcpy(kv + o, eq + 1);
	o = strlen(kv);
	while (o > 0 && (kv[o - 1] == ' ' || kv[o - 1] == '\t'))
		kv[--o] = 0;
	if (strv_extend(filters, kv) < 0)
		return berth_error_set(err, ENOMEM, "filter");
	return 0;
}

char *cli_ellipsis(const char *s, size_t max)
{
	size_t runes = 0, i = 0, cut = 0;

	for (; s[i]; i++)
		if (((unsigned char)s[i] & 0xc0) != 0x80) {
			if (runes == (max ? max - 1 : 0))
				cut = i;
			runes++;
		}
	if (runes <= max)
		return strdup(s);
	return xasprintf("%.*s…", (int)cut, s);
}


void format_ctr_status(const struct berth_ctr_info *c, int64_t now, char *buf, size_t n)
{
	char since[64], *ago;

	if (c->restarting) {
		format_since(c->finished, now, since, sizeof(since));
		snprintf(buf, n, "Restarting (%d) %s", c->exit_code, since);
	} else if (c->state == BERTH_CTR_RUNNING) {
		format_since(c->started ? c->started : c->created, now, since, sizeof(since));
		/* "Up 3 seconds": docker drops the " ago" */
		ago = strstr(since, " ago");
		if (ago)
			*ago = 0;
		/* docker's: "(Paused)" first, else the healthcheck's status */
		snprintf(buf, n, "Up %s%s", since,
			 c->paused				? " (Paused)"
			 : c->health == BERTH_HEALTH_STARTING	? " (health: starting)"
			 : c->health == BERTH_HEALTH_HEALTHY	? " (healthy)"
			 : c->health == BERTH_HEALTH_UNHEALTHY	? " (unhealthy)"
								: "");
	} else if (c->state == BERTH_CTR_CREATED) {
		snprintf(buf, n, "Created");
	} else {
		format_since(c->finished ? c->finished : c->created, now, since, sizeof(since));
		snprintf(buf, n, "Exited (%d) %s", c->exit_code, since);
	}
}
