/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sched.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <poll.h>
#include <sys/wait.h>
#include <sys/syscall.h>
#include <arpa/inet.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "berth/engine.h"
#include "berth/logfile.h"
#include "berth/events.h"
#include "berth/runtime.h"
#include "berth/cleanup.h"
#include "berth/overlay.h"
#include "images.h"
#include "berth/net.h"
#include "berth/monitor.h"
#include "ocigen.h"
#include "berth/record.h"
#include "berth/volume.h"
#include "berth/net.h"
#include "berth/util.h"
#include "handle.h"

static int safe_close_fd(int fd)
{
	if (fd >= 0)
		close(fd);
	return -EBADF;
}

static const char *const adjectives[] = {
	"brave", "calm", "eager", "fond", "gentle", "happy", "jolly", "keen", "lucid", "merry",
	"nimble", "proud", "quiet", "silly", "tender", "vivid", "witty", "zealous",
};
static const char *const nouns[] = {
	"albatross", "barge", "cutter", "dinghy", "ferry", "galleon", "harbor", "jetty",
	"keel", "lighthouse", "mooring", "pier", "quay", "schooner", "tugboat", "wharf",
};

static int validate_name(const char *n, struct berth_error **err)
{
	if (object_name_valid(n, 1, 255))
		return 0;
	return berth_error_new(err, EINVAL,
			       "invalid container name '%s': only [a-zA-Z0-9][a-zA-Z0-9_.-] are "
			       "allowed",
			       n);
}

/* As docker: from 0.01 CPU (a 1 ms quota per 100 ms period, the kernel's minimum) to
 * the CPUs online now, the count docker uses too. */
int engine_validate_cpus(double cpus, struct berth_error **err)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	long long nano = (long long)(cpus * 1e9 + 0.5);

	if (cpus <= 0)
		return 0; /* unlimited */
	if (n < 1)
		n = 1;
	if (nano < 10000000LL || nano > (long long)n * 1000000000LL)
		return berth_error_new(
		    err, EINVAL,
		    "range of CPUs is from 0.01 to %ld.00, as there are only %ld CPUs available", n,
		    n);
	return 0;
}

static int remove_files(const char *dir, struct berth_error **err)
{
	_cleanup_free_ char *rootfs = xasprintf("%s/rootfs", dir);
	int r;

	if (!rootfs)
		return berth_error_set(err, ENOMEM, "remove '%s'", dir);
	r = overlay_umount(rootfs, err);
	if (r < 0)
		return r;
	r = record_remove_dir(dir);
	if (r < 0)
		return berth_error_set(err, -r, "remove '%s'", dir);
	return 0;
}

static char *store_runtime_root(struct berth_store *s)
{
	return record_runtime_root(berth_store_root(s));
}

static char *unique_name(struct berth_store *s)
{
	char *name = NULL;

	for (int tries = 0; tries < 64; tries++) {
		uint32_t x;

		if (getrandom(&x, sizeof(x), 0) != sizeof(x))
			x = (uint32_t)getpid() + (uint32_t)tries;
		free(name);
		if (tries > 16)
			name = xasprintf("%s_%s_%u", adjectives[x % ELEMENTSOF(adjectives)],
					 nouns[(x / 32) % ELEMENTSOF(nouns)], x % 1000);
		else
			name = xasprintf("%s_%s", adjectives[x % ELEMENTSOF(adjectives)],
					 nouns[(x / 32) % ELEMENTSOF(nouns)]);
		if (!name || !record_name_taken(berth_store_root(s), name, NULL))
			break;
	}
	return name;
}

/* What --network names: *ret_name for the record ("none", "host", "container:<id>" or
 * a network that exists), *ret_netns_path the namespace to join for container:X. */
static bool own_network(const struct record *r)
{
	return r->network && !streq(r->network, "none") && !streq(r->network, "host") &&
	       !startswith(r->network, "container:");
}

/* "a,b" of the networks it is on */
static char *record_nets_join(const struct record *r)
{
	char *l = strdup("");

	for (size_t i = 0; l && i < r->n_nets; i++) {
		char *more = xasprintf("%s%s%s", l, *l ? "," : "", r->nets[i].name);

		free(l);
		l = more;
	}
	return l;
}

static int network_for(struct berth_store *s, const struct berth_run_opts *o, const char *network,
		       char **ret_name, char **ret_netns_path, struct berth_error **err)
{
	const char *other = startswith(network, "container:");
	int r;

	/* docker's: an address or aliases of one's own on a network one made */
	if (o->ip && (other || streq(network, "none") || streq(network, "host") ||
		      streq(network, NET_DEFAULT)))
		return berth_error_new(err, EINVAL,
				       "user specified IP address is supported on user defined "
				       "networks only");
	if (o->network_aliases && (other || streq(network, "none") || streq(network, "host") ||
				   streq(network, NET_DEFAULT)))
		return berth_error_new(err, EINVAL,
				       "network-scoped alias is supported only for containers in "
				       "user defined networks");
	/* docker's: a MAC address of its own only with an interface of its own */
	if (o->mac_address && (other || streq(network, "host")))
		return berth_error_new(err, EINVAL,
				       "conflicting options: mac-address and the network mode");
	if (streq(network, "none") || streq(network, "host")) {
		*ret_name = strdup(network);
		if (!*ret_name)
			return berth_error_set(err, ENOMEM, "network '%s'", network);
		return 0;
	}
	if (other) {
		_cleanup_(ctr_release) struct ctr c = { 0 };

		r = ctr_find(berth_store_root(s), other, &c, err);
		if (r < 0)
			return berth_error_wrap(err, "--network %s", network);
		if (c.rec.state != BERTH_CTR_RUNNING)
			return berth_error_new(err, EINVAL,
					       "--network %s: container %s is not running", network,
					       other);
		*ret_name = xasprintf("container:%s", c.rec.id);
		*ret_netns_path = xasprintf("/proc/%d/ns/net", (int)c.rec.pid);
		return *ret_name && *ret_netns_path ? 0 : -ENOMEM;
	} else {
		struct net_config n;

		r = network_load(berth_store_root(s), network, &n, err);
		if (r < 0)
			return r;
		if (o->ip) {
			uint32_t ip;

			r = network_check_ip(&n, o->ip, &ip, err);
			if (r < 0) {
				net_config_clear(&n);
				return r;
			}
		}
		net_config_clear(&n);
		*ret_name = strdup(network);
		if (!*ret_name)
			return berth_error_set(err, ENOMEM, "network '%s'", network);
		return 0;
	}
}

/* --pid or --ipc container:KEY: the namespace of another container that runs (its init's
 * /proc/<pid>/ns/<type>, type "pid" or "ipc"; "net" for --network container:KEY, at a
 * start), *ret_mode "container:<id>" for the record; docker's errors. Resolved when the
 * container is made, and again at each start (rejoin_namespaces). */
static int ns_of_container(struct berth_store *s, const char *type, const char *key,
			   char **ret_mode, char **ret_path, struct berth_error **err)
{
	_cleanup_(ctr_release) struct ctr c = { 0 };
	bool ipc = streq(type, "ipc"), net = streq(type, "net");
	const char *m;
	int r;

	r = ctr_find(berth_store_root(s), key, &c, err);
	if (r < 0 && ipc)
		return berth_error_wrap(err, "can't join IPC of container %s", key);
	if (r < 0 && net)
		return berth_error_wrap(err, "--network container:%s", key);
	if (r < 0)
		return berth_error_wrap(err, "cannot join PID of a non running container: %s", key);
	if (c.rec.state != BERTH_CTR_RUNNING || c.rec.orphaned || c.rec.restarting ||
	    c.rec.pid <= 0) {
		if (ipc)
			return berth_error_new(
			    err, EINVAL,
			    "can't join IPC of container %s: container %s is not "
			    "running",
			    key, c.rec.id);
		if (net)
			return berth_error_new(
			    err, EINVAL, "--network container:%s: container %s is not running", key,
			    key);
		return berth_error_new(err, EINVAL,
				       "cannot join PID of a non running container: %s", key);
	}
	/* docker's rule: a private IPC namespace is not joined; a shareable one is, and
	 * the host's, and one that a container joined itself */
	m = c.rec.ipc_mode;
	if (ipc &&
	    !(m && (streq(m, "shareable") || streq(m, "host") || startswith(m, "container:"))))
		return berth_error_new(
		    err, EINVAL,
		    "can't join IPC of container %s: non-shareable IPC (hint: use "
		    "IpcMode:shareable for the donor container)",
		    key);
	*ret_mode = xasprintf("container:%s", c.rec.id);
	*ret_path = xasprintf("/proc/%d/ns/%s", (int)c.rec.pid, type);
	if (!*ret_mode || !*ret_path)
		return berth_error_set(err, ENOMEM, "join the namespace of container %s", key);
	return 0;
}

