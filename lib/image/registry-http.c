/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * HTTP for the registry client, over libcurl.
 *
 * Like docker and containers/image, a client first pings GET /v2/: that picks the
 * scheme (https; plain http only for localhost and 127.0.0.0/8 or with
 * --tls-verify=false, when https fails) and answers the registry's auth challenge up
 * front:
 *
 *     WWW-Authenticate: Basic realm="..."       -> "Authorization: Basic base64(u:p)"
 *     WWW-Authenticate: Bearer realm="https://auth/token",service="reg",scope="..."
 *         -> GET realm?service=reg&scope=repository:<repo>:pull[,push] (with Basic
 *            credentials when there are some), {"token"|"access_token": T}
 *         -> "Authorization: Bearer T"
 *
 * A later 401 (a token for too small a scope, or expired) is answered once more from
 * that request's own challenge. Redirects are followed for GET and HEAD only (blob
 * downloads often redirect to a CDN); curl does not send the Authorization header to a
 * host other than the registry's.
 */
#include <curl/curl.h>
#include <errno.h>
#include <signal.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "berth/cleanup.h"
#include "registry.h"
#include "store.h"
#include "berth/util.h"

#define REG_MAX_ERROR_BODY (64 * 1024)
#define REG_USER_AGENT "berth/0.1"

struct reg_client {
	char *registry; /* as in refs: "docker.io", "127.0.0.1:5000" */
	char *host;	/* the API host[:port] */
	char *repo;	/* NULL for a registry-wide client (login) */
	char *base;	/* "https://host", set by reg_ping() */
	bool push;
	bool insecure; /* no certificate checks */
	bool plain_ok; /* plain http allowed */
	char *user, *pass;
	char *authz; /* "Authorization: ..." or NULL (anonymous) */
	const volatile sig_atomic_t *cancel;
	CURL *curl;  /* reused: keeps the connection alive between requests */
};

/* One transfer's state, shared by the header and write callbacks. */
struct xfer {
	CURL *h;
	struct reg_response *resp;
	struct blob_writer *sink;
	uint64_t max;
	uint64_t sunk;
	size_t cap;
	char *www_auth;
	struct berth_error *werr;
	/* upload source */
	const char *up_mem;
	int up_fd;
	size_t up_len, up_off;
};

static void xfer_release(struct xfer *x)
{
	free(x->www_auth);
	berth_error_free(x->werr);
	*x = (struct xfer){.up_fd = -1};
}

void reg_response_release(struct reg_response *r)
{
	free(r->body);
	free(r->content_type);
	free(r->digest);
	free(r->location);
	free(r->next);
	*r = (struct reg_response){0};
}

const char *reg_client_base(const struct reg_client *c)
{
	return c->base;
}

char *reg_escape(const char *s)
{
	char *e = curl_easy_escape(NULL, s, 0), *r;

	if (!e)
		return NULL;
	r = strdup(e);
	curl_free(e);
	return r;
}

static bool is_loopback(const char *host)
{
	_cleanup_free_ char *h = NULL;
	const char *name = host;

	/* strip the port; "[::1]:5000" keeps its brackets until here */
	if (host[0] == '[') {
		const char *end = strchr(host, ']');

		h = end ? strndup(host + 1, (size_t)(end - host - 1)) : NULL;
	} else {
		h = strndup(host, strcspn(host, ":"));
	}
	if (!h)
		return false;
	name = h;
	return streq(name, "localhost") || streq(name, "::1") || startswith(name, "127.");
}

struct reg_client *reg_client_free(struct reg_client *c)
{
	if (c) {
		free(c->registry);
		free(c->host);
		free(c->repo);
		free(c->base);
		free(c->user);
		if (c->pass)
			explicit_bzero(c->pass, strlen(c->pass));
		free(c->pass);
		if (c->authz)
			explicit_bzero(c->authz, strlen(c->authz));
		free(c->authz);
		if (c->curl)
			curl_easy_cleanup(c->curl);
		free(c);
	}
	return NULL;
}

int reg_client_new(const char *registry, const char *repo, const char *user, const char *pass,
		   bool push, const struct berth_registry_options *o, struct reg_client **ret,
		   struct berth_error **err)
{
	static bool curl_ready;
	struct reg_client *c;

