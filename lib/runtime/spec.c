/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * config.json (OCI runtime-spec 1.2, config.md and config-linux.md) -> struct rt_config.
 *
 * This and its two companions are the only place that reads the OCI configuration:
 * spec-linux.c (hooks, linux.seccomp, personality, intelRdt, process scheduling) and
 * spec-resources.c (linux.resources), sharing the parser core below through
 * spec-internal.h. Everything is validated here, so that the code that sets up a container
 * works on plain C values. Every error names the file and the JSON path of the offending
 * value:
 *
 *     config.json: linux.namespaces[2].type: unknown namespace type "foo"
 *
 * The parser writes straight into the rt_config it returns: arrays are allocated zeroed
 * and their length is stored before their elements are parsed, so on any error
 * rt_config_free() releases whatever was filled in so far.
 *
 * Unknown properties are ignored, as the specification requires. JSON null is treated as
 * "absent", as Go's encoding/json (and so runc, containerd, cri-o, podman) does: tools
 * written in Go emit nulls for unset slices and pointers.
 */
#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <linux/magic.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "berth/error.h"
#include "berth/cleanup.h"
#include "config.h"
#include "spec-internal.h"
#include "berth/util.h"

/* Older libc headers lack the newer flags; the values are kernel ABI. */
#ifndef MS_LAZYTIME
#define MS_LAZYTIME (1 << 25)
#endif
#ifndef MS_NOSYMFOLLOW
#define MS_NOSYMFOLLOW 256
#endif
#ifndef MOUNT_ATTR_RDONLY
#define MOUNT_ATTR_RDONLY 0x00000001
#define MOUNT_ATTR_NOSUID 0x00000002
#define MOUNT_ATTR_NODEV 0x00000004
#define MOUNT_ATTR_NOEXEC 0x00000008
#define MOUNT_ATTR__ATIME 0x00000070
#define MOUNT_ATTR_RELATIME 0x00000000
#define MOUNT_ATTR_NOATIME 0x00000010
#define MOUNT_ATTR_STRICTATIME 0x00000020
#define MOUNT_ATTR_NODIRATIME 0x00000080
#endif
#ifndef MOUNT_ATTR_NOSYMFOLLOW
#define MOUNT_ATTR_NOSYMFOLLOW 0x00200000
#endif

#define OCI_VERSION "1.2.0"

/* ---- parser state and messages ---------------------------------------------------- */

