/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Operations on a running container's cgroup: pause/resume, pids, stats, update. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "berth/runtime.h"
#include "cgroup.h"
#include "berth/cleanup.h"
#include "config.h"
#include "state.h"
#include "berth/util.h"

/* Lock, read the state, check the status is one of `allowed` (bit mask of statuses),
 * and open the cgroup. The lock stays held in *ret_dirfd. */
static int open_running(const char *root, const char *id, unsigned allowed, const char *verb,
			int *ret_dirfd, struct cgroup **ret_cg, enum berth_status *ret_status,
			struct berth_error **err)
{
	_cleanup_close_ int dirfd = -EBADF;
	struct state_file st = { 0 };
	enum berth_status status;
	int r;

	r = state_load_for(root, id, allowed, verb, &dirfd, &st, &status, err);
	if (r < 0)
		return r;
	if (!st.cgroup_path || !*st.cgroup_path) {
		r = berth_error_new(err, ENOENT, "container '%s' has no cgroup", id);
		goto out;
	}
	r = cgroup_open_unit(st.cgroup_path, st.systemd_unit, ret_cg, err);
	if (r < 0)
		goto out;
	*ret_dirfd = TAKE_FD(dirfd);
	if (ret_status)
		*ret_status = status;
out:
	state_file_clear(&st);
	return r;
}

#define LIVE (STATUS_BIT(BERTH_STATUS_RUNNING) | STATUS_BIT(BERTH_STATUS_PAUSED) | STATUS_BIT(BERTH_STATUS_CREATED))

int berth_container_pause(const char *root, const char *id, struct berth_error **err)
{
	_cleanup_(cgroup_freep) struct cgroup *cg = NULL;
	_cleanup_close_ int dirfd = -EBADF;
	int r, fd;

	r = open_running(root, id, STATUS_BIT(BERTH_STATUS_RUNNING), "pause", &dirfd, &cg, NULL, err);
	if (r < 0)
		return r;
	r = cgroup_freeze(cg, true, err);
	if (r < 0)
		return berth_error_wrap(err, "pause '%s'", id);
	fd = openat(dirfd, "paused", O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0) {
		r = berth_error_set(err, errno, "mark '%s' paused", id);
		(void)cgroup_freeze(cg, false, NULL);
		return r;
	}
	close(fd);
	return 0;
}

int berth_container_resume(const char *root, const char *id, struct berth_error **err)
{
	_cleanup_(cgroup_freep) struct cgroup *cg = NULL;
	_cleanup_close_ int dirfd = -EBADF;
	int r;

	r = open_running(root, id, STATUS_BIT(BERTH_STATUS_PAUSED), "resume", &dirfd, &cg, NULL, err);
	if (r < 0)
		return r;
	r = cgroup_freeze(cg, false, err);
	if (r < 0)
		return berth_error_wrap(err, "resume '%s'", id);
	if (unlinkat(dirfd, "paused", 0) < 0 && errno != ENOENT)
		return berth_error_set(err, errno, "unmark '%s' paused", id);
	return 0;
}

int berth_container_pids(const char *root, const char *id, pid_t **ret, size_t *ret_n,
			 struct berth_error **err)
{
	_cleanup_(cgroup_freep) struct cgroup *cg = NULL;
	_cleanup_close_ int dirfd = -EBADF;
	int r;

	/* a stopped container's cgroup may still hold processes (no pid namespace, or
	 * `run --keep`); runc lists them, or none, rather than refusing */
	r = open_running(root, id, LIVE | STATUS_BIT(BERTH_STATUS_STOPPED), "list processes of",
			 &dirfd, &cg, NULL, err);
	if (r < 0)
		return r;
	return cg->ops->pids(cg, ret, ret_n, err);
}

int berth_container_oom_watch(const char *root, const char *id, int *ret_fd,
			      struct berth_error **err)
{
	_cleanup_(cgroup_freep) struct cgroup *cg = NULL;
	_cleanup_close_ int dirfd = -EBADF;
	_cleanup_free_ char *path = NULL;
	const char *dir;
	int r, fd;

	r = open_running(root, id, LIVE, "watch", &dirfd, &cg, NULL, err);
	if (r < 0)
		return r;
	dir = cgroup_v2_dir(cg);
	if (!dir)
		return berth_error_new(err, ENOENT, "container '%s': no cgroup v2 hierarchy", id);
	path = xasprintf("%s/memory.events", dir);
	if (!path)
		return berth_error_set(err, ENOMEM, "watch '%s'", id);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return berth_error_set(err, errno, "open '%s'", path);
	*ret_fd = fd;
	return 0;
}

