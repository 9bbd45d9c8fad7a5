/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * config.json, continued: linux.resources (config-linux.md "Control groups") -> struct
 * rt_resources. devices, memory, cpu, pids, blockIO, hugepageLimits, network, rdma and
 * unified; the cgroup backends (cgroup-v1.c, cgroup-v2.c) apply what is parsed here.
 *
 * The same rules as spec.c: every error names the JSON path, null is "absent", unknown
 * properties are ignored. Values that end up inside cgroup control files (page sizes,
 * interface and device names, unified file names) are checked so that they cannot name
 * another file or inject another line.
 */
#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "berth/error.h"
#include "berth/cleanup.h"
#include "config.h"
#include "spec-internal.h"
#include "berth/util.h"

/* A string that is a single line without blanks: it becomes part of a cgroup control file
 * line ("eth0 5", "mlx5_0 hca_handle=2"), so a space or newline would inject another one. */
static int check_word(struct parser *p, const char *s, const char *extra_forbidden)
{
	if (s[0] == '\0')
		return spec_fail(p, "expected a non-empty string");
	if (strpbrk(s, " \t\n\r\v\f"))
		return spec_fail(p, "\"%s\" contains whitespace", s);
	if (extra_forbidden && strpbrk(s, extra_forbidden))
		return spec_fail(p, "\"%s\" contains '%s'", s, extra_forbidden);
	return 0;
}

/* ---- memory, cpu, pids, devices ------------------------------------------------- */

static int parse_memory(struct parser *p, json_t *v, void *data)
{
	struct rt_resources *res = data;
	uint64_t swappiness = 0;
	int64_t ignored = 0;
	int r;

	r = spec_expect_object(p, v);
	if (r < 0)
		return r;
	if ((r = spec_field_limit(p, v, "limit", &res->memory_limit)) < 0 ||
	    (r = spec_field_limit(p, v, "reservation", &res->memory_reservation)) < 0 ||
	    (r = spec_field_limit(p, v, "swap", &res->memory_swap)) < 0 ||
	    (r = spec_field_bool(p, v, "disableOOMKiller", &res->disable_oom_killer)) < 0)
		return r;
	/* kernel and kernelTCP are deprecated: checked and ignored, as runc does (kernel
	 * memory accounting cannot be limited separately since Linux 5.16, and v1's kmem.limit
	 * writes fail there). */
	if ((r = spec_field_limit(p, v, "kernel", &ignored)) < 0 ||
	    (r = spec_field_limit(p, v, "kernelTCP", &ignored)) < 0)
		return r;
	r = spec_field(p, v, "swappiness", false, spec_parse_uint64, &swappiness);
	if (r < 0)
		return r;
	if (r > 0) {
		if (swappiness > 100) {
			size_t saved = spec_push_key(p, "swappiness");

			r = spec_fail(p, "%" PRIu64 " is out of range (0 to 100)", swappiness);
			spec_pop(p, saved);
			return r;
		}
		res->memory_swappiness = (int64_t)swappiness;
	}
	return 0;
}

/* cpu.idle takes 0 or 1 only (int64 in the spec). */
static int parse_cpu_idle(struct parser *p, json_t *v, void *data)
{
	int64_t i = 0;
	int r;

	r = spec_to_int(p, v, 0, 1, &i);
	if (r < 0)
		return r;
	*(int *)data = (int)i;
	return 0;
}

static int parse_cpu(struct parser *p, json_t *v, void *data)
{
	struct rt_resources *res = data;
	int r;

	r = spec_expect_object(p, v);
	if (r < 0)
		return r;
	if ((r = spec_field_u64(p, v, "shares", false, &res->cpu_shares)) < 0 ||
	    (r = spec_field_limit(p, v, "quota", &res->cpu_quota)) < 0 ||
	    (r = spec_field_u64(p, v, "period", false, &res->cpu_period)) < 0 ||
	    (r = spec_field_str(p, v, "cpus", false, &res->cpu_cpus)) < 0 ||
	    (r = spec_field_str(p, v, "mems", false, &res->cpu_mems)) < 0)
		return r;
	if ((r = spec_field_limit(p, v, "realtimeRuntime", &res->cpu_realtime_runtime)) < 0)
		return r;
	res->has_cpu_realtime_runtime = r > 0;
	if ((r = spec_field_u64(p, v, "realtimePeriod", false, &res->cpu_realtime_period)) < 0)
		return r;
	res->has_cpu_realtime_period = r > 0;
	if ((r = spec_field(p, v, "idle", false, parse_cpu_idle, &res->cpu_idle)) < 0)
		return r;
	res->has_cpu_idle = r > 0;
	if ((r = spec_field_u64(p, v, "burst", false, &res->cpu_burst)) < 0)
		return r;
	res->has_cpu_burst = r > 0;
	return 0;
}

