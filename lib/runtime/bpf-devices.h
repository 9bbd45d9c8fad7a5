/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Device rules on cgroup v2 as an eBPF program (BPF_CGROUP_DEVICE); see bpf-devices.c. */

#include <stddef.h>

#include "berth/error.h"
#include "config.h"

struct bpf_insn;

/* The program for rules (in OCI order: the last matching rule decides; no match denies).
 * *ret is malloc'ed. -ENOMEM only. */
int bpf_devices_program(const struct rt_device_rule *rules, size_t n, struct bpf_insn **ret,
			size_t *ret_n);

/* Load the program and attach it (BPF_F_ALLOW_MULTI) to the cgroup2 directory
 * cgroup_dir, then detach every other device program there: the rules replace the
 * cgroup's earlier ones (update). The error names what the kernel refused, with the
 * verifier's log. */
int bpf_devices_attach(const char *cgroup_dir, const struct rt_device_rule *rules, size_t n,
		       struct berth_error **err);
