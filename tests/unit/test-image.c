/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdbool.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <time.h>
#include <unistd.h>

#include "berth/error.h"
#include "berth/image.h"
#include "berth/cleanup.h"
#include "image/config.h"
#include "image/layer.h"
#include "berth/overlay.h"
#include "image/reference.h"
#include "image/sha256.h"
#include "image/store.h"
#include "test.h"
#include "berth/util.h"

#define MTIME 1500000000

/* --- helpers --- */

static void tmpdir_cleanup(char **p)
{
	if (*p) {
		store_rm_tree_at(AT_FDCWD, *p); /* rm -rf, also of 0555 dirs when not root */
		free(*p);
	}
}
#define _cleanup_tmpdir_ _cleanup_(tmpdir_cleanup)

static char *make_tmpdir(void)
{
	char t[] = "/tmp/berth-test-image-XXXXXX";

	return mkdtemp(t) ? strdup(t) : NULL;
}

static void imagep(struct berth_image **i)
{
	berth_image_free(*i);
}
static void errp(struct berth_error **e)
{
	berth_error_free(*e);
}
#define _cleanup_err_ _cleanup_(errp)

/* A tar entry: 'f' file (data = content), 'd' dir, 'l' symlink and 'h' hard link
 * (data = target), 'p' fifo, 'c' char device (data = "major:minor"). */
struct tent {
	char type;
	const char *name;
	const char *data;
	unsigned mode;
};

static int make_tar(const char *path, const struct tent *ents, size_t n, bool gzip)
{
	struct archive *a = archive_write_new();
	int r = 0;

	if (!a)
		return -ENOMEM;
	archive_write_set_format_pax_restricted(a);
	if (gzip)
		archive_write_add_filter_gzip(a);
	if (archive_write_open_filename(a, path) != ARCHIVE_OK) {
		archive_write_free(a);
		return -EIO;
	}
	for (size_t i = 0; i < n && r == 0; i++) {
		struct archive_entry *e = archive_entry_new();
		const struct tent *t = &ents[i];
		unsigned maj = 0, min = 0;

		archive_entry_set_pathname(e, t->name);
		archive_entry_set_mtime(e, MTIME, 0);
		archive_entry_set_uid(e, 0);
		archive_entry_set_gid(e, 0);
		archive_entry_set_perm(e, t->mode ? t->mode : 0644);
		switch (t->type) {
		case 'f':
			archive_entry_set_filetype(e, AE_IFREG);
			archive_entry_set_size(e, (la_int64_t)strlen(t->data));
			break;
		case 'd':
			archive_entry_set_filetype(e, AE_IFDIR);
			break;
		case 'l':
			archive_entry_set_filetype(e, AE_IFLNK);
			archive_entry_set_symlink(e, t->data);
			break;
		case 'h':
			archive_entry_set_filetype(e, AE_IFREG);
			archive_entry_set_hardlink(e, t->data);
			archive_entry_set_size(e, 0);
			break;
		case 'p':
			archive_entry_set_filetype(e, AE_IFIFO);
			break;
		case 'c':
			archive_entry_set_filetype(e, AE_IFCHR);
			sscanf(t->data, "%u:%u", &maj, &min);
			archive_entry_set_rdev(e, makedev(maj, min));
			break;
		default:
			r = -EINVAL;
		}
		if (r == 0 && archive_write_header(a, e) != ARCHIVE_OK)
			r = -EIO;
		if (r == 0 && t->type == 'f' &&
		    archive_write_data(a, t->data, strlen(t->data)) != (la_ssize_t)strlen(t->data))
			r = -EIO;
		archive_entry_free(e);
	}
	if (archive_write_close(a) != ARCHIVE_OK)
		r = -EIO;
	archive_write_free(a);
	return r;
}

/* Entries in dir, not counting "." and "..": -1 if it cannot be opened. */
static int count_entries(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int n = 0;

	if (!d)
		return -1;
	while ((de = readdir(d)))
		if (!streq(de->d_name, ".") && !streq(de->d_name, ".."))
			n++;
	closedir(d);
	return n;
}

static bool exists_at(const char *dir, const char *name)
{
	_cleanup_free_ char *p = xasprintf("%s/%s", dir, name);
	struct stat st;

	return p && lstat(p, &st) == 0;
}

static char *read_at(const char *dir, const char *name)
{
	_cleanup_free_ char *p = xasprintf("%s/%s", dir, name);
	char *s = NULL;

	if (!p || read_full_file(p, &s, NULL) < 0)
		return NULL;
	return s;
}

static bool is_mounted(const char *path)
{
	_cleanup_free_ char *mi = NULL, *needle = xasprintf(" %s ", path);

	if (!needle || read_full_file("/proc/self/mountinfo", &mi, NULL) < 0)
		return true; /* fail safe: callers assert it is not */
	return strstr(mi, needle) != NULL;
}

/* Mounts made by the overlay tests stay in a private namespace: a failing test
 * cannot leave one on the host. */
static int private_mount_ns(void)
{
	if (unshare(CLONE_NEWNS) < 0)
		return -errno;
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		return -errno;
	return 0;
}

#define SKIP_UNLESS_ROOT()                                                                         \
	do {                                                                                       \
		if (geteuid() != 0) {                                                              \
			printf("# skipped: needs root\n");                                         \
			return;                                                                    \
		}                                                                                  \
	} while (0)

/* --- sha256 --- */

static void hex_of(const char *s, size_t n, char out[SHA256_HEX_SIZE])
{
	sha256_hex(s, n, out);
}

static void sha256_vectors_check(int *test_failed_);

TEST(sha256_vectors)
{
	/* Once with whatever this CPU has (SHA-NI where present), once portable. */
	sha256_accelerated(false);
	sha256_vectors_check(test_failed_);
	sha256_accelerated(true);
	if (!*test_failed_)
		sha256_vectors_check(test_failed_);
	sha256_accelerated(false);
}

TEST(sha256_accelerated_matches_portable)
{
	static uint8_t data[70000];
	char a[SHA256_HEX_SIZE], b[SHA256_HEX_SIZE];
	uint32_t x = 12345;

	for (size_t i = 0; i < sizeof(data); i++) {
		x = x * 1103515245 + 12345;
		data[i] = (uint8_t)(x >> 16);
	}
	for (size_t n = 0; n < sizeof(data); n = n * 3 + 1 + n % 61) {
		sha256_accelerated(false);
		sha256_hex(data, n, a);
		sha256_accelerated(true);
		sha256_hex(data, n, b);
		ASSERT_STREQ(a, b);
	}
	sha256_accelerated(false);
}