static int parse_pids(struct parser *p, json_t *v, void *data)
{
	struct rt_resources *res = data;
	int r;

	r = spec_expect_object(p, v);
	if (r < 0)
		return r;
	r = spec_field_i64(p, v, "limit", false, &res->pids_limit);
	return r < 0 ? r : 0;
}

static int parse_rule_type(struct parser *p, json_t *v, void *data)
{
	char *ret = data;
	const char *s = NULL;
	int r;

	r = spec_to_string(p, v, &s);
	if (r < 0)
		return r;
	if (!streq(s, "a") && !streq(s, "b") && !streq(s, "c"))
		return spec_fail(p, "expected \"a\", \"b\" or \"c\", got \"%s\"", s);
	*ret = s[0];
	return 0;
}

static int parse_rule_access(struct parser *p, json_t *v, void *data)
{
	char *ret = data; /* char[4] */
	bool seen[3] = {false, false, false};
	const char *s = NULL;
	size_t k = 0;
	int r;

	r = spec_to_string(p, v, &s);
	if (r < 0)
		return r;
	/* The set of r, w and m it names, other characters ignored, as runc's cgroup v1
	 * driver takes it ("rwa" is "rw"; runc's own tests use that). None of the three is
	 * an error rather than "all": guessing would be wrong for one of allow and deny. */
	for (const char *c = s; *c; c++) {
		const char *x = strchr("rwm", *c);

		if (x)
			seen[x - "rwm"] = true;
	}
	for (int i = 0; i < 3; i++)
		if (seen[i])
			ret[k++] = "rwm"[i];
	ret[k] = 0;
	if (k == 0)
		return spec_fail(p, "expected a combination of \"r\", \"w\" and \"m\", got \"%s\"",
				 s);
	return 0;
}

static int parse_rule_number(struct parser *p, json_t *v, void *data)
{
	return spec_to_int(p, v, -1, INT64_MAX, data);
}

static int parse_device_rule_elem(struct parser *p, json_t *v, size_t i, void *data)
{
	struct rt_device_rule *d = (struct rt_device_rule *)data + i;
	int r;

	d->type = 'a';
	d->major = d->minor = -1;
	strcpy(d->access, "rwm");
	r = spec_expect_object(p, v);
	if (r < 0)
		return r;
	if ((r = spec_field(p, v, "allow", true, spec_parse_bool, &d->allow)) < 0 ||
	    (r = spec_field(p, v, "type", false, parse_rule_type, &d->type)) < 0 ||
	    (r = spec_field(p, v, "major", false, parse_rule_number, &d->major)) < 0 ||
	    (r = spec_field(p, v, "minor", false, parse_rule_number, &d->minor)) < 0 ||
	    (r = spec_field(p, v, "access", false, parse_rule_access, d->access)) < 0)
		return r;
	return 0;
}

static int parse_device_rules(struct parser *p, json_t *v, void *data)
{
	struct rt_resources *res = data;
	void *a = NULL;
	int r;

	r = spec_alloc_array(p, v, sizeof(struct rt_device_rule), &a, &res->n_devices);
	if (r < 0)
		return r;
	res->devices = a;
	return spec_array_each(p, v, parse_device_rule_elem, res->devices);
}

/* ---- linux.resources.blockIO ------------------------------------------------------ */

/* Weights: uint16 in the spec, 10 to 1000 in the kernel (CFQ, BFQ). */
static int parse_weight(struct parser *p, json_t *v, void *data)
{
	uint16_t *ret = data;
	int64_t w = 0;
	int r;

	r = spec_to_int(p, v, 10, 1000, &w);
	if (r < 0)
		return r;
	*ret = (uint16_t)w;
	return 0;
}

