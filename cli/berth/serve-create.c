/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * POST /containers/create: docker's container configuration (Config, HostConfig,
 * NetworkingConfig) as the engine's berth_run_opts — the same options `berth create`
 * builds from its flags. A field berth does not carry out is refused by name (400) when
 * it asks for anything but its default; fields it does not know are ignored, as dockerd
 * ignores them.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "berth/cleanup.h"
#include "berth/util.h"
#include "serve.h"

/* What the options point into, freed together. */
struct create_ctx {
	struct api_ctx *x;
	char **strings; /* every string made here */
	char ***lists;  /* every list made here */
	size_t n_lists;
	char *seccomp_file;
};

static void create_ctx_release(struct create_ctx *c)
{
	strv_free(c->strings);
	for (size_t i = 0; i < c->n_lists; i++)
		strv_free(c->lists[i]);
	free(c->lists);
	if (c->seccomp_file) {
		(void)unlink(c->seccomp_file);
		free(c->seccomp_file);
	}
}

static int strv_append(char ***l, char *const *more)
{
	for (char *const *m = more; m && *m; m++)
		if (strv_extend(l, *m) < 0)
			return -ENOMEM;
	return 0;
}

/* A list the context owns (NULL on ENOMEM, after answering 500). */
static char ***new_list(struct create_ctx *c)
{
	char ***more = realloc(c->lists, (c->n_lists + 1) * sizeof(char **));

	if (!more)
		return NULL;
	c->lists = more;
	c->lists[c->n_lists] = NULL;
	return &c->lists[c->n_lists++];
}

static const char *keep(struct create_ctx *c, char *s)
{
	if (!s || strv_push(&c->strings, s) < 0)
		return NULL;
	return s;
}

__attribute__((format(printf, 2, 3))) static int bad(struct create_ctx *c, const char *fmt, ...)
{
	_cleanup_free_ char *msg = NULL;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&msg, fmt, ap);
	va_end(ap);
	return http_error(c->x->conn, 400, "%s", n < 0 ? "bad request" : msg);
}

/* A string field: NULL when absent, null or "" ; -EINVAL when not a string. */
static int get_str(struct create_ctx *c, json_t *o, const char *key, const char *where,
		   const char **ret)
{
	json_t *v = json_object_get(o, key);

	*ret = NULL;
	if (!v || json_is_null(v))
		return 0;
	if (!json_is_string(v)) {
		http_error(c->x->conn, 400, "%s.%s: not a string", where, key);
		return -EINVAL;
	}
	if (json_string_length(v) > 0)
		*ret = json_string_value(v);
	return 0;
}

static int get_int(struct create_ctx *c, json_t *o, const char *key, const char *where,
		   int64_t *ret)
{
	json_t *v = json_object_get(o, key);

	*ret = 0;
	if (!v || json_is_null(v))
		return 0;
	if (!json_is_integer(v)) {
		http_error(c->x->conn, 400, "%s.%s: not an integer", where, key);
		return -EINVAL;
	}
	*ret = json_integer_value(v);
	return 0;
}

static int get_bool(struct create_ctx *c, json_t *o, const char *key, const char *where,
		    bool *ret)
{
	json_t *v = json_object_get(o, key);

	*ret = false;
	if (!v || json_is_null(v))
		return 0;
	if (!json_is_boolean(v)) {
		http_error(c->x->conn, 400, "%s.%s: not a boolean", where, key);
		return -EINVAL;
	}
	*ret = json_is_true(v);
	return 0;
}

/* An array of strings as a list (*ret NULL when absent or null). */
static int get_strv(struct create_ctx *c, json_t *o, const char *key, const char *where,
		    char ***ret)
{
	json_t *v = json_object_get(o, key), *s;
	char ***l;
	size_t i;

	*ret = NULL;
	if (!v || json_is_null(v))
		return 0;
	if (!json_is_array(v)) {
		http_error(c->x->conn, 400, "%s.%s: not an array of strings", where, key);
		return -EINVAL;
	}
	l = new_list(c);
	if (!l)
		return http_error(c->x->conn, 500, "out of memory"), -ENOMEM;
	json_array_foreach(v, i, s) {
		if (!json_is_string(s)) {
			http_error(c->x->conn, 400, "%s.%s[%zu]: not a string", where, key, i);
			return -EINVAL;
		}
		if (strv_extend(l, json_string_value(s)) < 0)
			return http_error(c->x->conn, 500, "out of memory"), -ENOMEM;
	}
	if (!*l) {
		/* [] is a list, empty (an entrypoint reset) */
		*l = calloc(1, sizeof(char *));
		if (!*l)
			return http_error(c->x->conn, 500, "out of memory"), -ENOMEM;
	}
	*ret = *l;
	return 0;
}

