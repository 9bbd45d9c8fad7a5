/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The Engine API's routing (path patterns, API versions) and the system endpoints:
 * /_ping, /version, /info.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "berth/cleanup.h"
#include "berth/util.h"
#include "serve.h"

int api_version_cmp(const char *a, const char *b)
{
	while (*a || *b) {
		long x = strtol(a, (char **)&a, 10), y = strtol(b, (char **)&b, 10);

		if (x != y)
			return x < y ? -1 : 1;
		if (*a == '.')
			a++;
		if (*b == '.')
			b++;
		if (!*a && !*b)
			break;
		if (!*a || !*b)
			return *a ? 1 : -1;
	}
	return 0;
}

/* path against pattern, segment by segment: "{}" takes one segment, "{*}" one or more
 * (an image's name has slashes); what they took goes to args. */
static bool match(const char *pat, const char *path, char **args, int n_args)
{
	if (!*pat)
		return !*path;
	if (*path != '/' || *pat != '/')
		return false;
	pat++;
	path++;
	if (strncmp(pat, "{*}", 3) == 0) {
		/* the longest first: the rest of the pattern must match what follows */
		for (const char *end = path + strlen(path); end > path; end--) {
			if (*end && *end != '/')
				continue;
			if (n_args > 0 && match(pat + 3, end, args + 1, n_args - 1)) {
				args[0] = strndup(path, (size_t)(end - path));
				return args[0] != NULL;
			}
		}
		return false;
	}
	if (strncmp(pat, "{}", 2) == 0) {
		const char *slash = strchrnul(path, '/');

		if (slash == path || n_args == 0 || !match(pat + 2, slash, args + 1, n_args - 1))
			return false;
		args[0] = strndup(path, (size_t)(slash - path));
		return args[0] != NULL;
	}
	{
		size_t n = strcspn(pat, "/");

		if (strncmp(pat, path, n) != 0 || (path[n] != '/' && path[n] != 0))
			return false;
		return match(pat + n, path + n, args, n_args);
	}
}

/* What only berth-full serves (serve.h): in `berth`, each is handed over to it. */
#ifdef BERTH_SERVE_FULL
#define FULL(fn) fn
#else
#define FULL(fn) api_handoff
#endif
static const struct api_route api_full_routes[] = {
	{ "GET", "/containers/{}/archive", FULL(api_archive_get) },
	{ "HEAD", "/containers/{}/archive", FULL(api_archive_get) },
	{ "PUT", "/containers/{}/archive", FULL(api_archive_put) },
	{ "GET", "/containers/{}/export", FULL(api_container_export) },
	{ "POST", "/images/create", FULL(api_image_create) },
	{ "POST", "/images/load", FULL(api_image_load) },
	{ "GET", "/images/get", FULL(api_image_save) },
	{ "GET", "/images/search", FULL(api_image_search) },
	{ "GET", "/images/{*}/get", FULL(api_image_save) },
	{ "POST", "/images/{*}/push", FULL(api_image_push) },
	{ "POST", "/commit", FULL(api_image_commit) },
	{ "POST", "/auth", FULL(api_auth) },
	{},
};

int api_dispatch(struct api_ctx *x)
{
	static const struct api_route *const tables[] = {
		api_system_routes,
		api_container_routes,
		api_image_routes,
		api_full_routes,
		api_network_routes,
		api_volume_routes,
		api_exec_routes,
	};
	struct http_req *r = x->req;
	bool path_known = false;

	if (api_version_cmp(r->version, API_VERSION_MIN) < 0)
		return http_error(x->conn, 400,
				  "client version %s is too old. Minimum supported API version is "
				  "%s, please upgrade your client to a newer version",
				  r->version, API_VERSION_MIN);
	if (api_version_cmp(r->version, API_VERSION_MAX) > 0)
		return http_error(x->conn, 400,
				  "client version %s is too new. Maximum supported API version is %s",
				  r->version, API_VERSION_MAX);
	for (size_t t = 0; t < ELEMENTSOF(tables); t++)
		for (const struct api_route *rt = tables[t]; rt->method; rt++) {
			char *args[2] = { NULL, NULL };

			if (!match(rt->pattern, r->path, args, 2))
				continue;
			path_known = true;
			/* HEAD is answered as GET where the route has no HEAD of its own */
			if (!streq(rt->method, r->method)) {
				free(args[0]);
				free(args[1]);
				continue;
			}
			x->arg[0] = args[0];
			x->arg[1] = args[1];
			return rt->fn(x);
		}
	if (path_known)
		return http_error(x->conn, 405, "method %s not allowed for %s", r->method, r->path);
	return http_error(x->conn, 404, "page not found");
}

