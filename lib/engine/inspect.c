/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * `berth inspect CONTAINER`: docker's container JSON (the fields docker users script
 * against: State, Config, HostConfig, GraphDriver, the paths), from the record and the
 * container's OCI config.
 */
#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "berth/engine.h"
#include "berth/image.h"
#include "berth/runtime.h"
#include "berth/cleanup.h"
#include "berth/logfile.h"
#include "berth/net.h"
#include "berth/record.h"
#include "berth/util.h"

static json_t *time_string(int64_t secs)
{
	char buf[32];

	if (secs <= 0)
		return json_string("0001-01-01T00:00:00Z");
	logfile_format_time(secs * 1000000000, buf);
	return json_string(buf);
}

static json_t *strv_json(char *const *l)
{
	json_t *a = json_array();

	for (char *const *i = l; a && i && *i; i++)
		json_array_append_new(a, json_string(*i));
	return a;
}

static json_t *path_in(const char *dir, const char *name)
{
	_cleanup_free_ char *p = xasprintf("%s/%s", dir, name);

	return json_string(p ? p : "");
}

static json_int_t get_int(json_t *o, const char *a, const char *b)
{
	json_t *v = json_object_get(json_object_get(o, a), b);

	return json_is_integer(v) ? json_integer_value(v) : 0;
}

/* docker's HostConfig and Config, from what the OCI config says */
static void from_config(json_t *cfg, json_t *host, json_t *config)
{
	json_t *proc = json_object_get(cfg, "process"), *res;
	json_t *user = json_object_get(proc, "user");
	json_int_t quota, period;
	char ubuf[48];

	json_object_set(config, "Env", json_object_get(proc, "env") ?: json_array());
	json_object_set_new(config, "WorkingDir",
			    json_string(json_string_value(json_object_get(proc, "cwd")) ?: ""));
	json_object_set_new(config, "Tty", json_boolean(json_is_true(json_object_get(proc, "terminal"))));
	json_object_set(config, "Hostname", json_object_get(cfg, "hostname") ?: json_string(""));
	snprintf(ubuf, sizeof(ubuf), "%lld:%lld", (long long)get_int(proc, "user", "uid"),
		 (long long)get_int(proc, "user", "gid"));
	json_object_set_new(config, "User", json_string(user ? ubuf : ""));

	res = json_object_get(json_object_get(cfg, "linux"), "resources");
	json_object_set_new(host, "Memory", json_integer(get_int(res, "memory", "limit")));
	json_object_set_new(host, "MemorySwap", json_integer(get_int(res, "memory", "swap")));
	quota = get_int(res, "cpu", "quota");
	period = get_int(res, "cpu", "period");
	json_object_set_new(host, "CpuQuota", json_integer(quota));
	json_object_set_new(host, "CpuPeriod", json_integer(period));
	json_object_set_new(host, "NanoCpus",
			    json_integer(quota > 0 && period > 0 ? quota * 1000000000 / period : 0));
	json_object_set_new(host, "PidsLimit", json_integer(get_int(res, "pids", "limit")));
	json_object_set_new(host, "MemoryReservation",
			    json_integer(get_int(res, "memory", "reservation")));
	json_object_set_new(host, "CpuShares", json_integer(get_int(res, "cpu", "shares")));
	json_object_set_new(
	    host, "CpusetCpus",
	    json_string(json_string_value(json_object_get(json_object_get(res, "cpu"), "cpus"))
			    ?: ""));
	json_object_set_new(
	    host, "CpusetMems",
	    json_string(json_string_value(json_object_get(json_object_get(res, "cpu"), "mems"))
			    ?: ""));
	json_object_set_new(host, "BlkioWeight", json_integer(get_int(res, "blockIO", "weight")));
	{
		/* --init: berth-init at docker's path */
		json_t *m;
		size_t i;
		bool init = false;

		json_array_foreach(json_object_get(cfg, "mounts"), i, m)
			init = init || streq(json_string_value(json_object_get(m, "destination"))
						     ?: "",
					     "/sbin/docker-init");
		json_object_set_new(host, "Init", json_boolean(init));
	}
	{
		const char *cg = json_string_value(
			json_object_get(json_object_get(cfg, "linux"), "cgroupsPath"));
		_cleanup_free_ char *parent = cg ? strdup(cg) : NULL;
		/* "<slice>:berth:<id>" (systemd) or "<parent>/<id>" (cgroupfs) */
		char *end = parent ? strchr(parent, ':') : NULL;

		if (!end && parent)
			end = strrchr(parent, '/');
		if (end)
			*end = 0;
		json_object_set_new(host, "CgroupParent", json_string(parent ? parent : ""));
	}
}

