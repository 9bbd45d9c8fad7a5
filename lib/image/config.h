/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The OCI image config (image-spec config.md): parsed here and nowhere else; the rest
 * of the image code works on struct image_config. */

#include <stdint.h>
#include <stddef.h>

#include <jansson.h>

#include "berth/error.h"
#include "berth/image.h"

struct image_config {
	int64_t created; /* unix seconds; 0 when absent */
	char *architecture;
	char *os;
	char **env;	   /* never NULL after parse */
	char **cmd;	   /* never NULL after parse */
	char **entrypoint; /* never NULL after parse */
	char *workdir;	   /* NULL when unset or empty */
	char *user;	   /* NULL when unset or empty */
	char *stop_signal; /* NULL when unset or empty */
	char **exposed;	   /* ExposedPorts' keys ("80/tcp"); never NULL after parse */
	char **labels;	   /* Labels as "key=value"; never NULL after parse */
	struct berth_healthcheck healthcheck; /* Healthcheck; test NULL when absent */
	char **diff_ids;   /* "sha256:<hex>", bottom layer first; at least one */
};

/* Accepts NULL; returns NULL. */
struct image_config *image_config_free(struct image_config *c);

struct berth_store;

/* The config blob of image id (its digest) from the store, parsed. */
int image_config_load(struct berth_store *s, const char *id, struct image_config **ret,
		      struct berth_error **err);

/* Parse and validate a config blob. -EINVAL with a message naming the field. */
int image_config_parse(const char *data, size_t n, struct image_config **ret,
		       struct berth_error **err);

/*
 * The config `berth import` writes: this host's architecture, os linux, the default
 * PATH, Cmd ["sh"], the given layers and one history entry "berth import", created at
 * `created`. Deterministic: the same arguments give the same bytes (and image id).
 */
int image_config_format_import(char *const *diff_ids, int64_t created, char **ret_json,
			       size_t *ret_len);

/* "2024-05-01T12:34:56Z". buf needs 21 bytes. */
#define RFC3339_MAX 32
void format_rfc3339(int64_t t, char buf[RFC3339_MAX]);
/* Accepts fractional seconds and Z or +hh:mm offsets. -EINVAL on anything else. */
int parse_rfc3339(const char *s, int64_t *ret);

/* The GOARCH-style name of the architecture berth was built for ("amd64"). */
const char *image_host_architecture(void);

/* Apply one `--change` instruction (Dockerfile syntax: CMD, ENTRYPOINT, ENV, EXPOSE,
 * LABEL, STOPSIGNAL, USER, VOLUME, WORKDIR) to the "config" member of an image config
 * object. -EINVAL naming the instruction when it is unknown or malformed. */
int image_config_apply_change(json_t *root, const char *change, struct berth_error **err);
/* All of changes (NULL-terminated, may be NULL), in order. */
int image_config_apply_changes(json_t *root, char *const *changes, struct berth_error **err);