static int parse_dev_number(struct parser *p, json_t *v, void *data)
{
	return spec_to_int(p, v, 0, UINT32_MAX, data);
}

static int parse_weight_device_elem(struct parser *p, json_t *v, size_t i, void *data)
{
	struct rt_blkio_weight_device *d = (struct rt_blkio_weight_device *)data + i;
	int r;

	r = spec_expect_object(p, v);
	if (r < 0)
		return r;
	if ((r = spec_field(p, v, "major", true, parse_dev_number, &d->major)) < 0 ||
	    (r = spec_field(p, v, "minor", true, parse_dev_number, &d->minor)) < 0 ||
	    (r = spec_field(p, v, "weight", false, parse_weight, &d->weight)) < 0 ||
	    (r = spec_field(p, v, "leafWeight", false, parse_weight, &d->leaf_weight)) < 0)
		return r;
	return 0;
}

static int parse_weight_devices(struct parser *p, json_t *v, void *data)
{
	struct rt_resources *res = data;
	void *a = NULL;
	int r;

	r = spec_alloc_array(p, v, sizeof(struct rt_blkio_weight_device), &a,
			     &res->n_blkio_weight_devices);
	if (r < 0)
		return r;
	res->blkio_weight_devices = a;
	return spec_array_each(p, v, parse_weight_device_elem, a);
}

static int parse_throttle_elem(struct parser *p, json_t *v, size_t i, void *data)
{
	struct rt_blkio_throttle *t = (struct rt_blkio_throttle *)data + i;
	int r;

	r = spec_expect_object(p, v);
	if (r < 0)
		return r;
	if ((r = spec_field(p, v, "major", true, parse_dev_number, &t->major)) < 0 ||
	    (r = spec_field(p, v, "minor", true, parse_dev_number, &t->minor)) < 0 ||
	    (r = spec_field_u64(p, v, "rate", true, &t->rate)) < 0)
		return r;
	return 0;
}

struct throttle_list {
	struct rt_blkio_throttle **items;
	size_t *n;
};

static int parse_throttles(struct parser *p, json_t *v, void *data)
{
	struct throttle_list *l = data;
	void *a = NULL;
	int r;

	r = spec_alloc_array(p, v, sizeof(struct rt_blkio_throttle), &a, l->n);
	if (r < 0)
		return r;
	*l->items = a;
	return spec_array_each(p, v, parse_throttle_elem, a);
}

static int parse_block_io(struct parser *p, json_t *v, void *data)
{
	static const char *const throttle_keys[_RT_BLKIO_THROTTLE_MAX] = {
	    [RT_BLKIO_READ_BPS] = "throttleReadBpsDevice",
	    [RT_BLKIO_WRITE_BPS] = "throttleWriteBpsDevice",
	    [RT_BLKIO_READ_IOPS] = "throttleReadIOPSDevice",
	    [RT_BLKIO_WRITE_IOPS] = "throttleWriteIOPSDevice",
	};
	struct rt_resources *res = data;
	int r;

	r = spec_expect_object(p, v);
	if (r < 0)
		return r;
	if ((r = spec_field(p, v, "weight", false, parse_weight, &res->blkio_weight)) < 0 ||
	    (r = spec_field(p, v, "leafWeight", false, parse_weight, &res->blkio_leaf_weight)) <
		0 ||
	    (r = spec_field(p, v, "weightDevice", false, parse_weight_devices, res)) < 0)
		return r;
	for (size_t k = 0; k < _RT_BLKIO_THROTTLE_MAX; k++) {
		struct throttle_list l = {&res->blkio_throttle[k], &res->n_blkio_throttle[k]};

		r = spec_field(p, v, throttle_keys[k], false, parse_throttles, &l);
		if (r < 0)
			return r;
	}
	return 0;
}

/* ---- linux.resources.hugepageLimits ----------------------------------------------- */

/* "2MB", "1GB", "64KB": the <size><unit> the kernel uses in hugetlb.<pagesize>.* names. It
 * becomes part of a file name, so nothing else is let through. */
