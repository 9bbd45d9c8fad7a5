/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * `berth logs`: the container's log (logfile.h) back as the container wrote it.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include "berth/engine.h"
#include "berth/image.h"
#include "berth/cleanup.h"
#include "berth/logfile.h"
#include "berth/record.h"
#include "berth/util.h"

struct printer {
	const struct berth_logs_opts *o;
	bool line_start[2];      /* per stream: the next entry begins a line */
	int error;		 /* what o->write returned when it failed: nothing more */
};

static void emit(struct printer *p, int stream, const void *buf, size_t n)
{
	int r;

	if (p->error < 0)
		return;
	r = p->o->write(stream, buf, n, p->o->userdata);
	if (r < 0)
		p->error = r;
}

static void print_entry(struct printer *p, const struct log_entry *e)
{
	int stream = e->stream == LOG_STDOUT ? BERTH_LOGS_STDOUT : BERTH_LOGS_STDERR;

	if (p->o->since_ns && e->time_ns < p->o->since_ns)
		return;
	if (p->o->until_ns && e->time_ns >= p->o->until_ns)
		return;
	/* one write per entry (a server's client gets a line in one frame, as docker's) */
	{
		bool start = p->line_start[e->stream], ts = p->o->timestamps && start;
		bool details = p->o->details && start;
		size_t n = (ts ? e->time_len + 1 : 0) + details + e->len + !e->partial, k = 0;
		_cleanup_free_ char *line = malloc(n);

		if (!line) {
			p->error = -ENOMEM;
			return;
		}
		if (ts) {
			memcpy(line, e->time, e->time_len);
			line[e->time_len] = ' ';
			k = e->time_len + 1;
		}
		if (details)
			line[k++] = ' ';
		memcpy(line + k, e->text, e->len);
		if (!e->partial)
			line[n - 1] = '\n';
		emit(p, stream, line, n);
	}
	p->line_start[e->stream] = !e->partial;
}

/* Print the complete lines of buf[0..n); returns how many bytes were used (a last line
 * without its newline is being written: left for later). With skip_lines, the first
 * that many lines of the container's output are not printed (--tail). */
static size_t print_buffer(struct printer *p, const char *buf, size_t n, size_t skip_entries)
{
	size_t used = 0, entry = 0;

	while (used < n) {
		const char *nl = memchr(buf + used, '\n', n - used);
		struct log_entry e;

		if (!nl)
			break;
		if (p->error < 0)
			break;
		if (logfile_parse(buf + used, (size_t)(nl - buf - used), &e) == 0 &&
		    entry++ >= skip_entries)
			print_entry(p, &e);
		used = (size_t)(nl - buf) + 1;
	}
	return used;
}

/* How many entries to skip so that only the last `tail` lines of output remain. A line
 * is a run of P entries ended by an F (or the log's end). */
static size_t tail_skip(const char *buf, size_t n, int64_t tail)
{
	size_t entries = 0, *line_starts = NULL, n_lines = 0, skip = 0;
	bool in_line = false;

	if (tail < 0)
		return 0;
	for (size_t used = 0; used < n;) {
		const char *nl = memchr(buf + used, '\n', n - used);
		struct log_entry e;

		if (!nl)
			break;
		if (logfile_parse(buf + used, (size_t)(nl - buf - used), &e) == 0) {
			if (!in_line) {
				size_t *ls = realloc(line_starts, (n_lines + 1) * sizeof(*ls));

				if (!ls)
					break;
				line_starts = ls;
				line_starts[n_lines++] = entries;
			}
			in_line = e.partial;
			entries++;
		}
		used = (size_t)(nl - buf) + 1;
	}
	if (tail == 0)
		skip = entries;
	else if ((size_t)tail < n_lines)
		skip = line_starts[n_lines - (size_t)tail];
	free(line_starts);
	return skip;
}

/* The rotated logs (LOG_FILE.N ... LOG_FILE.1), oldest first, into *buf. */
static int read_rotated(const char *dir, char **buf, size_t *len, struct berth_error **err)
{
	int n = 0;

	for (int k = 1; k <= LOG_ROTATED_MAX; k++) {
		_cleanup_free_ char *p = xasprintf("%s/%s.%d", dir, LOG_FILE, k);

		if (!p)
			return berth_error_set(err, ENOMEM, "logs");
		if (!path_exists(p))
			break;
		n = k;
	}
	for (int k = n; k >= 1; k--) {
		_cleanup_free_ char *p = xasprintf("%s/%s.%d", dir, LOG_FILE, k), *one = NULL;
		size_t l = 0;
		char *nb;
		int r;

		if (!p)
			return berth_error_set(err, ENOMEM, "logs");
		r = read_full_file(p, &one, &l);
		if (r == -ENOENT) /* rotated away meanwhile */
			continue;
		if (r < 0)
			return berth_error_set(err, -r, "read '%s'", p);
		nb = realloc(*buf, *len + l + 1);
		if (!nb)
			return berth_error_set(err, ENOMEM, "logs");
		*buf = nb;
		memcpy(*buf + *len, one, l);
		*len += l;
	}
	return 0;
}

