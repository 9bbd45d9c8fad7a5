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
#include <strings.h>
#include <unistd.h>

#include "berth/cleanup.h"
#include "cgroup-internal.h"
#include "cgroup.h"
#include "berth/util.h"

#define MEMSW "memory.memsw.limit_in_bytes"
#define MEMORY_LIMIT "memory.limit_in_bytes"

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
	has_memsw = cgroup_file_exists(h->path, MEMSW);
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

static int write_u64(const char *dir, const char *file, uint64_t v, struct berth_error **err)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%" PRIu64, v);
	return cgroup_write(dir, file, buf, err);
}

/* Write a period and its runtime/quota. The kernel keeps runtime <= period (rt) and checks
 * quota against period (cfs) at every write: period first, and when the new period makes
 * the current value invalid (EINVAL), the new value first. */
static int write_period_pair(const char *dir, const char *period_file, bool has_period,
			     uint64_t period, const char *value_file, bool has_value, int64_t value,
			     struct berth_error **err)
{
	struct berth_error *e = NULL;
	int k;

	if (has_period) {
		k = write_u64(dir, period_file, period, &e);
		if (k == -EINVAL && has_value) {
			e = berth_error_free(e);
			k = write_i64(dir, value_file, value, err);
			if (k < 0)
				return k;
			return write_u64(dir, period_file, period, err);
		}
		if (k < 0)
			return cgroup_error_move(err, &e);
	}
	if (has_value)
		return write_i64(dir, value_file, value, err);
	return 0;
}