	if (!curl_ready) {
		/* Not thread-safe in this curl; berth calls it from its one thread. */
		if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
			return berth_error_new(err, EIO, "cannot initialise libcurl");
		curl_ready = true;
	}
	c = calloc(1, sizeof(*c));
	if (!c)
		return berth_error_set(err, ENOMEM, "registry client");
	c->registry = strdup(registry);
	c->host = strdup(streq(registry, "docker.io") ? REG_DOCKER_HUB_HOST : registry);
	c->repo = repo ? strdup(repo) : NULL;
	c->user = user ? strdup(user) : NULL;
	c->pass = pass ? strdup(pass) : NULL;
	c->curl = curl_easy_init();
	c->push = push;
	c->cancel = o ? o->cancel : NULL;
	c->insecure = o && o->insecure;
	c->plain_ok = c->insecure || (c->host && is_loopback(c->host));
	if (!c->registry || !c->host || (repo && !c->repo) || (user && !c->user) ||
	    (pass && !c->pass) || !c->curl) {
		reg_client_free(c);
		return berth_error_set(err, ENOMEM, "registry client");
	}
	*ret = c;
	return 0;
}

/* --- callbacks --- */

static char *header_value(const char *line, size_t n, const char *name)
{
	size_t l = strlen(name);
	const char *v, *end = line + n;

	if (n <= l || strncasecmp(line, name, l) != 0 || line[l] != ':')
		return NULL;
	v = line + l + 1;
	while (v < end && (*v == ' ' || *v == '\t'))
		v++;
	while (end > v && (end[-1] == '\r' || end[-1] == '\n' || end[-1] == ' '))
		end--;
	return strndup(v, (size_t)(end - v));
}

static size_t on_header(char *buf, size_t size, size_t nitems, void *data)
{
	struct xfer *x = data;
	size_t n = size * nitems;
	char *v;

	if (n >= 5 && strncmp(buf, "HTTP/", 5) == 0) {
		/* A new response (after a redirect or a 100 Continue): forget the last. */
		free(x->resp->content_type);
		free(x->resp->digest);
		free(x->resp->location);
		free(x->resp->next);
		free(x->www_auth);
		x->resp->content_type = x->resp->digest = x->resp->location = x->www_auth = NULL;
		x->resp->next = NULL;
		return n;
	}
	if (!x->resp->content_type && (v = header_value(buf, n, "Content-Type")))
		x->resp->content_type = v;
	else if (!x->resp->digest && (v = header_value(buf, n, "Docker-Content-Digest")))
		x->resp->digest = v;
	else if (!x->resp->location && (v = header_value(buf, n, "Location")))
		x->resp->location = v;
	else if (!x->resp->next && (v = header_value(buf, n, "Link"))) {
		/* <URL>; rel="next" (the distribution spec's pagination) */
		const char *lt = strchr(v, '<'), *gt = lt ? strchr(lt, '>') : NULL;

		if (gt && strstr(gt, "rel=\"next\""))
			x->resp->next = strndup(lt + 1, (size_t)(gt - lt - 1));
		free(v);
	} else if ((v = header_value(buf, n, "WWW-Authenticate"))) {
		/* Several challenges: prefer Bearer, like docker. */
		if (!x->www_auth || strncasecmp(v, "Bearer", 6) == 0) {
			free(x->www_auth);
			x->www_auth = v;
		} else {
			free(v);
		}
	}
	return n;
}

static size_t on_write(char *buf, size_t size, size_t nmemb, void *data)
{
	struct xfer *x = data;
	size_t n = size * nmemb;
	long status = 0;

	curl_easy_getinfo(x->h, CURLINFO_RESPONSE_CODE, &status);
	if (x->sink && status >= 200 && status < 300) {
		if (x->sunk + n > x->max) {
			berth_error_new(&x->werr, EIO, "more data than the %llu bytes expected",
					(unsigned long long)x->max);
			return 0;
		}
		if (store_blob_append(x->sink, buf, n, &x->werr) < 0)
			return 0;
		x->sunk += n;
		return n;
	}
	{
		struct reg_response *r = x->resp;
		uint64_t max = x->sink ? REG_MAX_ERROR_BODY : x->max;
		char *grown;

		if (r->len + n > max) {
			berth_error_new(&x->werr, E2BIG, "response bigger than %llu bytes",
					(unsigned long long)max);
			return 0;
		}
		if (r->len + n + 1 > x->cap) {
			size_t cap = (r->len + n + 1) * 2;

			grown = realloc(r->body, cap);
			if (!grown) {
				berth_error_set(&x->werr, ENOMEM, "response");
				return 0;
			}
			r->body = grown;
			x->cap = cap;
		}
		memcpy(r->body + r->len, buf, n);
		r->len += n;
		r->body[r->len] = 0;
	}
	return n;
}

