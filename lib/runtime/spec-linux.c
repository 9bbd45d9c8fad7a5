/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * config.json, continued: the parts of runtime-spec 1.2 that spec.c hands over here.
 *
 *   hooks                               -> rt_config.hooks[kind]
 *   linux.seccomp                       -> struct rt_seccomp
 *   linux.personality, linux.intelRdt   -> rt_config.personality, .intel_rdt
 *   process.ioPriority, .scheduler,
 *   .execCPUAffinity                    -> struct rt_process
 *
 * (linux.resources is spec-resources.c.)
 *
 * The same rules as spec.c: every error names the JSON path, null is "absent", unknown
 * properties are ignored, and unknown values of enumerations (actions, operators,
 * architectures, flags, policies) are errors that name the value.
 */
#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "berth/error.h"
#include "berth/cleanup.h"
#include "config.h"
#include "sched.h"
#include "spec-internal.h"
#include "berth/util.h"

/* ---- names ------------------------------------------------------------------------ */

static const char *const hook_kind_names[_RT_HOOK_KIND_MAX] = {
    [RT_HOOK_PRESTART] = "prestart",
    [RT_HOOK_CREATE_RUNTIME] = "createRuntime",
    [RT_HOOK_CREATE_CONTAINER] = "createContainer",
    [RT_HOOK_START_CONTAINER] = "startContainer",
    [RT_HOOK_POSTSTART] = "poststart",
    [RT_HOOK_POSTSTOP] = "poststop",
};

static const char *const seccomp_action_names[_RT_SECCOMP_ACTION_MAX] = {
    [RT_SECCOMP_KILL] = "SCMP_ACT_KILL",
    [RT_SECCOMP_KILL_PROCESS] = "SCMP_ACT_KILL_PROCESS",
    [RT_SECCOMP_KILL_THREAD] = "SCMP_ACT_KILL_THREAD",
    [RT_SECCOMP_TRAP] = "SCMP_ACT_TRAP",
    [RT_SECCOMP_ERRNO] = "SCMP_ACT_ERRNO",
    [RT_SECCOMP_TRACE] = "SCMP_ACT_TRACE",
    [RT_SECCOMP_ALLOW] = "SCMP_ACT_ALLOW",
    [RT_SECCOMP_LOG] = "SCMP_ACT_LOG",
    [RT_SECCOMP_NOTIFY] = "SCMP_ACT_NOTIFY",
};

static const char *const seccomp_op_names[_RT_SECCOMP_OP_MAX] = {
    [RT_SECCOMP_OP_NE] = "SCMP_CMP_NE",
    [RT_SECCOMP_OP_LT] = "SCMP_CMP_LT",
    [RT_SECCOMP_OP_LE] = "SCMP_CMP_LE",
    [RT_SECCOMP_OP_EQ] = "SCMP_CMP_EQ",
    [RT_SECCOMP_OP_GE] = "SCMP_CMP_GE",
    [RT_SECCOMP_OP_GT] = "SCMP_CMP_GT",
    [RT_SECCOMP_OP_MASKED_EQ] = "SCMP_CMP_MASKED_EQ",
};

/* Every architecture runtime-spec 1.2 names. seccomp.c hands the lowercased rest after
 * "SCMP_ARCH_" to libseccomp, which may not know the newest ones (an error at build time). */
static const char *const seccomp_arch_names[] = {
    "SCMP_ARCH_X86",	 "SCMP_ARCH_X86_64",   "SCMP_ARCH_X32",		"SCMP_ARCH_ARM",
    "SCMP_ARCH_AARCH64", "SCMP_ARCH_MIPS",     "SCMP_ARCH_MIPS64",	"SCMP_ARCH_MIPS64N32",
    "SCMP_ARCH_MIPSEL",	 "SCMP_ARCH_MIPSEL64", "SCMP_ARCH_MIPSEL64N32", "SCMP_ARCH_PPC",
    "SCMP_ARCH_PPC64",	 "SCMP_ARCH_PPC64LE",  "SCMP_ARCH_S390",	"SCMP_ARCH_S390X",
    "SCMP_ARCH_PARISC",	 "SCMP_ARCH_PARISC64", "SCMP_ARCH_RISCV64",	"SCMP_ARCH_LOONGARCH64",
    "SCMP_ARCH_M68K",	 "SCMP_ARCH_SH",       "SCMP_ARCH_SHEB",
};

