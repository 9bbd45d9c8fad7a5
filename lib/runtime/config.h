/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * struct rt_config: a validated OCI runtime configuration. spec.c is the only
 * place that reads config.json; everything past it works on these structs.
 * Every pointer is owned by the config and released by rt_config_free().
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "berth/error.h"

/* "not set" for optional signed resource values (OCI uses -1 for "unlimited"). */
#define RT_UNSET INT64_MIN

enum rt_ns {
	RT_NS_PID,
	RT_NS_NET,
	RT_NS_MNT,
	RT_NS_IPC,
	RT_NS_UTS,
	RT_NS_USER,
	RT_NS_CGROUP,
	RT_NS_TIME,
	_RT_NS_MAX,
};

struct rt_namespace {
	bool enabled;  /* listed in linux.namespaces */
	char *path;    /* join this one instead of creating a new one; NULL: create */
};

struct rt_idmap {
	uint32_t container_id;
	uint32_t host_id;
	uint32_t size;
};

struct rt_mount {
	char *destination;      /* absolute, inside the container */
	char *source;           /* may be NULL (e.g. proc) */
	char *type;             /* may be NULL (bind mounts) */
	unsigned long flags;    /* MS_* to set (MS_BIND, MS_REC, MS_RDONLY, ...) */
	unsigned long clear;    /* MS_* explicitly cleared by options ("rw", "suid", ...) */
	unsigned long propagation; /* MS_PRIVATE|MS_SLAVE|MS_SHARED|MS_UNBINDABLE (+MS_REC), or 0 */
	char *data;             /* options that are not flags, comma separated, or NULL */
	/* "rro", "rnosuid", ...: MOUNT_ATTR_* for mount_setattr(AT_RECURSIVE), applied after
	 * the mount; 0 and 0 when none was given */
	uint64_t rec_attr_set;
	uint64_t rec_attr_clr;
	bool idmap;		/* "idmap" or "ridmap", or uidMappings/gidMappings given: an
				 * idmapped mount (mount_setattr MOUNT_ATTR_IDMAP) */
	bool idmap_recursive;   /* "ridmap" */
	/* mounts[].uidMappings/gidMappings (runtime-spec 1.2): the user namespace whose fd is
	 * passed in mount_attr.userns_fd. Both set or both empty (validated); when empty and
	 * idmap is set, the container's own linux.uidMappings/gidMappings are used. */
	struct rt_idmap *uid_mappings;
	size_t n_uid_mappings;
	struct rt_idmap *gid_mappings;
	size_t n_gid_mappings;
};

struct rt_rlimit {
	int resource;           /* RLIMIT_* */
	uint64_t soft;
	uint64_t hard;
};

enum rt_cap_set {
	RT_CAP_BOUNDING,
	RT_CAP_EFFECTIVE,
	RT_CAP_INHERITABLE,
	RT_CAP_PERMITTED,
	RT_CAP_AMBIENT,
	_RT_CAP_SET_MAX,
};

/* process.ioPriority. class: IOPRIO_CLASS_RT (1), IOPRIO_CLASS_BE (2), IOPRIO_CLASS_IDLE (3),
 * the kernel's numbers; 0 when not given (nothing to apply). priority: 0 (highest) to 7. */
struct rt_io_priority {
	int class;
	int priority;
};

/* process.scheduler; set is false when not given (a zeroed struct asks for nothing). policy
 * is the kernel's SCHED_* number (SCHED_OTHER 0, FIFO 1, RR 2, BATCH 3, ISO 4, IDLE 5,
 * DEADLINE 6). flags is a mask of the kernel's SCHED_FLAG_* bits (RESET_ON_FORK 0x01,
 * RECLAIM 0x02, DL_OVERRUN 0x04, KEEP_POLICY 0x08, KEEP_PARAMS 0x10, UTIL_CLAMP_MIN 0x20,
 * UTIL_CLAMP_MAX 0x40). Validated as runc does: nice in -20..19, priority 1..99 with FIFO/RR
 * and 0 otherwise, runtime/deadline/period only with DEADLINE. */
struct rt_scheduler {
	bool set;
	int policy;
	int nice;
	int priority;
	uint64_t flags;
	uint64_t runtime;  /* ns, SCHED_DEADLINE only */
	uint64_t deadline; /* ns */
	uint64_t period;   /* ns */
};

