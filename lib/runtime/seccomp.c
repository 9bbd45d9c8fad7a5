/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * linux.seccomp with libseccomp: build, load, and hand the listener of SCMP_ACT_NOTIFY rules
 * to the seccomp agent at listenerPath.
 */
#include <ctype.h>
#include <errno.h>
#include <stddef.h>
#include <fcntl.h>
#include <limits.h>
#include <jansson.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>

#include "berth/cleanup.h"
#include "seccomp.h"
#include "berth/util.h"

#ifndef SECCOMP_FILTER_FLAG_NEW_LISTENER
#define SECCOMP_FILTER_FLAG_NEW_LISTENER (1UL << 3)
#endif
#ifndef SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV
#define SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV (1UL << 5)
#endif
#ifndef SECCOMP_FILTER_FLAG_TSYNC_ESRCH
#define SECCOMP_FILTER_FLAG_TSYNC_ESRCH (1UL << 4)
#endif

/* libseccomp 2.6 sets SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV itself; with older ones the
 * filter is exported and loaded with seccomp(2) directly (load_raw()). */
#if SCMP_VER_MAJOR > 2 || (SCMP_VER_MAJOR == 2 && SCMP_VER_MINOR >= 6)
#define HAVE_SCMP_WAITKILL 1
#else
#define HAVE_SCMP_WAITKILL 0
#endif

static void seccomp_releasep(scmp_filter_ctx *ctx)
{
	if (*ctx)
		seccomp_release(*ctx);
}

static uint32_t action_value(enum rt_seccomp_action a, bool has_errno, uint32_t errno_ret)
{
	/* "If not specified then its default value is EPERM." */
	uint32_t e = has_errno ? errno_ret : EPERM;

	switch (a) {
	case RT_SECCOMP_KILL:
		return SCMP_ACT_KILL;
	case RT_SECCOMP_KILL_PROCESS:
		return SCMP_ACT_KILL_PROCESS;
	case RT_SECCOMP_KILL_THREAD:
		return SCMP_ACT_KILL_THREAD;
	case RT_SECCOMP_TRAP:
		return SCMP_ACT_TRAP;
	case RT_SECCOMP_ERRNO:
		return SCMP_ACT_ERRNO(e);
	case RT_SECCOMP_TRACE:
		return SCMP_ACT_TRACE(e);
	case RT_SECCOMP_LOG:
		return SCMP_ACT_LOG;
	case RT_SECCOMP_NOTIFY:
		return SCMP_ACT_NOTIFY;
	case RT_SECCOMP_ALLOW:
	case _RT_SECCOMP_ACTION_MAX:
	default:
		return SCMP_ACT_ALLOW;
	}
}

static enum scmp_compare compare_op(enum rt_seccomp_op op)
{
	switch (op) {
	case RT_SECCOMP_OP_NE:
		return SCMP_CMP_NE;
	case RT_SECCOMP_OP_LT:
		return SCMP_CMP_LT;
	case RT_SECCOMP_OP_LE:
		return SCMP_CMP_LE;
	case RT_SECCOMP_OP_GE:
		return SCMP_CMP_GE;
	case RT_SECCOMP_OP_GT:
		return SCMP_CMP_GT;
	case RT_SECCOMP_OP_MASKED_EQ:
		return SCMP_CMP_MASKED_EQ;
	case RT_SECCOMP_OP_EQ:
	case _RT_SECCOMP_OP_MAX:
	default:
		return SCMP_CMP_EQ;
	}
}

/* "SCMP_ARCH_X86_64" -> libseccomp's token, 0 when libseccomp does not know it. */
static uint32_t arch_token(const char *oci)
{
	const char *rest = startswith(oci, "SCMP_ARCH_");
	char lower[32];
	size_t i;

	if (!rest || strlen(rest) >= sizeof(lower))
		return 0;
	for (i = 0; rest[i]; i++)
		lower[i] = (char)tolower((unsigned char)rest[i]);
	lower[i] = '\0';
	return seccomp_arch_resolve_name(lower);
}

