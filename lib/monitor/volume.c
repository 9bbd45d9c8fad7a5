/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Volumes: docker's -v specs, the store's named volumes, and the `berth volume` verbs.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "berth/events.h"
#include "berth/image.h"
#include "berth/cleanup.h"
#include "berth/logfile.h"
#include "berth/record.h"
#include "berth/util.h"
#include "berth/volume.h"

void volume_mount_clear(struct volume_mount *m)
{
	free(m->source);
	free(m->destination);
	free(m->name);
	*m = (struct volume_mount){ 0 };
}

bool volume_name_valid(const char *n)
{
	return object_name_valid(n, 2, 255);
}

/* <store>/volumes.lock, held while a volume is made or deleted: of many processes
 * making the same new volume, exactly one makes it (and fills it from the image). Taken
 * last: nothing else is locked while it is held. */
static int volumes_lock(const char *store_root, int *ret_fd, struct berth_error **err)
{
	return record_store_lock_file(store_root, "volumes.lock", ret_fd, err);
}

bool volume_exists(const char *store_root, const char *name)
{
	_cleanup_free_ char *meta = xasprintf("%s/volumes/%s/volume.json", store_root, name);

	return meta && volume_name_valid(name) && access(meta, F_OK) == 0;
}

/* docker's volume event: the volume's name is its id, driver local */
static void volume_event(const char *store_root, const char *action, const char *name)
{
	struct berth_event_attr a[] = {{"driver", "local"}};

	(void)berth_event_append(store_root, "volume", action, name, a, ELEMENTSOF(a));
}

void volume_events(const char *store_root, const char *ctr_dir, const char *ctr_id, bool mount)
{
	_cleanup_free_ char *cfg = xasprintf("%s/config.json", ctr_dir);
	_cleanup_free_ char *vols = xasprintf("%s/volumes/", store_root);
	json_t *o, *m;
	size_t i;

	if (!cfg || !vols)
		return;
	o = json_load_file(cfg, 0, NULL);
	json_array_foreach(json_object_get(o, "mounts"), i, m)
	{
		const char *dst = json_string_value(json_object_get(m, "destination"));
		const char *src = json_string_value(json_object_get(m, "source"));
		_cleanup_free_ char *name = NULL;
		bool ro = false;
		json_t *opt;
		size_t k;

		/* <store>/volumes/NAME/_data */
		if (!dst || !src || !startswith(src, vols))
			continue;
		name = strndup(src + strlen(vols), strcspn(src + strlen(vols), "/"));
		if (!name)
			break;
		json_array_foreach(json_object_get(m, "options"), k, opt)
		{
			ro = ro || streq_ptr(json_string_value(opt), "ro");
		}
		if (mount) {
			struct berth_event_attr a[] = {{"container", ctr_id},
						       {"destination", dst},
						       {"driver", "local"},
						       {"propagation", ""},
						       {"read/write", ro ? "false" : "true"}};

			(void)berth_event_append(store_root, "volume", "mount", name, a,
						 ELEMENTSOF(a));
		} else {
			struct berth_event_attr a[] = {{"container", ctr_id}, {"driver", "local"}};

			(void)berth_event_append(store_root, "volume", "unmount", name, a,
						 ELEMENTSOF(a));
		}
	}
	json_decref(o);
}

