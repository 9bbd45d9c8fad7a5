/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * `berth update`: a container's resources and restart policy, running or not. The
 * resources live in its config.json (linux.resources, what every start reads), the
 * restart policy in its record; a running container's cgroup is changed through the
 * runtime's update (the cgroupfs or the systemd driver, as its state says).
 */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "berth/engine.h"
#include "berth/runtime.h"
#include "berth/cleanup.h"
#include "berth/record.h"
#include "berth/util.h"
#include "handle.h"

static json_t *child(json_t *parent, const char *key)
{
	json_t *o = json_object_get(parent, key);

	if (json_is_object(o))
		return o;
	o = json_object();
	if (!o || json_object_set_new(parent, key, o) < 0)
		return NULL;
	return o;
}

static int64_t get_i64(json_t *o, const char *a, const char *b)
{
	json_t *v = json_object_get(json_object_get(o, a), b);

	return json_is_integer(v) ? (int64_t)json_integer_value(v) : 0;
}

/* docker's checks of the memory limits as they will be, the stored ones with o's over
 * them */
static int check_memory(json_t *res, const struct berth_update_opts *o, struct berth_error **err)
{
	int64_t mem = o->memory ? o->memory : get_i64(res, "memory", "limit");
	int64_t swap = o->memory_swap ? o->memory_swap : get_i64(res, "memory", "swap");
	int64_t resv =
	    o->memory_reservation ? o->memory_reservation : get_i64(res, "memory", "reservation");

	if (o->memory_swap > 0 && mem <= 0)
		return berth_error_new(
		    err, EINVAL,
		    "You should always set the Memory limit when using Memoryswap "
		    "limit, see usage");
	if (swap > 0 && mem > swap)
		return berth_error_new(err, EINVAL, "%s",
				       o->memory_swap
					   ? "Minimum memoryswap limit should be larger "
					     "than memory limit, see usage"
					   : "Memory limit should be smaller than already "
					     "set memoryswap limit, update the memoryswap "
					     "at the same time");
	if (mem > 0 && resv > 0 && resv > mem)
		return berth_error_new(
		    err, EINVAL,
		    "Minimum memory limit can not be less than memory reservation "
		    "limit, see usage");
	return 0;
}

/* o's changes into linux.resources, and into *u for the running container */
static int edit_resources(json_t *res, const struct berth_update_opts *o, struct berth_update *u)
{
	json_t *m = child(res, "memory"), *c = child(res, "cpu");

	if (!m || !c)
		return -ENOMEM;
	if (o->memory) {
		json_object_set_new(m, "limit", json_integer(o->memory));
		u->memory_limit = o->memory;
	}
	if (o->memory_swap) {
		json_object_set_new(m, "swap", json_integer(o->memory_swap));
		u->memory_swap = o->memory_swap;
	}
	if (o->memory_reservation) {
		json_object_set_new(m, "reservation", json_integer(o->memory_reservation));
		u->memory_reservation = o->memory_reservation;
	}
	if (o->cpus > 0) {
		/* as run's --cpus: a quota over docker's 100 ms period */
		u->cpu_quota = (int64_t)(o->cpus * 100000.0 + 0.5);
		u->cpu_period = 100000;
		json_object_set_new(c, "quota", json_integer(u->cpu_quota));
		json_object_set_new(c, "period", json_integer(100000));
	}
	if (o->cpu_quota) {
		json_object_set_new(c, "quota", json_integer(o->cpu_quota));
		u->cpu_quota = o->cpu_quota;
	}
	if (o->cpu_period) {
		json_object_set_new(c, "period", json_integer(o->cpu_period));
		u->cpu_period = (uint64_t)o->cpu_period;
	}
	if (o->cpu_shares) {
		json_object_set_new(c, "shares", json_integer((json_int_t)o->cpu_shares));
		u->cpu_shares = o->cpu_shares;
	}
	if (o->cpuset_cpus) {
		json_object_set_new(c, "cpus", json_string(o->cpuset_cpus));
		u->cpuset_cpus = o->cpuset_cpus;
	}
	if (o->cpuset_mems) {
		json_object_set_new(c, "mems", json_string(o->cpuset_mems));
		u->cpuset_mems = o->cpuset_mems;
	}
	if (o->pids_limit_set) {
		/* unlimited: no limit at the next start, "max" now */
		if (o->pids_limit > 0)
			json_object_set_new(child(res, "pids"), "limit",
					    json_integer(o->pids_limit));
		else
			json_object_del(res, "pids");
		u->pids_limit = o->pids_limit > 0 ? o->pids_limit : -1;
	}
	if (o->blkio_weight) {
		json_object_set_new(child(res, "blockIO"), "weight", json_integer(o->blkio_weight));
		u->blkio_weight = o->blkio_weight;
	}
	if (json_object_size(m) == 0)
		json_object_del(res, "memory");
	if (json_object_size(c) == 0)
		json_object_del(res, "cpu");
	return 0;
}

