/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The image store: content-addressed blobs, unpacked layers and a ref index under one
 * root directory (default /var/lib/berth):
 *
 *     <root>/lock                         flock(2)ed by every change
 *     <root>/blobs/sha256/<hex>           layer tarballs and OCI image config JSON
 *     <root>/layers/<chain-id hex>/diff/  one unpacked layer (an overlay lower dir)
 *     <root>/layers/<chain-id hex>/layer.json   {diff_id, chain_id, parent, size, blob...}
 *     <root>/images/index.json            {"images": [id...], "refs": {name: id}}
 *
 * An image id is "sha256:<hex>" of its config blob, like docker. Refs are stored
 * fully normalised ("docker.io/library/busybox:latest") and shown in their familiar
 * short form ("busybox:latest").
 *
 * Readers take a shared lock, changes an exclusive one; every file others read is
 * replaced atomically (temp file, fsync, rename), so a crash leaves either the old or
 * the new state plus, at worst, unreferenced garbage.
 *
 * All functions return >= 0 on success and -errno on failure, filling *err (which may
 * be NULL) with a message that names what failed. Out-parameters are only written on
 * success.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "berth/error.h"
#include "berth/util.h"

#define BERTH_STORE_DEFAULT_ROOT "/var/lib/berth"

struct berth_store;

/* Open (and create if needed, mode 0700 below root) the store at root. NULL root means
 * BERTH_STORE_DEFAULT_ROOT. The store keeps an O_PATH fd to root; it holds no lock
 * between calls. Errors: -EACCES/-EPERM when root cannot be created or opened. */
int berth_store_open(const char *root, struct berth_store **ret_store, struct berth_error **err);

/* Accepts NULL; returns NULL. */
struct berth_store *berth_store_free(struct berth_store *s);

/* For _cleanup_(berth_store_freep): frees *s; *s may be NULL. */
static inline void berth_store_freep(struct berth_store **s)
{
	berth_store_free(*s);
}

/* The absolute path of the store root; owned by the store. */
const char *berth_store_root(const struct berth_store *s);

/* A healthcheck as docker's configs have it (Config.Healthcheck, an image's or a
 * container's): test is ["CMD", ARG...], ["CMD-SHELL", "COMMAND"] or ["NONE"]; NULL (or
 * empty) when none is set. Durations in ns and retries: 0 when unset (inherited from the
 * image, else docker's defaults: 30s, 30s, 0, 5s, 3). */
struct berth_healthcheck {
	char **test;
	int64_t interval, timeout, start_period, start_interval;
	int retries;
};

static inline void berth_healthcheck_clear(struct berth_healthcheck *h)
{
	strv_free(h->test);
	*h = (struct berth_healthcheck){0};
}

struct berth_image {
	char *id;	   /* "sha256:<64 hex>" */
	char *ref;	   /* familiar "busybox:latest", or NULL for an untagged image */
	char **layer_dirs; /* absolute diff dirs, TOPMOST FIRST (overlay lowerdir order) */
	char **env;	   /* NULL-terminated; never NULL itself (may be empty) */
	char **cmd;	   /* NULL-terminated; never NULL itself (may be empty) */
	char **entrypoint; /* NULL-terminated; never NULL itself (may be empty) */
	char *workdir;	   /* NULL when unset */
	char *user;	   /* NULL when unset */
	char *stop_signal; /* NULL when unset ("SIGTERM" then) */
	char **exposed;	   /* the ports the image exposes, "80/tcp"; never NULL */
	char **labels;	   /* its labels, "key=value"; never NULL */
	struct berth_healthcheck healthcheck; /* its HEALTHCHECK; test NULL when none */
	int64_t size;	   /* bytes of file content in all layers */
	int64_t created;   /* unix seconds, 0 when the config has no time */
};

/* Accepts NULL; returns NULL. */
struct berth_image *berth_image_free(struct berth_image *img);