static size_t path_append(struct parser *p, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static size_t path_append(struct parser *p, const char *fmt, ...)
{
	size_t saved = p->len;
	va_list ap;
	int n;

	/* Paths only serve messages: an absurdly deep one is truncated, not an error. */
	va_start(ap, fmt);
	n = vsnprintf(p->path + p->len, sizeof(p->path) - p->len, fmt, ap);
	va_end(ap);
	if (n > 0)
		p->len += (size_t)n;
	if (p->len >= sizeof(p->path))
		p->len = sizeof(p->path) - 1;
	return saved;
}

size_t spec_push_key(struct parser *p, const char *key)
{
	return path_append(p, p->len > 0 ? ".%s" : "%s", key);
}

size_t spec_push_index(struct parser *p, size_t i)
{
	return path_append(p, "[%zu]", i);
}

/* Keys chosen by the user (sysctl names, annotations) may contain dots. */
size_t spec_push_map_key(struct parser *p, const char *key)
{
	return path_append(p, "[\"%s\"]", key);
}

void spec_pop(struct parser *p, size_t saved)
{
	p->len = saved;
	p->path[saved] = '\0';
}

int spec_fail(struct parser *p, const char *fmt, ...)
{
	_cleanup_free_ char *msg = NULL;
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = vasprintf(&msg, fmt, ap);
	va_end(ap);
	if (r < 0) {
		msg = NULL;
		return berth_error_new(p->err, ENOMEM, "%s: out of memory", p->name);
	}
	if (p->len > 0)
		return berth_error_new(p->err, EINVAL, "%s: %s: %s", p->name, p->path, msg);
	return berth_error_new(p->err, EINVAL, "%s: %s", p->name, msg);
}

int spec_oom(struct parser *p)
{
	return berth_error_new(p->err, ENOMEM, "%s: out of memory", p->name);
}

int spec_fail_at(struct parser *p, const char *key, const char *fmt, ...)
{
	_cleanup_free_ char *msg = NULL;
	size_t saved;
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = vasprintf(&msg, fmt, ap);
	va_end(ap);
	if (r < 0) {
		msg = NULL;
		return spec_oom(p);
	}
	saved = spec_push_key(p, key);
	r = spec_fail(p, "%s", msg);
	spec_pop(p, saved);
	return r;
}

/* ---- values ------------------------------------------------------------------------ */

/* A member of an object, or NULL when it is absent or null. */
json_t *spec_member(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	return json_is_null(v) ? NULL : v;
}

int spec_expect_object(struct parser *p, json_t *v)
{
	return json_is_object(v) ? 0 : spec_fail(p, "expected an object");
}

int spec_to_string(struct parser *p, json_t *v, const char **ret)
{
	if (!json_is_string(v))
		return spec_fail(p, "expected a string");
	*ret = json_string_value(v);
	return 0;
}

int spec_to_int(struct parser *p, json_t *v, int64_t min, int64_t max, int64_t *ret)
{
	json_int_t i;

	/* Reals are rejected even when integral ("1.0", "1e3"), as Go's encoding/json does
	 * for integer fields. */
	if (!json_is_integer(v))
		return spec_fail(p, "expected an integer");
	i = json_integer_value(v);
	if (min == 0 && i < 0)
		return spec_fail(p, "expected a non-negative integer, got %lld", (long long)i);
	if (i < min || i > max)
		return spec_fail(p, "%lld is out of range (%lld to %lld)", (long long)i,
				 (long long)min, (long long)max);
	*ret = i;
	return 0;
}

int spec_check_absolute(struct parser *p, const char *s)
{
	return s[0] == '/' ? 0 : spec_fail(p, "expected an absolute path, got \"%s\"", s);
}

int spec_parse_str(struct parser *p, json_t *v, void *data)
{
	char **ret = data, *s;
	const char *str = NULL;
	int r;

	r = spec_to_string(p, v, &str);
	if (r < 0)
		return r;
	s = strdup(str);
	if (!s)
		return spec_oom(p);
	free(*ret);
	*ret = s;
	return 0;
}

int spec_parse_nonempty_str(struct parser *p, json_t *v, void *data)
{
	if (json_is_string(v) && json_string_length(v) == 0)
		return spec_fail(p, "expected a non-empty string");
	return spec_parse_str(p, v, data);
}

int spec_parse_abs_path(struct parser *p, json_t *v, void *data)
{
	const char *s = NULL;
	int r;

	r = spec_to_string(p, v, &s);
	if (r < 0)
		return r;
	r = spec_check_absolute(p, s);
	if (r < 0)
		return r;
	return spec_parse_str(p, v, data);
}

int spec_parse_bool(struct parser *p, json_t *v, void *data)
{
	bool *ret = data;

	if (!json_is_boolean(v))
		return spec_fail(p, "expected a boolean");
	*ret = json_is_true(v);
	return 0;
}

int spec_parse_u32(struct parser *p, json_t *v, void *data)
{
	uint32_t *ret = data;
	int64_t i = 0;
	int r;

	r = spec_to_int(p, v, 0, UINT32_MAX, &i);
	if (r < 0)
		return r;
	*ret = (uint32_t)i;
	return 0;
}

/* uint64 fields. jansson's integers are 64-bit signed, so values above INT64_MAX are
 * already rejected by json_loadb() ("too big integer"). */
int spec_parse_uint64(struct parser *p, json_t *v, void *data)
{
	uint64_t *ret = data;
	int64_t i = 0;
	int r;

	r = spec_to_int(p, v, 0, INT64_MAX, &i);
	if (r < 0)
		return r;
	*ret = (uint64_t)i;
	return 0;
}

int spec_parse_int64(struct parser *p, json_t *v, void *data)
{
	return spec_to_int(p, v, INT64_MIN, INT64_MAX, data);
}

/* int64 where -1 means "unlimited" and other negative values make no sense. */
int spec_parse_limit(struct parser *p, json_t *v, void *data)
{
	return spec_to_int(p, v, -1, INT64_MAX, data);
}

/* Parse member `key` of object `o` with fn. Returns 0 when it is absent (an error when
 * required), 1 when it was parsed, < 0 on error. */
int spec_field(struct parser *p, json_t *o, const char *key, bool required, value_fn fn, void *data)
{
	json_t *v = spec_member(o, key);
	size_t saved = spec_push_key(p, key);
	int r;

	if (!v)
		r = required ? spec_fail(p, "missing required property") : 0;
	else if ((r = fn(p, v, data)) >= 0)
		r = 1;
	spec_pop(p, saved);
	return r;
}

int spec_field_str(struct parser *p, json_t *o, const char *key, bool required, char **ret)
{
	return spec_field(p, o, key, required, spec_parse_str, ret);
}

int spec_field_abs_path(struct parser *p, json_t *o, const char *key, bool required, char **ret)
{
	return spec_field(p, o, key, required, spec_parse_abs_path, ret);
}

int spec_field_bool(struct parser *p, json_t *o, const char *key, bool *ret)
{
	return spec_field(p, o, key, false, spec_parse_bool, ret);
}

int spec_field_u32(struct parser *p, json_t *o, const char *key, bool required, uint32_t *ret)
{
	return spec_field(p, o, key, required, spec_parse_u32, ret);
}

int spec_field_u64(struct parser *p, json_t *o, const char *key, bool required, uint64_t *ret)
{
	return spec_field(p, o, key, required, spec_parse_uint64, ret);
}

int spec_field_i64(struct parser *p, json_t *o, const char *key, bool required, int64_t *ret)
{
	return spec_field(p, o, key, required, spec_parse_int64, ret);
}

int spec_field_limit(struct parser *p, json_t *o, const char *key, int64_t *ret)
{
	return spec_field(p, o, key, false, spec_parse_limit, ret);
}

int spec_array_each(struct parser *p, json_t *v, elem_fn fn, void *data)
{
	size_t i;
	json_t *e;

	if (!json_is_array(v))
		return spec_fail(p, "expected an array");
	json_array_foreach(v, i, e)
	{
		size_t saved = spec_push_index(p, i);
		int r = fn(p, e, i, data);

		spec_pop(p, saved);
		if (r < 0)
			return r;
	}
	return 0;
}

/* A zeroed array for the elements of JSON array v (at least one slot, so that an empty
 * array is not mistaken for a failed allocation). */
int spec_alloc_array(struct parser *p, json_t *v, size_t size, void **ret, size_t *ret_n)
{
	size_t n;
	void *a;

	if (!json_is_array(v))
		return spec_fail(p, "expected an array");
	n = json_array_size(v);
	a = calloc(n > 0 ? n : 1, size);
	if (!a)
		return spec_oom(p);
	*ret = a;
	*ret_n = n;
	return 0;
}

/* Arrays of strings, each optionally checked. */
struct strv_ctx {
	char **l;
	int (*check)(struct parser *p, const char *s);
};

static int parse_strv_elem(struct parser *p, json_t *v, size_t i, void *data)
{
	struct strv_ctx *ctx = data;
	const char *s = NULL;
	int r;

	r = spec_to_string(p, v, &s);
	if (r < 0)
		return r;
	if (ctx->check) {
		r = ctx->check(p, s);
		if (r < 0)
			return r;
	}
	ctx->l[i] = strdup(s);
	return ctx->l[i] ? 0 : spec_oom(p);
}

static int parse_strv_checked(struct parser *p, json_t *v, char ***ret,
			      int (*check)(struct parser *p, const char *s))
{
	struct strv_ctx ctx = {.check = check};

	if (!json_is_array(v))
		return spec_fail(p, "expected an array");
	/* Owned by *ret from here on, and NULL-terminated at every step. */
	ctx.l = calloc(json_array_size(v) + 1, sizeof(char *));
	if (!ctx.l)
		return spec_oom(p);
	strv_free(*ret);
	*ret = ctx.l;
	return spec_array_each(p, v, parse_strv_elem, &ctx);
}

int spec_parse_strv(struct parser *p, json_t *v, void *data)
{
	return parse_strv_checked(p, v, data, NULL);
}

int spec_parse_abs_path_strv(struct parser *p, json_t *v, void *data)
{
	return parse_strv_checked(p, v, data, spec_check_absolute);
}

/* Objects whose values are all strings (linux.sysctl, annotations). */
int spec_parse_string_map(struct parser *p, json_t *v, void *data)
{
	struct string_map *map = data;
	struct rt_sysctl *items;
	const char *key;
	json_t *val;
	size_t i = 0;
	int r;

	r = spec_expect_object(p, v);
	if (r < 0)
		return r;
	items = calloc(json_object_size(v) + 1, sizeof(*items));
	if (!items)
		return spec_oom(p);
	*map->items = items;
	*map->n = 0;
	json_object_foreach(v, key, val)
	{
		size_t saved = spec_push_map_key(p, key);
		const char *s = NULL;

		r = spec_to_string(p, val, &s);
		if (r >= 0) {
			items[i].key = strdup(key);
			items[i].value = strdup(s);
			*map->n = ++i;
			if (!items[i - 1].key || !items[i - 1].value)
				r = spec_oom(p);
		}
		spec_pop(p, saved);
		if (r < 0)
			return r;
	}
	return 0;
}

/* ---- process ----------------------------------------------------------------------- */

static int check_env(struct parser *p, const char *s)
{
	/* execve() takes anything, but an entry without a name cannot be looked up and is
	 * almost certainly a mistake (runc rejects it too). */
	const char *eq = strchr(s, '=');

	if (!eq || eq == s)
		return spec_fail(p, "expected \"NAME=VALUE\", got \"%s\"", s);
	return 0;
}

int spec_parse_env(struct parser *p, json_t *v, void *data)
{
	return parse_strv_checked(p, v, data, check_env);
}

static int parse_args(struct parser *p, json_t *v, void *data)
{
	int r = spec_parse_strv(p, v, data);

	if (r < 0)
		return r;
	/* Required on Linux: args[0] is what gets executed. */
	if (json_array_size(v) == 0)
		return spec_fail(p, "expected a non-empty array");
	return 0;
}

static int parse_console_size(struct parser *p, json_t *v, void *data)
{
	struct rt_process *pr = data;
	uint32_t h = 0, w = 0;
	int r;

	r = spec_expect_object(p, v);
	if (r < 0)
		return r;
	r = spec_field_u32(p, v, "height", true, &h);
	if (r < 0)
		return r;
	r = spec_field_u32(p, v, "width", true, &w);
	if (r < 0)
		return r;
	pr->console_height = h;
	pr->console_width = w;
	return 0;
}

static int parse_gid_elem(struct parser *p, json_t *v, size_t i, void *data)
{
	struct rt_process *pr = data;
	uint32_t g = 0;
	int r;

	r = spec_parse_u32(p, v, &g);
	if (r < 0)
		return r;
	pr->additional_gids[i] = (gid_t)g;
	return 0;
}

static int parse_additional_gids(struct parser *p, json_t *v, void *data)
{
	struct rt_process *pr = data;
	void *a = NULL;
	int r;

	r = spec_alloc_array(p, v, sizeof(gid_t), &a, &pr->n_additional_gids);
	if (r < 0)
		return r;
	pr->additional_gids = a;
	return spec_array_each(p, v, parse_gid_elem, pr);
}

static int parse_umask(struct parser *p, json_t *v, void *data)
{
	int *ret = data;
	uint32_t u = 0;
	int r;

	r = spec_parse_u32(p, v, &u);
	if (r < 0)
		return r;
	/* uint32 in the spec; umask(2) itself keeps only the permission bits. */
	*ret = (int)(u & 0777);
	return 0;
}

static int parse_user(struct parser *p, json_t *v, void *data)
{
	struct rt_process *pr = data;
	int r;

	r = spec_expect_object(p, v);
	if (r < 0)
		return r;
	r = spec_field_u32(p, v, "uid", false, &pr->uid);
	if (r < 0)
		return r;
	r = spec_field_u32(p, v, "gid", false, &pr->gid);
	if (r < 0)
		return r;
	r = spec_field(p, v, "umask", false, parse_umask, &pr->umask);
	if (r < 0)
		return r;
	return spec_field(p, v, "additionalGids", false, parse_additional_gids, pr);
}

static const char *const cap_set_names[_RT_CAP_SET_MAX] = {
    [RT_CAP_BOUNDING] = "bounding",	  [RT_CAP_EFFECTIVE] = "effective",
    [RT_CAP_INHERITABLE] = "inheritable", [RT_CAP_PERMITTED] = "permitted",
    [RT_CAP_AMBIENT] = "ambient",
};

static int parse_cap_elem(struct parser *p, json_t *v, size_t i, void *data)
{
	uint64_t *mask = data;
	const char *name = NULL;
	int cap, r;

	r = spec_to_string(p, v, &name);
	if (r < 0)
		return r;
	cap = rt_cap_from_name(name);
	if (cap < 0)
		return spec_fail(p, "unknown capability \"%s\"", name);
	*mask |= UINT64_C(1) << cap;
	return 0;
}

static int parse_cap_set(struct parser *p, json_t *v, void *data)
{
	return spec_array_each(p, v, parse_cap_elem, data);
}

static int parse_capabilities(struct parser *p, json_t *v, void *data)
{
	uint64_t *caps = data;
	int r;

	r = spec_expect_object(p, v);
	if (r < 0)
		return r;
	for (size_t i = 0; i < _RT_CAP_SET_MAX; i++) {
		r = spec_field(p, v, cap_set_names[i], false, parse_cap_set, &caps[i]);
		if (r < 0)
			return r;
	}
	return 0;
}

static int parse_rlimit_elem(struct parser *p, json_t *v, size_t i, void *data)
{
	struct rt_process *pr = data;
	struct rt_rlimit *rl = &pr->rlimits[i];
	const char *type = NULL;
	json_t *t;
	size_t saved;
	int r;

	r = spec_expect_object(p, v);
	if (r < 0)
		return r;

	t = spec_member(v, "type");
	saved = spec_push_key(p, "type");
	if (!t)
		r = spec_fail(p, "missing required property");
	else
		r = spec_to_string(p, t, &type);
	if (r >= 0) {
		rl->resource = rt_rlimit_from_name(type);
		if (rl->resource < 0)
			r = spec_fail(p, "unknown rlimit type \"%s\"", type);
	}
	/* "If rlimits contains duplicated entries with same type, the runtime MUST
	 * generate an error." */
	for (size_t j = 0; r >= 0 && j < i; j++)
		if (pr->rlimits[j].resource == rl->resource)
			r = spec_fail(p, "duplicate rlimit type \"%s\"", type);
	spec_pop(p, saved);
	if (r < 0)
		return r;

	r = spec_field_u64(p, v, "soft", true, &rl->soft);
	if (r < 0)
		return r;
	r = spec_field_u64(p, v, "hard", true, &rl->hard);
	if (r < 0)
		return r;
	/* setrlimit() would fail with EINVAL much later, inside the container. */
	if (rl->soft > rl->hard)
		return spec_fail(p, "soft limit %" PRIu64 " is greater than hard limit %" PRIu64,
				 rl->soft, rl->hard);
	return 0;
}

static int parse_rlimits(struct parser *p, json_t *v, void *data)
{
	struct rt_process *pr = data;
	void *a = NULL;
	int r;

	r = spec_alloc_array(p, v, sizeof(struct rt_rlimit), &a, &pr->n_rlimits);
	if (r < 0)
		return r;
	pr->rlimits = a;
	return spec_array_each(p, v, parse_rlimit_elem, pr);
}

static int parse_oom_score_adj(struct parser *p, json_t *v, void *data)
{
	struct rt_process *pr = data;
	int64_t i = 0;
	int r;

	/* The kernel's range for /proc/<pid>/oom_score_adj. */
	r = spec_to_int(p, v, -1000, 1000, &i);
	if (r < 0)
		return r;
	pr->oom_score_adj = (int)i;
	pr->has_oom_score_adj = true;
	return 0;
}

static int parse_process(struct parser *p, json_t *v, void *data)
{
	struct rt_process *pr = data;
	int r;

	r = spec_expect_object(p, v);
	if (r < 0)
		return r;
	if ((r = spec_field_bool(p, v, "terminal", &pr->terminal)) < 0 ||
	    (r = spec_field(p, v, "consoleSize", false, parse_console_size, pr)) < 0 ||
	    (r = spec_field(p, v, "user", false, parse_user, pr)) < 0 ||
	    (r = spec_field(p, v, "args", true, parse_args, &pr->args)) < 0 ||
	    (r = spec_field(p, v, "env", false, spec_parse_env, &pr->env)) < 0 ||
	    (r = spec_field_abs_path(p, v, "cwd", true, &pr->cwd)) < 0 ||
	    (r = spec_field(p, v, "capabilities", false, parse_capabilities, pr->caps)) < 0 ||
	    (r = spec_field(p, v, "rlimits", false, parse_rlimits, pr)) < 0 ||
	    (r = spec_field_bool(p, v, "noNewPrivileges", &pr->no_new_privileges)) < 0 ||
	    (r = spec_field(p, v, "oomScoreAdj", false, parse_oom_score_adj, pr)) < 0 ||
	    (r = spec_field_str(p, v, "apparmorProfile", false, &pr->apparmor_profile)) < 0 ||
	    (r = spec_field_str(p, v, "selinuxLabel", false, &pr->selinux_label)) < 0 ||
	    (r = spec_field(p, v, "ioPriority", false, spec_parse_io_priority, &pr->io_priority)) <
		0 ||
	    (r = spec_field(p, v, "scheduler", false, spec_parse_scheduler, &pr->scheduler)) < 0 ||
	    (r = spec_field(p, v, "execCPUAffinity", false, spec_parse_exec_cpu_affinity, pr)) < 0)
		return r;
	return 0;
}

/* ---- mounts ------------------------------------------------------------------------ */

/* Mount options that are MS_* flags, as runc translates them (libcontainer/specconv).
 * `clear` options remove the flag and record it in rt_mount.clear, so that a bind
 * remount can tell "rw" from "not mentioned". A later option overrides an earlier one. */
static const struct {
	const char *name;
	bool clear;
	unsigned long flag;
} mount_flags[] = {
    {"async", true, MS_SYNCHRONOUS},
    {"atime", true, MS_NOATIME},
    {"bind", false, MS_BIND},
    {"dev", true, MS_NODEV},
    {"diratime", true, MS_NODIRATIME},
    {"dirsync", false, MS_DIRSYNC},
    {"exec", true, MS_NOEXEC},
    {"iversion", false, MS_I_VERSION},
    {"lazytime", false, MS_LAZYTIME},
    {"loud", true, MS_SILENT},
    {"mand", false, MS_MANDLOCK},
    {"noatime", false, MS_NOATIME},
    {"nodev", false, MS_NODEV},
    {"nodiratime", false, MS_NODIRATIME},
    {"noexec", false, MS_NOEXEC},
    {"noiversion", true, MS_I_VERSION},
    {"nolazytime", true, MS_LAZYTIME},
    {"nomand", true, MS_MANDLOCK},
    {"norelatime", true, MS_RELATIME},
    {"nostrictatime", true, MS_STRICTATIME},
    {"nosuid", false, MS_NOSUID},
    {"nosymfollow", false, MS_NOSYMFOLLOW},
    {"rbind", false, MS_BIND | MS_REC},
    {"relatime", false, MS_RELATIME},
    {"remount", false, MS_REMOUNT},
    {"ro", false, MS_RDONLY},
    {"rw", true, MS_RDONLY},
    {"silent", false, MS_SILENT},
    {"strictatime", false, MS_STRICTATIME},
    {"suid", true, MS_NOSUID},
    {"symfollow", true, MS_NOSYMFOLLOW},
    {"sync", false, MS_SYNCHRONOUS},
};

/* Also linux.rootfsPropagation. */
static const struct {
	const char *name;
	unsigned long flag;
} propagation_flags[] = {
    {"private", MS_PRIVATE},	   {"rprivate", MS_PRIVATE | MS_REC},
    {"shared", MS_SHARED},	   {"rshared", MS_SHARED | MS_REC},
    {"slave", MS_SLAVE},	   {"rslave", MS_SLAVE | MS_REC},
    {"unbindable", MS_UNBINDABLE}, {"runbindable", MS_UNBINDABLE | MS_REC},
};

/* Recursive mount attributes (runtime-spec 1.1), applied with mount_setattr(2). */
static const struct {
	const char *name;
	bool clear;
	uint64_t attr;
} rec_attr_flags[] = {
    {"rro", false, MOUNT_ATTR_RDONLY},
    {"rrw", true, MOUNT_ATTR_RDONLY},
    {"rnosuid", false, MOUNT_ATTR_NOSUID},
    {"rsuid", true, MOUNT_ATTR_NOSUID},
    {"rnodev", false, MOUNT_ATTR_NODEV},
    {"rdev", true, MOUNT_ATTR_NODEV},
    {"rnoexec", false, MOUNT_ATTR_NOEXEC},
    {"rexec", true, MOUNT_ATTR_NOEXEC},
    {"rnodiratime", false, MOUNT_ATTR_NODIRATIME},
    {"rdiratime", true, MOUNT_ATTR_NODIRATIME},
    {"rrelatime", false, MOUNT_ATTR_RELATIME},
    {"rnorelatime", true, MOUNT_ATTR_RELATIME},
    {"rnoatime", false, MOUNT_ATTR_NOATIME},
    {"ratime", true, MOUNT_ATTR_NOATIME},
    {"rstrictatime", false, MOUNT_ATTR_STRICTATIME},
    {"rnostrictatime", true, MOUNT_ATTR_STRICTATIME},
    {"rnosymfollow", false, MOUNT_ATTR_NOSYMFOLLOW},
    {"rsymfollow", true, MOUNT_ATTR_NOSYMFOLLOW},
};

static int propagation_from_name(const char *name, unsigned long *ret)
{
	for (size_t i = 0; i < ELEMENTSOF(propagation_flags); i++)
		if (streq(propagation_flags[i].name, name)) {
			*ret = propagation_flags[i].flag;
			return 0;
		}
	return -EINVAL;
}

static int data_append(char **data, const char *opt)
{
	size_t l = *data ? strlen(*data) : 0, n = strlen(opt);
	char *d = realloc(*data, l + (l > 0) + n + 1);

	if (!d)
		return -ENOMEM;
	if (l > 0)
		d[l++] = ',';
	memcpy(d + l, opt, n + 1);
	*data = d;
	return 0;
}

static int mount_option_apply(struct rt_mount *m, const char *opt)
{
	for (size_t i = 0; i < ELEMENTSOF(mount_flags); i++)
		if (streq(mount_flags[i].name, opt)) {
			if (mount_flags[i].clear) {
				m->flags &= ~mount_flags[i].flag;
				m->clear |= mount_flags[i].flag;
			} else {
				m->flags |= mount_flags[i].flag;
				m->clear &= ~mount_flags[i].flag;
			}
			return 0;
		}
	/* runc applies each propagation option in turn, so the last one is what sticks
	 * (MS_SHARED|MS_PRIVATE in one mount(2) call would be EINVAL anyway). */
	if (propagation_from_name(opt, &m->propagation) >= 0)
		return 0;
	for (size_t i = 0; i < ELEMENTSOF(rec_attr_flags); i++)
		if (streq(rec_attr_flags[i].name, opt)) {
			uint64_t a = rec_attr_flags[i].attr;

			if (rec_attr_flags[i].clear) {
				m->rec_attr_clr |= a;
				m->rec_attr_set &= ~a;
			} else {
				m->rec_attr_set |= a;
				m->rec_attr_clr &= ~a;
				/* mount_setattr(2): an atime mode in attr_set needs
				 * MOUNT_ATTR__ATIME in attr_clr. */
				if ((a & MOUNT_ATTR__ATIME) == a)
					m->rec_attr_clr |= MOUNT_ATTR__ATIME;
			}
			return 0;
		}
	if (streq(opt, "idmap") || streq(opt, "ridmap")) {
		m->idmap = true;
		m->idmap_recursive = streq(opt, "ridmap");
		return 0;
	}
	/* "tmpcopyup" (copy the directory's original contents into a new tmpfs) is a runc
	 * extension; it is accepted and not implemented yet. */
	if (streq(opt, "tmpcopyup"))
		return 0;
	/* "defaults" means "no flags": runc passes it on as data, where filesystems such as
	 * tmpfs reject it. */
	if (streq(opt, "defaults"))
		return 0;
	/* Anything else is for the filesystem: "mode=755", "size=65536k", "newinstance", ... */
	return data_append(&m->data, opt);
}

static int parse_mount_option(struct parser *p, json_t *v, size_t i, void *data)
{
	const char *opt = NULL;
	int r;

	r = spec_to_string(p, v, &opt);
	if (r < 0)
		return r;
	r = mount_option_apply(data, opt);
	return r < 0 ? spec_oom(p) : 0;
}

static int parse_mount_options(struct parser *p, json_t *v, void *data)
{
	return spec_array_each(p, v, parse_mount_option, data);
}

struct idmaps {
	struct rt_idmap **maps;
	size_t *n;
};

static int parse_idmaps(struct parser *p, json_t *v, void *data);

/* mounts[].uidMappings/gidMappings (runtime-spec 1.2): an idmapped mount with mappings of its
 * own. As runc: both or neither, and they make the mount idmapped even without "idmap". */
static int parse_mount_idmaps(struct parser *p, json_t *v, struct rt_mount *m)
{
	struct idmaps uid = {&m->uid_mappings, &m->n_uid_mappings};
	struct idmaps gid = {&m->gid_mappings, &m->n_gid_mappings};
	int ru, rg;

	if ((ru = spec_field(p, v, "uidMappings", false, parse_idmaps, &uid)) < 0 ||
	    (rg = spec_field(p, v, "gidMappings", false, parse_idmaps, &gid)) < 0)
		return ru < 0 ? ru : rg;
	if ((m->n_uid_mappings > 0) != (m->n_gid_mappings > 0)) {
		size_t saved =
		    spec_push_key(p, m->n_uid_mappings > 0 ? "gidMappings" : "uidMappings");
		int r = spec_fail(p, "must be given together with %s",
				  m->n_uid_mappings > 0 ? "uidMappings" : "gidMappings");

		spec_pop(p, saved);
		return r;
	}
	if (m->n_uid_mappings > 0)
		m->idmap = true;
	return 0;
}

static int parse_mount_elem(struct parser *p, json_t *v, size_t i, void *data)
{
	struct rt_mount *m = (struct rt_mount *)data + i;
	int r;

	r = spec_expect_object(p, v);
	if (r < 0)
		return r;
	/* runc still accepts a relative destination (taken relative to "/") with a warning,
	 * for very old configs; the spec requires an absolute one and so do we. */
	if ((r = spec_field_abs_path(p, v, "destination", true, &m->destination)) < 0 ||
	    (r = spec_field_str(p, v, "source", false, &m->source)) < 0 ||
	    (r = spec_field_str(p, v, "type", false, &m->type)) < 0 ||
	    (r = spec_field(p, v, "options", false, parse_mount_options, m)) < 0 ||
	    (r = parse_mount_idmaps(p, v, m)) < 0)
		return r;
	if (m->type && streq(m->type, "bind"))
		m->flags |= MS_BIND;
	return 0;
}

static int parse_mounts(struct parser *p, json_t *v, void *data)
{
	struct rt_config *c = data;
	void *a = NULL;
	int r;

	r = spec_alloc_array(p, v, sizeof(struct rt_mount), &a, &c->n_mounts);
	if (r < 0)
		return r;
	c->mounts = a;
	return spec_array_each(p, v, parse_mount_elem, c->mounts);
}

/* ---- linux ------------------------------------------------------------------------- */

static int parse_namespace_elem(struct parser *p, json_t *v, size_t i, void *data)
{
	struct rt_config *c = data;
	enum rt_ns ns = _RT_NS_MAX;
	const char *type = NULL;
	json_t *t;
	size_t saved;
	int r;

	r = spec_expect_object(p, v);
	if (r < 0)
		return r;
	t = spec_member(v, "type");
	saved = spec_push_key(p, "type");
	if (!t)
		r = spec_fail(p, "missing required property");
	else
		r = spec_to_string(p, t, &type);
	if (r >= 0) {
		for (ns = 0; ns < _RT_NS_MAX; ns++)
			if (streq(rt_ns_name(ns), type))
				break;
		if (ns == _RT_NS_MAX)
			r = spec_fail(p, "unknown namespace type \"%s\"", type);
		else if (c->namespaces[ns].enabled)
			/* "If a namespace type is specified more than once, the runtime MUST
			 * generate an error." */
			r = spec_fail(p, "duplicate namespace type \"%s\"", type);
	}
	spec_pop(p, saved);
	if (r < 0)
		return r;
	c->namespaces[ns].enabled = true;
	r = spec_field_abs_path(p, v, "path", false, &c->namespaces[ns].path);
	return r < 0 ? r : 0;
}

static int parse_namespaces(struct parser *p, json_t *v, void *data)
{
	return spec_array_each(p, v, parse_namespace_elem, data);
}

static int parse_idmap_elem(struct parser *p, json_t *v, size_t i, void *data)
{
	struct rt_idmap *m = (struct rt_idmap *)data + i;
	int r;

	r = spec_expect_object(p, v);
	if (r < 0)
		return r;
	if ((r = spec_field_u32(p, v, "containerID", true, &m->container_id)) < 0 ||
	    (r = spec_field_u32(p, v, "hostID", true, &m->host_id)) < 0 ||
	    (r = spec_field_u32(p, v, "size", true, &m->size)) < 0)
		return r;
	if (m->size == 0) {
		size_t saved = spec_push_key(p, "size");

		r = spec_fail(p, "expected a positive integer, got 0");
		spec_pop(p, saved);
		return r;
	}
	return 0;
}

static int parse_idmaps(struct parser *p, json_t *v, void *data)
{
	struct idmaps *m = data;
	void *a = NULL;
	int r;

	r = spec_alloc_array(p, v, sizeof(struct rt_idmap), &a, m->n);
	if (r < 0)
		return r;
	*m->maps = a;
	return spec_array_each(p, v, parse_idmap_elem, *m->maps);
}

static int parse_device_type(struct parser *p, json_t *v, void *data)
{
	char *ret = data;
	const char *s = NULL;
	int r;

	r = spec_to_string(p, v, &s);
	if (r < 0)
		return r;
	if (!streq(s, "c") && !streq(s, "b") && !streq(s, "u") && !streq(s, "p"))
		return spec_fail(p, "expected \"c\", \"b\", \"u\" or \"p\", got \"%s\"", s);
	*ret = s[0];
	return 0;
}

static int parse_device_number(struct parser *p, json_t *v, void *data)
{
	return spec_to_int(p, v, 0, INT64_MAX, data);
}

static int parse_device_elem(struct parser *p, json_t *v, size_t i, void *data)
{
	struct rt_device *d = (struct rt_device *)data + i;
	uint32_t mode = 0, id = 0;
	int r;

	r = spec_expect_object(p, v);
	if (r < 0)
		return r;
	if ((r = spec_field_abs_path(p, v, "path", true, &d->path)) < 0 ||
	    (r = spec_field(p, v, "type", true, parse_device_type, &d->type)) < 0)
		return r;
	/* A FIFO has no device number; everything else must say which device it is. */
	if ((r = spec_field(p, v, "major", d->type != 'p', parse_device_number, &d->major)) < 0 ||
	    (r = spec_field(p, v, "minor", d->type != 'p', parse_device_number, &d->minor)) < 0)
		return r;
	r = spec_field_u32(p, v, "fileMode", false, &mode);
	if (r < 0)
		return r;
	/* Type bits are implied by "type"; keep the permission bits only, as runc does. */
	d->mode = (mode_t)(mode & 07777);
	r = spec_field_u32(p, v, "uid", false, &id);
	if (r < 0)
		return r;
	if (r > 0) {
		d->has_uid = true;
		d->uid = (uid_t)id;
	}
	r = spec_field_u32(p, v, "gid", false, &id);
	if (r < 0)
		return r;
	if (r > 0) {
		d->has_gid = true;
		d->gid = (gid_t)id;
	}
	return 0;
}

static int parse_devices(struct parser *p, json_t *v, void *data)
{
	struct rt_config *c = data;
	void *a = NULL;
	int r;

	r = spec_alloc_array(p, v, sizeof(struct rt_device), &a, &c->n_devices);
	if (r < 0)
		return r;
	c->devices = a;
	return spec_array_each(p, v, parse_device_elem, c->devices);
}

static int parse_rootfs_propagation(struct parser *p, json_t *v, void *data)
{
	unsigned long *ret = data;
	const char *s = NULL;
	int r;

	r = spec_to_string(p, v, &s);
	if (r < 0)
		return r;
	if (s[0] == '\0') {
		*ret = 0;
		return 0;
	}
	if (propagation_from_name(s, ret) < 0)
		return spec_fail(p, "unknown propagation \"%s\"", s);
	return 0;
}

struct time_offset {
	int64_t *secs;
	uint32_t *nsecs;
};

static int parse_time_offset(struct parser *p, json_t *v, void *data)
{
	struct time_offset *t = data;
	uint64_t ns = 0;
	int r;

	r = spec_expect_object(p, v);
	if (r < 0)
		return r;
	r = spec_field_i64(p, v, "secs", false, t->secs);
	if (r < 0)
		return r;
	r = spec_field(p, v, "nanosecs", false, spec_parse_uint64, &ns);
	if (r < 0)
		return r;
	if (ns >= 1000000000) {
		size_t saved = spec_push_key(p, "nanosecs");

		r = spec_fail(p, "%" PRIu64 " is out of range (0 to 999999999)", ns);
		spec_pop(p, saved);
		return r;
	}
	*t->nsecs = (uint32_t)ns;
	return 0;
}

static int parse_time_offsets(struct parser *p, json_t *v, void *data)
{
	struct rt_config *c = data;
	const char *key;
	json_t *val;
	int r;

	r = spec_expect_object(p, v);
	if (r < 0)
		return r;
	json_object_foreach(v, key, val)
	{
		struct time_offset t;

		/* Only these two clocks can be offset (time_namespaces(7)). */
		if (streq(key, "boottime"))
			t = (struct time_offset){&c->boottime_secs, &c->boottime_nsecs};
		else if (streq(key, "monotonic"))
			t = (struct time_offset){&c->monotonic_secs, &c->monotonic_nsecs};
		else {
			size_t saved = spec_push_key(p, key);

			r = spec_fail(p, "unknown clock \"%s\"", key);
			spec_pop(p, saved);
			return r;
		}
		r = spec_field(p, v, key, false, parse_time_offset, &t);
		if (r < 0)
			return r;
	}
	c->has_time_offsets = true;
	return 0;
}

/* The namespace a sysctl belongs to, as the kernel namespaces them (and runc checks):
 * IPC for the SysV IPC and mqueue knobs, network for net.*, UTS for the names. Anything
 * else is global: _RT_NS_MAX. */
static enum rt_ns sysctl_namespace(const char *key)
{
	static const char *const ipc[] = {"kernel.msgmax", "kernel.msgmnb", "kernel.msgmni",
					  "kernel.sem",	   "kernel.shmall", "kernel.shmmax",
					  "kernel.shmmni", "kernel.shm_rmid_forced"};

	for (size_t i = 0; i < ELEMENTSOF(ipc); i++)
		if (streq(key, ipc[i]))
			return RT_NS_IPC;
	if (startswith(key, "fs.mqueue."))
		return RT_NS_IPC;
	if (startswith(key, "net."))
		return RT_NS_NET;
	if (streq(key, "kernel.hostname") || streq(key, "kernel.domainname"))
		return RT_NS_UTS;
	return _RT_NS_MAX;
}

/* A sysctl is written from inside the container: without a namespace of its own it
 * would change the host's value. Refused, as runc does. */
static int check_sysctls(struct parser *p, const struct rt_config *c)
{
	for (size_t i = 0; i < c->n_sysctl; i++) {
		const char *key = c->sysctl[i].key;
		enum rt_ns ns = sysctl_namespace(key);

		if (ns == _RT_NS_MAX)
			return spec_fail_at(p, "sysctl",
					    "'%s' is not namespaced: setting it would change the "
					    "host's value",
					    key);
		if (!c->namespaces[ns].enabled)
			return spec_fail_at(p, "sysctl",
					    "'%s' needs the container's own %s namespace "
					    "(linux.namespaces has none): it would change the "
					    "host's value",
					    key, rt_ns_name(ns));
		/* the config has fields for these; kernel.domainname is taken as well (crun
		 * does) unless it contradicts the field */
		if (streq(key, "kernel.hostname"))
			return spec_fail_at(p, "sysctl",
					    "'%s': set the hostname with the config's \"hostname\" "
					    "instead",
					    key);
		if (streq(key, "kernel.domainname") && c->domainname &&
		    !streq(c->domainname, c->sysctl[i].value))
			return spec_fail_at(p, "sysctl",
					    "'%s' is '%s' but \"domainname\" is '%s': set one of them",
					    key, c->sysctl[i].value, c->domainname);
	}
	return 0;
}

static int parse_linux(struct parser *p, json_t *v, void *data)
{
	struct rt_config *c = data;
	struct idmaps uid = {&c->uid_mappings, &c->n_uid_mappings};
	struct idmaps gid = {&c->gid_mappings, &c->n_gid_mappings};
	struct string_map sysctl = {&c->sysctl, &c->n_sysctl};
	int r;

	r = spec_expect_object(p, v);
	if (r < 0)
		return r;
	/* memoryPolicy and netDevices are not parsed yet. */
	if ((r = spec_field(p, v, "namespaces", false, parse_namespaces, c)) < 0 ||
	    (r = spec_field(p, v, "uidMappings", false, parse_idmaps, &uid)) < 0 ||
	    (r = spec_field(p, v, "gidMappings", false, parse_idmaps, &gid)) < 0 ||
	    (r = spec_field_str(p, v, "cgroupsPath", false, &c->cgroups_path)) < 0 ||
	    (r = spec_field(p, v, "resources", false, spec_parse_resources, &c->resources)) < 0 ||
	    (r = spec_field(p, v, "devices", false, parse_devices, c)) < 0 ||
	    (r = spec_field(p, v, "maskedPaths", false, spec_parse_abs_path_strv,
			    &c->masked_paths)) < 0 ||
	    (r = spec_field(p, v, "readonlyPaths", false, spec_parse_abs_path_strv,
			    &c->readonly_paths)) < 0 ||
	    (r = spec_field(p, v, "rootfsPropagation", false, parse_rootfs_propagation,
			    &c->rootfs_propagation)) < 0 ||
	    (r = spec_field(p, v, "sysctl", false, spec_parse_string_map, &sysctl)) < 0 ||
	    (r = spec_field(p, v, "timeOffsets", false, parse_time_offsets, c)) < 0 ||
	    (r = spec_field_str(p, v, "mountLabel", false, &c->mount_label)) < 0 ||
	    (r = spec_field(p, v, "seccomp", false, spec_parse_seccomp, c)) < 0 ||
	    (r = spec_field(p, v, "personality", false, spec_parse_personality, c)) < 0 ||
	    (r = spec_field(p, v, "intelRdt", false, spec_parse_intel_rdt, c)) < 0)
		return r;
	return check_sysctls(p, c);
}

/* ---- the whole file ---------------------------------------------------------------- */

static int parse_root(struct parser *p, json_t *v, void *data)
{
	struct rt_config *c = data;
	int r;

	r = spec_expect_object(p, v);
	if (r < 0)
		return r;
	if ((r = spec_field(p, v, "path", true, spec_parse_nonempty_str, &c->root_path)) < 0 ||
	    (r = spec_field_bool(p, v, "readonly", &c->root_readonly)) < 0)
		return r;
	return 0;
}

static int parse_config(struct parser *p, json_t *v, struct rt_config *c)
{
	struct string_map annotations = {&c->annotations, &c->n_annotations};
	int r;

	r = spec_expect_object(p, v);
	if (r < 0)
		return r;
	if ((r = spec_field_str(p, v, "ociVersion", true, &c->oci_version)) < 0 ||
	    (r = spec_field(p, v, "root", true, parse_root, c)) < 0 ||
	    (r = spec_field(p, v, "process", false, parse_process, &c->process)) < 0)
		return r;
	c->has_process = r > 0;
	if ((r = spec_field(p, v, "hooks", false, spec_parse_hooks, c)) < 0 ||
	    (r = spec_field_str(p, v, "hostname", false, &c->hostname)) < 0 ||
	    (r = spec_field_str(p, v, "domainname", false, &c->domainname)) < 0 ||
	    (r = spec_field(p, v, "mounts", false, parse_mounts, c)) < 0 ||
	    (r = spec_field(p, v, "linux", false, parse_linux, c)) < 0 ||
	    (r = spec_field(p, v, "annotations", false, spec_parse_string_map, &annotations)) < 0)
		return r;
	for (size_t i = 0; i < c->n_annotations; i++)
		if (streq(c->annotations[i].key, "run.oci.keep_original_groups"))
			c->keep_original_groups = !streq(c->annotations[i].value, "0");
	return 0;
}

static struct rt_config *config_new(void)
{
	struct rt_config *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->process.umask = -1;
	c->resources.memory_limit = RT_UNSET;
	c->resources.memory_reservation = RT_UNSET;
	c->resources.memory_swap = RT_UNSET;
	c->resources.memory_swappiness = RT_UNSET;
	c->resources.cpu_quota = RT_UNSET;
	c->resources.pids_limit = RT_UNSET;
	return c;
}

static void string_map_free(struct rt_sysctl *items, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(items[i].key);
		free(items[i].value);
	}
	free(items);
}

