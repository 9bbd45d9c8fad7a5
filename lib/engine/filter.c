/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * docker's `ps --filter` (berth_engine_ps() in include/berth/engine.h), as the daemon
 * applies it: the CLI (and a server answering the API's filters) passes the pairs, the
 * engine decides.
 */
#include <errno.h>
#include <jansson.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "berth/cleanup.h"
#include "berth/engine.h"
#include "berth/image.h"
#include "berth/net.h"
#include "berth/record.h"
#include "berth/util.h"

static const char *const keys[] = {"ancestor", "before", "exited", "expose",  "health",
				   "id",       "label",	 "name",   "network", "publish",
				   "since",    "status", "volume"};

static const char *const states[] = {"created", "running",    "paused",
				     "exited",	"restarting", "dead"};

struct filter {
	char *key;
	const char *value;
	regex_t re; /* id, name */
	bool has_re;
	int64_t created; /* before, since: the container's */
	char *id;	 /* before, since: the container's; ancestor: the image's */
	unsigned lo, hi; /* publish, expose: the ports */
	bool udp;
	int code; /* exited */
	enum berth_health health;
};

static void filters_free(struct filter *fs, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(fs[i].key);
		free(fs[i].id);
		if (fs[i].has_re)
			regfree(&fs[i].re);
	}
	free(fs);
}

static bool known(const char *key)
{
	for (size_t i = 0; i < ELEMENTSOF(keys); i++)
		if (streq(keys[i], key))
			return true;
	return false;
}

static const char *status_of(const struct berth_ctr_info *c)
{
	if (c->restarting)
		return "restarting";
	if (c->state == BERTH_CTR_RUNNING)
		return c->paused ? "paused" : "running";
	return c->state == BERTH_CTR_CREATED ? "created" : "exited";
}

/* "80", "80/udp", "8000-8080/tcp" */
static int parse_ports(struct filter *f)
{
	const char *slash = strchr(f->value, '/');
	char *end;
	unsigned long lo, hi;

	lo = strtoul(f->value, &end, 10);
	hi = lo;
	if (*end == '-')
		hi = strtoul(end + 1, &end, 10);
	if (end == f->value || (*end && end != slash) || lo == 0 || hi < lo || hi > 65535)
		return -EINVAL;
	if (slash && !streq(slash + 1, "tcp") && !streq(slash + 1, "udp"))
		return -EINVAL;
	f->lo = (unsigned)lo;
	f->hi = (unsigned)hi;
	f->udp = slash && streq(slash + 1, "udp");
	return 0;
}

static bool port_match(char *const *specs, const struct filter *f, bool host)
{
	for (char *const *p = specs; p && *p; p++) {
		struct port_map pm;
		unsigned port;

		if (port_parse(*p, &pm, NULL) < 0 || pm.udp != f->udp)
			continue;
		port = host ? pm.host_port : pm.ctr_port;
		if (port && port >= f->lo && port <= f->hi)
			return true;
	}
	return false;
}

/* the destinations of its volumes and binds, from its OCI config */
static bool volume_dest_match(const char *store_root, const struct berth_ctr_info *c,
			      const char *dest)
{
	_cleanup_free_ char *cdir = record_containers_dir(store_root);
	_cleanup_free_ char *path = cdir ? xasprintf("%s/%s/config.json", cdir, c->id) : NULL;
	_cleanup_free_ char *own = cdir ? xasprintf("%s/%s/", cdir, c->id) : NULL;
	json_t *cfg = path ? json_load_file(path, 0, NULL) : NULL, *m;
	bool found = false;
	size_t i;

	json_array_foreach(json_object_get(cfg, "mounts"), i, m)
	{
		const char *src = json_string_value(json_object_get(m, "source"));
		const char *dst = json_string_value(json_object_get(m, "destination"));
		const char *type = json_string_value(json_object_get(m, "type"));

		/* the container's own files (hosts, resolv.conf) are not its mounts */
		if (!src || !dst || !streq_ptr(type, "bind") || (own && startswith(src, own)))
			continue;
		if (streq(dst, dest)) {
			found = true;
			break;
		}
	}
	json_decref(cfg);
	return found;
}

static bool network_match(const char *store_root, const struct berth_ctr_info *c, const char *want)
{
	_cleanup_free_ char *nets = c->network ? strdup(c->network) : NULL;
	char *save = NULL;

	/* each network it is on ("a,b"), by name or id prefix */
	for (char *nm = nets ? strtok_r(nets, ",", &save) : NULL; nm;
	     nm = strtok_r(NULL, ",", &save)) {
		struct net_config n;
		bool ok;

		if (streq(nm, want))
			return true;
		if (network_load(store_root, nm, &n, NULL) < 0)
			continue;
		ok = strlen(want) >= 1 && startswith(n.id, want);
		net_config_clear(&n);
		if (ok)
			return true;
	}
	return false;
}

static bool match_one(struct berth_engine *e, const struct berth_ctr_info *c,
		      const struct filter *f)
{
	const char *root = berth_store_root(berth_engine_store(e));

	if (streq(f->key, "id"))
		return regexec(&f->re, c->id, 0, NULL, 0) == 0;
	if (streq(f->key, "name")) {
		_cleanup_free_ char *slashed = xasprintf("/%s", c->name);

		/* docker matches "/NAME"; "^NAME$" is what users type */
		return regexec(&f->re, c->name, 0, NULL, 0) == 0 ||
		       (slashed && regexec(&f->re, slashed, 0, NULL, 0) == 0);
	}
	if (streq(f->key, "status"))
		return streq(status_of(c), f->value);
	if (streq(f->key, "health"))
		return c->health == f->health;
	if (streq(f->key, "exited"))
		return c->state == BERTH_CTR_EXITED && c->started > 0 && c->exit_code == f->code;
	if (streq(f->key, "ancestor"))
		return (f->id && streq_ptr(c->image_id, f->id)) || streq_ptr(c->image, f->value);
	if (streq(f->key, "before"))
		return !streq(c->id, f->id) && c->created < f->created;
	if (streq(f->key, "since"))
		return !streq(c->id, f->id) && c->created > f->created;
	if (streq(f->key, "volume"))
		return strv_contains(c->volumes, f->value) || volume_dest_match(root, c, f->value);
	if (streq(f->key, "network"))
		return network_match(root, c, f->value);
	if (streq(f->key, "publish"))
		return port_match(c->published, f, true);
	if (streq(f->key, "expose"))
		return port_match(c->port_specs, f, false);
	if (streq(f->key, "label"))
		return labels_match(c->labels, f->value);
	return false;
}