static size_t on_read(char *buf, size_t size, size_t nitems, void *data)
{
	struct xfer *x = data;
	size_t want = size * nitems, left = x->up_len - x->up_off;

	if (want > left)
		want = left;
	if (want == 0)
		return 0;
	if (x->up_mem) {
		memcpy(buf, x->up_mem + x->up_off, want);
	} else {
		ssize_t k = pread(x->up_fd, buf, want, (off_t)x->up_off);

		if (k <= 0) {
			berth_error_set(&x->werr, k < 0 ? errno : EIO, "read upload");
			return CURL_READFUNC_ABORT;
		}
		want = (size_t)k;
	}
	x->up_off += want;
	return want;
}

static int on_progress(void *data, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
		       curl_off_t ulnow)
{
	const struct reg_client *c = data;

	(void)dltotal, (void)dlnow, (void)ultotal, (void)ulnow;
	return c->cancel && *c->cancel ? 1 : 0;
}

/* A failed transfer as an error. */
static int transfer_error(const struct xfer *x, CURLcode cr, const char *method, const char *url,
			  struct berth_error **err)
{
	if (x->werr)
		return berth_error_new(err, x->werr->errnum, "%s %s: %s", method, url,
				       x->werr->msg);
	if (cr == CURLE_ABORTED_BY_CALLBACK)
		return berth_error_new(err, EINTR, "interrupted");
	return berth_error_new(err, cr == CURLE_OPERATION_TIMEDOUT ? ETIMEDOUT : EIO, "%s %s: %s",
			       method, url, curl_easy_strerror(cr));
}

/* --- requests --- */

static char *absolute_url(const struct reg_client *c, const char *url)
{
	if (strstr(url, "://"))
		return strdup(url);
	if (url[0] == '/')
		return xasprintf("%s%s", c->base, url);
	return xasprintf("%s/%s", c->base, url);
}

/* Set up handle h for req; *ret_headers must be freed with curl_slist_free_all(). */
static int setup(struct reg_client *c, CURL *h, const struct reg_request *req, const char *url,
		 struct xfer *x, struct curl_slist **ret_headers)
{
	const char *method = req->method ? req->method : "GET";
	struct curl_slist *hl = NULL, *t;
	_cleanup_free_ char *accept = NULL, *ctype = NULL;

	curl_easy_reset(h);
	x->h = h;
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_USERAGENT, REG_USER_AGENT);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(h, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, 30L);
	/* Give up on a stalled transfer rather than hang: under 1 byte/s for 60 s. */
	curl_easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, 1L);
	curl_easy_setopt(h, CURLOPT_LOW_SPEED_TIME, 60L);
	if (c->insecure) {
		curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 0L);
		curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 0L);
	}
	curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(h, CURLOPT_HEADERDATA, x);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_write);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, x);
	if (c->cancel) {
		curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
		curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, on_progress);
		curl_easy_setopt(h, CURLOPT_XFERINFODATA, c);
	}
	if (streq(method, "GET") || streq(method, "HEAD")) {
		curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 1L);
		curl_easy_setopt(h, CURLOPT_MAXREDIRS, 10L);
	}
	if (streq(method, "HEAD")) {
		curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
	} else if (streq(method, "POST") || streq(method, "PUT") || streq(method, "PATCH")) {
		x->up_mem = req->body;
		x->up_fd = req->body ? -1 : req->body_fd;
		x->up_len = req->body || req->body_fd >= 0 ? req->body_len : 0;
		x->up_off = 0;
		curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);
		curl_easy_setopt(h, CURLOPT_READFUNCTION, on_read);
		curl_easy_setopt(h, CURLOPT_READDATA, x);
		curl_easy_setopt(h, CURLOPT_INFILESIZE_LARGE, (curl_off_t)x->up_len);
		if (!streq(method, "PUT"))
			curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method);
	}
	if (req->accept)
		accept = xasprintf("Accept: %s", req->accept);
	if (req->content_type)
		ctype = xasprintf("Content-Type: %s", req->content_type);
	if ((req->accept && !accept) || (req->content_type && !ctype))
		return -ENOMEM;
	/* No "Expect: 100-continue" round trip before uploads. */
	const char *lines[] = {accept, ctype, c->authz, "Expect:"};
	for (size_t i = 0; i < ELEMENTSOF(lines); i++) {
		if (!lines[i])
			continue;
		t = curl_slist_append(hl, lines[i]);
		if (!t) {
			curl_slist_free_all(hl);
			return -ENOMEM;
		}
		hl = t;
	}
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, hl);
	*ret_headers = hl;
	return 0;
}

