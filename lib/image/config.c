/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <ctype.h>
#include <errno.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "berth/cleanup.h"
#include "config.h"
#include "berth/util.h"

#define DEFAULT_PATH "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

/* json_decrefp() is jansson's own (2.9+). */
#define _cleanup_json_ _cleanup_(json_decrefp)

struct image_config *image_config_free(struct image_config *c)
{
	if (c) {
		free(c->architecture);
		free(c->os);
		strv_free(c->env);
		strv_free(c->cmd);
		strv_free(c->entrypoint);
		free(c->workdir);
		free(c->user);
		free(c->stop_signal);
		strv_free(c->exposed);
		strv_free(c->labels);
		strv_free(c->diff_ids);
		berth_healthcheck_clear(&c->healthcheck);
		free(c);
	}
	return NULL;
}
DEFINE_FREEP(struct image_config, image_config_free)

const char *image_host_architecture(void)
{
#if defined(__x86_64__)
	return "amd64";
#elif defined(__aarch64__)
	return "arm64";
#elif defined(__i386__)
	return "386";
#elif defined(__arm__)
	return "arm";
#elif defined(__powerpc64__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	return "ppc64le";
#elif defined(__s390x__)
	return "s390x";
#elif defined(__riscv) && __riscv_xlen == 64
	return "riscv64";
#else
	return "unknown";
#endif
}

