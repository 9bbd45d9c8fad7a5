/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * HTTP/1.1 for `berth serve`: requests read from a connection (keep-alive, Content-Length
 * or chunked bodies, limits on the head and on JSON bodies, a deadline for a slow client),
 * and responses in dockerd's shape (its headers, {"message": ...} errors, chunked streams,
 * the hijacked connection of attach and exec).
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "berth/cleanup.h"
#include "berth/util.h"
#include "serve.h"

/* an idle keep-alive connection is closed after this; a request's head must arrive
 * within the second (a slow client cannot hold its process forever) */
#define IDLE_TIMEOUT_MS (300 * 1000)
#define HEAD_TIMEOUT_MS (30 * 1000)
#define BODY_TIMEOUT_MS (300 * 1000)

/* Wait for input: 1 readable, 0 timed out, < 0 -errno. */
static int wait_readable(int fd, int timeout_ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	int r;

	do
		r = poll(&p, 1, timeout_ms);
	while (r < 0 && errno == EINTR);
	return r < 0 ? -errno : r;
}

/* More bytes into the buffer: > 0 read, 0 at EOF, < 0 -errno (-ETIMEDOUT, -ENOBUFS when
 * the buffer is full). */
static ssize_t fill(struct http_conn *c, int timeout_ms)
{
	ssize_t n;
	int r;

	if (c->off > 0 && c->off == c->len)
		c->off = c->len = 0;
	if (c->len == sizeof(c->buf)) {
		if (c->off == 0)
			return -ENOBUFS;
		memmove(c->buf, c->buf + c->off, c->len - c->off);
		c->len -= c->off;
		c->off = 0;
	}
	if (c->replay_fd >= 0) {
		do
			n = read(c->replay_fd, c->buf + c->len, sizeof(c->buf) - c->len);
		while (n < 0 && errno == EINTR);
		if (n > 0) {
			c->len += (size_t)n;
			return n;
		}
		close(c->replay_fd);
		c->replay_fd = -1;
		if (n < 0)
			return -errno;
	}
	r = wait_readable(c->fd, timeout_ms);
	if (r <= 0)
		return r == 0 ? -ETIMEDOUT : r;
	do
		n = read(c->fd, c->buf + c->len, sizeof(c->buf) - c->len);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return errno == ECONNRESET ? 0 : -errno;
	c->len += (size_t)n;
	return n;
}

/* The next line (without CRLF), NUL-terminated in place; NULL at EOF or error (*r). */
static char *read_line(struct http_conn *c, int timeout_ms, ssize_t *r)
{
	for (;;) {
		char *nl = memchr(c->buf + c->off, '\n', c->len - c->off);

		if (nl) {
			char *line = c->buf + c->off;

			c->off = (size_t)(nl - c->buf) + 1;
			*nl = 0;
			if (nl > line && nl[-1] == '\r')
				nl[-1] = 0;
			return line;
		}
		*r = fill(c, timeout_ms);
		if (*r <= 0)
			return NULL;
	}
}

static int hexval(int ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	ch = tolower(ch);
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	return -1;
}

/* %XX (and '+' as a space in a query) decoded; NULL for a bad escape or ENOMEM. */
static char *url_decode(const char *s, size_t n, bool plus)
{
	char *out = malloc(n + 1), *o = out;

	if (!out)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '%') {
			int hi = i + 2 < n ? hexval((unsigned char)s[i + 1]) : -1;
			int lo = i + 2 < n ? hexval((unsigned char)s[i + 2]) : -1;

			if (hi < 0 || lo < 0 || (hi == 0 && lo == 0)) {
				free(out);
				return NULL;
			}
			*o++ = (char)(hi * 16 + lo);
			i += 2;
		} else if (plus && s[i] == '+') {
			*o++ = ' ';
		} else {
			*o++ = s[i];
		}
	}
	*o = 0;
	return out;
}

void http_req_clear(struct http_req *r)
{
	free(r->path);
	free(r->query);
	free(r->content_type);
	free(r->registry_auth);
	*r = (struct http_req){ 0 };
}