struct rt_config *rt_config_free(struct rt_config *c)
{
	if (!c)
		return NULL;
	free(c->oci_version);
	free(c->root_path);
	free(c->process.additional_gids);
	strv_free(c->process.args);
	strv_free(c->process.env);
	free(c->process.cwd);
	free(c->process.rlimits);
	free(c->process.apparmor_profile);
	free(c->process.selinux_label);
	free(c->hostname);
	free(c->domainname);
	for (size_t i = 0; i < c->n_mounts; i++) {
		free(c->mounts[i].destination);
		free(c->mounts[i].source);
		free(c->mounts[i].type);
		free(c->mounts[i].data);
		free(c->mounts[i].uid_mappings);
		free(c->mounts[i].gid_mappings);
	}
	free(c->mounts);
	for (size_t i = 0; i < _RT_NS_MAX; i++)
		free(c->namespaces[i].path);
	free(c->uid_mappings);
	free(c->gid_mappings);
	free(c->cgroups_path);
	spec_resources_free(&c->resources);
	for (size_t i = 0; i < c->n_devices; i++)
		free(c->devices[i].path);
	free(c->devices);
	strv_free(c->masked_paths);
	strv_free(c->readonly_paths);
	string_map_free(c->sysctl, c->n_sysctl);
	free(c->mount_label);
	string_map_free(c->annotations, c->n_annotations);
	spec_linux_free(c);
	free(c);
	return NULL;
}