static int check_page_size(struct parser *p, const char *s)
{
	static const char *const units[] = {"KB", "MB", "GB", "TB", "PB"};
	size_t digits = strspn(s, "0123456789");

	if (digits > 0 && digits <= 10 && s[0] != '0')
		for (size_t i = 0; i < ELEMENTSOF(units); i++)
			if (streq(s + digits, units[i]))
				return 0;
	return spec_fail(p, "invalid page size \"%s\" (expected e.g. \"2MB\" or \"1GB\")", s);
}

static int parse_page_size(struct parser *p, json_t *v, void *data)
{
	const char *s = NULL;
	int r;

	r = spec_to_string(p, v, &s);
	if (r < 0)
		return r;
	r = check_page_size(p, s);
	return r < 0 ? r : spec_parse_str(p, v, data);
}

static int parse_hugepage_elem(struct parser *p, json_t *v, size_t i, void *data)
{
	struct rt_resources *res = data;
	struct rt_hugepage_limit *h = &res->hugepage_limits[i];
	int r;

	r = spec_expect_object(p, v);
	if (r < 0)
		return r;
	if ((r = spec_field(p, v, "pageSize", true, parse_page_size, &h->page_size)) < 0 ||
	    (r = spec_field_u64(p, v, "limit", true, &h->limit)) < 0)
		return r;
	for (size_t j = 0; j < i; j++)
		if (streq(res->hugepage_limits[j].page_size, h->page_size))
			return spec_fail_at(p, "pageSize", "duplicate page size");
	return 0;
}

static int parse_hugepage_limits(struct parser *p, json_t *v, void *data)
{
	struct rt_resources *res = data;
	void *a = NULL;
	int r;

	r = spec_alloc_array(p, v, sizeof(struct rt_hugepage_limit), &a, &res->n_hugepage_limits);
	if (r < 0)
		return r;
	res->hugepage_limits = a;
	return spec_array_each(p, v, parse_hugepage_elem, res);
}

/* ---- linux.resources.network ------------------------------------------------------ */

static int parse_net_priority_elem(struct parser *p, json_t *v, size_t i, void *data)
{
	struct rt_net_priority *n = (struct rt_net_priority *)data + i;
	const char *name = NULL;
	json_t *nv;
	size_t saved;
	int r;

	r = spec_expect_object(p, v);
	if (r < 0)
		return r;
	nv = spec_member(v, "name");
	saved = spec_push_key(p, "name");
	if (!nv)
		r = spec_fail(p, "missing required property");
	else if ((r = spec_to_string(p, nv, &name)) >= 0 && (r = check_word(p, name, NULL)) >= 0)
		r = spec_parse_str(p, nv, &n->name);
	spec_pop(p, saved);
	if (r < 0)
		return r;
	r = spec_field_u32(p, v, "priority", true, &n->priority);
	return r < 0 ? r : 0;
}

static int parse_net_priorities(struct parser *p, json_t *v, void *data)
{
	struct rt_resources *res = data;
	void *a = NULL;
	int r;

	r = spec_alloc_array(p, v, sizeof(struct rt_net_priority), &a, &res->n_net_priorities);
	if (r < 0)
		return r;
	res->net_priorities = a;
	return spec_array_each(p, v, parse_net_priority_elem, a);
}

static int parse_network(struct parser *p, json_t *v, void *data)
{
	struct rt_resources *res = data;
	int r;

	r = spec_expect_object(p, v);
	if (r < 0)
		return r;
	r = spec_field_u32(p, v, "classID", false, &res->net_class_id);
	if (r < 0)
		return r;
	res->has_net_class_id = r > 0;
	r = spec_field(p, v, "priorities", false, parse_net_priorities, res);
	return r < 0 ? r : 0;
}

/* ---- linux.resources.rdma --------------------------------------------------------- */

static int parse_rdma_entry(struct parser *p, json_t *v, void *data)
{
	struct rt_rdma_limit *l = data;
	int r;

	r = spec_expect_object(p, v);
	if (r < 0)
		return r;
	r = spec_field_u32(p, v, "hcaHandles", false, &l->hca_handles);
	if (r < 0)
		return r;
	l->has_hca_handles = r > 0;
	r = spec_field_u32(p, v, "hcaObjects", false, &l->hca_objects);
	if (r < 0)
		return r;
	l->has_hca_objects = r > 0;
	return 0;
}

