/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The parts of a container's OCI config that reach the host's devices and kernel filters,
 * as docker makes them: --device, --device-cgroup-rule, --privileged's every device,
 * --blkio-weight and --device-{read,write}-{bps,iops}, --oom-kill-disable, and
 * --security-opt seccomp=PROFILE (docker's profile format, turned into the OCI one).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "berth/cleanup.h"
#include "berth/util.h"
#include "ocigen.h"

static bool perms_valid(const char *p)
{
	if (!*p || strlen(p) > 3)
		return false;
	for (const char *c = p; *c; c++)
		if (!strchr("rwm", *c) || strchr(c + 1, *c))
			return false;
	return true;
}

static const char *dev_type(mode_t m)
{
	return S_ISCHR(m) ? "c" : S_ISBLK(m) ? "b" : S_ISFIFO(m) ? "p" : NULL;
}

/* one device node: in linux.devices (made in the container) and allowed in its cgroup */
static void add_device(json_t *devices, json_t *rules, const char *ctr_path, const struct stat *st,
		       const char *perms)
{
	json_t *d = json_object(), *rule;

	json_object_set_new(d, "path", json_string(ctr_path));
	json_object_set_new(d, "type", json_string(dev_type(st->st_mode)));
	json_object_set_new(d, "major", json_integer(major(st->st_rdev)));
	json_object_set_new(d, "minor", json_integer(minor(st->st_rdev)));
	json_object_set_new(d, "fileMode", json_integer(st->st_mode & 07777));
	json_object_set_new(d, "uid", json_integer(st->st_uid));
	json_object_set_new(d, "gid", json_integer(st->st_gid));
	json_array_append_new(devices, d);
	if (!rules)
		return;
	rule = json_object();
	json_object_set_new(rule, "allow", json_true());
	json_object_set_new(rule, "type", json_string(dev_type(st->st_mode)));
	json_object_set_new(rule, "major", json_integer(major(st->st_rdev)));
	json_object_set_new(rule, "minor", json_integer(minor(st->st_rdev)));
	json_object_set_new(rule, "access", json_string(perms));
	json_array_append_new(rules, rule);
}

/* every device node under host (a directory), as ctr/... in the container; skip: names
 * docker's HostDevices skips (a tree of the container's own, or not devices at all) */
static int add_tree(json_t *devices, json_t *rules, const char *host, const char *ctr,
		    const char *perms, const char *const *skip, unsigned depth,
		    struct berth_error **err)
{
	_cleanup_closedir_ DIR *d = opendir(host);
	struct dirent *de;

	if (!d)
		return berth_error_set(err, errno, "read '%s'", host);
	if (depth > 8)
		return 0;
	while ((de = readdir(d))) {
		_cleanup_free_ char *hp = NULL, *cp = NULL;
		struct stat st;

		if (streq(de->d_name, ".") || streq(de->d_name, ".."))
			continue;
		hp = xasprintf("%s/%s", host, de->d_name);
		cp = xasprintf("%s/%s", ctr, de->d_name);
		if (!hp || !cp)
			return berth_error_set(err, ENOMEM, "devices");
		if (skip && strv_contains((char *const *)skip, hp))
			continue;
		if (lstat(hp, &st) < 0)
			continue;
		if (S_ISDIR(st.st_mode)) {
			int r = add_tree(devices, rules, hp, cp, perms, skip, depth + 1, err);

			if (r < 0)
				return r;
		} else if (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode)) {
			/* /dev/console and the terminals are the container's own */
			if (streq(hp, "/dev/console") || streq(hp, "/dev/ptmx") ||
			    streq(hp, "/dev/tty"))
				continue;
			add_device(devices, rules, cp, &st, perms);
		}
	}
	return 0;
}

/* docker's --device HOST[:CTR][:PERMS] (CTR defaults to HOST, PERMS to rwm); a directory
 * gives every device under it */
