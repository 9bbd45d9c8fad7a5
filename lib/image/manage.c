/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What `berth image inspect` and `berth history` show: views of an image's config blob
 * and its layer records. Nothing here changes the store.
 */
#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "berth/image.h"
#include "berth/cleanup.h"
#include "config.h"
#include "berth/util.h"

#define _cleanup_json_ _cleanup_(json_decrefp)

struct layers {
	struct berth_layer_info *l;
	size_t n;
};

static void layers_release(struct layers *x)
{
	berth_layer_info_free(x->l, x->n);
}

/* The parsed config blob of the image ref_or_id names. */
static int load(struct berth_store *s, const char *ref_or_id, char **ret_id, json_t **ret_cfg,
		struct layers *ret_layers, struct berth_error **err)
{
	_cleanup_free_ char *id = NULL, *data = NULL;
	json_error_t jerr;
	json_t *cfg;
	size_t n;
	int r;

	r = berth_image_resolve(s, ref_or_id, &id, NULL, NULL, err);
	if (r < 0)
		return r;
	r = berth_image_config(s, id, &data, &n, err);
	if (r < 0)
		return r;
	cfg = json_loadb(data, n, 0, &jerr);
	if (!cfg || !json_is_object(cfg)) {
		json_decref(cfg);
		return berth_error_new(err, EINVAL, "image '%s': config: line %d: %s", id,
				       jerr.line, cfg ? "expected an object" : jerr.text);
	}
	r = berth_image_layers(s, id, &ret_layers->l, &ret_layers->n, err);
	if (r < 0) {
		json_decref(cfg);
		return r;
	}
	*ret_id = TAKE_PTR(id);
	*ret_cfg = cfg;
	return 0;
}

static json_t *str_or_empty(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	return json_string(json_is_string(v) ? json_string_value(v) : "");
}

int berth_image_inspect(struct berth_store *s, const char *ref_or_id, char **ret_json,
			struct berth_error **err)
{
	_cleanup_(layers_release) struct layers layers = {0};
	_cleanup_json_ json_t *cfg = NULL, *out = NULL;
	_cleanup_strv_free_ char **refs = NULL, **digests = NULL;
	_cleanup_free_ char *id = NULL;
	json_t *tags, *rdigests, *diff, *lay, *conf, *hist, *rootfs;
	int64_t size = 0;
	int r;

	r = load(s, ref_or_id, &id, &cfg, &layers, err);
	if (r < 0)
		return r;
	r = berth_image_refs(s, id, &refs, err);
	if (r < 0)
		return r;
	r = berth_image_repo_digests(s, id, &digests, err);
	if (r < 0)
		return r;
	rdigests = json_array();
	for (size_t i = 0; rdigests && digests[i]; i++)
		json_array_append_new(rdigests, json_string(digests[i]));
	tags = json_array();
	diff = json_array();
	lay = json_array();
	for (size_t i = 0; tags && refs[i]; i++)
		json_array_append_new(tags, json_string(refs[i]));
	for (size_t i = 0; diff && lay && i < layers.n; i++) {
		size += layers.l[i].size;
		json_array_append_new(diff, json_string(layers.l[i].diff_id));
		json_array_append_new(
		    lay, json_pack("{s:s, s:s?, s:s?, s:I, s:I}", "DiffID", layers.l[i].diff_id,
				   "Digest", layers.l[i].blob, "MediaType", layers.l[i].media_type,
				   "CompressedSize", (json_int_t)layers.l[i].blob_size, "Size",
				   (json_int_t)layers.l[i].size));
	}
	conf = json_object_get(cfg, "config");
	conf = json_is_object(conf) ? json_incref(conf) : json_object();
	hist = json_object_get(cfg, "history");
	hist = json_is_array(hist) ? json_incref(hist) : json_array();
	rootfs = json_pack("{s:s, s:o}", "Type", "layers", "Layers", diff);
	/* "o" steals references, also when json_pack fails. */
	/* clang-format off */
	out = json_pack("{s:s, s:o, s:o, s:s, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:I, s:o, s:o}",
			"Id", id,
			"RepoTags", tags,
			"RepoDigests", rdigests,
			"Parent", "",
			"Comment", str_or_empty(cfg, "comment"),
			"Created", str_or_empty(cfg, "created"),
			"Author", str_or_empty(cfg, "author"),
			"Architecture", str_or_empty(cfg, "architecture"),
			"Os", str_or_empty(cfg, "os"),
			"Config", conf,
			"RootFS", rootfs,
			"Size", (json_int_t)size,
			"History", hist,
			"Layers", lay);
	/* clang-format on */
	if (!out)
		return berth_error_set(err, ENOMEM, "inspect '%s'", ref_or_id);
	*ret_json = json_dumps(out, JSON_INDENT(4) | JSON_PRESERVE_ORDER);
	return *ret_json ? 0 : berth_error_set(err, ENOMEM, "inspect '%s'", ref_or_id);
}

