/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <sched.h>
#include <stdlib.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <unistd.h>

#include "berth/error.h"
#include "berth/cleanup.h"
#include "runtime/config.h"
#include "parse-config.h"
#include "test.h"
#include "berth/util.h"

DEFINE_FREEP(struct berth_error, berth_error_free)

/* A minimal valid config.json with `extra` members appended. */
#define CFG(extra) "{\"ociVersion\":\"1.2.0\",\"root\":{\"path\":\"rootfs\"}," extra "}"
/* ... and a minimal process with `extra` members. */
#define PROC(extra) CFG("\"process\":{\"args\":[\"sh\"],\"cwd\":\"/\"," extra "}")

#define CAP(n) (UINT64_C(1) << (n))

/* The error message for json, or NULL when it parses (or fails without a message). */
static char *parse_error(const char *json)
{
	struct rt_config *c = NULL;
	struct berth_error *err = NULL;
	char *msg = NULL;
	int r;

	r = rt_config_parse(json, strlen(json), "config.json", &c, &err);
	if (r >= 0) {
		rt_config_free(c);
		return NULL;
	}
	if (r == -EINVAL && c == NULL && err && err->errnum == EINVAL && err->msg)
		msg = strdup(err->msg);
	berth_error_free(err);
	return msg;
}

static const struct rt_mount *find_mount(const struct rt_config *c, const char *dst)
{
	for (size_t i = 0; i < c->n_mounts; i++)
		if (streq(c->mounts[i].destination, dst))
			return &c->mounts[i];
	return NULL;
}

/* ---- the default config ---- */

TEST(default_json_process)
{
	_cleanup_free_ char *json = rt_config_default_json(false);
	_cleanup_(rt_config_freep) struct rt_config *c = NULL;
	uint64_t caps = CAP(29) | CAP(5) | CAP(10); /* AUDIT_WRITE, KILL, NET_BIND_SERVICE */

	ASSERT_TRUE(json);
	ASSERT_TRUE(json[strlen(json) - 1] == '\n');
	c = parse(json);
	ASSERT_TRUE(c);
	ASSERT_STREQ(c->oci_version, "1.2.0");
	ASSERT_TRUE(c->has_process);
	ASSERT_EQ(strv_length(c->process.args), 1);
	ASSERT_STREQ(c->process.args[0], "sh");
	ASSERT_TRUE(c->process.terminal);
	ASSERT_EQ(strv_length(c->process.env), 2);
	ASSERT_STREQ(c->process.env[1], "TERM=xterm");
	ASSERT_STREQ(c->process.cwd, "/");
	ASSERT_EQ(c->process.uid, 0);
	ASSERT_EQ(c->process.umask, -1);
	ASSERT_U64_EQ(c->process.caps[RT_CAP_BOUNDING], caps);
	ASSERT_U64_EQ(c->process.caps[RT_CAP_EFFECTIVE], caps);
	ASSERT_U64_EQ(c->process.caps[RT_CAP_PERMITTED], caps);
	ASSERT_U64_EQ(c->process.caps[RT_CAP_INHERITABLE], 0);
	ASSERT_U64_EQ(c->process.caps[RT_CAP_AMBIENT], 0);
	ASSERT_EQ(c->process.n_rlimits, 1);
	ASSERT_EQ(c->process.rlimits[0].resource, RLIMIT_NOFILE);
	ASSERT_U64_EQ(c->process.rlimits[0].soft, 1024);
	ASSERT_U64_EQ(c->process.rlimits[0].hard, 1024);
	ASSERT_TRUE(c->process.no_new_privileges);
	ASSERT_TRUE(!c->process.has_oom_score_adj);
	ASSERT_STREQ(c->root_path, "rootfs");
	ASSERT_TRUE(c->root_readonly);
	ASSERT_STREQ(c->hostname, "berth");
}

TEST(default_json_mounts)
{
	_cleanup_free_ char *json = rt_config_default_json(false);
	_cleanup_(rt_config_freep) struct rt_config *c = parse(json);
	const struct rt_mount *m;

	ASSERT_TRUE(c);
	ASSERT_EQ(c->n_mounts, 7);
	m = find_mount(c, "/sys");
	ASSERT_TRUE(m);
	ASSERT_STREQ(m->type, "sysfs");
	ASSERT_EQ(m->flags, MS_RDONLY | MS_NOSUID | MS_NOEXEC | MS_NODEV);
	ASSERT_TRUE(m->data == NULL);
	m = find_mount(c, "/dev");
	ASSERT_TRUE(m);
	ASSERT_EQ(m->flags, MS_NOSUID | MS_STRICTATIME);
	ASSERT_STREQ(m->data, "mode=755,size=65536k");
	m = find_mount(c, "/dev/pts");
	ASSERT_TRUE(m);
	ASSERT_EQ(m->flags, MS_NOSUID | MS_NOEXEC);
	ASSERT_STREQ(m->data, "newinstance,ptmxmode=0666,mode=0620,gid=5");
	m = find_mount(c, "/proc");
	ASSERT_TRUE(m);
	ASSERT_STREQ(m->source, "proc");
	ASSERT_EQ(m->flags, 0);
	ASSERT_TRUE(m->data == NULL);
	m = find_mount(c, "/sys/fs/cgroup");
	ASSERT_TRUE(m);
	ASSERT_EQ(m->flags, MS_NOSUID | MS_NOEXEC | MS_NODEV | MS_RELATIME | MS_RDONLY);
}

TEST(default_json_linux)
{
	_cleanup_free_ char *json = rt_config_default_json(false);
	_cleanup_(rt_config_freep) struct rt_config *c = parse(json);

	ASSERT_TRUE(c);
	ASSERT_TRUE(c->namespaces[RT_NS_PID].enabled);
	ASSERT_TRUE(c->namespaces[RT_NS_NET].enabled);
	ASSERT_TRUE(c->namespaces[RT_NS_IPC].enabled);
	ASSERT_TRUE(c->namespaces[RT_NS_UTS].enabled);
	ASSERT_TRUE(c->namespaces[RT_NS_MNT].enabled);
	/* as runc's spec: a cgroup namespace only on a cgroup2-only host */
	ASSERT_TRUE(c->namespaces[RT_NS_CGROUP].enabled == rt_host_cgroup2_unified());
	ASSERT_TRUE(!c->namespaces[RT_NS_USER].enabled);
	ASSERT_TRUE(!c->namespaces[RT_NS_TIME].enabled);
	ASSERT_TRUE(c->namespaces[RT_NS_PID].path == NULL);
	ASSERT_EQ(strv_length(c->masked_paths), 10);
	ASSERT_STREQ(c->masked_paths[0], "/proc/acpi");
	ASSERT_TRUE(strv_contains(c->masked_paths, "/proc/kcore"));
	ASSERT_TRUE(strv_contains(c->masked_paths, "/sys/firmware"));
	ASSERT_EQ(strv_length(c->readonly_paths), 5);
	ASSERT_TRUE(strv_contains(c->readonly_paths, "/proc/sysrq-trigger"));
	ASSERT_EQ(c->resources.n_devices, 1);
	ASSERT_TRUE(!c->resources.devices[0].allow);
	ASSERT_EQ(c->resources.devices[0].type, 'a');
	ASSERT_EQ(c->resources.devices[0].major, -1);
	ASSERT_EQ(c->resources.devices[0].minor, -1);
	ASSERT_STREQ(c->resources.devices[0].access, "rwm");
	ASSERT_EQ(c->n_uid_mappings, 0);
}

TEST(default_json_rootless)
{
	_cleanup_free_ char *json = rt_config_default_json(true);
	_cleanup_(rt_config_freep) struct rt_config *c = parse(json);
	const struct rt_mount *m;

	ASSERT_TRUE(c);
	ASSERT_TRUE(c->namespaces[RT_NS_USER].enabled);
	ASSERT_TRUE(!c->namespaces[RT_NS_NET].enabled);
	ASSERT_TRUE(c->namespaces[RT_NS_MNT].enabled);
	ASSERT_EQ(c->n_uid_mappings, 1);
	ASSERT_EQ(c->uid_mappings[0].container_id, 0);
	ASSERT_EQ(c->uid_mappings[0].host_id, geteuid());
	ASSERT_EQ(c->uid_mappings[0].size, 1);
	ASSERT_EQ(c->n_gid_mappings, 1);
	ASSERT_EQ(c->gid_mappings[0].host_id, getegid());
	/* no cgroup settings */
	ASSERT_EQ(c->resources.n_devices, 0);
	/* sysfs cannot be mounted without a netns: a read-only rbind of the host's */
	m = find_mount(c, "/sys");
	ASSERT_TRUE(m);
	ASSERT_STREQ(m->source, "/sys");
	ASSERT_EQ(m->flags, MS_BIND | MS_REC | MS_NOSUID | MS_NOEXEC | MS_NODEV | MS_RDONLY);
	/* gid=5 does not exist in a one-id user namespace */
	m = find_mount(c, "/dev/pts");
	ASSERT_TRUE(m);
	ASSERT_STREQ(m->data, "newinstance,ptmxmode=0666,mode=0620");
}

/* ---- mounts ---- */

TEST(mount_options_set_flags)
{
	_cleanup_(rt_config_freep) struct rt_config *c =
	    parse(CFG("\"mounts\":[{\"destination\":\"/a\",\"type\":\"tmpfs\",\"source\":\"tmpfs\","
		      "\"options\":[\"ro\",\"nosuid\",\"nodev\",\"noexec\",\"noatime\"]}]"));

	ASSERT_TRUE(c);
	ASSERT_EQ(c->n_mounts, 1);
	ASSERT_STREQ(c->mounts[0].destination, "/a");
	ASSERT_STREQ(c->mounts[0].type, "tmpfs");
	ASSERT_STREQ(c->mounts[0].source, "tmpfs");
	ASSERT_EQ(c->mounts[0].flags, MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_NOATIME);
	ASSERT_EQ(c->mounts[0].clear, 0);
	ASSERT_EQ(c->mounts[0].propagation, 0);
	ASSERT_TRUE(c->mounts[0].data == NULL);
}