int volume_create(const char *store_root, const char *name, bool anonymous,
		  char *const *labels, bool *ret_created, struct berth_error **err)
{
	_cleanup_free_ char *dir = NULL, *data = NULL, *meta = NULL, *text = NULL;
	_cleanup_close_ int lock = -EBADF;
	char stamp[32];
	json_t *o;
	int r;

	if (!volume_name_valid(name))
		return berth_error_new(err, EINVAL,
				       "invalid volume name '%s': only [a-zA-Z0-9][a-zA-Z0-9_.-] are "
				       "allowed",
				       name);
	dir = xasprintf("%s/volumes/%s", store_root, name);
	data = xasprintf("%s/_data", dir ? dir : "");
	meta = xasprintf("%s/volume.json", dir ? dir : "");
	if (!dir || !data || !meta)
		return berth_error_set(err, ENOMEM, "create volume '%s'", name);
	r = volumes_lock(store_root, &lock, err);
	if (r < 0)
		return r;
	if (access(meta, F_OK) == 0) {
		if (ret_created)
			*ret_created = false;
		return 0;
	}
	r = mkdir_p(data, 0755);
	if (r < 0)
		return berth_error_set(err, -r, "create volume '%s'", name);
	logfile_format_time((int64_t)time(NULL) * 1000000000, stamp);
	o = json_pack("{s:s, s:s, s:b, s:o}", "Name", name, "CreatedAt", stamp, "Anonymous",
		      anonymous, "Labels", json_object());
	for (char *const *l = labels; o && l && *l; l++) {
		const char *eq = strchr(*l, '=');
		_cleanup_free_ char *k = eq ? strndup(*l, (size_t)(eq - *l)) : strdup(*l);

		if (!k || json_object_set_new(json_object_get(o, "Labels"), k,
					      json_string(eq ? eq + 1 : "")) < 0) {
			json_decref(o);
			o = NULL;
		}
	}
	text = o ? json_dumps(o, JSON_INDENT(2)) : NULL;
	json_decref(o);
	if (!text)
		return berth_error_set(err, ENOMEM, "create volume '%s'", name);
	/* the metadata last: a volume without it is one whose creation did not finish */
	r = write_file_atomic(meta, text, strlen(text), 0600);
	if (r < 0)
		return berth_error_set(err, -r, "write '%s'", meta);
	volume_event(store_root, "create", name);
	if (ret_created)
		*ret_created = true;
	return 0;
}


/* "/a/b/" and "/a//b" as "/a/b"; "" when not absolute */
static char *clean_path(const char *p, size_t n)
{
	char *out = malloc(n + 2), *o = out;

	if (!out)
		return NULL;
	if (n == 0 || p[0] != '/') {
		*out = 0;
		return out;
	}
	for (size_t i = 0; i < n; i++) {
		if (p[i] == '/' && o > out && o[-1] == '/')
			continue;
		*o++ = p[i];
	}
	if (o > out + 1 && o[-1] == '/')
		o--;
	*o = 0;
	return out;
}

