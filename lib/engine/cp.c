/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * `berth cp`: files and directories between a container and the host, as docker copies
 * them: the source side writes a tar of what it copies, the other side unpacks it into
 * a directory (docker's archive/extract API, here a pipe to a child process).
 *
 * Every path in the container is resolved below an fd of the container's root with
 * openat2(RESOLVE_IN_ROOT): "/" and ".." stop at that root and a symlink to "/" leads to
 * the container's root, never to the host's, whatever the container does to its files
 * while we copy (CVE-2018-15664: docker resolved the path first, then used it, and a
 * container swapping a directory for a symlink in between made it read and write the
 * host). Below the resolved directory, entries are opened one component at a time
 * relative to their parent's fd, never following a symlink (O_NOFOLLOW,
 * RESOLVE_NO_SYMLINKS): a swap can make a copy fail, not escape.
 *
 * The root of a running container is its init's /proc/PID/root (its mounts included,
 * volumes and binds as it sees them); of a stopped one, its overlay with its volumes and
 * binds on it, mounted in a child's private mount namespace, whose root directory fd the
 * child hands back; the child keeps the namespace until we are done, and nothing stays
 * mounted after it.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <jansson.h>

#include "berth/engine.h"
#include "berth/image.h"
#include "berth/cleanup.h"
#include "berth/overlay.h"
#include "berth/record.h"
#include "berth/sync.h"
#include "berth/util.h"
#include "cp.h"

/* One end of a copy: the host (root < 0: paths as this process sees them) or a
 * container (root: its root directory; ctr: its name as the user gave it). */
struct side {
	int root;
	const char *ctr;
};

