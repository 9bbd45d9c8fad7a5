/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cgroup module tests. Most run against fake trees in a temp dir: a fake mountinfo, a fake
 * /proc/self/cgroup, and plain directories with plain files standing in for control files.
 * cgroup_write_hook records every write (and emulates kernel refusals where a test needs
 * them). The last test runs on the real cgroupfs when root and a v1 memory hierarchy exist.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "berth/error.h"
#include "cleanup.h"
#include "runtime/cgroup-internal.h"
#include "runtime/cgroup.h"
#include "test.h"
#include "util.h"

DEFINE_FREEP(struct berth_error, berth_error_free)

/* ---------------------------------------------------------------------------------------- */
/* Fake trees */

enum fake_kind { FAKE_V1, FAKE_V1_NOPIDS, FAKE_HYBRID, FAKE_V2 };

struct fake {
	char dir[64];
	char root[128];
	char mountinfo[128];
	char self[128];
};

static const char self_v1[] = "7:name=systemd:/user.slice\n"
			      "6:freezer:/\n"
			      "5:devices:/\n"
			      "4:cpuset:/\n"
			      "3:pids:/\n"
			      "2:memory:/process_api/abc\n"
			      "1:cpu,cpuacct:/\n"
			      "0::/\n";

static const char self_hybrid[] = "9:name=systemd:/\n"
				  "8:pids:/\n"
				  "7:blkio:/\n"
				  "6:freezer:/\n"
				  "5:devices:/\n"
				  "4:memory:/process_api/c3136\n"
				  "3:cpuset:/\n"
				  "2:cpuacct:/\n"
				  "1:cpu:/\n"
				  "0::/user.slice/u\n";

static const char self_v2[] = "0::/user.slice/u\n";

static void put(const char *dir, const char *file, const char *content)
{
	_cleanup_free_ char *p = xasprintf("%s/%s", dir, file);
	FILE *f;

	mkdir_p(dir, 0755);
	f = fopen(p, "we");
	if (f) {
		fputs(content, f);
		fclose(f);
	}
}

/* Contents of dir/file, or "(missing)". */
static char *get(const char *dir, const char *file)
{
	_cleanup_free_ char *p = xasprintf("%s/%s", dir, file);
	char *s = NULL;

	if (read_full_file(p, &s, NULL) < 0)
		return strdup("(missing)");
	return s;
}

static bool exists(const char *dir, const char *file)
{
	_cleanup_free_ char *p = file ? xasprintf("%s/%s", dir, file) : strdup(dir);

	return access(p, F_OK) == 0;
}

static void mount_line(FILE *f, int id, const char *mroot, const char *mp, const char *fstype,
		       const char *opts)
{
	fprintf(f, "%d 20 0:%d %s %s rw,nosuid,nodev,noexec,relatime shared:%d - %s %s %s\n", id,
		id, mroot, mp, id, fstype, fstype, opts);
}

static void v1_mount(FILE *f, struct fake *fk, int id, const char *name, const char *opts)
{
	_cleanup_free_ char *mp = xasprintf("%s/%s", fk->root, name);

	mkdir_p(mp, 0755);
	mount_line(f, id, "/", mp, "cgroup", opts);
}

static int fake_init(struct fake *fk, enum fake_kind kind, const char *self_text)
{
	FILE *f;

	memset(fk, 0, sizeof(*fk));
	snprintf(fk->dir, sizeof(fk->dir), "/tmp/berth-cgtest-XXXXXX");
	if (!mkdtemp(fk->dir))
		return -errno;
	snprintf(fk->root, sizeof(fk->root), "%s/cg", fk->dir);
	snprintf(fk->mountinfo, sizeof(fk->mountinfo), "%s/mountinfo", fk->dir);
	snprintf(fk->self, sizeof(fk->self), "%s/self-cgroup", fk->dir);
	mkdir_p(fk->root, 0755);

	f = fopen(fk->mountinfo, "we");
	if (!f)
		return -errno;
	fprintf(f, "1 0 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw\n");
	/* a cgroup mount elsewhere must be ignored */
	fprintf(f, "5 1 0:5 / /elsewhere/memory rw shared:5 - cgroup cgroup rw,memory\n");
	switch (kind) {
	case FAKE_V1:
	case FAKE_V1_NOPIDS:
		mount_line(f, 19, "/", fk->root, "tmpfs", "rw,mode=755");
		v1_mount(f, fk, 20, "systemd", "rw,xattr,release_agent=/lib/sd-agent,name=systemd");
		v1_mount(f, fk, 21, "cpu,cpuacct", "rw,cpu,cpuacct");
		v1_mount(f, fk, 22, "cpuset", "rw,cpuset");
		v1_mount(f, fk, 23, "memory", "rw,memory");
		v1_mount(f, fk, 24, "devices", "rw,devices");
		v1_mount(f, fk, 25, "freezer", "rw,freezer");
		if (kind == FAKE_V1)
			v1_mount(f, fk, 26, "pids", "rw,pids");
		break;
	case FAKE_HYBRID: {
		_cleanup_free_ char *u = xasprintf("%s/unified", fk->root);

		mount_line(f, 31, "/", fk->root, "tmpfs", "rw,mode=755");
		v1_mount(f, fk, 32, "cpu", "rw,cpu");
		v1_mount(f, fk, 33, "cpuacct", "rw,cpuacct");
		v1_mount(f, fk, 34, "cpuset", "rw,cpuset");
		v1_mount(f, fk, 35, "memory", "rw,memory");
		v1_mount(f, fk, 36, "devices", "rw,devices");
		v1_mount(f, fk, 37, "freezer", "rw,freezer");
		v1_mount(f, fk, 38, "blkio", "rw,blkio");
		v1_mount(f, fk, 39, "pids", "rw,pids");
		v1_mount(f, fk, 40, "systemd", "rw,name=systemd");
		mkdir_p(u, 0755);
		mount_line(f, 41, "/", u, "cgroup2", "rw,nsdelegate");
		put(u, "cgroup.controllers", "hugetlb\n");
		break;
	}
	case FAKE_V2:
		mount_line(f, 30, "/", fk->root, "cgroup2", "rw,nsdelegate,memory_recursiveprot");
		put(fk->root, "cgroup.controllers",
		    "cpuset cpu io memory hugetlb pids rdma misc\n");
		put(fk->root, "cgroup.subtree_control", "");
		break;
	default:
		break;
	}
	fclose(f);
	put(fk->dir, "self-cgroup", self_text);
	return 0;
}

static void fake_done(struct fake *fk)
{
	cgroup_write_hook = NULL;
	if (fk->dir[0])
		rm_rf(fk->dir);
}

#define _cleanup_fake_ _cleanup_(fake_done)

/* Every control-file write, "file=value" one per line, with "!" after refused ones. */
static char wlog[16384];
static bool emulate_memsw;

static int record_hook(const char *dir, const char *file, const char *value)
{
	int r = 0;

	/* The kernel keeps memory.limit_in_bytes <= memory.memsw.limit_in_bytes. */
	if (emulate_memsw &&
	    (streq(file, "memory.limit_in_bytes") || streq(file, "memory.memsw.limit_in_bytes"))) {
		bool limit = streq(file, "memory.limit_in_bytes");
		_cleanup_free_ char *other =
		    get(dir, limit ? "memory.memsw.limit_in_bytes" : "memory.limit_in_bytes");
		long long v = atoll(value), o = atoll(other);

		if (v == -1)
			v = INT64_MAX;
		if (o == -1)
			o = INT64_MAX;
		if (limit ? v > o : v < o)
			r = -EINVAL;
	}
	snprintf(wlog + strlen(wlog), sizeof(wlog) - strlen(wlog), "%s=%s%s\n", file, value,
		 r < 0 ? "!" : "");
	return r;
}

