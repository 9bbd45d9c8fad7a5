/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libFuzzer harness for the config.json parser (spec.c, spec-linux.c, spec-resources.c).
 *
 * Every input is given to rt_config_parse() as a whole config.json, and to
 * rt_config_parse_fragment() both as a process.json ("process") and as a resources file
 * ("linux.resources"): the three share one parser, and a seed of either kind mutates into
 * the others. Beyond "no crash, no leak, no undefined behaviour" the harness checks the
 * parser's contract, and aborts when it is broken:
 *
 *   - failure: a negative errno, *err set with a message naming the file, *ret untouched;
 *   - success: no error, and the invariants config.h promises for the validated structs.
 *
 * Build and run with tests/fuzz/build.sh and tests/fuzz/run.sh.
 */
#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "berth/error.h"
#include "runtime/config.h"
#include "berth/util.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(e)                                                                                   \
	do {                                                                                       \
		if (!(e)) {                                                                        \
			fprintf(stderr, "fuzz-config: %s:%d: check failed: %s\n", __FILE__,        \
				__LINE__, #e);                                                     \
			abort();                                                                   \
		}                                                                                  \
	} while (0)

static void check_strv(char **l, bool nonempty)
{
	if (!l)
		return;
	for (size_t i = 0; l[i]; i++)
		CHECK(!nonempty || l[i][0] != '\0');
}

/* What config.h says about a config the parser accepted. */
static void check_config(const struct rt_config *c)
{
	CHECK(c->oci_version);
	CHECK(c->root_path && c->root_path[0]);
	if (c->has_process) {
		const struct rt_process *pr = &c->process;

		CHECK(pr->args && pr->args[0]);
		CHECK(pr->cwd && pr->cwd[0] == '/');
		CHECK(pr->umask >= -1 && pr->umask <= 0777);
		for (size_t i = 0; pr->env && pr->env[i]; i++)
			CHECK(strchr(pr->env[i], '=') && pr->env[i][0] != '=');
		for (size_t i = 0; i < pr->n_rlimits; i++) {
			CHECK(rt_rlimit_to_name(pr->rlimits[i].resource));
			CHECK(pr->rlimits[i].soft <= pr->rlimits[i].hard);
		}
		for (size_t k = 0; k < _RT_CAP_SET_MAX; k++)
			for (int cap = 0; cap < 64; cap++)
				if (pr->caps[k] & (UINT64_C(1) << cap))
					CHECK(rt_cap_to_name(cap));
		CHECK(!pr->has_oom_score_adj ||
		      (pr->oom_score_adj >= -1000 && pr->oom_score_adj <= 1000));
		CHECK(pr->io_priority.class >= 0 && pr->io_priority.class <= 3);
		CHECK(pr->io_priority.priority >= 0 && pr->io_priority.priority <= 7);
		if (pr->scheduler.set) {
			CHECK(pr->scheduler.policy >= 0 && pr->scheduler.policy <= 6);
			CHECK(pr->scheduler.nice >= -20 && pr->scheduler.nice <= 19);
			CHECK(pr->scheduler.priority >= 0 && pr->scheduler.priority <= 99);
		}
	}
	for (size_t i = 0; i < c->n_mounts; i++) {
		const struct rt_mount *m = &c->mounts[i];

		CHECK(m->destination && m->destination[0] == '/');
		CHECK((m->n_uid_mappings > 0) == (m->n_gid_mappings > 0));
		CHECK(!m->n_uid_mappings || m->idmap);
	}
	for (size_t i = 0; i < _RT_NS_MAX; i++)
		CHECK(!c->namespaces[i].path ||
		      (c->namespaces[i].enabled && c->namespaces[i].path[0] == '/'));
	for (size_t i = 0; i < c->n_uid_mappings; i++)
		CHECK(c->uid_mappings[i].size > 0);
	for (size_t i = 0; i < c->n_gid_mappings; i++)
		CHECK(c->gid_mappings[i].size > 0);
	for (size_t i = 0; i < c->n_devices; i++)
		CHECK(c->devices[i].path && c->devices[i].path[0] == '/');
	for (size_t i = 0; i < c->resources.n_devices; i++) {
		const struct rt_device_rule *d = &c->resources.devices[i];

		CHECK(strchr("abc", d->type) && d->type);
		CHECK(d->access[0] && strlen(d->access) <= 3);
	}
	CHECK(c->resources.memory_swappiness == RT_UNSET ||
	      (c->resources.memory_swappiness >= 0 && c->resources.memory_swappiness <= 100));
	for (size_t i = 0; i < c->resources.n_unified; i++)
		CHECK(!strchr(c->resources.unified[i].key, '/'));
	for (size_t i = 0; i < c->resources.n_net_priorities; i++)
		CHECK(!strpbrk(c->resources.net_priorities[i].name, " \t\n\r\v\f"));
	for (size_t i = 0; i < c->resources.n_rdma; i++)
		CHECK(!strpbrk(c->resources.rdma[i].device, " \t\n\r\v\f="));
	check_strv(c->masked_paths, true);
	check_strv(c->readonly_paths, true);
	for (size_t k = 0; k < _RT_HOOK_KIND_MAX; k++)
		for (size_t i = 0; i < c->n_hooks[k]; i++)
			CHECK(c->hooks[k][i].path && c->hooks[k][i].path[0] == '/');
	if (c->seccomp) {
		const struct rt_seccomp *s = c->seccomp;
		bool notify = false;

		CHECK(s->default_action != RT_SECCOMP_NOTIFY);
		CHECK((unsigned)s->default_action < _RT_SECCOMP_ACTION_MAX);
		for (size_t i = 0; i < s->n_syscalls; i++) {
			const struct rt_seccomp_syscall *sc = &s->syscalls[i];

			CHECK(sc->names && sc->names[0]);
			check_strv(sc->names, true);
			CHECK((unsigned)sc->action < _RT_SECCOMP_ACTION_MAX);
			notify = notify || sc->action == RT_SECCOMP_NOTIFY;
			for (size_t a = 0; a < sc->n_args; a++) {
				CHECK(sc->args[a].index <= 5);
				CHECK((unsigned)sc->args[a].op < _RT_SECCOMP_OP_MAX);
			}
		}
		CHECK(notify == s->uses_notify);
		CHECK(!notify || (s->listener_path && s->listener_path[0]));
	}
	(void)rt_config_check_supported(c, NULL);
}

static bool verbose;

static void parse_one(const uint8_t *data, size_t size, const char *where)
{
	struct rt_config *c = (struct rt_config *)(uintptr_t)0x1; /* must stay untouched */
	struct berth_error *err = NULL;
	int r;

	if (where)
		r = rt_config_parse_fragment((const char *)data, size, "fuzz.json", where, &c,
					     &err);
	else
		r = rt_config_parse((const char *)data, size, "fuzz.json", &c, &err);
	if (verbose)
		fprintf(stderr, "fuzz-config: %s: %s\n", where ? where : "config",
			r < 0 ? berth_error_message(err) : "parsed");
	if (r < 0) {
		CHECK(c == (struct rt_config *)(uintptr_t)0x1);
		CHECK(err && err->errnum == -r && err->msg);
		CHECK(startswith(err->msg, "fuzz.json"));
		berth_error_free(err);
		return;
	}
	CHECK(r == 0 && !err && c && c != (struct rt_config *)(uintptr_t)0x1);
	check_config(c);
	rt_config_free(c);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	/* A fixed hash seed: jansson otherwise seeds from /dev/urandom, and a crash should
	 * reproduce the same way every time. */
	json_object_seed(1);
	/* BERTH_FUZZ_VERBOSE=1: say what became of each input (for seeds and reproducers) */
	verbose = getenv("BERTH_FUZZ_VERBOSE") != NULL;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	parse_one(data, size, NULL);
	parse_one(data, size, "process");
	parse_one(data, size, "linux.resources");
	return 0;
}
