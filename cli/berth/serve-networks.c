/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The Engine API's /networks endpoints over the engine's berth_network_* calls: bridge
 * networks only, as `berth network`.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "berth/cleanup.h"
#include "berth/util.h"
#include "serve.h"

/* A network's name from what a client names it by, as dockerd: its name, its id, or a
 * unique prefix of its id. 404 (answered) when there is none. */
static int network_name(struct api_ctx *x, struct berth_engine *e, const char *key, char **ret)
{
	_cleanup_(berth_error_freep) struct berth_error *err = NULL;
	struct berth_network_info **l = NULL;
	const char *found = NULL;
	size_t n = 0, matches = 0;

	if (berth_network_list(e, &l, &n, &err) < 0)
		return http_engine_error(x->conn, err);
	for (size_t i = 0; i < n && !found; i++)
		if (streq(l[i]->name, key) || streq(l[i]->id, key))
			found = l[i]->name;
	for (size_t i = 0; i < n && !found && *key; i++)
		if (startswith(l[i]->id, key) && matches++ == 0)
			found = l[i]->name;
	if (found && matches > 1) {
		berth_network_info_list_free(l, n);
		return http_error(x->conn, 400,
				  "network %s is ambiguous (%zu matches found based on ID prefix)",
				  key, matches);
	}
	*ret = found ? strdup(found) : NULL;
	berth_network_info_list_free(l, n);
	if (!found)
		return http_error(x->conn, 404, "network %s not found", key);
	return *ret ? 0 : http_error(x->conn, 500, "out of memory");
}

static json_t *network_json(struct berth_engine *e, const char *name, struct berth_error **err)
{
	_cleanup_free_ char *text = NULL;

	if (berth_network_inspect(e, name, &text, err) < 0)
		return NULL;
	return json_loads(text, 0, NULL);
}

/* GET /networks?filters= */
static int list(struct api_ctx *x)
{
	struct berth_engine *e = api_engine(x);
	_cleanup_(berth_error_freep) struct berth_error *err = NULL;
	_cleanup_strv_free_ char **filters = NULL;
	struct berth_network_info **l = NULL;
	size_t n = 0;
	json_t *a;

	if (!e || http_query_filters(x->conn, x->req, &filters) < 0)
		return -1;
	if (berth_network_ls(e, filters, &l, &n, &err) < 0)
		return http_engine_error(x->conn, err);
	a = json_array();
	for (size_t i = 0; a && i < n; i++) {
		/* removed meanwhile: not listed */
		json_t *j = network_json(e, l[i]->name, NULL);

		if (j)
			json_array_append_new(a, j);
	}
	berth_network_info_list_free(l, n);
	return http_json(x->conn, 200, a);
}

/* GET /networks/{id} */
static int inspect(struct api_ctx *x)
{
	struct berth_engine *e = api_engine(x);
	_cleanup_(berth_error_freep) struct berth_error *err = NULL;
	_cleanup_free_ char *name = NULL;
	json_t *j;

	if (!e || network_name(x, e, x->arg[0], &name) < 0)
		return -1;
	j = network_json(e, name, &err);
	if (!j)
		return err ? http_engine_error(x->conn, err)
			   : http_error(x->conn, 500, "out of memory");
	return http_json(x->conn, 200, j);
}

/* A field berth does not carry out, unless it holds its zero value: 400 naming it. */
static int refuse_set(struct api_ctx *x, json_t *o, const char *key, const char *prefix)
{
	json_t *v = json_object_get(o, key);

	if (!v || json_is_null(v) || json_is_false(v) ||
	    (json_is_string(v) && !*json_string_value(v)) ||
	    ((json_is_object(v) && json_object_size(v) == 0)) ||
	    (json_is_array(v) && json_array_size(v) == 0))
		return 0;
	return http_error(x->conn, 400, "%s%s is not supported by berth", prefix, key);
}

/* {"K":"V"} as "K=V" strings; 400 naming the field when it is not an object of strings */
static int kv_list(struct api_ctx *x, json_t *o, const char *field, char ***ret)
{
	json_t *v = json_object_get(o, field), *s;
	const char *k;

	if (!v || json_is_null(v))
		return 0;
	if (!json_is_object(v))
		return http_error(x->conn, 400, "%s: not an object", field);
	json_object_foreach(v, k, s)
	{
		_cleanup_free_ char *kv = NULL;

		if (!json_is_string(s))
			return http_error(x->conn, 400, "%s.%s: not a string", field, k);
		kv = xasprintf("%s=%s", k, json_string_value(s));
		if (!kv || strv_extend(ret, kv) < 0)
			return http_error(x->conn, 500, "out of memory");
	}
	return 0;
}

/* A string field: NULL when absent or null; 400 when not a string. */
static int str_field(struct api_ctx *x, json_t *o, const char *field, const char *name,
		     const char **ret)
{
	json_t *v = json_object_get(o, field);

	*ret = NULL;
	if (!v || json_is_null(v))
		return 0;
	if (!json_is_string(v))
		return http_error(x->conn, 400, "%s: not a string", name);
	*ret = json_string_value(v);
	return 0;
}