static void hook_start(bool memsw)
{
	wlog[0] = 0;
	emulate_memsw = memsw;
	cgroup_write_hook = record_hook;
}

static struct rt_resources no_resources(void)
{
	return (struct rt_resources){
	    .memory_limit = RT_UNSET,
	    .memory_reservation = RT_UNSET,
	    .memory_swap = RT_UNSET,
	    .memory_swappiness = RT_UNSET,
	    .cpu_quota = RT_UNSET,
	    .pids_limit = RT_UNSET,
	};
}

static char *sub(const struct fake *fk, const char *rel)
{
	return xasprintf("%s/%s", fk->root, rel);
}

/* ---------------------------------------------------------------------------------------- */
/* Detection and paths */

TEST(detect_v1_comounted)
{
	_cleanup_fake_ struct fake fk;
	_cleanup_(cgroup_freep) struct cgroup *cg = NULL;
	_cleanup_(berth_error_freep) struct berth_error *err = NULL;
	_cleanup_free_ char *p0 = NULL, *p1 = NULL;
	enum cgroup_layout l;

	ASSERT_EQ(fake_init(&fk, FAKE_V1, self_v1), 0);
	ASSERT_EQ(cgroup_detect(fk.root, fk.mountinfo, fk.self, &l, &err), 0);
	ASSERT_EQ(l, CGROUP_LAYOUT_V1);
	ASSERT_EQ(cgroup_new("/a/b", fk.root, fk.mountinfo, fk.self, &cg, &err), 0);
	ASSERT_EQ(cg->layout, CGROUP_LAYOUT_V1);
	ASSERT_STREQ(cg->ops->name, "v1");
	ASSERT_EQ(cg->n_hiers, 7);
	ASSERT_STREQ(cg->hiers[0].controllers, "name=systemd");
	ASSERT_STREQ(cg->hiers[1].controllers, "cpu,cpuacct");
	p0 = sub(&fk, "cpu,cpuacct");
	ASSERT_STREQ(cg->hiers[1].mountpoint, p0);
	p1 = sub(&fk, "cpu,cpuacct/a/b");
	ASSERT_STREQ(cg->hiers[1].path, p1);
	ASSERT_TRUE(cgroup_v1_hier(cg, "cpuacct") == &cg->hiers[1]);
	ASSERT_TRUE(cgroup_v1_hier(cg, "cpu") == &cg->hiers[1]);
	ASSERT_TRUE(cgroup_v1_hier(cg, "hugetlb") == NULL);
	ASSERT_TRUE(cgroup_unified(cg) == NULL);
}

TEST(detect_hybrid)
{
	_cleanup_fake_ struct fake fk;
	_cleanup_(cgroup_freep) struct cgroup *cg = NULL;
	_cleanup_(berth_error_freep) struct berth_error *err = NULL;
	_cleanup_free_ char *u = NULL, *up = NULL, *mem = NULL;
	enum cgroup_layout l;

	ASSERT_EQ(fake_init(&fk, FAKE_HYBRID, self_hybrid), 0);
	ASSERT_EQ(cgroup_detect(fk.root, fk.mountinfo, fk.self, &l, &err), 0);
	ASSERT_EQ(l, CGROUP_LAYOUT_HYBRID);
	ASSERT_EQ(cgroup_new("/x/c1", fk.root, fk.mountinfo, fk.self, &cg, &err), 0);
	ASSERT_STREQ(cg->ops->name, "hybrid");
	ASSERT_EQ(cg->n_hiers, 10);
	ASSERT_STREQ(cg->hiers[0].controllers, "cpu");
	ASSERT_STREQ(cg->hiers[1].controllers, "cpuacct");
	ASSERT_STREQ(cg->hiers[8].controllers, "name=systemd");
	ASSERT_STREQ(cg->hiers[9].controllers, "");
	u = sub(&fk, "unified");
	ASSERT_STREQ(cg->hiers[9].mountpoint, u);
	up = sub(&fk, "unified/x/c1");
	ASSERT_STREQ(cg->hiers[9].path, up);
	ASSERT_TRUE(cgroup_unified(cg) == &cg->hiers[9]);
	ASSERT_TRUE(cgroup_v2_available(cgroup_unified(cg), "hugetlb"));
	ASSERT_TRUE(!cgroup_v2_available(cgroup_unified(cg), "memory"));
	mem = sub(&fk, "memory/x/c1");
	ASSERT_STREQ(cgroup_v1_hier(cg, "memory")->path, mem);
}

TEST(detect_v2_and_shadowed_mounts)
{
	_cleanup_fake_ struct fake fk;
	_cleanup_(berth_error_freep) struct berth_error *err = NULL;
	enum cgroup_layout l;
	FILE *f;

	ASSERT_EQ(fake_init(&fk, FAKE_V2, self_v2), 0);
	ASSERT_EQ(cgroup_detect(fk.root, fk.mountinfo, fk.self, &l, &err), 0);
	ASSERT_EQ(l, CGROUP_LAYOUT_V2);
	ASSERT_STREQ(cgroup_layout_name(l), "v2");

	/* a tmpfs mounted over the cgroup2 root, v1 below it: hybrid-less v1 */
	f = fopen(fk.mountinfo, "ae");
	ASSERT_TRUE(f != NULL);
	fprintf(f, "50 30 0:50 / %s rw - tmpfs tmpfs rw\n", fk.root);
	fprintf(f, "51 50 0:51 / %s/memory rw - cgroup cgroup rw,memory\n", fk.root);
	fclose(f);
	ASSERT_EQ(cgroup_detect(fk.root, fk.mountinfo, fk.self, &l, &err), 0);
	ASSERT_EQ(l, CGROUP_LAYOUT_V1);

	/* nothing mounted under the root */
	ASSERT_EQ(cgroup_detect("/nonexistent/cg", fk.mountinfo, fk.self, &l, &err), -ENOMEDIUM);
	ASSERT_CONTAINS(berth_error_message(err), "no cgroup filesystem is mounted under");
}

TEST(path_relative_and_absolute)
{
	_cleanup_fake_ struct fake fk;
	_cleanup_(cgroup_freep) struct cgroup *rel = NULL, *abs = NULL;
	_cleanup_(berth_error_freep) struct berth_error *err = NULL;
	_cleanup_free_ char *m_rel = NULL, *m_abs = NULL, *s_rel = NULL, *c_rel = NULL;

	ASSERT_EQ(fake_init(&fk, FAKE_V1, self_v1), 0);
	ASSERT_EQ(cgroup_new("a/b", fk.root, fk.mountinfo, fk.self, &rel, &err), 0);
	ASSERT_EQ(cgroup_new("/a/./b//", fk.root, fk.mountinfo, fk.self, &abs, &err), 0);
	ASSERT_STREQ(rel->rel_path, "a/b");
	m_rel = sub(&fk, "memory/process_api/abc/a/b");
	m_abs = sub(&fk, "memory/a/b");
	s_rel = sub(&fk, "systemd/user.slice/a/b");
	c_rel = sub(&fk, "cpu,cpuacct/a/b");
	ASSERT_STREQ(cgroup_v1_hier(rel, "memory")->path, m_rel);
	ASSERT_STREQ(cgroup_v1_hier(abs, "memory")->path, m_abs);
	ASSERT_STREQ(cgroup_v1_hier(rel, "name=systemd")->path, s_rel);
	ASSERT_STREQ(cgroup_v1_hier(rel, "cpu")->path, c_rel);
}