TEST(mount_options_clear_flags)
{
	_cleanup_(rt_config_freep) struct rt_config *c =
	    parse(CFG("\"mounts\":[{\"destination\":\"/a\",\"source\":\"/x\",\"type\":\"bind\","
		      "\"options\":[\"ro\",\"rw\",\"suid\",\"dev\",\"exec\",\"nosuid\"]}]"));

	ASSERT_TRUE(c);
	/* rw undoes ro, and a later nosuid undoes suid */
	ASSERT_EQ(c->mounts[0].flags, MS_BIND | MS_NOSUID);
	ASSERT_EQ(c->mounts[0].clear, MS_RDONLY | MS_NODEV | MS_NOEXEC);
}

TEST(mount_options_bind)
{
	_cleanup_(rt_config_freep) struct rt_config *c =
	    parse(CFG("\"mounts\":["
		      "{\"destination\":\"/a\",\"source\":\"/x\",\"options\":[\"rbind\"]},"
		      "{\"destination\":\"/b\",\"source\":\"/x\",\"options\":[\"bind\"]},"
		      "{\"destination\":\"/c\",\"source\":\"/x\",\"type\":\"bind\"},"
		      "{\"destination\":\"/d\",\"source\":\"/"
		      "x\",\"type\":\"none\",\"options\":[\"rbind\",\"ro\"]}]"));

	ASSERT_TRUE(c);
	ASSERT_EQ(c->n_mounts, 4);
	ASSERT_EQ(c->mounts[0].flags, MS_BIND | MS_REC);
	ASSERT_TRUE(c->mounts[0].type == NULL);
	ASSERT_EQ(c->mounts[1].flags, MS_BIND);
	ASSERT_EQ(c->mounts[2].flags, MS_BIND);
	ASSERT_EQ(c->mounts[3].flags, MS_BIND | MS_REC | MS_RDONLY);
}

TEST(mount_options_propagation)
{
	_cleanup_(rt_config_freep) struct rt_config *c = parse(
	    CFG("\"mounts\":["
		"{\"destination\":\"/a\",\"source\":\"/x\",\"options\":[\"rbind\",\"rprivate\"]},"
		"{\"destination\":\"/b\",\"source\":\"/x\",\"options\":[\"bind\",\"shared\"]},"
		"{\"destination\":\"/c\",\"source\":\"/"
		"x\",\"options\":[\"bind\",\"rslave\",\"runbindable\"]}]"));

	ASSERT_TRUE(c);
	ASSERT_EQ(c->mounts[0].propagation, MS_PRIVATE | MS_REC);
	ASSERT_EQ(c->mounts[0].flags, MS_BIND | MS_REC);
	ASSERT_TRUE(c->mounts[0].data == NULL);
	ASSERT_EQ(c->mounts[1].propagation, MS_SHARED);
	/* the last one given wins */
	ASSERT_EQ(c->mounts[2].propagation, MS_UNBINDABLE | MS_REC);
}

TEST(mount_options_data)
{
	_cleanup_(rt_config_freep) struct rt_config *c = parse(CFG(
	    "\"mounts\":[{\"destination\":\"/dev/pts\",\"type\":\"devpts\",\"source\":\"devpts\","
	    "\"options\":[\"nosuid\",\"newinstance\",\"tmpcopyup\",\"ptmxmode=0666\",\"defaults\","
	    "\"mode=0620\",\"gid=5\"]},"
	    "{\"destination\":\"/m\",\"source\":\"/x\",\"options\":[\"rbind\",\"ridmap\"]},"
	    "{\"destination\":\"/n\",\"source\":\"/x\",\"options\":[\"bind\",\"idmap\"]}]"));

	ASSERT_TRUE(c);
	ASSERT_EQ(c->mounts[0].flags, MS_NOSUID);
	ASSERT_STREQ(c->mounts[0].data, "newinstance,ptmxmode=0666,mode=0620,gid=5");
	ASSERT_TRUE(!c->mounts[0].idmap);
	ASSERT_TRUE(c->mounts[1].data == NULL);
	ASSERT_TRUE(c->mounts[1].idmap);
	ASSERT_TRUE(c->mounts[1].idmap_recursive);
	ASSERT_TRUE(c->mounts[2].idmap);
	ASSERT_TRUE(!c->mounts[2].idmap_recursive);
}

TEST(mount_options_recursive_attrs)
{
	_cleanup_(rt_config_freep) struct rt_config *c =
	    parse(CFG("\"mounts\":[{\"destination\":\"/a\",\"source\":\"/x\","
		      "\"options\":[\"rbind\",\"rro\",\"rnosuid\",\"rnoatime\",\"rexec\"]}]"));

	ASSERT_TRUE(c);
	ASSERT_EQ(c->mounts[0].flags, MS_BIND | MS_REC);
	ASSERT_TRUE(c->mounts[0].data == NULL);
	ASSERT_U64_EQ(c->mounts[0].rec_attr_set,
		      MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NOATIME);
	ASSERT_U64_EQ(c->mounts[0].rec_attr_clr, MOUNT_ATTR__ATIME | MOUNT_ATTR_NOEXEC);
}

/* ---- process ---- */

TEST(process_fields)
{
	_cleanup_(rt_config_freep) struct rt_config *c = parse(PROC(
	    "\"terminal\":false,\"consoleSize\":{\"height\":25,\"width\":80},"
	    "\"user\":{\"uid\":1000,\"gid\":100,\"umask\":18,\"additionalGids\":[5,6,4294967295]},"
	    "\"env\":[\"A=1\",\"B=\"],\"noNewPrivileges\":true,\"oomScoreAdj\":-500,"
	    "\"apparmorProfile\":\"docker-default\",\"selinuxLabel\":\"system_u:r\","
	    "\"capabilities\":{\"ambient\":[\"CAP_SYS_ADMIN\",\"CAP_CHECKPOINT_RESTORE\"],"
	    "\"inheritable\":[]}"));

	ASSERT_TRUE(c);
	ASSERT_TRUE(c->has_process);
	ASSERT_TRUE(!c->process.terminal);
	ASSERT_EQ(c->process.console_height, 25);
	ASSERT_EQ(c->process.console_width, 80);
	ASSERT_EQ(c->process.uid, 1000);
	ASSERT_EQ(c->process.gid, 100);
	ASSERT_EQ(c->process.umask, 022);
	ASSERT_EQ(c->process.n_additional_gids, 3);
	ASSERT_EQ(c->process.additional_gids[1], 6);
	ASSERT_U64_EQ(c->process.additional_gids[2], 4294967295U);
	ASSERT_EQ(strv_length(c->process.env), 2);
	ASSERT_STREQ(c->process.env[1], "B=");
	ASSERT_TRUE(c->process.no_new_privileges);
	ASSERT_TRUE(c->process.has_oom_score_adj);
	ASSERT_EQ(c->process.oom_score_adj, -500);
	ASSERT_STREQ(c->process.apparmor_profile, "docker-default");
	ASSERT_STREQ(c->process.selinux_label, "system_u:r");
	ASSERT_U64_EQ(c->process.caps[RT_CAP_AMBIENT], CAP(21) | CAP(40));
	ASSERT_U64_EQ(c->process.caps[RT_CAP_INHERITABLE], 0);
	ASSERT_U64_EQ(c->process.caps[RT_CAP_BOUNDING], 0);
}

TEST(process_optional)
{
	_cleanup_(rt_config_freep) struct rt_config *c = parse(CFG("\"hostname\":\"h\""));

	ASSERT_TRUE(c);
	ASSERT_TRUE(!c->has_process);
	ASSERT_TRUE(c->process.args == NULL);
	ASSERT_EQ(c->process.umask, -1);
	ASSERT_STREQ(c->hostname, "h");
	ASSERT_TRUE(!c->root_readonly);
}

TEST(rlimits)
{
	_cleanup_(rt_config_freep) struct rt_config *c =
	    parse(PROC("\"rlimits\":[{\"type\":\"RLIMIT_NOFILE\",\"soft\":100,\"hard\":200},"
		       "{\"type\":\"RLIMIT_RTTIME\",\"soft\":5,\"hard\":5}]"));

	ASSERT_TRUE(c);
	ASSERT_EQ(c->process.n_rlimits, 2);
	ASSERT_EQ(c->process.rlimits[0].resource, RLIMIT_NOFILE);
	ASSERT_U64_EQ(c->process.rlimits[0].soft, 100);
	ASSERT_U64_EQ(c->process.rlimits[0].hard, 200);
	ASSERT_EQ(c->process.rlimits[1].resource, RLIMIT_RTTIME);
}

/* JSON null is "not set", as in Go's encoding/json. */
TEST(null_is_absent)
{
	_cleanup_(rt_config_freep) struct rt_config *c =
	    parse(CFG("\"process\":{\"args\":[\"sh\"],\"cwd\":\"/\",\"env\":null,"
		      "\"capabilities\":{\"bounding\":null},\"rlimits\":null},\"linux\":null"));

	ASSERT_TRUE(c);
	ASSERT_TRUE(c->process.env == NULL);
	ASSERT_U64_EQ(c->process.caps[RT_CAP_BOUNDING], 0);
	ASSERT_EQ(c->process.n_rlimits, 0);
}

/* ---- linux ---- */

TEST(namespaces_and_mappings)
{
	_cleanup_(rt_config_freep) struct rt_config *c =
	    parse(CFG("\"linux\":{\"namespaces\":[{\"type\":\"user\"},"
		      "{\"type\":\"network\",\"path\":\"/proc/42/ns/net\"},{\"type\":\"time\"}],"
		      "\"uidMappings\":[{\"containerID\":0,\"hostID\":100000,\"size\":65536},"
		      "{\"containerID\":65536,\"hostID\":1000,\"size\":1}],"
		      "\"gidMappings\":[{\"containerID\":0,\"hostID\":100000,\"size\":65536}]}"));

	ASSERT_TRUE(c);
	ASSERT_TRUE(c->namespaces[RT_NS_USER].enabled);
	ASSERT_TRUE(c->namespaces[RT_NS_USER].path == NULL);
	ASSERT_TRUE(c->namespaces[RT_NS_NET].enabled);
	ASSERT_STREQ(c->namespaces[RT_NS_NET].path, "/proc/42/ns/net");
	ASSERT_TRUE(c->namespaces[RT_NS_TIME].enabled);
	ASSERT_TRUE(!c->namespaces[RT_NS_PID].enabled);
	ASSERT_EQ(c->n_uid_mappings, 2);
	ASSERT_EQ(c->uid_mappings[0].host_id, 100000);
	ASSERT_EQ(c->uid_mappings[0].size, 65536);
	ASSERT_EQ(c->uid_mappings[1].container_id, 65536);
	ASSERT_EQ(c->uid_mappings[1].host_id, 1000);
	ASSERT_EQ(c->n_gid_mappings, 1);
	ASSERT_EQ(c->gid_mappings[0].size, 65536);
}