static int device_spec(const char *spec, json_t *devices, json_t *rules, struct berth_error **err)
{
	_cleanup_free_ char *copy = strdup(spec), *real = NULL;
	char *parts[3] = {NULL, NULL, NULL}, *p, *save = NULL;
	const char *host, *ctr, *perms = "rwm";
	size_t n = 0;
	struct stat st;

	if (!copy)
		return berth_error_set(err, ENOMEM, "--device");
	for (p = strtok_r(copy, ":", &save); p; p = strtok_r(NULL, ":", &save)) {
		if (n == 3)
			return berth_error_new(err, EINVAL, "invalid device specification: %s",
					       spec);
		parts[n++] = p;
	}
	if (n == 0)
		return berth_error_new(err, EINVAL, "invalid device specification: %s", spec);
	host = parts[0];
	ctr = parts[0];
	if (n == 2) {
		if (perms_valid(parts[1]))
			perms = parts[1];
		else
			ctr = parts[1];
	} else if (n == 3) {
		ctr = parts[1];
		perms = parts[2];
	}
	if (!perms_valid(perms))
		return berth_error_new(err, EINVAL, "invalid device mode: %s", perms);
	if (host[0] != '/' || ctr[0] != '/')
		return berth_error_new(err, EINVAL,
				       "invalid device specification: %s: the paths must be "
				       "absolute",
				       spec);
	real = realpath(host, NULL);
	if (!real || stat(real, &st) < 0)
		return berth_error_new(err, ENOENT,
				       "error gathering device information while "
				       "adding device \"%s\": no such file or directory",
				       host);
	if (S_ISDIR(st.st_mode))
		return add_tree(devices, rules, real, ctr, perms, NULL, 0, err);
	if (!dev_type(st.st_mode))
		return berth_error_new(err, EINVAL,
				       "error gathering device information while adding device "
				       "\"%s\": not a device node",
				       host);
	add_device(devices, rules, ctr, &st, perms);
	return 0;
}

/* docker's --device-cgroup-rule "TYPE MAJOR:MINOR ACCESS": c 1:3 rwm, b 8:* r, a *:* m */
static int cgroup_rule(const char *spec, json_t *rules, struct berth_error **err)
{
	char type[2], maj[16], min[16], access[8], extra;
	json_t *rule;

	if (sscanf(spec, "%1s %15[0-9*]:%15[0-9*] %7s %c", type, maj, min, access, &extra) != 4 ||
	    !strchr("abc", type[0]) || !perms_valid(access))
		return berth_error_new(err, EINVAL,
				       "invalid device cgroup rule '%s' (TYPE MAJOR:MINOR ACCESS, "
				       "as 'c 1:3 rwm')",
				       spec);
	rule = json_object();
	json_object_set_new(rule, "allow", json_true());
	json_object_set_new(rule, "type", json_string(type));
	if (!streq(maj, "*"))
		json_object_set_new(rule, "major", json_integer(strtol(maj, NULL, 10)));
	if (!streq(min, "*"))
		json_object_set_new(rule, "minor", json_integer(strtol(min, NULL, 10)));
	json_object_set_new(rule, "access", json_string(access));
	json_array_append_new(rules, rule);
	return 0;
}

int ocigen_devices(const struct berth_run_opts *o, json_t *devices, json_t *rules,
		   struct berth_error **err)
{
	/* what docker's HostDevices leaves out: the container has its own */
	static const char *const skip[] = {"/dev/pts",	"/dev/shm",   "/dev/mqueue", "/dev/fd",
					   "/dev/.lxc", "/dev/.udev", NULL};
	int r;

	if (o->privileged) {
		json_t *all = json_object();

		/* every device, and the cgroup allows them all */
		json_object_set_new(all, "allow", json_true());
		json_object_set_new(all, "access", json_string("rwm"));
		json_array_append_new(rules, all);
		r = add_tree(devices, NULL, "/dev", "/dev", "rwm", skip, 0, err);
		if (r < 0)
			return berth_error_wrap(err, "--privileged");
	}
	for (char **d = o->devices; d && *d; d++) {
		r = device_spec(*d, devices, o->privileged ? NULL : rules, err);
		if (r < 0)
			return r;
	}
	for (char **c = o->device_cgroup_rules; c && *c; c++) {
		r = cgroup_rule(*c, rules, err);
		if (r < 0)
			return r;
	}
	return 0;
}

