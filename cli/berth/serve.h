/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * `berth serve`: the Docker Engine API over lib/engine. serve.c listens and forks a
 * process per connection (the engine is already safe for many processes at once, and a
 * stream that lasts — attach, logs -f, events — then blocks nobody); serve-http.c reads
 * requests and writes responses; serve-api*.c are the endpoints, one file per group.
 */

#include <stdbool.h>
#include <pthread.h>
#include <stdint.h>
#include <sys/types.h>

#include <jansson.h>

#include "berth/cleanup.h"
#include "berth/engine.h"
#include "berth/error.h"

/* The API versions served: docker's /_ping and /version advertise the newest, clients
 * negotiate down to it; a request for a version outside the range gets docker's 400. */
DEFINE_FREEP(struct berth_error, berth_error_free)

#define API_VERSION_MIN "1.24"
#define API_VERSION_MAX "1.50"

#define HTTP_HEADER_MAX (64 * 1024)       /* request line and headers together */
#define HTTP_JSON_MAX (16 * 1024 * 1024)  /* a JSON body */

struct http_conn {
	int fd;
	int replay_fd;   /* read before fd: the request a handoff passed on (-1: none) */
	char buf[HTTP_HEADER_MAX];
	size_t off, len; /* unread bytes: buf[off, len) */
	bool sent;       /* a response (or its head) went out for the current request */
	int status;      /* its status */
	char error[256]; /* and its error message, for the debug log */
	bool close;      /* close after this response */
	bool head;       /* the request is a HEAD: responses carry no body */
};

struct http_req {
	char method[16];
	char *path;        /* decoded, without the /vX.Y prefix */
	char *query;       /* raw, without '?'; "" for none */
	char version[16];  /* the API version asked for ("1.50" when the path names none) */
	int64_t content_length; /* -1: none given */
	bool chunked;      /* Transfer-Encoding: chunked */
	bool upgrade;      /* Upgrade: tcp (docker's hijack) */
	char *content_type;
	char *registry_auth; /* X-Registry-Auth, base64url JSON */
	/* the body as read so far */
	int64_t body_left;  /* of a Content-Length body, or of the current chunk */
	bool body_done;
};

/* Read the next request's line and headers: 0 on success, 1 at the end of the
 * connection (or an idle timeout), < 0 for a malformed request (answered already). */
int http_read_request(struct http_conn *c, struct http_req *r);
void http_req_clear(struct http_req *r);

/* The body, a piece at a time: bytes read, 0 at its end, < 0 -errno. */
ssize_t http_body_read(struct http_conn *c, struct http_req *r, void *buf, size_t n);
/* Read and drop what is left of the body. */
int http_body_drain(struct http_conn *c, struct http_req *r);
/* The whole body as JSON (NULL body: *ret NULL). < 0 after answering 400 naming what is
 * wrong (or 413 when it is over HTTP_JSON_MAX). */
int http_body_json(struct http_conn *c, struct http_req *r, json_t **ret);

/* The whole body as a JSON object: http_body_json(), and a body that is not an object
 * (or none, when required) answered 400 "the request body must be a JSON object". */
int http_body_object(struct http_conn *c, struct http_req *r, bool required, json_t **ret);

/* The body on a pipe while a library call reads it (it takes a descriptor): a thread
 * copies the body to the pipe; *ret_fd is its read end. Finish after the call: the read
 * end is closed (a copy the call left unread stops), the thread joined, and a body not
 * read to its end ends the connection after the response. */
struct http_body_pump {
	struct http_conn *c;
	struct http_req *r;
	int fd;
	pthread_t t;
};
int http_body_pump_start(struct http_conn *c, struct http_req *r, struct http_body_pump *p,
			 int *ret_fd);
void http_body_pump_finish(struct http_body_pump *p, int fd);

/* The query parameter key, decoded (NULL when absent). */
char *http_query(const struct http_req *r, const char *key);
/* Every value of the query parameter key, decoded (*ret NULL when absent). */
int http_query_all(const struct http_req *r, const char *key, char ***ret);
/* docker's booleans: "1", "true", "True" are true; absent: def. */
bool http_query_bool(const struct http_req *r, const char *key, bool def);
/* An integer parameter: def when absent; -EINVAL (answered 400) when not a number. */
int http_query_int(struct http_conn *c, const struct http_req *r, const char *key, int64_t def,
		   int64_t *ret);
/* docker's `filters` parameter ({"key":{"value":true}} or {"key":["value"]}) as the
 * engine's "key=value" list (NULL when absent); -EINVAL answered 400. */
int http_query_filters(struct http_conn *c, const struct http_req *r, char ***ret);

/* Responses. Each writes the status line and docker's headers. */
int http_send(struct http_conn *c, int status, const char *content_type, const void *body,
	      size_t n);