/*
 * Import a tar (plain, gzip, xz or zstd) as a single-layer image. path is a file or
 * "-" for stdin. ref is "NAME[:TAG]" (tag defaults to "latest") or NULL for an
 * untagged image; it is validated before anything is read.
 *
 * The tarball is stored as a blob, its uncompressed sha256 is the diff id, and it is
 * unpacked once into layers/<chain id>/diff (see docs/images.md for what the unpacker
 * refuses). Re-importing the same content reuses the layer and, if the resulting
 * config is the same, the image (same id). If ref pointed to another image, that image
 * stays in the store untagged.
 *
 * On success *ret_id is "sha256:<hex>" (caller frees). On failure nothing is left:
 * no blob, no layer, no temp files, index unchanged.
 * Errors: -EINVAL invalid ref or hostile/invalid tar entry (the message names it),
 * -E2BIG a bound of the unpacker exceeded, -ENOENT no such file.
 */
int berth_image_import(struct berth_store *s, const char *path, const char *ref, char **ret_id,
		       struct berth_error **err);

/* berth_image_import() with --change instructions (Dockerfile syntax: CMD,
 * ENTRYPOINT, ENV, EXPOSE, LABEL, STOPSIGNAL, USER, VOLUME, WORKDIR) applied to the
 * config; checked before anything is read (-EINVAL naming the instruction). */
int berth_image_import_with(struct berth_store *s, const char *path, const char *ref,
			    char *const *changes, char **ret_id, struct berth_error **err);

/* berth_image_import_with() of the tar read from fd (a pipe will do: `import -` passes
 * its stdin), from its offset to its end; fd is left open. */
int berth_image_import_fd(struct berth_store *s, int fd, const char *ref, char *const *changes,
			  char **ret_id, struct berth_error **err);

/*
 * Load the images of a docker-archive (`docker save`: manifest.json with Config,
 * RepoTags, Layers) or of an OCI image layout (oci-layout, index.json, blobs/sha256/),
 * given as a tar (plain or compressed). path is a file, or a directory (an unpacked
 * layout). From an OCI index the linux/<host arch> manifest is taken; tags come from
 * RepoTags, or from the io.containerd.image.name or org.opencontainers.image.ref.name
 * annotation.
 *
 * Every blob an OCI descriptor names is checked against its digest and every layer's
 * uncompressed content against the config's rootfs.diff_ids before the store changes;
 * a mismatch is -EINVAL naming the layer. The config blob is stored as is (image id =
 * its sha256); layers are stored and unpacked once per chain id, bottom first.
 *
 * On success *ret_ids is a NULL-terminated list of the loaded image ids (caller frees
 * with strv_free()/free()), and, if ret_names is not NULL, *ret_names what docker's load
 * reports: for each image the archive names, its tags in familiar form
 * ("busybox:latest"), for one it does not name, its id. On failure the image being committed leaves nothing behind;
 * images of the same archive committed before it stay loaded.
 * Errors: -EINVAL malformed archive, digest mismatch or hostile layer entry, -E2BIG a
 * bound exceeded, -ENOENT no such file or no image for this platform.
 */
int berth_image_load(struct berth_store *s, const char *path, char ***ret_ids,
		     char ***ret_names, struct berth_error **err);

/* berth_image_load() of the archive read from fd (a pipe will do: `load` without -i
 * passes its stdin), from its offset to its end; fd is left open. */
int berth_image_load_fd(struct berth_store *s, int fd, char ***ret_ids, char ***ret_names,
			struct berth_error **err);

/*
 * Find an image by ref ("busybox", "busybox:1.36", "docker.io/library/busybox:latest")
 * or by id or unique id prefix ("sha256:ab12...", "ab12"). Refs win over id prefixes,
 * as in docker. *ret_image is fully filled (layer dirs checked to exist); the caller
 * frees it with berth_image_free().
 * Errors: -ENOENT no such image, -EINVAL ambiguous id prefix or invalid ref.
 */
int berth_image_lookup(struct berth_store *s, const char *ref_or_id, struct berth_image **ret_image,
		       struct berth_error **err);

/*
 * All images: one entry per ref, plus one (ref NULL) per untagged image, newest first.
 * Each entry is filled as by berth_image_lookup(). The caller frees the array with
 * berth_image_list_free(). An empty store gives *ret_n == 0 and a non-NULL array.
 */
int berth_image_list(struct berth_store *s, struct berth_image ***ret_images, size_t *ret_n,
		     struct berth_error **err);