/* "/dev/sda:1mb" (a rate in bytes, or ops with iops) as {major, minor, rate} */
static int throttle(const char *flag, const char *spec, bool iops, json_t *list,
		    struct berth_error **err)
{
	const char *colon = strrchr(spec, ':');
	_cleanup_free_ char *path = colon ? strndup(spec, (size_t)(colon - spec)) : NULL;
	struct stat st;
	int64_t rate;
	uint64_t ops;
	json_t *t;

	if (!colon || !path || !*path)
		return berth_error_new(err, EINVAL, "invalid value '%s' for %s: DEVICE:RATE", spec,
				       flag);
	if (iops ? parse_u64(colon + 1, &ops) < 0 : parse_size(colon + 1, &rate) < 0)
		return berth_error_new(err, EINVAL, "invalid value '%s' for %s: invalid rate '%s'",
				       spec, flag, colon + 1);
	if (stat(path, &st) < 0 || !S_ISBLK(st.st_mode))
		return berth_error_new(err, EINVAL,
				       "invalid value '%s' for %s: '%s' is not a "
				       "block device",
				       spec, flag, path);
	t = json_object();
	json_object_set_new(t, "major", json_integer(major(st.st_rdev)));
	json_object_set_new(t, "minor", json_integer(minor(st.st_rdev)));
	json_object_set_new(t, "rate", json_integer(iops ? (json_int_t)ops : rate));
	json_array_append_new(list, t);
	return 0;
}

int ocigen_blkio(const struct berth_run_opts *o, json_t *res, struct berth_error **err)
{
	static const struct {
		const char *flag, *key;
		size_t off;
		bool iops;
	} lists[] = {
	    {"--device-read-bps", "throttleReadBpsDevice",
	     offsetof(struct berth_run_opts, device_read_bps), false},
	    {"--device-write-bps", "throttleWriteBpsDevice",
	     offsetof(struct berth_run_opts, device_write_bps), false},
	    {"--device-read-iops", "throttleReadIOPSDevice",
	     offsetof(struct berth_run_opts, device_read_iops), true},
	    {"--device-write-iops", "throttleWriteIOPSDevice",
	     offsetof(struct berth_run_opts, device_write_iops), true},
	};
	json_t *b = json_object();
	int r;

	if (o->blkio_weight)
		json_object_set_new(b, "weight", json_integer(o->blkio_weight));
	for (size_t i = 0; i < ELEMENTSOF(lists); i++) {
		char *const *specs = *(char *const *const *)((const char *)o + lists[i].off);
		json_t *l;

		if (!specs || !*specs)
			continue;
		l = json_array();
		json_object_set_new(b, lists[i].key, l);
		for (; *specs; specs++) {
			r = throttle(lists[i].flag, *specs, lists[i].iops, l, err);
			if (r < 0) {
				json_decref(b);
				return r;
			}
		}
	}
	if (json_object_size(b))
		json_object_set_new(res, "blockIO", b);
	else
		json_decref(b);
	return 0;
}

/* --- docker's seccomp profiles --- */

static const char *const host_arches[] = {"SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32",
					  NULL};

static bool kernel_at_least(const char *want)
{
	struct utsname u;
	unsigned a = 0, b = 0, x = 0, y = 0;

	if (uname(&u) < 0 || sscanf(u.release, "%u.%u", &a, &b) < 1 ||
	    sscanf(want, "%u.%u", &x, &y) < 1)
		return false;
	return a > x || (a == x && b >= y);
}

/* includes/excludes of a rule: caps the container has, the host's arches, minKernel */
static bool cond_holds(json_t *c, char *const *caps, bool all_of)
{
	json_t *v;
	size_t i;
	const char *mk = json_string_value(json_object_get(c, "minKernel"));
	bool any = false;

	json_array_foreach(json_object_get(c, "caps"), i, v)
	{
		bool has = json_string_value(v) && strv_contains(caps, json_string_value(v));

		if (all_of && !has)
			return false;
		any = any || has;
	}
	json_array_foreach(json_object_get(c, "arches"), i, v)
	{
		const char *a = json_string_value(v);
		bool has = a && (streq(a, "amd64") || streq(a, "x86_64") || streq(a, "x86") ||
				 streq(a, "x32") || strv_contains((char *const *)host_arches, a));

		if (all_of && !has)
			return false;
		any = any || has;
	}
	if (mk) {
		bool has = kernel_at_least(mk);

		if (all_of && !has)
			return false;
		any = any || has;
	}
	return all_of ? true : any;
}