struct berth_history *berth_history_free(struct berth_history *h, size_t n)
{
	for (size_t i = 0; h && i < n; i++) {
		free(h[i].id);
		free(h[i].created_by);
		free(h[i].comment);
	}
	free(h);
	return NULL;
}

static char *dup_str(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	return strdup(json_is_string(v) ? json_string_value(v) : "");
}

int berth_image_history(struct berth_store *s, const char *ref_or_id, struct berth_history **ret,
			size_t *ret_n, struct berth_error **err)
{
	_cleanup_(layers_release) struct layers layers = {0};
	_cleanup_json_ json_t *cfg = NULL;
	_cleanup_free_ char *id = NULL;
	struct berth_history *h;
	json_t *hist, *e;
	size_t n, k = 0, layer = 0, i;
	int r;

	r = load(s, ref_or_id, &id, &cfg, &layers, err);
	if (r < 0)
		return r;
	hist = json_object_get(cfg, "history");
	n = json_is_array(hist) ? json_array_size(hist) : 0;
	/* No history (or one that does not cover every layer): a row per layer. */
	{
		size_t non_empty = 0;

		json_array_foreach(hist, i, e)
			if (!json_is_true(json_object_get(e, "empty_layer")))
				non_empty++;
		if (non_empty != layers.n)
			n = 0;
	}
	h = calloc((n ? n : layers.n) + 1, sizeof(*h));
	if (!h)
		return berth_error_set(err, ENOMEM, "history");
	if (n) {
		json_array_foreach(hist, i, e)
		{
			struct berth_history *row = &h[n - 1 - i]; /* newest first */
			json_t *t = json_object_get(e, "created");

			row->created_by = dup_str(e, "created_by");
			row->comment = dup_str(e, "comment");
			if (json_is_string(t) && parse_rfc3339(json_string_value(t), &row->created) < 0)
				row->created = 0;
			if (!json_is_true(json_object_get(e, "empty_layer")))
				row->size = layers.l[layer++].size;
			k++;
			if (!row->created_by || !row->comment)
				goto oom;
		}
	} else {
		int64_t created = 0;
		json_t *t = json_object_get(cfg, "created");

		if (json_is_string(t) && parse_rfc3339(json_string_value(t), &created) < 0)
			created = 0;
		for (i = 0; i < layers.n; i++) {
			struct berth_history *row = &h[layers.n - 1 - i];

			row->created = created;
			row->created_by = strdup("");
			row->comment = strdup("");
			row->size = layers.l[i].size;
			k++;
			if (!row->created_by || !row->comment)
				goto oom;
		}
	}
	h[0].id = TAKE_PTR(id);
	*ret = h;
	*ret_n = k;
	return 0;
oom:
	berth_history_free(h, n ? n : layers.n);
	return berth_error_set(err, ENOMEM, "history");
}
