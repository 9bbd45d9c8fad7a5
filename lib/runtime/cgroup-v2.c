/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The cgroup2 backend. Also provides the per-controller pieces that the hybrid layout
 * drives through its cgroup2 hierarchy (for controllers not bound to a v1 one).
 */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "berth/cleanup.h"
#include "bpf-devices.h"
#include "cgroup-internal.h"
#include "cgroup.h"
#include "berth/util.h"

#define CONTROLLER_SEPS " \t\n"

/* Best effort while creating: offer every controller the parent has to its children, so
 * that the new cgroup gets their files. Failures are expected and ignored here (EBUSY when
 * the parent has processes of its own, EACCES/EPERM above a delegated subtree, ENOENT on
 * kernels or fake trees without the file); apply() checks each controller it actually needs
 * and reports precisely why one is missing. */
static int enable_all(const struct cgroup *cg, const char *parent, const char *dir,
		      struct berth_error **err)
{
	_cleanup_free_ char *avail = NULL, *enabled = NULL;
	char *tok, *saveptr = NULL;

	if (cgroup_read(parent, "cgroup.controllers", true, &avail, NULL) <= 0)
		return 0;
	if (cgroup_read(parent, "cgroup.subtree_control", true, &enabled, NULL) <= 0)
		return 0;
	for (tok = strtok_r(avail, CONTROLLER_SEPS, &saveptr); tok;
	     tok = strtok_r(NULL, CONTROLLER_SEPS, &saveptr)) {
		_cleanup_free_ char *v = NULL;

		if (cgroup_list_has(enabled, CONTROLLER_SEPS, tok))
			continue;
		v = xasprintf("+%s", tok);
		if (!v)
			return berth_error_set(err, ENOMEM, "enable controllers in '%s'", parent);
		/* One controller per write: the kernel rejects a whole line if one fails. */
		(void)cgroup_write(parent, "cgroup.subtree_control", v, NULL);
	}
	return 0;
}

/* Make sure `controller` is enabled for h->path, enabling it in every ancestor from the
 * hierarchy root down if needed. `what` names the resource for the error message. */
static int need_controller(const struct cgroup_hier *h, const char *controller, const char *what,
			   struct berth_error **err)
{
	_cleanup_free_ char *leaf = NULL, *p = NULL, *again = NULL;
	size_t base = strlen(h->mountpoint), len;
	int r;

	r = cgroup_read(h->path, "cgroup.controllers", false, &leaf, err);
	if (r < 0)
		return berth_error_wrap(err, "%s", what);
	if (cgroup_list_has(leaf, CONTROLLER_SEPS, controller))
		return 0;

	p = strdup(h->path);
	if (!p)
		return berth_error_set(err, ENOMEM, "%s", what);
	len = strlen(p);
	/* Ancestors: the mount point, then each level down to the leaf's parent. */
	for (size_t i = base; i < len; i++) {
		_cleanup_free_ char *avail = NULL, *enabled = NULL, *v = NULL;

		if (p[i] != '/')
			continue;
		p[i] = 0;
		r = cgroup_read(p, "cgroup.controllers", true, &avail, err);
		if (r < 0)
			return berth_error_wrap(err, "%s", what);
		if (r == 0 || !cgroup_list_has(avail, CONTROLLER_SEPS, controller))
			return berth_error_new(
			    err, ENODEV, "%s: cgroup controller '%s' is not available in '%s'",
			    what, controller, p);
		r = cgroup_read(p, "cgroup.subtree_control", true, &enabled, err);
		if (r < 0)
			return berth_error_wrap(err, "%s", what);
		if (r == 0 || !cgroup_list_has(enabled, CONTROLLER_SEPS, controller)) {
			v = xasprintf("+%s", controller);
			if (!v)
				return berth_error_set(err, ENOMEM, "%s", what);
			r = cgroup_write(p, "cgroup.subtree_control", v, err);
			if (r < 0)
				return berth_error_wrap(err, "%s: enable cgroup controller '%s'",
							what, controller);
		}
		p[i] = '/';
	}
	r = cgroup_read(h->path, "cgroup.controllers", false, &again, err);
	if (r < 0)
		return berth_error_wrap(err, "%s", what);
	if (!cgroup_list_has(again, CONTROLLER_SEPS, controller))
		return berth_error_new(err, ENODEV,
				       "%s: cgroup controller '%s' is not enabled in '%s'", what,
				       controller, h->path);
	return 0;
}