TEST(resources)
{
	_cleanup_(rt_config_freep) struct rt_config *c = parse(
	    CFG("\"linux\":{\"cgroupsPath\":\"/berth/c1\",\"resources\":{"
		"\"memory\":{\"limit\":-1,\"swap\":268435456,\"swappiness\":0,\"disableOOMKiller\":"
		"true},"
		"\"cpu\":{\"shares\":512,\"quota\":50000,\"period\":100000,\"cpus\":\"0-1\","
		"\"mems\":\"0\"},"
		"\"pids\":{\"limit\":64},"
		"\"blockIO\":{\"weight\":10},\"unified\":{\"io.weight\":\"10\"},"
		"\"devices\":[{\"allow\":false},"
		"{\"allow\":true,\"type\":\"c\",\"major\":1,\"minor\":3,\"access\":\"rw\"}]}}"));

	ASSERT_TRUE(c);
	ASSERT_STREQ(c->cgroups_path, "/berth/c1");
	ASSERT_EQ(c->resources.memory_limit, -1);
	ASSERT_EQ(c->resources.memory_swap, 268435456);
	ASSERT_EQ(c->resources.memory_reservation, RT_UNSET);
	ASSERT_EQ(c->resources.memory_swappiness, 0);
	ASSERT_TRUE(c->resources.disable_oom_killer);
	ASSERT_U64_EQ(c->resources.cpu_shares, 512);
	ASSERT_EQ(c->resources.cpu_quota, 50000);
	ASSERT_U64_EQ(c->resources.cpu_period, 100000);
	ASSERT_STREQ(c->resources.cpu_cpus, "0-1");
	ASSERT_STREQ(c->resources.cpu_mems, "0");
	ASSERT_EQ(c->resources.pids_limit, 64);
	ASSERT_EQ(c->resources.n_devices, 2);
	/* the defaults: all devices, any major and minor, rwm */
	ASSERT_TRUE(!c->resources.devices[0].allow);
	ASSERT_EQ(c->resources.devices[0].type, 'a');
	ASSERT_EQ(c->resources.devices[0].major, -1);
	ASSERT_EQ(c->resources.devices[0].minor, -1);
	ASSERT_STREQ(c->resources.devices[0].access, "rwm");
	ASSERT_TRUE(c->resources.devices[1].allow);
	ASSERT_EQ(c->resources.devices[1].type, 'c');
	ASSERT_EQ(c->resources.devices[1].major, 1);
	ASSERT_EQ(c->resources.devices[1].minor, 3);
	ASSERT_STREQ(c->resources.devices[1].access, "rw");
}

TEST(resources_unset)
{
	_cleanup_(rt_config_freep) struct rt_config *c =
	    parse(CFG("\"linux\":{\"resources\":{\"memory\":{\"limit\":1048576}}}"));

	ASSERT_TRUE(c);
	ASSERT_EQ(c->resources.memory_limit, 1048576);
	ASSERT_EQ(c->resources.memory_swap, RT_UNSET);
	ASSERT_EQ(c->resources.memory_swappiness, RT_UNSET);
	ASSERT_EQ(c->resources.cpu_quota, RT_UNSET);
	ASSERT_U64_EQ(c->resources.cpu_shares, 0);
	ASSERT_EQ(c->resources.pids_limit, RT_UNSET);
	ASSERT_TRUE(c->resources.cpu_cpus == NULL);
	ASSERT_EQ(c->resources.n_devices, 0);
}

TEST(linux_devices)
{
	_cleanup_(rt_config_freep) struct rt_config *c =
	    parse(CFG("\"linux\":{\"devices\":["
		      "{\"path\":\"/dev/fuse\",\"type\":\"c\",\"major\":10,\"minor\":229,"
		      "\"fileMode\":8630,\"uid\":0,\"gid\":5},"
		      "{\"path\":\"/dev/fifo\",\"type\":\"p\"}]}"));

	ASSERT_TRUE(c);
	ASSERT_EQ(c->n_devices, 2);
	ASSERT_STREQ(c->devices[0].path, "/dev/fuse");
	ASSERT_EQ(c->devices[0].type, 'c');
	ASSERT_EQ(c->devices[0].major, 10);
	ASSERT_EQ(c->devices[0].minor, 229);
	/* 8630 == 020666: S_IFCHR is dropped, the type comes from "type" */
	ASSERT_EQ(c->devices[0].mode, 0666);
	ASSERT_TRUE(c->devices[0].has_uid);
	ASSERT_EQ(c->devices[0].uid, 0);
	ASSERT_TRUE(c->devices[0].has_gid);
	ASSERT_EQ(c->devices[0].gid, 5);
	ASSERT_EQ(c->devices[1].type, 'p');
	ASSERT_EQ(c->devices[1].mode, 0);
	ASSERT_TRUE(!c->devices[1].has_uid);
}

/* kernel.domainname is the "domainname" field by another name: both may be given only
 * when they agree */
TEST(sysctl_domainname_agrees_with_the_field)
{
#define UTS_CFG(extra)                                                                             \
	CFG(extra "\"linux\":{\"namespaces\":[{\"type\":\"uts\"}],"                               \
		  "\"sysctl\":{\"kernel.domainname\":\"foo\"}}")
	_cleanup_(rt_config_freep) struct rt_config *alone = parse(UTS_CFG(""));
	_cleanup_(rt_config_freep) struct rt_config *same = parse(UTS_CFG("\"domainname\":\"foo\","));
	_cleanup_free_ char *m = parse_error(UTS_CFG("\"domainname\":\"bar\","));

	ASSERT_TRUE(alone && same);
	ASSERT_STREQ(m, "config.json: linux.sysctl: 'kernel.domainname' is 'foo' but \"domainname\" "
			"is 'bar': set one of them");
#undef UTS_CFG
}

TEST(sysctls_need_a_namespace_of_their_own)
{
	static const struct {
		const char *json, *error;
	} cases[] = {
	    {"\"sysctl\":{\"net.ipv4.ip_forward\":\"1\"}",
	     "linux.sysctl: 'net.ipv4.ip_forward' needs the container's own network namespace"},
	    {"\"namespaces\":[{\"type\":\"network\"}],\"sysctl\":{\"fs.mqueue.queues_max\":\"1\"}",
	     "'fs.mqueue.queues_max' needs the container's own ipc namespace"},
	    {"\"namespaces\":[{\"type\":\"ipc\"}],\"sysctl\":{\"kernel.msgmax\":\"1\",\"net.core.somaxconn\":\"1\"}",
	     "'net.core.somaxconn' needs the container's own network"},
	    {"\"namespaces\":[{\"type\":\"uts\"}],\"sysctl\":{\"kernel.hostname\":\"x\"}",
	     "set the hostname with the config's \"hostname\" instead"},
	    {"\"sysctl\":{\"kernel.domainname\":\"x\"}",
	     "'kernel.domainname' needs the container's own uts namespace"},
	    {"\"namespaces\":[{\"type\":\"network\"}],\"sysctl\":{\"vm.swappiness\":\"1\"}",
	     "'vm.swappiness' is not namespaced"},
	};

	for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
		_cleanup_free_ char *json =
		    xasprintf("{\"ociVersion\":\"1.2.0\",\"root\":{\"path\":\"rootfs\"},"
			      "\"linux\":{%s}}",
			      cases[i].json);
		struct rt_config *c = NULL;
		struct berth_error *err = NULL;

		ASSERT_EQ(rt_config_parse(json, strlen(json), "config.json", &c, &err), -EINVAL);
		ASSERT_CONTAINS(berth_error_message(err), cases[i].error);
		berth_error_free(err);
	}
}

TEST(linux_misc)
{
	_cleanup_(rt_config_freep) struct rt_config *c = parse(
	    CFG("\"domainname\":\"example.org\","
		"\"linux\":{\"rootfsPropagation\":\"rslave\",\"mountLabel\":\"system_u:object_r\","
		"\"namespaces\":[{\"type\":\"network\"},{\"type\":\"ipc\"}],"
		"\"sysctl\":{\"net.ipv4.ip_forward\":\"1\",\"kernel.shmmax\":\"4096\"},"
		"\"timeOffsets\":{\"monotonic\":{\"secs\":-86400,\"nanosecs\":5},"
		"\"boottime\":{\"secs\":172800}},\"maskedPaths\":[],\"netDevices\":{\"x\":1}},"
		"\"annotations\":{\"org.example.key\":\"value\"},\"unknownTopLevel\":[1,2]"));

	ASSERT_TRUE(c);
	ASSERT_STREQ(c->domainname, "example.org");
	ASSERT_EQ(c->rootfs_propagation, MS_SLAVE | MS_REC);
	ASSERT_STREQ(c->mount_label, "system_u:object_r");
	ASSERT_EQ(c->n_sysctl, 2);
	ASSERT_STREQ(c->sysctl[0].key, "net.ipv4.ip_forward");
	ASSERT_STREQ(c->sysctl[0].value, "1");
	ASSERT_STREQ(c->sysctl[1].key, "kernel.shmmax");
	ASSERT_TRUE(c->has_time_offsets);
	ASSERT_EQ(c->monotonic_secs, -86400);
	ASSERT_EQ(c->monotonic_nsecs, 5);
	ASSERT_EQ(c->boottime_secs, 172800);
	ASSERT_EQ(c->boottime_nsecs, 0);
	ASSERT_TRUE(c->masked_paths);
	ASSERT_EQ(strv_length(c->masked_paths), 0);
	ASSERT_EQ(c->n_annotations, 1);
	ASSERT_STREQ(c->annotations[0].key, "org.example.key");
	ASSERT_STREQ(c->annotations[0].value, "value");
	ASSERT_TRUE(!c->keep_original_groups);
}

