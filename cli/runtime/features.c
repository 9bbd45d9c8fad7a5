/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdio.h>

#include "cli.h"
#include "config.h"

/* The OCI features document (runtime-spec features.md) for what berth implements. */
int cmd_features(int argc, char **argv, const struct rt_cli *cli)
{
	printf("{\n  \"ociVersionMin\": \"1.0.0\",\n  \"ociVersionMax\": \"1.2.0\",\n"
	       "  \"hooks\": [],\n"
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
		printf("%s\"%s\"", first ? "" : ", ", n);
		first = 0;
	}
	printf("],\n    \"cgroup\": {\"v1\": true, \"v2\": true, \"systemd\": false, "
	       "\"systemdUser\": false, \"rdma\": false},\n"
	       "    \"seccomp\": {\"enabled\": false},\n"
	       "    \"apparmor\": {\"enabled\": false},\n"
	       "    \"selinux\": {\"enabled\": false},\n"
	       "    \"intelRdt\": {\"enabled\": false},\n"
	       "    \"mountExtensions\": {\"idmap\": {\"enabled\": false}}\n"
	       "  },\n"
	       "  \"annotations\": {\"org.opencontainers.runtime-spec.features\": \"berth\"}\n}\n");
	return 0;
}
