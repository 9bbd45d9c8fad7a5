/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * `berth network`: create, ls, inspect, rm, prune, connect, disconnect over
 * lib/net/network.c; a running container's monitor connects it (monitor_net_request).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <regex.h>
#include <sys/file.h>
#include <unistd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "berth/engine.h"
#include "berth/image.h"
#include "berth/cleanup.h"
#include "berth/logfile.h"
#include "berth/monitor.h"
#include "berth/net.h"
#include "berth/record.h"
#include "berth/util.h"

static void info_free(struct berth_network_info *i)
{
	if (!i)
		return;
	free(i->name);
	free(i->id);
	free(i->subnet);
	free(i->gateway);
	free(i->bridge);
	strv_free(i->labels);
	free(i);
}

void berth_network_info_list_free(struct berth_network_info **l, size_t n)
{
	for (size_t i = 0; l && i < n; i++)
		info_free(l[i]);
	free(l);
}

static struct berth_network_info *info_of(const struct net_config *n)
{
	struct berth_network_info *i = calloc(1, sizeof(*i));
	char a[16], g[16];

	if (!i)
		return NULL;
	i->name = strdup(n->name);
	i->id = strdup(n->id);
	i->subnet = xasprintf("%s/%d", ip_string(n->subnet, a), n->prefix);
	i->gateway = strdup(ip_string(n->gateway, g));
	i->bridge = strdup(n->bridge);
	i->created = n->created;
	i->internal = n->internal;
	for (char **l = n->labels; l && *l; l++)
		if (strv_extend(&i->labels, *l) < 0) {
			info_free(i);
			return NULL;
		}
	if (!i->name || !i->id || !i->subnet || !i->gateway || !i->bridge) {
		info_free(i);
		return NULL;
	}
	return i;
}

int berth_network_list(struct berth_engine *e, struct berth_network_info ***ret, size_t *ret_n,
		       struct berth_error **err)
{
	struct berth_store *s = berth_engine_store(e);
	_cleanup_strv_free_ char **names = NULL;
	struct berth_network_info **l;
	struct net_config def;
	size_t n = 0;
	int r;

	/* the default network is there from the start, as docker's is */
	r = network_load(berth_store_root(s), NET_DEFAULT, &def, err);
	if (r < 0)
		return r;
	net_config_clear(&def);
	r = network_list(berth_store_root(s), &names, err);
	if (r < 0)
		return r;
	l = calloc(strv_length(names) + 1, sizeof(*l));
	if (!l)
		return berth_error_set(err, ENOMEM, "list networks");
	for (char **nm = names; *nm; nm++) {
		struct net_config c;

		if (network_load(berth_store_root(s), *nm, &c, NULL) < 0)
			continue;
		l[n] = info_of(&c);
		net_config_clear(&c);
		if (!l[n]) {
			berth_network_info_list_free(l, n);
			return berth_error_set(err, ENOMEM, "list networks");
		}
		n++;
	}
	*ret = l;
	*ret_n = n;
	return 0;
}

/* docker's network filter keys (the daemon's acceptedNetworkFilters) */
static const char *const net_filter_keys[] = {"dangling", "driver", "id",  "label",
					      "name",	  "scope",  "type"};

/* docker's filters.Match: the value itself, or a regular expression matching in s (one
 * that does not compile matches only itself, as Go's regexp.MatchString failing) */
static bool value_match(const char *pattern, const char *s)
{
	regex_t re;
	bool m;

	if (streq(pattern, s))
		return true;
	if (regcomp(&re, pattern, REG_EXTENDED | REG_NOSUB) != 0)
		return false;
	m = regexec(&re, s, 0, NULL, 0) == 0;
	regfree(&re);
	return m;
}

/* The keys and the values that must be known before anything is matched; *ret_dangling:
 * -1 without a dangling filter, else whether only dangling networks are wanted. */
