/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "berth/events.h"
#include "berth/image.h"
#include "berth/cleanup.h"
#include "berth/record.h"
#include "berth/util.h"

static const char *const ctr_state_names[_BERTH_CTR_STATE_MAX] = {
	[BERTH_CTR_CREATED] = "created",
	[BERTH_CTR_RUNNING] = "running",
	[BERTH_CTR_EXITED] = "exited",
};

int restart_policy_parse(const char *s, char **ret_policy, int *ret_max)
{
	const char *n = startswith(s, "on-failure");
	int64_t max = 0;

	if (n && *n && (*n != ':' || parse_i64(n + 1, &max) < 0 || max < 0 || max > 1000000))
		return -EINVAL;
	if (!n && !streq(s, "no") && !streq(s, "always") && !streq(s, "unless-stopped"))
		return -EINVAL;
	*ret_policy = strdup(n ? "on-failure" : s);
	*ret_max = (int)max;
	return *ret_policy ? 0 : -ENOMEM;
}

int record_restart_override(const char *dir, struct record *r)
{
	_cleanup_free_ char *path = xasprintf("%s/" RECORD_RESTART_FILE, dir), *text = NULL,
			    *policy = NULL;
	int max, k;

	if (!path)
		return -ENOMEM;
	k = read_full_file(path, &text, NULL);
	if (k == -ENOENT)
		return 0;
	if (k < 0)
		return k;
	k = restart_policy_parse(text, &policy, &max);
	if (k < 0)
		return k;
	free(r->restart_policy);
	r->restart_policy = TAKE_PTR(policy);
	r->restart_max = max;
	return 0;
}

void record_net_clear(struct record_net *n)
{
	free(n->name);
	free(n->want_ip);
	free(n->want_mac);
	strv_free(n->aliases);
	free(n->ip);
	free(n->mac);
	free(n->ifname);
	*n = (struct record_net){0};
}

int record_net_find(const struct record *r, const char *name)
{
	for (size_t i = 0; i < r->n_nets; i++)
		if (streq(r->nets[i].name, name))
			return (int)i;
	return -1;
}

int record_net_add(struct record *r, const char *name, const char *want_ip, char *const *aliases)
{
	struct record_net *l = realloc(r->nets, (r->n_nets + 1) * sizeof(*l)), *n;

	if (!l)
		return -ENOMEM;
	r->nets = l;
	n = &l[r->n_nets];
	*n = (struct record_net){.name = strdup(name), .want_ip = want_ip ? strdup(want_ip) : NULL};
	for (char *const *a = aliases; a && *a; a++)
		if (strv_extend(&n->aliases, *a) < 0) {
			record_net_clear(n);
			return -ENOMEM;
		}
	if (!n->name || (want_ip && !n->want_ip)) {
		record_net_clear(n);
		return -ENOMEM;
	}
	r->n_nets++;
	return 0;
}

void record_net_remove(struct record *r, size_t i)
{
	if (i >= r->n_nets)
		return;
	record_net_clear(&r->nets[i]);
	memmove(&r->nets[i], &r->nets[i + 1], (r->n_nets - i - 1) * sizeof(*r->nets));
	r->n_nets--;
}

void record_clear(struct record *r)
{
	for (size_t i = 0; i < r->n_nets; i++)
		record_net_clear(&r->nets[i]);
	free(r->nets);
	free(r->id);
	free(r->name);
	free(r->image);
	free(r->image_id);
	strv_free(r->args);
	free(r->stop_signal);
	free(r->log_driver);
	strv_free(r->labels);
	free(r->error);
	strv_free(r->volumes);
	free(r->network);
	free(r->pid_mode);
	free(r->ipc_mode);
	free(r->ip);
	strv_free(r->ports);
	strv_free(r->published);
	free(r->restart_policy);
	berth_healthcheck_clear(&r->healthcheck);
	memset(r, 0, sizeof(*r));
}

char *record_containers_dir(const char *store_root)
{
	return xasprintf("%s/containers", store_root);
}

char *record_runtime_root(const char *store_root)
{
	if (streq(store_root, BERTH_STORE_DEFAULT_ROOT))
		return strdup("/run/berth");
	return xasprintf("%s/run", store_root);
}

