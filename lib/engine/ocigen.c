/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "berth/cleanup.h"
#include "berth/runtime.h"
#include "berth/net.h"
#include "ocigen.h"
#include "berth/util.h"

/* docker's default capability set */
static const char *const default_caps[] = {
	"CAP_CHOWN",  "CAP_DAC_OVERRIDE", "CAP_FSETID",           "CAP_FOWNER",
	"CAP_MKNOD",  "CAP_NET_RAW",      "CAP_SETGID",           "CAP_SETUID",
	"CAP_SETFCAP", "CAP_SETPCAP",     "CAP_NET_BIND_SERVICE", "CAP_SYS_CHROOT",
	"CAP_KILL",   "CAP_AUDIT_WRITE",  NULL,
};

static const char *const masked_paths[] = {
	"/proc/asound",     "/proc/acpi",        "/proc/kcore",        "/proc/keys",
	"/proc/latency_stats", "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug",
	"/proc/scsi",       "/sys/firmware",     "/sys/devices/virtual/powercap", NULL,
};

static const char *const readonly_paths[] = {
	"/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger", NULL,
};

/* docker's default device cgroup rules: deny all, then these */
static const struct {
	const char *type;
	int major, minor;
	const char *access;
} default_dev_rules[] = {
	{ "c", -1, -1, "m" },  { "b", -1, -1, "m" },  { "c", 1, 3, "rwm" },
	{ "c", 1, 5, "rwm" },  { "c", 1, 7, "rwm" },  { "c", 1, 8, "rwm" },
	{ "c", 1, 9, "rwm" },  { "c", 5, 0, "rwm" },  { "c", 5, 1, "rwm" },
	{ "c", 5, 2, "rwm" },  { "c", 136, -1, "rwm" }, { "c", 10, 200, "rwm" },
};

static json_t *strv_json(const char *const *l)
{
	json_t *a = json_array();

	for (; l && *l; l++)
		json_array_append_new(a, json_string(*l));
	return a;
}

static json_t *mount_json(const char *dest, const char *type, const char *src, const char *opts)
{
	json_t *m = json_object(), *o = json_array();
	_cleanup_free_ char *copy = strdup(opts);
	char *save = NULL;

	json_object_set_new(m, "destination", json_string(dest));
	json_object_set_new(m, "type", json_string(type));
	json_object_set_new(m, "source", json_string(src));
	for (char *t = copy ? strtok_r(copy, ",", &save) : NULL; t; t = strtok_r(NULL, ",", &save))
		json_array_append_new(o, json_string(t));
	json_object_set_new(m, "options", o);
	return m;
}

static size_t depth(json_t *m)
{
	const char *d = json_string_value(json_object_get(m, "destination"));
	size_t n = 0;

	for (; d && *d; d++)
		n += *d == '/';
	return n;
}

/* Mounts in order of their destination's depth, else as given (a stable insertion
 * sort), as docker orders them: a volume at /etc comes before the /etc/hosts bind that
 * goes on top of it. */
static void sort_by_depth(json_t *mounts)
{
	size_t n = json_array_size(mounts);

	for (size_t i = 1; i < n; i++) {
		json_t *m = json_incref(json_array_get(mounts, i));
		size_t j = i, dm = depth(m);

		while (j > 0 && depth(json_array_get(mounts, j - 1)) > dm)
			j--;
		if (j != i) {
			json_array_remove(mounts, i);
			json_array_insert(mounts, j, m);
		}
		json_decref(m);
	}
}