static int apply_cpu(struct cgroup *cg, const struct rt_resources *r, struct berth_error **err)
{
	struct cgroup_hier *h, *u;
	char buf[32];
	int k;

	if (!cgroup_wants_cpu(r))
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
	k = write_period_pair(h->path, "cpu.cfs_period_us", r->cpu_period != 0, r->cpu_period,
			      "cpu.cfs_quota_us", r->cpu_quota != RT_UNSET,
			      r->cpu_quota < 0 ? -1 : r->cpu_quota, err);
	if (k < 0)
		return k;
	/* The burst is checked against the quota: after it. */
	if (r->has_cpu_burst) {
		k = write_u64(h->path, "cpu.cfs_burst_us", r->cpu_burst, err);
		if (k < 0)
			return k;
	}
	if (r->has_cpu_realtime_period || r->has_cpu_realtime_runtime) {
		/* Only with CONFIG_RT_GROUP_SCHED. A child's runtime must fit in what its
		 * parent has, and new cgroups start with 0: the parent's value decides. */
		if (!cgroup_file_exists(h->path, "cpu.rt_runtime_us"))
			return berth_error_new(err, EOPNOTSUPP,
					       "cpu realtime runtime/period: '%s' has no "
					       "cpu.rt_runtime_us (the kernel lacks "
					       "CONFIG_RT_GROUP_SCHED)",
					       h->path);
		k = write_period_pair(h->path, "cpu.rt_period_us", r->has_cpu_realtime_period,
				      r->cpu_realtime_period, "cpu.rt_runtime_us",
				      r->has_cpu_realtime_runtime, r->cpu_realtime_runtime, err);
		if (k < 0)
			return k;
	}
	if (r->has_cpu_idle) {
		/* cpu.idle exists in v1 too since 5.15. */
		k = write_i64(h->path, "cpu.idle", r->cpu_idle, err);
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

/* blkio on v1. The weight files depend on the I/O scheduler's group support: CFQ's
 * blkio.weight (removed with CFQ in 5.0), else BFQ's blkio.bfq.weight; many kernels have
 * neither, and then a weight is an error that says so, while throttling still works. */
static int apply_blkio(struct cgroup *cg, const struct rt_resources *r, struct berth_error **err)
{
	static const char *const throttle_files[_RT_BLKIO_THROTTLE_MAX] = {
	    [RT_BLKIO_READ_BPS] = "blkio.throttle.read_bps_device",
	    [RT_BLKIO_WRITE_BPS] = "blkio.throttle.write_bps_device",
	    [RT_BLKIO_READ_IOPS] = "blkio.throttle.read_iops_device",
	    [RT_BLKIO_WRITE_IOPS] = "blkio.throttle.write_iops_device",
	};
	const char *weight_file = NULL, *weight_device_file = NULL;
	struct cgroup_hier *h, *u;
	bool want_weight = r->blkio_weight != 0, want_leaf = r->blkio_leaf_weight != 0;
	char buf[96];
	int k;

	if (!cgroup_wants_io(r))
		return 0;
	h = cgroup_v1_hier(cg, "blkio");
	if (!h) {
		u = unified_with(cg, "io");
		if (u)
			return cgroup_v2_apply_io(cg, u, r, err);
		return cgroup_no_controller(cg, "blkio", "block I/O limits", err);
	}
	for (size_t i = 0; i < r->n_blkio_weight_devices; i++) {
		want_weight = want_weight || r->blkio_weight_devices[i].weight;
		want_leaf = want_leaf || r->blkio_weight_devices[i].leaf_weight;
	}
	if (want_weight) {
		if (cgroup_file_exists(h->path, "blkio.weight")) {
			weight_file = "blkio.weight";
			weight_device_file = "blkio.weight_device";
		} else if (cgroup_file_exists(h->path, "blkio.bfq.weight")) {
			weight_file = "blkio.bfq.weight";
			weight_device_file = "blkio.bfq.weight_device";
		} else {
			return berth_error_new(err, EOPNOTSUPP,
					       "block I/O weight: '%s' has no blkio.weight (nor "
					       "blkio.bfq.weight): this kernel has no CFQ or BFQ "
					       "group scheduling",
					       h->path);
		}
	}
	if (want_leaf && !cgroup_file_exists(h->path, "blkio.leaf_weight"))
		return berth_error_new(err, EOPNOTSUPP,
				       "block I/O leaf weight: '%s' has no blkio.leaf_weight (CFQ "
				       "only, removed in Linux 5.0)",
				       h->path);

	if (r->blkio_weight) {
		k = write_u64(h->path, weight_file, r->blkio_weight, err);
		if (k < 0)
			return k;
	}
	if (r->blkio_leaf_weight) {
		k = write_u64(h->path, "blkio.leaf_weight", r->blkio_leaf_weight, err);
		if (k < 0)
			return k;
	}
	for (size_t i = 0; i < r->n_blkio_weight_devices; i++) {
		const struct rt_blkio_weight_device *d = &r->blkio_weight_devices[i];

		if (d->weight) {
			snprintf(buf, sizeof(buf), "%" PRId64 ":%" PRId64 " %u", d->major, d->minor,
				 (unsigned)d->weight);
			k = cgroup_write(h->path, weight_device_file, buf, err);
			if (k < 0)
				return k;
		}
		if (d->leaf_weight) {
			snprintf(buf, sizeof(buf), "%" PRId64 ":%" PRId64 " %u", d->major, d->minor,
				 (unsigned)d->leaf_weight);
			k = cgroup_write(h->path, "blkio.leaf_weight_device", buf, err);
			if (k < 0)
				return k;
		}
	}
	for (size_t t = 0; t < _RT_BLKIO_THROTTLE_MAX; t++)
		for (size_t i = 0; i < r->n_blkio_throttle[t]; i++) {
			const struct rt_blkio_throttle *d = &r->blkio_throttle[t][i];

			/* A rate of 0 removes the device's limit. */
			snprintf(buf, sizeof(buf), "%" PRId64 ":%" PRId64 " %" PRIu64, d->major,
				 d->minor, d->rate);
			k = cgroup_write(h->path, throttle_files[t], buf, err);
			if (k < 0)
				return k;
		}
	return 0;
}

static int apply_hugetlb(struct cgroup *cg, const struct rt_resources *r, struct berth_error **err)
{
	struct cgroup_hier *h, *u;

	if (r->n_hugepage_limits == 0)
		return 0;
	h = cgroup_v1_hier(cg, "hugetlb");
	if (!h) {
		/* Hybrid: systemd binds hugetlb to the cgroup2 hierarchy when no v1 one has
		 * it (this is the usual case on hybrid machines). */
		u = unified_with(cg, "hugetlb");
		if (u)
			return cgroup_v2_apply_hugetlb(cg, u, r, err);
		return cgroup_no_controller(cg, "hugetlb", "hugepage limits", err);
	}
	for (size_t i = 0; i < r->n_hugepage_limits; i++) {
		const struct rt_hugepage_limit *l = &r->hugepage_limits[i];
		_cleanup_free_ char *file = xasprintf("hugetlb.%s.limit_in_bytes", l->page_size);
		_cleanup_free_ char *rsvd =
		    xasprintf("hugetlb.%s.rsvd.limit_in_bytes", l->page_size);
		int k;

		k = cgroup_check_page_size(l->page_size, err);
		if (k < 0)
			return k;
		if (!file || !rsvd)
			return berth_error_set(err, ENOMEM, "hugepage limit '%s'", l->page_size);
		if (!cgroup_file_exists(h->path, file))
			return berth_error_new(err, EOPNOTSUPP,
					       "hugepage limit '%s': '%s' has no %s (no such huge "
					       "page size on this machine)",
					       l->page_size, h->path, file);
		k = write_u64(h->path, file, l->limit, err);
		if (k < 0)
			return k;
		/* Reservations are accounted separately since 5.7; limit them alike, as runc
		 * does, so that a reservation cannot exceed the limit. */
		if (cgroup_file_exists(h->path, rsvd)) {
			k = write_u64(h->path, rsvd, l->limit, err);
			if (k < 0)
				return k;
		}
	}
	return 0;
}

/* net_cls and net_prio are v1-only controllers: nothing on cgroup2 stands in for them. */
static int apply_network(struct cgroup *cg, const struct rt_resources *r, struct berth_error **err)
{
	struct cgroup_hier *h;
	char buf[64];
	int k;

	if (r->has_net_class_id) {
		h = cgroup_v1_hier(cg, "net_cls");
		if (!h)
			return cgroup_no_controller(cg, "net_cls", "network classID", err);
		snprintf(buf, sizeof(buf), "%" PRIu32, r->net_class_id);
		k = cgroup_write(h->path, "net_cls.classid", buf, err);
		if (k < 0)
			return k;
	}
	if (r->n_net_priorities > 0) {
		h = cgroup_v1_hier(cg, "net_prio");
		if (!h)
			return cgroup_no_controller(cg, "net_prio", "network priorities", err);
		for (size_t i = 0; i < r->n_net_priorities; i++) {
			_cleanup_free_ char *line =
			    xasprintf("%s %" PRIu32, r->net_priorities[i].name,
				      r->net_priorities[i].priority);

			if (!line)
				return berth_error_set(err, ENOMEM, "network priorities");
			k = cgroup_write(h->path, "net_prio.ifpriomap", line, err);
			if (k < 0)
				return k;
		}
	}
	return 0;
}

static int apply_rdma(struct cgroup *cg, const struct rt_resources *r, struct berth_error **err)
{
	struct cgroup_hier *h, *u;

	if (r->n_rdma == 0)
		return 0;
	h = cgroup_v1_hier(cg, "rdma");
	if (!h) {
		u = unified_with(cg, "rdma");
		if (u)
			return cgroup_v2_apply_rdma(cg, u, r, err);
		return cgroup_no_controller(cg, "rdma", "rdma limits", err);
	}
	/* Same file and format as cgroup-v2.c's; v1 just has no controller to enable. */
	for (size_t i = 0; i < r->n_rdma; i++) {
		const struct rt_rdma_limit *l = &r->rdma[i];
		char buf[256];
		int k;

		if (!l->has_hca_handles && !l->has_hca_objects)
			continue;
		snprintf(buf, sizeof(buf), "%s", l->device);
		if (l->has_hca_handles)
			snprintf(buf + strlen(buf), sizeof(buf) - strlen(buf),
				 " hca_handle=%" PRIu32, l->hca_handles);
		if (l->has_hca_objects)
			snprintf(buf + strlen(buf), sizeof(buf) - strlen(buf),
				 " hca_object=%" PRIu32, l->hca_objects);
		k = cgroup_write(h->path, "rdma.max", buf, err);
		if (k < 0)
			return k;
	}
	return 0;
}

/* linux.resources.unified names cgroup2 files: on hybrid they go to the cgroup2 hierarchy;
 * pure v1 has nowhere to put them. */
static int apply_unified(struct cgroup *cg, const struct rt_resources *r, struct berth_error **err)
{
	struct cgroup_hier *u;

	if (r->n_unified == 0)
		return 0;
	int k;

	u = cgroup_unified(cg);
	if (!u)
		return berth_error_new(err, ENODEV,
				       "invalid configuration: unified '%s': no cgroup2 hierarchy "
				       "under '%s' (cgroup v1 only)",
				       r->unified[0].key, cg->root);
	k = cgroup_v2_apply_unified(cg, u, r, err);
	/* a controller that is bound to v1 here: the config does not fit this host (runc
	 * refuses unified on anything but cgroup2-only with "invalid configuration") */
	if (k == -ENODEV)
		return berth_error_wrap(err, "invalid configuration");
	return k;
}

static int v1_apply(struct cgroup *cg, const struct rt_resources *r, struct berth_error **err)
{
	static int (*const steps[])(struct cgroup *, const struct rt_resources *,
				    struct berth_error **) =
	    {
		apply_memory,  apply_cpu,     apply_cpuset,  apply_pids,
		apply_devices, apply_blkio,   apply_hugetlb, apply_network,
		apply_rdma,    apply_unified, /* last: it may override any of the above */
	    };

	for (size_t i = 0; i < ELEMENTSOF(steps); i++) {
		int k = steps[i](cg, r, err);

		if (k < 0)
			return k;
	}
	return 0;
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
	uint64_t deadline = now_ms() + 1000;

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
		if (now_ms() >= deadline) {
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

/* blkio's bytes as docker counts them: the Read and Write lines of
 * blkio.throttle.io_service_bytes_recursive ("MAJ:MIN Read N", a line per device and
 * operation, then "Total N"), which the throttling layer counts under any I/O scheduler
 * (the CFQ-only blkio.io_service_bytes is gone with CFQ). */
static int v1_stats_blkio(const struct cgroup_hier *h, struct cgroup_stats *s,
			  struct berth_error **err)
{
	_cleanup_free_ char *text = NULL;
	char *line, *saveptr = NULL;
	int r;

	r = cgroup_read(h->path, "blkio.throttle.io_service_bytes_recursive", true, &text, err);
	if (r == 0)
		r = cgroup_read(h->path, "blkio.throttle.io_service_bytes", true, &text, err);
	if (r <= 0)
		return r;
	for (line = strtok_r(text, "\n", &saveptr); line; line = strtok_r(NULL, "\n", &saveptr)) {
		unsigned long long n;
		char op[16];

		if (sscanf(line, "%*u:%*u %15s %llu", op, &n) != 2)
			continue;
		if (!strcasecmp(op, "Read"))
			s->io_read += n;
		else if (!strcasecmp(op, "Write"))
			s->io_write += n;
	}
	return 0;
}

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

	h = cgroup_v1_hier(cg, "blkio");
	if (h) {
		r = v1_stats_blkio(h, &s, err);
		if (r < 0)
			return r;
	} else if ((u = unified_with(cg, "io"))) {
		r = cgroup_v2_stats_io(u, &s, err);
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
	uint64_t deadline = now_ms() + 2000;
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
		if (now_ms() >= deadline)
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