int record_lock(const char *dir, int *ret_fd)
{
	_cleanup_close_ int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	struct stat st;

	if (fd < 0)
		return -errno;
	if (flock(fd, LOCK_EX) < 0)
		return -errno;
	/* removed while we waited: the directory is unlinked, or its record is */
	if (fstat(fd, &st) < 0 || st.st_nlink == 0 ||
	    faccessat(fd, "container.json", F_OK, 0) < 0)
		return -ENOENT;
	*ret_fd = TAKE_FD(fd);
	return 0;
}

int record_store_lock(const char *store_root, int *ret_fd, struct berth_error **err)
{
	return record_store_lock_file(store_root, "containers.lock", ret_fd, err);
}

int record_store_lock_file(const char *store_root, const char *name, int *ret_fd,
			   struct berth_error **err)
{
	_cleanup_free_ char *path = xasprintf("%s/%s", store_root, name);
	_cleanup_close_ int fd = -EBADF;

	if (!path)
		return berth_error_set(err, ENOMEM, "lock '%s'", name);
	fd = open(path, O_RDONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return berth_error_set(err, errno, "open '%s'", path);
	while (flock(fd, LOCK_EX) < 0)
		if (errno != EINTR)
			return berth_error_set(err, errno, "lock '%s'", path);
	*ret_fd = TAKE_FD(fd);
	return 0;
}

struct name_ctx {
	const char *name;
	char *id;
};

static int name_is(const char *dir, struct record *r, void *data)
{
	struct name_ctx *n = data;

	(void)dir;
	if (!streq(r->name, n->name))
		return 0;
	n->id = TAKE_PTR(r->id);
	return 1;
}

bool record_name_taken(const char *store_root, const char *name, char **ret_id)
{
	struct name_ctx n = { .name = name };
	bool taken = record_each(store_root, name_is, &n, NULL) > 0;

	if (ret_id)
		*ret_id = n.id;
	else
		free(n.id);
	return taken;
}

int record_remove_dir(const char *dir)
{
	_cleanup_free_ char *away = NULL;
	const char *base = strrchr(dir, '/');
	int r;

	if (!base || !base[1])
		return -EINVAL;
	base++;
	if (startswith(base, RECORD_RM_PREFIX))
		return rm_rf(dir);
	away = xasprintf("%.*s" RECORD_RM_PREFIX "%s", (int)(base - dir), dir, base);
	if (!away)
		return -ENOMEM;
	if (rename(dir, away) < 0)
		return errno == ENOENT ? 0 : -errno;
	r = rm_rf(away);
	return r;
}

bool record_pid_alive(pid_t pid, uint64_t start_time)
{
	uint64_t t;

	return pid > 0 && proc_start_time(pid, &t) == 0 && t == start_time;
}

int record_monitor_pidfd(const struct record *r, int *ret_fd)
{
	int fd;

	if (r->monitor_pid <= 0)
		return -ESRCH;
	fd = (int)syscall(SYS_pidfd_open, r->monitor_pid, 0);
	if (fd < 0)
		return -errno;
	/* checked after the pidfd is held: the pid cannot be reused under it any more */
	if (!record_pid_alive(r->monitor_pid, r->monitor_start)) {
		close(fd);
		return -ESRCH;
	}
	*ret_fd = fd;
	return 0;
}

static int set_str(json_t *o, const char *key, const char *v)
{
	return v ? json_object_set_new(o, key, json_string(v)) : 0;
}

static int set_strv(json_t *o, const char *key, char *const *l)
{
	json_t *a;

	if (!l)
		return 0;
	a = json_array();
	for (char *const *i = l; a && *i; i++)
		json_array_append_new(a, json_string(*i));
	return json_object_set_new(o, key, a);
}

static char **get_strv(json_t *o, const char *key)
{
	char **l = NULL;
	json_t *v;
	size_t i;

	json_array_foreach(json_object_get(o, key), i, v)
	{
		if (json_is_string(v))
			(void)strv_extend(&l, json_string_value(v));
	}
	return l;
}

/* docker's names, zeros left out as its omitempty does */
static void set_healthcheck(json_t *o, const struct berth_healthcheck *h)
{
	json_t *hc;

	if (!h->test)
		return;
	hc = json_object();
	set_strv(hc, "Test", h->test);
	if (h->interval)
		json_object_set_new(hc, "Interval", json_integer(h->interval));
	if (h->timeout)
		json_object_set_new(hc, "Timeout", json_integer(h->timeout));
	if (h->start_period)
		json_object_set_new(hc, "StartPeriod", json_integer(h->start_period));
	if (h->start_interval)
		json_object_set_new(hc, "StartInterval", json_integer(h->start_interval));
	if (h->retries)
		json_object_set_new(hc, "Retries", json_integer(h->retries));
	json_object_set_new(o, "healthcheck", hc);
}

static void get_healthcheck(json_t *o, struct berth_healthcheck *h)
{
	json_t *hc = json_object_get(o, "healthcheck");

	if (!json_is_object(hc))
		return;
	h->test = get_strv(hc, "Test");
	h->interval = json_integer_value(json_object_get(hc, "Interval"));
	h->timeout = json_integer_value(json_object_get(hc, "Timeout"));
	h->start_period = json_integer_value(json_object_get(hc, "StartPeriod"));
	h->start_interval = json_integer_value(json_object_get(hc, "StartInterval"));
	h->retries = (int)json_integer_value(json_object_get(hc, "Retries"));
}

int record_write(const char *dir, const struct record *r, struct berth_error **err)
{
	_cleanup_free_ char *path = xasprintf("%s/container.json", dir), *text = NULL;
	json_t *o = json_object(), *a = json_array();
	int k;

	if (!path || !o || !a) {
		json_decref(o);
		json_decref(a);
		return berth_error_set(err, ENOMEM, "write the record of container %.12s", r->id);
	}
	for (char **i = r->args; i && *i; i++)
		json_array_append_new(a, json_string(*i));
	json_object_set_new(o, "id", json_string(r->id));
	json_object_set_new(o, "name", json_string(r->name));
	json_object_set_new(o, "image", json_string(r->image));
	json_object_set_new(o, "image_id", json_string(r->image_id ? r->image_id : ""));
	json_object_set_new(o, "args", a);
	json_object_set_new(o, "created", json_integer(r->created));
	json_object_set_new(o, "started", json_integer(r->started));
	json_object_set_new(o, "finished", json_integer(r->finished));
	json_object_set_new(o, "state", json_string(ctr_state_names[r->state]));
	json_object_set_new(o, "exit_code", json_integer(r->exit_code));
	json_object_set_new(o, "pid", json_integer(r->pid));
	json_object_set_new(o, "pid_start", json_integer((json_int_t)r->pid_start));
	json_object_set_new(o, "monitor_pid", json_integer(r->monitor_pid));
	json_object_set_new(o, "monitor_start", json_integer((json_int_t)r->monitor_start));
	json_object_set_new(o, "auto_remove", json_boolean(r->auto_remove));
	json_object_set_new(o, "tty", json_boolean(r->tty));
	if (r->systemd_cgroup)
		json_object_set_new(o, "systemd_cgroup", json_true());
	json_object_set_new(o, "open_stdin", json_boolean(r->open_stdin));
	json_object_set_new(o, "oom_killed", json_boolean(r->oom_killed));
	json_object_set_new(o, "restart_count", json_integer(r->restart_count));
	set_str(o, "stop_signal", r->stop_signal);
	if (r->stop_timeout >= 0)
		json_object_set_new(o, "stop_timeout", json_integer(r->stop_timeout));
	set_str(o, "log_driver", r->log_driver);
	if (r->log_max_size > 0)
		json_object_set_new(o, "log_max_size", json_integer(r->log_max_size));
	if (r->log_max_file > 0)
		json_object_set_new(o, "log_max_file", json_integer(r->log_max_file));
	if (r->labels) {
		json_t *lb = json_object();

		for (char **l = r->labels; *l; l++) {
			const char *eq = strchr(*l, '=');
			_cleanup_free_ char *key = eq ? strndup(*l, (size_t)(eq - *l)) : strdup(*l);

			if (key)
				json_object_set_new(lb, key, json_string(eq ? eq + 1 : ""));
		}
		json_object_set_new(o, "labels", lb);
	}
	set_str(o, "error", r->error);
	set_str(o, "network", r->network);
	set_str(o, "pid_mode", r->pid_mode);
	set_str(o, "ipc_mode", r->ipc_mode);
	set_str(o, "ip", r->ip);
	{
		json_t *nets = json_array();

		for (size_t i = 0; nets && i < r->n_nets; i++) {
			const struct record_net *n = &r->nets[i];
			json_t *e = json_object();

			set_str(e, "name", n->name);
			set_str(e, "want_ip", n->want_ip);
			set_str(e, "want_mac", n->want_mac);
			set_strv(e, "aliases", n->aliases);
			set_str(e, "ip", n->ip);
			set_str(e, "mac", n->mac);
			set_str(e, "ifname", n->ifname);
			json_array_append_new(nets, e);
		}
		json_object_set_new(o, "networks", nets);
	}
	set_strv(o, "volumes", r->volumes);
	set_strv(o, "ports", r->ports);
	set_strv(o, "published", r->published);
	set_str(o, "restart_policy", r->restart_policy);
	json_object_set_new(o, "restart_max", json_integer(r->restart_max));
	json_object_set_new(o, "restarting", json_boolean(r->restarting));
	set_healthcheck(o, &r->healthcheck);
	text = json_dumps(o, JSON_INDENT(2));
	json_decref(o);
	if (!text)
		return berth_error_set(err, ENOMEM, "write the record of container %.12s", r->id);
	k = write_file_atomic(path, text, strlen(text), 0600);
	if (k < 0)
		return berth_error_set(err, -k, "write '%s'", path);
	return 0;
}

static char *dup_opt(json_t *o, const char *key)
{
	const char *v = json_string_value(json_object_get(o, key));

	return v ? strdup(v) : NULL;
}

static int parse_record(const char *dir, struct record *ret, struct berth_error **err)
{
	_cleanup_free_ char *path = xasprintf("%s/container.json", dir);
	struct record r = { 0 };
	json_error_t je;
	json_t *o;
	const char *st;

	if (!path)
		return berth_error_set(err, ENOMEM, "read the record in '%s'", dir);
	o = json_load_file(path, 0, &je);
	if (!o)
		return berth_error_new(err, errno == ENOENT ? ENOENT : EINVAL, "read '%s': %s", path,
				       je.text);
	r.id = strdup(json_string_value(json_object_get(o, "id")) ?: "");
	r.name = strdup(json_string_value(json_object_get(o, "name")) ?: "");
	{
		/* renamed: the name file wins over what the record was written with (the
		 * monitor rewrites the record from its own copy; a rename must survive it) */
		_cleanup_free_ char *np = xasprintf("%s/" RECORD_NAME_FILE, dir), *renamed = NULL;

		if (np && read_full_file(np, &renamed, NULL) >= 0 && *renamed) {
			free(r.name);
			r.name = TAKE_PTR(renamed);
		}
	}
	r.image = strdup(json_string_value(json_object_get(o, "image")) ?: "");
	r.image_id = strdup(json_string_value(json_object_get(o, "image_id")) ?: "");
	r.args = get_strv(o, "args");
	r.created = json_integer_value(json_object_get(o, "created"));
	r.started = json_integer_value(json_object_get(o, "started"));
	r.finished = json_integer_value(json_object_get(o, "finished"));
	st = json_string_value(json_object_get(o, "state")) ?: "exited";
	r.state = streq(st, "created") ? BERTH_CTR_CREATED
		  : streq(st, "running") ? BERTH_CTR_RUNNING
					 : BERTH_CTR_EXITED;
	r.exit_code = (int)json_integer_value(json_object_get(o, "exit_code"));
	r.pid = (pid_t)json_integer_value(json_object_get(o, "pid"));
	r.pid_start = (uint64_t)json_integer_value(json_object_get(o, "pid_start"));
	r.monitor_pid = (pid_t)json_integer_value(json_object_get(o, "monitor_pid"));
	r.monitor_start = (uint64_t)json_integer_value(json_object_get(o, "monitor_start"));
	r.auto_remove = json_is_true(json_object_get(o, "auto_remove"));
	r.tty = json_is_true(json_object_get(o, "tty"));
	r.systemd_cgroup = json_is_true(json_object_get(o, "systemd_cgroup"));
	r.open_stdin = json_is_true(json_object_get(o, "open_stdin"));
	r.oom_killed = json_is_true(json_object_get(o, "oom_killed"));
	r.restart_count = (int)json_integer_value(json_object_get(o, "restart_count"));
	r.stop_signal = dup_opt(o, "stop_signal");
	{
		const char *k;
		json_t *v;

		json_object_foreach(json_object_get(o, "labels"), k, v) {
			_cleanup_free_ char *kv = xasprintf("%s=%s", k, json_string_value(v) ?: "");

			if (kv)
				(void)strv_extend(&r.labels, kv);
		}
	}
	r.stop_timeout = json_is_integer(json_object_get(o, "stop_timeout"))
				 ? (int)json_integer_value(json_object_get(o, "stop_timeout"))
				 : -1;
	r.log_driver = dup_opt(o, "log_driver");
	r.log_max_size = json_integer_value(json_object_get(o, "log_max_size"));
	r.log_max_file = (int)json_integer_value(json_object_get(o, "log_max_file"));
	r.volumes = get_strv(o, "volumes");
	r.network = dup_opt(o, "network");
	r.pid_mode = dup_opt(o, "pid_mode");
	r.ipc_mode = dup_opt(o, "ipc_mode");
	r.ip = dup_opt(o, "ip");
	{
		json_t *nets = json_object_get(o, "networks"), *e;
		size_t i;

		json_array_foreach(nets, i, e)
		{
			_cleanup_strv_free_ char **aliases = get_strv(e, "aliases");
			const char *name = json_string_value(json_object_get(e, "name"));
			struct record_net *n;

			if (!name || record_net_add(
					 &r, name, json_string_value(json_object_get(e, "want_ip")),
					 aliases) < 0)
				continue;
			n = &r.nets[r.n_nets - 1];
			n->want_mac = dup_opt(e, "want_mac");
			n->ip = dup_opt(e, "ip");
			n->mac = dup_opt(e, "mac");
			n->ifname = dup_opt(e, "ifname");
		}
		/* a record from before there were several: its one network */
		if (!nets && r.network && !streq(r.network, "none") && !streq(r.network, "host") &&
		    !startswith(r.network, "container:") &&
		    record_net_add(&r, r.network, NULL, NULL) == 0 && r.ip)
			r.nets[0].ip = strdup(r.ip);
	}
	r.ports = get_strv(o, "ports");
	r.published = get_strv(o, "published");
	r.restart_policy = dup_opt(o, "restart_policy");
	r.restart_max = (int)json_integer_value(json_object_get(o, "restart_max"));
	(void)record_restart_override(dir, &r); /* `berth update --restart` */
	r.restarting = json_is_true(json_object_get(o, "restarting"));
	r.error = dup_opt(o, "error");
	get_healthcheck(o, &r.healthcheck);
	json_decref(o);
	if (!r.id || !r.name || !r.image || !r.image_id) {
		record_clear(&r);
		return berth_error_set(err, ENOMEM, "read the record in '%s'", dir);
	}
	*ret = r;
	return 0;
}

static bool record_orphaned(const struct record *r)
{
	return r->state == BERTH_CTR_RUNNING &&
	       !record_pid_alive(r->monitor_pid, r->monitor_start) &&
	       !record_pid_alive(r->pid, r->pid_start);
}

int record_read(const char *dir, struct record *ret, struct berth_error **err)
{
	int k = parse_record(dir, ret, err);

	/* Running while its monitor lives (it writes the end), or while the init lives
	 * (a monitor that was killed leaves it orphaned, still running). Neither: either
	 * the monitor wrote the end and exited after the file was read, so the file is
	 * read again, or the engine died under it. */
	if (k == 0 && record_orphaned(ret)) {
		record_clear(ret);
		k = parse_record(dir, ret, err);
		if (k == 0 && record_orphaned(ret)) {
			ret->state = BERTH_CTR_EXITED;
			ret->exit_code = 255;
			ret->orphaned = true;
		}
	}
	return k;
}

int record_each(const char *store_root,
		int (*fn)(const char *dir, struct record *r, void *data), void *data,
		struct berth_error **err)
{
	_cleanup_free_ char *cdir = record_containers_dir(store_root);
	_cleanup_closedir_ DIR *d = NULL;
	struct dirent *de;
	int k = 0;