int api_query_size(struct api_ctx *x, unsigned *ret_h, unsigned *ret_w)
{
	int64_t h, w;

	if (http_query_int(x->conn, x->req, "h", 0, &h) < 0 ||
	    http_query_int(x->conn, x->req, "w", 0, &w) < 0)
		return -EINVAL;
	if (h < 0 || w < 0 || h > 65535 || w > 65535)
		return http_error(x->conn, 400, "invalid terminal size %lldx%lld", (long long)h,
				  (long long)w),
		       -EINVAL;
	*ret_h = (unsigned)h;
	*ret_w = (unsigned)w;
	return 0;
}

json_t *api_labels(char *const *labels)
{
	json_t *o = json_object();

	for (char *const *l = labels; o && l && *l; l++) {
		const char *eq = strchr(*l, '=');
		_cleanup_free_ char *k = eq ? strndup(*l, (size_t)(eq - *l)) : strdup(*l);

		if (!k || json_object_set_new(o, k, json_string(eq ? eq + 1 : "")) < 0) {
			json_decref(o);
			return NULL;
		}
	}
	return o;
}

json_t *api_time(int64_t t)
{
	char buf[64];
	time_t tt = (time_t)t;
	struct tm tm;

	if (t <= 0)
		return json_string("0001-01-01T00:00:00Z");
	gmtime_r(&tt, &tm);
	strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S.000000000Z", &tm);
	return json_string(buf);
}

/* GET and HEAD /_ping: "OK", with the headers every response has, which clients
 * negotiate the version by (Api-Version, Ostype) */
static int ping(struct api_ctx *x)
{
	if (streq(x->req->method, "HEAD"))
		return http_send(x->conn, 200, "text/plain; charset=utf-8", NULL, 0);
	return http_send(x->conn, 200, "text/plain; charset=utf-8", "OK", 2);
}

const char *api_go_arch(const char *machine)
{
	if (streq(machine, "x86_64"))
		return "amd64";
	if (streq(machine, "aarch64"))
		return "arm64";
	if (startswith(machine, "i") && endswith(machine, "86"))
		return "386";
	return machine;
}

json_t *api_version_json(const struct berth_info *i)
{
	/* the Engine component's Details as dockerd's (docker version shows each) */
	return json_pack("{s:{s:s},s:[{s:s,s:s,s:{s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s}}],s:s,s:s,s:s,"
		      "s:s,s:s,s:s,s:s,s:s,s:s}",
		      "Platform", "Name", "berth",
		      "Components", "Name", "Engine", "Version", i->version, "Details",
		      "ApiVersion", API_VERSION_MAX, "Arch", api_go_arch(i->arch), "GitCommit", "",
		      "GoVersion", "none (C)", "Experimental", "false",
		      "KernelVersion", i->kernel, "MinAPIVersion", API_VERSION_MIN, "Os", "linux",
		      "Version", i->version,
		      "ApiVersion", API_VERSION_MAX,
		      "MinAPIVersion", API_VERSION_MIN,
		      "GitCommit", "",
		      "GoVersion", "none (C)",
		      "Os", "linux",
		      "Arch", api_go_arch(i->arch),
		      "KernelVersion", i->kernel,
		      "BuildTime", "");
}


/* a sysctl that holds 0 or 1 (false when it is not there) */
static bool sysctl_on(const char *path)
{
	_cleanup_free_ char *v = NULL;

	return read_full_file(path, &v, NULL) >= 0 && v[0] == '1';
}