int rt_config_parse(const char *json, size_t len, const char *name, struct rt_config **ret,
		    struct berth_error **err)
{
	_cleanup_(json_decrefp) json_t *root = NULL;
	_cleanup_(rt_config_freep) struct rt_config *c = NULL;
	struct parser p = {.name = name ? name : "config.json", .err = err};
	json_error_t jerr;
	int r;

	/* No flags: duplicate keys are legal JSON (the last one wins) and trailing garbage
	 * after the top-level value is an error. Strings with "\u0000" are refused, so every
	 * string can be used as a C string. */
	root = json_loadb(json, len, 0, &jerr);
	if (!root)
		return berth_error_new(err, EINVAL, "%s:%d:%d: syntax error: %s", p.name, jerr.line,
				       jerr.column, jerr.text);
	c = config_new();
	if (!c)
		return spec_oom(&p);
	r = parse_config(&p, root, c);
	if (r < 0)
		return r;
	*ret = TAKE_PTR(c);
	return 0;
}

int rt_config_parse_fragment(const char *json, size_t len, const char *name, const char *where,
			     struct rt_config **ret, struct berth_error **err)
{
	_cleanup_(json_decrefp) json_t *root = NULL;
	_cleanup_(rt_config_freep) struct rt_config *c = NULL;
	struct parser p = {.name = name ? name : where, .err = err};
	json_error_t jerr;
	json_t *frag, *linux_;
	int r;

