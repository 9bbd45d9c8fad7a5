/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * `berth network`: create, ls, inspect, rm over lib/net/network.c.
 */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "berth/engine.h"
#include "berth/image.h"
#include "berth/cleanup.h"
#include "berth/logfile.h"
#include "berth/net.h"
#include "berth/record.h"
#include "berth/util.h"

void berth_network_info_list_free(struct berth_network_info **l, size_t n)
{
	for (size_t i = 0; l && i < n; i++) {
		free(l[i]->name);
		free(l[i]->id);
		free(l[i]->subnet);
		free(l[i]->gateway);
		free(l[i]->bridge);
		free(l[i]);
	}
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
	if (!i->name || !i->id || !i->subnet || !i->gateway || !i->bridge) {
		berth_network_info_list_free(&i, 1);
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

int berth_network_create(struct berth_engine *e, const char *name, const char *subnet,
			 const char *gateway, char **ret_id, struct berth_error **err)
{
	struct berth_store *s = berth_engine_store(e);
	struct net_config c;
	int r;

	r = network_create(berth_store_root(s), name, subnet, gateway, &c, err);
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
	json_t *o, *ctrs, *ipam, *cfg;
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

			if (ctr_find(berth_store_root(s), ids[i], &k, NULL) < 0 || !addr)
				continue;
			json_object_set_new(ctrs, ids[i],
					    json_pack("{s:s, s:s}", "Name", k.rec.name, "IPv4Address",
						      addr));
		}
	cfg = json_pack("[{s:s, s:s}]", "Subnet", subnet, "Gateway", ip_string(c.gateway, g));
	ipam = json_pack("{s:s, s:o}", "Driver", "default", "Config", cfg);
	o = json_pack("{s:s, s:s, s:s, s:s, s:s, s:o, s:o, s:{s:s}}", "Name", c.name, "Id", c.id,
		      "Created", stamp, "Scope", "local", "Driver", "bridge", "IPAM", ipam,
		      "Containers", ctrs, "Options", "com.docker.network.bridge.name", c.bridge);
	net_config_clear(&c);
	text = o ? json_dumps(o, JSON_INDENT(4) | JSON_PRESERVE_ORDER) : NULL;
	json_decref(o);
	if (!text)
		return berth_error_set(err, ENOMEM, "inspect network '%s'", name);
	*ret_json = text;
	return 0;
}