static int seccomp_json(const char *path, char *const *caps, json_t **ret, struct berth_error **err)
{
	json_error_t je;
	_cleanup_(json_decrefp) json_t *p = json_load_file(path, 0, &je);
	json_t *out, *syscalls, *s, *v;
	const char *def;
	size_t i;

	if (!p)
		return berth_error_new(err, EINVAL, "seccomp profile '%s': line %d: %s", path,
				       je.line, je.text);
	def = json_string_value(json_object_get(p, "defaultAction"));
	if (!def)
		return berth_error_new(err, EINVAL, "seccomp profile '%s': no defaultAction", path);
	out = json_object();
	json_object_set_new(out, "defaultAction", json_string(def));
	if ((v = json_object_get(p, "defaultErrnoRet")))
		json_object_set(out, "defaultErrnoRet", v);
	if ((v = json_object_get(p, "architectures")) && json_is_array(v)) {
		json_object_set(out, "architectures", v);
	} else if (json_is_array(json_object_get(p, "archMap"))) {
		json_t *arches = json_array(), *m, *sub;
		size_t j;

		json_array_foreach(json_object_get(p, "archMap"), i, m)
		{
			const char *a = json_string_value(json_object_get(m, "architecture"));

			if (!a || !strv_contains((char *const *)host_arches, a))
				continue;
			json_array_append_new(arches, json_string(a));
			json_array_foreach(json_object_get(m, "subArchitectures"), j, sub)
			    json_array_append(arches, sub);
		}
		json_object_set_new(out, "architectures", arches);
	}
	syscalls = json_array();
	json_object_set_new(out, "syscalls", syscalls);
	json_array_foreach(json_object_get(p, "syscalls"), i, s)
	{
		json_t *names = json_object_get(s, "names"), *rule;
		const char *action = json_string_value(json_object_get(s, "action"));

		if (!action)
			goto bad;
		if (json_object_get(s, "includes") &&
		    !cond_holds(json_object_get(s, "includes"), caps, true))
			continue;
		if (json_object_get(s, "excludes") &&
		    json_object_size(json_object_get(s, "excludes")) &&
		    cond_holds(json_object_get(s, "excludes"), caps, false))
			continue;
		rule = json_object();
		if (json_is_array(names)) {
			json_object_set(rule, "names", names);
		} else if (json_is_string(json_object_get(s, "name"))) {
			json_t *one = json_array();

			json_array_append(one, json_object_get(s, "name"));
			json_object_set_new(rule, "names", one);
		} else {
			json_decref(rule);
			goto bad;
		}
		json_object_set_new(rule, "action", json_string(action));
		if ((v = json_object_get(s, "errnoRet")))
			json_object_set(rule, "errnoRet", v);
		if (json_array_size(json_object_get(s, "args")))
			json_object_set(rule, "args", json_object_get(s, "args"));
		json_array_append_new(syscalls, rule);
	}
	*ret = out;
	return 0;
bad:
	json_decref(out);
	return berth_error_new(err, EINVAL,
			       "seccomp profile '%s': syscalls[%zu]: no action or names", path, i);
}

int ocigen_seccomp(const struct berth_run_opts *o, char *const *caps, json_t *linux_,
		   struct berth_error **err)
{
	json_t *s = NULL;
	int r;

	/* berth applies no profile of its own: unconfined is what it has */
	if (!o->seccomp_profile || streq(o->seccomp_profile, "unconfined") || o->privileged)
		return 0;
	r = seccomp_json(o->seccomp_profile, caps, &s, err);
	if (r < 0)
		return berth_error_wrap(err, "--security-opt seccomp");
	json_object_set_new(linux_, "seccomp", s);
	return 0;
}