/* "/v1.41/containers/json" → version "1.41", path "/containers/json" */
static int split_version(struct http_req *r, char *path)
{
	const char *v = path + 2;
	size_t n = strspn(v, "0123456789.");

	snprintf(r->version, sizeof(r->version), "%s", API_VERSION_MAX);
	if (strncmp(path, "/v", 2) != 0 || n == 0 || (v[n] != '/' && v[n] != 0) ||
	    !isdigit((unsigned char)v[0]))
		return 0;
	if (n >= sizeof(r->version))
		return -EINVAL;
	memcpy(r->version, v, n);
	r->version[n] = 0;
	memmove(path, v + n, strlen(v + n) + 1);
	if (!path[0])
		strcpy(path, "/");
	return 0;
}

int http_read_request(struct http_conn *c, struct http_req *r)
{
	char *line, *sp, *target, *q;
	ssize_t n = 0;
	int status = 400;
	const char *why = "malformed request";

	http_req_clear(r);
	r->content_length = -1;
	c->sent = false;
	/* the first byte may be long in coming (keep-alive); the rest may not */
	if (c->off == c->len) {
		n = fill(c, IDLE_TIMEOUT_MS);
		if (n <= 0)
			return 1;
	}
	line = read_line(c, HEAD_TIMEOUT_MS, &n);
	if (!line)
		goto bad_read;
	sp = strchr(line, ' ');
	if (!sp || (size_t)(sp - line) >= sizeof(r->method))
		goto bad;
	memcpy(r->method, line, (size_t)(sp - line));
	r->method[sp - line] = 0;
	c->head = streq(r->method, "HEAD");
	target = sp + 1;
	sp = strchr(target, ' ');
	if (!sp || strncmp(sp + 1, "HTTP/1.", 7) != 0)
		goto bad;
	*sp = 0;
	if (streq(sp + 1, "HTTP/1.0"))
		c->close = true;
	q = strchr(target, '?');
	r->query = strdup(q ? q + 1 : "");
	r->path = url_decode(target, q ? (size_t)(q - target) : strlen(target), false);
	if (!r->query || !r->path || r->path[0] != '/') {
		why = "malformed request target";
		goto bad;
	}
	if (split_version(r, r->path) < 0) {
		why = "malformed API version in the path";
		goto bad;
	}
	for (;;) {
		char *colon, *value;

		line = read_line(c, HEAD_TIMEOUT_MS, &n);
		if (!line)
			goto bad_read;
		if (!line[0])
			break;
		colon = strchr(line, ':');
		if (!colon) {
			why = "malformed header line";
			goto bad;
		}
		*colon = 0;
		value = colon + 1 + strspn(colon + 1, " \t");
		for (char *e = value + strlen(value); e > value && (e[-1] == ' ' || e[-1] == '\t');)
			*--e = 0;
		if (strcasecmp(line, "Content-Length") == 0) {
			char *end;

			errno = 0;
			r->content_length = strtoll(value, &end, 10);
			if (errno || end == value || *end || r->content_length < 0) {
				why = "malformed Content-Length";
				goto bad;
			}
		} else if (strcasecmp(line, "Transfer-Encoding") == 0) {
			if (strcasecmp(value, "chunked") != 0) {
				status = 501;
				why = "unsupported Transfer-Encoding";
				goto bad;
			}
			r->chunked = true;
		} else if (strcasecmp(line, "Connection") == 0) {
			if (strcasestr(value, "close"))
				c->close = true;
		} else if (strcasecmp(line, "Upgrade") == 0) {
			r->upgrade = strcasecmp(value, "tcp") == 0 || strcasecmp(value, "h2c") != 0;
		} else if (strcasecmp(line, "Content-Type") == 0) {
			free(r->content_type);
			r->content_type = strdup(value);
		} else if (strcasecmp(line, "X-Registry-Auth") == 0) {
			free(r->registry_auth);
			r->registry_auth = strdup(value);
		}
	}
	if (r->chunked)
		r->body_left = 0; /* the first chunk's size comes next */
	else if (r->content_length > 0)
		r->body_left = r->content_length;
	else
		r->body_done = true;
	return 0;

bad_read:
	if (n == 0 || n == -ETIMEDOUT)
		return 1; /* gone, or too slow: nothing to answer */
	if (n == -ENOBUFS) {
		status = 431;
		why = "request header fields too large";
	}
bad:
	c->close = true;
	(void)http_error(c, status, "%s", why);
	return -EINVAL;
}

