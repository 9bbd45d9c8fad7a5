/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Image references, docker's grammar (distribution/reference) minus digests:
 *
 *     [DOMAIN[:PORT]/]PATH[:TAG]     busybox  ->  docker.io/library/busybox:latest
 *
 * Parsed here and nowhere else. */

#include "berth/error.h"

#define REF_DEFAULT_DOMAIN "docker.io"
#define REF_DEFAULT_TAG "latest"
#define REF_NAME_MAX 255 /* repository name, without the tag */

/* Validate and fully normalise s. Errors (-EINVAL) use docker's wording, e.g.
 * "invalid reference format: repository name must be lowercase". */
int ref_normalize(const char *s, char **ret_full, struct berth_error **err);

/* The short form of a normalised ref: drops "docker.io/" and "library/" like docker.
 * Returns -ENOMEM only. */
int ref_familiar(const char *full, char **ret);

/* Split a ref at its tag colon (the last ':' after the last '/'). *ret_tag is NULL
 * when there is none. */
int ref_split(const char *ref, char **ret_repo, char **ret_tag);
