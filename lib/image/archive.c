/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * `berth load`: multi-layer images from a docker-archive (`docker save`) or an OCI
 * image layout, both as a tar (plain or compressed).
 *
 * The outer tar is read once, streaming: every regular file in it becomes a temp blob
 * in blobs/sha256, hashed while written, so a pipe works and nothing big is held in
 * memory. Then, before anything is named in the store, every image is verified: OCI
 * descriptors against the blob digests, and every layer's uncompressed digest against
 * its config's rootfs.diff_ids. Only then are layers unpacked (once per chain id) and
 * committed under the lock, image by image, as in berth_image_import().
 *
 * The manifest.json of a docker-archive and the index/manifest of an OCI layout are
 * parsed here and nowhere else.
 */
#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "berth/image.h"
#include "berth/cleanup.h"
#include "commit.h"
#include "config.h"
#include "layer.h"
#include "reference.h"
#include "store.h"
#include "berth/tarwrite.h"
#include "berth/util.h"

#define ARCHIVE_MAX_MEMBERS 4096
#define ARCHIVE_MAX_JSON (UINT64_C(16) << 20)
#define ARCHIVE_MAX_LINKS 8
#define ARCHIVE_MAX_LAYERS 256
#define OCI_MAX_NESTING 4

#define MT_OCI_INDEX "application/vnd.oci.image.index.v1+json"
#define MT_OCI_MANIFEST "application/vnd.oci.image.manifest.v1+json"
#define MT_DOCKER_LIST "application/vnd.docker.distribution.manifest.list.v2+json"
#define MT_DOCKER_MANIFEST "application/vnd.docker.distribution.manifest.v2+json"

/* A regular file of the outer tar, as a temp blob; or a symlink to another member. */
struct member {
	char *name; /* cleaned: no leading "./" or "/" */
	char *link; /* symlink target (cleaned, relative to the archive root), or NULL */
	struct blob_writer w;
};

struct archive_files {
	struct member *m;
	size_t n;
};

/* One image to load, verified. Pointers into archive_files are borrowed. */
struct load_item {
	char *config;
	size_t config_len;
	char *config_digest; /* expected (OCI) or NULL */
	struct image_config *cfg;
	struct member **layers;	       /* bottom first, as many as cfg->diff_ids */
	char **media_types;	       /* per layer; NULL entries mean "from the compression" */
	enum layer_compression *comps; /* per layer, found by verify_item() */
	size_t n_layers;
	char **refs; /* normalised */
};

static void archive_files_release(struct berth_store *s, struct archive_files *f)
{
	for (size_t i = 0; i < f->n; i++) {
		store_blob_abort(s, &f->m[i].w);
		free(f->m[i].name);
		free(f->m[i].link);
	}
	free(f->m);
	*f = (struct archive_files){0};
}

static void load_item_release(struct load_item *it)
{
	free(it->config);
	free(it->config_digest);
	image_config_free(it->cfg);
	free(it->layers);
	for (size_t i = 0; it->media_types && i < it->n_layers; i++)
		free(it->media_types[i]);
	free(it->media_types);
	free(it->comps);
	strv_free(it->refs);
	*it = (struct load_item){0};
}

/* Lexically clean an archive path: drop "/" and "." components, apply "..". base is the
 * directory a relative symlink target is relative to (NULL for member names). NULL if
 * the path climbs above the root or is empty. */
static char *clean_member_path(const char *base, const char *path)
{
	_cleanup_free_ char *joined = NULL, *out = NULL;
	char *save = NULL, *tok;
	size_t len = 0;

	joined = path_under(base, path);
	if (!joined)
		return NULL;
	out = calloc(1, strlen(joined) + 1);
	if (!out)
		return NULL;
	for (tok = strtok_r(joined, "/", &save); tok; tok = strtok_r(NULL, "/", &save)) {
		if (streq(tok, "."))
			continue;
		if (streq(tok, "..")) {
			char *slash;

			if (len == 0)
				return NULL;
			slash = strrchr(out, '/');
			len = slash ? (size_t)(slash - out) : 0;
			out[len] = 0;
			continue;
		}
		if (len)
			out[len++] = '/';
		strcpy(out + len, tok);
		len += strlen(tok);
	}
	if (len == 0)
		return NULL;
	return TAKE_PTR(out);
}

static struct member *find_member(struct archive_files *f, const char *name)
{
	_cleanup_free_ char *clean = clean_member_path(NULL, name);

