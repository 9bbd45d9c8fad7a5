/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The registry client's parsers: references, manifests and indexes, credentials. */
#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "berth/error.h"
#include "berth/cleanup.h"
#include "image/config.h"
#include "image/registry.h"
#include "image/store.h"
#include "test.h"
#include "berth/util.h"

#define HEX64 "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
#define DIGEST "sha256:" HEX64

static void errp(struct berth_error **e)
{
	berth_error_free(*e);
}

TEST(base64_round_trip)
{
	const char *in[] = {"", "f", "fo", "foo", "foob", "fooba", "foobar", "user:pass"};
	const char *out[] = {"", "Zg==", "Zm8=", "Zm9v", "Zm9vYg==", "Zm9vYmE=", "Zm9vYmFy",
			     "dXNlcjpwYXNz"};

	for (size_t i = 0; i < ELEMENTSOF(in); i++) {
		_cleanup_free_ char *e = base64_encode(in[i], strlen(in[i])), *d = NULL;
		size_t n;

		ASSERT_STREQ(e, out[i]);
		ASSERT_EQ(base64_decode(e, &d, &n), 0);
		ASSERT_STREQ(d, in[i]);
		ASSERT_EQ(n, strlen(in[i]));
	}
}

TEST(base64_refuses_garbage)
{
	char *d = NULL;

	ASSERT_EQ(base64_decode("Zm9v!", &d, NULL), -EINVAL);
	ASSERT_EQ(base64_decode("Zg=a", &d, NULL), -EINVAL);
	ASSERT_EQ(base64_decode("Zg===", &d, NULL), -EINVAL);
	ASSERT_TRUE(d == NULL);
}

TEST(ref_parse_normalises_like_docker)
{
	struct reg_ref r = {0};

	ASSERT_EQ(reg_ref_parse("busybox", &r, NULL), 0);
	ASSERT_STREQ(r.registry, "docker.io");
	ASSERT_STREQ(r.repo, "library/busybox");
	ASSERT_STREQ(r.tag, "latest");
	ASSERT_STREQ(r.full, "docker.io/library/busybox:latest");
	ASSERT_TRUE(r.digest == NULL);
	reg_ref_release(&r);

	ASSERT_EQ(reg_ref_parse("localhost:5000/a/b:v1", &r, NULL), 0);
	ASSERT_STREQ(r.registry, "localhost:5000");
	ASSERT_STREQ(r.repo, "a/b");
	ASSERT_STREQ(r.tag, "v1");
	reg_ref_release(&r);

	/* A digest wins over a tag, and leaves the image untagged. */
	ASSERT_EQ(reg_ref_parse("quay.io/x/y:v2@" DIGEST, &r, NULL), 0);
	ASSERT_STREQ(r.registry, "quay.io");
	ASSERT_STREQ(r.repo, "x/y");
	ASSERT_STREQ(r.digest, DIGEST);
	ASSERT_TRUE(r.tag == NULL && r.full == NULL);
	reg_ref_release(&r);
}

TEST(ref_parse_refuses_bad_refs)
{
	_cleanup_(errp) struct berth_error *err = NULL;
	struct reg_ref r = {0};

	ASSERT_EQ(reg_ref_parse("busybox@sha256:abc", &r, &err), -EINVAL);
	ASSERT_CONTAINS(berth_error_message(err), "unsupported digest");
	ASSERT_EQ(reg_ref_parse("Busybox", &r, NULL), -EINVAL);
	ASSERT_EQ(reg_ref_parse("", &r, NULL), -EINVAL);
	ASSERT_TRUE(r.registry == NULL);
}

TEST(manifest_kind)
{
	_cleanup_(errp) struct berth_error *err = NULL;
	const char *idx = "{\"schemaVersion\":2,\"manifests\":[]}";
	const char *man = "{\"schemaVersion\":2,\"config\":{},\"layers\":[]}";
	const char *v1 = "{\"schemaVersion\":1,\"fsLayers\":[]}";

	ASSERT_EQ(reg_manifest_kind(idx, strlen(idx), MT_OCI_INDEX, NULL), 1);
	ASSERT_EQ(reg_manifest_kind(idx, strlen(idx), "application/json; charset=utf-8", NULL), 1);
	ASSERT_EQ(reg_manifest_kind(man, strlen(man), MT_DOCKER_MANIFEST, NULL), 0);
	ASSERT_EQ(reg_manifest_kind(man, strlen(man), NULL, NULL), 0);
	ASSERT_EQ(reg_manifest_kind(v1, strlen(v1), MT_DOCKER_SCHEMA1_SIGNED, &err), -EINVAL);
	ASSERT_CONTAINS(berth_error_message(err), "schema 1");
	ASSERT_EQ(reg_manifest_kind("[]", 2, NULL, NULL), -EINVAL);
	ASSERT_EQ(reg_manifest_kind("{", 1, NULL, NULL), -EINVAL);
}

