/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Image manifests and indexes of the distribution API: OCI image-spec manifest.md and
 * image-index.md, and their docker twins (image manifest v2 schema 2, manifest list).
 * Parsed and built here and nowhere else; the rest of the registry code works on
 * struct reg_manifest. Schema 1 (signed, pre-2016) manifests are refused.
 */
#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "berth/cleanup.h"
#include "config.h"
#include "registry.h"
#include "store.h"
#include "berth/util.h"

#define MT_OCI_LAYER "application/vnd.oci.image.layer.v1.tar"
#define MT_DOCKER_LAYER "application/vnd.docker.image.rootfs.diff.tar"

static void descriptor_release(struct reg_descriptor *d)
{
	free(d->media_type);
	free(d->digest);
	*d = (struct reg_descriptor){0};
}

void reg_manifest_release(struct reg_manifest *m)
{
	free(m->media_type);
	descriptor_release(&m->config);
	for (size_t i = 0; m->layers && i < m->n_layers; i++)
		descriptor_release(&m->layers[i]);
	free(m->layers);
	*m = (struct reg_manifest){0};
}

bool reg_layer_media_type_ok(const char *mt)
{
	/* Foreign ("nondistributable") layers live elsewhere, on Windows hosts. */
	return mt && (startswith(mt, MT_OCI_LAYER) || startswith(mt, MT_DOCKER_LAYER) ||
		      streq(mt, "application/vnd.berth.image.layer.v1.tar+xz")) &&
	       !strstr(mt, "nondistributable") && !strstr(mt, "foreign");
}

static int load(const char *data, size_t n, json_t **ret, struct berth_error **err)
{
	json_error_t jerr;
	json_t *j = json_loadb(data, n, JSON_REJECT_DUPLICATES, &jerr);

	if (!j)
		return berth_error_new(err, EINVAL, "manifest: %s (line %d)", jerr.text,
				       jerr.line);
	if (!json_is_object(j)) {
		json_decref(j);
		return berth_error_new(err, EINVAL, "manifest: not a JSON object");
	}
	*ret = j;
	return 0;
}

/* "application/json; charset=utf-8" -> "application/json" */
static char *bare_type(const char *content_type)
{
	return content_type ? strndup(content_type, strcspn(content_type, "; \t")) : NULL;
}

int reg_manifest_kind(const char *data, size_t n, const char *content_type,
		      struct berth_error **err)
{
	_cleanup_(json_decrefp) json_t *j = NULL;
	_cleanup_free_ char *ct = bare_type(content_type);
	const char *mt;
	int r;

	r = load(data, n, &j, err);
	if (r < 0)
		return r;
	mt = json_string_value(json_object_get(j, "mediaType"));
	if (json_integer_value(json_object_get(j, "schemaVersion")) == 1 ||
	    streq_ptr(ct, MT_DOCKER_SCHEMA1) || streq_ptr(ct, MT_DOCKER_SCHEMA1_SIGNED))
		return berth_error_new(err, EINVAL,
				       "manifest: docker schema 1 manifests are not supported "
				       "(the image needs pushing again with a newer tool)");
	if (streq_ptr(ct, MT_OCI_INDEX) || streq_ptr(ct, MT_DOCKER_LIST))
		return 1;
	if (streq_ptr(ct, MT_OCI_MANIFEST) || streq_ptr(ct, MT_DOCKER_MANIFEST))
		return 0;
	/* No telling Content-Type (application/json, octet-stream): the body decides. */
	if (streq_ptr(mt, MT_OCI_INDEX) || streq_ptr(mt, MT_DOCKER_LIST) ||
	    (!mt && json_is_array(json_object_get(j, "manifests"))))
		return 1;
	if (streq_ptr(mt, MT_OCI_MANIFEST) || streq_ptr(mt, MT_DOCKER_MANIFEST) ||
	    (!mt && json_is_object(json_object_get(j, "config"))))
		return 0;
	return berth_error_new(err, EINVAL, "manifest: unsupported media type '%s'",
			       mt ? mt : ct ? ct : "");
}