TEST(path_relative_v2_and_subtree_mount)
{
	_cleanup_fake_ struct fake fk;
	_cleanup_(cgroup_freep) struct cgroup *cg = NULL, *cg2 = NULL;
	_cleanup_(berth_error_freep) struct berth_error *err = NULL;
	_cleanup_free_ char *want = NULL, *want2 = NULL, *mi = NULL;

	ASSERT_EQ(fake_init(&fk, FAKE_V2, self_v2), 0);
	ASSERT_EQ(cgroup_new("c1", fk.root, fk.mountinfo, fk.self, &cg, &err), 0);
	want = sub(&fk, "user.slice/u/c1");
	ASSERT_STREQ(cg->hiers[0].path, want);

	/* a mount of the subtree /user.slice shows it at the mount point */
	mi = xasprintf("1 0 8:1 / / rw - ext4 /dev/sda1 rw\n"
		       "30 1 0:30 /user.slice %s rw - cgroup2 cgroup2 rw\n",
		       fk.root);
	put(fk.dir, "mountinfo", mi);
	ASSERT_EQ(cgroup_new("c1", fk.root, fk.mountinfo, fk.self, &cg2, &err), 0);
	want2 = sub(&fk, "u/c1");
	ASSERT_STREQ(cg2->hiers[0].path, want2);
}

TEST(path_rejects_dotdot_empty_root)
{
	_cleanup_fake_ struct fake fk;
	_cleanup_(berth_error_freep) struct berth_error *err = NULL;
	struct cgroup *cg = NULL;

	ASSERT_EQ(fake_init(&fk, FAKE_V2, self_v2), 0);
	ASSERT_EQ(cgroup_new("/a/../../etc", fk.root, fk.mountinfo, fk.self, &cg, &err), -EINVAL);
	ASSERT_STREQ(err->msg, "cgroup path '/a/../../etc': '..' components are not allowed");
	ASSERT_EQ(cgroup_new("..", fk.root, fk.mountinfo, fk.self, &cg, &err), -EINVAL);
	ASSERT_EQ(cgroup_new("", fk.root, fk.mountinfo, fk.self, &cg, &err), -EINVAL);
	ASSERT_STREQ(err->msg, "cgroup path is empty");
	ASSERT_EQ(cgroup_new("/", fk.root, fk.mountinfo, fk.self, &cg, &err), -EINVAL);
	ASSERT_STREQ(err->msg, "cgroup path '/' names the root cgroup");
	ASSERT_EQ(cgroup_new("/a/..b", fk.root, fk.mountinfo, fk.self, &cg, &err), 0);
	cgroup_free(cg);
}

/* ---------------------------------------------------------------------------------------- */
/* v1 apply */

TEST(v1_apply_values)
{
	_cleanup_fake_ struct fake fk;
	_cleanup_(cgroup_freep) struct cgroup *cg = NULL;
	_cleanup_(berth_error_freep) struct berth_error *err = NULL;
	_cleanup_free_ char *v = NULL;
	struct rt_device_rule rules[] = {
	    {.allow = false, .type = 'a', .major = -1, .minor = -1, .access = "rwm"},
	    {.allow = true, .type = 'c', .major = 1, .minor = 3, .access = "rwm"},
	    {.allow = true, .type = 'c', .major = 136, .minor = -1, .access = "rw"},
	    {.allow = false, .type = 'b', .major = -1, .minor = -1, .access = "m"},
	};
	struct rt_resources r = no_resources();
	const char *mem, *cpu, *cs, *pids, *dev;

	ASSERT_EQ(fake_init(&fk, FAKE_V1, self_v1), 0);
	ASSERT_EQ(cgroup_new("/berth/c1", fk.root, fk.mountinfo, fk.self, &cg, &err), 0);
	ASSERT_EQ(cgroup_create(cg, &err), 0);
	for (size_t i = 0; i < cg->n_hiers; i++)
		ASSERT_TRUE(exists(cg->hiers[i].path, NULL));
	mem = cgroup_v1_hier(cg, "memory")->path;
	cpu = cgroup_v1_hier(cg, "cpu")->path;
	cs = cgroup_v1_hier(cg, "cpuset")->path;
	pids = cgroup_v1_hier(cg, "pids")->path;
	dev = cgroup_v1_hier(cg, "devices")->path;
	put(mem, "memory.limit_in_bytes", "9223372036854771712\n");
	put(mem, "memory.memsw.limit_in_bytes", "9223372036854771712\n");
	put(mem, "memory.soft_limit_in_bytes", "9223372036854771712\n");
	put(mem, "memory.swappiness", "60\n");
	put(mem, "memory.oom_control", "oom_kill_disable 0\n");
	put(cpu, "cpu.shares", "1024\n");
	put(cpu, "cpu.cfs_period_us", "100000\n");
	put(cpu, "cpu.cfs_quota_us", "-1\n");
	put(cs, "cpuset.cpus", "");
	put(cs, "cpuset.mems", "");
	put(pids, "pids.max", "max\n");
	put(dev, "devices.allow", "");
	put(dev, "devices.deny", "");

	r.memory_limit = 1048576;
	r.memory_reservation = 524288;
	r.memory_swap = 2097152;
	r.memory_swappiness = 10;
	r.disable_oom_killer = true;
	r.cpu_shares = 512;
	r.cpu_quota = 50000;
	r.cpu_period = 200000;
	r.cpu_cpus = (char *)"0-1";
	r.cpu_mems = (char *)"0";
	r.pids_limit = 10;
	r.devices = rules;
	r.n_devices = ELEMENTSOF(rules);
	hook_start(true);
	ASSERT_EQ(cgroup_apply(cg, &r, &err), 0);
	ASSERT_STREQ(wlog, "memory.limit_in_bytes=1048576\n"
			   "memory.memsw.limit_in_bytes=2097152\n"
			   "memory.soft_limit_in_bytes=524288\n"
			   "memory.swappiness=10\n"
			   "memory.oom_control=1\n"
			   "cpu.shares=512\n"
			   "cpu.cfs_period_us=200000\n"
			   "cpu.cfs_quota_us=50000\n"
			   "cpuset.cpus=0-1\n"
			   "cpuset.mems=0\n"
			   "pids.max=10\n"
			   "devices.deny=a\n"
			   "devices.allow=c 1:3 rwm\n"
			   "devices.allow=c 136:* rw\n"
			   "devices.deny=b *:* m\n");
	/* and the files hold exactly the values */
	v = get(mem, "memory.limit_in_bytes");
	ASSERT_STREQ(v, "1048576");
	free(v);
	v = get(mem, "memory.memsw.limit_in_bytes");
	ASSERT_STREQ(v, "2097152");
	free(v);
	v = get(cpu, "cpu.cfs_quota_us");
	ASSERT_STREQ(v, "50000");
	free(v);
	v = get(pids, "pids.max");
	ASSERT_STREQ(v, "10");
	free(v);
	v = get(dev, "devices.deny");
	ASSERT_STREQ(v, "b *:* m");
	free(v);
	v = NULL;

	/* unlimited values */
	r = no_resources();
	r.memory_limit = -1;
	r.cpu_quota = -1;
	r.pids_limit = 0;
	hook_start(true);
	ASSERT_EQ(cgroup_apply(cg, &r, &err), 0);
	/* memory -1 with swap unset lifts memsw too; the limit can only go up after it */
	ASSERT_STREQ(wlog, "memory.limit_in_bytes=-1!\n"
			   "memory.memsw.limit_in_bytes=-1\n"
			   "memory.limit_in_bytes=-1\n"
			   "cpu.cfs_quota_us=-1\n"
			   "pids.max=max\n");
}

