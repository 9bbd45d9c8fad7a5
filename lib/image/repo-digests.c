/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The digests images were pulled by (docker's RepoDigests): images/repo-digests.json,
 *
 *     {"sha256:<image id>": ["docker.io/library/busybox@sha256:<hex>", ...], ...}
 *
 * each image's "repository@manifest digest" references, most recent first, at most
 * REPO_DIGESTS_MAX. A pull by tag records the digest the tag resolved to (an index's,
 * for a multi-platform image, as docker's), a pull by digest that digest.
 *
 * Parsed here and nowhere else. A missing or unreadable file is an empty one (images
 * loaded or imported have no repo digest). Updates are read-modify-write under the
 * exclusive store lock and replace the file atomically; entries of images no longer in
 * the store are dropped then, and never read back.
 */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "berth/cleanup.h"
#include "berth/util.h"
#include "reference.h"
#include "store.h"

#define REPO_DIGESTS_FILE "repo-digests.json"
#define REPO_DIGESTS_MAX 8
#define REPO_DIGESTS_MAX_SIZE (UINT64_C(16) << 20)

/* The file as an object; an empty one if missing or unreadable. */
static json_t *digests_load(struct berth_store *s)
{
	_cleanup_close_ int fd =
	    openat(s->images_fd, REPO_DIGESTS_FILE, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	json_t *j = NULL;
	struct stat st;

	if (fd >= 0 && fstat(fd, &st) == 0 && (uint64_t)st.st_size <= REPO_DIGESTS_MAX_SIZE)
		j = json_loadfd(fd, 0, NULL);
	if (!json_is_object(j)) {
		json_decref(j);
		j = json_object();
	}
	return j;
}

/* An image the store has: its config blob is there (removing an image removes it). */
static bool image_present(struct berth_store *s, const char *id)
{
	const char *hex = digest_hex(id);

	return hex && faccessat(s->blobs_fd, hex, F_OK, 0) == 0;
}

int store_repo_digest_add(struct berth_store *s, const char *id, const char *repo_digest,
			  struct berth_error **err)
{
	_cleanup_close_ int lock = -EBADF;
	json_auto_t *j = NULL, *out = NULL;
	_cleanup_free_ char *text = NULL;
	json_t *na, *v;
	const char *key;
	size_t idx;
	int r;

	r = store_lock(s, true, &lock, err);
	if (r < 0)
		return r;
	j = digests_load(s);
	out = json_object();
	na = json_array();
	if (!j || !out || !na || json_array_append_new(na, json_string(repo_digest)) < 0) {
		json_decref(na);
		return berth_error_set(err, ENOMEM, "repo digests");
	}
	json_array_foreach(json_object_get(j, id), idx, v) {
		if (json_array_size(na) >= REPO_DIGESTS_MAX)
			break;
		if (json_is_string(v) && !streq(json_string_value(v), repo_digest))
			json_array_append(na, v);
	}
	if (json_object_set_new(j, id, na) < 0)
		return berth_error_set(err, ENOMEM, "repo digests");
	/* Only images the store still has. */
	json_object_foreach(j, key, v)
		if (json_is_array(v) && image_present(s, key))
			json_object_set(out, key, v);
	text = json_dumps(out, JSON_COMPACT | JSON_SORT_KEYS);
	if (!text)
		return berth_error_set(err, ENOMEM, "repo digests");
	r = write_atomic_at(s->images_fd, REPO_DIGESTS_FILE, text, strlen(text), 0600);
	if (r < 0)
		return berth_error_set(err, -r, "write '%s/images/%s'", s->root, REPO_DIGESTS_FILE);
	return 0;
}

int berth_image_repo_digests(struct berth_store *s, const char *id, char ***ret,
			     struct berth_error **err)
{
	json_auto_t *j = NULL;
	_cleanup_strv_free_ char **l = calloc(1, sizeof(char *));
	json_t *v;
	size_t idx;

	if (!l)
		return berth_error_set(err, ENOMEM, "repo digests of '%s'", id);
	/* no lock: the file is replaced whole (a caller may hold the store's) */
	j = digests_load(s);
	if (!j)
		return berth_error_set(err, ENOMEM, "repo digests of '%s'", id);
	json_array_foreach(image_present(s, id) ? json_object_get(j, id) : NULL, idx, v) {
		const char *rd = json_string_value(v), *at = rd ? strchr(rd, '@') : NULL;
		_cleanup_free_ char *repo = NULL, *familiar = NULL, *one = NULL;

		if (!at || !digest_hex(at + 1))
			continue;
		repo = strndup(rd, (size_t)(at - rd));
		if (!repo || ref_familiar(repo, &familiar) < 0 ||
		    !(one = xasprintf("%s%s", familiar, at)) || strv_extend(&l, one) < 0)
			return berth_error_set(err, ENOMEM, "repo digests of '%s'", id);
	}
	*ret = TAKE_PTR(l);
	return 0;
}