	frag = json_loadb(json, len, 0, &jerr);
	if (!frag)
		return berth_error_new(err, EINVAL, "%s:%d:%d: syntax error: %s", p.name, jerr.line,
				       jerr.column, jerr.text);
	/* A minimal config around the fragment, so it is checked by the same code (and its
	 * errors name the same paths) as in a whole config.json. */
	root = json_pack("{s:s, s:{s:s}}", "ociVersion", "1.2.0", "root", "path", "rootfs");
	if (!root) {
		json_decref(frag);
		return spec_oom(&p);
	}
	if (streq(where, "process")) {
		json_object_set_new(root, "process", frag);
	} else if (streq(where, "linux.resources")) {
		linux_ = json_object();
		json_object_set_new(linux_, "resources", frag);
		json_object_set_new(root, "linux", linux_);
	} else {
		json_decref(frag);
		return berth_error_new(err, EINVAL, "unknown config fragment '%s'", where);
	}
	c = config_new();
	if (!c)
		return spec_oom(&p);
	r = parse_config(&p, root, c);
	if (r < 0)
		return r;
	*ret = TAKE_PTR(c);
	return 0;
}

int rt_config_load(const char *bundle, const char *config, struct rt_config **ret,
		   struct berth_error **err)
{
	_cleanup_free_ char *path = NULL, *buf = NULL;
	size_t size;
	int r;

