/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Registry credentials in docker's config.json, the file docker, podman, skopeo and
 * buildah all read:
 *
 *     {"auths": {"127.0.0.1:5000": {"auth": "<base64 of user:password>"}}}
 *
 * Keys are "host[:port]"; docker.io is "https://index.docker.io/v1/", and keys written
 * as URLs ("https://host/v1/") match their host. Other members of the file (credsStore,
 * credHelpers, proxies...) are kept untouched when login/logout rewrite it; credential
 * helpers themselves are not run. The file is replaced atomically, mode 0600.
 */
#include <errno.h>
#include <jansson.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "berth/image.h"
#include "berth/cleanup.h"
#include "registry.h"
#include "berth/util.h"

#define CRED_MAX_FILE (UINT64_C(1) << 20)

static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

char *base64_encode(const void *data, size_t n)
{
	const unsigned char *p = data;
	char *out = malloc((n + 2) / 3 * 4 + 1), *o = out;

	if (!out)
		return NULL;
	for (size_t i = 0; i < n; i += 3) {
		uint32_t v = (uint32_t)p[i] << 16;

		if (i + 1 < n)
			v |= (uint32_t)p[i + 1] << 8;
		if (i + 2 < n)
			v |= p[i + 2];
		*o++ = b64[(v >> 18) & 63];
		*o++ = b64[(v >> 12) & 63];
		*o++ = i + 1 < n ? b64[(v >> 6) & 63] : '=';
		*o++ = i + 2 < n ? b64[v & 63] : '=';
	}
	*o = 0;
	return out;
}

int base64_decode(const char *s, char **ret, size_t *ret_n)
{
	size_t len = strlen(s), n = 0;
	_cleanup_free_ char *out = NULL;
	uint32_t v = 0;
	int bits = 0, pad = 0;

	out = malloc(len / 4 * 3 + 4);
	if (!out)
		return -ENOMEM;
	for (size_t i = 0; i < len; i++) {
		const char *c;

		if (s[i] == '=') {
			pad++;
			continue;
		}
		if (pad || !(c = strchr(b64, s[i])))
			return -EINVAL;
		v = (v << 6) | (uint32_t)(c - b64);
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[n++] = (char)((v >> bits) & 0xff);
		}
	}
	if (pad > 2 || (len % 4 != 0 && pad))
		return -EINVAL;
	out[n] = 0;
	*ret = TAKE_PTR(out);
	if (ret_n)
		*ret_n = n;
	return 0;
}

int cred_config_path(const struct berth_registry_options *o, char **ret)
{
	const char *dir = getenv("DOCKER_CONFIG"), *home;
	char *p;

	if (o && o->auth_file) {
		p = strdup(o->auth_file);
	} else if (dir && *dir) {
		p = xasprintf("%s/config.json", dir);
	} else {
		home = getenv("HOME");
		if (!home || !*home) {
			struct passwd *pw = getpwuid(getuid());

			if (!pw)
				return -ENOENT;
			home = pw->pw_dir;
		}
		p = xasprintf("%s/.docker/config.json", home);
	}
	if (!p)
		return -ENOMEM;
	*ret = p;
	return 0;
}

static bool is_hub(const char *host)
{
	return streq(host, "docker.io") || streq(host, "index.docker.io") ||
	       streq(host, REG_DOCKER_HUB_HOST);
}

/* "https://host:port/v1/" -> "host:port"; "host:port" stays. */
static char *key_host(const char *key)
{
	const char *p = startswith(key, "https://");

	if (!p)
		p = startswith(key, "http://");
	if (!p)
		p = key;
	return strndup(p, strcspn(p, "/"));
}

int cred_key(const char *registry, char **ret)
{
	_cleanup_free_ char *host = key_host(registry);

	if (!host)
		return -ENOMEM;
	if (!*host)
		return -EINVAL;
	if (is_hub(host)) {
		char *k = strdup(REG_DOCKER_HUB_AUTH_KEY);

		if (!k)
			return -ENOMEM;
		*ret = k;
		return 0;
	}
	*ret = TAKE_PTR(host);
	return 0;
}

