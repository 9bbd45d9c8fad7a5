/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * cgroups behind one interface. The layout is detected from the mounts under the
 * cgroup root (normally /sys/fs/cgroup):
 *
 *   v2      cgroup2 mounted at the root itself
 *   v1      one hierarchy per controller (cpu, memory, ...) under the root
 *   hybrid  v1 hierarchies plus cgroup2 at <root>/unified (this is what systemd calls
 *           "hybrid"; controllers bound to v2 there, e.g. hugetlb, are driven through it)
 *
 * A container's cgroup is one path (e.g. "/berth-test/c1") applied in every hierarchy.
 * A relative path is taken relative to the calling process's own cgroup in each
 * hierarchy (as runc does); an absolute one is relative to each hierarchy's root.
 */

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "berth/error.h"
#include "config.h"

enum cgroup_layout {
	CGROUP_LAYOUT_V1,
	CGROUP_LAYOUT_V2,
	CGROUP_LAYOUT_HYBRID,
	_CGROUP_LAYOUT_MAX,
};

struct cgroup_stats {
	uint64_t memory_usage;      /* bytes */
	uint64_t memory_limit;      /* bytes, UINT64_MAX when unlimited */
	uint64_t memory_max_usage;  /* bytes, 0 when the kernel does not say */
	uint64_t oom_kills;         /* processes killed by the OOM killer in this cgroup */
	uint64_t cpu_usage_ns;
	uint64_t pids_current;
	uint64_t pids_limit;        /* UINT64_MAX when unlimited */
	uint64_t io_read, io_write; /* bytes read and written on block devices */
};

struct cgroup;

struct cgroup_ops {
	const char *name;  /* "v1", "v2", "hybrid" */
	int (*create)(struct cgroup *cg, struct berth_error **err);
	int (*enter)(struct cgroup *cg, pid_t pid, struct berth_error **err);
	int (*apply)(struct cgroup *cg, const struct rt_resources *r, struct berth_error **err);
	int (*freeze)(struct cgroup *cg, bool frozen, struct berth_error **err);
	int (*frozen)(struct cgroup *cg, bool *ret, struct berth_error **err);
	int (*stats)(struct cgroup *cg, struct cgroup_stats *ret, struct berth_error **err);
	int (*pids)(struct cgroup *cg, pid_t **ret, size_t *ret_n, struct berth_error **err);
	int (*kill)(struct cgroup *cg, int sig, struct berth_error **err);
	int (*destroy)(struct cgroup *cg, struct berth_error **err);
};

/* One v1 hierarchy (or the v2 one): where it is mounted and where our cgroup lives in it. */
struct cgroup_hier {
	char *controllers;  /* as mounted: "memory", "cpu,cpuacct", "name=systemd", or "" for v2 */
	char *mountpoint;   /* e.g. /sys/fs/cgroup/memory */
	char *path;         /* our cgroup's absolute directory, e.g. /sys/fs/cgroup/memory/x/c1 */
};

struct cgroup {
	const struct cgroup_ops *ops;
	enum cgroup_layout layout;
	char *root;             /* cgroup root, normally /sys/fs/cgroup */
	char *rel_path;         /* the configured path, as given */
	struct cgroup_hier *hiers; /* v1 hierarchies, then the v2 one (hybrid/v2) */
	size_t n_hiers;
	/* The systemd driver (cgroup-systemd.c): the scope unit and its slice, and the
	 * resources apply() was given before the unit existed, for enter() to start it
	 * with (their device rules owned here). NULL/false with cgroupfs. */
	char *unit;
	char *slice;
	bool sd_pending;
	bool sd_owned; /* the unit is this container's (started here, or recorded in state) */
	struct rt_resources sd_res;
};

/* Detect the layout under `root` (NULL: /sys/fs/cgroup). Reads /proc/self/mountinfo
 * (or `mountinfo` when not NULL, for tests) and /proc/self/cgroup (or `self_cgroup`). */
