/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The cgroup v1 backend, and hybrid: v1 hierarchies plus a cgroup2 one (the last entry of
 * cg->hiers). Hybrid creates, enters and removes the cgroup in the cgroup2 hierarchy too,
 * and drives a controller through it only when no v1 hierarchy has that controller and the
 * cgroup2 root lists it in cgroup.controllers (on most machines that is hugetlb or nothing).
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cleanup.h"
#include "runtime/cgroup-internal.h"
#include "runtime/cgroup.h"
#include "util.h"

#define MEMSW "memory.memsw.limit_in_bytes"
#define MEMORY_LIMIT "memory.limit_in_bytes"

static bool file_exists(const char *dir, const char *file)
{
	_cleanup_free_ char *p = xasprintf("%s/%s", dir, file);

	return p && access(p, F_OK) == 0;
}

static int write_i64(const char *dir, const char *file, int64_t v, struct berth_error **err)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%" PRId64, v);
	return cgroup_write(dir, file, buf, err);
}

/* The cgroup2 hierarchy of a hybrid layout, when it offers `controller`. */
static struct cgroup_hier *unified_with(const struct cgroup *cg, const char *controller)
{
	struct cgroup_hier *u = cgroup_unified(cg);

	return u && cgroup_v2_available(u, controller) ? u : NULL;
}

/* ---------------------------------------------------------------------------------------- */
/* create, enter */

/* A new cpuset cgroup starts with empty cpuset.cpus and cpuset.mems, and nothing can join
 * it until both are set. Copy them from the parent, level by level, before anyone enters.
 * A file that is missing (fake trees in the unit tests, "noprefix" mounts) is left alone. */
static int cpuset_init(const struct cgroup *cg, const char *parent, const char *dir,
		       struct berth_error **err)
{
	static const char *const files[] = {"cpuset.cpus", "cpuset.mems"};

	for (size_t i = 0; i < ELEMENTSOF(files); i++) {
		_cleanup_free_ char *cur = NULL, *from = NULL;
		int r;

		r = cgroup_read(dir, files[i], true, &cur, err);
		if (r < 0)
			return r;
		if (r == 0 || cur[0])
			continue;
		r = cgroup_read(parent, files[i], true, &from, err);
		if (r < 0)
			return r;
		if (r == 0 || !from[0])
			continue;
		r = cgroup_write(dir, files[i], from, err);
		if (r < 0)
			return r;
	}
	return 0;
}

static int v1_create(struct cgroup *cg, struct berth_error **err)
{
	for (size_t i = 0; i < cg->n_hiers; i++) {
		const struct cgroup_hier *h = &cg->hiers[i];
		cgroup_mkdir_fn fn = NULL;
		int r;

		/* The cgroup2 hierarchy of hybrid: no controllers are enabled here up front;
		 * apply() enables one along the path only when a resource needs it, so creating
		 * a container does not change the host's root cgroup.subtree_control. */
		if (h->controllers[0] && cgroup_list_has(h->controllers, ",", "cpuset"))
			fn = cpuset_init;
		r = cgroup_hier_mkdir(cg, h, fn, err);
		if (r < 0)
			return r;
	}
	return 0;
}

static int v1_enter(struct cgroup *cg, pid_t pid, struct berth_error **err)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%d", (int)pid);
	for (size_t i = 0; i < cg->n_hiers; i++) {
		int r = cgroup_write(cg->hiers[i].path, "cgroup.procs", buf, err);
		if (r < 0)
			return r;
	}
	return 0;
}

/* ---------------------------------------------------------------------------------------- */
/* apply */

