/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What checkpoint and restore tell criu: external mounts, the criu_req messages (decoded
 * again field by field), criu's answers, descriptors.json, the error quoted from criu's
 * log. No criu runs here.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "berth/error.h"
#include "berth/cleanup.h"
#include "runtime/cgroup.h"
#include "runtime/config.h"
#include "runtime/criu-rpc.h"
#include "runtime/criu.h"
#include "parse-config.h"
#include "test.h"
#include "berth/util.h"

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

/* The opts of a criu_req of type `type` (a view into req). */
static bool req_opts(const struct pb *req, int type, struct pb_field *ret)
{
	const uint8_t *pos = req->buf, *end = req->buf + req->len;
	struct pb_field f;
	bool typed = false, opts = false;

	while (pb_next(&pos, end, &f) > 0) {
		if (f.num == CRIU_REQ_F_TYPE && f.wire == 0)
			typed = f.value == (uint64_t)type;
		if (f.num == CRIU_REQ_F_OPTS && f.wire == 2) {
			*ret = f;
			opts = true;
		}
	}
	return typed && opts;
}

/* The value of varint field num in opts (the last one); false when absent. */
static bool opt_uint(const struct pb_field *opts, uint32_t num, uint64_t *ret)
{
	const uint8_t *pos = opts->data, *end = opts->data + opts->len;
	struct pb_field f;
	bool found = false;

	while (pb_next(&pos, end, &f) > 0)
		if (f.num == num && f.wire == 0) {
			*ret = f.value;
			found = true;
		}
	return found;
}

static bool opt_true(const struct pb_field *opts, uint32_t num)
{
	uint64_t v = 0;

	return opt_uint(opts, num, &v) && v == 1;
}

static bool bytes_eq(const struct pb_field *f, const char *s)
{
	return f->wire == 2 && f->len == strlen(s) && memcmp(f->data, s, f->len) == 0;
}

/* Some string field num of opts equals value. */
static bool opt_string(const struct pb_field *opts, uint32_t num, const char *value)
{
	const uint8_t *pos = opts->data, *end = opts->data + opts->len;
	struct pb_field f;

	while (pb_next(&pos, end, &f) > 0)
		if (f.num == num && bytes_eq(&f, value))
			return true;
	return false;
}

/* Some nested message in field num has field 1 == a (NULL: absent) and field 2 == b (a
 * string, or with b_int the varint *b_int). */
static bool opt_pair(const struct pb_field *opts, uint32_t num, const char *a, const char *b,
		     const int64_t *b_int)
{
	const uint8_t *pos = opts->data, *end = opts->data + opts->len;
	struct pb_field f;

	while (pb_next(&pos, end, &f) > 0) {
		const uint8_t *p2 = f.data, *e2 = f.data + f.len;
		struct pb_field g;
		bool ok1 = a == NULL, ok2 = false;

		if (f.num != num || f.wire != 2)
			continue;
		while (pb_next(&p2, e2, &g) > 0) {
			if (g.num == 1)
				ok1 = a && bytes_eq(&g, a);
			if (g.num == 2)
				ok2 = b_int ? g.wire == 0 && (int64_t)g.value == *b_int
					    : bytes_eq(&g, b);
		}
		if (ok1 && ok2)
			return true;
	}
	return false;
}