/* POST /networks/create: docker's NetworkCreateRequest */
static int create(struct api_ctx *x)
{
	static const char *const unsupported[] = {"EnableIPv6", "Ingress", "ConfigOnly",
						  "ConfigFrom", "Scope"};
	struct berth_engine *e = api_engine(x);
	_cleanup_(berth_error_freep) struct berth_error *err = NULL;
	_cleanup_strv_free_ char **labels = NULL, **options = NULL;
	_cleanup_free_ char *id = NULL;
	json_auto_t *body = NULL;
	struct berth_network_opts o = {0};
	const char *name, *driver;
	json_t *ipam, *cfg;

	if (!e || http_body_object(x->conn, x->req, true, &body) < 0)
		return -1;
	if (str_field(x, body, "Name", "Name", &name) < 0 ||
	    str_field(x, body, "Driver", "Driver", &driver) < 0)
		return -1;
	if (!name || !*name)
		return http_error(x->conn, 400, "network name is required");
	if (driver && *driver && !streq(driver, "bridge"))
		return http_error(x->conn, 400, "driver %s is not supported by berth (only bridge)",
				  driver);
	for (size_t i = 0; i < ELEMENTSOF(unsupported); i++)
		if (!(i == 4 &&
		      streq(json_string_value(json_object_get(body, "Scope")) ?: "", "local")) &&
		    refuse_set(x, body, unsupported[i], "") < 0)
			return -1;
	ipam = json_object_get(body, "IPAM");
	if (ipam && !json_is_null(ipam)) {
		const char *idriver;

		if (!json_is_object(ipam))
			return http_error(x->conn, 400, "IPAM: not an object");
		if (str_field(x, ipam, "Driver", "IPAM.Driver", &idriver) < 0)
			return -1;
		if (idriver && *idriver && !streq(idriver, "default"))
			return http_error(x->conn, 400, "IPAM driver %s is not supported by berth",
					  idriver);
		if (refuse_set(x, ipam, "Options", "IPAM.") < 0)
			return -1;
		cfg = json_object_get(ipam, "Config");
		if (cfg && !json_is_null(cfg)) {
			json_t *c0;

			if (!json_is_array(cfg))
				return http_error(x->conn, 400, "IPAM.Config: not an array");
			if (json_array_size(cfg) > 1)
				return http_error(x->conn, 400,
						  "IPAM.Config: more than one subnet "
						  "is not supported by berth");
			c0 = json_array_get(cfg, 0);
			if (c0 &&
			    (!json_is_object(c0) ||
			     str_field(x, c0, "Subnet", "IPAM.Config.Subnet", &o.subnet) < 0 ||
			     str_field(x, c0, "Gateway", "IPAM.Config.Gateway", &o.gateway) < 0 ||
			     refuse_set(x, c0, "IPRange", "IPAM.Config.") < 0 ||
			     refuse_set(x, c0, "AuxiliaryAddresses", "IPAM.Config.") < 0))
				return c0 && !json_is_object(c0)
					   ? http_error(x->conn, 400, "IPAM.Config: not an object")
					   : -1;
			if (o.subnet && !*o.subnet)
				o.subnet = NULL;
			if (o.gateway && !*o.gateway)
				o.gateway = NULL;
			if (o.gateway && !o.subnet)
				return http_error(x->conn, 400,
						  "IPAM.Config.Gateway without a Subnet "
						  "is not supported by berth");
		}
	}
	if (kv_list(x, body, "Labels", &labels) < 0 || kv_list(x, body, "Options", &options) < 0)
		return -1;
	o.internal = json_is_true(json_object_get(body, "Internal"));
	o.labels = labels;
	o.options = options;
	/* CheckDuplicate (API < 1.44) is what berth does anyway: a name is unique */
	if (berth_network_create(e, name, &o, &id, &err) < 0)
		return http_engine_error(x->conn, err);
	return http_json(x->conn, 201, json_pack("{s:s,s:s}", "Id", id, "Warning", ""));
}

/* DELETE /networks/{id}: 204; dockerd's 403 for one in use or pre-defined */
static int remove_(struct api_ctx *x)
{
	struct berth_engine *e = api_engine(x);
	_cleanup_(berth_error_freep) struct berth_error *err = NULL;
	_cleanup_free_ char *name = NULL;
	int r;

	if (!e || network_name(x, e, x->arg[0], &name) < 0)
		return -1;
	r = berth_network_remove(e, name, &err);
	if (r == -EBUSY)
		return http_error(x->conn, 403, "error while removing network: %s",
				  berth_error_message(err));
	if (r < 0)
		return http_engine_error(x->conn, err);
	return http_no_content(x->conn, 204);
}