/* From the rules themselves, so that a hand-built struct rt_seccomp needs no uses_notify. */
static bool has_notify(const struct rt_seccomp *s)
{
	for (size_t i = 0; i < s->n_syscalls; i++)
		if (s->syscalls[i].action == RT_SECCOMP_NOTIFY)
			return true;
	return false;
}

static int set_attr(scmp_filter_ctx ctx, enum scmp_filter_attr attr, uint32_t value,
		    const char *what, struct berth_error **err)
{
	int r = seccomp_attr_set(ctx, attr, value);

	if (r < 0)
		return berth_error_set(err, -r, "seccomp: %s", what);
	return 0;
}

static int add_rules(scmp_filter_ctx ctx, const struct rt_seccomp *s, uint32_t default_act,
		     struct berth_error **err)
{
	for (size_t i = 0; i < s->n_syscalls; i++) {
		const struct rt_seccomp_syscall *sc = &s->syscalls[i];
		uint32_t act = action_value(sc->action, sc->has_errno_ret, sc->errno_ret);
		struct scmp_arg_cmp cmp[6];
		bool same_index = false;

		/* Same as the default: nothing to add (libseccomp answers EACCES). */
		if (act == default_act)
			continue;
		if (sc->n_args > ELEMENTSOF(cmp))
			return berth_error_new(
			    err, EINVAL,
			    "seccomp: syscalls[%zu]: %zu argument conditions, at "
			    "most 6",
			    i, sc->n_args);
		for (size_t a = 0; a < sc->n_args; a++) {
			const struct rt_seccomp_arg *arg = &sc->args[a];

			/* MASKED_EQ: (arg & value) == valueTwo; the others compare with value. */
			cmp[a] = (struct scmp_arg_cmp){
			    .arg = arg->index,
			    .op = compare_op(arg->op),
			    .datum_a = arg->value,
			    .datum_b = arg->value_two,
			};
			for (size_t b = 0; b < a; b++)
				if (sc->args[b].index == arg->index)
					same_index = true;
		}
		for (size_t n = 0; sc->names[n]; n++) {
			const char *name = sc->names[n];
			int nr = seccomp_syscall_resolve_name(name), r = 0;

			if (nr == __NR_SCMP_ERROR)
				continue; /* unknown here: skipped, as runc does */
			if (same_index) {
				/* libseccomp cannot AND two tests of one argument (EINVAL): like
				 * runc, each condition becomes a rule of its own. */
				for (size_t a = 0; a < sc->n_args && r >= 0; a++)
					r = seccomp_rule_add_array(ctx, act, nr, 1, &cmp[a]);
			} else {
				r = seccomp_rule_add_array(ctx, act, nr, (unsigned)sc->n_args, cmp);
			}
			if (r < 0)
				return berth_error_set(err, -r,
						       "seccomp: syscalls[%zu] '%s': add rule %s",
						       i, name, rt_seccomp_action_name(sc->action));
		}
	}
	return 0;
}

