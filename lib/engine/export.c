/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * `berth export` and `berth commit`: a container's filesystem, or its changes, as a tar.
 * (Apart from container.c so that the verbs that run containers link no archive code.)
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <unistd.h>

#include <archive.h>

#include "berth/events.h"
#include "berth/engine.h"
#include "berth/image.h"
#include "berth/cleanup.h"
#include "berth/overlay.h"
#include "berth/tarwrite.h"
#include "berth/record.h"
#include "berth/util.h"

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

int berth_engine_export(struct berth_engine *e, const char *key, int out_fd,
			struct berth_error **err)
{
	struct berth_store *s = berth_engine_store(e);
	_cleanup_free_ char *dir = NULL, *upper = NULL, *work = NULL, *rootfs = NULL;
	_cleanup_close_ int lock = -EBADF, rfd = -EBADF;
	struct berth_image *img = NULL;
	struct record rec;
	int pipefd[2], status, r;
	char msg[1024];
	ssize_t n;
	pid_t pid;

	r = record_find(berth_store_root(s), key, &dir, &rec, err);
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
	r = record_lock(dir, &lock);
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

/* Files the engine bind-mounts over the container's own (ocigen.c): when the image
 * lacks them, their mount targets are created empty in the upper dir. They are the
 * engine's, not the container's changes. */
static char engine_hostname[] = "etc/hostname", engine_hosts[] = "etc/hosts",
	    engine_resolv[] = "etc/resolv.conf";
static char *const engine_mount_targets[] = {engine_hostname, engine_hosts, engine_resolv, NULL};

int berth_engine_commit(struct berth_engine *e, const char *key, const struct berth_commit_opts *o,
			char **ret_id, struct berth_error **err)
{
	struct berth_store *s = berth_engine_store(e);
	_cleanup_free_ char *dir = NULL, *upper = NULL, *by = NULL;
	struct berth_commit_opts co = *o;
	struct record rec;
	int r;

	r = record_find(berth_store_root(s), key, &dir, &rec, err);
	if (r < 0)
		return r;
	upper = xasprintf("%s/upper", dir);
	by = strv_join(rec.args, " ");
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
	if (r >= 0) {
		/* docker's commit is the container's event */
		struct berth_event_attr a[] = {
		    {"comment", co.comment ?: ""},
		    {"imageID", *ret_id},
		    {"imageRef", co.ref ?: ""},
		};

		(void)record_event(berth_store_root(s), &rec, "commit", a, ELEMENTSOF(a));
	}
	record_clear(&rec);
	return r;
}
