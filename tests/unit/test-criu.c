/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What checkpoint and restore tell criu: external mounts, argv, descriptors.json, the
 * error quoted from criu's log. No criu runs here.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "berth/error.h"
#include "cleanup.h"
#include "runtime/cgroup.h"
#include "runtime/config.h"
#include "runtime/criu.h"
#include "parse-config.h"
#include "test.h"
#include "util.h"

DEFINE_FREEP(struct berth_error, berth_error_free)

#define CFG(extra)                                                                            \
	"{\"ociVersion\":\"1.2.0\",\"root\":{\"path\":\"rootfs\"},"                           \
	"\"process\":{\"args\":[\"sh\"],\"cwd\":\"/\"}," extra "}"

/* A hybrid host's cgroup /x/c1: cpu and cpuacct co-mounted, freezer, name=systemd and the
 * cgroup2 hierarchy. */
static struct cgroup_hier hybrid_hiers[] = {
	{ (char *)"cpu,cpuacct", (char *)"/sys/fs/cgroup/cpu,cpuacct",
	  (char *)"/sys/fs/cgroup/cpu,cpuacct/x/c1" },
	{ (char *)"freezer", (char *)"/sys/fs/cgroup/freezer", (char *)"/sys/fs/cgroup/freezer/x/c1" },
	{ (char *)"name=systemd", (char *)"/sys/fs/cgroup/systemd",
	  (char *)"/sys/fs/cgroup/systemd/x/c1" },
	{ (char *)"", (char *)"/sys/fs/cgroup/unified", (char *)"/sys/fs/cgroup/unified/x/c1" },
};
static struct cgroup hybrid = { .layout = CGROUP_LAYOUT_HYBRID,
				.hiers = hybrid_hiers,
				.n_hiers = ELEMENTSOF(hybrid_hiers) };

static struct cgroup_hier v2_hiers[] = {
	{ (char *)"", (char *)"/sys/fs/cgroup", (char *)"/sys/fs/cgroup/x/c1" },
};
static struct cgroup v2 = { .layout = CGROUP_LAYOUT_V2, .hiers = v2_hiers, .n_hiers = 1 };

static const char *source_of(const struct criu_ext_mount *m, size_t n, const char *key)
{
	for (size_t i = 0; i < n; i++)
		if (streq(m[i].key, key))
			return m[i].source;
	return NULL;
}

/* argv holds `flag value` (adjacent). */
static bool has_pair(char **argv, const char *flag, const char *value)
{
	for (size_t i = 0; argv && argv[i] && argv[i + 1]; i++)
		if (streq(argv[i], flag) && streq(argv[i + 1], value))
			return true;
	return false;
}

#define MOUNTS                                                                                \
	"\"mounts\":[{\"destination\":\"/proc\",\"type\":\"proc\",\"source\":\"proc\"},"      \
	"{\"destination\":\"/data\",\"type\":\"bind\",\"source\":\"/srv/data\","              \
	"\"options\":[\"rbind\"]},"                                                           \
	"{\"destination\":\"/etc/app\",\"source\":\"conf\",\"options\":[\"bind\",\"ro\"]},"   \
	"{\"destination\":\"/sys/fs/cgroup\",\"type\":\"cgroup\",\"source\":\"cgroup\"}]"

TEST(ext_mounts_binds_and_cgroup_hierarchies)
{
	_cleanup_(rt_config_freep) struct rt_config *c = parse(CFG(MOUNTS));
	struct criu_ext_mount *m = NULL;
	size_t n = 0;

	ASSERT_TRUE(c);
	ASSERT_EQ(criu_ext_mounts(c, "/b", &hybrid, 0, &m, &n), 0);
	ASSERT_EQ(n, 6);
	ASSERT_STREQ(source_of(m, n, "/data"), "/srv/data");
	ASSERT_STREQ(source_of(m, n, "/etc/app"), "/b/conf");
	/* each hierarchy is a bind of the container's own cgroup directory there */
	ASSERT_STREQ(source_of(m, n, "/sys/fs/cgroup/cpu,cpuacct"), "/sys/fs/cgroup/cpu,cpuacct/x/c1");
	ASSERT_STREQ(source_of(m, n, "/sys/fs/cgroup/freezer"), "/sys/fs/cgroup/freezer/x/c1");
	ASSERT_STREQ(source_of(m, n, "/sys/fs/cgroup/systemd"), "/sys/fs/cgroup/systemd/x/c1");
	ASSERT_STREQ(source_of(m, n, "/sys/fs/cgroup/unified"), "/sys/fs/cgroup/unified/x/c1");
	ASSERT_TRUE(!source_of(m, n, "/proc"));
	criu_ext_mounts_free(m, n);

	/* cgroup v2: one bind of the cgroup itself */
	ASSERT_EQ(criu_ext_mounts(c, "/b", &v2, 0, &m, &n), 0);
	ASSERT_EQ(n, 3);
	ASSERT_STREQ(source_of(m, n, "/sys/fs/cgroup"), "/sys/fs/cgroup/x/c1");
	criu_ext_mounts_free(m, n);
}