static int parse_rdma(struct parser *p, json_t *v, void *data)
{
	struct rt_resources *res = data;
	const char *key;
	json_t *val;
	int r;

	r = spec_expect_object(p, v);
	if (r < 0)
		return r;
	res->rdma = calloc(json_object_size(v) + 1, sizeof(*res->rdma));
	if (!res->rdma)
		return spec_oom(p);
	json_object_foreach(v, key, val)
	{
		struct rt_rdma_limit *l = &res->rdma[res->n_rdma];
		size_t saved = spec_push_map_key(p, key);

		/* "<device> hca_handle=N hca_object=M" in rdma.max */
		r = check_word(p, key, "=");
		if (r >= 0 && !(l->device = strdup(key)))
			r = spec_oom(p);
		if (r >= 0)
			res->n_rdma++;
		if (r >= 0 && !json_is_null(val))
			r = parse_rdma_entry(p, val, l);
		spec_pop(p, saved);
		if (r < 0)
			return r;
	}
	return 0;
}

/* ---- linux.resources.unified ------------------------------------------------------ */

static int parse_unified(struct parser *p, json_t *v, void *data)
{
	struct rt_resources *res = data;
	struct string_map map = {&res->unified, &res->n_unified};
	int r;

	r = spec_parse_string_map(p, v, &map);
	if (r < 0)
		return r;
	/* Keys are file names in the container's cgroup directory: one name, no way out of
	 * it. "<controller>.<file>" as runc requires. */
	for (size_t i = 0; i < res->n_unified; i++) {
		const char *k = res->unified[i].key, *dot = strchr(k, '.');

		if (strchr(k, '/') || streq(k, ".") || streq(k, "..") || !dot || dot == k ||
		    dot[1] == '\0') {
			size_t saved = spec_push_map_key(p, k);

			r = spec_fail(p, "expected a cgroup file name such as \"memory.high\"");
			spec_pop(p, saved);
			return r;
		}
	}
	return 0;
}

/* ---- the object ------------------------------------------------------------------ */

int spec_parse_resources(struct parser *p, json_t *v, void *data)
{
	struct rt_resources *res = data;
	int r;

	r = spec_expect_object(p, v);
	if (r < 0)
		return r;
	if ((r = spec_field(p, v, "devices", false, parse_device_rules, res)) < 0 ||
	    (r = spec_field(p, v, "memory", false, parse_memory, res)) < 0 ||
	    (r = spec_field(p, v, "cpu", false, parse_cpu, res)) < 0 ||
	    (r = spec_field(p, v, "pids", false, parse_pids, res)) < 0 ||
	    (r = spec_field(p, v, "blockIO", false, parse_block_io, res)) < 0 ||
	    (r = spec_field(p, v, "hugepageLimits", false, parse_hugepage_limits, res)) < 0 ||
	    (r = spec_field(p, v, "network", false, parse_network, res)) < 0 ||
	    (r = spec_field(p, v, "rdma", false, parse_rdma, res)) < 0 ||
	    (r = spec_field(p, v, "unified", false, parse_unified, res)) < 0)
		return r;
	return 0;
}

void spec_resources_free(struct rt_resources *r)
{
	free(r->cpu_cpus);
	free(r->cpu_mems);
	free(r->devices);
	free(r->blkio_weight_devices);
	for (size_t k = 0; k < _RT_BLKIO_THROTTLE_MAX; k++)
		free(r->blkio_throttle[k]);
	for (size_t i = 0; i < r->n_hugepage_limits; i++)
		free(r->hugepage_limits[i].page_size);
	free(r->hugepage_limits);
	for (size_t i = 0; i < r->n_net_priorities; i++)
		free(r->net_priorities[i].name);
	free(r->net_priorities);
	for (size_t i = 0; i < r->n_rdma; i++)
		free(r->rdma[i].device);
	free(r->rdma);
	for (size_t i = 0; i < r->n_unified; i++) {
		free(r->unified[i].key);
		free(r->unified[i].value);
	}
	free(r->unified);
}