int seccomp_build(const struct rt_seccomp *s, scmp_filter_ctx *ret, struct berth_error **err)
{
	_cleanup_(seccomp_releasep) scmp_filter_ctx ctx = NULL;
	uint32_t def =
	    action_value(s->default_action, s->has_default_errno_ret, s->default_errno_ret);
	int r;

	if (s->default_action == RT_SECCOMP_NOTIFY)
		return berth_error_new(err, EINVAL,
				       "seccomp: SCMP_ACT_NOTIFY cannot be the default action");
	ctx = seccomp_init(def);
	if (!ctx)
		return berth_error_new(err, EINVAL,
				       "seccomp: cannot create a filter with default "
				       "action %s",
				       rt_seccomp_action_name(s->default_action));
	/* process.noNewPrivileges decides about no_new_privs, not the filter. */
	r = set_attr(ctx, SCMP_FLTATR_CTL_NNP, 0, "disable no_new_privs on load", err);
	if (r < 0)
		return r;

	/* Architectures before rules: a rule is only added to the architectures that are in
	 * the filter at that moment. */
	for (size_t i = 0; s->architectures && s->architectures[i]; i++) {
		uint32_t arch = arch_token(s->architectures[i]);

		if (arch == 0)
			return berth_error_new(err, EOPNOTSUPP,
					       "seccomp: architecture %s is not supported by "
					       "libseccomp %u.%u.%u",
					       s->architectures[i], seccomp_version()->major,
					       seccomp_version()->minor, seccomp_version()->micro);
		r = seccomp_arch_add(ctx, arch);
		if (r < 0 && r != -EEXIST) /* the native one is there already */
			return berth_error_set(err, -r, "seccomp: add architecture %s",
					       s->architectures[i]);
	}

	if (s->flags & RT_SECCOMP_FLAG_TSYNC) {
		r = set_attr(ctx, SCMP_FLTATR_CTL_TSYNC, 1, "flag SECCOMP_FILTER_FLAG_TSYNC", err);
		if (r < 0)
			return r;
	}
	if (s->flags & RT_SECCOMP_FLAG_LOG) {
		r = set_attr(ctx, SCMP_FLTATR_CTL_LOG, 1, "flag SECCOMP_FILTER_FLAG_LOG", err);
		if (r < 0)
			return r;
	}
	if (s->flags & RT_SECCOMP_FLAG_SPEC_ALLOW) {
		r = set_attr(ctx, SCMP_FLTATR_CTL_SSB, 1, "flag SECCOMP_FILTER_FLAG_SPEC_ALLOW",
			     err);
		if (r < 0)
			return r;
	}
#if HAVE_SCMP_WAITKILL
	if (s->flags & RT_SECCOMP_FLAG_WAIT_KILLABLE_RECV) {
		r = set_attr(ctx, SCMP_FLTATR_CTL_WAITKILL, 1,
			     "flag SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV", err);
		if (r < 0)
			return r;
	}
#endif

	r = add_rules(ctx, s, def, err);
	if (r < 0)
		return r;
	*ret = TAKE_PTR(ctx);
	return 0;
}

/* Load with seccomp(2) ourselves, for flags this libseccomp cannot set: export the BPF
 * program (through a memfd, the only export libseccomp < 2.6 has) and pass the flags. */
