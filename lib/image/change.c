/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * `--change` instructions (import, commit): a subset of Dockerfile syntax applied to
 * the "config" object of an image config, as docker does:
 *
 *     CMD ["a","b"] | CMD a b      ENTRYPOINT likewise (shell form: /bin/sh -c "...")
 *     ENV K=V [K2=V2...] | ENV K V  WORKDIR /dir    USER u[:g]
 *     LABEL k=v [k2=v2...]          EXPOSE 80[/tcp] [443/udp...]
 *     VOLUME /a [/b] | VOLUME ["/a"]   STOPSIGNAL SIGTERM
 *     HEALTHCHECK [--interval=D] [--timeout=D] [--start-period=D] [--start-interval=D]
 *                 [--retries=N] CMD ["a","b"] | CMD a b      HEALTHCHECK NONE
 */
#include <ctype.h>
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "berth/cleanup.h"
#include "config.h"
#include "berth/util.h"

/* json_decrefp() is jansson's own (2.9+). */
#define _cleanup_json_ _cleanup_(json_decrefp)

static json_t *obj_member(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	if (!json_is_object(v)) {
		v = json_object();
		if (!v || json_object_set_new(o, key, v) < 0)
			return NULL;
	}
	return v;
}

/* Words separated by blanks; "..." and '...' group, as a shell would (no escapes
 * beyond \" inside double quotes). */
static int split_words(const char *s, char ***ret)
{
	_cleanup_strv_free_ char **l = calloc(1, sizeof(char *));

	if (!l)
		return -ENOMEM;
	while (*s) {
		char buf[4096];
		size_t n = 0;
		char q = 0;

		while (isspace((unsigned char)*s))
			s++;
		if (!*s)
			break;
		while (*s && (q || !isspace((unsigned char)*s)) && n < sizeof(buf) - 1) {
			if (q && *s == q) {
				q = 0;
			} else if (!q && (*s == '"' || *s == '\'')) {
				q = *s;
			} else if (q == '"' && *s == '\\' && s[1] == '"') {
				buf[n++] = '"';
				s++;
			} else {
				buf[n++] = *s;
			}
			s++;
		}
		if (q)
			return -EINVAL;
		buf[n] = '\0';
		if (strv_extend(&l, buf) < 0)
			return -ENOMEM;
	}
	*ret = TAKE_PTR(l);
	return 0;
}

/* CMD/ENTRYPOINT/VOLUME argument: a JSON array of strings, or NULL when not one. */
static json_t *json_form(const char *arg)
{
	json_t *v = json_loads(arg, JSON_DECODE_ANY, NULL);
	size_t i;
	json_t *e;

	if (!json_is_array(v)) {
		json_decref(v);
		return NULL;
	}
	json_array_foreach(v, i, e) if (!json_is_string(e))
	{
		json_decref(v);
		return NULL;
	}
	return v;
}

static int set_env(json_t *cfg, const char *k, const char *v)
{
	json_t *env = json_object_get(cfg, "Env"), *e;
	_cleanup_free_ char *kv = xasprintf("%s=%s", k, v);
	size_t klen = strlen(k), i;

	if (!kv)
		return -ENOMEM;
	if (!json_is_array(env)) {
		env = json_array();
		if (!env || json_object_set_new(cfg, "Env", env) < 0)
			return -ENOMEM;
	}
	json_array_foreach(env, i, e)
	{
		const char *s = json_string_value(e);

		if (s && strncmp(s, k, klen) == 0 && s[klen] == '=')
			return json_array_set_new(env, i, json_string(kv)) < 0 ? -ENOMEM : 0;
	}
	return json_array_append_new(env, json_string(kv)) < 0 ? -ENOMEM : 0;
}

/* "K=V K2=V2" pairs into obj (LABEL) or the env (ENV, obj NULL). */
static int set_pairs(json_t *cfg, json_t *obj, const char *arg, const char *what,
		     struct berth_error **err)
{
	_cleanup_strv_free_ char **w = NULL;

	if (split_words(arg, &w) < 0 || !w[0])
		return berth_error_new(err, EINVAL, "%s: expected KEY=VALUE", what);
	if (!strchr(w[0], '=')) {
		/* the old form: ENV KEY VALUE... */
		const char *v = arg + strspn(arg, " \t");

		v += strcspn(v, " \t");
		v += strspn(v, " \t");
		if (!*v)
			return berth_error_new(err, EINVAL, "%s '%s': expected KEY=VALUE", what,
					       w[0]);
		if (obj ? json_object_set_new(obj, w[0], json_string(v)) < 0
			: set_env(cfg, w[0], v) < 0)
			return berth_error_set(err, ENOMEM, "%s", what);
		return 0;
	}
	for (size_t i = 0; w[i]; i++) {
		char *eq = strchr(w[i], '=');

		if (!eq || eq == w[i])
			return berth_error_new(err, EINVAL, "%s '%s': expected KEY=VALUE", what,
					       w[i]);
		*eq = '\0';
		if (obj ? json_object_set_new(obj, w[i], json_string(eq + 1)) < 0
			: set_env(cfg, w[i], eq + 1) < 0)
			return berth_error_set(err, ENOMEM, "%s", what);
	}
	return 0;
}