TEST(ext_mounts_cgroupns_mounts_are_the_containers_own)
{
	_cleanup_(rt_config_freep) struct rt_config *c =
		parse(CFG(MOUNTS ",\"linux\":{\"namespaces\":[{\"type\":\"mount\"},"
				 "{\"type\":\"cgroup\"}]}"));
	struct criu_ext_mount *m = NULL;
	size_t n = 0;

	ASSERT_TRUE(c);
	ASSERT_EQ(criu_ext_mounts(c, "/b", &hybrid, 0, &m, &n), 0);
	ASSERT_EQ(n, 2);
	ASSERT_TRUE(!source_of(m, n, "/sys/fs/cgroup/freezer"));
	criu_ext_mounts_free(m, n);
}

TEST(ext_mounts_userns_nodes_and_masks)
{
	_cleanup_(rt_config_freep) struct rt_config *c = parse(
		CFG("\"linux\":{\"namespaces\":[{\"type\":\"mount\"},{\"type\":\"user\"}],"
		    "\"uidMappings\":[{\"containerID\":0,\"hostID\":100000,\"size\":65536}],"
		    "\"gidMappings\":[{\"containerID\":0,\"hostID\":100000,\"size\":65536}],"
		    "\"devices\":[{\"path\":\"/dev/fuse\",\"type\":\"c\",\"major\":10,"
		    "\"minor\":229}],"
		    "\"maskedPaths\":[\"/proc/kcore\",\"/sys/firmware\"]}"));
	struct criu_ext_mount *m = NULL;
	size_t n = 0;

	ASSERT_TRUE(c);
	ASSERT_EQ(criu_ext_mounts(c, "/b", NULL, 0, &m, &n), 0);
	ASSERT_STREQ(source_of(m, n, "/dev/null"), "/dev/null");
	ASSERT_STREQ(source_of(m, n, "/dev/tty"), "/dev/tty");
	ASSERT_STREQ(source_of(m, n, "/dev/fuse"), "/dev/fuse");
	/* at restore every masked path is listed (keys the images lack are ignored) */
	ASSERT_STREQ(source_of(m, n, "/proc/kcore"), "/dev/null");
	ASSERT_STREQ(source_of(m, n, "/sys/firmware"), "/dev/null");
	criu_ext_mounts_free(m, n);
}

TEST(freeze_cgroup_and_modes)
{
	ASSERT_STREQ(criu_freeze_cgroup(&hybrid), "/sys/fs/cgroup/freezer/x/c1");
	ASSERT_STREQ(criu_freeze_cgroup(&v2), "/sys/fs/cgroup/x/c1");
	ASSERT_TRUE(!criu_freeze_cgroup(NULL));
	ASSERT_TRUE(criu_cgroup_mode_valid(NULL));
	ASSERT_TRUE(criu_cgroup_mode_valid("soft"));
	ASSERT_TRUE(criu_cgroup_mode_valid("ignore"));
	ASSERT_TRUE(!criu_cgroup_mode_valid("props"));
	ASSERT_TRUE(!criu_cgroup_mode_valid(""));
}

