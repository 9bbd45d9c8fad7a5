/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* berth_image_load(): docker-archive and OCI layout tarballs built here in memory. */
#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include "berth/error.h"
#include "berth/image.h"
#include "berth/cleanup.h"
#include "image/config.h"
#include "image/sha256.h"
#include "image/store.h"
#include "test.h"
#include "berth/util.h"

#define TAR_MAX (1 << 20)

static void tmpdir_cleanup(char **p)
{
	if (*p) {
		store_rm_tree_at(AT_FDCWD, *p);
		free(*p);
	}
}
#define _cleanup_tmpdir_ _cleanup_(tmpdir_cleanup)

static void imagep(struct berth_image **i)
{
	berth_image_free(*i);
}
static void errp(struct berth_error **e)
{
	berth_error_free(*e);
}
#define _cleanup_err_ _cleanup_(errp)

/* A tar member: 'f' file, 'd' dir; data/len for files (len 0: strlen). */
struct ment {
	char type;
	const char *name;
	const char *data;
	size_t len;
};

struct mbuf {
	char *data;
	size_t n;
};

static void mbuf_release(struct mbuf *b)
{
	free(b->data);
	*b = (struct mbuf){0};
}
#define _cleanup_mbuf_ _cleanup_(mbuf_release)

static int tar_mem(const struct ment *ents, size_t n, bool gzip, struct mbuf *ret)
{
	struct archive *a = archive_write_new();
	char *buf = malloc(TAR_MAX);
	size_t used = 0;
	int r = 0;

	if (!a || !buf) {
		free(buf);
		archive_write_free(a);
		return -ENOMEM;
	}
	archive_write_set_format_pax_restricted(a);
	if (gzip)
		archive_write_add_filter_gzip(a);
	if (archive_write_open_memory(a, buf, TAR_MAX, &used) != ARCHIVE_OK)
		r = -EIO;
	for (size_t i = 0; i < n && r == 0; i++) {
		struct archive_entry *e = archive_entry_new();
		size_t len = ents[i].data ? (ents[i].len ? ents[i].len : strlen(ents[i].data)) : 0;

		archive_entry_set_pathname(e, ents[i].name);
		archive_entry_set_mtime(e, 1500000000, 0);
		archive_entry_set_filetype(e, ents[i].type == 'd' ? AE_IFDIR : AE_IFREG);
		archive_entry_set_perm(e, ents[i].type == 'd' ? 0755 : 0644);
		archive_entry_set_size(e, (la_int64_t)len);
		if (archive_write_header(a, e) != ARCHIVE_OK)
			r = -EIO;
		if (r == 0 && len && archive_write_data(a, ents[i].data, len) != (la_ssize_t)len)
			r = -EIO;
		archive_entry_free(e);
	}
	if (archive_write_close(a) != ARCHIVE_OK)
		r = -EIO;
	archive_write_free(a);
	if (r < 0) {
		free(buf);
		return r;
	}
	*ret = (struct mbuf){buf, used};
	return 0;
}

static int write_file(const char *path, const struct mbuf *b)
{
	_cleanup_close_ int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

	if (fd < 0)
		return -errno;
	return loop_write(fd, b->data, b->n);
}

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

/* The two layers of the test image: layer 2 whites out etc/hostname and adds a file.
 * bad_path puts a hostile "../evil" into layer 2. */
struct layers {
	struct mbuf l1, l2;	  /* l2 gzipped */
	char d1[SHA256_HEX_SIZE]; /* diff ids */
	char d2[SHA256_HEX_SIZE];
	char b2[SHA256_HEX_SIZE]; /* blob digest of l2 */
};

static void layers_release(struct layers *l)
{
	mbuf_release(&l->l1);
	mbuf_release(&l->l2);
}