static const struct {
	const char *name;
	uint32_t flag;
} seccomp_flags[] = {
    {"SECCOMP_FILTER_FLAG_TSYNC", RT_SECCOMP_FLAG_TSYNC},
    {"SECCOMP_FILTER_FLAG_LOG", RT_SECCOMP_FLAG_LOG},
    {"SECCOMP_FILTER_FLAG_SPEC_ALLOW", RT_SECCOMP_FLAG_SPEC_ALLOW},
    {"SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV", RT_SECCOMP_FLAG_WAIT_KILLABLE_RECV},
};

/* personality(2) flags, by their <sys/personality.h> names. */
static const struct {
	const char *name;
	unsigned long flag;
} personality_flags[] = {
    {"UNAME26", 0x0020000},
    {"ADDR_NO_RANDOMIZE", 0x0040000},
    {"FDPIC_FUNCPTRS", 0x0080000},
    {"MMAP_PAGE_ZERO", 0x0100000},
    {"ADDR_COMPAT_LAYOUT", 0x0200000},
    {"READ_IMPLIES_EXEC", 0x0400000},
    {"ADDR_LIMIT_32BIT", 0x0800000},
    {"SHORT_INODE", 0x1000000},
    {"WHOLE_SECONDS", 0x2000000},
    {"STICKY_TIMEOUTS", 0x4000000},
    {"ADDR_LIMIT_3GB", 0x8000000},
};

static const struct {
	const char *name;
	uint64_t flag;
} sched_flags[] = {
    {"SCHED_FLAG_RESET_ON_FORK", 0x01},	 {"SCHED_FLAG_RECLAIM", 0x02},
    {"SCHED_FLAG_DL_OVERRUN", 0x04},	 {"SCHED_FLAG_KEEP_POLICY", 0x08},
    {"SCHED_FLAG_KEEP_PARAMS", 0x10},	 {"SCHED_FLAG_UTIL_CLAMP_MIN", 0x20},
    {"SCHED_FLAG_UTIL_CLAMP_MAX", 0x40},
};

const char *rt_hook_kind_name(enum rt_hook_kind k)
{
	return (unsigned)k < _RT_HOOK_KIND_MAX ? hook_kind_names[k] : NULL;
}

const char *rt_seccomp_action_name(enum rt_seccomp_action a)
{
	return (unsigned)a < _RT_SECCOMP_ACTION_MAX ? seccomp_action_names[a] : NULL;
}

const char *rt_seccomp_op_name(enum rt_seccomp_op op)
{
	return (unsigned)op < _RT_SECCOMP_OP_MAX ? seccomp_op_names[op] : NULL;
}

/* Index of s in a table of n names, or -1. */
static int lookup(const char *const *names, size_t n, const char *s)
{
	for (size_t i = 0; i < n; i++)
		if (names[i] && streq(names[i], s))
			return (int)i;
	return -1;
}

/* A string member `key` that must be one of `names`; *ret gets its index. `what` names the
 * kind of value in the message: unknown seccomp action "SCMP_ACT_FOO". */
static int field_enum(struct parser *p, json_t *o, const char *key, bool required,
		      const char *const *names, size_t n, const char *what, int *ret)
{
	json_t *v = spec_member(o, key);
	size_t saved = spec_push_key(p, key);
	const char *s = NULL;
	int r, i;

	if (!v) {
		r = required ? spec_fail(p, "missing required property") : 0;
		goto out;
	}
	r = spec_to_string(p, v, &s);
	if (r < 0)
		goto out;
	i = lookup(names, n, s);
	if (i < 0) {
		r = spec_fail(p, "unknown %s \"%s\"", what, s);
		goto out;
	}
	*ret = i;
	r = 1;
out:
	spec_pop(p, saved);
	return r;
}

/* ---- hooks ------------------------------------------------------------------------ */

static int parse_hook_timeout(struct parser *p, json_t *v, void *data)
{
	unsigned *ret = data;
	int64_t t = 0;
	int r;

	/* "If set, timeout MUST be greater than zero." */
	if (json_is_integer(v) && json_integer_value(v) <= 0)
		return spec_fail(p, "expected a positive number of seconds, got %lld",
				 (long long)json_integer_value(v));
	r = spec_to_int(p, v, 1, INT32_MAX, &t);
	if (r < 0)
		return r;
	*ret = (unsigned)t;
	return 0;
}