static size_t opt_count(const struct pb_field *opts, uint32_t num)
{
	const uint8_t *pos = opts->data, *end = opts->data + opts->len;
	struct pb_field f;
	size_t n = 0;

	while (pb_next(&pos, end, &f) > 0)
		n += f.num == num;
	return n;
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
	ASSERT_EQ(criu_ext_mounts(c, "/b", NULL, &hybrid, 0, &m, &n), 0);
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
	ASSERT_EQ(criu_ext_mounts(c, "/b", NULL, &v2, 0, &m, &n), 0);
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
	ASSERT_EQ(criu_ext_mounts(c, "/b", NULL, &hybrid, 0, &m, &n), 0);
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
	ASSERT_EQ(criu_ext_mounts(c, "/b", NULL, NULL, 0, &m, &n), 0);
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

TEST(dump_request)
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
				    .images_fd = 7,
				    .work_fd = -1,
				    .config_file = "/etc/criu/berth-runtime.conf",
				    .mounts = m,
				    .n_mounts = 1,
				    .external = ext };
	struct pb req = { 0 };
	struct pb_field opts;
	uint64_t v = 0;

	ASSERT_EQ(criu_dump_req(&a, &req), 0);
	ASSERT_TRUE(req_opts(&req, CRIU_REQ_DUMP, &opts));
	ASSERT_TRUE(opt_uint(&opts, CRIU_OPT_PID, &v) && v == 42);
	ASSERT_TRUE(opt_uint(&opts, CRIU_OPT_IMAGES_DIR_FD, &v) && v == 7);
	ASSERT_TRUE(!opt_uint(&opts, CRIU_OPT_WORK_DIR_FD, &v));
	ASSERT_TRUE(opt_string(&opts, CRIU_OPT_ROOT, "/b/rootfs"));
	ASSERT_TRUE(opt_string(&opts, CRIU_OPT_LOG_FILE, "dump.log"));
	ASSERT_TRUE(opt_uint(&opts, CRIU_OPT_LOG_LEVEL, &v) && v == 4);
	ASSERT_TRUE(opt_string(&opts, CRIU_OPT_FREEZE_CGROUP, "/sys/fs/cgroup/freezer/x/c1"));
	ASSERT_TRUE(opt_string(&opts, CRIU_OPT_CONFIG_FILE, "/etc/criu/berth-runtime.conf"));
	/* at dump the key names the mountpoint itself */
	ASSERT_TRUE(opt_pair(&opts, CRIU_OPT_EXT_MNT, "/data", "/data", NULL));
	ASSERT_TRUE(opt_string(&opts, CRIU_OPT_EXTERNAL, "file[17:3]"));
	ASSERT_TRUE(opt_string(&opts, CRIU_OPT_EXTERNAL, "net[4026531840]:extRootNetNS"));
	ASSERT_TRUE(opt_true(&opts, CRIU_OPT_MANAGE_CGROUPS));
	ASSERT_TRUE(opt_uint(&opts, CRIU_OPT_MANAGE_CGROUPS_MODE, &v) && v == CRIU_CG_FULL);
	ASSERT_TRUE(opt_true(&opts, CRIU_OPT_LEAVE_RUNNING));
	ASSERT_TRUE(opt_true(&opts, CRIU_OPT_SHELL_JOB));
	/* the terminal's master comes from the notifications */
	ASSERT_TRUE(opt_true(&opts, CRIU_OPT_NOTIFY_SCRIPTS));
	ASSERT_TRUE(opt_true(&opts, CRIU_OPT_ORPHAN_PTS_MASTER));
	ASSERT_TRUE(!opt_uint(&opts, CRIU_OPT_TCP_ESTABLISHED, &v));
	ASSERT_TRUE(!opt_uint(&opts, CRIU_OPT_TRACK_MEM, &v));
	ASSERT_TRUE(!opt_uint(&opts, CRIU_OPT_PS, &v));
	pb_clear(&req);
}

TEST(pre_dump_request)
{
	struct berth_checkpoint_opts o = {
		.criu = { .image_path = "/img/2", .lazy_pages = true },
		.pre_dump = true,
		.parent_path = "../1",
		.page_server_address = "127.0.0.1",
		.page_server_port = 27277,
	};
	struct criu_ext_mount m[] = { { (char *)"/data", (char *)"/srv/data" } };
	char *ext[] = { (char *)"file[17:3]", NULL };
	struct criu_dump_args a = { .pid = 42, .rootfs = "/r", .o = &o, .images_fd = 7,
				    .work_fd = 8, .mounts = m, .n_mounts = 1, .external = ext };
	struct pb req = { 0 };
	struct pb_field opts;
	int64_t port = 27277;
	uint64_t v = 0;

	ASSERT_EQ(criu_dump_req(&a, &req), 0);
	ASSERT_TRUE(req_opts(&req, CRIU_REQ_PRE_DUMP, &opts));
	ASSERT_TRUE(opt_string(&opts, CRIU_OPT_PARENT_IMG, "../1"));
	ASSERT_TRUE(opt_true(&opts, CRIU_OPT_TRACK_MEM));
	ASSERT_TRUE(opt_true(&opts, CRIU_OPT_LAZY_PAGES));
	ASSERT_TRUE(opt_uint(&opts, CRIU_OPT_WORK_DIR_FD, &v) && v == 8);
	ASSERT_TRUE(opt_pair(&opts, CRIU_OPT_PS, "127.0.0.1", NULL, &port));
	ASSERT_TRUE(!opt_uint(&opts, CRIU_OPT_MANAGE_CGROUPS_MODE, &v));
	ASSERT_TRUE(!opt_string(&opts, CRIU_OPT_CONFIG_FILE, "/etc/criu/berth-runtime.conf"));
	/* memory only: no mounts, no files */
	ASSERT_EQ(opt_count(&opts, CRIU_OPT_EXT_MNT), 0u);
	ASSERT_EQ(opt_count(&opts, CRIU_OPT_EXTERNAL), 0u);
	pb_clear(&req);

	o.page_server_port = 0;
	ASSERT_EQ(criu_dump_req(&a, &req), -EINVAL);
	ASSERT_TRUE(req.buf == NULL);
}