static int make_layers(struct layers *l, const char *added, bool bad_path)
{
	const struct ment one[] = {
	    {'d', "etc", NULL, 0},
	    {'f', "etc/hostname", "base\n", 0},
	    {'f', "etc/keep", "keep\n", 0},
	};
	const struct ment two[] = {
	    {'d', "etc", NULL, 0},
	    {'f', "etc/.wh.hostname", "", 0},
	    {'f', bad_path ? "../evil" : "added", added, 0},
	};
	struct mbuf plain = {0};
	int r;

	r = tar_mem(one, ELEMENTSOF(one), false, &l->l1);
	if (r == 0)
		r = tar_mem(two, ELEMENTSOF(two), false, &plain);
	if (r == 0)
		r = tar_mem(two, ELEMENTSOF(two), true, &l->l2);
	if (r < 0) {
		mbuf_release(&plain);
		return r;
	}
	sha256_hex(l->l1.data, l->l1.n, l->d1);
	sha256_hex(plain.data, plain.n, l->d2);
	sha256_hex(l->l2.data, l->l2.n, l->b2);
	mbuf_release(&plain);
	return 0;
}

static char *make_config(const char *d1, const char *d2)
{
	return xasprintf("{\"architecture\":\"%s\",\"os\":\"linux\","
			 "\"config\":{\"Env\":[\"PATH=/bin\"],\"Cmd\":[\"sh\"]},"
			 "\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"sha256:%s\","
			 "\"sha256:%s\"]}}",
			 image_host_architecture(), d1, d2);
}

/* A docker-archive: <config hex>.json, l1/layer.tar, l2/layer.tar, manifest.json. */
static int make_docker_archive(const char *path, const struct layers *l, const char *config,
			       const char *tag)
{
	_cleanup_mbuf_ struct mbuf out = {0};
	_cleanup_free_ char *manifest = NULL, *cfg_name = NULL;
	char hex[SHA256_HEX_SIZE];
	int r;

	sha256_hex(config, strlen(config), hex);
	cfg_name = xasprintf("%s.json", hex);
	manifest = xasprintf("[{\"Config\":\"%s\",\"RepoTags\":[\"%s\"],"
			     "\"Layers\":[\"l1/layer.tar\",\"l2/layer.tar\"]}]",
			     cfg_name, tag);
	{
		const struct ment ents[] = {
		    {'f', cfg_name, config, 0},
		    {'d', "l1", NULL, 0},
		    {'f', "l1/layer.tar", l->l1.data, l->l1.n},
		    {'d', "l2", NULL, 0},
		    {'f', "./l2/layer.tar", l->l2.data, l->l2.n},
		    {'f', "manifest.json", manifest, 0},
		};

		r = tar_mem(ents, ELEMENTSOF(ents), false, &out);
	}
	return r < 0 ? r : write_file(path, &out);
}

/* An OCI layout whose index.json points to an image index with an arm/"other" and a
 * host-arch manifest. layer2_digest overrides the layer 2 descriptor digest. */