TEST(index_pick_takes_the_host_platform)
{
	_cleanup_free_ char *json = NULL, *d = NULL;
	_cleanup_(errp) struct berth_error *err = NULL;
	const char *other = strcmp(image_host_architecture(), "arm64") ? "arm64" : "amd64";

	json = xasprintf("{\"manifests\":["
			 "{\"digest\":\"sha256:%s\",\"platform\":{\"os\":\"linux\",\"architecture\":\"%s\"}},"
			 "{\"digest\":\"sha256:%s\",\"platform\":{\"os\":\"unknown\",\"architecture\":\"unknown\"}},"
			 "{\"digest\":\"" DIGEST "\",\"platform\":{\"os\":\"linux\",\"architecture\":\"%s\"}}]}",
			 HEX64, other, HEX64, image_host_architecture());
	ASSERT_TRUE(json != NULL);
	ASSERT_EQ(reg_index_pick(json, strlen(json), &d, NULL), 0);
	ASSERT_STREQ(d, DIGEST);

	free(json);
	json = xasprintf("{\"manifests\":[{\"digest\":\"" DIGEST
			 "\",\"platform\":{\"os\":\"linux\",\"architecture\":\"%s\"}}]}",
			 other);
	ASSERT_EQ(reg_index_pick(json, strlen(json), &d, &err), -ENOENT);
	ASSERT_CONTAINS(berth_error_message(err), "no image for linux/");
}

TEST(manifest_parse)
{
	struct reg_manifest m = {0};
	const char *ok = "{\"schemaVersion\":2,\"mediaType\":\"" MT_DOCKER_MANIFEST "\","
			 "\"config\":{\"mediaType\":\"" MT_DOCKER_CONFIG "\",\"digest\":\"" DIGEST
			 "\",\"size\":12},\"layers\":[{\"mediaType\":"
			 "\"application/vnd.docker.image.rootfs.diff.tar.gzip\",\"digest\":\"" DIGEST
			 "\",\"size\":34}]}";

	ASSERT_EQ(reg_manifest_parse(ok, strlen(ok), NULL, &m, NULL), 0);
	ASSERT_STREQ(m.media_type, MT_DOCKER_MANIFEST);
	ASSERT_STREQ(m.config.digest, DIGEST);
	ASSERT_EQ(m.config.size, 12);
	ASSERT_EQ(m.n_layers, 1);
	ASSERT_EQ(m.layers[0].size, 34);
	reg_manifest_release(&m);
}

TEST(manifest_parse_refuses_bad_descriptors)
{
	const char *bad[] = {
	    /* no layers */
	    "{\"schemaVersion\":2,\"config\":{\"digest\":\"" DIGEST "\",\"size\":1},\"layers\":[]}",
	    /* negative size */
	    "{\"schemaVersion\":2,\"config\":{\"digest\":\"" DIGEST "\",\"size\":-1},\"layers\":"
	    "[{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar\",\"digest\":\"" DIGEST
	    "\",\"size\":1}]}",
	    /* a digest that is no sha256 */
	    "{\"schemaVersion\":2,\"config\":{\"digest\":\"md5:00\",\"size\":1},\"layers\":"
	    "[{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar\",\"digest\":\"" DIGEST
	    "\",\"size\":1}]}",
	    /* a foreign layer */
	    "{\"schemaVersion\":2,\"config\":{\"digest\":\"" DIGEST "\",\"size\":1},\"layers\":"
	    "[{\"mediaType\":\"application/vnd.docker.image.rootfs.foreign.diff.tar.gzip\","
	    "\"digest\":\"" DIGEST "\",\"size\":1}]}",
	    /* a layer path instead of a tar */
	    "{\"schemaVersion\":2,\"config\":{\"digest\":\"" DIGEST "\",\"size\":1},\"layers\":"
	    "[{\"mediaType\":\"text/plain\",\"digest\":\"" DIGEST "\",\"size\":1}]}",
	};

	for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
		struct reg_manifest m = {0};

		ASSERT_EQ(reg_manifest_parse(bad[i], strlen(bad[i]), NULL, &m, NULL), -EINVAL);
		ASSERT_TRUE(m.layers == NULL);
	}
}

