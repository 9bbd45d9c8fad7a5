/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "berth/cleanup.h"
#include "state.h"
#include "berth/util.h"

void state_file_clear(struct state_file *s)
{
	free(s->id);
	free(s->bundle);
	free(s->config);
	free(s->rootfs);
	free(s->created);
	free(s->cgroup_path);
	free(s->systemd_unit);
	strv_free(s->annotations);
	memset(s, 0, sizeof(*s));
}

int state_validate_id(const char *id, struct berth_error **err)
{
	size_t n = strlen(id);

	if (n == 0 || n > 255) /* it names a directory: NAME_MAX */
		return berth_error_new(err, EINVAL, "invalid container id '%s': empty or too long",
				       id);
	if (streq(id, ".") || streq(id, ".."))
		return berth_error_new(err, EINVAL, "invalid container id '%s'", id);
	for (const char *s = id; *s; s++)
		if (!isalnum((unsigned char)*s) && !strchr("_.+-", *s))
			return berth_error_new(err, EINVAL,
					       "invalid container id '%s': only letters, digits and "
					       "'_.+-' are allowed",
					       id);
	return 0;
}

int state_lock(const char *root, const char *id, bool create, int *ret_dirfd,
	       struct berth_error **err)
{
	_cleanup_close_ int rfd = -EBADF, fd = -EBADF;
	int r;

	r = state_validate_id(id, err);
	if (r < 0)
		return r;
	if (create) {
		r = mkdir_p(root, 0711);
		if (r < 0)
			return berth_error_set(err, -r, "create state root '%s'", root);
	}
	rfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (rfd < 0) {
		if (errno == ENOENT && !create)
			return berth_error_new(err, ENOENT, "container '%s' does not exist", id);
		return berth_error_set(err, errno, "open state root '%s'", root);
	}
	if (create && mkdirat(rfd, id, 0711) < 0) {
		if (errno == EEXIST)
			return berth_error_new(err, EEXIST, "container '%s' already exists", id);
		return berth_error_set(err, errno, "create state directory '%s/%s'", root, id);
	}
	fd = openat(rfd, id, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		r = errno == ENOENT ? berth_error_new(err, ENOENT, "container '%s' does not exist", id)
				    : berth_error_set(err, errno, "open state directory '%s/%s'", root, id);
		goto fail;
	}
	if (flock(fd, LOCK_EX) < 0) {
		r = berth_error_set(err, errno, "lock container '%s'", id);
		goto fail;
	}
	*ret_dirfd = TAKE_FD(fd);
	return 0;
fail:
	/* what we just made must not block a retry with "already exists" */
	if (create)
		(void)unlinkat(rfd, id, AT_REMOVEDIR);
	return r;
}