struct rt_process {
	bool terminal;
	unsigned console_height, console_width; /* 0: not set */
	uint32_t uid, gid;
	gid_t *additional_gids;
	size_t n_additional_gids;
	int umask;              /* -1: not set (0022 is applied) */
	char **args;            /* strv, at least one element */
	char **env;             /* strv, may be NULL */
	char *cwd;              /* absolute */
	uint64_t caps[_RT_CAP_SET_MAX]; /* bit N = capability N */
	bool no_new_privileges;
	struct rt_rlimit *rlimits;
	size_t n_rlimits;
	bool has_oom_score_adj;
	int oom_score_adj;
	char *apparmor_profile;
	char *selinux_label;
	/* process.ioPriority: applied with sched_apply_ioprio() (sched.h) */
	struct rt_io_priority io_priority;
	/* process.scheduler: applied with sched_apply_scheduler() */
	struct rt_scheduler scheduler;
	/* process.execCPUAffinity: validated cpu lists ("0-3,7"), NULL when not given. For
	 * `exec` only, not the init (the spec says so). initial: the new process before it
	 * enters the container's cgroup; final: after, right before execve (sched.h). */
	char *exec_cpu_affinity_initial;
	char *exec_cpu_affinity_final;
};

struct rt_device_rule {
	bool allow;
	char type;              /* 'a', 'c' or 'b' */
	int64_t major, minor;   /* -1: wildcard */
	char access[4];         /* subset of "rwm" */
};

struct rt_device {
	char *path;
	char type;              /* 'c', 'b', 'u' or 'p' */
	int64_t major, minor;
	mode_t mode;            /* permission bits; 0 -> 0666 */
	bool has_uid, has_gid;
	uid_t uid;
	gid_t gid;
};

/* linux.resources.blockIO.weightDevice[]: weight and leaf_weight 0 when not given. */
struct rt_blkio_weight_device {
	int64_t major, minor;
	uint16_t weight;      /* 10..1000 */
	uint16_t leaf_weight; /* 10..1000 */
};

/* linux.resources.blockIO.throttle*Device[] */
struct rt_blkio_throttle {
	int64_t major, minor;
	uint64_t rate; /* bytes or operations per second; 0 removes the limit */
};

enum rt_blkio_throttle_kind {
	RT_BLKIO_READ_BPS,
	RT_BLKIO_WRITE_BPS,
	RT_BLKIO_READ_IOPS,
	RT_BLKIO_WRITE_IOPS,
	_RT_BLKIO_THROTTLE_MAX,
};

/* linux.resources.hugepageLimits[] */
struct rt_hugepage_limit {
	char *page_size; /* "2MB", "1GB", "64KB": digits and KB/MB/GB/TB/PB (validated) */
	uint64_t limit;	 /* bytes */
};

/* linux.resources.network.priorities[] */
struct rt_net_priority {
	char *name; /* interface name, no whitespace (validated) */
	uint32_t priority;
};

/* linux.resources.rdma["<device>"] */
struct rt_rdma_limit {
	char *device; /* no whitespace or '=' (validated) */
	bool has_hca_handles, has_hca_objects;
	uint32_t hca_handles, hca_objects;
};

struct rt_resources {
	/* memory, bytes; RT_UNSET when absent, -1 unlimited */
	int64_t memory_limit;
	int64_t memory_reservation;
	int64_t memory_swap;    /* memory+swap, as in OCI */
	int64_t memory_swappiness; /* RT_UNSET or 0..100 */
	bool disable_oom_killer;
	/* cpu */
	uint64_t cpu_shares;    /* 0: unset */
	int64_t cpu_quota;      /* RT_UNSET, -1 unlimited */
	uint64_t cpu_period;    /* 0: unset */
	char *cpu_cpus;         /* cpuset list or NULL */
	char *cpu_mems;
	/* pids */
	int64_t pids_limit;     /* RT_UNSET, <= 0 unlimited */
	/* devices cgroup rules, in order */
	struct rt_device_rule *devices;
	size_t n_devices;
	/* Everything below is "not set" when zeroed (has_* false, 0, NULL), so that code
	 * building a struct rt_resources by hand (update) asks for nothing new. */
	/* cpu, continued */
	bool has_cpu_realtime_runtime, has_cpu_realtime_period, has_cpu_idle, has_cpu_burst;
	int64_t cpu_realtime_runtime; /* us; v1 cpu.rt_runtime_us (-1: no limit) */
	uint64_t cpu_realtime_period; /* us; v1 cpu.rt_period_us */
	int cpu_idle;		      /* 0 or 1; cpu.idle */
	uint64_t cpu_burst;	      /* us; v1 cpu.cfs_burst_us, v2 cpu.max.burst */
	/* blockIO: weights 0 when absent (10..1000) */
	uint16_t blkio_weight;
	uint16_t blkio_leaf_weight;
	struct rt_blkio_weight_device *blkio_weight_devices;
	size_t n_blkio_weight_devices;
	struct rt_blkio_throttle *blkio_throttle[_RT_BLKIO_THROTTLE_MAX];
	size_t n_blkio_throttle[_RT_BLKIO_THROTTLE_MAX];
	/* hugepageLimits */
	struct rt_hugepage_limit *hugepage_limits;
	size_t n_hugepage_limits;
	/* network (cgroup v1 net_cls, net_prio) */
	bool has_net_class_id;
	uint32_t net_class_id;
	struct rt_net_priority *net_priorities;
	size_t n_net_priorities;
	/* rdma */
	struct rt_rdma_limit *rdma;
	size_t n_rdma;
	/* unified: cgroup2 file name -> value, applied last, in order. Names are validated
	 * (no '/', not "." or "..", "<controller>.<name>"). */
	struct rt_sysctl *unified;
	size_t n_unified;
};

