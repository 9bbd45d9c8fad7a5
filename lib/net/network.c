/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "berth/events.h"
#include "berth/cleanup.h"
#include "netlink.h"
#include "berth/net.h"
#include "berth/util.h"

const char *ip_string(uint32_t addr, char buf[16])
{
	struct in_addr a = { .s_addr = addr };

	return inet_ntop(AF_INET, &a, buf, 16) ? buf : "?";
}

static uint32_t mask_of(int prefix)
{
	return prefix <= 0 ? 0 : htonl(~(uint32_t)0 << (32 - prefix));
}

static int parse_cidr(const char *s, uint32_t *ret_net, int *ret_prefix)
{
	char ip[32];
	const char *slash = strchr(s, '/');
	struct in_addr a;
	int64_t p;

	if (!slash || (size_t)(slash - s) >= sizeof(ip))
		return -EINVAL;
	memcpy(ip, s, (size_t)(slash - s));
	ip[slash - s] = 0;
	if (inet_pton(AF_INET, ip, &a) != 1 || parse_i64(slash + 1, &p) < 0 || p < 8 || p > 30)
		return -EINVAL;
	*ret_net = a.s_addr & mask_of((int)p);
	*ret_prefix = (int)p;
	return 0;
}

void net_config_clear(struct net_config *n)
{
	free(n->name);
	free(n->id);
	free(n->bridge);
	strv_free(n->labels);
	strv_free(n->options);
	*n = (struct net_config){ 0 };
}

static char *net_dir(const char *store_root, const char *name)
{
	return xasprintf("%s/networks/%s", store_root, name);
}

static bool name_valid(const char *n)
{
	return object_name_valid(n, 1, 64);
}

/* {"k": "v"} as "k=v" strings (NULL when there are none) */
static char **kv_of(json_t *o)
{
	const char *k;
	char **l = NULL;
	json_t *v;

	json_object_foreach(o, k, v)
	{
		_cleanup_free_ char *kv = xasprintf("%s=%s", k, json_string_value(v) ?: "");

		if (kv)
			(void)strv_extend(&l, kv);
	}
	return l;
}

static json_t *kv_json(char *const *l)
{
	json_t *o = json_object();

	for (char *const *i = l; o && i && *i; i++) {
		const char *eq = strchr(*i, '=');
		_cleanup_free_ char *k = eq ? strndup(*i, (size_t)(eq - *i)) : strdup(*i);

		if (k)
			json_object_set_new(o, k, json_string(eq ? eq + 1 : ""));
	}
	return o;
}

static int read_config(const char *dir, struct net_config *ret)
{
	_cleanup_free_ char *path = xasprintf("%s/network.json", dir);
	struct net_config n = { 0 };
	struct in_addr gw;
	const char *subnet, *g;
	json_t *o;

	if (!path)
		return -ENOMEM;
	o = json_load_file(path, 0, NULL);
	if (!o)
		return -ENOENT;
	subnet = json_string_value(json_object_get(o, "Subnet"));
	g = json_string_value(json_object_get(o, "Gateway"));
	n.name = strdup(json_string_value(json_object_get(o, "Name")) ?: "");
	n.id = strdup(json_string_value(json_object_get(o, "Id")) ?: "");
	n.bridge = strdup(json_string_value(json_object_get(o, "Bridge")) ?: "");
	n.created = json_integer_value(json_object_get(o, "Created"));
	n.internal = json_is_true(json_object_get(o, "Internal"));
	n.labels = kv_of(json_object_get(o, "Labels"));
	n.options = kv_of(json_object_get(o, "Options"));
	n.masquerade = !n.internal && !strv_contains(n.options, NET_OPT_MASQUERADE "=false");
	if (!subnet || !g || parse_cidr(subnet, &n.subnet, &n.prefix) < 0 ||
	    inet_pton(AF_INET, g, &gw) != 1 || !n.name || !n.id || !n.bridge) {
		json_decref(o);
		net_config_clear(&n);
		return -EINVAL;
	}
	n.gateway = gw.s_addr;
	json_decref(o);
	*ret = n;
	return 0;
}

int network_list(const char *store_root, char ***ret, struct berth_error **err)
{
	_cleanup_free_ char *dir = xasprintf("%s/networks", store_root);
	int r;

	if (!dir)
		return berth_error_set(err, ENOMEM, "list networks");
	r = dir_list_marked(dir, "network.json", name_valid, ret);
	if (r < 0)
		return berth_error_set(err, -r, "list '%s'", dir);
	return 0;
}

/* Networks are made and removed under <store>/networks/.lock */
static int lock_networks(const char *store_root, int *ret_fd)
{
	_cleanup_free_ char *dir = xasprintf("%s/networks", store_root), *p = NULL;
	int fd, r;

	if (!dir)
		return -ENOMEM;
	r = mkdir_p(dir, 0700);
	if (r < 0)
		return r;
	p = xasprintf("%s/.lock", dir);
	if (!p)
		return -ENOMEM;
	fd = open(p, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0 || flock(fd, LOCK_EX) < 0) {
		r = -errno;
		if (fd >= 0)
			close(fd);
		return r;
	}
	*ret_fd = fd;
	return 0;
}

static bool overlaps(uint32_t a, int pa, uint32_t b, int pb)
{
	int p = pa < pb ? pa : pb;

	return (a & mask_of(p)) == (b & mask_of(p));
}

/* Does subnet/prefix overlap a network of the store? */
static bool subnet_taken(const char *store_root, uint32_t subnet, int prefix, char **ret_name)
{
	_cleanup_strv_free_ char **names = NULL;

	if (network_list(store_root, &names, NULL) < 0)
		return false;
	for (char **n = names; *n; n++) {
		_cleanup_free_ char *dir = net_dir(store_root, *n);
		struct net_config c;
		bool hit;

		if (!dir || read_config(dir, &c) < 0)
			continue;
		hit = overlaps(c.subnet, c.prefix, subnet, prefix);
		net_config_clear(&c);
		if (hit) {
			if (ret_name)
				*ret_name = strdup(*n);
			return true;
		}
	}
	return false;
}