	if (!config || !*config)
		config = "config.json";
	path = path_under(bundle, config);
	if (!path)
		return berth_error_set(err, ENOMEM, "load config of '%s'", bundle);
	r = read_full_file(path, &buf, &size);
	if (r < 0)
		return berth_error_set(err, -r, "open '%s'", path);
	return rt_config_parse(buf, size, path, ret, err);
}

/* ---- rt_config_default_json -------------------------------------------------------- */

static json_t *json_strv(const char *const *l)
{
	json_t *a = json_array();

	for (size_t i = 0; a && l[i]; i++)
		if (json_array_append_new(a, json_string(l[i])) < 0) {
			json_decref(a);
			return NULL;
		}
	return a;
}

static json_t *default_caps(void)
{
	static const char *const caps[] = {"CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE",
					   NULL};
	return json_strv(caps);
}

struct default_mount {
	const char *destination, *type, *source;
	const char *options[8];
};

/* runc's specconv.Example(). */
static const struct default_mount default_mounts[] = {
    {"/proc", "proc", "proc", {NULL}},
    {"/dev", "tmpfs", "tmpfs", {"nosuid", "strictatime", "mode=755", "size=65536k", NULL}},
    {"/dev/pts",
     "devpts",
     "devpts",
     {"nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5", NULL}},
    {"/dev/shm", "tmpfs", "shm", {"nosuid", "noexec", "nodev", "mode=1777", "size=65536k", NULL}},
    {"/dev/mqueue", "mqueue", "mqueue", {"nosuid", "noexec", "nodev", NULL}},
    {"/sys", "sysfs", "sysfs", {"nosuid", "noexec", "nodev", "ro", NULL}},
    {"/sys/fs/cgroup", "cgroup", "cgroup", {"nosuid", "noexec", "nodev", "relatime", "ro", NULL}},
};