/* docker's Mounts: the container's volumes, binds and tmpfs mounts, from its OCI config
 * (what the engine mounts for every container is not listed, as docker's is not) */
static json_t *mounts_of(json_t *cfg, const char *store_root, const char *ctr_dir)
{
	static const char *const own[] = {"/proc",	    "/dev",	    "/dev/pts",
					  "/sys",	    "/sys/fs/cgroup", "/dev/mqueue",
					  "/dev/shm",	    "/sbin/docker-init", NULL};
	_cleanup_free_ char *vols = xasprintf("%s/volumes/", store_root);
	json_t *out = json_array(), *m;
	size_t i;

	json_array_foreach(json_object_get(cfg, "mounts"), i, m)
	{
		const char *dst = json_string_value(json_object_get(m, "destination"));
		const char *src = json_string_value(json_object_get(m, "source"));
		const char *type = json_string_value(json_object_get(m, "type"));
		bool ro = false;
		json_t *o, *opt;
		size_t k;

		if (!dst || strv_contains((char *const *)own, dst) ||
		    (src && ctr_dir && startswith(src, ctr_dir)))
			continue;
		json_array_foreach(json_object_get(m, "options"), k, opt)
			ro = ro || streq_ptr(json_string_value(opt), "ro");
		o = json_object();
		if (streq_ptr(type, "tmpfs")) {
			json_object_set_new(o, "Type", json_string("tmpfs"));
			json_object_set_new(o, "Source", json_string(""));
		} else if (src && vols && startswith(src, vols)) {
			/* <store>/volumes/NAME/_data */
			const char *name = src + strlen(vols);

			json_object_set_new(o, "Type", json_string("volume"));
			json_object_set_new(o, "Name",
					    json_stringn(name, strcspn(name, "/")));
			json_object_set_new(o, "Source", json_string(src));
			json_object_set_new(o, "Driver", json_string("local"));
		} else {
			json_object_set_new(o, "Type", json_string("bind"));
			json_object_set_new(o, "Source", json_string(src ? src : ""));
		}
		json_object_set_new(o, "Destination", json_string(dst));
		json_object_set_new(o, "Mode", json_string(ro ? "ro" : ""));
		json_object_set_new(o, "RW", json_boolean(!ro));
		json_object_set_new(o, "Propagation",
				    json_string(streq_ptr(type, "tmpfs") ? "" : "rprivate"));
		json_array_append_new(out, o);
	}
	return out;
}

/* docker's HostConfig.PortBindings: the ports as asked ("" for an address or a port
 * not given), running or not */
static json_t *port_bindings(const struct record *rec)
{
	json_t *out = json_object();

	for (char *const *p = rec->ports; out && p && *p; p++) {
		struct port_map pm;
		char key[16], hp[8] = "", ip[16] = "";
		json_t *l;

		if (port_parse(*p, &pm, NULL) < 0)
			continue;
		snprintf(key, sizeof(key), "%u/%s", pm.ctr_port, pm.udp ? "udp" : "tcp");
		if (pm.host_port)
			snprintf(hp, sizeof(hp), "%u", pm.host_port);
		if (pm.host_ip)
			ip_string(pm.host_ip, ip);
		l = json_object_get(out, key);
		if (!l) {
			l = json_array();
			json_object_set_new(out, key, l);
		}
		json_array_append_new(l, json_pack("{s:s, s:s}", "HostIp", ip, "HostPort", hp));
	}
	return out;
}

