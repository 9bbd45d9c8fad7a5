/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * `berth events` (berth_engine_events() in include/berth/engine.h): the store's event
 * log read back, filtered as docker's daemon filters, and followed with inotify. The
 * log's writer is lib/core/events.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "berth/cleanup.h"
#include "berth/engine.h"
#include "berth/events.h"
#include "berth/util.h"

static const char *const filter_keys[] = {"container", "event", "image", "label",
					  "network",   "scope", "type",	 "volume"};

/* docker's filters.Args: the values of each key */
struct filters {
	char **values[ELEMENTSOF(filter_keys)];
};

static void filters_release(struct filters *f)
{
	for (size_t i = 0; i < ELEMENTSOF(filter_keys); i++)
		f->values[i] = strv_free(f->values[i]);
}

static int filters_parse(char *const *l, struct filters *ret, struct berth_error **err)
{
	struct filters f = {0};

	for (char *const *p = l; p && *p; p++) {
		const char *eq = strchr(*p, '=');
		size_t klen = eq ? (size_t)(eq - *p) : strlen(*p), i;

		for (i = 0; i < ELEMENTSOF(filter_keys); i++)
			if (strlen(filter_keys[i]) == klen &&
			    strncmp(filter_keys[i], *p, klen) == 0)
				break;
		if (i == ELEMENTSOF(filter_keys)) {
			filters_release(&f);
			return berth_error_new(err, EINVAL, "invalid filter '%.*s'", (int)klen, *p);
		}
		if (!eq || !eq[1]) {
			filters_release(&f);
			return berth_error_new(err, EINVAL,
					       "invalid filter '%s': a value is needed", *p);
		}
		if (strv_extend(&f.values[i], eq + 1) < 0) {
			filters_release(&f);
			return berth_error_set(err, ENOMEM, "events");
		}
	}
	*ret = f;
	return 0;
}

static char **values_of(const struct filters *f, const char *key)
{
	for (size_t i = 0; i < ELEMENTSOF(filter_keys); i++)
		if (streq(filter_keys[i], key))
			return f->values[i];
	return NULL;
}

static const char *attr(const struct berth_event *ev, const char *key)
{
	for (const char *const *a = ev->attrs; a[0] && a[1]; a += 2)
		if (streq(a[0], key))
			return a[1];
	return NULL;
}

/* docker's ExactMatch: no values of the key, or source among them */
static bool exact(char **values, const char *source)
{
	return !values || (source && strv_contains(values, source));
}

/* docker's FuzzyMatch: exact, or source starts with a value */
static bool fuzzy(char **values, const char *source)
{
	if (!values)
		return true;
	for (char **v = values; source && *v; v++)
		if (startswith(source, *v))
			return true;
	return false;
}

/* an image reference without its tag ("busybox:1" -> "busybox"), malloc'd */
static char *strip_tag(const char *ref)
{
	const char *colon = strrchr(ref, ':'), *slash = strrchr(ref, '/');

	if (startswith(ref, "sha256:") || !colon || (slash && colon < slash))
		return strdup(ref);
	return strndup(ref, (size_t)(colon - ref));
}

static bool match_image(char **values, const struct berth_event *ev)
{
	const char *name = attr(ev, streq(ev->type, "image") ? "name" : "image");
	_cleanup_free_ char *id_bare = NULL, *name_bare = NULL;

	if (!values)
		return true;
	if (exact(values, ev->id) || (name && exact(values, name)))
		return true;
	id_bare = strip_tag(ev->id);
	name_bare = name ? strip_tag(name) : NULL;
	return (id_bare && exact(values, id_bare)) || (name_bare && exact(values, name_bare));
}

/* docker's label filter: every "KEY" or "KEY=VALUE" among the attributes */
static bool match_labels(char **values, const struct berth_event *ev)
{
	for (char **v = values; v && *v; v++) {
		const char *eq = strchr(*v, '=');
		_cleanup_free_ char *key = eq ? strndup(*v, (size_t)(eq - *v)) : strdup(*v);
		const char *have = key ? attr(ev, key) : NULL;

		if (!have || (eq && !streq(have, eq + 1)))
			return false;
	}
	return true;
}

