/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cgroup module tests. Most run against fake trees in a temp dir: a fake mountinfo, a fake
 * /proc/self/cgroup, and plain directories with plain files standing in for control files.
 * cgroup_write_hook records every write (and emulates kernel refusals where a test needs
 * them). The last test runs on the real cgroupfs when root and a v1 memory hierarchy exist.
 */
#include <dirent.h>
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
#include "berth/cleanup.h"
#include "runtime/cgroup-internal.h"
#include "runtime/cgroup.h"
#include "test.h"
#include "berth/util.h"

DEFINE_FREEP(struct berth_error, berth_error_free)

/* ---------------------------------------------------------------------------------------- */
/* Fake trees */

/* FAKE_V1_FULL: FAKE_V1 plus blkio, hugetlb, net_cls+net_prio and rdma hierarchies. */
enum fake_kind { FAKE_V1, FAKE_V1_NOPIDS, FAKE_V1_FULL, FAKE_HYBRID, FAKE_V2 };

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
	case FAKE_V1_FULL:
		mount_line(f, 19, "/", fk->root, "tmpfs", "rw,mode=755");
		v1_mount(f, fk, 20, "systemd", "rw,xattr,release_agent=/lib/sd-agent,name=systemd");
		v1_mount(f, fk, 21, "cpu,cpuacct", "rw,cpu,cpuacct");
		v1_mount(f, fk, 22, "cpuset", "rw,cpuset");
		v1_mount(f, fk, 23, "memory", "rw,memory");
		v1_mount(f, fk, 24, "devices", "rw,devices");
		v1_mount(f, fk, 25, "freezer", "rw,freezer");
		if (kind != FAKE_V1_NOPIDS)
			v1_mount(f, fk, 26, "pids", "rw,pids");
		if (kind == FAKE_V1_FULL) {
			v1_mount(f, fk, 27, "blkio", "rw,blkio");
			v1_mount(f, fk, 28, "hugetlb", "rw,hugetlb");
			v1_mount(f, fk, 29, "net_cls,net_prio", "rw,net_cls,net_prio");
			v1_mount(f, fk, 17, "rdma", "rw,rdma");
		}
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

/* record_hook, and what the kernel does on "+ctrl" in cgroup.subtree_control: the children
 * get ctrl in their cgroup.controllers. */
static int subtree_hook(const char *dir, const char *file, const char *value)
{
	_cleanup_closedir_ DIR *d = NULL;
	struct dirent *de;
	int r = record_hook(dir, file, value);

	if (r < 0 || !streq(file, "cgroup.subtree_control") || value[0] != '+')
		return r;
	d = opendir(dir);
	while (d && (de = readdir(d))) {
		_cleanup_free_ char *sub = NULL, *cur = NULL, *next = NULL;

		if (de->d_type != DT_DIR || de->d_name[0] == '.')
			continue;
		sub = xasprintf("%s/%s", dir, de->d_name);
		cur = get(sub, "cgroup.controllers");
		next = xasprintf("%s %s\n", streq(cur, "(missing)") ? "" : cur, value + 1);
		put(sub, "cgroup.controllers", next);
	}
	return 0;
}