TEST(keep_original_groups_annotation)
{
	_cleanup_(rt_config_freep) struct rt_config *on =
	    parse(CFG("\"annotations\":{\"run.oci.keep_original_groups\":\"1\"}"));
	_cleanup_(rt_config_freep) struct rt_config *off =
	    parse(CFG("\"annotations\":{\"run.oci.keep_original_groups\":\"0\"}"));

	ASSERT_TRUE(on && off);
	ASSERT_TRUE(on->keep_original_groups);
	ASSERT_TRUE(!off->keep_original_groups);
}

/* ---- errors: each names the file and the JSON path ---- */

#define ASSERT_PARSE_ERROR(json, expected)                                                         \
	do {                                                                                       \
		_cleanup_free_ char *m_ = parse_error(json);                                       \
		ASSERT_STREQ(m_, expected);                                                        \
	} while (0)

TEST(error_wrong_types)
{
	ASSERT_PARSE_ERROR(PROC("\"args\":[\"sh\",1]"),
			   "config.json: process.args[1]: expected a string");
	ASSERT_PARSE_ERROR(CFG("\"process\":[]"), "config.json: process: expected an object");
	ASSERT_PARSE_ERROR(PROC("\"terminal\":\"yes\""),
			   "config.json: process.terminal: expected a boolean");
	ASSERT_PARSE_ERROR(CFG("\"mounts\":{}"), "config.json: mounts: expected an array");
	ASSERT_PARSE_ERROR("{\"ociVersion\":1,\"root\":{\"path\":\"r\"}}",
			   "config.json: ociVersion: expected a string");
	ASSERT_PARSE_ERROR("[]", "config.json: expected an object");
}

TEST(error_integers)
{
	ASSERT_PARSE_ERROR(
	    PROC("\"user\":{\"uid\":-1}"),
	    "config.json: process.user.uid: expected a non-negative integer, got -1");
	ASSERT_PARSE_ERROR(PROC("\"user\":{\"uid\":1.0}"),
			   "config.json: process.user.uid: expected an integer");
	ASSERT_PARSE_ERROR(
	    PROC("\"user\":{\"gid\":4294967296}"),
	    "config.json: process.user.gid: 4294967296 is out of range (0 to 4294967295)");
	ASSERT_PARSE_ERROR(
	    PROC("\"oomScoreAdj\":1001"),
	    "config.json: process.oomScoreAdj: 1001 is out of range (-1000 to 1000)");
	ASSERT_PARSE_ERROR(
	    CFG("\"linux\":{\"resources\":{\"memory\":{\"swappiness\":101}}}"),
	    "config.json: linux.resources.memory.swappiness: 101 is out of range (0 to 100)");
	ASSERT_PARSE_ERROR(
	    CFG("\"linux\":{\"uidMappings\":[{\"containerID\":0,\"hostID\":1,\"size\":0}]}"),
	    "config.json: linux.uidMappings[0].size: expected a positive integer, got 0");
}

TEST(error_unknown_capability)
{
	ASSERT_PARSE_ERROR(
	    PROC("\"capabilities\":{\"bounding\":[\"CAP_CHOWN\",\"CAP_KILL\",\"CAP_BPF\",\"CAP_"
		 "FOO\"]}"),
	    "config.json: process.capabilities.bounding[3]: unknown capability \"CAP_FOO\"");
	/* names are exact, as in the spec */
	ASSERT_PARSE_ERROR(
	    PROC("\"capabilities\":{\"ambient\":[\"cap_chown\"]}"),
	    "config.json: process.capabilities.ambient[0]: unknown capability \"cap_chown\"");
}

TEST(error_namespaces)
{
	ASSERT_PARSE_ERROR(CFG("\"linux\":{\"namespaces\":[{\"type\":\"pid\"},{\"type\":\"mount\"},"
			       "{\"type\":\"foo\"}]}"),
			   "config.json: linux.namespaces[2].type: unknown namespace type \"foo\"");
	ASSERT_PARSE_ERROR(
	    CFG("\"linux\":{\"namespaces\":[{\"type\":\"pid\"},{\"type\":\"pid\"}]}"),
	    "config.json: linux.namespaces[1].type: duplicate namespace type \"pid\"");
	ASSERT_PARSE_ERROR(CFG("\"linux\":{\"namespaces\":[{\"path\":\"/x\"}]}"),
			   "config.json: linux.namespaces[0].type: missing required property");
	ASSERT_PARSE_ERROR(CFG("\"linux\":{\"namespaces\":[{\"type\":\"net\"}]}"),
			   "config.json: linux.namespaces[0].type: unknown namespace type \"net\"");
	ASSERT_PARSE_ERROR(
	    CFG("\"linux\":{\"namespaces\":[{\"type\":\"uts\",\"path\":\"ns/uts\"}]}"),
	    "config.json: linux.namespaces[0].path: expected an absolute path, got \"ns/uts\"");
}

TEST(error_rlimits)
{
	ASSERT_PARSE_ERROR(
	    PROC("\"rlimits\":[{\"type\":\"RLIMIT_FOO\",\"soft\":1,\"hard\":1}]"),
	    "config.json: process.rlimits[0].type: unknown rlimit type \"RLIMIT_FOO\"");
	ASSERT_PARSE_ERROR(
	    PROC("\"rlimits\":[{\"type\":\"RLIMIT_NOFILE\",\"soft\":2048,\"hard\":1024}]"),
	    "config.json: process.rlimits[0]: soft limit 2048 is greater than hard limit 1024");
	ASSERT_PARSE_ERROR(
	    PROC("\"rlimits\":[{\"type\":\"RLIMIT_CORE\",\"soft\":0,\"hard\":0},"
		 "{\"type\":\"RLIMIT_CORE\",\"soft\":1,\"hard\":1}]"),
	    "config.json: process.rlimits[1].type: duplicate rlimit type \"RLIMIT_CORE\"");
	ASSERT_PARSE_ERROR(PROC("\"rlimits\":[{\"type\":\"RLIMIT_CORE\",\"soft\":0}]"),
			   "config.json: process.rlimits[0].hard: missing required property");
}

TEST(error_process_args_cwd_env)
{
	ASSERT_PARSE_ERROR(CFG("\"process\":{\"args\":[],\"cwd\":\"/\"}"),
			   "config.json: process.args: expected a non-empty array");
	ASSERT_PARSE_ERROR(CFG("\"process\":{\"cwd\":\"/\"}"),
			   "config.json: process.args: missing required property");
	ASSERT_PARSE_ERROR(
	    CFG("\"process\":{\"args\":[\"sh\"],\"cwd\":\"home/user\"}"),
	    "config.json: process.cwd: expected an absolute path, got \"home/user\"");
	ASSERT_PARSE_ERROR(CFG("\"process\":{\"args\":[\"sh\"]}"),
			   "config.json: process.cwd: missing required property");
	ASSERT_PARSE_ERROR(
	    PROC("\"env\":[\"A=1\",\"NOEQUALS\"]"),
	    "config.json: process.env[1]: expected \"NAME=VALUE\", got \"NOEQUALS\"");
}

TEST(error_mounts)
{
	ASSERT_PARSE_ERROR(
	    CFG("\"mounts\":[{\"destination\":\"/"
		"a\"},{\"destination\":\"proc\",\"type\":\"proc\"}]"),
	    "config.json: mounts[1].destination: expected an absolute path, got \"proc\"");
	ASSERT_PARSE_ERROR(CFG("\"mounts\":[{\"type\":\"proc\"}]"),
			   "config.json: mounts[0].destination: missing required property");
	ASSERT_PARSE_ERROR(CFG("\"mounts\":[{\"destination\":\"/a\",\"options\":[\"ro\",true]}]"),
			   "config.json: mounts[0].options[1]: expected a string");
	ASSERT_PARSE_ERROR(
	    CFG("\"linux\":{\"maskedPaths\":[\"/proc/kcore\",\"proc/keys\"]}"),
	    "config.json: linux.maskedPaths[1]: expected an absolute path, got \"proc/keys\"");
	ASSERT_PARSE_ERROR(CFG("\"linux\":{\"rootfsPropagation\":\"weird\"}"),
			   "config.json: linux.rootfsPropagation: unknown propagation \"weird\"");
}

TEST(device_access_is_a_set)
{
	/* as runc's cgroup v1 driver: the r/w/m it names, in that order, the rest ignored */
	_cleanup_(rt_config_freep) struct rt_config *c = parse(CFG(
	    "\"linux\":{\"resources\":{\"devices\":[{\"allow\":false,\"access\":\"rwa\"},"
	    "{\"allow\":true,\"access\":\"mrr\"},{\"allow\":true,\"access\":\"wmr\"}]}}"));

	ASSERT_TRUE(c);
	ASSERT_EQ(c->resources.n_devices, 3);
	ASSERT_STREQ(c->resources.devices[0].access, "rw");
	ASSERT_STREQ(c->resources.devices[1].access, "rm");
	ASSERT_STREQ(c->resources.devices[2].access, "rwm");
}

TEST(error_devices)
{
	ASSERT_PARSE_ERROR(
	    CFG("\"linux\":{\"resources\":{\"devices\":[{\"allow\":true,\"access\":\"x\"}]}}"),
	    "config.json: linux.resources.devices[0].access: expected a combination of "
	    "\"r\", \"w\" and \"m\", got \"x\"");
	ASSERT_PARSE_ERROR(
	    CFG("\"linux\":{\"resources\":{\"devices\":[{\"allow\":true,\"access\":\"\"}]}}"),
	    "config.json: linux.resources.devices[0].access: expected a combination of "
	    "\"r\", \"w\" and \"m\", got \"\"");
	ASSERT_PARSE_ERROR(
	    CFG("\"linux\":{\"resources\":{\"devices\":[{\"access\":\"rwm\"}]}}"),
	    "config.json: linux.resources.devices[0].allow: missing required property");
	ASSERT_PARSE_ERROR(
	    CFG("\"linux\":{\"resources\":{\"devices\":[{\"allow\":true,\"type\":\"u\"}]}}"),
	    "config.json: linux.resources.devices[0].type: expected \"a\", \"b\" or \"c\", got "
	    "\"u\"");
	ASSERT_PARSE_ERROR(
	    CFG("\"linux\":{\"devices\":[{\"path\":\"/dev/x\",\"type\":\"c\",\"major\":1}]}"),
	    "config.json: linux.devices[0].minor: missing required property");
	ASSERT_PARSE_ERROR(CFG("\"linux\":{\"timeOffsets\":{\"realtime\":{\"secs\":1}}}"),
			   "config.json: linux.timeOffsets.realtime: unknown clock \"realtime\"");
}

