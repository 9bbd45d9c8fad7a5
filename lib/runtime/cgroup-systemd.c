/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The systemd cgroup driver, as runc and crun implement it: the container's cgroup is a
 * transient scope unit that systemd makes (StartTransientUnit over D-Bus, Delegate=yes,
 * the container's init as its one PID), its resources are set as unit properties (so a
 * `systemctl daemon-reload` keeps them) and written to the cgroup files as well (for what
 * systemd cannot express: device rules as berth's own eBPF program, swappiness-free
 * cgroup2 keys, unified). Placement, limits, update and delete go through systemd;
 * freezing, stats, pids and signals read and write the scope's cgroup directly, which
 * Delegate=yes hands to us.
 *
 * cgroupsPath is runc's "slice:prefix:name": the scope "prefix-name.scope" in the slice
 * (default system.slice), whose cgroup is /system.slice/prefix-name.scope, or for
 * "a-b.slice" /a.slice/a-b.slice/prefix-name.scope. Only the unified (cgroup v2)
 * hierarchy is driven this way, as on every host where systemd is the default.
 */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statfs.h>
#include <unistd.h>
#include <linux/magic.h>

#include "berth/runtime.h"
#include "berth/cleanup.h"
#include "cgroup-internal.h"
#include "sdbus.h"
#include "berth/util.h"

#define SD_PATH "/org/freedesktop/systemd1"
#define SD_MANAGER "org.freedesktop.systemd1.Manager"
#define SD_TIMEOUT_MS 30000

bool cgroup_systemd_running(void)
{
	/* sd_booted(): systemd makes this directory early at boot, nothing else does */
	return access("/run/systemd/system/", F_OK) == 0;
}

const char *berth_cgroup_manager_default(void)
{
	struct statfs fs;

	/* one statfs where systemd runs (what systemd and docker check), rather than the
	 * mountinfo walk of cgroup_detect(): the engine asks on every create */
	if (cgroup_systemd_running() && statfs("/sys/fs/cgroup", &fs) == 0 &&
	    fs.f_type == CGROUP2_SUPER_MAGIC)
		return "systemd";
	return "cgroupfs";
}

/* "a-b-c.slice" -> "/a.slice/a-b.slice/a-b-c.slice"; "-.slice" -> "". */
static int expand_slice(const char *slice, char **ret)
{
	size_t n = strlen(slice) - strlen(".slice");
	_cleanup_free_ char *out = NULL;
	size_t len = 0;

	if (streq(slice, "-.slice")) {
		*ret = strdup("");
		return *ret ? 0 : -ENOMEM;
	}
	out = malloc(2 * (n + 1) * (n + 8) + 1);
	if (!out)
		return -ENOMEM;
	out[0] = 0;
	for (size_t i = 0; i <= n; i++) {
		if (i < n && slice[i] != '-')
			continue;
		if (i == 0 || slice[i - 1] == '-')
			return -EINVAL; /* "-a.slice", "a--b.slice" */
		len += (size_t)sprintf(out + len, "/%.*s.slice", (int)i, slice);
	}
	*ret = TAKE_PTR(out);
	return 0;
}

/* systemd's unit name characters: ASCII letters and digits, ":-_.\\@" */
static bool unit_name_valid(const char *s)
{
	if (!*s || strlen(s) > 255)
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || strchr(":-_.\\@", *s)))
			return false;
	return true;
}

int cgroup_new_systemd(const char *spec, const char *id, struct cgroup **ret,
		       struct berth_error **err)
{
	_cleanup_(cgroup_freep) struct cgroup *cg = NULL;
	_cleanup_free_ char *copy = NULL, *slice = NULL, *unit = NULL, *sdir = NULL, *path = NULL;
	const char *parts[3];
	char *p;
	size_t n = 0;
	int r;