	if (!cdir)
		return berth_error_set(err, ENOMEM, "containers of store '%s'", store_root);
	d = opendir(cdir);
	if (!d && errno != ENOENT)
		return berth_error_set(err, errno, "open '%s'", cdir);
	while (d && k == 0 && (de = readdir(d))) {
		_cleanup_free_ char *dir = NULL;
		struct record r;

		if (de->d_name[0] == '.')
			continue;
		dir = xasprintf("%s/%s", cdir, de->d_name);
		if (!dir)
			return berth_error_set(err, ENOMEM, "containers of store '%s'", store_root);
		if (record_read(dir, &r, NULL) < 0)
			continue;
		k = fn(dir, &r, data);
		record_clear(&r);
	}
	return k;
}

struct find_ctx {
	const char *key;
	char *exact, *prefix;
	struct record exact_rec;  /* the exact match's record, taken whole */
	int prefix_hits;
};

static int find_one(const char *dir, struct record *r, void *data)
{
	struct find_ctx *f = data;

	if (streq(r->id, f->key) || streq(r->name, f->key)) {
		f->exact = strdup(dir);
		if (!f->exact)
			return -ENOMEM;
		f->exact_rec = *r;
		*r = (struct record){ 0 };
		return 1;
	}
	if (startswith(r->id, f->key)) {
		f->prefix_hits++;
		free(f->prefix);
		f->prefix = strdup(dir);
		if (!f->prefix)
			return -ENOMEM;
	}
	return 0;
}

int record_find(const char *store_root, const char *key, char **ret_dir, struct record *ret_rec,
		struct berth_error **err)
{
	struct find_ctx f = { .key = key };
	_cleanup_free_ char *exact = NULL, *prefix = NULL;
	int k;