TEST(error_syntax_has_line_and_column)
{
	ASSERT_PARSE_ERROR("{\n  \"ociVersion\": \"1.0.0\",\n  \"root\": }\n",
			   "config.json:3:11: syntax error: unexpected token near '}'");
	/* jansson's column is that of the last character of the offending token */
	ASSERT_PARSE_ERROR(CFG("\"hostname\":\"h\"") " trailing",
			   "config.json:1:71: syntax error: end of file expected near 'trailing'");
}

TEST(error_required_top_level)
{
	ASSERT_PARSE_ERROR("{\"ociVersion\":\"1.2.0\",\"root\":{\"readonly\":true}}",
			   "config.json: root.path: missing required property");
	ASSERT_PARSE_ERROR("{\"ociVersion\":\"1.2.0\",\"root\":{\"path\":\"\"}}",
			   "config.json: root.path: expected a non-empty string");
	ASSERT_PARSE_ERROR("{\"ociVersion\":\"1.2.0\"}",
			   "config.json: root: missing required property");
	ASSERT_PARSE_ERROR("{\"root\":{\"path\":\"r\"}}",
			   "config.json: ociVersion: missing required property");
}

/* The JSON path in messages is bounded; a huge key is cut short, not overflowed. */
TEST(error_long_key)
{
	_cleanup_free_ char *key = malloc(2001), *json = NULL, *m = NULL;

	ASSERT_TRUE(key);
	memset(key, 'k', 2000);
	key[2000] = '\0';
	json = xasprintf(CFG("\"linux\":{\"sysctl\":{\"%s\":1}}"), key);
	ASSERT_TRUE(json);
	m = parse_error(json);
	ASSERT_TRUE(m);
	ASSERT_TRUE(startswith(m, "config.json: linux.sysctl[\"kkkk"));
	ASSERT_CONTAINS(m, ": expected a string");
	ASSERT_TRUE(strlen(m) < 600);
}

TEST(error_without_sink)
{
	struct rt_config *c = NULL;
	const char *json = PROC("\"args\":[]");

	ASSERT_EQ(rt_config_parse(json, strlen(json), "config.json", &c, NULL), -EINVAL);
	ASSERT_TRUE(c == NULL);
	ASSERT_EQ(rt_config_parse("{", 1, "config.json", &c, NULL), -EINVAL);
	ASSERT_TRUE(c == NULL);
}

/* ---- runtime-spec 1.2: hooks, seccomp, personality, process scheduling ---- */

TEST(hooks)
{
	_cleanup_(rt_config_freep) struct rt_config *c = parse(
	    CFG("\"hooks\":{\"prestart\":[{\"path\":\"/bin/a\"}],"
		"\"createRuntime\":[{\"path\":\"/bin/b\",\"args\":[\"b\",\"-x\"],"
		"\"env\":[\"K=V\"],\"timeout\":5},{\"path\":\"/bin/c\",\"args\":[]}],"
		"\"createContainer\":null,\"startContainer\":[],"
		"\"poststart\":[{\"path\":\"/bin/d\"}],\"poststop\":[{\"path\":\"/bin/e\"}]}"));

	ASSERT_TRUE(c);
	ASSERT_EQ(c->n_hooks[RT_HOOK_PRESTART], 1);
	ASSERT_STREQ(c->hooks[RT_HOOK_PRESTART][0].path, "/bin/a");
	ASSERT_TRUE(c->hooks[RT_HOOK_PRESTART][0].args == NULL);
	ASSERT_TRUE(c->hooks[RT_HOOK_PRESTART][0].env == NULL);
	ASSERT_EQ(c->hooks[RT_HOOK_PRESTART][0].timeout, 0);
	ASSERT_EQ(c->n_hooks[RT_HOOK_CREATE_RUNTIME], 2);
	ASSERT_EQ(strv_length(c->hooks[RT_HOOK_CREATE_RUNTIME][0].args), 2);
	ASSERT_STREQ(c->hooks[RT_HOOK_CREATE_RUNTIME][0].args[1], "-x");
	ASSERT_STREQ(c->hooks[RT_HOOK_CREATE_RUNTIME][0].env[0], "K=V");
	ASSERT_EQ(c->hooks[RT_HOOK_CREATE_RUNTIME][0].timeout, 5);
	ASSERT_EQ(strv_length(c->hooks[RT_HOOK_CREATE_RUNTIME][1].args), 0);
	ASSERT_EQ(c->n_hooks[RT_HOOK_CREATE_CONTAINER], 0);
	ASSERT_EQ(c->n_hooks[RT_HOOK_START_CONTAINER], 0);
	ASSERT_STREQ(c->hooks[RT_HOOK_POSTSTART][0].path, "/bin/d");
	ASSERT_STREQ(c->hooks[RT_HOOK_POSTSTOP][0].path, "/bin/e");
	ASSERT_STREQ(rt_hook_kind_name(RT_HOOK_CREATE_CONTAINER), "createContainer");
	ASSERT_TRUE(rt_hook_kind_name(_RT_HOOK_KIND_MAX) == NULL);
}

TEST(error_hooks)
{
	ASSERT_PARSE_ERROR(CFG("\"hooks\":{\"prestart\":[{\"path\":\"bin/a\"}]}"),
			   "config.json: hooks.prestart[0].path: expected an absolute path, got "
			   "\"bin/a\"");
	ASSERT_PARSE_ERROR(CFG("\"hooks\":{\"poststop\":[{\"args\":[\"x\"]}]}"),
			   "config.json: hooks.poststop[0].path: missing required property");
	ASSERT_PARSE_ERROR(
	    CFG("\"hooks\":{\"createRuntime\":[{\"path\":\"/a\"},{\"path\":\"/"
		"b\",\"timeout\":0}]}"),
	    "config.json: hooks.createRuntime[1].timeout: expected a positive number of seconds, "
	    "got 0");
	ASSERT_PARSE_ERROR(
	    CFG("\"hooks\":{\"startContainer\":[{\"path\":\"/a\",\"env\":[\"NOEQ\"]}]}"),
	    "config.json: hooks.startContainer[0].env[0]: expected \"NAME=VALUE\", got \"NOEQ\"");
	ASSERT_PARSE_ERROR(CFG("\"hooks\":[]"), "config.json: hooks: expected an object");
}

#define SECCOMP(extra) CFG("\"linux\":{\"seccomp\":{" extra "}}")

TEST(seccomp)
{
	_cleanup_(rt_config_freep) struct rt_config *c = parse(SECCOMP(
	    "\"defaultAction\":\"SCMP_ACT_ERRNO\",\"defaultErrnoRet\":38,"
	    "\"architectures\":[\"SCMP_ARCH_X86_64\",\"SCMP_ARCH_X86\",\"SCMP_ARCH_X32\"],"
	    "\"flags\":[\"SECCOMP_FILTER_FLAG_LOG\",\"SECCOMP_FILTER_FLAG_SPEC_ALLOW\"],"
	    "\"listenerPath\":\"/run/agent.sock\",\"listenerMetadata\":\"m=1\","
	    "\"syscalls\":[{\"names\":[\"read\",\"write\"],\"action\":\"SCMP_ACT_ALLOW\"},"
	    "{\"names\":[\"personality\"],\"action\":\"SCMP_ACT_ALLOW\",\"args\":["
	    "{\"index\":0,\"value\":4294967295,\"op\":\"SCMP_CMP_EQ\"}]},"
	    "{\"names\":[\"clone\"],\"action\":\"SCMP_ACT_TRACE\",\"errnoRet\":7,\"args\":["
	    "{\"index\":0,\"value\":2114060288,\"valueTwo\":0,\"op\":\"SCMP_CMP_MASKED_EQ\"}]},"
	    "{\"names\":[\"mkdir\"],\"action\":\"SCMP_ACT_NOTIFY\"},"
	    "{\"names\":[\"getcwd\"],\"action\":\"SCMP_ACT_KILL_PROCESS\"}]"));
	const struct rt_seccomp *s;

	ASSERT_TRUE(c);
	s = c->seccomp;
	ASSERT_TRUE(s);
	ASSERT_EQ(s->default_action, RT_SECCOMP_ERRNO);
	ASSERT_TRUE(s->has_default_errno_ret);
	ASSERT_EQ(s->default_errno_ret, 38);
	ASSERT_EQ(strv_length(s->architectures), 3);
	ASSERT_STREQ(s->architectures[2], "SCMP_ARCH_X32");
	ASSERT_EQ(s->flags, RT_SECCOMP_FLAG_LOG | RT_SECCOMP_FLAG_SPEC_ALLOW);
	ASSERT_STREQ(s->listener_path, "/run/agent.sock");
	ASSERT_STREQ(s->listener_metadata, "m=1");
	ASSERT_TRUE(s->uses_notify);
	ASSERT_EQ(s->n_syscalls, 5);
	ASSERT_EQ(strv_length(s->syscalls[0].names), 2);
	ASSERT_EQ(s->syscalls[0].action, RT_SECCOMP_ALLOW);
	ASSERT_TRUE(!s->syscalls[0].has_errno_ret);
	ASSERT_EQ(s->syscalls[1].n_args, 1);
	ASSERT_EQ(s->syscalls[1].args[0].index, 0);
	ASSERT_U64_EQ(s->syscalls[1].args[0].value, 4294967295U);
	ASSERT_EQ(s->syscalls[1].args[0].op, RT_SECCOMP_OP_EQ);
	ASSERT_EQ(s->syscalls[2].action, RT_SECCOMP_TRACE);
	ASSERT_TRUE(s->syscalls[2].has_errno_ret);
	ASSERT_EQ(s->syscalls[2].errno_ret, 7);
	ASSERT_EQ(s->syscalls[2].args[0].op, RT_SECCOMP_OP_MASKED_EQ);
	ASSERT_U64_EQ(s->syscalls[2].args[0].value, 2114060288);
	ASSERT_EQ(s->syscalls[3].action, RT_SECCOMP_NOTIFY);
	ASSERT_EQ(s->syscalls[4].action, RT_SECCOMP_KILL_PROCESS);
	ASSERT_STREQ(rt_seccomp_action_name(RT_SECCOMP_KILL_THREAD), "SCMP_ACT_KILL_THREAD");
	ASSERT_STREQ(rt_seccomp_op_name(RT_SECCOMP_OP_GE), "SCMP_CMP_GE");
}