	if (!cgroup_systemd_running())
		return berth_error_new(
		    err, ENOMEDIUM,
		    "the systemd cgroup driver needs systemd as the init "
		    "system, and it is not running here (no /run/systemd/system; "
		    "use the cgroupfs driver)");
	copy = spec && *spec ? strdup(spec) : xasprintf("system.slice:berth:%s", id);
	if (!copy)
		return berth_error_set(err, ENOMEM, "cgroupsPath");
	/* strsep, not strtok: empty fields count ("::name") */
	for (p = copy; n < 3 && (parts[n] = strsep(&p, ":")); n++)
		;
	if (n != 3 || p)
		return berth_error_new(err, EINVAL,
				       "cgroupsPath '%s': the systemd cgroup driver expects "
				       "\"slice:prefix:name\"",
				       spec);
	slice = strdup(*parts[0] ? parts[0] : "system.slice");
	if (!slice)
		return berth_error_set(err, ENOMEM, "cgroupsPath");
	if (strlen(slice) <= strlen(".slice") || !endswith(slice, ".slice") ||
	    !unit_name_valid(slice))
		return berth_error_new(err, EINVAL, "cgroupsPath '%s': '%s' is not a slice name",
				       spec, slice);
	if (endswith(parts[2], ".slice"))
		return berth_error_new(err, EINVAL,
				       "cgroupsPath '%s': a container is a scope; '%s' names a "
				       "slice",
				       spec, parts[2]);
	unit = *parts[1] ? xasprintf("%s-%s.scope", parts[1], parts[2])
			 : xasprintf("%s.scope", parts[2]);
	if (!unit)
		return berth_error_set(err, ENOMEM, "cgroupsPath");
	if (!*parts[2] || !unit_name_valid(unit))
		return berth_error_new(err, EINVAL, "cgroupsPath '%s': '%s' is not a unit name",
				       spec, unit);
	r = expand_slice(slice, &sdir);
	if (r == -EINVAL)
		return berth_error_new(err, EINVAL, "cgroupsPath '%s': '%s' is not a slice name",
				       spec, slice);
	if (r < 0)
		return berth_error_set(err, -r, "cgroupsPath");
	path = xasprintf("%s/%s", sdir, unit);
	if (!path)
		return berth_error_set(err, ENOMEM, "cgroupsPath");
	r = cgroup_new(path, NULL, NULL, NULL, &cg, err);
	if (r < 0)
		return r;
	if (cg->layout != CGROUP_LAYOUT_V2)
		return berth_error_new(err, EOPNOTSUPP,
				       "the systemd cgroup driver needs the unified cgroup "
				       "hierarchy (cgroup v2); this host's layout is %s (use the "
				       "cgroupfs driver)",
				       cgroup_layout_name(cg->layout));
	cg->ops = &cgroup_systemd_ops;
	cg->unit = TAKE_PTR(unit);
	cg->slice = TAKE_PTR(slice);
	*ret = TAKE_PTR(cg);
	return 0;
}

int cgroup_open_unit(const char *path, const char *unit, struct cgroup **ret,
		     struct berth_error **err)
{
	_cleanup_(cgroup_freep) struct cgroup *cg = NULL;
	int r;

	r = cgroup_new(path, NULL, NULL, NULL, &cg, err);
	if (r < 0)
		return r;
	if (unit && *unit) {
		cg->unit = strdup(unit);
		if (!cg->unit)
			return berth_error_set(err, ENOMEM, "cgroup '%s'", path);
		cg->ops = &cgroup_systemd_ops;
		cg->sd_owned = true; /* state recorded it: the container's own */
	}
	*ret = TAKE_PTR(cg);
	return 0;
}

/* ---- properties ---- */

static void prop_u64(struct sdbus_buf *b, const char *name, uint64_t v)
{
	sdbus_prop_begin(b, name, "t");
	sdbus_put_u64(b, v);
}

static void prop_bool(struct sdbus_buf *b, const char *name, bool v)
{
	sdbus_prop_begin(b, name, "b");
	sdbus_put_bool(b, v);
}

static void prop_str(struct sdbus_buf *b, const char *name, const char *v)
{
	sdbus_prop_begin(b, name, "s");
	sdbus_put_str(b, v);
}