/* Frees the n images and the array. Accepts NULL; returns NULL. */
struct berth_image **berth_image_list_free(struct berth_image **images, size_t n);

/*
 * docker's `images --filter`: the images of berth_image_list() that pass every key of
 * filters ("key=value", NULL-terminated, may be NULL; several values of one key are
 * OR'ed, different keys AND'ed): dangling=true|false, reference=PATTERN (path.Match
 * against "name:tag" and "name", '*' within a path component), before=IMAGE,
 * since=IMAGE (created before/after it), label=KEY or label=KEY=VALUE. The list is
 * filtered in place: images that do not pass are freed, *n shrinks.
 * -EINVAL "invalid filter 'KEY'" for a key it does not know, or a bad value; -ENOENT
 * for a before/since image that does not exist.
 */
int berth_image_list_filter(struct berth_store *s, struct berth_image **images, size_t *n,
			    char *const *filters, struct berth_error **err);

/*
 * Untag ref; when no ref points to the image any more, delete its config and every
 * layer (and layer blob) no other image uses. ref_or_id may also be an id or unique
 * id prefix, which removes the image when at most one ref points to it.
 * Returns 0 when only a ref was removed, 1 when the image itself was deleted.
 * Errors: -ENOENT no such image, -EBUSY an id whose image has several refs.
 * Containers using the image are not checked here: berth_engine_image_remove() does.
 */
int berth_image_remove(struct berth_store *s, const char *ref_or_id, struct berth_error **err);

/*
 * Resolve a ref or id (as berth_image_lookup() does) without loading the image:
 * *ret_id is its id (caller frees), *ret_refs (may be NULL) how many refs name it, and
 * *ret_by_ref (may be NULL) whether ref_or_id matched a ref rather than an id.
 */
int berth_image_resolve(struct berth_store *s, const char *ref_or_id, char **ret_id,
			size_t *ret_refs, bool *ret_by_ref, struct berth_error **err);

/* Point the ref target ("NAME[:TAG]") at the image source names (ref or id). A ref
 * that named another image moves; that image stays, untagged.
 * Errors: -ENOENT no such image, -EINVAL invalid target. */
int berth_image_tag(struct berth_store *s, const char *source, const char *target,
		    struct berth_error **err);

/* Remove the ref ref_or_id names (every ref of an image named by id) and keep the image,
 * dangling when no ref is left: what `rmi --force` does to an image a container uses.
 * Returns 0. */
int berth_image_untag(struct berth_store *s, const char *ref_or_id, struct berth_error **err);

/* Remove the image ref_or_id names with all its refs (what `rmi --force` does with an
 * id that several tags name), and the layers no other image uses. Returns 1. */
int berth_image_delete(struct berth_store *s, const char *ref_or_id, struct berth_error **err);

/* The config blob of image id, as stored (its sha256 is the id). */
int berth_image_config(struct berth_store *s, const char *id, char **ret_json, size_t *ret_n,
		       struct berth_error **err);

/* docker's RepoDigests of image id: the repository and manifest digest it was pulled
 * by (or pushed as), familiar form ("busybox@sha256:<hex>"), most recent first;
 * NULL-terminated, empty for an image that came from no registry. */
int berth_image_repo_digests(struct berth_store *s, const char *id, char ***ret,
			     struct berth_error **err);

/* The refs naming image id, familiar form ("busybox:latest"); NULL-terminated, may be
 * empty. */
int berth_image_refs(struct berth_store *s, const char *id, char ***ret_refs,
		     struct berth_error **err);

/* One layer of an image, as the store keeps it. */
struct berth_layer_info {
	char *diff_id;	  /* sha256 of the uncompressed tar */
	char *chain_id;
	char *blob;	  /* digest of the blob the layer came from */
	char *media_type; /* of that blob */
	int64_t blob_size;
	int64_t size;	  /* bytes of file content */
	char *diff_dir;	  /* the unpacked layer */
};

/* The layers of image id, bottom first. Free with berth_layer_info_free(l, n). */
int berth_image_layers(struct berth_store *s, const char *id, struct berth_layer_info **ret,
		       size_t *ret_n, struct berth_error **err);
struct berth_layer_info *berth_layer_info_free(struct berth_layer_info *l, size_t n);