TEST(dump_argv)
{
	struct berth_checkpoint_opts o = {
		.criu = { .image_path = "/img", .shell_job = true, .manage_cgroups_mode = "full" },
		.leave_running = true,
	};
	struct criu_ext_mount m[] = { { (char *)"/data", (char *)"/srv/data" } };
	char *ext[] = { (char *)"file[17:3]", (char *)"net[4026531840]:extRootNetNS", NULL };
	struct criu_dump_args a = { .pid = 42,
				    .rootfs = "/b/rootfs",
				    .freeze_cgroup = "/sys/fs/cgroup/freezer/x/c1",
				    .o = &o,
				    .mounts = m,
				    .n_mounts = 1,
				    .external = ext };
	_cleanup_strv_free_ char **argv = NULL;

	ASSERT_EQ(criu_dump_argv(&a, &argv), 0);
	ASSERT_STREQ(argv[0], "criu");
	ASSERT_STREQ(argv[1], "dump");
	ASSERT_TRUE(has_pair(argv, "--tree", "42"));
	ASSERT_TRUE(has_pair(argv, "--images-dir", "/img"));
	ASSERT_TRUE(has_pair(argv, "--root", "/b/rootfs"));
	ASSERT_TRUE(has_pair(argv, "--log-file", "dump.log"));
	ASSERT_TRUE(has_pair(argv, "--freeze-cgroup", "/sys/fs/cgroup/freezer/x/c1"));
	/* at dump the key names the mountpoint itself */
	ASSERT_TRUE(has_pair(argv, "--ext-mount-map", "/data:/data"));
	ASSERT_TRUE(has_pair(argv, "--external", "file[17:3]"));
	ASSERT_TRUE(has_pair(argv, "--external", "net[4026531840]:extRootNetNS"));
	ASSERT_TRUE(strv_contains(argv, "--manage-cgroups=full"));
	ASSERT_TRUE(strv_contains(argv, "--leave-running"));
	ASSERT_TRUE(strv_contains(argv, "--shell-job"));
	ASSERT_TRUE(!strv_contains(argv, "--tcp-established"));
	ASSERT_TRUE(!strv_contains(argv, "--work-dir"));
}

TEST(restore_argv)
{
	struct berth_restore_opts o = {
		.criu = { .image_path = "/img", .work_path = "/work", .tcp_established = true },
	};
	struct criu_ext_mount m[] = {
		{ (char *)"/data", (char *)"/srv/data" },
		{ (char *)"/sys/fs/cgroup/freezer", (char *)"/sys/fs/cgroup/freezer/x/c1" },
	};
	char *inherit[] = { (char *)"file[17:3]", (char *)"pipe:[991]" };
	char *join[] = { (char *)"ipc:/run/ipc", NULL };
	struct criu_restore_args a = { .root = "/run/c1/criu-root",
				       .pid_file = "/run/c1/criu.pid",
				       .o = &o,
				       .cg = &hybrid,
				       .mounts = m,
				       .n_mounts = 2,
				       .inherit = inherit,
				       .n_inherit = 2,
				       .join_ns = join };
	_cleanup_strv_free_ char **argv = NULL;

	ASSERT_EQ(criu_restore_argv(&a, &argv), 0);
	ASSERT_STREQ(argv[1], "restore");
	ASSERT_TRUE(has_pair(argv, "--root", "/run/c1/criu-root"));
	ASSERT_TRUE(has_pair(argv, "--work-dir", "/work"));
	ASSERT_TRUE(has_pair(argv, "--log-file", "restore.log"));
	ASSERT_TRUE(has_pair(argv, "--pidfile", "/run/c1/criu.pid"));
	ASSERT_TRUE(strv_contains(argv, "--restore-detached"));
	ASSERT_TRUE(strv_contains(argv, "--restore-sibling"));
	ASSERT_TRUE(strv_contains(argv, "--manage-cgroups"));
	ASSERT_TRUE(strv_contains(argv, "--tcp-established"));
	/* the tasks go to the new cgroup in every hierarchy, cgroup2 as criu names it */
	ASSERT_TRUE(has_pair(argv, "--cgroup-root", "cpu,cpuacct:/x/c1"));
	ASSERT_TRUE(has_pair(argv, "--cgroup-root", "name=systemd:/x/c1"));
	ASSERT_TRUE(has_pair(argv, "--cgroup-root", ":/x/c1"));
	/* at restore the key is bound from its source */
	ASSERT_TRUE(has_pair(argv, "--ext-mount-map", "/data:/srv/data"));
	ASSERT_TRUE(has_pair(argv, "--ext-mount-map",
			     "/sys/fs/cgroup/freezer:/sys/fs/cgroup/freezer/x/c1"));
	ASSERT_TRUE(has_pair(argv, "--inherit-fd", "fd[3]:file[17:3]"));
	ASSERT_TRUE(has_pair(argv, "--inherit-fd", "fd[4]:pipe:[991]"));
	ASSERT_TRUE(has_pair(argv, "--join-ns", "ipc:/run/ipc"));
	ASSERT_TRUE(!strv_contains(argv, "--leave-running"));
}