/* Load the config file; a missing one is an empty object. */
static int config_load(const char *path, json_t **ret, struct berth_error **err)
{
	_cleanup_free_ char *data = NULL;
	json_error_t jerr;
	size_t n;
	json_t *j;
	int r;

	r = read_full_file(path, &data, &n);
	if (r == -ENOENT) {
		j = json_object();
		if (!j)
			return berth_error_set(err, ENOMEM, "'%s'", path);
		*ret = j;
		return 0;
	}
	if (r < 0)
		return berth_error_set(err, -r, "read '%s'", path);
	if (n > CRED_MAX_FILE)
		return berth_error_new(err, E2BIG, "'%s' is too big", path);
	j = json_loadb(data, n, 0, &jerr);
	if (!j)
		return berth_error_new(err, EINVAL, "'%s': line %d: %s", path, jerr.line,
				       jerr.text);
	if (!json_is_object(j)) {
		json_decref(j);
		return berth_error_new(err, EINVAL, "'%s': not a JSON object", path);
	}
	*ret = j;
	return 0;
}

/* The auths entry for registry, or NULL. */
static json_t *find_entry(json_t *auths, const char *registry, const char **ret_key)
{
	_cleanup_free_ char *want = NULL;
	const char *k;
	json_t *v;

	if (!json_is_object(auths) || cred_key(registry, &want) < 0)
		return NULL;
	if ((v = json_object_get(auths, want))) {
		*ret_key = json_object_iter_key(json_object_iter_at(auths, want));
		return v;
	}
	json_object_foreach(auths, k, v)
	{
		_cleanup_free_ char *have = NULL;

		if (cred_key(k, &have) >= 0 && streq(have, want)) {
			*ret_key = k;
			return v;
		}
	}
	return NULL;
}

int cred_lookup(const struct berth_registry_options *o, const char *registry, char **ret_user,
		char **ret_pass, struct berth_error **err)
{
	_cleanup_(json_decrefp) json_t *j = NULL;
	_cleanup_free_ char *path = NULL, *plain = NULL, *user = NULL, *pass = NULL;
	const char *key = NULL, *auth, *u, *p;
	json_t *e;
	char *colon;
	int r;

	if (o && o->given_credentials) {
		user = o->user ? strdup(o->user) : NULL;
		pass = o->user ? strdup(o->password ? o->password : "") : NULL;
		if (o->user && (!user || !pass))
			return berth_error_set(err, ENOMEM, "credentials");
		*ret_user = TAKE_PTR(user);
		*ret_pass = TAKE_PTR(pass);
		return 0;
	}
	r = cred_config_path(o, &path);
	if (r == -ENOENT) {
		*ret_user = *ret_pass = NULL;
		return 0;
	}
	if (r < 0)
		return berth_error_set(err, -r, "credentials");
	r = config_load(path, &j, err);
	if (r < 0)
		return berth_error_wrap(err, "credentials");
	e = find_entry(json_object_get(j, "auths"), registry, &key);
	auth = json_string_value(json_object_get(e, "auth"));
	u = json_string_value(json_object_get(e, "username"));
	p = json_string_value(json_object_get(e, "password"));
	if (auth && *auth) {
		if (base64_decode(auth, &plain, NULL) < 0 || !(colon = strchr(plain, ':')))
			return berth_error_new(err, EINVAL, "credentials: '%s': auths.\"%s\": "
					       "malformed auth", path, key);
		*colon = 0;
		user = strdup(plain);
		pass = strdup(colon + 1);
	} else if (u && p) {
		user = strdup(u);
		pass = strdup(p);
	} else {
		*ret_user = *ret_pass = NULL;
		return 0;
	}
	if (!user || !pass)
		return berth_error_set(err, ENOMEM, "credentials");
	*ret_user = TAKE_PTR(user);
	*ret_pass = TAKE_PTR(pass);
	return 0;
}

static int config_save(const char *path, json_t *j, struct berth_error **err)
{
	_cleanup_free_ char *data = json_dumps(j, JSON_INDENT(2));
	_cleanup_free_ char *dir = strdup(path);
	char *slash = dir ? strrchr(dir, '/') : NULL;
	int r;

	if (!data || !dir)
		return berth_error_set(err, ENOMEM, "write '%s'", path);
	if (slash && slash != dir) {
		*slash = 0;
		r = mkdir_p(dir, 0700);
		if (r < 0 && r != -EEXIST)
			return berth_error_set(err, -r, "create '%s'", dir);
	}
	r = write_file_atomic(path, data, strlen(data), 0600);
	if (r < 0)
		return berth_error_set(err, -r, "write '%s'", path);
	/* An existing file keeps its mode through rename(); credentials are 0600. */
	if (chmod(path, 0600) < 0)
		return berth_error_set(err, errno, "chmod '%s'", path);
	return 0;
}