static int load_raw(scmp_filter_ctx ctx, const struct rt_seccomp *s, const struct sock_filter *pre,
		    size_t n_pre, int *ret_fd, struct berth_error **err)
{
	_cleanup_close_ int mfd = -EBADF;
	_cleanup_free_ char *buf = NULL;
	unsigned long flags = 0;
	struct sock_fprog prog;
	size_t size = 0;
	long fd;
	int r;

	mfd = memfd_create("berth-seccomp", MFD_CLOEXEC);
	if (mfd < 0)
		return berth_error_set(err, errno, "seccomp: memfd_create");
	r = seccomp_export_bpf(ctx, mfd);
	if (r < 0)
		return berth_error_set(err, -r, "seccomp: export the filter");
	if (lseek(mfd, 0, SEEK_SET) < 0)
		return berth_error_set(err, errno, "seccomp: export the filter");
	r = read_full_fd(mfd, &buf, &size);
	if (r < 0)
		return berth_error_set(err, -r, "seccomp: export the filter");
	if (size == 0 || size % sizeof(struct sock_filter) != 0 ||
	    size / sizeof(struct sock_filter) + n_pre > BPF_MAXINSNS)
		return berth_error_new(err, EINVAL, "seccomp: exported filter has %zu bytes", size);
	if (n_pre > 0) {
		/* the prefix runs first and falls through (or jumps) to the program */
		char *all = malloc(n_pre * sizeof(*pre) + size);

		if (!all)
			return berth_error_set(err, ENOMEM, "seccomp: filter");
		memcpy(all, pre, n_pre * sizeof(*pre));
		memcpy(all + n_pre * sizeof(*pre), buf, size);
		free(buf);
		buf = all;
		size += n_pre * sizeof(*pre);
	}
	prog = (struct sock_fprog){
	    .len = (unsigned short)(size / sizeof(struct sock_filter)),
	    .filter = (struct sock_filter *)buf,
	};

	if (s->flags & RT_SECCOMP_FLAG_TSYNC)
		flags |= SECCOMP_FILTER_FLAG_TSYNC;
	if (s->flags & RT_SECCOMP_FLAG_LOG)
		flags |= SECCOMP_FILTER_FLAG_LOG;
	if (s->flags & RT_SECCOMP_FLAG_SPEC_ALLOW)
		flags |= SECCOMP_FILTER_FLAG_SPEC_ALLOW;
	if (s->flags & RT_SECCOMP_FLAG_WAIT_KILLABLE_RECV)
		flags |= SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV;
	if (has_notify(s)) {
		flags |= SECCOMP_FILTER_FLAG_NEW_LISTENER;
		/* TSYNC would make the return value a thread id on failure, which cannot be
		 * told from a listener fd: TSYNC_ESRCH makes it an error instead. */
		if (flags & SECCOMP_FILTER_FLAG_TSYNC)
			flags |= SECCOMP_FILTER_FLAG_TSYNC_ESRCH;
	}
	fd = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, flags, &prog);
	if (fd < 0)
		return berth_error_set(err, errno, "seccomp: load the filter (flags 0x%lx)", flags);
	*ret_fd = (flags & SECCOMP_FILTER_FLAG_NEW_LISTENER) ? (int)fd : -EBADF;
	return 0;
}

#define X32_SYSCALL_BIT 0x40000000U

/* The highest syscall number any rule names on `arch` (x32 numbers carry their bit), or
 * -1 when none resolves there. */
static int64_t last_syscall(const struct rt_seccomp *s, uint32_t arch)
{
	int64_t last = -1;

	for (size_t i = 0; i < s->n_syscalls; i++)
		for (size_t n = 0; s->syscalls[i].names[n]; n++) {
			int nr = seccomp_syscall_resolve_name_arch(arch, s->syscalls[i].names[n]);

			/* negative: unknown there, or a pseudo number (i386 socketcall) */
			if (nr >= 0 && nr > last)
				last = nr;
		}
	return last;
}

