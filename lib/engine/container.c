/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sched.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <archive.h>

#include "berth/engine.h"
#include "berth/runtime.h"
#include "cleanup.h"
#include "image/overlay.h"
#include "image/tarwrite.h"
#include "net/netns.h"
#include "ocigen.h"
#include "runtime/state.h"
#include "util.h"

static const char *const ctr_state_names[_BERTH_CTR_STATE_MAX] = {
	[BERTH_CTR_CREATED] = "created",
	[BERTH_CTR_RUNNING] = "running",
	[BERTH_CTR_EXITED] = "exited",
};

struct record {
	char *id;
	char *name;
	char *image;
	char *image_id;
	char **args;
	int64_t created, started, finished;
	enum berth_ctr_state state;
	int exit_code;
	pid_t pid;
	uint64_t pid_start;
	bool auto_remove;
};

static void record_clear(struct record *r)
{
	free(r->id);
	free(r->name);
	free(r->image);
	free(r->image_id);
	strv_free(r->args);
	memset(r, 0, sizeof(*r));
}

static char *containers_dir(struct berth_store *s)
{
	return xasprintf("%s/containers", berth_store_root(s));
}

/* Every change to a container's directory after it started happens under a flock of the
 * directory: the foreground `berth run` finishing and a concurrent `berth rm -f` must
 * not interleave. Returns -ENOENT when the container is gone (or going). */
static int ctr_lock(const char *dir, int *ret_fd)
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

/* Runtime state of the engine's containers: tmpfs for the system store. */
static char *runtime_root(struct berth_store *s)
{
	if (streq(berth_store_root(s), BERTH_STORE_DEFAULT_ROOT))
		return strdup("/run/berth");
	return xasprintf("%s/run", berth_store_root(s));
}