/* Delete every layer no image uses and every blob that neither an image (its config) nor
 * a remaining layer names. *ret_reclaimed (may be NULL): bytes freed. Temp files of live
 * writers are left alone. */
int berth_image_gc(struct berth_store *s, uint64_t *ret_reclaimed, struct berth_error **err);

/* Bytes the store holds: blob files plus the unpacked content of every layer. */
int berth_image_store_usage(struct berth_store *s, uint64_t *ret_bytes, struct berth_error **err);

/*
 * docker's `image inspect` object for one image, as JSON text (caller frees): Id,
 * RepoTags, Created, Author, Architecture, Os, Config, RootFS, Size, plus History and
 * Layers (berth's blob descriptors).
 */
int berth_image_inspect(struct berth_store *s, const char *ref_or_id, char **ret_json,
			struct berth_error **err);

/* One row of `berth history`, newest first. */
struct berth_history {
	char *id;	  /* the image id for the top row, NULL ("<missing>") below */
	int64_t created;  /* unix seconds, 0 unknown */
	char *created_by;
	char *comment;
	int64_t size;	  /* bytes of the layer this step made, 0 for an empty layer */
};
int berth_image_history(struct berth_store *s, const char *ref_or_id, struct berth_history **ret,
			size_t *ret_n, struct berth_error **err);
struct berth_history *berth_history_free(struct berth_history *h, size_t n);

enum berth_archive_format {
	BERTH_ARCHIVE_DOCKER, /* docker-archive: `docker save` format */
	BERTH_ARCHIVE_OCI,    /* OCI image layout, as a tar */
};

/*
 * Write the images names (refs or ids) as one tar to out_fd. A docker-archive holds
 * each config, each layer as a plain tar (compressed blobs are decompressed and checked
 * against their diff id) and manifest.json with RepoTags for images named by ref; an
 * OCI layout holds the blobs as stored, a manifest per image, and index.json with
 * io.containerd.image.name and org.opencontainers.image.ref.name annotations. Shared
 * layers are written once. Errors: -ENOENT no such image (nothing is written).
 */
int berth_image_save(struct berth_store *s, char *const *names, enum berth_archive_format format,
		     int out_fd, struct berth_error **err);

struct berth_commit_opts {
	const char *ref;	/* "NAME[:TAG]" for the new image, NULL for untagged */
	char *const *changes;	/* --change instructions (Dockerfile syntax), may be NULL */
	const char *comment;	/* the history entry's comment (-m), may be NULL */
	const char *author;	/* the config's author (-a), may be NULL */
	const char *created_by; /* the history entry's created_by, NULL: "berth commit" */
	char *const *skip_empty; /* empty files to leave out ("etc/hostname"), may be NULL */
};

/*
 * A new image: parent_id's layers plus one made of upper_dir, an overlay upper
 * directory (whiteouts become ".wh.NAME", opaque directories ".wh..wh..opq"), with
 * parent's config, the changes applied, a history entry and the time now. The layer
 * blob is a plain tar (its digest is the diff id). On failure nothing is left.
 */
int berth_image_commit(struct berth_store *s, const char *parent_id, const char *upper_dir,
		       const struct berth_commit_opts *o, char **ret_id, struct berth_error **err);
/* --- registries (lib/image/registry*.c, credentials.c; docs/images.md "Registries") --- */

#include <signal.h>
#include <stdbool.h>

struct berth_registry_options {
	/* --tls-verify=false: https without certificate checks, falling back to plain http.
	 * Plain http is always allowed for localhost and 127.0.0.0/8. */
	bool insecure;
	/* docker's config.json with "auths"; NULL: $DOCKER_CONFIG/config.json, else
	 * ~/.docker/config.json. */
	const char *auth_file;
	/* Credentials handed over by the caller (a server's X-Registry-Auth), used instead
	 * of the auth file, which is then not read: user NULL means none (anonymous). */
	bool given_credentials;
	const char *user, *password;
	/* One line per step ("Copying blob sha256:... done"); may be NULL. */
	void (*progress)(const char *line, void *data);
	void *progress_data;
	/* For a pull, instead of the per-layer lines: a status per layer, for a display
	 * that updates one line per layer in place (docker's). id is the layer's short
	 * digest ("sha256:abcd1234"); status "Waiting", "Downloading  12.3MB/45.6MB",
	 * "Download complete", "Extracting", "Pull complete" or "Already exists". Called
	 * with progress_data, from several threads but never two calls at once (nor at
	 * once with progress). May be NULL. */
	void (*layer_status)(const char *id, const char *status, void *data);
	/* When *cancel becomes non-zero (a signal handler's flag), transfers stop within a
	 * second and the operation fails with -EINTR, cleaning up as for any failure. May be
	 * NULL. */
	const volatile sig_atomic_t *cancel;
};

