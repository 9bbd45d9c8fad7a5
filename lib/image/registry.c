/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * `berth pull` and `berth push`: images between the store and a registry (OCI
 * distribution spec).
 *
 * Pull: GET the manifest (from an index, the linux/<host arch> one), its config, and
 * the layer blobs whose chain id is not in the store yet, in parallel, each streamed
 * into a temp blob and checked against its descriptor's digest and size. As soon as one
 * is, threads check its uncompressed digest against the config's diff id and unpack it
 * into a temp layer dir (registry-unpack.c) while the other downloads go on. Only when
 * every layer passed does the store change, through the same commit as `berth load`
 * (commit.c), which then has only renames left. Until then everything is a temp file or
 * dir named by our pid: removed on failure, and swept by the next writer if we were
 * killed.
 *
 * Push: every layer's original blob (the store keeps it, with its media type) unless
 * the registry has it (HEAD), then the config, then a manifest built from the layer
 * records. A blob the registry lacks in this repository is first mounted from another
 * of its repositories the store knows has it (registry-sources.c: POST ?mount=&from=);
 * else uploaded monolithically: POST /v2/<repo>/blobs/uploads/, PUT <location>
 * ?digest=<digest>.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "berth/image.h"
#include "berth/cleanup.h"
#include "commit.h"
#include "config.h"
#include "layer.h"
#include "reference.h"
#include "registry.h"
#include "sha256.h"
#include "store.h"
#include "berth/util.h"

#define ACCEPT_MANIFESTS                                                                           \
	MT_OCI_MANIFEST ", " MT_OCI_INDEX ", " MT_DOCKER_MANIFEST ", " MT_DOCKER_LIST

DEFINE_FREEP(struct image_config, image_config_free)
DEFINE_FREEP(struct layer_record, layer_record_free)
DEFINE_FREEP(struct reg_client, reg_client_free)
DEFINE_FREEP(struct berth_image, berth_image_free)

static void reg_response_releasep(struct reg_response *r)
{
	reg_response_release(r);
}

static void reg_ref_releasep(struct reg_ref *r)
{
	reg_ref_release(r);
}

static void reg_manifest_releasep(struct reg_manifest *m)
{
	reg_manifest_release(m);
}