static int make_oci_layout(const char *path, const struct layers *l, const char *config,
			   const char *ref, const char *layer2_digest)
{
	_cleanup_mbuf_ struct mbuf out = {0};
	_cleanup_free_ char *manifest = NULL, *other = NULL, *index = NULL, *top = NULL;
	_cleanup_free_ char *p_cfg = NULL, *p_l1 = NULL, *p_l2 = NULL, *p_man = NULL,
			    *p_other = NULL, *p_index = NULL;
	char h_cfg[SHA256_HEX_SIZE], h_l1[SHA256_HEX_SIZE], h_man[SHA256_HEX_SIZE],
	    h_other[SHA256_HEX_SIZE], h_index[SHA256_HEX_SIZE];
	const char *mt = "application/vnd.oci.image.manifest.v1+json";
	int r;

	sha256_hex(config, strlen(config), h_cfg);
	sha256_hex(l->l1.data, l->l1.n, h_l1);
	manifest = xasprintf(
	    "{\"schemaVersion\":2,\"mediaType\":\"%s\",\"config\":{\"mediaType\":"
	    "\"application/vnd.oci.image.config.v1+json\",\"digest\":\"sha256:%s\",\"size\":%zu},"
	    "\"layers\":[{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar\",\"digest\":"
	    "\"sha256:%s\",\"size\":%zu},{\"mediaType\":"
	    "\"application/vnd.oci.image.layer.v1.tar+gzip\",\"digest\":\"%s%s\",\"size\":%zu}]}",
	    mt, h_cfg, strlen(config), h_l1, l->l1.n,
	    layer2_digest ? "" : "sha256:", layer2_digest ? layer2_digest : l->b2, l->l2.n);
	/* A manifest for another platform, whose blobs are absent: must not be read. */
	other = xasprintf("{\"schemaVersion\":2,\"mediaType\":\"%s\",\"config\":{\"digest\":"
			  "\"sha256:%064d\"},\"layers\":[]}",
			  mt, 0);
	sha256_hex(manifest, strlen(manifest), h_man);
	sha256_hex(other, strlen(other), h_other);
	index = xasprintf("{\"schemaVersion\":2,\"mediaType\":"
			  "\"application/vnd.oci.image.index.v1+json\",\"manifests\":["
			  "{\"mediaType\":\"%s\",\"digest\":\"sha256:%s\",\"size\":%zu,"
			  "\"platform\":{\"os\":\"linux\",\"architecture\":\"other\"}},"
			  "{\"mediaType\":\"%s\",\"digest\":\"sha256:%s\",\"size\":%zu,"
			  "\"platform\":{\"os\":\"linux\",\"architecture\":\"%s\"}}]}",
			  mt, h_other, strlen(other), mt, h_man, strlen(manifest),
			  image_host_architecture());
	sha256_hex(index, strlen(index), h_index);
	top = xasprintf("{\"schemaVersion\":2,\"manifests\":[{\"mediaType\":"
			"\"application/vnd.oci.image.index.v1+json\",\"digest\":\"sha256:%s\","
			"\"size\":%zu,\"annotations\":{\"org.opencontainers.image.ref.name\":"
			"\"%s\"}}]}",
			h_index, strlen(index), ref);
	p_cfg = xasprintf("blobs/sha256/%s", h_cfg);
	p_l1 = xasprintf("blobs/sha256/%s", h_l1);
	/* A wrong layer2_digest names the file too: its content then does not match. */
	p_l2 = xasprintf("blobs/sha256/%s", layer2_digest ? layer2_digest + 7 : l->b2);
	p_man = xasprintf("blobs/sha256/%s", h_man);
	p_other = xasprintf("blobs/sha256/%s", h_other);
	p_index = xasprintf("blobs/sha256/%s", h_index);
	{
		const struct ment ents[] = {
		    {'f', "oci-layout", "{\"imageLayoutVersion\":\"1.0.0\"}", 0},
		    {'f', "index.json", top, 0},
		    {'d', "blobs", NULL, 0},
		    {'d', "blobs/sha256", NULL, 0},
		    {'f', p_cfg, config, 0},
		    {'f', p_l1, l->l1.data, l->l1.n},
		    {'f', p_l2, l->l2.data, l->l2.n},
		    {'f', p_man, manifest, 0},
		    {'f', p_other, other, 0},
		    {'f', p_index, index, 0},
		};

		r = tar_mem(ents, ELEMENTSOF(ents), true, &out);
	}
	return r < 0 ? r : write_file(path, &out);
}

/* Layer 2 (topmost, layer_dirs[0]) has the added file and a whiteout for
 * etc/hostname; layer 1 the original. */
