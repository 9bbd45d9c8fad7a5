/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/sockios.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "berth/cleanup.h"
#include "sdbus.h"
#include "berth/util.h"

const char *sdbus_socket_path = "/run/systemd/private";
#define SDBUS_MAX_MESSAGE (1u << 24)

enum { MSG_METHOD_CALL = 1, MSG_METHOD_RETURN = 2, MSG_ERROR = 3, MSG_SIGNAL = 4 };
enum {
	FIELD_PATH = 1,
	FIELD_INTERFACE = 2,
	FIELD_MEMBER = 3,
	FIELD_ERROR_NAME = 4,
	FIELD_REPLY_SERIAL = 5,
	FIELD_DESTINATION = 6,
	FIELD_SIGNATURE = 8,
};

/* ---- writing ---- */

void sdbus_buf_release(struct sdbus_buf *b)
{
	free(b->data);
	*b = (struct sdbus_buf){};
}

bool sdbus_buf_failed(const struct sdbus_buf *b)
{
	return b->oom;
}

static uint8_t *grow(struct sdbus_buf *b, size_t n)
{
	if (b->oom)
		return NULL;
	if (b->len + n > b->alloc) {
		size_t a = b->alloc ? b->alloc : 256;
		uint8_t *d;

		while (a < b->len + n)
			a *= 2;
		d = realloc(b->data, a);
		if (!d) {
			b->oom = true;
			return NULL;
		}
		b->data = d;
		b->alloc = a;
	}
	b->len += n;
	return b->data + b->len - n;
}

static void pad(struct sdbus_buf *b, size_t align)
{
	size_t n = (align - b->len % align) % align;
	uint8_t *p = grow(b, n);

	if (p)
		memset(p, 0, n);
}

static void put(struct sdbus_buf *b, const void *v, size_t n)
{
	uint8_t *p;

	pad(b, n);
	p = grow(b, n);
	if (p)
		memcpy(p, v, n); /* x86-64 and every other host berth runs on: little-endian */
}

void sdbus_put_u8(struct sdbus_buf *b, uint8_t v)
{
	put(b, &v, 1);
}

void sdbus_put_bool(struct sdbus_buf *b, bool v)
{
	sdbus_put_u32(b, v ? 1 : 0);
}

void sdbus_put_u32(struct sdbus_buf *b, uint32_t v)
{
	put(b, &v, 4);
}

void sdbus_put_u64(struct sdbus_buf *b, uint64_t v)
{
	put(b, &v, 8);
}

/* n bytes of s and a NUL, after the length put before */
static void put_nul_terminated(struct sdbus_buf *b, const char *s, size_t n)
{
	uint8_t *p = grow(b, n + 1);

	if (p)
		memcpy(p, s, n + 1);
}

void sdbus_put_str(struct sdbus_buf *b, const char *s)
{
	size_t n = strlen(s);

	sdbus_put_u32(b, (uint32_t)n);
	put_nul_terminated(b, s, n);
}

void sdbus_put_sig(struct sdbus_buf *b, const char *s)
{
	size_t n = strlen(s);

	sdbus_put_u8(b, (uint8_t)n);
	put_nul_terminated(b, s, n);
}

void sdbus_struct_begin(struct sdbus_buf *b)
{
	pad(b, 8);
}

size_t sdbus_array_begin(struct sdbus_buf *b, size_t align)
{
	size_t at;

	sdbus_put_u32(b, 0);
	at = b->len - 4;
	pad(b, align);
	/* the cookie: where the length is, and (in the high bits) where the elements start */
	return at | (b->len - at - 4) << 56;
}

void sdbus_array_end(struct sdbus_buf *b, size_t cookie)
{
	size_t at = cookie & ((1ul << 56) - 1), start = at + 4 + (cookie >> 56);
	uint32_t n;

	if (b->oom)
		return;
	n = (uint32_t)(b->len - start);
	memcpy(b->data + at, &n, 4);
}