/* An object of strings as "KEY<sep>VALUE" ("KEY" alone for "" with sep ':'). */
static int get_map(struct create_ctx *c, json_t *o, const char *key, const char *where,
		   char sep, char ***ret)
{
	json_t *v = json_object_get(o, key), *s;
	const char *k;
	char ***l;

	*ret = NULL;
	if (!v || json_is_null(v))
		return 0;
	if (!json_is_object(v)) {
		http_error(c->x->conn, 400, "%s.%s: not an object", where, key);
		return -EINVAL;
	}
	l = new_list(c);
	if (!l)
		return http_error(c->x->conn, 500, "out of memory"), -ENOMEM;
	json_object_foreach(v, k, s) {
		_cleanup_free_ char *kv = NULL;

		if (!json_is_string(s)) {
			http_error(c->x->conn, 400, "%s.%s[\"%s\"]: not a string", where, key, k);
			return -EINVAL;
		}
		kv = sep == ':' && !json_string_length(s)
			     ? strdup(k)
			     : xasprintf("%s%c%s", k, sep, json_string_value(s));
		if (!kv || strv_extend(l, kv) < 0)
			return http_error(c->x->conn, 500, "out of memory"), -ENOMEM;
	}
	*ret = *l;
	return 0;
}

/* A field berth does not carry out: only its zero value (absent, null, "", 0, false, [],
 * {}) is taken. */
static int unsupported(struct create_ctx *c, json_t *o, const char *where, const char *const *keys)
{
	for (const char *const *k = keys; *k; k++) {
		json_t *v = json_object_get(o, *k);
		bool zero = !v || json_is_null(v) || json_is_false(v) ||
			    (json_is_string(v) && json_string_length(v) == 0) ||
			    (json_is_integer(v) && json_integer_value(v) == 0) ||
			    (json_is_real(v) && json_real_value(v) == 0) ||
			    (json_is_array(v) && json_array_size(v) == 0) ||
			    (json_is_object(v) && json_object_size(v) == 0);

		if (!zero) {
			http_error(c->x->conn, 400, "%s.%s is not supported by berth", where, *k);
			return -EINVAL;
		}
	}
	return 0;
}

/* HostConfig.PortBindings {"80/tcp": [{"HostIp": "", "HostPort": "8080"}]} as -p specs */
static int port_bindings(struct create_ctx *c, json_t *hc, char ***ret)
{
	json_t *pb = json_object_get(hc, "PortBindings"), *list, *b;
	const char *port;
	char ***l;
	size_t i;

	*ret = NULL;
	if (!pb || json_is_null(pb))
		return 0;
	if (!json_is_object(pb))
		return bad(c, "HostConfig.%s: not an object", "PortBindings"), -EINVAL;
	l = new_list(c);
	if (!l)
		return http_error(c->x->conn, 500, "out of memory"), -ENOMEM;
	json_object_foreach(pb, port, list) {
		if (json_is_null(list) || (json_is_array(list) && json_array_size(list) == 0)) {
			if (strv_extend(l, port) < 0)
				return http_error(c->x->conn, 500, "out of memory"), -ENOMEM;
			continue;
		}
		if (!json_is_array(list))
			return bad(c, "HostConfig.PortBindings[\"%s\"]: not an array", port), -EINVAL;
		json_array_foreach(list, i, b) {
			const char *ip = json_string_value(json_object_get(b, "HostIp"));
			const char *hp = json_string_value(json_object_get(b, "HostPort"));
			_cleanup_free_ char *spec = NULL;

			if (!json_is_object(b))
				return bad(c, "HostConfig.PortBindings[\"%s\"]: not an array of objects",
					   port),
				       -EINVAL;
			if (ip && *ip)
				spec = xasprintf("%s:%s:%s", ip, hp ? hp : "", port);
			else if (hp && *hp)
				spec = xasprintf("%s:%s", hp, port);
			else
				spec = strdup(port);
			if (!spec || strv_extend(l, spec) < 0)
				return http_error(c->x->conn, 500, "out of memory"), -ENOMEM;
		}
	}
	*ret = *l;
	return 0;
}