static int parse_hook_elem(struct parser *p, json_t *v, size_t i, void *data)
{
	struct rt_hook *h = (struct rt_hook *)data + i;
	int r;

	r = spec_expect_object(p, v);
	if (r < 0)
		return r;
	if ((r = spec_field_abs_path(p, v, "path", true, &h->path)) < 0 ||
	    (r = spec_field(p, v, "args", false, spec_parse_strv, &h->args)) < 0 ||
	    (r = spec_field(p, v, "env", false, spec_parse_env, &h->env)) < 0 ||
	    (r = spec_field(p, v, "timeout", false, parse_hook_timeout, &h->timeout)) < 0)
		return r;
	return 0;
}

struct hook_list {
	struct rt_hook **items;
	size_t *n;
};

static int parse_hook_list(struct parser *p, json_t *v, void *data)
{
	struct hook_list *l = data;
	void *a = NULL;
	int r;

	r = spec_alloc_array(p, v, sizeof(struct rt_hook), &a, l->n);
	if (r < 0)
		return r;
	*l->items = a;
	return spec_array_each(p, v, parse_hook_elem, a);
}

int spec_parse_hooks(struct parser *p, json_t *v, void *data)
{
	struct rt_config *c = data;
	int r;

	r = spec_expect_object(p, v);
	if (r < 0)
		return r;
	for (size_t k = 0; k < _RT_HOOK_KIND_MAX; k++) {
		struct hook_list l = {&c->hooks[k], &c->n_hooks[k]};

		r = spec_field(p, v, hook_kind_names[k], false, parse_hook_list, &l);
		if (r < 0)
			return r;
	}
	return 0;
}

/* ---- linux.seccomp ---------------------------------------------------------------- */

static bool action_takes_errno(enum rt_seccomp_action a)
{
	return a == RT_SECCOMP_ERRNO || a == RT_SECCOMP_TRACE;
}

/* errnoRet and defaultErrnoRet: uint in the spec; the kernel keeps 16 bits of it
 * (SECCOMP_RET_DATA). */
static int parse_errno_ret(struct parser *p, json_t *v, void *data)
{
	uint32_t *ret = data;
	int64_t e = 0;
	int r;

	r = spec_to_int(p, v, 0, 0xffff, &e);
	if (r < 0)
		return r;
	*ret = (uint32_t)e;
	return 0;
}

/* errnoRet given with an action that cannot return it: "the runtime MUST print an error
 * and fail". */
static int check_errno_ret(struct parser *p, const char *key, enum rt_seccomp_action a,
			   const char *action_key)
{
	return spec_fail_at(p, key,
			    "only valid with SCMP_ACT_ERRNO and SCMP_ACT_TRACE, not with %s %s",
			    action_key, seccomp_action_names[a]);
}

static int parse_seccomp_arch(struct parser *p, json_t *v, size_t i, void *data)
{
	const char *s = NULL;
	int r;

	r = spec_to_string(p, v, &s);
	if (r < 0)
		return r;
	if (lookup(seccomp_arch_names, ELEMENTSOF(seccomp_arch_names), s) < 0)
		return spec_fail(p, "unknown seccomp architecture \"%s\"", s);
	return 0;
}

static int parse_seccomp_archs(struct parser *p, json_t *v, void *data)
{
	int r = spec_array_each(p, v, parse_seccomp_arch, NULL);

	return r < 0 ? r : spec_parse_strv(p, v, data);
}

static int parse_seccomp_flag(struct parser *p, json_t *v, size_t i, void *data)
{
	uint32_t *flags = data;
	const char *s = NULL;
	int r;

	r = spec_to_string(p, v, &s);
	if (r < 0)
		return r;
	for (size_t k = 0; k < ELEMENTSOF(seccomp_flags); k++)
		if (streq(seccomp_flags[k].name, s)) {
			*flags |= seccomp_flags[k].flag;
			return 0;
		}
	return spec_fail(p, "unknown seccomp flag \"%s\"", s);
}

static int parse_seccomp_flags(struct parser *p, json_t *v, void *data)
{
	return spec_array_each(p, v, parse_seccomp_flag, data);
}