int cgroup_detect(const char *root, const char *mountinfo, const char *self_cgroup,
		  enum cgroup_layout *ret, struct berth_error **err);

/* Build a handle for `path` (not created yet). `root`, `mountinfo`, `self_cgroup`
 * as for cgroup_detect(), NULL for the real system. */
int cgroup_new(const char *path, const char *root, const char *mountinfo,
	       const char *self_cgroup, struct cgroup **ret, struct berth_error **err);

/* Convenience wrappers that call through cg->ops. */
int cgroup_create(struct cgroup *cg, struct berth_error **err);
int cgroup_enter(struct cgroup *cg, pid_t pid, struct berth_error **err);
int cgroup_apply(struct cgroup *cg, const struct rt_resources *r, struct berth_error **err);
int cgroup_freeze(struct cgroup *cg, bool frozen, struct berth_error **err);
int cgroup_stats(struct cgroup *cg, struct cgroup_stats *ret, struct berth_error **err);
/* Kill every process left in the cgroup (SIGKILL), wait until it is empty and remove the
 * leaf directory in every hierarchy. Parents are never removed. ENOENT is not an error. */
int cgroup_destroy(struct cgroup *cg, struct berth_error **err);

/* Point the handle at existing sub-cgroups of its own, as runc's `exec --cgroup`: each
 * entry is "PATH" (every hierarchy; then the only entry) or "CTRL[,CTRL]:PATH" (the v1
 * hierarchies of those controllers). PATH may not climb out of the cgroup ("..": -EINVAL,
 * "PATH is not a sub cgroup path"); a controller with no hierarchy is -EINVAL ("unknown
 * controller CTRL"). Only the paths change; nothing is created. */
int cgroup_use_sub(struct cgroup *cg, const char *const *subs, struct berth_error **err);

/* The systemd driver. cgroup_new_systemd() takes runc's "slice:prefix:name" (empty or
 * NULL: "system.slice:berth:<id>") and makes a handle whose cgroup is the scope
 * "prefix-name.scope" in that slice; the unit is started by enter() with the container's
 * init (and the resources an earlier apply() asked for), stopped by destroy().
 * -ENOMEDIUM when systemd is not the init system, -EOPNOTSUPP on a host without the
 * unified hierarchy, -EINVAL for a malformed path. cgroup_open_unit() opens a cgroup
 * that state recorded: through systemd when `unit` is set (cgroupfs otherwise). */
int cgroup_new_systemd(const char *spec, const char *id, struct cgroup **ret,
		       struct berth_error **err);
int cgroup_open_unit(const char *path, const char *unit, struct cgroup **ret,
		     struct berth_error **err);
/* Whether linux.resources.rdma is applied (rdma.max, by the v1 and the v2 backends). What
 * `berth-runtime features` reports as linux.cgroup.rdma. */
bool cgroup_rdma_supported(void);

/* The cgroup's directory in the cgroup2 hierarchy (v2, hybrid), NULL on v1. */
const char *cgroup_v2_dir(const struct cgroup *cg);

/* Whether systemd is the init system (sd_booted()). */
bool cgroup_systemd_running(void);

/* Accepts NULL; returns NULL. Does not touch the filesystem. */
struct cgroup *cgroup_free(struct cgroup *cg);

static inline void cgroup_freep(struct cgroup **cg)
{
	cgroup_free(*cg);
}

const char *cgroup_layout_name(enum cgroup_layout l);

/* v2 weight from v1 shares, as runc converts them: 1 + ((shares - 2) * 9999) / 262142. */
uint64_t cgroup_shares_to_weight(uint64_t shares);

extern const struct cgroup_ops cgroup_v1_ops;
extern const struct cgroup_ops cgroup_v2_ops;
extern const struct cgroup_ops cgroup_hybrid_ops;
extern const struct cgroup_ops cgroup_systemd_ops;
