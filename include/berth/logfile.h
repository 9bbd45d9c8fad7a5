/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * A container's log, <container dir>/container.log: one entry per line, the format
 * of the CRI (what containerd, CRI-O and podman's k8s-file write):
 *
 *     2026-12-05T10:10:26.123456789Z stdout F hello
 *     2026-12-05T10:10:26.123500000Z stderr P no newline yet
 *
 * F ends a line of the container's output (the newline is not stored), P is a part of
 * one that had no newline yet when it was read. The monitor writes it; `berth logs`
 * reads it.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define LOG_FILE "container.log"
/* --log-opt max-size/max-file: the monitor renames a full LOG_FILE to LOG_FILE.1 (the
 * older ones to .2, .3, ..., up to max-file - 1, the oldest dropped) and starts a new
 * one; `berth logs` reads them oldest first. */
#define LOG_ROTATED_MAX 100

enum log_stream {
	LOG_STDOUT,
	LOG_STDERR,
};

/* Append what the container wrote (one read's worth) as entries, in one write(2).
 * Returns 0 or -errno. */
int logfile_write(int fd, enum log_stream s, const char *buf, size_t n);

struct log_entry {
	const char *time;        /* the timestamp as written (time_len bytes) */
	size_t time_len;
	int64_t time_ns;         /* the same, in nanoseconds since the epoch */
	enum log_stream stream;
	bool partial;
	const char *text;        /* without the newline */
	size_t len;
};

/* Parse one line (without its newline). -EINVAL when it is not an entry. */
int logfile_parse(const char *line, size_t len, struct log_entry *ret);

/* "2026-12-05T10:10:26.123456789Z" (RFC 3339, UTC, nanoseconds) into buf (>= 31 bytes)
 * for ns since the epoch. */
void logfile_format_time(int64_t ns, char buf[32]);