TEST(v1_memory_swap_order)
{
	_cleanup_fake_ struct fake fk;
	_cleanup_(cgroup_freep) struct cgroup *cg = NULL;
	_cleanup_(berth_error_freep) struct berth_error *err = NULL;
	_cleanup_free_ char *lim = NULL, *sw = NULL;
	struct rt_resources r = no_resources();
	const char *mem;

	ASSERT_EQ(fake_init(&fk, FAKE_V1, self_v1), 0);
	ASSERT_EQ(cgroup_new("/berth/c1", fk.root, fk.mountinfo, fk.self, &cg, &err), 0);
	ASSERT_EQ(cgroup_create(cg, &err), 0);
	mem = cgroup_v1_hier(cg, "memory")->path;
	put(mem, "memory.limit_in_bytes", "1073741824\n");
	put(mem, "memory.memsw.limit_in_bytes", "1073741824\n");

	/* raising: the limit is refused above memsw, so memsw goes first */
	r.memory_limit = 2147483648;
	r.memory_swap = 4294967296;
	hook_start(true);
	ASSERT_EQ(cgroup_apply(cg, &r, &err), 0);
	ASSERT_STREQ(wlog, "memory.limit_in_bytes=2147483648!\n"
			   "memory.memsw.limit_in_bytes=4294967296\n"
			   "memory.limit_in_bytes=2147483648\n");
	lim = get(mem, "memory.limit_in_bytes");
	sw = get(mem, "memory.memsw.limit_in_bytes");
	ASSERT_STREQ(lim, "2147483648");
	ASSERT_STREQ(sw, "4294967296");

	/* lowering: limit first, then memsw */
	r.memory_limit = 268435456;
	r.memory_swap = 536870912;
	hook_start(true);
	ASSERT_EQ(cgroup_apply(cg, &r, &err), 0);
	ASSERT_STREQ(wlog, "memory.limit_in_bytes=268435456\n"
			   "memory.memsw.limit_in_bytes=536870912\n");

	/* swap below the limit: the kernel's refusal is reported, naming file and value */
	r.memory_limit = 268435456;
	r.memory_swap = 1000;
	hook_start(true);
	ASSERT_EQ(cgroup_apply(cg, &r, &err), -EINVAL);
	ASSERT_CONTAINS(err->msg, "write 'memory.memsw.limit_in_bytes' = '1000' in '");
}

static int busy_hook(const char *dir, const char *file, const char *value)
{
	return streq(file, "memory.limit_in_bytes") ? -EBUSY : 0;
}

TEST(v1_errors)
{
	_cleanup_fake_ struct fake fk;
	_cleanup_(cgroup_freep) struct cgroup *cg = NULL;
	_cleanup_(berth_error_freep) struct berth_error *err = NULL;
	_cleanup_free_ char *want1 = NULL, *want2 = NULL, *memsw = NULL;
	struct rt_resources r = no_resources();
	const char *mem;

	ASSERT_EQ(fake_init(&fk, FAKE_V1_NOPIDS, self_v1), 0);
	ASSERT_EQ(cgroup_new("/x", fk.root, fk.mountinfo, fk.self, &cg, &err), 0);
	ASSERT_EQ(cgroup_create(cg, &err), 0);
	mem = cgroup_v1_hier(cg, "memory")->path;

	/* the controller's hierarchy is missing */
	r.pids_limit = 10;
	ASSERT_EQ(cgroup_apply(cg, &r, &err), -ENODEV);
	want1 =
	    xasprintf("pids limit: cgroup controller 'pids' is not available under '%s'", fk.root);
	ASSERT_STREQ(err->msg, want1);

	/* the kernel refuses: file, value, directory and errno */
	r = no_resources();
	r.memory_limit = 1048576;
	put(mem, "memory.limit_in_bytes", "0");
	cgroup_write_hook = busy_hook;
	ASSERT_EQ(cgroup_apply(cg, &r, &err), -EBUSY);
	want2 = xasprintf("write 'memory.limit_in_bytes' = '1048576' in '%s': "
			  "Device or resource busy",
			  mem);
	ASSERT_STREQ(err->msg, want2);
	cgroup_write_hook = NULL;

	/* swap requested but no memsw file (swap accounting off) */
	r.memory_swap = 2097152;
	ASSERT_EQ(cgroup_apply(cg, &r, &err), -EOPNOTSUPP);
	ASSERT_CONTAINS(err->msg, "has no memory.memsw.limit_in_bytes");
	/* unlimited swap without memsw is what we have anyway */
	r.memory_swap = -1;
	ASSERT_EQ(cgroup_apply(cg, &r, &err), 0);
	memsw = get(mem, "memory.limit_in_bytes");
	ASSERT_STREQ(memsw, "1048576");

	/* a missing control file in an existing hierarchy */
	r = no_resources();
	r.cpu_shares = 2;
	ASSERT_EQ(cgroup_apply(cg, &r, &err), -ENOENT);
	ASSERT_CONTAINS(err->msg, "write 'cpu.shares' = '2' in '");
}

TEST(v1_cpuset_copied_down)
{
	_cleanup_fake_ struct fake fk;
	_cleanup_(cgroup_freep) struct cgroup *cg = NULL;
	_cleanup_(berth_error_freep) struct berth_error *err = NULL;
	_cleanup_free_ char *cs = NULL, *p = NULL, *cpus = NULL, *mems = NULL, *other = NULL;

	ASSERT_EQ(fake_init(&fk, FAKE_V1, self_v1), 0);
	cs = sub(&fk, "cpuset");
	p = sub(&fk, "cpuset/p");
	put(cs, "cpuset.cpus", "0-3\n");
	put(cs, "cpuset.mems", "0\n");
	/* what the kernel gives a new cpuset cgroup: empty files */
	put(p, "cpuset.cpus", "\n");
	put(p, "cpuset.mems", "");
	ASSERT_EQ(cgroup_new("/p/c", fk.root, fk.mountinfo, fk.self, &cg, &err), 0);
	hook_start(false);
	ASSERT_EQ(cgroup_create(cg, &err), 0);
	cpus = get(p, "cpuset.cpus");
	mems = get(p, "cpuset.mems");
	ASSERT_STREQ(cpus, "0-3");
	ASSERT_STREQ(mems, "0");
	/* only the cpuset hierarchy was written to */
	ASSERT_STREQ(wlog, "cpuset.cpus=0-3\ncpuset.mems=0\n");
	/* a non-empty one is left alone */
	put(p, "cpuset.cpus", "2\n");
	ASSERT_EQ(cgroup_create(cg, &err), 0);
	other = get(p, "cpuset.cpus");
	ASSERT_STREQ(other, "2\n");
}

/* ---------------------------------------------------------------------------------------- */
/* v2 */

static void v2_leaf_files(const char *leaf, const char *controllers)
{
	put(leaf, "cgroup.controllers", controllers);
	put(leaf, "memory.max", "max\n");
	put(leaf, "memory.low", "0\n");
	put(leaf, "memory.swap.max", "max\n");
	put(leaf, "cpu.weight", "100\n");
	put(leaf, "cpu.max", "max 100000\n");
	put(leaf, "cpuset.cpus", "");
	put(leaf, "cpuset.mems", "");
	put(leaf, "pids.max", "max\n");
}

