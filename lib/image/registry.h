/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The registry client (OCI distribution spec, docker's registry v2 API), in three parts:
 *
 *   registry-http.c      HTTP over libcurl: one client per registry and repository,
 *                        the /v2/ ping (https, or http where allowed), auth challenges
 *                        (Basic, Bearer tokens from the realm), error bodies, blob
 *                        downloads into the store (in parallel, with curl multi)
 *   registry-manifest.c  manifests and indexes: parsed and built here and nowhere else
 *   registry-unpack.c    layers checked and unpacked by threads while the other
 *                        downloads go on
 *   registry-sources.c   which repositories each blob came from or went to, for
 *                        cross-repository mounts on push
 *   registry.c           pull and push on top of those and the store
 *   credentials.c        docker's config.json ("auths"), login and logout
 */

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "berth/error.h"
#include "berth/image.h"
#include "store.h"

#define MT_OCI_INDEX "application/vnd.oci.image.index.v1+json"
#define MT_OCI_MANIFEST "application/vnd.oci.image.manifest.v1+json"
#define MT_OCI_CONFIG "application/vnd.oci.image.config.v1+json"
#define MT_DOCKER_LIST "application/vnd.docker.distribution.manifest.list.v2+json"
#define MT_DOCKER_MANIFEST "application/vnd.docker.distribution.manifest.v2+json"
#define MT_DOCKER_CONFIG "application/vnd.docker.container.image.v1+json"
#define MT_DOCKER_SCHEMA1 "application/vnd.docker.distribution.manifest.v1+json"
#define MT_DOCKER_SCHEMA1_SIGNED "application/vnd.docker.distribution.manifest.v1+prettyjws"

#define REG_MAX_MANIFEST (UINT64_C(4) << 20) /* the spec's suggested limit */
#define REG_MAX_CONFIG (UINT64_C(16) << 20)
#define REG_MAX_LAYERS 256
#define REG_MAX_PARALLEL 3 /* concurrent blob downloads, docker's default */

/* The registry host docker.io refs are served from, and the key docker's config.json
 * uses for it. */
#define REG_DOCKER_HUB_HOST "registry-1.docker.io"
#define REG_DOCKER_HUB_AUTH_KEY "https://index.docker.io/v1/"

/* --- references --- */

/* A reference split for the registry API. */
struct reg_ref {
	char *registry; /* "docker.io", "127.0.0.1:5000" */
	char *repo;	/* "library/busybox" */
	char *tag;	/* "latest", or NULL for a digest reference */
	char *digest;	/* "sha256:<hex>", or NULL */
	char *full;	/* "docker.io/library/busybox:latest" (the store's ref), NULL by digest */
};

void reg_ref_release(struct reg_ref *r);
/* Parse "NAME[:TAG]" or "NAME[:TAG]@sha256:<hex>" (docker's rules via ref_normalize();
 * a tag next to a digest is ignored, as docker does). -EINVAL with docker's wording. */
int reg_ref_parse(const char *s, struct reg_ref *ret, struct berth_error **err);

/* --- credentials (credentials.c) --- */

/* The config.json to use: o->auth_file, else $DOCKER_CONFIG/config.json, else
 * ~/.docker/config.json. */
int cred_config_path(const struct berth_registry_options *o, char **ret);
/* The key docker's config.json uses for registry ("host:port"; the Hub's URL). */
int cred_key(const char *registry, char **ret);
/* Stored (or, o->given_credentials, given) user and password for registry: 0 and both
 * NULL when there are none. */
int cred_lookup(const struct berth_registry_options *o, const char *registry, char **ret_user,
		char **ret_pass, struct berth_error **err);

/* base64 (RFC 4648, padded). decode returns -EINVAL on malformed input; the result is
 * NUL-terminated. */
char *base64_encode(const void *data, size_t n);
int base64_decode(const char *s, char **ret, size_t *ret_n);

/* --- HTTP (registry-http.c) --- */

struct reg_client;

/* A client for repo (NULL for just the registry, as login uses) on registry. user/pass
 * may be NULL (anonymous). push asks tokens for pull and push. */
int reg_client_new(const char *registry, const char *repo, const char *user, const char *pass,
		   bool push, const struct berth_registry_options *o, struct reg_client **ret,
		   struct berth_error **err);
struct reg_client *reg_client_free(struct reg_client *c);

/* GET /v2/ over https, or http where allowed; answer an auth challenge. After this,
 * requests carry the credentials or token. -EACCES for refused credentials. */
int reg_ping(struct reg_client *c, struct berth_error **err);

struct reg_response {
	long status;
	char *body; /* NUL-terminated; the error body when a sink was given */
	size_t len;
	char *content_type;
	char *digest;	/* Docker-Content-Digest */
	char *location; /* Location, made absolute */
	char *next;	/* Link's rel="next" URL (a paginated list's next page), as sent */
};
void reg_response_release(struct reg_response *r);

struct reg_request {
	const char *method; /* "GET", "HEAD", "POST", "PUT"; NULL means GET */
	const char *url;    /* absolute, or a path ("/v2/...") on the registry */
	const char *accept;
	const char *content_type;
	const void *body; /* in memory, body_len bytes */
	size_t body_len;
	int body_fd;	      /* or from a file (from offset 0), body_len bytes; -1 none */
	struct blob_writer *sink; /* a 2xx body goes here instead of into resp->body */
	uint64_t max_size;	  /* bound of the body kept or sunk (0: REG_MAX_MANIFEST) */
};
#define REG_REQUEST_INIT                                                                           \
	{                                                                                          \
		.body_fd = -1                                                                      \
	}

/* Perform req, answering one auth challenge (a 401) by authenticating and retrying.
 * Any HTTP status is success here (the caller checks resp->status); transport errors
 * and refused credentials are not. */
int reg_do(struct reg_client *c, const struct reg_request *req, struct reg_response *resp,
	   struct berth_error **err);

/* An error for an unexpected status: the registry's own {"errors": [{code, message}]}
 * when it sent one ("manifest unknown: manifest unknown"), else the HTTP status. */
int reg_status_error(const struct reg_response *resp, struct berth_error **err);

/* The base URL ("https://host:port"); valid after reg_ping(). */
const char *reg_client_base(const struct reg_client *c);
/* Escape a query value; caller frees with free(). */
char *reg_escape(const char *s);

/* One blob to download: digest and size from its descriptor. */
struct reg_blob_get {
	const char *digest;
	int64_t size;
	struct blob_writer *w; /* begun, empty; finished when done */
};

/* Download the blobs /v2/<repo>/blobs/<digest>, up to REG_MAX_PARALLEL at a time, each
 * into its writer, checking size and digest. progress (may be NULL) is called with the
 * index of a blob and its bytes so far as they arrive (done false), and once with done
 * true when it is complete and checked. On failure the writers hold partial data: abort
 * them. */
int reg_get_blobs(struct reg_client *c, struct reg_blob_get *blobs, size_t n,
		  void (*progress)(size_t i, uint64_t bytes, bool done, void *data), void *data,
		  struct berth_error **err);

/* --- unpacking as layers arrive (registry-unpack.c) --- */

struct reg_unpacker;

enum reg_unpack_state {
	REG_UNPACK_EXTRACTING, /* its unpack started */
	REG_UNPACK_DONE,       /* unpacked, and its diff id is the config's */
	_REG_UNPACK_STATE_MAX,
};

/* Start the threads that check and unpack up to n_layers layers (indexes 0..n-1).
 * state (may be NULL) is called from those threads, never two at once for one layer. */
int reg_unpacker_new(struct berth_store *s, size_t n_layers, const volatile sig_atomic_t *cancel,
		     void (*state)(size_t i, enum reg_unpack_state st, void *data), void *data,
		     struct reg_unpacker **ret, struct berth_error **err);
/* Queue layer i: w is a finished blob (store_blob_finish(), digest checked) that stays
 * open and unchanged until the unpacker is freed; rec names the layer (chain id, diff id
 * from the config, parent, blob digest, media type, blob size; copied). Its diff id is
 * checked and it is unpacked into a temp layer dir (store_layer_prepare()). */
int reg_unpacker_add(struct reg_unpacker *u, size_t i, struct blob_writer *w,
		     const struct layer_record *rec, const char *name, struct berth_error **err);
/* Wait for every queued layer. On success ret_tmps[i] (n_layers entries) is the
 * prepared dir of each queued layer (NULL for the others), now the caller's (see
 * struct commit_layer); on failure the first error, bottom layer first, and the dirs
 * stay the unpacker's, which discards them when freed. */
int reg_unpacker_finish(struct reg_unpacker *u, char **ret_tmps, struct berth_error **err);
/* Stop (queued tasks are skipped once one failed), wait, discard what was not taken. */
struct reg_unpacker *reg_unpacker_free(struct reg_unpacker *u);

/* --- where blobs came from (registry-sources.c) --- */

/* The repositories on registry (names, without the registry) that blob digest was
 * pulled from or pushed to, most recent first, except except_repo (may be NULL): a
 * NULL-terminated strv, maybe empty. -ENOMEM only; a missing or unreadable record is
 * an empty one. */
int reg_sources_lookup(struct berth_store *s, const char *digest, const char *registry,
		       const char *except_repo, char ***ret);
/* Record that the n blobs digests are in registry/repo, under the exclusive store lock
 * (taken here). */
int reg_sources_add(struct berth_store *s, const char *registry, const char *repo,
		    char *const *digests, size_t n, struct berth_error **err);

/* --- manifests (registry-manifest.c) --- */

struct reg_descriptor {
	char *media_type;
	char *digest;
	int64_t size;
};

struct reg_manifest {
	char *media_type; /* MT_OCI_MANIFEST or MT_DOCKER_MANIFEST */
	struct reg_descriptor config;
	struct reg_descriptor *layers;
	size_t n_layers;
};

void reg_manifest_release(struct reg_manifest *m);

/* What a manifest response is: 1 an index (or docker manifest list), 0 an image
 * manifest; -EINVAL for anything else (schema 1 is refused with a clear message). The
 * Content-Type wins over the body's mediaType when they disagree about the kind. */
int reg_manifest_kind(const char *data, size_t n, const char *content_type,
		      struct berth_error **err);
/* From an index: the digest of the linux/<host arch> manifest. -ENOENT if none. */
int reg_index_pick(const char *data, size_t n, char **ret_digest, struct berth_error **err);
/* Parse and validate an image manifest. */
int reg_manifest_parse(const char *data, size_t n, const char *content_type,
		       struct reg_manifest *ret, struct berth_error **err);
/* Build the manifest of an image: docker schema2 when every layer has a docker media
 * type, OCI otherwise (docker layer types are then given their OCI names). */
int reg_manifest_format(const struct reg_descriptor *config, const struct reg_descriptor *layers,
			size_t n_layers, char **ret_json, size_t *ret_len,
			const char **ret_media_type);
/* Whether a layer media type is one berth can unpack. */
bool reg_layer_media_type_ok(const char *mt);