static int write_i64_or_max(const char *dir, const char *file, int64_t v, struct berth_error **err)
{
	char buf[32];

	if (v < 0)
		return cgroup_write(dir, file, "max", err);
	snprintf(buf, sizeof(buf), "%" PRId64, v);
	return cgroup_write(dir, file, buf, err);
}

int cgroup_v2_apply_memory(const struct cgroup *cg, const struct cgroup_hier *h,
			   const struct rt_resources *r, struct berth_error **err)
{
	int k;

	/* memory.swappiness and the OOM-killer switch have no cgroup2 equivalent; like runc,
	 * they are ignored here. */
	if (r->memory_limit == RT_UNSET && r->memory_reservation == RT_UNSET &&
	    r->memory_swap == RT_UNSET)
		return 0;
	k = need_controller(h, "memory", "memory limits", err);
	if (k < 0)
		return k;

	if (r->memory_swap != RT_UNSET) {
		/* OCI gives memory+swap; cgroup2 limits swap alone. */
		int64_t swap = -1;

		if (r->memory_swap >= 0) {
			if (r->memory_limit == RT_UNSET || r->memory_limit < 0)
				return berth_error_new(err, EINVAL,
						       "memory swap limit %" PRId64
						       " needs a memory limit on cgroup v2",
						       r->memory_swap);
			if (r->memory_swap < r->memory_limit)
				return berth_error_new(err, EINVAL,
						       "memory+swap limit %" PRId64
						       " is lower than the memory limit %" PRId64,
						       r->memory_swap, r->memory_limit);
			swap = r->memory_swap - r->memory_limit;
		}
		k = write_i64_or_max(h->path, "memory.swap.max", swap, err);
		if (k < 0)
			return k;
	}
	if (r->memory_limit != RT_UNSET) {
		k = write_i64_or_max(h->path, "memory.max", r->memory_limit, err);
		if (k < 0)
			return k;
	}
	if (r->memory_reservation != RT_UNSET) {
		k = write_i64_or_max(h->path, "memory.low", r->memory_reservation, err);
		if (k < 0)
			return k;
	}
	return 0;
}

int cgroup_v2_apply_cpu(const struct cgroup *cg, const struct cgroup_hier *h,
			const struct rt_resources *r, struct berth_error **err)
{
	char buf[64];
	int k;

	if (!cgroup_wants_cpu(r))
		return 0;
	/* Realtime group scheduling exists in v1 only. */
	if (r->has_cpu_realtime_runtime || r->has_cpu_realtime_period)
		return berth_error_new(err, EOPNOTSUPP,
				       "cpu realtime runtime/period: not supported on cgroup v2");
	k = need_controller(h, "cpu", "cpu limits", err);
	if (k < 0)
		return k;
	if (r->cpu_shares != 0) {
		snprintf(buf, sizeof(buf), "%" PRIu64, cgroup_shares_to_weight(r->cpu_shares));
		k = cgroup_write(h->path, "cpu.weight", buf, err);
		if (k < 0)
			return k;
	}
	if (r->cpu_quota != RT_UNSET || r->cpu_period != 0) {
		/* cpu.max is "$QUOTA $PERIOD"; a lone quota keeps the current period. */
		_cleanup_free_ char *cur = NULL;
		char quota[32];

		if (r->cpu_quota == RT_UNSET) {
			/* Only the period changes: keep the current quota. */
			k = cgroup_read(h->path, "cpu.max", false, &cur, err);
			if (k < 0)
				return k;
			cur[strcspn(cur, " ")] = 0;
			snprintf(quota, sizeof(quota), "%s", cur);
		} else if (r->cpu_quota < 0) {
			snprintf(quota, sizeof(quota), "max");
		} else {
			snprintf(quota, sizeof(quota), "%" PRId64, r->cpu_quota);
		}
		if (r->cpu_period != 0)
			snprintf(buf, sizeof(buf), "%s %" PRIu64, quota, r->cpu_period);
		else
			snprintf(buf, sizeof(buf), "%s", quota);
		k = cgroup_write(h->path, "cpu.max", buf, err);
		if (k < 0)
			return k;
	}
	/* The burst may not exceed the quota: after cpu.max. */
	if (r->has_cpu_burst) {
		snprintf(buf, sizeof(buf), "%" PRIu64, r->cpu_burst);
		k = cgroup_write(h->path, "cpu.max.burst", buf, err);
		if (k < 0)
			return k;
	}
	if (r->has_cpu_idle) {
		k = cgroup_write(h->path, "cpu.idle", r->cpu_idle ? "1" : "0", err);
		if (k < 0)
			return k;
	}
	return 0;
}