static int parse_seccomp_arg_elem(struct parser *p, json_t *v, size_t i, void *data)
{
	struct rt_seccomp_arg *a = (struct rt_seccomp_arg *)data + i;
	int64_t index = 0;
	int op = 0, r;
	size_t saved;
	json_t *iv;

	r = spec_expect_object(p, v);
	if (r < 0)
		return r;
	/* System calls have six arguments. */
	iv = spec_member(v, "index");
	saved = spec_push_key(p, "index");
	r = iv ? spec_to_int(p, iv, 0, 5, &index) : spec_fail(p, "missing required property");
	spec_pop(p, saved);
	if (r < 0)
		return r;
	a->index = (uint32_t)index;
	/* uint64 in the spec; jansson's integers stop at INT64_MAX, so larger values are
	 * refused by the JSON reader itself ("too big integer"). */
	if ((r = spec_field_u64(p, v, "value", true, &a->value)) < 0 ||
	    (r = spec_field_u64(p, v, "valueTwo", false, &a->value_two)) < 0)
		return r;
	r = field_enum(p, v, "op", true, seccomp_op_names, _RT_SECCOMP_OP_MAX, "seccomp operator",
		       &op);
	if (r < 0)
		return r;
	a->op = op;
	return 0;
}

static int parse_seccomp_args(struct parser *p, json_t *v, void *data)
{
	struct rt_seccomp_syscall *sc = data;
	void *a = NULL;
	int r;

	r = spec_alloc_array(p, v, sizeof(struct rt_seccomp_arg), &a, &sc->n_args);
	if (r < 0)
		return r;
	sc->args = a;
	return spec_array_each(p, v, parse_seccomp_arg_elem, a);
}

static int check_syscall_name(struct parser *p, json_t *v, size_t i, void *data)
{
	const char *s = NULL;
	int r;

	r = spec_to_string(p, v, &s);
	if (r < 0)
		return r;
	return s[0] ? 0 : spec_fail(p, "expected a non-empty string");
}

/* "names (array of strings, REQUIRED)": at least one. */
static int parse_syscall_names(struct parser *p, json_t *v, void *data)
{
	int r;

	r = spec_array_each(p, v, check_syscall_name, NULL);
	if (r < 0)
		return r;
	if (json_array_size(v) == 0)
		return spec_fail(p, "expected a non-empty array");
	return spec_parse_strv(p, v, data);
}

static int parse_seccomp_syscall_elem(struct parser *p, json_t *v, size_t i, void *data)
{
	struct rt_seccomp *s = data;
	struct rt_seccomp_syscall *sc = &s->syscalls[i];
	int action = 0, r;

	r = spec_expect_object(p, v);
	if (r < 0)
		return r;
	if ((r = spec_field(p, v, "names", true, parse_syscall_names, &sc->names)) < 0)
		return r;
	r = field_enum(p, v, "action", true, seccomp_action_names, _RT_SECCOMP_ACTION_MAX,
		       "seccomp action", &action);
	if (r < 0)
		return r;
	sc->action = action;
	r = spec_field(p, v, "errnoRet", false, parse_errno_ret, &sc->errno_ret);
	if (r < 0)
		return r;
	sc->has_errno_ret = r > 0;
	if (sc->has_errno_ret && !action_takes_errno(sc->action))
		return check_errno_ret(p, "errnoRet", sc->action, "action");
	r = spec_field(p, v, "args", false, parse_seccomp_args, sc);
	if (r < 0)
		return r;
	if (sc->action == RT_SECCOMP_NOTIFY) {
		s->uses_notify = true;
		/* The container process sends the listener fd to the runtime with sendmsg(2)
		 * after the filter is loaded (runc uses write(2)); a notification on either
		 * would wait for a listener that cannot have the fd yet. runc refuses "write"
		 * for the same reason. */
		for (size_t k = 0; sc->names[k]; k++)
			if (streq(sc->names[k], "write") || streq(sc->names[k], "sendmsg")) {
				size_t saved = spec_push_key(p, "names");
				size_t saved2 = spec_push_index(p, k);

				r = spec_fail(p,
					      "SCMP_ACT_NOTIFY cannot be used for the %s syscall",
					      sc->names[k]);
				spec_pop(p, saved2);
				spec_pop(p, saved);
				return r;
			}
	}
	return 0;
}