/* The next chunk's size line of a chunked body; 0 when it is the last. */
static int next_chunk(struct http_conn *c, struct http_req *r)
{
	ssize_t n = 0;
	char *line, *end;
	unsigned long long size;

	line = read_line(c, BODY_TIMEOUT_MS, &n);
	if (!line)
		return n < 0 ? (int)n : -EPIPE;
	errno = 0;
	size = strtoull(line, &end, 16);
	if (errno || end == line || (*end && *end != ';') || size > INT64_MAX)
		return -EBADMSG;
	r->body_left = (int64_t)size;
	if (size == 0) {
		/* trailers, up to the empty line */
		do {
			line = read_line(c, BODY_TIMEOUT_MS, &n);
			if (!line)
				return n < 0 ? (int)n : -EPIPE;
		} while (line[0]);
		r->body_done = true;
	}
	return 0;
}

ssize_t http_body_read(struct http_conn *c, struct http_req *r, void *buf, size_t n)
{
	size_t k;
	int e;

	if (r->body_done || n == 0)
		return 0;
	if (r->chunked && r->body_left == 0) {
		e = next_chunk(c, r);
		if (e < 0)
			return e;
		if (r->body_done)
			return 0;
	}
	if (c->off == c->len) {
		ssize_t f = fill(c, BODY_TIMEOUT_MS);

		if (f <= 0)
			return f == 0 ? -EPIPE : f;
	}
	k = c->len - c->off;
	if ((int64_t)k > r->body_left)
		k = (size_t)r->body_left;
	if (k > n)
		k = n;
	memcpy(buf, c->buf + c->off, k);
	c->off += k;
	r->body_left -= (int64_t)k;
	if (r->body_left == 0) {
		if (r->chunked) {
			ssize_t m = 0;

			/* the CRLF after the chunk's data */
			if (!read_line(c, BODY_TIMEOUT_MS, &m))
				return m < 0 ? m : -EPIPE;
		} else {
			r->body_done = true;
		}
	}
	return (ssize_t)k;
}

int http_body_drain(struct http_conn *c, struct http_req *r)
{
	char buf[8192];
	ssize_t n;

	while ((n = http_body_read(c, r, buf, sizeof(buf))) > 0)
		;
	return (int)n;
}

int http_body_json(struct http_conn *c, struct http_req *r, json_t **ret)
{
	_cleanup_free_ char *body = NULL;
	size_t len = 0, cap = 0;
	json_error_t je;
	ssize_t n;

	*ret = NULL;
	for (;;) {
		if (cap - len < 4096) {
			char *more;

			cap = cap ? cap * 2 : 8192;
			more = realloc(body, cap + 1);
			if (!more)
				return http_error(c, 500, "out of memory reading the body"), -ENOMEM;
			body = more;
		}
		n = http_body_read(c, r, body + len, cap - len);
		if (n < 0) {
			c->close = true;
			return http_error(c, 400, "reading the request body: %s", strerror((int)-n)),
			       (int)n;
		}
		if (n == 0)
			break;
		len += (size_t)n;
		if (len > HTTP_JSON_MAX) {
			c->close = true;
			return http_error(c, 413, "request body over %d bytes", HTTP_JSON_MAX),
			       -EFBIG;
		}
	}
	if (len == 0)
		return 0;
	body[len] = 0;
	*ret = json_loadb(body, len, JSON_REJECT_DUPLICATES, &je);
	if (!*ret)
		return http_error(c, 400, "invalid JSON in the request body, line %d column %d: %s",
				  je.line, je.column, je.text),
		       -EINVAL;
	return 0;
}