/* Look `name` up in the rootfs' /etc/passwd or /etc/group: field 3 is the id, 4 the gid. */
static int lookup_db(const char *rootfs, const char *db, const char *name, uint32_t *ret_id,
		     uint32_t *ret_gid)
{
	_cleanup_free_ char *path = xasprintf("/etc/%s", db), *text = NULL;
	char *save = NULL;

	if (!path)
		return -ENOMEM;
	/* the image's file as the container sees it: a symlink in the image cannot make
	 * this read the host's */
	if (read_file_in_root(rootfs, path, &text, NULL) < 0)
		return -ENOENT;
	for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *f[5] = { 0 };
		int n = 0;

		for (char *p = line; n < 5; n++) {
			f[n] = p;
			p = strchr(p, ':');
			if (!p)
				break;
			*p++ = 0;
		}
		if (n < 2 || !streq(f[0], name))
			continue;
		uint64_t v;
		if (parse_u64(f[2], &v) < 0 || v > UINT32_MAX)
			return -EINVAL;
		*ret_id = (uint32_t)v;
		if (ret_gid && n >= 3 && parse_u64(f[3], &v) == 0 && v <= UINT32_MAX)
			*ret_gid = (uint32_t)v;
		return 0;
	}
	return -ENOENT;
}

int ocigen_parse_user(const char *rootfs, const char *spec, uint32_t *uid, uint32_t *gid,
		      struct berth_error **err)
{
	_cleanup_free_ char *u = strdup(spec);
	char *g;
	uint64_t v;

	if (!u)
		return berth_error_set(err, ENOMEM, "user '%s'", spec);
	g = strchr(u, ':');
	if (g)
		*g++ = 0;
	*uid = 0;
	*gid = 0;
	if (parse_u64(u, &v) == 0 && v <= UINT32_MAX) {
		*uid = (uint32_t)v;
		(void)0;
	} else if (lookup_db(rootfs, "passwd", u, uid, gid) < 0) {
		return berth_error_new(err, EINVAL, "unable to find user %s: no matching entries in "
						    "passwd file",
				       u);
	}
	if (g) {
		if (parse_u64(g, &v) == 0 && v <= UINT32_MAX)
			*gid = (uint32_t)v;
		else if (lookup_db(rootfs, "group", g, gid, NULL) < 0)
			return berth_error_new(err, EINVAL,
					       "unable to find group %s: no matching entries in group "
					       "file",
					       g);
	}
	return 0;
}

static void env_set(char ***env, const char *kv)
{
	const char *eq = strchr(kv, '=');
	size_t klen = eq ? (size_t)(eq - kv) : strlen(kv);

	for (char **e = *env; e && *e; e++) {
		if (strncmp(*e, kv, klen) == 0 && ((*e)[klen] == '=' || (*e)[klen] == 0)) {
			char *n = strdup(kv);

			if (n) {
				free(*e);
				*e = n;
			}
			return;
		}
	}
	(void)strv_extend(env, kv);
}

static bool env_has(char **env, const char *key)
{
	size_t l = strlen(key);

	for (char **e = env; e && *e; e++)
		if (strncmp(*e, key, l) == 0 && (*e)[l] == '=')
			return true;
	return false;
}

/* --cap-add/--cap-drop on docker's set: drops first ("ALL": none left), then adds ("ALL":
 * every capability berth knows); names with or without CAP_, any case. */
static int caps_of(const struct berth_run_opts *o, char ***ret, struct berth_error **err)
{
	_cleanup_strv_free_ char **caps = strv_copy((char *const *)default_caps);
	char *const *lists[2] = { o->cap_drop, o->cap_add };

	if (!caps)
		return berth_error_set(err, ENOMEM, "capabilities");
	for (int add = 0; add < 2; add++)
		for (char *const *c = lists[add]; c && *c; c++) {
			_cleanup_free_ char *name = NULL;
			int n;

			if (!strcasecmp(*c, "ALL")) {
				caps = strv_free(caps);
				caps = calloc(1, sizeof(char *));
				for (int k = 0; add && caps && k < 64; k++)
					if (berth_cap_to_name(k) &&
					    strv_extend(&caps, berth_cap_to_name(k)) < 0)
						caps = strv_free(caps);
				if (!caps)
					return berth_error_set(err, ENOMEM, "capabilities");
				continue;
			}
			name = strncasecmp(*c, "CAP_", 4) ? xasprintf("CAP_%s", *c) : strdup(*c);
			if (!name)
				return berth_error_set(err, ENOMEM, "capabilities");
			for (char *p = name; *p; p++)
				*p = (char)toupper((unsigned char)*p);
			n = berth_cap_from_name(name);
			if (n < 0)
				return berth_error_new(err, EINVAL, "invalid %s: unknown capability: \"%s\"",
						       add ? "CapAdd" : "CapDrop", name);
			if (add && !strv_contains(caps, name)) {
				if (strv_extend(&caps, name) < 0)
					return berth_error_set(err, ENOMEM, "capabilities");
			} else if (!add) {
				size_t w = 0;

				for (size_t k = 0; caps[k]; k++) {
					if (streq(caps[k], name))
						free(caps[k]);
					else
						caps[w++] = caps[k];
				}
				caps[w] = NULL;
			}
		}
	*ret = TAKE_PTR(caps);
	return 0;
}