/* One transfer, no auth handling. *ret_www_auth gets the challenge of a 401. */
static int perform(struct reg_client *c, CURL *h, const struct reg_request *req,
		   struct reg_response *resp, char **ret_www_auth, struct berth_error **err)
{
	_cleanup_free_ char *url = absolute_url(c, req->url);
	struct curl_slist *headers = NULL;
	struct xfer x = {.resp = resp, .sink = req->sink, .up_fd = -1};
	CURLcode cr;
	int r;

	if (!url)
		return berth_error_set(err, ENOMEM, "request");
	x.max = req->max_size ? req->max_size : REG_MAX_MANIFEST;
	r = setup(c, h, req, url, &x, &headers);
	if (r < 0) {
		curl_slist_free_all(headers);
		return berth_error_set(err, -r, "request");
	}
	cr = curl_easy_perform(h);
	curl_slist_free_all(headers);
	if (cr != CURLE_OK) {
		r = transfer_error(&x, cr, req->method ? req->method : "GET", url, err);
		xfer_release(&x);
		return r;
	}
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &resp->status);
	if (resp->location && !strstr(resp->location, "://")) {
		char *abs = absolute_url(c, resp->location);

		if (!abs) {
			xfer_release(&x);
			return berth_error_set(err, ENOMEM, "request");
		}
		free(resp->location);
		resp->location = abs;
	}
	if (ret_www_auth)
		*ret_www_auth = TAKE_PTR(x.www_auth);
	xfer_release(&x);
	return 0;
}

/* --- auth --- */

struct challenge {
	char scheme[16];
	char *realm, *service, *scope;
};

static void challenge_release(struct challenge *ch)
{
	free(ch->realm);
	free(ch->service);
	free(ch->scope);
	*ch = (struct challenge){0};
}

/* RFC 7235: scheme, then comma-separated name=token / name="quoted" parameters. */
static int challenge_parse(const char *s, struct challenge *ret)
{
	const char *p = s;
	size_t n = strcspn(p, " \t");

	if (n == 0 || n >= sizeof(ret->scheme))
		return -EINVAL;
	memcpy(ret->scheme, p, n);
	ret->scheme[n] = 0;
	p += n;
	while (*p) {
		_cleanup_free_ char *name = NULL, *val = NULL;
		size_t k;

		p += strspn(p, " \t,");
		if (!*p)
			break;
		k = strcspn(p, "=");
		if (!p[k])
			return -EINVAL;
		name = strndup(p, k);
		p += k + 1;
		if (*p == '"') {
			char *o;

			val = malloc(strlen(p) + 1);
			if (!val)
				return -ENOMEM;
			o = val;
			for (p++; *p && *p != '"'; p++) {
				if (*p == '\\' && p[1])
					p++;
				*o++ = *p;
			}
			*o = 0;
			if (*p != '"')
				return -EINVAL;
			p++;
		} else {
			k = strcspn(p, ", \t");
			val = strndup(p, k);
			p += k;
		}
		if (!name || !val)
			return -ENOMEM;
		if (strcasecmp(name, "realm") == 0 && !ret->realm)
			ret->realm = TAKE_PTR(val);
		else if (strcasecmp(name, "service") == 0 && !ret->service)
			ret->service = TAKE_PTR(val);
		else if (strcasecmp(name, "scope") == 0 && !ret->scope)
			ret->scope = TAKE_PTR(val);
	}
	return 0;
}

static int set_authz(struct reg_client *c, const char *scheme, const char *cred)
{
	char *h = xasprintf("Authorization: %s %s", scheme, cred);

	if (!h)
		return -ENOMEM;
	if (c->authz)
		explicit_bzero(c->authz, strlen(c->authz));
	free(c->authz);
	c->authz = h;
	return 0;
}

static char *basic_credentials(const struct reg_client *c)
{
	_cleanup_free_ char *plain = xasprintf("%s:%s", c->user, c->pass);
	char *b;

	if (!plain)
		return NULL;
	b = base64_encode(plain, strlen(plain));
	explicit_bzero(plain, strlen(plain));
	return b;
}