static void progress(const struct berth_registry_options *o, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* The unpack threads report too: one report at a time. */
static pthread_mutex_t progress_mu = PTHREAD_MUTEX_INITIALIZER;

static void progress(const struct berth_registry_options *o, const char *fmt, ...)
{
	_cleanup_free_ char *line = NULL;
	va_list ap;

	if (!o || !o->progress)
		return;
	va_start(ap, fmt);
	if (vasprintf(&line, fmt, ap) < 0)
		line = NULL;
	va_end(ap);
	if (!line)
		return;
	pthread_mutex_lock(&progress_mu);
	o->progress(line, o->progress_data);
	pthread_mutex_unlock(&progress_mu);
}

static void layer_status(const struct berth_registry_options *o, const char *digest,
			 const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* The status of one layer, for a display updated in place (o->layer_status). */
static void layer_status(const struct berth_registry_options *o, const char *digest,
			 const char *fmt, ...)
{
	_cleanup_free_ char *line = NULL;
	char id[sizeof("sha256:") + 8];
	va_list ap;

	if (!o || !o->layer_status)
		return;
	snprintf(id, sizeof(id), "%s", digest);
	va_start(ap, fmt);
	if (vasprintf(&line, fmt, ap) < 0)
		line = NULL;
	va_end(ap);
	if (!line)
		return;
	pthread_mutex_lock(&progress_mu);
	o->layer_status(id, line, o->progress_data);
	pthread_mutex_unlock(&progress_mu);
}

/* Bytes as docker shows them: "987B", "12.3kB", "45.6MB", "1.2GB". */
static void human_size(uint64_t n, char buf[16])
{
	static const char *const units[] = {"kB", "MB", "GB", "TB"};
	double v = (double)n;
	size_t u = 0;

	if (n < 1000) {
		snprintf(buf, 16, "%lluB", (unsigned long long)n);
		return;
	}
	for (v /= 1000; v >= 1000 && u + 1 < ELEMENTSOF(units); u++)
		v /= 1000;
	snprintf(buf, 16, "%.1f%s", v, units[u]);
}

/* --- references --- */

void reg_ref_release(struct reg_ref *r)
{
	free(r->registry);
	free(r->repo);
	free(r->tag);
	free(r->digest);
	free(r->full);
	*r = (struct reg_ref){0};
}

int reg_ref_parse(const char *s, struct reg_ref *ret, struct berth_error **err)
{
	_cleanup_(reg_ref_releasep) struct reg_ref ref = {0};
	_cleanup_free_ char *name = NULL, *full = NULL, *repo = NULL, *tag = NULL;
	const char *at = s ? strchr(s, '@') : NULL, *slash;
	int r;

	if (at) {
		if (!digest_hex(at + 1))
			return berth_error_new(err, EINVAL,
					       "invalid reference format: unsupported digest in '%s'",
					       s);
		ref.digest = strdup(at + 1);
		name = strndup(s, (size_t)(at - s));
	} else {
		name = s ? strdup(s) : NULL;
	}
	if ((at && !ref.digest) || (s && !name))
		return berth_error_set(err, ENOMEM, "reference");
	r = ref_normalize(name, &full, err);
	if (r < 0)
		return r;
	if (ref_split(full, &repo, &tag) < 0)
		return berth_error_set(err, ENOMEM, "reference");
	slash = strchr(repo, '/');
	ref.registry = strndup(repo, (size_t)(slash - repo));
	ref.repo = strdup(slash + 1);
	if (!ref.registry || !ref.repo)
		return berth_error_set(err, ENOMEM, "reference");
	if (!ref.digest) {
		ref.tag = TAKE_PTR(tag);
		ref.full = TAKE_PTR(full);
	}
	*ret = ref;
	ref = (struct reg_ref){0};
	return 0;
}

/* "127.0.0.1:5000/x:tag" or "127.0.0.1:5000/x@sha256:..." for messages. */
static char *ref_display(const struct reg_ref *ref)
{
	return ref->digest ? xasprintf("%s/%s@%s", ref->registry, ref->repo, ref->digest)
			   : xasprintf("%s/%s:%s", ref->registry, ref->repo, ref->tag);
}

static int client_for(const struct reg_ref *ref, bool push, const struct berth_registry_options *o,
		      struct reg_client **ret, struct berth_error **err)
{
	_cleanup_free_ char *user = NULL, *pass = NULL;
	int r;

	r = cred_lookup(o, ref->registry, &user, &pass, err);
	if (r < 0)
		return r;
	r = reg_client_new(ref->registry, ref->repo, user, pass, push, o, ret, err);
	if (pass)
		explicit_bzero(pass, strlen(pass));
	if (r < 0)
		return r;
	r = reg_ping(*ret, err);
	if (r < 0)
		*ret = reg_client_free(*ret);
	return r;
}

/* --- pull --- */

/* GET a manifest by tag or digest. A manifest got by digest must hash to it; one got by
 * tag to the Docker-Content-Digest the registry sent, if any. *ret_digest is its
 * digest. */
static int get_manifest(struct reg_client *c, const char *repo, const char *ref,
			struct reg_response *resp, char **ret_digest, struct berth_error **err)
{
	_cleanup_free_ char *path = xasprintf("/v2/%s/manifests/%s", repo, ref);
	struct reg_request req = REG_REQUEST_INIT;
	char hex[SHA256_HEX_SIZE];
	const char *want;
	int r;

	if (!path)
		return berth_error_set(err, ENOMEM, "manifest");
	req.url = path;
	req.accept = ACCEPT_MANIFESTS;
	req.max_size = REG_MAX_MANIFEST;
	r = reg_do(c, &req, resp, err);
	if (r < 0)
		return berth_error_wrap(err, "manifest '%s'", ref);
	if (resp->status != 200) {
		reg_status_error(resp, err);
		return berth_error_wrap(err, "manifest '%s'", ref);
	}
	sha256_hex(resp->body ? resp->body : "", resp->len, hex);
	want = digest_hex(ref) ? ref : resp->digest;
	if (want && digest_hex(want) && !streq(digest_hex(want), hex))
		return berth_error_new(err, EINVAL,
				       "manifest '%s': content hashes to sha256:%s, expected '%s'",
				       ref, hex, want);
	*ret_digest = xasprintf("sha256:%s", hex);
	return *ret_digest ? 0 : berth_error_set(err, ENOMEM, "manifest");
}

static int get_config(struct reg_client *c, const struct reg_ref *ref,
		      const struct reg_descriptor *d, char **ret, size_t *ret_len,
		      struct berth_error **err)
{
	_cleanup_free_ char *path = xasprintf("/v2/%s/blobs/%s", ref->repo, d->digest);
	_cleanup_(reg_response_releasep) struct reg_response resp = {0};
	struct reg_request req = REG_REQUEST_INIT;
	char hex[SHA256_HEX_SIZE];
	int r;

	if (!path)
		return berth_error_set(err, ENOMEM, "config");
	req.url = path;
	req.max_size = d->size > 0 ? (uint64_t)d->size : 1;
	r = reg_do(c, &req, &resp, err);
	if (r < 0)
		return berth_error_wrap(err, "config '%s'", d->digest);
	if (resp.status != 200) {
		reg_status_error(&resp, err);
		return berth_error_wrap(err, "config '%s'", d->digest);
	}
	sha256_hex(resp.body ? resp.body : "", resp.len, hex);
	if (!streq(hex, digest_hex(d->digest)) || resp.len != (size_t)d->size)
		return berth_error_new(err, EINVAL, "config '%s': content hashes to sha256:%s",
				       d->digest, hex);
	*ret = TAKE_PTR(resp.body);
	*ret_len = resp.len;
	return 0;
}

struct pull_state {
	const struct berth_registry_options *o;
	struct reg_blob_get *gets;
	size_t *layer_of; /* gets index -> layer index */
	struct reg_unpacker *u;
	const struct reg_manifest *m;
	char *const *diff_ids;
	char **chains;
	int add_r; /* the first failure to queue a layer */
	struct berth_error *add_err;
	uint64_t *shown_ms; /* gets index -> when its bytes were last shown */
};

/* From the unpack threads: layer l is being unpacked, or is ready. */
static void unpack_state(size_t l, enum reg_unpack_state st, void *data)
{
	struct pull_state *p = data;

	layer_status(p->o, p->m->layers[l].digest, "%s",
		     st == REG_UNPACK_EXTRACTING ? "Extracting" : "Pull complete");
}

/* Bytes of a blob arrived; or it is downloaded and its digest checked: then unpack it
 * while the others download. */
static void blob_progress(size_t i, uint64_t bytes, bool done, void *data)
{
	struct pull_state *p = data;
	size_t l = p->layer_of[i];
	struct layer_record rec = {
	    .chain_id = p->chains[l],
	    .diff_id = p->diff_ids[l],
	    .parent = l ? p->chains[l - 1] : NULL,
	    .blob = p->m->layers[l].digest,
	    .media_type = p->m->layers[l].media_type,
	    .blob_size = (int64_t)p->gets[i].w->size,
	};
	int r;

	if (!done) {
		char now[16], total[16];
		uint64_t ms = now_ms();

		/* Ten updates a second are plenty for a terminal. */
		if (!p->o || !p->o->layer_status || (p->shown_ms[i] && ms - p->shown_ms[i] < 100))
			return;
		p->shown_ms[i] = ms;
		human_size(bytes, now);
		human_size(p->gets[i].size > 0 ? (uint64_t)p->gets[i].size : 0, total);
		layer_status(p->o, p->gets[i].digest, "Downloading  %s/%s", now, total);
		return;
	}
	if (p->o && p->o->layer_status)
		layer_status(p->o, p->gets[i].digest, "Download complete");
	else
		progress(p->o, "Copying blob %s done", p->gets[i].digest);
	if (p->add_r < 0)
		return;
	r = reg_unpacker_add(p->u, l, p->gets[i].w, &rec, p->m->layers[l].digest, &p->add_err);
	if (r < 0)
		p->add_r = r;
}

DEFINE_FREEP(struct reg_unpacker, reg_unpacker_free)

int berth_image_pull(struct berth_store *s, const char *ref_s,
		     const struct berth_registry_options *o, char **ret_id,
		     struct berth_error **err)
{
	_cleanup_(reg_ref_releasep) struct reg_ref ref = {0};
	_cleanup_(reg_client_freep) struct reg_client *c = NULL;
	_cleanup_(reg_response_releasep) struct reg_response resp = {0};
	_cleanup_(reg_manifest_releasep) struct reg_manifest m = {0};
	_cleanup_(image_config_freep) struct image_config *cfg = NULL;
	_cleanup_(reg_unpacker_freep) struct reg_unpacker *u = NULL;
	_cleanup_free_ char *display = NULL, *digest = NULL, *config = NULL, *id = NULL;
	_cleanup_free_ char *repo_digest = NULL;
	_cleanup_free_ struct blob_writer *writers = NULL;
	_cleanup_free_ struct reg_blob_get *gets = NULL;
	_cleanup_free_ struct commit_layer *layers = NULL;
	_cleanup_free_ size_t *layer_of = NULL;
	_cleanup_free_ uint64_t *shown_ms = NULL;
	_cleanup_free_ char **prepared = NULL, **layer_digests = NULL;
	_cleanup_strv_free_ char **chains = NULL;
	char *refs[2] = {NULL, NULL};
	struct pull_state ps = {.o = o};
	size_t config_len = 0, n_gets = 0;
	int r;

	r = reg_ref_parse(ref_s, &ref, err);
	if (r < 0)
		return r;
	display = ref_display(&ref);
	if (!display)
		return berth_error_set(err, ENOMEM, "pull");
	progress(o, "Trying to pull %s...", display);
	r = client_for(&ref, false, o, &c, err);
	if (r < 0)
		return r;

	/* The manifest, through an index if it is one. */
	r = get_manifest(c, ref.repo, ref.digest ? ref.digest : ref.tag, &resp, &digest, err);
	if (r < 0)
		return r;
	/* docker's repo digest: what the ref resolved to (an index's, not its pick's) */
	repo_digest = xasprintf("%s/%s@%s", ref.registry, ref.repo, digest);
	if (!repo_digest)
		return berth_error_set(err, ENOMEM, "pull");
	r = reg_manifest_kind(resp.body, resp.len, resp.content_type, err);
	if (r < 0)
		return r;
	if (r == 1) {
		_cleanup_free_ char *picked = NULL;

		r = reg_index_pick(resp.body, resp.len, &picked, err);
		if (r < 0)
			return r;
		free(digest);
		digest = NULL;
		r = get_manifest(c, ref.repo, picked, &resp, &digest, err);
		if (r < 0)
			return r;
		r = reg_manifest_kind(resp.body, resp.len, resp.content_type, err);
		if (r < 0)
			return r;
		if (r == 1)
			return berth_error_new(err, EINVAL, "an index inside an index");
	}
	r = reg_manifest_parse(resp.body, resp.len, resp.content_type, &m, err);
	if (r < 0)
		return r;

	/* The config: what the layers must unpack to. */
	r = get_config(c, &ref, &m.config, &config, &config_len, err);
	if (r < 0)
		return r;
	r = image_config_parse(config, config_len, &cfg, err);
	if (r < 0)
		return berth_error_wrap(err, "image config");
	if (strv_length(cfg->diff_ids) != m.n_layers)
		return berth_error_new(err, EINVAL,
				       "the manifest lists %zu layers, the config %zu diff ids",
				       m.n_layers, strv_length(cfg->diff_ids));
	progress(o, "Copying config %s done", m.config.digest);

	/* The layers we lack, by chain id. */
	chains = calloc(m.n_layers + 1, sizeof(char *));
	writers = calloc(m.n_layers, sizeof(*writers));
	gets = calloc(m.n_layers, sizeof(*gets));
	layers = calloc(m.n_layers, sizeof(*layers));
	layer_of = calloc(m.n_layers, sizeof(*layer_of));
	prepared = calloc(m.n_layers + 1, sizeof(char *));
	shown_ms = calloc(m.n_layers + 1, sizeof(*shown_ms));
	layer_digests = calloc(m.n_layers + 1, sizeof(char *));
	if (!chains || !writers || !gets || !layers || !layer_of || !prepared || !shown_ms ||
	    !layer_digests)
		return berth_error_set(err, ENOMEM, "pull");
	for (size_t i = 0; i < m.n_layers; i++)
		writers[i] = (struct blob_writer)BLOB_WRITER_INIT;
	for (size_t i = 0; i < m.n_layers; i++) {
		if (layer_chain_id(i ? chains[i - 1] : NULL, cfg->diff_ids[i], &chains[i]) < 0) {
			r = berth_error_set(err, ENOMEM, "pull");
			goto out;
		}
		layers[i] = (struct commit_layer){
		    .media_type = m.layers[i].media_type,
		    .name = m.layers[i].digest,
		};
		if (store_layer_exists(s, chains[i])) {
			if (o && o->layer_status)
				layer_status(o, m.layers[i].digest, "Already exists");
			else
				progress(o, "Copying blob %s skipped: already exists",
					 m.layers[i].digest);
			continue;
		}
		layer_status(o, m.layers[i].digest, "Waiting");
		r = store_blob_begin(s, &writers[i], err);
		if (r < 0)
			goto out;
		layers[i].w = &writers[i];
		layer_of[n_gets] = i;
		gets[n_gets++] = (struct reg_blob_get){
		    .digest = m.layers[i].digest,
		    .size = m.layers[i].size,
		    .w = &writers[i],
		};
	}

	/* Download; each layer is checked against its diff id and unpacked into a temp
	 * dir as soon as its blob is complete. The store does not change before all are. */
	ps = (struct pull_state){
	    .o = o,
	    .gets = gets,
	    .layer_of = layer_of,
	    .m = &m,
	    .diff_ids = cfg->diff_ids,
	    .chains = chains,
	    .shown_ms = shown_ms,
	};
	if (n_gets > 0) {
		r = reg_unpacker_new(s, m.n_layers, o ? o->cancel : NULL, unpack_state, &ps, &u,
				     err);
		if (r < 0)
			goto out;
		ps.u = u;
	}
	r = reg_get_blobs(c, gets, n_gets, blob_progress, &ps, err);
	if (r >= 0 && ps.add_r < 0) {
		if (err) {
			berth_error_free(*err);
			*err = TAKE_PTR(ps.add_err);
		}
		r = ps.add_r;
	}
	if (r < 0)
		goto out;
	if (u) {
		r = reg_unpacker_finish(u, prepared, err);
		if (r < 0)
			goto out;
	}

	/* From here on an interrupt is noticed only after the commit, which is atomic: the
	 * image appears whole or not at all. */
	if (o && o->cancel && *o->cancel) {
		r = berth_error_new(err, EINTR, "interrupted");
		goto out;
	}
	for (size_t i = 0; i < m.n_layers; i++)
		layers[i].prepared = TAKE_PTR(prepared[i]);
	refs[0] = ref.full;
	r = image_commit(s, config, config_len, cfg->diff_ids, layers, m.n_layers,
			 ref.full ? refs : NULL, &id, err);
	if (r < 0)
		goto out;
	/* Where the layer blobs came from, for cross-repository mounts on push. A hint:
	 * a failure is no error. */
	for (size_t i = 0; i < m.n_layers; i++)
		layer_digests[i] = m.layers[i].digest;
	reg_sources_add(s, ref.registry, ref.repo, layer_digests, m.n_layers, NULL);
	(void)store_repo_digest_add(s, id, repo_digest, NULL);
	progress(o, "Digest: %s", digest);
	{
		_cleanup_free_ char *familiar = NULL;

		(void)ref_familiar(display, &familiar);
		store_event(s, "pull", familiar ?: display, familiar ?: display);
	}
	*ret_id = TAKE_PTR(id);
	r = 0;
out:
	berth_error_free(ps.add_err);
	for (size_t i = 0; prepared && i < m.n_layers; i++) {
		if (prepared[i])
			store_layer_discard(s, prepared[i]);
		free(prepared[i]);
	}
	/* The unpacker first: its threads read the temp blobs. */
	u = reg_unpacker_free(u);
	for (size_t i = 0; writers && i < m.n_layers; i++)
		store_blob_abort(s, &writers[i]);
	return r;
}

/* --- tags --- */

/* A page of GET /v2/<name>/tags/list: {"name": "...", "tags": ["1", "latest"]} ("tags"
 * may be null for a repository without any), appended to *tags. */
static int tags_page(const struct reg_response *resp, char ***tags, struct berth_error **err)
{
	_cleanup_(json_decrefp) json_t *j = json_loadb(resp->body ? resp->body : "", resp->len, 0,
						       NULL);
	json_t *a = json_object_get(j, "tags"), *v;
	size_t i;

	if (!json_is_object(j) || (!json_is_array(a) && !json_is_null(a) && a))
		return berth_error_new(err, EINVAL, "tags list: not the registry's JSON");
	json_array_foreach(a, i, v) {
		const char *t = json_string_value(v);

		if (!t || !*t || strchr(t, '/') || strchr(t, ':'))
			return berth_error_new(err, EINVAL, "tags list: a bad tag");
		if (!strv_contains(*tags, t) && strv_extend(tags, t) < 0)
			return berth_error_set(err, ENOMEM, "tags list");
	}
	return 0;
}

int berth_registry_tags(const char *repository, const struct berth_registry_options *o,
			char ***ret_tags, struct berth_error **err)
{
	_cleanup_(reg_ref_releasep) struct reg_ref ref = {0};
	_cleanup_(reg_client_freep) struct reg_client *c = NULL;
	_cleanup_(reg_response_releasep) struct reg_response resp = {0};
	_cleanup_strv_free_ char **tags = calloc(1, sizeof(char *));
	_cleanup_free_ char *url = NULL;
	const char *slash = strrchr(repository, '/');
	int r;

	if (!tags)
		return berth_error_set(err, ENOMEM, "tags of '%s'", repository);
	/* docker's refusal: a repository's name, no tag nor digest */
	if (strchr(repository, '@') || strchr(slash ? slash : repository, ':'))
		return berth_error_new(err, EINVAL, "tag can't be used with --all-tags/-a");
	r = reg_ref_parse(repository, &ref, err);
	if (r < 0)
		return r;
	r = client_for(&ref, false, o, &c, err);
	if (r < 0)
		return r;
	url = xasprintf("/v2/%s/tags/list", ref.repo);
	/* the pages the registry links, at most 1000 of them */
	for (int page = 0; url && page < 1000; page++) {
		struct reg_request req = REG_REQUEST_INIT;

		req.url = url;
		req.accept = "application/json";
		req.max_size = REG_MAX_MANIFEST;
		r = reg_do(c, &req, &resp, err);
		if (r < 0)
			return berth_error_wrap(err, "tags of '%s'", repository);
		if (resp.status != 200) {
			reg_status_error(&resp, err);
			return berth_error_wrap(err, "tags of '%s'", repository);
		}
		r = tags_page(&resp, &tags, err);
		if (r < 0)
			return berth_error_wrap(err, "tags of '%s'", repository);
		free(url);
		url = TAKE_PTR(resp.next);
		if (o && o->cancel && *o->cancel)
			return berth_error_new(err, EINTR, "interrupted");
	}
	if (!tags[0])
		return berth_error_new(err, ENOENT, "tags of '%s': the repository has none",
				       repository);
	*ret_tags = TAKE_PTR(tags);
	return 0;
}

/* --- push --- */

struct push_blob {
	struct reg_descriptor d;
	int fd;
};

static int blob_exists(struct reg_client *c, const char *repo, const char *digest, bool *ret,
		       struct berth_error **err)
{
	_cleanup_free_ char *path = xasprintf("/v2/%s/blobs/%s", repo, digest);
	_cleanup_(reg_response_releasep) struct reg_response resp = {0};
	struct reg_request req = REG_REQUEST_INIT;
	int r;

	if (!path)
		return berth_error_set(err, ENOMEM, "blob");
	req.method = "HEAD";
	req.url = path;
	r = reg_do(c, &req, &resp, err);
	if (r < 0)
		return r;
	if (resp.status == 200) {
		*ret = true;
		return 0;
	}
	if (resp.status == 404) {
		*ret = false;
		return 0;
	}
	return reg_status_error(&resp, err);
}

/* POST /v2/<repo>/blobs/uploads/: *ret_location is the upload's. With from, ask the
 * registry to mount the blob from that repository of its instead: *ret_mounted when it
 * did (201); otherwise (202) it started an ordinary upload. */
static int start_upload(struct reg_client *c, const char *repo, const char *digest,
			const char *from, bool *ret_mounted, char **ret_location,
			struct berth_error **err)
{
	_cleanup_free_ char *path = NULL, *qd = NULL, *qf = NULL;
	_cleanup_(reg_response_releasep) struct reg_response resp = {0};
	struct reg_request req = REG_REQUEST_INIT;
	int r;

	if (from) {
		qd = reg_escape(digest);
		qf = reg_escape(from);
		path = qd && qf ? xasprintf("/v2/%s/blobs/uploads/?mount=%s&from=%s", repo, qd, qf)
				: NULL;
	} else {
		path = xasprintf("/v2/%s/blobs/uploads/", repo);
	}
	if (!path)
		return berth_error_set(err, ENOMEM, "upload");
	req.method = "POST";
	req.url = path;
	req.body = "";
	r = reg_do(c, &req, &resp, err);
	if (r < 0)
		return r;
	if (from && resp.status == 201) {
		*ret_mounted = true;
		return 0;
	}
	if (resp.status != 202 || !resp.location) {
		reg_status_error(&resp, err);
		return berth_error_wrap(err, "start upload");
	}
	*ret_location = TAKE_PTR(resp.location);
	return 0;
}

/* PUT the whole blob (from fd, or data when fd < 0) to an upload's location. */
static int upload_blob(struct reg_client *c, const char *location, const struct reg_descriptor *d,
		       int fd, const void *data, struct berth_error **err)
{
	_cleanup_free_ char *url = NULL, *q = NULL;
	_cleanup_(reg_response_releasep) struct reg_response resp = {0};
	struct reg_request req = REG_REQUEST_INIT;
	int r;

	q = reg_escape(d->digest);
	url = q ? xasprintf("%s%sdigest=%s", location, strchr(location, '?') ? "&" : "?", q) : NULL;
	if (!url)
		return berth_error_set(err, ENOMEM, "upload");
	req.method = "PUT";
	req.url = url;
	req.content_type = "application/octet-stream";
	req.body = fd < 0 ? data : NULL;
	req.body_fd = fd;
	req.body_len = (size_t)d->size;
	r = reg_do(c, &req, &resp, err);
	if (r < 0)
		return r;
	if (resp.status != 201) {
		reg_status_error(&resp, err);
		return berth_error_wrap(err, "upload");
	}
	return 0;
}

#define PUSH_MAX_MOUNT_TRIES 3

/* One blob, unless the registry has it: mounted from another repository of the same
 * registry the store knows has it (s non-NULL), else uploaded. */
static int push_one(struct berth_store *s, struct reg_client *c, const struct reg_ref *ref,
		    const char *what, const struct reg_descriptor *d, int fd, const void *data,
		    const struct berth_registry_options *o, struct berth_error **err)
{
	_cleanup_strv_free_ char **from = NULL;
	_cleanup_free_ char *location = NULL;
	const char *mounted_from = NULL;
	bool exists = false, mounted = false;
	int r;

	r = blob_exists(c, ref->repo, d->digest, &exists, err);
	if (r >= 0 && !exists && s &&
	    reg_sources_lookup(s, d->digest, ref->registry, ref->repo, &from) < 0)
		from = NULL;
	/* A mount the registry refuses outright (a token without pull on the other
	 * repository, say) only costs the attempt: the upload follows. */
	for (size_t k = 0; r >= 0 && !exists && from && from[k] && k < PUSH_MAX_MOUNT_TRIES &&
			   !mounted && !location;
	     k++) {
		struct berth_error *e = NULL;

		if (start_upload(c, ref->repo, d->digest, from[k], &mounted, &location, &e) < 0)
			berth_error_free(e);
		else if (mounted)
			mounted_from = from[k];
	}
	if (r >= 0 && !exists && !mounted) {
		if (!location)
			r = start_upload(c, ref->repo, d->digest, NULL, NULL, &location, err);
		if (r >= 0)
			r = upload_blob(c, location, d, fd, data, err);
	}
	if (r < 0)
		return berth_error_wrap(err, "%s '%s'", what, d->digest);
	if (exists)
		progress(o, "Copying %s %s skipped: already exists", what, d->digest);
	else if (mounted)
		progress(o, "Copying %s %s mounted from %s", what, d->digest, mounted_from);
	else
		progress(o, "Copying %s %s done", what, d->digest);
	return 0;
}

/* The blobs of the image's layers, opened under the shared lock so a concurrent rmi
 * cannot take them away mid-push. */
static int open_layers(struct berth_store *s, char *const *diff_ids, struct push_blob *ret,
		       size_t n, struct berth_error **err)
{
	_cleanup_close_ int lock = -EBADF;
	_cleanup_free_ char *parent = NULL;
	int r;

	r = store_lock(s, false, &lock, err);
	if (r < 0)
		return r;
	for (size_t i = 0; i < n; i++) {
		_cleanup_(layer_record_freep) struct layer_record *rec = NULL;
		_cleanup_free_ char *chain = NULL;
		struct push_blob *b = &ret[i];
		const char *hex;
		struct stat st;

		if (layer_chain_id(parent, diff_ids[i], &chain) < 0)
			return berth_error_set(err, ENOMEM, "push");
		r = store_layer_load(s, chain, &rec, err);
		if (r < 0)
			return berth_error_wrap(err, "layer %zu", i);
		hex = rec->blob ? digest_hex(rec->blob) : NULL;
		if (hex)
			b->fd = openat(s->blobs_fd, hex, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
		if (!hex || b->fd < 0)
			return berth_error_new(err, ENOENT,
					       "layer '%s': its blob is not in the store (pushing a "
					       "layer rebuilt from its directory is not supported)",
					       chain);
		if (fstat(b->fd, &st) < 0)
			return berth_error_set(err, errno, "layer '%s'", chain);
		b->d.digest = strdup(rec->blob);
		b->d.size = st.st_size;
		if (rec->media_type) {
			b->d.media_type = strdup(rec->media_type);
		} else {
			/* An old record: name the type after the blob's compression. */
			enum layer_compression comp;
			char ignored[SHA256_HEX_SIZE];

			r = layer_diff_id(b->fd, NULL, ignored, &comp, err);
			if (r < 0)
				return berth_error_wrap(err, "layer '%s'", chain);
			b->d.media_type = strdup(layer_media_type(comp));
		}
		if (!b->d.digest || !b->d.media_type)
			return berth_error_set(err, ENOMEM, "push");
		free(parent);
		parent = TAKE_PTR(chain);
	}
	return 0;
}

int berth_image_push(struct berth_store *s, const char *ref_or_id, const char *dest,
		     const struct berth_registry_options *o, char **ret_digest,
		     struct berth_error **err)
{
	_cleanup_(reg_ref_releasep) struct reg_ref ref = {0};
	_cleanup_(reg_client_freep) struct reg_client *c = NULL;
	_cleanup_(berth_image_freep) struct berth_image *img = NULL;
	_cleanup_(image_config_freep) struct image_config *cfg = NULL;
	_cleanup_(reg_response_releasep) struct reg_response resp = {0};
	_cleanup_free_ char *display = NULL, *config = NULL, *manifest = NULL, *path = NULL,
			    *digest = NULL;
	_cleanup_free_ struct push_blob *blobs = NULL;
	struct reg_request req = REG_REQUEST_INIT;
	struct reg_descriptor cd = {0};
	_cleanup_free_ struct reg_descriptor *ds = NULL;
	_cleanup_free_ char **layer_digests = NULL;
	size_t config_len, manifest_len, n = 0;
	char hex[SHA256_HEX_SIZE];
	const char *mt;
	int r;

	r = reg_ref_parse(dest ? dest : ref_or_id, &ref, err);
	if (r < 0)
		return r;
	if (ref.digest)
		return berth_error_new(err, EINVAL, "push: cannot push to a digest reference");
	display = ref_display(&ref);
	if (!display)
		return berth_error_set(err, ENOMEM, "push");
	r = berth_image_lookup(s, ref_or_id, &img, err);
	if (r < 0)
		return r;
	r = store_blob_read(s, img->id, &config, &config_len, err);
	if (r < 0)
		return r;
	r = image_config_parse(config, config_len, &cfg, err);
	if (r < 0)
		return berth_error_wrap(err, "image '%s'", img->id);
	n = strv_length(cfg->diff_ids);
	blobs = calloc(n, sizeof(*blobs));
	ds = calloc(n, sizeof(*ds));
	layer_digests = calloc(n + 1, sizeof(char *));
	if (!blobs || !ds || !layer_digests)
		return berth_error_set(err, ENOMEM, "push");
	for (size_t i = 0; i < n; i++)
		blobs[i].fd = -EBADF;
	r = open_layers(s, cfg->diff_ids, blobs, n, err);
	if (r < 0) {
		berth_error_wrap(err, "image '%s'", img->id);
		goto out;
	}

	progress(o, "Pushing %s...", display);
	r = client_for(&ref, true, o, &c, err);
	if (r < 0)
		goto out;
	for (size_t i = 0; i < n; i++) {
		r = push_one(s, c, &ref, "blob", &blobs[i].d, blobs[i].fd, NULL, o, err);
		if (r < 0)
			goto out;
		ds[i] = blobs[i].d;
	}
	cd = (struct reg_descriptor){.digest = img->id, .size = (int64_t)config_len};
	r = push_one(NULL, c, &ref, "config", &cd, -1, config, o, err);
	if (r < 0)
		goto out;

	r = reg_manifest_format(&cd, ds, n, &manifest, &manifest_len, &mt);
	if (r < 0) {
		r = berth_error_set(err, -r, "manifest");
		goto out;
	}
	sha256_hex(manifest, manifest_len, hex);
	path = xasprintf("/v2/%s/manifests/%s", ref.repo, ref.tag);
	digest = xasprintf("sha256:%s", hex);
	if (!path || !digest) {
		r = berth_error_set(err, ENOMEM, "push");
		goto out;
	}
	progress(o, "Writing manifest to image destination");
	req.method = "PUT";
	req.url = path;
	req.content_type = mt;
	req.body = manifest;
	req.body_len = manifest_len;
	r = reg_do(c, &req, &resp, err);
	if (r >= 0 && resp.status != 201) {
		reg_status_error(&resp, err);
		r = -1;
	}
	if (r < 0) {
		berth_error_wrap(err, "manifest");
		goto out;
	}
	if (resp.digest && !streq(resp.digest, digest)) {
		r = berth_error_new(err, EIO, "the registry stored the manifest as '%s', not '%s'",
				    resp.digest, digest);
		goto out;
	}
	/* The registry has the layers in this repository now: a later push of them to
	 * another one can mount them from here. Only a hint: a failure is no error. */
	for (size_t i = 0; i < n; i++)
		layer_digests[i] = ds[i].digest;
	reg_sources_add(s, ref.registry, ref.repo, layer_digests, n, NULL);
	{
		_cleanup_free_ char *familiar = NULL,
				    *rd = xasprintf("%s/%s@%s", ref.registry, ref.repo, digest);

		/* docker's repo digest of a pushed image, as of a pulled one (a hint too) */
		if (rd)
			(void)store_repo_digest_add(s, img->id, rd, NULL);
		(void)ref_familiar(display, &familiar);
		store_event(s, "push", familiar ?: display, familiar ?: display);
	}
	if (ret_digest)
		*ret_digest = TAKE_PTR(digest);
	r = 0;
out:
	for (size_t i = 0; blobs && i < n; i++) {
		closep(&blobs[i].fd);
		free(blobs[i].d.digest);
		free(blobs[i].d.media_type);
	}
	return r;
}