int volume_resolve(const char *store_root, const char *spec, struct volume_mount *ret,
		   struct berth_error **err)
{
	struct volume_mount m = { 0 };
	const char *c1 = strchr(spec, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
	const char *src = NULL, *dst = spec, *opts = NULL;
	size_t src_len = 0, dst_len = strlen(spec);
	int r;

	if (c1) {
		src = spec;
		src_len = (size_t)(c1 - spec);
		dst = c1 + 1;
		dst_len = c2 ? (size_t)(c2 - dst) : strlen(dst);
		opts = c2 ? c2 + 1 : NULL;
	}
	m.destination = clean_path(dst, dst_len);
	if (!m.destination)
		return berth_error_set(err, ENOMEM, "volume '%s'", spec);
	if (!*m.destination) {
		r = berth_error_new(err, EINVAL,
				    "invalid volume '%s': the path in the container must be absolute",
				    spec);
		goto fail;
	}
	if (streq(m.destination, "/")) {
		r = berth_error_new(err, EINVAL, "invalid volume '%s': it cannot be mounted on '/'",
				    spec);
		goto fail;
	}
	for (const char *o = opts; o && *o;) {
		const char *e = strchr(o, ',');
		size_t n = e ? (size_t)(e - o) : strlen(o);

		if (n == 2 && !strncmp(o, "ro", 2))
			m.readonly = true;
		else if (n == 2 && !strncmp(o, "rw", 2))
			m.readonly = false;
		else if (!(n == 1 && (*o == 'z' || *o == 'Z')))
			{
				r = berth_error_new(err, EINVAL,
						    "invalid volume '%s': unknown option '%.*s' (ro, rw, "
						    "z, Z)",
						    spec, (int)n, o);
				goto fail;
			}
		o = e ? e + 1 : o + n;
	}
	if (src && src_len > 0 && src[0] == '/') {
		/* a bind mount of a host path, made when it is missing (docker's -v) */
		m.source = clean_path(src, src_len);
		if (!m.source)
			goto nomem;
		r = mkdir_p(m.source, 0755);
		if (r < 0 && r != -EEXIST && r != -ENOTDIR) {
			r = berth_error_set(err, -r, "volume '%s': create '%s'", spec, m.source);
			goto fail;
		}
	} else {
		char anon[65];

		if (src) {
			m.name = strndup(src, src_len);
		} else {
			r = random_hex_id(anon);
			if (r < 0) {
				r = berth_error_set(err, -r, "getrandom");
				goto fail;
			}
			m.name = strdup(anon);
			m.anonymous = true;
		}
		if (!m.name)
			goto nomem;
		if (!volume_name_valid(m.name)) {
			r = berth_error_new(err, EINVAL,
					    "invalid volume '%s': '%s' is not a volume name "
					    "([a-zA-Z0-9][a-zA-Z0-9_.-]); a host directory must be "
					    "given as an absolute path",
					    spec, m.name);
			goto fail;
		}
		r = volume_create(store_root, m.name, m.anonymous, NULL, &m.created, err);
		if (r < 0)
			goto fail;
		m.source = xasprintf("%s/volumes/%s/_data", store_root, m.name);
		if (!m.source)
			goto nomem;
	}
	*ret = m;
	return 0;
nomem:
	r = berth_error_set(err, ENOMEM, "volume '%s'", spec);
fail:
	volume_mount_clear(&m);
	return r;
}

/* Copy the tree at src (a directory fd) into dst: files, directories, symlinks, with
 * their modes, owners and times. */
static int copy_tree(int src, int dst, struct berth_error **err)
{
	_cleanup_closedir_ DIR *d = NULL;
	int dfd = fcntl(src, F_DUPFD_CLOEXEC, 3);
	struct dirent *de;

	if (dfd < 0)
		return berth_error_set(err, errno, "dup");
	d = fdopendir(dfd);
	if (!d) {
		close(dfd);
		return berth_error_set(err, errno, "read directory");
	}
	while ((de = readdir(d))) {
		struct stat st;
		struct timespec ts[2];
		int r = 0;

		if (streq(de->d_name, ".") || streq(de->d_name, ".."))
			continue;
		if (fstatat(src, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			return berth_error_set(err, errno, "stat '%s'", de->d_name);
		if (S_ISDIR(st.st_mode)) {
			_cleanup_close_ int s2 = -EBADF, d2 = -EBADF;

			if (mkdirat(dst, de->d_name, st.st_mode & 07777) < 0 && errno != EEXIST)
				return berth_error_set(err, errno, "mkdir '%s'", de->d_name);
			s2 = openat(src, de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			d2 = openat(dst, de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (s2 < 0 || d2 < 0)
				return berth_error_set(err, errno, "open '%s'", de->d_name);
			r = copy_tree(s2, d2, err);
			if (r < 0)
				return berth_error_wrap(err, "%s", de->d_name);
		} else if (S_ISREG(st.st_mode)) {
			_cleanup_close_ int in = openat(src, de->d_name,
							O_RDONLY | O_NOFOLLOW | O_CLOEXEC),
					    out = openat(dst, de->d_name,
							 O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
								 O_CLOEXEC,
							 st.st_mode & 07777);
			char buf[65536];
			ssize_t n;

			if (in < 0 || out < 0)
				return berth_error_set(err, errno, "copy '%s'", de->d_name);
			while ((n = read(in, buf, sizeof(buf))) > 0)
				if (loop_write(out, buf, (size_t)n) < 0)
					return berth_error_set(err, errno, "write '%s'", de->d_name);
			if (n < 0)
				return berth_error_set(err, errno, "read '%s'", de->d_name);
		} else if (S_ISLNK(st.st_mode)) {
			char target[4096];
			ssize_t n = readlinkat(src, de->d_name, target, sizeof(target) - 1);

			if (n < 0)
				return berth_error_set(err, errno, "readlink '%s'", de->d_name);
			target[n] = 0;
			if (symlinkat(target, dst, de->d_name) < 0)
				return berth_error_set(err, errno, "symlink '%s'", de->d_name);
		} else {
			if (mknodat(dst, de->d_name, st.st_mode, st.st_rdev) < 0)
				return berth_error_set(err, errno, "mknod '%s'", de->d_name);
		}
		(void)fchownat(dst, de->d_name, st.st_uid, st.st_gid, AT_SYMLINK_NOFOLLOW);
		if (!S_ISLNK(st.st_mode))
			(void)fchmodat(dst, de->d_name, st.st_mode & 07777, 0);
		ts[0] = st.st_atim;
		ts[1] = st.st_mtim;
		(void)utimensat(dst, de->d_name, ts, AT_SYMLINK_NOFOLLOW);
	}
	return 0;
}

int volume_copy_up(const char *rootfs, const struct volume_mount *m, struct berth_error **err)
{
	_cleanup_close_ int root = -EBADF, src = -EBADF, dst = -EBADF;
	struct open_how how = {
		.flags = O_RDONLY | O_DIRECTORY | O_CLOEXEC,
		.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
	};
	struct stat st;
	int r;

	if (!m->name || !m->created)
		return 0;
	root = open(rootfs, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (root < 0)
		return berth_error_set(err, errno, "open '%s'", rootfs);
	/* the image's path, resolved inside the container's root: a symlink in the image
	 * cannot make this read the host */
	src = (int)syscall(SYS_openat2, root, m->destination + 1, &how, sizeof(how));
	if (src < 0)
		return 0; /* nothing there (or not a directory): nothing to copy */
	dst = open(m->source, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dst < 0)
		return berth_error_set(err, errno, "open '%s'", m->source);
	if (fstat(src, &st) == 0) {
		(void)fchown(dst, st.st_uid, st.st_gid);
		(void)fchmod(dst, st.st_mode & 07777);
	}
	r = copy_tree(src, dst, err);
	if (r < 0)
		return berth_error_wrap(err, "copy '%s' of the image into volume '%s'",
					m->destination, m->name);
	return 0;
}

/* The store's volumes with what their volume.json says. */
static int read_meta(const char *store_root, const char *name, json_t **ret)
{
	_cleanup_free_ char *meta = xasprintf("%s/volumes/%s/volume.json", store_root, name);
	json_t *o;

	if (!meta)
		return -ENOMEM;
	o = json_load_file(meta, 0, NULL);
	if (!o)
		return -ENOENT;
	*ret = o;
	return 0;
}

int volume_labels(const char *store_root, const char *name, char ***ret)
{
	_cleanup_strv_free_ char **l = calloc(1, sizeof(char *));
	const char *k;
	json_t *o, *v;
	int r;

	if (!l)
		return -ENOMEM;
	r = read_meta(store_root, name, &o);
	if (r < 0)
		return r;
	json_object_foreach(json_object_get(o, "Labels"), k, v) {
		_cleanup_free_ char *kv = xasprintf("%s=%s", k, json_string_value(v) ?: "");

		if (!kv || strv_extend(&l, kv) < 0) {
			json_decref(o);
			return -ENOMEM;
		}
	}
	json_decref(o);
	*ret = TAKE_PTR(l);
	return 0;
}

bool volume_is_anonymous(const char *store_root, const char *name)
{
	json_t *o;
	bool a;

	if (read_meta(store_root, name, &o) < 0)
		return false;
	a = json_is_true(json_object_get(o, "Anonymous"));
	json_decref(o);
	return a;
}

int volume_delete(const char *store_root, const char *name, struct berth_error **err)
{
	_cleanup_free_ char *dir = xasprintf("%s/volumes/%s", store_root, name),
			    *meta = xasprintf("%s/volumes/%s/volume.json", store_root, name);
	_cleanup_close_ int lock = -EBADF;
	int r;

	if (!dir || !meta)
		return berth_error_set(err, ENOMEM, "remove volume '%s'", name);
	r = volumes_lock(store_root, &lock, err);
	if (r < 0)
		return r;
	if (!volume_name_valid(name) || access(meta, F_OK) < 0)
		return berth_error_new(err, ENOENT, "no such volume: %s", name);
	/* the metadata first: a half-removed volume is no volume any more */
	if (unlink(meta) < 0)
		return berth_error_set(err, errno, "remove volume '%s'", name);
	volume_event(store_root, "destroy", name);
	r = rm_rf(dir);
	if (r < 0)
		return berth_error_set(err, -r, "remove volume '%s'", name);
	return 0;
}

void volume_delete_anonymous(const char *store_root, char *const *names)
{
	for (char *const *n = names; n && *n; n++)
		if (volume_is_anonymous(store_root, *n))
			(void)volume_delete(store_root, *n, NULL);
}