static int refused(const struct reg_client *c, const struct reg_response *resp,
		   struct berth_error **err)
{
	if (c->user)
		return berth_error_new(err, EACCES,
				       "unauthorized: incorrect username or password for '%s'",
				       c->registry);
	reg_status_error(resp, err);
	return berth_error_wrap(err, "'%s' needs credentials (berth login %s)", c->registry,
				c->registry);
}

/* GET the realm for a token; scope may be NULL. */
static int fetch_token(struct reg_client *c, const struct challenge *ch, const char *scope,
		       struct berth_error **err)
{
	_cleanup_free_ char *url = NULL, *service = NULL, *scope_q = NULL, *basic = NULL,
			    *authz = NULL;
	_cleanup_(json_decrefp) json_t *j = NULL;
	struct reg_response resp = {0};
	struct reg_request req = REG_REQUEST_INIT;
	const char *token;
	CURL *h;
	int r;

	if (!ch->realm || !strstr(ch->realm, "://"))
		return berth_error_new(err, EINVAL, "registry '%s': bearer challenge without a "
				       "realm", c->registry);
	service = ch->service ? reg_escape(ch->service) : strdup("");
	scope_q = scope ? reg_escape(scope) : strdup("");
	if (!service || !scope_q)
		return berth_error_set(err, ENOMEM, "token");
	url = xasprintf("%s%sservice=%s%s%s", ch->realm, strchr(ch->realm, '?') ? "&" : "?",
			service, scope ? "&scope=" : "", scope_q);
	if (!url)
		return berth_error_set(err, ENOMEM, "token");
	/* The token request carries the Basic credentials, or nothing (anonymous). */
	authz = TAKE_PTR(c->authz);
	if (c->user) {
		basic = basic_credentials(c);
		if (!basic || set_authz(c, "Basic", basic) < 0) {
			r = berth_error_set(err, ENOMEM, "token");
			goto out;
		}
	}
	h = curl_easy_init();
	if (!h) {
		r = berth_error_set(err, ENOMEM, "token");
		goto out;
	}
	req.url = url;
	r = perform(c, h, &req, &resp, NULL, err);
	curl_easy_cleanup(h);
	if (r < 0) {
		berth_error_wrap(err, "token");
		goto out;
	}
	if (resp.status == 401 || resp.status == 403) {
		r = refused(c, &resp, err);
		goto out;
	}
	if (resp.status != 200) {
		reg_status_error(&resp, err);
		r = berth_error_wrap(err, "token from '%s'", ch->realm);
		goto out;
	}
	j = json_loadb(resp.body ? resp.body : "", resp.len, 0, NULL);
	token = json_string_value(json_object_get(j, "token"));
	if (!token || !*token)
		token = json_string_value(json_object_get(j, "access_token"));
	if (!token || !*token) {
		r = berth_error_new(err, EINVAL, "token from '%s': no token in the answer",
				    ch->realm);
		goto out;
	}
	if (set_authz(c, "Bearer", token) < 0) {
		r = berth_error_set(err, ENOMEM, "token");
		goto out;
	}
	r = 0;
out:
	if (r < 0) {
		free(c->authz);
		c->authz = TAKE_PTR(authz);
	} else if (authz) {
		explicit_bzero(authz, strlen(authz));
	}
	if (basic)
		explicit_bzero(basic, strlen(basic));
	reg_response_release(&resp);
	return r;
}

/* Answer a challenge: set c->authz. */
static int authenticate(struct reg_client *c, const char *www_auth, const struct reg_response *resp,
			struct berth_error **err)
{
	struct challenge ch = {0};
	_cleanup_free_ char *scope = NULL;
	int r;

	if (!www_auth || challenge_parse(www_auth, &ch) < 0) {
		challenge_release(&ch);
		reg_status_error(resp, err);
		return berth_error_wrap(err, "registry '%s' (no usable auth challenge)",
					c->registry);
	}
	if (strcasecmp(ch.scheme, "Basic") == 0) {
		_cleanup_free_ char *basic = NULL;

		challenge_release(&ch);
		if (!c->user)
			return refused(c, resp, err);
		basic = basic_credentials(c);
		if (!basic || set_authz(c, "Basic", basic) < 0)
			return berth_error_set(err, ENOMEM, "auth");
		explicit_bzero(basic, strlen(basic));
		return 0;
	}
	if (strcasecmp(ch.scheme, "Bearer") != 0) {
		r = berth_error_new(err, ENOTSUP, "registry '%s': unsupported auth scheme '%s'",
				    c->registry, ch.scheme);
		challenge_release(&ch);
		return r;
	}
	/* The challenge's scope when it names one, else ours (the /v2/ ping's has none). */
	if (ch.scope)
		scope = strdup(ch.scope);
	else if (c->repo)
		scope = xasprintf("repository:%s:%s", c->repo, c->push ? "pull,push" : "pull");
	if ((ch.scope || c->repo) && !scope) {
		challenge_release(&ch);
		return berth_error_set(err, ENOMEM, "auth");
	}
	r = fetch_token(c, &ch, scope, err);
	challenge_release(&ch);
	return r;
}