static int write_config(const char *store_root, const char *name, const char *bridge,
			uint32_t subnet, int prefix, uint32_t gateway,
			const struct net_create_opts *co, struct net_config *ret,
			struct berth_error **err)
{
	_cleanup_free_ char *dir = net_dir(store_root, name), *path = NULL, *leases = NULL,
			    *text = NULL;
	char id[65], s[16], g[16], cidr[24];
	json_t *o;
	int r;

	if (!dir)
		return berth_error_set(err, ENOMEM, "create network '%s'", name);
	r = random_hex_id(id);
	if (r < 0)
		return berth_error_set(err, -r, "getrandom");
	snprintf(cidr, sizeof(cidr), "%s/%d", ip_string(subnet, s), prefix);
	o = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:I}", "Name", name, "Id", id, "Driver",
		      "bridge", "Subnet", cidr, "Gateway", ip_string(gateway, g), "Bridge",
		      bridge ? bridge : "", "Created", (json_int_t)time(NULL));
	if (o && !bridge) {
		/* docker's br-<id> */
		char br[16];

		snprintf(br, sizeof(br), "br-%.12s", id);
		json_object_set_new(o, "Bridge", json_string(br));
	}
	if (o && co) {
		json_object_set_new(o, "Internal", json_boolean(co->internal));
		json_object_set_new(o, "Labels", kv_json(co->labels));
		json_object_set_new(o, "Options", kv_json(co->options));
	}
	text = o ? json_dumps(o, JSON_INDENT(2)) : NULL;
	json_decref(o);
	path = xasprintf("%s/network.json", dir);
	leases = xasprintf("%s/leases", dir);
	if (!text || !path || !leases)
		return berth_error_set(err, ENOMEM, "create network '%s'", name);
	r = mkdir_p(leases, 0700);
	if (r >= 0)
		r = write_file_atomic(path, text, strlen(text), 0600);
	if (r < 0)
		return berth_error_set(err, -r, "write network '%s'", name);
	r = ret ? read_config(dir, ret) : 0;
	if (r < 0)
		return berth_error_set(err, -r, "read network '%s'", name);
	return 0;
}

/* The bridge name of -o com.docker.network.bridge.name: an interface name no other
 * network's bridge has. *ret NULL: none asked for. */
static int bridge_option(const char *store_root, const struct net_create_opts *o, const char **ret,
			 struct berth_error **err)
{
	_cleanup_strv_free_ char **names = NULL;
	const char *bridge = NULL;

	for (char **i = o->options; i && *i; i++) {
		const char *v;

		if ((v = startswith(*i, NET_OPT_BRIDGE_NAME "="))) {
			bridge = v;
		} else if ((v = startswith(*i, NET_OPT_MASQUERADE "="))) {
			if (!streq(v, "true") && !streq(v, "false"))
				return berth_error_new(err, EINVAL,
						       "invalid value '%s' of option %s: true or "
						       "false",
						       v, NET_OPT_MASQUERADE);
		} else {
			return berth_error_new(err, EINVAL, "unknown network option '%.*s'",
					       (int)strcspn(*i, "="), *i);
		}
	}
	*ret = NULL;
	if (!bridge)
		return 0;
	if (!object_name_valid(bridge, 1, 15))
		return berth_error_new(
		    err, EINVAL, "invalid bridge name '%s': 1 to 15 of [a-zA-Z0-9_.-]", bridge);
	if (streq(bridge, NET_DEFAULT_BRIDGE))
		return berth_error_new(err, EEXIST, "bridge name %s is used by network %s", bridge,
				       NET_DEFAULT);
	if (network_list(store_root, &names, NULL) == 0)
		for (char **n = names; *n; n++) {
			_cleanup_free_ char *dir = net_dir(store_root, *n);
			struct net_config c;
			bool hit;

			if (!dir || read_config(dir, &c) < 0)
				continue;
			hit = streq(c.bridge, bridge);
			net_config_clear(&c);
			if (hit)
				return berth_error_new(err, EEXIST,
						       "bridge name %s is used by network %s",
						       bridge, *n);
		}
	*ret = bridge;
	return 0;
}

int network_create(const char *store_root, const char *name, const struct net_create_opts *o,
		   struct net_config *ret, struct berth_error **err)
{
	_cleanup_free_ char *dir = NULL, *path = NULL, *other = NULL;
	_cleanup_close_ int lock = -EBADF;
	const char *subnet = o->subnet, *gateway = o->gateway, *bridge = NULL;
	uint32_t net = 0, gw;
	int prefix = 16, r;