json_t *api_info_json(const struct berth_info *ip, bool debug)
{
	const struct berth_info i = *ip;
	json_t *j, *sec;

	sec = json_array();
	for (char **o = i.security_options; sec && o && *o; o++)
		json_array_append_new(sec, json_string(*o));
	j = json_pack("{s:s,s:I,s:I,s:I,s:I,s:I,s:s,s:[[s,s]],s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:I,"
		      "s:I,s:s,s:s,s:s,s:b,s:o,s:s,s:{s:{s:s}},s:b,s:b,s:b,s:b,s:b,s:b,s:s,s:[],"
		      "s:{}}",
		      "ID", "", "Containers", (json_int_t)i.containers,
		      "ContainersRunning", (json_int_t)i.running,
		      "ContainersPaused", (json_int_t)i.paused,
		      "ContainersStopped", (json_int_t)i.stopped,
		      "Images", (json_int_t)i.images,
		      "Driver", "overlay2",
		      "DriverStatus", "Backing Filesystem", "extfs",
		      "LoggingDriver", "json-file",
		      "CgroupDriver", i.cgroup_driver,
		      "CgroupVersion", i.cgroup_version == 2 ? "2" : "1",
		      "KernelVersion", i.kernel,
		      "OperatingSystem", i.os,
		      "OSType", "linux",
		      "Architecture", i.arch,
		      "NCPU", (json_int_t)i.cpus,
		      "MemTotal", (json_int_t)i.mem_total,
		      "Name", i.hostname,
		      "DockerRootDir", i.root,
		      "ServerVersion", i.version,
		      "Debug", debug,
		      "SecurityOptions", sec,
		      "DefaultRuntime", "berth-runtime",
		      "Runtimes", "berth-runtime", "path", "berth-runtime",
		      "MemoryLimit", 1, "SwapLimit", 1, "CpuCfsPeriod", 1, "CpuCfsQuota", 1,
		      "IPv4Forwarding", 1, "LiveRestoreEnabled", 1,
		      "IndexServerAddress", "https://index.docker.io/v1/",
		      "Warnings",
		      "Plugins");
	/* what berth's containers get, said as dockerd says it: with no Warnings docker's
	 * CLI 20.10 warns of each of these that is false */
	if (j) {
		json_object_set_new(j, "CPUShares", json_true());
		json_object_set_new(j, "CPUSet", json_true());
		json_object_set_new(j, "PidsLimit", json_true());
		json_object_set_new(j, "OomKillDisable", json_boolean(i.cgroup_version != 2));
		json_object_set_new(
		    j, "BridgeNfIptables",
		    json_boolean(sysctl_on("/proc/sys/net/bridge/bridge-nf-call-iptables")));
		json_object_set_new(
		    j, "BridgeNfIp6tables",
		    json_boolean(sysctl_on("/proc/sys/net/bridge/bridge-nf-call-ip6tables")));
		/* no swarm: dockerd's "inactive" (without it docker info lists a node) */
		json_object_set_new(j, "Swarm",
				    json_pack("{s:s,s:s,s:s,s:b,s:s}", "NodeID", "", "NodeAddr", "",
					      "LocalNodeState", "inactive", "ControlAvailable", 0,
					      "Error", ""));
	}
	return j;
}

/* GET /info and GET /version: the engine's info, each in its shape */
static int info_answer(struct api_ctx *x, bool version)
{
	struct berth_engine *e = api_engine(x);
	_cleanup_(berth_error_freep) struct berth_error *err = NULL;
	struct berth_info i = { 0 };
	json_t *j;

	if (!e)
		return -1;
	if (berth_engine_info(e, &i, &err) < 0)
		return http_engine_error(x->conn, err);
	j = version ? api_version_json(&i) : api_info_json(&i, x->opts->debug);
	berth_info_clear(&i);
	return http_json(x->conn, 200, j);
}

static int info(struct api_ctx *x)
{
	return info_answer(x, false);
}

static int version(struct api_ctx *x)
{
	return info_answer(x, true);
}

static int event_out(const struct berth_event *ev, void *userdata)
{
	struct http_conn *c = userdata;

	if (http_stream_line(c, ev->json, "\n") < 0)
		return 1; /* the client went */
	return 0;
}

/* docker's since/until: unix seconds (with a fraction) or RFC 3339 */
static int query_time_ns(struct api_ctx *x, const char *key, int64_t *ret)
{
	_cleanup_free_ char *v = http_query(x->req, key);
	int64_t ns;

	*ret = 0;
	if (!v || !*v)
		return 0;
	if (parse_time_spec(v, &ns) < 0)
		return http_error(x->conn, 400, "invalid value for %s: %s", key, v);
	*ret = ns;
	return 0;
}

/* GET /events: the logged events in [since, until], then live ones until until (or the
 * client goes) */
