/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * A small D-Bus client: just what the systemd cgroup driver needs to talk to systemd's
 * manager (method calls with a body, their replies and errors, and the JobRemoved
 * signal), so that berth-runtime stays a static binary with no libsystemd or libdbus.
 *
 * It speaks to systemd directly over its private socket (/run/systemd/private, root
 * only, as systemctl does): no bus daemon in between, no Hello, no match rules.
 * Messages are little-endian, marshalled as the D-Bus specification lays out: each
 * value aligned to its own size from the start of the message, arrays prefixed by
 * their length in bytes, structs and dict entries aligned to 8.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "berth/error.h"

/* A message body being written. Calls after an allocation failure do nothing and
 * sdbus_buf_failed() says so; the caller checks once at the end. */
struct sdbus_buf {
	uint8_t *data;
	size_t len, alloc;
	bool oom;
};

void sdbus_buf_release(struct sdbus_buf *b);
bool sdbus_buf_failed(const struct sdbus_buf *b);

void sdbus_put_u8(struct sdbus_buf *b, uint8_t v);	/* y */
void sdbus_put_bool(struct sdbus_buf *b, bool v);	/* b */
void sdbus_put_u32(struct sdbus_buf *b, uint32_t v);	/* u */
void sdbus_put_u64(struct sdbus_buf *b, uint64_t v);	/* t */
void sdbus_put_str(struct sdbus_buf *b, const char *s); /* s, o */
void sdbus_put_sig(struct sdbus_buf *b, const char *s); /* g */
void sdbus_struct_begin(struct sdbus_buf *b);		/* ( or { : align to 8 */
/* An array whose elements align to `align` (8 for structs, 1 for bytes...): begin
 * returns the cookie end takes to fill in the length. */
size_t sdbus_array_begin(struct sdbus_buf *b, size_t align);
void sdbus_array_end(struct sdbus_buf *b, size_t cookie);

/* One element of a property list a(sv): the struct, the name and the variant's
 * signature; the caller then writes the value. */
void sdbus_prop_begin(struct sdbus_buf *b, const char *name, const char *sig);

/* A received message's body, read in order. Reads past the end or of the wrong shape
 * fail with -EBADMSG. */
struct sdbus_reader {
	const uint8_t *data;
	size_t len, pos;
};

int sdbus_read_u32(struct sdbus_reader *r, uint32_t *ret);
int sdbus_read_str(struct sdbus_reader *r, const char **ret); /* s, o: points into data */

struct sdbus;

/* Where sdbus_open() connects: systemd's private socket. A test seam (unit tests point it
 * at a fake manager). */
extern const char *sdbus_socket_path;

/* Connect to systemd's manager and authenticate (EXTERNAL, our uid). Errors name the
 * socket: -ENOENT when systemd does not run, -EACCES when not root. */
int sdbus_open(struct sdbus **ret, struct berth_error **err);
struct sdbus *sdbus_close(struct sdbus *bus);

static inline void sdbus_closep(struct sdbus **b)
{
	sdbus_close(*b);
}

/*
 * Call org.freedesktop.systemd1 `member` of `iface` on object `path` with a body of
 * signature `sig` (NULL: none) and wait up to timeout_ms for its reply. On success
 * *ret reads the reply's body (valid until the next call on bus). A D-Bus error reply
 * fails with an errno mapped from its name (NoSuchUnit: -ENOENT, UnitExists: -EEXIST,
 * AccessDenied: -EACCES, else -EIO) and "NAME: MESSAGE" in err. Signals that arrive
 * meanwhile are kept for sdbus_wait_job().
 */
int sdbus_call(struct sdbus *bus, const char *path, const char *iface, const char *member,
	       const char *sig, const struct sdbus_buf *body, int timeout_ms,
	       struct sdbus_reader *ret, struct berth_error **err);

/* Wait for the manager's JobRemoved signal of job `job` (an object path, as a method
 * that queues a job returns it; the connection must have called Subscribe first).
 * *ret_result is its result ("done", "failed", "canceled", ...), malloc'd. */
int sdbus_wait_job(struct sdbus *bus, const char *job, int timeout_ms, char **ret_result,
		   struct berth_error **err);