/* path in the side's filesystem, symlinks followed (in a container: within its root). */
static int side_open(const struct side *s, const char *path, int flags)
{
	int fd;

	if (s->root >= 0)
		return cp_openat2(s->root, path, flags, RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS);
	fd = open(path, flags | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

/* docker's messages for a path that is not there: the daemon's for a container, Go's
 * for the host. */
static int not_found(const struct side *s, const char *op, const char *path, int r,
		     struct berth_error **err)
{
	if (s->ctr && (r == -ENOENT || r == -ENOTDIR))
		return berth_error_new(err, ENOENT, "Could not find the file %s in container %s",
				       path, s->ctr);
	return berth_error_set(err, -r, "%s %s", op, path);
}

/* --- the container's root --- */

/* The container's own bind mounts (its volumes and -v binds) from its config.json:
 * destination, source, "ro" or "rw", three strings each. The engine's binds of files
 * in the container's directory (hostname, hosts, resolv.conf) are left out. */
static int volume_binds(const char *dir, char ***ret, struct berth_error **err)
{
	_cleanup_free_ char *path = xasprintf("%s/config.json", dir);
	_cleanup_strv_free_ char **l = NULL;
	json_t *cfg, *m;
	size_t i;

	if (!path)
		return berth_error_set(err, ENOMEM, "container config");
	cfg = json_load_file(path, 0, NULL);
	if (!cfg)
		return berth_error_new(err, EINVAL, "read '%s'", path);
	json_array_foreach(json_object_get(cfg, "mounts"), i, m)
	{
		const char *dst = json_string_value(json_object_get(m, "destination"));
		const char *src = json_string_value(json_object_get(m, "source"));
		const char *type = json_string_value(json_object_get(m, "type"));
		bool ro = false;
		json_t *o;
		size_t k;

		if (!dst || !src || !type || !streq(type, "bind") || startswith(src, dir))
			continue;
		json_array_foreach(json_object_get(m, "options"), k,
				   o) if (json_string_value(o) && streq(json_string_value(o), "ro"))
		    ro = true;
		if (strv_extend(&l, dst) < 0 || strv_extend(&l, src) < 0 ||
		    strv_extend(&l, ro ? "ro" : "rw") < 0) {
			json_decref(cfg);
			return berth_error_set(err, ENOMEM, "container config");
		}
	}
	json_decref(cfg);
	if (!l && !(l = calloc(1, sizeof(*l))))
		return berth_error_set(err, ENOMEM, "container config");
	*ret = TAKE_PTR(l);
	return 0;
}

/* Make dst in the root root_fd as the runtime makes a missing mount target at start: its
 * directories, and dst a directory (or an empty file for a file's bind), no symlink
 * followed. Returns an O_PATH fd of it. */
static int make_target(int root_fd, const char *dst, bool file, struct berth_error **err)
{
	const uint64_t how = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_SYMLINKS;
	_cleanup_free_ char *copy = strdup(dst);
	_cleanup_close_ int cur = -EBADF;
	char *p, *next;

	if (!copy)
		return berth_error_set(err, ENOMEM, "volume '%s'", dst);
	cur = cp_openat2(root_fd, "/", O_PATH | O_DIRECTORY, how);
	for (p = copy; cur >= 0 && p; p = next) {
		int fd;

		while (*p == '/')
			p++;
		next = strchr(p, '/');
		if (next)
			*next++ = 0;
		if (!*p)
			continue;
		fd = cp_openat2(cur, p, O_PATH, how);
		if (fd == -ENOENT && (!next || !*next) && file) {
			fd = openat(cur, p, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
				    0644);
			if (fd >= 0)
				close(fd);
			fd = fd < 0 ? -errno : cp_openat2(cur, p, O_PATH, how);
		} else if (fd == -ENOENT) {
			fd = mkdirat(cur, p, 0755) < 0 ? -errno : cp_openat2(cur, p, O_PATH, how);
		}
		if (fd < 0)
			return berth_error_set(err, -fd, "volume '%s': make '%s'", dst, p);
		close(cur);
		cur = fd;
	}
	if (cur < 0)
		return berth_error_set(err, -cur, "volume '%s'", dst);
	return TAKE_FD(cur);
}

/* Bind src on dst inside the root root_fd: dst opened (made when missing) in the root
 * without following a symlink, mounted on through /proc/self/fd, as the runtime mounts. */
static int bind_in_root(int root_fd, const char *dst, const char *src, bool ro,
			struct berth_error **err)
{
	const uint64_t how = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_SYMLINKS;
	_cleanup_close_ int fd = -EBADF;
	struct stat st;
	char p[64];

	if (stat(src, &st) < 0)
		return berth_error_set(err, errno, "volume '%s': source '%s'", dst, src);
	fd = make_target(root_fd, dst, !S_ISDIR(st.st_mode), err);
	if (fd < 0)
		return fd;
	snprintf(p, sizeof(p), "/proc/self/fd/%d", fd);
	if (mount(src, p, NULL, MS_BIND | MS_REC, NULL) < 0)
		return berth_error_set(err, errno, "mount volume '%s' on '%s'", src, dst);
	if (!ro)
		return 0;
	close(fd);
	fd = cp_openat2(root_fd, dst, O_PATH, how); /* now the bind's root */
	if (fd < 0)
		return berth_error_set(err, -fd, "volume '%s'", dst);
	snprintf(p, sizeof(p), "/proc/self/fd/%d", fd);
	if (mount(NULL, p, NULL, MS_BIND | MS_REMOUNT | MS_RDONLY, NULL) < 0)
		return berth_error_set(err, errno, "volume '%s': read-only", dst);
	return 0;
}

/* The child of stopped_root(): the overlay on rootfs in a mount namespace of its own,
 * the container's volumes and binds on it, the root's fd sent on sock; then it waits
 * for sock to close, keeping the namespace (and so the binds) alive while it is used. */
static _Noreturn void root_child(char **layers, const char *upper, const char *work,
				 const char *rootfs, char **binds, int sock)
{
	struct berth_error *e = NULL;
	int fd, r;
	char c;

	if (unshare(CLONE_NEWNS) < 0) {
		r = berth_error_set(&e, errno, "unshare mount namespace");
		goto fail;
	}
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0) {
		r = berth_error_set(&e, errno, "make mounts private");
		goto fail;
	}
	r = overlay_mount(layers, upper, work, rootfs, false, &e);
	if (r < 0)
		goto fail;
	fd = open(rootfs, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		r = berth_error_set(&e, errno, "open '%s'", rootfs);
		goto fail;
	}
	for (char **b = binds; b && b[0] && b[1] && b[2]; b += 3) {
		r = bind_in_root(fd, b[0], b[1], streq(b[2], "ro"), &e);
		if (r < 0)
			goto fail;
	}
	if (sync_send(sock, SYNC_READY, 0, fd) < 0)
		_exit(1);
	while (read(sock, &c, 1) < 0 && errno == EINTR)
		;
	_exit(0);
fail:
	(void)sync_send_error(sock, -r, e);
	_exit(1);
}

/* A stopped container's root: *ret_fd, kept whole while *ret_sock is open (closing it
 * ends the child *ret_pid, which the caller reaps). */
static int stopped_root(struct berth_store *s, const char *dir, const struct record *rec,
			int *ret_fd, int *ret_sock, pid_t *ret_pid, struct berth_error **err)
{
	_cleanup_free_ char *upper = xasprintf("%s/upper", dir), *work = xasprintf("%s/work", dir),
			    *rootfs = xasprintf("%s/rootfs", dir);
	_cleanup_strv_free_ char **binds = NULL;
	struct berth_image *img = NULL;
	struct sync_msg m;
	int sk[2], status, fd = -EBADF, r;
	pid_t pid;

	if (!upper || !work || !rootfs)
		return berth_error_set(err, ENOMEM, "mount the container's root");
	r = volume_binds(dir, &binds, err);
	if (r < 0)
		return r;
	r = berth_image_lookup(s, rec->image_id, &img, err);
	if (r < 0)
		return berth_error_wrap(err, "image of container %.12s", rec->id);
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sk) < 0) {
		r = berth_error_set(err, errno, "socketpair");
		berth_image_free(img);
		return r;
	}
	pid = fork();
	if (pid == 0) {
		close(sk[0]);
		root_child(img->layer_dirs, upper, work, rootfs, binds, sk[1]);
	}
	close(sk[1]);
	berth_image_free(img);
	if (pid < 0) {
		close(sk[0]);
		return berth_error_set(err, errno, "fork");
	}
	r = sync_recv(sk[0], &m, &fd);
	if (r < 0 || m.type != SYNC_READY || fd < 0) {
		close(sk[0]);
		while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
			;
		if (fd >= 0)
			close(fd);
		if (r < 0)
			return berth_error_set(err, -r, "mount the container's root");
		if (m.type == SYNC_ERROR)
			return sync_error_to(&m, err);
		return berth_error_new(err, EIO, "mount the container's root: no descriptor");
	}
	*ret_fd = fd;
	*ret_sock = sk[0];
	*ret_pid = pid;
	return 0;
}