	k = record_each(store_root, find_one, &f, err);
	exact = f.exact;
	prefix = f.prefix;
	if (k < 0) {
		record_clear(&f.exact_rec);
		return k;
	}
	if (exact) {
		if (ret_rec)
			*ret_rec = f.exact_rec;
		else
			record_clear(&f.exact_rec);
		*ret_dir = TAKE_PTR(exact);
		return 0;
	}
	if (f.prefix_hits > 1)
		return berth_error_new(err, EINVAL, "container id prefix '%s' is ambiguous", key);
	if (f.prefix_hits == 0)
		return berth_error_new(err, ENOENT, "no such container: %s", key);
	if (ret_rec && record_read(prefix, ret_rec, err) < 0)
		return -EIO;
	*ret_dir = TAKE_PTR(prefix);
	return 0;
}

void ctr_release(struct ctr *c)
{
	free(c->dir);
	free(c->rtroot);
	record_clear(&c->rec);
	c->dir = c->rtroot = NULL;
}

int ctr_find(const char *store_root, const char *key, struct ctr *ret, struct berth_error **err)
{
	struct ctr c = { 0 };
	int r;

	c.rtroot = record_runtime_root(store_root);
	if (!c.rtroot)
		return berth_error_set(err, ENOMEM, "container '%s'", key);
	r = record_find(store_root, key, &c.dir, &c.rec, err);
	if (r < 0) {
		free(c.rtroot);
		return r;
	}
	*ret = c;
	return 0;
}

int record_event(const char *store_root, const struct record *r, const char *action,
		 const struct berth_event_attr *extra, size_t n_extra)
{
	size_t n_labels = strv_length(r->labels), n = 0;
	_cleanup_free_ struct berth_event_attr *a = calloc(n_labels + n_extra + 2, sizeof(*a));
	_cleanup_strv_free_ char **keys = calloc(n_labels + 1, sizeof(char *));
	int k;

	if (!a || !keys)
		return -ENOMEM;
	/* docker: the container's labels, then its own attributes over them */
	for (size_t i = 0; i < n_labels; i++) {
		const char *eq = strchr(r->labels[i], '=');

		keys[i] =
		    strndup(r->labels[i], eq ? (size_t)(eq - r->labels[i]) : strlen(r->labels[i]));
		if (!keys[i])
			return -ENOMEM;
		a[n++] = (struct berth_event_attr){keys[i], eq ? eq + 1 : ""};
	}
	a[n++] = (struct berth_event_attr){"image", r->image};
	a[n++] = (struct berth_event_attr){"name", r->name};
	for (size_t i = 0; i < n_extra; i++)
		a[n++] = extra[i];
	for (size_t i = 0; i < n; i++)
		for (size_t j = i + 1; j < n; j++)
			if (a[i].key && a[j].key && streq(a[i].key, a[j].key))
				a[i].value = NULL;
	k = berth_event_append(store_root, "container", action, r->id, a, n);
	return k;
}