/* A container that joins another's namespaces (--network, --pid, --ipc container:ID) joins
 * them as they are at each start, as docker does: the paths its config.json has name that
 * container's init when they were written, another process (or none, or a reused pid's)
 * once it restarted. Checked again (it must run) and written again; nothing is done for
 * a container that joins none. */
static int rejoin_namespaces(struct berth_store *s, const struct ctr *c, struct berth_error **err)
{
	static const char *const oci[] = {"network", "pid", "ipc"};
	static const char *const proc[] = {"net", "pid", "ipc"};
	const char *const modes[] = {c->rec.network, c->rec.pid_mode, c->rec.ipc_mode};
	_cleanup_free_ char *path = NULL, *text = NULL;
	json_t *cfg, *ns, *n;
	bool any = false;
	size_t k;
	int r = 0;

	for (size_t i = 0; i < ELEMENTSOF(modes); i++)
		any = any || (modes[i] && startswith(modes[i], "container:"));
	if (!any)
		return 0;
	path = xasprintf("%s/config.json", c->dir);
	if (!path)
		return berth_error_set(err, ENOMEM, "start container %.12s", c->rec.id);
	cfg = json_load_file(path, 0, NULL);
	ns = json_object_get(json_object_get(cfg, "linux"), "namespaces");
	if (!json_is_array(ns)) {
		json_decref(cfg);
		return berth_error_new(err, EINVAL, "read '%s': no linux.namespaces", path);
	}
	for (size_t i = 0; i < ELEMENTSOF(modes); i++) {
		const char *other = modes[i] ? startswith(modes[i], "container:") : NULL;
		_cleanup_free_ char *mode = NULL, *nspath = NULL;

		if (!other)
			continue;
		r = ns_of_container(s, proc[i], other, &mode, &nspath, err);
		if (r < 0)
			break;
		json_array_foreach(ns, k, n)
		{
			if (streq_ptr(json_string_value(json_object_get(n, "type")), oci[i]))
				json_object_set_new(n, "path", json_string(nspath));
		}
	}
	if (r >= 0) {
		text = json_dumps(cfg, JSON_INDENT(2));
		r = text ? write_file_atomic(path, text, strlen(text), 0600) : -ENOMEM;
		if (r < 0)
			r = berth_error_set(err, -r, "write '%s'", path);
	}
	json_decref(cfg);
	return r;
}

/* The container's cgroupsPath: "<parent>/<id>" with the cgroupfs driver, "<slice>:berth:<id>"
 * (the scope berth-<id>.scope, as docker's docker-<id>.scope) with systemd's. */
static int engine_cgroups_path(const char *mgr, const struct berth_run_opts *o, const char *id,
			       bool *ret_systemd, char **ret, struct berth_error **err)
{

	if (streq(mgr, "systemd")) {
		const char *slice = o->cgroup_parent ? o->cgroup_parent : "system.slice";

		if (streq(slice, ".slice") || !endswith(slice, ".slice") || strchr(slice, '/') ||
		    strchr(slice, ':'))
			return berth_error_new(err, EINVAL,
					       "cgroup-parent for systemd cgroup should be a valid "
					       "slice named as \"xxx.slice\", not '%s'",
					       slice);
		*ret = xasprintf("%s:berth:%s", slice, id);
		*ret_systemd = true;
	} else if (streq(mgr, "cgroupfs")) {
		*ret = xasprintf("%s/%s", o->cgroup_parent ? o->cgroup_parent : "/berth", id);
		*ret_systemd = false;
	} else {
		return berth_error_new(err, EINVAL,
				       "unknown cgroup manager '%s' (systemd or cgroupfs)", mgr);
	}
	return *ret ? 0 : berth_error_set(err, ENOMEM, "cgroup");
}

/* The container's directory, record and config.json; its overlay is left mounted (the
 * config's user lookups read the image's /etc/passwd through it). On failure nothing
 * is left. */
static int mkdirat_p(const char *dir, const char *name, mode_t mode)
{
	_cleanup_free_ char *p = xasprintf("%s/%s", dir, name);

	return p ? mkdir_p(p, mode) : -ENOMEM;
}

/* Remove what killed creators and removers left in <containers>: .new-<id> (only while
 * the store's containers lock is held: a creator holds it from mkdir to rename) and
 * .rm-<id> that no remover holds; with recordless, also directories without a record
 * (left by versions that built containers in place). */
static void sweep_leftovers(const char *cdir, bool recordless)
{
	_cleanup_closedir_ DIR *d = opendir(cdir);
	struct dirent *de;

	while (d && (de = readdir(d))) {
		_cleanup_free_ char *dir = NULL, *rootfs = NULL;
		_cleanup_close_ int fd = -EBADF;

		if (streq(de->d_name, ".") || streq(de->d_name, ".."))
			continue;
		if (!startswith(de->d_name, RECORD_NEW_PREFIX) &&
		    !startswith(de->d_name, RECORD_RM_PREFIX)) {
			_cleanup_free_ char *rec = xasprintf("%s/%s/container.json", cdir,
							     de->d_name);

			if (!recordless || de->d_name[0] == '.' || !rec ||
			    access(rec, F_OK) == 0 || errno != ENOENT)
				continue;
		}
		dir = xasprintf("%s/%s", cdir, de->d_name);
		rootfs = xasprintf("%s/rootfs", dir ?: "");
		if (!dir || !rootfs)
			return;
		fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
		if (fd < 0 || flock(fd, LOCK_EX | LOCK_NB) < 0)
			continue;
		(void)overlay_umount(rootfs, NULL);
		(void)rm_rf(dir);
	}
}

/* Claim the container's name and publish its record: under the store's containers lock,
 * the name is checked (or one is made up), the image checked to be still there (an rmi
 * that ran since the lookup wins cleanly; one that runs after sees the container), and
 * the directory built as .new-<id> and renamed to <id>. */
static int publish(struct berth_store *s, const struct berth_run_opts *o, const char *image_id,
		   const char *cdir, struct record *rec, struct berth_error **err)
{
	_cleanup_free_ char *tmp = xasprintf("%s/" RECORD_NEW_PREFIX "%s", cdir, rec->id),
			    *final = xasprintf("%s/%s", cdir, rec->id), *id = NULL,
			    *other = NULL;
	_cleanup_close_ int lock = -EBADF;
	int r;

	if (!tmp || !final)
		return berth_error_set(err, ENOMEM, "create");
	r = mkdir_p(cdir, 0700);
	if (r < 0)
		return berth_error_set(err, -r, "create '%s'", cdir);
	r = record_store_lock(berth_store_root(s), &lock, err);
	if (r < 0)
		return r;
	sweep_leftovers(cdir, false);
	if (berth_image_resolve(s, image_id, &id, NULL, NULL, NULL) < 0)
		return berth_error_new(err, ENOENT, "image '%s' was removed while the container "
				       "was created", o->image);
	for (char **v = rec->volumes; v && *v; v++)
		if (!volume_exists(berth_store_root(s), *v))
			return berth_error_new(err, ENOENT, "volume '%s' was removed while the "
					       "container was created", *v);
	if (o->name && record_name_taken(berth_store_root(s), o->name, &other))
		return berth_error_new(err, EEXIST,
				       "Conflict. The container name \"/%s\" is already in use by "
				       "container \"%s\". You have to remove (or rename) that "
				       "container to be able to reuse that name.",
				       o->name, other ?: "");
	rec->name = o->name ? strdup(o->name) : unique_name(s);
	if (!rec->name)
		return berth_error_set(err, ENOMEM, "create");
	if ((r = mkdir_p(tmp, 0700)) < 0 || (r = mkdirat_p(tmp, "rootfs", 0755)) < 0 ||
	    (r = mkdirat_p(tmp, "upper", 0755)) < 0 || (r = mkdirat_p(tmp, "work", 0700)) < 0) {
		(void)rm_rf(tmp);
		return berth_error_set(err, -r, "create '%s'", tmp);
	}
	r = record_write(tmp, rec, err);
	if (r >= 0 && rename(tmp, final) < 0)
		r = berth_error_set(err, errno, "rename '%s'", tmp);
	if (r < 0)
		(void)rm_rf(tmp);
	return r;
}

/* The record's ports: -p as given (canonical), and with -P every port the image
 * exposes that -p does not name, on a host port picked at start. */
static int ports_of(const struct berth_run_opts *o, const struct berth_image *img,
		    struct record *rec, const char *network, struct berth_error **err)
{
	_cleanup_strv_free_ char **specs = strv_copy(o->publish);
	int r;