TEST(descriptors_round_trip)
{
	char *d[3] = { (char *)"/dev/null", (char *)"pipe:[77]", NULL };
	_cleanup_free_ char *text = criu_descriptors_format(d);
	_cleanup_(berth_error_freep) struct berth_error *err = NULL;
	char *back[3];

	ASSERT_STREQ(text, "[\"/dev/null\",\"pipe:[77]\",\"\"]");
	ASSERT_EQ(criu_descriptors_parse(text, strlen(text), back, &err), 0);
	ASSERT_STREQ(back[0], "/dev/null");
	ASSERT_STREQ(back[1], "pipe:[77]");
	ASSERT_STREQ(back[2], "");
	for (int i = 0; i < 3; i++)
		free(back[i]);
	ASSERT_TRUE(!criu_descriptor_inherited("/dev/null"));
	ASSERT_TRUE(!criu_descriptor_inherited(""));
	ASSERT_TRUE(criu_descriptor_inherited("pipe:[77]"));
	ASSERT_TRUE(criu_descriptor_inherited("file[1a:51c0b0]"));
	/* the terminal: inherited too, from a new pty */
	ASSERT_TRUE(criu_descriptor_inherited("tty[8800:34]"));
	ASSERT_TRUE(criu_descriptor_tty("tty[8800:34]"));
	ASSERT_TRUE(!criu_descriptor_tty("pipe:[77]"));
	ASSERT_TRUE(!criu_descriptor_tty("/dev/pts/0"));
	ASSERT_TRUE(!criu_descriptor_tty(NULL));

	ASSERT_EQ(criu_descriptors_parse("{}", 2, back, &err), -EINVAL);
	ASSERT_CONTAINS(berth_error_message(err), "descriptors.json");
	ASSERT_EQ(criu_descriptors_parse("[1]", 3, back, &err), -EINVAL);
	ASSERT_CONTAINS(berth_error_message(err), "entry 0");
}

TEST(ext_mount_add_replaces_a_key)
{
	struct criu_ext_mount *m = NULL;
	size_t n = 0;

	ASSERT_EQ(criu_ext_mount_add(&m, &n, "/data", "/srv/data"), 0);
	ASSERT_EQ(criu_ext_mount_add(&m, &n, "/dev/console", "/dev/console"), 0);
	ASSERT_EQ(criu_ext_mount_add(&m, &n, "/dev/console", "/dev/pts/7"), 0);
	ASSERT_EQ(n, 2);
	ASSERT_STREQ(m[1].key, "/dev/console");
	ASSERT_STREQ(m[1].source, "/dev/pts/7");
	criu_ext_mounts_free(m, n);
}

TEST(log_error_skips_the_rlimit_note)
{
	char dir[] = "/tmp/test-criu.XXXXXX";
	_cleanup_free_ char *path = NULL, *e = NULL;
	FILE *f;

	ASSERT_TRUE(mkdtemp(dir));
	path = xasprintf("%s/dump.log", dir);
	f = fopen(path, "we");
	ASSERT_TRUE(f);
	fputs("(00.000001) Version: 4.2\n"
	      "(00.100936) Error (criu/util.c:1534): rlimit: Can't setup RLIMIT_NOFILE for self: "
	      "Operation not permitted\n"
	      "(00.129154) Error (criu/mount.c:753): mnt: 83:./sys/fs/cgroup/unified doesn't "
	      "have a proper root mount\n"
	      "(00.178035) Error (criu/cr-dump.c:2128): Dumping FAILED.\n",
	      f);
	fclose(f);
	e = criu_log_error(dir, "dump.log");
	ASSERT_STREQ(e, "Error (criu/mount.c:753): mnt: 83:./sys/fs/cgroup/unified doesn't have "
			"a proper root mount");
	ASSERT_TRUE(!criu_log_error(dir, "restore.log"));
	unlink(path);
	rmdir(dir);
}

TEST_MAIN()
