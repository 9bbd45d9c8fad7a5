/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Where the store's blobs came from and went to: images/blob-sources.json,
 *
 *     {"sha256:<hex>": ["127.0.0.1:5000/team/app", "docker.io/library/busybox"], ...}
 *
 * the repositories (registry/name) each layer blob was pulled from or pushed to, most
 * recent first, at most REG_SOURCES_MAX per blob. A push of a blob the registry lacks
 * asks it first to mount the blob from one of those repositories on the same registry
 * (POST /v2/<name>/blobs/uploads/?mount=<digest>&from=<other>), which saves the upload.
 *
 * It is a hint, parsed here and nowhere else: a missing or unreadable file is an empty
 * one, and a registry that no longer has the blob there just answers with an upload
 * session. Updates are read-modify-write under the exclusive store lock and replace the
 * file atomically; entries of blobs no longer in the store are dropped then.
 */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "berth/cleanup.h"
#include "registry.h"
#include "store.h"
#include "berth/util.h"

#define REG_SOURCES_FILE "blob-sources.json"
#define REG_SOURCES_MAX 8
#define REG_SOURCES_MAX_SIZE (UINT64_C(16) << 20)

/* The file as an object; an empty one if missing or unreadable. */
static json_t *sources_load(struct berth_store *s)
{
	_cleanup_close_ int fd =
	    openat(s->images_fd, REG_SOURCES_FILE, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	json_t *j = NULL;
	struct stat st;

	if (fd >= 0 && fstat(fd, &st) == 0 && (uint64_t)st.st_size <= REG_SOURCES_MAX_SIZE)
		j = json_loadfd(fd, 0, NULL);
	if (!json_is_object(j)) {
		json_decref(j);
		j = json_object();
	}
	return j;
}

int reg_sources_lookup(struct berth_store *s, const char *digest, const char *registry,
		       const char *except_repo, char ***ret)
{
	_cleanup_(json_decrefp) json_t *j = sources_load(s);
	_cleanup_strv_free_ char **repos = calloc(REG_SOURCES_MAX + 1, sizeof(char *));
	size_t n = 0, idx;
	json_t *v;

	if (!j || !repos)
		return -ENOMEM;
	json_array_foreach(json_object_get(j, digest), idx, v) {
		const char *src = json_string_value(v), *repo;

		if (!src || n >= REG_SOURCES_MAX || !startswith(src, registry))
			continue;
		repo = src + strlen(registry);
		if (*repo != '/' || !repo[1] || (except_repo && streq(repo + 1, except_repo)))
			continue;
		repos[n] = strdup(repo + 1);
		if (!repos[n])
			return -ENOMEM;
		n++;
	}
	*ret = TAKE_PTR(repos);
	return 0;
}

int reg_sources_add(struct berth_store *s, const char *registry, const char *repo,
		    char *const *digests, size_t n, struct berth_error **err)
{
	_cleanup_close_ int lock = -EBADF;
	_cleanup_(json_decrefp) json_t *j = NULL, *out = NULL;
	_cleanup_free_ char *src = xasprintf("%s/%s", registry, repo), *text = NULL;
	const char *digest;
	json_t *v;
	int r;

	if (!src)
		return berth_error_set(err, ENOMEM, "blob sources");
	r = store_lock(s, true, &lock, err);
	if (r < 0)
		return r;
	j = sources_load(s);
	out = json_object();
	if (!j || !out)
		return berth_error_set(err, ENOMEM, "blob sources");
	for (size_t i = 0; i < n; i++) {
		json_t *a = json_object_get(j, digests[i]), *na = json_array();
		size_t idx;

		if (!na || json_array_append_new(na, json_string(src)) < 0) {
			json_decref(na);
			return berth_error_set(err, ENOMEM, "blob sources");
		}
		json_array_foreach(a, idx, v) {
			if (json_array_size(na) >= REG_SOURCES_MAX)
				break;
			if (json_is_string(v) && !streq(json_string_value(v), src))
				json_array_append(na, v);
		}
		if (json_object_set_new(j, digests[i], na) < 0)
			return berth_error_set(err, ENOMEM, "blob sources");
	}
	/* Only blobs the store still has. */
	json_object_foreach(j, digest, v) {
		const char *hex = digest_hex(digest);

		if (hex && json_is_array(v) && faccessat(s->blobs_fd, hex, F_OK, 0) == 0)
			json_object_set(out, digest, v);
	}
	text = json_dumps(out, JSON_COMPACT | JSON_SORT_KEYS);
	if (!text)
		return berth_error_set(err, ENOMEM, "blob sources");
	r = write_atomic_at(s->images_fd, REG_SOURCES_FILE, text, strlen(text), 0600);
	if (r < 0)
		return berth_error_set(err, -r, "write '%s/images/%s'", s->root, REG_SOURCES_FILE);
	return 0;
}