TEST(manifest_format_picks_the_family)
{
	struct reg_descriptor cfg = {.digest = (char *)DIGEST, .size = 7};
	struct reg_descriptor docker[] = {
	    {(char *)"application/vnd.docker.image.rootfs.diff.tar.gzip", (char *)DIGEST, 10},
	};
	struct reg_descriptor mixed[] = {
	    {(char *)"application/vnd.docker.image.rootfs.diff.tar.gzip", (char *)DIGEST, 10},
	    {(char *)"application/vnd.oci.image.layer.v1.tar+zstd", (char *)DIGEST, 11},
	};
	_cleanup_free_ char *a = NULL, *b = NULL;
	struct reg_manifest m = {0};
	const char *mt;
	size_t n;

	ASSERT_EQ(reg_manifest_format(&cfg, docker, 1, &a, &n, &mt), 0);
	ASSERT_STREQ(mt, MT_DOCKER_MANIFEST);
	ASSERT_CONTAINS(a, MT_DOCKER_CONFIG);
	ASSERT_EQ(reg_manifest_parse(a, n, mt, &m, NULL), 0);
	ASSERT_STREQ(m.layers[0].media_type, "application/vnd.docker.image.rootfs.diff.tar.gzip");
	reg_manifest_release(&m);

	ASSERT_EQ(reg_manifest_format(&cfg, mixed, 2, &b, &n, &mt), 0);
	ASSERT_STREQ(mt, MT_OCI_MANIFEST);
	ASSERT_EQ(reg_manifest_parse(b, n, mt, &m, NULL), 0);
	ASSERT_STREQ(m.media_type, MT_OCI_MANIFEST);
	ASSERT_STREQ(m.layers[0].media_type, "application/vnd.oci.image.layer.v1.tar+gzip");
	ASSERT_STREQ(m.layers[1].media_type, "application/vnd.oci.image.layer.v1.tar+zstd");
	ASSERT_EQ(m.config.size, 7);
	reg_manifest_release(&m);
}

TEST(credentials_lookup)
{
	char path[] = "/tmp/berth-test-creds.XXXXXX";
	const char *json = "{\"auths\": {"
			   "\"https://index.docker.io/v1/\": {\"auth\": \"aHViOnB3\"},"
			   "\"http://127.0.0.1:5000/v2/\": {\"auth\": \"dTpw\"},"
			   "\"plain.example\": {\"username\": \"a\", \"password\": \"b:c\"},"
			   "\"broken.example\": {\"auth\": \"bm9jb2xvbg==\"}}}";
	struct berth_registry_options o = {.auth_file = path};
	_cleanup_(errp) struct berth_error *err = NULL;
	char *user = NULL, *pass = NULL;
	int fd = mkstemp(path);

	ASSERT_TRUE(fd >= 0);
	ASSERT_EQ(loop_write(fd, json, strlen(json)), 0);
	close(fd);

	ASSERT_EQ(cred_lookup(&o, "docker.io", &user, &pass, NULL), 0);
	ASSERT_STREQ(user, "hub");
	ASSERT_STREQ(pass, "pw");
	free(user), free(pass);
	ASSERT_EQ(cred_lookup(&o, "127.0.0.1:5000", &user, &pass, NULL), 0);
	ASSERT_STREQ(user, "u");
	ASSERT_STREQ(pass, "p");
	free(user), free(pass);
	ASSERT_EQ(cred_lookup(&o, "plain.example", &user, &pass, NULL), 0);
	ASSERT_STREQ(pass, "b:c");
	free(user), free(pass);
	ASSERT_EQ(cred_lookup(&o, "other.example", &user, &pass, NULL), 0);
	ASSERT_TRUE(user == NULL && pass == NULL);
	ASSERT_EQ(cred_lookup(&o, "broken.example", &user, &pass, &err), -EINVAL);
	ASSERT_CONTAINS(berth_error_message(err), "malformed auth");
	unlink(path);

	/* No file: no credentials. */
	ASSERT_EQ(cred_lookup(&o, "docker.io", &user, &pass, NULL), 0);
	ASSERT_TRUE(user == NULL);
}