int cgroup_v2_apply_cpuset(const struct cgroup *cg, const struct cgroup_hier *h,
			   const struct rt_resources *r, struct berth_error **err)
{
	int k;

	if (!r->cpu_cpus && !r->cpu_mems)
		return 0;
	k = need_controller(h, "cpuset", "cpuset", err);
	if (k < 0)
		return k;
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

int cgroup_v2_apply_pids(const struct cgroup *cg, const struct cgroup_hier *h,
			 const struct rt_resources *r, struct berth_error **err)
{
	int k;

	if (r->pids_limit == RT_UNSET)
		return 0;
	k = need_controller(h, "pids", "pids limit", err);
	if (k < 0)
		return k;
	return write_i64_or_max(h->path, "pids.max", r->pids_limit <= 0 ? -1 : r->pids_limit, err);
}

int cgroup_v2_apply_io(const struct cgroup *cg, const struct cgroup_hier *h,
		       const struct rt_resources *r, struct berth_error **err)
{
	static const char *const throttle_keys[_RT_BLKIO_THROTTLE_MAX] = {
	    [RT_BLKIO_READ_BPS] = "rbps",
	    [RT_BLKIO_WRITE_BPS] = "wbps",
	    [RT_BLKIO_READ_IOPS] = "riops",
	    [RT_BLKIO_WRITE_IOPS] = "wiops",
	};
	bool leaf = r->blkio_leaf_weight != 0, bfq;
	char buf[96];
	int k;

	if (!cgroup_wants_io(r))
		return 0;
	for (size_t i = 0; i < r->n_blkio_weight_devices; i++)
		leaf = leaf || r->blkio_weight_devices[i].leaf_weight;
	if (leaf)
		return berth_error_new(err, EOPNOTSUPP,
				       "block I/O leaf weight: not supported on cgroup v2");
	k = need_controller(h, "io", "block I/O limits", err);
	if (k < 0)
		return k;
	/* BFQ's io.bfq.weight takes blkio's 1..1000 as is; io.weight (iocost) has 1..10000. */
	bfq = cgroup_file_exists(h->path, "io.bfq.weight");
	if (r->blkio_weight) {
		snprintf(buf, sizeof(buf), "%" PRIu64,
			 bfq ? (uint64_t)r->blkio_weight
			     : cgroup_blkio_to_io_weight(r->blkio_weight));
		k = cgroup_write(h->path, bfq ? "io.bfq.weight" : "io.weight", buf, err);
		if (k < 0)
			return k;
	}
	for (size_t i = 0; i < r->n_blkio_weight_devices; i++) {
		const struct rt_blkio_weight_device *d = &r->blkio_weight_devices[i];

		if (!d->weight)
			continue;
		snprintf(buf, sizeof(buf), "%" PRId64 ":%" PRId64 " %" PRIu64, d->major, d->minor,
			 bfq ? (uint64_t)d->weight : cgroup_blkio_to_io_weight(d->weight));
		k = cgroup_write(h->path, bfq ? "io.bfq.weight" : "io.weight", buf, err);
		if (k < 0)
			return k;
	}
	for (size_t t = 0; t < _RT_BLKIO_THROTTLE_MAX; t++)
		for (size_t i = 0; i < r->n_blkio_throttle[t]; i++) {
			const struct rt_blkio_throttle *d = &r->blkio_throttle[t][i];

			/* One key per write; the others keep their value. 0 lifts the limit,
			 * as on v1. */
			if (d->rate == 0)
				snprintf(buf, sizeof(buf), "%" PRId64 ":%" PRId64 " %s=max",
					 d->major, d->minor, throttle_keys[t]);
			else
				snprintf(buf, sizeof(buf), "%" PRId64 ":%" PRId64 " %s=%" PRIu64,
					 d->major, d->minor, throttle_keys[t], d->rate);
			k = cgroup_write(h->path, "io.max", buf, err);
			if (k < 0)
				return k;
		}
	return 0;
}

int cgroup_v2_apply_hugetlb(const struct cgroup *cg, const struct cgroup_hier *h,
			    const struct rt_resources *r, struct berth_error **err)
{
	int k;

	if (r->n_hugepage_limits == 0)
		return 0;
	k = need_controller(h, "hugetlb", "hugepage limits", err);
	if (k < 0)
		return k;
	for (size_t i = 0; i < r->n_hugepage_limits; i++) {
		const struct rt_hugepage_limit *l = &r->hugepage_limits[i];
		_cleanup_free_ char *file = xasprintf("hugetlb.%s.max", l->page_size);
		_cleanup_free_ char *rsvd = xasprintf("hugetlb.%s.rsvd.max", l->page_size);
		char buf[32];

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
		snprintf(buf, sizeof(buf), "%" PRIu64, l->limit);
		k = cgroup_write(h->path, file, buf, err);
		if (k < 0)
			return k;
		/* Reservations (5.7+) get the same limit, as runc does. */
		if (cgroup_file_exists(h->path, rsvd)) {
			k = cgroup_write(h->path, rsvd, buf, err);
			if (k < 0)
				return k;
		}
	}
	return 0;
}

bool cgroup_rdma_supported(void)
{
	/* cgroup_v2_apply_rdma() below, and cgroup-v1.c's apply_rdma() (which falls back to
	 * it for an rdma controller on the unified hierarchy of a hybrid host) */
	return true;
}

int cgroup_v2_apply_rdma(const struct cgroup *cg, const struct cgroup_hier *h,
			 const struct rt_resources *r, struct berth_error **err)
{
	int k;

	if (r->n_rdma == 0)
		return 0;
	k = need_controller(h, "rdma", "rdma limits", err);
	if (k < 0)
		return k;
	for (size_t i = 0; i < r->n_rdma; i++) {
		const struct rt_rdma_limit *l = &r->rdma[i];
		char buf[256];

		if (!l->has_hca_handles && !l->has_hca_objects)
			continue;
		/* "mlx5_0 hca_handle=2 hca_object=2000"; a key left out keeps its value. */
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

int cgroup_v2_apply_unified(const struct cgroup *cg, const struct cgroup_hier *h,
			    const struct rt_resources *r, struct berth_error **err)
{
	for (size_t i = 0; i < r->n_unified; i++) {
		const char *key = r->unified[i].key, *value = r->unified[i].value;
		_cleanup_free_ char *controller = NULL, *what = NULL;
		int k;

		k = cgroup_check_unified_key(key, err);
		if (k < 0)
			return k;
		/* A file that is there is written as is: core files (cgroup.*, *.pressure)
		 * need no controller. A missing one may only lack its controller: enable it
		 * along the path, which also gives a precise error when it cannot be. */
		if (!cgroup_file_exists(h->path, key)) {
			controller = strndup(key, strcspn(key, "."));
			what = xasprintf("unified '%s'", key);
			if (!controller || !what)
				return berth_error_set(err, ENOMEM, "unified '%s'", key);
			if (!streq(controller, "cgroup")) {
				k = need_controller(h, controller, what, err);
				if (k < 0)
					return k;
			}
			if (!cgroup_file_exists(h->path, key))
				return berth_error_new(err, ENOENT,
						       "unified '%s': no such file in '%s'", key,
						       h->path);
		}
		k = cgroup_write_lines(h->path, key, value, err);
		if (k < 0)
			return berth_error_wrap(err, "unified '%s'", key);
	}
	return 0;
}

int cgroup_v2_stats_memory(const struct cgroup_hier *h, struct cgroup_stats *s,
			   struct berth_error **err)
{
	uint64_t v;
	int r;

	/* No memory.current: the memory controller is not enabled here. */
	r = cgroup_read_u64(h->path, "memory.current", true, &v, err);
	if (r <= 0)
		return r;
	s->memory_usage = v;
	r = cgroup_read_u64(h->path, "memory.max", false, &s->memory_limit, err);
	if (r < 0)
		return r;
	r = cgroup_read_u64(h->path, "memory.peak", true, &s->memory_max_usage, err); /* 5.19+ */
	if (r < 0)
		return r;
	r = cgroup_read_keyed(h->path, "memory.events", "oom_kill", &s->oom_kills, err);
	return r < 0 ? r : 0;
}

int cgroup_v2_stats_cpu(const struct cgroup_hier *h, struct cgroup_stats *s,
			struct berth_error **err)
{
	uint64_t usec;
	int r;

	r = cgroup_read_keyed(h->path, "cpu.stat", "usage_usec", &usec, err);
	if (r <= 0)
		return r;
	s->cpu_usage_ns = usec * 1000;
	return 0;
}

int cgroup_v2_stats_pids(const struct cgroup_hier *h, struct cgroup_stats *s,
			 struct berth_error **err)
{
	int r;

	r = cgroup_read_u64(h->path, "pids.current", true, &s->pids_current, err);
	if (r <= 0)
		return r;
	r = cgroup_read_u64(h->path, "pids.max", false, &s->pids_limit, err);
	return r < 0 ? r : 0;
}

int cgroup_v2_stats_io(const struct cgroup_hier *h, struct cgroup_stats *s,
		       struct berth_error **err)
{
	_cleanup_free_ char *text = NULL;
	char *line, *saveptr = NULL;
	int r;

	/* "MAJ:MIN rbytes=N wbytes=N rios=N wios=N dbytes=N dios=N", a line per device */
	r = cgroup_read(h->path, "io.stat", true, &text, err);
	if (r <= 0)
		return r;
	for (line = strtok_r(text, "\n", &saveptr); line; line = strtok_r(NULL, "\n", &saveptr)) {
		char *w, *save2 = NULL;

		for (w = strtok_r(line, " ", &save2); w; w = strtok_r(NULL, " ", &save2)) {
			unsigned long long n;
			char key[8];

			if (sscanf(w, "%7[a-z]=%llu", key, &n) != 2)
				continue;
			if (streq(key, "rbytes"))
				s->io_read += n;
			else if (streq(key, "wbytes"))
				s->io_write += n;
		}
	}
	return 0;
}

int cgroup_v2_frozen_hier(const struct cgroup_hier *h, bool *ret, struct berth_error **err)
{
	uint64_t v = 0;
	int r;

	r = cgroup_read_keyed(h->path, "cgroup.events", "frozen", &v, err);
	if (r < 0)
		return r;
	*ret = r > 0 && v == 1;
	return 0;
}

int cgroup_v2_freeze_hier(const struct cgroup_hier *h, bool frozen, struct berth_error **err)
{
	uint64_t deadline;
	int r;

	r = cgroup_write(h->path, "cgroup.freeze", frozen ? "1" : "0", err);
	if (r < 0)
		return r;
	/* The write only starts freezing; cgroup.events says when every task has stopped. */
	deadline = now_ms() + 1000;
	for (;;) {
		bool state;

		r = cgroup_v2_frozen_hier(h, &state, err);
		if (r < 0)
			return r;
		if (state == frozen)
			return 0;
		if (now_ms() >= deadline)
			return berth_error_new(err, ETIMEDOUT,
					       "%s '%s': cgroup.events does not say 'frozen %d' "
					       "after 1s",
					       frozen ? "freeze" : "thaw", h->path, frozen ? 1 : 0);
		cgroup_sleep_ms(10);
	}
}

static struct cgroup_hier *hier(struct cgroup *cg)
{
	return &cg->hiers[0];
}

static int v2_create(struct cgroup *cg, struct berth_error **err)
{
	return cgroup_hier_mkdir(cg, hier(cg), enable_all, err);
}

static int v2_enter(struct cgroup *cg, pid_t pid, struct berth_error **err)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%d", (int)pid);
	return cgroup_write(hier(cg)->path, "cgroup.procs", buf, err);
}

static int v2_apply(struct cgroup *cg, const struct rt_resources *r, struct berth_error **err)
{
	int k;

	k = cgroup_v2_apply_memory(cg, hier(cg), r, err);
	if (k < 0)
		return k;
	k = cgroup_v2_apply_cpu(cg, hier(cg), r, err);
	if (k < 0)
		return k;
	k = cgroup_v2_apply_cpuset(cg, hier(cg), r, err);
	if (k < 0)
		return k;
	k = cgroup_v2_apply_pids(cg, hier(cg), r, err);
	if (k < 0)
		return k;
	k = cgroup_v2_apply_io(cg, hier(cg), r, err);
	if (k < 0)
		return k;
	k = cgroup_v2_apply_hugetlb(cg, hier(cg), r, err);
	if (k < 0)
		return k;
	k = cgroup_v2_apply_rdma(cg, hier(cg), r, err);
	if (k < 0)
		return k;
	if (r->has_net_class_id || r->n_net_priorities > 0)
		return berth_error_new(
		    err, EOPNOTSUPP,
		    "network %s: net_cls and net_prio are cgroup v1 controllers, "
		    "cgroup v2 has no equivalent",
		    r->has_net_class_id ? "classID" : "priorities");
	/* Last: it may override anything above. */
	k = cgroup_v2_apply_unified(cg, hier(cg), r, err);
	if (k < 0)
		return k;
	/* Device rules: cgroup2 has no devices.allow/deny, a BPF_CGROUP_DEVICE program
	 * attached to the cgroup enforces them (bpf-devices.c). */
	if (r->n_devices > 0)
		return bpf_devices_attach(hier(cg)->path, r->devices, r->n_devices, err);
	return 0;
}

static int v2_freeze(struct cgroup *cg, bool frozen, struct berth_error **err)
{
	return cgroup_v2_freeze_hier(hier(cg), frozen, err);
}

static int v2_frozen(struct cgroup *cg, bool *ret, struct berth_error **err)
{
	return cgroup_v2_frozen_hier(hier(cg), ret, err);
}

static int v2_stats(struct cgroup *cg, struct cgroup_stats *ret, struct berth_error **err)
{
	struct cgroup_stats s = {.memory_limit = UINT64_MAX, .pids_limit = UINT64_MAX};
	int r;

	r = cgroup_v2_stats_memory(hier(cg), &s, err);
	if (r < 0)
		return r;
	r = cgroup_v2_stats_cpu(hier(cg), &s, err);
	if (r < 0)
		return r;
	r = cgroup_v2_stats_pids(hier(cg), &s, err);
	if (r < 0)
		return r;
	r = cgroup_v2_stats_io(hier(cg), &s, err);
	if (r < 0)
		return r;
	*ret = s;
	return 0;
}

static int v2_pids(struct cgroup *cg, pid_t **ret, size_t *ret_n, struct berth_error **err)
{
	return cgroup_read_procs(hier(cg)->path, true, ret, ret_n, err);
}

static bool has_cgroup_kill(const struct cgroup_hier *h)
{
	_cleanup_free_ char *p = xasprintf("%s/cgroup.kill", h->path);

	return p && access(p, F_OK) == 0;
}

static int v2_kill(struct cgroup *cg, int sig, struct berth_error **err)
{
	int r;

	/* cgroup.kill (5.14+) kills the whole subtree atomically: no fork race. */
	if (sig == SIGKILL && has_cgroup_kill(hier(cg)))
		return cgroup_write(hier(cg)->path, "cgroup.kill", "1", err);
	r = cgroup_signal_tree(hier(cg)->path, sig, err);
	return r < 0 ? r : 0;
}

static int v2_destroy(struct cgroup *cg, struct berth_error **err)
{
	const struct cgroup_hier *h = hier(cg);
	uint64_t deadline = now_ms() + 2000;
	int r;

	/* Frozen tasks still die from SIGKILL on cgroup2, no thaw needed. */
	for (;;) {
		/* Best effort: whatever cgroup.kill misses is signalled one by one below. */
		if (has_cgroup_kill(h))
			(void)cgroup_write(h->path, "cgroup.kill", "1", NULL);
		r = cgroup_signal_tree(h->path, SIGKILL, err);
		if (r < 0)
			return r;
		if (r == 0)
			break;
		if (now_ms() >= deadline)
			return berth_error_new(err, EBUSY,
					       "destroy '%s': %d processes still there after 2s",
					       h->path, r);
		cgroup_sleep_ms(10);
	}
	return cgroup_hier_rmdir(h, err);
}

const struct cgroup_ops cgroup_v2_ops = {
    .name = "v2",
    .create = v2_create,
    .enter = v2_enter,
    .apply = v2_apply,
    .freeze = v2_freeze,
    .frozen = v2_frozen,
    .stats = v2_stats,
    .pids = v2_pids,
    .kill = v2_kill,
    .destroy = v2_destroy,
};