	if (!clean)
		return NULL;
	for (int hops = 0; hops <= ARCHIVE_MAX_LINKS; hops++) {
		struct member *m = NULL;

		for (size_t i = 0; i < f->n; i++)
			if (streq(f->m[i].name, clean))
				m = &f->m[i];
		if (!m || !m->link)
			return m;
		free(clean);
		clean = strdup(m->link);
		if (!clean)
			return NULL;
	}
	return NULL;
}

static int read_outer_tar(struct berth_store *s, int fd, struct archive_files *f,
			  struct berth_error **err)
{
	struct archive *a = archive_read_new();
	struct archive_entry *e;
	_cleanup_free_ char *buf = malloc(1 << 16);
	int r = 0;

	if (!a || !buf) {
		archive_read_free(a);
		return berth_error_set(err, ENOMEM, "read archive");
	}
	archive_read_support_filter_gzip(a);
	archive_read_support_filter_xz(a);
	archive_read_support_filter_zstd(a);
	archive_read_support_format_tar(a);
	if (archive_read_open_fd(a, fd, 1 << 16) != ARCHIVE_OK) {
		r = berth_error_new(err, EINVAL, "read archive: %s", archive_error_string(a));
		goto out;
	}
	for (;;) {
		const char *path;
		_cleanup_free_ char *name = NULL;
		struct member *m, *grown;
		mode_t type;
		int k = archive_read_next_header(a, &e);

		if (k == ARCHIVE_EOF)
			break;
		if (k != ARCHIVE_OK && k != ARCHIVE_WARN) {
			r = berth_error_new(err, EINVAL, "read archive: %s",
					    archive_error_string(a));
			goto out;
		}
		type = archive_entry_filetype(e);
		if (type != AE_IFREG && type != AE_IFLNK)
			continue;
		path = archive_entry_pathname(e);
		name = path ? clean_member_path(NULL, path) : NULL;
		if (!name) {
			r = berth_error_new(err, EINVAL, "archive entry '%s': invalid path",
					    path ? path : "");
			goto out;
		}
		if (f->n >= ARCHIVE_MAX_MEMBERS) {
			r = berth_error_new(err, E2BIG, "archive has more than %d files",
					    ARCHIVE_MAX_MEMBERS);
			goto out;
		}
		grown = realloc(f->m, (f->n + 1) * sizeof(*f->m));
		if (!grown) {
			r = berth_error_set(err, ENOMEM, "read archive");
			goto out;
		}
		f->m = grown;
		m = &f->m[f->n++];
		*m = (struct member){.name = TAKE_PTR(name), .w = BLOB_WRITER_INIT};
		if (type == AE_IFLNK) {
			const char *target = archive_entry_symlink(e);
			_cleanup_free_ char *dir = strdup(m->name);
			char *slash = dir ? strrchr(dir, '/') : NULL;

			if (slash)
				*slash = 0;
			m->link = target ? clean_member_path(slash ? dir : NULL, target) : NULL;
			if (!m->link) {
				r = berth_error_new(err, EINVAL,
						    "archive entry '%s': invalid symlink target",
						    m->name);
				goto out;
			}
			continue;
		}
		r = store_blob_begin(s, &m->w, err);
		if (r < 0)
			goto out;
		for (;;) {
			la_ssize_t got = archive_read_data(a, buf, 1 << 16);

			if (got < 0) {
				r = berth_error_new(err, EINVAL, "archive entry '%s': %s", m->name,
						    archive_error_string(a));
				goto out;
			}
			if (got == 0)
				break;
			r = store_blob_append(&m->w, buf, (size_t)got, err);
			if (r < 0)
				goto out;
		}
		r = store_blob_finish(&m->w, err);
		if (r < 0)
			goto out;
	}
out:
	archive_read_free(a);
	return r;
}

static int member_json(struct member *m, json_t **ret, struct berth_error **err)
{
	_cleanup_free_ char *data = NULL;
	json_error_t jerr;
	size_t n;
	json_t *j;
	int r;

	if (m->w.size > ARCHIVE_MAX_JSON)
		return berth_error_new(err, E2BIG, "'%s' is too big", m->name);
	if (lseek(m->w.fd, 0, SEEK_SET) < 0)
		return berth_error_set(err, errno, "'%s'", m->name);
	r = read_full_fd(m->w.fd, &data, &n);
	if (r < 0)
		return berth_error_set(err, -r, "read '%s'", m->name);
	j = json_loadb(data, n, JSON_REJECT_DUPLICATES, &jerr);
	if (!j)
		return berth_error_new(err, EINVAL, "'%s': %s", m->name, jerr.text);
	*ret = j;
	return 0;
}