/* HEALTHCHECK's --interval and the other durations, as the Dockerfile parser reads them:
 * a Go duration, 0 for unset, at least docker's 1ms otherwise. */
static int healthcheck_duration(const char *flag, const char *v, int64_t *ret,
				struct berth_error **err)
{
	if (parse_go_duration(v, ret) < 0)
		return berth_error_new(err, EINVAL,
				       "change: HEALTHCHECK: time: invalid duration \"%s\"", v);
	if (*ret != 0 && *ret < 1000000)
		return berth_error_new(
		    err, EINVAL, "change: HEALTHCHECK: Interval \"%s\" cannot be less than 1ms",
		    flag);
	return 0;
}

/* HEALTHCHECK [--flag=value...] CMD ... | NONE into config.Healthcheck, docker's fields
 * (zero ones left out, as docker's omitempty does) and errors. */
static int set_healthcheck(json_t *cfg, const char *arg, struct berth_error **err)
{
	static const char *const flags[] = {"interval", "timeout", "start-period", "start-interval",
					    "retries"};
	static const char *const fields[] = {"Interval", "Timeout", "StartPeriod", "StartInterval",
					     "Retries"};
	int64_t values[ELEMENTSOF(flags)] = {0};
	_cleanup_free_ char *type = NULL;
	_cleanup_json_ json_t *hc = json_object();
	json_t *test;
	size_t n;

	if (!hc)
		return berth_error_set(err, ENOMEM, "change");
	/* the flags come first, each --name=value */
	while (arg[0] == '-' && arg[1] == '-') {
		_cleanup_free_ char *flag = NULL;
		const char *eq;
		size_t i;
		int r;

		n = strcspn(arg, " \t");
		flag = strndup(arg + 2, n - 2);
		if (!flag)
			return berth_error_set(err, ENOMEM, "change");
		arg += n;
		arg += strspn(arg, " \t");
		eq = strchr(flag, '=');
		for (i = 0; i < ELEMENTSOF(flags); i++)
			if (strlen(flags[i]) ==
				(size_t)(eq ? eq - flag : (ptrdiff_t)strlen(flag)) &&
			    !strncmp(flag, flags[i], strlen(flags[i])))
				break;
		if (i == ELEMENTSOF(flags))
			return berth_error_new(
			    err, EINVAL, "change: HEALTHCHECK: Unknown flag: %.*s",
			    (int)(eq ? eq - flag : (ptrdiff_t)strlen(flag)), flag);
		if (!eq)
			return berth_error_new(
			    err, EINVAL, "change: HEALTHCHECK: Missing a value on flag: %s", flag);
		if (i < 4) {
			r = healthcheck_duration(flags[i], eq + 1, &values[i], err);
			if (r < 0)
				return r;
		} else {
			char *end;
			long long v;

			errno = 0;
			v = strtoll(eq + 1, &end, 10);
			if (!eq[1] || *end || errno || v > INT32_MAX || v < INT32_MIN)
				return berth_error_new(
				    err, EINVAL,
				    "change: HEALTHCHECK: strconv.ParseInt: parsing "
				    "\"%s\": invalid syntax",
				    eq + 1);
			if (v < 0)
				return berth_error_new(err, EINVAL,
						       "change: HEALTHCHECK: --retries cannot be "
						       "negative (%lld)",
						       v);
			values[i] = v;
		}
	}
	n = strcspn(arg, " \t");
	type = strndup(arg, n);
	if (!type)
		return berth_error_set(err, ENOMEM, "change");
	arg += n;
	arg += strspn(arg, " \t");
	if (!strcasecmp(type, "NONE")) {
		if (*arg)
			return berth_error_new(err, EINVAL,
					       "change: HEALTHCHECK NONE takes no arguments");
		test = json_pack("[s]", "NONE");
	} else if (!strcasecmp(type, "CMD")) {
		json_t *form = json_form(arg);

		if (form && json_array_size(form) == 0) {
			json_decref(form);
			form = NULL;
			arg = "";
		}
		if (!*arg)
			return berth_error_new(err, EINVAL,
					       "change: Missing command after HEALTHCHECK CMD");
		if (form) {
			test = json_pack("[s]", "CMD");
			if (test && json_array_extend(test, form) < 0)
				test = (json_decref(test), NULL);
			json_decref(form);
		} else {
			test = json_pack("[s, s]", "CMD-SHELL", arg);
		}
	} else {
		return berth_error_new(
		    err, EINVAL, "change: Unknown type \"%s\" in HEALTHCHECK (try CMD)", type);
	}
	if (!test || json_object_set_new(hc, "Test", test) < 0)
		return berth_error_set(err, ENOMEM, "change");
	for (size_t i = 0; i < ELEMENTSOF(fields); i++)
		if (values[i] && json_object_set_new(hc, fields[i], json_integer(values[i])) < 0)
			return berth_error_set(err, ENOMEM, "change");
	if (json_object_set_new(cfg, "Healthcheck", TAKE_PTR(hc)) < 0)
		return berth_error_set(err, ENOMEM, "change");
	return 0;
}