/* --privileged: every capability the engine itself may pass on (its bounding set; a
 * host may withhold some from root, and asking for more fails the start) */
static int caps_bounding(char ***ret, struct berth_error **err)
{
	_cleanup_free_ char *status = NULL;
	_cleanup_strv_free_ char **caps = calloc(1, sizeof(char *));
	const char *bnd;
	uint64_t set;
	int r = read_full_file("/proc/self/status", &status, NULL);

	if (r < 0)
		return berth_error_set(err, -r, "read /proc/self/status");
	if (!caps)
		return berth_error_set(err, ENOMEM, "capabilities");
	bnd = strstr(status, "\nCapBnd:");
	if (!bnd || sscanf(bnd + strlen("\nCapBnd:"), "%" SCNx64, &set) != 1)
		return berth_error_new(err, EIO, "no CapBnd in /proc/self/status");
	for (int k = 0; k < 64; k++)
		if ((set >> k) & 1 && berth_cap_to_name(k) &&
		    strv_extend(&caps, berth_cap_to_name(k)) < 0)
			return berth_error_set(err, ENOMEM, "capabilities");
	*ret = TAKE_PTR(caps);
	return 0;
}

/* docker's --ulimit names */
static const struct {
	const char *name, *rlimit;
} ulimit_names[] = {
	{ "core", "RLIMIT_CORE" },       { "cpu", "RLIMIT_CPU" },         { "data", "RLIMIT_DATA" },
	{ "fsize", "RLIMIT_FSIZE" },     { "locks", "RLIMIT_LOCKS" },     { "memlock", "RLIMIT_MEMLOCK" },
	{ "msgqueue", "RLIMIT_MSGQUEUE" }, { "nice", "RLIMIT_NICE" },     { "nofile", "RLIMIT_NOFILE" },
	{ "nproc", "RLIMIT_NPROC" },     { "rss", "RLIMIT_RSS" },         { "rtprio", "RLIMIT_RTPRIO" },
	{ "rttime", "RLIMIT_RTTIME" },   { "sigpending", "RLIMIT_SIGPENDING" }, { "stack", "RLIMIT_STACK" },
};

/* "nofile=1024:2048" (one value: soft and hard) as an OCI rlimit */
static int ulimit_json(const char *spec, json_t **ret, struct berth_error **err)
{
	_cleanup_free_ char *copy = strdup(spec);
	char *eq, *colon;
	int64_t soft, hard;
	const char *type = NULL;
	json_t *l;

	if (!copy)
		return berth_error_set(err, ENOMEM, "--ulimit");
	eq = strchr(copy, '=');
	if (!eq)
		return berth_error_new(err, EINVAL, "invalid ulimit argument: %s", spec);
	*eq++ = 0;
	for (size_t i = 0; i < ELEMENTSOF(ulimit_names); i++)
		if (streq(copy, ulimit_names[i].name))
			type = ulimit_names[i].rlimit;
	if (!type)
		return berth_error_new(err, EINVAL, "invalid ulimit type: %s", copy);
	colon = strchr(eq, ':');
	if (colon)
		*colon++ = 0;
	if (parse_i64(eq, &soft) < 0 || (colon && parse_i64(colon, &hard) < 0) || soft < -1)
		return berth_error_new(err, EINVAL, "invalid ulimit argument: %s", spec);
	if (!colon)
		hard = soft;
	if (soft > hard && hard != -1)
		return berth_error_new(err, EINVAL,
				       "ulimit soft limit must be less than or equal to hard limit: "
				       "%" PRId64 " > %" PRId64,
				       soft, hard);
	l = json_object();
	json_object_set_new(l, "type", json_string(type));
	/* -1: unlimited */
	json_object_set_new(l, "soft", json_integer(soft < 0 ? -1 : soft));
	json_object_set_new(l, "hard", json_integer(hard < 0 ? -1 : hard));
	*ret = l;
	return 0;
}

