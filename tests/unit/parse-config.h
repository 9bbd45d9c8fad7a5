/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* For unit tests of what a config.json turns into: parse it, or say why not. */

#include <stdio.h>
#include <string.h>

#include "berth/error.h"
#include "runtime/config.h"

/* The config, or NULL after printing the parser's error as a TAP comment. */
static inline struct rt_config *parse(const char *json)
{
	struct rt_config *c = NULL;
	struct berth_error *err = NULL;

	if (rt_config_parse(json, strlen(json), "config.json", &c, &err) < 0) {
		printf("#   unexpected error: %s\n", berth_error_message(err));
		berth_error_free(err);
		return NULL;
	}
	return c;
}