static int member_read(struct member *m, char **ret, size_t *ret_n, struct berth_error **err)
{
	int r;

	if (m->w.size > ARCHIVE_MAX_JSON)
		return berth_error_new(err, E2BIG, "'%s' is too big", m->name);
	if (lseek(m->w.fd, 0, SEEK_SET) < 0)
		return berth_error_set(err, errno, "'%s'", m->name);
	r = read_full_fd(m->w.fd, ret, ret_n);
	if (r < 0)
		return berth_error_set(err, -r, "read '%s'", m->name);
	return 0;
}

/* Fill it->cfg from it->config and check the layer count; then verify every layer's
 * diff id against the config. */
static int verify_item(struct load_item *it, struct berth_error **err)
{
	int r;

	r = image_config_parse(it->config, it->config_len, &it->cfg, err);
	if (r < 0)
		return berth_error_wrap(err, "image config");
	if (strv_length(it->cfg->diff_ids) != it->n_layers)
		return berth_error_new(err, EINVAL,
				       "the manifest lists %zu layers, the config %zu diff ids",
				       it->n_layers, strv_length(it->cfg->diff_ids));
	for (size_t i = 0; i < it->n_layers; i++) {
		struct member *m = it->layers[i];
		enum layer_compression comp = LAYER_COMPRESSION_NONE;
		char hex[SHA256_HEX_SIZE];
		const char *want = digest_hex(it->cfg->diff_ids[i]);

		r = layer_diff_id(m->w.fd, NULL, hex, &comp, err);
		if (r < 0)
			return berth_error_wrap(err, "layer '%s'", m->name);
		it->comps[i] = comp;
		if (comp == LAYER_COMPRESSION_NONE)
			memcpy(hex, m->w.hex, sizeof(hex));
		if (!want || !streq(want, hex))
			return berth_error_new(
			    err, EINVAL,
			    "layer '%s': content hashes to sha256:%s, the config "
			    "says '%s'",
			    m->name, hex, it->cfg->diff_ids[i]);
	}
	return 0;
}

static int add_ref(struct load_item *it, const char *ref, struct berth_error **err)
{
	_cleanup_free_ char *full = NULL;
	int r = ref_normalize(ref, &full, err);

	if (r < 0)
		return berth_error_wrap(err, "tag '%s'", ref);
	if (strv_contains(it->refs, full))
		return 0;
	return strv_push(&it->refs, TAKE_PTR(full)) < 0 ? berth_error_set(err, ENOMEM, "tag") : 0;
}

static int alloc_layers(struct load_item *it, size_t n, struct berth_error **err)
{
	if (n == 0 || n > ARCHIVE_MAX_LAYERS)
		return berth_error_new(err, EINVAL, "an image needs 1 to %d layers, not %zu",
				       ARCHIVE_MAX_LAYERS, n);
	it->layers = calloc(n, sizeof(*it->layers));
	it->media_types = calloc(n, sizeof(char *));
	it->comps = calloc(n, sizeof(*it->comps));
	if (!it->layers || !it->media_types || !it->comps)
		return berth_error_set(err, ENOMEM, "layers");
	it->n_layers = n;
	return 0;
}

/* --- docker-archive: manifest.json [{Config, RepoTags, Layers}] --- */