static int parse_seccomp_syscalls(struct parser *p, json_t *v, void *data)
{
	struct rt_seccomp *s = data;
	void *a = NULL;
	int r;

	r = spec_alloc_array(p, v, sizeof(struct rt_seccomp_syscall), &a, &s->n_syscalls);
	if (r < 0)
		return r;
	s->syscalls = a;
	return spec_array_each(p, v, parse_seccomp_syscall_elem, s);
}

int spec_parse_seccomp(struct parser *p, json_t *v, void *data)
{
	struct rt_config *c = data;
	struct rt_seccomp *s;
	int action = 0, r;

	r = spec_expect_object(p, v);
	if (r < 0)
		return r;
	s = calloc(1, sizeof(*s));
	if (!s)
		return spec_oom(p);
	c->seccomp = s; /* owned by c from here on */
	r = field_enum(p, v, "defaultAction", true, seccomp_action_names, _RT_SECCOMP_ACTION_MAX,
		       "seccomp action", &action);
	if (r < 0)
		return r;
	s->default_action = action;
	if (s->default_action == RT_SECCOMP_NOTIFY) {
		/* Every syscall of the runtime after the load would wait for a listener that
		 * does not have the fd yet (runc refuses it too). */
		return spec_fail_at(p, "defaultAction",
				    "SCMP_ACT_NOTIFY cannot be the default action");
	}
	r = spec_field(p, v, "defaultErrnoRet", false, parse_errno_ret, &s->default_errno_ret);
	if (r < 0)
		return r;
	s->has_default_errno_ret = r > 0;
	if (s->has_default_errno_ret && !action_takes_errno(s->default_action))
		return check_errno_ret(p, "defaultErrnoRet", s->default_action, "defaultAction");
	if ((r = spec_field(p, v, "architectures", false, parse_seccomp_archs, &s->architectures)) <
		0 ||
	    (r = spec_field(p, v, "flags", false, parse_seccomp_flags, &s->flags)) < 0 ||
	    (r = spec_field(p, v, "listenerPath", false, spec_parse_nonempty_str,
			    &s->listener_path)) < 0 ||
	    (r = spec_field_str(p, v, "listenerMetadata", false, &s->listener_metadata)) < 0 ||
	    (r = spec_field(p, v, "syscalls", false, parse_seccomp_syscalls, s)) < 0)
		return r;
	if (s->uses_notify && !s->listener_path)
		return spec_fail_at(p, "listenerPath", "missing, and a rule uses SCMP_ACT_NOTIFY");
	/* The kernel only waits killably for a listener that exists. */
	if ((s->flags & RT_SECCOMP_FLAG_WAIT_KILLABLE_RECV) && !s->uses_notify)
		return spec_fail_at(p, "flags",
				    "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV needs a rule with "
				    "SCMP_ACT_NOTIFY");
	return 0;
}

/* ---- linux.personality ------------------------------------------------------------ */

static int parse_personality_flag(struct parser *p, json_t *v, size_t i, void *data)
{
	unsigned long *flags = data;
	const char *s = NULL;
	int r;

	r = spec_to_string(p, v, &s);
	if (r < 0)
		return r;
	for (size_t k = 0; k < ELEMENTSOF(personality_flags); k++)
		if (streq(personality_flags[k].name, s)) {
			*flags |= personality_flags[k].flag;
			return 0;
		}
	return spec_fail(p, "unknown personality flag \"%s\"", s);
}

static int parse_personality_flags(struct parser *p, json_t *v, void *data)
{
	return spec_array_each(p, v, parse_personality_flag, data);
}

int spec_parse_personality(struct parser *p, json_t *v, void *data)
{
	static const char *const domains[] = {"LINUX", "LINUX32"};
	struct rt_config *c = data;
	int domain = 0, r;

	r = spec_expect_object(p, v);
	if (r < 0)
		return r;
	r = field_enum(p, v, "domain", true, domains, ELEMENTSOF(domains), "personality domain",
		       &domain);
	if (r < 0)
		return r;
	c->personality.domain = domain == 0 ? 0x0000 /* PER_LINUX */ : 0x0008 /* PER_LINUX32 */;
	/* The spec defines no flags yet; runc ignores them. The personality(2) names are
	 * taken, anything else is refused rather than ignored. */
	r = spec_field(p, v, "flags", false, parse_personality_flags, &c->personality.flags);
	if (r < 0)
		return r;
	c->personality.set = true;
	return 0;
}