static int apply_memory(struct cgroup *cg, const struct rt_resources *r, struct berth_error **err)
{
	struct cgroup_hier *h, *u;
	int64_t swap = r->memory_swap;
	bool has_memsw;
	int k;

	if (r->memory_limit == RT_UNSET && r->memory_reservation == RT_UNSET &&
	    r->memory_swap == RT_UNSET && r->memory_swappiness == RT_UNSET &&
	    !r->disable_oom_killer)
		return 0;
	h = cgroup_v1_hier(cg, "memory");
	if (!h) {
		u = unified_with(cg, "memory");
		if (u)
			return cgroup_v2_apply_memory(cg, u, r, err);
		return cgroup_no_controller(cg, "memory", "memory limits", err);
	}

	/* memory.memsw.* exists only with swap accounting (CONFIG_MEMCG_SWAP, swapaccount=1). */
	has_memsw = file_exists(h->path, MEMSW);
	if (swap == RT_UNSET && r->memory_limit == -1 && has_memsw)
		swap = -1; /* as runc: unlimited memory lifts the memory+swap limit too */
	if (swap != RT_UNSET && !has_memsw) {
		if (swap != -1)
			return berth_error_new(err, EOPNOTSUPP,
					       "memory swap limit %" PRId64 ": '%s' has no " MEMSW
					       " (swap accounting is disabled in the kernel)",
					       swap, h->path);
		swap = RT_UNSET; /* unlimited is what we have anyway */
	}

	if (r->memory_limit != RT_UNSET) {
		struct berth_error *e = NULL;

		/* The kernel keeps memory.limit <= memory.memsw.limit at every step. Lowering:
		 * limit first, then memsw. Raising above the current memsw: the limit write
		 * fails with EINVAL, so write memsw first and then the limit. */
		k = write_i64(h->path, MEMORY_LIMIT, r->memory_limit, &e);
		if (k == -EINVAL && swap != RT_UNSET) {
			e = berth_error_free(e);
			k = write_i64(h->path, MEMSW, swap, err);
			if (k < 0)
				return k;
			swap = RT_UNSET;
			k = write_i64(h->path, MEMORY_LIMIT, r->memory_limit, err);
			if (k < 0)
				return k;
		} else if (k < 0) {
			return cgroup_error_move(err, &e);
		}
	}
	if (swap != RT_UNSET) {
		k = write_i64(h->path, MEMSW, swap, err);
		if (k < 0)
			return k;
	}
	if (r->memory_reservation != RT_UNSET) {
		k = write_i64(h->path, "memory.soft_limit_in_bytes", r->memory_reservation, err);
		if (k < 0)
			return k;
	}
	if (r->memory_swappiness != RT_UNSET) {
		k = write_i64(h->path, "memory.swappiness", r->memory_swappiness, err);
		if (k < 0)
			return k;
	}
	if (r->disable_oom_killer) {
		k = cgroup_write(h->path, "memory.oom_control", "1", err);
		if (k < 0)
			return k;
	}
	return 0;
}

static int apply_cpu(struct cgroup *cg, const struct rt_resources *r, struct berth_error **err)
{
	struct cgroup_hier *h, *u;
	char buf[32];
	int k;

	if (r->cpu_shares == 0 && r->cpu_quota == RT_UNSET && r->cpu_period == 0)
		return 0;
	h = cgroup_v1_hier(cg, "cpu");
	if (!h) {
		u = unified_with(cg, "cpu");
		if (u)
			return cgroup_v2_apply_cpu(cg, u, r, err);
		return cgroup_no_controller(cg, "cpu", "cpu limits", err);
	}
	if (r->cpu_shares != 0) {
		snprintf(buf, sizeof(buf), "%" PRIu64, r->cpu_shares);
		k = cgroup_write(h->path, "cpu.shares", buf, err);
		if (k < 0)
			return k;
	}
	if (r->cpu_period != 0) {
		struct berth_error *e = NULL;

		/* Period, then quota. A new period can make the current quota invalid (EINVAL):
		 * then the new quota goes first. */
		snprintf(buf, sizeof(buf), "%" PRIu64, r->cpu_period);
		k = cgroup_write(h->path, "cpu.cfs_period_us", buf, &e);
		if (k == -EINVAL && r->cpu_quota != RT_UNSET) {
			e = berth_error_free(e);
			k = write_i64(h->path, "cpu.cfs_quota_us",
				      r->cpu_quota < 0 ? -1 : r->cpu_quota, err);
			if (k < 0)
				return k;
			return cgroup_write(h->path, "cpu.cfs_period_us", buf, err);
		}
		if (k < 0)
			return cgroup_error_move(err, &e);
	}
	if (r->cpu_quota != RT_UNSET) {
		k = write_i64(h->path, "cpu.cfs_quota_us", r->cpu_quota < 0 ? -1 : r->cpu_quota,
			      err);
		if (k < 0)
			return k;
	}
	return 0;
}