int reg_index_pick(const char *data, size_t n, char **ret_digest, struct berth_error **err)
{
	_cleanup_(json_decrefp) json_t *j = NULL;
	const char *arch = image_host_architecture(), *found = NULL;
	json_t *mans, *d;
	size_t i;
	int r;

	r = load(data, n, &j, err);
	if (r < 0)
		return r;
	mans = json_object_get(j, "manifests");
	if (!json_is_array(mans))
		return berth_error_new(err, EINVAL, "index: no manifests");
	json_array_foreach(mans, i, d)
	{
		json_t *p = json_object_get(d, "platform");
		const char *digest = json_string_value(json_object_get(d, "digest"));
		const char *mt = json_string_value(json_object_get(d, "mediaType"));

		/* Attestations and signatures ride along as "unknown/unknown" entries. */
		if (!streq_ptr(json_string_value(json_object_get(p, "os")), "linux") ||
		    !streq_ptr(json_string_value(json_object_get(p, "architecture")), arch))
			continue;
		if (mt && !streq(mt, MT_OCI_MANIFEST) && !streq(mt, MT_DOCKER_MANIFEST))
			continue;
		if (!digest || !digest_hex(digest))
			return berth_error_new(err, EINVAL, "index: manifests[%zu]: missing or "
					       "unsupported digest", i);
		found = digest;
		break;
	}
	if (!found)
		return berth_error_new(err, ENOENT, "no image for linux/%s in the index", arch);
	*ret_digest = strdup(found);
	return *ret_digest ? 0 : berth_error_set(err, ENOMEM, "index");
}

static int descriptor_parse(json_t *d, const char *what, struct reg_descriptor *ret,
			    struct berth_error **err)
{
	const char *mt = json_string_value(json_object_get(d, "mediaType"));
	const char *digest = json_string_value(json_object_get(d, "digest"));
	json_t *size = json_object_get(d, "size");

	if (!json_is_object(d))
		return berth_error_new(err, EINVAL, "manifest: %s: not an object", what);
	if (!digest || !digest_hex(digest))
		return berth_error_new(err, EINVAL, "manifest: %s: missing or unsupported "
				       "digest '%s'", what, digest ? digest : "");
	if (!json_is_integer(size) || json_integer_value(size) < 0)
		return berth_error_new(err, EINVAL, "manifest: %s: missing or invalid size", what);
	ret->media_type = mt ? strdup(mt) : NULL;
	ret->digest = strdup(digest);
	ret->size = json_integer_value(size);
	if ((mt && !ret->media_type) || !ret->digest)
		return berth_error_set(err, ENOMEM, "manifest");
	return 0;
}

int reg_manifest_parse(const char *data, size_t n, const char *content_type,
		       struct reg_manifest *ret, struct berth_error **err)
{
	_cleanup_(json_decrefp) json_t *j = NULL;
	_cleanup_free_ char *ct = bare_type(content_type);
	struct reg_manifest m = {0};
	const char *mt;
	json_t *layers, *d;
	size_t i;
	int r;