int seccomp_enosys_stub(const struct rt_seccomp *s, struct sock_filter *out, size_t max,
			size_t *ret_n)
{
	uint32_t native = seccomp_arch_native(), arches[16];
	size_t n_arches = 0, n = 0, fix[40], n_fix = 0;
	int64_t last_x32 = -1;

	*ret_n = 0;
	/* runc's rule (libcontainer/seccomp/patchbpf): only for a filter that denies by
	 * default, unless that default already says ENOSYS */
	if (s->default_action == RT_SECCOMP_ALLOW ||
	    (s->default_action == RT_SECCOMP_ERRNO && s->has_default_errno_ret &&
	     s->default_errno_ret == ENOSYS))
		return 0;
	arches[n_arches++] = native;
	for (size_t i = 0; s->architectures && s->architectures[i]; i++) {
		uint32_t a = arch_token(s->architectures[i]);
		bool dup = false;

		if (a == SCMP_ARCH_X32) {
			last_x32 = last_syscall(s, a);
			continue; /* x32 shares x86_64's audit arch: checked in its block */
		}
		for (size_t k = 0; k < n_arches; k++)
			dup = dup || arches[k] == a;
		if (!dup && a != 0 && n_arches < ELEMENTSOF(arches))
			arches[n_arches++] = a;
	}
	if (native != SCMP_ARCH_X86_64)
		last_x32 = -1;

#define EMIT(insn)                          \
	do {                                \
		if (n >= max)               \
			return -E2BIG;      \
		out[n++] = (struct sock_filter)insn; \
	} while (0)
	/* jumps to the ENOSYS return (jt) and to the program (jf), resolved below */
#define EMIT_TO_END(code, k)                                  \
	do {                                                  \
		if (n_fix >= ELEMENTSOF(fix))                 \
			return -E2BIG;                        \
		fix[n_fix++] = n;                             \
		EMIT(BPF_JUMP(BPF_JMP | (code) | BPF_K, (k), 0, 0)); \
	} while (0)

	EMIT(BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)));
	for (size_t i = 0; i < n_arches; i++) {
		int64_t last = last_syscall(s, arches[i]);
		bool x32 = arches[i] == SCMP_ARCH_X86_64 && last_x32 >= 0;
		size_t skip = 1 + (x32 ? 2 : 0) + 1;

		if (last < 0)
			continue; /* nothing known there: the program decides */
		/* not this arch: on to the next block */
		EMIT(BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, arches[i], 0, (uint8_t)skip));
		EMIT(BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)));
		if (x32) {
			/* an x32 number (bit 30) is compared with x32's last */
			EMIT(BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, X32_SYSCALL_BIT, 0, 1));
			EMIT_TO_END(BPF_JGT, (uint32_t)last_x32);
		}
		EMIT_TO_END(BPF_JGT, (uint32_t)last);
	}
	/* no block took it: the program */
	EMIT(BPF_STMT(BPF_JMP | BPF_JA, 1));
	EMIT(BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (ENOSYS & SECCOMP_RET_DATA)));
	for (size_t i = 0; i < n_fix; i++) {
		size_t enosys = n - 1, program = n;

		if (enosys - (fix[i] + 1) > 255)
			return -E2BIG;
		out[fix[i]].jt = (uint8_t)(enosys - (fix[i] + 1));
		out[fix[i]].jf = (uint8_t)(program - (fix[i] + 1));
	}
#undef EMIT
#undef EMIT_TO_END
	*ret_n = n;
	return 0;
}

int seccomp_apply(const struct rt_seccomp *s, int *ret_notify_fd, struct berth_error **err)
{
	_cleanup_(seccomp_releasep) scmp_filter_ctx ctx = NULL;
	struct sock_filter stub[64];
	size_t n_stub = 0;
	int r, fd = -EBADF;

	r = seccomp_build(s, &ctx, err);
	if (r < 0)
		return r;
	/* Syscalls newer than the profile get ENOSYS, not the default errno, so that a
	 * program falls back to an older call (clone3 -> clone, as glibc does) */
	r = seccomp_enosys_stub(s, stub, ELEMENTSOF(stub), &n_stub);
	if (r < 0)
		return berth_error_set(err, -r, "seccomp: ENOSYS stub");
	if (n_stub > 0 ||
	    (!HAVE_SCMP_WAITKILL && (s->flags & RT_SECCOMP_FLAG_WAIT_KILLABLE_RECV))) {
		r = load_raw(ctx, s, stub, n_stub, &fd, err);
		if (r < 0)
			return r;
		if (fd >= 0 && fd_set_cloexec(fd, true) < 0) {
			r = -errno;
			close(fd);
			return berth_error_set(err, -r, "seccomp: listener fd");
		}
		*ret_notify_fd = fd;
		return 0;
	}
	r = seccomp_load(ctx);
	if (r < 0)
		return berth_error_set(err, -r, "seccomp: load the filter");
	if (!has_notify(s)) {
		*ret_notify_fd = -EBADF;
		return 0;
	}
	/* libseccomp keeps the listener in its global state; hand out our own copy. */
	fd = seccomp_notify_fd(ctx);
	if (fd < 0)
		return berth_error_set(err, fd == -1 ? EIO : -fd, "seccomp: get the listener fd");
	r = fcntl(fd, F_DUPFD_CLOEXEC, 3);
	if (r < 0)
		return berth_error_set(err, errno, "seccomp: duplicate the listener fd");
	*ret_notify_fd = r;
	return 0;
}