static int net_filters_check(char *const *filters, int *ret_dangling, struct berth_error **err)
{
	const char *dangling = NULL;

	for (char *const *f = filters; f && *f; f++) {
		const char *eq = strchr(*f, '='), *v = eq ? eq + 1 : "";
		size_t kl = eq ? (size_t)(eq - *f) : strlen(*f);
		bool known = false;

		for (size_t k = 0; k < ELEMENTSOF(net_filter_keys) && !known; k++)
			known = strlen(net_filter_keys[k]) == kl &&
				!strncmp(net_filter_keys[k], *f, kl);
		if (!known)
			return berth_error_new(err, EINVAL, "invalid filter '%.*s'", (int)kl, *f);
		if (startswith(*f, "type=") && !streq(v, "custom") && !streq(v, "builtin"))
			return berth_error_new(err, EINVAL, "invalid filter: 'type'='%s'", v);
		if (!startswith(*f, "dangling="))
			continue;
		/* docker's values are a set: the same one twice is one */
		if (dangling && !streq(dangling, v))
			return berth_error_new(
			    err, EINVAL, "got more than one value for filter key \"dangling\"");
		if (!streq(v, "true") && !streq(v, "1") && !streq(v, "false") && !streq(v, "0"))
			return berth_error_new(
			    err, EINVAL,
			    "invalid value for filter 'dangling', must be \"true\" "
			    "(or \"1\"), or \"false\" (or \"0\")");
		dangling = v;
	}
	*ret_dangling = !dangling ? -1 : streq(dangling, "true") || streq(dangling, "1");
	return 0;
}

static bool net_filter_match(const char *store_root, const struct berth_network_info *n,
			     char *const *filters, int dangling)
{
	bool builtin = streq(n->name, NET_DEFAULT);

	/* label: every one (docker's MatchKVList); other keys: any of their values */
	for (char *const *f = filters; f && *f; f++) {
		const char *v;

		if ((v = startswith(*f, "label=")) && !labels_match(n->labels, v))
			return false;
	}
	for (size_t k = 0; k < ELEMENTSOF(net_filter_keys); k++) {
		const char *key = net_filter_keys[k];
		bool present = false, any = false;

		if (streq(key, "label") || streq(key, "dangling"))
			continue;
		for (char *const *f = filters; f && *f && !any; f++) {
			const char *v = startswith(*f, key);

			if (!v || *v != '=')
				continue;
			v++;
			present = true;
			if (streq(key, "name"))
				any = value_match(v, n->name);
			else if (streq(key, "id"))
				any = value_match(v, n->id);
			else if (streq(key, "driver"))
				any = streq(v, "bridge");
			else if (streq(key, "scope"))
				any = streq(v, "local");
			else if (streq(key, "type"))
				any = streq(v, "builtin") == builtin;
		}
		if (present && !any)
			return false;
	}
	if (dangling >= 0) {
		_cleanup_strv_free_ char **ids = NULL, **ips = NULL;
		/* docker: a network no container is on, the predefined ones never */
		bool unused =
		    !builtin && network_leases(store_root, n->name, &ids, &ips) == 0 && !ids[0];

		if (unused != (bool)dangling)
			return false;
	}
	return true;
}

int berth_network_ls(struct berth_engine *e, char *const *filters, struct berth_network_info ***ret,
		     size_t *ret_n, struct berth_error **err)
{
	const char *root = berth_store_root(berth_engine_store(e));
	struct berth_network_info **l = NULL;
	size_t n = 0, kept = 0;
	int dangling = -1, r;

	r = net_filters_check(filters, &dangling, err);
	if (r < 0)
		return r;
	r = berth_network_list(e, &l, &n, err);
	if (r < 0)
		return r;
	for (size_t i = 0; i < n; i++) {
		if (net_filter_match(root, l[i], filters, dangling))
			l[kept++] = l[i];
		else
			info_free(l[i]);
	}
	*ret = l;
	*ret_n = kept;
	return 0;
}