	if (o->publish && !specs)
		return berth_error_set(err, ENOMEM, "publish ports");
	for (size_t k = 0; o->publish_all && k < strv_length(img->exposed) + strv_length(o->expose);
	     k++) {
		/* the image's EXPOSE, then --expose's */
		size_t ni = strv_length(img->exposed);
		char *const *e = k < ni ? &img->exposed[k] : &o->expose[k - ni];
		_cleanup_free_ char *spec = NULL;
		struct port_map want;
		bool named = false;

		if (port_parse(*e, &want, NULL) < 0)
			continue; /* a range or what berth does not publish */
		for (char **s2 = specs; s2 && *s2 && !named; s2++) {
			struct port_map pm;

			named = port_parse(*s2, &pm, NULL) == 0 && pm.ctr_port == want.ctr_port &&
				pm.udp == want.udp;
		}
		if (named)
			continue;
		spec = xasprintf("%u/%s", want.ctr_port, want.udp ? "udp" : "tcp");
		if (!spec || strv_extend(&specs, spec) < 0)
			return berth_error_set(err, ENOMEM, "publish port '%s'", *e);
	}
	for (char **pp = specs; pp && *pp; pp++) {
		struct port_map pm;
		char canon[48];

		if (startswith(rec->network, "container:") || streq(rec->network, "none") ||
		    streq(rec->network, "host"))
			return berth_error_new(err, EINVAL,
					       "conflicting options: port publishing and the network "
					       "mode %s",
					       network);
		r = port_parse(*pp, &pm, err);
		if (r < 0)
			return r;
		port_canon(&pm, canon, sizeof(canon));
		if (strv_extend(&rec->ports, canon) < 0)
			return berth_error_set(err, ENOMEM, "publish port '%s'", *pp);
	}
	return 0;
}

/* --log-driver and --log-opt as docker's json-file and local drivers take them (the file
 * is berth's log either way; local's defaults are docker's: 20m, 5 files) */
static int log_config(const struct berth_run_opts *o, struct record *rec,
		      struct berth_error **err)
{
	const char *driver = o->log_driver ? o->log_driver : "json-file";

	if (!streq(driver, "json-file") && !streq(driver, "local") && !streq(driver, "k8s-file") &&
	    !streq(driver, "none"))
		return berth_error_new(err, EINVAL,
				       "logging driver '%s' is not supported by berth (json-file, "
				       "local, k8s-file, none)",
				       driver);
	if (o->log_driver && !streq(driver, "json-file") && !(rec->log_driver = strdup(driver)))
		return berth_error_set(err, ENOMEM, "--log-driver");
	if (streq(driver, "local")) {
		rec->log_max_size = 20 << 20;
		rec->log_max_file = 5;
	}
	for (char **opt = o->log_opts; opt && *opt; opt++) {
		const char *eq = strchr(*opt, '=');
		const char *v = eq ? eq + 1 : "";
		int64_t n;

		if (streq(driver, "none"))
			return berth_error_new(err, EINVAL,
					       "unknown log opt '%s' for none log driver", *opt);
		if (startswith(*opt, "max-size=")) {
			if (parse_size(v, &n) < 0 || n <= 0)
				return berth_error_new(err, EINVAL, "invalid max-size '%s'", v);
			rec->log_max_size = n;
		} else if (startswith(*opt, "max-file=")) {
			if (parse_i64(v, &n) < 0 || n < 1 || n > LOG_ROTATED_MAX + 1)
				return berth_error_new(err, EINVAL,
						       "invalid max-file '%s': a number from 1 to %d",
						       v, LOG_ROTATED_MAX + 1);
			rec->log_max_file = (int)n;
		} else {
			_cleanup_free_ char *key = eq ? strndup(*opt, (size_t)(eq - *opt))
						      : strdup(*opt);

			return berth_error_new(err, EINVAL, "unknown log opt '%s' for %s log driver",
					       key ? key : *opt, driver);
		}
	}
	if (streq(driver, "json-file") && rec->log_max_file > 1 && rec->log_max_size == 0)
		return berth_error_new(err, EINVAL, "max-file cannot be set without max-size");
	return 0;
}

/* docker's healthcheck of a container: --no-healthcheck's ["NONE"], else the image's with
 * each --health-* that is set over it (as the daemon merges a container's config with its
 * image's) */
static int healthcheck_of(const struct berth_run_opts *o, const struct berth_image *img,
			  struct berth_healthcheck *ret, struct berth_error **err)
{
	const struct berth_healthcheck *u = &o->health, *i = &img->healthcheck;
	static const char *const names[] = {"Interval", "Timeout", "StartPeriod", "StartInterval"};
	const int64_t durations[] = {u->interval, u->timeout, u->start_period, u->start_interval};
	bool any = (u->test && u->test[0]) || u->retries;
	struct berth_healthcheck h = {0};

	for (size_t k = 0; k < ELEMENTSOF(durations); k++) {
		if (durations[k] < 0)
			return berth_error_new(err, EINVAL, "%s in Healthcheck cannot be negative",
					       names[k]);
		if (durations[k] > 0 && durations[k] < 1000000)
			return berth_error_new(
			    err, EINVAL, "%s in Healthcheck cannot be less than 1ms", names[k]);
		any = any || durations[k];
	}
	if (u->retries < 0)
		return berth_error_new(err, EINVAL, "Retries in Healthcheck cannot be negative");
	if (o->no_healthcheck) {
		if (any)
			return berth_error_new(
			    err, EINVAL, "--no-healthcheck conflicts with --health-* options");
		if (strv_extend(&h.test, "NONE") < 0)
			return berth_error_set(err, ENOMEM, "healthcheck");
		*ret = h;
		return 0;
	}
	h = (struct berth_healthcheck){
	    .interval = u->interval ? u->interval : i->interval,
	    .timeout = u->timeout ? u->timeout : i->timeout,
	    .start_period = u->start_period ? u->start_period : i->start_period,
	    .start_interval = u->start_interval ? u->start_interval : i->start_interval,
	    .retries = u->retries ? u->retries : i->retries,
	};
	if (u->test && u->test[0])
		h.test = strv_copy(u->test);
	else if (i->test && i->test[0])
		h.test = strv_copy(i->test);
	else if (!any)
		return 0;
	if (!h.test && ((u->test && u->test[0]) || (i->test && i->test[0])))
		return berth_error_set(err, ENOMEM, "healthcheck");
	*ret = h;
	return 0;
}

static int create_mounted(struct berth_engine *e, const struct berth_run_opts *o, char **ret_dir,
			  struct record *ret_rec, struct berth_error **err)
{
	struct berth_store *s = e->store;
	_cleanup_free_ char *cdir = record_containers_dir(berth_store_root(s)), *dir = NULL,
			    *rootfs = NULL, *upper = NULL, *work = NULL, *config = NULL,
			    *cgpath = NULL, *cfgpath = NULL;
	struct berth_image *img = NULL;
	struct record rec = { 0 };
	struct volume_mount *vols = NULL;
	size_t n_vols = 0;
	_cleanup_free_ char *netns_path = NULL, *init_path = NULL, *pidns_path = NULL,
			    *ipcns_path = NULL;
	const char *network = o->network ? o->network : NET_DEFAULT;
	uint8_t mac[6];
	char id[65], mac_str[18];
	bool mounted = false, published = false, systemd = false;
	int r;