/* POST /networks/{id}/connect {"Container":..., "EndpointConfig":{"Aliases":[...],
 * "IPAMConfig":{"IPv4Address":...}}} */
static int connect_(struct api_ctx *x)
{
	struct berth_engine *e = api_engine(x);
	_cleanup_(berth_error_freep) struct berth_error *err = NULL;
	_cleanup_free_ char *name = NULL;
	_cleanup_strv_free_ char **aliases = NULL;
	json_auto_t *body = NULL;
	const char *ctr, *ip = NULL;
	json_t *ec, *a, *v;
	size_t i;

	if (!e || http_body_object(x->conn, x->req, true, &body) < 0)
		return -1;
	if (str_field(x, body, "Container", "Container", &ctr) < 0)
		return -1;
	if (!ctr || !*ctr)
		return http_error(x->conn, 400, "Container: required");
	ec = json_object_get(body, "EndpointConfig");
	if (ec && !json_is_null(ec)) {
		json_t *ipam = json_object_get(ec, "IPAMConfig");

		if (!json_is_object(ec))
			return http_error(x->conn, 400, "EndpointConfig: not an object");
		a = json_object_get(ec, "Aliases");
		if (a && !json_is_null(a) && !json_is_array(a))
			return http_error(x->conn, 400, "EndpointConfig.Aliases: not an array");
		json_array_foreach(a, i, v)
		{
			if (!json_is_string(v))
				return http_error(x->conn, 400,
						  "EndpointConfig.Aliases: not a string");
			if (strv_extend(&aliases, json_string_value(v)) < 0)
				return http_error(x->conn, 500, "out of memory");
		}
		if (ipam && !json_is_null(ipam)) {
			if (!json_is_object(ipam))
				return http_error(x->conn, 400,
						  "EndpointConfig.IPAMConfig: not an object");
			if (str_field(x, ipam, "IPv4Address",
				      "EndpointConfig.IPAMConfig.IPv4Address", &ip) < 0 ||
			    refuse_set(x, ipam, "IPv6Address", "EndpointConfig.IPAMConfig.") < 0 ||
			    refuse_set(x, ipam, "LinkLocalIPs", "EndpointConfig.IPAMConfig.") < 0)
				return -1;
			if (ip && !*ip)
				ip = NULL;
		}
		if (refuse_set(x, ec, "Links", "EndpointConfig.") < 0 ||
		    refuse_set(x, ec, "DriverOpts", "EndpointConfig.") < 0)
			return -1;
	}
	if (network_name(x, e, x->arg[0], &name) < 0)
		return -1;
	if (berth_network_connect(e, name, ctr, ip, aliases, &err) < 0)
		return http_engine_error(x->conn, err);
	return http_send(x->conn, 200, "text/plain", NULL, 0);
}

/* POST /networks/{id}/disconnect {"Container":..., "Force":bool} */
static int disconnect(struct api_ctx *x)
{
	struct berth_engine *e = api_engine(x);
	_cleanup_(berth_error_freep) struct berth_error *err = NULL;
	_cleanup_free_ char *name = NULL;
	json_auto_t *body = NULL;
	const char *ctr;
	json_t *force;

	if (!e || http_body_object(x->conn, x->req, true, &body) < 0)
		return -1;
	if (str_field(x, body, "Container", "Container", &ctr) < 0)
		return -1;
	if (!ctr || !*ctr)
		return http_error(x->conn, 400, "Container: required");
	force = json_object_get(body, "Force");
	if (force && !json_is_boolean(force) && !json_is_null(force))
		return http_error(x->conn, 400, "Force: not a boolean");
	if (network_name(x, e, x->arg[0], &name) < 0)
		return -1;
	if (berth_network_disconnect(e, name, ctr, json_is_true(force), &err) < 0)
		return http_engine_error(x->conn, err);
	return http_send(x->conn, 200, "text/plain", NULL, 0);
}

/* POST /networks/prune?filters= */
static int prune(struct api_ctx *x)
{
	struct berth_engine *e = api_engine(x);
	_cleanup_(berth_error_freep) struct berth_error *err = NULL;
	_cleanup_strv_free_ char **filters = NULL, **removed = NULL;
	json_t *a;

	if (!e || http_query_filters(x->conn, x->req, &filters) < 0)
		return -1;
	if (berth_network_prune(e, filters, &removed, &err) < 0)
		return http_engine_error(x->conn, err);
	a = json_array();
	for (char **n = removed; a && n && *n; n++)
		json_array_append_new(a, json_string(*n));
	return http_json(x->conn, 200, json_pack("{s:o}", "NetworksDeleted", a));
}

const struct api_route api_network_routes[] = {
    {"GET", "/networks", list},
    {"POST", "/networks/create", create},
    {"POST", "/networks/prune", prune},
    {"GET", "/networks/{}", inspect},
    {"DELETE", "/networks/{}", remove_},
    {"POST", "/networks/{}/connect", connect_},
    {"POST", "/networks/{}/disconnect", disconnect},
    {},
};