int http_body_object(struct http_conn *c, struct http_req *r, bool required, json_t **ret)
{
	int k = http_body_json(c, r, ret);

	if (k < 0)
		return k;
	if (*ret ? !json_is_object(*ret) : required) {
		json_decref(*ret);
		*ret = NULL;
		http_error(c, 400, "the request body must be a JSON object");
		return -EINVAL;
	}
	return 0;
}

char *http_query(const struct http_req *r, const char *key)
{
	size_t klen = strlen(key);

	for (const char *p = r->query; p && *p;) {
		const char *amp = strchrnul(p, '&'), *eq = memchr(p, '=', (size_t)(amp - p));
		const char *kend = eq ? eq : amp;
		_cleanup_free_ char *k = url_decode(p, (size_t)(kend - p), true);

		if (k && strlen(k) == klen && memcmp(k, key, klen) == 0)
			return eq ? url_decode(eq + 1, (size_t)(amp - eq - 1), true) : strdup("");
		p = *amp ? amp + 1 : amp;
	}
	return NULL;
}

int http_query_all(const struct http_req *r, const char *key, char ***ret)
{
	_cleanup_strv_free_ char **l = NULL;
	size_t klen = strlen(key);

	for (const char *p = r->query; p && *p;) {
		const char *amp = strchrnul(p, '&'), *eq = memchr(p, '=', (size_t)(amp - p));
		const char *kend = eq ? eq : amp;
		_cleanup_free_ char *k = url_decode(p, (size_t)(kend - p), true);
		_cleanup_free_ char *v = NULL;

		if (!k)
			return -ENOMEM;
		if (strlen(k) == klen && memcmp(k, key, klen) == 0) {
			v = eq ? url_decode(eq + 1, (size_t)(amp - eq - 1), true) : strdup("");
			if (!v || strv_extend(&l, v) < 0)
				return -ENOMEM;
		}
		p = *amp ? amp + 1 : amp;
	}
	*ret = TAKE_PTR(l);
	return 0;
}

bool http_query_bool(const struct http_req *r, const char *key, bool def)
{
	_cleanup_free_ char *v = http_query(r, key);

	if (!v)
		return def;
	/* docker: "", "0", "no", "false", "none" are false (case-insensitively) */
	return !(!v[0] || streq(v, "0") || strcasecmp(v, "no") == 0 ||
		 strcasecmp(v, "false") == 0 || strcasecmp(v, "none") == 0);
}

int http_query_int(struct http_conn *c, const struct http_req *r, const char *key, int64_t def,
		   int64_t *ret)
{
	_cleanup_free_ char *v = http_query(r, key);
	char *end;

	*ret = def;
	if (!v || !v[0])
		return 0;
	errno = 0;
	*ret = strtoll(v, &end, 10);
	if (errno || *end) {
		http_error(c, 400, "invalid value for '%s': '%s' is not an integer", key, v);
		return -EINVAL;
	}
	return 0;
}