/* A cpuset list ("0-3,8") as systemd's byte mask (bit i of byte i/8). */
static int prop_cpuset(struct sdbus_buf *b, const char *name, const char *list)
{
	uint8_t mask[128] = {};
	size_t top = 0, a;
	const char *s = list;

	while (*s) {
		char *end;
		unsigned long lo = strtoul(s, &end, 10), hi = lo;

		if (end == s)
			return -EINVAL;
		s = end;
		if (*s == '-') {
			hi = strtoul(s + 1, &end, 10);
			if (end == s + 1 || hi < lo)
				return -EINVAL;
			s = end;
		}
		if (hi >= sizeof(mask) * 8)
			return -ERANGE;
		for (unsigned long i = lo; i <= hi; i++)
			mask[i / 8] |= (uint8_t)(1u << (i % 8));
		if (hi / 8 + 1 > top)
			top = hi / 8 + 1;
		if (*s == ',')
			s++;
		else if (*s && *s != '\n')
			return -EINVAL;
		else
			break;
	}
	sdbus_prop_begin(b, name, "ay");
	a = sdbus_array_begin(b, 1);
	for (size_t i = 0; i < top; i++)
		sdbus_put_u8(b, mask[i]);
	sdbus_array_end(b, a);
	return 0;
}

/* The name /proc/devices gives a major number of a type ('c' or 'b'): "pts" for 136. */
static char *device_group(char type, int64_t major)
{
	_cleanup_fclose_ FILE *f = fopen("/proc/devices", "re");
	char line[128], name[64];
	bool in = false;
	long m;

	if (!f)
		return NULL;
	while (fgets(line, sizeof(line), f)) {
		if (startswith(line, "Character devices:"))
			in = type == 'c';
		else if (startswith(line, "Block devices:"))
			in = type == 'b';
		else if (in && sscanf(line, "%ld %63s", &m, name) == 2 && m == major)
			return xasprintf("%s-%s", type == 'c' ? "char" : "block", name);
	}
	return NULL;
}

/*
 * Device rules as DevicePolicy/DeviceAllow, as runc translates them: a list that starts by
 * denying everything and then allows some devices becomes DevicePolicy=strict with one
 * DeviceAllow entry each ("char-*" for every char device, "char-pts" for a major's
 * group, "/dev/char/1:3" for one device); anything else (allow-all, denies after allows)
 * leaves systemd's policy open (auto, no entries) and berth's own eBPF program, attached
 * after the unit starts, enforces the exact rules either way.
 */
static void prop_devices(struct sdbus_buf *b, const struct rt_device_rule *d, size_t n)
{
	bool strict = n > 0 && !d[0].allow && d[0].type == 'a';
	size_t a;

	for (size_t i = 1; strict && i < n; i++)
		strict = d[i].allow && d[i].type != 'a';
	prop_str(b, "DevicePolicy", strict ? "strict" : "auto");
	sdbus_prop_begin(b, "DeviceAllow", "a(ss)");
	a = sdbus_array_begin(b, 8);
	for (size_t i = 1; strict && i < n; i++) {
		_cleanup_free_ char *node = NULL;
		const char *group = d[i].type == 'c' ? "char" : "block";

		if (d[i].major < 0)
			node = xasprintf("%s-*", group);
		else if (d[i].minor < 0)
			node = device_group(d[i].type, d[i].major);
		else
			node = xasprintf("/dev/%s/%" PRId64 ":%" PRId64, group, d[i].major,
					 d[i].minor);
		if (!node)
			continue; /* a major with no name: only berth's program allows it */
		sdbus_struct_begin(b);
		sdbus_put_str(b, node);
		sdbus_put_str(b, d[i].access);
	}
	sdbus_array_end(b, a);
}