TEST(credentials_key)
{
	_cleanup_free_ char *a = NULL, *b = NULL, *c = NULL;

	ASSERT_EQ(cred_key("docker.io", &a), 0);
	ASSERT_STREQ(a, REG_DOCKER_HUB_AUTH_KEY);
	ASSERT_EQ(cred_key("https://127.0.0.1:5000/v2/", &b), 0);
	ASSERT_STREQ(b, "127.0.0.1:5000");
	ASSERT_EQ(cred_key("quay.io", &c), 0);
	ASSERT_STREQ(c, "quay.io");
}

/* A finished blob holding a one-file tar ("hello" with text). */
static int tar_blob(struct berth_store *s, const char *text, struct blob_writer *w)
{
	struct archive *a = archive_write_new();
	struct archive_entry *e = archive_entry_new();
	char buf[10240];
	size_t used = 0;

	archive_write_set_format_pax_restricted(a);
	archive_write_open_memory(a, buf, sizeof(buf), &used);
	archive_entry_set_pathname(e, "hello");
	archive_entry_set_filetype(e, AE_IFREG);
	archive_entry_set_perm(e, 0644);
	archive_entry_set_size(e, (la_int64_t)strlen(text));
	archive_write_header(a, e);
	archive_write_data(a, text, strlen(text));
	archive_write_close(a);
	archive_write_free(a);
	archive_entry_free(e);
	*w = (struct blob_writer)BLOB_WRITER_INIT;
	if (store_blob_begin(s, w, NULL) < 0 || store_blob_append(w, buf, used, NULL) < 0)
		return -EIO;
	return store_blob_finish(w, NULL);
}

static size_t count_tmp(int dir_fd)
{
	DIR *d = fdopendir(dup(dir_fd));
	struct dirent *de;
	size_t n = 0;

	while (d && (de = readdir(d)))
		n += strncmp(de->d_name, STORE_TMP_PREFIX, strlen(STORE_TMP_PREFIX)) == 0;
	if (d)
		closedir(d);
	return n;
}

TEST(unpacker_checks_diff_ids_and_hands_over_prepared_layers)
{
	char t[] = "/tmp/test-registry-XXXXXX";
	_cleanup_free_ char *root = NULL, *digest = NULL, *bad = NULL, *path = NULL, *text = NULL;
	struct berth_store *s = NULL;
	struct berth_error *err = NULL;
	struct reg_unpacker *u = NULL;
	struct blob_writer w[2];
	char *tmps[2] = {NULL, NULL};
	struct layer_record rec = {.chain_id = NULL};
	size_t n;

	ASSERT_TRUE(mkdtemp(t) != NULL);
	root = xasprintf("%s/store", t);
	ASSERT_EQ(berth_store_open(root, &s, NULL), 0);
	ASSERT_EQ(tar_blob(s, "good\n", &w[0]), 0);
	ASSERT_EQ(tar_blob(s, "evil\n", &w[1]), 0);

	/* A layer whose diff id is the config's: unpacked, the dir handed over. */
	digest = xasprintf("sha256:%s", w[0].hex);
	rec = (struct layer_record){.chain_id = digest, .diff_id = digest, .blob = digest};
	ASSERT_EQ(reg_unpacker_new(s, 2, NULL, NULL, NULL, &u, NULL), 0);
	ASSERT_EQ(reg_unpacker_add(u, 0, &w[0], &rec, "good", NULL), 0);
	ASSERT_EQ(reg_unpacker_finish(u, tmps, &err), 0);
	u = reg_unpacker_free(u);
	ASSERT_TRUE(tmps[0] != NULL && tmps[1] == NULL);
	path = xasprintf("%s/layers/%s/diff/hello", root, tmps[0]);
	ASSERT_EQ(read_full_file(path, &text, &n), 0);
	ASSERT_STREQ(text, "good\n");
	store_layer_discard(s, tmps[0]);
	free(tmps[0]);
	tmps[0] = NULL;
	ASSERT_EQ(count_tmp(s->layers_fd), 0);

	/* One whose content is not what the config says: an error, and nothing left. */
	ASSERT_EQ(reg_unpacker_new(s, 2, NULL, NULL, NULL, &u, NULL), 0);
	ASSERT_EQ(reg_unpacker_add(u, 0, &w[0], &rec, "good", NULL), 0);
	bad = xasprintf("sha256:%s", w[0].hex);
	rec = (struct layer_record){
	    .chain_id = bad, .diff_id = bad, .parent = digest, .blob = digest};
	ASSERT_EQ(reg_unpacker_add(u, 1, &w[1], &rec, "evil", NULL), 0);
	ASSERT_EQ(reg_unpacker_finish(u, tmps, &err), -EINVAL);
	ASSERT_CONTAINS(berth_error_message(err), "layer 'evil': content hashes to sha256:");
	ASSERT_CONTAINS(berth_error_message(err), "the config says");
	ASSERT_TRUE(tmps[0] == NULL && tmps[1] == NULL);
	u = reg_unpacker_free(u);
	ASSERT_EQ(count_tmp(s->layers_fd), 0);

	store_blob_abort(s, &w[0]);
	store_blob_abort(s, &w[1]);
	errp(&err);
	berth_store_free(s);
	store_rm_tree_at(AT_FDCWD, t);
}