/* docker's event filter, and its exception: exec_create, exec_start and health_status
 * name the actions that carry a command after a colon */
static bool match_event(char **values, const char *action)
{
	if (!values || strv_contains(values, action))
		return true;
	for (char **v = values; *v; v++) {
		const char *rest = startswith(action, *v);

		if (rest && *rest == ':')
			return true;
	}
	return false;
}

static bool match(const struct filters *f, const struct berth_event *ev)
{
	const char *name = attr(ev, "name");

	return exact(values_of(f, "type"), ev->type) && exact(values_of(f, "scope"), ev->scope) &&
	       match_event(values_of(f, "event"), ev->action) &&
	       (fuzzy(values_of(f, "container"), ev->id) ||
		fuzzy(values_of(f, "container"), name)) &&
	       (fuzzy(values_of(f, "volume"), ev->id) || fuzzy(values_of(f, "volume"), name)) &&
	       (fuzzy(values_of(f, "network"), ev->id) || fuzzy(values_of(f, "network"), name)) &&
	       match_image(values_of(f, "image"), ev) && match_labels(values_of(f, "label"), ev);
}

struct reader {
	const struct berth_events_opts *o;
	struct filters f;
	bool done; /* the callback said stop, or until passed */
	int error; /* its error */
};

/* One line of the log: parsed, bounded, filtered, handed over. A line that is not an
 * event (a torn one after a crash) is skipped. */
static int handle_line(struct reader *rd, char *line, size_t len)
{
	_cleanup_(json_decrefp) json_t *j = NULL;
	_cleanup_free_ const char **attrs = NULL;
	json_t *actor, *as, *v;
	struct berth_event ev;
	const char *k;
	size_t n = 0;
	int r;

	line[len] = 0;
	j = json_loadb(line, len, 0, NULL);
	if (!j || !json_is_object(j))
		return 0;
	actor = json_object_get(j, "Actor");
	as = json_object_get(actor, "Attributes");
	ev = (struct berth_event){
	    .type = json_string_value(json_object_get(j, "Type")),
	    .action = json_string_value(json_object_get(j, "Action")),
	    .id = json_string_value(json_object_get(actor, "ID")),
	    .scope = json_string_value(json_object_get(j, "scope")),
	    .time_ns = json_integer_value(json_object_get(j, "timeNano")),
	    .json = line,
	};
	if (!ev.type || !ev.action || !ev.id)
		return 0;
	if (!ev.scope)
		ev.scope = "local";
	if (rd->o->since_ns && ev.time_ns < rd->o->since_ns)
		return 0;
	if (rd->o->until_ns && ev.time_ns > rd->o->until_ns)
		return 0;
	attrs = calloc(2 * json_object_size(as) + 1, sizeof(*attrs));
	if (!attrs)
		return -ENOMEM;
	json_object_foreach(as, k, v)
	{
		if (!json_is_string(v))
			continue;
		attrs[n++] = k;
		attrs[n++] = json_string_value(v);
	}
	ev.attrs = attrs;
	if (!match(&rd->f, &ev))
		return 0;
	r = rd->o->event(&ev, rd->o->userdata);
	if (r != 0)
		rd->done = true;
	if (r < 0)
		rd->error = r;
	return r < 0 ? r : 0;
}

/* One file of the log, read as it grows: a line is handled once it is whole. */
struct logfile {
	int fd;
	struct stat st; /* of the file fd reads */
	char *buf;
	size_t len;
};

static void logfile_close(struct logfile *l)
{
	if (l->fd >= 0)
		close(l->fd);
	free(l->buf);
	*l = (struct logfile){.fd = -1};
}

static int logfile_open(struct logfile *l, const char *path)
{
	logfile_close(l);
	l->fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (l->fd < 0)
		return -errno;
	if (fstat(l->fd, &l->st) < 0) {
		int r = -errno;

		logfile_close(l);
		return r;
	}
	return 0;
}

/* What was appended since the last read; handled unless skip (the past, without
 * since and until). */