struct rt_sysctl {
	char *key;
	char *value;
};

/* ---- hooks ---- */

enum rt_hook_kind {
	RT_HOOK_PRESTART, /* deprecated: with createRuntime */
	RT_HOOK_CREATE_RUNTIME,
	RT_HOOK_CREATE_CONTAINER,
	RT_HOOK_START_CONTAINER,
	RT_HOOK_POSTSTART,
	RT_HOOK_POSTSTOP,
	_RT_HOOK_KIND_MAX,
};

struct rt_hook {
	char *path;	  /* absolute; executed as is (no $PATH lookup) */
	char **args;	  /* argv, may be NULL or empty: then { path } */
	char **env;	  /* environment; NULL: the runtime's own environment (as runc) */
	unsigned timeout; /* seconds, 0: none */
};

/* ---- seccomp ---- */

enum rt_seccomp_action {
	RT_SECCOMP_KILL, /* SCMP_ACT_KILL (kills the thread) */
	RT_SECCOMP_KILL_PROCESS,
	RT_SECCOMP_KILL_THREAD,
	RT_SECCOMP_TRAP,
	RT_SECCOMP_ERRNO, /* errno_ret, EPERM when not given */
	RT_SECCOMP_TRACE, /* errno_ret is the tracer's message data, EPERM when not given */
	RT_SECCOMP_ALLOW,
	RT_SECCOMP_LOG,
	RT_SECCOMP_NOTIFY, /* never the default action (validated) */
	_RT_SECCOMP_ACTION_MAX,
};

enum rt_seccomp_op {
	RT_SECCOMP_OP_NE,
	RT_SECCOMP_OP_LT,
	RT_SECCOMP_OP_LE,
	RT_SECCOMP_OP_EQ,
	RT_SECCOMP_OP_GE,
	RT_SECCOMP_OP_GT,
	RT_SECCOMP_OP_MASKED_EQ, /* (arg & value) == value_two */
	_RT_SECCOMP_OP_MAX,
};

struct rt_seccomp_arg {
	uint32_t index; /* 0..5 */
	uint64_t value;
	uint64_t value_two;
	enum rt_seccomp_op op;
};

struct rt_seccomp_syscall {
	char **names; /* at least one; names unknown to this kernel are skipped */
	enum rt_seccomp_action action;
	bool has_errno_ret; /* only with ERRNO and TRACE (validated) */
	uint32_t errno_ret;
	struct rt_seccomp_arg *args;
	size_t n_args;
};

/* Seccomp filter flags: the kernel's SECCOMP_FILTER_FLAG_* bits. */
#define RT_SECCOMP_FLAG_TSYNC 0x01u
#define RT_SECCOMP_FLAG_LOG 0x02u
#define RT_SECCOMP_FLAG_SPEC_ALLOW 0x04u
#define RT_SECCOMP_FLAG_WAIT_KILLABLE_RECV 0x20u

struct rt_seccomp {
	enum rt_seccomp_action default_action;
	bool has_default_errno_ret;
	uint32_t default_errno_ret;
	char **architectures;	 /* OCI names ("SCMP_ARCH_X86_64"), validated; may be NULL */
	uint32_t flags;		 /* RT_SECCOMP_FLAG_* */
	char *listener_path;	 /* non-empty; required when any rule is NOTIFY (validated) */
	char *listener_metadata; /* opaque, passed to the listener; may be NULL */
	struct rt_seccomp_syscall *syscalls;
	size_t n_syscalls;
	bool uses_notify; /* some rule's action is NOTIFY */
};

/* ---- linux.personality, linux.intelRdt ---- */

/* linux.personality; set is false when not given. domain: PER_LINUX (0) or PER_LINUX32 (8);
 * flags: personality(2) flag bits from names such as "ADDR_NO_RANDOMIZE". */
struct rt_personality {
	bool set;
	unsigned long domain;
	unsigned long flags;
};

/* linux.intelRdt: parsed so that a config using it is refused clearly, never silently
 * run without it (rt_config_check_supported()). */
struct rt_intel_rdt {
	char *clos_id;
	char *l3_cache_schema;
	char *mem_bw_schema;
	char **schemata;
	bool enable_monitoring;
};