int reg_do(struct reg_client *c, const struct reg_request *req, struct reg_response *resp,
	   struct berth_error **err)
{
	for (int attempt = 0;; attempt++) {
		_cleanup_free_ char *www_auth = NULL;
		int r;

		reg_response_release(resp);
		r = perform(c, c->curl, req, resp, &www_auth, err);
		if (r < 0)
			return r;
		if (resp->status != 401)
			return 0;
		/* Still refused with what the challenge asked for. */
		if (attempt > 0)
			return c->user ? 0 : refused(c, resp, err);
		/* Nothing reached the sink: it only takes a 2xx body. */
		r = authenticate(c, www_auth, resp, err);
		if (r < 0)
			return r;
	}
}

int reg_status_error(const struct reg_response *resp, struct berth_error **err)
{
	_cleanup_(json_decrefp) json_t *j = NULL;
	int errnum = resp->status == 401 || resp->status == 403 ? EACCES
		     : resp->status == 404				? ENOENT
		     : resp->status == 429				? EAGAIN
									: EIO;
	json_t *e;

	if (resp->body && resp->len)
		j = json_loadb(resp->body, resp->len, 0, NULL);
	e = json_array_get(json_object_get(j, "errors"), 0);
	if (json_is_object(e)) {
		const char *code = json_string_value(json_object_get(e, "code"));
		const char *msg = json_string_value(json_object_get(e, "message"));
		_cleanup_free_ char *lc = code ? strdup(code) : NULL;

		for (char *p = lc; p && *p; p++)
			*p = *p == '_' ? ' ' : (char)(*p >= 'A' && *p <= 'Z' ? *p + 32 : *p);
		if (lc || msg)
			return berth_error_new(err, errnum, "%s%s%s", lc ? lc : "",
					       lc && msg ? ": " : "", msg ? msg : "");
	}
	return berth_error_new(err, errnum, "HTTP status %ld%s", resp->status,
			       resp->status == 401   ? " (unauthorized)"
			       : resp->status == 403 ? " (denied)"
			       : resp->status == 404 ? " (not found)"
						     : "");
}

int reg_ping(struct reg_client *c, struct berth_error **err)
{
	const char *schemes[] = {"https", "http"};
	struct reg_request req = REG_REQUEST_INIT;
	struct reg_response resp = {0};
	_cleanup_free_ char *https_error = NULL;
	struct berth_error *e = NULL;
	int r = 0, https_errnum = EIO;

	req.url = "/v2/";
	for (size_t i = 0; i < ELEMENTSOF(schemes); i++) {
		_cleanup_free_ char *www_auth = NULL;

		if (i > 0 && !c->plain_ok)
			break;
		free(c->base);
		c->base = xasprintf("%s://%s", schemes[i], c->host);
		if (!c->base) {
			r = berth_error_set(&e, ENOMEM, "ping");
			break;
		}
		reg_response_release(&resp);
		r = perform(c, c->curl, &req, &resp, &www_auth, &e);
		if (r < 0) {
			/* A transport error: try plain http where allowed, and if that fails
			 * too, say what https said (a certificate problem, say) as well. */
			if (i == 0) {
				https_errnum = e ? e->errnum : EIO;
				https_error = strdup(berth_error_message(e));
				e = berth_error_free(e);
			} else if (https_error) {
				int errnum = e->errnum;
				_cleanup_free_ char *msg = strdup(berth_error_message(e));

				berth_error_new(&e, errnum, "%s (over https: %s)", msg ? msg : "",
						https_error);
			}
			continue;
		}
		if (resp.status == 401) {
			r = authenticate(c, www_auth, &resp, &e);
			if (r < 0)
				break;
			/* Check what we got: Basic credentials are only judged here. */
			reg_response_release(&resp);
			r = perform(c, c->curl, &req, &resp, NULL, &e);
			if (r < 0)
				break;
			if (resp.status == 401 || resp.status == 403) {
				r = refused(c, &resp, &e);
				break;
			}
		}
		if (resp.status != 200) {
			reg_status_error(&resp, &e);
			r = berth_error_wrap(&e, "%s/v2/", c->base);
			if (https_error) {
				/* A TLS port answering plain http with 400, typically. */
				_cleanup_free_ char *msg = strdup(berth_error_message(e));

				r = berth_error_new(&e, https_errnum, "%s (over https: %s)",
						    msg ? msg : "", https_error);
			}
		}
		break;
	}
	reg_response_release(&resp);
	if (r < 0 && !e)
		berth_error_new(&e, https_errnum, "%s", https_error ? https_error : "ping");
	if (r < 0) {
		berth_error_wrap(&e, "registry '%s'", c->registry);
		if (err) {
			berth_error_free(*err);
			*err = e;
		} else {
			berth_error_free(e);
		}
		return r;
	}
	return 0;
}