void sdbus_prop_begin(struct sdbus_buf *b, const char *name, const char *sig)
{
	sdbus_struct_begin(b);
	sdbus_put_str(b, name);
	sdbus_put_sig(b, sig);
}

/* ---- reading ---- */

static int rd_align(struct sdbus_reader *r, size_t align)
{
	size_t p = (r->pos + align - 1) / align * align;

	if (p > r->len)
		return -EBADMSG;
	r->pos = p;
	return 0;
}

int sdbus_read_u32(struct sdbus_reader *r, uint32_t *ret)
{
	if (rd_align(r, 4) < 0 || r->pos + 4 > r->len)
		return -EBADMSG;
	memcpy(ret, r->data + r->pos, 4);
	r->pos += 4;
	return 0;
}

static int rd_u8(struct sdbus_reader *r, uint8_t *ret)
{
	if (r->pos + 1 > r->len)
		return -EBADMSG;
	*ret = r->data[r->pos++];
	return 0;
}

/* A string of n bytes at the cursor, NUL-terminated on the wire. */
static int rd_bytes(struct sdbus_reader *r, size_t n, const char **ret)
{
	if (r->pos + n + 1 > r->len || r->data[r->pos + n] != 0)
		return -EBADMSG;
	*ret = (const char *)r->data + r->pos;
	r->pos += n + 1;
	return 0;
}

int sdbus_read_str(struct sdbus_reader *r, const char **ret)
{
	uint32_t n;

	if (sdbus_read_u32(r, &n) < 0)
		return -EBADMSG;
	return rd_bytes(r, n, ret);
}

static int rd_sig(struct sdbus_reader *r, const char **ret)
{
	uint8_t n;

	if (rd_u8(r, &n) < 0)
		return -EBADMSG;
	return rd_bytes(r, n, ret);
}

/* ---- the connection ---- */

struct job_done {
	char *job, *result;
};

struct sdbus {
	int fd;
	uint32_t serial;
	uint8_t *msg; /* the last message read */
	size_t msg_len;
	struct job_done *jobs; /* JobRemoved signals not asked for yet */
	size_t n_jobs;
};

struct sdbus *sdbus_close(struct sdbus *bus)
{
	if (!bus)
		return NULL;
	if (bus->fd >= 0)
		close(bus->fd);
	free(bus->msg);
	for (size_t i = 0; i < bus->n_jobs; i++) {
		free(bus->jobs[i].job);
		free(bus->jobs[i].result);
	}
	free(bus->jobs);
	free(bus);
	return NULL;
}

/* Read exactly n bytes before the deadline. */
static int read_full(int fd, void *buf, size_t n, int64_t deadline)
{
	size_t got = 0;

	while (got < n) {
		struct pollfd p = {.fd = fd, .events = POLLIN};
		int64_t left = deadline - now_ms();
		ssize_t k;

		if (left <= 0)
			return -ETIMEDOUT;
		k = poll(&p, 1, (int)left);
		if (k < 0 && errno != EINTR)
			return -errno;
		if (k <= 0)
			continue;
		k = read(fd, (char *)buf + got, n - got);
		if (k < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			return -errno;
		}
		if (k == 0)
			return -ECONNRESET;
		got += (size_t)k;
	}
	return 0;
}