int http_query_filters(struct http_conn *c, const struct http_req *r, char ***ret)
{
	_cleanup_free_ char *v = http_query(r, "filters");
	_cleanup_strv_free_ char **l = NULL;
	json_auto_t *j = NULL;
	const char *key;
	json_t *vals;
	json_error_t je;

	*ret = NULL;
	if (!v || !v[0])
		return 0;
	j = json_loads(v, 0, &je);
	if (!j || !json_is_object(j)) {
		http_error(c, 400, "invalid filter: the filters parameter is not a JSON object: %s",
			   j ? "" : je.text);
		return -EINVAL;
	}
	json_object_foreach(j, key, vals) {
		const char *val;
		json_t *x;
		size_t i;

		if (json_is_object(vals)) {
			json_object_foreach(vals, val, x) {
				_cleanup_free_ char *kv = NULL;

				if (!json_is_true(x))
					continue;
				kv = xasprintf("%s=%s", key, val);
				if (!kv || strv_extend(&l, kv) < 0)
					return http_error(c, 500, "out of memory"), -ENOMEM;
			}
		} else if (json_is_array(vals)) {
			json_array_foreach(vals, i, x) {
				_cleanup_free_ char *kv = NULL;

				if (!json_is_string(x)) {
					http_error(c, 400, "invalid filter '%s': not a string", key);
					return -EINVAL;
				}
				kv = xasprintf("%s=%s", key, json_string_value(x));
				if (!kv || strv_extend(&l, kv) < 0)
					return http_error(c, 500, "out of memory"), -ENOMEM;
			}
		} else {
			http_error(c, 400, "invalid filter '%s'", key);
			return -EINVAL;
		}
	}
	*ret = TAKE_PTR(l);
	return 0;
}

static const char *reason(int status)
{
	switch (status) {
	case 101: return "UPGRADED";
	case 200: return "OK";
	case 201: return "Created";
	case 204: return "No Content";
	case 304: return "Not Modified";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 409: return "Conflict";
	case 411: return "Length Required";
	case 413: return "Request Entity Too Large";
	case 431: return "Request Header Fields Too Large";
	case 500: return "Internal Server Error";
	case 501: return "Not Implemented";
	case 503: return "Service Unavailable";
	default: return "Unknown";
	}
}

/* The status line and dockerd's headers, up to (not including) the blank line. */
static int head(struct http_conn *c, int status, const char *content_type, const char *extra)
{
	char date[64], h[1024];
	time_t now = time(NULL);
	struct tm tm;
	int n;

	gmtime_r(&now, &tm);
	strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S GMT", &tm);
	n = snprintf(h, sizeof(h),
		     "HTTP/1.1 %d %s\r\nApi-Version: " API_VERSION_MAX "\r\n"
		     "Docker-Experimental: false\r\nOstype: linux\r\n"
		     "Server: berth/" BERTH_VERSION " (linux)\r\nDate: %s\r\n%s%s%s%s",
		     status, reason(status), date, content_type ? "Content-Type: " : "",
		     content_type ? content_type : "", content_type ? "\r\n" : "",
		     extra ? extra : "");
	c->sent = true;
	c->status = status;
	return loop_write(c->fd, h, (size_t)n);
}

int http_send(struct http_conn *c, int status, const char *content_type, const void *body,
	      size_t n)
{
	char extra[96];
	int r;

	snprintf(extra, sizeof(extra), "Content-Length: %zu\r\n%s\r\n", n,
		 c->close ? "Connection: close\r\n" : "");
	r = head(c, status, content_type, extra);
	if (r == 0 && n > 0 && !c->head)
		r = loop_write(c->fd, body, n);
	if (r < 0)
		c->close = true;
	return r;
}

int http_json(struct http_conn *c, int status, json_t *body)
{
	_cleanup_free_ char *s = NULL;

	if (!body)
		return http_error(c, 500, "out of memory");
	s = json_dumps(body, JSON_COMPACT | JSON_ENCODE_ANY);
	json_decref(body);
	if (!s)
		return http_error(c, 500, "out of memory");
	return http_send(c, status, "application/json", s, strlen(s));
}

int http_no_content(struct http_conn *c, int status)
{
	return http_send(c, status, NULL, NULL, 0);
}

int http_error(struct http_conn *c, int status, const char *fmt, ...)
{
	_cleanup_free_ char *msg = NULL, *body = NULL;
	json_t *j;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&msg, fmt, ap);
	va_end(ap);
	if (n < 0)
		msg = NULL;
	j = json_pack("{s:s}", "message", msg ? msg : "out of memory");
	body = j ? json_dumps(j, JSON_COMPACT) : NULL;
	json_decref(j);
	if (!body)
		return http_send(c, 500, "text/plain", "out of memory\n", 14);
	n = (int)strlen(body);
	if (msg)
		snprintf(c->error, sizeof(c->error), "%s", msg);
	(void)http_send(c, status, "application/json", body, (size_t)n);
	return -1;
}