	if (!cdir)
		return berth_error_set(err, ENOMEM, "create '%s'", o->image);
	r = berth_image_lookup(s, o->image, &img, err);
	if (r < 0) {
		if (r == -ENOENT)
			berth_error_new(err, ENOENT, "unable to find image '%s' locally", o->image);
		return r;
	}
	r = random_hex_id(id);
	if (r < 0) {
		r = berth_error_set(err, -r, "getrandom");
		goto out;
	}
	if (o->name) {
		r = validate_name(o->name, err);
		if (r < 0)
			goto out;
	}
	r = engine_validate_cpus(o->cpus, err);
	if (r < 0)
		goto out;
	dir = xasprintf("%s/%s", cdir, id);
	rootfs = xasprintf("%s/rootfs", dir);
	upper = xasprintf("%s/upper", dir);
	work = xasprintf("%s/work", dir);
	cfgpath = xasprintf("%s/config.json", dir);
	r = engine_cgroups_path(engine_cgroup_manager(e), o, id, &systemd, &cgpath, err);
	if (r < 0)
		goto out;
	if (!dir || !rootfs || !upper || !work || !cgpath || !cfgpath) {
		r = berth_error_set(err, ENOMEM, "create '%s'", o->image);
		goto out;
	}
	rec = (struct record){
		.id = strdup(id),
		.image = strdup(o->image),
		.image_id = strdup(img->id),
		.created = time(NULL),
		.state = BERTH_CTR_CREATED,
		.auto_remove = o->rm,
		.tty = o->tty,
		.open_stdin = o->interactive,
		.systemd_cgroup = systemd,
	};
	if (o->restart) {
		if (restart_policy_parse(o->restart, &rec.restart_policy, &rec.restart_max) < 0) {
			r = berth_error_new(err, EINVAL,
					    "invalid restart policy '%s': no, always, unless-stopped "
					    "or on-failure[:N]",
					    o->restart);
			goto fail;
		}
		if (o->rm && !streq(rec.restart_policy, "no")) {
			r = berth_error_new(err, EINVAL, "conflicting options: --restart and --rm");
			goto fail;
		}
	}
	if (o->stop_signal || img->stop_signal)
		rec.stop_signal = strdup(o->stop_signal ? o->stop_signal : img->stop_signal);
	rec.stop_timeout = o->stop_timeout_set ? o->stop_timeout : -1;
	r = log_config(o, &rec, err);
	if (r < 0)
		goto fail;
	r = healthcheck_of(o, img, &rec.healthcheck, err);
	if (r < 0)
		goto fail;
	/* the image's labels, then -l's over them (same key: the container's) */
	for (int pass = 0; pass < 2; pass++)
		for (char **l = pass ? o->labels : img->labels; l && *l; l++) {
			size_t klen = strcspn(*l, "=");
			char **have = rec.labels;

			while (have && *have && !(strncmp(*have, *l, klen) == 0 &&
						  ((*have)[klen] == '=' || !(*have)[klen])))
				have++;
			if (have && *have) {
				char *copy = strdup(*l);

				if (!copy) {
					r = berth_error_set(err, ENOMEM, "labels");
					goto fail;
				}
				free(*have);
				*have = copy;
			} else if (strv_extend(&rec.labels, *l) < 0) {
				r = berth_error_set(err, ENOMEM, "labels");
				goto fail;
			}
		}
	if (!rec.id || !rec.image || !rec.image_id) {
		r = berth_error_set(err, ENOMEM, "create '%s'", o->image);
		goto fail;
	}
	if (o->mac_address) {
		r = net_mac_parse(o->mac_address, mac, mac_str, err);
		if (r < 0)
			goto fail;
	}
	r = network_for(s, o, network, &rec.network, &netns_path, err);
	if (r < 0)
		goto fail;
	/* --pid, --ipc: what the record says (inspect's PidMode, IpcMode; who may join) */
	if (o->pid_container)
		r = ns_of_container(s, "pid", o->pid_container, &rec.pid_mode, &pidns_path, err);
	else if (o->host_pid && !(rec.pid_mode = strdup("host")))
		r = berth_error_set(err, ENOMEM, "--pid host");
	if (r < 0)
		goto fail;
	if (o->ipc_container)
		r = ns_of_container(s, "ipc", o->ipc_container, &rec.ipc_mode, &ipcns_path, err);
	else if ((o->host_ipc || o->ipc_shareable) &&
		 !(rec.ipc_mode = strdup(o->host_ipc ? "host" : "shareable")))
		r = berth_error_set(err, ENOMEM, "--ipc");
	if (r < 0)
		goto fail;
	if (own_network(&rec) && record_net_add(&rec, rec.network, o->ip, o->network_aliases) < 0) {
		r = berth_error_set(err, ENOMEM, "create '%s'", o->image);
		goto fail;
	}
	/* --mac-address: its interface on the network it is made on */
	if (o->mac_address && rec.n_nets > 0 && !(rec.nets[0].want_mac = strdup(mac_str))) {
		r = berth_error_set(err, ENOMEM, "create '%s'", o->image);
		goto fail;
	}
	r = ports_of(o, img, &rec, network, err);
	if (r < 0)
		goto fail;
	vols = calloc(strv_length(o->volumes) + 1, sizeof(*vols));
	if (!vols) {
		r = berth_error_set(err, ENOMEM, "create '%s': volumes", o->image);
		goto fail;
	}
	for (char **v = o->volumes; v && *v; v++) {
		r = volume_resolve(berth_store_root(s), *v, &vols[n_vols], err);
		if (r < 0)
			goto fail;
		if (vols[n_vols].name && strv_extend(&rec.volumes, vols[n_vols].name) < 0) {
			n_vols++;
			r = berth_error_set(err, ENOMEM, "create '%s': volume '%s'", o->image,
					    vols[n_vols - 1].name);
			goto fail;
		}
		n_vols++;
	}
	r = publish(s, o, img->id, cdir, &rec, err);
	if (r < 0)
		goto fail;
	published = true;

	r = overlay_mount(img->layer_dirs, upper, work, rootfs, false, err);
	if (r < 0)
		goto fail;
	mounted = true;
	/* a new volume starts with what the image has at its path, as docker's do */
	for (size_t i = 0; i < n_vols; i++) {
		r = volume_copy_up(rootfs, &vols[i], err);
		if (r < 0)
			goto fail;
	}
	if (o->init) {
		/* docker's --init: berth's own init, beside berth or in its libexec dir */
		init_path = berth_helper_path("berth-init");
		if (!init_path) {
			r = berth_error_set(err, ENOMEM, "--init");
			goto fail;
		}
		if (access(init_path, X_OK) < 0) {
			r = berth_error_set(err, errno, "--init: the init '%s'", init_path);
			goto fail;
		}
	}
	{
		struct ocigen_input in = {
			.opts = o,
			.init_path = init_path,
			.image = img,
			.id = id,
			.rootfs = rootfs,
			.ctr_dir = dir,
			.cgroups_path = cgpath,
			.volumes = vols,
			.n_volumes = n_vols,
			.host_network = streq(rec.network, "host"),
			.netns_path = netns_path,
			.pidns_path = pidns_path,
			.ipcns_path = ipcns_path,
			.dns = !netns_path && !streq(rec.network, "host") &&
			       !streq(rec.network, "none"),
		};

		r = ocigen_config(&in, &config, &rec.args, err);
		if (r < 0)
			goto fail;
	}
	r = write_file_atomic(cfgpath, config, strlen(config), 0600);
	if (r < 0) {
		r = berth_error_set(err, -r, "write '%s'", cfgpath);
		goto fail;
	}
	r = record_write(dir, &rec, err);
	if (r < 0)
		goto fail;
	(void)record_event(berth_store_root(s), &rec, "create", NULL, 0);
	*ret_dir = TAKE_PTR(dir);
	*ret_rec = rec;
	rec = (struct record){ 0 };
	goto out;
fail:
	if (mounted)
		(void)overlay_umount(rootfs, NULL);
	if (published)
		(void)record_remove_dir(dir);
	/* volumes made for this container only */
	for (size_t i = 0; i < n_vols; i++)
		if (vols[i].anonymous)
			(void)volume_delete(berth_store_root(s), vols[i].name, NULL);
out:
	for (size_t i = 0; i < n_vols; i++)
		volume_mount_clear(&vols[i]);
	free(vols);
	record_clear(&rec);
	berth_image_free(img);
	return r;
}

int berth_engine_create(struct berth_engine *e, const struct berth_run_opts *o, char **ret_id,
			struct berth_error **err)
{
	_cleanup_free_ char *dir = NULL, *rootfs = NULL;
	struct record rec;
	int r;

	r = create_mounted(e, o, &dir, &rec, err);
	if (r < 0)
		return r;
	/* mounted again by start */
	rootfs = xasprintf("%s/rootfs", dir);
	if (rootfs)
		(void)overlay_umount(rootfs, NULL);
	*ret_id = TAKE_PTR(rec.id);
	record_clear(&rec);
	return 0;
}

struct proxy_ctx {
	const char *rtroot, *id;
};

/* sig-proxy: what the user sends the CLI goes to the container */
static int proxy_signal(int sig, void *userdata)
{
	struct proxy_ctx *p = userdata;

	return berth_container_kill(p->rtroot, p->id, sig, false, NULL);
}

/* The container ended while we relayed (or the relay broke): its status as the monitor
 * recorded it, once the monitor is done. */
static int final_status(const char *dir, pid_t monitor, int *ret_status)
{
	struct record rec;

	if (monitor > 0)
		while (waitpid(monitor, NULL, 0) < 0 && errno == EINTR)
			;
	if (record_read(dir, &rec, NULL) < 0)
		return -ENOENT;
	*ret_status = rec.exit_code;
	record_clear(&rec);
	return 0;
}

/* The user stops it: its monitor must not restart it (--restart). */
static void mark_manual_stop(const char *dir)
{
	_cleanup_free_ char *p = xasprintf("%s/" MANUAL_STOP, dir);
	int fd = p ? open(p, O_WRONLY | O_CREAT | O_CLOEXEC, 0600) : -1;

	if (fd >= 0)
		close(fd);
}

/* docker's kill event: the signal by its number. Logged before the signal is sent, so
 * that it comes before the die it may cause (which the monitor logs). */
static void event_kill(const char *store_root, const struct record *r, int sig)
{
	char num[16];
	struct berth_event_attr a[] = {{"signal", num}};

	snprintf(num, sizeof(num), "%d", sig);
	(void)record_event(store_root, r, "kill", a, ELEMENTSOF(a));
}

/* A paused container's processes take no signal until they are thawed: stop and rm -f
 * resume it first, as docker does. */