	if (!name_valid(name))
		return berth_error_new(err, EINVAL,
				       "invalid network name '%s': only [a-zA-Z0-9][a-zA-Z0-9_.-] "
				       "are allowed",
				       name);
	if (streq(name, "none") || streq(name, "host"))
		return berth_error_new(err, EINVAL, "network name '%s' is reserved", name);
	r = lock_networks(store_root, &lock);
	if (r < 0)
		return berth_error_set(err, -r, "lock the networks");
	dir = net_dir(store_root, name);
	path = xasprintf("%s/network.json", dir ? dir : "");
	if (!dir || !path)
		return berth_error_set(err, ENOMEM, "create network '%s'", name);
	if (access(path, F_OK) == 0)
		return berth_error_new(err, EEXIST, "network with name %s already exists", name);
	for (char **l = o->labels; l && *l; l++)
		if (**l == '=')
			return berth_error_new(err, EINVAL, "invalid label '%s': no key", *l);
	r = bridge_option(store_root, o, &bridge, err);
	if (r < 0)
		return r;
	if (subnet) {
		if (parse_cidr(subnet, &net, &prefix) < 0)
			return berth_error_new(err, EINVAL,
					       "invalid subnet '%s': an IPv4 a.b.c.d/N with N 8..30",
					       subnet);
		if (subnet_taken(store_root, net, prefix, &other))
			return berth_error_new(err, EINVAL,
					       "subnet %s overlaps network %s", subnet,
					       other ? other : "?");
	} else {
		bool found = false;

		for (int i = 0; i < 12 && !found; i++) {
			char cand[24];

			if (i < 2)
				snprintf(cand, sizeof(cand), "172.%d.0.0/16", 30 + i);
			else
				snprintf(cand, sizeof(cand), "10.%d.0.0/16", 90 + i - 2);
			(void)parse_cidr(cand, &net, &prefix);
			found = !subnet_taken(store_root, net, prefix, NULL);
		}
		if (!found)
			return berth_error_new(err, ENOSPC,
					       "no free subnet left for network %s: give --subnet",
					       name);
	}
	if (gateway) {
		struct in_addr g;

		if (inet_pton(AF_INET, gateway, &g) != 1 || (g.s_addr & mask_of(prefix)) != net)
			return berth_error_new(err, EINVAL,
					       "invalid gateway '%s': an address in the subnet",
					       gateway);
		gw = g.s_addr;
	} else {
		gw = htonl(ntohl(net) + 1);
	}
	r = write_config(store_root, name, bridge, net, prefix, gw, o, ret, err);
	if (r >= 0 && ret)
		(void)network_event(store_root, "create", ret, NULL);
	return r;
}

int network_load(const char *store_root, const char *name, struct net_config *ret,
		 struct berth_error **err)
{
	_cleanup_free_ char *dir = net_dir(store_root, name);
	int r;

	if (!dir)
		return berth_error_set(err, ENOMEM, "network '%s'", name);
	if (!name_valid(name))
		return berth_error_new(err, ENOENT, "network %s not found", name);
	r = read_config(dir, ret);
	if (r == -ENOENT && streq(name, NET_DEFAULT)) {
		_cleanup_close_ int lock = -EBADF;
		uint32_t net;
		int prefix;

		r = lock_networks(store_root, &lock);
		if (r < 0)
			return berth_error_set(err, -r, "lock the networks");
		/* made by someone else while we waited? */
		if (read_config(dir, ret) == 0)
			return 0;
		(void)parse_cidr(NET_DEFAULT_SUBNET, &net, &prefix);
		return write_config(store_root, NET_DEFAULT, NET_DEFAULT_BRIDGE, net, prefix,
				    htonl(ntohl(net) + 1), NULL, ret, err);
	}
	if (r == -ENOENT)
		return berth_error_new(err, ENOENT, "network %s not found", name);
	if (r < 0)
		return berth_error_new(err, -r, "network %s: unreadable network.json", name);
	return 0;
}

int network_leases(const char *store_root, const char *name, char ***ret_ids, char ***ret_ips)
{
	_cleanup_free_ char *dir = xasprintf("%s/networks/%s/leases", store_root, name);
	_cleanup_closedir_ DIR *d = NULL;
	_cleanup_strv_free_ char **ids = NULL, **ips = NULL;
	struct dirent *de;

	if (!dir)
		return -ENOMEM;
	d = opendir(dir);
	while (d && (de = readdir(d))) {
		_cleanup_free_ char *p = NULL, *id = NULL;

		if (de->d_name[0] == '.')
			continue;
		p = xasprintf("%s/%s", dir, de->d_name);
		if (!p || read_one_line_at(AT_FDCWD, p, &id) < 0)
			continue;
		if (strv_extend(&ids, id) < 0 || strv_extend(&ips, de->d_name) < 0)
			return -ENOMEM;
	}
	if (!ids && (!(ids = calloc(1, sizeof(char *))) || !(ips = calloc(1, sizeof(char *)))))
		return -ENOMEM;
	*ret_ids = TAKE_PTR(ids);
	*ret_ips = TAKE_PTR(ips);
	return 0;
}

static int nft(const char *script, struct berth_error **err);

/* What bridge_up() put in table ip berth for n, taken out: each element on its own (one
 * that is not there, or no table at all, is no error). */
static void nat_remove(const struct net_config *n)
{
	char net[16];
	_cleanup_free_ char *masq = xasprintf("delete element ip berth masq { %s/%d }\n",
					      ip_string(n->subnet, net), n->prefix),
			    *br = xasprintf("delete element ip berth bridges { \"%s\" }\n",
					    n->bridge),
			    *in = xasprintf("delete element ip berth internal { \"%s\" }\n",
					    n->bridge),
			    *self = xasprintf("delete element ip berth bridge_self { \"%s\" . "
					      "\"%s\" }\n",
					      n->bridge, n->bridge);

	if (masq && n->masquerade)
		(void)nft(masq, NULL);
	if (br)
		(void)nft(br, NULL);
	if (in && n->internal)
		(void)nft(in, NULL);
	if (self)
		(void)nft(self, NULL);
}

