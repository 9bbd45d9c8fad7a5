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
	bool idmap;             /* "idmap" or "ridmap": an idmapped mount (container's mappings) */
	bool idmap_recursive;   /* "ridmap" */
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
};

struct rt_sysctl {
	char *key;
	char *value;
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
};

/* Parse config.json text. On error returns -EINVAL (or -ENOMEM) and sets *err to a
 * message naming the field, e.g. "config.json: process.args[1]: expected a string"
 * or, for syntax errors, "config.json:12:5: ..." with line and column.
 * `name` is used as the file name in messages. */
int rt_config_parse(const char *json, size_t len, const char *name, struct rt_config **ret,
		    struct berth_error **err);

/* Read and parse <bundle>/config.json. */
int rt_config_load(const char *bundle, struct rt_config **ret, struct berth_error **err);

/* Accepts NULL; returns NULL. */
struct rt_config *rt_config_free(struct rt_config *c);

/* The default config.json that `berth-runtime spec` writes (runc's defaults: sh, terminal,
 * the default capabilities, masked and read-only paths). Returns a malloc'd string. With
 * rootless, a user namespace mapping the caller's uid/gid. */
char *rt_config_default_json(bool rootless);

/* Names. */
const char *rt_ns_name(enum rt_ns ns);           /* "pid", "network", "mount", ... (OCI names) */
const char *rt_ns_proc_name(enum rt_ns ns);      /* "pid", "net", "mnt", ... (/proc/self/ns names) */
int rt_ns_clone_flag(enum rt_ns ns);             /* CLONE_NEW* */
int rt_cap_from_name(const char *name);          /* "CAP_SYS_ADMIN" -> 21, -EINVAL if unknown */
const char *rt_cap_to_name(int cap);             /* NULL if unknown */
int rt_rlimit_from_name(const char *name);       /* "RLIMIT_NOFILE" -> RLIMIT_NOFILE */
const char *rt_rlimit_to_name(int resource);     /* "RLIMIT_NOFILE" */