static bool changes_resources(const struct berth_update_opts *o)
{
	return o->memory || o->memory_swap || o->memory_reservation || o->cpus > 0 ||
	       o->cpu_shares || o->cpu_period || o->cpu_quota || o->cpuset_cpus || o->cpuset_mems ||
	       o->pids_limit_set || o->blkio_weight;
}

static int update_resources(const struct ctr *c, const char *key, const struct berth_update_opts *o,
			    struct berth_error **err)
{
	_cleanup_free_ char *path = xasprintf("%s/config.json", c->dir), *old = NULL, *text = NULL;
	struct berth_update u;
	json_t *cfg, *res;
	size_t old_n = 0;
	json_error_t je;
	int r;

	if (!path)
		return berth_error_set(err, ENOMEM, "update '%s'", key);
	r = read_full_file(path, &old, &old_n);
	if (r < 0)
		return berth_error_set(err, -r, "read '%s'", path);
	cfg = json_loadb(old, old_n, 0, &je);
	if (!cfg)
		return berth_error_new(err, EINVAL, "read '%s': %s", path, je.text);
	res = child(child(cfg, "linux"), "resources");
	r = res ? check_memory(res, o, err) : berth_error_set(err, ENOMEM, "update '%s'", key);
	if (r >= 0) {
		berth_update_init(&u);
		r = edit_resources(res, o, &u);
		if (r < 0)
			berth_error_set(err, -r, "update '%s'", key);
	}
	if (r >= 0) {
		text = json_dumps(cfg, JSON_INDENT(2));
		if (!text)
			r = berth_error_set(err, ENOMEM, "update '%s'", key);
	}
	json_decref(cfg);
	if (r < 0)
		return r;

	/* the config first: a start from now on (its monitor's --restart too) has them */
	r = write_file_atomic(path, text, strlen(text), 0600);
	if (r < 0)
		return berth_error_set(err, -r, "write '%s'", path);
	if (c->rec.state != BERTH_CTR_RUNNING || c->rec.orphaned || c->rec.restarting)
		return 0;
	r = berth_container_update(c->rtroot, c->rec.id, &u, err);
	if (r == -ENOENT) {
		/* it ended meanwhile: the config is what counts */
		if (err)
			*err = berth_error_free(*err);
		return 0;
	}
	if (r < 0) {
		/* nothing changed: the config as it was */
		(void)write_file_atomic(path, old, old_n, 0600);
		if (r == -EBUSY && (o->memory || o->memory_swap))
			return berth_error_wrap(
			    err, "the kernel refused the memory limit: the container "
				 "uses more memory than that");
		return r;
	}
	return 0;
}

static int check_restart(const struct ctr *c, const char *key, const char *restart,
			 struct berth_error **err)
{
	_cleanup_free_ char *policy = NULL;
	int max, r;