static void check_two_layers(int *test_failed_, struct berth_image *img, const char *added)
{
	_cleanup_free_ char *p = NULL, *s = NULL;
	struct stat st;

	ASSERT_EQ(strv_length(img->layer_dirs), 2);
	p = xasprintf("%s/added", img->layer_dirs[0]);
	ASSERT_EQ(read_full_file(p, &s, NULL), 0);
	ASSERT_STREQ(s, added);
	free(p);
	p = xasprintf("%s/etc/hostname", img->layer_dirs[0]);
	ASSERT_EQ(lstat(p, &st), 0);
	ASSERT_TRUE(S_ISCHR(st.st_mode) && st.st_rdev == makedev(0, 0));
	ASSERT_TRUE(!exists_at(img->layer_dirs[0], "etc/.wh.hostname"));
	ASSERT_TRUE(exists_at(img->layer_dirs[1], "etc/hostname"));
	ASSERT_TRUE(exists_at(img->layer_dirs[1], "etc/keep"));
	ASSERT_TRUE(!exists_at(img->layer_dirs[1], "added"));
}

static void expect_id(int *test_failed_, char **ids, const char *config)
{
	char hex[SHA256_HEX_SIZE];
	_cleanup_free_ char *want = NULL;

	sha256_hex(config, strlen(config), hex);
	want = xasprintf("sha256:%s", hex);
	ASSERT_TRUE(ids && ids[0] && !ids[1]);
	ASSERT_STREQ(ids[0], want);
}

#define SKIP_UNLESS_ROOT()                                                                         \
	do {                                                                                       \
		if (geteuid() != 0) {                                                              \
			printf("# skipped: needs root (whiteouts are device nodes)\n");            \
			return;                                                                    \
		}                                                                                  \
	} while (0)

TEST(load_docker_archive_shares_layers)
{
	_cleanup_tmpdir_ char *dir = NULL;
	_cleanup_free_ char *root = NULL, *a1 = NULL, *a2 = NULL, *c1 = NULL, *c2 = NULL,
			    *layers_dir = NULL;
	_cleanup_strv_free_ char **ids = NULL, **ids2 = NULL, **names = NULL;
	_cleanup_(berth_store_freep) struct berth_store *store = NULL;
	_cleanup_(imagep) struct berth_image *img = NULL, *img2 = NULL;
	_cleanup_err_ struct berth_error *err = NULL;
	struct layers l = {0}, m = {0};
	char t[] = "/tmp/berth-test-load-XXXXXX";

	SKIP_UNLESS_ROOT();
	dir = strdup(mkdtemp(t));
	root = xasprintf("%s/store", dir);
	a1 = xasprintf("%s/one.tar", dir);
	a2 = xasprintf("%s/two.tar", dir);
	layers_dir = xasprintf("%s/layers", root);
	ASSERT_EQ(make_layers(&l, "added\n", false), 0);
	ASSERT_EQ(make_layers(&m, "other\n", false), 0); /* same layer 1, other layer 2 */
	c1 = make_config(l.d1, l.d2);
	c2 = make_config(m.d1, m.d2);
	ASSERT_EQ(make_docker_archive(a1, &l, c1, "multi:v1"), 0);
	ASSERT_EQ(make_docker_archive(a2, &m, c2, "example.com/multi:v2"), 0);

	ASSERT_EQ(berth_store_open(root, &store, &err), 0);
	if (berth_image_load(store, a1, &ids, NULL, &err) < 0)
		TEST_FAIL_("load: %s", berth_error_message(err));
	expect_id(test_failed_, ids, c1);
	ASSERT_EQ(berth_image_lookup(store, "multi:v1", &img, &err), 0);
	ASSERT_STREQ(img->id, ids[0]);
	check_two_layers(test_failed_, img, "added\n");
	if (*test_failed_)
		return;
	ASSERT_EQ(count_entries(layers_dir), 2);

	/* Layer 1 is shared: unpacked once; only the new top layer is added. */
	ASSERT_EQ(berth_image_load(store, a2, &ids2, &names, &err), 0);
	expect_id(test_failed_, ids2, c2);
	/* what docker's load prints: the archive's tag, familiar */
	ASSERT_STREQ(names[0], "example.com/multi:v2");
	ASSERT_EQ(names[1], NULL);
	ASSERT_EQ(berth_image_lookup(store, "example.com/multi:v2", &img2, &err), 0);
	check_two_layers(test_failed_, img2, "other\n");
	ASSERT_STREQ(img->layer_dirs[1], img2->layer_dirs[1]);
	ASSERT_EQ(count_entries(layers_dir), 3);

	/* Loading again changes nothing. */
	strv_free(ids);
	ids = NULL;
	ASSERT_EQ(berth_image_load(store, a1, &ids, NULL, &err), 0);
	expect_id(test_failed_, ids, c1);
	ASSERT_EQ(count_entries(layers_dir), 3);
	layers_release(&l);
	layers_release(&m);
}