/* -f across a rotation: the file at path is not the one fd reads any more */
static bool rotated(int fd, const char *path)
{
	struct stat a, b;

	return fstat(fd, &a) == 0 && (stat(path, &b) < 0 || a.st_ino != b.st_ino);
}

int berth_engine_logs(struct berth_engine *e, const char *key, const struct berth_logs_opts *o,
		      struct berth_error **err)
{
	struct berth_store *s = berth_engine_store(e);
	_cleanup_free_ char *dir = NULL, *path = NULL, *buf = NULL;
	_cleanup_close_ int fd = -EBADF, ino = -EBADF, pidfd = -EBADF;
	struct printer p = { .o = o, .line_start = { true, true } };
	struct record rec;
	size_t len = 0, used;
	int r;

	if (!o->write)
		return berth_error_new(err, EINVAL, "logs: nowhere to write them");
	r = record_find(berth_store_root(s), key, &dir, &rec, err);
	if (r < 0)
		return r;
	if (streq_ptr(rec.log_driver, "none")) {
		r = berth_error_new(err, EINVAL, "configured logging driver does not support "
						 "reading");
		goto out;
	}
	path = xasprintf("%s/%s", dir, LOG_FILE);
	if (!path) {
		r = berth_error_set(err, ENOMEM, "logs of '%s'", key);
		goto out;
	}
	/* with -f, watched from before the first read: nothing written in between is missed */
	if (o->follow && rec.state == BERTH_CTR_RUNNING &&
	    record_monitor_pidfd(&rec, &pidfd) == 0) {
		ino = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
		if (ino >= 0 && inotify_add_watch(ino, dir, IN_MODIFY | IN_CREATE | IN_MOVED_TO) < 0)
			ino = -EBADF;
	}
	r = read_rotated(dir, &buf, &len, err);
	if (r < 0)
		goto out;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 && errno != ENOENT) {
		r = berth_error_set(err, errno, "open '%s'", path);
		goto out;
	}
	if (fd >= 0) {
		_cleanup_free_ char *cur = NULL;
		size_t l = 0;
		char *nb;

		r = read_full_fd(fd, &cur, &l);
		if (r < 0) {
			r = berth_error_set(err, -r, "read '%s'", path);
			goto out;
		}
		nb = realloc(buf, len + l + 1);
		if (!nb) {
			r = berth_error_set(err, ENOMEM, "logs of '%s'", key);
			goto out;
		}
		buf = nb;
		memcpy(buf + len, cur, l);
		len += l;
	}
	used = print_buffer(&p, buf ? buf : "", len, buf ? tail_skip(buf, len, o->tail) : 0);
	r = 0;
	if (p.error < 0 || pidfd < 0 || ino < 0)
		goto out;
	/* -f: what is left of the last read, then whatever comes, until the monitor is done */
	if (buf)
		memmove(buf, buf + used, len - used);
	len -= used;
	for (bool ended = false;;) {
		struct pollfd pf[2] = { { .fd = ino, .events = POLLIN }, { .fd = pidfd, .events = POLLIN } };
		char chunk[65536];
		ssize_t n;

		if (fd < 0)
			fd = open(path, O_RDONLY | O_CLOEXEC);
		while (fd >= 0 && (n = read(fd, chunk, sizeof(chunk))) > 0) {
			char *nb = realloc(buf, len + (size_t)n);

			if (!nb) {
				r = berth_error_set(err, ENOMEM, "logs of '%s'", key);
				goto out;
			}
			buf = nb;
			memcpy(buf + len, chunk, (size_t)n);
			len += (size_t)n;
			used = print_buffer(&p, buf, len, 0);
			if (p.error < 0)
				goto out;
			memmove(buf, buf + used, len - used);
			len -= used;
		}
		/* rotated: this one is read to its end; the new one from its start */
		if (fd >= 0 && rotated(fd, path)) {
			close(fd);
			fd = open(path, O_RDONLY | O_CLOEXEC);
			continue;
		}
		if (ended)
			break;
		if (poll(pf, 2, -1) < 0 && errno != EINTR) {
			r = berth_error_set(err, errno, "poll");
			goto out;
		}
		if (pf[0].revents & POLLIN) {
			char ev[4096];

			while (read(ino, ev, sizeof(ev)) > 0)
				;
		}
		/* the monitor is gone: one last read of what it wrote before */
		if (pf[1].revents & POLLIN)
			ended = true;
	}
out:
	if (r >= 0 && p.error < 0)
		r = berth_error_set(err, -p.error, "write the logs");
	record_clear(&rec);
	return r;
}