static void sha256_vectors_check(int *test_failed_)
{
	char h[SHA256_HEX_SIZE];
	struct sha256_ctx c;
	static const char m448[] = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
	static const char m896[] = "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmn"
				   "hijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu";
	char block[1024];

	hex_of("", 0, h);
	ASSERT_STREQ(h, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	hex_of("abc", 3, h);
	ASSERT_STREQ(h, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	hex_of(m448, strlen(m448), h);
	ASSERT_STREQ(h, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
	hex_of(m896, strlen(m896), h);
	ASSERT_STREQ(h, "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1");

	/* A million 'a', fed in odd-sized pieces to exercise the block buffering. */
	memset(block, 'a', sizeof(block));
	sha256_init(&c);
	for (size_t done = 0, step = 1; done < 1000000; step = step % 997 + 7) { /* <= 1003 */
		size_t k = step;

		if (k > 1000000 - done)
			k = 1000000 - done;
		sha256_update(&c, block, k);
		done += k;
	}
	sha256_final_hex(&c, h);
	ASSERT_STREQ(h, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");

	/* 55, 56 and 64 bytes: the padding edge cases. */
	hex_of(block, 55, h);
	ASSERT_STREQ(h, "9f4390f8d30c2dd92ec9f095b65e2b9ae9b0a925a5258e241c9f1e910f734318");
	hex_of(block, 56, h);
	ASSERT_STREQ(h, "b35439a4ac6f0948b6d6f9e3c6af0f5f590ce20f1bde7090ef7970686ec6738a");
	hex_of(block, 64, h);
	ASSERT_STREQ(h, "ffe054fe7ae0cb6dc65c3af9b61d5209f439851db43d0ba5997337df154668eb");
}

TEST(chain_id)
{
	_cleanup_free_ char *c0 = NULL, *c1 = NULL, *expect = NULL, *cat = NULL;
	const char *d0 = "sha256:1111111111111111111111111111111111111111111111111111111111111111";
	const char *d1 = "sha256:2222222222222222222222222222222222222222222222222222222222222222";
	char h[SHA256_HEX_SIZE];

	ASSERT_EQ(layer_chain_id(NULL, d0, &c0), 0);
	ASSERT_STREQ(c0, d0);
	ASSERT_EQ(layer_chain_id(c0, d1, &c1), 0);
	cat = xasprintf("%s %s", d0, d1);
	sha256_hex(cat, strlen(cat), h);
	expect = xasprintf("sha256:%s", h);
	ASSERT_STREQ(c1, expect);
}

/* --- refs and config --- */

static int norm(const char *in, char **out)
{
	return ref_normalize(in, out, NULL);
}

TEST(reference_normalize)
{
	static const char *const ok[][3] = {
	    {"busybox", "docker.io/library/busybox:latest", "busybox:latest"},
	    {"busybox:1.36", "docker.io/library/busybox:1.36", "busybox:1.36"},
	    {"me/app", "docker.io/me/app:latest", "me/app:latest"},
	    {"docker.io/library/alpine:3", "docker.io/library/alpine:3", "alpine:3"},
	    {"index.docker.io/library/alpine", "docker.io/library/alpine:latest", "alpine:latest"},
	    {"localhost:5000/x/y:v1", "localhost:5000/x/y:v1", "localhost:5000/x/y:v1"},
	    {"quay.io/a-b/c_d.e:T-1", "quay.io/a-b/c_d.e:T-1", "quay.io/a-b/c_d.e:T-1"},
	    {"localhost/x", "localhost/x:latest", "localhost/x:latest"},
	};
	static const char *const bad[] = {
	    "",
	    "BusyBox",
	    "busybox:",
	    "busybox:-x",
	    "a//b",
	    "-a",
	    "a-",
	    "x@sha256:00",
	    "busybox:a:b",
	    "../x",
	    "a/..",
	    "a b",
	    "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
	};
	struct berth_error *err = NULL;

	for (size_t i = 0; i < ELEMENTSOF(ok); i++) {
		_cleanup_free_ char *full = NULL, *fam = NULL;

		ASSERT_EQ(norm(ok[i][0], &full), 0);
		ASSERT_STREQ(full, ok[i][1]);
		ASSERT_EQ(ref_familiar(full, &fam), 0);
		ASSERT_STREQ(fam, ok[i][2]);
	}
	for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
		char *full = NULL;

		if (norm(bad[i], &full) != -EINVAL)
			TEST_FAIL_("'%s' was accepted as '%s'", bad[i], full ? full : "?");
		ASSERT_TRUE(full == NULL);
	}
	ASSERT_EQ(ref_normalize("Upper", NULL, &err), -EINVAL);
	ASSERT_CONTAINS(err->msg, "must be lowercase");
	berth_error_free(err);
}

TEST(rfc3339)
{
	char buf[RFC3339_MAX];
	int64_t t;

	format_rfc3339(1700000000, buf);
	ASSERT_STREQ(buf, "2023-11-14T22:13:20Z");
	ASSERT_EQ(parse_rfc3339(buf, &t), 0);
	ASSERT_EQ(t, 1700000000);
	ASSERT_EQ(parse_rfc3339("2023-11-14T22:13:20.123456789Z", &t), 0);
	ASSERT_EQ(t, 1700000000);
	ASSERT_EQ(parse_rfc3339("2023-11-14T23:13:20+01:00", &t), 0);
	ASSERT_EQ(t, 1700000000);
	ASSERT_EQ(parse_rfc3339("2023-11-14T21:13:20-01:00", &t), 0);
	ASSERT_EQ(t, 1700000000);
	ASSERT_EQ(parse_rfc3339("2023-11-14 22:13:20", &t), -EINVAL);
	ASSERT_EQ(parse_rfc3339("2023-13-14T22:13:20Z", &t), -EINVAL);
	ASSERT_EQ(parse_rfc3339("2023-11-14T22:13:20Zjunk", &t), -EINVAL);
}

static void configp(struct image_config **c)
{
	image_config_free(*c);
}

TEST(config_roundtrip)
{
	static const char bad_digest[] =
	    "{\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"md5:x\"]}}";
	static const char bad_env[] = "{\"config\":{\"Env\":\"x\"},\"rootfs\":{}}";
	_cleanup_free_ char *json = NULL;
	_cleanup_(configp) struct image_config *c = NULL;
	char id0[] = "sha256:1111111111111111111111111111111111111111111111111111111111111111";
	char *ids[] = {id0, NULL};
	struct berth_error *err = NULL;
	size_t n;

	ASSERT_EQ(image_config_format_import(ids, 1700000000, &json, &n), 0);
	ASSERT_EQ(image_config_parse(json, n, &c, &err), 0);
	ASSERT_EQ(c->created, 1700000000);
	ASSERT_STREQ(c->architecture, image_host_architecture());
	ASSERT_STREQ(c->os, "linux");
	ASSERT_EQ(strv_length(c->env), 1);
	ASSERT_STREQ(c->env[0],
		     "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
	ASSERT_EQ(strv_length(c->cmd), 1);
	ASSERT_STREQ(c->cmd[0], "sh");
	ASSERT_EQ(strv_length(c->entrypoint), 0);
	ASSERT_STREQ(c->diff_ids[0], ids[0]);
	ASSERT_TRUE(strstr(json, "\"created_by\":\"berth import\"") != NULL);
	c = image_config_free(c);

	ASSERT_EQ(image_config_parse(bad_digest, strlen(bad_digest), &c, &err), -EINVAL);
	ASSERT_CONTAINS(err->msg, "rootfs.diff_ids[0]");
	ASSERT_EQ(image_config_parse(bad_env, strlen(bad_env), &c, &err), -EINVAL);
	ASSERT_CONTAINS(err->msg, "config.Env");
	ASSERT_TRUE(c == NULL);
	berth_error_free(err);
}

/* docker's Healthcheck of an image config: Test and the durations in ns */
TEST(config_healthcheck)
{
	static const char ok[] =
	    "{\"config\":{\"Healthcheck\":{\"Test\":[\"CMD-SHELL\",\"curl -f localhost\"],"
	    "\"Interval\":5000000000,\"Retries\":2,\"StartPeriod\":1000000}},"
	    "\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"sha256:"
	    "1111111111111111111111111111111111111111111111111111111111111111\"]}}";
	static const char none[] =
	    "{\"config\":{},\"rootfs\":{\"type\":\"layers\",\"diff_ids\":"
	    "[\"sha256:"
	    "1111111111111111111111111111111111111111111111111111111111111111"
	    "\"]}}";
	static const char bad[] = "{\"config\":{\"Healthcheck\":{\"Interval\":-1}},\"rootfs\":{}}";
	_cleanup_(configp) struct image_config *c = NULL;
	struct berth_error *err = NULL;

	ASSERT_EQ(image_config_parse(ok, strlen(ok), &c, &err), 0);
	ASSERT_EQ(strv_length(c->healthcheck.test), 2);
	ASSERT_STREQ(c->healthcheck.test[1], "curl -f localhost");
	ASSERT_EQ(c->healthcheck.interval, 5000000000LL);
	ASSERT_EQ(c->healthcheck.start_period, 1000000);
	ASSERT_EQ(c->healthcheck.timeout, 0);
	ASSERT_EQ(c->healthcheck.retries, 2);
	c = image_config_free(c);
	ASSERT_EQ(image_config_parse(none, strlen(none), &c, &err), 0);
	ASSERT_TRUE(c->healthcheck.test == NULL);
	c = image_config_free(c);
	ASSERT_EQ(image_config_parse(bad, strlen(bad), &c, &err), -EINVAL);
	ASSERT_CONTAINS(err->msg, "config.Healthcheck.Interval");
	berth_error_free(err);
}

/* --- import and lookup --- */

static const struct tent basic_tar[] = {
    {'d', "./", NULL, 0755},
    {'d', "etc/", NULL, 0755},
    {'f', "etc/hello", "hello\n", 0640},
    {'h', "etc/hello2", "etc/hello", 0},
    {'f', "/bin/tool", "#!/bin/sh\necho tool\n", 04755}, /* no "bin/" entry: implied */
    {'l', "bin/sh", "tool", 0777},
    {'l', "bin/abs", "/etc/hello", 0777},
    {'d', "ro", NULL, 0555},
    {'f', "ro/inside", "x", 0444},
    {'p', "run/fifo", NULL, 0600},
};
#define BASIC_TAR_SIZE (6 + 20 + 1)

TEST(import_and_lookup)
{
	_cleanup_tmpdir_ char *dir = make_tmpdir();
	_cleanup_free_ char *tar = NULL, *root = NULL, *id = NULL, *link = NULL, *s = NULL;
	_cleanup_(berth_store_freep) struct berth_store *store = NULL;
	_cleanup_(imagep) struct berth_image *img = NULL, *byid = NULL;
	_cleanup_err_ struct berth_error *err = NULL;
	char target[64], prefix[32];
	struct stat st, st2;
	const char *L;
	ssize_t k;

	ASSERT_TRUE(dir);
	tar = xasprintf("%s/basic.tar", dir);
	root = xasprintf("%s/store", dir);
	ASSERT_EQ(make_tar(tar, basic_tar, ELEMENTSOF(basic_tar), false), 0);
	ASSERT_EQ(berth_store_open(root, &store, &err), 0);
	ASSERT_EQ(berth_image_import(store, tar, "test", &id, &err), 0);
	ASSERT_TRUE(digest_hex(id) != NULL);

	ASSERT_EQ(berth_image_lookup(store, "test:latest", &img, &err), 0);
	ASSERT_STREQ(img->id, id);
	ASSERT_STREQ(img->ref, "test:latest");
	ASSERT_EQ(strv_length(img->layer_dirs), 1);
	L = img->layer_dirs[0];
	ASSERT_TRUE(L[0] == '/');
	ASSERT_TRUE(startswith(L, berth_store_root(store)) != NULL);
	ASSERT_EQ(img->size, BASIC_TAR_SIZE);
	ASSERT_TRUE(img->created > time(NULL) - 60 && img->created <= time(NULL));
	ASSERT_EQ(strv_length(img->cmd), 1);
	ASSERT_STREQ(img->cmd[0], "sh");
	ASSERT_TRUE(strv_contains(
	    img->env, "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"));
	ASSERT_EQ(strv_length(img->entrypoint), 0);
	ASSERT_TRUE(img->workdir == NULL && img->user == NULL);

	/* Content, modes, times. */
	s = read_at(L, "etc/hello");
	ASSERT_STREQ(s, "hello\n");
	link = xasprintf("%s/etc/hello", L);
	ASSERT_EQ(lstat(link, &st), 0);
	ASSERT_EQ(st.st_mode & 07777, 0640);
	ASSERT_EQ(st.st_mtime, MTIME);
	free(link);
	link = xasprintf("%s/etc/hello2", L);
	ASSERT_EQ(lstat(link, &st2), 0);
	ASSERT_EQ(st2.st_ino, st.st_ino); /* a real hard link */
	ASSERT_EQ(st2.st_nlink, 2);
	free(link);
	link = xasprintf("%s/bin/tool", L);
	ASSERT_EQ(lstat(link, &st), 0);
	ASSERT_EQ(st.st_mode & 07777, 04755); /* set-uid survives the chown */
	free(link);
	link = xasprintf("%s/bin/sh", L);
	ASSERT_EQ(lstat(link, &st), 0);
	ASSERT_TRUE(S_ISLNK(st.st_mode));
	k = readlink(link, target, sizeof(target) - 1);
	ASSERT_EQ(k, 4);
	target[k] = 0;
	ASSERT_STREQ(target, "tool");
	free(link);
	link = xasprintf("%s/bin/abs", L);
	k = readlink(link, target, sizeof(target) - 1);
	ASSERT_EQ(k, 10);
	target[k] = 0;
	ASSERT_STREQ(target, "/etc/hello"); /* stored verbatim, never followed */
	free(link);
	link = xasprintf("%s/bin", L);
	ASSERT_EQ(lstat(link, &st), 0);
	ASSERT_EQ(st.st_mode & 07777, 0755); /* implied parent */
	free(link);
	link = xasprintf("%s/ro", L);
	ASSERT_EQ(lstat(link, &st), 0);
	ASSERT_EQ(st.st_mode & 07777, 0555); /* applied after its children */
	ASSERT_EQ(st.st_mtime, MTIME);	     /* not bumped by ro/inside */
	free(link);
	link = xasprintf("%s/run/fifo", L);
	ASSERT_EQ(lstat(link, &st), 0);
	ASSERT_TRUE(S_ISFIFO(st.st_mode));
	free(link);
	link = NULL;
	ASSERT_EQ(lstat(L, &st), 0);
	ASSERT_EQ(st.st_mode & 07777, 0755);

	/* The same image by id, id prefix and full ref. */
	snprintf(prefix, sizeof(prefix), "%.12s", digest_hex(id));
	ASSERT_EQ(berth_image_lookup(store, prefix, &byid, &err), 0);
	ASSERT_STREQ(byid->id, id);
	ASSERT_STREQ(byid->ref, "test:latest");
	berth_image_free(byid);
	byid = NULL;
	ASSERT_EQ(berth_image_lookup(store, id, &byid, &err), 0);
	ASSERT_STREQ(byid->id, id);
	berth_image_free(byid);
	byid = NULL;
	ASSERT_EQ(berth_image_lookup(store, "docker.io/library/test:latest", &byid, &err), 0);
	ASSERT_STREQ(byid->id, id);
	ASSERT_EQ(berth_image_lookup(store, "test:other", &img, &err), -ENOENT);
	ASSERT_CONTAINS(err->msg, "no such image: 'test:other'");
	ASSERT_EQ(berth_image_lookup(store, "ffffffffffff", &img, &err), -ENOENT);
}

/* An image whose config blob is not there: ENOENT with or without a chain to fill (it
 * was EIO without one), and a message naming the image and the blob. */
TEST(config_of_missing_image_says_enoent)
{
	_cleanup_tmpdir_ char *dir = make_tmpdir();
	_cleanup_free_ char *root = NULL, *json = NULL;
	_cleanup_(berth_store_freep) struct berth_store *store = NULL;
	_cleanup_err_ struct berth_error *err = NULL;
	const char *id = "sha256:00000000000000000000000000000000000000000000000000000000000000aa";
	size_t n;

	ASSERT_TRUE(dir);
	root = xasprintf("%s/store", dir);
	ASSERT_EQ(berth_store_open(root, &store, &err), 0);
	ASSERT_EQ(berth_image_config(store, id, &json, &n, NULL), -ENOENT);
	ASSERT_EQ(berth_image_config(store, id, &json, &n, &err), -ENOENT);
	ASSERT_TRUE(err != NULL);
	ASSERT_TRUE(strstr(err->msg, "image 'sha256:0000") == err->msg);
	ASSERT_TRUE(strstr(err->msg, ": No such file or directory") != NULL);
}

TEST(import_reuses_layer_and_image)
{
	_cleanup_tmpdir_ char *dir = make_tmpdir();
	_cleanup_free_ char *tar = NULL, *tgz = NULL, *root = NULL, *id1 = NULL, *id2 = NULL,
			    *id3 = NULL, *layers = NULL, *blobs = NULL, *marker = NULL;
	_cleanup_(berth_store_freep) struct berth_store *store = NULL;
	_cleanup_(imagep) struct berth_image *a = NULL, *b = NULL;
	_cleanup_err_ struct berth_error *err = NULL;
	struct berth_image **list = NULL;
	size_t n = 0;
	int fd;

	ASSERT_TRUE(dir);
	tar = xasprintf("%s/basic.tar", dir);
	tgz = xasprintf("%s/basic.tar.gz", dir);
	root = xasprintf("%s/store", dir);
	layers = xasprintf("%s/layers", root);
	blobs = xasprintf("%s/blobs/sha256", root);
	ASSERT_EQ(make_tar(tar, basic_tar, ELEMENTSOF(basic_tar), false), 0);
	ASSERT_EQ(make_tar(tgz, basic_tar, ELEMENTSOF(basic_tar), true), 0);
	ASSERT_EQ(berth_store_open(root, &store, &err), 0);

	ASSERT_EQ(berth_image_import(store, tar, "one", &id1, &err), 0);
	ASSERT_EQ(berth_image_lookup(store, "one", &a, &err), 0);
	/* A file the unpacker did not write: a second unpack would lose it. */
	marker = xasprintf("%s/marker", a->layer_dirs[0]);
	fd = open(marker, O_CREAT | O_WRONLY | O_CLOEXEC, 0600);
	ASSERT_TRUE(fd >= 0);
	close(fd);

	/* Same tar, and the same tar gzipped (same diff id): one layer, one image. */
	ASSERT_EQ(berth_image_import(store, tar, "two:x", &id2, &err), 0);
	ASSERT_EQ(berth_image_import(store, tgz, "three", &id3, &err), 0);
	ASSERT_STREQ(id2, id1);
	ASSERT_STREQ(id3, id1);
	ASSERT_EQ(berth_image_lookup(store, "three", &b, &err), 0);
	ASSERT_STREQ(b->layer_dirs[0], a->layer_dirs[0]);
	ASSERT_TRUE(path_exists(marker));
	ASSERT_EQ(count_entries(layers), 1);
	ASSERT_EQ(count_entries(blobs), 2); /* the tar and the config; not the .tar.gz */

	ASSERT_EQ(berth_image_list(store, &list, &n, &err), 0);
	ASSERT_EQ(n, 3);
	for (size_t i = 0; i < n; i++)
		ASSERT_STREQ(list[i]->id, id1);
	ASSERT_STREQ(list[0]->ref, "one:latest"); /* same time: by ref */
	ASSERT_STREQ(list[1]->ref, "three:latest");
	ASSERT_STREQ(list[2]->ref, "two:x");
	berth_image_list_free(list, n);
}

/* Reuse must not depend on both imports falling in the same second: an image imported
 * long ago (created 1000) is found again by its content. */
TEST(reimport_reuses_older_image)
{
	_cleanup_tmpdir_ char *dir = make_tmpdir();
	_cleanup_free_ char *tar = NULL, *root = NULL, *id1 = NULL, *id2 = NULL, *old = NULL,
			    *json = NULL, *diff_id = NULL;
	_cleanup_(berth_store_freep) struct berth_store *store = NULL;
	_cleanup_(imagep) struct berth_image *img = NULL;
	_cleanup_err_ struct berth_error *err = NULL;
	struct store_index idx = {0};
	size_t n;

	ASSERT_TRUE(dir);
	tar = xasprintf("%s/basic.tar", dir);
	root = xasprintf("%s/store", dir);
	ASSERT_EQ(make_tar(tar, basic_tar, ELEMENTSOF(basic_tar), false), 0);
	ASSERT_EQ(berth_store_open(root, &store, &err), 0);
	ASSERT_EQ(berth_image_import(store, tar, "one", &id1, &err), 0);
	ASSERT_EQ(berth_image_lookup(store, "one", &img, &err), 0);
	/* .../layers/<hex>/diff: one layer, so chain id == diff id */
	diff_id = xasprintf("sha256:%.64s", strstr(img->layer_dirs[0], "/layers/") + 8);
	{
		char *ids[] = {diff_id, NULL};
		_cleanup_close_ int lock = -EBADF;

		ASSERT_EQ(image_config_format_import(ids, 1000, &json, &n), 0);
		ASSERT_EQ(store_lock(store, true, &lock, &err), 0);
		ASSERT_EQ(store_blob_write(store, json, n, &old, NULL, &err), 0);
		ASSERT_EQ(store_index_load(store, &idx, &err), 0);
		ASSERT_EQ(store_index_add_image(&idx, old), 0);
		ASSERT_EQ(store_index_set_ref(&idx, "docker.io/library/old:latest", old), 0);
		ASSERT_EQ(store_index_save(store, &idx, &err), 0);
		store_index_release(&idx);
	}
	ASSERT_EQ(berth_image_remove(store, "one", &err), 1);
	ASSERT_TRUE(!streq(old, id1));

	ASSERT_EQ(berth_image_import(store, tar, "again", &id2, &err), 0);
	ASSERT_STREQ(id2, old);
	img = berth_image_free(img);
	ASSERT_EQ(berth_image_lookup(store, "again", &img, &err), 0);
	ASSERT_EQ(img->created, 1000);
}

TEST(import_gzip_from_fd)
{
	_cleanup_tmpdir_ char *dir = make_tmpdir();
	_cleanup_free_ char *tgz = NULL, *root = NULL, *id = NULL, *s = NULL;
	_cleanup_(berth_store_freep) struct berth_store *store = NULL;
	_cleanup_(imagep) struct berth_image *img = NULL;
	_cleanup_err_ struct berth_error *err = NULL;
	int fd, r;

	ASSERT_TRUE(dir);
	tgz = xasprintf("%s/basic.tar.gz", dir);
	root = xasprintf("%s/store", dir);
	ASSERT_EQ(make_tar(tgz, basic_tar, ELEMENTSOF(basic_tar), true), 0);
	ASSERT_EQ(berth_store_open(root, &store, &err), 0);
	fd = open(tgz, O_RDONLY | O_CLOEXEC);
	ASSERT_TRUE(fd >= 0);
	r = berth_image_import_fd(store, fd, "gz/img:1", NULL, &id, &err);
	/* the fd is the caller's: left open, read to its end */
	ASSERT_EQ(lseek(fd, 0, SEEK_CUR), lseek(fd, 0, SEEK_END));
	close(fd);
	ASSERT_EQ(r, 0);
	ASSERT_EQ(berth_image_lookup(store, "gz/img:1", &img, &err), 0);
	ASSERT_STREQ(img->ref, "gz/img:1");
	s = read_at(img->layer_dirs[0], "etc/hello");
	ASSERT_STREQ(s, "hello\n");
}

TEST(import_rejects_bad_input)
{
	_cleanup_tmpdir_ char *dir = make_tmpdir();
	_cleanup_free_ char *root = NULL, *junk = NULL, *id = NULL, *layers = NULL, *blobs = NULL;
	_cleanup_(berth_store_freep) struct berth_store *store = NULL;
	_cleanup_err_ struct berth_error *err = NULL;

	ASSERT_TRUE(dir);
	root = xasprintf("%s/store", dir);
	junk = xasprintf("%s/junk", dir);
	layers = xasprintf("%s/layers", root);
	blobs = xasprintf("%s/blobs/sha256", root);
	ASSERT_EQ(write_file_atomic(junk, "this is not a tarball\n", 22, 0644), 0);
	ASSERT_EQ(berth_store_open(root, &store, &err), 0);
	ASSERT_EQ(berth_image_import(store, junk, "BadName", &id, &err), -EINVAL);
	ASSERT_CONTAINS(err->msg, "lowercase");
	ASSERT_EQ(berth_image_import(store, "/nonexistent.tar", "x", &id, &err), -ENOENT);
	ASSERT_TRUE(berth_image_import(store, junk, "x", &id, &err) < 0);
	ASSERT_CONTAINS(err->msg, "read tar");
	ASSERT_TRUE(id == NULL);
	ASSERT_EQ(count_entries(layers), 0);
	ASSERT_EQ(count_entries(blobs), 0);
}

/* --- hostile layers --- */

struct hostile {
	const char *what;
	struct tent ents[3];
	size_t n;
	const char *named; /* the error must name this entry */
};

TEST(import_rejects_hostile_tars)
{
	_cleanup_tmpdir_ char *dir = make_tmpdir();
	_cleanup_free_ char *root = NULL, *outside = NULL, *layers = NULL, *blobs = NULL,
			    *images = NULL;
	_cleanup_(berth_store_freep) struct berth_store *store = NULL;
	struct hostile cases[] = {
	    {"dotdot", {{'f', "../evil", "x", 0}}, 1, "'../evil'"},
	    {"deep dotdot", {{'f', "a/../../evil", "x", 0}}, 1, "'a/../../evil'"},
	    {"absolute dotdot", {{'f', "/../../../evil", "x", 0}}, 1, "'/../../../evil'"},
	    {"many dotdots",
	     {{'f', "a/b/../../../../../../evil", "x", 0}},
	     1,
	     "'a/b/../../../../../../evil'"},
	    {"symlink then file",
	     {{'l', "link", NULL, 0777}, {'f', "link/evil", "x", 0}},
	     2,
	     "'link/evil'"},
	    {"relative symlink then file",
	     {{'l', "up", "../../../..", 0777}, {'f', "up/evil", "x", 0}},
	     2,
	     "'up/evil'"},
	    {"symlink then dir",
	     {{'l', "link", NULL, 0777}, {'d', "link/evildir", NULL, 0755}},
	     2,
	     "'link/evildir" /* libarchive may add a '/' */},
	    {"hard link out", {{'h', "passwd", "../../etc/passwd", 0}}, 1, "'passwd'"},
	    {"hard link through symlink",
	     {{'l', "etc", "/etc", 0777}, {'h', "passwd", "etc/passwd", 0}},
	     2,
	     "'passwd'"},
	    {"whiteout through symlink",
	     {{'l', "link", NULL, 0777}, {'f', "link/.wh.evil", "", 0}},
	     2,
	     "'link/.wh.evil'"},
	};

	ASSERT_TRUE(dir);
	root = xasprintf("%s/store", dir);
	outside = xasprintf("%s/outside", dir);
	layers = xasprintf("%s/layers", root);
	blobs = xasprintf("%s/blobs/sha256", root);
	images = xasprintf("%s/images", root);
	ASSERT_EQ(mkdir(outside, 0755), 0);
	ASSERT_EQ(berth_store_open(root, &store, NULL), 0);

	for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
		_cleanup_free_ char *tar = xasprintf("%s/hostile-%zu.tar", dir, i);
		_cleanup_err_ struct berth_error *err = NULL;
		_cleanup_(imagep) struct berth_image *img = NULL;
		char *id = NULL;
		int r;

		for (size_t k = 0; k < cases[i].n; k++)
			if (cases[i].ents[k].type == 'l' && !cases[i].ents[k].data)
				cases[i].ents[k].data = outside; /* "link -> <abs dir>" */
		ASSERT_EQ(make_tar(tar, cases[i].ents, cases[i].n, false), 0);
		r = berth_image_import(store, tar, "evil", &id, &err);
		if (r >= 0)
			TEST_FAIL_("%s: accepted as %s", cases[i].what, id);
		ASSERT_TRUE(id == NULL);
		ASSERT_CONTAINS(err->msg, cases[i].named);
		ASSERT_CONTAINS(err->msg, "unpack layer: entry");

		/* Nothing written outside the layer... */
		ASSERT_EQ(count_entries(outside), 0);
		ASSERT_TRUE(!exists_at(dir, "evil"));
		ASSERT_TRUE(!exists_at(root, "evil"));
		ASSERT_TRUE(!exists_at(layers, "evil"));
		ASSERT_TRUE(!exists_at(root, "blobs/evil"));
		/* ...and nothing left in the store: no image, layer, blob or temp dir. */
		ASSERT_EQ(berth_image_lookup(store, "evil", &img, NULL), -ENOENT);
		ASSERT_EQ(count_entries(layers), 0);
		ASSERT_EQ(count_entries(blobs), 0);
		ASSERT_TRUE(!exists_at(images, STORE_INDEX));
	}
	ASSERT_EQ(count_entries(dir), 2 + (int)ELEMENTSOF(cases)); /* store, outside, tars */
}

TEST(unpack_limits)
{
	_cleanup_tmpdir_ char *dir = make_tmpdir();
	_cleanup_free_ char *tar = NULL, *out = NULL;
	_cleanup_close_ int tar_fd = -EBADF, out_fd = -EBADF;
	_cleanup_err_ struct berth_error *err = NULL;
	static const struct tent ents[] = {
	    {'f', "a", "12345", 0},
	    {'f', "b", "1234567890X", 0},
	    {'f', "c", "1", 0},
	};
	struct layer_limits lim = LAYER_LIMITS_DEFAULT;
	struct layer_stats stats;

	ASSERT_TRUE(dir);
	tar = xasprintf("%s/t.tar", dir);
	out = xasprintf("%s/out", dir);
	ASSERT_EQ(make_tar(tar, ents, ELEMENTSOF(ents), false), 0);
	ASSERT_EQ(mkdir(out, 0755), 0);
	tar_fd = open(tar, O_RDONLY | O_CLOEXEC);
	out_fd = open(out, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	ASSERT_TRUE(tar_fd >= 0 && out_fd >= 0);

	ASSERT_EQ(layer_unpack(tar_fd, out_fd, &lim, &stats, &err), 0);
	ASSERT_EQ(stats.entries, 3);
	ASSERT_EQ(stats.size, 17);

	lim.max_entries = 2;
	ASSERT_EQ(layer_unpack(tar_fd, out_fd, &lim, &stats, &err), -E2BIG);
	ASSERT_CONTAINS(err->msg, "entry 'c': more than 2 entries");

	lim = (struct layer_limits)LAYER_LIMITS_DEFAULT;
	lim.max_file_size = 10;
	ASSERT_EQ(layer_unpack(tar_fd, out_fd, &lim, &stats, &err), -E2BIG);
	ASSERT_CONTAINS(err->msg, "entry 'b': file larger than 10 bytes");

	lim = (struct layer_limits)LAYER_LIMITS_DEFAULT;
	lim.max_total_size = 16;
	ASSERT_EQ(layer_unpack(tar_fd, out_fd, &lim, &stats, &err), -E2BIG);
	ASSERT_CONTAINS(err->msg, "entry 'c': layer content larger than 16 bytes");
}

TEST(unpack_later_entries_replace_earlier)
{
	_cleanup_tmpdir_ char *dir = make_tmpdir();
	_cleanup_free_ char *tar = NULL, *out = NULL, *s = NULL, *p = NULL;
	_cleanup_close_ int tar_fd = -EBADF, out_fd = -EBADF;
	_cleanup_err_ struct berth_error *err = NULL;
	static const struct tent ents[] = {
	    {'f', "x", "first", 0},    {'f', "x", "second", 0},
	    {'d', "d", NULL, 0700},    {'f', "d/keep", "k", 0},
	    {'d', "d", NULL, 0751}, /* listed twice: the last mode wins */
	    {'d', "gone", NULL, 0755}, {'f', "gone/f", "f", 0},
	    {'l', "gone", "x", 0777}, /* a symlink replaces a whole directory */
	};
	struct stat st;

	ASSERT_TRUE(dir);
	tar = xasprintf("%s/t.tar", dir);
	out = xasprintf("%s/out", dir);
	ASSERT_EQ(make_tar(tar, ents, ELEMENTSOF(ents), false), 0);
	ASSERT_EQ(mkdir(out, 0755), 0);
	tar_fd = open(tar, O_RDONLY | O_CLOEXEC);
	out_fd = open(out, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	ASSERT_EQ(layer_unpack(tar_fd, out_fd, NULL, NULL, &err), 0);
	s = read_at(out, "x");
	ASSERT_STREQ(s, "second");
	ASSERT_TRUE(exists_at(out, "d/keep"));
	p = xasprintf("%s/d", out);
	ASSERT_EQ(stat(p, &st), 0);
	ASSERT_EQ(st.st_mode & 07777, 0751);
	free(p);
	p = xasprintf("%s/gone", out);
	ASSERT_EQ(lstat(p, &st), 0);
	ASSERT_TRUE(S_ISLNK(st.st_mode));
}

TEST(whiteouts)
{
	_cleanup_tmpdir_ char *dir = make_tmpdir();
	_cleanup_free_ char *tar = NULL, *root = NULL, *id = NULL, *p = NULL;
	_cleanup_(berth_store_freep) struct berth_store *store = NULL;
	_cleanup_(imagep) struct berth_image *img = NULL;
	_cleanup_err_ struct berth_error *err = NULL;
	static const struct tent ents[] = {
	    {'d', "a", NULL, 0755},  {'f', "a/.wh.foo", "", 0},	   {'f', "b/.wh..wh..opq", "", 0},
	    {'f', "b/keep", "k", 0}, {'f', ".wh..wh.plnk", "", 0}, /* AUFS metadata: ignored */
	};
	struct stat st;
	char v[8];

	SKIP_UNLESS_ROOT();
	ASSERT_TRUE(dir);
	tar = xasprintf("%s/wh.tar", dir);
	root = xasprintf("%s/store", dir);
	ASSERT_EQ(make_tar(tar, ents, ELEMENTSOF(ents), false), 0);
	ASSERT_EQ(berth_store_open(root, &store, &err), 0);
	ASSERT_EQ(berth_image_import(store, tar, "wh", &id, &err), 0);
	ASSERT_EQ(berth_image_lookup(store, "wh", &img, &err), 0);

	p = xasprintf("%s/a/foo", img->layer_dirs[0]);
	ASSERT_EQ(lstat(p, &st), 0);
	ASSERT_TRUE(S_ISCHR(st.st_mode));
	ASSERT_EQ(major(st.st_rdev), 0);
	ASSERT_EQ(minor(st.st_rdev), 0);
	ASSERT_TRUE(!exists_at(img->layer_dirs[0], "a/.wh.foo"));
	ASSERT_TRUE(!exists_at(img->layer_dirs[0], "b/.wh..wh..opq"));
	ASSERT_TRUE(!exists_at(img->layer_dirs[0], ".wh..wh.plnk"));
	ASSERT_TRUE(!exists_at(img->layer_dirs[0], "plnk"));
	ASSERT_TRUE(exists_at(img->layer_dirs[0], "b/keep"));
	free(p);
	p = xasprintf("%s/b", img->layer_dirs[0]);
	ASSERT_EQ(lgetxattr(p, "trusted.overlay.opaque", v, sizeof(v)), 1);
	ASSERT_EQ(v[0], 'y');
	free(p);
	p = xasprintf("%s/a", img->layer_dirs[0]);
	ASSERT_TRUE(lgetxattr(p, "trusted.overlay.opaque", v, sizeof(v)) < 0);
}

/* Some tools write the opaque marker as a directory: only the name makes a marker (as
 * for docker and containerd), so the parent becomes opaque and no directory of that
 * name is left; content below a marker is no layer anyone can mean, and is refused. */
TEST(opaque_marker_as_directory)
{
	_cleanup_tmpdir_ char *dir = make_tmpdir();
	_cleanup_free_ char *tar = NULL, *bad = NULL, *root = NULL, *id = NULL, *p = NULL,
			    *layers = NULL;
	_cleanup_(berth_store_freep) struct berth_store *store = NULL;
	_cleanup_(imagep) struct berth_image *img = NULL;
	_cleanup_err_ struct berth_error *err = NULL;
	static const struct tent ents[] = {
	    {'d', "b", NULL, 0755},
	    {'d', "b/.wh..wh..opq", NULL, 0755},
	    {'f', "b/keep", "k", 0},
	};
	static const struct tent below[] = {
	    {'d', "c/.wh..wh..opq", NULL, 0755},
	    {'f', "c/.wh..wh..opq/x", "x", 0},
	};
	static const struct tent below_wh[] = {
	    {'f', "d/.wh.gone/y", "y", 0},
	};
	char v[8];

	SKIP_UNLESS_ROOT();
	ASSERT_TRUE(dir);
	tar = xasprintf("%s/opq.tar", dir);
	bad = xasprintf("%s/bad.tar", dir);
	root = xasprintf("%s/store", dir);
	layers = xasprintf("%s/layers", root);
	ASSERT_EQ(make_tar(tar, ents, ELEMENTSOF(ents), false), 0);
	ASSERT_EQ(berth_store_open(root, &store, &err), 0);
	ASSERT_EQ(berth_image_import(store, tar, "opq", &id, &err), 0);
	ASSERT_EQ(berth_image_lookup(store, "opq", &img, &err), 0);
	ASSERT_TRUE(!exists_at(img->layer_dirs[0], "b/.wh..wh..opq"));
	ASSERT_TRUE(exists_at(img->layer_dirs[0], "b/keep"));
	p = xasprintf("%s/b", img->layer_dirs[0]);
	ASSERT_EQ(lgetxattr(p, "trusted.overlay.opaque", v, sizeof(v)), 1);
	ASSERT_EQ(v[0], 'y');

	free(id);
	id = NULL;
	ASSERT_EQ(make_tar(bad, below, ELEMENTSOF(below), false), 0);
	ASSERT_EQ(berth_image_import(store, bad, "bad", &id, &err), -EINVAL);
	ASSERT_CONTAINS(err->msg, "entry 'c/.wh..wh..opq/x': inside the whiteout 'c/.wh..wh..opq'");
	ASSERT_TRUE(id == NULL);
	berth_error_free(err);
	err = NULL;
	ASSERT_EQ(make_tar(bad, below_wh, ELEMENTSOF(below_wh), false), 0);
	ASSERT_EQ(berth_image_import(store, bad, "bad", &id, &err), -EINVAL);
	ASSERT_CONTAINS(err->msg, "entry 'd/.wh.gone/y': inside the whiteout 'd/.wh.gone'");
	ASSERT_TRUE(id == NULL);
	ASSERT_EQ(count_entries(layers), 1);
}

/* --- remove --- */

TEST(remove_untags_then_deletes)
{
	_cleanup_tmpdir_ char *dir = make_tmpdir();
	_cleanup_free_ char *tar = NULL, *root = NULL, *id = NULL, *id2 = NULL, *layer = NULL,
			    *layers = NULL, *blobs = NULL, *cfg = NULL, *other = NULL;
	_cleanup_(berth_store_freep) struct berth_store *store = NULL;
	_cleanup_(imagep) struct berth_image *img = NULL;
	_cleanup_err_ struct berth_error *err = NULL;
	struct berth_image **list = NULL;
	char prefix[16];
	size_t n;

	ASSERT_TRUE(dir);
	tar = xasprintf("%s/basic.tar", dir);
	root = xasprintf("%s/store", dir);
	layers = xasprintf("%s/layers", root);
	blobs = xasprintf("%s/blobs/sha256", root);
	ASSERT_EQ(make_tar(tar, basic_tar, ELEMENTSOF(basic_tar), false), 0);
	ASSERT_EQ(berth_store_open(root, &store, &err), 0);
	ASSERT_EQ(berth_image_import(store, tar, "r:1", &id, &err), 0);
	ASSERT_EQ(berth_image_import(store, tar, "r:2", &id2, &err), 0);
	ASSERT_STREQ(id, id2);
	ASSERT_EQ(berth_image_lookup(store, "r:1", &img, &err), 0);
	layer = strdup(img->layer_dirs[0]);

	/* A second image sharing the layer (same diff ids, another config), written
	 * through the store internals as a pull would. */
	{
		_cleanup_free_ char *diff_id = NULL;
		struct store_index idx = {0};
		_cleanup_close_ int lock = -EBADF;

		/* layers/<chain hex>/diff, and for one layer chain id == diff id */
		ASSERT_TRUE(startswith(layer, layers) != NULL);
		diff_id = strndup(layer + strlen(layers) + 1, 64);
		cfg = xasprintf("{\"created\":\"2020-01-01T00:00:00Z\",\"config\":{\"Cmd\":"
				"[\"true\"]},\"rootfs\":{\"type\":\"layers\",\"diff_ids\":"
				"[\"sha256:%s\"]}}",
				diff_id);
		ASSERT_EQ(store_lock(store, true, &lock, &err), 0);
		ASSERT_EQ(store_blob_write(store, cfg, strlen(cfg), &other, NULL, &err), 0);
		ASSERT_EQ(store_index_load(store, &idx, &err), 0);
		ASSERT_EQ(store_index_add_image(&idx, other), 0);
		ASSERT_EQ(store_index_set_ref(&idx, "docker.io/library/other:latest", other), 0);
		ASSERT_EQ(store_index_save(store, &idx, &err), 0);
		store_index_release(&idx);
	}
	ASSERT_EQ(berth_image_list(store, &list, &n, &err), 0);
	berth_image_list_free(list, n);
	ASSERT_EQ(n, 3);

	/* By id while two tags point to it: refused. */
	snprintf(prefix, sizeof(prefix), "%.10s", digest_hex(id));
	ASSERT_EQ(berth_image_remove(store, prefix, &err), -EBUSY);
	ASSERT_CONTAINS(err->msg, "referenced by 2 tags");

	ASSERT_EQ(berth_image_remove(store, "r:1", &err), 0); /* untag only */
	ASSERT_EQ(berth_image_remove(store, "r:1", &err), -ENOENT);
	ASSERT_TRUE(path_exists(layer));
	ASSERT_EQ(berth_image_remove(store, prefix, &err), 1); /* last tag: deleted */
	ASSERT_EQ(berth_image_lookup(store, "r:2", &img, &err), -ENOENT);
	ASSERT_TRUE(!exists_at(blobs, digest_hex(id)));
	ASSERT_TRUE(path_exists(layer)); /* still used by "other" */

	ASSERT_EQ(berth_image_remove(store, "other", &err), 1);
	ASSERT_TRUE(!path_exists(layer));
	ASSERT_EQ(count_entries(layers), 0);
	ASSERT_EQ(count_entries(blobs), 0); /* layer blob and both configs */
	ASSERT_EQ(berth_image_list(store, &list, &n, &err), 0);
	ASSERT_EQ(n, 0);
	berth_image_list_free(list, n);
}

TEST(retag_leaves_untagged_image)
{
	_cleanup_tmpdir_ char *dir = make_tmpdir();
	_cleanup_free_ char *t1 = NULL, *t2 = NULL, *root = NULL, *id1 = NULL, *id2 = NULL;
	_cleanup_(berth_store_freep) struct berth_store *store = NULL;
	_cleanup_err_ struct berth_error *err = NULL;
	static const struct tent other[] = {{'f', "other", "o", 0}};
	struct berth_image **list = NULL;
	size_t n;

	ASSERT_TRUE(dir);
	t1 = xasprintf("%s/1.tar", dir);
	t2 = xasprintf("%s/2.tar", dir);
	root = xasprintf("%s/store", dir);
	ASSERT_EQ(make_tar(t1, basic_tar, ELEMENTSOF(basic_tar), false), 0);
	ASSERT_EQ(make_tar(t2, other, ELEMENTSOF(other), false), 0);
	ASSERT_EQ(berth_store_open(root, &store, &err), 0);
	ASSERT_EQ(berth_image_import(store, t1, "app", &id1, &err), 0);
	ASSERT_EQ(berth_image_import(store, t2, "app", &id2, &err), 0);
	ASSERT_TRUE(!streq(id1, id2));
	ASSERT_EQ(berth_image_list(store, &list, &n, &err), 0);
	ASSERT_EQ(n, 2);
	ASSERT_STREQ(list[0]->ref, "app:latest");
	ASSERT_STREQ(list[0]->id, id2);
	ASSERT_TRUE(list[1]->ref == NULL); /* <none>:<none>, still removable by id */
	ASSERT_STREQ(list[1]->id, id1);
	berth_image_list_free(list, n);
	ASSERT_EQ(berth_image_remove(store, id1, &err), 1);
	ASSERT_EQ(berth_image_list(store, &list, &n, &err), 0);
	ASSERT_EQ(n, 1);
	berth_image_list_free(list, n);
}

TEST(store_sweeps_stale_temp_files)
{
	_cleanup_tmpdir_ char *dir = make_tmpdir();
	_cleanup_free_ char *root = NULL, *dead_dir = NULL, *dead_blob = NULL, *live = NULL,
			    *ours = NULL;
	_cleanup_(berth_store_freep) struct berth_store *store = NULL;
	_cleanup_close_ int lock = -EBADF;
	pid_t dead = fork();

	if (dead == 0)
		_exit(0);
	ASSERT_TRUE(dead > 0);
	ASSERT_EQ(waitpid(dead, NULL, 0), dead);
	ASSERT_TRUE(dir);
	root = xasprintf("%s/store", dir);
	ASSERT_EQ(berth_store_open(root, &store, NULL), 0);
	dead_dir = xasprintf("%s/layers/.tmp-%d-0000000000000001", root, (int)dead);
	dead_blob = xasprintf("%s/blobs/sha256/.tmp-%d-0000000000000002", root, (int)dead);
	live = xasprintf("%s/layers/.tmp-1-0000000000000003", root); /* init lives */
	ours = xasprintf("%s/blobs/sha256/.tmp-%d-0000000000000004", root, (int)getpid());
	ASSERT_EQ(mkdir_p(dead_dir, 0700), 0);
	ASSERT_EQ(mkdir_p(live, 0700), 0);
	ASSERT_EQ(write_file_atomic(dead_blob, "x", 1, 0600), 0);
	ASSERT_EQ(write_file_atomic(ours, "x", 1, 0600), 0);
	ASSERT_EQ(store_lock(store, false, &lock, NULL), 0); /* readers sweep nothing */
	ASSERT_TRUE(path_exists(dead_dir) && path_exists(dead_blob));
	close(TAKE_FD(lock));
	ASSERT_EQ(store_lock(store, true, &lock, NULL), 0);
	ASSERT_TRUE(!path_exists(dead_dir));
	ASSERT_TRUE(!path_exists(dead_blob));
	ASSERT_TRUE(path_exists(live)); /* a writer still at work */
	ASSERT_TRUE(path_exists(ours));
}

/* Processes importing the same tarball at once: each gets the same image, one layer
 * is kept, and no temp files remain. */
TEST(concurrent_imports)
{
	_cleanup_tmpdir_ char *dir = make_tmpdir();
	_cleanup_free_ char *tar = NULL, *root = NULL, *layers = NULL, *blobs = NULL;
	_cleanup_(berth_store_freep) struct berth_store *store = NULL;
	_cleanup_err_ struct berth_error *err = NULL;
	struct berth_image **list = NULL;
	pid_t pids[6];
	size_t n;

	ASSERT_TRUE(dir);
	tar = xasprintf("%s/basic.tar", dir);
	root = xasprintf("%s/store", dir);
	layers = xasprintf("%s/layers", root);
	blobs = xasprintf("%s/blobs/sha256", root);
	ASSERT_EQ(make_tar(tar, basic_tar, ELEMENTSOF(basic_tar), false), 0);
	for (size_t i = 0; i < ELEMENTSOF(pids); i++) {
		pids[i] = fork();
		ASSERT_TRUE(pids[i] >= 0);
		if (pids[i] == 0) {
			struct berth_store *cs = NULL;
			char ref[16], *id = NULL;

			snprintf(ref, sizeof(ref), "c%zu", i);
			_exit(berth_store_open(root, &cs, NULL) < 0 ||
				      berth_image_import(cs, tar, ref, &id, NULL) < 0
				  ? 1
				  : 0);
		}
	}
	for (size_t i = 0; i < ELEMENTSOF(pids); i++) {
		int status;

		ASSERT_EQ(waitpid(pids[i], &status, 0), pids[i]);
		ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	}
	ASSERT_EQ(berth_store_open(root, &store, &err), 0);
	ASSERT_EQ(berth_image_list(store, &list, &n, &err), 0);
	ASSERT_EQ(n, ELEMENTSOF(pids));
	for (size_t i = 1; i < n; i++)
		if (!streq(list[i]->id, list[0]->id) ||
		    !streq(list[i]->layer_dirs[0], list[0]->layer_dirs[0])) {
			berth_image_list_free(list, n);
			TEST_FAIL_("import %zu differs", i);
		}
	berth_image_list_free(list, n);
	ASSERT_EQ(count_entries(layers), 1);
	ASSERT_EQ(count_entries(blobs), 2);
}

TEST(corrupt_blob_detected)
{
	_cleanup_tmpdir_ char *dir = make_tmpdir();
	_cleanup_free_ char *tar = NULL, *root = NULL, *id = NULL, *cfg = NULL;
	_cleanup_(berth_store_freep) struct berth_store *store = NULL;
	_cleanup_(imagep) struct berth_image *img = NULL;
	_cleanup_err_ struct berth_error *err = NULL;

	ASSERT_TRUE(dir);
	tar = xasprintf("%s/basic.tar", dir);
	root = xasprintf("%s/store", dir);
	ASSERT_EQ(make_tar(tar, basic_tar, ELEMENTSOF(basic_tar), false), 0);
	ASSERT_EQ(berth_store_open(root, &store, &err), 0);
	ASSERT_EQ(berth_image_import(store, tar, "c", &id, &err), 0);
	cfg = xasprintf("%s/blobs/sha256/%s", root, digest_hex(id));
	ASSERT_EQ(write_file_atomic(cfg, "{}", 2, 0600), 0);
	ASSERT_EQ(berth_image_lookup(store, "c", &img, &err), -EIO);
	ASSERT_CONTAINS(err->msg, "is corrupt");
}

/* --- overlay --- */

/* Unmount (if still mounted) and free the path. */
static void umountp(char **target)
{
	if (*target) {
		umount2(*target, MNT_DETACH);
		free(*target);
	}
}

TEST(overlay_mount_and_unmount)
{
	_cleanup_tmpdir_ char *dir = make_tmpdir();
	_cleanup_free_ char *tar = NULL, *root = NULL, *id = NULL, *upper = NULL, *work = NULL,
			    *s = NULL, *p = NULL;
	_cleanup_(umountp) char *merged = NULL;
	_cleanup_(berth_store_freep) struct berth_store *store = NULL;
	_cleanup_(imagep) struct berth_image *img = NULL;
	_cleanup_err_ struct berth_error *err = NULL;
	int fd;

	SKIP_UNLESS_ROOT();
	ASSERT_EQ(private_mount_ns(), 0);
	ASSERT_TRUE(dir);
	tar = xasprintf("%s/basic.tar", dir);
	root = xasprintf("%s/store", dir);
	upper = xasprintf("%s/upper", dir);
	work = xasprintf("%s/work", dir);
	merged = xasprintf("%s/merged", dir);
	ASSERT_EQ(mkdir(upper, 0755) | mkdir(work, 0700) | mkdir(merged, 0755), 0);
	ASSERT_EQ(make_tar(tar, basic_tar, ELEMENTSOF(basic_tar), false), 0);
	ASSERT_EQ(berth_store_open(root, &store, &err), 0);
	ASSERT_EQ(berth_image_import(store, tar, "ov", &id, &err), 0);
	ASSERT_EQ(berth_image_lookup(store, "ov", &img, &err), 0);

	ASSERT_EQ(overlay_mount(img->layer_dirs, upper, work, merged, false, &err), 0);
	ASSERT_TRUE(is_mounted(merged));
	s = read_at(merged, "etc/hello");
	ASSERT_STREQ(s, "hello\n");
	p = xasprintf("%s/new", merged);
	fd = open(p, O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
	ASSERT_TRUE(fd >= 0);
	ASSERT_EQ(write(fd, "n", 1), 1);
	close(fd);
	ASSERT_TRUE(exists_at(upper, "new"));
	ASSERT_TRUE(!exists_at(img->layer_dirs[0], "new"));
	free(p);
	p = xasprintf("%s/etc/hello", merged);
	ASSERT_EQ(unlink(p), 0); /* a whiteout in upper, the layer untouched */
	ASSERT_TRUE(exists_at(img->layer_dirs[0], "etc/hello"));
	ASSERT_TRUE(exists_at(upper, "etc/hello"));

	ASSERT_EQ(overlay_umount(merged, &err), 0);
	ASSERT_TRUE(!is_mounted(merged));
	ASSERT_EQ(count_entries(merged), 0);
	ASSERT_EQ(overlay_umount(merged, &err), 0); /* not mounted: fine */
	free(p);
	p = xasprintf("%s/nonexistent", dir);
	ASSERT_EQ(overlay_umount(p, &err), 0);

	/* Errors carry the kernel's own explanation. */
	ASSERT_TRUE(overlay_mount(img->layer_dirs, upper, upper, merged, false, &err) < 0);
	ASSERT_CONTAINS(err->msg, "overlay");
	ASSERT_TRUE(!is_mounted(merged));
}

/* Two layers, the upper one with whiteouts made from a tar: overlay must hide what
 * they cover. Run through both mount paths. */
TEST(overlay_whiteouts_hide_lower_files)
{
	_cleanup_tmpdir_ char *dir = make_tmpdir();
	_cleanup_free_ char *t1 = NULL, *t2 = NULL, *root = NULL, *id1 = NULL, *id2 = NULL,
			    *p = NULL;
	_cleanup_(umountp) char *merged = NULL;
	_cleanup_(berth_store_freep) struct berth_store *store = NULL;
	_cleanup_(imagep) struct berth_image *lower = NULL, *top = NULL;
	_cleanup_err_ struct berth_error *err = NULL;
	static const struct tent base[] = {
	    {'f', "foo", "foo", 0},
	    {'f', "keep", "keep", 0},
	    {'f', "d/x", "x", 0},
	};
	static const struct tent change[] = {
	    {'f', ".wh.foo", "", 0},
	    {'f', "d/.wh..wh..opq", "", 0},
	    {'f', "d/y", "y", 0},
	};

	SKIP_UNLESS_ROOT();
	ASSERT_EQ(private_mount_ns(), 0);
	ASSERT_TRUE(dir);
	t1 = xasprintf("%s/1.tar", dir);
	t2 = xasprintf("%s/2.tar", dir);
	root = xasprintf("%s/store", dir);
	merged = xasprintf("%s/merged", dir);
	ASSERT_EQ(mkdir(merged, 0755), 0);
	ASSERT_EQ(make_tar(t1, base, ELEMENTSOF(base), false), 0);
	ASSERT_EQ(make_tar(t2, change, ELEMENTSOF(change), false), 0);
	ASSERT_EQ(berth_store_open(root, &store, &err), 0);
	ASSERT_EQ(berth_image_import(store, t1, "base", &id1, &err), 0);
	ASSERT_EQ(berth_image_import(store, t2, "change", &id2, &err), 0);
	ASSERT_EQ(berth_image_lookup(store, "base", &lower, &err), 0);
	ASSERT_EQ(berth_image_lookup(store, "change", &top, &err), 0);

	for (int legacy = 0; legacy < 2; legacy++) {
		char *lowers[] = {top->layer_dirs[0], lower->layer_dirs[0], NULL};
		int r = legacy ? overlay_mount_legacy(lowers, NULL, NULL, merged, true, &err)
			       : overlay_mount(lowers, NULL, NULL, merged, true, &err);

		if (r < 0)
			TEST_FAIL_("mount (legacy=%d): %s", legacy, berth_error_message(err));
		ASSERT_TRUE(!exists_at(merged, "foo"));
		ASSERT_TRUE(exists_at(merged, "keep"));
		ASSERT_TRUE(!exists_at(merged, "d/x"));
		ASSERT_TRUE(exists_at(merged, "d/y"));
		p = xasprintf("%s/new", merged);
		ASSERT_TRUE(open(p, O_CREAT | O_WRONLY | O_CLOEXEC, 0644) < 0 && errno == EROFS);
		free(p);
		p = NULL;
		ASSERT_EQ(overlay_umount(merged, &err), 0);
		ASSERT_TRUE(!is_mounted(merged));
	}
}

TEST(overlay_legacy_escapes_separators)
{
	_cleanup_tmpdir_ char *dir = make_tmpdir();
	_cleanup_free_ char *odd = NULL, *upper = NULL, *work = NULL, *s = NULL;
	_cleanup_(umountp) char *merged = NULL;
	_cleanup_err_ struct berth_error *err = NULL;

	SKIP_UNLESS_ROOT();
	ASSERT_EQ(private_mount_ns(), 0);
	ASSERT_TRUE(dir);
	odd = xasprintf("%s/a:b,c", dir);
	upper = xasprintf("%s/up,per", dir);
	work = xasprintf("%s/wo:rk", dir);
	merged = xasprintf("%s/merged", dir);
	ASSERT_EQ(mkdir(odd, 0755) | mkdir(upper, 0755) | mkdir(work, 0700) | mkdir(merged, 0755),
		  0);
	s = xasprintf("%s/f", odd);
	ASSERT_EQ(write_file_atomic(s, "odd", 3, 0644), 0);
	{
		char *lowers[] = {odd, NULL};

		if (overlay_mount_legacy(lowers, upper, work, merged, false, &err) < 0)
			TEST_FAIL_("legacy mount: %s", berth_error_message(err));
	}
	free(s);
	s = read_at(merged, "f");
	ASSERT_STREQ(s, "odd");
	ASSERT_EQ(overlay_umount(merged, &err), 0);
}

/* Kernels without "lowerdir+" (before 6.8) take an image's layers in one page of mount(2)
 * options: 55 layers named as the store names them (<store>/layers/<sha256>/diff, ~80
 * bytes each) need more than a page with absolute paths and mount relative to the
 * directory they share; each layer's file is seen through the mount. 600 do not fit even
 * so, and the error says why. */
TEST(overlay_legacy_many_layers)
{
	_cleanup_tmpdir_ char *dir = make_tmpdir();
	_cleanup_(umountp) char *merged = NULL;
	_cleanup_err_ struct berth_error *err = NULL;
	enum { FIT = 55, TOO_MANY = 600 };
	char *lowers[TOO_MANY + 1] = {};
	size_t total = 0;

	SKIP_UNLESS_ROOT();
	ASSERT_EQ(private_mount_ns(), 0);
	ASSERT_TRUE(dir);
	merged = xasprintf("%s/merged", dir);
	ASSERT_EQ(mkdir(merged, 0755), 0);
	for (int i = 0; i < TOO_MANY; i++) {
		_cleanup_free_ char *layer = xasprintf("%s/layers/%064x", dir, i), *f = NULL;

		lowers[i] = xasprintf("%s/diff", layer);
		total += strlen(lowers[i]) + 1;
		ASSERT_EQ(mkdir_p(lowers[i], 0755), 0);
		if (i < FIT) {
			f = xasprintf("%s/f%d", lowers[i], i);
			ASSERT_EQ(write_file_atomic(f, "x", 1, 0644), 0);
		}
	}
	{
		char *saved = lowers[FIT];

		lowers[FIT] = NULL;
		ASSERT_TRUE(total * FIT / TOO_MANY > (size_t)sysconf(_SC_PAGESIZE));
		if (overlay_mount_legacy(lowers, NULL, NULL, merged, true, &err) < 0)
			TEST_FAIL_("legacy mount of %d layers: %s", FIT, berth_error_message(err));
		lowers[FIT] = saved;
	}
	for (int i = 0; i < FIT; i++) {
		_cleanup_free_ char *name = xasprintf("f%d", i);

		ASSERT_TRUE(exists_at(merged, name));
	}
	ASSERT_EQ(overlay_umount(merged, &err), 0);
	ASSERT_EQ(overlay_mount_legacy(lowers, NULL, NULL, merged, true, &err), -E2BIG);
	ASSERT_TRUE(strstr(berth_error_message(err), "600 layers need") != NULL);
	ASSERT_TRUE(!is_mounted(merged));
	for (int i = 0; i < TOO_MANY; i++)
		free(lowers[i]);
}

/* The real thing: a static busybox rootfs imported, mounted, and run. */
TEST(overlay_runs_busybox)
{
	_cleanup_tmpdir_ char *dir = make_tmpdir();
	_cleanup_free_ char *tar = NULL, *root = NULL, *id = NULL, *upper = NULL, *work = NULL,
			    *s = NULL;
	_cleanup_(umountp) char *merged = NULL;
	_cleanup_(berth_store_freep) struct berth_store *store = NULL;
	_cleanup_(imagep) struct berth_image *img = NULL;
	_cleanup_err_ struct berth_error *err = NULL;
	_cleanup_free_ char *busybox = NULL;
	size_t bb_size = 0;
	int status;
	pid_t pid;

	SKIP_UNLESS_ROOT();
	if (read_full_file("/bin/busybox", &busybox, &bb_size) < 0 || bb_size < 1024) {
		printf("# skipped: no /bin/busybox\n");
		return;
	}
	if (memmem(busybox, bb_size, "/lib64/ld-linux", 15)) {
		printf("# skipped: /bin/busybox is not static\n");
		return;
	}
	ASSERT_EQ(private_mount_ns(), 0);
	ASSERT_TRUE(dir);
	/* make_tar() takes strings; busybox has NULs, so write its tar by hand here. */
	tar = xasprintf("%s/bb.tar", dir);
	{
		struct archive *a = archive_write_new();
		struct archive_entry *e = archive_entry_new();

		ASSERT_TRUE(a && e);
		archive_write_set_format_pax_restricted(a);
		ASSERT_EQ(archive_write_open_filename(a, tar), ARCHIVE_OK);
		archive_entry_set_pathname(e, "bin/busybox");
		archive_entry_set_filetype(e, AE_IFREG);
		archive_entry_set_perm(e, 0755);
		archive_entry_set_size(e, (la_int64_t)bb_size);
		ASSERT_EQ(archive_write_header(a, e), ARCHIVE_OK);
		ASSERT_EQ(archive_write_data(a, busybox, bb_size), (la_ssize_t)bb_size);
		archive_entry_clear(e);
		archive_entry_set_pathname(e, "bin/sh");
		archive_entry_set_filetype(e, AE_IFLNK);
		archive_entry_set_perm(e, 0777);
		archive_entry_set_symlink(e, "busybox");
		ASSERT_EQ(archive_write_header(a, e), ARCHIVE_OK);
		archive_entry_free(e);
		ASSERT_EQ(archive_write_close(a), ARCHIVE_OK);
		archive_write_free(a);
	}
	root = xasprintf("%s/store", dir);
	upper = xasprintf("%s/upper", dir);
	work = xasprintf("%s/work", dir);
	merged = xasprintf("%s/merged", dir);
	ASSERT_EQ(mkdir(upper, 0755) | mkdir(work, 0700) | mkdir(merged, 0755), 0);
	ASSERT_EQ(berth_store_open(root, &store, &err), 0);
	ASSERT_EQ(berth_image_import(store, tar, "busybox", &id, &err), 0);
	ASSERT_EQ(berth_image_lookup(store, "busybox", &img, &err), 0);
	ASSERT_EQ(img->size, (int64_t)bb_size);
	ASSERT_EQ(overlay_mount(img->layer_dirs, upper, work, merged, false, &err), 0);

	pid = fork();
	ASSERT_TRUE(pid >= 0);
	if (pid == 0) {
		if (chroot(merged) < 0 || chdir("/") < 0)
			_exit(127);
		execl("/bin/sh", "sh", "-c", "echo hello from busybox > /out", (char *)NULL);
		_exit(127);
	}
	ASSERT_EQ(waitpid(pid, &status, 0), pid);
	ASSERT_TRUE(WIFEXITED(status));
	ASSERT_EQ(WEXITSTATUS(status), 0);
	s = read_at(upper, "out");
	ASSERT_STREQ(s, "hello from busybox\n");
	ASSERT_TRUE(!exists_at(img->layer_dirs[0], "out"));
	ASSERT_EQ(overlay_umount(merged, &err), 0);
	ASSERT_TRUE(!is_mounted(merged));
}

TEST_MAIN()