static int parse_docker(struct archive_files *f, struct member *manifest, struct load_item **ret,
			size_t *ret_n, struct berth_error **err)
{
	_cleanup_(json_decrefp) json_t *j = NULL;
	struct load_item *items;
	size_t n, idx;
	json_t *e;
	int r;

	r = member_json(manifest, &j, err);
	if (r < 0)
		return r;
	if (!json_is_array(j) || json_array_size(j) == 0)
		return berth_error_new(err, EINVAL, "manifest.json: not a non-empty array");
	n = json_array_size(j);
	items = calloc(n, sizeof(*items));
	if (!items)
		return berth_error_set(err, ENOMEM, "manifest.json");
	*ret = items;
	*ret_n = n;
	json_array_foreach(j, idx, e)
	{
		struct load_item *it = &items[idx];
		json_t *cfg = json_object_get(e, "Config"), *layers = json_object_get(e, "Layers");
		json_t *tags = json_object_get(e, "RepoTags"), *v;
		struct member *m;
		size_t k;

		if (!json_is_string(cfg) || !json_is_array(layers))
			return berth_error_new(
			    err, EINVAL, "manifest.json: entry %zu: no Config or Layers", idx);
		m = find_member(f, json_string_value(cfg));
		if (!m || m->link)
			return berth_error_new(err, EINVAL, "manifest.json: no config '%s'",
					       json_string_value(cfg));
		r = member_read(m, &it->config, &it->config_len, err);
		if (r < 0)
			return r;
		r = alloc_layers(it, json_array_size(layers), err);
		if (r < 0)
			return berth_error_wrap(err, "manifest.json");
		json_array_foreach(layers, k, v)
		{
			if (!json_is_string(v))
				return berth_error_new(err, EINVAL,
						       "manifest.json: bad layer path");
			it->layers[k] = find_member(f, json_string_value(v));
			if (!it->layers[k] || it->layers[k]->link)
				return berth_error_new(err, EINVAL, "manifest.json: no layer '%s'",
						       json_string_value(v));
		}
		if (json_is_array(tags))
			json_array_foreach(tags, k, v)
			{
				if (!json_is_string(v))
					return berth_error_new(err, EINVAL,
							       "manifest.json: bad RepoTags");
				r = add_ref(it, json_string_value(v), err);
				if (r < 0)
					return r;
			}
	}
	return 0;
}

/* --- OCI image layout: oci-layout, index.json, blobs/sha256/<hex> --- */

/* The member holding the blob of a descriptor, its digest verified. */
static int oci_blob(struct archive_files *f, json_t *desc, const char *what, struct member **ret,
		    struct berth_error **err)
{
	const char *digest = json_string_value(json_object_get(desc, "digest"));
	const char *hex = digest ? digest_hex(digest) : NULL;
	_cleanup_free_ char *path = NULL;
	struct member *m;

	if (!hex)
		return berth_error_new(err, EINVAL, "%s: missing or unsupported digest '%s'", what,
				       digest ? digest : "");
	path = xasprintf("blobs/sha256/%s", hex);
	if (!path)
		return berth_error_set(err, ENOMEM, "%s", what);
	m = find_member(f, path);
	if (!m || m->link)
		return berth_error_new(err, EINVAL, "%s '%s': not in the archive", what, digest);
	if (!streq(m->w.hex, hex))
		return berth_error_new(err, EINVAL, "%s '%s': content hashes to sha256:%s", what,
				       digest, m->w.hex);
	*ret = m;
	return 0;
}

static bool platform_matches(json_t *desc)
{
	json_t *p = json_object_get(desc, "platform");
	const char *os, *arch;

	if (!p)
		return true;
	os = json_string_value(json_object_get(p, "os"));
	arch = json_string_value(json_object_get(p, "architecture"));
	return streq_ptr(os, "linux") && streq_ptr(arch, image_host_architecture());
}

/* Resolve a descriptor (manifest, or index to pick from) to an image manifest. 0 and
 * *ret NULL when an index has no manifest for this platform. */
static int oci_resolve(struct archive_files *f, json_t *desc, int depth, json_t **ret,
		       struct berth_error **err)
{
	const char *mt = json_string_value(json_object_get(desc, "mediaType"));
	_cleanup_(json_decrefp) json_t *j = NULL;
	struct member *m;
	json_t *mans, *d;
	size_t i;
	int r;

	if (depth > OCI_MAX_NESTING)
		return berth_error_new(err, ELOOP, "image indexes nested too deeply");
	r = oci_blob(f, desc, "manifest", &m, err);
	if (r < 0)
		return r;
	r = member_json(m, &j, err);
	if (r < 0)
		return r;
	if (!mt)
		mt = json_string_value(json_object_get(j, "mediaType"));
	if (streq_ptr(mt, MT_OCI_MANIFEST) || streq_ptr(mt, MT_DOCKER_MANIFEST)) {
		*ret = TAKE_PTR(j);
		return 0;
	}
	if (!streq_ptr(mt, MT_OCI_INDEX) && !streq_ptr(mt, MT_DOCKER_LIST))
		return berth_error_new(err, EINVAL, "manifest '%s': unsupported media type '%s'",
				       m->name, mt ? mt : "");
	mans = json_object_get(j, "manifests");
	json_array_foreach(mans, i, d)
	{
		if (!platform_matches(d))
			continue;
		return oci_resolve(f, d, depth + 1, ret, err);
	}
	*ret = NULL;
	return 0;
}