/*
 * Pull ref ("busybox", "host:5000/x:tag", "name@sha256:<hex>") from its registry
 * (docker.io refs from registry-1.docker.io): the manifest (from an index the
 * linux/<host arch> one), the config and the layers not yet in the store (by chain id),
 * each checked against its digest and every layer against the config's diff ids before
 * the store changes; then committed as `berth load` does. A ref by tag is tagged; a ref
 * by digest leaves the image untagged (use its id). Credentials come from the auth file
 * (sent as Basic, or traded for a Bearer token at the challenge's realm).
 * On success *ret_id is the image id. On failure nothing is left: no image, no temp file.
 * Errors: -EINVAL bad ref, manifest or digest mismatch, -ENOENT no such manifest or no
 * image for this platform, -EACCES refused credentials, -EIO transport errors.
 */
int berth_image_pull(struct berth_store *s, const char *ref,
		     const struct berth_registry_options *o, char **ret_id,
		     struct berth_error **err);

/*
 * docker's pull -a: the tags of repository ("busybox", "host:5000/team/app": a name
 * without tag or digest) from its registry's GET /v2/<name>/tags/list, every page it
 * links, in the registry's order; a NULL-terminated strv. -EINVAL "tag can't be used
 * with --all-tags/-a" for a name with a tag or digest, -ENOENT for a repository the
 * registry does not know or that has no tags; other errors as for berth_image_pull().
 */
int berth_registry_tags(const char *repository, const struct berth_registry_options *o,
			char ***ret_tags, struct berth_error **err);

/*
 * Push the image ref_or_id to dest (a ref; NULL: ref_or_id itself, which must then be
 * a ref): every layer blob the registry lacks (HEAD first), the config, then the
 * manifest (docker schema2 when all layers have docker media types, OCI otherwise),
 * tagged with dest's tag. *ret_digest (may be NULL) is the manifest digest.
 * Errors as for berth_image_pull(); -ENOENT no such image or a layer without its blob.
 */
int berth_image_push(struct berth_store *s, const char *ref_or_id, const char *dest,
		     const struct berth_registry_options *o, char **ret_digest,
		     struct berth_error **err);

/*
 * Check user/password against registry ("host:port"; "docker.io") with GET /v2/ and
 * store them in the auth file as docker does ({"auths": {"host:port": {"auth":
 * base64(user:pass)}}}, mode 0600; other keys are kept). -EACCES when refused.
 */
int berth_registry_login(const char *registry, const char *user, const char *password,
			 const struct berth_registry_options *o, struct berth_error **err);

struct berth_search_result {
	char *name;
	char *description;
	int64_t stars;
	bool official;
	bool automated;
};
void berth_search_results_free(struct berth_search_result *r, size_t n);

/*
 * docker's search: term at registry ("docker.io": the Hub's index) through its v1
 * search API, at most limit (1 to 100) results. -ENOTSUP for a registry without one (a
 * registry of the v2 API alone answers 404), else errors as for berth_image_pull().
 */
int berth_registry_search(const char *registry, const char *term, unsigned limit,
			  const struct berth_registry_options *o,
			  struct berth_search_result **ret, size_t *ret_n, struct berth_error **err);

/* berth_registry_login()'s check alone: nothing is stored. */
int berth_registry_check_login(const char *registry, const char *user, const char *password,
			       const struct berth_registry_options *o, struct berth_error **err);

/* Remove the registry's entry from the auth file. -ENOENT when there is none. */
int berth_registry_logout(const char *registry, const struct berth_registry_options *o,
			  struct berth_error **err);