static void hook_start_subtree(void)
{
	hook_start(false);
	cgroup_write_hook = subtree_hook;
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

TEST(use_sub_cgroups)
{
	_cleanup_fake_ struct fake fk, f2;
	_cleanup_(cgroup_freep) struct cgroup *cg = NULL, *all = NULL;
	_cleanup_(berth_error_freep) struct berth_error *err = NULL;
	_cleanup_free_ char *mem = NULL, *cpu = NULL, *frz = NULL, *sd = NULL;

	ASSERT_EQ(fake_init(&fk, FAKE_V1, self_v1), 0);
	ASSERT_EQ(cgroup_new("/ct", fk.root, fk.mountinfo, fk.self, &cg, &err), 0);
	/* refused, and nothing changed */
	ASSERT_EQ(cgroup_use_sub(cg, (const char *[]){ "..", NULL }, &err), -EINVAL);
	ASSERT_STREQ(err->msg, ".. is not a sub cgroup path");
	ASSERT_EQ(cgroup_use_sub(cg, (const char *[]){ "memory:a/../../b", NULL }, &err), -EINVAL);
	ASSERT_STREQ(err->msg, "a/../../b is not a sub cgroup path");
	ASSERT_EQ(cgroup_use_sub(cg, (const char *[]){ "whaaat:/", NULL }, &err), -EINVAL);
	ASSERT_STREQ(err->msg, "unknown controller whaaat in SubCgroupPaths");
	ASSERT_EQ(cgroup_use_sub(cg, (const char *[]){ "a", "memory:b", NULL }, &err), -EINVAL);
	ASSERT_STREQ(err->msg, "invalid --cgroup argument: a (missing <controller>: prefix)");
	ASSERT_EQ(cgroup_use_sub(cg, (const char *[]){ "memory:a:b", NULL }, &err), -EINVAL);
	frz = sub(&fk, "freezer/ct");
	ASSERT_STREQ(cgroup_v1_hier(cg, "freezer")->path, frz);
	/* per controller; co-mounted cpu,cpuacct once; "." and ".." inside are fine */
	ASSERT_EQ(cgroup_use_sub(cg, (const char *[]){ "memory:m1/./x/..", "cpu,cpuacct:c1", NULL }, &err),
		  0);
	mem = sub(&fk, "memory/ct/m1");
	cpu = sub(&fk, "cpu,cpuacct/ct/c1");
	ASSERT_STREQ(cgroup_v1_hier(cg, "memory")->path, mem);
	ASSERT_STREQ(cgroup_v1_hier(cg, "cpuacct")->path, cpu);
	ASSERT_STREQ(cgroup_v1_hier(cg, "freezer")->path, frz);

	/* one path for every hierarchy; "/" is the cgroup itself */
	ASSERT_EQ(fake_init(&f2, FAKE_V1, self_v1), 0);
	ASSERT_EQ(cgroup_new("/ct", f2.root, f2.mountinfo, f2.self, &all, &err), 0);
	ASSERT_EQ(cgroup_use_sub(all, (const char *[]){ "/", NULL }, &err), 0);
	free(frz);
	frz = sub(&f2, "freezer/ct");
	ASSERT_STREQ(cgroup_v1_hier(all, "freezer")->path, frz);
	ASSERT_EQ(cgroup_use_sub(all, (const char *[]){ "s", NULL }, &err), 0);
	sd = sub(&f2, "systemd/ct/s");
	ASSERT_STREQ(cgroup_v1_hier(all, "name=systemd")->path, sd);
	ASSERT_EQ(cgroup_use_sub(all, NULL, &err), 0);
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
	/* Device rules on v2 are a BPF program attached to the cgroup: this fake
	 * hierarchy is a plain directory, where the kernel refuses it (the live test is
	 * in test-bpf-devices.c). */
	r.devices = rules;
	r.n_devices = 1;
	ASSERT_TRUE(cgroup_apply(cg, &r, &err) < 0);
	ASSERT_CONTAINS(berth_error_message(err), "device rules: attach the BPF device program");
	err = berth_error_free(err);
	r.devices = NULL;
	r.n_devices = 0;
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

	ASSERT_EQ(fake_init(&fk, FAKE_V1_FULL, self_v1), 0);
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
	put(cgroup_v1_hier(cg, "blkio")->path, "blkio.throttle.io_service_bytes_recursive",
	    "254:0 Read 4096\n254:0 Write 8192\n254:0 Sync 8192\n254:0 Async 4096\n"
	    "254:0 Discard 0\n254:0 Total 12288\n8:0 Read 1\n8:0 Write 2\nTotal 12291\n");
	ASSERT_EQ(cgroup_stats(cg, &s, &err), 0);
	ASSERT_U64_EQ(s.io_read, 4097);
	ASSERT_U64_EQ(s.io_write, 8194);
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
	put(leaf, "io.stat",
	    "254:0 rbytes=4096 wbytes=1048576 rios=1 wios=256 dbytes=0 dios=0\n"
	    "8:16 rbytes=10 wbytes=20 rios=1 wios=1 dbytes=0 dios=0\n");
	ASSERT_EQ(cgroup_stats(cg, &s, &err), 0);
	ASSERT_U64_EQ(s.io_read, 4106);
	ASSERT_U64_EQ(s.io_write, 1048596);
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
/* runtime-spec 1.2 resources: blkio/io, hugetlb, net_cls/net_prio, rdma, unified, cpu rt,
 * idle and burst */

static const struct rt_blkio_weight_device weight_devs[] = {
    {.major = 8, .minor = 0, .weight = 600},
    {.major = 8, .minor = 16, .leaf_weight = 20},
};
static const struct rt_blkio_throttle read_bps[] = {{.major = 8, .minor = 0, .rate = 1048576}};
static const struct rt_blkio_throttle write_iops[] = {
    {.major = 8, .minor = 0, .rate = 100},
    {.major = 253, .minor = 1, .rate = 0},
};

static struct rt_resources blkio_resources(void)
{
	struct rt_resources r = no_resources();

	r.blkio_throttle[RT_BLKIO_READ_BPS] = (struct rt_blkio_throttle *)read_bps;
	r.n_blkio_throttle[RT_BLKIO_READ_BPS] = ELEMENTSOF(read_bps);
	r.blkio_throttle[RT_BLKIO_WRITE_IOPS] = (struct rt_blkio_throttle *)write_iops;
	r.n_blkio_throttle[RT_BLKIO_WRITE_IOPS] = ELEMENTSOF(write_iops);
	return r;
}

TEST(v1_blkio)
{
	_cleanup_fake_ struct fake fk;
	_cleanup_(cgroup_freep) struct cgroup *cg = NULL;
	_cleanup_(berth_error_freep) struct berth_error *err = NULL;
	_cleanup_free_ char *want = NULL, *want2 = NULL, *v = NULL;
	struct rt_resources r = blkio_resources();
	const char *b;

	ASSERT_EQ(fake_init(&fk, FAKE_HYBRID, self_hybrid), 0);
	ASSERT_EQ(cgroup_new("/berth/c1", fk.root, fk.mountinfo, fk.self, &cg, &err), 0);
	ASSERT_EQ(cgroup_create(cg, &err), 0);
	b = cgroup_v1_hier(cg, "blkio")->path;
	/* what this machine's kernel has: throttling, no weights */
	put(b, "blkio.throttle.read_bps_device", "");
	put(b, "blkio.throttle.write_bps_device", "");
	put(b, "blkio.throttle.read_iops_device", "");
	put(b, "blkio.throttle.write_iops_device", "");

	hook_start(false);
	ASSERT_EQ(cgroup_apply(cg, &r, &err), 0);
	ASSERT_STREQ(wlog, "blkio.throttle.read_bps_device=8:0 1048576\n"
			   "blkio.throttle.write_iops_device=8:0 100\n"
			   "blkio.throttle.write_iops_device=253:1 0\n");

	/* a weight is an error naming the missing file, and nothing is written */
	r.blkio_weight = 500;
	hook_start(false);
	ASSERT_EQ(cgroup_apply(cg, &r, &err), -EOPNOTSUPP);
	want = xasprintf("block I/O weight: '%s' has no blkio.weight (nor blkio.bfq.weight): this "
			 "kernel has no CFQ or BFQ group scheduling",
			 b);
	ASSERT_STREQ(err->msg, want);
	ASSERT_STREQ(wlog, "");
	/* a per-device weight too */
	r = blkio_resources();
	r.blkio_weight_devices = (struct rt_blkio_weight_device *)weight_devs;
	r.n_blkio_weight_devices = 1;
	ASSERT_EQ(cgroup_apply(cg, &r, &err), -EOPNOTSUPP);

	/* BFQ's files */
	put(b, "blkio.bfq.weight", "100\n");
	put(b, "blkio.bfq.weight_device", "");
	r.blkio_weight = 500;
	hook_start(false);
	ASSERT_EQ(cgroup_apply(cg, &r, &err), 0);
	ASSERT_STREQ(wlog, "blkio.bfq.weight=500\n"
			   "blkio.bfq.weight_device=8:0 600\n"
			   "blkio.throttle.read_bps_device=8:0 1048576\n"
			   "blkio.throttle.write_iops_device=8:0 100\n"
			   "blkio.throttle.write_iops_device=253:1 0\n");

	/* CFQ's, preferred when there; a leaf weight needs blkio.leaf_weight */
	put(b, "blkio.weight", "100\n");
	put(b, "blkio.weight_device", "");
	r = no_resources();
	r.blkio_weight = 300;
	r.blkio_leaf_weight = 200;
	r.blkio_weight_devices = (struct rt_blkio_weight_device *)weight_devs;
	r.n_blkio_weight_devices = ELEMENTSOF(weight_devs);
	ASSERT_EQ(cgroup_apply(cg, &r, &err), -EOPNOTSUPP);
	want2 = xasprintf("block I/O leaf weight: '%s' has no blkio.leaf_weight (CFQ only, removed "
			  "in Linux 5.0)",
			  b);
	ASSERT_STREQ(err->msg, want2);
	put(b, "blkio.leaf_weight", "");
	put(b, "blkio.leaf_weight_device", "");
	hook_start(false);
	ASSERT_EQ(cgroup_apply(cg, &r, &err), 0);
	ASSERT_STREQ(wlog, "blkio.weight=300\n"
			   "blkio.leaf_weight=200\n"
			   "blkio.weight_device=8:0 600\n"
			   "blkio.leaf_weight_device=8:16 20\n");
	v = get(b, "blkio.weight");
	ASSERT_STREQ(v, "300");
}

TEST(v2_io)
{
	_cleanup_fake_ struct fake fk;
	_cleanup_(cgroup_freep) struct cgroup *cg = NULL;
	_cleanup_(berth_error_freep) struct berth_error *err = NULL;
	_cleanup_free_ char *leaf = NULL;
	struct rt_resources r = blkio_resources();

	ASSERT_EQ(fake_init(&fk, FAKE_V2, self_v2), 0);
	ASSERT_EQ(cgroup_new("/berth/c1", fk.root, fk.mountinfo, fk.self, &cg, &err), 0);
	ASSERT_EQ(cgroup_create(cg, &err), 0);
	leaf = sub(&fk, "berth/c1");
	v2_leaf_files(leaf, "cpu io memory pids\n");
	put(leaf, "io.weight", "default 100\n");
	put(leaf, "io.max", "");
	r.blkio_weight = 500;
	r.blkio_weight_devices = (struct rt_blkio_weight_device *)weight_devs;
	r.n_blkio_weight_devices = 1;
	hook_start(false);
	ASSERT_EQ(cgroup_apply(cg, &r, &err), 0);
	/* iocost's 1..10000 from blkio's 10..1000; throttles one key per write */
	ASSERT_STREQ(wlog, "io.weight=4950\n"
			   "io.weight=8:0 5960\n"
			   "io.max=8:0 rbps=1048576\n"
			   "io.max=8:0 wiops=100\n"
			   "io.max=253:1 wiops=max\n");
	ASSERT_U64_EQ(cgroup_blkio_to_io_weight(10), 1);
	ASSERT_U64_EQ(cgroup_blkio_to_io_weight(1000), 10000);

	/* with BFQ, its own scale */
	put(leaf, "io.bfq.weight", "default 100\n");
	r = no_resources();
	r.blkio_weight = 500;
	hook_start(false);
	ASSERT_EQ(cgroup_apply(cg, &r, &err), 0);
	ASSERT_STREQ(wlog, "io.bfq.weight=500\n");

	r.blkio_leaf_weight = 100;
	ASSERT_EQ(cgroup_apply(cg, &r, &err), -EOPNOTSUPP);
	ASSERT_STREQ(err->msg, "block I/O leaf weight: not supported on cgroup v2");
}

static const struct rt_hugepage_limit huge_2mb[] = {{.page_size = (char *)"2MB", .limit = 4194304}};
static const struct rt_hugepage_limit huge_3mb[] = {{.page_size = (char *)"3MB", .limit = 1}};

TEST(v1_hugetlb)
{
	_cleanup_fake_ struct fake fk;
	_cleanup_(cgroup_freep) struct cgroup *cg = NULL;
	_cleanup_(berth_error_freep) struct berth_error *err = NULL;
	_cleanup_free_ char *want = NULL;
	struct rt_resources r = no_resources();
	const char *h;

	ASSERT_EQ(fake_init(&fk, FAKE_V1_FULL, self_v1), 0);
	ASSERT_EQ(cgroup_new("/berth/c1", fk.root, fk.mountinfo, fk.self, &cg, &err), 0);
	ASSERT_EQ(cgroup_create(cg, &err), 0);
	h = cgroup_v1_hier(cg, "hugetlb")->path;
	put(h, "hugetlb.2MB.limit_in_bytes", "9223372036854771712\n");
	r.hugepage_limits = (struct rt_hugepage_limit *)huge_2mb;
	r.n_hugepage_limits = 1;
	hook_start(false);
	ASSERT_EQ(cgroup_apply(cg, &r, &err), 0);
	ASSERT_STREQ(wlog, "hugetlb.2MB.limit_in_bytes=4194304\n");
	/* reservations get the same limit when the kernel accounts them */
	put(h, "hugetlb.2MB.rsvd.limit_in_bytes", "");
	hook_start(false);
	ASSERT_EQ(cgroup_apply(cg, &r, &err), 0);
	ASSERT_STREQ(wlog, "hugetlb.2MB.limit_in_bytes=4194304\n"
			   "hugetlb.2MB.rsvd.limit_in_bytes=4194304\n");
	r.hugepage_limits = (struct rt_hugepage_limit *)huge_3mb;
	ASSERT_EQ(cgroup_apply(cg, &r, &err), -EOPNOTSUPP);
	want = xasprintf("hugepage limit '3MB': '%s' has no hugetlb.3MB.limit_in_bytes (no such "
			 "huge page size on this machine)",
			 h);
	ASSERT_STREQ(err->msg, want);
}

/* This machine's layout: hugetlb only on the cgroup2 hierarchy of a hybrid setup. */
TEST(hybrid_hugetlb_enables_controller)
{
	_cleanup_fake_ struct fake fk;
	_cleanup_(cgroup_freep) struct cgroup *cg = NULL;
	_cleanup_(berth_error_freep) struct berth_error *err = NULL;
	_cleanup_free_ char *u = NULL, *mid = NULL, *v = NULL, *want = NULL;
	struct rt_resources r = no_resources();
	const char *leaf;

	ASSERT_EQ(fake_init(&fk, FAKE_HYBRID, self_hybrid), 0);
	ASSERT_EQ(cgroup_new("/berth/c1", fk.root, fk.mountinfo, fk.self, &cg, &err), 0);
	ASSERT_EQ(cgroup_create(cg, &err), 0);
	u = sub(&fk, "unified");
	mid = sub(&fk, "unified/berth");
	leaf = cgroup_unified(cg)->path;
	put(u, "cgroup.subtree_control", "");
	put(mid, "cgroup.controllers", "");
	put(mid, "cgroup.subtree_control", "");
	put(leaf, "cgroup.controllers", "");
	put(leaf, "hugetlb.2MB.max", "max\n");
	put(leaf, "hugetlb.2MB.rsvd.max", "max\n");
	r.hugepage_limits = (struct rt_hugepage_limit *)huge_2mb;
	r.n_hugepage_limits = 1;
	hook_start_subtree();
	ASSERT_EQ(cgroup_apply(cg, &r, &err), 0);
	/* enabled from the root down, then the limit and its reservation */
	ASSERT_STREQ(wlog, "cgroup.subtree_control=+hugetlb\n"
			   "cgroup.subtree_control=+hugetlb\n"
			   "hugetlb.2MB.max=4194304\n"
			   "hugetlb.2MB.rsvd.max=4194304\n");
	v = get(leaf, "hugetlb.2MB.max");
	ASSERT_STREQ(v, "4194304");

	/* already enabled: only the limit */
	hook_start_subtree();
	ASSERT_EQ(cgroup_apply(cg, &r, &err), 0);
	ASSERT_STREQ(wlog, "hugetlb.2MB.max=4194304\nhugetlb.2MB.rsvd.max=4194304\n");

	r.hugepage_limits = (struct rt_hugepage_limit *)huge_3mb;
	ASSERT_EQ(cgroup_apply(cg, &r, &err), -EOPNOTSUPP);
	want = xasprintf("hugepage limit '3MB': '%s' has no hugetlb.3MB.max (no such huge page "
			 "size on this machine)",
			 leaf);
	ASSERT_STREQ(err->msg, want);

	/* a page size that would name another file */
	r.hugepage_limits = (struct rt_hugepage_limit[]){{.page_size = (char *)"2MB.max/../x"}};
	ASSERT_EQ(cgroup_apply(cg, &r, &err), -EINVAL);
	ASSERT_STREQ(err->msg, "hugepage limit '2MB.max/../x': not a page size");

	/* the cgroup2 root does not offer it: no controller */
	put(u, "cgroup.controllers", "\n");
	r.hugepage_limits = (struct rt_hugepage_limit *)huge_2mb;
	ASSERT_EQ(cgroup_apply(cg, &r, &err), -ENODEV);
	ASSERT_CONTAINS(err->msg, "hugepage limits: cgroup controller 'hugetlb' is not available");
}

static const struct rt_net_priority prios[] = {
    {.name = (char *)"eth0", .priority = 5},
    {.name = (char *)"lo", .priority = 1},
};

TEST(network_classid_priorities)
{
	_cleanup_fake_ struct fake f1, f2, f3;
	_cleanup_(cgroup_freep) struct cgroup *c1 = NULL, *c2 = NULL, *c3 = NULL;
	_cleanup_(berth_error_freep) struct berth_error *err = NULL;
	_cleanup_free_ char *want = NULL, *want2 = NULL;
	struct rt_resources r = no_resources();
	const char *n;

	r.has_net_class_id = true;
	r.net_class_id = 0x100001;
	r.net_priorities = (struct rt_net_priority *)prios;
	r.n_net_priorities = ELEMENTSOF(prios);

	ASSERT_EQ(fake_init(&f1, FAKE_V1_FULL, self_v1), 0);
	ASSERT_EQ(cgroup_new("/n", f1.root, f1.mountinfo, f1.self, &c1, &err), 0);
	ASSERT_EQ(cgroup_create(c1, &err), 0);
	n = cgroup_v1_hier(c1, "net_prio")->path;
	ASSERT_TRUE(n == cgroup_v1_hier(c1, "net_cls")->path); /* co-mounted */
	put(n, "net_cls.classid", "0\n");
	put(n, "net_prio.ifpriomap", "");
	hook_start(false);
	ASSERT_EQ(cgroup_apply(c1, &r, &err), 0);
	ASSERT_STREQ(wlog, "net_cls.classid=1048577\n"
			   "net_prio.ifpriomap=eth0 5\n"
			   "net_prio.ifpriomap=lo 1\n");

	/* not mounted (as on this machine) */
	ASSERT_EQ(fake_init(&f2, FAKE_HYBRID, self_hybrid), 0);
	ASSERT_EQ(cgroup_new("/n", f2.root, f2.mountinfo, f2.self, &c2, &err), 0);
	ASSERT_EQ(cgroup_apply(c2, &r, &err), -ENODEV);
	want = xasprintf("network classID: cgroup controller 'net_cls' is not available under '%s'",
			 f2.root);
	ASSERT_STREQ(err->msg, want);
	r.has_net_class_id = false;
	ASSERT_EQ(cgroup_apply(c2, &r, &err), -ENODEV);
	want2 = xasprintf(
	    "network priorities: cgroup controller 'net_prio' is not available under '%s'",
	    f2.root);
	ASSERT_STREQ(err->msg, want2);

	/* cgroup v2 has no such thing */
	ASSERT_EQ(fake_init(&f3, FAKE_V2, self_v2), 0);
	ASSERT_EQ(cgroup_new("/n", f3.root, f3.mountinfo, f3.self, &c3, &err), 0);
	ASSERT_EQ(cgroup_apply(c3, &r, &err), -EOPNOTSUPP);
	ASSERT_STREQ(err->msg,
		     "network priorities: net_cls and net_prio are cgroup v1 controllers, "
		     "cgroup v2 has no equivalent");
}

static const struct rt_rdma_limit rdma_limits[] = {
    {.device = (char *)"mlx5_1",
     .has_hca_handles = true,
     .hca_handles = 3,
     .has_hca_objects = true,
     .hca_objects = 10000},
    {.device = (char *)"mlx4_0", .has_hca_objects = true, .hca_objects = 1},
    {.device = (char *)"ignored"},
};

TEST(rdma_v1_v2)
{
	_cleanup_fake_ struct fake f1, f2;
	_cleanup_(cgroup_freep) struct cgroup *c1 = NULL, *c2 = NULL;
	_cleanup_(berth_error_freep) struct berth_error *err = NULL;
	_cleanup_free_ char *leaf = NULL;
	struct rt_resources r = no_resources();

	r.rdma = (struct rt_rdma_limit *)rdma_limits;
	r.n_rdma = ELEMENTSOF(rdma_limits);
	ASSERT_EQ(fake_init(&f1, FAKE_V1_FULL, self_v1), 0);
	ASSERT_EQ(cgroup_new("/r", f1.root, f1.mountinfo, f1.self, &c1, &err), 0);
	ASSERT_EQ(cgroup_create(c1, &err), 0);
	put(cgroup_v1_hier(c1, "rdma")->path, "rdma.max", "");
	hook_start(false);
	ASSERT_EQ(cgroup_apply(c1, &r, &err), 0);
	ASSERT_STREQ(wlog, "rdma.max=mlx5_1 hca_handle=3 hca_object=10000\n"
			   "rdma.max=mlx4_0 hca_object=1\n");

	ASSERT_EQ(fake_init(&f2, FAKE_V2, self_v2), 0);
	ASSERT_EQ(cgroup_new("/r", f2.root, f2.mountinfo, f2.self, &c2, &err), 0);
	ASSERT_EQ(cgroup_create(c2, &err), 0);
	leaf = sub(&f2, "r");
	v2_leaf_files(leaf, "rdma pids\n");
	put(leaf, "rdma.max", "");
	hook_start(false);
	ASSERT_EQ(cgroup_apply(c2, &r, &err), 0);
	ASSERT_STREQ(wlog, "rdma.max=mlx5_1 hca_handle=3 hca_object=10000\n"
			   "rdma.max=mlx4_0 hca_object=1\n");
}

TEST(unified_map)
{
	_cleanup_fake_ struct fake f1, f2, f3;
	_cleanup_(cgroup_freep) struct cgroup *c1 = NULL, *c2 = NULL, *c3 = NULL;
	_cleanup_(berth_error_freep) struct berth_error *err = NULL;
	_cleanup_free_ char *leaf = NULL, *u = NULL, *want = NULL, *want2 = NULL, *v = NULL;
	struct rt_sysctl v2map[] = {
	    {(char *)"memory.high", (char *)"1048576"},
	    {(char *)"io.max", (char *)"8:0 rbps=1\n8:16 wiops=2\n"},
	    {(char *)"cgroup.max.depth", (char *)"3"},
	};
	struct rt_sysctl hybrid_map[] = {{(char *)"hugetlb.2MB.max", (char *)"2097152"}};
	struct rt_sysctl bad_map[] = {{(char *)"../../memory.max", (char *)"1"}};
	struct rt_sysctl mem_map[] = {{(char *)"memory.high", (char *)"1"}};
	struct rt_resources r = no_resources();

	/* v2: by name, multi-line values line by line, last of all */
	ASSERT_EQ(fake_init(&f1, FAKE_V2, self_v2), 0);
	ASSERT_EQ(cgroup_new("/u", f1.root, f1.mountinfo, f1.self, &c1, &err), 0);
	ASSERT_EQ(cgroup_create(c1, &err), 0);
	leaf = sub(&f1, "u");
	v2_leaf_files(leaf, "io memory pids\n");
	put(leaf, "memory.high", "max\n");
	put(leaf, "io.max", "");
	put(leaf, "cgroup.max.depth", "max\n");
	r.pids_limit = 5;
	r.unified = v2map;
	r.n_unified = ELEMENTSOF(v2map);
	hook_start(false);
	ASSERT_EQ(cgroup_apply(c1, &r, &err), 0);
	ASSERT_STREQ(wlog, "pids.max=5\n"
			   "memory.high=1048576\n"
			   "io.max=8:0 rbps=1\n"
			   "io.max=8:16 wiops=2\n"
			   "cgroup.max.depth=3\n");
	/* a name that leads elsewhere is refused before anything is written */
	r = no_resources();
	r.unified = bad_map;
	r.n_unified = 1;
	hook_start(false);
	ASSERT_EQ(cgroup_apply(c1, &r, &err), -EINVAL);
	ASSERT_STREQ(err->msg, "unified '../../memory.max': not a cgroup file name");
	ASSERT_STREQ(wlog, "");

	/* hybrid: into the cgroup2 hierarchy, enabling the controller */
	ASSERT_EQ(fake_init(&f2, FAKE_HYBRID, self_hybrid), 0);
	ASSERT_EQ(cgroup_new("/u", f2.root, f2.mountinfo, f2.self, &c2, &err), 0);
	ASSERT_EQ(cgroup_create(c2, &err), 0);
	u = sub(&f2, "unified");
	put(u, "cgroup.subtree_control", "");
	put(cgroup_unified(c2)->path, "cgroup.controllers", "");
	r = no_resources();
	r.unified = hybrid_map;
	r.n_unified = 1;
	hook_start_subtree();
	/* the kernel makes the file appear when the controller is enabled; so does the fake */
	put(cgroup_unified(c2)->path, "hugetlb.2MB.max", "max\n");
	ASSERT_EQ(cgroup_apply(c2, &r, &err), 0);
	ASSERT_STREQ(wlog, "hugetlb.2MB.max=2097152\n");
	/* a file of a controller that is bound to v1 here */
	r.unified = mem_map;
	ASSERT_EQ(cgroup_apply(c2, &r, &err), -ENODEV);
	want = xasprintf("invalid configuration: unified 'memory.high': cgroup controller 'memory' "
			 "is not available in "
			 "'%s'",
			 u);
	ASSERT_STREQ(err->msg, want);

	/* pure v1: nowhere to write */
	ASSERT_EQ(fake_init(&f3, FAKE_V1, self_v1), 0);
	ASSERT_EQ(cgroup_new("/u", f3.root, f3.mountinfo, f3.self, &c3, &err), 0);
	ASSERT_EQ(cgroup_apply(c3, &r, &err), -ENODEV);
	want2 = xasprintf("invalid configuration: unified 'memory.high': no cgroup2 hierarchy "
			  "under '%s' (cgroup v1 only)",
			  f3.root);
	ASSERT_STREQ(err->msg, want2);
	v = get(cgroup_unified(c2)->path, "hugetlb.2MB.max");
	ASSERT_STREQ(v, "2097152");
}

/* The kernel keeps rt_runtime <= rt_period. */
static int rt_hook(const char *dir, const char *file, const char *value)
{
	int r = 0;

	if (streq(file, "cpu.rt_period_us") || streq(file, "cpu.rt_runtime_us")) {
		bool period = streq(file, "cpu.rt_period_us");
		_cleanup_free_ char *other =
		    get(dir, period ? "cpu.rt_runtime_us" : "cpu.rt_period_us");
		long long v = atoll(value), o = atoll(other);

		if (period ? (o > v) : (v > o))
			r = -EINVAL;
	}
	snprintf(wlog + strlen(wlog), sizeof(wlog) - strlen(wlog), "%s=%s%s\n", file, value,
		 r < 0 ? "!" : "");
	return r;
}

TEST(cpu_realtime_idle_burst)
{
	_cleanup_fake_ struct fake f1, f2;
	_cleanup_(cgroup_freep) struct cgroup *c1 = NULL, *c2 = NULL;
	_cleanup_(berth_error_freep) struct berth_error *err = NULL;
	_cleanup_free_ char *leaf = NULL, *want = NULL;
	struct rt_resources r = no_resources();
	const char *cpu;

	ASSERT_EQ(fake_init(&f1, FAKE_V1, self_v1), 0);
	ASSERT_EQ(cgroup_new("/c", f1.root, f1.mountinfo, f1.self, &c1, &err), 0);
	ASSERT_EQ(cgroup_create(c1, &err), 0);
	cpu = cgroup_v1_hier(c1, "cpu")->path;
	put(cpu, "cpu.cfs_period_us", "100000\n");
	put(cpu, "cpu.cfs_quota_us", "-1\n");
	put(cpu, "cpu.cfs_burst_us", "0\n");
	put(cpu, "cpu.idle", "0\n");
	r.cpu_quota = 50000;
	r.has_cpu_burst = true;
	r.cpu_burst = 10000;
	r.has_cpu_idle = true;
	r.cpu_idle = 1;
	r.has_cpu_realtime_runtime = true;
	r.cpu_realtime_runtime = 20000;
	/* no cpu.rt_* files: the kernel has no RT group scheduling */
	ASSERT_EQ(cgroup_apply(c1, &r, &err), -EOPNOTSUPP);
	want = xasprintf("cpu realtime runtime/period: '%s' has no cpu.rt_runtime_us (the kernel "
			 "lacks CONFIG_RT_GROUP_SCHED)",
			 cpu);
	ASSERT_STREQ(err->msg, want);

	put(cpu, "cpu.rt_period_us", "1000000\n");
	put(cpu, "cpu.rt_runtime_us", "0\n");
	r.has_cpu_realtime_period = true;
	r.cpu_realtime_period = 100000;
	wlog[0] = 0;
	cgroup_write_hook = rt_hook;
	ASSERT_EQ(cgroup_apply(c1, &r, &err), 0);
	ASSERT_STREQ(wlog, "cpu.cfs_quota_us=50000\n"
			   "cpu.cfs_burst_us=10000\n"
			   "cpu.rt_period_us=100000\n"
			   "cpu.rt_runtime_us=20000\n"
			   "cpu.idle=1\n");
	/* a period below the current runtime: the runtime goes first */
	r = no_resources();
	r.has_cpu_realtime_period = true;
	r.cpu_realtime_period = 10000;
	r.has_cpu_realtime_runtime = true;
	r.cpu_realtime_runtime = 5000;
	wlog[0] = 0;
	ASSERT_EQ(cgroup_apply(c1, &r, &err), 0);
	ASSERT_STREQ(wlog, "cpu.rt_period_us=10000!\n"
			   "cpu.rt_runtime_us=5000\n"
			   "cpu.rt_period_us=10000\n");

	/* v2: cpu.max.burst after cpu.max, cpu.idle; no realtime */
	ASSERT_EQ(fake_init(&f2, FAKE_V2, self_v2), 0);
	ASSERT_EQ(cgroup_new("/c", f2.root, f2.mountinfo, f2.self, &c2, &err), 0);
	ASSERT_EQ(cgroup_create(c2, &err), 0);
	leaf = sub(&f2, "c");
	v2_leaf_files(leaf, "cpu pids\n");
	put(leaf, "cpu.max.burst", "0\n");
	put(leaf, "cpu.idle", "0\n");
	r = no_resources();
	r.cpu_quota = 50000;
	r.has_cpu_burst = true;
	r.cpu_burst = 1000;
	r.has_cpu_idle = true;
	r.cpu_idle = 0;
	hook_start(false);
	ASSERT_EQ(cgroup_apply(c2, &r, &err), 0);
	ASSERT_STREQ(wlog, "cpu.max=50000\ncpu.max.burst=1000\ncpu.idle=0\n");
	r.has_cpu_realtime_runtime = true;
	ASSERT_EQ(cgroup_apply(c2, &r, &err), -EOPNOTSUPP);
	ASSERT_STREQ(err->msg, "cpu realtime runtime/period: not supported on cgroup v2");
}

/* Zeroed new fields ask for nothing: callers that build struct rt_resources by hand
 * (update) keep working unchanged. */
TEST(new_fields_zero_is_unset)
{
	_cleanup_fake_ struct fake fk;
	_cleanup_(cgroup_freep) struct cgroup *cg = NULL;
	_cleanup_(berth_error_freep) struct berth_error *err = NULL;
	struct rt_resources r = no_resources();

	ASSERT_EQ(fake_init(&fk, FAKE_V1, self_v1), 0);
	ASSERT_EQ(cgroup_new("/z", fk.root, fk.mountinfo, fk.self, &cg, &err), 0);
	ASSERT_EQ(cgroup_create(cg, &err), 0);
	hook_start(false);
	ASSERT_EQ(cgroup_apply(cg, &r, &err), 0);
	ASSERT_STREQ(wlog, "");
	ASSERT_TRUE(!cgroup_wants_cpu(&r));
	ASSERT_TRUE(!cgroup_wants_io(&r));
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
		end = now_ms() + 30;
		while (now_ms() < end)
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

/* hugetlb on this kind of machine: hybrid, hugetlb bound to the cgroup2 hierarchy only. */
TEST(live_hybrid_hugetlb)
{
	_cleanup_(berth_error_freep) struct berth_error *err = NULL;
	_cleanup_(cgroup_freep) struct cgroup *cg = NULL;
	_cleanup_free_ char *ctrls = NULL, *v = NULL, *sc = NULL;
	struct rt_resources r = no_resources();
	char parent[64], path[80];
	bool left = false;

	if (geteuid() != 0 ||
	    read_full_file("/sys/fs/cgroup/unified/cgroup.controllers", &ctrls, NULL) < 0 ||
	    !cgroup_list_has(ctrls, " \n", "hugetlb") ||
	    !path_exists("/sys/kernel/mm/hugepages/hugepages-2048kB")) {
		printf("# skip live_hybrid_hugetlb: needs root, hugetlb in /sys/fs/cgroup/unified "
		       "and 2MB pages\n");
		return;
	}
	snprintf(parent, sizeof(parent), "/berth-unit-huge-%d", (int)getpid());
	snprintf(path, sizeof(path), "%s/c", parent);
	ASSERT_EQ(cgroup_new(path, NULL, NULL, NULL, &cg, &err), 0);
	if (cg->layout != CGROUP_LAYOUT_HYBRID || cgroup_v1_hier(cg, "hugetlb")) {
		printf("# skip live_hybrid_hugetlb: not hybrid with hugetlb on cgroup2 only\n");
		return;
	}
	ASSERT_EQ(cgroup_create(cg, &err), 0);
	r.hugepage_limits = (struct rt_hugepage_limit *)huge_2mb;
	r.n_hugepage_limits = 1;
	if (cgroup_apply(cg, &r, &err) < 0) {
		printf("#   apply: %s\n", berth_error_message(err));
		left = true; /* reported below, after cleaning up */
	} else {
		v = get(cgroup_unified(cg)->path, "hugetlb.2MB.max");
		sc = xasprintf("%s%s", cgroup_unified(cg)->mountpoint, parent);
	}
	if (v && !streq(v, "4194304\n")) {
		printf("#   hugetlb.2MB.max is '%s'\n", v);
		left = true;
	}
	if (sc) {
		_cleanup_free_ char *enabled = get(sc, "cgroup.subtree_control");

		if (!cgroup_list_has(enabled, " \n", "hugetlb")) {
			printf("#   hugetlb not enabled in '%s'\n", sc);
			left = true;
		}
	}

	(void)cgroup_destroy(cg, NULL);
	for (size_t i = 0; i < cg->n_hiers; i++) {
		_cleanup_free_ char *p = xasprintf("%s%s", cg->hiers[i].mountpoint, parent);

		if (rmdir(p) < 0 && errno != ENOENT)
			left = true;
		if (exists(p, NULL) || exists(cg->hiers[i].path, NULL))
			left = true;
	}
	ASSERT_TRUE(!left);
}

TEST_MAIN()