static int record_write(const char *dir, const struct record *r, struct berth_error **err)
{
	_cleanup_free_ char *path = xasprintf("%s/container.json", dir), *text = NULL;
	json_t *o = json_object(), *a = json_array();
	int k;

	if (!path || !o || !a) {
		json_decref(o);
		json_decref(a);
		return -ENOMEM;
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
	json_object_set_new(o, "auto_remove", json_boolean(r->auto_remove));
	text = json_dumps(o, JSON_INDENT(2));
	json_decref(o);
	if (!text)
		return -ENOMEM;
	k = write_file_atomic(path, text, strlen(text), 0600);
	if (k < 0)
		return berth_error_set(err, -k, "write '%s'", path);
	return 0;
}

static int record_read(const char *dir, struct record *ret, struct berth_error **err)
{
	_cleanup_free_ char *path = xasprintf("%s/container.json", dir);
	struct record r = { 0 };
	json_error_t je;
	json_t *o, *a, *v;
	const char *st;
	size_t i;

	if (!path)
		return -ENOMEM;
	o = json_load_file(path, 0, &je);
	if (!o)
		return berth_error_new(err, errno == ENOENT ? ENOENT : EINVAL, "read '%s': %s", path,
				       je.text);
	r.id = strdup(json_string_value(json_object_get(o, "id")) ?: "");
	r.name = strdup(json_string_value(json_object_get(o, "name")) ?: "");
	r.image = strdup(json_string_value(json_object_get(o, "image")) ?: "");
	r.image_id = strdup(json_string_value(json_object_get(o, "image_id")) ?: "");
	a = json_object_get(o, "args");
	json_array_foreach(a, i, v)
	{
		if (json_is_string(v))
			(void)strv_extend(&r.args, json_string_value(v));
	}
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
	r.auto_remove = json_is_true(json_object_get(o, "auto_remove"));
	json_decref(o);
	if (!r.id || !r.name || !r.image || !r.image_id) {
		record_clear(&r);
		return -ENOMEM;
	}
	/* a record that says running for a process that is gone: its engine died */
	if (r.state == BERTH_CTR_RUNNING) {
		uint64_t t;

		if (r.pid <= 0 || proc_start_time(r.pid, &t) < 0 || t != r.pid_start) {
			r.state = BERTH_CTR_EXITED;
			r.exit_code = 255;
		}
	}
	*ret = r;
	return 0;
}

static int random_id(char ret[65])
{
	uint8_t b[32];

	if (getrandom(b, sizeof(b), 0) != sizeof(b))
		return -errno;
	for (int i = 0; i < 32; i++)
		sprintf(ret + 2 * i, "%02x", b[i]);
	return 0;
}

static const char *const adjectives[] = {
	"brave", "calm", "eager", "fond", "gentle", "happy", "jolly", "keen", "lucid", "merry",
	"nimble", "proud", "quiet", "silly", "tender", "vivid", "witty", "zealous",
};
static const char *const nouns[] = {
	"albatross", "barge", "cutter", "dinghy", "ferry", "galleon", "harbor", "jetty",
	"keel", "lighthouse", "mooring", "pier", "quay", "schooner", "tugboat", "wharf",
};

/* Find a record by exact id, exact name, or unique id prefix. */
static int find(struct berth_store *s, const char *key, char **ret_dir, struct record *ret_rec,
		struct berth_error **err)
{
	_cleanup_free_ char *cdir = containers_dir(s), *match = NULL;
	_cleanup_closedir_ DIR *d = NULL;
	struct dirent *de;
	int prefix_hits = 0;

	if (!cdir)
		return -ENOMEM;
	d = opendir(cdir);
	if (!d && errno != ENOENT)
		return berth_error_set(err, errno, "open '%s'", cdir);
	while (d && (de = readdir(d))) {
		_cleanup_free_ char *dir = NULL;
		struct record r;

		if (de->d_name[0] == '.')
			continue;
		dir = xasprintf("%s/%s", cdir, de->d_name);
		if (!dir)
			return -ENOMEM;
		if (record_read(dir, &r, NULL) < 0)
			continue;
		if (streq(r.id, key) || streq(r.name, key)) {
			*ret_dir = TAKE_PTR(dir);
			if (ret_rec)
				*ret_rec = r;
			else
				record_clear(&r);
			return 0;
		}
		if (startswith(r.id, key)) {
			prefix_hits++;
			free(match);
			match = TAKE_PTR(dir);
		}
		record_clear(&r);
	}
	if (prefix_hits == 1) {
		if (ret_rec && record_read(match, ret_rec, err) < 0)
			return -EIO;
		*ret_dir = TAKE_PTR(match);
		return 0;
	}
	if (prefix_hits > 1)
		return berth_error_new(err, EINVAL, "container id prefix '%s' is ambiguous", key);
	return berth_error_new(err, ENOENT, "no such container: %s", key);
}

static bool isalnum_ascii(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

static int validate_name(const char *n, struct berth_error **err)
{
	if (!*n || !(isalnum_ascii(n[0])))
		goto bad;
	for (const char *p = n; *p; p++)
		if (!isalnum_ascii(*p) && !strchr("_.-", *p))
			goto bad;
	return 0;
bad:
	return berth_error_new(err, EINVAL, "invalid container name '%s': only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed", n);
}

struct run_ctx {
	const char *dir;
	struct record *rec;
};

static int on_created(pid_t pid, void *userdata, struct berth_error **err)
{
	struct run_ctx *c = userdata;
	int r;

	r = net_loopback_up(pid, err);
	if (r < 0)
		return r;
	c->rec->pid = pid;
	(void)proc_start_time(pid, &c->rec->pid_start);
	c->rec->state = BERTH_CTR_RUNNING;
	c->rec->started = time(NULL);
	return record_write(c->dir, c->rec, err);
}

static int remove_files(const char *dir, struct berth_error **err)
{
	_cleanup_free_ char *rootfs = xasprintf("%s/rootfs", dir);
	int r;

	if (!rootfs)
		return -ENOMEM;
	r = overlay_umount(rootfs, err);
	if (r < 0)
		return r;
	r = rm_rf(dir);
	if (r < 0)
		return berth_error_set(err, -r, "remove '%s'", dir);
	return 0;
}

int berth_engine_run(struct berth_store *s, const struct berth_run_opts *o, int *ret_status,
		     struct berth_error **err)
{
	_cleanup_free_ char *cdir = containers_dir(s), *dir = NULL, *rootfs = NULL, *upper = NULL,
			    *work = NULL, *config = NULL, *cgpath = NULL, *rtroot = NULL,
			    *name = NULL, *cfgpath = NULL;
	struct berth_image *img = NULL;
	struct record rec = { 0 };
	char id[65];
	bool mounted = false;
	int r, status = 0;

	if (!cdir)
		return -ENOMEM;
	r = berth_image_lookup(s, o->image, &img, err);
	if (r < 0) {
		if (r == -ENOENT)
			berth_error_new(err, ENOENT, "unable to find image '%s' locally", o->image);
		return r;
	}
	r = random_id(id);
	if (r < 0) {
		r = berth_error_set(err, -r, "getrandom");
		goto out;
	}
	if (o->name) {
		_cleanup_free_ char *other = NULL;

		r = validate_name(o->name, err);
		if (r < 0)
			goto out;
		if (find(s, o->name, &other, NULL, NULL) == 0 && !startswith(id, o->name)) {
			r = berth_error_new(err, EEXIST,
					    "the container name '%s' is already in use", o->name);
			goto out;
		}
		name = strdup(o->name);
	} else {
		for (int tries = 0; tries < 64; tries++) {
			_cleanup_free_ char *other = NULL;
			uint32_t x;

			if (getrandom(&x, sizeof(x), 0) != sizeof(x))
				x = (uint32_t)getpid() + (uint32_t)tries;
			free(name);
			name = xasprintf("%s_%s", adjectives[x % ELEMENTSOF(adjectives)],
					 nouns[(x / 32) % ELEMENTSOF(nouns)]);
			if (tries > 16) {
				free(name);
				name = xasprintf("%s_%s_%u", adjectives[x % ELEMENTSOF(adjectives)],
						 nouns[(x / 32) % ELEMENTSOF(nouns)], x % 1000);
			}
			if (!name || find(s, name, &other, NULL, NULL) < 0)
				break;
		}
	}
	dir = xasprintf("%s/%s", cdir, id);
	rootfs = xasprintf("%s/rootfs", dir);
	upper = xasprintf("%s/upper", dir);
	work = xasprintf("%s/work", dir);
	cfgpath = xasprintf("%s/config.json", dir);
	cgpath = xasprintf("%s/%s", o->cgroup_parent ? o->cgroup_parent : "/berth", id);
	rtroot = runtime_root(s);
	if (!name || !dir || !rootfs || !upper || !work || !cgpath || !rtroot || !cfgpath) {
		r = -ENOMEM;
		goto out;
	}
	if ((r = mkdir_p(dir, 0700)) < 0 || (r = mkdir_p(rootfs, 0755)) < 0 ||
	    (r = mkdir_p(upper, 0755)) < 0 || (r = mkdir_p(work, 0700)) < 0) {
		r = berth_error_set(err, -r, "create '%s'", dir);
		goto cleanup;
	}
	rec = (struct record){
		.id = strdup(id),
		.name = strdup(name),
		.image = strdup(o->image),
		.image_id = strdup(img->id),
		.created = time(NULL),
		.state = BERTH_CTR_CREATED,
		.auto_remove = o->rm,
	};
	if (!rec.id || !rec.name || !rec.image || !rec.image_id) {
		r = -ENOMEM;
		goto cleanup;
	}
	r = record_write(dir, &rec, err);
	if (r < 0)
		goto cleanup;

	r = overlay_mount(img->layer_dirs, upper, work, rootfs, false, err);
	if (r < 0)
		goto cleanup;
	mounted = true;

	{
		struct ocigen_input in = {
			.opts = o,
			.image = img,
			.id = id,
			.rootfs = rootfs,
			.ctr_dir = dir,
			.cgroups_path = cgpath,
		};

		r = ocigen_config(&in, &config, &rec.args, err);
		if (r < 0)
			goto cleanup;
	}
	r = write_file_atomic(cfgpath, config, strlen(config), 0600);
	if (r < 0) {
		r = berth_error_set(err, -r, "write '%s'", cfgpath);
		goto cleanup;
	}
	r = record_write(dir, &rec, err);
	if (r < 0)
		goto cleanup;

	{
		_cleanup_close_ int devnull = -EBADF;
		struct run_ctx rc = { .dir = dir, .rec = &rec };
		struct berth_create_opts co = {
			.bundle = dir,
			.stdio = { -1, -1, -1 },
			.on_created = on_created,
			.userdata = &rc,
		};

		if (!o->interactive && !o->tty) {
			devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
			co.stdio[0] = devnull;
		}
		r = berth_container_run(rtroot, id, &co, &status, err);
	}
	if (r < 0)
		goto cleanup;
	*ret_status = status;

	{
		_cleanup_close_ int lock = -EBADF;

		/* the container may be gone already: `berth rm -f` from elsewhere */
		if (ctr_lock(dir, &lock) < 0) {
			r = 0;
			goto out;
		}
		if (o->rm) {
			r = remove_files(dir, err);
			goto out;
		}
		rec.state = BERTH_CTR_EXITED;
		rec.exit_code = status;
		rec.finished = time(NULL);
		rec.pid = 0;
		(void)overlay_umount(rootfs, NULL);
		r = record_write(dir, &rec, err);
		goto out;
	}
cleanup:
	if (r < 0 && !o->rm && mounted && path_exists(dir)) {
		/* keep a record of the failed container, as docker does, but nothing mounted */
		(void)overlay_umount(rootfs, NULL);
		rec.state = BERTH_CTR_EXITED;
		rec.exit_code = 128;
		rec.finished = time(NULL);
		(void)record_write(dir, &rec, NULL);
	} else if (dir && (r < 0 || o->rm)) {
		(void)remove_files(dir, NULL);
	}
out:
	record_clear(&rec);
	berth_image_free(img);
	return r;
}

static int cmp_created(const void *a, const void *b)
{
	const struct berth_ctr_info *x = *(struct berth_ctr_info *const *)a;
	const struct berth_ctr_info *y = *(struct berth_ctr_info *const *)b;

	return (y->created > x->created) - (y->created < x->created);
}

void berth_ctr_info_list_free(struct berth_ctr_info **l, size_t n)
{
	for (size_t i = 0; l && i < n; i++) {
		free(l[i]->id);
		free(l[i]->name);
		free(l[i]->image);
		free(l[i]->image_id);
		free(l[i]->command);
		free(l[i]);
	}
	free(l);
}

static char *join_args(char **args)
{
	size_t len = 1;
	char *s;

	for (char **a = args; a && *a; a++)
		len += strlen(*a) + 1;
	s = calloc(1, len);
	if (!s)
		return NULL;
	for (char **a = args; a && *a; a++) {
		if (a != args)
			strcat(s, " ");
		strcat(s, *a);
	}
	return s;
}

int berth_engine_list(struct berth_store *s, bool all, struct berth_ctr_info ***ret, size_t *ret_n,
		      struct berth_error **err)
{
	_cleanup_free_ char *cdir = containers_dir(s);
	_cleanup_closedir_ DIR *d = NULL;
	struct berth_ctr_info **l = NULL;
	size_t n = 0;
	struct dirent *de;

	if (!cdir)
		return -ENOMEM;
	d = opendir(cdir);
	if (!d && errno != ENOENT)
		return berth_error_set(err, errno, "open '%s'", cdir);
	while (d && (de = readdir(d))) {
		_cleanup_free_ char *dir = NULL;
		struct berth_ctr_info *c, **nl;
		struct record r;

		if (de->d_name[0] == '.')
			continue;
		dir = xasprintf("%s/%s", cdir, de->d_name);
		if (!dir || record_read(dir, &r, NULL) < 0)
			continue;
		if (!all && r.state != BERTH_CTR_RUNNING) {
			record_clear(&r);
			continue;
		}
		c = calloc(1, sizeof(*c));
		nl = realloc(l, (n + 1) * sizeof(*l));
		if (!c || !nl) {
			free(c);
			record_clear(&r);
			if (nl)
				l = nl;
			berth_ctr_info_list_free(l, n);
			return -ENOMEM;
		}
		l = nl;
		*c = (struct berth_ctr_info){
			.id = TAKE_PTR(r.id),
			.name = TAKE_PTR(r.name),
			.image = TAKE_PTR(r.image),
			.image_id = TAKE_PTR(r.image_id),
			.command = join_args(r.args),
			.created = r.created,
			.finished = r.finished,
			.state = r.state,
			.exit_code = r.exit_code,
			.pid = r.state == BERTH_CTR_RUNNING ? r.pid : 0,
		};
		l[n++] = c;
		record_clear(&r);
	}
	if (n)
		qsort(l, n, sizeof(*l), cmp_created);
	else if (!(l = calloc(1, sizeof(*l))))
		return -ENOMEM;
	*ret = l;
	*ret_n = n;
	return 0;
}

int berth_engine_remove(struct berth_store *s, const char *key, bool force,
			struct berth_error **err)
{
	_cleanup_free_ char *dir = NULL, *rtroot = runtime_root(s);
	_cleanup_close_ int lock = -EBADF;
	struct record rec;
	int r;

	if (!rtroot)
		return -ENOMEM;
	r = find(s, key, &dir, &rec, err);
	if (r < 0)
		return r;
	r = ctr_lock(dir, &lock);
	if (r < 0) {
		r = berth_error_new(err, ENOENT, "no such container: %s", key);
		goto out;
	}
	if (rec.state == BERTH_CTR_RUNNING && !force) {
		r = berth_error_new(err, EBUSY,
				    "cannot remove running container %.12s: stop it first or use "
				    "--force",
				    rec.id);
		goto out;
	}
	/* the runtime kills what still runs, waits for it, and removes its cgroup */
	r = berth_container_delete(rtroot, rec.id, true, err);
	if (r < 0 && r != -ENOENT)
		goto out;
	if (err && *err && r == -ENOENT)
		*err = berth_error_free(*err);
	r = remove_files(dir, err);
out:
	record_clear(&rec);
	return r;
}

/* Files the engine bind-mounts over the container's own (ocigen.c): when the image
 * lacks them, their mount targets are created empty in the upper dir. They are the
 * engine's, not the container's changes. */
static char engine_hostname[] = "etc/hostname", engine_hosts[] = "etc/hosts",
	    engine_resolv[] = "etc/resolv.conf";
static char *const engine_mount_targets[] = {engine_hostname, engine_hosts, engine_resolv, NULL};

int berth_engine_commit(struct berth_store *s, const char *key, const struct berth_commit_opts *o,
			char **ret_id, struct berth_error **err)
{
	_cleanup_free_ char *dir = NULL, *upper = NULL, *by = NULL;
	struct berth_commit_opts co = *o;
	struct record rec;
	int r;

	r = find(s, key, &dir, &rec, err);
	if (r < 0)
		return r;
	upper = xasprintf("%s/upper", dir);
	by = join_args(rec.args);
	if (!upper || !by) {
		record_clear(&rec);
		return berth_error_set(err, ENOMEM, "commit");
	}
	if (!co.created_by)
		co.created_by = by;
	co.skip_empty = engine_mount_targets;
	r = berth_image_commit(s, rec.image_id, upper, &co, ret_id, err);
	if (r < 0 && r == -ENOENT)
		berth_error_wrap(err, "image %.19s of container %.12s", rec.image_id, rec.id);
	record_clear(&rec);
	return r;
}

/* In a child with its own mount namespace: mount the container's overlay read-only
 * on its rootfs dir and tar it to out_fd. The mount dies with the child's namespace,
 * whatever happens. Errors go back through err_fd. */
static _Noreturn void export_child(char **layers, const char *upper, const char *work,
				   const char *rootfs, int out_fd, int err_fd)
{
	struct berth_error *e = NULL;
	struct archive *a;
	int fd = -EBADF, r;

	if (unshare(CLONE_NEWNS) < 0) {
		r = berth_error_set(&e, errno, "unshare mount namespace");
		goto out;
	}
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0) {
		r = berth_error_set(&e, errno, "make mounts private");
		goto out;
	}
	r = overlay_mount(layers, upper, work, rootfs, true, &e);
	if (r < 0)
		goto out;
	fd = open(rootfs, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		r = berth_error_set(&e, errno, "open '%s'", rootfs);
		goto out;
	}
	r = -ENOMEM;
	a = tar_writer_new(&out_fd);
	if (a) {
		r = tar_write_tree(a, fd, NULL, 0, &e);
		if (r >= 0)
			r = tar_writer_close(a, &e);
		else
			archive_write_free(a);
	}
out:
	if (r < 0 && e)
		(void)loop_write(err_fd, berth_error_message(e), strlen(berth_error_message(e)));
	_exit(r < 0 ? 1 : 0);
}

int berth_engine_export(struct berth_store *s, const char *key, int out_fd,
			struct berth_error **err)
{
	_cleanup_free_ char *dir = NULL, *upper = NULL, *work = NULL, *rootfs = NULL;
	_cleanup_close_ int lock = -EBADF, rfd = -EBADF;
	struct berth_image *img = NULL;
	struct record rec;
	int pipefd[2], status, r;
	char msg[1024];
	ssize_t n;
	pid_t pid;

	r = find(s, key, &dir, &rec, err);
	if (r < 0)
		return r;
	upper = xasprintf("%s/upper", dir);
	work = xasprintf("%s/work", dir);
	rootfs = xasprintf("%s/rootfs", dir);
	if (!upper || !work || !rootfs) {
		r = berth_error_set(err, ENOMEM, "export");
		goto out;
	}
	/* Hold the container's lock: no `rm` underneath us. */
	r = ctr_lock(dir, &lock);
	if (r < 0) {
		r = berth_error_new(err, ENOENT, "no such container: %s", key);
		goto out;
	}
	if (rec.state == BERTH_CTR_RUNNING) {
		/* Its overlay is mounted: read it where it is. */
		struct archive *a;

		rfd = open(rootfs, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (rfd < 0) {
			r = berth_error_set(err, errno, "open '%s'", rootfs);
			goto out;
		}
		a = tar_writer_new(&out_fd);
		if (!a) {
			r = berth_error_set(err, ENOMEM, "export");
			goto out;
		}
		r = tar_write_tree(a, rfd, NULL, 0, err);
		if (r >= 0)
			r = tar_writer_close(a, err);
		else
			archive_write_free(a);
		goto out;
	}
	r = berth_image_lookup(s, rec.image_id, &img, err);
	if (r < 0) {
		berth_error_wrap(err, "image of container %.12s", rec.id);
		goto out;
	}
	if (pipe2(pipefd, O_CLOEXEC) < 0) {
		r = berth_error_set(err, errno, "pipe");
		goto out;
	}
	pid = fork();
	if (pid < 0) {
		r = berth_error_set(err, errno, "fork");
		close(pipefd[0]);
		close(pipefd[1]);
		goto out;
	}
	if (pid == 0) {
		close(pipefd[0]);
		export_child(img->layer_dirs, upper, work, rootfs, out_fd, pipefd[1]);
	}
	close(pipefd[1]);
	n = read(pipefd[0], msg, sizeof(msg) - 1);
	close(pipefd[0]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		msg[n > 0 ? n : 0] = '\0';
		if (n > 0)
			r = berth_error_new(err, EIO, "%s", msg);
		else if (WIFSIGNALED(status))
			r = berth_error_new(err, EIO, "export: killed by signal %d%s",
					    WTERMSIG(status),
					    WTERMSIG(status) == SIGPIPE ? " (output closed)" : "");
		else
			r = berth_error_new(err, EIO, "export failed");
		goto out;
	}
	r = 0;
out:
	berth_image_free(img);
	record_clear(&rec);
	return r;
}