/* ---- linux.intelRdt --------------------------------------------------------------- */

int spec_parse_intel_rdt(struct parser *p, json_t *v, void *data)
{
	struct rt_config *c = data;
	struct rt_intel_rdt *rdt;
	bool cmt = false, mbm = false;
	int r;

	r = spec_expect_object(p, v);
	if (r < 0)
		return r;
	rdt = calloc(1, sizeof(*rdt));
	if (!rdt)
		return spec_oom(p);
	c->intel_rdt = rdt;
	if ((r = spec_field_str(p, v, "closID", false, &rdt->clos_id)) < 0 ||
	    (r = spec_field_str(p, v, "l3CacheSchema", false, &rdt->l3_cache_schema)) < 0 ||
	    (r = spec_field_str(p, v, "memBwSchema", false, &rdt->mem_bw_schema)) < 0 ||
	    (r = spec_field(p, v, "schemata", false, spec_parse_strv, &rdt->schemata)) < 0 ||
	    (r = spec_field_bool(p, v, "enableMonitoring", &rdt->enable_monitoring)) < 0 ||
	    /* the 1.1 names of monitoring */
	    (r = spec_field_bool(p, v, "enableCMT", &cmt)) < 0 ||
	    (r = spec_field_bool(p, v, "enableMBM", &mbm)) < 0)
		return r;
	rdt->enable_monitoring = rdt->enable_monitoring || cmt || mbm;
	return 0;
}

int rt_config_check_supported(const struct rt_config *c, struct berth_error **err)
{
	/* Running without the cache/memory-bandwidth partitioning that was asked for would
	 * be a silent loss of isolation. */
	if (c->intel_rdt)
		return berth_error_new(err, EOPNOTSUPP,
				       "linux.intelRdt: Intel RDT (resctrl) is not supported by "
				       "berth");
	return 0;
}

/* ---- process: ioPriority, scheduler, execCPUAffinity ------------------------------ */

int spec_parse_io_priority(struct parser *p, json_t *v, void *data)
{
	static const char *const classes[] = {"IOPRIO_CLASS_RT", "IOPRIO_CLASS_BE",
					      "IOPRIO_CLASS_IDLE"};
	struct rt_io_priority *io = data;
	int class = 0, r;
	int64_t prio = 0;
	json_t *pv;
	size_t saved;

	r = spec_expect_object(p, v);
	if (r < 0)
		return r;
	r = field_enum(p, v, "class", true, classes, ELEMENTSOF(classes), "io priority class",
		       &class);
	if (r < 0)
		return r;
	/* ioprio levels are 0 (highest) to 7 for RT and BE; IDLE has none but takes 0..7. */
	pv = spec_member(v, "priority");
	saved = spec_push_key(p, "priority");
	r = pv ? spec_to_int(p, pv, 0, 7, &prio) : spec_fail(p, "missing required property");
	spec_pop(p, saved);
	if (r < 0)
		return r;
	io->class = class + 1; /* IOPRIO_CLASS_RT is 1 */
	io->priority = (int)prio;
	return 0;
}

static int parse_sched_flag(struct parser *p, json_t *v, size_t i, void *data)
{
	uint64_t *flags = data;
	const char *s = NULL;
	int r;

	r = spec_to_string(p, v, &s);
	if (r < 0)
		return r;
	for (size_t k = 0; k < ELEMENTSOF(sched_flags); k++)
		if (streq(sched_flags[k].name, s)) {
			*flags |= sched_flags[k].flag;
			return 0;
		}
	return spec_fail(p, "unknown scheduler flag \"%s\"", s);
}

static int parse_sched_flags(struct parser *p, json_t *v, void *data)
{
	return spec_array_each(p, v, parse_sched_flag, data);
}