/* [{"Path": P, "Rate": N}] as "P:N" */
static int throttle(struct create_ctx *c, json_t *hc, const char *key, char ***ret)
{
	json_t *v = json_object_get(hc, key), *d;
	char ***l;
	size_t i;

	*ret = NULL;
	if (!v || json_is_null(v) || (json_is_array(v) && json_array_size(v) == 0))
		return 0;
	if (!json_is_array(v))
		return bad(c, "HostConfig.%s: not an array", key), -EINVAL;
	l = new_list(c);
	if (!l)
		return http_error(c->x->conn, 500, "out of memory"), -ENOMEM;
	json_array_foreach(v, i, d) {
		const char *path = json_string_value(json_object_get(d, "Path"));
		json_t *rate = json_object_get(d, "Rate");
		_cleanup_free_ char *s = NULL;

		if (!path || !json_is_integer(rate))
			return bad(c, "HostConfig.%s: each needs Path and Rate", key), -EINVAL;
		s = xasprintf("%s:%" PRId64, path, (int64_t)json_integer_value(rate));
		if (!s || strv_extend(l, s) < 0)
			return http_error(c->x->conn, 500, "out of memory"), -ENOMEM;
	}
	*ret = *l;
	return 0;
}

static int list_of_objects(struct create_ctx *c, json_t *hc, const char *key, char ***ret,
			   char *(*one)(json_t *))
{
	json_t *v = json_object_get(hc, key), *d;
	char ***l;
	size_t i;

	*ret = NULL;
	if (!v || json_is_null(v) || (json_is_array(v) && json_array_size(v) == 0))
		return 0;
	if (!json_is_array(v))
		return bad(c, "HostConfig.%s: not an array", key), -EINVAL;
	l = new_list(c);
	if (!l)
		return http_error(c->x->conn, 500, "out of memory"), -ENOMEM;
	json_array_foreach(v, i, d) {
		_cleanup_free_ char *s = json_is_object(d) ? one(d) : NULL;

		if (!s) {
			http_error(c->x->conn, 400, "HostConfig.%s[%zu]: malformed", key, i);
			return -EINVAL;
		}
		if (strv_extend(l, s) < 0)
			return http_error(c->x->conn, 500, "out of memory"), -ENOMEM;
	}
	*ret = *l;
	return 0;
}

/* {"Name": "nofile", "Soft": 1024, "Hard": 2048} */
static char *ulimit_spec(json_t *u)
{
	const char *name = json_string_value(json_object_get(u, "Name"));
	json_t *soft = json_object_get(u, "Soft"), *hard = json_object_get(u, "Hard");

	if (!name || !json_is_integer(soft) || !json_is_integer(hard))
		return NULL;
	return xasprintf("%s=%" PRId64 ":%" PRId64, name, (int64_t)json_integer_value(soft),
			 (int64_t)json_integer_value(hard));
}

/* {"PathOnHost": H, "PathInContainer": C, "CgroupPermissions": "rwm"} */
static char *device_spec(json_t *d)
{
	const char *h = json_string_value(json_object_get(d, "PathOnHost"));
	const char *ctr = json_string_value(json_object_get(d, "PathInContainer"));
	const char *perm = json_string_value(json_object_get(d, "CgroupPermissions"));

	if (!h || !*h)
		return NULL;
	return xasprintf("%s:%s%s%s", h, ctr && *ctr ? ctr : h, perm && *perm ? ":" : "",
			 perm && *perm ? perm : "");
}

/* a Mounts entry as --mount's CSV */
static char *mount_csv(json_t *m)
{
	const char *type = json_string_value(json_object_get(m, "Type"));
	const char *src = json_string_value(json_object_get(m, "Source"));
	const char *dst = json_string_value(json_object_get(m, "Target"));
	json_t *tmpfs = json_object_get(m, "TmpfsOptions");
	int64_t size = json_integer_value(json_object_get(tmpfs, "SizeBytes"));
	int64_t mode = json_integer_value(json_object_get(tmpfs, "Mode"));
	char extra[96] = "";

	if (!type || !dst)
		return NULL;
	if (size > 0)
		snprintf(extra, sizeof(extra), ",tmpfs-size=%" PRId64, size);
	if (mode > 0)
		snprintf(extra + strlen(extra), sizeof(extra) - strlen(extra), ",tmpfs-mode=%o",
			 (unsigned)mode);
	return xasprintf("type=%s%s%s,target=%s%s%s", type, src && *src ? ",source=" : "",
			 src && *src ? src : "", dst,
			 json_is_true(json_object_get(m, "ReadOnly")) ? ",readonly" : "", extra);
}