int berth_network_create(struct berth_engine *e, const char *name,
			 const struct berth_network_opts *o, char **ret_id,
			 struct berth_error **err)
{
	struct berth_store *s = berth_engine_store(e);
	struct net_create_opts co = {
	    .subnet = o->subnet,
	    .gateway = o->gateway,
	    .internal = o->internal,
	    .labels = o->labels,
	    .options = o->options,
	};
	struct net_config c;
	int r;

	r = network_create(berth_store_root(s), name, &co, &c, err);
	if (r < 0)
		return r;
	*ret_id = TAKE_PTR(c.id);
	net_config_clear(&c);
	return *ret_id ? 0 : -ENOMEM;
}

int berth_network_remove(struct berth_engine *e, const char *name, struct berth_error **err)
{
	struct berth_store *s = berth_engine_store(e);
	if (streq(name, NET_DEFAULT))
		return berth_error_new(err, EPERM, "%s is a pre-defined network and cannot be removed",
				       name);
	return network_remove(berth_store_root(s), name, err);
}

int berth_network_inspect(struct berth_engine *e, const char *name, char **ret_json,
			  struct berth_error **err)
{
	struct berth_store *s = berth_engine_store(e);
	_cleanup_strv_free_ char **ids = NULL, **ips = NULL;
	struct net_config c;
	json_t *o, *ctrs, *ipam, *cfg, *labels, *opts;
	char a[16], g[16], subnet[24], stamp[32];
	char *text;
	int r;

	r = network_load(berth_store_root(s), name, &c, err);
	if (r < 0)
		return r;
	snprintf(subnet, sizeof(subnet), "%s/%d", ip_string(c.subnet, a), c.prefix);
	logfile_format_time(c.created * 1000000000, stamp);
	ctrs = json_object();
	if (network_leases(berth_store_root(s), name, &ids, &ips) == 0)
		for (size_t i = 0; ids[i]; i++) {
			_cleanup_(ctr_release) struct ctr k = { 0 };
			_cleanup_free_ char *addr = xasprintf("%s/%d", ips[i], c.prefix);
			struct in_addr ia;
			char mac[18] = "";

			if (ctr_find(berth_store_root(s), ids[i], &k, NULL) < 0 || !addr)
				continue;
			/* its interface's (--mac-address) while it runs, else docker's */
			for (size_t j = 0; j < k.rec.n_nets && !mac[0]; j++)
				if (streq(k.rec.nets[j].name, name) && k.rec.nets[j].mac)
					snprintf(mac, sizeof(mac), "%s", k.rec.nets[j].mac);
			if (!mac[0] && inet_pton(AF_INET, ips[i], &ia) == 1)
				net_mac_string(ia.s_addr, mac);
			json_object_set_new(ctrs, ids[i],
					    json_pack("{s:s, s:s, s:s, s:s}", "Name", k.rec.name,
						      "EndpointID", "", "MacAddress", mac,
						      "IPv4Address", addr));
		}
	cfg = json_pack("[{s:s, s:s}]", "Subnet", subnet, "Gateway", ip_string(c.gateway, g));
	ipam = json_pack("{s:s, s:o}", "Driver", "default", "Config", cfg);
	labels = json_object();
	opts = json_object();
	for (int pass = 0; pass < 2; pass++)
		for (char **l = pass ? c.options : c.labels; l && *l; l++) {
			const char *eq = strchr(*l, '=');
			_cleanup_free_ char *k = eq ? strndup(*l, (size_t)(eq - *l)) : strdup(*l);

			if (k)
				json_object_set_new(pass ? opts : labels, k,
						    json_string(eq ? eq + 1 : ""));
		}
	json_object_set_new(opts, NET_OPT_BRIDGE_NAME, json_string(c.bridge));
	o = json_pack("{s:s, s:s, s:s, s:s, s:s, s:b, s:o, s:b, s:b, s:o, s:o, s:o}", "Name",
		      c.name, "Id", c.id, "Created", stamp, "Scope", "local", "Driver", "bridge",
		      "EnableIPv6", 0, "IPAM", ipam, "Internal", c.internal, "Attachable", 0,
		      "Containers", ctrs, "Options", opts, "Labels", labels);
	net_config_clear(&c);
	text = o ? json_dumps(o, JSON_INDENT(4) | JSON_PRESERVE_ORDER) : NULL;
	json_decref(o);
	if (!text)
		return berth_error_set(err, ENOMEM, "inspect network '%s'", name);
	*ret_json = text;
	return 0;
}