/* What systemd can express of r, as unit properties. */
static int resource_props(struct sdbus_buf *b, const struct rt_resources *r,
			  struct berth_error **err)
{
	if (r->memory_limit != RT_UNSET)
		prop_u64(b, "MemoryMax",
			 r->memory_limit < 0 ? UINT64_MAX : (uint64_t)r->memory_limit);
	if (r->memory_reservation != RT_UNSET)
		prop_u64(b, "MemoryLow",
			 r->memory_reservation < 0 ? UINT64_MAX : (uint64_t)r->memory_reservation);
	if (r->memory_swap != RT_UNSET && r->memory_limit != RT_UNSET) {
		if (r->memory_swap < 0 || r->memory_limit < 0)
			prop_u64(b, "MemorySwapMax", UINT64_MAX);
		else if (r->memory_swap >= r->memory_limit)
			prop_u64(b, "MemorySwapMax", (uint64_t)(r->memory_swap - r->memory_limit));
		/* lower than the limit: the file write below names the error */
	}
	if (r->cpu_shares)
		prop_u64(b, "CPUWeight", cgroup_shares_to_weight(r->cpu_shares));
	if (r->cpu_period)
		prop_u64(b, "CPUQuotaPeriodUSec", r->cpu_period);
	if (r->cpu_quota != RT_UNSET) {
		uint64_t per_sec = UINT64_MAX;

		if (r->cpu_quota > 0) {
			uint64_t period = r->cpu_period ? r->cpu_period : 100000;

			/* systemd keeps whole percents of a CPU: round up to 10 ms a second,
			 * as runc does (the cpu.max written below is exact) */
			per_sec = (uint64_t)r->cpu_quota * 1000000 / period;
			per_sec = (per_sec + 9999) / 10000 * 10000;
		}
		prop_u64(b, "CPUQuotaPerSecUSec", per_sec);
	}
	if (r->cpu_cpus && prop_cpuset(b, "AllowedCPUs", r->cpu_cpus) < 0)
		return berth_error_new(err, EINVAL, "cpuset cpus '%s': not a cpu list",
				       r->cpu_cpus);
	if (r->cpu_mems && prop_cpuset(b, "AllowedMemoryNodes", r->cpu_mems) < 0)
		return berth_error_new(err, EINVAL, "cpuset mems '%s': not a node list",
				       r->cpu_mems);
	if (r->pids_limit != RT_UNSET)
		prop_u64(b, "TasksMax", r->pids_limit <= 0 ? UINT64_MAX : (uint64_t)r->pids_limit);
	if (r->blkio_weight)
		prop_u64(b, "IOWeight", cgroup_blkio_to_io_weight(r->blkio_weight));
	if (r->n_devices > 0)
		prop_devices(b, r->devices, r->n_devices);
	return 0;
}

/* ---- the unit ---- */

/* Call a manager method that queues a job (StartTransientUnit, StopUnit) and wait for the
 * job to end: *ret_result is how ("done", "failed", ...). */
static int call_job(const char *method, const char *sig, const struct sdbus_buf *body,
		    char **ret_result, struct berth_error **err)
{
	_cleanup_(sdbus_closep) struct sdbus *bus = NULL;
	_cleanup_free_ char *job = NULL;
	struct sdbus_reader rep;
	const char *jobp;
	int k;

	k = sdbus_open(&bus, err);
	if (k >= 0) /* JobRemoved goes to subscribers only */
		k = sdbus_call(bus, SD_PATH, SD_MANAGER, "Subscribe", NULL, NULL, SD_TIMEOUT_MS,
			       NULL, err);
	if (k >= 0)
		k = sdbus_call(bus, SD_PATH, SD_MANAGER, method, sig, body, SD_TIMEOUT_MS, &rep,
			       err);
	if (k < 0)
		return k;
	if (sdbus_read_str(&rep, &jobp) < 0 || !(job = strdup(jobp)))
		return berth_error_new(err, EBADMSG, "systemd: %s: no job in the answer", method);
	return sdbus_wait_job(bus, job, SD_TIMEOUT_MS, ret_result, err);
}

static int unit_start(struct cgroup *cg, pid_t pid, const struct rt_resources *r,
		      struct berth_error **err)
{
	_cleanup_free_ char *result = NULL, *desc = NULL;
	struct sdbus_buf b = {};
	size_t props, pids, aux;
	int k;

