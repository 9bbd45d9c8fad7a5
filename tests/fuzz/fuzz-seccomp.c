/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libFuzzer harness for linux.seccomp: the input is the value of "seccomp", wrapped as
 *
 *     {"ociVersion":"1.2.0","root":{"path":"r"},"linux":{"seccomp": <input>}}
 *
 * and parsed with rt_config_parse(). When it parses, seccomp_build() translates it into a
 * libseccomp filter (never loaded: the fuzzer must keep its own syscalls), which is then
 * released. For one input in eight (decided by the input, so that a crash reproduces) the
 * filter is also exported, as pseudo filter code and as BPF, to /dev/null: that makes
 * libseccomp generate the program the kernel would get.
 *
 * Contract checks (abort when broken): a failed seccomp_build() returns -errno with an
 * error that says "seccomp: ..." and leaves *ret alone; a successful one returns a context.
 *
 * Leaks inside libseccomp are not ours to fix, and 2.5.4 has one: rules with the same
 * argument condition on accept, accept4 and socketcall in a filter with SCMP_ARCH_X86
 * (where they are multiplexed through socketcall) lose 192 bytes of its rule tree
 * (corpus/seccomp/libseccomp-x86-socketcall-leak.json). So LSan ignores memory allocated
 * inside libseccomp.so (__lsan_default_suppressions() below). What that would hide on our
 * side, a context seccomp_build() or the harness forgets to release, is caught instead by
 * counting contexts: the link wraps seccomp_init() and seccomp_release() (-Wl,--wrap, see
 * build.sh), and none may be left after an input.
 */
#include <fcntl.h>
#include <jansson.h>
#include <seccomp.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "berth/error.h"
#include "runtime/config.h"
#include "runtime/seccomp.h"
#include "berth/util.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(e)                                                                                   \
	do {                                                                                       \
		if (!(e)) {                                                                        \
			fprintf(stderr, "fuzz-seccomp: %s:%d: check failed: %s\n", __FILE__,       \
				__LINE__, #e);                                                     \
			abort();                                                                   \
		}                                                                                  \
	} while (0)

const char *__lsan_default_suppressions(void);
scmp_filter_ctx __real_seccomp_init(uint32_t def_action);
void __real_seccomp_release(scmp_filter_ctx ctx);
scmp_filter_ctx __wrap_seccomp_init(uint32_t def_action);
void __wrap_seccomp_release(scmp_filter_ctx ctx);

const char *__lsan_default_suppressions(void)
{
	return "leak:libseccomp.so\n";
}

static long live_contexts;

scmp_filter_ctx __wrap_seccomp_init(uint32_t def_action)
{
	scmp_filter_ctx ctx = __real_seccomp_init(def_action);

	if (ctx)
		live_contexts++;
	return ctx;
}

void __wrap_seccomp_release(scmp_filter_ctx ctx)
{
	if (ctx)
		live_contexts--;
	__real_seccomp_release(ctx);
}

static const char prefix[] = "{\"ociVersion\":\"1.2.0\",\"root\":{\"path\":\"r\"},"
			     "\"linux\":{\"seccomp\":";
static const char suffix[] = "}}";

static int devnull = -1;
static bool verbose;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	json_object_seed(1);
	/* BERTH_FUZZ_VERBOSE=1: say what became of each input (for seeds and reproducers) */
	verbose = getenv("BERTH_FUZZ_VERBOSE") != NULL;
	devnull = open("/dev/null", O_WRONLY | O_CLOEXEC);
	if (devnull < 0) {
		perror("fuzz-seccomp: /dev/null");
		abort();
	}
	return 0;
}

/* FNV-1a: which inputs also get exported. */
static uint32_t hash(const uint8_t *data, size_t size)
{
	uint32_t h = 2166136261u;

	for (size_t i = 0; i < size; i++)
		h = (h ^ data[i]) * 16777619u;
	return h;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rt_config *c = NULL;
	struct berth_error *err = NULL;
	scmp_filter_ctx ctx = (scmp_filter_ctx)(uintptr_t)0x1; /* must stay untouched on error */
	size_t len = sizeof(prefix) - 1 + size + sizeof(suffix) - 1;
	char *json;
	int r;

	json = malloc(len);
	if (!json)
		return 0;
	memcpy(json, prefix, sizeof(prefix) - 1);
	memcpy(json + sizeof(prefix) - 1, data, size);
	memcpy(json + sizeof(prefix) - 1 + size, suffix, sizeof(suffix) - 1);
	r = rt_config_parse(json, len, "fuzz.json", &c, &err);
	free(json);
	if (verbose)
		fprintf(stderr, "fuzz-seccomp: parse: %s\n",
			r < 0 ? berth_error_message(err) : "parsed");
	if (r < 0) {
		CHECK(err && err->msg && err->errnum == -r);
		berth_error_free(err);
		return 0;
	}
	CHECK(live_contexts == 0);
	CHECK(!err && c);
	if (!c->seccomp) { /* "null", or "{...}, \"seccomp\": null" */
		rt_config_free(c);
		return 0;
	}

	r = seccomp_build(c->seccomp, &ctx, &err);
	if (verbose)
		fprintf(stderr, "fuzz-seccomp: build: %s\n",
			r < 0 ? berth_error_message(err) : "built");
	if (r < 0) {
		CHECK(ctx == (scmp_filter_ctx)(uintptr_t)0x1);
		CHECK(err && err->msg && err->errnum == -r);
		CHECK(startswith(err->msg, "seccomp: "));
		berth_error_free(err);
	} else {
		CHECK(r == 0 && !err && ctx && ctx != (scmp_filter_ctx)(uintptr_t)0x1);
		if (hash(data, size) % 8 == 0) {
			/* Errors are libseccomp's business (e.g. a program too long for the
			 * kernel); crashes and leaks are what this looks for. */
			(void)seccomp_export_pfc(ctx, devnull);
			(void)seccomp_export_bpf(ctx, devnull);
		}
		seccomp_release(ctx);
	}
	CHECK(live_contexts == 0);
	rt_config_free(c);
	return 0;
}