int berth_oom_watch_read(int fd, uint64_t *ret)
{
	char buf[512], *p;
	ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);

	if (n < 0)
		return -errno;
	buf[n] = 0;
	p = strstr(buf, "oom_kill ");
	if (!p || (p != buf && p[-1] != '\n'))
		return -ENOENT;
	*ret = strtoull(p + strlen("oom_kill "), NULL, 10);
	return 0;
}

int berth_container_oom_kills(const char *root, const char *id, uint64_t *ret,
			      struct berth_error **err)
{
	_cleanup_(cgroup_freep) struct cgroup *cg = NULL;
	_cleanup_close_ int dirfd = -EBADF;
	struct cgroup_stats s = { 0 };
	int r;

	r = open_running(root, id, LIVE | STATUS_BIT(BERTH_STATUS_STOPPED), "read stats of",
			 &dirfd, &cg, NULL, err);
	if (r < 0)
		return r;
	r = cgroup_stats(cg, &s, err);
	if (r < 0)
		return r;
	*ret = s.oom_kills;
	return 0;
}

int berth_container_stats(const char *root, const char *id, struct berth_stats *ret,
			  struct berth_error **err)
{
	_cleanup_(cgroup_freep) struct cgroup *cg = NULL;
	_cleanup_close_ int dirfd = -EBADF;
	struct cgroup_stats s = { 0 };
	int r;

	r = open_running(root, id, LIVE, "read stats of", &dirfd, &cg, NULL, err);
	if (r < 0)
		return r;
	r = cgroup_stats(cg, &s, err);
	if (r < 0)
		return r;
	*ret = (struct berth_stats){
		.memory_usage = s.memory_usage,
		.memory_limit = s.memory_limit,
		.memory_max_usage = s.memory_max_usage,
		.oom_kills = s.oom_kills,
		.cpu_usage_ns = s.cpu_usage_ns,
		.pids_current = s.pids_current,
		.pids_limit = s.pids_limit,
		.io_read = s.io_read,
		.io_write = s.io_write,
	};
	return 0;
}

void berth_update_init(struct berth_update *u)
{
	*u = (struct berth_update){
		.memory_limit = INT64_MIN,
		.memory_reservation = INT64_MIN,
		.memory_swap = INT64_MIN,
		.cpu_quota = INT64_MIN,
		.pids_limit = INT64_MIN,
	};
}

int berth_container_update(const char *root, const char *id, const struct berth_update *u,
			   struct berth_error **err)
{
	_cleanup_(cgroup_freep) struct cgroup *cg = NULL;
	_cleanup_close_ int dirfd = -EBADF;
	struct rt_resources res = {
		.memory_limit = RT_UNSET,
		.memory_reservation = RT_UNSET,
		.memory_swap = RT_UNSET,
		.memory_swappiness = RT_UNSET,
		.cpu_quota = RT_UNSET,
		.pids_limit = RT_UNSET,
	};
	int r;

	r = open_running(root, id, LIVE, "update", &dirfd, &cg, NULL, err);
	if (r < 0)
		return r;
	res.memory_limit = u->memory_limit;
	res.memory_reservation = u->memory_reservation;
	res.memory_swap = u->memory_swap;
	res.cpu_shares = u->cpu_shares;
	res.cpu_period = u->cpu_period;
	res.cpu_quota = u->cpu_quota;
	res.cpu_cpus = (char *)u->cpuset_cpus;
	res.cpu_mems = (char *)u->cpuset_mems;
	res.pids_limit = u->pids_limit;
	res.has_cpu_realtime_period = u->has_cpu_rt_period;
	res.cpu_realtime_period = u->cpu_rt_period;
	res.has_cpu_realtime_runtime = u->has_cpu_rt_runtime;
	res.cpu_realtime_runtime = u->cpu_rt_runtime;
	res.blkio_weight = u->blkio_weight;
	r = cgroup_apply(cg, &res, err);
	if (r < 0)
		return berth_error_wrap(err, "update '%s'", id);
	return 0;
}

int berth_container_update_json(const char *root, const char *id, const char *json, size_t len,
				const char *name, struct berth_error **err)
{
	_cleanup_(cgroup_freep) struct cgroup *cg = NULL;
	_cleanup_(rt_config_freep) struct rt_config *cfg = NULL;
	_cleanup_close_ int dirfd = -EBADF;
	int r;

	r = rt_config_parse_fragment(json, len, name, "linux.resources", &cfg, err);
	if (r < 0)
		return r;
	r = open_running(root, id, LIVE, "update", &dirfd, &cg, NULL, err);
	if (r < 0)
		return r;
	/* the device rules stay as they were set at create */
	cfg->resources.n_devices = 0;
	r = cgroup_apply(cg, &cfg->resources, err);
	if (r < 0)
		return berth_error_wrap(err, "update '%s'", id);
	return 0;
}