TEST(load_oci_layout_from_fd)
{
	_cleanup_tmpdir_ char *dir = NULL;
	_cleanup_free_ char *root = NULL, *a = NULL, *c = NULL;
	_cleanup_strv_free_ char **ids = NULL;
	_cleanup_(berth_store_freep) struct berth_store *store = NULL;
	_cleanup_(imagep) struct berth_image *img = NULL;
	_cleanup_err_ struct berth_error *err = NULL;
	struct layers l = {0};
	char t[] = "/tmp/berth-test-load-XXXXXX";
	int p[2], fd, r, st;
	pid_t writer;

	SKIP_UNLESS_ROOT();
	dir = strdup(mkdtemp(t));
	root = xasprintf("%s/store", dir);
	a = xasprintf("%s/oci.tar.gz", dir);
	ASSERT_EQ(make_layers(&l, "oci\n", false), 0);
	c = make_config(l.d1, l.d2);
	ASSERT_EQ(make_oci_layout(a, &l, c, "quay.io/x/multi:oci", NULL), 0);
	ASSERT_EQ(berth_store_open(root, &store, &err), 0);

	/* through a pipe of ours, as `berth load` passes its stdin: not seekable */
	fd = open(a, O_RDONLY | O_CLOEXEC);
	ASSERT_TRUE(fd >= 0);
	ASSERT_EQ(pipe2(p, O_CLOEXEC), 0);
	writer = fork();
	ASSERT_TRUE(writer >= 0);
	if (writer == 0) {
		char buf[4096];
		ssize_t n;

		close(p[0]);
		while ((n = read(fd, buf, sizeof(buf))) > 0)
			if (loop_write(p[1], buf, (size_t)n) < 0)
				_exit(1);
		_exit(n < 0);
	}
	close(fd);
	close(p[1]);
	r = berth_image_load_fd(store, p[0], &ids, NULL, &err);
	/* the fd is the caller's: still open */
	ASSERT_TRUE(fcntl(p[0], F_GETFD) >= 0);
	close(p[0]);
	ASSERT_EQ(waitpid(writer, &st, 0), writer);
	ASSERT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	if (r < 0)
		TEST_FAIL_("load: %s", berth_error_message(err));
	expect_id(test_failed_, ids, c);
	ASSERT_EQ(berth_image_lookup(store, "quay.io/x/multi:oci", &img, &err), 0);
	check_two_layers(test_failed_, img, "oci\n");
	layers_release(&l);
}

/* A refused archive leaves the store as it was: no layer, no blob, no index. */
static void expect_refused(int *test_failed_, const char *root, struct berth_store *store,
			   const char *archive, const char *named)
{
	_cleanup_free_ char *layers = xasprintf("%s/layers", root),
			    *blobs = xasprintf("%s/blobs/sha256", root);
	_cleanup_err_ struct berth_error *err = NULL;
	_cleanup_(imagep) struct berth_image *img = NULL;
	char **ids = NULL;

	if (berth_image_load(store, archive, &ids, NULL, &err) >= 0)
		TEST_FAIL_("'%s' was loaded", archive);
	ASSERT_TRUE(ids == NULL);
	ASSERT_CONTAINS(berth_error_message(err), named);
	ASSERT_EQ(count_entries(layers), 0);
	ASSERT_EQ(count_entries(blobs), 0);
	ASSERT_TRUE(!exists_at(root, "images/index.json"));
	ASSERT_EQ(berth_image_lookup(store, "multi:bad", &img, NULL), -ENOENT);
}