static bool own_network(const struct record *r)
{
	return r->network && !streq(r->network, "none") && !streq(r->network, "host") &&
	       !startswith(r->network, "container:");
}

/* docker's refusals for a container without a network namespace of its own */
static int shared_netns_error(const struct record *r, struct berth_error **err)
{
	if (r->network && streq(r->network, "none"))
		return berth_error_new(
		    err, EINVAL,
		    "container cannot be connected to multiple networks with one "
		    "of the networks in private (none) mode");
	return berth_error_new(err, EINVAL,
			       "container sharing network namespace with another container or "
			       "host cannot be connected to any other network");
}

/* A created or stopped container's record, changed under its lock and the start lock (a
 * start between our read and write would lose the change). *ret_running: it runs
 * (meanwhile): nothing was done, its monitor is the one to ask. */
static int edit_stopped(struct ctr *c, const char *network, const char *ip, char *const *aliases,
			bool connect, bool force, bool *ret_running, struct berth_error **err)
{
	_cleanup_free_ char *sl = xasprintf("%s/start.lock", c->dir);
	_cleanup_close_ int start_lock = -EBADF, lock = -EBADF;
	struct record rec;
	int i, r;

	*ret_running = false;
	if (!sl)
		return berth_error_set(err, ENOMEM, "network %s", network);
	start_lock = open(sl, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (start_lock < 0 || flock(start_lock, LOCK_EX) < 0)
		return berth_error_set(err, errno, "lock '%s'", sl);
	if (record_lock(c->dir, &lock) < 0 || record_read(c->dir, &rec, NULL) < 0)
		return berth_error_new(err, ENOENT, "No such container: %s", c->rec.name);
	if (rec.state == BERTH_CTR_RUNNING && !rec.orphaned) {
		record_clear(&rec);
		*ret_running = true;
		return 0;
	}
	i = record_net_find(&rec, network);
	if (connect && i >= 0)
		r = berth_error_new(err, EEXIST,
				    "endpoint with name %s already exists in network %s", rec.name,
				    network);
	else if (connect)
		r = record_net_add(&rec, network, ip, aliases) < 0
			? berth_error_set(err, ENOMEM, "connect to network %s", network)
			: record_write(c->dir, &rec, err);
	else if (i < 0)
		r = force ? 0
			  : berth_error_new(err, ENOENT,
					    "container %s is not connected to network %s", rec.name,
					    network);
	else {
		record_net_remove(&rec, (size_t)i);
		r = record_write(c->dir, &rec, err);
	}
	record_clear(&rec);
	return r;
}

static int connect_or_disconnect(struct berth_engine *e, const char *network, const char *key,
				 const char *ip, char *const *aliases, bool connect, bool force,
				 struct berth_error **err)
{
	struct berth_store *s = berth_engine_store(e);
	_cleanup_(ctr_release) struct ctr c = {0};
	struct net_config n;
	int r;

	r = network_load(berth_store_root(s), network, &n, err);
	if (r < 0)
		return r;
	if (ip) {
		uint32_t a;

		r = network_check_ip(&n, ip, &a, err);
	}
	net_config_clear(&n);
	if (r < 0)
		return r;
	if (connect && streq(network, NET_DEFAULT) && (ip || aliases))
		return berth_error_new(err, EINVAL,
				       ip ? "user specified IP address is supported on user "
					    "defined networks only"
					  : "network-scoped alias is supported only for containers "
					    "in user defined networks");
	r = ctr_find(berth_store_root(s), key, &c, NULL);
	if (r < 0)
		return berth_error_new(err, ENOENT, "No such container: %s", key);
	if (!own_network(&c.rec))
		return connect ? shared_netns_error(&c.rec, err)
			       : berth_error_new(err, ENOENT,
						 "container %s is not connected to network %s",
						 c.rec.name, network);
	for (int attempt = 0; attempt < 3; attempt++) {
		bool running = c.rec.state == BERTH_CTR_RUNNING && !c.rec.orphaned;
		struct berth_error *me = NULL;

		if (running && c.rec.restarting)
			return berth_error_new(
			    err, EBUSY, "container %s is restarting, wait until it is running",
			    c.rec.name);
		if (running) {
			r = monitor_net_request(c.dir,
						connect ? MON_NET_CONNECT : MON_NET_DISCONNECT,
						network, ip, aliases, &me);
			/* its monitor is gone (the container ended meanwhile): as a stopped
			 * one */
			if (r != -ESRCH && r != -EPIPE) {
				if (r == -ENOENT && force && !connect)
					r = 0;
				if (r < 0 && err) {
					berth_error_free(*err);
					*err = TAKE_PTR(me);
				}
				berth_error_free(me);
				return r;
			}
			berth_error_free(me);
		} else {
			r = edit_stopped(&c, network, ip, aliases, connect, force, &running, err);
			if (r < 0 || !running)
				return r;
		}
		record_clear(&c.rec);
		if (record_read(c.dir, &c.rec, NULL) < 0)
			return berth_error_new(err, ENOENT, "No such container: %s", key);
	}
	return berth_error_new(err, EAGAIN, "container %s keeps changing state", key);
}

int berth_network_connect(struct berth_engine *e, const char *network, const char *key,
			  const char *ip, char *const *aliases, struct berth_error **err)
{
	return connect_or_disconnect(e, network, key, ip, aliases, true, false, err);
}

int berth_network_disconnect(struct berth_engine *e, const char *network, const char *key,
			     bool force, struct berth_error **err)
{
	return connect_or_disconnect(e, network, key, NULL, NULL, false, force, err);
}

int berth_network_prune(struct berth_engine *e, char *const *filters, char ***ret_removed,
			struct berth_error **err)
{
	struct berth_store *s = berth_engine_store(e);
	_cleanup_strv_free_ char **names = NULL, **removed = calloc(1, sizeof(char *));
	int r;

	if (!removed)
		return berth_error_set(err, ENOMEM, "network prune");
	for (char *const *f = filters; f && *f; f++)
		if (!startswith(*f, "label=") && !startswith(*f, "label!="))
			return berth_error_new(err, EINVAL, "invalid filter '%.*s'",
					       (int)strcspn(*f, "=!"), *f);
	r = network_list(berth_store_root(s), &names, err);
	if (r < 0)
		return r;
	for (char **nm = names; *nm; nm++) {
		struct net_config c;
		bool match = true;

		if (streq(*nm, NET_DEFAULT) || network_load(berth_store_root(s), *nm, &c, NULL) < 0)
			continue;
		for (char *const *f = filters; f && *f && match; f++) {
			const char *v;

			if ((v = startswith(*f, "label=")))
				match = labels_match(c.labels, v);
			else if ((v = startswith(*f, "label!=")))
				match = !labels_match(c.labels, v);
		}
		net_config_clear(&c);
		/* in use (-EBUSY, checked under the networks' lock) or gone: not pruned */
		if (!match || network_remove(berth_store_root(s), *nm, NULL) < 0)
			continue;
		if (strv_extend(&removed, *nm) < 0)
			return berth_error_set(err, ENOMEM, "network prune");
	}
	*ret_removed = TAKE_PTR(removed);
	return 0;
}