/* Without a network namespace of its own a rootless container cannot mount sysfs: bind
 * the host's instead, as `runc spec --rootless` does. */
static const struct default_mount rootless_sys = {
    "/sys", "none", "/sys", {"rbind", "nosuid", "noexec", "nodev", "ro", NULL}};

static json_t *mount_json(const struct default_mount *m, bool rootless)
{
	json_t *o, *opts;

	o = json_pack("{s:s, s:s, s:s}", "destination", m->destination, "type", m->type, "source",
		      m->source);
	if (!o || !m->options[0])
		return o;
	opts = json_array();
	for (size_t i = 0; opts && m->options[i]; i++) {
		/* uid= and gid= name ids that do not exist in a one-id user namespace. */
		if (rootless &&
		    (startswith(m->options[i], "uid=") || startswith(m->options[i], "gid=")))
			continue;
		if (json_array_append_new(opts, json_string(m->options[i])) < 0) {
			json_decref(opts);
			opts = NULL;
		}
	}
	if (json_object_set_new(o, "options", opts) < 0) {
		json_decref(o);
		return NULL;
	}
	return o;
}

static json_t *default_mounts_json(bool rootless)
{
	json_t *a = json_array();

	for (size_t i = 0; a && i < ELEMENTSOF(default_mounts); i++) {
		const struct default_mount *m = &default_mounts[i];

		if (rootless && streq(m->destination, "/sys"))
			m = &rootless_sys;
		if (json_array_append_new(a, mount_json(m, rootless)) < 0) {
			json_decref(a);
			return NULL;
		}
	}
	return a;
}