static int cred_store(const struct berth_registry_options *o, const char *registry,
		      const char *user, const char *pass, struct berth_error **err)
{
	_cleanup_(json_decrefp) json_t *j = NULL;
	_cleanup_free_ char *path = NULL, *key = NULL, *plain = NULL, *auth = NULL;
	const char *old_key = NULL;
	json_t *auths;
	int r;

	r = cred_config_path(o, &path);
	if (r < 0)
		return berth_error_set(err, -r, "credentials file");
	r = cred_key(registry, &key);
	if (r < 0)
		return berth_error_set(err, -r, "registry '%s'", registry);
	r = config_load(path, &j, err);
	if (r < 0)
		return r;
	plain = xasprintf("%s:%s", user, pass);
	auth = plain ? base64_encode(plain, strlen(plain)) : NULL;
	if (!auth)
		return berth_error_set(err, ENOMEM, "credentials");
	auths = json_object_get(j, "auths");
	if (!json_is_object(auths)) {
		auths = json_object();
		if (!auths || json_object_set_new(j, "auths", auths) < 0)
			return berth_error_set(err, ENOMEM, "credentials");
	}
	/* Replace an entry spelled differently ("http://host/") by the canonical key. */
	if (find_entry(auths, registry, &old_key) && !streq(old_key, key)) {
		_cleanup_free_ char *old = strdup(old_key);

		if (!old)
			return berth_error_set(err, ENOMEM, "credentials");
		json_object_del(auths, old);
	}
	if (json_object_set_new(auths, key, json_pack("{s:s}", "auth", auth)) < 0)
		return berth_error_set(err, ENOMEM, "credentials");
	return config_save(path, j, err);
}

int berth_registry_check_login(const char *registry, const char *user, const char *password,
			       const struct berth_registry_options *o, struct berth_error **err)
{
	struct reg_client *c = NULL;
	_cleanup_free_ char *host = key_host(registry);
	int r;

	if (!host)
		return berth_error_set(err, ENOMEM, "login");
	if (!*host || !user || !*user || !password)
		return berth_error_new(err, EINVAL, "login: a registry, username and password "
				       "are needed");
	if (strchr(user, ':'))
		return berth_error_new(err, EINVAL, "login: a username cannot contain ':'");
	r = reg_client_new(is_hub(host) ? "docker.io" : host, NULL, user, password, false, o,
			   &c, err);
	if (r >= 0)
		r = reg_ping(c, err);
	reg_client_free(c);
	return r;
}

int berth_registry_login(const char *registry, const char *user, const char *password,
			 const struct berth_registry_options *o, struct berth_error **err)
{
	_cleanup_free_ char *host = key_host(registry);
	int r;

	if (!host)
		return berth_error_set(err, ENOMEM, "login");
	r = berth_registry_check_login(registry, user, password, o, err);
	if (r < 0)
		return r;
	return cred_store(o, host, user, password, err);
}

int berth_registry_logout(const char *registry, const struct berth_registry_options *o,
			  struct berth_error **err)
{
	_cleanup_(json_decrefp) json_t *j = NULL;
	_cleanup_free_ char *path = NULL;
	const char *key = NULL;
	json_t *auths;
	int r;

	r = cred_config_path(o, &path);
	if (r < 0)
		return berth_error_set(err, -r, "credentials file");
	r = config_load(path, &j, err);
	if (r < 0)
		return r;
	auths = json_object_get(j, "auths");
	if (!find_entry(auths, registry, &key))
		return berth_error_new(err, ENOENT, "not logged in to '%s'", registry);
	{
		_cleanup_free_ char *k = strdup(key);

		if (!k)
			return berth_error_set(err, ENOMEM, "logout");
		json_object_del(auths, k);
	}
	return config_save(path, j, err);
}