/* docker's --mount entries become -v and --tmpfs specs, as `berth run --mount` does */
static int mounts(struct create_ctx *c, json_t *hc, char ***volumes, char ***tmpfs)
{
	_cleanup_(berth_error_freep) struct berth_error *err = NULL;
	char **csv = NULL;
	char ***v, ***t;
	int r;

	r = list_of_objects(c, hc, "Mounts", &csv, mount_csv);
	if (r < 0 || !csv)
		return r;
	v = new_list(c);
	t = new_list(c);
	if (!v || !t)
		return http_error(c->x->conn, 500, "out of memory"), -ENOMEM;
	if (strv_append(v, *volumes) < 0 || strv_append(t, *tmpfs) < 0)
		return http_error(c->x->conn, 500, "out of memory"), -ENOMEM;
	for (char **m = csv; *m; m++) {
		_cleanup_free_ char *vol = NULL, *tmp = NULL;

		r = berth_mount_spec(*m, &vol, &tmp, &err);
		if (r < 0)
			return http_error(c->x->conn, r == -ENOENT ? 400 : 400,
					  "HostConfig.Mounts: %s", berth_error_message(err)),
			       r;
		if ((vol && strv_extend(v, vol) < 0) || (tmp && strv_extend(t, tmp) < 0))
			return http_error(c->x->conn, 500, "out of memory"), -ENOMEM;
	}
	*volumes = *v;
	*tmpfs = *t;
	return 0;
}

/* a namespace mode: "" and "private" are berth's default, "host" the host's,
 * "container:NAME" another's (where container is not NULL), "shareable" (where shareable
 * is not NULL) a private one others may join */
static int ns_mode(struct create_ctx *c, json_t *hc, const char *key, bool *host,
		   const char **container, bool *shareable)
{
	const char *m = NULL;
	int r = get_str(c, hc, key, "HostConfig", &m);

	if (r < 0)
		return r;
	*host = streq_ptr(m, "host");
	if (!m || *host || streq(m, "private"))
		return 0;
	if (container && startswith(m, "container:") && m[10]) {
		*container = m + 10;
		return 0;
	}
	if (shareable && streq(m, "shareable")) {
		*shareable = true;
		return 0;
	}
	return http_error(c->x->conn, 400, "HostConfig.%s '%s' is not supported by berth", key, m),
	       -EINVAL;
}

static int security_opts(struct create_ctx *c, json_t *hc, struct berth_run_opts *o)
{
	char **l = NULL;
	int r = get_strv(c, hc, "SecurityOpt", "HostConfig", &l);

	for (char **s = l; r >= 0 && s && *s; s++) {
		if (streq(*s, "no-new-privileges") || streq(*s, "no-new-privileges:true") ||
		    streq(*s, "no-new-privileges=true")) {
			o->no_new_privileges = true;
		} else if (streq(*s, "no-new-privileges:false") ||
			   streq(*s, "no-new-privileges=false")) {
			o->no_new_privileges = false;
		} else if (streq(*s, "seccomp=unconfined") || streq(*s, "seccomp:unconfined")) {
			o->seccomp_profile = "unconfined";
		} else if (startswith(*s, "seccomp=") || startswith(*s, "seccomp:")) {
			/* docker's CLI sends the profile itself: to a file for the engine */
			char tmpl[] = "/tmp/berth-seccomp-XXXXXX";
			int fd = mkstemp(tmpl);
			const char *p = *s + 8;

			if (fd < 0 || loop_write(fd, p, strlen(p)) < 0) {
				if (fd >= 0) {
					close(fd);
					unlink(tmpl);
				}
				return http_error(c->x->conn, 500, "seccomp profile: %s",
						  strerror(errno)),
				       -EIO;
			}
			close(fd);
			c->seccomp_file = strdup(tmpl);
			if (!c->seccomp_file) {
				unlink(tmpl);
				return http_error(c->x->conn, 500, "out of memory"), -ENOMEM;
			}
			o->seccomp_profile = c->seccomp_file;
		} else {
			return http_error(c->x->conn, 400,
					  "HostConfig.SecurityOpt '%s' is not supported by berth", *s),
			       -EINVAL;
		}
	}
	return r;
}

/* NetworkingConfig.EndpointsConfig: the network NetworkMode names, its address and
 * aliases */