struct rt_config {
	char *oci_version;
	char *root_path;        /* as written; relative to the bundle when not absolute */
	bool root_readonly;
	bool has_process;
	struct rt_process process;
	char *hostname;
	char *domainname;
	struct rt_mount *mounts;
	size_t n_mounts;
	struct rt_namespace namespaces[_RT_NS_MAX];
	struct rt_idmap *uid_mappings;
	size_t n_uid_mappings;
	struct rt_idmap *gid_mappings;
	size_t n_gid_mappings;
	char *cgroups_path;     /* NULL: default */
	struct rt_resources resources;
	struct rt_device *devices; /* linux.devices: extra nodes to create */
	size_t n_devices;
	char **masked_paths;
	char **readonly_paths;
	unsigned long rootfs_propagation; /* 0: default (rslave) */
	struct rt_sysctl *sysctl;
	size_t n_sysctl;
	/* time namespace offsets; has_time_offsets when linux.timeOffsets is present */
	bool has_time_offsets;
	int64_t boottime_secs, monotonic_secs;
	uint32_t boottime_nsecs, monotonic_nsecs;
	char *mount_label;
	struct rt_sysctl *annotations; /* key/value pairs */
	size_t n_annotations;
	/* annotation run.oci.keep_original_groups (crun's), set and not "0": processes keep
	 * the runtime's supplementary groups (no setgroups, additionalGids unused) */
	bool keep_original_groups;
	/* hooks, per kind, in order (hooks_run() in hooks.h) */
	struct rt_hook *hooks[_RT_HOOK_KIND_MAX];
	size_t n_hooks[_RT_HOOK_KIND_MAX];
	struct rt_seccomp *seccomp; /* linux.seccomp, NULL when absent */
	struct rt_personality personality;
	struct rt_intel_rdt *intel_rdt; /* NULL when absent */
};

/* Parse config.json text. On error returns -EINVAL (or -ENOMEM) and sets *err to a
 * message naming the field, e.g. "config.json: process.args[1]: expected a string"
 * or, for syntax errors, "config.json:12:5: ..." with line and column.
 * `name` is used as the file name in messages. */
int rt_config_parse(const char *json, size_t len, const char *name, struct rt_config **ret,
		    struct berth_error **err);

/* Parse one part of a config on its own: `where` is "process" (a process.json, as for
 * `exec --process`) or "linux.resources" (as for `update --resources`). The result is a
 * config holding just that part, checked like config.json; messages name `name`. */
int rt_config_parse_fragment(const char *json, size_t len, const char *name, const char *where,
			     struct rt_config **ret, struct berth_error **err);

/* Read and parse the config: `config` (NULL: "config.json"), relative to the bundle
 * unless it is absolute. */
int rt_config_load(const char *bundle, const char *config, struct rt_config **ret,
		   struct berth_error **err);

/* Accepts NULL; returns NULL. */
struct rt_config *rt_config_free(struct rt_config *c);

static inline void rt_config_freep(struct rt_config **c)
{
	rt_config_free(*c);
}

/* The default config.json that `berth-runtime spec` writes (runc's defaults: sh, terminal,
 * the default capabilities, masked and read-only paths, a cgroup namespace only on a
 * cgroup2-only host). Returns a malloc'd string. With
 * rootless, a user namespace mapping the caller's uid/gid. */
char *rt_config_default_json(bool rootless);

/* /sys/fs/cgroup is cgroup2 itself (no v1 hierarchies): the default config then has a
 * cgroup namespace. */
bool rt_host_cgroup2_unified(void);

/* Refuse configs that ask for something berth parses but cannot do (linux.intelRdt). Call
 * once at create, before anything is set up. Returns 0, or -EOPNOTSUPP with *err naming the
 * property. */
int rt_config_check_supported(const struct rt_config *c, struct berth_error **err);

/* Names. */
const char *rt_hook_kind_name(enum rt_hook_kind k);	      /* "prestart", "createRuntime", ... */
const char *rt_seccomp_action_name(enum rt_seccomp_action a); /* "SCMP_ACT_ERRNO", ... */
const char *rt_seccomp_op_name(enum rt_seccomp_op op);	      /* "SCMP_CMP_EQ", ... */
const char *rt_ns_name(enum rt_ns ns);           /* "pid", "network", "mount", ... (OCI names) */
const char *rt_ns_proc_name(enum rt_ns ns);      /* "pid", "net", "mnt", ... (/proc/self/ns names) */
int rt_ns_clone_flag(enum rt_ns ns);             /* CLONE_NEW* */
int rt_cap_from_name(const char *name);          /* "CAP_SYS_ADMIN" -> 21, -EINVAL if unknown */
const char *rt_cap_to_name(int cap);             /* NULL if unknown */
int rt_rlimit_from_name(const char *name);       /* "RLIMIT_NOFILE" -> RLIMIT_NOFILE */
const char *rt_rlimit_to_name(int resource);     /* "RLIMIT_NOFILE" */
