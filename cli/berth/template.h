/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Go's text/template over jansson values: docker renders --format client side, and its
 * users' templates are Go's. The subset they use: fields and chains (.A.B, $x.A,
 * (pipe).A), `.`, pipelines, variables ($x := / $x = / $), if/else if/else, with, range
 * (arrays, objects in key order, with `$i, $v :=`), comments, the trim markers {{- -}},
 * string, raw string, char, number, bool and nil literals, and the functions json, index,
 * join, split, lower, upper, title, truncate, pad, printf, print, println, len, eq, ne,
 * lt, le, gt, ge, and, or, not.
 *
 * Values print as Go's fmt prints what encoding/json decodes into interface{}: strings
 * as they are, arrays as [a b], objects as map[k1:v1 k2:v2] (sorted keys), null as <nil>
 * inside those; integers as integers, reals as float64 (%v: 1.5, 1e+06). An action whose
 * value is missing or null prints <no value>.
 *
 * Errors read as Go's: parse errors "template: :LINE: ...", execution errors
 * "template: :LINE:COL: executing \"\" at <NODE>: ...".
 */

#include <stdbool.h>
#include <stdio.h>

#include <jansson.h>

#include "berth/error.h"

struct tmpl;

/* Parse text. With strict, a field its object lacks is an execution error (Go's
 * missingkey=error, -ENOENT), else it is a missing value (<no value>). -EINVAL with the
 * reason for a template Go would not parse (or one using what is not implemented:
 * define, template, block, break, continue), -ENOMEM. */
int tmpl_parse(const char *text, bool strict, struct tmpl **ret, struct berth_error **err);

/* Execute t with dot as its data ($), writing to out. Nothing is written after an error
 * (what came before it is: callers that must print all or nothing write to a buffer).
 * -ENOENT for a missing key in strict mode, -EINVAL for every other execution error,
 * -ENOMEM. */
int tmpl_execute(const struct tmpl *t, json_t *dot, FILE *out, struct berth_error **err);

/* Accepts NULL; returns NULL. */
struct tmpl *tmpl_free(struct tmpl *t);

static inline void tmpl_freep(struct tmpl **t)
{
	tmpl_free(*t);
}

/* Go's fmt %v of a value, as an action prints it (NULL and null: "<no value>"), into a
 * malloc'd string; NULL on ENOMEM. */
char *tmpl_value_string(json_t *v);

/* docker's json function: encoding/json of v, no HTML escaping, compact, keys in the
 * object's order. malloc'd; NULL on ENOMEM. */
char *tmpl_json(json_t *v);