/* --- parallel blob downloads --- */

struct dl {
	struct reg_blob_get *b;
	size_t i;
	CURL *h;
	struct curl_slist *headers;
	char *url;
	struct reg_response resp;
	struct xfer x;
	bool retry; /* got a 401: do it again through reg_do() */
};

static void dl_release(struct dl *d, CURLM *m)
{
	if (d->h) {
		curl_multi_remove_handle(m, d->h);
		curl_easy_cleanup(d->h);
	}
	curl_slist_free_all(d->headers);
	free(d->url);
	reg_response_release(&d->resp);
	xfer_release(&d->x);
	*d = (struct dl){0};
}

static int blob_check(struct reg_blob_get *b, struct berth_error **err)
{
	int r = store_blob_finish(b->w, err);
	const char *hex = digest_hex(b->digest);

	if (r < 0)
		return berth_error_wrap(err, "blob '%s'", b->digest);
	if (b->size >= 0 && b->w->size != (uint64_t)b->size)
		return berth_error_new(err, EINVAL, "blob '%s': got %llu bytes, the manifest says %lld",
				       b->digest, (unsigned long long)b->w->size,
				       (long long)b->size);
	if (!hex || !streq(hex, b->w->hex))
		return berth_error_new(err, EINVAL,
				       "blob '%s': content hashes to sha256:%s", b->digest,
				       b->w->hex);
	return 0;
}

static int blob_path(const struct reg_client *c, const char *digest, char **ret)
{
	*ret = xasprintf("/v2/%s/blobs/%s", c->repo, digest);
	return *ret ? 0 : -ENOMEM;
}

/* One blob through reg_do(), answering a challenge. */
static int get_blob_serial(struct reg_client *c, struct reg_blob_get *b, struct berth_error **err)
{
	_cleanup_free_ char *path = NULL;
	struct reg_request req = REG_REQUEST_INIT;
	struct reg_response resp = {0};
	int r;

	if (blob_path(c, b->digest, &path) < 0)
		return berth_error_set(err, ENOMEM, "blob");
	/* Start over: truncate what a failed parallel attempt may have left. */
	if (ftruncate(b->w->fd, 0) < 0 || lseek(b->w->fd, 0, SEEK_SET) < 0)
		return berth_error_set(err, errno, "blob '%s'", b->digest);
	b->w->size = 0;
	sha256_init(&b->w->sha);
	req.url = path;
	req.sink = b->w;
	req.max_size = (uint64_t)b->size;
	r = reg_do(c, &req, &resp, err);
	if (r >= 0 && resp.status != 200) {
		reg_status_error(&resp, err);
		r = -1;
	}
	reg_response_release(&resp);
	if (r < 0)
		return berth_error_wrap(err, "blob '%s'", b->digest);
	return blob_check(b, err);
}

static int dl_start(struct reg_client *c, CURLM *m, struct dl *d, struct reg_blob_get *b, size_t i,
		    struct berth_error **err)
{
	struct reg_request req = REG_REQUEST_INIT;
	_cleanup_free_ char *path = NULL;
	int r;