int network_remove(const char *store_root, const char *name, struct berth_error **err)
{
	_cleanup_free_ char *dir = net_dir(store_root, name), *path = NULL;
	_cleanup_strv_free_ char **ids = NULL, **ips = NULL;
	_cleanup_close_ int lock = -EBADF;
	struct net_config n;
	struct nl nl = NL_INIT;
	int r, idx;

	if (!dir)
		return berth_error_set(err, ENOMEM, "remove network '%s'", name);
	if (!name_valid(name) || read_config(dir, &n) < 0)
		return berth_error_new(err, ENOENT, "network %s not found", name);
	r = lock_networks(store_root, &lock);
	if (r < 0) {
		net_config_clear(&n);
		return berth_error_set(err, -r, "lock the networks");
	}
	if (network_leases(store_root, name, &ids, &ips) == 0 && ids[0]) {
		net_config_clear(&n);
		return berth_error_new(err, EBUSY,
				       "network %s has active endpoints (container %.12s)", name,
				       ids[0]);
	}
	/* its bridge, where it is (in our network namespace) */
	if (nl_open(&nl, -1, NULL) == 0) {
		if (nl_link_index(&nl, n.bridge, &idx) == 0)
			(void)nl_link_del(&nl, idx, NULL);
		nl_close(&nl);
	}
	nat_remove(&n);
	path = xasprintf("%s/network.json", dir);
	if (!path) {
		net_config_clear(&n);
		return berth_error_set(err, ENOMEM, "remove network '%s'", name);
	}
	if (unlink(path) < 0) {
		net_config_clear(&n);
		return berth_error_set(err, errno, "remove network %s", name);
	}
	(void)network_event(store_root, "destroy", &n, NULL);
	net_config_clear(&n);
	r = rm_rf(dir);
	if (r < 0)
		return berth_error_set(err, -r, "remove '%s'", dir);
	return 0;
}

int network_event(const char *store_root, const char *action, const struct net_config *n,
		  const char *ctr_id)
{
	struct berth_event_attr a[] = {
	    {"container", ctr_id},
	    {"name", n->name},
	    {"type", "bridge"},
	};

	return berth_event_append(store_root, "network", action, n->id, a, ELEMENTSOF(a));
}

/* Run nft with script on its stdin; its error text in err. */
static int nft(const char *script, struct berth_error **err)
{
	_cleanup_free_ char *out = NULL;
	int in[2], eo[2], st;
	size_t n = 0;
	pid_t pid;

	if (pipe2(in, O_CLOEXEC) < 0)
		return berth_error_set(err, errno, "pipe");
	if (pipe2(eo, O_CLOEXEC) < 0) {
		close(in[0]);
		close(in[1]);
		return berth_error_set(err, errno, "pipe");
	}
	pid = fork();
	if (pid < 0) {
		close(in[0]);
		close(in[1]);
		close(eo[0]);
		close(eo[1]);
		return berth_error_set(err, errno, "fork");
	}
	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY | O_CLOEXEC);

		dup2(in[0], 0);
		dup2(null >= 0 ? null : eo[1], 1);
		dup2(eo[1], 2);
		execlp("nft", "nft", "-f", "-", (char *)NULL);
		/* to the pipe the parent reads, not to whatever our fd 2 was */
		dprintf(eo[1], "cannot run nft: %m (install nftables)");
		_exit(127);
	}
	close(in[0]);
	close(eo[1]);
	(void)loop_write(in[1], script, strlen(script));
	close(in[1]);
	(void)read_full_fd(eo[0], &out, &n);
	close(eo[0]);
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
		return 0;
	if (out) {
		/* nft's first line says it */
		char *nl = strchr(out, '\n');

		if (nl)
			*nl = 0;
	}
	return berth_error_new(err, EIO, "nft: %s", out && *out ? out : "failed");
}