TEST(blob_sources_remember_repositories_per_registry)
{
	char t[] = "/tmp/test-registry-XXXXXX";
	_cleanup_free_ char *root = NULL, *d = NULL, *path = NULL;
	struct berth_store *s = NULL;
	struct blob_writer w;
	char **repos = NULL;
	char *ds[2];

	ASSERT_TRUE(mkdtemp(t) != NULL);
	root = xasprintf("%s/store", t);
	ASSERT_EQ(berth_store_open(root, &s, NULL), 0);
	ASSERT_EQ(tar_blob(s, "x\n", &w), 0);
	ASSERT_EQ(store_blob_commit(s, &w, NULL, NULL, NULL), 0);
	d = xasprintf("sha256:%s", w.hex);
	ds[0] = d;
	ds[1] = (char *)"sha256:" HEX64; /* not in the store: not recorded */

	/* No record yet: nothing. */
	ASSERT_EQ(reg_sources_lookup(s, d, "reg:5000", NULL, &repos), 0);
	ASSERT_TRUE(repos[0] == NULL);
	strv_free(repos);

	for (int i = 0; i < 10; i++) {
		_cleanup_free_ char *repo = xasprintf("team/r%d", i);

		ASSERT_EQ(reg_sources_add(s, "reg:5000", repo, ds, 2, NULL), 0);
	}
	ASSERT_EQ(reg_sources_add(s, "other:5000", "team/r1", ds, 1, NULL), 0);
	ASSERT_EQ(reg_sources_add(s, "reg:50000", "team/x", ds, 1, NULL), 0);
	/* Most recent first, at most 8 in all, only this registry's, not the repo itself. */
	ASSERT_EQ(reg_sources_lookup(s, d, "reg:5000", "team/r8", &repos), 0);
	ASSERT_STREQ(repos[0], "team/r9");
	ASSERT_STREQ(repos[1], "team/r7");
	ASSERT_STREQ(repos[2], "team/r6");
	ASSERT_STREQ(repos[3], "team/r5");
	ASSERT_STREQ(repos[4], "team/r4");
	ASSERT_TRUE(repos[5] == NULL);
	strv_free(repos);
	ASSERT_EQ(reg_sources_lookup(s, ds[1], "reg:5000", NULL, &repos), 0);
	ASSERT_TRUE(repos[0] == NULL);
	strv_free(repos);

	/* A broken file is an empty record, and the next update replaces it. */
	path = xasprintf("%s/images/blob-sources.json", root);
	ASSERT_EQ(write_file_atomic(path, "{broken", 7, 0600), 0);
	ASSERT_EQ(reg_sources_lookup(s, d, "reg:5000", NULL, &repos), 0);
	ASSERT_TRUE(repos[0] == NULL);
	strv_free(repos);
	ASSERT_EQ(reg_sources_add(s, "reg:5000", "team/new", ds, 1, NULL), 0);
	ASSERT_EQ(reg_sources_lookup(s, d, "reg:5000", NULL, &repos), 0);
	ASSERT_STREQ(repos[0], "team/new");
	ASSERT_TRUE(repos[1] == NULL);
	strv_free(repos);

	berth_store_free(s);
	store_rm_tree_at(AT_FDCWD, t);
}

TEST_MAIN()