int seccomp_listener_state_json(const struct rt_seccomp *s, pid_t pid, const char *state_json,
				char **ret, struct berth_error **err)
{
	_cleanup_(json_decrefp) json_t *o = NULL;
	json_t *state;
	json_error_t jerr;
	char *text;

	state = json_loads(state_json, 0, &jerr);
	if (!state || !json_is_object(state)) {
		json_decref(state);
		return berth_error_new(err, EINVAL, "seccomp listener state: not a JSON object");
	}
	/* json_pack steals the "o" reference, also when it fails. */
	o = json_pack("{s:s, s:[s], s:I, s:s, s:o}", "ociVersion", "1.2.0", "fds", "seccompFd",
		      "pid", (json_int_t)pid, "metadata",
		      s->listener_metadata ? s->listener_metadata : "", "state", state);
	if (!o)
		return berth_error_set(err, ENOMEM, "seccomp listener state");
	text = json_dumps(o, JSON_COMPACT);
	if (!text)
		return berth_error_set(err, ENOMEM, "seccomp listener state");
	*ret = text;
	return 0;
}

int seccomp_connect_listener(const char *listener_path, int *ret_sock, struct berth_error **err)
{
	_cleanup_close_ int sock = -EBADF;
	struct sockaddr_un addr = {.sun_family = AF_UNIX};

	if (strlen(listener_path) >= sizeof(addr.sun_path))
		return berth_error_new(err, ENAMETOOLONG,
				       "seccomp listener '%s': path is longer than %zu bytes",
				       listener_path, sizeof(addr.sun_path) - 1);
	strcpy(addr.sun_path, listener_path);
	sock = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (sock < 0)
		return berth_error_set(err, errno, "seccomp listener '%s': socket", listener_path);
	if (connect(sock, (struct sockaddr *)&addr, sizeof(addr)) < 0)
		/* runc's words, which tools match */
		return berth_error_set(err, errno,
				       "seccomp listener '%s': failed to connect with seccomp agent",
				       listener_path);
	*ret_sock = TAKE_FD(sock);
	return 0;
}

int seccomp_send_listener(const char *listener_path, int notify_fd, const char *state_json,
			  struct berth_error **err)
{
	_cleanup_close_ int sock = -EBADF;
	int r;

	r = seccomp_connect_listener(listener_path, &sock, err);
	if (r < 0)
		return r;
	return seccomp_send_on(sock, listener_path, notify_fd, state_json, err);
}

int seccomp_send_on(int sock, const char *listener_path, int notify_fd, const char *state_json,
		    struct berth_error **err)
{
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(int))];
	} control = {0};
	size_t len = strlen(state_json), sent;
	struct iovec iov = {.iov_base = (void *)state_json, .iov_len = len};
	struct msghdr msg = {
	    .msg_iov = &iov,
	    .msg_iovlen = 1,
	    .msg_control = control.buf,
	    .msg_controllen = sizeof(control.buf),
	};
	struct cmsghdr *cm;
	ssize_t n;

	if (len == 0)
		return berth_error_new(err, EINVAL, "seccomp listener '%s': empty state",
				       listener_path);

	cm = CMSG_FIRSTHDR(&msg);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &notify_fd, sizeof(int));
	/* MSG_NOSIGNAL: an agent that went away is an error here, not a SIGPIPE. */
	do
		n = sendmsg(sock, &msg, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return berth_error_set(err, errno, "seccomp listener '%s': send", listener_path);
	for (sent = (size_t)n; sent < len; sent += (size_t)n) {
		do
			n = send(sock, state_json + sent, len - sent, MSG_NOSIGNAL);
		while (n < 0 && errno == EINTR);
		if (n < 0)
			return berth_error_set(err, errno, "seccomp listener '%s': send",
					       listener_path);
	}
	return 0;
}