static int write_sysctl(const char *path, const char *value)
{
	_cleanup_close_ int fd = open(path, O_WRONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	return loop_write(fd, value, strlen(value));
}

/* The bridge up with the gateway's address, NAT for the subnet. Done by whoever makes
 * the bridge (each step is idempotent, and nft applies its script atomically); a bridge
 * that is there is taken as set up, which keeps nft off a container's start. */
static int bridge_up(struct nl *nl, const struct net_config *n, int *ret_index,
		     struct berth_error **err)
{
	_cleanup_free_ char *script = NULL, *rl = NULL, *elements = NULL;
	char net[16];
	int idx, r;

	r = nl_link_index(nl, n->bridge, &idx);
	if (r == 0) {
		*ret_index = idx;
		return 0;
	}
	if (r == -ENODEV) {
		r = nl_bridge_add(nl, n->bridge, err);
		if (r < 0 && r != -EEXIST)
			return r;
		r = nl_link_index(nl, n->bridge, &idx);
	}
	if (r < 0)
		return berth_error_set(err, -r, "bridge '%s'", n->bridge);
	r = nl_addr_add(nl, idx, n->gateway, n->prefix, err);
	if (r < 0 && r != -EEXIST)
		return r;
	r = nl_link_set(nl, idx, NULL, 0, true, err);
	if (r < 0)
		return r;
	/* routing for the containers, and 127.0.0.1 DNAT'ed to them (published ports) */
	(void)write_sysctl("/proc/sys/net/ipv4/ip_forward", "1");
	rl = xasprintf("/proc/sys/net/ipv4/conf/%s/route_localnet", n->bridge);
	if (rl)
		(void)write_sysctl(rl, "1");
	if (n->internal)
		elements = xasprintf("add element ip berth internal { \"%s\" }\n", n->bridge);
	else if (n->masquerade)
		elements = xasprintf("add element ip berth masq { %s/%d }\n",
				     ip_string(n->subnet, net), n->prefix);
	else
		elements = strdup("");
	script = xasprintf(
		"table ip berth {\n"
		"  set masq { type ipv4_addr; flags interval; }\n"
		"  set bridges { type ifname; }\n"
		"  map ports_tcp { type inet_service : ipv4_addr . inet_service; }\n"
		"  map ports_udp { type inet_service : ipv4_addr . inet_service; }\n"
		"  map hports_tcp { type ipv4_addr . inet_service : ipv4_addr . inet_service; }\n"
		"  map hports_udp { type ipv4_addr . inet_service : ipv4_addr . inet_service; }\n"
		"  chain ports { }\n"
		"  chain prerouting { type nat hook prerouting priority dstnat; policy accept; }\n"
		"  chain output { type nat hook output priority -100; policy accept; }\n"
		"  chain postrouting { type nat hook postrouting priority srcnat; policy accept; }\n"
	    "  set internal { type ifname; }\n"
	    "  set bridge_self { type ifname . ifname; }\n"
	    "  chain forward { type filter hook forward priority filter; policy accept; }\n"
		"}\n"
		/* the rules once: a fresh table (flush, then add) */
		"flush chain ip berth ports\n"
		"flush chain ip berth prerouting\n"
		"flush chain ip berth output\n"
		"flush chain ip berth postrouting\n"
	    "flush chain ip berth forward\n"
	    /* within a network: its own (a bridged packet seen here through
	     * br_netfilter has the bridge as both ends); an internal network's bridge:
	     * nothing routed in or out; between two networks: docker's isolation, but
	     * for published ports (DNAT'ed) */
	    "add rule ip berth forward iifname . oifname @bridge_self accept\n"
	    "add rule ip berth forward iifname @internal drop\n"
	    "add rule ip berth forward oifname @internal drop\n"
	    "add rule ip berth forward ct status dnat accept\n"
	    "add rule ip berth forward iifname @bridges oifname @bridges drop\n"
		"add rule ip berth ports dnat ip to ip daddr . tcp dport map @hports_tcp\n"
		"add rule ip berth ports dnat ip to ip daddr . udp dport map @hports_udp\n"
		"add rule ip berth ports dnat ip to tcp dport map @ports_tcp\n"
		"add rule ip berth ports dnat ip to udp dport map @ports_udp\n"
		"add rule ip berth prerouting fib daddr type local jump ports\n"
		"add rule ip berth output fib daddr type local jump ports\n"
		"add rule ip berth postrouting ip saddr @masq oifname != @bridges masquerade\n"
		"add rule ip berth postrouting ip saddr 127.0.0.0/8 oifname @bridges masquerade\n"
	    "add element ip berth bridges { \"%s\" }\n"
	    "add element ip berth bridge_self { \"%s\" . \"%s\" }\n"
	    "%s",
	    n->bridge, n->bridge, n->bridge, elements ? elements : "");
	if (!script || !elements)
		return berth_error_set(err, ENOMEM, "NAT for network '%s'", n->name);
	r = nft(script, err);
	if (r < 0)
		return berth_error_wrap(err, "NAT for network %s", n->name);
	*ret_index = idx;
	return 0;
}

int network_check_ip(const struct net_config *n, const char *ip, uint32_t *ret_ip,
		     struct berth_error **err)
{
	uint32_t host = ~ntohl(mask_of(n->prefix));
	struct in_addr a;

	if (inet_pton(AF_INET, ip, &a) != 1)
		return berth_error_new(err, EINVAL, "invalid IPv4 address: %s", ip);
	if ((a.s_addr & mask_of(n->prefix)) != n->subnet)
		return berth_error_new(err, EINVAL,
				       "invalid address %s: it does not belong to any of this "
				       "network's subnets",
				       ip);
	if (a.s_addr == n->gateway || (ntohl(a.s_addr) & host) == 0 ||
	    (ntohl(a.s_addr) & host) == host)
		return berth_error_new(err, EINVAL,
				       "invalid address %s: the gateway's, or the subnet's network "
				       "or broadcast address",
				       ip);
	*ret_ip = a.s_addr;
	return 0;
}

void net_mac_string(uint32_t ip, char buf[18])
{
	const uint8_t *b = (const uint8_t *)&ip;

	snprintf(buf, 18, "02:42:%02x:%02x:%02x:%02x", b[0], b[1], b[2], b[3]);
}

static int hex_digit(char c)
{
	return c >= '0' && c <= '9'   ? c - '0'
	       : c >= 'a' && c <= 'f' ? c - 'a' + 10
	       : c >= 'A' && c <= 'F' ? c - 'A' + 10
				      : -1;
}

int net_mac_parse(const char *s, uint8_t ret[6], char ret_str[18], struct berth_error **err)
{
	uint8_t mac[6];
	const char *p = s;
	char sep = 0;

	for (int i = 0; i < 6; i++) {
		int hi, lo;

		if (i > 0) {
			/* one separator throughout, as Go's net.ParseMAC */
			if ((*p != ':' && *p != '-') || (sep && *p != sep))
				return berth_error_new(err, EINVAL, "invalid MAC address %s", s);
			sep = *p++;
		}
		hi = hex_digit(p[0]);
		lo = hi >= 0 ? hex_digit(p[1]) : -1;
		if (lo < 0)
			return berth_error_new(err, EINVAL, "invalid MAC address %s", s);
		mac[i] = (uint8_t)(hi << 4 | lo);
		p += 2;
	}
	if (*p)
		return berth_error_new(err, EINVAL, "invalid MAC address %s", s);
	/* the kernel gives an interface neither (is_valid_ether_addr) */
	if (mac[0] & 1)
		return berth_error_new(err, EINVAL,
				       "invalid MAC address %s: a multicast address, not an "
				       "interface's",
				       s);
	if (!(mac[0] | mac[1] | mac[2] | mac[3] | mac[4] | mac[5]))
		return berth_error_new(err, EINVAL, "invalid MAC address %s: all zeros", s);
	memcpy(ret, mac, sizeof(mac));
	if (ret_str)
		snprintf(ret_str, 18, "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2],
			 mac[3], mac[4], mac[5]);
	return 0;
}

/* One address for ctr_id: a file leases/<ip> made with O_EXCL, so two containers (two
 * monitors, two connects) never get the same one. Under a shared lock of the networks:
 * network_remove (exclusive) never removes a network while an address is leased on it. */
static int lease(const char *store_root, const struct net_config *n, const char *ctr_id,
		 uint32_t want, uint32_t *ret_ip, struct berth_error **err)
{
	uint32_t first = ntohl(n->subnet) + 1,
		 last = ntohl(n->subnet) + (~ntohl(mask_of(n->prefix))) - 1;
	_cleanup_free_ char *conf = xasprintf("%s/networks/%s/network.json", store_root, n->name),
			    *lp = xasprintf("%s/networks/.lock", store_root);
	_cleanup_close_ int lock = -EBADF;

	if (!conf || !lp)
		return berth_error_set(err, ENOMEM, "lease an address on network '%s'", n->name);
	lock = open(lp, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (lock < 0)
		return berth_error_set(err, errno, "open '%s'", lp);
	while (flock(lock, LOCK_SH) < 0)
		if (errno != EINTR)
			return berth_error_set(err, errno, "lock '%s'", lp);
	if (access(conf, F_OK) < 0)
		return berth_error_new(err, ENOENT, "network %s not found", n->name);
	if (want)
		first = last = ntohl(want);
	for (uint32_t a = first; a <= last; a++) {
		_cleanup_free_ char *p = NULL;
		_cleanup_close_ int fd = -EBADF;
		char s[16];

		if (htonl(a) == n->gateway)
			continue;
		p = xasprintf("%s/networks/%s/leases/%s", store_root, n->name, ip_string(htonl(a), s));
		if (!p)
			return berth_error_set(err, ENOMEM, "lease an address on network '%s'",
					       n->name);
		fd = open(p, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
		if (fd < 0 && errno == EEXIST && want)
			return berth_error_new(err, EADDRINUSE,
					       "address %s is already in use on network %s", s,
					       n->name);
		if (fd < 0 && errno == EEXIST)
			continue;
		if (fd < 0)
			return berth_error_set(err, errno, "lease '%s'", p);
		if (dprintf(fd, "%s\n", ctr_id) < 0) {
			unlink(p);
			return berth_error_set(err, EIO, "lease '%s'", p);
		}
		*ret_ip = htonl(a);
		return 0;
	}
	return berth_error_new(err, ENOSPC, "network %s has no free address", n->name);
}

static void unlease(const char *store_root, const struct net_config *n, const char *ctr_id,
		    uint32_t ip)
{
	_cleanup_free_ char *p = NULL, *who = NULL;
	char s[16];

	p = xasprintf("%s/networks/%s/leases/%s", store_root, n->name, ip_string(ip, s));
	/* only our own */
	if (p && read_one_line_at(AT_FDCWD, p, &who) == 0 && streq(who, ctr_id))
		(void)unlink(p);
}

/* the host end's name: "veth" and 8 hex of the container id, +1 per retry */
static void veth_name(const char *ctr_id, unsigned attempt, char buf[16])
{
	snprintf(buf, 16, "veth%.7s%x", ctr_id, attempt & 0xf);
}

int network_attach(const char *store_root, const struct net_config *n, const char *ctr_id,
		   pid_t pid, uint32_t want_ip, const uint8_t *want_mac, char ret_ifname[16],
		   uint32_t *ret_ip, struct berth_error **err)
{
	_cleanup_close_ int netns = -EBADF;
	struct nl host = NL_INIT, ctr = NL_INIT;
	char path[64], veth[16], ifname[16] = "";
	uint8_t mac[6] = {0x02, 0x42};
	uint32_t ip = 0;
	int br = 0, hidx = -1, cidx, r;
	bool leased = false;

	snprintf(path, sizeof(path), "/proc/%d/ns/net", (int)pid);
	netns = open(path, O_RDONLY | O_CLOEXEC);
	if (netns < 0)
		return berth_error_set(err, errno, "open '%s'", path);
	r = nl_open(&host, -1, err);
	if (r < 0)
		goto fail;
	r = nl_open(&ctr, netns, err);
	if (r < 0)
		goto fail;
	r = bridge_up(&host, n, &br, err);
	if (r < 0)
		goto fail;
	r = lease(store_root, n, ctr_id, want_ip, &ip, err);
	if (r < 0)
		goto fail;
	leased = true;
	/* --mac-address, else docker's: 02:42 and the address */
	if (want_mac)
		memcpy(mac, want_mac, sizeof(mac));
	else
		memcpy(mac + 2, &ip, 4);
	/* the container's interfaces: eth0, eth1, ... in the order it was connected, a
	 * name one that was disconnected had taken again */
	for (int i = 0; i < 64 && !ifname[0]; i++) {
		int idx;

		char cand[16];

		snprintf(cand, sizeof(cand), "eth%d", i);
		if (nl_link_index(&ctr, cand, &idx) == -ENODEV)
			memcpy(ifname, cand, sizeof(cand));
	}
	if (!ifname[0]) {
		r = berth_error_new(err, ENOSPC, "no free interface name in the container");
		goto fail;
	}
	/* a name another container's veth has (the same id prefix): the next */
	for (unsigned i = 0;; i++) {
		struct berth_error *e = NULL;

		veth_name(ctr_id, i, veth);
		r = nl_veth_add(&host, veth, ifname, mac, netns, &e);
		if (r == -EEXIST && i < 15) {
			berth_error_free(e);
			continue;
		}
		if (r < 0 && err) {
			berth_error_free(*err);
			*err = e;
		} else {
			berth_error_free(e);
		}
		break;
	}
	if (r < 0)
		goto fail;
	r = nl_link_index(&host, veth, &hidx);
	if (r < 0) {
		r = berth_error_set(err, -r, "veth '%s'", veth);
		goto fail;
	}
	r = nl_link_set(&host, hidx, NULL, br, true, err);
	if (r < 0)
		goto fail;
	r = nl_link_index(&ctr, ifname, &cidx);
	if (r < 0) {
		r = berth_error_set(err, -r, "%s in the container", ifname);
		goto fail;
	}
	r = nl_addr_add(&ctr, cidx, ip, n->prefix, err);
	if (r < 0)
		goto fail;
	r = nl_link_set(&ctr, cidx, NULL, 0, true, err);
	if (r < 0)
		goto fail;
	/* the default route stays with the network that gave it first; an internal
	 * network gives none */
	if (!n->internal) {
		struct berth_error *e = NULL;

		r = nl_route_default(&ctr, n->gateway, &e);
		if (r == -EEXIST) {
			r = 0;
			berth_error_free(e);
		} else if (r < 0) {
			if (err) {
				berth_error_free(*err);
				*err = e;
			} else {
				berth_error_free(e);
			}
			goto fail;
		}
	}
	nl_close(&host);
	nl_close(&ctr);
	memcpy(ret_ifname, ifname, sizeof(ifname));
	*ret_ip = ip;
	return 0;
fail:
	if (hidx > 0)
		(void)nl_link_del(&host, hidx, NULL);
	if (leased)
		unlease(store_root, n, ctr_id, ip);
	nl_close(&host);
	nl_close(&ctr);
	return berth_error_wrap(err, "network %s", n->name);
}

void network_detach(const char *store_root, const struct net_config *n, const char *ctr_id,
		    uint32_t ip, pid_t pid, const char *ifname)
{
	if (pid > 0 && ifname && *ifname) {
		char path[64];
		_cleanup_close_ int netns = -EBADF;
		struct nl ctr = NL_INIT;
		int idx;

		snprintf(path, sizeof(path), "/proc/%d/ns/net", (int)pid);
		netns = open(path, O_RDONLY | O_CLOEXEC);
		if (netns >= 0 && nl_open(&ctr, netns, NULL) == 0) {
			/* its peer on the bridge goes with it */
			if (nl_link_index(&ctr, ifname, &idx) == 0)
				(void)nl_link_del(&ctr, idx, NULL);
			nl_close(&ctr);
		}
	}
	unlease(store_root, n, ctr_id, ip);
}

int port_parse(const char *spec, struct port_map *ret, struct berth_error **err)
{
	_cleanup_free_ char *s = strdup(spec);
	char *parts[3] = { 0 }, *proto, *p;
	struct in_addr a = { 0 };
	int n = 0;
	int64_t hp = 0, cp;

	if (!s)
		return berth_error_set(err, ENOMEM, "port '%s'", spec);
	proto = strchr(s, '/');
	if (proto)
		*proto++ = 0;
	for (p = s; n < 3;) {
		parts[n++] = p;
		p = strchr(p, ':');
		if (!p)
			break;
		*p++ = 0;
	}
	if (p || !*parts[n - 1])
		return berth_error_new(err, EINVAL,
				       "invalid port '%s': [[IP:][HOSTPORT]:]CONTAINERPORT[/tcp|/udp]",
				       spec);
	if (n == 3 && *parts[0] && inet_pton(AF_INET, parts[0], &a) != 1)
		return berth_error_new(err, EINVAL, "invalid port '%s': '%s' is not an IPv4 address",
				       spec, parts[0]);
	if ((n >= 2 && *parts[n - 2] &&
	     (parse_i64(parts[n - 2], &hp) < 0 || hp < 0 || hp > 65535)) ||
	    parse_i64(parts[n - 1], &cp) < 0 || cp < 1 || cp > 65535)
		return berth_error_new(err, EINVAL, "invalid port '%s': ports are 1..65535", spec);
	if (proto && !streq(proto, "tcp") && !streq(proto, "udp"))
		return berth_error_new(err, EINVAL, "invalid port '%s': protocol tcp or udp", spec);
	*ret = (struct port_map){
		.host_ip = a.s_addr,
		.host_port = (uint16_t)hp,
		.ctr_port = (uint16_t)cp,
		.udp = proto && streq(proto, "udp"),
	};
	return 0;
}

/* "A-B" (or "A") of ports: *lo and *hi; -EINVAL for what is not */
static int port_range(const char *s, int64_t *lo, int64_t *hi)
{
	_cleanup_free_ char *c = strdup(s);
	char *dash = c ? strchr(c, '-') : NULL;

	if (!c)
		return -ENOMEM;
	if (dash)
		*dash = 0;
	if (parse_i64(c, lo) < 0 || (dash ? parse_i64(dash + 1, hi) : (*hi = *lo, 0)) < 0 ||
	    *lo < 1 || *hi > 65535)
		return -EINVAL;
	return 0;
}

int port_expand(const char *spec, char ***ret, struct berth_error **err)
{
	_cleanup_free_ char *s = strdup(spec);
	char *ctr, *host = NULL, *proto, *ip = NULL;
	int64_t hlo = 0, hhi = 0, clo, chi;

	if (!s)
		return berth_error_set(err, ENOMEM, "port '%s'", spec);
	if (!strchr(s, '-'))
		return strv_extend(ret, spec) < 0 ? berth_error_set(err, ENOMEM, "port '%s'", spec)
						  : 0;
	proto = strchr(s, '/');
	if (proto)
		*proto++ = 0;
	ctr = strrchr(s, ':');
	if (ctr) {
		*ctr++ = 0;
		host = strrchr(s, ':');
		if (host) {
			*host++ = 0;
			ip = s;
		} else {
			host = s;
		}
	} else {
		ctr = s;
	}
	if (port_range(ctr, &clo, &chi) < 0 || (host && *host && port_range(host, &hlo, &hhi) < 0) ||
	    clo > chi || hlo > hhi)
		return berth_error_new(err, EINVAL, "invalid port '%s': invalid range of ports",
				       spec);
	if (hlo && hhi - hlo != chi - clo)
		return berth_error_new(err, EINVAL,
				       "invalid port '%s': the host range (%" PRId64 "-%" PRId64
				       ") and the container's (%" PRId64 "-%" PRId64
				       ") differ in length",
				       spec, hlo, hhi, clo, chi);
	for (int64_t c = clo; c <= chi; c++) {
		_cleanup_free_ char *one = NULL;

		if (hlo)
			one = xasprintf("%s%s%" PRId64 ":%" PRId64 "%s%s", ip ? ip : "",
					ip ? ":" : "", hlo + (c - clo), c, proto ? "/" : "",
					proto ? proto : "");
		else
			one = xasprintf("%s%s%" PRId64 "%s%s", ip ? ip : "", ip ? "::" : "", c,
					proto ? "/" : "", proto ? proto : "");
		if (!one || strv_extend(ret, one) < 0)
			return berth_error_set(err, ENOMEM, "port '%s'", spec);
	}
	return 0;
}

void port_canon(const struct port_map *p, char *buf, size_t n)
{
	char ip[16];

	if (p->host_ip)
		snprintf(buf, n, "%s:%u:%u/%s", ip_string(p->host_ip, ip), p->host_port,
			 p->ctr_port, p->udp ? "udp" : "tcp");
	else
		snprintf(buf, n, "%u:%u/%s", p->host_port, p->ctr_port, p->udp ? "udp" : "tcp");
}

void port_format(const struct port_map *p, char *buf, size_t n)
{
	char ip[16];

	snprintf(buf, n, "%s:%u->%u/%s", ip_string(p->host_ip, ip), p->host_port, p->ctr_port,
		 p->udp ? "udp" : "tcp");
}

/* whether the host port is in berth's maps (another container has it) */
static bool port_published(const struct port_map *p)
{
	char ip[16];
	_cleanup_free_ char *script =
		p->host_ip ? xasprintf("get element ip berth hports_%s { %s . %u }\n",
				       p->udp ? "udp" : "tcp", ip_string(p->host_ip, ip),
				       p->host_port)
			   : xasprintf("get element ip berth ports_%s { %u }\n",
				       p->udp ? "udp" : "tcp", p->host_port);

	return script && nft(script, NULL) == 0;
}

int ports_reserve(struct port_map *p, size_t n, int *fds, struct berth_error **err)
{
	size_t i;

	for (i = 0; i < n; i++)
		fds[i] = -1;
	for (i = 0; i < n; i++) {
		struct sockaddr_in sa = {
			.sin_family = AF_INET,
			.sin_port = htons(p[i].host_port),
			.sin_addr.s_addr = p[i].host_ip,
		};
		socklen_t len = sizeof(sa);
		char ip[16];
		int one = 1, fd;

		fd = socket(AF_INET, (p[i].udp ? SOCK_DGRAM : SOCK_STREAM) | SOCK_CLOEXEC, 0);
		if (fd < 0)
			goto fail;
		fds[i] = fd;
		/* TCP: a port in TIME_WAIT is free; a listening socket still is not */
		if (!p[i].udp)
			(void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
		    (!p[i].udp && listen(fd, 1) < 0))
			goto fail;
		if (getsockname(fd, (struct sockaddr *)&sa, &len) < 0)
			goto fail;
		p[i].host_port = ntohs(sa.sin_port);
		continue;
	fail: {
		int e = errno;

		for (size_t k = 0; k <= i; k++)
			if (fds[k] >= 0) {
				close(fds[k]);
				fds[k] = -1;
			}
		if (e == EADDRINUSE && port_published(&p[i]))
			return berth_error_new(err, EADDRINUSE,
					       "Bind for %s:%u failed: port is already allocated",
					       ip_string(p[i].host_ip, ip), p[i].host_port);
		return berth_error_set(err, e, "publish port: listen %s4 %s:%u",
				       p[i].udp ? "udp" : "tcp", ip_string(p[i].host_ip, ip),
				       p[i].host_port);
	}
	}
	return 0;
}

static char *publish_script(const struct port_map *p, const char *verb, uint32_t ip)
{
	char hs[16], cs[16];
	const char *proto = p->udp ? "udp" : "tcp";

	if (!verb[0]) /* delete */
		return p->host_ip ? xasprintf("delete element ip berth hports_%s { %s . %u }\n",
					      proto, ip_string(p->host_ip, hs), p->host_port)
				  : xasprintf("delete element ip berth ports_%s { %u }\n", proto,
					      p->host_port);
	return p->host_ip ? xasprintf("%s element ip berth hports_%s { %s . %u : %s . %u }\n",
				      verb, proto, ip_string(p->host_ip, hs), p->host_port,
				      ip_string(ip, cs), p->ctr_port)
			  : xasprintf("%s element ip berth ports_%s { %u : %s . %u }\n", verb, proto,
				      p->host_port, ip_string(ip, cs), p->ctr_port);
}

int ports_publish(const struct port_map *p, size_t n, uint32_t ip, struct berth_error **err)
{
	char s[16];

	for (size_t i = 0; i < n; i++) {
		_cleanup_free_ char *script = publish_script(&p[i], "create", ip);
		struct berth_error *e = NULL;
		int r;

		if (!script)
			return berth_error_set(err, ENOMEM, "publish port %u", p[i].host_port);
		r = nft(script, &e);
		if (r < 0) {
			ports_unpublish(p, i);
			if (e && strstr(berth_error_message(e), "File exists")) {
				berth_error_free(e);
				return berth_error_new(err, EADDRINUSE,
						       "Bind for %s:%u failed: port is already "
						       "allocated",
						       ip_string(p[i].host_ip, s), p[i].host_port);
			}
			if (err) {
				berth_error_free(*err);
				*err = e;
			} else {
				berth_error_free(e);
			}
			return berth_error_wrap(err, "publish port %u", p[i].host_port);
		}
	}
	return 0;
}

void ports_unpublish(const struct port_map *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		_cleanup_free_ char *script = publish_script(&p[i], "", 0);

		if (script)
			(void)nft(script, NULL);
	}
}
