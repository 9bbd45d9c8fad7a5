/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What this runtime implements, as the OCI features document (runtime-spec
 * features.md) says it: the lists come from the tables the parser uses (capabilities)
 * and from the same probes the code that implements a feature runs (idmapped mounts,
 * the rdma controller), so the document cannot promise what the runtime refuses.
 */
#include <stdio.h>
#include <stdlib.h>

#include "berth/runtime.h"
#include "cgroup.h"
#include "config.h"
#include "idmap.h"

static const char *json_bool(bool b)
{
	return b ? "true" : "false";
}

char *berth_runtime_default_spec(bool rootless)
{
	return rt_config_default_json(rootless);
}

char *berth_runtime_features(void)
{
	char *text = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&text, &size);

	if (!f)
		return NULL;
	fprintf(f, "{\n  \"ociVersionMin\": \"1.0.0\",\n  \"ociVersionMax\": \"1.2.0\",\n"
		"  \"hooks\": [\"prestart\", \"createRuntime\", \"createContainer\", "
		"\"startContainer\", \"poststart\", \"poststop\"],\n"
		"  \"mountOptions\": [\"async\", \"atime\", \"bind\", \"defaults\", \"dev\", "
		"\"diratime\", \"dirsync\", \"exec\", \"mand\", \"noatime\", \"nodev\", "
		"\"nodiratime\", \"noexec\", \"nomand\", \"norelatime\", \"nostrictatime\", "
		"\"nosuid\", \"private\", \"rbind\", \"relatime\", \"remount\", \"ro\", "
		"\"rprivate\", \"rshared\", \"rslave\", \"runbindable\", \"rw\", \"shared\", "
		"\"slave\", \"strictatime\", \"suid\", \"sync\", \"unbindable\"],\n"
		"  \"linux\": {\n"
		"    \"namespaces\": [\"cgroup\", \"ipc\", \"mount\", \"network\", \"pid\", "
		"\"time\", \"user\", \"uts\"],\n    \"capabilities\": [");
	for (int c = 0, first = 1; c < 64; c++) {
		const char *n = rt_cap_to_name(c);

		if (!n)
			continue;
		fprintf(f, "%s\"%s\"", first ? "" : ", ", n);
		first = 0;
	}
	fprintf(f, "],\n    \"cgroup\": {\"v1\": true, \"v2\": true, \"systemd\": true, "
		"\"systemdUser\": false, \"rdma\": %s},\n"
		"    \"seccomp\": {\"enabled\": true, \"actions\": [\"SCMP_ACT_ALLOW\", "
		"\"SCMP_ACT_ERRNO\", \"SCMP_ACT_KILL\", \"SCMP_ACT_KILL_PROCESS\", "
		"\"SCMP_ACT_KILL_THREAD\", \"SCMP_ACT_LOG\", \"SCMP_ACT_NOTIFY\", "
		"\"SCMP_ACT_TRACE\", \"SCMP_ACT_TRAP\"], \"operators\": [\"SCMP_CMP_EQ\", "
		"\"SCMP_CMP_GE\", \"SCMP_CMP_GT\", \"SCMP_CMP_LE\", \"SCMP_CMP_LT\", "
		"\"SCMP_CMP_MASKED_EQ\", \"SCMP_CMP_NE\"], \"archs\": [\"SCMP_ARCH_X86_64\", "
		"\"SCMP_ARCH_X86\", \"SCMP_ARCH_X32\"]},\n"
		"    \"apparmor\": {\"enabled\": false},\n"
		"    \"selinux\": {\"enabled\": false},\n"
		"    \"intelRdt\": {\"enabled\": false},\n"
		"    \"mountExtensions\": {\"idmap\": {\"enabled\": %s}}\n"
		"  },\n"
		"  \"annotations\": {\"org.opencontainers.runtime-spec.features\": \"berth\"}\n}\n",
		json_bool(cgroup_rdma_supported()), json_bool(idmap_mounts_supported()));
	if (fclose(f) != 0) {
		free(text);
		return NULL;
	}
	return text;
}