static int endpoints(struct create_ctx *c, json_t *body, struct berth_run_opts *o)
{
	json_t *ec = json_object_get(json_object_get(body, "NetworkingConfig"), "EndpointsConfig");
	const char *net;
	json_t *ep;

	if (!ec || json_is_null(ec))
		return 0;
	if (!json_is_object(ec))
		return bad(c, "NetworkingConfig.%s: not an object", "EndpointsConfig"), -EINVAL;
	if (json_object_size(ec) > 1)
		return http_error(c->x->conn, 400,
				  "NetworkingConfig.EndpointsConfig: a container is created on one "
				  "network; connect it to more afterwards"),
		       -EINVAL;
	json_object_foreach(ec, net, ep) {
		json_t *ipam = json_object_get(ep, "IPAMConfig");
		char **aliases = NULL;
		const char *ip = NULL;
		int r;

		/* docker's CLI names the default network "default" */
		if (streq(net, "default") || streq(net, "bridge")) {
			if (o->network && !streq(o->network, "bridge"))
				return http_error(c->x->conn, 400,
						  "NetworkingConfig.EndpointsConfig names network "
						  "'%s', HostConfig.NetworkMode '%s'",
						  net, o->network),
				       -EINVAL;
		} else if (!o->network) {
			o->network = net;
		} else if (!streq(o->network, net)) {
			return http_error(c->x->conn, 400,
					  "NetworkingConfig.EndpointsConfig names network '%s', "
					  "HostConfig.NetworkMode '%s'",
					  net, o->network),
			       -EINVAL;
		}
		r = get_strv(c, ep, "Aliases", "EndpointsConfig", &aliases);
		if (r < 0)
			return r;
		/* API 1.44: the MAC is the endpoint's */
		if (!o->mac_address &&
		    (r = get_str(c, ep, "MacAddress", "EndpointsConfig", &o->mac_address)) < 0)
			return r;
		if (ipam && json_is_object(ipam)) {
			r = get_str(c, ipam, "IPv4Address", "IPAMConfig", &ip);
			if (r < 0)
				return r;
			o->ip = ip;
		}
		o->network_aliases = aliases;
	}
	return 0;
}

static int health(struct create_ctx *c, json_t *cfg, struct berth_run_opts *o)
{
	json_t *h = json_object_get(cfg, "Healthcheck");
	int64_t retries = 0;
	int r;

	if (!h || json_is_null(h))
		return 0;
	if (!json_is_object(h))
		return bad(c, "Config.%s: not an object", "Healthcheck"), -EINVAL;
	r = get_strv(c, h, "Test", "Config.Healthcheck", &o->health.test);
	if (r >= 0)
		r = get_int(c, h, "Interval", "Config.Healthcheck", &o->health.interval);
	if (r >= 0)
		r = get_int(c, h, "Timeout", "Config.Healthcheck", &o->health.timeout);
	if (r >= 0)
		r = get_int(c, h, "StartPeriod", "Config.Healthcheck", &o->health.start_period);
	if (r >= 0)
		r = get_int(c, h, "StartInterval", "Config.Healthcheck", &o->health.start_interval);
	if (r >= 0)
		r = get_int(c, h, "Retries", "Config.Healthcheck", &retries);
	o->health.retries = (int)retries;
	if (r >= 0 && o->health.test && o->health.test[0] && streq(o->health.test[0], "NONE")) {
		o->no_healthcheck = true;
		o->health.test = NULL;
	}
	return r;
}

static const char *const unsupported_host[] = {
	"VolumesFrom", "Links", "KernelMemory", "KernelMemoryTCP", "CpuRealtimePeriod",
	"CpuRealtimeRuntime", "CpuCount", "CpuPercent", "IOMaximumIOps", "IOMaximumBandwidth",
	"BlkioWeightDevice", "VolumeDriver", "Isolation", "StorageOpt", "MaskedPaths",
	"ReadonlyPaths", "DeviceRequests", "Annotations", NULL,
};

