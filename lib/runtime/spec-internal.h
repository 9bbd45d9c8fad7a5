/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Shared by spec.c (the parser's core, process, mounts, the rest of linux), spec-linux.c
 * (hooks, seccomp, personality, intelRdt, the process scheduling properties) and
 * spec-resources.c (linux.resources). Not part of the runtime's interface: nothing outside spec*.c
 * includes this, and nothing outside them reads JSON configs.
 *
 * Conventions: every parser runs with the JSON path of its value pushed on p, so a message
 * from spec_fail() names it ("config.json: linux.seccomp.syscalls[3].action: ..."). They
 * return 0 or a negative errno with *p->err set; on error the destination may be partly
 * filled, and rt_config_free() releases whatever is there.
 */

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "berth/error.h"
#include "config.h"

struct parser {
	const char *name; /* file name, first in every message */
	struct berth_error **err;
	char path[512]; /* JSON path of the value being looked at */
	size_t len;
};

/* Path handling: each push returns the length to hand back to spec_pop(). */
size_t spec_push_key(struct parser *p, const char *key);
size_t spec_push_index(struct parser *p, size_t i);
size_t spec_push_map_key(struct parser *p, const char *key); /* ["key"], for user keys */
void spec_pop(struct parser *p, size_t saved);

/* "<file>: <path>: <message>". Returns -EINVAL (-ENOMEM when out of memory). */
int spec_fail(struct parser *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int spec_oom(struct parser *p);
/* spec_fail() for member `key` of the current value: "<file>: <path>.<key>: <message>". */
int spec_fail_at(struct parser *p, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* A member of an object, or NULL when it is absent or JSON null. */
json_t *spec_member(json_t *o, const char *key);

int spec_expect_object(struct parser *p, json_t *v);
int spec_to_string(struct parser *p, json_t *v, const char **ret);
int spec_to_int(struct parser *p, json_t *v, int64_t min, int64_t max, int64_t *ret);
int spec_check_absolute(struct parser *p, const char *s);

/* Parsers for one value; `data` points at the destination. */
typedef int (*value_fn)(struct parser *p, json_t *v, void *data);

int spec_parse_str(struct parser *p, json_t *v, void *data);	      /* char ** */
int spec_parse_nonempty_str(struct parser *p, json_t *v, void *data); /* char ** */
int spec_parse_abs_path(struct parser *p, json_t *v, void *data);     /* char ** */
int spec_parse_bool(struct parser *p, json_t *v, void *data);	      /* bool * */
int spec_parse_u32(struct parser *p, json_t *v, void *data);	      /* uint32_t * */
int spec_parse_uint64(struct parser *p, json_t *v, void *data);	      /* uint64_t * */
int spec_parse_int64(struct parser *p, json_t *v, void *data);	      /* int64_t * */
int spec_parse_limit(struct parser *p, json_t *v, void *data);	      /* int64_t *, >= -1 */
int spec_parse_strv(struct parser *p, json_t *v, void *data);	      /* char *** */
int spec_parse_abs_path_strv(struct parser *p, json_t *v, void *data);
int spec_parse_env(struct parser *p, json_t *v, void *data); /* char ***, "NAME=VALUE" */

/* Objects whose values are all strings (linux.sysctl, annotations, resources.unified). */
struct string_map {
	struct rt_sysctl **items;
	size_t *n;
};
int spec_parse_string_map(struct parser *p, json_t *v, void *data); /* struct string_map * */

/* Parse member `key` of object `o` with fn, its path pushed. Returns 0 when it is absent (an
 * error when required), 1 when it was parsed, < 0 on error. */
int spec_field(struct parser *p, json_t *o, const char *key, bool required, value_fn fn,
	       void *data);
int spec_field_str(struct parser *p, json_t *o, const char *key, bool required, char **ret);
int spec_field_abs_path(struct parser *p, json_t *o, const char *key, bool required, char **ret);
int spec_field_bool(struct parser *p, json_t *o, const char *key, bool *ret);
int spec_field_u32(struct parser *p, json_t *o, const char *key, bool required, uint32_t *ret);
int spec_field_u64(struct parser *p, json_t *o, const char *key, bool required, uint64_t *ret);
int spec_field_i64(struct parser *p, json_t *o, const char *key, bool required, int64_t *ret);
int spec_field_limit(struct parser *p, json_t *o, const char *key, int64_t *ret);

/* Arrays: fn is called for each element with "[i]" pushed. */
typedef int (*elem_fn)(struct parser *p, json_t *v, size_t i, void *data);
int spec_array_each(struct parser *p, json_t *v, elem_fn fn, void *data);

/* A zeroed array for the elements of JSON array v (at least one slot). */
int spec_alloc_array(struct parser *p, json_t *v, size_t size, void **ret, size_t *ret_n);

/* ---- spec-linux.c ---- */

int spec_parse_hooks(struct parser *p, json_t *v, void *data);	     /* struct rt_config * */
int spec_parse_seccomp(struct parser *p, json_t *v, void *data);     /* struct rt_config * */
int spec_parse_personality(struct parser *p, json_t *v, void *data); /* struct rt_config * */
int spec_parse_intel_rdt(struct parser *p, json_t *v, void *data);   /* struct rt_config * */
int spec_parse_io_priority(struct parser *p, json_t *v, void *data); /* struct rt_io_priority * */
int spec_parse_scheduler(struct parser *p, json_t *v, void *data);   /* struct rt_scheduler * */
int spec_parse_exec_cpu_affinity(struct parser *p, json_t *v, void *data); /* struct rt_process * */
/* Release what spec-linux.c parsed into c (hooks, seccomp, intelRdt, process affinity).
 * Leaves c itself to rt_config_free(). */
void spec_linux_free(struct rt_config *c);

/* ---- spec-resources.c ---- */

int spec_parse_resources(struct parser *p, json_t *v, void *data); /* struct rt_resources * */
/* Everything spec_parse_resources() allocated in r; r itself is not freed. */
void spec_resources_free(struct rt_resources *r);