static int events(struct api_ctx *x)
{
	struct berth_engine *e = api_engine(x);
	_cleanup_(berth_error_freep) struct berth_error *err = NULL;
	_cleanup_strv_free_ char **filters = NULL;
	struct berth_events_opts o = {
		.stop_fd = x->conn->fd,
		.event = event_out,
		.userdata = x->conn,
	};
	int r;

	if (!e || http_query_filters(x->conn, x->req, &filters) < 0 ||
	    query_time_ns(x, "since", &o.since_ns) < 0 || query_time_ns(x, "until", &o.until_ns) < 0)
		return -1;
	o.filters = filters;
	/* a bad filter is a 400 before the stream: checked on an empty range first */
	{
		struct berth_events_opts check = o;

		check.since_ns = 1;
		check.until_ns = 1;
		check.stop_fd = -1;
		if (berth_engine_events(e, &check, &err) < 0)
			return http_engine_error(x->conn, err);
	}
	if (http_stream_begin(x->conn, 200, "application/json") < 0)
		return -1;
	r = berth_engine_events(e, &o, &err);
	(void)r;
	return http_stream_end(x->conn);
}

/* GET /system/df */
static int df(struct api_ctx *x)
{
	struct berth_engine *e = api_engine(x);
	_cleanup_(berth_error_freep) struct berth_error *err = NULL;
	struct berth_df d = { 0 };
	json_t *images, *ctrs, *vols;
	int64_t now = time(NULL);

	if (!e)
		return -1;
	if (berth_engine_df(e, &d, &err) < 0)
		return http_engine_error(x->conn, err);
	images = json_array();
	ctrs = json_array();
	vols = json_array();
	for (size_t i = 0; images && i < d.n_images; i++) {
		const struct berth_df_image *im = &d.images[i];

		json_t *o = json_pack("{s:s,s:s,s:o,s:[],s:I,s:I,s:I,s:{},s:i}", "Id", im->id,
				      "ParentId", "", "RepoTags",
				      im->ref ? json_pack("[s]", im->ref) : json_array(),
				      "RepoDigests", "Created", (json_int_t)im->created, "Size",
				      (json_int_t)im->size, "SharedSize", (json_int_t)im->shared_size,
				      "Labels", "Containers", (int)im->containers);

		/* dockerd's VirtualSize (the Size) below API 1.44 only */
		if (o && api_version_cmp(x->req->version, "1.44") < 0)
			json_object_set_new(o, "VirtualSize", json_integer((json_int_t)im->size));
		json_array_append_new(images, o);
	}
	for (size_t i = 0; ctrs && i < d.n_containers; i++) {
		json_t *c = api_ctr_json(d.containers[i].info, now);

		if (c)
			json_object_set_new(c, "SizeRw", json_integer(d.containers[i].size));
		json_array_append_new(ctrs, c);
	}
	for (size_t i = 0; vols && i < d.n_volumes; i++) {
		_cleanup_free_ char *mp = xasprintf("%s/volumes/%s/_data",
						    berth_store_root(berth_engine_store(e)),
						    d.volumes[i].name);

		json_array_append_new(
		    vols, json_pack("{s:s,s:s,s:s,s:{},s:s,s:{},s:{s:I,s:I}}", "Name",
				    d.volumes[i].name, "Driver", "local", "Mountpoint", mp ? mp : "",
				    "Labels", "Scope", "local", "Options", "UsageData", "Size",
				    (json_int_t)d.volumes[i].size, "RefCount",
				    (json_int_t)d.volumes[i].links));
	}
	{
		json_int_t layers = (json_int_t)d.images_size;

		berth_df_clear(&d);
		return http_json(x->conn, 200,
				 json_pack("{s:I,s:o,s:o,s:o,s:[]}", "LayersSize", layers, "Images",
					   images, "Containers", ctrs, "Volumes", vols, "BuildCache"));
	}
}

/* POST /build/prune (docker system prune sends it): berth keeps no build cache (system
 * df's BuildCache is empty), so nothing is deleted, as dockerd answers with none */
static int build_prune(struct api_ctx *x)
{
	return http_json(x->conn, 200,
			 json_pack("{s:[],s:i}", "CachesDeleted", "SpaceReclaimed", 0));
}

const struct api_route api_system_routes[] = {
	{ "GET", "/_ping", ping },
	{ "HEAD", "/_ping", ping },
	{ "GET", "/version", version },
	{ "GET", "/info", info },
	{ "GET", "/events", events },
	{ "GET", "/system/df", df },
	{ "POST", "/build/prune", build_prune },
	{},
};