/* the Config and HostConfig of a create request as options; -errno after answering */
static int parse_create(struct create_ctx *c, json_t *body, struct berth_run_opts *o)
{
	json_t *hc = json_object_get(body, "HostConfig"), *rp, *vols, *ports;
	const char *s = NULL;
	int64_t v = 0;
	int r = 0;

	if (!json_is_object(body))
		return bad(c, "the body must be a JSON object%s", ""), -EINVAL;
	if (hc && json_is_null(hc))
		hc = NULL;
	if (hc && !json_is_object(hc))
		return bad(c, "%s: not an object", "HostConfig"), -EINVAL;

	/* Config (at the top level of the body) */
	if ((r = get_str(c, body, "Image", "Config", &o->image)) < 0)
		return r;
	if (!o->image)
		return bad(c, "%s: no image given", "Config.Image"), -EINVAL;
	if ((r = get_strv(c, body, "Cmd", "Config", &o->cmd)) < 0 ||
	    (r = get_strv(c, body, "Entrypoint", "Config", &o->entrypoint)) < 0 ||
	    (r = get_strv(c, body, "Env", "Config", &o->env)) < 0 ||
	    (r = get_str(c, body, "WorkingDir", "Config", &o->workdir)) < 0 ||
	    (r = get_str(c, body, "User", "Config", &o->user)) < 0 ||
	    (r = get_str(c, body, "Hostname", "Config", &o->hostname)) < 0 ||
	    (r = get_str(c, body, "Domainname", "Config", &o->domainname)) < 0 ||
	    (r = get_str(c, body, "StopSignal", "Config", &o->stop_signal)) < 0 ||
	    (r = get_bool(c, body, "Tty", "Config", &o->tty)) < 0 ||
	    (r = get_bool(c, body, "OpenStdin", "Config", &o->interactive)) < 0 ||
	    (r = get_map(c, body, "Labels", "Config", '=', &o->labels)) < 0 ||
	    (r = health(c, body, o)) < 0)
		return r;
	if (json_is_integer(json_object_get(body, "StopTimeout"))) {
		o->stop_timeout = (int)json_integer_value(json_object_get(body, "StopTimeout"));
		o->stop_timeout_set = true;
	}
	if ((r = unsupported(c, body, "Config",
			     (const char *const[]){ "OnBuild", "Shell", "NetworkDisabled", NULL })) <
	    0)
		return r;
	if ((r = get_str(c, body, "MacAddress", "Config", &o->mac_address)) < 0)
		return r;
	ports = json_object_get(body, "ExposedPorts");
	if (ports && json_is_object(ports) && json_object_size(ports) > 0) {
		char ***l = new_list(c);
		const char *port;
		json_t *unused;

		if (!l)
			return http_error(c->x->conn, 500, "out of memory"), -ENOMEM;
		json_object_foreach(ports, port, unused)
			if (strv_extend(l, port) < 0)
				return http_error(c->x->conn, 500, "out of memory"), -ENOMEM;
		o->expose = *l;
	}

	/* HostConfig */
	if ((r = get_strv(c, hc, "Binds", "HostConfig", &o->volumes)) < 0 ||
	    (r = port_bindings(c, hc, &o->publish)) < 0 ||
	    (r = get_bool(c, hc, "PublishAllPorts", "HostConfig", &o->publish_all)) < 0 ||
	    (r = get_bool(c, hc, "AutoRemove", "HostConfig", &o->rm)) < 0 ||
	    (r = get_bool(c, hc, "ReadonlyRootfs", "HostConfig", &o->read_only)) < 0 ||
	    (r = get_bool(c, hc, "Privileged", "HostConfig", &o->privileged)) < 0 ||
	    (r = get_bool(c, hc, "OomKillDisable", "HostConfig", &o->oom_kill_disable)) < 0 ||
	    (r = get_strv(c, hc, "CapAdd", "HostConfig", &o->cap_add)) < 0 ||
	    (r = get_strv(c, hc, "CapDrop", "HostConfig", &o->cap_drop)) < 0 ||
	    (r = get_strv(c, hc, "Dns", "HostConfig", &o->dns)) < 0 ||
	    (r = get_strv(c, hc, "DnsSearch", "HostConfig", &o->dns_search)) < 0 ||
	    (r = get_strv(c, hc, "DnsOptions", "HostConfig", &o->dns_options)) < 0 ||
	    (r = get_strv(c, hc, "ExtraHosts", "HostConfig", &o->add_hosts)) < 0 ||
	    (r = get_strv(c, hc, "GroupAdd", "HostConfig", &o->group_add)) < 0 ||
	    (r = get_strv(c, hc, "DeviceCgroupRules", "HostConfig", &o->device_cgroup_rules)) <
		0 ||
	    (r = get_map(c, hc, "Tmpfs", "HostConfig", ':', &o->tmpfs)) < 0 ||
	    (r = get_map(c, hc, "Sysctls", "HostConfig", '=', &o->sysctls)) < 0 ||
	    (r = list_of_objects(c, hc, "Ulimits", &o->ulimits, ulimit_spec)) < 0 ||
	    (r = list_of_objects(c, hc, "Devices", &o->devices, device_spec)) < 0 ||
	    (r = throttle(c, hc, "BlkioDeviceReadBps", &o->device_read_bps)) < 0 ||
	    (r = throttle(c, hc, "BlkioDeviceWriteBps", &o->device_write_bps)) < 0 ||
	    (r = throttle(c, hc, "BlkioDeviceReadIOps", &o->device_read_iops)) < 0 ||
	    (r = throttle(c, hc, "BlkioDeviceWriteIOps", &o->device_write_iops)) < 0 ||
	    (r = get_str(c, hc, "CgroupParent", "HostConfig", &o->cgroup_parent)) < 0 ||
	    (r = get_str(c, hc, "CpusetCpus", "HostConfig", &o->cpuset_cpus)) < 0 ||
	    (r = get_str(c, hc, "CpusetMems", "HostConfig", &o->cpuset_mems)) < 0 ||
	    (r = get_int(c, hc, "Memory", "HostConfig", &o->memory)) < 0 ||
	    (r = get_int(c, hc, "MemorySwap", "HostConfig", &o->memory_swap)) < 0 ||
	    (r = get_int(c, hc, "MemoryReservation", "HostConfig", &o->memory_reservation)) <
		0 ||
	    (r = get_int(c, hc, "CpuPeriod", "HostConfig", &o->cpu_period)) < 0 ||
	    (r = get_int(c, hc, "CpuQuota", "HostConfig", &o->cpu_quota)) < 0 ||
	    (r = get_int(c, hc, "ShmSize", "HostConfig", &o->shm_size)) < 0 ||
	    (r = get_bool(c, hc, "Init", "HostConfig", &o->init)) < 0 ||
	    (r = ns_mode(c, hc, "PidMode", &o->host_pid, &o->pid_container, NULL)) < 0 ||
	    (r = ns_mode(c, hc, "IpcMode", &o->host_ipc, &o->ipc_container, &o->ipc_shareable)) <
		0 ||
	    (r = ns_mode(c, hc, "UTSMode", &o->host_uts, NULL, NULL)) < 0 ||
	    (r = security_opts(c, hc, o)) < 0 ||
	    (r = mounts(c, hc, &o->volumes, &o->tmpfs)) < 0 ||
	    (r = unsupported(c, hc, "HostConfig", unsupported_host)) < 0)
		return r;
	/* docker's CLI sends Dns, DnsSearch and DnsOptions as [] when none is given: no
	 * part of resolv.conf replaced (--dns's nameservers would be none at all) */
	if (o->dns && !o->dns[0])
		o->dns = NULL;
	if (o->dns_search && !o->dns_search[0])
		o->dns_search = NULL;
	if (o->dns_options && !o->dns_options[0])
		o->dns_options = NULL;
	if ((r = get_int(c, hc, "NanoCpus", "HostConfig", &v)) < 0)
		return r;
	o->cpus = (double)v / 1e9;
	if ((r = get_int(c, hc, "CpuShares", "HostConfig", &v)) < 0)
		return r;
	o->cpu_shares = v > 0 ? (uint64_t)v : 0;
	if ((r = get_int(c, hc, "BlkioWeight", "HostConfig", &v)) < 0)
		return r;
	o->blkio_weight = (uint16_t)v;
	{
		json_t *pl = json_object_get(hc, "PidsLimit");

		/* docker: null, 0 and -1 all mean unlimited */
		if (json_is_integer(pl) && json_integer_value(pl) > 0)
			o->pids_limit = json_integer_value(pl);
	}
	if (json_is_integer(json_object_get(hc, "OomScoreAdj")) &&
	    json_integer_value(json_object_get(hc, "OomScoreAdj")) != 0) {
		o->oom_score_adj = (int)json_integer_value(json_object_get(hc, "OomScoreAdj"));
		o->oom_score_adj_set = true;
	}
	if ((r = get_str(c, hc, "UsernsMode", "HostConfig", &s)) < 0)
		return r;
	if (s && !streq(s, "host"))
		return http_error(c->x->conn, 400,
				  "HostConfig.UsernsMode '%s' is not supported by berth", s),
		       -EINVAL;
	if ((r = get_str(c, hc, "CgroupnsMode", "HostConfig", &s)) < 0)
		return r;
	if (s && !streq(s, "private") && !streq(s, "host"))
		return http_error(c->x->conn, 400, "HostConfig.CgroupnsMode '%s' is not supported",
				  s),
		       -EINVAL;
	if ((r = get_str(c, hc, "Runtime", "HostConfig", &s)) < 0)
		return r;
	if (s && !streq(s, "runc") && !streq(s, "berth-runtime"))
		return http_error(c->x->conn, 400, "HostConfig.Runtime '%s' is not supported by berth",
				  s),
		       -EINVAL;
	if ((r = get_str(c, hc, "NetworkMode", "HostConfig", &s)) < 0)
		return r;
	o->network = s && !streq(s, "default") ? s : NULL;
	rp = json_object_get(hc, "RestartPolicy");
	if (rp && json_is_object(rp)) {
		const char *name = NULL;
		int64_t max = 0;

		if ((r = get_str(c, rp, "Name", "HostConfig.RestartPolicy", &name)) < 0 ||
		    (r = get_int(c, rp, "MaximumRetryCount", "HostConfig.RestartPolicy", &max)) < 0)
			return r;
		if (name && streq(name, "on-failure") && max > 0)
			o->restart = keep(c, xasprintf("on-failure:%" PRId64, max));
		else if (name && !streq(name, "no"))
			o->restart = name;
	}
	{
		json_t *lc = json_object_get(hc, "LogConfig");

		if (lc && json_is_object(lc)) {
			if ((r = get_str(c, lc, "Type", "HostConfig.LogConfig", &o->log_driver)) < 0 ||
			    (r = get_map(c, lc, "Config", "HostConfig.LogConfig", '=', &o->log_opts)) <
				0)
				return r;
		}
	}
	/* Config.Volumes: the anonymous volumes of -v DEST */
	vols = json_object_get(body, "Volumes");
	if (vols && json_is_object(vols) && json_object_size(vols) > 0) {
		char ***l = new_list(c);
		const char *dest;
		json_t *unused;

		if (!l || strv_append(l, o->volumes) < 0)
			return http_error(c->x->conn, 500, "out of memory"), -ENOMEM;
		json_object_foreach(vols, dest, unused) {
			bool bound = false;

			/* a bind or named volume of the same destination already covers it */
			for (char **b2 = o->volumes; b2 && *b2 && !bound; b2++) {
				const char *colon = strchr(*b2, ':');
				const char *d = colon ? colon + 1 : *b2;

				bound = strncmp(d, dest, strlen(dest)) == 0 &&
					(d[strlen(dest)] == 0 || d[strlen(dest)] == ':');
			}
			if (!bound && strv_extend(l, dest) < 0)
				return http_error(c->x->conn, 500, "out of memory"), -ENOMEM;
		}
		o->volumes = *l;
	}
	return endpoints(c, body, o);
}