static int apply_cpuset(struct cgroup *cg, const struct rt_resources *r, struct berth_error **err)
{
	struct cgroup_hier *h, *u;
	int k;

	if (!r->cpu_cpus && !r->cpu_mems)
		return 0;
	h = cgroup_v1_hier(cg, "cpuset");
	if (!h) {
		u = unified_with(cg, "cpuset");
		if (u)
			return cgroup_v2_apply_cpuset(cg, u, r, err);
		return cgroup_no_controller(cg, "cpuset", "cpuset", err);
	}
	if (r->cpu_cpus) {
		k = cgroup_write(h->path, "cpuset.cpus", r->cpu_cpus, err);
		if (k < 0)
			return k;
	}
	if (r->cpu_mems) {
		k = cgroup_write(h->path, "cpuset.mems", r->cpu_mems, err);
		if (k < 0)
			return k;
	}
	return 0;
}

static int apply_pids(struct cgroup *cg, const struct rt_resources *r, struct berth_error **err)
{
	struct cgroup_hier *h, *u;

	if (r->pids_limit == RT_UNSET)
		return 0;
	h = cgroup_v1_hier(cg, "pids");
	if (!h) {
		u = unified_with(cg, "pids");
		if (u)
			return cgroup_v2_apply_pids(cg, u, r, err);
		return cgroup_no_controller(cg, "pids", "pids limit", err);
	}
	if (r->pids_limit <= 0)
		return cgroup_write(h->path, "pids.max", "max", err);
	return write_i64(h->path, "pids.max", r->pids_limit, err);
}

static void dev_number(char *buf, size_t size, int64_t n)
{
	if (n < 0)
		snprintf(buf, size, "*");
	else
		snprintf(buf, size, "%" PRId64, n);
}

static int apply_devices(struct cgroup *cg, const struct rt_resources *r, struct berth_error **err)
{
	struct cgroup_hier *h;

	if (r->n_devices == 0)
		return 0;
	h = cgroup_v1_hier(cg, "devices");
	if (!h)
		return cgroup_no_controller(cg, "devices", "device rules", err);
	/* In the given order: "deny all, then allow a list" only works that way round. */
	for (size_t i = 0; i < r->n_devices; i++) {
		const struct rt_device_rule *d = &r->devices[i];
		const char *file = d->allow ? "devices.allow" : "devices.deny";
		char rule[96], maj[24], min[24];
		int k;

		if (d->type == 'a') {
			snprintf(rule, sizeof(rule), "a");
		} else if (d->type == 'c' || d->type == 'b') {
			dev_number(maj, sizeof(maj), d->major);
			dev_number(min, sizeof(min), d->minor);
			/* An empty access means all of it, as crun reads the spec. */
			snprintf(rule, sizeof(rule), "%c %s:%s %s", d->type, maj, min,
				 d->access[0] ? d->access : "rwm");
		} else {
			return berth_error_new(err, EINVAL, "device rule %zu: unknown type '%c'", i,
					       d->type);
		}
		k = cgroup_write(h->path, file, rule, err);
		if (k < 0)
			return k;
	}
	return 0;
}

static int v1_apply(struct cgroup *cg, const struct rt_resources *r, struct berth_error **err)
{
	int k;

	k = apply_memory(cg, r, err);
	if (k < 0)
		return k;
	k = apply_cpu(cg, r, err);
	if (k < 0)
		return k;
	k = apply_cpuset(cg, r, err);
	if (k < 0)
		return k;
	k = apply_pids(cg, r, err);
	if (k < 0)
		return k;
	return apply_devices(cg, r, err);
}

/* ---------------------------------------------------------------------------------------- */
/* freezer */

static int v1_frozen(struct cgroup *cg, bool *ret, struct berth_error **err)
{
	_cleanup_free_ char *state = NULL;
	struct cgroup_hier *h = cgroup_v1_hier(cg, "freezer"), *u;
	int r;

	if (!h) {
		u = cgroup_unified(cg);
		if (u)
			return cgroup_v2_frozen_hier(u, ret, err);
		return cgroup_no_controller(cg, "freezer", "freezer state", err);
	}
	r = cgroup_read(h->path, "freezer.state", false, &state, err);
	if (r < 0)
		return r;
	*ret = streq(state, "FROZEN");
	return 0;
}