static int write_full(int fd, const void *buf, size_t n)
{
	while (n > 0) {
		ssize_t k = send(fd, buf, n, MSG_NOSIGNAL);

		if (k < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		buf = (const char *)buf + k;
		n -= (size_t)k;
	}
	return 0;
}

/* One line of the authentication exchange ("OK <guid>\r\n"). */
static int read_auth_line(int fd, char *buf, size_t size, int64_t deadline)
{
	size_t n = 0;

	while (n + 1 < size) {
		int r = read_full(fd, buf + n, 1, deadline);

		if (r < 0)
			return r;
		if (buf[n++] == '\n') {
			buf[n] = 0;
			return 0;
		}
	}
	return -EBADMSG;
}

/*
 * Wait until the peer has read everything we wrote (SIOCOUTQ of a unix stream socket: the
 * bytes it has not taken yet). systemd's sd-bus (252 at least) leaves a message that
 * arrives in the same read as the "BEGIN" line unprocessed in its buffer until more
 * bytes come: the first call after authentication would hang (seen on Debian 12 whenever
 * systemd read late). So the first message goes only after it took "BEGIN" alone.
 */
static int wait_consumed(int fd, int64_t deadline)
{
	for (;;) {
		int n = 0;

		if (ioctl(fd, SIOCOUTQ, &n) < 0)
			return -errno;
		if (n == 0)
			return 0;
		if ((int64_t)now_ms() >= deadline)
			return -ETIMEDOUT;
		(void)poll(NULL, 0, 1);
	}
}

int sdbus_open(struct sdbus **ret, struct berth_error **err)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	_cleanup_(sdbus_closep) struct sdbus *bus = NULL;
	char line[256], uid[32], hex[65] = "";
	int64_t deadline = now_ms() + 10000;
	int r;

	if (strlen(sdbus_socket_path) >= sizeof(sa.sun_path))
		return berth_error_new(err, ENAMETOOLONG, "d-bus: socket path too long");
	strcpy(sa.sun_path, sdbus_socket_path);
	bus = calloc(1, sizeof(*bus));
	if (!bus)
		return berth_error_set(err, ENOMEM, "d-bus");
	bus->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (bus->fd < 0)
		return berth_error_set(err, errno, "d-bus: socket");
	if (connect(bus->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return berth_error_set(err, errno, "connect to systemd at '%s'", sdbus_socket_path);
	/* SASL EXTERNAL: our uid, as decimal text, hex-encoded */
	snprintf(uid, sizeof(uid), "%u", (unsigned)geteuid());
	for (size_t i = 0; uid[i]; i++)
		snprintf(hex + 2 * i, 3, "%02x", (unsigned char)uid[i]);
	snprintf(line, sizeof(line), "AUTH EXTERNAL %s\r\n", hex);
	r = write_full(bus->fd, "", 1);
	if (r >= 0)
		r = write_full(bus->fd, line, strlen(line));
	if (r >= 0)
		r = read_auth_line(bus->fd, line, sizeof(line), deadline);
	if (r < 0)
		return berth_error_set(err, -r, "d-bus: authenticate to systemd");
	if (strncmp(line, "OK ", 3) != 0)
		return berth_error_new(err, EACCES, "d-bus: systemd refused authentication: %.*s",
				       (int)strcspn(line, "\r\n"), line);
	r = write_full(bus->fd, "BEGIN\r\n", 7);
	if (r >= 0)
		r = wait_consumed(bus->fd, deadline);
	if (r < 0)
		return berth_error_set(err, -r, "d-bus: authenticate to systemd");
	*ret = TAKE_PTR(bus);
	return 0;
}

/* The parts of a received message's header we act on. */
struct header {
	uint8_t type;
	uint32_t reply_serial;
	const char *member, *error_name, *signature;
	struct sdbus_reader body;
};

static int read_message(struct sdbus *bus, int64_t deadline, struct header *h)
{
	uint8_t fixed[16];
	uint32_t body_len, fields_len;
	size_t total;
	struct sdbus_reader r;
	int k;

	k = read_full(bus->fd, fixed, sizeof(fixed), deadline);
	if (k < 0)
		return k;
	if (fixed[0] != 'l' || fixed[3] != 1)
		return -EPROTO; /* systemd answers in our byte order, protocol version 1 */
	memcpy(&body_len, fixed + 4, 4);
	memcpy(&fields_len, fixed + 12, 4);
	if (body_len > SDBUS_MAX_MESSAGE || fields_len > SDBUS_MAX_MESSAGE)
		return -EMSGSIZE;
	total = 16 + ((size_t)fields_len + 7) / 8 * 8 + body_len;
	free(bus->msg);
	bus->msg = malloc(total);
	if (!bus->msg)
		return -ENOMEM;
	memcpy(bus->msg, fixed, sizeof(fixed));
	k = read_full(bus->fd, bus->msg + 16, total - 16, deadline);
	if (k < 0)
		return k;
	bus->msg_len = total;

	*h = (struct header){.type = fixed[1]};
	r = (struct sdbus_reader){.data = bus->msg, .len = 16 + fields_len, .pos = 16};
	while (r.pos < r.len) {
		uint8_t code;
		const char *sig, *s;
		uint32_t u;

		if (rd_align(&r, 8) < 0 || r.pos >= r.len)
			break;
		if (rd_u8(&r, &code) < 0 || rd_sig(&r, &sig) < 0)
			return -EBADMSG;
		if (streq(sig, "s") || streq(sig, "o")) {
			if (sdbus_read_str(&r, &s) < 0)
				return -EBADMSG;
			if (code == FIELD_MEMBER)
				h->member = s;
			else if (code == FIELD_ERROR_NAME)
				h->error_name = s;
		} else if (streq(sig, "g")) {
			if (rd_sig(&r, &s) < 0)
				return -EBADMSG;
			if (code == FIELD_SIGNATURE)
				h->signature = s;
		} else if (streq(sig, "u")) {
			if (sdbus_read_u32(&r, &u) < 0)
				return -EBADMSG;
			if (code == FIELD_REPLY_SERIAL)
				h->reply_serial = u;
		} else {
			return -EBADMSG; /* no other header field type exists */
		}
	}
	h->body = (struct sdbus_reader){.data = bus->msg + total - body_len, .len = body_len};
	return 0;
}

/* Keep a JobRemoved (uoss: id, job, unit, result) for sdbus_wait_job(). */
static int note_signal(struct sdbus *bus, struct header *h)
{
	struct sdbus_reader b = h->body;
	const char *job, *unit, *result;
	struct job_done *n;
	uint32_t id;

	if (!h->member || !streq(h->member, "JobRemoved") || !h->signature ||
	    !streq(h->signature, "uoss"))
		return 0;
	if (sdbus_read_u32(&b, &id) < 0 || sdbus_read_str(&b, &job) < 0 ||
	    sdbus_read_str(&b, &unit) < 0 || sdbus_read_str(&b, &result) < 0)
		return -EBADMSG;
	n = realloc(bus->jobs, (bus->n_jobs + 1) * sizeof(*n));
	if (!n)
		return -ENOMEM;
	bus->jobs = n;
	n[bus->n_jobs].job = strdup(job);
	n[bus->n_jobs].result = strdup(result);
	if (!n[bus->n_jobs].job || !n[bus->n_jobs].result) {
		free(n[bus->n_jobs].job);
		free(n[bus->n_jobs].result);
		return -ENOMEM;
	}
	bus->n_jobs++;
	return 0;
}

static int error_errno(const char *name)
{
	static const struct {
		const char *suffix;
		int errnum;
	} map[] = {
	    {".NoSuchUnit", ENOENT},  {".UnitExists", EEXIST},	    {".AccessDenied", EACCES},
	    {".InvalidArgs", EINVAL}, {".PropertyReadOnly", EPERM}, {".UnknownMethod", EOPNOTSUPP},
	};
	for (size_t i = 0; i < ELEMENTSOF(map); i++)
		if (endswith(name, map[i].suffix))
			return map[i].errnum;
	return EIO;
}

/* One header field (code, variant of signature sig) whose value is a string. */
static void put_field(struct sdbus_buf *m, uint8_t code, const char *sig, const char *value)
{
	sdbus_struct_begin(m);
	sdbus_put_u8(m, code);
	sdbus_put_sig(m, sig);
	if (streq(sig, "g"))
		sdbus_put_sig(m, value);
	else
		sdbus_put_str(m, value);
}

int sdbus_call(struct sdbus *bus, const char *path, const char *iface, const char *member,
	       const char *sig, const struct sdbus_buf *body, int timeout_ms,
	       struct sdbus_reader *ret, struct berth_error **err)
{
	struct sdbus_buf m = {};
	int64_t deadline = now_ms() + timeout_ms;
	uint32_t serial = ++bus->serial, body_len = body ? (uint32_t)body->len : 0;
	size_t fields;
	int r;

	if (body && body->oom)
		return berth_error_set(err, ENOMEM, "d-bus: %s", member);
	sdbus_put_u8(&m, 'l');
	sdbus_put_u8(&m, MSG_METHOD_CALL);
	sdbus_put_u8(&m, 0);
	sdbus_put_u8(&m, 1);
	sdbus_put_u32(&m, body_len);
	sdbus_put_u32(&m, serial);
	fields = sdbus_array_begin(&m, 8);
	put_field(&m, FIELD_PATH, "o", path);
	put_field(&m, FIELD_INTERFACE, "s", iface);
	put_field(&m, FIELD_MEMBER, "s", member);
	put_field(&m, FIELD_DESTINATION, "s", "org.freedesktop.systemd1");
	if (sig && *sig)
		put_field(&m, FIELD_SIGNATURE, "g", sig);
	sdbus_array_end(&m, fields);
	pad(&m, 8);
	if (body && body->len) {
		uint8_t *p = grow(&m, body->len);

		if (p)
			memcpy(p, body->data, body->len);
	}
	if (m.oom) {
		sdbus_buf_release(&m);
		return berth_error_set(err, ENOMEM, "d-bus: %s", member);
	}
	r = write_full(bus->fd, m.data, m.len);
	sdbus_buf_release(&m);
	if (r < 0)
		return berth_error_set(err, -r, "d-bus: send %s to systemd", member);

	for (;;) {
		struct header h;

		r = read_message(bus, deadline, &h);
		if (r < 0)
			return berth_error_set(err, -r, "d-bus: %s: read systemd's answer", member);
		if (h.type == MSG_SIGNAL) {
			r = note_signal(bus, &h);
			if (r < 0)
				return berth_error_set(err, -r, "d-bus: %s: read a signal", member);
			continue;
		}
		if (h.reply_serial != serial ||
		    (h.type != MSG_METHOD_RETURN && h.type != MSG_ERROR))
			continue;
		if (h.type == MSG_ERROR) {
			const char *text = "";
			const char *name = h.error_name ? h.error_name : "(unnamed error)";

			if (h.signature && h.signature[0] == 's')
				(void)sdbus_read_str(&h.body, &text);
			return berth_error_new(err, error_errno(name), "systemd: %s: %s%s%s",
					       member, name, *text ? ": " : "", text);
		}
		if (ret)
			*ret = h.body;
		return 0;
	}
}

int sdbus_wait_job(struct sdbus *bus, const char *job, int timeout_ms, char **ret_result,
		   struct berth_error **err)
{
	int64_t deadline = now_ms() + timeout_ms;

	for (;;) {
		struct header h;
		int r;

		for (size_t i = 0; i < bus->n_jobs; i++) {
			if (!streq(bus->jobs[i].job, job))
				continue;
			*ret_result = bus->jobs[i].result;
			free(bus->jobs[i].job);
			bus->jobs[i] = bus->jobs[--bus->n_jobs];
			return 0;
		}
		r = read_message(bus, deadline, &h);
		if (r == -ETIMEDOUT)
			return berth_error_new(err, ETIMEDOUT,
					       "systemd: job '%s' did not finish "
					       "in %d ms",
					       job, timeout_ms);
		if (r < 0)
			return berth_error_set(err, -r, "d-bus: wait for job '%s'", job);
		if (h.type == MSG_SIGNAL) {
			r = note_signal(bus, &h);
			if (r < 0)
				return berth_error_set(err, -r, "d-bus: read a signal");
		}
	}
}