TEST(v2_create_enables_and_apply)
{
	_cleanup_fake_ struct fake fk;
	_cleanup_(cgroup_freep) struct cgroup *cg = NULL;
	_cleanup_(berth_error_freep) struct berth_error *err = NULL;
	_cleanup_free_ char *leaf = NULL, *v = NULL;
	struct rt_device_rule rules[] = {
	    {.allow = true, .type = 'c', .major = 1, .minor = 3, .access = "rwm"},
	};
	struct rt_resources r = no_resources();

	ASSERT_EQ(fake_init(&fk, FAKE_V2, self_v2), 0);
	ASSERT_EQ(cgroup_new("/berth/c1", fk.root, fk.mountinfo, fk.self, &cg, &err), 0);
	put(fk.root, "cgroup.subtree_control", "cpu\n");
	hook_start(false);
	ASSERT_EQ(cgroup_create(cg, &err), 0);
	/* every controller of the root not yet enabled, one per write; "berth" has no
	 * cgroup.controllers in the fake tree, so nothing below the root */
	ASSERT_STREQ(wlog, "cgroup.subtree_control=+cpuset\n"
			   "cgroup.subtree_control=+io\n"
			   "cgroup.subtree_control=+memory\n"
			   "cgroup.subtree_control=+hugetlb\n"
			   "cgroup.subtree_control=+pids\n"
			   "cgroup.subtree_control=+rdma\n"
			   "cgroup.subtree_control=+misc\n");

	leaf = sub(&fk, "berth/c1");
	ASSERT_STREQ(cg->hiers[0].path, leaf);
	v2_leaf_files(leaf, "cpuset cpu memory pids\n");
	r.memory_limit = 67108864;
	r.memory_swap = 100663296;
	r.memory_reservation = 33554432;
	r.memory_swappiness = 10; /* no v2 equivalent: ignored */
	r.cpu_shares = 1024;
	r.cpu_quota = 50000;
	r.cpu_period = 100000;
	r.cpu_cpus = (char *)"1";
	r.cpu_mems = (char *)"0";
	r.pids_limit = 32;
	r.devices = rules; /* ignored on v2 until the eBPF device filter exists */
	r.n_devices = 1;
	hook_start(false);
	ASSERT_EQ(cgroup_apply(cg, &r, &err), 0);
	ASSERT_STREQ(wlog, "memory.swap.max=33554432\n"
			   "memory.max=67108864\n"
			   "memory.low=33554432\n"
			   "cpu.weight=39\n"
			   "cpu.max=50000 100000\n"
			   "cpuset.cpus=1\n"
			   "cpuset.mems=0\n"
			   "pids.max=32\n");
	v = get(leaf, "cpu.max");
	ASSERT_STREQ(v, "50000 100000");
	free(v);
	v = get(leaf, "memory.swap.max");
	ASSERT_STREQ(v, "33554432");
	free(v);
	v = NULL;

	/* unlimited */
	r = no_resources();
	r.memory_limit = -1;
	r.memory_swap = -1;
	r.cpu_quota = -1;
	r.pids_limit = -1;
	hook_start(false);
	ASSERT_EQ(cgroup_apply(cg, &r, &err), 0);
	ASSERT_STREQ(wlog, "memory.swap.max=max\n"
			   "memory.max=max\n"
			   "cpu.max=max\n"
			   "pids.max=max\n");

	/* only the period: the current quota is kept */
	put(leaf, "cpu.max", "20000 100000\n");
	r = no_resources();
	r.cpu_period = 50000;
	hook_start(false);
	ASSERT_EQ(cgroup_apply(cg, &r, &err), 0);
	ASSERT_STREQ(wlog, "cpu.max=20000 50000\n");

	/* swap lower than memory, or without memory */
	r = no_resources();
	r.memory_limit = 1000;
	r.memory_swap = 500;
	ASSERT_EQ(cgroup_apply(cg, &r, &err), -EINVAL);
	ASSERT_STREQ(err->msg, "memory+swap limit 500 is lower than the memory limit 1000");
	r.memory_limit = RT_UNSET;
	ASSERT_EQ(cgroup_apply(cg, &r, &err), -EINVAL);
	ASSERT_STREQ(err->msg, "memory swap limit 500 needs a memory limit on cgroup v2");
}

TEST(v2_missing_controller)
{
	_cleanup_fake_ struct fake fk;
	_cleanup_(cgroup_freep) struct cgroup *cg = NULL;
	_cleanup_(berth_error_freep) struct berth_error *err = NULL;
	_cleanup_free_ char *leaf = NULL, *mid = NULL, *want = NULL, *want2 = NULL;
	struct rt_resources r = no_resources();

	ASSERT_EQ(fake_init(&fk, FAKE_V2, self_v2), 0);
	put(fk.root, "cgroup.controllers", "pids\n");
	ASSERT_EQ(cgroup_new("/berth/c1", fk.root, fk.mountinfo, fk.self, &cg, &err), 0);
	ASSERT_EQ(cgroup_create(cg, &err), 0);
	leaf = sub(&fk, "berth/c1");
	v2_leaf_files(leaf, "pids\n");
	r.memory_limit = 1048576;
	ASSERT_EQ(cgroup_apply(cg, &r, &err), -ENODEV);
	want = xasprintf("memory limits: cgroup controller 'memory' is not available in '%s'",
			 fk.root);
	ASSERT_STREQ(err->msg, want);

	/* available at the root, but enabling it below fails */
	put(fk.root, "cgroup.controllers", "memory pids\n");
	mid = sub(&fk, "berth");
	put(mid, "cgroup.controllers", "memory pids\n");
	ASSERT_EQ(cgroup_apply(cg, &r, &err), -ENOENT); /* berth has no subtree_control file */
	want2 = xasprintf("memory limits: enable cgroup controller 'memory': write "
			  "'cgroup.subtree_control' = '+memory' in '%s': No such file or directory",
			  mid);
	ASSERT_STREQ(err->msg, want2);
}

TEST(shares_to_weight)
{
	ASSERT_U64_EQ(cgroup_shares_to_weight(0), 0);
	ASSERT_U64_EQ(cgroup_shares_to_weight(1), 1);
	ASSERT_U64_EQ(cgroup_shares_to_weight(2), 1);
	ASSERT_U64_EQ(cgroup_shares_to_weight(1024), 39);
	ASSERT_U64_EQ(cgroup_shares_to_weight(262144), 10000);
	ASSERT_U64_EQ(cgroup_shares_to_weight(1000000), 10000);
	ASSERT_STREQ(cgroup_layout_name(CGROUP_LAYOUT_V1), "v1");
	ASSERT_STREQ(cgroup_layout_name(CGROUP_LAYOUT_HYBRID), "hybrid");
	ASSERT_STREQ(cgroup_layout_name(_CGROUP_LAYOUT_MAX), "unknown");
}

/* ---------------------------------------------------------------------------------------- */
/* stats, freeze, pids, kill */