static int close_fd(int fd)
{
	if (fd >= 0)
		close(fd);
	return -EBADF;
}

/* The container, locked against rm and start while we copy, and an fd of its root. */
struct cp_ctr {
	struct ctr c;
	int lock, start_lock, root;
	int child_sock; /* a stopped one's: its mount namespace lives while this is open */
	pid_t child;
};

static void cp_ctr_release(struct cp_ctr *c)
{
	ctr_release(&c->c);
	close_fd(c->lock);
	close_fd(c->start_lock);
	close_fd(c->root);
	close_fd(c->child_sock);
	while (c->child > 0 && waitpid(c->child, NULL, 0) < 0 && errno == EINTR)
		;
}

static int cp_ctr_open(struct berth_engine *e, const char *key, struct cp_ctr *ret,
		       struct berth_error **err)
{
	struct berth_store *s = berth_engine_store(e);
	_cleanup_free_ char *sl = NULL, *proot = NULL;
	struct cp_ctr c = {
	    .lock = -EBADF, .start_lock = -EBADF, .root = -EBADF, .child_sock = -EBADF};
	int r;

	r = ctr_find(berth_store_root(s), key, &c.c, err);
	if (r < 0)
		return r;
	/* start's lock first (start takes it, then the directory's), then the directory's:
	 * a stopped container stays stopped, and no rm, while its overlay is ours */
	sl = xasprintf("%s/start.lock", c.c.dir);
	if (!sl) {
		r = berth_error_set(err, ENOMEM, "container '%s'", key);
		goto fail;
	}
	c.start_lock = open(sl, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (c.start_lock < 0 || flock(c.start_lock, LOCK_EX) < 0) {
		r = berth_error_set(err, errno, "lock '%s'", sl);
		goto fail;
	}
	if (record_lock(c.c.dir, &c.lock) < 0) {
		r = berth_error_new(err, ENOENT, "No such container: %s", key);
		goto fail;
	}
	record_clear(&c.c.rec);
	r = record_read(c.c.dir, &c.c.rec, err);
	if (r < 0)
		goto fail;
	if (c.c.rec.state == BERTH_CTR_RUNNING) {
		/* running: its root as its processes see it, mounts and all; the start time
		 * checked after the open, so a reused pid cannot give us another root */
		proot = xasprintf("/proc/%d/root", (int)c.c.rec.pid);
		if (!proot) {
			r = berth_error_set(err, ENOMEM, "container '%s'", key);
			goto fail;
		}
		c.root = open(proot, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (c.root < 0 || !record_pid_alive(c.c.rec.pid, c.c.rec.pid_start)) {
			r = berth_error_new(err, ESRCH, "container %s: its process is gone", key);
			goto fail;
		}
		/* the start lock only keeps stopped ones stopped */
		c.start_lock = close_fd(c.start_lock);
	} else {
		r = stopped_root(s, c.c.dir, &c.c.rec, &c.root, &c.child_sock, &c.child, err);
		if (r < 0)
			goto fail;
	}
	*ret = c;
	return 0;
fail:
	cp_ctr_release(&c);
	return r;
}

/* --- docker's path rules --- */

/* What is copied: an O_PATH fd of it (a symlink as itself unless follow), whether it is
 * a directory, and whether only its contents are (SRC/.). */
static int open_source(const struct side *s, const char *path, bool follow, int *ret_fd,
		       bool *ret_dir, bool *ret_contents, const char **ret_base, struct cp_path *p,
		       struct berth_error **err)
{
	_cleanup_close_ int pfd = -EBADF, fd = -EBADF;
	struct stat st;
	int r;

	r = cp_path_parse(path, s->root >= 0, p);
	if (r < 0)
		return berth_error_set(err, -r, "copy '%s'", path);
	if (p->dot || streq(p->base, ".") || p->slash || follow) {
		fd = side_open(s, p->clean, O_PATH);
	} else {
		pfd = side_open(s, p->parent, O_PATH | O_DIRECTORY);
		if (pfd < 0)
			return not_found(s, "lstat", path, pfd, err);
		fd = openat(pfd, p->base, O_PATH | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0)
			fd = -errno;
	}
	if (fd < 0)
		return not_found(s, "lstat", path, fd, err);
	if (fstat(fd, &st) < 0)
		return berth_error_set(err, errno, "stat %s", path);
	if ((p->dot || p->slash) && !S_ISDIR(st.st_mode))
		return berth_error_new(err, ENOTDIR, "not a directory");
	*ret_dir = S_ISDIR(st.st_mode);
	*ret_contents = p->dot || streq(p->base, ".");
	*ret_base = p->base;
	*ret_fd = TAKE_FD(fd);
	return 0;
}

/* Where it goes: the directory to unpack into and the name the source takes there. */
static int open_dest(const struct side *s, const char *path, bool src_dir, bool contents,
		     const char *src_base, int *ret_dir, const char **ret_name, struct cp_path *p,
		     struct berth_error **err)
{
	_cleanup_close_ int fd = -EBADF;
	struct stat st;
	int r;

	r = cp_path_parse(path, s->root >= 0, p);
	if (r < 0)
		return berth_error_set(err, -r, "copy to '%s'", path);
	fd = side_open(s, p->clean, O_PATH);
	if (fd >= 0 && fstat(fd, &st) < 0)
		return berth_error_set(err, errno, "stat %s", path);
	if (fd >= 0 && S_ISDIR(st.st_mode)) {
		/* into it, under the source's name (its contents for SRC/.) */
		*ret_name = contents ? "." : src_base;
		*ret_dir = TAKE_FD(fd);
		return 0;
	}
	if (fd >= 0 && src_dir)
		return berth_error_new(err, EISDIR, "cannot copy directory");
	if (fd >= 0 && (p->slash || p->dot))
		return berth_error_new(err, ENOTDIR, "not a directory");
	if (fd < 0 && fd != -ENOENT)
		return not_found(s, "stat", path, fd, err);
	if (fd < 0 && !src_dir && (p->slash || p->dot))
		return berth_error_new(err, ENOENT, "no such directory");
	/* a DEST that is a symlink (to a file, or dangling): docker writes what it points
	 * to, resolved again in the side's root */
	for (int i = 0; i < 10 && !p->slash && !p->dot; i++) {
		_cleanup_close_ int pfd = side_open(s, p->parent, O_PATH | O_DIRECTORY);
		_cleanup_free_ char *next = NULL;
		struct cp_path q;
		char target[PATH_MAX];
		ssize_t n;

		n = pfd < 0 ? -1 : readlinkat(pfd, p->base, target, sizeof(target) - 1);
		if (n <= 0)
			break;
		target[n] = 0;
		next = target[0] == '/' ? strdup(target) : xasprintf("%s/%s", p->parent, target);
		if (!next || cp_path_parse(next, s->root >= 0, &q) < 0)
			return berth_error_set(err, ENOMEM, "copy to '%s'", path);
		cp_path_release(p);
		*p = q;
	}
	/* a new file or directory (or a file replaced) named as the destination */
	fd = side_open(s, p->parent, O_PATH | O_DIRECTORY);
	if (fd == -ENOTDIR)
		return berth_error_new(err, ENOTDIR, "not a directory");
	if (fd < 0)
		return not_found(s, "stat", p->parent, fd, err);
	*ret_name = p->base;
	*ret_dir = TAKE_FD(fd);
	return 0;
}

static int cp(const struct side *from, const char *src, const struct side *to, const char *dest,
	      int out_fd, const struct berth_cp_opts *o, struct berth_error **err)
{
	_cleanup_(cp_path_release) struct cp_path sp = {0}, dp = {0};
	_cleanup_close_ int sfd = -EBADF, dfd = -EBADF;
	const char *base = NULL, *name = NULL;
	bool dir = false, contents = false;
	int r;

	r = open_source(from, src, o->follow_link, &sfd, &dir, &contents, &base, &sp, err);
	if (r < 0)
		return r;
	if (out_fd >= 0 && o->on_source) {
		char target[PATH_MAX];
		struct stat st;
		ssize_t n = -1;

		if (fstat(sfd, &st) < 0)
			return berth_error_set(err, errno, "stat %s", src);
		if (S_ISLNK(st.st_mode))
			n = readlinkat(sfd, "", target, sizeof(target) - 1);
		if (n >= 0)
			target[n] = 0;
		r = o->on_source(base, &st, n >= 0 ? target : NULL, o->userdata);
		if (r != 0)
			return r > 0 ? 0 : berth_error_set(err, -r, "copy '%s'", src);
	}
	if (out_fd >= 0) /* "-": the tar itself, named as docker names it */
		return cp_write_tar(out_fd, sfd, contents ? "." : base, err);
	r = open_dest(to, dest, dir, contents, base, &dfd, &name, &dp, err);
	if (r < 0)
		return r;
	return cp_copy_tree(sfd, name, dfd, o->archive, err);
}

int berth_engine_cp_from(struct berth_engine *e, const char *key, const char *src, const char *dest,
			 int out_fd, const struct berth_cp_opts *o, struct berth_error **err)
{
	_cleanup_(cp_ctr_release) struct cp_ctr c = {
	    .lock = -EBADF, .start_lock = -EBADF, .root = -EBADF, .child_sock = -EBADF};
	struct side from = {.ctr = key}, host = {.root = -EBADF};
	int r;

	if ((out_fd < 0) == !dest)
		return berth_error_new(err, EINVAL, "copy: a destination path or fd, not both");
	r = cp_ctr_open(e, key, &c, err);
	if (r < 0)
		return r;
	from.root = c.root;
	return cp(&from, src, &host, dest, out_fd, o, err);
}

int berth_engine_cp_to(struct berth_engine *e, const char *key, const char *src, int in_fd,
		       const char *dest, const struct berth_cp_opts *o, struct berth_error **err)
{
	_cleanup_(cp_ctr_release) struct cp_ctr c = {
	    .lock = -EBADF, .start_lock = -EBADF, .root = -EBADF, .child_sock = -EBADF};
	_cleanup_(cp_path_release) struct cp_path dp = {0};
	_cleanup_close_ int dfd = -EBADF;
	struct side host = {.root = -EBADF}, to = {.ctr = key};
	struct stat st;
	int r;

	if ((in_fd < 0) == !src)
		return berth_error_new(err, EINVAL, "copy: a source path or fd, not both");
	r = cp_ctr_open(e, key, &c, err);
	if (r < 0)
		return r;
	to.root = c.root;
	if (src)
		return cp(&host, src, &to, dest, -1, o, err);
	/* "-": a tar unpacked into the directory dest */
	r = cp_path_parse(dest, true, &dp);
	if (r < 0)
		return berth_error_set(err, -r, "copy to '%s'", dest);
	dfd = side_open(&to, dp.clean, O_PATH);
	if (dfd < 0 && dfd != -ENOENT && dfd != -ENOTDIR)
		return berth_error_set(err, -dfd, "open %s", dest);
	if (dfd < 0 || fstat(dfd, &st) < 0 || !S_ISDIR(st.st_mode))
		return berth_error_new(err, ENOTDIR, "destination \"%s:%s\" must be a directory",
				       key, dest);
	return cp_unpack_tar(in_fd, dfd, o->archive, err);
}