int ocigen_config(const struct ocigen_input *in, char **ret, char ***ret_args,
		  struct berth_error **err)
{
	const struct berth_run_opts *o = in->opts;
	const struct berth_image *img = in->image;
	_cleanup_strv_free_ char **args = NULL, **env = NULL, **init_args = NULL;
	_cleanup_free_ char *hostname = NULL, *hn_path = NULL, *hosts_path = NULL,
			    *resolv_path = NULL;
	char **ep = o->entrypoint ? o->entrypoint : img->entrypoint;
	char **cmd = o->cmd ? o->cmd : img->cmd;
	_cleanup_strv_free_ char **cap_set = NULL;
	uint32_t uid = 0, gid = 0;
	json_t *root, *proc, *user, *caps, *linux_, *res, *mounts, *devs, *ns;
	_cleanup_(json_decrefp) json_t *rlimits = NULL, *gids = NULL;
	char *text;
	int r;

	/* an explicit entrypoint resets the image's cmd, as in docker */
	if (o->entrypoint && !o->cmd)
		cmd = NULL;
	for (char **a = ep; a && *a; a++)
		if (strv_extend(&args, *a) < 0)
			return berth_error_set(err, ENOMEM, "entrypoint");
	for (char **a = cmd; a && *a; a++)
		if (strv_extend(&args, *a) < 0)
			return berth_error_set(err, ENOMEM, "command");
	if (!args || !args[0])
		return berth_error_new(err, EINVAL, "no command specified");
	if (in->init_path) {
		/* docker's --init: its init as PID 1, the command its child */
		if (strv_extend(&init_args, OCIGEN_INIT_PATH) < 0 ||
		    strv_extend(&init_args, "--") < 0)
			return berth_error_set(err, ENOMEM, "--init");
		for (char **a = args; *a; a++)
			if (strv_extend(&init_args, *a) < 0)
				return berth_error_set(err, ENOMEM, "--init");
	}

	if (o->host_uts) {
		/* --uts host: the host's name, which the container cannot set */
		char host[256] = "";

		(void)gethostname(host, sizeof(host) - 1);
		hostname = strdup(host);
	} else {
		hostname = o->hostname ? strdup(o->hostname) : strndup(in->id, 12);
	}
	if (!hostname)
		return berth_error_set(err, ENOMEM, "hostname");