TEST(v1_stats)
{
	_cleanup_fake_ struct fake fk;
	_cleanup_(cgroup_freep) struct cgroup *cg = NULL;
	_cleanup_(berth_error_freep) struct berth_error *err = NULL;
	struct cgroup_stats s;
	const char *mem;

	ASSERT_EQ(fake_init(&fk, FAKE_V1, self_v1), 0);
	ASSERT_EQ(cgroup_new("/s", fk.root, fk.mountinfo, fk.self, &cg, &err), 0);
	ASSERT_EQ(cgroup_create(cg, &err), 0);
	mem = cgroup_v1_hier(cg, "memory")->path;
	put(mem, "memory.usage_in_bytes", "4096\n");
	put(mem, "memory.limit_in_bytes", "9223372036854771712\n");
	put(mem, "memory.max_usage_in_bytes", "8192\n");
	put(mem, "memory.oom_control", "oom_kill_disable 0\nunder_oom 0\noom_kill 3\n");
	put(cgroup_v1_hier(cg, "cpuacct")->path, "cpuacct.usage", "123456789\n");
	put(cgroup_v1_hier(cg, "pids")->path, "pids.current", "2\n");
	put(cgroup_v1_hier(cg, "pids")->path, "pids.max", "max\n");
	ASSERT_EQ(cgroup_stats(cg, &s, &err), 0);
	ASSERT_U64_EQ(s.memory_usage, 4096);
	ASSERT_U64_EQ(s.memory_limit, UINT64_MAX);
	ASSERT_U64_EQ(s.memory_max_usage, 8192);
	ASSERT_U64_EQ(s.oom_kills, 3);
	ASSERT_U64_EQ(s.cpu_usage_ns, 123456789);
	ASSERT_U64_EQ(s.pids_current, 2);
	ASSERT_U64_EQ(s.pids_limit, UINT64_MAX);

	put(mem, "memory.limit_in_bytes", "1048576\n");
	put(cgroup_v1_hier(cg, "pids")->path, "pids.max", "10\n");
	ASSERT_EQ(cgroup_stats(cg, &s, &err), 0);
	ASSERT_U64_EQ(s.memory_limit, 1048576);
	ASSERT_U64_EQ(s.pids_limit, 10);

	put(mem, "memory.usage_in_bytes", "lots\n");
	ASSERT_EQ(cgroup_stats(cg, &s, &err), -EINVAL);
	ASSERT_CONTAINS(err->msg, "memory.usage_in_bytes");
}

TEST(v2_stats)
{
	_cleanup_fake_ struct fake fk;
	_cleanup_(cgroup_freep) struct cgroup *cg = NULL;
	_cleanup_(berth_error_freep) struct berth_error *err = NULL;
	struct cgroup_stats s;
	const char *leaf;

	ASSERT_EQ(fake_init(&fk, FAKE_V2, self_v2), 0);
	ASSERT_EQ(cgroup_new("/s", fk.root, fk.mountinfo, fk.self, &cg, &err), 0);
	ASSERT_EQ(cgroup_create(cg, &err), 0);
	leaf = cg->hiers[0].path;
	put(leaf, "memory.current", "1000\n");
	put(leaf, "memory.max", "2000\n");
	put(leaf, "memory.peak", "1500\n");
	put(leaf, "memory.events", "low 0\nhigh 0\nmax 4\noom 2\noom_kill 1\noom_group_kill 0\n");
	put(leaf, "cpu.stat", "usage_usec 250\nuser_usec 200\nsystem_usec 50\n");
	put(leaf, "pids.current", "3\n");
	put(leaf, "pids.max", "max\n");
	ASSERT_EQ(cgroup_stats(cg, &s, &err), 0);
	ASSERT_U64_EQ(s.memory_usage, 1000);
	ASSERT_U64_EQ(s.memory_limit, 2000);
	ASSERT_U64_EQ(s.memory_max_usage, 1500);
	ASSERT_U64_EQ(s.oom_kills, 1);
	ASSERT_U64_EQ(s.cpu_usage_ns, 250000);
	ASSERT_U64_EQ(s.pids_current, 3);
	ASSERT_U64_EQ(s.pids_limit, UINT64_MAX);
}

TEST(freeze_v1_v2)
{
	_cleanup_fake_ struct fake f1, f2;
	_cleanup_(cgroup_freep) struct cgroup *c1 = NULL, *c2 = NULL;
	_cleanup_(berth_error_freep) struct berth_error *err = NULL;
	_cleanup_free_ char *st = NULL, *fz = NULL;
	const char *fr;
	bool frozen = false;

	ASSERT_EQ(fake_init(&f1, FAKE_V1, self_v1), 0);
	ASSERT_EQ(cgroup_new("/f", f1.root, f1.mountinfo, f1.self, &c1, &err), 0);
	ASSERT_EQ(cgroup_create(c1, &err), 0);
	fr = cgroup_v1_hier(c1, "freezer")->path;
	put(fr, "freezer.state", "THAWED\n");
	ASSERT_EQ(cgroup_freeze(c1, true, &err), 0);
	st = get(fr, "freezer.state");
	ASSERT_STREQ(st, "FROZEN");
	ASSERT_EQ(c1->ops->frozen(c1, &frozen, &err), 0);
	ASSERT_TRUE(frozen);
	ASSERT_EQ(cgroup_freeze(c1, false, &err), 0);
	ASSERT_EQ(c1->ops->frozen(c1, &frozen, &err), 0);
	ASSERT_TRUE(!frozen);

	ASSERT_EQ(fake_init(&f2, FAKE_V2, self_v2), 0);
	ASSERT_EQ(cgroup_new("/f", f2.root, f2.mountinfo, f2.self, &c2, &err), 0);
	ASSERT_EQ(cgroup_create(c2, &err), 0);
	put(c2->hiers[0].path, "cgroup.freeze", "0\n");
	put(c2->hiers[0].path, "cgroup.events", "populated 1\nfrozen 1\n");
	ASSERT_EQ(cgroup_freeze(c2, true, &err), 0);
	fz = get(c2->hiers[0].path, "cgroup.freeze");
	ASSERT_STREQ(fz, "1");
	ASSERT_EQ(c2->ops->frozen(c2, &frozen, &err), 0);
	ASSERT_TRUE(frozen);
	put(c2->hiers[0].path, "cgroup.events", "populated 1\nfrozen 0\n");
	ASSERT_EQ(c2->ops->frozen(c2, &frozen, &err), 0);
	ASSERT_TRUE(!frozen);
}

TEST(pids_and_kill)
{
	_cleanup_fake_ struct fake f1, f2;
	_cleanup_(cgroup_freep) struct cgroup *c1 = NULL, *c2 = NULL;
	_cleanup_(berth_error_freep) struct berth_error *err = NULL;
	_cleanup_free_ pid_t *pids = NULL;
	_cleanup_free_ char *nested = NULL, *procs = NULL, *k = NULL;
	size_t n = 0;
	pid_t child;
	int status = 0;

	ASSERT_EQ(fake_init(&f1, FAKE_V1, self_v1), 0);
	ASSERT_EQ(cgroup_new("/k", f1.root, f1.mountinfo, f1.self, &c1, &err), 0);
	ASSERT_EQ(cgroup_create(c1, &err), 0);
	/* v1 lists from the pids hierarchy, nested cgroups included */
	put(cgroup_v1_hier(c1, "pids")->path, "cgroup.procs", "12\n34\n");
	nested = xasprintf("%s/inner", cgroup_v1_hier(c1, "pids")->path);
	put(nested, "cgroup.procs", "56\n");
	put(cgroup_v1_hier(c1, "memory")->path, "cgroup.procs", "99\n");
	ASSERT_EQ(c1->ops->pids(c1, &pids, &n, &err), 0);
	ASSERT_EQ(n, 3);
	ASSERT_EQ(pids[0], 12);
	ASSERT_EQ(pids[1], 34);
	ASSERT_EQ(pids[2], 56);

	/* kill signals what cgroup.procs lists */
	child = fork();
	ASSERT_TRUE(child >= 0);
	if (child == 0) {
		pause();
		_exit(0);
	}
	procs = xasprintf("%d\n", (int)child);
	put(cgroup_v1_hier(c1, "pids")->path, "cgroup.procs", procs);
	put(nested, "cgroup.procs", "");
	ASSERT_EQ(c1->ops->kill(c1, SIGTERM, &err), 0);
	ASSERT_EQ(waitpid(child, &status, 0), child);
	ASSERT_TRUE(WIFSIGNALED(status));
	ASSERT_EQ(WTERMSIG(status), SIGTERM);

	/* v2 with cgroup.kill: SIGKILL goes through it */
	ASSERT_EQ(fake_init(&f2, FAKE_V2, self_v2), 0);
	ASSERT_EQ(cgroup_new("/k", f2.root, f2.mountinfo, f2.self, &c2, &err), 0);
	ASSERT_EQ(cgroup_create(c2, &err), 0);
	put(c2->hiers[0].path, "cgroup.kill", "");
	put(c2->hiers[0].path, "cgroup.procs", "");
	ASSERT_EQ(c2->ops->kill(c2, SIGKILL, &err), 0);
	k = get(c2->hiers[0].path, "cgroup.kill");
	ASSERT_STREQ(k, "1");
}