static int logfile_read(struct reader *rd, struct logfile *l, bool skip)
{
	char chunk[65536];
	ssize_t n = 0;

	if (l->fd < 0)
		return 0;
	while (!rd->done && (n = read(l->fd, chunk, sizeof(chunk))) > 0) {
		char *nb = realloc(l->buf, l->len + (size_t)n + 1);
		size_t start = 0;

		if (!nb)
			return -ENOMEM;
		l->buf = nb;
		memcpy(l->buf + l->len, chunk, (size_t)n);
		l->len += (size_t)n;
		for (size_t i = 0; i < l->len && !rd->done; i++) {
			int r;

			if (l->buf[i] != '\n')
				continue;
			r = skip ? 0 : handle_line(rd, l->buf + start, i - start);
			if (r < 0)
				return r;
			start = i + 1;
		}
		memmove(l->buf, l->buf + start, l->len - start);
		l->len -= start;
	}
	if (n < 0 && errno != EINTR && errno != EAGAIN)
		return -errno;
	return 0;
}

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int berth_engine_events(struct berth_engine *e, const struct berth_events_opts *o,
			struct berth_error **err)
{
	const char *root = berth_store_root(berth_engine_store(e));
	_cleanup_free_ char *path = xasprintf("%s/" BERTH_EVENTS_FILE, root);
	_cleanup_free_ char *old_path = xasprintf("%s/" BERTH_EVENTS_OLD_FILE, root);
	struct logfile cur = {.fd = -1}, old = {.fd = -1};
	_cleanup_close_ int ino = -EBADF;
	struct reader rd = {.o = o};
	bool past = o->since_ns || o->until_ns;
	int r;

	if (!o->event)
		return berth_error_new(err, EINVAL, "events: nowhere to hand them");
	if (!path || !old_path)
		return berth_error_set(err, ENOMEM, "events");
	r = filters_parse(o->filters, &rd.f, err);
	if (r < 0)
		return r;
	/* watched from before the first read: nothing appended in between is missed */
	ino = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
	if (ino < 0 || inotify_add_watch(ino, root, IN_MODIFY | IN_CREATE | IN_MOVED_TO) < 0) {
		r = berth_error_set(err, errno, "watch '%s'", root);
		goto out;
	}
	/* the current file first, then the older one: a rotation in between makes both the
	 * same file (read once), never loses the lines of the current one */
	(void)logfile_open(&cur, path);
	(void)logfile_open(&old, old_path);
	if (old.fd >= 0 && cur.fd >= 0 && old.st.st_ino == cur.st.st_ino &&
	    old.st.st_dev == cur.st.st_dev)
		logfile_close(&old);
	/* the older file only holds the past */
	r = past ? logfile_read(&rd, &old, false) : 0;
	logfile_close(&old);
	if (r >= 0)
		r = logfile_read(&rd, &cur, !past);
	while (r >= 0 && !rd.done) {
		struct pollfd p[2] = {{.fd = ino, .events = POLLIN},
				      {.fd = o->stop_fd, .events = POLLIN}};
		int timeout = -1, k;
		struct stat st;

		if (o->until_ns) {
			int64_t left = o->until_ns - now_ns();

			if (left <= 0)
				break;
			timeout = (int)(left / 1000000 + 1);
		}
		k = poll(p, o->stop_fd >= 0 ? 2 : 1, timeout);
		if (k < 0 && errno != EINTR) {
			r = -errno;
			break;
		}
		if (k > 0 && (p[1].revents & (POLLIN | POLLHUP | POLLERR)))
			break;
		if (k > 0 && (p[0].revents & POLLIN)) {
			char buf[4096];

			while (read(ino, buf, sizeof(buf)) > 0)
				;
		}
		r = logfile_read(&rd, &cur, false);
		if (r < 0)
			break;
		/* rotated (or made): what the old file got last, then the new one */
		if (stat(path, &st) == 0 &&
		    (cur.fd < 0 || st.st_ino != cur.st.st_ino || st.st_dev != cur.st.st_dev)) {
			if (logfile_open(&cur, path) == 0)
				r = logfile_read(&rd, &cur, false);
		}
	}
	if (rd.error < 0) {
		r = berth_error_set(err, -rd.error, "events");
		goto out;
	}
	if (r < 0)
		r = berth_error_set(err, -r, "read '%s'", path);
	else
		r = 0;
out:
	logfile_close(&cur);
	logfile_close(&old);
	filters_release(&rd.f);
	return r;
}