	for (char **e = img->env; e && *e; e++)
		env_set(&env, *e);
	if (!env_has(env, "PATH"))
		env_set(&env, "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
	{
		_cleanup_free_ char *h = xasprintf("HOSTNAME=%s", hostname);
		if (!h)
			return berth_error_set(err, ENOMEM, "hostname");
		env_set(&env, h);
	}
	if (o->tty)
		env_set(&env, "TERM=xterm");
	for (char **e = o->env; e && *e; e++)
		env_set(&env, *e);

	if (o->user || img->user) {
		const char *u = o->user ? o->user : img->user;

		if (*u) {
			r = ocigen_parse_user(in->rootfs, u, &uid, &gid, err);
			if (r < 0)
				return r;
		}
	} else {
		(void)lookup_db(in->rootfs, "passwd", "root", &uid, &gid);
		uid = 0;
		gid = 0;
	}

	if (o->privileged)
		r = caps_bounding(&cap_set, err);
	else
		r = caps_of(o, &cap_set, err);
	if (r < 0)
		return r;
	for (char **u = o->ulimits; u && *u; u++) {
		json_t *l = NULL;

		r = ulimit_json(*u, &l, err);
		if (r < 0)
			return r;
		if (!rlimits)
			rlimits = json_array();
		json_array_append_new(rlimits, l);
	}
	if (o->group_add) {
		gids = json_array();
		for (char **g = o->group_add; *g; g++) {
			uint64_t v;
			uint32_t id;

			if (parse_u64(*g, &v) == 0 && v <= UINT32_MAX) {
				id = (uint32_t)v;
			} else if (lookup_db(in->rootfs, "group", *g, &id, NULL) < 0) {
				return berth_error_new(err, ENOENT,
						       "unable to find group %s: no matching entries in "
						       "group file",
						       *g);
			}
			json_array_append_new(gids, json_integer(id));
		}
	}

	/* hostname, hosts and resolv.conf of the container's own, bind-mounted as docker does */
	hn_path = xasprintf("%s/hostname", in->ctr_dir);
	hosts_path = xasprintf("%s/hosts", in->ctr_dir);
	resolv_path = xasprintf("%s/resolv.conf", in->ctr_dir);
	if (!hn_path || !hosts_path || !resolv_path)
		return berth_error_set(err, ENOMEM, "container files in '%s'", in->ctr_dir);
	{
		_cleanup_free_ char *hn = xasprintf("%s\n", hostname);
		_cleanup_free_ char *hosts = xasprintf(
			"127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n"
			"127.0.1.1\t%s\n",
			hostname);

		/* --add-host NAME:IP, as docker appends them */
		for (char **h = o->add_hosts; hosts && h && *h; h++) {
			const char *sep = strchr(*h, ':');
			char *more;

			if (!sep || sep == *h || !sep[1])
				return berth_error_new(err, EINVAL,
						       "invalid argument \"%s\" for \"--add-host\" flag: "
						       "bad format for add-host: \"%s\"",
						       *h, *h);
			more = xasprintf("%s%s\t%.*s\n", hosts, sep + 1, (int)(sep - *h), *h);
			free(hosts);
			hosts = more;
		}
		_cleanup_free_ char *resolv = NULL;

		if (!hn || !hosts)
			return berth_error_set(err, ENOMEM, "container files in '%s'", in->ctr_dir);
		if (read_full_file("/etc/resolv.conf", &resolv, NULL) < 0)
			resolv = strdup("");
		if (resolv && in->dns) {
			/* the monitor answers (net/dns.h); the host's search domains stay */
			_cleanup_free_ char *host = TAKE_PTR(resolv);
			char *save = NULL;

			resolv = strdup("nameserver " DNS_ADDRESS "\noptions ndots:0\n");
			for (char *l = strtok_r(host, "\n", &save); resolv && l;
			     l = strtok_r(NULL, "\n", &save)) {
				char *more;

				if (!startswith(l, "search ") && !startswith(l, "domain "))
					continue;
				more = xasprintf("%s%s\n", resolv, l);
				free(resolv);
				resolv = more;
			}
		}
		if (resolv && (o->dns || o->dns_search || o->dns_options)) {
			/* docker: each of --dns, --dns-search, --dns-option replaces its part of
			 * what the container would have had */
			_cleanup_free_ char *base = TAKE_PTR(resolv);
			_cleanup_free_ char *nsv = NULL, *search = NULL, *opts = NULL, *rest = NULL;
			char *save = NULL;

			nsv = strdup("");
			search = strdup("");
			opts = strdup("");
			rest = strdup("");
			for (char *l = strtok_r(base, "\n", &save); nsv && search && opts && rest && l;
			     l = strtok_r(NULL, "\n", &save)) {
				char **part = startswith(l, "nameserver") ? &nsv
					      : startswith(l, "search") || startswith(l, "domain")
						      ? &search
					      : startswith(l, "options") ? &opts
									 : &rest;
				char *more = xasprintf("%s%s\n", *part, l);

				free(*part);
				*part = more;
			}
			if (o->dns && nsv) {
				free(nsv);
				nsv = strdup("");
				for (char **d = o->dns; nsv && *d; d++) {
					char *more = xasprintf("%snameserver %s\n", nsv, *d);

					free(nsv);
					nsv = more;
				}
			}
			if (o->dns_search && search) {
				_cleanup_free_ char *j = strv_join(o->dns_search, " ");

				free(search);
				search = j ? xasprintf("search %s\n", j) : NULL;
			}
			if (o->dns_options && opts) {
				_cleanup_free_ char *j = strv_join(o->dns_options, " ");

				free(opts);
				opts = j ? xasprintf("options %s\n", j) : NULL;
			}
			if (nsv && search && opts && rest)
				resolv = xasprintf("%s%s%s%s", nsv, search, opts, rest);
		}
		if (!resolv)
			return berth_error_set(err, ENOMEM, "resolv.conf in '%s'", in->ctr_dir);
		if ((r = write_file_atomic(hn_path, hn, strlen(hn), 0644)) < 0 ||
		    (r = write_file_atomic(hosts_path, hosts, strlen(hosts), 0644)) < 0 ||
		    (r = write_file_atomic(resolv_path, resolv, strlen(resolv), 0644)) < 0)
			return berth_error_set(err, -r, "write the container's /etc files");
	}

	root = json_object();
	json_object_set_new(root, "ociVersion", json_string("1.2.0"));

	proc = json_object();
	json_object_set_new(proc, "terminal", json_boolean(o->tty));
	user = json_object();
	json_object_set_new(user, "uid", json_integer(uid));
	json_object_set_new(user, "gid", json_integer(gid));
	json_object_set_new(proc, "user", user);
	json_object_set_new(proc, "args", strv_json((const char *const *)(init_args ?: args)));
	json_object_set_new(proc, "env", strv_json((const char *const *)env));
	json_object_set_new(proc, "cwd",
			    json_string(o->workdir ? o->workdir
						   : (img->workdir && *img->workdir ? img->workdir : "/")));
	caps = json_object();
	json_object_set_new(caps, "bounding", strv_json((const char *const *)cap_set));
	json_object_set_new(caps, "effective", strv_json((const char *const *)cap_set));
	json_object_set_new(caps, "permitted", strv_json((const char *const *)cap_set));
	json_object_set_new(proc, "capabilities", caps);
	json_object_set_new(proc, "noNewPrivileges", json_boolean(o->no_new_privileges));
	if (o->oom_score_adj_set)
		json_object_set_new(proc, "oomScoreAdj", json_integer(o->oom_score_adj));
	if (rlimits)
		json_object_set_new(proc, "rlimits", json_incref(rlimits));
	if (gids && json_array_size(gids))
		json_object_set_new(user, "additionalGids", json_incref(gids));
	json_object_set_new(root, "process", proc);

	{
		json_t *r0 = json_object();
		json_object_set_new(r0, "path", json_string("rootfs"));
		json_object_set_new(r0, "readonly", json_boolean(o->read_only));
		json_object_set_new(root, "root", r0);
	}
	if (!o->host_uts)
		json_object_set_new(root, "hostname", json_string(hostname));
	if (o->domainname)
		json_object_set_new(root, "domainname", json_string(o->domainname));

	mounts = json_array();
	json_array_append_new(mounts, mount_json("/proc", "proc", "proc", "nosuid,noexec,nodev"));
	json_array_append_new(mounts, mount_json("/dev", "tmpfs", "tmpfs",
						 "nosuid,strictatime,mode=755,size=65536k"));
	json_array_append_new(mounts, mount_json("/dev/pts", "devpts", "devpts",
						 "nosuid,noexec,newinstance,ptmxmode=0666,mode=0620,gid=5"));
	/* --privileged: /sys and its cgroups writable */
	json_array_append_new(mounts, mount_json("/sys", "sysfs", "sysfs",
						 o->privileged ? "nosuid,noexec,nodev,rw"
							       : "nosuid,noexec,nodev,ro"));
	json_array_append_new(mounts, mount_json("/sys/fs/cgroup", "cgroup", "cgroup",
						 o->privileged ? "rw,nosuid,noexec,nodev"
							       : "ro,nosuid,noexec,nodev"));
	json_array_append_new(mounts, mount_json("/dev/mqueue", "mqueue", "mqueue", "nosuid,noexec,nodev"));
	{
		char shm[96];

		snprintf(shm, sizeof(shm), "nosuid,noexec,nodev,mode=1777,size=%" PRId64,
			 o->shm_size > 0 ? o->shm_size : (int64_t)67108864);
		json_array_append_new(mounts, mount_json("/dev/shm", "tmpfs", "shm", shm));
	}
	json_array_append_new(mounts, mount_json("/etc/hostname", "bind", hn_path, "rbind,rprivate"));
	json_array_append_new(mounts, mount_json("/etc/hosts", "bind", hosts_path, "rbind,rprivate"));
	json_array_append_new(mounts, mount_json("/etc/resolv.conf", "bind", resolv_path, "rbind,rprivate"));
	for (char **t = o->tmpfs; t && *t; t++) {
		/* docker's --tmpfs DEST[:OPTIONS]: noexec,nosuid,nodev by default */
		const char *colon = strchr(*t, ':');
		_cleanup_free_ char *dest = colon ? strndup(*t, (size_t)(colon - *t)) : strdup(*t);
		_cleanup_free_ char *opts = xasprintf("noexec,nosuid,nodev%s%s", colon ? "," : "",
						      colon ? colon + 1 : "");

		if (!dest || !opts) {
			json_decref(mounts);
			json_decref(root);
			return berth_error_set(err, ENOMEM, "--tmpfs");
		}
		if (dest[0] != '/') {
			json_decref(mounts);
			json_decref(root);
			return berth_error_new(err, EINVAL,
					       "invalid mount path: '%s' mount path must be absolute",
					       dest);
		}
		json_array_append_new(mounts, mount_json(dest, "tmpfs", "tmpfs", opts));
	}
	if (in->init_path)
		json_array_append_new(mounts, mount_json(OCIGEN_INIT_PATH, "bind", in->init_path,
							 "rbind,rprivate,ro"));
	for (size_t i = 0; i < in->n_volumes; i++)
		json_array_append_new(mounts, mount_json(in->volumes[i].destination, "bind",
							 in->volumes[i].source,
							 in->volumes[i].readonly ? "rbind,rprivate,ro"
										 : "rbind,rprivate,rw"));
	sort_by_depth(mounts);
	json_object_set_new(root, "mounts", mounts);

	linux_ = json_object();
	json_object_set_new(linux_, "cgroupsPath", json_string(in->cgroups_path));
	res = json_object();
	devs = json_array();
	{
		json_t *d = json_object();
		json_object_set_new(d, "allow", json_false());
		json_object_set_new(d, "access", json_string("rwm"));
		json_array_append_new(devs, d);
	}
	for (size_t i = 0; i < ELEMENTSOF(default_dev_rules); i++) {
		json_t *d = json_object();

		json_object_set_new(d, "allow", json_true());
		json_object_set_new(d, "type", json_string(default_dev_rules[i].type));
		if (default_dev_rules[i].major >= 0)
			json_object_set_new(d, "major", json_integer(default_dev_rules[i].major));
		if (default_dev_rules[i].minor >= 0)
			json_object_set_new(d, "minor", json_integer(default_dev_rules[i].minor));
		json_object_set_new(d, "access", json_string(default_dev_rules[i].access));
		json_array_append_new(devs, d);
	}
	json_object_set_new(res, "devices", devs);
	{
		json_t *nodes = json_array();

		json_object_set_new(linux_, "devices", nodes);
		r = ocigen_devices(o, nodes, devs, err);
		if (r >= 0)
			r = ocigen_blkio(o, res, err);
		if (r >= 0)
			r = ocigen_seccomp(o, cap_set, linux_, err);
		if (r < 0) {
			json_decref(res);
			json_decref(linux_);
			json_decref(root);
			return r;
		}
	}
	if (o->memory > 0 || o->memory_swap || o->memory_reservation > 0 || o->oom_kill_disable) {
		json_t *m = json_object();

		if (o->memory > 0)
			json_object_set_new(m, "limit", json_integer(o->memory));
		if (o->memory_swap)
			json_object_set_new(m, "swap", json_integer(o->memory_swap));
		if (o->memory_reservation > 0)
			json_object_set_new(m, "reservation", json_integer(o->memory_reservation));
		if (o->oom_kill_disable)
			json_object_set_new(m, "disableOOMKiller", json_true());
		json_object_set_new(res, "memory", m);
	}
	if (o->cpus > 0 || o->cpu_shares || o->cpu_period || o->cpu_quota || o->cpuset_cpus ||
	    o->cpuset_mems) {
		json_t *c = json_object();

		if (o->cpus > 0) {
			json_object_set_new(c, "quota",
					    json_integer((json_int_t)(o->cpus * 100000.0 + 0.5)));
			json_object_set_new(c, "period", json_integer(100000));
		}
		if (o->cpu_quota)
			json_object_set_new(c, "quota", json_integer(o->cpu_quota));
		if (o->cpu_period)
			json_object_set_new(c, "period", json_integer(o->cpu_period));
		if (o->cpu_shares)
			json_object_set_new(c, "shares", json_integer((json_int_t)o->cpu_shares));
		if (o->cpuset_cpus)
			json_object_set_new(c, "cpus", json_string(o->cpuset_cpus));
		if (o->cpuset_mems)
			json_object_set_new(c, "mems", json_string(o->cpuset_mems));
		json_object_set_new(res, "cpu", c);
	}
	if (o->pids_limit > 0) {
		json_t *p = json_object();

		json_object_set_new(p, "limit", json_integer(o->pids_limit));
		json_object_set_new(res, "pids", p);
	}
	json_object_set_new(linux_, "resources", res);
	ns = json_array();
	{
		static const char *const types[] = { "pid", "network", "ipc", "uts", "mount", "cgroup" };
		for (size_t i = 0; i < ELEMENTSOF(types); i++) {
			json_t *n;

			/* --network host: the host's (the engine's) network namespace; --pid,
			 * --ipc, --uts host likewise */
			if ((streq(types[i], "network") && in->host_network) ||
			    (streq(types[i], "pid") && o->host_pid) ||
			    (streq(types[i], "ipc") && o->host_ipc) ||
			    (streq(types[i], "uts") && o->host_uts))
				continue;
			n = json_object();
			json_object_set_new(n, "type", json_string(types[i]));
			if (streq(types[i], "network") && in->netns_path)
				json_object_set_new(n, "path", json_string(in->netns_path));
			if (streq(types[i], "pid") && in->pidns_path)
				json_object_set_new(n, "path", json_string(in->pidns_path));
			if (streq(types[i], "ipc") && in->ipcns_path)
				json_object_set_new(n, "path", json_string(in->ipcns_path));
			json_array_append_new(ns, n);
		}
	}
	json_object_set_new(linux_, "namespaces", ns);
	if (o->sysctls) {
		json_t *sc = json_object();

		for (char **k = o->sysctls; *k; k++) {
			const char *eq = strchr(*k, '=');
			_cleanup_free_ char *key = eq ? strndup(*k, (size_t)(eq - *k)) : NULL;

			if (!eq || eq == *k) {
				json_decref(sc);
				json_decref(root);
				return berth_error_new(err, EINVAL, "invalid sysctl '%s': KEY=VALUE", *k);
			}
			if (!key) {
				json_decref(sc);
				json_decref(root);
				return berth_error_set(err, ENOMEM, "sysctl");
			}
			json_object_set_new(sc, key, json_string(eq + 1));
		}
		json_object_set_new(linux_, "sysctl", sc);
	}
	if (!o->privileged) {
		json_object_set_new(linux_, "maskedPaths", strv_json(masked_paths));
		json_object_set_new(linux_, "readonlyPaths", strv_json(readonly_paths));
	}
	json_object_set_new(root, "linux", linux_);

	text = json_dumps(root, JSON_INDENT(2));
	json_decref(root);
	if (!text)
		return berth_error_set(err, ENOMEM, "config.json");
	*ret = text;
	*ret_args = TAKE_PTR(args);
	return 0;
}