TEST(restore_request)
{
	struct berth_restore_opts o = {
		.criu = { .image_path = "/img", .work_path = "/work", .tcp_established = true,
			  .empty_ns = 0x40000000 },
	};
	struct criu_ext_mount m[] = {
		{ (char *)"/data", (char *)"/srv/data" },
		{ (char *)"/sys/fs/cgroup/freezer", (char *)"/sys/fs/cgroup/freezer/x/c1" },
	};
	char *inherit[] = { (char *)"file[17:3]", (char *)"pipe:[991]" };
	char *join[] = { (char *)"ipc:/run/ipc", NULL };
	struct criu_restore_args a = { .root = "/run/c1/criu-root",
				       .o = &o,
				       .images_fd = 5,
				       .work_fd = 6,
				       .cg = &hybrid,
				       .mounts = m,
				       .n_mounts = 2,
				       .inherit = inherit,
				       .n_inherit = 2,
				       .join_ns = join };
	struct pb req = { 0 };
	struct pb_field opts;
	int64_t fd4 = CRIU_PASS_FD0, fd5 = CRIU_PASS_FD0 + 1;
	uint64_t v = 0;

	ASSERT_EQ(criu_restore_req(&a, &req), 0);
	ASSERT_TRUE(req_opts(&req, CRIU_REQ_RESTORE, &opts));
	ASSERT_TRUE(opt_string(&opts, CRIU_OPT_ROOT, "/run/c1/criu-root"));
	ASSERT_TRUE(opt_uint(&opts, CRIU_OPT_IMAGES_DIR_FD, &v) && v == 5);
	ASSERT_TRUE(opt_uint(&opts, CRIU_OPT_WORK_DIR_FD, &v) && v == 6);
	ASSERT_TRUE(opt_string(&opts, CRIU_OPT_LOG_FILE, "restore.log"));
	ASSERT_TRUE(opt_true(&opts, CRIU_OPT_RST_SIBLING));
	ASSERT_TRUE(opt_true(&opts, CRIU_OPT_EVASIVE_DEVICES));
	ASSERT_TRUE(opt_true(&opts, CRIU_OPT_MANAGE_CGROUPS));
	ASSERT_TRUE(opt_true(&opts, CRIU_OPT_TCP_ESTABLISHED));
	ASSERT_TRUE(opt_true(&opts, CRIU_OPT_ORPHAN_PTS_MASTER));
	ASSERT_TRUE(opt_uint(&opts, CRIU_OPT_EMPTY_NS, &v) && v == 0x40000000);
	ASSERT_TRUE(!opt_uint(&opts, CRIU_OPT_LEAVE_RUNNING, &v));
	ASSERT_TRUE(!opt_uint(&opts, CRIU_OPT_PID, &v));
	/* the tasks go to the new cgroup in every hierarchy, cgroup2 without controllers */
	ASSERT_TRUE(opt_pair(&opts, CRIU_OPT_CG_ROOT, "cpu,cpuacct", "/x/c1", NULL));
	ASSERT_TRUE(opt_pair(&opts, CRIU_OPT_CG_ROOT, "name=systemd", "/x/c1", NULL));
	ASSERT_TRUE(opt_pair(&opts, CRIU_OPT_CG_ROOT, NULL, "/x/c1", NULL));
	ASSERT_EQ(opt_count(&opts, CRIU_OPT_CG_ROOT), 4u);
	/* at restore the key is bound from its source */
	ASSERT_TRUE(opt_pair(&opts, CRIU_OPT_EXT_MNT, "/data", "/srv/data", NULL));
	ASSERT_TRUE(opt_pair(&opts, CRIU_OPT_EXT_MNT, "/sys/fs/cgroup/freezer",
			     "/sys/fs/cgroup/freezer/x/c1", NULL));
	/* the stdio criu reconnects: criu's descriptors after its RPC socket */
	ASSERT_TRUE(opt_pair(&opts, CRIU_OPT_INHERIT_FD, "file[17:3]", NULL, &fd4));
	ASSERT_TRUE(opt_pair(&opts, CRIU_OPT_INHERIT_FD, "pipe:[991]", NULL, &fd5));
	ASSERT_TRUE(opt_pair(&opts, CRIU_OPT_JOIN_NS, "ipc", "/run/ipc", NULL));
	pb_clear(&req);
}

TEST(config_file_annotation)
{
	_cleanup_(rt_config_freep) struct rt_config *c1 = parse(CFG("\"annotations\":{}"));
	_cleanup_(rt_config_freep) struct rt_config *c2 =
		parse(CFG("\"annotations\":{\"org.criu.config\":\"/etc/x.conf\"}"));
	_cleanup_(rt_config_freep) struct rt_config *c3 =
		parse(CFG("\"annotations\":{\"org.criu.config\":\"\"}"));

	ASSERT_STREQ(criu_config_file(c1), CRIU_DEFAULT_CONFIG);
	ASSERT_STREQ(criu_config_file(c2), "/etc/x.conf");
	/* set but empty: no file at all */
	ASSERT_TRUE(criu_config_file(c3) == NULL);
}

