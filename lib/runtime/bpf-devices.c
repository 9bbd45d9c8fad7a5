/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Device rules on cgroup v2: a BPF_PROG_TYPE_CGROUP_DEVICE program, generated here
 * from the OCI rules and attached to the container's cgroup (cgroup2 has no
 * devices.allow/deny). The program sees each access as {type, access, major, minor}
 * and returns 1 (allow) or 0 (deny, EPERM).
 *
 * Semantics are v1's, as runc and crun give them: the rules are walked from the last
 * to the first and the first that matches decides; nothing matching is a deny (OCI rule
 * lists start with "deny all"). An allow rule matches when every requested access is
 * one it grants; a deny rule when any requested access is one it names.
 *
 * The program is a straight line of compare-and-skip blocks, one per rule:
 *
 *     r2 = ctx->access_type; r3 = r2 & 0xffff (type); r2 >>= 16 (access)
 *     r5 = ctx->major; r6 = ctx->minor
 *     rule: if r3 != T goto next; if r5 != M goto next; if r6 != m goto next;
 *           r7 = r2 & (allow ? ~A : A); if r7 (allow ? != : ==) 0 goto next
 *           r0 = allow; exit
 *     next: ...  r0 = 0; exit
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "bpf-devices.h"
#include "berth/cleanup.h"
#include "berth/util.h"

#define INSN(c, d, s, o, i)                                                                        \
	((struct bpf_insn){.code = (c), .dst_reg = (d), .src_reg = (s), .off = (o), .imm = (i)})

static unsigned access_bits(const char *access)
{
	unsigned a = 0;

	for (const char *p = access; *p; p++)
		a |= *p == 'r' ? BPF_DEVCG_ACC_READ : *p == 'w' ? BPF_DEVCG_ACC_WRITE
			: *p == 'm'			    ? BPF_DEVCG_ACC_MKNOD
							    : 0;
	return a;
}