/* docker's NetworkSettings: the address on its network while it runs, the ports */
static json_t *network_settings(struct berth_store *s, const struct record *rec)
{
	json_t *ns = json_object(), *nets = json_object(), *ports = json_object();
	struct net_config n;
	char gw[16];

	/* docker: the ports as published while it runs */
	for (char *const *p = rec->published; p && *p; p++) {
		struct port_map pm;
		char key[16], hp[8], ip[16];
		json_t *l;

		if (port_parse(*p, &pm, NULL) < 0)
			continue;
		snprintf(key, sizeof(key), "%u/%s", pm.ctr_port, pm.udp ? "udp" : "tcp");
		snprintf(hp, sizeof(hp), "%u", pm.host_port);
		l = json_object_get(ports, key);
		if (!l) {
			l = json_array();
			json_object_set_new(ports, key, l);
		}
		json_array_append_new(l, json_pack("{s:s, s:s}", "HostIp",
						   ip_string(pm.host_ip, ip), "HostPort", hp));
	}
	json_object_set_new(ns, "Ports", ports);
	json_object_set_new(ns, "IPAddress", json_string(rec->ip ? rec->ip : ""));
	json_object_set_new(ns, "Gateway", json_string(""));
	json_object_set_new(ns, "MacAddress", json_string(""));
	/* every network it is on, the first one's gateway as docker's top-level one */
	for (size_t i = 0; i < rec->n_nets; i++) {
		const struct record_net *rn = &rec->nets[i];
		json_t *aliases = json_array(), *ipam = json_object();

		if (network_load(berth_store_root(s), rn->name, &n, NULL) < 0)
			continue;
		if (rn->ip && i == 0) {
			json_object_set_new(ns, "Gateway", json_string(ip_string(n.gateway, gw)));
			json_object_set_new(ns, "MacAddress", json_string(rn->mac ? rn->mac : ""));
		}
		for (char **a = rn->aliases; a && *a; a++)
			json_array_append_new(aliases, json_string(*a));
		if (rn->want_ip)
			json_object_set_new(ipam, "IPv4Address", json_string(rn->want_ip));
		json_object_set_new(
		    nets, rn->name,
		    json_pack("{s:o, s:o, s:s, s:s, s:s, s:i, s:s}", "IPAMConfig", ipam, "Aliases",
			      aliases, "NetworkID", n.id, "IPAddress", rn->ip ? rn->ip : "",
			      "Gateway", rn->ip ? ip_string(n.gateway, gw) : "", "IPPrefixLen",
			      rn->ip ? n.prefix : 0, "MacAddress", rn->mac ? rn->mac : ""));
		net_config_clear(&n);
	}
	json_object_set_new(ns, "Networks", nets);
	return ns;
}

int berth_engine_inspect(struct berth_engine *e, const char *key, bool size, char **ret_json,
			 struct berth_error **err)
{
	struct berth_store *s = berth_engine_store(e);
	_cleanup_(ctr_release) struct ctr c = { 0 };
	_cleanup_free_ char *cfgpath = NULL, *name = NULL;
	struct berth_image *img = NULL;
	const struct record *rec;
	const char *dir;
	json_t *root, *state, *config, *host, *gd, *gdd, *cfg;
	bool paused = false;
	const char *status;
	char *text;
	int r;

	r = ctr_find(berth_store_root(s), key, &c, err);
	if (r < 0)
		return r;
	rec = &c.rec;
	dir = c.dir;
	if (rec->state == BERTH_CTR_RUNNING) {
		struct berth_state st;

		if (berth_container_state(c.rtroot, rec->id, &st, NULL) == 0) {
			paused = st.status == BERTH_STATUS_PAUSED;
			berth_state_clear(&st);
		}
	}
	status = rec->restarting			  ? "restarting"
		 : rec->state == BERTH_CTR_RUNNING ? (paused ? "paused" : "running")
		 : rec->state == BERTH_CTR_CREATED ? "created"
						  : "exited";
	cfgpath = xasprintf("%s/config.json", dir);
	name = xasprintf("/%s", rec->name);
	cfg = cfgpath ? json_load_file(cfgpath, 0, NULL) : NULL;
	root = json_object();
	state = json_object();
	config = json_object();
	host = json_object();
	gd = json_object();
	gdd = json_object();
	if (!name || !root || !state || !config || !host || !gd || !gdd) {
		json_decref(cfg);
		json_decref(root);
		json_decref(state);
		json_decref(config);
		json_decref(host);
		json_decref(gd);
		json_decref(gdd);
		return berth_error_set(err, ENOMEM, "inspect '%s'", key);
	}
	json_object_set_new(root, "Id", json_string(rec->id));
	json_object_set_new(root, "Created", time_string(rec->created));
	json_object_set_new(root, "Path", json_string(rec->args && rec->args[0] ? rec->args[0] : ""));
	json_object_set_new(root, "Args", strv_json(rec->args && rec->args[0] ? rec->args + 1 : NULL));

