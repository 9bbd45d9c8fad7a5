/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "berth/cleanup.h"
#include "reference.h"
#include "berth/util.h"

static bool is_lower_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

/* path-component: [a-z0-9]+((\.|_|__|-+)[a-z0-9]+)* */
static bool valid_path_component(const char *s, size_t n)
{
	size_t i = 0;

	if (n == 0 || !is_lower_alnum(s[0]) || !is_lower_alnum(s[n - 1]))
		return false;
	while (i < n) {
		if (is_lower_alnum(s[i])) {
			i++;
			continue;
		}
		if (s[i] == '.' || s[i] == '_') {
			size_t k = 1;

			if (s[i] == '_' && i + 1 < n && s[i + 1] == '_')
				k = 2;
			i += k;
		} else if (s[i] == '-') {
			while (i < n && s[i] == '-')
				i++;
		} else {
			return false;
		}
		if (i >= n || !is_lower_alnum(s[i]))
			return false;
	}
	return true;
}

/* domain: label(.label)*(:port)?, label [a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])? */
static bool valid_domain(const char *s, size_t n)
{
	const char *colon = memchr(s, ':', n);
	size_t host = colon ? (size_t)(colon - s) : n;
	size_t start = 0;

	if (host == 0)
		return false;
	for (size_t i = 0; i <= host; i++) {
		if (i < host && s[i] != '.')
			continue;
		if (i == start || !isalnum((unsigned char)s[start]) ||
		    !isalnum((unsigned char)s[i - 1]))
			return false;
		for (size_t j = start; j < i; j++)
			if (!isalnum((unsigned char)s[j]) && s[j] != '-')
				return false;
		start = i + 1;
	}
	if (colon) {
		size_t plen = n - host - 1;

		if (plen == 0 || plen > 5)
			return false;
		for (size_t j = host + 1; j < n; j++)
			if (!isdigit((unsigned char)s[j]))
				return false;
	}
	return true;
}

/* tag: [\w][\w.-]{0,127} */
static bool valid_tag(const char *t)
{
	size_t n = strlen(t);

	if (n == 0 || n > 128 || t[0] == '.' || t[0] == '-')
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)t[i]) && !strchr("_.-", t[i]))
			return false;
	return true;
}

static bool is_hex64(const char *s)
{
	size_t n = strlen(s);

	if (n != 64)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isdigit((unsigned char)s[i]) && !(s[i] >= 'a' && s[i] <= 'f'))
			return false;
	return true;
}

int ref_normalize(const char *s, char **ret_full, struct berth_error **err)
{
	_cleanup_free_ char *domain = NULL, *rest = NULL, *full = NULL;
	const char *slash, *colon, *tag = REF_DEFAULT_TAG;
	char *c;

	if (!s || !*s)
		return berth_error_new(err, EINVAL, "invalid reference format: empty name");
	if (strchr(s, '@'))
		return berth_error_new(err, EINVAL,
				       "invalid reference format: digest references are not "
				       "supported yet: '%s'",
				       s);

	/* Docker's splitDockerDomain(): the first component is a domain only when it
	 * looks like one (has '.' or ':', or is localhost, or has uppercase). */
	slash = strchr(s, '/');
	if (slash) {
		size_t n = (size_t)(slash - s);
		bool is_domain = memchr(s, '.', n) || memchr(s, ':', n) ||
				 (n == 9 && strncmp(s, "localhost", 9) == 0);

		for (size_t i = 0; i < n && !is_domain; i++)
			if (isupper((unsigned char)s[i]))
				is_domain = true;
		if (is_domain) {
			domain = strndup(s, n);
			rest = strdup(slash + 1);
		}
	}
	if (!domain) {
		domain = strdup(REF_DEFAULT_DOMAIN);
		rest = strdup(s);
	}
	if (!domain || !rest)
		return berth_error_set(err, ENOMEM, "normalise '%s'", s);
	if (streq(domain, "index.docker.io")) {
		free(domain);
		domain = strdup(REF_DEFAULT_DOMAIN);
		if (!domain)
			return berth_error_set(err, ENOMEM, "normalise '%s'", s);
	}
	if (!valid_domain(domain, strlen(domain)))
		return berth_error_new(err, EINVAL,
				       "invalid reference format: invalid domain in '%s'", s);

	/* The tag is after the last ':' of the path (ports live in the domain). */
	colon = strrchr(rest, ':');
	if (colon) {
		rest[colon - rest] = 0;
		tag = colon + 1;
		if (!valid_tag(tag))
			return berth_error_new(err, EINVAL,
					       "invalid reference format: invalid tag in '%s'", s);
	}
	for (c = rest; *c; c++)
		if (isupper((unsigned char)*c))
			return berth_error_new(err, EINVAL,
					       "invalid reference format: repository name must "
					       "be lowercase: '%s'",
					       s);
	for (const char *p = rest;;) {
		slash = strchr(p, '/');
		size_t n = slash ? (size_t)(slash - p) : strlen(p);

		if (!valid_path_component(p, n))
			return berth_error_new(err, EINVAL, "invalid reference format: '%s'", s);
		if (!slash)
			break;
		p = slash + 1;
	}
	if (streq(domain, REF_DEFAULT_DOMAIN) && !strchr(rest, '/')) {
		if (is_hex64(rest))
			return berth_error_new(err, EINVAL,
					       "invalid repository name '%s': cannot specify "
					       "64-byte hexadecimal strings",
					       s);
		full = xasprintf("%s/library/%s", domain, rest);
	} else {
		full = xasprintf("%s/%s", domain, rest);
	}
	if (!full)
		return berth_error_set(err, ENOMEM, "normalise '%s'", s);
	if (strlen(full) > REF_NAME_MAX)
		return berth_error_new(err, EINVAL,
				       "invalid reference format: repository name must not be "
				       "more than %d characters",
				       REF_NAME_MAX);
	c = xasprintf("%s:%s", full, tag);
	if (!c)
		return berth_error_set(err, ENOMEM, "normalise '%s'", s);
	*ret_full = c;
	return 0;
}

int ref_familiar(const char *full, char **ret)
{
	const char *p = startswith(full, REF_DEFAULT_DOMAIN "/");
	char *s;

	if (p) {
		const char *lib = startswith(p, "library/");

		/* "library/x" shortens to "x", but "library/x/y" keeps its prefix. */
		if (lib && !strchr(lib, '/'))
			p = lib;
	} else {
		p = full;
	}
	s = strdup(p);
	if (!s)
		return -ENOMEM;
	*ret = s;
	return 0;
}

int ref_split(const char *ref, char **ret_repo, char **ret_tag)
{
	const char *slash = strrchr(ref, '/');
	const char *colon = strrchr(slash ? slash : ref, ':');
	_cleanup_free_ char *repo = NULL, *tag = NULL;

	repo = colon ? strndup(ref, (size_t)(colon - ref)) : strdup(ref);
	if (!repo)
		return -ENOMEM;
	if (colon) {
		tag = strdup(colon + 1);
		if (!tag)
			return -ENOMEM;
	}
	*ret_repo = TAKE_PTR(repo);
	*ret_tag = TAKE_PTR(tag);
	return 0;
}