TEST(protobuf_varints_strings_and_bad_input)
{
	struct pb p = { 0 }, sub = { 0 };
	const uint8_t *pos, *end;
	struct pb_field f;
	/* a field key with wire type 3 (a group), and a string whose length runs past the
	 * end */
	static const uint8_t group[] = { 0x0b, 0x00 }, cut[] = { 0x12, 0x05, 'a', 'b' };
	static const uint8_t field0[] = { 0x00, 0x01 };

	pb_int32(&p, 1, -1);
	pb_uint(&p, 2, 300);
	pb_string(&sub, 1, "x");
	pb_message(&p, 3, &sub);
	ASSERT_EQ(p.err, 0);
	/* -1 as int32 is ten bytes; 300 is 0xac 0x02 */
	ASSERT_EQ(p.len, 1u + 10 + 1 + 2 + 1 + 1 + 3);
	pos = p.buf;
	end = p.buf + p.len;
	ASSERT_EQ(pb_next(&pos, end, &f), 1);
	ASSERT_EQ((int32_t)f.value, -1);
	ASSERT_EQ(pb_next(&pos, end, &f), 1);
	ASSERT_TRUE(f.num == 2 && f.value == 300);
	ASSERT_EQ(pb_next(&pos, end, &f), 1);
	ASSERT_TRUE(f.num == 3 && f.wire == 2 && f.len == 3);
	ASSERT_EQ(pb_next(&pos, end, &f), 0);
	pb_clear(&p);
	pb_clear(&sub);

	pos = group;
	ASSERT_EQ(pb_next(&pos, group + sizeof(group), &f), -EBADMSG);
	pos = cut;
	ASSERT_EQ(pb_next(&pos, cut + sizeof(cut), &f), -EBADMSG);
	pos = field0;
	ASSERT_EQ(pb_next(&pos, field0 + sizeof(field0), &f), -EBADMSG);
	/* a NULL string is an error, kept */
	pb_string(&p, 1, NULL);
	pb_uint(&p, 2, 1);
	ASSERT_EQ(p.err, -EINVAL);
	pb_clear(&p);
}

TEST(answers_are_parsed)
{
	struct pb resp = { 0 }, notify = { 0 }, rst = { 0 }, feat = { 0 };
	struct criu_resp r = { 0 };

	/* a notification, as criu sends it while it restores */
	pb_uint(&resp, 1, CRIU_REQ_NOTIFY);
	pb_bool(&resp, 2, true);
	pb_string(&notify, 1, "setup-namespaces");
	pb_int32(&notify, 2, 4242);
	pb_message(&resp, 5, &notify);
	ASSERT_EQ(criu_resp_parse(resp.buf, resp.len, &r), 0);
	ASSERT_EQ(r.type, CRIU_REQ_NOTIFY);
	ASSERT_TRUE(r.success);
	ASSERT_STREQ(r.notify_script, "setup-namespaces");
	ASSERT_EQ(r.notify_pid, 4242);
	criu_resp_clear(&r);
	pb_clear(&resp);

	/* the final answer of a failed restore, fields criu adds that we do not read */
	pb_uint(&resp, 1, CRIU_REQ_RESTORE);
	pb_bool(&resp, 2, false);
	pb_int32(&rst, 1, 77);
	pb_message(&resp, 4, &rst);
	pb_int32(&resp, 7, 2);
	pb_string(&resp, 9, "Error (criu/cr-restore.c:1): no images");
	pb_uint(&resp, 11, 5);
	pb_bool(&feat, CRIU_FEATURE_LAZY_PAGES, true);
	pb_message(&resp, 8, &feat);
	ASSERT_EQ(criu_resp_parse(resp.buf, resp.len, &r), 0);
	ASSERT_EQ(r.type, CRIU_REQ_RESTORE);
	ASSERT_TRUE(!r.success);
	ASSERT_EQ(r.restore_pid, 77);
	ASSERT_EQ(r.cr_errno, 2);
	ASSERT_STREQ(r.errmsg, "Error (criu/cr-restore.c:1): no images");
	ASSERT_TRUE(r.has_features && r.lazy_pages && !r.mem_track);
	criu_resp_clear(&r);

	/* cut short: an error, nothing leaks */
	ASSERT_EQ(criu_resp_parse(resp.buf, resp.len - 3, &r), -EBADMSG);
	criu_resp_clear(&r);
	pb_clear(&resp);
	pb_clear(&notify);
	pb_clear(&rst);
	pb_clear(&feat);
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
	/* the terminal is criu's to restore */
	ASSERT_TRUE(!criu_descriptor_inherited("/dev/pts/0"));
	ASSERT_TRUE(!criu_descriptor_inherited(NULL));

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