int spec_parse_scheduler(struct parser *p, json_t *v, void *data)
{
	static const char *const policies[] = {"SCHED_OTHER",	"SCHED_FIFO", "SCHED_RR",
					       "SCHED_BATCH",	"SCHED_ISO",  "SCHED_IDLE",
					       "SCHED_DEADLINE"};
	struct rt_scheduler *s = data;
	int policy = 0, r;
	int64_t nice = 0, prio = 0;
	bool rt, dl;

	r = spec_expect_object(p, v);
	if (r < 0)
		return r;
	/* The table's order is the kernel's numbering (SCHED_OTHER 0 ... SCHED_DEADLINE 6). */
	r = field_enum(p, v, "policy", true, policies, ELEMENTSOF(policies), "scheduler policy",
		       &policy);
	if (r < 0)
		return r;
	if ((r = spec_field(p, v, "nice", false, spec_parse_int64, &nice)) < 0 ||
	    (r = spec_field(p, v, "priority", false, spec_parse_int64, &prio)) < 0 ||
	    (r = spec_field(p, v, "flags", false, parse_sched_flags, &s->flags)) < 0 ||
	    (r = spec_field_u64(p, v, "runtime", false, &s->runtime)) < 0 ||
	    (r = spec_field_u64(p, v, "deadline", false, &s->deadline)) < 0 ||
	    (r = spec_field_u64(p, v, "period", false, &s->period)) < 0)
		return r;
	/* The same checks as runc (libcontainer/configs/validate), so that a config both
	 * accept means the same thing. */
	if (nice < -20 || nice > 19)
		return spec_fail_at(p, "nice", "expected a value from -20 to 19");
	rt = policy == 1 || policy == 2;
	dl = policy == 6;
	if (prio != 0 && !rt)
		return spec_fail_at(p, "priority", "only valid with SCHED_FIFO and SCHED_RR");
	if (rt && (prio < 1 || prio > 99))
		return spec_fail_at(p, "priority",
				    "expected a value from 1 to 99 with SCHED_FIFO "
				    "and SCHED_RR");
	if (!dl && (s->runtime || s->deadline || s->period))
		return spec_fail_at(p,
				    s->runtime	  ? "runtime"
				    : s->deadline ? "deadline"
						  : "period",
				    "only valid with SCHED_DEADLINE");
	s->set = true;
	s->policy = policy;
	s->nice = (int)nice;
	s->priority = (int)prio;
	return 0;
}

static int parse_cpulist(struct parser *p, json_t *v, void *data)
{
	_cleanup_free_ cpu_set_t *set = NULL;
	const char *s = NULL;
	size_t size;
	int r;

	r = spec_to_string(p, v, &s);
	if (r < 0)
		return r;
	r = sched_parse_cpulist(s, &set, &size);
	if (r == -ENOMEM)
		return spec_oom(p);
	if (r < 0)
		return spec_fail(p, "invalid cpu list \"%s\" (expected e.g. \"0-3,7\")", s);
	return spec_parse_str(p, v, data);
}

int spec_parse_exec_cpu_affinity(struct parser *p, json_t *v, void *data)
{
	struct rt_process *pr = data;
	int r;

	r = spec_expect_object(p, v);
	if (r < 0)
		return r;
	if ((r = spec_field(p, v, "initial", false, parse_cpulist,
			    &pr->exec_cpu_affinity_initial)) < 0 ||
	    (r = spec_field(p, v, "final", false, parse_cpulist, &pr->exec_cpu_affinity_final)) < 0)
		return r;
	return 0;
}

/* ---- freeing ---------------------------------------------------------------------- */

static void hooks_free(struct rt_hook *h, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(h[i].path);
		strv_free(h[i].args);
		strv_free(h[i].env);
	}
	free(h);
}

static struct rt_seccomp *seccomp_free(struct rt_seccomp *s)
{
	if (!s)
		return NULL;
	strv_free(s->architectures);
	free(s->listener_path);
	free(s->listener_metadata);
	for (size_t i = 0; i < s->n_syscalls; i++) {
		strv_free(s->syscalls[i].names);
		free(s->syscalls[i].args);
	}
	free(s->syscalls);
	free(s);
	return NULL;
}

void spec_linux_free(struct rt_config *c)
{
	for (size_t k = 0; k < _RT_HOOK_KIND_MAX; k++)
		hooks_free(c->hooks[k], c->n_hooks[k]);
	seccomp_free(c->seccomp);
	if (c->intel_rdt) {
		free(c->intel_rdt->clos_id);
		free(c->intel_rdt->l3_cache_schema);
		free(c->intel_rdt->mem_bw_schema);
		strv_free(c->intel_rdt->schemata);
		free(c->intel_rdt);
	}
	free(c->process.exec_cpu_affinity_initial);
	free(c->process.exec_cpu_affinity_final);
}