	desc = xasprintf("berth container %s", cg->unit);
	if (!desc)
		return berth_error_set(err, ENOMEM, "unit '%s'", cg->unit);
	sdbus_put_str(&b, cg->unit);
	sdbus_put_str(&b, "fail");
	props = sdbus_array_begin(&b, 8);
	prop_str(&b, "Description", desc);
	prop_str(&b, "Slice", cg->slice ? cg->slice : "system.slice");
	prop_bool(&b, "Delegate", true);
	prop_bool(&b, "DefaultDependencies", false);
	/* gone when it stops, failed (an OOM kill) or not: no reset-failed needed */
	prop_str(&b, "CollectMode", "inactive-or-failed");
	prop_bool(&b, "MemoryAccounting", true);
	prop_bool(&b, "CPUAccounting", true);
	prop_bool(&b, "IOAccounting", true);
	prop_bool(&b, "TasksAccounting", true);
	sdbus_prop_begin(&b, "PIDs", "au");
	pids = sdbus_array_begin(&b, 4);
	sdbus_put_u32(&b, (uint32_t)pid);
	sdbus_array_end(&b, pids);
	k = r ? resource_props(&b, r, err) : 0;
	if (k < 0) {
		sdbus_buf_release(&b);
		return k;
	}
	sdbus_array_end(&b, props);
	aux = sdbus_array_begin(&b, 8); /* no auxiliary units */
	sdbus_array_end(&b, aux);
	k = call_job("StartTransientUnit", "ssa(sv)a(sa(sv))", &b, &result, err);
	sdbus_buf_release(&b);
	if (k == -EEXIST)
		return berth_error_wrap(err, "unit '%s' already exists (another container's)",
					cg->unit);
	if (k < 0)
		return berth_error_wrap(err, "start unit '%s'", cg->unit);
	if (!streq(result, "done"))
		return berth_error_new(
		    err, EIO,
		    "start unit '%s': systemd's job ended '%s' (journalctl -u %s "
		    "says why)",
		    cg->unit, result, cg->unit);
	return 0;
}

static int unit_set(struct cgroup *cg, const struct rt_resources *r, struct berth_error **err)
{
	_cleanup_(sdbus_closep) struct sdbus *bus = NULL;
	struct sdbus_buf b = {};
	size_t props;
	int k;

	sdbus_put_str(&b, cg->unit);
	sdbus_put_bool(&b, true); /* runtime: not written to /etc */
	props = sdbus_array_begin(&b, 8);
	k = resource_props(&b, r, err);
	if (k < 0) {
		sdbus_buf_release(&b);
		return k;
	}
	sdbus_array_end(&b, props);
	k = sdbus_open(&bus, err);
	if (k >= 0)
		k = sdbus_call(bus, SD_PATH, SD_MANAGER, "SetUnitProperties", "sba(sv)", &b,
			       SD_TIMEOUT_MS, NULL, err);
	sdbus_buf_release(&b);
	return k < 0 ? berth_error_wrap(err, "set the properties of unit '%s'", cg->unit) : 0;
}

/* Stop the unit and wait until it is gone; a unit that is not there is fine. */
static int unit_stop(struct cgroup *cg, struct berth_error **err)
{
	_cleanup_free_ char *result = NULL;
	struct sdbus_buf b = {};
	int k;

	sdbus_put_str(&b, cg->unit);
	sdbus_put_str(&b, "replace");
	k = call_job("StopUnit", "ss", &b, &result, err);
	sdbus_buf_release(&b);
	if (k == -ENOENT) {
		if (err)
			*err = berth_error_free(*err);
		return 0;
	}
	return k < 0 ? berth_error_wrap(err, "stop unit '%s'", cg->unit) : 0;
}

/* ---- the ops ---- */

static bool started(const struct cgroup *cg)
{
	return access(cg->hiers[0].path, F_OK) == 0;
}

static int sd_create(struct cgroup *cg, struct berth_error **err)
{
	/* The scope is made with its first process, in enter(): systemd refuses an empty
	 * scope. One that is there already is another container's: refused here, before
	 * anything of ours exists that a failure would have to undo. */
	if (started(cg))
		return berth_error_new(err, EEXIST, "unit '%s' already exists (another container's)",
				       cg->unit);
	return 0;
}