static bool match(struct berth_engine *e, const struct berth_ctr_info *c, const struct filter *fs,
		  size_t n)
{
	for (size_t i = 0; i < n; i++) {
		bool ok = false, seen = false;

		/* labels: every one must match (docker's MatchKVList) */
		if (streq(fs[i].key, "label")) {
			if (!match_one(e, c, &fs[i]))
				return false;
			continue;
		}
		/* other keys once, at their first filter: one of its values must match */
		for (size_t j = 0; j < i && !seen; j++)
			seen = streq(fs[j].key, fs[i].key);
		if (seen)
			continue;
		for (size_t j = i; j < n && !ok; j++)
			ok = streq(fs[j].key, fs[i].key) && match_one(e, c, &fs[j]);
		if (!ok)
			return false;
	}
	return true;
}

static int parse_filter(struct berth_engine *e, const char *kv, struct filter *f,
			struct berth_error **err)
{
	const char *eq = strchr(kv, '=');
	struct berth_store *s = berth_engine_store(e);
	int r;

	f->key = eq ? strndup(kv, (size_t)(eq - kv)) : strdup(kv);
	if (!f->key)
		return berth_error_set(err, ENOMEM, "filter containers");
	for (char *c = f->key; *c; c++)
		*c = (char)(*c >= 'A' && *c <= 'Z' ? *c - 'A' + 'a' : *c);
	f->value = eq ? eq + 1 : "";
	if (!known(f->key))
		return berth_error_new(err, EINVAL, "invalid filter '%s'", f->key);
	if (streq(f->key, "id") || streq(f->key, "name")) {
		r = regcomp(&f->re, f->value, REG_EXTENDED | REG_NOSUB);
		if (r != 0)
			return berth_error_new(err, EINVAL,
					       "invalid filter '%s=%s': not a regular "
					       "expression",
					       f->key, f->value);
		f->has_re = true;
		return 0;
	}
	if (streq(f->key, "status")) {
		for (size_t i = 0; i < ELEMENTSOF(states); i++)
			if (streq(states[i], f->value))
				return 0;
		return berth_error_new(err, EINVAL, "invalid filter 'status=%s'", f->value);
	}
	if (streq(f->key, "health")) {
		if (berth_health_from_name(f->value, &f->health) < 0)
			return berth_error_new(
			    err, EINVAL, "Unrecognised filter value for health: %s", f->value);
		return 0;
	}
	if (streq(f->key, "exited")) {
		char *end;
		long code = strtol(f->value, &end, 10);

		if (!*f->value || *end || code < 0 || code > 255)
			return berth_error_new(err, EINVAL, "invalid filter 'exited=%s'", f->value);
		f->code = (int)code;
		return 0;
	}
	if (streq(f->key, "publish") || streq(f->key, "expose")) {
		if (parse_ports(f) < 0)
			return berth_error_new(err, EINVAL, "invalid filter '%s=%s'", f->key,
					       f->value);
		return 0;
	}
	if (streq(f->key, "before") || streq(f->key, "since")) {
		_cleanup_free_ char *dir = NULL;
		struct record rec;

		r = record_find(berth_store_root(s), f->value, &dir, &rec, err);
		if (r < 0)
			return r;
		f->created = rec.created;
		f->id = TAKE_PTR(rec.id);
		record_clear(&rec);
		if (!f->id)
			return berth_error_set(err, ENOMEM, "filter containers");
		return 0;
	}
	if (streq(f->key, "ancestor")) {
		/* an image that is not there matches by its name alone */
		if (berth_image_resolve(s, f->value, &f->id, NULL, NULL, NULL) < 0)
			f->id = NULL;
		return 0;
	}
	return 0;
}

int berth_engine_ps(struct berth_engine *e, bool all, char *const *filters,
		    struct berth_ctr_info ***ret, size_t *ret_n, struct berth_error **err)
{
	size_t nf = strv_length((char **)filters), kept = 0, n = 0;
	struct berth_ctr_info **l = NULL;
	struct filter *fs = NULL;
	int r;

	if (nf) {
		fs = calloc(nf, sizeof(*fs));
		if (!fs)
			return berth_error_set(err, ENOMEM, "filter containers");
	}
	for (size_t i = 0; i < nf; i++) {
		r = parse_filter(e, filters[i], &fs[i], err);
		if (r < 0) {
			filters_free(fs, nf);
			return r;
		}
		/* docker: a status filter looks at every container */
		if (streq(fs[i].key, "status"))
			all = true;
	}
	r = berth_engine_list(e, all, &l, &n, err);
	if (r < 0) {
		filters_free(fs, nf);
		return r;
	}
	for (size_t i = 0; i < n; i++) {
		if (match(e, l[i], fs, nf))
			l[kept++] = l[i];
		else
			berth_ctr_info_free(l[i]);
	}
	filters_free(fs, nf);
	*ret = l;
	*ret_n = kept;
	return 0;
}