static int v1_freeze(struct cgroup *cg, bool frozen, struct berth_error **err)
{
	const char *want = frozen ? "FROZEN" : "THAWED";
	struct cgroup_hier *h = cgroup_v1_hier(cg, "freezer"), *u;
	uint64_t deadline = cgroup_now_ms() + 1000;

	if (!h) {
		u = cgroup_unified(cg);
		if (u) /* cgroup.freeze is core on cgroup2: no controller to enable */
			return cgroup_v2_freeze_hier(u, frozen, err);
		return cgroup_no_controller(cg, "freezer", frozen ? "freeze" : "thaw", err);
	}
	/* Freezing is asynchronous: the state reads FREEZING until every task has stopped, and
	 * a task busy in the kernel can keep it there. Writing FROZEN again retries those. */
	for (;;) {
		_cleanup_free_ char *state = NULL;
		int r;

		r = cgroup_write(h->path, "freezer.state", want, err);
		if (r < 0)
			return r;
		r = cgroup_read(h->path, "freezer.state", false, &state, err);
		if (r < 0)
			return r;
		if (streq(state, want))
			return 0;
		if (cgroup_now_ms() >= deadline) {
			if (frozen) /* do not leave it half frozen */
				(void)cgroup_write(h->path, "freezer.state", "THAWED", NULL);
			return berth_error_new(err, ETIMEDOUT,
					       "%s '%s': freezer.state is still '%s' after 1s",
					       frozen ? "freeze" : "thaw", h->path, state);
		}
		cgroup_sleep_ms(10);
	}
}

/* ---------------------------------------------------------------------------------------- */
/* stats, pids, kill, destroy */

static int v1_stats(struct cgroup *cg, struct cgroup_stats *ret, struct berth_error **err)
{
	struct cgroup_stats s = {.memory_limit = UINT64_MAX, .pids_limit = UINT64_MAX};
	struct cgroup_hier *h, *u;
	int r;

	/* A controller that is not there leaves its fields at "nothing known". */
	h = cgroup_v1_hier(cg, "memory");
	if (h) {
		r = cgroup_read_u64(h->path, "memory.usage_in_bytes", false, &s.memory_usage, err);
		if (r < 0)
			return r;
		r = cgroup_read_u64(h->path, MEMORY_LIMIT, false, &s.memory_limit, err);
		if (r < 0)
			return r;
		if (s.memory_limit >= CGROUP_V1_UNLIMITED_MIN)
			s.memory_limit = UINT64_MAX;
		r = cgroup_read_u64(h->path, "memory.max_usage_in_bytes", true, &s.memory_max_usage,
				    err);
		if (r < 0)
			return r;
		/* "oom_kill N" appeared in memory.oom_control with 4.13. */
		r = cgroup_read_keyed(h->path, "memory.oom_control", "oom_kill", &s.oom_kills, err);
		if (r < 0)
			return r;
	} else if ((u = unified_with(cg, "memory"))) {
		r = cgroup_v2_stats_memory(u, &s, err);
		if (r < 0)
			return r;
	}

	h = cgroup_v1_hier(cg, "cpuacct");
	if (h) {
		r = cgroup_read_u64(h->path, "cpuacct.usage", false, &s.cpu_usage_ns, err);
		if (r < 0)
			return r;
	} else if ((u = cgroup_unified(cg))) { /* cpu.stat is core on cgroup2 */
		r = cgroup_v2_stats_cpu(u, &s, err);
		if (r < 0)
			return r;
	}

	h = cgroup_v1_hier(cg, "pids");
	if (h) {
		r = cgroup_read_u64(h->path, "pids.current", false, &s.pids_current, err);
		if (r < 0)
			return r;
		r = cgroup_read_u64(h->path, "pids.max", false, &s.pids_limit, err);
		if (r < 0)
			return r;
	} else if ((u = unified_with(cg, "pids"))) {
		r = cgroup_v2_stats_pids(u, &s, err);
		if (r < 0)
			return r;
	}
	*ret = s;
	return 0;
}