static int sd_apply(struct cgroup *cg, const struct rt_resources *r, struct berth_error **err)
{
	int k;

	/* Not the container's unit yet (create): kept for enter(), which starts the unit with
	 * them (never applied to another container's that got the name meanwhile). The
	 * pointers stay the caller's (its config outlives the create), but for the device
	 * rules, which it builds for this call only. */
	if (!cg->sd_owned) {
		struct rt_device_rule *d = NULL;

		if (r->n_devices > 0) {
			d = malloc(r->n_devices * sizeof(*d));
			if (!d)
				return berth_error_set(err, ENOMEM, "unit '%s'", cg->unit);
			memcpy(d, r->devices, r->n_devices * sizeof(*d));
		}
		free(cg->sd_res.devices);
		cg->sd_res = *r;
		cg->sd_res.devices = d;
		cg->sd_pending = true;
		return 0;
	}
	k = unit_set(cg, r, err);
	if (k < 0)
		return k;
	return cgroup_v2_ops.apply(cg, r, err);
}

static int sd_enter(struct cgroup *cg, pid_t pid, struct berth_error **err)
{
	int k;

	/* The container's own scope (exec): join it. Else this is the container's init: it
	 * starts the unit, which fails if another container has the name (also one that
	 * got it after create() looked: never join that one). */
	if (cg->sd_owned)
		return cgroup_v2_ops.enter(cg, pid, err);
	k = unit_start(cg, pid, cg->sd_pending ? &cg->sd_res : NULL, err);
	if (k < 0)
		return k;
	cg->sd_owned = true;
	if (cg->sd_pending) {
		k = cgroup_v2_ops.apply(cg, &cg->sd_res, err);
		if (k < 0)
			return k;
	}
	return 0;
}

static int sd_destroy(struct cgroup *cg, struct berth_error **err)
{
	int k;

	/* A unit this handle did not start (a create that lost the race for the name to
	 * another container) is not ours to stop. */
	if (!cg->sd_owned)
		return 0;
	/* The processes go first (the cgroupfs way: cgroup.kill, then each one), so that
	 * stopping the unit has nothing to wait for; then the unit, then whatever cgroups
	 * the container made below its own that systemd left. */
	if (started(cg)) {
		/* the scope may be going already: systemd removes an empty one as soon as its
		 * last process is gone (after delete --force's kill), and a cgroup's files
		 * being removed answer ENODEV rather than ENOENT */
		k = cgroup_v2_ops.kill(cg, SIGKILL, err);
		if (k < 0 && k != -ENOENT && k != -ENODEV)
			return k;
	}
	k = unit_stop(cg, err);
	if (k < 0)
		return k;
	return cgroup_v2_ops.destroy(cg, err);
}

static int sd_freeze(struct cgroup *cg, bool frozen, struct berth_error **err)
{
	return cgroup_v2_ops.freeze(cg, frozen, err);
}

static int sd_frozen(struct cgroup *cg, bool *ret, struct berth_error **err)
{
	return cgroup_v2_ops.frozen(cg, ret, err);
}

static int sd_stats(struct cgroup *cg, struct cgroup_stats *ret, struct berth_error **err)
{
	return cgroup_v2_ops.stats(cg, ret, err);
}

static int sd_pids(struct cgroup *cg, pid_t **ret, size_t *ret_n, struct berth_error **err)
{
	return cgroup_v2_ops.pids(cg, ret, ret_n, err);
}

static int sd_kill(struct cgroup *cg, int sig, struct berth_error **err)
{
	return cgroup_v2_ops.kill(cg, sig, err);
}

const struct cgroup_ops cgroup_systemd_ops = {
    .name = "systemd",
    .create = sd_create,
    .enter = sd_enter,
    .apply = sd_apply,
    .freeze = sd_freeze,
    .frozen = sd_frozen,
    .stats = sd_stats,
    .pids = sd_pids,
    .kill = sd_kill,
    .destroy = sd_destroy,
};