static bool layer_media_type_ok(const char *mt)
{
	return !mt || startswith(mt, "application/vnd.oci.image.layer.v1.tar") ||
	       startswith(mt, "application/vnd.docker.image.rootfs.diff.tar");
}

static int oci_item(struct archive_files *f, json_t *manifest, const char *ref,
		    struct load_item *it, struct berth_error **err)
{
	json_t *config = json_object_get(manifest, "config");
	json_t *layers = json_object_get(manifest, "layers"), *d;
	struct member *m;
	size_t i;
	int r;

	if (!json_is_object(config) || !json_is_array(layers))
		return berth_error_new(err, EINVAL, "manifest: no config or layers");
	r = oci_blob(f, config, "config", &m, err);
	if (r < 0)
		return r;
	r = member_read(m, &it->config, &it->config_len, err);
	if (r < 0)
		return r;
	it->config_digest = xasprintf("sha256:%s", m->w.hex);
	if (!it->config_digest)
		return berth_error_set(err, ENOMEM, "config");
	r = alloc_layers(it, json_array_size(layers), err);
	if (r < 0)
		return berth_error_wrap(err, "manifest");
	json_array_foreach(layers, i, d)
	{
		const char *mt = json_string_value(json_object_get(d, "mediaType"));

		if (!layer_media_type_ok(mt))
			return berth_error_new(err, EINVAL,
					       "layer %zu: unsupported media type '%s'", i, mt);
		r = oci_blob(f, d, "layer", &it->layers[i], err);
		if (r < 0)
			return r;
		if (mt && !(it->media_types[i] = strdup(mt)))
			return berth_error_set(err, ENOMEM, "layer");
	}
	return ref ? add_ref(it, ref, err) : 0;
}

static int parse_oci(struct archive_files *f, struct member *index, struct load_item **ret,
		     size_t *ret_n, struct berth_error **err)
{
	_cleanup_(json_decrefp) json_t *j = NULL;
	struct load_item *items;
	json_t *mans, *d;
	size_t n = 0, i;
	int r;

	r = member_json(index, &j, err);
	if (r < 0)
		return r;
	mans = json_object_get(j, "manifests");
	if (!json_is_array(mans) || json_array_size(mans) == 0)
		return berth_error_new(err, EINVAL, "index.json: no manifests");
	items = calloc(json_array_size(mans), sizeof(*items));
	if (!items)
		return berth_error_set(err, ENOMEM, "index.json");
	*ret = items;
	*ret_n = json_array_size(mans);
	json_array_foreach(mans, i, d)
	{
		_cleanup_(json_decrefp) json_t *man = NULL;
		json_t *ann = json_object_get(d, "annotations");
		const char *ref =
		    json_string_value(json_object_get(ann, "io.containerd.image.name"));

		if (!ref)
			ref = json_string_value(
			    json_object_get(ann, "org.opencontainers.image.ref.name"));
		if (!platform_matches(d))
			continue;
		r = oci_resolve(f, d, 0, &man, err);
		if (r < 0)
			return berth_error_wrap(err, "index.json");
		if (!man)
			continue;
		r = oci_item(f, man, ref, &items[n], err);
		if (r < 0)
			return r;
		n++;
	}
	if (n == 0)
		return berth_error_new(err, ENOENT, "index.json: no image for linux/%s",
				       image_host_architecture());
	*ret_n = n;
	return 0;
}

/* --- commit --- */

static int commit_item(struct berth_store *s, struct load_item *it, char **ret_id,
		       struct berth_error **err)
{
	_cleanup_free_ struct commit_layer *layers = calloc(it->n_layers + 1, sizeof(*layers));
	_cleanup_free_ char *name = NULL;
	int r;

	if (!layers)
		return berth_error_set(err, ENOMEM, "load");
	for (size_t i = 0; i < it->n_layers; i++)
		layers[i] = (struct commit_layer){
		    .w = &it->layers[i]->w,
		    .media_type = it->media_types[i] ? it->media_types[i]
						     : layer_media_type(it->comps[i]),
		    .name = it->layers[i]->name,
		};
	r = image_commit(s, it->config, it->config_len, it->cfg->diff_ids, layers, it->n_layers,
			 it->refs, ret_id, err);
	if (r < 0)
		return r;
	/* docker: one load event per image, named by its tag when it has one */
	if (it->refs && it->refs[0])
		(void)ref_familiar(it->refs[0], &name);
	store_event(s, "load", *ret_id, name);
	return 0;
}

