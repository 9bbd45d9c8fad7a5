/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The store's event log (docker's `events`): <store root>/events, one JSON object per
 * line, docker's message as its API sends it:
 *
 *     {"status":"create","id":"ID","from":"busybox","Type":"container","Action":"create",
 *      "Actor":{"ID":"ID","Attributes":{"image":"busybox","name":"web"}},
 *      "scope":"local","time":1765120000,"timeNano":1765120000123456789}
 *
 * (status, id and from, docker's older fields, for container and image events only.)
 * Every process that changes the store appends to it where the change happens: the
 * engine's verbs, the image store, the networks, and each container's monitor (start,
 * die, oom). One line is one write(2) on an O_APPEND descriptor, so appenders never
 * interleave. Past BERTH_EVENTS_MAX bytes the file is renamed to events.1 (the older one
 * dropped) and a new one begins: readers read events.1, then events. The log is best
 * effort: a failed append never fails the operation that made the event.
 */

#include <stddef.h>
#include <stdint.h>

#define BERTH_EVENTS_FILE "events"
#define BERTH_EVENTS_OLD_FILE "events.1"
#define BERTH_EVENTS_MAX (4u << 20)

/* An actor's attribute; one whose value is NULL is left out. */
struct berth_event_attr {
	const char *key, *value;
};

/*
 * Append docker's message for an event of type ("container", "image", "volume",
 * "network"), action ("create", "die", "exec_start: sh -c ...") and actor id, its
 * attributes sorted by key as docker marshals them, stamped with the time now. The
 * line is one write. Returns 0 or -errno (callers may ignore it: the log is best effort).
 */
int berth_event_append(const char *store_root, const char *type, const char *action, const char *id,
		       const struct berth_event_attr *attrs, size_t n_attrs);

/* The same with the time given (ns since the epoch) and the directory of the log. */
int berth_event_append_at(const char *dir, int64_t time_ns, const char *type, const char *action,
			  const char *id, const struct berth_event_attr *attrs, size_t n_attrs,
			  size_t max_size);

/*
 * Append line (ending in '\n', len bytes) to the log dir/events in one write, then,
 * when the file has grown past max_size, rotate it to events.1 (under a flock of the
 * file, once: a second appender that finds the name already taken by a new file leaves
 * it). -errno.
 */
int berth_event_log_write(const char *dir, const char *line, size_t len, size_t max_size);