	r = restart_policy_parse(restart, &policy, &max);
	if (r == -ENOMEM)
		return berth_error_set(err, ENOMEM, "update '%s'", key);
	if (r < 0)
		return berth_error_new(err, EINVAL,
				       "invalid restart policy '%s': no, always, unless-stopped or "
				       "on-failure[:N]",
				       restart);
	if (c->rec.auto_remove && !streq(policy, "no"))
		return berth_error_new(err, EINVAL,
				       "Restart policy cannot be updated because AutoRemove is "
				       "enabled for the container");
	return 0;
}

/* the record's own is rewritten by a running container's monitor: the file wins */
static int update_restart(const struct ctr *c, const char *key, const char *restart,
			  struct berth_error **err)
{
	_cleanup_free_ char *path = xasprintf("%s/" RECORD_RESTART_FILE, c->dir);
	int r;

	if (!path)
		return berth_error_set(err, ENOMEM, "update '%s'", key);
	r = write_file_atomic(path, restart, strlen(restart), 0600);
	if (r < 0)
		return berth_error_set(err, -r, "write '%s'", path);
	return 0;
}

int berth_engine_update_check(const struct berth_update_opts *o, struct berth_error **err)
{
	_cleanup_free_ char *policy = NULL;
	int max, r;

	r = engine_validate_cpus(o->cpus, err);
	if (r < 0)
		return r;
	if (o->blkio_weight && (o->blkio_weight < 10 || o->blkio_weight > 1000))
		return berth_error_new(err, EINVAL, "Range of blkio weight is from 10 to 1000");
	if (o->blkio_weight && !berth_cgroup_blkio_weight_supported())
		return berth_error_new(err, EOPNOTSUPP,
				       "--blkio-weight: this host's cgroups cannot weigh block I/O "
				       "(no blkio.weight nor blkio.bfq.weight: neither the CFQ nor "
				       "the BFQ I/O scheduler)");
	if (o->memory_swap > 0 && o->memory > 0 && o->memory_swap < o->memory)
		return berth_error_new(
		    err, EINVAL,
		    "Minimum memoryswap limit should be larger than memory limit, "
		    "see usage");
	if (o->cpus > 0 && (o->cpu_period || o->cpu_quota))
		return berth_error_new(err, EINVAL,
				       "Conflicting options: Nano CPUs and CPU Period (or Quota) "
				       "cannot both be set");
	if (o->restart) {
		r = restart_policy_parse(o->restart, &policy, &max);
		if (r == -ENOMEM)
			return berth_error_set(err, ENOMEM, "--restart");
		if (r < 0)
			return berth_error_new(err, EINVAL,
					       "invalid restart policy '%s': no, always, "
					       "unless-stopped or on-failure[:N]",
					       o->restart);
	}
	return 0;
}

int berth_engine_update(struct berth_engine *e, const char *key, const struct berth_update_opts *o,
			struct berth_error **err)
{
	struct berth_store *s = berth_engine_store(e);
	_cleanup_(ctr_release) struct ctr c = {0};
	_cleanup_close_ int lock = -EBADF;
	int r;

	r = berth_engine_update_check(o, err);
	if (r < 0)
		return r;
	r = ctr_find(berth_store_root(s), key, &c, err);
	if (r < 0)
		return r;
	/* under the container's lock: not while its monitor ends it or it is removed */
	r = record_lock(c.dir, &lock);
	if (r < 0)
		return berth_error_new(err, ENOENT, "no such container: %s", key);
	record_clear(&c.rec);
	r = record_read(c.dir, &c.rec, err);
	if (r < 0)
		return r;
	if (o->restart) {
		/* checked before any resource changes */
		r = check_restart(&c, key, o->restart, err);
		if (r < 0)
			return r;
	}
	if (changes_resources(o)) {
		r = update_resources(&c, key, o, err);
		if (r < 0)
			return berth_error_wrap(err, "Cannot update container %s", key);
	}
	if (o->restart) {
		r = update_restart(&c, key, o->restart, err);
		if (r < 0)
			return r;
	}
	return 0;
}