static json_t *idmap_json(unsigned id)
{
	return json_pack("[{s:i, s:I, s:i}]", "containerID", 0, "hostID", (json_int_t)id, "size",
			 1);
}

static json_t *default_linux_json(bool rootless, bool cgroupns)
{
	static const char *const masked[] = {
	    "/proc/acpi",
	    "/proc/asound",
	    "/proc/kcore",
	    "/proc/keys",
	    "/proc/latency_stats",
	    "/proc/timer_list",
	    "/proc/timer_stats",
	    "/proc/sched_debug",
	    "/sys/firmware",
	    "/proc/scsi",
	    NULL,
	};
	static const char *const readonly[] = {
	    "/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger", NULL,
	};
	static const char *const ns[] = {"pid", "network", "ipc", "uts", "mount", NULL};
	_cleanup_(json_decrefp) json_t *linux_ = json_object();
	json_t *nss;

	if (!linux_)
		return NULL;
	if (rootless) {
		if (json_object_set_new(linux_, "uidMappings", idmap_json(geteuid())) < 0 ||
		    json_object_set_new(linux_, "gidMappings", idmap_json(getegid())) < 0)
			return NULL;
	} else {
		/* Rootless containers cannot manage cgroups by default: no resources. */
		if (json_object_set_new(
			linux_, "resources",
			json_pack("{s:[{s:b, s:s}]}", "devices", "allow", 0, "access", "rwm")) < 0)
			return NULL;
	}
	nss = json_array();
	for (size_t i = 0; nss && ns[i]; i++) {
		if (rootless && streq(ns[i], "network"))
			continue;
		if (json_array_append_new(nss, json_pack("{s:s}", "type", ns[i])) < 0) {
			json_decref(nss);
			nss = NULL;
		}
	}
	/* A cgroup namespace only where cgroup2 is the whole hierarchy, as runc's spec does:
	 * with v1 controllers, tools inside and outside expect the host's cgroup paths. */
	if (cgroupns && nss && json_array_append_new(nss, json_pack("{s:s}", "type", "cgroup")) < 0) {
		json_decref(nss);
		nss = NULL;
	}
	if (rootless && nss && json_array_append_new(nss, json_pack("{s:s}", "type", "user")) < 0) {
		json_decref(nss);
		nss = NULL;
	}
	if (json_object_set_new(linux_, "namespaces", nss) < 0 ||
	    json_object_set_new(linux_, "maskedPaths", json_strv(masked)) < 0 ||
	    json_object_set_new(linux_, "readonlyPaths", json_strv(readonly)) < 0)
		return NULL;
	return TAKE_PTR(linux_);
}

bool rt_host_cgroup2_unified(void)
{
	struct statfs fs;

	return statfs("/sys/fs/cgroup", &fs) == 0 && fs.f_type == CGROUP2_SUPER_MAGIC;
}

char *rt_config_default_json(bool rootless)
{
	static const char *const env[] = {
	    "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "TERM=xterm",
	    NULL};
	_cleanup_(json_decrefp) json_t *root = NULL;
	_cleanup_free_ char *s = NULL;

	/* Key order follows runc's output (the Go struct order of runtime-spec). The
	 * inheritable and ambient sets are left out: with them, an unprivileged program
	 * could regain capabilities across execve (CVE-2022-29162). json_pack steals the
	 * "o" references, also when it fails. */
	/* clang-format off */
	root = json_pack("{s:s, s:{s:b, s:{s:i, s:i}, s:[s], s:o, s:s, s:{s:o, s:o, s:o},"
			 " s:[{s:s, s:i, s:i}], s:b},"
			 " s:{s:s, s:b}, s:s, s:o, s:o}",
			 "ociVersion", OCI_VERSION,
			 "process",
				"terminal", 1,
				"user", "uid", 0, "gid", 0,
				"args", "sh",
				"env", json_strv(env),
				"cwd", "/",
				"capabilities",
					"bounding", default_caps(),
					"effective", default_caps(),
					"permitted", default_caps(),
				"rlimits", "type", "RLIMIT_NOFILE", "hard", 1024, "soft", 1024,
				"noNewPrivileges", 1,
			 "root", "path", "rootfs", "readonly", 1,
			 "hostname", "berth",
			 "mounts", default_mounts_json(rootless),
			 "linux", default_linux_json(rootless, rt_host_cgroup2_unified()));
	/* clang-format on */
	if (!root)
		return NULL;
	s = json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	if (!s)
		return NULL;
	return xasprintf("%s\n", s);
}