	*d = (struct dl){.b = b, .i = i, .x = {.up_fd = -1}};
	if (blob_path(c, b->digest, &path) < 0 || !(d->url = absolute_url(c, path)) ||
	    !(d->h = curl_easy_init()))
		return berth_error_set(err, ENOMEM, "blob");
	d->x.resp = &d->resp;
	d->x.sink = b->w;
	d->x.max = (uint64_t)b->size;
	req.url = d->url;
	r = setup(c, d->h, &req, d->url, &d->x, &d->headers);
	if (r < 0)
		return berth_error_set(err, -r, "blob");
	curl_easy_setopt(d->h, CURLOPT_PRIVATE, d);
	/* Bigger reads: fewer callbacks and writes into the blob (curl's default is 16 KiB). */
	curl_easy_setopt(d->h, CURLOPT_BUFFERSIZE, 512L * 1024);
	if (curl_multi_add_handle(m, d->h) != CURLM_OK)
		return berth_error_new(err, EIO, "blob '%s': cannot start the download",
				       b->digest);
	return 0;
}

/* A finished transfer: 1 when it must be retried serially (401), 0 done, <0 failed. */
static int dl_done(struct dl *d, CURLcode cr, struct berth_error **err)
{
	if (cr != CURLE_OK) {
		if (d->x.werr)
			return berth_error_new(err, d->x.werr->errnum, "blob '%s': %s",
					       d->b->digest, d->x.werr->msg);
		transfer_error(&d->x, cr, "GET", d->url, err);
		return berth_error_wrap(err, "blob '%s'", d->b->digest);
	}
	curl_easy_getinfo(d->h, CURLINFO_RESPONSE_CODE, &d->resp.status);
	if (d->resp.status == 401)
		return 1;
	if (d->resp.status != 200) {
		reg_status_error(&d->resp, err);
		return berth_error_wrap(err, "blob '%s'", d->b->digest);
	}
	return blob_check(d->b, err);
}

int reg_get_blobs(struct reg_client *c, struct reg_blob_get *blobs, size_t n,
		  void (*progress)(size_t i, uint64_t bytes, bool done, void *data), void *data,
		  struct berth_error **err)
{
	struct dl slots[REG_MAX_PARALLEL] = {0};
	uint64_t reported[REG_MAX_PARALLEL] = {0};
	_cleanup_free_ bool *retry = calloc(n + 1, sizeof(bool));
	CURLM *m = curl_multi_init();
	size_t next = 0, running = 0;
	int r = 0;

	if (!m || !retry) {
		if (m)
			curl_multi_cleanup(m);
		return berth_error_set(err, ENOMEM, "download");
	}
	curl_multi_setopt(m, CURLMOPT_MAX_HOST_CONNECTIONS, (long)REG_MAX_PARALLEL);
	for (;;) {
		CURLMsg *msg;
		int still, left;

		for (size_t s = 0; s < ELEMENTSOF(slots) && next < n; s++) {
			if (slots[s].h)
				continue;
			r = dl_start(c, m, &slots[s], &blobs[next], next, err);
			if (r < 0)
				goto out;
			reported[s] = UINT64_MAX;
			next++;
			running++;
		}
		if (running == 0)
			break;
		if (curl_multi_perform(m, &still) != CURLM_OK) {
			r = berth_error_new(err, EIO, "download: curl_multi_perform failed");
			goto out;
		}
		for (size_t s = 0; progress && s < ELEMENTSOF(slots); s++) {
			if (!slots[s].h || slots[s].x.sunk == reported[s])
				continue;
			reported[s] = slots[s].x.sunk;
			progress(slots[s].i, reported[s], false, data);
		}
		while ((msg = curl_multi_info_read(m, &left))) {
			struct dl *d = NULL;

			if (msg->msg != CURLMSG_DONE)
				continue;
			curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&d);
			r = dl_done(d, msg->data.result, err);
			if (r < 0)
				goto out;
			if (r > 0)
				retry[d->i] = true;
			else if (progress)
				progress(d->i, d->b->w->size, true, data);
			dl_release(d, m);
			running--;
		}
		if (running > 0 && curl_multi_poll(m, NULL, 0, 1000, NULL) != CURLM_OK) {
			r = berth_error_new(err, EIO, "download: curl_multi_poll failed");
			goto out;
		}
	}
	/* A 401 mid-way (a token expired): once more, one by one, re-authenticating. */
	for (size_t i = 0; i < n; i++) {
		if (!retry[i])
			continue;
		r = get_blob_serial(c, &blobs[i], err);
		if (r < 0)
			goto out;
		if (progress)
			progress(i, blobs[i].w->size, true, data);
	}
	r = 0;
out:
	for (size_t s = 0; s < ELEMENTSOF(slots); s++)
		dl_release(&slots[s], m);
	curl_multi_cleanup(m);
	return r;
}