int state_write(int dirfd, const struct state_file *s, struct berth_error **err)
{
	json_t *o = json_object(), *ann = json_object();
	_cleanup_free_ char *text = NULL;
	_cleanup_close_ int fd = -EBADF;
	int r;

	if (!o || !ann)
		goto oom;
	json_object_set_new(o, "ociVersion", json_string("1.2.0"));
	json_object_set_new(o, "id", json_string(s->id));
	json_object_set_new(o, "pid", json_integer(s->pid));
	json_object_set_new(o, "start_time", json_integer((json_int_t)s->start_time));
	json_object_set_new(o, "bundle", json_string(s->bundle ? s->bundle : ""));
	if (s->config)
		json_object_set_new(o, "config", json_string(s->config));
	json_object_set_new(o, "rootfs", json_string(s->rootfs ? s->rootfs : ""));
	json_object_set_new(o, "created", json_string(s->created ? s->created : ""));
	json_object_set_new(o, "cgroup_path", json_string(s->cgroup_path ? s->cgroup_path : ""));
	if (s->systemd_unit)
		json_object_set_new(o, "systemd_unit", json_string(s->systemd_unit));
	for (char **a = s->annotations; a && a[0] && a[1]; a += 2)
		json_object_set_new(ann, a[0], json_string(a[1]));
	json_object_set_new(o, "annotations", ann);
	ann = NULL;
	json_object_set_new(o, "poststart", json_boolean(s->has_poststart));
	json_object_set_new(o, "poststop", json_boolean(s->has_poststop));
	if (s->has_rootfs_bind)
		json_object_set_new(o, "rootfs_bind_id",
				    json_integer((json_int_t)s->rootfs_bind_id));
	text = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	if (!text)
		return berth_error_set(err, ENOMEM, "write state.json of '%s'", s->id);

	fd = openat(dirfd, "state.json.tmp", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return berth_error_set(err, errno, "write state.json");
	r = loop_write(fd, text, strlen(text));
	/* state lives on tmpfs; a rename is all the atomicity it needs */
	if (r >= 0 && renameat(dirfd, "state.json.tmp", dirfd, "state.json") < 0)
		r = -errno;
	if (r < 0) {
		(void)unlinkat(dirfd, "state.json.tmp", 0);
		return berth_error_set(err, -r, "write state.json");
	}
	return 0;
oom:
	json_decref(o);
	json_decref(ann);
	return berth_error_set(err, ENOMEM, "write state.json of '%s'", s->id);
}

static char *get_str(json_t *o, const char *key)
{
	const char *v = json_string_value(json_object_get(o, key));

	return v ? strdup(v) : NULL;
}

int state_read(int dirfd, const char *id, struct state_file *ret, struct berth_error **err)
{
	_cleanup_close_ int fd = openat(dirfd, "state.json", O_RDONLY | O_CLOEXEC);
	_cleanup_free_ char *text = NULL;
	struct state_file s = { 0 };
	json_error_t je;
	json_t *o, *ann;
	const char *k;
	json_t *v;
	size_t n;
	int r;

	if (fd < 0) {
		if (errno == ENOENT)
			return berth_error_new(err, ENOENT, "container '%s' does not exist", id);
		return berth_error_set(err, errno, "read state of '%s'", id);
	}
	r = read_full_fd(fd, &text, &n);
	if (r < 0)
		return berth_error_set(err, -r, "read state of '%s'", id);
	o = json_loadb(text, n, 0, &je);
	if (!o)
		return berth_error_new(err, EINVAL, "state of '%s' is corrupt: %s", id, je.text);
	s.id = get_str(o, "id");
	s.pid = (pid_t)json_integer_value(json_object_get(o, "pid"));
	s.start_time = (uint64_t)json_integer_value(json_object_get(o, "start_time"));
	s.bundle = get_str(o, "bundle");
	s.config = get_str(o, "config");
	s.rootfs = get_str(o, "rootfs");
	s.created = get_str(o, "created");
	s.cgroup_path = get_str(o, "cgroup_path");
	s.systemd_unit = get_str(o, "systemd_unit");
	s.has_poststart = json_is_true(json_object_get(o, "poststart"));
	s.has_poststop = json_is_true(json_object_get(o, "poststop"));
	v = json_object_get(o, "rootfs_bind_id");
	if (json_is_integer(v)) {
		s.has_rootfs_bind = true;
		s.rootfs_bind_id = (uint64_t)json_integer_value(v);
	}
	ann = json_object_get(o, "annotations");
	json_object_foreach(ann, k, v)
	{
		if (json_is_string(v)) {
			(void)strv_extend(&s.annotations, k);
			(void)strv_extend(&s.annotations, json_string_value(v));
		}
	}
	json_decref(o);
	if (!s.id) {
		state_file_clear(&s);
		return berth_error_new(err, EINVAL, "state of '%s' is corrupt: no id", id);
	}
	*ret = s;
	return 0;
}

enum berth_status state_status(int dirfd, const struct state_file *s)
{
	uint64_t st;

	if (s->pid <= 0 || proc_start_time(s->pid, &st) < 0 || st != s->start_time)
		return BERTH_STATUS_STOPPED;
	if (faccessat(dirfd, "exec.fifo", F_OK, AT_SYMLINK_NOFOLLOW) == 0)
		return BERTH_STATUS_CREATED;
	/* written by pause after the freezer said FROZEN, removed by resume */
	if (faccessat(dirfd, "paused", F_OK, AT_SYMLINK_NOFOLLOW) == 0)
		return BERTH_STATUS_PAUSED;
	return BERTH_STATUS_RUNNING;
}

char *now_rfc3339(void)
{
	struct timespec ts;
	struct tm tm;
	char buf[64];

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &tm);
	return xasprintf("%s.%09ldZ", buf, ts.tv_nsec);
}

int state_load(const char *root, const char *id, int *ret_dirfd, struct state_file *ret,
	       enum berth_status *ret_status, struct berth_error **err)
{
	_cleanup_close_ int dirfd = -EBADF;
	int r;

	r = state_lock(root, id, false, &dirfd, err);
	if (r < 0)
		return r;
	r = state_read(dirfd, id, ret, err);
	if (r < 0)
		return r;
	*ret_status = state_status(dirfd, ret);
	*ret_dirfd = TAKE_FD(dirfd);
	return 0;
}

int state_load_for(const char *root, const char *id, unsigned allowed, const char *verb,
		   int *ret_dirfd, struct state_file *ret, enum berth_status *ret_status,
		   struct berth_error **err)
{
	_cleanup_close_ int dirfd = -EBADF;
	struct state_file st = { 0 };
	enum berth_status status;
	int r;

	r = state_load(root, id, &dirfd, &st, &status, err);
	if (r < 0)
		return r;
	if (!(allowed & STATUS_BIT(status))) {
		r = berth_error_new(err, EINVAL, "cannot %s container '%s': it is %s", verb, id,
				    berth_status_name(status));
		state_file_clear(&st);
		return r;
	}
	*ret_dirfd = TAKE_FD(dirfd);
	*ret = st;
	if (ret_status)
		*ret_status = status;
	return 0;
}