int bpf_devices_program(const struct rt_device_rule *rules, size_t n, struct bpf_insn **ret,
			size_t *ret_n)
{
	/* 6 to load the context, at most 9 per rule, 2 to end */
	struct bpf_insn *p = calloc(6 + 9 * n + 2, sizeof(*p));
	size_t k = 0;

	if (!p)
		return -ENOMEM;
	p[k++] = INSN(BPF_LDX | BPF_MEM | BPF_W, 2, 1, 0, 0); /* access_type */
	p[k++] = INSN(BPF_ALU64 | BPF_MOV | BPF_X, 3, 2, 0, 0);
	p[k++] = INSN(BPF_ALU64 | BPF_AND | BPF_K, 3, 0, 0, 0xffff); /* r3 = type */
	p[k++] = INSN(BPF_ALU64 | BPF_RSH | BPF_K, 2, 0, 0, 16);	  /* r2 = access */
	p[k++] = INSN(BPF_LDX | BPF_MEM | BPF_W, 5, 1, 4, 0);	  /* r5 = major */
	p[k++] = INSN(BPF_LDX | BPF_MEM | BPF_W, 6, 1, 8, 0);	  /* r6 = minor */

	for (size_t i = n; i-- > 0;) {
		const struct rt_device_rule *r = &rules[i];
		struct bpf_insn block[9];
		size_t b = 0, jumps[4], nj = 0;
		unsigned acc = access_bits(r->access);

		if (r->type != 'a') {
			jumps[nj++] = b;
			block[b++] = INSN(BPF_JMP | BPF_JNE | BPF_K, 3, 0, 0,
					  r->type == 'b' ? BPF_DEVCG_DEV_BLOCK : BPF_DEVCG_DEV_CHAR);
		}
		if (r->major >= 0) {
			jumps[nj++] = b;
			block[b++] = INSN(BPF_JMP | BPF_JNE | BPF_K, 5, 0, 0, (int32_t)r->major);
		}
		if (r->minor >= 0) {
			jumps[nj++] = b;
			block[b++] = INSN(BPF_JMP | BPF_JNE | BPF_K, 6, 0, 0, (int32_t)r->minor);
		}
		block[b++] = INSN(BPF_ALU64 | BPF_MOV | BPF_X, 7, 2, 0, 0);
		block[b++] = INSN(BPF_ALU64 | BPF_AND | BPF_K, 7, 0, 0,
				  (int32_t)(r->allow ? (~acc & 7u) : acc));
		jumps[nj++] = b;
		block[b++] = INSN(BPF_JMP | (r->allow ? BPF_JNE : BPF_JEQ) | BPF_K, 7, 0, 0, 0);
		block[b++] = INSN(BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, r->allow ? 1 : 0);
		block[b++] = INSN(BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
		/* every "goto next" lands right after this block */
		for (size_t j = 0; j < nj; j++)
			block[jumps[j]].off = (int16_t)(b - jumps[j] - 1);
		memcpy(p + k, block, b * sizeof(*block));
		k += b;
	}
	p[k++] = INSN(BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, 0);
	p[k++] = INSN(BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
	*ret = p;
	*ret_n = k;
	return 0;
}

static int sys_bpf(int cmd, union bpf_attr *attr)
{
	return (int)syscall(__NR_bpf, cmd, attr, sizeof(*attr));
}

/* The new rules replace the old (update): every other device program attached to the
 * cgroup is detached, after the new one is in place, so that there is never a moment
 * without rules (while both are attached, a device must pass both). */
static int detach_others(int cg, int prog, const char *cgroup_dir, struct berth_error **err)
{
	struct bpf_prog_info info;
	uint32_t ids[64], n;
	union bpf_attr attr;

	memset(&info, 0, sizeof(info));
	memset(&attr, 0, sizeof(attr));
	attr.info.bpf_fd = (uint32_t)prog;
	attr.info.info_len = sizeof(info);
	attr.info.info = (uint64_t)(uintptr_t)&info;
	if (sys_bpf(BPF_OBJ_GET_INFO_BY_FD, &attr) < 0)
		return berth_error_set(err, errno, "device rules: read the new program's id");
	memset(&attr, 0, sizeof(attr));
	attr.query.target_fd = (uint32_t)cg;
	attr.query.attach_type = BPF_CGROUP_DEVICE;
	attr.query.prog_ids = (uint64_t)(uintptr_t)ids;
	attr.query.prog_cnt = ELEMENTSOF(ids);
	if (sys_bpf(BPF_PROG_QUERY, &attr) < 0)
		return berth_error_set(err, errno, "device rules: list the programs of '%s'",
				       cgroup_dir);
	n = attr.query.prog_cnt < ELEMENTSOF(ids) ? attr.query.prog_cnt : ELEMENTSOF(ids);
	for (uint32_t i = 0; i < n; i++) {
		_cleanup_close_ int old = -EBADF;

		if (ids[i] == info.id)
			continue;
		memset(&attr, 0, sizeof(attr));
		attr.prog_id = ids[i];
		old = sys_bpf(BPF_PROG_GET_FD_BY_ID, &attr);
		if (old < 0) {
			if (errno == ENOENT) /* detached meanwhile */
				continue;
			return berth_error_set(err, errno, "device rules: open old program %u", ids[i]);
		}
		memset(&attr, 0, sizeof(attr));
		attr.target_fd = (uint32_t)cg;
		attr.attach_bpf_fd = (uint32_t)old;
		attr.attach_type = BPF_CGROUP_DEVICE;
		if (sys_bpf(BPF_PROG_DETACH, &attr) < 0 && errno != ENOENT)
			return berth_error_set(err, errno, "device rules: detach old program %u from '%s'",
					       ids[i], cgroup_dir);
	}
	return 0;
}

int bpf_devices_attach(const char *cgroup_dir, const struct rt_device_rule *rules, size_t n,
		       struct berth_error **err)
{
	_cleanup_free_ struct bpf_insn *insns = NULL;
	_cleanup_close_ int cg = -EBADF, prog = -EBADF;
	char log[4096] = "";
	union bpf_attr attr;
	size_t n_insns;
	int r;

	r = bpf_devices_program(rules, n, &insns, &n_insns);
	if (r < 0)
		return berth_error_set(err, -r, "device rules");
	memset(&attr, 0, sizeof(attr));
	attr.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
	attr.insns = (uint64_t)(uintptr_t)insns;
	attr.insn_cnt = (uint32_t)n_insns;
	attr.license = (uint64_t)(uintptr_t) "Apache";
	attr.log_buf = (uint64_t)(uintptr_t)log;
	attr.log_size = sizeof(log);
	attr.log_level = 1;
	prog = sys_bpf(BPF_PROG_LOAD, &attr);
	if (prog < 0 && errno == ENOSPC) {
		/* the verifier's log did not fit: load again without it */
		attr.log_buf = 0;
		attr.log_size = 0;
		attr.log_level = 0;
		prog = sys_bpf(BPF_PROG_LOAD, &attr);
	}
	if (prog < 0)
		return berth_error_set(err, errno, "device rules: load the BPF device program%s%s",
				       *log ? ": " : "", log);
	cg = open(cgroup_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (cg < 0)
		return berth_error_set(err, errno, "device rules: open '%s'", cgroup_dir);
	memset(&attr, 0, sizeof(attr));
	attr.target_fd = (uint32_t)cg;
	attr.attach_bpf_fd = (uint32_t)prog;
	attr.attach_type = BPF_CGROUP_DEVICE;
	attr.attach_flags = BPF_F_ALLOW_MULTI;
	if (sys_bpf(BPF_PROG_ATTACH, &attr) < 0)
		return berth_error_set(err, errno, "device rules: attach the BPF device program to '%s'",
				       cgroup_dir);
	/* The attachment holds the program; our fds can go. */
	return detach_others(cg, prog, cgroup_dir, err);
}