static void thaw_if_paused(const char *rtroot, const char *id)
{
	struct berth_state st;

	if (berth_container_state(rtroot, id, &st, NULL) < 0)
		return;
	if (st.status == BERTH_STATUS_PAUSED)
		(void)berth_container_resume(rtroot, id, NULL);
	berth_state_clear(&st);
}

static int init_pidfd(const struct record *r, int *ret_fd)
{
	int fd;

	if (r->pid <= 0)
		return -ESRCH;
	fd = (int)syscall(SYS_pidfd_open, r->pid, 0);
	if (fd < 0)
		return -errno;
	if (!record_pid_alive(r->pid, r->pid_start)) {
		close(fd);
		return -ESRCH;
	}
	*ret_fd = fd;
	return 0;
}

/* The address and published ports of a run whose monitor did not give them back */
static void release_network(struct berth_store *s, const struct record *r)
{
	_cleanup_free_ struct port_map *pm = NULL;
	size_t n = 0;

	if (!own_network(r))
		return;
	char *const *ports = r->published ?: r->ports;

	pm = calloc(strv_length((char **)ports) + 1, sizeof(*pm));
	for (char *const *p = ports; pm && p && *p; p++)
		if (port_parse(*p, &pm[n], NULL) == 0)
			n++;
	if (pm)
		ports_unpublish(pm, n);
	for (size_t i = 0; i < r->n_nets; i++) {
		struct net_config net = {0};
		struct in_addr a;

		if (r->nets[i].ip && inet_pton(AF_INET, r->nets[i].ip, &a) == 1 &&
		    network_load(berth_store_root(s), r->nets[i].name, &net, NULL) == 0)
			network_detach(berth_store_root(s), &net, r->id, a.s_addr, 0, NULL);
		net_config_clear(&net);
	}
}

/* What a container's monitor does at the end of a run, for a container whose monitor
 * was killed (the OOM killer, kill -9) and whose init has ended since: the runtime's
 * container deleted (what still runs in it killed, its cgroup removed), its address and
 * published ports given back, its rootfs unmounted, and the record ended with code (or,
 * with --rm, removed). Nothing when a monitor still owns it. c->rec is updated. */
static void reap(struct berth_store *s, struct ctr *c, int code)
{
	_cleanup_free_ char *rootfs = xasprintf("%s/rootfs", c->dir),
			    *sock = xasprintf("%s/" MON_ATTACH_SOCKET, c->dir);
	_cleanup_close_ int lock = -EBADF;
	struct record r;

	if (!rootfs || !sock || record_lock(c->dir, &lock) < 0)
		return;
	if (record_read(c->dir, &r, NULL) < 0)
		return;
	if (!r.orphaned) {
		record_clear(&r);
		return;
	}
	(void)berth_container_delete(c->rtroot, r.id, true, NULL);
	release_network(s, &r);
	(void)overlay_umount(rootfs, NULL);
	(void)unlink(sock);
	if (r.auto_remove) {
		(void)record_remove_dir(c->dir);
		volume_delete_anonymous(berth_store_root(s), r.volumes);
		(void)record_event(berth_store_root(s), &r, "destroy", NULL, 0);
	} else {
		free(r.ip);
		r.ip = NULL;
		for (size_t i = 0; i < r.n_nets; i++) {
			free(r.nets[i].ip);
			free(r.nets[i].mac);
			free(r.nets[i].ifname);
			r.nets[i].ip = r.nets[i].mac = r.nets[i].ifname = NULL;
		}
		r.pid = r.monitor_pid = 0;
		r.pid_start = r.monitor_start = 0;
		r.exit_code = code;
		r.finished = time(NULL);
		r.restarting = false;
		(void)record_write(c->dir, &r, NULL);
	}
	r.orphaned = false;
	record_clear(&c->rec);
	c->rec = r;
}

/* Wait until the container's run has ended, at most timeout_ms (-1: for ever): its
 * monitor finished (the record is final) or, when its monitor was killed, its init
 * exited (reap() then does the monitor's part). 0 when it has, -ETIMEDOUT when not. */
static int wait_monitor(const struct record *rec, int timeout_ms)
{
	_cleanup_close_ int pfd = -EBADF;
	struct pollfd p;

	if (record_monitor_pidfd(rec, &pfd) < 0 && init_pidfd(rec, &pfd) < 0)
		return 0;
	p = (struct pollfd){ .fd = pfd, .events = POLLIN };
	for (;;) {
		int k = poll(&p, 1, timeout_ms);

		if (k < 0 && errno == EINTR)
			continue;
		return k == 0 ? -ETIMEDOUT : 0;
	}
}

/* io's detach keys (docker's default when it names none) as bytes */
static int detach_keys_of(const struct berth_stdio *io, char keys[BERTH_DETACH_KEYS_MAX],
			  size_t *ret_n, struct berth_error **err)
{
	const char *k =
	    io && io->detach_keys && *io->detach_keys ? io->detach_keys : "ctrl-p,ctrl-q";

	return berth_detach_keys_parse(k, keys, ret_n, err);
}

/* Relay the caller's io to the container's monitor on sock until the container exits
 * (*ret_status, 0 returned) or we detach (1 returned, *ret_status 0). monitor > 0: the
 * monitor is our child (start), reaped here. */
static int relay(int sock, const struct ctr *c, pid_t monitor, bool no_stdin,
		 const struct berth_stdio *io, int *ret_status, struct berth_error **err)
{
	struct proxy_ctx pc = { .rtroot = c->rtroot, .id = c->rec.id };
	bool send_stdin = c->rec.open_stdin && !no_stdin && io->in >= 0;
	char keys[BERTH_DETACH_KEYS_MAX];
	size_t n_keys = 0;
	struct attach_opts ao = {
	    .in = io->in,
	    .out = io->out,
	    .err = io->err,
	    .send_stdin = send_stdin,
	    .tty = c->rec.tty,
	    .detach_keys = keys,
	    .multiplex = io->multiplex && !c->rec.tty,
	    .signal = io->no_signals ? NULL : proxy_signal,
	    .userdata = &pc,
	};
	int r;

	/* the callers checked them before they started anything */
	if (c->rec.tty && send_stdin && detach_keys_of(io, keys, &n_keys, NULL) == 0)
		ao.n_detach_keys = n_keys;
	r = attach_relay(sock, &ao, ret_status, err);
	if (r == 1) {
		/* detached: the container runs on */
		*ret_status = 0;
		return 1;
	}
	if (r == -EPIPE) {
		/* no MON_EXIT: the record says how it ended, once the monitor is done */
		if (err && *err)
			*err = berth_error_free(*err);
		if (monitor <= 0)
			(void)wait_monitor(&c->rec, 10000);
		if (final_status(c->dir, monitor, ret_status) < 0)
			return berth_error_new(err, EPIPE, "the monitor of %.12s went away",
					       c->rec.id);
		return 0;
	}
	if (r < 0)
		return r;
	if (monitor > 0)
		while (waitpid(monitor, NULL, 0) < 0 && errno == EINTR)
			;
	return 0;
}

/* Start the container of dir under a new monitor. The overlay is mounted first unless
 * the caller did. With attach (the caller's io), relay it until the container exits
 * (*ret_status); without (NULL), return once it runs. */
static int start_dir(struct berth_store *s, struct ctr *c, bool mounted,
		     const struct berth_stdio *attach, int *ret_status, struct berth_error **err)
{
	const char *dir = c->dir, *rtroot = c->rtroot;
	struct record *rec = &c->rec;
	_cleanup_free_ char *rootfs = xasprintf("%s/rootfs", dir), *upper = xasprintf("%s/upper", dir),
			    *work = xasprintf("%s/work", dir);
	_cleanup_close_ int sock = -EBADF;
	struct berth_image *img = NULL;
	int sv[2] = { -1, -1 };
	pid_t monitor = 0;
	int r;

	if (!rootfs || !upper || !work)
		return berth_error_set(err, ENOMEM, "start container %.12s", rec->id);
	if (!mounted) {
		r = berth_image_lookup(s, rec->image_id, &img, err);
		if (r < 0)
			return berth_error_wrap(err, "image %.19s of container %.12s", rec->image_id,
						rec->id);
		r = overlay_mount(img->layer_dirs, upper, work, rootfs, false, err);
		berth_image_free(img);
		if (r < 0)
			return r;
	}
	if (attach) {
		if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) {
			r = berth_error_set(err, errno, "socketpair");
			(void)overlay_umount(rootfs, NULL);
			return r;
		}
		sock = sv[0];
		/* docker's order: attach, then start (which the monitor logs) */
		(void)record_event(berth_store_root(s), rec, "attach", NULL, 0);
	}
	r = monitor_spawn(berth_store_root(s), rec->id, sv[1], &monitor, err);
	if (sv[1] >= 0)
		close(sv[1]);
	if (r == -ECHILD) {
		/* the monitor died before it could clean up: do it here */
		_cleanup_close_ int lock = -EBADF;

		(void)berth_container_delete(rtroot, rec->id, true, NULL);
		(void)overlay_umount(rootfs, NULL);
		if (record_lock(dir, &lock) == 0) {
			if (rec->auto_remove) {
				(void)record_remove_dir(dir);
				(void)record_event(berth_store_root(s), rec, "destroy", NULL, 0);
			} else {
				rec->state = BERTH_CTR_CREATED;
				rec->exit_code = 128;
				(void)record_write(dir, rec, NULL);
			}
		}
	}
	if (r < 0)
		return r;
	if (!attach)
		return 0;
	return relay(sock, c, monitor, false, attach, ret_status, err);
}

