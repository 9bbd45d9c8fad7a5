/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * docker's `images --filter` (include/berth/image.h): the store's list narrowed by
 * dangling, reference, before, since and label, as the daemon does it, so that a server
 * answering the API's filters shares it with the CLI.
 */
#include <errno.h>
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>

#include "berth/cleanup.h"
#include "berth/image.h"
#include "berth/util.h"

static const char *const keys[] = {"before", "dangling", "label", "reference", "since"};

struct filter {
	char *key;
	const char *value;
	int64_t created; /* before, since: the image's */
};

static bool known(const char *key)
{
	for (size_t i = 0; i < ELEMENTSOF(keys); i++)
		if (streq(keys[i], key))
			return true;
	return false;
}

/* path.Match of pattern against "name:tag", else against "name" (reference.FamiliarMatch) */
static bool reference_match(const char *ref, const char *pattern)
{
	_cleanup_free_ char *name = NULL;
	const char *colon;

	if (!ref)
		return false;
	if (fnmatch(pattern, ref, FNM_PATHNAME) == 0)
		return true;
	colon = strrchr(ref, ':');
	if (!colon || strchr(colon, '/'))
		return false;
	name = strndup(ref, (size_t)(colon - ref));
	return name && fnmatch(pattern, name, FNM_PATHNAME) == 0;
}

static bool match_one(const struct berth_image *img, const struct filter *f)
{
	if (streq(f->key, "dangling"))
		return streq(f->value, "true") == !img->ref;
	if (streq(f->key, "reference"))
		return reference_match(img->ref, f->value);
	if (streq(f->key, "before"))
		return img->created < f->created;
	if (streq(f->key, "since"))
		return img->created > f->created;
	if (streq(f->key, "label"))
		return labels_match(img->labels, f->value);
	return false;
}

/* every key of fs has a value img matches */
static bool match(const struct berth_image *img, const struct filter *fs, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		bool ok = false, seen = false;

		/* each key once: at its first filter */
		for (size_t j = 0; j < i && !seen; j++)
			seen = streq(fs[j].key, fs[i].key);
		if (seen)
			continue;
		for (size_t j = i; j < n && !ok; j++)
			ok = streq(fs[j].key, fs[i].key) && match_one(img, &fs[j]);
		if (!ok)
			return false;
	}
	return true;
}

static void filters_free(struct filter *fs, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(fs[i].key);
	free(fs);
}

int berth_image_list_filter(struct berth_store *s, struct berth_image **images, size_t *n,
			    char *const *filters, struct berth_error **err)
{
	size_t nf = strv_length((char **)filters), kept = 0;
	struct filter *fs;
	int r = 0;

	if (nf == 0)
		return 0;
	fs = calloc(nf, sizeof(*fs));
	if (!fs)
		return berth_error_set(err, ENOMEM, "filter images");
	for (size_t i = 0; i < nf; i++) {
		const char *eq = strchr(filters[i], '=');

		fs[i].key =
		    eq ? strndup(filters[i], (size_t)(eq - filters[i])) : strdup(filters[i]);
		if (!fs[i].key) {
			r = berth_error_set(err, ENOMEM, "filter images");
			goto out;
		}
		for (char *c = fs[i].key; *c; c++)
			*c = (char)(*c >= 'A' && *c <= 'Z' ? *c - 'A' + 'a' : *c);
		fs[i].value = eq ? eq + 1 : "";
		if (!known(fs[i].key)) {
			r = berth_error_new(err, EINVAL, "invalid filter '%s'", fs[i].key);
			goto out;
		}
		if (streq(fs[i].key, "dangling") && !streq(fs[i].value, "true") &&
		    !streq(fs[i].value, "false")) {
			r = berth_error_new(err, EINVAL, "invalid filter 'dangling=%s'",
					    fs[i].value);
			goto out;
		}
		if (streq(fs[i].key, "before") || streq(fs[i].key, "since")) {
			struct berth_image *img = NULL;

			r = berth_image_lookup(s, fs[i].value, &img, err);
			if (r < 0)
				goto out;
			fs[i].created = img->created;
			berth_image_free(img);
		}
	}
	for (size_t i = 0; i < *n; i++) {
		if (match(images[i], fs, nf))
			images[kept++] = images[i];
		else
			berth_image_free(images[i]);
	}
	*n = kept;
out:
	filters_free(fs, nf);
	return r;
}