/* Where to list processes: every process is in every v1 hierarchy, any one would do; pids
 * and memory are the ones a container always has. */
static const struct cgroup_hier *procs_hier(const struct cgroup *cg)
{
	const struct cgroup_hier *h = cgroup_v1_hier(cg, "pids");

	if (!h)
		h = cgroup_v1_hier(cg, "memory");
	if (!h)
		h = cgroup_unified(cg);
	if (!h && cg->n_hiers > 0)
		h = &cg->hiers[0];
	return h;
}

static int v1_pids(struct cgroup *cg, pid_t **ret, size_t *ret_n, struct berth_error **err)
{
	const struct cgroup_hier *h = procs_hier(cg);

	if (!h)
		return berth_error_new(err, ENODEV, "cgroup '%s' has no hierarchy", cg->rel_path);
	return cgroup_read_procs(h->path, true, ret, ret_n, err);
}

/* On v1 a frozen task does not act on SIGKILL until it is thawed. */
static void thaw_if_frozen(const struct cgroup *cg)
{
	_cleanup_free_ char *state = NULL;
	const struct cgroup_hier *h = cgroup_v1_hier(cg, "freezer");

	if (!h || cgroup_read(h->path, "freezer.state", true, &state, NULL) <= 0)
		return;
	if (!streq(state, "THAWED"))
		(void)cgroup_write(h->path, "freezer.state", "THAWED", NULL);
}

static int v1_kill(struct cgroup *cg, int sig, struct berth_error **err)
{
	const struct cgroup_hier *h = procs_hier(cg);
	int r;

	if (!h)
		return berth_error_new(err, ENODEV, "cgroup '%s' has no hierarchy", cg->rel_path);
	r = cgroup_signal_tree(h->path, sig, err);
	if (r < 0)
		return r;
	if (sig == SIGKILL && r > 0)
		thaw_if_frozen(cg);
	return 0;
}

static int v1_destroy(struct cgroup *cg, struct berth_error **err)
{
	uint64_t deadline = cgroup_now_ms() + 2000;
	int r, first = 0;

	/* Kill until every hierarchy is empty (a process may have been moved out of some of
	 * them); repeat, since a task can fork between reading cgroup.procs and the kill. */
	for (;;) {
		int found = 0;

		for (size_t i = 0; i < cg->n_hiers; i++) {
			r = cgroup_signal_tree(cg->hiers[i].path, SIGKILL, err);
			if (r < 0)
				return r;
			found += r;
		}
		if (found == 0)
			break;
		thaw_if_frozen(cg);
		if (cgroup_now_ms() >= deadline)
			return berth_error_new(
			    err, EBUSY, "destroy cgroup '%s': %d processes still there after 2s",
			    cg->rel_path, found);
		cgroup_sleep_ms(10);
	}
	/* Leaves only, in every hierarchy; keep going after a failure so that as little as
	 * possible is left behind, and report the first one. */
	for (size_t i = 0; i < cg->n_hiers; i++) {
		struct berth_error *e = NULL;

		r = cgroup_hier_rmdir(&cg->hiers[i], &e);
		if (r < 0 && first == 0)
			first = cgroup_error_move(err, &e);
		berth_error_free(e);
	}
	return first;
}

const struct cgroup_ops cgroup_v1_ops = {
    .name = "v1",
    .create = v1_create,
    .enter = v1_enter,
    .apply = v1_apply,
    .freeze = v1_freeze,
    .frozen = v1_frozen,
    .stats = v1_stats,
    .pids = v1_pids,
    .kill = v1_kill,
    .destroy = v1_destroy,
};

/* The same functions: every one of them also covers cg->hiers' cgroup2 entry when present. */
const struct cgroup_ops cgroup_hybrid_ops = {
    .name = "hybrid",
    .create = v1_create,
    .enter = v1_enter,
    .apply = v1_apply,
    .freeze = v1_freeze,
    .frozen = v1_frozen,
    .stats = v1_stats,
    .pids = v1_pids,
    .kill = v1_kill,
    .destroy = v1_destroy,
};