void format_rfc3339(int64_t t, char buf[RFC3339_MAX])
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (!gmtime_r(&tt, &tm) || strftime(buf, RFC3339_MAX, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		strcpy(buf, "1970-01-01T00:00:00Z");
}

static int parse_digits(const char **p, int n, int *ret)
{
	int v = 0;

	for (int i = 0; i < n; i++) {
		if (!isdigit((unsigned char)(*p)[i]))
			return -EINVAL;
		v = v * 10 + ((*p)[i] - '0');
	}
	*p += n;
	*ret = v;
	return 0;
}

static int expect(const char **p, char c)
{
	if (**p != c && !(c == 'T' && (**p == 't' || **p == ' ')))
		return -EINVAL;
	(*p)++;
	return 0;
}

int parse_rfc3339(const char *s, int64_t *ret)
{
	struct tm tm = {0};
	int y, mo, d, h, mi, sec, oh = 0, om = 0, sign = 0;
	time_t t;

	if (parse_digits(&s, 4, &y) < 0 || expect(&s, '-') < 0 || parse_digits(&s, 2, &mo) < 0 ||
	    expect(&s, '-') < 0 || parse_digits(&s, 2, &d) < 0 || expect(&s, 'T') < 0 ||
	    parse_digits(&s, 2, &h) < 0 || expect(&s, ':') < 0 || parse_digits(&s, 2, &mi) < 0 ||
	    expect(&s, ':') < 0 || parse_digits(&s, 2, &sec) < 0)
		return -EINVAL;
	if (*s == '.') {
		s++;
		if (!isdigit((unsigned char)*s))
			return -EINVAL;
		while (isdigit((unsigned char)*s))
			s++;
	}
	if (*s == 'Z' || *s == 'z') {
		s++;
	} else if (*s == '+' || *s == '-') {
		sign = *s == '-' ? -1 : 1;
		s++;
		if (parse_digits(&s, 2, &oh) < 0 || expect(&s, ':') < 0 ||
		    parse_digits(&s, 2, &om) < 0)
			return -EINVAL;
	} else {
		return -EINVAL;
	}
	if (*s || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60 ||
	    oh > 23 || om > 59)
		return -EINVAL;
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = sec;
	t = timegm(&tm);
	*ret = (int64_t)t - (int64_t)sign * (oh * 3600 + om * 60);
	return 0;
}

static bool valid_digest(const char *s)
{
	const char *h = startswith(s, "sha256:");

	if (!h || strlen(h) != 64)
		return false;
	for (; *h; h++)
		if (!isdigit((unsigned char)*h) && !(*h >= 'a' && *h <= 'f'))
			return false;
	return true;
}

/* An optional array of strings; absent or null gives an empty strv. */
static int get_strv(json_t *obj, const char *key, const char *what, char ***ret,
		    struct berth_error **err)
{
	_cleanup_strv_free_ char **l = calloc(1, sizeof(char *));
	json_t *a = obj ? json_object_get(obj, key) : NULL, *v;
	size_t i;

	if (!l)
		return berth_error_set(err, ENOMEM, "%s", what);
	if (a && !json_is_null(a)) {
		if (!json_is_array(a))
			return berth_error_new(err, EINVAL, "%s: expected an array of strings",
					       what);
		json_array_foreach(a, i, v)
		{
			if (!json_is_string(v))
				return berth_error_new(err, EINVAL, "%s[%zu]: expected a string",
						       what, i);
			if (strv_extend(&l, json_string_value(v)) < 0)
				return berth_error_set(err, ENOMEM, "%s", what);
		}
	}
	*ret = TAKE_PTR(l);
	return 0;
}

/* An optional string; absent, null or "" gives NULL. */
static int get_str(json_t *obj, const char *key, const char *what, char **ret,
		   struct berth_error **err)
{
	json_t *v = obj ? json_object_get(obj, key) : NULL;

	*ret = NULL;
	if (!v || json_is_null(v))
		return 0;
	if (!json_is_string(v))
		return berth_error_new(err, EINVAL, "%s: expected a string", what);
	if (!*json_string_value(v))
		return 0;
	*ret = strdup(json_string_value(v));
	return *ret ? 0 : berth_error_set(err, ENOMEM, "%s", what);
}

/* config.Healthcheck as docker writes it: Test, and Interval, Timeout, StartPeriod,
 * StartInterval in ns, Retries; absent or null: none */
static int get_healthcheck(json_t *cfg, struct berth_healthcheck *ret, struct berth_error **err)
{
	static const char *const names[] = {"Interval", "Timeout", "StartPeriod", "StartInterval",
					    "Retries"};
	json_t *hc = cfg ? json_object_get(cfg, "Healthcheck") : NULL;
	struct berth_healthcheck h = {0};
	int64_t *fields[] = {&h.interval, &h.timeout, &h.start_period, &h.start_interval};
	int r;

	*ret = h;
	if (!hc || json_is_null(hc))
		return 0;
	if (!json_is_object(hc))
		return berth_error_new(err, EINVAL,
				       "image config: config.Healthcheck: expected an object");
	for (size_t i = 0; i < ELEMENTSOF(names); i++) {
		json_t *v = json_object_get(hc, names[i]);

		if (!v || json_is_null(v))
			continue;
		if (!json_is_integer(v) || json_integer_value(v) < 0 ||
		    (i == 4 && json_integer_value(v) > INT32_MAX))
			return berth_error_new(err, EINVAL,
					       "image config: config.Healthcheck.%s: expected a "
					       "number not below 0",
					       names[i]);
		if (i < 4)
			*fields[i] = json_integer_value(v);
		else
			h.retries = (int)json_integer_value(v);
	}
	r = get_strv(hc, "Test", "image config: config.Healthcheck.Test", &h.test, err);
	if (r < 0)
		return r;
	if (!h.test[0])
		h.test = strv_free(h.test);
	*ret = h;
	return 0;
}

int image_config_parse(const char *data, size_t n, struct image_config **ret,
		       struct berth_error **err)
{
	_cleanup_(image_config_freep) struct image_config *c = NULL;
	_cleanup_json_ json_t *root = NULL;
	_cleanup_free_ char *created = NULL;
	json_error_t jerr;
	json_t *cfg, *rootfs, *t;
	int r;

	root = json_loadb(data, n, JSON_REJECT_DUPLICATES, &jerr);
	if (!root)
		return berth_error_new(err, EINVAL, "image config: line %d: %s", jerr.line,
				       jerr.text);
	if (!json_is_object(root))
		return berth_error_new(err, EINVAL, "image config: expected an object");
	c = calloc(1, sizeof(*c));
	if (!c)
		return berth_error_set(err, ENOMEM, "image config");

	if ((r = get_str(root, "created", "image config: created", &created, err)) < 0 ||
	    (r = get_str(root, "architecture", "image config: architecture", &c->architecture,
			 err)) < 0 ||
	    (r = get_str(root, "os", "image config: os", &c->os, err)) < 0)
		return r;
	if (created && parse_rfc3339(created, &c->created) < 0)
		return berth_error_new(err, EINVAL, "image config: created: invalid time '%s'",
				       created);

	cfg = json_object_get(root, "config");
	if (cfg && !json_is_null(cfg) && !json_is_object(cfg))
		return berth_error_new(err, EINVAL, "image config: config: expected an object");
	if ((r = get_strv(cfg, "Env", "image config: config.Env", &c->env, err)) < 0 ||
	    (r = get_strv(cfg, "Cmd", "image config: config.Cmd", &c->cmd, err)) < 0 ||
	    (r = get_strv(cfg, "Entrypoint", "image config: config.Entrypoint", &c->entrypoint,
			  err)) < 0 ||
	    (r = get_str(cfg, "WorkingDir", "image config: config.WorkingDir", &c->workdir, err)) <
		0 ||
	    (r = get_str(cfg, "User", "image config: config.User", &c->user, err)) < 0 ||
	    (r = get_str(cfg, "StopSignal", "image config: config.StopSignal", &c->stop_signal,
			 err)) < 0)
		return r;

	c->exposed = calloc(1, sizeof(char *));
	if (!c->exposed)
		return berth_error_set(err, ENOMEM, "image config");
	{
		json_t *ex = cfg ? json_object_get(cfg, "ExposedPorts") : NULL;
		const char *key;
		json_t *v;

		if (ex && !json_is_null(ex) && !json_is_object(ex))
			return berth_error_new(err, EINVAL,
					       "image config: config.ExposedPorts: expected an "
					       "object");
		json_object_foreach(ex, key, v)
			if (strv_extend(&c->exposed, key) < 0)
				return berth_error_set(err, ENOMEM, "image config");
	}
	c->labels = calloc(1, sizeof(char *));
	if (!c->labels)
		return berth_error_set(err, ENOMEM, "image config");
	{
		json_t *lb = cfg ? json_object_get(cfg, "Labels") : NULL;
		const char *key;
		json_t *v;

		if (lb && !json_is_null(lb) && !json_is_object(lb))
			return berth_error_new(err, EINVAL,
					       "image config: config.Labels: expected an object");
		json_object_foreach(lb, key, v)
		{
			_cleanup_free_ char *kv = NULL;

			if (!json_is_string(v))
				return berth_error_new(err, EINVAL,
						       "image config: config.Labels.%s: expected a "
						       "string",
						       key);
			kv = xasprintf("%s=%s", key, json_string_value(v));
			if (!kv || strv_extend(&c->labels, kv) < 0)
				return berth_error_set(err, ENOMEM, "image config");
		}
	}

	r = get_healthcheck(cfg, &c->healthcheck, err);
	if (r < 0)
		return r;

	rootfs = json_object_get(root, "rootfs");
	if (!json_is_object(rootfs))
		return berth_error_new(err, EINVAL, "image config: rootfs: expected an object");
	t = json_object_get(rootfs, "type");
	if (!json_is_string(t) || !streq(json_string_value(t), "layers"))
		return berth_error_new(err, EINVAL,
				       "image config: rootfs.type: expected \"layers\"");
	r = get_strv(rootfs, "diff_ids", "image config: rootfs.diff_ids", &c->diff_ids, err);
	if (r < 0)
		return r;
	if (!c->diff_ids[0])
		return berth_error_new(err, EINVAL, "image config: rootfs.diff_ids: no layers");
	for (size_t i = 0; c->diff_ids[i]; i++)
		if (!valid_digest(c->diff_ids[i]))
			return berth_error_new(err, EINVAL,
					       "image config: rootfs.diff_ids[%zu]: invalid digest "
					       "'%s'",
					       i, c->diff_ids[i]);
	*ret = TAKE_PTR(c);
	return 0;
}

int image_config_format_import(char *const *diff_ids, int64_t created, char **ret_json,
			       size_t *ret_len)
{
	_cleanup_json_ json_t *root = NULL;
	json_t *ids, *hist;
	char when[RFC3339_MAX];
	char *s;

	format_rfc3339(created, when);
	ids = json_array();
	for (size_t i = 0; ids && diff_ids && diff_ids[i]; i++)
		if (json_array_append_new(ids, json_string(diff_ids[i])) < 0) {
			json_decref(ids);
			return -ENOMEM;
		}
	hist = json_pack("[{s:s, s:s}]", "created", when, "created_by", "berth import");
	/* "o" steals the references, also on failure. */
	/* clang-format off */
	root = json_pack("{s:s, s:s, s:s, s:{s:[s], s:[s]}, s:{s:s, s:o}, s:o}",
			 "created", when,
			 "architecture", image_host_architecture(),
			 "os", "linux",
			 "config", "Env", DEFAULT_PATH, "Cmd", "sh",
			 "rootfs", "type", "layers", "diff_ids", ids,
			 "history", hist);
	/* clang-format on */
	if (!root)
		return -ENOMEM;
	/* Key order is insertion order (JSON_PRESERVE_ORDER): the bytes, and so the image
	 * id, depend only on the arguments. */
	s = json_dumps(root, JSON_COMPACT | JSON_PRESERVE_ORDER);
	if (!s)
		return -ENOMEM;
	*ret_json = s;
	*ret_len = strlen(s);
	return 0;
}