int http_json(struct http_conn *c, int status, json_t *body); /* takes body */
int http_no_content(struct http_conn *c, int status);
int http_error(struct http_conn *c, int status, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* An engine error: the status its errno means (404, 409, 400, 500), its message. */
int http_engine_error(struct http_conn *c, const struct berth_error *e);

/* A response of unknown length: chunked. */
int http_stream_begin(struct http_conn *c, int status, const char *content_type);
int http_stream_write(struct http_conn *c, const void *buf, size_t n);
/* One message of a stream of JSON messages: TEXT and its end of line EOL ("\n", or
 * "\r\n" as docker's progress messages) in one chunk. A client that decodes each chunk
 * it reads (the Docker SDK for Python) fails on a last chunk of whitespace alone. */
int http_stream_line(struct http_conn *c, const char *text, const char *eol);
int http_stream_end(struct http_conn *c);

/* A response whose body ends with the connection (a tar of unknown length written
 * straight to the socket): extra headers ("Name: value\r\n"...) may be NULL. */
int http_raw_begin(struct http_conn *c, int status, const char *content_type, const char *extra);

/* docker's hijacked connection (attach, exec start): 101 UPGRADED when the client asked
 * for the upgrade, else 200; the socket is the stream's from here, and the connection
 * is not used for another request. */
int http_hijack(struct http_conn *c, const struct http_req *r, const char *content_type);

/* What an endpoint is called with. */
struct api_ctx {
	struct http_conn *conn;
	struct http_req *req;
	const struct serve_opts *opts;
	char *arg[2];  /* the path's parameters ({id}, {name}) */
	struct berth_engine *engine; /* opened at the first api_engine() */
};

/* docker's TLS flags: TCP sockets speak TLS (--tls), and clients must show a certificate
 * the CA signed (--tlsverify, which implies --tls) */
struct serve_tls {
	bool on, verify;
	char *ca, *cert, *key; /* --tlscacert, --tlscert, --tlskey */
};

struct serve_opts {
	const char *root;           /* --root; NULL: the default store */
	const char *cgroup_manager; /* NULL: the host's default */
	bool debug;
	struct serve_tls tls;
};

/* Answer one connection's requests until it ends, in this process (serve.c): fd is the
 * connection, replay_fd (or -1) what to read before it. */
_Noreturn void serve_connection(int fd, int replay_fd, const struct serve_opts *opts);

/* serve-tls.c (berth-full; libssl): check the TLS flags' files (the certificate and key
 * load, match, the CA loads); and a TLS connection's process: the handshake, then the
 * connection's requests answered in a child process on a socket pair this one relays
 * through TLS. */
int serve_tls_check(const struct serve_tls *t, struct berth_error **err);
_Noreturn void serve_tls_connection(int fd, const struct serve_opts *opts);

/* The engine, opened on first use (answers 500 and returns NULL when it cannot be). */
struct berth_engine *api_engine(struct api_ctx *x);

typedef int (*api_handler)(struct api_ctx *x);

struct api_route {
	const char *method;
	const char *pattern; /* "/containers/{}/json"; "{*}" takes one or more segments */
	api_handler fn;
};

/* Answer one request. */
int api_dispatch(struct api_ctx *x);

/* Compare two API versions ("1.41" < "1.50"). */
int api_version_cmp(const char *a, const char *b);

/* The endpoints' tables, one per file. */
extern const struct api_route api_system_routes[];
extern const struct api_route api_container_routes[];
extern const struct api_route api_image_routes[];
extern const struct api_route api_network_routes[];
extern const struct api_route api_volume_routes[];
extern const struct api_route api_exec_routes[];

/*
 * The endpoints that link libarchive and libcurl (serve-archive.c, serve-registry.c) are
 * berth-full's only (cli.h). In `berth`, their routes lead to api_handoff(): the
 * connection's process becomes berth-full (`serve --connection`), given the request it
 * read, and goes on answering that connection. The server that waits for clients is
 * then the small `berth`, and so are the connections that never need more.
 */
int api_handoff(struct api_ctx *x);
/* serve-archive.c */
int api_archive_get(struct api_ctx *x);
int api_archive_put(struct api_ctx *x);
int api_container_export(struct api_ctx *x);
int api_image_save(struct api_ctx *x);
int api_image_load(struct api_ctx *x);
int api_image_commit(struct api_ctx *x);
/* POST /images/create?fromSrc= (a pull is serve-registry.c's) */
int api_image_import(struct api_ctx *x, const char *src);
/* serve-registry.c */
int api_image_create(struct api_ctx *x);
int api_image_push(struct api_ctx *x);
int api_image_search(struct api_ctx *x);
int api_auth(struct api_ctx *x);

/* POST /containers/create (serve-create.c) */
int api_container_create(struct api_ctx *x);

/* docker's /info and /version bodies (berth info and version --format read them too) */
json_t *api_info_json(const struct berth_info *i, bool debug);
json_t *api_version_json(const struct berth_info *i);
/* Go's GOARCH for uname's machine ("x86_64": "amd64") */
const char *api_go_arch(const char *machine);

/* docker's container summary (GET /containers/json) */
json_t *api_ctr_json(const struct berth_ctr_info *c, int64_t now);

/* A resize's ?h=&w= (a terminal's rows and columns); -EINVAL after answering 400. */
int api_query_size(struct api_ctx *x, unsigned *ret_h, unsigned *ret_w);

/* The engine's "key=value" labels as a JSON object. */
json_t *api_labels(char *const *labels);
/* docker's RFC 3339 time with nanoseconds ("0001-01-01T00:00:00Z" for 0) */
json_t *api_time(int64_t unix_s);