/* The load of the archive at path, or (path NULL) read from fd, which is left open. */
/* what docker's load reports of item it, committed as id: its tags, or its id */
static int add_names(char ***names, const struct load_item *it, const char *id)
{
	if (!it->refs || !it->refs[0])
		return strv_contains(*names, id) ? 0 : strv_extend(names, id);
	for (char **ref = it->refs; *ref; ref++) {
		char *f = NULL;

		if (ref_familiar(*ref, &f) < 0)
			return -ENOMEM;
		if (strv_contains(*names, f))
			free(f);
		else if (strv_push(names, f) < 0)
			return -ENOMEM;
	}
	return 0;
}

static int load_any(struct berth_store *s, const char *path, int fd, char ***ret_ids,
		    char ***ret_names, struct berth_error **err)
{
	struct archive_files f = {0};
	struct load_item *items = NULL;
	_cleanup_strv_free_ char **ids = calloc(1, sizeof(char *));
	_cleanup_strv_free_ char **names = calloc(1, sizeof(char *));
	_cleanup_close_ int in_fd = -EBADF;
	struct member *m;
	size_t n = 0;
	struct stat st;
	int r;

	if (!ids || !names)
		return berth_error_set(err, ENOMEM, "load");
	if (!path) {
		in_fd = fcntl(fd, F_DUPFD_CLOEXEC, 3);
		if (in_fd < 0)
			return berth_error_set(err, errno, "input");
	} else {
		in_fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
		if (in_fd < 0)
			return berth_error_set(err, errno, "open");
		if (fstat(in_fd, &st) < 0)
			return berth_error_set(err, errno, "stat");
		if (S_ISDIR(st.st_mode)) {
			/* An unpacked layout (oci: of skopeo, a docker-archive extracted):
			 * read as the tar of it, made in an unnamed temp file. */
			int t = tar_tree_to_tmpfile(s->blobs_fd, in_fd, 0, NULL, err);

			if (t < 0)
				return berth_error_wrap(err, "read directory");
			close(in_fd);
			in_fd = t;
		}
	}

	r = read_outer_tar(s, in_fd, &f, err);
	if (r < 0)
		goto out;
	if ((m = find_member(&f, "manifest.json")) && !m->link) {
		r = parse_docker(&f, m, &items, &n, err);
	} else if (find_member(&f, "oci-layout") && (m = find_member(&f, "index.json")) &&
		   !m->link) {
		r = parse_oci(&f, m, &items, &n, err);
	} else {
		r = berth_error_new(err, EINVAL,
				    "neither a docker-archive (no manifest.json) nor an OCI "
				    "layout (no oci-layout and index.json)");
	}
	if (r < 0)
		goto out;

	/* Verify everything before the store changes at all. */
	for (size_t i = 0; i < n; i++) {
		r = verify_item(&items[i], err);
		if (r < 0)
			goto out;
	}
	for (size_t i = 0; i < n; i++) {
		char *id = NULL;

		r = commit_item(s, &items[i], &id, err);
		if (r < 0)
			goto out;
		if (items[i].config_digest && !streq(id, items[i].config_digest)) {
			free(id);
			r = berth_error_new(err, EIO, "config digest changed while loading");
			goto out;
		}
		if (add_names(&names, &items[i], id) < 0) {
			free(id);
			r = berth_error_set(err, ENOMEM, "load");
			goto out;
		}
		if (strv_contains(ids, id))
			free(id);
		else if (strv_push(&ids, id) < 0) {
			r = berth_error_set(err, ENOMEM, "load");
			goto out;
		}
	}
	*ret_ids = TAKE_PTR(ids);
	if (ret_names)
		*ret_names = TAKE_PTR(names);
	r = 0;
out:
	for (size_t i = 0; items && i < n; i++)
		load_item_release(&items[i]);
	free(items);
	archive_files_release(s, &f);
	return r;
}

int berth_image_load(struct berth_store *s, const char *path, char ***ret_ids,
		     char ***ret_names, struct berth_error **err)
{
	return load_any(s, path, -EBADF, ret_ids, ret_names, err);
}

int berth_image_load_fd(struct berth_store *s, int fd, char ***ret_ids, char ***ret_names,
			struct berth_error **err)
{
	return load_any(s, NULL, fd, ret_ids, ret_names, err);
}