int berth_engine_run(struct berth_engine *e, const struct berth_run_opts *o,
		     const struct berth_stdio *io, char **ret_id, int *ret_status,
		     struct berth_error **err)
{
	struct berth_store *s = berth_engine_store(e);
	_cleanup_(ctr_release) struct ctr c = { 0 };
	int r;

	if (!o->detach && !io)
		return berth_error_new(err, EINVAL, "run in the foreground: no stdio to relay");
	if (!o->detach) {
		char keys[BERTH_DETACH_KEYS_MAX];
		size_t n;

		r = detach_keys_of(io, keys, &n, err);
		if (r < 0)
			return r;
	}
	c.rtroot = store_runtime_root(s);
	if (!c.rtroot)
		return berth_error_set(err, ENOMEM, "run '%s'", o->image);
	r = create_mounted(e, o, &c.dir, &c.rec, err);
	if (r < 0)
		return r;
	r = start_dir(s, &c, true, o->detach ? NULL : io, ret_status, err);
	if (r >= 0 && ret_id)
		*ret_id = TAKE_PTR(c.rec.id);
	return r;
}

int berth_engine_start(struct berth_engine *e, const char *key, const struct berth_stdio *attach,
		       int *ret_status, struct berth_error **err)
{
	struct berth_store *s = berth_engine_store(e);
	_cleanup_(ctr_release) struct ctr c = { 0 };
	_cleanup_free_ char *lockpath = NULL;
	_cleanup_close_ int lock = -EBADF;
	char keys[BERTH_DETACH_KEYS_MAX];
	size_t n;
	int r;

	if (attach) {
		r = detach_keys_of(attach, keys, &n, err);
		if (r < 0)
			return r;
	}
	r = ctr_find(berth_store_root(s), key, &c, err);
	if (r < 0)
		return r;
	/* one start at a time: a second one waits, then finds it running. (Not the
	 * directory's lock: the monitor takes that when a start fails.) */
	lockpath = xasprintf("%s/start.lock", c.dir);
	if (!lockpath)
		return berth_error_set(err, ENOMEM, "start '%s'", key);
	lock = open(lockpath, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (lock < 0 || flock(lock, LOCK_EX) < 0)
		return berth_error_set(err, errno, "lock '%s'", lockpath);
	record_clear(&c.rec);
	r = record_read(c.dir, &c.rec, NULL);
	if (r < 0)
		return berth_error_new(err, ENOENT, "no such container: %s", key);
	if (c.rec.orphaned)
		reap(s, &c, 255);
	if (c.rec.state == BERTH_CTR_RUNNING) {
		/* docker: starting a running container is no error */
		lock = safe_close_fd(lock);
		return attach ? berth_engine_attach(e, c.rec.id, false, attach, ret_status, err)
			      : 0;
	}
	/* a start by the user: the restart policy counts from here again */
	c.rec.restart_count = 0;
	{
		_cleanup_free_ char *marker = xasprintf("%s/" MANUAL_STOP, c.dir);

		if (marker)
			(void)unlink(marker);
	}
	r = record_write(c.dir, &c.rec, err);
	if (r < 0)
		return r;
	r = rejoin_namespaces(s, &c, err);
	if (r < 0)
		return r;
	return start_dir(s, &c, false, attach, ret_status, err);
}

int berth_engine_attach(struct berth_engine *e, const char *key, bool no_stdin,
			const struct berth_stdio *io, int *ret_status, struct berth_error **err)
{
	struct berth_store *s = berth_engine_store(e);
	_cleanup_(ctr_release) struct ctr c = { 0 };
	_cleanup_close_ int sock = -EBADF;
	char keys[BERTH_DETACH_KEYS_MAX];
	size_t n;
	int r;

	r = detach_keys_of(io, keys, &n, err);
	if (r < 0)
		return r;
	r = ctr_find(berth_store_root(s), key, &c, err);
	if (r < 0)
		return r;
	if (c.rec.state != BERTH_CTR_RUNNING)
		return berth_error_new(err, EINVAL,
				       "you cannot attach to a stopped container, start it first");
	r = monitor_connect(c.dir, &sock, err);
	if (r < 0)
		return r;
	(void)record_event(berth_store_root(s), &c.rec, "attach", NULL, 0);
	return relay(sock, &c, 0, no_stdin, io, ret_status, err);
}

/* A client of the container's next start: a socket of ours in its attach.d/ that its
 * monitor connects to before the container runs (connect_pending() in the monitor).
 * When it runs already — or starts between our look and our socket — the monitor's
 * attach socket instead. *ret_sock is the connection. */
static int attach_next_start(struct ctr *c, const char *key, int *ret_sock, struct berth_error **err)
{
	static unsigned counter;
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	_cleanup_close_ int dfd = -EBADF, l = -EBADF;
	char name[64];
	_cleanup_free_ char *pd = xasprintf("%s/" MON_PENDING_DIR, c->dir);

	if (!pd)
		return berth_error_set(err, ENOMEM, "attach to '%s'", key);
	if (mkdir(pd, 0700) < 0 && errno != EEXIST)
		return berth_error_set(err, errno, "attach to '%s': make '%s'", key, pd);
	dfd = open(pd, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return berth_error_set(err, errno, "attach to '%s'", key);
	snprintf(name, sizeof(name), "%d.%u", (int)getpid(), counter++);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "/proc/self/fd/%d/%s", dfd, name);
	l = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (l < 0 || bind(l, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(l, 1) < 0)
		return berth_error_set(err, errno, "attach to '%s'", key);
	for (;;) {
		struct pollfd p = { .fd = l, .events = POLLIN };
		int r = poll(&p, 1, 200);

		if (r < 0 && errno != EINTR) {
			r = berth_error_set(err, errno, "attach to '%s'", key);
			(void)unlinkat(dfd, name, 0);
			return r;
		}
		if (r <= 0) {
			/* nothing yet: is it still there, and not started behind our back? */
			record_clear(&c->rec);
			if (record_read(c->dir, &c->rec, NULL) < 0) {
				(void)unlinkat(dfd, name, 0);
				return berth_error_new(err, ENOENT, "no such container: %s", key);
			}
			if (c->rec.state != BERTH_CTR_RUNNING)
				continue;
			p.revents = 0;
			if (poll(&p, 1, 0) <= 0) {
				/* it started before the monitor could see us */
				(void)unlinkat(dfd, name, 0);
				return monitor_connect(c->dir, ret_sock, err);
			}
		}
		*ret_sock = accept4(l, NULL, NULL, SOCK_CLOEXEC);
		(void)unlinkat(dfd, name, 0);
		if (*ret_sock < 0)
			return berth_error_set(err, errno, "attach to '%s'", key);
		return 0;
	}
}

int berth_engine_attach_next(struct berth_engine *e, const char *key, bool no_stdin,
			     const struct berth_stdio *io, int *ret_status,
			     struct berth_error **err)
{
	struct berth_store *s = berth_engine_store(e);
	_cleanup_(ctr_release) struct ctr c = { 0 };
	_cleanup_close_ int sock = -EBADF;
	int r;

	r = ctr_find(berth_store_root(s), key, &c, err);
	if (r < 0)
		return r;
	if (c.rec.state == BERTH_CTR_RUNNING)
		r = monitor_connect(c.dir, &sock, err);
	else
		r = attach_next_start(&c, key, &sock, err);
	if (r < 0)
		return r;
	(void)record_event(berth_store_root(s), &c.rec, "attach", NULL, 0);
	return relay(sock, &c, 0, no_stdin, io, ret_status, err);
}

int berth_engine_wait_condition(struct berth_engine *e, const char *key,
				enum berth_wait_condition cond, int *ret_code,
				struct berth_error **err)
{
	static const struct berth_stdio none = { .in = -1, .out = -1, .err = -1,
						 .no_signals = true };
	struct berth_store *s = berth_engine_store(e);
	_cleanup_(ctr_release) struct ctr c = { 0 };
	int r;

	if (cond == BERTH_WAIT_NOT_RUNNING)
		return berth_engine_wait(e, key, ret_code, err);
	r = ctr_find(berth_store_root(s), key, &c, err);
	if (r < 0)
		return r;
	if (cond == BERTH_WAIT_NEXT_EXIT || c.rec.state != BERTH_CTR_EXITED) {
		r = berth_engine_attach_next(e, c.rec.id, true, &none, ret_code, err);
		if (r < 0)
			return r;
	} else {
		*ret_code = c.rec.exit_code;
	}
	if (cond != BERTH_WAIT_REMOVED)
		return 0;
	/* removed: by its monitor (--rm) before it says how it ended, or by someone */
	for (;;) {
		_cleanup_(ctr_release) struct ctr again = { 0 };

		if (ctr_find(berth_store_root(s), c.rec.id, &again, NULL) < 0)
			return 0;
		(void)poll(NULL, 0, 100);
	}
}

int berth_engine_resize(struct berth_engine *e, const char *key, unsigned rows, unsigned cols,
			struct berth_error **err)
{
	struct berth_store *s = berth_engine_store(e);
	_cleanup_(ctr_release) struct ctr c = { 0 };
	_cleanup_close_ int sock = -EBADF;
	char frame[5];
	uint16_t v[2] = { (uint16_t)rows, (uint16_t)cols };
	int r;

	r = ctr_find(berth_store_root(s), key, &c, err);
	if (r < 0)
		return r;
	if (c.rec.state != BERTH_CTR_RUNNING)
		return berth_error_new(err, EINVAL, "container %s is not running", key);
	if (!c.rec.tty)
		return 0; /* docker: no terminal, nothing to size */
	r = monitor_connect(c.dir, &sock, err);
	if (r < 0)
		return r;
	frame[0] = MON_RESIZE;
	memcpy(frame + 1, v, sizeof(v));
	if (send(sock, frame, sizeof(frame), MSG_NOSIGNAL) < 0)
		return berth_error_set(err, errno, "resize '%s'", key);
	return 0;
}

int berth_engine_kill(struct berth_engine *e, const char *key, int sig, struct berth_error **err)
{
	struct berth_store *s = berth_engine_store(e);
	_cleanup_(ctr_release) struct ctr c = { 0 };
	int r;

	r = ctr_find(berth_store_root(s), key, &c, err);
	if (r < 0)
		return r;
	if (c.rec.state != BERTH_CTR_RUNNING)
		return berth_error_new(err, EINVAL, "container %s is not running", key);
	mark_manual_stop(c.dir);
	event_kill(berth_store_root(s), &c.rec, sig);
	return berth_container_kill(c.rtroot, c.rec.id, sig, false, err);
}

int berth_engine_stop(struct berth_engine *e, const char *key, int timeout_s, const char *signal,
		      struct berth_error **err)
{
	struct berth_store *s = berth_engine_store(e);
	_cleanup_(ctr_release) struct ctr c = { 0 };
	const char *name;
	int sig = SIGTERM, r;
	bool orphan, stopped = false;

	r = ctr_find(berth_store_root(s), key, &c, err);
	if (r < 0)
		return r;
	name = signal ? signal : c.rec.stop_signal;
	if (name) {
		sig = berth_signal_parse(name);
		if (sig <= 0)
			return berth_error_new(err, EINVAL, "invalid stop signal '%s'", name);
	}
	if (c.rec.orphaned)
		reap(s, &c, 255);
	/* docker: stopping a container that does not run is no error */
	if (c.rec.state != BERTH_CTR_RUNNING)
		return 0;
	if (timeout_s < 0)
		timeout_s = c.rec.stop_timeout >= 0 ? c.rec.stop_timeout : 10;
	mark_manual_stop(c.dir);
	if (c.rec.restarting) {
		/* between two runs: its monitor sees the mark and ends */
		(void)wait_monitor(&c.rec, -1);
		return 0;
	}
	/* its monitor killed: the init is waited for here, and what the monitor would
	 * have done at the end is done here (the code as the signal says: the init's
	 * status went to whoever inherited it) */
	orphan = !record_pid_alive(c.rec.monitor_pid, c.rec.monitor_start);
	thaw_if_paused(c.rtroot, c.rec.id);
	/* docker's events: kill (each signal), die (the monitor's), stop */
	if (timeout_s > 0) {
		event_kill(berth_store_root(s), &c.rec, sig);
		stopped = berth_container_kill(c.rtroot, c.rec.id, sig, false, NULL) >= 0 &&
			  wait_monitor(&c.rec, timeout_s * 1000) == 0;
	}
	if (!stopped) {
		sig = SIGKILL;
		event_kill(berth_store_root(s), &c.rec, SIGKILL);
		(void)berth_container_kill(c.rtroot, c.rec.id, SIGKILL, false, NULL);
		(void)wait_monitor(&c.rec, -1);
	}
	if (orphan)
		reap(s, &c, 128 + sig);
	(void)record_event(berth_store_root(s), &c.rec, "stop", NULL, 0);
	return 0;
}

int berth_engine_restart(struct berth_engine *e, const char *key, int timeout_s, const char *signal,
			 struct berth_error **err)
{
	struct berth_store *s = berth_engine_store(e);
	_cleanup_(ctr_release) struct ctr c = {0};
	int r, status;

	r = berth_engine_stop(e, key, timeout_s, signal, err);
	if (r < 0)
		return r;
	r = berth_engine_start(e, key, NULL, &status, err);
	if (r < 0)
		return r;
	if (ctr_find(berth_store_root(s), key, &c, NULL) == 0)
		(void)record_event(berth_store_root(s), &c.rec, "restart", NULL, 0);
	return 0;
}

int berth_engine_ports(struct berth_engine *e, const char *key, char ***ret,
		       struct berth_error **err)
{
	struct berth_store *s = berth_engine_store(e);
	_cleanup_(ctr_release) struct ctr c = { 0 };
	_cleanup_strv_free_ char **l = calloc(1, sizeof(char *));
	int r;

	if (!l)
		return berth_error_set(err, ENOMEM, "port");
	r = ctr_find(berth_store_root(s), key, &c, err);
	if (r < 0)
		return r;
	for (char **p = c.rec.state == BERTH_CTR_RUNNING ? c.rec.published : NULL; p && *p; p++) {
		_cleanup_free_ char *line = NULL;
		struct port_map pm;
		char ip[16];

		if (port_parse(*p, &pm, NULL) < 0)
			continue;
		line = xasprintf("%u/%s\t%s:%u", pm.ctr_port, pm.udp ? "udp" : "tcp",
				 ip_string(pm.host_ip, ip), pm.host_port);
		if (!line || strv_extend(&l, line) < 0)
			return berth_error_set(err, ENOMEM, "port");
	}
	*ret = TAKE_PTR(l);
	return 0;
}

int berth_engine_wait(struct berth_engine *e, const char *key, int *ret_code,
		      struct berth_error **err)
{
	struct berth_store *s = berth_engine_store(e);
	_cleanup_(ctr_release) struct ctr c = { 0 };
	int r;

	r = ctr_find(berth_store_root(s), key, &c, err);
	if (r < 0)
		return r;
	if (c.rec.state == BERTH_CTR_RUNNING) {
		(void)wait_monitor(&c.rec, -1);
		record_clear(&c.rec);
		if (record_read(c.dir, &c.rec, NULL) < 0) {
			/* --rm: gone with its record; docker reports the code it had, which
			 * is not known any more */
			*ret_code = 0;
			return 0;
		}
	}
	if (c.rec.orphaned)
		reap(s, &c, 255);
	*ret_code = c.rec.exit_code;
	return 0;
}

/* "0.0.0.0:8080->80/tcp, ..." of the record's "8080:80/tcp" entries */
static char *format_ports(char *const *ports)
{
	char *s = strdup("");

	for (char *const *p = ports; s && p && *p; p++) {
		struct port_map pm;
		char one[64], *more;

		if (port_parse(*p, &pm, NULL) < 0)
			continue;
		port_format(&pm, one, sizeof(one));
		more = xasprintf("%s%s%s", s, *s ? ", " : "", one);
		free(s);
		s = more;
	}
	return s;
}

static int cmp_created(const void *a, const void *b)
{
	const struct berth_ctr_info *x = *(struct berth_ctr_info *const *)a;
	const struct berth_ctr_info *y = *(struct berth_ctr_info *const *)b;

	return (y->created > x->created) - (y->created < x->created);
}

void berth_ctr_info_free(struct berth_ctr_info *c)
{
	free(c->id);
	free(c->name);
	free(c->image);
	free(c->image_id);
	free(c->command);
	free(c->ports);
	strv_free(c->volumes);
	free(c->network);
	strv_free(c->port_specs);
	strv_free(c->published);
	strv_free(c->labels);
	free(c);
}

void berth_ctr_info_list_free(struct berth_ctr_info **l, size_t n)
{
	for (size_t i = 0; l && i < n; i++)
		berth_ctr_info_free(l[i]);
	free(l);
}

struct list_ctx {
	bool all;
	const char *rtroot;
	struct berth_ctr_info **l;
	size_t n;
};

static int list_one(const char *dir, struct record *r, void *data)
{
	struct list_ctx *x = data;
	struct berth_ctr_info *c, **nl;

	if (!x->all && r->state != BERTH_CTR_RUNNING)
		return 0;
	nl = realloc(x->l, (x->n + 1) * sizeof(*x->l));
	if (!nl)
		return -ENOMEM;
	x->l = nl;
	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	*c = (struct berth_ctr_info){
		.id = TAKE_PTR(r->id),
		.name = TAKE_PTR(r->name),
		.image = TAKE_PTR(r->image),
		.image_id = TAKE_PTR(r->image_id),
		.command = strv_join(r->args, " "),
		.created = r->created,
		.started = r->started,
		.finished = r->finished,
		.state = r->state,
		.exit_code = r->exit_code,
		.pid = r->state == BERTH_CTR_RUNNING ? r->pid : 0,
		.restarting = r->state == BERTH_CTR_RUNNING && r->restarting,
	};
	c->ports = format_ports(r->state == BERTH_CTR_RUNNING ? r->published : NULL);
	c->volumes = r->volumes ? TAKE_PTR(r->volumes) : calloc(1, sizeof(char *));
	/* docker's Networks: every network it is on */
	c->network = own_network(r) ? record_nets_join(r) : TAKE_PTR(r->network);
	c->port_specs = TAKE_PTR(r->ports);
	c->labels = r->labels ? TAKE_PTR(r->labels) : calloc(1, sizeof(char *));
	if (r->state == BERTH_CTR_RUNNING)
		c->published = TAKE_PTR(r->published);
	if (record_has_healthcheck(r)) {
		struct health_state h;

		if (health_read(dir, &h) == 0) {
			c->health = h.status;
			health_state_clear(&h);
		}
	}
	if (!c->volumes || !c->labels) {
		berth_ctr_info_free(c);
		return -ENOMEM;
	}
	if (r->state == BERTH_CTR_RUNNING && x->rtroot) {
		struct berth_state st;

		if (berth_container_state(x->rtroot, c->id, &st, NULL) == 0) {
			c->paused = st.status == BERTH_STATUS_PAUSED;
			berth_state_clear(&st);
		}
	}
	x->l[x->n++] = c;
	return 0;
}

int berth_engine_list(struct berth_engine *e, bool all, struct berth_ctr_info ***ret, size_t *ret_n,
		      struct berth_error **err)
{
	struct berth_store *s = berth_engine_store(e);
	_cleanup_free_ char *rtroot = store_runtime_root(s);
	struct list_ctx x = { .all = all, .rtroot = rtroot };
	int r;

	r = record_each(berth_store_root(s), list_one, &x, err);
	if (r < 0) {
		berth_ctr_info_list_free(x.l, x.n);
		return r;
	}
	if (x.n)
		qsort(x.l, x.n, sizeof(*x.l), cmp_created);
	else if (!(x.l = calloc(1, sizeof(*x.l))))
		return berth_error_set(err, ENOMEM, "list containers");
	*ret = x.l;
	*ret_n = x.n;
	return 0;
}

int berth_engine_remove(struct berth_engine *e, const char *key, bool force, bool volumes,
			struct berth_error **err)
{
	struct berth_store *s = berth_engine_store(e);
	_cleanup_(ctr_release) struct ctr c = { 0 };
	_cleanup_close_ int lock = -EBADF;
	int r;

	r = ctr_find(berth_store_root(s), key, &c, err);
	if (r < 0)
		return r;
	if (c.rec.state == BERTH_CTR_RUNNING && !force)
		return berth_error_new(err, EBUSY,
				       "cannot remove running container %.12s: stop it first or use "
				       "--force",
				       c.rec.id);
	if (c.rec.state == BERTH_CTR_RUNNING) {
		/* killed; its monitor records the end and unmounts, and takes the lock for
		 * that: wait for it before taking the lock ourselves */
		mark_manual_stop(c.dir);
		thaw_if_paused(c.rtroot, c.rec.id);
		event_kill(berth_store_root(s), &c.rec, SIGKILL);
		(void)berth_container_kill(c.rtroot, c.rec.id, SIGKILL, false, NULL);
		(void)wait_monitor(&c.rec, 10000);
	}
	r = record_lock(c.dir, &lock);
	if (r < 0)
		/* --rm: the monitor removed it */
		return c.rec.auto_remove ? 0
					 : berth_error_new(err, ENOENT, "no such container: %s", key);
	/* the runtime kills what still runs, waits for it, and removes its cgroup */
	r = berth_container_delete(c.rtroot, c.rec.id, true, err);
	/* a run whose monitor was killed: its address and ports are given back here */
	{
		struct record now;

		if (record_read(c.dir, &now, NULL) == 0) {
			if (now.orphaned ||
			    (now.state == BERTH_CTR_RUNNING &&
			     !record_pid_alive(now.monitor_pid, now.monitor_start)))
				release_network(s, &now);
			record_clear(&now);
		}
	}
	if (r < 0 && r != -ENOENT)
		return r;
	if (err && *err && r == -ENOENT)
		*err = berth_error_free(*err);
	r = remove_files(c.dir, err);
	if (r >= 0 && volumes)
		volume_delete_anonymous(berth_store_root(s), c.rec.volumes);
	if (r >= 0) {
		image_release_held(e, c.rec.image_id);
		(void)record_event(berth_store_root(s), &c.rec, "destroy", NULL, 0);
	}
	return r;
}

int berth_engine_prune(struct berth_engine *e, char ***ret_removed, struct berth_error **err)
{
	struct berth_store *s = berth_engine_store(e);
	_cleanup_free_ char *cdir = record_containers_dir(berth_store_root(s));
	struct berth_ctr_info **l = NULL;
	_cleanup_strv_free_ char **removed = NULL;
	size_t n = 0;
	int r;

	if (!cdir)
		return berth_error_set(err, ENOMEM, "prune containers");
	{
		_cleanup_close_ int lock = -EBADF;

		r = record_store_lock(berth_store_root(s), &lock, err);
		if (r < 0)
			return r;
		sweep_leftovers(cdir, true);
	}

	r = berth_engine_list(e, true, &l, &n, err);
	if (r < 0)
		return r;
	for (size_t i = 0; i < n; i++) {
		/* docker: every container that does not run */
		if (l[i]->state == BERTH_CTR_RUNNING)
			continue;
		if (berth_engine_remove(e, l[i]->id, false, false, NULL) == 0 &&
		    strv_extend(&removed, l[i]->id) < 0) {
			berth_ctr_info_list_free(l, n);
			return berth_error_set(err, ENOMEM, "prune containers");
		}
	}
	berth_ctr_info_list_free(l, n);
	if (!removed && !(removed = calloc(1, sizeof(char *))))
		return berth_error_set(err, ENOMEM, "prune containers");
	*ret_removed = TAKE_PTR(removed);
	return 0;
}

int berth_engine_rename(struct berth_engine *e, const char *key, const char *new_name,
			struct berth_error **err)
{
	struct berth_store *s = berth_engine_store(e);
	_cleanup_free_ char *dir = NULL, *other = NULL, *path = NULL;
	_cleanup_(record_clear) struct record rec = { 0 };
	_cleanup_close_ int lock = -EBADF;
	int r;

	r = validate_name(new_name, err);
	if (r < 0)
		return r;
	/* under the containers lock: a name belongs to one container, as at create */
	r = record_store_lock(berth_store_root(s), &lock, err);
	if (r < 0)
		return r;
	r = record_find(berth_store_root(s), key, &dir, &rec, err);
	if (r < 0)
		return r;
	if (streq(rec.name, new_name))
		return berth_error_new(err, EINVAL, "Renaming a container with the same name as its "
				       "current name");
	if (record_name_taken(berth_store_root(s), new_name, &other))
		return berth_error_new(err, EEXIST,
				       "Conflict. The container name \"/%s\" is already in use by "
				       "container \"%s\". You have to remove (or rename) that "
				       "container to be able to reuse that name.",
				       new_name, other ?: "");
	path = xasprintf("%s/" RECORD_NAME_FILE, dir);
	if (!path)
		return berth_error_set(err, ENOMEM, "rename '%s'", key);
	r = write_file_atomic(path, new_name, strlen(new_name), 0600);
	if (r < 0)
		return berth_error_set(err, -r, "rename '%s': write '%s'", key, path);
	{
		/* docker's oldName keeps its slash */
		_cleanup_free_ char *old = xasprintf("/%s", rec.name);
		struct berth_event_attr a[] = {{"oldName", old}};

		free(rec.name);
		rec.name = strdup(new_name);
		(void)record_event(berth_store_root(s), &rec, "rename", a, ELEMENTSOF(a));
	}
	return 0;
}
