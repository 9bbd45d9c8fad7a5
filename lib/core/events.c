/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The writer of the store's event log (events.h). libc only: the runtime's and the
 * monitor's static binaries carry it, and each append is on a verb's path, so it is one
 * open, one write and one close, the JSON made by hand.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "berth/cleanup.h"
#include "berth/events.h"
#include "berth/util.h"

struct buf {
	char *p;
	size_t n, cap;
	bool oom;
};

static void buf_add(struct buf *b, const char *s, size_t n)
{
	if (b->oom)
		return;
	if (b->n + n + 1 > b->cap) {
		size_t cap = (b->cap ? b->cap * 2 : 512) + n;
		char *p = realloc(b->p, cap);

		if (!p) {
			b->oom = true;
			return;
		}
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->n, s, n);
	b->n += n;
	b->p[b->n] = 0;
}

static void buf_puts(struct buf *b, const char *s)
{
	buf_add(b, s, strlen(s));
}

/* s as a JSON string: quotes, backslashes and control characters escaped, the rest
 * (UTF-8 included) as it is */
static void buf_json_string(struct buf *b, const char *s)
{
	buf_add(b, "\"", 1);
	for (const char *p = s; *p; p++) {
		unsigned char c = (unsigned char)*p;
		char esc[8];

		if (c == '"' || c == '\\') {
			esc[0] = '\\';
			esc[1] = (char)c;
			buf_add(b, esc, 2);
		} else if (c == '\n') {
			buf_add(b, "\\n", 2);
		} else if (c == '\t') {
			buf_add(b, "\\t", 2);
		} else if (c < 0x20) {
			snprintf(esc, sizeof(esc), "\\u%04x", c);
			buf_add(b, esc, 6);
		} else {
			buf_add(b, p, 1);
		}
	}
	buf_add(b, "\"", 1);
}

static void buf_key_string(struct buf *b, const char *key, const char *value)
{
	buf_json_string(b, key);
	buf_add(b, ":", 1);
	buf_json_string(b, value);
	buf_add(b, ",", 1);
}

static int cmp_attr(const void *a, const void *b)
{
	const struct berth_event_attr *x = *(const struct berth_event_attr *const *)a,
				      *y = *(const struct berth_event_attr *const *)b;

	return strcmp(x->key, y->key);
}

int berth_event_log_write(const char *dir, const char *line, size_t len, size_t max_size)
{
	_cleanup_free_ char *path = xasprintf("%s/" BERTH_EVENTS_FILE, dir);
	_cleanup_free_ char *old = xasprintf("%s/" BERTH_EVENTS_OLD_FILE, dir);
	_cleanup_close_ int fd = -EBADF;
	struct stat st, now;
	ssize_t k;

	if (!path || !old)
		return -ENOMEM;
	fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return -errno;
	/* one write: O_APPEND's seek and the write are one step under the inode's lock, so
	 * lines of concurrent appenders follow each other whole */
	do
		k = write(fd, line, len);
	while (k < 0 && errno == EINTR);
	if (k < 0)
		return -errno;
	if ((size_t)k != len)
		return -EIO;
	if (fstat(fd, &st) < 0 || (uint64_t)st.st_size <= max_size)
		return 0;
	/* past the cap: whoever holds the file's lock first renames it, if the name still
	 * points at it (another appender may have rotated it meanwhile). A line written to it
	 * after the rename lands in events.1, which readers read too. */
	if (flock(fd, LOCK_EX) < 0)
		return 0;
	if (stat(path, &now) == 0 && now.st_ino == st.st_ino && now.st_dev == st.st_dev)
		if (rename(path, old) < 0)
			return -errno;
	return 0;
}

int berth_event_append_at(const char *dir, int64_t time_ns, const char *type, const char *action,
			  const char *id, const struct berth_event_attr *attrs, size_t n_attrs,
			  size_t max_size)
{
	_cleanup_free_ const struct berth_event_attr **sorted = NULL;
	struct buf b = {0};
	const char *from = NULL;
	bool old_fields = streq(type, "container") || streq(type, "image");
	char num[128];
	size_t n = 0;
	int r;

	if (!id)
		id = "";
	sorted = calloc(n_attrs + 1, sizeof(*sorted));
	if (!sorted)
		return -ENOMEM;
	for (size_t i = 0; i < n_attrs; i++)
		if (attrs[i].key && attrs[i].value) {
			sorted[n++] = &attrs[i];
			if (streq(attrs[i].key, "image"))
				from = attrs[i].value;
		}
	qsort(sorted, n, sizeof(*sorted), cmp_attr);

	buf_add(&b, "{", 1);
	if (old_fields) {
		buf_key_string(&b, "status", action);
		buf_key_string(&b, "id", id);
		if (from && streq(type, "container"))
			buf_key_string(&b, "from", from);
	}
	buf_key_string(&b, "Type", type);
	buf_key_string(&b, "Action", action);
	buf_puts(&b, "\"Actor\":{");
	buf_key_string(&b, "ID", id);
	buf_puts(&b, "\"Attributes\":{");
	for (size_t i = 0; i < n; i++) {
		if (i)
			buf_add(&b, ",", 1);
		buf_json_string(&b, sorted[i]->key);
		buf_add(&b, ":", 1);
		buf_json_string(&b, sorted[i]->value);
	}
	snprintf(num, sizeof(num), "}},\"scope\":\"local\",\"time\":%lld,\"timeNano\":%lld}\n",
		 (long long)(time_ns / 1000000000), (long long)time_ns);
	buf_puts(&b, num);
	if (b.oom) {
		free(b.p);
		return -ENOMEM;
	}
	r = berth_event_log_write(dir, b.p, b.n, max_size);
	free(b.p);
	return r;
}

int berth_event_append(const char *store_root, const char *type, const char *action, const char *id,
		       const struct berth_event_attr *attrs, size_t n_attrs)
{
	struct timespec ts;

	if (!store_root || !type || !action)
		return -EINVAL;
	clock_gettime(CLOCK_REALTIME, &ts);
	return berth_event_append_at(store_root, (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec, type,
				     action, id, attrs, n_attrs, BERTH_EVENTS_MAX);
}