int api_container_create(struct api_ctx *x)
{
	struct create_ctx c = { .x = x };
	struct berth_run_opts o = { 0 };
	_cleanup_(berth_error_freep) struct berth_error *err = NULL;
	_cleanup_free_ char *name = http_query(x->req, "name");
	_cleanup_free_ char *platform = http_query(x->req, "platform");
	_cleanup_free_ char *id = NULL;
	json_auto_t *body = NULL;
	struct berth_engine *e;
	int r;

	r = http_body_json(x->conn, x->req, &body);
	if (r < 0)
		return r;
	if (!body)
		return http_error(x->conn, 400, "the request body is missing (the container's "
						"configuration)");
	if (platform && *platform && !streq(platform, "linux/amd64") &&
	    !streq(platform, "linux"))
		return http_error(x->conn, 400, "platform '%s': berth runs linux/amd64 images only",
				  platform);
	r = parse_create(&c, body, &o);
	if (r >= 0) {
		o.name = name && *name ? name : NULL;
		e = api_engine(x);
		if (!e)
			r = -EIO;
		else if ((r = berth_engine_create(e, &o, &id, &err)) < 0) {
			/* docker's wording: the CLI pulls on this 404 and says so */
			if (r == -ENOENT && err && strstr(err->msg, "image"))
				http_error(x->conn, 404, "No such image: %s", o.image);
			else
				http_engine_error(x->conn, err);
		} else {
			r = http_json(x->conn, 201, json_pack("{s:s,s:[]}", "Id", id, "Warnings"));
		}
	}
	create_ctx_release(&c);
	return r;
}