/* ---------------------------------------------------------------------------------------- */
/* destroy */

TEST(destroy_removes_only_the_leaf)
{
	_cleanup_fake_ struct fake fk;
	_cleanup_(cgroup_freep) struct cgroup *cg = NULL;
	_cleanup_(berth_error_freep) struct berth_error *err = NULL;

	ASSERT_EQ(fake_init(&fk, FAKE_HYBRID, self_hybrid), 0);
	ASSERT_EQ(cgroup_new("/p/c", fk.root, fk.mountinfo, fk.self, &cg, &err), 0);
	ASSERT_EQ(cgroup_create(cg, &err), 0);
	for (size_t i = 0; i < cg->n_hiers; i++) {
		_cleanup_free_ char *parent = xasprintf("%s/p", cg->hiers[i].mountpoint);
		_cleanup_free_ char *nested = xasprintf("%s/inner/deeper", cg->hiers[i].path);

		ASSERT_TRUE(exists(cg->hiers[i].path, NULL));
		put(parent, "keep", "x");
		ASSERT_EQ(mkdir_p(nested, 0755), 0); /* a cgroup the container made */
	}
	ASSERT_EQ(cgroup_destroy(cg, &err), 0);
	for (size_t i = 0; i < cg->n_hiers; i++) {
		_cleanup_free_ char *parent = xasprintf("%s/p", cg->hiers[i].mountpoint);

		ASSERT_TRUE(!exists(cg->hiers[i].path, NULL));
		ASSERT_TRUE(exists(parent, "keep"));
	}
	/* again: nothing there is fine */
	ASSERT_EQ(cgroup_destroy(cg, &err), 0);

	/* something that is not a cgroup stays, and the failure names it */
	ASSERT_EQ(cgroup_create(cg, &err), 0);
	put(cgroup_v1_hier(cg, "memory")->path, "stray", "x");
	ASSERT_EQ(cgroup_destroy(cg, &err), -ENOTEMPTY);
	ASSERT_CONTAINS(err->msg, "rmdir '");
	ASSERT_TRUE(exists(cgroup_v1_hier(cg, "memory")->path, "stray"));
	/* the other hierarchies were still cleaned */
	ASSERT_TRUE(!exists(cgroup_v1_hier(cg, "pids")->path, NULL));
	ASSERT_TRUE(!exists(cgroup_unified(cg)->path, NULL));
}

TEST(hybrid_dispatch_to_unified)
{
	_cleanup_fake_ struct fake fk;
	_cleanup_(cgroup_freep) struct cgroup *cg = NULL;
	_cleanup_(berth_error_freep) struct berth_error *err = NULL;
	_cleanup_free_ char *mi = NULL, *u = NULL, *v = NULL, *want = NULL;
	struct rt_resources r = no_resources();
	struct cgroup_stats s;
	char *line;

	ASSERT_EQ(fake_init(&fk, FAKE_HYBRID, self_hybrid), 0);
	/* no v1 pids hierarchy; the cgroup2 one offers pids */
	ASSERT_EQ(read_full_file(fk.mountinfo, &mi, NULL), 0);
	line = strstr(mi, "/pids ");
	ASSERT_TRUE(line != NULL);
	while (line > mi && line[-1] != '\n')
		line--;
	memmove(line, strchr(line, '\n') + 1, strlen(strchr(line, '\n') + 1) + 1);
	put(fk.dir, "mountinfo", mi);
	u = sub(&fk, "unified");
	put(u, "cgroup.controllers", "hugetlb pids\n");
	put(u, "cgroup.subtree_control", "");

	ASSERT_EQ(cgroup_new("/h", fk.root, fk.mountinfo, fk.self, &cg, &err), 0);
	ASSERT_EQ(cg->n_hiers, 9);
	ASSERT_TRUE(cgroup_v1_hier(cg, "pids") == NULL);
	hook_start(false);
	ASSERT_EQ(cgroup_create(cg, &err), 0);
	ASSERT_STREQ(wlog, ""); /* hybrid leaves the host's subtree_control alone */

	put(cgroup_unified(cg)->path, "cgroup.controllers", "pids\n");
	put(cgroup_unified(cg)->path, "pids.max", "max\n");
	put(cgroup_unified(cg)->path, "pids.current", "4\n");
	put(cgroup_v1_hier(cg, "memory")->path, "memory.limit_in_bytes", "0");
	r.pids_limit = 10;
	r.memory_limit = 4096;
	hook_start(false);
	ASSERT_EQ(cgroup_apply(cg, &r, &err), 0);
	ASSERT_STREQ(wlog, "memory.limit_in_bytes=4096\npids.max=10\n");
	v = get(cgroup_unified(cg)->path, "pids.max");
	ASSERT_STREQ(v, "10");

	/* stats read pids from cgroup2 too (memory/cpuacct files are missing: an error) */
	put(cgroup_v1_hier(cg, "memory")->path, "memory.usage_in_bytes", "1\n");
	put(cgroup_v1_hier(cg, "cpuacct")->path, "cpuacct.usage", "2\n");
	ASSERT_EQ(cgroup_stats(cg, &s, &err), 0);
	ASSERT_U64_EQ(s.pids_current, 4);
	ASSERT_U64_EQ(s.pids_limit, 10);
	ASSERT_U64_EQ(s.memory_limit, 4096);
	ASSERT_U64_EQ(s.cpu_usage_ns, 2);

	/* device rules still go to the v1 devices hierarchy */
	r = no_resources();
	r.n_devices = 1;
	r.devices = (struct rt_device_rule[]){{.allow = true, .type = 'a'}};
	ASSERT_EQ(cgroup_apply(cg, &r, &err), -ENOENT); /* devices.allow not in the fake */
	want =
	    xasprintf("write 'devices.allow' = 'a' in '%s'", cgroup_v1_hier(cg, "devices")->path);
	ASSERT_CONTAINS(err->msg, want);
}

/* ---------------------------------------------------------------------------------------- */
/* The real thing */

struct live {
	struct cgroup *cg;
	pid_t child;
	int to_child, from_child;
	char parent_rel[64]; /* "/berth-unit-<pid>" */
	char path[80];	     /* "/berth-unit-<pid>/c" */
};