TEST(seccomp_minimal)
{
	_cleanup_(rt_config_freep) struct rt_config *c =
	    parse(SECCOMP("\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":null"));

	ASSERT_TRUE(c);
	ASSERT_TRUE(c->seccomp);
	ASSERT_EQ(c->seccomp->default_action, RT_SECCOMP_ALLOW);
	ASSERT_EQ(c->seccomp->n_syscalls, 0);
	ASSERT_TRUE(c->seccomp->architectures == NULL);
	ASSERT_TRUE(!c->seccomp->uses_notify);
}

TEST(error_seccomp)
{
	ASSERT_PARSE_ERROR(SECCOMP("\"defaultAction\":\"SCMP_ACT_FOO\""),
			   "config.json: linux.seccomp.defaultAction: unknown seccomp action "
			   "\"SCMP_ACT_FOO\"");
	ASSERT_PARSE_ERROR(SECCOMP("\"syscalls\":[]"),
			   "config.json: linux.seccomp.defaultAction: missing required property");
	ASSERT_PARSE_ERROR(
	    SECCOMP("\"defaultAction\":\"SCMP_ACT_NOTIFY\""),
	    "config.json: linux.seccomp.defaultAction: SCMP_ACT_NOTIFY cannot be the "
	    "default action");
	ASSERT_PARSE_ERROR(
	    SECCOMP("\"defaultAction\":\"SCMP_ACT_ALLOW\",\"defaultErrnoRet\":1"),
	    "config.json: linux.seccomp.defaultErrnoRet: only valid with "
	    "SCMP_ACT_ERRNO and SCMP_ACT_TRACE, not with defaultAction SCMP_ACT_ALLOW");
	ASSERT_PARSE_ERROR(
	    SECCOMP("\"defaultAction\":\"SCMP_ACT_ALLOW\",\"architectures\":[\"SCMP_ARCH_VAX\"]"),
	    "config.json: linux.seccomp.architectures[0]: unknown seccomp architecture "
	    "\"SCMP_ARCH_VAX\"");
	ASSERT_PARSE_ERROR(
	    SECCOMP("\"defaultAction\":\"SCMP_ACT_ALLOW\",\"flags\":[\"SECCOMP_FILTER_FLAG_LOG\","
		    "\"SECCOMP_FILTER_FLAG_NOPE\"]"),
	    "config.json: linux.seccomp.flags[1]: unknown seccomp flag "
	    "\"SECCOMP_FILTER_FLAG_NOPE\"");
	ASSERT_PARSE_ERROR(
	    SECCOMP("\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"read\"],"
		    "\"action\":\"SCMP_ACT_KILL\",\"errnoRet\":1}]"),
	    "config.json: linux.seccomp.syscalls[0].errnoRet: only valid with SCMP_ACT_ERRNO and "
	    "SCMP_ACT_TRACE, not with action SCMP_ACT_KILL");
	ASSERT_PARSE_ERROR(
	    SECCOMP("\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"read\"],"
		    "\"action\":\"SCMP_ACT_ERRNO\",\"args\":[{\"index\":0,\"value\":1,"
		    "\"op\":\"SCMP_CMP_ALMOST\"}]}]"),
	    "config.json: linux.seccomp.syscalls[0].args[0].op: unknown seccomp operator "
	    "\"SCMP_CMP_ALMOST\"");
	ASSERT_PARSE_ERROR(
	    SECCOMP("\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"read\"],"
		    "\"action\":\"SCMP_ACT_ERRNO\",\"args\":[{\"index\":6,\"value\":1,"
		    "\"op\":\"SCMP_CMP_EQ\"}]}]"),
	    "config.json: linux.seccomp.syscalls[0].args[0].index: 6 is out of range (0 to 5)");
	ASSERT_PARSE_ERROR(
	    SECCOMP(
		"\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"read\"],"
		"\"action\":\"SCMP_ACT_ERRNO\",\"args\":[{\"index\":1,\"op\":\"SCMP_CMP_EQ\"}]}]"),
	    "config.json: linux.seccomp.syscalls[0].args[0].value: missing required property");
	ASSERT_PARSE_ERROR(
	    SECCOMP("\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[],"
		    "\"action\":\"SCMP_ACT_ERRNO\"}]"),
	    "config.json: linux.seccomp.syscalls[0].names: expected a non-empty array");
	ASSERT_PARSE_ERROR(
	    SECCOMP("\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"read\",\"\"],"
		    "\"action\":\"SCMP_ACT_ERRNO\"}]"),
	    "config.json: linux.seccomp.syscalls[0].names[1]: expected a non-empty string");
	ASSERT_PARSE_ERROR(
	    SECCOMP("\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"mkdir\"],"
		    "\"action\":\"SCMP_ACT_NOTIFY\"}]"),
	    "config.json: linux.seccomp.listenerPath: missing, and a rule uses SCMP_ACT_NOTIFY");
	ASSERT_PARSE_ERROR(
	    SECCOMP(
		"\"defaultAction\":\"SCMP_ACT_ALLOW\",\"listenerPath\":\"/s\","
		"\"syscalls\":[{\"names\":[\"mkdir\",\"write\"],\"action\":\"SCMP_ACT_NOTIFY\"}]"),
	    "config.json: linux.seccomp.syscalls[0].names[1]: SCMP_ACT_NOTIFY cannot be used for "
	    "the write syscall");
	ASSERT_PARSE_ERROR(
	    SECCOMP("\"defaultAction\":\"SCMP_ACT_ALLOW\","
		    "\"flags\":[\"SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV\"]"),
	    "config.json: linux.seccomp.flags: SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV needs a rule "
	    "with SCMP_ACT_NOTIFY");
	ASSERT_PARSE_ERROR(
	    SECCOMP("\"defaultAction\":\"SCMP_ACT_ERRNO\",\"defaultErrnoRet\":65536"),
	    "config.json: linux.seccomp.defaultErrnoRet: 65536 is out of range (0 to 65535)");
}

TEST(personality)
{
	_cleanup_(rt_config_freep) struct rt_config *c =
	    parse(CFG("\"linux\":{\"personality\":{\"domain\":\"LINUX32\",\"flags\":[\"ADDR_NO_"
		      "RANDOMIZE\"]}}"));
	_cleanup_(rt_config_freep) struct rt_config *none = parse(CFG("\"linux\":{}"));

	ASSERT_TRUE(c);
	ASSERT_TRUE(c->personality.set);
	ASSERT_EQ(c->personality.domain, 8);
	ASSERT_EQ(c->personality.flags, 0x0040000);
	ASSERT_TRUE(none);
	ASSERT_TRUE(!none->personality.set);
	ASSERT_PARSE_ERROR(CFG("\"linux\":{\"personality\":{\"domain\":\"SVR4\"}}"),
			   "config.json: linux.personality.domain: unknown personality domain "
			   "\"SVR4\"");
	ASSERT_PARSE_ERROR(
	    CFG("\"linux\":{\"personality\":{\"domain\":\"LINUX\",\"flags\":[\"FAST\"]}}"),
	    "config.json: linux.personality.flags[0]: unknown personality flag \"FAST\"");
}

TEST(intel_rdt_unsupported)
{
	_cleanup_(rt_config_freep) struct rt_config *c =
	    parse(CFG("\"linux\":{\"intelRdt\":{\"closID\":\"g1\",\"l3CacheSchema\":\"L3:0=ff\","
		      "\"schemata\":[\"MB:0=50\"],\"enableMonitoring\":true}}"));
	_cleanup_(rt_config_freep) struct rt_config *plain = parse(CFG("\"hostname\":\"h\""));
	_cleanup_(berth_error_freep) struct berth_error *err = NULL;

	ASSERT_TRUE(c && c->intel_rdt);
	ASSERT_STREQ(c->intel_rdt->clos_id, "g1");
	ASSERT_STREQ(c->intel_rdt->l3_cache_schema, "L3:0=ff");
	ASSERT_STREQ(c->intel_rdt->schemata[0], "MB:0=50");
	ASSERT_TRUE(c->intel_rdt->enable_monitoring);
	ASSERT_EQ(rt_config_check_supported(c, &err), -EOPNOTSUPP);
	ASSERT_STREQ(berth_error_message(err),
		     "linux.intelRdt: Intel RDT (resctrl) is not supported by berth");
	ASSERT_TRUE(plain);
	ASSERT_EQ(rt_config_check_supported(plain, &err), 0);
}

TEST(process_io_priority_scheduler_affinity)
{
	_cleanup_(rt_config_freep) struct rt_config *c =
	    parse(PROC("\"ioPriority\":{\"class\":\"IOPRIO_CLASS_IDLE\",\"priority\":7},"
		       "\"scheduler\":{\"policy\":\"SCHED_FIFO\",\"priority\":10,"
		       "\"flags\":[\"SCHED_FLAG_RESET_ON_FORK\",\"SCHED_FLAG_UTIL_CLAMP_MAX\"]},"
		       "\"execCPUAffinity\":{\"initial\":\"0\",\"final\":\"0-1,3\"}"));
	_cleanup_(rt_config_freep) struct rt_config *dl =
	    parse(PROC("\"scheduler\":{\"policy\":\"SCHED_DEADLINE\",\"runtime\":1000000,"
		       "\"deadline\":2000000,\"period\":3000000}"));
	_cleanup_(rt_config_freep) struct rt_config *none = parse(PROC("\"terminal\":false"));

	ASSERT_TRUE(c);
	ASSERT_EQ(c->process.io_priority.class, 3);
	ASSERT_EQ(c->process.io_priority.priority, 7);
	ASSERT_TRUE(c->process.scheduler.set);
	ASSERT_EQ(c->process.scheduler.policy, 1);
	ASSERT_EQ(c->process.scheduler.priority, 10);
	ASSERT_U64_EQ(c->process.scheduler.flags, 0x41);
	ASSERT_STREQ(c->process.exec_cpu_affinity_initial, "0");
	ASSERT_STREQ(c->process.exec_cpu_affinity_final, "0-1,3");
	ASSERT_TRUE(dl);
	ASSERT_EQ(dl->process.scheduler.policy, 6);
	ASSERT_U64_EQ(dl->process.scheduler.runtime, 1000000);
	ASSERT_U64_EQ(dl->process.scheduler.deadline, 2000000);
	ASSERT_U64_EQ(dl->process.scheduler.period, 3000000);
	ASSERT_TRUE(none);
	ASSERT_EQ(none->process.io_priority.class, 0);
	ASSERT_TRUE(!none->process.scheduler.set);
	ASSERT_TRUE(none->process.exec_cpu_affinity_final == NULL);
}

TEST(error_process_scheduling)
{
	ASSERT_PARSE_ERROR(PROC("\"ioPriority\":{\"class\":\"IOPRIO_CLASS_NONE\",\"priority\":0}"),
			   "config.json: process.ioPriority.class: unknown io priority class "
			   "\"IOPRIO_CLASS_NONE\"");
	ASSERT_PARSE_ERROR(PROC("\"ioPriority\":{\"class\":\"IOPRIO_CLASS_BE\",\"priority\":8}"),
			   "config.json: process.ioPriority.priority: 8 is out of range (0 to 7)");
	ASSERT_PARSE_ERROR(PROC("\"scheduler\":{\"policy\":\"SCHED_WHATEVER\"}"),
			   "config.json: process.scheduler.policy: unknown scheduler policy "
			   "\"SCHED_WHATEVER\"");
	ASSERT_PARSE_ERROR(PROC("\"scheduler\":{\"nice\":0}"),
			   "config.json: process.scheduler.policy: missing required property");
	ASSERT_PARSE_ERROR(PROC("\"scheduler\":{\"policy\":\"SCHED_OTHER\",\"nice\":20}"),
			   "config.json: process.scheduler.nice: expected a value from -20 to 19");
	ASSERT_PARSE_ERROR(
	    PROC("\"scheduler\":{\"policy\":\"SCHED_BATCH\",\"priority\":5}"),
	    "config.json: process.scheduler.priority: only valid with SCHED_FIFO and "
	    "SCHED_RR");
	ASSERT_PARSE_ERROR(PROC("\"scheduler\":{\"policy\":\"SCHED_RR\"}"),
			   "config.json: process.scheduler.priority: expected a value from 1 to 99 "
			   "with SCHED_FIFO and SCHED_RR");
	ASSERT_PARSE_ERROR(PROC("\"scheduler\":{\"policy\":\"SCHED_IDLE\",\"period\":5}"),
			   "config.json: process.scheduler.period: only valid with SCHED_DEADLINE");
	ASSERT_PARSE_ERROR(
	    PROC("\"scheduler\":{\"policy\":\"SCHED_OTHER\",\"flags\":[\"SCHED_FLAG_FAST\"]}"),
	    "config.json: process.scheduler.flags[0]: unknown scheduler flag \"SCHED_FLAG_FAST\"");
	ASSERT_PARSE_ERROR(PROC("\"execCPUAffinity\":{\"final\":\"1-\"}"),
			   "config.json: process.execCPUAffinity.final: invalid cpu list \"1-\" "
			   "(expected e.g. \"0-3,7\")");
	ASSERT_PARSE_ERROR(PROC("\"execCPUAffinity\":{\"initial\":\"3-1\"}"),
			   "config.json: process.execCPUAffinity.initial: invalid cpu list \"3-1\" "
			   "(expected e.g. \"0-3,7\")");
}

/* ---- runtime-spec 1.2: the rest of linux.resources, idmapped mounts ---- */

#define RES(extra) CFG("\"linux\":{\"resources\":{" extra "}}")

TEST(resources_block_io)
{
	_cleanup_(rt_config_freep) struct rt_config *c =
	    parse(RES("\"blockIO\":{\"weight\":500,\"leafWeight\":300,"
		      "\"weightDevice\":[{\"major\":8,\"minor\":0,\"weight\":600},"
		      "{\"major\":8,\"minor\":16,\"leafWeight\":20}],"
		      "\"throttleReadBpsDevice\":[{\"major\":8,\"minor\":0,\"rate\":1048576}],"
		      "\"throttleWriteBpsDevice\":[{\"major\":8,\"minor\":0,\"rate\":2097152}],"
		      "\"throttleReadIOPSDevice\":[{\"major\":8,\"minor\":0,\"rate\":100},"
		      "{\"major\":253,\"minor\":1,\"rate\":0}],"
		      "\"throttleWriteIOPSDevice\":[]}"));
	const struct rt_resources *r;

	ASSERT_TRUE(c);
	r = &c->resources;
	ASSERT_EQ(r->blkio_weight, 500);
	ASSERT_EQ(r->blkio_leaf_weight, 300);
	ASSERT_EQ(r->n_blkio_weight_devices, 2);
	ASSERT_EQ(r->blkio_weight_devices[0].major, 8);
	ASSERT_EQ(r->blkio_weight_devices[0].weight, 600);
	ASSERT_EQ(r->blkio_weight_devices[0].leaf_weight, 0);
	ASSERT_EQ(r->blkio_weight_devices[1].minor, 16);
	ASSERT_EQ(r->blkio_weight_devices[1].leaf_weight, 20);
	ASSERT_EQ(r->n_blkio_throttle[RT_BLKIO_READ_BPS], 1);
	ASSERT_U64_EQ(r->blkio_throttle[RT_BLKIO_READ_BPS][0].rate, 1048576);
	ASSERT_U64_EQ(r->blkio_throttle[RT_BLKIO_WRITE_BPS][0].rate, 2097152);
	ASSERT_EQ(r->n_blkio_throttle[RT_BLKIO_READ_IOPS], 2);
	ASSERT_EQ(r->blkio_throttle[RT_BLKIO_READ_IOPS][1].major, 253);
	ASSERT_EQ(r->n_blkio_throttle[RT_BLKIO_WRITE_IOPS], 0);
	ASSERT_PARSE_ERROR(RES("\"blockIO\":{\"weight\":5}"),
			   "config.json: linux.resources.blockIO.weight: 5 is out of range (10 to "
			   "1000)");
	ASSERT_PARSE_ERROR(
	    RES("\"blockIO\":{\"throttleWriteIOPSDevice\":[{\"major\":8,\"rate\":1}]}"),
	    "config.json: linux.resources.blockIO.throttleWriteIOPSDevice[0].minor: missing "
	    "required property");
}

TEST(resources_hugepages_network_rdma_unified)
{
	_cleanup_(rt_config_freep) struct rt_config *c = parse(RES(
	    "\"hugepageLimits\":[{\"pageSize\":\"2MB\",\"limit\":209715200},"
	    "{\"pageSize\":\"1GB\",\"limit\":0}],"
	    "\"network\":{\"classID\":1048577,\"priorities\":[{\"name\":\"eth0\",\"priority\":"
	    "500},{\"name\":\"lo\",\"priority\":1}]},"
	    "\"rdma\":{\"mlx5_1\":{\"hcaHandles\":3,\"hcaObjects\":10000},\"mlx4_0\":{"
	    "\"hcaObjects\":1}},"
	    "\"unified\":{\"io.max\":\"8:0 rbps=1048576\",\"memory.high\":\"max\"},"
	    "\"cpu\":{\"realtimeRuntime\":-1,\"realtimePeriod\":1000000,\"idle\":1,\"burst\":0},"
	    "\"memory\":{\"kernel\":-1,\"kernelTCP\":1048576}"));
	const struct rt_resources *r;

	ASSERT_TRUE(c);
	r = &c->resources;
	ASSERT_EQ(r->n_hugepage_limits, 2);
	ASSERT_STREQ(r->hugepage_limits[0].page_size, "2MB");
	ASSERT_U64_EQ(r->hugepage_limits[0].limit, 209715200);
	ASSERT_STREQ(r->hugepage_limits[1].page_size, "1GB");
	ASSERT_TRUE(r->has_net_class_id);
	ASSERT_EQ(r->net_class_id, 1048577);
	ASSERT_EQ(r->n_net_priorities, 2);
	ASSERT_STREQ(r->net_priorities[1].name, "lo");
	ASSERT_EQ(r->net_priorities[0].priority, 500);
	ASSERT_EQ(r->n_rdma, 2);
	ASSERT_STREQ(r->rdma[0].device, "mlx5_1");
	ASSERT_TRUE(r->rdma[0].has_hca_handles && r->rdma[0].has_hca_objects);
	ASSERT_EQ(r->rdma[0].hca_handles, 3);
	ASSERT_EQ(r->rdma[0].hca_objects, 10000);
	ASSERT_TRUE(!r->rdma[1].has_hca_handles);
	ASSERT_EQ(r->rdma[1].hca_objects, 1);
	ASSERT_EQ(r->n_unified, 2);
	ASSERT_STREQ(r->unified[0].key, "io.max");
	ASSERT_STREQ(r->unified[0].value, "8:0 rbps=1048576");
	ASSERT_TRUE(r->has_cpu_realtime_runtime && r->has_cpu_realtime_period);
	ASSERT_EQ(r->cpu_realtime_runtime, -1);
	ASSERT_U64_EQ(r->cpu_realtime_period, 1000000);
	ASSERT_TRUE(r->has_cpu_idle);
	ASSERT_EQ(r->cpu_idle, 1);
	ASSERT_TRUE(r->has_cpu_burst);
	ASSERT_U64_EQ(r->cpu_burst, 0);
	/* memory.kernel and kernelTCP are accepted and ignored */
	ASSERT_EQ(r->memory_limit, RT_UNSET);
}

TEST(resources_new_fields_unset)
{
	_cleanup_(rt_config_freep) struct rt_config *c = parse(RES("\"cpu\":{\"shares\":2}"));

	ASSERT_TRUE(c);
	ASSERT_TRUE(!c->resources.has_cpu_realtime_runtime && !c->resources.has_cpu_idle);
	ASSERT_TRUE(!c->resources.has_cpu_burst && !c->resources.has_net_class_id);
	ASSERT_EQ(c->resources.blkio_weight, 0);
	ASSERT_EQ(c->resources.n_hugepage_limits + c->resources.n_rdma + c->resources.n_unified, 0);
}

TEST(error_resources_new)
{
	ASSERT_PARSE_ERROR(RES("\"hugepageLimits\":[{\"pageSize\":\"2MB/../x\",\"limit\":1}]"),
			   "config.json: linux.resources.hugepageLimits[0].pageSize: invalid page "
			   "size \"2MB/../x\" (expected e.g. \"2MB\" or \"1GB\")");
	ASSERT_PARSE_ERROR(RES("\"hugepageLimits\":[{\"pageSize\":\"2M\",\"limit\":1}]"),
			   "config.json: linux.resources.hugepageLimits[0].pageSize: invalid page "
			   "size \"2M\" (expected e.g. \"2MB\" or \"1GB\")");
	ASSERT_PARSE_ERROR(
	    RES("\"hugepageLimits\":[{\"pageSize\":\"2MB\",\"limit\":1},"
		"{\"pageSize\":\"2MB\",\"limit\":2}]"),
	    "config.json: linux.resources.hugepageLimits[1].pageSize: duplicate page "
	    "size");
	ASSERT_PARSE_ERROR(RES("\"hugepageLimits\":[{\"pageSize\":\"2MB\"}]"),
			   "config.json: linux.resources.hugepageLimits[0].limit: missing required "
			   "property");
	ASSERT_PARSE_ERROR(RES("\"unified\":{\"../memory.max\":\"1\"}"),
			   "config.json: linux.resources.unified[\"../memory.max\"]: expected a "
			   "cgroup file name such as \"memory.high\"");
	ASSERT_PARSE_ERROR(RES("\"unified\":{\"cgroup\":\"1\"}"),
			   "config.json: linux.resources.unified[\"cgroup\"]: expected a cgroup "
			   "file name such as \"memory.high\"");
	ASSERT_PARSE_ERROR(RES("\"unified\":{\"memory.high\":100}"),
			   "config.json: linux.resources.unified[\"memory.high\"]: expected a "
			   "string");
	ASSERT_PARSE_ERROR(
	    RES("\"network\":{\"priorities\":[{\"name\":\"eth0\\nlo 9\","
		"\"priority\":1}]}"),
	    "config.json: linux.resources.network.priorities[0].name: \"eth0\nlo 9\" "
	    "contains whitespace");
	ASSERT_PARSE_ERROR(RES("\"rdma\":{\"mlx5 hca_handle=1\":{\"hcaHandles\":1}}"),
			   "config.json: linux.resources.rdma[\"mlx5 hca_handle=1\"]: \"mlx5 "
			   "hca_handle=1\" contains whitespace");
	ASSERT_PARSE_ERROR(RES("\"rdma\":{\"mlx5\":{\"hcaHandles\":-1}}"),
			   "config.json: linux.resources.rdma[\"mlx5\"].hcaHandles: expected a "
			   "non-negative integer, got -1");
	ASSERT_PARSE_ERROR(RES("\"cpu\":{\"idle\":2}"),
			   "config.json: linux.resources.cpu.idle: 2 is out of range (0 to 1)");
	ASSERT_PARSE_ERROR(RES("\"memory\":{\"kernel\":\"lots\"}"),
			   "config.json: linux.resources.memory.kernel: expected an integer");
}

TEST(mount_idmaps)
{
	_cleanup_(rt_config_freep) struct rt_config *c =
	    parse(CFG("\"mounts\":[{\"destination\":\"/m\",\"source\":\"/x\",\"type\":\"bind\","
		      "\"options\":[\"rbind\",\"ridmap\"],"
		      "\"uidMappings\":[{\"containerID\":0,\"hostID\":1000,\"size\":10}],"
		      "\"gidMappings\":[{\"containerID\":0,\"hostID\":2000,\"size\":20}]},"
		      "{\"destination\":\"/n\",\"source\":\"/y\",\"type\":\"bind\","
		      "\"uidMappings\":[{\"containerID\":0,\"hostID\":1,\"size\":1}],"
		      "\"gidMappings\":[{\"containerID\":0,\"hostID\":1,\"size\":1}]}]"));

	ASSERT_TRUE(c);
	ASSERT_EQ(c->mounts[0].n_uid_mappings, 1);
	ASSERT_EQ(c->mounts[0].uid_mappings[0].host_id, 1000);
	ASSERT_EQ(c->mounts[0].gid_mappings[0].size, 20);
	ASSERT_TRUE(c->mounts[0].idmap && c->mounts[0].idmap_recursive);
	/* mappings without "idmap" still make an idmapped mount */
	ASSERT_TRUE(c->mounts[1].idmap && !c->mounts[1].idmap_recursive);
	ASSERT_PARSE_ERROR(
	    CFG("\"mounts\":[{\"destination\":\"/m\",\"source\":\"/x\",\"options\":[\"bind\"],"
		"\"uidMappings\":[{\"containerID\":0,\"hostID\":1000,\"size\":10}]}]"),
	    "config.json: mounts[0].gidMappings: must be given together with uidMappings");
	ASSERT_PARSE_ERROR(
	    CFG("\"mounts\":[{\"destination\":\"/m\",\"source\":\"/x\",\"options\":[\"bind\"],"
		"\"gidMappings\":[{\"containerID\":0,\"hostID\":1000,\"size\":0}]}]"),
	    "config.json: mounts[0].gidMappings[0].size: expected a positive integer, got 0");
}

/* ---- rt_config_load ---- */

TEST(load_bundle)
{
	char dir[] = "/tmp/berth-spec-XXXXXX";
	_cleanup_free_ char *path = NULL, *expected = NULL;
	_cleanup_(rt_config_freep) struct rt_config *c = NULL;
	_cleanup_(berth_error_freep) struct berth_error *err = NULL;
	const char *json = PROC("\"args\":[\"true\"]");

	ASSERT_TRUE(mkdtemp(dir));
	ASSERT_EQ(rt_config_load(dir, NULL, &c, &err), -ENOENT);
	ASSERT_TRUE(c == NULL);
	expected = xasprintf("open '%s/config.json': No such file or directory", dir);
	ASSERT_STREQ(berth_error_message(err), expected);
	err = berth_error_free(err);

	path = xasprintf("%s/config.json", dir);
	ASSERT_EQ(write_file_atomic(path, json, strlen(json), 0644), 0);
	ASSERT_EQ(rt_config_load(dir, NULL, &c, &err), 0);
	ASSERT_TRUE(c);
	ASSERT_STREQ(c->process.args[0], "true");
	c = rt_config_free(c);

	/* another file: relative to the bundle, or absolute */
	free(path);
	path = xasprintf("%s/other.json", dir);
	ASSERT_EQ(write_file_atomic(path, PROC("\"args\":[\"other\"]"),
				    strlen(PROC("\"args\":[\"other\"]")), 0644), 0);
	ASSERT_EQ(rt_config_load(dir, "other.json", &c, &err), 0);
	ASSERT_STREQ(c->process.args[0], "other");
	c = rt_config_free(c);
	ASSERT_EQ(rt_config_load("/nonexistent", path, &c, &err), 0);
	ASSERT_STREQ(c->process.args[0], "other");
	c = rt_config_free(c);
	free(path);
	path = xasprintf("%s/config.json", dir);

	/* messages name the file that was read */
	ASSERT_EQ(write_file_atomic(path, "{}", 2, 0644), 0);
	ASSERT_EQ(rt_config_load(dir, NULL, &c, &err), -EINVAL);
	free(expected);
	expected = xasprintf("%s/config.json: ociVersion: missing required property", dir);
	ASSERT_STREQ(berth_error_message(err), expected);
	ASSERT_EQ(rm_rf(dir), 0);
}

TEST(free_null)
{
	ASSERT_TRUE(rt_config_free(NULL) == NULL);
}

/* ---- names ---- */

TEST(names_capabilities)
{
	ASSERT_EQ(rt_cap_from_name("CAP_CHOWN"), 0);
	ASSERT_EQ(rt_cap_from_name("CAP_SYS_ADMIN"), 21);
	ASSERT_EQ(rt_cap_from_name("CAP_AUDIT_WRITE"), 29);
	ASSERT_EQ(rt_cap_from_name("CAP_CHECKPOINT_RESTORE"), 40);
	ASSERT_EQ(rt_cap_from_name("CAP_FOO"), -EINVAL);
	ASSERT_EQ(rt_cap_from_name("SYS_ADMIN"), -EINVAL);
	ASSERT_TRUE(rt_cap_to_name(41) == NULL);
	ASSERT_TRUE(rt_cap_to_name(-1) == NULL);
	for (int i = 0; i <= 40; i++) {
		const char *n = rt_cap_to_name(i);

		ASSERT_TRUE(n && startswith(n, "CAP_"));
		ASSERT_EQ(rt_cap_from_name(n), i);
	}
}

TEST(names_rlimits)
{
	ASSERT_EQ(rt_rlimit_from_name("RLIMIT_NOFILE"), RLIMIT_NOFILE);
	ASSERT_EQ(rt_rlimit_from_name("RLIMIT_CPU"), RLIMIT_CPU);
	ASSERT_EQ(rt_rlimit_from_name("RLIMIT_MSGQUEUE"), RLIMIT_MSGQUEUE);
	ASSERT_EQ(rt_rlimit_from_name("NOFILE"), -EINVAL);
	ASSERT_STREQ(rt_rlimit_to_name(RLIMIT_AS), "RLIMIT_AS");
	ASSERT_TRUE(rt_rlimit_to_name(RLIMIT_NLIMITS) == NULL);
	for (int i = 0; i < RLIMIT_NLIMITS; i++)
		ASSERT_EQ(rt_rlimit_from_name(rt_rlimit_to_name(i)), i);
}

TEST(names_namespaces)
{
	ASSERT_STREQ(rt_ns_name(RT_NS_NET), "network");
	ASSERT_STREQ(rt_ns_proc_name(RT_NS_NET), "net");
	ASSERT_STREQ(rt_ns_name(RT_NS_MNT), "mount");
	ASSERT_STREQ(rt_ns_proc_name(RT_NS_MNT), "mnt");
	ASSERT_EQ(rt_ns_clone_flag(RT_NS_MNT), CLONE_NEWNS);
	ASSERT_EQ(rt_ns_clone_flag(RT_NS_USER), CLONE_NEWUSER);
	ASSERT_EQ(rt_ns_clone_flag(RT_NS_TIME), 0x80);
	ASSERT_TRUE(rt_ns_name(_RT_NS_MAX) == NULL);
	for (int i = 0; i < _RT_NS_MAX; i++)
		ASSERT_TRUE(rt_ns_name(i) && rt_ns_proc_name(i) && rt_ns_clone_flag(i) > 0);
}

TEST_MAIN()