	r = load(data, n, &j, err);
	if (r < 0)
		return r;
	mt = json_string_value(json_object_get(j, "mediaType"));
	if (!mt)
		mt = streq_ptr(ct, MT_DOCKER_MANIFEST) ? MT_DOCKER_MANIFEST : MT_OCI_MANIFEST;
	if (json_integer_value(json_object_get(j, "schemaVersion")) != 2)
		return berth_error_new(err, EINVAL, "manifest: schemaVersion is not 2");
	layers = json_object_get(j, "layers");
	if (!json_is_array(layers) || json_array_size(layers) == 0 ||
	    json_array_size(layers) > REG_MAX_LAYERS)
		return berth_error_new(err, EINVAL, "manifest: an image needs 1 to %d layers",
				       REG_MAX_LAYERS);
	m.media_type = strdup(mt);
	m.layers = calloc(json_array_size(layers), sizeof(*m.layers));
	if (!m.media_type || !m.layers) {
		reg_manifest_release(&m);
		return berth_error_set(err, ENOMEM, "manifest");
	}
	r = descriptor_parse(json_object_get(j, "config"), "config", &m.config, err);
	if (r < 0)
		goto fail;
	if ((uint64_t)m.config.size > REG_MAX_CONFIG) {
		r = berth_error_new(err, E2BIG, "manifest: config: bigger than %llu bytes",
				    (unsigned long long)REG_MAX_CONFIG);
		goto fail;
	}
	json_array_foreach(layers, i, d)
	{
		char what[32];

		snprintf(what, sizeof(what), "layers[%zu]", i);
		m.n_layers = i + 1;
		r = descriptor_parse(d, what, &m.layers[i], err);
		if (r < 0)
			goto fail;
		if (!reg_layer_media_type_ok(m.layers[i].media_type)) {
			r = berth_error_new(err, EINVAL, "manifest: %s: unsupported media type '%s'",
					    what, m.layers[i].media_type ? m.layers[i].media_type
									 : "");
			goto fail;
		}
	}
	*ret = m;
	return 0;
fail:
	reg_manifest_release(&m);
	return r;
}

/* The OCI name of a docker layer type, and back; NULL when there is none. */
static const char *const layer_types[][2] = {
    {MT_DOCKER_LAYER ".gzip", MT_OCI_LAYER "+gzip"},
    {MT_DOCKER_LAYER, MT_OCI_LAYER},
    {"application/vnd.docker.image.rootfs.foreign.diff.tar.gzip",
     "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip"},
};

static const char *oci_layer_type(const char *mt)
{
	for (size_t i = 0; i < ELEMENTSOF(layer_types); i++)
		if (streq(mt, layer_types[i][0]))
			return layer_types[i][1];
	return mt;
}

static bool is_docker_layer_type(const char *mt)
{
	for (size_t i = 0; i < ELEMENTSOF(layer_types); i++)
		if (streq(mt, layer_types[i][0]))
			return true;
	return false;
}

int reg_manifest_format(const struct reg_descriptor *config, const struct reg_descriptor *layers,
			size_t n_layers, char **ret_json, size_t *ret_len,
			const char **ret_media_type)
{
	_cleanup_(json_decrefp) json_t *o = NULL;
	json_t *arr;
	bool docker = n_layers > 0;
	const char *mt;
	char *s;

	for (size_t i = 0; i < n_layers; i++)
		docker = docker && is_docker_layer_type(layers[i].media_type);
	mt = docker ? MT_DOCKER_MANIFEST : MT_OCI_MANIFEST;
	arr = json_array();
	/* clang-format off */
	o = json_pack("{s:i, s:s, s:{s:s, s:s, s:I}, s:o}",
		      "schemaVersion", 2,
		      "mediaType", mt,
		      "config",
			  "mediaType", docker ? MT_DOCKER_CONFIG : MT_OCI_CONFIG,
			  "digest", config->digest,
			  "size", (json_int_t)config->size,
		      "layers", arr);
	/* clang-format on */
	if (!o)
		return -ENOMEM;
	for (size_t i = 0; i < n_layers; i++) {
		const char *lmt = docker ? layers[i].media_type : oci_layer_type(layers[i].media_type);

		if (json_array_append_new(arr, json_pack("{s:s, s:s, s:I}", "mediaType", lmt,
							 "digest", layers[i].digest, "size",
							 (json_int_t)layers[i].size)) < 0)
			return -ENOMEM;
	}
	s = json_dumps(o, JSON_INDENT(3) | JSON_PRESERVE_ORDER);
	if (!s)
		return -ENOMEM;
	*ret_len = strlen(s);
	*ret_json = s;
	*ret_media_type = mt;
	return 0;
}