static void live_body(int *test_failed_, struct live *L)
{
	_cleanup_(berth_error_freep) struct berth_error *err = NULL;
	_cleanup_free_ char *lim = NULL, *pmax = NULL, *lim2 = NULL, *sw2 = NULL, *fs = NULL;
	_cleanup_free_ pid_t *pids = NULL;
	struct rt_resources r = no_resources();
	struct cgroup_stats s;
	const char *mem, *pidsdir, *fr;
	size_t n = 0;
	bool frozen = true;
	char c = 'x';
	int p2c[2], c2p[2];

	ASSERT_EQ(cgroup_new(L->path, NULL, NULL, NULL, &L->cg, &err), 0);
	ASSERT_TRUE(L->cg->layout == CGROUP_LAYOUT_HYBRID || L->cg->layout == CGROUP_LAYOUT_V1);
	ASSERT_EQ(cgroup_create(L->cg, &err), 0);
	for (size_t i = 0; i < L->cg->n_hiers; i++)
		ASSERT_TRUE(exists(L->cg->hiers[i].path, NULL));

	r.memory_limit = 64 << 20;
	r.pids_limit = 10;
	ASSERT_EQ(cgroup_apply(L->cg, &r, &err), 0);
	mem = cgroup_v1_hier(L->cg, "memory")->path;
	lim = get(mem, "memory.limit_in_bytes");
	ASSERT_STREQ(lim, "67108864\n");
	pidsdir = cgroup_v1_hier(L->cg, "pids") ? cgroup_v1_hier(L->cg, "pids")->path : NULL;
	if (pidsdir) {
		pmax = get(pidsdir, "pids.max");
		ASSERT_STREQ(pmax, "10\n");
	}

	/* memsw on the real kernel: raising above the current memsw needs memsw first */
	if (exists(mem, "memory.memsw.limit_in_bytes")) {
		r = no_resources();
		r.memory_limit = 64 << 20;
		r.memory_swap = 128 << 20;
		ASSERT_EQ(cgroup_apply(L->cg, &r, &err), 0);
		r.memory_limit = 256 << 20;
		r.memory_swap = 512 << 20;
		ASSERT_EQ(cgroup_apply(L->cg, &r, &err), 0);
		lim2 = get(mem, "memory.limit_in_bytes");
		sw2 = get(mem, "memory.memsw.limit_in_bytes");
		ASSERT_STREQ(lim2, "268435456\n");
		ASSERT_STREQ(sw2, "536870912\n");
		r.memory_limit = 64 << 20;
		r.memory_swap = 128 << 20;
		ASSERT_EQ(cgroup_apply(L->cg, &r, &err), 0);
	}

	/* a child that waits to be moved, burns a little CPU, then sleeps */
	ASSERT_EQ(pipe2(p2c, O_CLOEXEC), 0);
	ASSERT_EQ(pipe2(c2p, O_CLOEXEC), 0);
	L->child = fork();
	ASSERT_TRUE(L->child >= 0);
	if (L->child == 0) {
		volatile unsigned long x = 0;
		uint64_t end;

		if (read(p2c[0], &c, 1) != 1)
			_exit(1);
		end = cgroup_now_ms() + 30;
		while (cgroup_now_ms() < end)
			x++;
		if (write(c2p[1], &c, 1) != 1)
			_exit(1);
		sleep(60);
		_exit(0);
	}
	close(p2c[0]);
	close(c2p[1]);
	L->to_child = p2c[1];
	L->from_child = c2p[0];
	ASSERT_EQ(cgroup_enter(L->cg, L->child, &err), 0);
	ASSERT_EQ(write(L->to_child, &c, 1), 1);
	ASSERT_EQ(read(L->from_child, &c, 1), 1);

	ASSERT_EQ(L->cg->ops->pids(L->cg, &pids, &n, &err), 0);
	ASSERT_EQ(n, 1);
	ASSERT_EQ(pids[0], L->child);

	ASSERT_EQ(cgroup_stats(L->cg, &s, &err), 0);
	ASSERT_U64_EQ(s.memory_limit, 64 << 20);
	ASSERT_TRUE(s.memory_usage > 0);
	ASSERT_TRUE(s.memory_max_usage >= s.memory_usage);
	ASSERT_U64_EQ(s.oom_kills, 0);
	ASSERT_TRUE(s.cpu_usage_ns > 0);
	if (pidsdir) {
		ASSERT_U64_EQ(s.pids_current, 1);
		ASSERT_U64_EQ(s.pids_limit, 10);
	}

	ASSERT_EQ(cgroup_freeze(L->cg, true, &err), 0);
	fr = cgroup_v1_hier(L->cg, "freezer") ? cgroup_v1_hier(L->cg, "freezer")->path : NULL;
	if (fr) {
		fs = get(fr, "freezer.state");
		ASSERT_STREQ(fs, "FROZEN\n");
	}
	ASSERT_EQ(L->cg->ops->frozen(L->cg, &frozen, &err), 0);
	ASSERT_TRUE(frozen);
	ASSERT_EQ(cgroup_freeze(L->cg, false, &err), 0);
	ASSERT_EQ(L->cg->ops->frozen(L->cg, &frozen, &err), 0);
	ASSERT_TRUE(!frozen);

	/* destroy a frozen cgroup: v1 must thaw for SIGKILL to land */
	ASSERT_EQ(cgroup_freeze(L->cg, true, &err), 0);
	ASSERT_EQ(cgroup_destroy(L->cg, &err), 0);
	for (size_t i = 0; i < L->cg->n_hiers; i++)
		ASSERT_TRUE(!exists(L->cg->hiers[i].path, NULL));
}

TEST(live_hybrid_or_v1)
{
	_cleanup_(berth_error_freep) struct berth_error *err = NULL;
	struct live L = {.child = -1, .to_child = -1, .from_child = -1};
	int status = 0;
	bool left = false;

	if (geteuid() != 0 || !path_exists("/sys/fs/cgroup/memory/memory.limit_in_bytes")) {
		printf("# skip live_hybrid_or_v1: needs root and a v1 memory hierarchy\n");
		return;
	}
	snprintf(L.parent_rel, sizeof(L.parent_rel), "/berth-unit-%d", (int)getpid());
	snprintf(L.path, sizeof(L.path), "%s/c", L.parent_rel);
	live_body(test_failed_, &L);

	/* Whatever happened: no process, no directory left behind. A frozen v1 child would
	 * not die from SIGKILL, so thaw first, and never wait for it unbounded. */
	if (L.cg)
		(void)cgroup_freeze(L.cg, false, NULL);
	if (L.child > 0) {
		pid_t w = 0;

		kill(L.child, SIGKILL);
		for (int i = 0; i < 500 && w == 0; i++) {
			w = waitpid(L.child, &status, WNOHANG);
			if (w == 0)
				cgroup_sleep_ms(10);
		}
		if (w != L.child)
			left = true;
		else if (!WIFSIGNALED(status) || WTERMSIG(status) != SIGKILL)
			left = true; /* it must have been killed by destroy */
	}
	if (L.cg) {
		(void)cgroup_destroy(L.cg, NULL);
		for (size_t i = 0; i < L.cg->n_hiers; i++) {
			_cleanup_free_ char *parent =
			    xasprintf("%s%s", L.cg->hiers[i].mountpoint, L.parent_rel);

			if (rmdir(parent) < 0 && errno != ENOENT)
				left = true;
			if (exists(parent, NULL) || exists(L.cg->hiers[i].path, NULL))
				left = true;
		}
	}
	if (L.to_child >= 0)
		close(L.to_child);
	if (L.from_child >= 0)
		close(L.from_child);
	L.cg = cgroup_free(L.cg);
	ASSERT_TRUE(!left);
}

TEST_MAIN()