	json_object_set_new(state, "Status", json_string(status));
	json_object_set_new(state, "Running", json_boolean(rec->state == BERTH_CTR_RUNNING));
	json_object_set_new(state, "Paused", json_boolean(paused));
	json_object_set_new(state, "Restarting", json_boolean(rec->restarting));
	json_object_set_new(state, "OOMKilled", json_boolean(rec->oom_killed));
	json_object_set_new(state, "Dead", json_false());
	json_object_set_new(state, "Pid", json_integer(rec->state == BERTH_CTR_RUNNING ? rec->pid : 0));
	json_object_set_new(state, "ExitCode", json_integer(rec->exit_code));
	json_object_set_new(state, "Error", json_string(rec->error ? rec->error : ""));
	json_object_set_new(state, "StartedAt", time_string(rec->started));
	json_object_set_new(state, "FinishedAt",
			    time_string(rec->state == BERTH_CTR_RUNNING ? 0 : rec->finished));
	{
		/* docker's State.Health: there from the first start of a container with a
		 * healthcheck on */
		struct health_state h;

		if (record_has_healthcheck(rec) && health_read(dir, &h) == 0) {
			json_object_set_new(state, "Health", health_to_json(&h));
			health_state_clear(&h);
		}
	}
	json_object_set_new(root, "State", state);

	json_object_set_new(root, "Image", json_string(rec->image_id));
	json_object_set_new(root, "ResolvConfPath", path_in(dir, "resolv.conf"));
	json_object_set_new(root, "HostnamePath", path_in(dir, "hostname"));
	json_object_set_new(root, "HostsPath", path_in(dir, "hosts"));
	json_object_set_new(root, "LogPath", path_in(dir, LOG_FILE));
	json_object_set_new(root, "Name", json_string(name));
	json_object_set_new(root, "RestartCount", json_integer(rec->restart_count));
	json_object_set_new(root, "Driver", json_string("overlay"));
	json_object_set_new(root, "Platform", json_string("linux"));