int http_engine_error(struct http_conn *c, const struct berth_error *e)
{
	int status = 500;

	switch (e ? e->errnum : EIO) {
	case ENOENT:
	case ESRCH:
		status = 404;
		break;
	case EEXIST:
	case EBUSY:
	case ENOTEMPTY:
		status = 409;
		break;
	case EINVAL:
	case E2BIG:
	case ENAMETOOLONG:
		status = 400;
		break;
	case EPERM:
	case EACCES:
		status = 403;
		break;
	default:
		break;
	}
	return http_error(c, status, "%s", berth_error_message(e));
}

int http_stream_begin(struct http_conn *c, int status, const char *content_type)
{
	return head(c, status, content_type, "Transfer-Encoding: chunked\r\n\r\n");
}

int http_stream_write(struct http_conn *c, const void *buf, size_t n)
{
	char size[24];
	int r;

	if (n == 0)
		return 0;
	snprintf(size, sizeof(size), "%zx\r\n", n);
	r = loop_write(c->fd, size, strlen(size));
	if (r == 0)
		r = loop_write(c->fd, buf, n);
	if (r == 0)
		r = loop_write(c->fd, "\r\n", 2);
	if (r < 0)
		c->close = true;
	return r;
}

int http_stream_line(struct http_conn *c, const char *text, const char *eol)
{
	size_t n = strlen(text), k = strlen(eol);
	char size[24];
	int r;

	snprintf(size, sizeof(size), "%zx\r\n", n + k);
	r = loop_write(c->fd, size, strlen(size));
	if (r == 0)
		r = loop_write(c->fd, text, n);
	if (r == 0)
		r = loop_write(c->fd, eol, k);
	if (r == 0)
		r = loop_write(c->fd, "\r\n", 2);
	if (r < 0)
		c->close = true;
	return r;
}

int http_stream_end(struct http_conn *c)
{
	int r = loop_write(c->fd, "0\r\n\r\n", 5);

	if (r < 0)
		c->close = true;
	return r;
}

int http_raw_begin(struct http_conn *c, int status, const char *content_type, const char *extra)
{
	_cleanup_free_ char *h = xasprintf("%sConnection: close\r\n\r\n", extra ? extra : "");

	c->close = true;
	if (!h)
		return -ENOMEM;
	return head(c, status, content_type, h);
}

int http_hijack(struct http_conn *c, const struct http_req *r, const char *content_type)
{
	c->close = true;
	if (r->upgrade)
		return head(c, 101, content_type, "Connection: Upgrade\r\nUpgrade: tcp\r\n\r\n");
	return head(c, 200, content_type, "\r\n");
}

static void *body_pump_run(void *data)
{
	struct http_body_pump *p = data;
	char buf[65536];
	ssize_t n;

	/* no allocation or lock here: the engine may fork while this runs */
	while ((n = http_body_read(p->c, p->r, buf, sizeof(buf))) > 0)
		if (loop_write(p->fd, buf, (size_t)n) < 0)
			break; /* the reader is done: the rest is not read */
	close(p->fd);
	return NULL;
}

int http_body_pump_start(struct http_conn *c, struct http_req *r, struct http_body_pump *p,
			 int *ret_fd)
{
	int fds[2];

	if (pipe2(fds, O_CLOEXEC) < 0)
		return -errno;
	*p = (struct http_body_pump){ .c = c, .r = r, .fd = fds[1] };
	if (pthread_create(&p->t, NULL, body_pump_run, p) != 0) {
		close(fds[0]);
		close(fds[1]);
		return -EAGAIN;
	}
	*ret_fd = fds[0];
	return 0;
}

void http_body_pump_finish(struct http_body_pump *p, int fd)
{
	close(fd);
	pthread_join(p->t, NULL);
	if (!p->r->body_done)
		p->c->close = true;
}