TEST(load_refuses_digest_mismatch)
{
	_cleanup_tmpdir_ char *dir = NULL;
	_cleanup_free_ char *root = NULL, *a = NULL, *b = NULL, *c = NULL, *wrong = NULL;
	_cleanup_(berth_store_freep) struct berth_store *store = NULL;
	struct layers l = {0};
	char t[] = "/tmp/berth-test-load-XXXXXX";

	dir = strdup(mkdtemp(t));
	root = xasprintf("%s/store", dir);
	a = xasprintf("%s/docker.tar", dir);
	b = xasprintf("%s/oci.tar", dir);
	ASSERT_EQ(make_layers(&l, "added\n", false), 0);
	/* The config claims layer 2 has layer 1's content. */
	c = make_config(l.d1, l.d1);
	ASSERT_EQ(make_docker_archive(a, &l, c, "multi:bad"), 0);
	ASSERT_EQ(berth_store_open(root, &store, NULL), 0);
	expect_refused(test_failed_, root, store, a, "layer 'l2/layer.tar': content hashes to");

	/* OCI: the descriptor of layer 2 names other bytes than the blob file holds. */
	free(c);
	c = make_config(l.d1, l.d2);
	wrong = xasprintf("sha256:%s", l.b2);
	wrong[7] = wrong[7] == 'a' ? 'b' : 'a';
	ASSERT_EQ(make_oci_layout(b, &l, c, "multi:bad", wrong), 0);
	expect_refused(test_failed_, root, store, b, "content hashes to");
	expect_refused(test_failed_, root, store, b, "layer 'sha256:");
	layers_release(&l);
}

TEST(load_refuses_hostile_layer)
{
	_cleanup_tmpdir_ char *dir = NULL;
	_cleanup_free_ char *root = NULL, *a = NULL, *c = NULL;
	_cleanup_(berth_store_freep) struct berth_store *store = NULL;
	struct layers l = {0};
	char t[] = "/tmp/berth-test-load-XXXXXX";

	dir = strdup(mkdtemp(t));
	root = xasprintf("%s/store", dir);
	a = xasprintf("%s/docker.tar", dir);
	ASSERT_EQ(make_layers(&l, "x", true), 0);
	c = make_config(l.d1, l.d2);
	ASSERT_EQ(make_docker_archive(a, &l, c, "multi:bad"), 0);
	ASSERT_EQ(berth_store_open(root, &store, NULL), 0);
	expect_refused(test_failed_, root, store, a, "'../evil'");
	ASSERT_TRUE(!exists_at(dir, "evil"));
	ASSERT_TRUE(!exists_at(root, "evil"));
	ASSERT_TRUE(!exists_at(root, "layers/evil"));
	layers_release(&l);
}

TEST(load_refuses_garbage)
{
	_cleanup_tmpdir_ char *dir = NULL;
	_cleanup_free_ char *root = NULL, *a = NULL;
	_cleanup_(berth_store_freep) struct berth_store *store = NULL;
	_cleanup_mbuf_ struct mbuf out = {0};
	const struct ment ents[] = {
	    {'f', "manifest.json", "[{\"Config\":\"../x.json\",\"Layers\":[]}]", 0},
	};
	char t[] = "/tmp/berth-test-load-XXXXXX";

	dir = strdup(mkdtemp(t));
	root = xasprintf("%s/store", dir);
	a = xasprintf("%s/bad.tar", dir);
	ASSERT_EQ(tar_mem(ents, ELEMENTSOF(ents), false, &out), 0);
	ASSERT_EQ(write_file(a, &out), 0);
	ASSERT_EQ(berth_store_open(root, &store, NULL), 0);
	expect_refused(test_failed_, root, store, a, "manifest.json");
}

TEST_MAIN()
