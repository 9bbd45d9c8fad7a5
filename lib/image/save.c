/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * `berth save`: images out of the store as a docker-archive (what `docker save`
 * writes and `docker load`, `podman load` and skopeo's docker-archive: read) or an OCI
 * image layout tarball (oci-archive:). Members have mtime 0 and a fixed order: saving
 * the same images twice gives the same bytes.
 */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>

#include "berth/image.h"
#include "berth/cleanup.h"
#include "config.h"
#include "reference.h"
#include "store.h"
#include "berth/tarwrite.h"
#include "berth/util.h"

#define _cleanup_json_ _cleanup_(json_decrefp)

#define MT_OCI_MANIFEST "application/vnd.oci.image.manifest.v1+json"
#define MT_OCI_CONFIG "application/vnd.oci.image.config.v1+json"
#define MT_OCI_LAYER "application/vnd.oci.image.layer.v1.tar"
#define MT_DOCKER_LAYER "application/vnd.docker.image.rootfs.diff.tar"

static void archive_read_freep(struct archive **a)
{
	if (*a)
		archive_read_free(*a);
}

struct saved {
	struct berth_layer_info *layers;
	size_t n_layers;
	char *id;
	char *ref; /* familiar, or NULL when named by id */
	char *config;
	size_t config_len;
};

static void saved_release(struct saved *x)
{
	berth_layer_info_free(x->layers, x->n_layers);
	free(x->id);
	free(x->ref);
	free(x->config);
}

static int open_blob(struct berth_store *s, const char *digest, struct berth_error **err)
{
	const char *hex = digest_hex(digest);
	int fd;

	if (!hex)
		return berth_error_new(err, EINVAL, "invalid digest '%s'", digest);
	fd = openat(s->blobs_fd, hex, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return berth_error_set(err, errno, "blob '%s'", digest);
	return fd;
}

static bool is_plain_tar(const char *media_type)
{
	return !media_type || streq(media_type, MT_OCI_LAYER) || streq(media_type, MT_DOCKER_LAYER);
}

/* The uncompressed tar of a layer blob, in an unnamed temp file next to the blobs
 * (docker-archive layers are plain tars). Checked against the diff id. */
static int decompress(struct berth_store *s, int in_fd, const struct berth_layer_info *l,
		      uint64_t *ret_size, struct berth_error **err)
{
	_cleanup_(archive_read_freep) struct archive *a = archive_read_new();
	_cleanup_close_ int out = -EBADF;
	struct archive_entry *e;
	struct sha256_ctx ctx;
	char hex[SHA256_HEX_SIZE];
	uint64_t total = 0;
	char buf[64 * 1024];

	if (!a)
		return berth_error_set(err, ENOMEM, "decompress");
	out = openat(s->blobs_fd, ".", O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (out < 0)
		return berth_error_set(err, errno, "decompress: temp file");
	if (archive_read_support_filter_all(a) != ARCHIVE_OK ||
	    archive_read_support_format_raw(a) != ARCHIVE_OK ||
	    archive_read_open_fd(a, in_fd, 64 * 1024) != ARCHIVE_OK ||
	    archive_read_next_header(a, &e) != ARCHIVE_OK)
		return berth_error_new(err, EINVAL, "decompress layer '%s': %s", l->diff_id,
				       archive_error_string(a) ? archive_error_string(a) : "?");
	sha256_init(&ctx);
	for (;;) {
		la_ssize_t n = archive_read_data(a, buf, sizeof(buf));

		if (n < 0)
			return berth_error_new(err, EINVAL, "decompress layer '%s': %s",
					       l->diff_id, archive_error_string(a));
		if (n == 0)
			break;
		sha256_update(&ctx, buf, (size_t)n);
		if (loop_write(out, buf, (size_t)n) < 0)
			return berth_error_set(err, errno, "decompress: write");
		total += (uint64_t)n;
	}
	sha256_final_hex(&ctx, hex);
	if (!streq(hex, digest_hex(l->diff_id)))
		return berth_error_new(err, EIO, "layer '%s': the blob decompresses to sha256:%s",
				       l->diff_id, hex);
	*ret_size = total;
	return TAKE_FD(out);
}

static int collect(struct berth_store *s, char *const *names, struct saved **ret, size_t *ret_n,
		   struct berth_error **err)
{
	size_t n = strv_length(names);
	struct saved *v = calloc(n + 1, sizeof(*v));
	int r;

	if (!v)
		return berth_error_set(err, ENOMEM, "save");
	for (size_t i = 0; i < n; i++) {
		bool by_ref;

		r = berth_image_resolve(s, names[i], &v[i].id, NULL, &by_ref, err);
		if (r >= 0 && by_ref) {
			_cleanup_free_ char *full = NULL;

			r = ref_normalize(names[i], &full, err);
			if (r >= 0 && ref_familiar(full, &v[i].ref) < 0)
				r = berth_error_set(err, ENOMEM, "save");
		}
		if (r >= 0)
			r = berth_image_config(s, v[i].id, &v[i].config, &v[i].config_len, err);
		if (r >= 0)
			r = berth_image_layers(s, v[i].id, &v[i].layers, &v[i].n_layers, err);
		if (r < 0) {
			for (size_t k = 0; k <= i; k++)
				saved_release(&v[k]);
			free(v);
			return berth_error_wrap(err, "image '%s'", names[i]);
		}
	}
	*ret = v;
	*ret_n = n;
	return 0;
}

/* docker-archive: <config hex>.json, <diff id hex>/layer.tar, manifest.json,
 * repositories. */
static int save_docker(struct berth_store *s, struct archive *a, struct saved *v, size_t n,
		       struct berth_error **err)
{
	_cleanup_json_ json_t *manifest = json_array(), *repos = json_object();
	_cleanup_strv_free_ char **written = NULL;
	_cleanup_free_ char *mjson = NULL, *rjson = NULL;
	int r;

	if (!manifest || !repos)
		return berth_error_set(err, ENOMEM, "save");
	for (size_t i = 0; i < n; i++) {
		_cleanup_free_ char *cfg_name = xasprintf("%s.json", digest_hex(v[i].id));
		json_t *layers = json_array(), *tags = json_array();

		if (!cfg_name || !layers || !tags ||
		    json_array_append_new(manifest, json_pack("{s:s, s:o, s:o}", "Config", cfg_name,
							      "RepoTags", tags, "Layers",
							      layers)) < 0)
			return berth_error_set(err, ENOMEM, "save");
		if (!strv_contains(written, cfg_name)) {
			r = tar_add_bytes(a, cfg_name, v[i].config, v[i].config_len, err);
			if (r < 0)
				return r;
			if (strv_extend(&written, cfg_name) < 0)
				return berth_error_set(err, ENOMEM, "save");
		}
		if (v[i].ref) {
			_cleanup_free_ char *repo = NULL, *tag = NULL;

			json_array_append_new(tags, json_string(v[i].ref));
			if (ref_split(v[i].ref, &repo, &tag) >= 0 && tag && v[i].n_layers) {
				json_t *r2 = json_object_get(repos, repo);

				if (!r2)
					json_object_set_new(repos, repo, r2 = json_object());
				json_object_set_new(
				    r2, tag,
				    json_string(digest_hex(v[i].layers[v[i].n_layers - 1].diff_id)));
			}
		}
		for (size_t k = 0; k < v[i].n_layers; k++) {
			const struct berth_layer_info *l = &v[i].layers[k];
			_cleanup_free_ char *dir = xasprintf("%s", digest_hex(l->diff_id));
			_cleanup_free_ char *name = xasprintf("%s/layer.tar", digest_hex(l->diff_id));
			_cleanup_close_ int fd = -EBADF, plain = -EBADF;
			uint64_t size;

			if (!dir || !name || json_array_append_new(layers, json_string(name)) < 0)
				return berth_error_set(err, ENOMEM, "save");
			if (strv_contains(written, name))
				continue;
			if (!l->blob)
				return berth_error_new(err, ENOENT,
						       "layer '%s' has no blob to save", l->diff_id);
			fd = open_blob(s, l->blob, err);
			if (fd < 0)
				return fd;
			if (is_plain_tar(l->media_type)) {
				size = (uint64_t)l->blob_size;
			} else {
				plain = decompress(s, fd, l, &size, err);
				if (plain < 0)
					return plain;
			}
			r = tar_add_dir(a, dir, err);
			if (r >= 0)
				r = tar_add_fd(a, name, plain >= 0 ? plain : fd, size, err);
			if (r < 0)
				return r;
			if (strv_extend(&written, name) < 0)
				return berth_error_set(err, ENOMEM, "save");
		}
	}
	mjson = json_dumps(manifest, JSON_COMPACT);
	rjson = json_dumps(repos, JSON_COMPACT | JSON_SORT_KEYS);
	if (!mjson || !rjson)
		return berth_error_set(err, ENOMEM, "save");
	r = tar_add_bytes(a, "manifest.json", mjson, strlen(mjson), err);
	if (r >= 0 && json_object_size(repos))
		r = tar_add_bytes(a, "repositories", rjson, strlen(rjson), err);
	return r;
}

static int add_blob_bytes(struct archive *a, char ***written, const char *hex, const void *data,
			  size_t n, struct berth_error **err)
{
	_cleanup_free_ char *name = xasprintf("blobs/sha256/%s", hex);

	if (!name)
		return berth_error_set(err, ENOMEM, "save");
	if (strv_contains(*written, name))
		return 0;
	if (strv_extend(written, name) < 0)
		return berth_error_set(err, ENOMEM, "save");
	return tar_add_bytes(a, name, data, n, err);
}

/* OCI image layout: oci-layout, index.json, blobs/sha256/... with layer blobs as the
 * store keeps them (compressed or not). */
static int save_oci(struct berth_store *s, struct archive *a, struct saved *v, size_t n,
		    struct berth_error **err)
{
	_cleanup_json_ json_t *index = NULL, *mans = json_array();
	_cleanup_strv_free_ char **written = NULL;
	_cleanup_free_ char *ijson = NULL;
	static const char layout[] = "{\"imageLayoutVersion\":\"1.0.0\"}";
	int r;

	if (!mans)
		return berth_error_set(err, ENOMEM, "save");
	r = tar_add_bytes(a, "oci-layout", layout, strlen(layout), err);
	if (r >= 0)
		r = tar_add_dir(a, "blobs", err);
	if (r >= 0)
		r = tar_add_dir(a, "blobs/sha256", err);
	if (r < 0)
		return r;
	for (size_t i = 0; i < n; i++) {
		_cleanup_json_ json_t *man = NULL;
		_cleanup_free_ char *mjson = NULL;
		json_t *layers = json_array(), *desc, *ann;
		char mhex[SHA256_HEX_SIZE];

		if (!layers)
			return berth_error_set(err, ENOMEM, "save");
		for (size_t k = 0; k < v[i].n_layers; k++) {
			const struct berth_layer_info *l = &v[i].layers[k];
			_cleanup_free_ char *name = NULL;
			_cleanup_close_ int fd = -EBADF;
			const char *mt = l->media_type ? l->media_type : MT_OCI_LAYER;

			if (!l->blob) {
				json_decref(layers);
				return berth_error_new(err, ENOENT,
						       "layer '%s' has no blob to save", l->diff_id);
			}
			if (streq(mt, MT_DOCKER_LAYER))
				mt = MT_OCI_LAYER;
			json_array_append_new(layers, json_pack("{s:s, s:s, s:I}", "mediaType", mt,
								"digest", l->blob, "size",
								(json_int_t)l->blob_size));
			name = xasprintf("blobs/sha256/%s", digest_hex(l->blob));
			if (!name) {
				json_decref(layers);
				return berth_error_set(err, ENOMEM, "save");
			}
			if (strv_contains(written, name))
				continue;
			fd = open_blob(s, l->blob, err);
			if (fd < 0) {
				json_decref(layers);
				return fd;
			}
			r = tar_add_fd(a, name, fd, (uint64_t)l->blob_size, err);
			if (r < 0 || strv_extend(&written, name) < 0) {
				json_decref(layers);
				return r < 0 ? r : berth_error_set(err, ENOMEM, "save");
			}
		}
		r = add_blob_bytes(a, &written, digest_hex(v[i].id), v[i].config, v[i].config_len,
				   err);
		if (r < 0) {
			json_decref(layers);
			return r;
		}
		man = json_pack("{s:i, s:s, s:{s:s, s:s, s:I}, s:o}", "schemaVersion", 2,
				"mediaType", MT_OCI_MANIFEST, "config", "mediaType", MT_OCI_CONFIG,
				"digest", v[i].id, "size", (json_int_t)v[i].config_len, "layers",
				layers);
		mjson = man ? json_dumps(man, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
		if (!mjson)
			return berth_error_set(err, ENOMEM, "save");
		sha256_hex(mjson, strlen(mjson), mhex);
		r = add_blob_bytes(a, &written, mhex, mjson, strlen(mjson), err);
		if (r < 0)
			return r;
		desc = json_pack("{s:s, s:s+, s:I, s:{s:s, s:s}}", "mediaType", MT_OCI_MANIFEST,
				 "digest", "sha256:", mhex, "size", (json_int_t)strlen(mjson),
				 "platform", "architecture", image_host_architecture(), "os",
				 "linux");
		if (!desc || json_array_append_new(mans, desc) < 0)
			return berth_error_set(err, ENOMEM, "save");
		if (v[i].ref) {
			_cleanup_free_ char *full = NULL, *repo = NULL, *tag = NULL;

			ann = json_object();
			json_object_set_new(desc, "annotations", ann);
			if (ref_normalize(v[i].ref, &full, NULL) >= 0)
				json_object_set_new(ann, "io.containerd.image.name",
						    json_string(full));
			if (ref_split(v[i].ref, &repo, &tag) >= 0 && tag)
				json_object_set_new(ann, "org.opencontainers.image.ref.name",
						    json_string(tag));
		}
	}
	index = json_pack("{s:i, s:s, s:O}", "schemaVersion", 2, "mediaType",
			  "application/vnd.oci.image.index.v1+json", "manifests", mans);
	ijson = index ? json_dumps(index, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
	if (!ijson)
		return berth_error_set(err, ENOMEM, "save");
	return tar_add_bytes(a, "index.json", ijson, strlen(ijson), err);
}

int berth_image_save(struct berth_store *s, char *const *names, enum berth_archive_format format,
		     int out_fd, struct berth_error **err)
{
	struct saved *v = NULL;
	struct archive *a;
	size_t n = 0;
	int fd = out_fd, r;

	if (!names || !names[0])
		return berth_error_new(err, EINVAL, "no image to save");
	r = collect(s, names, &v, &n, err);
	if (r < 0)
		return r;
	a = tar_writer_new(&fd);
	if (!a) {
		r = berth_error_set(err, ENOMEM, "save");
		goto out;
	}
	r = format == BERTH_ARCHIVE_OCI ? save_oci(s, a, v, n, err)
					: save_docker(s, a, v, n, err);
	if (r < 0) {
		archive_write_free(a);
		goto out;
	}
	r = tar_writer_close(a, err);
	for (size_t i = 0; r >= 0 && i < n; i++)
		store_event(s, "save", v[i].id, NULL);
out:
	for (size_t i = 0; i < n; i++)
		saved_release(&v[i]);
	free(v);
	return r;
}