int image_config_apply_change(json_t *root, const char *change, struct berth_error **err)
{
	_cleanup_free_ char *word = NULL;
	json_t *cfg = obj_member(root, "config");
	const char *arg;
	size_t n;

	if (!cfg)
		return berth_error_set(err, ENOMEM, "change");
	change += strspn(change, " \t");
	n = strcspn(change, " \t");
	word = strndup(change, n);
	if (!word)
		return berth_error_set(err, ENOMEM, "change");
	arg = change + n;
	arg += strspn(arg, " \t");
	if (!*arg)
		return berth_error_new(err, EINVAL, "change '%s': %s needs an argument", change,
				       word);

	if (!strcasecmp(word, "CMD") || !strcasecmp(word, "ENTRYPOINT")) {
		json_t *v = json_form(arg);

		if (!v)
			v = json_pack("[s, s, s]", "/bin/sh", "-c", arg);
		if (!v || json_object_set_new(cfg, !strcasecmp(word, "CMD") ? "Cmd" : "Entrypoint",
					      v) < 0)
			return berth_error_set(err, ENOMEM, "change");
		return 0;
	}
	if (!strcasecmp(word, "ENV"))
		return set_pairs(cfg, NULL, arg, "change: ENV", err);
	if (!strcasecmp(word, "LABEL")) {
		json_t *labels = obj_member(cfg, "Labels");

		return labels ? set_pairs(cfg, labels, arg, "change: LABEL", err)
			      : berth_error_set(err, ENOMEM, "change");
	}
	if (!strcasecmp(word, "WORKDIR")) {
		if (arg[0] != '/')
			return berth_error_new(err, EINVAL,
					       "change: WORKDIR '%s': expected an absolute path",
					       arg);
		return json_object_set_new(cfg, "WorkingDir", json_string(arg)) < 0
			   ? berth_error_set(err, ENOMEM, "change")
			   : 0;
	}
	if (!strcasecmp(word, "USER") || !strcasecmp(word, "STOPSIGNAL"))
		return json_object_set_new(cfg, !strcasecmp(word, "USER") ? "User" : "StopSignal",
					   json_string(arg)) < 0
			   ? berth_error_set(err, ENOMEM, "change")
			   : 0;
	if (!strcasecmp(word, "HEALTHCHECK"))
		return set_healthcheck(cfg, arg, err);
	if (!strcasecmp(word, "EXPOSE") || !strcasecmp(word, "VOLUME")) {
		bool expose = !strcasecmp(word, "EXPOSE");
		json_t *set = obj_member(cfg, expose ? "ExposedPorts" : "Volumes");
		_cleanup_strv_free_ char **w = NULL;
		json_t *arr = expose ? NULL : json_form(arg);
		size_t i;
		json_t *e;

		if (!set)
			return berth_error_set(err, ENOMEM, "change");
		if (arr) {
			json_array_foreach(arr, i, e)
				json_object_set_new(set, json_string_value(e), json_object());
			json_decref(arr);
			return 0;
		}
		if (split_words(arg, &w) < 0)
			return berth_error_new(err, EINVAL, "change '%s': unbalanced quotes",
					       change);
		for (i = 0; w[i]; i++) {
			_cleanup_free_ char *key = NULL;

			if (expose) {
				char *end;
				long port = strtol(w[i], &end, 10);

				if (port <= 0 || port > 65535 ||
				    (*end && strcmp(end, "/tcp") && strcmp(end, "/udp") &&
				     strcmp(end, "/sctp")))
					return berth_error_new(err, EINVAL,
							       "change: EXPOSE '%s': expected "
							       "PORT[/tcp|udp|sctp]",
							       w[i]);
				key = *end ? strdup(w[i]) : xasprintf("%s/tcp", w[i]);
			} else {
				key = strdup(w[i]);
			}
			if (!key || json_object_set_new(set, key, json_object()) < 0)
				return berth_error_set(err, ENOMEM, "change");
		}
		return 0;
	}
	return berth_error_new(err, EINVAL,
			       "change '%s': unknown instruction '%s' (expected CMD, ENTRYPOINT, "
			       "ENV, EXPOSE, HEALTHCHECK, LABEL, STOPSIGNAL, USER, VOLUME or "
			       "WORKDIR)",
			       change, word);
}

int image_config_apply_changes(json_t *root, char *const *changes, struct berth_error **err)
{
	for (size_t i = 0; changes && changes[i]; i++) {
		int r = image_config_apply_change(root, changes[i], err);

		if (r < 0)
			return r;
	}
	return 0;
}