	json_object_set_new(host, "AutoRemove", json_boolean(rec->auto_remove));
	json_object_set_new(host, "RestartPolicy",
			    json_pack("{s:s, s:i}", "Name",
				      rec->restart_policy ? rec->restart_policy : "no",
				      "MaximumRetryCount", rec->restart_max));
	json_object_set_new(config, "Image", json_string(rec->image));
	json_object_set_new(config, "OpenStdin", json_boolean(rec->open_stdin));
	json_object_set_new(config, "StopSignal",
			    json_string(rec->stop_signal ? rec->stop_signal : "SIGTERM"));
	json_object_set_new(config, "Cmd", strv_json(rec->args));
	/* docker's (deprecated) Config.MacAddress: what --mac-address asked for */
	if (rec->n_nets > 0 && rec->nets[0].want_mac)
		json_object_set_new(config, "MacAddress", json_string(rec->nets[0].want_mac));
	if (rec->healthcheck.test) {
		/* docker's Config.Healthcheck, its zeros left out */
		const struct berth_healthcheck *hc = &rec->healthcheck;
		json_t *o = json_object();

		json_object_set_new(o, "Test", strv_json(hc->test));
		if (hc->interval)
			json_object_set_new(o, "Interval", json_integer(hc->interval));
		if (hc->timeout)
			json_object_set_new(o, "Timeout", json_integer(hc->timeout));
		if (hc->start_period)
			json_object_set_new(o, "StartPeriod", json_integer(hc->start_period));
		if (hc->start_interval)
			json_object_set_new(o, "StartInterval", json_integer(hc->start_interval));
		if (hc->retries)
			json_object_set_new(o, "Retries", json_integer(hc->retries));
		json_object_set_new(config, "Healthcheck", o);
	}
	{
		json_t *lb = json_object();

		for (char **l = rec->labels; l && *l; l++) {
			const char *eq = strchr(*l, '=');
			_cleanup_free_ char *k = eq ? strndup(*l, (size_t)(eq - *l)) : strdup(*l);

			if (k)
				json_object_set_new(lb, k, json_string(eq ? eq + 1 : ""));
		}
		json_object_set_new(config, "Labels", lb);
	}
	if (cfg)
		from_config(cfg, host, config);
	{
		/* docker's LogConfig: the driver, and the options as given ("10485760") */
		json_t *lc = json_object(), *opts = json_object();
		char v[32];

		if (rec->log_max_size > 0) {
			snprintf(v, sizeof(v), "%" PRId64, rec->log_max_size);
			json_object_set_new(opts, "max-size", json_string(v));
		}
		if (rec->log_max_file > 0) {
			snprintf(v, sizeof(v), "%d", rec->log_max_file);
			json_object_set_new(opts, "max-file", json_string(v));
		}
		json_object_set_new(lc, "Type",
				    json_string(rec->log_driver ? rec->log_driver : "json-file"));
		json_object_set_new(lc, "Config", opts);
		json_object_set_new(host, "LogConfig", lc);
	}
	json_object_set_new(host, "PortBindings", port_bindings(rec));
	json_object_set_new(root, "HostConfig", host);
	json_object_set_new(root, "Mounts", mounts_of(cfg, berth_store_root(s), dir));

	/* the image's layers as the overlay has them */
	if (berth_image_lookup(s, rec->image_id, &img, NULL) == 0) {
		size_t len = 0;
		char *lower;

		for (char **l = img->layer_dirs; l && *l; l++)
			len += strlen(*l) + 1;
		lower = calloc(1, len + 1);
		for (char **l = img->layer_dirs; lower && l && *l; l++) {
			if (l != img->layer_dirs)
				strcat(lower, ":");
			strcat(lower, *l);
		}
		json_object_set_new(gdd, "LowerDir", json_string(lower ? lower : ""));
		free(lower);
		berth_image_free(img);
	}
	json_object_set_new(gdd, "UpperDir", path_in(dir, "upper"));
	json_object_set_new(gdd, "WorkDir", path_in(dir, "work"));
	json_object_set_new(gdd, "MergedDir", path_in(dir, "rootfs"));
	json_object_set_new(gd, "Data", gdd);
	json_object_set_new(gd, "Name", json_string("overlay"));
	json_object_set_new(root, "GraphDriver", gd);
	if (size) {
		int64_t rw, rootfs;

		/* docker's omitempty pointers: there with --size only, after GraphDriver */
		r = berth_engine_ctr_size(e, rec->id, &rw, &rootfs, err);
		if (r < 0) {
			json_decref(config);
			json_decref(root);
			json_decref(cfg);
			return r;
		}
		json_object_set_new(root, "SizeRw", json_integer(rw));
		json_object_set_new(root, "SizeRootFs", json_integer(rootfs));
	}
	json_object_set_new(root, "Config", config);
	json_object_set_new(root, "NetworkSettings", network_settings(s, rec));
	json_object_set_new(host, "NetworkMode", json_string(rec->network ? rec->network : "none"));
	/* docker's: "" and "private" for a namespace of its own */
	json_object_set_new(host, "PidMode", json_string(rec->pid_mode ? rec->pid_mode : ""));
	json_object_set_new(host, "IpcMode",
			    json_string(rec->ipc_mode ? rec->ipc_mode : "private"));

	text = json_dumps(root, JSON_INDENT(4) | JSON_PRESERVE_ORDER);
	json_decref(root);
	json_decref(cfg);
	if (!text)
		return berth_error_set(err, ENOMEM, "inspect '%s'", key);
	*ret_json = text;
	return 0;
}
